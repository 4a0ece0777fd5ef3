/*
 * iapboot - a Blue Pill with an STM32F103CB (128 KiB of flash in 1 KiB
 * pages, 20 KiB of SRAM) that runs signed images only: the bootloader
 * holds the public keys of the build's key table (IAP_FW_KEYS, by default
 * the public sample key) and checks the Ed25519 signature on receipt,
 * before an install and at every boot; an anti-rollback record refuses
 * images with a security counter below that of the last confirmed one.
 * Updates are staged and swapped in by moving, with revert, as on
 * bluepill-swap (docs/DESIGN.md, docs/SIGNING.md). The same layout as the
 * simulator's f103cb-secure board.
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader   24 KiB
 *   0x08006000  meta          1 KiB   record and trial flags
 *   0x08006400  rollback      2 KiB   anti-rollback record (two pages)
 *   0x08006C00  application  48 KiB   VTOR = 0x08006C00
 *   0x08012C00  scratch       1 KiB   the page the application moves into
 *   0x08013000  stage meta    1 KiB
 *   0x08013400  stage        48 KiB
 *   0x0801F400  journal       2 KiB
 *   0x0801FC00  (unused)      1 KiB
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x20000
#define IAP_LAYOUT_WRITE_SIZE 2 /* half-word programming */

#define IAP_LAYOUT_BOOT_ADDR	   0x08000000
#define IAP_LAYOUT_BOOT_SIZE	   0x6000
#define IAP_LAYOUT_META_ADDR	   0x08006000
#define IAP_LAYOUT_META_SIZE	   0x400
#define IAP_LAYOUT_ROLLBACK_ADDR   0x08006400
#define IAP_LAYOUT_ROLLBACK_SIZE   0x800
#define IAP_LAYOUT_APP_ADDR	   0x08006C00
#define IAP_LAYOUT_APP_SIZE	   0xC000
#define IAP_LAYOUT_SCRATCH_ADDR	   0x08012C00
#define IAP_LAYOUT_SCRATCH_SIZE	   0x400
#define IAP_LAYOUT_STAGE_META_ADDR 0x08013000
#define IAP_LAYOUT_STAGE_META_SIZE 0x400
#define IAP_LAYOUT_STAGE_ADDR	   0x08013400
#define IAP_LAYOUT_STAGE_SIZE	   0xC000
#define IAP_LAYOUT_JOURNAL_ADDR	   0x0801F400
#define IAP_LAYOUT_JOURNAL_SIZE	   0x800

#define IAP_LAYOUT_INSTALL    2 /* IAP_INSTALL_SWAP */
#define IAP_LAYOUT_TEST_BOOTS 1
#define IAP_LAYOUT_SIGNED     1 /* signed images only */

#define IAP_LAYOUT_RAM_ADDR    0x20000000
#define IAP_LAYOUT_RAM_SIZE    0x5000
#define IAP_LAYOUT_NOINIT_SIZE 16

/* Images for any board (0) or this one. */
#define IAP_LAYOUT_BOARD_ID 0x0103CB00

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS {0x08000000, 0x400, 128}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
