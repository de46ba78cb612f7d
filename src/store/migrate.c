/*
 * migrate.c - forward schema migration for the SQLite stores (see
 * migrate.h).  All steps and the new user_version commit together, so a
 * failed migration leaves the store as it was.
 */
#include "lib/err.h"
#include "store/migrate.h"

static int
fail(sqlite3 *db, const char *path, const char *what, struct fe_err *err)
{
	return fe_err_code(err, FE_EDB, "%s: %s: %s", path, what,
	    sqlite3_errmsg(db));
}

int
sql_migrate(sqlite3 *db, const char *path, const char *who,
    const char *const *migrations, size_t n, struct fe_err *err)
{
	sqlite3_stmt *st;
	int version, target = (int)n, rc;
	char pragma[64];

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(db, path, "reading schema version", err);
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > target)
		return fe_err_code(err, FE_EDB, "%s: schema version %d is newer "
		    "than this %s knows (%d)", path, version, who, target);
	if (version == target)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, path, "starting migration", err);
	for (; version < target; version++) {
		if (sqlite3_exec(db, migrations[version], NULL, NULL,
		    NULL) != SQLITE_OK) {
			fail(db, path, "migrating schema", err);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return FE_EDB;
		}
	}
	/* Migrations run with foreign keys off, so that a table can be
	 * rebuilt (https://sqlite.org/lang_altertable.html#otheralter);
	 * nothing is committed that breaks one. */
	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		fail(db, path, "checking foreign keys", err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FE_EDB;
	}
	switch (sqlite3_step(st)) {
	case SQLITE_DONE:
		rc = 0;
		break;
	case SQLITE_ROW:
		rc = fe_err_code(err, FE_EDB, "%s: migrating schema to version "
		    "%d would break a foreign key (table %s); nothing changed",
		    path, target, (const char *)sqlite3_column_text(st, 0));
		break;
	default:
		rc = fail(db, path, "checking foreign keys", err);
		break;
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FE_EDB;
	}
	fe_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(db, path, "finishing migration", err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FE_EDB;
	}
	return 0;
}

int
sql_open(const char *path, const char *vfs, const char *who,
    const char *const *migrations, size_t n, int busy_ms, int page_size,
    sqlite3 **out, struct fe_err *err)
{
	sqlite3 *db = NULL;
	char pragma[64];
	int rc;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
		rc = fe_err_code(err, FE_EDB, "%s: cannot open: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, busy_ms);
	/* taken only while the file is still empty, before WAL mode */
	if (page_size > 0)
		fe_snprintf(pragma, sizeof(pragma), "PRAGMA page_size = %d",
		    page_size);
	if (page_size > 0 && sqlite3_exec(db, pragma, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		rc = fe_err_code(err, FE_EDB, "%s: setting the page size: %s",
		    path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = fe_err_code(err, FE_EDB, "%s: setting WAL mode: %s", path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	if ((rc = sql_migrate(db, path, who, migrations, n, err)) != 0) {
		sqlite3_close(db);
		return rc;
	}
	if (sqlite3_exec(db, "PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = fe_err_code(err, FE_EDB, "%s: turning on foreign keys: %s",
		    path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}
