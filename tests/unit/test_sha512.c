/*
 * SHA-512: the FIPS 180-4 / NIST example vectors, padding edges (one or two
 * final blocks), and streaming in fixed and random-sized pieces against the
 * one-shot result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_sha512.h"

static void to_hex(const uint8_t d[IAP_SHA512_SIZE], char out[129])
{
	for (unsigned i = 0; i < IAP_SHA512_SIZE; i++) {
		snprintf(&out[2 * i], 3, "%02x", d[i]);
	}
}

static void check_digest(const void *msg, size_t len, const char *want)
{
	uint8_t d[IAP_SHA512_SIZE];
	char hex[129];

	iap_sha512(msg, len, d);
	to_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_empty(void **state)
{
	(void)state;
	check_digest(
		"", 0,
		"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d3"
		"6ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538"
		"327af927da3e");
}

static void test_abc(void **state)
{
	(void)state;
	check_digest(
		"abc", 3,
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b"
		"55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9a"
		"c94fa54ca49f");
}

static void test_448bit(void **state)
{
	static const char m[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	check_digest(
		m, strlen(m),
		"204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a7"
		"03c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec"
		"631238ca3445");
}

static void test_896bit(void **state)
{
	static const char m[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)state;
	check_digest(
		m, strlen(m),
		"8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6"
		"889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96"
		"e55b874be909");
}

/* One million 'a' fed 1000 bytes (not a block multiple) at a time. */
static void test_million_a(void **state)
{
	struct iap_sha512 s;
	uint8_t chunk[1000];
	uint8_t d[IAP_SHA512_SIZE];
	char hex[129];

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	iap_sha512_init(&s);
	for (unsigned i = 0; i < 1000; i++) {
		iap_sha512_update(&s, chunk, sizeof(chunk));
	}
	iap_sha512_final(&s, d);
	to_hex(d, hex);
	assert_string_equal(hex, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2"
				 "044285632a803afa973ebde0ff244877ea60a4cb043"
				 "2ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

/* Lengths around the padding boundary (112 mod 128): one or two blocks. */
static void test_padding_edges(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{111, "fa9121c7b32b9e01733d034cfc78cbf67f926c7ed83e82200ef86818"
		      "196921760b4beff48404df811b953828274461673c68d04e297b0eb7"
		      "b2b4d60fc6b566a2"},
		{112, "c01d080efd492776a1c43bd23dd99d0a2e626d481e16782e75d54c25"
		      "03b5dc32bd05f0f1ba33e568b88fd2d970929b719ecbb152f58f130a"
		      "407c8830604b70ca"},
		{113, "55ddd8ac210a6e18ba1ee055af84c966e0dbff091c43580ae1be703b"
		      "db85da31acf6948cf5bd90c55a20e5450f22fb89bd8d0085e39f85a8"
		      "6cc46abbca75e24d"},
		{127, "828613968b501dc00a97e08c73b118aa8876c26b8aac93df128502ab"
		      "360f91bab50a51e088769a5c1eff4782ace147dce364255419987637"
		      "4291f5d921629502"},
		{128, "b73d1929aa615934e61a871596b3f3b33359f42b8175602e89f7e06e"
		      "5f658a243667807ed300314b95cacdd579f3e33abdfbe351909519a8"
		      "46d465c59582f321"},
		{129, "4f681e0bd53cda4b5a2041cc8a06f2eabde44fb16c951fbd5b87702f"
		      "07aeab611565b19c47fde30587177ebb852e3971bbd8d3fd30da18d7"
		      "1037dfbd98420429"},
		{239, "52c853cb8d907f3d4d6b889beb027985d7c273486d75f8baf26f80d2"
		      "4e90c74c6c3de3e22131582380a7d14d43f2941a31385439cd6ddc46"
		      "9f628015e50bf286"},
		{240, "4c296d90c61052a62ffb1dd196f1b7b09373b1f93e71836baebf8969"
		      "0546b7595684dbe9467a8e484fa0d1094272b4344a7c24f5fee8daed"
		      "eb0bf549c985ab5f"},
	};
	uint8_t m[256];

	(void)state;
	memset(m, 'a', sizeof(m));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		check_digest(m, v[i].n, v[i].hex);
	}
}

static void hash_chunked(const uint8_t *m, size_t len, size_t chunk,
			 uint8_t out[IAP_SHA512_SIZE])
{
	struct iap_sha512 s;
	size_t off = 0;

	iap_sha512_init(&s);
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		iap_sha512_update(&s, m + off, n);
		off += n;
	}
	iap_sha512_final(&s, out);
}

/* Every length up to four blocks, in chunks that straddle block edges. */
static void test_streaming_equals_oneshot(void **state)
{
	static const size_t chunks[] = {1,   3,	  111, 112, 127,
					128, 129, 255, 300};
	uint8_t m[520];
	uint8_t one[IAP_SHA512_SIZE], part[IAP_SHA512_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(m); i++) {
		m[i] = (uint8_t)(i * 7u + 3u);
	}
	for (size_t len = 0; len <= sizeof(m); len++) {
		iap_sha512(m, len, one);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]);
		     c++) {
			hash_chunked(m, len, chunks[c], part);
			assert_memory_equal(one, part, IAP_SHA512_SIZE);
		}
	}
}

/* Random-sized pieces (0 included) over random data, fixed seed. */
static void test_random_pieces(void **state)
{
	static uint8_t m[5000];
	uint8_t one[IAP_SHA512_SIZE], part[IAP_SHA512_SIZE];
	uint32_t x = 0x12345678u;

	(void)state;
	for (size_t i = 0; i < sizeof(m); i++) {
		x = x * 1103515245u + 12345u;
		m[i] = (uint8_t)(x >> 16);
	}
	for (unsigned round = 0; round < 200; round++) {
		struct iap_sha512 s;
		size_t len, off = 0;

		x = x * 1103515245u + 12345u;
		len = (x >> 8) % (sizeof(m) + 1);
		iap_sha512(m, len, one);
		iap_sha512_init(&s);
		while (off < len) {
			size_t n;

			x = x * 1103515245u + 12345u;
			n = (x >> 8) % 300u;
			if (n > len - off) {
				n = len - off;
			}
			iap_sha512_update(&s, m + off, n);
			off += n;
		}
		iap_sha512_final(&s, part);
		assert_memory_equal(one, part, IAP_SHA512_SIZE);
	}
}

/* Zero-length updates in between must change nothing. */
static void test_empty_updates(void **state)
{
	struct iap_sha512 s;
	uint8_t d[IAP_SHA512_SIZE];
	char hex[129];

	(void)state;
	iap_sha512_init(&s);
	iap_sha512_update(&s, "", 0);
	iap_sha512_update(&s, "a", 1);
	iap_sha512_update(&s, NULL, 0);
	iap_sha512_update(&s, "bc", 2);
	iap_sha512_update(&s, "", 0);
	iap_sha512_final(&s, d);
	to_hex(d, hex);
	assert_string_equal(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a"
				 "97ea20a9eeee64b55d39a2192992a274fc1a836ba3c"
				 "23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_448bit),
		cmocka_unit_test(test_896bit),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_padding_edges),
		cmocka_unit_test(test_streaming_equals_oneshot),
		cmocka_unit_test(test_random_pieces),
		cmocka_unit_test(test_empty_updates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
