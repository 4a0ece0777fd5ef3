/*
 * Host firmware files: Intel HEX in and out, ELF in (a small ARM ELF is
 * built byte by byte here, so no cross compiler is needed), raw binaries,
 * the .iap container and its failure modes, and the number parsers.
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

static char err[IAP_ERRMSG_SIZE];

/* One Intel HEX line with its checksum, appended to out. */
static void hexline(char *out, uint8_t type, uint16_t off, const uint8_t *d,
		    uint8_t n)
{
	char *p = out + strlen(out);
	unsigned sum = n + (off >> 8) + (off & 0xFFu) + type;

	p += sprintf(p, ":%02X%04X%02X", n, off, type);
	for (unsigned i = 0; i < n; i++) {
		sum += d[i];
		p += sprintf(p, "%02X", d[i]);
	}
	sprintf(p, "%02X\n", (0x100u - (sum & 0xFFu)) & 0xFFu);
}

static void hexline_ela(char *out, uint16_t upper)
{
	uint8_t d[2] = {(uint8_t)(upper >> 8), (uint8_t)upper};

	hexline(out, 0x04, 0, d, 2);
}

/* ---- Intel HEX ---------------------------------------------------- */

static void test_hex_round_trip(void **state)
{
	uint8_t data[300];
	struct iap_blob b;
	char text[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(i * 31u + 7u);
	}
	/* Start just below a 64 KiB boundary: a second type 04 is needed. */
	assert_int_equal(iap_ihex_write(tp("rt.hex"), 0x0800FFF8u, data,
					sizeof(data), 0x08000101u, err,
					sizeof(err)),
			 0);
	assert_false(exists(tp("rt.hex.tmp")));

	slurp(tp("rt.hex"), text, sizeof(text));
	assert_non_null(strstr(text, ":020000040800F2\n"));
	assert_non_null(strstr(text, ":020000040801F1\n"));
	assert_non_null(strstr(text, ":0400000508000101ED\n"));
	assert_non_null(strstr(text, ":00000001FF\n"));
	/* No data line runs across the boundary: first one holds 8 bytes. */
	assert_non_null(strstr(text, ":08FFF800"));

	assert_int_equal(
		iap_blob_load(tp("rt.hex"), IAP_FMT_AUTO, &b, err, sizeof(err)),
		0);
	assert_int_equal(b.addr, 0x0800FFF8u);
	assert_int_equal(b.size, sizeof(data));
	assert_int_equal(b.addr_known, 1);
	assert_memory_equal(b.data, data, sizeof(data));
	iap_blob_free(&b);
	assert_null(b.data);
}

/* The textbook example record, with CRLF line ends and lower case. */
static void test_hex_known_record(void **state)
{
	static const char text[] =
		":10010000214601360121470136007EFE09D2190140\r\n"
		":100110002146017e17c20001ff5f16002148011928\r\n"
		":00000001FF\r\n";
	static const uint8_t want[] = {0x21, 0x46, 0x01, 0x36, 0x01, 0x21, 0x47,
				       0x01, 0x36, 0x00, 0x7E, 0xFE, 0x09, 0xD2,
				       0x19, 0x01, 0x21, 0x46, 0x01, 0x7E, 0x17,
				       0xC2, 0x00, 0x01, 0xFF, 0x5F, 0x16, 0x00,
				       0x21, 0x48, 0x01, 0x19};
	struct iap_blob b;

	(void)state;
	write_file(tp("k.hex"), text, strlen(text));
	assert_int_equal(
		iap_blob_load(tp("k.hex"), IAP_FMT_HEX, &b, err, sizeof(err)),
		0);
	assert_int_equal(b.addr, 0x0100);
	assert_int_equal(b.size, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	iap_blob_free(&b);

	/* The same after a UTF-8 byte order mark, found by content. */
	char bom[sizeof(text) + 3] = "\xEF\xBB\xBF";

	strcat(bom, text);
	write_file(tp("bom.hex"), bom, strlen(bom));
	assert_int_equal(iap_blob_load(tp("bom.hex"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 0);
	assert_int_equal(b.addr, 0x0100);
	assert_memory_equal(b.data, want, sizeof(want));
	iap_blob_free(&b);
}

/* Type 04 records, records out of order, and a gap filled with 0xFF. */
static void test_hex_ela_and_gaps(void **state)
{
	static const uint8_t a[4] = {1, 2, 3, 4};
	static const uint8_t c[2] = {0xAA, 0xBB};
	static const uint8_t start[4] = {0x08, 0x00, 0x40, 0xC1};
	char text[1024] = "";
	struct iap_blob b;

	(void)state;
	hexline_ela(text, 0x0801);
	hexline(text, 0x00, 0x0000, c, 2); /* 0x08010000, written first */
	hexline_ela(text, 0x0800);
	hexline(text, 0x00, 0xFFF0, a, 4);     /* 0x0800FFF0 */
	hexline(text, 0x03, 0x0000, start, 4); /* ignored */
	hexline(text, 0x05, 0x0000, start, 4);
	strcat(text, ":00000001FF\n");
	write_file(tp("gap.hex"), text, strlen(text));

	assert_int_equal(iap_blob_load(tp("gap.hex"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 0);
	assert_int_equal(b.addr, 0x0800FFF0u);
	assert_int_equal(b.size, 0x12);
	assert_memory_equal(b.data, a, 4);
	for (unsigned i = 4; i < 0x10; i++) {
		assert_int_equal(b.data[i], 0xFF);
	}
	assert_memory_equal(b.data + 0x10, c, 2);
	iap_blob_free(&b);
}

/* Type 02: segment base * 16, offsets wrap inside the segment. */
static void test_hex_segment_address(void **state)
{
	static const uint8_t seg[2] = {0x10, 0x00}; /* base 0x10000 */
	static const uint8_t d[4] = {0x11, 0x22, 0x33, 0x44};
	char text[512] = "";
	struct iap_blob b;

	(void)state;
	hexline(text, 0x02, 0, seg, 2);
	hexline(text, 0x00, 0xFFFE, d, 4); /* 0x1FFFE, 0x1FFFF, 0x10000.. */
	strcat(text, ":00000001FF\n");
	write_file(tp("seg.hex"), text, strlen(text));
	assert_int_equal(
		iap_blob_load(tp("seg.hex"), IAP_FMT_HEX, &b, err, sizeof(err)),
		0);
	assert_int_equal(b.addr, 0x10000u);
	assert_int_equal(b.size, 0x10000u);
	assert_int_equal(b.data[0], 0x33);
	assert_int_equal(b.data[1], 0x44);
	assert_int_equal(b.data[2], 0xFF);
	assert_int_equal(b.data[0xFFFE], 0x11);
	assert_int_equal(b.data[0xFFFF], 0x22);
	iap_blob_free(&b);
}

/* Load text as HEX and expect failure r with msg after "<path>:". */
static void expect_hex_error(const char *text, int r, const char *msg)
{
	struct iap_blob b;
	char want[300];

	write_file(tp("bad.hex"), text, strlen(text));
	assert_int_equal(iap_blob_load(tp("bad.hex"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 r);
	assert_null(b.data);
	snprintf(want, sizeof(want), "%s%s", tp("bad.hex"), msg);
	if (strncmp(err, want, strlen(want)) != 0) {
		fail_msg("got \"%s\", want \"%s...\"", err, want);
	}
}

static void test_hex_bad_checksum(void **state)
{
	static const uint8_t d[4] = {1, 2, 3, 4};
	char text[512] = "";
	char *p;

	(void)state;
	hexline_ela(text, 0x0800);
	hexline(text, 0x00, 0x4000, d, 4);
	hexline(text, 0x00, 0x4004, d, 4);
	strcat(text, ":00000001FF\n");
	/* Damage the checksum of line 3: ":04400400 01020304 xx". */
	p = strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n') - 1;
	*p = *p == '0' ? '1' : '0';
	expect_hex_error(text, IAP_ERR_BADMSG, ":3: checksum mismatch");
}

static void test_hex_bad_records(void **state)
{
	static const uint8_t d[4] = {1, 2, 3, 4};
	char text[512];

	(void)state;
	text[0] = '\0';
	hexline(text, 0x06, 0, d, 4);
	strcat(text, ":00000001FF\n");
	expect_hex_error(text, IAP_ERR_BADMSG, ":1: unknown record type 06");

	expect_hex_error(":00000001FF\nhello\n", IAP_ERR_BADMSG,
			 ":2: data after the end-of-file record");
	expect_hex_error("\n:0400000001020X0400\n:00000001FF\n", IAP_ERR_BADMSG,
			 ":2: invalid hex digit");
	expect_hex_error(":0500000001020304F2\n:00000001FF\n", IAP_ERR_BADMSG,
			 ":1: record holds 4 data bytes but its count says 5");
	expect_hex_error(":040000000102030\n", IAP_ERR_BADMSG,
			 ":1: malformed record");

	/* Input that ends without a type 01 record was cut short. */
	text[0] = '\0';
	hexline(text, 0x00, 0, d, 4);
	expect_hex_error(text, IAP_ERR_BADMSG, ": no end-of-file record");

	/* An end record with data, an address record of the wrong size. */
	text[0] = '\0';
	hexline(text, 0x01, 0, d, 1);
	expect_hex_error(text, IAP_ERR_BADMSG, ":1: end-of-file record with");
	text[0] = '\0';
	hexline(text, 0x04, 0, d, 4);
	expect_hex_error(text, IAP_ERR_BADMSG, ":1: address record (type 04)");

	/* No data at all. */
	expect_hex_error(":00000001FF\n", IAP_ERR_BADMSG, ": no data records");

	/* Two records for the same bytes are ambiguous. */
	text[0] = '\0';
	hexline(text, 0x00, 0x10, d, 4);
	hexline(text, 0x00, 0x12, d, 4);
	strcat(text, ":00000001FF\n");
	expect_hex_error(text, IAP_ERR_BADMSG,
			 ":2: data at 0x00000012 overlaps an earlier record");
}

static void test_hex_span_limit(void **state)
{
	static const uint8_t d[1] = {0};
	char text[512] = "";

	(void)state;
	hexline_ela(text, 0x0800);
	hexline(text, 0x00, 0, d, 1);
	hexline_ela(text, 0x0900); /* 16 MiB further: one byte too many */
	hexline(text, 0x00, 0, d, 1);
	strcat(text, ":00000001FF\n");
	expect_hex_error(text, IAP_ERR_FBIG, ": data spans 0x08000000");
}

static void test_hex_write_bad_dir(void **state)
{
	static const uint8_t d[4] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(iap_ihex_write("/nonexistent-dir/x.hex", 0, d, 4, 0,
					err, sizeof(err)),
			 IAP_ERR_IO);
	assert_non_null(strstr(err, "cannot create"));
}

/* ---- ELF ---------------------------------------------------------- */

static void test_elf_segments_by_paddr(void **state)
{
	uint8_t text[64], data[16], elf[1024];
	struct helper_seg s[3] = {
		/* .text in flash */
		{1, 0x08004000u, 0x08004000u, sizeof(text), sizeof(text), text},
		/* .data: runs from RAM, stored in flash after a gap */
		{1, 0x20000000u, 0x08004050u, sizeof(data), 32, data},
		/* .bss: nothing to store */
		{1, 0x20000100u, 0x20000100u, 0, 256, data},
	};
	struct iap_blob b;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(text); i++) {
		text[i] = (uint8_t)i;
	}
	memset(data, 0x5A, sizeof(data));
	n = helper_make_elf(elf, 1, 1, 40, s, 3);
	write_file(tp("app.elf"), elf, n);

	assert_int_equal(iap_blob_load(tp("app.elf"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 0);
	assert_int_equal(b.addr_known, 1);
	assert_int_equal(b.addr, 0x08004000u);
	assert_int_equal(b.size, 0x60);
	assert_memory_equal(b.data, text, sizeof(text));
	for (unsigned i = 0x40; i < 0x50; i++) {
		assert_int_equal(b.data[i], 0xFF);
	}
	assert_memory_equal(b.data + 0x50, data, sizeof(data));
	iap_blob_free(&b);

	/* Forcing the format gives the same result. */
	assert_int_equal(
		iap_blob_load(tp("app.elf"), IAP_FMT_ELF, &b, err, sizeof(err)),
		0);
	assert_int_equal(b.size, 0x60);
	iap_blob_free(&b);
}

static void expect_elf_error(const uint8_t *elf, size_t n, const char *msg)
{
	struct iap_blob b;

	write_file(tp("bad.elf"), elf, n);
	assert_int_equal(iap_blob_load(tp("bad.elf"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 IAP_ERR_BADMSG);
	assert_null(b.data);
	if (!strstr(err, msg) || !strstr(err, "bad.elf")) {
		fail_msg("got \"%s\", want \"...%s...\"", err, msg);
	}
}

static void test_elf_rejects_other_targets(void **state)
{
	uint8_t d[16], elf[512];
	struct helper_seg s = {1,	  0x08000000u, 0x08000000u,
			       sizeof(d), sizeof(d),   d};
	size_t n;

	(void)state;
	memset(d, 0, sizeof(d));
	n = helper_make_elf(elf, 1, 1, 3 /* EM_386 */, &s, 1);
	expect_elf_error(elf, n, "not a 32-bit little-endian ARM ELF");
	n = helper_make_elf(elf, 1, 2 /* big endian */, 40, &s, 1);
	expect_elf_error(elf, n, "not a 32-bit little-endian ARM ELF");

	/* Only PT_NOTE and an empty PT_LOAD: nothing to program. */
	struct helper_seg none[2] = {
		{4, 0, 0, 4, 4, d},
		{1, 0x20000000u, 0x20000000u, 0, 64, d},
	};

	n = helper_make_elf(elf, 1, 1, 40, none, 2);
	expect_elf_error(elf, n, "no loadable segment");

	/* Segment data beyond the end of the file. */
	n = helper_make_elf(elf, 1, 1, 40, &s, 1);
	expect_elf_error(elf, n - 8, "outside the file");

	/* Two segments claiming the same flash. */
	struct helper_seg twice[2] = {
		{1, 0x08000000u, 0x08000000u, 16, 16, d},
		{1, 0x20000000u, 0x08000008u, 16, 16, d},
	};

	n = helper_make_elf(elf, 1, 1, 40, twice, 2);
	expect_elf_error(elf, n, "overlaps");

	/* Garbage that starts like an ELF. */
	memcpy(elf,
	       "\x7f"
	       "ELF",
	       4);
	memset(elf + 4, 0xEE, 12);
	expect_elf_error(elf, 16, "not a valid ELF file");
}

static void test_elf_64bit_rejected(void **state)
{
	/* A bare ELF64 x86-64 header: class 2, machine 62. */
	uint8_t e[64];
	struct iap_blob b;

	(void)state;
	memset(e, 0, sizeof(e));
	memcpy(e,
	       "\x7f"
	       "ELF",
	       4);
	e[4] = 2;
	e[5] = 1;
	e[6] = 1;
	iap_put_le16(e + 16, 2);
	iap_put_le16(e + 18, 62);
	iap_put_le32(e + 20, 1);
	iap_put_le16(e + 52, 64);
	iap_put_le16(e + 54, 56);
	write_file(tp("x64.elf"), e, sizeof(e));
	assert_int_equal(iap_blob_load(tp("x64.elf"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 IAP_ERR_BADMSG);
	assert_non_null(strstr(err, "not a 32-bit little-endian ARM ELF"));
}

/* ---- raw binaries and detection ----------------------------------- */

static void test_bin_load(void **state)
{
	static const uint8_t d[] = {0x00, 0x50, 0x00, 0x20,
				    0xC1, 0x40, 0x00, 0x08};
	struct iap_blob b;

	(void)state;
	write_file(tp("app.bin"), d, sizeof(d));
	assert_int_equal(iap_blob_load(tp("app.bin"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 0);
	assert_int_equal(b.addr_known, 0);
	assert_int_equal(b.size, sizeof(d));
	assert_memory_equal(b.data, d, sizeof(d));
	iap_blob_free(&b);

	/* A HEX file forced to binary is just bytes. */
	write_file(tp("t.hex"), ":00000001FF\n", 12);
	assert_int_equal(
		iap_blob_load(tp("t.hex"), IAP_FMT_BIN, &b, err, sizeof(err)),
		0);
	assert_int_equal(b.size, 12);
	iap_blob_free(&b);

	write_file(tp("empty.bin"), "", 0);
	assert_int_equal(iap_blob_load(tp("empty.bin"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 IAP_ERR_BADMSG);
	assert_non_null(strstr(err, "empty file"));

	assert_int_equal(iap_blob_load(tp("missing.bin"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 IAP_ERR_IO);
	assert_non_null(strstr(err, "missing.bin: cannot open"));
}

/* ---- .iap files --------------------------------------------------- */

static uint8_t payload[5000];

static void make_hdr(struct iap_image_hdr *h)
{
	for (size_t i = 0; i < sizeof(payload); i++) {
		payload[i] = (uint8_t)(i ^ (i >> 8));
	}
	memset(h, 0, sizeof(*h));
	h->image_size = sizeof(payload);
	h->load_addr = 0x08004000u;
	h->board_id = 0x0F103;
	h->version.major = 1;
	h->version.minor = 2;
	h->version.patch = 300;
	h->version.build = 4;
	h->min_loader = IAP_LOADER_VERSION(0, 1, 0);
	iap_sha256(payload, sizeof(payload), h->sha256);
}

static void save_sample(const char *name)
{
	struct iap_image_hdr h;

	make_hdr(&h);
	assert_int_equal(iap_file_save(tp(name), &h, payload, err, sizeof(err)),
			 0);
}

static void test_iap_round_trip(void **state)
{
	struct iap_image_hdr h, g;
	uint8_t *p;
	char tmp[300];

	(void)state;
	make_hdr(&h);
	assert_int_equal(
		iap_file_save(tp("rt.iap"), &h, payload, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", tp("rt.iap"));
	assert_false(exists(tmp));
	assert_int_equal(iap_file_load(tp("rt.iap"), &g, &p, err, sizeof(err)),
			 0);
	assert_memory_equal(&g, &h, sizeof(h));
	assert_memory_equal(p, payload, sizeof(payload));
	free(p);

	/* Overwriting an existing file replaces it. */
	h.version.build = 5;
	assert_int_equal(
		iap_file_save(tp("rt.iap"), &h, payload, err, sizeof(err)), 0);
	assert_int_equal(iap_file_load(tp("rt.iap"), &g, &p, err, sizeof(err)),
			 0);
	assert_int_equal(g.version.build, 5);
	free(p);
}

/* Rewrite a saved file with an edit, then expect load to fail. */
static void expect_iap_error(const char *name, int r, const char *msg)
{
	struct iap_image_hdr h;
	uint8_t *p = (uint8_t *)1;
	char want[400];

	assert_int_equal(iap_file_load(tp(name), &h, &p, err, sizeof(err)), r);
	assert_null(p);
	snprintf(want, sizeof(want), "%s: %s", tp(name), msg);
	if (strcmp(err, want) != 0) {
		fail_msg("got \"%s\", want \"%s\"", err, want);
	}
}

static void test_iap_truncated(void **state)
{
	(void)state;
	save_sample("t.iap");
	assert_int_equal(truncate(tp("t.iap"), 256 + 1000), 0);
	expect_iap_error("t.iap", IAP_ERR_INVAL,
			 "truncated: header says 5000 payload bytes, file has "
			 "1000");
	assert_int_equal(truncate(tp("t.iap"), 100), 0);
	expect_iap_error("t.iap", IAP_ERR_INVAL,
			 "truncated: 100 bytes, the header alone is 256");
}

static void test_iap_trailing_bytes(void **state)
{
	FILE *f;

	(void)state;
	save_sample("tr.iap");
	f = fopen(tp("tr.iap"), "ab");
	assert_non_null(f);
	fputs("junk", f);
	fclose(f);
	expect_iap_error("tr.iap", IAP_ERR_INVAL,
			 "4 trailing bytes: header says 5000 payload bytes, "
			 "file has 5004");
}

static void test_iap_payload_corrupt(void **state)
{
	(void)state;
	save_sample("p.iap");
	flip_byte(tp("p.iap"), 256 + 4321);
	expect_iap_error("p.iap", IAP_ERR_CORRUPT,
			 "payload SHA-256 does not match the header");
}

static void test_iap_header_corrupt(void **state)
{
	(void)state;
	save_sample("h.iap");
	flip_byte(tp("h.iap"), 24); /* ver_major */
	expect_iap_error("h.iap", IAP_ERR_CORRUPT,
			 "header CRC mismatch: the header is damaged");

	save_sample("m.iap");
	flip_byte(tp("m.iap"), 0);
	expect_iap_error("m.iap", IAP_ERR_BADMSG,
			 "not an .iap image (magic 0x49504148, expected "
			 "0x49504149 \"IAPI\")");

	save_sample("f.iap");
	flip_byte(tp("f.iap"), 4); /* format 1 -> 0 */
	expect_iap_error("f.iap", IAP_ERR_BADMSG,
			 "image format 0 is not supported (this tool reads "
			 "format 1)");
}

static void test_iap_missing_and_blob(void **state)
{
	struct iap_image_hdr h;
	struct iap_blob b;
	uint8_t *p;

	(void)state;
	assert_int_equal(
		iap_file_load(tp("none.iap"), &h, &p, err, sizeof(err)),
		IAP_ERR_IO);
	assert_non_null(strstr(err, "none.iap: cannot open"));

	/* Packing an .iap as if it were firmware is refused. */
	save_sample("again.iap");
	assert_int_equal(iap_blob_load(tp("again.iap"), IAP_FMT_AUTO, &b, err,
				       sizeof(err)),
			 IAP_ERR_BADMSG);
	assert_non_null(strstr(err, "already an .iap image"));

	/* A failed save leaves neither the file nor its temporary. */
	make_hdr(&h);
	assert_int_equal(iap_file_save("/nonexistent-dir/a.iap", &h, payload,
				       err, sizeof(err)),
			 IAP_ERR_IO);
}

/* ---- number parsers ----------------------------------------------- */

static void test_parse_version(void **state)
{
	struct iap_version v;

	(void)state;
	assert_int_equal(iap_parse_version("1.2.3", &v), 0);
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 2);
	assert_int_equal(v.patch, 3);
	assert_int_equal(v.build, 0);
	assert_int_equal(iap_parse_version("255.255.65535+4294967295", &v), 0);
	assert_int_equal(v.major, 255);
	assert_int_equal(v.minor, 255);
	assert_int_equal(v.patch, 65535);
	assert_int_equal(v.build, 4294967295u);
	assert_int_equal(iap_parse_version("0.0.0+45", &v), 0);
	assert_int_equal(v.build, 45);

	static const char *bad[] = {
		"",	   "1",		"1.2",	  "1.2.3.4",	      "256.0.0",
		"0.256.0", "0.0.65536", "1.2.3+", "1.2.3+x",	      "1.2.3 ",
		" 1.2.3",  "-1.2.3",	"1..3",	  "1.2.3+4294967296", "v1.2.3"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iap_parse_version(bad[i], &v) != IAP_ERR_INVAL) {
			fail_msg("accepted \"%s\"", bad[i]);
		}
	}
}

static void test_parse_u32(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(iap_parse_u32("0x08004000", &v), 0);
	assert_int_equal(v, 0x08004000u);
	assert_int_equal(iap_parse_u32("0XfFfFfFfF", &v), 0);
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_int_equal(iap_parse_u32("4294967295", &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(iap_parse_u32("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(iap_parse_u32("010", &v), 0);
	assert_int_equal(v, 10);

	static const char *bad[] = {
		"",   "0x", "0x100000000", "4294967296", "-1", "12abc",
		" 1", "1 ", "0xg",	   "0x1_0000",	 "+5"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (iap_parse_u32(bad[i], &v) != IAP_ERR_INVAL) {
			fail_msg("accepted \"%s\"", bad[i]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_known_record),
		cmocka_unit_test(test_hex_ela_and_gaps),
		cmocka_unit_test(test_hex_segment_address),
		cmocka_unit_test(test_hex_bad_checksum),
		cmocka_unit_test(test_hex_bad_records),
		cmocka_unit_test(test_hex_span_limit),
		cmocka_unit_test(test_hex_write_bad_dir),
		cmocka_unit_test(test_elf_segments_by_paddr),
		cmocka_unit_test(test_elf_rejects_other_targets),
		cmocka_unit_test(test_elf_64bit_rejected),
		cmocka_unit_test(test_bin_load),
		cmocka_unit_test(test_iap_round_trip),
		cmocka_unit_test(test_iap_truncated),
		cmocka_unit_test(test_iap_trailing_bytes),
		cmocka_unit_test(test_iap_payload_corrupt),
		cmocka_unit_test(test_iap_header_corrupt),
		cmocka_unit_test(test_iap_missing_and_blob),
		cmocka_unit_test(test_parse_version),
		cmocka_unit_test(test_parse_u32),
	};

	return cmocka_run_group_tests(tests, cli_setup, cli_teardown);
}
