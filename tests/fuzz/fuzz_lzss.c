/*
 * libFuzzer target: the LZSS decoder (iap_lzss.h), and the host
 * compressor (tools/iap/lzss_enc.c) against it.
 *
 * Input: byte 0 the window (2^(8 + b % 8) bytes), bytes 1..2 the output
 * limit (in 64-byte units; 0: none, but never over 256 KiB), byte 3 the
 * seed of the piece sizes, the rest the stream.
 *
 * Decoding: every run handed to out() lies in the window, the output never
 * passes the limit, out() has seen at most what iap_lzss_dec_total()
 * counts, an error is sticky (every later feed and finish return it, no
 * more output), finish is 0 or CORRUPT without an error, and feeding the
 * stream in pieces, whole, or byte by byte gives the same result, total
 * and (without an error) the same output.
 *
 * Round trip: the stream bytes compressed for the window decode in pieces
 * to exactly the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iap/iap_err.h"
#include "iap/iap_lzss.h"
#include "iap/iap_sha256.h"
#include "lzss_enc.h"

#define HARD_LIMIT (256u * 1024u)

struct sink {
	const struct iap_lzss_dec *d;
	const uint8_t *win;
	uint32_t cap, limit, n;
	struct iap_sha256 sha;
	const uint8_t *expect; /* round trip: the original bytes */
	size_t expect_len;
};

static int out_cb(void *ctx, const uint8_t *data, uint32_t n)
{
	struct sink *s = ctx;

	CHECK(n > 0);
	CHECK(data >= s->win && data + n <= s->win + s->cap);
	CHECK(s->n + n <= s->limit);
	CHECK(s->n + n <= iap_lzss_dec_total(s->d));
	if (s->expect) {
		CHECK(s->n + n <= s->expect_len);
		CHECK(memcmp(data, &s->expect[s->n], n) == 0);
	}
	iap_sha256_update(&s->sha, data, n);
	s->n += n;
	return 0;
}

struct result {
	int err, fin;
	uint32_t total, n;
	uint8_t digest[IAP_SHA256_SIZE];
};

/* piece 0: random pieces from rnd; otherwise pieces of that size. */
static void decode(const uint8_t *in, size_t len, uint32_t cap, uint32_t limit,
		   size_t piece, uint32_t rnd, const uint8_t *expect,
		   size_t expect_len, struct result *res)
{
	struct iap_lzss_dec d;
	struct sink s;
	uint8_t *win = malloc(cap);
	size_t pos = 0;
	int err = 0;

	CHECK(win != NULL);
	memset(&s, 0, sizeof(s));
	s.d = &d;
	s.win = win;
	s.cap = cap;
	s.limit = limit;
	s.expect = expect;
	s.expect_len = expect_len;
	iap_sha256_init(&s.sha);
	CHECK(iap_lzss_dec_init(&d, win, cap) == 0);
	iap_lzss_dec_limit(&d, limit);
	while (pos < len) {
		size_t k = piece ? piece : 1 + fuzz_rand(&rnd) % 97u;
		uint32_t before = s.n;
		int r;

		if (k > len - pos) {
			k = len - pos;
		}
		r = iap_lzss_dec_feed(&d, &in[pos], k, out_cb, &s);
		CHECK(r <= 0);
		CHECK(iap_lzss_dec_total(&d) <= limit);
		if (err) {
			CHECK(r == err && s.n == before);
		} else {
			err = r;
		}
		pos += k;
	}
	if (err) {
		/* Sticky, also for an empty feed. */
		CHECK(iap_lzss_dec_feed(&d, in, 0, out_cb, &s) == err);
		CHECK(iap_lzss_dec_finish(&d) == err);
		CHECK(err == IAP_ERR_BADMSG || err == IAP_ERR_FBIG ||
		      err == IAP_ERR_CORRUPT);
	} else {
		int fin = iap_lzss_dec_finish(&d);

		CHECK(fin == 0 || fin == IAP_ERR_CORRUPT);
		CHECK(s.n == iap_lzss_dec_total(&d));
	}
	res->err = err;
	res->fin = iap_lzss_dec_finish(&d);
	res->total = iap_lzss_dec_total(&d);
	res->n = s.n;
	iap_sha256_final(&s.sha, res->digest);
	free(win);
}

static void round_trip(const uint8_t *in, size_t len, unsigned bits,
		       uint32_t rnd)
{
	struct result res;
	uint8_t *z = NULL;
	size_t zlen = 0;

	CHECK(lzss_compress(in, len, bits, &z, &zlen) == 0);
	CHECK(zlen <= IAP_LZSS_BOUND(len));
	decode(z, zlen, 1u << bits, UINT32_MAX, 0, rnd, in, len, &res);
	CHECK(res.err == 0 && res.fin == 0);
	CHECK(res.total == len && res.n == len);
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b, c;
	unsigned bits;
	uint32_t cap, limit, rnd;
	const uint8_t *in;
	size_t len;

	if (size < 4) {
		return 0;
	}
	bits = IAP_LZSS_MIN_BITS + data[0] % 8u;
	cap = 1u << bits;
	limit = (uint32_t)(data[1] | (data[2] << 8)) * 64u;
	if (limit == 0 || limit > HARD_LIMIT) {
		limit = HARD_LIMIT;
	}
	rnd = data[3] | 0x100u;
	in = data + 4;
	len = size - 4;

	decode(in, len, cap, limit, 0, rnd, NULL, 0, &a);
	decode(in, len, cap, limit, len ? len : 1, 0, NULL, 0, &b);
	decode(in, len, cap, limit, 1, 0, NULL, 0, &c);
	CHECK(a.err == b.err && a.err == c.err);
	CHECK(a.fin == b.fin && a.fin == c.fin);
	CHECK(a.total == b.total && a.total == c.total);
	if (!a.err) {
		CHECK(a.n == b.n && a.n == c.n);
		CHECK(memcmp(a.digest, b.digest, sizeof(a.digest)) == 0);
		CHECK(memcmp(a.digest, c.digest, sizeof(a.digest)) == 0);
	}

	round_trip(in, len, bits, rnd);
	return 0;
}
