/*
 * libFuzzer target: the YModem receiver (iap_ymodem_start/_input).
 *
 * Input: byte 0 the configuration (bit 0 eot_ack, bit 1 a 1024-byte block
 * buffer instead of 128, bits 2..3 the largest file begin() accepts:
 * any, 64, 1000 or 4096 bytes), then commands: a byte c < 0xC0 feeds the
 * next c + 1 bytes as the sender's (1 ms later than the previous feed), a
 * byte c >= 0xC0 lets (c - 0xBF) x 100 ms pass with no bytes.
 *
 * Invariants: data() only inside a file begun and not ended, within the
 * block buffer, never past the size begin() announced (nor past what
 * begin() accepted); end() only with every byte of the size in; the
 * receiver's own counters agree; it sends only 'C', ACK, NAK and CAN; a
 * result is RUN, DONE or a negative error, and once ended it sticks with
 * no more callbacks or bytes sent; DONE only with every file ended.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iap/iap_err.h"
#include "iap/iap_ymodem.h"

struct rec {
	const struct iap_ymodem *y;
	uint8_t *buf;
	uint16_t buf_size;
	uint32_t max_size; /* begin() refuses larger files */
	int open;	   /* a file was begun and not ended */
	uint32_t size, got;
	uint32_t begins, ends, calls, sent;
};

static int cb_begin(void *ctx, const char *name, uint32_t size)
{
	struct rec *r = ctx;
	size_t n;

	CHECK(!r->open);
	CHECK(name != NULL);
	n = strlen(name);
	CHECK(n < r->buf_size);
	r->calls++;
	if (size > r->max_size) {
		return IAP_ERR_FBIG;
	}
	r->open = 1;
	r->size = size;
	r->got = 0;
	r->begins++;
	return 0;
}

static int cb_data(void *ctx, const uint8_t *data, uint32_t len)
{
	struct rec *r = ctx;

	r->calls++;
	CHECK(r->open);
	CHECK(len > 0 && len <= IAP_YMODEM_BLOCK_STX);
	CHECK(data >= r->buf && data + len <= r->buf + r->buf_size);
	CHECK(r->got + len <= r->size);
	CHECK(r->size <= r->max_size);
	r->got += len;
	return 0;
}

static int cb_end(void *ctx)
{
	struct rec *r = ctx;

	r->calls++;
	CHECK(r->open);
	CHECK(r->got == r->size);
	r->open = 0;
	r->ends++;
	return 0;
}

static int cb_send(void *ctx, const uint8_t *data, size_t len)
{
	struct rec *r = ctx;

	for (size_t i = 0; i < len; i++) {
		CHECK(data[i] == IAP_YMODEM_CRC || data[i] == IAP_YMODEM_ACK ||
		      data[i] == IAP_YMODEM_NAK || data[i] == IAP_YMODEM_CAN);
	}
	r->sent += (uint32_t)len;
	return 0;
}

static void check_state(const struct rec *r, const struct iap_ymodem *y,
			int res)
{
	CHECK(y->got <= y->size || !r->open);
	/* An STX block into a 128-byte buffer is refused at its first byte. */
	CHECK(y->len <= r->buf_size || res == IAP_ERR_OVERFLOW);
	CHECK(y->pos <= (uint32_t)y->len + 4u);
	if (r->open) {
		CHECK(y->got == r->got && y->size == r->size);
	}
	CHECK(y->files == r->ends);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t limits[4] = {UINT32_MAX, 64u, 1000u, 4096u};
	struct iap_ymodem y;
	struct iap_ymodem_cfg cfg;
	struct rec r;
	uint8_t *buf;
	uint32_t now = 0x7FFFFF00u; /* wraps during the run */
	int res, last = IAP_YMODEM_RUN;
	size_t i = 1;

	if (size < 1) {
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.buf_size =
		(data[0] & 2u) ? IAP_YMODEM_BLOCK_STX : IAP_YMODEM_BLOCK_SOH;
	r.max_size = limits[(data[0] >> 2) & 3u];
	/* Exactly buf_size bytes: ASan catches a block past the buffer. */
	buf = malloc(r.buf_size);
	CHECK(buf != NULL);
	r.buf = buf;
	r.y = &y;

	memset(&cfg, 0, sizeof(cfg));
	cfg.begin = cb_begin;
	cfg.data = cb_data;
	cfg.end = cb_end;
	cfg.ctx = &r;
	cfg.send = cb_send;
	cfg.send_ctx = &r;
	cfg.buf = buf;
	cfg.buf_size = r.buf_size;
	cfg.eot_ack = data[0] & 1u;
	res = iap_ymodem_start(&y, &cfg, now);
	CHECK(res == IAP_YMODEM_RUN);
	CHECK(r.sent == 1);

	while (i < size) {
		uint8_t c = data[i++];
		uint32_t calls = r.calls, sent = r.sent;

		if (c >= 0xC0u) {
			now += (uint32_t)(c - 0xBFu) * 100u;
			res = iap_ymodem_input(&y, now, NULL, 0);
		} else {
			size_t n = (size_t)c + 1u;

			if (n > size - i) {
				n = size - i;
			}
			now += 1u;
			res = iap_ymodem_input(&y, now, &data[i], n);
			i += n;
		}
		CHECK(res == IAP_YMODEM_RUN || res == IAP_YMODEM_DONE ||
		      res < 0);
		if (last != IAP_YMODEM_RUN) {
			/* Ended: the same result, nothing happens. */
			CHECK(res == last);
			CHECK(r.calls == calls && r.sent == sent);
		}
		if (res == IAP_YMODEM_DONE) {
			CHECK(!r.open && r.begins == r.ends);
		}
		check_state(&r, &y, res);
		last = res;
	}
	free(buf);
	return 0;
}
