/*
 * iap status - ask a device what it holds and what its bootloader did at
 * the last boot, without changing anything: the installed image (confirmed
 * or on trial), the staged one, the install strategy and the boot record.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "device.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap_cli.h"
#include "serial.h"

#define ME		"iap status"
#define EXIT_FAIL	1
#define EXIT_USAGE	2
#define DEFAULT_BAUD	115200u
#define DEFAULT_WAIT_MS 5000u

struct status_opts {
	const char *port;
	uint32_t baud;
	uint32_t wait_ms;
	int boot;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iap status --port PORT [OPTIONS]\n"
		"\n"
		"Ask a device in its bootloader (or an application that serves "
		"the\n"
		"protocol) what it holds: the installed image and whether it "
		"is on\n"
		"trial, the staged image, and what the bootloader did at the "
		"last boot.\n"
		"Nothing is written. The bootloader stays in update mode until "
		"its idle\n"
		"timeout starts the application, or at once with --boot.\n"
		"\n"
		"options:\n"
		"  -p, --port PORT   serial port (/dev/ttyUSB0, COM3, "
		"/dev/pts/N ...)\n"
		"  -b, --baud N      line speed (default %u)\n"
		"  -w, --wait MS     how long to keep calling the device "
		"(default %u)\n"
		"      --boot        then send BOOT: leave the bootloader\n"
		"  -h, --help        this text\n"
		"\n"
		"exit status: 0 answered, 1 failed (port, no answer), 2 usage "
		"error\n",
		DEFAULT_BAUD, DEFAULT_WAIT_MS);
}

static int parse_opts(int argc, char **argv, struct status_opts *o)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"baud", required_argument, NULL, 'b'},
		{"wait", required_argument, NULL, 'w'},
		{"boot", no_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->baud = DEFAULT_BAUD;
	o->wait_ms = DEFAULT_WAIT_MS;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:b:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->port = optarg;
			break;
		case 'b':
			if (iap_parse_u32(optarg, &o->baud) || !o->baud) {
				return iap_usage_error(
					"status", "bad --baud '%s'", optarg);
			}
			break;
		case 'w':
			if (iap_parse_u32(optarg, &o->wait_ms)) {
				return iap_usage_error(
					"status", "bad --wait '%s'", optarg);
			}
			break;
		case 'B':
			o->boot = 1;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		return iap_usage_error("status", "unexpected argument '%s'",
				       argv[optind]);
	}
	if (!o->port) {
		return iap_usage_error("status",
				       "--port is required ('iap list-ports' "
				       "shows them)");
	}
	return 0;
}

static const char *install_str(uint8_t kind)
{
	switch (kind) {
	case IAP_INSTALL_OVERWRITE:
		return "overwrite (the staged image is copied over the "
		       "installed one)";
	case IAP_INSTALL_SWAP:
		return "swap with revert (a new image runs on trial until it "
		       "confirms itself)";
	default:
		return "none (single slot: updates replace the application "
		       "directly)";
	}
}

static const char *role_str(const struct iap_info *in)
{
	switch (in->stage_state) {
	case IAP_STAGE_PENDING:
		return "pending: installed at the next boot";
	case IAP_STAGE_INSTALLED:
		if (in->stage_role == IAP_ROLE_OLD) {
			return "the previous image, kept for a revert";
		}
		if (in->stage_role == IAP_ROLE_REJECTED) {
			return "reverted: it never confirmed itself";
		}
		return "already installed";
	default:
		return "";
	}
}

static void print_status(const struct iap_info *in)
{
	char loader[16], ver[48];

	iap_fmt_loader(loader, sizeof(loader), in->loader_version);
	printf("answered by:  %s (loader %s, protocol v%u)\n",
	       (in->caps & IAP_CAP_APP) ? "the running application"
					: "the bootloader",
	       loader, in->proto_version);
	printf("board id:     0x%08lx%s\n", (unsigned long)in->board_id,
	       in->board_id ? "" : " (any)");
	if (in->app_valid) {
		iap_fmt_version(ver, sizeof(ver), in->app_ver_major,
				in->app_ver_minor, in->app_ver_patch,
				(unsigned long)in->app_ver_build);
	} else {
		snprintf(ver, sizeof(ver), "none");
	}
	printf("installed:    %s at 0x%08lx (slot %lu bytes)", ver,
	       (unsigned long)in->app_addr, (unsigned long)in->app_size);
	if (in->app_valid && in->app_state == IAP_IMAGE_TEST) {
		printf(", on trial: %u boot(s) left before a revert",
		       (unsigned)in->boots_left);
	} else if (in->app_valid && in->app_state == IAP_IMAGE_CONFIRMED) {
		printf(", confirmed");
	}
	printf("\n");
	if (in->state == IAP_STATE_RECEIVING) {
		printf("update:       interrupted (an upload was started and "
		       "not finished)\n");
	}
	printf("install:      %s\n", install_str(in->install));
	if (in->caps & IAP_CAP_STAGE) {
		if (in->stage_state != IAP_STAGE_EMPTY) {
			iap_fmt_version(ver, sizeof(ver), in->stage_ver_major,
					in->stage_ver_minor,
					in->stage_ver_patch,
					(unsigned long)in->stage_ver_build);
			printf("staged:       %s at 0x%08lx, %s\n", ver,
			       (unsigned long)in->stage_addr, role_str(in));
		} else {
			printf("staged:       none (slot 0x%08lx, %lu "
			       "bytes)\n",
			       (unsigned long)in->stage_addr,
			       (unsigned long)in->stage_size);
		}
	}
	printf("last boot:    %s", iap_dev_boot_event_str(in->boot_event));
	if (in->boot_err) {
		printf(": %s (%s)", iap_strerror(in->boot_err),
		       iap_err_name(in->boot_err));
	}
	printf("\n");
	if (in->trust) {
		iap_dev_print_trust(in, "trust:        ");
	} else {
		printf("trust:        signatures not required (an open "
		       "device)\n");
	}
}

int iap_cmd_status(int argc, char **argv)
{
	struct status_opts o;
	struct iap_serial *port = NULL;
	struct iap_client *cl = NULL;
	char err[IAP_ERRMSG_SIZE];
	struct timespec ts;
	int rc = parse_opts(argc, argv, &o);

	if (rc) {
		return rc < 0 ? 0 : rc;
	}
	rc = EXIT_FAIL;
	if (iap_serial_open(&port, o.port, o.baud, err, sizeof(err))) {
		fprintf(stderr, ME ": %s\n", err);
		return EXIT_FAIL;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		fprintf(stderr, ME ": out of memory\n");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	iap_client_init(cl, iap_serial_write, iap_serial_read, port,
			(uint8_t)((uint64_t)ts.tv_nsec ^ (uint64_t)getpid()));
	if (iap_dev_hello(ME, cl, port, o.port, o.wait_ms, 0)) {
		goto out;
	}
	print_status(&cl->info);
	if (o.boot) {
		int e = iap_client_boot(cl);

		if (e) {
			iap_dev_report(ME, cl, port, o.port, "BOOT", "BOOT", e);
			goto out;
		}
		printf("boot:         sent; the device leaves the "
		       "bootloader\n");
	}
	rc = 0;
out:
	free(cl);
	iap_serial_close(port);
	return rc;
}
