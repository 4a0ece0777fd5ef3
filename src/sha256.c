/*
 * iapboot - SHA-256 as specified in FIPS 180-4, sections 4.1.2, 4.2.2, 5.1.1
 * and 6.2. Only the round constants are tabulated; the message schedule is
 * kept as a rolling 16-word window to save stack on small targets.
 */
#include <string.h>

#include "iap/iap_sha256.h"

static const uint32_t k[64] = {
	0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
	0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
	0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
	0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
	0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
	0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
	0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
	0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
	0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
	0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
	0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
	0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
	0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32u - n));
}

static uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void compress(uint32_t h[8], const uint8_t block[64])
{
	uint32_t w[16];
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];

	for (unsigned t = 0; t < 64; t++) {
		uint32_t wt, t1, t2;

		if (t < 16) {
			wt = get_be32(&block[4 * t]);
		} else {
			uint32_t w15 = w[(t - 15) & 15];
			uint32_t w2 = w[(t - 2) & 15];
			uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
			uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);

			wt = s1 + w[(t - 7) & 15] + s0 + w[t & 15];
		}
		w[t & 15] = wt;

		t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + k[t] + wt;
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void iap_sha256_init(struct iap_sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
				       0xa54ff53au, 0x510e527fu, 0x9b05688cu,
				       0x1f83d9abu, 0x5be0cd19u};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->used = 0;
}

void iap_sha256_update(struct iap_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* memcpy() must not see a NULL pointer, even for zero bytes. */
	if (len == 0) {
		return;
	}
	s->len += len;
	if (s->used) {
		size_t n = 64u - s->used;

		if (n > len) {
			n = len;
		}
		memcpy(&s->buf[s->used], p, n);
		s->used += (uint32_t)n;
		p += n;
		len -= n;
		if (s->used < 64u) {
			return;
		}
		compress(s->h, s->buf);
		s->used = 0;
	}
	/* Whole blocks straight from the input: no copy through buf. */
	while (len >= 64u) {
		compress(s->h, p);
		p += 64;
		len -= 64;
	}
	if (len) {
		memcpy(s->buf, p, len);
		s->used = (uint32_t)len;
	}
}

void iap_sha256_final(struct iap_sha256 *s, uint8_t out[IAP_SHA256_SIZE])
{
	uint64_t bits = s->len * 8u;

	/* Padding (5.1.1): 0x80, zeros up to 56 mod 64, 64-bit bit length. */
	s->buf[s->used++] = 0x80u;
	if (s->used > 56u) {
		memset(&s->buf[s->used], 0, 64u - s->used);
		compress(s->h, s->buf);
		s->used = 0;
	}
	memset(&s->buf[s->used], 0, 56u - s->used);
	put_be32(&s->buf[56], (uint32_t)(bits >> 32));
	put_be32(&s->buf[60], (uint32_t)bits);
	compress(s->h, s->buf);

	for (unsigned i = 0; i < 8; i++) {
		put_be32(&out[4 * i], s->h[i]);
	}
	/* Leave no message-derived state behind in the context. */
	memset(s, 0, sizeof(*s));
}

void iap_sha256(const void *data, size_t len, uint8_t out[IAP_SHA256_SIZE])
{
	struct iap_sha256 s;

	iap_sha256_init(&s);
	iap_sha256_update(&s, data, len);
	iap_sha256_final(&s, out);
}
