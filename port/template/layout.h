/*
 * iapboot port template - a board's memory layout. Copy this file to
 * port/boards/<board>/layout.h and put in your chip's numbers.
 *
 * It is the only place the addresses are written: the C code includes it,
 * and the bootloader's and the application's linker scripts are generated
 * from port/stm32/image.ld.in (or your own template) by the C
 * preprocessor. So: plain numbers only, no casts, no U suffixes.
 *
 * Rules (checked by iap_layout_check() at run time, and by #error in
 * port/stm32/stm32_port.h at build time):
 *   - the bootloader starts at the flash base;
 *   - boot, meta and app each start and end on a sector boundary, so that
 *     erasing one never touches another;
 *   - meta holds at least IAP_META_MIN_SIZE (272) bytes;
 *   - the application is aligned for VTOR: its vector table size rounded
 *     up to a power of two (512 bytes covers every Cortex-M3/M4 STM32);
 *   - the first IAP_LAYOUT_NOINIT_SIZE bytes of RAM belong to neither
 *     program: the update request word lives there over a reset.
 *
 * The numbers below describe a made-up chip: 256 KiB of flash in 2 KiB
 * pages, 32 KiB of RAM, word programming.
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x40000
#define IAP_LAYOUT_WRITE_SIZE 4 /* smallest programmable unit, bytes */

#define IAP_LAYOUT_BOOT_ADDR 0x08000000
#define IAP_LAYOUT_BOOT_SIZE 0x3800 /* 14 KiB: the bootloader */
#define IAP_LAYOUT_META_ADDR 0x08003800
#define IAP_LAYOUT_META_SIZE 0x800 /* one page: the metadata record */
#define IAP_LAYOUT_APP_ADDR  0x08004000
#define IAP_LAYOUT_APP_SIZE  0x3C000

#define IAP_LAYOUT_RAM_ADDR 0x20000000
#define IAP_LAYOUT_RAM_SIZE 0x8000
/* The update request word and room for later ones: neither side's data. */
#define IAP_LAYOUT_NOINIT_SIZE 16

#define IAP_LAYOUT_BOARD_ID 0 /* 0: accept images built for any board */

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count.
 * Non-uniform sectors are several runs: {a, 16K, 4}, {b, 64K, 1}, ... */
/* clang-format off */
#define IAP_LAYOUT_REGIONS {0x08000000, 0x800, 128}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
