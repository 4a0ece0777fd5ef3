/*
 * iap - the compressed form of an upload (protocol v2, IAP_START_F_LZSS):
 * the LZSS stream of the image from the resume offset on, checked by
 * decompressing it on the host, and a map from stream offsets to image
 * offsets for the progress bar and the erase estimates of the timeouts.
 */
#ifndef IAP_ZSTREAM_H
#define IAP_ZSTREAM_H

#include <stddef.h>
#include <stdint.h>

/* One map entry per this many stream bytes. */
#define ZSTREAM_STEP 256u

struct zstream {
	uint8_t *z;    /* the stream (malloc'ed) */
	uint32_t len;  /* its length */
	uint32_t from; /* image offset it starts at */
	uint32_t end;  /* image offset it ends at */
	unsigned bits; /* log2 of its window */
	uint32_t *map; /* map[i]: image offset reached by (i + 1) steps */
	uint32_t n_map;
};

/**
 * zstream_make() - compress data[from, end) for a window of 2^bits bytes,
 * decompress the result and compare it with the input. Returns 0 or a
 * negative IAP_ERR_* (IAP_ERR_IO: out of memory; IAP_ERR_CORRUPT: the
 * stream does not decompress to the input).
 */
int zstream_make(struct zstream *zs, const uint8_t *data, uint32_t from,
		 uint32_t end, unsigned bits);

/**
 * zstream_unpacked() - the image offset the device has reached once it
 * has taken off stream bytes (an upper bound, to the next map entry).
 * ctx is the struct zstream.
 */
uint32_t zstream_unpacked(void *ctx, uint32_t off);

void zstream_free(struct zstream *zs);

#endif /* IAP_ZSTREAM_H */
