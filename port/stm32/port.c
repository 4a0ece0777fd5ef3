/*
 * iapboot - the hooks of include/iap/iap_port.h that are the same on every
 * STM32: millisecond tick, update request word, watchdog, jump.
 */
#include <string.h>

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

/*
 * Reloading an IWDG that was never started does nothing, so this is safe
 * whether the option bytes or the application started it or not. The
 * bootloader never starts it itself: once running it cannot be stopped.
 */
void iap_port_watchdog_kick(void)
{
	IWDG_KR = IWDG_KR_RELOAD;
}

int stm32_wait(volatile uint32_t *reg, uint32_t mask, uint32_t want,
	       uint32_t spins)
{
	while ((*reg & mask) != want) {
		if (spins-- == 0) {
			return IAP_ERR_TIMEDOUT;
		}
		iap_port_watchdog_kick();
	}
	return 0;
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

int stm32_flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	(void)ctx;
	if (addr < IAP_LAYOUT_FLASH_BASE ||
	    addr - IAP_LAYOUT_FLASH_BASE > IAP_LAYOUT_FLASH_SIZE ||
	    len > IAP_LAYOUT_FLASH_BASE + IAP_LAYOUT_FLASH_SIZE - addr) {
		return IAP_ERR_FAULT;
	}
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

int stm32_flash_writable(uint32_t addr, uint32_t len)
{
	const uint32_t lo = IAP_LAYOUT_BOOT_ADDR + IAP_LAYOUT_BOOT_SIZE;
	const uint32_t hi = IAP_LAYOUT_FLASH_BASE + IAP_LAYOUT_FLASH_SIZE;

	if (addr < lo || addr > hi || len > hi - addr) {
		return IAP_ERR_FAULT;
	}
	return 0;
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
