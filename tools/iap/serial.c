/*
 * iap - serial transport. Real ports go through libserialport so the tool
 * works the same on Linux, macOS and Windows. libserialport refuses
 * pseudo-terminals (on Linux it looks every port up in sysfs, where ptys are
 * absent), so a character device it does not know is opened with plain
 * termios instead: that is how the simulator's line is reached.
 */
#include <errno.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#endif

#include "iap/iap_err.h"
#include "serial.h"

struct iap_serial {
	struct sp_port *sp; /* libserialport path, else NULL */
	int fd;		    /* termios path, else -1 */
	uint32_t baud;
	char name[256];
	char last_err[160];
};

/* The text of libserialport's last failure. */
static void sp_error_text(enum sp_return r, char *buf, size_t len)
{
	char *msg;

	switch (r) {
	case SP_ERR_ARG:
		snprintf(buf, len, "invalid argument");
		return;
	case SP_ERR_MEM:
		snprintf(buf, len, "out of memory");
		return;
	case SP_ERR_SUPP:
		snprintf(buf, len, "not supported on this system");
		return;
	default:
		break;
	}
	msg = sp_last_error_message();
	snprintf(buf, len, "%s", msg ? msg : "unknown error");
	sp_free_error_message(msg);
}

static int errno_to_iap(int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return IAP_ERR_NOENT;
	case EACCES:
	case EPERM:
		return IAP_ERR_PERM;
	case EBUSY:
		return IAP_ERR_BUSY;
	default:
		return IAP_ERR_IO;
	}
}

static const char *errno_hint(int e)
{
#ifdef __linux__
	if (e == EACCES) {
		return " (is your user in the 'dialout' group?)";
	}
#endif
	if (e == EBUSY) {
		return " (is another program using the port?)";
	}
	return "";
}

static int open_sp(struct iap_serial *s, struct sp_port *sp, char *err,
		   size_t errlen)
{
	char msg[160];
	enum sp_return r;

	r = sp_open(sp, SP_MODE_READ_WRITE);
	if (r != SP_OK) {
		int e = sp_last_error_code();

		sp_error_text(r, msg, sizeof(msg));
		snprintf(err, errlen, "cannot open %s: %s%s", s->name, msg,
			 r == SP_ERR_FAIL ? errno_hint(e) : "");
		return r == SP_ERR_FAIL ? errno_to_iap(e) : IAP_ERR_IO;
	}
	s->sp = sp;
	r = sp_set_baudrate(sp, (int)s->baud);
	if (r == SP_OK) {
		r = sp_set_bits(sp, 8);
	}
	if (r == SP_OK) {
		r = sp_set_parity(sp, SP_PARITY_NONE);
	}
	if (r == SP_OK) {
		r = sp_set_stopbits(sp, 1);
	}
	if (r == SP_OK) {
		r = sp_set_flowcontrol(sp, SP_FLOWCONTROL_NONE);
	}
	if (r != SP_OK) {
		sp_error_text(r, msg, sizeof(msg));
		snprintf(err, errlen, "cannot set %s to %lu baud 8N1: %s",
			 s->name, (unsigned long)s->baud, msg);
		return r == SP_ERR_ARG ? IAP_ERR_INVAL : IAP_ERR_IO;
	}
	sp_flush(sp, SP_BUF_BOTH);
	return 0;
}

#ifndef _WIN32
static int baud_to_speed(uint32_t baud, speed_t *out)
{
	static const struct {
		uint32_t baud;
		speed_t speed;
	} map[] = {
		{1200, B1200},	     {2400, B2400},	{4800, B4800},
		{9600, B9600},	     {19200, B19200},	{38400, B38400},
		{57600, B57600},     {115200, B115200}, {230400, B230400},
#ifdef B460800
		{460800, B460800},
#endif
#ifdef B921600
		{921600, B921600},
#endif
#ifdef B1000000
		{1000000, B1000000},
#endif
#ifdef B2000000
		{2000000, B2000000},
#endif
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].baud == baud) {
			*out = map[i].speed;
			return 0;
		}
	}
	return IAP_ERR_INVAL;
}

static int open_termios(struct iap_serial *s, char *err, size_t errlen)
{
	struct termios tio;
	speed_t speed;
	int e;

	if (baud_to_speed(s->baud, &speed)) {
		snprintf(err, errlen, "cannot open %s: %lu baud not supported",
			 s->name, (unsigned long)s->baud);
		return IAP_ERR_INVAL;
	}
	s->fd = open(s->name, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (s->fd < 0) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s%s", s->name,
			 strerror(e), errno_hint(e));
		return errno_to_iap(e);
	}
	if (!isatty(s->fd)) {
		snprintf(err, errlen, "cannot open %s: not a serial port",
			 s->name);
		return IAP_ERR_NOENT;
	}
	if (tcgetattr(s->fd, &tio)) {
		e = errno;
		snprintf(err, errlen, "cannot open %s: %s", s->name,
			 strerror(e));
		return IAP_ERR_IO;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= (tcflag_t)~CSTOPB;
#ifdef CRTSCTS
	tio.c_cflag &= (tcflag_t)~CRTSCTS;
#endif
	tio.c_iflag &= (tcflag_t) ~(IXON | IXOFF | IXANY);
	/* With O_NONBLOCK, VMIN 1 makes an empty read fail with EAGAIN, so a
	 * read of 0 bytes means the line is gone (VMIN 0 returns 0). */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	if (tcsetattr(s->fd, TCSANOW, &tio)) {
		e = errno;
		snprintf(err, errlen, "cannot set %s to %lu baud 8N1: %s",
			 s->name, (unsigned long)s->baud, strerror(e));
		return IAP_ERR_IO;
	}
	tcflush(s->fd, TCIOFLUSH);
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for events on the termios fd; returns >0 ready, 0 timeout, <0. */
static int fd_wait(struct iap_serial *s, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = s->fd, .events = events};
		uint64_t t = mono_ms();
		int r;

		if (t >= deadline) {
			return 0;
		}
		r = poll(&p, 1, (int)(deadline - t));
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			snprintf(s->last_err, sizeof(s->last_err), "%s",
				 strerror(errno));
			return IAP_ERR_IO;
		}
		if (r == 0) {
			return 0;
		}
		if (p.revents & events) {
			return 1;
		}
		snprintf(s->last_err, sizeof(s->last_err),
			 "the line was hung up");
		return IAP_ERR_IO;
	}
}

static int write_termios(struct iap_serial *s, const uint8_t *data, size_t len,
			 uint32_t timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;

	while (len) {
		ssize_t n = write(s->fd, data, len);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = fd_wait(s, POLLOUT, deadline);

			if (r < 0) {
				return r;
			}
			if (r == 0) {
				snprintf(s->last_err, sizeof(s->last_err),
					 "write timed out");
				return IAP_ERR_TIMEDOUT;
			}
			continue;
		}
		if (n < 0) {
			snprintf(s->last_err, sizeof(s->last_err), "%s",
				 strerror(errno));
			return IAP_ERR_IO;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_termios(struct iap_serial *s, uint8_t *buf, size_t cap,
			uint32_t timeout_ms)
{
	uint64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		ssize_t n = read(s->fd, buf, cap);
		int r;

		if (n > 0) {
			return (int)n;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			snprintf(s->last_err, sizeof(s->last_err), "%s",
				 n == 0 ? "the line was hung up"
					: strerror(errno));
			return IAP_ERR_IO;
		}
		r = fd_wait(s, POLLIN, deadline);
		if (r <= 0) {
			return r;
		}
	}
}
#endif /* !_WIN32 */

int iap_serial_open(struct iap_serial **out, const char *name, uint32_t baud,
		    char *err, size_t errlen)
{
	struct iap_serial *s;
	struct sp_port *sp = NULL;
	enum sp_return r;
	int rc;

	*out = NULL;
	if (!baud) {
		snprintf(err, errlen, "cannot open %s: baud rate 0", name);
		return IAP_ERR_INVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "cannot open %s: out of memory", name);
		return IAP_ERR_IO;
	}
	s->fd = -1;
	s->baud = baud;
	snprintf(s->name, sizeof(s->name), "%s", name);
#ifndef _WIN32
	struct stat st;

	if (stat(name, &st)) {
		int e = errno;

		snprintf(err, errlen, "cannot open %s: %s", name, strerror(e));
		free(s);
		return errno_to_iap(e);
	}
#endif
	r = sp_get_port_by_name(name, &sp);
	if (r == SP_OK) {
		rc = open_sp(s, sp, err, errlen);
		if (rc && !s->sp) {
			sp_free_port(sp);
		}
#ifndef _WIN32
	} else if (S_ISCHR(st.st_mode)) {
		rc = open_termios(s, err, errlen);
#endif
	} else {
		char msg[160];

		sp_error_text(r, msg, sizeof(msg));
		snprintf(err, errlen, "cannot open %s: %s", name,
			 r == SP_ERR_ARG ? "not a serial port" : msg);
		rc = IAP_ERR_NOENT;
	}
	if (rc) {
		iap_serial_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void iap_serial_close(struct iap_serial *s)
{
	if (!s) {
		return;
	}
	if (s->sp) {
		sp_close(s->sp);
		sp_free_port(s->sp);
	}
#ifndef _WIN32
	if (s->fd >= 0) {
		close(s->fd);
	}
#endif
	free(s);
}

/* Time for len bytes at the line rate, twice over, plus a second. */
static uint32_t write_timeout_ms(const struct iap_serial *s, size_t len)
{
	uint64_t ms = (uint64_t)len * 10u * 1000u * 2u / s->baud;

	return (uint32_t)(1000u + (ms > 600000u ? 600000u : ms));
}

int iap_serial_set_baud(struct iap_serial *s, uint32_t baud)
{
	if (!baud) {
		return IAP_ERR_INVAL;
	}
#ifndef _WIN32
	if (!s->sp) {
		struct termios tio;
		speed_t speed;

		if (baud_to_speed(baud, &speed)) {
			return IAP_ERR_INVAL;
		}
		if (tcdrain(s->fd) != 0 || tcgetattr(s->fd, &tio) != 0) {
			return IAP_ERR_IO;
		}
		cfsetispeed(&tio, speed);
		cfsetospeed(&tio, speed);
		if (tcsetattr(s->fd, TCSANOW, &tio) != 0) {
			return IAP_ERR_IO;
		}
		tcflush(s->fd, TCIFLUSH);
		s->baud = baud;
		return 0;
	}
#endif
	if (sp_drain(s->sp) != SP_OK) {
		return IAP_ERR_IO;
	}
	if (sp_set_baudrate(s->sp, (int)baud) != SP_OK) {
		return IAP_ERR_INVAL;
	}
	sp_flush(s->sp, SP_BUF_INPUT);
	s->baud = baud;
	return 0;
}

uint32_t iap_serial_baud(const struct iap_serial *s)
{
	return s->baud;
}

int iap_serial_write(void *ctx, const uint8_t *data, size_t len)
{
	struct iap_serial *s = ctx;
	uint32_t timeout = write_timeout_ms(s, len);
	enum sp_return r;

#ifndef _WIN32
	if (s->fd >= 0) {
		return write_termios(s, data, len, timeout);
	}
#endif
	r = sp_blocking_write(s->sp, data, len, timeout);
	if (r < 0) {
		sp_error_text(r, s->last_err, sizeof(s->last_err));
		return IAP_ERR_IO;
	}
	if ((size_t)r < len) {
		snprintf(s->last_err, sizeof(s->last_err), "write timed out");
		return IAP_ERR_TIMEDOUT;
	}
	return 0;
}

int iap_serial_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
	struct iap_serial *s = ctx;
	enum sp_return r;

	if (cap > 65536u) {
		cap = 65536u;
	}
#ifndef _WIN32
	if (s->fd >= 0) {
		return read_termios(s, buf, cap, timeout_ms);
	}
#endif
	/* A zero timeout means "forever" to libserialport. */
	if (timeout_ms) {
		r = sp_blocking_read_next(s->sp, buf, cap, timeout_ms);
	} else {
		r = sp_nonblocking_read(s->sp, buf, cap);
	}
	if (r < 0) {
		sp_error_text(r, s->last_err, sizeof(s->last_err));
		return IAP_ERR_IO;
	}
	return (int)r;
}

const char *iap_serial_last_error(const struct iap_serial *s)
{
	return s ? s->last_err : "";
}
