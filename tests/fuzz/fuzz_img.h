/*
 * iapboot - the images the flash harnesses make (fuzz_server, fuzz_install)
 * and gen_seeds makes for their seeds: the same bytes from the same
 * layout, size and seed, so that a header written into a seed (a signed
 * one) matches the image the harness sends or installs.
 *
 * With FUZZ_IMG_SIGN defined (the targets that link OpenSSL's libcrypto)
 * also Ed25519 signatures by the project's public sample key
 * (keys/sample.pem, key id 1 of keys/sample_keys.c), read once from
 * IAP_FUZZ_SAMPLE_KEY (a path the build defines; the environment variable
 * of that name overrides it).
 */
#ifndef IAP_FUZZ_IMG_H
#define IAP_FUZZ_IMG_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iap/iap_image.h"
#include "iap/iap_layout.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"

/* Key id of the sample key in keys/sample_keys.c. */
#define FUZZ_SAMPLE_KEY_ID 1u

/*
 * size bytes of pseudo-random payload from seed, behind a bootable vector
 * table for l (stack at the end of RAM, reset handler inside the image),
 * and a header for it: size, load address, version 1.0.0, SHA-256; the
 * rest zero (unsigned, any board, counter 0).
 */
static inline void fuzz_make_image(const struct iap_layout *l, uint8_t *img,
				   uint32_t size, uint32_t seed,
				   struct iap_image_hdr *h)
{
	uint32_t x = seed * 2654435761u + 1u;

	for (uint32_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		img[i] = (uint8_t)(x >> 16);
	}
	if (size >= 8) {
		iap_put_le32(&img[0], l->ram_addr + l->ram_size);
		iap_put_le32(&img[4],
			     (l->app_addr + (size > 0x200 ? 0x200 : 8)) | 1u);
	}
	memset(h, 0, sizeof(*h));
	h->image_size = size;
	h->load_addr = l->app_addr;
	h->version.major = 1;
	iap_sha256(img, size, h->sha256);
}

#ifdef FUZZ_IMG_SIGN
#include <openssl/evp.h>
#include <openssl/pem.h>

static inline EVP_PKEY *fuzz_sample_key(void)
{
	static EVP_PKEY *key;
	const char *path = getenv("IAP_FUZZ_SAMPLE_KEY");
	FILE *f;

	if (key) {
		return key;
	}
	if (!path || !*path) {
		path = IAP_FUZZ_SAMPLE_KEY;
	}
	f = fopen(path, "r");
	if (f) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
		fprintf(stderr, "fuzz: cannot read the Ed25519 key %s\n", path);
		abort();
	}
	return key;
}

/* Sign h by the sample key: key id, signature type and signature set. */
static inline void fuzz_sign(struct iap_image_hdr *h)
{
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	size_t n = IAP_IMAGE_SIG_SIZE;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	h->key_id = FUZZ_SAMPLE_KEY_ID;
	h->sig_type = IAP_SIG_ED25519;
	memset(h->signature, 0, sizeof(h->signature));
	iap_image_hdr_encode(h, raw);
	if (!c ||
	    EVP_DigestSignInit(c, NULL, NULL, NULL, fuzz_sample_key()) != 1 ||
	    EVP_DigestSign(c, h->signature, &n, raw, IAP_IMAGE_SIGNED_SIZE) !=
		    1 ||
	    n != IAP_IMAGE_SIG_SIZE) {
		fprintf(stderr, "fuzz: signing with OpenSSL failed\n");
		abort();
	}
	EVP_MD_CTX_free(c);
}
#endif /* FUZZ_IMG_SIGN */

#endif /* IAP_FUZZ_IMG_H */
