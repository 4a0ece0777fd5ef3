/*
 * iapboot - semihosting calls (ARM "Semihosting for AArch32 and AArch64":
 * SYS_WRITE0 0x04, SYS_EXIT_EXTENDED 0x20; on M-profile the trap is
 * BKPT 0xAB).
 */
#include "semihost.h"

#define SYS_WRITE0		     0x04u
#define SYS_EXIT_EXTENDED	     0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

void stm32_semihost_exit(uint32_t code)
{
	volatile uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, code};

	__asm volatile("mov r0, %0\n\t"
		       "mov r1, %1\n\t"
		       "bkpt 0xab"
		       :
		       : "r"(SYS_EXIT_EXTENDED), "r"(block)
		       : "r0", "r1", "memory");
	for (;;) {
	}
}

void stm32_semihost_write0(const char *s)
{
	__asm volatile("mov r0, %0\n\t"
		       "mov r1, %1\n\t"
		       "bkpt 0xab"
		       :
		       : "r"(SYS_WRITE0), "r"(s)
		       : "r0", "r1", "memory");
}
