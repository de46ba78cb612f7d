/* test_tty.c - tty_open and pty_pair: a pty pair is a clean 8-bit line in
 * both directions (raw: no CR/LF translation, no echo, no signals, no
 * XON/XOFF), and tty_open refuses what it cannot do with a message that
 * names the path and the step. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "link/tty.h"

/* Write all n bytes to a non-blocking fd. */
static void
put_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		ssize_t w = write(fd, p, n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		assert_true(w < 0 && errno == EAGAIN);
		assert_int_equal(poll(&pf, 1, 2000), 1);
	}
}

/* Read exactly n bytes from a non-blocking fd (2 s at most). */
static void
get_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		assert_int_equal(poll(&pf, 1, 2000), 1);
		r = read(fd, p, n);
		if (r < 0 && errno == EAGAIN)
			continue;
		assert_true(r > 0);
		p += r;
		n -= (size_t)r;
	}
}

/* Nothing more arrives within ms milliseconds. */
static void
assert_quiet(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	uint8_t b;

	if (poll(&pf, 1, ms) == 1 && (pf.revents & POLLIN) != 0)
		assert_int_equal(read(fd, &b, 1), -1);
}

struct pair {
	int master, slave;
	char path[64];
};

static int
pair_setup(void **state)
{
	struct pair *pp = calloc(1, sizeof(*pp));
	struct fe_err err;

	if (pp == NULL)
		return -1;
	if (pty_pair(&pp->master, pp->path, sizeof(pp->path), &err) != 0) {
		print_error("pty_pair: %s\n", err.msg);
		free(pp);
		return -1;
	}
	pp->slave = tty_open(pp->path, 115200, false, &err);
	if (pp->slave < 0) {
		print_error("tty_open: %s\n", err.msg);
		close(pp->master);
		free(pp);
		return -1;
	}
	*state = pp;
	return 0;
}

static int
pair_teardown(void **state)
{
	struct pair *pp = *state;

	close(pp->slave);
	close(pp->master);
	free(pp);
	return 0;
}

static void
all_bytes(uint8_t v[512])
{
	size_t i;

	/* Every value twice, the second time backwards: CR LF and LF CR
	 * both occur, and ^C, ^Q, ^S, ^Z, DEL and 0xff. */
	for (i = 0; i < 256; i++) {
		v[i] = (uint8_t)i;
		v[511 - i] = (uint8_t)i;
	}
}

static void
master_to_slave_all_256_values(void **state)
{
	struct pair *pp = *state;
	uint8_t v[512], got[512];

	all_bytes(v);
	put_all(pp->master, v, sizeof(v));
	get_all(pp->slave, got, sizeof(got));
	assert_memory_equal(got, v, sizeof(v));
	assert_quiet(pp->slave, 50);
	/* No echo back to the sender. */
	assert_quiet(pp->master, 50);
}

static void
slave_to_master_all_256_values(void **state)
{
	struct pair *pp = *state;
	uint8_t v[512], got[512];

	all_bytes(v);
	put_all(pp->slave, v, sizeof(v));
	get_all(pp->master, got, sizeof(got));
	assert_memory_equal(got, v, sizeof(v));
	assert_quiet(pp->master, 50);
	assert_quiet(pp->slave, 50);
}

static void
both_ways_at_once(void **state)
{
	struct pair *pp = *state;
	uint8_t a[4096], b[4096], got[4096];
	size_t i;

	for (i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7 + 3);
		b[i] = (uint8_t)(i * 13 + 1);
	}
	put_all(pp->master, a, sizeof(a));
	put_all(pp->slave, b, sizeof(b));
	get_all(pp->slave, got, sizeof(got));
	assert_memory_equal(got, a, sizeof(a));
	get_all(pp->master, got, sizeof(got));
	assert_memory_equal(got, b, sizeof(b));
}

static void
slave_termios_is_raw_8n1(void **state)
{
	struct pair *pp = *state;
	struct termios t;

	assert_int_equal(tcgetattr(pp->slave, &t), 0);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ECHONL | ISIG | IEXTEN),
	    0);
	assert_int_equal(t.c_iflag & (ICRNL | INLCR | IGNCR | ISTRIP | IXON |
	    IXOFF | IXANY | BRKINT | PARMRK), 0);
	assert_int_equal(t.c_oflag & OPOST, 0);
	assert_int_equal(t.c_cflag & CSIZE, CS8);
	assert_int_equal(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
	assert_int_equal(t.c_cflag & (CLOCAL | CREAD), CLOCAL | CREAD);
	assert_int_equal(t.c_cc[VMIN], 0);
	assert_int_equal(t.c_cc[VTIME], 0);
	assert_int_equal(cfgetispeed(&t), B115200);
	assert_int_equal(cfgetospeed(&t), B115200);
	assert_true((fcntl(pp->slave, F_GETFL) & O_NONBLOCK) != 0);
	assert_true((fcntl(pp->slave, F_GETFD) & FD_CLOEXEC) != 0);
	assert_true((fcntl(pp->master, F_GETFL) & O_NONBLOCK) != 0);
}

static void
slave_raw_before_anyone_opens_it(void **state)
{
	struct fe_err err;
	struct termios t;
	char path[64];
	int m, s;

	(void)state;
	assert_int_equal(pty_pair(&m, path, sizeof(path), &err), 0);
	/* Opened plainly, not with tty_open: pty_pair made it raw. */
	s = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(s >= 0);
	assert_int_equal(tcgetattr(s, &t), 0);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(t.c_oflag & OPOST, 0);
	assert_int_equal(t.c_iflag & (ICRNL | IXON), 0);
	put_all(m, (const uint8_t *)"\r\n\x03", 3);
	{
		uint8_t got[3];
		get_all(s, got, 3);
		assert_memory_equal(got, "\r\n\x03", 3);
	}
	assert_quiet(m, 50);
	close(s);
	close(m);
}

static void
rtscts_is_set_when_asked(void **state)
{
	struct fe_err err;
	struct termios t;
	char path[64];
	int m, s;

	(void)state;
	assert_int_equal(pty_pair(&m, path, sizeof(path), &err), 0);
	s = tty_open(path, 921600, true, &err);
	assert_true(s >= 0);
	assert_int_equal(tcgetattr(s, &t), 0);
	assert_int_equal(t.c_cflag & CRTSCTS, CRTSCTS);
	assert_int_equal(cfgetospeed(&t), B921600);
	close(s);
	close(m);
}

static void
refuses_nonstandard_baud(void **state)
{
	struct pair *pp = *state;
	struct fe_err err;
	static const unsigned bad[] = { 0, 1200, 12345, 115201, 4000001 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[32];

		memset(&err, 0, sizeof(err));
		assert_true(tty_open(pp->path, bad[i], false, &err) < 0);
		assert_non_null(strstr(err.msg, pp->path));
		fe_snprintf(want, sizeof(want), " %u baud", bad[i]);
		assert_non_null(strstr(err.msg, want));
		assert_non_null(strstr(err.msg, "not a standard"));
	}
}

static void
refuses_missing_path(void **state)
{
	struct fe_err err;
	const char *p = "/nonexistent/foureyes-tty-test";

	(void)state;
	assert_int_equal(tty_open(p, 115200, false, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, p));
	assert_non_null(strstr(err.msg, "open"));
	assert_non_null(strstr(err.msg, "No such file"));
}

static void
refuses_a_non_terminal(void **state)
{
	struct fe_err err;

	(void)state;
	assert_true(tty_open("/dev/null", 115200, false, &err) < 0);
	assert_non_null(strstr(err.msg, "/dev/null"));
	assert_non_null(strstr(err.msg, "tcgetattr"));
}

static void
pty_pair_name_too_long_for_buffer(void **state)
{
	struct fe_err err;
	char small[4] = "xyz";
	int m = -7;

	(void)state;
	assert_true(pty_pair(&m, small, sizeof(small), &err) < 0);
	assert_non_null(strstr(err.msg, "does not fit"));
	/* Output parameters are set only on success. */
	assert_int_equal(m, -7);
	assert_string_equal(small, "xyz");
}

static void
reopened_slave_is_still_a_line(void **state)
{
	struct pair *pp = *state;
	struct fe_err err;
	uint8_t got[5];
	int s2;

	/* An end that restarts: close, reopen, bytes flow again, and what
	 * was left on the line before it opened is flushed. */
	close(pp->slave);
	put_all(pp->master, (const uint8_t *)"stale", 5);
	s2 = tty_open(pp->path, 115200, false, &err);
	assert_true(s2 >= 0);
	pp->slave = s2;
	assert_quiet(s2, 50);
	put_all(pp->master, (const uint8_t *)"fresh", 5);
	get_all(s2, got, 5);
	assert_memory_equal(got, "fresh", 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(master_to_slave_all_256_values,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(slave_to_master_all_256_values,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(both_ways_at_once,
		    pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(slave_termios_is_raw_8n1,
		    pair_setup, pair_teardown),
		cmocka_unit_test(slave_raw_before_anyone_opens_it),
		cmocka_unit_test(rtscts_is_set_when_asked),
		cmocka_unit_test_setup_teardown(refuses_nonstandard_baud,
		    pair_setup, pair_teardown),
		cmocka_unit_test(refuses_missing_path),
		cmocka_unit_test(refuses_a_non_terminal),
		cmocka_unit_test(pty_pair_name_too_long_for_buffer),
		cmocka_unit_test_setup_teardown(reopened_slave_is_still_a_line,
		    pair_setup, pair_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
