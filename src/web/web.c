/*
 * web.c - fe-web's configuration (web.ini) and the context its threads
 * share: per-thread database connections and resolvers, the hash-chained
 * log, mailed links.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/pem.h>

#include "lib/conf.h"
#include "lib/file.h"
#include "web/web.h"
#include "web/webdb.h"

/* The profiles fe-web offers (docs/web.md); max_days are signer.ini's. */
static const struct web_profile profile_table[] = {
	{ "email", "smime-mailbox", WN_EMAIL, false, false, 825, "members" },
	{ "email-name", "smime-individual", WN_EMAIL, true, false, 825,
	  "members" },
	{ "server", "tls-server", WN_DNS, false, false, 200, "server" },
	{ "code-signing", "code-signing", WN_NONE, true, true, 460, "code" },
};

static char *
dup_or_null(const char *s)
{
	return s ? fe_strdup(s) : NULL;
}

static int
load_cert(const char *path, X509 **out, struct fe_err *err)
{
	uint8_t *p;
	size_t n;
	BIO *b;
	int rc;

	if ((rc = fe_read_file(path, 1u << 20, &p, &n, err)) != 0)
		return rc;
	b = BIO_new_mem_buf(p, (int)n);
	*out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(p);
	if (*out == NULL)
		return fe_err_ssl(err, "%s: not a PEM certificate", path);
	return 0;
}

/* "HOST:PORT" */
static int
parse_listen(const char *v, struct web_conf *wc, struct fe_err *err)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;

	if (colon == NULL || colon == v)
		return fe_err_set(err, "[web] listen = '%.64s': not HOST:PORT",
		    v);
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || colon[1] == '\0')
		return fe_err_set(err, "[web] listen = '%.64s': bad port", v);
	if (v[0] == '[' && colon[-1] == ']')
		wc->listen_host = fe_strndup(v + 1, (size_t)(colon - v - 2));
	else
		wc->listen_host = fe_strndup(v, (size_t)(colon - v));
	wc->listen_port = (uint16_t)port;
	return 0;
}

/* The origin (scheme://host[:port]) of base_url. */
static int
parse_base(const char *v, struct web_conf *wc, struct fe_err *err)
{
	const char *host, *slash;
	size_t n = strlen(v);

	if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else
		return fe_err_set(err, "[web] base_url = '%.64s': must begin "
		    "with http:// or https://", v);
	if (*host == '\0' || *host == '/')
		return fe_err_set(err, "[web] base_url = '%.64s': no host", v);
	while (n > 0 && v[n - 1] == '/')
		n--;
	wc->base_url = fe_strndup(v, n);
	slash = strchr(host, '/');
	wc->origin = fe_strndup(v, slash ? (size_t)(slash - v) : n);
	return 0;
}

static int
load_secs(struct conf *c, const char *key, uint64_t def, int64_t *out,
    struct fe_err *err)
{
	uint64_t u;
	int rc;

	if ((rc = conf_uint(c, "checks", key, 1, 10ull * 366 * 86400, def, &u,
	    err)) != 0)
		return rc;
	*out = (int64_t)u;
	return 0;
}

int
web_conf_load(const char *path, struct web_conf *wc, struct fe_err *err)
{
	struct conf *c = NULL;
	const char *v;
	char **ids = NULL;
	size_t nids = 0, i;
	uint64_t u;
	int rc;

	memset(wc, 0, sizeof(*wc));
	if ((rc = conf_load(path, &c, err)) != 0)
		return rc;
	if ((rc = conf_req_str(c, "web", "listen", &v, err)) != 0 ||
	    (rc = parse_listen(v, wc, err)) != 0 ||
	    (rc = conf_req_str(c, "web", "db", &v, err)) != 0)
		goto out;
	wc->db_path = fe_strdup(v);
	if ((rc = conf_req_str(c, "web", "static", &v, err)) != 0)
		goto out;
	wc->static_dir = fe_strdup(v);
	if ((rc = conf_req_str(c, "web", "base_url", &v, err)) != 0 ||
	    (rc = parse_base(v, wc, err)) != 0 ||
	    (rc = conf_req_str(c, "web", "log", &v, err)) != 0)
		goto out;
	wc->log_path = fe_strdup(v);
	if ((rc = conf_uint(c, "web", "threads", 1, 64, 4, &u, err)) != 0)
		goto out;
	wc->threads = (unsigned)u;
	if ((rc = conf_list(c, "web", "caa_identities", &ids, &nids,
	    err)) != 0)
		goto out;
	if (nids == 0 || nids > WEB_MAX_IDENT) {
		rc = fe_err_set(err, "%s: [web] caa_identities: give 1 to %d "
		    "issuer domain names (RFC 8659) that mean this CA",
		    conf_name(c), WEB_MAX_IDENT);
		goto out;
	}
	for (i = 0; i < nids; i++)
		wc->caa_ident[i] = fe_strdup(ids[i]);

	if ((rc = conf_req_str(c, "smtp", "url", &v, err)) != 0)
		goto out;
	wc->smtp_url = fe_strdup(v);
	if ((rc = conf_req_str(c, "smtp", "from", &v, err)) != 0)
		goto out;
	wc->smtp_from = fe_strdup(v);

	wc->resolver = dup_or_null(conf_str(c, "dns", "resolver"));
	wc->trust_anchor = dup_or_null(conf_str(c, "dns", "trust_anchor"));

	if ((rc = conf_uint(c, "checks", "http_port", 1, 65535, 80, &u,
	    err)) != 0)
		goto out;
	wc->http_port = (unsigned)u;
	if ((rc = conf_bool(c, "checks", "http_private", false,
	    &wc->http_private, err)) != 0)
		goto out;
	if ((rc = load_secs(c, "recheck_interval", 30 * 86400,
	    &wc->recheck_interval, err)) != 0 ||
	    (rc = load_secs(c, "recheck_grace", 7 * 86400, &wc->recheck_grace,
	    err)) != 0 ||
	    (rc = load_secs(c, "token_ttl", 3 * 86400, &wc->token_ttl,
	    err)) != 0 ||
	    (rc = conf_uint(c, "checks", "recheck_poll", 1, 86400, 60, &u,
	    err)) != 0)
		goto out;
	wc->recheck_poll = (unsigned)u;

	if ((v = conf_str(c, "ca", "root")) != NULL &&
	    (rc = load_cert(v, &wc->root, err)) != 0)
		goto out;
	for (i = 0; conf_section(c, i) != NULL; i++) {
		const char *sec = conf_section(c, i);
		struct web_issuer *is;

		if (strncmp(sec, "issuer ", 7) != 0)
			continue;
		if (wc->nissuers == WEB_MAX_ISSUERS ||
		    strlen(sec + 7) >= sizeof(is->label)) {
			rc = fe_err_set(err, "%s: [%s]: too many issuers or "
			    "label too long", conf_name(c), sec);
			goto out;
		}
		is = &wc->issuers[wc->nissuers];
		fe_snprintf(is->label, sizeof(is->label), "%s", sec + 7);
		if ((rc = conf_req_str(c, sec, "cert", &v, err)) != 0 ||
		    (rc = load_cert(v, &is->cert, err)) != 0)
			goto out;
		wc->nissuers++;
	}
	/* A profile is offered when its issuer is configured. */
	for (i = 0; i < sizeof(profile_table) / sizeof(profile_table[0]); i++)
		if (web_issuer(wc, profile_table[i].issuer) != NULL)
			wc->profiles[wc->nprofiles++] = profile_table[i];

	if (conf_has_section(c, "link")) {
		struct sclient_cfg lc;

		if ((rc = sclient_conf_load(c, "link", &lc, err)) != 0)
			goto out;
		wc->link = lc;
		wc->link.device = fe_strdup(lc.device);
		wc->have_link = true;
	}
	{
		char **adm = NULL;
		size_t nadm = 0;

		if ((rc = conf_list(c, "status", "admin", &adm, &nadm,
		    err)) != 0)
			goto out;
		wc->status_admin = fe_calloc(nadm + 1, sizeof(char *));
		for (i = 0; i < nadm; i++)
			wc->status_admin[i] = fe_strdup(adm[i]);
		wc->nstatus = nadm;
		conf_list_free(adm, nadm);
	}
	wc->status_ca_certs = dup_or_null(conf_str(c, "status", "ca_certs"));
	rc = conf_check_unused(c, err);
out:
	conf_list_free(ids, nids);
	conf_free(c);
	if (rc != 0)
		web_conf_clear(wc);
	return rc;
}

void
web_conf_clear(struct web_conf *wc)
{
	size_t i;

	free(wc->listen_host);
	free(wc->db_path);
	free(wc->static_dir);
	free(wc->base_url);
	free(wc->origin);
	free(wc->log_path);
	for (i = 0; wc->caa_ident[i] != NULL; i++)
		free(wc->caa_ident[i]);
	free(wc->smtp_url);
	free(wc->smtp_from);
	free(wc->resolver);
	free(wc->trust_anchor);
	X509_free(wc->root);
	for (i = 0; i < wc->nissuers; i++)
		X509_free(wc->issuers[i].cert);
	if (wc->have_link)
		free((char *)wc->link.device);
	OPENSSL_cleanse(wc->link.key, sizeof(wc->link.key));
	for (i = 0; i < wc->nstatus; i++)
		free(wc->status_admin[i]);
	free(wc->status_admin);
	free(wc->status_ca_certs);
	memset(wc, 0, sizeof(*wc));
}

const struct web_issuer *
web_issuer(const struct web_conf *wc, const char *label)
{
	size_t i;

	for (i = 0; i < wc->nissuers; i++)
		if (strcmp(wc->issuers[i].label, label) == 0)
			return &wc->issuers[i];
	return NULL;
}

const struct web_profile *
web_profile(const struct web_conf *wc, const char *name)
{
	size_t i;

	for (i = 0; i < wc->nprofiles; i++)
		if (strcmp(wc->profiles[i].name, name) == 0)
			return &wc->profiles[i];
	return NULL;
}

/* ------------------------------------------------------------ context */

static void
db_free(void *p)
{
	webdb_close(p);
}

static void
dns_free(void *p)
{
	dns_close(p);
}

int
web_init(struct web *w, const struct web_conf *c, bool admin,
    struct fe_err *err)
{
	sqlite3 *db;
	int rc;

	memset(w, 0, sizeof(*w));
	w->c = c;
	w->mail.url = c->smtp_url;
	w->mail.from = c->smtp_from;
	w->mail.timeout = 10;
	w->dns.resolver = c->resolver;
	w->dns.trust_anchor = c->trust_anchor;
	w->dns.timeout_ms = 5000;
	pthread_mutex_init(&w->log_mu, NULL);
	if (pthread_key_create(&w->db_key, db_free) != 0 ||
	    pthread_key_create(&w->dns_key, dns_free) != 0)
		return fe_err_set(err, "out of thread keys");
	/* Create or migrate the store now, so that errors show at start. */
	if ((rc = webdb_open(c->db_path, &db, err)) != 0)
		return rc;
	pthread_setspecific(w->db_key, db);
	if (!admin)
		return clog_open(c->log_path, &w->log, err);
	{
		/* The server holds its log; administrators' commands
		 * have their own (docs/web.md, "Logs"). */
		char p[4096];

		if (fe_snprintf_ok(p, sizeof(p), "%s-admin", c->log_path) != 0)
			return fe_err_set(err, "%s: path too long",
			    c->log_path);
		return clog_open(p, &w->log, err);
	}
}

void
web_fini(struct web *w)
{
	sqlite3 *db = pthread_getspecific(w->db_key);
	struct dns *d = pthread_getspecific(w->dns_key);

	webdb_close(db);
	dns_close(d);
	pthread_setspecific(w->db_key, NULL);
	pthread_setspecific(w->dns_key, NULL);
	pthread_key_delete(w->db_key);
	pthread_key_delete(w->dns_key);
	clog_close(w->log);
	pthread_mutex_destroy(&w->log_mu);
}

sqlite3 *
web_db(struct web *w, struct fe_err *err)
{
	sqlite3 *db = pthread_getspecific(w->db_key);

	if (db == NULL) {
		if (webdb_open(w->c->db_path, &db, err) != 0)
			return NULL;
		pthread_setspecific(w->db_key, db);
	}
	return db;
}

struct dns *
web_dns(struct web *w, struct fe_err *err)
{
	struct dns *d = pthread_getspecific(w->dns_key);

	if (d == NULL) {
		if (dns_open(&w->dns, &d, err) != 0)
			return NULL;
		dns_set_private_addresses(d, w->c->http_private);
		pthread_setspecific(w->dns_key, d);
	}
	return d;
}

int
web_log(struct web *w, const char *type, struct fe_err *err, ...)
{
	struct fe_err e2;
	json_t *o = json_object();
	const char *k;
	char *s;
	va_list ap;
	int rc;

	va_start(ap, err);
	while ((k = va_arg(ap, const char *)) != NULL)
		json_object_set_new(o, k, va_arg(ap, json_t *));
	va_end(ap);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return fe_err_set(err ? err : &e2, "log: out of memory");
	pthread_mutex_lock(&w->log_mu);
	rc = clog_append(w->log, type, s, strlen(s), err ? err : &e2);
	pthread_mutex_unlock(&w->log_mu);
	free(s);
	return rc;
}

int
web_mail_token(struct web *w, const char *to, const char *subject,
    const char *intro, const char *kind, const char *token,
    struct fe_err *err)
{
	char body[2048];

	if (fe_snprintf_ok(body, sizeof(body), "%s\n\n  %s/#%s=%s\n\n"
	    "The link works once and for %lld hours. If you did not ask for "
	    "this, ignore this mail.\n\n-- \n%s\n", intro, w->c->base_url,
	    kind, token, (long long)(w->c->token_ttl / 3600),
	    w->c->base_url) != 0)
		return fe_err_set(err, "mail: text too long");
	return mail_send(&w->mail, to, subject, body, err);
}
