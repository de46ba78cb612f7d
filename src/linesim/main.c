/*
 * main.c - fe-linesim, the serial line simulator.
 *
 *   fe-linesim --link-a PATH_A --link-b PATH_B [--baud N] [--seed N]
 *       [--flip P] [--drop P] [--dup P] [--pause-every MS --pause-for MS]
 *       [--pull-every MS --pull-for MS] [--stats FILE]
 *
 * It stands where the RS232 cable would be (docs/link-protocol.md, section
 * 1) in tests, the demo and the benchmarks: two pty pairs, a symlink to each
 * slave, and between the two masters a line that carries at most baud/10
 * bytes a second each way (8N1: ten bits a byte), queues a bounded amount
 * and then stops reading (a fast writer is slowed as by a real UART), and
 * injects faults: bit flips, dropped and duplicated bytes, stalls, and
 * pulled cables.
 *
 * What it trusts: its command line.  The bytes it carries are opaque and
 * never interpreted.  An end that closes its slave is normal (a daemon
 * restarts): the master then reads EIO and polls POLLHUP, bytes sent towards
 * it are lost as on a cable into a closed port, and the master is looked at
 * again every few milliseconds until someone opens the slave again.  The
 * faults come from a seeded PRNG so that a run can be repeated; it is not
 * for security and nothing here is.  Test tool: never part of a production
 * install.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "link/tty.h"

#define PROG "fe-linesim"

/* Bytes queued inside the simulator per direction before it stops reading
 * from the sending master. */
#define QUEUE_MAX (64 * 1024)
/* Bytes taken off the line in one go; each can become two (--dup). */
#define TAKE_MAX 4096
#define OUT_MAX (2 * TAKE_MAX)
/* How much line time a wake-up aims to release while bytes are queued:
 * the usual burst the receiving end sees. */
#define WAKE_NS (2 * NS_PER_MS)
/* A busy line that we served late (the scheduler, a slow receiver) may
 * catch up this much at once; an idle line starts afresh with no credit. */
#define CATCHUP_NS (20 * NS_PER_MS)
/* How often a master whose slave is closed is looked at again. */
#define RECHECK_NS (10 * NS_PER_MS)
/* The longest sleep when there is nothing to do. */
#define IDLE_NS (1000 * NS_PER_MS)

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

#define BAUD_MIN 300
#define BAUD_MAX 4000000
#define MS_MAX 86400000   /* a day */

enum end_id { END_A, END_B, END__MAX };
static const char *const end_names[END__MAX] = { "A", "B" };

enum dir_id { DIR_AB, DIR_BA, DIR__MAX };
static const char *const dir_names[DIR__MAX] = { "a_to_b", "b_to_a" };

/* One end of the line: a pty master, its slave, the symlink to it. */
struct end {
	const char *link;       /* PATH_A or PATH_B */
	char slave[128];        /* /dev/pts/N */
	int fd;                 /* the master */
	bool linked;            /* the symlink is ours to remove */
	bool hung;              /* the slave is closed: not polled */
	int64_t recheck_at;     /* when hung: next look */
};

struct dir_stats {
	uint64_t bytes;         /* read from the sending master */
	uint64_t delivered;     /* written to the receiving master */
	uint64_t flipped;
	uint64_t dropped;
	uint64_t duplicated;
	uint64_t pulled;        /* lost on the line while the cable was out */
	uint64_t closed;        /* lost because the receiving end was closed */
};

/* One direction of the line: a queue of bytes waiting for line time and the
 * bytes that left the line but did not fit into the receiving master yet. */
struct dir {
	struct end *src, *dst;
	uint8_t q[QUEUE_MAX];   /* ring */
	size_t qhead, qlen;
	uint8_t out[OUT_MAX];
	size_t outoff, outlen;
	int64_t line_t;         /* the line is busy until this time */
	uint64_t rng;
	struct dir_stats st;
};

/* A fault that comes and goes: a stall (--pause-*) or a pulled cable
 * (--pull-*), at exponentially distributed intervals. */
struct spell {
	int64_t every_ns, for_ns;   /* every_ns == 0: never */
	bool active;
	int64_t next;               /* start if !active, end if active */
	uint64_t count;
};

struct opts {
	const char *link[END__MAX];
	unsigned baud;
	uint64_t seed;
	double flip, drop, dup;
	uint64_t pause_every, pause_for, pull_every, pull_for;
	const char *stats;
};

struct sim {
	struct opts o;
	struct end ends[END__MAX];
	struct dir dirs[DIR__MAX];
	int64_t byte_ns;
	uint64_t sched_rng;
	struct spell pause, pull;
};

static volatile sig_atomic_t got_stop, got_usr1;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

/* Pacing needs a clock that never jumps; the wall clock (fe_now) may. */
static int64_t
mono_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fe_fatal("clock_gettime(CLOCK_MONOTONIC) failed");
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* splitmix64 (Steele, Lea and Flood 2014): reproducible fault patterns for
 * a given --seed.  Not for security, and never used for anything else. */
static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
unit(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * 0x1.0p-53;
}

/* An exponentially distributed interval with the given mean, at least 1. */
static int64_t
exp_interval(uint64_t *s, int64_t mean_ns)
{
	double v = -(double)mean_ns * log(1.0 - unit(s));

	if (v < 1.0)
		return 1;
	if (v > (double)(INT64_MAX / 4))
		return INT64_MAX / 4;
	return (int64_t)v;
}

/* --- command line ------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: " PROG " --link-a PATH_A --link-b PATH_B [--baud N] "
	    "[--seed N]\n"
	    "       [--flip P] [--drop P] [--dup P] "
	    "[--pause-every MS --pause-for MS]\n"
	    "       [--pull-every MS --pull-for MS] [--stats FILE]\n\n"
	    "See fe-linesim(1).\n");
}

static int
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
    uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, PROG ": --%s: '%s' is not a whole number from %"
	    PRIu64 " to %" PRIu64 "\n", opt, s, min, max);
	return -1;
}

static int
parse_prob(const char *opt, const char *s, double *out)
{
	double v;
	char *end;

	errno = 0;
	if ((s[0] < '0' || s[0] > '9') && s[0] != '.')
		goto bad;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0.0 || v > 1.0)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, PROG ": --%s: '%s' is not a probability from 0 to 1\n",
	    opt, s);
	return -1;
}

enum opt_id {
	OPT_LINK_A = 256, OPT_LINK_B, OPT_BAUD, OPT_SEED, OPT_FLIP, OPT_DROP,
	OPT_DUP, OPT_PAUSE_EVERY, OPT_PAUSE_FOR, OPT_PULL_EVERY, OPT_PULL_FOR,
	OPT_STATS, OPT_HELP
};

static const struct option long_opts[] = {
	{ "link-a", required_argument, NULL, OPT_LINK_A },
	{ "link-b", required_argument, NULL, OPT_LINK_B },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "flip", required_argument, NULL, OPT_FLIP },
	{ "drop", required_argument, NULL, OPT_DROP },
	{ "dup", required_argument, NULL, OPT_DUP },
	{ "pause-every", required_argument, NULL, OPT_PAUSE_EVERY },
	{ "pause-for", required_argument, NULL, OPT_PAUSE_FOR },
	{ "pull-every", required_argument, NULL, OPT_PULL_EVERY },
	{ "pull-for", required_argument, NULL, OPT_PULL_FOR },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* 0, or 2 for a usage error (message printed), or 1 for --help. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->baud = 115200;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		const char *name = optind > 0 && optind <= argc ?
		    argv[optind - 1] : "?";
		rc = 0;
		switch (c) {
		case OPT_LINK_A:
			o->link[END_A] = optarg;
			break;
		case OPT_LINK_B:
			o->link[END_B] = optarg;
			break;
		case OPT_BAUD:
			rc = parse_u64("baud", optarg, BAUD_MIN, BAUD_MAX, &v);
			o->baud = (unsigned)v;
			break;
		case OPT_SEED:
			rc = parse_u64("seed", optarg, 0, UINT64_MAX, &o->seed);
			break;
		case OPT_FLIP:
			rc = parse_prob("flip", optarg, &o->flip);
			break;
		case OPT_DROP:
			rc = parse_prob("drop", optarg, &o->drop);
			break;
		case OPT_DUP:
			rc = parse_prob("dup", optarg, &o->dup);
			break;
		case OPT_PAUSE_EVERY:
			rc = parse_u64("pause-every", optarg, 1, MS_MAX,
			    &o->pause_every);
			break;
		case OPT_PAUSE_FOR:
			rc = parse_u64("pause-for", optarg, 1, MS_MAX,
			    &o->pause_for);
			break;
		case OPT_PULL_EVERY:
			rc = parse_u64("pull-every", optarg, 1, MS_MAX,
			    &o->pull_every);
			break;
		case OPT_PULL_FOR:
			rc = parse_u64("pull-for", optarg, 1, MS_MAX,
			    &o->pull_for);
			break;
		case OPT_STATS:
			o->stats = optarg;
			break;
		case OPT_HELP:
			usage();
			return 1;
		case '?':
			fprintf(stderr, PROG ": unknown option or missing "
			    "value: %s\n", name);
			usage();
			return 2;
		default:
			fprintf(stderr, PROG ": unexpected option %s\n", name);
			return 2;
		}
		if (rc != 0)
			return 2;
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n",
		    argv[optind]);
		usage();
		return 2;
	}
	if (o->link[END_A] == NULL || o->link[END_B] == NULL) {
		fprintf(stderr, PROG ": --link-a and --link-b are required\n");
		usage();
		return 2;
	}
	if (strcmp(o->link[END_A], o->link[END_B]) == 0) {
		fprintf(stderr, PROG ": --link-a and --link-b are both '%s'\n",
		    o->link[END_A]);
		return 2;
	}
	if ((o->pause_every == 0) != (o->pause_for == 0)) {
		fprintf(stderr, PROG ": --pause-every and --pause-for go "
		    "together\n");
		return 2;
	}
	if ((o->pull_every == 0) != (o->pull_for == 0)) {
		fprintf(stderr, PROG ": --pull-every and --pull-for go "
		    "together\n");
		return 2;
	}
	return 0;
}

/* --- symlinks ---------------------------------------------------------- */

/* Point path at target.  A symlink already there (left by an earlier run)
 * is replaced atomically; anything else is refused. */
static int
link_make(const char *path, const char *target, struct fe_err *err)
{
	char tmp[PATH_MAX];
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno != ENOENT)
			return fe_err_sys(err, "%s: lstat", path);
		if (symlink(target, path) != 0)
			return fe_err_sys(err, "%s: symlink to %s", path,
			    target);
		return 0;
	}
	if (!S_ISLNK(st.st_mode))
		return fe_err_code(err, FE_EEXIST, "%s: exists and is not a "
		    "symbolic link; not replacing it", path);
	if (fe_snprintf_ok(tmp, sizeof(tmp), "%s.linesim-%ld", path,
	    (long)getpid()) != 0)
		return fe_err_set(err, "%s: path too long", path);
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0)
		return fe_err_sys(err, "%s: symlink to %s", tmp, target);
	if (rename(tmp, path) != 0) {
		fe_err_sys(err, "%s: rename from %s", path, tmp);
		(void)unlink(tmp);
		return FE_EIO;
	}
	return 0;
}

/* Remove path if it still points at target (someone may have replaced
 * it since). */
static void
link_remove(const char *path, const char *target)
{
	char cur[PATH_MAX];
	ssize_t n;

	n = readlink(path, cur, sizeof(cur) - 1);
	if (n < 0)
		return;
	cur[n] = '\0';
	if (strcmp(cur, target) == 0 && unlink(path) != 0)
		fprintf(stderr, PROG ": %s: unlink: %s\n", path,
		    strerror(errno));
}

/* --- statistics -------------------------------------------------------- */

static int
stats_write(const struct sim *s)
{
	char tmp[PATH_MAX];
	FILE *f;
	size_t i;

	if (s->o.stats == NULL)
		return 0;
	if (fe_snprintf_ok(tmp, sizeof(tmp), "%s.tmp-%ld", s->o.stats,
	    (long)getpid()) != 0) {
		fprintf(stderr, PROG ": %s: path too long\n", s->o.stats);
		return -1;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, PROG ": %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < DIR__MAX; i++) {
		const struct dir_stats *d = &s->dirs[i].st;
		const char *n = dir_names[i];

		fprintf(f, "bytes_%s %" PRIu64 "\n", n, d->bytes);
		fprintf(f, "delivered_%s %" PRIu64 "\n", n, d->delivered);
		fprintf(f, "flipped_%s %" PRIu64 "\n", n, d->flipped);
		fprintf(f, "dropped_%s %" PRIu64 "\n", n, d->dropped);
		fprintf(f, "duplicated_%s %" PRIu64 "\n", n, d->duplicated);
		fprintf(f, "pulled_%s %" PRIu64 "\n", n, d->pulled);
		fprintf(f, "closed_%s %" PRIu64 "\n", n, d->closed);
	}
	fprintf(f, "pauses %" PRIu64 "\n", s->pause.count);
	fprintf(f, "pulls %" PRIu64 "\n", s->pull.count);
	if (ferror(f) != 0 || fclose(f) != 0) {
		fprintf(stderr, PROG ": %s: write failed\n", tmp);
		(void)unlink(tmp);
		return -1;
	}
	if (rename(tmp, s->o.stats) != 0) {
		fprintf(stderr, PROG ": %s: rename: %s\n", s->o.stats,
		    strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* --- ends -------------------------------------------------------------- */

static void
end_hangup(struct sim *s, struct end *e, int64_t now)
{
	size_t i;

	if (e->hung)
		return;
	e->hung = true;
	e->recheck_at = now + RECHECK_NS;
	/* Bytes that left the line for a closed port are lost. */
	for (i = 0; i < DIR__MAX; i++) {
		struct dir *d = &s->dirs[i];
		if (d->dst == e) {
			d->st.closed += d->outlen;
			d->outoff = d->outlen = 0;
		}
	}
}

/* A hung master reports POLLHUP until its slave is opened again. */
static void
end_recheck(struct end *e, int64_t now)
{
	struct pollfd p = { .fd = e->fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR)) != 0) {
		e->recheck_at = now + RECHECK_NS;
		return;
	}
	e->hung = false;
}

/* --- the line ---------------------------------------------------------- */

static size_t
dir_room(const struct dir *d)
{
	return QUEUE_MAX - d->qlen;
}

/* Read what the sender wrote, as far as the queue has room. */
static void
dir_read(struct sim *s, struct dir *d, int64_t now)
{
	/* An idle line starts sending when the first byte comes. */
	if (d->qlen == 0 && d->outlen == 0 && d->line_t < now)
		d->line_t = now;
	while (dir_room(d) > 0) {
		size_t tail = (d->qhead + d->qlen) % QUEUE_MAX;
		size_t n = QUEUE_MAX - tail;
		ssize_t r;

		if (n > dir_room(d))
			n = dir_room(d);
		r = read(d->src->fd, d->q + tail, n);
		if (r > 0) {
			d->qlen += (size_t)r;
			d->st.bytes += (uint64_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EIO)
			end_hangup(s, d->src, now);
		else if (r < 0 && errno != EAGAIN)
			fprintf(stderr, PROG ": %s (%s): read: %s\n",
			    d->src->link, d->src->slave, strerror(errno));
		return;
	}
}

/* Write what left the line into the receiving master. */
static void
dir_flush(struct sim *s, struct dir *d, int64_t now)
{
	while (d->outlen > 0) {
		ssize_t w;

		if (d->dst->hung) {
			d->st.closed += d->outlen;
			d->outoff = d->outlen = 0;
			return;
		}
		w = write(d->dst->fd, d->out + d->outoff, d->outlen);
		if (w > 0) {
			d->outoff += (size_t)w;
			d->outlen -= (size_t)w;
			d->st.delivered += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;   /* back-pressure: POLLOUT */
		if (w < 0 && errno != EIO)
			fprintf(stderr, PROG ": %s (%s): write: %s\n",
			    d->dst->link, d->dst->slave, strerror(errno));
		end_hangup(s, d->dst, now);
	}
	d->outoff = 0;
}

/* One byte crosses the line: faults are drawn for every byte, in the same
 * order, so that a seed gives the same pattern whatever the options. */
static void
dir_carry(struct sim *s, struct dir *d, uint8_t b)
{
	double u_drop = unit(&d->rng);
	double u_flip = unit(&d->rng);
	unsigned bit = (unsigned)(splitmix64(&d->rng) >> 61);
	double u_dup = unit(&d->rng);

	if (s->pull.active) {
		d->st.pulled++;
		return;
	}
	if (u_drop < s->o.drop) {
		d->st.dropped++;
		return;
	}
	if (u_flip < s->o.flip) {
		b ^= (uint8_t)(1u << bit);
		d->st.flipped++;
	}
	if (d->dst->hung) {
		d->st.closed++;
		return;
	}
	d->out[d->outoff + d->outlen++] = b;
	if (u_dup < s->o.dup) {
		d->out[d->outoff + d->outlen++] = b;
		d->st.duplicated++;
		d->line_t += s->byte_ns;   /* the copy takes line time too */
	}
}

/* Let the line carry what its rate allows by now. */
static void
dir_pump(struct sim *s, struct dir *d, int64_t now)
{
	int64_t credit, catchup;
	size_t n;

	dir_flush(s, d, now);
	if (s->pause.active && d->line_t < now)
		d->line_t = now;   /* a stalled line earns no credit */
	if (d->outlen > 0 || d->qlen == 0 || s->pause.active)
		return;
	/* At under 500 baud a single byte takes longer than CATCHUP_NS. */
	catchup = s->byte_ns > CATCHUP_NS ? s->byte_ns : CATCHUP_NS;
	if (d->line_t < now - catchup)
		d->line_t = now - catchup;
	credit = now - d->line_t;
	if (credit < s->byte_ns)
		return;
	n = (size_t)(credit / s->byte_ns);
	/* The receiving end may have opened its port since the last look:
	 * look now rather than lose bytes to our own polling interval. */
	if (d->dst->hung)
		end_recheck(d->dst, now);
	if (n > d->qlen)
		n = d->qlen;
	if (n > TAKE_MAX)
		n = TAKE_MAX;
	d->outoff = 0;
	while (n-- > 0) {
		uint8_t b = d->q[d->qhead];

		d->qhead = (d->qhead + 1) % QUEUE_MAX;
		d->qlen--;
		d->line_t += s->byte_ns;
		dir_carry(s, d, b);
	}
	dir_flush(s, d, now);
}

/* When this direction next has something to carry (INT64_MAX: nothing
 * until a poll event). */
static int64_t
dir_due(const struct sim *s, const struct dir *d)
{
	int64_t want;

	if (d->outlen > 0 || d->qlen == 0 || s->pause.active)
		return INT64_MAX;
	want = (int64_t)d->qlen * s->byte_ns;
	if (want > WAKE_NS)
		want = WAKE_NS;
	if (want < s->byte_ns)
		want = s->byte_ns;
	return d->line_t + want;
}

/* --- stalls and pulled cables ------------------------------------------ */

static void
spell_init(struct spell *sp, uint64_t every_ms, uint64_t for_ms,
    uint64_t *rng, int64_t now)
{
	memset(sp, 0, sizeof(*sp));
	sp->every_ns = (int64_t)every_ms * NS_PER_MS;
	sp->for_ns = (int64_t)for_ms * NS_PER_MS;
	if (sp->every_ns > 0)
		sp->next = now + exp_interval(rng, sp->every_ns);
}

static void
spell_update(struct spell *sp, uint64_t *rng, int64_t now)
{
	if (sp->every_ns == 0)
		return;
	while (now >= sp->next) {
		if (!sp->active) {
			sp->active = true;
			sp->count++;
			sp->next += sp->for_ns;
		} else {
			sp->active = false;
			sp->next += exp_interval(rng, sp->every_ns);
		}
	}
}

static int64_t
spell_due(const struct spell *sp)
{
	return sp->every_ns == 0 ? INT64_MAX : sp->next;
}

/* --- main loop --------------------------------------------------------- */

static void
sim_step(struct sim *s, int64_t now)
{
	size_t i;

	spell_update(&s->pause, &s->sched_rng, now);
	spell_update(&s->pull, &s->sched_rng, now);
	for (i = 0; i < END__MAX; i++) {
		struct end *e = &s->ends[i];
		if (e->hung && now >= e->recheck_at)
			end_recheck(e, now);
	}
	for (i = 0; i < DIR__MAX; i++)
		dir_pump(s, &s->dirs[i], now);
}

static int
sim_run(struct sim *s, const sigset_t *waitmask)
{
	struct pollfd pfd[END__MAX];
	size_t i;

	for (;;) {
		int64_t now = mono_ns(), due = now + IDLE_NS, t;
		struct timespec ts;

		if (got_usr1) {
			got_usr1 = 0;
			(void)stats_write(s);
		}
		if (got_stop)
			return 0;
		sim_step(s, now);

		for (i = 0; i < END__MAX; i++) {
			struct end *e = &s->ends[i];
			/* dirs[i] reads from end i, the other one writes to
			 * it. */
			struct dir *from = &s->dirs[i];
			struct dir *to = &s->dirs[(i + 1) % DIR__MAX];

			pfd[i].fd = e->hung ? -1 : e->fd;
			pfd[i].events = 0;
			pfd[i].revents = 0;
			if (dir_room(from) > 0)
				pfd[i].events |= POLLIN;
			if (to->outlen > 0)
				pfd[i].events |= POLLOUT;
			if (e->hung && e->recheck_at < due)
				due = e->recheck_at;
		}
		for (i = 0; i < DIR__MAX; i++) {
			t = dir_due(s, &s->dirs[i]);
			if (t < due)
				due = t;
		}
		if ((t = spell_due(&s->pause)) < due)
			due = t;
		if ((t = spell_due(&s->pull)) < due)
			due = t;
		t = due > now ? due - now : 0;
		ts.tv_sec = (time_t)(t / NS_PER_S);
		ts.tv_nsec = (long)(t % NS_PER_S);

		if (ppoll(pfd, END__MAX, &ts, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": ppoll: %s\n", strerror(errno));
			return -1;
		}
		now = mono_ns();
		for (i = 0; i < END__MAX; i++) {
			struct end *e = &s->ends[i];
			short rev = pfd[i].revents;

			if (pfd[i].fd < 0)
				continue;
			/* A closing slave may leave bytes to read first. */
			if ((rev & POLLIN) != 0)
				dir_read(s, &s->dirs[i], now);
			if ((rev & (POLLHUP | POLLERR)) != 0 &&
			    (rev & POLLIN) == 0)
				end_hangup(s, e, now);
			if ((rev & POLLNVAL) != 0) {
				fprintf(stderr, PROG ": %s: master fd lost\n",
				    e->link);
				return -1;
			}
		}
	}
}

static int
sim_open(struct sim *s, struct fe_err *err)
{
	int64_t now = mono_ns();
	uint64_t seeder = s->o.seed;
	size_t i;

	for (i = 0; i < END__MAX; i++) {
		struct end *e = &s->ends[i];

		e->fd = -1;
		e->link = s->o.link[i];
		if (pty_pair(&e->fd, e->slave, sizeof(e->slave), err) != 0) {
			fe_err_prefix(err, "end %s", end_names[i]);
			return -1;
		}
	}
	for (i = 0; i < DIR__MAX; i++) {
		struct dir *d = &s->dirs[i];

		d->src = &s->ends[i];
		d->dst = &s->ends[(i + 1) % END__MAX];
		d->line_t = now;
		d->rng = splitmix64(&seeder);   /* one stream per direction */
	}
	s->sched_rng = splitmix64(&seeder);
	/* 8N1: a start bit, eight data bits, a stop bit. */
	s->byte_ns = (10 * NS_PER_S + s->o.baud / 2) / s->o.baud;
	spell_init(&s->pause, s->o.pause_every, s->o.pause_for,
	    &s->sched_rng, now);
	spell_init(&s->pull, s->o.pull_every, s->o.pull_for, &s->sched_rng,
	    now);
	for (i = 0; i < END__MAX; i++) {
		struct end *e = &s->ends[i];

		if (link_make(e->link, e->slave, err) != 0)
			return -1;
		e->linked = true;
	}
	return 0;
}

static void
sim_close(struct sim *s)
{
	size_t i;

	for (i = 0; i < END__MAX; i++) {
		struct end *e = &s->ends[i];

		if (e->linked)
			link_remove(e->link, e->slave);
		if (e->fd >= 0)
			close(e->fd);
	}
}

int
main(int argc, char **argv)
{
	static struct sim s;   /* 2 x 72 KiB of buffers: not on the stack */
	struct sigaction sa;
	struct fe_err err;
	sigset_t block, waitmask;
	int rc;

	rc = parse_args(argc, argv, &s.o);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return 2;

	/* The stop and stats signals are taken only inside ppoll, so that
	 * one arriving between a check and the wait is not slept through. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) != 0)
		fe_fatal("sigprocmask failed");
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0 ||
	    sigaction(SIGUSR1, &sa, NULL) != 0)
		fe_fatal("sigaction failed");
	signal(SIGPIPE, SIG_IGN);   /* "ready" to a reader that left */

	if (sim_open(&s, &err) != 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		sim_close(&s);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	rc = sim_run(&s, &waitmask) == 0 ? 0 : 1;
	if (stats_write(&s) != 0)
		rc = 1;
	sim_close(&s);
	return rc;
}
