/*
 * iapboot port template - the flash ops (include/iap/iap_flash.h) for a
 * new flash controller. Every function here is a stub that compiles and
 * says what the real one must do; port/stm32/flash_f1.c (pages,
 * half-words) and port/stm32/flash_f4.c (sector numbers, words) are the
 * worked examples.
 *
 * What the core relies on:
 *   - addresses are absolute (0x08000000-based on STM32);
 *   - erase() gets the first address of one sector and leaves it all 0xFF;
 *   - prog() gets addr and len that are multiples of write_size, onto
 *     erased units only; a unit that is not erased is IAP_ERR_NOTERASED,
 *     checked in software if the controller does not refuse it itself;
 *   - every wait on the controller is bounded (a stuck BSY is
 *     IAP_ERR_TIMEDOUT, never a hang) and kicks the watchdog;
 *   - nothing below the end of the bootloader is ever erased or written,
 *     whatever the caller asks (IAP_ERR_FAULT);
 *   - the controller is unlocked for one operation and locked again;
 *   - what was erased or programmed is read back: a difference is
 *     IAP_ERR_IO. The core trusts these return codes, nothing else.
 * Errors are 0 or a negative IAP_ERR_* (include/iap/iap_err.h).
 */
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "layout.h"

/* The geometry, from layout.h. */
static const struct iap_flash_region tpl_regions[] = {IAP_LAYOUT_REGIONS};

/* Flash is memory-mapped on every Cortex-M: a bounds check and a copy. */
static int tpl_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
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

/*
 * Program len bytes at addr: refuse what is below the bootloader's end,
 * unlock, for each write unit check it reads erased, store it with the
 * access width the controller wants, wait (bounded) for BSY to clear, map
 * the error flags to IAP_ERR_*, read it back; lock again in every case.
 */
static int tpl_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	(void)ctx;
	(void)addr;
	(void)buf;
	(void)len;
	return IAP_ERR_NOTSUP;
}

/*
 * Erase the sector that starts at addr: find it in tpl_regions (its index
 * is the sector number some controllers want), refuse the bootloader's
 * sectors, unlock, start, wait (bounded: a large sector takes seconds),
 * map the error flags, lock, then check that it reads all 0xFF.
 */
static int tpl_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
	return IAP_ERR_NOTSUP;
}

/* The port's main hands this to the loader (iap_server_cfg.flash). */
const struct iap_flash tpl_flash = {
	.ctx = 0,
	.regions = tpl_regions,
	.region_count = sizeof(tpl_regions) / sizeof(tpl_regions[0]),
	.write_size = IAP_LAYOUT_WRITE_SIZE,
	.read = tpl_read,
	.prog = tpl_prog,
	.erase = tpl_erase,
};
