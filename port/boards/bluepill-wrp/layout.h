/*
 * iapboot - memory layout of the STM32F103C8 "Blue Pill" with the
 * bootloader's pages write-protected (IAP_CFG_WRP in board.h): 64 KiB of
 * flash in 1 KiB pages, 20 KiB of SRAM. One WRP bit of the F1 covers
 * 4 KiB, so the bootloader gets 16 KiB (WRP0 bits 0-3, pages 0-15) and
 * the metadata page, which it writes, starts past them.
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader   16 KiB   write-protected (pages 0-15)
 *   0x08004000  meta          1 KiB   metadata record of the installed image
 *   0x08004400  application  47 KiB   VTOR = 0x08004400
 *   0x20000000  request word (RAM, kept over a reset), then RAM
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x10000
#define IAP_LAYOUT_WRITE_SIZE 2 /* half-word programming */

#define IAP_LAYOUT_BOOT_ADDR 0x08000000
#define IAP_LAYOUT_BOOT_SIZE 0x4000
#define IAP_LAYOUT_META_ADDR 0x08004000
#define IAP_LAYOUT_META_SIZE 0x400
#define IAP_LAYOUT_APP_ADDR  0x08004400
#define IAP_LAYOUT_APP_SIZE  0xBC00

#define IAP_LAYOUT_RAM_ADDR 0x20000000
#define IAP_LAYOUT_RAM_SIZE 0x5000
/* The update request word and room for later ones: neither side's data. */
#define IAP_LAYOUT_NOINIT_SIZE 16

#define IAP_LAYOUT_BOARD_ID 0 /* accept images built for any board */

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS {0x08000000, 0x400, 64}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
