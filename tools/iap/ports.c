/*
 * iap list-ports - the serial ports libserialport finds, with what it knows
 * about each (description, USB VID:PID, serial number), so the right
 * adapter can be picked for --port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libserialport.h>

#include "iap_cli.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: iap list-ports\n"
		     "\n"
		     "List serial ports: name, description, USB VID:PID and "
		     "serial number\n"
		     "where known. Pseudo-terminals (such as iap-sim's) are "
		     "not listed.\n"
		     "\n"
		     "exit status: 0 (also when no port is found), 1 the "
		     "system could not be\n"
		     "asked, 2 usage error\n");
}

static int by_name(const void *a, const void *b)
{
	const struct sp_port *pa = *(struct sp_port *const *)a;
	const struct sp_port *pb = *(struct sp_port *const *)b;

	return strcmp(sp_get_port_name(pa), sp_get_port_name(pb));
}

static void print_port(const struct sp_port *p)
{
	const char *desc = sp_get_port_description(p);
	enum sp_transport tr = sp_get_port_transport(p);

	printf("%-16s", sp_get_port_name(p));
	if (desc && *desc) {
		printf("  %s", desc);
	}
	if (tr == SP_TRANSPORT_USB) {
		const char *serial = sp_get_port_usb_serial(p);
		int vid, pid;

		if (sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
			printf("  USB %04x:%04x", (unsigned int)vid,
			       (unsigned int)pid);
		} else {
			printf("  USB");
		}
		if (serial && *serial) {
			printf("  serial %s", serial);
		}
	} else if (tr == SP_TRANSPORT_BLUETOOTH) {
		const char *mac = sp_get_port_bluetooth_address(p);

		printf("  Bluetooth%s%s", mac ? " " : "", mac ? mac : "");
	}
	putchar('\n');
}

int iap_cmd_list_ports(int argc, char **argv)
{
	struct sp_port **list = NULL;
	enum sp_return r;
	size_t n = 0;

	(void)argv;
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "iap list-ports: unexpected argument '%s'\n",
			argv[1]);
		usage(stderr);
		return 2;
	}
	r = sp_list_ports(&list);
	if (r != SP_OK) {
		char *msg = sp_last_error_message();

		fprintf(stderr, "iap list-ports: cannot list ports: %s\n",
			r == SP_ERR_FAIL && msg ? msg : "not supported");
		sp_free_error_message(msg);
		return 1;
	}
	while (list[n]) {
		n++;
	}
	if (!n) {
		printf("no serial ports found\n");
	} else {
		qsort(list, n, sizeof(list[0]), by_name);
		for (size_t i = 0; i < n; i++) {
			print_port(list[i]);
		}
	}
	sp_free_port_list(list);
	return 0;
}
