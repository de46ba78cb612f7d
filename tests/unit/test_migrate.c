/* test_migrate.c - forward schema migration (src/store/migrate.c): a new
 * store gets every version; a newer one is refused; a failing migration,
 * or one that would break a foreign key, changes nothing; a table rebuild
 * (which needs foreign keys off) goes through; foreign keys are enforced
 * once the store is open.  The signer store lists every stored
 * certificate's key and request id, and a listing leaves no read open; it
 * counts certificates in CRL parts and lists issuers without triggers. */
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
#include "store/signerdb.h"

#define V1 \
	"CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE);" \
	"CREATE TABLE child (id INTEGER PRIMARY KEY, p INTEGER NOT NULL" \
	" REFERENCES parent(id));" \
	"INSERT INTO parent VALUES (1, 'a');" \
	"INSERT INTO child VALUES (10, 1);"
#define V2 "CREATE TABLE extra (k TEXT PRIMARY KEY);"
/* SQLite's procedure for a change ALTER TABLE cannot make: drop the
 * UNIQUE on parent.name by rebuilding parent under child's key */
#define V3_REBUILD \
	"CREATE TABLE parent3 (id INTEGER PRIMARY KEY, name TEXT);" \
	"INSERT INTO parent3 SELECT id, name FROM parent;" \
	"DROP TABLE parent;" \
	"ALTER TABLE parent3 RENAME TO parent;"
#define V3_ORPHAN "DELETE FROM parent WHERE id = 1;"
#define V3_BROKEN "CREATE TABLE extra (k TEXT);"

#include "teststore.h"

static sqlite3 *
open_at(const char *const *m, size_t n, struct fe_err *err, int *rc)
{
	sqlite3 *db = NULL;

	*rc = sql_open(path, NULL, "fe-test", m, n, 1000, 0, &db, err);
	return db;
}

/* The store brought to version n, and closed. */
static void
at_version(const char *const *m, size_t n)
{
	struct fe_err err;
	sqlite3 *db;
	int rc;

	db = open_at(m, n, &err, &rc);
	assert_int_equal(rc, 0);
	sqlite3_close(db);
}

/* Opening at version n is refused with a message containing want. */
static void
refused_at(const char *const *m, size_t n, const char *want)
{
	struct fe_err err;
	sqlite3 *db;
	int rc;

	db = open_at(m, n, &err, &rc);
	assert_null(db);
	assert_int_equal(rc, FE_EDB);
	assert_non_null(strstr(err.msg, want));
}

static void
new_store_gets_every_version(void **state)
{
	const char *const m[] = { V1, V2 };
	struct fe_err err;
	sqlite3 *db;
	int rc;

	(void)state;
	db = open_at(m, 2, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(one_int(db, "SELECT count(*) FROM child"), 1);
	assert_int_equal(one_int(db, "SELECT count(*) FROM extra"), 0);
	sqlite3_close(db);
}

static void
newer_store_is_refused(void **state)
{
	const char *const m[] = { V1, V2 };

	(void)state;
	at_version(m, 2);
	refused_at(m, 1, "schema version 2 is newer than this fe-test "
	    "knows (1)");
}

static void
foreign_keys_are_on_once_open(void **state)
{
	const char *const m[] = { V1 };
	struct fe_err err;
	sqlite3 *db;
	int rc;

	(void)state;
	db = open_at(m, 1, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(one_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO child VALUES (11, 7)",
	    NULL, NULL, NULL), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

static void
rebuilding_a_referenced_table_goes_through(void **state)
{
	const char *const m[] = { V1, V2, V3_REBUILD };
	struct fe_err err;
	sqlite3 *db;
	int rc;

	(void)state;
	at_version(m, 2);
	db = open_at(m, 3, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 3);
	/* the UNIQUE is gone, the row and child's key to it are kept */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO parent VALUES (2, 'a')",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(one_int(db, "SELECT count(*) FROM child c JOIN "
	    "parent p ON p.id = c.p"), 1);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO child VALUES (12, 9)",
	    NULL, NULL, NULL), SQLITE_CONSTRAINT);
	sqlite3_close(db);
}

static void
migration_breaking_a_foreign_key_changes_nothing(void **state)
{
	const char *const m[] = { V1, V2, V3_ORPHAN };
	struct fe_err err;
	sqlite3 *db;
	int rc;

	(void)state;
	at_version(m, 2);
	refused_at(m, 3, "migrating schema to version 3 would break a "
	    "foreign key (table child); nothing changed");
	db = open_at(m, 2, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(one_int(db, "SELECT count(*) FROM parent"), 1);
	sqlite3_close(db);
}

static void
failing_migration_changes_nothing(void **state)
{
	const char *const m[] = { V1, V2, V3_BROKEN };
	struct fe_err err;
	sqlite3 *db;
	int rc;

	(void)state;
	at_version(m, 1);
	/* 2 and 3 in one transaction: 3 fails, so 2 is not kept either */
	refused_at(m, 3, "migrating schema");
	db = open_at(m, 1, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(one_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(one_int(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'extra'"), 0);
	sqlite3_close(db);
}

struct keys {
	char got[8][64];
	size_t n;
};

static void
collect(const char *a, const char *b, void *arg)
{
	struct keys *k = arg;

	assert_true(k->n < 8);
	snprintf(k->got[k->n++], sizeof(k->got[0]), "%s/%s", a,
	    b != NULL ? b : "-");
}

static bool
listed(const struct keys *k, const char *want)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->got[i], want) == 0)
			return true;
	return false;
}

/* What the engine loads into memory at open: every certificate's
 * (issuer, serial) and every request id, refused ones too; and a listing
 * leaves no read open, so a later one sees later commits. */
static void
store_lists_every_key(void **state)
{
	struct signerdb *d;
	struct fe_err err;
	struct keys k = { .n = 0 };
	static const uint8_t der[] = { 0x30, 0x00 };

	(void)state;
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	assert_int_equal(signerdb_begin(d, &err), 0);
	assert_int_equal(signerdb_record_issued(d, "r1", "d1", "tls-server",
	    "server", "1a2b", 0, 1, "CN=a", "f1", der, sizeof(der), 0, 0,
	    0, &err), 0);
	assert_int_equal(signerdb_record_refused(d, "r2", "d2", "no", &err), 0);
	assert_int_equal(signerdb_cert_add(d, "root", "77", "root", 0, 1,
	    "CN=r", "f2", der, sizeof(der), 1, &err), 0);
	assert_int_equal(signerdb_commit(d, &err), 0);
	assert_int_equal(signerdb_cert_keys(d, collect, &k, &err), 0);
	assert_int_equal(k.n, 2);
	assert_true(listed(&k, "server/1a2b"));
	assert_true(listed(&k, "root/77"));
	k.n = 0;
	assert_int_equal(signerdb_request_ids(d, collect, &k, &err), 0);
	assert_int_equal(k.n, 2);
	assert_true(listed(&k, "r1/-"));
	assert_true(listed(&k, "r2/-"));
	assert_int_equal(signerdb_begin(d, &err), 0);
	assert_int_equal(signerdb_record_refused(d, "r3", "d3", "no", &err), 0);
	assert_int_equal(signerdb_commit(d, &err), 0);
	k.n = 0;
	assert_int_equal(signerdb_request_ids(d, collect, &k, &err), 0);
	assert_int_equal(k.n, 3);
	assert_true(listed(&k, "r3/-"));
	signerdb_close(d);
}

static int64_t
parts_of(struct signerdb *d, const char *issuer)
{
	struct fe_err err;
	int64_t n = -1;

	assert_int_equal(signerdb_part_count(d, issuer, &n, &err), 0);
	return n;
}

static void
issue_one(struct signerdb *d, const char *id, const char *issuer,
    const char *serial, uint32_t part)
{
	struct fe_err err;
	static const uint8_t der[] = { 0x30, 0x00 };

	assert_int_equal(signerdb_record_issued(d, id, "d", "tls-server",
	    issuer, serial, 0, 1, "CN=a", serial, der, sizeof(der), 0, part,
	    0, &err), 0);
}

/* Schema 6: the store, not a trigger, counts each issuer's certificates in
 * CRL parts (at commit) and lists each issuer in cert_issuer (so a serial
 * is found without its issuer); a rollback keeps neither. */
static void
store_counts_parts_and_issuers(void **state)
{
	struct signerdb *d;
	struct fe_err err;
	char issuer[32];
	int is_ca;
	int64_t na;

	(void)state;
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	assert_int_equal(signerdb_begin(d, &err), 0);
	issue_one(d, "r1", "server", "a1", 1);
	issue_one(d, "r2", "server", "a2", 1);
	issue_one(d, "r3", "members", "b1", 2);
	issue_one(d, "r4", "members", "b2", 0);         /* no part */
	assert_int_equal(signerdb_commit(d, &err), 0);
	assert_int_equal(parts_of(d, "server"), 2);
	assert_int_equal(parts_of(d, "members"), 1);
	assert_int_equal(signerdb_begin(d, &err), 0);
	issue_one(d, "r5", "server", "a3", 1);
	issue_one(d, "r6", "code", "c1", 1);
	signerdb_rollback(d);
	assert_int_equal(parts_of(d, "server"), 2);
	assert_int_equal(parts_of(d, "code"), 0);
	assert_int_equal(signerdb_cert_find(d, "c1", issuer, &is_ca, &na,
	    &err), FE_ENOENT);
	/* after the rollback "code" must be listed again with its next one */
	assert_int_equal(signerdb_begin(d, &err), 0);
	issue_one(d, "r7", "code", "c2", 1);
	assert_int_equal(signerdb_commit(d, &err), 0);
	assert_int_equal(parts_of(d, "code"), 1);
	assert_int_equal(signerdb_cert_find(d, "c2", issuer, &is_ca, &na,
	    &err), 0);
	assert_string_equal(issuer, "code");
	assert_int_equal(signerdb_cert_find(d, "b2", issuer, &is_ca, &na,
	    &err), 0);
	assert_string_equal(issuer, "members");
	signerdb_close(d);
	/* a new connection finds the counts in the store */
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	assert_int_equal(parts_of(d, "server"), 2);
	signerdb_close(d);
}

/* The certificates a copy of the database file alone holds (what the
 * WAL has not been checkpointed into it is not there). */
static int64_t
certs_in_file_copy(void)
{
	char copy[80], buf[8192];
	FILE *in, *out;
	size_t n;
	sqlite3 *db;
	int64_t v;

	snprintf(copy, sizeof(copy), "%s.copy", path);
	assert_non_null(in = fopen(path, "rb"));
	assert_non_null(out = fopen(copy, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
	v = one_int(db, "SELECT count(*) FROM cert");
	sqlite3_close(db);
	unlink_store(copy);
	return v;
}

/* The signer's store checkpoints every 40 MB of WAL (2,500 of its 16 kB
 * pages), not after SQLite's 1,000 pages, and signerdb_checkpoint()
 * copies the WAL in at once. */
static void
store_checkpoints_late_and_on_request(void **state)
{
	struct signerdb *d;
	struct fe_err err;
	static uint8_t der[3000];
	char id[32], serial[32];
	int i, j;

	(void)state;
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	assert_int_equal(signerdb_checkpoint(d, &err), 0);
	assert_int_equal(certs_in_file_copy(), 0);
	/* 8,000 rows of 3 kB: about 1,600 WAL pages of 16 kB */
	for (i = 0; i < 80; i++) {
		assert_int_equal(signerdb_begin(d, &err), 0);
		for (j = 0; j < 100; j++) {
			snprintf(id, sizeof(id), "r%d", i * 100 + j);
			snprintf(serial, sizeof(serial), "%x", i * 100 + j);
			der[0] = (uint8_t)j;
			assert_int_equal(signerdb_record_issued(d, id, "d",
			    "tls-server", "server", serial, 0, 1, "CN=a",
			    serial, der, sizeof(der), 0, 0, 0, &err), 0);
		}
		assert_int_equal(signerdb_commit(d, &err), 0);
	}
	assert_int_equal(certs_in_file_copy(), 0);
	assert_int_equal(signerdb_checkpoint(d, &err), 0);
	assert_int_equal(certs_in_file_copy(), 8000);
	signerdb_close(d);
}

/* A signer's store made now has 16 kB pages; one made before with 4 kB
 * pages keeps them, and is migrated and written as ever. */
static void
store_pages_are_16k_when_new(void **state)
{
	struct signerdb *d;
	struct fe_err err;
	sqlite3 *db;
	static const uint8_t der[100];

	(void)state;
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	signerdb_close(d);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(one_int(db, "PRAGMA page_size"), 16384);
	sqlite3_close(db);
	unlink_store(path);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size = 4096; "
	    "CREATE TABLE old (x); DROP TABLE old;", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(signerdb_open(path, &d, &err), 0);
	assert_int_equal(signerdb_begin(d, &err), 0);
	assert_int_equal(signerdb_record_issued(d, "r1", "d", "tls-server",
	    "server", "1a", 0, 1, "CN=a", "fp", der, sizeof(der), 0, 0, 0,
	    &err), 0);
	assert_int_equal(signerdb_commit(d, &err), 0);
	signerdb_close(d);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(one_int(db, "PRAGMA page_size"), 4096);
	assert_int_equal(one_int(db, "SELECT count(*) FROM cert"), 1);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_store_gets_every_version,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(newer_store_is_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(foreign_keys_are_on_once_open,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    rebuilding_a_referenced_table_goes_through, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    migration_breaking_a_foreign_key_changes_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    failing_migration_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(store_lists_every_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_checkpoints_late_and_on_request, setup, teardown),
		cmocka_unit_test_setup_teardown(store_pages_are_16k_when_new,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(store_counts_parts_and_issuers,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
