/*
 * migrate.h - forward migration of a SQLite schema versioned with PRAGMA
 * user_version, shared by every store (signerdb, statusdb).
 */
#ifndef FE_STORE_MIGRATE_H
#define FE_STORE_MIGRATE_H

#include <stddef.h>

#include <sqlite3.h>

#include "lib/err.h"

/*
 * Bring db (file path, for messages) from its user_version to n by running
 * migrations[version..n-1] in one transaction.  A version newer than n is
 * refused naming who ("fe-signer") does not know it.
 */
int sql_migrate(sqlite3 *db, const char *path, const char *who,
    const char *const *migrations, size_t n, struct fe_err *err);

/*
 * Open (creating) the store at path the way every store is opened: WAL,
 * synchronous FULL, foreign keys on, a busy timeout of busy_ms, and
 * migrated with sql_migrate; through SQLite VFS vfs (NULL: the default).
 * A store made here gets pages of page_size bytes (0: SQLite's default);
 * one that exists keeps its own.  On failure *out is NULL and err says
 * "PATH: what: SQLite's message".
 */
int sql_open(const char *path, const char *vfs, const char *who,
    const char *const *migrations, size_t n, int busy_ms, int page_size,
    sqlite3 **out, struct fe_err *err);

#endif
