/*
 * iap-sim - the bootloader on the host: the portable core's loader over a
 * simulated board. It only supplies flash, the line, time and the "jump"
 * (which prints where it would go and exits). See docs/SIMULATOR.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_keys.h"
#include "iap/iap_proto.h"
#include "iap/iap_rollback.h"
#include "iap/iap_server.h"
#include "sim.h"

#define EXIT_BOOTED 0
#define EXIT_ERROR  1
#define EXIT_USAGE  2

#define POLL_MS	    10
#define GAP_MS	    100
#define SCRATCH_LEN 1024u
#define RX_CHUNK    64u /* as the STM32 port takes bytes from its ring */
#define LINGER_MS   1000

#define SIM_KEYS_MAX 16

struct opts {
	const char *board;
	const char *flash;
	int stdio;
	uint32_t hello_ms;
	uint32_t idle_ms;
	int request_update;
	uint64_t cut_after;
	int cut_mode;
	uint64_t cut_seed;
	uint32_t baud;
	uint32_t latency_us;
	int ring_set;
	uint32_t ring;
	int announce_set;
	uint32_t announce;
	uint32_t drop_ppm, flip_ppm, dup_ppm;
	uint64_t fault_seed;
	uint32_t proto;
	uint32_t max_baud;
	uint32_t line_max;
	int timing;
	int confirm;
	int list_boards;
	int quiet;
	/* Signatures: the key table and policy (--trust-key ...) */
	struct iap_pubkey keys[SIM_KEYS_MAX];
	uint32_t nkeys;
	uint32_t trust_flags;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Status lines: stdout, or stderr when stdout carries the link. */
static FILE *msg_out;
static int msg_quiet;

static void say(int always, const char *fmt, ...)
{
	va_list ap;

	if (msg_quiet && !always) {
		return;
	}
	va_start(ap, fmt);
	fputs("iap-sim: ", msg_out);
	vfprintf(msg_out, fmt, ap);
	fputc('\n', msg_out);
	fflush(msg_out);
	va_end(ap);
}

static void fail(const char *what, int err)
{
	fflush(msg_out);
	fprintf(stderr, "iap-sim: error: %s: %s (%d)\n", what,
		iap_strerror(err), err);
}

static void usage(FILE *out)
{
	fputs("usage: iap-sim --board NAME --flash FILE [options]\n"
	      "\n"
	      "The iapboot bootloader on a simulated board: a file-backed "
	      "flash\n"
	      "and a serial line on a pseudo-terminal (or stdin/stdout).\n"
	      "\n"
	      "  -b, --board NAME      board to simulate (see --list-boards)\n"
	      "  -f, --flash FILE      flash contents; created erased if "
	      "missing\n"
	      "  -p, --pty             line on a new pseudo-terminal "
	      "(default)\n"
	      "  -s, --stdio           line on stdin/stdout; messages on "
	      "stderr\n"
	      "      --hello-ms N      with a valid image, wait N ms for a "
	      "host\n"
	      "                        before booting it (default 500)\n"
	      "      --idle-ms N       in update mode, boot a valid image "
	      "after\n"
	      "                        N ms without requests (default 30000,"
	      " 0: never)\n"
	      "  -r, --request-update  start as if the application asked for "
	      "an\n"
	      "                        update (the RAM request word is set)\n"
	      "      --cut-after N     cut the power after N flash operations\n"
	      "                        (exit code 3)\n"
	      "      --cut-mode MODE   what the cut does to the operation it "
	      "hits:\n"
	      "                        clean (nothing, default) or torn (part "
	      "of it)\n"
	      "      --cut-seed N      seed of the torn model (default 1)\n"
	      "      --baud N          pace the line to N baud, 8N1 (default "
	      "0:\n"
	      "                        as fast as the host goes)\n"
	      "      --latency MS      delay every byte MS ms each way, as a "
	      "USB-serial\n"
	      "                        adapter does (FTDI default: 16; "
	      "fractions ok)\n"
	      "      --ring N          the device's receive ring in bytes "
	      "(default: the\n"
	      "                        board's); with --baud, bytes that find "
	      "it full\n"
	      "                        while the flash is busy are lost\n"
	      "      --announce-ring N tell the host (INFO) the ring holds N "
	      "bytes: a\n"
	      "                        larger window than fits, to see what "
	      "it costs\n"
	      "      --drop P, --flip P, --dup P\n"
	      "                        line faults: probability per byte "
	      "(each way) that\n"
	      "                        it is lost, has a bit flipped, or "
	      "comes twice\n"
	      "      --fault-seed N    seed of the fault model (default 1)\n"
	      "      --max-baud N      the fastest rate the device's USART "
	      "takes\n"
	      "                        (BAUD above it is refused; default "
	      "4500000)\n"
	      "      --line-max-baud N the line carries nothing faster: "
	      "bytes at a\n"
	      "                        higher rate arrive as garbage (a "
	      "cable or\n"
	      "                        adapter that cannot take it)\n"
	      "      --proto N         1: answer as a protocol v1 device (no "
	      "window)\n"
	      "      --timing          really spend the flash's datasheet "
	      "program\n"
	      "                        and erase times\n"
	      "      --confirm         the booted application confirms "
	      "itself\n"
	      "                        (swap boards: an image on trial stays)"
	      "\n"
	      "      --trust-key ID:HEX  require signed images; accept key id "
	      "ID"
	      "\n"
	      "                        with this raw Ed25519 public key (64 hex"
	      "\n"
	      "                        digits, as iap export-key prints it); "
	      "repeat\n"
	      "      --trust-sample    the same with the sample key (id 1, "
	      "keys/)\n"
	      "      --revoke ID       refuse images signed with key id ID\n"
	      "      --boot-sig        check the signature at every boot too\n"
	      "  -l, --list-boards     list the boards and exit\n"
	      "  -q, --quiet           print only the pty line and errors\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "Boards with a staging slot (f103cb-staged, f407vg-staged) take "
	      "an\n"
	      "image into it (iap flash --slot stage) while the application "
	      "stays\n"
	      "installed, and install it at BOOT or the next power-on; the "
	      "line\n"
	      "'boot record: ...' says what the install did. On the swap "
	      "boards\n"
	      "(f103cb-swap, f407vg-swap; f103cb-move, f407vg-move swap by "
	      "moving\n"
	      "the image up one sector, with no scratch wear) a new image "
	      "boots on\n"
	      "trial and is swapped back at the next power-on unless it "
	      "confirms\n"
	      "itself (--confirm).\n"
	      "\n"
	      "Exit status: 0 booted an image, 1 error, 2 usage, 3 power "
	      "cut.\n",
	      out);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9') {
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

/* A non-negative decimal number scaled by scale, up to max. */
static int parse_scaled(const char *s, double scale, double max, uint32_t *out)
{
	char *end;
	double v;

	if (!s || ((*s < '0' || *s > '9') && *s != '.')) {
		return -1;
	}
	errno = 0;
	v = strtod(s, &end) * scale;
	if (errno || *end || v < 0.0 || v > max) {
		return -1;
	}
	*out = (uint32_t)(v + 0.5);
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, UINT32_MAX, &v) != 0) {
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_HELLO = 256,
	OPT_IDLE,
	OPT_CUT,
	OPT_CUT_MODE,
	OPT_CUT_SEED,
	OPT_BAUD,
	OPT_TIMING,
	OPT_CONFIRM,
	OPT_LATENCY,
	OPT_RING,
	OPT_DROP,
	OPT_FLIP,
	OPT_DUP,
	OPT_FAULT_SEED,
	OPT_PROTO,
	OPT_ANNOUNCE,
	OPT_MAX_BAUD,
	OPT_LINE_MAX,
	OPT_TRUST_KEY,
	OPT_TRUST_SAMPLE,
	OPT_REVOKE,
	OPT_BOOT_SIG,
};

static const struct option long_opts[] = {
	{"board", required_argument, NULL, 'b'},
	{"flash", required_argument, NULL, 'f'},
	{"pty", no_argument, NULL, 'p'},
	{"stdio", no_argument, NULL, 's'},
	{"hello-ms", required_argument, NULL, OPT_HELLO},
	{"idle-ms", required_argument, NULL, OPT_IDLE},
	{"request-update", no_argument, NULL, 'r'},
	{"cut-after", required_argument, NULL, OPT_CUT},
	{"cut-mode", required_argument, NULL, OPT_CUT_MODE},
	{"cut-seed", required_argument, NULL, OPT_CUT_SEED},
	{"baud", required_argument, NULL, OPT_BAUD},
	{"timing", no_argument, NULL, OPT_TIMING},
	{"confirm", no_argument, NULL, OPT_CONFIRM},
	{"latency", required_argument, NULL, OPT_LATENCY},
	{"ring", required_argument, NULL, OPT_RING},
	{"drop", required_argument, NULL, OPT_DROP},
	{"flip", required_argument, NULL, OPT_FLIP},
	{"dup", required_argument, NULL, OPT_DUP},
	{"fault-seed", required_argument, NULL, OPT_FAULT_SEED},
	{"proto", required_argument, NULL, OPT_PROTO},
	{"announce-ring", required_argument, NULL, OPT_ANNOUNCE},
	{"max-baud", required_argument, NULL, OPT_MAX_BAUD},
	{"line-max-baud", required_argument, NULL, OPT_LINE_MAX},
	{"trust-key", required_argument, NULL, OPT_TRUST_KEY},
	{"trust-sample", no_argument, NULL, OPT_TRUST_SAMPLE},
	{"revoke", required_argument, NULL, OPT_REVOKE},
	{"boot-sig", no_argument, NULL, OPT_BOOT_SIG},
	{"list-boards", no_argument, NULL, 'l'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* One more key table entry: ID:HEX (64 hex digits), or a revoked ID. */
static int add_key(struct opts *o, const char *arg, uint32_t flags)
{
	struct iap_pubkey *k = &o->keys[o->nkeys];
	const char *hex = NULL;
	char *end;
	unsigned long id;

	errno = 0;
	id = strtoul(arg, &end, 0);
	if (errno || end == arg || id == 0 || id > 0xFFFFFFFFul) {
		return -1;
	}
	if (flags & IAP_PUBKEY_F_REVOKED) {
		if (*end) {
			return -1;
		}
	} else {
		if (*end != ':' || strlen(end + 1) != 2u * IAP_PUBKEY_SIZE) {
			return -1;
		}
		hex = end + 1;
	}
	if (o->nkeys == SIM_KEYS_MAX) {
		return -1;
	}
	memset(k, 0, sizeof(*k));
	k->key_id = (uint32_t)id;
	k->flags = flags;
	for (uint32_t i = 0; hex && i < IAP_PUBKEY_SIZE; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			return -1;
		}
		k->key[i] = (uint8_t)(hi << 4 | lo);
	}
	o->nkeys++;
	return 0;
}

/* Returns 0, or an exit code: EXIT_USAGE, or -1 for --help. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int c, idx = 0;

	memset(o, 0, sizeof(*o));
	o->hello_ms = 500;
	o->idle_ms = 30000; /* as the STM32 port (IAP_CFG_IDLE_MS) */
	o->cut_mode = SIM_CUT_CLEAN;
	o->cut_seed = 1;
	o->fault_seed = 1;
	o->max_baud = 4500000; /* 72 MHz APB2 / 16: the F103's USART1 */
	while ((c = getopt_long(argc, argv, "b:f:psrlqh", long_opts, &idx)) !=
	       -1) {
		int bad = 0;

		switch (c) {
		case 'b':
			o->board = optarg;
			break;
		case 'f':
			o->flash = optarg;
			break;
		case 'p':
			o->stdio = 0;
			break;
		case 's':
			o->stdio = 1;
			break;
		case OPT_HELLO:
			bad = parse_u32(optarg, &o->hello_ms);
			break;
		case OPT_IDLE:
			bad = parse_u32(optarg, &o->idle_ms);
			break;
		case 'r':
			o->request_update = 1;
			break;
		case OPT_CUT:
			bad = parse_u64(optarg, UINT64_MAX, &o->cut_after);
			break;
		case OPT_CUT_MODE:
			if (strcmp(optarg, "clean") == 0) {
				o->cut_mode = SIM_CUT_CLEAN;
			} else if (strcmp(optarg, "torn") == 0) {
				o->cut_mode = SIM_CUT_TORN;
			} else {
				fprintf(stderr,
					"iap-sim: --cut-mode is clean or torn, "
					"not %s\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_CUT_SEED:
			bad = parse_u64(optarg, UINT64_MAX, &o->cut_seed);
			break;
		case OPT_BAUD:
			bad = parse_u32(optarg, &o->baud);
			break;
		case OPT_TIMING:
			o->timing = 1;
			break;
		case OPT_CONFIRM:
			o->confirm = 1;
			break;
		case OPT_LATENCY:
			bad = parse_scaled(optarg, 1000.0, 10e6,
					   &o->latency_us);
			break;
		case OPT_RING:
			bad = parse_u32(optarg, &o->ring) ||
			      o->ring > SIM_LINK_RINGMAX;
			o->ring_set = 1;
			break;
		case OPT_DROP:
			bad = parse_scaled(optarg, 1e6, 1e6, &o->drop_ppm);
			break;
		case OPT_FLIP:
			bad = parse_scaled(optarg, 1e6, 1e6, &o->flip_ppm);
			break;
		case OPT_DUP:
			bad = parse_scaled(optarg, 1e6, 1e6, &o->dup_ppm);
			break;
		case OPT_FAULT_SEED:
			bad = parse_u64(optarg, UINT64_MAX, &o->fault_seed);
			break;
		case OPT_MAX_BAUD:
			bad = parse_u32(optarg, &o->max_baud);
			break;
		case OPT_LINE_MAX:
			bad = parse_u32(optarg, &o->line_max);
			break;
		case OPT_ANNOUNCE:
			bad = parse_u32(optarg, &o->announce);
			o->announce_set = 1;
			break;
		case OPT_PROTO:
			bad = parse_u32(optarg, &o->proto) ||
			      (o->proto != 1u && o->proto != 2u);
			break;
		case OPT_TRUST_KEY:
			if (add_key(o, optarg, 0) != 0) {
				fprintf(stderr,
					"iap-sim: --trust-key is ID:HEX (a "
					"nonzero id, 64 hex digits), at most "
					"%d: %s\n",
					SIM_KEYS_MAX, optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_REVOKE:
			if (add_key(o, optarg, IAP_PUBKEY_F_REVOKED) != 0) {
				fprintf(stderr,
					"iap-sim: --revoke takes a nonzero key "
					"id: %s\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_TRUST_SAMPLE:
			for (unsigned i = 0; i < iap_key_count; i++) {
				if (o->nkeys == SIM_KEYS_MAX) {
					return EXIT_USAGE;
				}
				o->keys[o->nkeys++] = iap_keys[i];
			}
			break;
		case OPT_BOOT_SIG:
			o->trust_flags |= IAP_TRUST_F_BOOT_SIG;
			break;
		case 'l':
			o->list_boards = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return -1;
		default:
			return EXIT_USAGE;
		}
		if (bad) {
			/* Numbers are long options only, so idx names it. */
			fprintf(stderr, "iap-sim: bad number for --%s: %s\n",
				long_opts[idx].name, optarg);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iap-sim: unexpected argument: %s\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o->list_boards) {
		return 0;
	}
	if (!o->board || !o->flash) {
		fprintf(stderr, "iap-sim: --board and --flash are required\n");
		return EXIT_USAGE;
	}
	return 0;
}

static void list_boards(void)
{
	size_t n;
	const struct sim_board *b = sim_board_all(&n);

	for (size_t i = 0; i < n; i++) {
		const struct iap_layout *l = &b[i].layout;
		uint32_t size = 0;

		for (uint32_t r = 0; r < b[i].region_count; r++) {
			size += b[i].regions[r].sector_size *
				b[i].regions[r].count;
		}
		printf("%-8s %s\n"
		       "         flash %" PRIu32 " KiB at 0x%08" PRIx32
		       ", write unit %" PRIu32 ", app 0x%08" PRIx32 " (%" PRIu32
		       " KiB), max payload %u\n",
		       b[i].name, b[i].desc, size / 1024u, b[i].regions[0].addr,
		       b[i].write_size, l->app_addr, l->app_size / 1024u,
		       (unsigned)b[i].max_payload);
		if (l->stage_size) {
			printf("         stage 0x%08" PRIx32 " (%" PRIu32
			       " KiB), stage meta 0x%08" PRIx32
			       ", install: %s\n",
			       l->stage_addr, l->stage_size / 1024u,
			       l->stage_meta_addr,
			       l->install == IAP_INSTALL_OVERWRITE ? "overwrite"
			       : l->install == IAP_INSTALL_SWAP	   ? "swap"
								   : "none");
		}
		if (l->install == IAP_INSTALL_SWAP) {
			printf("         scratch 0x%08" PRIx32 " (%" PRIu32
			       " KiB%s), journal 0x%08" PRIx32 " (%" PRIu32
			       " KiB), test boots %" PRIu32 "\n",
			       l->scratch_addr, l->scratch_size / 1024u,
			       iap_layout_swap_moves(l) ? ", swap by moving"
							: "",
			       l->journal_addr, l->journal_size / 1024u,
			       l->test_boots ? l->test_boots : 1u);
		}
	}
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must wake up poll() and sleeps. */
	if (sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0) {
		return -1;
	}
	/* A host that hangs up shows as a write error, not a kill. */
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* The boot record a port keeps in no-init RAM for the application. */
static void report_record(const struct iap_boot_record *r)
{
	static const char *const what[] = {
		"none",		  "installed", "install refused",
		"install failed", "reverted",  "booting an image on trial"};

	if (r->event == IAP_EVENT_NONE) {
		return;
	}
	say(0, "boot record: %s%s%s", r->event < 6 ? what[r->event] : "unknown",
	    r->err ? ": " : "", r->err ? iap_strerror(r->err) : "");
}

static void report_boot(const struct iap_loader *ld, const struct sim_flash *f)
{
	const struct iap_version *v = &ld->boot.hdr.version;
	char build[16] = "";

	/* As the tools print versions: "+build" only when there is one. */
	if (v->build) {
		snprintf(build, sizeof(build), "+%" PRIu32, v->build);
	}
	say(0, "boot 0x%08" PRIx32 " version %u.%u.%u%s (%s)",
	    ld->boot.jump_addr, (unsigned)v->major, (unsigned)v->minor,
	    (unsigned)v->patch, build, iap_boot_reason_str(ld->exit_reason));
	say(0,
	    "flash ops %" PRIu64 " (erase %" PRIu64 ", program %" PRIu64
	    ", bytes %" PRIu64 ", busy %" PRIu64 " ms)",
	    f->ops_done, f->erases, f->progs, f->bytes_programmed,
	    f->busy_us / 1000u);
}

/* What the device trusts, said at start-up as the firmware does. */
static void report_trust(const struct iap_layout *l)
{
	if (l->trust) {
		uint32_t n = 0, sample = 0;

		for (uint32_t i = 0; i < l->trust->key_count; i++) {
			n += !(l->trust->keys[i].flags & IAP_PUBKEY_F_REVOKED);
			sample |= l->trust->keys[i].flags & IAP_PUBKEY_F_SAMPLE;
		}
		say(0,
		    "signatures required: %" PRIu32 " key(s), %" PRIu32
		    " revoked; signature checked on receipt, at install%s",
		    n, l->trust->key_count - n,
		    l->trust->flags & IAP_TRUST_F_BOOT_SIG
			    ? " and at every boot"
			    : "");
		if (sample) {
			say(1, "WARNING: the key table holds the public SAMPLE "
			       "key: anyone can sign for this device");
		}
	}
}

/* The anti-rollback record, after the boot decision may have raised it. */
static void report_rollback(const struct iap_layout *l, struct sim_flash *f)
{
	uint32_t rec = 0;

	if (l->rollback_size &&
	    iap_rollback_read(&f->ops, l->rollback_addr, l->rollback_size,
			      &rec) == 0) {
		say(0, "anti-rollback record: security counter %" PRIu32, rec);
	}
}

/* The application's side on a swap board: on trial, and confirming. */
static int app_runs(const struct opts *o, struct sim_flash *f)
{
	const struct iap_layout *l = &f->board->layout;
	struct iap_state st;
	int err = iap_state_read(&f->ops, l, &st);

	if (!err && st.image == IAP_IMAGE_TEST) {
		if (st.boots_left) {
			say(0,
			    "image on trial: %u more boot(s) before a "
			    "revert",
			    (unsigned)st.boots_left);
		} else {
			say(0, "image on trial: reverted at the next power-on "
			       "unless it confirms itself");
		}
		if (o->confirm) {
			err = iap_confirm(&f->ops, l);
			if (!err) {
				say(0, "application confirmed the image");
			}
		}
	}
	if (err) {
		fail("application", err);
	}
	return err;
}

/* The device's USART: BAUD switches the pacing of the line. */
struct sim_uart {
	struct sim_link *link;
	uint32_t max_baud;
	uint32_t now; /* rate now, for messages */
	int paced;    /* 0: the line is unpaced and stays so */
};

static int sim_set_baud(void *ctx, uint32_t baud, int apply)
{
	struct sim_uart *u = ctx;

	if (baud < 1200u || baud > u->max_baud) {
		return IAP_ERR_NOTSUP;
	}
	if (apply) {
		if (u->paced) {
			u->link->baud = baud;
		}
		if (baud != u->now) {
			say(0, "line: %" PRIu32 " baud", baud);
		}
		u->now = baud;
	}
	return 0;
}

/* Nothing can happen any more once the input is gone in update mode. */
static int stuck(const struct iap_loader *ld, const struct sim_link *l)
{
	return l->eof && ld->mode == IAP_MODE_UPDATE &&
	       (!ld->cfg.idle_ms || !ld->srv.app_valid ||
		ld->srv.state == IAP_STATE_RECEIVING);
}

/* The bootloader proper. Returns an exit code. */
static int run(const struct opts *o, struct sim_flash *f, struct sim_link *l)
{
	uint8_t rx_buf[SIM_MAX_PAYLOAD];
	uint8_t tx_buf[IAP_SERVER_TX_MIN];
	uint8_t scratch[SCRATCH_LEN];
	static uint8_t lzss_win[4096];
	uint8_t in[RX_CHUNK];
	struct iap_loader_cfg cfg;
	struct iap_loader ld;
	struct iap_boot_record rec0;
	struct sim_uart uart = {l, o->max_baud, o->baud ? o->baud : 115200u,
				o->baud != 0};
	uint8_t shown = IAP_MODE_HELLO;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.server.flash = &f->ops;
	cfg.server.layout = &f->board->layout;
	cfg.server.loader_version = IAP_LOADER_VERSION(
		IAP_LOADER_VERSION_MAJOR, IAP_LOADER_VERSION_MINOR,
		IAP_LOADER_VERSION_PATCH);
	cfg.server.rx_buf = rx_buf;
	cfg.server.rx_cap = f->board->max_payload;
	cfg.server.tx_buf = tx_buf;
	cfg.server.tx_cap = (uint16_t)sizeof(tx_buf);
	cfg.server.scratch = scratch;
	cfg.server.scratch_size = (uint32_t)sizeof(scratch);
	cfg.server.send = sim_link_send;
	cfg.server.send_ctx = l;
	cfg.server.rx_ring = o->announce_set ? o->announce
			     : o->ring_set   ? o->ring
					     : f->board->rx_ring;
	cfg.server.proto_v1 = o->proto == 1u;
	cfg.server.set_baud = sim_set_baud;
	cfg.server.baud_ctx = &uart;
	cfg.server.baud = uart.now;
	/* The STM32 builds' windows: 2 KiB on the F1, 4 KiB on the F4. */
	cfg.server.lzss_win = lzss_win;
	cfg.server.lzss_win_size =
		f->board->layout.ram_size >= 64u * 1024u ? 4096u : 2048u;
	cfg.hello_ms = o->hello_ms;
	cfg.idle_ms = o->idle_ms;
	cfg.gap_ms = GAP_MS;
	cfg.menu = iap_menu_poll; /* Enter on the line: the terminal menu */

	r = iap_loader_start(&ld, &cfg, o->request_update, sim_now_ms());
	report_record(&ld.record);
	report_rollback(&f->board->layout, f);
	rec0 = ld.record;
	while (r == IAP_LOADER_RUN) {
		int n;

		if (ld.mode == IAP_MODE_UPDATE && shown != IAP_MODE_UPDATE) {
			say(0, "update mode (%s)",
			    iap_boot_reason_str(ld.boot.reason));
			shown = IAP_MODE_UPDATE;
		}
		if (stop_signal) {
			fflush(msg_out);
			fprintf(stderr, "iap-sim: stopped by signal %d\n",
				(int)stop_signal);
			return EXIT_ERROR;
		}
		if (stuck(&ld, l)) {
			fail("input closed in update mode", IAP_ERR_IO);
			return EXIT_ERROR;
		}
		n = sim_link_read(l, in, sizeof(in), POLL_MS);
		if (n < 0) {
			fail("link", n);
			return EXIT_ERROR;
		}
		r = iap_loader_poll(&ld, sim_now_ms(), in, (size_t)n);
	}
	if (r < 0) {
		fail("loader", r);
		return EXIT_ERROR;
	}
	if (memcmp(&rec0, &ld.record, sizeof(rec0)) != 0) {
		report_record(&ld.record); /* installed after BOOT */
	}
	report_boot(&ld, f);
	if (l->rx_lost || l->faults || l->ring_peak) {
		say(0,
		    "line: %" PRIu64 " bytes in, receive ring peak %" PRIu32
		    " of %" PRIu32 ", %" PRIu64 " lost (ring full), %" PRIu64
		    " faults",
		    l->rx_bytes, l->ring_peak, l->ring, l->rx_lost, l->faults);
	}
	if (app_runs(o, f) != 0) {
		return EXIT_ERROR;
	}
	sim_link_linger(l, LINGER_MS);
	return EXIT_BOOTED;
}

int main(int argc, char **argv)
{
	const struct sim_board *board;
	struct sim_board bcopy;
	struct iap_trust trust;
	struct sim_flash flash;
	static struct sim_link link; /* large: the line's queues */
	struct opts o;
	int rc;

	msg_out = stdout;
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse_args(argc, argv, &o);
	if (rc == -1) {
		usage(stdout);
		return 0;
	}
	if (rc) {
		fprintf(stderr, "usage: iap-sim --board NAME --flash FILE "
				"[options] (--help for the list)\n");
		return rc;
	}
	if (o.list_boards) {
		list_boards();
		return 0;
	}
	board = sim_board_find(o.board);
	if (!board) {
		fprintf(stderr, "iap-sim: unknown board %s (--list-boards)\n",
			o.board);
		return EXIT_USAGE;
	}
	if (o.nkeys) {
		/* The same board with a key table: signatures required. */
		bcopy = *board;
		trust.keys = o.keys;
		trust.key_count = o.nkeys;
		trust.flags = o.trust_flags;
		bcopy.layout.trust = &trust;
		board = &bcopy;
	}
	if (board->max_payload > SIM_MAX_PAYLOAD) {
		fprintf(stderr, "iap-sim: board %s: payload too large\n",
			board->name);
		return EXIT_ERROR;
	}
	if (o.stdio) {
		msg_out = stderr;
	}
	msg_quiet = o.quiet;
	if (install_signals() != 0) {
		perror("iap-sim: sigaction");
		return EXIT_ERROR;
	}
	if (sim_flash_open(&flash, board, o.flash) != 0) {
		return EXIT_ERROR;
	}
	flash.cut_after = o.cut_after;
	flash.cut_mode = o.cut_mode;
	flash.cut_seed = o.cut_seed;
	flash.cut_action = SIM_CUT_EXIT;
	flash.timing = o.timing;
	rc = o.stdio ? sim_link_open_stdio(&link) : sim_link_open_pty(&link);
	if (rc != 0) {
		sim_flash_close(&flash);
		return EXIT_ERROR;
	}
	link.baud = o.baud;
	link.latency_us = o.latency_us;
	link.ring = o.ring_set ? o.ring : board->rx_ring;
	link.drop_ppm = o.drop_ppm;
	link.flip_ppm = o.flip_ppm;
	link.dup_ppm = o.dup_ppm;
	link.fault_seed = o.fault_seed;
	link.line_max = o.line_max;
	flash.busy_hook = sim_link_busy;
	flash.busy_ctx = &link;
	say(0, "board %s (%s), flash %s", board->name, board->desc, o.flash);
	report_trust(&board->layout);
	if (!o.stdio) {
		say(1, "pty %s", link.path);
	}
	rc = run(&o, &flash, &link);
	sim_link_close(&link);
	sim_flash_close(&flash);
	return rc;
}
