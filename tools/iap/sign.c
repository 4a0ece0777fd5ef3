/*
 * iap sign, iap verify - Ed25519 signatures of .iap images on the host.
 * The signature covers the first IAP_IMAGE_SIGNED_SIZE bytes of the header,
 * among them the payload's SHA-256, so verifying means: the file loads
 * (header CRC, sizes, payload hash as `iap info` checks them), then the
 * signature over the header verifies with one of the given public keys.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iap/iap_err.h"
#include "iap/iap_image.h"
#include "iap_cli.h"
#include "sigkey.h"

static void sign_usage(FILE *out)
{
	fprintf(out,
		"usage: iap sign --key KEY.pem --key-id N INPUT.iap -o "
		"OUTPUT.iap\n"
		"\n"
		"Sign an .iap image with an Ed25519 private key (or replace "
		"its\n"
		"signature). The image must be intact: its payload must match "
		"the\n"
		"SHA-256 in its header. OUTPUT may be INPUT.\n"
		"\n"
		"options:\n"
		"  -k, --key FILE      Ed25519 private key, PEM (required)\n"
		"      --key-id N      nonzero id the bootloader knows the key "
		"by (required)\n"
		"  -o, --output FILE   the signed .iap file to write "
		"(required)\n"
		"  -h, --help          show this text\n"
		"\n"
		"Numbers are decimal or 0x-prefixed hex. Exit status: 0 ok, "
		"1 failure,\n"
		"2 usage error.\n");
}

enum { OPT_KEYID = 256, OPT_PUB };

int iap_cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"key-id", required_argument, NULL, OPT_KEYID},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *keyfile = NULL, *in, *out = NULL;
	char err[IAP_ERRMSG_SIZE];
	struct iap_image_hdr h;
	uint32_t key_id = 0, old_id;
	uint32_t old_type;
	uint8_t *payload;
	EVP_PKEY *key;
	int have_id = 0, c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keyfile = optarg;
			break;
		case OPT_KEYID:
			if (iap_parse_key_id(optarg, &key_id) < 0) {
				return iap_usage_error(
					"sign",
					"bad key id '%s' (a nonzero 32-bit "
					"number)",
					optarg);
			}
			have_id = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			sign_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'iap sign --help'.\n");
			return 2;
		}
	}
	if (optind >= argc) {
		return iap_usage_error("sign", "no input file");
	}
	if (optind + 1 < argc) {
		return iap_usage_error("sign",
				       "one input file only, got also '%s'",
				       argv[optind + 1]);
	}
	if (!keyfile) {
		return iap_usage_error("sign", "no key (--key KEY.pem)");
	}
	if (!have_id) {
		return iap_usage_error("sign", "no key id (--key-id N, the id "
					       "the bootloader knows the key "
					       "by)");
	}
	if (!out) {
		return iap_usage_error("sign",
				       "no output file (-o OUTPUT.iap)");
	}
	in = argv[optind];
	if (!strcmp(keyfile, out)) {
		return iap_usage_error("sign",
				       "the output would replace the key '%s'",
				       keyfile);
	}

	if (iap_key_load_private(keyfile, &key, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	r = iap_file_load(in, &h, &payload, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		EVP_PKEY_free(key);
		return 1;
	}
	old_id = h.key_id;
	old_type = h.sig_type;
	r = iap_image_sign(&h, key, key_id, keyfile, err, sizeof(err));
	EVP_PKEY_free(key);
	if (r == 0) {
		r = iap_file_save(out, &h, payload, err, sizeof(err));
	}
	free(payload);
	if (r < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s -> %s: signed (Ed25519, key id %u)", in, out, key_id);
	if (old_type != IAP_SIG_NONE) {
		printf(", replacing a signature (type %u, key id %u)", old_type,
		       old_id);
	}
	printf("\n");
	return 0;
}

/* ------------------------------------------------------------------ */

struct pubkey {
	const char *path;
	uint32_t key_id; /* 0: not tied to an id, tried for any */
	EVP_PKEY *key;
};

static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: iap verify --pub KEY.pub.pem [--key-id N] [--pub ... "
		"[--key-id N]] FILE.iap...\n"
		"\n"
		"Check the Ed25519 signature of .iap images, and their header "
		"CRC and\n"
		"payload SHA-256 as 'iap info' does. Prints one verdict line "
		"per file,\n"
		"e.g. 'app.iap: signature OK (Ed25519, key id 1)'.\n"
		"\n"
		"options:\n"
		"  -p, --pub FILE      a public key PEM (a private key PEM "
		"also works: its\n"
		"                      public half is used); repeat for "
		"several keys\n"
		"      --key-id N      the key id of the --pub before it: "
		"that key is then\n"
		"                      only used for images naming this id; "
		"without it a\n"
		"                      key is tried whatever the image's key "
		"id\n"
		"  -h, --help          show this text\n"
		"\n"
		"Exit status: 0 every file is signed and verifies, 1 "
		"otherwise (unsigned,\n"
		"signature INVALID, no key for it, damaged file), 2 usage "
		"error.\n");
}

/* One file: the verdict on stdout. Returns 0 when the signature is OK. */
static int verify_file(const char *path, const struct pubkey *keys,
		       unsigned nkeys)
{
	char err[IAP_ERRMSG_SIZE];
	uint8_t raw[IAP_IMAGE_HDR_SIZE];
	struct iap_image_hdr h;
	unsigned tried = 0;
	uint8_t *payload;

	if (iap_file_load(path, &h, &payload, err, sizeof(err)) < 0) {
		printf("%s\n", err);
		return 1;
	}
	free(payload);
	if (h.sig_type == IAP_SIG_NONE) {
		printf("%s: unsigned\n", path);
		return 1;
	}
	if (h.sig_type != IAP_SIG_ED25519) {
		printf("%s: unknown signature type %u (key id %u): cannot "
		       "check it\n",
		       path, h.sig_type, h.key_id);
		return 1;
	}
	if (h.key_id == 0) {
		printf("%s: signature INVALID (Ed25519 with key id 0)\n", path);
		return 1;
	}
	/* Decoding is lossless: these are the bytes in the file. */
	iap_image_hdr_encode(&h, raw);
	for (unsigned i = 0; i < nkeys; i++) {
		if (keys[i].key_id != 0 && keys[i].key_id != h.key_id) {
			continue;
		}
		tried++;
		if (iap_image_sig_check(raw, keys[i].key) == 0) {
			printf("%s: signature OK (Ed25519, key id %u)\n", path,
			       h.key_id);
			return 0;
		}
	}
	if (tried == 0) {
		printf("%s: signed with key id %u, but no --pub key matches "
		       "(key ids given: ",
		       path, h.key_id);
		for (unsigned i = 0; i < nkeys; i++) {
			printf("%s%u", i ? ", " : "", keys[i].key_id);
		}
		printf(")\n");
		return 1;
	}
	printf("%s: signature INVALID (Ed25519, key id %u; %u key%s tried)\n",
	       path, h.key_id, tried, tried == 1 ? "" : "s");
	return 1;
}

int iap_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pub", required_argument, NULL, 'p'},
		{"key-id", required_argument, NULL, OPT_KEYID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct pubkey keys[IAP_KEYS_MAX];
	char err[IAP_ERRMSG_SIZE];
	unsigned nkeys = 0;
	int c, rc = 0, id_set = 0;

	memset(keys, 0, sizeof(keys));
	optind = 0;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (nkeys == IAP_KEYS_MAX) {
				return iap_usage_error("verify",
						       "more than %u keys",
						       IAP_KEYS_MAX);
			}
			keys[nkeys++].path = optarg;
			id_set = 0;
			break;
		case OPT_KEYID:
			if (nkeys == 0 || id_set) {
				return iap_usage_error(
					"verify",
					"--key-id %s must follow the --pub it "
					"names",
					optarg);
			}
			if (iap_parse_key_id(optarg, &keys[nkeys - 1].key_id) <
			    0) {
				return iap_usage_error(
					"verify",
					"bad key id '%s' (a nonzero 32-bit "
					"number)",
					optarg);
			}
			id_set = 1;
			break;
		case 'h':
			verify_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'iap verify --help'.\n");
			return 2;
		}
	}
	if (nkeys == 0) {
		return iap_usage_error("verify",
				       "no public key (--pub KEY.pub.pem)");
	}
	if (optind >= argc) {
		return iap_usage_error("verify", "no image given");
	}
	for (unsigned i = 0; i < nkeys; i++) {
		if (iap_key_load_public(keys[i].path, &keys[i].key, err,
					sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
			goto out;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (verify_file(argv[i], keys, nkeys) != 0) {
			rc = 1;
		}
	}
out:
	for (unsigned i = 0; i < nkeys; i++) {
		EVP_PKEY_free(keys[i].key);
	}
	return rc;
}
