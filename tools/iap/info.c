/*
 * iap info - print an .iap image's metadata and check it. Unlike
 * iap_file_load(), which stops at the first problem, this shows every
 * field it can and then lists each check, so a damaged file can still be
 * identified.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iap/iap_crc.h"
#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"

#define HDR_CRC_OFF (IAP_IMAGE_HDR_SIZE - 4u)

static void info_usage(FILE *out)
{
	fprintf(out, "usage: iap info FILE.iap\n"
		     "\n"
		     "Print the metadata of an .iap image and check its header "
		     "CRC and\n"
		     "payload SHA-256. Exit status: 0 ok, 1 the file is bad, 2 "
		     "usage error.\n");
}

static void print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("%02x", p[i]);
	}
}

static void print_fields(const struct iap_image_hdr *h, const uint8_t *raw)
{
	const struct iap_version *v = &h->version;

	printf("  magic            IAPI ok\n");
	printf("  format           %u\n", iap_get_le16(raw + 4));
	printf("  flags            0x%08x\n", h->flags);
	printf("  size             %u bytes\n", h->image_size);
	printf("  load address     0x%08x\n", h->load_addr);
	printf("  version          %u.%u.%u+%u\n", v->major, v->minor, v->patch,
	       v->build);
	if (h->board_id) {
		printf("  board id         %u (0x%08x)\n", h->board_id,
		       h->board_id);
	} else {
		printf("  board id         0 (any)\n");
	}
	if (h->min_loader) {
		printf("  min loader       %u.%u.%u\n",
		       h->min_loader >> 16 & 0xFFu, h->min_loader >> 8 & 0xFFu,
		       h->min_loader & 0xFFu);
	} else {
		printf("  min loader       any\n");
	}
	printf("  security counter %u\n", h->security_counter);
	switch (h->sig_type) {
	case IAP_SIG_NONE:
		printf("  signature        none (unsigned)\n");
		break;
	case IAP_SIG_ED25519:
		printf("  signature        signed: Ed25519, key id %u\n"
		       "                   (not verified here: iap verify "
		       "--pub KEY)\n",
		       h->key_id);
		break;
	default:
		printf("  signature        unknown type %u, key id 0x%08x\n",
		       h->sig_type, h->key_id);
		break;
	}
	printf("  sha256           ");
	print_hex(h->sha256, IAP_IMAGE_HASH_SIZE);
	printf("\n");
}

/* Why iap_image_hdr_decode() said BADMSG, in words. */
static void report_badmsg(const char *path, const uint8_t *raw)
{
	uint32_t magic = iap_get_le32(raw);

	if (magic != IAP_IMAGE_MAGIC) {
		fprintf(stderr,
			"%s: not an .iap image (magic 0x%08x, expected "
			"0x%08x \"IAPI\")\n",
			path, magic, IAP_IMAGE_MAGIC);
	} else if (iap_get_le16(raw + 4) != IAP_IMAGE_FORMAT) {
		fprintf(stderr,
			"%s: image format %u is not supported (this tool reads "
			"format %u)\n",
			path, iap_get_le16(raw + 4), IAP_IMAGE_FORMAT);
	} else if (iap_get_le16(raw + 6) != IAP_IMAGE_HDR_SIZE) {
		fprintf(stderr, "%s: header size %u, expected %u\n", path,
			iap_get_le16(raw + 6), IAP_IMAGE_HDR_SIZE);
	} else {
		fprintf(stderr,
			"%s: header has unknown flags or non-zero reserved "
			"bytes (made by a newer tool?)\n",
			path);
	}
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	uint8_t *p;

	*buf = NULL;
	*len = 0;
	if (!f) {
		perror(path);
		return IAP_ERR_IO;
	}
	/* An image is at most 16 MiB: refuse to slurp anything far larger. */
	if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0 ||
	    sb.st_size > 64 * 1024 * 1024) {
		fprintf(stderr, "%s: not a plausible .iap file (size)\n", path);
		fclose(f);
		return IAP_ERR_FBIG;
	}
	p = malloc((size_t)sb.st_size + 1u);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", path);
		fclose(f);
		return IAP_ERR_IO;
	}
	*len = fread(p, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		perror(path);
		free(p);
		fclose(f);
		return IAP_ERR_IO;
	}
	fclose(f);
	*buf = p;
	return 0;
}

/* Print, check and report one file. Returns the exit code. */
static int info_file(const char *path)
{
	struct iap_image_hdr h;
	uint8_t fixed[IAP_IMAGE_HDR_SIZE];
	uint8_t digest[IAP_SHA256_SIZE];
	uint8_t *buf;
	size_t len, have;
	int r, bad = 0;

	if (read_file(path, &buf, &len) < 0) {
		return 1;
	}
	if (len >= 4 && iap_get_le32(buf) != IAP_IMAGE_MAGIC) {
		report_badmsg(path, buf);
		free(buf);
		return 1;
	}
	if (len < IAP_IMAGE_HDR_SIZE) {
		fprintf(stderr,
			"%s: truncated: %zu bytes, the header alone is %u\n",
			path, len, IAP_IMAGE_HDR_SIZE);
		free(buf);
		return 1;
	}

	/*
	 * A header with a bad CRC is still worth showing: decode a copy with
	 * the CRC recomputed, and report the mismatch below.
	 */
	uint32_t stored = iap_get_le32(buf + HDR_CRC_OFF);
	uint32_t computed = iap_crc32(0, buf, HDR_CRC_OFF);

	memcpy(fixed, buf, sizeof(fixed));
	iap_put_le32(fixed + HDR_CRC_OFF, computed);
	r = iap_image_hdr_decode(fixed, &h);
	if (r < 0) {
		report_badmsg(path, buf);
		free(buf);
		return 1;
	}

	printf("%s\n", path);
	print_fields(&h, buf);

	if (stored == computed) {
		printf("  header CRC       ok (0x%08x)\n", stored);
	} else {
		printf("  header CRC       BAD (stored 0x%08x, computed "
		       "0x%08x)\n",
		       stored, computed);
		fprintf(stderr,
			"%s: header CRC mismatch: the header is damaged\n",
			path);
		bad = 1;
	}

	have = len - IAP_IMAGE_HDR_SIZE;
	if (h.image_size == 0) {
		printf("  payload          BAD (empty)\n");
		fprintf(stderr, "%s: header says the payload is empty\n", path);
		bad = 1;
	} else if (have < h.image_size) {
		printf("  payload          BAD (truncated)\n");
		fprintf(stderr,
			"%s: truncated: header says %u payload bytes, file has "
			"%zu\n",
			path, h.image_size, have);
		bad = 1;
	} else {
		if (have > h.image_size) {
			printf("  payload          BAD (%zu trailing bytes)\n",
			       have - h.image_size);
			fprintf(stderr,
				"%s: %zu trailing bytes: header says %u "
				"payload "
				"bytes, file has %zu\n",
				path, have - h.image_size, h.image_size, have);
			bad = 1;
		}
		iap_sha256(buf + IAP_IMAGE_HDR_SIZE, h.image_size, digest);
		if (memcmp(digest, h.sha256, sizeof(digest)) == 0) {
			printf("  payload SHA-256  ok\n");
		} else {
			printf("  payload SHA-256  BAD (computed ");
			print_hex(digest, sizeof(digest));
			printf(")\n");
			fprintf(stderr,
				"%s: payload SHA-256 does not match the "
				"header\n",
				path);
			bad = 1;
		}
	}
	free(buf);
	return bad ? 1 : 0;
}

int iap_cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			info_usage(stdout);
			return 0;
		}
		fprintf(stderr, "Try 'iap info --help'.\n");
		return 2;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "iap info: %s\nTry 'iap info --help'.\n",
			optind >= argc ? "no file given"
				       : "one file at a time");
		return 2;
	}
	return info_file(argv[optind]);
}
