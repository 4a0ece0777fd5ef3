/*
 * iap-sim - the serial line: a pseudo-terminal the host tools open like a
 * USB-serial adapter, or stdin/stdout.
 *
 * With a baud rate set, both directions are paced to the line rate of 8N1
 * (10 bits per byte): the host writes a whole frame into the pty at once,
 * but the device sees its bytes no faster than a UART would deliver them,
 * and the host sees an answer only once it could have crossed the wire.
 * Bytes that arrive while the device is busy (a flash erase) wait, as they
 * would in a DMA ring, and are handed over together afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "iap/iap_err.h"
#include "sim.h"

#define NS_PER_S    1000000000u
#define NS_PER_MS   1000000u
#define TX_CHUNK    64u	 /* paced writes go out in pieces this big */
#define TX_STALL_MS 1000 /* nobody reads the pty: drop after this */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint32_t sim_now_ms(void)
{
	return (uint32_t)(now_ns() / NS_PER_MS);
}

/* Time n bytes take on the line at baud, 10 bits each, in ns. */
static uint64_t line_ns(uint64_t n, uint32_t baud)
{
	uint64_t bits = n * 10u;

	return bits / baud * NS_PER_S + bits % baud * NS_PER_S / baud;
}

/* Bytes the line can have carried in ns nanoseconds at baud. */
static uint64_t line_bytes(uint64_t ns, uint32_t baud)
{
	uint64_t bits = ns / NS_PER_S * baud + ns % NS_PER_S * baud / NS_PER_S;

	return bits / 10u;
}

/* Sleep until the monotonic time t. Returns 0, or -1 if a signal came. */
static int sleep_until(uint64_t t)
{
	struct timespec ts;
	int r;

	ts.tv_sec = (time_t)(t / NS_PER_S);
	ts.tv_nsec = (long)(t % NS_PER_S);
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return r == 0 ? 0 : -1;
}

static void link_init(struct sim_link *l, int kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->in_fd = -1;
	l->out_fd = -1;
	l->slave_fd = -1;
}

static int pty_fail(struct sim_link *l, const char *what)
{
	fprintf(stderr, "iap-sim: pty: %s: %s\n", what, strerror(errno));
	sim_link_close(l);
	return IAP_ERR_IO;
}

int sim_link_open_pty(struct sim_link *l)
{
	struct termios t;
	const char *name;
	int m;

	link_init(l, SIM_LINK_PTY);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0) {
		return pty_fail(l, "posix_openpt");
	}
	l->in_fd = m;
	l->out_fd = m;
	if (fcntl(m, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(m, F_SETFL, O_NONBLOCK) != 0) {
		return pty_fail(l, "fcntl");
	}
	if (grantpt(m) != 0 || unlockpt(m) != 0) {
		return pty_fail(l, "grantpt/unlockpt");
	}
	name = ptsname(m);
	if (!name || strlen(name) >= sizeof(l->path)) {
		return pty_fail(l, "ptsname");
	}
	strcpy(l->path, name);
	/*
	 * Holding the slave open keeps the master usable while no host has
	 * the port open: without it, reads fail with EIO and poll reports
	 * POLLHUP between two host runs.
	 */
	l->slave_fd = open(l->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->slave_fd < 0) {
		return pty_fail(l, l->path);
	}
	if (tcgetattr(l->slave_fd, &t) != 0) {
		return pty_fail(l, "tcgetattr");
	}
	cfmakeraw(&t);
	if (tcsetattr(l->slave_fd, TCSANOW, &t) != 0) {
		return pty_fail(l, "tcsetattr");
	}
	return 0;
}

int sim_link_open_stdio(struct sim_link *l)
{
	link_init(l, SIM_LINK_STDIO);
	l->in_fd = STDIN_FILENO;
	l->out_fd = STDOUT_FILENO;
	return 0;
}

void sim_link_close(struct sim_link *l)
{
	if (l->kind == SIM_LINK_PTY) {
		if (l->in_fd >= 0) {
			close(l->in_fd);
		}
		if (l->slave_fd >= 0) {
			close(l->slave_fd);
		}
	}
	l->in_fd = -1;
	l->out_fd = -1;
	l->slave_fd = -1;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t t = now_ns();

	if (t >= deadline) {
		return 0;
	}
	return (int)((deadline - t + NS_PER_MS - 1) / NS_PER_MS);
}

void sim_link_linger(struct sim_link *l, int linger_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)linger_ms * NS_PER_MS;

	if (l->kind != SIM_LINK_PTY || l->in_fd < 0) {
		return;
	}
	/*
	 * Closing the master at once would hang up the host before it
	 * has read the last answer. Without our own slave descriptor,
	 * the master reports POLLHUP as soon as the host has closed the
	 * port too.
	 */
	if (l->slave_fd >= 0) {
		close(l->slave_fd);
		l->slave_fd = -1;
	}
	for (;;) {
		struct pollfd p = {.fd = l->in_fd, .events = POLLIN};
		uint8_t junk[256];
		int ms = remaining_ms(deadline);

		if (!ms || poll(&p, 1, ms) <= 0 || (p.revents & POLLHUP)) {
			return;
		}
		if (read(l->in_fd, junk, sizeof(junk)) < 0 && errno != EAGAIN &&
		    errno != EINTR) {
			return;
		}
	}
}

/*
 * Wait up to timeout_ms for input and append what is there to rxq.
 * Returns the number of bytes added, 0 (timeout, signal, end of input
 * or no room), or IAP_ERR_IO.
 */
static int fill(struct sim_link *l, int timeout_ms)
{
	struct pollfd p;
	size_t room;
	ssize_t n;
	int r;

	if (l->rxq_head) {
		memmove(l->rxq, l->rxq + l->rxq_head, l->rxq_len);
		l->rxq_head = 0;
	}
	room = sizeof(l->rxq) - l->rxq_len;
	if (!room || l->eof) {
		return 0;
	}
	p.fd = l->in_fd;
	p.events = POLLIN;
	p.revents = 0;
	r = poll(&p, 1, timeout_ms);
	if (r < 0) {
		return errno == EINTR ? 0 : IAP_ERR_IO;
	}
	if (r == 0) {
		return 0;
	}
	n = read(l->in_fd, l->rxq + l->rxq_len, room);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
			return 0;
		}
		fprintf(stderr, "iap-sim: link read: %s\n", strerror(errno));
		return IAP_ERR_IO;
	}
	if (n == 0) {
		l->eof = 1;
		return 0;
	}
	l->rxq_len += (size_t)n;
	return (int)n;
}

static size_t take(struct sim_link *l, uint8_t *buf, size_t cap, uint64_t k)
{
	size_t n = l->rxq_len < cap ? l->rxq_len : cap;

	if (k < n) {
		n = (size_t)k;
	}
	memcpy(buf, l->rxq + l->rxq_head, n);
	l->rxq_head += n;
	l->rxq_len -= n;
	l->rx_bytes += n;
	return n;
}

int sim_link_read(struct sim_link *l, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline =
		now_ns() +
		(uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;

	if (!cap) {
		return 0;
	}
	for (;;) {
		uint64_t t, k, next;
		int r;

		if (!l->rxq_len) {
			if (l->eof) {
				/* Nothing will come: time passes anyway. */
				sleep_until(deadline);
				return 0;
			}
			r = fill(l, remaining_ms(deadline));
			if (r <= 0) {
				return r;
			}
			t = now_ns();
			if (l->baud &&
			    l->rx_t0_ns + line_ns(l->rx_sent, l->baud) < t) {
				/* The line was idle: these bytes start now. */
				l->rx_t0_ns = t;
				l->rx_sent = 0;
			}
		} else {
			r = fill(l, 0);
			if (r < 0) {
				return r;
			}
		}
		if (!l->baud) {
			return (int)take(l, buf, cap, l->rxq_len);
		}
		t = now_ns();
		k = line_bytes(t - l->rx_t0_ns, l->baud) - l->rx_sent;
		if (k) {
			k = take(l, buf, cap, k);
			l->rx_sent += k;
			return (int)k;
		}
		next = l->rx_t0_ns + line_ns(l->rx_sent + 1, l->baud);
		if (next > deadline) {
			sleep_until(deadline);
			return 0;
		}
		if (sleep_until(next) != 0) {
			return 0;
		}
	}
}

/*
 * Write all of data. A pty nobody reads fills up; like a UART with nobody
 * listening, the rest is then lost rather than blocking the device.
 */
static int write_all(struct sim_link *l, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = write(l->out_fd, data, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = l->out_fd, .events = POLLOUT};

			if (poll(&p, 1, TX_STALL_MS) == 0) {
				l->tx_dropped += len;
				return 0;
			}
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "iap-sim: link write: %s\n",
				n < 0 ? strerror(errno) : "nothing written");
			return IAP_ERR_IO;
		}
		data += n;
		len -= (size_t)n;
		l->tx_bytes += (uint64_t)n;
	}
	return 0;
}

int sim_link_send(void *ctx, const uint8_t *data, size_t len)
{
	struct sim_link *l = ctx;
	uint64_t t;

	if (!l->baud) {
		return write_all(l, data, len);
	}
	t = now_ns();
	if (l->tx_t0_ns + line_ns(l->tx_sent, l->baud) < t) {
		l->tx_t0_ns = t;
		l->tx_sent = 0;
	}
	while (len) {
		size_t n = len < TX_CHUNK ? len : TX_CHUNK;
		uint64_t done = l->tx_t0_ns + line_ns(l->tx_sent + n, l->baud);
		int err;

		/* Each piece is handed over once its last bit is out. */
		while (sleep_until(done) != 0) {
		}
		err = write_all(l, data, n);
		if (err) {
			return err;
		}
		l->tx_sent += n;
		data += n;
		len -= n;
	}
	return 0;
}
