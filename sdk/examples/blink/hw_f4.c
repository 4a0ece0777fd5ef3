/*
 * blink - STM32F4 hardware: the LED pin and USART1 on the board's TX pin
 * (RM0090).
 */
#include "board.h"
#include "f4_regs.h"
#include "hw.h"
#include "usart_regs.h"

#define LED_GPIO  (GPIOA_BASE + 0x400u * BOARD_LED_PORT)
#define UART_GPIO (GPIOA_BASE + 0x400u * F4_USART_PORT)

static void pin_mode(uint32_t port, uint32_t pin, uint32_t mode)
{
	GPIO_MODER(port) =
		(GPIO_MODER(port) & ~(3u << 2u * pin)) | (mode << 2u * pin);
}

void blink_hw_init(void)
{
	volatile uint32_t *afr = F4_USART_TX_PIN < 8u ? &GPIO_AFRL(UART_GPIO)
						      : &GPIO_AFRH(UART_GPIO);
	uint32_t shift = 4u * (F4_USART_TX_PIN % 8u);

	RCC_AHB1ENR |=
		RCC_AHB1_GPIO(BOARD_LED_PORT) | RCC_AHB1_GPIO(F4_USART_PORT);
	RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
	(void)RCC_APB2ENR;
	blink_led(0);
	pin_mode(LED_GPIO, BOARD_LED_PIN, GPIO_MODER_OUTPUT);
	*afr = (*afr & ~(0xFu << shift)) | (GPIO_AF7_USART1 << shift);
	pin_mode(UART_GPIO, F4_USART_TX_PIN, GPIO_MODER_AF);
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
	volatile uint32_t *afr = F4_USART_RX_PIN < 8u ? &GPIO_AFRL(UART_GPIO)
						      : &GPIO_AFRH(UART_GPIO);
	uint32_t shift = 4u * (F4_USART_RX_PIN % 8u);

	*afr = (*afr & ~(0xFu << shift)) | (GPIO_AF7_USART1 << shift);
	pin_mode(UART_GPIO, F4_USART_RX_PIN, GPIO_MODER_AF);
	USART_CR1(USART1_BASE) |= USART_CR1_RE;
}

int blink_getc(void)
{
	if (!(USART_SR(USART1_BASE) & USART_SR_RXNE)) {
		return -1;
	}
	return (int)(USART_DR(USART1_BASE) & 0xFFu);
}
