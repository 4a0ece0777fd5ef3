/*
 * iapboot - the terminal menu of the bootloader: an update from a plain
 * terminal program with YModem, as in ST's AN4657, next to the protocol.
 *
 * Trigger: Enter (CR or LF) on its own, i.e. a burst of CR/LF bytes with
 * the line quiet (gap_ms of the loader) before and after it, in the hello
 * window or in update mode while no protocol upload is in progress. A
 * protocol host never sends that: its frames start with SOF 0xA5 and are
 * at least 10 bytes long, sent in one go. Menu keys are single keys
 * alike (a digit, optionally followed by CR/LF).
 *
 *   1  upload an image: a YModem receiver (iap_ymodem.h) takes an .iap
 *      file into the application slot, the slot `iap flash` writes by
 *      default, through the stage writer (iap_stage.h): the 256-byte
 *      header is checked before anything is erased (a plain .bin, another
 *      address, too large, a block 0 size other than 256 + image size:
 *      refused, nothing erased), sectors are erased as the data reaches
 *      them, the SHA-256 and vector table are checked before the commit.
 *      Committed: a result line, then the loader boots the new image.
 *      Failed: a message, back to the menu.
 *   2  boot the installed image (refused with a message if there is none)
 *   3  show the installed image (version, address, size, board, hash
 *      prefix) and the last boot record
 *
 * While the menu is open the protocol still works: the bytes still reach
 * the protocol server, and its first valid request closes the menu. While
 * the menu is open, a key burst is pending or a transfer runs, the hello
 * window and the idle timeout do not boot the application; a menu left
 * without a key for IAP_MENU_IDLE_MS closes, and the loader goes on in
 * update mode (its idle timeout starts again then).
 *
 * The menu is the loader's (struct iap_loader.menu); a port enables it by
 * setting iap_loader_cfg.menu = iap_menu_poll (left NULL the code is not
 * linked in). Text goes out through the server config's send callback,
 * the block buffer is the server's rx_buf (rx_cap >= 1024 for 1 KiB
 * blocks), the hash buffer its scratch. The menu text holds no 'C', 'G'
 * or control bytes a YModem sender waiting for its start could take for
 * an answer.
 */
#ifndef IAP_MENU_H
#define IAP_MENU_H

#include <stddef.h>
#include <stdint.h>

#include "iap_image.h"
#include "iap_stage.h"
#include "iap_ymodem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_MENU_IDLE_MS    60000u /* an open menu closes without a key */
#define IAP_MENU_SETTLE_MS  500u   /* quiet line before the result shows */
#define IAP_MENU_SETTLE_MAX 5000u

enum iap_menu_state {
	IAP_MENU_CLOSED = 0, /* watching the line for Enter */
	IAP_MENU_OPEN = 1,   /* waiting for a key */
	IAP_MENU_YMODEM = 2, /* a transfer runs: it takes the line */
	IAP_MENU_SETTLE = 3  /* transfer over: waiting for a quiet line */
};

/* What iap_menu_poll() asks of the loader. */
enum iap_menu_action {
	IAP_MENU_NONE = 0,	/* feed the bytes to the protocol server */
	IAP_MENU_OPENED = 1,	/* the menu opened (hello: now update mode) */
	IAP_MENU_EATEN = 2,	/* the transfer took the bytes */
	IAP_MENU_BOOT = 3,	/* key 2: boot the installed image */
	IAP_MENU_INSTALLED = 4, /* an upload was committed: boot it */
	IAP_MENU_CHANGED = 5	/* an upload failed after erasing: decide
				 * again what the flash holds */
};

struct iap_menu {
	uint8_t state; /* enum iap_menu_state */
	/* The key watcher: the burst of bytes now on the line. */
	uint8_t seen;	   /* a byte was received since the start */
	uint8_t burst_len; /* bytes of this burst (saturates at 255) */
	uint8_t key;	   /* its first byte */
	uint8_t eol_only;  /* every byte of it is CR or LF */
	uint8_t tail_eol;  /* every byte after the first is CR or LF */
	uint32_t t_rx;	   /* last poll with bytes */
	uint32_t t_key;	   /* last key (idle timeout of the menu) */
	uint32_t t_end;	   /* transfer over (settle) */
	/* The upload: YModem receiver -> header check -> stage writer. */
	struct iap_ymodem ym;
	struct iap_stage_writer wr;
	uint8_t hdr[IAP_IMAGE_HDR_SIZE];
	uint16_t hdr_len; /* header bytes received */
	uint8_t erased;	  /* the writer was opened: the flash changed */
	uint8_t why;	  /* internal: which message explains the result */
	int err;	  /* the result of the upload */
	int tx_err;	  /* internal: the first failed send of this poll */
	uint32_t size;	  /* of the file, from block 0 */
};

struct iap_loader;

/**
 * iap_menu_poll() - the loader's menu hook (iap_loader_cfg.menu), called
 * first at each iap_loader_poll() with what it was fed. Watches for
 * Enter, runs the menu and the transfer. Returns an enum iap_menu_action
 * or a negative send error.
 */
int iap_menu_poll(struct iap_loader *ld, uint32_t now_ms, const uint8_t *rx,
		  size_t n);

/** The menu, a pending key or a transfer holds the loader's timers. */
static inline int iap_menu_holds(const struct iap_menu *m)
{
	return m->state != IAP_MENU_CLOSED ||
	       (m->burst_len && (m->eol_only || m->burst_len <= 3));
}

#ifdef __cplusplus
}
#endif

#endif /* IAP_MENU_H */
