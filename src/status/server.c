/*
 * server.c - fe-status: the state (status store, delegated keys, log), the
 * response cache and the HTTP server.
 *
 * Answers come from a cache of pre-signed OCSP responses, one per stored
 * certificate and CertID hash, each with its HTTP response (headers
 * included) built once, so the hot path is: parse the request, find the
 * issuer and the serial, queue the prepared response.  The cache is rebuilt
 * whenever the status store changes (a bundle here, or another process's
 * commit seen through PRAGMA data_version), when a responder certificate
 * it used expires, and every REFRESH_SECS (so that Cache-Control max-age
 * never promises more than nextUpdate); signatures
 * whose inputs did not change are reused.  A request with a nonce, or for a
 * serial not in the cache, is answered by looking it up and signing on the
 * spot.
 *
 * What is said rests only on what the signer signed: a response's
 * thisUpdate and nextUpdate are those of the issuer's newest CRL, and past
 * that nextUpdate the answer is tryLater, never a stale "good".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/conf.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "pki/ocsp.h"
#include "pki/tsa.h"
#include "pki/x509ext.h"
#include "status/bundle.h"
#include "status/server.h"
#include "store/statusdb.h"

/* The cache is rebuilt when the store changes and every REFRESH_SECS (for
 * Cache-Control max-age, which is set to end REFRESH_SECS before
 * nextUpdate); rarely, since a rebuild of many responses takes a core for
 * a moment.  Alarms and renewals are checked every CHECK_SECS. */
#define REFRESH_SECS 900
#define CHECK_SECS 60
#define MAX_POST (64u << 20)     /* admin: a bundle */
#define HTTP_DATE 64

/*
 * Answer counters, for GET /stats on the admin address: what was served,
 * and every error.  Each serving thread counts in a slot of its own
 * (relaxed atomic adds on its own cache line, nothing shared on the hot
 * path); a reader sums the slots.  Threads past STAT_SLOTS share the last
 * slot, whose adds stay exact because they are atomic.
 */
enum stat_kind {
	ST_OCSP_CACHED,        /* pre-signed response */
	ST_OCSP_SIGNED,        /* signed on the spot: a nonce, or not cached */
	ST_OCSP_NONCE_IGNORED, /* a nonce past nonce_rate: pre-signed instead */
	ST_OCSP_MALFORMED,
	ST_OCSP_UNAUTHORIZED,
	ST_OCSP_TRYLATER,
	ST_OCSP_INTERNAL,
	ST_CRL,                /* a CRL or the CRL list */
	ST_TSA_GRANTED,
	ST_TSA_REJECTED,
	ST_HTTP_ERROR,         /* an HTTP status of 400 or more */
	ST__MAX
};

static const char *const stat_names[ST__MAX] = {
	"ocsp.cached", "ocsp.signed", "ocsp.nonce-ignored", "ocsp.malformed",
	"ocsp.unauthorized",
	"ocsp.trylater", "ocsp.internal", "crl", "tsa.granted",
	"tsa.rejected", "http.error",
};

#define STAT_SLOTS 64

struct stat_slot {
	_Alignas(64) _Atomic uint64_t n[ST__MAX];
};

static struct stat_slot stat_slots[STAT_SLOTS];
static _Atomic unsigned stat_next;
static _Thread_local struct stat_slot *stat_mine;

static void
stat_add(enum stat_kind k)
{
	if (stat_mine == NULL) {
		unsigned i = atomic_fetch_add(&stat_next, 1);

		stat_mine = &stat_slots[i < STAT_SLOTS ? i : STAT_SLOTS - 1];
	}
	atomic_fetch_add_explicit(&stat_mine->n[k], 1, memory_order_relaxed);
}

static uint64_t
stat_sum(enum stat_kind k)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < STAT_SLOTS; i++)
		t += atomic_load_explicit(&stat_slots[i].n[k],
		    memory_order_relaxed);
	return t;
}

static void
stat_ocsp_error(int st)
{
	switch (st) {
	case OCSP_ST_MALFORMED:
		stat_add(ST_OCSP_MALFORMED);
		break;
	case OCSP_ST_UNAUTHORIZED:
		stat_add(ST_OCSP_UNAUTHORIZED);
		break;
	case OCSP_ST_TRYLATER:
		stat_add(ST_OCSP_TRYLATER);
		break;
	default:
		stat_add(ST_OCSP_INTERNAL);
		break;
	}
}

/* ------------------------------------------------------------ the cache */

struct centry {
	uint8_t serial[OCSP_SERIAL_MAX];
	uint8_t slen;
	uint8_t used;
	uint8_t status;
	int reason;
	int64_t revoked_at;
	uint8_t *der[OCSP_HASH__MAX];
	size_t len[OCSP_HASH__MAX];
	struct MHD_Response *resp[OCSP_HASH__MAX];
};

struct ctab {
	X509 *issuer;                    /* up-ref'd */
	struct ocsp_certid id[OCSP_HASH__MAX];   /* name and key hashes */
	X509 *rcert;                     /* delegated responder, or NULL */
	EVP_PKEY *rkey;
	bool has_crl;
	int64_t this_update, next_update;
	struct centry *e;
	size_t cap;                      /* power of two */
};

/* A CRL served at the path of its URL. */
struct crlent {
	char path[STATUSDB_URL_MAX];
	struct MHD_Response *resp;
	uint8_t *der;                    /* for the Redis tier */
	size_t len;
	int64_t this_update, next_update;
};

struct cache {
	struct ctab t[STATUSDB_MAX_ISSUERS];
	size_t n;
	int64_t until;                   /* first responder notAfter */
	struct crlent *crl;
	size_t ncrl;
	struct MHD_Response *crl_list;   /* the CCADB JSON array */
	char *crl_json;
};

struct srv;

struct status {
	const struct status_conf *c;
	struct statusdb *db;
	pthread_mutex_t dblock;          /* db, delegates */
	pthread_mutex_t loglock;
	pthread_mutex_t refreshlock;     /* one rebuild at a time */
	struct clog *log;
	struct delegate ocsp[STATUS_MAX_ISSUERS];
	struct delegate tsa;
	int64_t data_version;
	pthread_rwlock_t cachelock;
	struct cache *cache;
	volatile int dirty;
	struct srv *pub, *adm;
	/* A nonce costs a signature; at most nonce_rate a second are echoed
	 * (a bucket of one second's worth), the rest get the pre-signed
	 * response, as RFC 5019 and RFC 8954 let a responder answer. */
	pthread_mutex_t noncelock;
	double nonce_tokens;
	int64_t nonce_ms;                /* when the bucket was last filled */
};

/* Whether a nonce may be echoed (signed on the spot) now. */
static bool
nonce_take(struct status *s)
{
	double rate = (double)s->c->nonce_rate;
	struct timespec ts;
	int64_t now;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_lock(&s->noncelock);
	s->nonce_tokens += (double)(now - s->nonce_ms) * rate / 1000.0;
	if (s->nonce_tokens > rate)
		s->nonce_tokens = rate;
	s->nonce_ms = now;
	ok = s->nonce_tokens >= 1.0;
	if (ok)
		s->nonce_tokens -= 1.0;
	pthread_mutex_unlock(&s->noncelock);
	return ok;
}

static uint64_t
serial_hash(const uint8_t *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static struct centry *
ctab_find(const struct ctab *t, const uint8_t *serial, size_t n)
{
	size_t i, mask;

	if (t->cap == 0)
		return NULL;
	mask = t->cap - 1;
	for (i = serial_hash(serial, n) & mask; t->e[i].used;
	    i = (i + 1) & mask)
		if (t->e[i].slen == n && memcmp(t->e[i].serial, serial, n) == 0)
			return &t->e[i];
	return NULL;
}

static struct centry *
ctab_slot(struct ctab *t, const uint8_t *serial, size_t n)
{
	size_t i, mask = t->cap - 1;

	for (i = serial_hash(serial, n) & mask; t->e[i].used;
	    i = (i + 1) & mask)
		if (t->e[i].slen == n && memcmp(t->e[i].serial, serial, n) == 0)
			return &t->e[i];
	return &t->e[i];
}

static void
cache_free(struct cache *c)
{
	size_t i, j;
	int h;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		struct ctab *t = &c->t[i];

		for (j = 0; j < t->cap; j++)
			for (h = 0; h < OCSP_HASH__MAX; h++) {
				if (t->e[j].resp[h] != NULL)
					MHD_destroy_response(t->e[j].resp[h]);
				OPENSSL_free(t->e[j].der[h]);
			}
		free(t->e);
		X509_free(t->issuer);
		X509_free(t->rcert);
		EVP_PKEY_free(t->rkey);
	}
	for (i = 0; i < c->ncrl; i++) {
		if (c->crl[i].resp != NULL)
			MHD_destroy_response(c->crl[i].resp);
		free(c->crl[i].der);
	}
	free(c->crl);
	if (c->crl_list != NULL)
		MHD_destroy_response(c->crl_list);
	free(c->crl_json);
	free(c);
}

static void
http_date(int64_t t, char out[HTTP_DATE])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, HTTP_DATE, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/*
 * An HTTP response for cacheable bytes (RFC 5019 6.2): ETag the SHA-256 of
 * the body, Last-Modified thisUpdate, Expires nextUpdate, and a max-age that
 * ends before nextUpdate even if this response is served for another
 * REFRESH_SECS before it is rebuilt.
 */
static struct MHD_Response *
cacheable(const uint8_t *der, size_t len, const char *type, int64_t tu,
    int64_t nu, int64_t now)
{
	struct MHD_Response *r;
	uint8_t md[32];
	char etag[2 * 32 + 3], lm[HTTP_DATE], ex[HTTP_DATE], cc[128];
	int64_t age = nu - now - REFRESH_SECS;

	r = MHD_create_response_from_buffer(len, (void *)der,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return NULL;
	(void)EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL);
	etag[0] = '"';
	hex_encode(md, sizeof(md), etag + 1);
	etag[65] = '"';
	etag[66] = '\0';
	http_date(tu, lm);
	http_date(nu, ex);
	if (age < 0)
		age = 0;
	fe_snprintf(cc, sizeof(cc), "max-age=%lld, public, no-transform, "
	    "must-revalidate", (long long)age);
	if (MHD_add_response_header(r, "Content-Type", type) != MHD_YES ||
	    MHD_add_response_header(r, "ETag", etag) != MHD_YES ||
	    MHD_add_response_header(r, "Last-Modified", lm) != MHD_YES ||
	    MHD_add_response_header(r, "Expires", ex) != MHD_YES ||
	    MHD_add_response_header(r, "Cache-Control", cc) != MHD_YES) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

struct build_arg {
	struct status *s;
	struct cache *c, *old;
	int64_t now;
	size_t signed_n, reused_n;
	struct fe_err *err;
};

static int
build_entry(size_t ii, const uint8_t *serial, size_t slen, void *arg)
{
	struct build_arg *a = arg;
	struct ctab *t = &a->c->t[ii], *ot = NULL;
	struct statusdb_answer ans;
	struct ocsp_single one;
	struct centry *e, *oe = NULL;
	int h, rc;

	if (ii >= a->c->n || t->rcert == NULL || !t->has_crl)
		return 0;
	if (a->old != NULL && ii < a->old->n &&
	    X509_cmp(a->old->t[ii].issuer, t->issuer) == 0)
		ot = &a->old->t[ii];
	memset(&one, 0, sizeof(one));
	if ((rc = ocsp_certid_from_issuer(t->issuer, OCSP_HASH_SHA1, serial,
	    slen, &one.id, a->err)) != 0 ||
	    (rc = statusdb_status(a->s->db, &one.id, &ans, a->err)) != 0)
		return rc;
	e = ctab_slot(t, serial, slen);
	e->used = 1;
	memcpy(e->serial, serial, slen);
	e->slen = (uint8_t)slen;
	e->status = (uint8_t)ans.status;
	e->reason = ans.reason;
	e->revoked_at = ans.revoked_at;
	if (ot != NULL && ot->rcert != NULL &&
	    X509_cmp(ot->rcert, t->rcert) == 0 &&
	    ot->this_update == t->this_update &&
	    ot->next_update == t->next_update)
		oe = ctab_find(ot, serial, slen);
	if (oe != NULL && (oe->status != e->status ||
	    oe->revoked_at != e->revoked_at || oe->reason != e->reason))
		oe = NULL;
	for (h = 0; h < OCSP_HASH__MAX; h++) {
		if (oe != NULL && oe->der[h] != NULL) {
			/* same inputs: keep the signed bytes */
			e->der[h] = OPENSSL_memdup(oe->der[h], oe->len[h]);
			e->len[h] = oe->len[h];
			a->reused_n++;
		} else {
			one.status = ans.status;
			one.revoked_at = ans.revoked_at;
			one.reason = ans.reason;
			one.this_update = t->this_update;
			one.next_update = t->next_update;
			if ((rc = ocsp_certid_from_issuer(t->issuer, h, serial,
			    slen, &one.id, a->err)) != 0 ||
			    (rc = ocsp_resp_build(&one, t->issuer, t->rcert,
			    t->rkey, NULL, 0, &e->der[h], &e->len[h],
			    a->err)) != 0)
				return rc;
			a->signed_n++;
		}
		if (e->der[h] == NULL ||
		    (e->resp[h] = cacheable(e->der[h], e->len[h],
		    "application/ocsp-response", t->this_update,
		    t->next_update, a->now)) == NULL)
			return fe_err_set(a->err, "out of memory building the "
			    "response cache");
	}
	return 0;
}

static int
count_cert(size_t ii, const uint8_t *serial, size_t slen, void *arg)
{
	size_t *counts = arg;

	(void)serial;
	(void)slen;
	if (ii < STATUSDB_MAX_ISSUERS)
		counts[ii]++;
	return 0;
}

/* The delegated responder for issuer x, if this server has one. */
static const struct delegate *
responder_for(struct status *s, X509 *x)
{
	size_t i;

	/* an expired responder certificate signs nothing more */
	for (i = 0; i < s->c->niss; i++)
		if (s->ocsp[i].cert != NULL &&
		    s->ocsp[i].not_after > fe_now_sec() &&
		    X509_cmp(s->c->iss[i].cert, x) == 0)
			return &s->ocsp[i];
	return NULL;
}

/* The path of an http URL ("http://host/a/b.crl" gives "/a/b.crl"). */
static const char *
url_path(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return NULL;
	p = strchr(p + 3, '/');
	return p;
}

static void
json_str(struct buf *b, const char *v)
{
	(void)buf_add_u8(b, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			(void)buf_add_u8(b, '\\');
		if ((unsigned char)*v < 0x20)
			(void)buf_printf(b, "\\u%04x", (unsigned char)*v);
		else
			(void)buf_add_u8(b, (uint8_t)*v);
	}
	(void)buf_add_u8(b, '"');
}

struct crl_arg {
	struct status *s;
	struct cache *c;
	struct buf json;
	int64_t now;
	size_t cap;
	struct fe_err *err;
};

static int
crl_times(const uint8_t *der, size_t len, int64_t *tu, int64_t *nu)
{
	const unsigned char *q = der;
	X509_CRL *x = d2i_X509_CRL(NULL, &q, (long)len);
	int rc = -1;

	if (x != NULL &&
	    asn1_time_secs(X509_CRL_get0_lastUpdate(x), tu) == 0 &&
	    asn1_time_secs(X509_CRL_get0_nextUpdate(x), nu) == 0)
		rc = 0;
	X509_CRL_free(x);
	return rc;
}

static int
crl_entry(const char *issuer, const char *part, void *arg)
{
	struct crl_arg *a = arg;
	const char *url = part, *path;
	struct crlent *ce;
	size_t i;
	int rc;

	if (part[0] == '\0') {
		/* a complete CRL: its URL is the configured one */
		url = "";
		for (i = 0; i < statusdb_nissuers(a->s->db); i++)
			if (strcmp(statusdb_issuer_name(a->s->db, i),
			    issuer) == 0) {
				X509 *x = statusdb_issuer_at(a->s->db, i);
				size_t j;

				for (j = 0; j < a->s->c->niss; j++)
					if (X509_cmp(a->s->c->iss[j].cert,
					    x) == 0)
						url = a->s->c->iss[j].crl_url;
			}
	}
	if (url[0] == '\0' || (path = url_path(url)) == NULL ||
	    strlen(path) >= STATUSDB_URL_MAX)
		return 0;    /* not served: no URL configured for it */
	if (a->c->ncrl == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->c->crl = fe_realloc(a->c->crl, a->cap * sizeof(*a->c->crl));
	}
	ce = &a->c->crl[a->c->ncrl];
	memset(ce, 0, sizeof(*ce));
	fe_snprintf(ce->path, sizeof(ce->path), "%s", path);
	if ((rc = statusdb_crl_der(a->s->db, issuer, part, &ce->der, &ce->len,
	    a->err)) != 0)
		return rc;
	a->c->ncrl++;
	if (crl_times(ce->der, ce->len, &ce->this_update,
	    &ce->next_update) != 0)
		return fe_err_set(a->err, "stored CRL %s does not parse", url);
	/* RFC 5280 4.2.1.13 / RFC 2585: application/pkix-crl */
	if ((ce->resp = cacheable(ce->der, ce->len, "application/pkix-crl",
	    ce->this_update, ce->next_update, a->now)) == NULL)
		return fe_err_set(a->err, "out of memory");
	if (a->json.len > 1)
		(void)buf_add_u8(&a->json, ',');
	json_str(&a->json, url);
	return 0;
}

/* Every CRL the store holds, at the path of its URL, and the list of
 * their URLs as a JSON array; dblock held. */
static int
crls_build(struct status *s, struct cache *c, int64_t now,
    struct fe_err *err)
{
	struct crl_arg a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.s = s;
	a.c = c;
	a.now = now;
	a.err = err;
	buf_init(&a.json, 1 << 24);
	(void)buf_add_u8(&a.json, '[');
	rc = statusdb_crl_urls(s->db, crl_entry, &a, err);
	if (rc >= 0) {
		rc = 0;
		(void)buf_add_str(&a.json, "]\n");
		(void)buf_cstr(&a.json);
		c->crl_json = fe_strdup((const char *)a.json.p);
		c->crl_list = MHD_create_response_from_buffer(
		    strlen(c->crl_json), c->crl_json, MHD_RESPMEM_MUST_COPY);
		if (c->crl_list == NULL ||
		    MHD_add_response_header(c->crl_list, "Content-Type",
		    "application/json") != MHD_YES ||
		    MHD_add_response_header(c->crl_list, "Cache-Control",
		    "max-age=300, public") != MHD_YES)
			rc = fe_err_set(err, "out of memory");
	}
	buf_free(&a.json);
	return rc;
}

/* Build a new cache from the store; dblock held. */
static int
cache_build(struct status *s, struct cache *old, struct cache **out,
    size_t *nsigned, struct fe_err *err)
{
	struct build_arg a;
	struct cache *c = fe_calloc(1, sizeof(*c));
	size_t counts[STATUSDB_MAX_ISSUERS] = { 0 }, i, cap;
	const struct delegate *d;
	int64_t age;
	int rc;

	memset(&a, 0, sizeof(a));
	a.s = s;
	a.c = c;
	a.old = old;
	a.now = fe_now_sec();
	a.err = err;
	if ((rc = statusdb_each_cert(s->db, count_cert, counts, err)) != 0)
		goto fail;
	c->n = statusdb_nissuers(s->db);
	for (i = 0; i < c->n; i++) {
		struct ctab *t = &c->t[i];
		uint8_t one = 1;
		int h;

		t->issuer = statusdb_issuer_at(s->db, i);
		X509_up_ref(t->issuer);
		for (h = 0; h < OCSP_HASH__MAX; h++)
			if ((rc = ocsp_certid_from_issuer(t->issuer, h, &one, 1,
			    &t->id[h], err)) != 0)
				goto fail;
		if ((d = responder_for(s, t->issuer)) != NULL) {
			if (c->until == 0 || d->not_after < c->until)
				c->until = d->not_after;
			t->rcert = d->cert;
			t->rkey = d->key;
			X509_up_ref(t->rcert);
			EVP_PKEY_up_ref(t->rkey);
		}
		rc = statusdb_crl_age(s->db, statusdb_issuer_name(s->db, i),
		    a.now, &age, err);
		if (rc == 0) {
			struct statusdb_answer ans;

			/* the CRL's times, through any serial's answer */
			if ((rc = statusdb_status(s->db, &t->id[0], &ans,
			    err)) != 0)
				goto fail;
			t->has_crl = true;
			t->this_update = ans.this_update;
			t->next_update = ans.next_update;
		} else if (rc != FE_ENOENT)
			goto fail;
		for (cap = 16; cap < counts[i] * 2; cap *= 2)
			;
		t->cap = cap;
		t->e = fe_calloc(cap, sizeof(*t->e));
	}
	if ((rc = statusdb_each_cert(s->db, build_entry, &a, err)) != 0 ||
	    (rc = crls_build(s, c, a.now, err)) != 0)
		goto fail;
	*out = c;
	if (nsigned != NULL)
		*nsigned = a.signed_n;
	return 0;
fail:
	cache_free(c);
	return rc;
}

/* ----------------------------------------------------------- Redis tier */

/*
 * Many machines (docs/status.md): one fe-status with role "publish" keeps
 * the status store and the delegated keys and, after every cache rebuild,
 * writes each pre-signed response to Redis under its CertID, expiring at
 * nextUpdate.  Any number of fe-status copies with role "serve" keep no
 * state and no key: they answer from Redis, and a CertID Redis does not
 * hold is "unauthorized" (RFC 5019 2.2.3: no authoritative information
 * here), never "good".  A nonce is not echoed by them (RFC 8954 2: a
 * responder may ignore it and send a pre-signed response).
 */
#define RKEY_MAX (8 + 2 * 2 * OCSP_HASH_MAXLEN + 2 * OCSP_SERIAL_MAX + 8)
#define RHDR 16                  /* thisUpdate, nextUpdate: 8 bytes each */

static bool
redis_serving(const struct status_conf *c)
{
	return c->redis[0] != '\0' && c->redis_role == 1;
}

static redisContext *
redis_connect(const char *addr, struct fe_err *err)
{
	struct timeval tv = { 2, 0 };
	const char *colon = strrchr(addr, ':');
	char host[128], *end;
	redisContext *r;
	unsigned long port = 0;
	size_t hl;

	if (colon != NULL) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || end == colon + 1 || *end != '\0')
			port = 0;
	}
	if (colon == NULL || (hl = (size_t)(colon - addr)) == 0 ||
	    hl >= sizeof(host) || port == 0 || port > 65535) {
		fe_err_set(err, "redis %s: expected HOST:PORT", addr);
		return NULL;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	r = redisConnectWithTimeout(host, (int)port, tv);
	if (r == NULL || r->err) {
		fe_err_set(err, "redis %s: %s", addr, r ? r->errstr :
		    "cannot connect");
		redisFree(r);
		return NULL;
	}
	(void)redisSetTimeout(r, tv);
	return r;
}

static void
redis_key(char out[RKEY_MAX], const struct ocsp_certid *id,
    const uint8_t *serial, size_t slen)
{
	size_t hl = ocsp_hash_len(id->hash), n;

	fe_snprintf(out, RKEY_MAX, "ocsp:%d:", (int)id->hash);
	n = strlen(out);
	hex_encode(id->name_hash, hl, out + n);
	n += 2 * hl;
	out[n++] = ':';
	hex_encode(id->key_hash, hl, out + n);
	n += 2 * hl;
	out[n++] = ':';
	hex_encode(serial, slen, out + n);
}

static void
put_be64(uint8_t *p, int64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v = (int64_t)((uint64_t)v >> 8))
		p[i] = (uint8_t)v;
}

static int64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

/* Write every pre-signed response of c to Redis, pipelined. */
static int
redis_publish(const char *addr, const struct cache *c, size_t *count,
    struct fe_err *err)
{
	redisContext *r = redis_connect(addr, err);
	char key[RKEY_MAX];
	uint8_t *val = NULL;
	size_t i, j, n = 0, cap = 0, k;
	redisReply *rep;
	int h, rc = 0;

	if (r == NULL)
		return FE_EIO;
	for (i = 0; i < c->n; i++) {
		const struct ctab *t = &c->t[i];

		for (j = 0; j < t->cap; j++) {
			const struct centry *e = &t->e[j];

			if (!e->used)
				continue;
			for (h = 0; h < OCSP_HASH__MAX; h++) {
				if (e->der[h] == NULL)
					continue;
				if (cap < RHDR + e->len[h]) {
					cap = RHDR + e->len[h] + 1024;
					val = fe_realloc(val, cap);
				}
				put_be64(val, t->this_update);
				put_be64(val + 8, t->next_update);
				memcpy(val + RHDR, e->der[h], e->len[h]);
				redis_key(key, &t->id[h], e->serial, e->slen);
				redisAppendCommand(r, "SET %s %b EXAT %lld", key,
				    val, RHDR + e->len[h],
				    (long long)t->next_update);
				n++;
			}
		}
	}
	for (i = 0; i < c->ncrl; i++) {
		const struct crlent *ce = &c->crl[i];

		if (cap < RHDR + ce->len) {
			cap = RHDR + ce->len + 1024;
			val = fe_realloc(val, cap);
		}
		put_be64(val, ce->this_update);
		put_be64(val + 8, ce->next_update);
		memcpy(val + RHDR, ce->der, ce->len);
		redisAppendCommand(r, "SET crl:%s %b EXAT %lld", ce->path, val,
		    RHDR + ce->len, (long long)ce->next_update);
		n++;
	}
	if (c->crl_json != NULL) {
		redisAppendCommand(r, "SET crl-list %s", c->crl_json);
		n++;
	}
	for (k = 0; k < n; k++) {
		if (redisGetReply(r, (void **)&rep) != REDIS_OK) {
			rc = fe_err_code(err, FE_EIO, "redis %s: %s", addr,
			    r->errstr);
			break;
		}
		if (rep->type == REDIS_REPLY_ERROR && rc == 0)
			rc = fe_err_code(err, FE_EIO, "redis %s: %s", addr,
			    rep->str);
		freeReplyObject(rep);
	}
	free(val);
	redisFree(r);
	if (rc == 0 && count != NULL)
		*count = n;
	return rc;
}

/* One connection per server thread, closed when the thread ends. */
static pthread_key_t redis_tls;
static pthread_once_t redis_once = PTHREAD_ONCE_INIT;

static void
redis_tls_free(void *p)
{
	redisFree(p);
}

static void
redis_tls_init(void)
{
	(void)pthread_key_create(&redis_tls, redis_tls_free);
}

/* This thread's connection, made on first use; NULL when Redis cannot be
 * reached. */
static redisContext *
redis_thread_conn(const struct status *s)
{
	struct fe_err err;
	redisContext *r;

	(void)pthread_once(&redis_once, redis_tls_init);
	if ((r = pthread_getspecific(redis_tls)) == NULL &&
	    (r = redis_connect(s->c->redis, &err)) != NULL)
		(void)pthread_setspecific(redis_tls, r);
	return r;
}

/* Drop this thread's broken connection; the next request reconnects. */
static void
redis_thread_drop(redisContext *r)
{
	redisFree(r);
	(void)pthread_setspecific(redis_tls, NULL);
}

static enum MHD_Result send_ocsp_error(struct MHD_Connection *conn,
    int status);
static enum MHD_Result send_text(struct MHD_Connection *conn,
    unsigned code, const char *fmt, ...) __attribute__((format(printf, 3,
    4)));

/* The serve role's whole OCSP path: one GET. */

static enum MHD_Result
redis_answer(struct status *s, struct MHD_Connection *conn,
    const struct ocsp_req *req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char key[RKEY_MAX];
	redisReply *rep;
	int64_t tu, nu, now = fe_now_sec();

	redisContext *r;

	if ((r = redis_thread_conn(s)) == NULL)
		return send_ocsp_error(conn, OCSP_ST_TRYLATER);
	redis_key(key, &req->id, req->id.serial, req->id.serial_len);
	if ((rep = redisCommand(r, "GET %s", key)) == NULL) {
		redis_thread_drop(r);
		return send_ocsp_error(conn, OCSP_ST_TRYLATER);
	}
	if (rep->type != REDIS_REPLY_STRING || rep->len <= RHDR) {
		freeReplyObject(rep);
		return send_ocsp_error(conn, OCSP_ST_UNAUTHORIZED);
	}
	tu = get_be64((const uint8_t *)rep->str);
	nu = get_be64((const uint8_t *)rep->str + 8);
	if (now >= nu) {
		freeReplyObject(rep);
		return send_ocsp_error(conn, OCSP_ST_TRYLATER);
	}
	resp = cacheable((const uint8_t *)rep->str + RHDR, rep->len - RHDR,
	    "application/ocsp-response", tu, nu, now);
	freeReplyObject(rep);
	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	stat_add(ST_OCSP_CACHED);
	return ret;
}

/* The serve role's CRLs and CRL list, from Redis: an MHD_Result, or -1
 * when url names none. */
static int
redis_crl_get(struct status *s, struct MHD_Connection *conn, const char *url)
{
	struct MHD_Response *resp = NULL;
	int ret = -1;
	redisContext *r;
	redisReply *rep;
	bool list = strcmp(url, s->c->crl_list_path) == 0;

	if (strlen(url) >= STATUSDB_URL_MAX || (!list &&
	    (strlen(url) < 5 || strcmp(url + strlen(url) - 4, ".crl") != 0)))
		return ret;
	if ((r = redis_thread_conn(s)) == NULL)
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the status store is unreachable");
	rep = list ? redisCommand(r, "GET crl-list") :
	    redisCommand(r, "GET crl:%s", url);
	if (rep == NULL) {
		redis_thread_drop(r);
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the status store is unreachable");
	}
	if (rep->type == REDIS_REPLY_STRING && list) {
		resp = MHD_create_response_from_buffer(rep->len, rep->str,
		    MHD_RESPMEM_MUST_COPY);
		if (resp != NULL)
			(void)MHD_add_response_header(resp, "Content-Type",
			    "application/json");
	} else if (rep->type == REDIS_REPLY_STRING && rep->len > RHDR)
		resp = cacheable((const uint8_t *)rep->str + RHDR,
		    rep->len - RHDR, "application/pkix-crl",
		    get_be64((const uint8_t *)rep->str),
		    get_be64((const uint8_t *)rep->str + 8), fe_now_sec());
	freeReplyObject(rep);
	if (resp != NULL) {
		ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
		MHD_destroy_response(resp);
	}
	return ret;
}

/* ---------------------------------------------------------------- state */

static void
log_event(struct status *s, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append to the hash-chained log, synced.  A log failure is reported on
 * stderr, where the event is printed too. */
static void
log_event(struct status *s, const char *type, const char *fmt, ...)
{
	char text[2048];
	struct fe_err err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->loglock);
	fprintf(stderr, "fe-status: %s: %s\n", type, text);
	if (s->log != NULL && clog_append(s->log, type, text, strlen(text),
	    &err) != 0)
		fprintf(stderr, "fe-status: log: %s\n", err.msg);
	pthread_mutex_unlock(&s->loglock);
}

static int
delegates_load(struct status *s, struct fe_err *err)
{
	struct delegate d;
	size_t i;
	int rc;

	for (i = 0; i < s->c->niss; i++) {
		rc = delegate_load(s->c->state, DELEGATE_OCSP,
		    s->c->iss[i].label, &d, err);
		if (rc == FE_ENOENT)
			continue;
		if (rc != 0)
			return rc;
		delegate_clear(&s->ocsp[i]);
		s->ocsp[i] = d;
	}
	if (s->c->tsa) {
		rc = delegate_load(s->c->state, DELEGATE_TSA, s->c->tsa_issuer,
		    &d, err);
		if (rc == 0 && (rc = tsa_signer_check(d.cert, d.key,
		    err)) != 0) {
			delegate_clear(&d);
			return rc;
		}
		if (rc == 0) {
			delegate_clear(&s->tsa);
			s->tsa = d;
		} else if (rc != FE_ENOENT)
			return rc;
	}
	return 0;
}

int
status_open(const struct status_conf *c, struct status **out,
    struct fe_err *err)
{
	struct status *s = fe_calloc(1, sizeof(*s));
	char p[1100];
	size_t i;
	int rc;

	s->c = c;
	pthread_mutex_init(&s->dblock, NULL);
	pthread_mutex_init(&s->noncelock, NULL);
	s->nonce_tokens = (double)c->nonce_rate;
	pthread_mutex_init(&s->loglock, NULL);
	pthread_mutex_init(&s->refreshlock, NULL);
	pthread_rwlock_init(&s->cachelock, NULL);
	if ((rc = delegate_init_dirs(c->state, err)) != 0)
		goto fail;
	fe_snprintf(p, sizeof(p), "%s/status.log", c->state);
	if ((rc = clog_open(p, &s->log, err)) != 0)
		goto fail;
	if (redis_serving(c)) {
		/* stateless: no store, no keys; the log is its own */
		*out = s;
		return 0;
	}
	fe_snprintf(p, sizeof(p), "%s/status.db", c->state);
	if ((rc = statusdb_open(p, &s->db, err)) != 0)
		goto fail;
	for (i = 0; i < c->niss; i++)
		if ((rc = statusdb_add_issuer(s->db, c->iss[i].cert, c->root,
		    err)) != 0) {
			fe_err_prefix(err, "issuer %s", c->iss[i].label);
			goto fail;
		}
	if ((rc = delegates_load(s, err)) != 0 ||
	    (rc = statusdb_data_version(s->db, &s->data_version, err)) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	status_close(s);
	return rc;
}

void
status_close(struct status *s)
{
	size_t i;

	if (s == NULL)
		return;
	cache_free(s->cache);
	statusdb_close(s->db);
	clog_close(s->log);
	for (i = 0; i < STATUS_MAX_ISSUERS; i++)
		delegate_clear(&s->ocsp[i]);
	delegate_clear(&s->tsa);
	pthread_mutex_destroy(&s->dblock);
	pthread_mutex_destroy(&s->noncelock);
	pthread_mutex_destroy(&s->loglock);
	pthread_mutex_destroy(&s->refreshlock);
	pthread_rwlock_destroy(&s->cachelock);
	free(s);
}

static X509 *
issuer_of_label(const char *label, void *arg)
{
	struct status *s = arg;
	size_t i;

	for (i = 0; i < s->c->niss; i++)
		if (strcmp(s->c->iss[i].label, label) == 0)
			return s->c->iss[i].cert;
	return NULL;
}

/* dblock held */
static int
load_bundle_locked(struct status *s, const char *name, const uint8_t *p,
    size_t len, struct fe_err *err)
{
	struct bundle b = { NULL, 0 };
	struct bundle_stats st;
	enum delegate_kind kind;
	char label[DELEGATE_LABEL_MAX], hex[17];
	uint8_t md[32];
	size_t i;
	int rc, r;

	(void)EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 8, hex);
	if ((rc = bundle_parse(name, p, len, &b, err)) != 0 ||
	    (rc = bundle_apply(s->db, s->c->root, &b, fe_now_sec(), &st,
	    err)) != 0) {
		log_event(s, "bundle.refuse", "%s (%zu bytes, sha256 %s...): %s",
		    name, len, hex, err->msg);
		bundle_free(&b);
		return rc;
	}
	log_event(s, "bundle.accept", "%s (%zu bytes, sha256 %s...): %zu "
	    "issuers, %zu certificates, %zu CRLs", name, len, hex, st.issuers,
	    st.certs, st.crls);
	/* delegated certificates for keys this server made */
	for (i = 0; i < b.n; i++) {
		const unsigned char *q = b.items[i].der;
		struct fe_err e2;
		X509 *x;

		if (b.items[i].kind != BUNDLE_CERT ||
		    (x = d2i_X509(NULL, &q, (long)b.items[i].len)) == NULL)
			continue;
		r = delegate_install(s->c->state, x, issuer_of_label, s, &kind,
		    label, &e2);
		if (r == 1)
			log_event(s, "delegate.install", "%s certificate for %s "
			    "installed", kind == DELEGATE_TSA ? "TSA" : "OCSP",
			    label);
		else if (r < 0)
			log_event(s, "delegate.refuse", "%s", e2.msg);
		X509_free(x);
	}
	bundle_free(&b);
	if ((rc = delegates_load(s, err)) != 0)
		log_event(s, "delegate.error", "%s", err->msg);
	s->dirty = 1;
	return rc;
}

int
status_load_bundle(struct status *s, const char *name, const uint8_t *p,
    size_t len, struct fe_err *err)
{
	int rc;

	pthread_mutex_lock(&s->dblock);
	rc = load_bundle_locked(s, name, p, len, err);
	pthread_mutex_unlock(&s->dblock);
	return rc;
}

/* dblock held */
static int
requests_locked(struct status *s, struct fe_err *err)
{
	const struct status_conf *c = s->c;
	char id[DELEGATE_ID_MAX];
	int64_t now = fe_now_sec();
	size_t i;
	int rc;

	for (i = 0; i < c->niss; i++) {
		const struct delegate *d = &s->ocsp[i];

		if (strcmp(c->iss[i].label, "root") == 0 ||
		    (d->cert != NULL && d->not_after - now >
		    (int64_t)c->renew_before) ||
		    delegate_pending(c->state, DELEGATE_OCSP, c->iss[i].label))
			continue;
		if ((rc = delegate_request(c->state, DELEGATE_OCSP,
		    c->iss[i].label, c->name, c->org, c->country,
		    (unsigned)c->delegate_days, now, id, err)) != 0)
			return rc;
		log_event(s, "delegate.request", "%s: new OCSP responder key "
		    "for %s (%s)", id, c->iss[i].label, d->cert != NULL ?
		    "renewal" : "none yet");
	}
	if (c->tsa && !(s->tsa.cert != NULL && s->tsa.not_after - now >
	    (int64_t)c->renew_before) &&
	    !delegate_pending(c->state, DELEGATE_TSA, c->tsa_issuer)) {
		if ((rc = delegate_request(c->state, DELEGATE_TSA,
		    c->tsa_issuer, c->name, c->org, c->country,
		    (unsigned)c->tsa_days, now, id, err)) != 0)
			return rc;
		log_event(s, "delegate.request", "%s: new TSA key (%s)", id,
		    s->tsa.cert != NULL ? "renewal" : "none yet");
	}
	return 0;
}

struct copy_arg {
	const struct status *s;
	const char *outdir;
	int n;
	struct fe_err *err;
};

static int
copy_request(const char *id, void *arg)
{
	struct copy_arg *a = arg;
	char p[4096];
	uint8_t *buf;
	size_t len;
	int rc;

	a->n++;
	if (a->outdir == NULL)
		return 0;
	if (fe_snprintf_ok(p, sizeof(p), "%s/%s.req", a->outdir, id) != 0)
		return fe_err_set(a->err, "%s: path too long", a->outdir);
	if ((rc = delegate_outbox_read(a->s->c->state, id, &buf, &len,
	    a->err)) != 0)
		return rc;
	rc = fe_write_file_atomic(p, buf, len, 0644, a->err);
	free(buf);
	return rc;
}

int
status_requests(struct status *s, const char *outdir, struct fe_err *err)
{
	struct copy_arg a = { s, outdir, 0, err };
	int rc;

	pthread_mutex_lock(&s->dblock);
	rc = requests_locked(s, err);
	pthread_mutex_unlock(&s->dblock);
	if (rc == 0)
		rc = delegate_outbox(s->c->state, copy_request, &a, err);
	return rc != 0 ? rc : a.n;
}

static void check_stale(struct status *s, bool *was);

int
status_summary(struct status *s, FILE *out, struct fe_err *err)
{
	bool stale[STATUSDB_MAX_ISSUERS] = { false };

	int64_t now = fe_now_sec(), age;
	char t[FE_TIME_STR];
	size_t i, n;
	int rc;

	pthread_mutex_lock(&s->dblock);
	n = statusdb_nissuers(s->db);
	for (i = 0; i < n; i++) {
		const char *nm = statusdb_issuer_name(s->db, i);

		rc = statusdb_crl_age(s->db, nm, now, &age, err);
		if (rc == 0)
			fprintf(out, "issuer %s: newest CRL %lld s old\n", nm,
			    (long long)age);
		else
			fprintf(out, "issuer %s: no CRL yet\n", nm);
	}
	for (i = 0; i < s->c->niss; i++) {
		if (s->ocsp[i].cert == NULL) {
			fprintf(out, "ocsp %s: no responder certificate\n",
			    s->c->iss[i].label);
			continue;
		}
		(void)fe_time_format_sec(s->ocsp[i].not_after, t);
		fprintf(out, "ocsp %s: responder certificate until %s\n",
		    s->c->iss[i].label, t);
	}
	if (s->c->tsa) {
		if (s->tsa.cert == NULL)
			fprintf(out, "tsa: no certificate\n");
		else {
			(void)fe_time_format_sec(s->tsa.not_after, t);
			fprintf(out, "tsa: certificate until %s\n", t);
		}
	}
	check_stale(s, stale);
	pthread_mutex_unlock(&s->dblock);
	return 0;
}

/* ----------------------------------------------------------------- HTTP */

/* One request's state: its body, in `small` while it fits (an OCSP
 * request always does), so that a request costs no allocation beyond
 * this one. */
#define STATUS_CONN_POOL (16 * 1024)   /* libmicrohttpd pool, bytes */


struct conn {
	uint8_t *body;
	size_t len, max;
	bool too_big;
	uint8_t small[512];
};

static struct conn *
conn_new(void)
{
	struct conn *cc = fe_malloc(sizeof(*cc));

	cc->body = cc->small;
	cc->len = 0;
	cc->max = sizeof(cc->small);
	cc->too_big = false;
	return cc;
}

static enum MHD_Result
send_bytes(struct MHD_Connection *conn, unsigned code, const void *p,
    size_t n, const char *type, const char *cache_control)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(n, (void *)p,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", type);
	if (cache_control != NULL)
		(void)MHD_add_response_header(r, "Cache-Control",
		    cache_control);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned code, const char *fmt, ...)
{
	char msg[FE_ERR_MAX + 256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(msg) - 2)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	if (code >= 400)
		stat_add(ST_HTTP_ERROR);
	return send_bytes(conn, code, msg, (size_t)n,
	    "text/plain; charset=utf-8", "no-store");
}

/* RFC 5019 2.2.3: error statuses are OCSP responses, over HTTP 200. */
static enum MHD_Result
send_ocsp_error(struct MHD_Connection *conn, int status)
{
	size_t n;
	const uint8_t *p = ocsp_error_response(status, &n);

	stat_ocsp_error(status);
	if (p == NULL)
		p = ocsp_error_response(OCSP_ST_INTERNAL, &n);
	return send_bytes(conn, MHD_HTTP_OK, p, n,
	    "application/ocsp-response", "max-age=0, no-cache");
}

static struct ctab *
ctab_for(struct cache *c, const struct ocsp_certid *id)
{
	size_t i, hl = ocsp_hash_len(id->hash);

	for (i = 0; c != NULL && i < c->n; i++)
		if (memcmp(c->t[i].id[id->hash].name_hash, id->name_hash,
		    hl) == 0 &&
		    memcmp(c->t[i].id[id->hash].key_hash, id->key_hash,
		    hl) == 0)
			return &c->t[i];
	return NULL;
}

static enum MHD_Result
ocsp_answer(struct status *s, struct MHD_Connection *conn,
    const uint8_t *der, size_t len)
{
	struct statusdb_answer ans;
	struct ocsp_single one;
	struct ocsp_req r;
	struct fe_err err;
	struct centry *e;
	struct ctab *t;
	enum MHD_Result ret;
	X509 *issuer = NULL, *rcert = NULL;
	EVP_PKEY *rkey = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int64_t now = fe_now_sec();
	int rc, st = -1;

	if (ocsp_req_parse("OCSP request", der, len, &r, &err) != 0)
		return send_ocsp_error(conn, OCSP_ST_MALFORMED);
	if (redis_serving(s->c))
		return redis_answer(s, conn, &r);
	pthread_rwlock_rdlock(&s->cachelock);
	t = ctab_for(s->cache, &r.id);
	if (t == NULL || t->rcert == NULL)
		st = OCSP_ST_UNAUTHORIZED;   /* not an issuer we answer for */
	else if (!t->has_crl || now >= t->next_update)
		st = OCSP_ST_TRYLATER;       /* nothing fresh to vouch with */
	if (st >= 0) {
		pthread_rwlock_unlock(&s->cachelock);
		return send_ocsp_error(conn, st);
	}
	e = ctab_find(t, r.id.serial, r.id.serial_len);
	if (e != NULL && (r.nonce_len == 0 || !nonce_take(s))) {
		ret = MHD_queue_response(conn, MHD_HTTP_OK,
		    e->resp[r.id.hash]);
		pthread_rwlock_unlock(&s->cachelock);
		stat_add(r.nonce_len == 0 ? ST_OCSP_CACHED :
		    ST_OCSP_NONCE_IGNORED);
		return ret;
	}
	/* on the spot: a nonce, or a serial the cache does not hold */
	issuer = t->issuer;
	rcert = t->rcert;
	rkey = t->rkey;
	X509_up_ref(issuer);
	X509_up_ref(rcert);
	EVP_PKEY_up_ref(rkey);
	memset(&ans, 0, sizeof(ans));
	if (e != NULL) {
		ans.status = e->status;
		ans.revoked_at = e->revoked_at;
		ans.reason = e->reason;
		ans.this_update = t->this_update;
		ans.next_update = t->next_update;
	}
	pthread_rwlock_unlock(&s->cachelock);
	if (e == NULL) {
		pthread_mutex_lock(&s->dblock);
		rc = statusdb_status(s->db, &r.id, &ans, &err);
		pthread_mutex_unlock(&s->dblock);
		if (rc != 0) {
			st = rc == FE_ENOENT ? OCSP_ST_UNAUTHORIZED :
			    rc == FE_EBUSY ? OCSP_ST_TRYLATER :
			    OCSP_ST_INTERNAL;
			goto out;
		}
	}
	memset(&one, 0, sizeof(one));
	one.id = r.id;
	one.status = ans.status;
	one.revoked_at = ans.revoked_at;
	one.reason = ans.reason;
	one.this_update = ans.this_update;
	one.next_update = ans.next_update;
	if (ocsp_resp_build(&one, issuer, rcert, rkey, r.nonce, r.nonce_len,
	    &out, &outlen, &err) != 0) {
		st = OCSP_ST_INTERNAL;
		goto out;
	}
	stat_add(ST_OCSP_SIGNED);
	if (r.nonce_len > 0)
		ret = send_bytes(conn, MHD_HTTP_OK, out, outlen,
		    "application/ocsp-response", "no-store");
	else {
		struct MHD_Response *resp = cacheable(out, outlen,
		    "application/ocsp-response", one.this_update,
		    one.next_update, now);

		ret = resp != NULL ? MHD_queue_response(conn, MHD_HTTP_OK,
		    resp) : MHD_NO;
		if (resp != NULL)
			MHD_destroy_response(resp);
	}
out:
	X509_free(issuer);
	X509_free(rcert);
	EVP_PKEY_free(rkey);
	OPENSSL_free(out);
	return st >= 0 ? send_ocsp_error(conn, st) : ret;
}

static bool
type_is(struct MHD_Connection *conn, const char *want)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	size_t n = strlen(want);

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/*
 * Collect a POST body of at most max bytes.  Returns 1 while more is
 * coming (the caller returns MHD_YES), 0 when the whole body is in *cc.
 */
static int
collect_body(void **con_cls, const char *upload, size_t *upsize, size_t max)
{
	struct conn *cc = *con_cls;

	if (*upsize == 0)
		return 0;
	if (!cc->too_big) {
		if (*upsize > max - cc->len) {
			cc->too_big = true;
		} else {
			if (cc->len + *upsize > cc->max) {
				size_t nm = cc->max;

				while (nm < cc->len + *upsize)
					nm *= 2;
				if (nm > max)
					nm = max;
				if (cc->body == cc->small) {
					cc->body = fe_malloc(nm);
					memcpy(cc->body, cc->small, cc->len);
				} else {
					cc->body = fe_realloc(cc->body, nm);
				}
				cc->max = nm;
			}
			memcpy(cc->body + cc->len, upload, *upsize);
			cc->len += *upsize;
		}
	}
	*upsize = 0;
	return 1;
}

static void
conn_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cc = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (cc != NULL) {
		if (cc->body != cc->small)
			free(cc->body);
		free(cc);
		*con_cls = NULL;
	}
}

/* Keep the path as sent: the OCSP GET decoder percent-decodes it itself,
 * and must see %2F apart from '/'. */
static size_t
no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

static enum MHD_Result
tsa_answer(struct status *s, struct MHD_Connection *conn,
    const uint8_t *der, size_t len);

/* A CRL or the CRL list, if url names one: an MHD_Result, or -1 when it
 * names none. */
static int
crl_get(struct status *s, struct MHD_Connection *conn, const char *url)
{
	int ret = -1;
	struct cache *c;
	size_t i;

	if (redis_serving(s->c))
		return redis_crl_get(s, conn, url);
	pthread_rwlock_rdlock(&s->cachelock);
	c = s->cache;
	if (c != NULL && strcmp(url, s->c->crl_list_path) == 0 &&
	    c->crl_list != NULL)
		ret = MHD_queue_response(conn, MHD_HTTP_OK, c->crl_list);
	for (i = 0; c != NULL && i < c->ncrl && ret == -1; i++)
		if (strcmp(url, c->crl[i].path) == 0)
			ret = MHD_queue_response(conn, MHD_HTTP_OK,
			    c->crl[i].resp);
	pthread_rwlock_unlock(&s->cachelock);
	if (ret != -1)
		stat_add(ST_CRL);
	return ret;
}

static enum MHD_Result
pub_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upsize, void **con_cls)
{
	struct status *s = cls;
	const struct status_conf *c = s->c;
	size_t olen = strlen(c->ocsp_path), max;
	struct conn *cc;
	enum MHD_Result ret;

	(void)version;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		uint8_t *der = NULL;
		size_t len = 0;
		struct fe_err err;

		/* answered on the second call: a response queued while
		 * libmicrohttpd still looks for a body makes it close the
		 * connection (no keep-alive) */
		if (*con_cls == NULL) {
			*con_cls = conn_new();
			return MHD_YES;
		}

		int cr;

		if ((cr = crl_get(s, conn, url)) != -1)
			return (enum MHD_Result)cr;
		if (strncmp(url, c->ocsp_path, olen) != 0 || url[olen] == '\0')
			return send_text(conn, MHD_HTTP_NOT_FOUND, "%s: not "
			    "found", url);
		if (ocsp_req_from_b64(url + olen, &der, &len, &err) != 0)
			return send_ocsp_error(conn, OCSP_ST_MALFORMED);
		ret = ocsp_answer(s, conn, der, len);
		free(der);
		return ret;
	}
	if (strcmp(method, "POST") != 0)
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "%s: "
		    "method not allowed (GET or POST)", method);
	max = c->tsa && strcmp(url, c->tsa_path) == 0 ? 4096 :
	    OCSP_MAX_REQUEST;
	if (*con_cls == NULL) {
		*con_cls = conn_new();
		return MHD_YES;
	}
	if (collect_body(con_cls, upload, upsize, max))
		return MHD_YES;
	cc = *con_cls;
	if (cc->too_big)
		return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request "
		    "body larger than %zu bytes", max);
	if (c->tsa && strcmp(url, c->tsa_path) == 0) {
		if (!type_is(conn, "application/timestamp-query"))
			return send_text(conn,
			    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "RFC 3161 3.4: "
			    "Content-Type must be application/timestamp-query");
		return tsa_answer(s, conn, cc->body, cc->len);
	}
	if (strcmp(url, c->ocsp_path) != 0)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "%s: not found",
		    url);
	if (!type_is(conn, "application/ocsp-request"))
		return send_text(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "RFC 6960 A.1: Content-Type must be "
		    "application/ocsp-request");
	return ocsp_answer(s, conn, cc->body, cc->len);
}

static enum MHD_Result
tsa_answer(struct status *s, struct MHD_Connection *conn,
    const uint8_t *der, size_t len)
{
	struct tsa_signer ts;
	struct tsa_req r;
	struct fe_err err, e2;
	STACK_OF(X509) *chain = NULL;
	X509 *cert = NULL, *sub = NULL;
	EVP_PKEY *key = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0, i;
	int64_t now = fe_now_sec();
	int fi = TSA_FAIL_SYSTEM_FAILURE;
	enum MHD_Result ret;

	if (tsa_req_parse(der, len, &r, &fi, &err) != 0)
		goto reject;
	pthread_mutex_lock(&s->dblock);
	if (s->tsa.cert != NULL && s->tsa.not_after > now) {
		cert = s->tsa.cert;
		key = s->tsa.key;
		X509_up_ref(cert);
		EVP_PKEY_up_ref(key);
	}
	pthread_mutex_unlock(&s->dblock);
	if (cert == NULL) {
		fi = TSA_FAIL_SYSTEM_FAILURE;
		fe_err_set(&err, "this TSA has no valid certificate yet");
		goto reject;
	}
	for (i = 0; i < s->c->niss; i++)
		if (strcmp(s->c->iss[i].label, s->c->tsa_issuer) == 0)
			sub = s->c->iss[i].cert;
	if ((chain = sk_X509_new_null()) == NULL ||
	    (sub != NULL && sk_X509_push(chain, sub) <= 0)) {
		fe_err_set(&err, "out of memory");
		goto reject;
	}
	memset(&ts, 0, sizeof(ts));
	ts.cert = cert;
	ts.key = key;
	ts.chain = chain;
	ts.policy = s->c->tsa_policy;
	ts.accuracy_ms = (unsigned)s->c->tsa_accuracy_ms;
	if (tsa_resp_build(&ts, &r, now, &out, &outlen, &fi, &err) != 0)
		goto reject;
	ret = send_bytes(conn, MHD_HTTP_OK, out, outlen,
	    "application/timestamp-reply", "no-store");
	stat_add(ST_TSA_GRANTED);
	goto done;
reject:
	stat_add(ST_TSA_REJECTED);
	/* RFC 3161 2.4.2: a refusal is a TimeStampResp too */
	OPENSSL_free(out);
	out = NULL;
	if (tsa_resp_reject(fi, err.msg, &out, &outlen, &e2) != 0)
		ret = send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s",
		    e2.msg);
	else
		ret = send_bytes(conn, MHD_HTTP_OK, out, outlen,
		    "application/timestamp-reply", "no-store");
done:
	sk_X509_free(chain);
	X509_free(cert);
	EVP_PKEY_free(key);
	OPENSSL_free(out);
	return ret;
}

static int refresh(struct status *s, bool log_it, struct fe_err *err);

static int
list_request(const char *id, void *arg)
{
	return buf_printf(arg, "%s\n", id) < 0 ? FE_EINVAL : 0;
}

static unsigned srv_threads(const struct srv *v);
static unsigned srv_conns(struct srv *v, unsigned i);

static enum MHD_Result
adm_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upsize, void **con_cls)
{
	struct status *s = cls;
	struct conn *cc;
	struct fe_err err;
	uint8_t *buf;
	size_t len;

	(void)version;
	if (strcmp(method, "GET") == 0 && strcmp(url, "/stats") == 0) {
		struct buf out;
		enum MHD_Result ret;
		unsigned k;

		buf_init(&out, 64 * 1024);
		for (k = 0; k < ST__MAX; k++)
			(void)buf_printf(&out, "%s %llu\n", stat_names[k],
			    (unsigned long long)stat_sum((enum stat_kind)k));
		for (k = 0; s->pub != NULL && k < srv_threads(s->pub); k++)
			(void)buf_printf(&out, "http.thread.%u.connections "
			    "%u\n", k, srv_conns(s->pub, k));
		ret = send_bytes(conn, MHD_HTTP_OK, out.p, out.len,
		    "text/plain; charset=utf-8", "no-store");
		buf_free(&out);
		return ret;
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/requests") == 0) {
		struct buf out;
		enum MHD_Result ret;

		buf_init(&out, 1 << 20);
		/* the one failure list_request can have */
		fe_err_set(&err, "the list of signing requests is longer than "
		    "1 MiB");
		if (delegate_outbox(s->c->state, list_request, &out, &err) != 0)
			ret = send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "%s", err.msg);
		else
			ret = send_bytes(conn, MHD_HTTP_OK, out.p ?
			    (const void *)out.p : "", out.len,
			    "text/plain; charset=utf-8", "no-store");
		buf_free(&out);
		return ret;
	}
	if (strcmp(method, "GET") == 0 &&
	    strncmp(url, "/requests/", 10) == 0) {
		enum MHD_Result ret;

		if (delegate_outbox_read(s->c->state, url + 10, &buf, &len,
		    &err) != 0)
			return send_text(conn, MHD_HTTP_NOT_FOUND, "%s",
			    err.msg);
		ret = send_bytes(conn, MHD_HTTP_OK, buf, len,
		    "text/plain; charset=utf-8", "no-store");
		free(buf);
		return ret;
	}
	if (strcmp(method, "POST") != 0 || strcmp(url, "/bundle") != 0)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "%s %s: not found "
		    "(POST /bundle, GET /requests, GET /requests/ID, "
		    "GET /stats)", method, url);
	if (*con_cls == NULL) {
		*con_cls = conn_new();
		return MHD_YES;
	}
	if (collect_body(con_cls, upload, upsize, MAX_POST))
		return MHD_YES;
	cc = *con_cls;
	if (cc->too_big)
		return send_text(conn, MHD_HTTP_CONTENT_TOO_LARGE, "bundle "
		    "larger than %u bytes", MAX_POST);
	if (status_load_bundle(s, "bundle", cc->body, cc->len, &err) != 0)
		return send_text(conn, MHD_HTTP_UNPROCESSABLE_CONTENT,
		    "refused: %s", err.msg);
	/* answered only once OCSP says what the bundle says */
	if (refresh(s, false, &err) != 0) {
		log_event(s, "cache.error", "%s", err.msg);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "accepted, but the cache was not rebuilt: %s", err.msg);
	}
	return send_text(conn, MHD_HTTP_OK, "accepted");
}

static int
parse_addr(const char *spec, struct sockaddr_storage *ss, struct fe_err *err)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	size_t hl;

	if (colon == NULL || colon == spec || colon[1] == '\0')
		return fe_err_set(err, "%s: expected ADDRESS:PORT", spec);
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return fe_err_set(err, "%s: address too long", spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL)
		return fe_err_set(err, "%s: not a numeric ADDRESS:PORT", spec);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

/*
 * A listening address: one libmicrohttpd daemon per thread, each with its
 * own epoll loop and no listening socket of its own, and one thread that
 * accepts and hands the connections to the daemons.  With libmicrohttpd's
 * own thread pool every worker races to accept, and the connections of a
 * burst land unevenly (under 50 keep-alive connections one of two workers
 * did 62 % of the work).
 *
 * A new connection goes to daemon (the CPU that received its packets,
 * SO_INCOMING_CPU) modulo the number of daemons: the connections one
 * client thread or one NIC queue drives are then served by one thread,
 * and each request does not wake a thread on another core.  On two cores
 * under wrk, handing connections out in turn instead cost a quarter of
 * the rate and doubled p99 (docs/status.md).  So that one busy CPU cannot
 * pile every connection on one thread, a daemon that already has more
 * than twice the connections of the least busy one, plus SRV_SLACK, is
 * passed over for that one; without SO_INCOMING_CPU, the daemons take
 * turns.
 */
#define SRV_MAX_THREADS 64
#define SRV_SLACK 8

struct srv {
	struct MHD_Daemon *d[SRV_MAX_THREADS];
	atomic_uint conns[SRV_MAX_THREADS];   /* open, per daemon */
	unsigned n, next;
	int lfd;
	pthread_t acceptor;
	bool has_acceptor;
	atomic_bool stopping;
};

/* Counts a daemon's open connections (cls: its v->conns[i]). */
static void
srv_notify(void *cls, struct MHD_Connection *c, void **sock_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	atomic_uint *n = cls;

	(void)c;
	(void)sock_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(n, 1);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		atomic_fetch_sub(n, 1);
}

static unsigned
srv_threads(const struct srv *v)
{
	return v->n;
}

static unsigned
srv_conns(struct srv *v, unsigned i)
{
	return atomic_load(&v->conns[i]);
}

/* The daemon for a new connection on fd: see above. */
static unsigned
srv_pick(struct srv *v, int fd)
{
	socklen_t len = sizeof(int);
	unsigned i, k, least = 0, cmin = UINT_MAX, c, ck = 0;
	int cpu = -1;

	if (v->n == 1)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) == 0 &&
	    cpu >= 0) {
		k = (unsigned)cpu % v->n;
	} else {
		k = v->next;
		v->next = (v->next + 1) % v->n;
	}
	for (i = 0; i < v->n; i++) {
		c = srv_conns(v, i);
		if (i == k)
			ck = c;
		if (c < cmin) {
			cmin = c;
			least = i;
		}
	}
	if (ck > 2 * cmin + SRV_SLACK)
		k = least;
	return k;
}

static void *
srv_accept(void *arg)
{
	struct srv *v = arg;
	struct sockaddr_storage ca;
	socklen_t cl;
	int fd;

	for (;;) {
		cl = sizeof(ca);
		fd = accept4(v->lfd, (struct sockaddr *)&ca, &cl,
		    SOCK_CLOEXEC);
		if (fd < 0) {
			if (atomic_load(&v->stopping))
				break;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				usleep(10 * 1000);   /* let some close */
			else if (errno != EINTR && errno != ECONNABORTED &&
			    errno != EPROTO && errno != EAGAIN)
				break;
			continue;
		}
		/* closes fd itself when it cannot take it */
		(void)MHD_add_connection(v->d[srv_pick(v, fd)], fd,
		    (const struct sockaddr *)&ca, cl);
	}
	return NULL;
}

static void
srv_stop(struct srv *v)
{
	unsigned i;

	if (v == NULL)
		return;
	atomic_store(&v->stopping, true);
	if (v->lfd >= 0)
		(void)shutdown(v->lfd, SHUT_RDWR);   /* wakes accept4 */
	if (v->has_acceptor)
		pthread_join(v->acceptor, NULL);
	if (v->lfd >= 0)
		close(v->lfd);
	for (i = 0; i < v->n; i++)
		if (v->d[i] != NULL)
			MHD_stop_daemon(v->d[i]);
	free(v);
}

static struct srv *
start(struct status *s, const char *addr, unsigned threads,
    MHD_AccessHandlerCallback h, struct fe_err *err)
{
	struct sockaddr_storage ss;
	struct srv *v;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
	    MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
	int one = 1;
	unsigned i;

	if (parse_addr(addr, &ss, err) != 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (threads < 1)
		threads = 1;
	if (threads > SRV_MAX_THREADS)
		threads = SRV_MAX_THREADS;
	v = fe_calloc(1, sizeof(*v));
	v->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (v->lfd < 0 ||
	    setsockopt(v->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) != 0 ||
	    bind(v->lfd, (struct sockaddr *)&ss, ss.ss_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) != 0 ||
	    listen(v->lfd, 1024) != 0) {
		fe_err_set(err, "%s: cannot listen (%s: in use, or not an "
		    "address of this host)", addr, strerror(errno));
		srv_stop(v);
		return NULL;
	}
	for (i = 0; i < threads; i++) {
		atomic_init(&v->conns[i], 0);
		v->d[i] = MHD_start_daemon(flags, 0, NULL, NULL, h, s,
		    MHD_OPTION_CONNECTION_LIMIT, 4096u / threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		    /* libmicrohttpd zeroes a connection's whole pool after
		     * every request: 16 KiB instead of its 32 KiB still
		     * holds any request line and headers an OCSP client
		     * sends (RFC 5019 GETs are under 255 bytes), and halves
		     * that cost */
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		    (size_t)STATUS_CONN_POOL,
		    MHD_OPTION_NOTIFY_COMPLETED, conn_done, NULL,
		    MHD_OPTION_NOTIFY_CONNECTION, srv_notify, &v->conns[i],
		    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		    MHD_OPTION_END);
		if (v->d[i] == NULL) {
			fe_err_set(err, "%s: cannot start the HTTP server "
			    "(libmicrohttpd)", addr);
			srv_stop(v);
			return NULL;
		}
		v->n = i + 1;
	}
	if (pthread_create(&v->acceptor, NULL, srv_accept, v) != 0) {
		fe_err_set(err, "%s: cannot start the accepting thread", addr);
		srv_stop(v);
		return NULL;
	}
	v->has_acceptor = true;
	return v;
}

/* Rebuild the cache from the store and swap it in; refreshlock held (the
 * old cache is read while the new one is built, then freed). */
static int
refresh_locked(struct status *s, bool log_it, struct fe_err *err)
{
	struct cache *c = NULL, *old;
	size_t nsigned = 0;
	int rc;

	pthread_mutex_lock(&s->dblock);
	rc = cache_build(s, s->cache, &c, &nsigned, err);
	pthread_mutex_unlock(&s->dblock);
	if (rc != 0)
		return rc;
	pthread_rwlock_wrlock(&s->cachelock);
	old = s->cache;
	s->cache = c;
	pthread_rwlock_unlock(&s->cachelock);
	cache_free(old);
	if (log_it || nsigned > 0)
		fprintf(stderr, "fe-status: cache rebuilt, %zu responses "
		    "signed\n", nsigned);
	if (s->c->redis[0] != '\0' && s->c->redis_role == 0) {
		size_t n = 0;

		/* the cache stays ours while we read it: only this thread
		 * and the admin thread swap it, both through here */
		pthread_rwlock_rdlock(&s->cachelock);
		rc = redis_publish(s->c->redis, s->cache, &n, err);
		pthread_rwlock_unlock(&s->cachelock);
		if (rc != 0)
			return rc;
		if (log_it || nsigned > 0)
			fprintf(stderr, "fe-status: %zu responses published to "
			    "redis %s\n", n, s->c->redis);
	}
	return 0;
}

static int
refresh(struct status *s, bool log_it, struct fe_err *err)
{
	int rc;

	pthread_mutex_lock(&s->refreshlock);
	rc = refresh_locked(s, log_it, err);
	pthread_mutex_unlock(&s->refreshlock);
	return rc;
}

/* The staleness alarm (issue #6): logged when an issuer's newest CRL gets
 * older than crl_max_age, and again when it is fresh again. dblock held. */
static void
check_stale(struct status *s, bool *was)
{
	int64_t now = fe_now_sec(), age;
	struct fe_err err;
	size_t i, n = statusdb_nissuers(s->db);
	bool stale;
	int rc;

	for (i = 0; i < n && i < STATUSDB_MAX_ISSUERS; i++) {
		const char *nm = statusdb_issuer_name(s->db, i);

		rc = statusdb_crl_age(s->db, nm, now, &age, &err);
		if (rc != 0)
			continue;
		stale = age > (int64_t)s->c->crl_max_age;
		if (stale && !was[i])
			log_event(s, "alarm.crl-stale", "issuer %s: newest CRL "
			    "is %lld seconds old (limit %llu): revocations may "
			    "be withheld", nm, (long long)age,
			    (unsigned long long)s->c->crl_max_age);
		else if (!stale && was[i])
			log_event(s, "alarm.crl-fresh", "issuer %s: CRL %lld "
			    "seconds old again", nm, (long long)age);
		was[i] = stale;
	}
}

/* The serve role: answers from Redis only, until *stop. */
static int
serve_stateless(struct status *s, volatile int *stop, struct fe_err *err)
{
	redisContext *r;

	if ((r = redis_connect(s->c->redis, err)) == NULL)
		return FE_EIO;
	redisFree(r);
	if ((s->pub = start(s, s->c->listen, (unsigned)s->c->threads,
	    pub_handler, err)) == NULL)
		return FE_EIO;
	log_event(s, "start", "serving on %s from redis %s (stateless)",
	    s->c->listen, s->c->redis);
	fprintf(stderr, "fe-status: ready on http://%s%s (from redis %s)\n",
	    s->c->listen, s->c->ocsp_path, s->c->redis);
	while (!*stop)
		usleep(200 * 1000);
	log_event(s, "stop", "stopping");
	srv_stop(s->pub);
	s->pub = NULL;
	return 0;
}

int
status_serve(struct status *s, volatile int *stop, struct fe_err *err)
{
	bool stale[STATUSDB_MAX_ISSUERS] = { false };
	int64_t last = 0, last_check, v, now, until;
	struct fe_err e2;
	int rc = 0;

	signal(SIGPIPE, SIG_IGN);
	if (redis_serving(s->c))
		return serve_stateless(s, stop, err);
	if ((rc = refresh(s, true, err)) != 0)
		return rc;
	pthread_mutex_lock(&s->dblock);
	(void)requests_locked(s, &e2);
	check_stale(s, stale);
	pthread_mutex_unlock(&s->dblock);
	if ((s->pub = start(s, s->c->listen, (unsigned)s->c->threads,
	    pub_handler, err)) == NULL)
		return FE_EIO;
	if (s->c->admin[0] != '\0' && (s->adm = start(s, s->c->admin, 1,
	    adm_handler, err)) == NULL) {
		srv_stop(s->pub);
		s->pub = NULL;
		return FE_EIO;
	}
	log_event(s, "start", "serving on %s (admin %s)", s->c->listen,
	    s->c->admin[0] ? s->c->admin : "off");
	fprintf(stderr, "fe-status: ready on http://%s%s\n", s->c->listen,
	    s->c->ocsp_path);
	last = last_check = fe_now_sec();
	while (!*stop) {
		usleep(200 * 1000);
		now = fe_now_sec();
		pthread_mutex_lock(&s->dblock);
		rc = statusdb_data_version(s->db, &v, &e2);
		if (rc == 0 && v != s->data_version) {
			/* another process committed: reopen to see new
			 * issuers too */
			struct statusdb *ndb = NULL;
			char p[1100];

			fe_snprintf(p, sizeof(p), "%s/status.db",
			    s->c->state);
			if (statusdb_open(p, &ndb, &e2) == 0) {
				statusdb_close(s->db);
				s->db = ndb;
				(void)statusdb_data_version(s->db,
				    &s->data_version, &e2);
				(void)delegates_load(s, &e2);
				s->dirty = 1;
			}
		}
		pthread_mutex_unlock(&s->dblock);
		pthread_rwlock_rdlock(&s->cachelock);
		until = s->cache != NULL ? s->cache->until : 0;
		pthread_rwlock_unlock(&s->cachelock);
		if (s->dirty || now - last >= REFRESH_SECS ||
		    (until != 0 && now >= until)) {
			s->dirty = 0;
			if (refresh(s, false, &e2) != 0)
				log_event(s, "cache.error", "%s", e2.msg);
			last = now;
		}
		if (now - last_check >= CHECK_SECS) {
			pthread_mutex_lock(&s->dblock);
			if (requests_locked(s, &e2) != 0)
				log_event(s, "delegate.error", "%s", e2.msg);
			check_stale(s, stale);
			pthread_mutex_unlock(&s->dblock);
			last_check = now;
		}
	}
	log_event(s, "stop", "stopping");
	srv_stop(s->adm);
	srv_stop(s->pub);
	s->adm = s->pub = NULL;
	return 0;
}
