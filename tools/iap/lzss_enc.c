/*
 * iap - LZSS compressor (format in iap/iap_lzss.h, docs/COMPRESSION.md).
 *
 * Every token's cost in bits is fixed by the format, so the parse is an
 * exact shortest path over the positions of the input (optimal parsing):
 * price[i] is the fewest bits that produce in[0..i), reached by a literal
 * from i - 1 or by a back-reference from an earlier position.
 *
 * Matches come from chains of the earlier positions with the same two
 * bytes, nearest first, so for each length the first candidate that
 * reaches it is the nearest (the cheapest offset: the offset cost only
 * grows with the distance). A match of NICE_LEN bytes or more is taken as
 * it is and the positions it covers are not searched, which keeps long
 * runs (erased 0xFF, zero-filled tables) linear.
 */
#include <stdlib.h>
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_lzss.h"
#include "lzss_enc.h"

#define NONE	  UINT32_MAX
#define MAX_CHAIN 512u	/* candidates looked at per position */
#define NICE_LEN  1024u /* a match this long is taken without a search */
#define ALL_LENS  64u	/* lengths up to this are all priced */
#define MAX_PAIRS 32u

/* Bits of the gamma code of v >= 1. */
static unsigned gamma_bits(uint32_t v)
{
	unsigned k = 0;

	while (v > 1u) {
		v >>= 1;
		k++;
	}
	return 2u * k + 1u;
}

static unsigned match_bits(uint32_t off, uint32_t len, unsigned kbits)
{
	return 1u + gamma_bits((off >> kbits) + 1u) + kbits +
	       gamma_bits(len - 1u);
}

struct bitw {
	uint8_t *buf;
	size_t len, cap;
	uint32_t acc;
	unsigned n; /* bits in acc */
};

/* Append the low n (<= 24) bits of v, most significant first. */
static void put_bits(struct bitw *w, uint32_t v, unsigned n)
{
	w->acc = (w->acc << n) | (v & ((1u << n) - 1u));
	w->n += n;
	while (w->n >= 8u) {
		w->n -= 8u;
		if (w->len < w->cap) {
			w->buf[w->len] = (uint8_t)(w->acc >> w->n);
		}
		w->len++;
	}
}

static void put_gamma(struct bitw *w, uint32_t v)
{
	unsigned k = (gamma_bits(v) - 1u) / 2u;

	while (k--) {
		put_bits(w, 2u | ((v >> k) & 1u), 2);
	}
	put_bits(w, 0, 1);
}

static void put_offset(struct bitw *w, uint32_t off, unsigned kbits)
{
	put_bits(w, 1, 1);
	put_gamma(w, (off >> kbits) + 1u);
	if (kbits) {
		put_bits(w, off, kbits);
	}
}

unsigned lzss_default_off_bits(unsigned window_bits)
{
	/* Measured on Cortex-M images: K near W/2 + 1.5 is best. */
	return (window_bits + 3u) / 2u;
}

int lzss_compress(const uint8_t *in, size_t n, unsigned window_bits,
		  uint8_t **out, size_t *out_len)
{
	return lzss_compress_k(in, n, window_bits,
			       lzss_default_off_bits(window_bits), out,
			       out_len);
}

struct parse {
	uint32_t *price; /* bits to reach position i */
	uint32_t *tlen;	 /* the token that reaches i: 1 = literal */
	uint32_t *toff;
	uint32_t *prev; /* chain: the previous position with the same pair */
	uint32_t *head; /* 65536 heads, by the two bytes */
};

static void relax(struct parse *p, uint32_t i, uint32_t len, uint32_t off,
		  unsigned bits)
{
	uint32_t c = p->price[i] + bits;

	if (c < p->price[i + len]) {
		p->price[i + len] = c;
		p->tlen[i + len] = len;
		p->toff[i + len] = off;
	}
}

static void insert(struct parse *p, const uint8_t *in, uint32_t n, uint32_t i)
{
	if (i + 1u < n) {
		uint32_t key = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;

		p->prev[i] = p->head[key];
		p->head[key] = i;
	}
}

/*
 * The matches at i: pairs of (length, offset), lengths growing, each
 * offset the nearest with that length. Returns the number of pairs.
 */
static unsigned find(const struct parse *p, const uint8_t *in, uint32_t n,
		     uint32_t i, uint32_t max_off, uint32_t *plen,
		     uint32_t *poff)
{
	uint32_t max_len = n - i, best = IAP_LZSS_MIN_LEN - 1u;
	unsigned np = 0, depth = 0;
	uint32_t j;

	if (max_len < IAP_LZSS_MIN_LEN) {
		return 0;
	}
	if (max_len > IAP_LZSS_MAX_LEN) {
		max_len = IAP_LZSS_MAX_LEN;
	}
	j = p->head[(uint32_t)in[i] | (uint32_t)in[i + 1] << 8];
	for (; j != NONE && i - j <= max_off && depth < MAX_CHAIN;
	     j = p->prev[j], depth++) {
		uint32_t l;

		if (in[j + best] != in[i + best]) {
			continue;
		}
		for (l = 2; l < max_len && in[j + l] == in[i + l]; l++) {
		}
		if (l > best) {
			best = l;
			if (np == MAX_PAIRS) {
				np--;
			}
			plen[np] = l;
			poff[np] = i - j;
			np++;
			if (l == max_len) {
				break;
			}
		}
	}
	return np;
}

static void parse_all(struct parse *p, const uint8_t *in, uint32_t n,
		      unsigned window_bits, unsigned kbits)
{
	uint32_t max_off = (1u << window_bits) - 1u;
	uint32_t plen[MAX_PAIRS], poff[MAX_PAIRS];
	uint32_t i = 0;

	while (i < n) {
		unsigned np = find(p, in, n, i, max_off, plen, poff);
		uint32_t lo = IAP_LZSS_MIN_LEN;

		relax(p, i, 1, 0, 9);
		if (np && plen[np - 1] >= NICE_LEN) {
			uint32_t l = plen[np - 1];

			relax(p, i, l, poff[np - 1],
			      match_bits(poff[np - 1], l, kbits));
			for (uint32_t k = 0; k < l; k++) {
				insert(p, in, n, i + k);
			}
			i += l;
			continue;
		}
		for (unsigned k = 0; k < np; k++) {
			for (uint32_t l = lo; l <= plen[k]; l++) {
				if (l > ALL_LENS && l < plen[k]) {
					l = plen[k];
				}
				relax(p, i, l, poff[k],
				      match_bits(poff[k], l, kbits));
			}
			lo = plen[k] + 1u;
		}
		insert(p, in, n, i);
		i++;
	}
}

static void emit(struct parse *p, const uint8_t *in, uint32_t n, unsigned kbits,
		 struct bitw *w)
{
	uint32_t i;

	/* Walk back from the end, linking each token's start to its end. */
	for (i = n; i > 0; i -= p->tlen[i]) {
		p->price[i - p->tlen[i]] = i;
	}
	for (i = 0; i < n; i = p->price[i]) {
		uint32_t e = p->price[i];

		if (p->tlen[e] == 1u) {
			put_bits(w, in[i], 9);
		} else {
			put_offset(w, p->toff[e], kbits);
			put_gamma(w, p->tlen[e] - 1u);
		}
	}
	put_offset(w, 0, kbits);
	if (w->n) {
		put_bits(w, 0, 8u - w->n);
	}
}

int lzss_compress_k(const uint8_t *in, size_t n, unsigned window_bits,
		    unsigned off_bits, uint8_t **out, size_t *out_len)
{
	struct parse p;
	struct bitw w = {0};
	int r = IAP_ERR_IO;

	if ((!in && n) || !out || !out_len || window_bits < IAP_LZSS_MIN_BITS ||
	    window_bits > IAP_LZSS_MAX_BITS || off_bits > window_bits) {
		return IAP_ERR_INVAL;
	}
	if (n > LZSS_ENC_MAX) {
		return IAP_ERR_FBIG;
	}
	*out = NULL;
	*out_len = 0;
	w.cap = IAP_LZSS_BOUND(n);
	w.buf = malloc(w.cap);
	p.price = malloc((n + 1u) * sizeof(uint32_t));
	p.tlen = malloc((n + 1u) * sizeof(uint32_t));
	p.toff = malloc((n + 1u) * sizeof(uint32_t));
	p.prev = malloc((n + 1u) * sizeof(uint32_t));
	p.head = malloc(65536u * sizeof(uint32_t));
	if (w.buf && p.price && p.tlen && p.toff && p.prev && p.head) {
		memset(p.price, 0xFF, (n + 1u) * sizeof(uint32_t));
		memset(p.head, 0xFF, 65536u * sizeof(uint32_t));
		p.price[0] = 0;
		parse_all(&p, in, (uint32_t)n, window_bits, off_bits);
		w.buf[0] = IAP_LZSS_MAGIC;
		w.buf[1] = (uint8_t)((window_bits - IAP_LZSS_MIN_BITS) |
				     (off_bits << 4));
		w.len = IAP_LZSS_HDR_SIZE;
		emit(&p, in, (uint32_t)n, off_bits, &w);
		r = w.len <= w.cap ? 0 : IAP_ERR_OVERFLOW;
	}
	free(p.price);
	free(p.tlen);
	free(p.toff);
	free(p.prev);
	free(p.head);
	if (r) {
		free(w.buf);
		return r;
	}
	*out = w.buf;
	*out_len = w.len;
	return 0;
}
