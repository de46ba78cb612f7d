/*
 * webdb.c - fe-web's SQLite store: schema, migrations, connections.
 */
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
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = fe_err_code(err, FE_EDB, "%s: cannot open: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return rc;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = webdb_err(db, "setting WAL mode", err);
		sqlite3_close(db);
		return rc;
	}
	if ((rc = sql_migrate(db, path, "fe-web", migrations,
	    sizeof(migrations) / sizeof(migrations[0]), err)) != 0) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
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
