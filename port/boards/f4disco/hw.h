/*
 * iapboot - the STM32F4DISCOVERY's hardware for the STM32 port: an
 * STM32F407VG with an 8 MHz crystal, USART1 on PB6 (TX) / PB7 (RX) (PA9 is
 * taken by the USB VBUS sense on this board), the green LED on PD12.
 * Shared by every f4disco board directory (f4disco, and its variants with
 * other layouts or settings): each board.h names its board, sets what
 * differs, then includes this file.
 */
#ifndef IAP_BOARD_HW_F4DISCO_H
#define IAP_BOARD_HW_F4DISCO_H

#define STM32_FAMILY_F4 1

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

#define BOARD_LED_PORT	     3 /* D */
#define BOARD_LED_PIN	     12
#define BOARD_LED_ACTIVE_LOW 0

#endif /* IAP_BOARD_HW_F4DISCO_H */
