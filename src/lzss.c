/*
 * iapboot - LZSS decompressor (format in iap_lzss.h, docs/COMPRESSION.md).
 *
 * Each input byte adds 8 bits to acc; then every step that has the bits
 * it needs runs. A step never waits for more than 15 bits, so acc never
 * holds more than 22. States:
 *
 *   HDR0 -> HDR1 -> FLAG -0-> LIT (8 bits: one byte out) -> FLAG
 *                    |
 *                    1-> OHI (gamma) -> OLO (K bits) -o=0-> END
 *                                        |
 *                                        o>0-> LEN (gamma: copy) -> FLAG
 *
 * Work per input byte is bounded: at most one back-reference (of at most
 * 65536 bytes) ends in any byte.
 */
#include "iap/iap_err.h"
#include "iap/iap_lzss.h"

enum lz_state {
	S_HDR0 = 0,
	S_HDR1,
	S_FLAG,
	S_LIT,
	S_OHI,
	S_OLO,
	S_LEN,
	S_COPY,
	S_END
};

int iap_lzss_dec_init(struct iap_lzss_dec *d, uint8_t *win, uint32_t win_cap)
{
	if (!d || !win || win_cap < (1u << IAP_LZSS_MIN_BITS) ||
	    (win_cap & (win_cap - 1u))) {
		return IAP_ERR_INVAL;
	}
	*d = (struct iap_lzss_dec){0};
	d->win = win;
	d->mask = win_cap - 1u;
	d->limit = UINT32_MAX;
	return 0;
}

void iap_lzss_dec_limit(struct iap_lzss_dec *d, uint32_t max)
{
	d->limit = max;
}

/* Take the next n (<= nbits) bits of acc. */
static uint32_t take(struct iap_lzss_dec *d, unsigned n)
{
	d->nbits -= n;
	return (d->acc >> d->nbits) & ((1u << n) - 1u);
}

/* Hand what is pending to out(): it never crosses the window's end. */
static int flush(struct iap_lzss_dec *d,
		 int (*out)(void *, const uint8_t *, uint32_t), void *ctx)
{
	uint32_t n = d->total - d->done;
	uint32_t at = d->done & d->mask;
	int r;

	if (!n) {
		return 0;
	}
	d->done = d->total;
	r = out ? out(ctx, &d->win[at], n) : 0;
	return r < 0 ? r : 0;
}

/*
 * Copy val + 1 bytes from off back; a literal is a copy from 0 back of
 * the byte already put at the write position.
 */
static int copy(struct iap_lzss_dec *d,
		int (*out)(void *, const uint8_t *, uint32_t), void *ctx)
{
	int r = 0;

	do {
		if (d->total == d->limit) {
			return IAP_ERR_FBIG;
		}
		d->win[d->total & d->mask] =
			d->win[(d->total - d->off) & d->mask];
		d->total++;
		if (!(d->total & d->mask)) {
			r = flush(d, out, ctx);
		}
	} while (!r && d->val--);
	return r;
}

/* Run every step the bits in acc allow. */
static int run(struct iap_lzss_dec *d,
	       int (*out)(void *, const uint8_t *, uint32_t), void *ctx)
{
	int r;

	for (;;) {
		switch (d->state) {
		case S_FLAG:
			if (!d->nbits) {
				return 0;
			}
			d->state = take(d, 1) ? S_OHI : S_LIT;
			d->val = 1;
			break;
		case S_LIT:
			if (d->nbits < 8u) {
				return 0;
			}
			d->win[d->total & d->mask] = (uint8_t)take(d, 8);
			d->off = 0;
			d->val = 0;
			d->state = S_COPY;
			break;
		case S_OHI:
		case S_LEN:
			/* Gamma code: 1 x shifts bit x in, 0 ends it. */
			if (!d->nbits) {
				return 0;
			}
			if ((d->acc >> (d->nbits - 1u)) & 1u) {
				if (d->nbits < 2u) {
					return 0;
				}
				if (d->val >> 15) {
					return IAP_ERR_CORRUPT;
				}
				d->val = (d->val << 1) | (take(d, 2) & 1u);
				break;
			}
			d->nbits--;
			if (d->state == S_LEN) {
				/* len = val + 1: copy() takes val + 1 bytes */
				d->state = S_COPY;
				break;
			}
			d->off = d->val - 1u;
			d->state = S_OLO;
			break;
		case S_OLO:
			if (d->nbits < d->kbits) {
				return 0;
			}
			d->off = (d->off << d->kbits) | take(d, d->kbits);
			d->val = 1;
			if (!d->off) {
				/* End marker: only 0 bits to the byte's end. */
				d->state = S_END;
				return take(d, d->nbits) ? IAP_ERR_CORRUPT : 0;
			}
			if (d->off > d->total || d->off > d->wmax) {
				return IAP_ERR_CORRUPT;
			}
			d->state = S_LEN;
			break;
		case S_COPY:
			r = copy(d, out, ctx);
			if (r) {
				return r;
			}
			d->state = S_FLAG;
			break;
		default: /* S_END: a byte after the end marker */
			return d->nbits ? IAP_ERR_CORRUPT : 0;
		}
	}
}

static int header(struct iap_lzss_dec *d, uint32_t b)
{
	if (d->state == S_HDR0) {
		d->state = S_HDR1;
		return b == IAP_LZSS_MAGIC ? 0 : IAP_ERR_BADMSG;
	}
	uint32_t w = (b & 15u) + IAP_LZSS_MIN_BITS;

	d->kbits = b >> 4u;
	d->wmax = (1u << w) - 1u;
	d->state = S_FLAG;
	if (w > IAP_LZSS_MAX_BITS || d->kbits > w) {
		return IAP_ERR_BADMSG;
	}
	return d->wmax > d->mask ? IAP_ERR_FBIG : 0;
}

int iap_lzss_dec_feed(struct iap_lzss_dec *d, const uint8_t *in, size_t len,
		      int (*out)(void *ctx, const uint8_t *data, uint32_t n),
		      void *ctx)
{
	int r = d->err;

	while (!r && len--) {
		if (d->state < S_FLAG) {
			r = header(d, *in++);
			continue;
		}
		d->acc = (d->acc << 8) | *in++;
		d->nbits += 8u;
		r = run(d, out, ctx);
	}
	if (!r) {
		r = flush(d, out, ctx);
	}
	d->err = r;
	return r;
}

int iap_lzss_dec_finish(const struct iap_lzss_dec *d)
{
	if (d->err) {
		return d->err;
	}
	return d->state == S_END ? 0 : IAP_ERR_CORRUPT;
}

uint32_t iap_lzss_dec_total(const struct iap_lzss_dec *d)
{
	return d->total;
}
