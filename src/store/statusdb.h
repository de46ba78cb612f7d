/*
 * statusdb.h - the status store of fe-status (issue #6): what the OCSP
 * responder says rests only on what the signer signed.  Issuers (sub-roots)
 * are admitted only when they verify against the configured root;
 * certificates only when their signature verifies with a known issuer's key
 * (so a serial the CA never issued is never "good", BR 4.9.10); revocations
 * come only from CRLs signed by the issuer, with a cRLNumber that never goes
 * backwards.  SQLite, WAL, schema versioned with PRAGMA user_version.
 * Serial numbers are stored as lower-case hex without leading zeros.
 */
#ifndef FE_STATUSDB_H
#define FE_STATUSDB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/err.h"
#include "pki/ocsp.h"

#define STATUSDB_NAME_MAX 256      /* issuer name (RFC 2253 subject) */
#define STATUSDB_MAX_ISSUERS 64
#define STATUSDB_MAX_DER (1 << 20) /* one certificate, bytes */
#define STATUSDB_MAX_CRL_DER (64 << 20)
#define STATUSDB_CLOCK_SKEW 300    /* thisUpdate may be this far ahead */
#define STATUSDB_URL_MAX 1024      /* a CRL partition URI, with its NUL */

struct statusdb;

int statusdb_open(const char *path, struct statusdb **out,
    struct fe_err *err);
void statusdb_close(struct statusdb *db);

/*
 * Admit a sub-root: it must be a CA certificate (basicConstraints CA:TRUE,
 * keyCertSign and cRLSign when keyUsage is present) that verifies with
 * X509_verify_cert against trust_root as the only trust anchor.  Adding the
 * same certificate again is a no-op.  Neither argument is taken.
 */
int statusdb_add_issuer(struct statusdb *db, X509 *issuer, X509 *trust_root,
    struct fe_err *err);

/*
 * Store a DER certificate issued by a known issuer (signature checked).
 * Idempotent for the same bytes; FE_EEXIST for a different certificate
 * with the same issuer and serial; FE_EPOLICY when no known issuer signed it.
 */
int statusdb_add_cert(struct statusdb *db, const uint8_t *der, size_t len,
    struct fe_err *err);

/*
 * Accept a DER CRL signed by a known issuer and make its entries the
 * revoked set of its partition, in one transaction.  The partition is the
 * URI of a critical issuingDistributionPoint that holds only a
 * distributionPoint fullName of one URI (and perhaps onlyContainsUserCerts),
 * as the signer writes for a partitioned CRL (docs/crl.md); a CRL without
 * issuingDistributionPoint is complete (partition "").  Any other scope
 * (onlySomeReasons, onlyContainsCACerts, indirect, ...) is refused, and so
 * is a partition URI another issuer already uses.  Requires cRLNumber and
 * nextUpdate >= thisUpdate, thisUpdate at most STATUSDB_CLOCK_SKEW after
 * now; per (issuer, partition), a number lower than the newest stored is
 * refused, an equal one is accepted only for the same bytes (no-op), a
 * higher one only with a thisUpdate no older than the stored one.  A
 * refusal changes nothing.
 */
int statusdb_add_crl(struct statusdb *db, const uint8_t *der, size_t len,
    int64_t now, struct fe_err *err);

struct statusdb_answer {
	enum ocsp_cert_status status;
	int64_t revoked_at;        /* REVOKED only */
	int reason;                /* REVOKED only: CRLReason, -1 none */
	int64_t this_update;       /* of the newest accepted CRL */
	int64_t next_update;
	char issuer[STATUSDB_NAME_MAX];
	X509 *issuer_cert;         /* borrowed; valid until statusdb_close */
};

/*
 * Status of the certificate named by id: revoked when any of its issuer's
 * partitions lists the serial; this_update and next_update are the oldest
 * thisUpdate and earliest nextUpdate over the newest CRL of every
 * partition.  0 and *out filled; FE_ENOENT when
 * no known issuer has this CertID's name and key hash (answer
 * "unauthorized"); FE_EBUSY when the issuer has no accepted CRL yet (answer
 * "tryLater": without a CRL nothing can be vouched for).
 */
int statusdb_status(struct statusdb *db, const struct ocsp_certid *id,
    struct statusdb_answer *out, struct fe_err *err);

/* Seconds since the thisUpdate of issuer's newest CRL (of its stalest
 * partition); FE_ENOENT when the issuer is unknown or has no CRL. */
int statusdb_crl_age(struct statusdb *db, const char *issuer, int64_t now,
    int64_t *age, struct fe_err *err);

/*
 * Call cb for every issuer whose newest CRL (of any one of its partitions:
 * age is that of the stalest) is older than max_age seconds, or that has
 * no CRL at all (age -1): the staleness alarm, someone may be
 * withholding revocations.  A non-zero cb return stops and is returned.
 * Returns the number of stale issuers otherwise.
 */
typedef int (*statusdb_stale_cb)(const char *issuer, int64_t age,
    void *arg);
int statusdb_stale(struct statusdb *db, int64_t now, int64_t max_age,
    statusdb_stale_cb cb, void *arg, struct fe_err *err);

/*
 * Several changes as one transaction (a status bundle: all or nothing).
 * Every statusdb_add_* between begin and commit stays atomic on its own;
 * abort undoes them all, issuers included.
 */
int statusdb_batch_begin(struct statusdb *db, struct fe_err *err);
int statusdb_batch_commit(struct statusdb *db, struct fe_err *err);
void statusdb_batch_abort(struct statusdb *db);

/* SQLite's PRAGMA data_version: changes when another connection (fe-status
 * load, a second process) commits, so a server knows when to reload. */
int statusdb_data_version(struct statusdb *db, int64_t *out,
    struct fe_err *err);

/* The issuers, as loaded when the database was opened (index order). */
size_t statusdb_nissuers(const struct statusdb *db);
X509 *statusdb_issuer_at(const struct statusdb *db, size_t i);
const char *statusdb_issuer_name(const struct statusdb *db, size_t i);

/* Call cb for every stored certificate: its issuer's index and its serial
 * (big-endian, no leading zeros).  A non-zero cb return stops and is
 * returned. */
typedef int (*statusdb_cert_cb)(size_t issuer, const uint8_t *serial,
    size_t serial_len, void *arg);
int statusdb_each_cert(struct statusdb *db, statusdb_cert_cb cb, void *arg,
    struct fe_err *err);

/*
 * Call cb for every CRL partition known, issuer by issuer: url is the
 * partition URI from the issuingDistributionPoint, "" for an issuer's
 * complete CRL (whose URL is in the certificates, not in the CRL).  This
 * is the list of CRL URLs fe-status publishes (the JSON array CCADB asks
 * for).  A non-zero cb return stops and is returned; otherwise the number
 * of partitions.
 */
typedef int (*statusdb_crl_url_cb)(const char *issuer, const char *url,
    void *arg);
int statusdb_crl_urls(struct statusdb *db, statusdb_crl_url_cb cb, void *arg,
    struct fe_err *err);

/* The DER of the newest CRL of the partition with URI url (*der
 * malloc'd); FE_ENOENT when none. */
int statusdb_crl_by_url(struct statusdb *db, const char *url, uint8_t **der,
    size_t *len, struct fe_err *err);

/* The DER of the newest CRL of issuer (its subject as statusdb names it)
 * for partition part ("" for the complete CRL); *der malloc'd; FE_ENOENT
 * when none. */
int statusdb_crl_der(struct statusdb *db, const char *issuer,
    const char *part, uint8_t **der, size_t *len, struct fe_err *err);

#endif
