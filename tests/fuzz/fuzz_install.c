/*
 * libFuzzer target: what a power-on runs, iap_install() then
 * iap_boot_decide(), given arbitrary flash contents, on the simulator's
 * NOR flash (port/sim) of the boards f103cb-swap (swap through a scratch
 * sector), f103cb-move (swap by moving), f103cb-staged (overwrite) and
 * f103cb-secure (swap by moving, anti-rollback record, optionally the
 * sample key table as trust).
 *
 * The harness first makes a plausible state with the real code: image A
 * installed with its committed meta record, image B staged with its
 * stage record, the anti-rollback record raised, then up to three
 * power-ons (with the application confirming itself or not, image C
 * staged after the first), the last one cut at a flash operation chosen
 * by the input (sim_flash cut_after, clean or torn, HALT, power on
 * again): a journal mid-swap, a torn flag. Then it patches the flash
 * (contents and the simulator's programmed flags) and runs test_boots + 3
 * power-ons (power_ons()).
 *
 * Input:
 *   byte 0   bits 0-1 the board (f103cb-swap, -move, -staged, -secure);
 *            bit 2 a trust on f103cb-secure, bit 3 IAP_TRUST_F_BOOT_SIG;
 *            bit 4 the application confirms itself after each jump of
 *            the four power-ons; bits 5-6 the scratch buffer of the core
 *            (16, 100, 256, 1030 bytes)
 *   byte 1   bit 0 A installed, bit 1 B staged, bits 2-3 power-ons
 *            before the patches (0..3), bit 4 C staged after the first,
 *            bit 5 a torn cut (else clean), bit 6 the application
 *            confirms itself during those power-ons, bit 7 test_boots
 *            3 (else the board's 1) on a swap board
 *   2-3, 4-5 sizes of A and B (C: B's, + 1 KiB), le16, 16 .. 8 KiB
 *   byte 6   seeds of A (bits 0-3) and B, C (4-7)
 *   byte 7   counters: bits 0-1 A's, 2-3 B's (C: B's + 1), 4-5 the
 *            anti-rollback record to start from; bits 6-7 B's signature
 *            (0, 1 valid, 2 none, 3 a flipped bit) on a trusted layout
 *   8-9      n, le16: the last power-on before the patches (with what
 *            follows it: the confirmation, C's upload) is cut at its
 *            flash operation n + 1 (0: no cut); 10-11 the torn model's
 *            seed
 *   then up to 48 patches: an op byte (kind op % 10, target op / 10 via
 *   a table that favours the meta, stage meta, journal and rollback
 *   regions; an edge is a region boundary +- 128 bytes), a le16 offset
 *   and what the kind needs (apply_patch()).
 *
 * Invariants, at every power-on not cut:
 *   - erase and program only inside the app and stage slots, the meta and
 *     stage meta regions, the scratch, the journal and the anti-rollback
 *     record (never the bootloader), erase at sector starts only; at most
 *     op_limit() erase and program calls (two whole swaps, the records,
 *     every rollback slot) and a million reads: no endless loop;
 *   - iap_boot_decide() returns 0; iap_install() returns 0 or an error
 *     recorded as INSTALL_FAILED with that error, or the decode error of
 *     a stage record that does not decode (no event);
 *   - JUMP exactly when the harness's own check passes: the meta record
 *     committed and decoding, iap_image_check_fit() (against the trust
 *     only with BOOT_SIG, as the decision), the vector table, the
 *     counter not below iap_rollback_read(), the SHA-256 recomputed over
 *     the app slot equal to the header's; and at JUMP, on a trusted
 *     layout, iap_image_check_sig() passes, unless the patches touched
 *     the bytes the device takes a meta record from (meta header and
 *     commit word, the journal's headers) and BOOT_SIG is off: those
 *     records are trusted as written, as documented (iap_trust.h);
 *   - after a power-on that reports INSTALLED, the stage record reads
 *     installed; after iap_confirm() returned 0 the image is confirmed.
 * Between consecutive power-ons (no patch between):
 *   R1 a jump is followed by a jump;
 *   R2 after a jump with no revert due (the image is not on trial with
 *      its trials used up), the next power-on is quiet: no erase and no
 *      program that succeeds except in the rollback region and the TRIAL
 *      flags, and it jumps to the same header;
 *   R3 the last power-on changes nothing at all and decides as the one
 *      before (everything finished within test_boots + 2 power-ons);
 *   R4 without confirmation, an image is not booted on trial more than
 *      test_boots times while the stage holds an OLD image that verifies
 *      (a revert was possible).
 * One known defect (known_defect(), docs/FUZZING.md) is let pass: from
 * the state that shows it, R1-R4 and the two checks of the state after
 * INSTALLED and after a confirmation are skipped. IAP_FUZZ_STRICT=1 keeps
 * them all (to reproduce the defects); IAP_FUZZ_TRACE=1 prints each
 * power-on, =2 every erase and program too.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_IMG_SIGN 1
#include "fuzz.h"
#include "fuzz_img.h"
#include "iap/iap_boot.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_install.h"
#include "iap/iap_keys.h"
#include "iap/iap_rollback.h"
#include "iap/iap_sha256.h"
#include "iap/iap_trust.h"
#include "sim.h"

#define LOADER	    IAP_LOADER_VERSION(0, 1, 0)
#define IMG_MIN	    16u
#define IMG_MAX	    8192u
#define MAX_PATCHES 48u
#define READS_MAX   1000000u
#define SCRATCH_MAX 1030u

/* Journal layout (iap_install.h, docs/DESIGN.md). */
#define J_TO_STAGE 256u
#define J_START	   512u
#define J_MAGIC	   0x50415753u /* "SWAP" */
#define J_STEP	   0x50455453u /* "STEP" */
#define J_DONE	   0x454E4F44u /* "DONE" */

enum { B_SWAP, B_MOVE, B_STAGED, B_SECURE, NBOARDS };

struct board {
	const char *name;
	const struct sim_board *b;
	struct sim_flash sf;
	int open;
};

static struct board boards[NBOARDS] = {
	{"f103cb-swap", NULL, {0}, 0},
	{"f103cb-move", NULL, {0}, 0},
	{"f103cb-staged", NULL, {0}, 0},
	{"f103cb-secure", NULL, {0}, 0},
};

/* What the core's flash calls may do, counted per power-on. */
struct guard {
	const struct iap_flash *raw;
	const struct iap_layout *l;
	uint32_t limit; /* erase and program calls in one power-on */
	uint32_t calls, reads;
	uint32_t changes; /* erases and programs that succeeded */
	uint32_t noisy;	  /* of them outside the rollback record and TRIALs */
	int strict;	  /* IAP_FUZZ_STRICT: no known defect is let pass */
	int known;	  /* a known defect was met (see known_defect()) */
};

struct pwr {
	int ierr, derr;
	struct iap_boot_record rec;
	struct iap_boot_decision dec;
	uint32_t changes, noisy;
};

struct rig {
	struct board *bd;
	struct sim_flash *sf;
	const struct iap_flash *raw;
	struct iap_flash wf;
	struct guard g;
	struct iap_layout l;	/* the board's, with the trust or not */
	struct iap_layout lfit; /* l without the trust */
	struct iap_trust trust;
	int trusted, boot_sig, confirm;
	uint32_t ss;
	uint8_t scratch[SCRATCH_MAX];
	uint8_t img[3][IMG_MAX];
	struct iap_image_hdr hdr[3]; /* A, B, C */
	int records_intact;	     /* no patch on meta / journal headers */
	/* R4: the image booted on trial, and how many times. */
	struct iap_image_hdr trial_hdr;
	uint32_t trial_jumps;
	int known; /* a known defect's state was seen: no R1-R4 */
};

/* Input reader: zeros past the end. */
struct in {
	const uint8_t *p;
	size_t n, i;
};

static uint8_t get8(struct in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static uint16_t get16(struct in *in)
{
	uint16_t v = get8(in);

	return (uint16_t)(v | (get8(in) << 8));
}

static uint32_t get32(struct in *in)
{
	uint32_t v = get16(in);

	return v | (uint32_t)get16(in) << 16;
}

/* ---- the flash the core gets ---- */

static int inside(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
	return size != 0 && addr >= base && len <= size &&
	       addr - base <= size - len;
}

static int allowed(const struct iap_layout *l, uint32_t addr, uint32_t len)
{
	return inside(addr, len, l->app_addr, l->app_size) ||
	       inside(addr, len, l->stage_addr, l->stage_size) ||
	       inside(addr, len, l->meta_addr, l->meta_size) ||
	       inside(addr, len, l->stage_meta_addr, l->stage_meta_size) ||
	       inside(addr, len, l->scratch_addr, l->scratch_size) ||
	       inside(addr, len, l->journal_addr, l->journal_size) ||
	       inside(addr, len, l->rollback_addr, l->rollback_size);
}

/* A change a quiet power-on may make: raise the record, count a trial. */
static int quiet_change(const struct iap_layout *l, uint32_t addr, uint32_t len,
			int erase)
{
	if (inside(addr, len, l->rollback_addr, l->rollback_size)) {
		return 1;
	}
	return !erase && inside(addr, len, l->meta_addr + IAP_META_TRIAL_OFF,
				16u * IAP_TEST_BOOTS_MAX);
}

static int reads_erased(const struct guard *g, uint32_t addr, uint32_t len)
{
	uint8_t b[16];

	if (len > sizeof(b) || g->raw->read(g->raw->ctx, addr, b, len) != 0) {
		return 0;
	}
	for (uint32_t i = 0; i < len; i++) {
		if (b[i] != IAP_FLASH_ERASED) {
			return 0;
		}
	}
	return 1;
}

/* IAP_FUZZ_TRACE, read once: 1 the power-ons, 2 also every operation. */
static int trace_level(void)
{
	static int level = -1;

	if (level < 0) {
		const char *t = getenv("IAP_FUZZ_TRACE");

		level = t ? atoi(t) : 0;
	}
	return level;
}

static void trace_op(const struct guard *g, const char *what, uint32_t addr,
		     uint32_t len, int err)
{
	if (trace_level() >= 2) {
		fprintf(stderr, "  op %u: %s %08x + %u: %d\n",
			(unsigned)g->calls, what, (unsigned)addr, (unsigned)len,
			err);
	}
}

static int g_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct guard *g = ctx;

	CHECK(++g->reads <= READS_MAX);
	return g->raw->read(g->raw->ctx, addr, buf, len);
}

static int g_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct guard *g = ctx;
	int err;

	if (!allowed(g->l, addr, len)) {
		fprintf(stderr,
			"program outside the install's regions: %08x + %u\n",
			(unsigned)addr, (unsigned)len);
		abort();
	}
	CHECK(++g->calls <= g->limit);
	err = g->raw->prog(g->raw->ctx, addr, buf, len);
	trace_op(g, "program", addr, len, err);
	if (err == IAP_ERR_NOTERASED && !g->strict &&
	    reads_erased(g, addr, len) &&
	    !inside(addr, len, g->l->rollback_addr, g->l->rollback_size)) {
		g->known = 1; /* a torn flag: see known_defect() */
	}
	if (!err) {
		g->changes++;
		g->noisy += !quiet_change(g->l, addr, len, 0);
	}
	return err;
}

static int g_erase(void *ctx, uint32_t addr)
{
	struct guard *g = ctx;
	uint32_t start, size;
	int err;

	if (iap_flash_sector(g->raw, addr, &start, &size) != 0 ||
	    start != addr || !allowed(g->l, addr, size)) {
		fprintf(stderr, "erase outside the install's regions: %08x\n",
			(unsigned)addr);
		abort();
	}
	CHECK(++g->calls <= g->limit);
	err = g->raw->erase(g->raw->ctx, addr);
	trace_op(g, "erase", addr, size, err);
	if (!err) {
		g->changes++;
		g->noisy += !quiet_change(g->l, addr, size, 1);
	}
	return err;
}

/*
 * Erase and program calls one power-on may need: two whole swaps (a cut
 * one finished, then a revert), each sector three steps of an erase, the
 * copy in scratch-sized chunks and a flag; the records; a rollback raise
 * that tries every slot of the region.
 */
static uint32_t op_limit(const struct rig *r)
{
	const struct iap_layout *l = &r->l;
	uint32_t chunk = r->ss - r->ss % r->raw->write_size;
	uint32_t per = 0, start, size;

	for (uint32_t off = 0; off < l->app_size;
	     off = start + size - l->app_addr) {
		CHECK(iap_flash_sector(r->raw, l->app_addr + off, &start,
				       &size) == 0);
		per += 3u * (3u + size / chunk);
	}
	return 2u * per + 64u + l->rollback_size / 8u + 16u;
}

static struct sim_flash *board_open(int i)
{
	struct board *bd = &boards[i];
	char path[] = "/tmp/iapfuzz-XXXXXX";
	int fd;

	if (!bd->open) {
		bd->b = sim_board_find(bd->name);
		CHECK(bd->b != NULL);
		fd = mkstemp(path);
		CHECK(fd >= 0);
		close(fd);
		CHECK(sim_flash_open(&bd->sf, bd->b, path) == 0);
		unlink(path);
		/* Nobody reads the file back: its write-through copy of every
		 * flash operation goes nowhere. */
		close(bd->sf.fd);
		bd->sf.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		CHECK(bd->sf.fd >= 0);
		bd->open = 1;
	}
	return &bd->sf;
}

/* Units reading all 0xFF can be programmed, the others not. */
static void derive_written(struct sim_flash *sf, uint32_t off, uint32_t len)
{
	uint32_t ws = sf->ops.write_size;

	for (uint32_t u = off / ws; u < (off + len + ws - 1u) / ws; u++) {
		uint8_t all = IAP_FLASH_ERASED;

		for (uint32_t i = 0; i < ws; i++) {
			all &= sf->mem[u * ws + i];
		}
		sf->written[u] = all != IAP_FLASH_ERASED;
	}
}

/* A whole chip erased, power on, no cut armed: no flash call needed. */
static void chip_erased(struct sim_flash *sf)
{
	memset(sf->mem, IAP_FLASH_ERASED, sf->size);
	memset(sf->written, 0, sf->size / sf->ops.write_size);
	sf->dead = 0;
	sf->cut_after = 0;
}

/* ---- the state before the patches ---- */

static void make(struct rig *r, int k, uint32_t size, uint32_t seed,
		 uint32_t counter, int sig)
{
	struct iap_image_hdr *h = &r->hdr[k];

	fuzz_make_image(&r->l, r->img[k], size, seed, h);
	h->version.major = (uint8_t)(k + 1);
	h->security_counter = counter;
	if (!r->trusted || sig == 2) {
		return;
	}
	fuzz_sign(h);
	if (sig == 3) {
		h->signature[seed % IAP_IMAGE_SIG_SIZE] ^= 0x10u;
	}
}

/* Image k into a slot and its committed record into a meta region. */
static void put_image(struct rig *r, int k, uint32_t slot, uint32_t meta,
		      uint32_t meta_size)
{
	static uint8_t buf[IMG_MAX + 16];
	const struct iap_flash *f = r->raw;
	uint32_t size = r->hdr[k].image_size;
	uint32_t padded =
		(size + f->write_size - 1u) / f->write_size * f->write_size;

	memset(buf, IAP_FLASH_ERASED, padded);
	memcpy(buf, r->img[k], size);
	CHECK(iap_flash_erase_span(f, meta, meta_size) == 0);
	CHECK(iap_flash_erase_span(f, slot, size) == 0);
	CHECK(f->prog(f->ctx, slot, buf, padded) == 0);
	CHECK(iap_image_write_record(f, meta, &r->hdr[k]) == 0);
}

static void stage_image(struct rig *r, int k)
{
	put_image(r, k, r->l.stage_addr, r->l.stage_meta_addr,
		  r->l.stage_meta_size);
}

/* ---- checks ---- */

/* iap_image_check_sig() of the trust, remembered: it costs a verify. */
static int sig_ok(struct rig *r, const struct iap_image_hdr *h)
{
	static uint8_t keys[8][IAP_IMAGE_HDR_SIZE];
	static int res[8], used, next;
	uint8_t raw[IAP_IMAGE_HDR_SIZE];

	iap_image_hdr_encode(h, raw);
	for (int i = 0; i < used; i++) {
		if (memcmp(keys[i], raw, sizeof(raw)) == 0) {
			return res[i] == 0;
		}
	}
	memcpy(keys[next], raw, sizeof(raw));
	res[next] = iap_image_check_sig(h, &r->trust);
	used = used < 8 ? used + 1 : 8;
	next = (next + 1) % 8;
	return res[(next + 7) % 8] == 0;
}

static const uint8_t *mem_at(const struct rig *r, uint32_t addr)
{
	return &r->sf->mem[addr - r->sf->base];
}

static uint32_t record_value(struct rig *r)
{
	uint32_t v = 0;

	CHECK(iap_rollback_read(r->raw, r->l.rollback_addr, r->l.rollback_size,
				&v) == 0);
	return v;
}

/* The harness's own verdict on the installed image, from the memory. */
static int bootable(struct rig *r, struct iap_image_hdr *h)
{
	const uint8_t *meta = mem_at(r, r->l.meta_addr);
	uint8_t digest[IAP_IMAGE_HASH_SIZE];

	/* check_fit() as the decision's (the signature with BOOT_SIG
	 * only), its signature part remembered. */
	if (iap_get_le32(&meta[IAP_META_COMMIT_OFF]) != IAP_META_COMMIT_MAGIC ||
	    iap_image_hdr_decode(meta, h) != 0 ||
	    (r->boot_sig && !sig_ok(r, h)) ||
	    iap_image_check_fit(h, &r->lfit, LOADER) != 0 ||
	    iap_image_check_vectors(mem_at(r, r->l.app_addr), r->l.app_addr,
				    h->image_size, &r->l) != 0 ||
	    h->security_counter < record_value(r)) {
		return 0;
	}
	iap_sha256(mem_at(r, r->l.app_addr), h->image_size, digest);
	return memcmp(digest, h->sha256, sizeof(digest)) == 0;
}

static int same_hdr(const struct iap_image_hdr *a,
		    const struct iap_image_hdr *b)
{
	uint8_t x[IAP_IMAGE_HDR_SIZE], y[IAP_IMAGE_HDR_SIZE];

	iap_image_hdr_encode(a, x);
	iap_image_hdr_encode(b, y);
	return memcmp(x, y, sizeof(x)) == 0;
}

static void check_power_on(struct rig *r, const struct pwr *p)
{
	const struct iap_boot_decision *d = &p->dec;
	struct iap_image_hdr h;
	struct iap_state st;
	int ok = bootable(r, &h);

	CHECK(p->derr == 0);
	CHECK(p->ierr <= 0);
	if (p->ierr && p->rec.event != IAP_EVENT_INSTALL_FAILED) {
		/* A committed stage record that does not decode. */
		CHECK(p->ierr == IAP_ERR_BADMSG || p->ierr == IAP_ERR_CORRUPT);
		CHECK(p->rec.event == IAP_EVENT_NONE);
	} else if (p->ierr) {
		CHECK(p->rec.err == p->ierr);
	}
	CHECK((d->action == IAP_BOOT_JUMP) == ok);
	if (d->action == IAP_BOOT_JUMP) {
		CHECK(d->app_valid && d->reason == IAP_REASON_VALID);
		CHECK(d->jump_addr == r->l.app_addr);
		CHECK(same_hdr(&d->hdr, &h));
		/* After the decision's raise too. */
		CHECK(h.security_counter >= record_value(r));
		if (r->trusted && (r->boot_sig || r->records_intact)) {
			CHECK(sig_ok(r, &h));
		}
	} else {
		CHECK(!d->app_valid);
	}
	if (p->rec.event == IAP_EVENT_INSTALLED && !r->known) {
		CHECK(iap_state_read(r->raw, &r->l, &st) == 0);
		CHECK(st.stage == IAP_STAGE_INSTALLED);
	}
}

/*
 * Known defect (docs/FUZZING.md, "Defects found"), let pass unless
 * IAP_FUZZ_STRICT is set: a flag write refused with IAP_ERR_NOTERASED on
 * a unit that reads erased (a torn write that cleared no bit) counts as
 * written (src/install.c, flag_put()), but the flag still reads unset, for
 * good: the guard sees the refused program. From such a state on, the
 * rules between power-ons (R1-R4) are not checked, nor the state after
 * INSTALLED and after a confirmation. (The other defect it found, an
 * oversized app meta record sizing a swap past the slots, is fixed:
 * swap_start() refuses it, and it is checked like everything else.)
 */
static int known_defect(struct rig *r)
{
	return r->g.known;
}

static void power_on(struct rig *r, struct pwr *p)
{
	struct guard *g = &r->g;

	r->known |= known_defect(r);
	g->calls = 0;
	g->reads = 0;
	g->changes = 0;
	g->noisy = 0;
	p->ierr =
		iap_install(&r->wf, &r->l, LOADER, r->scratch, r->ss, &p->rec);
	p->derr = iap_boot_decide(&r->wf, &r->l, LOADER, 0, r->scratch, r->ss,
				  &p->dec);
	p->changes = g->changes;
	p->noisy = g->noisy;
	r->known |= known_defect(r);
	if (trace_level()) {
		/* What a seed reaches: IAP_FUZZ_TRACE=1 fuzz_install SEED */
		fprintf(stderr,
			"power-on: install %d event %u err %d, %s (%s) v%u, "
			"%u changes (%u noisy), %u calls%s\n",
			p->ierr, p->rec.event, p->rec.err,
			p->dec.action == IAP_BOOT_JUMP ? "jump" : "update",
			iap_boot_reason_str(p->dec.reason),
			p->dec.hdr.version.major, p->changes, p->noisy,
			g->calls, r->sf->dead ? ", cut" : "");
	}
}

/*
 * iap_state_read(): a stage record that does not decode is its error
 * (BADMSG, CORRUPT), the image's state filled before it. Returns the
 * error.
 */
static int state(struct rig *r, struct iap_state *st)
{
	int err = iap_state_read(r->raw, &r->l, st);

	CHECK(err == 0 || err == IAP_ERR_BADMSG || err == IAP_ERR_CORRUPT);
	return err;
}

/* The application confirms itself: then it is confirmed. */
static void app_confirm(struct rig *r)
{
	struct iap_state st;

	r->g.calls = 0;
	if (iap_confirm(&r->wf, &r->l) != 0 || r->sf->dead || known_defect(r)) {
		return;
	}
	(void)state(r, &st);
	if (trace_level()) {
		fprintf(stderr, "confirm: image %d boots_left %d stage %d\n",
			st.image, st.boots_left, st.stage);
	}
	CHECK(st.image == IAP_IMAGE_CONFIRMED);
}

/* The stage holds the OLD image and it verifies: a revert can be done. */
static int revertible(struct rig *r)
{
	struct iap_image_hdr h;
	struct iap_state st;

	if (state(r, &st) != 0 || st.stage != IAP_STAGE_INSTALLED ||
	    st.stage_role != IAP_ROLE_OLD ||
	    iap_image_read_record(r->raw, r->l.stage_meta_addr, &h) != 0) {
		return 0;
	}
	return iap_image_verify_at(r->raw, &r->l, &h, r->l.stage_addr, LOADER,
				   r->scratch, sizeof(r->scratch)) == 0;
}

/* On trial with every trial used: the next power-on reverts. */
static int revert_due(struct rig *r)
{
	struct iap_state st;

	(void)state(r, &st);
	return st.image == IAP_IMAGE_TEST && st.boots_left == 0;
}

/* R4: count the jumps to one image on trial, unconfirmed. */
static void count_trial(struct rig *r, const struct pwr *p)
{
	struct iap_state st;
	uint32_t tb = r->l.test_boots ? r->l.test_boots : 1u;

	if (p->dec.action != IAP_BOOT_JUMP || r->confirm) {
		r->trial_jumps = 0;
		return;
	}
	(void)state(r, &st);
	if (st.image != IAP_IMAGE_TEST) {
		r->trial_jumps = 0;
		return;
	}
	if (r->trial_jumps && same_hdr(&r->trial_hdr, &p->dec.hdr)) {
		r->trial_jumps++;
	} else {
		r->trial_hdr = p->dec.hdr;
		r->trial_jumps = 1;
	}
	if (r->trial_jumps > tb) {
		CHECK(!revertible(r));
	}
}

/*
 * Power-ons after the patches: a cut swap finished (and a trial counted),
 * the other test_boots - 1 trials, a revert, then nothing left to do; one
 * more to see that.
 */
static int power_ons(const struct rig *r)
{
	return (int)(r->l.test_boots ? r->l.test_boots : 1u) + 3;
}

/* R1-R4 between power-on k - 1 (prev, a revert due after it) and k. */
static void check_sequence(struct rig *r, int k, const struct pwr *prev,
			   const struct pwr *cur, int due)
{
	if (k > 0 && prev->dec.action == IAP_BOOT_JUMP) {
		CHECK(cur->dec.action == IAP_BOOT_JUMP); /* R1 */
		if (!due) {
			CHECK(cur->noisy == 0); /* R2 */
			CHECK(same_hdr(&cur->dec.hdr, &prev->dec.hdr));
		}
	}
	if (k == power_ons(r) - 1) {
		CHECK(cur->changes == 0); /* R3 */
		CHECK(cur->dec.action == prev->dec.action);
		CHECK(same_hdr(&cur->dec.hdr, &prev->dec.hdr));
	}
	count_trial(r, cur); /* R4 */
}

/* ---- patches ---- */

enum {
	T_META,
	T_SMETA,
	T_JOURNAL,
	T_ROLLBACK,
	T_APP,
	T_STAGE,
	T_SCRATCH,
	T_EDGE
};

static const uint8_t targets[26] = {
	T_META,	   T_META,    T_META,	 T_META,     T_META,	 T_SMETA,
	T_SMETA,   T_SMETA,   T_SMETA,	 T_SMETA,    T_JOURNAL,	 T_JOURNAL,
	T_JOURNAL, T_JOURNAL, T_JOURNAL, T_ROLLBACK, T_ROLLBACK, T_ROLLBACK,
	T_APP,	   T_APP,     T_STAGE,	 T_STAGE,    T_SCRATCH,	 T_EDGE,
	T_EDGE,	   T_EDGE,
};

/* Region t of the layout; an empty one (no journal...) is the meta. */
static void region(const struct rig *r, int t, uint32_t *addr, uint32_t *size)
{
	const struct iap_layout *l = &r->l;
	const uint32_t a[7][2] = {
		{l->meta_addr, l->meta_size},
		{l->stage_meta_addr, l->stage_meta_size},
		{l->journal_addr, l->journal_size},
		{l->rollback_addr, l->rollback_size},
		{l->app_addr, l->app_size < 0x4000u ? l->app_size : 0x4000u},
		{l->stage_addr,
		 l->stage_size < 0x4000u ? l->stage_size : 0x4000u},
		{l->scratch_addr, l->scratch_size},
	};

	*addr = a[t][0];
	*size = a[t][1];
	if (!*size) {
		*addr = l->meta_addr;
		*size = l->meta_size;
	}
}

/* Region boundaries, for the edge target. */
static uint32_t edge(const struct rig *r, uint16_t v)
{
	const struct iap_layout *l = &r->l;
	const uint32_t e[] = {
		l->boot_addr + l->boot_size,
		l->meta_addr,
		l->meta_addr + l->meta_size,
		l->app_addr,
		l->app_addr + l->app_size,
		l->stage_addr,
		l->stage_addr + l->stage_size,
		l->stage_meta_addr,
		l->stage_meta_addr + l->stage_meta_size,
		l->scratch_addr,
		l->scratch_addr + l->scratch_size,
		l->journal_addr,
		l->journal_addr + l->journal_size,
		l->rollback_addr,
		l->rollback_addr + l->rollback_size,
	};
	uint32_t a = e[(v >> 8) % (sizeof(e) / sizeof(e[0]))];

	a += (uint32_t)(int32_t)(int8_t)(uint8_t)v;
	if (a < r->sf->base) {
		a = r->sf->base;
	}
	return a;
}

/* Write len bytes at addr (clipped to the flash); op: 0 set, 1 and, 2 or. */
static void patch(struct rig *r, uint32_t addr, const uint8_t *p, uint32_t len,
		  int op)
{
	struct sim_flash *sf = r->sf;
	const struct iap_layout *l = &r->l;
	uint32_t off;
	int changed = 0;

	if (addr < sf->base || addr - sf->base >= sf->size) {
		return;
	}
	off = addr - sf->base;
	if (len > sf->size - off) {
		len = sf->size - off;
	}
	if (!len) {
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t *m = &sf->mem[off + i];
		uint8_t old = *m;

		*m = op == 0   ? p[i]
		     : op == 1 ? (uint8_t)(*m & p[i])
			       : (uint8_t)(*m | p[i]);
		/* Erasing a record is no forgery. */
		changed |= *m != old && *m != IAP_FLASH_ERASED;
	}
	derive_written(sf, off, len);
	/* The bytes a meta record is taken from (see the file comment). */
	if (changed && addr < l->meta_addr + IAP_META_COMMIT_OFF + 16u &&
	    addr + len > l->meta_addr) {
		r->records_intact = 0;
	}
	if (changed && l->journal_size && addr < l->journal_addr + J_START &&
	    addr + len > l->journal_addr) {
		r->records_intact = 0;
	}
}

static void put_word_flag(struct rig *r, uint32_t addr, uint32_t magic)
{
	uint8_t f[16];
	uint32_t n = r->raw->write_size > 4 ? r->raw->write_size : 4;

	memset(f, 0, sizeof(f));
	iap_put_le32(f, magic);
	patch(r, addr & ~(r->raw->write_size - 1u), f, n, 0);
}

/* A header from the input: one of A, B, C or a record in flash, one
 * field changed, a valid CRC. */
static void forge_header(struct rig *r, struct in *in, struct iap_image_hdr *h)
{
	const struct iap_layout *l = &r->l;
	uint8_t src = get8(in), field = get8(in);
	uint32_t v = get32(in);
	const uint32_t at[3] = {l->meta_addr, l->stage_meta_addr,
				l->journal_addr};

	if (src % 6u < 3u) {
		*h = r->hdr[src % 6u];
	} else if (!at[src % 6u - 3u] ||
		   iap_image_hdr_decode(mem_at(r, at[src % 6u - 3u]), h) != 0) {
		*h = r->hdr[0];
	}
	switch (field % 10u) {
	case 0:
		h->image_size = v;
		break;
	case 1:
		h->load_addr = v;
		break;
	case 2:
		h->board_id = v;
		break;
	case 3:
		h->version.major = (uint8_t)v;
		h->version.build = v >> 8;
		break;
	case 4:
		h->security_counter = v;
		break;
	case 5:
		h->min_loader = v;
		break;
	case 6:
		h->sha256[v % IAP_IMAGE_HASH_SIZE] ^= (uint8_t)(v >> 8);
		break;
	case 7:
		h->key_id = v & 3u;
		h->sig_type = (v >> 2) & 3u;
		break;
	case 8:
		h->signature[v % IAP_IMAGE_SIG_SIZE] ^= (uint8_t)(v >> 8);
		break;
	default:
		break; /* as it was */
	}
}

/*
 * One patch. Kinds: 0 bytes, 1 AND bytes (bits cleared, as a program),
 * 2 OR bytes (bits set, as a torn erase), 3 a run of one value (in the
 * rollback region up to 2 KiB: a full record), 4 a header with a valid
 * CRC (to a record's place; commit word optional), 5 a flag word (or a
 * rollback entry), 6 a journal start record with a valid CRC, 7 a copy
 * from another region, 8 units that read as they are but count as
 * programmed (a torn program that cleared no bit; in the rollback region
 * up to 1024 of them), 9 one sector erased.
 */
static void apply_patch(struct rig *r, struct in *in)
{
	static const uint32_t magics[10] = {
		IAP_META_COMMIT_MAGIC,
		IAP_STAGE_INSTALLED_MAGIC,
		IAP_STAGE_OLD_MAGIC,
		IAP_STAGE_REJECTED_MAGIC,
		IAP_META_TEST_MAGIC,
		IAP_META_CONFIRM_MAGIC,
		IAP_META_TRIAL_MAGIC,
		J_STEP,
		J_DONE,
		0xFFFFFFFFu,
	};
	const struct iap_layout *l = &r->l;
	uint8_t op = get8(in), buf[1024];
	uint16_t v = get16(in);
	int kind = op % 10, t = targets[(op / 10) % 26];
	uint32_t base, size, addr, n;
	struct iap_image_hdr h;

	if (t == T_EDGE) {
		base = edge(r, v);
		size = 256;
		addr = base;
	} else {
		region(r, t, &base, &size);
		addr = base + v % size;
	}
	switch (kind) {
	case 0:
	case 1:
	case 2:
		n = 1u + get8(in) % 32u;
		for (uint32_t i = 0; i < n; i++) {
			buf[i] = get8(in);
		}
		patch(r, addr, buf, n, kind);
		break;
	case 3:
		/* In the rollback record up to 2 KiB: a full region. */
		n = (1u + get8(in)) * (t == T_ROLLBACK ? 8u : 1u);
		memset(buf, get8(in), sizeof(buf));
		for (uint32_t o = 0; o < n; o += sizeof(buf)) {
			patch(r, addr + o, buf,
			      n - o < sizeof(buf) ? n - o : sizeof(buf), 0);
		}
		break;
	case 4: {
		uint8_t where = get8(in);

		forge_header(r, in, &h);
		if (t == T_META || t == T_SMETA) {
			addr = base;
		} else if (t == T_JOURNAL) {
			addr = base + (v & 1u) * J_TO_STAGE;
		} else {
			addr &= ~3u;
		}
		iap_image_hdr_encode(&h, buf);
		patch(r, addr, buf, IAP_IMAGE_HDR_SIZE, 0);
		if ((where & 1u) && (t == T_META || t == T_SMETA)) {
			put_word_flag(r, addr + IAP_META_COMMIT_OFF,
				      IAP_META_COMMIT_MAGIC);
		}
		break;
	}
	case 5: {
		uint8_t m = get8(in);

		if (t == T_ROLLBACK && l->rollback_size) {
			uint32_t e =
				IAP_ROLLBACK_ENTRY_SIZE(r->raw->write_size);
			uint32_t val = (m & 0x80u) ? get32(in) : m & 7u;

			memset(buf, 0, e);
			iap_put_le32(buf, val);
			iap_put_le32(&buf[4], ~val);
			patch(r, base + (v % (size / e)) * e, buf, e, 0);
		} else if (t == T_META || t == T_SMETA) {
			put_word_flag(
				r, base + IAP_META_COMMIT_OFF + 16u * (v % 8u),
				magics[m % 10u]);
		} else if (t == T_JOURNAL) {
			uint32_t fl = r->raw->write_size > 4
					      ? r->raw->write_size
					      : 4u;

			put_word_flag(r,
				      base + IAP_JOURNAL_STEPS_OFF +
					      fl * (v % 200u),
				      magics[m % 10u]);
		} else {
			put_word_flag(r, addr, magics[m % 10u]);
		}
		break;
	}
	case 6: {
		uint8_t o = get8(in), c = get8(in);
		uint16_t count = (c & 0x80u) ? get16(in) : c % 16u;

		memset(buf, 0, 16);
		iap_put_le32(buf, J_MAGIC);
		buf[4] = (o & 3u) == 3u ? get8(in) : (o & 3u);
		buf[6] = (uint8_t)count;
		buf[7] = (uint8_t)(count >> 8);
		iap_put_le32(&buf[8], iap_crc32(0, buf, 8));
		if (l->journal_size) {
			patch(r, l->journal_addr + J_START, buf, 16, 0);
		}
		break;
	}
	case 7: {
		uint8_t s = get8(in), k = get8(in);
		static const uint32_t lens[5] = {16, 256, 272, 512, 1024};
		uint32_t sb, ssz;

		region(r,
		       targets[s % 26u] == T_EDGE ? T_META : targets[s % 26u],
		       &sb, &ssz);
		n = lens[k % 5u];
		if (k & 0x80u) {
			addr = base; /* record to record */
		} else {
			sb += (uint32_t)get16(in) % ssz;
		}
		if (sb - r->sf->base + n > r->sf->size) {
			break;
		}
		memcpy(buf, mem_at(r, sb), n);
		patch(r, addr, buf, n, 0);
		break;
	}
	case 8:
		n = (1u + get8(in) % 16u) * (t == T_ROLLBACK ? 64u : 1u);
		if (addr >= r->sf->base && addr - r->sf->base < r->sf->size) {
			uint32_t u = (addr - r->sf->base) / r->raw->write_size;
			uint32_t units = r->sf->size / r->raw->write_size;

			for (uint32_t i = 0; i < n && u + i < units; i++) {
				r->sf->written[u + i] = 1;
			}
		}
		break;
	default: {
		uint32_t start, ssize;

		if (iap_flash_sector(r->raw, addr, &start, &ssize) == 0) {
			memset(buf, IAP_FLASH_ERASED, sizeof(buf));
			for (uint32_t o = 0; o < ssize; o += sizeof(buf)) {
				patch(r, start + o, buf,
				      ssize - o < sizeof(buf) ? ssize - o
							      : sizeof(buf),
				      0);
			}
		}
		break;
	}
	}
}

/* ---- one input ---- */

static void setup(struct rig *r, struct in *in)
{
	static const uint32_t scratch_sizes[4] = {16, 100, 256, SCRATCH_MAX};
	const char *strict;
	uint8_t b0 = get8(in);
	int bi = b0 & 3;

	r->bd = &boards[bi];
	r->sf = board_open(bi);
	r->raw = &r->sf->ops;
	r->l = r->bd->b->layout;
	r->trusted = bi == B_SECURE && (b0 & 4u);
	r->boot_sig = r->trusted && (b0 & 8u);
	r->confirm = (b0 & 0x10u) != 0;
	r->ss = scratch_sizes[(b0 >> 5) & 3u];
	r->trust.keys = iap_keys;
	r->trust.key_count = iap_key_count;
	r->trust.flags = r->boot_sig ? IAP_TRUST_F_BOOT_SIG : 0u;
	r->l.trust = r->trusted ? &r->trust : NULL;
	r->lfit = r->l;
	r->lfit.trust = NULL;
	r->records_intact = 1;
	r->trial_jumps = 0;
	r->known = 0;
	r->g.known = 0;
	strict = getenv("IAP_FUZZ_STRICT");
	r->g.strict = strict && *strict && strcmp(strict, "0") != 0;

	r->g.raw = r->raw;
	r->g.l = &r->l;
	r->g.limit = op_limit(r);
	r->wf = *r->raw;
	r->wf.ctx = &r->g;
	r->wf.read = g_read;
	r->wf.prog = g_prog;
	r->wf.erase = g_erase;
	chip_erased(r->sf);
}

/* A new upload of C into the stage, in the writer's order; a cut may
 * stop it. */
static void upload_c(struct rig *r)
{
	static uint8_t buf[IMG_MAX + 16];
	const struct iap_layout *l = &r->l;
	uint32_t size = r->hdr[2].image_size;
	uint32_t ws = r->raw->write_size;
	int err;

	r->g.calls = 0;
	memset(buf, IAP_FLASH_ERASED, sizeof(buf));
	memcpy(buf, r->img[2], size);
	err = iap_flash_erase_span(&r->wf, l->stage_meta_addr,
				   l->stage_meta_size);
	if (!err) {
		err = iap_flash_erase_span(&r->wf, l->stage_addr, size);
	}
	if (!err) {
		err = r->wf.prog(r->wf.ctx, l->stage_addr, buf,
				 (size + ws - 1u) / ws * ws);
	}
	if (!err) {
		err = iap_image_write_record(&r->wf, l->stage_meta_addr,
					     &r->hdr[2]);
	}
	CHECK(!err || r->sf->dead);
}

static void prepare(struct rig *r, struct in *in)
{
	uint8_t st = get8(in);
	uint32_t sa = IMG_MIN + get16(in) % (IMG_MAX - IMG_MIN + 1u);
	uint32_t sb = IMG_MIN + get16(in) % (IMG_MAX - IMG_MIN + 1u);
	uint32_t sc = IMG_MIN + (sb + 1024u) % (IMG_MAX - IMG_MIN + 1u);
	uint8_t seeds = get8(in), cnt = get8(in);
	uint16_t cut = get16(in), cut_seed = get16(in);
	unsigned pre = (st >> 2) & 3u;
	struct pwr p;

	if ((st & 0x80u) && r->l.install == IAP_INSTALL_SWAP) {
		r->l.test_boots = 3; /* the boards have 1 */
		r->lfit.test_boots = 3;
	}
	make(r, 0, sa, seeds & 15u, cnt & 3u, 0);
	make(r, 1, sb, 16u + (seeds >> 4), (cnt >> 2) & 3u, cnt >> 6);
	make(r, 2, sc, 32u + (seeds >> 4), ((cnt >> 2) & 3u) + 1u, 0);
	if (st & 1u) {
		put_image(r, 0, r->l.app_addr, r->l.meta_addr, r->l.meta_size);
	}
	if (r->l.rollback_size) {
		CHECK(iap_rollback_raise(r->raw, r->l.rollback_addr,
					 r->l.rollback_size,
					 (cnt >> 4) & 3u) == 0);
	}
	if (st & 2u) {
		stage_image(r, 1);
	}
	for (unsigned i = 0; i < pre; i++) {
		int last = i + 1u == pre;

		if (last && cut) {
			r->sf->cut_after = r->sf->ops_done + cut;
			r->sf->cut_mode =
				(st & 0x20u) ? SIM_CUT_TORN : SIM_CUT_CLEAN;
			r->sf->cut_action = SIM_CUT_HALT;
			r->sf->cut_seed = cut_seed;
		}
		power_on(r, &p);
		if (!r->sf->dead) {
			check_power_on(r, &p);
			if (p.dec.action == IAP_BOOT_JUMP && (st & 0x40u)) {
				app_confirm(r);
			}
		}
		if (!r->sf->dead && i == 0 && (st & 0x10u)) {
			upload_c(r);
		}
		if (r->sf->dead) {
			sim_flash_power_on(r->sf);
			break;
		}
	}
	r->sf->cut_after = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig rig;
	struct rig *r = &rig;
	struct in in = {data, size, 0};
	struct pwr prev, cur;
	int due = 0;

	if (size < 12) {
		return 0;
	}
	setup(r, &in);
	prepare(r, &in);
	for (unsigned i = 0; i < MAX_PATCHES && in.i < in.n; i++) {
		apply_patch(r, &in);
	}
	if (trace_level()) {
		fprintf(stderr, "patched, records %s\n",
			r->records_intact ? "intact" : "touched");
	}
	memset(&prev, 0, sizeof(prev));
	for (int k = 0; k < power_ons(r); k++) {
		power_on(r, &cur);
		check_power_on(r, &cur);
		if (!r->known) {
			check_sequence(r, k, &prev, &cur, due);
		}
		if (cur.dec.action == IAP_BOOT_JUMP && r->confirm) {
			app_confirm(r);
		}
		due = revert_due(r);
		prev = cur;
	}
	return 0;
}
