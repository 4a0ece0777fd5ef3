/*
 * iapboot - layout sanity: every region whole sectors, inside the flash,
 * disjoint.
 */
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_layout.h"

static int region_ok(const struct iap_flash *f, uint32_t addr, uint32_t size)
{
	uint32_t base = iap_flash_base(f);
	uint32_t end = base + iap_flash_size(f);

	if (size == 0 || addr < base || addr > end || size > end - addr) {
		return 0;
	}
	return iap_flash_is_boundary(f, addr) &&
	       iap_flash_is_boundary(f, addr + size);
}

static int disjoint(uint32_t a, uint32_t as, uint32_t b, uint32_t bs)
{
	return as == 0 || bs == 0 || a + as <= b || b + bs <= a;
}

int iap_layout_check(const struct iap_layout *l, const struct iap_flash *f)
{
	if (iap_flash_check_geometry(f) != 0) {
		return IAP_ERR_INVAL;
	}
	if (!region_ok(f, l->boot_addr, l->boot_size) ||
	    !region_ok(f, l->meta_addr, l->meta_size) ||
	    !region_ok(f, l->app_addr, l->app_size)) {
		return IAP_ERR_INVAL;
	}
	if (l->stage_size && !region_ok(f, l->stage_addr, l->stage_size)) {
		return IAP_ERR_INVAL;
	}
	if (l->boot_addr != iap_flash_base(f) ||
	    l->meta_size < IAP_META_MIN_SIZE || l->ram_size == 0) {
		return IAP_ERR_INVAL;
	}
	if (!disjoint(l->boot_addr, l->boot_size, l->meta_addr, l->meta_size) ||
	    !disjoint(l->boot_addr, l->boot_size, l->app_addr, l->app_size) ||
	    !disjoint(l->meta_addr, l->meta_size, l->app_addr, l->app_size) ||
	    !disjoint(l->stage_addr, l->stage_size, l->boot_addr,
		      l->boot_size) ||
	    !disjoint(l->stage_addr, l->stage_size, l->meta_addr,
		      l->meta_size) ||
	    !disjoint(l->stage_addr, l->stage_size, l->app_addr, l->app_size)) {
		return IAP_ERR_INVAL;
	}
	return 0;
}
