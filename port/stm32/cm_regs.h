/*
 * iapboot - Cortex-M3/M4 system registers used by the STM32 port and the
 * SDK. Names as in the ARMv7-M Architecture Reference Manual (ARM DDI 0403,
 * B3.2 System Control Space) and the STM32 Cortex-M3/M4 programming manuals
 * (PM0056, PM0214). Our own minimal definitions: CMSIS is not packaged.
 */
#ifndef IAP_CM_REGS_H
#define IAP_CM_REGS_H

#include <stdint.h>

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MMIO16(addr) (*(volatile uint16_t *)(uintptr_t)(addr))

/* SysTick (ARM DDI 0403 B3.3) */
#define SYST_CSR	   MMIO32(0xE000E010u)
#define SYST_RVR	   MMIO32(0xE000E014u)
#define SYST_CVR	   MMIO32(0xE000E018u)
#define SYST_CSR_ENABLE	   (1u << 0)
#define SYST_CSR_TICKINT   (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2) /* 1: processor clock */
#define SYST_CSR_COUNTFLAG (1u << 16)

/* NVIC (ARM DDI 0403 B3.4): 8 words cover the architectural 240 IRQs. */
#define NVIC_ISER(n)   MMIO32(0xE000E100u + 4u * (n))
#define NVIC_ICER(n)   MMIO32(0xE000E180u + 4u * (n))
#define NVIC_ICPR(n)   MMIO32(0xE000E280u + 4u * (n))
#define NVIC_REG_COUNT 8u

/* System control block (ARM DDI 0403 B3.2.2) */
#define SCB_ICSR	      MMIO32(0xE000ED04u)
#define SCB_VTOR	      MMIO32(0xE000ED08u)
#define SCB_AIRCR	      MMIO32(0xE000ED0Cu)
#define SCB_ICSR_PENDSTCLR    (1u << 25)
#define SCB_ICSR_PENDSVCLR    (1u << 27)
#define SCB_AIRCR_VECTKEY     (0x05FAu << 16)
#define SCB_AIRCR_PRIGROUP    (7u << 8)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)

/* Independent watchdog: same block at the same address on F1 and F4
 * (RM0008 19.4, RM0090 21.4). */
#define IWDG_KR	       MMIO32(0x40003000u)
#define IWDG_KR_RELOAD 0xAAAAu /* KEY value that reloads the counter */

static inline void cm_dsb(void)
{
	__asm volatile("dsb" ::: "memory");
}

static inline void cm_isb(void)
{
	__asm volatile("isb" ::: "memory");
}

static inline void cm_disable_irq(void)
{
	__asm volatile("cpsid i" ::: "memory");
}

static inline void cm_enable_irq(void)
{
	__asm volatile("cpsie i" ::: "memory");
}

#endif /* IAP_CM_REGS_H */
