/*
 * iapboot - QEMU's netduinoplus2 (STM32F405RG) for the STM32 port, clocked
 * like the F4DISCOVERY. QEMU models neither RCC nor the flash controller
 * nor DMA: the clock code falls back to the 16 MHz HSI, reception to
 * polling (see usart.c). USART1 on PA9/PA10 as on the Netduino's header;
 * its LED is on PA10 too, so the blink example's LED goes to PB1 (not
 * wired, QEMU does not model GPIO anyway).
 */
#ifndef IAP_BOARD_H
#define IAP_BOARD_H

#include "layout.h"

#define STM32_FAMILY_F4 1
#define BOARD_NAME	"qemu-f4"

#define STM32_HSI_HZ	 16000000u
#define F4_PLLM		 8
#define F4_PLLN		 336
#define F4_PLLP		 2
#define F4_PLLQ		 7
#define F4_SYSCLK_HZ	 168000000u
#define F4_FLASH_LATENCY 5

#define F4_USART_PORT	0 /* A */
#define F4_USART_TX_PIN 9
#define F4_USART_RX_PIN 10

#define IAP_CFG_RX_RING	    2048
#define IAP_CFG_MAX_PAYLOAD 4100

#define BOARD_LED_PORT	     1 /* B */
#define BOARD_LED_PIN	     1
#define BOARD_LED_ACTIVE_LOW 0

#endif /* IAP_BOARD_H */
