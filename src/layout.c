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

/*
 * Swap: both slots the same size with the same sector sizes pairwise, the
 * scratch at least as large as any of those sectors, room in the journal
 * for the step flags of every sector, and room for the flags in both meta
 * regions. Swap by moving (iap_layout_swap_moves()): every sector of the
 * app slot and the first one of the scratch the same size.
 */
static int swap_ok(const struct iap_layout *l, const struct iap_flash *f)
{
	uint32_t fl = f->write_size > 4 ? f->write_size : 4;
	uint32_t off = 0, n = 0, a, as, b, bs, first = 0;

	if (l->stage_size != l->app_size ||
	    l->test_boots > IAP_TEST_BOOTS_MAX ||
	    l->meta_size < IAP_SWAP_META_MIN_SIZE) {
		return 0;
	}
	while (off < l->app_size) {
		if (iap_flash_sector(f, l->app_addr + off, &a, &as) != 0 ||
		    iap_flash_sector(f, l->stage_addr + off, &b, &bs) != 0 ||
		    as != bs || as > l->scratch_size) {
			return 0;
		}
		first = first ? first : as;
		if (iap_layout_swap_moves(l) && as != first) {
			return 0;
		}
		off += as;
		n++;
	}
	if (iap_layout_swap_moves(l) &&
	    (iap_flash_sector(f, l->scratch_addr, &a, &as) != 0 ||
	     as != first)) {
		return 0;
	}
	return l->journal_size >= IAP_JOURNAL_SIZE(n, fl);
}

int iap_layout_check(const struct iap_layout *l, const struct iap_flash *f)
{
	const uint32_t r[8][2] = {
		{l->boot_addr, l->boot_size},
		{l->meta_addr, l->meta_size},
		{l->app_addr, l->app_size},
		{l->stage_addr, l->stage_size},
		{l->stage_meta_addr, l->stage_meta_size},
		{l->scratch_addr, l->scratch_size},
		{l->journal_addr, l->journal_size},
		{l->rollback_addr, l->rollback_size},
	};

	if (iap_flash_check_geometry(f) != 0) {
		return IAP_ERR_INVAL;
	}
	if (!IAP_CFG_TRUST && (l->trust || l->rollback_size)) {
		return IAP_ERR_INVAL; /* asks for what this core lacks */
	}
	if (l->boot_addr != iap_flash_base(f) ||
	    l->meta_size < IAP_META_MIN_SIZE || l->ram_size == 0 ||
	    !IAP_INSTALL_BUILT(l->install)) {
		return IAP_ERR_INVAL;
	}
	if (l->install != IAP_INSTALL_NONE &&
	    (l->stage_size == 0 ||
	     l->stage_meta_size < IAP_STAGE_META_MIN_SIZE)) {
		return IAP_ERR_INVAL;
	}
	if (IAP_INSTALL_BUILT(IAP_INSTALL_SWAP) &&
	    l->install == IAP_INSTALL_SWAP &&
	    (l->scratch_size == 0 || l->journal_size == 0 || !swap_ok(l, f))) {
		return IAP_ERR_INVAL;
	}
	for (int i = 0; i < 8; i++) {
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
