/*
 * tsa.c - the RFC 3161 time-stamp authority core of fe-status: request
 * parsing, granted and rejected responses, the TSA certificate check.
 *
 * Trusts nothing in a request: its bytes come from the network and go
 * through named caps, OpenSSL's decoder, and a DER re-encoding check (so
 * that what we time-stamp is exactly what was sent, with one encoding).
 * Trusts its caller for the signer (checked once by tsa_signer_check) and
 * for the time, which comes from the project's clock seam, never from
 * time(): the genTime of a token is the `now` argument.
 *
 * The token is made by OpenSSL's TS_RESP_CTX, one per call (so nothing is
 * shared between threads but the read-only signer), with our time and
 * serial callbacks.  TS_RESP_create_response() reads the request from a
 * BIO, so the parsed request is encoded again from struct tsa_req: the
 * token can only contain what the parser accepted.
 */
#include <limits.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "lib/seam.h"
#include "pki/der.h"
#include "pki/tsa.h"

/* Serial numbers: 128 random bits (RFC 3161 2.4.2 allows up to 160). */
#define TSA_SERIAL_BYTES 16

/* Latest time a GeneralizedTime can hold: 9999-12-31T23:59:59Z. */
#define TSA_TIME_MAX INT64_C(253402300799)

const char *
tsa_fail_name(int fail_info)
{
	switch (fail_info) {
	case TSA_FAIL_BAD_ALG:
		return "badAlg";
	case TSA_FAIL_BAD_REQUEST:
		return "badRequest";
	case TSA_FAIL_BAD_DATA_FORMAT:
		return "badDataFormat";
	case TSA_FAIL_TIME_NOT_AVAILABLE:
		return "timeNotAvailable";
	case TSA_FAIL_UNACCEPTED_POLICY:
		return "unacceptedPolicy";
	case TSA_FAIL_UNACCEPTED_EXT:
		return "unacceptedExtension";
	case TSA_FAIL_ADD_INFO_NOT_AVAILABLE:
		return "addInfoNotAvailable";
	case TSA_FAIL_SYSTEM_FAILURE:
		return "systemFailure";
	default:
		return "unknown";
	}
}

static void
set_fail(int *fail_info, int bit)
{
	if (fail_info != NULL)
		*fail_info = bit;
}

/* The OID of o in dotted form, for messages. */
static void
oid_text(const ASN1_OBJECT *o, char *buf, size_t size)
{
	if (o == NULL || OBJ_obj2txt(buf, (int)size, o, 1) <= 0)
		fe_snprintf(buf, size, "(unprintable OID)");
}

static size_t
hash_len(int nid)
{
	switch (nid) {
	case NID_sha256:
		return 32;
	case NID_sha384:
		return 48;
	case NID_sha512:
		return 64;
	default:
		return 0;
	}
}

/* RFC 3161 2.4.1 messageImprint: an accepted hash, the right length. */
static int
parse_imprint(TS_MSG_IMPRINT *mi, struct tsa_req *r, int *fail_info,
    struct fe_err *err)
{
	X509_ALGOR *alg = TS_MSG_IMPRINT_get_algo(mi);
	ASN1_OCTET_STRING *d = TS_MSG_IMPRINT_get_msg(mi);
	const ASN1_OBJECT *obj = NULL;
	const void *pval = NULL;
	char oid[80];
	int ptype = V_ASN1_UNDEF, nid, n;
	size_t want;

	if (alg == NULL || d == NULL) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		return fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: "
		    "incomplete messageImprint");
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	nid = OBJ_obj2nid(obj);
	switch (nid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		break;
	case NID_sha1:
	case NID_md5:
		/* A token over a hash with practical collisions vouches for
		 * every document with that hash, not just the client's. */
		set_fail(fail_info, TSA_FAIL_BAD_ALG);
		return fe_err_code(err, FE_EPOLICY, "TimeStampReq: "
		    "messageImprint hash algorithm %s refused: collision "
		    "attacks on it are practical",
		    nid == NID_md5 ? "MD5" : "SHA-1");
	default:
		oid_text(obj, oid, sizeof(oid));
		set_fail(fail_info, TSA_FAIL_BAD_ALG);
		return fe_err_code(err, FE_EPOLICY, "TimeStampReq: "
		    "messageImprint hash algorithm %s is not SHA-256, SHA-384 "
		    "or SHA-512", oid);
	}
	/* RFC 5754 2: parameters absent, or NULL from older encoders. */
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
		set_fail(fail_info, TSA_FAIL_BAD_ALG);
		return fe_err_code(err, FE_EPOLICY, "TimeStampReq: RFC 5754 "
		    "2: messageImprint hash algorithm parameters are neither "
		    "absent nor NULL");
	}
	want = hash_len(nid);
	n = ASN1_STRING_length(d);
	if (n < 0 || (size_t)n != want) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		return fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: "
		    "messageImprint hashedMessage of %d octets, %s needs %zu",
		    n, OBJ_nid2sn(nid), want);
	}
	r->hash_nid = nid;
	/* Kept so the token's messageImprint is the request's, byte for
	 * byte (RFC 3161 2.4.2). */
	r->hash_param_null = ptype == V_ASN1_NULL;
	memcpy(r->digest, ASN1_STRING_get0_data(d), want);
	r->digest_len = want;
	return 0;
}

/* RFC 3161 2.4.1 nonce: a large random INTEGER; we want it positive and
 * at most TSA_NONCE_MAX octets so that echoing it is bounded. */
static int
parse_nonce(const ASN1_INTEGER *nonce, struct tsa_req *r, int *fail_info,
    struct fe_err *err)
{
	const unsigned char *s;
	int n;

	/* OpenSSL keeps the magnitude and the sign apart. */
	if (ASN1_STRING_type(nonce) != V_ASN1_INTEGER) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		return fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: "
		    "negative nonce");
	}
	s = ASN1_STRING_get0_data(nonce);
	n = ASN1_STRING_length(nonce);
	while (n > 0 && s[0] == 0) {
		s++;
		n--;
	}
	if (n == 0) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		return fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: nonce "
		    "zero");
	}
	if (n > TSA_NONCE_MAX) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		return fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: nonce "
		    "of %d octets (at most %d)", n, TSA_NONCE_MAX);
	}
	memcpy(r->nonce, s, (size_t)n);
	r->nonce_len = (size_t)n;
	return 0;
}

int
tsa_req_parse(const uint8_t *der, size_t len, struct tsa_req *out,
    int *fail_info, struct fe_err *err)
{
	TS_REQ *req = NULL;
	STACK_OF(X509_EXTENSION) *exts;
	const ASN1_INTEGER *nonce;
	const ASN1_OBJECT *pol;
	const unsigned char *p = der;
	unsigned char *re = NULL;
	struct tsa_req r;
	char oid[80];
	long v;
	int n, sub, rc = FE_EINVAL;

	memset(&r, 0, sizeof(r));
	if (len == 0 || len > TSA_MAX_REQUEST) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		fe_err_set(err, "TimeStampReq: request of %zu bytes (1 to %d)",
		    len, TSA_MAX_REQUEST);
		goto out;
	}
	req = d2i_TS_REQ(NULL, &p, (long)len);
	if (req == NULL) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: not a DER "
		    "TimeStampReq");
		goto out;
	}
	if (p != der + len) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: %zu trailing "
		    "bytes after the TimeStampReq", len - (size_t)(p - der));
		goto out;
	}
	/* OpenSSL's decoder takes BER (indefinite lengths, long-form short
	 * lengths, an explicit certReq FALSE); its encoder writes DER.  Only
	 * one encoding of a request is accepted, so the same request always
	 * gives the same token fields. */
	n = i2d_TS_REQ(req, &re);
	if (n <= 0 || (size_t)n != len || memcmp(re, der, len) != 0) {
		set_fail(fail_info, TSA_FAIL_BAD_DATA_FORMAT);
		fe_err_set(err, "TimeStampReq: X.690 10: not DER (BER "
		    "encoding of %zu bytes, DER would be %d)", len, n);
		goto out;
	}
	v = TS_REQ_get_version(req);
	if (v != 1) {
		set_fail(fail_info, TSA_FAIL_BAD_REQUEST);
		fe_err_set(err, "TimeStampReq: RFC 3161 2.4.1: version %ld "
		    "(only 1)", v);
		goto out;
	}
	/* RFC 3161 2.4.1: "If an extension ... is not recognized, the
	 * server SHALL respond with ... unacceptedExtension"; we know
	 * none, so any is refused, critical or not. */
	exts = TS_REQ_get_exts(req);
	if (exts != NULL) {
		n = sk_X509_EXTENSION_num(exts);
		set_fail(fail_info, TSA_FAIL_UNACCEPTED_EXT);
		if (n < 1) {
			rc = fe_err_code(err, FE_EPOLICY, "TimeStampReq: RFC "
			    "3161 2.4.1: empty extensions field (SIZE 1..MAX, "
			    "and this TSA supports none)");
			goto out;
		}
		oid_text(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(
		    exts, 0)), oid, sizeof(oid));
		rc = fe_err_code(err, FE_EPOLICY, "TimeStampReq: RFC 3161 "
		    "2.4.1: %d extensions, the first %s (this TSA supports "
		    "none)", n, oid);
		goto out;
	}
	sub = parse_imprint(TS_REQ_get_msg_imprint(req), &r, fail_info, err);
	if (sub != 0) {
		rc = sub;
		goto out;
	}
	nonce = TS_REQ_get_nonce(req);
	if (nonce != NULL && parse_nonce(nonce, &r, fail_info, err) != 0)
		goto out;
	pol = TS_REQ_get_policy_id(req);
	if (pol != NULL) {
		n = OBJ_obj2txt(r.policy, (int)sizeof(r.policy), pol, 1);
		if (n <= 0 || (size_t)n >= sizeof(r.policy)) {
			set_fail(fail_info, TSA_FAIL_UNACCEPTED_POLICY);
			rc = fe_err_code(err, FE_EPOLICY, "TimeStampReq: "
			    "reqPolicy OID of %d characters (at most %zu)", n,
			    sizeof(r.policy) - 1);
			goto out;
		}
	}
	r.cert_req = TS_REQ_get_cert_req(req) != 0;
	*out = r;
	rc = 0;
out:
	OPENSSL_free(re);
	TS_REQ_free(req);
	ERR_clear_error();
	return rc;
}

/*
 * DER TimeStampReq of r, in a memory BIO for TS_RESP_create_response().
 * Built from the parsed fields rather than the client's bytes, so nothing
 * the parser did not look at can reach the token.
 */
static BIO *
req_bio(const struct tsa_req *r, struct fe_err *err)
{
	TS_REQ *req = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_OBJECT *pol = NULL;
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	unsigned char *der = NULL;
	BIO *bio = NULL;
	int n;

	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) ==
	    NULL || (alg = X509_ALGOR_new()) == NULL ||
	    TS_REQ_set_version(req, 1) != 1 ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(r->hash_nid),
	    r->hash_param_null ? V_ASN1_NULL : V_ASN1_UNDEF, NULL) != 1 ||
	    TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)r->digest,
	    (int)r->digest_len) != 1 ||
	    TS_REQ_set_msg_imprint(req, mi) != 1 ||
	    TS_REQ_set_cert_req(req, r->cert_req ? 1 : 0) != 1) {
		fe_err_ssl(err, "TSA: cannot encode the request again");
		goto out;
	}
	if (r->policy[0] != '\0' && ((pol = OBJ_txt2obj(r->policy, 1)) ==
	    NULL || TS_REQ_set_policy_id(req, pol) != 1)) {
		fe_err_ssl(err, "TSA: cannot encode reqPolicy %s", r->policy);
		goto out;
	}
	if (r->nonce_len > 0 && ((bn = BN_bin2bn(r->nonce,
	    (int)r->nonce_len, NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    TS_REQ_set_nonce(req, nonce) != 1)) {
		fe_err_ssl(err, "TSA: cannot encode the nonce");
		goto out;
	}
	/* A writable memory BIO owns its copy, so der is freed here. */
	if ((n = i2d_TS_REQ(req, &der)) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    BIO_write(bio, der, n) != n) {
		BIO_free(bio);
		bio = NULL;
		fe_err_ssl(err, "TSA: cannot encode the request again");
	}
out:
	OPENSSL_free(der);
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	ASN1_OBJECT_free(pol);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return bio;
}

/* genTime: the caller's `now`.  Without this callback OpenSSL would read
 * the system clock (gettimeofday) behind the seam's back. */
static int
time_cb(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = (long)*(const int64_t *)data;
	*usec = 0;
	return 1;
}

/*
 * serialNumber: 128 bits from the randomness seam.  OpenSSL's default
 * callback returns the constant 1.  With random serials no counter has to
 * survive restarts or be shared between threads or hosts, and two tokens
 * share a serial with probability about k^2 / 2^129 after k tokens (under
 * 2^-65 after four billion), which RFC 3161 2.4.2's "unique for each
 * TimeStampToken issued by a given TSA" can rely on.  The value is read as
 * an unsigned number, so it is positive; its DER takes up to 17 octets,
 * under the 160 bits a client must accept.
 */
static ASN1_INTEGER *
serial_cb(TS_RESP_CTX *ctx, void *data)
{
	uint8_t b[TSA_SERIAL_BYTES];
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn;
	int tries;

	(void)ctx;
	(void)data;
	/* Defensive: zero is not a positive serial (p = 2^-128 from the
	 * CSPRNG); a test seam that keeps giving zeros gets systemFailure
	 * after a few tries rather than a hang. */
	for (tries = 0; tries < 4 && serial == NULL; tries++) {
		fe_random(b, sizeof(b));
		if ((bn = BN_bin2bn(b, (int)sizeof(b), NULL)) == NULL)
			return NULL;
		if (!BN_is_zero(bn))
			serial = BN_to_ASN1_INTEGER(bn, NULL);
		BN_free(bn);
	}
	return serial;
}

/*
 * PKCS7_dataFinal(), inside TS_RESP_create_response(), adds a signingTime
 * signed attribute read from the system clock, with no way to choose it.
 * A token must not carry a second, different time from outside the seam:
 * replace the attribute with `now` and sign the signed attributes again
 * (the signer info still holds the key).  The TSTInfo and with it the
 * messageDigest attribute do not change.
 */
static int
fix_signing_time(TS_RESP *resp, int64_t now, struct fe_err *err)
{
	STACK_OF(PKCS7_SIGNER_INFO) *sis;
	PKCS7_SIGNER_INFO *si;
	ASN1_TIME *t;
	PKCS7 *token = TS_RESP_get_token(resp);

	sis = token != NULL ? PKCS7_get_signer_info(token) : NULL;
	if (sis == NULL || sk_PKCS7_SIGNER_INFO_num(sis) != 1 ||
	    (si = sk_PKCS7_SIGNER_INFO_value(sis, 0)) == NULL)
		return fe_err_ssl(err, "TSA: token without one signer info");
	/* RFC 5652 11.3: UTCTime up to 2049, GeneralizedTime after;
	 * ASN1_TIME_set() chooses the same way. */
	if ((t = ASN1_TIME_set(NULL, (time_t)now)) == NULL)
		return fe_err_ssl(err, "TSA: cannot make signingTime");
	/* PKCS7_add_signed_attribute() replaces an attribute of the same
	 * type, and takes t. */
	if (PKCS7_add_signed_attribute(si, NID_pkcs9_signingTime,
	    ASN1_STRING_type(t), t) != 1) {
		ASN1_TIME_free(t);
		return fe_err_ssl(err, "TSA: cannot set signingTime");
	}
	if (PKCS7_SIGNER_INFO_sign(si) != 1)
		return fe_err_ssl(err, "TSA: cannot sign the token again");
	return 0;
}

/* The status text OpenSSL put into a response it did not grant. */
static void
status_text(TS_RESP *resp, char *buf, size_t size)
{
	TS_STATUS_INFO *si = resp != NULL ? TS_RESP_get_status_info(resp) :
	    NULL;
	const STACK_OF(ASN1_UTF8STRING) *text = si != NULL ?
	    TS_STATUS_INFO_get0_text(si) : NULL;
	const ASN1_UTF8STRING *t;

	if (text == NULL || sk_ASN1_UTF8STRING_num(text) < 1 ||
	    (t = sk_ASN1_UTF8STRING_value(text, 0)) == NULL) {
		fe_snprintf(buf, size, "(no status text)");
		return;
	}
	if (fe_snprintf_ok(buf, size, "%.*s", ASN1_STRING_length(t),
	    (const char *)ASN1_STRING_get0_data(t)) != 0)
		fe_snprintf(buf, size, "(long status text)");
}

int
tsa_resp_build(const struct tsa_signer *s, const struct tsa_req *req,
    int64_t now, uint8_t **der, size_t *len, int *fail_info,
    struct fe_err *err)
{
	TS_RESP_CTX *ctx = NULL;
	TS_RESP *resp = NULL;
	ASN1_OBJECT *pol = NULL, *want = NULL;
	BIO *bio = NULL;
	unsigned char *out = NULL;
	char text[256];
	int n, rc = FE_EINVAL;

	set_fail(fail_info, TSA_FAIL_SYSTEM_FAILURE);
	if (s == NULL || s->cert == NULL || s->key == NULL ||
	    s->policy == NULL || (pol = OBJ_txt2obj(s->policy, 1)) == NULL) {
		fe_err_set(err, "TSA: no signer, key or policy OID");
		goto out;
	}
	/* Defensive: a struct tsa_req that did not come from the parser. */
	if (hash_len(req->hash_nid) == 0 ||
	    req->digest_len != hash_len(req->hash_nid) ||
	    req->nonce_len > TSA_NONCE_MAX ||
	    memchr(req->policy, '\0', sizeof(req->policy)) == NULL) {
		fe_err_set(err, "TSA: request fields out of range");
		goto out;
	}
	if (now < 0 || now > TSA_TIME_MAX || now > LONG_MAX) {
		set_fail(fail_info, TSA_FAIL_TIME_NOT_AVAILABLE);
		fe_err_set(err, "TSA: time %lld is outside GeneralizedTime",
		    (long long)now);
		goto out;
	}
	/* RFC 3161 2.4.2: the token carries the TSA's policy; a request for
	 * another one cannot be granted. */
	if (req->policy[0] != '\0' && ((want = OBJ_txt2obj(req->policy,
	    1)) == NULL || OBJ_cmp(want, pol) != 0)) {
		set_fail(fail_info, TSA_FAIL_UNACCEPTED_POLICY);
		rc = fe_err_code(err, FE_EPOLICY, "TimeStampReq: RFC 3161 "
		    "2.4.1: reqPolicy %s is not this TSA's policy %s",
		    req->policy, s->policy);
		goto out;
	}
	if ((bio = req_bio(req, err)) == NULL) {
		rc = FE_ECRYPTO;
		goto out;
	}
	rc = FE_ECRYPTO;
	if ((ctx = TS_RESP_CTX_new()) == NULL ||
	    TS_RESP_CTX_set_signer_cert(ctx, s->cert) != 1 ||
	    TS_RESP_CTX_set_signer_key(ctx, s->key) != 1 ||
	    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) != 1 ||
	    /* ESSCertIDv2 (RFC 5816) with SHA-256, not SHA-1's ESSCertID. */
	    TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_set_def_policy(ctx, pol) != 1 ||
	    (s->chain != NULL && TS_RESP_CTX_set_certs(ctx, s->chain) != 1) ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha256()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha384()) != 1 ||
	    TS_RESP_CTX_add_md(ctx, EVP_sha512()) != 1 ||
	    TS_RESP_CTX_set_accuracy(ctx, (int)(s->accuracy_ms / 1000),
	    (int)(s->accuracy_ms % 1000), 0) != 1) {
		fe_err_ssl(err, "TSA: cannot set up the response context");
		goto out;
	}
	TS_RESP_CTX_set_time_cb(ctx, time_cb, &now);
	TS_RESP_CTX_set_serial_cb(ctx, serial_cb, NULL);
	resp = TS_RESP_create_response(ctx, bio);
	if (resp == NULL) {
		fe_err_ssl(err, "TSA: cannot create the response");
		goto out;
	}
	/* TS_RESP_create_response() turns most failures (signing, a
	 * callback) into a rejection response rather than NULL; we send our
	 * own rejections, so anything but granted is an error here. */
	if (ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	    TS_RESP_get_status_info(resp))) != TS_STATUS_GRANTED ||
	    TS_RESP_get_token(resp) == NULL) {
		status_text(resp, text, sizeof(text));
		fe_err_ssl(err, "TSA: OpenSSL did not grant the token: %s",
		    text);
		goto out;
	}
	if (fix_signing_time(resp, now, err) != 0)
		goto out;
	if ((n = i2d_TS_RESP(resp, &out)) <= 0) {
		fe_err_ssl(err, "TSA: cannot encode the response");
		goto out;
	}
	*der = out;
	*len = (size_t)n;
	out = NULL;
	rc = 0;
out:
	OPENSSL_free(out);
	TS_RESP_free(resp);
	TS_RESP_CTX_free(ctx);
	BIO_free(bio);
	ASN1_OBJECT_free(want);
	ASN1_OBJECT_free(pol);
	ERR_clear_error();
	return rc;
}

/*
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo } where
 * PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF
 * UTF8String OPTIONAL, failInfo BIT STRING OPTIONAL }.  Written by hand:
 * OpenSSL 3.0 has no public setter for the text or the failure bits
 * outside TS_RESP_create_response(), and the structure is small and fixed.
 */
int
tsa_resp_reject(int fail_info, const char *text, uint8_t **der, size_t *len,
    struct fe_err *err)
{
	char t[TSA_TEXT_MAX];
	uint8_t bits[5];
	uint8_t *buf, *p;
	size_t tl = 0, nbits, seqof, info, total, i;
	const unsigned char *q;
	TS_RESP *check;

	switch (fail_info) {
	case TSA_FAIL_BAD_ALG:
	case TSA_FAIL_BAD_REQUEST:
	case TSA_FAIL_BAD_DATA_FORMAT:
	case TSA_FAIL_TIME_NOT_AVAILABLE:
	case TSA_FAIL_UNACCEPTED_POLICY:
	case TSA_FAIL_UNACCEPTED_EXT:
	case TSA_FAIL_ADD_INFO_NOT_AVAILABLE:
	case TSA_FAIL_SYSTEM_FAILURE:
		break;
	default:
		return fe_err_set(err, "TSA: RFC 3161 2.4.2: %d is not a "
		    "PKIFailureInfo bit", fail_info);
	}
	/* UTF8String: printable ASCII is always valid UTF-8, and the text
	 * may echo request bytes. */
	if (text == NULL)
		text = "";
	for (i = 0; text[i] != '\0' && tl < sizeof(t); i++)
		t[tl++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	/* DER named bit list (X.690 11.2.2): no trailing zero bits, so the
	 * last octet holds our one bit. */
	nbits = (size_t)fail_info / 8 + 1;
	memset(bits, 0, sizeof(bits));
	bits[0] = (uint8_t)(7 - fail_info % 8);
	bits[nbits] = (uint8_t)(0x80 >> (fail_info % 8));

	seqof = tl > 0 ? der_tl_size(tl + der_tl_size(tl)) +
	    der_tl_size(tl) + tl : 0;
	info = 3 + seqof + 2 + nbits + 1;
	total = der_tl_size(der_tl_size(info) + info) + der_tl_size(info) +
	    info;
	buf = OPENSSL_malloc(total);
	if (buf == NULL)
		fe_fatal("out of memory (%zu bytes)", total);
	p = buf;
	p += der_put_tl(p, 0x30, der_tl_size(info) + info);
	p += der_put_tl(p, 0x30, info);
	*p++ = 0x02;                     /* status INTEGER rejection(2) */
	*p++ = 0x01;
	*p++ = TS_STATUS_REJECTION;
	if (tl > 0) {
		p += der_put_tl(p, 0x30, der_tl_size(tl) + tl);
		p += der_put_tl(p, 0x0c, tl);
		memcpy(p, t, tl);
		p += tl;
	}
	p += der_put_tl(p, 0x03, nbits + 1);
	memcpy(p, bits, nbits + 1);
	p += nbits + 1;
	/* Defensive: what we wrote is one TimeStampResp to OpenSSL. */
	q = buf;
	check = d2i_TS_RESP(NULL, &q, (long)total);
	if ((size_t)(p - buf) != total || check == NULL ||
	    q != buf + total) {
		TS_RESP_free(check);
		OPENSSL_free(buf);
		return fe_err_ssl(err, "TSA: internal: rejection response "
		    "does not decode");
	}
	TS_RESP_free(check);
	*der = buf;
	*len = total;
	return 0;
}

int
tsa_signer_check(X509 *cert, EVP_PKEY *key, struct fe_err *err)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	X509_EXTENSION *e;
	const char *what = "TSA certificate";
	char oid[80];
	uint32_t ku;
	int idx, crit = 0, n, i, rc = FE_EPOLICY;

	if (cert == NULL || key == NULL)
		return fe_err_set(err, "%s: no certificate or key", what);
	if ((X509_get_extension_flags(cert) & EXFLAG_CA) != 0) {
		fe_err_code(err, rc, "%s: RFC 5280 4.2.1.9: a CA certificate "
		    "(basicConstraints cA) cannot sign time-stamps", what);
		goto out;
	}
	idx = X509_get_ext_by_NID(cert, NID_ext_key_usage, -1);
	if (idx < 0) {
		fe_err_code(err, rc, "%s: RFC 3161 2.3: no extendedKeyUsage",
		    what);
		goto out;
	}
	if (X509_get_ext_by_NID(cert, NID_ext_key_usage, idx) >= 0) {
		fe_err_code(err, rc, "%s: RFC 5280 4.2: duplicate "
		    "extendedKeyUsage", what);
		goto out;
	}
	e = X509_get_ext(cert, idx);
	if (X509_EXTENSION_get_critical(e) != 1) {
		fe_err_code(err, rc, "%s: RFC 3161 2.3: extendedKeyUsage is "
		    "not critical", what);
		goto out;
	}
	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	n = eku != NULL ? sk_ASN1_OBJECT_num(eku) : -1;
	if (n < 1) {
		fe_err_code(err, rc, "%s: RFC 3161 2.3: extendedKeyUsage "
		    "does not decode or is empty", what);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);

		if (OBJ_obj2nid(o) != NID_time_stamp) {
			oid_text(o, oid, sizeof(oid));
			fe_err_code(err, rc, "%s: RFC 3161 2.3: "
			    "extendedKeyUsage holds %s besides "
			    "id-kp-timeStamping (it must hold only that)",
			    what, oid);
			goto out;
		}
	}
	if (n != 1) {
		fe_err_code(err, rc, "%s: RFC 3161 2.3: id-kp-timeStamping "
		    "%d times in extendedKeyUsage", what, n);
		goto out;
	}
	/* X509_get_key_usage() is all ones when there is no keyUsage. */
	ku = X509_get_key_usage(cert);
	if (X509_get_ext_by_NID(cert, NID_key_usage, -1) < 0 ||
	    (ku & KU_DIGITAL_SIGNATURE) == 0) {
		fe_err_code(err, rc, "%s: RFC 5280 4.2.1.3: keyUsage without "
		    "digitalSignature", what);
		goto out;
	}
	if ((ku & ~(uint32_t)(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) !=
	    0) {
		fe_err_code(err, rc, "%s: keyUsage 0x%x has bits other than "
		    "digitalSignature and nonRepudiation", what, (unsigned)ku);
		goto out;
	}
	/* Defensive: what TS_RESP_CTX_set_signer_cert() will insist on. */
	if (X509_check_purpose(cert, X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
		fe_err_code(err, rc, "%s: OpenSSL refuses it for time-stamp "
		    "signing", what);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		fe_err_code(err, rc, "%s: the key is not the certificate's "
		    "private key", what);
		goto out;
	}
	rc = 0;
out:
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
	return rc;
}
