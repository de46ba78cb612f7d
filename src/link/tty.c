/*
 * tty.c - serial devices and pty pairs for the link (docs/link-protocol.md,
 * section 1: raw 8N1, optional RTS/CTS, no XON/XOFF, no echo, no line
 * discipline).
 *
 * tty_open() trusts only that its path names something the caller is allowed
 * to use as the line; it checks that it is a terminal (tcgetattr) and that
 * the rate it asked for is the one the driver reports.  It never becomes the
 * controlling terminal, so a byte on the line can never raise SIGINT or
 * SIGHUP.  pty_pair() makes a pseudo-terminal to stand in for a cable in
 * tests and in fe-linesim; on Linux a termios change made on the master
 * applies to the slave, which is how the slave is put in raw mode without
 * opening it (opening and closing it would leave the master in the
 * hung-up state until the next open).  The bytes that cross either are
 * opaque here; framing and authentication are frame.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "link/tty.h"

/* The standard termios rates the link accepts (tty.h: 9600 .. 4000000). */
static const struct {
	unsigned baud;
	speed_t speed;
} tty_rates[] = {
	{ 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },
	{ 57600, B57600 },     { 115200, B115200 },   { 230400, B230400 },
	{ 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },
	{ 921600, B921600 },   { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

static int
tty_speed(unsigned baud, speed_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(tty_rates) / sizeof(tty_rates[0]); i++) {
		if (tty_rates[i].baud == baud) {
			*out = tty_rates[i].speed;
			return 0;
		}
	}
	return -1;
}

/* Raw 8N1: no input or output processing, no echo, no signals, no
 * software flow control; the receiver is enabled and modem lines are
 * ignored (a three-wire cable has no carrier). */
static void
tty_make_raw(struct termios *t, bool rtscts)
{
	cfmakeraw(t);
	t->c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t->c_cflag |= CS8 | CLOCAL | CREAD;
	if (rtscts)
		t->c_cflag |= CRTSCTS;
	/* read() returns at once with what there is: the fd is polled. */
	t->c_cc[VMIN] = 0;
	t->c_cc[VTIME] = 0;
}

int
tty_open(const char *path, unsigned baud, bool rtscts, struct fe_err *err)
{
	struct termios t;
	speed_t speed;
	int fd;

	if (tty_speed(baud, &speed) != 0)
		return fe_err_set(err, "%s: %u baud is not a standard termios "
		    "rate (9600, 19200, 38400, 57600, 115200, 230400, 460800, "
		    "500000, 576000, 921600, 1000000, 1152000, 1500000, "
		    "2000000, 2500000, 3000000, 3500000, 4000000)", path, baud);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int code = errno == ENOENT ? FE_ENOENT : FE_EIO;
		fe_err_sys(err, "%s: open", path);
		return code;
	}
	if (tcgetattr(fd, &t) != 0) {
		fe_err_sys(err, "%s: tcgetattr (is it a terminal?)", path);
		goto fail;
	}
	tty_make_raw(&t, rtscts);
	if (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0) {
		fe_err_sys(err, "%s: cfsetspeed %u", path, baud);
		goto fail;
	}
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		fe_err_sys(err, "%s: tcsetattr", path);
		goto fail;
	}
	/* tcsetattr succeeds if any one change took: read back what
	 * matters. */
	if (tcgetattr(fd, &t) != 0) {
		fe_err_sys(err, "%s: tcgetattr after tcsetattr", path);
		goto fail;
	}
	if (cfgetospeed(&t) != speed || (t.c_cflag & CSIZE) != CS8 ||
	    (t.c_lflag & (ICANON | ECHO | ISIG)) != 0) {
		fe_err_code(err, FE_EIO, "%s: tcsetattr: the driver did not "
		    "take raw 8N1 at %u baud", path, baud);
		goto fail;
	}
	/* Whatever was on the line before we opened it is not ours. */
	if (tcflush(fd, TCIOFLUSH) != 0) {
		fe_err_sys(err, "%s: tcflush", path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return FE_EIO;
}

int
pty_pair(int *master_fd, char *slave_path, size_t slave_path_len,
    struct fe_err *err)
{
	struct termios t;
	char name[128];
	int fd, e;

	fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fe_err_sys(err, "pty: posix_openpt");
	if (grantpt(fd) != 0) {
		fe_err_sys(err, "pty: grantpt");
		goto fail;
	}
	if (unlockpt(fd) != 0) {
		fe_err_sys(err, "pty: unlockpt");
		goto fail;
	}
	if ((e = ptsname_r(fd, name, sizeof(name))) != 0) {
		errno = e;
		fe_err_sys(err, "pty: ptsname_r");
		goto fail;
	}
	/* Defensive: posix_openpt was asked for it, but some C libraries
	 * drop flags they do not know. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		fe_err_sys(err, "%s: master: fcntl O_NONBLOCK", name);
		goto fail;
	}
	/* On Linux the termios ioctls on a master act on its slave. */
	if (tcgetattr(fd, &t) != 0) {
		fe_err_sys(err, "%s: master: tcgetattr", name);
		goto fail;
	}
	tty_make_raw(&t, false);
	if (tcsetattr(fd, TCSANOW, &t) != 0) {
		fe_err_sys(err, "%s: master: tcsetattr", name);
		goto fail;
	}
	if (strlen(name) >= slave_path_len) {
		fe_err_set(err, "%s: the slave's name does not fit in %zu "
		    "bytes", name, slave_path_len);
		goto fail;
	}
	memcpy(slave_path, name, strlen(name) + 1);
	*master_fd = fd;
	return 0;
fail:
	close(fd);
	return FE_EIO;
}
