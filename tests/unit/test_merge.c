/*
 * `iap merge` called as a function: the production image it writes (read
 * back through an iap_flash over the file's bytes, with the bootloader's
 * own iap_image_read_meta(), iap_image_verify_slot() and iap_boot_decide()),
 * its HEX twin, every refusal with its message, and the rule that a failed
 * merge leaves no file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper_cli.h"
#include "helper_elf.h"
#include "iap/iap_boot.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"
#include "sim.h"

#define BASE	 0x08000000u
#define F1_META	 0x08003C00u
#define F1_APP	 0x08004000u
#define F1_SLOT	 0xC000u
#define F4_META	 0x08004000u
#define F4_APP	 0x08008000u
#define RAMTOP	 0x20005000u
#define LOADER	 IAP_LOADER_VERSION(0, 1, 0)
#define BOOT_SZ	 9000u
#define APP_SZ	 30001u
#define MAX_FILE (128u * 1024u)

/* No file of the given names, nor their .tmp, exists. */
static void expect_no_output(const char *bin, const char *hex)
{
	char t[300];

	assert_false(exists(tp(bin)));
	snprintf(t, sizeof(t), "%s.tmp", tp(bin));
	assert_false(exists(t));
	if (hex) {
		assert_false(exists(tp(hex)));
		snprintf(t, sizeof(t), "%s.tmp", tp(hex));
		assert_false(exists(t));
	}
}

/* ---- inputs ------------------------------------------------------- */

static uint8_t boot[32 * 1024], app[64 * 1024];
static uint8_t file[MAX_FILE], file2[MAX_FILE];

/* A Cortex-M image of size bytes linked at addr, contents from seed. */
static void make_image(uint8_t *buf, uint32_t size, uint32_t addr, uint32_t sp,
		       uint8_t seed)
{
	for (uint32_t i = 0; i < size; i++) {
		buf[i] = (uint8_t)(i * 7u + seed);
	}
	iap_put_le32(buf, sp);
	iap_put_le32(buf + 4, addr + 0x201u);
}

static void make_boot(const char *name, uint32_t size)
{
	make_image(boot, size, BASE, RAMTOP, 1);
	write_file(tp(name), boot, size);
}

/* app.bin linked at addr, packed into name with a version. */
static void make_iap(const char *name, uint32_t addr, uint32_t size,
		     uint32_t sp)
{
	char a[16];

	make_image(app, size, addr, sp, 2);
	write_file(tp("app.bin"), app, size);
	snprintf(a, sizeof(a), "0x%08x", addr);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", a, "--version",
			     "1.4.2+9", tp("app.bin"), "-o", tp(name), NULL),
			 0);
}

/* ---- the merged image as the bootloader sees it --------------------- */

struct buf_flash {
	const uint8_t *data;
	uint32_t base, size;
};

static int buf_read(void *ctx, uint32_t addr, void *out, uint32_t len)
{
	const struct buf_flash *b = ctx;

	if (addr < b->base || (uint64_t)addr - b->base + len > b->size) {
		return IAP_ERR_FAULT;
	}
	memcpy(out, b->data + (addr - b->base), len);
	return 0;
}

static int buf_prog(void *ctx, uint32_t addr, const void *d, uint32_t len)
{
	(void)ctx;
	(void)addr;
	(void)d;
	(void)len;
	return IAP_ERR_PERM;
}

static int buf_erase(void *ctx, uint32_t addr)
{
	(void)ctx;
	(void)addr;
	return IAP_ERR_PERM;
}

/* A read-only flash of the board's geometry over the file's bytes. */
static void board_flash(const struct sim_board *sb, struct buf_flash *b,
			struct iap_flash *f, const uint8_t *data, size_t size)
{
	b->data = data;
	b->base = sb->regions[0].addr;
	b->size = (uint32_t)size;
	memset(f, 0, sizeof(*f));
	f->ctx = b;
	f->regions = sb->regions;
	f->region_count = sb->region_count;
	f->write_size = sb->write_size;
	f->read = buf_read;
	f->prog = buf_prog;
	f->erase = buf_erase;
}

/*
 * Everything the bootloader checks at reset passes on the merged file, and
 * the record equals the header of want.
 */
static void expect_boots(const char *board, const uint8_t *data, size_t size,
			 const struct iap_image_hdr *want)
{
	const struct sim_board *sb = sim_board_find(board);
	struct iap_boot_decision d;
	struct iap_image_hdr h;
	struct buf_flash b;
	struct iap_flash f;
	uint8_t scratch[256], e1[256], e2[256];

	assert_non_null(sb);
	board_flash(sb, &b, &f, data, size);
	assert_int_equal(iap_image_read_meta(&f, &sb->layout, &h), 0);
	iap_image_hdr_encode(&h, e1);
	iap_image_hdr_encode(want, e2);
	assert_memory_equal(e1, e2, sizeof(e1));
	assert_int_equal(iap_image_verify_slot(&f, &sb->layout, &h, LOADER,
					       scratch, sizeof(scratch)),
			 0);
	assert_int_equal(iap_boot_decide(&f, &sb->layout, LOADER, 0, scratch,
					 sizeof(scratch), &d),
			 0);
	assert_int_equal(d.action, IAP_BOOT_JUMP);
	assert_int_equal(d.reason, IAP_REASON_VALID);
}

static void load_iap(const char *name, struct iap_image_hdr *h)
{
	char err[IAP_ERRMSG_SIZE];
	uint8_t *p;

	assert_int_equal(iap_file_load(tp(name), h, &p, err, sizeof(err)), 0);
	free(p);
}

static int all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v) {
			return 0;
		}
	}
	return 1;
}

/* ---- good merges ---------------------------------------------------- */

static void test_merge_f103(void **state)
{
	const uint32_t meta = F1_META - BASE, slot = F1_APP - BASE;
	struct iap_blob hex;
	struct iap_image_hdr h;
	uint8_t iap_hdr[256];
	char err[IAP_ERRMSG_SIZE];
	size_t n;

	(void)state;
	make_boot("boot.bin", BOOT_SZ);
	make_iap("app.iap", F1_APP, APP_SZ, RAMTOP);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.iap"), "--layout", "f103c8", "-o",
			     tp("m.bin"), "--hex", tp("m.hex"), NULL),
			 0);
	expect_in(out_text, "-> ");
	expect_in(out_text, "m.bin");
	expect_in(out_text, "0x08003C00");
	expect_in(out_text, "1.4.2+9");
	assert_string_equal(err_text, "");
	assert_false(exists(tp("m.bin.tmp")));
	assert_false(exists(tp("m.hex.tmp")));

	n = read_file(tp("m.bin"), file, sizeof(file));
	/* From the flash base to the end of the payload. */
	assert_int_equal(n, slot + APP_SZ);
	assert_memory_equal(file, boot, BOOT_SZ);
	assert_true(all_bytes(file + BOOT_SZ, meta - BOOT_SZ, 0xFF));
	/* The header as in the .iap, the commit word, the rest erased. */
	read_file(tp("app.iap"), file2, sizeof(file2));
	memcpy(iap_hdr, file2, 256);
	assert_memory_equal(file + meta, iap_hdr, 256);
	assert_memory_equal(file + meta + 256, "COMM", 4);
	assert_true(all_bytes(file + meta + 260, 0x400 - 260, 0xFF));
	assert_memory_equal(file + slot, app, APP_SZ);

	load_iap("app.iap", &h);
	expect_boots("f103c8", file, n, &h);

	/* The HEX file holds the same bytes at the same address. */
	assert_int_equal(
		iap_blob_load(tp("m.hex"), IAP_FMT_HEX, &hex, err, sizeof(err)),
		0);
	assert_int_equal(hex.addr, BASE);
	assert_int_equal(hex.size, n);
	assert_memory_equal(hex.data, file, n);
	iap_blob_free(&hex);
}

static void test_merge_f407(void **state)
{
	const uint32_t meta = F4_META - BASE;
	struct iap_image_hdr h;
	size_t n;

	(void)state;
	make_boot("boot4.bin", 15000);
	make_iap("app4.iap", F4_APP, 20000, 0x20020000u);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot4.bin"),
			     "--app", tp("app4.iap"), "--layout", "f407vg",
			     "--write-size", "4", "--flash-base", "0x08000000",
			     "-o", tp("m4.bin"), NULL),
			 0);
	n = read_file(tp("m4.bin"), file, sizeof(file));
	assert_int_equal(n, F4_APP - BASE + 20000);
	assert_memory_equal(file + meta + 256, "COMM", 4);
	assert_true(all_bytes(file + meta + 260, 0x4000 - 260, 0xFF));
	load_iap("app4.iap", &h);
	expect_boots("f407vg", file, n, &h);
	assert_false(exists(tp("m4.hex")));
}

/* Explicit addresses; a 16-byte write unit pads the commit word. */
static void test_merge_explicit(void **state)
{
	static const uint8_t commit[16] = {'C', 'O', 'M', 'M'};
	struct iap_image_hdr h;
	struct iap_layout l;
	struct buf_flash b;
	struct iap_flash f;
	uint8_t scratch[64];
	size_t n;

	(void)state;
	make_boot("boot.bin", 3000);
	make_iap("x.iap", 0x08002000u, 5001, RAMTOP);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("x.iap"), "--meta-addr", "0x08001000",
			     "--meta-size", "2048", "--app-addr", "0x08002000",
			     "--app-size", "0x6000", "--write-size", "16", "-o",
			     tp("x.bin"), NULL),
			 0);
	n = read_file(tp("x.bin"), file, sizeof(file));
	assert_int_equal(n, 0x2000 + 5001);
	assert_memory_equal(file + 0x1000 + 256, commit, 16);
	assert_true(all_bytes(file + 0x1000 + 272, 2048 - 272, 0xFF));

	memset(&l, 0, sizeof(l));
	l.boot_addr = BASE;
	l.boot_size = 0x1000;
	l.meta_addr = 0x08001000u;
	l.meta_size = 2048;
	l.app_addr = 0x08002000u;
	l.app_size = 0x6000;
	l.ram_addr = 0x20000000u;
	l.ram_size = 20 * 1024;
	b.data = file;
	b.base = BASE;
	b.size = (uint32_t)n;
	memset(&f, 0, sizeof(f));
	f.ctx = &b;
	f.write_size = 16;
	f.read = buf_read;
	assert_int_equal(iap_image_read_meta(&f, &l, &h), 0);
	assert_int_equal(h.image_size, 5001);
	assert_int_equal(iap_image_verify_slot(&f, &l, &h, LOADER, scratch,
					       sizeof(scratch)),
			 0);
}

/* A raw application is packed as `iap pack` would: the same header. */
static void test_merge_raw_app(void **state)
{
	struct iap_image_hdr want;
	uint8_t elf[8192];
	struct helper_seg s;
	size_t n, len;
	char err[IAP_ERRMSG_SIZE];

	(void)state;
	make_boot("boot.bin", BOOT_SZ);
	make_iap("ref.iap", F1_APP, APP_SZ, RAMTOP); /* leaves app.bin */
	load_iap("ref.iap", &want);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.bin"), "--version", "1.4.2+9",
			     "--layout", "f103c8", "-o", tp("r.bin"), NULL),
			 0);
	n = read_file(tp("r.bin"), file, sizeof(file));
	expect_boots("f103c8", file, n, &want);

	/* The same payload as HEX, and a HEX bootloader. */
	assert_int_equal(iap_ihex_write(tp("app.hex"), F1_APP, app, APP_SZ, 0,
					err, sizeof(err)),
			 0);
	assert_int_equal(iap_ihex_write(tp("boot.hex"), BASE, boot, BOOT_SZ, 0,
					err, sizeof(err)),
			 0);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.hex"),
			     "--app", tp("app.hex"), "--version", "1.4.2+9",
			     "--layout", "f103c8", "-o", tp("r2.bin"), NULL),
			 0);
	len = read_file(tp("r2.bin"), file2, sizeof(file2));
	assert_int_equal(len, n);
	assert_memory_equal(file2, file, n);

	/* An ELF application; version and board id from the options. */
	s = (struct helper_seg){
		HELPER_ELF_PT_LOAD, F1_APP, F1_APP, 4096, 4096, app};
	len = helper_make_elf(elf, 1, 1, HELPER_ELF_EM_ARM, &s, 1);
	write_file(tp("app.elf"), elf, len);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.elf"), "--version", "2.0.0",
			     "--board-id", "0x103", "--layout", "f103c8", "-o",
			     tp("e.bin"), NULL),
			 0);
	n = read_file(tp("e.bin"), file, sizeof(file));
	assert_int_equal(n, F1_APP - BASE + 4096);
	want.image_size = 4096;
	want.version = (struct iap_version){2, 0, 0, 0};
	want.board_id = 0x103;
	iap_sha256(app, 4096, want.sha256);
	expect_boots("f103c8", file, n, &want);
}

/* --fill sets the gaps; the meta region stays erased. */
static void test_merge_fill(void **state)
{
	const uint32_t meta = F1_META - BASE;
	size_t n;

	(void)state;
	make_boot("boot.bin", BOOT_SZ);
	make_iap("app.iap", F1_APP, 1000, RAMTOP);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.iap"), "--layout", "f103cb",
			     "--fill", "0", "-o", tp("f.bin"), NULL),
			 0);
	n = read_file(tp("f.bin"), file, sizeof(file));
	assert_int_equal(n, F1_APP - BASE + 1000);
	assert_true(all_bytes(file + BOOT_SZ, meta - BOOT_SZ, 0x00));
	assert_true(all_bytes(file + meta + 260, 0x400 - 260, 0xFF));
}

/* An image that needs a newer bootloader is merged with a note. */
static void test_merge_min_loader(void **state)
{
	(void)state;
	make_boot("boot.bin", BOOT_SZ);
	make_image(app, 1000, F1_APP, RAMTOP, 4);
	write_file(tp("ml.bin"), app, 1000);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--min-loader", "0.2.0", tp("ml.bin"), "-o",
			     tp("ml.iap"), NULL),
			 0);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("ml.iap"), "--layout", "f103c8", "-o",
			     tp("ml-merged.bin"), NULL),
			 0);
	expect_in(err_text, "note: the image needs bootloader 0.2.0 or newer");
	assert_true(exists(tp("ml-merged.bin")));
}

/* ---- refusals ------------------------------------------------------- */

/* A merge that must fail with exit 1 and msg, leaving out.* untouched. */
#define EXPECT_REFUSED(msg, ...)                                          \
	do {                                                              \
		assert_int_equal(run(iap_cmd_merge, "merge", __VA_ARGS__, \
				     "-o", tp("out.bin"), "--hex",        \
				     tp("out.hex"), NULL),                \
				 1);                                      \
		expect_in(err_text, msg);                                 \
		assert_string_equal(out_text, "");                        \
		expect_no_output("out.bin", "out.hex");                   \
	} while (0)

static void test_merge_boot_overlap(void **state)
{
	char want[512];

	(void)state;
	make_iap("app.iap", F1_APP, 2000, RAMTOP);
	make_boot("big.bin", 17408);
	EXPECT_REFUSED("bootloader is 17408 bytes and runs into the meta "
		       "region at 0x08003C00",
		       "--boot", tp("big.bin"), "--app", tp("app.iap"),
		       "--layout", "f103c8");
	snprintf(want, sizeof(want),
		 "iap merge: %s: bootloader is 17408 bytes and runs into the "
		 "meta region "
		 "at 0x08003C00 (at most 15360 bytes fit before it)\n",
		 tp("big.bin"));
	assert_string_equal(err_text, want);

	/* One byte too many is enough. */
	make_boot("big.bin", 0x3C01);
	EXPECT_REFUSED("runs into the meta region at 0x08003C00", "--boot",
		       tp("big.bin"), "--app", tp("app.iap"), "--layout",
		       "f103c8");

	/* The meta region after the slot: the bootloader hits the slot. */
	make_iap("low.iap", 0x08002000u, 2000, RAMTOP);
	make_boot("big.bin", 9000);
	EXPECT_REFUSED("bootloader is 9000 bytes and runs into the "
		       "application slot at 0x08002000",
		       "--boot", tp("big.bin"), "--app", tp("low.iap"),
		       "--meta-addr", "0x0800F000", "--meta-size", "0x400",
		       "--app-addr", "0x08002000", "--app-size", "0x8000");
}

/* An application far above the bootloader: too large a file to write. */
static void test_merge_span_too_large(void **state)
{
	(void)state;
	make_boot("boot.bin", 3000);
	make_iap("far.iap", 0x09000000u, 3000, RAMTOP);
	EXPECT_REFUSED("the image would span 0x08000000..0x09000BB8", "--boot",
		       tp("boot.bin"), "--app", tp("far.iap"), "--meta-addr",
		       "0x08003C00", "--meta-size", "0x400", "--app-addr",
		       "0x09000000", "--app-size", "0x10000");
	/* One prefix, like every other message. */
	assert_true(strncmp(err_text, "iap merge: the image would span", 31) ==
		    0);
}

static void test_merge_app_refused(void **state)
{
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	uint8_t *p;

	(void)state;
	make_boot("boot.bin", BOOT_SZ);

	make_iap("big.iap", F1_APP, F1_SLOT + 2, RAMTOP);
	EXPECT_REFUSED("application is 49154 bytes, larger than the "
		       "49152-byte slot at 0x08004000",
		       "--boot", tp("boot.bin"), "--app", tp("big.iap"),
		       "--layout", "f103c8");
	/* The same as a raw binary packed on the fly. */
	EXPECT_REFUSED("larger than the 49152-byte slot", "--boot",
		       tp("boot.bin"), "--app", tp("app.bin"), "--layout",
		       "f103c8");

	make_iap("f4.iap", F4_APP, 4096, RAMTOP);
	EXPECT_REFUSED("application linked for 0x08008000, but the "
		       "application slot is at 0x08004000",
		       "--boot", tp("boot.bin"), "--app", tp("f4.iap"),
		       "--layout", "f103c8");
	/* HEX carries its address: the same refusal. */
	assert_int_equal(iap_ihex_write(tp("f4.hex"), F4_APP, app, 4096, 0, err,
					sizeof(err)),
			 0);
	EXPECT_REFUSED("application linked for 0x08008000", "--boot",
		       tp("boot.bin"), "--app", tp("f4.hex"), "--layout",
		       "f103c8");
	/* A raw binary shows it by its reset vector. */
	EXPECT_REFUSED("reset vector 0x08008201 is outside the image "
		       "(0x08004000..",
		       "--boot", tp("boot.bin"), "--app", tp("app.bin"),
		       "--layout", "f103c8");

	/* Payload altered after packing. */
	make_iap("bad.iap", F1_APP, 4096, RAMTOP);
	read_file(tp("bad.iap"), file, sizeof(file));
	file[256 + 100] ^= 1;
	write_file(tp("bad.iap"), file, 256 + 4096);
	EXPECT_REFUSED("bad.iap: payload SHA-256 does not match the header",
		       "--boot", tp("boot.bin"), "--app", tp("bad.iap"),
		       "--layout", "f103c8");

	/* Stack in RAM the board does not have: the device would not jump. */
	make_iap("ram.iap", F1_APP, 4096, 0x20010000u);
	EXPECT_REFUSED("the bootloader would not start it", "--boot",
		       tp("boot.bin"), "--app", tp("ram.iap"), "--layout",
		       "f103c8");
	expect_in(err_text, "0x20010000");

	/* A signature type no bootloader knows. */
	assert_int_equal(iap_file_load(tp("ram.iap"), &h, &p, err, sizeof(err)),
			 0);
	h.sig_type = 2;
	assert_int_equal(iap_file_save(tp("sig.iap"), &h, p, err, sizeof(err)),
			 0);
	free(p);
	EXPECT_REFUSED("unknown signature type 2", "--boot", tp("boot.bin"),
		       "--app", tp("sig.iap"), "--layout", "f103c8");

	EXPECT_REFUSED("nothere.iap: cannot open", "--boot", tp("boot.bin"),
		       "--app", tp("nothere.iap"), "--layout", "f103c8");
}

static void test_merge_boot_refused(void **state)
{
	char err[IAP_ERRMSG_SIZE];

	(void)state;
	make_iap("app.iap", F1_APP, 4096, RAMTOP);
	make_boot("boot.bin", BOOT_SZ);

	EXPECT_REFUSED("the bootloader starts at 0x08001000, not at the flash "
		       "base 0x08000000",
		       "--boot", tp("boot.bin"), "--boot-addr", "0x08001000",
		       "--app", tp("app.iap"), "--layout", "f103c8");
	/* A bootloader linked for 0x08001000, as HEX. */
	make_image(boot, BOOT_SZ, 0x08001000u, RAMTOP, 3);
	assert_int_equal(iap_ihex_write(tp("boot.hex"), 0x08001000u, boot,
					BOOT_SZ, 0, err, sizeof(err)),
			 0);
	EXPECT_REFUSED("not at the flash base 0x08000000", "--boot",
		       tp("boot.hex"), "--app", tp("app.iap"), "--layout",
		       "f103c8");
	EXPECT_REFUSED("data starts at 0x08001000, but --boot-addr says "
		       "0x08000000",
		       "--boot", tp("boot.hex"), "--boot-addr", "0x08000000",
		       "--app", tp("app.iap"), "--layout", "f103c8");
	/* Another flash base makes it right (explicit layout). */
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.hex"),
			     "--app", tp("app.iap"), "--flash-base",
			     "0x08001000", "--meta-addr", "0x08003C00",
			     "--meta-size", "1024", "--app-addr", "0x08004000",
			     "--app-size", "0xC000", "-o", tp("ok.bin"), NULL),
			 0);
	assert_true(exists(tp("ok.bin")));

	/* The application given as the bootloader: wrong vector table. */
	EXPECT_REFUSED("reset vector 0x08004201 is outside the image "
		       "(0x08000000..0x08001000): linked for another address? "
		       "(--boot-addr)",
		       "--boot", tp("app.bin"), "--app", tp("app.iap"),
		       "--layout", "f103c8");
	EXPECT_REFUSED("already an .iap image", "--boot", tp("app.iap"),
		       "--app", tp("app.iap"), "--layout", "f103c8");
}

/* A failure keeps existing outputs as they were and leaves no .tmp. */
static void test_merge_failure_keeps_files(void **state)
{
	char buf[64];

	(void)state;
	make_boot("boot.bin", 17408);
	make_iap("app.iap", F1_APP, 4096, RAMTOP);
	write_file(tp("keep.bin"), "old", 3);
	write_file(tp("keep.hex"), "old", 3);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.iap"), "--layout", "f103c8", "-o",
			     tp("keep.bin"), "--hex", tp("keep.hex"), NULL),
			 1);
	slurp(tp("keep.bin"), buf, sizeof(buf));
	assert_string_equal(buf, "old");
	slurp(tp("keep.hex"), buf, sizeof(buf));
	assert_string_equal(buf, "old");

	/* The HEX cannot be written: the .bin is not left alone either. */
	make_boot("boot.bin", BOOT_SZ);
	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.iap"), "--layout", "f103c8", "-o",
			     tp("h.bin"), "--hex", tp("nodir/h.hex"), NULL),
			 1);
	expect_in(err_text, "cannot create");
	expect_no_output("h.bin", NULL);

	assert_int_equal(run(iap_cmd_merge, "merge", "--boot", tp("boot.bin"),
			     "--app", tp("app.iap"), "--layout", "f103c8", "-o",
			     tp("nodir/h.bin"), NULL),
			 1);
	expect_in(err_text, "cannot create");
}

/* ---- usage ---------------------------------------------------------- */

static void test_merge_usage(void **state)
{
	(void)state;
	make_boot("boot.bin", BOOT_SZ);
	make_iap("app.iap", F1_APP, 4096, RAMTOP);

	assert_int_equal(run(iap_cmd_merge, "merge", "--help", NULL), 0);
	expect_in(out_text, "usage: iap merge");
	expect_in(out_text, "f103c8, f103cb, f407vg");
	assert_int_equal(run(iap_cmd_merge, "merge", "-h", NULL), 0);

#define EXPECT_USAGE(msg, ...)                                              \
	do {                                                                \
		assert_int_equal(                                           \
			run(iap_cmd_merge, "merge", __VA_ARGS__, NULL), 2); \
		expect_in(err_text, msg);                                   \
		expect_no_output("u.bin", NULL);                            \
	} while (0)

	EXPECT_USAGE("no bootloader", "--app", tp("app.iap"), "--layout",
		     "f103c8", "-o", tp("u.bin"));
	EXPECT_USAGE("no application", "--boot", tp("boot.bin"), "--layout",
		     "f103c8", "-o", tp("u.bin"));
	EXPECT_USAGE("no output file", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f103c8");
	EXPECT_USAGE("no layout", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "-o", tp("u.bin"));
	EXPECT_USAGE("unknown board 'f303'", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f303", "-o", tp("u.bin"));
	expect_in(err_text, "f103c8, f103cb, f407vg");
	EXPECT_USAGE("--app-size is missing", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--meta-addr", "0x08003C00", "--meta-size",
		     "1024", "--app-addr", "0x08004000", "-o", tp("u.bin"));
	EXPECT_USAGE("drop --meta-addr", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f103c8", "--app-addr",
		     "0x08004000", "-o", tp("u.bin"));
	EXPECT_USAGE("--write-size 4, but the f103c8 programs 2", "--boot",
		     tp("boot.bin"), "--app", tp("app.iap"), "--layout",
		     "f103c8", "--write-size", "4", "-o", tp("u.bin"));
	EXPECT_USAGE("--flash-base 0x00000000, but the f103c8", "--boot",
		     tp("boot.bin"), "--app", tp("app.iap"), "--layout",
		     "f103c8", "--flash-base", "0", "-o", tp("u.bin"));
	EXPECT_USAGE("--write-size 3", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--meta-addr", "0x08003C00", "--meta-size",
		     "1024", "--app-addr", "0x08004000", "--app-size", "0xC000",
		     "--write-size", "3", "-o", tp("u.bin"));
	EXPECT_USAGE("--meta-size 256 is too small", "--boot", tp("boot.bin"),
		     "--app", tp("app.iap"), "--meta-addr", "0x08003C00",
		     "--meta-size", "256", "--app-addr", "0x08004000",
		     "--app-size", "0xC000", "-o", tp("u.bin"));
	EXPECT_USAGE("overlaps the application slot", "--boot", tp("boot.bin"),
		     "--app", tp("app.iap"), "--meta-addr", "0x08003C00",
		     "--meta-size", "0x800", "--app-addr", "0x08004000",
		     "--app-size", "0xC000", "-o", tp("u.bin"));
	EXPECT_USAGE("below the flash base", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--meta-addr", "0x07003C00", "--meta-size",
		     "0x400", "--app-addr", "0x08004000", "--app-size",
		     "0xC000", "-o", tp("u.bin"));
	EXPECT_USAGE("not aligned", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--meta-addr", "0x08003C01", "--meta-size",
		     "0x400", "--app-addr", "0x08004000", "--app-size",
		     "0xC000", "-o", tp("u.bin"));
	EXPECT_USAGE("bad --meta-addr 'x'", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--meta-addr", "x", "-o", tp("u.bin"));
	EXPECT_USAGE("bad --fill '0x100'", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f103c8", "--fill", "0x100",
		     "-o", tp("u.bin"));
	EXPECT_USAGE("bad version '1.2'", "--boot", tp("boot.bin"), "--app",
		     tp("app.bin"), "--layout", "f103c8", "--version", "1.2",
		     "-o", tp("u.bin"));
	EXPECT_USAGE("--version and --board-id apply", "--boot", tp("boot.bin"),
		     "--app", tp("app.iap"), "--layout", "f103c8", "--version",
		     "1.0.0", "-o", tp("u.bin"));
	EXPECT_USAGE("would replace the input", "--boot", tp("boot.bin"),
		     "--app", tp("app.iap"), "--layout", "f103c8", "-o",
		     tp("boot.bin"));
	EXPECT_USAGE("name the same file", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f103c8", "-o", tp("u.bin"),
		     "--hex", tp("u.bin"));
	EXPECT_USAGE("unexpected argument", "--boot", tp("boot.bin"), "--app",
		     tp("app.iap"), "--layout", "f103c8", "-o", tp("u.bin"),
		     tp("app.iap"));
	EXPECT_USAGE("Try 'iap merge --help'", "--frobnicate", "--boot",
		     tp("boot.bin"));
#undef EXPECT_USAGE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_f103),
		cmocka_unit_test(test_merge_f407),
		cmocka_unit_test(test_merge_explicit),
		cmocka_unit_test(test_merge_raw_app),
		cmocka_unit_test(test_merge_fill),
		cmocka_unit_test(test_merge_min_loader),
		cmocka_unit_test(test_merge_boot_overlap),
		cmocka_unit_test(test_merge_span_too_large),
		cmocka_unit_test(test_merge_app_refused),
		cmocka_unit_test(test_merge_boot_refused),
		cmocka_unit_test(test_merge_failure_keeps_files),
		cmocka_unit_test(test_merge_usage),
	};

	return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
