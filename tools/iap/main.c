/*
 * iap - host tool for iapboot: pack, inspect and upload images.
 */
#include <stdio.h>
#include <string.h>

#include "iap_cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"pack", iap_cmd_pack, "wrap a .bin/.hex/.elf into an .iap image"},
	{"info", iap_cmd_info, "print an .iap image's metadata and check it"},
	{"keygen", iap_cmd_keygen, "make an Ed25519 key pair for signing"},
	{"sign", iap_cmd_sign, "sign an .iap image (Ed25519)"},
	{"verify", iap_cmd_verify, "check an .iap image's signature"},
	{"export-key", iap_cmd_export_key,
	 "public keys -> C table for the bootloader build"},
	{"flash", iap_cmd_flash, "upload an .iap image over a serial port"},
	{"status", iap_cmd_status,
	 "what a device holds and what its last boot did"},
	{"merge", iap_cmd_merge,
	 "bootloader + application -> one production image"},
	{"list-ports", iap_cmd_list_ports, "list serial ports"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: iap COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(out, "  %-11s %s\n", commands[i].name,
			commands[i].summary);
	}
	fprintf(out, "\n'iap COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("iap %d.%d.%d\n", IAP_LOADER_VERSION_MAJOR,
		       IAP_LOADER_VERSION_MINOR, IAP_LOADER_VERSION_PATCH);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "iap: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
