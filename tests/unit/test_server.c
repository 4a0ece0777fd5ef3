/*
 * The device side of the protocol on a simulated F1 and F4 flash: the happy
 * path, resends, and every refusal, each checked for what it leaves in
 * flash (what the header tells is refused before anything is erased).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_proto.h"
#include "iap/iap_server.h"
#include "iap/iap_sha256.h"
#include "lzss_enc.h"

struct rig {
	struct dev d;
	struct iap_server srv;
	uint8_t rx[1100], tx[400], scratch[256];
	/* last response */
	struct iap_dec dec;
	uint8_t resp[400];
	int responses;
	uint8_t resp_cmd, resp_seq;
	int status;
	uint8_t body[400];
	uint16_t body_len;
	uint8_t seq;
	/* PROGRESS frames, kept apart from the answers */
	int events;
	struct {
		uint8_t seq, phase;
		uint32_t done, total;
		int answers; /* responses before this event */
	} ev[64];
};

static void take_event(struct rig *r)
{
	assert_int_equal(r->dec.frame_len, IAP_PROGRESS_SIZE);
	assert_int_equal(iap_get_le16(r->resp), 0);
	assert_true(r->events < 64);
	r->ev[r->events].seq = r->dec.seq;
	r->ev[r->events].phase = r->resp[2];
	r->ev[r->events].done = iap_get_le32(&r->resp[4]);
	r->ev[r->events].total = iap_get_le32(&r->resp[8]);
	r->ev[r->events].answers = r->responses;
	r->events++;
}

static int capture(void *ctx, const uint8_t *data, size_t len)
{
	struct rig *r = ctx;
	size_t used;

	while (len) {
		int frame = iap_dec_sink(&r->dec, data, len, &used) ==
			    IAP_DEC_FRAME;

		if (frame && r->dec.cmd == (IAP_CMD_PROGRESS | IAP_CMD_RESP)) {
			take_event(r);
		} else if (frame) {
			r->responses++;
			r->resp_cmd = r->dec.cmd;
			r->resp_seq = r->dec.seq;
			r->status = (int16_t)iap_get_le16(r->resp);
			r->body_len = (uint16_t)(r->dec.frame_len - 2);
			memcpy(r->body, &r->resp[2], r->body_len);
		}
		data += used;
		len -= used;
	}
	return 0;
}

static void rig_open(struct rig *r, const char *board)
{
	struct iap_server_cfg cfg;
	struct iap_boot_decision bd;

	memset(r, 0, sizeof(*r));
	dev_open(&r->d, board);
	iap_dec_init(&r->dec, r->resp, sizeof(r->resp));
	assert_int_equal(iap_boot_decide(r->d.flash, r->d.layout, LOADER_VER, 0,
					 r->scratch, sizeof(r->scratch), &bd),
			 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flash = r->d.flash;
	cfg.layout = r->d.layout;
	cfg.loader_version = LOADER_VER;
	cfg.rx_buf = r->rx;
	cfg.rx_cap = (uint16_t)sizeof(r->rx);
	cfg.tx_buf = r->tx;
	cfg.tx_cap = (uint16_t)sizeof(r->tx);
	cfg.scratch = r->scratch;
	cfg.scratch_size = sizeof(r->scratch);
	cfg.send = capture;
	cfg.send_ctx = r;
	assert_int_equal(iap_server_init(&r->srv, &cfg, bd.app_valid, &bd.hdr),
			 0);
}

/* Send one request with an explicit seq; returns the server's result. */
static int req_seq(struct rig *r, uint8_t cmd, uint8_t seq, const void *p,
		   uint16_t len)
{
	uint8_t frame[1200];
	int n = iap_frame_encode(frame, sizeof(frame), cmd, seq, p, len);
	int before = r->responses;
	int res;

	assert_true(n > 0);
	res = iap_server_input(&r->srv, frame, (size_t)n);
	assert_int_equal(r->responses, before + 1);
	assert_int_equal(r->resp_cmd, cmd | IAP_CMD_RESP);
	assert_int_equal(r->resp_seq, seq);
	return res;
}

static int req(struct rig *r, uint8_t cmd, const void *p, uint16_t len)
{
	req_seq(r, cmd, ++r->seq, p, len);
	return r->status;
}

static int start(struct rig *r, const struct iap_image_hdr *h)
{
	uint8_t p[IAP_START_REQ_SIZE];

	memset(p, 0, sizeof(p));
	iap_image_hdr_encode(h, &p[4]);
	return req(r, IAP_CMD_START, p, sizeof(p));
}

static int write_at(struct rig *r, uint32_t off, const uint8_t *data,
		    uint32_t n)
{
	uint8_t p[1100];

	iap_put_le32(p, off);
	memcpy(&p[4], data, n);
	return req(r, IAP_CMD_WRITE, p, (uint16_t)(n + 4));
}

/* Upload img in chunks, padding the last to the write size. */
static void upload(struct rig *r, const uint8_t *img, uint32_t size,
		   uint32_t chunk)
{
	uint32_t ws = r->d.flash->write_size;

	for (uint32_t off = 0; off < size; off += chunk) {
		uint8_t buf[1100];
		uint32_t n = size - off < chunk ? size - off : chunk;
		uint32_t padded = (n + ws - 1) / ws * ws;

		memset(buf, 0xFF, sizeof(buf));
		memcpy(buf, &img[off], n);
		assert_int_equal(write_at(r, off, buf, padded), 0);
		assert_int_equal(iap_get_le32(r->body), off + padded);
	}
}

static void rig_close(struct rig *r)
{
	dev_close(&r->d);
}

static int slot_equals(struct rig *r, const uint8_t *img, uint32_t n)
{
	return !memcmp(&r->d.sf.mem[r->d.layout->app_addr - r->d.sf.base], img,
		       n);
}

static void full_update(const char *board, uint32_t size, uint32_t chunk)
{
	uint8_t *img = malloc(size);
	struct iap_image_hdr h;
	struct iap_info info;
	struct rig r;

	rig_open(&r, board);
	make_image(r.d.layout, img, size, 3, &h, 2, 1);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.app_addr, r.d.layout->app_addr);
	assert_int_equal(info.app_valid, 0);
	assert_int_equal(info.write_size, r.d.flash->write_size);
	assert_int_equal(info.max_payload, sizeof(r.rx));
	assert_int_equal(req(&r, IAP_CMD_BOOT, NULL, 0), IAP_ERR_NOENT);
	assert_int_equal(start(&r, &h), 0);
	upload(&r, img, size, chunk);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, size));
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.app_valid, 1);
	assert_int_equal(info.app_ver_major, 2);
	assert_int_equal(req_seq(&r, IAP_CMD_BOOT, 77, NULL, 0),
			 IAP_SERVER_BOOT);
	assert_int_equal(r.status, 0);
	rig_close(&r);
	free(img);
}

static void test_update_f103(void **state)
{
	(void)state;
	full_update("f103c8", 20001, 1024); /* odd size: padded last chunk */
}

static void test_update_f407(void **state)
{
	(void)state;
	full_update("f407vg", 70003, 1024); /* crosses the 16K/64K sectors */
}

static void test_refusals_before_erase_keep_old_image(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h, bad;
	struct rig r;
	uint64_t erases;
	struct iap_boot_decision bd;
	uint8_t p[IAP_START_REQ_SIZE];
	(void)state;

	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 5, &h, 1, 0);
	dev_install(&r.d, img, &h);
	erases = r.d.sf.erases;

	bad = h;
	bad.image_size = r.d.layout->app_size + 1;
	assert_int_equal(start(&r, &bad), IAP_ERR_FBIG);
	bad = h;
	bad.image_size = 0xFFFFFFF0u;
	assert_int_equal(start(&r, &bad), IAP_ERR_FBIG);
	bad = h;
	bad.load_addr = 0x08000000;
	assert_int_equal(start(&r, &bad), IAP_ERR_RANGE);
	bad = h;
	bad.min_loader = IAP_LOADER_VERSION(200, 0, 0);
	assert_int_equal(start(&r, &bad), IAP_ERR_OLDLOADER);
	/* A header with a broken CRC and one with a bad magic. */
	memset(p, 0, sizeof(p));
	iap_image_hdr_encode(&h, &p[4]);
	p[4 + 20] ^= 1;
	assert_int_equal(req(&r, IAP_CMD_START, p, sizeof(p)), IAP_ERR_CORRUPT);
	p[4] = 'X';
	assert_int_equal(req(&r, IAP_CMD_START, p, sizeof(p)), IAP_ERR_BADMSG);
	/* Wrong length, unknown slot. */
	assert_int_equal(req(&r, IAP_CMD_START, p, 100), IAP_ERR_INVAL);
	iap_image_hdr_encode(&h, &p[4]);
	p[0] = 7;
	assert_int_equal(req(&r, IAP_CMD_START, p, sizeof(p)), IAP_ERR_NOTSUP);
	/* Writes and finish without a START. */
	assert_int_equal(write_at(&r, 0, img, 64), IAP_ERR_PERM);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_PERM);
	assert_int_equal(req(&r, 0x42, NULL, 0), IAP_ERR_NOTSUP);

	assert_int_equal(r.d.sf.erases, erases);
	assert_int_equal(iap_boot_decide(r.d.flash, r.d.layout, LOADER_VER, 0,
					 r.scratch, sizeof(r.scratch), &bd),
			 0);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);
	rig_close(&r);
}

static void test_write_rules(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	struct rig r;
	uint8_t other[64];
	(void)state;

	rig_open(&r, "f407vg");
	make_image(r.d.layout, img, sizeof(img), 7, &h, 1, 0);
	assert_int_equal(start(&r, &h), 0);
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	/* The same chunk again (host missed our answer): acknowledged. */
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(iap_get_le32(r.body), 1024);
	/* Same offset, other bytes: refused. */
	memset(other, 0x5A, sizeof(other));
	assert_int_equal(write_at(&r, 0, other, 64), IAP_ERR_PROTO);
	/* A gap. */
	assert_int_equal(write_at(&r, 2048, img, 64), IAP_ERR_PROTO);
	assert_int_equal(iap_get_le32(r.body), 1024);
	/* Misaligned offset or length. */
	assert_int_equal(write_at(&r, 1026, img, 64), IAP_ERR_ALIGN);
	assert_int_equal(write_at(&r, 1024, img, 63), IAP_ERR_ALIGN);
	/* Past the image (and so never outside the slot). */
	assert_int_equal(write_at(&r, 4096, img, 4), IAP_ERR_FAULT);
	assert_int_equal(write_at(&r, 0xFFFFFFFCu, img, 8), IAP_ERR_FAULT);
	/* An empty WRITE. */
	assert_int_equal(req(&r, IAP_CMD_WRITE, img, 4), IAP_ERR_INVAL);
	/* FINISH before everything arrived. */
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_PROTO);
	rig_close(&r);
}

static void test_resent_request_not_executed_twice(void **state)
{
	static uint8_t img[2048];
	struct iap_image_hdr h;
	struct rig r;
	uint8_t p[IAP_START_REQ_SIZE];
	uint64_t erases;
	(void)state;

	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 9, &h, 1, 0);
	memset(p, 0, sizeof(p));
	iap_image_hdr_encode(&h, &p[4]);
	req_seq(&r, IAP_CMD_START, 10, p, sizeof(p));
	assert_int_equal(r.status, 0);
	erases = r.d.sf.erases;
	req_seq(&r, IAP_CMD_START, 10, p, sizeof(p));
	assert_int_equal(r.status, 0);
	assert_int_equal(r.d.sf.erases, erases);
	rig_close(&r);
}

static void test_hash_mismatch_stays_in_update_mode(void **state)
{
	static uint8_t img[3000];
	struct iap_image_hdr h;
	struct iap_boot_decision bd;
	struct iap_info info;
	struct rig r;
	(void)state;

	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 11, &h, 1, 0);
	dev_install(&r.d, img, &h); /* a good old image */
	r.srv.app_valid = 1;
	r.srv.app = h;
	make_image(r.d.layout, img, sizeof(img), 12, &h, 2, 0);
	assert_int_equal(start(&r, &h), 0);
	img[1500] ^= 0x10; /* corrupted in transit, CRC-correct frames */
	upload(&r, img, sizeof(img), 512);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_CORRUPT);
	assert_int_equal(req(&r, IAP_CMD_BOOT, NULL, 0), IAP_ERR_NOENT);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.app_valid, 0);
	assert_int_equal(iap_boot_decide(r.d.flash, r.d.layout, LOADER_VER, 0,
					 r.scratch, sizeof(r.scratch), &bd),
			 0);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_NO_IMAGE);
	/* The next upload is taken. */
	img[1500] ^= 0x10;
	assert_int_equal(start(&r, &h), 0);
	upload(&r, img, sizeof(img), 512);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_int_equal(req(&r, IAP_CMD_BOOT, NULL, 0), 0);
	rig_close(&r);
}

static void test_bad_vectors_refused_at_finish(void **state)
{
	static uint8_t img[1024];
	struct iap_image_hdr h;
	struct rig r;
	(void)state;

	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 13, &h, 1, 0);
	iap_put_le32(&img[4], 0x08000101); /* reset handler elsewhere */
	iap_sha256(img, sizeof(img), h.sha256);
	assert_int_equal(start(&r, &h), 0);
	upload(&r, img, sizeof(img), 512);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_NOEXEC);
	rig_close(&r);
}

/* START into slot with v2 flags (0 in v1). */
static int start_slot_flags(struct rig *r, uint8_t slot, uint8_t flags,
			    const struct iap_image_hdr *h)
{
	uint8_t p[IAP_START_REQ_SIZE];

	memset(p, 0, sizeof(p));
	p[0] = slot;
	p[1] = flags;
	iap_image_hdr_encode(h, &p[4]);
	return req(r, IAP_CMD_START, p, sizeof(p));
}

static int start_slot(struct rig *r, uint8_t slot,
		      const struct iap_image_hdr *h)
{
	return start_slot_flags(r, slot, 0, h);
}

/* Staging keeps the installed image bootable; BOOT hands over to install. */
static void staged_update(const char *board, uint32_t size)
{
	uint8_t *old = malloc(size), *img = malloc(size);
	struct iap_image_hdr ho, h, got;
	struct iap_boot_decision bd;
	struct iap_boot_record rec;
	struct iap_server_cfg cfg;
	struct iap_info info;
	struct rig r;

	rig_open(&r, board);
	make_image(r.d.layout, old, size, 5, &ho, 1, 0);
	dev_install(&r.d, old, &ho);
	/* Power on again: the server now knows the installed image. */
	assert_int_equal(iap_boot_decide(r.d.flash, r.d.layout, LOADER_VER, 0,
					 r.scratch, sizeof(r.scratch), &bd),
			 0);
	cfg = r.srv.cfg;
	assert_int_equal(iap_server_init(&r.srv, &cfg, bd.app_valid, &bd.hdr),
			 0);
	make_image(r.d.layout, img, size, 6, &h, 2, 0);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.caps & IAP_CAP_STAGE, IAP_CAP_STAGE);
	assert_int_equal(info.stage_addr, r.d.layout->stage_addr);
	assert_int_equal(info.stage_meta_addr, r.d.layout->stage_meta_addr);
	assert_int_equal(info.install, IAP_INSTALL_OVERWRITE);
	assert_int_equal(info.stage_state, IAP_STAGE_EMPTY);
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), 0);
	upload(&r, img, size, 1024);
	/* Before FINISH, the old image is installed and nothing is pending. */
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, old, size));
	assert_int_equal(iap_boot_decide(r.d.flash, r.d.layout, LOADER_VER, 0,
					 r.scratch, sizeof(r.scratch), &bd),
			 0);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);
	assert_int_equal(bd.hdr.version.major, 1);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, &got),
			 IAP_STAGE_PENDING);
	assert_int_equal(got.version.major, 2);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.app_ver_major, 1);
	assert_int_equal(info.stage_state, IAP_STAGE_PENDING);
	assert_int_equal(info.stage_ver_major, 2);
	assert_int_equal(req_seq(&r, IAP_CMD_BOOT, 90, NULL, 0),
			 IAP_SERVER_BOOT);
	assert_int_equal(r.status, 0);
	/* What the loader does next. */
	assert_int_equal(iap_install(r.d.flash, r.d.layout, LOADER_VER,
				     r.scratch, sizeof(r.scratch), &rec),
			 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_true(slot_equals(&r, img, size));
	rig_close(&r);
	free(old);
	free(img);
}

static void test_staged_update_f103(void **state)
{
	(void)state;
	staged_update("f103cb-staged", 9001);
}

static void test_staged_update_f407(void **state)
{
	(void)state;
	staged_update("f407vg-staged", 20003);
}

static void test_stage_refusals(void **state)
{
	static uint8_t img[0xDC00 + 2];
	struct iap_image_hdr h;
	struct rig r;
	uint64_t ops;
	(void)state;

	/* No stage on a single-slot board. */
	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, 4096, 7, &h, 1, 0);
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), IAP_ERR_NOTSUP);
	assert_int_equal(start_slot(&r, 2, &h), IAP_ERR_NOTSUP);
	rig_close(&r);

	/* Fits the app slot (56 KiB) but not the stage (55 KiB): refused
	 * before anything is erased. Linked elsewhere: refused too. */
	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 7, &h, 1, 0);
	ops = r.d.sf.ops_done;
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), IAP_ERR_FBIG);
	assert_int_equal(r.d.sf.ops_done, ops);
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), 0);
	ops = r.d.sf.ops_done;
	make_image(r.d.layout, img, 4096, 7, &h, 1, 0);
	h.load_addr = r.d.layout->stage_addr;
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), IAP_ERR_RANGE);
	assert_int_equal(r.d.sf.ops_done, ops);
	rig_close(&r);
}

/* A direct upload drops a pending staged image: it must not come back. */
static void test_direct_upload_cancels_stage(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	struct rig r;
	(void)state;

	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, img, sizeof(img), 8, &h, 1, 0);
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), 0);
	upload(&r, img, sizeof(img), 1024);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_PENDING);
	make_image(r.d.layout, img, sizeof(img), 9, &h, 2, 0);
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, NULL),
			 IAP_STAGE_EMPTY);
	upload(&r, img, sizeof(img), 1024);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, sizeof(img)));
	rig_close(&r);
}

/* The server as an application runs it: only the stage slot. */
static void stage_only(struct rig *r)
{
	struct iap_boot_decision bd;
	struct iap_server_cfg cfg;

	assert_int_equal(iap_boot_decide(r->d.flash, r->d.layout, LOADER_VER, 0,
					 r->scratch, sizeof(r->scratch), &bd),
			 0);
	cfg = r->srv.cfg;
	cfg.stage_only = 1;
	assert_int_equal(iap_server_init(&r->srv, &cfg, bd.app_valid, &bd.hdr),
			 0);
}

static void test_stage_only_refuses_app_slot(void **state)
{
	static uint8_t old[4096], img[5001];
	struct iap_image_hdr ho, h, got;
	struct iap_boot_decision bd;
	struct iap_info info;
	struct rig r;
	uint64_t ops;
	(void)state;

	rig_open(&r, "f103cb-staged");
	make_image(r.d.layout, old, sizeof(old), 20, &ho, 1, 0);
	dev_install(&r.d, old, &ho);
	stage_only(&r);
	make_image(r.d.layout, img, sizeof(img), 21, &h, 2, 0);
	ops = r.d.sf.ops_done;
	/* The app slot: refused, whatever the header, before any erase. */
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), IAP_ERR_PERM);
	h.image_size = 0;
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), IAP_ERR_PERM);
	h.image_size = sizeof(img);
	assert_int_equal(r.d.sf.ops_done, ops);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.app_valid, 1);
	assert_int_equal(info.state, IAP_STATE_IDLE);
	/* INFO tells the host it talks to the application. */
	assert_int_equal(info.caps, IAP_CAP_STAGE | IAP_CAP_APP |
					    IAP_CAP_STREAM | IAP_CAP_RESUME |
					    IAP_CAP_PROGRESS);
	assert_true(slot_equals(&r, old, sizeof(old)));
	/* The stage slot works as in the bootloader. */
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), 0);
	upload(&r, img, sizeof(img), 1024);
	/* In the middle of it, the app slot is still refused and the
	 * transfer goes on. */
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), IAP_ERR_PERM);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_int_equal(iap_stage_state(r.d.flash, r.d.layout, &got),
			 IAP_STAGE_PENDING);
	assert_int_equal(got.version.major, 2);
	assert_true(slot_equals(&r, old, sizeof(old)));
	assert_int_equal(iap_boot_decide(r.d.flash, r.d.layout, LOADER_VER, 0,
					 r.scratch, sizeof(r.scratch), &bd),
			 0);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);
	assert_int_equal(bd.hdr.version.major, 1);
	/* BOOT: the caller resets into the bootloader, which installs. */
	assert_int_equal(req_seq(&r, IAP_CMD_BOOT, 60, NULL, 0),
			 IAP_SERVER_BOOT);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.srv.staged, 1);
	rig_close(&r);
}

/* Without a stage there is nothing an application may write. */
static void test_stage_only_without_stage(void **state)
{
	static uint8_t img[2048];
	struct iap_image_hdr h;
	struct rig r;
	uint64_t ops;
	(void)state;

	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 22, &h, 1, 0);
	dev_install(&r.d, img, &h);
	stage_only(&r);
	ops = r.d.sf.ops_done;
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), IAP_ERR_PERM);
	assert_int_equal(start_slot(&r, IAP_SLOT_STAGE, &h), IAP_ERR_NOTSUP);
	assert_int_equal(write_at(&r, 0, img, 64), IAP_ERR_PERM);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_PERM);
	assert_int_equal(r.d.sf.ops_done, ops);
	/* BOOT with nothing staged: the installed image, as before. */
	assert_int_equal(req_seq(&r, IAP_CMD_BOOT, 61, NULL, 0),
			 IAP_SERVER_BOOT);
	assert_int_equal(r.srv.staged, 0);
	rig_close(&r);
}

/* The bootloader's server (stage_only 0) still takes the app slot. */
static void test_app_slot_allowed_by_default(void **state)
{
	static uint8_t img[2048];
	struct iap_image_hdr h;
	struct iap_info info;
	struct rig r;
	(void)state;

	rig_open(&r, "f103cb-staged");
	assert_int_equal(r.srv.cfg.stage_only, 0);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.caps, IAP_CAP_STAGE | IAP_CAP_STREAM |
					    IAP_CAP_RESUME | IAP_CAP_PROGRESS);
	make_image(r.d.layout, img, sizeof(img), 23, &h, 1, 0);
	assert_int_equal(start_slot(&r, IAP_SLOT_APP, &h), 0);
	upload(&r, img, sizeof(img), 1024);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, sizeof(img)));
	rig_close(&r);
}

/* START into the app slot with v2 flags. */
static int start_flags(struct rig *r, uint8_t flags,
		       const struct iap_image_hdr *h)
{
	return start_slot_flags(r, IAP_SLOT_APP, flags, h);
}

static void test_info_v2_window(void **state)
{
	struct iap_info info;
	struct rig r;

	(void)state;
	rig_open(&r, "f103c8");
	/* No ring given: one frame at a time. */
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(r.body_len, IAP_INFO_SIZE);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.proto_version, 2);
	assert_true(info.caps & IAP_CAP_STREAM);
	assert_int_equal(info.window, 1);
	/* A 4 KiB ring holds three whole 1100-byte frames. */
	r.srv.cfg.rx_ring = 4096;
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.window, 4096 / (1100 + IAP_FRAME_OVERHEAD));
	assert_int_equal(info.rx_ring, 4096);
	/* Never more than the seq space allows. */
	r.srv.cfg.rx_ring = 1u << 30;
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.window, IAP_WINDOW_MAX);
	rig_close(&r);
}

static void test_v1_device_mode(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	struct iap_info info;
	struct rig r;
	uint64_t ops;

	(void)state;
	rig_open(&r, "f103c8");
	r.srv.cfg.proto_v1 = 1;
	r.srv.cfg.rx_ring = 4096;
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	/* The body a v1 device sends: no v2 fields. */
	assert_int_equal(r.body_len, IAP_INFO_EXT2_OFF);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_int_equal(info.proto_version, 1);
	assert_false(info.caps & IAP_CAP_STREAM);
	assert_int_equal(info.window, 0);
	make_image(r.d.layout, img, sizeof(img), 5, &h, 1, 0);
	ops = r.d.sf.ops_done;
	assert_int_equal(start_flags(&r, IAP_START_F_STREAM, &h),
			 IAP_ERR_INVAL);
	assert_int_equal(r.d.sf.ops_done, ops);
	rig_close(&r);
}

/*
 * Events from r->ev[from] on: 2 .. IAP_PROGRESS_STEPS + 1 of them, all
 * for the request seq in phase ph and sent before its answer, done
 * growing to total.
 */
static void check_events(const struct rig *r, int from, uint8_t seq, uint8_t ph,
			 uint32_t total)
{
	uint32_t last = 0;

	assert_true(r->events - from >= 2);
	assert_true(r->events - from <= (int)IAP_PROGRESS_STEPS + 1);
	for (int i = from; i < r->events; i++) {
		assert_int_equal(r->ev[i].seq, seq);
		assert_int_equal(r->ev[i].phase, ph);
		assert_int_equal(r->ev[i].total, total);
		assert_int_equal(r->ev[i].answers, r->responses - 1);
		assert_true(r->ev[i].done > last);
		last = r->ev[i].done;
	}
	assert_int_equal(last, total);
}

/*
 * PROGRESS: with IAP_START_F_PROGRESS a START that erases the slot and
 * the FINISH that reads it back report each quarter, with the seq of the
 * request at work, before its answer; a resend of that request gets the
 * cached answer, not an event. Without the flag, and for a stream
 * session's START (it erases only the meta region), nothing.
 */
static void test_progress_events(void **state)
{
	const uint32_t size = 70003;
	uint8_t *img = malloc(size);
	struct iap_image_hdr h;
	struct iap_info info;
	uint8_t fin_seq;
	struct rig r;
	int n;

	(void)state;
	rig_open(&r, "f407vg");
	make_image(r.d.layout, img, size, 5, &h, 2, 1);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_true(info.caps & IAP_CAP_PROGRESS);

	assert_int_equal(start_flags(&r, 0, &h), 0);
	upload(&r, img, size, 1024);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_int_equal(r.events, 0);

	assert_int_equal(start_flags(&r, IAP_START_F_PROGRESS, &h), 0);
	check_events(&r, 0, r.seq, IAP_PROGRESS_ERASE,
		     size + r.d.layout->meta_size);
	n = r.events;
	upload(&r, img, size, 1024);
	assert_int_equal(r.events, n);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	check_events(&r, n, r.seq, IAP_PROGRESS_VERIFY, size);
	n = r.events;
	fin_seq = r.seq;
	req_seq(&r, IAP_CMD_FINISH, fin_seq, NULL, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.body_len, 0);
	assert_int_equal(r.events, n);
	assert_true(slot_equals(&r, img, size));

	assert_int_equal(
		start_flags(&r, IAP_START_F_STREAM | IAP_START_F_PROGRESS, &h),
		0);
	assert_int_equal(r.events, n);
	upload(&r, img, size, 1024);
	assert_int_equal(r.events, n);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	check_events(&r, n, r.seq, IAP_PROGRESS_VERIFY, size);
	rig_close(&r);
	free(img);
}

static void test_stream_erases_ahead(void **state)
{
	enum { SIZE = 5000 }; /* five F103 pages, the last one partly */
	static uint8_t img[SIZE + 16], other[1024];
	struct iap_image_hdr h;
	struct rig r;
	uint64_t erases;

	(void)state;
	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, SIZE, 9, &h, 1, 0);
	memset(&img[SIZE], 0xFF, 16);
	assert_int_equal(start_flags(&r, 0x80, &h), IAP_ERR_INVAL);
	erases = r.d.sf.erases;
	assert_int_equal(start_flags(&r, IAP_START_F_STREAM, &h), 0);
	/* Only the meta page goes at START. */
	assert_int_equal(r.d.sf.erases, erases + 1);
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(r.d.sf.erases, erases + 2);
	/* A frame lost on the line: the next one is answered AGAIN with the
	 * offset to send from, and nothing is written or erased. */
	assert_int_equal(write_at(&r, 2048, &img[2048], 1024), IAP_ERR_AGAIN);
	assert_int_equal(iap_get_le32(r.body), 1024);
	assert_int_equal(r.d.sf.erases, erases + 2);
	assert_int_equal(r.srv.state, IAP_STATE_RECEIVING);
	/* A resend of what is in is acknowledged; other bytes are not. */
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(iap_get_le32(r.body), 1024);
	memset(other, 0x11, sizeof(other));
	assert_int_equal(write_at(&r, 0, other, 1024), IAP_ERR_PROTO);
	for (uint32_t off = 1024; off < SIZE; off += 1024) {
		uint32_t n =
			SIZE - off < 1024 ? (SIZE - off + 1) / 2 * 2 : 1024;

		assert_int_equal(write_at(&r, off, &img[off], n), 0);
		assert_int_equal(iap_get_le32(r.body), off + n);
	}
	/* One erase per page the image reaches, each once. */
	assert_int_equal(r.d.sf.erases, erases + 1 + 5);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, SIZE));
	/* The page after the image was never touched. */
	assert_int_equal(sim_flash_wear(&r.d.sf, r.d.layout->app_addr + 5120),
			 0);
	rig_close(&r);
}

static void test_v1_gap_is_a_protocol_error(void **state)
{
	static uint8_t img[4096];
	struct iap_image_hdr h;
	struct rig r;

	(void)state;
	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, sizeof(img), 6, &h, 1, 0);
	assert_int_equal(start(&r, &h), 0);
	assert_int_equal(write_at(&r, 1024, &img[1024], 1024), IAP_ERR_PROTO);
	rig_close(&r);
}

static int hash_req(struct rig *r, uint8_t slot, uint32_t off, uint32_t len)
{
	uint8_t p[IAP_HASH_REQ_SIZE];

	memset(p, 0, sizeof(p));
	p[0] = slot;
	iap_put_le32(&p[4], off);
	iap_put_le32(&p[8], len);
	return req(r, IAP_CMD_HASH, p, sizeof(p));
}

static int start_resume(struct rig *r, const struct iap_image_hdr *h,
			uint32_t from)
{
	uint8_t p[IAP_START_RESUME_SIZE];

	memset(p, 0, sizeof(p));
	p[1] = IAP_START_F_STREAM | IAP_START_F_RESUME;
	iap_image_hdr_encode(h, &p[4]);
	iap_put_le32(&p[IAP_START_REQ_SIZE], from);
	return req(r, IAP_CMD_START, p, sizeof(p));
}

/* HASH: one truncated SHA-256 per sector of the range, the blank mask,
 * at most IAP_HASH_MAX_ENTRIES entries; ranges outside the slot refused. */
static void test_hash_per_sector(void **state)
{
	enum { SIZE = 3000 };
	static uint8_t img[SIZE + 2];
	const uint8_t *slot;
	uint8_t d[IAP_SHA256_SIZE];
	struct iap_image_hdr h;
	struct iap_info info;
	struct rig r;

	(void)state;
	rig_open(&r, "f103c8");
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_true(info.caps & IAP_CAP_RESUME);
	make_image(r.d.layout, img, SIZE, 3, &h, 1, 0);
	img[SIZE] = img[SIZE + 1] = 0xFF;
	assert_int_equal(start_flags(&r, IAP_START_F_STREAM, &h), 0);
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(write_at(&r, 1024, &img[1024], 1000), 0);
	slot = &r.d.sf.mem[r.d.layout->app_addr - r.d.sf.base];
	/* From 512: [512, 1024), [1024, 2048), then two blank pages. */
	assert_int_equal(hash_req(&r, IAP_SLOT_APP, 512, 4096 - 512), 0);
	assert_int_equal(r.body_len, IAP_HASH_RESP_HDR + 4 * 8);
	assert_int_equal(iap_get_le32(r.body), 512);
	assert_int_equal(r.body[4], 4);
	assert_int_equal(iap_get_le16(&r.body[6]), 0xC);
	iap_sha256(&slot[512], 512, d);
	assert_memory_equal(&r.body[8], d, 8);
	iap_sha256(&img[1024], 1024, d); /* 1000 written, 24 still 0xFF */
	assert_memory_not_equal(&r.body[16], d, 8);
	iap_sha256(&slot[1024], 1024, d);
	assert_memory_equal(&r.body[16], d, 8);
	/* The whole 48-page slot: the first 14 pages in one answer. */
	assert_int_equal(hash_req(&r, IAP_SLOT_APP, 0, r.d.layout->app_size),
			 0);
	assert_int_equal(r.body[4], IAP_HASH_MAX_ENTRIES);
	assert_int_equal(iap_get_le16(&r.body[6]),
			 (1u << IAP_HASH_MAX_ENTRIES) - 4u);
	/* A hash is read only: the session goes on. */
	assert_int_equal(r.srv.state, IAP_STATE_RECEIVING);
	assert_int_equal(hash_req(&r, IAP_SLOT_APP, r.d.layout->app_size, 1),
			 IAP_ERR_RANGE);
	assert_int_equal(
		hash_req(&r, IAP_SLOT_APP, 4, r.d.layout->app_size - 3),
		IAP_ERR_RANGE);
	assert_int_equal(hash_req(&r, IAP_SLOT_STAGE, 0, 16), IAP_ERR_NOTSUP);
	assert_int_equal(req(&r, IAP_CMD_HASH, "\0\0\0\0", 4), IAP_ERR_INVAL);
	/* A v1 device has no HASH. */
	r.srv.cfg.proto_v1 = 1;
	assert_int_equal(hash_req(&r, IAP_SLOT_APP, 0, 16), IAP_ERR_NOTSUP);
	rig_close(&r);
}

/* START with RESUME: the pages below the offset are kept, the writes go
 * on from there, FINISH hashes it all. */
static void test_start_resume(void **state)
{
	enum { SIZE = 5000 };
	static uint8_t img[SIZE + 16];
	struct iap_image_hdr h;
	struct rig r;
	uint64_t erases, ops;
	uint8_t p[IAP_START_REQ_SIZE];

	(void)state;
	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, SIZE, 4, &h, 1, 0);
	memset(&img[SIZE], 0xFF, 16);
	assert_int_equal(start_flags(&r, IAP_START_F_STREAM, &h), 0);
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(write_at(&r, 1024, &img[1024], 1024), 0);
	assert_int_equal(write_at(&r, 2048, &img[2048], 512), 0);
	/* Bad resume requests change nothing. */
	ops = r.d.sf.ops_done;
	memset(p, 0, sizeof(p));
	p[1] = IAP_START_F_STREAM | IAP_START_F_RESUME;
	iap_image_hdr_encode(&h, &p[4]);
	assert_int_equal(req(&r, IAP_CMD_START, p, sizeof(p)), IAP_ERR_INVAL);
	assert_int_equal(start_resume(&r, &h, 1536), IAP_ERR_ALIGN);
	assert_int_equal(start_resume(&r, &h, 6000), IAP_ERR_RANGE);
	assert_int_equal(r.d.sf.ops_done, ops);
	erases = r.d.sf.erases;
	assert_int_equal(start_resume(&r, &h, 2048), 0);
	assert_int_equal(r.d.sf.erases, erases + 1); /* meta only */
	/* Below the offset: checked, not written; past it: a gap. */
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(write_at(&r, 3072, &img[3072], 1024), IAP_ERR_AGAIN);
	assert_int_equal(iap_get_le32(r.body), 2048);
	for (uint32_t off = 2048; off < SIZE; off += 1024) {
		uint32_t n =
			SIZE - off < 1024 ? (SIZE - off + 1) / 2 * 2 : 1024;

		assert_int_equal(write_at(&r, off, &img[off], n), 0);
	}
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, SIZE));
	/* A v1 device refuses the flag. */
	r.srv.cfg.proto_v1 = 1;
	assert_int_equal(start_resume(&r, &h, 2048), IAP_ERR_INVAL);
	rig_close(&r);
}

static uint8_t lz_win[2048];

/* START of a compressed stream session into the app slot. */
static int start_packed(struct rig *r, const struct iap_image_hdr *h,
			uint8_t extra, uint32_t from)
{
	uint8_t p[IAP_START_RESUME_SIZE];
	uint16_t len = IAP_START_REQ_SIZE;

	memset(p, 0, sizeof(p));
	p[1] = (uint8_t)(IAP_START_F_STREAM | IAP_START_F_LZSS | extra);
	iap_image_hdr_encode(h, &p[4]);
	if (extra & IAP_START_F_RESUME) {
		iap_put_le32(&p[IAP_START_REQ_SIZE], from);
		len = IAP_START_RESUME_SIZE;
	}
	return req(r, IAP_CMD_START, p, len);
}

/* Send z (n bytes) from stream offset 0 in frames of chunk bytes. */
static int send_packed(struct rig *r, const uint8_t *z, size_t n,
		       uint32_t chunk)
{
	for (uint32_t off = 0; off < n; off += chunk) {
		uint32_t k = n - off < chunk ? (uint32_t)(n - off) : chunk;
		int err = write_at(r, off, &z[off], k);

		if (err) {
			return err;
		}
		assert_int_equal(iap_get_le32(r->body), off + k);
	}
	return 0;
}

static void packed_rig(struct rig *r)
{
	rig_open(r, "f103c8");
	r->srv.cfg.lzss_win = lz_win;
	r->srv.cfg.lzss_win_size = sizeof(lz_win);
}

/* A compressed session: INFO announces the window; stream offsets in the
 * WRITEs; resends and gaps as in any stream; the image verified. */
static void test_packed_update(void **state)
{
	enum { SIZE = 9001 };
	static uint8_t img[SIZE];
	struct iap_image_hdr h, got;
	struct iap_info info;
	uint8_t *z = NULL;
	size_t zn = 0;
	struct rig r;

	(void)state;
	rig_open(&r, "f103c8");
	make_image(r.d.layout, img, SIZE, 11, &h, 1, 0);
	/* No window: no capability, and the flag is refused before erase. */
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_false(info.caps & IAP_CAP_LZSS);
	assert_int_equal(start_packed(&r, &h, 0, 0), IAP_ERR_NOTSUP);
	rig_close(&r);

	packed_rig(&r);
	assert_int_equal(req(&r, IAP_CMD_INFO, NULL, 0), 0);
	assert_int_equal(iap_info_decode(r.body, r.body_len, &info), 0);
	assert_true(info.caps & IAP_CAP_LZSS);
	assert_int_equal(info.lzss_bits, 11);
	assert_int_equal(lzss_compress(img, SIZE, 11, &z, &zn), 0);
	assert_true(zn > 600);
	assert_int_equal(start_packed(&r, &h, 0, 0), 0);
	assert_int_equal(write_at(&r, 0, z, 300), 0);
	assert_int_equal(iap_get_le32(r.body), 300);
	/* A gap, a resend, a frame that straddles: as in any stream. */
	assert_int_equal(write_at(&r, 400, &z[400], 100), IAP_ERR_AGAIN);
	assert_int_equal(iap_get_le32(r.body), 300);
	assert_int_equal(write_at(&r, 0, z, 300), 0);
	assert_int_equal(write_at(&r, 200, &z[200], 400), 0);
	assert_int_equal(iap_get_le32(r.body), 600);
	for (uint32_t off = 600; off < zn; off += 1000) {
		uint32_t k = zn - off < 1000 ? (uint32_t)(zn - off) : 1000;

		assert_int_equal(write_at(&r, off, &z[off], k), 0);
		assert_int_equal(iap_get_le32(r.body), off + k);
	}
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, SIZE));
	assert_int_equal(iap_image_read_meta(r.d.flash, r.d.layout, &got), 0);
	free(z);
	rig_close(&r);
}

/* Streams that must never be committed: one that decompresses past the
 * image, one cut short, one corrupt. Each leaves nothing bootable and a
 * new START works. */
static void test_packed_refusals(void **state)
{
	enum { SIZE = 6000 };
	static uint8_t img[SIZE + 64];
	struct iap_image_hdr h, got;
	uint8_t *z = NULL;
	size_t zn = 0;
	struct rig r;

	(void)state;
	packed_rig(&r);
	make_image(r.d.layout, img, SIZE + 64, 12, &h, 1, 0);
	/* The header says SIZE; the stream holds 64 bytes more. */
	make_image(r.d.layout, img, SIZE, 12, &h, 1, 0);
	assert_int_equal(lzss_compress(img, SIZE + 64, 11, &z, &zn), 0);
	assert_int_equal(start_packed(&r, &h, 0, 0), 0);
	assert_int_equal(send_packed(&r, z, zn, 512), IAP_ERR_FBIG);
	assert_int_equal(r.srv.state, IAP_STATE_IDLE);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_PERM);
	assert_int_equal(iap_image_read_meta(r.d.flash, r.d.layout, &got),
			 IAP_ERR_NOENT);
	free(z);

	/* Cut short: FINISH finds the stream unfinished. */
	assert_int_equal(lzss_compress(img, SIZE, 11, &z, &zn), 0);
	assert_int_equal(start_packed(&r, &h, 0, 0), 0);
	assert_int_equal(send_packed(&r, z, zn - 1, 512), 0);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), IAP_ERR_PROTO);
	assert_int_equal(iap_image_read_meta(r.d.flash, r.d.layout, &got),
			 IAP_ERR_NOENT);
	/* Bytes after the end marker: corrupt, the session ends. */
	assert_int_equal(write_at(&r, (uint32_t)zn - 1, &z[zn - 1], 1), 0);
	assert_int_equal(write_at(&r, (uint32_t)zn, z, 8), IAP_ERR_CORRUPT);
	assert_int_equal(r.srv.state, IAP_STATE_IDLE);
	assert_int_equal(iap_image_read_meta(r.d.flash, r.d.layout, &got),
			 IAP_ERR_NOENT);
	/* Garbage in place of a stream. */
	assert_int_equal(start_packed(&r, &h, 0, 0), 0);
	assert_int_equal(
		write_at(&r, 0, (const uint8_t *)"\x11\x22\x33\x44", 4),
		IAP_ERR_BADMSG);
	assert_int_equal(r.srv.state, IAP_STATE_IDLE);
	/* And the real stream goes in after all that. */
	assert_int_equal(start_packed(&r, &h, 0, 0), 0);
	assert_int_equal(send_packed(&r, z, zn, 700), 0);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, SIZE));
	free(z);
	rig_close(&r);
}

/* Resumed and compressed: the stream holds the image from the offset. */
static void test_packed_resume(void **state)
{
	enum { SIZE = 7000 };
	static uint8_t img[SIZE];
	struct iap_image_hdr h;
	uint8_t *z = NULL;
	size_t zn = 0;
	struct rig r;

	(void)state;
	packed_rig(&r);
	make_image(r.d.layout, img, SIZE, 13, &h, 1, 0);
	assert_int_equal(start_flags(&r, IAP_START_F_STREAM, &h), 0);
	assert_int_equal(write_at(&r, 0, img, 1024), 0);
	assert_int_equal(write_at(&r, 1024, &img[1024], 1024), 0);
	assert_int_equal(write_at(&r, 2048, &img[2048], 100), 0);
	assert_int_equal(lzss_compress(&img[2048], SIZE - 2048, 11, &z, &zn),
			 0);
	assert_int_equal(start_packed(&r, &h, IAP_START_F_RESUME, 2048), 0);
	assert_int_equal(send_packed(&r, z, zn, 512), 0);
	assert_int_equal(req(&r, IAP_CMD_FINISH, NULL, 0), 0);
	assert_true(slot_equals(&r, img, SIZE));
	free(z);
	rig_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_f103),
		cmocka_unit_test(test_update_f407),
		cmocka_unit_test(test_refusals_before_erase_keep_old_image),
		cmocka_unit_test(test_write_rules),
		cmocka_unit_test(test_resent_request_not_executed_twice),
		cmocka_unit_test(test_hash_mismatch_stays_in_update_mode),
		cmocka_unit_test(test_bad_vectors_refused_at_finish),
		cmocka_unit_test(test_staged_update_f103),
		cmocka_unit_test(test_staged_update_f407),
		cmocka_unit_test(test_stage_refusals),
		cmocka_unit_test(test_direct_upload_cancels_stage),
		cmocka_unit_test(test_stage_only_refuses_app_slot),
		cmocka_unit_test(test_stage_only_without_stage),
		cmocka_unit_test(test_app_slot_allowed_by_default),
		cmocka_unit_test(test_info_v2_window),
		cmocka_unit_test(test_v1_device_mode),
		cmocka_unit_test(test_stream_erases_ahead),
		cmocka_unit_test(test_progress_events),
		cmocka_unit_test(test_v1_gap_is_a_protocol_error),
		cmocka_unit_test(test_hash_per_sector),
		cmocka_unit_test(test_start_resume),
		cmocka_unit_test(test_packed_update),
		cmocka_unit_test(test_packed_refusals),
		cmocka_unit_test(test_packed_resume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
