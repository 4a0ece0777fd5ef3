/*
 * iapboot - flash geometry arithmetic over the region list.
 */
#include "iap/iap_err.h"
#include "iap/iap_flash.h"

uint32_t iap_flash_base(const struct iap_flash *f)
{
	return f->region_count ? f->regions[0].addr : 0;
}

uint32_t iap_flash_size(const struct iap_flash *f)
{
	uint32_t size = 0;

	for (uint32_t i = 0; i < f->region_count; i++) {
		size += f->regions[i].sector_size * f->regions[i].count;
	}
	return size;
}

int iap_flash_sector(const struct iap_flash *f, uint32_t addr, uint32_t *start,
		     uint32_t *size)
{
	for (uint32_t i = 0; i < f->region_count; i++) {
		const struct iap_flash_region *r = &f->regions[i];
		uint32_t off = addr - r->addr;

		if (addr >= r->addr && off / r->sector_size < r->count) {
			*start =
				r->addr + off / r->sector_size * r->sector_size;
			*size = r->sector_size;
			return 0;
		}
	}
	return IAP_ERR_FAULT;
}

int iap_flash_is_boundary(const struct iap_flash *f, uint32_t addr)
{
	uint32_t start, size;

	if (addr == iap_flash_base(f) + iap_flash_size(f)) {
		return 1;
	}
	if (iap_flash_sector(f, addr, &start, &size) != 0) {
		return 0;
	}
	return start == addr;
}

int iap_flash_erase_span(const struct iap_flash *f, uint32_t addr, uint32_t len)
{
	uint32_t end = addr + len;

	if (end < addr) {
		return IAP_ERR_FAULT;
	}
	while (addr < end) {
		uint32_t start, size;
		int err = iap_flash_sector(f, addr, &start, &size);

		if (!err) {
			err = f->erase(f->ctx, start);
		}
		if (err) {
			return err;
		}
		addr = start + size;
	}
	return 0;
}

int iap_flash_check_geometry(const struct iap_flash *f)
{
	uint32_t ws = f->write_size;

	if (!f->regions || !f->region_count || !f->read || !f->prog ||
	    !f->erase) {
		return IAP_ERR_INVAL;
	}
	if (ws == 0 || ws > 16 || (ws & (ws - 1)) != 0) {
		return IAP_ERR_INVAL;
	}
	for (uint32_t i = 0; i < f->region_count; i++) {
		const struct iap_flash_region *r = &f->regions[i];
		uint64_t end =
			(uint64_t)r->addr + (uint64_t)r->sector_size * r->count;

		if (!r->count || !r->sector_size || r->sector_size % ws ||
		    end > 0x100000000ull) {
			return IAP_ERR_INVAL;
		}
		if (i + 1 < f->region_count && f->regions[i + 1].addr != end) {
			return IAP_ERR_INVAL;
		}
	}
	return 0;
}
