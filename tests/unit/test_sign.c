/*
 * Ed25519 signing on the host: `iap keygen`, `iap pack --key`, `iap sign`,
 * `iap verify` and `iap export-key` called as functions. The keys and
 * signatures are checked with OpenSSL directly, not only through the
 * tool's own helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "helper_cli.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap_cli.h"
#include "sigkey.h"

#define APP	 0x08004000u
#define APP_SZ	 1024u
#define HDR	 IAP_IMAGE_HDR_SIZE
#define FILE_MAX (HDR + APP_SZ + 16u)

static uint8_t app[APP_SZ];

static void make_app(void)
{
	for (size_t i = 0; i < sizeof(app); i++) {
		app[i] = (uint8_t)(i * 29u + 5u);
	}
	iap_put_le32(app, 0x20005000u);
	iap_put_le32(app + 4, APP + 0x101u);
	write_file(tp("app.bin"), app, sizeof(app));
}

/* A key pair made by `iap keygen` as NAME.pem and NAME.pub.pem. */
static void keygen(const char *name)
{
	char priv[64], pub[64];

	snprintf(priv, sizeof(priv), "%s.pem", name);
	snprintf(pub, sizeof(pub), "%s.pub.pem", name);
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp(priv), "--pub",
			     tp(pub), "--force", NULL),
			 0);
}

/* Pack app.bin into name, signed with key (NULL: unsigned). */
static void pack(const char *name, const char *key, const char *id)
{
	if (key) {
		assert_int_equal(run(iap_cmd_pack, "pack", "--addr",
				     "0x08004000", "--version", "1.2.3+4",
				     "--board-id", "7", "--key", tp(key),
				     "--key-id", id, tp("app.bin"), "-o",
				     tp(name), NULL),
				 0);
	} else {
		assert_int_equal(run(iap_cmd_pack, "pack", "--addr",
				     "0x08004000", "--version", "1.2.3+4",
				     "--board-id", "7", tp("app.bin"), "-o",
				     tp(name), NULL),
				 0);
	}
}

static EVP_PKEY *read_pub(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *read_priv(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	return k;
}

static void raw_pub(EVP_PKEY *k, uint8_t out[32])
{
	size_t len = 32;

	assert_int_equal(EVP_PKEY_get_raw_public_key(k, out, &len), 1);
	assert_int_equal(len, 32);
}

/* OpenSSL's own verdict on the signature of an encoded header. */
static int ossl_verify(const uint8_t *hdr, EVP_PKEY *pub)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub), 1);
	r = EVP_DigestVerify(ctx, hdr + 88, 64, hdr, 88);
	EVP_MD_CTX_free(ctx);
	return r == 1;
}

/* Rewrite the header CRC of an .iap file in buf. */
static void fix_crc(uint8_t *buf)
{
	iap_put_le32(buf + 252, iap_crc32(0, buf, 252));
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i]) {
			return 0;
		}
	}
	return 1;
}

static void write_pem(const char *path, EVP_PKEY *k, int private)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (private) {
		assert_int_equal(
			PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL),
			1);
	} else {
		assert_int_equal(PEM_write_PUBKEY(f, k), 1);
	}
	fclose(f);
}

/* ------------------------------------------------------------------ */

static void test_keygen(void **state)
{
	char a[512], b[512];
	uint8_t r1[32], r2[32];
	EVP_PKEY *priv, *pub;
	struct stat sb;

	(void)state;
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp("g.pem"), NULL),
			 0);
	/* The public key's default name. */
	assert_true(exists(tp("g.pub.pem")));
	assert_false(exists(tp("g.pem.tmp")));
	assert_false(exists(tp("g.pub.pem.tmp")));
	expect_in(out_text, "Ed25519 private key");
	assert_int_equal(stat(tp("g.pem"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* OpenSSL reads both, as the formats openssl itself writes. */
	slurp(tp("g.pem"), a, sizeof(a));
	expect_in(a, "-----BEGIN PRIVATE KEY-----");
	slurp(tp("g.pub.pem"), b, sizeof(b));
	expect_in(b, "-----BEGIN PUBLIC KEY-----");
	priv = read_priv(tp("g.pem"));
	pub = read_pub(tp("g.pub.pem"));
	assert_int_equal(EVP_PKEY_get_base_id(priv), EVP_PKEY_ED25519);
	assert_int_equal(EVP_PKEY_get_base_id(pub), EVP_PKEY_ED25519);
	raw_pub(priv, r1);
	raw_pub(pub, r2);
	assert_memory_equal(r1, r2, 32);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);

	/* No overwriting without --force, and nothing changed. */
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp("g.pem"), NULL),
			 1);
	expect_in(err_text, "g.pem: already exists");
	slurp(tp("g.pem"), b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp("h.pem"),
			     "--pub", tp("g.pub.pem"), NULL),
			 1);
	expect_in(err_text, "g.pub.pem: already exists");
	assert_false(exists(tp("h.pem")));

	/* --force: a new key. */
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp("g.pem"),
			     "--force", NULL),
			 0);
	slurp(tp("g.pem"), b, sizeof(b));
	assert_string_not_equal(a, b);
	assert_int_equal(stat(tp("g.pem"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Usage. */
	assert_int_equal(run(iap_cmd_keygen, "keygen", NULL), 2);
	expect_in(err_text, "no output file");
	assert_int_equal(run(iap_cmd_keygen, "keygen", "-o", tp("s.pem"),
			     "--pub", tp("s.pem"), NULL),
			 2);
	assert_int_equal(run(iap_cmd_keygen, "keygen", "--help", NULL), 0);
	expect_in(out_text, "usage: iap keygen");
}

static void test_pack_sign_verify(void **state)
{
	uint8_t buf[FILE_MAX], *p;
	char err[IAP_ERRMSG_SIZE], want[300];
	struct iap_image_hdr h;
	EVP_PKEY *pub;
	size_t n;

	(void)state;
	make_app();
	keygen("k");
	pack("s.iap", "k.pem", "7");
	expect_in(out_text, "signed      Ed25519, key id 7");

	assert_int_equal(iap_file_load(tp("s.iap"), &h, &p, err, sizeof(err)),
			 0);
	free(p);
	assert_int_equal(h.sig_type, IAP_SIG_ED25519);
	assert_int_equal(h.key_id, 7);
	assert_int_equal(h.board_id, 7);
	assert_false(all_zero(h.signature, sizeof(h.signature)));

	/* The bytes: key id, type, signature over 0..87, reserved zero. */
	n = read_file(tp("s.iap"), buf, sizeof(buf));
	assert_int_equal(n, HDR + APP_SZ);
	assert_int_equal(iap_get_le32(buf + 80), 7);
	assert_int_equal(iap_get_le32(buf + 84), 1);
	assert_true(all_zero(buf + 152, 100));
	assert_int_equal(iap_get_le32(buf + 252), iap_crc32(0, buf, 252));
	pub = read_pub(tp("k.pub.pem"));
	assert_true(ossl_verify(buf, pub));
	assert_int_equal(iap_image_sig_check(buf, pub), 0);
	EVP_PKEY_free(pub);

	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("s.iap"), NULL),
			 0);
	snprintf(want, sizeof(want), "%s: signature OK (Ed25519, key id 7)\n",
		 tp("s.iap"));
	assert_string_equal(out_text, want);
	/* A private key does as well: its public half is used. */
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pem"),
			     tp("s.iap"), NULL),
			 0);

	assert_int_equal(run(iap_cmd_info, "info", tp("s.iap"), NULL), 0);
	expect_in(out_text, "signed: Ed25519, key id 7");

	/* Unsigned images stay as they were. */
	pack("u.iap", NULL, NULL);
	n = read_file(tp("u.iap"), buf, sizeof(buf));
	assert_true(all_zero(buf + 80, 8 + 64));
	assert_int_equal(run(iap_cmd_info, "info", tp("u.iap"), NULL), 0);
	expect_in(out_text, "signature        none (unsigned)");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("u.iap"), NULL),
			 1);
	snprintf(want, sizeof(want), "%s: unsigned\n", tp("u.iap"));
	assert_string_equal(out_text, want);
}

static void test_verify_other_key(void **state)
{
	(void)state;
	make_app();
	keygen("k");
	keygen("o");
	pack("s.iap", "k.pem", "7");

	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("o.pub.pem"),
			     tp("s.iap"), NULL),
			 1);
	expect_in(out_text, "signature INVALID");
	assert_null(strstr(out_text, "signature OK"));

	/* One of several keys. */
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("o.pub.pem"),
			     "--pub", tp("k.pub.pem"), tp("s.iap"), NULL),
			 0);
	expect_in(out_text, "signature OK (Ed25519, key id 7)");

	/* Keys tied to ids: only the matching one is tried. */
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     "--key-id", "3", tp("s.iap"), NULL),
			 1);
	expect_in(out_text, "no --pub key matches");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("o.pub.pem"),
			     "--key-id", "7", tp("s.iap"), NULL),
			 1);
	expect_in(out_text, "signature INVALID");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("o.pub.pem"),
			     "--key-id", "3", "--pub", tp("k.pub.pem"),
			     "--key-id", "7", tp("s.iap"), NULL),
			 0);

	/* Several files: one bad one fails the run. */
	pack("u.iap", NULL, NULL);
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("s.iap"), tp("u.iap"), NULL),
			 1);
	expect_in(out_text, "signature OK");
	expect_in(out_text, "u.iap: unsigned");
}

/* Every bit of the 88 signed bytes and of the signature matters. */
static void test_tamper(void **state)
{
	uint8_t buf[FILE_MAX], hdr[HDR];
	EVP_PKEY *pub;
	size_t n;

	(void)state;
	make_app();
	keygen("k");
	pack("s.iap", "k.pem", "0x1234");
	n = read_file(tp("s.iap"), buf, sizeof(buf));
	pub = read_pub(tp("k.pub.pem"));
	assert_int_equal(iap_image_sig_check(buf, pub), 0);
	for (unsigned bit = 0; bit < (88u + 64u) * 8u; bit++) {
		memcpy(hdr, buf, HDR);
		hdr[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
		assert_int_not_equal(iap_image_sig_check(hdr, pub), 0);
		assert_false(ossl_verify(hdr, pub));
	}
	/* The bytes behind the signature are not signed (CRC, reserved). */
	memcpy(hdr, buf, HDR);
	hdr[200] ^= 1;
	hdr[253] ^= 1;
	assert_int_equal(iap_image_sig_check(hdr, pub), 0);
	EVP_PKEY_free(pub);

	/*
	 * Through the command, with the CRC made right again so that only
	 * the signature (or the payload hash) can catch the change. The
	 * control first: the untouched file with a recomputed CRC verifies.
	 */
	memcpy(hdr, buf, HDR);
	fix_crc(buf);
	assert_memory_equal(hdr, buf, HDR);
	for (unsigned off = 0; off < 88u + 64u; off++) {
		buf[off] ^= 0x10;
		fix_crc(buf);
		write_file(tp("t.iap"), buf, n);
		buf[off] ^= 0x10;
		if (run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			tp("t.iap"), NULL) != 1) {
			fail_msg("byte %u changed, yet: %s", off, out_text);
		}
		assert_null(strstr(out_text, "signature OK"));
	}
	fix_crc(buf);
	write_file(tp("t.iap"), buf, n);
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("t.iap"), NULL),
			 0);

	/* A signed field changed, CRC fixed: the signature catches it. */
	buf[20] ^= 1; /* board id */
	fix_crc(buf);
	write_file(tp("t.iap"), buf, n);
	buf[20] ^= 1;
	fix_crc(buf);
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("t.iap"), NULL),
			 1);
	expect_in(out_text, "signature INVALID");

	/* The payload: its hash no longer matches. */
	buf[HDR + 100] ^= 1;
	write_file(tp("t.iap"), buf, n);
	buf[HDR + 100] ^= 1;
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("t.iap"), NULL),
			 1);
	expect_in(out_text, "payload SHA-256 does not match the header");

	/* The header CRC as it was in the file. */
	write_file(tp("t.iap"), buf, n);
	flip_byte(tp("t.iap"), 30);
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("t.iap"), NULL),
			 1);
	expect_in(out_text, "header CRC mismatch");
}

static void test_sign_replaces(void **state)
{
	uint8_t a[FILE_MAX], b[FILE_MAX], *p;
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	size_t na, nb;

	(void)state;
	make_app();
	keygen("k");
	keygen("o");
	pack("u.iap", NULL, NULL);

	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     "--key-id", "7", tp("u.iap"), "-o", tp("s.iap"),
			     NULL),
			 0);
	expect_in(out_text, "signed (Ed25519, key id 7)");
	assert_false(exists(tp("s.iap.tmp")));
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("s.iap"), NULL),
			 0);
	/* Everything but key id, type, signature and CRC as it was. */
	na = read_file(tp("u.iap"), a, sizeof(a));
	nb = read_file(tp("s.iap"), b, sizeof(b));
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, 80);
	assert_memory_equal(a + 152, b + 152, 100);
	assert_memory_equal(a + HDR, b + HDR, na - HDR);

	/* Signing the same way twice gives the same bytes (Ed25519). */
	pack("p.iap", "k.pem", "7");
	na = read_file(tp("p.iap"), a, sizeof(a));
	assert_memory_equal(a, b, na);

	/* Re-signing with another key and id, in place. */
	assert_int_equal(run(iap_cmd_sign, "sign", "-k", tp("o.pem"),
			     "--key-id", "9", tp("s.iap"), "-o", tp("s.iap"),
			     NULL),
			 0);
	expect_in(out_text, "replacing a signature (type 1, key id 7)");
	assert_int_equal(iap_file_load(tp("s.iap"), &h, &p, err, sizeof(err)),
			 0);
	assert_memory_equal(p, app, sizeof(app));
	free(p);
	assert_int_equal(h.key_id, 9);
	assert_int_equal(h.sig_type, 1);
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("o.pem"),
			     tp("s.iap"), NULL),
			 0);
	expect_in(out_text, "signature OK (Ed25519, key id 9)");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pub.pem"),
			     tp("s.iap"), NULL),
			 1);
	expect_in(out_text, "signature INVALID");

	/* A file whose payload does not match its hash is not signed. */
	write_file(tp("bad.iap"), b, nb);
	flip_byte(tp("bad.iap"), HDR + 5);
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     "--key-id", "7", tp("bad.iap"), "-o",
			     tp("bad2.iap"), NULL),
			 1);
	expect_in(err_text, "payload SHA-256 does not match the header");
	assert_false(exists(tp("bad2.iap")));

	/* Usage. */
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     "--key-id", "7", tp("u.iap"), NULL),
			 2);
	expect_in(err_text, "no output file");
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     tp("u.iap"), "-o", tp("x.iap"), NULL),
			 2);
	expect_in(err_text, "no key id");
	assert_int_equal(run(iap_cmd_sign, "sign", "--key-id", "1", tp("u.iap"),
			     "-o", tp("x.iap"), NULL),
			 2);
	/* The key is never overwritten. */
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     "--key-id", "7", tp("u.iap"), "-o", tp("k.pem"),
			     NULL),
			 2);
	expect_in(err_text, "would replace the key");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--key", tp("k.pem"), "--key-id", "7",
			     tp("app.bin"), "-o", tp("k.pem"), NULL),
			 2);
	expect_in(err_text, "would replace the key");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("k.pem"),
			     tp("p.iap"), NULL),
			 0);
	assert_int_equal(run(iap_cmd_sign, "sign", "--help", NULL), 0);
	expect_in(out_text, "usage: iap sign");
	assert_false(exists(tp("x.iap")));
}

/* The 32 numbers behind "{0x%08xu," of key id in text. */
static void table_key(const char *text, uint32_t id, uint8_t out[32])
{
	char pat[32];
	const char *s;

	snprintf(pat, sizeof(pat), "{0x%08xu,", id);
	s = strstr(text, pat);
	if (!s) {
		fail_msg("%s not in:\n%s", pat, text);
	}
	s += strlen(pat);
	for (unsigned i = 0; i < 32; i++) {
		char *end;

		s = strstr(s, "0x");
		assert_non_null(s);
		out[i] = (uint8_t)strtoul(s, &end, 16);
		s = end;
	}
}

static void test_export_key(void **state)
{
	char text[8192], line[300];
	uint8_t want[32], got[32];
	EVP_PKEY *k;

	(void)state;
	keygen("k");
	keygen("o");
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "--key-id", "7", "--pub",
			     tp("o.pem"), "--key-id", "0x100", "-o",
			     tp("keys.c"), NULL),
			 0);
	assert_false(exists(tp("keys.c.tmp")));
	slurp(tp("keys.c"), text, sizeof(text));
	expect_in(text, "#include \"iap/iap_keys.h\"");
	expect_in(text, "const struct iap_pubkey iap_keys[] = {");
	expect_in(text, "const unsigned int iap_key_count = 2u;");
	snprintf(line, sizeof(line), "/* key id 7: %s */", tp("k.pub.pem"));
	expect_in(text, line);
	snprintf(line, sizeof(line), "/* key id 256: %s */", tp("o.pem"));
	expect_in(text, line);

	k = read_pub(tp("k.pub.pem"));
	raw_pub(k, want);
	EVP_PKEY_free(k);
	table_key(text, 7, got);
	assert_memory_equal(got, want, 32);
	k = read_pub(tp("o.pub.pem"));
	raw_pub(k, want);
	EVP_PKEY_free(k);
	table_key(text, 0x100, got);
	assert_memory_equal(got, want, 32);

	/* Refused: key id 0, twice the same id, a key without an id. */
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "--key-id", "0", "-o", tp("x.c"),
			     NULL),
			 2);
	expect_in(err_text, "bad key id '0'");
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "--key-id", "5", "--pub",
			     tp("o.pub.pem"), "--key-id", "5", "-o", tp("x.c"),
			     NULL),
			 2);
	expect_in(err_text, "key id 5 given twice");
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "--pub", tp("o.pub.pem"),
			     "--key-id", "5", "-o", tp("x.c"), NULL),
			 2);
	expect_in(err_text, "has no --key-id");
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "-o", tp("x.c"), NULL),
			 2);
	/* One key under two ids. */
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("k.pub.pem"), "--key-id", "1", "--pub",
			     tp("k.pem"), "--key-id", "2", "-o", tp("x.c"),
			     NULL),
			 1);
	expect_in(err_text, "the same key as");
	assert_false(exists(tp("x.c")));
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--help", NULL),
			 0);
	expect_in(out_text, "usage: iap export-key");
}

static void test_key_id_zero(void **state)
{
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	EVP_PKEY *k;

	(void)state;
	make_app();
	keygen("k");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--key", tp("k.pem"), "--key-id", "0",
			     tp("app.bin"), "-o", tp("z.iap"), NULL),
			 2);
	expect_in(err_text, "bad key id '0'");
	assert_false(exists(tp("z.iap")));
	pack("u.iap", NULL, NULL);
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pem"),
			     "--key-id", "0", tp("u.iap"), "-o", tp("z.iap"),
			     NULL),
			 2);
	assert_false(exists(tp("z.iap")));

	/* The library call refuses it too. */
	memset(&h, 0, sizeof(h));
	assert_int_equal(
		iap_key_load_private(tp("k.pem"), &k, err, sizeof(err)), 0);
	assert_int_equal(iap_image_sign(&h, k, 0, "k.pem", err, sizeof(err)),
			 IAP_ERR_INVAL);
	expect_in(err, "key id 0");
	assert_int_equal(h.sig_type, 0);
	assert_int_equal(
		iap_image_sign(&h, k, 0xFFFFFFFFu, "k.pem", err, sizeof(err)),
		0);
	assert_int_equal(h.key_id, 0xFFFFFFFFu);
	EVP_PKEY_free(k);

	/* --key and --key-id go together. */
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--key", tp("k.pem"), tp("app.bin"), "-o",
			     tp("z.iap"), NULL),
			 2);
	expect_in(err_text, "--key needs --key-id");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--key-id", "3", tp("app.bin"), "-o", tp("z.iap"),
			     NULL),
			 2);
	expect_in(err_text, "--key-id without --key");
	assert_false(exists(tp("z.iap")));
}

static void test_wrong_keys(void **state)
{
	EVP_PKEY *ec, *x;
	char msg[300];
	FILE *f;

	(void)state;
	make_app();
	keygen("k");
	pack("s.iap", "k.pem", "7");

	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	write_pem(tp("ec.pem"), ec, 1);
	write_pem(tp("ec.pub.pem"), ec, 0);
	EVP_PKEY_free(ec);
	x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(x);
	write_pem(tp("x.pem"), x, 1);
	EVP_PKEY_free(x);

	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--key", tp("ec.pem"), "--key-id", "1",
			     tp("app.bin"), "-o", tp("z.iap"), NULL),
			 1);
	snprintf(msg, sizeof(msg), "%s: not an Ed25519 private key (EC key)",
		 tp("ec.pem"));
	expect_in(err_text, msg);
	assert_false(exists(tp("z.iap")));
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("x.pem"),
			     "--key-id", "1", tp("s.iap"), "-o", tp("z.iap"),
			     NULL),
			 1);
	expect_in(err_text, "not an Ed25519 private key (X25519 key)");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub",
			     tp("ec.pub.pem"), tp("s.iap"), NULL),
			 1);
	expect_in(err_text, "ec.pub.pem: not an Ed25519 key (EC key)");
	assert_int_equal(run(iap_cmd_export_key, "export-key", "--pub",
			     tp("x.pem"), "--key-id", "1", "-o", tp("z.c"),
			     NULL),
			 1);
	expect_in(err_text, "not an Ed25519 key (X25519 key)");

	/* A public key where the private one is needed. */
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("k.pub.pem"),
			     "--key-id", "1", tp("s.iap"), "-o", tp("z.iap"),
			     NULL),
			 1);
	expect_in(err_text, "a public key; signing needs the private key");

	/* Not a key at all, no file, an encrypted key. */
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("app.bin"),
			     "--key-id", "1", tp("s.iap"), "-o", tp("z.iap"),
			     NULL),
			 1);
	expect_in(err_text, "not a PEM private key");
	assert_int_equal(run(iap_cmd_verify, "verify", "--pub", tp("app.bin"),
			     tp("s.iap"), NULL),
			 1);
	expect_in(err_text, "not a PEM public or private key");
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("none.pem"),
			     "--key-id", "1", tp("s.iap"), "-o", tp("z.iap"),
			     NULL),
			 1);
	expect_in(err_text, "none.pem: cannot open");

	x = read_priv(tp("k.pem"));
	f = fopen(tp("enc.pem"), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, x, EVP_aes_128_cbc(), NULL, 0,
					      NULL, (void *)"secret"),
			 1);
	fclose(f);
	EVP_PKEY_free(x);
	assert_int_equal(run(iap_cmd_sign, "sign", "--key", tp("enc.pem"),
			     "--key-id", "1", tp("s.iap"), "-o", tp("z.iap"),
			     NULL),
			 1);
	expect_in(err_text, "encrypted");
	assert_false(exists(tp("z.iap")));
	assert_false(exists(tp("z.c")));
}

static void test_verify_usage(void **state)
{
	(void)state;
	assert_int_equal(run(iap_cmd_verify, "verify", tp("s.iap"), NULL), 2);
	expect_in(err_text, "no public key");
	assert_int_equal(
		run(iap_cmd_verify, "verify", "--pub", tp("k.pem"), NULL), 2);
	expect_in(err_text, "no image given");
	assert_int_equal(run(iap_cmd_verify, "verify", "--key-id", "1", "--pub",
			     tp("k.pem"), tp("s.iap"), NULL),
			 2);
	expect_in(err_text, "must follow the --pub");
	assert_int_equal(run(iap_cmd_verify, "verify", "--help", NULL), 0);
	expect_in(out_text, "usage: iap verify");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen),
		cmocka_unit_test(test_pack_sign_verify),
		cmocka_unit_test(test_verify_other_key),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_sign_replaces),
		cmocka_unit_test(test_export_key),
		cmocka_unit_test(test_key_id_zero),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_verify_usage),
	};

	return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
