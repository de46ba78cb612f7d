/*
 * worker.h - fe-web's queue worker: the only client of fe-signer's serial
 * line, and the carrier of its results to every fe-status.
 *
 * It sends the queued signing requests and revocations of web.db (and the
 * delegated-key requests it fetched from fe-status) over the link, stores
 * each outcome in one committed transaction, fetches every issuer's CRLs,
 * and pushes bundles (new certificates, the latest CRLs) to each fe-status
 * admin address, remembering per server what it has delivered.  Any
 * process may be killed at any moment: a row stays queued until its
 * outcome is committed and is then sent again with the same id, which the
 * signer answers from its store (never a second certificate).
 */
#ifndef FE_WEB_WORKER_H
#define FE_WEB_WORKER_H

#include <pthread.h>

#include "lib/chainlog.h"
#include "lib/err.h"
#include "link/client.h"

struct worker_conf {
	const char *db_path;             /* web.db; the worker opens its own connection */
	struct sclient_cfg link;         /* the serial line to fe-signer */
	struct clog *log;                /* requests.log (POLICY.md K5), may be NULL */
	pthread_mutex_t *log_mu;         /* held around every clog_append on log */
	const char *const *status_admin; /* fe-status admin base URLs, NULL-terminated, may be NULL */
	const char *ca_certs;            /* PEM file of the root and sub-roots, sent in
	                                  * every bundle so that each fe-status knows
	                                  * every issuer (NULL: none) */
	unsigned crl_refresh_s;          /* ask for every issuer's CRLs this often (0: 6 hours) */
	unsigned push_retry_s;           /* retry a failed bundle push after (0: 30) */
	unsigned status_poll_s;          /* poll fe-status for delegated-key requests (0: 60) */
};

struct worker;

/* Start the worker's threads (the link, and HTTP to fe-status). */
int worker_start(const struct worker_conf *c, struct worker **out,
    struct fe_err *err);
/* New work was queued (a request row, a revocation): look now. */
void worker_kick(struct worker *w);
/* Finish the current step, close the line, join; frees w. */
void worker_stop(struct worker *w);
/* One pass, no thread (tests, admin commands): fetch fe-status's requests,
 * send everything queued, fetch the CRLs owed, push the bundles owed.
 * Returns 0 when nothing queued is left, FE_EBUSY (err says what) when
 * timeout_ms passed first or a push failed. */
int worker_run_once(const struct worker_conf *c, int timeout_ms,
    struct fe_err *err);

#endif
