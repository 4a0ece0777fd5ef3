/*
 * iapboot - where things live in flash and RAM.
 *
 *   boot  : the bootloader itself, at the lowest address; never written.
 *   meta  : sector(s) holding the metadata record of the installed image
 *           (iap_image.h); erased first and written last during an update.
 *   app   : the application slot; the application is linked to run here and
 *           sets VTOR to app_addr. It does not embed any header of ours.
 *   stage : optional staging slot (0 size = none): an update is received
 *           here while the installed image stays bootable, then installed
 *           by the bootloader at the next boot (iap_install.h).
 *   stage_meta : the metadata record of the staged image and its flags, in
 *           sector(s) of their own, so each record is erased on its own.
 *   scratch : swap install only: at least as large as the largest sector of
 *           the app and stage slots; holds one sector during a swap step.
 *   journal : swap install only: the copies of both headers and the step
 *           flags of the swap in progress (iap_install.h).
 *   rollback : optional (0 size = none): the anti-rollback record, the
 *           highest security counter of a confirmed image (iap_rollback.h);
 *           two sectors or more, so that it never needs erasing in place.
 *
 * Every region starts and ends on a sector boundary (checked by
 * iap_layout_check()), so erasing one never touches another.
 */
#ifndef IAP_LAYOUT_H
#define IAP_LAYOUT_H

#include <stdint.h>

#include "iap_flash.h"
#include "iap_trust.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a staged image gets into the application slot. */
enum iap_install_kind {
	IAP_INSTALL_NONE = 0,	   /* single slot: updates go straight in */
	IAP_INSTALL_OVERWRITE = 1, /* stage, then copy over at boot */
	IAP_INSTALL_SWAP = 2	   /* stage, swap at boot; revert unless the
				    * new image confirms itself */
};

/*
 * The install strategies built into the core: bit k for enum
 * iap_install_kind k. The default builds them all; a port whose boards have
 * no staging slot builds the core with 0x1 (single slot only), which leaves
 * the install code out, or 0x5 for swap boards. A layout asking for a
 * strategy that is not built fails iap_layout_check().
 */
#ifndef IAP_CFG_INSTALL_MASK
#define IAP_CFG_INSTALL_MASK 0x7u
#endif
#define IAP_INSTALL_BUILT(k) \
	((uint32_t)(k) <= 2u && ((IAP_CFG_INSTALL_MASK >> (uint32_t)(k)) & 1u))

struct iap_layout {
	uint32_t boot_addr, boot_size;
	uint32_t meta_addr, meta_size;
	uint32_t app_addr, app_size;
	uint32_t stage_addr, stage_size;
	uint32_t stage_meta_addr, stage_meta_size;
	uint32_t ram_addr, ram_size; /* for the initial stack pointer check */
	uint32_t board_id;	     /* 0 = accept images for any board */
	uint32_t install;	     /* enum iap_install_kind */
	uint32_t scratch_addr, scratch_size; /* swap only; see below */
	uint32_t journal_addr, journal_size; /* swap only */
	uint32_t test_boots; /* swap: boots a new image gets to confirm
			      * itself, 1..IAP_TEST_BOOTS_MAX (0 means 1) */
	uint32_t ram2_addr, ram2_size;	       /* a second RAM the initial stack
						* pointer may be in (the F4's CCM
						* RAM); size 0: none */
	uint32_t rollback_addr, rollback_size; /* size 0: no record */
	/* Keys and signature policy; NULL: an open device (iap_trust.h). */
	const struct iap_trust *trust;
};

/*
 * Swap by moving: a swap layout whose scratch is the one sector right
 * behind the application slot (scratch_addr == app_addr + app_size)
 * exchanges the slots by moving the installed image up one sector and
 * then swapping sector by sector, with no sector erased more than twice
 * per swap. Any other scratch is a buffer that every swapped sector
 * passes through (one erase of it per sector). docs/DESIGN.md.
 */
static inline int iap_layout_swap_moves(const struct iap_layout *l)
{
	return l->install == IAP_INSTALL_SWAP && l->scratch_size != 0 &&
	       l->scratch_addr == l->app_addr + l->app_size;
}

/**
 * iap_layout_check() - every region inside the flash, on sector boundaries,
 * not overlapping another, the bootloader first; an install kind other than
 * NONE needs a stage slot and a stage meta region.
 * Returns 0 or IAP_ERR_INVAL.
 */
int iap_layout_check(const struct iap_layout *l, const struct iap_flash *f);

#ifdef __cplusplus
}
#endif

#endif /* IAP_LAYOUT_H */
