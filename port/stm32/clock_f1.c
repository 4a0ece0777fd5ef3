/*
 * iapboot - STM32F1 clock tree (RM0008 7.2): SYSCLK from the PLL fed by the
 * HSE crystal, or the 8 MHz HSI when the crystal or the PLL does not come
 * up. Every wait is bounded: QEMU's RCC reads 0, so on QEMU the HSE never
 * reports ready and the bootloader runs on the HSI.
 */
#include "iap/iap_err.h"
#include "stm32_port.h"

#if F1_SYSCLK_HZ > 36000000u
#define F1_CFGR_PPRE1 RCC_CFGR_PPRE1_DIV2 /* APB1 runs at 36 MHz at most */
#else
#define F1_CFGR_PPRE1 0u
#endif

static int f1_pll_start(void)
{
	RCC_CR |= RCC_CR_HSEON;
	if (stm32_wait(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY,
		       STM32_SPINS_OSC)) {
		return IAP_ERR_TIMEDOUT;
	}
	RCC_CFGR = RCC_CFGR_PLLSRC | RCC_CFGR_PLLMUL(F1_PLLMUL) | F1_CFGR_PPRE1;
	RCC_CR |= RCC_CR_PLLON;
	if (stm32_wait(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY,
		       STM32_SPINS_OSC)) {
		return IAP_ERR_TIMEDOUT;
	}
	/* Wait states first: the flash must keep up before the clock rises. */
	FLASH_ACR = FLASH_ACR_LATENCY(F1_FLASH_LATENCY) | FLASH_ACR_PRFTBE;
	RCC_CFGR |= RCC_CFGR_SW_PLL;
	return stm32_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL,
			  STM32_SPINS_OSC);
}

void stm32_clock_init(struct stm32_clocks *c)
{
	if (f1_pll_start() == 0) {
		c->hclk = F1_SYSCLK_HZ;
		c->pclk_usart = F1_SYSCLK_HZ; /* APB2 undivided */
		return;
	}
	stm32_clock_deinit();
	c->hclk = STM32_HSI_HZ;
	c->pclk_usart = STM32_HSI_HZ;
}

/*
 * HSI stays on all along: the flash controller needs it to program and
 * erase (PM0075, flash program and erase operations).
 */
void stm32_clock_deinit(void)
{
	RCC_CFGR &= ~RCC_CFGR_SW_MASK;
	(void)stm32_wait(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_HSI,
			 STM32_SPINS_OSC);
	/* PLLSRC/PLLXTPRE/PLLMUL are writable only with the PLL stopped
	 * (RM0008 7.3.2): stop it, wait until it is, then clear CFGR. */
	RCC_CR &= ~RCC_CR_PLLON;
	(void)stm32_wait(&RCC_CR, RCC_CR_PLLRDY, 0, STM32_SPINS_OSC);
	RCC_CFGR = 0;
	RCC_CR &= ~(RCC_CR_CSSON | RCC_CR_HSEON);
	FLASH_ACR = FLASH_ACR_RESET;
}
