/*
 * signerdb.h - the signer's own store (SQLite, WAL): issued certificates,
 * the outcome of every request id (so a repeated id returns the stored
 * result and never a second certificate), revocations and CRL numbers.
 * Serial numbers are stored as lower-case hex without leading zeros.
 */
#ifndef FE_SIGNERDB_H
#define FE_SIGNERDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct signerdb;

int signerdb_open(const char *path, struct signerdb **out,
    struct fe_err *err);
void signerdb_close(struct signerdb *db);

int signerdb_begin(struct signerdb *db, struct fe_err *err);
/* A transaction whose commit does not wait for the disk (synchronous=
 * NORMAL until it ends): a crash may lose it, whole, never half of it,
 * until a later commit or checkpoint syncs the WAL.  Only for what the
 * request log holds in full and the engine restores from it (engine.c
 * recover()). */
int signerdb_begin_nosync(struct signerdb *db, struct fe_err *err);
int signerdb_commit(struct signerdb *db, struct fe_err *err);
void signerdb_rollback(struct signerdb *db);
/* Copy every committed page from the WAL into the database (a passive
 * checkpoint; SQLite also runs one every 10,000 WAL pages). */
int signerdb_checkpoint(struct signerdb *db, struct fe_err *err);

/* 1 if the serial exists for this issuer, 0 if not, <0 on error. */
int signerdb_serial_exists(struct signerdb *db, const char *issuer,
    const char *serial, struct fe_err *err);

struct db_outcome {
	char digest[65];
	int issued;                /* 1 issued, 0 refused */
	char issuer[32];
	char serial[41];
	char reason[1024];
	uint8_t *der;              /* malloc'd, when issued */
	size_t derlen;
};
/* 0 and *out filled if the request id is known; FE_ENOENT if not. */
int signerdb_request_get(struct signerdb *db, const char *id,
    struct db_outcome *out, struct fe_err *err);
void db_outcome_clear(struct db_outcome *o);

/* An issuance and its request's outcome, dated at (seconds; 0: now -- a
 * certificate stored again from the request log keeps its record's time). */
int signerdb_record_issued(struct signerdb *db, const char *id,
    const char *digest, const char *profile, const char *issuer,
    const char *serial, int64_t not_before, int64_t not_after,
    const char *subject, const char *fingerprint, const uint8_t *der,
    size_t derlen, int is_ca, uint32_t crl_part, int64_t at,
    struct fe_err *err);
/* A certificate made outside a request (the ceremony's CA certificates),
 * added if its serial is not stored yet. */
int signerdb_cert_add(struct signerdb *db, const char *issuer,
    const char *serial, const char *profile, int64_t not_before,
    int64_t not_after, const char *subject, const char *fingerprint,
    const uint8_t *der, size_t derlen, int is_ca, struct fe_err *err);
int signerdb_record_refused(struct signerdb *db, const char *id,
    const char *digest, const char *reason, struct fe_err *err);

/* Find a certificate by serial (any issuer).  FE_ENOENT if none. */
int signerdb_cert_find(struct signerdb *db, const char *serial,
    char issuer[32], int *is_ca, int64_t *not_after, struct fe_err *err);
/* Record a revocation; FE_EEXIST if already revoked. */
int signerdb_revoke(struct signerdb *db, const char *issuer,
    const char *serial, int reason, int64_t at, struct fe_err *err);

typedef int (*signerdb_revoked_cb)(const char *serial, int64_t at,
    int reason, void *arg);
int signerdb_revoked(struct signerdb *db, const char *issuer,
    signerdb_revoked_cb cb, void *arg, struct fe_err *err);
/* The revocations of the certificates whose CRL distribution point names
 * part `part` of issuer's partitioned CRL (docs/crl.md). */
int signerdb_revoked_part(struct signerdb *db, const char *issuer,
    uint32_t part, signerdb_revoked_cb cb, void *arg, struct fe_err *err);
/* How many of issuer's certificates were given a CRL part (crl_part > 0):
 * the next one goes into part 1 + n / crl_partition_size. */
int signerdb_part_count(struct signerdb *db, const char *issuer, int64_t *n,
    struct fe_err *err);
/* Every stored certificate's (issuer, serial), with b the serial, and
 * every stored request id, with b NULL: what the engine keeps in memory
 * to check new ones against (lib/keyset.h). */
typedef void (*signerdb_key_cb)(const char *a, const char *b, void *arg);
int signerdb_cert_keys(struct signerdb *db, signerdb_key_cb cb, void *arg,
    struct fe_err *err);
int signerdb_request_ids(struct signerdb *db, signerdb_key_cb cb, void *arg,
    struct fe_err *err);
/* The highest CRL part any of issuer's certificates names (0: none), and
 * how many name the unpartitioned CRL (part 0). */
int signerdb_crl_parts(struct signerdb *db, const char *issuer,
    uint32_t *max_part, int64_t *unpartitioned, struct fe_err *err);

/* Reserve the next CRL number for issuer (last + 1, starting at 1); every
 * part of one generation of a partitioned CRL has the same number. */
int signerdb_crl_next(struct signerdb *db, const char *issuer,
    uint64_t *number, struct fe_err *err);
/* Store a CRL; part 0 is the unpartitioned CRL. */
int signerdb_crl_store(struct signerdb *db, const char *issuer,
    uint64_t number, uint32_t part, int64_t this_update, int64_t next_update,
    const uint8_t *der, size_t derlen, struct fe_err *err);

/* The link's next session number, durable before it returns. */
int signerdb_next_session(struct signerdb *db, uint32_t *out,
    struct fe_err *err);
/* The reason a serial was revoked with; FE_ENOENT if it is not revoked. */
int signerdb_revocation_reason(struct signerdb *db, const char *serial,
    int *reason, struct fe_err *err);

/* Single integer values kept by the signer (log_checked_seq, ...). */
int signerdb_meta_get(struct signerdb *db, const char *k, int64_t *v,
    struct fe_err *err);
int signerdb_meta_set(struct signerdb *db, const char *k, int64_t v,
    struct fe_err *err);

/* Counts for status reports. */
int signerdb_counts(struct signerdb *db, int64_t *certs, int64_t *revoked,
    struct fe_err *err);

#endif
