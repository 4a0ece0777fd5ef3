/*
 * iap-sim - NOR flash in memory, mirrored write-through to a file.
 *
 * Every program or erase is written to the file before the call returns, so
 * whatever kills the process (a simulated power cut, a signal, a crash)
 * leaves the file exactly as the flash was at that moment.
 *
 * The rules are those of iap_flash.h, checked strictly so that a core that
 * relies on anything looser fails here rather than on a board:
 *   - erase works on one whole sector, given by its first address;
 *   - programming only clears bits, in aligned units of write_size, and only
 *     onto units not programmed since their erase. Writing a unit twice is
 *     refused even when it still reads 0xFF (parts with ECC, STM32L4/G4/H7,
 *     refuse it; F1/F4 tolerate some cases, code must not rely on that).
 * A refused call changes nothing.
 *
 * Power cuts (cut_after, cut_mode, cut_action) are taken in power_cut()
 * only: a clean cut drops the operation, a torn one applies a random part
 * of it, then the process exits or the flash stays dead until
 * sim_flash_power_on().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "iap/iap_err.h"
#include "sim.h"

static int in_flash(const struct sim_flash *f, uint32_t addr, uint32_t len)
{
	uint64_t end = (uint64_t)addr + len;

	return addr >= f->base && end <= (uint64_t)f->base + f->size;
}

/* Copy [off, off+len) of the memory image to the file. */
static int mirror(struct sim_flash *f, uint32_t off, uint32_t len)
{
	const uint8_t *p = f->mem + off;
	off_t pos = (off_t)off;

	while (len) {
		ssize_t n = pwrite(f->fd, p, len, pos);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "iap-sim: writing the flash file: %s\n",
				n < 0 ? strerror(errno) : "short write");
			return IAP_ERR_IO;
		}
		p += n;
		pos += n;
		len -= (uint32_t)n;
	}
	return 0;
}

static void busy(struct sim_flash *f, uint64_t us)
{
	struct timespec ts;

	f->busy_us += us;
	if (!f->timing || !us) {
		return;
	}
	if (f->busy_hook) {
		f->busy_hook(f->busy_ctx, us);
		return;
	}
	ts.tv_sec = (time_t)(us / 1000000u);
	ts.tv_nsec = (long)(us % 1000000u) * 1000;
	/* A signal does not shorten the flash operation. */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static const char *op_name(int op)
{
	return op == SIM_OP_ERASE ? "erase" : "program";
}

/* xorshift64: the torn model's only source of randomness. */
static uint64_t rnd(struct sim_flash *f)
{
	uint64_t x = f->cut_seed ? f->cut_seed : 0x9E3779B97F4A7C15u;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	f->cut_seed = x;
	return x;
}

/*
 * Torn program: units before `done` fully programmed, unit `done` with a
 * random part of the bits it was to clear cleared, the rest untouched. The
 * touched units count as programmed: a half-programmed cell needs an erase.
 */
static void tear_prog(struct sim_flash *f, uint32_t off, const uint8_t *data,
		      uint32_t len)
{
	uint32_t ws = f->ops.write_size;
	uint32_t units = len / ws;
	uint32_t done = (uint32_t)(rnd(f) % units);
	uint32_t part = done * ws;
	uint64_t bits = rnd(f);

	for (uint32_t i = 0; i < part; i++) {
		f->mem[off + i] &= data[i];
	}
	for (uint32_t i = 0; i < ws; i++) {
		uint8_t clear =
			(uint8_t)(f->mem[off + part + i] & ~data[part + i]);

		clear &= (uint8_t)(bits >> (8u * (i % 8u)));
		f->mem[off + part + i] &= (uint8_t)~clear;
	}
	memset(f->written + off / ws, 1, done + 1u);
	f->last_cut.torn_units = done;
}

/*
 * Torn erase: erase drives bits towards 1 and stopped part way. Each byte
 * becomes old | some random bits; a random share of them made it to 0xFF.
 * A unit counts as erased only when it reads all 0xFF.
 */
static void tear_erase(struct sim_flash *f, uint32_t off, uint32_t size)
{
	uint32_t ws = f->ops.write_size;
	uint8_t share = (uint8_t)rnd(f);

	for (uint32_t i = 0; i < size; i++) {
		uint64_t r = rnd(f);

		if ((uint8_t)r < share) {
			f->mem[off + i] = IAP_FLASH_ERASED;
		} else {
			f->mem[off + i] |= (uint8_t)((r >> 8) & (r >> 16));
		}
	}
	for (uint32_t u = 0; u < size / ws; u++) {
		const uint8_t *p = f->mem + off + u * ws;
		uint8_t all = IAP_FLASH_ERASED;

		for (uint32_t i = 0; i < ws; i++) {
			all &= p[i];
		}
		f->written[off / ws + u] = all != IAP_FLASH_ERASED;
	}
}

/*
 * The power goes away during operation number ops_done+1. The single place
 * where a cut happens: the mode says how much of the operation reaches the
 * cells, the action what becomes of the caller. The operation is not
 * counted as done. Returns IAP_ERR_CANCELED (HALT) or does not return.
 */
static int power_cut(struct sim_flash *f, int op, uint32_t addr,
		     const uint8_t *data, uint32_t len)
{
	uint32_t off = addr - f->base;

	f->cuts++;
	memset(&f->last_cut, 0, sizeof(f->last_cut));
	f->last_cut.op_index = f->ops_done + 1;
	f->last_cut.op = op;
	f->last_cut.addr = addr;
	f->last_cut.len = len;
	if (f->cut_mode == SIM_CUT_TORN) {
		if (op == SIM_OP_PROG) {
			tear_prog(f, off, data, len);
		} else {
			tear_erase(f, off, len);
		}
		/* The file shows the torn cells; a write error has nobody
		 * left to be reported to. */
		(void)mirror(f, off, len);
	}
	if (f->cut_action == SIM_CUT_HALT) {
		f->dead = 1;
		return IAP_ERR_CANCELED;
	}
	fprintf(stderr,
		"iap-sim: power cut %s flash op %" PRIu64 " (%s 0x%08" PRIx32
		", %" PRIu32 " bytes)\n",
		f->cut_mode == SIM_CUT_TORN ? "during" : "before",
		f->ops_done + 1, op_name(op), addr, len);
	/* Nothing is buffered: the file already holds every finished op. */
	_exit(SIM_EXIT_POWERCUT);
}

static int cut_due(const struct sim_flash *f)
{
	return f->cut_after && f->ops_done >= f->cut_after;
}

void sim_flash_power_on(struct sim_flash *f)
{
	f->dead = 0;
	f->cut_after = 0;
}

static int sim_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct sim_flash *f = ctx;

	if (f->dead) {
		return IAP_ERR_CANCELED;
	}
	if (!in_flash(f, addr, len)) {
		return IAP_ERR_FAULT;
	}
	if (len) {
		memcpy(buf, f->mem + (addr - f->base), len);
	}
	return 0;
}

static int sim_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct sim_flash *f = ctx;
	const uint8_t *src = buf;
	uint32_t ws = f->ops.write_size;
	uint32_t off, first, units;

	if (f->dead) {
		return IAP_ERR_CANCELED;
	}
	if (addr % ws || len % ws) {
		return IAP_ERR_ALIGN;
	}
	if (!in_flash(f, addr, len)) {
		return IAP_ERR_FAULT;
	}
	if (!len) {
		return 0;
	}
	off = addr - f->base;
	first = off / ws;
	units = len / ws;
	for (uint32_t u = 0; u < units; u++) {
		if (f->written[first + u]) {
			return IAP_ERR_NOTERASED;
		}
	}
	if (cut_due(f)) {
		return power_cut(f, SIM_OP_PROG, addr, src, len);
	}
	for (uint32_t i = 0; i < len; i++) {
		f->mem[off + i] &= src[i];
	}
	memset(f->written + first, 1, units);
	f->ops_done++;
	f->progs++;
	f->bytes_programmed += len;
	busy(f, (uint64_t)units * f->board->prog_unit_us);
	return mirror(f, off, len);
}

static int sim_erase(void *ctx, uint32_t addr)
{
	struct sim_flash *f = ctx;
	uint32_t ws = f->ops.write_size;
	uint32_t start, size, off;

	if (f->dead) {
		return IAP_ERR_CANCELED;
	}
	if (iap_flash_sector(&f->ops, addr, &start, &size) != 0) {
		return IAP_ERR_FAULT;
	}
	if (start != addr) {
		return IAP_ERR_ALIGN;
	}
	if (cut_due(f)) {
		return power_cut(f, SIM_OP_ERASE, addr, NULL, size);
	}
	off = addr - f->base;
	memset(f->mem + off, IAP_FLASH_ERASED, size);
	memset(f->written + off / ws, 0, size / ws);
	f->ops_done++;
	f->erases++;
	f->sector_erases[off / f->wear_unit]++;
	busy(f, f->board->erase_us_base +
			(uint64_t)f->board->erase_us_per_kib * size / 1024u);
	return mirror(f, off, size);
}

static int load_file(struct sim_flash *f, const char *path)
{
	struct stat st;
	uint32_t done = 0;

	if (fstat(f->fd, &st) != 0) {
		fprintf(stderr, "iap-sim: %s: %s\n", path, strerror(errno));
		return IAP_ERR_IO;
	}
	if (st.st_size == 0) {
		memset(f->mem, IAP_FLASH_ERASED, f->size);
		return mirror(f, 0, f->size);
	}
	if ((uint64_t)st.st_size != f->size) {
		fprintf(stderr,
			"iap-sim: %s is %jd bytes but the flash of board %s "
			"is %" PRIu32 " bytes\n",
			path, (intmax_t)st.st_size, f->board->name, f->size);
		return IAP_ERR_IO;
	}
	while (done < f->size) {
		ssize_t n = pread(f->fd, f->mem + done, f->size - done,
				  (off_t)done);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "iap-sim: reading %s: %s\n", path,
				n < 0 ? strerror(errno) : "short file");
			return IAP_ERR_IO;
		}
		done += (uint32_t)n;
	}
	return 0;
}

/* After a restart only the contents say what was programmed. */
static void derive_written(struct sim_flash *f)
{
	uint32_t ws = f->ops.write_size;

	for (uint32_t u = 0; u < f->size / ws; u++) {
		const uint8_t *p = f->mem + (size_t)u * ws;

		f->written[u] = 0;
		for (uint32_t i = 0; i < ws; i++) {
			if (p[i] != IAP_FLASH_ERASED) {
				f->written[u] = 1;
				break;
			}
		}
	}
}

static int open_file(struct sim_flash *f, const char *path)
{
	struct flock lk;

	f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		fprintf(stderr, "iap-sim: %s: %s\n", path, strerror(errno));
		return IAP_ERR_IO;
	}
	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	if (fcntl(f->fd, F_SETLK, &lk) != 0) {
		fprintf(stderr, "iap-sim: %s: %s\n", path,
			errno == EACCES || errno == EAGAIN
				? "in use by another simulator"
				: strerror(errno));
		return IAP_ERR_IO;
	}
	return 0;
}

int sim_flash_open(struct sim_flash *f, const struct sim_board *b,
		   const char *path)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->board = b;
	f->ops.ctx = f;
	f->ops.regions = b->regions;
	f->ops.region_count = b->region_count;
	f->ops.write_size = b->write_size;
	f->ops.read = sim_read;
	f->ops.prog = sim_prog;
	f->ops.erase = sim_erase;
	if (iap_flash_check_geometry(&f->ops) != 0) {
		fprintf(stderr, "iap-sim: board %s: bad flash geometry\n",
			b->name);
		return IAP_ERR_IO;
	}
	f->base = iap_flash_base(&f->ops);
	f->size = iap_flash_size(&f->ops);
	f->mem = malloc(f->size);
	f->written = calloc(f->size / b->write_size, 1);
	f->wear_unit = f->size;
	for (uint32_t i = 0; i < b->region_count; i++) {
		if (b->regions[i].sector_size < f->wear_unit) {
			f->wear_unit = b->regions[i].sector_size;
		}
	}
	f->sector_erases = calloc(f->size / f->wear_unit, sizeof(uint32_t));
	if (!f->mem || !f->written || !f->sector_erases) {
		fprintf(stderr, "iap-sim: out of memory\n");
		err = IAP_ERR_IO;
	} else {
		err = open_file(f, path);
	}
	if (!err) {
		err = load_file(f, path);
	}
	if (err) {
		sim_flash_close(f);
		return err;
	}
	derive_written(f);
	return 0;
}

void sim_flash_close(struct sim_flash *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	free(f->mem);
	free(f->written);
	free(f->sector_erases);
	f->mem = NULL;
	f->written = NULL;
	f->sector_erases = NULL;
}

uint32_t sim_flash_wear(const struct sim_flash *f, uint32_t addr)
{
	uint32_t start, size;

	if (iap_flash_sector(&f->ops, addr, &start, &size) != 0) {
		return 0;
	}
	return f->sector_erases[(start - f->base) / f->wear_unit];
}
