/*
 * Power-cut harness: a simulated board whose flash can lose power at any
 * operation (sim_flash, SIM_CUT_HALT), the real loader and protocol server
 * on it, and the real host client talking to it over an in-memory line.
 *
 * An install strategy (how an update reaches the device and how the device
 * boots afterwards) is a table entry, struct pc_strategy; the harness cuts
 * its update at a chosen operation, powers the board on again and checks
 * the invariant of docs/POWERCUT.md with pc_check(). See docs/POWERCUT.md.
 */
#ifndef POWERCUT_H
#define POWERCUT_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "iap/iap_boot.h"
#include "iap/iap_image.h"
#include "sim.h"

#define PC_MAX_IMAGES 16   /* images offered to one device in one run */
#define PC_REBOOTS    3	   /* power-ons after each attempt */
#define PC_TRACE      512  /* flash operations remembered per attempt */
#define PC_WHY	      512  /* failure text */
#define PC_SCRATCH    1024 /* the loader's hashing buffer, as in iap-sim */

/* An application image as the host holds it. */
struct pc_image {
	uint8_t *data;	/* payload, padded with 0xFF to a multiple of 16 */
	uint32_t size;	/* payload bytes (hdr.image_size) */
	uint32_t alloc; /* bytes in data */
	struct iap_image_hdr hdr;
};

/* What a power-on decided. */
struct pc_outcome {
	int jumped; /* 1: the loader jumps to the application */
	int reason; /* enum iap_boot_reason */
	int err;    /* why the image failed, for IAP_REASON_BAD_IMAGE */
	uint32_t jump_addr;
	struct iap_image_hdr hdr; /* what it boots, when jumped */
	int image;		  /* index in the history, -1: none */
};

/* One flash operation the core asked for, as the harness saw it. */
struct pc_op {
	uint8_t op;  /* enum sim_flash_op */
	uint8_t hit; /* this operation hit the cut */
	uint32_t addr, len;
};

struct pc_dev;

/*
 * An install strategy. update() installs img the way the host and the
 * device do it on a real board and returns 0 once the device has taken it
 * (installed and asked to boot it), IAP_ERR_CANCELED when the power went,
 * or another error. is_commit() says whether a flash operation is the one
 * after which the new image may boot. boot() is one power-on: it decides
 * what the device runs and fills out; it returns 0, IAP_ERR_CANCELED when
 * the power went during the decision, or another error.
 */
struct pc_strategy {
	const char *name;
	int may_wait; /* after a cut, waiting in update mode is allowed */
	int staged;   /* needs a board with a stage slot (its enum
		       * iap_install_kind); boot writes flash */
	int confirms; /* swap: the application confirms itself when it runs */
	int reverts;  /* swap: it never does, and the board goes back */
	int (*update)(struct pc_dev *d, const struct pc_image *img);
	int (*is_commit)(const struct pc_dev *d, int op, uint32_t addr,
			 uint32_t len);
	/* The operation after which the new image must boot for good (NULL:
	 * none: the update completing decides). */
	int (*is_final)(const struct pc_dev *d, int op, uint32_t addr,
			uint32_t len);
	int (*boot)(struct pc_dev *d, struct pc_outcome *out);
};

/* Single slot, over the protocol: START erases, WRITEs, FINISH commits. */
extern const struct pc_strategy pc_single_slot;

/*
 * Overwrite install: START into the stage slot, WRITEs, FINISH commits the
 * stage record, BOOT; the loader copies stage -> app (at that BOOT, and
 * again at every power-on until it is done). Boards with a stage slot.
 */
extern const struct pc_strategy pc_overwrite;

/*
 * Swap install with revert, an application that confirms itself: START
 * into the stage slot, WRITEs, FINISH, BOOT; the loader swaps the slots
 * and boots the new image on trial, which confirms itself (the CONFIRM
 * flag: from then on it must boot). Boards with IAP_INSTALL_SWAP.
 */
extern const struct pc_strategy pc_swap;

/*
 * The same with an application that never confirms itself: the next
 * power-on swaps the old image back, and it must boot from then on.
 */
extern const struct pc_strategy pc_revert;

/*
 * Deliberately unsafe, for the self-check only: commits the metadata
 * before the payload is written and boots without checking the hash. The
 * harness must report failures for it.
 */
extern const struct pc_strategy pc_broken_commit_first;

/*
 * Deliberately unsafe, for the self-check only: an overwrite install that
 * writes the stage record's "installed" flag before it copies.
 */
extern const struct pc_strategy pc_broken_flag_first;

/*
 * Deliberately unsafe, for the self-check only: a swap that keeps no
 * journal, so a cut in the middle cannot be resumed.
 */
extern const struct pc_strategy pc_broken_unjournaled;

/** The strategy called name ("single-slot", ...), or NULL. */
const struct pc_strategy *pc_strategy_find(const char *name);

/* Images offered to the device so far, and which of them may boot. */
struct pc_history {
	const struct pc_image *img[PC_MAX_IMAGES];
	uint8_t may_boot[PC_MAX_IMAGES];
	int n;
	int booted; /* a checked power-on has jumped to an image */
};

/* Where and how to cut: at operation `at` of an attempt (1-based; 0 none). */
struct pc_cut {
	uint32_t at;
	int mode; /* enum sim_cut_mode */
	uint64_t seed;
};

struct pc_dev {
	const struct sim_board *board;
	const struct iap_layout *layout;
	const struct pc_strategy *st;
	struct sim_flash sf;
	struct iap_flash flash; /* what the core uses: watches, then sf.ops */
	char path[64];

	/* Watched operations of the current attempt. */
	struct pc_op trace[PC_TRACE];
	uint32_t trace_len;
	int commit_reached;
	int commit_done; /* ... and that operation completed, not cut */
	int final_done;	 /* the strategy's is_final operation completed */
	int confirm;	 /* the application confirms itself (swap) */
	uint32_t span_lo, span_hi; /* sectors ever programmed or erased */

	/* The device: loader and its buffers. */
	struct iap_loader ld;
	struct iap_loader_cfg cfg;
	uint8_t rx[SIM_MAX_PAYLOAD];
	uint8_t tx[IAP_SERVER_TX_MIN];
	uint8_t scratch[PC_SCRATCH];

	/* The line, device to host. */
	uint8_t out[4096];
	size_t out_len, out_pos;
	int jumped; /* the device acknowledged BOOT */

	struct iap_client *cl;
	uint8_t seq;
};

/* The result of one attempt (update with a cut, then PC_REBOOTS boots). */
struct pc_attempt {
	uint32_t ops;	 /* flash operations of the update that completed */
	int cut_taken;	 /* the power went during the update */
	int reboot_cuts; /* cuts taken during the boots */
	int update_err;	 /* what update() returned */
	struct pc_outcome first; /* what the first complete boot decided */
	struct pc_outcome last;	 /* ... and the last one */
	int failed;
	char why[PC_WHY];
};

/**
 * pc_dev_open() - board `name` on a fresh erased flash file, watched, with
 * strategy st. Returns 0 or a negative IAP_ERR_* (message on stderr).
 */
int pc_dev_open(struct pc_dev *d, const char *name,
		const struct pc_strategy *st);
void pc_dev_close(struct pc_dev *d);

/**
 * pc_dev_reset() - power on and erase every sector ever programmed or
 * erased (outside the bootloader), as from the factory. Returns 0 or the
 * flash error.
 */
int pc_dev_reset(struct pc_dev *d);

/**
 * pc_image_make() - a plausible application of size bytes for d's layout:
 * vector table (SP at the top of RAM, reset handler in the image), payload
 * from seed, version major.minor.0+build, header with its hash. Returns 0
 * or IAP_ERR_INVAL (size) / IAP_ERR_IO (out of memory).
 */
int pc_image_make(struct pc_image *img, const struct iap_layout *l,
		  uint32_t size, uint64_t seed, uint8_t major, uint8_t minor,
		  uint32_t build);
void pc_image_free(struct pc_image *img);

/** Add img to h (may_boot 0); returns its index or -1 when h is full. */
int pc_history_add(struct pc_history *h, const struct pc_image *img);

/**
 * pc_boot() - power the board on (after a cut, or a plain reset) and let
 * the strategy decide. A cut armed with `cut` (at > 0) hits the decision's
 * own flash operations; the board is then powered on again, up to 4 times.
 * *cuts receives the number taken. Fills out (out->image is left -1).
 * Returns 0 or the strategy's error.
 */
int pc_boot(struct pc_dev *d, const struct pc_cut *cut, int *cuts,
	    struct pc_outcome *out);

/**
 * pc_check() - THE INVARIANT for one boot: the device either jumps to the
 * application slot holding exactly one of the images in h that may boot
 * (payload bytes and header equal), or, when the strategy allows it, waits
 * in update mode because there is no image or a bad one (a strategy that
 * must keep an image may still wait on a device that never booted one).
 * Sets out->image.
 * Returns 0, or -1 with the reason in why.
 */
int pc_check(const struct pc_dev *d, const struct pc_history *h,
	     struct pc_outcome *out, char *why, size_t why_len);

/**
 * pc_attempt() - update to h->img[target] with the power cut as `cut` says
 * (at 0: not at all), then PC_REBOOTS power-ons (the first one cut as
 * `boot_cut` says), each checked with pc_check() and required to decide
 * the same. Also: an update that was not cut must have succeeded and must
 * boot; a clean cut of an update that had done nothing must boot what
 * `before` booted (before may be NULL). Marks the target may_boot once its
 * update reached the commit. Returns 0 when the check passed, -1 when it
 * failed (res->why), or a negative harness error.
 */
int pc_attempt(struct pc_dev *d, struct pc_history *h, int target,
	       const struct pc_cut *cut, const struct pc_cut *boot_cut,
	       const struct pc_outcome *before, struct pc_attempt *res);

/**
 * pc_install() - install h->img[idx] with no cut and check the board then
 * boots exactly it (a clean upload after whatever came before: nothing is
 * bricked). Returns 0, or -1 with why filled.
 */
int pc_install(struct pc_dev *d, struct pc_history *h, int idx,
	       struct pc_outcome *out, char *why, size_t why_len);

/** Flash operations of a clean update to img from the current state. */
int pc_count_ops(struct pc_dev *d, const struct pc_image *img, uint32_t *ops);

/* Counts of one sweep over every operation of one update. */
struct pc_sweep_stats {
	uint32_t ops;	 /* flash operations of the clean update */
	uint32_t erases; /* ... of which erases */
	uint32_t cuts;	 /* cuts taken (one per operation) */
	uint32_t failures;
	uint32_t old_booted, new_booted, waiting; /* first power-on after */
};

/**
 * pc_sweep() - on board `board` with strategy st: install an old image of
 * old_size bytes, count the operations N of a clean update to a new one of
 * new_size bytes, then for every k in 1..N, `seeds` times (different torn
 * patterns): start again from the old image, cut the update at operation k
 * (mode), power on PC_REBOOTS times, check, then upload the new image
 * cleanly and boot it. Failures are printed (only the first max_print of
 * them). Returns 0 (s filled; failures may be non-zero) or a negative
 * harness error.
 */
int pc_sweep(const struct pc_strategy *st, const char *board, uint32_t old_size,
	     uint32_t new_size, int mode, uint32_t seeds, int max_print,
	     struct pc_sweep_stats *s);

/** Print the watched operations of the last attempt (on failure). */
void pc_print_trace(const struct pc_dev *d, const char *prefix);

/** "v2.0.0+3" for a header. */
const char *pc_version_str(const struct iap_image_hdr *h, char *buf,
			   size_t len);
/** "clean" or "torn". */
const char *pc_mode_str(int mode);

/* splitmix64: seeds for runs, images and torn cuts. */
uint64_t pc_mix(uint64_t *state);

#endif /* POWERCUT_H */
