/*
 * iapboot - USART1 of the STM32F4: clocks, the board's pins (alternate
 * function 7) and DMA2 stream 2 channel 4, one of the two streams its RX
 * request is wired to (RM0090 10.3.3, DMA2 request mapping).
 *
 * The receive ring is the two halves of one array in double-buffer mode
 * (RM0090 10.3.9): NDTR counts at most 65535 items, so one circular buffer
 * holds at most 64 KiB - 1, less than a 921600 baud line carries through a
 * 1 s sector erase (92 KB). With DBM the stream fills M0AR's half, then
 * M1AR's, and back, with CT telling which one it is in.
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

#define F4_RX_DMA_STREAM 2u
#define F4_RX_DMA_CH	 4u
#define F4_USART_GPIO	 GPIO_PORT_BASE(F4_USART_PORT)

/* Offset of the USART data register (RM0090 30.6.2). */
#define F4_USART_DR (STM32_USART + 0x04u)

#define F4_RX_HALF (IAP_CFG_RX_RING / 2u)

#if IAP_CFG_RX_RING % 2 != 0 || F4_RX_HALF > 65535
#error "IAP_CFG_RX_RING: two halves of at most 65535 bytes each (NDTR)"
#endif

/* The stream's flag-clear register: LIFCR for 0..3, HIFCR for 4..7. */
#define F4_DMA_IFCR (F4_RX_DMA_STREAM < 4u ? &DMA_LIFCR : &DMA_HIFCR)

static void f4_pin_af7(uint32_t pin)
{
	volatile uint32_t *afr = pin < 8u ? &GPIO_AFRL(F4_USART_GPIO)
					  : &GPIO_AFRH(F4_USART_GPIO);
	uint32_t shift = 4u * (pin % 8u);

	*afr = (*afr & ~(0xFu << shift)) | (GPIO_AF7_USART1 << shift);
	GPIO_MODER(F4_USART_GPIO) =
		(GPIO_MODER(F4_USART_GPIO) & ~(3u << 2u * pin)) |
		(GPIO_MODER_AF << 2u * pin);
}

void stm32_serial_hw_init(void)
{
	RCC_AHB1ENR |= RCC_AHB1_GPIO(F4_USART_PORT) | RCC_AHB1ENR_DMA2EN;
	RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
	/* Errata ES0182: a peripheral is not clocked for two cycles after its
	 * enable bit is set; reading the register back covers them. */
	(void)RCC_APB2ENR;
	f4_pin_af7(F4_USART_TX_PIN);
	f4_pin_af7(F4_USART_RX_PIN);
	/* Pull-up on RX: an unconnected line reads idle, not noise. */
	GPIO_PUPDR(F4_USART_GPIO) =
		(GPIO_PUPDR(F4_USART_GPIO) & ~(3u << 2u * F4_USART_RX_PIN)) |
		(GPIO_PUPDR_PULLUP << 2u * F4_USART_RX_PIN);
}

int stm32_dma_rx_start(volatile uint8_t *ring, uint32_t size)
{
	DMA_SxCR(F4_RX_DMA_STREAM) = 0;
	/* A stream takes its new settings only once EN reads back 0. */
	if (stm32_wait(&DMA_SxCR(F4_RX_DMA_STREAM), DMA_SxCR_EN, 0,
		       STM32_SPINS_UART)) {
		return IAP_ERR_NOTSUP;
	}
	*F4_DMA_IFCR = DMA_IFCR_ALL(F4_RX_DMA_STREAM);
	DMA_SxPAR(F4_RX_DMA_STREAM) = F4_USART_DR;
	DMA_SxM0AR(F4_RX_DMA_STREAM) = (uint32_t)(uintptr_t)ring;
	DMA_SxM1AR(F4_RX_DMA_STREAM) = (uint32_t)(uintptr_t)&ring[size / 2u];
	DMA_SxNDTR(F4_RX_DMA_STREAM) = size / 2u;
	DMA_SxFCR(F4_RX_DMA_STREAM) = DMA_SxFCR_RESET; /* direct mode */
	/* Peripheral to memory, bytes, memory increment, double buffer
	 * (circular is implied). */
	DMA_SxCR(F4_RX_DMA_STREAM) =
		DMA_SxCR_CHSEL(F4_RX_DMA_CH) | DMA_SxCR_PL_HIGH | DMA_SxCR_DBM |
		DMA_SxCR_MINC | DMA_SxCR_CIRC | DMA_SxCR_EN;
	return (DMA_SxCR(F4_RX_DMA_STREAM) & DMA_SxCR_EN) ? 0 : IAP_ERR_NOTSUP;
}

/*
 * NDTR counts down through a half and reloads as CT flips: read CT on
 * both sides of NDTR so the pair belongs together. A 0 read at the flip
 * is the end of the half, the same place as the start of the next.
 */
uint32_t stm32_dma_rx_head(void)
{
	uint32_t ct, left;

	do {
		ct = DMA_SxCR(F4_RX_DMA_STREAM) & DMA_SxCR_CT;
		left = DMA_SxNDTR(F4_RX_DMA_STREAM);
	} while ((DMA_SxCR(F4_RX_DMA_STREAM) & DMA_SxCR_CT) != ct);
	left = (ct ? IAP_CFG_RX_RING : F4_RX_HALF) - left;
	return left < IAP_CFG_RX_RING ? left : 0u;
}

void stm32_serial_hw_deinit(void)
{
	const uint32_t ahb1 =
		RCC_AHB1_GPIO(F4_USART_PORT) | RCC_AHB1RSTR_DMA2RST;

	DMA_SxCR(F4_RX_DMA_STREAM) = 0;
	(void)stm32_wait(&DMA_SxCR(F4_RX_DMA_STREAM), DMA_SxCR_EN, 0,
			 STM32_SPINS_UART);
	RCC_AHB1RSTR |= ahb1;
	RCC_AHB1RSTR &= ~ahb1;
	RCC_APB2RSTR |= RCC_APB2RSTR_USART1RST;
	RCC_APB2RSTR &= ~RCC_APB2RSTR_USART1RST;
	RCC_AHB1ENR &= ~(RCC_AHB1_GPIO(F4_USART_PORT) | RCC_AHB1ENR_DMA2EN);
	RCC_APB2ENR &= ~RCC_APB2ENR_USART1EN;
}
