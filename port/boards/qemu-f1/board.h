/*
 * iapboot - QEMU's stm32vldiscovery (STM32F100RB) for the STM32 port. The
 * value line runs at 24 MHz at most: 8 MHz HSE x 3, no flash wait states.
 * QEMU models neither RCC nor the flash controller nor DMA: the clock code
 * falls back to the 8 MHz HSI, reception to polling (see usart.c).
 * LED: the blue one on PC8.
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F1 1
#define BOARD_NAME	"qemu-f1"

#define STM32_HSI_HZ	 8000000u
#define F1_PLLMUL	 3
#define F1_SYSCLK_HZ	 24000000u
#define F1_FLASH_LATENCY 0

#define IAP_CFG_RX_RING	    512
#define IAP_CFG_MAX_PAYLOAD 1028

#define BOARD_LED_PORT	     2 /* C */
#define BOARD_LED_PIN	     8
#define BOARD_LED_ACTIVE_LOW 0

#endif /* IAP_BOARD_H */
