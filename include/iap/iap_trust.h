/*
 * iapboot - what a bootloader trusts: the public keys it accepts image
 * signatures from and when it checks them (docs/SIGNING.md, "What the
 * bootloader checks").
 *
 * A layout without a trust (l->trust NULL) is an open device: images need
 * no signature, and a signed image's signature is not checked (its SHA-256
 * still is). With a trust, every image must carry an Ed25519 signature by
 * a key of the table, checked before anything is erased (START), before an
 * install moves a staged image, and, with IAP_TRUST_F_BOOT_SIG, before
 * every jump to the application.
 */
#ifndef IAP_TRUST_H
#define IAP_TRUST_H

#include <stdint.h>

#include "iap_keys.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Signatures and the anti-rollback record built into the core (1, the
 * default) or left out (0: a firmware for boards without them, about 7 KiB
 * less on a Cortex-M3). A layout with a trust or a rollback region fails
 * iap_layout_check() in a core built without them.
 */
#ifndef IAP_CFG_TRUST
#define IAP_CFG_TRUST 1
#endif

/* Check the installed image's signature at every boot, not only its hash. */
#define IAP_TRUST_F_BOOT_SIG 0x01u

struct iap_trust {
	const struct iap_pubkey *keys; /* key ids unique; may hold revoked */
	uint32_t key_count;
	uint32_t flags; /* IAP_TRUST_F_* */
};

/* Flags of a trust, as INFO reports them (struct iap_info.trust). */
#define IAP_TRUST_INFO_SIGNED	0x01u /* signatures required */
#define IAP_TRUST_INFO_BOOT_SIG 0x02u /* checked at every boot too */
#define IAP_TRUST_INFO_SAMPLE	0x04u /* holds the public sample key */
#define IAP_TRUST_INFO_ROLLBACK 0x08u /* keeps an anti-rollback record */

#ifdef __cplusplus
}
#endif

#endif /* IAP_TRUST_H */
