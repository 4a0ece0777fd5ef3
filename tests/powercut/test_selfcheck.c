/*
 * powercut.selfcheck: the harness must be able to fail. The invariant
 * checker is shown states that break it, and a sweep over a deliberately
 * unsafe install strategy must report failures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iap/iap_err.h"
#include "powercut.h"

static int failures;

static void expect(int cond, const char *what)
{
	printf("powercut selfcheck: %-62s %s\n", what, cond ? "ok" : "FAIL");
	if (!cond) {
		failures++;
	}
}

/* pc_check() on a made-up decision must flag it (and say why). */
static void expect_flagged(const struct pc_dev *d, const struct pc_history *h,
			   const struct pc_outcome *o, const char *what,
			   const char *because)
{
	struct pc_outcome tmp = *o;
	char why[PC_WHY] = "";
	int r = pc_check(d, h, &tmp, why, sizeof(why));

	expect(r != 0 && strstr(why, because) != NULL, what);
	if (r != 0) {
		printf("powercut selfcheck:   (%s)\n", why);
	}
}

static void checker(void)
{
	struct pc_dev d;
	struct pc_image v1, v2;
	struct pc_history h;
	struct pc_outcome o, fake;
	struct pc_strategy keeps;
	char why[PC_WHY];
	uint8_t *slot;
	int cuts = 0;

	if (pc_dev_open(&d, "f103c8", &pc_single_slot) != 0 ||
	    pc_image_make(&v1, d.layout, 4000, 11, 1, 0, 0) != 0 ||
	    pc_image_make(&v2, d.layout, 4501, 22, 2, 0, 0) != 0) {
		expect(0, "set up");
		return;
	}
	slot = &d.sf.mem[d.layout->app_addr - d.sf.base];
	memset(&h, 0, sizeof(h));
	pc_history_add(&h, &v1);
	pc_history_add(&h, &v2);
	expect(pc_install(&d, &h, 0, &o, why, sizeof(why)) == 0 &&
		       pc_install(&d, &h, 1, &o, why, sizeof(why)) == 0,
	       "v1 then v2 installed cleanly");
	expect(o.jumped && o.image == 1, "the real loader boots v2");

	fake = o;
	expect(pc_check(&d, &h, &fake, why, sizeof(why)) == 0,
	       "the checker accepts v2 in the slot");

	/* A slot with one byte wrong, under a header claiming v2. */
	slot[1234] ^= 0x10;
	expect_flagged(&d, &h, &o, "flags a jump to v2 with a corrupted byte",
		       "differs");
	expect(pc_boot(&d, NULL, &cuts, &fake) == 0 && !fake.jumped &&
		       fake.reason == IAP_REASON_BAD_IMAGE,
	       "the real loader refuses the corrupted slot");
	expect(pc_check(&d, &h, &fake, why, sizeof(why)) == 0,
	       "the checker accepts waiting for a new image then");
	slot[1234] ^= 0x10;

	/* v2 booting although its update never got to the commit. */
	h.may_boot[1] = 0;
	expect_flagged(&d, &h, &o, "flags v2 booting before its commit",
		       "never reached");
	h.may_boot[1] = 1;

	fake = o;
	fake.hdr.version.major = 9;
	expect_flagged(&d, &h, &fake, "flags an image never offered",
		       "never offered");
	fake = o;
	fake.hdr.sha256[0] ^= 1;
	expect_flagged(&d, &h, &fake, "flags a header claiming v2 that is not",
		       "not its header");
	fake = o;
	fake.jump_addr += 0x400;
	expect_flagged(&d, &h, &fake, "flags a jump outside the slot",
		       "not the slot");
	memset(&fake, 0, sizeof(fake));
	fake.reason = IAP_REASON_REQUESTED;
	expect_flagged(&d, &h, &fake, "flags update mode for another reason",
		       "for reason");
	fake.reason = IAP_REASON_NO_IMAGE;
	expect(pc_check(&d, &h, &fake, why, sizeof(why)) == 0,
	       "single slot: waiting with no image is allowed");
	/* A strategy that keeps the old image (revert) may never wait. */
	keeps = pc_single_slot;
	keeps.may_wait = 0;
	d.st = &keeps;
	h.booted = 0;
	expect(pc_check(&d, &h, &fake, why, sizeof(why)) == 0,
	       "keeps an image: waiting before any image booted is allowed");
	h.booted = 1;
	expect_flagged(&d, &h, &fake, "flags waiting where an image must stay",
		       "must always keep");
	d.st = &pc_single_slot;

	pc_image_free(&v1);
	pc_image_free(&v2);
	pc_dev_close(&d);
}

/* Commit first, no hash at boot: cutting it must be caught. */
static void broken_strategy(const struct pc_strategy *st, const char *board)
{
	static const int modes[] = {SIM_CUT_CLEAN, SIM_CUT_TORN};

	for (size_t m = 0; m < 2; m++) {
		struct pc_sweep_stats s;
		char what[128];
		int err = pc_sweep(st, board, 5000, 6001, modes[m], 1, 1, &s);

		snprintf(what, sizeof(what),
			 "sweep of %s (%s) fails: %" PRIu32 "/%" PRIu32 " cuts",
			 st->name, pc_mode_str(modes[m]), s.failures, s.cuts);
		expect(err == 0 && s.failures > 0, what);
	}
}

/*
 * Boot-time flash operations (a swap strategy will have them): a boot that
 * erases the last sector first. A cut there must be taken, the board
 * powered on again, and the decision made on the second power-on.
 */
static int erase_then_boot(struct pc_dev *d, struct pc_outcome *out)
{
	const struct iap_flash_region *r =
		&d->flash.regions[d->flash.region_count - 1];
	int err = d->flash.erase(d->flash.ctx,
				 r->addr + r->sector_size * (r->count - 1));

	return err ? err : pc_single_slot.boot(d, out);
}

static void boot_cuts(void)
{
	struct pc_strategy st = pc_single_slot;
	struct pc_dev d;
	struct pc_image v1, v2;
	struct pc_history h;
	struct pc_outcome o;
	struct pc_attempt res;
	struct pc_cut none = {0, SIM_CUT_CLEAN, 0};
	struct pc_cut first = {1, SIM_CUT_TORN, 99};
	char why[PC_WHY];
	int cuts = -1;

	st.name = "single-slot, erasing at boot";
	st.boot = erase_then_boot;
	if (pc_dev_open(&d, "f103c8", &st) != 0 ||
	    pc_image_make(&v1, d.layout, 3000, 5, 1, 0, 0) != 0 ||
	    pc_image_make(&v2, d.layout, 3500, 6, 2, 0, 0) != 0) {
		expect(0, "set up");
		return;
	}
	memset(&h, 0, sizeof(h));
	pc_history_add(&h, &v1);
	pc_history_add(&h, &v2);
	expect(pc_install(&d, &h, 0, &o, why, sizeof(why)) == 0,
	       "boot with flash ops: v1 installed");
	expect(pc_boot(&d, &first, &cuts, &o) == 0 && cuts == 1 && o.jumped &&
		       o.hdr.version.major == 1,
	       "a cut during the boot is taken, the next power-on decides");
	expect(pc_attempt(&d, &h, 1, &none, &first, &o, &res) == 0 &&
		       res.reboot_cuts == 1 && res.first.image == 1,
	       "an attempt counts the cut during its first power-on");
	pc_image_free(&v1);
	pc_image_free(&v2);
	pc_dev_close(&d);
}

int main(void)
{
	struct pc_strategy claims_revert;

	setvbuf(stdout, NULL, _IOLBF, 0);
	checker();
	boot_cuts();
	broken_strategy(&pc_broken_commit_first, "f103c8");
	broken_strategy(&pc_broken_flag_first, "f103cb-staged");
	broken_strategy(&pc_broken_unjournaled, "f103cb-swap");
	/* An application that confirms, checked as if it never did: the
	 * board keeps the new image, and the revert check must say so. */
	claims_revert = pc_swap;
	claims_revert.name = "swap, checked as revert";
	claims_revert.reverts = 1;
	claims_revert.is_final = NULL;
	broken_strategy(&claims_revert, "f103cb-swap");
	printf("powercut selfcheck: %s\n",
	       failures ? "FAILED" : "the harness detects what it must");
	return failures ? 1 : 0;
}
