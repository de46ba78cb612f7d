/*
 * webdb.c - fe-web's SQLite store: schema, migrations, connections.
 */
#include <stdarg.h>
#include <string.h>

#include "store/migrate.h"
#include "web/webdb.h"

static const char *const migrations[] = {
	/* 1: accounts, sessions, tokens, addresses, domains, assurances,
	 * requests, revocations, CRLs and the status servers' outbox. */
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  dob TEXT NOT NULL,"                     /* YYYY-MM-DD */
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  pwhash TEXT NOT NULL,"                  /* argon2id encoded */
	"  confirmed INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0,"     /* failed logins in a row */
	"  locked INTEGER NOT NULL DEFAULT 0,"     /* 1: locked (A5) */
	"  assurer_test INTEGER NOT NULL DEFAULT 0," /* passed the test */
	"  created INTEGER NOT NULL);"
	"CREATE TABLE session ("
	"  token_hash BLOB PRIMARY KEY,"           /* SHA-256 of the cookie */
	"  account INTEGER NOT NULL REFERENCES account(id),"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL);"
	"CREATE TABLE token ("                     /* mailed one-use tokens */
	"  hash BLOB PRIMARY KEY,"                 /* SHA-256 of the token */
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('signup','email','reset','domain')),"
	"  account INTEGER NOT NULL REFERENCES account(id),"
	"  ref INTEGER,"                           /* email.id / domain.id */
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE email ("
	"  id INTEGER PRIMARY KEY,"
	"  account INTEGER NOT NULL REFERENCES account(id),"
	"  address TEXT NOT NULL COLLATE NOCASE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending','confirmed','lapsed')),"
	"  checked INTEGER,"                       /* last confirmation */
	"  recheck_due INTEGER,"
	"  recheck_sent INTEGER,"                  /* re-check mail sent at */
	"  UNIQUE (account, address));"
	"CREATE TABLE domain ("
	"  id INTEGER PRIMARY KEY,"
	"  account INTEGER NOT NULL REFERENCES account(id),"
	"  name TEXT NOT NULL COLLATE NOCASE,"
	"  token TEXT NOT NULL,"                   /* the DNS/HTTP challenge */
	"  method TEXT CHECK (method IN ('dns','http','email')),"
	"  mailbox TEXT,"                          /* for method email */
	"  state TEXT NOT NULL CHECK (state IN ('pending','verified','lapsed')),"
	"  checked INTEGER,"
	"  recheck_due INTEGER,"
	"  recheck_sent INTEGER,"
	"  UNIQUE (account, name));"
	"CREATE TABLE assurance ("
	"  id INTEGER PRIMARY KEY,"
	"  assurer INTEGER REFERENCES account(id)," /* NULL: by an administrator */
	"  member INTEGER NOT NULL REFERENCES account(id),"
	"  points INTEGER NOT NULL CHECK (points BETWEEN 0 AND 100),"
	"  name TEXT NOT NULL,"                    /* the name as assured */
	"  date TEXT NOT NULL,"                    /* YYYY-MM-DD of the meeting */
	"  place TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE request ("
	"  id INTEGER PRIMARY KEY,"                /* link id: web-<id> */
	"  account INTEGER NOT NULL REFERENCES account(id),"
	"  profile TEXT NOT NULL,"                 /* fe-web profile name */
	"  body BLOB NOT NULL,"                    /* the foureyes-request text */
	"  state TEXT NOT NULL CHECK (state IN"
	"    ('queued','issued','refused')),"
	"  reason TEXT,"                           /* the signer's refusal */
	"  cert BLOB,"                             /* DER */
	"  serial TEXT,"                           /* lower-case hex */
	"  issuer TEXT,"                           /* the signer's CA label */
	"  not_after INTEGER,"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE INDEX request_queued ON request(state) WHERE state = 'queued';"
	"CREATE TABLE request_name ("              /* names a request carries */
	"  request INTEGER NOT NULL REFERENCES request(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('dns','email')),"
	"  value TEXT NOT NULL COLLATE NOCASE);"
	"CREATE INDEX request_name_value ON request_name(value);"
	"CREATE TABLE revocation ("
	"  request INTEGER PRIMARY KEY REFERENCES request(id),"
	"  reason TEXT NOT NULL,"                  /* RFC 5280 reason name */
	"  cause TEXT NOT NULL,"                   /* owner / lapse: ... */
	"  state TEXT NOT NULL CHECK (state IN ('queued','done','refused')),"
	"  result TEXT,"
	"  created INTEGER NOT NULL,"
	"  done INTEGER);"
	"CREATE TABLE crl ("                       /* CRLs the signer returned */
	"  issuer TEXT NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  fetched INTEGER NOT NULL,"
	"  PRIMARY KEY (issuer, part));"
	"CREATE TABLE crl_wanted ("                /* CRLs to ask the signer for */
	"  issuer TEXT PRIMARY KEY);"
	"CREATE TABLE push ("                      /* bundles owed to fe-status */
	"  server TEXT PRIMARY KEY,"               /* admin base URL */
	"  due INTEGER NOT NULL,"
	"  tries INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT);"
	"CREATE TABLE delegated ("                 /* fe-status's key requests */
	"  server TEXT NOT NULL,"
	"  rid TEXT NOT NULL,"                     /* fe-status's request id */
	"  body BLOB NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('queued','issued','refused')),"
	"  reason TEXT,"
	"  cert BLOB,"
	"  created INTEGER NOT NULL,"
	"  PRIMARY KEY (server, rid));",
	/* 2: the queue worker's push progress.  Every new certificate (of a
	 * request or a delegated key) and every new CRL set gets a row with a
	 * rising sequence number in the transaction that stores it; each
	 * status server remembers the last one it accepted (push.done_seq),
	 * so a bundle carries everything since, and nothing is skipped. */
	"CREATE TABLE push_item ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  request INTEGER REFERENCES request(id),"  /* its certificate */
	"  dserver TEXT,"                            /* or a delegated one */
	"  drid TEXT,"
	"  crl TEXT);"                               /* or an issuer's CRLs */
	"ALTER TABLE push ADD COLUMN done_seq INTEGER NOT NULL DEFAULT 0;",
};

int
webdb_err(sqlite3 *db, const char *what, struct fe_err *err)
{
	const char *file = db ? sqlite3_db_filename(db, "main") : NULL;

	return fe_err_code(err, FE_EDB, "%s: %s: %s",
	    file && *file ? file : "database", what,
	    db ? sqlite3_errmsg(db) : "out of memory");
}

int
webdb_open(const char *path, sqlite3 **out, struct fe_err *err)
{
	return sql_open(path, NULL, "fe-web", migrations,
	    sizeof(migrations) / sizeof(migrations[0]), 10000, 0, out, err);
}

void
webdb_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
webdb_begin(sqlite3 *db, struct fe_err *err)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return webdb_err(db, "begin", err);
	return 0;
}

int
webdb_commit(sqlite3 *db, struct fe_err *err)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = webdb_err(db, "commit", err);

		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

void
webdb_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int
webdb_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    struct fe_err *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		char what[48];
		size_t n = strcspn(sql, "(");

		if (n > sizeof(what) - 1)
			n = sizeof(what) - 1;
		memcpy(what, sql, n);
		what[n] = '\0';
		*st = NULL;
		return webdb_err(db, what, err);
	}
	return 0;
}

/*
 * Bind args by fmt: 'i' int64_t, 't' const char * (NULL binds NULL),
 * 'b' const void *, size_t (a BLOB).
 */
static int
vbind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 't': {
			const char *s = va_arg(ap, const char *);

			rc = s ? sqlite3_bind_text(st, i + 1, s, -1,
			    SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
			break;
		}
		case 'b': {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			rc = sqlite3_bind_blob(st, i + 1, p, (int)n,
			    SQLITE_TRANSIENT);
			break;
		}
		default:
			return SQLITE_MISUSE;
		}
	}
	return rc;
}

/* Prepare and bind; the caller steps and finalizes. */
int
webdb_query(sqlite3 *db, struct fe_err *err, sqlite3_stmt **st, const char *sql,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	if ((rc = webdb_prepare(db, sql, st, err)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = vbind(*st, fmt, ap);
	va_end(ap);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
		return webdb_err(db, "binding", err);
	}
	return 0;
}

/* Run a statement to the end: the number of changed rows, or an error. */
int
webdb_exec(sqlite3 *db, struct fe_err *err, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if ((rc = webdb_prepare(db, sql, &st, err)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = vbind(st, fmt, ap);
	va_end(ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = webdb_err(db, "update", err);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return sqlite3_changes(db);
}

/* One integer from a query (def when no row). */
int
webdb_int(sqlite3 *db, struct fe_err *err, int64_t *out, int64_t def,
    const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if ((rc = webdb_prepare(db, sql, &st, err)) != 0)
		return rc;
	va_start(ap, fmt);
	rc = vbind(st, fmt, ap);
	va_end(ap);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_type(st, 0) == SQLITE_NULL ? def :
		    sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		*out = def;
		rc = 0;
	} else {
		rc = webdb_err(db, "query", err);
	}
	sqlite3_finalize(st);
	return rc;
}
