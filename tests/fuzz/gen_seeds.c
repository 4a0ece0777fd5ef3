/*
 * Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/), run
 * once by hand when the input formats change:
 *   gen_seeds tests/fuzz/corpus
 * The formats are those described at the top of each fuzz_<name>.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iap/iap_image.h"
#include "iap/iap_lzss.h"
#include "iap/iap_proto.h"
#include "iap/iap_ymodem.h"
#include "lzss_enc.h"

static uint8_t seed[8192];
static size_t seed_len;
static const char *root;

static void put(const void *p, size_t n)
{
	if (seed_len + n > sizeof(seed)) {
		fprintf(stderr, "seed too long\n");
		exit(1);
	}
	memcpy(&seed[seed_len], p, n);
	seed_len += n;
}

static void put8(uint8_t v)
{
	put(&v, 1);
}

static void put16(uint16_t v)
{
	put8((uint8_t)v);
	put8((uint8_t)(v >> 8));
}

static void save(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f)) {
		perror(path);
		exit(1);
	}
	seed_len = 0;
}

static void put_frame(uint8_t cmd, uint8_t seq, const uint8_t *p, uint16_t n)
{
	uint8_t f[1100];
	int len = iap_frame_encode(f, sizeof(f), cmd, seq, p, n);

	put(f, (size_t)len);
}

static void frames(void)
{
	uint8_t p[300];

	for (unsigned i = 0; i < sizeof(p); i++) {
		p[i] = (uint8_t)(i * 7u);
	}
	put16(1028);
	put16(1);
	put_frame(IAP_CMD_INFO, 0, NULL, 0);
	save("frame", "info");

	put16(1028);
	put16(77);
	put8(0x00);
	put8(IAP_PROTO_SOF);
	put8(0x42);
	put_frame(IAP_CMD_WRITE, 5, p, 68);
	save("frame", "junk-write");

	put16(260);
	put16(300);
	put_frame(IAP_CMD_START, 1, p, 260);
	put_frame(IAP_CMD_WRITE, 2, p, 261); /* too long for cap 260 */
	put_frame(IAP_CMD_FINISH, 3, NULL, 0);
	seed[seed_len - 1] ^= 1u; /* bad CRC */
	put_frame(IAP_CMD_FINISH | IAP_CMD_RESP, 3, p, 2);
	save("frame", "three-frames");
}

/* YModem: the sender's bytes, cut into feed commands of <= 192 bytes. */
static uint8_t line[4096];
static size_t line_len;

static void ym_flush(void)
{
	size_t i = 0;

	while (i < line_len) {
		size_t n = line_len - i > 192 ? 192 : line_len - i;

		put8((uint8_t)(n - 1));
		put(&line[i], n);
		i += n;
	}
	line_len = 0;
}

static void ym_block(uint8_t num, const uint8_t *data, size_t n, size_t bs)
{
	uint16_t crc;
	uint8_t *blk;

	line[line_len++] = bs == 1024 ? IAP_YMODEM_STX : IAP_YMODEM_SOH;
	line[line_len++] = num;
	line[line_len++] = (uint8_t)~num;
	blk = &line[line_len];
	memset(blk, num ? IAP_YMODEM_PAD : 0, bs);
	memcpy(blk, data, n);
	crc = iap_crc16_xmodem(0, blk, bs);
	line_len += bs;
	line[line_len++] = (uint8_t)(crc >> 8);
	line[line_len++] = (uint8_t)crc;
	ym_flush();
}

static void ym_session(uint8_t cfg, size_t bs, uint32_t size, int eot_ack)
{
	uint8_t b0[128], file[2048];
	int n;

	for (uint32_t i = 0; i < size; i++) {
		file[i] = (uint8_t)(i ^ (i >> 3));
	}
	put8(cfg);
	memset(b0, 0, sizeof(b0));
	n = snprintf((char *)b0, sizeof(b0), "app.bin");
	snprintf((char *)&b0[n + 1], sizeof(b0) - (size_t)n - 1, "%u 0 100644",
		 (unsigned)size);
	ym_block(0, b0, sizeof(b0), 128);
	for (uint32_t off = 0, num = 1; off < size; off += (uint32_t)bs) {
		uint32_t k = size - off < bs ? size - off : (uint32_t)bs;

		ym_block((uint8_t)num++, &file[off], k, bs);
		put8(0xC0); /* 100 ms */
	}
	line[line_len++] = IAP_YMODEM_EOT;
	ym_flush();
	if (!eot_ack) {
		line[line_len++] = IAP_YMODEM_EOT;
		ym_flush();
	}
	memset(b0, 0, sizeof(b0));
	ym_block(0, b0, sizeof(b0), 128);
}

static void ymodem(void)
{
	ym_session(0x00, 128, 300, 0);
	save("ymodem", "soh-300");
	ym_session(0x03, 1024, 1500, 1);
	save("ymodem", "stx-1500-eotack");
	ym_session(0x06, 128, 200, 0); /* begin() takes up to 64 bytes */
	save("ymodem", "refused-size");
}

static void lzss_one(const char *name, unsigned bits, const uint8_t *d,
		     size_t n)
{
	uint8_t *z;
	size_t zlen;

	if (lzss_compress(d, n, bits, &z, &zlen)) {
		exit(1);
	}
	put8((uint8_t)(bits - IAP_LZSS_MIN_BITS));
	put16(0);
	put8(3);
	put(z, zlen);
	free(z);
	save("lzss", name);
}

static void lzss(void)
{
	static const char text[] =
		"iapboot lzss seed: the quick brown fox jumps over the lazy "
		"dog, the quick brown fox jumps over the lazy dog again.";
	uint8_t d[1500];

	for (unsigned i = 0; i < sizeof(d); i++) {
		d[i] = (uint8_t)(i < 700 ? (i % 13) * 9 : 0xFF);
	}
	lzss_one("text-w8", 8, (const uint8_t *)text, sizeof(text) - 1);
	lzss_one("pattern-w10", 10, d, sizeof(d));
	lzss_one("pattern-w15", 15, d, 600);
}

static void image(void)
{
	struct iap_image_hdr h;
	uint8_t out[IAP_IMAGE_HDR_SIZE];

	memset(&h, 0, sizeof(h));
	h.image_size = 1000;
	h.load_addr = 0x08004000u;
	h.version.major = 1;
	h.version.patch = 3;
	for (unsigned i = 0; i < sizeof(h.sha256); i++) {
		h.sha256[i] = (uint8_t)(i * 31u);
	}
	iap_image_hdr_encode(&h, out);
	put(out, sizeof(out));
	save("image", "f103c8-fits");

	h.image_size = 0xC000u;
	h.board_id = 0x103C8u;
	h.min_loader = IAP_LOADER_VERSION(0, 2, 0);
	iap_image_hdr_encode(&h, out);
	put(out, sizeof(out));
	put16(0x0200);
	put16(0);
	save("image", "min-loader");
}

/* fuzz_server operations. */
static void srv_start(uint8_t op, uint8_t flags, uint16_t size, uint8_t s)
{
	put8(op);
	put8(flags);
	put8(0); /* header as made */
	put16((uint16_t)(size - 8u));
	put8(s);
}

static void srv_writes(unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		put8(2);
		put8(0);
		put16(1023); /* 1024 bytes, clipped to what is left */
	}
}

static void server(void)
{
	put8(0x00);
	put8(0); /* INFO */
	srv_start(1, 0, 1000, 3);
	srv_writes(1);
	put8(3); /* FINISH */
	put8(4); /* BOOT */
	save("server", "c8-start-write-finish");

	put8(0x01);
	srv_start(1 | 0x10, IAP_START_F_STREAM, 3000, 9);
	srv_writes(3);
	put8(3);
	put8(6); /* HASH */
	put16(0);
	put16(3000);
	save("server", "swap-stage-stream");

	put8(0x02);
	srv_start(1, IAP_START_F_LZSS | IAP_START_F_PROGRESS, 2500, 5);
	srv_writes(3);
	put8(8); /* the last WRITE again */
	put8(3);
	save("server", "c8-installed-lzss");

	put8(0x00);
	srv_start(1, 0, 1000, 3);
	put8(2);
	put8(4); /* corrupted chunk */
	put16(1023);
	put8(3);
	put8(5); /* ABORT */
	put8(4);
	save("server", "c8-corrupt-abort");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	root = argv[1];
	frames();
	ymodem();
	lzss();
	image();
	server();
	return 0;
}
