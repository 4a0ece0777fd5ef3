/*
 * libFuzzer target: the byte-fed frame decoder (iap_dec_init/iap_dec_sink).
 *
 * Input: bytes 0..1 the payload capacity (0 .. 1100), bytes 2..3 the seed
 * of the piece sizes, the rest the line. Every frame reported must fit the
 * capacity, be exactly the bytes just before the point where it was
 * reported (re-encoded with iap_frame_encode, CRCs included), and decode
 * again to itself; consumed never exceeds the piece, and IAP_DEC_MORE
 * means the whole piece was taken.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iap/iap_proto.h"

#define MAX_CAP 1100u

static void check_frame(const struct iap_dec *d, const uint8_t *line,
			size_t end, uint16_t cap)
{
	static uint8_t enc[MAX_CAP + IAP_FRAME_OVERHEAD];
	struct iap_dec d2;
	uint8_t *buf2;
	size_t used;
	int n;

	CHECK(d->frame_len <= cap);
	n = iap_frame_encode(enc, sizeof(enc), d->cmd, d->seq, d->buf,
			     d->frame_len);
	CHECK(n == (int)(d->frame_len + IAP_FRAME_OVERHEAD));
	/* A good CRC: the frame is exactly the last n bytes taken. */
	CHECK(end >= (size_t)n);
	CHECK(memcmp(&line[end - (size_t)n], enc, (size_t)n) == 0);

	/* The encoding decodes to the same frame in one go. */
	buf2 = malloc(cap ? cap : 1);
	CHECK(buf2 != NULL);
	iap_dec_init(&d2, buf2, cap);
	CHECK(iap_dec_sink(&d2, enc, (size_t)n, &used) == IAP_DEC_FRAME);
	CHECK(used == (size_t)n);
	CHECK(d2.cmd == d->cmd && d2.seq == d->seq);
	CHECK(d2.frame_len == d->frame_len);
	CHECK(memcmp(d2.buf, d->buf, d->frame_len) == 0);
	CHECK(d2.frames == 1 && d2.bad_crc == 0 && d2.bad_hdr == 0);
	free(buf2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iap_dec d;
	const uint8_t *line;
	uint8_t *buf;
	uint16_t cap;
	uint32_t rnd, frames = 0;
	size_t len, pos = 0;

	if (size < 4) {
		return 0;
	}
	cap = (uint16_t)((data[0] | (data[1] << 8)) % (MAX_CAP + 1));
	rnd = (uint32_t)(data[2] | (data[3] << 8)) | 0x10000u;
	line = data + 4;
	len = size - 4;

	/* Exactly cap bytes: ASan catches a write past the payload. */
	buf = malloc(cap ? cap : 1);
	CHECK(buf != NULL);
	iap_dec_init(&d, buf, cap);
	while (pos < len) {
		size_t piece = 1 + fuzz_rand(&rnd) % 300u;
		size_t used = (size_t)-1;
		int r;

		if (piece > len - pos) {
			piece = len - pos;
		}
		r = iap_dec_sink(&d, &line[pos], piece, &used);
		CHECK(r == IAP_DEC_MORE || r == IAP_DEC_FRAME);
		CHECK(used <= piece);
		if (r == IAP_DEC_MORE) {
			CHECK(used == piece);
		} else {
			CHECK(used >= 1);
		}
		pos += used;
		if (r == IAP_DEC_FRAME) {
			frames++;
			CHECK(d.frames == frames);
			check_frame(&d, line, pos, cap);
		}
		CHECK(d.pos <= IAP_FRAME_MAX_PAYLOAD);
	}
	CHECK(d.frames == frames);
	free(buf);
	return 0;
}
