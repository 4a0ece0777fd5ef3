/*
 * SHA-256: the FIPS 180-4 / NIST example vectors, padding edges, and
 * streaming in awkward chunk sizes against the one-shot result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "iap/iap_sha256.h"

static void to_hex(const uint8_t d[IAP_SHA256_SIZE], char out[65])
{
	for (unsigned i = 0; i < IAP_SHA256_SIZE; i++) {
		snprintf(&out[2 * i], 3, "%02x", d[i]);
	}
}

static void check_digest(const void *msg, size_t len, const char *want)
{
	uint8_t d[IAP_SHA256_SIZE];
	char hex[65];

	iap_sha256(msg, len, d);
	to_hex(d, hex);
	assert_string_equal(hex, want);
}

static void test_empty(void **state)
{
	(void)state;
	check_digest("", 0,
		     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		     "7852b855");
}

static void test_abc(void **state)
{
	(void)state;
	check_digest("abc", 3,
		     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
		     "f20015ad");
}

static void test_448bit(void **state)
{
	static const char m[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	check_digest(m, strlen(m),
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		     "19db06c1");
}

static void test_896bit(void **state)
{
	static const char m[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)state;
	check_digest(m, strlen(m),
		     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac4503"
		     "7afee9d1");
}

static void test_million_a(void **state)
{
	uint8_t *m = malloc(1000000);

	(void)state;
	assert_non_null(m);
	memset(m, 'a', 1000000);
	check_digest(m, 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39cc"
		     "c7112cd0");
	free(m);
}

/* Lengths around the padding boundary (one or two final blocks). */
static void test_padding_edges(void **state)
{
	static const struct {
		size_t n;
		const char *hex;
	} v[] = {
		{55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e91"
		     "0f734318"},
		{56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef797068"
		     "6ec6738a"},
		{63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da45"
		     "7ddc2f34"},
		{64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df"
		     "154668eb"},
		{65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f"
		     "17eb0ae0"},
		{119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7e"
		      "a6584dcfb"},
		{120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55"
		      "af904c21c"},
	};
	uint8_t m[128];

	(void)state;
	memset(m, 'a', sizeof(m));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		check_digest(m, v[i].n, v[i].hex);
	}
}

static void hash_chunked(const uint8_t *m, size_t len, size_t chunk,
			 uint8_t out[IAP_SHA256_SIZE])
{
	struct iap_sha256 s;
	size_t off = 0;

	iap_sha256_init(&s);
	while (off < len) {
		size_t n = len - off < chunk ? len - off : chunk;

		iap_sha256_update(&s, m + off, n);
		off += n;
	}
	iap_sha256_final(&s, out);
}

/* Every length up to three blocks, in chunks that straddle block edges. */
static void test_streaming_equals_oneshot(void **state)
{
	static const size_t chunks[] = {1, 3, 55, 56, 63, 64, 65, 127, 200};
	uint8_t m[300];
	uint8_t one[IAP_SHA256_SIZE], part[IAP_SHA256_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(m); i++) {
		m[i] = (uint8_t)(i * 7u + 3u);
	}
	for (size_t len = 0; len <= sizeof(m); len++) {
		iap_sha256(m, len, one);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]);
		     c++) {
			hash_chunked(m, len, chunks[c], part);
			assert_memory_equal(one, part, IAP_SHA256_SIZE);
		}
	}
}

/* Zero-length updates in between must change nothing. */
static void test_empty_updates(void **state)
{
	struct iap_sha256 s;
	uint8_t d[IAP_SHA256_SIZE];
	char hex[65];

	(void)state;
	iap_sha256_init(&s);
	iap_sha256_update(&s, "", 0);
	iap_sha256_update(&s, "a", 1);
	iap_sha256_update(&s, NULL, 0);
	iap_sha256_update(&s, "bc", 2);
	iap_sha256_update(&s, "", 0);
	iap_sha256_final(&s, d);
	to_hex(d, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
				 "a9cb410ff61f20015ad");
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
		cmocka_unit_test(test_empty_updates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
