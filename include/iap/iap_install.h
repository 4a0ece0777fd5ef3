/*
 * iapboot - installing a staged image at boot (docs/DESIGN.md, "Install
 * strategies").
 *
 * The stage meta region holds the record of the staged image, each field
 * in its own write unit, written once, in this order:
 *
 *   off  size  field
 *     0   256  image header (iap_image.h)
 *   256    16  commit word IAP_META_COMMIT_MAGIC: the image is pending
 *   272    16  installed flag IAP_STAGE_INSTALLED_MAGIC: copy done
 *   288   224  reserved (erased): swap journal, test/confirm flags, later
 *
 * Overwrite install, run by the bootloader before the boot decision:
 *
 *   stage meta                       | boot does
 *   -------------------------------- | ---------------------------------
 *   erased / header without commit   | nothing (no pending image)
 *   committed, payload fails checks  | nothing; record REFUSED + error
 *   committed, app slot already has  | write the installed flag
 *     exactly that image             |
 *   committed                        | erase app meta, erase app sectors,
 *                                    | copy, verify, write app meta,
 *                                    | write the installed flag
 *   committed + installed            | nothing
 *
 * A cut anywhere before the installed flag makes the next boot start over;
 * each step is idempotent and the app slot's hash is checked before its
 * meta is committed.
 */
#ifndef IAP_INSTALL_H
#define IAP_INSTALL_H

#include <stdint.h>

#include "iap_flash.h"
#include "iap_image.h"
#include "iap_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_STAGE_INSTALLED_OFF	  (IAP_META_COMMIT_OFF + 16u)
#define IAP_STAGE_INSTALLED_MAGIC 0x54534E49u /* "INST" */
#define IAP_STAGE_META_MIN_SIZE	  512u

enum iap_stage_state {
	IAP_STAGE_EMPTY = 0,	/* no committed record */
	IAP_STAGE_PENDING = 1,	/* committed, not installed yet */
	IAP_STAGE_INSTALLED = 2 /* committed and installed */
};

/* What the bootloader did at this boot, for the application and the host. */
enum iap_boot_event {
	IAP_EVENT_NONE = 0,
	IAP_EVENT_INSTALLED = 1,     /* a staged image was installed */
	IAP_EVENT_REFUSED = 2,	     /* staged image failed checks: err */
	IAP_EVENT_INSTALL_FAILED = 3 /* flash error during install: err */
				     /* 4: reverted, later */
};

/* Kept small: a port copies it into no-init RAM for the application. */
struct iap_boot_record {
	uint8_t event; /* enum iap_boot_event */
	uint8_t reserved;
	int16_t err; /* IAP_ERR_* for REFUSED / INSTALL_FAILED, else 0 */
};

/*
 * In a port's no-init RAM (next to the update request word) the record is
 * two words: IAP_BOOT_RECORD_MAGIC, then iap_boot_record_pack(). The
 * application reads them after the jump.
 */
#define IAP_BOOT_RECORD_MAGIC 0x44524342u /* "BCRD" */

/** Pack r into one word: event | err << 16. Returns the word. */
static inline uint32_t iap_boot_record_pack(const struct iap_boot_record *r)
{
	return (uint32_t)r->event | ((uint32_t)(uint16_t)r->err << 16);
}

/** Unpack a word from iap_boot_record_pack() into *r. Cannot fail. */
static inline void iap_boot_record_unpack(uint32_t w, struct iap_boot_record *r)
{
	r->event = (uint8_t)w;
	r->reserved = 0;
	r->err = (int16_t)(uint16_t)(w >> 16);
}

/**
 * iap_stage_state() - read the stage meta region. Fills *h (may be NULL)
 * when a committed record is there. Returns enum iap_stage_state (>= 0),
 * or the flash or header decode error.
 */
int iap_stage_state(const struct iap_flash *f, const struct iap_layout *l,
		    struct iap_image_hdr *h);

/**
 * iap_install() - install a pending staged image (see the table above);
 * nothing for a layout without an install strategy or one that fails
 * iap_layout_check(). scratch (>= 16 bytes)
 * is the copy and hash buffer. rec receives what was done. Returns 0 (also
 * when a staged image was refused: see rec) or the flash error that stopped
 * the install.
 */
int iap_install(const struct iap_flash *f, const struct iap_layout *l,
		uint32_t loader_version, uint8_t *scratch,
		uint32_t scratch_size, struct iap_boot_record *rec);

#ifdef __cplusplus
}
#endif

#endif /* IAP_INSTALL_H */
