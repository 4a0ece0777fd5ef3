/*
 * QEMU test application, started by the bootloader's test build. What it
 * checks depends on TESTAPP_MODE; it ends the run through semihosting
 * with 0 on success or the number of the failed check.
 *
 *   ENTRY    reached at all: the bootloader validated the image and jumped
 *   TICKS    the chip as after a reset (SysTick off, nothing pending,
 *            interrupts unmasked, MSP at our initial SP), VTOR at our base,
 *            and SysTick taken through our own vector table
 *   VERSION  iap_app_version() reads the bootloader's metadata record;
 *            prints "version X.Y.Z+B" through semihosting
 *   REQUEST  iap_app_request_update(): the bootloader must come back in
 *            update mode (its test build then exits with 11)
 */
#include "board.h"
#include "cm_regs.h"
#include "iap_app.h"
#include "semihost.h"

#define TESTAPP_ENTRY	1
#define TESTAPP_TICKS	2
#define TESTAPP_VERSION 3
#define TESTAPP_REQUEST 4

#ifndef TESTAPP_MODE
#error "TESTAPP_MODE must be set"
#endif

#define SCB_ICSR_PENDSTSET	  (1u << 26)
#define SCB_ICSR_VECTPENDING_MASK (0x1FFu << 12)

#define WANT_TICKS 100u

extern uint32_t _estack[];

static volatile uint32_t ticks;

void SysTick_Handler(void);

void SysTick_Handler(void)
{
	ticks++;
}

static uint32_t read_primask(void)
{
	uint32_t v;

	__asm volatile("mrs %0, primask" : "=r"(v));
	return v;
}

static uint32_t read_msp(void)
{
	uint32_t v;

	__asm volatile("mrs %0, msp" : "=r"(v));
	return v;
}

static void check(int ok, uint32_t code)
{
	if (!ok) {
		stm32_semihost_exit(code);
	}
}

static void test_ticks(void)
{
	uint32_t msp = read_msp();

	check(SCB_VTOR == IAP_LAYOUT_APP_ADDR, 2);
	check((SYST_CSR & SYST_CSR_ENABLE) == 0, 3);
	check(read_primask() == 0, 4);
	check((SCB_ICSR & (SCB_ICSR_PENDSTSET | SCB_ICSR_VECTPENDING_MASK)) ==
		      0,
	      5);
	check(msp <= (uint32_t)(uintptr_t)_estack &&
		      msp > (uint32_t)(uintptr_t)_estack - 256u,
	      6);

	iap_app_relocate_vtor(IAP_LAYOUT_APP_ADDR);
	SYST_RVR = 999u;
	SYST_CVR = 0;
	SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
	for (uint32_t spins = 0; ticks < WANT_TICKS; spins++) {
		/* Through the bootloader's table the count would not move. */
		check(spins < 10000000u, 7);
	}
	SYST_CSR = 0;
}

static void put_dec(char **p, uint32_t v)
{
	char buf[10];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v);
	while (n) {
		*(*p)++ = buf[--n];
	}
}

static void test_version(void)
{
	struct iap_version v;
	char line[64] = "version ";
	char *p = line + 8;

	check(iap_app_version(&v) == 0, 8);
	put_dec(&p, v.major);
	*p++ = '.';
	put_dec(&p, v.minor);
	*p++ = '.';
	put_dec(&p, v.patch);
	*p++ = '+';
	put_dec(&p, v.build);
	*p++ = '\n';
	*p = '\0';
	stm32_semihost_write0(line);
}

int main(void)
{
	switch (TESTAPP_MODE) {
	case TESTAPP_TICKS:
		test_ticks();
		break;
	case TESTAPP_VERSION:
		test_version();
		break;
	case TESTAPP_REQUEST:
		iap_app_request_update();
	default:
		break;
	}
	stm32_semihost_exit(0);
}
