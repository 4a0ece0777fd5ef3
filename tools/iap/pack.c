/*
 * iap pack - wrap a firmware file (.bin, Intel HEX, ELF) into an .iap image:
 * the 256-byte metadata header followed by the payload. The payload's
 * vector table is checked here so that an image linked for the wrong
 * address is refused on the desk, not by the bootloader after an erase.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap/iap_proto.h"
#include "iap/iap_sha256.h"
#include "iap_cli.h"
#include "pack.h"
#include "sigkey.h"

/* Where any Cortex-M keeps SRAM (the ARMv7-M "SRAM" region). */
#define RAM_LO 0x20000000u
#define RAM_HI 0x3FFFFFFFu
/* Core-coupled RAM (STM32F3/F4/G4 CCM) at 0x10000000, up to 64 KiB. */
#define CCM_LO 0x10000000u
#define CCM_HI 0x10010000u

static void pack_usage(FILE *out)
{
	fprintf(out,
		"usage: iap pack [OPTIONS] INPUT -o OUTPUT.iap\n"
		"\n"
		"Wrap a firmware file into an .iap image for 'iap flash'.\n"
		"INPUT is a raw binary, an Intel HEX file or an ELF file.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE       the .iap file to write (required)\n"
		"  -a, --addr ADDR         load address; required for a raw "
		"binary,\n"
		"                          checked against a HEX/ELF file\n"
		"      --version X.Y.Z[+B] image version (default 0.0.0)\n"
		"      --board-id N        board the image is for (default 0 = "
		"any)\n"
		"      --min-loader X.Y.Z  oldest bootloader that may install "
		"it\n"
		"      --security-counter N  anti-rollback counter (default "
		"0): a device\n"
		"                          whose record is higher refuses the "
		"image\n"
		"  -f, --format FMT        bin, hex, elf or auto (default "
		"auto)\n"
		"  -k, --key FILE          sign with this Ed25519 private key "
		"(PEM)\n"
		"      --key-id N          nonzero id the bootloader knows the "
		"key by\n"
		"                          (required with --key)\n"
		"  -h, --help              show this text\n"
		"\n"
		"Numbers are decimal or 0x-prefixed hex. Exit status: 0 ok, "
		"1 failure,\n"
		"2 usage error.\n");
}

#define usage_error(...) iap_usage_error("pack", __VA_ARGS__)

static int parse_format(const char *s, enum iap_input_fmt *fmt)
{
	static const struct {
		const char *name;
		enum iap_input_fmt fmt;
	} names[] = {{"auto", IAP_FMT_AUTO},
		     {"bin", IAP_FMT_BIN},
		     {"hex", IAP_FMT_HEX},
		     {"ihex", IAP_FMT_HEX},
		     {"elf", IAP_FMT_ELF}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return IAP_ERR_INVAL;
}

/*
 * What the bootloader checks again before it jumps, said here with the
 * numbers a developer needs: the initial stack pointer must be in RAM and
 * the reset handler a Thumb address inside the image.
 */
int iap_check_vectors(const char *name, const uint8_t *data, uint32_t size,
		      uint32_t addr, const char *hint, char *err, size_t errlen)
{
	uint32_t sp, pc;
	uint64_t end = (uint64_t)addr + size;

	if (size < 8) {
		snprintf(err, errlen,
			 "%s: %u bytes is too small to hold a vector table",
			 name, size);
		return IAP_ERR_NOEXEC;
	}
	sp = iap_get_le32(data);
	pc = iap_get_le32(data + 4);
	if (!((sp >= RAM_LO && sp <= RAM_HI) ||
	      (sp >= CCM_LO && sp <= CCM_HI)) ||
	    (sp & 3u) != 0) {
		snprintf(err, errlen,
			 "%s: initial stack pointer 0x%08x is not a "
			 "word-aligned RAM address (0x%08x..0x%08x, or CCM "
			 "0x%08x..0x%08x): not a Cortex-M vector table?",
			 name, sp, RAM_LO, RAM_HI, CCM_LO, CCM_HI);
		return IAP_ERR_NOEXEC;
	}
	if ((pc & 1u) == 0) {
		snprintf(err, errlen,
			 "%s: reset vector 0x%08x lacks the Thumb bit: not a "
			 "Cortex-M vector table?",
			 name, pc);
		return IAP_ERR_NOEXEC;
	}
	if ((pc & ~1u) < (uint64_t)addr + 8u || (pc & ~1u) >= end) {
		snprintf(
			err, errlen,
			"%s: reset vector 0x%08x is outside the image "
			"(0x%08x..0x%08llx): linked for another address?%s%s%s",
			name, pc, addr, (unsigned long long)end,
			hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		return IAP_ERR_RANGE;
	}
	return 0;
}

int iap_pack_payload(const char *name, const uint8_t *data, uint32_t size,
		     uint32_t addr, const char *hint, struct iap_image_hdr *h,
		     char *err, size_t errlen)
{
	int r;

	if (size == 0) {
		snprintf(err, errlen, "%s: the image is empty", name);
		return IAP_ERR_INVAL;
	}
	if ((uint64_t)addr + size > 0x100000000ull) {
		snprintf(err, errlen,
			 "%s: %u bytes at 0x%08x run past the 32-bit address "
			 "space",
			 name, size, addr);
		return IAP_ERR_RANGE;
	}
	r = iap_check_vectors(name, data, size, addr, hint, err, errlen);
	if (r < 0) {
		return r;
	}
	h->image_size = size;
	h->load_addr = addr;
	iap_sha256(data, size, h->sha256);
	return 0;
}

static void print_summary(const char *in, const char *out,
			  const struct iap_image_hdr *h)
{
	const struct iap_version *v = &h->version;

	printf("%s -> %s\n", in, out);
	printf("  size        %u bytes\n", h->image_size);
	printf("  load addr   0x%08x\n", h->load_addr);
	printf("  version     %u.%u.%u+%u\n", v->major, v->minor, v->patch,
	       v->build);
	if (h->board_id) {
		printf("  board id    %u (0x%08x)\n", h->board_id, h->board_id);
	}
	if (h->min_loader) {
		printf("  min loader  %u.%u.%u\n", h->min_loader >> 16 & 0xFFu,
		       h->min_loader >> 8 & 0xFFu, h->min_loader & 0xFFu);
	}
	if (h->security_counter) {
		printf("  security    counter %u\n", h->security_counter);
	}
	printf("  sha256      ");
	for (unsigned i = 0; i < IAP_IMAGE_HASH_SIZE; i++) {
		printf("%02x", h->sha256[i]);
	}
	printf("\n");
	if (h->sig_type == IAP_SIG_ED25519) {
		printf("  signed      Ed25519, key id %u\n", h->key_id);
	}
}

enum { OPT_VERSION = 256, OPT_BOARD, OPT_MINLDR, OPT_KEYID, OPT_SECCNT };

int iap_cmd_pack(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"addr", required_argument, NULL, 'a'},
		{"version", required_argument, NULL, OPT_VERSION},
		{"board-id", required_argument, NULL, OPT_BOARD},
		{"min-loader", required_argument, NULL, OPT_MINLDR},
		{"security-counter", required_argument, NULL, OPT_SECCNT},
		{"format", required_argument, NULL, 'f'},
		{"key", required_argument, NULL, 'k'},
		{"key-id", required_argument, NULL, OPT_KEYID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	enum iap_input_fmt fmt = IAP_FMT_AUTO;
	struct iap_image_hdr h;
	struct iap_blob blob;
	struct iap_version minv;
	const char *in, *out = NULL, *keyfile = NULL;
	char err[IAP_ERRMSG_SIZE];
	uint32_t addr = 0, key_id = 0;
	EVP_PKEY *key = NULL;
	int have_addr = 0, have_id = 0, c, r;

	memset(&h, 0, sizeof(h));
	/* 0 makes GNU getopt start afresh, so the command can run twice. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:a:f:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'a':
			if (iap_parse_u32(optarg, &addr) < 0) {
				return usage_error("bad address '%s'", optarg);
			}
			have_addr = 1;
			break;
		case OPT_VERSION:
			if (iap_parse_version(optarg, &h.version) < 0) {
				return usage_error(
					"bad version '%s' (want X.Y.Z or "
					"X.Y.Z+BUILD; X, Y <= 255, Z <= 65535)",
					optarg);
			}
			break;
		case OPT_BOARD:
			if (iap_parse_u32(optarg, &h.board_id) < 0) {
				return usage_error("bad board id '%s'", optarg);
			}
			break;
		case OPT_SECCNT:
			if (iap_parse_u32(optarg, &h.security_counter) < 0) {
				return usage_error("bad security counter '%s'",
						   optarg);
			}
			break;
		case OPT_MINLDR:
			if (iap_parse_version(optarg, &minv) < 0 ||
			    minv.patch > 0xFFu || minv.build != 0 ||
			    strchr(optarg, '+')) {
				return usage_error(
					"bad bootloader version '%s' (want "
					"X.Y.Z, each <= 255)",
					optarg);
			}
			h.min_loader = IAP_LOADER_VERSION(
				minv.major, minv.minor, minv.patch);
			break;
		case 'f':
			if (parse_format(optarg, &fmt) < 0) {
				return usage_error(
					"unknown format '%s' (bin, hex, elf, "
					"auto)",
					optarg);
			}
			break;
		case 'k':
			keyfile = optarg;
			break;
		case OPT_KEYID:
			if (iap_parse_key_id(optarg, &key_id) < 0) {
				return usage_error("bad key id '%s' (a nonzero "
						   "32-bit number)",
						   optarg);
			}
			have_id = 1;
			break;
		case 'h':
			pack_usage(stdout);
			return 0;
		default:
			/* getopt has already said what was wrong. */
			fprintf(stderr, "Try 'iap pack --help'.\n");
			return 2;
		}
	}
	if (optind >= argc) {
		return usage_error("no input file");
	}
	if (optind + 1 < argc) {
		return usage_error("one input file only, got also '%s'",
				   argv[optind + 1]);
	}
	if (!out) {
		return usage_error("no output file (-o OUTPUT.iap)");
	}
	in = argv[optind];
	if (!strcmp(in, out)) {
		return usage_error("the output would replace the input '%s'",
				   in);
	}
	if (fmt == IAP_FMT_BIN && !have_addr) {
		return usage_error("a raw binary needs --addr (e.g. --addr "
				   "0x08004000)");
	}
	if (keyfile && !have_id) {
		return usage_error("--key needs --key-id N (the id the "
				   "bootloader knows the key by)");
	}
	if (have_id && !keyfile) {
		return usage_error("--key-id without --key KEY.pem");
	}
	if (keyfile && !strcmp(keyfile, out)) {
		return usage_error("the output would replace the key '%s'",
				   keyfile);
	}
	/* A bad key is found before any work, and no file is written. */
	if (keyfile &&
	    iap_key_load_private(keyfile, &key, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}

	r = iap_blob_load(in, fmt, &blob, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		EVP_PKEY_free(key);
		return 1;
	}
	if (!blob.addr_known && !have_addr) {
		iap_blob_free(&blob);
		EVP_PKEY_free(key);
		return usage_error("%s is a raw binary: give its load address "
				   "with --addr (e.g. --addr 0x08004000)",
				   in);
	}
	if (blob.addr_known && have_addr && blob.addr != addr) {
		fprintf(stderr,
			"%s: data starts at 0x%08x, but --addr says 0x%08x\n",
			in, blob.addr, addr);
		iap_blob_free(&blob);
		EVP_PKEY_free(key);
		return 1;
	}
	if (blob.addr_known) {
		addr = blob.addr;
	}
	r = iap_pack_payload(in, blob.data, blob.size, addr, "--addr", &h, err,
			     sizeof(err));
	if (r == 0 && key) {
		r = iap_image_sign(&h, key, key_id, keyfile, err, sizeof(err));
	}
	EVP_PKEY_free(key);
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		iap_blob_free(&blob);
		return 1;
	}
	r = iap_file_save(out, &h, blob.data, err, sizeof(err));
	iap_blob_free(&blob);
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	print_summary(in, out, &h);
	return 0;
}
