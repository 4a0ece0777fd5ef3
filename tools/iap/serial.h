/*
 * iap - serial transport for the protocol client: libserialport for real
 * ports on Linux, macOS and Windows, and a POSIX termios path for
 * pseudo-terminals (the simulator's), which libserialport does not open.
 */
#ifndef IAP_SERIAL_H
#define IAP_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct iap_serial;

/**
 * iap_serial_open() - open the port called name at baud, 8N1, no flow
 * control, input flushed. *out is malloc'd. Returns 0, IAP_ERR_NOENT (no
 * such port), IAP_ERR_PERM (access denied), IAP_ERR_INVAL (baud rate not
 * accepted) or IAP_ERR_IO, with a one-line reason in err such as
 * "cannot open /dev/ttyUSB0: No such file or directory".
 */
int iap_serial_open(struct iap_serial **out, const char *name, uint32_t baud,
		    char *err, size_t errlen);

/** Close the port and free s (NULL is fine). */
void iap_serial_close(struct iap_serial *s);

/**
 * iap_serial_set_baud() - switch the open port to baud once what was
 * written has left, then drop whatever input is pending (bytes at the
 * turn are garbage). Returns 0, IAP_ERR_INVAL (rate not accepted: the port
 * keeps its rate) or IAP_ERR_IO.
 */
int iap_serial_set_baud(struct iap_serial *s, uint32_t baud);

/** The port's rate now. */
uint32_t iap_serial_baud(const struct iap_serial *s);

/** Transport write callback; ctx is the struct iap_serial. */
int iap_serial_write(void *ctx, const uint8_t *data, size_t len);

/** Transport read callback; ctx is the struct iap_serial. */
int iap_serial_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms);

/** The OS error text of the last failed serial call ("" if none). */
const char *iap_serial_last_error(const struct iap_serial *s);

#endif /* IAP_SERIAL_H */
