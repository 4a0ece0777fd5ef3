/*
 * Boot decision table and the loader's modes (hello window, update mode,
 * idle timeout), driven with a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_proto.h"

static uint8_t img[8192];

struct box {
	struct dev d;
	struct iap_loader ld;
	struct iap_loader_cfg cfg;
	uint8_t rx[600], tx[400], scratch[128];
	int sent;
};

static int count_send(void *ctx, const uint8_t *data, size_t len)
{
	struct box *b = ctx;

	(void)data;
	(void)len;
	b->sent++;
	return 0;
}

static void box_open(struct box *b, const char *board, int with_image,
		     uint32_t hello_ms, uint32_t idle_ms)
{
	struct iap_image_hdr h;

	memset(b, 0, sizeof(*b));
	dev_open(&b->d, board);
	if (with_image) {
		make_image(b->d.layout, img, sizeof(img), 21, &h, 3, 4);
		dev_install(&b->d, img, &h);
	}
	b->cfg.server.flash = b->d.flash;
	b->cfg.server.layout = b->d.layout;
	b->cfg.server.loader_version = LOADER_VER;
	b->cfg.server.rx_buf = b->rx;
	b->cfg.server.rx_cap = sizeof(b->rx);
	b->cfg.server.tx_buf = b->tx;
	b->cfg.server.tx_cap = sizeof(b->tx);
	b->cfg.server.scratch = b->scratch;
	b->cfg.server.scratch_size = sizeof(b->scratch);
	b->cfg.server.send = count_send;
	b->cfg.server.send_ctx = b;
	b->cfg.hello_ms = hello_ms;
	b->cfg.idle_ms = idle_ms;
	b->cfg.gap_ms = 100;
}

static void decide(struct box *b, int request, struct iap_boot_decision *bd)
{
	assert_int_equal(iap_boot_decide(b->d.flash, b->d.layout, LOADER_VER,
					 request, b->scratch,
					 sizeof(b->scratch), bd),
			 0);
}

static void test_decision_table(void **state)
{
	struct box b;
	struct iap_boot_decision bd;
	(void)state;

	/* No image, with and without a request. */
	box_open(&b, "f103c8", 0, 0, 0);
	decide(&b, 0, &bd);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_NO_IMAGE);
	decide(&b, 1, &bd);
	assert_int_equal(bd.reason, IAP_REASON_NO_IMAGE);
	dev_close(&b.d);

	/* Valid image. */
	box_open(&b, "f407vg", 1, 0, 0);
	decide(&b, 0, &bd);
	assert_int_equal(bd.action, IAP_BOOT_JUMP);
	assert_int_equal(bd.reason, IAP_REASON_VALID);
	assert_int_equal(bd.jump_addr, b.d.layout->app_addr);
	assert_int_equal(bd.hdr.version.major, 3);
	decide(&b, 1, &bd);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_REQUESTED);
	assert_int_equal(bd.app_valid, 1);

	/* One flipped bit in the slot: bad image, never jumped to. */
	b.d.sf.mem[b.d.layout->app_addr - b.d.sf.base + 4000] ^= 0x01;
	decide(&b, 0, &bd);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	assert_int_equal(bd.reason, IAP_REASON_BAD_IMAGE);
	assert_int_equal(bd.err, IAP_ERR_CORRUPT);
	assert_int_equal(bd.app_valid, 0);
	dev_close(&b.d);
}

static void test_bad_layout_is_an_error(void **state)
{
	struct box b;
	struct iap_boot_decision bd;
	struct iap_layout l;
	(void)state;

	box_open(&b, "f103c8", 0, 0, 0);
	l = *b.d.layout;
	l.app_addr += 4;
	assert_int_equal(iap_boot_decide(b.d.flash, &l, LOADER_VER, 0,
					 b.scratch, sizeof(b.scratch), &bd),
			 IAP_ERR_INVAL);
	assert_int_equal(bd.action, IAP_BOOT_UPDATE);
	dev_close(&b.d);
}

static void test_valid_image_no_window_jumps_at_once(void **state)
{
	struct box b;
	(void)state;

	box_open(&b, "f103c8", 1, 0, 0);
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 1000),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.boot.jump_addr, 0x08004000);
	dev_close(&b.d);
}

static void test_hello_window(void **state)
{
	struct box b;
	uint8_t junk[32], frame[16];
	int n;
	(void)state;

	/* Silence: jump when the window closes, even with junk arriving.
	 * The window runs from the first poll (1100): the 100 ms the start
	 * took (hashing, an install) do not eat into it. */
	box_open(&b, "f103c8", 1, 200, 0);
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 1000),
			 IAP_LOADER_RUN);
	memset(junk, 0x55, sizeof(junk));
	assert_int_equal(iap_loader_poll(&b.ld, 1100, junk, sizeof(junk)),
			 IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 1200, junk, sizeof(junk)),
			 IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 1299, junk, sizeof(junk)),
			 IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 1300, junk, sizeof(junk)),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.exit_reason, IAP_REASON_VALID);
	dev_close(&b.d);

	/* A hello inside the window: update mode, no timeout after. */
	box_open(&b, "f103c8", 1, 200, 0);
	iap_loader_start(&b.ld, &b.cfg, 0, 1000);
	n = iap_frame_encode(frame, sizeof(frame), IAP_CMD_INFO, 1, NULL, 0);
	assert_int_equal(iap_loader_poll(&b.ld, 1150, frame, (size_t)n),
			 IAP_LOADER_RUN);
	assert_int_equal(b.sent, 1);
	assert_int_equal(b.ld.mode, IAP_MODE_UPDATE);
	assert_int_equal(iap_loader_poll(&b.ld, 99000, NULL, 0),
			 IAP_LOADER_RUN);
	/* BOOT leaves. */
	n = iap_frame_encode(frame, sizeof(frame), IAP_CMD_BOOT, 2, NULL, 0);
	assert_int_equal(iap_loader_poll(&b.ld, 99010, frame, (size_t)n),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.exit_reason, IAP_REASON_BOOT_CMD);
	dev_close(&b.d);
}

static void test_idle_timeout_only_with_valid_image(void **state)
{
	struct box b;
	(void)state;

	/* Requested update, valid image, nobody comes: boot it after idle. */
	box_open(&b, "f407vg", 1, 0, 5000);
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 1, 0), IAP_LOADER_RUN);
	/* The timeout runs from the first poll, 10 ms after the start. */
	assert_int_equal(iap_loader_poll(&b.ld, 10, NULL, 0), IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 5009, NULL, 0), IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 5010, NULL, 0),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.exit_reason, IAP_REASON_IDLE);
	dev_close(&b.d);

	/* No image: never leaves update mode. */
	box_open(&b, "f407vg", 0, 0, 5000);
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 0), IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 1000000, NULL, 0),
			 IAP_LOADER_RUN);
	dev_close(&b.d);
}

static int feed(struct box *b, uint32_t now, uint8_t cmd, uint8_t seq,
		const void *p, uint16_t len)
{
	uint8_t frame[700];
	int n = iap_frame_encode(frame, sizeof(frame), cmd, seq, p, len);

	assert_true(n > 0);
	return iap_loader_poll(&b->ld, now, frame, (size_t)n);
}

/* Stage v5 over the protocol, never say BOOT: the idle timeout installs. */
static void test_staged_install_by_loader(void **state)
{
	static uint8_t v5[3000];
	uint8_t p[IAP_START_REQ_SIZE];
	struct iap_image_hdr h;
	uint8_t seq = 1;
	struct box b;
	(void)state;

	box_open(&b, "f103cb-staged", 1, 0, 5000);
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 1, 0), IAP_LOADER_RUN);
	assert_int_equal(b.ld.record.event, IAP_EVENT_NONE);
	make_image(b.d.layout, v5, sizeof(v5), 55, &h, 5, 0);
	memset(p, 0, sizeof(p));
	p[0] = IAP_SLOT_STAGE;
	iap_image_hdr_encode(&h, &p[4]);
	assert_int_equal(feed(&b, 10, IAP_CMD_START, seq++, p, sizeof(p)),
			 IAP_LOADER_RUN);
	for (uint32_t off = 0; off < sizeof(v5); off += 500) {
		uint8_t w[504];

		iap_put_le32(w, off);
		memcpy(&w[4], &v5[off], 500);
		assert_int_equal(
			feed(&b, 20, IAP_CMD_WRITE, seq++, w, sizeof(w)),
			IAP_LOADER_RUN);
	}
	assert_int_equal(feed(&b, 30, IAP_CMD_FINISH, seq++, NULL, 0),
			 IAP_LOADER_RUN);
	assert_int_equal(b.ld.srv.staged, 1);
	assert_int_equal(iap_loader_poll(&b.ld, 5029, NULL, 0), IAP_LOADER_RUN);
	assert_int_equal(iap_loader_poll(&b.ld, 5030, NULL, 0),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.record.event, IAP_EVENT_INSTALLED);
	assert_int_equal(b.ld.exit_reason, IAP_REASON_UPDATED);
	assert_int_equal(b.ld.boot.hdr.version.major, 5);
	/* The next reset: nothing left to install, v5 boots. */
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 0),
			 IAP_LOADER_JUMP);
	assert_int_equal(b.ld.record.event, IAP_EVENT_NONE);
	assert_int_equal(b.ld.boot.hdr.version.major, 5);
	dev_close(&b.d);
}

/* The port's USART as the loader sees it: what it was asked to do. */
struct fake_uart {
	uint32_t max;	/* fastest rate it takes */
	uint32_t now;	/* rate it runs at */
	int switches;	/* apply calls */
	int fail_apply; /* 1: the switch itself fails */
};

static int fake_set_baud(void *ctx, uint32_t baud, int apply)
{
	struct fake_uart *u = ctx;

	if (baud > u->max) {
		return IAP_ERR_NOTSUP;
	}
	if (apply) {
		u->switches++;
		if (u->fail_apply) {
			return IAP_ERR_IO;
		}
		u->now = baud;
	}
	return 0;
}

static int baud_req(struct box *b, uint32_t now, uint8_t seq, uint32_t baud)
{
	uint8_t p[4];

	iap_put_le32(p, baud);
	return feed(b, now, IAP_CMD_BAUD, seq, p, sizeof(p));
}

static void test_baud_switch_and_fallback(void **state)
{
	struct fake_uart u = {921600, 115200, 0, 0};
	struct box b;

	(void)state;
	box_open(&b, "f103c8", 0, 0, 0);
	/* Without a set_baud hook BAUD is not supported, nothing switches. */
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 0), IAP_LOADER_RUN);
	baud_req(&b, 10, 1, 921600);
	assert_int_equal(b.ld.srv.baud_req, 0);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_BASE);
	dev_close(&b.d);

	box_open(&b, "f103c8", 0, 0, 0);
	b.cfg.server.set_baud = fake_set_baud;
	b.cfg.server.baud_ctx = &u;
	b.cfg.server.baud = 115200;
	assert_int_equal(iap_loader_start(&b.ld, &b.cfg, 0, 0), IAP_LOADER_RUN);
	/* Faster than the USART: refused, no switch. */
	baud_req(&b, 10, 1, 2000000);
	assert_int_equal(u.switches, 0);
	/* Answered, then switched. */
	baud_req(&b, 20, 2, 921600);
	assert_int_equal(u.now, 921600);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_PROVING);
	/* Nobody at the new rate: back to 115200 after the proving time. */
	iap_loader_poll(&b.ld, 20 + IAP_BAUD_PROVE_MS - 1, NULL, 0);
	assert_int_equal(u.now, 921600);
	iap_loader_poll(&b.ld, 20 + IAP_BAUD_PROVE_MS, NULL, 0);
	assert_int_equal(u.now, 115200);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_BASE);
	/* Again, and this time a request comes at the new rate. */
	baud_req(&b, 2000, 3, 921600);
	assert_int_equal(u.now, 921600);
	feed(&b, 2100, IAP_CMD_INFO, 4, NULL, 0);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_SWITCHED);
	iap_loader_poll(&b.ld, 2100 + IAP_BAUD_PROVE_MS + 10, NULL, 0);
	assert_int_equal(u.now, 921600);
	/* The host goes quiet: the reset rate again after the idle time. */
	iap_loader_poll(&b.ld, 2100 + IAP_BAUD_IDLE_MS - 1, NULL, 0);
	assert_int_equal(u.now, 921600);
	iap_loader_poll(&b.ld, 2100 + IAP_BAUD_IDLE_MS, NULL, 0);
	assert_int_equal(u.now, 115200);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_BASE);
	/* A port that cannot switch stays where it is. */
	u.fail_apply = 1;
	baud_req(&b, 9000, 5, 460800);
	assert_int_equal(u.now, 115200);
	assert_int_equal(b.ld.baud_state, IAP_BAUD_BASE);
	dev_close(&b.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decision_table),
		cmocka_unit_test(test_bad_layout_is_an_error),
		cmocka_unit_test(test_valid_image_no_window_jumps_at_once),
		cmocka_unit_test(test_hello_window),
		cmocka_unit_test(test_idle_timeout_only_with_valid_image),
		cmocka_unit_test(test_staged_install_by_loader),
		cmocka_unit_test(test_baud_switch_and_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
