/*
 * iapboot - the boot decision and the bootloader's main state machine.
 *
 * iap_boot_decide() is a pure function of flash contents and the update
 * request flag:
 *
 *   request  committed meta  image verifies | action   reason
 *   -------  --------------  -------------- | -------  ----------------
 *   no       yes             yes            | JUMP     IAP_REASON_VALID
 *   yes      yes             yes            | UPDATE   IAP_REASON_REQUESTED
 *   any      no              -              | UPDATE   IAP_REASON_NO_IMAGE
 *   any      yes             no             | UPDATE   IAP_REASON_BAD_IMAGE
 *
 * The loader wraps it: with a valid image it listens for a hello during
 * hello_ms after reset (0 = jump at once), and in update mode it boots the
 * valid image after idle_ms without a request (0 = wait forever). Without a
 * valid image it never leaves update mode.
 *
 * With cfg.menu set, Enter alone on the line (in the hello window, or in
 * update mode outside a protocol upload) opens the terminal menu
 * (iap_menu.h): an upload with YModem from a terminal program, boot, show.
 * While it is open the hello window and the idle timeout do not run.
 *
 * On a layout with an install strategy the loader first installs a pending
 * staged image (iap_install()), at every start and after BOOT following a
 * staged upload, then decides; what it did is in ld->record for the port
 * to hand to the application (no-init RAM) and for INFO.
 */
#ifndef IAP_BOOT_H
#define IAP_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "iap_flash.h"
#include "iap_image.h"
#include "iap_install.h"
#include "iap_layout.h"
#include "iap_menu.h"
#include "iap_server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Written by the application to the no-init RAM word, then reset. */
#define IAP_REQUEST_MAGIC 0x54445055u /* "UPDT" */

enum iap_boot_action { IAP_BOOT_JUMP = 0, IAP_BOOT_UPDATE = 1 };

enum iap_boot_reason {
	IAP_REASON_VALID = 0,
	IAP_REASON_REQUESTED = 1,
	IAP_REASON_NO_IMAGE = 2,
	IAP_REASON_BAD_IMAGE = 3,
	IAP_REASON_HELLO = 4,	 /* a host spoke during the hello window */
	IAP_REASON_UPDATED = 5,	 /* BOOT after an update in this session */
	IAP_REASON_IDLE = 6,	 /* update mode timed out, valid image */
	IAP_REASON_BOOT_CMD = 7, /* BOOT without an update */
	IAP_REASON_MENU = 8,	 /* Enter opened the terminal menu */
	IAP_REASON_MENU_BOOT = 9 /* boot chosen in the terminal menu */
};

struct iap_boot_decision {
	uint8_t action;	   /* enum iap_boot_action */
	uint8_t reason;	   /* enum iap_boot_reason */
	uint8_t app_valid; /* the slot holds a verified image */
	int err;	   /* why the image failed, when BAD_IMAGE */
	uint32_t jump_addr;
	struct iap_image_hdr hdr; /* valid when app_valid */
};

/**
 * iap_boot_decide() - look at the meta region and the slot (see the table).
 * scratch is a buffer for hashing (>= 16 bytes). Returns 0 (out filled) or
 * IAP_ERR_INVAL for a bad layout; image problems are reasons, not errors.
 */
int iap_boot_decide(const struct iap_flash *f, const struct iap_layout *l,
		    uint32_t loader_version, int update_requested,
		    uint8_t *scratch, uint32_t scratch_size,
		    struct iap_boot_decision *out);

/** iap_boot_reason_str() - text for a reason; never NULL. */
const char *iap_boot_reason_str(int reason);

struct iap_loader;

struct iap_loader_cfg {
	struct iap_server_cfg server;
	uint32_t hello_ms; /* listen window after reset with a valid image */
	uint32_t idle_ms;  /* update mode: boot valid image after this */
	uint32_t gap_ms;   /* line idle this long drops a partial frame */
	/* The terminal menu with YModem (iap_menu.h): iap_menu_poll, or
	 * NULL for none (its code is then not linked in). */
	int (*menu)(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		    size_t n);
};

enum iap_loader_mode {
	IAP_MODE_HELLO = 0,  /* valid image, listening for a host */
	IAP_MODE_UPDATE = 1, /* serving the protocol */
	IAP_MODE_JUMP = 2    /* done: jump to jump_addr */
};

struct iap_loader {
	struct iap_loader_cfg cfg;
	struct iap_server srv;
	struct iap_boot_decision boot;
	struct iap_boot_record record; /* what the install step did */
	uint8_t mode;
	uint8_t exit_reason;  /* enum iap_boot_reason when mode is JUMP */
	uint8_t polled;	      /* the timers run from the first poll */
	uint32_t t_mode;      /* when the current mode began */
	uint32_t t_rx;	      /* last byte received */
	uint32_t t_req;	      /* last valid request */
	uint32_t baud;	      /* the line's rate now (0: never switched) */
	uint32_t baud_prev;   /* the rate before the last BAUD */
	uint8_t baud_state;   /* enum iap_baud_state */
	uint32_t t_baud;      /* when the rate was switched */
	struct iap_menu menu; /* the terminal menu, when cfg.menu is set */
};

enum iap_baud_state {
	IAP_BAUD_BASE = 0,    /* the rate the port started at */
	IAP_BAUD_PROVING = 1, /* switched, no request heard at the new rate */
	IAP_BAUD_SWITCHED = 2 /* a request came at the new rate */
};

#define IAP_LOADER_RUN	0 /* call iap_loader_poll() again */
#define IAP_LOADER_JUMP 1 /* jump to ld->boot.jump_addr */

/**
 * iap_loader_start() - install a pending staged image, decide and set up.
 * A failed install is recorded in ld->record, not returned: the decision
 * then finds what the flash holds. Returns IAP_LOADER_JUMP (valid image,
 * no request, hello_ms 0), IAP_LOADER_RUN, or a negative error.
 */
int iap_loader_start(struct iap_loader *ld, const struct iap_loader_cfg *cfg,
		     int update_requested, uint32_t now_ms);

/**
 * iap_loader_poll() - feed n received bytes (n may be 0) at time now_ms.
 * The hello window and the idle timeout run from the first call, not from
 * iap_loader_start(): hashing and an install at start take their time.
 * Returns IAP_LOADER_RUN, IAP_LOADER_JUMP, or a negative transport error.
 */
int iap_loader_poll(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		    size_t n);

#ifdef __cplusplus
}
#endif

#endif /* IAP_BOOT_H */
