/*
 * iap - what the commands that talk to a device share (iap flash, iap
 * status): calling it until it answers, printing what INFO says, saying why
 * a request failed. me is the command's name for messages ("iap flash").
 */
#ifndef IAP_DEVICE_H
#define IAP_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "iap/iap_proto.h"
#include "serial.h"

#define IAP_DEV_WAIT_NOTICE_MS 500u /* say "reset the device" after this */

/** "1.2.3+4", or "1.2.3" when build is 0. */
void iap_fmt_version(char *buf, size_t len, unsigned int major,
		     unsigned int minor, unsigned int patch,
		     unsigned long build);
/** A loader version word (0x00MMmmpp) as "M.m.p". */
void iap_fmt_loader(char *buf, size_t len, uint32_t v);

/** The device's INFO as the lines iap flash prints before an update. */
void iap_dev_print(const struct iap_info *in);

/**
 * iap_dev_print_trust() - what the device requires of signatures and its
 * anti-rollback record, a line each after indent; nothing for an open
 * device.
 */
void iap_dev_print_trust(const struct iap_info *in, const char *indent);

/** What the last boot did, in words ("reverted to the previous image"). */
const char *iap_dev_boot_event_str(uint8_t ev);

/**
 * iap_dev_check() - the protocol version and geometry a transfer depends
 * on. Returns 0, or -1 once it has said what is wrong.
 */
int iap_dev_check(const char *me, const struct iap_info *in);

/**
 * iap_dev_report() - say why a request failed: the device's refusal,
 * silence after retries, or the line. cmd is the request ("START"), what
 * the same in the user's terms ("WRITE at offset 12288").
 */
void iap_dev_report(const char *me, const struct iap_client *cl,
		    const struct iap_serial *port, const char *port_name,
		    const char *cmd, const char *what, int err);

/**
 * iap_dev_hello() - send INFO until the device answers, for wait_ms; after
 * IAP_DEV_WAIT_NOTICE_MS, unless quiet, ask the user to reset the device.
 * Returns 0 (cl->info holds the answer) or -1 once it has said why.
 */
int iap_dev_hello(const char *me, struct iap_client *cl,
		  struct iap_serial *port, const char *port_name,
		  uint32_t wait_ms, int quiet);

/*
 * iap_dev_baud_up() - switch the line up to the first rate of rates[n]
 * (fastest first) that the device takes and that proves itself: BAUD at
 * the current rate, both ends switch, three INFO round trips at the new
 * rate. A rate that fails is dropped and both ends fall back by
 * themselves (the device after IAP_BAUD_PROVE_MS, or IAP_BAUD_IDLE_MS if
 * it heard the host but the host did not hear it); the next is tried.
 * Returns the rate the line runs at now (the old one when none worked or
 * the device cannot switch), or 0 when the device is lost (said).
 */
uint32_t iap_dev_baud_up(const char *me, struct iap_client *cl,
			 struct iap_serial *port, const uint32_t *rates,
			 unsigned int n, int quiet);

#endif /* IAP_DEVICE_H */
