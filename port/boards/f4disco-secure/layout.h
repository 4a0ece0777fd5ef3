/*
 * iapboot - the STM32F4DISCOVERY (STM32F407VG: 1 MiB of flash in sectors
 * of 4 x 16 KiB, 1 x 64 KiB, 7 x 128 KiB; 128 KiB of SRAM) running signed
 * images only: the bootloader holds the build's key table (IAP_FW_KEYS,
 * by default the public sample key), checks the Ed25519 signature on
 * receipt, before an install and at every boot, and keeps an anti-rollback
 * record. Updates are staged and swapped in by moving, with revert
 * (docs/DESIGN.md, docs/SIGNING.md). The same layout as the simulator's
 * f407vg-secure board.
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader   sectors 0-1    32 KiB
 *   0x08008000  meta         sector 2       16 KiB
 *   0x0800C000  stage meta   sector 3       16 KiB
 *   0x08010000  journal      sector 4       64 KiB
 *   0x08020000  application  sectors 5-6   256 KiB  VTOR = 0x08020000
 *   0x08060000  scratch      sector 7      128 KiB  the app moves up into it
 *   0x08080000  stage        sectors 8-9   256 KiB
 *   0x080C0000  rollback     sectors 10-11 256 KiB  anti-rollback record
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x100000
#define IAP_LAYOUT_WRITE_SIZE 4 /* x32 parallelism, 2.7 V .. 3.6 V */

#define IAP_LAYOUT_BOOT_ADDR	   0x08000000
#define IAP_LAYOUT_BOOT_SIZE	   0x8000
#define IAP_LAYOUT_META_ADDR	   0x08008000
#define IAP_LAYOUT_META_SIZE	   0x4000
#define IAP_LAYOUT_STAGE_META_ADDR 0x0800C000
#define IAP_LAYOUT_STAGE_META_SIZE 0x4000
#define IAP_LAYOUT_JOURNAL_ADDR	   0x08010000
#define IAP_LAYOUT_JOURNAL_SIZE	   0x10000
#define IAP_LAYOUT_APP_ADDR	   0x08020000
#define IAP_LAYOUT_APP_SIZE	   0x40000
#define IAP_LAYOUT_SCRATCH_ADDR	   0x08060000
#define IAP_LAYOUT_SCRATCH_SIZE	   0x20000
#define IAP_LAYOUT_STAGE_ADDR	   0x08080000
#define IAP_LAYOUT_STAGE_SIZE	   0x40000
#define IAP_LAYOUT_ROLLBACK_ADDR   0x080C0000
#define IAP_LAYOUT_ROLLBACK_SIZE   0x40000

#define IAP_LAYOUT_INSTALL    2 /* IAP_INSTALL_SWAP */
#define IAP_LAYOUT_TEST_BOOTS 1
#define IAP_LAYOUT_SIGNED     1 /* signed images only */

#define IAP_LAYOUT_RAM_ADDR    0x20000000
#define IAP_LAYOUT_RAM_SIZE    0x20000
#define IAP_LAYOUT_NOINIT_SIZE 16

/* CCM RAM: an application may put its stack there. */
#define IAP_LAYOUT_RAM2_ADDR 0x10000000
#define IAP_LAYOUT_RAM2_SIZE 0x10000

/* Images for any board (0) or this one. */
#define IAP_LAYOUT_BOARD_ID 0x0407F400

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS \
	{0x08000000, 0x4000, 4}, {0x08010000, 0x10000, 1}, {0x08020000, 0x20000, 7}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
