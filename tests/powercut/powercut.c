/*
 * Power-cut harness, see powercut.h and docs/POWERCUT.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iap/iap_err.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"
#include "iap/iap_sha256.h"
#include "powercut.h"

#define LOADER_VER                                                             \
	IAP_LOADER_VERSION(IAP_LOADER_VERSION_MAJOR, IAP_LOADER_VERSION_MINOR, \
			   IAP_LOADER_VERSION_PATCH)

#define BOOT_TRIES 5 /* power-ons before a decision counts as stuck */

uint64_t pc_mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15u);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

const char *pc_mode_str(int mode)
{
	return mode == SIM_CUT_TORN ? "torn" : "clean";
}

const char *pc_version_str(const struct iap_image_hdr *h, char *buf, size_t len)
{
	snprintf(buf, len, "v%u.%u.%u+%" PRIu32, (unsigned)h->version.major,
		 (unsigned)h->version.minor, (unsigned)h->version.patch,
		 h->version.build);
	return buf;
}

/* ---- the watched flash: every operation the core asks for ---- */

static void note_span(struct pc_dev *d, uint32_t lo, uint32_t hi)
{
	if (lo < d->span_lo) {
		d->span_lo = lo;
	}
	if (hi > d->span_hi) {
		d->span_hi = hi;
	}
}

static void note_op(struct pc_dev *d, int op, uint32_t addr, uint32_t len,
		    int err, uint64_t cuts_before)
{
	int hit = d->sf.cuts != cuts_before;

	/* Refused calls (alignment, a dead flash) did nothing. */
	if (err && !hit) {
		return;
	}
	if (d->trace_len < PC_TRACE) {
		struct pc_op *t = &d->trace[d->trace_len];

		t->op = (uint8_t)op;
		t->addr = addr;
		t->len = len;
		t->hit = (uint8_t)hit;
	}
	d->trace_len++;
	note_span(d, addr, addr + len);
	if (d->st->is_commit(d, op, addr, len)) {
		d->commit_reached = 1;
		d->commit_done |= !hit;
	}
	if (d->st->is_final && d->st->is_final(d, op, addr, len)) {
		d->final_done |= !hit;
	}
}

static int watch_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct pc_dev *d = ctx;

	return d->sf.ops.read(d->sf.ops.ctx, addr, buf, len);
}

static int watch_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct pc_dev *d = ctx;
	uint64_t cuts = d->sf.cuts;
	int err = d->sf.ops.prog(d->sf.ops.ctx, addr, buf, len);

	note_op(d, SIM_OP_PROG, addr, len, err, cuts);
	return err;
}

static int watch_erase(void *ctx, uint32_t addr)
{
	struct pc_dev *d = ctx;
	uint64_t cuts = d->sf.cuts;
	uint32_t start = addr, size = 0;
	int err = d->sf.ops.erase(d->sf.ops.ctx, addr);

	(void)iap_flash_sector(&d->sf.ops, addr, &start, &size);
	note_op(d, SIM_OP_ERASE, start, size, err, cuts);
	return err;
}

void pc_print_trace(const struct pc_dev *d, const char *prefix)
{
	uint32_t n = d->trace_len < PC_TRACE ? d->trace_len : PC_TRACE;

	for (uint32_t i = 0; i < n; i++) {
		const struct pc_op *t = &d->trace[i];

		fprintf(stderr,
			"%s op %" PRIu32 ": %-7s 0x%08" PRIx32 " %6" PRIu32
			" bytes%s\n",
			prefix, i + 1,
			t->op == SIM_OP_ERASE ? "erase" : "program", t->addr,
			t->len, t->hit ? "  <- power cut" : "");
	}
}

/* ---- the line between host and device ---- */

static int dev_send(void *ctx, const uint8_t *data, size_t len)
{
	struct pc_dev *d = ctx;

	if (len > sizeof(d->out) - d->out_len) {
		return IAP_ERR_OVERFLOW;
	}
	memcpy(&d->out[d->out_len], data, len);
	d->out_len += len;
	return 0;
}

/* The host writes: the device handles it at once. A device that lost its
 * power answers nothing and the host sees the line go dead. */
static int line_write(void *ctx, const uint8_t *data, size_t len)
{
	struct pc_dev *d = ctx;
	int r;

	if (d->sf.dead) {
		return IAP_ERR_CANCELED;
	}
	r = iap_loader_poll(&d->ld, 0, data, len);
	if (d->sf.dead) {
		d->out_len = 0;
		d->out_pos = 0;
		return IAP_ERR_CANCELED;
	}
	if (r < 0) {
		return r;
	}
	if (r == IAP_LOADER_JUMP) {
		d->jumped = 1;
	}
	return 0;
}

static int line_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct pc_dev *d = ctx;
	size_t n = d->out_len - d->out_pos;

	(void)timeout_ms;
	if (!n) {
		d->out_len = 0;
		d->out_pos = 0;
		return 0;
	}
	n = n < cap ? n : cap;
	memcpy(buf, &d->out[d->out_pos], n);
	d->out_pos += n;
	return (int)n;
}

/* Reset into the loader, with or without the application's request. */
static int dev_reset(struct pc_dev *d, int request)
{
	int r;

	d->out_len = 0;
	d->out_pos = 0;
	d->jumped = 0;
	r = iap_loader_start(&d->ld, &d->cfg, request, 0);
	if (d->sf.dead) {
		return IAP_ERR_CANCELED;
	}
	return r;
}

static void fill_outcome(const struct pc_dev *d, int r, struct pc_outcome *o)
{
	o->jumped = r == IAP_LOADER_JUMP;
	o->reason = d->ld.boot.reason;
	o->err = d->ld.boot.err;
	o->jump_addr = d->ld.boot.jump_addr;
	if (o->jumped) {
		o->hdr = d->ld.boot.hdr;
	}
}

/* ---- strategy: single slot over the protocol ---- */

static int proto_upload(struct pc_dev *d, const struct pc_image *img,
			uint8_t slot, int boot)
{
	struct iap_client *cl = d->cl;
	uint32_t ws, chunk, padded, off = 0;
	int err;

	err = iap_client_hello(cl, 1000);
	if (err) {
		return err;
	}
	ws = cl->info.write_size;
	if (!ws || ws > 16 || cl->info.max_payload <= IAP_WRITE_REQ_HDR + ws) {
		return IAP_ERR_PROTO;
	}
	padded = (img->size + ws - 1u) / ws * ws;
	if (padded > img->alloc) {
		return IAP_ERR_INVAL;
	}
	chunk = cl->info.max_payload - IAP_WRITE_REQ_HDR;
	chunk -= chunk % ws;
	if (slot == IAP_SLOT_STAGE && !(cl->info.caps & IAP_CAP_STAGE)) {
		return IAP_ERR_NOTSUP;
	}
	err = iap_client_start_slot(cl, slot, &img->hdr);
	while (!err && off < padded) {
		uint32_t n = padded - off < chunk ? padded - off : chunk;
		uint32_t next = 0;

		err = iap_client_write(cl, off, &img->data[off], (uint16_t)n,
				       &next);
		if (!err && next != off + n) {
			err = IAP_ERR_PROTO;
		}
		off += n;
	}
	if (!err) {
		err = iap_client_finish(cl);
	}
	if (!err && !boot) {
		return 0;
	}
	if (!err) {
		err = iap_client_boot(cl);
	}
	if (!err && !d->jumped) {
		err = IAP_ERR_PROTO;
	}
	return err;
}

static int proto_update_slot(struct pc_dev *d, const struct pc_image *img,
			     uint8_t slot, int boot)
{
	int r = dev_reset(d, 1);

	if (r >= 0 && r != IAP_LOADER_RUN) {
		r = IAP_ERR_PROTO; /* a request must open update mode */
	}
	if (r >= 0) {
		iap_client_init(d->cl, line_write, line_read, d, d->seq);
		d->seq = (uint8_t)(d->seq + 61u);
		r = proto_upload(d, img, slot, boot);
	}
	return d->sf.dead ? IAP_ERR_CANCELED : r;
}

static int proto_update(struct pc_dev *d, const struct pc_image *img)
{
	return proto_update_slot(d, img, IAP_SLOT_APP, 1);
}

static int meta_commit_word(const struct pc_dev *d, int op, uint32_t addr,
			    uint32_t len)
{
	(void)len;
	return op == SIM_OP_PROG &&
	       addr == d->layout->meta_addr + IAP_META_COMMIT_OFF;
}

static int loader_boot(struct pc_dev *d, struct pc_outcome *out)
{
	int r = dev_reset(d, 0);

	if (r < 0) {
		return r;
	}
	fill_outcome(d, r, out);
	return 0;
}

const struct pc_strategy pc_single_slot = {
	.name = "single-slot",
	.may_wait = 1,
	.update = proto_update,
	.is_commit = meta_commit_word,
	.boot = loader_boot,
};

/* ---- strategy: overwrite, stage over the protocol, install at boot ---- */

static int staged_update(struct pc_dev *d, const struct pc_image *img)
{
	return proto_update_slot(d, img, IAP_SLOT_STAGE, 1);
}

/* The staged record's commit word: from here on the image is pending. */
static int stage_commit_word(const struct pc_dev *d, int op, uint32_t addr,
			     uint32_t len)
{
	(void)len;
	return op == SIM_OP_PROG &&
	       addr == d->layout->stage_meta_addr + IAP_META_COMMIT_OFF;
}

const struct pc_strategy pc_overwrite = {
	.name = "overwrite",
	.may_wait = 0,
	.staged = IAP_INSTALL_OVERWRITE,
	.update = staged_update,
	.is_commit = stage_commit_word,
	.is_final = stage_commit_word,
	.boot = loader_boot,
};

/* ---- strategies: swap with revert ---- */

/* The application runs: on trial, it confirms itself if it does that. */
static int app_runs(struct pc_dev *d)
{
	int err = d->confirm ? iap_confirm(&d->flash, d->layout) : 0;

	return d->sf.dead ? IAP_ERR_CANCELED : err;
}

static int swap_update(struct pc_dev *d, const struct pc_image *img)
{
	int r = staged_update(d, img);

	return r ? r : app_runs(d);
}

static int swap_boot(struct pc_dev *d, struct pc_outcome *out)
{
	int r = loader_boot(d, out);

	return r || !out->jumped ? r : app_runs(d);
}

static int confirm_flag(const struct pc_dev *d, int op, uint32_t addr,
			uint32_t len)
{
	(void)len;
	return op == SIM_OP_PROG &&
	       addr == d->layout->meta_addr + IAP_META_CONFIRM_OFF;
}

const struct pc_strategy pc_swap = {
	.name = "swap",
	.may_wait = 0,
	.staged = IAP_INSTALL_SWAP,
	.confirms = 1,
	.update = swap_update,
	.is_commit = stage_commit_word,
	.is_final = confirm_flag,
	.boot = swap_boot,
};

/* The update goes on to the power-on that swaps back (when it does). */
static int revert_update(struct pc_dev *d, const struct pc_image *img)
{
	struct pc_outcome o;
	int r = swap_update(d, img);

	return r || d->confirm ? r : swap_boot(d, &o);
}

const struct pc_strategy pc_revert = {
	.name = "revert",
	.may_wait = 0,
	.staged = IAP_INSTALL_SWAP,
	.reverts = 1,
	.update = revert_update,
	.is_commit = stage_commit_word,
	.boot = swap_boot,
};

/* ---- strategy: deliberately broken, for the self-check ---- */

static int broken_update(struct pc_dev *d, const struct pc_image *img)
{
	const struct iap_flash *f = &d->flash;
	const struct iap_layout *l = d->layout;
	uint32_t ws = f->write_size;
	uint32_t padded = (img->size + ws - 1u) / ws * ws;
	int err;

	/* The classic mistake: mark the image valid, then write it. */
	err = iap_flash_erase_span(f, l->meta_addr, l->meta_size);
	if (!err) {
		err = iap_image_write_meta(f, l, &img->hdr);
	}
	if (!err) {
		err = iap_flash_erase_span(f, l->app_addr, img->size);
	}
	for (uint32_t off = 0; !err && off < padded; off += 1024u) {
		uint32_t n = padded - off < 1024u ? padded - off : 1024u;

		err = f->prog(f->ctx, l->app_addr + off, &img->data[off], n);
	}
	return d->sf.dead ? IAP_ERR_CANCELED : err;
}

/* "Valid" when flagged and the stack pointer looks like RAM. */
static int broken_boot(struct pc_dev *d, struct pc_outcome *out)
{
	const struct iap_flash *f = &d->flash;
	const struct iap_layout *l = d->layout;
	uint8_t vec[8];
	int err;

	out->jump_addr = l->app_addr;
	err = iap_image_read_meta(f, l, &out->hdr);
	if (!err) {
		err = f->read(f->ctx, l->app_addr, vec, sizeof(vec));
	}
	if (!err) {
		err = iap_image_check_vectors(vec, l->app_addr,
					      out->hdr.image_size, l);
	}
	if (d->sf.dead) {
		return IAP_ERR_CANCELED;
	}
	out->jumped = err == 0;
	out->reason = err == 0		     ? IAP_REASON_VALID
		      : err == IAP_ERR_NOENT ? IAP_REASON_NO_IMAGE
					     : IAP_REASON_BAD_IMAGE;
	out->err = err;
	return 0;
}

const struct pc_strategy pc_broken_commit_first = {
	.name = "broken-commit-first",
	.may_wait = 1,
	.update = broken_update,
	.is_commit = meta_commit_word,
	.boot = broken_boot,
};

/* ---- strategy: overwrite with the flag first, for the self-check ---- */

static int staged_no_boot(struct pc_dev *d, const struct pc_image *img)
{
	int r = proto_update_slot(d, img, IAP_SLOT_STAGE, 0);

	if (r == 0) {
		r = d->st->boot(d, &(struct pc_outcome){.image = -1});
	}
	return d->sf.dead ? IAP_ERR_CANCELED : r;
}

/* Marks the staged image installed, then copies: a cut in between loses
 * both images. The loader that runs next finds nothing to install. */
static int flag_first_boot(struct pc_dev *d, struct pc_outcome *out)
{
	const struct iap_flash *f = &d->flash;
	const struct iap_layout *l = d->layout;
	uint32_t ws = f->write_size, n;
	uint8_t flag[16];
	struct iap_image_hdr st;
	int err = 0;

	if (iap_stage_state(f, l, &st) == IAP_STAGE_PENDING) {
		memset(flag, 0, sizeof(flag));
		iap_put_le32(flag, IAP_STAGE_INSTALLED_MAGIC);
		err = f->prog(f->ctx,
			      l->stage_meta_addr + IAP_STAGE_INSTALLED_OFF,
			      flag, ws > 4 ? ws : 4);
		if (!err) {
			err = iap_flash_erase_span(f, l->meta_addr,
						   l->meta_size);
		}
		if (!err) {
			err = iap_flash_erase_span(f, l->app_addr,
						   st.image_size);
		}
		for (uint32_t off = 0; !err && off < st.image_size; off += n) {
			n = st.image_size - off < PC_SCRATCH
				    ? (st.image_size - off + ws - 1u) / ws * ws
				    : PC_SCRATCH;
			err = f->read(f->ctx, l->stage_addr + off, d->scratch,
				      n);
			if (!err) {
				err = f->prog(f->ctx, l->app_addr + off,
					      d->scratch, n);
			}
		}
		if (!err) {
			err = iap_image_write_meta(f, l, &st);
		}
	}
	if (d->sf.dead) {
		return IAP_ERR_CANCELED;
	}
	return err ? err : loader_boot(d, out);
}

const struct pc_strategy pc_broken_flag_first = {
	.name = "broken-flag-first",
	.may_wait = 0,
	.staged = IAP_INSTALL_OVERWRITE,
	.update = staged_no_boot,
	.is_commit = stage_commit_word,
	.boot = flag_first_boot,
};

/* ---- strategy: swap without a journal, for the self-check ---- */

static int copy_sector(struct pc_dev *d, uint32_t dst, uint32_t src,
		       uint32_t len)
{
	const struct iap_flash *f = &d->flash;
	int err = iap_flash_erase_span(f, dst, len);

	for (uint32_t off = 0; !err && off < len; off += PC_SCRATCH) {
		uint32_t n = len - off < PC_SCRATCH ? len - off : PC_SCRATCH;

		err = f->read(f->ctx, src + off, d->scratch, n);
		if (!err) {
			err = f->prog(f->ctx, dst + off, d->scratch, n);
		}
	}
	return err;
}

/* Exchanges the slots through the scratch with no record of how far it
 * got: a cut leaves both half swapped, and nothing to resume from. */
static int unjournaled_boot(struct pc_dev *d, struct pc_outcome *out)
{
	const struct iap_flash *f = &d->flash;
	const struct iap_layout *l = d->layout;
	struct iap_image_hdr st, old;
	uint32_t start, sz;
	int err = 0;

	if (iap_stage_state(f, l, &st) == IAP_STAGE_PENDING &&
	    iap_image_read_meta(f, l, &old) == 0) {
		uint32_t size = st.image_size > old.image_size ? st.image_size
							       : old.image_size;

		for (uint32_t off = 0; !err && off < size; off += sz) {
			err = iap_flash_sector(f, l->app_addr + off, &start,
					       &sz);
			if (!err) {
				err = copy_sector(d, l->scratch_addr,
						  l->stage_addr + off, sz);
			}
			if (!err) {
				err = copy_sector(d, l->stage_addr + off,
						  l->app_addr + off, sz);
			}
			if (!err) {
				err = copy_sector(d, l->app_addr + off,
						  l->scratch_addr, sz);
			}
		}
		if (!err) {
			err = iap_flash_erase_span(f, l->meta_addr,
						   l->meta_size);
		}
		if (!err) {
			err = iap_image_write_meta(f, l, &st);
		}
		if (!err) {
			err = iap_flash_erase_span(f, l->stage_meta_addr,
						   l->stage_meta_size);
		}
	}
	if (d->sf.dead) {
		return IAP_ERR_CANCELED;
	}
	return err ? err : loader_boot(d, out);
}

const struct pc_strategy pc_broken_unjournaled = {
	.name = "broken-unjournaled-swap",
	.may_wait = 0,
	.staged = IAP_INSTALL_SWAP,
	.update = staged_no_boot,
	.is_commit = stage_commit_word,
	.is_final = stage_commit_word,
	.boot = unjournaled_boot,
};

const struct pc_strategy *pc_strategy_find(const char *name)
{
	static const struct pc_strategy *const all[] = {
		&pc_single_slot, &pc_overwrite,		  &pc_swap,
		&pc_revert,	 &pc_broken_commit_first, &pc_broken_flag_first,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(all[i]->name, name) == 0) {
			return all[i];
		}
	}
	return NULL;
}

/* ---- device, images, history ---- */

int pc_dev_open(struct pc_dev *d, const char *name,
		const struct pc_strategy *st)
{
	struct iap_server_cfg *sc;
	int fd;

	memset(d, 0, sizeof(*d));
	d->board = sim_board_find(name);
	if (!d->board) {
		fprintf(stderr, "powercut: unknown board %s\n", name);
		return IAP_ERR_INVAL;
	}
	d->layout = &d->board->layout;
	d->st = st;
	d->confirm = st->confirms;
	if (st->staged && (int)d->layout->install != st->staged) {
		fprintf(stderr, "powercut: board %s has no %s install\n", name,
			st->name);
		return IAP_ERR_INVAL;
	}
	snprintf(d->path, sizeof(d->path), "/tmp/iap-powercut-XXXXXX");
	fd = mkstemp(d->path);
	if (fd < 0) {
		perror("powercut: mkstemp");
		return IAP_ERR_IO;
	}
	close(fd);
	d->cl = calloc(1, sizeof(*d->cl));
	if (!d->cl || sim_flash_open(&d->sf, d->board, d->path) != 0) {
		free(d->cl);
		unlink(d->path);
		return IAP_ERR_IO;
	}
	d->sf.cut_action = SIM_CUT_HALT;
	d->flash = d->sf.ops;
	d->flash.ctx = d;
	d->flash.read = watch_read;
	d->flash.prog = watch_prog;
	d->flash.erase = watch_erase;
	d->span_lo = UINT32_MAX;
	d->seq = 1;

	sc = &d->cfg.server;
	sc->flash = &d->flash;
	sc->layout = d->layout;
	sc->loader_version = LOADER_VER;
	sc->rx_buf = d->rx;
	sc->rx_cap = d->board->max_payload;
	sc->tx_buf = d->tx;
	sc->tx_cap = (uint16_t)sizeof(d->tx);
	sc->scratch = d->scratch;
	sc->scratch_size = (uint32_t)sizeof(d->scratch);
	sc->send = dev_send;
	sc->send_ctx = d;
	/* Boot at once; never leave update mode by a timer. */
	d->cfg.hello_ms = 0;
	d->cfg.idle_ms = 0;
	d->cfg.gap_ms = 0;
	return 0;
}

void pc_dev_close(struct pc_dev *d)
{
	sim_flash_close(&d->sf);
	unlink(d->path);
	free(d->cl);
	d->cl = NULL;
}

int pc_dev_reset(struct pc_dev *d)
{
	const struct iap_layout *l = d->layout;
	uint32_t addr = d->span_lo;

	sim_flash_power_on(&d->sf);
	if (addr < l->boot_addr + l->boot_size) {
		addr = l->boot_addr + l->boot_size;
	}
	while (addr < d->span_hi) {
		uint32_t start, size;
		int err = iap_flash_sector(&d->sf.ops, addr, &start, &size);

		if (!err) {
			err = d->sf.ops.erase(d->sf.ops.ctx, start);
		}
		if (err) {
			return err;
		}
		addr = start + size;
	}
	d->span_lo = UINT32_MAX;
	d->span_hi = 0;
	d->trace_len = 0;
	d->commit_reached = 0;
	d->commit_done = 0;
	d->final_done = 0;
	d->seq = 1;
	return 0;
}

int pc_image_make(struct pc_image *img, const struct iap_layout *l,
		  uint32_t size, uint64_t seed, uint8_t major, uint8_t minor,
		  uint32_t build)
{
	uint64_t s = seed;

	memset(img, 0, sizeof(*img));
	if (size < 0x400u || size > l->app_size) {
		return IAP_ERR_INVAL;
	}
	img->alloc = (size + 15u) / 16u * 16u;
	img->data = malloc(img->alloc);
	if (!img->data) {
		return IAP_ERR_IO;
	}
	img->size = size;
	for (uint32_t i = 0; i < size; i += 8) {
		uint64_t x = pc_mix(&s);

		for (uint32_t j = 0; j < 8 && i + j < size; j++) {
			img->data[i + j] = (uint8_t)(x >> (8u * j));
		}
	}
	memset(&img->data[size], 0xFF, img->alloc - size);
	iap_put_le32(&img->data[0], l->ram_addr + l->ram_size);
	iap_put_le32(&img->data[4], (l->app_addr + 0x200u) | 1u);
	img->hdr.image_size = size;
	img->hdr.load_addr = l->app_addr;
	img->hdr.version.major = major;
	img->hdr.version.minor = minor;
	img->hdr.version.build = build;
	/* Later versions carry higher counters: the anti-rollback record of
	 * a board that keeps one follows them. */
	img->hdr.security_counter = major;
	iap_sha256(img->data, size, img->hdr.sha256);
	return 0;
}

void pc_image_free(struct pc_image *img)
{
	free(img->data);
	img->data = NULL;
}

int pc_history_add(struct pc_history *h, const struct pc_image *img)
{
	if (h->n >= PC_MAX_IMAGES) {
		return -1;
	}
	h->img[h->n] = img;
	h->may_boot[h->n] = 0;
	return h->n++;
}

/* ---- power-on, the invariant, attempts ---- */

static int arm(struct pc_dev *d, const struct pc_cut *cut)
{
	d->sf.cut_after = 0;
	if (!cut || !cut->at) {
		return 0;
	}
	/* cut_after 0 means "never": the first op ever cannot be cut. */
	if (d->sf.ops_done + cut->at - 1u == 0) {
		return IAP_ERR_INVAL;
	}
	d->sf.cut_after = d->sf.ops_done + cut->at - 1u;
	d->sf.cut_mode = cut->mode;
	d->sf.cut_seed = cut->seed;
	return 0;
}

int pc_boot(struct pc_dev *d, const struct pc_cut *cut, int *cuts,
	    struct pc_outcome *out)
{
	*cuts = 0;
	for (int tries = 0; tries < BOOT_TRIES; tries++) {
		uint64_t c0 = d->sf.cuts;
		int r;

		sim_flash_power_on(&d->sf);
		if (tries == 0) {
			r = arm(d, cut);
			if (r) {
				return r;
			}
		}
		memset(out, 0, sizeof(*out));
		out->image = -1;
		r = d->st->boot(d, out);
		/* A cut the decision did not reach goes with the power-on. */
		d->sf.cut_after = 0;
		if (d->sf.cuts != c0) {
			(*cuts)++;
			continue;
		}
		return r;
	}
	return IAP_ERR_CANCELED;
}

static void describe(const struct pc_outcome *o, char *buf, size_t len)
{
	char v[48];

	if (o->jumped) {
		snprintf(buf, len, "jumps to %s at 0x%08" PRIx32,
			 pc_version_str(&o->hdr, v, sizeof(v)), o->jump_addr);
	} else {
		snprintf(buf, len, "waits in update mode (%s%s%s)",
			 iap_boot_reason_str(o->reason), o->err ? ": " : "",
			 o->err ? iap_strerror(o->err) : "");
	}
}

static int same_version(const struct iap_version *a,
			const struct iap_version *b)
{
	return a->major == b->major && a->minor == b->minor &&
	       a->patch == b->patch && a->build == b->build;
}

int pc_check(const struct pc_dev *d, const struct pc_history *h,
	     struct pc_outcome *out, char *why, size_t why_len)
{
	const struct iap_layout *l = d->layout;
	uint8_t want[IAP_IMAGE_HDR_SIZE], got[IAP_IMAGE_HDR_SIZE];
	const struct pc_image *img;
	const uint8_t *slot;
	char v[48];
	int idx = -1;

	out->image = -1;
	if (!out->jumped) {
		if (!d->st->may_wait && h->booted) {
			snprintf(why, why_len,
				 "waits in update mode (%s), but strategy %s "
				 "must always keep an image",
				 iap_boot_reason_str(out->reason), d->st->name);
			return -1;
		}
		if (out->reason != IAP_REASON_NO_IMAGE &&
		    out->reason != IAP_REASON_BAD_IMAGE) {
			snprintf(why, why_len,
				 "waits in update mode for reason %d (%s)",
				 out->reason, iap_boot_reason_str(out->reason));
			return -1;
		}
		return 0;
	}
	if (out->jump_addr != l->app_addr) {
		snprintf(why, why_len,
			 "jumps to 0x%08" PRIx32 ", not the slot 0x%08" PRIx32,
			 out->jump_addr, l->app_addr);
		return -1;
	}
	for (int i = 0; i < h->n; i++) {
		if (same_version(&h->img[i]->hdr.version, &out->hdr.version)) {
			idx = i;
			break;
		}
	}
	pc_version_str(&out->hdr, v, sizeof(v));
	if (idx < 0) {
		snprintf(why, why_len, "jumps to %s, an image never offered",
			 v);
		return -1;
	}
	img = h->img[idx];
	iap_image_hdr_encode(&img->hdr, want);
	iap_image_hdr_encode(&out->hdr, got);
	if (memcmp(want, got, sizeof(want)) != 0) {
		snprintf(why, why_len,
			 "jumps with a header claiming %s that is not its "
			 "header",
			 v);
		return -1;
	}
	if (!h->may_boot[idx]) {
		snprintf(why, why_len,
			 "jumps to %s, whose update never reached its commit",
			 v);
		return -1;
	}
	slot = &d->sf.mem[l->app_addr - d->sf.base];
	for (uint32_t i = 0; memcmp(slot, img->data, img->size) != 0; i++) {
		if (slot[i] != img->data[i]) {
			snprintf(why, why_len,
				 "jumps to %s but the slot differs from it at "
				 "offset %" PRIu32 " (0x%02x, not 0x%02x)",
				 v, i, slot[i], img->data[i]);
			return -1;
		}
	}
	out->image = idx;
	return 0;
}

/*
 * The anti-rollback record after the power-ons: never above the counter of
 * the image the board runs (it would refuse it), never raised for an image
 * on trial that went back, and up to the new image's counter once that one
 * confirmed itself. Boards without a record: nothing to check.
 */
static int check_record(struct pc_dev *d, const struct pc_history *h,
			int target, const struct pc_attempt *res, char *what,
			size_t len)
{
	uint32_t rec = 0;
	int err;

	if (!d->layout->rollback_size) {
		return 0;
	}
	err = iap_rollback_read(&d->flash, d->layout->rollback_addr,
				d->layout->rollback_size, &rec);
	if (err) {
		snprintf(what, len, "the rollback record does not read: %s",
			 iap_strerror(err));
		return -1;
	}
	if (res->last.jumped && rec > res->last.hdr.security_counter) {
		snprintf(what, len,
			 "the rollback record (%u) is above the counter of the "
			 "image that runs (%u)",
			 (unsigned)rec,
			 (unsigned)res->last.hdr.security_counter);
		return -1;
	}
	if (d->final_done && d->st->confirms &&
	    rec != h->img[target]->hdr.security_counter) {
		snprintf(what, len,
			 "the new image confirmed itself, the rollback record "
			 "is %u, not its counter %u",
			 (unsigned)rec,
			 (unsigned)h->img[target]->hdr.security_counter);
		return -1;
	}
	return 0;
}

static int same_outcome(const struct pc_outcome *a, const struct pc_outcome *b)
{
	if (a->jumped != b->jumped) {
		return 0;
	}
	return a->jumped ? a->image == b->image : a->reason == b->reason;
}

/* Revert: the board went from the new image back to an older one. */
static int went_back(const struct pc_attempt *res, int target,
		     const struct pc_outcome *o)
{
	return res->last.jumped && res->last.image == target && o->jumped &&
	       o->image != target;
}

static int failf(char *why, size_t len, const char *what,
		 const struct pc_outcome *o)
{
	char desc[160];

	describe(o, desc, sizeof(desc));
	snprintf(why, len, "%s, but the board %s", what, desc);
	return -1;
}

int pc_attempt(struct pc_dev *d, struct pc_history *h, int target,
	       const struct pc_cut *cut, const struct pc_cut *boot_cut,
	       const struct pc_outcome *before, struct pc_attempt *res)
{
	uint64_t ops0 = d->sf.ops_done, cuts0 = d->sf.cuts;
	char what[256];
	int r;

	memset(res, 0, sizeof(*res));
	d->trace_len = 0;
	d->commit_reached = 0;
	d->commit_done = 0;
	d->final_done = 0;
	r = arm(d, cut);
	if (r) {
		return r;
	}
	r = d->st->update(d, h->img[target]);
	d->sf.cut_after = 0;
	res->update_err = r;
	res->ops = (uint32_t)(d->sf.ops_done - ops0);
	res->cut_taken = d->sf.cuts != cuts0;
	if (d->commit_reached) {
		h->may_boot[target] = 1;
	}
	if (!res->cut_taken && r) {
		snprintf(res->why, sizeof(res->why),
			 "update failed without a power cut: %s (%d)",
			 iap_strerror(r), r);
		res->failed = 1;
		return -1;
	}
	for (int i = 0; i < PC_REBOOTS; i++) {
		struct pc_outcome o;
		int n = 0;

		r = pc_boot(d, i == 0 ? boot_cut : NULL, &n, &o);
		res->reboot_cuts += n;
		if (r) {
			snprintf(res->why, sizeof(res->why),
				 "power-on %d: error %s (%d)", i + 1,
				 iap_strerror(r), r);
			res->failed = 1;
			return -1;
		}
		if (pc_check(d, h, &o, what, sizeof(what)) != 0) {
			snprintf(res->why, sizeof(res->why), "power-on %d: %s",
				 i + 1, what);
			res->failed = 1;
			return -1;
		}
		h->booted |= o.jumped;
		if (i == 0) {
			res->first = o;
		} else if (!same_outcome(&res->last, &o) &&
			   !(d->st->reverts && went_back(res, target, &o))) {
			char a[160];

			describe(&res->last, a, sizeof(a));
			snprintf(what, sizeof(what),
				 "power-on %d %s; power-on %d differs", i, a,
				 i + 1);
			res->failed = 1;
			failf(res->why, sizeof(res->why), what, &o);
			return -1;
		}
		res->last = o;
	}
	if (d->st->reverts) {
		/* Never confirmed: by now the board is back where it was. */
		if (before && before->jumped &&
		    !same_outcome(before, &res->last)) {
			char b[160];

			describe(before, b, sizeof(b));
			snprintf(what, sizeof(what),
				 "the new image never confirmed itself (before "
				 "the update the board %s)",
				 b);
			res->failed = 1;
			return failf(res->why, sizeof(res->why), what,
				     &res->last);
		}
	} else if (!res->cut_taken &&
		   (!res->first.jumped || res->first.image != target)) {
		res->failed = 1;
		return failf(res->why, sizeof(res->why), "the update completed",
			     &res->first);
	}
	if (d->final_done &&
	    (!res->first.jumped || res->first.image != target)) {
		res->failed = 1;
		return failf(res->why, sizeof(res->why),
			     d->st->confirms ? "the new image confirmed itself"
					     : "the staged image was committed",
			     &res->first);
	}
	if (check_record(d, h, target, res, what, sizeof(what)) != 0) {
		res->failed = 1;
		return failf(res->why, sizeof(res->why), what, &res->last);
	}
	if (res->cut_taken && res->ops == 0 && cut->mode == SIM_CUT_CLEAN &&
	    before && !same_outcome(before, &res->first)) {
		char b[160];

		describe(before, b, sizeof(b));
		snprintf(what, sizeof(what),
			 "the cut came before any flash change (before it "
			 "the board %s)",
			 b);
		res->failed = 1;
		return failf(res->why, sizeof(res->why), what, &res->first);
	}
	return 0;
}

int pc_install(struct pc_dev *d, struct pc_history *h, int idx,
	       struct pc_outcome *out, char *why, size_t why_len)
{
	char v[48], what[256];
	int cuts = 0;
	int r;

	d->trace_len = 0;
	d->commit_reached = 0;
	d->commit_done = 0;
	d->final_done = 0;
	d->sf.cut_after = 0;
	pc_version_str(&h->img[idx]->hdr, v, sizeof(v));
	/* The image that is to stay confirms itself on a swap board. */
	d->confirm = 1;
	r = d->st->update(d, h->img[idx]);
	d->confirm = d->st->confirms;
	if (d->commit_reached) {
		h->may_boot[idx] = 1;
	}
	if (r) {
		snprintf(why, why_len, "clean upload of %s failed: %s (%d)", v,
			 iap_strerror(r), r);
		return -1;
	}
	r = pc_boot(d, NULL, &cuts, out);
	if (r) {
		snprintf(why, why_len, "power-on after uploading %s: %s (%d)",
			 v, iap_strerror(r), r);
		return -1;
	}
	if (pc_check(d, h, out, what, sizeof(what)) != 0) {
		snprintf(why, why_len, "after a clean upload of %s: %s", v,
			 what);
		return -1;
	}
	h->booted |= out->jumped;
	if (!out->jumped || out->image != idx) {
		snprintf(what, sizeof(what), "clean upload of %s", v);
		return failf(why, why_len, what, out);
	}
	return 0;
}

int pc_count_ops(struct pc_dev *d, const struct pc_image *img, uint32_t *ops)
{
	uint64_t ops0 = d->sf.ops_done;
	int r;

	d->trace_len = 0;
	d->commit_reached = 0;
	d->commit_done = 0;
	d->final_done = 0;
	d->sf.cut_after = 0;
	r = d->st->update(d, img);
	*ops = (uint32_t)(d->sf.ops_done - ops0);
	return r;
}

/* ---- the sweep ---- */

static void sweep_fail(const struct pc_dev *d, const char *tag, uint32_t k,
		       uint32_t n, const struct pc_cut *cut, const char *why)
{
	char pre[160];

	fprintf(stderr,
		"%s: FAIL cut at op %" PRIu32 "/%" PRIu32
		" (%s, seed 0x%016" PRIx64 "): %s\n",
		tag, k, n, pc_mode_str(cut->mode), cut->seed, why);
	snprintf(pre, sizeof(pre), "%s:  ", tag);
	pc_print_trace(d, pre);
}

int pc_sweep(const struct pc_strategy *st, const char *board, uint32_t old_size,
	     uint32_t new_size, int mode, uint32_t seeds, int max_print,
	     struct pc_sweep_stats *s)
{
	struct pc_dev *d = calloc(1, sizeof(*d));
	struct pc_image v1, v2;
	struct pc_history h;
	struct pc_outcome before;
	char tag[96], why[PC_WHY];
	int err;

	memset(s, 0, sizeof(*s));
	if (!d) {
		return IAP_ERR_IO;
	}
	snprintf(tag, sizeof(tag), "powercut sweep %s %s %s", st->name, board,
		 pc_mode_str(mode));
	err = pc_dev_open(d, board, st);
	if (err) {
		free(d);
		return err;
	}
	err = pc_image_make(&v1, d->layout, old_size, 0x01D, 1, 0, 1);
	if (!err) {
		err = pc_image_make(&v2, d->layout, new_size, 0x2E3, 2, 0, 2);
	}
	if (err) {
		pc_dev_close(d);
		free(d);
		return err;
	}

	/* N: the operations of a clean update from v1 to v2. */
	memset(&h, 0, sizeof(h));
	pc_history_add(&h, &v1);
	pc_history_add(&h, &v2);
	err = pc_dev_reset(d);
	if (!err && pc_install(d, &h, 0, &before, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", tag, why);
		err = IAP_ERR_IO;
	}
	if (!err) {
		err = pc_count_ops(d, &v2, &s->ops);
	}
	for (uint32_t i = 0; !err && i < d->trace_len && i < PC_TRACE; i++) {
		s->erases += d->trace[i].op == SIM_OP_ERASE;
	}
	if (!err && getenv("POWERCUT_VERBOSE")) {
		fprintf(stderr,
			"%s: the clean update, v1 (%" PRIu32
			" B) -> v2 (%" PRIu32 " B):\n",
			tag, old_size, new_size);
		char pre[104];

		snprintf(pre, sizeof(pre), "%s: ", tag);
		pc_print_trace(d, pre);
	}

	for (uint32_t i = 0; !err && i < s->ops * seeds; i++) {
		uint32_t k = 1u + i / seeds;
		uint64_t seed = ((uint64_t)i << 32) ^ (uint64_t)mode ^
				(uint64_t)d->board->write_size << 16;
		struct pc_cut cut;
		struct pc_attempt res;
		int r;

		cut.at = k;
		cut.mode = mode;
		cut.seed = pc_mix(&seed);
		memset(&h, 0, sizeof(h));
		pc_history_add(&h, &v1);
		pc_history_add(&h, &v2);
		err = pc_dev_reset(d);
		if (err) {
			break;
		}
		if (pc_install(d, &h, 0, &before, why, sizeof(why)) != 0) {
			fprintf(stderr, "%s: installing v1: %s\n", tag, why);
			err = IAP_ERR_IO;
			break;
		}
		r = pc_attempt(d, &h, 1, &cut, NULL, &before, &res);
		if (r < -1) {
			err = r;
			break;
		}
		s->cuts += res.cut_taken ? 1u : 0u;
		if (r == 0 && !res.cut_taken) {
			r = -1;
			snprintf(res.why, sizeof(res.why),
				 "the cut at op %" PRIu32 " was never reached",
				 k);
		}
		if (r == 0) {
			if (!res.first.jumped) {
				s->waiting++;
			} else if (res.first.image == 1) {
				s->new_booted++;
			} else {
				s->old_booted++;
			}
			r = pc_install(d, &h, 1, &before, res.why,
				       sizeof(res.why));
		}
		if (r != 0) {
			if (s->failures < (uint32_t)max_print) {
				sweep_fail(d, tag, k, s->ops, &cut, res.why);
			}
			s->failures++;
		}
	}
	pc_image_free(&v1);
	pc_image_free(&v2);
	pc_dev_close(d);
	free(d);
	return err;
}
