/*
 * iap merge - bootloader + application -> one production image (.bin and
 * Intel HEX) for a factory programmer (STM32CubeProgrammer, st-flash,
 * stm32flash). The image holds the bootloader at the flash base, the
 * application's metadata record in the meta region exactly as the
 * bootloader writes it after an update (header, then the commit word), and
 * the payload in the application slot, so a freshly programmed device boots
 * the application on its first power-up.
 *
 * The meta record is written by the core's own iap_image_write_meta() into
 * a memory-backed flash, and the result is read back with the bootloader's
 * iap_image_read_meta() and iap_image_verify_slot() before any file is
 * written: what the tool produces is what the device accepts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_layout.h"
#include "iap/iap_proto.h"
#include "iap_cli.h"
#include "pack.h"
#include "sim.h"

#define DEFAULT_FLASH_BASE 0x08000000u
#define DEFAULT_WRITE_SIZE 2u
/* Larger than any STM32 flash: a longer image means a wrong address. */
#define SPAN_MAX (16u * 1024u * 1024u)
/* Without a board, any Cortex-M SRAM is accepted for the stack pointer. */
#define RAM_ANY_ADDR 0x20000000u
#define RAM_ANY_SIZE 0x20000000u
#define CCM_ANY_ADDR 0x10000000u /* STM32F3/F4/G4 core-coupled RAM */
#define CCM_ANY_SIZE 0x10000u
/*
 * The version of the bootloader being merged is not known to the tool, so
 * an image's min_loader is reported, not checked.
 */
#define LOADER_ANY IAP_LOADER_VERSION(0xFFu, 0xFFu, 0xFFu)

#define MSG_SIZE 512

enum {
	HAVE_BOOT_ADDR = 1u << 0,
	HAVE_FLASH_BASE = 1u << 1,
	HAVE_WRITE_SIZE = 1u << 2,
	HAVE_META_ADDR = 1u << 3,
	HAVE_META_SIZE = 1u << 4,
	HAVE_APP_ADDR = 1u << 5,
	HAVE_APP_SIZE = 1u << 6,
	HAVE_VERSION = 1u << 7,
	HAVE_BOARD_ID = 1u << 8,
	HAVE_EXPLICIT =
		HAVE_META_ADDR | HAVE_META_SIZE | HAVE_APP_ADDR | HAVE_APP_SIZE
};

struct merge_opts {
	const char *boot, *app, *out, *hex, *board;
	uint32_t boot_addr, flash_base, write_size, fill, board_id;
	uint32_t meta_addr, meta_size, app_addr, app_size;
	struct iap_version version;
	unsigned have; /* HAVE_* */
};

/* Where things go: the layout and the flash it lives in. */
struct merge_plan {
	struct iap_layout lay;
	uint32_t base;	     /* flash base: the bootloader starts here */
	uint32_t write_size; /* programming unit of the flash */
	const struct sim_board *board;
};

/* The image being built, seen by the core through an iap_flash. */
struct merge_image {
	uint8_t *data;
	uint32_t base, size, write_size;
};

static void list_boards(FILE *out)
{
	size_t n;
	const struct sim_board *b = sim_board_all(&n);

	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s%s", i ? ", " : "", b[i].name);
	}
}

static void merge_usage(FILE *out)
{
	fprintf(out,
		"usage: iap merge --boot BOOT --app APP (--layout BOARD |\n"
		"                 --meta-addr ADDR --meta-size N --app-addr "
		"ADDR --app-size N)\n"
		"                 -o OUT.bin [--hex OUT.hex] [OPTIONS]\n"
		"\n"
		"Merge a bootloader and an application into one production "
		"image that\n"
		"boots the application on the first power-up: the bootloader "
		"at the\n"
		"flash base, the application's metadata record in the meta "
		"region (as\n"
		"the bootloader writes it after an update) and the application "
		"in its\n"
		"slot; gaps are filled with 0xFF. Program it with any flash "
		"tool.\n"
		"\n"
		"inputs:\n"
		"      --boot FILE         the bootloader: .bin, .hex or .elf\n"
		"      --boot-addr ADDR    address of a .bin bootloader "
		"(default: the\n"
		"                          flash base); must be the flash "
		"base\n"
		"      --app FILE          the application: an .iap image, or "
		"a .bin,\n"
		"                          .hex or .elf packed on the fly as "
		"'iap pack'\n"
		"      --version X.Y.Z[+B] version of an application packed on "
		"the fly\n"
		"      --board-id N        board id of an application packed "
		"on the fly\n"
		"\n"
		"layout (a board, or all four addresses and sizes):\n"
		"      --layout BOARD      one of: ");
	list_boards(out);
	fprintf(out,
		"\n"
		"      --meta-addr ADDR    meta region (at least 272 bytes)\n"
		"      --meta-size N\n"
		"      --app-addr ADDR     application slot\n"
		"      --app-size N\n"
		"      --write-size N      flash programming unit: 2 on "
		"STM32F1 "
		"(default),\n"
		"                          4 on STM32F4\n"
		"      --flash-base ADDR   first flash address (default "
		"0x08000000)\n"
		"\n"
		"outputs:\n"
		"  -o, --output FILE       the raw binary to write (required)\n"
		"      --hex FILE          also write the image as Intel HEX\n"
		"      --fill BYTE         value of the gaps outside the meta "
		"region\n"
		"                          (default 0xFF, erased flash)\n"
		"  -h, --help              show this text\n"
		"\n"
		"Numbers are decimal or 0x-prefixed hex. Exit status: 0 ok, "
		"1 failure,\n"
		"2 usage error.\n");
}

#define usage_error(...) iap_usage_error("merge", __VA_ARGS__)
#define failure(...)	 iap_failure("merge", __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Arguments                                                          */

enum {
	OPT_BOOT = 256,
	OPT_BOOT_ADDR,
	OPT_APP,
	OPT_LAYOUT,
	OPT_META_ADDR,
	OPT_META_SIZE,
	OPT_APP_ADDR,
	OPT_APP_SIZE,
	OPT_WRITE_SIZE,
	OPT_FLASH_BASE,
	OPT_FILL,
	OPT_HEX,
	OPT_VERSION,
	OPT_BOARD_ID
};

static const struct option merge_long_opts[] = {
	{"boot", required_argument, NULL, OPT_BOOT},
	{"boot-addr", required_argument, NULL, OPT_BOOT_ADDR},
	{"app", required_argument, NULL, OPT_APP},
	{"layout", required_argument, NULL, OPT_LAYOUT},
	{"meta-addr", required_argument, NULL, OPT_META_ADDR},
	{"meta-size", required_argument, NULL, OPT_META_SIZE},
	{"app-addr", required_argument, NULL, OPT_APP_ADDR},
	{"app-size", required_argument, NULL, OPT_APP_SIZE},
	{"write-size", required_argument, NULL, OPT_WRITE_SIZE},
	{"flash-base", required_argument, NULL, OPT_FLASH_BASE},
	{"fill", required_argument, NULL, OPT_FILL},
	{"output", required_argument, NULL, 'o'},
	{"hex", required_argument, NULL, OPT_HEX},
	{"version", required_argument, NULL, OPT_VERSION},
	{"board-id", required_argument, NULL, OPT_BOARD_ID},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0}};

/* A numeric option: 0, or the usage error's exit code. */
static int opt_number(int c, const char *arg, uint32_t *v, unsigned *have,
		      unsigned bit)
{
	const char *name = "?";

	for (const struct option *o = merge_long_opts; o->name; o++) {
		if (o->val == c) {
			name = o->name;
			break;
		}
	}
	if (iap_parse_u32(arg, v) < 0) {
		return usage_error("bad --%s '%s' (want a number: decimal or "
				   "0x-prefixed hex)",
				   name, arg);
	}
	*have |= bit;
	return 0;
}

/* Returns -1 to go on, else the exit code (help shown, usage error). */
static int parse_args(int argc, char **argv, struct merge_opts *o)
{
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	o->fill = IAP_FLASH_ERASED;
	/* 0 makes GNU getopt start afresh, so the command can run twice. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", merge_long_opts, NULL)) !=
	       -1) {
		switch (c) {
		case OPT_BOOT:
			o->boot = optarg;
			break;
		case OPT_APP:
			o->app = optarg;
			break;
		case OPT_LAYOUT:
			o->board = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case OPT_HEX:
			o->hex = optarg;
			break;
		case OPT_BOOT_ADDR:
			r = opt_number(c, optarg, &o->boot_addr, &o->have,
				       HAVE_BOOT_ADDR);
			break;
		case OPT_FLASH_BASE:
			r = opt_number(c, optarg, &o->flash_base, &o->have,
				       HAVE_FLASH_BASE);
			break;
		case OPT_WRITE_SIZE:
			r = opt_number(c, optarg, &o->write_size, &o->have,
				       HAVE_WRITE_SIZE);
			break;
		case OPT_META_ADDR:
			r = opt_number(c, optarg, &o->meta_addr, &o->have,
				       HAVE_META_ADDR);
			break;
		case OPT_META_SIZE:
			r = opt_number(c, optarg, &o->meta_size, &o->have,
				       HAVE_META_SIZE);
			break;
		case OPT_APP_ADDR:
			r = opt_number(c, optarg, &o->app_addr, &o->have,
				       HAVE_APP_ADDR);
			break;
		case OPT_APP_SIZE:
			r = opt_number(c, optarg, &o->app_size, &o->have,
				       HAVE_APP_SIZE);
			break;
		case OPT_BOARD_ID:
			r = opt_number(c, optarg, &o->board_id, &o->have,
				       HAVE_BOARD_ID);
			break;
		case OPT_FILL:
			if (iap_parse_u32(optarg, &o->fill) < 0 ||
			    o->fill > 0xFFu) {
				return usage_error("bad --fill '%s' (want a "
						   "byte, 0x00..0xFF)",
						   optarg);
			}
			break;
		case OPT_VERSION:
			if (iap_parse_version(optarg, &o->version) < 0) {
				return usage_error(
					"bad version '%s' (want X.Y.Z or "
					"X.Y.Z+BUILD; X, Y <= 255, Z <= 65535)",
					optarg);
			}
			o->have |= HAVE_VERSION;
			break;
		case 'h':
			merge_usage(stdout);
			return 0;
		default:
			/* getopt has already said what was wrong. */
			fprintf(stderr, "Try 'iap merge --help'.\n");
			return 2;
		}
		if (r) {
			return r;
		}
	}
	if (optind < argc) {
		return usage_error("unexpected argument '%s' (inputs are "
				   "given with --boot and --app)",
				   argv[optind]);
	}
	if (!o->boot) {
		return usage_error("no bootloader (--boot BOOT.bin|.hex|.elf)");
	}
	if (!o->app) {
		return usage_error("no application (--app APP.iap, or a "
				   ".bin/.hex/.elf)");
	}
	if (!o->out) {
		return usage_error("no output file (-o OUT.bin)");
	}
	if (o->hex && !strcmp(o->hex, o->out)) {
		return usage_error("--hex and -o name the same file '%s'",
				   o->out);
	}
	const char *outs[2] = {o->out, o->hex};

	for (unsigned i = 0; i < 2; i++) {
		if (outs[i] &&
		    (!strcmp(outs[i], o->boot) || !strcmp(outs[i], o->app))) {
			return usage_error(
				"the output would replace the input '%s'",
				outs[i]);
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The image, as flash                                                */

static int img_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
	const struct merge_image *m = ctx;

	if (addr < m->base || (uint64_t)addr - m->base + len > m->size) {
		return IAP_ERR_FAULT;
	}
	memcpy(buf, m->data + (addr - m->base), len);
	return 0;
}

static int img_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
	struct merge_image *m = ctx;
	uint8_t *dst;

	if (addr % m->write_size != 0 || len % m->write_size != 0) {
		return IAP_ERR_ALIGN;
	}
	if (addr < m->base || (uint64_t)addr - m->base + len > m->size) {
		return IAP_ERR_FAULT;
	}
	dst = m->data + (addr - m->base);
	for (uint32_t i = 0; i < len; i++) {
		if (dst[i] != IAP_FLASH_ERASED) {
			return IAP_ERR_NOTERASED;
		}
	}
	memcpy(dst, buf, len);
	return 0;
}

static int img_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
	/* Nothing here erases: the image starts erased where it must. */
	return IAP_ERR_NOTSUP;
}

static void img_flash(struct merge_image *m, struct iap_flash *f)
{
	memset(f, 0, sizeof(*f));
	f->ctx = m;
	f->write_size = m->write_size;
	f->read = img_read;
	f->prog = img_prog;
	f->erase = img_erase;
}

/* ------------------------------------------------------------------ */
/* Layout                                                             */

static int plan_from_board(const struct merge_opts *o, struct merge_plan *p)
{
	const struct sim_board *b = sim_board_find(o->board);

	if (!b) {
		fprintf(stderr,
			"iap merge: unknown board '%s' (known: ", o->board);
		list_boards(stderr);
		fprintf(stderr, ")\nTry 'iap merge --help'.\n");
		return 2;
	}
	if (o->have & HAVE_EXPLICIT) {
		return usage_error("--layout %s gives the meta region and the "
				   "slot; drop --meta-addr, --meta-size, "
				   "--app-addr and --app-size",
				   o->board);
	}
	p->board = b;
	p->lay = b->layout;
	p->base = b->regions[0].addr;
	p->write_size = b->write_size;
	if ((o->have & HAVE_WRITE_SIZE) && o->write_size != p->write_size) {
		return usage_error("--write-size %u, but the %s programs %u "
				   "bytes at a time",
				   o->write_size, b->name, p->write_size);
	}
	if ((o->have & HAVE_FLASH_BASE) && o->flash_base != p->base) {
		return usage_error("--flash-base 0x%08X, but the %s flash "
				   "starts at 0x%08X",
				   o->flash_base, b->name, p->base);
	}
	return -1;
}

/*
 * The core's layout check on what the tool knows of the flash: where it
 * starts, and no sectors, so 1-byte sectors from the base to the top of the
 * address space. That leaves: the regions inside it and not overlapping,
 * the bootloader's first. Returns 0 or IAP_ERR_INVAL.
 */
static int layout_check(const struct iap_layout *l, uint32_t base)
{
	const struct iap_flash_region span = {base, 1u, 0xFFFFFFFFu - base};
	struct merge_image none = {NULL, base, 0, 1};
	struct iap_flash f;

	img_flash(&none, &f);
	f.regions = &span;
	f.region_count = 1;
	return iap_layout_check(l, &f);
}

/*
 * Why an explicit layout is refused, by layout_check() or for the
 * alignment of the meta region (the core leaves that to the flash), in the
 * options' terms. Returns the usage error's exit code.
 */
static int explain_layout(const struct iap_layout *l, uint32_t base,
			  uint32_t ws)
{
	if (l->meta_size < IAP_META_MIN_SIZE) {
		return usage_error("--meta-size %u is too small: the meta "
				   "region holds at least %u bytes",
				   l->meta_size, IAP_META_MIN_SIZE);
	}
	if (l->meta_addr % ws != 0) {
		return usage_error("--meta-addr 0x%08X is not aligned to the "
				   "%u-byte write unit",
				   l->meta_addr, ws);
	}
	if (l->app_size == 0) {
		return usage_error("--app-size is 0");
	}
	if ((uint64_t)l->meta_addr + l->meta_size > 0xFFFFFFFFu ||
	    (uint64_t)l->app_addr + l->app_size > 0xFFFFFFFFu) {
		return usage_error("the meta region or the slot runs past the "
				   "32-bit address space");
	}
	if (l->meta_addr < base || l->app_addr < base) {
		return usage_error(
			"the %s at 0x%08X is below the flash base "
			"0x%08X (--flash-base)",
			l->meta_addr < base ? "meta region"
					    : "application slot",
			l->meta_addr < base ? l->meta_addr : l->app_addr, base);
	}
	if (l->boot_size == 0) {
		return usage_error("the %s at the flash base 0x%08X leaves no "
				   "room for the bootloader (--flash-base)",
				   l->meta_addr == base ? "meta region"
							: "application slot",
				   base);
	}
	/* What is left of the core's checks: the two overlap. */
	return usage_error(
		"the meta region 0x%08X..0x%08llX overlaps "
		"the application slot 0x%08X..0x%08llX",
		l->meta_addr, (unsigned long long)l->meta_addr + l->meta_size,
		l->app_addr, (unsigned long long)l->app_addr + l->app_size);
}

static int plan_explicit(const struct merge_opts *o, struct merge_plan *p)
{
	static const struct {
		unsigned bit;
		const char *opt;
	} need[] = {{HAVE_META_ADDR, "--meta-addr"},
		    {HAVE_META_SIZE, "--meta-size"},
		    {HAVE_APP_ADDR, "--app-addr"},
		    {HAVE_APP_SIZE, "--app-size"}};
	struct iap_layout *l = &p->lay;
	uint32_t ws;

	if (!(o->have & HAVE_EXPLICIT)) {
		fprintf(stderr, "iap merge: no layout: give --layout BOARD (");
		list_boards(stderr);
		fprintf(stderr, ") or --meta-addr, --meta-size, --app-addr "
				"and --app-size\nTry 'iap merge --help'.\n");
		return 2;
	}
	for (unsigned i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!(o->have & need[i].bit)) {
			return usage_error("%s is missing: without --layout, "
					   "--meta-addr, --meta-size, "
					   "--app-addr and --app-size are all "
					   "needed",
					   need[i].opt);
		}
	}
	ws = (o->have & HAVE_WRITE_SIZE) ? o->write_size : DEFAULT_WRITE_SIZE;
	if (ws == 0 || ws > 16 || (ws & (ws - 1)) != 0) {
		return usage_error("--write-size %u: want a power of two up to "
				   "16 (2 on STM32F1, 4 on STM32F4)",
				   ws);
	}
	p->board = NULL;
	p->write_size = ws;
	p->base = (o->have & HAVE_FLASH_BASE) ? o->flash_base
					      : DEFAULT_FLASH_BASE;
	memset(l, 0, sizeof(*l));
	l->boot_addr = p->base;
	l->meta_addr = o->meta_addr;
	l->meta_size = o->meta_size;
	l->app_addr = o->app_addr;
	l->app_size = o->app_size;
	l->ram_addr = RAM_ANY_ADDR;
	l->ram_size = RAM_ANY_SIZE;
	l->ram2_addr = CCM_ANY_ADDR;
	l->ram2_size = CCM_ANY_SIZE;
	/* The bootloader region is what lies below the first of the two. */
	if (l->meta_addr >= p->base && l->app_addr >= p->base) {
		l->boot_size = (l->meta_addr < l->app_addr ? l->meta_addr
							   : l->app_addr) -
			       p->base;
	}
	if (layout_check(l, p->base) != 0 || l->meta_addr % ws != 0) {
		return explain_layout(l, p->base, ws);
	}
	return -1;
}

static int make_plan(const struct merge_opts *o, struct merge_plan *p)
{
	memset(p, 0, sizeof(*p));
	return o->board ? plan_from_board(o, p) : plan_explicit(o, p);
}

/* ------------------------------------------------------------------ */
/* Inputs                                                             */

static int is_iap_file(const char *path)
{
	uint8_t m[4];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		return 0;
	}
	n = fread(m, 1, sizeof(m), f);
	fclose(f);
	return n == sizeof(m) && iap_get_le32(m) == IAP_IMAGE_MAGIC;
}

/*
 * The bootloader: at the flash base, where the chip starts, with a vector
 * table, and ending before the meta region and the slot.
 */
static int load_boot(const struct merge_opts *o, const struct merge_plan *p,
		     struct iap_blob *b)
{
	const struct iap_layout *l = &p->lay;
	char err[MSG_SIZE];
	int r;

	r = iap_blob_load(o->boot, IAP_FMT_AUTO, b, err, sizeof(err));
	if (r < 0) {
		return failure("%s", err);
	}
	if (!b->addr_known) {
		b->addr = (o->have & HAVE_BOOT_ADDR) ? o->boot_addr : p->base;
	} else if ((o->have & HAVE_BOOT_ADDR) && b->addr != o->boot_addr) {
		return failure("%s: data starts at 0x%08X, but --boot-addr "
			       "says 0x%08X",
			       o->boot, b->addr, o->boot_addr);
	}
	if (b->addr != p->base) {
		return failure("%s: the bootloader starts at 0x%08X, not at "
			       "the flash base 0x%08X where the chip starts "
			       "after reset",
			       o->boot, b->addr, p->base);
	}
	r = iap_check_vectors(o->boot, b->data, b->size, b->addr,
			      b->addr_known ? NULL : "--boot-addr", err,
			      sizeof(err));
	if (r < 0) {
		return failure("%s", err);
	}
	/* The layout has both regions above the base: the first one counts. */
	int meta_first = l->meta_addr < l->app_addr;
	uint32_t room = (meta_first ? l->meta_addr : l->app_addr) - b->addr;

	if (b->size > room) {
		return failure("%s: bootloader is %u bytes and runs into the "
			       "%s at 0x%08X (at most %u bytes fit before it)",
			       o->boot, b->size,
			       meta_first ? "meta region" : "application slot",
			       b->addr + room, room);
	}
	return 0;
}

/*
 * A header against the layout as the bootloader sees it, through the core's
 * iap_image_check_fit(); its answers said in the user's terms.
 */
static int check_header(const char *name, const struct iap_image_hdr *h,
			const struct iap_layout *l)
{
	int r = iap_image_check_fit(h, l, LOADER_ANY);

	switch (r) {
	case 0:
		break;
	case IAP_ERR_FBIG:
		return failure("%s: application is %u bytes, larger than the "
			       "%u-byte slot at 0x%08X",
			       name, h->image_size, l->app_size, l->app_addr);
	case IAP_ERR_RANGE:
		return failure("%s: application linked for 0x%08X, but the "
			       "application slot is at 0x%08X",
			       name, h->load_addr, l->app_addr);
	case IAP_ERR_BOARD:
		return failure("%s: image is for board id %u, the layout for "
			       "board id %u",
			       name, h->board_id, l->board_id);
	case IAP_ERR_NOTSUP:
		return failure("%s: unknown signature type %u: no "
			       "bootloader can check it",
			       name, h->sig_type);
	default:
		return failure("%s: the bootloader would refuse this image: "
			       "%s (%s)",
			       name, iap_strerror(r), iap_err_name(r));
	}
	if (h->min_loader) {
		fprintf(stderr,
			"iap merge: %s: note: the image needs bootloader "
			"%u.%u.%u or "
			"newer; the merged one must be at least that\n",
			name, h->min_loader >> 16 & 0xFFu,
			h->min_loader >> 8 & 0xFFu, h->min_loader & 0xFFu);
	}
	return 0;
}

/* Size and address of the payload against the slot, before anything else. */
static int check_slot(const char *name, uint32_t size, uint32_t addr,
		      const struct iap_layout *l)
{
	struct iap_image_hdr h;

	memset(&h, 0, sizeof(h));
	h.image_size = size;
	h.load_addr = addr;
	return check_header(name, &h, l);
}

/*
 * The application: an .iap image as it is (its hash checked), or a
 * firmware file packed here with the checks of `iap pack`.
 */
static int load_app(const struct merge_opts *o, const struct merge_plan *p,
		    int is_iap, struct iap_image_hdr *h, uint8_t **payload)
{
	const struct iap_layout *l = &p->lay;
	char err[MSG_SIZE];
	struct iap_blob b;
	int r;

	*payload = NULL;
	memset(h, 0, sizeof(*h));
	if (is_iap) {
		r = iap_file_load(o->app, h, payload, err, sizeof(err));
		if (r < 0) {
			return failure("%s", err);
		}
		if (check_slot(o->app, h->image_size, h->load_addr, l)) {
			return 1;
		}
		r = iap_check_vectors(o->app, *payload, h->image_size,
				      h->load_addr, NULL, err, sizeof(err));
		return r < 0 ? failure("%s", err) : 0;
	}

	r = iap_blob_load(o->app, IAP_FMT_AUTO, &b, err, sizeof(err));
	if (r < 0) {
		return failure("%s", err);
	}
	if (!b.addr_known) {
		b.addr = l->app_addr;
	}
	if (check_slot(o->app, b.size, b.addr, l)) {
		iap_blob_free(&b);
		return 1;
	}
	h->version = o->version;
	h->board_id = o->board_id;
	r = iap_pack_payload(o->app, b.data, b.size, b.addr, NULL, h, err,
			     sizeof(err));
	if (r < 0) {
		iap_blob_free(&b);
		return failure("%s", err);
	}
	/* The payload is kept; the blob struct is dropped. */
	*payload = b.data;
	return 0;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * Lay out bootloader, meta record and payload. The meta region stays
 * erased (0xFF) whatever the fill, as on a device after an update; the
 * record is programmed by the core's own writer.
 */
static int build_image(const struct merge_opts *o, const struct merge_plan *p,
		       const struct iap_blob *boot,
		       const struct iap_image_hdr *h, const uint8_t *payload,
		       struct merge_image *m)
{
	const struct iap_layout *l = &p->lay;
	uint32_t commit_len = p->write_size > 4 ? p->write_size : 4;
	uint64_t end, meta_end;
	struct iap_flash f;
	int r;

	end = max64((uint64_t)boot->addr + boot->size,
		    (uint64_t)l->app_addr + h->image_size);
	end = max64(end,
		    (uint64_t)l->meta_addr + IAP_META_COMMIT_OFF + commit_len);
	if (end - p->base > SPAN_MAX) {
		return failure("the image would span 0x%08X..0x%08llX"
			       " (%llu bytes), more than %u MiB: check the "
			       "addresses",
			       p->base, (unsigned long long)end,
			       (unsigned long long)(end - p->base),
			       SPAN_MAX >> 20);
	}
	m->base = p->base;
	m->size = (uint32_t)(end - p->base);
	m->write_size = p->write_size;
	m->data = malloc(m->size);
	if (!m->data) {
		return failure("out of memory (%u bytes)", m->size);
	}
	memset(m->data, (int)o->fill, m->size);
	meta_end = (uint64_t)l->meta_addr + l->meta_size;
	if (meta_end > end) {
		meta_end = end;
	}
	memset(m->data + (l->meta_addr - m->base), IAP_FLASH_ERASED,
	       (size_t)(meta_end - l->meta_addr));
	memcpy(m->data + (boot->addr - m->base), boot->data, boot->size);
	memcpy(m->data + (l->app_addr - m->base), payload, h->image_size);

	img_flash(m, &f);
	r = iap_image_write_meta(&f, l, h);
	if (r < 0) {
		return failure("cannot place the meta record at "
			       "0x%08X: %s",
			       l->meta_addr, iap_strerror(r));
	}
	return 0;
}

/*
 * Read the image back as the bootloader does at reset: committed record,
 * header, vector table against the board's RAM, SHA-256 of the slot.
 */
static int self_check(const struct merge_opts *o, const struct merge_plan *p,
		      struct merge_image *m, const struct iap_image_hdr *h)
{
	const struct iap_layout *l = &p->lay;
	struct iap_image_hdr back;
	uint8_t want[IAP_IMAGE_HDR_SIZE], got[IAP_IMAGE_HDR_SIZE];
	uint8_t scratch[4096];
	struct iap_flash f;
	int r;

	img_flash(m, &f);
	r = iap_image_read_meta(&f, l, &back);
	iap_image_hdr_encode(h, want);
	iap_image_hdr_encode(&back, got);
	if (r < 0 || memcmp(want, got, sizeof(want)) != 0) {
		return failure("internal error: the meta record "
			       "does not read back (%s)",
			       iap_err_name(r));
	}
	r = iap_image_verify_slot(&f, l, &back, LOADER_ANY, scratch,
				  sizeof(scratch));
	if (r == IAP_ERR_NOEXEC) {
		const uint8_t *v = m->data + (l->app_addr - m->base);
		char ram2[48] = "";

		if (l->ram2_size) {
			snprintf(ram2, sizeof(ram2), " and 0x%08X..0x%08llX",
				 l->ram2_addr,
				 (unsigned long long)l->ram2_addr +
					 l->ram2_size);
		}
		return failure(
			"%s: the bootloader would not start it: "
			"initial SP 0x%08X, reset 0x%08X; %s has RAM "
			"at 0x%08X..0x%08llX%s",
			o->app, iap_get_le32(v), iap_get_le32(v + 4),
			p->board ? p->board->name : "the layout", l->ram_addr,
			(unsigned long long)l->ram_addr + l->ram_size, ram2);
	}
	if (r < 0) {
		return failure("%s: the merged image does not verify: %s (%s)",
			       o->app, iap_strerror(r), iap_err_name(r));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Outputs                                                            */

/*
 * Both files or neither: the .bin is written first and renamed into place
 * last, once the HEX is complete.
 */
static int write_outputs(const struct merge_opts *o,
			 const struct merge_image *m)
{
	char err[MSG_SIZE];
	char *tmp;
	int r;

	r = iap_bin_write(o->out, m->data, m->size, &tmp, err, sizeof(err));
	if (r == 0 && o->hex) {
		r = iap_ihex_write(o->hex, m->base, m->data, m->size, 0, err,
				   sizeof(err));
		if (r < 0) {
			iap_tmp_commit(tmp, o->out, 0, NULL, 0);
		}
	}
	if (r == 0) {
		r = iap_tmp_commit(tmp, o->out, 1, err, sizeof(err));
		if (r < 0 && o->hex) {
			remove(o->hex);
		}
	}
	return r < 0 ? failure("%s", err) : 0;
}

static void print_summary(const struct merge_opts *o,
			  const struct merge_plan *p,
			  const struct iap_blob *boot,
			  const struct iap_image_hdr *h,
			  const struct merge_image *m)
{
	const struct iap_version *v = &h->version;

	printf("%s + %s -> %s\n", o->boot, o->app, o->out);
	printf("  image        0x%08X..0x%08llX  %u bytes\n", m->base,
	       (unsigned long long)m->base + m->size, m->size);
	printf("  bootloader   0x%08X  %u bytes\n", boot->addr, boot->size);
	printf("  meta record  0x%08X  header + commit word (write unit %u)\n",
	       p->lay.meta_addr, p->write_size);
	printf("  application  0x%08X  %u bytes, version %u.%u.%u+%u\n",
	       h->load_addr, h->image_size, v->major, v->minor, v->patch,
	       v->build);
	printf("  sha256       ");
	for (unsigned i = 0; i < IAP_IMAGE_HASH_SIZE; i++) {
		printf("%02x", h->sha256[i]);
	}
	printf("\n");
	if (o->hex) {
		printf("  hex          %s\n", o->hex);
	}
}

int iap_cmd_merge(int argc, char **argv)
{
	struct merge_opts o;
	struct merge_plan p;
	struct merge_image m = {NULL, 0, 0, 0};
	struct iap_image_hdr h;
	struct iap_blob boot;
	uint8_t *payload = NULL;
	int r, is_iap;

	r = parse_args(argc, argv, &o);
	if (r >= 0) {
		return r;
	}
	r = make_plan(&o, &p);
	if (r >= 0) {
		return r;
	}
	is_iap = is_iap_file(o.app);
	if (is_iap && (o.have & (HAVE_VERSION | HAVE_BOARD_ID))) {
		return usage_error("%s is an .iap image with its own header: "
				   "--version and --board-id apply to a "
				   ".bin/.hex/.elf application only",
				   o.app);
	}

	memset(&boot, 0, sizeof(boot));
	r = load_boot(&o, &p, &boot);
	if (!r) {
		r = load_app(&o, &p, is_iap, &h, &payload);
	}
	if (!r) {
		r = check_header(o.app, &h, &p.lay);
	}
	if (!r) {
		r = build_image(&o, &p, &boot, &h, payload, &m);
	}
	if (!r) {
		r = self_check(&o, &p, &m, &h);
	}
	if (!r) {
		r = write_outputs(&o, &m);
	}
	if (!r) {
		print_summary(&o, &p, &boot, &h, &m);
	}
	free(m.data);
	free(payload);
	iap_blob_free(&boot);
	return r;
}
