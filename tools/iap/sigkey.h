/*
 * iap - Ed25519 keys and image signatures on the host, through OpenSSL 3
 * (libcrypto). The signature covers the first IAP_IMAGE_SIGNED_SIZE bytes
 * of the encoded header and is stored right behind them; see
 * docs/IMAGE_FORMAT.md and docs/SIGNING.md.
 */
#ifndef IAP_SIGKEY_H
#define IAP_SIGKEY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "iap/iap_image.h"

/* Most --pub (and --key-id) pairs one command takes. */
#define IAP_KEYS_MAX 64

/**
 * iap_key_load_private() - read an unencrypted Ed25519 private key from a
 * PEM file (PKCS#8, as `openssl genpkey -algorithm ed25519` and
 * `iap keygen` write it). Returns 0 and a key for EVP_PKEY_free(), or
 * IAP_ERR_IO (cannot open), IAP_ERR_BADMSG (no private key in it, or an
 * encrypted one) or IAP_ERR_NOTSUP (another algorithm).
 */
int iap_key_load_private(const char *path, EVP_PKEY **key, char *err,
			 size_t errlen);

/**
 * iap_key_load_public() - read an Ed25519 public key from a PEM file:
 * SubjectPublicKeyInfo ("PUBLIC KEY", as `openssl pkey -pubout` writes
 * it), or a private key, whose public half is then used. Errors as
 * iap_key_load_private().
 */
int iap_key_load_public(const char *path, EVP_PKEY **key, char *err,
			size_t errlen);

/** The 32-byte raw (RFC 8032) public key of an Ed25519 key. 0 or -1. */
int iap_key_raw_public(const EVP_PKEY *key, uint8_t out[32]);

/*
 * The public half of the project's sample key (keys/sample.pem, for tests
 * and the demo): whoever holds the tree can sign with it, so a bootloader
 * that accepts it is for development only.
 */
extern const uint8_t iap_sample_pubkey[32];

/**
 * iap_parse_key_id() - a key id for --key-id: a nonzero 32-bit number in
 * C notation. Returns 0 or IAP_ERR_INVAL.
 */
int iap_parse_key_id(const char *s, uint32_t *id);

/**
 * iap_image_sign() - sign a header with an Ed25519 private key: key_id and
 * sig_type (IAP_SIG_ED25519) are set first, since they are signed too,
 * then the signature of the first IAP_IMAGE_SIGNED_SIZE encoded bytes is
 * written into h->signature. An earlier signature is replaced. keyname
 * names the key in a message. Returns 0 or IAP_ERR_INVAL (key id 0),
 * IAP_ERR_IO (OpenSSL failed).
 */
int iap_image_sign(struct iap_image_hdr *h, EVP_PKEY *key, uint32_t key_id,
		   const char *keyname, char *err, size_t errlen);

/**
 * iap_image_sig_check() - check the Ed25519 signature at offset
 * IAP_IMAGE_SIGNED_SIZE of an encoded header against a public key. Only
 * the signature: sig_type, the header CRC and the payload hash are the
 * caller's. Returns 0 when it verifies, IAP_ERR_CORRUPT otherwise.
 */
int iap_image_sig_check(const uint8_t hdr[IAP_IMAGE_HDR_SIZE], EVP_PKEY *pub);

#endif /* IAP_SIGKEY_H */
