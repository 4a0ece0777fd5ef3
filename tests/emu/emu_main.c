/*
 * iap-emu - command line, images, the run loop and the reports.
 *
 * The loop runs the core in slices: a slice ends after 1 ms of emulated
 * time, at the next SysTick or interrupt event, or when a hook asks for it
 * (flash stall, exception return, reset, the application reached). Between
 * slices it reads the pseudo-terminal, takes pending exceptions and keeps
 * emulated time from running ahead of real time (--speed), so the host's
 * timeouts mean what they mean with a board.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"
#include "iap/iap_boot.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * Unicorn 2.0.1 allocates and frees on every store to RAM (its dirty-page
 * tracking is stubbed out, so each store takes the self-modifying-code
 * path). Under AddressSanitizer that costs a stack unwind and a quarantine
 * entry per store: without them the emulator is several times faster,
 * and the checks of our own code stay.
 */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "malloc_context_size=0:quarantine_size_mb=0:"
	       "thread_local_quarantine_size_kb=0";
}
#endif

#define LINGER_MS    1000
#define SLICE_MS     1u
#define MASKED_SLICE 1u /* a block: CPSIE and MSR end one */
#define AHEAD_NS     2000000u
#define MAX_SLEEP_MS 20
#define STUCK_SLICES 100000u
#define RAM_SEED     0x2545F491u

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms_of(uint64_t ps)
{
	return (double)ps / (double)EMU_PS_PER_MS;
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *out)
{
	fputs("usage: iap-emu --board NAME [--flash FILE] [--boot FILE] "
	      "[options]\n"
	      "\n"
	      "Run the real STM32 firmware (bootloader and application) on an\n"
	      "instruction-level board model: Cortex-M3/M4 core, flash with\n"
	      "its controller's rules and timing, RCC, GPIO, USART1 with DMA\n"
	      "on a pseudo-terminal, SysTick, SCB, NVIC.\n"
	      "\n"
	      "  -b, --board NAME       bluepill (f1), f4disco (f4), qemu-f1,\n"
	      "                         qemu-f4 (see --list-boards)\n"
	      "  -f, --flash FILE       initial flash contents (missing: "
	      "erased)\n"
	      "      --save             write the flash back to --flash FILE "
	      "at exit\n"
	      "      --boot FILE        bootloader .bin (at 0x08000000) or "
	      ".elf\n"
	      "      --load FILE@ADDR   also place a .bin at ADDR (or an "
	      ".elf)\n"
	      "      --dump FILE        write the flash to FILE at exit\n"
	      "      --uart-log FILE    record what the board sends on USART1\n"
	      "      --uart-input FILE  send FILE to USART1 once its receiver "
	      "is on\n"
	      "      --run-app[=MS]     keep running once the application is\n"
	      "                         reached (for MS emulated ms); "
	      "default:\n"
	      "                         exit 0 at its first instruction\n"
	      "      --app-addr ADDR    application slot (default: the "
	      "board's)\n"
	      "      --layout FILE      the firmware's layout.env: application "
	      "slot\n"
	      "                         and flash size of the layout\n"
	      "      --request-update   power on with the update request word "
	      "set\n"
	      "      --max-insns N      stop after N instructions\n"
	      "      --max-ms N         stop after N ms of emulated time\n"
	      "      --speed X          emulated time / real time (default 1; "
	      "0:\n"
	      "                         as fast as possible)\n"
	      "      --strict           a firmware rule violation is a fault\n"
	      "      --exact            never skip busy-waits, even when "
	      "behind\n"
	      "                         real time (see README.md)\n"
	      "      --semihosting      serve BKPT 0xAB (exit, write)\n"
	      "      --no-pty           no pseudo-terminal\n"
	      "      --cut-after N      power cut: N flash operations (erases "
	      "and\n"
	      "                         programming runs) complete, the next "
	      "is\n"
	      "                         cut (0: the first); exit 4; needs "
	      "--save\n"
	      "                         or --dump\n"
	      "      --cut-mode MODE    clean (the cut operation does "
	      "nothing;\n"
	      "                         default) or torn (part of it happens)\n"
	      "      --cut-seed S       seed of the torn model (default 1)\n"
	      "      --op-log FILE      one line per flash operation: index, "
	      "kind,\n"
	      "                         address, bytes\n"
	      "      --option-bytes FILE  the option bytes at power-on "
	      "(missing:\n"
	      "                         as shipped, no protection); --save "
	      "writes\n"
	      "                         them back\n"
	      "      --trace            every instruction and register access\n"
	      "      --trace-io         peripheral register accesses\n"
	      "      --trace-gpio       pin changes\n"
	      "  -l, --list-boards      list the boards\n"
	      "  -q, --quiet            print only the pty line and errors\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "Exit status: 0 application reached, 1 fault or error, 2 usage,\n"
	      "3 limit reached before the application, 4 power cut; with\n"
	      "--semihosting, the firmware's exit code.\n",
	      out);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9') {
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_SAVE = 256,
	OPT_BOOT,
	OPT_LOAD,
	OPT_DUMP,
	OPT_UART_LOG,
	OPT_UART_INPUT,
	OPT_RUN_APP,
	OPT_APP_ADDR,
	OPT_REQUEST,
	OPT_MAX_INSNS,
	OPT_MAX_MS,
	OPT_SPEED,
	OPT_STRICT,
	OPT_EXACT,
	OPT_SEMIHOST,
	OPT_NO_PTY,
	OPT_TRACE,
	OPT_TRACE_IO,
	OPT_TRACE_GPIO,
	OPT_LAYOUT,
	OPT_CUT_AFTER,
	OPT_CUT_MODE,
	OPT_CUT_SEED,
	OPT_OP_LOG,
	OPT_OPTION_BYTES,
};

static const struct option long_opts[] = {
	{"board", required_argument, NULL, 'b'},
	{"flash", required_argument, NULL, 'f'},
	{"save", no_argument, NULL, OPT_SAVE},
	{"boot", required_argument, NULL, OPT_BOOT},
	{"load", required_argument, NULL, OPT_LOAD},
	{"dump", required_argument, NULL, OPT_DUMP},
	{"uart-log", required_argument, NULL, OPT_UART_LOG},
	{"uart-input", required_argument, NULL, OPT_UART_INPUT},
	{"run-app", optional_argument, NULL, OPT_RUN_APP},
	{"app-addr", required_argument, NULL, OPT_APP_ADDR},
	{"request-update", no_argument, NULL, OPT_REQUEST},
	{"max-insns", required_argument, NULL, OPT_MAX_INSNS},
	{"max-ms", required_argument, NULL, OPT_MAX_MS},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"exact", no_argument, NULL, OPT_EXACT},
	{"semihosting", no_argument, NULL, OPT_SEMIHOST},
	{"no-pty", no_argument, NULL, OPT_NO_PTY},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"trace-io", no_argument, NULL, OPT_TRACE_IO},
	{"trace-gpio", no_argument, NULL, OPT_TRACE_GPIO},
	{"layout", required_argument, NULL, OPT_LAYOUT},
	{"cut-after", required_argument, NULL, OPT_CUT_AFTER},
	{"cut-mode", required_argument, NULL, OPT_CUT_MODE},
	{"cut-seed", required_argument, NULL, OPT_CUT_SEED},
	{"op-log", required_argument, NULL, OPT_OP_LOG},
	{"option-bytes", required_argument, NULL, OPT_OPTION_BYTES},
	{"list-boards", no_argument, NULL, 'l'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Returns 0, EMU_EXIT_USAGE, or -1 for --help / --list-boards. */
static int parse_args(int argc, char **argv, struct emu_opts *o, int *list)
{
	uint64_t v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->speed = 1.0;
	o->cut_seed = 1;
	*list = 0;
	while ((c = getopt_long(argc, argv, "b:f:lqh", long_opts, NULL)) !=
	       -1) {
		int bad = 0;

		switch (c) {
		case 'b':
			o->board = optarg;
			break;
		case 'f':
			o->flash_file = optarg;
			break;
		case OPT_SAVE:
			o->save = 1;
			break;
		case OPT_BOOT:
			o->boot_file = optarg;
			break;
		case OPT_LOAD:
			o->load_file = optarg;
			break;
		case OPT_DUMP:
			o->dump_file = optarg;
			break;
		case OPT_UART_LOG:
			o->uart_log = optarg;
			break;
		case OPT_UART_INPUT:
			o->uart_input = optarg;
			break;
		case OPT_RUN_APP:
			o->run_app = 1;
			bad = optarg && parse_u64(optarg, &o->run_app_ms);
			break;
		case OPT_APP_ADDR:
			bad = parse_u64(optarg, &v) || v > UINT32_MAX;
			o->app_addr = (uint32_t)v;
			break;
		case OPT_REQUEST:
			o->request_update = 1;
			break;
		case OPT_MAX_INSNS:
			bad = parse_u64(optarg, &o->max_insns);
			break;
		case OPT_MAX_MS:
			bad = parse_u64(optarg, &o->max_ms);
			break;
		case OPT_SPEED:
			errno = 0;
			o->speed = strtod(optarg, &end);
			bad = errno || *end || o->speed < 0;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_EXACT:
			o->exact = 1;
			break;
		case OPT_SEMIHOST:
			o->semihosting = 1;
			break;
		case OPT_NO_PTY:
			o->no_pty = 1;
			break;
		case OPT_TRACE:
			o->trace = 1;
			o->trace_io = 1;
			break;
		case OPT_TRACE_IO:
			o->trace_io = 1;
			break;
		case OPT_TRACE_GPIO:
			o->trace_gpio = 1;
			break;
		case OPT_LAYOUT:
			o->layout_file = optarg;
			break;
		case OPT_CUT_AFTER:
			/* 0 cuts the first operation (iap-sim: 0 = never) */
			bad = parse_u64(optarg, &v) || v == UINT64_MAX;
			o->cut_at = v + 1u;
			break;
		case OPT_CUT_MODE:
			if (!strcmp(optarg, "clean")) {
				o->cut_mode = EMU_CUT_CLEAN;
			} else if (!strcmp(optarg, "torn")) {
				o->cut_mode = EMU_CUT_TORN;
			} else {
				fprintf(stderr, "iap-emu: --cut-mode is clean "
						"or torn\n");
				return EMU_EXIT_USAGE;
			}
			break;
		case OPT_CUT_SEED:
			bad = parse_u64(optarg, &o->cut_seed);
			break;
		case OPT_OP_LOG:
			o->op_log = optarg;
			break;
		case OPT_OPTION_BYTES:
			o->ob_file = optarg;
			break;
		case 'l':
			*list = 1;
			return -1;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			return -1;
		default:
			return EMU_EXIT_USAGE;
		}
		if (bad) {
			fprintf(stderr, "iap-emu: bad value: %s\n", optarg);
			return EMU_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iap-emu: unexpected argument: %s\n",
			argv[optind]);
		return EMU_EXIT_USAGE;
	}
	if (!o->board) {
		fprintf(stderr, "iap-emu: --board is required\n");
		return EMU_EXIT_USAGE;
	}
	if (o->save && !o->flash_file) {
		fprintf(stderr, "iap-emu: --save needs --flash FILE\n");
		return EMU_EXIT_USAGE;
	}
	if (o->cut_at && !o->save && !o->dump_file) {
		fprintf(stderr, "iap-emu: --cut-after needs --save or --dump: "
				"the cut state is the result\n");
		return EMU_EXIT_USAGE;
	}
	return 0;
}

static void list_boards(void)
{
	size_t n;
	const struct emu_board *b = emu_board_all(&n);

	for (size_t i = 0; i < n; i++) {
		printf("%-13s %s\n              also: %s; application at "
		       "0x%08" PRIx32 "\n",
		       b[i].name, b[i].desc, b[i].aliases, b[i].app_addr);
	}
}

/* ---- images -------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1u << 16, n = 0;
	uint8_t *p = NULL;

	*buf = NULL;
	*len = 0;
	if (!f) {
		fprintf(stderr, "iap-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t *q = realloc(p, cap);

		if (!q) {
			break;
		}
		p = q;
		n += fread(p + n, 1, cap - n, f);
		if (n < cap) {
			break;
		}
		cap *= 2u;
	}
	if (!p || n == cap || ferror(f)) {
		fprintf(stderr, "iap-emu: %s: read error\n", path);
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int place(struct emu *e, const char *path, uint32_t addr,
		 const uint8_t *data, size_t len)
{
	uint32_t fs = e->b->flash_size;
	uint32_t off = addr >= EMU_FLASH_BASE ? addr - EMU_FLASH_BASE : addr;

	if ((addr < EMU_FLASH_BASE && addr >= fs) || off >= fs ||
	    len > fs - off) {
		fprintf(stderr,
			"iap-emu: %s: %zu bytes at 0x%08" PRIx32
			" do not fit in the flash (0x%08" PRIx32 ", %" PRIu32
			" KiB)\n",
			path, len, addr, EMU_FLASH_BASE, fs / 1024u);
		return -1;
	}
	memcpy(e->flash + off, data, len);
	return 0;
}

/* An ELF32 little-endian ARM file: its PT_LOAD segments at their load
 * (physical) addresses, as a programmer writes them. */
static int place_elf(struct emu *e, const char *path, const uint8_t *b,
		     size_t len)
{
	uint32_t phoff;
	uint16_t phentsize, phnum;
	int placed = 0;

	if (len < 52 || b[4] != 1 || b[5] != 1 || le16(b + 18) != 40) {
		fprintf(stderr,
			"iap-emu: %s: not a 32-bit little-endian ARM "
			"ELF file\n",
			path);
		return -1;
	}
	phoff = le32(b + 28);
	phentsize = le16(b + 42);
	phnum = le16(b + 44);
	if (phentsize < 32 || phoff > len ||
	    (size_t)phnum * phentsize > len - phoff) {
		fprintf(stderr, "iap-emu: %s: bad program headers\n", path);
		return -1;
	}
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (size_t)i * phentsize;
		uint32_t off = le32(ph + 4), paddr = le32(ph + 12);
		uint32_t filesz = le32(ph + 16);

		if (le32(ph) != 1 || !filesz) {
			continue;
		}
		if (off > len || filesz > len - off) {
			fprintf(stderr, "iap-emu: %s: segment past the file\n",
				path);
			return -1;
		}
		if (place(e, path, paddr, b + off, filesz)) {
			return -1;
		}
		placed++;
	}
	if (!placed) {
		fprintf(stderr, "iap-emu: %s: nothing to load\n", path);
		return -1;
	}
	return 0;
}

static int load_image(struct emu *e, const char *path, uint32_t addr)
{
	uint8_t *b;
	size_t len;
	int r;

	if (read_file(path, &b, &len)) {
		return -1;
	}
	if (len >= 4 && !memcmp(b, "\177ELF", 4)) {
		r = place_elf(e, path, b, len);
	} else {
		r = place(e, path, addr, b, len);
	}
	free(b);
	return r;
}

static int load_flash(struct emu *e)
{
	const struct emu_opts *o = e->o;
	uint8_t *b;
	size_t len;
	FILE *f;

	memset(e->flash, 0xFF, e->b->flash_size);
	if (o->flash_file && (f = fopen(o->flash_file, "rb")) != NULL) {
		fclose(f);
		if (read_file(o->flash_file, &b, &len)) {
			return -1;
		}
		if (len > e->b->flash_size) {
			fprintf(stderr,
				"iap-emu: %s: %zu bytes, the flash has %" PRIu32
				"\n",
				o->flash_file, len, e->b->flash_size);
			free(b);
			return -1;
		}
		memcpy(e->flash, b, len);
		free(b);
	} else if (o->flash_file && errno != ENOENT) {
		fprintf(stderr, "iap-emu: %s: %s\n", o->flash_file,
			strerror(errno));
		return -1;
	}
	if (o->boot_file && load_image(e, o->boot_file, EMU_FLASH_BASE)) {
		return -1;
	}
	if (o->load_file) {
		char path[4096];
		const char *at = strrchr(o->load_file, '@');
		uint64_t addr = 0;

		if (!at || (size_t)(at - o->load_file) >= sizeof(path) ||
		    parse_u64(at + 1, &addr) || addr > UINT32_MAX) {
			fprintf(stderr, "iap-emu: --load FILE@ADDR: %s\n",
				o->load_file);
			return -1;
		}
		memcpy(path, o->load_file, (size_t)(at - o->load_file));
		path[at - o->load_file] = 0;
		if (load_image(e, path, (uint32_t)addr)) {
			return -1;
		}
	}
	return 0;
}

/*
 * --layout: the firmware build's layout.env (KEY=VALUE lines generated
 * from the board's layout.h). The application slot comes from it; its
 * flash must be the board's.
 */
static int read_layout(struct emu *e, const char *path)
{
	uint64_t flash_size = 0, app_addr = 0, app_size = 0;
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "iap-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		uint64_t v;

		if (!eq) {
			continue;
		}
		*eq++ = 0;
		eq[strcspn(eq, "\r\n")] = 0;
		if (parse_u64(eq, &v)) {
			continue;
		}
		if (!strcmp(line, "IAP_FLASH_SIZE")) {
			flash_size = v;
		} else if (!strcmp(line, "IAP_APP_ADDR")) {
			app_addr = v;
		} else if (!strcmp(line, "IAP_APP_SIZE")) {
			app_size = v;
		}
	}
	fclose(f);
	if (flash_size != e->b->flash_size) {
		fprintf(stderr,
			"iap-emu: %s: a layout for %" PRIu64
			" bytes of flash, board %s has %" PRIu32 "\n",
			path, flash_size, e->b->name, e->b->flash_size);
		return -1;
	}
	if (app_addr < EMU_FLASH_BASE || !app_size ||
	    app_addr - EMU_FLASH_BASE > flash_size ||
	    app_size > flash_size - (app_addr - EMU_FLASH_BASE)) {
		fprintf(stderr,
			"iap-emu: %s: no application slot inside the "
			"flash\n",
			path);
		return -1;
	}
	e->app_lo = (uint32_t)app_addr;
	e->app_hi = (uint32_t)(app_addr + app_size);
	return 0;
}

static int write_flash(struct emu *e, const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f ||
	    fwrite(e->flash, 1, e->b->flash_size, f) != e->b->flash_size ||
	    fclose(f) != 0) {
		fprintf(stderr, "iap-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- reset -------------------------------------------------------------- */

static void fill_ram(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t x = seed;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* Reset the core and the peripherals; RAM keeps its contents except at
 * power-on. Returns 0 or -1 (engine or reset vector, with the reason in
 * e->fault_msg). */
static int reset(struct emu *e, const char *why, int power_on)
{
	uint32_t sp = le32(e->flash), pc = le32(e->flash + 4);

	emu_engine_destroy(e);
	if (emu_engine_create(e)) {
		emu_fault(e, "cannot create the CPU");
		return -1;
	}
	e->reset_why = why;
	emu_periph_reset(e, power_on);
	e->reset_req = 0;
	e->nfix = 0;
	emu_set_clock(e, e->b->hsi_hz, e->b->hsi_hz);
	e->reset_insns = e->insns;
	e->reset_ps = e->now_ps;
	e->reset_stall_ps = e->stall_ps;
	e->app_seen = 0;
	e->app_stop = 0;
	e->app_systicks = 0;
	e->first_poll_seen = 0;
	e->last_rx_insns = 0;
	e->resets++;
	if (pc == 0xFFFFFFFFu) {
		emu_fault(e,
			  "no reset vector: the flash at 0x%08" PRIx32
			  " is erased",
			  EMU_FLASH_BASE);
		return -1;
	}
	if (!(pc & 1u)) {
		emu_fault(e,
			  "reset vector 0x%08" PRIx32
			  " without the Thumb bit (lock-up on silicon)",
			  pc);
		return -1;
	}
	uc_reg_write(e->uc, UC_ARM_REG_SP, &sp);
	uc_reg_write(e->uc, UC_ARM_REG_PC, &pc);
	emu_say(e, "reset (%s): SP 0x%08" PRIx32 ", PC 0x%08" PRIx32, why, sp,
		pc);
	emu_ob_announce(e);
	return 0;
}

/* ---- reports ------------------------------------------------------------- */

static void report_handover(struct emu *e)
{
	char why[256], clk[160];
	char bad[512];
	size_t n = 0;
	uint32_t ipsr = emu_reg(e, UC_ARM_REG_XPSR) & 0x1FFu;
	unsigned ctl_ok = 1;

	bad[0] = 0;
#define BAD(cond, ...)                                                  \
	do {                                                            \
		if ((cond) && n < sizeof(bad)) {                        \
			n += (size_t)snprintf(bad + n, sizeof(bad) - n, \
					      __VA_ARGS__);             \
		}                                                       \
	} while (0)
	BAD(ipsr != 0, " handler mode (IPSR %" PRIu32 ");", ipsr);
	BAD(emu_reg(e, UC_ARM_REG_PRIMASK) & 1u, " PRIMASK set;");
	BAD(emu_reg(e, UC_ARM_REG_CONTROL) & 3u, " CONTROL 0x%" PRIx32 ";",
	    emu_reg(e, UC_ARM_REG_CONTROL));
	BAD(e->st.csr & 1u, " SysTick running;");
	BAD(e->scb.pend_st || e->scb.pend_sv, " exception pending;");
	BAD(e->nvic.iser[0] || e->nvic.iser[1] || e->nvic.iser[2],
	    " NVIC interrupts enabled;");
	BAD(e->us.cr1 != 0, " USART1 still enabled (CR1 0x%04" PRIx32 ");",
	    e->us.cr1);
	for (unsigned d = 0; d < 2; d++) {
		for (unsigned c = 0; c < 8; c++) {
			if (e->dma[d].ch[c].cr & 1u) {
				ctl_ok = 0;
			}
		}
	}
	BAD(!ctl_ok, " a DMA channel still enabled;");
	BAD(!(e->fc.cr & (e->b->family == EMU_F1 ? 0x80u : 0x80000000u)),
	    " flash controller unlocked;");
	if (!emu_rcc_is_reset_state(e, why, sizeof(why))) {
		BAD(1, " RCC not at reset values:%s;", why);
	}
#undef BAD
	emu_rcc_describe(e, clk, sizeof(clk));
	if (!n) {
		emu_say(e, "handover: the chip as after reset (%s)", clk);
	} else {
		emu_say(e, "handover: %s;%s", clk, bad);
		emu_warn("handover: the application does not get the chip as "
			 "after reset:%s",
			 bad);
	}
}

static void report_app(struct emu *e)
{
	const struct emu_flashc *fc = &e->fc;

	emu_sync(e);
	emu_say(e,
		"app entered at 0x%08" PRIx32 " after %" PRIu64
		" instructions (VTOR=0x%08" PRIx32 ", MSP=0x%08" PRIx32 ")",
		e->app_pc, e->insns - e->reset_insns, e->scb.vtor,
		emu_reg(e, UC_ARM_REG_MSP));
	emu_say(e,
		"boot: %.3f ms emulated since reset, %.3f ms of it stalled on "
		"flash; flash: %" PRIu64 " erases, %" PRIu64
		" programs (%" PRIu64 " bytes)",
		ms_of(e->now_ps - e->reset_ps),
		ms_of(e->stall_ps - e->reset_stall_ps), fc->erases,
		fc->programs, fc->prog_bytes);
	if (e->last_rx_insns > e->reset_insns) {
		emu_say(e,
			"%" PRIu64
			" instructions from the last byte received to the "
			"application",
			e->insns - e->last_rx_insns);
	}
	report_handover(e);
}

static const char *exc_name(unsigned n)
{
	static const char *const names[16] = {
		"?",	     "Reset",	 "NMI",	       "HardFault",
		"MemManage", "BusFault", "UsageFault", "?",
		"?",	     "?",	 "?",	       "SVCall",
		"DebugMon",  "?",	 "PendSV",     "SysTick",
	};

	return n < 16 ? names[n] : "IRQ";
}

static void report_end(struct emu *e)
{
	double emu_s = (double)e->now_ps / (double)EMU_PS_PER_S;
	double real_s = (double)(real_ns() - e->real_t0_ns) / 1e9;

	emu_say(e,
		"end: %" PRIu64
		" instructions, %.3f s emulated (%.3f s stalled "
		"on flash), %.3f s real, %u reset%s",
		e->insns, emu_s, (double)e->stall_ps / (double)EMU_PS_PER_S,
		real_s, e->resets, e->resets == 1 ? "" : "s");
	if (e->sleep_ps) {
		emu_say(e, "asleep in WFI/WFE: %.3f ms", ms_of(e->sleep_ps));
	}
	if (e->idle_ps) {
		emu_say(e,
			"busy-waits skipped: %.3f ms of emulated time "
			"(emulation "
			"lagged real time; --exact runs them)",
			ms_of(e->idle_ps));
	}
	emu_say(e,
		"usart1: %" PRIu64 " bytes received, %" PRIu64 " sent, %" PRIu64
		" lost with the receiver off, %" PRIu64 " overruns",
		e->us.rx_bytes, e->us.tx_bytes, e->us.rx_off, e->us.rx_overrun);
	for (unsigned n = 1; n < 16 + EMU_IRQS; n++) {
		if (!e->exc_count[n]) {
			continue;
		}
		if (n == 15) {
			emu_say(e,
				"exceptions: SysTick x%" PRIu64
				", the last through the table at 0x%08" PRIx32,
				e->exc_count[n], e->systick_vtor);
		} else if (n < 16) {
			emu_say(e, "exceptions: %s x%" PRIu64, exc_name(n),
				e->exc_count[n]);
		} else {
			emu_say(e, "exceptions: IRQ %u x%" PRIu64, n - 16,
				e->exc_count[n]);
		}
	}
	if (e->app_seen && e->o->run_app) {
		emu_say(e,
			"application: %" PRIu64
			" SysTick exceptions through its own table",
			e->app_systicks);
	}
	emu_gpio_report(e);
	emu_cut_report(e);
	emu_ob_report(e);
	if (e->violations) {
		emu_say(e, "firmware rule violations: %" PRIu64, e->violations);
	}
}

static void report_fault(struct emu *e, uc_err err)
{
	if (!e->fault) {
		const char *kind = "";

		switch (err) {
		case UC_ERR_READ_UNMAPPED:
			kind = "read of unmapped";
			break;
		case UC_ERR_WRITE_UNMAPPED:
			kind = "write to unmapped";
			break;
		case UC_ERR_FETCH_UNMAPPED:
			kind = "instruction fetch from unmapped";
			break;
		case UC_ERR_WRITE_PROT:
			kind = "write to read-only";
			break;
		case UC_ERR_FETCH_PROT:
			kind = "instruction fetch from non-executable";
			break;
		default:
			break;
		}
		if (*kind) {
			emu_fault(e,
				  "%s address 0x%08" PRIx64
				  " (%d bytes; bus fault on silicon)",
				  kind, e->mem_fault_addr, e->mem_fault_size);
		} else {
			emu_fault(e, "%s", uc_strerror(err));
		}
	}
	fflush(stdout);
	fprintf(stderr,
		"iap-emu: fault: %s\n  at pc 0x%08" PRIx32
		" (in or after the block at 0x%08" PRIx32 ")\n",
		e->fault_msg, e->uc ? emu_reg(e, UC_ARM_REG_PC) : 0, e->pc);
	emu_dump_regs(e, stderr);
}

/* ---- the loop ------------------------------------------------------------ */

static void throttle(struct emu *e)
{
	int fd = emu_line_fd(e);

	if (e->o->speed <= 0) {
		return;
	}
	while (!stop_signal) {
		double allowed =
			(double)(real_ns() - e->real_t0_ns) * e->o->speed;
		double ahead = (double)(e->now_ps / 1000u) - allowed;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int ms;

		if (ahead <= (double)AHEAD_NS) {
			return;
		}
		ms = (int)(ahead / e->o->speed / 1e6);
		ms = ms < 1 ? 1 : ms > MAX_SLEEP_MS ? MAX_SLEEP_MS : ms;
		if (poll(&p, fd >= 0 ? 1 : 0, ms) > 0) {
			emu_line_poll(e);
		}
	}
}

static uint64_t slice_budget(struct emu *e)
{
	uint64_t budget = (uint64_t)e->hclk / 1000u * SLICE_MS;
	uint64_t st = emu_systick_cycles_to_event(e);
	uint64_t ev = emu_usart_next_event(e);
	int deliverable = 0;

	if (st < budget) {
		budget = st;
	}
	if (ev != UINT64_MAX) {
		uint64_t c = ev > e->now_ps
				     ? emu_ps_to_cycles(e, ev - e->now_ps)
				     : 0;

		budget = c < budget ? c : budget;
	}
	if (emu_exception_pending(e, &deliverable) && !deliverable &&
	    budget > MASKED_SLICE) {
		/* Masked for now: look again soon (CPSIE, BASEPRI, return) */
		budget = MASKED_SLICE;
	}
	if (e->o->max_insns && e->insns < e->o->max_insns &&
	    e->o->max_insns - e->insns < budget) {
		budget = e->o->max_insns - e->insns;
	}
	return budget ? budget : 1u;
}

static int limits(struct emu *e)
{
	const struct emu_opts *o = e->o;
	const char *what = NULL;

	if (o->max_insns && e->insns >= o->max_insns) {
		what = "--max-insns";
	} else if (o->max_ms && e->now_ps >= o->max_ms * EMU_PS_PER_MS) {
		what = "--max-ms";
	} else if (e->app_seen && o->run_app && o->run_app_ms &&
		   e->now_ps >=
			   e->app_entry_ps + o->run_app_ms * EMU_PS_PER_MS) {
		emu_say(e, "the application ran for %" PRIu64 " ms",
			o->run_app_ms);
		e->exit_code = EMU_EXIT_OK;
		return 1;
	}
	if (!what) {
		return 0;
	}
	if (e->app_seen && o->run_app) {
		emu_say(e, "%s reached while the application runs", what);
		e->exit_code = EMU_EXIT_OK;
	} else {
		emu_say(e,
			"%s reached before the application: pc 0x%08" PRIx32
			", %" PRIu64 " instructions, %.3f ms since reset",
			what, emu_reg(e, UC_ARM_REG_PC),
			e->insns - e->reset_insns,
			ms_of(e->now_ps - e->reset_ps));
		e->exit_code = EMU_EXIT_LIMIT;
	}
	return 1;
}

static void drop_stale_code(struct emu *e)
{
	if (e->code_hi > e->code_lo) {
		uc_ctl_remove_cache(e->uc, e->code_lo, e->code_hi);
		uc_ctl_remove_cache(e->uc, EMU_FLASH_BASE + e->code_lo,
				    EMU_FLASH_BASE + e->code_hi);
		e->code_lo = e->code_hi = 0;
	}
}

/* The slice ended early by itself: after a WFI or WFE? */
static int asleep(struct emu *e)
{
	uint32_t pc = emu_reg(e, UC_ARM_REG_PC);
	uint16_t hw = 0;

	if (uc_mem_read(e->uc, pc - 2u, &hw, 2) != UC_ERR_OK) {
		return 0;
	}
	return hw == 0xBF30u || hw == 0xBF20u; /* WFI, WFE */
}

static void run(struct emu *e)
{
	unsigned idle = 0;

	if (reset(e, "power-on", 1)) {
		report_fault(e, UC_ERR_OK);
		return;
	}
	if (e->o->request_update) {
		uint32_t magic = IAP_REQUEST_MAGIC;

		memcpy(e->ram, &magic, 4);
	}
	while (e->exit_code < 0) {
		uint64_t before;
		uint32_t pc;
		uc_err err;

		emu_sync(e);
		if (e->reset_req) {
			if (reset(e, e->reset_why, 0)) {
				report_fault(e, UC_ERR_OK);
				return;
			}
			continue;
		}
		drop_stale_code(e);
		if (e->app_stop) {
			e->app_stop = 0;
			e->app_entry_ps = e->now_ps;
			report_app(e);
			if (!e->o->run_app) {
				e->exit_code = EMU_EXIT_OK;
				break;
			}
		}
		if (stop_signal) {
			emu_say(e, "stopped by signal %d", (int)stop_signal);
			e->exit_code = EMU_EXIT_ERROR;
			break;
		}
		if (limits(e)) {
			break;
		}
		emu_line_poll(e);
		emu_take_exception(e);
		if (e->exit_code >= 0) {
			break;
		}
		throttle(e);
		e->slice_end = e->insns + slice_budget(e);
		e->stop_at = e->slice_end;
		pc = emu_reg(e, UC_ARM_REG_PC);
		before = e->insns;
		err = uc_emu_start(e->uc, pc | 1u, 0xFFFFFFFFu, 0, 0);
		if (e->nfix) {
			emu_flash_fixup(e);
		}
		if (err != UC_ERR_OK || e->fault) {
			report_fault(e, err);
			e->exit_code = EMU_EXIT_ERROR;
			break;
		}
		if (e->stop_at == e->slice_end && e->insns < e->slice_end &&
		    asleep(e)) {
			if (emu_sleep(e)) {
				report_fault(e, UC_ERR_OK);
				break;
			}
			idle = 0;
			continue;
		}
		if (e->insns == before && e->stop_at == e->slice_end) {
			/* Nothing ran and nobody asked to stop: a WFI or WFE
			 * would do this; they are not modelled. */
			if (++idle > STUCK_SLICES) {
				emu_fault(e,
					  "the core makes no progress at "
					  "0x%08" PRIx32
					  " (WFI/WFE are not modelled)",
					  pc);
				report_fault(e, UC_ERR_OK);
				break;
			}
		} else {
			idle = 0;
		}
	}
}

int main(int argc, char **argv)
{
	static struct emu emu;
	struct emu *e = &emu;
	struct emu_opts o;
	struct sigaction sa;
	int list, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = parse_args(argc, argv, &o, &list);
	if (rc == -1) {
		if (list) {
			list_boards();
		} else {
			usage(stdout);
		}
		return 0;
	}
	if (rc) {
		fprintf(stderr, "usage: iap-emu --board NAME [options] (--help "
				"for the list)\n");
		return rc;
	}
	memset(e, 0, sizeof(*e));
	e->o = &o;
	e->exit_code = -1;
	e->b = emu_board_find(o.board);
	if (!e->b) {
		fprintf(stderr, "iap-emu: unknown board '%s' (--list-boards)\n",
			o.board);
		return EMU_EXIT_USAGE;
	}
	e->app_lo = e->b->app_addr;
	e->app_hi = EMU_FLASH_BASE + e->b->flash_size;
	if (o.layout_file && read_layout(e, o.layout_file)) {
		return EMU_EXIT_USAGE;
	}
	if (o.app_addr) {
		e->app_lo = o.app_addr;
		e->app_hi = EMU_FLASH_BASE + e->b->flash_size;
	}
	e->flash = malloc(e->b->flash_size);
	e->ram = malloc(e->b->ram_size);
	e->ccm = e->b->ccm_size ? malloc(e->b->ccm_size) : NULL;
	if (!e->flash || !e->ram || (e->b->ccm_size && !e->ccm)) {
		fprintf(stderr, "iap-emu: out of memory\n");
		return EMU_EXIT_ERROR;
	}
	fill_ram(e->ram, e->b->ram_size, RAM_SEED);
	if (e->ccm) {
		fill_ram(e->ccm, e->b->ccm_size, RAM_SEED + 1u);
	}
	if (load_flash(e) || emu_ob_init(e) || emu_cut_init(e)) {
		return EMU_EXIT_ERROR;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	emu_say(e, "board %s: %s; application slot 0x%08" PRIx32, e->b->name,
		e->b->desc, e->app_lo);
	if (emu_line_open(e)) {
		return EMU_EXIT_ERROR;
	}
	e->real_t0_ns = real_ns();
	run(e);
	emu_cut_finish(e);
	report_end(e);

	rc = e->exit_code < 0 ? EMU_EXIT_ERROR : e->exit_code;
	if (o.save && (write_flash(e, o.flash_file) || emu_ob_save(e))) {
		rc = EMU_EXIT_ERROR;
	}
	if (o.dump_file && write_flash(e, o.dump_file)) {
		rc = EMU_EXIT_ERROR;
	}
	/* Let the host read the last answer before the line goes away. */
	emu_line_close(e, e->app_seen && !stop_signal ? LINGER_MS : 0);
	emu_engine_destroy(e);
	free(e->flash);
	free(e->ram);
	free(e->ccm);
	return rc;
}
