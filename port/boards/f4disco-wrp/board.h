/*
 * iapboot - the STM32F4DISCOVERY (f4disco's hardware: STM32F407VG, 8 MHz
 * crystal, USART1 on PB6/PB7, LED on PD12) with the bootloader
 * write-protecting its own sector 0 (IAP_CFG_WRP,
 * docs/WRITE_PROTECTION.md). The layout is f4disco's: the bootloader is
 * sector 0 exactly.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F4 1
#define BOARD_NAME	"f4disco-wrp"

#define STM32_HSI_HZ 16000000u
/* 8 MHz / M 8 x N 336 / P 2 = 168 MHz; / Q 7 = 48 MHz for USB */
#define F4_PLLM		 8
#define F4_PLLN		 336
#define F4_PLLP		 2
#define F4_PLLQ		 7
#define F4_SYSCLK_HZ	 168000000u
#define F4_FLASH_LATENCY 5 /* 150 MHz < HCLK <= 168 MHz at 2.7-3.6 V */

#define F4_USART_PORT	1 /* B */
#define F4_USART_TX_PIN 6
#define F4_USART_RX_PIN 7

/*
 * Receive ring, filled by DMA while the CPU stalls on the flash: a 128 KiB
 * sector erase takes 1-2 s, 92 KB of line at 921600 baud. Protocol v2
 * keeps as many frames in flight as it holds (INFO window: 98304 / 4110 =
 * 23), so the line need not stop for an erase. 96 KiB of the 128 KiB SRAM:
 * the DMA fills its two halves in double-buffer mode (serial_f4.c).
 */
#define IAP_CFG_RX_RING	    98304
#define IAP_CFG_MAX_PAYLOAD 4100 /* 4 KiB of data per WRITE + offset */
#define IAP_CFG_LZSS_WINDOW 4096 /* compressed transfers: 4 KiB window */

#define IAP_CFG_WRP 1 /* protect the bootloader's sector at start-up */

#define BOARD_LED_PORT	     3 /* D */
#define BOARD_LED_PIN	     12
#define BOARD_LED_ACTIVE_LOW 0

#endif /* IAP_BOARD_H */
