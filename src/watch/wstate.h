/*
 * wstate.h - fe-watch's working state in SQLite (STATE/state.db): alerts
 * and their 24-hour clock, changes seen but not (yet) accepted into the
 * baseline, and a few single values (heartbeat, clean stop).  fe-watch
 * writes it; `fe alert ack` writes the acknowledgement columns only, and
 * fe-watch logs each acknowledgement in the hash-chained watch log.
 */
#ifndef FE_WATCH_WSTATE_H
#define FE_WATCH_WSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct wstate;

struct walert {
	uint64_t id;
	int64_t time, respond_by, acked_at, escalated_at;
	char *kind, *summary, *detail, *acked_by, *plan;
	bool ack_logged;
};

struct wpending {
	char *key;
	char *val;               /* NULL: the item was removed */
	int64_t seen;
	uint64_t alert_id;       /* 0: none (emergency, waiting) */
	uint64_t ticket;         /* emergency ticket it waits for, or 0 */
	int64_t deadline;        /* emergency: alert after this */
};

int wstate_open(const char *state_dir, struct wstate **out,
    struct fe_err *err);
void wstate_close(struct wstate *s);
int wstate_begin(struct wstate *s, struct fe_err *err);
int wstate_commit(struct wstate *s, struct fe_err *err);

/* meta: integer values by name; *v = def when absent. */
int wstate_get(struct wstate *s, const char *k, int64_t def, int64_t *v,
    struct fe_err *err);
int wstate_set(struct wstate *s, const char *k, int64_t v,
    struct fe_err *err);

int wstate_alert_new(struct wstate *s, const char *kind, const char *summary,
    const char *detail, int64_t time, int64_t respond_by, uint64_t *id,
    struct fe_err *err);
/* All alerts (open_only: not acknowledged), oldest first. */
int wstate_alerts(struct wstate *s, bool open_only, struct walert **v,
    size_t *n, struct fe_err *err);
void walert_free_all(struct walert *v, size_t n);
/* Refuses an unknown id or an alert already acknowledged, naming it. */
int wstate_alert_ack(struct wstate *s, uint64_t id, const char *by,
    const char *plan, int64_t at, struct fe_err *err);
int wstate_alert_escalated(struct wstate *s, uint64_t id, int64_t at,
    struct fe_err *err);
int wstate_alert_ack_logged(struct wstate *s, uint64_t id,
    struct fe_err *err);

int wstate_pending_put(struct wstate *s, const struct wpending *p,
    struct fe_err *err);
int wstate_pending_del(struct wstate *s, const char *key, struct fe_err *err);
int wstate_pending_all(struct wstate *s, struct wpending **v, size_t *n,
    struct fe_err *err);
void wpending_free_all(struct wpending *v, size_t n);

#endif
