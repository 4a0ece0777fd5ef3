/*
 * iapboot - memory layout of f4disco-wrp, the same as f4disco's (sector 0,
 * the bootloader, is what IAP_CFG_WRP protects). STM32F407VG: 1 MiB of
 * flash in sectors of 4 x 16 KiB, 1 x 64 KiB, 7 x 128 KiB; 128 KiB of SRAM
 * at 0x20000000 and 64 KiB of CCM RAM at 0x10000000 (the bootloader does
 * not use it; an application's initial stack may be there). The
 * same layout as the simulator's f407vg board (port/sim/sim_boards.c).
 *
 * This file is the only place the addresses are written (see
 * port/boards/bluepill/layout.h for how it is used). Plain numbers only.
 *
 *   0x08000000  bootloader   sector 0      16 KiB
 *   0x08004000  meta         sector 1      16 KiB
 *   0x08008000  application  sectors 2-11  992 KiB
 */
#ifndef IAP_BOARD_LAYOUT_H
#define IAP_BOARD_LAYOUT_H

#define IAP_LAYOUT_FLASH_BASE 0x08000000
#define IAP_LAYOUT_FLASH_SIZE 0x100000
#define IAP_LAYOUT_WRITE_SIZE 4 /* x32 parallelism, 2.7 V .. 3.6 V */

#define IAP_LAYOUT_BOOT_ADDR 0x08000000
#define IAP_LAYOUT_BOOT_SIZE 0x4000
#define IAP_LAYOUT_META_ADDR 0x08004000
#define IAP_LAYOUT_META_SIZE 0x4000
#define IAP_LAYOUT_APP_ADDR  0x08008000
#define IAP_LAYOUT_APP_SIZE  0xF8000

#define IAP_LAYOUT_RAM_ADDR    0x20000000
#define IAP_LAYOUT_RAM_SIZE    0x20000
#define IAP_LAYOUT_NOINIT_SIZE 16

/* CCM RAM: an application may put its stack there. */
#define IAP_LAYOUT_RAM2_ADDR 0x10000000
#define IAP_LAYOUT_RAM2_SIZE 0x10000

#define IAP_LAYOUT_BOARD_ID 0

/* Flash geometry as struct iap_flash_region initialisers: addr, size, count */
/* clang-format off */
#define IAP_LAYOUT_REGIONS \
	{0x08000000, 0x4000, 4}, {0x08010000, 0x10000, 1}, {0x08020000, 0x20000, 7}
/* clang-format on */

#endif /* IAP_BOARD_LAYOUT_H */
