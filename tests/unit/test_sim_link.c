/*
 * The simulator's line: a pty that a host opens like a serial port, raw in
 * both directions, surviving the host closing and reopening it, and paced
 * to the line rate when a baud rate is set.
 */
/* mkstemp, clock_gettime, cfmakeraw, unless the build defines them */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

static int setup(void **state)
{
	static struct sim_link l;

	assert_int_equal(sim_link_open_pty(&l), 0);
	assert_true(strncmp(l.path, "/dev/", 5) == 0);
	*state = &l;
	return 0;
}

static int teardown(void **state)
{
	sim_link_close(*state);
	return 0;
}

/* The host side: open the slave as a serial port, raw, at speed. */
static int host_open_at(const struct sim_link *l, speed_t speed)
{
	struct termios t;
	int fd = open(l->path, O_RDWR | O_NOCTTY);

	assert_true(fd >= 0);
	assert_int_equal(tcgetattr(fd, &t), 0);
	cfmakeraw(&t);
	cfsetispeed(&t, speed);
	cfsetospeed(&t, speed);
	assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
	return fd;
}

/* The paced tests run the line at 9600 baud. */
static int host_open(const struct sim_link *l)
{
	return host_open_at(l, B9600);
}

/* Read exactly n bytes from the host side within timeout_ms. */
static void host_read(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		assert_int_equal(poll(&p, 1, timeout_ms), 1);
		r = read(fd, buf + got, n - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* Device side: collect n bytes within timeout_ms. */
static size_t dev_read(struct sim_link *l, uint8_t *buf, size_t n,
		       uint32_t timeout_ms)
{
	uint32_t t0 = sim_now_ms();
	size_t got = 0;

	while (got < n && sim_now_ms() - t0 < timeout_ms) {
		int r = sim_link_read(l, buf + got, n - got, 10);

		assert_true(r >= 0);
		got += (size_t)r;
	}
	return got;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_both_ways_raw(void **state)
{
	struct sim_link *l = *state;
	uint8_t all[256], buf[256];
	int fd = host_open(l);

	for (size_t i = 0; i < sizeof(all); i++) {
		all[i] = (uint8_t)i; /* CR, LF, ^C, ^D, XON... all pass */
	}
	assert_int_equal(write(fd, all, sizeof(all)), (ssize_t)sizeof(all));
	assert_int_equal(dev_read(l, buf, sizeof(buf), 2000), sizeof(buf));
	assert_memory_equal(buf, all, sizeof(all));

	assert_int_equal(sim_link_send(l, all, sizeof(all)), 0);
	host_read(fd, buf, sizeof(buf), 2000);
	assert_memory_equal(buf, all, sizeof(all));
	assert_int_equal(l->rx_bytes, 256);
	assert_int_equal(l->tx_bytes, 256);
	/* No echo came back to the device. */
	assert_int_equal(sim_link_read(l, buf, sizeof(buf), 20), 0);
	close(fd);
}

static void test_timeout(void **state)
{
	struct sim_link *l = *state;
	uint8_t buf[4];
	uint64_t t0 = mono_ms();

	assert_int_equal(sim_link_read(l, buf, sizeof(buf), 50), 0);
	assert_true(mono_ms() - t0 >= 45);
}

static void test_host_reopens(void **state)
{
	struct sim_link *l = *state;
	uint8_t buf[4];
	int fd;

	for (int i = 0; i < 3; i++) {
		fd = host_open(l);
		assert_int_equal(write(fd, "ping", 4), 4);
		assert_int_equal(dev_read(l, buf, 4, 2000), 4);
		assert_memory_equal(buf, "ping", 4);
		assert_int_equal(sim_link_send(l, (const uint8_t *)"pong", 4),
				 0);
		host_read(fd, buf, 4, 2000);
		assert_memory_equal(buf, "pong", 4);
		close(fd);
		/* With no host attached the line is quiet, not broken. */
		assert_int_equal(sim_link_read(l, buf, sizeof(buf), 20), 0);
	}
}

static void test_paced_rx(void **state)
{
	struct sim_link *l = *state;
	uint8_t data[192], buf[192];
	uint64_t t0;
	int fd = host_open(l);

	memset(data, 0x5A, sizeof(data));
	l->baud = 9600; /* 960 B/s: 192 bytes take 200 ms */
	t0 = mono_ms();
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	/* After ~50 ms about 48 bytes can have arrived, far from all. */
	assert_true(dev_read(l, buf, sizeof(buf), 50) <= 96);
	while (l->rx_bytes < sizeof(data) && mono_ms() - t0 < 2000) {
		assert_true(sim_link_read(l, buf, sizeof(buf), 10) >= 0);
	}
	assert_int_equal(l->rx_bytes, sizeof(data));
	assert_true(mono_ms() - t0 >= 190);
	assert_true(mono_ms() - t0 < 1500);
	l->baud = 0;
	close(fd);
}

static void test_paced_tx(void **state)
{
	struct sim_link *l = *state;
	uint8_t data[96], buf[96];
	uint64_t t0;
	int fd = host_open(l);

	memset(data, 0xA5, sizeof(data));
	l->baud = 9600; /* 96 bytes take 100 ms */
	t0 = mono_ms();
	assert_int_equal(sim_link_send(l, data, sizeof(data)), 0);
	host_read(fd, buf, sizeof(buf), 2000);
	assert_true(mono_ms() - t0 >= 95);
	assert_memory_equal(buf, data, sizeof(data));
	l->baud = 0;
	close(fd);
}

/* A host at another rate than the device: what arrives is garbage. */
static void test_rate_mismatch(void **state)
{
	struct sim_link *l = *state;
	uint8_t data[48], buf[48];
	int fd = host_open_at(l, B115200);

	memset(data, 0x55, sizeof(data));
	l->baud = 9600;
	assert_int_equal(sim_link_host_baud(l), 115200);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	assert_int_equal(dev_read(l, buf, sizeof(buf), 2000), sizeof(buf));
	assert_true(memcmp(buf, data, sizeof(data)) != 0);
	assert_int_equal(l->garbled, sizeof(data));
	/* The same rate on both ends: the bytes come through. */
	close(fd);
	fd = host_open_at(l, B9600);
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	assert_int_equal(dev_read(l, buf, sizeof(buf), 2000), sizeof(buf));
	assert_memory_equal(buf, data, sizeof(data));
	/* A line that cannot carry 9600 baud. */
	l->line_max = 4800;
	assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
	assert_int_equal(dev_read(l, buf, sizeof(buf), 2000), sizeof(buf));
	assert_true(memcmp(buf, data, sizeof(data)) != 0);
	l->line_max = 0;
	l->baud = 0;
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_ways_raw, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_mismatch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_reopens, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_paced_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paced_tx, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
