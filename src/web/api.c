/*
 * api.c - fe-web's JSON API (docs/web.md): accounts, sessions, addresses,
 * domains, assurances, certificate requests, revocations, downloads.
 *
 * Every handler reads its body with input_parse() (checked fields, unknown
 * keys refused), runs its queries prepared with bound parameters in one
 * transaction, and logs what the policy wants evidenced (K5, A5) in the
 * hash-chained log before it answers.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/seam.h"
#include "web/api.h"
#include "web/dcv.h"
#include "web/input.h"
#include "web/passwd.h"
#include "web/webdb.h"
#include "web/worker.h"

#define SESSION_SECS (12 * 3600)
#define LOCK_AFTER 5
#define NAME_POINTS 50           /* C1: points for a name in certificates */
#define ASSURER_POINTS 100       /* C3 */

/* ------------------------------------------------------------ helpers */

void
api_error(struct api_resp *rs, unsigned status, const char *fmt, ...)
{
	char msg[FE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(rs->json);
	free(rs->raw);
	rs->raw = NULL;
	rs->status = status;
	rs->json = json_pack("{s:s}", "error", msg);
}

void
api_resp_clear(struct api_resp *rs)
{
	json_decref(rs->json);
	free(rs->raw);
	memset(rs, 0, sizeof(*rs));
}

/* Map an error code to an HTTP status and answer with the message. */
static void
fail(struct api_resp *rs, int code, const struct fe_err *err)
{
	unsigned st = 400;

	switch (code) {
	case FE_EPOLICY: st = 422; break;
	case FE_ENOENT: st = 404; break;
	case FE_EEXIST: st = 409; break;
	case FE_EDB: case FE_EIO: case FE_ECRYPTO: st = 500; break;
	default: break;
	}
	api_error(rs, st, "%s", err->msg);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

static json_t *
col_json(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return json_null();
	if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		return json_integer(sqlite3_column_int64(st, i));
	return json_string(col_text(st, i));
}

/* Parse the body with fields; on error answer 400 with the message. */
static bool
parse(const struct api_req *rq, struct api_resp *rs,
    const struct in_field *f, size_t nf, struct in_value *v)
{
	struct fe_err err;

	memset(v, 0, nf * sizeof(*v));
	if (input_parse(rq->body ? rq->body : "", rq->len, f, nf, v,
	    &err) != 0) {
		api_error(rs, 400, "%s", err.msg);
		return false;
	}
	return true;
}

#define NF(a) (sizeof(a) / sizeof((a)[0]))

/* A new mailed token of kind for account (ref: email.id or domain.id). */
static int
token_store(struct web *w, sqlite3 *db, const char *kind, int64_t account,
    int64_t ref, char tok[TOKEN_LEN + 1], struct fe_err *err)
{
	unsigned char h[32];
	int64_t now = fe_now_sec();
	int rc;

	token_new(tok);
	token_hash(tok, h);
	rc = webdb_exec(db, err, "INSERT INTO token (hash, kind, account, ref, created,"
	    " expires) VALUES (?, ?, ?, ?, ?, ?)", "btiiii", h, sizeof(h),
	    kind, account, ref, now, now + w->c->token_ttl);
	return rc < 0 ? rc : 0;
}

/* The logged-in member: account id, or 0 (no or expired session). */
static int
session_of(sqlite3 *db, const char *cookie, int64_t *account,
    char csrf[TOKEN_LEN + 1], struct fe_err *err)
{
	unsigned char h[32];
	sqlite3_stmt *st;
	int rc;

	*account = 0;
	csrf[0] = '\0';
	if (cookie == NULL || !token_syntax_ok(cookie))
		return 0;
	token_hash(cookie, h);
	if ((rc = webdb_query(db, err, &st, "SELECT account, csrf FROM session WHERE "
	    "token_hash = ? AND expires > ?", "bi", h, sizeof(h),
	    fe_now_sec())) != 0)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*account = sqlite3_column_int64(st, 0);
		fe_snprintf(csrf, TOKEN_LEN + 1, "%s", col_text(st, 1));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = webdb_err(db, "session", err);
	}
	sqlite3_finalize(st);
	return rc;
}

static bool
same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && n > 0 && CRYPTO_memcmp(a, b, n) == 0;
}

/* Points of an account, and of one name as assured. */
static int
points_of(sqlite3 *db, int64_t account, const char *name, int64_t *pts,
    struct fe_err *err)
{
	if (name == NULL)
		return webdb_int(db, err, pts, 0, "SELECT SUM(points) FROM "
		    "assurance WHERE member = ?", "i", account);
	return webdb_int(db, err, pts, 0, "SELECT SUM(points) FROM assurance "
	    "WHERE member = ? AND name = ?", "it", account, name);
}

static int
is_assurer(sqlite3 *db, int64_t account, bool *yes, struct fe_err *err)
{
	int64_t pts, test;
	int rc;

	*yes = false;
	if ((rc = points_of(db, account, NULL, &pts, err)) != 0 ||
	    (rc = webdb_int(db, err, &test, 0, "SELECT assurer_test FROM account"
	    " WHERE id = ?", "i", account)) != 0)
		return rc;
	*yes = pts >= ASSURER_POINTS && test != 0;
	return 0;
}

/* ------------------------------------------------------ accounts */

static const struct in_field f_signup[] = {
	{ "name", IN_NAME, true, 0, 0, NULL },
	{ "dob", IN_DOB, true, 0, 0, NULL },
	{ "email", IN_EMAIL, true, 0, 0, NULL },
	{ "password", IN_PASSWORD, true, 0, 0, NULL },
};

static void
h_signup(struct web *w, sqlite3 *db, const struct api_req *rq,
    struct api_resp *rs)
{
	struct in_value v[NF(f_signup)];
	char hash[PASSWD_ENCODED_MAX], tok[TOKEN_LEN + 1];
	struct fe_err err;
	int64_t id, exists;
	int rc;

	if (!parse(rq, rs, f_signup, NF(f_signup), v))
		return;
	if ((rc = passwd_hash(v[3].s, hash, &err)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if ((rc = webdb_begin(db, &err)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if ((rc = webdb_int(db, &err, &exists, 0, "SELECT COUNT(*) FROM account "
	    "WHERE email = ?", "t", v[2].s)) != 0)
		goto dbfail;
	if (exists) {
		webdb_rollback(db);
		api_error(rs, 409, "field 'email': an account with this "
		    "address exists (use the password reset)");
		goto out;
	}
	if ((rc = webdb_exec(db, &err, "INSERT INTO account (name, dob, email, pwhash,"
	    " created) VALUES (?, ?, ?, ?, ?)", "tttti", v[0].s, v[1].s,
	    v[2].s, hash, fe_now_sec())) < 0)
		goto dbfail;
	id = sqlite3_last_insert_rowid(db);
	if ((rc = webdb_exec(db, &err, "INSERT INTO email (account, address, state) "
	    "VALUES (?, ?, 'pending')", "it", id, v[2].s)) < 0 ||
	    (rc = token_store(w, db, "signup", id,
	    sqlite3_last_insert_rowid(db), tok, &err)) != 0)
		goto dbfail;
	if ((rc = web_log(w, "account.signup", &err, "account",
	    json_integer(id), "email", json_string(v[2].s), "peer",
	    json_string(rq->peer), NULL)) != 0 ||
	    (rc = web_mail_token(w, v[2].s, "Confirm your address",
	    "Please confirm your address for your new account by opening "
	    "this link:", "confirm", tok, &err)) != 0)
		goto dbfail;
	if ((rc = webdb_commit(db, &err)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	rs->status = 201;
	rs->json = json_pack("{s:b}", "ok", 1);
	goto out;
dbfail:
	webdb_rollback(db);
	fail(rs, rc, &err);
out:
	input_clear(v, NF(f_signup));
}

static const struct in_field f_confirm[] = {
	{ "token", IN_TOKEN, true, 0, 0, NULL },
};

static void
h_confirm(struct web *w, sqlite3 *db, const struct api_req *rq,
    struct api_resp *rs)
{
	struct in_value v[NF(f_confirm)];
	unsigned char h[32];
	char kind[16] = "", what[300] = "";
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int64_t account = 0, ref = 0, now = fe_now_sec();
	int rc;

	if (!parse(rq, rs, f_confirm, NF(f_confirm), v))
		return;
	token_hash(v[0].s, h);
	input_clear(v, NF(f_confirm));
	if ((rc = webdb_begin(db, &err)) != 0) {
		fail(rs, rc, &err);
		return;
	}
	if ((rc = webdb_query(db, &err, &st, "SELECT kind, account, ref FROM token "
	    "WHERE hash = ? AND used = 0 AND expires > ? AND kind IN "
	    "('signup','email','domain')", "bi", h, sizeof(h), now)) != 0)
		goto dbfail;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		webdb_rollback(db);
		api_error(rs, 404, "field 'token': unknown, used or expired "
		    "token");
		return;
	}
	fe_snprintf(kind, sizeof(kind), "%s", col_text(st, 0));
	account = sqlite3_column_int64(st, 1);
	ref = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if ((rc = webdb_exec(db, &err, "UPDATE token SET used = 1 WHERE hash = ?", "b",
	    h, sizeof(h))) < 0)
		goto dbfail;
	if (strcmp(kind, "domain") == 0) {
		if ((rc = webdb_exec(db, &err, "UPDATE domain SET state = 'verified', "
		    "method = 'email', checked = ?, recheck_due = ?, "
		    "recheck_sent = NULL WHERE id = ? AND account = ? AND "
		    "state != 'lapsed'", "iiii", now,
		    now + w->c->recheck_interval, ref, account)) < 0)
			goto dbfail;
		if ((rc = webdb_query(db, &err, &st, "SELECT name FROM domain WHERE "
		    "id = ?", "i", ref)) != 0)
			goto dbfail;
	} else {
		if (strcmp(kind, "signup") == 0 && (rc = webdb_exec(db, &err,
		    "UPDATE account SET confirmed = 1 WHERE id = ?", "i",
		    account)) < 0)
			goto dbfail;
		if ((rc = webdb_exec(db, &err, "UPDATE email SET state = 'confirmed', "
		    "checked = ?, recheck_due = ?, recheck_sent = NULL WHERE "
		    "id = ? AND account = ? AND state != 'lapsed'", "iiii", now,
		    now + w->c->recheck_interval, ref, account)) < 0)
			goto dbfail;
		if ((rc = webdb_query(db, &err, &st, "SELECT address FROM email WHERE "
		    "id = ?", "i", ref)) != 0)
			goto dbfail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		fe_snprintf(what, sizeof(what), "%s", col_text(st, 0));
	sqlite3_finalize(st);
	if ((rc = web_log(w, strcmp(kind, "domain") == 0 ? "domain.verified" :
	    "email.confirmed", &err, "account", json_integer(account),
	    "name", json_string(what), "method", json_string("email"),
	    NULL)) != 0 || (rc = webdb_commit(db, &err)) != 0) {
		webdb_rollback(db);
		fail(rs, rc, &err);
		return;
	}
	rs->status = 200;
	rs->json = json_pack("{s:s}", "confirmed", what);
	return;
dbfail:
	webdb_rollback(db);
	fail(rs, rc, &err);
}

static const struct in_field f_login[] = {
	{ "email", IN_EMAIL, true, 0, 0, NULL },
	{ "password", IN_PASSWORD, true, 0, 0, NULL },
};

static void
h_login(struct web *w, sqlite3 *db, const struct api_req *rq,
    struct api_resp *rs)
{
	/* An argon2id hash of nothing anyone knows: an unknown address costs
	 * the same time as a wrong password. */
	static char dummy[PASSWD_ENCODED_MAX];
	struct in_value v[NF(f_login)];
	char hash[PASSWD_ENCODED_MAX] = "", tok[TOKEN_LEN + 1],
	    csrf[TOKEN_LEN + 1];
	unsigned char h[32];
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int64_t id = 0, failed = 0, locked = 0, confirmed = 0,
	    now = fe_now_sec();
	int rc, ok;

	if (!parse(rq, rs, f_login, NF(f_login), v))
		return;
	if (dummy[0] == '\0') {
		char pw[TOKEN_LEN + 1];

		token_new(pw);
		if (passwd_hash(pw, dummy, &err) != 0)
			dummy[0] = '\0';
	}
	if ((rc = webdb_query(db, &err, &st, "SELECT id, pwhash, failed, locked, "
	    "confirmed FROM account WHERE email = ?", "t", v[0].s)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		fe_snprintf(hash, sizeof(hash), "%s", col_text(st, 1));
		failed = sqlite3_column_int64(st, 2);
		locked = sqlite3_column_int64(st, 3);
		confirmed = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (id == 0) {
		(void)passwd_verify(dummy, v[1].s);
		(void)web_log(w, "login.failed", &err, "email",
		    json_string(v[0].s), "peer", json_string(rq->peer),
		    "why", json_string("no such account"), NULL);
		api_error(rs, 401, "wrong email or password");
		goto out;
	}
	if (locked) {
		(void)web_log(w, "login.refused", &err, "account",
		    json_integer(id), "peer", json_string(rq->peer), "why",
		    json_string("locked"), NULL);
		api_error(rs, 423, "A5: account locked after %d failed logins;"
		    " reset the password by email or ask support", LOCK_AFTER);
		goto out;
	}
	ok = passwd_verify(hash, v[1].s);
	if (ok != 0) {
		bool lock = failed + 1 >= LOCK_AFTER;

		if ((rc = webdb_exec(db, &err, "UPDATE account SET failed = failed + 1, "
		    "locked = ? WHERE id = ?", "ii", (int64_t)lock, id)) < 0 ||
		    (rc = web_log(w, "login.failed", &err, "account",
		    json_integer(id), "peer", json_string(rq->peer), "failures",
		    json_integer(failed + 1), NULL)) != 0) {
			fail(rs, rc, &err);
			goto out;
		}
		if (lock) {
			/* A5: flagged in the log as its own record. */
			(void)web_log(w, "account.locked", &err, "account",
			    json_integer(id), "failures",
			    json_integer(failed + 1), NULL);
		}
		api_error(rs, 401, "wrong email or password");
		goto out;
	}
	if (!confirmed) {
		api_error(rs, 403, "email not confirmed: %s (open the link in "
		    "the mail we sent)", v[0].s);
		goto out;
	}
	token_new(tok);
	token_new(csrf);
	token_hash(tok, h);
	if ((rc = webdb_exec(db, &err, "UPDATE account SET failed = 0 WHERE id = ?",
	    "i", id)) < 0 ||
	    (rc = webdb_exec(db, &err, "INSERT INTO session (token_hash, account, csrf,"
	    " created, expires) VALUES (?, ?, ?, ?, ?)", "bitii", h, sizeof(h),
	    id, csrf, now, now + SESSION_SECS)) < 0 ||
	    (rc = web_log(w, "login", &err, "account", json_integer(id),
	    "peer", json_string(rq->peer), NULL)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	fe_snprintf(rs->cookie, sizeof(rs->cookie), "fe_session=%s; Path=/; "
	    "HttpOnly; SameSite=Strict; Max-Age=%d%s", tok, SESSION_SECS,
	    strncmp(w->c->base_url, "https:", 6) == 0 ? "; Secure" : "");
	rs->status = 200;
	rs->json = json_pack("{s:s,s:I}", "csrf", csrf, "account",
	    (json_int_t)id);
out:
	input_clear(v, NF(f_login));
}

static const struct in_field f_reset[] = {
	{ "email", IN_EMAIL, true, 0, 0, NULL },
};

static void
h_reset(struct web *w, sqlite3 *db, const struct api_req *rq,
    struct api_resp *rs)
{
	struct in_value v[NF(f_reset)];
	char tok[TOKEN_LEN + 1];
	struct fe_err err;
	int64_t id;
	int rc;

	if (!parse(rq, rs, f_reset, NF(f_reset), v))
		return;
	if ((rc = webdb_int(db, &err, &id, 0, "SELECT id FROM account WHERE "
	    "email = ?", "t", v[0].s)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if (id != 0) {
		if ((rc = token_store(w, db, "reset", id, 0, tok, &err)) != 0 ||
		    (rc = web_log(w, "account.reset-mailed", &err, "account",
		    json_integer(id), "peer", json_string(rq->peer),
		    NULL)) != 0 ||
		    (rc = web_mail_token(w, v[0].s, "Password reset",
		    "Someone asked to reset the password of your account. If "
		    "it was you, open this link to choose a new one:",
		    "reset", tok, &err)) != 0) {
			fail(rs, rc, &err);
			goto out;
		}
	}
	rs->status = 202;
	rs->json = json_pack("{s:s}", "sent",
	    "if an account has this address, a reset link was mailed to it");
out:
	input_clear(v, NF(f_reset));
}

static const struct in_field f_newpw[] = {
	{ "token", IN_TOKEN, true, 0, 0, NULL },
	{ "password", IN_PASSWORD, true, 0, 0, NULL },
};

static void
h_newpw(struct web *w, sqlite3 *db, const struct api_req *rq,
    struct api_resp *rs)
{
	struct in_value v[NF(f_newpw)];
	char hash[PASSWD_ENCODED_MAX];
	unsigned char h[32];
	struct fe_err err;
	int64_t account, locked;
	int rc;

	if (!parse(rq, rs, f_newpw, NF(f_newpw), v))
		return;
	token_hash(v[0].s, h);
	if ((rc = passwd_hash(v[1].s, hash, &err)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if ((rc = webdb_begin(db, &err)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if ((rc = webdb_int(db, &err, &account, 0, "SELECT account FROM token "
	    "WHERE hash = ? AND kind = 'reset' AND used = 0 AND expires > ?",
	    "bi", h, sizeof(h), fe_now_sec())) != 0)
		goto dbfail;
	if (account == 0) {
		webdb_rollback(db);
		api_error(rs, 404, "field 'token': unknown, used or expired "
		    "token");
		goto out;
	}
	if ((rc = webdb_int(db, &err, &locked, 0, "SELECT locked FROM account "
	    "WHERE id = ?", "i", account)) != 0 ||
	    (rc = webdb_exec(db, &err, "UPDATE token SET used = 1 WHERE hash = ?", "b",
	    h, sizeof(h))) < 0 ||
	    (rc = webdb_exec(db, &err, "UPDATE account SET pwhash = ?, failed = 0, "
	    "locked = 0, confirmed = 1 WHERE id = ?", "ti", hash,
	    account)) < 0 ||
	    (rc = webdb_exec(db, &err, "DELETE FROM session WHERE account = ?", "i",
	    account)) < 0 ||
	    (rc = web_log(w, locked ? "account.unlocked" : "account.password",
	    &err, "account", json_integer(account), "by",
	    json_string("password reset by email"), "peer",
	    json_string(rq->peer), NULL)) != 0 ||
	    (rc = webdb_commit(db, &err)) != 0)
		goto dbfail;
	rs->status = 200;
	rs->json = json_pack("{s:b}", "ok", 1);
	goto out;
dbfail:
	webdb_rollback(db);
	fail(rs, rc, &err);
out:
	input_clear(v, NF(f_newpw));
}

/* ------------------------------------------------ the member's page */

static int
list_rows(sqlite3 *db, struct fe_err *err, json_t *arr, const char *sql,
    const char *const *cols, int64_t account)
{
	sqlite3_stmt *st;
	int rc, i;

	if ((rc = webdb_query(db, err, &st, sql, "i", account)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();

		for (i = 0; cols[i] != NULL; i++)
			json_object_set_new(o, cols[i], col_json(st, i));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : webdb_err(db, "listing", err);
}

static void
h_me(struct web *w, sqlite3 *db, int64_t account, const char *csrf,
    struct api_resp *rs)
{
	static const char *const ecols[] = { "id", "address", "state", NULL };
	static const char *const dcols[] = { "id", "name", "state", "method",
	    "token", NULL };
	static const char *const ncols[] = { "name", "points", NULL };
	json_t *o, *emails = json_array(), *domains = json_array(),
	    *names = json_array();
	sqlite3_stmt *st;
	struct fe_err err;
	int64_t pts;
	bool assurer;
	size_t i;
	int rc;

	(void)w;
	if ((rc = list_rows(db, &err, emails, "SELECT id, address, state FROM"
	    " email WHERE account = ? ORDER BY id", ecols, account)) != 0 ||
	    (rc = list_rows(db, &err, domains, "SELECT id, name, state, "
	    "method, token FROM domain WHERE account = ? ORDER BY id", dcols,
	    account)) != 0 ||
	    (rc = list_rows(db, &err, names, "SELECT name, SUM(points) FROM "
	    "assurance WHERE member = ? GROUP BY name ORDER BY name", ncols,
	    account)) != 0 ||
	    (rc = points_of(db, account, NULL, &pts, &err)) != 0 ||
	    (rc = is_assurer(db, account, &assurer, &err)) != 0 ||
	    (rc = webdb_query(db, &err, &st, "SELECT name, dob, email FROM account "
	    "WHERE id = ?", "i", account)) != 0) {
		json_decref(emails);
		json_decref(domains);
		json_decref(names);
		fail(rs, rc, &err);
		return;
	}
	for (i = 0; i < json_array_size(domains); i++) {
		json_t *d = json_array_get(domains, i);
		const char *n = json_string_value(json_object_get(d, "name"));
		const char *t = json_string_value(json_object_get(d, "token"));
		char buf[512], hp[DCV_HTTP_PATH_MAX];

		fe_snprintf(buf, sizeof(buf), "%s.%s", DCV_TXT_LABEL, n);
		json_object_set_new(d, "txt_name", json_string(buf));
		dcv_http_path(t, hp);
		json_object_set_new(d, "http_path", json_string(hp));
	}
	o = json_object();
	if (sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(o, "name", col_json(st, 0));
		json_object_set_new(o, "dob", col_json(st, 1));
		json_object_set_new(o, "email", col_json(st, 2));
	}
	sqlite3_finalize(st);
	json_object_set_new(o, "id", json_integer(account));
	json_object_set_new(o, "points", json_integer(pts));
	json_object_set_new(o, "assurer", json_boolean(assurer));
	json_object_set_new(o, "csrf", json_string(csrf));
	json_object_set_new(o, "emails", emails);
	json_object_set_new(o, "domains", domains);
	json_object_set_new(o, "assured_names", names);
	rs->status = 200;
	rs->json = o;
}

static const struct in_field f_email[] = {
	{ "address", IN_EMAIL, true, 0, 0, NULL },
};

static void
h_add_email(struct web *w, sqlite3 *db, int64_t account,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_value v[NF(f_email)];
	char tok[TOKEN_LEN + 1];
	struct fe_err err;
	int64_t id, exists;
	int rc;

	if (!parse(rq, rs, f_email, NF(f_email), v))
		return;
	if ((rc = webdb_begin(db, &err)) != 0)
		goto fail;
	if ((rc = webdb_int(db, &err, &exists, 0, "SELECT COUNT(*) FROM email "
	    "WHERE account = ? AND address = ?", "it", account, v[0].s)) != 0)
		goto dbfail;
	if (exists) {
		webdb_rollback(db);
		api_error(rs, 409, "field 'address': %s is already on your "
		    "account", v[0].s);
		goto out;
	}
	if ((rc = webdb_exec(db, &err, "INSERT INTO email (account, address, state) "
	    "VALUES (?, ?, 'pending')", "it", account, v[0].s)) < 0)
		goto dbfail;
	id = sqlite3_last_insert_rowid(db);
	if ((rc = token_store(w, db, "email", account, id, tok, &err)) != 0 ||
	    (rc = web_log(w, "email.added", &err, "account",
	    json_integer(account), "address", json_string(v[0].s),
	    NULL)) != 0 ||
	    (rc = web_mail_token(w, v[0].s, "Confirm your address",
	    "Please confirm that this address belongs to your account by "
	    "opening this link:", "confirm", tok, &err)) != 0 ||
	    (rc = webdb_commit(db, &err)) != 0)
		goto dbfail;
	rs->status = 201;
	rs->json = json_pack("{s:I}", "id", (json_int_t)id);
	goto out;
dbfail:
	webdb_rollback(db);
fail:
	fail(rs, rc, &err);
out:
	input_clear(v, NF(f_email));
}

static const struct in_field f_domain[] = {
	{ "name", IN_DOMAIN, true, 0, 0, NULL },
};

static void
h_add_domain(struct web *w, sqlite3 *db, int64_t account,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_value v[NF(f_domain)];
	char tok[TOKEN_LEN + 1], buf[512];
	struct fe_err err;
	json_t *mb;
	int64_t id;
	size_t i;
	int rc;

	if (!parse(rq, rs, f_domain, NF(f_domain), v))
		return;
	token_new(tok);
	rc = webdb_exec(db, &err, "INSERT INTO domain (account, name, token, state) "
	    "VALUES (?, ?, ?, 'pending')", "itt", account, v[0].s, tok);
	if (rc < 0) {
		if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
			api_error(rs, 409, "field 'name': %s is already on "
			    "your account", v[0].s);
		else
			fail(rs, rc, &err);
		goto out;
	}
	id = sqlite3_last_insert_rowid(db);
	(void)web_log(w, "domain.added", &err, "account",
	    json_integer(account), "domain", json_string(v[0].s), NULL);
	rs->status = 201;
	rs->json = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "name",
	    v[0].s, "token", tok);
	fe_snprintf(buf, sizeof(buf), "%s.%s", DCV_TXT_LABEL, v[0].s);
	json_object_set_new(rs->json, "txt_name", json_string(buf));
	dcv_http_path(tok, buf);
	json_object_set_new(rs->json, "http_path", json_string(buf));
	mb = json_array();
	for (i = 0; dcv_mailboxes[i] != NULL; i++) {
		fe_snprintf(buf, sizeof(buf), "%s@%s", dcv_mailboxes[i],
		    v[0].s);
		json_array_append_new(mb, json_string(buf));
	}
	json_object_set_new(rs->json, "mailboxes", mb);
out:
	input_clear(v, NF(f_domain));
}

static const char *const methods[] = { "dns", "http", "email", NULL };
static const struct in_field f_verify[] = {
	{ "method", IN_ENUM, true, 0, 0, methods },
	{ "mailbox", IN_ENUM, false, 0, 0, NULL },   /* choices set below */
};

static void
h_verify_domain(struct web *w, sqlite3 *db, int64_t account, int64_t id,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_field f[NF(f_verify)];
	struct in_value v[NF(f_verify)];
	char name[256] = "", tok[TOKEN_LEN + 1] = "", addr[320];
	sqlite3_stmt *st;
	struct fe_err err;
	struct dns *dns;
	int64_t now = fe_now_sec();
	int rc;

	memcpy(f, f_verify, sizeof(f));
	f[1].choices = dcv_mailboxes;
	if (!parse(rq, rs, f, NF(f), v))
		return;
	if ((rc = webdb_query(db, &err, &st, "SELECT name, token FROM domain WHERE "
	    "id = ? AND account = ?", "ii", id, account)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		fe_snprintf(name, sizeof(name), "%s", col_text(st, 0));
		fe_snprintf(tok, sizeof(tok), "%s", col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (name[0] == '\0') {
		api_error(rs, 404, "no domain %" PRId64 " on your account", id);
		goto out;
	}
	if (strcmp(v[0].s, "email") == 0) {
		char mtok[TOKEN_LEN + 1];

		if (!v[1].present) {
			api_error(rs, 400, "field 'mailbox' is missing (one of"
			    " admin, administrator, hostmaster, postmaster, "
			    "webmaster)");
			goto out;
		}
		fe_snprintf(addr, sizeof(addr), "%s@%s", v[1].s, name);
		if ((rc = webdb_begin(db, &err)) != 0 ||
		    (rc = token_store(w, db, "domain", account, id, mtok,
		    &err)) != 0 ||
		    (rc = webdb_exec(db, &err, "UPDATE domain SET mailbox = ? WHERE "
		    "id = ?", "ti", v[1].s, id)) < 0 ||
		    (rc = web_mail_token(w, addr, "Confirm control of a domain",
		    "A member of the CA asked to prove control of this domain. "
		    "If you agree, open this link:", "confirm", mtok,
		    &err)) != 0 ||
		    (rc = webdb_commit(db, &err)) != 0) {
			webdb_rollback(db);
			fail(rs, rc, &err);
			goto out;
		}
		rs->status = 202;
		rs->json = json_pack("{s:s,s:s}", "state", "pending", "mailed",
		    addr);
		goto out;
	}
	if ((dns = web_dns(w, &err)) == NULL) {
		fail(rs, FE_EIO, &err);
		goto out;
	}
	if (strcmp(v[0].s, "dns") == 0)
		rc = dcv_dns(dns, name, tok, &err);
	else
		rc = dcv_http(dns, name, tok, w->c->http_port, &err);
	if (rc != 0) {
		(void)web_log(w, "domain.check-failed", NULL, "account",
		    json_integer(account), "domain", json_string(name),
		    "method", json_string(v[0].s), "why", json_string(err.msg),
		    NULL);
		api_error(rs, rc == FE_EPOLICY ? 422 : 502, "%s", err.msg);
		goto out;
	}
	if ((rc = webdb_exec(db, &err, "UPDATE domain SET state = 'verified', method = "
	    "?, checked = ?, recheck_due = ?, recheck_sent = NULL WHERE id = ?",
	    "tiii", v[0].s, now, now + w->c->recheck_interval, id)) < 0 ||
	    (rc = web_log(w, "domain.verified", &err, "account",
	    json_integer(account), "domain", json_string(name), "method",
	    json_string(v[0].s), NULL)) != 0) {
		fail(rs, rc, &err);
		goto out;
	}
	rs->status = 200;
	rs->json = json_pack("{s:s}", "state", "verified");
out:
	input_clear(v, NF(f_verify));
}

/* ------------------------------------------------------ assurance */

static const struct in_field f_assure[] = {
	{ "member", IN_EMAIL, true, 0, 0, NULL },
	{ "points", IN_INT, true, 0, 35, NULL },
	{ "name", IN_NAME, true, 0, 0, NULL },
	{ "date", IN_DATE, true, 0, 0, NULL },
	{ "place", IN_TEXT, true, 0, 0, NULL },
};

static void
h_assure(struct web *w, sqlite3 *db, int64_t account,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_value v[NF(f_assure)];
	struct fe_err err;
	int64_t member, made, allowance, have;
	bool assurer;
	int rc;

	if (!parse(rq, rs, f_assure, NF(f_assure), v))
		return;
	if ((rc = webdb_begin(db, &err)) != 0)
		goto fail;
	if ((rc = is_assurer(db, account, &assurer, &err)) != 0)
		goto dbfail;
	if (!assurer) {
		webdb_rollback(db);
		api_error(rs, 403, "C3: only Assurers (100 points and the "
		    "assurer test) may assure");
		goto out;
	}
	if ((rc = webdb_int(db, &err, &member, 0, "SELECT id FROM account WHERE "
	    "email = ? AND confirmed = 1", "t", v[0].s)) != 0 ||
	    (rc = webdb_int(db, &err, &made, 0, "SELECT COUNT(*) FROM assurance "
	    "WHERE assurer = ?", "i", account)) != 0)
		goto dbfail;
	if (member == 0 || member == account) {
		webdb_rollback(db);
		api_error(rs, member == 0 ? 404 : 422, member == 0 ?
		    "field 'member': no confirmed account with this address" :
		    "field 'member': you cannot assure yourself");
		goto out;
	}
	allowance = 10 + 5 * (made / 10);
	if (allowance > 35)
		allowance = 35;
	if (v[1].i > allowance) {
		webdb_rollback(db);
		api_error(rs, 422, "field 'points': at most %" PRId64 " (your "
		    "allowance after %" PRId64 " assurances)", allowance, made);
		goto out;
	}
	if ((rc = webdb_int(db, &err, &have, 0, "SELECT COUNT(*) FROM assurance "
	    "WHERE assurer = ? AND member = ?", "ii", account, member)) != 0)
		goto dbfail;
	if (have) {
		webdb_rollback(db);
		api_error(rs, 409, "you have assured this member already");
		goto out;
	}
	if ((rc = webdb_exec(db, &err, "INSERT INTO assurance (assurer, member, points,"
	    " name, date, place, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
	    "iiittti", account, member, (int64_t)v[1].i, v[2].s, v[3].s,
	    v[4].s, fe_now_sec())) < 0 ||
	    (rc = web_log(w, "assurance", &err, "assurer",
	    json_integer(account), "member", json_integer(member), "points",
	    json_integer(v[1].i), "name", json_string(v[2].s), "date",
	    json_string(v[3].s), "place", json_string(v[4].s), NULL)) != 0 ||
	    (rc = webdb_commit(db, &err)) != 0)
		goto dbfail;
	rs->status = 201;
	rs->json = json_pack("{s:b}", "ok", 1);
	goto out;
dbfail:
	webdb_rollback(db);
fail:
	fail(rs, rc, &err);
out:
	input_clear(v, NF(f_assure));
}

/* --------------------------------------------- certificate requests */

/* The days a member may ask for: the profile's maximum with 100 points
 * or more, three quarters from 50, half below (C3: longer validity with
 * more points). */
static unsigned
allowed_days(const struct web_profile *p, int64_t points)
{
	if (points >= ASSURER_POINTS)
		return p->max_days;
	if (points >= NAME_POINTS)
		return p->max_days * 3 / 4;
	return p->max_days / 2;
}

static void
h_profiles(struct web *w, sqlite3 *db, int64_t account, struct api_resp *rs)
{
	static const char *const names[] = { "email", "dns", "none" };
	struct fe_err err;
	json_t *arr = json_array();
	int64_t pts, vdom, cmail;
	bool assurer;
	size_t i;
	int rc;

	if ((rc = points_of(db, account, NULL, &pts, &err)) != 0 ||
	    (rc = is_assurer(db, account, &assurer, &err)) != 0 ||
	    (rc = webdb_int(db, &err, &vdom, 0, "SELECT COUNT(*) FROM domain "
	    "WHERE account = ? AND state = 'verified'", "i", account)) != 0 ||
	    (rc = webdb_int(db, &err, &cmail, 0, "SELECT COUNT(*) FROM email "
	    "WHERE account = ? AND state = 'confirmed'", "i", account)) != 0) {
		json_decref(arr);
		fail(rs, rc, &err);
		return;
	}
	for (i = 0; i < w->c->nprofiles; i++) {
		const struct web_profile *p = &w->c->profiles[i];
		const char *why = NULL;

		if (p->needs_assurer && !assurer)
			why = "C3: code signing is only for Assurers";
		else if (p->names == WN_DNS && vdom == 0)
			why = "C2: verify a domain first";
		else if (p->names == WN_EMAIL && cmail == 0)
			why = "confirm an address first";
		else if (p->needs_name && pts < NAME_POINTS)
			why = "C1: your name needs 50 assurance points";
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:I,s:s?}",
		    "name", p->name, "names", names[p->names], "uses_name",
		    p->needs_name, "max_days",
		    (json_int_t)allowed_days(p, pts), "unavailable", why));
	}
	rs->status = 200;
	rs->json = json_pack("{s:o}", "profiles", arr);
}

/* The verified domain of account that name is or is under ("*." names:
 * the part after it); 0 and *dom when found. */
static int
domain_for(sqlite3 *db, int64_t account, const char *name, char *dom,
    size_t domlen, struct fe_err *err)
{
	const char *n = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
	sqlite3_stmt *st;
	int rc;

	/* The longest verified domain that n equals or ends with ".D". */
	if ((rc = webdb_query(db, err, &st, "SELECT name FROM domain WHERE account = ? "
	    "AND state = 'verified' AND (name = ?2 OR substr(?2, -length(name)"
	    " - 1) = '.' || name) ORDER BY length(name) DESC LIMIT 1", "it",
	    account, n)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fe_snprintf(dom, domlen, "%s", col_text(st, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = fe_err_code(err, FE_EPOLICY, "C2: domain not verified: %s "
		    "(add and verify it, or a domain it is under)", name);
	} else {
		rc = webdb_err(db, "domain", err);
	}
	sqlite3_finalize(st);
	return rc;
}

static const char *const profile_names[] = { "email", "email-name", "server",
    "code-signing", NULL };
static const struct in_field f_request[] = {
	{ "profile", IN_ENUM, true, 0, 0, profile_names },
	{ "csr", IN_CSR, true, 0, 0, NULL },
	{ "dns", IN_DNSLIST, false, 0, 0, NULL },
	{ "email", IN_EMAILLIST, false, 0, 0, NULL },
	{ "use_name", IN_BOOL, false, 0, 0, NULL },
	{ "days", IN_INT, false, 1, 825, NULL },
};

/* Check the request against the rules (docs/web.md, "Rules"), filling
 * cn (the subject's CN) and days; FE_EPOLICY with the rule otherwise. */
static int
request_rules(struct web *w, sqlite3 *db, int64_t account,
    const struct web_profile *p, const struct in_value *v, char *cn,
    size_t cnlen, unsigned *days, struct fe_err *err)
{
	int64_t pts, confirmed, npts;
	char name[256] = "", dom[256];
	bool assurer, use_name = v[4].present && v[4].b;
	size_t i, nd = v[2].present ? v[2].nlist : 0,
	    ne = v[3].present ? v[3].nlist : 0;
	unsigned allowed;
	int rc;

	if ((rc = points_of(db, account, NULL, &pts, err)) != 0 ||
	    (rc = is_assurer(db, account, &assurer, err)) != 0 ||
	    (rc = webdb_int(db, err, &confirmed, 0, "SELECT confirmed FROM "
	    "account WHERE id = ?", "i", account)) != 0)
		return rc;
	if (!confirmed)
		return fe_err_code(err, FE_EPOLICY, "email not confirmed: "
		    "confirm your account's address first");
	if (p->needs_assurer && !assurer)
		return fe_err_code(err, FE_EPOLICY, "C3: code signing is only "
		    "for Assurers (100 points and the assurer test; you have "
		    "%" PRId64 " points%s)", pts, pts >= ASSURER_POINTS ?
		    " and have not passed the test" : "");
	if (p->names == WN_EMAIL && ne == 0)
		return fe_err_code(err, FE_EINVAL, "field 'email': profile %s "
		    "needs at least one confirmed address", p->name);
	if (p->names == WN_DNS && nd == 0)
		return fe_err_code(err, FE_EINVAL, "field 'dns': profile %s "
		    "needs at least one DNS name", p->name);
	if (p->names != WN_EMAIL && ne != 0)
		return fe_err_code(err, FE_EINVAL, "field 'email': profile %s "
		    "carries no email addresses", p->name);
	if (p->names != WN_DNS && nd != 0)
		return fe_err_code(err, FE_EINVAL, "field 'dns': profile %s "
		    "carries no DNS names", p->name);
	if (use_name && !p->needs_name)
		return fe_err_code(err, FE_EINVAL, "field 'use_name': profile "
		    "%s carries no personal name (use email-name)", p->name);
	if (p->needs_name) {
		sqlite3_stmt *st;

		if ((rc = webdb_query(db, err, &st, "SELECT name FROM account WHERE "
		    "id = ?", "i", account)) != 0)
			return rc;
		if (sqlite3_step(st) == SQLITE_ROW)
			fe_snprintf(name, sizeof(name), "%s", col_text(st, 0));
		sqlite3_finalize(st);
		if ((rc = points_of(db, account, name, &npts, err)) != 0)
			return rc;
		if (npts < NAME_POINTS)
			return fe_err_code(err, FE_EPOLICY, "C1: name not "
			    "assured: %s (%" PRId64 " of %d points for this "
			    "name)", name, npts, NAME_POINTS);
		fe_snprintf(cn, cnlen, "%s", name);
	}
	for (i = 0; i < ne; i++) {
		int64_t ok;

		if ((rc = webdb_int(db, err, &ok, 0, "SELECT COUNT(*) FROM email "
		    "WHERE account = ? AND address = ? AND state = 'confirmed'",
		    "it", account, v[3].list[i])) != 0)
			return rc;
		if (!ok)
			return fe_err_code(err, FE_EPOLICY, "email not "
			    "confirmed: %s", v[3].list[i]);
	}
	if (p->names == WN_EMAIL && !p->needs_name)
		fe_snprintf(cn, cnlen, "%s", v[3].list[0]);
	for (i = 0; i < nd; i++) {
		struct dns *dns;
		bool wild = strncmp(v[2].list[i], "*.", 2) == 0;

		if ((rc = domain_for(db, account, v[2].list[i], dom,
		    sizeof(dom), err)) != 0)
			return rc;
		if ((dns = web_dns(w, err)) == NULL)
			return FE_EIO;
		/* C4: CAA before each issuance (RFC 8659). */
		if ((rc = caa_check(dns, wild ? v[2].list[i] + 2 :
		    v[2].list[i], wild, (const char *const *)w->c->caa_ident,
		    err)) != 0)
			return rc == FE_EPOLICY ? rc : fe_err_code(err,
			    FE_EPOLICY, "C4: %s", err->msg);
	}
	if (p->names == WN_DNS)
		fe_snprintf(cn, cnlen, "%s", v[2].list[0]);
	allowed = allowed_days(p, pts);
	*days = v[5].present ? (unsigned)v[5].i : allowed;
	if (*days > allowed)
		return fe_err_code(err, FE_EPOLICY, "field 'days': at most %u "
		    "for profile %s with %" PRId64 " points", allowed, p->name,
		    pts);
	return 0;
}

static void
h_request(struct web *w, sqlite3 *db, int64_t account,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_value v[NF(f_request)];
	const struct web_profile *p;
	char cn[256] = "";
	struct buf b;
	struct fe_err err;
	unsigned days = 0;
	int64_t id;
	size_t i;
	int rc;

	if (!parse(rq, rs, f_request, NF(f_request), v))
		return;
	buf_init(&b, 1u << 20);
	if ((p = web_profile(w->c, v[0].s)) == NULL) {
		api_error(rs, 422, "field 'profile': %s is not offered here",
		    v[0].s);
		goto out;
	}
	if ((rc = request_rules(w, db, account, p, v, cn, sizeof(cn), &days,
	    &err)) != 0) {
		if (rc == FE_EPOLICY || rc == FE_EINVAL)
			(void)web_log(w, "sign.refused-here", NULL, "account",
			    json_integer(account), "profile", json_string(p->name),
			    "why", json_string(err.msg), NULL);
		fail(rs, rc, &err);
		goto out;
	}
	if ((rc = webdb_begin(db, &err)) != 0)
		goto fail;
	if ((rc = webdb_exec(db, &err, "INSERT INTO request (account, profile, body, "
	    "state, issuer, created, updated) VALUES (?, ?, x'', 'queued', ?, "
	    "?, ?)", "ittii", account, p->name, p->issuer, fe_now_sec(),
	    fe_now_sec())) < 0)
		goto dbfail;
	id = sqlite3_last_insert_rowid(db);
	/* The signing request (docs/signing-request.md); its id is the
	 * link's idempotency key, so a resent request is never issued
	 * twice. */
	rc = buf_printf(&b, "foureyes-request 1\nid: web-%" PRId64 "\nprofile: "
	    "%s\nissuer: %s\n", id, p->signer, p->issuer);
	if (rc == 0 && cn[0] != '\0')
		rc = buf_printf(&b, "subject: CN=%s\n", cn);
	for (i = 0; rc == 0 && v[2].present && i < v[2].nlist; i++)
		rc = buf_printf(&b, "dns: %s\n", v[2].list[i]);
	for (i = 0; rc == 0 && v[3].present && i < v[3].nlist; i++)
		rc = buf_printf(&b, "email: %s\n", v[3].list[i]);
	if (rc == 0)
		rc = buf_printf(&b, "days: %u\n\n%s", days, v[1].s);
	if (rc != 0) {
		rc = fe_err_set(&err, "the signing request is too long");
		goto dbfail;
	}
	if ((rc = webdb_exec(db, &err, "UPDATE request SET body = ? WHERE id = ?", "bi",
	    b.p, b.len, id)) < 0)
		goto dbfail;
	for (i = 0; v[2].present && i < v[2].nlist; i++)
		if ((rc = webdb_exec(db, &err, "INSERT INTO request_name (request, kind,"
		    " value) VALUES (?, 'dns', ?)", "it", id,
		    v[2].list[i])) < 0)
			goto dbfail;
	for (i = 0; v[3].present && i < v[3].nlist; i++)
		if ((rc = webdb_exec(db, &err, "INSERT INTO request_name (request, kind,"
		    " value) VALUES (?, 'email', ?)", "it", id,
		    v[3].list[i])) < 0)
			goto dbfail;
	/* K5: logged here before it goes anywhere. */
	{
		char rid[32];

		fe_snprintf(rid, sizeof(rid), "web-%" PRId64, id);
		if ((rc = web_log(w, "sign.request", &err, "id",
		    json_string(rid), "account", json_integer(account),
		    "profile", json_string(p->name), "subject", json_string(cn),
		    "days", json_integer(days), "peer", json_string(rq->peer),
		    NULL)) != 0)
			goto dbfail;
	}
	if ((rc = webdb_commit(db, &err)) != 0)
		goto fail;
	if (w->worker != NULL)
		worker_kick(w->worker);
	rs->status = 202;
	rs->json = json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
	    "queued");
	goto out;
dbfail:
	webdb_rollback(db);
fail:
	fail(rs, rc, &err);
out:
	buf_free(&b);
	input_clear(v, NF(f_request));
}

static json_t *
request_json(sqlite3 *db, sqlite3_stmt *st)
{
	json_t *o = json_pack("{s:I,s:s,s:s}", "id",
	    (json_int_t)sqlite3_column_int64(st, 0), "profile",
	    col_text(st, 1), "state", col_text(st, 2));
	json_t *names = json_array();
	sqlite3_stmt *ns;
	struct fe_err err;

	json_object_set_new(o, "serial", col_json(st, 3));
	json_object_set_new(o, "reason", col_json(st, 4));
	json_object_set_new(o, "not_after", col_json(st, 5));
	json_object_set_new(o, "revocation", col_json(st, 6));
	json_object_set_new(o, "revocation_reason", col_json(st, 7));
	if (webdb_query(db, &err, &ns, "SELECT value FROM request_name WHERE request = ?"
	    " ORDER BY rowid", "i", sqlite3_column_int64(st, 0)) == 0) {
		while (sqlite3_step(ns) == SQLITE_ROW)
			json_array_append_new(names, json_string(col_text(ns,
			    0)));
		sqlite3_finalize(ns);
	}
	json_object_set_new(o, "names", names);
	return o;
}

#define REQ_COLS "SELECT r.id, r.profile, r.state, r.serial, r.reason, " \
    "r.not_after, v.state, v.reason FROM request r LEFT JOIN revocation v " \
    "ON v.request = r.id "

static void
h_requests(sqlite3 *db, int64_t account, int64_t id, struct api_resp *rs)
{
	sqlite3_stmt *st;
	struct fe_err err;
	json_t *arr = json_array();
	int rc;

	if (id != 0)
		rc = webdb_query(db, &err, &st, REQ_COLS "WHERE r.account = ? AND r.id = ?",
		    "ii", account, id);
	else
		rc = webdb_query(db, &err, &st, REQ_COLS "WHERE r.account = ? ORDER BY "
		    "r.id", "i", account);
	if (rc != 0) {
		json_decref(arr);
		fail(rs, rc, &err);
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, request_json(db, st));
	sqlite3_finalize(st);
	if (id != 0) {
		if (json_array_size(arr) == 0)
			api_error(rs, 404, "no request %" PRId64 " on your "
			    "account", id);
		else {
			rs->status = 200;
			rs->json = json_incref(json_array_get(arr, 0));
		}
		json_decref(arr);
		return;
	}
	rs->status = 200;
	rs->json = json_pack("{s:o}", "requests", arr);
}

static int
der_of(X509 *x, unsigned char **out, size_t *n)
{
	int len = i2d_X509(x, out);

	if (len <= 0)
		return -1;
	*n = (size_t)len;
	return 0;
}

/* A download of an issued certificate: cert.pem, cert.der, chain.pem,
 * chain.p7b. */
static void
h_download(struct web *w, sqlite3 *db, int64_t account, int64_t id,
    const char *what, struct api_resp *rs)
{
	const struct web_issuer *iss;
	const unsigned char *p;
	char issuer[32] = "";
	sqlite3_stmt *st;
	struct fe_err err;
	X509 *cert = NULL;
	BIO *bio = NULL;
	BUF_MEM *bm;
	int rc;

	if ((rc = webdb_query(db, &err, &st, "SELECT cert, issuer FROM request WHERE id ="
	    " ? AND account = ? AND state = 'issued'", "ii", id,
	    account)) != 0) {
		fail(rs, rc, &err);
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		cert = d2i_X509(NULL, &p, sqlite3_column_bytes(st, 0));
		fe_snprintf(issuer, sizeof(issuer), "%s", col_text(st, 1));
	}
	sqlite3_finalize(st);
	if (cert == NULL) {
		api_error(rs, 404, "no issued certificate for request %" PRId64
		    " on your account", id);
		return;
	}
	iss = web_issuer(w->c, issuer);
	rs->status = 200;
	if (strcmp(what, "cert.der") == 0) {
		if (der_of(cert, &rs->raw, &rs->rawlen) != 0)
			goto oom;
		rs->ctype = "application/pkix-cert";
		fe_snprintf(rs->disposition, sizeof(rs->disposition),
		    "attachment; filename=\"cert-%" PRId64 ".der\"", id);
		goto out;
	}
	if (strcmp(what, "chain.p7b") == 0) {
		PKCS7 *p7 = PKCS7_new();
		unsigned char *der = NULL;
		int len;

		if (p7 == NULL || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
		    !PKCS7_content_new(p7, NID_pkcs7_data) ||
		    !PKCS7_add_certificate(p7, cert) ||
		    (iss && !PKCS7_add_certificate(p7, iss->cert)) ||
		    (w->c->root && !PKCS7_add_certificate(p7, w->c->root)) ||
		    (len = i2d_PKCS7(p7, &der)) <= 0) {
			PKCS7_free(p7);
			goto oom;
		}
		PKCS7_free(p7);
		rs->raw = der;
		rs->rawlen = (size_t)len;
		rs->ctype = "application/pkcs7-mime";
		fe_snprintf(rs->disposition, sizeof(rs->disposition),
		    "attachment; filename=\"chain-%" PRId64 ".p7b\"", id);
		goto out;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto oom;
	if (strcmp(what, "cert.pem") == 0) {
		if (!PEM_write_bio_X509(bio, cert))
			goto oom;
	} else {
		if ((iss && !PEM_write_bio_X509(bio, iss->cert)) ||
		    (w->c->root && !PEM_write_bio_X509(bio, w->c->root)))
			goto oom;
	}
	BIO_get_mem_ptr(bio, &bm);
	rs->raw = fe_malloc(bm->length ? bm->length : 1);
	memcpy(rs->raw, bm->data, bm->length);
	rs->rawlen = bm->length;
	rs->ctype = "application/x-pem-file";
	fe_snprintf(rs->disposition, sizeof(rs->disposition),
	    "attachment; filename=\"%s-%" PRId64 ".pem\"",
	    strcmp(what, "cert.pem") == 0 ? "cert" : "chain", id);
	goto out;
oom:
	api_error(rs, 500, "cannot encode the certificate");
out:
	BIO_free(bio);
	X509_free(cert);
}

static const struct in_field f_revoke[] = {
	{ "reason", IN_ENUM, true, 0, 0, input_reasons },
};

static void
h_revoke(struct web *w, sqlite3 *db, int64_t account, int64_t id,
    const struct api_req *rq, struct api_resp *rs)
{
	struct in_value v[NF(f_revoke)];
	struct fe_err err;
	int64_t issued, already;
	int rc;

	if (!parse(rq, rs, f_revoke, NF(f_revoke), v))
		return;
	if ((rc = webdb_begin(db, &err)) != 0)
		goto fail;
	if ((rc = webdb_int(db, &err, &issued, 0, "SELECT COUNT(*) FROM request "
	    "WHERE id = ? AND account = ? AND state = 'issued'", "ii", id,
	    account)) != 0 ||
	    (rc = webdb_int(db, &err, &already, 0, "SELECT COUNT(*) FROM "
	    "revocation WHERE request = ?", "i", id)) != 0)
		goto dbfail;
	if (!issued || already) {
		webdb_rollback(db);
		api_error(rs, issued ? 409 : 404, issued ? "request %" PRId64
		    " is already revoked or being revoked" : "no issued "
		    "certificate for request %" PRId64 " on your account", id);
		goto out;
	}
	if ((rc = webdb_exec(db, &err, "INSERT INTO revocation (request, reason, cause,"
	    " state, created) VALUES (?, ?, 'owner', 'queued', ?)", "iti", id,
	    v[0].s, fe_now_sec())) < 0 ||
	    (rc = web_log(w, "revoke.request", &err, "request",
	    json_integer(id), "account", json_integer(account), "reason",
	    json_string(v[0].s), "cause", json_string("owner"), NULL)) != 0 ||
	    (rc = webdb_commit(db, &err)) != 0)
		goto dbfail;
	if (w->worker != NULL)
		worker_kick(w->worker);
	rs->status = 202;
	rs->json = json_pack("{s:s}", "state", "queued");
	goto out;
dbfail:
	webdb_rollback(db);
fail:
	fail(rs, rc, &err);
out:
	input_clear(v, NF(f_revoke));
}

int
web_revoke_naming(sqlite3 *db, int64_t account, const char *kind,
    const char *value, const char *cause, struct fe_err *err)
{
	int rc;

	/* Every issued certificate of account naming value (or, for a
	 * domain, a name under it) that is not revoked or being revoked. */
	rc = webdb_exec(db, err, "INSERT INTO revocation (request, reason, cause, state,"
	    " created) SELECT DISTINCT r.id, 'superseded', ?1, 'queued', ?2 "
	    "FROM request r JOIN request_name n ON n.request = r.id WHERE "
	    "r.account = ?3 AND r.state = 'issued' AND n.kind = ?4 AND "
	    "(n.value = ?5 OR (?4 = 'dns' AND (substr(n.value, "
	    "-length(?5) - 1) = '.' || ?5))) AND r.id NOT IN (SELECT request "
	    "FROM revocation)", "tiitt", cause, fe_now_sec(), account, kind,
	    value);
	return rc;
}

/* ------------------------------------------------------------ routing */

/* "/api/requests/12/cert.pem": the id 12 and the rest "cert.pem". */
static bool
path_id(const char *path, const char *prefix, int64_t *id, const char **rest)
{
	size_t n = strlen(prefix);
	const char *p;
	int64_t v = 0;

	if (strncmp(path, prefix, n) != 0)
		return false;
	p = path + n;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*p++ - '0');
	}
	if (*p != '\0' && *p != '/')
		return false;
	*id = v;
	*rest = *p == '/' ? p + 1 : p;
	return true;
}

/* Exact-path routes, before a session and with one. */
static const struct {
	const char *path;
	void (*h)(struct web *, sqlite3 *, const struct api_req *,
	    struct api_resp *);
} open_routes[] = {
	{ "/api/signup", h_signup },
	{ "/api/confirm", h_confirm },
	{ "/api/login", h_login },
	{ "/api/password/reset", h_reset },
	{ "/api/password/new", h_newpw },
};

static const struct {
	const char *path;
	void (*h)(struct web *, sqlite3 *, int64_t, const struct api_req *,
	    struct api_resp *);
} member_posts[] = {
	{ "/api/emails", h_add_email },
	{ "/api/domains", h_add_domain },
	{ "/api/assurances", h_assure },
	{ "/api/requests", h_request },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
h_logout(sqlite3 *db, const struct api_req *rq, struct api_resp *rs)
{
	unsigned char h[32];
	struct fe_err err;
	int rc;

	token_hash(rq->cookie, h);
	if ((rc = webdb_exec(db, &err, "DELETE FROM session WHERE "
	    "token_hash = ?", "b", h, sizeof(h))) < 0) {
		fail(rs, rc, &err);
		return;
	}
	fe_snprintf(rs->cookie, sizeof(rs->cookie), "fe_session=; "
	    "Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	rs->status = 200;
	rs->json = json_pack("{s:b}", "ok", 1);
}

static bool
is_download(const char *rest)
{
	return strcmp(rest, "cert.pem") == 0 || strcmp(rest, "cert.der") == 0 ||
	    strcmp(rest, "chain.pem") == 0 || strcmp(rest, "chain.p7b") == 0;
}

void
api_handle(struct web *w, const struct api_req *rq, struct api_resp *rs)
{
	const char *path = rq->path, *rest;
	char csrf[TOKEN_LEN + 1];
	bool post = strcmp(rq->method, "POST") == 0;
	struct fe_err err;
	int64_t account, id;
	sqlite3 *db;
	size_t i;
	int rc;

	if ((db = web_db(w, &err)) == NULL) {
		fail(rs, FE_EDB, &err);
		return;
	}
	/* Before a session. */
	for (i = 0; post && i < NELEM(open_routes); i++) {
		if (strcmp(path, open_routes[i].path) == 0) {
			open_routes[i].h(w, db, rq, rs);
			return;
		}
	}
	if ((rc = session_of(db, rq->cookie, &account, csrf, &err)) != 0) {
		fail(rs, rc, &err);
		return;
	}
	if (account == 0) {
		api_error(rs, 401, "not logged in (or the session "
		    "ended): log in first");
		return;
	}
	/* CSRF: every state change of a logged-in member carries the
	 * session's token in X-CSRF-Token. */
	if (post && (rq->csrf == NULL || rq->csrf[0] == '\0')) {
		api_error(rs, 403, "CSRF token missing (X-CSRF-Token)");
		return;
	}
	if (post && !same_secret(rq->csrf, csrf)) {
		api_error(rs, 403, "CSRF token wrong (X-CSRF-Token)");
		return;
	}
	if (post && strcmp(path, "/api/logout") == 0) {
		h_logout(db, rq, rs);
		return;
	}
	for (i = 0; post && i < NELEM(member_posts); i++) {
		if (strcmp(path, member_posts[i].path) == 0) {
			member_posts[i].h(w, db, account, rq, rs);
			return;
		}
	}
	if (!post && strcmp(path, "/api/me") == 0) {
		h_me(w, db, account, csrf, rs);
		return;
	}
	if (!post && strcmp(path, "/api/profiles") == 0) {
		h_profiles(w, db, account, rs);
		return;
	}
	if (!post && strcmp(path, "/api/requests") == 0) {
		h_requests(db, account, 0, rs);
		return;
	}
	if (post && path_id(path, "/api/domains/", &id, &rest) &&
	    strcmp(rest, "verify") == 0) {
		h_verify_domain(w, db, account, id, rq, rs);
		return;
	}
	if (path_id(path, "/api/requests/", &id, &rest)) {
		if (!post && rest[0] == '\0') {
			h_requests(db, account, id, rs);
			return;
		}
		if (post && strcmp(rest, "revoke") == 0) {
			h_revoke(w, db, account, id, rq, rs);
			return;
		}
		if (!post && is_download(rest)) {
			h_download(w, db, account, id, rest, rs);
			return;
		}
	}
	api_error(rs, 404, "no such API: %s %.100s", rq->method, path);
}
