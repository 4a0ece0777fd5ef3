/*
 * iapboot - the Blue Pill (STM32F103C8: 64 KiB of flash in 1 KiB pages,
 * 20 KiB of SRAM) with a staging slot and the swap install: an update is
 * received into the staging slot while the installed application stays
 * bootable; at the next boot the bootloader swaps the two slots page by
 * page, recording each step in the journal, so a power cut is resumed.
 * The scratch is the page right behind the application slot: the swap
 * moves the installed image up into it one page, then exchanges the
 * slots, and no page is erased more than twice per update. The new image
 * then runs on trial and is swapped back unless it confirms itself
 * (docs/DESIGN.md, "Swap with revert").
 * The hardware is the bluepill board's.
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader   16 KiB   about 13 KiB with the swap code
 *                                     and the decompressor (no menu)
 *   0x08004000  meta          1 KiB   record and trial flags of the
 *                                     installed image
 *   0x08004400  application  22 KiB   VTOR = 0x08004400
 *   0x08009C00  scratch       1 KiB   the page the application moves into
 *   0x0800A000  stage meta    1 KiB   record and flags of the staged image
 *   0x0800A400  stage        22 KiB   same size as the application slot
 *   0x0800FC00  journal       1 KiB   both headers and the step flags
 *                                     (528 + 4 x (3 x 22 + 1) = 796 B)
 *   0x20000000  request word and boot record (RAM, kept over a reset)
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x10000
#define IAP_LAYOUT_WRITE_SIZE 2 /* half-word programming */

#define IAP_LAYOUT_BOOT_ADDR	   0x08000000
#define IAP_LAYOUT_BOOT_SIZE	   0x4000
#define IAP_LAYOUT_META_ADDR	   0x08004000
#define IAP_LAYOUT_META_SIZE	   0x400
#define IAP_LAYOUT_APP_ADDR	   0x08004400
#define IAP_LAYOUT_APP_SIZE	   0x5800
#define IAP_LAYOUT_STAGE_META_ADDR 0x0800A000
#define IAP_LAYOUT_STAGE_META_SIZE 0x400
#define IAP_LAYOUT_STAGE_ADDR	   0x0800A400
#define IAP_LAYOUT_STAGE_SIZE	   0x5800
#define IAP_LAYOUT_SCRATCH_ADDR	   0x08009C00
#define IAP_LAYOUT_SCRATCH_SIZE	   0x400
#define IAP_LAYOUT_JOURNAL_ADDR	   0x0800FC00
#define IAP_LAYOUT_JOURNAL_SIZE	   0x400

#define IAP_LAYOUT_INSTALL    2 /* IAP_INSTALL_SWAP */
#define IAP_LAYOUT_TEST_BOOTS 1 /* boots a new image gets to confirm itself */

#define IAP_LAYOUT_RAM_ADDR    0x20000000
#define IAP_LAYOUT_RAM_SIZE    0x5000
#define IAP_LAYOUT_NOINIT_SIZE 16

#define IAP_LAYOUT_BOARD_ID 0

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS {0x08000000, 0x400, 64}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
