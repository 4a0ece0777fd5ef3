/*
 * libFuzzer target: the host tool's readers of input files
 * (tools/iap/imgfile.c): iap_blob_load() for raw binaries, Intel HEX and
 * ELF, iap_file_load() for .iap images, and what `iap pack` does next with
 * an accepted blob (iap_pack_payload(), iap_check_vectors(), pack.c).
 *
 * Input: byte 0 chooses the reader and a fix-up, the rest is the file.
 *   bits 0..2, mod 5: iap_blob_load() with 0 AUTO, 1 BIN, 2 HEX, 3 ELF;
 *                     4 none (iap_file_load() runs on every input)
 *   bit 3: fix-up before the file is written, so mutations get past the
 *          checksums: a file with the .iap magic (256 bytes or more) gets
 *          the payload's SHA-256 and the header CRC; any other but ELF
 *          gets the right byte count and checksum on every line that is
 *          ':' and 5 .. 260 hex digit pairs
 *   bit 4: with bit 3, an .iap header's image_size is set to the payload
 *          length too
 * The readers take a path: the file is a memfd opened by its
 * /proc/self/fd/N name (a file in /tmp named by the pid if memfd_create()
 * fails), rewritten for each input.
 *
 * Asserted for iap_blob_load(): a failure is BADMSG or FBIG, leaves the
 * blob empty and says one line naming the file; an accepted blob holds 1 ..
 * 16 MiB inside the 32-bit address space, addr_known exactly for HEX and
 * ELF, and its bytes are those of the file: a raw binary is the file at
 * address 0; for HEX every data byte of every record (addresses as in the
 * Intel HEX spec: type 04 linear, type 02 segment + offset mod 64 KiB) and
 * for ELF every file byte of every PT_LOAD segment (at its physical
 * address), read again here from the text / program headers, lies inside
 * the blob, once, with its value, the lowest and highest of them are the
 * blob's first and last bytes, and every other byte is 0xFF. AUTO gives
 * the same result as the format the content names (an .iap file: BADMSG).
 * Freeing empties the blob.
 *
 * Asserted for iap_file_load(): the exact result of the rules in
 * iap_cli.h (magic, size, header decode, image_size 1 .. 16 MiB equal to
 * the payload length, SHA-256); accepted, the header re-encodes to the
 * file's first 256 bytes and the payload is the rest of the file; refused,
 * no payload, a zeroed header and a one-line message naming the file.
 *
 * Asserted for iap_pack_payload() on an accepted blob (a raw binary at
 * 0x08004000): the result the rules in pack.h give (32-bit space, stack
 * pointer word aligned in SRAM or CCM, Thumb reset vector inside
 * [addr + 8, addr + size)), and accepted, image_size, load_addr and sha256
 * filled in, the other header fields untouched.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"
#include "pack.h"

/* imgfile.c: largest span of a blob, largest .iap payload. */
#define SPAN_MAX (16u * 1024u * 1024u)
#define BIN_ADDR 0x08004000u

enum kind { K_BIN, K_HEX, K_ELF, K_IAP };

static const enum iap_input_fmt fmt_of[] = {IAP_FMT_BIN, IAP_FMT_HEX,
					    IAP_FMT_ELF, IAP_FMT_IAP};

static char path[64];
static int fd = -1;

static void drop_tmp(void)
{
	unlink(path);
}

static void put_file(const uint8_t *d, size_t n)
{
	size_t done = 0;

	if (fd < 0) {
		fd = memfd_create("fuzz_hostimg", 0);
		if (fd >= 0) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		} else {
			snprintf(path, sizeof(path), "/tmp/iapfuzz-hostimg-%ld",
				 (long)getpid());
			fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
			CHECK(fd >= 0);
			atexit(drop_tmp);
		}
	}
	CHECK(ftruncate(fd, 0) == 0);
	while (done < n) {
		ssize_t w = pwrite(fd, d + done, n - done, (off_t)done);

		CHECK(w > 0);
		done += (size_t)w;
	}
}

static int xdigit(uint8_t c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	return -1;
}

/* Length of the line at t (up to '\n'), trailing CR, space, tab cut. */
static size_t line_len(const uint8_t *t, size_t n, size_t *next)
{
	size_t e = 0;

	while (e < n && t[e] != '\n') {
		e++;
	}
	*next = e < n ? e + 1 : e;
	while (e > 0 &&
	       (t[e - 1] == '\r' || t[e - 1] == ' ' || t[e - 1] == '\t')) {
		e--;
	}
	return e;
}

/* A ':' line of hex digit pairs, 5 .. 260 bytes: decoded into rec. */
static size_t hex_bytes(const uint8_t *s, size_t len, uint8_t rec[260])
{
	size_t nb = (len - 1) / 2;

	if (len == 0 || s[0] != ':' || (len - 1) % 2 != 0 || nb < 5 ||
	    nb > 260) {
		return 0;
	}
	for (size_t i = 0; i < nb; i++) {
		int h = xdigit(s[1 + 2 * i]), l = xdigit(s[2 + 2 * i]);

		if (h < 0 || l < 0) {
			return 0;
		}
		rec[i] = (uint8_t)(h << 4 | l);
	}
	return nb;
}

static void put_hex2(uint8_t *p, uint8_t v)
{
	static const char digits[] = "0123456789ABCDEF";

	p[0] = (uint8_t)digits[v >> 4];
	p[1] = (uint8_t)digits[v & 15u];
}

static void fixup_hex(uint8_t *t, size_t n)
{
	uint8_t rec[260];
	size_t pos = 0;

	while (pos < n) {
		size_t next, len = line_len(&t[pos], n - pos, &next);
		size_t nb = hex_bytes(&t[pos], len, rec);

		if (nb) {
			uint8_t sum = 0;

			rec[0] = (uint8_t)(nb - 5);
			put_hex2(&t[pos + 1], rec[0]);
			for (size_t i = 0; i + 1 < nb; i++) {
				sum = (uint8_t)(sum + rec[i]);
			}
			put_hex2(&t[pos + len - 2], (uint8_t)(0u - sum));
		}
		pos += next;
	}
}

static void fixup_iap(uint8_t *f, size_t n, int set_size)
{
	if (n < IAP_IMAGE_HDR_SIZE) {
		return;
	}
	if (set_size) {
		iap_put_le32(&f[12], (uint32_t)(n - IAP_IMAGE_HDR_SIZE));
	}
	iap_sha256(&f[IAP_IMAGE_HDR_SIZE], n - IAP_IMAGE_HDR_SIZE, &f[48]);
	iap_put_le32(&f[252], iap_crc32(0, f, 252));
}

/* What the content says it is (iap_cli.h: ELF magic, ':' HEX, else bin). */
static enum kind sniff(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 4 && memcmp(p, "\177ELF", 4) == 0) {
		return K_ELF;
	}
	if (n >= 4 && iap_get_le32(p) == IAP_IMAGE_MAGIC) {
		return K_IAP;
	}
	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		i = 3;
	}
	while (i < n && (p[i] == '\r' || p[i] == '\n' || p[i] == ' ')) {
		i++;
	}
	return i < n && p[i] == ':' ? K_HEX : K_BIN;
}

static void check_msg(const char *err)
{
	CHECK(err[0] != '\0');
	CHECK(strstr(err, path) != NULL);
	CHECK(strchr(err, '\n') == NULL);
}

/* Every byte the model finds must be in the blob once, with its value. */
struct cover {
	const struct iap_blob *b;
	uint8_t *seen;
	uint64_t lo, hi;
	int any;
};

static void cover_init(struct cover *c, const struct iap_blob *b)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	c->seen = calloc(b->size / 8u + 1u, 1);
	CHECK(c->seen != NULL);
}

static void cover_byte(struct cover *c, uint32_t a, uint8_t v)
{
	uint32_t i = a - c->b->addr;

	CHECK(a >= c->b->addr && i < c->b->size);
	CHECK((c->seen[i >> 3] & (1u << (i & 7u))) == 0);
	c->seen[i >> 3] = (uint8_t)(c->seen[i >> 3] | (1u << (i & 7u)));
	CHECK(c->b->data[i] == v);
	if (!c->any || a < c->lo) {
		c->lo = a;
	}
	if (!c->any || a > c->hi) {
		c->hi = a;
	}
	c->any = 1;
}

static void cover_done(struct cover *c)
{
	const struct iap_blob *b = c->b;

	CHECK(c->any);
	CHECK(c->lo == b->addr);
	CHECK(c->hi == (uint64_t)b->addr + b->size - 1u);
	for (uint32_t i = 0; i < b->size; i++) {
		if (c->seen[i >> 3] == 0xFF && (i & 7u) == 0 &&
		    b->size - i >= 8) {
			i += 7;
			continue;
		}
		if (!(c->seen[i >> 3] & (1u << (i & 7u)))) {
			CHECK(b->data[i] == IAP_FLASH_ERASED);
		}
	}
	free(c->seen);
}

/* An accepted HEX file, read again: where each data byte belongs. */
static void model_hex(const uint8_t *t, size_t n, struct cover *c)
{
	uint8_t rec[260];
	uint32_t base = 0;
	int seg = 0, eof = 0;
	size_t pos = 0;

	if (n >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF) {
		pos = 3;
	}
	while (pos < n) {
		size_t next, len = line_len(&t[pos], n - pos, &next);
		size_t nb;
		uint8_t sum = 0;
		uint16_t off;

		if (len == 0) {
			pos += next;
			continue;
		}
		CHECK(!eof);
		nb = hex_bytes(&t[pos], len, rec);
		CHECK(nb >= 5 && (size_t)rec[0] + 5u == nb);
		for (size_t i = 0; i < nb; i++) {
			sum = (uint8_t)(sum + rec[i]);
		}
		CHECK(sum == 0);
		off = (uint16_t)(rec[1] << 8 | rec[2]);
		switch (rec[3]) {
		case 0x00:
			for (unsigned i = 0; i < rec[0]; i++) {
				uint32_t a = seg ? base + ((off + i) & 0xFFFFu)
						 : base + off + i;

				cover_byte(c, a, rec[4 + i]);
			}
			break;
		case 0x01:
			eof = 1;
			break;
		case 0x02:
			seg = 1;
			base = (uint32_t)(rec[4] << 8 | rec[5]) << 4;
			break;
		case 0x04:
			seg = 0;
			base = (uint32_t)(rec[4] << 8 | rec[5]) << 16;
			break;
		case 0x03:
		case 0x05:
			break;
		default:
			CHECK(0);
		}
		pos += next;
	}
	CHECK(eof);
}

/* An accepted ELF file, read again: the PT_LOAD bytes by p_paddr. */
static void model_elf(const uint8_t *f, size_t n, struct cover *c)
{
	uint32_t phoff, phnum;

	CHECK(n >= 52 && f[4] == 1 && f[5] == 1 && iap_get_le16(&f[18]) == 40);
	phoff = iap_get_le32(&f[28]);
	phnum = iap_get_le16(&f[44]);
	if (phnum == 0xFFFFu) {
		/* PN_XNUM: the count is section header 0's sh_info. */
		uint32_t shoff = iap_get_le32(&f[32]);

		CHECK((uint64_t)shoff + 40u <= n);
		phnum = iap_get_le32(&f[shoff + 28]);
	}
	for (uint32_t i = 0; i < phnum; i++) {
		uint64_t at = phoff + 32ull * i;
		uint32_t off, paddr, filesz;

		CHECK(at + 32u <= n);
		off = iap_get_le32(&f[at + 4]);
		paddr = iap_get_le32(&f[at + 12]);
		filesz = iap_get_le32(&f[at + 16]);
		if (iap_get_le32(&f[at]) != 1u || filesz == 0) {
			continue;
		}
		CHECK((uint64_t)off + filesz <= n);
		for (uint32_t j = 0; j < filesz; j++) {
			cover_byte(c, paddr + j, f[off + j]);
		}
	}
}

static void check_blob(const uint8_t *f, size_t n, enum kind k, int r,
		       const struct iap_blob *b, const char *err)
{
	struct cover c;

	if (r < 0) {
		CHECK(r == IAP_ERR_BADMSG || r == IAP_ERR_FBIG);
		CHECK(b->data == NULL && b->size == 0 && b->addr == 0 &&
		      b->addr_known == 0);
		check_msg(err);
		if (k == K_BIN) {
			CHECK(n == 0 && r == IAP_ERR_BADMSG);
		}
		return;
	}
	CHECK(k != K_IAP);
	CHECK(b->data != NULL && b->size >= 1 && b->size <= SPAN_MAX);
	CHECK((uint64_t)b->addr + b->size <= 0x100000000ull);
	CHECK(b->addr_known == (k != K_BIN));
	switch (k) {
	case K_BIN:
		CHECK(b->addr == 0 && b->size == n);
		CHECK(memcmp(b->data, f, n) == 0);
		break;
	case K_HEX:
		cover_init(&c, b);
		model_hex(f, n, &c);
		cover_done(&c);
		break;
	default:
		cover_init(&c, b);
		model_elf(f, n, &c);
		cover_done(&c);
		break;
	}
}

static int same_blob(const struct iap_blob *a, const struct iap_blob *b)
{
	return a->size == b->size && a->addr == b->addr &&
	       a->addr_known == b->addr_known &&
	       (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* pack.h's rules for the first two words. */
static int want_vectors(const uint8_t *d, uint32_t size, uint32_t addr)
{
	uint32_t sp, pc;

	if (size < 8) {
		return IAP_ERR_NOEXEC;
	}
	sp = iap_get_le32(d);
	pc = iap_get_le32(d + 4);
	if ((sp & 3u) != 0 || !((sp >= 0x20000000u && sp <= 0x3FFFFFFFu) ||
				(sp >= 0x10000000u && sp <= 0x10010000u))) {
		return IAP_ERR_NOEXEC;
	}
	if ((pc & 1u) == 0) {
		return IAP_ERR_NOEXEC;
	}
	if ((pc & ~1u) < (uint64_t)addr + 8u ||
	    (pc & ~1u) >= (uint64_t)addr + size) {
		return IAP_ERR_RANGE;
	}
	return 0;
}

static void check_pack(const struct iap_blob *b)
{
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	uint8_t digest[IAP_SHA256_SIZE];
	uint32_t addr = b->addr_known ? b->addr : BIN_ADDR;
	int want, r;

	if ((uint64_t)addr + b->size > 0x100000000ull) {
		want = IAP_ERR_RANGE;
	} else {
		want = want_vectors(b->data, b->size, addr);
		r = iap_check_vectors("in", b->data, b->size, addr, "--addr",
				      err, sizeof(err));
		CHECK(r == want);
	}
	memset(&h, 0, sizeof(h));
	h.version.major = 7;
	h.board_id = 0x103C8u;
	err[0] = '\0';
	r = iap_pack_payload("in", b->data, b->size, addr, "--addr", &h, err,
			     sizeof(err));
	CHECK(r == want);
	if (r < 0) {
		CHECK(err[0] != '\0');
		CHECK(h.image_size == 0 && h.load_addr == 0);
		return;
	}
	CHECK(h.image_size == b->size && h.load_addr == addr);
	CHECK(h.version.major == 7 && h.board_id == 0x103C8u);
	iap_sha256(b->data, b->size, digest);
	CHECK(memcmp(digest, h.sha256, sizeof(digest)) == 0);
}

static void check_blob_load(const uint8_t *f, size_t n, unsigned sel)
{
	char err[IAP_ERRMSG_SIZE], err2[IAP_ERRMSG_SIZE];
	struct iap_blob b, b2;
	enum iap_input_fmt fmt;
	enum kind k;
	int r, r2;

	if (sel == 0) {
		fmt = IAP_FMT_AUTO;
		k = sniff(f, n);
	} else {
		k = (enum kind)(sel - 1);
		fmt = fmt_of[k];
	}
	memset(err, 0, sizeof(err));
	memset(&b, 0x5A, sizeof(b));
	r = iap_blob_load(path, fmt, &b, err, sizeof(err));
	if (getenv("IAP_FUZZ_TRACE")) {
		/* What a seed reaches: IAP_FUZZ_TRACE=1 fuzz_hostimg SEED */
		fprintf(stderr, "iap_blob_load fmt %d: %d, 0x%08x + %u %s\n",
			(int)fmt, r, (unsigned)b.addr, (unsigned)b.size, err);
	}
	check_blob(f, n, k, r, &b, err);
	if (fmt == IAP_FMT_AUTO) {
		if (k == K_IAP) {
			CHECK(r == IAP_ERR_BADMSG);
		} else {
			memset(err2, 0, sizeof(err2));
			r2 = iap_blob_load(path, fmt_of[k], &b2, err2,
					   sizeof(err2));
			CHECK(r2 == r);
			CHECK(same_blob(&b, &b2));
			iap_blob_free(&b2);
		}
	}
	if (r == 0) {
		check_pack(&b);
	}
	iap_blob_free(&b);
	CHECK(b.data == NULL && b.size == 0);
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i]) {
			return 0;
		}
	}
	return 1;
}

static void check_file_load(const uint8_t *f, size_t n)
{
	uint8_t enc[IAP_IMAGE_HDR_SIZE], digest[IAP_SHA256_SIZE];
	char err[IAP_ERRMSG_SIZE];
	static uint8_t not_set;
	struct iap_image_hdr h, ref;
	uint8_t *payload = &not_set;
	int r, want;

	/* iap_cli.h's rules, in the order given there. */
	if (n >= 4 && iap_get_le32(f) != IAP_IMAGE_MAGIC) {
		want = IAP_ERR_BADMSG;
	} else if (n < IAP_IMAGE_HDR_SIZE) {
		want = IAP_ERR_INVAL;
	} else if ((want = iap_image_hdr_decode(f, &ref)) < 0) {
		/* BADMSG or CORRUPT, as the decoder says */
	} else if (ref.image_size == 0) {
		want = IAP_ERR_BADMSG;
	} else if (ref.image_size > SPAN_MAX) {
		want = IAP_ERR_FBIG;
	} else if (n - IAP_IMAGE_HDR_SIZE != ref.image_size) {
		want = IAP_ERR_INVAL;
	} else {
		iap_sha256(&f[IAP_IMAGE_HDR_SIZE], ref.image_size, digest);
		want = memcmp(digest, ref.sha256, sizeof(digest))
			       ? IAP_ERR_CORRUPT
			       : 0;
	}

	memset(err, 0, sizeof(err));
	memset(&h, 0x5A, sizeof(h));
	r = iap_file_load(path, &h, &payload, err, sizeof(err));
	if (getenv("IAP_FUZZ_TRACE")) {
		fprintf(stderr, "iap_file_load: %d (model %d) %s\n", r, want,
			err);
	}
	CHECK(r == want);
	if (r < 0) {
		CHECK(payload == NULL);
		CHECK(all_zero(&h, sizeof(h)));
		check_msg(err);
		return;
	}
	CHECK(payload != NULL);
	CHECK(h.image_size == n - IAP_IMAGE_HDR_SIZE);
	iap_image_hdr_encode(&h, enc);
	CHECK(memcmp(enc, f, sizeof(enc)) == 0);
	CHECK(memcmp(payload, &f[IAP_IMAGE_HDR_SIZE], h.image_size) == 0);
	iap_sha256(payload, h.image_size, digest);
	CHECK(memcmp(digest, h.sha256, sizeof(digest)) == 0);
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel;
	uint8_t *f;
	size_t n;

	if (size < 1) {
		return 0;
	}
	sel = (data[0] & 7u) % 5u;
	n = size - 1;
	/* Exactly n bytes on the heap (1 for an empty file). */
	f = malloc(n ? n : 1);
	CHECK(f != NULL);
	memcpy(f, data + 1, n);
	if (data[0] & 8u) {
		enum kind k = sniff(f, n);

		if (k == K_IAP) {
			fixup_iap(f, n, data[0] & 16u);
		} else if (k != K_ELF) {
			fixup_hex(f, n);
		}
	}
	put_file(f, n);
	if (sel < 4) {
		check_blob_load(f, n, sel);
	}
	check_file_load(f, n);
	free(f);
	return 0;
}
