/*
 * iapboot - the Blue Pill (bluepill's hardware: STM32F103C8, 8 MHz crystal,
 * USART1 on PA9/PA10, LED on PC13) with the bootloader write-protecting
 * its own pages (IAP_CFG_WRP, docs/WRITE_PROTECTION.md). The layout gives
 * the bootloader 16 KiB, whole units of the F1's protection (layout.h).
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F1 1
#define BOARD_NAME	"bluepill-wrp"

#define STM32_HSI_HZ	 8000000u
#define F1_PLLMUL	 9 /* 8 MHz HSE x 9 = 72 MHz */
#define F1_SYSCLK_HZ	 72000000u
#define F1_FLASH_LATENCY 2 /* 48 MHz < SYSCLK <= 72 MHz (RM0008 3.3.3) */

/* As on bluepill: see port/boards/bluepill/board.h. */
#define IAP_CFG_RX_RING	    4096
#define IAP_CFG_MAX_PAYLOAD 1028 /* 1 KiB of data per WRITE + offset */

#define IAP_CFG_WRP 1 /* protect the bootloader's pages at start-up */

#define BOARD_LED_PORT	     2 /* C */
#define BOARD_LED_PIN	     13
#define BOARD_LED_ACTIVE_LOW 1

#endif /* IAP_BOARD_H */
