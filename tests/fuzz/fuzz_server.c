/*
 * libFuzzer target: the command handler (iap_server_init/_input) on the
 * simulator's NOR flash (port/sim, boards f103c8, f103cb-swap and the
 * trusted f103cb-secure), driven by a sequence of requests the harness
 * builds from the input and frames with valid CRCs (iap_frame_encode).
 *
 * Input: byte 0 bit 0 the board (f103c8 / f103cb-swap), bit 1 a valid
 * image installed before, bit 2 the board f103cb-secure instead with a
 * trust (the sample key table, keys/sample_keys.c) and bit 3
 * IAP_TRUST_F_BOOT_SIG in it; then operations, one byte each plus
 * arguments:
 *   op % 12: 0 INFO, 1 START (slot op bit 4; flags, image size, header
 *   mutation and seed from the input; the image and its LZSS stream are
 *   made by the harness), 2 WRITE (offset mode, length, corruption), 3
 *   FINISH, 4 BOOT (ends the sequence when answered as such), 5 ABORT, 6
 *   HASH, 7 a raw request (cmd, length, bytes), 8 the last frame again,
 *   9 BAUD, 10 junk bytes then a line idle, 11 INFO.
 * On the trusted board START takes one more byte after the seed: bits 0-1
 * the signature (0 signed by the sample key after the header mutation, 1
 * signed before it, 2 none, 3 signed then one signature bit flipped),
 * bits 2-3 the security counter, 4-7 which bit. The preinstalled image is
 * signed, counter 1. Mutation 5 (raw header bytes from the input) is how
 * the seeds bring headers signed by gen_seeds.
 *
 * Invariants: the server programs and erases only inside the app slot,
 * the stage slot, the meta and stage meta regions (every call of the flash
 * it is given is checked; the harness's own boot decision may raise the
 * anti-rollback record); every request that fits the payload buffer is
 * answered exactly once with its seq and cmd | RESP and a status <= 0.
 * A sequence ending in a BOOT after a staged upload then runs the install
 * (iap_install(), as the loader does), which may also write the scratch,
 * the journal and the anti-rollback record, never the bootloader.
 * Afterwards every committed meta record (app and stage) describes bytes
 * whose SHA-256 is the record's, and the boot decision only boots an image
 * whose SHA-256, recomputed over the slot, is the header's. On the trusted
 * board, also: every committed record (app and stage) passes
 * iap_image_check_sig() against the trust, and an image the decision
 * boots passes it and its counter is not below iap_rollback_read().
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
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_install.h"
#include "iap/iap_keys.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"
#include "iap/iap_server.h"
#include "iap/iap_sha256.h"
#include "iap/iap_trust.h"
#include "lzss_enc.h"
#include "sim.h"

#define LOADER	  IAP_LOADER_VERSION(0, 1, 0)
#define IMG_MAX	  6000u
#define LZSS_BITS 10u
#define FRAME_MAX (SIM_MAX_PAYLOAD + IAP_FRAME_OVERHEAD)
#define SLOT_MAX  0x10000u
#define RX_MAX	  1100u
#define MAX_OPS	  64u

/* The flash the server gets: every program and erase checked. */
enum {
	G_SERVER = 0,  /* the slots and their meta regions */
	G_DECIDE = 1,  /* + the anti-rollback record (a raise) */
	G_INSTALL = 2, /* + scratch, journal, anti-rollback record */
};

struct guard {
	const struct iap_flash *raw;
	const struct iap_layout *l;
	int who; /* G_* */
};

static int inside(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
	return size != 0 && addr >= base && len <= size &&
	       addr - base <= size - len;
}

static int allowed(const struct guard *g, uint32_t addr, uint32_t len)
{
	const struct iap_layout *l = g->l;

	if (g->who != G_SERVER &&
	    inside(addr, len, l->rollback_addr, l->rollback_size)) {
		return 1;
	}
	if (g->who == G_INSTALL &&
	    (inside(addr, len, l->scratch_addr, l->scratch_size) ||
	     inside(addr, len, l->journal_addr, l->journal_size))) {
		return 1;
	}
	return inside(addr, len, l->app_addr, l->app_size) ||
	       inside(addr, len, l->meta_addr, l->meta_size) ||
	       inside(addr, len, l->stage_addr, l->stage_size) ||
	       inside(addr, len, l->stage_meta_addr, l->stage_meta_size);
}

static int g_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	struct guard *g = ctx;

	return g->raw->read(g->raw->ctx, addr, buf, len);
}

static int g_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct guard *g = ctx;

	if (!allowed(g, addr, len)) {
		fprintf(stderr, "program outside the slots: %08x + %u\n",
			(unsigned)addr, (unsigned)len);
		abort();
	}
	return g->raw->prog(g->raw->ctx, addr, buf, len);
}

static int g_erase(void *ctx, uint32_t addr)
{
	struct guard *g = ctx;
	uint32_t start, ssize;

	if (iap_flash_sector(g->raw, addr, &start, &ssize) == 0) {
		if (start != addr || !allowed(g, addr, ssize)) {
			fprintf(stderr, "erase outside the slots: %08x\n",
				(unsigned)addr);
			abort();
		}
	}
	return g->raw->erase(g->raw->ctx, addr);
}

/* The host side: answers decoded and checked. */
struct host {
	struct iap_dec dec;
	uint8_t buf[512];
	int answers;
	uint8_t cmd, seq;
	int status;
	uint32_t next; /* WRITE answer: next_offset */
};

static int h_send(void *ctx, const uint8_t *data, size_t len)
{
	struct host *h = ctx;
	size_t used;

	while (len) {
		if (iap_dec_sink(&h->dec, data, len, &used) == IAP_DEC_FRAME) {
			CHECK(h->dec.cmd & IAP_CMD_RESP);
			CHECK(h->dec.frame_len >= IAP_STATUS_SIZE);
			CHECK((int16_t)iap_get_le16(h->buf) <= 0);
			if (h->dec.cmd != (IAP_CMD_PROGRESS | IAP_CMD_RESP)) {
				h->answers++;
				h->cmd = h->dec.cmd;
				h->seq = h->dec.seq;
				h->status = (int16_t)iap_get_le16(h->buf);
				h->next = h->dec.frame_len >= 6
						  ? iap_get_le32(&h->buf[2])
						  : 0;
			}
		}
		data += used;
		len -= used;
	}
	return 0;
}

struct board {
	const struct sim_board *b;
	struct sim_flash sf;
	int open;
};

#define B_SECURE 2

static struct board boards[3];
static uint8_t slot_buf[SLOT_MAX];

/* The trusted board's layout: f103cb-secure with the sample key table. */
static struct iap_trust trust;
static struct iap_layout trusted_layout;

static const struct iap_flash *board_flash(int i)
{
	static const char *names[3] = {"f103c8", "f103cb-swap",
				       "f103cb-secure"};
	struct board *bd = &boards[i];
	char path[] = "/tmp/iapfuzz-XXXXXX";
	int fd;

	if (!bd->open) {
		bd->b = sim_board_find(names[i]);
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
	return &bd->sf.ops;
}

/* fuzz_img.h: the same bytes gen_seeds makes for the signed seeds. */
#define make_image fuzz_make_image

static void install(const struct iap_flash *f, const struct iap_layout *l)
{
	static uint8_t img[2000];
	struct iap_image_hdr h;

	make_image(l, img, sizeof(img), 7, &h);
	if (l->trust) {
		h.security_counter = 1;
		fuzz_sign(&h);
	}
	CHECK(iap_flash_erase_span(f, l->meta_addr, l->meta_size) == 0);
	CHECK(iap_flash_erase_span(f, l->app_addr, sizeof(img)) == 0);
	CHECK(f->prog(f->ctx, l->app_addr, img, sizeof(img)) == 0);
	CHECK(iap_image_write_meta(f, l, &h) == 0);
}

/* The slot bytes at addr hash to h's SHA-256. */
static int slot_matches(const struct iap_flash *f, uint32_t addr,
			uint32_t slot_size, const struct iap_image_hdr *h)
{
	uint8_t digest[IAP_IMAGE_HASH_SIZE];

	CHECK(h->image_size <= slot_size && h->image_size <= SLOT_MAX);
	CHECK(f->read(f->ctx, addr, slot_buf, h->image_size) == 0);
	iap_sha256(slot_buf, h->image_size, digest);
	return memcmp(digest, h->sha256, sizeof(digest)) == 0;
}

static void check_flash(const struct iap_flash *f, const struct iap_layout *l)
{
	struct iap_boot_decision dec;
	struct iap_image_hdr h;
	uint8_t scratch[256];
	uint32_t record = 0;

	if (iap_image_read_record(f, l->meta_addr, &h) == 0) {
		CHECK(slot_matches(f, l->app_addr, l->app_size, &h));
		CHECK(iap_image_check_sig(&h, l->trust) == 0);
	}
	if (l->stage_meta_size &&
	    iap_image_read_record(f, l->stage_meta_addr, &h) == 0) {
		CHECK(slot_matches(f, l->stage_addr, l->stage_size, &h));
		CHECK(iap_image_check_sig(&h, l->trust) == 0);
	}
	CHECK(iap_boot_decide(f, l, LOADER, 0, scratch, sizeof(scratch),
			      &dec) == 0);
	if (dec.action == IAP_BOOT_JUMP || dec.app_valid) {
		CHECK(dec.app_valid);
		CHECK(slot_matches(f, l->app_addr, l->app_size, &dec.hdr));
		CHECK(dec.hdr.load_addr == l->app_addr);
		/* Open layouts: trust NULL, always 0. */
		CHECK(iap_image_check_sig(&dec.hdr, l->trust) == 0);
		CHECK(iap_rollback_read(f, l->rollback_addr, l->rollback_size,
					&record) == 0);
		CHECK(dec.hdr.security_counter >= record);
	}
}

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

/* The update the harness is sending. */
struct session {
	uint8_t img[IMG_MAX];
	uint32_t size, from;
	int packed;
	uint8_t *z;
	size_t zlen;
};

struct rig {
	struct iap_server srv;
	int trusted;
	struct iap_server_cfg cfg;
	struct host host;
	const struct iap_layout *l;
	uint8_t rx[RX_MAX], tx[512], scratch[256], win[1u << LZSS_BITS];
	uint8_t frame[FRAME_MAX], last[FRAME_MAX];
	size_t last_len;
	uint8_t payload[RX_MAX];
	uint8_t seq;
	struct session ss;
};

/* Frame and feed one request; returns the server's result. */
static int request(struct rig *r, uint8_t cmd, const uint8_t *p, uint16_t len)
{
	int answers = r->host.answers;
	int n, res;

	n = iap_frame_encode(r->frame, sizeof(r->frame), cmd, r->seq, p, len);
	CHECK(n > 0);
	memcpy(r->last, r->frame, (size_t)n);
	r->last_len = (size_t)n;
	res = iap_server_input(&r->srv, r->frame, (size_t)n);
	CHECK(res >= 0);
	if (getenv("IAP_FUZZ_TRACE")) {
		/* What a seed reaches: IAP_FUZZ_TRACE=1 fuzz_server SEED */
		fprintf(stderr, "request 0x%02x len %u: answer %d\n", cmd,
			(unsigned)len, r->host.status);
	}
	if (!(cmd & IAP_CMD_RESP) && len <= r->cfg.rx_cap) {
		CHECK(r->host.answers == answers + 1);
		CHECK(r->host.seq == r->seq);
		CHECK(r->host.cmd == (cmd | IAP_CMD_RESP));
	} else {
		CHECK(r->host.answers == answers);
	}
	r->seq++;
	return res;
}

static void op_start(struct rig *r, struct in *in, uint8_t op)
{
	struct session *ss = &r->ss;
	struct iap_image_hdr h;
	uint8_t flags = get8(in) & 0x0Fu;
	uint8_t mut = get8(in);
	uint16_t len = IAP_START_REQ_SIZE;
	uint8_t sig;

	ss->size = 8u + get16(in) % (IMG_MAX - 7u);
	make_image(r->l, ss->img, ss->size, get8(in), &h);
	sig = r->trusted ? get8(in) : 2u;
	h.security_counter = (sig >> 2) & 3u;
	if ((sig & 3u) == 1u) {
		fuzz_sign(&h); /* the mutation below breaks it */
	}
	switch (mut & 7u) {
	case 1:
		h.sha256[mut % 32u] ^= 1u;
		break;
	case 2:
		h.image_size = r->l->app_size + (mut >> 3);
		break;
	case 3:
		h.version.major = mut;
		h.board_id = get16(in);
		h.min_loader = get16(in);
		break;
	case 4:
		ss->img[4 + (mut >> 3) % 4u] ^= 0x80u; /* reset vector */
		break;
	default:
		break;
	}
	if ((sig & 3u) == 0u || (sig & 3u) == 3u) {
		fuzz_sign(&h);
	}
	if ((sig & 3u) == 3u) {
		h.signature[(sig >> 4) * 4u] ^= (uint8_t)(1u << (sig >> 5));
	}
	memset(r->payload, 0, sizeof(r->payload));
	r->payload[0] = (op & 0x10u) ? IAP_SLOT_STAGE : IAP_SLOT_APP;
	r->payload[1] = flags;
	iap_image_hdr_encode(&h, &r->payload[4]);
	ss->from = 0;
	if (flags & IAP_START_F_RESUME) {
		ss->from = get16(in) % (ss->size + 1u);
		iap_put_le32(&r->payload[IAP_START_REQ_SIZE], ss->from);
		len = IAP_START_RESUME_SIZE;
	}
	if ((mut & 7u) == 5) {
		/* Raw header bytes from the input. */
		for (uint32_t i = 0; i < IAP_IMAGE_HDR_SIZE; i++) {
			r->payload[4 + i] = get8(in);
		}
	}
	free(ss->z);
	ss->z = NULL;
	ss->zlen = 0;
	ss->packed = (flags & IAP_START_F_LZSS) != 0;
	if (ss->packed) {
		CHECK(lzss_compress(&ss->img[ss->from], ss->size - ss->from,
				    LZSS_BITS, &ss->z, &ss->zlen) == 0);
	}
	request(r, IAP_CMD_START, r->payload, len);
}

static void op_write(struct rig *r, struct in *in, uint32_t *cursor)
{
	struct session *ss = &r->ss;
	uint8_t mode = get8(in);
	uint32_t max = r->cfg.rx_cap - IAP_WRITE_REQ_HDR;
	uint32_t n = 1u + get16(in) % max;
	uint32_t off = *cursor;
	const uint8_t *src = ss->packed ? ss->z : ss->img;
	uint32_t src_len =
		ss->packed ? (uint32_t)ss->zlen : ss->size - ss->from;

	if (!ss->packed) {
		src += ss->from;
	}
	switch (mode & 3u) {
	case 1:
		off = off > n ? off - n : 0; /* a resend */
		break;
	case 2:
		off = get16(in);
		break;
	case 3:
		off += 1u + (mode >> 4); /* a gap */
		break;
	default:
		break;
	}
	if (!ss->packed) {
		off += ss->from;
		src -= ss->from;
		src_len += ss->from;
	}
	if (off < src_len && n > src_len - off) {
		n = src_len - off; /* the last chunk: exactly what is left */
	}
	iap_put_le32(r->payload, off);
	for (uint32_t i = 0; i < n; i++) {
		r->payload[4 + i] = off + i < src_len ? src[off + i] : 0xFFu;
	}
	if (mode & 4u) {
		r->payload[4 + (mode >> 3) % n] ^= 0x5Au;
	}
	request(r, IAP_CMD_WRITE, r->payload, (uint16_t)(4u + n));
	if (r->host.status == 0 || r->host.status == IAP_ERR_AGAIN) {
		*cursor = r->host.next - (ss->packed ? 0u : ss->from);
	}
}

/* Returns 1 when a BOOT was answered as such. */
static int run(struct rig *r, struct in *in)
{
	uint32_t cursor = 0;
	unsigned ops = 0;

	while (in->i < in->n && ops++ < MAX_OPS) {
		uint8_t op = get8(in);
		uint16_t n;

		switch (op % 12u) {
		case 1:
			op_start(r, in, op);
			cursor = 0;
			break;
		case 2:
			op_write(r, in, &cursor);
			break;
		case 3:
			request(r, IAP_CMD_FINISH, NULL, 0);
			break;
		case 4:
			if (request(r, IAP_CMD_BOOT, NULL, 0) ==
			    IAP_SERVER_BOOT) {
				return 1;
			}
			break;
		case 5:
			request(r, IAP_CMD_ABORT, NULL, 0);
			break;
		case 6:
			memset(r->payload, 0, IAP_HASH_REQ_SIZE);
			r->payload[0] = op >> 7;
			iap_put_le32(&r->payload[4], get16(in));
			iap_put_le32(&r->payload[8], get16(in));
			request(r, IAP_CMD_HASH, r->payload, IAP_HASH_REQ_SIZE);
			break;
		case 7: {
			uint8_t cmd = get8(in);

			n = get8(in);
			for (uint16_t i = 0; i < n; i++) {
				r->payload[i] = get8(in);
			}
			/* BOOT is op 4; an answer to PROGRESS would look
			 * like an event. */
			if (cmd == IAP_CMD_BOOT || cmd == IAP_CMD_PROGRESS) {
				cmd = IAP_CMD_INFO;
			}
			request(r, cmd, r->payload, n);
			break;
		}
		case 8:
			if (r->last_len) {
				int answers = r->host.answers;

				CHECK(iap_server_input(&r->srv, r->last,
						       r->last_len) >= 0);
				CHECK(r->host.answers <= answers + 1);
			}
			break;
		case 9:
			iap_put_le32(r->payload, 115200u * (get8(in) + 1u));
			request(r, IAP_CMD_BAUD, r->payload, IAP_BAUD_REQ_SIZE);
			break;
		case 10:
			n = get8(in) % 16u;
			for (uint16_t i = 0; i < n; i++) {
				r->payload[i] = get8(in);
			}
			CHECK(iap_server_input(&r->srv, r->payload, n) >= 0);
			iap_server_line_idle(&r->srv);
			break;
		default:
			request(r, IAP_CMD_INFO, NULL, 0);
			break;
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig rig;
	struct rig *r = &rig;
	struct iap_boot_decision dec;
	const struct iap_flash *raw;
	struct iap_flash wf;
	struct guard g;
	struct in in = {data, size, 0};
	int bi, booted;

	if (size < 1) {
		return 0;
	}
	bi = (data[0] & 4u) ? B_SECURE : data[0] & 1;
	in.i = 1;
	raw = board_flash(bi);
	r->l = &boards[bi].b->layout;
	r->trusted = bi == B_SECURE;
	if (r->trusted) {
		trust.keys = iap_keys;
		trust.key_count = iap_key_count;
		trust.flags = (data[0] & 8u) ? IAP_TRUST_F_BOOT_SIG : 0u;
		trusted_layout = *r->l;
		trusted_layout.trust = &trust;
		r->l = &trusted_layout;
	}
	/* The whole chip erased (as sector erases would leave it). */
	memset(boards[bi].sf.mem, IAP_FLASH_ERASED, boards[bi].sf.size);
	memset(boards[bi].sf.written, 0, boards[bi].sf.size / raw->write_size);
	if (data[0] & 2u) {
		install(raw, r->l);
	}

	g.raw = raw;
	g.l = r->l;
	g.who = G_DECIDE;
	wf = *raw;
	wf.ctx = &g;
	wf.read = g_read;
	wf.prog = g_prog;
	wf.erase = g_erase;

	memset(&r->host, 0, sizeof(r->host));
	iap_dec_init(&r->host.dec, r->host.buf, sizeof(r->host.buf));
	memset(&r->cfg, 0, sizeof(r->cfg));
	r->cfg.flash = &wf;
	r->cfg.layout = r->l;
	r->cfg.loader_version = LOADER;
	r->cfg.rx_buf = r->rx;
	r->cfg.rx_cap = boards[bi].b->max_payload;
	CHECK(r->cfg.rx_cap <= RX_MAX);
	r->cfg.tx_buf = r->tx;
	r->cfg.tx_cap = sizeof(r->tx);
	r->cfg.scratch = r->scratch;
	r->cfg.scratch_size = sizeof(r->scratch);
	r->cfg.send = h_send;
	r->cfg.send_ctx = &r->host;
	r->cfg.rx_ring = boards[bi].b->rx_ring;
	r->cfg.lzss_win = r->win;
	r->cfg.lzss_win_size = sizeof(r->win);
	r->seq = 0;
	r->last_len = 0;
	r->ss.size = 0;
	r->ss.from = 0;
	r->ss.packed = 0;

	CHECK(iap_boot_decide(&wf, r->l, LOADER, 1, r->scratch,
			      sizeof(r->scratch), &dec) == 0);
	CHECK(iap_server_init(&r->srv, &r->cfg, dec.app_valid,
			      dec.app_valid ? &dec.hdr : NULL) == 0);
	g.who = G_SERVER;
	booted = run(r, &in);
	free(r->ss.z);
	r->ss.z = NULL;
	if (booted && r->srv.staged) {
		/* What the loader does after BOOT of a staged image. */
		struct iap_boot_record rec;

		int err;

		g.who = G_INSTALL;
		err = iap_install(&wf, r->l, LOADER, r->scratch,
				  sizeof(r->scratch), &rec);
		if (getenv("IAP_FUZZ_TRACE")) {
			fprintf(stderr, "install: %d, event %u error %d\n", err,
				rec.event, rec.err);
		}
	}
	check_flash(raw, r->l);
	return 0;
}
