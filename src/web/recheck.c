/*
 * recheck.c - re-checks of addresses and domains (POLICY.md C2): control
 * is proved again every recheck_interval; what fails lapses, and every
 * certificate naming it is revoked through the signer (reason superseded:
 * the validation can no longer be relied upon).
 *
 * - A domain proved by DNS or HTTP is checked again the same way; one
 *   failure lapses it.
 * - An address, or a domain proved by mail, gets a new confirmation link;
 *   when it is not used within recheck_grace the address or domain lapses.
 *
 * Each pass also deletes the sessions past their expiry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/seam.h"
#include "web/dcv.h"
#include "web/passwd.h"
#include "web/web.h"
#include "web/webdb.h"
#include "web/worker.h"

struct item {
	int64_t id, account, sent;
	char name[256], method[8], mailbox[32], token[TOKEN_LEN + 1];
};

/* Lapse one address or domain and queue the revocations, in one
 * transaction. */
static int
lapse(struct web *w, sqlite3 *db, bool domain, const struct item *it,
    const char *why, struct fe_err *err)
{
	char cause[400];
	int rc, n;

	fe_snprintf(cause, sizeof(cause), "lapse: %s %s: %s", domain ?
	    "domain" : "address", it->name, why);
	if ((rc = webdb_begin(db, err)) != 0)
		return rc;
	if ((rc = webdb_exec(db, err, domain ? "UPDATE domain SET state = "
	    "'lapsed', checked = ? WHERE id = ?" : "UPDATE email SET state = "
	    "'lapsed', checked = ? WHERE id = ?", "ii", fe_now_sec(),
	    it->id)) < 0)
		goto fail;
	if ((n = web_revoke_naming(db, it->account, domain ? "dns" : "email",
	    it->name, cause, err)) < 0) {
		rc = n;
		goto fail;
	}
	if ((rc = web_log(w, domain ? "domain.lapsed" : "email.lapsed", err,
	    "account", json_integer(it->account), "name",
	    json_string(it->name), "why", json_string(why), "revocations",
	    json_integer(n), NULL)) != 0 ||
	    (rc = webdb_commit(db, err)) != 0)
		goto fail;
	if (n > 0 && w->worker != NULL)
		worker_kick(w->worker);
	return 0;
fail:
	webdb_rollback(db);
	return rc;
}

/* Mail a new confirmation link (kind email or domain). */
static int
remail(struct web *w, sqlite3 *db, bool domain, const struct item *it,
    struct fe_err *err)
{
	char tok[TOKEN_LEN + 1], to[320];
	unsigned char h[32];
	int64_t now = fe_now_sec();
	int rc;

	if (domain)
		fe_snprintf(to, sizeof(to), "%s@%s", it->mailbox, it->name);
	else
		fe_snprintf(to, sizeof(to), "%s", it->name);
	token_new(tok);
	token_hash(tok, h);
	if ((rc = webdb_begin(db, err)) != 0)
		return rc;
	if ((rc = webdb_exec(db, err, "INSERT INTO token (hash, kind, account,"
	    " ref, created, expires) VALUES (?, ?, ?, ?, ?, ?)", "btiiii", h,
	    sizeof(h), domain ? "domain" : "email", it->account, it->id, now,
	    now + w->c->recheck_grace)) < 0 ||
	    (rc = webdb_exec(db, err, domain ? "UPDATE domain SET recheck_sent "
	    "= ? WHERE id = ?" : "UPDATE email SET recheck_sent = ? WHERE "
	    "id = ?", "ii", now, it->id)) < 0)
		goto fail;
	if ((rc = web_log(w, domain ? "domain.recheck-mailed" :
	    "email.recheck-mailed", err, "account", json_integer(it->account),
	    "name", json_string(it->name), "to", json_string(to),
	    NULL)) != 0 ||
	    (rc = web_mail_token(w, to, "Please confirm again",
	    "The CA checks regularly that addresses and domains in its "
	    "certificates are still under their owner's control. Please "
	    "confirm by opening this link; if nobody does, certificates "
	    "naming it will be revoked:", "confirm", tok, err)) != 0 ||
	    (rc = webdb_commit(db, err)) != 0)
		goto fail;
	return 0;
fail:
	webdb_rollback(db);
	return rc;
}

static int
mark_checked(struct web *w, sqlite3 *db, const struct item *it,
    struct fe_err *err)
{
	int64_t now = fe_now_sec();
	int rc;

	rc = webdb_exec(db, err, "UPDATE domain SET checked = ?, recheck_due ="
	    " ? WHERE id = ?", "iii", now, now + w->c->recheck_interval, it->id);
	if (rc > 0)
		rc = 0;
	if (rc == 0)
		rc = web_log(w, "domain.rechecked", err, "account",
		    json_integer(it->account), "name", json_string(it->name),
		    "method", json_string(it->method), NULL);
	return rc;
}

/* The due items of one table (at most 256 a pass). */
static int
due_items(sqlite3 *db, bool domain, struct item **out, size_t *n,
    struct fe_err *err)
{
	sqlite3_stmt *st;
	struct item *v = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = webdb_prepare(db, domain ? "SELECT id, account, name, "
	    "method, mailbox, token, recheck_sent FROM domain WHERE state = "
	    "'verified' AND recheck_due <= ? ORDER BY recheck_due LIMIT 256" :
	    "SELECT id, account, address, '', '', '', recheck_sent FROM email "
	    "WHERE state = 'confirmed' AND recheck_due <= ? ORDER BY "
	    "recheck_due LIMIT 256", &st, err)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, fe_now_sec());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct item *it;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = fe_realloc(v, cap * sizeof(*v));
		}
		it = &v[(*n)++];
		memset(it, 0, sizeof(*it));
		it->id = sqlite3_column_int64(st, 0);
		it->account = sqlite3_column_int64(st, 1);
#define COPY(dst, i) fe_snprintf(dst, sizeof(dst), "%s", \
    sqlite3_column_text(st, i) ? (const char *)sqlite3_column_text(st, i) : "")
		COPY(it->name, 2);
		COPY(it->method, 3);
		COPY(it->mailbox, 4);
		COPY(it->token, 5);
#undef COPY
		it->sent = sqlite3_column_type(st, 6) == SQLITE_NULL ? 0 :
		    sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*out = NULL;
		*n = 0;
		return webdb_err(db, "re-check list", err);
	}
	*out = v;
	return 0;
}

int
recheck_pass(struct web *w, unsigned *checked, unsigned *lapsed,
    struct fe_err *err)
{
	sqlite3 *db = web_db(w, err);
	int64_t now = fe_now_sec();
	int pass, rc = 0;

	*checked = *lapsed = 0;
	if (db == NULL)
		return FE_EDB;
	/* housekeeping on the same beat: sessions and mailed tokens past
	 * their expiry are never accepted again (api.c), so nothing keeps
	 * their rows (what a token confirmed is in the event log) */
	if ((rc = webdb_exec(db, err, "DELETE FROM session WHERE expires <= ?",
	    "i", now)) < 0 || (rc = webdb_exec(db, err, "DELETE FROM token "
	    "WHERE expires <= ?", "i", now)) < 0)
		return rc;
	rc = 0;
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		bool domain = pass == 1;
		struct item *v;
		size_t n, i;

		if ((rc = due_items(db, domain, &v, &n, err)) != 0)
			break;
		for (i = 0; i < n && rc == 0; i++) {
			struct item *it = &v[i];
			struct fe_err e2;
			struct dns *dns;
			int r;

			(*checked)++;
			if (!domain || strcmp(it->method, "email") == 0) {
				if (it->sent == 0)
					rc = remail(w, db, domain, it, err);
				else if (now - it->sent >= w->c->recheck_grace) {
					rc = lapse(w, db, domain, it, "the "
					    "re-check mail was not answered",
					    err);
					(*lapsed)++;
				}
				continue;
			}
			if ((dns = web_dns(w, err)) == NULL) {
				rc = FE_EIO;
				break;
			}
			if (strcmp(it->method, "dns") == 0)
				r = dcv_dns(dns, it->name, it->token, &e2);
			else
				r = dcv_http(dns, it->name, it->token,
				    w->c->http_port, &e2);
			if (r == 0) {
				rc = mark_checked(w, db, it, err);
			} else if (r == FE_EPOLICY) {
				rc = lapse(w, db, true, it, e2.msg, err);
				(*lapsed)++;
			} else {
				/* The lookup failed (resolver down): no
				 * evidence either way; logged, tried again
				 * next pass. */
				(void)web_log(w, "domain.recheck-error", NULL,
				    "name", json_string(it->name), "why",
				    json_string(e2.msg), NULL);
			}
		}
		free(v);
	}
	return rc;
}

struct recheck {
	struct web *w;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

static void *
recheck_main(void *arg)
{
	struct recheck *r = arg;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		struct timespec ts;
		struct fe_err err;
		unsigned c, l;

		pthread_mutex_unlock(&r->mu);
		if (recheck_pass(r->w, &c, &l, &err) != 0)
			(void)web_log(r->w, "recheck.error", NULL, "why",
			    json_string(err.msg), NULL);
		pthread_mutex_lock(&r->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += r->w->c->recheck_poll;
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu,
		    &ts) == 0)
			;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
recheck_start(struct web *w, struct recheck **out, struct fe_err *err)
{
	struct recheck *r = fe_calloc(1, sizeof(*r));

	r->w = w;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->th, NULL, recheck_main, r) != 0) {
		free(r);
		return fe_err_sys(err, "cannot start the re-check thread");
	}
	*out = r;
	return 0;
}

void
recheck_stop(struct recheck *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r);
}
