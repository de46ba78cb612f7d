/*
 * watcher.h - the monitor itself: baseline, realtime events, rescans,
 * reconciliation with change tickets, alerts and their 24-hour clock.
 * fe-watch (main.c) is a thin wrapper; `fe watch` shares the collection.
 *
 * Reconciliation of one observed change (key, new value, time):
 *  - back to the baseline value: the pending change is cleared ("reverted");
 *  - covered by an approved ticket (host, pattern, window): accepted into
 *    the baseline and logged with the ticket number;
 *  - covered by an emergency ticket not yet approved: pending until the
 *    ticket is approved (then accepted) or the change reverted; past the
 *    grace time it becomes an alert;
 *  - anything else: an alert.  Changes found in one pass share one alert.
 * Listening sockets are reconciled against [ports] documented (POLICY.md
 * M5), not the baseline: an undocumented listener is an alert unless a
 * ticket covers it.
 */
#ifndef FE_WATCH_WATCHER_H
#define FE_WATCH_WATCHER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/err.h"
#include "watch/item.h"
#include "watch/scan.h"
#include "watch/watchconf.h"

enum collector { COL_FILES, COL_PACKAGES, COL_ACCOUNTS, COL_MODULES,
	COL_UNITS, COL_SOCKETS, COL__MAX };
extern const char *const collector_names[COL__MAX];
extern const char *const collector_prefix[COL__MAX];

void watch_rules(const struct watchconf *wc, struct scan_rules *r);
/* Collect everything the configuration asks for except sockets (which are
 * reconciled against the documented ports).  failed[c] is set, with the
 * message in err, for a collector that could not run: its items are then
 * missing from out and must not be read as removed. */
int watch_collect(const struct watchconf *wc, const struct scan_rules *r,
    struct wset *out, bool failed[COL__MAX], struct scan_stats *st,
    struct fe_err *err);
/* Which collector a key belongs to (COL__MAX if none). */
enum collector watch_key_collector(const char *key);

struct baseline;
/* Read STATE/baseline and check it against its signature and against the
 * last baseline.write record of STATE/watch.log. */
int watch_verify_baseline(const char *state, struct baseline *b,
    struct fe_err *err);
/* `fe watch init`: make STATE (0700), the baseline key, the first
 * baseline and the watch log.  Refuses when a baseline exists. */
int watch_init(const char *conf_path, const char *by, FILE *report,
    struct fe_err *err);
/* `fe watch check`: one full check now against the baseline, written to
 * report as a person reads it; *changes counts the differences. */
int watch_check(const char *conf_path, FILE *report, size_t *changes,
    struct fe_err *err);

struct watcher;
int watcher_open(const char *conf_path, struct watcher **out,
    struct fe_err *err);
/* Run until *stop becomes non-zero; returns 0 on a clean stop. */
int watcher_run(struct watcher *w, volatile sig_atomic_t *stop);
void watcher_close(struct watcher *w);

#endif
