/*
 * iapboot - memory layout of QEMU's stm32vldiscovery machine, an
 * STM32F100RB: 128 KiB of flash in 1 KiB pages, 8 KiB of SRAM. The
 * bootloader and meta addresses are the Blue Pill's, so that the tests
 * exercise the same numbers.
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader    15 KiB
 *   0x08003C00  meta           1 KiB
 *   0x08004000  application  112 KiB
 *   0x20000000  request word, then RAM
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x20000
#define IAP_LAYOUT_WRITE_SIZE 2

#define IAP_LAYOUT_BOOT_ADDR 0x08000000
#define IAP_LAYOUT_BOOT_SIZE 0x3C00
#define IAP_LAYOUT_META_ADDR 0x08003C00
#define IAP_LAYOUT_META_SIZE 0x400
#define IAP_LAYOUT_APP_ADDR  0x08004000
#define IAP_LAYOUT_APP_SIZE  0x1C000

#define IAP_LAYOUT_RAM_ADDR    0x20000000
#define IAP_LAYOUT_RAM_SIZE    0x2000
#define IAP_LAYOUT_NOINIT_SIZE 16

#define IAP_LAYOUT_BOARD_ID 0

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS {0x08000000, 0x400, 128}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
