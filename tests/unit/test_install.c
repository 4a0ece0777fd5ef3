/*
 * Installing a staged image (src/install.c). Overwrite, on the staged F1
 * and F4 boards: the happy path, an image already in the app slot, a
 * staged image that fails its checks, a cut in the middle, and the layout
 * rules. Swap with revert, on the swap boards: trial, confirm, revert,
 * bounded trials, a cut swap resumed, nothing to revert to, the journal
 * and the layout rules.
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

/* ---- swap with revert ---- */

static void assert_stage_holds(struct dev *d, const uint8_t *img, uint32_t size)
{
	assert_memory_equal(&d->sf.mem[d->layout->stage_addr - d->sf.base], img,
			    size);
}

static void assert_state(struct dev *d, uint8_t image, uint8_t boots_left,
			 uint8_t stage, uint8_t role)
{
	struct iap_state st;

	assert_int_equal(iap_state_read(d->flash, d->layout, &st), 0);
	assert_int_equal(st.image, image);
	assert_int_equal(st.boots_left, boots_left);
	assert_int_equal(st.stage, stage);
	assert_int_equal(st.stage_role, role);
}

struct swap_fx {
	struct dev d;
	uint8_t *old, *img;
	struct iap_image_hdr ho, h;
};

/* v1 installed, v2 staged and swapped in: v2 runs on trial. */
static void swap_in(struct swap_fx *x, const char *board, uint32_t old_size,
		    uint32_t new_size)
{
	struct iap_boot_record rec;
	struct iap_state st;

	x->old = malloc(old_size);
	x->img = malloc(new_size);
	dev_open(&x->d, board);
	make_image(x->d.layout, x->old, old_size, 11, &x->ho, 1, 0);
	make_image(x->d.layout, x->img, new_size, 12, &x->h, 2, 0);
	dev_install(&x->d, x->old, &x->ho);
	assert_state(&x->d, IAP_IMAGE_CONFIRMED, 0, IAP_STAGE_EMPTY, 0);
	stage(&x->d, x->img, &x->h);
	assert_int_equal(install(&x->d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_int_equal(rec.err, 0);
	assert_app_is(&x->d, x->img, &x->h);
	/* The old image is in the stage slot, described by its record. */
	assert_stage_holds(&x->d, x->old, old_size);
	assert_int_equal(iap_state_read(x->d.flash, x->d.layout, &st), 0);
	assert_int_equal(st.staged.major, 1);
	assert_int_equal(st.installed.major, 2);
}

static void swap_done(struct swap_fx *x)
{
	dev_close(&x->d);
	free(x->old);
	free(x->img);
}

static void confirm_stays(const char *board, uint32_t old_size,
			  uint32_t new_size)
{
	struct iap_boot_record rec;
	struct swap_fx x;
	uint64_t ops;

	swap_in(&x, board, old_size, new_size);
	/* One boot on trial was counted: the next one reverts. */
	assert_state(&x.d, IAP_IMAGE_TEST, 0, IAP_STAGE_INSTALLED,
		     IAP_ROLE_OLD);
	assert_int_equal(iap_confirm(x.d.flash, x.d.layout), 0);
	assert_state(&x.d, IAP_IMAGE_CONFIRMED, 0, IAP_STAGE_INSTALLED,
		     IAP_ROLE_OLD);
	/* Confirming again, and booting again, write nothing. */
	ops = x.d.sf.ops_done;
	assert_int_equal(iap_confirm(x.d.flash, x.d.layout), 0);
	assert_int_equal(install(&x.d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	assert_int_equal(x.d.sf.ops_done, ops);
	assert_app_is(&x.d, x.img, &x.h);
	swap_done(&x);
}

static void test_swap_confirm_f103(void **state)
{
	(void)state;
	confirm_stays("f103cb-swap", 3000, 9001);
}

static void test_swap_confirm_f407(void **state)
{
	(void)state;
	/* The new image spans two 128 KiB sectors, the old one one. */
	confirm_stays("f407vg-swap", 20000, 150003);
}

static void test_swap_confirm_move(void **state)
{
	(void)state;
	confirm_stays("f103cb-move", 3000, 9001);
	confirm_stays("f407vg-move", 20000, 150003);
}

/* The most erases any sector of [addr, addr + size) has taken. */
static uint32_t max_wear(struct dev *d, uint32_t addr, uint32_t size)
{
	uint32_t most = 0, start, sz;

	for (uint32_t a = addr; a < addr + size; a = start + sz) {
		assert_int_equal(iap_flash_sector(d->flash, a, &start, &sz), 0);
		if (sim_flash_wear(&d->sf, a) > most) {
			most = sim_flash_wear(&d->sf, a);
		}
	}
	return most;
}

/*
 * Wear of one swap of 10 pages on the F103CB: through the scratch, the
 * scratch page is erased once per swapped page; by moving, no page of the
 * slots or the scratch more than twice.
 */
static void test_swap_wear(void **state)
{
	struct swap_fx x;
	const struct iap_layout *l;
	(void)state;

	swap_in(&x, "f103cb-swap", 9000, 9001);
	l = x.d.layout;
	assert_int_equal(sim_flash_wear(&x.d.sf, l->scratch_addr), 9);
	swap_done(&x);

	swap_in(&x, "f103cb-move", 9000, 9001);
	l = x.d.layout;
	assert_int_equal(sim_flash_wear(&x.d.sf, l->scratch_addr), 0);
	/* dev_install() erased the app pages once before the swap. */
	assert_int_equal(max_wear(&x.d, l->app_addr, l->app_size), 3);
	assert_int_equal(max_wear(&x.d, l->stage_addr, l->stage_size), 2);
	swap_done(&x);

	/* A full slot moves into the scratch page too. */
	swap_in(&x, "f103cb-move", 0xD800, 0xD800 - 1);
	l = x.d.layout;
	assert_int_equal(sim_flash_wear(&x.d.sf, l->scratch_addr), 1);
	assert_int_equal(max_wear(&x.d, l->app_addr, l->app_size), 3);
	swap_done(&x);
}

static void test_swap_revert_move(void **state)
{
	struct iap_boot_record rec;
	struct swap_fx x;
	(void)state;

	swap_in(&x, "f407vg-move", 150003, 20000);
	assert_int_equal(install(&x.d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_REVERTED);
	assert_app_is(&x.d, x.old, &x.ho);
	assert_stage_holds(&x.d, x.img, 20000);
	swap_done(&x);
}

static void test_swap_revert(void **state)
{
	struct iap_boot_record rec;
	struct iap_state st;
	struct swap_fx x;
	uint64_t ops;
	(void)state;

	swap_in(&x, "f103cb-swap", 7000, 4001);
	/* Reset without a confirmation: swapped back. */
	assert_int_equal(install(&x.d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_REVERTED);
	assert_int_equal(rec.err, IAP_ERR_UNCONFIRMED);
	assert_app_is(&x.d, x.old, &x.ho);
	assert_stage_holds(&x.d, x.img, 4001);
	assert_state(&x.d, IAP_IMAGE_CONFIRMED, 0, IAP_STAGE_INSTALLED,
		     IAP_ROLE_REJECTED);
	assert_int_equal(iap_state_read(x.d.flash, x.d.layout, &st), 0);
	assert_int_equal(st.staged.major, 2);
	/* The rejected image is not installed again. */
	ops = x.d.sf.ops_done;
	assert_int_equal(install(&x.d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	assert_int_equal(x.d.sf.ops_done, ops);
	swap_done(&x);
}

/* test_boots 3: three boots on trial, then the revert. */
static void test_swap_bounded_trials(void **state)
{
	struct iap_boot_record rec;
	struct iap_layout l;
	struct dev d;
	static uint8_t old[3000], img[3500];
	struct iap_image_hdr ho, h;
	(void)state;

	dev_open(&d, "f103cb-swap");
	l = *d.layout;
	l.test_boots = 3;
	d.layout = &l;
	make_image(&l, old, sizeof(old), 21, &ho, 1, 0);
	make_image(&l, img, sizeof(img), 22, &h, 2, 0);
	dev_install(&d, old, &ho);
	stage(&d, img, &h);
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_state(&d, IAP_IMAGE_TEST, 2, IAP_STAGE_INSTALLED, IAP_ROLE_OLD);
	for (uint8_t left = 1; left < 3; left--) {
		assert_int_equal(install(&d, &rec), 0);
		assert_int_equal(rec.event, IAP_EVENT_TRIAL);
		assert_state(&d, IAP_IMAGE_TEST, left, IAP_STAGE_INSTALLED,
			     IAP_ROLE_OLD);
		assert_app_is(&d, img, &h);
	}
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_REVERTED);
	assert_app_is(&d, old, &ho);
	l.test_boots = IAP_TEST_BOOTS_MAX + 1;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	dev_close(&d);
}

/* A cut at every operation of the swap: the next boot finishes it. */
static void test_swap_cut_then_resume(void **state)
{
	static uint8_t old[2500], img[4001];
	struct iap_image_hdr ho, h;
	struct iap_boot_record rec;
	struct dev d;
	uint64_t total;
	(void)state;

	dev_open(&d, "f103cb-swap");
	d.sf.cut_action = SIM_CUT_HALT;
	make_image(d.layout, old, sizeof(old), 31, &ho, 1, 0);
	make_image(d.layout, img, sizeof(img), 32, &h, 2, 0);
	dev_install(&d, old, &ho);
	stage(&d, img, &h);
	total = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	total = d.sf.ops_done - total;
	/* journal: erase, 2 headers, start; 4 pages x 3 steps x (erase,
	 * copies of 256 B, flag); 2 records; done flag; trial flag */
	assert_true(total > 40);
	for (uint64_t k = 1; k < total; k++) {
		for (int mode = SIM_CUT_CLEAN; mode <= SIM_CUT_TORN; mode++) {
			dev_install(&d, old, &ho);
			stage(&d, img, &h);
			d.sf.cut_after = d.sf.ops_done + k - 1;
			d.sf.cut_mode = mode;
			d.sf.cut_seed = k * 17 + (uint64_t)mode;
			assert_int_equal(install(&d, &rec), IAP_ERR_CANCELED);
			sim_flash_power_on(&d.sf);
			assert_int_equal(install(&d, &rec), 0);
			assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
			assert_app_is(&d, img, &h);
			assert_stage_holds(&d, old, sizeof(old));
			assert_state(&d, IAP_IMAGE_TEST, 0, IAP_STAGE_INSTALLED,
				     IAP_ROLE_OLD);
		}
	}
	dev_close(&d);
}

/* Nothing installed before: a copy, confirmed, nothing to revert to. */
static void test_swap_onto_empty(void **state)
{
	static uint8_t img[5000];
	struct iap_image_hdr h;
	struct iap_boot_record rec;
	struct dev d;
	(void)state;

	dev_open(&d, "f407vg-swap");
	make_image(d.layout, img, sizeof(img), 41, &h, 3, 0);
	stage(&d, img, &h);
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_INSTALLED);
	assert_app_is(&d, img, &h);
	assert_state(&d, IAP_IMAGE_CONFIRMED, 0, IAP_STAGE_INSTALLED,
		     IAP_ROLE_NONE);
	dev_close(&d);
}

/* The old image was damaged in the stage slot: no revert, keep running. */
static void test_swap_revert_impossible(void **state)
{
	struct iap_boot_record rec;
	struct swap_fx x;
	uint8_t zero[2] = {0, 0};
	uint32_t at;
	(void)state;

	swap_in(&x, "f103cb-swap", 3000, 3500);
	/* Clear bits in the middle of the old payload (NOR allows it). */
	at = x.d.layout->stage_addr + 1000;
	if (x.d.sf.mem[at - x.d.sf.base] == 0 &&
	    x.d.sf.mem[at + 1 - x.d.sf.base] == 0) {
		at += 2;
	}
	x.d.sf.mem[at - x.d.sf.base] = 0;
	x.d.sf.mem[at + 1 - x.d.sf.base] = 0;
	(void)zero;
	assert_int_equal(install(&x.d, &rec), IAP_ERR_CORRUPT);
	assert_int_equal(rec.event, IAP_EVENT_INSTALL_FAILED);
	assert_int_equal(rec.err, IAP_ERR_CORRUPT);
	assert_app_is(&x.d, x.img, &x.h);
	swap_done(&x);
}

/*
 * An installed record whose size is over the slot (CRC right, written from
 * outside the loader) must not size a swap: the swap used to run past the
 * slots, erasing the stage meta and its own journal (fuzz_install).
 */
static void test_swap_oversize_record(void **state)
{
	static const char *boards[] = {"f103cb-move", "f103cb-swap",
				       "f103cb-secure"};
	(void)state;

	for (size_t i = 0; i < sizeof(boards) / sizeof(boards[0]); i++) {
		static uint8_t old[3000], img[3500];
		struct iap_image_hdr ho, h;
		struct iap_boot_record rec;
		struct dev d;
		uint64_t ops;

		dev_open(&d, boards[i]);
		make_image(d.layout, old, sizeof(old), 61, &ho, 1, 0);
		make_image(d.layout, img, sizeof(img), 62, &h, 2, 0);
		dev_install(&d, old, &ho);
		ho.image_size = d.layout->app_size + 1024u;
		assert_int_equal(iap_flash_erase_span(d.flash,
						      d.layout->meta_addr,
						      d.layout->meta_size),
				 0);
		assert_int_equal(iap_image_write_meta(d.flash, d.layout, &ho),
				 0);
		stage(&d, img, &h);
		ops = d.sf.ops_done;
		assert_int_equal(install(&d, &rec), IAP_ERR_FBIG);
		assert_int_equal(rec.event, IAP_EVENT_INSTALL_FAILED);
		assert_int_equal(rec.err, IAP_ERR_FBIG);
		assert_int_equal(d.sf.ops_done, ops);
		assert_int_equal(iap_stage_state(d.flash, d.layout, NULL),
				 IAP_STAGE_PENDING);
		dev_close(&d);
	}
}

/* A journal start record that does not check out starts nothing. */
static void test_swap_journal_garbage(void **state)
{
	struct iap_boot_record rec;
	struct dev d;
	static uint8_t old[3000];
	struct iap_image_hdr ho;
	uint8_t junk[16];
	uint64_t ops;
	(void)state;

	dev_open(&d, "f103cb-swap");
	make_image(d.layout, old, sizeof(old), 51, &ho, 1, 0);
	dev_install(&d, old, &ho);
	memset(junk, 0, sizeof(junk));
	memcpy(junk, "SWAP", 4); /* magic, op 0, no CRC */
	assert_int_equal(d.flash->prog(d.flash->ctx,
				       d.layout->journal_addr + 512, junk,
				       sizeof(junk)),
			 0);
	ops = d.sf.ops_done;
	assert_int_equal(install(&d, &rec), 0);
	assert_int_equal(rec.event, IAP_EVENT_NONE);
	assert_int_equal(d.sf.ops_done, ops);
	assert_app_is(&d, old, &ho);
	dev_close(&d);
}

static void test_confirm_rules(void **state)
{
	struct dev d;
	static uint8_t old[3000];
	struct iap_image_hdr ho;
	uint64_t ops;
	(void)state;

	dev_open(&d, "f103cb-swap");
	assert_int_equal(iap_confirm(d.flash, d.layout), IAP_ERR_NOENT);
	make_image(d.layout, old, sizeof(old), 61, &ho, 1, 0);
	dev_install(&d, old, &ho);
	/* Installed by the protocol: confirmed, nothing to write. */
	ops = d.sf.ops_done;
	assert_int_equal(iap_confirm(d.flash, d.layout), 0);
	assert_int_equal(d.sf.ops_done, ops);
	dev_close(&d);
}

static void test_swap_layout_rules(void **state)
{
	struct iap_layout l;
	struct dev d;
	(void)state;

	dev_open(&d, "f103cb-swap");
	l = *d.layout;
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	l.scratch_size = 0;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.journal_size = 0x400; /* 54 pages need 528 + 163 x 4 bytes */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.stage_size -= 0x400; /* slots of different sizes */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	l.scratch_addr = l.journal_addr; /* scratch over the journal */
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	dev_close(&d);

	dev_open(&d, "f407vg-swap");
	l = *d.layout;
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	/* A 16 KiB scratch cannot hold a 128 KiB sector. */
	l.scratch_addr = 0x08010000u;
	l.scratch_size = 0x10000u;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	l = *d.layout;
	/* App in sectors 4-6 (64 + 128 + 128 KiB) against stage 8-10. */
	l.app_addr = 0x08010000u;
	l.app_size = 0x50000u;
	l.stage_size = 0x50000u;
	assert_int_equal(iap_layout_check(&l, d.flash), IAP_ERR_INVAL);
	dev_close(&d);

	/* By moving: every sector of the app slot and the scratch sector
	 * the same size. 96 x 1 KiB pages, then 16 x 2 KiB. */
	dev_open(&d, "f103cb-move");
	{
		static const struct iap_flash_region mixed[2] = {
			{0x08000000u, 0x400u, 96}, {0x08018000u, 0x800u, 16}};
		struct iap_flash fl = *d.flash;

		fl.regions = mixed;
		fl.region_count = 2;
		l = *d.layout;
		l.stage_meta_addr = 0x08004000u;
		l.stage_meta_size = 0x800u;
		l.stage_addr = 0x08004800u;
		l.stage_size = 0x9C00u;
		l.app_addr = 0x0800E400u;
		l.app_size = 0x9C00u;
		/* The 2 KiB sector right after the app slot: moving, but the
		 * slot's last page cannot move into it. */
		l.scratch_addr = 0x08018000u;
		l.scratch_size = 0x800u;
		l.journal_addr = 0x08018800u;
		l.journal_size = 0x800u;
		assert_true(iap_layout_swap_moves(&l));
		assert_int_equal(iap_layout_check(&l, &fl), IAP_ERR_INVAL);
		/* The same sectors swapped: a scratch buffer, fine. */
		l.journal_addr = 0x08018000u;
		l.scratch_addr = 0x08018800u;
		assert_false(iap_layout_swap_moves(&l));
		assert_int_equal(iap_layout_check(&l, &fl), 0);
	}
	dev_close(&d);
	dev_open(&d, "f103cb-move");
	l = *d.layout;
	assert_true(iap_layout_swap_moves(&l));
	assert_int_equal(iap_layout_check(&l, d.flash), 0);
	dev_close(&d);
	dev_open(&d, "f103cb-swap");
	assert_false(iap_layout_swap_moves(d.layout));
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
		cmocka_unit_test(test_swap_confirm_f103),
		cmocka_unit_test(test_swap_confirm_f407),
		cmocka_unit_test(test_swap_confirm_move),
		cmocka_unit_test(test_swap_wear),
		cmocka_unit_test(test_swap_revert_move),
		cmocka_unit_test(test_swap_revert),
		cmocka_unit_test(test_swap_bounded_trials),
		cmocka_unit_test(test_swap_cut_then_resume),
		cmocka_unit_test(test_swap_onto_empty),
		cmocka_unit_test(test_swap_revert_impossible),
		cmocka_unit_test(test_swap_journal_garbage),
		cmocka_unit_test(test_swap_oversize_record),
		cmocka_unit_test(test_confirm_rules),
		cmocka_unit_test(test_swap_layout_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
