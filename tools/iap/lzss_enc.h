/*
 * iap - LZSS compressor for compressed transfer: the stream format the
 * bootloader's decoder takes (iap/iap_lzss.h, docs/COMPRESSION.md).
 */
#ifndef IAP_LZSS_ENC_H
#define IAP_LZSS_ENC_H

#include <stddef.h>
#include <stdint.h>

/* The largest input: its cost in bits fits 32 bits (256 MiB). */
#define LZSS_ENC_MAX 0x10000000u

/**
 * lzss_default_off_bits() - the K (low offset bits sent as they are) that
 * lzss_compress() takes for a window of 2^window_bits bytes.
 */
unsigned lzss_default_off_bits(unsigned window_bits);

/**
 * lzss_compress() - compress n bytes for a decoder window of
 * 2^window_bits bytes (IAP_LZSS_MIN_BITS .. IAP_LZSS_MAX_BITS), with
 * K = lzss_default_off_bits(). *out is malloc'ed (the caller frees it) and
 * holds *out_len bytes, at most IAP_LZSS_BOUND(n).
 * Returns 0, IAP_ERR_INVAL (bad arguments), IAP_ERR_FBIG (n over
 * LZSS_ENC_MAX) or IAP_ERR_IO (out of memory).
 */
int lzss_compress(const uint8_t *in, size_t n, unsigned window_bits,
		  uint8_t **out, size_t *out_len);

/** lzss_compress_k() - lzss_compress() with K = off_bits (0 .. window_bits). */
int lzss_compress_k(const uint8_t *in, size_t n, unsigned window_bits,
		    unsigned off_bits, uint8_t **out, size_t *out_len);

#endif /* IAP_LZSS_ENC_H */
