/*
 * crl.h - CRLv2 (RFC 5280 5) signed by an issuer: authorityKeyIdentifier,
 * a monotonic cRLNumber, and a reasonCode on each entry whose reason is not
 * unspecified (RFC 5280 5.3.1: unspecified SHOULD be absent; BR 7.2.2),
 * and for one part of a partitioned CRL a critical issuingDistributionPoint
 * (RFC 5280 5.2.5, BR 7.2.2).
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

/* Where a CRL is one part of a partitioned CRL (docs/crl.md): its URL,
 * which goes into a critical issuingDistributionPoint, and whether it lists
 * only end-entity certificates (onlyContainsUserCerts, BR 7.2.2). */
struct crl_scope {
	const char *url;
	bool only_user;
};

#define CRL_PARTS_MAX 100000
/* Certificates per part at most: a part of 10,000 entries of at most about
 * 60 bytes each stays under 1 MiB, the largest link message. */
#define CRL_PARTITION_MAX 10000

/*
 * URL of part `part` (1..CRL_PARTS_MAX) of a partitioned CRL whose issuer's
 * crl_url is base: base must end in ".crl", which is replaced by "/N.crl"
 * (http://crl.example.org/server.crl: http://crl.example.org/server/2.crl).
 */
int crl_part_url(const char *base, uint32_t part, char out[URL_MAX],
    struct fe_err *err);

/* Sign a CRL over entries.  scope NULL: a complete CRL without
 * issuingDistributionPoint (the unpartitioned form). */
int crl_build(const struct issuer *iss, uint64_t number, int64_t this_update,
    int64_t next_update, const struct crl_entry *entries, size_t n,
    const struct crl_scope *scope, X509_CRL **out, struct fe_err *err);

#endif
