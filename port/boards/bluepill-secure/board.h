/*
 * iapboot - the Blue Pill's hardware with an STM32F103CB (128 KiB of
 * flash; many Blue Pills carry one) and the secure layout: signed images
 * only, swap with revert, anti-rollback record (layout.h). The hardware is
 * the bluepill board's.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F1 1
#define BOARD_NAME	"bluepill-secure"

#define STM32_HSI_HZ	 8000000u
#define F1_PLLMUL	 9 /* 8 MHz HSE x 9 = 72 MHz */
#define F1_SYSCLK_HZ	 72000000u
#define F1_FLASH_LATENCY 2 /* 48 MHz < SYSCLK <= 72 MHz (RM0008 3.3.3) */

#define IAP_CFG_RX_RING	    4096
#define IAP_CFG_MAX_PAYLOAD 1028 /* 1 KiB of data per WRITE + offset */
#define IAP_CFG_MENU	    0	 /* the protocol only */

#define BOARD_LED_PORT	     2 /* C */
#define BOARD_LED_PIN	     13
#define BOARD_LED_ACTIVE_LOW 1

#endif /* IAP_BOARD_H */
