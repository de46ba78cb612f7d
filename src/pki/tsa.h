/*
 * tsa.h - the RFC 3161 time-stamp authority core of fe-status: parse a
 * TimeStampReq (POST body, application/timestamp-query), build a granted
 * TimeStampResp signed by the TSA key, build a rejection, and check that a
 * certificate and key may serve as the TSA's.
 *
 * Thread-safe: no state is kept between calls, so fe-status may call these
 * from several threads at once with one shared struct tsa_signer (whose
 * certificate, key and chain are only read).
 *
 * Failures and PKIFailureInfo (RFC 3161 2.4.2): tsa_req_parse() and
 * tsa_resp_build() set *fail_info (when not NULL) on failure to the bit
 * the rejection should carry; the server answers
 * tsa_resp_reject(fail_info, err.msg, ...):
 *
 *   TSA_FAIL_BAD_ALG           hash not SHA-256/384/512, or with parameters
 *   TSA_FAIL_BAD_REQUEST       version other than 1
 *   TSA_FAIL_BAD_DATA_FORMAT   size, not DER, trailing bytes, digest length,
 *                              nonce
 *   TSA_FAIL_UNACCEPTED_POLICY reqPolicy not the TSA's policy
 *   TSA_FAIL_UNACCEPTED_EXT    any extension (we support none, 2.4.1)
 *   TSA_FAIL_SYSTEM_FAILURE    libcrypto failure, bad signer, bad time
 *
 * The return code is FE_EINVAL for a malformed request, FE_EPOLICY for a
 * well-formed one we refuse (algorithm, policy, extension), FE_ECRYPTO for
 * a libcrypto failure.
 */
#ifndef FE_TSA_H
#define FE_TSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/err.h"

/* Caps on untrusted input. */
#define TSA_MAX_REQUEST 4096   /* DER TimeStampReq, bytes */
#define TSA_NONCE_MAX 32       /* magnitude of the nonce INTEGER, octets */
#define TSA_DIGEST_MAX 64      /* SHA-512 */
#define TSA_POLICY_MAX 128     /* dotted OID text, with its NUL */
#define TSA_TEXT_MAX 256       /* statusString of a rejection, bytes */

/* PKIFailureInfo bit numbers (RFC 3161 2.4.2; OpenSSL's TS_INFO_*). */
enum tsa_fail {
	TSA_FAIL_BAD_ALG = 0,
	TSA_FAIL_BAD_REQUEST = 2,
	TSA_FAIL_BAD_DATA_FORMAT = 5,
	TSA_FAIL_TIME_NOT_AVAILABLE = 14,
	TSA_FAIL_UNACCEPTED_POLICY = 15,
	TSA_FAIL_UNACCEPTED_EXT = 16,
	TSA_FAIL_ADD_INFO_NOT_AVAILABLE = 17,
	TSA_FAIL_SYSTEM_FAILURE = 25,
};

struct tsa_req {
	int hash_nid;                      /* NID_sha256, _sha384 or _sha512 */
	uint8_t digest[TSA_DIGEST_MAX];
	size_t digest_len;                 /* 32, 48 or 64, as hash_nid */
	bool hash_param_null;              /* parameters NULL, not absent */
	uint8_t nonce[TSA_NONCE_MAX];      /* big-endian, no leading zero */
	size_t nonce_len;                  /* 0: no nonce */
	bool cert_req;
	char policy[TSA_POLICY_MAX];       /* dotted OID, "" when absent */
};

struct tsa_signer {
	X509 *cert;                        /* passes tsa_signer_check() */
	EVP_PKEY *key;
	STACK_OF(X509) *chain;             /* sent with certReq; may be NULL */
	const char *policy;                /* dotted OID, the TSA's policy */
	unsigned accuracy_ms;              /* 0: no accuracy field */
};

/* Name of a failure bit ("badAlg", ...), "unknown" for any other value. */
const char *tsa_fail_name(int fail_info);

/*
 * Parse a DER TimeStampReq (untrusted): 1..TSA_MAX_REQUEST bytes, exactly
 * one TimeStampReq in DER (re-encoding gives the same bytes), version 1,
 * SHA-256/384/512 imprint with absent or NULL parameters and a digest of
 * the right length, nonce positive and at most TSA_NONCE_MAX octets, no
 * extensions.  A reqPolicy is returned, not judged (tsa_resp_build does).
 * *out is set only on success; *fail_info only on failure.
 */
int tsa_req_parse(const uint8_t *der, size_t len, struct tsa_req *out,
    int *fail_info, struct fe_err *err);

/*
 * A granted TimeStampResp for req at `now` (seconds since the epoch, from
 * fe_now_sec(), never time()), with a fresh random 128-bit serial.  Refuses
 * (FE_EPOLICY, unacceptedPolicy) a req->policy other than s->policy.
 * *der (freed with OPENSSL_free) and *len are set only on success.
 */
int tsa_resp_build(const struct tsa_signer *s, const struct tsa_req *req,
    int64_t now, uint8_t **der, size_t *len, int *fail_info,
    struct fe_err *err);

/*
 * A rejection TimeStampResp: PKIStatus rejection(2), statusString text
 * (cut to TSA_TEXT_MAX bytes, bytes outside printable ASCII become '?'),
 * and the one failInfo bit fail_info (an enum tsa_fail value).  *der is
 * freed with OPENSSL_free.
 */
int tsa_resp_reject(int fail_info, const char *text, uint8_t **der,
    size_t *len, struct fe_err *err);

/*
 * RFC 3161 2.3: cert has exactly one extendedKeyUsage extension, critical,
 * holding only id-kp-timeStamping; a keyUsage with digitalSignature (and
 * nothing but digitalSignature and nonRepudiation); and key is its private
 * key.  Call once at start-up: it also fills OpenSSL's extension cache.
 */
int tsa_signer_check(X509 *cert, EVP_PKEY *key, struct fe_err *err);

#endif
