/*
 * Image metadata: codec, hostile headers, fit against the layout, vector
 * table checks, the committed meta record, slot verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"

static struct iap_image_hdr sample(void)
{
	struct iap_image_hdr h;

	memset(&h, 0, sizeof(h));
	h.image_size = 4096;
	h.load_addr = 0x08004000;
	h.board_id = 0x103C8;
	h.version.major = 1;
	h.version.minor = 2;
	h.version.patch = 3;
	h.version.build = 45;
	h.security_counter = 7;
	h.min_loader = IAP_LOADER_VERSION(0, 1, 0);
	for (int i = 0; i < 32; i++) {
		h.sha256[i] = (uint8_t)i;
	}
	return h;
}

static void refresh_crc(uint8_t *raw)
{
	iap_put_le32(&raw[252], iap_crc32(0, raw, 252));
}

static void test_encode_decode_round_trip(void **state)
{
	struct iap_image_hdr h = sample(), out;
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	(void)state;

	iap_image_hdr_encode(&h, raw);
	assert_int_equal(iap_get_le32(raw), IAP_IMAGE_MAGIC);
	assert_memory_equal(raw, "IAPI", 4);
	assert_int_equal(iap_get_le32(&raw[12]), 4096);
	assert_int_equal(iap_get_le32(&raw[16]), 0x08004000);
	assert_int_equal(iap_image_hdr_decode(raw, &out), 0);
	assert_memory_equal(&h, &out, sizeof(h));
}

static void test_decode_rejects_bad_headers(void **state)
{
	struct iap_image_hdr h = sample(), out;
	uint8_t raw[IAP_IMAGE_HDR_SIZE], bad[IAP_IMAGE_HDR_SIZE];
	(void)state;

	iap_image_hdr_encode(&h, raw);

	memcpy(bad, raw, sizeof(bad));
	bad[0] ^= 1; /* magic */
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);

	memcpy(bad, raw, sizeof(bad));
	bad[13] ^= 0x40; /* size, CRC not updated */
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_CORRUPT);

	memcpy(bad, raw, sizeof(bad));
	bad[4] = 2; /* a format from the future */
	refresh_crc(bad);
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);

	memcpy(bad, raw, sizeof(bad));
	bad[7] = 2; /* header size 512 */
	refresh_crc(bad);
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);

	memcpy(bad, raw, sizeof(bad));
	bad[8] = 1; /* unknown flag */
	refresh_crc(bad);
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);

	memcpy(bad, raw, sizeof(bad));
	bad[200] = 1; /* reserved must be zero */
	refresh_crc(bad);
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);

	memset(bad, 0xFF, sizeof(bad)); /* erased flash */
	assert_int_equal(iap_image_hdr_decode(bad, &out), IAP_ERR_BADMSG);
}

static void test_fit_hostile_sizes_and_addresses(void **state)
{
	struct dev d;
	struct iap_image_hdr h = sample();
	const uint32_t v = IAP_LOADER_VERSION(0, 1, 0);
	(void)state;

	dev_open(&d, "f103c8");
	h.board_id = 0;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), 0);
	h.image_size = 0;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), IAP_ERR_BADMSG);
	h.image_size = d.layout->app_size;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), 0);
	h.image_size = d.layout->app_size + 1;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), IAP_ERR_FBIG);
	h.image_size = 0xFFFFFFFFu;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), IAP_ERR_FBIG);
	h.image_size = 4096;
	h.load_addr = 0x08000000;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), IAP_ERR_RANGE);
	h.load_addr = d.layout->app_addr;
	h.min_loader = IAP_LOADER_VERSION(9, 0, 0);
	assert_int_equal(iap_image_check_fit(&h, d.layout, v),
			 IAP_ERR_OLDLOADER);
	h.min_loader = 0;
	/* An open device (no trust) takes a signed image on its hash, and
	 * refuses a signature type it does not know. */
	h.sig_type = 1;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), 0);
	h.sig_type = 2;
	assert_int_equal(iap_image_check_fit(&h, d.layout, v), IAP_ERR_NOTSUP);
	dev_close(&d);
}

static void test_fit_board_id(void **state)
{
	struct iap_layout l;
	struct iap_image_hdr h = sample();
	(void)state;

	memset(&l, 0, sizeof(l));
	l.app_addr = 0x08004000;
	l.app_size = 0xC000;
	l.board_id = 0x103C8;
	h.min_loader = 0;
	assert_int_equal(iap_image_check_fit(&h, &l, 0), 0);
	h.board_id = 0x407;
	assert_int_equal(iap_image_check_fit(&h, &l, 0), IAP_ERR_BOARD);
	h.board_id = 0; /* any board */
	assert_int_equal(iap_image_check_fit(&h, &l, 0), 0);
}

static void vec(uint8_t *v, uint32_t sp, uint32_t pc)
{
	iap_put_le32(&v[0], sp);
	iap_put_le32(&v[4], pc);
}

static void test_vectors(void **state)
{
	struct iap_layout l;
	uint8_t v[8];
	const uint32_t a = 0x08004000, n = 0x1000;
	(void)state;

	memset(&l, 0, sizeof(l));
	l.ram_addr = 0x20000000;
	l.ram_size = 0x5000;
	vec(v, 0x20005000, a + 0x101);
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), 0);
	vec(v, 0x20000400, a + n - 1);
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), 0);
	vec(v, 0x20005004, a + 0x101); /* SP past RAM */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x1FFFFFFC, a + 0x101); /* SP below RAM */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20004FFE, a + 0x101); /* SP misaligned */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20005000, a + 0x100); /* ARM state */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20005000, 0x08000101); /* linked for 0x08000000 */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20005000, a + n + 1); /* past the image */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20005000, a + 1); /* into the vector table itself */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	memset(v, 0xFF, sizeof(v)); /* erased */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	memset(v, 0, sizeof(v)); /* blank under QEMU */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	/* A stack in the F4's CCM RAM: only where the layout has it. */
	vec(v, 0x10010000, a + 0x101);
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	l.ram2_addr = 0x10000000;
	l.ram2_size = 0x10000;
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), 0);
	vec(v, 0x10000400, a + 0x101);
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), 0);
	vec(v, 0x10010004, a + 0x101); /* past the CCM */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x0FFFFFFC, a + 0x101); /* below it */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), IAP_ERR_NOEXEC);
	vec(v, 0x20005000, a + 0x101); /* the main RAM still */
	assert_int_equal(iap_image_check_vectors(v, a, n, &l), 0);
}

static void test_meta_commit_written_last(void **state)
{
	struct dev d;
	struct iap_image_hdr h = sample(), out;
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	(void)state;

	dev_open(&d, "f407vg");
	h.load_addr = d.layout->app_addr;
	/* Erased meta: no image. */
	assert_int_equal(iap_image_read_meta(d.flash, d.layout, &out),
			 IAP_ERR_NOENT);
	/* Header written but no commit word (cut before the last write). */
	iap_image_hdr_encode(&h, raw);
	assert_int_equal(
		d.flash->prog(d.flash->ctx, d.layout->meta_addr, raw, 256), 0);
	assert_int_equal(iap_image_read_meta(d.flash, d.layout, &out),
			 IAP_ERR_NOENT);
	/* Full write. */
	assert_int_equal(iap_flash_erase_span(d.flash, d.layout->meta_addr,
					      d.layout->meta_size),
			 0);
	assert_int_equal(iap_image_write_meta(d.flash, d.layout, &h), 0);
	assert_int_equal(iap_image_read_meta(d.flash, d.layout, &out), 0);
	assert_memory_equal(&h, &out, sizeof(h));
	assert_int_equal(d.sf.mem[d.layout->meta_addr - d.sf.base + 256],
			 0x43); /* 'C' of the commit word */
	dev_close(&d);
}

static void test_verify_slot(void **state)
{
	static uint8_t img[6000];
	struct dev d;
	struct iap_image_hdr h;
	uint8_t scratch[64];
	(void)state;

	dev_open(&d, "f103c8");
	make_image(d.layout, img, sizeof(img), 1, &h, 1, 0);
	dev_install(&d, img, &h);
	assert_int_equal(iap_image_verify_slot(d.flash, d.layout, &h, 0,
					       scratch, sizeof(scratch)),
			 0);
	h.sha256[5] ^= 1;
	assert_int_equal(iap_image_verify_slot(d.flash, d.layout, &h, 0,
					       scratch, sizeof(scratch)),
			 IAP_ERR_CORRUPT);
	h.sha256[5] ^= 1;
	h.image_size += 1; /* one byte more than was hashed */
	assert_int_equal(iap_image_verify_slot(d.flash, d.layout, &h, 0,
					       scratch, sizeof(scratch)),
			 IAP_ERR_CORRUPT);
	dev_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_decode_round_trip),
		cmocka_unit_test(test_decode_rejects_bad_headers),
		cmocka_unit_test(test_fit_hostile_sizes_and_addresses),
		cmocka_unit_test(test_fit_board_id),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_meta_commit_written_last),
		cmocka_unit_test(test_verify_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
