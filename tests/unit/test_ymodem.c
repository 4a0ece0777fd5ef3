/*
 * YModem receiver: a sender built here drives it through whole batches in
 * 128- and 1024-byte blocks and every size around the block edges; bad
 * CRCs, bad complements, duplicated and lost blocks and bytes, aborts,
 * refusals by the callbacks, timeouts and the 'C' polling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_err.h"
#include "iap/iap_ymodem.h"

#define SOH IAP_YMODEM_SOH
#define STX IAP_YMODEM_STX
#define EOT IAP_YMODEM_EOT
#define ACK IAP_YMODEM_ACK
#define NAK IAP_YMODEM_NAK
#define CAN IAP_YMODEM_CAN

/* The device side: the receiver and what its callbacks saw. */
struct rx {
	struct iap_ymodem y;
	struct iap_ymodem_cfg cfg;
	uint8_t buf[1024];
	uint8_t out[512]; /* bytes the receiver sent, since take() */
	size_t out_len;
	char name[130];
	uint32_t size;
	int begins, ends, datas;
	uint8_t file[4096];
	uint32_t file_len;
	int begin_ret, data_ret, end_ret;
	uint32_t now;
};

static int cb_begin(void *ctx, const char *name, uint32_t size)
{
	struct rx *r = ctx;

	assert_true(strlen(name) < sizeof(r->name));
	strcpy(r->name, name);
	r->size = size;
	r->begins++;
	return r->begin_ret;
}

static int cb_data(void *ctx, const uint8_t *data, uint32_t len)
{
	struct rx *r = ctx;

	assert_true(r->file_len + len <= sizeof(r->file));
	memcpy(&r->file[r->file_len], data, len);
	r->file_len += len;
	r->datas++;
	return r->data_ret;
}

static int cb_end(void *ctx)
{
	struct rx *r = ctx;

	r->ends++;
	return r->end_ret;
}

static int cb_send(void *ctx, const uint8_t *data, size_t len)
{
	struct rx *r = ctx;

	assert_true(r->out_len + len <= sizeof(r->out));
	memcpy(&r->out[r->out_len], data, len);
	r->out_len += len;
	return 0;
}

static void rx_setup(struct rx *r)
{
	memset(r, 0, sizeof(*r));
	r->cfg.begin = cb_begin;
	r->cfg.data = cb_data;
	r->cfg.end = cb_end;
	r->cfg.ctx = r;
	r->cfg.send = cb_send;
	r->cfg.send_ctx = r;
	r->cfg.buf = r->buf;
	r->cfg.buf_size = sizeof(r->buf);
	r->now = 0xFFFFF000u; /* the clock wraps during the tests */
}

/* Start the receiver: its first word is a 'C'. */
static void rx_start(struct rx *r)
{
	assert_int_equal(iap_ymodem_start(&r->y, &r->cfg, r->now),
			 IAP_YMODEM_RUN);
	assert_int_equal(r->out_len, 1);
	assert_int_equal(r->out[0], 'C');
	r->out_len = 0;
}

static int feed(struct rx *r, const uint8_t *b, size_t n)
{
	return iap_ymodem_input(&r->y, r->now, b, n);
}

/* Time passes with nothing on the line. */
static int wait_ms(struct rx *r, uint32_t ms)
{
	r->now += ms;
	return iap_ymodem_input(&r->y, r->now, NULL, 0);
}

/* What the receiver sent since the last call, as one expected string. */
static void expect_out(struct rx *r, const uint8_t *want, size_t n)
{
	assert_int_equal(r->out_len, n);
	if (n) {
		assert_memory_equal(r->out, want, n);
	}
	r->out_len = 0;
}

static void expect_cancel(struct rx *r)
{
	assert_true(r->out_len >= 2);
	for (size_t i = 0; i < r->out_len; i++) {
		assert_int_equal(r->out[i], CAN);
	}
	r->out_len = 0;
}

/* A block as a sender builds it: data padded with 0x1A, CRC high first. */
static size_t mk_block(uint8_t *out, uint8_t hdr, uint8_t num,
		       const uint8_t *data, size_t len)
{
	size_t bs = hdr == STX ? 1024u : 128u;
	uint16_t crc;

	assert_true(len <= bs);
	out[0] = hdr;
	out[1] = num;
	out[2] = (uint8_t)~num;
	memset(&out[3], IAP_YMODEM_PAD, bs);
	if (len) {
		memcpy(&out[3], data, len);
	}
	crc = iap_crc16_xmodem(0, &out[3], bs);
	out[3 + bs] = (uint8_t)(crc >> 8);
	out[4 + bs] = (uint8_t)crc;
	return bs + 5u;
}

/* Block 0 with name NUL info (info == NULL: the empty block 0). */
static size_t mk_block0(uint8_t *out, const char *name, const char *info)
{
	uint8_t d[128];
	size_t n = 0;

	memset(d, 0, sizeof(d));
	if (name) {
		n = strlen(name) + 1u;
		memcpy(d, name, n);
		memcpy(&d[n], info, strlen(info));
	}
	out[0] = SOH;
	out[1] = 0;
	out[2] = 0xFF;
	memcpy(&out[3], d, 128);
	{
		uint16_t crc = iap_crc16_xmodem(0, d, 128);

		out[131] = (uint8_t)(crc >> 8);
		out[132] = (uint8_t)crc;
	}
	return 133;
}

/* Feed a buffer in pieces of step bytes; returns the last result. */
static int feed_steps(struct rx *r, const uint8_t *b, size_t n, size_t step)
{
	int res = IAP_YMODEM_RUN;

	while (n) {
		size_t k = n < step ? n : step;

		res = feed(r, b, k);
		b += k;
		n -= k;
	}
	return res;
}

static void make_data(uint8_t *d, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		d[i] = (uint8_t)(i * 31u + seed + (i >> 8));
	}
	/* The padding byte inside the data must arrive as data. */
	if (n > 3) {
		d[n - 1] = IAP_YMODEM_PAD;
		d[n / 2] = CAN;
	}
}

static const uint8_t ack[] = {ACK};
static const uint8_t ack_c[] = {ACK, 'C'};
static const uint8_t nak[] = {NAK};

/* Block 0 of name/size, answered ACK 'C'. */
static void send_block0(struct rx *r, const char *name, uint32_t size)
{
	uint8_t b[133];
	char info[64];

	snprintf(info, sizeof(info), "%lu 14651234563 100644 0 1 %lu",
		 (unsigned long)size, (unsigned long)size);
	assert_int_equal(feed(r, b, mk_block0(b, name, info)), IAP_YMODEM_RUN);
	expect_out(r, ack_c, 2);
}

/* EOT, NAK, EOT, ACK 'C', empty block 0, ACK: the batch is done. */
static void send_end(struct rx *r)
{
	static const uint8_t eot[] = {EOT};
	uint8_t b[133];

	assert_int_equal(feed(r, eot, 1), IAP_YMODEM_RUN);
	expect_out(r, nak, 1);
	assert_int_equal(feed(r, eot, 1), IAP_YMODEM_RUN);
	expect_out(r, ack_c, 2);
	assert_int_equal(feed(r, b, mk_block0(b, NULL, NULL)), IAP_YMODEM_DONE);
	expect_out(r, ack, 1);
}

/* A whole file in blocks of bs (128 or 1024), fed step bytes at a time. */
static void transfer(uint32_t size, size_t bs, size_t step)
{
	static struct rx r;
	static uint8_t data[4096];
	uint8_t b[1029];
	uint32_t off = 0;
	uint8_t num = 1;

	assert_true(size <= sizeof(data));
	make_data(data, size, (unsigned)(size + bs));
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "app.iap", size);
	assert_int_equal(r.begins, 1);
	assert_string_equal(r.name, "app.iap");
	assert_int_equal(r.size, size);
	while (off < size) {
		uint32_t n = size - off < bs ? size - off : (uint32_t)bs;
		size_t len = mk_block(b, bs == 1024 ? STX : SOH, num++,
				      &data[off], n);

		assert_int_equal(feed_steps(&r, b, len, step), IAP_YMODEM_RUN);
		expect_out(&r, ack, 1);
		off += n;
	}
	send_end(&r);
	assert_int_equal(r.ends, 1);
	assert_int_equal(r.file_len, size);
	if (size) {
		assert_memory_equal(r.file, data, size);
	}
	assert_int_equal(r.y.files, 1);
	/* Once done, more input changes nothing. */
	assert_int_equal(feed(&r, b, 10), IAP_YMODEM_DONE);
	assert_int_equal(r.out_len, 0);
}

static void test_crc16_check_value(void **state)
{
	(void)state;
	assert_int_equal(iap_crc16_xmodem(0, (const uint8_t *)"123456789", 9),
			 0x31C3);
	assert_int_equal(
		iap_crc16_xmodem(
			iap_crc16_xmodem(0, (const uint8_t *)"1234", 4),
			(const uint8_t *)"56789", 5),
		0x31C3);
}

static void test_sizes_128_and_1024(void **state)
{
	static const uint32_t sizes[] = {0,    1,    127,  128, 129,
					 1023, 1024, 1025, 3000};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		transfer(sizes[i], 128, 2000);
		transfer(sizes[i], 1024, 2000);
		transfer(sizes[i], 1024, 1);
		transfer(sizes[i], 128, 7);
	}
}

/* lrzsz -k sends the tail of a file in 128-byte blocks: mixed sizes. */
static void test_mixed_block_sizes(void **state)
{
	static struct rx r;
	uint8_t data[1024 + 200], b[1029];

	(void)state;
	make_data(data, sizeof(data), 5);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "m", sizeof(data));
	feed(&r, b, mk_block(b, STX, 1, data, 1024));
	expect_out(&r, ack, 1);
	feed(&r, b, mk_block(b, SOH, 2, &data[1024], 128));
	expect_out(&r, ack, 1);
	feed(&r, b, mk_block(b, SOH, 3, &data[1152], 72));
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_int_equal(r.file_len, sizeof(data));
	assert_memory_equal(r.file, data, sizeof(data));
}

/* A bad block is NAKed once the line is quiet, and the resend taken. */
static void bad_block_then_resend(int what)
{
	static struct rx r;
	uint8_t data[128], b[133], good[133];

	make_data(data, sizeof(data), 9);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "f", 200);
	mk_block(good, SOH, 1, data, 128);
	memcpy(b, good, sizeof(b));
	if (what == 0) {
		b[131] ^= 0x01; /* CRC */
	} else if (what == 1) {
		b[2] ^= 0x10; /* complement */
	} else {
		b[50] ^= 0x80; /* data */
	}
	assert_int_equal(feed(&r, b, sizeof(b)), IAP_YMODEM_RUN);
	expect_out(&r, NULL, 0);
	/* Not yet: a quiet line first. */
	assert_int_equal(wait_ms(&r, IAP_YMODEM_PURGE_MS - 1), IAP_YMODEM_RUN);
	expect_out(&r, NULL, 0);
	assert_int_equal(wait_ms(&r, 1), IAP_YMODEM_RUN);
	expect_out(&r, nak, 1);
	assert_int_equal(r.datas, 0);
	assert_int_equal(feed(&r, good, sizeof(good)), IAP_YMODEM_RUN);
	expect_out(&r, ack, 1);
	feed(&r, b, mk_block(b, SOH, 2, data, 72));
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_int_equal(r.file_len, 200);
	assert_memory_equal(r.file, data, 128);
}

static void test_corrupted_crc(void **state)
{
	(void)state;
	bad_block_then_resend(0);
}

static void test_wrong_complement(void **state)
{
	(void)state;
	bad_block_then_resend(1);
}

static void test_corrupted_data(void **state)
{
	(void)state;
	bad_block_then_resend(2);
}

/* Bad blocks in a row: cancelled after the retry limit. */
static void test_retry_limit(void **state)
{
	static struct rx r;
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 1);
	rx_setup(&r);
	r.cfg.retries = 3;
	rx_start(&r);
	send_block0(&r, "f", 128);
	mk_block(b, SOH, 1, data, 128);
	b[10] ^= 1;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(feed(&r, b, sizeof(b)), IAP_YMODEM_RUN);
		assert_int_equal(wait_ms(&r, IAP_YMODEM_PURGE_MS),
				 IAP_YMODEM_RUN);
		expect_out(&r, nak, 1);
	}
	assert_int_equal(feed(&r, b, sizeof(b)), IAP_ERR_CORRUPT);
	expect_cancel(&r);
	assert_int_equal(r.datas, 0);
	assert_int_equal(r.ends, 0);
}

/* Our ACK was lost: the same block again is ACKed, not written twice. */
static void test_duplicate_block(void **state)
{
	static struct rx r;
	uint8_t data[256], b[133];

	(void)state;
	make_data(data, sizeof(data), 3);
	rx_setup(&r);
	rx_start(&r);
	/* Block 0 twice: begin once, ACK 'C' twice. */
	send_block0(&r, "d", sizeof(data));
	send_block0(&r, "d", sizeof(data));
	assert_int_equal(r.begins, 1);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	assert_int_equal(r.datas, 1);
	assert_int_equal(r.y.dups, 2);
	feed(&r, b, mk_block(b, SOH, 2, &data[128], 128));
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_int_equal(r.file_len, sizeof(data));
	assert_memory_equal(r.file, data, sizeof(data));
}

/* A whole block lost: the next one is out of sequence, cancel. */
static void test_lost_block(void **state)
{
	static struct rx r;
	uint8_t data[384], b[133];

	(void)state;
	make_data(data, sizeof(data), 4);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "l", sizeof(data));
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	assert_int_equal(feed(&r, b, mk_block(b, SOH, 3, &data[256], 128)),
			 IAP_ERR_PROTO);
	expect_cancel(&r);
	assert_int_equal(r.datas, 1);
	assert_int_equal(r.ends, 0);
	/* Ended: the rest is ignored. */
	assert_int_equal(feed(&r, b, 133), IAP_ERR_PROTO);
	assert_int_equal(wait_ms(&r, 100000), IAP_ERR_PROTO);
	assert_int_equal(r.out_len, 0);
}

/* A byte lost inside a block: the gap times out, NAK, resend. */
static void test_lost_byte(void **state)
{
	static struct rx r;
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 6);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "b", sizeof(data));
	mk_block(b, SOH, 1, data, 128);
	assert_int_equal(feed(&r, b, 60), IAP_YMODEM_RUN);
	assert_int_equal(feed(&r, &b[61], 72), IAP_YMODEM_RUN);
	expect_out(&r, NULL, 0);
	assert_int_equal(wait_ms(&r, IAP_YMODEM_BYTE_MS - 1), IAP_YMODEM_RUN);
	expect_out(&r, NULL, 0);
	assert_int_equal(wait_ms(&r, 1), IAP_YMODEM_RUN);
	expect_out(&r, nak, 1);
	assert_int_equal(feed(&r, b, sizeof(b)), IAP_YMODEM_RUN);
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_memory_equal(r.file, data, sizeof(data));
}

/* A byte doubled: the block ends early (bad), the extra byte is purged. */
static void test_doubled_byte(void **state)
{
	static struct rx r;
	uint8_t data[128], b[133], d[134];

	(void)state;
	make_data(data, sizeof(data), 7);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "b", sizeof(data));
	mk_block(b, SOH, 1, data, 128);
	memcpy(d, b, 40);
	d[40] = b[39];
	memcpy(&d[41], &b[40], sizeof(b) - 40);
	assert_int_equal(feed(&r, d, sizeof(d)), IAP_YMODEM_RUN);
	wait_ms(&r, IAP_YMODEM_PURGE_MS);
	expect_out(&r, nak, 1);
	assert_int_equal(feed(&r, b, sizeof(b)), IAP_YMODEM_RUN);
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_int_equal(r.file_len, 128);
	assert_memory_equal(r.file, data, sizeof(data));
}

/* The sender aborts: CAN CAN, no CAN back, nothing more handed over. */
static void test_sender_abort(void **state)
{
	static struct rx r;
	static const uint8_t cc[] = {CAN, CAN};
	static const uint8_t one[] = {CAN};
	uint8_t data[256], b[133];

	(void)state;
	make_data(data, sizeof(data), 8);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "a", sizeof(data));
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	/* One CAN alone is not an abort; a block after it is taken. */
	assert_int_equal(feed(&r, one, 1), IAP_YMODEM_RUN);
	feed(&r, b, mk_block(b, SOH, 2, &data[128], 128));
	expect_out(&r, ack, 1);
	assert_int_equal(feed(&r, cc, 2), IAP_ERR_CANCELED);
	expect_out(&r, NULL, 0);
	assert_int_equal(r.ends, 0);
	/* Before block 0 as well. */
	rx_setup(&r);
	rx_start(&r);
	assert_int_equal(feed(&r, cc, 2), IAP_ERR_CANCELED);
	assert_int_equal(r.begins, 0);
}

/* Nobody sends: 'C' every c_ms, then a timeout with CANs. */
static void test_c_polling_timeout(void **state)
{
	static struct rx r;
	static const uint8_t junk[] = "\r1\r\n";
	static const uint8_t c[] = {'C'};

	(void)state;
	rx_setup(&r);
	r.cfg.c_tries = 5;
	rx_start(&r);
	/* Keys and stale bytes before block 0 are ignored. */
	assert_int_equal(feed(&r, junk, 4), IAP_YMODEM_RUN);
	for (int i = 1; i < 5; i++) {
		assert_int_equal(wait_ms(&r, IAP_YMODEM_C_MS - 1),
				 IAP_YMODEM_RUN);
		expect_out(&r, NULL, 0);
		assert_int_equal(wait_ms(&r, 1), IAP_YMODEM_RUN);
		expect_out(&r, c, 1);
	}
	assert_int_equal(wait_ms(&r, IAP_YMODEM_C_MS), IAP_ERR_TIMEDOUT);
	expect_cancel(&r);
	assert_int_equal(r.begins, 0);
	/* A sender that starts late, within the polls, is served. */
	rx_setup(&r);
	rx_start(&r);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(wait_ms(&r, IAP_YMODEM_C_MS), IAP_YMODEM_RUN);
	}
	assert_int_equal(r.out_len, 30);
	r.out_len = 0;
	send_block0(&r, "late", 0);
	send_end(&r);
	assert_int_equal(r.ends, 1);
}

/* No block after an ACK: NAK ('C' for the first data block) each
 * block_ms, then a timeout. */
static void test_block_timeout(void **state)
{
	static struct rx r;
	static const uint8_t c[] = {'C'};
	uint8_t data[256], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	r.cfg.retries = 2;
	rx_start(&r);
	send_block0(&r, "t", sizeof(data));
	assert_int_equal(wait_ms(&r, IAP_YMODEM_BLOCK_MS), IAP_YMODEM_RUN);
	expect_out(&r, c, 1);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	assert_int_equal(wait_ms(&r, IAP_YMODEM_BLOCK_MS - 1), IAP_YMODEM_RUN);
	expect_out(&r, NULL, 0);
	assert_int_equal(wait_ms(&r, 1), IAP_YMODEM_RUN);
	expect_out(&r, nak, 1);
	assert_int_equal(wait_ms(&r, IAP_YMODEM_BLOCK_MS), IAP_YMODEM_RUN);
	expect_out(&r, nak, 1);
	assert_int_equal(wait_ms(&r, IAP_YMODEM_BLOCK_MS), IAP_ERR_TIMEDOUT);
	expect_cancel(&r);
	assert_int_equal(r.ends, 0);
}

static void test_begin_refused(void **state)
{
	static struct rx r;
	uint8_t b[133];

	(void)state;
	rx_setup(&r);
	r.begin_ret = IAP_ERR_FBIG;
	rx_start(&r);
	assert_int_equal(feed(&r, b, mk_block0(b, "big.iap", "99999")),
			 IAP_ERR_FBIG);
	expect_cancel(&r);
	assert_int_equal(r.size, 99999);
}

static void test_data_refused(void **state)
{
	static struct rx r;
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	r.data_ret = IAP_ERR_BADMSG;
	rx_start(&r);
	send_block0(&r, "x.bin", 128);
	assert_int_equal(feed(&r, b, mk_block(b, SOH, 1, data, 128)),
			 IAP_ERR_BADMSG);
	expect_cancel(&r);
	assert_int_equal(r.ends, 0);
}

/* end() decides the last answer: CAN instead of the ACK of EOT. */
static void test_end_refused(void **state)
{
	static struct rx r;
	static const uint8_t eot[] = {EOT};
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	r.end_ret = IAP_ERR_CORRUPT;
	rx_start(&r);
	send_block0(&r, "x", 100);
	feed(&r, b, mk_block(b, SOH, 1, data, 100));
	expect_out(&r, ack, 1);
	assert_int_equal(feed(&r, eot, 1), IAP_YMODEM_RUN);
	expect_out(&r, nak, 1);
	assert_int_equal(feed(&r, eot, 1), IAP_ERR_CORRUPT);
	expect_cancel(&r);
	assert_int_equal(r.ends, 1);
}

/* The other EOT form: ACK at once. */
static void test_eot_ack_first(void **state)
{
	static struct rx r;
	static const uint8_t eot[] = {EOT};
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	r.cfg.eot_ack = 1;
	rx_start(&r);
	send_block0(&r, "x", 128);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	assert_int_equal(feed(&r, eot, 1), IAP_YMODEM_RUN);
	expect_out(&r, ack_c, 2);
	assert_int_equal(r.ends, 1);
	/* Our ACK lost: the EOT again gets the same answer. */
	assert_int_equal(feed(&r, eot, 1), IAP_YMODEM_RUN);
	expect_out(&r, ack_c, 2);
	assert_int_equal(r.ends, 1);
	assert_int_equal(feed(&r, b, mk_block0(b, NULL, NULL)),
			 IAP_YMODEM_DONE);
	expect_out(&r, ack, 1);
}

/* The sender's last bytes (the empty block 0) lost: done after polls. */
static void test_batch_end_lost(void **state)
{
	static struct rx r;
	static const uint8_t eot[] = {EOT};
	static const uint8_t c[] = {'C'};
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "x", 128);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	feed(&r, eot, 1);
	feed(&r, eot, 1);
	expect_out(&r, (const uint8_t[]){ACK, NAK, ACK, 'C'}, 4);
	for (unsigned i = 1; i < IAP_YMODEM_END_POLLS; i++) {
		assert_int_equal(wait_ms(&r, IAP_YMODEM_C_MS), IAP_YMODEM_RUN);
		expect_out(&r, c, 1);
	}
	assert_int_equal(wait_ms(&r, IAP_YMODEM_C_MS), IAP_YMODEM_DONE);
	expect_out(&r, NULL, 0);
	assert_int_equal(r.ends, 1);
}

/* Block 0 forms: no size is refused; mtime and mode are ignored. */
static void test_block0_fields(void **state)
{
	static struct rx r;
	uint8_t b[133];

	(void)state;
	rx_setup(&r);
	rx_start(&r);
	assert_int_equal(feed(&r, b, mk_block0(b, "nosize.iap", "")),
			 IAP_ERR_BADMSG);
	expect_cancel(&r);
	assert_int_equal(r.begins, 0);

	rx_setup(&r);
	rx_start(&r);
	assert_int_equal(feed(&r, b, mk_block0(b, "x", "12x4")),
			 IAP_ERR_BADMSG);
	expect_cancel(&r);

	rx_setup(&r);
	rx_start(&r);
	assert_int_equal(feed(&r, b, mk_block0(b, "x", "99999999999")),
			 IAP_ERR_FBIG);
	expect_cancel(&r);

	rx_setup(&r);
	rx_start(&r);
	assert_int_equal(feed(&r, b, mk_block0(b, "ok.iap", "300 1234 644")),
			 IAP_YMODEM_RUN);
	expect_out(&r, ack_c, 2);
	assert_int_equal(r.size, 300);

	/* A name filling the block leaves no room for a size. */
	rx_setup(&r);
	rx_start(&r);
	memset(b, 'n', sizeof(b));
	b[0] = SOH;
	b[1] = 0;
	b[2] = 0xFF;
	{
		uint16_t crc = iap_crc16_xmodem(0, &b[3], 128);

		b[131] = (uint8_t)(crc >> 8);
		b[132] = (uint8_t)crc;
	}
	assert_int_equal(feed(&r, b, 133), IAP_ERR_BADMSG);
	expect_cancel(&r);
}

/* More data than announced, or EOT before all of it: refused. */
static void test_size_mismatch(void **state)
{
	static struct rx r;
	static const uint8_t eot[] = {EOT};
	uint8_t data[256], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "x", 100);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	assert_int_equal(r.file_len, 100); /* clipped */
	assert_int_equal(feed(&r, b, mk_block(b, SOH, 2, data, 128)),
			 IAP_ERR_FBIG);
	expect_cancel(&r);

	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "x", 300);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	feed(&r, eot, 1);
	expect_out(&r, nak, 1);
	assert_int_equal(feed(&r, eot, 1), IAP_ERR_PROTO);
	expect_cancel(&r);
	assert_int_equal(r.ends, 0);
}

/* A noise byte taken for EOT: the block that follows goes on. */
static void test_false_eot(void **state)
{
	static struct rx r;
	static const uint8_t eot[] = {EOT};
	uint8_t data[256], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "x", 256);
	feed(&r, b, mk_block(b, SOH, 1, data, 128));
	expect_out(&r, ack, 1);
	feed(&r, eot, 1);
	expect_out(&r, nak, 1);
	feed(&r, b, mk_block(b, SOH, 2, &data[128], 128));
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_memory_equal(r.file, data, 256);
}

static void test_stx_needs_buffer(void **state)
{
	static struct rx r;
	uint8_t data[1024];
	static uint8_t b[1029];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	r.cfg.buf_size = 128;
	rx_start(&r);
	send_block0(&r, "x", 1024);
	assert_int_equal(feed(&r, b, mk_block(b, STX, 1, data, 1024)),
			 IAP_ERR_OVERFLOW);
	expect_cancel(&r);

	rx_setup(&r);
	r.cfg.buf_size = 127;
	assert_int_equal(iap_ymodem_start(&r.y, &r.cfg, 0), IAP_ERR_INVAL);
	assert_int_equal(r.out_len, 0);
}

/* A second file in the batch goes through begin() again. */
static void test_two_files(void **state)
{
	static struct rx r;
	uint8_t data[128], b[133];

	(void)state;
	make_data(data, sizeof(data), 2);
	rx_setup(&r);
	rx_start(&r);
	send_block0(&r, "one", 10);
	feed(&r, b, mk_block(b, SOH, 1, data, 10));
	expect_out(&r, ack, 1);
	feed(&r, (const uint8_t[]){EOT}, 1);
	feed(&r, (const uint8_t[]){EOT}, 1);
	expect_out(&r, (const uint8_t[]){NAK, ACK, 'C'}, 3);
	send_block0(&r, "two", 20);
	assert_string_equal(r.name, "two");
	feed(&r, b, mk_block(b, SOH, 1, data, 20));
	expect_out(&r, ack, 1);
	send_end(&r);
	assert_int_equal(r.begins, 2);
	assert_int_equal(r.ends, 2);
	assert_int_equal(r.file_len, 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc16_check_value),
		cmocka_unit_test(test_sizes_128_and_1024),
		cmocka_unit_test(test_mixed_block_sizes),
		cmocka_unit_test(test_corrupted_crc),
		cmocka_unit_test(test_wrong_complement),
		cmocka_unit_test(test_corrupted_data),
		cmocka_unit_test(test_retry_limit),
		cmocka_unit_test(test_duplicate_block),
		cmocka_unit_test(test_lost_block),
		cmocka_unit_test(test_lost_byte),
		cmocka_unit_test(test_doubled_byte),
		cmocka_unit_test(test_sender_abort),
		cmocka_unit_test(test_c_polling_timeout),
		cmocka_unit_test(test_block_timeout),
		cmocka_unit_test(test_begin_refused),
		cmocka_unit_test(test_data_refused),
		cmocka_unit_test(test_end_refused),
		cmocka_unit_test(test_eot_ack_first),
		cmocka_unit_test(test_batch_end_lost),
		cmocka_unit_test(test_block0_fields),
		cmocka_unit_test(test_size_mismatch),
		cmocka_unit_test(test_false_eot),
		cmocka_unit_test(test_stx_needs_buffer),
		cmocka_unit_test(test_two_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
