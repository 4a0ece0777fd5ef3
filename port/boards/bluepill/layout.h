/*
 * iapboot - memory layout of the STM32F103C8 "Blue Pill": 64 KiB of flash
 * in 1 KiB pages, 20 KiB of SRAM. The same layout as the simulator's
 * f103c8 board (port/sim/sim_boards.c).
 *
 * This file is the only place the addresses are written: the C code
 * includes it, and the bootloader's and the application's linker scripts
 * are generated from port/stm32/image.ld.in by the C preprocessor. Plain
 * numbers only (no casts, no U suffixes), so that both can read them.
 *
 *   0x08000000  bootloader   15 KiB
 *   0x08003C00  meta          1 KiB   metadata record of the installed image
 *   0x08004000  application  48 KiB   VTOR = 0x08004000
 *   0x20000000  request word (RAM, kept over a reset), then RAM
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x10000
#define IAP_LAYOUT_WRITE_SIZE 2 /* half-word programming */

#define IAP_LAYOUT_BOOT_ADDR 0x08000000
#define IAP_LAYOUT_BOOT_SIZE 0x3C00
#define IAP_LAYOUT_META_ADDR 0x08003C00
#define IAP_LAYOUT_META_SIZE 0x400
#define IAP_LAYOUT_APP_ADDR  0x08004000
#define IAP_LAYOUT_APP_SIZE  0xC000

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
