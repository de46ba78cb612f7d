/*
 * delegate.h - the delegated keys of one fe-status: an OCSP responder key
 * per sub-root it answers for, and a TSA key.  fe-status makes each key
 * itself (it never leaves the state directory), writes a signing request
 * for the signer (docs/signing-request.md), and installs the certificate
 * when it comes back in a status bundle.  Before a certificate expires a
 * new key and request are made (rotation); the old pair serves until the
 * new certificate arrives.
 *
 * Files under STATE/keys (mode 0600, directory 0700):
 *   ocsp-LABEL.pem   current responder key and certificate for LABEL
 *   tsa.pem          current TSA key and certificate
 *   pending/ID.key   keys waiting for their certificate
 *   outbox/ID.req    the signing requests, for fe-web to carry to the signer
 */
#ifndef FE_DELEGATE_H
#define FE_DELEGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/err.h"

#define DELEGATE_LABEL_MAX 64
#define DELEGATE_ID_MAX 64

enum delegate_kind { DELEGATE_OCSP, DELEGATE_TSA };

struct delegate {
	enum delegate_kind kind;
	char label[DELEGATE_LABEL_MAX];   /* issuer label (ocsp) or "tsa" */
	X509 *cert;
	EVP_PKEY *key;
	int64_t not_after;
};

/* Create STATE/keys, keys/pending and keys/outbox (0700). */
int delegate_init_dirs(const char *state, struct fe_err *err);

/* Load the current pair for label (kind); FE_ENOENT when there is none.
 * The pair is checked: the key is the certificate's. */
int delegate_load(const char *state, enum delegate_kind kind,
    const char *label, struct delegate *out, struct fe_err *err);
void delegate_clear(struct delegate *d);

/* Whether a request for (kind, label) is pending (a key without its
 * certificate yet). */
bool delegate_pending(const char *state, enum delegate_kind kind,
    const char *label);

/*
 * Make a new P-256 key under keys/pending and its signing request in
 * keys/outbox: profile ocsp-responder (issuer label) or timestamping
 * (issuer label), subject "CN=<server> OCSP <label>" or "CN=<server> TSA",
 * O and C from the arguments when given, validity `days`.  *id names both
 * files.
 */
int delegate_request(const char *state, enum delegate_kind kind,
    const char *label, const char *server, const char *org,
    const char *country, unsigned days, int64_t now,
    char id[DELEGATE_ID_MAX], struct fe_err *err);

/*
 * If cert (already verified by the status store) belongs to a pending key,
 * check it is fit for its use (not a CA; OCSP: id-kp-OCSPSigning and
 * ocsp-nocheck, issued by `issuer`; TSA: extKeyUsage timeStamping only and
 * critical) and install it as the current pair, removing the pending key
 * and request.
 * Returns 1 when installed (kind and label set), 0 when cert belongs to no
 * pending key, <0 when it does but is unfit (nothing is changed).
 * issuer_of(label) gives the sub-root a label stands for.
 */
/* Call cb for the id of every signing request in keys/outbox; a non-zero
 * cb return stops and is returned. */
typedef int (*delegate_outbox_cb)(const char *id, void *arg);
int delegate_outbox(const char *state, delegate_outbox_cb cb, void *arg,
    struct fe_err *err);
/* The signing request id (malloc'd *p); FE_ENOENT for an id that is not
 * in the outbox or is not a well-formed id. */
int delegate_outbox_read(const char *state, const char *id, uint8_t **p,
    size_t *len, struct fe_err *err);

typedef X509 *(*delegate_issuer_fn)(const char *label, void *arg);
int delegate_install(const char *state, X509 *cert,
    delegate_issuer_fn issuer_of, void *arg, enum delegate_kind *kind,
    char label[DELEGATE_LABEL_MAX], struct fe_err *err);

#endif
