/*
 * iapboot - SHA-256 (FIPS 180-4), written for small targets: no tables
 * beyond the 64 round constants, no malloc, streaming over a caller-owned
 * context so an image can be hashed straight out of flash.
 */
#ifndef IAP_SHA256_H
#define IAP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_SHA256_SIZE 32u

struct iap_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	uint32_t used; /* bytes waiting in buf */
};

/** Start a new hash. Cannot fail. */
void iap_sha256_init(struct iap_sha256 *s);
/** Add len bytes. Cannot fail. */
void iap_sha256_update(struct iap_sha256 *s, const void *data, size_t len);
/** Finish and write the 32-byte digest. s must be re-initialised after. */
void iap_sha256_final(struct iap_sha256 *s, uint8_t out[IAP_SHA256_SIZE]);
/** One-shot helper. Cannot fail. */
void iap_sha256(const void *data, size_t len, uint8_t out[IAP_SHA256_SIZE]);

#ifdef __cplusplus
}
#endif

#endif /* IAP_SHA256_H */
