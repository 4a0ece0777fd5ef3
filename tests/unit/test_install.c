/*
 * Overwrite install of a staged image (src/install.c) on the staged F1 and
 * F4 boards: the happy path, an image already in the app slot, a staged
 * image that fails its checks, a cut in the middle, and the layout rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helper_dev.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_install.h"
#include "iap/iap_sha256.h"

static uint8_t scratch[256];

/* Stage img the way the protocol does: meta erased, payload, record. */
static void stage(struct dev *d, const uint8_t *img,
		  const struct iap_image_hdr *h)
{
	const struct iap_layout *l = d->layout;
	uint32_t ws = d->flash->write_size;
	uint32_t padded = (h->image_size + ws - 1) / ws * ws;
	uint8_t *buf = malloc(padded);

	memset(buf, 0xFF, padded);
	memcpy(buf, img, h->image_size);
	assert_int_equal(iap_flash_erase_span(d->flash, l->stage_meta_addr,
					      l->stage_meta_size),
			 0);
	assert_int_equal(
		iap_flash_erase_span(d->flash, l->stage_addr, h->image_size),
		0);
	assert_int_equal(
		d->flash->prog(d->flash->ctx, l->stage_addr, buf, padded), 0);
	assert_int_equal(
		iap_image_write_record(d->flash, l->stage_meta_addr, h), 0);
	free(buf);
}

static int install(struct dev *d, struct iap_boot_record *rec)
{
	return iap_install(d->flash, d->layout, LOADER_VER, scratch,
			   sizeof(scratch), rec);
}

static void assert_app_is(struct dev *d, const uint8_t *img,
			  const struct iap_image_hdr *h)
{
	struct iap_image_hdr got;

	assert_int_equal(iap_image_read_meta(d->flash, d->layout, &got), 0);
	assert_memory_equal(&got, h, sizeof(got));
	assert_int_equal(iap_image_verify_slot(d->flash, d->layout, &got,
					       LOADER_VER, scratch,
					       sizeof(scratch)),
			 0);
	assert_memory_equal(&d->sf.mem[d->layout->app_addr - d->sf.base], img,
			    h->image_size);
}

static void happy(const char *board, uint32_t old_size, uint32_t new_size)
{
	uint8_t *old = malloc(old_size), *img = malloc(new_size);
	struct iap_image_hdr ho, h;
	struct iap_boot_record rec;
	struct dev d;
	uint64_t ops;

	dev_open(&d, board);
	make_image(d.layout, old, old_size, 1, &ho, 1, 0);
	make_image(d.layout, img, new_size, 2, &h, 2, 0);
	dev_install(&d, old, &ho);
	stage(&d, img, &h);
	assert_int_equal(iap_stage_state(d.flash, d.layout, NULL),
			 IAP_STAGE_PENDING);
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_int_equal(rec.err, 0);
	assert_app_is(&d, img, &h);
	assert_int_equal(iap_stage_state(d.flash, d.layout, NULL),
			 IAP_STAGE_INSTALLED);
	/* Next boot: nothing to do, not a single flash operation. */
	ops = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	assert_int_equal(d.sf.ops_done, ops);
	dev_close(&d);
	free(old);
	free(img);
}

static void test_install_f103(void **state)
{
	(void)state;
	happy("f103cb-staged", 30000, 9001); /* odd: a padded last unit */
}

static void test_install_f407(void **state)
{
	(void)state;
	happy("f407vg-staged", 20000, 150003); /* two 128 KiB sectors */
}

/* On an empty device too: nothing installed before. */
static void test_install_onto_empty(void **state)
{
	static uint8_t img[5000];
	struct iap_image_hdr h;
	struct iap_boot_record rec;
	struct dev d;
	(void)state;

	dev_open(&d, "f103cb-staged");
	make_image(d.layout, img, sizeof(img), 3, &h, 4, 0);
	stage(&d, img, &h);
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_app_is(&d, img, &h);
	dev_close(&d);
}

/* The copy was done and committed before a cut: only the flag is left. */
static void test_already_installed(void **state)
{
	static uint8_t img[6000];
	struct iap_image_hdr h;
	struct iap_boot_record rec;
	struct dev d;
	uint64_t ops;
	(void)state;

	dev_open(&d, "f407vg-staged");
	make_image(d.layout, img, sizeof(img), 4, &h, 5, 0);
	dev_install(&d, img, &h);
	stage(&d, img, &h);
	ops = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_int_equal(d.sf.ops_done, ops + 1); /* the installed flag */
	assert_int_equal(iap_stage_state(d.flash, d.layout, NULL),
			 IAP_STAGE_INSTALLED);
	assert_app_is(&d, img, &h);
	dev_close(&d);
}

static void test_bad_stage_refused(void **state)
{
	static uint8_t old[4000], img[7000];
	struct iap_image_hdr ho, h;
	struct iap_boot_record rec;
	struct dev d;
	uint64_t ops;
	(void)state;

	dev_open(&d, "f103cb-staged");
	make_image(d.layout, old, sizeof(old), 5, &ho, 1, 0);
	make_image(d.layout, img, sizeof(img), 6, &h, 2, 0);
	dev_install(&d, old, &ho);
	stage(&d, img, &h);
	d.sf.mem[d.layout->stage_addr - d.sf.base + 3000] ^= 0x10;
	ops = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_REFUSED);
	assert_int_equal(rec.err, IAP_ERR_CORRUPT);
	assert_int_equal(d.sf.ops_done, ops);
	assert_app_is(&d, old, &ho);

	/* A record claiming more than the stage holds. */
	make_image(d.layout, img, sizeof(img), 6, &h, 2, 0);
	stage(&d, img, &h);
	h.image_size = d.layout->stage_size + 2;
	assert_int_equal(iap_flash_erase_span(d.flash,
					      d.layout->stage_meta_addr,
					      d.layout->stage_meta_size),
			 0);
	assert_int_equal(
		iap_image_write_record(d.flash, d.layout->stage_meta_addr, &h),
		0);
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_REFUSED);
	assert_int_equal(rec.err, IAP_ERR_FBIG);
	assert_app_is(&d, old, &ho);
	dev_close(&d);
}

/* Cut at every operation of the install: the next boot finishes it. */
static void test_cut_then_resume(void **state)
{
	static uint8_t old[3000], img[5001];
	struct iap_image_hdr ho, h;
	struct iap_boot_record rec;
	struct dev d;
	uint64_t total;
	(void)state;

	dev_open(&d, "f103cb-staged");
	d.sf.cut_action = SIM_CUT_HALT;
	make_image(d.layout, old, sizeof(old), 7, &ho, 1, 0);
	make_image(d.layout, img, sizeof(img), 8, &h, 2, 0);
	dev_install(&d, old, &ho);
	stage(&d, img, &h);
	total = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	total = d.sf.ops_done - total;
	/* erase meta, 5 pages, 5 copies (of 256 B: 20), app meta x2, flag */
	assert_true(total > 8);
	for (uint64_t k = 1; k <= total; k++) {
		for (int mode = SIM_CUT_CLEAN; mode <= SIM_CUT_TORN; mode++) {
			dev_install(&d, old, &ho);
			stage(&d, img, &h);
			d.sf.cut_after = d.sf.ops_done + k - 1;
			d.sf.cut_mode = mode;
			d.sf.cut_seed = k * 31 + (uint64_t)mode;
			assert_int_equal(install(&d, &rec), IAP_ERR_CANCELED);
			assert_int_equal(rec.event, IAP_EVENT_INSTALL_FAILED);
			sim_flash_power_on(&d.sf);
			assert_int_equal(install(&d, &rec), 0);
			/* A torn flag (the last op) that cleared a bit counts
			 * as written: the copy was committed before it. */
			if (k < total || mode == SIM_CUT_CLEAN) {
				assert_int_equal(rec.event,
						 IAP_EVENT_INSTALLED);
			}
			assert_app_is(&d, img, &h);
			assert_int_equal(
				iap_stage_state(d.flash, d.layout, NULL),
				IAP_STAGE_INSTALLED);
		}
	}
	dev_close(&d);
}

static void test_no_strategy_does_nothing(void **state)
{
	struct iap_boot_record rec;
	struct dev d;
	(void)state;

	dev_open(&d, "f103c8");
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	assert_int_equal(iap_stage_state(d.flash, d.layout, NULL),
			 IAP_STAGE_EMPTY);
	dev_close(&d);
}

static void test_layout_rules(void **state)
{
	struct iap_layout l;
	struct dev d;
	(void)state;

	dev_open(&d, "f103cb-staged");
	l = *d.layout;
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	l.stage_meta_addr = l.app_addr; /* overlaps the app slot */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.stage_meta_addr += 0x200; /* not on a page boundary */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.stage_addr = l.stage_meta_addr; /* stage over its own meta */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.stage_size = 0; /* overwrite without a stage */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.stage_meta_size = 0;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.install = 7;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.install = IAP_INSTALL_NONE; /* a stage nobody installs from: ok */
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	dev_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_f103),
		cmocka_unit_test(test_install_f407),
		cmocka_unit_test(test_install_onto_empty),
		cmocka_unit_test(test_already_installed),
		cmocka_unit_test(test_bad_stage_refused),
		cmocka_unit_test(test_cut_then_resume),
		cmocka_unit_test(test_no_strategy_does_nothing),
		cmocka_unit_test(test_layout_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
