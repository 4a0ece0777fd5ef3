/*
 * powercut.sweep: every flash operation of an update, cut once each (torn:
 * several times), for each install strategy on each board geometry and in
 * each cut mode (docs/POWERCUT.md). Overwrite updates include the install
 * the loader does after BOOT.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "iap/iap_err.h"
#include "powercut.h"

struct sweep_case {
	const struct pc_strategy *st;
	const char *board;
	uint32_t old_size, new_size;
	uint32_t torn_seeds; /* 0: TORN_SEEDS */
};

/*
 * f103c8: 1 KiB pages, 2-byte units; odd sizes leave a padded last unit.
 * f407vg: the slot starts at 0x08008000 in a 16 KiB sector; the old image
 * crosses into the next 16 KiB sector, the new one into the 64 KiB sector
 * at 0x08010000.
 */
static const struct sweep_case cases[] = {
	{&pc_single_slot, "f103c8", 5000, 6001, 0},
	{&pc_single_slot, "f407vg", 20000, 36001, 0},
	/* Stage slot at 0x08012400, app at 0x08004000, 1 KiB pages. */
	{&pc_overwrite, "f103cb-staged", 5000, 6001, 0},
	/* App and stage in 128 KiB sectors (5 and 8). */
	{&pc_overwrite, "f407vg-staged", 20000, 36001, 0},
	/* Swap: scratch and journal pages after the stage slot. */
	{&pc_swap, "f103cb-swap", 5000, 6001, 0},
	{&pc_revert, "f103cb-swap", 5000, 6001, 0},
	/* Swap: 128 KiB sectors, the scratch is sector 11; every cut of
	 * these erases and copies whole 128 KiB sectors: fewer patterns. */
	{&pc_swap, "f407vg-swap", 20000, 36001, 3},
	{&pc_revert, "f407vg-swap", 20000, 36001, 3},
	/* Swap by moving: the scratch is the sector right after the app
	 * slot, the image moves up one sector, then the slots swap. */
	{&pc_swap, "f103cb-move", 5000, 6001, 0},
	{&pc_revert, "f103cb-move", 5000, 6001, 0},
	{&pc_swap, "f407vg-move", 20000, 36001, 3},
	{&pc_revert, "f407vg-move", 20000, 36001, 3},
	/* Swap by moving and an anti-rollback record that the boot after
	 * the confirmation raises: cuts in that raise too. */
	{&pc_swap, "f103cb-secure", 5000, 6001, 0},
	{&pc_revert, "f103cb-secure", 5000, 6001, 0},
	{&pc_swap, "f407vg-secure", 20000, 36001, 2},
	{&pc_revert, "f407vg-secure", 20000, 36001, 2},
};

/* Torn cuts leave a random pattern: each operation is cut this often. */
#define TORN_SEEDS 8u

int main(void)
{
	static const int modes[] = {SIM_CUT_CLEAN, SIM_CUT_TORN};
	uint32_t failures = 0;
	int err = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (size_t m = 0; m < 2; m++) {
			struct pc_sweep_stats s;
			uint32_t torn = cases[c].torn_seeds
						? cases[c].torn_seeds
						: TORN_SEEDS;
			uint32_t seeds = modes[m] == SIM_CUT_TORN ? torn : 1u;
			clock_t t0 = clock();

			err = pc_sweep(cases[c].st, cases[c].board,
				       cases[c].old_size, cases[c].new_size,
				       modes[m], seeds, 5, &s);
			if (err) {
				fprintf(stderr,
					"powercut sweep %s: harness error "
					"%s (%d)\n",
					cases[c].board, iap_strerror(err), err);
				return 1;
			}
			printf("powercut sweep %s %s %s: %" PRIu32
			       " ops (%" PRIu32 " erase, %" PRIu32
			       " program), %" PRIu32 " cuts, %" PRIu32
			       " failures, old booted %" PRIu32
			       ", new booted %" PRIu32 ", update mode %" PRIu32
			       " (%.2f s)\n",
			       cases[c].st->name, cases[c].board,
			       pc_mode_str(modes[m]), s.ops, s.erases,
			       s.ops - s.erases, s.cuts, s.failures,
			       s.old_booted, s.new_booted, s.waiting,
			       (double)(clock() - t0) / CLOCKS_PER_SEC);
			failures += s.failures;
			if (s.cuts != s.ops * seeds) {
				fprintf(stderr,
					"powercut sweep: %" PRIu32
					" cuts for %" PRIu32 " ops\n",
					s.cuts, s.ops * seeds);
				failures++;
			}
		}
	}
	return failures ? 1 : 0;
}
