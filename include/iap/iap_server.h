/*
 * iapboot - the device side of the update protocol: a command handler fed
 * with raw bytes. It owns no buffers (the caller hands them in), does no I/O
 * except through the send callback, and can write only inside the
 * application slot and the meta region of the layout.
 *
 * Update sequence (docs/PROTOCOL.md):
 *   START  header checked against the layout (size, address, board, loader
 *          version) before anything is erased; then meta and the sectors the
 *          image needs are erased (the old image is gone from here on).
 *   WRITE  in order; a repeated chunk is acknowledged, not rewritten.
 *          In a v2 stream session (START flag IAP_START_F_STREAM) the
 *          sectors are erased as the data reaches them, and a WRITE past
 *          a gap is answered IAP_ERR_AGAIN with next_offset.
 *   FINISH all bytes in, SHA-256 of the slot and vector table checked, then
 *          the metadata record and, last, its commit word are written.
 *   BOOT   answered, then the caller jumps to the application.
 *
 * START with IAP_SLOT_STAGE (layouts with an install strategy) writes into
 * the stage slot instead: nothing of the installed image is touched, FINISH
 * commits the stage meta record (the image is then pending), and after
 * BOOT the caller installs it (iap_install()) before jumping. START,
 * WRITE and FINISH go through the stage writer (iap_stage.h).
 *
 * With cfg.stage_only the same server runs inside the application
 * (sdk/iap_app.h): START into the app slot is refused with IAP_ERR_PERM,
 * and after BOOT the application resets into the bootloader, which
 * installs the staged image.
 */
#ifndef IAP_SERVER_H
#define IAP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "iap_flash.h"
#include "iap_image.h"
#include "iap_install.h"
#include "iap_layout.h"
#include "iap_lzss.h"
#include "iap_proto.h"
#include "iap_stage.h"

#ifdef __cplusplus
extern "C" {
#endif

struct iap_server_cfg {
	const struct iap_flash *flash;
	const struct iap_layout *layout;
	uint32_t loader_version; /* IAP_LOADER_VERSION(...) */
	uint8_t *rx_buf;	 /* frame payload buffer: max_payload bytes */
	uint16_t rx_cap;	 /* >= IAP_MIN_PAYLOAD */
	uint8_t *tx_buf;	 /* >= IAP_SERVER_TX_MIN bytes */
	uint16_t tx_cap;
	uint8_t *scratch; /* hashing / verify buffer, >= 16 bytes */
	uint32_t scratch_size;
	/* Send a whole frame. Returns 0 or a negative IAP_ERR_*. */
	int (*send)(void *ctx, const uint8_t *data, size_t len);
	void *send_ctx;
	/* 1: START accepts IAP_SLOT_STAGE only, IAP_SLOT_APP is answered
	 * IAP_ERR_PERM (a server inside the application never erases the
	 * slot it runs from). 0: the bootloader's server. */
	uint8_t stage_only;
	/* Bytes the port's receive ring holds while the CPU is busy with the
	 * flash (DMA keeps filling it). Sizes the v2 window: INFO announces
	 * rx_ring / (rx_cap + frame overhead) frames in flight; 0 = 1. */
	uint32_t rx_ring;
	/* 1: answer as a protocol v1 device (no window, START flags
	 * refused), to check hosts against older bootloaders. */
	uint8_t proto_v1;
	/*
	 * Baud switching (NULL: BAUD is IAP_ERR_NOTSUP). apply 0: can the
	 * port run at baud (0, or IAP_ERR_NOTSUP/IAP_ERR_RANGE)? apply 1:
	 * switch now, once what was sent has left the wire. The loader calls
	 * it; the server only checks. Returns 0 or a negative IAP_ERR_*.
	 */
	int (*set_baud)(void *ctx, uint32_t baud, int apply);
	void *baud_ctx;
	uint32_t baud; /* the rate the port starts at */
	/*
	 * Compressed transfer (IAP_START_F_LZSS): the decompressor's window,
	 * a power of two of 256 bytes or more (INFO announces its log2);
	 * NULL or 0: compressed STARTs are IAP_ERR_NOTSUP.
	 */
	uint8_t *lzss_win;
	uint32_t lzss_win_size;
};

#define IAP_SERVER_TX_MIN (IAP_FRAME_OVERHEAD + IAP_STATUS_SIZE + IAP_INFO_SIZE)

struct iap_server {
	struct iap_server_cfg cfg;
	struct iap_dec dec;
	uint8_t state;		  /* enum iap_dev_state */
	uint8_t app_valid;	  /* committed and verified image in the slot */
	struct iap_image_hdr app; /* its header, when app_valid */
	struct iap_stage_writer wr; /* the update in progress */
	uint8_t stream;		    /* START had IAP_START_F_STREAM */
	uint8_t packed;		    /* START had IAP_START_F_LZSS */
	uint32_t z_next;	    /* packed: stream bytes taken */
	struct iap_lzss_dec lz;	    /* packed: the decompressor */
	uint32_t baud_req;	    /* BAUD answered: switch to this */
	uint8_t staged;		    /* FINISH committed a staged image */
	/* Progress events (IAP_START_F_PROGRESS): the writer sees the flash
	 * through pf, which counts what a long request has done. */
	struct iap_flash pf;
	uint8_t events;			  /* START asked for them */
	uint8_t phase;			  /* IAP_PROGRESS_*, 0: none at work */
	uint32_t done, total;		  /* bytes of the phase */
	uint32_t next_event;		  /* send when done reaches it */
	struct iap_boot_record last_boot; /* reported by INFO */
	/* Last answered request, to answer a resend without redoing it. */
	uint8_t last_cmd, last_seq, have_last;
	uint16_t last_len; /* length of the cached response frame in tx_buf */
	/* Statistics */
	uint32_t requests, refused;
};

#define IAP_SERVER_IDLE	 0 /* nothing to do for the caller */
#define IAP_SERVER_FRAME 1 /* at least one valid request was handled */
#define IAP_SERVER_BOOT	 2 /* BOOT was acknowledged: jump to the app now */

/**
 * iap_server_init() - set up s; app_valid/app say what the boot decision
 * found installed (app may be NULL when app_valid is 0).
 * Returns 0 or IAP_ERR_INVAL for buffers that are too small.
 */
int iap_server_init(struct iap_server *s, const struct iap_server_cfg *cfg,
		    int app_valid, const struct iap_image_hdr *app);

/**
 * iap_server_input() - feed received bytes; requests are handled and
 * answered as they complete. Returns IAP_SERVER_IDLE, IAP_SERVER_FRAME,
 * IAP_SERVER_BOOT (the answer has been sent; input after BOOT is not
 * consumed), or a negative error from send.
 */
int iap_server_input(struct iap_server *s, const uint8_t *data, size_t len);

/** Drop a partially received frame (call after an idle gap on the line). */
void iap_server_line_idle(struct iap_server *s);

#ifdef __cplusplus
}
#endif

#endif /* IAP_SERVER_H */
