/*
 * iap - talking to a device: hello, INFO printed, failures explained
 * (device.h).
 */
#include <stdio.h>

#include "device.h"
#include "iap/iap_err.h"
#include "iap/iap_install.h"
#include "iap_cli.h"

/* "1.2.3+4", or "1.2.3" when there is no build number. */
void iap_fmt_version(char *buf, size_t len, unsigned int major,
		     unsigned int minor, unsigned int patch,
		     unsigned long build)
{
	if (build) {
		snprintf(buf, len, "%u.%u.%u+%lu", major, minor, patch, build);
	} else {
		snprintf(buf, len, "%u.%u.%u", major, minor, patch);
	}
}

void iap_fmt_loader(char *buf, size_t len, uint32_t v)
{
	snprintf(buf, len, "%u.%u.%u", (unsigned int)(v >> 16) & 0xFFu,
		 (unsigned int)(v >> 8) & 0xFFu, (unsigned int)v & 0xFFu);
}

static void fmt_size(char *buf, size_t len, uint32_t n)
{
	if (n % 1024u == 0) {
		snprintf(buf, len, "%lu KiB", (unsigned long)n / 1024u);
	} else {
		snprintf(buf, len, "%lu bytes", (unsigned long)n);
	}
}

const char *iap_dev_boot_event_str(uint8_t ev)
{
	switch (ev) {
	case IAP_EVENT_INSTALLED:
		return "installed an update";
	case IAP_EVENT_REFUSED:
		return "refused the staged image";
	case IAP_EVENT_INSTALL_FAILED:
		return "install failed";
	case IAP_EVENT_REVERTED:
		return "reverted to the previous image";
	case IAP_EVENT_TRIAL:
		return "booted the image on trial";
	default:
		return "nothing to install";
	}
}

static const char *stage_str(const struct iap_info *in)
{
	if (in->stage_state == IAP_STAGE_PENDING) {
		return " (pending)";
	}
	if (in->stage_state != IAP_STAGE_INSTALLED) {
		return "";
	}
	return in->stage_role == IAP_ROLE_OLD
		       ? " (previous image, for a revert)"
	       : in->stage_role == IAP_ROLE_REJECTED
		       ? " (reverted: it never confirmed itself)"
		       : " (installed)";
}

void iap_dev_print(const struct iap_info *in)
{
	char loader[16], inst[48], slot[32], trial[64] = "";

	iap_fmt_loader(loader, sizeof(loader), in->loader_version);
	fmt_size(slot, sizeof(slot), in->app_size);
	if (in->app_valid) {
		iap_fmt_version(inst, sizeof(inst), in->app_ver_major,
				in->app_ver_minor, in->app_ver_patch,
				(unsigned long)in->app_ver_build);
	} else {
		snprintf(inst, sizeof(inst), "none");
	}
	if (in->app_valid && in->app_state == IAP_IMAGE_TEST) {
		snprintf(trial, sizeof(trial),
			 " (on trial, %u boot(s) left before a revert)",
			 (unsigned)in->boots_left);
	}
	printf("device: iapboot loader %s, board id 0x%08lx%s, app slot "
	       "0x%08lx (%s), max frame %u, installed: %s%s%s\n",
	       loader, (unsigned long)in->board_id,
	       in->board_id ? "" : " (any)", (unsigned long)in->app_addr, slot,
	       in->max_payload, inst, trial,
	       in->state == IAP_STATE_RECEIVING ? " (update interrupted)" : "");
	if (!(in->caps & IAP_CAP_STAGE)) {
		iap_dev_print_trust(in, "        ");
		return;
	}
	fmt_size(slot, sizeof(slot), in->stage_size);
	if (in->stage_state) {
		iap_fmt_version(inst, sizeof(inst), in->stage_ver_major,
				in->stage_ver_minor, in->stage_ver_patch,
				(unsigned long)in->stage_ver_build);
	} else {
		snprintf(inst, sizeof(inst), "none");
	}
	printf("        staging slot 0x%08lx (%s), %s install, staged: %s%s; "
	       "last boot: %s%s%s\n",
	       (unsigned long)in->stage_addr, slot,
	       in->install == IAP_INSTALL_SWAP ? "swap" : "overwrite", inst,
	       stage_str(in), iap_dev_boot_event_str(in->boot_event),
	       in->boot_err ? ": " : "",
	       in->boot_err ? iap_strerror(in->boot_err) : "");
	iap_dev_print_trust(in, "        ");
}

void iap_dev_print_trust(const struct iap_info *in, const char *indent)
{
	if (in->trust & IAP_TRUST_INFO_SIGNED) {
		printf("%ssignatures required (Ed25519, %u key id(s)%s%s), "
		       "checked on receipt, at install%s\n",
		       indent, (unsigned)in->key_count,
		       in->trust & IAP_TRUST_INFO_SAMPLE ? ", the SAMPLE key"
							 : "",
		       in->trust & IAP_TRUST_INFO_SAMPLE ? " among them" : "",
		       in->trust & IAP_TRUST_INFO_BOOT_SIG
			       ? " and at every boot"
			       : "");
	}
	if (in->trust & IAP_TRUST_INFO_ROLLBACK) {
		printf("%santi-rollback record: security counter %lu "
		       "(installed image: %lu)\n",
		       indent, (unsigned long)in->rollback,
		       (unsigned long)in->app_counter);
	}
}

/* The geometry the transfer depends on; no --force skips these. */
int iap_dev_check(const char *me, const struct iap_info *in)
{
	/* Every version answers v1 requests; later ones add to them. */
	if (in->proto_version < 1u) {
		fprintf(stderr,
			"%s: the device speaks protocol v%u, this iap "
			"speaks v1 to v%u\n",
			me, in->proto_version, IAP_PROTO_VERSION);
		return -1;
	}
	if (in->max_payload < IAP_MIN_PAYLOAD || !in->write_size ||
	    in->write_size > 256u || (in->write_size & (in->write_size - 1u)) ||
	    in->write_size + IAP_WRITE_REQ_HDR > in->max_payload) {
		fprintf(stderr,
			"%s: the device reports an unusable geometry "
			"(max frame %u, write size %lu)\n",
			me, in->max_payload, (unsigned long)in->write_size);
		return -1;
	}
	if (in->trust & IAP_TRUST_INFO_SAMPLE) {
		fprintf(stderr,
			"%s: warning: the device trusts the public SAMPLE key "
			"(keys/sample.pem): anyone can sign images for it; "
			"build its bootloader with your own keys "
			"(docs/SIGNING.md)\n",
			me);
	}
	return 0;
}

/*
 * Say why a request failed: the device's own refusal, silence, or the
 * line. what is "START" or "WRITE at offset 12288".
 */
void iap_dev_report(const char *me, const struct iap_client *cl,
		    const struct iap_serial *port, const char *port_name,
		    const char *cmd, const char *what, int err)
{
	if (cl->answered) {
		fprintf(stderr, "%s: device refused %s: %s (%s, %d)\n", me,
			what, iap_strerror(err), iap_err_name(err), err);
	} else if (err == IAP_ERR_TIMEDOUT && cl->tries) {
		fprintf(stderr,
			"%s: no answer from the device after %u tries "
			"(%s)\n",
			me, cl->tries, what);
	} else if (err == IAP_ERR_IO || err == IAP_ERR_TIMEDOUT) {
		fprintf(stderr, "%s: %s: %s (%s)\n", me, port_name,
			iap_serial_last_error(port), what);
	} else {
		fprintf(stderr, "%s: %s failed: %s (%s, %d)\n", me, cmd,
			iap_strerror(err), iap_err_name(err), err);
	}
}

int iap_dev_hello(const char *me, struct iap_client *cl,
		  struct iap_serial *port, const char *port_name,
		  uint32_t wait_ms, int quiet)
{
	uint32_t first = wait_ms < IAP_DEV_WAIT_NOTICE_MS
				 ? wait_ms
				 : IAP_DEV_WAIT_NOTICE_MS;
	int err = iap_client_hello(cl, first);

	if (err == IAP_ERR_TIMEDOUT && wait_ms > first) {
		if (!quiet) {
			fprintf(stderr,
				"waiting for the device on %s (reset it now "
				"if it is running its application) ...\n",
				port_name);
		}
		err = iap_client_hello(cl, wait_ms - first);
	}
	if (!err) {
		return 0;
	}
	if (err == IAP_ERR_TIMEDOUT) {
		fprintf(stderr,
			"%s: no answer from the device on %s within %lu "
			"ms (is it in its bootloader? reset it during "
			"--wait)\n",
			me, port_name, (unsigned long)wait_ms);
	} else {
		iap_dev_report(me, cl, port, port_name, "INFO", "INFO", err);
	}
	return -1;
}

/* A few INFO round trips at the rate just switched to. */
static int baud_proves(struct iap_client *cl)
{
	for (int i = 0; i < 3; i++) {
		uint8_t body[IAP_INFO_SIZE];
		size_t len = 0;

		if (iap_client_request(cl, IAP_CMD_INFO, NULL, 0, body,
				       sizeof(body), &len, 200u, 1u) != 0) {
			return 0;
		}
	}
	return 1;
}

uint32_t iap_dev_baud_up(const char *me, struct iap_client *cl,
			 struct iap_serial *port, const uint32_t *rates,
			 unsigned int n, int quiet)
{
	uint32_t old = iap_serial_baud(port);

	if (!(cl->info.caps & IAP_CAP_BAUD)) {
		if (!quiet) {
			printf("line: %lu baud (the device cannot switch)\n",
			       (unsigned long)old);
		}
		return old;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint8_t req[IAP_BAUD_REQ_SIZE];
		int err;

		if (rates[i] <= old) {
			continue;
		}
		iap_put_le32(req, rates[i]);
		err = iap_client_request(cl, IAP_CMD_BAUD, req, sizeof(req),
					 NULL, 0, NULL, IAP_CLIENT_TIMEOUT_MS,
					 IAP_CLIENT_RETRIES);
		if (err == IAP_ERR_NOTSUP || err == IAP_ERR_RANGE) {
			continue; /* not from the device's clock */
		}
		if (err) {
			break; /* the line at the old rate is in trouble */
		}
		if (iap_serial_set_baud(port, rates[i]) == 0 &&
		    baud_proves(cl)) {
			if (!quiet) {
				printf("line: %lu baud (switched up from "
				       "%lu)\n",
				       (unsigned long)rates[i],
				       (unsigned long)old);
				fflush(stdout);
			}
			return rates[i];
		}
		/* Back to the old rate; the device comes back by itself. */
		if (iap_serial_set_baud(port, old) != 0 ||
		    iap_client_hello(cl, IAP_BAUD_IDLE_MS + 2000u) != 0) {
			fprintf(stderr,
				"%s: the device did not come back to %lu baud "
				"after a failed switch to %lu\n",
				me, (unsigned long)old,
				(unsigned long)rates[i]);
			return 0;
		}
		if (!quiet) {
			printf("line: %lu baud did not work, back at %lu\n",
			       (unsigned long)rates[i], (unsigned long)old);
		}
	}
	if (!quiet) {
		printf("line: %lu baud\n", (unsigned long)old);
	}
	return old;
}
