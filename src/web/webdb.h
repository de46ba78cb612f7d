/*
 * webdb.h - fe-web's SQLite store (WAL): the schema, its migrations, and
 * opening a connection.
 *
 * Every thread of fe-web (HTTP handlers, the queue worker, the re-check
 * scheduler) opens its own connection with webdb_open(); SQLite's WAL lets
 * readers run beside the one writer, and busy_timeout waits for the lock.
 * Every query is prepared with bound parameters (sqlite3_prepare_v2 and
 * sqlite3_bind_*); no SQL text is ever built from input.
 *
 * The schema (migration 1) is documented in docs/web.md, "The store".
 * Times are Unix seconds (fe_now_sec()); hashes are raw SHA-256 BLOBs.
 */
#ifndef FE_WEB_WEBDB_H
#define FE_WEB_WEBDB_H

#include <stdint.h>

#include <sqlite3.h>

#include "lib/err.h"

/* Open (and create or migrate) the database at path.  WAL, synchronous
 * FULL, foreign keys on, busy timeout 10 s. */
int webdb_open(const char *path, sqlite3 **out, struct fe_err *err);
void webdb_close(sqlite3 *db);

/* Begin IMMEDIATE / commit / roll back; errors name the database. */
int webdb_begin(sqlite3 *db, struct fe_err *err);
int webdb_commit(sqlite3 *db, struct fe_err *err);
void webdb_rollback(sqlite3 *db);

/* Prepare sql on db; on failure err names the statement's first words and
 * SQLite's message.  The caller finalizes. */
int webdb_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    struct fe_err *err);
/*
 * Prepared statements with bound arguments, by fmt: 'i' int64_t, 't'
 * const char * (NULL binds NULL), 'b' const void *, size_t (a BLOB).
 * webdb_query prepares and binds (the caller steps and finalizes);
 * webdb_exec runs to the end and returns the number of changed rows (or an
 * error, < 0); webdb_int returns the first column of the first row in *out
 * (def when there is no row or it is NULL).
 */
int webdb_query(sqlite3 *db, struct fe_err *err, sqlite3_stmt **st,
    const char *sql, const char *fmt, ...);
int webdb_exec(sqlite3 *db, struct fe_err *err, const char *sql,
    const char *fmt, ...);
int webdb_int(sqlite3 *db, struct fe_err *err, int64_t *out, int64_t def,
    const char *sql, const char *fmt, ...);

/* Fill err from db's last error: "database: WHAT: message". */
int webdb_err(sqlite3 *db, const char *what, struct fe_err *err);

#endif
