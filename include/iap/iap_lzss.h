/*
 * iapboot - LZSS decompressor for compressed firmware transfer, byte-fed,
 * in a caller-owned window of 256 bytes to 32 KiB. See docs/COMPRESSION.md.
 *
 * Stream format, format version 1 (bits are read MSB first, byte after
 * byte; a value of n bits is sent most significant bit first):
 *
 *   byte 0   magic 0x5A (format version 1)
 *   byte 1   bits 0..3: W - 8, the window is 2^W bytes, W = 8..15
 *            bits 4..7: K, the low offset bits, 0 .. W
 *   then tokens, then an end marker, then 0 bits up to the byte's end:
 *
 *   0 b[8]                      a literal byte b
 *   1 G(o / 2^K + 1) o%2^K[K] G(len - 1)
 *                               a back-reference: copy len bytes from o
 *                               bytes back (o = 1 .. 2^W - 1, at most the
 *                               bytes output so far; len = 2 .. 65536;
 *                               the copy may overlap what it writes)
 *   1 G(1) 0[K]                 end marker (o = 0): the stream is complete
 *
 *   G(v), v = 1 .. 65535: with v = 1 x_{k-1} .. x_0 in binary, the bits
 *   1 x_{k-1} 1 x_{k-2} .. 1 x_0 0 (2k + 1 bits; G(1) is a single 0).
 *
 * Nothing may follow the end marker's byte. A stream of n bytes of data
 * compresses to at most n + ceil(n / 8) + 5 bytes (all literals).
 *
 * Errors: IAP_ERR_BADMSG for a header with another magic, W or K out of
 * range; IAP_ERR_FBIG when the stream's window is larger than win_cap or
 * the output would pass the limit (iap_lzss_dec_limit()); IAP_ERR_CORRUPT
 * for a malformed token stream (a back-reference to before the first
 * byte or past the window, a length out of range, padding that is not 0,
 * bytes after the end marker); IAP_ERR_INVAL for bad init parameters.
 */
#ifndef IAP_LZSS_H
#define IAP_LZSS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_LZSS_MAGIC	  0x5Au
#define IAP_LZSS_HDR_SIZE 2u
#define IAP_LZSS_MIN_BITS 8u  /* smallest window: 256 bytes */
#define IAP_LZSS_MAX_BITS 15u /* largest window: 32 KiB */
#define IAP_LZSS_MIN_LEN  2u
#define IAP_LZSS_MAX_LEN  65536u

/* The most a stream of n bytes of data can take, header included. */
#define IAP_LZSS_BOUND(n) ((n) + ((n) + 7u) / 8u + 5u)

/*
 * Decoder state. Caller-owned; the fields are private. Holds no pointer
 * to input between calls, only to the window.
 */
struct iap_lzss_dec {
	uint8_t *win;
	uint32_t mask;	/* win_cap - 1 */
	uint32_t total; /* bytes decompressed */
	uint32_t done;	/* of them, handed to out() */
	uint32_t limit; /* most bytes the output may have */
	uint32_t acc;	/* bits taken from the input, not yet used */
	uint32_t nbits; /* valid bits in acc (the low ones) */
	uint32_t val;	/* the value being read: gamma code or offset */
	uint32_t off;	/* the back-reference's offset */
	int err;	/* sticky: the first error */
	uint32_t state;
	uint32_t wmax;	/* the stream's largest offset, 2^W - 1 */
	uint32_t kbits; /* K of the stream */
};

/**
 * iap_lzss_dec_init() - start decoding a stream into win, win_cap bytes:
 * a power of two from 256 on, at least the stream's window (a larger
 * window only batches the output into longer runs). The output limit is
 * UINT32_MAX until iap_lzss_dec_limit() says otherwise.
 * Returns 0 or IAP_ERR_INVAL (NULL, win_cap not a power of two >= 256).
 */
int iap_lzss_dec_init(struct iap_lzss_dec *d, uint8_t *win, uint32_t win_cap);

/**
 * iap_lzss_dec_limit() - refuse output past max bytes in total: the byte
 * that would pass it is not written and the feed returns IAP_ERR_FBIG.
 */
void iap_lzss_dec_limit(struct iap_lzss_dec *d, uint32_t max);

/**
 * iap_lzss_dec_feed() - decompress len bytes of the stream (any split,
 * down to 1 byte at a time, gives the same output). The output is handed
 * to out(ctx, data, n) in runs inside the window: one when the window's
 * write position wraps, and what is pending at the end of each call; out
 * may be NULL to only check and count. A negative return from out() stops
 * decoding and is returned (other returns count as 0).
 * Returns 0 or a negative IAP_ERR_*; after an error every further call
 * returns that error.
 */
int iap_lzss_dec_feed(struct iap_lzss_dec *d, const uint8_t *in, size_t len,
		      int (*out)(void *ctx, const uint8_t *data, uint32_t n),
		      void *ctx);

/**
 * iap_lzss_dec_finish() - the input ended: 0 if the stream was complete
 * (its end marker was read), IAP_ERR_CORRUPT if it was cut short, or the
 * error a feed returned.
 */
int iap_lzss_dec_finish(const struct iap_lzss_dec *d);

/** iap_lzss_dec_total() - bytes decompressed so far. */
uint32_t iap_lzss_dec_total(const struct iap_lzss_dec *d);

#ifdef __cplusplus
}
#endif

#endif /* IAP_LZSS_H */
