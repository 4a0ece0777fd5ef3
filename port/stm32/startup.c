/*
 * iapboot - reset handler and vector table for the bootloader and the
 * example applications, in C. Only the 16 system exceptions are listed:
 * the bootloader enables no device interrupt (reception is by DMA, time by
 * SysTick), and neither do the examples. An application that does needs a
 * full table (its vendor startup file).
 *
 * Handlers use the CMSIS names, weak, so that a program overrides one by
 * defining it.
 */
#include <stdint.h>

#ifdef IAP_TEST_SEMIHOST
#include "semihost.h"
#endif

/* From the linker script (port/stm32/image.ld.in). */
extern uint32_t _estack[];
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];

int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

struct stm32_vector_table {
	uint32_t *initial_sp;
	void (*handler[15])(void);
};

__attribute__((section(".isr_vector"), used))
const struct stm32_vector_table stm32_vectors = {
	_estack,
	{
		Reset_Handler,
		NMI_Handler,
		HardFault_Handler,
		MemManage_Handler,
		BusFault_Handler,
		UsageFault_Handler,
		0,
		0,
		0,
		0,
		SVC_Handler,
		DebugMon_Handler,
		0,
		PendSV_Handler,
		SysTick_Handler,
	},
};

void Reset_Handler(void)
{
	uint32_t *src = _sidata;
	uint32_t *dst = _sdata;

	while (dst < _edata) {
		*dst++ = *src++;
	}
	for (dst = _sbss; dst < _ebss; dst++) {
		*dst = 0;
	}
	(void)main();
	for (;;) {
	}
}

#ifdef IAP_TEST_SEMIHOST
/* Under test a fault ends the run with a code instead of a hang. */
void Default_Handler(void)
{
	stm32_semihost_exit(STM32_TEST_EXIT_FAULT);
}
#else
/* Wait here for the debugger, or for the watchdog if it runs. */
void Default_Handler(void)
{
	for (;;) {
	}
}
#endif
