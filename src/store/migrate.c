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
	int version, target = (int)n;
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
	fe_snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", target);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(db, path, "finishing migration", err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FE_EDB;
	}
	return 0;
}
