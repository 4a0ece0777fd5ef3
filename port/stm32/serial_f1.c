/*
 * iapboot - USART1 of the STM32F1: clocks, pins PA9 (TX) / PA10 (RX) with
 * no remap, and DMA1 channel 5, the channel its RX request is wired to
 * (RM0008 13.3.7, DMA1 request mapping).
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

#define F1_RX_DMA_CH 5u

#if IAP_CFG_RX_RING > 65535
#error "IAP_CFG_RX_RING: one DMA channel counts at most 65535 bytes (CNDTR)"
#endif
#define F1_TX_PIN 9u
#define F1_RX_PIN 10u

/* Offset of the USART data register (RM0008 27.6.2). */
#define F1_USART_DR (STM32_USART + 0x04u)

void stm32_serial_hw_init(void)
{
	uint32_t crh;

	RCC_APB2ENR |= RCC_APB2ENR_IOPAEN | RCC_APB2ENR_USART1EN;
	RCC_AHBENR |= RCC_AHBENR_DMA1EN;
	(void)RCC_APB2ENR; /* the enable takes effect before the next access */
	crh = GPIO_CRH(GPIOA_BASE);
	crh &= ~((0xFu << 4 * (F1_TX_PIN - 8u)) |
		 (0xFu << 4 * (F1_RX_PIN - 8u)));
	crh |= (GPIO_CNF_MODE_AF_PP << 4 * (F1_TX_PIN - 8u)) |
	       (GPIO_CNF_MODE_IN_PUPD << 4 * (F1_RX_PIN - 8u));
	GPIO_CRH(GPIOA_BASE) = crh;
	/* Pull-up on RX: an unconnected line reads idle, not noise. */
	GPIO_BSRR(GPIOA_BASE) = 1u << F1_RX_PIN;
}

int stm32_dma_rx_start(volatile uint8_t *ring, uint32_t size)
{
	DMA_CCR(F1_RX_DMA_CH) = 0;
	DMA_IFCR = DMA_IFCR_CGIF(F1_RX_DMA_CH);
	DMA_CPAR(F1_RX_DMA_CH) = F1_USART_DR;
	DMA_CMAR(F1_RX_DMA_CH) = (uint32_t)(uintptr_t)ring;
	DMA_CNDTR(F1_RX_DMA_CH) = size;
	/* Peripheral to memory, bytes, memory increment, circular. */
	DMA_CCR(F1_RX_DMA_CH) =
		DMA_CCR_PL_HIGH | DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_EN;
	return (DMA_CCR(F1_RX_DMA_CH) & DMA_CCR_EN) ? 0 : IAP_ERR_NOTSUP;
}

/* CNDTR counts down from the ring size and reloads at 0. */
uint32_t stm32_dma_rx_head(void)
{
	uint32_t left = DMA_CNDTR(F1_RX_DMA_CH);

	return left < IAP_CFG_RX_RING ? IAP_CFG_RX_RING - left : 0u;
}

void stm32_serial_hw_deinit(void)
{
	/* DMA1 has no reset bit on these parts: clear the channel by hand. */
	DMA_CCR(F1_RX_DMA_CH) = 0;
	DMA_CNDTR(F1_RX_DMA_CH) = 0;
	DMA_CPAR(F1_RX_DMA_CH) = 0;
	DMA_CMAR(F1_RX_DMA_CH) = 0;
	DMA_IFCR = DMA_IFCR_CGIF(F1_RX_DMA_CH);
	RCC_APB2RSTR |= RCC_APB2RSTR_USART1RST | RCC_APB2RSTR_IOPARST;
	RCC_APB2RSTR &= ~(RCC_APB2RSTR_USART1RST | RCC_APB2RSTR_IOPARST);
	RCC_APB2ENR &= ~(RCC_APB2ENR_IOPAEN | RCC_APB2ENR_USART1EN);
	RCC_AHBENR &= ~RCC_AHBENR_DMA1EN;
}
