/*
 * iapboot - USART1 of any STM32F1/F4: the register block is the same on
 * both (RM0008 27.6, RM0090 30.6); only its clocks, pins and DMA differ
 * (serial_f1.c, serial_f4.c).
 *
 * Reception runs by DMA into a circular ring, so bytes keep arriving while
 * the CPU is stalled on a flash erase; iap_port_rx() only moves the ring's
 * tail. If the DMA does not respond (QEMU does not model it), reception
 * falls back to polling the data register, which is enough where flash
 * operations do not stall the CPU.
 */
#include "iap/iap_err.h"
#include "iap/iap_port.h"
#include "stm32_port.h"
#include "usart_regs.h"

/* Not zeroed at reset (image.ld.in): the DMA writes before anything reads. */
static volatile uint8_t stm32_ring[IAP_CFG_RX_RING]
	__attribute__((section(".ram_noinit.rx_ring")));
static uint32_t stm32_ring_tail;
static uint8_t stm32_rx_polled;
static uint32_t stm32_usart_pclk;

void stm32_usart_init(uint32_t pclk)
{
	stm32_serial_hw_init();
	stm32_usart_pclk = pclk;
	USART_BRR(STM32_USART) = USART_BRR_VALUE(pclk, IAP_CFG_BAUD);
	USART_CR3(STM32_USART) = USART_CR3_DMAR;
	stm32_ring_tail = 0;
	stm32_rx_polled = stm32_dma_rx_start(stm32_ring, IAP_CFG_RX_RING) != 0;
	USART_CR1(STM32_USART) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void stm32_usart_deinit(void)
{
	/* The answer to BOOT is still on the wire when the loader jumps. */
	(void)stm32_wait(&USART_SR(STM32_USART), USART_SR_TC, USART_SR_TC,
			 STM32_SPINS_UART);
	stm32_serial_hw_deinit();
}

int stm32_usart_set_baud(void *ctx, uint32_t baud, int apply)
{
	uint32_t brr, actual, diff;

	(void)ctx;
	if (!baud || !stm32_usart_pclk) {
		return IAP_ERR_NOTSUP;
	}
	brr = USART_BRR_VALUE(stm32_usart_pclk, baud);
	if (brr < 16u || brr > 0xFFFFu) {
		return IAP_ERR_NOTSUP; /* USARTDIV below 1 or over the field */
	}
	actual = stm32_usart_pclk / brr;
	diff = actual > baud ? actual - baud : baud - actual;
	if (diff > baud / 50u) {
		return IAP_ERR_NOTSUP; /* more than 2 % off: bytes would break
					*/
	}
	if (apply) {
		/* RM0008 27.3.4: BRR must not change while a byte is going. */
		(void)stm32_wait(&USART_SR(STM32_USART), USART_SR_TC,
				 USART_SR_TC, STM32_SPINS_UART);
		USART_BRR(STM32_USART) = brr;
	}
	return 0;
}

static size_t stm32_rx_poll(uint8_t *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap && (USART_SR(STM32_USART) & USART_SR_RXNE)) {
		buf[n++] = (uint8_t)USART_DR(STM32_USART);
	}
	return n;
}

size_t iap_port_rx(uint8_t *buf, size_t cap)
{
	uint32_t head;
	size_t n = 0;

	if (stm32_rx_polled) {
		return stm32_rx_poll(buf, cap);
	}
	head = stm32_dma_rx_head();
	while (stm32_ring_tail != head && n < cap) {
		buf[n++] = stm32_ring[stm32_ring_tail];
		if (++stm32_ring_tail == IAP_CFG_RX_RING) {
			stm32_ring_tail = 0;
		}
	}
	return n;
}

int iap_port_tx(const uint8_t *data, size_t len)
{
	while (len--) {
		if (stm32_wait(&USART_SR(STM32_USART), USART_SR_TXE,
			       USART_SR_TXE, STM32_SPINS_UART)) {
			return IAP_ERR_IO;
		}
		USART_DR(STM32_USART) = *data++;
	}
	return 0;
}
