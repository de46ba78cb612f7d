/*
 * statusdb.c - the status store of fe-status in SQLite.
 *
 * fe-status runs on the online host, which is not trusted to say anything
 * about a certificate (issue #6).  So nothing enters this store on the
 * host's word: a sub-root only when it chains to the configured root, a
 * certificate only when its signature verifies with a stored sub-root's
 * key, a CRL only when its signature verifies and its cRLNumber does not go
 * backwards.  The OCSP answer is then derived from those signed objects:
 * revoked if the newest CRL lists the serial, good if the signer issued it,
 * unknown otherwise (BR 4.9.10: never "good" for a serial never issued).
 *
 * WAL mode with synchronous=FULL; the schema is versioned with PRAGMA
 * user_version; statements are prepared once with bound parameters.  Every
 * multi-row change (a CRL and its revoked set) is one transaction, so a
 * refused or failed input leaves the store as it was.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sqlite3.h>

#include "pki/x509ext.h"
#include "store/migrate.h"
#include "store/statusdb.h"

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_ISSUER_ALL, S_ISSUER_INSERT,
	S_ISSUER_BY_SHA1, S_ISSUER_BY_SHA256, S_CERT_GET, S_CERT_INSERT,
	S_CRL_NEWEST, S_CRL_INSERT, S_REVOKED_CLEAR, S_REVOKED_INSERT,
	S_REVOKED_GET, S_CRL_PARTS, S_CRL_PART_OWNER, S_CRL_BY_URL, S__MAX
};

static const char *const sql[S__MAX] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_ISSUER_ALL] = "SELECT id, name, der FROM issuer ORDER BY id",
	[S_ISSUER_INSERT] = "INSERT INTO issuer (name, der, spki_sha256, "
	    "name_sha1, key_sha1, name_sha256, key_sha256) VALUES "
	    "(?,?,?,?,?,?,?)",
	[S_ISSUER_BY_SHA1] = "SELECT id FROM issuer WHERE name_sha1 = ? AND "
	    "key_sha1 = ?",
	[S_ISSUER_BY_SHA256] = "SELECT id FROM issuer WHERE name_sha256 = ? "
	    "AND key_sha256 = ?",
	[S_CERT_GET] = "SELECT sha256 FROM cert WHERE issuer = ? AND "
	    "serial = ?",
	[S_CERT_INSERT] = "INSERT INTO cert (issuer, serial, not_after, "
	    "sha256) VALUES (?,?,?,?)",
	[S_CRL_NEWEST] = "SELECT number, this_update, next_update, der FROM "
	    "crl WHERE issuer = ? AND part = ? ORDER BY number DESC LIMIT 1",
	[S_CRL_INSERT] = "INSERT INTO crl (issuer, part, number, this_update, "
	    "next_update, der) VALUES (?,?,?,?,?,?)",
	[S_REVOKED_CLEAR] = "DELETE FROM revoked WHERE issuer = ? AND "
	    "part = ?",
	[S_REVOKED_INSERT] = "INSERT INTO revoked (issuer, part, serial, "
	    "revoked_at, reason) VALUES (?,?,?,?,?)",
	/* revoked in any of the issuer's partitions: the earliest date */
	[S_REVOKED_GET] = "SELECT revoked_at, reason FROM revoked WHERE "
	    "issuer = ? AND serial = ? ORDER BY revoked_at LIMIT 1",
	/* every partition of an issuer with its newest CRL's dates */
	[S_CRL_PARTS] = "SELECT c.part, c.this_update, c.next_update FROM "
	    "crl c WHERE c.issuer = ? AND c.number = (SELECT max(number) "
	    "FROM crl WHERE issuer = c.issuer AND part = c.part) "
	    "ORDER BY c.part",
	[S_CRL_PART_OWNER] = "SELECT 1 FROM crl WHERE part = ? AND "
	    "issuer != ? LIMIT 1",
	[S_CRL_BY_URL] = "SELECT der FROM crl WHERE part = ? ORDER BY "
	    "number DESC LIMIT 1",
};

static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE issuer ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" der BLOB NOT NULL, spki_sha256 BLOB NOT NULL UNIQUE,"
	" name_sha1 BLOB NOT NULL, key_sha1 BLOB NOT NULL,"
	" name_sha256 BLOB NOT NULL, key_sha256 BLOB NOT NULL);"
	"CREATE UNIQUE INDEX issuer_sha1 ON issuer(name_sha1, key_sha1);"
	"CREATE UNIQUE INDEX issuer_sha256 ON issuer(name_sha256, key_sha256);"
	"CREATE TABLE cert ("
	" issuer INTEGER NOT NULL REFERENCES issuer(id),"
	" serial TEXT NOT NULL, not_after INTEGER NOT NULL,"
	" sha256 BLOB NOT NULL, PRIMARY KEY (issuer, serial));"
	"CREATE TABLE crl ("
	" issuer INTEGER NOT NULL REFERENCES issuer(id),"
	" number INTEGER NOT NULL, this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL, der BLOB NOT NULL,"
	" PRIMARY KEY (issuer, number));"
	"CREATE TABLE revoked ("
	" issuer INTEGER NOT NULL REFERENCES issuer(id),"
	" serial TEXT NOT NULL, revoked_at INTEGER NOT NULL,"
	" reason INTEGER NOT NULL, PRIMARY KEY (issuer, serial));",
	/* 2: partitioned CRLs (docs/crl.md): CRLs, numbers and revoked
	 * sets per (issuer, partition URI); '' is a complete CRL */
	"CREATE TABLE crl2 ("
	" issuer INTEGER NOT NULL REFERENCES issuer(id),"
	" part TEXT NOT NULL DEFAULT '',"
	" number INTEGER NOT NULL, this_update INTEGER NOT NULL,"
	" next_update INTEGER NOT NULL, der BLOB NOT NULL,"
	" PRIMARY KEY (issuer, part, number));"
	"INSERT INTO crl2 (issuer, part, number, this_update, next_update, der)"
	" SELECT issuer, '', number, this_update, next_update, der FROM crl;"
	"DROP TABLE crl;"
	"ALTER TABLE crl2 RENAME TO crl;"
	"CREATE INDEX crl_part ON crl(part, number);"
	"CREATE TABLE revoked2 ("
	" issuer INTEGER NOT NULL REFERENCES issuer(id),"
	" part TEXT NOT NULL DEFAULT '',"
	" serial TEXT NOT NULL, revoked_at INTEGER NOT NULL,"
	" reason INTEGER NOT NULL, PRIMARY KEY (issuer, part, serial));"
	"INSERT INTO revoked2 (issuer, part, serial, revoked_at, reason)"
	" SELECT issuer, '', serial, revoked_at, reason FROM revoked;"
	"DROP TABLE revoked;"
	"ALTER TABLE revoked2 RENAME TO revoked;"
	"CREATE INDEX revoked_serial ON revoked(issuer, serial);",
};

struct sdb_issuer {
	int64_t id;
	char name[STATUSDB_NAME_MAX];
	X509 *x;
};

struct statusdb {
	sqlite3 *db;
	sqlite3_stmt *st[S__MAX];
	char *path;
	struct sdb_issuer iss[STATUSDB_MAX_ISSUERS];
	size_t niss;
	unsigned depth;            /* nested begin() calls */
};

/* Hex of a serial: lower case, no leading zeros, "0" for zero. */
#define SERIAL_HEX_MAX (2 * OCSP_SERIAL_MAX + 1)

static int
dberr(struct statusdb *d, struct fe_err *err, const char *what)
{
	return fe_err_code(err, FE_EDB, "%s: %s: %s", d->path, what,
	    sqlite3_errmsg(d->db));
}

static sqlite3_stmt *
stmt(struct statusdb *d, enum stmt s)
{
	sqlite3_stmt *st = d->st[s];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int issuers_reload(struct statusdb *d, struct fe_err *err);

/*
 * Transactions nest: the outermost begin() is BEGIN IMMEDIATE (the write
 * lock at once, so two writers wait on each other instead of failing on
 * upgrade), inner ones are savepoints.  A status bundle is one outer
 * transaction (statusdb_batch_begin) around many changes that each stay
 * atomic on their own.
 */
static int
begin(struct statusdb *d, struct fe_err *err)
{
	if (d->depth == 0) {
		if (sqlite3_step(stmt(d, S_BEGIN)) != SQLITE_DONE)
			return dberr(d, err, "begin");
	} else if (sqlite3_exec(d->db, "SAVEPOINT sdb", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(d, err, "savepoint");
	d->depth++;
	return 0;
}

static int
commit(struct statusdb *d, struct fe_err *err)
{
	if (d->depth == 0)
		return fe_err_set(err, "%s: commit without a transaction",
		    d->path);
	if (d->depth == 1) {
		if (sqlite3_step(stmt(d, S_COMMIT)) != SQLITE_DONE)
			return dberr(d, err, "commit");
	} else if (sqlite3_exec(d->db, "RELEASE sdb", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return dberr(d, err, "release savepoint");
	d->depth--;
	return 0;
}

/* Undo everything since the matching begin(). */
static void
rollback(struct statusdb *d)
{
	if (d->depth == 0)
		return;
	if (d->depth == 1) {
		if (!sqlite3_get_autocommit(d->db))
			(void)sqlite3_step(stmt(d, S_ROLLBACK));
	} else {
		(void)sqlite3_exec(d->db, "ROLLBACK TO sdb; RELEASE sdb", NULL,
		    NULL, NULL);
	}
	d->depth--;
}

int
statusdb_batch_begin(struct statusdb *d, struct fe_err *err)
{
	return begin(d, err);
}

int
statusdb_batch_commit(struct statusdb *d, struct fe_err *err)
{
	int rc = commit(d, err);

	if (rc != 0)
		rollback(d);
	return rc;
}

void
statusdb_batch_abort(struct statusdb *d)
{
	struct fe_err ignored;

	rollback(d);
	/* issuers added inside the batch are gone from the database */
	if (d->depth == 0)
		(void)issuers_reload(d, &ignored);
}

int
statusdb_data_version(struct statusdb *d, int64_t *out, struct fe_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->db, "PRAGMA data_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return dberr(d, err, "preparing data_version");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : dberr(d, err, "reading data_version");
}

size_t
statusdb_nissuers(const struct statusdb *d)
{
	return d->niss;
}

X509 *
statusdb_issuer_at(const struct statusdb *d, size_t i)
{
	return i < d->niss ? d->iss[i].x : NULL;
}

const char *
statusdb_issuer_name(const struct statusdb *d, size_t i)
{
	return i < d->niss ? d->iss[i].name : NULL;
}

static void
hex_lower(const uint8_t *p, size_t n, char *out, size_t outsz)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0 || 2 * n + 1 > outsz) {
		/* defensive: callers bound n by OCSP_SERIAL_MAX */
		if (outsz < 2)
			fe_fatal("statusdb: serial buffer too small");
		out[0] = '0';
		out[1] = '\0';
		return;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 || (p[i] >> 4) != 0)
			out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 0xf];
	}
	out[o] = '\0';
}

/* Serial of an ASN1_INTEGER as hex; refuses negative and over-long ones. */
static int
serial_hex(const ASN1_INTEGER *ai, char out[SERIAL_HEX_MAX], const char *what,
    struct fe_err *err)
{
	uint8_t buf[OCSP_SERIAL_MAX];
	BIGNUM *bn;
	int n;

	if ((bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL)
		return fe_err_ssl(err, "%s: cannot read serial number", what);
	if (BN_is_negative(bn) || BN_num_bytes(bn) > OCSP_SERIAL_MAX) {
		BN_free(bn);
		return fe_err_set(err, "%s: RFC 5280 4.1.2.2: serial number is "
		    "negative or longer than %d octets", what, OCSP_SERIAL_MAX);
	}
	n = BN_bn2bin(bn, buf);
	BN_free(bn);
	hex_lower(buf, (size_t)n, out, SERIAL_HEX_MAX);
	return 0;
}

/* Issuer name: the subject as RFC 2253 text. */
static int
name_of(X509_NAME *n, char out[STATUSDB_NAME_MAX], struct fe_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;
	int rc = 0;

	if (b == NULL || X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(b);
		return fe_err_ssl(err, "cannot print a name");
	}
	len = BIO_get_mem_data(b, &p);
	if (len <= 0 || len >= STATUSDB_NAME_MAX)
		rc = fe_err_set(err, "issuer name of %ld bytes (1 to %d)", len,
		    STATUSDB_NAME_MAX - 1);
	else {
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(b);
	return rc;
}

static int
issuer_load(struct statusdb *d, int64_t id, const uint8_t *der, size_t len,
    struct fe_err *err)
{
	const unsigned char *p = der;
	struct sdb_issuer *s;
	X509 *x;

	if (d->niss >= STATUSDB_MAX_ISSUERS)
		return fe_err_code(err, FE_EPOLICY, "%s: more than %d issuers",
		    d->path, STATUSDB_MAX_ISSUERS);
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		X509_free(x);
		return fe_err_code(err, FE_EDB, "%s: stored issuer %lld does "
		    "not parse", d->path, (long long)id);
	}
	s = &d->iss[d->niss];
	if (name_of(X509_get_subject_name(x), s->name, err) != 0) {
		X509_free(x);
		return FE_EDB;
	}
	s->id = id;
	s->x = x;
	d->niss++;
	return 0;
}

/* The in-memory issuer list, (re)read from the database. */
static int
issuers_reload(struct statusdb *d, struct fe_err *err)
{
	sqlite3_stmt *st;
	size_t j;
	int rc;

	for (j = 0; j < d->niss; j++)
		X509_free(d->iss[j].x);
	d->niss = 0;
	st = stmt(d, S_ISSUER_ALL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = issuer_load(d, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), err)) != 0) {
			sqlite3_reset(st);
			return rc;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(d, err, "loading issuers");
	return 0;
}

int
statusdb_open(const char *path, struct statusdb **out, struct fe_err *err)
{
	struct statusdb *d = fe_calloc(1, sizeof(*d));
	int i;

	d->path = fe_strdup(path);
	if (sql_open(path, NULL, "fe-status", migrations,
	    sizeof(migrations) / sizeof(migrations[0]), 5000, 0, &d->db,
	    err) != 0)
		goto fail;
	for (i = 0; i < S__MAX; i++) {
		if (sqlite3_prepare_v3(d->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &d->st[i], NULL) != SQLITE_OK) {
			dberr(d, err, "preparing statement");
			goto fail;
		}
	}
	if (issuers_reload(d, err) != 0)
		goto fail;
	*out = d;
	return 0;
fail:
	statusdb_close(d);
	return FE_EDB;
}

void
statusdb_close(struct statusdb *d)
{
	size_t j;
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < S__MAX; i++)
		sqlite3_finalize(d->st[i]);
	sqlite3_close(d->db);
	for (j = 0; j < d->niss; j++)
		X509_free(d->iss[j].x);
	free(d->path);
	free(d);
}

static struct sdb_issuer *
issuer_by_id(struct statusdb *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->niss; i++)
		if (d->iss[i].id == id)
			return &d->iss[i];
	return NULL;
}

/* BR 7.1.2.1/7.1.2.2: a CA certificate that may sign certificates and CRLs. */
static int
check_ca(X509 *x, const char *name, struct fe_err *err)
{
	uint32_t ku, fl = X509_get_extension_flags(x);

	if ((fl & EXFLAG_BCONS) == 0 || (fl & EXFLAG_CA) == 0 ||
	    (fl & EXFLAG_INVALID) != 0)
		return fe_err_code(err, FE_EPOLICY, "sub-root %s: RFC 5280 "
		    "4.2.1.9: not a CA certificate (basicConstraints CA:TRUE "
		    "missing); refused", name);
	ku = X509_get_key_usage(x);
	if ((ku & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) !=
	    (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
		return fe_err_code(err, FE_EPOLICY, "sub-root %s: RFC 5280 "
		    "4.2.1.3: keyUsage lacks keyCertSign or cRLSign; refused",
		    name);
	return 0;
}

static int
chain_check(X509 *x, X509 *root, const char *name, struct fe_err *err)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = 0, v;

	if (store == NULL || ctx == NULL ||
	    X509_STORE_add_cert(store, root) != 1 ||
	    X509_STORE_CTX_init(ctx, store, x, NULL) != 1) {
		rc = fe_err_ssl(err, "sub-root %s: cannot set up verification",
		    name);
		goto out;
	}
	/* Times are not the point here: a sub-root stays the signer's own
	 * after it expires, and OCSP for it is still answered. */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME |
	    X509_V_FLAG_X509_STRICT);
	if (X509_verify_cert(ctx) != 1) {
		v = X509_STORE_CTX_get_error(ctx);
		rc = fe_err_code(err, FE_EPOLICY, "sub-root %s: does not chain "
		    "to the configured root: %s; refused", name,
		    X509_verify_cert_error_string(v));
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

int
statusdb_add_issuer(struct statusdb *d, X509 *x, X509 *root,
    struct fe_err *err)
{
	static const uint8_t one = 1;
	struct ocsp_certid h1, h256;
	char name[STATUSDB_NAME_MAX];
	uint8_t spki[32];
	unsigned int spkilen = 0;
	unsigned char *der = NULL;
	sqlite3_stmt *st;
	size_t i;
	int len, rc;

	if (x == NULL || root == NULL)
		return fe_err_set(err, "statusdb_add_issuer: no certificate");
	if ((rc = name_of(X509_get_subject_name(x), name, err)) != 0)
		return rc;
	if (X509_cmp(x, root) == 0)
		return fe_err_code(err, FE_EPOLICY, "sub-root %s: is the root "
		    "itself; only sub-roots issue end-entity certificates; "
		    "refused", name);
	if ((rc = check_ca(x, name, err)) != 0 ||
	    (rc = chain_check(x, root, name, err)) != 0)
		return rc;
	/* checked first, so adding it again under another root fails */
	for (i = 0; i < d->niss; i++)
		if (X509_cmp(d->iss[i].x, x) == 0)
			return 0;
	for (i = 0; i < d->niss; i++)
		if (strcmp(d->iss[i].name, name) == 0)
			return fe_err_code(err, FE_EEXIST, "sub-root %s: another "
			    "certificate with this name is stored; refused",
			    name);
	if (d->niss >= STATUSDB_MAX_ISSUERS)
		return fe_err_code(err, FE_EPOLICY, "sub-root %s: more than %d "
		    "issuers; refused", name, STATUSDB_MAX_ISSUERS);
	if (ocsp_certid_from_issuer(x, OCSP_HASH_SHA1, &one, 1, &h1,
	    err) != 0 ||
	    ocsp_certid_from_issuer(x, OCSP_HASH_SHA256, &one, 1, &h256,
	    err) != 0)
		return FE_ECRYPTO;
	if (X509_pubkey_digest(x, EVP_sha256(), spki, &spkilen) != 1 ||
	    spkilen != sizeof(spki) || (len = i2d_X509(x, &der)) <= 0) {
		OPENSSL_free(der);
		return fe_err_ssl(err, "sub-root %s: cannot encode", name);
	}
	st = stmt(d, S_ISSUER_INSERT);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, der, len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, spki, sizeof(spki), SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, h1.name_hash, 20, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, h1.key_hash, 20, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, h256.name_hash, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, h256.key_hash, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(d->db) ==
		    SQLITE_CONSTRAINT_UNIQUE)
			rc = fe_err_code(err, FE_EEXIST, "sub-root %s: its name "
			    "or key is already stored with another "
			    "certificate; refused", name);
		else
			rc = dberr(d, err, "storing issuer");
		sqlite3_reset(st);
		OPENSSL_free(der);
		return rc;
	}
	sqlite3_reset(st);
	rc = issuer_load(d, sqlite3_last_insert_rowid(d->db), der,
	    (size_t)len, err);
	OPENSSL_free(der);
	return rc;
}

/* The known issuer whose subject and key signed x; NULL if none. */
static struct sdb_issuer *
cert_issuer(struct statusdb *d, X509 *x)
{
	size_t i;

	for (i = 0; i < d->niss; i++)
		if (X509_check_issued(d->iss[i].x, x) == X509_V_OK)
			return &d->iss[i];
	return NULL;
}

int
statusdb_add_cert(struct statusdb *d, const uint8_t *der, size_t len,
    struct fe_err *err)
{
	const unsigned char *p = der;
	struct sdb_issuer *s;
	char serial[SERIAL_HEX_MAX], what[64];
	uint8_t fp[32];
	int64_t not_after;
	sqlite3_stmt *st;
	X509 *x = NULL;
	int rc;

	if (len == 0 || len > STATUSDB_MAX_DER)
		return fe_err_set(err, "certificate of %zu bytes (1 to %d)",
		    len, STATUSDB_MAX_DER);
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return fe_err_ssl(err, "certificate: does not parse as DER "
		    "X.509");
	if (p != der + len) {
		rc = fe_err_set(err, "certificate: %zu trailing bytes after "
		    "the DER", (size_t)(der + len - p));
		goto out;
	}
	if ((rc = serial_hex(X509_get0_serialNumber(x), serial,
	    "certificate", err)) != 0)
		goto out;
	fe_snprintf(what, sizeof(what), "certificate serial %s", serial);
	if (asn1_time_secs(X509_get0_notAfter(x), &not_after) != 0) {
		rc = fe_err_set(err, "%s: notAfter does not parse", what);
		goto out;
	}
	if ((s = cert_issuer(d, x)) == NULL) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: issuer is not a known "
		    "sub-root: not signed by the signer; refused", what);
		goto out;
	}
	if (X509_verify(x, X509_get0_pubkey(s->x)) != 1) {
		ERR_clear_error();
		rc = fe_err_code(err, FE_EPOLICY, "%s: signature does not "
		    "verify with sub-root %s: not signed by the signer; "
		    "refused", what, s->name);
		goto out;
	}
	if (EVP_Digest(der, len, fp, NULL, EVP_sha256(), NULL) != 1) {
		rc = fe_err_ssl(err, "%s: cannot hash", what);
		goto out;
	}
	st = stmt(d, S_CERT_GET);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == (int)sizeof(fp) &&
		    memcmp(sqlite3_column_blob(st, 0), fp, sizeof(fp)) == 0)
			rc = 0;
		else
			rc = fe_err_code(err, FE_EEXIST, "%s: BR 7.1: another "
			    "certificate from sub-root %s has this serial; "
			    "refused", what, s->name);
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = dberr(d, err, "looking up certificate");
		goto out;
	}
	st = stmt(d, S_CERT_INSERT);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, not_after);
	sqlite3_bind_blob(st, 4, fp, sizeof(fp), SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 :
	    dberr(d, err, "storing certificate");
	sqlite3_reset(st);
out:
	X509_free(x);
	return rc;
}

/* The known issuer named by the CRL whose key verifies its signature. */
static int
crl_issuer(struct statusdb *d, X509_CRL *c, struct sdb_issuer **out,
    struct fe_err *err)
{
	const ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *aki;
	char name[STATUSDB_NAME_MAX];
	struct sdb_issuer *s = NULL;
	size_t i;
	int crit = -1, ok;

	aki = X509_CRL_get_ext_d2i(c, NID_authority_key_identifier, &crit,
	    NULL);
	if (aki == NULL && crit != -1)
		return fe_err_set(err, "CRL: RFC 5280 5.2.1: "
		    "authorityKeyIdentifier is malformed or repeated");
	for (i = 0; i < d->niss && s == NULL; i++) {
		if (X509_NAME_cmp(X509_CRL_get_issuer(c),
		    X509_get_subject_name(d->iss[i].x)) != 0)
			continue;
		ok = 1;
		if (aki != NULL && aki->keyid != NULL) {
			ski = X509_get0_subject_key_id(d->iss[i].x);
			ok = ski != NULL &&
			    ASN1_OCTET_STRING_cmp(ski, aki->keyid) == 0;
		}
		if (ok)
			s = &d->iss[i];
	}
	AUTHORITY_KEYID_free(aki);
	if (s == NULL) {
		if (name_of(X509_CRL_get_issuer(c), name, err) != 0)
			return FE_EINVAL;
		return fe_err_code(err, FE_EPOLICY, "CRL from %s: issuer is not "
		    "a known sub-root: not signed by the signer; refused",
		    name);
	}
	if (X509_CRL_verify(c, X509_get0_pubkey(s->x)) != 1) {
		ERR_clear_error();
		return fe_err_code(err, FE_EPOLICY, "CRL from %s: signature "
		    "does not verify with sub-root %s: not signed by the "
		    "signer; refused", s->name, s->name);
	}
	*out = s;
	return 0;
}

/*
 * The partition an issuingDistributionPoint names (BR 7.2.2, RFC 5280
 * 5.2.5): critical, a distributionPoint fullName of exactly one URI, and
 * perhaps onlyContainsUserCerts (the signer's sub-roots issue end-entity
 * certificates only).  Anything else narrows the scope in a way that would
 * leave revocations out of the set.
 */
static int
idp_partition(const ISSUING_DIST_POINT *idp, int crit, const char *what,
    char part[STATUSDB_URL_MAX], struct fe_err *err)
{
	const GENERAL_NAME *g;
	const ASN1_IA5STRING *u;
	int i;

	if (idp->onlyCA || idp->onlyattr || idp->indirectCRL ||
	    idp->onlysomereasons != NULL)
		return fe_err_set(err, "%s: RFC 5280 5.2.5: "
		    "issuingDistributionPoint limits the CRL's scope; only "
		    "complete CRLs and partitions named by one URI are "
		    "accepted; refused", what);
	if (idp->distpoint == NULL || idp->distpoint->type != 0 ||
	    sk_GENERAL_NAME_num(idp->distpoint->name.fullname) != 1 ||
	    (g = sk_GENERAL_NAME_value(idp->distpoint->name.fullname,
	    0))->type != GEN_URI)
		return fe_err_set(err, "%s: BR 7.2.2: issuingDistributionPoint "
		    "must name the partition by a distributionPoint fullName "
		    "of one URI; refused", what);
	if (crit != 1)
		return fe_err_set(err, "%s: RFC 5280 5.2.5: "
		    "issuingDistributionPoint is not critical; refused", what);
	u = g->d.uniformResourceIdentifier;
	if (u->length <= 0 || u->length >= STATUSDB_URL_MAX)
		return fe_err_set(err, "%s: partition URI of %d bytes (1 to "
		    "%d); refused", what, u->length, STATUSDB_URL_MAX - 1);
	for (i = 0; i < u->length; i++)
		if (u->data[i] <= 0x20 || u->data[i] >= 0x7f)
			return fe_err_set(err, "%s: RFC 3986: partition URI "
			    "has a byte 0x%02x that is not printable ASCII; "
			    "refused", what, u->data[i]);
	memcpy(part, u->data, (size_t)u->length);
	part[u->length] = '\0';
	return 0;
}

/*
 * Only complete CRLs, or one partition of a partitioned CRL (*part is its
 * URI; "" for a complete CRL), with the extensions the signer writes: a
 * delta CRL or an unknown critical extension would make the revoked set
 * partial.
 */
static int
crl_extensions(X509_CRL *c, const char *what, char part[STATUSDB_URL_MAX],
    struct fe_err *err)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_CRL_get0_extensions(c);
	ISSUING_DIST_POINT *idp;
	X509_EXTENSION *e;
	int i, nid, crit = -1, rc;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		e = sk_X509_EXTENSION_value(exts, i);
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (nid == NID_delta_crl)
			return fe_err_set(err, "%s: RFC 5280 5.2.4: delta CRLs "
			    "are not accepted; refused", what);
		if (X509_EXTENSION_get_critical(e) &&
		    nid != NID_issuing_distribution_point)
			return fe_err_set(err, "%s: RFC 5280 5.2: unknown "
			    "critical extension; refused", what);
	}
	part[0] = '\0';
	idp = X509_CRL_get_ext_d2i(c, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp == NULL && crit != -1)
		return fe_err_set(err, "%s: RFC 5280 5.2.5: "
		    "issuingDistributionPoint is malformed or repeated; "
		    "refused", what);
	if (idp == NULL)
		return 0;
	rc = idp_partition(idp, crit, what, part, err);
	ISSUING_DIST_POINT_free(idp);
	return rc;
}

static int
crl_number(X509_CRL *c, int64_t *out, const char *what, struct fe_err *err)
{
	ASN1_INTEGER *n;
	int crit = -1;
	int64_t v;

	n = X509_CRL_get_ext_d2i(c, NID_crl_number, &crit, NULL);
	if (n == NULL)
		return fe_err_set(err, "%s: RFC 5280 5.2.3: cRLNumber %s; "
		    "refused", what, crit == -1 ? "is missing" :
		    "is malformed or repeated");
	if (ASN1_INTEGER_get_int64(&v, n) != 1 || v < 0) {
		ASN1_INTEGER_free(n);
		ERR_clear_error();
		return fe_err_set(err, "%s: RFC 5280 5.2.3: cRLNumber is "
		    "negative or beyond 2^63; refused", what);
	}
	ASN1_INTEGER_free(n);
	*out = v;
	return 0;
}

static int
entry_reason(X509_REVOKED *r, int *out, const char *what, struct fe_err *err)
{
	ASN1_ENUMERATED *e;
	int crit = -1;
	long v;

	e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
	if (e == NULL) {
		if (crit != -1)
			return fe_err_set(err, "%s: RFC 5280 5.3.1: reasonCode "
			    "is malformed or repeated; refused", what);
		*out = -1;
		return 0;
	}
	v = ASN1_ENUMERATED_get(e);
	ASN1_ENUMERATED_free(e);
	if (v < 0 || v > 10 || v == 7)
		return fe_err_set(err, "%s: RFC 5280 5.3.1: reasonCode %ld is "
		    "not a CRLReason; refused", what, v);
	*out = (int)v;
	return 0;
}

/* Replace the revoked set of s's partition part with c's entries; inside
 * a transaction. */
static int
crl_replace(struct statusdb *d, struct sdb_issuer *s, const char *part,
    X509_CRL *c, const char *what, struct fe_err *err)
{
	STACK_OF(X509_REVOKED) *rs = X509_CRL_get_REVOKED(c);
	char serial[SERIAL_HEX_MAX];
	X509_REVOKED *r;
	sqlite3_stmt *st;
	int64_t at;
	int i, reason = -1, rc;

	st = stmt(d, S_REVOKED_CLEAR);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return dberr(d, err, "clearing revoked set");
	for (i = 0; i < sk_X509_REVOKED_num(rs); i++) {
		r = sk_X509_REVOKED_value(rs, i);
		if ((rc = serial_hex(X509_REVOKED_get0_serialNumber(r), serial,
		    what, err)) != 0)
			return rc;
		if (asn1_time_secs(X509_REVOKED_get0_revocationDate(r), &at) != 0)
			return fe_err_set(err, "%s: serial %s: revocationDate "
			    "does not parse; refused", what, serial);
		if ((rc = entry_reason(r, &reason, what, err)) != 0)
			return rc;
		if (X509_REVOKED_get_ext_by_NID(r, NID_certificate_issuer,
		    -1) >= 0)
			return fe_err_set(err, "%s: RFC 5280 5.3.3: indirect "
			    "CRL entries are not accepted; refused", what);
		st = stmt(d, S_REVOKED_INSERT);
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, serial, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, at);
		sqlite3_bind_int(st, 5, reason);
		if (sqlite3_step(st) != SQLITE_DONE) {
			if (sqlite3_extended_errcode(d->db) ==
			    SQLITE_CONSTRAINT_PRIMARYKEY)
				return fe_err_set(err, "%s: serial %s is listed "
				    "twice; refused", what, serial);
			return dberr(d, err, "storing revocation");
		}
	}
	return 0;
}

int
statusdb_add_crl(struct statusdb *d, const uint8_t *der, size_t len,
    int64_t now, struct fe_err *err)
{
	const unsigned char *p = der;
	struct sdb_issuer *s = NULL;
	char what[STATUSDB_NAME_MAX + STATUSDB_URL_MAX + 64];
	char part[STATUSDB_URL_MAX];
	int64_t number = 0, this_update = 0, next_update = 0, last, last_tu;
	sqlite3_stmt *st;
	X509_CRL *c = NULL;
	int rc, same;

	if (len == 0 || len > STATUSDB_MAX_CRL_DER)
		return fe_err_set(err, "CRL of %zu bytes (1 to %d)", len,
		    STATUSDB_MAX_CRL_DER);
	if ((c = d2i_X509_CRL(NULL, &p, (long)len)) == NULL)
		return fe_err_ssl(err, "CRL: does not parse as DER");
	if (p != der + len) {
		rc = fe_err_set(err, "CRL: %zu trailing bytes after the DER",
		    (size_t)(der + len - p));
		goto out;
	}
	if ((rc = crl_issuer(d, c, &s, err)) != 0)
		goto out;
	fe_snprintf(what, sizeof(what), "CRL from %s", s->name);
	if ((rc = crl_extensions(c, what, part, err)) != 0 ||
	    (rc = crl_number(c, &number, what, err)) != 0)
		goto out;
	fe_snprintf(what, sizeof(what), "CRL %lld from %s%s%s%s",
	    (long long)number, s->name, part[0] ? " (partition " : "", part,
	    part[0] ? ")" : "");
	if (asn1_time_secs(X509_CRL_get0_lastUpdate(c), &this_update) != 0) {
		rc = fe_err_set(err, "%s: thisUpdate does not parse; refused",
		    what);
		goto out;
	}
	if (X509_CRL_get0_nextUpdate(c) == NULL ||
	    asn1_time_secs(X509_CRL_get0_nextUpdate(c), &next_update) != 0) {
		rc = fe_err_set(err, "%s: RFC 5280 5.1.2.5: nextUpdate is "
		    "missing; refused", what);
		goto out;
	}
	if (next_update < this_update) {
		rc = fe_err_set(err, "%s: nextUpdate is before thisUpdate; "
		    "refused", what);
		goto out;
	}
	if (this_update > now + STATUSDB_CLOCK_SKEW) {
		rc = fe_err_set(err, "%s: thisUpdate is %lld seconds in the "
		    "future; refused", what, (long long)(this_update - now));
		goto out;
	}
	if ((rc = begin(d, err)) != 0)
		goto out;
	if (part[0] != '\0') {
		/* a partition URI names one issuer's CRL (fe-status serves
		 * CRLs by it) */
		st = stmt(d, S_CRL_PART_OWNER);
		sqlite3_bind_text(st, 1, part, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, s->id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			rc = fe_err_code(err, FE_EPOLICY, "%s: another "
			    "sub-root's CRL has this partition URI: refused",
			    what);
			goto fail;
		}
		if (rc != SQLITE_DONE) {
			rc = dberr(d, err, "looking up partition");
			goto fail;
		}
	}
	st = stmt(d, S_CRL_NEWEST);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		last_tu = sqlite3_column_int64(st, 1);
		same = (size_t)sqlite3_column_bytes(st, 3) == len &&
		    memcmp(sqlite3_column_blob(st, 3), der, len) == 0;
		sqlite3_reset(st);
		if (number < last) {
			rc = fe_err_code(err, FE_EPOLICY, "%s: CRL number %lld "
			    "goes backwards from %lld: refused", what,
			    (long long)number, (long long)last);
			goto fail;
		}
		if (number == last) {
			if (same) {
				rollback(d);
				rc = 0;
				goto out;
			}
			rc = fe_err_code(err, FE_EPOLICY, "%s: CRL number %lld "
			    "is stored with other contents: refused", what,
			    (long long)number);
			goto fail;
		}
		/* a newer number with an older date is a replayed or
		 * back-dated list; never let it replace a fresher one */
		if (this_update < last_tu) {
			rc = fe_err_code(err, FE_EPOLICY, "%s: thisUpdate goes "
			    "backwards by %lld seconds from CRL %lld: refused",
			    what, (long long)(last_tu - this_update),
			    (long long)last);
			goto fail;
		}
	} else if (rc != SQLITE_DONE) {
		rc = dberr(d, err, "reading newest CRL");
		goto fail;
	}
	sqlite3_reset(st);
	if ((rc = crl_replace(d, s, part, c, what, err)) != 0)
		goto fail;
	st = stmt(d, S_CRL_INSERT);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, number);
	sqlite3_bind_int64(st, 4, this_update);
	sqlite3_bind_int64(st, 5, next_update);
	sqlite3_bind_blob(st, 6, der, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = dberr(d, err, "storing CRL");
		goto fail;
	}
	sqlite3_reset(st);
	if ((rc = commit(d, err)) != 0)
		goto fail;
	goto out;
fail:
	rollback(d);
out:
	X509_CRL_free(c);
	return rc;
}

/*
 * The dates an issuer's revocation information is good for, over the newest
 * CRL of every one of its partitions: the oldest thisUpdate and the
 * earliest nextUpdate (an answer is only as fresh as the stalest list it
 * rests on).  FE_ENOENT when the issuer has no CRL.
 */
static int
newest_crl(struct statusdb *d, int64_t id, int64_t *this_update,
    int64_t *next_update, struct fe_err *err)
{
	sqlite3_stmt *st = stmt(d, S_CRL_PARTS);
	int64_t tu = 0, nu = 0;
	bool any = false;
	int rc;

	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!any || sqlite3_column_int64(st, 1) < tu)
			tu = sqlite3_column_int64(st, 1);
		if (!any || sqlite3_column_int64(st, 2) < nu)
			nu = sqlite3_column_int64(st, 2);
		any = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dberr(d, err, "reading newest CRL");
	if (!any)
		return FE_ENOENT;
	*this_update = tu;
	if (next_update != NULL)
		*next_update = nu;
	return 0;
}

int
statusdb_status(struct statusdb *d, const struct ocsp_certid *id,
    struct statusdb_answer *out, struct fe_err *err)
{
	struct statusdb_answer a;
	struct sdb_issuer *s;
	char serial[SERIAL_HEX_MAX];
	sqlite3_stmt *st;
	size_t hl;
	int rc;

	memset(&a, 0, sizeof(a));
	switch (id->hash) {
	case OCSP_HASH_SHA1:
		st = stmt(d, S_ISSUER_BY_SHA1);
		break;
	case OCSP_HASH_SHA256:
		st = stmt(d, S_ISSUER_BY_SHA256);
		break;
	default:
		return fe_err_set(err, "CertID: hash %d is not SHA-1 or "
		    "SHA-256", (int)id->hash);
	}
	if (id->serial_len == 0 || id->serial_len > OCSP_SERIAL_MAX)
		return fe_err_set(err, "CertID: serial of %zu octets",
		    id->serial_len);
	hl = ocsp_hash_len(id->hash);
	sqlite3_bind_blob(st, 1, id->name_hash, (int)hl, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, id->key_hash, (int)hl, SQLITE_STATIC);
	rc = sqlite3_step(st);
	s = rc == SQLITE_ROW ? issuer_by_id(d, sqlite3_column_int64(st, 0)) :
	    NULL;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(d, err, "looking up issuer");
	if (s == NULL)
		return fe_err_code(err, FE_ENOENT, "CertID: issuer is not a "
		    "known sub-root");
	rc = newest_crl(d, s->id, &a.this_update, &a.next_update, err);
	if (rc == FE_ENOENT)
		return fe_err_code(err, FE_EBUSY, "sub-root %s: no CRL "
		    "accepted yet", s->name);
	if (rc != 0)
		return rc;
	hex_lower(id->serial, id->serial_len, serial, sizeof(serial));

	st = stmt(d, S_REVOKED_GET);
	sqlite3_bind_int64(st, 1, s->id);
	sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a.status = OCSP_CERT_REVOKED;
		a.revoked_at = sqlite3_column_int64(st, 0);
		a.reason = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(d, err, "looking up revocation");
	if (rc == SQLITE_DONE) {
		st = stmt(d, S_CERT_GET);
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_text(st, 2, serial, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			a.status = OCSP_CERT_GOOD;
		else if (rc == SQLITE_DONE)
			a.status = OCSP_CERT_UNKNOWN;
		else
			return dberr(d, err, "looking up certificate");
		a.reason = -1;
	}
	fe_snprintf(a.issuer, sizeof(a.issuer), "%s", s->name);
	a.issuer_cert = s->x;
	*out = a;
	return 0;
}

int
statusdb_crl_age(struct statusdb *d, const char *issuer, int64_t now,
    int64_t *age, struct fe_err *err)
{
	int64_t tu;
	size_t i;
	int rc;

	for (i = 0; i < d->niss; i++)
		if (strcmp(d->iss[i].name, issuer) == 0)
			break;
	if (i == d->niss)
		return fe_err_code(err, FE_ENOENT, "sub-root %s: not known",
		    issuer);
	rc = newest_crl(d, d->iss[i].id, &tu, NULL, err);
	if (rc == FE_ENOENT)
		return fe_err_code(err, FE_ENOENT, "sub-root %s: no CRL "
		    "accepted yet", issuer);
	if (rc != 0)
		return rc;
	*age = now - tu;
	return 0;
}

int
statusdb_stale(struct statusdb *d, int64_t now, int64_t max_age,
    statusdb_stale_cb cb, void *arg, struct fe_err *err)
{
	int64_t tu, age;
	size_t i;
	int rc, n = 0;

	for (i = 0; i < d->niss; i++) {
		rc = newest_crl(d, d->iss[i].id, &tu, NULL, err);
		if (rc == FE_ENOENT)
			age = -1;
		else if (rc != 0)
			return rc;
		else
			age = now - tu;
		if (age >= 0 && age <= max_age)
			continue;
		n++;
		if (cb != NULL && (rc = cb(d->iss[i].name, age, arg)) != 0)
			return rc;
	}
	return n;
}

int
statusdb_each_cert(struct statusdb *d, statusdb_cert_cb cb, void *arg,
    struct fe_err *err)
{
	sqlite3_stmt *st = NULL;
	uint8_t serial[OCSP_SERIAL_MAX];
	const char *hex;
	size_t i, n, k;
	int rc, v;

	if (sqlite3_prepare_v2(d->db, "SELECT issuer, serial FROM cert "
	    "ORDER BY issuer, serial", -1, &st, NULL) != SQLITE_OK)
		return dberr(d, err, "preparing certificate list");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		for (i = 0; i < d->niss; i++)
			if (d->iss[i].id == id)
				break;
		hex = (const char *)sqlite3_column_text(st, 1);
		n = hex != NULL ? strlen(hex) : 0;
		if (i == d->niss || n == 0 || n > 2 * OCSP_SERIAL_MAX) {
			rc = fe_err_code(err, FE_EDB, "%s: certificate row "
			    "with an unknown issuer or a bad serial", d->path);
			goto out;
		}
		/* odd length: the stored hex has no leading zero */
		memset(serial, 0, sizeof(serial));
		for (k = 0; k < n; k++) {
			v = hex[n - 1 - k];
			v = v >= 'a' ? v - 'a' + 10 : v - '0';
			serial[(n + 1) / 2 - 1 - k / 2] |=
			    (uint8_t)(k % 2 ? v << 4 : v);
		}
		if ((rc = cb(i, serial, (n + 1) / 2, arg)) != 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : dberr(d, err, "listing certificates");
out:
	sqlite3_finalize(st);
	return rc;
}

int
statusdb_crl_urls(struct statusdb *d, statusdb_crl_url_cb cb, void *arg,
    struct fe_err *err)
{
	sqlite3_stmt *st;
	char part[STATUSDB_URL_MAX];
	size_t i;
	int rc, n = 0;

	for (i = 0; i < d->niss; i++) {
		st = stmt(d, S_CRL_PARTS);
		sqlite3_bind_int64(st, 1, d->iss[i].id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			/* copied: cb may use the store */
			(void)fe_snprintf_ok(part, sizeof(part), "%s",
			    (const char *)sqlite3_column_text(st, 0));
			n++;
			if (cb != NULL && (rc = cb(d->iss[i].name, part,
			    arg)) != 0) {
				sqlite3_reset(st);
				return rc;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return dberr(d, err, "listing CRL partitions");
	}
	return n;
}

/* Step st once; on a row copy its column col into *der (malloc'd).  The
 * statement is reset either way; returns sqlite3_step's code. */
static int
step_blob(sqlite3_stmt *st, int col, uint8_t **der, size_t *len)
{
	int rc = sqlite3_step(st), n;

	if (rc == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, col);
		*der = fe_malloc(n > 0 ? (size_t)n : 1);
		if (n > 0)
			memcpy(*der, sqlite3_column_blob(st, col), (size_t)n);
		*len = (size_t)n;
	}
	sqlite3_reset(st);
	return rc;
}

int
statusdb_crl_by_url(struct statusdb *d, const char *url, uint8_t **der,
    size_t *len, struct fe_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (url[0] == '\0' || strlen(url) >= STATUSDB_URL_MAX)
		return fe_err_set(err, "partition URI of %zu bytes (1 to %d)",
		    strlen(url), STATUSDB_URL_MAX - 1);
	st = stmt(d, S_CRL_BY_URL);
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	if ((rc = step_blob(st, 0, der, len)) == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return fe_err_code(err, FE_ENOENT, "no CRL partition %.200s",
		    url);
	return dberr(d, err, "reading CRL partition");
}

int
statusdb_crl_der(struct statusdb *d, const char *issuer, const char *part,
    uint8_t **der, size_t *len, struct fe_err *err)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < d->niss; i++)
		if (strcmp(d->iss[i].name, issuer) == 0)
			break;
	if (i == d->niss)
		return fe_err_code(err, FE_ENOENT, "sub-root %s: not known",
		    issuer);
	st = stmt(d, S_CRL_NEWEST);
	sqlite3_bind_int64(st, 1, d->iss[i].id);
	sqlite3_bind_text(st, 2, part, -1, SQLITE_STATIC);
	if ((rc = step_blob(st, 3, der, len)) == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return fe_err_code(err, FE_ENOENT, "sub-root %s: no CRL for "
		    "partition '%.200s'", issuer, part);
	return dberr(d, err, "reading CRL");
}
