/*
 * iapboot - layout sanity: every region whole sectors, inside the flash,
 * disjoint.
 */
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_install.h"
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
	const uint32_t r[5][2] = {
		{l->boot_addr, l->boot_size},
		{l->meta_addr, l->meta_size},
		{l->app_addr, l->app_size},
		{l->stage_addr, l->stage_size},
		{l->stage_meta_addr, l->stage_meta_size},
	};

	if (iap_flash_check_geometry(f) != 0) {
		return IAP_ERR_INVAL;
	}
	if (l->boot_addr != iap_flash_base(f) ||
	    l->meta_size < IAP_META_MIN_SIZE || l->ram_size == 0 ||
	    l->install > IAP_INSTALL_OVERWRITE) {
		return IAP_ERR_INVAL;
	}
	if (l->install != IAP_INSTALL_NONE &&
	    (l->stage_size == 0 ||
	     l->stage_meta_size < IAP_STAGE_META_MIN_SIZE)) {
		return IAP_ERR_INVAL;
	}
	for (int i = 0; i < 5; i++) {
		/* boot, meta and app always; the stage regions when set. */
		if ((i < 3 || r[i][1]) && !region_ok(f, r[i][0], r[i][1])) {
			return IAP_ERR_INVAL;
		}
		for (int j = 0; j < i; j++) {
			if (!disjoint(r[i][0], r[i][1], r[j][0], r[j][1])) {
				return IAP_ERR_INVAL;
			}
		}
	}
	return 0;
}
