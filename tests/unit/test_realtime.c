/*
 * test_realtime.c - fanotify and inotify as fe-watch uses them: a change
 * under a watched root is reported as its path, ignored and unwatched
 * paths are not, a directory created later is followed, and a queue
 * overflow is reported.  fanotify needs CAP_SYS_ADMIN: without it those
 * cases are skipped (and the inotify ones still run).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "watch/realtime.h"
#include "watch/watchconf.h"

static char root[64], other[80];

struct seen {
	char *v[64];
	size_t n;
};

static void
seen_cb(void *arg, const char *path)
{
	struct seen *s = arg;

	if (s->n < 64)
		s->v[s->n++] = strdup(path);
}

static bool
has(const struct seen *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], path) == 0)
			return true;
	return false;
}

static void
seen_clear(struct seen *s)
{
	while (s->n > 0)
		free(s->v[--s->n]);
}

/* Read events for up to ms milliseconds. */
static void
drain(struct rt *rt, struct seen *s, struct rt_events *ev, int ms)
{
	struct pollfd p = { .fd = rt_fd(rt), .events = POLLIN };
	struct fe_err err;
	struct rt_events one;

	memset(ev, 0, sizeof(*ev));
	while (poll(&p, 1, ms) > 0) {
		assert_int_equal(rt_read(rt, seen_cb, s, &one, &err), 0);
		ev->overflow |= one.overflow;
		ev->limit |= one.limit;
		ms = 100;
	}
}

static void
touch(const char *dir, const char *name, const char *text)
{
	char p[700];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/fe-rt-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(other, sizeof(other), "%s-other", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/a %s/skip %s", root, root,
	    other);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", root, other);
	return system(cmd);
}

static void
run_mode(int mode, const char *want)
{
	char *paths[1] = { root }, skip[300], *ignore[1] = { skip };
	struct scan_rules r = { .paths = paths, .npaths = 1, .ignore = ignore,
	    .nignore = 1, .threads = 1 };
	struct rt *rt;
	const char *used = NULL;
	struct fe_err err;
	struct seen s = { 0 };
	struct rt_events ev;
	char p[700], dir[300];
	int i;

	snprintf(skip, sizeof(skip), "%s/skip", root);
	if (rt_open(mode, &r, &rt, &used, &err) != 0) {
		assert_int_equal(mode, RT_FANOTIFY);
		print_message("fanotify unavailable here (%s): skipped\n",
		    err.msg);
		skip();
	}
	assert_string_equal(used, want);

	/* a change inside, one ignored, one outside */
	touch(root, "a/f", "x");
	touch(root, "skip/g", "x");
	touch(other, "h", "x");
	drain(rt, &s, &ev, 1000);
	snprintf(p, sizeof(p), "%s/a/f", root);
	assert_true(has(&s, p));
	snprintf(p, sizeof(p), "%s/skip/g", root);
	assert_false(has(&s, p));
	snprintf(p, sizeof(p), "%s/h", other);
	assert_false(has(&s, p));
	assert_false(ev.overflow);
	seen_clear(&s);

	/* a directory created later is followed */
	snprintf(dir, sizeof(dir), "%s/a/new", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	drain(rt, &s, &ev, 1000);
	assert_true(has(&s, dir));
	seen_clear(&s);
	touch(dir, "later", "y");
	drain(rt, &s, &ev, 1000);
	snprintf(p, sizeof(p), "%s/later", dir);
	assert_true(has(&s, p));
	seen_clear(&s);

	/* a removal names the path */
	assert_int_equal(unlink(p), 0);
	drain(rt, &s, &ev, 1000);
	assert_true(has(&s, p));
	seen_clear(&s);

	/* more events than the kernel queues (16384 by default), unread */
	for (i = 0; i < 20000; i++) {
		int fd;

		snprintf(p, sizeof(p), "%s/a/n%d", root, i);
		fd = open(p, O_CREAT | O_WRONLY, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	drain(rt, &s, &ev, 1000);
	assert_true(ev.overflow);
	seen_clear(&s);
	rt_close(rt);
}

static void
inotify_mode(void **state)
{
	(void)state;
	run_mode(RT_INOTIFY, "inotify");
}

static void
fanotify_mode(void **state)
{
	(void)state;
	run_mode(RT_FANOTIFY, "fanotify");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(inotify_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(fanotify_mode, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
