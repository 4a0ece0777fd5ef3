/*
 * iapboot - application side (see iap_app.h).
 */
#include <string.h>

#include "cm_regs.h"
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_layout.h"
#include "iap_app.h"
#include "layout.h"

void iap_app_relocate_vtor(uint32_t base)
{
	SCB_VTOR = base;
	cm_dsb();
	cm_isb();
}

void iap_app_request_update(void)
{
	cm_disable_irq();
	MMIO32(IAP_LAYOUT_RAM_ADDR) = IAP_REQUEST_MAGIC;
	cm_dsb();
	SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP) |
		    SCB_AIRCR_SYSRESETREQ;
	cm_dsb();
	for (;;) {
	}
}

/* Flash is memory-mapped; the meta record is inside it by construction. */
static int app_flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	(void)ctx;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

int iap_app_version(struct iap_version *v)
{
	/* iap_image_read_meta() only reads, at meta_addr. */
	static const struct iap_flash flash = {.read = app_flash_read};
	static const struct iap_layout layout = {
		.meta_addr = IAP_LAYOUT_META_ADDR,
		.meta_size = IAP_LAYOUT_META_SIZE,
	};
	struct iap_image_hdr h;
	int err = iap_image_read_meta(&flash, &layout, &h);

	if (!err && h.load_addr != IAP_LAYOUT_APP_ADDR) {
		err = IAP_ERR_RANGE;
	}
	if (!err) {
		*v = h.version;
	}
	return err;
}

int iap_app_boot_record(struct iap_boot_record *r)
{
	if (MMIO32(IAP_LAYOUT_RAM_ADDR + 4u) != IAP_BOOT_RECORD_MAGIC) {
		return IAP_ERR_NOENT;
	}
	iap_boot_record_unpack(MMIO32(IAP_LAYOUT_RAM_ADDR + 8u), r);
	return 0;
}
