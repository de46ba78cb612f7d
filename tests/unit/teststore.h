/*
 * teststore.h - what the unit tests of the SQLite stores share: a fresh
 * store path under /tmp for each test (setup/teardown, which also remove
 * its -wal and -shm; unlink_store for others), and one integer from a
 * query.
 *
 * Include after cmocka, sqlite3.h and the POSIX headers (stdio.h,
 * stdint.h, unistd.h).
 */
#ifndef FE_TEST_TESTSTORE_H
#define FE_TEST_TESTSTORE_H

static char path[64];

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/fe-test-store.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	return 0;
}

/* Remove the store at p with its -wal and -shm. */
static void
unlink_store(const char *p)
{
	char q[256];

	unlink(p);
	snprintf(q, sizeof(q), "%s-wal", p);
	unlink(q);
	snprintf(q, sizeof(q), "%s-shm", p);
	unlink(q);
}

static int
teardown(void **state)
{
	(void)state;
	unlink_store(path);
	return 0;
}

__attribute__((unused)) static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
