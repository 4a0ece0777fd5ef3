/*
 * iapboot - flash access through an ops struct.
 *
 * The core never touches flash registers: it calls the three callbacks below
 * with absolute addresses (0x08000000-based on STM32). The geometry is a list
 * of regions of equal sectors, so it describes both uniform pages (STM32F103:
 * 64 x 1 KiB) and non-uniform sectors (STM32F407: 4 x 16K, 1 x 64K, 7 x 128K).
 *
 * NOR rules every implementation obeys: erase sets a whole sector to 0xFF;
 * programming only clears bits, in units of write_size bytes at aligned
 * addresses, and only onto erased units (a second write is an error).
 */
#ifndef IAP_FLASH_H
#define IAP_FLASH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAP_FLASH_ERASED 0xFFu

/* A run of `count` sectors of `sector_size` bytes starting at `addr`. */
struct iap_flash_region {
	uint32_t addr;
	uint32_t sector_size;
	uint32_t count;
};

struct iap_flash {
	void *ctx; /* passed to every callback */

	/* Geometry: regions in ascending, contiguous address order. */
	const struct iap_flash_region *regions;
	uint32_t region_count;
	uint32_t write_size; /* programming unit in bytes: 2 (F1), 4 (F4 x32) */

	/* Read len bytes at addr. Returns 0 or a negative IAP_ERR_*. */
	int (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
	/*
	 * Program len bytes at addr; addr and len are multiples of write_size
	 * and every unit written is erased. Returns 0, IAP_ERR_ALIGN,
	 * IAP_ERR_FAULT (outside the flash or a protected region),
	 * IAP_ERR_NOTERASED, IAP_ERR_PERM (write protection),
	 * IAP_ERR_TIMEDOUT (controller stuck busy) or IAP_ERR_IO.
	 */
	int (*prog)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
	/* Erase the one sector that starts at addr. Returns 0 or IAP_ERR_*. */
	int (*erase)(void *ctx, uint32_t addr);
};

/** Lowest flash address. */
uint32_t iap_flash_base(const struct iap_flash *f);

/** Total flash size in bytes. */
uint32_t iap_flash_size(const struct iap_flash *f);

/**
 * iap_flash_sector() - the sector that holds addr.
 * Returns 0 and fills *start and *size, or IAP_ERR_FAULT outside the flash.
 */
int iap_flash_sector(const struct iap_flash *f, uint32_t addr, uint32_t *start,
		     uint32_t *size);

/**
 * iap_flash_is_boundary() - whether addr is the first byte of a sector or
 * the first byte after the flash. Returns 1 or 0.
 */
int iap_flash_is_boundary(const struct iap_flash *f, uint32_t addr);

/**
 * iap_flash_erase_span() - erase every sector that overlaps [addr, addr+len).
 * The span is widened to whole sectors; callers keep regions sector-aligned
 * so nothing outside them is touched. Returns 0 or the first error.
 */
int iap_flash_erase_span(const struct iap_flash *f, uint32_t addr,
			 uint32_t len);

/**
 * iap_flash_check_geometry() - sanity of the ops struct: regions contiguous,
 * sector sizes multiples of write_size, write_size a power of two up to 16.
 * Returns 0 or IAP_ERR_INVAL.
 */
int iap_flash_check_geometry(const struct iap_flash *f);

#ifdef __cplusplus
}
#endif

#endif /* IAP_FLASH_H */
