/*
 * issue.h - from a checked request to a signed certificate.
 *
 * issue_check() re-checks a request against its profile and issuer with the
 * signer's own clock (POLICY.md C4, K4): names, subject attributes,
 * validity, the subscriber key and the CSR's proof of possession.  Nothing
 * from the CSR but its public key is ever used.  issue_build() then makes
 * and signs the certificate.  Both are pure: no I/O, no logging; the engine
 * (src/signer/engine.c) does serial uniqueness, logging and storage.
 */
#ifndef FE_ISSUE_H
#define FE_ISSUE_H

#include <stdint.h>

#include <openssl/x509.h>

#include "pki/profile.h"
#include "pki/request.h"
#include "pki/x509ext.h"

#define URL_MAX 256
#define SERIAL_MAX 20

struct issuer {
	char label[PROFILE_NAME_MAX];
	X509 *cert;
	EVP_PKEY *key;                 /* NULL while locked */
	char crl_url[URL_MAX];         /* where this issuer's CRL is; with
	                                  crl_partition_size, the base of
	                                  its parts' URLs (docs/crl.md) */
	uint64_t crl_partition_size;   /* certificates per CRL part, 0: one
	                                  unpartitioned CRL */
	char ocsp_url[URL_MAX];        /* its OCSP responder */
	char issuer_url[URL_MAX];      /* where its certificate is */
};

struct issue_plan {
	int64_t not_before;
	int64_t not_after;
	EVP_PKEY *pub;                 /* borrowed from the CSR; NULL when
	                                  spki is set and the request made no
	                                  EVP_PKEY (request_pub()) */
	const uint8_t *spki;           /* borrowed: the CSR's own
	                                  SubjectPublicKeyInfo DER when it is
	                                  exactly what OpenSSL writes for the
	                                  key (request.h), else NULL */
	size_t spki_len;
	struct ext_names names;        /* borrowed from the request */
	const char *crl_url;           /* CRL distribution point; NULL: the
	                                  issuer's crl_url (set by the caller
	                                  after issue_check for a CRL part) */
};

int issue_check(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, int64_t now, struct issue_plan *plan,
    struct fe_err *err);
int issue_build(const struct profile *p, const struct issuer *iss,
    const struct sign_request *r, const struct issue_plan *plan,
    const uint8_t *serial, size_t serial_len, X509 **out,
    struct fe_err *err);

/*
 * The same certificate as issue_build(), written as DER from a template
 * (issue.c, "The template path"): the parts that are constant for a
 * profile, an issuer and the kind of subject key (RSA or not) are encoded
 * once into c and spliced around the ones that vary (serial, validity,
 * subject, key, subjectAltName, CRL part, subjectKeyIdentifier), and the
 * TBSCertificate is signed with a signing context made once.  The bytes
 * are those issue_build() gives (tests/unit/test_issue.c compares them
 * over many requests) but for the randomised ECDSA signatures.  *der
 * (fe_malloc) and *derlen are the certificate; subject, when not NULL,
 * gets X509_NAME_oneline() of its subject.  Keys other than RSA and EC
 * go through issue_build().  c is not thread-safe; it holds a reference
 * to each issuer key it has signed with until issue_cache_free().
 */
struct issue_cache;
struct issue_cache *issue_cache_new(void);
void issue_cache_free(struct issue_cache *c);
int issue_der(struct issue_cache *c, const struct profile *p,
    const struct issuer *iss, const struct sign_request *r,
    const struct issue_plan *plan, const uint8_t *serial, size_t serial_len,
    uint8_t **der, size_t *derlen, char *subject, size_t subject_size,
    struct fe_err *err);

/* A CA certificate at the ceremony (root: issuer_cert NULL, self-signed). */
struct ca_spec {
	X509_NAME *subject;
	int64_t not_before;
	int64_t not_after;
	int path_length;               /* -1: none */
	unsigned eku;                  /* 0: no extKeyUsage */
	const char (*policies)[64];
	size_t npolicies;
	const char *crl_url;           /* parent's CRL (sub-roots) */
	const char *issuer_url;        /* parent's certificate (sub-roots) */
};
int issue_ca_cert(EVP_PKEY *subject_key, const struct ca_spec *spec,
    X509 *issuer_cert, EVP_PKEY *issuer_key, X509 **out, struct fe_err *err);

/*
 * Set x's SubjectPublicKeyInfo to pk, as X509_set_pubkey() would, and
 * like it return 1, or 0 with the reason in OpenSSL's error queue.  In
 * OpenSSL 3.0 X509_set_pubkey() encodes the key with an OSSL_ENCODER and
 * decodes the result into a second EVP_PKEY that it then throws away,
 * about 240 us a certificate, more than a P-256 signature and a
 * verification together.  RSA keys, and EC keys on named P-256 and P-384
 * in uncompressed or compressed form, are written here from their
 * parameters (RFC 3279 2.3.1, RFC 5480 2) exactly as OpenSSL's encoder
 * writes them (tests/unit/test_issue.c compares the two); any other key
 * goes through X509_set_pubkey().  x's X509_PUBKEY then has no cached
 * EVP_PKEY: X509_get0_pubkey(x) is NULL until x is encoded and parsed.
 */
int issue_set_pubkey(X509 *x, EVP_PKEY *pk);

/* The digest used with a signing key: SHA-384 for P-384, else SHA-256. */
const EVP_MD *issue_md(EVP_PKEY *key);

/* 20 octets, 159 bits from the CSPRNG, positive (BR 7.1: at least 64). */
void serial_random(uint8_t out[SERIAL_MAX], size_t *len);

/* The serial serial_random() makes of SERIAL_MAX octets from the CSPRNG;
 * false when they would give zero (draw again). */
bool serial_from(const uint8_t raw[SERIAL_MAX], uint8_t out[SERIAL_MAX]);

/* Parse 1..40 hex digits (leading zeros allowed) into big-endian bytes
 * without leading zero bytes; -1 if not hex or too long. */
int serial_parse_hex(const char *s, uint8_t out[SERIAL_MAX], size_t *len);
/* Lower-case hex SHA-256 of a certificate's DER (65 bytes with NUL). */
void cert_fingerprint(X509 *x, char out[65]);
/* Lower-case hex of a serial number (at most 41 bytes with NUL). */
void serial_hex(const uint8_t *s, size_t len, char out[2 * SERIAL_MAX + 1]);

#endif
