/*
 * iapboot - what an application running under the iapboot bootloader can
 * call. Built per board: the addresses come from the board's layout.h
 * (port/boards/BOARD/layout.h), and the metadata is read with the same
 * core code the bootloader uses (src/image.c, src/crc.c).
 *
 * The application needs none of this to run: it is linked at
 * IAP_LAYOUT_APP_ADDR and sets VTOR there, that is all. These functions
 * are for asking for an update, showing its own version, and, on a board
 * with a staging slot, receiving the next image while it runs (over a
 * channel of its own with iap_app_stage_*(), or over the iapboot protocol
 * with iap_app_serve()); see docs/SDK.md.
 *
 * Writing flash from a running application. The stage functions,
 * iap_app_serve() and iap_app_confirm() erase and program flash through
 * the same driver as the bootloader (port/stm32/flash_f1.c, flash_f4.c).
 * While the flash is busy the CPU stalls on every flash access, code and
 * constants alike: an interrupt handler in flash runs late, by up to one
 * erase (F1 page: 20-40 ms; F4 128 KiB sector: 1-2 s, up to 4 s at x8
 * parallelism) or one program unit. Interrupts stay enabled and DMA keeps
 * running, so a UART received by DMA into RAM loses nothing. A handler
 * that cannot wait that long must run from RAM and touch no flash, or the
 * application stages only when it can afford the pause; that is the
 * application's call. The driver reloads the independent watchdog between
 * its busy polls but not during a stall: an IWDG period must exceed the
 * longest erase. None of these functions may be called from an interrupt
 * handler, or by two callers at once.
 */
#ifndef IAP_APP_H
#define IAP_APP_H

#include <stdint.h>

#include "iap/iap_image.h"
#include "iap/iap_install.h"
#include "iap/iap_server.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * iap_app_relocate_vtor() - point the vector table at base (the
 * application's IAP_LAYOUT_APP_ADDR), what the SPL's
 * NVIC_SetVectorTable(NVIC_VectTab_FLASH, offset) does. Call it first in
 * main (or SystemInit), before enabling any interrupt. The bootloader sets
 * VTOR before jumping too; this makes the application right on its own,
 * e.g. started by a debugger. base must be aligned to the table size
 * rounded up to a power of two (512 bytes covers every STM32F1/F4).
 */
void iap_app_relocate_vtor(uint32_t base);

/**
 * iap_app_request_update() - leave IAP_REQUEST_MAGIC in the RAM word the
 * bootloader reads after reset, then reset the chip (SCB->AIRCR
 * SYSRESETREQ). The bootloader starts in update mode and waits for the
 * host; with the current image still valid it returns to it after its idle
 * timeout. Does not return.
 */
void iap_app_request_update(void) __attribute__((noreturn));

/**
 * iap_app_version() - the version of the installed image, from the
 * metadata record the bootloader keeps in the meta region. Returns 0 and
 * fills *v, IAP_ERR_NOENT when there is no committed record (the image was
 * written by a debugger, not by the bootloader), IAP_ERR_RANGE when the
 * record is for an image at another address, or the decode error.
 */
int iap_app_version(struct iap_version *v);

/**
 * iap_app_boot_record() - what the bootloader did at this boot (installed
 * a staged image, refused it, ...), from the no-init RAM words it fills in
 * before jumping. Returns 0 and fills *r, or IAP_ERR_NOENT when they are
 * not there (started by a debugger, or an older bootloader).
 */
int iap_app_boot_record(struct iap_boot_record *r);

/**
 * iap_app_stage_begin() - start receiving an image into the staging slot;
 * the installed image (this application) is not touched. hdr256 is the
 * 256-byte header at the front of the .iap file. It is checked against
 * the board's layout (size, load address, board, bootloader version)
 * before anything is erased; then the stage meta region and the stage
 * sectors the image needs are erased, and an image staged earlier is
 * gone. Returns 0, IAP_ERR_NOTSUP (no staging slot on this board),
 * IAP_ERR_INVAL (the board's layout fails iap_layout_check()), the
 * header's error (IAP_ERR_BADMSG, IAP_ERR_CORRUPT, IAP_ERR_FBIG,
 * IAP_ERR_RANGE, IAP_ERR_BOARD, IAP_ERR_OLDLOADER) or a flash error.
 */
int iap_app_stage_begin(const uint8_t hdr256[IAP_IMAGE_HDR_SIZE]);

/**
 * iap_app_stage_write() - the next len bytes of the payload (the .iap file
 * after its header), in pieces of any length, in order. Returns 0,
 * IAP_ERR_PERM (no iap_app_stage_begin() in progress), IAP_ERR_FAULT
 * (more bytes than the header announced; nothing taken) or a flash error
 * (the transfer is over: begin again).
 */
int iap_app_stage_write(const void *data, uint32_t len);

/**
 * iap_app_stage_finish() - all bytes in: check the staged image's vector
 * table and SHA-256, then commit its record. The image is then pending:
 * the bootloader installs it at the next reset (iap_app_install_reset()).
 * Returns 0, IAP_ERR_PERM (nothing in progress), IAP_ERR_PROTO (bytes
 * missing: write them, then finish again), IAP_ERR_CORRUPT (hash),
 * IAP_ERR_NOEXEC (vector table) or a flash error; after an error other
 * than IAP_ERR_PROTO nothing is pending and the transfer is over.
 */
int iap_app_stage_finish(void);

/**
 * iap_app_install_reset() - reset the chip (SCB->AIRCR SYSRESETREQ); the
 * bootloader installs a pending staged image before it boots (no request
 * word needed), then starts it. With nothing pending, a plain reset.
 * Does not return.
 */
void iap_app_install_reset(void) __attribute__((noreturn));

/**
 * iap_app_confirm() - a swap-installed image on trial confirms itself, so
 * the bootloader keeps it instead of reverting to the previous one at a
 * later boot. Call it once the application knows it works. Writes one
 * flag in the meta region (a flash program, see above). Returns 0 (also
 * when there was nothing to confirm), IAP_ERR_NOENT (no metadata record)
 * or a flash error.
 */
int iap_app_confirm(void);

/**
 * iap_app_state() - the installed image (confirmed, or on trial with
 * boots_left) and the staging slot (empty, pending, installed, and what
 * it holds after a swap), from the meta records; no hashing, no write.
 * Returns 0 and fills *st, or a flash error.
 */
int iap_app_state(struct iap_state *st);

/*
 * iap_app_serve(): the iapboot protocol inside the application, over a
 * byte channel the application provides, so that the unchanged host tool
 * stages an image into it: iap flash --slot stage --port ... app.iap
 */
struct iap_app_link {
	void *ctx; /* passed to the callbacks */
	/* Copy up to cap received bytes into buf without waiting. Returns
	 * the number copied (0: none yet) or a negative IAP_ERR_*. */
	int (*rx)(void *ctx, uint8_t *buf, uint32_t cap);
	/* Send len bytes; may wait for room. Returns 0 or IAP_ERR_*. */
	int (*tx)(void *ctx, const uint8_t *data, uint32_t len);
	/* A millisecond clock that runs while serving (wraps at 2^32). */
	uint32_t (*now_ms)(void *ctx);
	uint8_t *buf;	   /* frames and scratch, buf_size bytes */
	uint32_t buf_size; /* >= IAP_APP_SERVE_BUF_MIN; more allows longer
			    * WRITE frames (max_payload grows with it) */
	uint32_t idle_ms;  /* return after this long without a request;
			    * 0: serve until BOOT */
};

#define IAP_APP_SERVE_SCRATCH 64u
#define IAP_APP_SERVE_BUF_MIN \
	(IAP_SERVER_TX_MIN + IAP_APP_SERVE_SCRATCH + IAP_MIN_PAYLOAD)
/* After the answer to BOOT, the time it gets to leave the wire. */
#define IAP_APP_SERVE_DRAIN_MS 20u

/**
 * iap_app_serve() - answer iapboot requests on link until the host sends
 * BOOT, the line stays quiet for link->idle_ms, or the channel fails.
 * START is accepted for the staging slot only: the application slot is
 * refused with IAP_ERR_PERM (an application never erases itself). After
 * BOOT with a staged, verified image it waits IAP_APP_SERVE_DRAIN_MS and
 * calls iap_app_install_reset(). Blocks the caller (interrupts keep
 * running; the flash note above applies); the protocol state lives in
 * static storage. Returns 0 (BOOT with nothing staged: carry on),
 * IAP_ERR_TIMEDOUT (idle), IAP_ERR_NOTSUP (no staging slot),
 * IAP_ERR_INVAL (missing callback, buffer too small, bad layout), or the
 * channel's error.
 */
int iap_app_serve(struct iap_app_link *link);

#ifdef __cplusplus
}
#endif

#endif /* IAP_APP_H */
