/*
 * watcher.c - fe-watch's monitor (see watcher.h for the rules).
 *
 * State: the accepted baseline (a map key -> value, written signed to
 * STATE/baseline), the pending changes (seen, not accepted: a map and the
 * state database), the verified tickets, and the hash-chained watch log
 * (STATE/watch.log) where every decision is recorded before it is acted
 * on.  One thread runs the loop; alert delivery has its own thread
 * (alert.c) so that a slow mail server never delays detection.
 *
 * What it trusts: the kernel's events only as hints (every path is looked
 * at again), tickets only after their signatures verify, its own baseline
 * only after its signature and the digest in the watch log agree.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/seam.h"
#include "watch/alert.h"
#include "watch/baseline.h"
#include "watch/collect.h"
#include "watch/realtime.h"
#include "watch/smap.h"
#include "watch/ticket.h"
#include "watch/watcher.h"
#include "watch/wstate.h"

const char *const collector_names[COL__MAX] = {
	"files", "packages", "accounts", "modules", "units", "sockets",
};
const char *const collector_prefix[COL__MAX] = {
	"file:", "pkg:", "", "module:", "unit:", "listen:",
};

#define BATCH_DETAIL_MAX 2000   /* lines of one alert's detail */
#define DEBOUNCE_MS 50

enum collector
watch_key_collector(const char *key)
{
	if (strncmp(key, "file:", 5) == 0)
		return COL_FILES;
	if (strncmp(key, "pkg:", 4) == 0)
		return COL_PACKAGES;
	if (strncmp(key, "user:", 5) == 0 || strncmp(key, "group:", 6) == 0)
		return COL_ACCOUNTS;
	if (strncmp(key, "module:", 7) == 0)
		return COL_MODULES;
	if (strncmp(key, "unit:", 5) == 0)
		return COL_UNITS;
	if (strncmp(key, "listen:", 7) == 0)
		return COL_SOCKETS;
	return COL__MAX;
}

void
watch_rules(const struct watchconf *wc, struct scan_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->paths = wc->paths;
	r->npaths = wc->npaths;
	r->ignore = wc->ignore;
	r->nignore = wc->nignore;
	r->skip_dir = wc->state;
	r->threads = (unsigned)wc->threads;
}

int
watch_collect(const struct watchconf *wc, const struct scan_rules *r,
    struct wset *out, bool failed[COL__MAX], struct scan_stats *st,
    struct fe_err *err)
{
	struct fe_err e;
	int nfail = 0;

	memset(failed, 0, COL__MAX * sizeof(bool));
	e.msg[0] = '\0';
	if (scan_full(r, out, st, &e) < 0) {
		failed[COL_FILES] = true;
		nfail++;
		memcpy(err->msg, e.msg, sizeof(e.msg));
	}
#define RUN(flag, col, fn) do { \
	if (wc->flag) { \
		struct wset tmp = { 0 }; \
		if (fn(wc->root, &tmp, &e) < 0) { \
			failed[col] = true; \
			nfail++; \
			wset_free(&tmp); \
			memcpy(err->msg, e.msg, sizeof(e.msg)); \
		} else { \
			wset_move(out, &tmp); \
		} \
	} \
} while (0)
	RUN(packages, COL_PACKAGES, collect_packages);
	RUN(accounts, COL_ACCOUNTS, collect_accounts);
	RUN(modules, COL_MODULES, collect_modules);
	RUN(units, COL_UNITS, collect_units);
#undef RUN
	wset_sort(out);
	return nfail > 0 ? -1 : 0;
}

/* ------------------------------------------------------------------------ */

struct watcher {
	struct watchconf wc;
	struct scan_rules rules;
	struct clog *log;
	struct wstate *st;
	struct alerter *al;
	struct rt *rt;
	const char *rt_mode;
	struct baseline base;    /* header fields; items live in bmap */
	struct smap bmap;        /* key -> char *value */
	bool base_dirty;
	struct stat base_st;     /* the baseline file as we last wrote it */
	struct smap pend;        /* key -> struct wpending * */
	struct ticket *tickets;
	size_t ntickets;
	struct stat tlog_st;
	int64_t tickets_loaded;
	struct smap bad_tickets; /* id -> (void *)1, alerted once */
	struct smap dirty;       /* paths seen by realtime, to look at */
	int64_t dirty_since_ms;
	/* the current batch of unauthorized changes */
	struct buf batch;
	size_t batch_n;
	char batch_first[3][512];
	char **batch_keys;
	size_t batch_nkeys;
	bool rescan_now;
	char rescan_why[256];
	int64_t last_rescan, last_tick;
	bool first_start;
	bool started;
	uint64_t src_sig[COL__MAX];   /* poll_sources(): last signature */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wlog(struct watcher *w, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record in the watch log (group commit: wsync() before anything is acted
 * on, which raise_alert() and the end of every pass do).  A log that
 * cannot be written is a blind spot that nothing else would report: it
 * ends the process (the gap is then alerted at the next start). */
static void
wlog(struct watcher *w, const char *type, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;
	struct fe_err err;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		fe_fatal("out of memory");
	if ((size_t)n > CLOG_MAX_PAYLOAD - 16) {
		p[CLOG_MAX_PAYLOAD - 16] = '\0';
		n = CLOG_MAX_PAYLOAD - 16;
	}
	if (clog_append_nosync(w->log, type, p, (size_t)n, &err) < 0)
		fe_fatal("watch log: %s", err.msg);
	free(p);
}

static void
wsync(struct watcher *w)
{
	struct fe_err err;

	if (clog_sync(w->log, &err) < 0)
		fe_fatal("watch log: %s", err.msg);
}

/* Append s to a growing array of strings (capacity doubles at powers of
 * two: one realloc per item is quadratic where realloc copies). */
static void
strv_push(char ***v, size_t *n, char *s)
{
	if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0))
		*v = fe_realloc(*v, (*n == 0 ? 16 : *n * 2) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static void
pending_free(void *p)
{
	struct wpending *x = p;

	if (x == NULL)
		return;
	free(x->key);
	free(x->val);
	free(x);
}

/* --- alerts ------------------------------------------------------------- */

static uint64_t
raise_alert(struct watcher *w, const char *kind, const char *summary,
    const char *detail)
{
	struct fe_err err;
	struct alert a;
	uint64_t id = 0;
	int64_t now = fe_now_sec();

	if (wstate_alert_new(w->st, kind, summary, detail, now,
	    now + (int64_t)w->wc.respond_within, &id, &err) < 0)
		wlog(w, "watch.error", "recording an alert: %s", err.msg);
	wlog(w, "alert.raise", "alert=%llu kind=%s summary=%s",
	    (unsigned long long)id, kind, summary);
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.host = w->wc.host;
	a.kind = kind;
	a.time = now;
	a.respond_by = now + (int64_t)w->wc.respond_within;
	a.summary = summary;
	a.detail = detail;
	wsync(w);
	alerter_send(w->al, &a);
	return id;
}

static void
report_cb(void *arg, uint64_t id, enum alert_channel ch, bool ok,
    const char *msg)
{
	struct watcher *w = arg;

	wlog(w, ok ? "alert.sent" : "alert.failed", "alert=%llu channel=%s%s%s",
	    (unsigned long long)id, alert_channel_names[ch], msg ? " " : "",
	    msg ? msg : "");
}

static void
batch_add(struct watcher *w, const char *key, const char *line)
{
	if (w->batch_n < 3)
		fe_snprintf_ok(w->batch_first[w->batch_n],
		    sizeof(w->batch_first[0]), "%s", line);
	if (w->batch_n < BATCH_DETAIL_MAX)
		buf_printf(&w->batch, "%s\n", line);
	w->batch_n++;
	strv_push(&w->batch_keys, &w->batch_nkeys, fe_strdup(key));
}

/* One alert for every unauthorized change found in this pass. */
static void
batch_flush(struct watcher *w)
{
	char summary[1024];
	uint64_t id;
	size_t i;
	struct fe_err err;

	if (w->batch_n == 0)
		return;
	if (w->batch_n > BATCH_DETAIL_MAX)
		buf_printf(&w->batch, "... and %zu more: every one is in the "
		    "watch log (fe log show %s/watch.log)\n",
		    w->batch_n - BATCH_DETAIL_MAX, w->wc.state);
	buf_cstr(&w->batch);
	if (w->batch_n == 1)
		fe_snprintf_ok(summary, sizeof(summary), "unauthorized change: "
		    "%s", w->batch_first[0]);
	else
		fe_snprintf_ok(summary, sizeof(summary), "%zu unauthorized "
		    "changes: %s; %s%s", w->batch_n, w->batch_first[0],
		    w->batch_first[1], w->batch_n > 2 ? "; ..." : "");
	id = raise_alert(w, "change", summary, (const char *)w->batch.p);
	for (i = 0; i < w->batch_nkeys; i++) {
		struct wpending *p = smap_get(&w->pend, w->batch_keys[i]);

		if (p != NULL && p->alert_id == 0) {
			p->alert_id = id;
			wstate_pending_put(w->st, p, &err);
		}
		wlog(w, "change.alerted", "alert=%llu key=%s",
		    (unsigned long long)id, w->batch_keys[i]);
		free(w->batch_keys[i]);
	}
	free(w->batch_keys);
	w->batch_keys = NULL;
	w->batch_nkeys = 0;
	w->batch_n = 0;
	buf_reset(&w->batch);
}

/* --- reconciliation ----------------------------------------------------- */

static bool
documented_port(const struct watcher *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->wc.nports; i++)
		if (fnmatch(w->wc.ports[i], key + 7, 0) == 0)
			return true;
	return false;
}

static const struct ticket *
covering(const struct watcher *w, const char *key, int64_t when,
    bool approved)
{
	size_t i;

	for (i = 0; i < w->ntickets; i++) {
		const struct ticket *t = &w->tickets[i];

		if ((t->state >= TICKET_APPROVED) != approved)
			continue;
		if (!approved && !t->emergency)
			continue;
		if (ticket_covers(t, w->wc.host, key, when))
			return t;
	}
	return NULL;
}

static bool
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
describe(const char *key, const char *old, const char *nv, char *out,
    size_t n)
{
	char attrs[256];

	if (old == NULL)
		fe_snprintf_ok(out, n, "%s added", key);
	else if (nv == NULL)
		fe_snprintf_ok(out, n, "%s removed", key);
	else {
		item_changed_attrs(old, nv, attrs, sizeof(attrs));
		fe_snprintf_ok(out, n, "%s changed (%s)", key, attrs);
	}
}

static void
accept_change(struct watcher *w, const char *key, const char *nv,
    const struct ticket *t, const char *how)
{
	struct fe_err err;

	if (nv != NULL)
		smap_put_take(&w->bmap, fe_strdup(key), fe_strdup(nv));
	else
		smap_del(&w->bmap, key);
	w->base_dirty = true;
	wlog(w, "change.authorized", "ticket=%llu key=%s %s%s",
	    (unsigned long long)t->id, key, how, nv ? "" : " (removed)");
	if (smap_get(&w->pend, key) != NULL) {
		wstate_pending_del(w->st, key, &err);
		smap_del(&w->pend, key);
	}
}

static void
set_pending(struct watcher *w, const char *key, const char *nv,
    uint64_t ticket, int64_t deadline)
{
	struct wpending *p = fe_calloc(1, sizeof(*p));
	struct fe_err err;

	p->key = fe_strdup(key);
	p->val = nv ? fe_strdup(nv) : NULL;
	p->seen = fe_now_sec();
	p->ticket = ticket;
	p->deadline = deadline;
	if (wstate_pending_put(w->st, p, &err) < 0)
		wlog(w, "watch.error", "state: %s", err.msg);
	smap_put_take(&w->pend, fe_strdup(key), p);
}

/* A listening socket: documented, covered by a ticket, or an alert. */
static void
observe_port(struct watcher *w, const char *key, bool listening)
{
	struct wpending *p = smap_get(&w->pend, key);
	const struct ticket *t;
	char line[600];
	struct fe_err err;

	if (!listening) {
		if (p != NULL) {
			wlog(w, "port.closed", "key=%s alert=%llu", key,
			    (unsigned long long)p->alert_id);
			wstate_pending_del(w->st, key, &err);
			smap_del(&w->pend, key);
		}
		return;
	}
	if (p != NULL || documented_port(w, key))
		return;
	if ((t = covering(w, key, fe_now_sec(), true)) != NULL) {
		wlog(w, "port.authorized", "ticket=%llu key=%s",
		    (unsigned long long)t->id, key);
		set_pending(w, key, "listening", t->id, 0);
		return;
	}
	fe_snprintf_ok(line, sizeof(line), "%s: listening, not a documented "
	    "port of %s (POLICY.md M5)", key, w->wc.host);
	set_pending(w, key, "listening", 0, 0);
	wlog(w, "change.unauthorized", "key=%s undocumented port", key);
	batch_add(w, key, line);
}

/* The heart: one item observed with value nv (NULL: absent) at time when. */
static void
observe(struct watcher *w, const char *key, const char *nv, int64_t when)
{
	const char *bv = smap_get(&w->bmap, key);
	struct wpending *p = smap_get(&w->pend, key);
	const char *expect = p != NULL ? p->val : bv;
	const struct ticket *t;
	char line[1024];
	struct fe_err err;

	if (watch_key_collector(key) == COL_SOCKETS) {
		observe_port(w, key, nv != NULL);
		return;
	}
	if (p != NULL && same(expect, nv))
		return;
	if (p == NULL && same(bv, nv))
		return;
	if (same(bv, nv)) {
		/* back to what the baseline says: remedied */
		wlog(w, "change.reverted", "key=%s alert=%llu ticket=%llu", key,
		    (unsigned long long)p->alert_id,
		    (unsigned long long)p->ticket);
		wstate_pending_del(w->st, key, &err);
		smap_del(&w->pend, key);
		return;
	}
	if ((t = covering(w, key, when, true)) != NULL) {
		accept_change(w, key, nv, t, "in its window");
		return;
	}
	if ((t = covering(w, key, when, false)) != NULL) {
		describe(key, bv, nv, line, sizeof(line));
		wlog(w, "change.emergency", "ticket=%llu %s",
		    (unsigned long long)t->id, line);
		set_pending(w, key, nv, t->id,
		    t->opened_at + (int64_t)w->wc.emergency_grace);
		return;
	}
	describe(key, bv, nv, line, sizeof(line));
	if (p != NULL && p->alert_id != 0) {
		/* changed again after its alert: a new alert, since what is
		 * there now is not what was reported */
		wlog(w, "change.unauthorized", "%s (again, after alert %llu)",
		    line, (unsigned long long)p->alert_id);
	} else {
		wlog(w, "change.unauthorized", "%s", line);
	}
	set_pending(w, key, nv, 0, 0);
	batch_add(w, key, line);
}

/* --- tickets -------------------------------------------------------------- */

static void
bad_ticket(uint64_t id, const char *msg, void *arg)
{
	struct watcher *w = arg;
	char k[32], summary[1200];

	fe_snprintf(k, sizeof(k), "%llu", (unsigned long long)id);
	if (smap_get(&w->bad_tickets, k) != NULL)
		return;
	smap_put_take(&w->bad_tickets, fe_strdup(k), (void *)1);
	wlog(w, "ticket.refused", "ticket=%llu %s", (unsigned long long)id,
	    msg);
	fe_snprintf_ok(summary, sizeof(summary), "change ticket %llu refused: "
	    "%s", (unsigned long long)id, msg);
	raise_alert(w, "ticket", summary, NULL);
}

/* Re-evaluate pending changes against the tickets as they are now. */
static void
recheck_pending(struct watcher *w)
{
	size_t i = 0, n = 0, k;
	const struct smap_ent *e;
	char **keys = NULL;
	int64_t now = fe_now_sec();

	while (smap_next(&w->pend, &i, &e)) {
		strv_push(&keys, &n, fe_strdup(e->key));
	}
	for (k = 0; k < n; k++) {
		struct wpending *p = smap_get(&w->pend, keys[k]);
		const struct ticket *t;
		char line[1024], summary[1200];
		struct fe_err err;

		if (p == NULL || watch_key_collector(p->key) == COL_SOCKETS)
			goto next;
		if ((t = covering(w, p->key, p->seen, true)) != NULL) {
			char *key = fe_strdup(p->key);
			char *val = p->val ? fe_strdup(p->val) : NULL;

			accept_change(w, key, val, t, p->ticket ?
			    "(emergency change, approved afterwards)" :
			    "(approved after it was seen)");
			free(key);
			free(val);
			goto next;
		}
		if (p->ticket != 0 && p->alert_id == 0 && p->deadline > 0 &&
		    now > p->deadline) {
			describe(p->key, smap_get(&w->bmap, p->key), p->val,
			    line, sizeof(line));
			fe_snprintf_ok(summary, sizeof(summary), "emergency "
			    "change under ticket %llu neither approved nor "
			    "reverted within %llu s: %s",
			    (unsigned long long)p->ticket,
			    (unsigned long long)w->wc.emergency_grace, line);
			p->alert_id = raise_alert(w, "emergency", summary,
			    NULL);
			wstate_pending_put(w->st, p, &err);
		}
next:
		free(keys[k]);
	}
	free(keys);
}

/* Do two stat()s of one path differ (or one of them is of nothing)? */
static bool
stat_changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_size != b->st_size ||
	    a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	    a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
	    a->st_ctim.tv_sec != b->st_ctim.tv_sec ||
	    a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

static void
load_tickets(struct watcher *w, bool force)
{
	char *lp;
	struct stat sb;
	struct ticket *v = NULL;
	size_t n = 0;
	struct fe_err err;

	if (asprintf(&lp, "%s/log", w->wc.tickets) < 0)
		fe_fatal("out of memory");
	if (stat(lp, &sb) != 0)
		memset(&sb, 0, sizeof(sb));
	free(lp);
	if (!force && w->tickets_loaded != 0 &&
	    !stat_changed(&sb, &w->tlog_st))
		return;
	w->tlog_st = sb;
	w->tickets_loaded = fe_now_sec();
	if (access(w->wc.tickets, F_OK) != 0) {
		ticket_free_all(w->tickets, w->ntickets);
		w->tickets = NULL;
		w->ntickets = 0;
		return;
	}
	if (ticket_load_all(w->wc.tickets, w->wc.allowed_signers, &v, &n,
	    bad_ticket, w, &err) < 0) {
		char summary[1200];

		fe_snprintf_ok(summary, sizeof(summary), "change tickets "
		    "could not be read: %s", err.msg);
		wlog(w, "watch.blind", "%s", summary);
		raise_alert(w, "blind-spot", summary, NULL);
		return;
	}
	ticket_free_all(w->tickets, w->ntickets);
	w->tickets = v;
	w->ntickets = n;
	wlog(w, "tickets.loaded", "count=%zu", n);
	recheck_pending(w);
}

/* --- baseline ------------------------------------------------------------- */

static void
record_base_stat(struct watcher *w)
{
	char *p;

	if (asprintf(&p, "%s/baseline", w->wc.state) < 0)
		fe_fatal("out of memory");
	if (stat(p, &w->base_st) != 0)
		memset(&w->base_st, 0, sizeof(w->base_st));
	free(p);
}

static int
save_baseline(struct watcher *w, const char *reason)
{
	size_t i = 0;
	const struct smap_ent *e;
	struct fe_err err;
	char hex[65];

	wset_free(&w->base.items);
	while (smap_next(&w->bmap, &i, &e))
		wset_add(&w->base.items, e->key, e->val);
	wset_sort(&w->base.items);
	if (baseline_write(w->wc.state, &w->base, reason, &err) < 0) {
		wlog(w, "watch.error", "writing the baseline: %s", err.msg);
		wset_free(&w->base.items);
		return -1;
	}
	hex_encode(w->base.digest, 32, hex);
	wlog(w, "baseline.write", "generation=%llu items=%zu sha256=%s "
	    "reason=%s", (unsigned long long)w->base.generation,
	    w->base.items.n, hex, reason);
	wset_free(&w->base.items);
	record_base_stat(w);
	w->base_dirty = false;
	return 0;
}

struct lastbase {
	uint64_t gen;
	char sha[65];
	bool found;
};

static int
lastbase_cb(const struct clog_rec *r, void *arg)
{
	struct lastbase *lb = arg;
	const char *g, *s;

	if (strcmp(r->type, "baseline.write") != 0)
		return 0;
	g = strstr((const char *)r->payload, "generation=");
	s = strstr((const char *)r->payload, "sha256=");
	if (g == NULL || s == NULL || strlen(s + 7) < 64)
		return 0;
	lb->gen = strtoull(g + 11, NULL, 10);
	memcpy(lb->sha, s + 7, 64);
	lb->sha[64] = '\0';
	lb->found = true;
	return 0;
}

/* Read and verify the baseline against its signature and the watch log's
 * last record of it. */
int
watch_verify_baseline(const char *state, struct baseline *b,
    struct fe_err *err)
{
	char *lp, hex[65];
	struct lastbase lb = { 0 };

	if (baseline_read(state, b, err) < 0)
		return -1;
	if (asprintf(&lp, "%s/watch.log", state) < 0)
		fe_fatal("out of memory");
	if (clog_read_file(lp, 1, lastbase_cb, &lb, err) < 0) {
		free(lp);
		baseline_clear(b);
		return -1;
	}
	free(lp);
	hex_encode(b->digest, 32, hex);
	if (!lb.found || lb.gen != b->generation ||
	    strcmp(lb.sha, hex) != 0) {
		fe_err_set(err, "%s/baseline: generation %llu sha256 %.16s... is "
		    "not the last one fe-watch wrote (watch.log: generation "
		    "%llu sha256 %.16s...): replaced by hand", state,
		    (unsigned long long)b->generation, hex,
		    (unsigned long long)lb.gen, lb.found ? lb.sha : "none");
		baseline_clear(b);
		return -1;
	}
	return 0;
}

/* Has the baseline file been touched by anyone but us? */
static void
check_baseline_file(struct watcher *w)
{
	char *p, summary[1400];
	struct stat sb;
	struct baseline b;
	struct fe_err err;

	if (asprintf(&p, "%s/baseline", w->wc.state) < 0)
		fe_fatal("out of memory");
	if (stat(p, &sb) != 0)
		memset(&sb, 0, sizeof(sb));
	free(p);
	if (!stat_changed(&sb, &w->base_st))
		return;
	memset(&b, 0, sizeof(b));
	if (watch_verify_baseline(w->wc.state, &b, &err) == 0) {
		/* touched but still what we wrote (e.g. touch(1)) */
		fe_snprintf_ok(summary, sizeof(summary), "%s/baseline was "
		    "touched outside fe-watch (content unchanged)",
		    w->wc.state);
		baseline_clear(&b);
	} else {
		fe_snprintf_ok(summary, sizeof(summary), "stored baseline "
		    "tampered with: %s; fe-watch restores its own copy",
		    err.msg);
	}
	wlog(w, "baseline.tampered", "%s", summary);
	raise_alert(w, "baseline", summary, NULL);
	save_baseline(w, "restored after tampering");
}

/* --- scanning ------------------------------------------------------------- */

struct diffctx {
	struct watcher *w;
	int64_t when;
};

/*
 * Observe every item of cur, then every item expected (in the baseline, or
 * added and pending) of a collector in scope that cur lacks: it was
 * removed.  Collectors out of scope (failed, or not collected this time)
 * are never read as removed.
 */
static void
reconcile(struct watcher *w, const struct wset *cur,
    const bool scope[COL__MAX], int64_t now)
{
	const struct smap_ent *e;
	char **gone = NULL;
	size_t i, k, ngone = 0;

	for (i = 0; i < cur->n; i++)
		observe(w, cur->v[i].key, cur->v[i].val, now);
	for (i = 0; smap_next(&w->bmap, &i, &e);) {
		enum collector c = watch_key_collector(e->key);

		if (c != COL__MAX && scope[c] && wset_find(cur, e->key) == NULL)
			strv_push(&gone, &ngone, fe_strdup(e->key));
	}
	for (i = 0; smap_next(&w->pend, &i, &e);) {
		enum collector c = watch_key_collector(e->key);
		const struct wpending *p = e->val;

		if (c != COL__MAX && scope[c] && p->val != NULL &&
		    smap_get(&w->bmap, e->key) == NULL &&
		    wset_find(cur, e->key) == NULL)
			strv_push(&gone, &ngone, fe_strdup(e->key));
	}
	for (k = 0; k < ngone; k++) {
		observe(w, gone[k], NULL, now);
		free(gone[k]);
	}
	free(gone);
}

static void
full_rescan(struct watcher *w, const char *why)
{
	struct wset cur = { 0 };
	bool failed[COL__MAX];
	struct scan_stats st;
	struct fe_err err;
	bool scope[COL__MAX];
	int c;
	int64_t now = fe_now_sec();
	struct timespec t0 = fe_now(), t1;

	load_tickets(w, false);
	err.msg[0] = '\0';
	if (watch_collect(&w->wc, &w->rules, &cur, failed, &st, &err) < 0) {
		char summary[1200];

		fe_snprintf_ok(summary, sizeof(summary), "rescan (%s) "
		    "incomplete: %s", why, err.msg);
		wlog(w, "watch.blind", "%s", summary);
		raise_alert(w, "blind-spot", summary, NULL);
	}
	if (st.errors > 0)
		wlog(w, "scan.errors", "count=%llu last=%s",
		    (unsigned long long)st.errors, err.msg);
	for (c = 0; c < COL__MAX; c++)
		scope[c] = c != COL_SOCKETS && !failed[c];
	reconcile(w, &cur, scope, now);
	t1 = fe_now();
	wlog(w, "watch.rescan", "why=%s items=%zu files=%llu bytes=%llu "
	    "errors=%llu ms=%lld", why, cur.n, (unsigned long long)st.files,
	    (unsigned long long)st.bytes, (unsigned long long)st.errors,
	    (long long)((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000));
	wset_free(&cur);
	w->last_rescan = now;
	batch_flush(w);
}

static void
poll_sockets(struct watcher *w)
{
	struct wset cur = { 0 };
	struct fe_err err;
	size_t i;
	const struct smap_ent *e;
	char **gone = NULL;
	size_t ngone = 0, k;

	if (!w->wc.sockets)
		return;
	if (collect_sockets(w->wc.root, &cur, &err) < 0) {
		wlog(w, "watch.error", "sockets: %s", err.msg);
		return;
	}
	wset_sort(&cur);
	for (i = 0; i < cur.n; i++)
		observe_port(w, cur.v[i].key, true);
	for (i = 0; smap_next(&w->pend, &i, &e);)
		if (watch_key_collector(e->key) == COL_SOCKETS &&
		    wset_find(&cur, e->key) == NULL) {
			strv_push(&gone, &ngone, fe_strdup(e->key));
		}
	for (k = 0; k < ngone; k++) {
		observe_port(w, gone[k], false);
		free(gone[k]);
	}
	free(gone);
	wset_free(&cur);
}

/* Light collectors polled every tick, compared by kind. */
static void
poll_collector(struct watcher *w, enum collector c)
{
	struct wset cur = { 0 };
	struct fe_err err;
	int rc;
	bool scope[COL__MAX] = { false };
	int64_t now = fe_now_sec();

	switch (c) {
	case COL_MODULES:
		rc = collect_modules(w->wc.root, &cur, &err);
		break;
	case COL_ACCOUNTS:
		rc = collect_accounts(w->wc.root, &cur, &err);
		break;
	case COL_PACKAGES:
		rc = collect_packages(w->wc.root, &cur, &err);
		break;
	case COL_UNITS:
		rc = collect_units(w->wc.root, &cur, &err);
		break;
	default:
		return;
	}
	if (rc < 0) {
		wset_free(&cur);
		return;     /* the next full rescan reports it */
	}
	wset_sort(&cur);
	scope[c] = true;
	reconcile(w, &cur, scope, now);
	wset_free(&cur);
}

/*
 * The files each structured collector reads.  They are stat()ed every poll
 * and the collector runs again only when one of them changed (size, mtime,
 * ctime or inode), so a new account or package is an alert within a
 * second without parsing dpkg's status file every second.
 */
static const char *const col_sources[COL__MAX][4] = {
	[COL_PACKAGES] = { "var/lib/dpkg/status", NULL },
	[COL_ACCOUNTS] = { "etc/passwd", "etc/group", "etc/shadow",
	    "etc/gshadow" },
	[COL_UNITS] = { "etc/systemd/system", "lib/systemd/system",
	    "usr/lib/systemd/system", "usr/local/lib/systemd/system" },
};

static uint64_t
sources_sig(const struct watcher *w, enum collector c)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < 4 && col_sources[c][i] != NULL; i++) {
		char *p;
		struct stat sb;
		uint64_t v[5] = { 0 };
		size_t k;

		if (asprintf(&p, "%s/%s", strcmp(w->wc.root, "/") == 0 ? "" :
		    w->wc.root, col_sources[c][i]) < 0)
			fe_fatal("out of memory");
		if (stat(p, &sb) == 0) {
			v[0] = (uint64_t)sb.st_size;
			v[1] = (uint64_t)sb.st_mtim.tv_sec * 1000000000u +
			    (uint64_t)sb.st_mtim.tv_nsec;
			v[2] = (uint64_t)sb.st_ctim.tv_sec * 1000000000u +
			    (uint64_t)sb.st_ctim.tv_nsec;
			v[3] = (uint64_t)sb.st_ino;
			v[4] = 1;
		}
		free(p);
		for (k = 0; k < 5; k++) {
			h ^= v[k];
			h *= 1099511628211ULL;
		}
	}
	return h;
}

static void
poll_sources(struct watcher *w)
{
	static const enum collector cols[] = { COL_PACKAGES, COL_ACCOUNTS,
	    COL_UNITS };
	const bool on[] = { w->wc.packages, w->wc.accounts, w->wc.units };
	size_t i;

	for (i = 0; i < 3; i++) {
		uint64_t sig;

		if (!on[i])
			continue;
		sig = sources_sig(w, cols[i]);
		if (sig != w->src_sig[cols[i]]) {
			/* the first poll after a rescan only records */
			if (w->src_sig[cols[i]] != 0)
				poll_collector(w, cols[i]);
			w->src_sig[cols[i]] = sig;
		}
	}
}

static void
dirty_cb(void *arg, const char *path)
{
	struct watcher *w = arg;

	if (smap_get(&w->dirty, path) != NULL)
		return;
	if (w->dirty.n == 0)
		w->dirty_since_ms = now_ms();
	smap_put_take(&w->dirty, fe_strdup(path), (void *)1);
}

/* Look at every path the kernel named. */
static void
process_dirty(struct watcher *w)
{
	size_t i = 0, n = 0, k;
	const struct smap_ent *e;
	char **paths = NULL;
	int64_t now = fe_now_sec();

	/* a ticket approved a moment ago must count for the change that
	 * follows it: look at the ticket log first (a stat) */
	load_tickets(w, false);
	while (smap_next(&w->dirty, &i, &e)) {
		strv_push(&paths, &n, fe_strdup(e->key));
	}
	smap_free(&w->dirty);
	smap_init(&w->dirty, NULL);
	for (k = 0; k < n; k++) {
		char *key = scan_key(paths[k]), *val = NULL;
		struct fe_err err;
		int rc = scan_one(paths[k], &val, &err);

		if (rc == 0) {
			bool known = smap_get(&w->bmap, key) != NULL ||
			    smap_get(&w->pend, key) != NULL;

			observe(w, key, val, now);
			if (!known && strncmp(val, "type=d", 6) == 0) {
				/* a directory that appeared (or moved in):
				 * everything in it is new */
				struct wset sub = { 0 };
				size_t j;

				scan_subtree(&w->rules, paths[k], &sub, &err);
				for (j = 0; j < sub.n; j++)
					observe(w, sub.v[j].key, sub.v[j].val,
					    now);
				wset_free(&sub);
			}
		} else if (rc == FE_ENOENT) {
			/* gone, and everything that was below it */
			size_t kl = strlen(key), j;
			char **below = NULL;
			size_t nb = 0, b;

			observe(w, key, NULL, now);
			for (j = 0; smap_next(&w->bmap, &j, &e);)
				if (strncmp(e->key, key, kl) == 0 &&
				    e->key[kl] == '/') {
					strv_push(&below, &nb,
					    fe_strdup(e->key));
				}
			for (b = 0; b < nb; b++) {
				observe(w, below[b], NULL, now);
				free(below[b]);
			}
			free(below);
		} else {
			wlog(w, "scan.errors", "%s", err.msg);
		}
		free(val);
		free(key);
		free(paths[k]);
	}
	free(paths);
	batch_flush(w);
}

/* --- the 24-hour clock ---------------------------------------------------- */

static void
check_clock(struct watcher *w)
{
	struct walert *v = NULL;
	size_t n = 0, i;
	struct fe_err err;
	int64_t now = fe_now_sec();

	if (wstate_alerts(w->st, false, &v, &n, &err) < 0) {
		wlog(w, "watch.error", "%s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		struct walert *a = &v[i];

		if (a->acked_at != 0 && !a->ack_logged) {
			wlog(w, "alert.ack", "alert=%llu by=%s after=%llds "
			    "plan=%s", (unsigned long long)a->id,
			    a->acked_by ? a->acked_by : "?",
			    (long long)(a->acked_at - a->time),
			    a->plan ? a->plan : "");
			wstate_alert_ack_logged(w->st, a->id, &err);
		}
		if (a->acked_at == 0 && a->escalated_at == 0 &&
		    now > a->respond_by) {
			struct alert x;
			char summary[1400];

			fe_snprintf_ok(summary, sizeof(summary), "ESCALATION: "
			    "alert %llu not acknowledged within %llu s: %s",
			    (unsigned long long)a->id,
			    (unsigned long long)w->wc.respond_within,
			    a->summary);
			wlog(w, "alert.escalate", "alert=%llu",
			    (unsigned long long)a->id);
			wstate_alert_escalated(w->st, a->id, now, &err);
			memset(&x, 0, sizeof(x));
			x.id = a->id;
			x.host = w->wc.host;
			x.kind = a->kind;
			x.time = a->time;
			x.respond_by = a->respond_by;
			x.summary = summary;
			x.detail = a->detail;
			x.escalation = true;
			alerter_send(w->al, &x);
		}
	}
	walert_free_all(v, n);
}

/* --- start, loop, stop ---------------------------------------------------- */

static void
gap_check(struct watcher *w)
{
	int64_t running = 0, beat = 0, stopped = 0, now = fe_now_sec();
	struct fe_err err;
	char a[FE_TIME_STR], b[FE_TIME_STR], summary[512];

	wstate_get(w->st, "running", 0, &running, &err);
	wstate_get(w->st, "heartbeat", 0, &beat, &err);
	wstate_get(w->st, "stopped_at", 0, &stopped, &err);
	if (running == 0 && stopped == 0) {
		w->first_start = true;
		return;
	}
	fe_time_format_sec(running ? beat : stopped, a);
	fe_time_format_sec(now, b);
	fe_snprintf_ok(summary, sizeof(summary), "monitoring gap from %s to %s "
	    "(%lld s): fe-watch %s; changes made meanwhile follow from the "
	    "rescan", a, b, (long long)(now - (running ? beat : stopped)),
	    running ? "was killed or crashed (no clean stop)" :
	    "was stopped");
	wlog(w, "watch.gap", "from=%s to=%s killed=%s", a, b,
	    running ? "yes" : "no");
	raise_alert(w, "gap", summary, NULL);
}

int
watcher_open(const char *conf_path, struct watcher **out, struct fe_err *err)
{
	struct watcher *w = fe_calloc(1, sizeof(*w));
	char *lp = NULL;
	struct baseline b;
	struct wpending *pv = NULL;
	size_t pn = 0, i;

	smap_init(&w->bmap, free);
	smap_init(&w->pend, pending_free);
	smap_init(&w->dirty, NULL);
	smap_init(&w->bad_tickets, NULL);
	buf_init(&w->batch, 4 * 1024 * 1024);
	if (watchconf_load(conf_path, &w->wc, err) < 0)
		goto fail;
	if (!w->wc.have_alert) {
		fe_err_set(err, "%s: no [alert] section: fe-watch must be able "
		    "to tell someone (POLICY.md M3)", conf_path);
		goto fail;
	}
	watch_rules(&w->wc, &w->rules);
	if (asprintf(&lp, "%s/watch.log", w->wc.state) < 0)
		fe_fatal("out of memory");
	if (clog_open(lp, &w->log, err) < 0)
		goto fail;
	if (wstate_open(w->wc.state, &w->st, err) < 0)
		goto fail;
	if (alerter_start(&w->wc.alert, &w->al, err) < 0)
		goto fail;
	memset(&b, 0, sizeof(b));
	if (watch_verify_baseline(w->wc.state, &b, err) < 0) {
		char summary[1400];

		fe_snprintf_ok(summary, sizeof(summary), "fe-watch cannot "
		    "start: the stored baseline does not verify: %s", err->msg);
		wlog(w, "baseline.tampered", "%s", summary);
		raise_alert(w, "baseline", summary, "Restore STATE/baseline "
		    "from a backup, or initialise a new one under an approved "
		    "change ticket.");
		alerter_finish(w->al, 10, report_cb, w);
		w->al = NULL;
		goto fail;
	}
	for (i = 0; i < b.items.n; i++)
		smap_put_take(&w->bmap, b.items.v[i].key, b.items.v[i].val);
	free(b.items.v);
	memset(&b.items, 0, sizeof(b.items));
	w->base = b;
	record_base_stat(w);
	if (wstate_pending_all(w->st, &pv, &pn, err) < 0)
		goto fail;
	for (i = 0; i < pn; i++) {
		struct wpending *p = fe_malloc(sizeof(*p));

		*p = pv[i];
		smap_put_take(&w->pend, fe_strdup(p->key), p);
	}
	free(pv);
	free(lp);
	*out = w;
	return 0;
fail:
	free(lp);
	watcher_close(w);
	return -1;
}

int
watcher_run(struct watcher *w, volatile sig_atomic_t *stop)
{
	struct fe_err err;
	int64_t now;

	gap_check(w);
	w->started = true;
	wstate_set(w->st, "running", 1, &err);
	wstate_set(w->st, "heartbeat", fe_now_sec(), &err);
	wstate_set(w->st, "pid", getpid(), &err);
	/* realtime first, so nothing between the rescan and the first event
	 * is missed */
	if (rt_open(w->wc.realtime, &w->rules, &w->rt, &w->rt_mode,
	    &err) < 0) {
		char summary[1200];

		fe_snprintf_ok(summary, sizeof(summary), "realtime detection "
		    "unavailable (%s): changes are seen only by rescans every "
		    "%llu s", err.msg, (unsigned long long)w->wc.rescan);
		wlog(w, "watch.blind", "%s", summary);
		raise_alert(w, "blind-spot", summary, NULL);
	}
	wlog(w, "watch.start", "host=%s realtime=%s baseline=%llu items=%zu "
	    "pending=%zu first=%s", w->wc.host, w->rt ? w->rt_mode : "none",
	    (unsigned long long)w->base.generation, w->bmap.n, w->pend.n,
	    w->first_start ? "yes" : "no");
	wstate_begin(w->st, &err);
	load_tickets(w, true);
	full_rescan(w, w->first_start ? "start" : "restart");
	poll_sockets(w);
	batch_flush(w);
	wsync(w);
	wstate_commit(w->st, &err);
	wstate_set(w->st, "ready", fe_now_sec(), &err);
	w->last_tick = fe_now_sec();
	while (!*stop) {
		struct pollfd pfd = { .fd = w->rt ? rt_fd(w->rt) : -1,
		    .events = POLLIN };
		int timeout = 200;

		if (w->dirty.n > 0) {
			int64_t left = DEBOUNCE_MS - (now_ms() -
			    w->dirty_since_ms);

			timeout = left > 0 ? (int)left : 0;
		}
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
			wlog(w, "watch.error", "poll: %s", strerror(errno));
			sleep(1);
		}
		/* one transaction and one log sync per pass */
		if (wstate_begin(w->st, &err) < 0)
			wlog(w, "watch.error", "%s", err.msg);
		if (w->rt != NULL && (pfd.revents & POLLIN)) {
			struct rt_events ev;

			if (rt_read(w->rt, dirty_cb, w, &ev, &err) < 0)
				wlog(w, "watch.error", "%s", err.msg);
			if (ev.overflow) {
				char summary[512];

				fe_snprintf_ok(summary, sizeof(summary), "the "
				    "kernel's %s event queue overflowed: "
				    "changes may have been missed; a full "
				    "rescan follows", w->rt_mode);
				wlog(w, "watch.blind", "%s", summary);
				raise_alert(w, "blind-spot", summary, NULL);
				/* what was read is a partial picture: the
				 * rescan replaces it */
				smap_free(&w->dirty);
				smap_init(&w->dirty, NULL);
				w->rescan_now = true;
				fe_snprintf(w->rescan_why,
				    sizeof(w->rescan_why), "overflow");
			}
			if (ev.limit) {
				wlog(w, "watch.blind", "%s", ev.limit_msg);
				raise_alert(w, "blind-spot", ev.limit_msg,
				    NULL);
			}
		}
		if (w->dirty.n > 0 && now_ms() - w->dirty_since_ms >=
		    DEBOUNCE_MS)
			process_dirty(w);
		if (w->rescan_now) {
			w->rescan_now = false;
			/* the queue is useless now: drop it, then rescan */
			if (w->rt != NULL) {
				struct rt_events ev;

				while (rt_read(w->rt, dirty_cb, w, &ev,
				    &err) == 0 && w->dirty.n > 0) {
					smap_free(&w->dirty);
					smap_init(&w->dirty, NULL);
				}
			}
			full_rescan(w, w->rescan_why);
		}
		alerter_poll(w->al, report_cb, w);
		now = fe_now_sec();
		if (now - w->last_tick >= (int64_t)w->wc.poll) {
			w->last_tick = now;
			wstate_set(w->st, "heartbeat", now, &err);
			poll_sockets(w);
			if (w->wc.modules)
				poll_collector(w, COL_MODULES);
			poll_sources(w);
			load_tickets(w, false);
			recheck_pending(w);
			check_clock(w);
			check_baseline_file(w);
			if (w->base_dirty)
				save_baseline(w, "changes under tickets");
			batch_flush(w);
		}
		if (now - w->last_rescan >= (int64_t)w->wc.rescan)
			full_rescan(w, "periodic");
		wsync(w);
		if (wstate_commit(w->st, &err) < 0)
			wlog(w, "watch.error", "%s", err.msg);
	}
	if (w->base_dirty)
		save_baseline(w, "changes under tickets");
	alerter_poll(w->al, report_cb, w);
	return 0;
}

void
watcher_close(struct watcher *w)
{
	struct fe_err err;

	if (w == NULL)
		return;
	if (w->al != NULL)
		alerter_finish(w->al, 10, report_cb, w);
	if (w->st != NULL && w->log != NULL && w->started) {
		wstate_set(w->st, "running", 0, &err);
		wstate_set(w->st, "stopped_at", fe_now_sec(), &err);
		wlog(w, "watch.stop", "clean=yes");
		wsync(w);
	}
	rt_close(w->rt);
	wstate_close(w->st);
	clog_close(w->log);
	ticket_free_all(w->tickets, w->ntickets);
	smap_free(&w->bmap);
	smap_free(&w->pend);
	smap_free(&w->dirty);
	smap_free(&w->bad_tickets);
	buf_free(&w->batch);
	free(w->batch_keys);
	baseline_clear(&w->base);
	watchconf_clear(&w->wc);
	scan_one_release();
	free(w);
}

/* --- fe watch init / check ------------------------------------------------ */

int
watch_init(const char *conf_path, const char *by, FILE *report,
    struct fe_err *err)
{
	struct watchconf wc;
	struct scan_rules r;
	struct wset cur = { 0 };
	bool failed[COL__MAX];
	struct scan_stats st;
	struct baseline b;
	struct clog *log = NULL;
	char *bp = NULL, *lp = NULL, hex[65];
	int rc = -1;

	memset(&b, 0, sizeof(b));
	if (watchconf_load(conf_path, &wc, err) < 0)
		return -1;
	if (asprintf(&bp, "%s/baseline", wc.state) < 0 ||
	    asprintf(&lp, "%s/watch.log", wc.state) < 0)
		fe_fatal("out of memory");
	if (access(bp, F_OK) == 0) {
		fe_err_code(err, FE_EEXIST, "%s exists: a baseline changes "
		    "only through approved change tickets", bp);
		goto out;
	}
	if (mkdir(wc.state, 0700) != 0 && errno != EEXIST) {
		fe_err_sys(err, "%s", wc.state);
		goto out;
	}
	if (access(lp, F_OK) != 0 && baseline_keygen(wc.state, err) < 0)
		goto out;
	watch_rules(&wc, &r);
	err->msg[0] = '\0';
	if (watch_collect(&wc, &r, &cur, failed, &st, err) < 0)
		goto out;
	if (clog_open(lp, &log, err) < 0)
		goto out;
	b.host = fe_strdup(wc.host);
	b.items = cur;
	memset(&cur, 0, sizeof(cur));
	/* sockets are compared with the documented ports, never stored */
	wset_drop_prefix(&b.items, "listen:");
	if (baseline_write(wc.state, &b, "init", err) < 0)
		goto out;
	hex_encode(b.digest, 32, hex);
	{
		char *p;
		int n = asprintf(&p, "generation=%llu items=%zu sha256=%s "
		    "reason=init by=%s", (unsigned long long)b.generation,
		    b.items.n, hex, by);

		if (n < 0)
			fe_fatal("out of memory");
		rc = clog_append(log, "baseline.write", p, (size_t)n, err);
		free(p);
		if (rc < 0)
			goto out;
	}
	fprintf(report, "baseline of %s: %zu items (%llu files, %llu "
	    "directories, %llu bytes hashed), generation %llu, sha256 %s\n",
	    wc.host, b.items.n, (unsigned long long)st.files,
	    (unsigned long long)st.dirs, (unsigned long long)st.bytes,
	    (unsigned long long)b.generation, hex);
	if (st.errors > 0)
		fprintf(report, "warning: %llu files could not be read (last: "
		    "%s)\n", (unsigned long long)st.errors, err->msg);
	rc = 0;
out:
	clog_close(log);
	wset_free(&cur);
	baseline_clear(&b);
	watchconf_clear(&wc);
	free(bp);
	free(lp);
	return rc;
}

struct checkctx {
	FILE *report;
	size_t n[WCHANGE__MAX];
	const bool *failed;
};

static int
check_cb(enum wchange_kind k, const char *key, const char *old_val,
    const char *new_val, void *arg)
{
	struct checkctx *c = arg;
	enum collector col = watch_key_collector(key);
	char attrs[256];

	if (k == WCHANGE_REMOVED && col != COL__MAX && c->failed[col])
		return 0;
	c->n[k]++;
	switch (k) {
	case WCHANGE_ADDED:
		fprintf(c->report, "added:    %s\n", key);
		break;
	case WCHANGE_REMOVED:
		fprintf(c->report, "removed:  %s\n", key);
		break;
	case WCHANGE_CHANGED:
		item_changed_attrs(old_val, new_val, attrs, sizeof(attrs));
		fprintf(c->report, "changed:  %s (%s)\n          was: %s\n"
		    "          now: %s\n", key, attrs, old_val, new_val);
		break;
	default:
		break;
	}
	return 0;
}

int
watch_check(const char *conf_path, FILE *report, size_t *changes,
    struct fe_err *err)
{
	struct watchconf wc;
	struct scan_rules r;
	struct wset cur = { 0 }, sock = { 0 };
	bool failed[COL__MAX];
	struct scan_stats st;
	struct baseline b;
	struct checkctx c;
	struct fe_err cerr;
	size_t i, j, undocumented = 0;
	int rc = -1;
	struct timespec t0 = fe_now(), t1;

	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	if (watchconf_load(conf_path, &wc, err) < 0)
		return -1;
	if (watch_verify_baseline(wc.state, &b, err) < 0)
		goto out;
	watch_rules(&wc, &r);
	cerr.msg[0] = '\0';
	if (watch_collect(&wc, &r, &cur, failed, &st, &cerr) < 0)
		fprintf(report, "warning: incomplete: %s\n", cerr.msg);
	c.report = report;
	c.failed = failed;
	wset_diff(&b.items, &cur, check_cb, &c);
	if (wc.sockets && collect_sockets(wc.root, &sock, &cerr) == 0) {
		wset_sort(&sock);
		for (i = 0; i < sock.n; i++) {
			for (j = 0; j < wc.nports; j++)
				if (fnmatch(wc.ports[j], sock.v[i].key + 7,
				    0) == 0)
					break;
			if (j == wc.nports) {
				fprintf(report, "port:     %s listening, not "
				    "documented (POLICY.md M5)\n",
				    sock.v[i].key);
				undocumented++;
			}
		}
	}
	t1 = fe_now();
	fprintf(report, "fe watch check %s: %zu items, %llu files, %llu bytes "
	    "hashed in %.3f s: %zu added, %zu removed, %zu changed, %zu "
	    "undocumented ports\n", wc.host, cur.n,
	    (unsigned long long)st.files, (unsigned long long)st.bytes,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    c.n[WCHANGE_ADDED], c.n[WCHANGE_REMOVED], c.n[WCHANGE_CHANGED],
	    undocumented);
	if (st.errors > 0)
		fprintf(report, "warning: %llu files could not be read\n",
		    (unsigned long long)st.errors);
	*changes = c.n[0] + c.n[1] + c.n[2] + undocumented;
	rc = 0;
out:
	wset_free(&cur);
	wset_free(&sock);
	baseline_clear(&b);
	watchconf_clear(&wc);
	return rc;
}
