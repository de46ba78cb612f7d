/*
 * ocsp.h - the OCSP core of fe-status (RFC 6960, RFC 5019 lightweight
 * profile): parse a request (POST body or GET path), match its CertID
 * against an issuer, build a signed response with a delegated responder
 * key, and the fixed error responses.
 *
 * Return codes: 0 on success; FE_EINVAL for every malformed or refused
 * request (the server answers malformedRequest, ocsp_rc_status() maps it),
 * FE_ECRYPTO for a libcrypto failure (internalError).
 */
#ifndef FE_OCSP_H
#define FE_OCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/err.h"

/* Caps on untrusted input. */
#define OCSP_MAX_REQUEST 8192     /* DER request, bytes */
#define OCSP_MAX_GET_PATH 32768   /* last path segment of a GET, bytes */
#define OCSP_SERIAL_MAX 20        /* serial magnitude, octets (RFC 5280 4.1.2.2) */
#define OCSP_NONCE_MAX 32         /* RFC 8954 section 2.1 */
#define OCSP_HASH_MAXLEN 32

enum ocsp_hash {
	OCSP_HASH_SHA1 = 0,
	OCSP_HASH_SHA256 = 1,
	OCSP_HASH__MAX
};

/* OCSPResponseStatus values (RFC 6960 4.2.1). */
enum ocsp_resp_status {
	OCSP_ST_SUCCESSFUL = 0,
	OCSP_ST_MALFORMED = 1,
	OCSP_ST_INTERNAL = 2,
	OCSP_ST_TRYLATER = 3,
	OCSP_ST_SIGREQUIRED = 5,
	OCSP_ST_UNAUTHORIZED = 6,
};

/* CertStatus (RFC 6960 4.2.1). */
enum ocsp_cert_status {
	OCSP_CERT_GOOD = 0,
	OCSP_CERT_REVOKED = 1,
	OCSP_CERT_UNKNOWN = 2,
	OCSP_CERT__MAX
};

struct ocsp_certid {
	enum ocsp_hash hash;
	uint8_t name_hash[OCSP_HASH_MAXLEN];
	uint8_t key_hash[OCSP_HASH_MAXLEN];
	uint8_t serial[OCSP_SERIAL_MAX];   /* big-endian, no leading zeros */
	size_t serial_len;                 /* 1..OCSP_SERIAL_MAX */
};

struct ocsp_req {
	struct ocsp_certid id;
	uint8_t nonce[OCSP_NONCE_MAX];
	size_t nonce_len;                  /* 0: no nonce */
};

struct ocsp_single {
	struct ocsp_certid id;
	enum ocsp_cert_status status;
	int64_t revoked_at;                /* revoked only */
	int reason;                        /* revoked only: CRLReason, -1 none */
	int64_t this_update;               /* also producedAt */
	int64_t next_update;               /* 0: none */
};

const char *ocsp_hash_name(enum ocsp_hash h);
/* Digest length of h (20 or 32). */
size_t ocsp_hash_len(enum ocsp_hash h);

/* The OCSPResponseStatus a server sends for an ocsp_* return code:
 * malformedRequest for FE_EINVAL, internalError for anything else. */
int ocsp_rc_status(int rc);

/*
 * Parse a DER OCSPRequest (untrusted).  Exactly one Request (RFC 5019
 * 2.1.1), SHA-1 or SHA-256 CertID, positive serial of at most 20 octets,
 * nonce of 1..32 octets (RFC 8954 2.1), no unknown critical or duplicate
 * extensions, no trailing bytes.  *out is set only on success.
 */
int ocsp_req_parse(const char *name, const uint8_t *der, size_t len,
    struct ocsp_req *out, struct fe_err *err);

/*
 * The two halves of ocsp_req_parse, apart for the differential fuzz
 * target (tests/fuzz/fuzz_ocsp.c) and the unit tests.
 *
 * ocsp_req_parse_fast reads only the one shape RFC 5019 2.1.1 clients
 * send, in strict DER: no version, requestor name, extensions or
 * signature, exactly one Request whose CertID has SHA-1 or SHA-256 (with
 * absent or NULL parameters), hashes of that digest's length and a
 * minimally encoded positive serial of 1..20 octets.  It returns 0 with
 * *out set, or 1 for anything else, with *out unchanged: the caller then
 * runs ocsp_req_parse_full, OpenSSL's complete parser and the only one
 * that refuses.  Whatever the fast path accepts, the full parser accepts
 * with the same *out.
 */
int ocsp_req_parse_fast(const uint8_t *der, size_t len, struct ocsp_req *out);
int ocsp_req_parse_full(const char *name, const uint8_t *der, size_t len,
    struct ocsp_req *out, struct fe_err *err);

/*
 * GET form (RFC 6960 appendix A.1): the part of path after its last '/',
 * percent-decoded, then base64-decoded (standard alphabet, or the URL-safe
 * one, not mixed; padding optional).  On success *der (caller frees with
 * free()) holds at most OCSP_MAX_REQUEST bytes.
 */
int ocsp_req_from_path(const char *path, uint8_t **der, size_t *len,
    struct fe_err *err);
/* The same for a whole segment that may contain '/' (a server that knows
 * its OCSP path passes everything after it: base64 uses '/' and not every
 * client percent-encodes it). */
int ocsp_req_from_b64(const char *seg, uint8_t **der, size_t *len,
    struct fe_err *err);

/* CertID of issuer's certificate with this serial. */
int ocsp_certid_from_issuer(X509 *issuer, enum ocsp_hash h,
    const uint8_t *serial, size_t serial_len, struct ocsp_certid *out,
    struct fe_err *err);

/* Whether the name and key hashes of id are those of issuer. */
bool ocsp_certid_matches_issuer_id(const struct ocsp_certid *id,
    X509 *issuer);
bool ocsp_certid_matches_issuer(const struct ocsp_req *r, X509 *issuer);

/*
 * DER OCSPResponse (successful, id-pkix-ocsp-basic) for one certificate:
 * responderID byKey, producedAt = thisUpdate (so the bytes depend only on
 * the inputs, apart from an ECDSA signature's randomness), the responder
 * certificate in certs, SHA-256 signature, nonce echoed when nonce_len > 0.
 * Refuses a CertID that does not belong to issuer.  *der is freed with
 * OPENSSL_free().
 */
int ocsp_resp_build(const struct ocsp_single *s, X509 *issuer,
    X509 *responder_cert, EVP_PKEY *responder_key, const uint8_t *nonce,
    size_t nonce_len, uint8_t **der, size_t *len, struct fe_err *err);

/* Fixed DER OCSPResponse for malformedRequest, internalError, tryLater,
 * sigRequired or unauthorized; NULL for any other status. */
const uint8_t *ocsp_error_response(int status, size_t *len);

#endif
