/*
 * iapboot - the Blue Pill's hardware for the STM32 port: an STM32F103C8
 * with an 8 MHz crystal, USART1 on PA9 (TX) / PA10 (RX), the LED on PC13
 * (lit when low). The bluepill board's hardware; only the layout differs
 * (layout.h: staging slot and swap install).
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F1 1
#define BOARD_NAME	"bluepill-swap"

#define STM32_HSI_HZ	 8000000u
#define F1_PLLMUL	 9 /* 8 MHz HSE x 9 = 72 MHz */
#define F1_SYSCLK_HZ	 72000000u
#define F1_FLASH_LATENCY 2 /* 48 MHz < SYSCLK <= 72 MHz (RM0008 3.3.3) */

/*
 * Receive ring: at 115200 baud, 512 bytes are 44 ms of line, longer than a
 * 1 KiB page erase (20-40 ms); the host waits for each answer anyway.
 */
#define IAP_CFG_RX_RING	    512
#define IAP_CFG_MAX_PAYLOAD 1028 /* 1 KiB of data per WRITE + offset */

#define BOARD_LED_PORT	     2 /* C */
#define BOARD_LED_PIN	     13
#define BOARD_LED_ACTIVE_LOW 1

#endif /* IAP_BOARD_H */
