/*
 * Flash geometry arithmetic and layout checks for the F1 (uniform 1 KiB
 * pages) and F4 (4x16K + 64K + 7x128K) parts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_err.h"
#include "iap/iap_flash.h"
#include "iap/iap_layout.h"

static void expect_sector(const struct iap_flash *f, uint32_t addr,
			  uint32_t start, uint32_t size)
{
	uint32_t s = 0, z = 0;

	assert_int_equal(iap_flash_sector(f, addr, &s, &z), 0);
	assert_int_equal(s, start);
	assert_int_equal(z, size);
}

static void test_f103_geometry(void **state)
{
	struct dev d;
	uint32_t s, z;
	(void)state;

	dev_open(&d, "f103c8");
	assert_int_equal(iap_flash_check_geometry(d.flash), 0);
	assert_int_equal(iap_flash_base(d.flash), 0x08000000);
	assert_int_equal(iap_flash_size(d.flash), 64 * 1024);
	expect_sector(d.flash, 0x08000000, 0x08000000, 1024);
	expect_sector(d.flash, 0x080043FF, 0x08004000, 1024);
	expect_sector(d.flash, 0x0800FFFF, 0x0800FC00, 1024);
	assert_int_equal(iap_flash_sector(d.flash, 0x08010000, &s, &z),
			 IAP_ERR_FAULT);
	assert_int_equal(iap_flash_sector(d.flash, 0x07FFFFFF, &s, &z),
			 IAP_ERR_FAULT);
	assert_true(iap_flash_is_boundary(d.flash, 0x08004000));
	assert_false(iap_flash_is_boundary(d.flash, 0x08004002));
	assert_true(iap_flash_is_boundary(d.flash, 0x08010000));
	assert_int_equal(iap_layout_check(d.layout, d.flash), 0);
	dev_close(&d);
}

static void test_f407_geometry(void **state)
{
	struct dev d;
	(void)state;

	dev_open(&d, "f407vg");
	assert_int_equal(iap_flash_check_geometry(d.flash), 0);
	assert_int_equal(iap_flash_size(d.flash), 1024 * 1024);
	expect_sector(d.flash, 0x08000000, 0x08000000, 0x4000);
	expect_sector(d.flash, 0x0800FFFF, 0x0800C000, 0x4000);
	expect_sector(d.flash, 0x08010000, 0x08010000, 0x10000);
	expect_sector(d.flash, 0x0801FFFF, 0x08010000, 0x10000);
	expect_sector(d.flash, 0x08020000, 0x08020000, 0x20000);
	expect_sector(d.flash, 0x080FFFFF, 0x080E0000, 0x20000);
	assert_true(iap_flash_is_boundary(d.flash, 0x08010000));
	assert_false(iap_flash_is_boundary(d.flash, 0x08014000));
	assert_int_equal(iap_layout_check(d.layout, d.flash), 0);
	dev_close(&d);
}

static void test_erase_span_widens_to_sectors(void **state)
{
	struct dev d;
	uint64_t before;
	(void)state;

	dev_open(&d, "f407vg");
	/* 16K + 1 byte from sector 2 touches sectors 2 and 3 only. */
	before = d.sf.erases;
	assert_int_equal(iap_flash_erase_span(d.flash, 0x08008000, 0x4001), 0);
	assert_int_equal(d.sf.erases - before, 2);
	/* A span over the 16K/64K/128K borders. */
	before = d.sf.erases;
	assert_int_equal(iap_flash_erase_span(d.flash, 0x0800C000, 0x14001), 0);
	assert_int_equal(d.sf.erases - before, 3);
	assert_int_equal(iap_flash_erase_span(d.flash, 0x080FFFFF, 2),
			 IAP_ERR_FAULT);
	dev_close(&d);
}

static void test_bad_geometry_and_layouts(void **state)
{
	struct dev d;
	struct iap_flash f;
	struct iap_layout l;
	struct iap_flash_region r[2] = {{0x08000000, 0x4000, 4},
					{0x08020000, 0x20000, 2}};
	(void)state;

	dev_open(&d, "f103c8");
	f = *d.flash;
	f.write_size = 3;
	assert_int_equal(iap_flash_check_geometry(&f), IAP_ERR_INVAL);
	f = *d.flash;
	f.regions = r; /* gap between the regions */
	f.region_count = 2;
	assert_int_equal(iap_flash_check_geometry(&f), IAP_ERR_INVAL);

	l = *d.layout;
	l.app_addr += 2; /* not on a page boundary */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.app_size += 0x400; /* past the end of flash */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.meta_addr = l.app_addr; /* overlaps the slot */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.boot_addr = 0x08000400; /* bootloader must come first */
	l.boot_size = 0x400;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	dev_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_f103_geometry),
		cmocka_unit_test(test_f407_geometry),
		cmocka_unit_test(test_erase_span_widens_to_sectors),
		cmocka_unit_test(test_bad_geometry_and_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
