/*
 * worker.c - fe-web's queue worker (see worker.h, docs/web.md).
 *
 * Two threads, each with its own web.db connection.  The link thread owns
 * the serial line (sclient): it submits queued signing requests, delegated
 * key requests, revocations and CRL requests (many at once; sclient keeps
 * each until its RESULT and resends after a new session), and stores each
 * outcome in one committed transaction together with a push_item row.  The
 * HTTP thread (libcurl) pushes bundles to every fe-status admin address and
 * fetches fe-status's delegated-key requests into the delegated table.
 *
 * Durability rule: a row leaves 'queued' only in the transaction that
 * stores its outcome, and every outcome is logged (requests.log, K5) before
 * that commit.  After a crash queued rows are sent again with the same id;
 * the signer answers a repeated id from its store, so a request is issued
 * exactly once.  A certificate arrives through the link's MAC, and is
 * still checked here: it must parse and carry the request's own key.
 *
 * Trusted: the link's authentication, the database.  Not trusted: what
 * fe-status answers (ids are checked for their syntax, request bodies are
 * parsed before they are stored, and the signer checks them again).
 */
#include <poll.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "link/crlset.h"
#include "pki/issue.h"
#include "pki/request.h"
#include "pki/x509ext.h"
#include "web/webdb.h"
#include "web/worker.h"

#define INFLIGHT_MAX 64            /* messages submitted, not answered */
#define SCAN_EVERY_MS 1000         /* look for queued rows at least this often */
#define CRL_SCAN_EVERY_MS 5000
#define BACKOFF_MIN_MS 2000        /* after a "failed" answer */
#define BACKOFF_MAX_MS 300000
#define CRL_AGAIN_MS 2000          /* not the same issuer's CRLs sooner */
#define BUNDLE_CAP (32u << 20)     /* fe-status takes 64 MiB (MAX_POST) */
#define BUNDLE_ITEMS_CAP 500000    /* BUNDLE_MAX_ITEMS is 1,000,000 */
#define CRL_FRESH_S 60             /* a CRL this close to nextUpdate is stale */
#define HTTP_TIMEOUT_S 60
#define PUSH_GATHER_MS 500         /* after new results, before pushing */
#define LIST_MAX (1u << 20)        /* GET /requests answer */
#define CA_CERTS_MAX (1u << 20)

/* ------------------------------------------------------------------ */
/* The requests.log */

static int
wlog(const struct worker_conf *c, const char *type, struct fe_err *err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
wlog(const struct worker_conf *c, const char *type, struct fe_err *err,
    const char *fmt, ...)
{
	va_list ap;
	char small[1024], *p = small;
	int n, rc;

	if (c->log == NULL)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return fe_err_set(err, "%s: cannot format the log record", type);
	if ((size_t)n >= sizeof(small)) {
		p = fe_malloc((size_t)n + 1);
		va_start(ap, fmt);
		(void)vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	if ((size_t)n > CLOG_MAX_PAYLOAD)
		n = CLOG_MAX_PAYLOAD;
	if (c->log_mu != NULL)
		pthread_mutex_lock(c->log_mu);
	rc = clog_append(c->log, type, p, (size_t)n, err);
	if (c->log_mu != NULL)
		pthread_mutex_unlock(c->log_mu);
	if (p != small)
		free(p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* A set of strings (what was logged as sent in this run). */

struct sset {
	char **v;
	size_t cap, n;
};

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* 1 if s was added, 0 if it was there */
static int
sset_add(struct sset *ss, const char *s)
{
	size_t i;

	if (2 * (ss->n + 1) > ss->cap) {
		struct sset g = { NULL, ss->cap ? 2 * ss->cap : 256, 0 };

		g.v = fe_calloc(g.cap, sizeof(*g.v));
		for (i = 0; i < ss->cap; i++) {
			size_t j;

			if (ss->v[i] == NULL)
				continue;
			for (j = fnv(ss->v[i]) % g.cap; g.v[j] != NULL;
			    j = (j + 1) % g.cap)
				;
			g.v[j] = ss->v[i];
			g.n++;
		}
		free(ss->v);
		*ss = g;
	}
	for (i = fnv(s) % ss->cap; ss->v[i] != NULL; i = (i + 1) % ss->cap)
		if (strcmp(ss->v[i], s) == 0)
			return 0;
	ss->v[i] = fe_strdup(s);
	ss->n++;
	return 1;
}

static bool
sset_has(const struct sset *ss, const char *s)
{
	size_t i;

	if (ss->cap == 0)
		return false;
	for (i = fnv(s) % ss->cap; ss->v[i] != NULL; i = (i + 1) % ss->cap)
		if (strcmp(ss->v[i], s) == 0)
			return true;
	return false;
}

static void
sset_free(struct sset *ss)
{
	size_t i;

	for (i = 0; i < ss->cap; i++)
		free(ss->v[i]);
	free(ss->v);
	memset(ss, 0, sizeof(*ss));
}

/* ------------------------------------------------------------------ */
/* The link side */

enum jkind { J_SIGN, J_DSIGN, J_REVOKE, J_CRL };

struct job {
	enum jkind kind;
	int64_t id;              /* request id (J_SIGN, J_REVOKE) */
	char *server, *rid;      /* J_DSIGN */
	char *label;             /* J_CRL: the issuer; J_SIGN: its issuer */
	uint32_t tag;
	bool inflight;
	int64_t retry_ms;        /* not inflight: not before this */
	unsigned fails;
};

struct ls {
	const struct worker_conf *c;
	sqlite3 *db;
	struct sclient *sc;
	int64_t next_open_ms;
	struct job *jobs;
	size_t njobs, cap, ninflight;
	struct sset sent;
	int64_t next_scan_ms, next_crl_scan_ms;
	bool full;                /* the last scan stopped at INFLIGHT_MAX */
	void (*changed)(void *);  /* new push items were committed */
	void *arg;
	struct fe_err last;       /* the last problem, for run_once */
	bool had_error;
};

static void
ls_problem(struct ls *ls, const struct fe_err *e)
{
	ls->last = *e;
	ls->had_error = true;
}

static struct job *
job_find(struct ls *ls, enum jkind kind, int64_t id, const char *server,
    const char *rid, const char *label)
{
	size_t i;

	for (i = 0; i < ls->njobs; i++) {
		struct job *j = &ls->jobs[i];

		if (j->kind != kind)
			continue;
		switch (kind) {
		case J_SIGN:
		case J_REVOKE:
			if (j->id == id)
				return j;
			break;
		case J_DSIGN:
			if (strcmp(j->server, server) == 0 &&
			    strcmp(j->rid, rid) == 0)
				return j;
			break;
		case J_CRL:
			if (strcmp(j->label, label) == 0)
				return j;
			break;
		default:
			break;
		}
	}
	return NULL;
}

static struct job *
job_new(struct ls *ls, enum jkind kind)
{
	struct job *j;

	if (ls->njobs == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		ls->jobs = fe_realloc(ls->jobs, ls->cap * sizeof(*ls->jobs));
	}
	j = &ls->jobs[ls->njobs++];
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	return j;
}

static void
job_drop(struct ls *ls, struct job *j)
{
	if (j->inflight)
		ls->ninflight--;
	free(j->server);
	free(j->rid);
	free(j->label);
	*j = ls->jobs[--ls->njobs];
}

/* The signer failed (not refused): try again later, less often each time. */
static void
job_backoff(struct ls *ls, struct job *j)
{
	int64_t d = BACKOFF_MIN_MS;
	unsigned k;

	if (j->inflight) {
		j->inflight = false;
		ls->ninflight--;
	}
	j->fails++;
	for (k = 1; k < j->fails && d < BACKOFF_MAX_MS; k++)
		d *= 2;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	j->retry_ms = link_now_ms() + d;
}

/* Submit j's message; false when the link's queue is full (try later). */
static bool
job_submit(struct ls *ls, struct job *j, uint8_t kind, const uint8_t *body,
    size_t len)
{
	struct fe_err err;

	if (sclient_submit(ls->sc, kind, body, len, &j->tag, &err) != 0) {
		ls_problem(ls, &err);
		j->retry_ms = link_now_ms() + 500;
		return false;
	}
	j->inflight = true;
	ls->ninflight++;
	return true;
}

/* Is j (possibly NULL) something to send now? */
static bool
job_ready(const struct job *j)
{
	return j == NULL || (!j->inflight && link_now_ms() >= j->retry_ms);
}

static int
ls_commit_or_problem(struct ls *ls, int rc, struct fe_err *err)
{
	if (rc == 0 && (rc = webdb_commit(ls->db, err)) == 0)
		return 0;
	webdb_rollback(ls->db);
	ls_problem(ls, err);
	return rc;
}

static int
step_done(sqlite3_stmt *st, sqlite3 *db, const char *what,
    struct fe_err *err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return webdb_err(db, what, err);
	return 0;
}

/* A request row is final: when it was refused, so is its revocation. */
static void
scan_requests(struct ls *ls)
{
	static const char *sql =
	    "SELECT r.id, r.profile, r.account, r.body, r.issuer, "
	    "  (SELECT group_concat(n.kind || ':' || n.value, ',') "
	    "     FROM request_name n WHERE n.request = r.id) "
	    "FROM request r WHERE r.state = 'queued' AND r.id > ? "
	    "ORDER BY r.id LIMIT 64";
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int64_t after = 0;
	int r, rows;

	if (webdb_prepare(ls->db, sql, &st, &err) != 0) {
		ls_problem(ls, &err);
		return;
	}
	ls->full = false;
	do {
		rows = 0;
		sqlite3_bind_int64(st, 1, after);
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			const char *profile =
			    (const char *)sqlite3_column_text(st, 1);
			int64_t account = sqlite3_column_int64(st, 2);
			const uint8_t *body = sqlite3_column_blob(st, 3);
			size_t len = (size_t)sqlite3_column_bytes(st, 3);
			const char *issuer =
			    (const char *)sqlite3_column_text(st, 4);
			const char *names =
			    (const char *)sqlite3_column_text(st, 5);
			struct job *j = job_find(ls, J_SIGN, id, NULL, NULL,
			    NULL);
			char key[32];
			bool isnew = j == NULL;

			rows++;
			after = id;
			if (!job_ready(j))
				continue;
			if (ls->ninflight >= INFLIGHT_MAX) {
				ls->full = true;
				break;
			}
			fe_snprintf(key, sizeof(key), "web-%lld", (long long)id);
			if (!sset_has(&ls->sent, key)) {
				if (wlog(ls->c, "sign.sent", &err, "id=%s "
				    "profile=%s account=%lld issuer=%s names=%s",
				    key, profile ? profile : "",
				    (long long)account, issuer ? issuer : "-",
				    names ? names : "") != 0) {
					ls_problem(ls, &err);
					ls->full = true;   /* stop here */
					break;
				}
				(void)sset_add(&ls->sent, key);
			}
			if (isnew) {
				j = job_new(ls, J_SIGN);
				j->id = id;
				j->label = fe_strdup(issuer ? issuer : "");
			}
			(void)job_submit(ls, j, MSG_SIGN, body, len);
		}
		sqlite3_reset(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			webdb_err(ls->db, "reading queued requests", &err);
			ls_problem(ls, &err);
			break;
		}
	} while (!ls->full && rows == 64);
	sqlite3_finalize(st);
}

static void
scan_delegated(struct ls *ls)
{
	static const char *sql = "SELECT server, rid, body FROM delegated "
	    "WHERE state = 'queued' ORDER BY created, server, rid";
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int r;

	if (webdb_prepare(ls->db, sql, &st, &err) != 0) {
		ls_problem(ls, &err);
		return;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *server = (const char *)sqlite3_column_text(st, 0);
		const char *rid = (const char *)sqlite3_column_text(st, 1);
		const uint8_t *body = sqlite3_column_blob(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		struct job *j;
		struct buf key;

		if (server == NULL || rid == NULL)
			continue;
		j = job_find(ls, J_DSIGN, 0, server, rid, NULL);
		if (!job_ready(j))
			continue;
		if (ls->ninflight >= INFLIGHT_MAX) {
			ls->full = true;
			break;
		}
		buf_init(&key, 4096);
		(void)buf_printf(&key, "%s %s", server, rid);
		(void)buf_cstr(&key);
		if (key.p != NULL && !sset_has(&ls->sent, (char *)key.p)) {
			if (wlog(ls->c, "sign.sent", &err, "id=%s server=%s "
			    "delegated=yes", rid, server) != 0) {
				ls_problem(ls, &err);
				buf_free(&key);
				break;
			}
			(void)sset_add(&ls->sent, (char *)key.p);
		}
		buf_free(&key);
		if (j == NULL) {
			j = job_new(ls, J_DSIGN);
			j->server = fe_strdup(server);
			j->rid = fe_strdup(rid);
		}
		(void)job_submit(ls, j, MSG_SIGN, body, len);
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		webdb_err(ls->db, "reading delegated requests", &err);
		ls_problem(ls, &err);
	}
	sqlite3_finalize(st);
}

/* Mark a revocation final (done or refused) in one transaction. */
static int
revocation_final(struct ls *ls, int64_t id, const char *state,
    const char *result)
{
	static const char *sql = "UPDATE revocation SET state = ?, "
	    "result = ?, done = ? WHERE request = ? AND state = 'queued'";
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int rc;

	if ((rc = webdb_begin(ls->db, &err)) != 0) {
		ls_problem(ls, &err);
		return rc;
	}
	if ((rc = webdb_prepare(ls->db, sql, &st, &err)) == 0) {
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, result, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, fe_now_sec());
		sqlite3_bind_int64(st, 4, id);
		rc = step_done(st, ls->db, "storing a revocation", &err);
		sqlite3_finalize(st);
	}
	if (rc == 0 && sqlite3_changes(ls->db) == 1)
		rc = wlog(ls->c, strcmp(state, "done") == 0 ? "revoke.done" :
		    "revoke.refused", &err, "request=%lld result=%s",
		    (long long)id, result);
	return ls_commit_or_problem(ls, rc, &err);
}

static void
scan_revocations(struct ls *ls)
{
	static const char *sql =
	    "SELECT v.request, v.reason, r.state, r.serial, r.issuer "
	    "FROM revocation v JOIN request r ON r.id = v.request "
	    "WHERE v.state = 'queued' ORDER BY v.created, v.request";
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int r;

	if (webdb_prepare(ls->db, sql, &st, &err) != 0) {
		ls_problem(ls, &err);
		return;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *reason = (const char *)sqlite3_column_text(st, 1);
		const char *rstate = (const char *)sqlite3_column_text(st, 2);
		const char *serial = (const char *)sqlite3_column_text(st, 3);
		const char *issuer = (const char *)sqlite3_column_text(st, 4);
		struct job *j = job_find(ls, J_REVOKE, id, NULL, NULL, NULL);
		char key[32], body[128];

		if (!job_ready(j))
			continue;
		if (rstate == NULL || strcmp(rstate, "queued") == 0)
			continue;        /* sent once it is issued */
		if (strcmp(rstate, "issued") != 0 || serial == NULL ||
		    reason == NULL) {
			(void)revocation_final(ls, id, "refused", "the request "
			    "was not issued: nothing to revoke");
			continue;
		}
		if (ls->ninflight >= INFLIGHT_MAX) {
			ls->full = true;
			break;
		}
		if (fe_snprintf_ok(body, sizeof(body), "%s %s", serial,
		    reason) != 0) {
			(void)revocation_final(ls, id, "refused", "the serial "
			    "or the reason is too long");
			continue;
		}
		fe_snprintf(key, sizeof(key), "revoke-%lld", (long long)id);
		if (!sset_has(&ls->sent, key)) {
			if (wlog(ls->c, "revoke.sent", &err, "request=%lld "
			    "serial=%s reason=%s issuer=%s", (long long)id,
			    serial, reason, issuer ? issuer : "-") != 0) {
				ls_problem(ls, &err);
				break;
			}
			(void)sset_add(&ls->sent, key);
		}
		if (j == NULL) {
			j = job_new(ls, J_REVOKE);
			j->id = id;
			j->label = fe_strdup(issuer ? issuer : "");
		}
		(void)job_submit(ls, j, MSG_REVOKE, (const uint8_t *)body,
		    strlen(body));
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		webdb_err(ls->db, "reading queued revocations", &err);
		ls_problem(ls, &err);
	}
	sqlite3_finalize(st);
}

static void
crl_request(struct ls *ls, const char *label)
{
	struct job *j = job_find(ls, J_CRL, 0, NULL, NULL, label);

	if (!job_ready(j))
		return;
	if (j == NULL) {
		j = job_new(ls, J_CRL);
		j->label = fe_strdup(label);
	}
	(void)job_submit(ls, j, MSG_CRL, (const uint8_t *)label,
	    strlen(label));
}

/*
 * The issuers whose CRLs are owed: none stored yet, stored longer ago than
 * crl_refresh_s, or older than a revocation done since.  The issuers are
 * those of requests, of crl_wanted, and of CRLs already stored.
 */
static void
scan_crls(struct ls *ls)
{
	static const char *sql =
	    "WITH i(issuer) AS ("
	    "  SELECT DISTINCT issuer FROM request WHERE issuer IS NOT NULL "
	    "  UNION SELECT issuer FROM crl_wanted "
	    "  UNION SELECT issuer FROM crl), "
	    "f(issuer, fetched) AS ("
	    "  SELECT i.issuer, (SELECT min(fetched) FROM crl "
	    "    WHERE crl.issuer = i.issuer) FROM i) "
	    "SELECT f.issuer FROM f WHERE f.fetched IS NULL OR f.fetched < ? "
	    "  OR EXISTS (SELECT 1 FROM revocation v JOIN request r "
	    "    ON r.id = v.request WHERE r.issuer = f.issuer AND "
	    "    v.state = 'done' AND v.done >= f.fetched)";
	unsigned refresh = ls->c->crl_refresh_s ? ls->c->crl_refresh_s :
	    6 * 3600;
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int r;

	if (webdb_prepare(ls->db, sql, &st, &err) != 0) {
		ls_problem(ls, &err);
		return;
	}
	sqlite3_bind_int64(st, 1, fe_now_sec() - (int64_t)refresh);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);

		if (label == NULL || *label == '\0' ||
		    strlen(label) > PROFILE_NAME_MAX)
			continue;
		if (ls->ninflight >= INFLIGHT_MAX) {
			ls->full = true;
			break;
		}
		crl_request(ls, label);
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		webdb_err(ls->db, "reading the CRLs owed", &err);
		ls_problem(ls, &err);
	}
	sqlite3_finalize(st);
}

static void
scan_all(struct ls *ls, bool crls)
{
	scan_revocations(ls);
	scan_delegated(ls);
	scan_requests(ls);
	if (crls)
		scan_crls(ls);
}

/* ------------------------------------------------------------------ */
/* Results */

/* Check what the signer returned for a request body: one certificate, DER
 * without trailing bytes, for the request's key.  Fills serial (canonical
 * lower-case hex, as the signer writes it) and not_after. */
static int
check_cert(const uint8_t *der, size_t len, const uint8_t *body,
    size_t blen, char serial[2 * SERIAL_MAX + 1], int64_t *not_after,
    struct fe_err *err)
{
	const unsigned char *q = der;
	X509 *x = d2i_X509(NULL, &q, (long)len);
	struct sign_request *req = NULL;
	BIGNUM *bn = NULL;
	uint8_t sb[SERIAL_MAX];
	int n, rc = 0;

	if (x == NULL || q != der + len) {
		rc = fe_err_ssl(err, "the signer's certificate does not parse "
		    "as one DER certificate");
		goto out;
	}
	if ((rc = request_parse(body, blen, &req, err)) != 0) {
		fe_err_prefix(err, "the stored request");
		goto out;
	}
	if (request_pub(req) == NULL || X509_get0_pubkey(x) == NULL ||
	    EVP_PKEY_eq(X509_get0_pubkey(x), req->pub) != 1) {
		rc = fe_err_code(err, FE_EPOLICY, "request %s: the signer's "
		    "certificate is not for the request's key", req->id);
		goto out;
	}
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL || BN_is_negative(bn) || (n = BN_num_bytes(bn)) < 1 ||
	    n > SERIAL_MAX || BN_bn2bin(bn, sb) != n) {
		rc = fe_err_set(err, "request %s: the certificate's serial is "
		    "not 1 to %d positive octets", req->id, SERIAL_MAX);
		goto out;
	}
	serial_hex(sb, (size_t)n, serial);
	if (asn1_time_secs(X509_get0_notAfter(x), not_after) != 0) {
		rc = fe_err_set(err, "request %s: notAfter does not parse",
		    req->id);
		goto out;
	}
out:
	BN_free(bn);
	request_free(req);
	X509_free(x);
	return rc;
}

static int
read_body(struct ls *ls, const char *sql, struct job *j, uint8_t **body,
    size_t *len, struct fe_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	*body = NULL;
	if ((rc = webdb_prepare(ls->db, sql, &st, err)) != 0)
		return rc;
	if (j->kind == J_SIGN)
		sqlite3_bind_int64(st, 1, j->id);
	else {
		sqlite3_bind_text(st, 1, j->server, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, j->rid, -1, SQLITE_STATIC);
	}
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		*body = fe_malloc(*len + 1);
		if (*len > 0)
			memcpy(*body, sqlite3_column_blob(st, 0), *len);
	} else if (r == SQLITE_DONE)
		rc = fe_err_code(err, FE_ENOENT, "the request is no longer "
		    "queued");
	else
		rc = webdb_err(ls->db, "reading a request", err);
	sqlite3_finalize(st);
	return rc;
}

static void
sign_result(struct ls *ls, struct job *j, const struct sclient_result *res)
{
	bool dlg = j->kind == J_DSIGN;
	char idbuf[32], serial[2 * SERIAL_MAX + 1], na[FE_TIME_STR];
	const char *id = j->rid;
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	uint8_t *body = NULL;
	size_t blen = 0;
	int64_t not_after = 0;
	int rc;

	if (!dlg) {
		fe_snprintf(idbuf, sizeof(idbuf), "web-%lld",
		    (long long)j->id);
		id = idbuf;
	}
	if (res->status == MSG_FAILED) {
		if (j->fails == 0)
			(void)wlog(ls->c, "sign.failed", &err, "id=%s%s%s "
			    "reason=%s (will retry)", id, dlg ? " server=" :
			    "", dlg ? j->server : "", (char *)res->body);
		fe_err_set(&err, "%s: the signer failed: %s", id,
		    (char *)res->body);
		ls_problem(ls, &err);
		job_backoff(ls, j);
		return;
	}
	if ((rc = webdb_begin(ls->db, &err)) != 0) {
		ls_problem(ls, &err);
		job_backoff(ls, j);
		return;
	}
	if (res->status == MSG_OK) {
		if ((rc = read_body(ls, dlg ? "SELECT body FROM delegated "
		    "WHERE server = ? AND rid = ? AND state = 'queued'" :
		    "SELECT body FROM request WHERE id = ? AND state = "
		    "'queued'", j, &body, &blen, &err)) != 0) {
			webdb_rollback(ls->db);
			if (rc == FE_ENOENT)   /* done already, or gone */
				job_drop(ls, j);
			else {
				ls_problem(ls, &err);
				job_backoff(ls, j);
			}
			free(body);
			return;
		}
		if ((rc = check_cert(res->body, res->len, body, blen, serial,
		    &not_after, &err)) != 0) {
			webdb_rollback(ls->db);
			free(body);
			(void)wlog(ls->c, "sign.bad", &err, "id=%s %s", id,
			    err.msg);
			ls_problem(ls, &err);
			job_backoff(ls, j);
			return;
		}
		free(body);
		if (fe_time_format_sec(not_after, na) != 0)
			fe_snprintf(na, sizeof(na), "%lld",
			    (long long)not_after);
		rc = webdb_prepare(ls->db, dlg ? "UPDATE delegated SET "
		    "state = 'issued', cert = ?, reason = NULL WHERE "
		    "server = ?5 AND rid = ?6 AND state = 'queued'" :
		    "UPDATE request SET state = 'issued', cert = ?, "
		    "serial = ?, not_after = ?, updated = ?, reason = NULL "
		    "WHERE id = ?7 AND state = 'queued'", &st, &err);
		if (rc == 0) {
			sqlite3_bind_blob(st, 1, res->body, (int)res->len,
			    SQLITE_STATIC);
			if (dlg) {
				sqlite3_bind_text(st, 5, j->server, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 6, j->rid, -1,
				    SQLITE_STATIC);
			} else {
				sqlite3_bind_text(st, 2, serial, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, not_after);
				sqlite3_bind_int64(st, 4, fe_now_sec());
				sqlite3_bind_int64(st, 7, j->id);
			}
			rc = step_done(st, ls->db, "storing a certificate",
			    &err);
			sqlite3_finalize(st);
		}
		if (rc == 0 && (rc = webdb_prepare(ls->db, dlg ?
		    "INSERT INTO push_item (dserver, drid) VALUES (?, ?)" :
		    "INSERT INTO push_item (request) VALUES (?)", &st,
		    &err)) == 0) {
			if (dlg) {
				sqlite3_bind_text(st, 1, j->server, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 2, j->rid, -1,
				    SQLITE_STATIC);
			} else
				sqlite3_bind_int64(st, 1, j->id);
			rc = step_done(st, ls->db, "queueing a push", &err);
			sqlite3_finalize(st);
		}
		if (rc == 0)
			rc = wlog(ls->c, "sign.issued", &err, "id=%s%s%s "
			    "issuer=%s serial=%s not_after=%s", id,
			    dlg ? " server=" : "", dlg ? j->server : "",
			    j->label && *j->label ? j->label : "-", serial,
			    na);
	} else {
		const char *reason = (const char *)res->body;

		rc = webdb_prepare(ls->db, dlg ? "UPDATE delegated SET "
		    "state = 'refused', reason = ? WHERE server = ? AND "
		    "rid = ? AND state = 'queued'" : "UPDATE request SET "
		    "state = 'refused', reason = ?, updated = ?2 WHERE "
		    "id = ?3 AND state = 'queued'", &st, &err);
		if (rc == 0) {
			sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
			if (dlg) {
				sqlite3_bind_text(st, 2, j->server, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(st, 3, j->rid, -1,
				    SQLITE_STATIC);
			} else {
				sqlite3_bind_int64(st, 2, fe_now_sec());
				sqlite3_bind_int64(st, 3, j->id);
			}
			rc = step_done(st, ls->db, "storing a refusal", &err);
			sqlite3_finalize(st);
		}
		if (rc == 0 && sqlite3_changes(ls->db) == 1)
			rc = wlog(ls->c, "sign.refused", &err, "id=%s%s%s "
			    "reason=%s", id, dlg ? " server=" : "",
			    dlg ? j->server : "", reason);
	}
	if (ls_commit_or_problem(ls, rc, &err) != 0) {
		job_backoff(ls, j);
		return;
	}
	job_drop(ls, j);
	if (res->status == MSG_OK && ls->changed != NULL)
		ls->changed(ls->arg);
}

static void
revoke_result(struct ls *ls, struct job *j, const struct sclient_result *res)
{
	struct fe_err err;
	char *label;

	if (res->status == MSG_FAILED) {
		fe_err_set(&err, "revocation of request %lld: the signer "
		    "failed: %s", (long long)j->id, (char *)res->body);
		ls_problem(ls, &err);
		job_backoff(ls, j);
		return;
	}
	if (revocation_final(ls, j->id, res->status == MSG_OK ? "done" :
	    "refused", (const char *)res->body) != 0) {
		job_backoff(ls, j);
		return;
	}
	label = j->label;
	j->label = NULL;
	job_drop(ls, j);
	if (res->status == MSG_OK && label != NULL && *label != '\0')
		crl_request(ls, label);     /* the new CRL, now */
	free(label);
}

static void
crl_result(struct ls *ls, struct job *j, const struct sclient_result *res)
{
	struct crlset_item *v = NULL;
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	int64_t now = fe_now_sec();
	size_t n = 0, i;
	int rc;

	if (res->status != MSG_OK) {
		unsigned refresh = ls->c->crl_refresh_s ?
		    ls->c->crl_refresh_s : 6 * 3600;

		(void)wlog(ls->c, res->status == MSG_REFUSED ? "crl.refused" :
		    "crl.failed", &err, "issuer=%s reason=%s", j->label,
		    (char *)res->body);
		fe_err_set(&err, "CRL of %s: %s", j->label, (char *)res->body);
		ls_problem(ls, &err);
		job_backoff(ls, j);
		if (res->status == MSG_REFUSED)   /* not before the next round */
			j->retry_ms = link_now_ms() + 1000 * (int64_t)refresh;
		return;
	}
	if ((rc = crlset_read(res->body, res->len, &v, &n, &err)) != 0)
		goto bad;
	for (i = 0; i < n; i++) {
		const unsigned char *q = v[i].der;
		X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)v[i].len);

		X509_CRL_free(c);
		if (c == NULL || q != v[i].der + v[i].len) {
			rc = fe_err_ssl(&err, "CRL part %u does not parse as "
			    "DER", v[i].part);
			goto bad;
		}
	}
	if ((rc = webdb_begin(ls->db, &err)) != 0)
		goto bad;
	if ((rc = webdb_prepare(ls->db, "DELETE FROM crl WHERE issuer = ?",
	    &st, &err)) == 0) {
		sqlite3_bind_text(st, 1, j->label, -1, SQLITE_STATIC);
		rc = step_done(st, ls->db, "replacing CRLs", &err);
		sqlite3_finalize(st);
	}
	if (rc == 0 && (rc = webdb_prepare(ls->db, "INSERT INTO crl (issuer, "
	    "part, der, fetched) VALUES (?, ?, ?, ?)", &st, &err)) == 0) {
		for (i = 0; i < n && rc == 0; i++) {
			sqlite3_bind_text(st, 1, j->label, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, v[i].part);
			sqlite3_bind_blob(st, 3, v[i].der, (int)v[i].len,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, now);
			rc = step_done(st, ls->db, "storing a CRL", &err);
		}
		sqlite3_finalize(st);
	}
	if (rc == 0 && (rc = webdb_prepare(ls->db, "INSERT INTO push_item "
	    "(crl) VALUES (?)", &st, &err)) == 0) {
		sqlite3_bind_text(st, 1, j->label, -1, SQLITE_STATIC);
		rc = step_done(st, ls->db, "queueing a push", &err);
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = wlog(ls->c, "crl.fetched", &err, "issuer=%s parts=%zu",
		    j->label, n);
	free(v);
	v = NULL;
	if (ls_commit_or_problem(ls, rc, &err) != 0) {
		job_backoff(ls, j);
		return;
	}
	/* not the same issuer again at once (a revocation in this second) */
	j->inflight = false;
	ls->ninflight--;
	j->retry_ms = link_now_ms() + CRL_AGAIN_MS;
	j->fails = 0;
	if (ls->changed != NULL)
		ls->changed(ls->arg);
	return;
bad:
	free(v);
	fe_err_prefix(&err, "CRL of %s", j->label);
	ls_problem(ls, &err);
	job_backoff(ls, j);
}

static void
handle_result(struct ls *ls, const struct sclient_result *res)
{
	size_t i;

	for (i = 0; i < ls->njobs; i++)
		if (ls->jobs[i].inflight && ls->jobs[i].tag == res->tag)
			break;
	if (i == ls->njobs)
		return;                  /* defensive: not ours */
	switch (ls->jobs[i].kind) {
	case J_SIGN:
	case J_DSIGN:
		sign_result(ls, &ls->jobs[i], res);
		break;
	case J_REVOKE:
		revoke_result(ls, &ls->jobs[i], res);
		break;
	case J_CRL:
		crl_result(ls, &ls->jobs[i], res);
		break;
	default:
		break;
	}
}

/* Waiting CRL jobs linger (CRL_AGAIN_MS); they are not work left. */
static size_t
ls_pending(const struct ls *ls)
{
	size_t i, n = 0;

	for (i = 0; i < ls->njobs; i++)
		if (ls->jobs[i].kind != J_CRL || ls->jobs[i].inflight ||
		    ls->jobs[i].fails > 0)
			n++;
	return n;
}

static int
ls_init(struct ls *ls, const struct worker_conf *c, struct fe_err *err)
{
	memset(ls, 0, sizeof(*ls));
	ls->c = c;
	return webdb_open(c->db_path, &ls->db, err);
}

static void
ls_free(struct ls *ls)
{
	while (ls->njobs > 0)
		job_drop(ls, &ls->jobs[ls->njobs - 1]);
	free(ls->jobs);
	sset_free(&ls->sent);
	sclient_close(ls->sc);
	webdb_close(ls->db);
	memset(ls, 0, sizeof(*ls));
}

/* One turn: open the line if it is closed, look for work when due (or
 * told to), run the link for up to timeout_ms and store what came. */
static void
ls_step(struct ls *ls, int timeout_ms, bool look)
{
	struct sclient_result res;
	struct fe_err err;
	int64_t now = link_now_ms();
	int r, got = 0;

	if (ls->sc == NULL) {
		if (now < ls->next_open_ms) {
			(void)poll(NULL, 0, timeout_ms);
			return;
		}
		if (sclient_open(&ls->c->link, &ls->sc, &err) != 0) {
			ls_problem(ls, &err);
			ls->next_open_ms = now + 1000;
			return;
		}
		/* a new client has nothing in flight */
		for (size_t i = 0; i < ls->njobs; i++)
			if (ls->jobs[i].inflight) {
				ls->jobs[i].inflight = false;
				ls->jobs[i].retry_ms = 0;
			}
		ls->ninflight = 0;
		look = true;
	}
	if (look || now >= ls->next_scan_ms) {
		bool crls = look || now >= ls->next_crl_scan_ms;

		scan_all(ls, crls);
		ls->next_scan_ms = now + SCAN_EVERY_MS;
		if (crls)
			ls->next_crl_scan_ms = now + CRL_SCAN_EVERY_MS;
	}
	for (;;) {
		r = sclient_poll(ls->sc, got ? 0 : timeout_ms, &res, &err);
		if (r < 0) {
			ls_problem(ls, &err);
			break;
		}
		if (r == 0)
			break;
		handle_result(ls, &res);
		sclient_result_clear(&res);
		got++;
	}
	/* room again after a full scan: fill it now */
	if (got > 0 && ls->full && ls->ninflight < INFLIGHT_MAX / 2)
		ls->next_scan_ms = 0;
}

/* ------------------------------------------------------------------ */
/* The HTTP side: bundles to fe-status, its delegated-key requests */

struct hs {
	const struct worker_conf *c;
	sqlite3 *db;
	uint8_t **ca;             /* DER of the certificates of ca_certs */
	size_t *calen, nca;
	const atomic_int *stop;   /* NULL: never */
	void (*changed)(void *);  /* new delegated rows */
	void *arg;
	struct fe_err last;
	bool had_error;
};

static void
hs_problem(struct hs *hs, const struct fe_err *e)
{
	hs->last = *e;
	hs->had_error = true;
}

static size_t
http_write(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) == 0 ? size * n : 0;
}

static int
http_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	const atomic_int *stop = arg;

	(void)a; (void)b; (void)c; (void)d;
	return stop != NULL && atomic_load(stop) ? 1 : 0;
}

/* GET (post NULL) or POST a PEM body; the answer into out (max bytes). */
static int
http_do(struct hs *hs, const char *base, const char *path,
    const struct buf *post, long *code, struct buf *out, struct fe_err *err)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf url;
	CURLcode cc;
	int rc = 0;

	if (h == NULL)
		fe_fatal("curl_easy_init failed");
	buf_init(&url, 4096);
	if (buf_printf(&url, "%s%s%s", base, base[0] != '\0' &&
	    base[strlen(base) - 1] == '/' ? "" : "/", path) != 0 ||
	    buf_cstr(&url) != 0) {
		rc = fe_err_set(err, "%s: URL too long", base);
		goto out;
	}
	curl_easy_setopt(h, CURLOPT_URL, (char *)url.p);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, http_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)hs->stop);
	if (post != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: "
		    "application/x-pem-file");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post->p ?
		    (const char *)post->p : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)post->len);
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		rc = fe_err_code(err, FE_EIO, "%s %s: %s", post ? "POST" :
		    "GET", (char *)url.p, errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	buf_free(&url);
	return rc;
}

static void
pem_add(struct buf *b, const char *type, const uint8_t *der, size_t len)
{
	unsigned char line[65];
	size_t i;

	(void)buf_printf(b, "-----BEGIN %s-----\n", type);
	for (i = 0; i < len; i += 48) {
		int n = EVP_EncodeBlock(line, der + i,
		    (int)(len - i < 48 ? len - i : 48));

		(void)buf_add(b, line, (size_t)n);
		(void)buf_add(b, "\n", 1);
	}
	(void)buf_printf(b, "-----END %s-----\n", type);
}

/* A CRL whose nextUpdate passes within CRL_FRESH_S is refused by
 * fe-status (bundle.c, crl_not_stale); leave it out. */
static bool
crl_fresh(const uint8_t *der, size_t len, int64_t now)
{
	const unsigned char *q = der;
	X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)len);
	int64_t nu;
	bool ok;

	ok = c != NULL && X509_CRL_get0_nextUpdate(c) != NULL &&
	    asn1_time_secs(X509_CRL_get0_nextUpdate(c), &nu) == 0 &&
	    nu > now + CRL_FRESH_S;
	X509_CRL_free(c);
	return ok;
}

static int
exec1(sqlite3 *db, const char *sql, const char *t1, int64_t i2, int64_t i3,
    const char *t4, struct fe_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = webdb_prepare(db, sql, &st, err)) != 0)
		return rc;
	if (t1 != NULL)
		sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, i2);
	sqlite3_bind_int64(st, 3, i3);
	if (t4 != NULL)
		sqlite3_bind_text(st, 4, t4, -1, SQLITE_STATIC);
	rc = step_done(st, db, "updating push progress", err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Push what server is owed: 0 when nothing is owed (or it is not due),
 * 1 when a bundle was accepted (call again: there may be more), <0 when
 * the push failed (retried after push_retry_s).  *next_due: when the
 * server is due again, if it failed.
 */
static int
push_server(struct hs *hs, const char *server, bool ignore_due,
    int64_t *next_due)
{
	sqlite3 *db = hs->db;
	sqlite3_stmt *st = NULL;
	struct fe_err err;
	struct buf bundle, ans;
	int64_t now = fe_now_sec(), done = 0, due = 0, max = 0, upto;
	size_t ncert = 0, ncrl = 0, i;
	long code = 0;
	int rc, r, tries = 0;

	buf_init(&bundle, BUNDLE_CAP + (4u << 20));
	buf_init(&ans, 64 * 1024);
	if ((rc = exec1(db, "INSERT OR IGNORE INTO push (server, due) "
	    "VALUES (?1, ?2)", server, 0, 0, NULL, &err)) != 0)
		goto fail;
	if ((rc = webdb_prepare(db, "SELECT done_seq, due, tries, "
	    "(SELECT coalesce(max(seq), 0) FROM push_item) FROM push "
	    "WHERE server = ?", &st, &err)) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, server, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		done = sqlite3_column_int64(st, 0);
		due = sqlite3_column_int64(st, 1);
		tries = sqlite3_column_int(st, 2);
		max = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW) {
		rc = webdb_err(db, "reading push progress", &err);
		goto fail;
	}
	if (done >= max) {
		rc = 0;
		goto out;
	}
	if (!ignore_due && due > now) {
		*next_due = due;
		rc = 0;
		goto out;
	}
	for (i = 0; i < hs->nca; i++)
		pem_add(&bundle, "CERTIFICATE", hs->ca[i], hs->calen[i]);
	/* the certificates since the last accepted bundle, in order */
	upto = done;
	if ((rc = webdb_prepare(db, "SELECT p.seq, coalesce(r.cert, d.cert) "
	    "FROM push_item p LEFT JOIN request r ON r.id = p.request "
	    "LEFT JOIN delegated d ON d.server = p.dserver AND "
	    "d.rid = p.drid WHERE p.seq > ? ORDER BY p.seq", &st, &err)) != 0)
		goto fail;
	sqlite3_bind_int64(st, 1, done);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *der = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);

		if (bundle.len >= BUNDLE_CAP || ncert >= BUNDLE_ITEMS_CAP)
			break;
		upto = sqlite3_column_int64(st, 0);
		if (der == NULL || len == 0)
			continue;       /* a CRL marker */
		pem_add(&bundle, "CERTIFICATE", der, len);
		ncert++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = webdb_err(db, "reading certificates to push", &err);
		goto fail;
	}
	/* and the latest CRLs of every issuer, when still fresh */
	if ((rc = webdb_prepare(db, "SELECT der FROM crl ORDER BY issuer, "
	    "part", &st, &err)) != 0)
		goto fail;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *der = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);

		if (der == NULL || !crl_fresh(der, len, now))
			continue;
		pem_add(&bundle, "X509 CRL", der, len);
		ncrl++;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		rc = webdb_err(db, "reading CRLs to push", &err);
		goto fail;
	}
	if (bundle.len > BUNDLE_CAP + (3u << 20)) {
		rc = fe_err_set(&err, "%s: the CRLs alone make a bundle over "
		    "%u bytes", server, BUNDLE_CAP);
		goto fail;
	}
	if (ncert + ncrl > 0) {
		if ((rc = http_do(hs, server, "bundle", &bundle, &code, &ans,
		    &err)) != 0)
			goto fail;
		(void)buf_cstr(&ans);
		if (code != 200) {
			const char *msg = ans.p ? (const char *)ans.p : "";

			rc = fe_err_code(&err, FE_EPOLICY, "%s: bundle of %zu "
			    "certificates and %zu CRLs %s (HTTP %ld): %.300s",
			    server, ncert, ncrl, code >= 400 && code < 500 ?
			    "refused" : "not accepted", code, msg);
			if (code >= 400 && code < 500)
				(void)wlog(hs->c, "push.refused", &err,
				    "server=%s certs=%zu crls=%zu http=%ld "
				    "message=%.2000s", server, ncert, ncrl,
				    code, msg);
			goto fail;
		}
	}
	if ((rc = exec1(db, "UPDATE push SET done_seq = ?2, due = ?3, "
	    "tries = 0, last_error = NULL WHERE server = ?1", server, upto, 0,
	    NULL, &err)) != 0)
		goto fail;
	if (ncert + ncrl > 0)
		(void)wlog(hs->c, "push.done", &err, "server=%s certs=%zu "
		    "crls=%zu seq=%lld", server, ncert, ncrl, (long long)upto);
	rc = 1;
	goto out;
fail:
	hs_problem(hs, &err);
	{
		unsigned retry = hs->c->push_retry_s ? hs->c->push_retry_s : 30;
		struct fe_err e2;

		if (tries == 0 && code == 0)
			(void)wlog(hs->c, "push.failed", &e2, "server=%s %s "
			    "(will retry)", server, err.msg);
		*next_due = now + retry;
		(void)exec1(db, "UPDATE push SET due = ?2, tries = tries + 1, "
		    "last_error = ?4 WHERE server = ?1", server, *next_due, 0,
		    err.msg, &e2);
	}
	rc = rc < 0 ? rc : FE_EIO;
out:
	buf_free(&bundle);
	buf_free(&ans);
	return rc;
}

/* fe-status's request ids are its own: [A-Za-z0-9._:-]{1,64}. */
static bool
rid_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > REQ_ID_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == ':' || s[i] == '-'))
			return false;
	return true;
}

static int
fetch_delegated(struct hs *hs, const char *server, const char *rid,
    struct fe_err *err)
{
	struct sign_request *req = NULL;
	struct buf path, body;
	sqlite3_stmt *st = NULL;
	long code = 0;
	int rc, r, added = 0;

	if ((rc = webdb_prepare(hs->db, "SELECT 1 FROM delegated WHERE "
	    "server = ? AND rid = ?", &st, err)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, server, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rid, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW)
		return 0;                /* known */
	if (r != SQLITE_DONE)
		return webdb_err(hs->db, "reading delegated requests", err);
	buf_init(&path, 256);
	buf_init(&body, REQ_MAX_BYTES);
	(void)buf_printf(&path, "requests/%s", rid);
	(void)buf_cstr(&path);
	if ((rc = http_do(hs, server, (char *)path.p, NULL, &code, &body,
	    err)) != 0)
		goto out;
	if (code != 200) {
		rc = fe_err_code(err, FE_EIO, "%s: GET requests/%s: HTTP %ld",
		    server, rid, code);
		goto out;
	}
	/* The body's own id line (fe-status's name and this rid) is what
	 * the signer keys on; a body that does not parse is never stored,
	 * and is asked for again at the next poll. */
	if ((rc = request_parse(body.p, body.len, &req, err)) != 0) {
		fe_err_prefix(err, "%s: request %s", server, rid);
		goto out;
	}
	if ((rc = webdb_begin(hs->db, err)) != 0)
		goto out;
	if ((rc = webdb_prepare(hs->db, "INSERT OR IGNORE INTO delegated "
	    "(server, rid, body, state, created) VALUES (?, ?, ?, 'queued', "
	    "?)", &st, err)) == 0) {
		sqlite3_bind_text(st, 1, server, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rid, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, body.p, (int)body.len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, fe_now_sec());
		rc = step_done(st, hs->db, "storing a delegated request", err);
		added = sqlite3_changes(hs->db);
		sqlite3_finalize(st);
	}
	/* its issuer's CRLs go to fe-status too */
	if (rc == 0 && req->issuer[0] != '\0' && (rc = webdb_prepare(hs->db,
	    "INSERT OR IGNORE INTO crl_wanted (issuer) VALUES (?)", &st,
	    err)) == 0) {
		sqlite3_bind_text(st, 1, req->issuer, -1, SQLITE_STATIC);
		rc = step_done(st, hs->db, "storing a wanted CRL", err);
		sqlite3_finalize(st);
	}
	if (rc == 0 && added > 0)
		rc = wlog(hs->c, "delegated.queued", err, "server=%s rid=%s "
		    "id=%s profile=%s issuer=%s", server, rid, req->id,
		    req->profile, req->issuer[0] ? req->issuer : "-");
	if (rc == 0)
		rc = webdb_commit(hs->db, err);
	else
		webdb_rollback(hs->db);
	if (rc == 0)
		rc = 1;
out:
	request_free(req);
	buf_free(&path);
	buf_free(&body);
	return rc;
}

/* GET ADMIN/requests, and each request not yet stored.  The number of
 * new rows, or <0. */
static int
poll_server(struct hs *hs, const char *server)
{
	struct fe_err err;
	struct buf list;
	long code = 0;
	size_t i, start;
	int rc, added = 0;

	buf_init(&list, LIST_MAX);
	if ((rc = http_do(hs, server, "requests", NULL, &code, &list,
	    &err)) != 0)
		goto fail;
	if (code != 200) {
		rc = fe_err_code(&err, FE_EIO, "%s: GET requests: HTTP %ld",
		    server, code);
		goto fail;
	}
	for (start = 0, i = 0; i <= list.len; i++) {
		char rid[REQ_ID_MAX + 1];
		size_t n;

		if (i < list.len && list.p[i] != '\n')
			continue;
		n = i - start;
		if (n > 0 && list.p[start + n - 1] == '\r')
			n--;
		if (n > 0 && rid_ok((char *)list.p + start, n)) {
			memcpy(rid, list.p + start, n);
			rid[n] = '\0';
			if ((rc = fetch_delegated(hs, server, rid, &err)) < 0)
				hs_problem(hs, &err);
			else
				added += rc;
		} else if (n > 0) {
			fe_err_set(&err, "%s: GET requests: line '%.*s' is not "
			    "a request id", server, (int)(n > 80 ? 80 : n),
			    (char *)list.p + start);
			hs_problem(hs, &err);
		}
		start = i + 1;
	}
	buf_free(&list);
	return added;
fail:
	hs_problem(hs, &err);
	buf_free(&list);
	return rc;
}

static int
hs_init(struct hs *hs, const struct worker_conf *c, const atomic_int *stop,
    struct fe_err *err)
{
	int rc;

	memset(hs, 0, sizeof(*hs));
	hs->c = c;
	hs->stop = stop;
	if (c->ca_certs != NULL) {
		uint8_t *p = NULL;
		size_t len;
		BIO *bio;
		X509 *x;

		if ((rc = fe_read_file(c->ca_certs, CA_CERTS_MAX, &p, &len,
		    err)) != 0)
			return rc;
		bio = BIO_new_mem_buf(p, (int)len);
		if (bio == NULL)
			fe_fatal("BIO_new_mem_buf failed");
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			int n = i2d_X509(x, NULL);
			unsigned char *q;

			if (n <= 0)
				fe_fatal("i2d_X509 failed");
			hs->ca = fe_realloc(hs->ca, (hs->nca + 1) *
			    sizeof(*hs->ca));
			hs->calen = fe_realloc(hs->calen, (hs->nca + 1) *
			    sizeof(*hs->calen));
			hs->ca[hs->nca] = q = fe_malloc((size_t)n);
			hs->calen[hs->nca++] = (size_t)i2d_X509(x, &q);
			X509_free(x);
		}
		ERR_clear_error();
		BIO_free(bio);
		free(p);
		if (hs->nca == 0)
			return fe_err_set(err, "%s: no PEM certificate",
			    c->ca_certs);
	}
	return webdb_open(c->db_path, &hs->db, err);
}

static void
hs_free(struct hs *hs)
{
	size_t i;

	for (i = 0; i < hs->nca; i++)
		free(hs->ca[i]);
	free(hs->ca);
	free(hs->calen);
	webdb_close(hs->db);
	memset(hs, 0, sizeof(*hs));
}

static size_t
nservers(const struct worker_conf *c)
{
	size_t n = 0;

	while (c->status_admin != NULL && c->status_admin[n] != NULL)
		n++;
	return n;
}

/* Push to every server until nothing is owed or it failed; *next_due the
 * earliest retry.  The number of servers that failed. */
static int
push_all(struct hs *hs, bool ignore_due, int64_t *next_due)
{
	size_t i, n = nservers(hs->c);
	int failed = 0, r;

	*next_due = INT64_MAX;
	for (i = 0; i < n; i++) {
		int64_t nd = INT64_MAX;

		while ((r = push_server(hs, hs->c->status_admin[i], ignore_due,
		    &nd)) == 1 && !(hs->stop && atomic_load(hs->stop)))
			;
		if (r < 0)
			failed++;
		if (nd < *next_due)
			*next_due = nd;
	}
	return failed;
}

static int
poll_all(struct hs *hs)
{
	size_t i, n = nservers(hs->c);
	int added = 0, r;

	for (i = 0; i < n; i++)
		if ((r = poll_server(hs, hs->c->status_admin[i])) > 0)
			added += r;
	if (added > 0 && hs->changed != NULL)
		hs->changed(hs->arg);
	return added;
}

/* ------------------------------------------------------------------ */
/* Threads */

struct worker {
	struct worker_conf c;
	const char **servers;     /* copies of c.status_admin */
	char *db_path, *ca_certs;
	pthread_t link_thr, http_thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int stop;
	int kicked;               /* link thread: look now (under mu) */
	int pushed;               /* HTTP thread: push now (under mu) */
	struct ls ls;             /* the link thread's, made by worker_start */
	struct hs hs;             /* the HTTP thread's, made by worker_start */
};

static void
kick_http(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	w->pushed = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void *
link_main(void *arg)
{
	struct worker *w = arg;
	struct ls *lsp = &w->ls;
#define ls (*lsp)

	ls.changed = kick_http;
	ls.arg = w;
	while (!atomic_load(&w->stop)) {
		bool look;

		pthread_mutex_lock(&w->mu);
		look = w->kicked != 0;
		w->kicked = 0;
		pthread_mutex_unlock(&w->mu);
		ls_step(&ls, 50, look);
	}
	ls_free(&ls);
	return NULL;
#undef ls
}

static void
kick_link(void *arg)
{
	worker_kick(arg);
}

static void *
http_main(void *arg)
{
	struct worker *w = arg;
	unsigned poll_s = w->c.status_poll_s ? w->c.status_poll_s : 60;
	int64_t next_poll = 0, next_due = 0;
	struct hs *hsp = &w->hs;
#define hs (*hsp)

	hs.changed = kick_link;
	hs.arg = w;
	while (!atomic_load(&w->stop)) {
		int64_t now = fe_now_sec(), wake;
		struct timespec ts;

		if (now >= next_poll) {
			(void)poll_all(&hs);
			next_poll = now + poll_s;
		}
		(void)push_all(&hs, false, &next_due);
		wake = next_poll < next_due ? next_poll : next_due;
		pthread_mutex_lock(&w->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wake - fe_now_sec() > 0 ? (time_t)(wake -
		    fe_now_sec()) : 0;
		if (ts.tv_sec - (time_t)fe_now_sec() > 3600)
			ts.tv_sec = (time_t)fe_now_sec() + 3600;
		while (!w->pushed && !atomic_load(&w->stop) &&
		    pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
			;
		if (w->pushed) {
			/* gather what the next results bring into one bundle
			 * (each bundle makes fe-status rebuild its cache) */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += PUSH_GATHER_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			while (!atomic_load(&w->stop) &&
			    pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0)
				;
		}
		w->pushed = 0;
		pthread_mutex_unlock(&w->mu);
	}
	hs_free(&hs);
	return NULL;
#undef hs
}

static void
worker_free(struct worker *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; w->servers != NULL && w->servers[i] != NULL; i++)
		free((char *)w->servers[i]);
	free(w->servers);
	free(w->db_path);
	free(w->ca_certs);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	OPENSSL_cleanse(&w->c.link.key, sizeof(w->c.link.key));
	free(w);
}

int
worker_start(const struct worker_conf *c, struct worker **out,
    struct fe_err *err)
{
	struct worker *w = fe_calloc(1, sizeof(*w));
	size_t i, n = nservers(c);
	sqlite3 *db;
	int rc;

	/* the schema is made (or migrated) here, before any thread runs */
	if ((rc = webdb_open(c->db_path, &db, err)) != 0) {
		free(w);
		return rc;
	}
	webdb_close(db);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(w);
		return fe_err_set(err, "curl_global_init failed");
	}
	w->c = *c;
	w->db_path = fe_strdup(c->db_path);
	w->c.db_path = w->db_path;
	if (c->ca_certs != NULL) {
		w->ca_certs = fe_strdup(c->ca_certs);
		w->c.ca_certs = w->ca_certs;
	}
	w->servers = fe_calloc(n + 1, sizeof(*w->servers));
	for (i = 0; i < n; i++)
		w->servers[i] = fe_strdup(c->status_admin[i]);
	w->c.status_admin = w->servers;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	atomic_init(&w->stop, 0);
	/* Open the line and the HTTP side here, so that a missing device,
	 * key or ca_certs stops fe-web at start instead of leaving a thread
	 * that never works. */
	if ((rc = ls_init(&w->ls, &w->c, err)) != 0) {
		worker_free(w);
		curl_global_cleanup();
		return rc;
	}
	if ((rc = hs_init(&w->hs, &w->c, &w->stop, err)) != 0) {
		ls_free(&w->ls);
		worker_free(w);
		curl_global_cleanup();
		return rc;
	}
	if (pthread_create(&w->link_thr, NULL, link_main, w) != 0) {
		ls_free(&w->ls);
		hs_free(&w->hs);
		worker_free(w);
		curl_global_cleanup();
		return fe_err_sys(err, "cannot start the worker's link thread");
	}
	if (pthread_create(&w->http_thr, NULL, http_main, w) != 0) {
		atomic_store(&w->stop, 1);
		pthread_join(w->link_thr, NULL);
		hs_free(&w->hs);
		worker_free(w);
		curl_global_cleanup();
		return fe_err_sys(err, "cannot start the worker's HTTP thread");
	}
	*out = w;
	return 0;
}

void
worker_kick(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->kicked = 1;
	pthread_mutex_unlock(&w->mu);
}

void
worker_stop(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	atomic_store(&w->stop, 1);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->link_thr, NULL);
	pthread_join(w->http_thr, NULL);
	worker_free(w);
	curl_global_cleanup();
}

/* ------------------------------------------------------------------ */
/* One pass */

int
worker_run_once(const struct worker_conf *c, int timeout_ms,
    struct fe_err *err)
{
	int64_t end = link_now_ms() + timeout_ms, nd;
	struct ls ls;
	struct hs hs;
	bool first = true;
	int rc, failed;

	if ((rc = ls_init(&ls, c, err)) != 0)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ls_free(&ls);
		return fe_err_set(err, "curl_global_init failed");
	}
	if ((rc = hs_init(&hs, c, NULL, err)) != 0) {
		hs_free(&hs);
		ls_free(&ls);
		curl_global_cleanup();
		return rc;
	}
	(void)poll_all(&hs);
	/* the link until nothing is queued, or the time is up */
	while (link_now_ms() < end) {
		ls_step(&ls, 50, first);
		first = false;
		if (ls.sc != NULL && ls_pending(&ls) == 0) {
			scan_all(&ls, true);
			if (ls_pending(&ls) == 0)
				break;
		}
	}
	if (ls_pending(&ls) > 0) {
		rc = fe_err_code(err, FE_EBUSY, "%zu messages to the signer "
		    "still unanswered after %d ms%s%s", ls_pending(&ls),
		    timeout_ms, ls.had_error ? "; last problem: " : "",
		    ls.had_error ? ls.last.msg : "");
	}
	failed = push_all(&hs, true, &nd);
	if (rc == 0 && failed > 0)
		rc = fe_err_code(err, FE_EBUSY, "%d status server%s not "
		    "reached: %s", failed, failed == 1 ? "" : "s",
		    hs.last.msg);
	hs_free(&hs);
	ls_free(&ls);
	curl_global_cleanup();
	return rc;
}
