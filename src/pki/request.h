/*
 * request.h - a signing request as the registration side sends it.
 *
 * The request is text headers, a blank line, then the CSR (PEM or DER):
 *
 *   foureyes-request 1
 *   id: 5f0c2a1e-web-000042
 *   profile: tls-server
 *   issuer: server                 (optional: the profile's first issuer)
 *   subject: CN=www.example.org    (repeatable, ATTR=value)
 *   dns: www.example.org           (repeatable; also ip:, email:)
 *   days: 90                       (or not-after: 2027-01-01T00:00:00Z)
 *
 *   -----BEGIN CERTIFICATE REQUEST-----
 *   ...
 *
 * The bytes are untrusted: every field has a cap, unknown and repeated
 * single fields are refused, and the CSR must be exactly one CSR with no
 * trailing bytes.  Parsing decides only that the request is well formed;
 * whether it may be signed is issue.c's business.  docs/signing-request.md
 * describes the format.
 */
#ifndef FE_REQUEST_H
#define FE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "pki/profile.h"

#define REQ_MAX_BYTES (64 * 1024)
#define REQ_LINE_MAX 1024
#define REQ_ID_MAX 64
#define REQ_NAMES_MAX 100
#define REQ_SUBJECT_MAX 16
#define REQ_VALUE_MAX 256

/* Values are NUL-terminated, shorter than REQ_VALUE_MAX, and point into
 * the request's own copy of its header text (sign_request.text). */
struct req_attr {
	enum subj_attr attr;
	const char *value;
};

struct req_name {
	enum name_type type;
	const char *value;
};

struct sign_request {
	char id[REQ_ID_MAX + 1];
	char profile[PROFILE_NAME_MAX];
	char issuer[PROFILE_NAME_MAX];   /* "" when not given */
	struct req_attr subject[REQ_SUBJECT_MAX];
	size_t nsubject;
	struct req_name names[REQ_NAMES_MAX];
	size_t nnames;
	uint64_t days;                   /* 0 when not-after is given */
	int64_t not_after;               /* 0 when days is given */
	/*
	 * The CSR, read one of two ways (request.c, "The CSR reader"): by
	 * OpenSSL into csr, or, when it is in one of the few plain forms
	 * nearly every CSR has, by request.c's own DER reader, which leaves
	 * csr NULL and keeps the DER with the offsets of its parts.  Either
	 * way request_verify() checks its signature.
	 */
	X509_REQ *csr;
	EVP_PKEY *pub;                   /* the CSR's key; NULL if OpenSSL
	                                    cannot decode it (see csr_parse),
	                                    and for spki until request_pub() */
	uint8_t digest[32];              /* SHA-256 of the request bytes */
	uint8_t *der;                    /* own reader: the CSR's DER */
	size_t der_len;
	size_t tbs_off, tbs_len;         /* CertificationRequestInfo */
	size_t sig_off, sig_len;         /* signature, without unused bits */
	int sig_md;                      /* NID of the signature's digest */
	bool sig_rsa;                    /* PKCS #1 v1.5, else ECDSA */
	const uint8_t *spki;             /* the CSR's SubjectPublicKeyInfo
	                                    DER (into der) when it is in the
	                                    one form OpenSSL writes for pub (a
	                                    P-256 or P-384 key, named curve,
	                                    uncompressed point); else NULL */
	size_t spki_len;
	int spki_nid;                    /* spki's curve; its point is valid
	                                    (keycheck_ec_valid()) */
	char *text;                      /* the values' storage */
	size_t text_used;
};

/* Parse; on success *out is allocated and owned by the caller. */
int request_parse(const uint8_t *p, size_t len, struct sign_request **out,
    struct fe_err *err);
void request_free(struct sign_request *r);

/* The CSR's key, made now for one the reader left as spki (request.c,
 * struct scratch); NULL if OpenSSL cannot decode it. */
EVP_PKEY *request_pub(struct sign_request *r);

/*
 * 1 if the CSR's signature verifies with r->pub (RFC 2986 4.2: proof of
 * possession), 0 if not or if r->pub is NULL; then OpenSSL's reasons are
 * in its error queue, as X509_REQ_verify() leaves them.
 */
int request_verify(const struct sign_request *r);

/*
 * Parse one CSR, PEM or DER, refusing trailing bytes.  *pub is its public
 * key (the caller's to free), or NULL if OpenSSL cannot decode it; then
 * X509_REQ_get0_pubkey() on the request puts the reason in OpenSSL's error
 * queue.  Use *pub, not X509_REQ_get0_pubkey(): the request may be parsed
 * without decoding the key into it (request.c, "The fast path").
 */
X509_REQ *csr_parse(const uint8_t *p, size_t len, EVP_PKEY **pub,
    struct fe_err *err);

/*
 * The DER of a PEM CSR in the plainest form RFC 7468 (section 3's
 * "strict" text) describes, which csr_parse() takes too, to the same
 * bytes: its BEGIN line, lines of base64 (4n characters, '=' only at the
 * very end; at most 64 to a line; LF or CRLF), the END line of the same
 * label, then only white space.  NULL for anything else (OpenSSL's PEM
 * reader then decides); the caller frees the DER.  request_parse() tries
 * it first; declared here for the tests and fuzz_request.
 */
uint8_t *csr_pem_strict(const uint8_t *p, size_t len, size_t *dlen);

/* Upper bound of a subject attribute value (RFC 5280 Appendix A). */
size_t subj_attr_max(enum subj_attr a);

#endif
