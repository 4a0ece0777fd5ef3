/*
 * iapboot - installing a staged image at boot: overwrite, and swap with
 * revert (state tables in iap_install.h and docs/DESIGN.md).
 */
#include <string.h>

#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap/iap_proto.h"

/* Constants when the port builds the core without a strategy. */
static int is_swap(const struct iap_layout *l)
{
	return IAP_INSTALL_BUILT(IAP_INSTALL_SWAP) &&
	       l->install == IAP_INSTALL_SWAP;
}

static int is_overwrite(const struct iap_layout *l)
{
	return IAP_INSTALL_BUILT(IAP_INSTALL_OVERWRITE) &&
	       l->install == IAP_INSTALL_OVERWRITE;
}

/* ---- flags: one write unit each (at least a word), written once ---- */

static uint32_t flag_len(const struct iap_flash *f)
{
	return f->write_size > 4 ? f->write_size : 4;
}

/* *set: any bit cleared counts (a torn flag write was still the last step). */
static int flag_get(const struct iap_flash *f, uint32_t addr, int *set)
{
	uint8_t flag[16];
	uint32_t n = flag_len(f);
	int err = f->read(f->ctx, addr, flag, n);

	*set = 0;
	for (uint32_t i = 0; !err && i < n; i++) {
		*set |= flag[i] != IAP_FLASH_ERASED;
	}
	return err;
}

static int flag_put(const struct iap_flash *f, uint32_t addr, uint32_t magic)
{
	uint8_t flag[16];
	int err;

	memset(flag, 0, sizeof(flag));
	iap_put_le32(flag, magic);
	err = f->prog(f->ctx, addr, flag, flag_len(f));
	/* Reads erased but was hit before: a torn write that cleared no bit. */
	return err == IAP_ERR_NOTERASED ? 0 : err;
}

int iap_stage_state(const struct iap_flash *f, const struct iap_layout *l,
		    struct iap_image_hdr *h)
{
	struct iap_image_hdr tmp;
	int err, set = 0;

	/* A core built without install strategies never uses a staging
	 * slot (nothing writes or installs one): nothing of this is
	 * linked. */
	if (l->stage_meta_size == 0 ||
	    (!IAP_INSTALL_BUILT(IAP_INSTALL_OVERWRITE) &&
	     !IAP_INSTALL_BUILT(IAP_INSTALL_SWAP))) {
		return IAP_STAGE_EMPTY;
	}
	err = iap_image_read_record(f, l->stage_meta_addr, h ? h : &tmp);
	if (err == IAP_ERR_NOENT) {
		return IAP_STAGE_EMPTY;
	}
	if (!err) {
		err = flag_get(f, l->stage_meta_addr + IAP_STAGE_INSTALLED_OFF,
			       &set);
	}
	if (err) {
		return err;
	}
	return set ? IAP_STAGE_INSTALLED : IAP_STAGE_PENDING;
}

/* ---- state of the installed image: test, confirmed, trials ---- */

static uint32_t test_boots(const struct iap_layout *l)
{
	return l->test_boots ? l->test_boots : 1u;
}

/* *test: on trial (TEST without CONFIRM); *trials: TRIAL flags written. */
static int app_trial(const struct iap_flash *f, const struct iap_layout *l,
		     int *test, uint32_t *trials)
{
	uint32_t m = l->meta_addr;
	int err, set = 0, conf = 0;

	*test = 0;
	*trials = 0;
	if (!is_swap(l)) {
		return 0;
	}
	err = flag_get(f, m + IAP_META_TEST_OFF, &set);
	if (!err && set) {
		err = flag_get(f, m + IAP_META_CONFIRM_OFF, &conf);
	}
	*test = set && !conf;
	while (!err && *test && *trials < IAP_TEST_BOOTS_MAX) {
		err = flag_get(f, m + IAP_META_TRIAL_OFF + 16u * *trials, &set);
		if (!err && !set) {
			break;
		}
		++*trials;
	}
	return err;
}

static int stage_role(const struct iap_flash *f, const struct iap_layout *l,
		      uint8_t *role)
{
	int err, old = 0, rej = 0;

	err = flag_get(f, l->stage_meta_addr + IAP_STAGE_OLD_OFF, &old);
	if (!err) {
		err = flag_get(f, l->stage_meta_addr + IAP_STAGE_REJECTED_OFF,
			       &rej);
	}
	*role = rej ? IAP_ROLE_REJECTED : old ? IAP_ROLE_OLD : IAP_ROLE_NONE;
	return err;
}

int iap_state_read(const struct iap_flash *f, const struct iap_layout *l,
		   struct iap_state *st)
{
	struct iap_image_hdr h;
	uint32_t trials = 0;
	int err, test = 0;

	memset(st, 0, sizeof(*st));
	err = iap_image_read_meta(f, l, &h);
	if (err == IAP_ERR_NOENT) {
		err = 0;
	} else if (!err) {
		st->installed = h.version;
		err = app_trial(f, l, &test, &trials);
		st->image = test ? IAP_IMAGE_TEST : IAP_IMAGE_CONFIRMED;
		if (test && trials < test_boots(l)) {
			st->boots_left = (uint8_t)(test_boots(l) - trials);
		}
	}
	if (err) {
		return err;
	}
	err = iap_stage_state(f, l, &h);
	if (err < 0) {
		return err;
	}
	st->stage = (uint8_t)err;
	if (err != IAP_STAGE_EMPTY) {
		st->staged = h.version;
	}
	return err == IAP_STAGE_INSTALLED ? stage_role(f, l, &st->stage_role)
					  : 0;
}

int iap_confirm(const struct iap_flash *f, const struct iap_layout *l)
{
	struct iap_image_hdr h;
	uint32_t trials;
	int test, err = iap_image_read_meta(f, l, &h);

	if (!err) {
		err = app_trial(f, l, &test, &trials);
	}
	if (!err && test) {
		err = flag_put(f, l->meta_addr + IAP_META_CONFIRM_OFF,
			       IAP_META_CONFIRM_MAGIC);
	}
	return err;
}

/* ---- copying between slots ---- */

static int all_erased(const uint8_t *p, uint32_t n)
{
	while (n--) {
		if (*p++ != IAP_FLASH_ERASED) {
			return 0;
		}
	}
	return 1;
}

/*
 * Copy len bytes (a multiple of the write unit) from src to the erased span
 * at dst through buf. Erased chunks are left alone: they read the same.
 */
static int copy_span(const struct iap_flash *f, uint32_t dst, uint32_t src,
		     uint32_t len, uint8_t *buf, uint32_t buf_size)
{
	uint32_t chunk = buf_size - buf_size % f->write_size;
	int err = 0;

	for (uint32_t off = 0, n; !err && off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		err = f->read(f->ctx, src + off, buf, n);
		if (!err && !all_erased(buf, n)) {
			err = f->prog(f->ctx, dst + off, buf, n);
		}
	}
	return err;
}

/* ---- overwrite: copy the staged image over the installed one ---- */

/* App meta first (no bootable image from here on), then the sectors. */
static int copy_stage(const struct iap_flash *f, const struct iap_layout *l,
		      uint32_t size, uint8_t *buf, uint32_t buf_size)
{
	uint32_t ws = f->write_size;
	int err;

	err = iap_flash_erase_span(f, l->meta_addr, l->meta_size);
	if (!err) {
		err = iap_flash_erase_span(f, l->app_addr, size);
	}
	if (!err) {
		err = copy_span(f, l->app_addr, l->stage_addr,
				(size + ws - 1u) / ws * ws, buf, buf_size);
	}
	return err;
}

/* Whether the app slot already holds exactly the staged image. */
static int app_has(const struct iap_flash *f, const struct iap_layout *l,
		   const struct iap_image_hdr *st, uint32_t loader_version,
		   uint8_t *buf, uint32_t buf_size)
{
	struct iap_image_hdr app;

	/* Both came out of iap_image_hdr_decode(), which zeroes first. */
	return iap_image_read_meta(f, l, &app) == 0 &&
	       memcmp(&app, st, sizeof(app)) == 0 &&
	       iap_image_verify_slot(f, l, st, loader_version, buf, buf_size) ==
		       0;
}

static int overwrite(const struct iap_flash *f, const struct iap_layout *l,
		     const struct iap_image_hdr *st, uint32_t loader_version,
		     uint8_t *buf, uint32_t buf_size)
{
	int err = 0;

	if (!app_has(f, l, st, loader_version, buf, buf_size)) {
		err = copy_stage(f, l, st->image_size, buf, buf_size);
		if (!err) {
			err = iap_image_verify_slot(f, l, st, loader_version,
						    buf, buf_size);
		}
		if (!err) {
			err = iap_image_write_meta(f, l, st);
		}
	}
	if (!err) {
		err = flag_put(f, l->stage_meta_addr + IAP_STAGE_INSTALLED_OFF,
			       IAP_STAGE_INSTALLED_MAGIC);
	}
	return err;
}

/*
 * ---- swap: exchange the app and stage slots sector by sector ----
 *
 * Journal region, each part written once after the erase that starts a
 * swap:
 *   0    256  header of the image going to the app slot
 *   256  256  header of the image going to the stage slot
 *   512   16  start record: magic, op, 0, count (u16), CRC-32 of the
 *             first 8 bytes, 4 x 0
 *   528       step flags, one unit each: 3 per sector of the swap
 *             (swap_step()), then the done flag.
 */
#define J_TO_STAGE 256u
#define J_START	   512u
#define J_STEPS	   IAP_JOURNAL_STEPS_OFF
#define J_MAGIC	   0x50415753u /* "SWAP" */
#define J_DONE	   0x454E4F44u /* "DONE" */
#define J_STEP	   0x50455453u /* "STEP" */

enum { OP_INSTALL = 1, OP_REVERT = 2 };

struct swap {
	uint8_t op;
	uint16_t count; /* sector indexes to exchange */
	struct iap_image_hdr to_app, to_stage;
};

static uint32_t j_flag(const struct iap_flash *f, const struct iap_layout *l,
		       uint32_t k)
{
	return l->journal_addr + J_STEPS + k * flag_len(f);
}

/* Sectors of the app slot that hold either image. */
static uint16_t swap_count(const struct iap_flash *f,
			   const struct iap_layout *l, uint32_t size)
{
	uint32_t off = 0, start, sz;
	uint16_t n = 0;

	while (off < size &&
	       iap_flash_sector(f, l->app_addr + off, &start, &sz) == 0) {
		off = start + sz - l->app_addr;
		n++;
	}
	return n;
}

static void start_record(const struct swap *s, uint8_t rec[16])
{
	memset(rec, 0, 16);
	iap_put_le32(rec, J_MAGIC);
	rec[4] = s->op;
	rec[6] = (uint8_t)s->count;
	rec[7] = (uint8_t)(s->count >> 8);
	iap_put_le32(&rec[8], iap_crc32(0, rec, 8));
}

/* 1: a swap is in progress (s filled), 0: none, or the flash error. */
static int journal_read(const struct iap_flash *f, const struct iap_layout *l,
			struct swap *s)
{
	uint8_t rec[16], want[16], raw[IAP_IMAGE_HDR_SIZE];
	int err, done = 0;

	err = f->read(f->ctx, l->journal_addr + J_START, rec, sizeof(rec));
	if (err) {
		return err;
	}
	memset(s, 0, sizeof(*s));
	s->op = rec[4];
	s->count = (uint16_t)(rec[6] | rec[7] << 8);
	start_record(s, want);
	if (memcmp(rec, want, sizeof(rec)) != 0 ||
	    (s->op != OP_INSTALL && s->op != OP_REVERT) ||
	    IAP_JOURNAL_SIZE(s->count, flag_len(f)) > l->journal_size ||
	    s->count > swap_count(f, l, l->app_size)) {
		return 0; /* erased, torn or foreign: nothing started */
	}
	err = flag_get(f, j_flag(f, l, 3u * s->count), &done);
	if (err || done) {
		return err;
	}
	err = f->read(f->ctx, l->journal_addr, raw, sizeof(raw));
	if (!err && iap_image_hdr_decode(raw, &s->to_app) != 0) {
		return 0;
	}
	if (!err) {
		err = f->read(f->ctx, l->journal_addr + J_TO_STAGE, raw,
			      sizeof(raw));
	}
	if (!err && iap_image_hdr_decode(raw, &s->to_stage) != 0) {
		return 0;
	}
	return err ? err : 1;
}

/* Erase the journal, write both headers, then the start record. */
static int journal_begin(const struct iap_flash *f, const struct iap_layout *l,
			 const struct swap *s)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	int err = iap_flash_erase_span(f, l->journal_addr, l->journal_size);

	if (!err) {
		iap_image_hdr_encode(&s->to_app, raw);
		err = f->prog(f->ctx, l->journal_addr, raw, sizeof(raw));
	}
	if (!err) {
		iap_image_hdr_encode(&s->to_stage, raw);
		err = f->prog(f->ctx, l->journal_addr + J_TO_STAGE, raw,
			      sizeof(raw));
	}
	if (!err) {
		start_record(s, raw);
		err = f->prog(f->ctx, l->journal_addr + J_START, raw, 16);
	}
	return err;
}

/*
 * Journal step k of a swap of count sectors, the sector at slot offset off
 * (size sz) being the one of index k / 3: erase dst, copy src there.
 * Through the scratch, per sector i: scratch <- stage[i], stage[i] <-
 * app[i], app[i] <- scratch. By moving (all sectors the same size, the
 * scratch is app[n]): app[j + 1] <- app[j] for j = count - 1 down to 0,
 * then per sector i: app[i] <- stage[i], stage[i] <- app[i + 1].
 * Either way the source of a step is intact until its flag is written.
 */
static int swap_step(const struct iap_flash *f, const struct iap_layout *l,
		     uint32_t count, uint32_t k, uint32_t off, uint32_t sz,
		     uint8_t *buf, uint32_t buf_size)
{
	uint32_t app = l->app_addr, stage = l->stage_addr, src, dst;
	int err;

	if (!iap_layout_swap_moves(l)) {
		const uint32_t s3[3] = {stage + off, app + off,
					l->scratch_addr};
		const uint32_t d3[3] = {l->scratch_addr, stage + off,
					app + off};

		src = s3[k % 3u];
		dst = d3[k % 3u];
	} else if (k < count) {
		src = app + (count - 1u - k) * sz;
		dst = src + sz;
	} else {
		uint32_t i = (k - count) / 2u;

		src = (k - count) % 2u ? app + (i + 1u) * sz : stage + i * sz;
		dst = (k - count) % 2u ? stage + i * sz : app + i * sz;
	}
	err = iap_flash_erase_span(f, dst, sz);
	return err ? err : copy_span(f, dst, src, sz, buf, buf_size);
}

/* Rewrite both meta records from the journal: the step that ends a swap. */
static int swap_records(const struct iap_flash *f, const struct iap_layout *l,
			const struct swap *s)
{
	uint32_t sm = l->stage_meta_addr;
	int err = iap_flash_erase_span(f, l->meta_addr, l->meta_size);

	if (!err) {
		err = iap_image_write_meta(f, l, &s->to_app);
	}
	if (!err && s->op == OP_INSTALL) {
		err = flag_put(f, l->meta_addr + IAP_META_TEST_OFF,
			       IAP_META_TEST_MAGIC);
	}
	if (!err) {
		err = iap_flash_erase_span(f, sm, l->stage_meta_size);
	}
	if (!err) {
		err = iap_image_write_record(f, sm, &s->to_stage);
	}
	if (!err) {
		err = flag_put(f, sm + IAP_STAGE_INSTALLED_OFF,
			       IAP_STAGE_INSTALLED_MAGIC);
	}
	if (!err) {
		err = s->op == OP_INSTALL
			      ? flag_put(f, sm + IAP_STAGE_OLD_OFF,
					 IAP_STAGE_OLD_MAGIC)
			      : flag_put(f, sm + IAP_STAGE_REJECTED_OFF,
					 IAP_STAGE_REJECTED_MAGIC);
	}
	return err;
}

/* Run (or resume) a started swap to its done flag. */
static int swap_run(const struct iap_flash *f, const struct iap_layout *l,
		    const struct swap *s, uint8_t *buf, uint32_t buf_size)
{
	uint32_t off = 0, start, sz;
	int err = 0, set;

	for (uint32_t i = 0; !err && i < s->count; i++) {
		err = iap_flash_sector(f, l->app_addr + off, &start, &sz);
		for (uint32_t k = 3u * i; !err && k < 3u * i + 3u; k++) {
			err = flag_get(f, j_flag(f, l, k), &set);
			if (!err && !set) {
				err = swap_step(f, l, s->count, k, off, sz, buf,
						buf_size);
				if (!err) {
					err = flag_put(f, j_flag(f, l, k),
						       J_STEP);
				}
			}
		}
		off += sz;
	}
	if (!err) {
		err = swap_records(f, l, s);
	}
	return err ? err : flag_put(f, j_flag(f, l, 3u * s->count), J_DONE);
}

static int swap_start(const struct iap_flash *f, const struct iap_layout *l,
		      struct swap *s, uint8_t op, uint8_t *buf,
		      uint32_t buf_size)
{
	uint32_t a = s->to_app.image_size, b = s->to_stage.image_size;
	uint32_t room =
		l->app_size < l->stage_size ? l->app_size : l->stage_size;
	int err;

	/* Each image goes to the other slot: a record whose size does not
	 * fit (written from outside; the loader never writes one) would
	 * carry the swap past the slots. Nothing is written. */
	if (a > room || b > room) {
		return IAP_ERR_FBIG;
	}
	s->op = op;
	s->count = swap_count(f, l, a > b ? a : b);
	err = journal_begin(f, l, s);
	return err ? err : swap_run(f, l, s, buf, buf_size);
}

/* A pending staged image: swap it in (or copy, with nothing to keep). */
static int swap_install(const struct iap_flash *f, const struct iap_layout *l,
			const struct iap_image_hdr *st, uint8_t *buf,
			uint32_t buf_size, uint32_t loader_version)
{
	struct swap s;

	s.to_app = *st;
	if (iap_image_read_meta(f, l, &s.to_stage) != 0) {
		/* No installed image to come back to. */
		return overwrite(f, l, st, loader_version, buf, buf_size);
	}
	return swap_start(f, l, &s, OP_INSTALL, buf, buf_size);
}

/* The image on trial used its boots without confirming: swap back. */
static int revert(const struct iap_flash *f, const struct iap_layout *l,
		  uint32_t loader_version, uint8_t *buf, uint32_t buf_size)
{
	struct swap s;
	uint8_t role = IAP_ROLE_NONE;
	int err = iap_image_read_meta(f, l, &s.to_stage);

	if (!err) {
		err = iap_stage_state(f, l, &s.to_app);
	}
	if (err == IAP_STAGE_INSTALLED) {
		err = stage_role(f, l, &role);
	} else if (err >= 0) {
		err = IAP_ERR_NOENT;
	}
	if (!err && role != IAP_ROLE_OLD) {
		err = IAP_ERR_NOENT;
	}
	if (!err) {
		err = iap_image_verify_at(f, l, &s.to_app, l->stage_addr,
					  loader_version, buf, buf_size);
	}
	return err ? err : swap_start(f, l, &s, OP_REVERT, buf, buf_size);
}

static void record(struct iap_boot_record *rec, uint8_t event, int err)
{
	rec->event = event;
	rec->err = (int16_t)err;
}

/* Count a boot on trial, or revert once they are used up. */
static int trial(const struct iap_flash *f, const struct iap_layout *l,
		 uint32_t loader_version, uint8_t *buf, uint32_t buf_size,
		 struct iap_boot_record *rec)
{
	uint32_t trials;
	int test, err = app_trial(f, l, &test, &trials);

	if (err || !test) {
		return err;
	}
	if (trials < test_boots(l)) {
		err = flag_put(f,
			       l->meta_addr + IAP_META_TRIAL_OFF + 16u * trials,
			       IAP_META_TRIAL_MAGIC);
		if (!err && rec->event == IAP_EVENT_NONE) {
			record(rec, IAP_EVENT_TRIAL, 0);
		}
		return err;
	}
	err = revert(f, l, loader_version, buf, buf_size);
	if (err == IAP_ERR_CANCELED) {
		return err;
	}
	/* Nothing to go back to: the image on trial keeps running. */
	record(rec, err ? IAP_EVENT_INSTALL_FAILED : IAP_EVENT_REVERTED,
	       err ? err : IAP_ERR_UNCONFIRMED);
	return err;
}

int iap_install(const struct iap_flash *f, const struct iap_layout *l,
		uint32_t loader_version, uint8_t *scratch,
		uint32_t scratch_size, struct iap_boot_record *rec)
{
	struct iap_image_hdr st;
	struct swap s;
	int err;

	memset(rec, 0, sizeof(*rec));
	/* A layout the decision will refuse is not written to either. */
	if ((!is_swap(l) && !is_overwrite(l)) || scratch_size < 16 ||
	    iap_layout_check(l, f) != 0) {
		return 0;
	}
	err = is_swap(l) ? journal_read(f, l, &s) : 0;
	if (err == 1) {
		/* A swap was cut: finish it before anything else. */
		err = swap_run(f, l, &s, scratch, scratch_size);
		record(rec,
		       err		    ? IAP_EVENT_INSTALL_FAILED
		       : s.op == OP_INSTALL ? IAP_EVENT_INSTALLED
					    : IAP_EVENT_REVERTED,
		       err		   ? err
		       : s.op == OP_REVERT ? IAP_ERR_UNCONFIRMED
					   : 0);
	} else if (!err) {
		err = iap_stage_state(f, l, &st);
	}
	if (err == IAP_STAGE_PENDING) {
		err = st.image_size > l->stage_size
			      ? IAP_ERR_FBIG
			      : iap_image_verify_at(f, l, &st, l->stage_addr,
						    loader_version, scratch,
						    scratch_size);
		if (err && err != IAP_ERR_CANCELED) {
			/* Never installed; the image in the app slot stays. */
			record(rec, IAP_EVENT_REFUSED, err);
			err = 0;
		} else if (!err) {
			err = is_swap(l) ? swap_install(f, l, &st, scratch,
							scratch_size,
							loader_version)
					 : overwrite(f, l, &st, loader_version,
						     scratch, scratch_size);
			record(rec,
			       err ? IAP_EVENT_INSTALL_FAILED
				   : IAP_EVENT_INSTALLED,
			       err);
		}
	} else if (err > 0) {
		err = 0; /* nothing staged, or already installed */
	}
	if (!err && is_swap(l)) {
		err = trial(f, l, loader_version, scratch, scratch_size, rec);
	}
	return err;
}
