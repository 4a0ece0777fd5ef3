/*
 * iapboot - STM32F4 clock tree (RM0090 7.2): SYSCLK from the main PLL fed
 * by the HSE crystal, AHB undivided, APB1 / 4, APB2 / 2; or the 16 MHz HSI
 * when the crystal or the PLL does not come up. Every wait is bounded:
 * QEMU's RCC reads 0, so on QEMU the bootloader runs on the HSI.
 *
 * The voltage regulator is left at its reset scale 1, which 168 MHz needs
 * on the F405/407.
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

static int f4_pll_start(void)
{
	RCC_CR |= RCC_CR_HSEON;
	if (stm32_wait(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY,
		       STM32_SPINS_OSC)) {
		return IAP_ERR_TIMEDOUT;
	}
	RCC_PLLCFGR = RCC_PLLCFGR_PLLM(F4_PLLM) | RCC_PLLCFGR_PLLN(F4_PLLN) |
		      RCC_PLLCFGR_PLLP(F4_PLLP) | RCC_PLLCFGR_PLLQ(F4_PLLQ) |
		      RCC_PLLCFGR_PLLSRC;
	RCC_CR |= RCC_CR_PLLON;
	if (stm32_wait(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY,
		       STM32_SPINS_OSC)) {
		return IAP_ERR_TIMEDOUT;
	}
	/*
	 * Wait states first. No data cache: it would keep serving what the
	 * flash held before an erase or a program (RM0090, ART accelerator).
	 */
	FLASH_ACR = FLASH_ACR_LATENCY(F4_FLASH_LATENCY) | FLASH_ACR_PRFTEN |
		    FLASH_ACR_ICEN;
	RCC_CFGR = RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2 | RCC_CFGR_SW_PLL;
	return stm32_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL,
			  STM32_SPINS_OSC);
}

void stm32_clock_init(struct stm32_clocks *c)
{
	if (f4_pll_start() == 0) {
		c->hclk = F4_SYSCLK_HZ;
		c->pclk_usart = F4_SYSCLK_HZ / 2u;
		return;
	}
	stm32_clock_deinit();
	c->hclk = STM32_HSI_HZ;
	c->pclk_usart = STM32_HSI_HZ;
}

void stm32_clock_deinit(void)
{
	RCC_CFGR &= ~RCC_CFGR_SW_MASK;
	(void)stm32_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_HSI,
			 STM32_SPINS_OSC);
	RCC_CFGR = 0;
	/* PLLCFGR is written only with the PLL stopped (RM0090 7.3.2): stop
	 * it, wait until PLLRDY says it is, then reset its configuration. */
	RCC_CR &= ~RCC_CR_PLLON;
	(void)stm32_wait(&RCC_CR, RCC_CR_PLLRDY, 0, STM32_SPINS_OSC);
	RCC_CR &= ~(RCC_CR_CSSON | RCC_CR_HSEON);
	RCC_PLLCFGR = RCC_PLLCFGR_RESET;
	/* The instruction cache may hold bootloader code: reset it too. */
	FLASH_ACR = 0;
	FLASH_ACR = FLASH_ACR_ICRST;
	FLASH_ACR = 0;
}
