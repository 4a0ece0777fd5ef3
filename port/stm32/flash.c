/*
 * iapboot - what the STM32 flash drivers (flash_f1.c, flash_f4.c) share:
 * memory-mapped reads, the range an update may write, bounded waits on
 * ready flags that kick the watchdog. Applications link these with the
 * driver through the SDK (sdk/iap_app.c), so nothing here owns an
 * interrupt handler, a clock or a peripheral the application may use.
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_port.h"
#include "stm32_port.h"

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
