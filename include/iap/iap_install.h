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
 *   288    16  swap: OLD flag (below)
 *   304    16  swap: REJECTED flag (below)
 *   320   192  reserved (erased)
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
 *
 * Swap install (the journal, the trial/confirm/revert states and the table
 * of what each boot does: docs/DESIGN.md, "Swap with revert"): the slots
 * are exchanged sector by sector through the scratch, each step recorded
 * in the journal; the new image boots on trial (TEST flag) for
 * test_boots starts of the bootloader and is swapped back unless the
 * application writes the CONFIRM flag (iap_confirm()).
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

/*
 * Swap install: what the stage slot holds once the record is installed,
 * one flag each (written once, after the installed flag):
 *   OLD      : the image that ran before the swap: a revert brings it back
 *   REJECTED : an image that was reverted (it never confirmed itself)
 */
#define IAP_STAGE_OLD_OFF	 (IAP_META_COMMIT_OFF + 32u)
#define IAP_STAGE_OLD_MAGIC	 0x20444C4Fu /* "OLD " */
#define IAP_STAGE_REJECTED_OFF	 (IAP_META_COMMIT_OFF + 48u)
#define IAP_STAGE_REJECTED_MAGIC 0x544A4552u /* "REJT" */

/*
 * Swap install: flags of the installed image in the app meta region, after
 * its commit word, one write unit each, written once:
 *   TEST    (+16): written by the swap that installed it: on trial
 *   CONFIRM (+32): written by the application (iap_confirm())
 *   TRIAL i (+48 + 16 i): written by the bootloader before the i-th boot
 *           on trial; with all test_boots of them written and no CONFIRM,
 *           the next boot reverts.
 * An image written by any other path (single-slot upload, overwrite
 * install, iap merge) has no TEST flag: it is confirmed.
 */
#define IAP_META_TEST_OFF      (IAP_META_COMMIT_OFF + 16u)
#define IAP_META_TEST_MAGIC    0x54534554u /* "TEST" */
#define IAP_META_CONFIRM_OFF   (IAP_META_COMMIT_OFF + 32u)
#define IAP_META_CONFIRM_MAGIC 0x464E4F43u /* "CONF" */
#define IAP_META_TRIAL_OFF     (IAP_META_COMMIT_OFF + 48u)
#define IAP_META_TRIAL_MAGIC   0x4C495254u /* "TRIL" */
#define IAP_TEST_BOOTS_MAX     4u
#define IAP_SWAP_META_MIN_SIZE 512u

/*
 * Swap journal (its own sector(s)): both headers, a start record, then
 * three step flags per sector of the app slot and a done flag, each flag
 * one write unit of fl = max(write unit, 4) bytes. The size it needs for
 * a slot of n sectors:
 */
#define IAP_JOURNAL_STEPS_OFF	528u
#define IAP_JOURNAL_SIZE(n, fl) (IAP_JOURNAL_STEPS_OFF + (3u * (n) + 1u) * (fl))

enum iap_stage_state {
	IAP_STAGE_EMPTY = 0,	/* no committed record */
	IAP_STAGE_PENDING = 1,	/* committed, not installed yet */
	IAP_STAGE_INSTALLED = 2 /* committed and installed */
};

/* The installed image, as the application and the host see it. */
enum iap_image_state {
	IAP_IMAGE_NONE = 0,	 /* no committed record */
	IAP_IMAGE_CONFIRMED = 1, /* runs for good */
	IAP_IMAGE_TEST = 2	 /* on trial: reverted unless confirmed */
};

/* What the stage slot holds (swap). */
enum iap_stage_role {
	IAP_ROLE_NONE = 0,    /* nothing, a pending or an installed image */
	IAP_ROLE_OLD = 1,     /* the previous image, kept for a revert */
	IAP_ROLE_REJECTED = 2 /* an image that was reverted */
};

struct iap_state {
	uint8_t image;	    /* enum iap_image_state */
	uint8_t boots_left; /* IAP_IMAGE_TEST: boots before a revert */
	uint8_t stage;	    /* enum iap_stage_state */
	uint8_t stage_role; /* enum iap_stage_role */
	struct iap_version installed; /* valid unless image is NONE */
	struct iap_version staged;    /* valid unless stage is EMPTY */
};

/* What the bootloader did at this boot, for the application and the host. */
enum iap_boot_event {
	IAP_EVENT_NONE = 0,
	IAP_EVENT_INSTALLED = 1,      /* a staged image was installed */
	IAP_EVENT_REFUSED = 2,	      /* staged image failed checks: err */
	IAP_EVENT_INSTALL_FAILED = 3, /* flash error during install: err */
	IAP_EVENT_REVERTED = 4,	      /* test image reverted: err says why */
	IAP_EVENT_TRIAL = 5	      /* booting an image on trial */
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

/**
 * iap_state_read() - the state of the installed image and of the stage
 * slot, from the meta records (no hashing). Returns 0 or the flash error.
 */
int iap_state_read(const struct iap_flash *f, const struct iap_layout *l,
		   struct iap_state *st);

/**
 * iap_confirm() - the running image confirms itself: writes the CONFIRM
 * flag when it is on trial. Returns 0 (also when there was nothing to
 * confirm), IAP_ERR_NOENT without an installed image, or the flash error.
 */
int iap_confirm(const struct iap_flash *f, const struct iap_layout *l);

#ifdef __cplusplus
}
#endif

#endif /* IAP_INSTALL_H */
