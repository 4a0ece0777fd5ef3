/*
 * CRC-32 (IEEE) and CRC-8 (poly 0x07): catalogue check values, the empty
 * input, and incremental CRC-32 equal to one-shot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_crc.h"

static const char check[] = "123456789";

static void test_crc32_check_value(void **state)
{
	(void)state;
	assert_int_equal(iap_crc32(0, check, 9), 0xCBF43926u);
}

static void test_crc32_empty(void **state)
{
	(void)state;
	assert_int_equal(iap_crc32(0, "", 0), 0);
	assert_int_equal(iap_crc32(0, NULL, 0), 0);
	/* An empty continuation leaves a running CRC alone. */
	assert_int_equal(iap_crc32(0x12345678u, NULL, 0), 0x12345678u);
}

static void test_crc32_known(void **state)
{
	(void)state;
	/* Single zero byte and "a", as zlib's crc32() gives them. */
	assert_int_equal(iap_crc32(0, "\0", 1), 0xD202EF8Du);
	assert_int_equal(iap_crc32(0, "a", 1), 0xE8B7BE43u);
}

static void test_crc32_incremental(void **state)
{
	uint8_t m[257];

	(void)state;
	for (size_t i = 0; i < sizeof(m); i++) {
		m[i] = (uint8_t)(i * 13u + 1u);
	}
	uint32_t whole = iap_crc32(0, m, sizeof(m));

	for (size_t split = 0; split <= sizeof(m); split++) {
		uint32_t c = iap_crc32(0, m, split);

		c = iap_crc32(c, m + split, sizeof(m) - split);
		assert_int_equal(c, whole);
	}
	/* Byte by byte too. */
	uint32_t c = 0;

	for (size_t i = 0; i < sizeof(m); i++) {
		c = iap_crc32(c, &m[i], 1);
	}
	assert_int_equal(c, whole);
}

static void test_crc32_detects_flip(void **state)
{
	uint8_t m[64];

	(void)state;
	memset(m, 0x5A, sizeof(m));
	uint32_t ref = iap_crc32(0, m, sizeof(m));

	for (size_t i = 0; i < sizeof(m) * 8; i++) {
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_true(iap_crc32(0, m, sizeof(m)) != ref);
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
}

static void test_crc8_check_value(void **state)
{
	(void)state;
	assert_int_equal(iap_crc8(check, 9), 0xF4);
}

static void test_crc8_empty(void **state)
{
	(void)state;
	assert_int_equal(iap_crc8("", 0), 0);
	assert_int_equal(iap_crc8(NULL, 0), 0);
}

static void test_crc8_single_bytes(void **state)
{
	(void)state;
	/* With init 0 and no reflection, one byte's CRC is its table entry. */
	assert_int_equal(iap_crc8("\x01", 1), 0x07);
	assert_int_equal(iap_crc8("\x80", 1), 0x89);
	assert_int_equal(iap_crc8("\xff", 1), 0xF3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_crc32_empty),
		cmocka_unit_test(test_crc32_known),
		cmocka_unit_test(test_crc32_incremental),
		cmocka_unit_test(test_crc32_detects_flip),
		cmocka_unit_test(test_crc8_check_value),
		cmocka_unit_test(test_crc8_empty),
		cmocka_unit_test(test_crc8_single_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
