/*
 * web.h - fe-web's configuration and the context its parts share
 * (docs/web.md).
 */
#ifndef FE_WEB_WEB_H
#define FE_WEB_WEB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <sqlite3.h>

#include "lib/chainlog.h"
#include "lib/err.h"
#include "link/client.h"
#include "web/dns.h"
#include "web/mail.h"

#define WEB_MAX_ISSUERS 16
#define WEB_MAX_IDENT 8

/* A profile fe-web offers (docs/web.md, "Profiles"). */
enum web_names { WN_EMAIL, WN_DNS, WN_NONE };
struct web_profile {
	const char *name;          /* fe-web's name: email, email-name, ... */
	const char *signer;        /* the signer.ini profile */
	enum web_names names;
	bool needs_name;           /* the assured name as CN (C1) */
	bool needs_assurer;        /* C3 */
	unsigned max_days;         /* the signer profile's maximum */
	char issuer[32];           /* CA label, from web.ini [profiles] */
};

struct web_issuer {
	char label[32];
	X509 *cert;
};

struct web_conf {
	/* [web] */
	char *listen_host;
	uint16_t listen_port;
	char *db_path;
	char *static_dir;
	char *base_url;            /* http(s)://host[:port], no trailing / */
	char *origin;              /* scheme://host[:port] of base_url */
	char *log_path;            /* the hash-chained log (K5, A5) */
	unsigned threads;
	char *caa_ident[WEB_MAX_IDENT + 1];  /* NULL-terminated */
	/* [smtp] */
	char *smtp_url, *smtp_from;
	/* [dns] */
	char *resolver, *trust_anchor;
	/* [checks] */
	unsigned http_port;        /* the port of the HTTP domain check */
	bool http_private;         /* let the HTTP check connect to loopback
	                            * and private addresses (tests only) */
	int64_t recheck_interval;  /* seconds between re-checks */
	int64_t recheck_grace;     /* seconds to answer a re-check mail */
	unsigned recheck_poll;     /* seconds between scheduler passes */
	int64_t token_ttl;         /* seconds a mailed token lives */
	/* [ca] and [issuer LABEL] */
	X509 *root;
	struct web_issuer issuers[WEB_MAX_ISSUERS];
	size_t nissuers;
	/* [profiles] */
	struct web_profile profiles[4];
	size_t nprofiles;
	/* [link] */
	bool have_link;
	struct sclient_cfg link;
	/* [status] */
	char **status_admin;       /* NULL-terminated */
	char *status_ca_certs;     /* PEM of the root and sub-roots, sent in
	                            * every bundle (or NULL) */
	size_t nstatus;
};

int web_conf_load(const char *path, struct web_conf *wc, struct fe_err *err);
void web_conf_clear(struct web_conf *wc);
const struct web_issuer *web_issuer(const struct web_conf *wc,
    const char *label);
const struct web_profile *web_profile(const struct web_conf *wc,
    const char *name);

struct worker;

/* What the HTTP threads, the scheduler and the admin commands share. */
struct web {
	const struct web_conf *c;
	struct mail_conf mail;
	struct dns_conf dns;
	struct clog *log;
	pthread_mutex_t log_mu;
	struct worker *worker;     /* NULL: no line (admin commands) */
	pthread_key_t db_key, dns_key;
};

/* admin: an administrator's command, logging to LOG-admin (the server
 * holds LOG). */
int web_init(struct web *w, const struct web_conf *c, bool admin,
    struct fe_err *err);
void web_fini(struct web *w);
/* This thread's own database connection / resolver (opened on first use,
 * closed when the thread ends). */
sqlite3 *web_db(struct web *w, struct fe_err *err);
struct dns *web_dns(struct web *w, struct fe_err *err);
/* Append one record to the hash-chained log, under its mutex; the payload
 * is a JSON object of (const char *key, json_t *value) pairs, ended by
 * NULL; the values are stolen.  A failure to log is an error: nothing is answered unlogged. */
int web_log(struct web *w, const char *type, struct fe_err *err, ...);
/* Send a mail with a link BASE/#KIND=TOKEN. */
int web_mail_token(struct web *w, const char *to, const char *subject,
    const char *intro, const char *kind, const char *token,
    struct fe_err *err);

/* Queue the revocation of every issued, unrevoked certificate naming
 * value (kind "dns": the domain and every name under it; "email": the
 * address) of account, with reason superseded and cause; returns how many
 * were queued (>= 0) or an error.  Runs inside the caller's transaction. */
int web_revoke_naming(sqlite3 *db, int64_t account, const char *kind,
    const char *value, const char *cause, struct fe_err *err);

/* The HTTP server (server.c). */
struct websrv;
int websrv_start(struct web *w, struct websrv **out, struct fe_err *err);
void websrv_stop(struct websrv *s);

/* One pass of the re-check scheduler (recheck.c): every address and
 * domain whose re-check is due.  *lapsed counts what lapsed.  Sessions
 * past their expiry are deleted first. */
int recheck_pass(struct web *w, unsigned *checked, unsigned *lapsed,
    struct fe_err *err);
struct recheck;
int recheck_start(struct web *w, struct recheck **out, struct fe_err *err);
void recheck_stop(struct recheck *r);

#endif
