/*
 * iapboot - what an application running under the iapboot bootloader can
 * call. Built per board: the addresses come from the board's layout.h
 * (port/boards/BOARD/layout.h), and the metadata is read with the same
 * core code the bootloader uses (src/image.c, src/crc.c).
 *
 * The application needs none of this to run: it is linked at
 * IAP_LAYOUT_APP_ADDR and sets VTOR there, that is all. These functions
 * are for asking for an update and showing its own version.
 */
#ifndef IAP_APP_H
#define IAP_APP_H

#include <stdint.h>

#include "iap/iap_image.h"
#include "iap/iap_install.h"

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

#ifdef __cplusplus
}
#endif

#endif /* IAP_APP_H */
