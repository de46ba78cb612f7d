/*
 * crl.h - CRLv2 (RFC 5280 5) signed by an issuer: authorityKeyIdentifier,
 * a monotonic cRLNumber, and a reasonCode on each entry whose reason is not
 * unspecified (RFC 5280 5.3.1: unspecified SHOULD be absent; BR 7.2.2).
 */
#ifndef FE_CRL_H
#define FE_CRL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "pki/issue.h"

enum crl_reason {
	CRL_UNSPECIFIED = 0, CRL_KEY_COMPROMISE = 1, CRL_CA_COMPROMISE = 2,
	CRL_AFFILIATION_CHANGED = 3, CRL_SUPERSEDED = 4,
	CRL_CESSATION_OF_OPERATION = 5, CRL_CERTIFICATE_HOLD = 6,
	CRL_REMOVE_FROM_CRL = 8, CRL_PRIVILEGE_WITHDRAWN = 9,
	CRL_AA_COMPROMISE = 10, CRL_REASON__MAX = 11
};

struct crl_entry {
	uint8_t serial[SERIAL_MAX];
	size_t serial_len;
	int64_t revoked_at;
	int reason;
};

/* Name of an RFC 5280 reason code, or NULL. */
const char *crl_reason_name(int reason);
/* Parse a reason given by name (keyCompromise) or number; -1 if unknown. */
int crl_reason_parse(const char *s);
/* 0 if a certificate may be revoked with this reason (BR 7.2.2, 4.9.1):
 * certificateHold, removeFromCRL and aACompromise are refused, and
 * cACompromise only for CA certificates. */
int crl_reason_allowed(int reason, bool ca_cert, struct fe_err *err);

int crl_build(const struct issuer *iss, uint64_t number, int64_t this_update,
    int64_t next_update, const struct crl_entry *entries, size_t n,
    X509_CRL **out, struct fe_err *err);

#endif
