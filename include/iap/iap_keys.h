/*
 * iapboot - the public keys a bootloader accepts image signatures from.
 * The table itself is generated for each product by
 * `iap export-key --pub KEY.pub.pem --key-id N ... -o iap_keys.c` and
 * compiled into the bootloader; see docs/SIGNING.md.
 */
#ifndef IAP_KEYS_H
#define IAP_KEYS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_PUBKEY_SIZE 32u

/* One Ed25519 public key (RFC 8032 encoding) and the id images name it by. */
struct iap_pubkey {
	uint32_t key_id; /* nonzero, unique in the table */
	uint8_t key[IAP_PUBKEY_SIZE];
};

extern const struct iap_pubkey iap_keys[];
extern const unsigned int iap_key_count;

#ifdef __cplusplus
}
#endif

#endif /* IAP_KEYS_H */
