/*
 * The simulator's flash: NOR rules (erase to 0xFF, program only erased
 * units, alignment, range), the backing file (created erased, persistent,
 * size checked, locked), the F4's non-uniform sectors, counters, the timing
 * model and power cuts.
 */
/* mkstemp, fileno, clock_gettime, unless the build defines them */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_layout.h"
#include "sim.h"

#define F1_BASE 0x08000000u

struct fx {
	struct sim_flash f;
	const struct iap_flash *ops;
	char path[64];
};

static void tmp_path(char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/tmp/iapsimtest-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void fx_open(struct fx *x, const char *board)
{
	const struct sim_board *b = sim_board_find(board);

	assert_non_null(b);
	assert_int_equal(sim_flash_open(&x->f, b, x->path), 0);
	x->ops = &x->f.ops;
}

static int setup_f103(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	tmp_path(x->path, sizeof(x->path));
	fx_open(x, "f103c8");
	*state = x;
	return 0;
}

static int setup_f407(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	tmp_path(x->path, sizeof(x->path));
	fx_open(x, "f407vg");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	sim_flash_close(&x->f);
	unlink(x->path);
	free(x);
	return 0;
}

static int prog(struct fx *x, uint32_t addr, const void *data, uint32_t len)
{
	return x->ops->prog(x->ops->ctx, addr, data, len);
}

static int erase(struct fx *x, uint32_t addr)
{
	return x->ops->erase(x->ops->ctx, addr);
}

static int rd(struct fx *x, uint32_t addr, void *buf, uint32_t len)
{
	return x->ops->read(x->ops->ctx, addr, buf, len);
}

static int all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0xFF) {
			return 0;
		}
	}
	return 1;
}

/* Read the backing file as a whole. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *p;

	assert_non_null(fp);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	*len = (size_t)st.st_size;
	p = malloc(*len ? *len : 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, *len, fp), *len);
	fclose(fp);
	return p;
}

static void test_boards(void **state)
{
	const struct sim_board *all;
	size_t n;
	char path[64];

	(void)state;
	all = sim_board_all(&n);
	assert_int_equal(n, 11);
	assert_ptr_equal(sim_board_find("f103c8"), &all[0]);
	assert_null(sim_board_find("f103"));
	assert_null(sim_board_find(""));
	for (size_t i = 0; i < n; i++) {
		const struct iap_layout *l = &all[i].layout;
		struct sim_flash f;

		tmp_path(path, sizeof(path));
		assert_int_equal(sim_flash_open(&f, &all[i], path), 0);
		assert_ptr_equal(sim_board_find(all[i].name), &all[i]);
		assert_true(all[i].max_payload <= SIM_MAX_PAYLOAD);
		assert_int_equal(iap_flash_check_geometry(&f.ops), 0);
		/* The layout fills the flash exactly, boot first; staged
		 * boards put the stage slot after the app slot. */
		assert_int_equal(iap_layout_check(l, &f.ops), 0);
		assert_int_equal(l->boot_addr, f.base);
		/* Images for any board, but on the secure one. */
		assert_true(l->board_id == 0 ||
			    strstr(all[i].name, "-secure") != NULL);
		if (l->install == IAP_INSTALL_NONE) {
			assert_int_equal(l->app_addr + l->app_size,
					 f.base + f.size);
			assert_int_equal(l->stage_size, 0);
		} else {
			assert_true(l->stage_addr >= l->app_addr + l->app_size);
			assert_true(l->stage_size > 0);
		}
		sim_flash_close(&f);
		unlink(path);
	}
	assert_int_equal(sim_board_find("f103c8")->write_size, 2);
	assert_int_equal(sim_board_find("f407vg")->write_size, 4);
}

static void test_created_erased(void **state)
{
	struct fx *x = *state;
	uint8_t *p;
	size_t len;
	char path[80];
	struct sim_flash f2;

	/* An empty file (from mkstemp) became a whole erased flash. */
	p = slurp(x->path, &len);
	assert_int_equal(len, 64 * 1024);
	assert_true(all_ff(p, len));
	free(p);
	assert_int_equal(x->f.base, F1_BASE);
	assert_int_equal(x->f.size, 64 * 1024);

	/* A missing file is created. */
	snprintf(path, sizeof(path), "%s.new", x->path);
	unlink(path);
	assert_int_equal(sim_flash_open(&f2, sim_board_find("f103cb"), path),
			 0);
	sim_flash_close(&f2);
	p = slurp(path, &len);
	assert_int_equal(len, 128 * 1024);
	assert_true(all_ff(p, len));
	free(p);
	unlink(path);
}

static void test_size_mismatch(void **state)
{
	struct fx *x = *state;
	struct sim_flash f2;
	char path[80];
	FILE *fp;

	/* The f103c8 file is too small for an f407vg. */
	sim_flash_close(&x->f);
	assert_int_equal(sim_flash_open(&f2, sim_board_find("f407vg"), x->path),
			 IAP_ERR_IO);
	fx_open(x, "f103c8");

	snprintf(path, sizeof(path), "%s.odd", x->path);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("not a flash", fp);
	fclose(fp);
	assert_int_equal(sim_flash_open(&f2, sim_board_find("f103c8"), path),
			 IAP_ERR_IO);
	unlink(path);
	assert_int_equal(sim_flash_open(&f2, sim_board_find("f103c8"),
					"/nonexistent-dir/flash.bin"),
			 IAP_ERR_IO);
}

static void test_prog_and_erase(void **state)
{
	struct fx *x = *state;
	const uint8_t data[8] = {0x12, 0x34, 0x56, 0x78,
				 0x00, 0xFF, 0xA5, 0x5A};
	uint8_t buf[1024];
	uint32_t page = F1_BASE + 5 * 1024;

	assert_int_equal(prog(x, page + 6, data, sizeof(data)), 0);
	assert_int_equal(rd(x, page + 6, buf, sizeof(data)), 0);
	assert_memory_equal(buf, data, sizeof(data));
	/* Neighbours untouched. */
	assert_int_equal(rd(x, page, buf, 6), 0);
	assert_true(all_ff(buf, 6));
	assert_int_equal(rd(x, page + 14, buf, 2), 0);
	assert_true(all_ff(buf, 2));

	/* Erase brings back 0xFF and the right to program. */
	assert_int_equal(erase(x, page), 0);
	assert_int_equal(rd(x, page, buf, 1024), 0);
	assert_true(all_ff(buf, 1024));
	assert_int_equal(prog(x, page + 6, data, sizeof(data)), 0);

	/* Erase of one page leaves the next one alone. */
	assert_int_equal(prog(x, page + 1024, data, 2), 0);
	assert_int_equal(erase(x, page), 0);
	assert_int_equal(rd(x, page + 1024, buf, 2), 0);
	assert_memory_equal(buf, data, 2);

	/* Zero length: nothing to do, not an operation. */
	assert_int_equal(prog(x, page, data, 0), 0);
	assert_int_equal(rd(x, page, buf, 0), 0);
}

static void test_double_write(void **state)
{
	struct fx *x = *state;
	const uint8_t ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};
	const uint8_t zero[4] = {0, 0, 0, 0};
	const uint8_t pat[4] = {0xF0, 0x0F, 0xFF, 0xFF};
	uint8_t buf[8];
	uint32_t a = F1_BASE + 0x1000;

	/* Programming 0xFF still uses the unit up. */
	assert_int_equal(prog(x, a, ff, 2), 0);
	assert_int_equal(prog(x, a, zero, 2), IAP_ERR_NOTERASED);
	assert_int_equal(prog(x, a, ff, 2), IAP_ERR_NOTERASED);
	assert_int_equal(rd(x, a, buf, 2), 0);
	assert_memory_equal(buf, ff, 2);

	/* Only clearing bits would not help either. */
	assert_int_equal(prog(x, a + 2, pat, 2), 0);
	assert_int_equal(prog(x, a + 2, zero, 2), IAP_ERR_NOTERASED);
	assert_int_equal(rd(x, a + 2, buf, 2), 0);
	assert_memory_equal(buf, pat, 2);

	/* A range overlapping one written unit is refused as a whole. */
	assert_int_equal(prog(x, a + 2, zero, 4), IAP_ERR_NOTERASED);
	assert_int_equal(prog(x, a - 2, zero, 4), IAP_ERR_NOTERASED);
	assert_int_equal(rd(x, a - 2, buf, 8), 0);
	assert_int_equal(buf[0], 0xFF);
	assert_int_equal(buf[1], 0xFF);
	assert_int_equal(buf[6], 0xFF);
	assert_int_equal(buf[7], 0xFF);
	assert_memory_equal(&buf[4], pat, 2);
}

static void test_alignment(void **state)
{
	struct fx *x = *state;
	const uint8_t d[4] = {0};
	uint8_t buf[4];

	assert_int_equal(prog(x, F1_BASE + 0x801, d, 2), IAP_ERR_ALIGN);
	assert_int_equal(prog(x, F1_BASE + 0x800, d, 3), IAP_ERR_ALIGN);
	assert_int_equal(prog(x, F1_BASE + 0x800, d, 1), IAP_ERR_ALIGN);
	assert_int_equal(erase(x, F1_BASE + 0x802), IAP_ERR_ALIGN);
	assert_int_equal(erase(x, F1_BASE + 0x4001), IAP_ERR_ALIGN);
	/* Nothing happened. */
	assert_int_equal(rd(x, F1_BASE + 0x800, buf, 4), 0);
	assert_true(all_ff(buf, 4));
	assert_int_equal(x->f.ops_done, 0);
	/* Reads may be of any alignment. */
	assert_int_equal(rd(x, F1_BASE + 0x801, buf, 3), 0);
}

static void test_range(void **state)
{
	struct fx *x = *state;
	const uint8_t d[4] = {0};
	uint8_t buf[4];
	uint32_t end = F1_BASE + 64 * 1024;

	assert_int_equal(rd(x, F1_BASE - 1, buf, 1), IAP_ERR_FAULT);
	assert_int_equal(rd(x, end - 2, buf, 4), IAP_ERR_FAULT);
	assert_int_equal(rd(x, end, buf, 1), IAP_ERR_FAULT);
	assert_int_equal(rd(x, 0xFFFFFFFEu, buf, 4), IAP_ERR_FAULT);
	assert_int_equal(rd(x, end - 4, buf, 4), 0);
	assert_int_equal(prog(x, end - 2, d, 4), IAP_ERR_FAULT);
	assert_int_equal(prog(x, end, d, 2), IAP_ERR_FAULT);
	assert_int_equal(prog(x, F1_BASE - 2, d, 2), IAP_ERR_FAULT);
	assert_int_equal(prog(x, 0xFFFFFFFEu, d, 4), IAP_ERR_FAULT);
	assert_int_equal(erase(x, end), IAP_ERR_FAULT);
	assert_int_equal(erase(x, F1_BASE - 1024), IAP_ERR_FAULT);
	assert_int_equal(erase(x, 0), IAP_ERR_FAULT);
	assert_int_equal(prog(x, end - 2, d, 2), 0);
	assert_int_equal(erase(x, end - 1024), 0);
	assert_int_equal(x->f.ops_done, 2);
}

static void test_persistence(void **state)
{
	struct fx *x = *state;
	const uint8_t data[6] = {1, 2, 3, 4, 0xFF, 0xFF};
	const uint8_t zero[2] = {0, 0};
	uint8_t buf[6], *p;
	size_t len;
	uint32_t a = F1_BASE + 0x4000;

	assert_int_equal(prog(x, a, data, sizeof(data)), 0);
	/* Write-through: the file has it before close. */
	p = slurp(x->path, &len);
	assert_memory_equal(p + 0x4000, data, sizeof(data));
	free(p);

	sim_flash_close(&x->f);
	fx_open(x, "f103c8");
	assert_int_equal(rd(x, a, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, data, sizeof(data));
	/* Programmed units stay programmed across a restart... */
	assert_int_equal(prog(x, a, zero, 2), IAP_ERR_NOTERASED);
	/* ...units reading 0xFF count as erased (the file cannot tell). */
	assert_int_equal(prog(x, a + 4, zero, 2), 0);
	assert_int_equal(x->f.ops_done, 1);

	assert_int_equal(erase(x, a), 0);
	sim_flash_close(&x->f);
	fx_open(x, "f103c8");
	assert_int_equal(rd(x, a, buf, sizeof(buf)), 0);
	assert_true(all_ff(buf, sizeof(buf)));
}

static void test_locked(void **state)
{
	struct fx *x = *state;
	pid_t pid;
	int st;

	/* Another process cannot open a flash file that is in use. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sim_flash f2;

		_exit(sim_flash_open(&f2, sim_board_find("f103c8"), x->path) ==
				      IAP_ERR_IO
			      ? 0
			      : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_f4_sectors(void **state)
{
	struct fx *x = *state;
	const uint8_t d[4] = {0xAA, 0xBB, 0xCC, 0xDD};
	uint8_t buf[4];
	/* Sector starts: 4 x 16K, 64K, 7 x 128K. */
	const uint32_t starts[] = {0x08000000, 0x08004000, 0x08008000,
				   0x0800C000, 0x08010000, 0x08020000,
				   0x08040000, 0x08060000, 0x08080000,
				   0x080A0000, 0x080C0000, 0x080E0000};
	const uint32_t inside[] = {0x08002000, 0x08010400, 0x08014000,
				   0x08018000, 0x08030000, 0x08004004,
				   0x080FFFFC, 0x08030004};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		assert_int_equal(erase(x, starts[i]), 0);
	}
	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
		assert_int_equal(erase(x, inside[i]), IAP_ERR_ALIGN);
	}
	assert_int_equal(erase(x, 0x08100000), IAP_ERR_FAULT);
	assert_int_equal(x->f.erases, 12);

	/* Word units: half-words are misaligned on the F4. */
	assert_int_equal(prog(x, 0x08010002, d, 2), IAP_ERR_ALIGN);
	assert_int_equal(prog(x, 0x08010002, d, 4), IAP_ERR_ALIGN);
	assert_int_equal(prog(x, 0x08010000, d, 2), IAP_ERR_ALIGN);

	/* Erasing the 64K sector clears its last word, not the next one's. */
	assert_int_equal(prog(x, 0x0801FFFC, d, 4), 0);
	assert_int_equal(prog(x, 0x08020000, d, 4), 0);
	assert_int_equal(prog(x, 0x0800FFFC, d, 4), 0);
	assert_int_equal(erase(x, 0x08010000), 0);
	assert_int_equal(rd(x, 0x0801FFFC, buf, 4), 0);
	assert_true(all_ff(buf, 4));
	assert_int_equal(rd(x, 0x08020000, buf, 4), 0);
	assert_memory_equal(buf, d, 4);
	assert_int_equal(rd(x, 0x0800FFFC, buf, 4), 0);
	assert_memory_equal(buf, d, 4);
	assert_int_equal(prog(x, 0x0801FFFC, d, 4), 0);
	assert_int_equal(prog(x, 0x08020000, d, 4), IAP_ERR_NOTERASED);
}

static void test_counters_f1(void **state)
{
	struct fx *x = *state;
	const uint8_t d[8] = {0};
	const struct sim_board *b = x->f.board;

	assert_int_equal(erase(x, F1_BASE + 0x4000), 0);
	assert_int_equal(erase(x, F1_BASE + 0x4400), 0);
	assert_int_equal(prog(x, F1_BASE + 0x4000, d, 8), 0);
	assert_int_equal(prog(x, F1_BASE + 0x4400, d, 2), 0);
	/* Refused calls are not operations. */
	assert_int_equal(prog(x, F1_BASE + 0x4400, d, 2), IAP_ERR_NOTERASED);
	assert_int_equal(erase(x, F1_BASE + 0x4401), IAP_ERR_ALIGN);
	assert_int_equal(x->f.ops_done, 4);
	assert_int_equal(x->f.erases, 2);
	assert_int_equal(x->f.progs, 2);
	assert_int_equal(x->f.bytes_programmed, 10);
	/* 2 pages x 20 ms + 5 half-words x 53 us. */
	assert_int_equal(b->prog_unit_us, 53);
	assert_int_equal(b->erase_us_per_kib, 20000);
	assert_int_equal(x->f.busy_us, 2 * 20000 + 5 * 53);
}

static void test_counters_f4(void **state)
{
	struct fx *x = *state;
	const uint8_t d[8] = {0};

	assert_int_equal(erase(x, 0x08008000), 0); /* 16K */
	assert_int_equal(erase(x, 0x08010000), 0); /* 64K */
	assert_int_equal(erase(x, 0x08020000), 0); /* 128K */
	assert_int_equal(prog(x, 0x08008000, d, 8), 0);
	assert_int_equal(x->f.busy_us,
			 3 * 143000u + (16 + 64 + 128) * 6700u + 2 * 16u);
	/* Datasheet typicals, x32: 250 ms, 550 ms, 1 s (within 5 %). */
	assert_in_range(143000u + 16 * 6700u, 237000, 263000);
	assert_in_range(143000u + 64 * 6700u, 522000, 601000);
	assert_in_range(143000u + 128 * 6700u, 950000, 1050000);
}

/* Erases per sector: the 16K, 64K and 128K sectors apart; a cut erase
 * that did nothing is not counted. */
static void test_wear_f4(void **state)
{
	struct fx *x = *state;

	assert_int_equal(erase(x, 0x08008000), 0);
	assert_int_equal(erase(x, 0x08008000), 0);
	assert_int_equal(erase(x, 0x08010000), 0);
	assert_int_equal(sim_flash_wear(&x->f, 0x08008000), 2);
	assert_int_equal(sim_flash_wear(&x->f, 0x0800BFFF), 2);
	assert_int_equal(sim_flash_wear(&x->f, 0x0800C000), 0);
	assert_int_equal(sim_flash_wear(&x->f, 0x0801FFFF), 1);
	assert_int_equal(sim_flash_wear(&x->f, 0x08020000), 0);
	assert_int_equal(sim_flash_wear(&x->f, 0x08100000), 0);
	x->f.cut_action = SIM_CUT_HALT;
	x->f.cut_after = x->f.ops_done;
	assert_int_equal(erase(x, 0x08010000), IAP_ERR_CANCELED);
	assert_int_equal(sim_flash_wear(&x->f, 0x08010000), 1);
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void test_timing(void **state)
{
	struct fx *x = *state;
	uint64_t t0;

	x->f.timing = 1;
	t0 = mono_us();
	assert_int_equal(erase(x, F1_BASE + 0x8000), 0);
	assert_int_equal(erase(x, F1_BASE + 0x8400), 0);
	assert_true(mono_us() - t0 >= 40000);
	x->f.timing = 0;
	assert_int_equal(erase(x, F1_BASE + 0x8000), 0);
	assert_int_equal(x->f.busy_us, 3 * 20000);
}

/* Run ops in a child with cut_after n; return its exit status. */
static int cut_child(struct fx *x, uint64_t n)
{
	const uint8_t d1[2] = {0x11, 0x22};
	const uint8_t d2[2] = {0x33, 0x44};
	pid_t pid;
	int st;

	sim_flash_close(&x->f); /* the child takes the file lock */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sim_flash f;

		if (sim_flash_open(&f, sim_board_find("f103c8"), x->path)) {
			_exit(10);
		}
		f.cut_after = n;
		if (f.ops.erase(f.ops.ctx, F1_BASE + 0x5000) ||
		    f.ops.prog(f.ops.ctx, F1_BASE + 0x5000, d1, 2) ||
		    f.ops.prog(f.ops.ctx, F1_BASE + 0x5002, d2, 2)) {
			_exit(11);
		}
		sim_flash_close(&f);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	fx_open(x, "f103c8");
	return WEXITSTATUS(st);
}

static void test_power_cut(void **state)
{
	struct fx *x = *state;
	const uint8_t old[4] = {0xDE, 0xAD, 0xBE, 0xEF};
	uint8_t buf[4];

	assert_int_equal(prog(x, F1_BASE + 0x5000, old, 4), 0);

	/* cut_after 0 never cuts: all three operations happen. */
	assert_int_equal(cut_child(x, 0), 0);
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), 0);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(buf[3], 0x44);
	assert_int_equal(erase(x, F1_BASE + 0x5000), 0);
	assert_int_equal(prog(x, F1_BASE + 0x5000, old, 4), 0);

	/* cut_after 1: the erase happened, the first program did not. */
	assert_int_equal(cut_child(x, 1), SIM_EXIT_POWERCUT);
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), 0);
	assert_true(all_ff(buf, 4));

	/* cut_after 2: erase and the first program are in the file. */
	assert_int_equal(cut_child(x, 2), SIM_EXIT_POWERCUT);
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), 0);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(buf[1], 0x22);
	assert_int_equal(buf[2], 0xFF);
	assert_int_equal(buf[3], 0xFF);

	/* cut_after 3: all three done, no fourth op, normal exit. */
	assert_int_equal(cut_child(x, 3), 0);
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), 0);
	assert_int_equal(buf[2], 0x33);
}

/* HALT, clean: the cut op does nothing, the flash is dead until power-on. */
static void test_cut_halt_clean(void **state)
{
	struct fx *x = *state;
	const uint8_t d[4] = {0x12, 0x34, 0x56, 0x78};
	uint8_t buf[4];
	uint64_t done;

	assert_int_equal(erase(x, F1_BASE + 0x5000), 0);
	done = x->f.ops_done;
	x->f.cut_action = SIM_CUT_HALT;
	x->f.cut_after = done + 1; /* one more op, then the cut */
	assert_int_equal(prog(x, F1_BASE + 0x5000, d, 2), 0);
	assert_int_equal(prog(x, F1_BASE + 0x5002, &d[2], 2), IAP_ERR_CANCELED);
	assert_int_equal(x->f.dead, 1);
	assert_int_equal(x->f.cuts, 1);
	assert_int_equal(x->f.ops_done, done + 1);
	assert_int_equal(x->f.last_cut.op_index, done + 2);
	assert_int_equal(x->f.last_cut.op, SIM_OP_PROG);
	assert_int_equal(x->f.last_cut.addr, F1_BASE + 0x5002);
	/* Dead: everything is refused and nothing changes. */
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), IAP_ERR_CANCELED);
	assert_int_equal(erase(x, F1_BASE + 0x5000), IAP_ERR_CANCELED);
	assert_int_equal(prog(x, F1_BASE + 0x6000, d, 2), IAP_ERR_CANCELED);
	assert_int_equal(x->f.ops_done, done + 1);

	sim_flash_power_on(&x->f);
	assert_int_equal(x->f.dead, 0);
	assert_int_equal(x->f.cut_after, 0);
	assert_int_equal(rd(x, F1_BASE + 0x5000, buf, 4), 0);
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[1], 0x34);
	assert_true(all_ff(&buf[2], 2));
	/* The clean cut left the unit erased: it can be programmed. */
	assert_int_equal(prog(x, F1_BASE + 0x5002, &d[2], 2), 0);
	assert_int_equal(prog(x, F1_BASE + 0x5000, d, 2), IAP_ERR_NOTERASED);
}

/* A refused call is not an operation: it does not take the cut. */
static void test_cut_not_on_refused(void **state)
{
	struct fx *x = *state;
	const uint8_t d[2] = {0, 0};

	assert_int_equal(erase(x, F1_BASE + 0x5000), 0);
	x->f.cut_action = SIM_CUT_HALT;
	x->f.cut_after = x->f.ops_done; /* the next op is cut */
	assert_int_equal(prog(x, F1_BASE + 0x5001, d, 2), IAP_ERR_ALIGN);
	assert_int_equal(erase(x, F1_BASE + 0x5002), IAP_ERR_ALIGN);
	assert_int_equal(x->f.dead, 0);
	assert_int_equal(erase(x, F1_BASE + 0x5000), IAP_ERR_CANCELED);
	assert_int_equal(x->f.dead, 1);
}

/* Torn program of 64 bytes onto erased cells, seeded. */
static void torn_prog(struct fx *x, uint32_t addr, uint64_t seed,
		      const uint8_t *d, uint8_t *after)
{
	assert_int_equal(erase(x, addr), 0);
	x->f.cut_action = SIM_CUT_HALT;
	x->f.cut_mode = SIM_CUT_TORN;
	x->f.cut_seed = seed;
	x->f.cut_after = x->f.ops_done;
	assert_int_equal(prog(x, addr, d, 64), IAP_ERR_CANCELED);
	sim_flash_power_on(&x->f);
	assert_int_equal(rd(x, addr, after, 64), 0);
}

static void test_cut_torn_prog(void **state)
{
	struct fx *x = *state;
	uint8_t d[64], a[64], b[64], c[64];
	uint32_t units, ws = x->f.ops.write_size;
	int partial_seen = 0;

	for (int i = 0; i < 64; i++) {
		d[i] = (uint8_t)(0x5A ^ (i * 37));
	}
	d[10] = 0x00; /* every bit to clear */
	for (uint64_t seed = 1; seed <= 40; seed++) {
		torn_prog(x, F1_BASE + 0x6000, seed, d, a);
		units = x->f.last_cut.torn_units;
		assert_true(units < 64 / ws);
		/* Prefix programmed, one unit partly, the rest erased. */
		assert_memory_equal(a, d, units * ws);
		for (uint32_t i = units * ws; i < units * ws + ws; i++) {
			assert_int_equal(a[i] & d[i], d[i]);
			partial_seen |= a[i] != d[i] && a[i] != 0xFF;
		}
		assert_true(all_ff(&a[units * ws + ws], 64 - units * ws - ws));
		/* Touched units need an erase; the next one is still free. */
		assert_int_equal(prog(x, F1_BASE + 0x6000 + units * ws,
				      &d[units * ws], ws),
				 IAP_ERR_NOTERASED);
		if (units + 1 < 64 / ws) {
			assert_int_equal(
				prog(x, F1_BASE + 0x6000 + (units + 1) * ws,
				     &d[(units + 1) * ws], ws),
				0);
		}
	}
	assert_true(partial_seen);
	/* Same seed, same tear; another seed, another. */
	torn_prog(x, F1_BASE + 0x6000, 7, d, b);
	torn_prog(x, F1_BASE + 0x6400, 7, d, c);
	assert_memory_equal(b, c, 64);
	torn_prog(x, F1_BASE + 0x6400, 8, d, c);
	torn_prog(x, F1_BASE + 0x6000, 9, d, a);
	assert_true(memcmp(b, c, 64) != 0 || memcmp(b, a, 64) != 0);
}

static void test_cut_torn_erase(void **state)
{
	struct fx *x = *state;
	uint8_t old[1024], now[1024];
	uint32_t erased = 0, ws = x->f.ops.write_size;
	int some_ff = 0, some_not = 0;

	for (uint64_t seed = 3; seed < 11; seed++) {
		for (int i = 0; i < 1024; i++) {
			old[i] = (uint8_t)(i * 29 + (int)seed);
		}
		assert_int_equal(erase(x, F1_BASE + 0x7000), 0);
		assert_int_equal(prog(x, F1_BASE + 0x7000, old, 1024), 0);
		x->f.cut_action = SIM_CUT_HALT;
		x->f.cut_mode = SIM_CUT_TORN;
		x->f.cut_seed = seed;
		x->f.cut_after = x->f.ops_done;
		assert_int_equal(erase(x, F1_BASE + 0x7000), IAP_ERR_CANCELED);
		assert_int_equal(x->f.last_cut.op, SIM_OP_ERASE);
		assert_int_equal(x->f.last_cut.len, 1024);
		sim_flash_power_on(&x->f);
		assert_int_equal(rd(x, F1_BASE + 0x7000, now, 1024), 0);
		for (uint32_t u = 0; u < 1024 / ws; u++) {
			const uint8_t fill[2] = {0xFF, 0xFF};
			int ff = 1;

			for (uint32_t i = u * ws; i < u * ws + ws; i++) {
				/* Erase only sets bits. */
				assert_int_equal(now[i] & old[i], old[i]);
				ff &= now[i] == 0xFF;
			}
			/* Units reading 0xFF count as erased, others not. */
			assert_int_equal(
				prog(x, F1_BASE + 0x7000 + u * ws, fill, ws),
				ff ? 0 : IAP_ERR_NOTERASED);
			erased += (uint32_t)ff;
			some_ff |= ff;
			some_not |= !ff;
		}
	}
	assert_true(some_ff && some_not);
	assert_true(erased > 0);
	/* A whole erase repairs it. */
	assert_int_equal(erase(x, F1_BASE + 0x7000), 0);
	assert_int_equal(rd(x, F1_BASE + 0x7000, now, 1024), 0);
	assert_true(all_ff(now, 1024));
	assert_int_equal(prog(x, F1_BASE + 0x7000, old, 1024), 0);
}

/* EXIT with a torn program: the file holds the torn cells. */
static void test_cut_exit_torn(void **state)
{
	struct fx *x = *state;
	uint8_t d[64], in_file[64];
	uint8_t *img;
	size_t len;
	pid_t pid;
	int st;

	memset(d, 0x00, sizeof(d));
	sim_flash_close(&x->f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sim_flash f;

		if (sim_flash_open(&f, sim_board_find("f103c8"), x->path)) {
			_exit(10);
		}
		f.cut_mode = SIM_CUT_TORN;
		f.cut_seed = 12345;
		f.cut_after = 1;
		if (f.ops.erase(f.ops.ctx, F1_BASE + 0x8000) != 0) {
			_exit(11);
		}
		f.ops.prog(f.ops.ctx, F1_BASE + 0x8000, d, sizeof(d));
		_exit(12);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), SIM_EXIT_POWERCUT);
	img = slurp(x->path, &len);
	memcpy(in_file, &img[0x8000], sizeof(in_file));
	free(img);
	fx_open(x, "f103c8");
	/* The same seed tears the same way in-process (HALT). */
	assert_int_equal(erase(x, F1_BASE + 0x8000), 0);
	x->f.cut_action = SIM_CUT_HALT;
	x->f.cut_mode = SIM_CUT_TORN;
	x->f.cut_seed = 12345;
	x->f.cut_after = x->f.ops_done;
	assert_int_equal(prog(x, F1_BASE + 0x8000, d, sizeof(d)),
			 IAP_ERR_CANCELED);
	sim_flash_power_on(&x->f);
	assert_int_equal(rd(x, F1_BASE + 0x8000, d, sizeof(d)), 0);
	assert_memory_equal(in_file, d, sizeof(d));
	assert_true(all_ff(&d[x->f.last_cut.torn_units * 2 + 2],
			   sizeof(d) - x->f.last_cut.torn_units * 2 - 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boards),
		cmocka_unit_test_setup_teardown(test_created_erased, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_size_mismatch, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_prog_and_erase, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_double_write, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_alignment, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_range, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_f4_sectors, setup_f407,
						teardown),
		cmocka_unit_test_setup_teardown(test_counters_f1, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_counters_f4, setup_f407,
						teardown),
		cmocka_unit_test_setup_teardown(test_wear_f4, setup_f407,
						teardown),
		cmocka_unit_test_setup_teardown(test_timing, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_power_cut, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_cut_halt_clean, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_cut_not_on_refused,
						setup_f103, teardown),
		cmocka_unit_test_setup_teardown(test_cut_torn_prog, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_cut_torn_erase, setup_f103,
						teardown),
		cmocka_unit_test_setup_teardown(test_cut_exit_torn, setup_f103,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
