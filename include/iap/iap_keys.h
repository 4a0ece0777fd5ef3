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

/*
 * A revoked key stays in the table under its id, so that an image signed
 * with it is refused as revoked (IAP_ERR_REVOKED), not as unknown; its key
 * bytes are not used. The sample key is the project's public test key
 * (keys/sample.pem): a bootloader holding it says so.
 */
#define IAP_PUBKEY_F_REVOKED 0x01u
#define IAP_PUBKEY_F_SAMPLE  0x02u

/* One Ed25519 public key (RFC 8032 encoding) and the id images name it by. */
struct iap_pubkey {
	uint32_t key_id; /* nonzero, unique in the table */
	uint32_t flags;	 /* IAP_PUBKEY_F_* */
	uint8_t key[IAP_PUBKEY_SIZE];
};

extern const struct iap_pubkey iap_keys[];
extern const unsigned int iap_key_count;

#ifdef __cplusplus
}
#endif

#endif /* IAP_KEYS_H */
