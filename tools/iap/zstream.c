/*
 * iap - the compressed form of an upload (zstream.h).
 */
#include <stdlib.h>
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_lzss.h"
#include "lzss_enc.h"
#include "zstream.h"

struct check {
	const uint8_t *want;
	uint32_t left;
};

/* The decompressed bytes must be the input's, in order. */
static int compare(void *ctx, const uint8_t *data, uint32_t n)
{
	struct check *c = ctx;

	if (n > c->left || memcmp(c->want, data, n)) {
		return IAP_ERR_CORRUPT;
	}
	c->want += n;
	c->left -= n;
	return 0;
}

int zstream_make(struct zstream *zs, const uint8_t *data, uint32_t from,
		 uint32_t end, unsigned bits)
{
	struct iap_lzss_dec d;
	struct check c = {&data[from], end - from};
	uint8_t *win;
	size_t zlen = 0;
	int err;

	memset(zs, 0, sizeof(*zs));
	zs->from = from;
	zs->end = end;
	zs->bits = bits;
	err = lzss_compress(&data[from], end - from, bits, &zs->z, &zlen);
	if (err) {
		return err;
	}
	zs->len = (uint32_t)zlen;
	zs->n_map = (zs->len + ZSTREAM_STEP - 1u) / ZSTREAM_STEP;
	zs->map = calloc(zs->n_map ? zs->n_map : 1u, sizeof(zs->map[0]));
	win = malloc((size_t)1u << bits);
	if (!zs->map || !win) {
		free(win);
		zstream_free(zs);
		return IAP_ERR_IO;
	}
	err = iap_lzss_dec_init(&d, win, 1u << bits);
	for (uint32_t i = 0; !err && i < zs->n_map; i++) {
		uint32_t off = i * ZSTREAM_STEP;
		uint32_t n = zs->len - off < ZSTREAM_STEP ? zs->len - off
							  : ZSTREAM_STEP;

		err = iap_lzss_dec_feed(&d, &zs->z[off], n, compare, &c);
		zs->map[i] = from + iap_lzss_dec_total(&d);
	}
	if (!err) {
		err = iap_lzss_dec_finish(&d);
	}
	if (!err && c.left) {
		err = IAP_ERR_CORRUPT;
	}
	free(win);
	if (err) {
		zstream_free(zs);
	}
	return err;
}

uint32_t zstream_unpacked(void *ctx, uint32_t off)
{
	const struct zstream *zs = ctx;
	uint32_t i = (off + ZSTREAM_STEP - 1u) / ZSTREAM_STEP;

	if (!off) {
		return zs->from;
	}
	return i > zs->n_map ? zs->end : zs->map[i - 1u];
}

void zstream_free(struct zstream *zs)
{
	free(zs->z);
	free(zs->map);
	zs->z = NULL;
	zs->map = NULL;
}
