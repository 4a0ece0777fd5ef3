/*
 * iapboot - the Blue Pill's hardware for the STM32 port: an STM32F103C8/CB
 * with an 8 MHz crystal, USART1 on PA9 (TX) / PA10 (RX), the LED on PC13
 * (lit when low).
 * Shared by every bluepill board directory (bluepill, and its variants with
 * other layouts or settings): each board.h names its board, sets what
 * differs, then includes this file.
 */
#ifndef IAP_BOARD_HW_BLUEPILL_H
#define IAP_BOARD_HW_BLUEPILL_H

#define STM32_FAMILY_F1 1

#define STM32_HSI_HZ	 8000000u
#define F1_PLLMUL	 9 /* 8 MHz HSE x 9 = 72 MHz */
#define F1_SYSCLK_HZ	 72000000u
#define F1_FLASH_LATENCY 2 /* 48 MHz < SYSCLK <= 72 MHz (RM0008 3.3.3) */

/*
 * Receive ring, filled by DMA while the CPU stalls on the flash: protocol
 * v2 keeps as many frames in flight as it holds (INFO window: 4096 / 1038
 * = 3), and at 921600 baud a 40 ms page erase is 3.7 KB of line.
 */
#define IAP_CFG_RX_RING	    4096
#define IAP_CFG_MAX_PAYLOAD 1028 /* 1 KiB of data per WRITE + offset */

#define BOARD_LED_PORT	     2 /* C */
#define BOARD_LED_PIN	     13
#define BOARD_LED_ACTIVE_LOW 1

#endif /* IAP_BOARD_HW_BLUEPILL_H */
