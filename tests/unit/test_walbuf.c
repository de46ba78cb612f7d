/* test_walbuf.c - store/walbuf: a store written through the VFS that
 * gathers WAL writes is, after every commit, exactly what a second
 * connection through SQLite's own VFS reads: for commits of one page, of
 * more than the unix VFS writes in one call (128 kB), of more than the
 * buffer (1 MB), after a transaction that spilled pages to the WAL and was
 * rolled back, after one that spilled and read them back, and after
 * checkpoints; and it passes integrity_check.  With synchronous=FULL and
 * with NORMAL (no sync at commit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/migrate.h"
#include "store/walbuf.h"
#include "teststore.h"

static const char *const schema[] = {
	"CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);",
};

static void reader_sees(sqlite3 *r, int n);

/* Rows [from, from + n) in one transaction, each v a blob of len octets
 * whose every octet is k mod 251; then ROLLBACK if end is 0, COMMIT if 1,
 * and if 2 read every row back inside the transaction, then COMMIT. */
static void
put_rows(sqlite3 *db, int from, int n, int len, int end)
{
	sqlite3_stmt *st;
	unsigned char *v = malloc((size_t)len);
	int k;

	assert_non_null(v);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)",
	    -1, &st, NULL), SQLITE_OK);
	for (k = from; k < from + n; k++) {
		memset(v, k % 251, (size_t)len);
		sqlite3_bind_int(st, 1, k);
		sqlite3_bind_blob(st, 2, v, len, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	free(v);
	if (end == 2)
		reader_sees(db, from + n);
	assert_int_equal(sqlite3_exec(db, end ? "COMMIT" : "ROLLBACK", NULL,
	    NULL, NULL), SQLITE_OK);
}

/* The other connection sees exactly rows [0, n), each intact. */
static void
reader_sees(sqlite3 *r, int n)
{
	sqlite3_stmt *st;
	int64_t rows = 0;

	assert_int_equal(sqlite3_prepare_v2(r, "SELECT k, v FROM t ORDER BY k",
	    -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_blob(st, 1);
		int k = sqlite3_column_int(st, 0), len = sqlite3_column_bytes(st,
		    1), i;
		assert_int_equal(k, rows);
		for (i = 0; i < len; i++)
			if (v[i] != k % 251)
				fail_msg("row %d: octet %d is %u", k, i, v[i]);
		rows++;
	}
	sqlite3_finalize(st);
	assert_int_equal(rows, n);
}

/* The sequence of commits above, the writer at synchronous=FULL (what
 * sql_open sets) or at NORMAL (no sync at commit: the VFS writes a commit's
 * frames out when its last one comes, before SQLite publishes it). */
static void
commits_read_back(const char *sync)
{
	struct fe_err err;
	sqlite3 *w, *r;
	int n = 0;

	assert_int_equal(sql_open(path, walbuf_vfs(), "fe-test", schema, 1,
	    1000, 0, &w, &err), 0);
	assert_int_equal(sqlite3_exec(w, sync, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	put_rows(w, n, 1, 100, 1);              /* one page */
	n += 1;
	reader_sees(r, n);
	put_rows(w, n, 60, 3000, 1);            /* ~180 kB: over 128 kB */
	n += 60;
	reader_sees(r, n);
	put_rows(w, n, 400, 3000, 1);           /* ~1.2 MB: over the buffer */
	n += 400;
	reader_sees(r, n);
	/* a transaction that spills to the WAL, rolled back; then more */
	assert_int_equal(sqlite3_exec(w, "PRAGMA cache_size = 8", NULL, NULL,
	    NULL), SQLITE_OK);
	put_rows(w, n, 300, 3000, 0);
	reader_sees(r, n);
	put_rows(w, n, 300, 3000, 2);           /* spills, reads them back */
	n += 300;
	reader_sees(r, n);
	assert_int_equal(sqlite3_exec(w, "PRAGMA wal_checkpoint(TRUNCATE)",
	    NULL, NULL, NULL), SQLITE_OK);
	put_rows(w, n, 20, 500, 1);             /* the WAL starts again */
	n += 20;
	reader_sees(r, n);
	sqlite3_close(w);
	reader_sees(r, n);
	assert_int_equal(one_int(r, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check <> 'ok'"), 0);
	sqlite3_close(r);
}

static void
every_commit_reads_back_through_sqlites_own_vfs(void **state)
{
	(void)state;
	commits_read_back("PRAGMA synchronous = FULL");
}

static void
every_commit_reads_back_without_a_sync(void **state)
{
	(void)state;
	commits_read_back("PRAGMA synchronous = NORMAL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    every_commit_reads_back_through_sqlites_own_vfs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    every_commit_reads_back_without_a_sync, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
