/*
 * iapboot - Ed25519 signature verification (RFC 8032 5.1.7, pure Ed25519:
 * no prehash, no context). Verify only: the bootloader holds a public key
 * and checks images signed off-target. No malloc, no globals, bounded stack.
 *
 * Strict: S must be below the group order L, A and R must be canonical
 * encodings (y < p) of curve points, A must not be one of the 8 points of
 * small order. The check is cofactorless, [S]B == R + [k]A with
 * k = SHA-512(R || A || M) mod L, done by encoding [S]B - [k]A and
 * comparing it with the 32 bytes of R.
 *
 * Return codes, for the one-shot and the streaming form alike:
 *   0                 the signature is valid
 *   IAP_ERR_CORRUPT   the signature does not verify (wrong key, message or
 *                     signature, S >= L, R not a canonical curve point)
 *   IAP_ERR_INVAL     the public key is unusable (not canonical, not on the
 *                     curve, small order) or a NULL argument
 */
#ifndef IAP_ED25519_H
#define IAP_ED25519_H

#include <stddef.h>
#include <stdint.h>

#include "iap/iap_sha512.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_ED25519_SIG_SIZE 64u
#define IAP_ED25519_PUB_SIZE 32u

/*
 * Streaming verification state, owned by the caller: R and A come first in
 * SHA-512(R || A || M), so the message can be fed in pieces (for instance
 * an image read out of flash) and is never held in RAM. Opaque: use the
 * functions below only.
 */
struct iap_ed25519_verify {
	struct iap_sha512 sha;		   /* SHA-512(R || A || M so far) */
	uint8_t sig[IAP_ED25519_SIG_SIZE]; /* R || S as received */
	uint32_t nega[20]; /* -A decoded: x then y, in field limbs */
	int err;	   /* sticky error from init, returned by final */
};

/**
 * iap_ed25519_verify() - check an Ed25519 signature over msg[0..len).
 * msg may be NULL when len is 0.
 * Returns 0 if sig is a valid signature of msg under pub, IAP_ERR_CORRUPT if
 * it is not, IAP_ERR_INVAL if pub is not a usable key or an argument is NULL.
 */
int iap_ed25519_verify(const uint8_t sig[IAP_ED25519_SIG_SIZE],
		       const uint8_t pub[IAP_ED25519_PUB_SIZE],
		       const uint8_t *msg, size_t len);

/**
 * iap_ed25519_verify_init() - start a streaming verification.
 * Decodes and checks pub and S now, so a bad key is reported before any
 * message byte is read. v keeps copies: sig and pub may go away after.
 * Returns 0, IAP_ERR_INVAL (unusable key, NULL argument) or IAP_ERR_CORRUPT
 * (S >= L). On error, final() returns the same code; update() is harmless.
 */
int iap_ed25519_verify_init(struct iap_ed25519_verify *v,
			    const uint8_t sig[IAP_ED25519_SIG_SIZE],
			    const uint8_t pub[IAP_ED25519_PUB_SIZE]);

/** Add len bytes of the message (data may be NULL when len is 0). */
void iap_ed25519_verify_update(struct iap_ed25519_verify *v,
			       const uint8_t *data, size_t len);

/**
 * iap_ed25519_verify_final() - finish the check; v must be re-initialised
 * before another use.
 * Returns 0 if the signature is valid for the bytes fed in, IAP_ERR_CORRUPT
 * if it is not, or the error init() returned (IAP_ERR_INVAL if v is NULL
 * or already finished).
 */
int iap_ed25519_verify_final(struct iap_ed25519_verify *v);

#ifdef __cplusplus
}
#endif

#endif /* IAP_ED25519_H */
