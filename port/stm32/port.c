/*
 * iapboot - the hooks of include/iap/iap_port.h that are the same on every
 * STM32: millisecond tick, update request word, jump, reset. The watchdog
 * kick and what the flash drivers share are in flash.c, which the SDK
 * links too.
 */
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_port.h"
#include "stm32_port.h"

static volatile uint32_t stm32_ticks;

/* Name fixed by startup.c's vector table. */
void SysTick_Handler(void);

void SysTick_Handler(void)
{
	stm32_ticks++;
}

uint32_t iap_port_now_ms(void)
{
	return stm32_ticks;
}

int iap_port_init(void)
{
	struct stm32_clocks clk;

	iap_port_watchdog_kick();
#if IAP_CFG_WRP
	/*
	 * Protecting the bootloader takes this call and the reset after it
	 * (option bytes load at a reset). Not tried after a software reset:
	 * a chip that does not take them must not keep resetting.
	 */
	if (!(RCC_CSR & RCC_CSR_SFTRSTF) && stm32_flash_wrp_boot() > 0) {
		iap_port_reset();
	}
#endif
	stm32_clock_init(&clk);
	SYST_RVR = clk.hclk / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
	stm32_usart_init(clk.pclk_usart);
	return 0;
}

int iap_port_take_request(void)
{
	int requested = STM32_REQUEST_WORD == IAP_REQUEST_MAGIC;

	STM32_REQUEST_WORD = 0;
	return requested;
}

void iap_port_reset(void)
{
	cm_dsb();
	SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP) |
		    SCB_AIRCR_SYSRESETREQ;
	cm_dsb();
	for (;;) {
	}
}

/*
 * The application must find the chip as after a reset, or code that
 * assumes so breaks: CubeMX's clock setup refuses to touch a PLL that
 * already drives the core, a pending SysTick would fire into its handler
 * before its tick is set up. Interrupts are masked while tearing down and
 * unmasked again before the branch, as after a reset (PRIMASK = 0), since
 * nothing is left enabled or pending that could fire.
 */
void iap_port_jump(uint32_t app_addr)
{
	const volatile uint32_t *vectors =
		(const volatile uint32_t *)(uintptr_t)app_addr;
	uint32_t sp = vectors[0];
	uint32_t entry = vectors[1];

	cm_disable_irq();
	stm32_usart_deinit();
	SYST_CSR = 0;
	SYST_RVR = 0;
	SYST_CVR = 0;
	stm32_clock_deinit();
	for (uint32_t i = 0; i < NVIC_REG_COUNT; i++) {
		NVIC_ICER(i) = 0xFFFFFFFFu;
		NVIC_ICPR(i) = 0xFFFFFFFFu;
	}
	SCB_ICSR = SCB_ICSR_PENDSTCLR | SCB_ICSR_PENDSVCLR;
	SCB_VTOR = app_addr;
	cm_dsb();
	cm_isb();
	cm_enable_irq();
	/* The C stack is gone after the MSP write: nothing in between. */
	__asm volatile("msr msp, %0\n\t"
		       "bx %1"
		       :
		       : "r"(sp), "r"(entry)
		       : "memory");
	__builtin_unreachable();
}
