/*
 * powercut.random: many short lives of a board, each a few updates cut at
 * random operations in random modes (sometimes not cut, sometimes cut again
 * while it powers on), every power-on checked, then a clean upload that
 * must boot. Seeded and replayable (docs/POWERCUT.md):
 *
 *   POWERCUT_SEED=S   base seed (default below); run i+1's seed is drawn
 *                     from run i's, so a failing run is replayed with
 *                     POWERCUT_SEED=<its seed> POWERCUT_RUNS=1
 *   POWERCUT_RUNS=R   number of runs (default 10000)
 *   POWERCUT_STRATEGY=NAME  install strategy (default: the runs are
 *                     shared: single-slot, overwrite, swap, revert;
 *                     broken-commit-first shows what failures look like)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iap/iap_err.h"
#include "powercut.h"

#define DEFAULT_SEED 0x1A9B00C0FFEE2024u
#define DEFAULT_RUNS 10000u
#define POOL	     8 /* images per board */
#define MAX_UPDATES  4
#define MAX_PRINT    5 /* failures printed in full */

/*
 * Small images keep 10,000 runs quick. On the f103c8 they span 3 to 8
 * pages. The f407vg slot starts in a 16 KiB sector at 0x08008000: every
 * image there crosses into the second 16 KiB sector, the last two into the
 * 64 KiB sector at 0x08010000.
 */
static const uint32_t f103_sizes[POOL] = {3001, 3584, 4096, 4711,
					  5120, 6143, 7001, 8192};
static const uint32_t f407_sizes[POOL] = {16385, 16900, 17410, 18001,
					  18432, 19999, 33000, 34817};
/*
 * The staged f407vg has its app and stage slots in 128 KiB sectors: the
 * largest image crosses into the second one of each.
 */
static const uint32_t f407_staged_sizes[POOL] = {16385, 16900, 17410, 18001,
						 18432, 19999, 33000, 131075};

struct board {
	const char *name;
	const uint32_t *sizes;
	struct pc_dev *d;
	struct pc_image img[POOL];
	uint32_t ops[POOL]; /* operations of a clean update to img[i] */
};

struct plan {
	int image; /* pool index */
	struct pc_cut cut, boot_cut;
};

struct totals {
	uint64_t runs, updates, cuts, boot_cuts, failures;
	uint64_t old_booted, new_booted, waiting;
};

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s) {
		return def;
	}
	v = strtoull(s, &end, 0);
	if (*end) {
		fprintf(stderr, "powercut random: bad %s=%s\n", name, s);
		exit(2);
	}
	return v;
}

static int board_setup(struct board *b, int which, const struct pc_strategy *st)
{
	struct pc_history h;
	struct pc_outcome o;
	char why[PC_WHY];
	int err;

	b->d = calloc(1, sizeof(*b->d));
	if (!b->d || pc_dev_open(b->d, b->name, st) != 0) {
		return IAP_ERR_IO;
	}
	for (int i = 0; i < POOL; i++) {
		err = pc_image_make(&b->img[i], b->d->layout, b->sizes[i],
				    (uint64_t)(which * POOL + i) * 7919u + 5u,
				    (uint8_t)(i + 1), (uint8_t)which,
				    (uint32_t)(i * 7 + 1));
		if (err) {
			return err;
		}
	}
	/* How many operations an update to each image takes. */
	for (int i = 0; i < POOL; i++) {
		memset(&h, 0, sizeof(h));
		pc_history_add(&h, &b->img[(i + 1) % POOL]);
		err = pc_dev_reset(b->d);
		if (err) {
			return err;
		}
		if (pc_install(b->d, &h, 0, &o, why, sizeof(why)) != 0) {
			fprintf(stderr, "powercut random: %s: %s\n", b->name,
				why);
			return IAP_ERR_IO;
		}
		err = pc_count_ops(b->d, &b->img[i], &b->ops[i]);
		if (err) {
			return err;
		}
	}
	return 0;
}

static void describe_cut(const struct pc_cut *c, uint32_t ops, char *buf,
			 size_t len)
{
	char of[16] = "", seed[40] = "";

	if (!c->at) {
		snprintf(buf, len, "no cut");
		return;
	}
	if (ops) {
		snprintf(of, sizeof(of), "/%" PRIu32, ops);
	}
	if (c->mode == SIM_CUT_TORN) {
		snprintf(seed, sizeof(seed), " (torn seed 0x%016" PRIx64 ")",
			 c->seed);
	}
	snprintf(buf, len, "cut at op %" PRIu32 "%s %s%s", c->at, of,
		 pc_mode_str(c->mode), seed);
}

static void report(const struct board *b, uint64_t run, uint64_t seed,
		   int first, const struct plan *p, int n, int failed_at,
		   const char *why)
{
	char v[48], c1[96], c2[96];

	fprintf(stderr,
		"powercut random: FAIL run %" PRIu64 " seed 0x%016" PRIx64
		" board %s: %s\n",
		run, seed, b->name, why);
	if (first < 0) {
		fprintf(stderr, "powercut random:   starts erased\n");
	} else {
		fprintf(stderr,
			"powercut random:   installed %s (%" PRIu32 " B)\n",
			pc_version_str(&b->img[first].hdr, v, sizeof(v)),
			b->img[first].size);
	}
	for (int j = 0; j < n; j++) {
		const struct pc_image *img = &b->img[p[j].image];

		describe_cut(&p[j].cut, b->ops[p[j].image], c1, sizeof(c1));
		describe_cut(&p[j].boot_cut, 0, c2, sizeof(c2));
		fprintf(stderr,
			"powercut random:   update %d to %s (%" PRIu32
			" B): %s; power-on: %s%s\n",
			j + 1, pc_version_str(&img->hdr, v, sizeof(v)),
			img->size, c1, c2,
			j == failed_at ? "   <- failed here" : "");
	}
	if (failed_at < 0) {
		fprintf(stderr,
			"powercut random:   the first install failed\n");
	}
	if (failed_at == n) {
		fprintf(stderr,
			"powercut random:   final clean upload   <- failed "
			"here\n");
	}
	fprintf(stderr,
		"powercut random:   replay: POWERCUT_STRATEGY=%s "
		"POWERCUT_SEED=0x%016" PRIx64 " POWERCUT_RUNS=1 "
		"powercut_random\n",
		b->d->st->name, seed);
	pc_print_trace(b->d, "powercut random:  ");
}

/* One life of a board. Returns 0, -1 (failure reported) or an error. */
static int run_one(struct board *boards, uint32_t nb, uint64_t run,
		   uint64_t seed, struct totals *t, int print)
{
	uint64_t rs = seed;
	struct board *b = &boards[pc_mix(&rs) % nb];
	int n = 1 + (int)(pc_mix(&rs) % MAX_UPDATES);
	int order[POOL], first, last, idx, blank;
	struct plan p[MAX_UPDATES];
	struct pc_history h;
	struct pc_outcome before;
	struct pc_attempt res;
	char why[PC_WHY];
	int err;

	/* Distinct images: versions tell them apart. */
	for (int i = 0; i < POOL; i++) {
		order[i] = i;
	}
	for (int i = 0; i < n + 2; i++) {
		int j = i + (int)(pc_mix(&rs) % (uint64_t)(POOL - i));
		int tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	first = order[0];
	last = order[n + 1];
	/* Draw the whole plan first: a replay draws the same. */
	for (int j = 0; j < n; j++) {
		uint64_t r = pc_mix(&rs);

		p[j].image = order[j + 1];
		p[j].cut.at = r % 8u == 0 ? 0
					  : 1u + (uint32_t)((r >> 3) %
							    b->ops[p[j].image]);
		p[j].cut.mode = (int)((r >> 40) & 1u);
		p[j].cut.seed = pc_mix(&rs);
		r = pc_mix(&rs);
		/* A boot that installs does about as many ops as the update. */
		p[j].boot_cut.at =
			r % 8u == 0
				? 1u + (uint32_t)((r >> 3) %
						  (b->d->st->staged
							   ? b->ops[p[j].image]
							   : 2u))
				: 0;
		p[j].boot_cut.mode = (int)((r >> 40) & 1u);
		p[j].boot_cut.seed = pc_mix(&rs);
	}

	blank = pc_mix(&rs) % 8u == 0;

	memset(&h, 0, sizeof(h));
	err = pc_dev_reset(b->d);
	if (err) {
		return err;
	}
	if (blank) {
		/* The first install ever, onto an erased device. */
		int cuts = 0;

		err = pc_boot(b->d, NULL, &cuts, &before);
		if (err) {
			return err;
		}
	} else {
		pc_history_add(&h, &b->img[first]);
		if (pc_install(b->d, &h, 0, &before, why, sizeof(why)) != 0) {
			if (print) {
				report(b, run, seed, first, p, n, -1, why);
			}
			return -1;
		}
	}
	for (int j = 0; j < n; j++) {
		int r;

		idx = pc_history_add(&h, &b->img[p[j].image]);
		r = pc_attempt(b->d, &h, idx, &p[j].cut, &p[j].boot_cut,
			       &before, &res);
		if (r < -1) {
			return r;
		}
		t->updates++;
		t->cuts += res.cut_taken ? 1u : 0u;
		t->boot_cuts += (uint64_t)res.reboot_cuts;
		if (r) {
			if (print) {
				report(b, run, seed, blank ? -1 : first, p, n,
				       j, res.why);
			}
			return -1;
		}
		if (!res.first.jumped) {
			t->waiting++;
		} else if (res.first.image == idx) {
			t->new_booted++;
		} else {
			t->old_booted++;
		}
		before = res.last;
	}
	idx = pc_history_add(&h, &b->img[last]);
	if (pc_install(b->d, &h, idx, &before, why, sizeof(why)) != 0) {
		if (print) {
			report(b, run, seed, blank ? -1 : first, p, n, n, why);
		}
		return -1;
	}
	return 0;
}

/* All runs of one strategy. Returns 0, 1 (failures) or a harness error. */
static int run_strategy(const struct pc_strategy *st, uint64_t base,
			uint64_t runs)
{
	/* Swap: through a scratch sector, and by moving (-move boards). */
	struct board boards[4] = {
		{.name = "f103c8", .sizes = f103_sizes},
		{.name = "f407vg", .sizes = f407_sizes},
		{.name = "f103cb-move", .sizes = f103_sizes},
		{.name = "f407vg-move", .sizes = f407_staged_sizes}};
	uint32_t nb = 2;
	struct totals t;
	uint64_t seed = base;
	clock_t t0 = clock();
	int err = 0;

	if (st->staged) {
		int swap = st->staged == IAP_INSTALL_SWAP;

		boards[0].name = swap ? "f103cb-swap" : "f103cb-staged";
		boards[1].name = swap ? "f407vg-swap" : "f407vg-staged";
		boards[1].sizes = f407_staged_sizes;
		nb = swap ? 4 : 2;
	}
	memset(&t, 0, sizeof(t));
	printf("powercut random: %s, base seed 0x%016" PRIx64 ", %" PRIu64
	       " runs (POWERCUT_SEED, POWERCUT_RUNS)\n",
	       st->name, base, runs);
	for (uint32_t i = 0; !err && i < nb; i++) {
		err = board_setup(&boards[i], (int)i, st);
		if (err) {
			break;
		}
		printf("powercut random: %s: updates take %" PRIu32 "..%" PRIu32
		       " flash ops (images %" PRIu32 "..%" PRIu32 " B)\n",
		       boards[i].name, boards[i].ops[0],
		       boards[i].ops[POOL - 1], boards[i].sizes[0],
		       boards[i].sizes[POOL - 1]);
	}
	for (uint64_t run = 0; !err && run < runs; run++) {
		uint64_t next = seed;
		int r = run_one(boards, nb, run, seed, &t,
				t.failures < MAX_PRINT);

		if (r < -1) {
			fprintf(stderr,
				"powercut random: harness error %s (%d) in "
				"run %" PRIu64 " seed 0x%016" PRIx64 "\n",
				iap_strerror(r), r, run, seed);
			err = r;
		}
		t.runs++;
		t.failures += r == -1;
		seed = pc_mix(&next);
	}
	printf("powercut random: %s: %" PRIu64 " updates: old booted %" PRIu64
	       ", new booted %" PRIu64 ", update mode %" PRIu64 "; %" PRIu64
	       " cuts while powering on (%.1f s)\n",
	       st->name, t.updates, t.old_booted, t.new_booted, t.waiting,
	       t.boot_cuts, (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("powercut random: %s: %" PRIu64 " runs, %" PRIu64
	       " cuts, %" PRIu64 " failures (seed 0x%016" PRIx64 ")\n",
	       st->name, t.runs, t.cuts + t.boot_cuts, t.failures, base);
	for (uint32_t i = 0; i < nb; i++) {
		for (int j = 0; j < POOL; j++) {
			pc_image_free(&boards[i].img[j]);
		}
		if (boards[i].d) {
			pc_dev_close(boards[i].d);
			free(boards[i].d);
		}
	}
	return err ? err : t.failures ? 1 : 0;
}

int main(void)
{
	uint64_t base = env_u64("POWERCUT_SEED", DEFAULT_SEED);
	uint64_t runs = env_u64("POWERCUT_RUNS", DEFAULT_RUNS);
	const char *name = getenv("POWERCUT_STRATEGY");
	const struct pc_strategy *st;
	static const struct pc_strategy *const real[] = {
		&pc_single_slot, &pc_overwrite, &pc_swap, &pc_revert};
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (name && *name) {
		st = pc_strategy_find(name);
		if (!st) {
			fprintf(stderr, "powercut random: no strategy %s\n",
				name);
			return 2;
		}
		return run_strategy(st, base, runs) ? 1 : 0;
	}
	/* The default shares the runs between the real strategies. */
	for (uint64_t i = 0; i < 4; i++) {
		uint64_t n = runs * (i + 1) / 4 - runs * i / 4;

		failed |= run_strategy(real[i], base, n) != 0;
	}
	return failed;
}
