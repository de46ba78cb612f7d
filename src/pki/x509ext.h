/*
 * x509ext.h - builders for the X.509 v3 extensions foureyes writes
 * (RFC 5280 4.2).  Each returns a new X509_EXTENSION or NULL (error in err);
 * they build typed ASN.1 objects, never parse configuration strings.
 */
#ifndef FE_X509EXT_H
#define FE_X509EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509v3.h>

#include "lib/err.h"

struct ext_names {              /* subjectAltName contents */
	const char *dns[100];
	size_t ndns;
	const char *email[100];
	size_t nemail;
	uint8_t ip[100][16];
	size_t iplen[100];
	size_t nip;
};

X509_EXTENSION *ext_basic_constraints(bool ca, int path_length,
    struct fe_err *err);
X509_EXTENSION *ext_key_usage(unsigned bits, struct fe_err *err);
X509_EXTENSION *ext_ext_key_usage(unsigned eku_bits, bool critical,
    struct fe_err *err);
X509_EXTENSION *ext_policies(const char (*oids)[64], size_t n,
    struct fe_err *err);
X509_EXTENSION *ext_san(const struct ext_names *names, bool critical,
    struct fe_err *err);
X509_EXTENSION *ext_crl_dp(const char *url, struct fe_err *err);

/* An ASN1_TIME (UTCTime or GeneralizedTime) as seconds since the epoch;
 * -1 when t is NULL or does not parse. */
int asn1_time_secs(const ASN1_TIME *t, int64_t *out);
/* issuingDistributionPoint of a partitioned CRL (RFC 5280 5.2.5, BR 7.2.2):
 * critical, a distributionPoint fullName of the one URI url, and
 * onlyContainsUserCerts when only_user; no other field. */
X509_EXTENSION *ext_idp(const char *url, bool only_user, struct fe_err *err);
X509_EXTENSION *ext_aia(const char *ocsp_url, const char *ca_issuers_url,
    struct fe_err *err);
X509_EXTENSION *ext_ski(X509_PUBKEY *pub, struct fe_err *err);
X509_EXTENSION *ext_aki(const ASN1_OCTET_STRING *issuer_ski,
    struct fe_err *err);
X509_EXTENSION *ext_ocsp_nocheck(struct fe_err *err);

/* Add ext to x (a copy) and free ext; -1 on failure. */
int ext_add_take(X509 *x, X509_EXTENSION *ext, struct fe_err *err);

/*
 * Parse "C=NL, O=Example, CN=Name" into an X509_NAME.  Attributes: C, ST, L,
 * O, OU, CN, serialNumber; values may not contain ',' and are UTF8String
 * (C: PrintableString, 2 upper-case letters).
 */
X509_NAME *dn_parse(const char *s, struct fe_err *err);

#endif
