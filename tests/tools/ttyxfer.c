/*
 * ttyxfer.c - pushes a file through a serial line and records what comes
 * out the other end, for the end-to-end tests of fe-linesim:
 *
 *   ttyxfer [--idle MS] [--timeout MS] FROM TO IN OUT
 *
 * Opens TO (the receiving end) first and then FROM with tty_open(), writes
 * the whole of IN to FROM while reading TO into OUT, and stops once
 * everything is written and nothing has arrived for --idle ms (default
 * 400).  Prints "sent N received M seconds S", where S runs from the first
 * byte written to the last byte received.  A test tool, never installed;
 * it trusts its arguments and treats the line's bytes as opaque.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "link/tty.h"

#define XFER_MAX (16u * 1024 * 1024)

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fe_fatal("clock_gettime failed");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
mono_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fe_fatal("clock_gettime failed");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = fe_malloc(XFER_MAX);
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "ttyxfer: %s: %s\n", path, strerror(errno));
		free(p);
		return -1;
	}
	n = fread(p, 1, XFER_MAX, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "ttyxfer: %s: read failed or larger than %u "
		    "bytes\n", path, XFER_MAX);
		fclose(f);
		free(p);
		return -1;
	}
	fclose(f);
	*out = p;
	*outlen = n;
	return 0;
}

static int
parse_ms(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 3600000)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	long idle = 400, timeout = 60000;
	struct fe_err err;
	uint8_t *in = NULL, *got = NULL;
	size_t inlen = 0, off = 0, gotlen = 0;
	int64_t start, last;
	double t0 = 0, tlast = 0;
	int from = -1, to = -1, i = 1, rc = 1;
	FILE *f;

	while (i + 1 < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--idle") == 0 &&
		    parse_ms(argv[i + 1], &idle) == 0) {
			i += 2;
		} else if (strcmp(argv[i], "--timeout") == 0 &&
		    parse_ms(argv[i + 1], &timeout) == 0) {
			i += 2;
		} else {
			fprintf(stderr, "ttyxfer: bad option %s %s\n", argv[i],
			    argv[i + 1]);
			return 2;
		}
	}
	if (argc - i != 4) {
		fprintf(stderr, "usage: ttyxfer [--idle MS] [--timeout MS] "
		    "FROM TO IN OUT\n");
		return 2;
	}
	if (read_file(argv[i + 2], &in, &inlen) != 0)
		goto out;
	got = fe_malloc(XFER_MAX);
	if ((to = tty_open(argv[i + 1], 115200, false, &err)) < 0 ||
	    (from = tty_open(argv[i], 115200, false, &err)) < 0) {
		fprintf(stderr, "ttyxfer: %s\n", err.msg);
		goto out;
	}

	start = last = mono_ms();
	t0 = mono_s();
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = to, .events = POLLIN },
			{ .fd = from, .events = off < inlen ? POLLOUT : 0 },
		};
		int64_t now = mono_ms();
		ssize_t n;

		if (off == inlen && now - last >= idle)
			break;
		if (now - start >= timeout) {
			fprintf(stderr, "ttyxfer: timed out after %ld ms\n",
			    timeout);
			rc = 3;
			goto out;
		}
		if (poll(p, 2, 10) < 0 && errno != EINTR) {
			perror("ttyxfer: poll");
			goto out;
		}
		if (off < inlen && (p[1].revents & POLLOUT) != 0) {
			n = write(from, in + off, inlen - off);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("ttyxfer: write");
				goto out;
			}
			if (n > 0) {
				off += (size_t)n;
				if (off == inlen)
					last = mono_ms();
			}
		}
		if ((p[0].revents & POLLIN) != 0) {
			n = read(to, got + gotlen, XFER_MAX - gotlen);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				perror("ttyxfer: read");
				goto out;
			}
			if (n > 0) {
				gotlen += (size_t)n;
				last = mono_ms();
				tlast = mono_s();
			}
			if (gotlen == XFER_MAX) {
				fprintf(stderr, "ttyxfer: more than %u bytes "
				    "received\n", XFER_MAX);
				goto out;
			}
		}
	}
	f = fopen(argv[i + 3], "wb");
	if (f == NULL || fwrite(got, 1, gotlen, f) != gotlen ||
	    fclose(f) != 0) {
		fprintf(stderr, "ttyxfer: %s: write failed\n", argv[i + 3]);
		goto out;
	}
	printf("sent %zu received %zu seconds %.3f\n", inlen, gotlen,
	    gotlen > 0 ? tlast - t0 : 0.0);
	rc = 0;
out:
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	free(in);
	free(got);
	return rc;
}
