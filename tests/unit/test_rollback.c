/*
 * The anti-rollback record (src/rollback.c) on the simulator's flash: the
 * F1 board (1 KiB pages, 2-byte write unit), the F4 board (16 KiB sectors,
 * 4-byte unit) and two boards made up here with an 8-byte and a 16-byte
 * unit (the double-word and flash-word programming of L4/G4 and H7 parts).
 *
 * Every case runs on each board: an erased region, raise and read, raises
 * that must not touch the flash (counted through a wrapping struct
 * iap_flash), a one-sector region filled to capacity, the wrap-around of
 * two and three sectors (two only with the F4's 16 KiB sectors), bad
 * regions and flash errors, entries as a cut leaves them, and power cuts,
 * clean and torn, at every flash operation of a run of raises that wraps
 * (sweep: all raises on the F1, those near each wrap elsewhere) and at
 * random ones that pile up (chaos). Each case checks at the end that
 * nothing outside the record's area changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_rollback.h"
#include "sim.h"

#define KIB 1024u

static const struct iap_flash_region w8_regions[] = {
	{0x08000000u, 2 * KIB, 32},
};

static const struct sim_board w8_board = {
	.name = "w8",
	.desc = "made up: 64 KiB, 2 KiB pages, 8-byte write unit",
	.regions = w8_regions,
	.region_count = 1,
	.write_size = 8,
};

static const struct sim_board w16_board = {
	.name = "w16",
	.desc = "made up: 64 KiB, 2 KiB pages, 16-byte write unit",
	.regions = w8_regions,
	.region_count = 1,
	.write_size = 16,
};

struct param {
	const char *board;	     /* sim_board_find() name, or NULL */
	const struct sim_board *own; /* else a board of this file */
	uint32_t addr;		     /* record: its first sector */
	uint32_t sector;	     /* size of the three sectors from addr */
	uint32_t hi;		     /* end of what the tests may touch */
	uint32_t window; /* sweep: raises cut around each wrap, 0: all */
	int big;	 /* 16 KiB sectors: two-sector cases only */
};

static const struct param p_f1 = {
	.board = "f103c8",
	.addr = 0x08001000u,
	.sector = KIB,
	.hi = 0x08001C00u,
};

/* Sectors 1-3 (16 KiB), then the 64 KiB sector 4 left erased. */
static const struct param p_f4 = {
	.board = "f407vg",
	.addr = 0x08004000u,
	.sector = 16 * KIB,
	.hi = 0x08020000u,
	.window = 10,
	.big = 1,
};

static const struct param p_w8 = {
	.own = &w8_board,
	.addr = 0x08001000u,
	.sector = 2 * KIB,
	.hi = 0x08002800u,
	.window = 40,
};

static const struct param p_w16 = {
	.own = &w16_board,
	.addr = 0x08001000u,
	.sector = 2 * KIB,
	.hi = 0x08002800u,
	.window = 40,
};

/* A struct iap_flash around the simulator's: counts calls, injects faults. */
struct counter {
	struct iap_flash ops;
	const struct iap_flash *inner;
	unsigned reads, progs, erases;
	uint32_t last_prog, last_erase;
	int read_err, prog_err; /* returned instead of calling, when set */
	int garble;		/* 1: the first byte programmed has a bit off */
};

static int c_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct counter *c = ctx;

	c->reads++;
	if (c->read_err) {
		return c->read_err;
	}
	return c->inner->read(c->inner->ctx, addr, buf, len);
}

static int c_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct counter *c = ctx;
	uint8_t tmp[16];

	c->progs++;
	c->last_prog = addr;
	if (c->prog_err) {
		return c->prog_err;
	}
	if (c->garble && len <= sizeof(tmp)) {
		memcpy(tmp, buf, len);
		tmp[0] ^= 1;
		buf = tmp;
	}
	return c->inner->prog(c->inner->ctx, addr, buf, len);
}

static int c_erase(void *ctx, uint32_t addr)
{
	struct counter *c = ctx;

	c->erases++;
	c->last_erase = addr;
	return c->inner->erase(c->inner->ctx, addr);
}

struct rb {
	const struct param *p;
	const struct sim_board *board;
	struct sim_flash sf;
	char path[64];
	struct counter c;
	const struct iap_flash *f; /* &c.ops: what the record code gets */
	uint32_t ws, esize, cap;   /* write unit, entry size, slots/sector */
	uint64_t rng;
};

static const uint8_t sentinel[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
				     0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB,
				     0xCC, 0xDD, 0xEE, 0x0F};

static uint32_t rnd(struct rb *x)
{
	x->rng ^= x->rng << 13;
	x->rng ^= x->rng >> 7;
	x->rng ^= x->rng << 17;
	return (uint32_t)(x->rng >> 16);
}

static uint8_t *mem(struct rb *x, uint32_t addr)
{
	return &x->sf.mem[addr - x->sf.base];
}

static void sf_open(struct rb *x)
{
	assert_int_equal(sim_flash_open(&x->sf, x->board, x->path), 0);
	/* In-process cuts: the flash stays dead until sim_flash_power_on(). */
	x->sf.cut_action = SIM_CUT_HALT;
}

static int setup(void **state)
{
	const struct param *p = *state;
	struct rb *x = calloc(1, sizeof(*x));
	int fd;

	assert_non_null(x);
	x->p = p;
	x->board = p->own ? p->own : sim_board_find(p->board);
	assert_non_null(x->board);
	snprintf(x->path, sizeof(x->path), "/tmp/iaprbtest-XXXXXX");
	fd = mkstemp(x->path);
	assert_true(fd >= 0);
	close(fd);
	sf_open(x);
	x->c.ops = x->sf.ops;
	x->c.ops.ctx = &x->c;
	x->c.ops.read = c_read;
	x->c.ops.prog = c_prog;
	x->c.ops.erase = c_erase;
	x->c.inner = &x->sf.ops;
	x->f = &x->c.ops;
	x->ws = x->board->write_size;
	x->esize = IAP_ROLLBACK_ENTRY_SIZE(x->ws);
	assert_int_equal(x->esize, x->ws > 8 ? x->ws : 8);
	x->cap = p->sector / x->esize;
	x->rng = 0x2545F4914F6CDD1Dull;
	/* Something on both sides of the area; also makes ops_done > 0, so
	 * that cut_after = ops_done always arms a cut. */
	assert_int_equal(x->sf.ops.prog(x->sf.ops.ctx, p->addr - p->sector,
					sentinel, sizeof(sentinel)),
			 0);
	assert_int_equal(x->sf.ops.prog(x->sf.ops.ctx, p->hi, sentinel,
					sizeof(sentinel)),
			 0);
	*state = x;
	return 0;
}

/* Outside [addr, hi) the flash is as setup() left it. */
static int teardown(void **state)
{
	struct rb *x = *state;
	const struct param *p = x->p;

	assert_memory_equal(mem(x, p->addr - p->sector), sentinel,
			    sizeof(sentinel));
	assert_memory_equal(mem(x, p->hi), sentinel, sizeof(sentinel));
	for (uint32_t a = x->sf.base; a - x->sf.base < x->sf.size; a++) {
		if ((a >= p->addr && a < p->hi) ||
		    a - (p->addr - p->sector) < sizeof(sentinel) ||
		    a - p->hi < sizeof(sentinel)) {
			continue;
		}
		if (*mem(x, a) != 0xFF) {
			fail_msg("0x%08x changed", (unsigned)a);
		}
	}
	sim_flash_close(&x->sf);
	unlink(x->path);
	free(x);
	return 0;
}

static uint32_t rd(struct rb *x, uint32_t sectors)
{
	uint32_t v = 0xDEADBEEFu;

	assert_int_equal(
		iap_rollback_read(x->f, x->p->addr, sectors * x->p->sector, &v),
		0);
	return v;
}

static int raise_to(struct rb *x, uint32_t sectors, uint32_t value)
{
	return iap_rollback_raise(x->f, x->p->addr, sectors * x->p->sector,
				  value);
}

static unsigned flash_ops(const struct rb *x)
{
	return x->c.progs + x->c.erases;
}

/* The bytes an entry of value v is made of. */
static void entry_bytes(const struct rb *x, uint32_t v, uint8_t *e)
{
	memset(e, 0, x->esize);
	for (unsigned i = 0; i < 4; i++) {
		e[i] = (uint8_t)(v >> (8 * i));
		e[4 + i] = (uint8_t)(~v >> (8 * i));
	}
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

static void test_erased_reads_zero(void **state)
{
	struct rb *x = *state;
	uint32_t v = 0xDEADBEEFu;

	for (uint32_t n = 1; n <= 3; n++) {
		assert_int_equal(rd(x, n), 0);
	}
	assert_true(x->c.reads > 0);
	/* size 0: no record, value 0, not even a read. */
	x->c.reads = 0;
	assert_int_equal(iap_rollback_read(x->f, x->p->addr, 0, &v), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(iap_rollback_read(x->f, 0x12345678u, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(x->c.reads, 0);
	assert_int_equal(flash_ops(x), 0);
}

static void test_raise_read(void **state)
{
	struct rb *x = *state;
	uint32_t a = x->p->addr;
	uint8_t e[16];

	assert_int_equal(raise_to(x, 2, 1), 0);
	assert_int_equal(x->c.progs, 1);
	assert_int_equal(rd(x, 2), 1);
	assert_int_equal(rd(x, 1), 1);
	entry_bytes(x, 1, e);
	assert_memory_equal(mem(x, a), e, x->esize);
	assert_true(all_ff(mem(x, a + x->esize), 2 * x->p->sector - x->esize));

	assert_int_equal(raise_to(x, 2, 0x12345678u), 0);
	assert_int_equal(rd(x, 2), 0x12345678u);
	entry_bytes(x, 0x12345678u, e);
	assert_memory_equal(mem(x, a + x->esize), e, x->esize);
	assert_int_equal(e[0], 0x78);
	assert_int_equal(e[4], 0x87);

	assert_int_equal(raise_to(x, 2, 0x12345679u), 0);
	assert_int_equal(rd(x, 2), 0x12345679u);
	assert_int_equal(raise_to(x, 2, 0xFFFFFFFFu), 0);
	assert_int_equal(rd(x, 2), 0xFFFFFFFFu);
	entry_bytes(x, 0xFFFFFFFFu, e);
	assert_memory_equal(mem(x, a + 3 * x->esize), e, x->esize);
	/* One program each, no erase, nothing past the fourth entry. */
	assert_int_equal(x->c.progs, 4);
	assert_int_equal(x->c.erases, 0);
	assert_true(all_ff(mem(x, a + 4 * x->esize),
			   2 * x->p->sector - 4 * x->esize));
	assert_int_equal(raise_to(x, 2, 0xFFFFFFFFu), 0);
	assert_int_equal(x->c.progs, 4);
}

static void test_no_flash_op_unless_higher(void **state)
{
	struct rb *x = *state;

	/* Erased record: value 0 is already there. */
	assert_int_equal(raise_to(x, 2, 0), 0);
	assert_int_equal(flash_ops(x), 0);
	assert_true(all_ff(mem(x, x->p->addr), 2 * x->p->sector));

	assert_int_equal(raise_to(x, 2, 100), 0);
	assert_int_equal(flash_ops(x), 1);
	x->c.progs = 0;
	x->c.erases = 0;
	assert_int_equal(raise_to(x, 2, 100), 0);
	assert_int_equal(raise_to(x, 2, 99), 0);
	assert_int_equal(raise_to(x, 2, 1), 0);
	assert_int_equal(raise_to(x, 2, 0), 0);
	assert_int_equal(raise_to(x, 1, 100), 0);
	assert_int_equal(flash_ops(x), 0);
	assert_int_equal(rd(x, 2), 100);
	assert_int_equal(raise_to(x, 2, 101), 0);
	assert_int_equal(flash_ops(x), 1);
	assert_int_equal(rd(x, 2), 101);
}

static void test_one_sector_capacity(void **state)
{
	struct rb *x = *state;
	uint32_t a = x->p->addr, cap = x->cap;
	uint8_t *before = malloc(x->p->sector);

	assert_non_null(before);
	for (uint32_t i = 1; i <= cap; i++) {
		assert_int_equal(raise_to(x, 1, 3 * i), 0);
		assert_int_equal(rd(x, 1), 3 * i);
	}
	assert_int_equal(x->c.progs, cap);
	assert_int_equal(x->c.erases, 0);
	memcpy(before, mem(x, a), x->p->sector);
	x->c.progs = 0;
	/* Full: the error, the flash untouched, the value kept. */
	assert_int_equal(raise_to(x, 1, 3 * cap + 1), IAP_ERR_FBIG);
	assert_int_equal(raise_to(x, 1, 0xFFFFFFFFu), IAP_ERR_FBIG);
	assert_int_equal(flash_ops(x), 0);
	assert_memory_equal(mem(x, a), before, x->p->sector);
	assert_int_equal(rd(x, 1), 3 * cap);
	/* Not higher: still fine, still no op. */
	assert_int_equal(raise_to(x, 1, 3 * cap), 0);
	assert_int_equal(raise_to(x, 1, 5), 0);
	assert_int_equal(flash_ops(x), 0);
	/* The same sector as the first of two: the second takes it. */
	assert_int_equal(raise_to(x, 2, 3 * cap + 1), 0);
	assert_int_equal(x->c.progs, 1);
	assert_int_equal(x->c.erases, 0);
	assert_int_equal(x->c.last_prog, a + x->p->sector);
	assert_int_equal(rd(x, 2), 3 * cap + 1);
	assert_int_equal(rd(x, 1), 3 * cap);
	assert_memory_equal(mem(x, a), before, x->p->sector);
	free(before);
}

/* Sector (0..n-1) of the region that holds addr. */
static uint32_t sector_of(const struct rb *x, uint32_t addr)
{
	return (addr - x->p->addr) / x->p->sector;
}

static void wrap(struct rb *x, uint32_t n)
{
	uint32_t cap = x->cap, v = 0;
	uint32_t total = (x->p->big ? n : 4 * n) * cap + 7;
	uint32_t prev_at = 0, wear_min = 0xFFFFFFFFu, wear_max = 0;

	for (uint32_t j = 1; j <= total; j++) {
		unsigned progs = x->c.progs, erases = x->c.erases;
		int wraps = j > n * cap && (j - n * cap - 1) % cap == 0;

		v += 1 + rnd(x) % 1000;
		assert_int_equal(raise_to(x, n, v), 0);
		assert_int_equal(rd(x, n), v);
		assert_int_equal(x->c.progs, progs + 1);
		assert_int_equal(x->c.erases, erases + (unsigned)wraps);
		if (wraps) {
			/* Never the sector of the previous maximum; the
			 * one after it, and the entry goes first there. */
			assert_int_not_equal(sector_of(x, x->c.last_erase),
					     sector_of(x, prev_at));
			assert_int_equal(sector_of(x, x->c.last_erase),
					 (sector_of(x, prev_at) + 1) % n);
			assert_int_equal(x->c.last_prog, x->c.last_erase);
		} else if (j <= n * cap && (j - 1) % cap == 0) {
			/* The first round: the next sector once one is full. */
			assert_int_equal(x->c.last_prog,
					 x->p->addr +
						 (j - 1) / cap * x->p->sector);
		} else {
			/* Appended right after the previous entry. */
			assert_int_equal(x->c.last_prog, prev_at + x->esize);
		}
		prev_at = x->c.last_prog;
	}
	assert_int_equal(x->c.erases, (total - n * cap + cap - 1) / cap);
	for (uint32_t s = 0; s < n; s++) {
		uint32_t w =
			sim_flash_wear(&x->sf, x->p->addr + s * x->p->sector);

		wear_min = w < wear_min ? w : wear_min;
		wear_max = w > wear_max ? w : wear_max;
	}
	/* The erases go round. */
	assert_true(wear_max - wear_min <= 1);
	assert_true(wear_max >= 1);
}

static void test_wrap_two_sectors(void **state)
{
	wrap(*state, 2);
}

static void test_wrap_three_sectors(void **state)
{
	struct rb *x = *state;

	if (x->p->big) {
		skip(); /* the F4's 16 KiB sectors: the two-sector case does */
	}
	wrap(x, 3);
}

static void test_bad_region(void **state)
{
	struct rb *x = *state;
	uint32_t a = x->p->addr, s = x->p->sector;
	uint32_t end = x->sf.base + x->sf.size;
	uint32_t v = 0x5A5A5A5Au, last, lsize;

	assert_int_equal(iap_flash_sector(&x->sf.ops, end - 1, &last, &lsize),
			 0);

	assert_int_equal(iap_rollback_read(x->f, a + x->ws, s, &v),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_read(x->f, a + s / 2, s, &v),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_read(x->f, a, s / 2, &v), IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_read(x->f, a, s + x->ws, &v),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_read(x->f, x->sf.base - s, 2 * s, &v),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_rollback_read(x->f, last, 2 * lsize, &v),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_rollback_read(x->f, a, 0xFFFFFFFFu - s, &v),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_rollback_read(x->f, end, s, &v), IAP_ERR_FAULT);
	assert_int_equal(iap_rollback_read(x->f, 0xFFFFF000u, 0x2000u, &v),
			 IAP_ERR_FAULT);
	assert_int_equal(v, 0x5A5A5A5Au); /* untouched on error */
	assert_int_equal(iap_rollback_raise(x->f, a + x->ws, s, 1),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_raise(x->f, a, s + x->ws, 1),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_raise(x->f, last, 2 * lsize, 1),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_rollback_raise(x->f, a + s / 2, s, 0),
			 IAP_ERR_ALIGN);
	/* size 0: no record. Nothing is above 0, everything else is. */
	assert_int_equal(iap_rollback_raise(x->f, a, 0, 0), 0);
	assert_int_equal(iap_rollback_raise(x->f, a, 0, 1), IAP_ERR_FBIG);
	assert_int_equal(flash_ops(x), 0);
	/* The last sector of the flash is a fine record. */
	assert_int_equal(iap_rollback_read(x->f, last, end - last, &v), 0);
	assert_int_equal(v, 0);
	/* Write units the format has no entry for. */
	x->c.ops.write_size = 3;
	assert_int_equal(iap_rollback_read(x->f, a, s, &v), IAP_ERR_INVAL);
	assert_int_equal(raise_to(x, 1, 1), IAP_ERR_INVAL);
	x->c.ops.write_size = 32;
	assert_int_equal(raise_to(x, 1, 1), IAP_ERR_INVAL);
	x->c.ops.write_size = 0;
	assert_int_equal(raise_to(x, 1, 1), IAP_ERR_INVAL);
	x->c.ops.write_size = x->ws;
	assert_int_equal(flash_ops(x), 0);
	assert_true(all_ff(mem(x, a), x->p->hi - a));
}

/* The F4's 16 KiB sector 3 and 64 KiB sector 4 as one record. */
static void test_mixed_sectors(void **state)
{
	struct rb *x = *state;
	uint32_t v = 0;

	if (x->board->region_count < 2) {
		skip();
	}
	assert_int_equal(iap_rollback_read(x->f, 0x0800C000u, 0x8000u, &v),
			 IAP_ERR_ALIGN);
	assert_int_equal(iap_rollback_raise(x->f, 0x0800C000u, 0x14000u, 5), 0);
	assert_int_equal(iap_rollback_raise(x->f, 0x0800C000u, 0x14000u, 6), 0);
	assert_int_equal(iap_rollback_read(x->f, 0x0800C000u, 0x14000u, &v), 0);
	assert_int_equal(v, 6);
	/* An entry in the 64 KiB sector counts as well. */
	assert_int_equal(iap_rollback_raise(x->f, 0x08010000u, 0x10000u, 70),
			 0);
	assert_int_equal(iap_rollback_read(x->f, 0x0800C000u, 0x14000u, &v), 0);
	assert_int_equal(v, 70);
	assert_int_equal(iap_rollback_raise(x->f, 0x0800C000u, 0x14000u, 71),
			 0);
	assert_int_equal(x->c.last_prog, 0x08010000u + 8);
	assert_int_equal(x->c.erases, 0);
}

static void test_flash_errors(void **state)
{
	struct rb *x = *state;
	uint32_t v = 0x5A5A5A5Au;
	uint8_t e[16];

	assert_int_equal(raise_to(x, 2, 10), 0);
	x->c.read_err = IAP_ERR_IO;
	assert_int_equal(iap_rollback_read(x->f, x->p->addr, x->p->sector, &v),
			 IAP_ERR_IO);
	assert_int_equal(v, 0x5A5A5A5Au);
	assert_int_equal(raise_to(x, 2, 11), IAP_ERR_IO);
	assert_int_equal(x->c.progs, 1);
	x->c.read_err = 0;
	x->c.prog_err = IAP_ERR_TIMEDOUT;
	assert_int_equal(raise_to(x, 2, 11), IAP_ERR_TIMEDOUT);
	x->c.prog_err = 0;
	assert_int_equal(rd(x, 2), 10);
	/* What the flash took differs: reported, and the entry is invalid. */
	x->c.garble = 1;
	assert_int_equal(raise_to(x, 2, 11), IAP_ERR_IO);
	assert_int_equal(raise_to(x, 2, 12), IAP_ERR_IO);
	x->c.garble = 0;
	assert_int_equal(rd(x, 2), 10);
	assert_int_equal(raise_to(x, 2, 13), 0);
	assert_int_equal(rd(x, 2), 13);
	/* After the two bad entries, not over them. */
	entry_bytes(x, 13, e);
	assert_memory_equal(mem(x, x->p->addr + 3 * x->esize), e, x->esize);
}

/*
 * Entries as cuts leave them. A program cut part way leaves (v, ~v) with
 * some of its 0 bits still 1; an erase cut part way sets some bits of an
 * entry, also of (v, ~v): both are (v, ~v) | mask, mask a non-empty set of
 * 0 bits of the complete entry. None of them may read as valid.
 */
static void check_masked(struct rb *x, uint32_t at, uint32_t v,
			 const uint8_t *mask, uint32_t expect)
{
	uint8_t e[16];

	entry_bytes(x, v, e);
	for (uint32_t i = 0; i < 8; i++) {
		e[i] |= mask[i];
	}
	if (all_ff(e, x->esize)) {
		return; /* reads erased, which it is not: skip */
	}
	memcpy(mem(x, at), e, x->esize);
	if (rd(x, 1) != expect) {
		fail_msg("value 0x%08x with bits %02x%02x%02x%02x %02x%02x%02x"
			 "%02x left at 1 reads as valid",
			 (unsigned)v, mask[0], mask[1], mask[2], mask[3],
			 mask[4], mask[5], mask[6], mask[7]);
	}
}

static void test_torn_entries_invalid(void **state)
{
	static const uint32_t special[] = {
		0,	     1,		  2,	       0x80000000u,
		0x7FFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu, 0x00FF00FFu};
	struct rb *x = *state;
	uint32_t at = x->p->addr + 2 * x->esize;
	uint8_t e[16], mask[8];
	uint32_t values = 8 + 100 * KIB / x->p->sector;
	unsigned checked = 0;

	/* Two real entries first: the highest, 40, must stay the answer. */
	assert_int_equal(raise_to(x, 1, 20), 0);
	assert_int_equal(raise_to(x, 1, 40), 0);
	for (uint32_t k = 0; k < values; k++) {
		uint32_t v = k < 8 ? special[k] : rnd(x);

		entry_bytes(x, v, e);
		/* Every single bit, every pair of bits left at 1. */
		for (uint32_t i = 0; i < 64; i++) {
			for (uint32_t j = i; j < 64; j++) {
				if (((e[i / 8] >> (i % 8)) & 1) ||
				    ((e[j / 8] >> (j % 8)) & 1)) {
					continue;
				}
				memset(mask, 0, sizeof(mask));
				mask[i / 8] |= (uint8_t)(1u << (i % 8));
				mask[j / 8] |= (uint8_t)(1u << (j % 8));
				check_masked(x, at, v, mask, 40);
				checked++;
			}
		}
		/* Random sets of bits. */
		for (uint32_t r = 0; r < 64; r++) {
			uint32_t m0 = rnd(x) & rnd(x), m1 = rnd(x) & rnd(x);

			m0 &= ~v;
			m1 &= v;
			if (!m0 && !m1) {
				continue;
			}
			for (uint32_t i = 0; i < 4; i++) {
				mask[i] = (uint8_t)(m0 >> (8 * i));
				mask[4 + i] = (uint8_t)(m1 >> (8 * i));
			}
			check_masked(x, at, v, mask, 40);
			checked++;
		}
	}
	/* The complete entry does count. */
	memset(mask, 0, sizeof(mask));
	check_masked(x, at, 1000, mask, 1000);
	memset(mem(x, at), 0xFF, x->esize);
	assert_true(checked > 5000);
}

/* Leftovers of a cut raise are skipped, never programmed over. */
static void test_skips_leftovers(void **state)
{
	struct rb *x = *state;
	uint32_t a = x->p->addr, es = x->esize;
	uint8_t e[16], torn[16];

	assert_int_equal(raise_to(x, 1, 5), 0);
	assert_int_equal(raise_to(x, 1, 6), 0);
	/* Slot 2: 7 cut part way (~7 still 0xFF in its low byte). */
	entry_bytes(x, 7, torn);
	torn[4] = 0xFF;
	x->c.progs = 0;
	assert_int_equal(x->sf.ops.prog(x->sf.ops.ctx, a + 2 * es, torn, es),
			 0);
	assert_int_equal(rd(x, 1), 6);
	assert_int_equal(raise_to(x, 1, 8), 0);
	assert_int_equal(x->c.progs, 1);
	assert_int_equal(x->c.last_prog, a + 3 * es);
	assert_memory_equal(mem(x, a + 2 * es), torn, es);
	assert_int_equal(rd(x, 1), 8);
	/* Slot 4: a cut program that cleared no bit: reads erased, but the
	 * flash refuses it; the entry goes to slot 5. */
	memset(&x->sf.written[(a - x->sf.base + 4 * es) / x->ws], 1,
	       es / x->ws);
	assert_int_equal(raise_to(x, 1, 9), 0);
	assert_int_equal(x->c.progs, 3);
	assert_int_equal(x->c.last_prog, a + 5 * es);
	assert_true(all_ff(mem(x, a + 4 * es), es));
	entry_bytes(x, 9, e);
	assert_memory_equal(mem(x, a + 5 * es), e, es);
	assert_int_equal(rd(x, 1), 9);
	/* Garbage in the last slot of a single sector: it is full. */
	memset(torn, 0, sizeof(torn));
	assert_int_equal(
		x->sf.ops.prog(x->sf.ops.ctx, a + (x->cap - 1) * es, torn, es),
		0);
	x->c.progs = 0;
	assert_int_equal(raise_to(x, 1, 10), IAP_ERR_FBIG);
	assert_int_equal(flash_ops(x), 0);
	/* With two sectors the next one takes it. */
	assert_int_equal(raise_to(x, 2, 10), 0);
	assert_int_equal(x->c.last_prog, a + x->p->sector);
	assert_int_equal(rd(x, 2), 10);
}

/* The record's sectors and the simulator's programmed flags. */
struct snap {
	uint8_t *mem, *written;
	uint32_t off, len;
};

static void snap_take(struct rb *x, struct snap *s, uint32_t n)
{
	s->off = x->p->addr - x->sf.base;
	s->len = n * x->p->sector;
	if (!s->mem) {
		s->mem = malloc(s->len);
		s->written = malloc(s->len / x->ws);
		assert_non_null(s->mem);
		assert_non_null(s->written);
	}
	memcpy(s->mem, &x->sf.mem[s->off], s->len);
	memcpy(s->written, &x->sf.written[s->off / x->ws], s->len / x->ws);
}

static void snap_put(struct rb *x, const struct snap *s)
{
	memcpy(&x->sf.mem[s->off], s->mem, s->len);
	memcpy(&x->sf.written[s->off / x->ws], s->written, s->len / x->ws);
}

static void snap_free(struct snap *s)
{
	free(s->mem);
	free(s->written);
}

/* Torn variants of each cut program and of each cut erase. */
#define TORN_SEEDS  6
#define ERASE_SEEDS 40

struct sweep_stats {
	unsigned ops;			    /* operations cut */
	unsigned points;		    /* cuts, all variants */
	unsigned prog_points, erase_points; /* ... by operation */
	unsigned got_new; /* cuts after which the new value read */
};

/*
 * Cut the raise from old to v at its operation op (0-based), clean (seed
 * 0) or torn (seed > 0). After power comes back the record reads old or
 * v; a raise above v then works.
 */
static void cut_once(struct rb *x, uint32_t n, uint32_t old, uint32_t v,
		     uint64_t op, uint64_t seed, struct sweep_stats *st)
{
	uint64_t cuts = x->sf.cuts;
	uint32_t got;

	x->sf.cut_mode = seed ? SIM_CUT_TORN : SIM_CUT_CLEAN;
	x->sf.cut_seed = seed;
	x->sf.cut_after = x->sf.ops_done + op;
	assert_int_equal(raise_to(x, n, v), IAP_ERR_CANCELED);
	assert_int_equal(x->sf.cuts, cuts + 1);
	assert_int_equal(x->sf.last_cut.op_index, x->sf.cut_after + 1);
	st->points++;
	if (x->sf.last_cut.op == SIM_OP_ERASE) {
		st->erase_points++;
	} else {
		st->prog_points++;
	}
	sim_flash_power_on(&x->sf);
	got = rd(x, n);
	if (got != old && got != v) {
		fail_msg("cut at op %u (%s, seed %u) of raise %u -> %u: "
			 "reads %u",
			 (unsigned)op,
			 x->sf.last_cut.op == SIM_OP_ERASE ? "erase"
							   : "program",
			 (unsigned)seed, (unsigned)old, (unsigned)v,
			 (unsigned)got);
	}
	st->got_new += got == v;
	assert_int_equal(raise_to(x, n, v + 1), 0);
	assert_int_equal(rd(x, n), v + 1);
}

/* Whether raise j (1-based) of a run is within w of a wrap. */
static int near_wrap(const struct rb *x, uint32_t n, uint32_t j, uint32_t w)
{
	uint32_t k;

	if (w == 0 || j <= w) {
		return 1;
	}
	if (j <= n * x->cap) {
		return j + w > n * x->cap;
	}
	k = (j - n * x->cap - 1) % x->cap;
	return k < w || k + w >= x->cap;
}

/* Raises cut at every operation: all of them (w 0), or those near a wrap. */
static void sweep(struct rb *x, uint32_t n, uint32_t w)
{
	uint32_t wraps = x->p->big ? 2 : 3;
	uint32_t total = n * x->cap + (wraps - 1) * x->cap + (w ? w : 3);
	uint32_t v = 0;
	struct snap before = {0}, after = {0};
	struct sweep_stats st = {0};

	for (uint32_t j = 1; j <= total; j++) {
		uint32_t old = v;
		uint64_t ops;

		v += 1 + rnd(x) % 300;
		if (!near_wrap(x, n, j, w)) {
			assert_int_equal(raise_to(x, n, v), 0);
			continue;
		}
		snap_take(x, &before, n);
		ops = x->sf.ops_done;
		assert_int_equal(raise_to(x, n, v), 0);
		ops = x->sf.ops_done - ops;
		assert_true(ops == 1 || ops == 2);
		assert_int_equal(rd(x, n), v);
		snap_take(x, &after, n);
		for (uint64_t op = 0; op < ops; op++) {
			/* Two operations: erase, then program. */
			uint64_t seeds =
				ops == 2 && op == 0 ? ERASE_SEEDS : TORN_SEEDS;

			for (uint64_t seed = 0; seed <= seeds; seed++) {
				snap_put(x, &before);
				cut_once(x, n, old, v, op,
					 seed ? seed * 7919 + j : 0, &st);
			}
			st.ops++;
		}
		/* A raise below or at the record: no operation to cut. */
		if (j % 17 == 0) {
			ops = x->sf.ops_done;
			assert_int_equal(raise_to(x, n, old), 0);
			assert_int_equal(x->sf.ops_done, ops);
		}
		snap_put(x, &after);
		assert_int_equal(rd(x, n), v);
	}
	/* Every wrap had its erase cut, in all variants. */
	assert_int_equal(st.erase_points, wraps * (1 + ERASE_SEEDS));
	print_message("%s, %u sectors of %u bytes, %u-byte entries: %u raises, "
		      "%u operations cut, %u cuts (%u in a program, %u in an "
		      "erase), %u read the new value\n",
		      x->board->name, (unsigned)n, (unsigned)x->p->sector,
		      (unsigned)x->esize, (unsigned)total, st.ops, st.points,
		      st.prog_points, st.erase_points, st.got_new);
	snap_free(&before);
	snap_free(&after);
}

static void test_powercut_sweep_two(void **state)
{
	struct rb *x = *state;

	sweep(x, 2, x->p->window);
}

static void test_powercut_sweep_three(void **state)
{
	struct rb *x = *state;

	if (x->p->big) {
		skip();
	}
	sweep(x, 3, 40);
}

/*
 * Cuts that pile up: raises cut at a random operation, clean or torn, some
 * in a row, power back in-process (the flash keeps its programmed flags)
 * or after a restart (flags from the contents), never restored. The record
 * never reads below the last raise that returned 0, and only values some
 * raise asked for.
 */
static void chaos(struct rb *x, uint32_t n, uint32_t start, uint32_t rounds)
{
	uint32_t *asked = malloc((rounds + 1) * sizeof(*asked));
	uint32_t floor = start, v = start, nasked = 0;
	unsigned cut = 0;

	assert_non_null(asked);
	asked[nasked++] = start;
	for (uint32_t i = 0; i < rounds; i++) {
		uint32_t got, r = rnd(x);
		int err, found = 0;

		v += 1 + rnd(x) % 50;
		asked[nasked++] = v;
		if (r % 3 != 0) {
			x->sf.cut_mode = r & 8 ? SIM_CUT_TORN : SIM_CUT_CLEAN;
			x->sf.cut_seed = rnd(x) | 1;
			x->sf.cut_after = x->sf.ops_done + (r >> 4) % 2;
		}
		err = raise_to(x, n, v);
		x->sf.cut_after = 0;
		if (err == 0) {
			floor = v;
		} else {
			assert_int_equal(err, IAP_ERR_CANCELED);
			cut++;
			if ((r & 96) == 96) {
				sim_flash_close(&x->sf);
				sf_open(x);
			} else {
				sim_flash_power_on(&x->sf);
			}
		}
		got = rd(x, n);
		assert_true(got >= floor);
		for (uint32_t k = nasked; k-- > 0 && !found;) {
			found = asked[k] == got;
		}
		if (got != 0 && !found) {
			fail_msg("round %u reads %u, never raised", (unsigned)i,
				 (unsigned)got);
		}
	}
	assert_int_equal(raise_to(x, n, v + 1), 0);
	assert_int_equal(rd(x, n), v + 1);
	assert_true(cut > rounds / 5);
	assert_true(x->c.erases >= 1);
	print_message("%s, %u sectors: %u rounds, %u cut, %u erases\n",
		      x->board->name, (unsigned)n, (unsigned)rounds, cut,
		      x->c.erases);
	free(asked);
}

static void test_powercut_chaos(void **state)
{
	struct rb *x = *state;

	if (x->p->big) {
		/* 16 KiB sectors: fill most of them first. */
		for (uint32_t i = 1; i < 2 * x->cap - 20; i++) {
			assert_int_equal(raise_to(x, 2, i), 0);
		}
		x->c.erases = 0;
		chaos(x, 2, 2 * x->cap - 21, 300);
		return;
	}
	chaos(x, 2, 0, 3 * 2 * x->cap);
}

static void test_powercut_chaos_three(void **state)
{
	struct rb *x = *state;

	if (x->p->big) {
		skip();
	}
	chaos(x, 3, 0, 4 * 3 * x->cap);
}

#define ON_BOARDS(t)                                                         \
	cmocka_unit_test_prestate_setup_teardown(t, setup, teardown,         \
						 (void *)&p_f1),             \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, \
							 (void *)&p_f4),     \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, \
							 (void *)&p_w8),     \
		cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, \
							 (void *)&p_w16)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_BOARDS(test_erased_reads_zero),
		ON_BOARDS(test_raise_read),
		ON_BOARDS(test_no_flash_op_unless_higher),
		ON_BOARDS(test_one_sector_capacity),
		ON_BOARDS(test_wrap_two_sectors),
		ON_BOARDS(test_wrap_three_sectors),
		ON_BOARDS(test_bad_region),
		ON_BOARDS(test_mixed_sectors),
		ON_BOARDS(test_flash_errors),
		ON_BOARDS(test_torn_entries_invalid),
		ON_BOARDS(test_skips_leftovers),
		ON_BOARDS(test_powercut_sweep_two),
		ON_BOARDS(test_powercut_sweep_three),
		ON_BOARDS(test_powercut_chaos),
		ON_BOARDS(test_powercut_chaos_three),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
