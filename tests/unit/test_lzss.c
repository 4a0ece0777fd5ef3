/*
 * LZSS codec: the host compressor against the core decoder. Round trips
 * of empty, tiny, zero-filled, random, text and Cortex-M-like data at
 * every window size; any split of the input gives the same output; out()
 * runs are batched; truncation at every cut, references before the start,
 * bad headers, windows too large, output limits and out() errors; and
 * random garbage, which must only ever fail cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_err.h"
#include "iap/iap_lzss.h"
#include "lzss_enc.h"

#define WIN_MAX (1u << IAP_LZSS_MAX_BITS)

static uint32_t rng_state = 0x12345678u;

static uint32_t rnd(void)
{
	/* xorshift32: the same data on every run. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* What out() saw: the bytes, the runs, and whether they stayed inside. */
struct sink {
	uint8_t *buf;
	size_t cap, len;
	unsigned calls;
	const uint8_t *win;
	uint32_t win_cap;
	int fail_at; /* call number that returns fail_ret; 0: never */
	int fail_ret;
	uint32_t total; /* iap_lzss_dec_total() at the end of decode() */
};

static int sink_out(void *ctx, const uint8_t *data, uint32_t n)
{
	struct sink *s = ctx;

	s->calls++;
	assert_true(n > 0);
	assert_true(data >= s->win && data + n <= s->win + s->win_cap);
	if (s->fail_at && (int)s->calls == s->fail_at) {
		return s->fail_ret;
	}
	assert_true(s->len + n <= s->cap);
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

static void sink_init(struct sink *s, size_t cap, const uint8_t *win,
		      uint32_t win_cap)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(cap ? cap : 1);
	assert_non_null(s->buf);
	s->cap = cap;
	s->win = win;
	s->win_cap = win_cap;
}

/*
 * Decode z in pieces: split 0 feeds it whole, 1 a byte at a time, 2 in
 * random pieces. Returns the first error from feed or finish.
 */
static int decode(const uint8_t *z, size_t zlen, uint8_t *win, uint32_t win_cap,
		  int split, struct sink *s)
{
	struct iap_lzss_dec d;
	size_t at = 0;
	int r;

	assert_int_equal(iap_lzss_dec_init(&d, win, win_cap), 0);
	while (at < zlen) {
		size_t n = zlen - at;

		if (split == 1) {
			n = 1;
		} else if (split == 2) {
			size_t m = 1 + rnd() % 40u;

			n = n < m ? n : m;
		}
		r = iap_lzss_dec_feed(&d, z + at, n, sink_out, s);
		s->total = iap_lzss_dec_total(&d);
		if (r) {
			assert_int_equal(iap_lzss_dec_finish(&d), r);
			/* After an error nothing more goes out. */
			assert_true(s->len <= s->total);
			return r;
		}
		at += n;
	}
	assert_int_equal(iap_lzss_dec_total(&d), s->len);
	return iap_lzss_dec_finish(&d);
}

/* Compress at window_bits, check the bound, decode in every way. */
static size_t round_trip(const uint8_t *data, size_t n, unsigned window_bits)
{
	static uint8_t win[WIN_MAX];
	uint8_t *z = NULL;
	size_t zlen = 0;
	uint32_t cap = 1u << window_bits;

	assert_int_equal(lzss_compress(data, n, window_bits, &z, &zlen), 0);
	assert_non_null(z);
	assert_true(zlen <= IAP_LZSS_BOUND(n));
	assert_int_equal(z[0], IAP_LZSS_MAGIC);
	assert_int_equal(z[1] & 15u, window_bits - IAP_LZSS_MIN_BITS);
	for (int split = 0; split < 3; split++) {
		struct sink s;

		sink_init(&s, n, win, cap);
		assert_int_equal(decode(z, zlen, win, cap, split, &s), 0);
		assert_int_equal(s.len, n);
		assert_memory_equal(s.buf, data, n);
		if (split == 0) {
			/* One run per window's worth, plus the last. */
			assert_true(s.calls <= n / cap + 1u);
		}
		free(s.buf);
	}
	/* A larger window than the stream needs decodes the same. */
	if (window_bits < IAP_LZSS_MAX_BITS) {
		struct sink s;

		sink_init(&s, n, win, WIN_MAX);
		assert_int_equal(decode(z, zlen, win, WIN_MAX, 2, &s), 0);
		assert_int_equal(s.len, n);
		assert_memory_equal(s.buf, data, n);
		free(s.buf);
	}
	free(z);
	return zlen;
}

static void round_trip_all(const uint8_t *data, size_t n, size_t *zlen)
{
	for (unsigned w = IAP_LZSS_MIN_BITS; w <= IAP_LZSS_MAX_BITS; w++) {
		size_t z = round_trip(data, n, w);

		if (zlen) {
			zlen[w] = z;
		}
	}
}

/*
 * Something like a Cortex-M image: a vector table, Thumb-2 code made of
 * recurring instruction shapes with varying registers and offsets,
 * literal pools, a constant table, strings, and 0xFF padding.
 */
static size_t make_firmware(uint8_t *p, size_t cap)
{
	static const char *const strs[] = {"iap: flash error\n",
					   "timeout waiting for host\n",
					   "bad image header\n", "boot\n"};
	size_t n = 0;

	for (unsigned i = 0; i < 64 && n + 4 <= cap; i++) {
		uint32_t v = i < 2 ? 0x20005000u : 0x08000101u + 8u * (i % 9);

		memcpy(p + n, &v, 4);
		n += 4;
	}
	while (n + 64 < cap * 3 / 4) {
		unsigned fn = 8 + rnd() % 40;

		/* push {r4-r7, lr} */
		p[n++] = (uint8_t)(0xF0 | (rnd() & 3));
		p[n++] = 0xB5;
		for (unsigned k = 0; k < fn && n + 8 < cap; k++) {
			uint32_t r = rnd();

			switch (r % 6) {
			case 0: /* ldr rX, [rY, #imm] */
				p[n++] = (uint8_t)(r >> 8);
				p[n++] = 0x68;
				break;
			case 1: /* movs rX, #imm */
				p[n++] = (uint8_t)(r >> 8);
				p[n++] = (uint8_t)(0x20 | ((r >> 16) & 7));
				break;
			case 2: /* bl (32-bit) */
				p[n++] = (uint8_t)(r >> 8);
				p[n++] = (uint8_t)(0xF0 | ((r >> 16) & 7));
				p[n++] = (uint8_t)(r >> 24);
				p[n++] = 0xF8;
				break;
			case 3: /* cmp / bne */
				p[n++] = (uint8_t)((r >> 8) & 7);
				p[n++] = 0x28;
				p[n++] = (uint8_t)(r >> 16);
				p[n++] = 0xD1;
				break;
			case 4: /* str rX, [sp, #imm] */
				p[n++] = (uint8_t)((r >> 8) & 0x1F);
				p[n++] = 0x90;
				break;
			default: /* ldr.w rX, [pc, #imm] */
				p[n++] = 0xDF;
				p[n++] = 0xF8;
				p[n++] = (uint8_t)(r >> 8);
				p[n++] = (uint8_t)(0x10 | ((r >> 16) & 0x30));
				break;
			}
		}
		/* pop {r4-r7, pc}, then a literal pool */
		p[n++] = 0xF0;
		p[n++] = 0xBD;
		for (unsigned k = 0; k < (rnd() % 3) + 1; k++) {
			uint32_t v = 0x40010800u + 0x400u * (rnd() % 4);

			memcpy(p + n, &v, 4);
			n += 4;
		}
	}
	for (unsigned i = 0; n + 4 <= cap * 7 / 8; i++) {
		uint32_t v = (i * 0x1021u) & 0xFFFFu;

		memcpy(p + n, &v, 4);
		n += 4;
		if (i % 32 == 31) {
			const char *s = strs[(i / 32) % 4];

			memcpy(p + n, s, strlen(s) + 1);
			n += strlen(s) + 1;
			n = (n + 3u) & ~(size_t)3u;
		}
	}
	memset(p + n, 0xFF, cap - n);
	return cap;
}

static void test_empty_and_tiny(void **state)
{
	static const uint8_t one = 0xA5;
	static const uint8_t two[2] = {7, 7};
	size_t z[IAP_LZSS_MAX_BITS + 1];

	(void)state;
	round_trip_all(NULL, 0, z);
	for (unsigned w = IAP_LZSS_MIN_BITS; w <= IAP_LZSS_MAX_BITS; w++) {
		assert_true(z[w] <= 5);
	}
	round_trip_all(&one, 1, NULL);
	round_trip_all(two, 2, NULL);
}

static void test_zeros(void **state)
{
	size_t n = 65536;
	uint8_t *p = calloc(n, 1);
	size_t z[IAP_LZSS_MAX_BITS + 1];

	(void)state;
	assert_non_null(p);
	round_trip_all(p, n, z);
	for (unsigned w = IAP_LZSS_MIN_BITS; w <= IAP_LZSS_MAX_BITS; w++) {
		/* A literal and two maximal back-references. */
		assert_true(z[w] < 16);
	}
	free(p);
}

static void test_long_runs(void **state)
{
	/* 0xFF runs longer than the longest match, between other data. */
	size_t n = 300000;
	uint8_t *p = malloc(n);
	size_t zlen;

	(void)state;
	assert_non_null(p);
	memset(p, 0xFF, n);
	for (size_t i = 0; i < n; i += 70001) {
		p[i] = (uint8_t)i;
	}
	zlen = round_trip(p, n, 11);
	assert_true(zlen < 64);
	zlen = round_trip(p, n, 12);
	assert_true(zlen < 64);
	free(p);
}

static void test_random(void **state)
{
	size_t n = 8192;
	uint8_t *p = malloc(n);
	size_t z[IAP_LZSS_MAX_BITS + 1];

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)(rnd() >> 24);
	}
	round_trip_all(p, n, z);
	for (unsigned w = IAP_LZSS_MIN_BITS; w <= IAP_LZSS_MAX_BITS; w++) {
		/* Incompressible: at most 9 bits a byte, nearly exactly. */
		assert_true(z[w] <= IAP_LZSS_BOUND(n));
		assert_true(z[w] > n);
	}
	/* The bound holds for the longest end marker too (K = 15). */
	for (size_t k = 0; k < 24; k++) {
		uint8_t *zk;
		size_t zlen;

		assert_int_equal(lzss_compress_k(p, k, 15, 15, &zk, &zlen), 0);
		assert_true(zlen <= IAP_LZSS_BOUND(k));
		free(zk);
	}
	/* Every length around the byte boundaries of the bound. */
	for (size_t k = 0; k < 40; k++) {
		round_trip(p, k, 8);
		round_trip(p + k, 100 + k, 15);
	}
	free(p);
}

static void test_text(void **state)
{
	static const char *const words[] = {
		"the ",	  "bootloader ", "writes ", "each ",   "sector ",
		"after ", "erasing ",	 "it, ",    "and ",    "checks ",
		"the ",	  "image ",	 "hash ",   "before ", "booting.\n",
		"flash ", "page ",	 "of ",	    "a ",      "window "};
	size_t n = 0, cap = 20000;
	char *p = malloc(cap);
	size_t z[IAP_LZSS_MAX_BITS + 1];

	(void)state;
	assert_non_null(p);
	while (n + 16 < cap) {
		const char *w = words[rnd() % 20];

		memcpy(p + n, w, strlen(w));
		n += strlen(w);
	}
	round_trip_all((const uint8_t *)p, n, z);
	assert_true(z[8] < n / 2);
	assert_true(z[12] < z[8]);
	free(p);
}

static void test_firmware_like(void **state)
{
	size_t n = 32768;
	uint8_t *p = malloc(n);
	size_t z[IAP_LZSS_MAX_BITS + 1];

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	round_trip_all(p, n, z);
	/* Larger windows do better; padding and tables go to little. */
	assert_true(z[12] < z[8]);
	assert_true(z[11] < n * 3 / 4);
	free(p);
}

static void test_all_off_bits(void **state)
{
	size_t n = 6000;
	uint8_t *p = malloc(n);
	static uint8_t win[WIN_MAX];

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	for (unsigned w = IAP_LZSS_MIN_BITS; w <= IAP_LZSS_MAX_BITS; w++) {
		for (unsigned k = 0; k <= w; k++) {
			uint8_t *z;
			size_t zlen;
			struct sink s;

			assert_int_equal(lzss_compress_k(p, n, w, k, &z, &zlen),
					 0);
			assert_int_equal(z[1] >> 4, k);
			assert_true(zlen <= IAP_LZSS_BOUND(n));
			sink_init(&s, n, win, 1u << w);
			assert_int_equal(decode(z, zlen, win, 1u << w, 2, &s),
					 0);
			assert_int_equal(s.len, n);
			assert_memory_equal(s.buf, p, n);
			free(s.buf);
			free(z);
		}
	}
	free(p);
}

/* Every split gives the same runs of bytes: same output, same totals. */
static void test_splits_identical(void **state)
{
	size_t n = 20000;
	uint8_t *p = malloc(n);
	static uint8_t win[WIN_MAX];
	uint8_t *z;
	size_t zlen;

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	assert_int_equal(lzss_compress(p, n, 11, &z, &zlen), 0);
	for (int round = 0; round < 20; round++) {
		struct sink s;

		sink_init(&s, n, win, 2048);
		assert_int_equal(decode(z, zlen, win, 2048, round ? 2 : 1, &s),
				 0);
		assert_int_equal(s.len, n);
		assert_memory_equal(s.buf, p, n);
		/* Byte at a time: no more than a run per feed and per wrap. */
		assert_true(s.calls <= zlen + n / 2048 + 1);
		free(s.buf);
	}
	free(z);
	free(p);
}

static void test_out_batched(void **state)
{
	size_t n = 65536;
	uint8_t *p = malloc(n);
	static uint8_t win[4096];
	uint8_t *z;
	size_t zlen;
	struct sink s;

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	assert_int_equal(lzss_compress(p, n, 12, &z, &zlen), 0);
	sink_init(&s, n, win, sizeof(win));
	assert_int_equal(decode(z, zlen, win, sizeof(win), 0, &s), 0);
	/* One run per window wrap: 16 runs of 4096 bytes exactly. */
	assert_int_equal(s.calls, n / sizeof(win));
	assert_memory_equal(s.buf, p, n);
	free(s.buf);
	/* In pieces of 512 stream bytes: still far fewer calls than bytes. */
	{
		struct iap_lzss_dec d;

		sink_init(&s, n, win, sizeof(win));
		assert_int_equal(iap_lzss_dec_init(&d, win, sizeof(win)), 0);
		for (size_t at = 0; at < zlen; at += 512) {
			size_t k = zlen - at < 512 ? zlen - at : 512;

			assert_int_equal(
				iap_lzss_dec_feed(&d, z + at, k, sink_out, &s),
				0);
		}
		assert_int_equal(iap_lzss_dec_finish(&d), 0);
		assert_true(s.calls <= zlen / 512 + 1 + n / sizeof(win));
		assert_true(s.calls < n / 256);
		assert_memory_equal(s.buf, p, n);
		free(s.buf);
	}
	free(z);
	free(p);
}

static void test_truncated(void **state)
{
	size_t n = 3000;
	uint8_t *p = malloc(n);
	static uint8_t win[2048];
	uint8_t *z;
	size_t zlen;

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	assert_int_equal(lzss_compress(p, n, 11, &z, &zlen), 0);
	for (size_t cut = 0; cut < zlen; cut++) {
		for (int split = 0; split < 2; split++) {
			struct sink s;

			sink_init(&s, n, win, sizeof(win));
			assert_int_equal(
				decode(z, cut, win, sizeof(win), split, &s),
				IAP_ERR_CORRUPT);
			/* What came out is a prefix of the data. */
			assert_true(s.len <= n);
			assert_memory_equal(s.buf, p, s.len);
			free(s.buf);
		}
	}
	/* And empty data: only the whole 3-byte stream is complete. */
	free(z);
	assert_int_equal(lzss_compress(p, 0, 11, &z, &zlen), 0);
	for (size_t cut = 0; cut < zlen; cut++) {
		struct sink s;

		sink_init(&s, 0, win, sizeof(win));
		assert_int_equal(decode(z, cut, win, sizeof(win), 1, &s),
				 IAP_ERR_CORRUPT);
		free(s.buf);
	}
	free(z);
	free(p);
}

/* A stream written bit by bit, to say exactly what a decoder gets. */
struct bits {
	uint8_t buf[64];
	size_t len;
	unsigned n;
};

static void bits_put(struct bits *b, uint32_t v, unsigned n)
{
	while (n--) {
		if (!b->n) {
			b->buf[b->len++] = 0;
		}
		if ((v >> n) & 1u) {
			b->buf[b->len - 1] |= (uint8_t)(0x80u >> b->n);
		}
		b->n = (b->n + 1u) & 7u;
	}
}

static void bits_gamma(struct bits *b, uint32_t v)
{
	int k = 31;

	while (k > 0 && !((v >> k) & 1u)) {
		k--;
	}
	while (k-- > 0) {
		bits_put(b, 2u | ((v >> k) & 1u), 2);
	}
	bits_put(b, 0, 1);
}

static void bits_hdr(struct bits *b, unsigned w, unsigned k)
{
	memset(b, 0, sizeof(*b));
	b->buf[0] = IAP_LZSS_MAGIC;
	b->buf[1] = (uint8_t)((w - 8u) | (k << 4));
	b->len = 2;
}

static void bits_lit(struct bits *b, uint8_t c)
{
	bits_put(b, c, 9);
}

static void bits_ref(struct bits *b, uint32_t off, uint32_t len, unsigned k)
{
	bits_put(b, 1, 1);
	bits_gamma(b, (off >> k) + 1u);
	bits_put(b, off, k);
	if (off) {
		bits_gamma(b, len - 1u);
	}
}

static int feed_all(const struct bits *b, uint32_t win_cap, struct sink *s)
{
	static uint8_t win[WIN_MAX];

	sink_init(s, 1u << 20, win, win_cap);
	return decode(b->buf, b->len, win, win_cap, 0, s);
}

static void test_crafted_ok(void **state)
{
	struct bits b;
	struct sink s;

	(void)state;
	/* "ab", then 5 bytes from 2 back (overlapping), then the end. */
	bits_hdr(&b, 8, 3);
	bits_lit(&b, 'a');
	bits_lit(&b, 'b');
	bits_ref(&b, 2, 5, 3);
	bits_ref(&b, 0, 0, 3);
	assert_int_equal(feed_all(&b, 256, &s), 0);
	assert_int_equal(s.len, 7);
	assert_memory_equal(s.buf, "abababa", 7);
	free(s.buf);
	/* Offset at the window's far end, K = 0 and K = W. */
	for (unsigned k = 0; k <= 8; k += 8) {
		bits_hdr(&b, 8, k);
		bits_lit(&b, 1);
		bits_ref(&b, 1, 254, k); /* 255 bytes of 1 */
		bits_lit(&b, 2);	 /* byte 255 */
		bits_ref(&b, 255, 2, k); /* bytes 0 and 1 again */
		bits_ref(&b, 0, 0, k);
		assert_int_equal(feed_all(&b, 256, &s), 0);
		assert_int_equal(s.len, 258);
		assert_int_equal(s.buf[255], 2);
		assert_int_equal(s.buf[256], 1);
		assert_int_equal(s.buf[257], 1);
		free(s.buf);
	}
}

static void test_ref_before_start(void **state)
{
	struct bits b;
	struct sink s;

	(void)state;
	/* Nothing out yet. */
	bits_hdr(&b, 12, 7);
	bits_ref(&b, 1, 2, 7);
	bits_ref(&b, 0, 0, 7);
	assert_int_equal(feed_all(&b, 4096, &s), IAP_ERR_CORRUPT);
	assert_int_equal(s.len, 0);
	free(s.buf);
	/* Three bytes out, four back. */
	bits_hdr(&b, 12, 7);
	bits_lit(&b, 1);
	bits_lit(&b, 2);
	bits_lit(&b, 3);
	bits_ref(&b, 4, 2, 7);
	bits_ref(&b, 0, 0, 7);
	assert_int_equal(feed_all(&b, 4096, &s), IAP_ERR_CORRUPT);
	assert_int_equal(s.total, 3);
	free(s.buf);
	/* Three back is fine. */
	bits_hdr(&b, 12, 7);
	bits_lit(&b, 1);
	bits_lit(&b, 2);
	bits_lit(&b, 3);
	bits_ref(&b, 3, 2, 7);
	bits_ref(&b, 0, 0, 7);
	assert_int_equal(feed_all(&b, 4096, &s), 0);
	assert_int_equal(s.len, 5);
	free(s.buf);
}

static void test_ref_past_window(void **state)
{
	struct bits b;
	struct sink s;

	(void)state;
	/* 300 bytes out with a 256-byte window, then 256 back. */
	bits_hdr(&b, 8, 4);
	bits_lit(&b, 9);
	bits_ref(&b, 1, 299, 4);
	bits_ref(&b, 256, 2, 4);
	bits_ref(&b, 0, 0, 4);
	assert_int_equal(feed_all(&b, 256, &s), IAP_ERR_CORRUPT);
	assert_int_equal(s.total, 300);
	free(s.buf);
	/* The same with a larger buffer: the stream's window counts. */
	assert_int_equal(feed_all(&b, 1024, &s), IAP_ERR_CORRUPT);
	free(s.buf);
}

static void test_bad_streams(void **state)
{
	struct bits b;
	struct sink s;

	(void)state;
	/* Magic. */
	bits_hdr(&b, 8, 4);
	b.buf[0] = 0x5B;
	bits_ref(&b, 0, 0, 4);
	assert_int_equal(feed_all(&b, 256, &s), IAP_ERR_BADMSG);
	free(s.buf);
	/* W = 16 and more, K > W. */
	bits_hdr(&b, 8, 4);
	b.buf[1] = 0x48;
	assert_int_equal(feed_all(&b, WIN_MAX, &s), IAP_ERR_BADMSG);
	free(s.buf);
	bits_hdr(&b, 9, 10);
	assert_int_equal(feed_all(&b, WIN_MAX, &s), IAP_ERR_BADMSG);
	free(s.buf);
	/* Bytes after the end marker. */
	bits_hdr(&b, 8, 4);
	bits_lit(&b, 'x');
	bits_ref(&b, 0, 0, 4);
	b.buf[b.len++] = 0;
	assert_int_equal(feed_all(&b, 256, &s), IAP_ERR_CORRUPT);
	free(s.buf);
	/* Padding that is not 0. */
	bits_hdr(&b, 8, 4);
	bits_lit(&b, 'x');
	bits_ref(&b, 0, 0, 4);
	assert_true(b.n != 0);
	b.buf[b.len - 1] |= 1u;
	assert_int_equal(feed_all(&b, 256, &s), IAP_ERR_CORRUPT);
	free(s.buf);
	/* A length code of 17 bits. */
	bits_hdr(&b, 8, 4);
	bits_lit(&b, 'x');
	bits_ref(&b, 1, 0x10000u, 4); /* len - 1 = 65535: the longest */
	bits_ref(&b, 0, 0, 4);
	assert_int_equal(feed_all(&b, 256, &s), 0);
	assert_int_equal(s.len, 65537);
	free(s.buf);
	bits_hdr(&b, 8, 4);
	bits_lit(&b, 'x');
	bits_ref(&b, 1, 0x10001u, 4); /* len - 1 = 65536 */
	bits_ref(&b, 0, 0, 4);
	assert_int_equal(feed_all(&b, 256, &s), IAP_ERR_CORRUPT);
	assert_int_equal(s.total, 1);
	free(s.buf);
	/* An offset code of 17 bits with K = 0. */
	bits_hdr(&b, 15, 0);
	bits_lit(&b, 'x');
	bits_ref(&b, 0xFFFFu, 2, 0);
	assert_int_equal(feed_all(&b, WIN_MAX, &s), IAP_ERR_CORRUPT);
	free(s.buf);
}

static void test_window_too_large(void **state)
{
	static uint8_t win[4096];
	struct iap_lzss_dec d;
	uint8_t *z;
	size_t zlen;
	uint8_t data[100] = {1, 2, 3};
	struct sink s;

	(void)state;
	assert_int_equal(lzss_compress(data, sizeof(data), 12, &z, &zlen), 0);
	sink_init(&s, sizeof(data), win, 2048);
	assert_int_equal(decode(z, zlen, win, 2048, 1, &s), IAP_ERR_FBIG);
	assert_int_equal(s.len, 0);
	free(s.buf);
	free(z);
	/* The largest windows the two bootloader sizes take. */
	assert_int_equal(lzss_compress(data, sizeof(data), 11, &z, &zlen), 0);
	sink_init(&s, sizeof(data), win, 2048);
	assert_int_equal(decode(z, zlen, win, 2048, 1, &s), 0);
	free(s.buf);
	free(z);
	assert_int_equal(lzss_compress(data, sizeof(data), 13, &z, &zlen), 0);
	sink_init(&s, sizeof(data), win, 4096);
	assert_int_equal(decode(z, zlen, win, 4096, 0, &s), IAP_ERR_FBIG);
	free(s.buf);
	free(z);
	/* Bad init parameters. */
	assert_int_equal(iap_lzss_dec_init(&d, win, 0), IAP_ERR_INVAL);
	assert_int_equal(iap_lzss_dec_init(&d, win, 128), IAP_ERR_INVAL);
	assert_int_equal(iap_lzss_dec_init(&d, win, 3000), IAP_ERR_INVAL);
	assert_int_equal(iap_lzss_dec_init(&d, NULL, 4096), IAP_ERR_INVAL);
	assert_int_equal(iap_lzss_dec_init(NULL, win, 4096), IAP_ERR_INVAL);
	assert_int_equal(iap_lzss_dec_init(&d, win, 256), 0);
}

static void test_out_error_sticks(void **state)
{
	size_t n = 20000;
	uint8_t *p = malloc(n);
	static uint8_t win[1024];
	struct iap_lzss_dec d;
	uint8_t *z;
	size_t zlen, at;
	struct sink s;
	int r = 0;

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	assert_int_equal(lzss_compress(p, n, 10, &z, &zlen), 0);
	sink_init(&s, n, win, sizeof(win));
	s.fail_at = 3;
	s.fail_ret = IAP_ERR_IO;
	assert_int_equal(iap_lzss_dec_init(&d, win, sizeof(win)), 0);
	for (at = 0; at < zlen && !r; at += 100) {
		size_t k = zlen - at < 100 ? zlen - at : 100;

		r = iap_lzss_dec_feed(&d, z + at, k, sink_out, &s);
	}
	assert_int_equal(r, IAP_ERR_IO);
	assert_int_equal(s.calls, 3);
	assert_true(at < zlen); /* it stopped early */
	/* Sticks: no more calls of out(), the same error. */
	assert_int_equal(iap_lzss_dec_feed(&d, z + at, 1, sink_out, &s),
			 IAP_ERR_IO);
	assert_int_equal(iap_lzss_dec_feed(&d, NULL, 0, sink_out, &s),
			 IAP_ERR_IO);
	assert_int_equal(iap_lzss_dec_finish(&d), IAP_ERR_IO);
	assert_int_equal(s.calls, 3);
	/* A positive return is not an error. */
	free(s.buf);
	sink_init(&s, n, win, sizeof(win));
	s.fail_at = 1;
	s.fail_ret = 1;
	assert_int_equal(iap_lzss_dec_init(&d, win, sizeof(win)), 0);
	assert_int_equal(iap_lzss_dec_feed(&d, z, zlen, sink_out, &s), 0);
	assert_int_equal(iap_lzss_dec_finish(&d), 0);
	assert_int_equal(iap_lzss_dec_total(&d), n);
	free(s.buf);
	free(z);
	free(p);
}

static void test_limit(void **state)
{
	size_t n = 10000;
	uint8_t *p = malloc(n);
	static uint8_t win[2048];
	struct iap_lzss_dec d;
	uint8_t *z;
	size_t zlen;

	(void)state;
	assert_non_null(p);
	make_firmware(p, n);
	assert_int_equal(lzss_compress(p, n, 11, &z, &zlen), 0);
	assert_int_equal(iap_lzss_dec_init(&d, win, sizeof(win)), 0);
	iap_lzss_dec_limit(&d, (uint32_t)n);
	assert_int_equal(iap_lzss_dec_feed(&d, z, zlen, NULL, NULL), 0);
	assert_int_equal(iap_lzss_dec_finish(&d), 0);
	assert_int_equal(iap_lzss_dec_total(&d), n);
	assert_int_equal(iap_lzss_dec_init(&d, win, sizeof(win)), 0);
	iap_lzss_dec_limit(&d, (uint32_t)n - 1u);
	assert_int_equal(iap_lzss_dec_feed(&d, z, zlen, NULL, NULL),
			 IAP_ERR_FBIG);
	assert_int_equal(iap_lzss_dec_total(&d), n - 1u);
	assert_int_equal(iap_lzss_dec_finish(&d), IAP_ERR_FBIG);
	free(z);
	free(p);
}

static void test_compress_args(void **state)
{
	uint8_t *z = NULL;
	size_t zlen = 0;
	uint8_t data[4] = {0};

	(void)state;
	assert_int_equal(lzss_compress(data, 4, 7, &z, &zlen), IAP_ERR_INVAL);
	assert_int_equal(lzss_compress(data, 4, 16, &z, &zlen), IAP_ERR_INVAL);
	assert_int_equal(lzss_compress(NULL, 4, 12, &z, &zlen), IAP_ERR_INVAL);
	assert_int_equal(lzss_compress(data, 4, 12, NULL, &zlen),
			 IAP_ERR_INVAL);
	assert_int_equal(lzss_compress_k(data, 4, 10, 11, &z, &zlen),
			 IAP_ERR_INVAL);
	assert_int_equal(
		lzss_compress(data, (size_t)LZSS_ENC_MAX + 1u, 12, &z, &zlen),
		IAP_ERR_FBIG);
}

/* Random input, and random tails after a valid header: fail cleanly. */
static void test_garbage(void **state)
{
	static uint8_t win[WIN_MAX];
	uint8_t buf[96];
	unsigned ok = 0, corrupt = 0, badmsg = 0, fbig = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct iap_lzss_dec d;
		size_t n = 1 + rnd() % sizeof(buf);
		uint32_t cap = 256u << (rnd() % 8);
		int r;

		for (size_t k = 0; k < n; k++) {
			buf[k] = (uint8_t)rnd();
		}
		if (i % 4) {
			/* A valid header, a window that takes it. */
			unsigned w = 8u + rnd() % 8u;

			buf[0] = IAP_LZSS_MAGIC;
			buf[1] = (uint8_t)((w - 8u) | (rnd() % (w + 1u)) << 4);
			cap = 1u << (w + rnd() % (16u - w));
		}
		assert_int_equal(iap_lzss_dec_init(&d, win, cap), 0);
		iap_lzss_dec_limit(&d, 1u << 22);
		if (i & 1) {
			r = iap_lzss_dec_feed(&d, buf, n, NULL, NULL);
		} else {
			r = 0;
			for (size_t k = 0; k < n && !r; k++) {
				r = iap_lzss_dec_feed(&d, &buf[k], 1, NULL,
						      NULL);
			}
		}
		assert_true(r == 0 || r == IAP_ERR_CORRUPT ||
			    r == IAP_ERR_BADMSG || r == IAP_ERR_FBIG);
		r = iap_lzss_dec_finish(&d);
		assert_true(r == 0 || r == IAP_ERR_CORRUPT ||
			    r == IAP_ERR_BADMSG || r == IAP_ERR_FBIG);
		/* At most 65536 bytes per token, 9+ bits a token. */
		assert_true(iap_lzss_dec_total(&d) <= n * 65536u);
		ok += r == 0;
		corrupt += r == IAP_ERR_CORRUPT;
		badmsg += r == IAP_ERR_BADMSG;
		fbig += r == IAP_ERR_FBIG;
	}
	/* Most of it gets past the header and is found broken. */
	assert_true(corrupt > 14000);
	assert_true(badmsg > 4000);
	assert_int_equal(ok + corrupt + badmsg + fbig, 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_tiny),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_firmware_like),
		cmocka_unit_test(test_all_off_bits),
		cmocka_unit_test(test_splits_identical),
		cmocka_unit_test(test_out_batched),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_crafted_ok),
		cmocka_unit_test(test_ref_before_start),
		cmocka_unit_test(test_ref_past_window),
		cmocka_unit_test(test_bad_streams),
		cmocka_unit_test(test_window_too_large),
		cmocka_unit_test(test_out_error_sticks),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_compress_args),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
