/*
 * iap - firmware files: raw binaries, Intel HEX and ELF in; Intel HEX and
 * .iap images out. Every error message is one line that names the file
 * (and the line, for HEX) so a build script's log says what to fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"

/* Larger than any STM32 flash; a bigger span means a stray address. */
#define SPAN_MAX (16u * 1024u * 1024u)
/* HEX text is about 2.8 times its data, plus some slack for comments. */
#define HEX_TEXT_MAX (64u * 1024u * 1024u)

#define HEX_RECORD_MAX (5u + 255u)

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Read a whole file. Fails with IAP_ERR_FBIG when it holds more than max
 * bytes, so a wrong path to a disk image cannot exhaust memory.
 */
static int read_all(const char *path, size_t max, uint8_t **buf, size_t *len,
		    char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, n = 0;

	*buf = NULL;
	*len = 0;
	if (!f) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		       strerror(errno));
		return IAP_ERR_IO;
	}
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *np;

			if (ncap > max + 1) {
				ncap = max + 1;
			}
			if (ncap <= cap) {
				seterr(err, errlen,
				       "%s: larger than the %zu MiB limit",
				       path, max >> 20);
				free(p);
				fclose(f);
				return IAP_ERR_FBIG;
			}
			np = realloc(p, ncap);
			if (!np) {
				seterr(err, errlen, "%s: out of memory", path);
				free(p);
				fclose(f);
				return IAP_ERR_IO;
			}
			p = np;
			cap = ncap;
		}
		size_t got = fread(p + n, 1, cap - n, f);

		n += got;
		if (got == 0) {
			break;
		}
	}
	if (ferror(f)) {
		seterr(err, errlen, "%s: read error: %s", path,
		       strerror(errno));
		free(p);
		fclose(f);
		return IAP_ERR_IO;
	}
	fclose(f);
	if (n > max) {
		seterr(err, errlen, "%s: larger than the %zu MiB limit", path,
		       max >> 20);
		free(p);
		return IAP_ERR_FBIG;
	}
	*buf = p;
	*len = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Intel HEX reader                                                   */

struct hex_state {
	const char *name;
	/* Bounds found by the first pass: [lo, hi] inclusive. */
	uint32_t lo, hi;
	int have_data;
	/* Second pass only: where the bytes go and which are taken. */
	uint8_t *data;
	uint8_t *taken; /* bitmap, one bit per byte of the span */
};

static int hex_nibble(char c)
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

static int hex_put_byte(struct hex_state *st, unsigned line, uint32_t addr,
			uint8_t v, char *err, size_t errlen)
{
	if (!st->data) {
		if (!st->have_data) {
			st->lo = addr;
			st->hi = addr;
			st->have_data = 1;
		}
		if (addr < st->lo) {
			st->lo = addr;
		}
		if (addr > st->hi) {
			st->hi = addr;
		}
		return 0;
	}

	uint32_t i = addr - st->lo;
	uint8_t bit = (uint8_t)(1u << (i & 7u));

	if (st->taken[i >> 3] & bit) {
		seterr(err, errlen,
		       "%s:%u: data at 0x%08x overlaps an earlier record",
		       st->name, line, addr);
		return IAP_ERR_BADMSG;
	}
	st->taken[i >> 3] |= bit;
	st->data[i] = v;
	return 0;
}

/* Decode one ':'-line into rec[]; returns the byte count or an error. */
static int hex_decode_line(const struct hex_state *st, unsigned line,
			   const char *s, size_t n, uint8_t *rec, char *err,
			   size_t errlen)
{
	size_t nbytes;

	if (s[0] != ':') {
		seterr(err, errlen, "%s:%u: line does not start with ':'",
		       st->name, line);
		return IAP_ERR_BADMSG;
	}
	s++;
	n--;
	if (n % 2 != 0 || n < 10 || n / 2 > HEX_RECORD_MAX) {
		seterr(err, errlen, "%s:%u: malformed record (%zu hex digits)",
		       st->name, line, n);
		return IAP_ERR_BADMSG;
	}
	nbytes = n / 2;
	for (size_t i = 0; i < nbytes; i++) {
		int h = hex_nibble(s[2 * i]);
		int l = hex_nibble(s[2 * i + 1]);

		if (h < 0 || l < 0) {
			seterr(err, errlen, "%s:%u: invalid hex digit",
			       st->name, line);
			return IAP_ERR_BADMSG;
		}
		rec[i] = (uint8_t)(h << 4 | l);
	}
	if ((size_t)rec[0] + 5u != nbytes) {
		seterr(err, errlen,
		       "%s:%u: record holds %zu data bytes but its count says "
		       "%u",
		       st->name, line, nbytes - 5u, rec[0]);
		return IAP_ERR_BADMSG;
	}

	uint8_t sum = 0;

	for (size_t i = 0; i + 1 < nbytes; i++) {
		sum = (uint8_t)(sum + rec[i]);
	}
	if ((uint8_t)(sum + rec[nbytes - 1]) != 0) {
		seterr(err, errlen,
		       "%s:%u: checksum mismatch (record says 0x%02X, "
		       "computed 0x%02X)",
		       st->name, line, rec[nbytes - 1], (uint8_t)(0u - sum));
		return IAP_ERR_BADMSG;
	}
	return (int)nbytes;
}

/*
 * One pass over the text. The first pass (st->data NULL) validates every
 * record and finds the bounds; the second copies the bytes. Addresses
 * follow the spec: type 04 sets the upper 16 bits of a linear address,
 * type 02 a segment base (offsets then wrap inside the 64 KiB segment).
 */
static int hex_pass(struct hex_state *st, const char *text, size_t len,
		    char *err, size_t errlen)
{
	uint8_t rec[HEX_RECORD_MAX];
	uint32_t base = 0;
	int segmented = 0, eof = 0;
	unsigned line = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		int r;

		pos += n + (nl ? 1 : 0);
		line++;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
				 s[n - 1] == '\t')) {
			n--;
		}
		if (n == 0) {
			continue;
		}
		if (eof) {
			seterr(err, errlen,
			       "%s:%u: data after the end-of-file record",
			       st->name, line);
			return IAP_ERR_BADMSG;
		}
		r = hex_decode_line(st, line, s, n, rec, err, errlen);
		if (r < 0) {
			return r;
		}

		uint8_t count = rec[0];
		uint16_t off = (uint16_t)(rec[1] << 8 | rec[2]);
		uint8_t type = rec[3];
		const uint8_t *d = &rec[4];

		switch (type) {
		case 0x00:
			for (unsigned i = 0; i < count; i++) {
				uint32_t a =
					segmented ? base + (uint16_t)(off + i)
						  : base + off + i;

				r = hex_put_byte(st, line, a, d[i], err,
						 errlen);
				if (r < 0) {
					return r;
				}
			}
			break;
		case 0x01:
			if (count != 0) {
				seterr(err, errlen,
				       "%s:%u: end-of-file record with %u data "
				       "bytes",
				       st->name, line, count);
				return IAP_ERR_BADMSG;
			}
			eof = 1;
			break;
		case 0x02:
		case 0x04:
			if (count != 2) {
				seterr(err, errlen,
				       "%s:%u: address record (type %02X) "
				       "with %u data bytes, expected 2",
				       st->name, line, type, count);
				return IAP_ERR_BADMSG;
			}
			segmented = type == 0x02;
			base = (uint32_t)(d[0] << 8 | d[1])
			       << (segmented ? 4 : 16);
			break;
		case 0x03:
		case 0x05:
			/* Start addresses: not needed to build the image. */
			if (count != 4) {
				seterr(err, errlen,
				       "%s:%u: start address record (type "
				       "%02X) with %u data bytes, expected 4",
				       st->name, line, type, count);
				return IAP_ERR_BADMSG;
			}
			break;
		default:
			seterr(err, errlen, "%s:%u: unknown record type %02X",
			       st->name, line, type);
			return IAP_ERR_BADMSG;
		}
	}
	if (!eof) {
		seterr(err, errlen,
		       "%s: no end-of-file record (type 01): file cut short?",
		       st->name);
		return IAP_ERR_BADMSG;
	}
	return 0;
}

static int span_check(const char *name, uint32_t lo, uint64_t end, char *err,
		      size_t errlen)
{
	if (end - lo > SPAN_MAX) {
		seterr(err, errlen,
		       "%s: data spans 0x%08x..0x%08llx, more than %u MiB: a "
		       "record or segment at a stray address?",
		       name, lo, (unsigned long long)end, SPAN_MAX >> 20);
		return IAP_ERR_FBIG;
	}
	return 0;
}

static int load_hex(const char *path, const uint8_t *text, size_t len,
		    struct iap_blob *out, char *err, size_t errlen)
{
	struct hex_state st;
	int r;

	memset(&st, 0, sizeof(st));
	st.name = path;
	/* Some Windows editors save a UTF-8 byte order mark first. */
	if (len >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF) {
		text += 3;
		len -= 3;
	}
	r = hex_pass(&st, (const char *)text, len, err, errlen);
	if (r < 0) {
		return r;
	}
	if (!st.have_data) {
		seterr(err, errlen, "%s: no data records", path);
		return IAP_ERR_BADMSG;
	}
	r = span_check(path, st.lo, (uint64_t)st.hi + 1u, err, errlen);
	if (r < 0) {
		return r;
	}

	uint32_t size = st.hi - st.lo + 1u;

	st.data = malloc(size);
	st.taken = calloc((size + 7u) / 8u, 1);
	if (!st.data || !st.taken) {
		free(st.data);
		free(st.taken);
		seterr(err, errlen, "%s: out of memory", path);
		return IAP_ERR_IO;
	}
	memset(st.data, IAP_FLASH_ERASED, size);
	r = hex_pass(&st, (const char *)text, len, err, errlen);
	free(st.taken);
	if (r < 0) {
		free(st.data);
		return r;
	}
	out->data = st.data;
	out->size = size;
	out->addr = st.lo;
	out->addr_known = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* ELF reader                                                         */

/* Loadable bytes of the file, placed where the loader puts them (LMA). */
static int elf_segments(const char *path, Elf *elf, const uint8_t *raw,
			size_t raw_len, struct iap_blob *out, char *err,
			size_t errlen)
{
	size_t phnum;
	uint32_t lo = 0;
	uint64_t end = 0;
	int have = 0;

	if (elf_getphdrnum(elf, &phnum) != 0) {
		seterr(err, errlen, "%s: no program headers: %s", path,
		       elf_errmsg(-1));
		return IAP_ERR_BADMSG;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph)) {
			seterr(err, errlen, "%s: program header %zu: %s", path,
			       i, elf_errmsg(-1));
			return IAP_ERR_BADMSG;
		}
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0) {
			continue;
		}
		if (ph.p_offset > raw_len ||
		    ph.p_filesz > raw_len - ph.p_offset ||
		    ph.p_paddr + ph.p_filesz > 0x100000000ull) {
			seterr(err, errlen,
			       "%s: program header %zu points outside the file "
			       "or the address space",
			       path, i);
			return IAP_ERR_BADMSG;
		}
		if (!have || ph.p_paddr < lo) {
			lo = (uint32_t)ph.p_paddr;
		}
		if (!have || ph.p_paddr + ph.p_filesz > end) {
			end = ph.p_paddr + ph.p_filesz;
		}
		have = 1;
	}
	if (!have) {
		seterr(err, errlen, "%s: no loadable segment holds data", path);
		return IAP_ERR_BADMSG;
	}

	int r = span_check(path, lo, end, err, errlen);

	if (r < 0) {
		return r;
	}

	uint32_t size = (uint32_t)(end - lo);
	uint8_t *data = malloc(size);
	uint8_t *taken = calloc((size + 7u) / 8u, 1);

	if (!data || !taken) {
		free(data);
		free(taken);
		seterr(err, errlen, "%s: out of memory", path);
		return IAP_ERR_IO;
	}
	memset(data, IAP_FLASH_ERASED, size);
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		gelf_getphdr(elf, (int)i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0) {
			continue;
		}

		uint32_t off = (uint32_t)(ph.p_paddr - lo);

		for (uint32_t j = off; j < off + ph.p_filesz; j++) {
			if (taken[j >> 3] & (1u << (j & 7u))) {
				seterr(err, errlen,
				       "%s: segment %zu overlaps another at "
				       "0x%08x",
				       path, i, lo + j);
				free(data);
				free(taken);
				return IAP_ERR_BADMSG;
			}
			taken[j >> 3] =
				(uint8_t)(taken[j >> 3] | (1u << (j & 7u)));
		}
		memcpy(data + off, raw + ph.p_offset, ph.p_filesz);
	}
	free(taken);
	out->data = data;
	out->size = size;
	out->addr = lo;
	out->addr_known = 1;
	return 0;
}

static int load_elf(const char *path, struct iap_blob *out, char *err,
		    size_t errlen)
{
	Elf *elf;
	GElf_Ehdr eh;
	const char *ident;
	char *raw;
	size_t raw_len;
	int fd, r;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		seterr(err, errlen, "%s: libelf is out of date", path);
		return IAP_ERR_IO;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		       strerror(errno));
		return IAP_ERR_IO;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		seterr(err, errlen, "%s: not a valid ELF file", path);
		r = IAP_ERR_BADMSG;
		goto out;
	}
	ident = elf_getident(elf, NULL);
	if (!ident || ident[EI_CLASS] != ELFCLASS32 ||
	    ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_ARM) {
		seterr(err, errlen,
		       "%s: not a 32-bit little-endian ARM ELF (class %d, data "
		       "%d, machine %u)",
		       path, ident ? ident[EI_CLASS] : 0,
		       ident ? ident[EI_DATA] : 0, eh.e_machine);
		r = IAP_ERR_BADMSG;
		goto out;
	}
	raw = elf_rawfile(elf, &raw_len);
	if (!raw) {
		seterr(err, errlen, "%s: cannot read: %s", path,
		       elf_errmsg(-1));
		r = IAP_ERR_IO;
		goto out;
	}
	r = elf_segments(path, elf, (const uint8_t *)raw, raw_len, out, err,
			 errlen);
out:
	if (elf) {
		elf_end(elf);
	}
	close(fd);
	return r;
}

/* ------------------------------------------------------------------ */

static enum iap_input_fmt sniff(const uint8_t *p, size_t n)
{
	if (n >= 4 && p[0] == 0x7F && p[1] == 'E' && p[2] == 'L' &&
	    p[3] == 'F') {
		return IAP_FMT_ELF;
	}
	if (n >= 4 && iap_get_le32(p) == IAP_IMAGE_MAGIC) {
		return IAP_FMT_IAP;
	}
	/* HEX may start with blank lines or a UTF-8 byte order mark. */
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		i = 3;
	}
	while (i < n && (p[i] == '\r' || p[i] == '\n' || p[i] == ' ')) {
		i++;
	}
	if (i < n && p[i] == ':') {
		return IAP_FMT_HEX;
	}
	return IAP_FMT_BIN;
}

int iap_blob_load(const char *path, enum iap_input_fmt fmt,
		  struct iap_blob *out, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if (fmt == IAP_FMT_ELF) {
		return load_elf(path, out, err, errlen);
	}
	/* The read limit fits the largest format allowed. */
	r = read_all(path, fmt == IAP_FMT_BIN ? SPAN_MAX : HEX_TEXT_MAX, &buf,
		     &len, err, errlen);
	if (r < 0) {
		return r;
	}
	if (fmt == IAP_FMT_AUTO) {
		fmt = sniff(buf, len);
	}
	switch (fmt) {
	case IAP_FMT_ELF:
		free(buf);
		return load_elf(path, out, err, errlen);
	case IAP_FMT_IAP:
		seterr(err, errlen,
		       "%s: already an .iap image, not a firmware binary",
		       path);
		r = IAP_ERR_BADMSG;
		break;
	case IAP_FMT_HEX:
		r = load_hex(path, buf, len, out, err, errlen);
		break;
	default:
		if (len == 0) {
			seterr(err, errlen, "%s: empty file", path);
			r = IAP_ERR_BADMSG;
			break;
		}
		if (len > SPAN_MAX) {
			seterr(err, errlen,
			       "%s: %zu bytes, more than the %u MiB limit",
			       path, len, SPAN_MAX >> 20);
			r = IAP_ERR_FBIG;
			break;
		}
		out->data = buf;
		out->size = (uint32_t)len;
		out->addr = 0;
		out->addr_known = 0;
		return 0;
	}
	free(buf);
	return r;
}

void iap_blob_free(struct iap_blob *b)
{
	if (!b) {
		return;
	}
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* Output files: written next to the target, then renamed over it.    */

struct out_file {
	const char *path;
	char *tmp;
	FILE *f;
};

static int out_open(struct out_file *o, const char *path, char *err,
		    size_t errlen)
{
	size_t n = strlen(path);

	o->path = path;
	o->f = NULL;
	o->tmp = malloc(n + sizeof(".tmp"));
	if (!o->tmp) {
		seterr(err, errlen, "%s: out of memory", path);
		return IAP_ERR_IO;
	}
	memcpy(o->tmp, path, n);
	memcpy(o->tmp + n, ".tmp", sizeof(".tmp"));
	o->f = fopen(o->tmp, "wb");
	if (!o->f) {
		seterr(err, errlen, "%s: cannot create: %s", o->tmp,
		       strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return IAP_ERR_IO;
	}
	return 0;
}

static int replace_file(const char *from, const char *to)
{
#ifdef _WIN32
	/* rename() does not replace an existing file on Windows. */
	remove(to);
#endif
	return rename(from, to);
}

/*
 * Flush, sync and close the file; after an earlier failure (ok == 0),
 * already said in err, just close it. Returns 0 or IAP_ERR_IO; the file
 * itself stays, for iap_tmp_commit() to rename or remove.
 */
static int out_finish(struct out_file *o, int ok, char *err, size_t errlen)
{
	if (ok && (fflush(o->f) != 0 || ferror(o->f))) {
		seterr(err, errlen, "%s: write error: %s", o->tmp,
		       strerror(errno));
		ok = 0;
	}
#ifndef _WIN32
	if (ok && fsync(fileno(o->f)) != 0) {
		seterr(err, errlen, "%s: sync failed: %s", o->tmp,
		       strerror(errno));
		ok = 0;
	}
#endif
	if (fclose(o->f) != 0 && ok) {
		seterr(err, errlen, "%s: write error: %s", o->tmp,
		       strerror(errno));
		ok = 0;
	}
	o->f = NULL;
	return ok ? 0 : IAP_ERR_IO;
}

int iap_tmp_commit(char *tmp, const char *path, int ok, char *err,
		   size_t errlen)
{
	if (ok && replace_file(tmp, path) != 0) {
		seterr(err, errlen, "%s: cannot rename to %s: %s", tmp, path,
		       strerror(errno));
		ok = 0;
	}
	if (!ok) {
		remove(tmp);
	}
	free(tmp);
	return ok ? 0 : IAP_ERR_IO;
}

/* Finish the file; on any earlier failure (ok == 0) just drop it. */
static int out_close(struct out_file *o, int ok, char *err, size_t errlen)
{
	ok = out_finish(o, ok, err, errlen) == 0;
	return iap_tmp_commit(o->tmp, o->path, ok, err, errlen);
}

int iap_bin_write(const char *path, const uint8_t *data, uint32_t size,
		  char **staged, char *err, size_t errlen)
{
	struct out_file o;
	int r, ok;

	if (staged) {
		*staged = NULL;
	}
	r = out_open(&o, path, err, errlen);
	if (r < 0) {
		return r;
	}
	ok = fwrite(data, 1, size, o.f) == size;
	if (!ok) {
		seterr(err, errlen, "%s: write error: %s", o.tmp,
		       strerror(errno));
	}
	if (!staged) {
		return out_close(&o, ok, err, errlen);
	}
	if (out_finish(&o, ok, err, errlen) < 0) {
		return iap_tmp_commit(o.tmp, path, 0, err, errlen);
	}
	*staged = o.tmp;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Intel HEX writer                                                   */

static int hex_record(FILE *f, uint8_t type, uint16_t off, const uint8_t *d,
		      uint8_t n)
{
	uint8_t sum = (uint8_t)(n + (off >> 8) + (off & 0xFFu) + type);

	if (fprintf(f, ":%02X%04X%02X", n, off, type) < 0) {
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		sum = (uint8_t)(sum + d[i]);
		if (fprintf(f, "%02X", d[i]) < 0) {
			return -1;
		}
	}
	return fprintf(f, "%02X\n", (uint8_t)(0u - sum)) < 0 ? -1 : 0;
}

int iap_ihex_write(const char *path, uint32_t addr, const uint8_t *data,
		   uint32_t size, uint32_t entry, char *err, size_t errlen)
{
	struct out_file o;
	uint64_t pos = addr, end = (uint64_t)addr + size;
	uint32_t upper = 0xFFFFFFFFu; /* forces the first type 04 record */
	int r, ok = 1;

	if (end > 0x100000000ull) {
		seterr(err, errlen,
		       "%s: data runs past the 4 GiB address space", path);
		return IAP_ERR_IO;
	}
	r = out_open(&o, path, err, errlen);
	if (r < 0) {
		return r;
	}
	while (ok && pos < end) {
		uint32_t a = (uint32_t)pos;
		/* Lines never cross a 64 KiB boundary: offsets stay linear. */
		uint64_t lim = ((pos >> 16) + 1u) << 16;
		uint64_t left;
		uint8_t n;

		if (lim > end) {
			lim = end;
		}
		left = lim - pos;
		n = (uint8_t)(left > 16u ? 16u : left);

		if (a >> 16 != upper) {
			uint8_t ext[2];

			upper = a >> 16;
			ext[0] = (uint8_t)(upper >> 8);
			ext[1] = (uint8_t)upper;
			ok = hex_record(o.f, 0x04, 0, ext, 2) == 0;
		}
		if (ok) {
			ok = hex_record(o.f, 0x00, (uint16_t)a,
					data + (pos - addr), n) == 0;
		}
		pos += n;
	}
	if (ok && entry != 0) {
		uint8_t e[4] = {(uint8_t)(entry >> 24), (uint8_t)(entry >> 16),
				(uint8_t)(entry >> 8), (uint8_t)entry};

		ok = hex_record(o.f, 0x05, 0, e, 4) == 0;
	}
	if (ok) {
		ok = hex_record(o.f, 0x01, 0, NULL, 0) == 0;
	}
	if (!ok) {
		seterr(err, errlen, "%s: write error: %s", o.tmp,
		       strerror(errno));
	}
	return out_close(&o, ok, err, errlen);
}

/* ------------------------------------------------------------------ */
/* .iap files                                                         */

int iap_file_save(const char *path, const struct iap_image_hdr *h,
		  const uint8_t *payload, char *err, size_t errlen)
{
	uint8_t hdr[IAP_IMAGE_HDR_SIZE];
	struct out_file o;
	int r, ok;

	iap_image_hdr_encode(h, hdr);
	r = out_open(&o, path, err, errlen);
	if (r < 0) {
		return r;
	}
	ok = fwrite(hdr, 1, sizeof(hdr), o.f) == sizeof(hdr) &&
	     fwrite(payload, 1, h->image_size, o.f) == h->image_size;
	if (!ok) {
		seterr(err, errlen, "%s: write error: %s", o.tmp,
		       strerror(errno));
	}
	return out_close(&o, ok, err, errlen);
}

/* Say which part of a header iap_image_hdr_decode() refused. */
static void explain_badmsg(const char *path, const uint8_t *hdr, char *err,
			   size_t errlen)
{
	uint32_t magic = iap_get_le32(hdr);
	uint16_t format = iap_get_le16(hdr + 4);
	uint16_t hsize = iap_get_le16(hdr + 6);

	if (magic != IAP_IMAGE_MAGIC) {
		seterr(err, errlen,
		       "%s: not an .iap image (magic 0x%08x, expected "
		       "0x%08x \"IAPI\")",
		       path, magic, IAP_IMAGE_MAGIC);
	} else if (format != IAP_IMAGE_FORMAT) {
		seterr(err, errlen,
		       "%s: image format %u is not supported (this tool reads "
		       "format %u)",
		       path, format, IAP_IMAGE_FORMAT);
	} else if (hsize != IAP_IMAGE_HDR_SIZE) {
		seterr(err, errlen, "%s: header size %u, expected %u", path,
		       hsize, IAP_IMAGE_HDR_SIZE);
	} else {
		seterr(err, errlen,
		       "%s: header has unknown flags or non-zero reserved "
		       "bytes (made by a newer tool?)",
		       path);
	}
}

int iap_file_load(const char *path, struct iap_image_hdr *h, uint8_t **payload,
		  char *err, size_t errlen)
{
	uint8_t hdr[IAP_IMAGE_HDR_SIZE];
	uint8_t digest[IAP_SHA256_SIZE];
	struct stat sb;
	uint8_t *p = NULL;
	uint64_t have;
	size_t got;
	FILE *f;
	int r;

	*payload = NULL;
	memset(h, 0, sizeof(*h));
	f = fopen(path, "rb");
	if (!f) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		       strerror(errno));
		return IAP_ERR_IO;
	}
	if (fstat(fileno(f), &sb) != 0) {
		seterr(err, errlen, "%s: cannot stat: %s", path,
		       strerror(errno));
		r = IAP_ERR_IO;
		goto fail;
	}
	/* The size check below needs a real file size. */
	if (!S_ISREG(sb.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		r = IAP_ERR_IO;
		goto fail;
	}
	got = fread(hdr, 1, sizeof(hdr), f);
	if (got >= 4 && iap_get_le32(hdr) != IAP_IMAGE_MAGIC) {
		explain_badmsg(path, hdr, err, errlen);
		r = IAP_ERR_BADMSG;
		goto fail;
	}
	if (got < sizeof(hdr)) {
		seterr(err, errlen,
		       "%s: truncated: %zu bytes, the header alone is %u", path,
		       got, IAP_IMAGE_HDR_SIZE);
		r = IAP_ERR_INVAL;
		goto fail;
	}
	r = iap_image_hdr_decode(hdr, h);
	if (r == IAP_ERR_CORRUPT) {
		seterr(err, errlen,
		       "%s: header CRC mismatch: the header is damaged", path);
		goto fail;
	}
	if (r < 0) {
		explain_badmsg(path, hdr, err, errlen);
		goto fail;
	}
	if (h->image_size == 0) {
		seterr(err, errlen, "%s: header says the payload is empty",
		       path);
		r = IAP_ERR_BADMSG;
		goto fail;
	}
	if (h->image_size > SPAN_MAX) {
		seterr(err, errlen,
		       "%s: header says %u payload bytes, more than the %u MiB "
		       "limit",
		       path, h->image_size, SPAN_MAX >> 20);
		r = IAP_ERR_FBIG;
		goto fail;
	}

	/* The file size settles truncation and trailing bytes up front. */
	have = (uint64_t)sb.st_size - IAP_IMAGE_HDR_SIZE;

	if (have < h->image_size) {
		seterr(err, errlen,
		       "%s: truncated: header says %u payload bytes, file has "
		       "%llu",
		       path, h->image_size, (unsigned long long)have);
		r = IAP_ERR_INVAL;
		goto fail;
	}
	if (have > h->image_size) {
		seterr(err, errlen,
		       "%s: %llu trailing bytes: header says %u payload bytes, "
		       "file has %llu",
		       path, (unsigned long long)(have - h->image_size),
		       h->image_size, (unsigned long long)have);
		r = IAP_ERR_INVAL;
		goto fail;
	}
	p = malloc(h->image_size);
	if (!p) {
		seterr(err, errlen, "%s: out of memory", path);
		r = IAP_ERR_IO;
		goto fail;
	}
	if (fread(p, 1, h->image_size, f) != h->image_size) {
		seterr(err, errlen, "%s: read error: %s", path,
		       ferror(f) ? strerror(errno) : "file shrank");
		r = IAP_ERR_IO;
		goto fail;
	}
	iap_sha256(p, h->image_size, digest);
	if (memcmp(digest, h->sha256, sizeof(digest)) != 0) {
		seterr(err, errlen,
		       "%s: payload SHA-256 does not match the header", path);
		r = IAP_ERR_CORRUPT;
		goto fail;
	}
	fclose(f);
	*payload = p;
	return 0;
fail:
	free(p);
	fclose(f);
	if (r != 0) {
		memset(h, 0, sizeof(*h));
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Number parsing                                                     */

/* Decimal digits only, no sign, no spaces; *end is where they stopped. */
static int parse_dec(const char *s, uint32_t max, uint32_t *v, const char **end)
{
	uint64_t acc = 0;
	const char *p = s;

	if (*p < '0' || *p > '9') {
		return IAP_ERR_INVAL;
	}
	while (*p >= '0' && *p <= '9') {
		acc = acc * 10u + (uint64_t)(*p - '0');
		if (acc > max) {
			return IAP_ERR_INVAL;
		}
		p++;
	}
	*v = (uint32_t)acc;
	*end = p;
	return 0;
}

int iap_parse_version(const char *s, struct iap_version *v)
{
	uint32_t ma, mi, pa, build = 0;
	const char *p;

	if (!s || parse_dec(s, 0xFFu, &ma, &p) < 0 || *p++ != '.' ||
	    parse_dec(p, 0xFFu, &mi, &p) < 0 || *p++ != '.' ||
	    parse_dec(p, 0xFFFFu, &pa, &p) < 0) {
		return IAP_ERR_INVAL;
	}
	if (*p == '+') {
		if (parse_dec(p + 1, 0xFFFFFFFFu, &build, &p) < 0) {
			return IAP_ERR_INVAL;
		}
	}
	if (*p != '\0') {
		return IAP_ERR_INVAL;
	}
	v->major = (uint8_t)ma;
	v->minor = (uint8_t)mi;
	v->patch = (uint16_t)pa;
	v->build = build;
	return 0;
}

/*
 * "0x" (or "0X") then hex digits, otherwise decimal. A leading zero does
 * not mean octal: "010" is ten, which is what a person typing it means.
 */
int iap_parse_u32(const char *s, uint32_t *v)
{
	uint64_t acc = 0;
	const char *p;

	if (!s) {
		return IAP_ERR_INVAL;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		p = s + 2;
		if (*p == '\0') {
			return IAP_ERR_INVAL;
		}
		for (; *p; p++) {
			int d = hex_nibble(*p);

			if (d < 0) {
				return IAP_ERR_INVAL;
			}
			acc = acc << 4 | (uint64_t)d;
			if (acc > 0xFFFFFFFFu) {
				return IAP_ERR_INVAL;
			}
		}
		*v = (uint32_t)acc;
		return 0;
	}

	uint32_t d;

	if (parse_dec(s, 0xFFFFFFFFu, &d, &p) < 0 || *p != '\0') {
		return IAP_ERR_INVAL;
	}
	*v = d;
	return 0;
}
