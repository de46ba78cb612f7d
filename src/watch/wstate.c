/*
 * wstate.c - fe-watch's working state in SQLite (see wstate.h).  WAL mode;
 * synchronous=NORMAL because every decision that matters is also in the
 * hash-chained watch log, which is synced; the database is the index that
 * lets `fe watch status` and `fe alert` answer quickly.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <unistd.h>

#include "watch/wstate.h"

struct wstate {
	sqlite3 *db;
	char *path;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alert ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, kind TEXT NOT NULL,"
    " summary TEXT NOT NULL, detail TEXT, respond_by INTEGER NOT NULL,"
    " acked_by TEXT, acked_at INTEGER, plan TEXT,"
    " ack_logged INTEGER NOT NULL DEFAULT 0, escalated_at INTEGER);"
    "CREATE TABLE IF NOT EXISTS pending ("
    " key TEXT PRIMARY KEY, val TEXT, seen INTEGER NOT NULL,"
    " alert_id INTEGER NOT NULL, ticket INTEGER NOT NULL,"
    " deadline INTEGER NOT NULL);";

static int
dberr(struct wstate *s, struct fe_err *err, const char *what)
{
	return fe_err_code(err, FE_EDB, "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

int
wstate_open(const char *state_dir, struct wstate **out, struct fe_err *err)
{
	struct wstate *s = fe_calloc(1, sizeof(*s));
	int fd;

	if (asprintf(&s->path, "%s/state.db", state_dir) < 0)
		fe_fatal("out of memory");
	/* created 0600 here, so SQLite's -wal and -shm files (which take the
	 * database's mode) are private too: alerts name paths and people */
	if ((fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		int rc = dberr(s, err, "opening");

		wstate_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
wstate_close(struct wstate *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int
wstate_begin(struct wstate *s, struct fe_err *err)
{
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(s, err, "begin");
	return 0;
}

int
wstate_commit(struct wstate *s, struct fe_err *err)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(s, err, "commit");
	return 0;
}

static sqlite3_stmt *
prep(struct wstate *s, const char *q, struct fe_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
		dberr(s, err, q);
		return NULL;
	}
	return st;
}

static int
run(struct wstate *s, sqlite3_stmt *st, struct fe_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(s, err, "writing");
	return 0;
}

int
wstate_get(struct wstate *s, const char *k, int64_t def, int64_t *v,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "SELECT v FROM meta WHERE k = ?", err);
	int rc;

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*v = def;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(s, err, "reading");
	return 0;
}

int
wstate_set(struct wstate *s, const char *k, int64_t v, struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO meta VALUES (?, ?) ON "
	    "CONFLICT(k) DO UPDATE SET v = excluded.v", err);

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return run(s, st, err);
}

int
wstate_alert_new(struct wstate *s, const char *kind, const char *summary,
    const char *detail, int64_t time, int64_t respond_by, uint64_t *id,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO alert (time, kind, summary, "
	    "detail, respond_by) VALUES (?,?,?,?,?)", err);
	int rc;

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_int64(st, 1, time);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, respond_by);
	if ((rc = run(s, st, err)) < 0)
		return rc;
	*id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? fe_strdup((const char *)t) : NULL;
}

int
wstate_alerts(struct wstate *s, bool open_only, struct walert **v, size_t *n,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, open_only ?
	    "SELECT id, time, respond_by, acked_at, escalated_at, kind, "
	    "summary, detail, acked_by, plan, ack_logged FROM alert WHERE "
	    "acked_at IS NULL ORDER BY id" :
	    "SELECT id, time, respond_by, acked_at, escalated_at, kind, "
	    "summary, detail, acked_by, plan, ack_logged FROM alert ORDER BY "
	    "id", err);
	struct walert *a = NULL;
	size_t cnt = 0;
	int rc;

	if (st == NULL)
		return FE_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct walert *x;

		if (cnt == 0 || (cnt >= 16 && (cnt & (cnt - 1)) == 0))
			a = fe_realloc(a, (cnt == 0 ? 16 : cnt * 2) *
			    sizeof(*a));
		x = &a[cnt++];
		x->id = (uint64_t)sqlite3_column_int64(st, 0);
		x->time = sqlite3_column_int64(st, 1);
		x->respond_by = sqlite3_column_int64(st, 2);
		x->acked_at = sqlite3_column_int64(st, 3);
		x->escalated_at = sqlite3_column_int64(st, 4);
		x->kind = col_str(st, 5);
		x->summary = col_str(st, 6);
		x->detail = col_str(st, 7);
		x->acked_by = col_str(st, 8);
		x->plan = col_str(st, 9);
		x->ack_logged = sqlite3_column_int(st, 10) != 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		walert_free_all(a, cnt);
		return dberr(s, err, "reading alerts");
	}
	*v = a;
	*n = cnt;
	return 0;
}

void
walert_free_all(struct walert *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].summary);
		free(v[i].detail);
		free(v[i].acked_by);
		free(v[i].plan);
	}
	free(v);
}

int
wstate_alert_ack(struct wstate *s, uint64_t id, const char *by,
    const char *plan, int64_t at, struct fe_err *err)
{
	sqlite3_stmt *st;
	int rc;
	bool acked;

	if (wstate_begin(s, err) < 0)
		return FE_EDB;
	st = prep(s, "SELECT acked_by FROM alert WHERE id = ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	rc = sqlite3_step(st);
	acked = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		fe_err_code(err, FE_ENOENT, "alert %llu: no such alert",
		    (unsigned long long)id);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		dberr(s, err, "reading alerts");
		goto fail;
	}
	if (acked) {
		fe_err_code(err, FE_EEXIST, "alert %llu: already "
		    "acknowledged", (unsigned long long)id);
		goto fail;
	}
	st = prep(s, "UPDATE alert SET acked_by = ?, plan = ?, acked_at = ? "
	    "WHERE id = ?", err);
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, plan, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)id);
	if (run(s, st, err) < 0)
		goto fail;
	return wstate_commit(s, err);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err != NULL && strstr(err->msg, "no such") ? FE_ENOENT :
	    FE_EPOLICY;
}

static int
set_int(struct wstate *s, const char *q, int64_t a, uint64_t id,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, q, err);

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)id);
	return run(s, st, err);
}

int
wstate_alert_escalated(struct wstate *s, uint64_t id, int64_t at,
    struct fe_err *err)
{
	return set_int(s, "UPDATE alert SET escalated_at = ? WHERE id = ?",
	    at, id, err);
}

int
wstate_alert_ack_logged(struct wstate *s, uint64_t id, struct fe_err *err)
{
	return set_int(s, "UPDATE alert SET ack_logged = ? WHERE id = ?", 1,
	    id, err);
}

int
wstate_pending_put(struct wstate *s, const struct wpending *p,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO pending VALUES "
	    "(?,?,?,?,?,?)", err);

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_text(st, 1, p->key, -1, SQLITE_STATIC);
	if (p->val != NULL)
		sqlite3_bind_text(st, 2, p->val, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, p->seen);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->alert_id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)p->ticket);
	sqlite3_bind_int64(st, 6, p->deadline);
	return run(s, st, err);
}

int
wstate_pending_del(struct wstate *s, const char *key, struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM pending WHERE key = ?", err);

	if (st == NULL)
		return FE_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	return run(s, st, err);
}

int
wstate_pending_all(struct wstate *s, struct wpending **v, size_t *n,
    struct fe_err *err)
{
	sqlite3_stmt *st = prep(s, "SELECT key, val, seen, alert_id, ticket, "
	    "deadline FROM pending ORDER BY key", err);
	struct wpending *a = NULL;
	size_t cnt = 0;
	int rc;

	if (st == NULL)
		return FE_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct wpending *x;

		if (cnt == 0 || (cnt >= 16 && (cnt & (cnt - 1)) == 0))
			a = fe_realloc(a, (cnt == 0 ? 16 : cnt * 2) *
			    sizeof(*a));
		x = &a[cnt++];
		x->key = col_str(st, 0);
		x->val = col_str(st, 1);
		x->seen = sqlite3_column_int64(st, 2);
		x->alert_id = (uint64_t)sqlite3_column_int64(st, 3);
		x->ticket = (uint64_t)sqlite3_column_int64(st, 4);
		x->deadline = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		wpending_free_all(a, cnt);
		return dberr(s, err, "reading pending changes");
	}
	*v = a;
	*n = cnt;
	return 0;
}

void
wpending_free_all(struct wpending *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].val);
	}
	free(v);
}
