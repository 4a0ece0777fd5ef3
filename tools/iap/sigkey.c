/*
 * iap - Ed25519 keys and image signatures through OpenSSL 3, see sigkey.h.
 * Every OpenSSL failure becomes one line that names the file; the OpenSSL
 * error queue is emptied so that it never leaks into a later message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap_cli.h"
#include "sigkey.h"

struct pass_state {
	int asked;
};

/* An encrypted key asks for a passphrase: say so instead of prompting. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	struct pass_state *ps = u;

	(void)buf;
	(void)size;
	(void)rwflag;
	ps->asked = 1;
	return -1;
}

static const char *type_name(const EVP_PKEY *key)
{
	const char *n = EVP_PKEY_get0_type_name(key);

	return n ? n : "unknown type";
}

static int check_ed25519(const char *path, EVP_PKEY **key, const char *what,
			 char *err, size_t errlen)
{
	if (EVP_PKEY_get_base_id(*key) == EVP_PKEY_ED25519) {
		return 0;
	}
	snprintf(err, errlen, "%s: not an Ed25519 %s (%s key)", path, what,
		 type_name(*key));
	EVP_PKEY_free(*key);
	*key = NULL;
	return IAP_ERR_NOTSUP;
}

int iap_key_load_private(const char *path, EVP_PKEY **key, char *err,
			 size_t errlen)
{
	struct pass_state ps = {0};
	EVP_PKEY *pub;
	FILE *f;

	*key = NULL;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return IAP_ERR_IO;
	}
	*key = PEM_read_PrivateKey(f, NULL, no_passphrase, &ps);
	if (!*key) {
		if (ps.asked) {
			snprintf(err, errlen,
				 "%s: the private key is encrypted; iap needs "
				 "it unencrypted (keep the file mode 0600)",
				 path);
		} else {
			rewind(f);
			pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
			if (pub) {
				snprintf(err, errlen,
					 "%s: a public key; signing needs the "
					 "private key",
					 path);
				EVP_PKEY_free(pub);
			} else {
				snprintf(err, errlen,
					 "%s: not a PEM private key", path);
			}
		}
		fclose(f);
		ERR_clear_error();
		return IAP_ERR_BADMSG;
	}
	fclose(f);
	ERR_clear_error();
	return check_ed25519(path, key, "private key", err, errlen);
}

int iap_key_load_public(const char *path, EVP_PKEY **key, char *err,
			size_t errlen)
{
	struct pass_state ps = {0};
	FILE *f;

	*key = NULL;
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return IAP_ERR_IO;
	}
	*key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!*key) {
		rewind(f);
		*key = PEM_read_PrivateKey(f, NULL, no_passphrase, &ps);
	}
	fclose(f);
	ERR_clear_error();
	if (!*key) {
		if (ps.asked) {
			snprintf(err, errlen,
				 "%s: an encrypted private key; give its "
				 "public key (openssl pkey -pubout)",
				 path);
		} else {
			snprintf(err, errlen,
				 "%s: not a PEM public or private key", path);
		}
		return IAP_ERR_BADMSG;
	}
	return check_ed25519(path, key, "key", err, errlen);
}

const uint8_t iap_sample_pubkey[32] = {
	0xd3, 0x4b, 0x2d, 0x11, 0x80, 0x1d, 0x03, 0xba, 0x1b, 0x43, 0x74,
	0x5e, 0xd7, 0x06, 0xe3, 0x96, 0xe0, 0x20, 0xf8, 0x35, 0xb0, 0x87,
	0x6d, 0x4b, 0x90, 0x85, 0xf6, 0x82, 0xe9, 0xb8, 0x80, 0x6c};

int iap_key_raw_public(const EVP_PKEY *key, uint8_t out[32])
{
	size_t len = 32;

	if (EVP_PKEY_get_raw_public_key(key, out, &len) != 1 || len != 32) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int iap_parse_key_id(const char *s, uint32_t *id)
{
	uint32_t v;

	if (iap_parse_u32(s, &v) < 0 || v == 0) {
		return IAP_ERR_INVAL;
	}
	*id = v;
	return 0;
}

/* The last OpenSSL error as text, and the queue emptied. */
static const char *ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0) {
		snprintf(buf, len, "unknown OpenSSL error");
	} else {
		ERR_error_string_n(e, buf, len);
	}
	ERR_clear_error();
	return buf;
}

int iap_image_sign(struct iap_image_hdr *h, EVP_PKEY *key, uint32_t key_id,
		   const char *keyname, char *err, size_t errlen)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	size_t siglen = IAP_IMAGE_SIG_SIZE;
	char why[160];
	EVP_MD_CTX *ctx;
	int ok;

	if (key_id == 0) {
		snprintf(err, errlen,
			 "%s: key id 0 means unsigned; give a "
			 "nonzero --key-id",
			 keyname);
		return IAP_ERR_INVAL;
	}
	h->key_id = key_id;
	h->sig_type = IAP_SIG_ED25519;
	memset(h->signature, 0, sizeof(h->signature));
	iap_image_hdr_encode(h, raw);

	ctx = EVP_MD_CTX_new();
	/* Ed25519 hashes the message itself: no digest, one-shot call. */
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	     EVP_DigestSign(ctx, h->signature, &siglen, raw,
			    IAP_IMAGE_SIGNED_SIZE) == 1 &&
	     siglen == IAP_IMAGE_SIG_SIZE;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		snprintf(err, errlen, "%s: signing failed: %s", keyname,
			 ossl_reason(why, sizeof(why)));
		memset(h->signature, 0, sizeof(h->signature));
		h->key_id = 0;
		h->sig_type = IAP_SIG_NONE;
		return IAP_ERR_IO;
	}
	return 0;
}

int iap_image_sig_check(const uint8_t hdr[IAP_IMAGE_HDR_SIZE], EVP_PKEY *pub)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub) == 1 &&
	     EVP_DigestVerify(ctx, hdr + IAP_IMAGE_SIGNED_SIZE,
			      IAP_IMAGE_SIG_SIZE, hdr,
			      IAP_IMAGE_SIGNED_SIZE) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : IAP_ERR_CORRUPT;
}
