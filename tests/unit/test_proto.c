/*
 * Frame codec: round trips, corrupted frames, resynchronisation, limits;
 * INFO body codec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_err.h"
#include "iap/iap_proto.h"

struct sink {
	struct iap_dec dec;
	uint8_t buf[300];
	int frames;
	uint8_t cmd[8], seq[8];
	uint16_t len[8];
	uint8_t payload[8][300];
};

static void sink_init(struct sink *s, uint16_t cap)
{
	memset(s, 0, sizeof(*s));
	iap_dec_init(&s->dec, s->buf, cap);
}

/* Feed in chunks of `step` bytes, collecting every frame. */
static void sink_feed(struct sink *s, const uint8_t *data, size_t len,
		      size_t step)
{
	while (len) {
		size_t n = len < step ? len : step;
		size_t used;

		while (n) {
			int r = iap_dec_sink(&s->dec, data, n, &used);

			data += used;
			len -= used;
			n -= used;
			if (r == IAP_DEC_FRAME && s->frames < 8) {
				int i = s->frames++;

				s->cmd[i] = s->dec.cmd;
				s->seq[i] = s->dec.seq;
				s->len[i] = s->dec.frame_len;
				memcpy(s->payload[i], s->dec.buf,
				       s->dec.frame_len);
			}
		}
	}
}

static int encode(uint8_t *out, uint8_t cmd, uint8_t seq, const char *text)
{
	return iap_frame_encode(out, 400, cmd, seq, text,
				(uint16_t)strlen(text));
}

static void test_round_trip_every_chunking(void **state)
{
	uint8_t frame[400];
	int n = encode(frame, IAP_CMD_WRITE, 7, "hello, bootloader");
	(void)state;

	assert_int_equal(n, 17 + IAP_FRAME_OVERHEAD);
	for (size_t step = 1; step <= (size_t)n; step++) {
		struct sink s;

		sink_init(&s, 300);
		sink_feed(&s, frame, (size_t)n, step);
		assert_int_equal(s.frames, 1);
		assert_int_equal(s.cmd[0], IAP_CMD_WRITE);
		assert_int_equal(s.seq[0], 7);
		assert_int_equal(s.len[0], 17);
		assert_memory_equal(s.payload[0], "hello, bootloader", 17);
	}
}

static void test_empty_payload(void **state)
{
	uint8_t frame[16];
	struct sink s;
	int n = iap_frame_encode(frame, sizeof(frame), IAP_CMD_INFO, 0, NULL,
				 0);
	(void)state;

	assert_int_equal(n, IAP_FRAME_OVERHEAD);
	sink_init(&s, 300);
	sink_feed(&s, frame, (size_t)n, 64);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.len[0], 0);
}

static void test_encode_too_small(void **state)
{
	uint8_t frame[12];
	(void)state;

	assert_int_equal(iap_frame_encode(frame, sizeof(frame), 1, 0, "abc", 3),
			 IAP_ERR_OVERFLOW);
}

static void test_every_single_bit_flip_is_rejected(void **state)
{
	uint8_t frame[400];
	int n = encode(frame, IAP_CMD_START, 3, "payload bytes");
	(void)state;

	for (int byte = 0; byte < n; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			struct sink s;
			uint8_t bad[400];

			memcpy(bad, frame, (size_t)n);
			bad[byte] ^= (uint8_t)(1u << bit);
			sink_init(&s, 300);
			sink_feed(&s, bad, (size_t)n, 5);
			assert_int_equal(s.frames, 0);
		}
	}
}

static void test_resync_after_garbage_and_bad_frame(void **state)
{
	uint8_t stream[1200];
	size_t pos = 0;
	struct sink s;
	int n;
	(void)state;

	/* Garbage with stray SOF bytes, a frame with a bad CRC, a good one. */
	for (int i = 0; i < 100; i++) {
		stream[pos++] = (uint8_t)(i % 3 ? 0xA5 : i);
	}
	n = encode(&stream[pos], IAP_CMD_WRITE, 1, "first");
	stream[pos + (size_t)n - 1] ^= 0xFF;
	pos += (size_t)n;
	pos += (size_t)encode(&stream[pos], IAP_CMD_FINISH, 2, "second");
	sink_init(&s, 300);
	sink_feed(&s, stream, pos, 7);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.cmd[0], IAP_CMD_FINISH);
	assert_int_equal(s.seq[0], 2);
	assert_true(s.dec.bad_crc >= 1);
	assert_true(s.dec.junk > 0);
}

static void test_sof_inside_bad_header_is_rescanned(void **state)
{
	uint8_t stream[64];
	struct sink s;
	int n;
	(void)state;

	/* A lone SOF right before a real frame: the header check fails on
	 * the fake one and the real SOF inside it must be found. */
	stream[0] = IAP_PROTO_SOF;
	n = encode(&stream[1], IAP_CMD_BOOT, 9, "");
	sink_init(&s, 300);
	sink_feed(&s, stream, (size_t)n + 1, 1);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.cmd[0], IAP_CMD_BOOT);
	assert_int_equal(s.dec.bad_hdr, 1);
}

static void test_too_long_frame_dropped(void **state)
{
	uint8_t big[400];
	uint8_t frame[500];
	struct sink s;
	int n;
	(void)state;

	memset(big, 0x11, sizeof(big));
	n = iap_frame_encode(frame, sizeof(frame), IAP_CMD_WRITE, 1, big, 301);
	assert_true(n > 0);
	sink_init(&s, 300);
	sink_feed(&s, frame, (size_t)n, 64);
	assert_int_equal(s.frames, 0);
	assert_int_equal(s.dec.too_long, 1);
	/* A frame at exactly the limit passes. */
	n = iap_frame_encode(frame, sizeof(frame), IAP_CMD_WRITE, 2, big, 300);
	sink_feed(&s, frame, (size_t)n, 64);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.len[0], 300);
}

static void test_back_to_back_frames(void **state)
{
	uint8_t stream[400];
	size_t pos = 0;
	struct sink s;
	(void)state;

	for (uint8_t i = 0; i < 5; i++) {
		pos += (size_t)encode(&stream[pos], IAP_CMD_WRITE, i, "abc");
	}
	sink_init(&s, 300);
	sink_feed(&s, stream, pos, pos);
	assert_int_equal(s.frames, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(s.seq[i], i);
	}
}

static void test_reset_drops_partial_frame(void **state)
{
	uint8_t frame[64];
	struct sink s;
	int n = encode(frame, IAP_CMD_WRITE, 4, "partial");
	(void)state;

	sink_init(&s, 300);
	sink_feed(&s, frame, 8, 8);
	iap_dec_reset(&s.dec);
	sink_feed(&s, frame, (size_t)n, (size_t)n);
	assert_int_equal(s.frames, 1);
}

static void test_info_round_trip(void **state)
{
	struct iap_info in, out;
	uint8_t buf[IAP_INFO_SIZE];
	size_t n;
	(void)state;

	memset(&in, 0, sizeof(in));
	in.proto_version = 1;
	in.max_payload = 1028;
	in.loader_version = 0x000100;
	in.board_id = 0xB1;
	in.app_addr = 0x08008000;
	in.app_size = 0xF8000;
	in.meta_addr = 0x08004000;
	in.write_size = 4;
	in.state = IAP_STATE_RECEIVING;
	in.app_valid = 1;
	in.app_ver_major = 1;
	in.app_ver_minor = 2;
	in.app_ver_patch = 300;
	in.app_ver_build = 70000;
	in.region_count = 3;
	in.regions[0].addr = 0x08000000;
	in.regions[0].sector_size = 0x4000;
	in.regions[0].count = 4;
	in.regions[1].addr = 0x08010000;
	in.regions[1].sector_size = 0x10000;
	in.regions[1].count = 1;
	in.regions[2].addr = 0x08020000;
	in.regions[2].sector_size = 0x20000;
	in.regions[2].count = 7;
	in.caps = IAP_CAP_STAGE;
	in.stage_addr = 0x08080000;
	in.stage_size = 0x60000;
	in.stage_meta_addr = 0x08008000;
	in.install = 1;
	in.stage_state = 1;
	in.boot_event = 2;
	in.boot_err = -84;
	in.stage_ver_major = 3;
	in.stage_ver_minor = 4;
	in.stage_ver_patch = 500;
	in.stage_ver_build = 80000;
	in.app_state = 2;
	in.boots_left = 3;
	in.stage_role = 1;
	n = iap_info_encode(&in, buf);
	assert_int_equal(n, IAP_INFO_SIZE);
	/* Where docs/PROTOCOL.md puts them. */
	assert_int_equal(buf[107], 2);
	assert_int_equal(buf[114], 3);
	assert_int_equal(buf[115], 1);
	assert_int_equal(iap_info_decode(buf, n, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	/* A v1 body without the appended fields still decodes, as zeros. */
	assert_int_equal(iap_info_decode(buf, IAP_INFO_FIXED_SIZE + 36, &out),
			 0);
	assert_int_equal(out.regions[2].count, 7);
	assert_int_equal(out.stage_meta_addr, 0);
	assert_int_equal(out.boot_err, 0);
	assert_int_equal(iap_info_decode(buf, IAP_INFO_FIXED_SIZE + 35, &out),
			 IAP_ERR_BADMSG);
	assert_int_equal(iap_info_decode(buf, 10, &out), IAP_ERR_BADMSG);
	buf[48] = 9; /* more regions than allowed */
	assert_int_equal(iap_info_decode(buf, sizeof(buf), &out),
			 IAP_ERR_BADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_chunking),
		cmocka_unit_test(test_empty_payload),
		cmocka_unit_test(test_encode_too_small),
		cmocka_unit_test(test_every_single_bit_flip_is_rejected),
		cmocka_unit_test(test_resync_after_garbage_and_bad_frame),
		cmocka_unit_test(test_sof_inside_bad_header_is_rescanned),
		cmocka_unit_test(test_too_long_frame_dropped),
		cmocka_unit_test(test_back_to_back_frames),
		cmocka_unit_test(test_reset_drops_partial_frame),
		cmocka_unit_test(test_info_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
