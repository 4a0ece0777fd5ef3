/*
 * blink - STM32F1 hardware: the LED pin and USART1 on PA9 (RM0008).
 */
#include "board.h"
#include "f1_regs.h"
#include "hw.h"
#include "usart_regs.h"

#define LED_GPIO (GPIOA_BASE + 0x400u * BOARD_LED_PORT)

static void pin_mode(uint32_t port, uint32_t pin, uint32_t cnf_mode)
{
	volatile uint32_t *cr = pin < 8u ? &GPIO_CRL(port) : &GPIO_CRH(port);
	uint32_t shift = 4u * (pin % 8u);

	*cr = (*cr & ~(0xFu << shift)) | (cnf_mode << shift);
}

void blink_hw_init(void)
{
	RCC_APB2ENR |= RCC_APB2_IOP(BOARD_LED_PORT) | RCC_APB2ENR_IOPAEN |
		       RCC_APB2ENR_USART1EN;
	(void)RCC_APB2ENR;
	blink_led(0);
	pin_mode(LED_GPIO, BOARD_LED_PIN, GPIO_CNF_MODE_OUT_PP);
	pin_mode(GPIOA_BASE, 9u, GPIO_CNF_MODE_AF_PP);
	USART_BRR(USART1_BASE) = USART_BRR_VALUE(STM32_HSI_HZ, 115200u);
	USART_CR1(USART1_BASE) = USART_CR1_UE | USART_CR1_TE;
}

void blink_led(int on)
{
	int high = BOARD_LED_ACTIVE_LOW ? !on : on;

	/* BSRR: the low half sets pins, the high half resets them. */
	GPIO_BSRR(LED_GPIO) = (1u << BOARD_LED_PIN) << (high ? 0 : 16);
}

void blink_putc(char c)
{
	/* Bounded: a dead USART must not stop the blinking. */
	for (uint32_t spins = 0x10000u; spins; spins--) {
		if (USART_SR(USART1_BASE) & USART_SR_TXE) {
			USART_DR(USART1_BASE) = (uint8_t)c;
			return;
		}
	}
}

void blink_rx_init(void)
{
	pin_mode(GPIOA_BASE, 10u, GPIO_CNF_MODE_IN_FLOAT);
	USART_CR1(USART1_BASE) |= USART_CR1_RE;
}

int blink_getc(void)
{
	if (!(USART_SR(USART1_BASE) & USART_SR_RXNE)) {
		return -1;
	}
	return (int)(USART_DR(USART1_BASE) & 0xFFu);
}
