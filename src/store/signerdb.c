/*
 * signerdb.c - the signer's store in SQLite.
 *
 * WAL mode with synchronous=FULL: a commit is durable when it returns.  The
 * schema is versioned with PRAGMA user_version and migrated forward in one
 * transaction.  Every statement is prepared once with bound parameters.
 * The database is the signer's own and is never written by anything else;
 * uniqueness of serials per issuer and of request ids is also enforced by
 * constraints, so a bug in the engine cannot issue a serial twice.
 *
 * Every read resets its statement once its row is copied: a statement left
 * on a row keeps its connection's read transaction open.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/migrate.h"
#include "store/signerdb.h"
#include "store/walbuf.h"

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_SERIAL_EXISTS, S_REQ_GET,
	S_CERT_INSERT, S_REQ_INSERT, S_CERT_FIND, S_REVOKE, S_REVOKED,
	S_CRL_LAST, S_CRL_INSERT, S_COUNT_CERTS, S_COUNT_REVOKED,
	S_SESSION_BUMP, S_SESSION_GET, S_REVOCATION_GET, S_META_GET,
	S_META_SET, S_PART_COUNT, S_CRL_PARTS, S_REVOKED_PART,
	S_CERT_KEYS, S_REQ_IDS, S_PART_ADD, S_ISSUER_SEEN, S_SYNC_NORMAL,
	S_SYNC_FULL, S__MAX
};

static const char *const sql[S__MAX] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SERIAL_EXISTS] = "SELECT 1 FROM cert WHERE issuer = ? AND serial = ?",
	[S_REQ_GET] = "SELECT r.digest, r.issued, r.issuer, r.serial, r.reason,"
	    " c.der FROM request r LEFT JOIN cert c ON c.issuer = r.issuer AND"
	    " c.serial = r.serial WHERE r.id = ?",
	[S_CERT_INSERT] = "INSERT INTO cert (issuer, serial, profile, "
	    "request_id, not_before, not_after, subject, fingerprint, der, "
	    "is_ca, crl_part, issued_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
	    "coalesce(?, unixepoch()))",
	[S_REQ_INSERT] = "INSERT INTO request (id, digest, issued, issuer, "
	    "serial, reason, at) VALUES (?,?,?,?,?,?,coalesce(?, unixepoch()))",
	[S_CERT_FIND] = "SELECT c.issuer, c.is_ca, c.not_after FROM "
	    "cert_issuer i CROSS JOIN cert c ON c.issuer = i.issuer AND "
	    "c.serial = ?",
	[S_REVOKE] = "INSERT INTO revocation (issuer, serial, reason, "
	    "revoked_at) VALUES (?,?,?,?)",
	[S_REVOKED] = "SELECT serial, revoked_at, reason FROM revocation "
	    "WHERE issuer = ? ORDER BY serial",
	[S_CRL_LAST] = "SELECT max(number) FROM crl WHERE issuer = ?",
	[S_CRL_INSERT] = "INSERT INTO crl (issuer, number, part, this_update, "
	    "next_update, der) VALUES (?,?,?,?,?,?)",
	[S_COUNT_CERTS] = "SELECT count(*) FROM cert",
	[S_COUNT_REVOKED] = "SELECT count(*) FROM revocation",
	[S_SESSION_BUMP] = "UPDATE meta SET v = v + 1 WHERE k = 'link_session'",
	[S_SESSION_GET] = "SELECT v FROM meta WHERE k = 'link_session'",
	[S_REVOCATION_GET] = "SELECT r.reason FROM cert_issuer i CROSS JOIN "
	    "revocation r ON r.issuer = i.issuer AND r.serial = ?",
	[S_META_GET] = "SELECT v FROM meta WHERE k = ?",
	[S_META_SET] = "UPDATE meta SET v = ? WHERE k = ?",
	[S_PART_COUNT] = "SELECT coalesce((SELECT n FROM part_count WHERE "
	    "issuer = ?), 0)",
	[S_CRL_PARTS] = "SELECT coalesce(max(crl_part), 0), "
	    "coalesce(sum(crl_part = 0), 0) FROM cert WHERE issuer = ?",
	[S_REVOKED_PART] = "SELECT r.serial, r.revoked_at, r.reason FROM "
	    "revocation r JOIN cert c ON c.issuer = r.issuer AND "
	    "c.serial = r.serial WHERE r.issuer = ? AND c.crl_part = ? "
	    "ORDER BY r.serial",
	/* both read their table's primary-key index only */
	[S_CERT_KEYS] = "SELECT issuer, serial FROM cert",
	[S_REQ_IDS] = "SELECT id FROM request",
	[S_PART_ADD] = "INSERT INTO part_count (issuer, n) VALUES (?, ?) "
	    "ON CONFLICT (issuer) DO UPDATE SET n = n + excluded.n",
	[S_ISSUER_SEEN] = "INSERT OR IGNORE INTO cert_issuer VALUES (?)",
	/* for the next transaction (signerdb_begin_nosync) and back */
	[S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous = FULL",
};

/* Schemas 4 and 5: part_count follows cert by triggers (schema 5 rebuilds
 * cert, which drops its triggers, and makes them again); schema 6 drops
 * the insert trigger and cert_insert() keeps the count. */
#define PART_COUNT_TRIGGERS \
	"CREATE TRIGGER cert_part_count AFTER INSERT ON cert" \
	" WHEN NEW.crl_part > 0 BEGIN" \
	" INSERT INTO part_count (issuer, n) VALUES (NEW.issuer, 1)" \
	" ON CONFLICT (issuer) DO UPDATE SET n = n + 1;" \
	" END;" \
	"CREATE TRIGGER cert_part_count_del AFTER DELETE ON cert" \
	" WHEN OLD.crl_part > 0 BEGIN" \
	" UPDATE part_count SET n = n - 1 WHERE issuer = OLD.issuer;" \
	" END;"

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE cert ("
	" issuer TEXT NOT NULL, serial TEXT NOT NULL, profile TEXT NOT NULL,"
	" request_id TEXT NOT NULL, not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL, subject TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL UNIQUE, der BLOB NOT NULL,"
	" is_ca INTEGER NOT NULL DEFAULT 0, issued_at INTEGER NOT NULL,"
	" PRIMARY KEY (issuer, serial));"
	"CREATE INDEX cert_serial ON cert(serial);"
	"CREATE TABLE request ("
	" id TEXT PRIMARY KEY, digest TEXT NOT NULL, issued INTEGER NOT NULL,"
	" issuer TEXT, serial TEXT, reason TEXT, at INTEGER NOT NULL);"
	"CREATE TABLE revocation ("
	" issuer TEXT NOT NULL, serial TEXT NOT NULL, reason INTEGER NOT NULL,"
	" revoked_at INTEGER NOT NULL, PRIMARY KEY (issuer, serial),"
	" FOREIGN KEY (issuer, serial) REFERENCES cert(issuer, serial));"
	"CREATE TABLE crl ("
	" issuer TEXT NOT NULL, number INTEGER NOT NULL,"
	" this_update INTEGER NOT NULL, next_update INTEGER NOT NULL,"
	" der BLOB NOT NULL, PRIMARY KEY (issuer, number));",
	/* 2: the link's session counter and other single values */
	"CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('link_session', 0);"
	"INSERT INTO meta VALUES ('log_checked_seq', 0);",
	/* 3: partitioned CRLs (docs/crl.md): the part a certificate's CRL
	 * distribution point names (0: the issuer's unpartitioned CRL), and
	 * every part of one CRL generation stored under the same number */
	"ALTER TABLE cert ADD COLUMN crl_part INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE crl3 ("
	" issuer TEXT NOT NULL, number INTEGER NOT NULL,"
	" part INTEGER NOT NULL DEFAULT 0,"
	" this_update INTEGER NOT NULL, next_update INTEGER NOT NULL,"
	" der BLOB NOT NULL, PRIMARY KEY (issuer, number, part));"
	"INSERT INTO crl3 (issuer, number, part, this_update, next_update, der)"
	" SELECT issuer, number, 0, this_update, next_update, der FROM crl;"
	"DROP TABLE crl;"
	"ALTER TABLE crl3 RENAME TO crl;",
	/* 4: how many certificates of each issuer have a CRL part, kept by a
	 * trigger, so that the part of the next one is one look-up instead
	 * of a count over all the issuer's certificates (half a second per
	 * issuance at 160,000) */
	"CREATE TABLE part_count ("
	" issuer TEXT PRIMARY KEY, n INTEGER NOT NULL);"
	"INSERT INTO part_count (issuer, n)"
	" SELECT issuer, count(*) FROM cert WHERE crl_part > 0 GROUP BY issuer;"
	PART_COUNT_TRIGGERS,
	/* 5: serials and fingerprints are random, so each index on one
	 * puts every issuance on a page of its own: cert keeps only its
	 * primary key (issuer, serial), without cert_serial and without
	 * UNIQUE on the fingerprint (the key already makes every
	 * certificate's DER, and so its SHA-256, unique).  WAL pages
	 * written per issuance in a store of 150,000: 4.5 before, 1.7
	 * after.  A look-up by serial alone goes through the issuers in
	 * cert_issuer, kept by a trigger. */
	"CREATE TABLE cert5 ("
	" issuer TEXT NOT NULL, serial TEXT NOT NULL, profile TEXT NOT NULL,"
	" request_id TEXT NOT NULL, not_before INTEGER NOT NULL,"
	" not_after INTEGER NOT NULL, subject TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL, der BLOB NOT NULL,"
	" is_ca INTEGER NOT NULL DEFAULT 0, issued_at INTEGER NOT NULL,"
	" crl_part INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (issuer, serial));"
	"INSERT INTO cert5 (issuer, serial, profile, request_id, not_before,"
	" not_after, subject, fingerprint, der, is_ca, issued_at, crl_part)"
	" SELECT issuer, serial, profile, request_id, not_before, not_after,"
	" subject, fingerprint, der, is_ca, issued_at, crl_part FROM cert"
	" ORDER BY rowid;"
	"DROP TABLE cert;"
	"ALTER TABLE cert5 RENAME TO cert;"
	PART_COUNT_TRIGGERS
	"CREATE TABLE cert_issuer (issuer TEXT PRIMARY KEY);"
	"INSERT INTO cert_issuer SELECT DISTINCT issuer FROM cert;"
	"CREATE TRIGGER cert_issuer_seen AFTER INSERT ON cert BEGIN"
	" INSERT OR IGNORE INTO cert_issuer VALUES (NEW.issuer);"
	" END;",
	/* 6: part_count and cert_issuer are kept by cert_insert() instead of
	 * triggers that ran for every row: part_count gets one update per
	 * issuer at commit, cert_issuer a row when an issuer is first seen
	 * (the triggers cost 1.5-3 us of the store's time per issuance). */
	"DROP TRIGGER cert_part_count; DROP TRIGGER cert_issuer_seen;",
};

#define ISSUERS_KEPT 16

/*
 * WAL bytes between automatic checkpoints: 10,000 pages of 4 kB (SQLite's
 * default is 1,000 pages).  Serials are random, so every issuance dirties
 * a page of the (issuer, serial) index somewhere in the file; a checkpoint
 * writes each page once however many frames of it the WAL holds, and
 * syncs the WAL and the database, so a longer WAL writes fewer pages and
 * fewer syncs per issuance.  At 1,000 pages of 4 kB the checkpoints took
 * 9-15 % of the engine's time on one core (P-256, 64 per batch, store of
 * 10,000-30,000 certificates).  40 MB of WAL is read again in well under a
 * second after a crash.  signerdb_checkpoint() runs one at any other time.
 */
#define CHECKPOINT_BYTES (10000 * 4096)
/*
 * The page size of a store made here; one made before keeps its own (4 kB,
 * SQLite's default), which a VACUUM outside WAL mode changes.  A row of
 * cert is most of a kilobyte, so a 4 kB page holds four and an issuance
 * splits or fills a page of the table besides the index page its random
 * serial lands on; with 16 kB pages an insert costs about 0.5 us less and
 * a checkpoint writes half as long (P-256, batches of 64, bench/issue.c:
 * 2-3 % of the engine's time on one core).
 */
#define STORE_PAGE_SIZE 16384

struct signerdb {
	sqlite3 *db;
	sqlite3_stmt *st[S__MAX];
	char *path;
	/* Certificates given a CRL part in the open transaction, by issuer,
	 * added to part_count at commit (schema 6). */
	struct {
		char issuer[64];
		int64_t n;
	} part_add[ISSUERS_KEPT];
	size_t npart_add;
	/* Issuers this connection put in cert_issuer (or found there), so
	 * that a certificate costs no look-up; emptied by a rollback. */
	char seen[ISSUERS_KEPT][64];
	size_t nseen;
	bool nosync;                    /* signerdb_begin_nosync() */
};

static int
dberr(struct signerdb *d, struct fe_err *err, const char *what)
{
	return fe_err_code(err, FE_EDB, "%s: %s: %s", d->path, what,
	    sqlite3_errmsg(d->db));
}

static sqlite3_stmt *
stmt(struct signerdb *d, enum stmt s)
{
	sqlite3_stmt *st = d->st[s];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Prepare every statement on d's open connection; *out = d, or d is
 * closed. */
static int
prepared(struct signerdb *d, struct signerdb **out, struct fe_err *err)
{
	int i;

	for (i = 0; i < S__MAX; i++) {
		if (sqlite3_prepare_v3(d->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &d->st[i], NULL) != SQLITE_OK) {
			dberr(d, err, "preparing statement");
			signerdb_close(d);
			return FE_EDB;
		}
	}
	*out = d;
	return 0;
}

/* The integer the one-row statement q gives on db; -1 if none. */
static int64_t
one_value(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
signerdb_open(const char *path, struct signerdb **out, struct fe_err *err)
{
	struct signerdb *d = fe_calloc(1, sizeof(*d));
	int64_t psize;

	d->path = fe_strdup(path);
	if (sql_open(path, walbuf_vfs(), "fe-signer", migrations,
	    sizeof(migrations) / sizeof(migrations[0]), 5000,
	    STORE_PAGE_SIZE, &d->db, err) != 0)
		goto fail;
	if ((psize = one_value(d->db, "PRAGMA page_size")) <= 0 ||
	    sqlite3_wal_autocheckpoint(d->db, (int)(CHECKPOINT_BYTES /
	    psize)) != SQLITE_OK) {
		dberr(d, err, "setting the checkpoint interval");
		goto fail;
	}
	return prepared(d, out, err);
fail:
	signerdb_close(d);
	return FE_EDB;
}

void
signerdb_close(struct signerdb *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < S__MAX; i++)
		sqlite3_finalize(d->st[i]);
	sqlite3_close(d->db);
	free(d->path);
	free(d);
}

static int
exec1(struct signerdb *d, enum stmt s, struct fe_err *err, const char *what)
{
	if (sqlite3_step(stmt(d, s)) != SQLITE_DONE)
		return dberr(d, err, what);
	return 0;
}

int
signerdb_begin(struct signerdb *d, struct fe_err *err)
{
	return exec1(d, S_BEGIN, err, "begin");
}

/* SQLite takes a new synchronous setting only outside a transaction. */
static void
sync_full_again(struct signerdb *d)
{
	struct fe_err err;

	if (!d->nosync)
		return;
	d->nosync = false;
	if (exec1(d, S_SYNC_FULL, &err, "synchronous=FULL") != 0)
		fe_fatal("%s", err.msg);        /* every later commit needs it */
}

int
signerdb_begin_nosync(struct signerdb *d, struct fe_err *err)
{
	int rc;

	if ((rc = exec1(d, S_SYNC_NORMAL, err, "synchronous=NORMAL")) != 0)
		return rc;
	d->nosync = true;
	if ((rc = signerdb_begin(d, err)) != 0)
		sync_full_again(d);
	return rc;
}

static int
part_add(struct signerdb *d, const char *issuer, int64_t n,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_PART_ADD);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "counting certificates in CRL parts");
	return 0;
}

int
signerdb_commit(struct signerdb *d, struct fe_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->npart_add && rc == 0; i++)
		rc = part_add(d, d->part_add[i].issuer, d->part_add[i].n, err);
	d->npart_add = 0;
	if (rc != 0)
		return rc;
	if ((rc = exec1(d, S_COMMIT, err, "commit")) == 0)
		sync_full_again(d);
	return rc;
}

int
signerdb_checkpoint(struct signerdb *d, struct fe_err *err)
{
	if (sqlite3_wal_checkpoint_v2(d->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) != SQLITE_OK)
		return dberr(d, err, "checkpoint");
	return 0;
}

void
signerdb_rollback(struct signerdb *d)
{
	d->npart_add = 0;
	d->nseen = 0;
	if (!sqlite3_get_autocommit(d->db))
		(void)sqlite3_step(stmt(d, S_ROLLBACK));
	sync_full_again(d);
}

/* cert_issuer and part_count for one more certificate (schema 6). */
static int
cert_counted(struct signerdb *d, const char *issuer, uint32_t crl_part,
    struct fe_err *err)
{
	sqlite3_stmt *st;
	size_t i;
	bool fits = strlen(issuer) < sizeof(d->seen[0]);

	for (i = 0; i < d->nseen; i++)
		if (strcmp(d->seen[i], issuer) == 0)
			break;
	if (i == d->nseen) {
		st = stmt(d, S_ISSUER_SEEN);
		sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return dberr(d, err, "storing an issuer");
		if (fits && d->nseen < ISSUERS_KEPT)
			memcpy(d->seen[d->nseen++], issuer, strlen(issuer) + 1);
	}
	if (crl_part == 0)
		return 0;
	if (sqlite3_get_autocommit(d->db))
		return part_add(d, issuer, 1, err);
	for (i = 0; i < d->npart_add; i++)
		if (strcmp(d->part_add[i].issuer, issuer) == 0) {
			d->part_add[i].n++;
			return 0;
		}
	if (!fits || d->npart_add == ISSUERS_KEPT)
		return part_add(d, issuer, 1, err);
	memcpy(d->part_add[d->npart_add].issuer, issuer, strlen(issuer) + 1);
	d->part_add[d->npart_add++].n = 1;
	return 0;
}

int
signerdb_serial_exists(struct signerdb *d, const char *issuer,
    const char *serial, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_SERIAL_EXISTS);
	int rc;

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return rc == SQLITE_ROW;
	}
	return dberr(d, err, "looking up serial");
}

static void
copy_col(sqlite3_stmt *st, int col, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	dst[0] = '\0';
	if (t != NULL)
		(void)fe_snprintf_ok(dst, n, "%s", (const char *)t);
}

int
signerdb_request_get(struct signerdb *d, const char *id,
    struct db_outcome *o, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REQ_GET);
	const void *blob;
	int rc, n;

	memset(o, 0, sizeof(*o));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return FE_ENOENT;
	if (rc != SQLITE_ROW)
		return dberr(d, err, "looking up request");
	copy_col(st, 0, o->digest, sizeof(o->digest));
	o->issued = sqlite3_column_int(st, 1);
	copy_col(st, 2, o->issuer, sizeof(o->issuer));
	copy_col(st, 3, o->serial, sizeof(o->serial));
	copy_col(st, 4, o->reason, sizeof(o->reason));
	blob = sqlite3_column_blob(st, 5);
	n = sqlite3_column_bytes(st, 5);
	if (blob != NULL && n > 0) {
		o->der = fe_malloc((size_t)n);
		memcpy(o->der, blob, (size_t)n);
		o->derlen = (size_t)n;
	}
	sqlite3_reset(st);
	return 0;
}

void
db_outcome_clear(struct db_outcome *o)
{
	free(o->der);
	memset(o, 0, sizeof(*o));
}

static int
cert_insert(struct signerdb *d, const char *id, const char *profile,
    const char *issuer, const char *serial, int64_t not_before,
    int64_t not_after, const char *subject, const char *fingerprint,
    const uint8_t *der, size_t derlen, int is_ca, uint32_t crl_part,
    int64_t at, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CERT_INSERT);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, not_before);
	sqlite3_bind_int64(st, 6, not_after);
	sqlite3_bind_text(st, 7, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, der, (int)derlen, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, is_ca);
	sqlite3_bind_int64(st, 11, crl_part);
	if (at != 0)                    /* else unbound: now */
		sqlite3_bind_int64(st, 12, at);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "storing certificate");
	return cert_counted(d, issuer, crl_part, err);
}

int
signerdb_cert_add(struct signerdb *d, const char *issuer, const char *serial,
    const char *profile, int64_t not_before, int64_t not_after,
    const char *subject, const char *fingerprint, const uint8_t *der,
    size_t derlen, int is_ca, struct fe_err *err)
{
	int rc = signerdb_serial_exists(d, issuer, serial, err);

	if (rc != 0)
		return rc < 0 ? rc : 0;
	return cert_insert(d, "ceremony", profile, issuer, serial, not_before,
	    not_after, subject, fingerprint, der, derlen, is_ca, 0, 0, err);
}

int
signerdb_record_issued(struct signerdb *d, const char *id,
    const char *digest, const char *profile, const char *issuer,
    const char *serial, int64_t not_before, int64_t not_after,
    const char *subject, const char *fingerprint, const uint8_t *der,
    size_t derlen, int is_ca, uint32_t crl_part, int64_t at,
    struct fe_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = cert_insert(d, id, profile, issuer, serial, not_before,
	    not_after, subject, fingerprint, der, derlen, is_ca, crl_part, at,
	    err)) != 0)
		return rc;
	st = stmt(d, S_REQ_INSERT);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, 1);
	sqlite3_bind_text(st, 4, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, serial, -1, SQLITE_STATIC);
	sqlite3_bind_null(st, 6);
	if (at != 0)
		sqlite3_bind_int64(st, 7, at);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "storing request outcome");
	return 0;
}

int
signerdb_record_refused(struct signerdb *d, const char *id,
    const char *digest, const char *reason, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REQ_INSERT);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, digest, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, 0);
	sqlite3_bind_null(st, 4);
	sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "storing request outcome");
	return 0;
}

int
signerdb_cert_find(struct signerdb *d, const char *serial, char issuer[32],
    int *is_ca, int64_t *not_after, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CERT_FIND);
	int rc;

	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return fe_err_code(err, FE_ENOENT, "serial %s: no certificate "
		    "with this serial was issued by this signer", serial);
	if (rc != SQLITE_ROW)
		return dberr(d, err, "looking up serial");
	copy_col(st, 0, issuer, 32);
	*is_ca = sqlite3_column_int(st, 1);
	*not_after = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	return 0;
}

int
signerdb_revoke(struct signerdb *d, const char *issuer, const char *serial,
    int reason, int64_t at, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REVOKE);
	int rc;

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, reason);
	sqlite3_bind_int64(st, 4, at);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		return fe_err_code(err, FE_EEXIST, "serial %s is already "
		    "revoked", serial);
	return dberr(d, err, "storing revocation");
}

static int
revoked_rows(struct signerdb *d, sqlite3_stmt *st, signerdb_revoked_cb cb,
    void *arg, struct fe_err *err)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = cb((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2), arg);
		if (rc != 0)
			return rc;
	}
	if (rc != SQLITE_DONE)
		return dberr(d, err, "listing revocations");
	return 0;
}

int
signerdb_revoked(struct signerdb *d, const char *issuer,
    signerdb_revoked_cb cb, void *arg, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REVOKED);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	return revoked_rows(d, st, cb, arg, err);
}

int
signerdb_revoked_part(struct signerdb *d, const char *issuer, uint32_t part,
    signerdb_revoked_cb cb, void *arg, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REVOKED_PART);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, part);
	return revoked_rows(d, st, cb, arg, err);
}

int
signerdb_part_count(struct signerdb *d, const char *issuer, int64_t *n,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_PART_COUNT);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "counting certificates in CRL parts");
	*n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

static int
each_key(struct signerdb *d, enum stmt s, bool pair, signerdb_key_cb cb,
    void *arg, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, s);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *b = pair ? (const char *)sqlite3_column_text(st,
		    1) : NULL;
		if (a == NULL || (pair && b == NULL))
			continue;       /* NOT NULL in the schema */
		cb(a, b, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(d, err, pair ? "reading certificate serials" :
		    "reading request ids");
	return 0;
}

int
signerdb_cert_keys(struct signerdb *d, signerdb_key_cb cb, void *arg,
    struct fe_err *err)
{
	return each_key(d, S_CERT_KEYS, true, cb, arg, err);
}

int
signerdb_request_ids(struct signerdb *d, signerdb_key_cb cb, void *arg,
    struct fe_err *err)
{
	return each_key(d, S_REQ_IDS, false, cb, arg, err);
}

int
signerdb_crl_parts(struct signerdb *d, const char *issuer, uint32_t *max_part,
    int64_t *unpartitioned, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CRL_PARTS);
	int64_t m;

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "listing CRL parts");
	m = sqlite3_column_int64(st, 0);
	if (m < 0 || m > (int64_t)UINT32_MAX)
		return fe_err_code(err, FE_EDB, "%s: issuer %s: stored CRL "
		    "part %lld is out of range", d->path, issuer,
		    (long long)m);
	*max_part = (uint32_t)m;
	*unpartitioned = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

int
signerdb_crl_next(struct signerdb *d, const char *issuer, uint64_t *number,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CRL_LAST);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "reading CRL number");
	*number = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	sqlite3_reset(st);
	return 0;
}

int
signerdb_crl_store(struct signerdb *d, const char *issuer, uint64_t number,
    uint32_t part, int64_t this_update, int64_t next_update,
    const uint8_t *der, size_t derlen, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CRL_INSERT);

	sqlite3_bind_text(st, 1, issuer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)number);
	sqlite3_bind_int64(st, 3, part);
	sqlite3_bind_int64(st, 4, this_update);
	sqlite3_bind_int64(st, 5, next_update);
	sqlite3_bind_blob(st, 6, der, (int)derlen, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "storing CRL");
	return 0;
}

int
signerdb_counts(struct signerdb *d, int64_t *certs, int64_t *revoked,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_COUNT_CERTS);

	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "counting");
	*certs = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	st = stmt(d, S_COUNT_REVOKED);
	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "counting");
	*revoked = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
signerdb_next_session(struct signerdb *d, uint32_t *out, struct fe_err *err)
{
	sqlite3_stmt *st;
	int64_t v;

	if (signerdb_begin(d, err) != 0)
		return FE_EDB;
	if (sqlite3_step(stmt(d, S_SESSION_BUMP)) != SQLITE_DONE) {
		dberr(d, err, "counting sessions");
		signerdb_rollback(d);
		return FE_EDB;
	}
	st = stmt(d, S_SESSION_GET);
	if (sqlite3_step(st) != SQLITE_ROW) {
		dberr(d, err, "reading the session counter");
		signerdb_rollback(d);
		return FE_EDB;
	}
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (v <= 0 || v > (int64_t)UINT32_MAX) {
		signerdb_rollback(d);
		return fe_err_code(err, FE_EDB, "link session counter out of "
		    "range");
	}
	if (signerdb_commit(d, err) != 0)
		return FE_EDB;
	*out = (uint32_t)v;
	return 0;
}

int
signerdb_revocation_reason(struct signerdb *d, const char *serial,
    int *reason, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_REVOCATION_GET);
	int rc;

	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return FE_ENOENT;
	if (rc != SQLITE_ROW)
		return dberr(d, err, "looking up revocation");
	*reason = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
signerdb_meta_get(struct signerdb *d, const char *k, int64_t *v,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_META_GET);

	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return dberr(d, err, "reading meta value");
	*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
signerdb_meta_set(struct signerdb *d, const char *k, int64_t v,
    struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_META_SET);

	sqlite3_bind_int64(st, 1, v);
	sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "writing meta value");
	return 0;
}
