/*
 * iapboot - device side of protocol v1: one handler per command.
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_rollback.h"
#include "iap/iap_server.h"
#include "iap/iap_sha256.h"

/* A HASH answer fits the smallest response buffer. */
typedef char iap_hash_answer_fits
	[IAP_FRAME_OVERHEAD + IAP_STATUS_SIZE + IAP_HASH_RESP_HDR +
				 IAP_HASH_MAX_ENTRIES * IAP_HASH_DIGEST_SIZE <=
			 IAP_SERVER_TX_MIN
		 ? 1
		 : -1];

/*
 * Progress events: the flash ops seen through a counter. A request that
 * erases or reads for long sets a phase; every IAP_PROGRESS_STEPS-th of
 * its work sends a PROGRESS frame with the seq of that request.
 */
static int emit(struct iap_server *s, uint8_t cmd, int status,
		uint16_t body_len);

static void progress(struct iap_server *s, uint32_t n)
{
	uint8_t *b = &s->cfg.tx_buf[IAP_FRAME_HDR_SIZE + IAP_STATUS_SIZE];

	if (!s->phase || !s->total || s->next_event == UINT32_MAX) {
		return;
	}
	s->done = n < s->total - s->done ? s->done + n : s->total;
	if (s->done < s->next_event && s->done < s->total) {
		return;
	}
	/* The last event says done == total; then none. */
	s->next_event = s->done < s->total
				? s->done + s->total / IAP_PROGRESS_STEPS
				: UINT32_MAX;
	/* tx_buf: the request's own answer replaces it when it is done. */
	b[0] = s->phase;
	b[1] = 0;
	iap_put_le32(&b[2], s->done);
	iap_put_le32(&b[6], s->total);
	(void)emit(s, IAP_CMD_PROGRESS, 0, IAP_PROGRESS_SIZE - IAP_STATUS_SIZE);
}

static int pf_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct iap_server *s = ctx;
	const struct iap_flash *f = s->cfg.flash;
	int err = f->read(f->ctx, addr, buf, len);

	progress(s, len);
	return err;
}

/* In [base, base + size)? */
static int inside(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
	return addr >= base && len <= size && addr - base <= size - len;
}

/*
 * What a request may change: the slots and their meta regions. The
 * bootloader, the journal, the scratch and the anti-rollback record are
 * written by the boot path's own rules only, never on a host's behalf.
 * The writer never aims elsewhere; this second fence is built where it
 * guards something (a core with signatures: on an open device any host
 * may install any code anyway).
 */
static int writable(const struct iap_server *s, uint32_t addr, uint32_t len)
{
	const struct iap_layout *l = s->cfg.layout;

	if (!IAP_CFG_TRUST) {
		return 1;
	}

	/* Constant 0 in a core built without install strategies. */
	int staged = IAP_INSTALL_BUILT(IAP_INSTALL_OVERWRITE) ||
		     IAP_INSTALL_BUILT(IAP_INSTALL_SWAP);

	return inside(addr, len, l->app_addr, l->app_size) ||
	       inside(addr, len, l->meta_addr, l->meta_size) ||
	       (staged &&
		(inside(addr, len, l->stage_addr, l->stage_size) ||
		 inside(addr, len, l->stage_meta_addr, l->stage_meta_size)));
}

static int pf_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	const struct iap_server *s = ctx;
	const struct iap_flash *f = s->cfg.flash;

	if (!writable(s, addr, len)) {
		return IAP_ERR_FAULT;
	}
	return f->prog(f->ctx, addr, buf, len);
}

static int pf_erase(void *ctx, uint32_t addr)
{
	struct iap_server *s = ctx;
	const struct iap_flash *f = s->cfg.flash;
	uint32_t start = addr, size = 0;
	int err = iap_flash_sector(f, addr, &start, &size);

	if (!err && (start != addr || !writable(s, addr, size))) {
		err = IAP_ERR_FAULT;
	}
	if (!err) {
		err = f->erase(f->ctx, addr);
	}
	progress(s, size);
	return err;
}

/* Phase ph of total bytes begins (when START asked); 0 ends it. */
static void phase(struct iap_server *s, uint8_t ph, uint32_t total)
{
	s->phase = s->events ? ph : 0u;
	s->done = 0;
	s->total = total;
	s->next_event = total / IAP_PROGRESS_STEPS;
}

int iap_server_init(struct iap_server *s, const struct iap_server_cfg *cfg,
		    int app_valid, const struct iap_image_hdr *app)
{
	if (!cfg->flash || !cfg->layout || !cfg->send || !cfg->rx_buf ||
	    !cfg->tx_buf || !cfg->scratch || cfg->rx_cap < IAP_MIN_PAYLOAD ||
	    cfg->tx_cap < IAP_SERVER_TX_MIN || cfg->scratch_size < 16) {
		return IAP_ERR_INVAL;
	}
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	iap_dec_init(&s->dec, cfg->rx_buf, cfg->rx_cap);
	s->pf = *cfg->flash;
	s->pf.ctx = s;
	s->pf.read = pf_read;
	s->pf.prog = pf_prog;
	s->pf.erase = pf_erase;
	s->state = IAP_STATE_IDLE;
	if (app_valid && app) {
		s->app_valid = 1;
		s->app = *app;
	}
	return 0;
}

void iap_server_line_idle(struct iap_server *s)
{
	iap_dec_reset(&s->dec);
}

/* Body of the response goes at body(); respond() frames and sends it. */
static uint8_t *body(struct iap_server *s)
{
	return &s->cfg.tx_buf[IAP_FRAME_HDR_SIZE + IAP_STATUS_SIZE];
}

/* Frame what body() holds behind status as cmd's answer and send it. */
static int emit(struct iap_server *s, uint8_t cmd, int status,
		uint16_t body_len)
{
	uint8_t *payload = &s->cfg.tx_buf[IAP_FRAME_HDR_SIZE];
	int n;

	iap_put_le16(payload, (uint16_t)(int16_t)status);
	n = iap_frame_encode(s->cfg.tx_buf, s->cfg.tx_cap,
			     (uint8_t)(cmd | IAP_CMD_RESP), s->dec.seq, payload,
			     (uint16_t)(IAP_STATUS_SIZE + body_len));
	if (n < 0) {
		return n;
	}
	s->last_len = (uint16_t)n;
	return s->cfg.send(s->cfg.send_ctx, s->cfg.tx_buf, (size_t)n);
}

static int respond(struct iap_server *s, int status, uint16_t body_len)
{
	if (status) {
		s->refused++;
	}
	s->last_cmd = s->dec.cmd;
	s->last_seq = s->dec.seq;
	s->have_last = 1;
	return emit(s, s->dec.cmd, status, body_len);
}

/* The installed image's trial state and the stage slot, from flash. */
static void stage_info(struct iap_server *s, struct iap_info *in)
{
	struct iap_state st;

	if (iap_state_read(s->cfg.flash, s->cfg.layout, &st) != 0) {
		return;
	}
	in->app_state = st.image;
	in->boots_left = st.boots_left;
	in->stage_state = st.stage;
	in->stage_role = st.stage_role;
	if (st.stage != IAP_STAGE_EMPTY) {
		in->stage_ver_major = st.staged.major;
		in->stage_ver_minor = st.staged.minor;
		in->stage_ver_patch = st.staged.patch;
		in->stage_ver_build = st.staged.build;
	}
}

/* log2 of the decompressor's window; 0 without a usable one. */
static uint8_t lzss_bits(const struct iap_server_cfg *c)
{
	uint8_t b = IAP_LZSS_MIN_BITS;

	if (!c->lzss_win) {
		return 0;
	}
	while (b < IAP_LZSS_MAX_BITS && (2u << b) <= c->lzss_win_size) {
		b++;
	}
	return (1u << b) <= c->lzss_win_size ? b : 0u;
}

/* Frames in flight the receive ring can hold while the flash is busy. */
static uint8_t window(const struct iap_server_cfg *c)
{
	uint32_t w = c->rx_ring / ((uint32_t)c->rx_cap + IAP_FRAME_OVERHEAD);

	if (w < 1u) {
		w = 1u;
	}
	return (uint8_t)(w > IAP_WINDOW_MAX ? IAP_WINDOW_MAX : w);
}

/* What the device trusts, and its anti-rollback record. */
static void trust_info(struct iap_server *s, struct iap_info *in)
{
	const struct iap_layout *l = s->cfg.layout;
	const struct iap_trust *t = l->trust;

	if (!IAP_CFG_TRUST) {
		return; /* the layout check refused a trust or a record */
	}
	if (t) {
		in->trust = IAP_TRUST_INFO_SIGNED;
		if (t->flags & IAP_TRUST_F_BOOT_SIG) {
			in->trust |= IAP_TRUST_INFO_BOOT_SIG;
		}
		for (uint32_t i = 0; i < t->key_count; i++) {
			if (t->keys[i].flags & IAP_PUBKEY_F_SAMPLE) {
				in->trust |= IAP_TRUST_INFO_SAMPLE;
			}
		}
		in->key_count =
			(uint8_t)(t->key_count > 255u ? 255u : t->key_count);
	}
	if (IAP_CFG_TRUST && l->rollback_size) {
		in->trust |= IAP_TRUST_INFO_ROLLBACK;
		(void)iap_rollback_read(s->cfg.flash, l->rollback_addr,
					l->rollback_size, &in->rollback);
	}
	if (s->app_valid) {
		in->app_counter = s->app.security_counter;
	}
}

static int cmd_info(struct iap_server *s)
{
	const struct iap_layout *l = s->cfg.layout;
	const struct iap_flash *f = s->cfg.flash;
	struct iap_info in;
	size_t n;

	memset(&in, 0, sizeof(in));
	in.proto_version = s->cfg.proto_v1 ? 1u : IAP_PROTO_VERSION;
	in.max_payload = s->cfg.rx_cap;
	in.loader_version = s->cfg.loader_version;
	in.board_id = l->board_id;
	in.app_addr = l->app_addr;
	in.app_size = l->app_size;
	in.stage_addr = l->stage_addr;
	in.stage_size = l->stage_size;
	in.meta_addr = l->meta_addr;
	in.write_size = f->write_size;
	in.state = s->state;
	in.app_valid = s->app_valid;
	if (s->app_valid) {
		in.app_ver_major = s->app.version.major;
		in.app_ver_minor = s->app.version.minor;
		in.app_ver_patch = s->app.version.patch;
		in.app_ver_build = s->app.version.build;
	}
	in.caps = l->install != IAP_INSTALL_NONE ? IAP_CAP_STAGE : 0;
	if (s->cfg.stage_only) {
		in.caps |= IAP_CAP_APP;
	}
	if (!s->cfg.proto_v1) {
		in.caps |= IAP_CAP_STREAM | IAP_CAP_PROGRESS;
		if (s->cfg.set_baud) {
			in.caps |= IAP_CAP_BAUD;
		}
		if (s->cfg.rx_cap >= IAP_START_RESUME_SIZE) {
			in.caps |= IAP_CAP_RESUME;
		}
		in.lzss_bits = lzss_bits(&s->cfg);
		if (in.lzss_bits) {
			in.caps |= IAP_CAP_LZSS;
		}
		in.window = window(&s->cfg);
		in.rx_ring = s->cfg.rx_ring;
	}
	trust_info(s, &in);
	in.stage_meta_addr = l->stage_meta_addr;
	in.install = (uint8_t)l->install;
	in.boot_event = s->last_boot.event;
	in.boot_err = s->last_boot.err;
	stage_info(s, &in);
	in.region_count = (uint8_t)(f->region_count < IAP_INFO_MAX_REGIONS
					    ? f->region_count
					    : IAP_INFO_MAX_REGIONS);
	for (uint8_t i = 0; i < in.region_count; i++) {
		in.regions[i].addr = f->regions[i].addr;
		in.regions[i].sector_size = f->regions[i].sector_size;
		in.regions[i].count = f->regions[i].count;
	}
	n = iap_info_encode(&in, body(s));
	/* A v1 device's body ends before the v2 fields. */
	return respond(s, 0,
		       (uint16_t)(s->cfg.proto_v1 ? IAP_INFO_EXT2_OFF : n));
}

/*
 * Everything the header says is checked before the first erase, so a
 * refused image leaves the installed one bootable.
 */
static int cmd_start(struct iap_server *s)
{
	const struct iap_layout *l = s->cfg.layout;
	const uint8_t *p = s->dec.buf;
	uint8_t slot = p[0];
	uint8_t flags = p[1];
	uint32_t from = 0;
	struct iap_image_hdr h;
	int err;

	if (s->dec.frame_len != ((flags & IAP_START_F_RESUME)
					 ? IAP_START_RESUME_SIZE
					 : IAP_START_REQ_SIZE) ||
	    p[2] || p[3] || (flags & ~IAP_START_F_ALL) ||
	    (flags && s->cfg.proto_v1)) {
		return respond(s, IAP_ERR_INVAL, 0);
	}
	if (slot == IAP_SLOT_APP && s->cfg.stage_only) {
		return respond(s, IAP_ERR_PERM, 0);
	}
	err = iap_stage_check(l, slot, &p[4], s->cfg.loader_version, &h);
	if (err) {
		return respond(s, err, 0);
	}
	if ((flags & IAP_START_F_LZSS) && !lzss_bits(&s->cfg)) {
		return respond(s, IAP_ERR_NOTSUP, 0);
	}
	if (flags & IAP_START_F_RESUME) {
		from = iap_get_le32(&p[IAP_START_REQ_SIZE]);
	}
	s->stream = (flags & IAP_START_F_STREAM) ? 1u : 0u;
	s->packed = 0;
	s->events = (flags & IAP_START_F_PROGRESS) ? 1u : 0u;
	/* A stream session erases only the meta region here. */
	phase(s, (uint8_t)(s->stream ? 0u : IAP_PROGRESS_ERASE),
	      (h.image_size > from ? h.image_size - from : 0u) + l->meta_size);
	err = iap_stage_open_at(&s->wr, &s->pf, l, slot, &h,
				s->stream ? IAP_STAGE_ERASE_AHEAD : 0u, from);
	phase(s, 0, 0);
	if (err == IAP_ERR_RANGE || err == IAP_ERR_ALIGN ||
	    err == IAP_ERR_ROLLBACK) {
		/* Refused before any erase: the installed image, a staged one
		 * and a finished session are as they were. */
		return respond(s, err, 0);
	}
	s->state = IAP_STATE_IDLE;
	s->staged = 0;
	if (slot == IAP_SLOT_APP) {
		s->app_valid = 0; /* the writer's erases took the old image */
	}
	if (!err && (flags & IAP_START_F_LZSS)) {
		/* The window of the largest power of two that fits. */
		s->packed = 1;
		s->z_next = 0;
		err = iap_lzss_dec_init(&s->lz, s->cfg.lzss_win,
					1u << lzss_bits(&s->cfg));
		iap_lzss_dec_limit(&s->lz, h.image_size - s->wr.next_off);
	}
	if (!err) {
		s->state = IAP_STATE_RECEIVING;
	}
	return respond(s, err, 0);
}

/*
 * HASH: what a slot holds, sector by sector, so that a host can resume an
 * upload where the bytes in place end. Read only; any state.
 */
static int cmd_hash(struct iap_server *s)
{
	const struct iap_layout *l = s->cfg.layout;
	const struct iap_flash *f = s->cfg.flash;
	const uint8_t *p = s->dec.buf;
	uint8_t *b = body(s);
	uint32_t base, size, off, end;
	uint16_t blank = 0;
	uint8_t n = 0;

	if (s->dec.frame_len != IAP_HASH_REQ_SIZE || p[1] || p[2] || p[3]) {
		return respond(s, IAP_ERR_INVAL, 0);
	}
	if (p[0] == IAP_SLOT_APP) {
		base = l->app_addr;
		size = l->app_size;
	} else if (p[0] == IAP_SLOT_STAGE && l->stage_size) {
		base = l->stage_addr;
		size = l->stage_size;
	} else {
		return respond(s, IAP_ERR_NOTSUP, 0);
	}
	off = iap_get_le32(&p[4]);
	end = iap_get_le32(&p[8]);
	if (off > size || end > size - off) {
		return respond(s, IAP_ERR_RANGE, 0);
	}
	end += off;
	iap_put_le32(b, off);
	while (off < end && n < IAP_HASH_MAX_ENTRIES) {
		uint8_t digest[IAP_SHA256_SIZE];
		struct iap_sha256 h;
		uint32_t start, ssize, stop;
		int all_ff = 1;
		int err = iap_flash_sector(f, base + off, &start, &ssize);

		if (err) {
			return respond(s, err, 0);
		}
		stop = start + ssize - base;
		stop = stop < end ? stop : end;
		iap_sha256_init(&h);
		while (off < stop) {
			uint32_t k = stop - off;

			if (k > s->cfg.scratch_size) {
				k = s->cfg.scratch_size;
			}
			err = f->read(f->ctx, base + off, s->cfg.scratch, k);
			if (err) {
				return respond(s, err, 0);
			}
			for (uint32_t i = 0; i < k && all_ff; i++) {
				all_ff = s->cfg.scratch[i] == IAP_FLASH_ERASED;
			}
			iap_sha256_update(&h, s->cfg.scratch, k);
			off += k;
		}
		iap_sha256_final(&h, digest);
		memcpy(&b[IAP_HASH_RESP_HDR + n * IAP_HASH_DIGEST_SIZE], digest,
		       IAP_HASH_DIGEST_SIZE);
		if (all_ff) {
			blank = (uint16_t)(blank | (1u << n));
		}
		n++;
	}
	b[4] = n;
	b[5] = 0;
	iap_put_le16(&b[6], blank);
	return respond(
		s, 0, (uint16_t)(IAP_HASH_RESP_HDR + n * IAP_HASH_DIGEST_SIZE));
}

/* What the decompressor produces goes to the writer, any length. */
static int unpacked(void *ctx, const uint8_t *data, uint32_t n)
{
	struct iap_server *s = ctx;

	return iap_stage_append(&s->wr, data, n);
}

/*
 * A WRITE of a compressed session: offsets count stream bytes. A frame
 * wholly below z_next is a resend (the CRC-checked frame of the same host
 * session: acknowledged); from z_next on it is fed to the decompressor.
 * A malformed stream, or one that decompresses past the image, ends the
 * session: what it wrote is never committed.
 */
static int write_packed(struct iap_server *s, uint32_t off, const uint8_t *data,
			uint32_t n)
{
	int err = 0;

	if (off > s->z_next) {
		err = s->stream ? IAP_ERR_AGAIN : IAP_ERR_PROTO;
	} else if (n > s->z_next - off) {
		uint32_t skip = s->z_next - off;

		err = iap_lzss_dec_feed(&s->lz, data + skip, n - skip, unpacked,
					s);
		if (err) {
			s->state = IAP_STATE_IDLE;
			iap_stage_abort(&s->wr);
		} else {
			s->z_next = off + n;
		}
	}
	iap_put_le32(body(s), s->z_next);
	return respond(s, err, 4);
}

static int cmd_write(struct iap_server *s)
{
	uint32_t off;
	int err;

	if (s->state != IAP_STATE_RECEIVING) {
		return respond(s, IAP_ERR_PERM, 0);
	}
	if (s->dec.frame_len <= IAP_WRITE_REQ_HDR) {
		return respond(s, IAP_ERR_INVAL, 0);
	}
	off = iap_get_le32(s->dec.buf);
	if (s->packed) {
		return write_packed(s, off, &s->dec.buf[IAP_WRITE_REQ_HDR],
				    s->dec.frame_len - IAP_WRITE_REQ_HDR);
	}
	err = iap_stage_write(&s->wr, off, &s->dec.buf[IAP_WRITE_REQ_HDR],
			      s->dec.frame_len - IAP_WRITE_REQ_HDR);
	if (s->wr.state != IAP_WRITER_RECEIVING) {
		s->state = IAP_STATE_IDLE; /* a flash error ended it */
	}
	if (err == IAP_ERR_AGAIN && !s->stream) {
		err = IAP_ERR_PROTO; /* v1: data goes strictly in order */
	}
	iap_put_le32(body(s), s->wr.next_off);
	return respond(s, err, 4);
}

static int cmd_finish(struct iap_server *s)
{
	int err;

	if (s->state != IAP_STATE_RECEIVING) {
		return respond(s, IAP_ERR_PERM, 0);
	}
	if (s->packed && iap_lzss_dec_finish(&s->lz) != 0) {
		/* The stream has not ended: bytes are missing. */
		return respond(s, IAP_ERR_PROTO, 0);
	}
	phase(s, IAP_PROGRESS_VERIFY, s->wr.hdr.image_size);
	err = iap_stage_finish(&s->wr, s->cfg.scratch, s->cfg.scratch_size,
			       s->cfg.loader_version);
	phase(s, 0, 0);
	if (err) {
		/* Bytes missing: still receiving. Otherwise stay in update
		 * mode; a new START erases again. Staged, the installed image
		 * is still there. */
		if (s->wr.state != IAP_WRITER_RECEIVING) {
			s->state = IAP_STATE_IDLE;
		}
		return respond(s, err, 0);
	}
	s->state = IAP_STATE_VERIFIED;
	if (!s->wr.direct) {
		s->staged = 1; /* installed by the loader after BOOT */
		return respond(s, 0, 0);
	}
	s->app = s->wr.hdr;
	s->app_valid = 1;
	return respond(s, 0, 0);
}

/* Answered at the old rate; the loader switches once it is out. */
static int cmd_baud(struct iap_server *s)
{
	uint32_t baud;
	int err;

	if (!s->cfg.set_baud || s->cfg.proto_v1) {
		return respond(s, IAP_ERR_NOTSUP, 0);
	}
	if (s->dec.frame_len != IAP_BAUD_REQ_SIZE) {
		return respond(s, IAP_ERR_INVAL, 0);
	}
	baud = iap_get_le32(s->dec.buf);
	err = baud ? s->cfg.set_baud(s->cfg.baud_ctx, baud, 0) : IAP_ERR_INVAL;
	if (!err) {
		s->baud_req = baud;
	}
	return respond(s, err, 0);
}

static int handle(struct iap_server *s)
{
	uint8_t cmd = s->dec.cmd;
	int err;

	if (cmd & IAP_CMD_RESP) {
		return 0; /* an echo or another device's answer */
	}
	s->requests++;
	if (s->have_last && cmd == s->last_cmd && s->dec.seq == s->last_seq &&
	    cmd != IAP_CMD_INFO) {
		/* The host did not get our answer: send it again. */
		err = s->cfg.send(s->cfg.send_ctx, s->cfg.tx_buf, s->last_len);
		if (err) {
			return err;
		}
		return cmd == IAP_CMD_BOOT && (s->app_valid || s->staged)
			       ? IAP_SERVER_BOOT
			       : 0;
	}
	switch (cmd) {
	case IAP_CMD_INFO:
		return cmd_info(s);
	case IAP_CMD_START:
		return cmd_start(s);
	case IAP_CMD_WRITE:
		return cmd_write(s);
	case IAP_CMD_FINISH:
		return cmd_finish(s);
	case IAP_CMD_BOOT:
		if (!s->app_valid && !s->staged) {
			return respond(s, IAP_ERR_NOENT, 0);
		}
		err = respond(s, 0, 0);
		return err ? err : IAP_SERVER_BOOT;
	case IAP_CMD_BAUD:
		return cmd_baud(s);
	case IAP_CMD_HASH:
		if (s->cfg.proto_v1 || s->cfg.rx_cap < IAP_START_RESUME_SIZE) {
			return respond(s, IAP_ERR_NOTSUP, 0);
		}
		return cmd_hash(s);
	case IAP_CMD_ABORT:
		if (s->state == IAP_STATE_RECEIVING) {
			s->state = IAP_STATE_IDLE;
		}
		iap_stage_abort(&s->wr);
		return respond(s, 0, 0);
	default:
		return respond(s, IAP_ERR_NOTSUP, 0);
	}
}

int iap_server_input(struct iap_server *s, const uint8_t *data, size_t len)
{
	int result = IAP_SERVER_IDLE;

	while (len) {
		size_t used;
		int r = iap_dec_sink(&s->dec, data, len, &used);

		data += used;
		len -= used;
		if (r != IAP_DEC_FRAME) {
			continue;
		}
		r = handle(s);
		if (r < 0) {
			return r;
		}
		if (r == IAP_SERVER_BOOT) {
			return r;
		}
		result = IAP_SERVER_FRAME;
	}
	return result;
}
