/*
 * server.h - fe-status: OCSP (RFC 6960, RFC 5019 profile), CRLs and the
 * time-stamp authority over HTTP (libmicrohttpd), answering only from
 * status data the signer signed (docs/status.md, fe-status(8)).
 */
#ifndef FE_STATUS_SERVER_H
#define FE_STATUS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/err.h"
#include "status/delegate.h"

#define STATUS_MAX_ISSUERS 32
#define STATUS_PATH_MAX 256

struct status_issuer {
	char label[DELEGATE_LABEL_MAX];  /* the signer's name for it */
	X509 *cert;
	char crl_url[1024];              /* where its (unpartitioned) CRL is */
};

struct status_conf {
	char state[1024];             /* status.db, keys/, status.log */
	char name[64];                /* this server, in delegated subjects */
	char org[64], country[3];     /* O and C of delegated subjects */
	X509 *root;
	struct status_issuer iss[STATUS_MAX_ISSUERS];
	size_t niss;
	char listen[128];             /* public: OCSP, CRLs, TSA */
	char admin[128];              /* bundles in, signing requests out */
	uint64_t threads;
	uint64_t nonce_rate;          /* nonces echoed per second, at most */
	char ocsp_path[STATUS_PATH_MAX];   /* "/" */
	char tsa_path[STATUS_PATH_MAX];    /* "/tsa" */
	char crl_list_path[STATUS_PATH_MAX]; /* "/crls.json" */
	uint64_t crl_max_age;         /* seconds: staleness alarm */
	uint64_t renew_before;        /* seconds before notAfter */
	uint64_t delegate_days;       /* validity asked for */
	bool tsa;                     /* the TSA is on */
	char tsa_issuer[DELEGATE_LABEL_MAX];
	char tsa_policy[128];
	uint64_t tsa_accuracy_ms;
	uint64_t tsa_days;
	char redis[256];              /* host:port, "" for none */
	int redis_role;               /* 0 publish, 1 serve */
};

int status_conf_load(const char *path, struct status_conf *out,
    struct fe_err *err);
void status_conf_free(struct status_conf *c);

struct status;

/* Open the state (status.db, log, delegated keys) and add the configured
 * issuers (each verified against the root). */
int status_open(const struct status_conf *c, struct status **out,
    struct fe_err *err);
void status_close(struct status *s);

/* Apply a bundle file (all or nothing), install delegated certificates it
 * carries, and log the outcome either way. */
int status_load_bundle(struct status *s, const char *name,
    const uint8_t *p, size_t len, struct fe_err *err);

/* Make keys and signing requests for delegated certificates missing or due
 * (renew_before); copy every pending request into outdir when not NULL.
 * Returns the number of requests pending. */
int status_requests(struct status *s, const char *outdir,
    struct fe_err *err);

/* A human summary: issuers, CRL ages, delegated certificates. */
int status_summary(struct status *s, FILE *out, struct fe_err *err);

/* Serve until *stop becomes non-zero. */
int status_serve(struct status *s, volatile int *stop, struct fe_err *err);

#endif
