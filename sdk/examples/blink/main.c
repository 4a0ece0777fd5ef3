/*
 * blink - the smallest application for the iapboot bootloader: it is
 * linked at the application slot (the generated app.ld), points VTOR at
 * its own vector table, blinks the board's LED from SysTick time and
 * prints its version (from the bootloader's metadata record) and VTOR on
 * USART1 at 115200 baud:
 *
 *   blink on bluepill: version 1.2.0+7, VTOR 0x08004000
 */
#include "board.h"
#include "cm_regs.h"
#include "hw.h"
#include "iap/iap_err.h"
#include "iap_app.h"

static volatile uint32_t ticks;

void SysTick_Handler(void);

void SysTick_Handler(void)
{
	ticks++;
}

static void put_str(const char *s)
{
	while (*s) {
		blink_putc(*s++);
	}
}

static void put_dec(uint32_t v)
{
	char buf[10];
	int n = 0;

	do {
		buf[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v);
	while (n) {
		blink_putc(buf[--n]);
	}
}

static void put_hex32(uint32_t v)
{
	put_str("0x");
	for (int shift = 28; shift >= 0; shift -= 4) {
		blink_putc("0123456789ABCDEF"[(v >> shift) & 0xFu]);
	}
}

static void put_version(void)
{
	struct iap_version v;
	int err = iap_app_version(&v);

	if (err) {
		put_str("unknown (no metadata: ");
		put_str(err == IAP_ERR_NOENT ? "not installed by iapboot"
					     : "bad record");
		put_str(")");
		return;
	}
	put_dec(v.major);
	blink_putc('.');
	put_dec(v.minor);
	blink_putc('.');
	put_dec(v.patch);
	blink_putc('+');
	put_dec(v.build);
}

int main(void)
{
	/* First thing: our own vector table, before any interrupt. */
	iap_app_relocate_vtor(IAP_LAYOUT_APP_ADDR);
	blink_hw_init();
	SYST_RVR = STM32_HSI_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

	put_str("blink on " BOARD_NAME ": version ");
	put_version();
	put_str(", VTOR ");
	put_hex32(SCB_VTOR);
	put_str("\r\n");

	for (uint32_t n = 0;; n++) {
		uint32_t t0 = ticks;

		while (ticks - t0 < 500u) {
		}
		blink_led((int)(n & 1u));
	}
}
