/*
 * iap-sim - the serial line: a pseudo-terminal the host tools open like a
 * USB-serial adapter, or stdin/stdout.
 *
 * With a baud rate set, both directions are paced to the line rate of 8N1
 * (10 bits per byte): the host writes a whole frame into the pty at once,
 * but the device sees its bytes no faster than a UART would deliver them,
 * and the host sees an answer only once it could have crossed the wire,
 * each byte latency_us later still (the adapter). Every byte carries the
 * time it is due; the pump (pump(), called while the device waits for
 * input, sends, or is busy with its flash) moves due bytes into the
 * device's receive ring or out to the host. The ring is only emptied by
 * sim_link_read(), so bytes that come while the device is busy pile up in
 * it, and with a ring size set, the ones that find it full are lost.
 */
#define _GNU_SOURCE /* ppoll: waits shorter than a millisecond */
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
#define TX_STALL_MS 1000 /* nobody reads the pty: drop after this */
#define READ_CHUNK  4096u

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

static int pump(struct sim_link *l, uint64_t t_end, int want_rx);

void sim_link_linger(struct sim_link *l, int linger_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)linger_ms * NS_PER_MS;

	if (l->in_fd < 0) {
		return;
	}
	/* What is still on the wire (the answer to BOOT) goes out first. */
	while (l->txq_len && now_ns() < deadline) {
		uint64_t due = l->txq_t[(l->txq_head + l->txq_len - 1u) %
					SIM_LINK_TXQ];

		if (pump(l, due < deadline ? due : deadline, 0) != 0) {
			break;
		}
	}
	if (l->kind != SIM_LINK_PTY) {
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

/* Time of one byte on the wire. */
static uint64_t byte_ns(const struct sim_link *l)
{
	return l->baud ? line_ns(1, l->baud) : 0;
}

/* xorshift64*: the fault model's draws, reproducible from the seed. */
static uint32_t fault_draw(struct sim_link *l)
{
	uint64_t x = l->fault_seed ? l->fault_seed : 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	l->fault_seed = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Fault fate of one byte: 0 as is, 1 lost, 2 doubled; flips in place. */
static int fault(struct sim_link *l, uint8_t *b)
{
	uint32_t r;

	if (!l->drop_ppm && !l->flip_ppm && !l->dup_ppm) {
		return 0;
	}
	r = fault_draw(l) % 1000000u;
	if (r < l->drop_ppm) {
		l->faults++;
		return 1;
	}
	r -= l->drop_ppm;
	if (r < l->flip_ppm) {
		*b ^= (uint8_t)(1u << (fault_draw(l) % 8u));
		l->faults++;
		return 0;
	}
	r -= l->flip_ppm;
	if (r < l->dup_ppm) {
		l->faults++;
		return 2;
	}
	return 0;
}

static size_t ring_cap(const struct sim_link *l)
{
	if (l->baud && l->ring && l->ring < SIM_LINK_RINGMAX) {
		return l->ring;
	}
	return SIM_LINK_RINGMAX;
}

static int ring_limited(const struct sim_link *l)
{
	return l->baud && l->ring;
}

/* One byte arrives at the device's UART. */
static void ring_put(struct sim_link *l, uint8_t b)
{
	if (l->r_len >= ring_cap(l)) {
		l->rx_lost++; /* the DMA has nowhere to put it */
		return;
	}
	l->rbuf[(l->r_head + l->r_len) % SIM_LINK_RINGMAX] = b;
	l->r_len++;
	if (l->r_len > l->ring_peak) {
		l->ring_peak = (uint32_t)l->r_len;
	}
}

/* Bytes due at the device by t go into its ring. */
static void deliver_rx(struct sim_link *l, uint64_t t)
{
	while (l->pend_len && l->pend_t[l->pend_head] <= t) {
		uint8_t b = l->pend[l->pend_head];
		int fate;

		if (!ring_limited(l) && l->r_len >= SIM_LINK_RINGMAX) {
			return; /* unlimited: the bytes wait, nothing is lost */
		}
		l->pend_head = (l->pend_head + 1u) % SIM_LINK_PEND;
		l->pend_len--;
		fate = fault(l, &b);
		if (fate != 1) {
			ring_put(l, b);
		}
		if (fate == 2) {
			ring_put(l, b);
		}
	}
}

/*
 * Write what is due of the host-bound queue by t. A pty nobody reads fills
 * up; like a UART with nobody listening, bytes are then lost rather than
 * blocking the device (after TX_STALL_MS without progress).
 */
static int deliver_tx(struct sim_link *l, uint64_t t)
{
	while (l->txq_len && l->txq_t[l->txq_head] <= t) {
		uint8_t run[256];
		size_t n = 0;
		ssize_t w;

		while (n < l->txq_len && n < sizeof(run) &&
		       l->txq_t[(l->txq_head + n) % SIM_LINK_TXQ] <= t) {
			run[n] = l->txq[(l->txq_head + n) % SIM_LINK_TXQ];
			n++;
		}
		w = write(l->out_fd, run, n);
		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = l->out_fd, .events = POLLOUT};

			if (poll(&p, 1, TX_STALL_MS) == 0) {
				l->tx_dropped += l->txq_len;
				l->txq_len = 0;
				return 0;
			}
			continue;
		}
		if (w <= 0) {
			fprintf(stderr, "iap-sim: link write: %s\n",
				w < 0 ? strerror(errno) : "nothing written");
			return IAP_ERR_IO;
		}
		l->txq_head = (l->txq_head + (size_t)w) % SIM_LINK_TXQ;
		l->txq_len -= (size_t)w;
		l->tx_bytes += (uint64_t)w;
	}
	return 0;
}

uint32_t sim_link_host_baud(const struct sim_link *l)
{
	static const struct {
		speed_t sp;
		uint32_t baud;
	} map[] = {
		{B9600, 9600},	     {B19200, 19200},	  {B38400, 38400},
		{B57600, 57600},     {B115200, 115200},	  {B230400, 230400},
		{B460800, 460800},   {B921600, 921600},	  {B1000000, 1000000},
		{B2000000, 2000000}, {B3000000, 3000000}, {B4000000, 4000000},
	};
	struct termios t;
	speed_t sp;

	if (l->kind != SIM_LINK_PTY || l->slave_fd < 0 ||
	    tcgetattr(l->slave_fd, &t) != 0) {
		return 0;
	}
	sp = cfgetospeed(&t);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].sp == sp) {
			return map[i].baud;
		}
	}
	return 0;
}

/* The two ends run at different rates, or the line cannot carry it. */
static int rates_differ(struct sim_link *l)
{
	uint32_t host;

	if (!l->baud) {
		return 0;
	}
	if (l->line_max && l->baud > l->line_max) {
		return 1;
	}
	host = sim_link_host_baud(l);
	return host && host != l->baud;
}

/* A byte framed at the wrong rate: the receiver reads something else. */
static uint8_t garble(struct sim_link *l)
{
	l->garbled++;
	return (uint8_t)fault_draw(l);
}

/* Take what the host has written; each byte gets its due time. */
static int take_input(struct sim_link *l, uint64_t t)
{
	uint8_t buf[READ_CHUNK];
	size_t room = SIM_LINK_PEND - l->pend_len;
	ssize_t n;
	int bad;

	if (room > sizeof(buf)) {
		room = sizeof(buf);
	}
	if (!room || l->eof) {
		return 0;
	}
	n = read(l->in_fd, buf, room);
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
	bad = rates_differ(l);
	for (ssize_t i = 0; i < n; i++) {
		size_t k = (l->pend_head + l->pend_len) % SIM_LINK_PEND;
		uint64_t start = l->rx_wire_end > t ? l->rx_wire_end : t;

		l->rx_wire_end = start + byte_ns(l);
		l->pend[k] = bad ? garble(l) : buf[i];
		l->pend_t[k] = l->rx_wire_end + (uint64_t)l->latency_us * 1000u;
		l->pend_len++;
	}
	return (int)n;
}

/*
 * Run the line until t_end, or (want_rx) until the ring holds a byte.
 * Returns 0 or IAP_ERR_IO.
 */
static int pump(struct sim_link *l, uint64_t t_end, int want_rx)
{
	for (;;) {
		uint64_t t = now_ns(), next = t_end;
		struct pollfd p;
		struct timespec ts;
		int r;

		deliver_rx(l, t);
		r = deliver_tx(l, t);
		if (r) {
			return r;
		}
		if ((want_rx && l->r_len) || t >= t_end) {
			return 0;
		}
		if (l->pend_len && l->pend_t[l->pend_head] < next &&
		    (ring_limited(l) || l->r_len < SIM_LINK_RINGMAX)) {
			next = l->pend_t[l->pend_head];
		}
		if (l->txq_len && l->txq_t[l->txq_head] < next) {
			next = l->txq_t[l->txq_head];
		}
		p.fd = l->in_fd;
		p.events =
			(l->eof || l->pend_len >= SIM_LINK_PEND) ? 0 : POLLIN;
		p.revents = 0;
		next = next > t ? next - t : 0;
		ts.tv_sec = (time_t)(next / NS_PER_S);
		ts.tv_nsec = (long)(next % NS_PER_S);
		if (!p.events) {
			if (next) {
				nanosleep(&ts, NULL);
			}
			continue;
		}
		r = ppoll(&p, 1, &ts, NULL);
		if (r < 0) {
			if (errno == EINTR) {
				return 0; /* a signal: the caller looks */
			}
			return IAP_ERR_IO;
		}
		if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			r = take_input(l, now_ns());
			if (r < 0) {
				return r;
			}
			if (r == 0 && (p.revents & (POLLHUP | POLLERR)) &&
			    !(p.revents & POLLIN)) {
				/* Nobody on the other end: do not spin. */
				nanosleep(&ts, NULL);
			}
		}
	}
}

int sim_link_read(struct sim_link *l, uint8_t *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline =
		now_ns() +
		(uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
	size_t n = 0;
	int r;

	if (!cap) {
		return 0;
	}
	r = pump(l, deadline, 1);
	if (r) {
		return r;
	}
	while (n < cap && l->r_len) {
		buf[n++] = l->rbuf[l->r_head];
		l->r_head = (l->r_head + 1u) % SIM_LINK_RINGMAX;
		l->r_len--;
	}
	l->rx_bytes += n;
	if (!n && l->eof && !l->pend_len) {
		/* Nothing will come: time passes anyway. */
		sleep_until(deadline);
	}
	return (int)n;
}

void sim_link_busy(void *ctx, uint64_t us)
{
	struct sim_link *l = ctx;

	(void)pump(l, now_ns() + us * 1000u, 0);
}

int sim_link_send(void *ctx, const uint8_t *data, size_t len)
{
	struct sim_link *l = ctx;
	uint64_t stall = now_ns() + (uint64_t)TX_STALL_MS * NS_PER_MS;
	int bad = rates_differ(l);

	while (len) {
		uint64_t t = now_ns(), start;
		uint8_t b = *data;
		int fate;
		int r;

		if (l->txq_len + 2u > SIM_LINK_TXQ) {
			if (t >= stall) {
				l->tx_dropped += len;
				return 0;
			}
			r = pump(l, t + 1000000u, 0);
			if (r) {
				return r;
			}
			continue;
		}
		start = l->tx_wire_end > t ? l->tx_wire_end : t;
		l->tx_wire_end = start + byte_ns(l);
		if (bad) {
			b = garble(l);
		}
		fate = fault(l, &b);
		for (int k = fate == 1 ? 0 : fate == 2 ? 2 : 1; k > 0; k--) {
			size_t i = (l->txq_head + l->txq_len) % SIM_LINK_TXQ;

			l->txq[i] = b;
			l->txq_t[i] = l->tx_wire_end +
				      (uint64_t)l->latency_us * 1000u;
			l->txq_len++;
		}
		data++;
		len--;
	}
	/* The port's transmit waits for the UART to take every byte. */
	return pump(l, l->tx_wire_end, 0);
}
