/*
 * iapboot - SHA-512 (FIPS 180-4), the hash inside Ed25519 signatures. Same
 * shape as iap_sha256.h: no malloc, streaming over a caller-owned context
 * so an image can be hashed straight out of flash.
 */
#ifndef IAP_SHA512_H
#define IAP_SHA512_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_SHA512_SIZE 64u

struct iap_sha512 {
	uint64_t h[8];
	uint64_t len; /* bytes hashed so far (the 128-bit length's low half) */
	uint8_t buf[128];
	uint32_t used; /* bytes waiting in buf */
};

/** Start a new hash. Cannot fail. */
void iap_sha512_init(struct iap_sha512 *s);
/** Add len bytes (data may be NULL when len is 0). Cannot fail. */
void iap_sha512_update(struct iap_sha512 *s, const void *data, size_t len);
/** Finish and write the 64-byte digest. s must be re-initialised after. */
void iap_sha512_final(struct iap_sha512 *s, uint8_t out[IAP_SHA512_SIZE]);
/** One-shot helper. Cannot fail. */
void iap_sha512(const void *data, size_t len, uint8_t out[IAP_SHA512_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* IAP_SHA512_H */
