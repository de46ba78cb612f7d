/*
 * engine.h - the signer's engine: the one place where requests become
 * certificates, revocations and CRLs.
 *
 * It owns the profiles, the CA hierarchy (certificates and, once unlocked,
 * private keys), the signer's store and its hash-chained request log.  Every
 * request and its outcome is in the log, synced to disk, before the result
 * is handed back (POLICY.md K5); a request id seen before returns the
 * stored result, never a second certificate.
 */
#ifndef FE_ENGINE_H
#define FE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "pki/custody.h"
#include "pki/issue.h"

#define ENGINE_ISSUERS_MAX 16

struct engine;

/* The [link] section of signer.ini (all optional in command-line mode). */
struct engine_link {
	char device[1024];        /* the serial device, e.g. /dev/ttyS0 */
	char key[1024];           /* the link key file */
	uint64_t baud;            /* 115200 */
	bool rtscts;              /* hardware flow control */
	uint64_t window;          /* frames in flight, 1..32 (8) */
	uint64_t frame_payload;   /* largest frame payload, 16..1024 (1024) */
};
const struct engine_link *engine_link_config(const struct engine *e);

/* Load the configuration (signer.ini) and everything it names.  The keys
 * stay locked. */
int engine_open(const char *conf_path, struct engine **out,
    struct fe_err *err);
void engine_close(struct engine *e);

/* Rebuild the key-encryption key from custodians' shares and decrypt every
 * CA key into memory.  The KEK is wiped before this returns. */
int engine_unlock(struct engine *e, const struct share *shares, size_t n,
    struct fe_err *err);
bool engine_unlocked(const struct engine *e);

enum sign_status { SIGN_ISSUED, SIGN_REFUSED, SIGN_FAILED };

struct sign_result {
	enum sign_status status;
	bool replayed;                /* answered from the store */
	char id[REQ_ID_MAX + 1];
	char issuer[PROFILE_NAME_MAX];
	char serial[2 * SERIAL_MAX + 1];
	char fingerprint[65];
	uint8_t *der;                 /* malloc'd certificate when issued */
	size_t derlen;
	char reason[FE_ERR_MAX];      /* when refused or failed */
};
void sign_result_clear(struct sign_result *r);

/* Sign one request (durable before return). */
int engine_sign(struct engine *e, const uint8_t *req, size_t len,
    struct sign_result *res);
/* Sign n requests with one log sync and one store commit (group commit).
 * Results are returned only after both. */
int engine_sign_batch(struct engine *e, const uint8_t *const *reqs,
    const size_t *lens, size_t n, struct sign_result *res);
/*
 * The same in two halves, so that batches overlap: engine_sign_start
 * checks and signs the n requests (the caller's bytes are not needed
 * after it returns), waits for the batch started before (its res[] are
 * then final) and hands this one to its durable half -- store, log, syncs
 * -- in a thread, while the caller gathers and starts the next.  res[]
 * belongs to the engine until the next engine_sign_start or
 * engine_sign_finish returns; only then is it final and may be read.
 * Both return the landed batch's status (0, or the error that failed it
 * as a whole; each result says so too).  While batches follow each other
 * the store commits every fourth; engine_sign_finish, and every other
 * engine call, lands the batch in flight and commits the store first.
 * After the store has lost batches already answered (a failed commit),
 * every request fails with the reason until the engine is opened again.
 */
int engine_sign_start(struct engine *e, const uint8_t *const *reqs,
    const size_t *lens, size_t n, struct sign_result *res);
int engine_sign_finish(struct engine *e);
/* Whether the batch in flight is still in its durable half (false when
 * there is none): engine_sign_finish would wait. */
bool engine_sign_busy(struct engine *e);
/* Copy the store's WAL into its database now (signerdb_checkpoint), after
 * the batch in flight: for an idle moment, or to end a measurement with
 * no work deferred. */
int engine_checkpoint(struct engine *e, struct fe_err *err);

/* Revoke a certificate by serial (hex) with an RFC 5280 reason. */
int engine_revoke(struct engine *e, const char *serial, int reason,
    struct fe_err *err);
/* One CRL of an issuer: part 0 is the unpartitioned CRL at crl_url, parts
 * 1.. those of a partitioned CRL (docs/crl.md). */
struct engine_crl {
	uint32_t part;
	char url[URL_MAX];
	uint8_t *der;                 /* malloc'd */
	size_t len;
};
struct engine_crls {
	struct engine_crl *v;         /* ordered by part */
	size_t n;
};
void engine_crls_clear(struct engine_crls *c);
/* A new CRL for issuer (a sub-root label, or "root" for the CRL over the
 * sub-roots): one CRL, or for a sub-root with crl_partition_size every
 * part from 1 to the highest any certificate names (and part 0 as well
 * while certificates issued before partitioning name the plain crl_url),
 * all with the same cRLNumber, in one transaction and logged.  *out is set
 * only on success. */
int engine_crl(struct engine *e, const char *issuer, struct engine_crls *out,
    struct fe_err *err);

/* The link's next session number (durable). */
int engine_next_session(struct engine *e, uint32_t *out, struct fe_err *err);
/* Append an event (link.session, link.reject, ...) to the request log. */
int engine_log_event(struct engine *e, const char *type, const char *text,
    struct fe_err *err);
/* STATUS text: keys, time (the signer's own clock), free_bytes, log_seq,
 * log_head, certs, revoked, sign_batches (since the signer started) and
 * sign_batches_overlapped (of those, checked and signed while the one
 * before was still being stored). */
int engine_status_text(struct engine *e, struct buf *out, struct fe_err *err);
/* Up to max lines of the request log from record seq `from` on, verified,
 * as they are in the file (SM 4.2.2: extraction of the signer's logs). */
int engine_logs(struct engine *e, uint64_t from, uint32_t max,
    struct buf *out, struct fe_err *err);

const struct issuer *engine_issuer(const struct engine *e, const char *label);
size_t engine_nissuers(const struct engine *e);
const struct issuer *engine_issuer_at(const struct engine *e, size_t i);
/* The request log's head, for status and for anchoring elsewhere. */
void engine_log_head(struct engine *e, uint64_t *seq, uint8_t h[32]);
const char *engine_log_path(const struct engine *e);

#endif
