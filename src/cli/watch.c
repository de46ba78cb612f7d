/*
 * watch.c - `fe watch init|check|status` and `fe alert list|show|ack`:
 * the administrators' side of fe-watch.  init and check scan the host
 * themselves; status and alert read fe-watch's state database; ack writes
 * only the acknowledgement (who, when, the plan), which fe-watch then
 * records in its hash-chained log.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lib/seam.h"
#include "watch/baseline.h"
#include "watch/watchconf.h"
#include "watch/watcher.h"
#include "watch/wstate.h"

static const char *
opt(int argc, char **argv, const char *name)
{
	int i;

	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int
watch_usage(void)
{
	fprintf(stderr,
	    "usage: fe watch init -c CONFIG --by NAME\n"
	    "       fe watch check -c CONFIG\n"
	    "       fe watch status -c CONFIG\n");
	return 2;
}

static int
status(const char *conf)
{
	struct watchconf wc;
	struct fe_err err;
	struct wstate *st = NULL;
	struct baseline b;
	int64_t running = 0, beat = 0, pid = 0, ready = 0;
	struct walert *v = NULL;
	size_t n = 0, i, np = 0;
	struct wpending *pv = NULL;
	char t[FE_TIME_STR];
	int64_t now = fe_now_sec();
	bool alive;
	int rc = 1;

	memset(&b, 0, sizeof(b));
	if (watchconf_load(conf, &wc, &err) < 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	if (wstate_open(wc.state, &st, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	wstate_get(st, "running", 0, &running, &err);
	wstate_get(st, "heartbeat", 0, &beat, &err);
	wstate_get(st, "pid", 0, &pid, &err);
	wstate_get(st, "ready", 0, &ready, &err);
	alive = running && pid > 0 && kill((pid_t)pid, 0) == 0 &&
	    now - beat <= 5 + (int64_t)wc.poll;
	fe_time_format_sec(beat, t);
	printf("host:       %s\n", wc.host);
	printf("fe-watch:   %s (pid %lld, last heartbeat %s)\n",
	    alive ? (ready >= beat - 5 && ready > 0 ? "running" : "starting") :
	    running ? "NOT RUNNING (killed? no clean stop)" : "stopped",
	    (long long)pid, beat ? t : "never");
	if (watch_verify_baseline(wc.state, &b, &err) == 0) {
		fe_time_format_sec(b.written, t);
		printf("baseline:   generation %llu, %zu items, written %s "
		    "(%s), signature and watch log agree\n",
		    (unsigned long long)b.generation, b.items.n, t, b.reason);
	} else {
		printf("baseline:   DOES NOT VERIFY: %s\n", err.msg);
	}
	if (wstate_pending_all(st, &pv, &np, &err) == 0)
		printf("pending:    %zu changes seen and not accepted\n", np);
	wpending_free_all(pv, np);
	if (wstate_alerts(st, true, &v, &n, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	printf("open alerts: %zu\n", n);
	for (i = 0; i < n; i++) {
		fe_time_format_sec(v[i].respond_by, t);
		printf("  %llu %-10s respond by %s%s: %s\n",
		    (unsigned long long)v[i].id, v[i].kind, t,
		    v[i].respond_by < now ? " (OVERDUE, escalated)" : "",
		    v[i].summary);
	}
	walert_free_all(v, n);
	rc = alive ? 0 : 1;
out:
	baseline_clear(&b);
	wstate_close(st);
	watchconf_clear(&wc);
	return rc;
}

int
cmd_watch(int argc, char **argv)
{
	const char *conf = opt(argc, argv, "-c");
	struct fe_err err;

	if (argc < 2 || conf == NULL)
		return watch_usage();
	if (strcmp(argv[1], "init") == 0) {
		const char *by = opt(argc, argv, "--by");

		if (by == NULL)
			return watch_usage();
		if (watch_init(conf, by, stdout, &err) < 0) {
			cli_error("watch init: %s", err.msg);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "check") == 0) {
		size_t changes = 0;

		if (watch_check(conf, stdout, &changes, &err) < 0) {
			cli_error("watch check: %s", err.msg);
			return 2;
		}
		return changes > 0 ? 1 : 0;
	}
	if (strcmp(argv[1], "status") == 0)
		return status(conf);
	return watch_usage();
}

static int
alert_usage(void)
{
	fprintf(stderr,
	    "usage: fe alert list -c CONFIG [--all]\n"
	    "       fe alert show N -c CONFIG\n"
	    "       fe alert ack N -c CONFIG --by NAME --plan TEXT\n");
	return 2;
}

static int
parse_id(const char *s, uint64_t *id)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || s[0] == '-')
		return -1;
	*id = v;
	return 0;
}

int
cmd_alert(int argc, char **argv)
{
	const char *conf = opt(argc, argv, "-c");
	struct watchconf wc;
	struct wstate *st = NULL;
	struct fe_err err;
	struct walert *v = NULL;
	size_t n = 0, i;
	char t[FE_TIME_STR], t2[FE_TIME_STR];
	uint64_t id = 0;
	int rc = 1;

	if (argc < 2 || conf == NULL)
		return alert_usage();
	if ((strcmp(argv[1], "ack") == 0 || strcmp(argv[1], "show") == 0) &&
	    (argc < 3 || parse_id(argv[2], &id) < 0)) {
		cli_error("alert %s: '%s' is not an alert number", argv[1],
		    argc > 2 ? argv[2] : "");
		return 2;
	}
	if (watchconf_load(conf, &wc, &err) < 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	if (wstate_open(wc.state, &st, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	if (strcmp(argv[1], "ack") == 0) {
		const char *by = opt(argc, argv, "--by");
		const char *plan = opt(argc, argv, "--plan");

		if (by == NULL || plan == NULL || *by == '\0' ||
		    strlen(plan) < 10) {
			cli_error("alert ack: --by NAME and --plan TEXT (the "
			    "plan of action, SC29 3(a); at least 10 "
			    "characters) are required");
			rc = 2;
			goto out;
		}
		if (wstate_alert_ack(st, id, by, plan, fe_now_sec(),
		    &err) < 0) {
			cli_error("alert ack: %s", err.msg);
			goto out;
		}
		printf("alert %llu acknowledged by %s\n",
		    (unsigned long long)id, by);
		rc = 0;
		goto out;
	}
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0) {
		bool all = strcmp(argv[1], "show") == 0;

		for (i = 1; i < (size_t)argc; i++)
			if (strcmp(argv[i], "--all") == 0)
				all = true;
		if (wstate_alerts(st, !all, &v, &n, &err) < 0) {
			cli_error("%s", err.msg);
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (id != 0 && v[i].id != id)
				continue;
			fe_time_format_sec(v[i].time, t);
			fe_time_format_sec(v[i].respond_by, t2);
			printf("%llu %s %s respond-by %s %s: %s\n",
			    (unsigned long long)v[i].id, t, v[i].kind, t2,
			    v[i].acked_at ? "acked" : "OPEN", v[i].summary);
			if (id != 0) {
				if (v[i].acked_at) {
					fe_time_format_sec(v[i].acked_at, t);
					printf("acknowledged by %s at %s\n"
					    "plan: %s\n", v[i].acked_by, t,
					    v[i].plan);
				}
				if (v[i].detail != NULL)
					printf("%s\n", v[i].detail);
				rc = 0;
			}
		}
		if (id != 0 && rc != 0)
			cli_error("alert %llu: no such alert",
			    (unsigned long long)id);
		if (id == 0)
			rc = 0;
		walert_free_all(v, n);
		goto out;
	}
	rc = alert_usage();
out:
	wstate_close(st);
	watchconf_clear(&wc);
	return rc;
}
