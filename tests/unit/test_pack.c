/*
 * `iap pack` and `iap info` called as functions: exit codes, the files they
 * leave behind, and the messages they print (stdout and stderr are
 * redirected to files around each call).
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
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"

#define APP    0x08004000u
#define APP_SZ 0x8000u

/* An application image: vector table with the given SP and reset. */
static uint8_t app[APP_SZ];

static void make_app(uint32_t sp, uint32_t reset)
{
	for (size_t i = 0; i < sizeof(app); i++) {
		app[i] = (uint8_t)(i * 13u);
	}
	iap_put_le32(app, sp);
	iap_put_le32(app + 4, reset);
}

static void test_pack_bin(void **state)
{
	struct iap_image_hdr h;
	uint8_t *p, hash[32];
	char err[IAP_ERRMSG_SIZE];

	(void)state;
	make_app(0x20005000u, APP + 0x131u);
	write_file(tp("app.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--version", "1.2.3+4", "--board-id", "0x103",
			     "--min-loader", "0.1.0", tp("app.bin"), "-o",
			     tp("app.iap"), NULL),
			 0);
	expect_in(out_text, "32768 bytes");
	expect_in(out_text, "0x08004000");
	expect_in(out_text, "1.2.3+4");
	assert_false(exists(tp("app.iap.tmp")));

	assert_int_equal(iap_file_load(tp("app.iap"), &h, &p, err, sizeof(err)),
			 0);
	iap_sha256(app, sizeof(app), hash);
	assert_memory_equal(h.sha256, hash, 32);
	assert_memory_equal(p, app, sizeof(app));
	assert_int_equal(h.image_size, sizeof(app));
	assert_int_equal(h.load_addr, APP);
	assert_int_equal(h.version.major, 1);
	assert_int_equal(h.version.minor, 2);
	assert_int_equal(h.version.patch, 3);
	assert_int_equal(h.version.build, 4);
	assert_int_equal(h.board_id, 0x103);
	assert_int_equal(h.min_loader, IAP_LOADER_VERSION(0, 1, 0));
	assert_int_equal(h.sig_type, 0);
	assert_int_equal(h.security_counter, 0);
	free(p);

	/* The summary carries the hash in hex. */
	char hex[65];

	for (unsigned i = 0; i < 32; i++) {
		snprintf(&hex[2 * i], 3, "%02x", hash[i]);
	}
	expect_in(out_text, hex);
}

static void test_pack_defaults(void **state)
{
	struct iap_image_hdr h;
	uint8_t *p;
	char err[IAP_ERRMSG_SIZE];

	(void)state;
	make_app(0x20000800u, APP + 0x21u);
	write_file(tp("d.bin"), app, 64);
	assert_int_equal(run(iap_cmd_pack, "pack", "-a", "134234112",
			     tp("d.bin"), "--output", tp("d.iap"), NULL),
			 0);
	assert_int_equal(iap_file_load(tp("d.iap"), &h, &p, err, sizeof(err)),
			 0);
	assert_int_equal(h.load_addr, APP);
	assert_int_equal(h.image_size, 64);
	assert_int_equal(h.version.major, 0);
	assert_int_equal(h.version.build, 0);
	assert_int_equal(h.board_id, 0);
	assert_int_equal(h.min_loader, 0);
	free(p);
}

static void test_pack_hex_address(void **state)
{
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	uint8_t *p;

	(void)state;
	make_app(0x20005000u, APP + 0x201u);
	assert_int_equal(iap_ihex_write(tp("app.hex"), APP, app, 1024, 0, err,
					sizeof(err)),
			 0);
	/* Address taken from the file. */
	assert_int_equal(run(iap_cmd_pack, "pack", tp("app.hex"), "-o",
			     tp("h.iap"), NULL),
			 0);
	assert_int_equal(iap_file_load(tp("h.iap"), &h, &p, err, sizeof(err)),
			 0);
	assert_int_equal(h.load_addr, APP);
	assert_int_equal(h.image_size, 1024);
	free(p);

	/* A matching --addr is fine, a different one is an error. */
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("app.hex"), "-o", tp("h2.iap"), NULL),
			 0);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08008000",
			     tp("app.hex"), "-o", tp("h3.iap"), NULL),
			 1);
	expect_in(err_text,
		  "data starts at 0x08004000, but --addr says 0x08008000");
	assert_false(exists(tp("h3.iap")));

	/* Forcing the format works too. */
	assert_int_equal(run(iap_cmd_pack, "pack", "--format", "hex",
			     tp("app.hex"), "-o", tp("h4.iap"), NULL),
			 0);
}

static void test_pack_elf(void **state)
{
	uint8_t data[16], elf[APP_SZ + 512];
	struct helper_seg s[2];
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	uint8_t *p;
	size_t n;

	(void)state;
	make_app(0x20005000u, APP + 0x41u);
	memset(data, 0x77, sizeof(data));
	s[0] = (struct helper_seg){HELPER_ELF_PT_LOAD, APP, APP, 256, 256, app};
	s[1] = (struct helper_seg){
		HELPER_ELF_PT_LOAD, 0x20000000u, APP + 256, 16, 64, data};
	n = helper_make_elf(elf, 1, 1, HELPER_ELF_EM_ARM, s, 2);
	write_file(tp("app.elf"), elf, n);
	assert_int_equal(run(iap_cmd_pack, "pack", "--version", "2.0.0",
			     tp("app.elf"), "-o", tp("e.iap"), NULL),
			 0);
	assert_int_equal(iap_file_load(tp("e.iap"), &h, &p, err, sizeof(err)),
			 0);
	assert_int_equal(h.load_addr, APP);
	assert_int_equal(h.image_size, 256 + 16);
	assert_memory_equal(p, app, 256);
	assert_memory_equal(p + 256, data, 16);
	free(p);

	/* An x86 ELF is refused. */
	n = helper_make_elf(elf, 1, 1, 3, s, 2);
	write_file(tp("x86.elf"), elf, n);
	assert_int_equal(run(iap_cmd_pack, "pack", tp("x86.elf"), "-o",
			     tp("x.iap"), NULL),
			 1);
	expect_in(err_text, "not a 32-bit little-endian ARM ELF");
}

static void test_pack_vector_checks(void **state)
{
	char want[512];

	(void)state;
	/* Linked for 0x08000000 but packed for 0x08004000. */
	make_app(0x20005000u, 0x08000131u);
	write_file(tp("v.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("v.bin"), "-o", tp("v.iap"), NULL),
			 1);
	snprintf(want, sizeof(want),
		 "%s: reset vector 0x08000131 is outside the image "
		 "(0x08004000..0x0800c000): linked for another address? "
		 "(--addr)\n",
		 tp("v.bin"));
	assert_string_equal(err_text, want);
	assert_false(exists(tp("v.iap")));
	assert_false(exists(tp("v.iap.tmp")));

	/* Reset handler on the vector table itself. */
	make_app(0x20005000u, APP + 5u);
	write_file(tp("v.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("v.bin"), "-o", tp("v.iap"), NULL),
			 1);
	expect_in(err_text, "is outside the image");

	/* Missing Thumb bit. */
	make_app(0x20005000u, APP + 0x130u);
	write_file(tp("v.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("v.bin"), "-o", tp("v.iap"), NULL),
			 1);
	expect_in(err_text, "reset vector 0x08004130 lacks the Thumb bit");

	/* Stack pointer in flash, outside RAM, misaligned, past the CCM. */
	static const uint32_t bad_sp[] = {0x08004000u, 0x1FFFFFFCu,
					  0x40000004u, 0x20005002u,
					  0x10010004u, 0x0FFFFFFCu};

	for (size_t i = 0; i < sizeof(bad_sp) / sizeof(bad_sp[0]); i++) {
		make_app(bad_sp[i], APP + 0x131u);
		write_file(tp("v.bin"), app, sizeof(app));
		assert_int_equal(run(iap_cmd_pack, "pack", "--addr",
				     "0x08004000", tp("v.bin"), "-o",
				     tp("v.iap"), NULL),
				 1);
		expect_in(err_text, "initial stack pointer");
	}
	assert_false(exists(tp("v.iap")));

	/* A stack at the top of the F4's CCM RAM is a stack. */
	make_app(0x10010000u, APP + 0x131u);
	write_file(tp("v.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("v.bin"), "-o", tp("v.iap"), NULL),
			 0);
	assert_true(exists(tp("v.iap")));
	remove(tp("v.iap"));

	/* Too small to hold two vectors. */
	write_file(tp("tiny.bin"), app, 4);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("tiny.bin"), "-o", tp("v.iap"), NULL),
			 1);
	expect_in(err_text, "too small to hold a vector table");

	/* Past the end of the address space. */
	make_app(0x20005000u, 0xFFFFFF41u);
	write_file(tp("top.bin"), app, 0x200);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0xFFFFFF00",
			     tp("top.bin"), "-o", tp("v.iap"), NULL),
			 1);
	expect_in(err_text, "run past the 32-bit address space");

	/* Empty input. */
	write_file(tp("empty.bin"), app, 0);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("empty.bin"), "-o", tp("v.iap"), NULL),
			 1);
	expect_in(err_text, "empty");
	assert_false(exists(tp("v.iap")));
}

/* A failed pack leaves an existing output file as it was. */
static void test_pack_failure_keeps_old_output(void **state)
{
	char buf[64];

	(void)state;
	write_file(tp("keep.iap"), "old", 3);
	make_app(0x20005000u, 0x08000131u);
	write_file(tp("k.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("k.bin"), "-o", tp("keep.iap"), NULL),
			 1);
	slurp(tp("keep.iap"), buf, sizeof(buf));
	assert_string_equal(buf, "old");
	assert_false(exists(tp("keep.iap.tmp")));

	/* Output into a directory that does not exist. */
	make_app(0x20005000u, APP + 0x131u);
	write_file(tp("k.bin"), app, sizeof(app));
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("k.bin"), "-o", tp("nodir/k.iap"), NULL),
			 1);
	expect_in(err_text, "cannot create");
}

static void test_pack_usage(void **state)
{
	(void)state;
	make_app(0x20005000u, APP + 0x21u);
	write_file(tp("u.bin"), app, 64);

	assert_int_equal(run(iap_cmd_pack, "pack", "--help", NULL), 0);
	expect_in(out_text, "usage: iap pack");
	assert_int_equal(run(iap_cmd_pack, "pack", "-h", NULL), 0);

	/* Raw binary without an address. */
	assert_int_equal(
		run(iap_cmd_pack, "pack", tp("u.bin"), "-o", tp("u.iap"), NULL),
		2);
	expect_in(err_text, "--addr");
	assert_int_equal(run(iap_cmd_pack, "pack", "-f", "bin", tp("u.bin"),
			     "-o", tp("u.iap"), NULL),
			 2);

	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("u.bin"), NULL),
			 2);
	expect_in(err_text, "no output file");
	assert_int_equal(run(iap_cmd_pack, "pack", "-o", tp("u.iap"), NULL), 2);
	expect_in(err_text, "no input file");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("u.bin"), tp("u.bin"), "-o", tp("u.iap"), NULL),
			 2);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x8000_0000",
			     tp("u.bin"), "-o", tp("u.iap"), NULL),
			 2);
	expect_in(err_text, "bad address");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--version", "1.2", tp("u.bin"), "-o", tp("u.iap"),
			     NULL),
			 2);
	expect_in(err_text, "bad version '1.2'");
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--min-loader", "1.2.3+4", tp("u.bin"), "-o",
			     tp("u.iap"), NULL),
			 2);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--min-loader", "1.2.300", tp("u.bin"), "-o",
			     tp("u.iap"), NULL),
			 2);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--board-id", "x", tp("u.bin"), "-o", tp("u.iap"),
			     NULL),
			 2);
	assert_int_equal(run(iap_cmd_pack, "pack", "--format", "srec",
			     tp("u.bin"), "-o", tp("u.iap"), NULL),
			 2);
	expect_in(err_text, "unknown format 'srec'");
	assert_int_equal(run(iap_cmd_pack, "pack", "--frobnicate", tp("u.bin"),
			     "-o", tp("u.iap"), NULL),
			 2);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("u.bin"), "-o", tp("u.bin"), NULL),
			 2);
	expect_in(err_text, "would replace the input");
	assert_false(exists(tp("u.iap")));

	/* A missing input is a failure, not a usage error. */
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     tp("nothere.bin"), "-o", tp("u.iap"), NULL),
			 1);
	expect_in(err_text, "nothere.bin: cannot open");
}

/* ---- info ---------------------------------------------------------- */

static void pack_sample(const char *name)
{
	make_app(0x20005000u, APP + 0x131u);
	write_file(tp("s.bin"), app, 4096);
	assert_int_equal(run(iap_cmd_pack, "pack", "--addr", "0x08004000",
			     "--version", "1.2.3+4", "--board-id", "7",
			     "--min-loader", "0.2.1", tp("s.bin"), "-o",
			     tp(name), NULL),
			 0);
}

static void test_info_ok(void **state)
{
	(void)state;
	pack_sample("i.iap");
	assert_int_equal(run(iap_cmd_info, "info", tp("i.iap"), NULL), 0);
	expect_in(out_text, "magic            IAPI ok");
	expect_in(out_text, "format           1");
	expect_in(out_text, "size             4096 bytes");
	expect_in(out_text, "load address     0x08004000");
	expect_in(out_text, "version          1.2.3+4");
	expect_in(out_text, "board id         7");
	expect_in(out_text, "min loader       0.2.1");
	expect_in(out_text, "security counter 0");
	expect_in(out_text, "signature        none");
	expect_in(out_text, "sha256           ");
	expect_in(out_text, "header CRC       ok");
	expect_in(out_text, "payload SHA-256  ok");
	assert_string_equal(err_text, "");
}

static void test_info_bad(void **state)
{
	char want[512];

	(void)state;
	pack_sample("p.iap");
	flip_byte(tp("p.iap"), 256 + 100);
	assert_int_equal(run(iap_cmd_info, "info", tp("p.iap"), NULL), 1);
	expect_in(out_text, "payload SHA-256  BAD");
	snprintf(want, sizeof(want),
		 "%s: payload SHA-256 does not match the header\n",
		 tp("p.iap"));
	assert_string_equal(err_text, want);

	/* A damaged header is reported, and its fields are still shown. */
	pack_sample("c.iap");
	flip_byte(tp("c.iap"), 28); /* ver_build 4 -> 5 */
	assert_int_equal(run(iap_cmd_info, "info", tp("c.iap"), NULL), 1);
	expect_in(out_text, "version          1.2.3+5");
	expect_in(out_text, "header CRC       BAD");
	expect_in(err_text, "header CRC mismatch");

	pack_sample("t.iap");
	assert_int_equal(truncate(tp("t.iap"), 256 + 1000), 0);
	assert_int_equal(run(iap_cmd_info, "info", tp("t.iap"), NULL), 1);
	expect_in(err_text,
		  "truncated: header says 4096 payload bytes, file has 1000");

	pack_sample("x.iap");
	FILE *f = fopen(tp("x.iap"), "ab");

	assert_non_null(f);
	fputs("xx", f);
	fclose(f);
	assert_int_equal(run(iap_cmd_info, "info", tp("x.iap"), NULL), 1);
	expect_in(err_text, "2 trailing bytes");

	write_file(tp("n.iap"), app, 300);
	assert_int_equal(run(iap_cmd_info, "info", tp("n.iap"), NULL), 1);
	expect_in(err_text, "not an .iap image");

	assert_int_equal(run(iap_cmd_info, "info", tp("missing.iap"), NULL), 1);
}

static void test_info_usage(void **state)
{
	(void)state;
	assert_int_equal(run(iap_cmd_info, "info", NULL), 2);
	expect_in(err_text, "no file given");
	assert_int_equal(run(iap_cmd_info, "info", "a", "b", NULL), 2);
	assert_int_equal(run(iap_cmd_info, "info", "--bogus", "a", NULL), 2);
	assert_int_equal(run(iap_cmd_info, "info", "--help", NULL), 0);
	expect_in(out_text, "usage: iap info");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_bin),
		cmocka_unit_test(test_pack_defaults),
		cmocka_unit_test(test_pack_hex_address),
		cmocka_unit_test(test_pack_elf),
		cmocka_unit_test(test_pack_vector_checks),
		cmocka_unit_test(test_pack_failure_keeps_old_output),
		cmocka_unit_test(test_pack_usage),
		cmocka_unit_test(test_info_ok),
		cmocka_unit_test(test_info_bad),
		cmocka_unit_test(test_info_usage),
	};

	return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
