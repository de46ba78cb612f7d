/*
 * test_ocsp.c - src/pki/ocsp.c against OpenSSL's own OCSP code: requests
 * made by OpenSSL (SHA-1 and SHA-256 CertIDs, with and without nonce) parse
 * to the right fields; every rejection path is taken once; the GET form
 * decodes what a client sends; responses verify with OCSP_basic_verify()
 * against the issuer as trust anchor, through a delegated responder
 * certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck), with the status,
 * reason, times and nonce that went in.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/ocsp.h"
#include "testx509.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */

static EVP_PKEY *ca_key, *resp_key, *leaf_key;
static X509 *ca, *responder, *leaf;


static X509 *
mk_cert(const char *cn, EVP_PKEY *pk, X509 *iss, EVP_PKEY *iss_key,
    long serial, int kind)
{
	X509 *x = tx_cert_begin(cn, pk, iss, serial, T0 - 86400,
	    T0 + 3650L * 86400);
	ASN1_NULL *nul;

	if (iss == NULL)
		iss = x;
	switch (kind) {
	case 0: /* CA */
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
		break;
	case 1: /* delegated responder */
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		add_ext(x, iss, NID_ext_key_usage, "OCSPSigning");
		nul = ASN1_NULL_new();
		assert_int_equal(X509_add1_ext_i2d(x, NID_id_pkix_OCSP_noCheck,
		    nul, 0, 0), 1);
		ASN1_NULL_free(nul);
		break;
	default: /* leaf */
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		break;
	}
	assert_true(X509_sign(x, iss_key, EVP_sha256()) > 0);
	return x;
}

static int
setup(void **state)
{
	(void)state;
	ca_key = EVP_EC_gen("P-256");
	resp_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	if (ca_key == NULL || resp_key == NULL || leaf_key == NULL)
		return -1;
	ca = mk_cert("foureyes test CA", ca_key, NULL, ca_key, 1, 0);
	responder = mk_cert("foureyes test OCSP", resp_key, ca, ca_key, 2, 1);
	leaf = mk_cert("leaf.example", leaf_key, ca, ca_key, 0x1234567, 2);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(ca);
	X509_free(responder);
	X509_free(leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(resp_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

/* DER of req; freed by the caller with OPENSSL_free(). */
static uint8_t *
req_der(OCSP_REQUEST *req, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_OCSP_REQUEST(req, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static OCSP_REQUEST *
mk_req(const EVP_MD *md, int nonce_len)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	OCSP_CERTID *id = OCSP_cert_to_id(md, leaf, ca);

	assert_non_null(req);
	assert_non_null(id);
	assert_non_null(OCSP_request_add0_id(req, id));
	if (nonce_len > 0)
		assert_int_equal(OCSP_request_add1_nonce(req, NULL, nonce_len),
		    1);
	return req;
}

static void
same_req(const struct ocsp_req *a, const struct ocsp_req *b)
{
	size_t hl = ocsp_hash_len(a->id.hash);

	assert_int_equal(a->id.hash, b->id.hash);
	assert_memory_equal(a->id.name_hash, b->id.name_hash, hl);
	assert_memory_equal(a->id.key_hash, b->id.key_hash, hl);
	assert_int_equal(a->id.serial_len, b->id.serial_len);
	assert_memory_equal(a->id.serial, b->id.serial, a->id.serial_len);
	assert_int_equal(a->nonce_len, b->nonce_len);
	if (a->nonce_len > 0)
		assert_memory_equal(a->nonce, b->nonce, a->nonce_len);
}

/*
 * Whatever the fast path takes, the full parser takes with the same
 * result; returns whether the fast path took it.
 */
static bool
fast_agrees(const uint8_t *der, size_t len)
{
	struct ocsp_req f, g;
	struct fe_err err;

	if (ocsp_req_parse_fast(der, len, &f) != 0)
		return false;
	if (ocsp_req_parse_full("req", der, len, &g, &err) != 0)
		fail_msg("fast path took what the full parser refuses: %s",
		    err.msg);
	same_req(&f, &g);
	return true;
}

/* Parse req; expect rc, and for a failure a message containing what. */
static int
parse(OCSP_REQUEST *req, struct ocsp_req *r, const char *what)
{
	struct fe_err err;
	uint8_t *der;
	size_t len;
	int rc;

	der = req_der(req, &len);
	memset(&err, 0, sizeof(err));
	(void)fast_agrees(der, len);
	rc = ocsp_req_parse("req", der, len, r, &err);
	if (what != NULL) {
		if (rc != FE_EINVAL)
			fail_msg("accepted, expected \"%s\"", what);
		if (strstr(err.msg, what) == NULL)
			fail_msg("\"%s\" not in \"%s\"", what, err.msg);
		assert_int_equal(ocsp_rc_status(rc), OCSP_ST_MALFORMED);
	} else if (rc != 0)
		fail_msg("%s", err.msg);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	return rc;
}

static void
test_parse_good(void **state)
{
	struct ocsp_req r;
	struct ocsp_certid want;
	struct fe_err err;
	static const uint8_t serial[] = { 0x01, 0x23, 0x45, 0x67 };

	(void)state;
	assert_int_equal(parse(mk_req(EVP_sha1(), 0), &r, NULL), 0);
	assert_int_equal(r.id.hash, OCSP_HASH_SHA1);
	assert_int_equal(r.nonce_len, 0);
	assert_int_equal(r.id.serial_len, 4);
	assert_memory_equal(r.id.serial, serial, 4);
	assert_true(ocsp_certid_matches_issuer(&r, ca));
	assert_false(ocsp_certid_matches_issuer(&r, responder));
	assert_int_equal(ocsp_certid_from_issuer(ca, OCSP_HASH_SHA1, serial,
	    4, &want, &err), 0);
	assert_memory_equal(&want, &r.id, sizeof(want));

	assert_int_equal(parse(mk_req(EVP_sha256(), 32), &r, NULL), 0);
	assert_int_equal(r.id.hash, OCSP_HASH_SHA256);
	assert_int_equal(r.nonce_len, 32);
	assert_true(ocsp_certid_matches_issuer(&r, ca));
	assert_int_equal(ocsp_certid_from_issuer(ca, OCSP_HASH_SHA256, serial,
	    4, &want, &err), 0);
	assert_memory_equal(&want.name_hash, &r.id.name_hash, 32);
	assert_memory_equal(&want.key_hash, &r.id.key_hash, 32);

	assert_int_equal(parse(mk_req(EVP_sha256(), 1), &r, NULL), 0);
	assert_int_equal(r.nonce_len, 1);
	assert_int_equal(parse(mk_req(EVP_sha1(), 16), &r, NULL), 0);
	assert_int_equal(r.nonce_len, 16);
}

static void
test_parse_caps(void **state)
{
	struct ocsp_req r;
	struct fe_err err;
	OCSP_REQUEST *req = mk_req(EVP_sha1(), 0);
	uint8_t *der, *big;
	size_t len;

	(void)state;
	der = req_der(req, &len);
	big = calloc(1, OCSP_MAX_REQUEST + 1);
	assert_non_null(big);
	memcpy(big, der, len);
	/* one trailing byte */
	assert_int_equal(ocsp_req_parse("req", big, len + 1, &r, &err),
	    FE_EINVAL);
	assert_non_null(strstr(err.msg, "1 trailing bytes"));
	/* truncated */
	assert_int_equal(ocsp_req_parse("req", big, len - 1, &r, &err),
	    FE_EINVAL);
	assert_non_null(strstr(err.msg, "not a DER OCSPRequest"));
	/* oversized, empty */
	assert_int_equal(ocsp_req_parse("req", big, OCSP_MAX_REQUEST + 1, &r,
	    &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "8193 bytes"));
	assert_int_equal(ocsp_req_parse("req", big, 0, &r, &err), FE_EINVAL);
	free(big);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

static void
test_parse_requests(void **state)
{
	struct ocsp_req r;
	OCSP_REQUEST *req;

	(void)state;
	req = mk_req(EVP_sha1(), 0);
	assert_non_null(OCSP_request_add0_id(req, OCSP_cert_to_id(EVP_sha1(),
	    responder, ca)));
	parse(req, &r, "RFC 5019 2.1.1: 2 Requests");
	parse(OCSP_REQUEST_new(), &r, "RFC 5019 2.1.1: 0 Requests");
	parse(mk_req(EVP_md5(), 0), &r, "1.2.840.113549.2.5 is neither");
	/* SHA-1 named, 32-octet issuerNameHash */
	{
		ASN1_OCTET_STRING *nh = NULL;
		static const uint8_t h32[32] = { 1 };

		req = mk_req(EVP_sha1(), 0);
		assert_int_equal(OCSP_id_get0_info(&nh, NULL, NULL, NULL,
		    OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0))), 1);
		assert_int_equal(ASN1_OCTET_STRING_set(nh, h32, 32), 1);
		parse(req, &r, "CertID hashes of 32 and 20 octets, SHA-1 "
		    "needs 20");
	}
	parse(mk_req(EVP_sha384(), 0), &r, "2.16.840.1.101.3.4.2.2 is neither");
}

/* Request with a CertID of this serial (value, or -1 negative, 0 zero, 21
 * for a 21-octet one). */
static OCSP_REQUEST *
req_serial(int which)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	ASN1_INTEGER *s;
	BIGNUM *bn = BN_new();
	OCSP_CERTID *id;

	assert_non_null(bn);
	switch (which) {
	case 21:
		assert_int_equal(BN_set_bit(bn, 20 * 8), 1);
		break;
	case 20:
		assert_int_equal(BN_set_bit(bn, 159), 1);
		break;
	default:
		assert_int_equal(BN_set_word(bn, (BN_ULONG)(which < 0 ? 5 :
		    which)), 1);
		BN_set_negative(bn, which < 0);
		break;
	}
	s = BN_to_ASN1_INTEGER(bn, NULL);
	assert_non_null(s);
	id = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(ca),
	    X509_get0_pubkey_bitstr(ca), s);
	assert_non_null(id);
	assert_non_null(OCSP_request_add0_id(req, id));
	ASN1_INTEGER_free(s);
	BN_free(bn);
	return req;
}

static void
test_parse_serial(void **state)
{
	struct ocsp_req r;

	(void)state;
	parse(req_serial(-1), &r, "RFC 5280 4.1.2.2: negative");
	parse(req_serial(0), &r, "RFC 5280 4.1.2.2: serial number zero");
	parse(req_serial(21), &r, "21 octets");
	assert_int_equal(parse(req_serial(1), &r, NULL), 0);
	assert_int_equal(r.id.serial_len, 1);
	assert_int_equal(r.id.serial[0], 1);
	/* 20 octets with the top bit set: 21 in DER, 20 of magnitude */
	assert_int_equal(parse(req_serial(20), &r, NULL), 0);
	assert_int_equal(r.id.serial_len, 20);
	assert_int_equal(r.id.serial[0], 0x80);
}

/*
 * The fast path takes the requests RFC 5019 clients send (no nonce) and
 * leaves everything else to the full parser.
 */
static void
test_parse_fast(void **state)
{
	static const int serials[] = { 1, 5, 20 };
	struct ocsp_req r, g;
	struct fe_err err;
	OCSP_REQUEST *req;
	uint8_t *der, *c;
	size_t len, i;

	(void)state;
	/* taken: SHA-1 and SHA-256, serials of 1 to 20 octets (the last
	 * with a leading zero octet in DER) */
	req = mk_req(EVP_sha1(), 0);
	der = req_der(req, &len);
	assert_true(fast_agrees(der, len));
	assert_int_equal(ocsp_req_parse_fast(der, len, &r), 0);
	assert_int_equal(r.id.hash, OCSP_HASH_SHA1);
	assert_true(ocsp_certid_matches_issuer(&r, ca));

	/* not taken, and then decided by the full parser alone: a long
	 * form length where the short one fits, an indefinite length, a
	 * trailing byte, a truncation */
	c = malloc(len + 2);
	assert_non_null(c);
	c[0] = 0x30;
	c[1] = 0x81;
	c[2] = der[1];
	assert_true(der[1] < 0x80);
	memcpy(c + 3, der + 2, len - 2);
	assert_int_equal(ocsp_req_parse_fast(c, len + 1, &r), 1);
	assert_int_equal(ocsp_req_parse("req", c, len + 1, &r, &err) ==
	    ocsp_req_parse_full("req", c, len + 1, &g, &err), 1);
	c[1] = 0x80;
	assert_int_equal(ocsp_req_parse_fast(c, len + 1, &r), 1);
	memcpy(c, der, len);
	c[len] = 0;
	assert_int_equal(ocsp_req_parse_fast(c, len + 1, &r), 1);
	assert_int_equal(ocsp_req_parse("req", c, len + 1, &r, &err),
	    FE_EINVAL);
	assert_non_null(strstr(err.msg, "1 trailing bytes"));
	assert_int_equal(ocsp_req_parse_fast(der, len - 1, &r), 1);
	free(c);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);

	req = mk_req(EVP_sha256(), 0);
	der = req_der(req, &len);
	assert_true(fast_agrees(der, len));
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		req = req_serial(serials[i]);
		der = req_der(req, &len);
		assert_true(fast_agrees(der, len));
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	/* not taken: a nonce, a negative, zero or 21-octet serial, MD5 */
	req = mk_req(EVP_sha1(), 16);
	der = req_der(req, &len);
	assert_false(fast_agrees(der, len));
	assert_int_equal(ocsp_req_parse("req", der, len, &r, &err), 0);
	assert_int_equal(r.nonce_len, 16);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	for (i = 0; i < 3; i++) {
		req = req_serial(i == 0 ? -1 : i == 1 ? 0 : 21);
		der = req_der(req, &len);
		assert_false(fast_agrees(der, len));
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	req = mk_req(EVP_md5(), 0);
	der = req_der(req, &len);
	assert_false(fast_agrees(der, len));
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
}

/* An extension with this OID, criticality and extnValue contents. */
static X509_EXTENSION *
mk_ext(const char *oid, int crit, const uint8_t *v, int vlen)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	assert_non_null(o);
	assert_int_equal(ASN1_OCTET_STRING_set(os, v, vlen), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, o, crit, os);
	assert_non_null(e);
	ASN1_OBJECT_free(o);
	ASN1_OCTET_STRING_free(os);
	return e;
}

static OCSP_REQUEST *
req_ext(const char *oid, int crit, const uint8_t *v, int vlen)
{
	OCSP_REQUEST *req = mk_req(EVP_sha1(), 0);
	X509_EXTENSION *e = mk_ext(oid, crit, v, vlen);

	assert_int_equal(OCSP_REQUEST_add_ext(req, e, -1), 1);
	X509_EXTENSION_free(e);
	return req;
}

#define NONCE_OID "1.3.6.1.5.5.7.48.1.2"

static void
test_parse_exts(void **state)
{
	struct ocsp_req r;
	uint8_t v[2 + 33];
	static const uint8_t null[] = { 0x05, 0x00 };
	OCSP_REQUEST *req;
	X509_EXTENSION *e;

	(void)state;
	memset(v, 0x5a, sizeof(v));
	v[0] = 0x04;
	v[1] = 0;
	parse(req_ext(NONCE_OID, 0, v, 2), &r, "nonce of 0 octets");
	v[1] = 33;
	parse(req_ext(NONCE_OID, 0, v, 35), &r, "nonce of 33 octets");
	v[1] = 32;
	assert_int_equal(parse(req_ext(NONCE_OID, 1, v, 34), &r, NULL), 0);
	assert_int_equal(r.nonce_len, 32);
	assert_int_equal(r.nonce[0], 0x5a);
	/* raw nonce bytes, not an OCTET STRING (pre-RFC 8954 clients) */
	parse(req_ext(NONCE_OID, 0, v + 2, 16), &r, "not exactly one OCTET");
	/* OCTET STRING and a trailing byte */
	v[1] = 1;
	parse(req_ext(NONCE_OID, 0, v, 4), &r, "not exactly one OCTET");

	parse(req_ext("1.2.3.4", 1, null, 2), &r,
	    "RFC 6960 4.4: unknown critical request extension 1.2.3.4");
	assert_int_equal(parse(req_ext("1.2.3.4", 0, null, 2), &r, NULL), 0);

	/* duplicate nonce */
	v[1] = 8;
	req = req_ext(NONCE_OID, 0, v, 10);
	e = mk_ext(NONCE_OID, 0, v, 10);
	assert_int_equal(OCSP_REQUEST_add_ext(req, e, -1), 1);
	X509_EXTENSION_free(e);
	parse(req, &r, "RFC 5280 4.2: duplicate request extension");

	/* unknown critical singleRequestExtension */
	req = mk_req(EVP_sha1(), 0);
	e = mk_ext("1.2.3.5", 1, null, 2);
	assert_int_equal(OCSP_ONEREQ_add_ext(OCSP_request_onereq_get0(req, 0),
	    e, -1), 1);
	X509_EXTENSION_free(e);
	parse(req, &r, "unknown critical singleRequest extension 1.2.3.5");
}

/* base64 of der in the given alphabet; '/' always percent-escaped, '+'
 * and '=' when escape. */
static char *
encode_path(const uint8_t *der, size_t len, bool urlsafe, bool escape)
{
	char *b = calloc(1, len * 2 + 8), *out = calloc(1, len * 6 + 16);
	int n = EVP_EncodeBlock((unsigned char *)b, der, (int)len), i;
	size_t o = 0;

	assert_true(n > 0);
	memcpy(out, "/ocsp/", 6);
	o = 6;
	for (i = 0; i < n; i++) {
		char c = b[i];

		if (urlsafe) {
			if (c == '+')
				c = '-';
			else if (c == '/')
				c = '_';
			else if (c == '=')
				continue;
		}
		if (c == '/' || (escape && (c == '+' || c == '='))) {
			out[o++] = '%';
			out[o++] = "0123456789ABCDEF"[(unsigned char)c >> 4];
			out[o++] = "0123456789abcdef"[c & 15];
		} else
			out[o++] = c;
	}
	free(b);
	return out;
}

static void
expect_path_fail(const char *path, const char *what)
{
	struct fe_err err;
	uint8_t *der = NULL;
	size_t len;

	assert_int_equal(ocsp_req_from_path(path, &der, &len, &err),
	    FE_EINVAL);
	assert_null(der);
	if (strstr(err.msg, what) == NULL)
		fail_msg("\"%s\" not in \"%s\" for %s", what, err.msg, path);
}

static void
test_get_path(void **state)
{
	OCSP_REQUEST *req;
	struct ocsp_req r;
	struct fe_err err;
	uint8_t *der, *got;
	size_t len, glen, i;
	char *path, *big;
	int alpha;

	(void)state;
	for (i = 0; i < 4; i++) {
		req = mk_req(i & 1 ? EVP_sha256() : EVP_sha1(), 16 + (int)i);
		der = req_der(req, &len);
		for (alpha = 0; alpha < 3; alpha++) {
			path = encode_path(der, len, alpha == 2, alpha == 1);
			if (ocsp_req_from_path(path, &got, &glen, &err) != 0)
				fail_msg("%s: %s", path, err.msg);
			assert_int_equal(glen, len);
			assert_memory_equal(got, der, len);
			assert_int_equal(ocsp_req_parse("get", got, glen, &r,
			    &err), 0);
			free(got);
			free(path);
		}
		OPENSSL_free(der);
		OCSP_REQUEST_free(req);
	}
	expect_path_fail("/ocsp/", "request of 0 characters");
	expect_path_fail("/ocsp/MEIw%zz", "without two hex digits");
	expect_path_fail("/ocsp/MEIw%4", "without two hex digits");
	expect_path_fail("/ocsp/ME!w", "byte 0x21 at 2 is not base64");
	expect_path_fail("/ocsp/MEIwQ", "not a whole number");
	expect_path_fail("/ocsp/MEI=QUFB", "byte 0x3d at 3");
	expect_path_fail("/ocsp/MEI==", "not a whole number");
	expect_path_fail("/ocsp/ME==", "non-zero pad bits");
	expect_path_fail("/ocsp/MEI+a-b_", "mixed");
	expect_path_fail("/ocsp/MEJ=", "non-zero pad bits");
	big = malloc(OCSP_MAX_GET_PATH + 2);
	assert_non_null(big);
	memset(big, 'A', OCSP_MAX_GET_PATH + 1);
	big[OCSP_MAX_GET_PATH + 1] = '\0';
	expect_path_fail(big, "32769 characters");
	/* 8193 bytes of zeros: 10924 characters */
	big[10924] = '\0';
	expect_path_fail(big, "more than 8192 bytes");
	free(big);
}

/* Build a response for leaf's CertID (hash h) and check it with OpenSSL. */
static void
check_resp(enum ocsp_hash h, enum ocsp_cert_status st, int reason,
    bool with_nonce)
{
	struct ocsp_single s;
	struct ocsp_req r;
	struct fe_err err;
	OCSP_REQUEST *req = mk_req(h == OCSP_HASH_SHA1 ? EVP_sha1() :
	    EVP_sha256(), with_nonce ? 16 : 0);
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	OCSP_CERTID *id;
	X509_STORE *store;
	ASN1_GENERALIZEDTIME *rev = NULL, *tu = NULL, *nu = NULL;
	uint8_t *der, *rder;
	const unsigned char *p;
	size_t len, rlen;
	int status = -1, why = -1;

	der = req_der(req, &len);
	assert_int_equal(ocsp_req_parse("req", der, len, &r, &err), 0);
	memset(&s, 0, sizeof(s));
	s.id = r.id;
	s.status = st;
	s.reason = reason;
	s.revoked_at = T0 - 3600;
	s.this_update = T0;
	s.next_update = T0 + 4 * 86400;
	if (ocsp_resp_build(&s, ca, responder, resp_key, r.nonce, r.nonce_len,
	    &rder, &rlen, &err) != 0)
		fail_msg("%s", err.msg);

	p = rder;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)rlen);
	assert_non_null(resp);
	assert_ptr_equal(p, rder + rlen);
	assert_int_equal(OCSP_response_status(resp),
	    OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	store = X509_STORE_new();
	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	if (OCSP_basic_verify(bs, NULL, store, 0) != 1) {
		ERR_print_errors_fp(stderr);
		fail_msg("OCSP_basic_verify failed");
	}
	/* the responder certificate is in certs */
	assert_int_equal(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
	assert_int_equal(X509_cmp(sk_X509_value(OCSP_resp_get0_certs(bs), 0),
	    responder), 0);
	/* byKey */
	{
		const ASN1_OCTET_STRING *kid = NULL;
		const X509_NAME *nm = NULL;

		assert_int_equal(OCSP_resp_get0_id(bs, &kid, &nm), 1);
		assert_non_null(kid);
		assert_null(nm);
	}
	id = OCSP_cert_to_id(h == OCSP_HASH_SHA1 ? EVP_sha1() : EVP_sha256(),
	    leaf, ca);
	assert_int_equal(OCSP_resp_find_status(bs, id, &status, &why, &rev,
	    &tu, &nu), 1);
	switch (st) {
	case OCSP_CERT_GOOD:
		assert_int_equal(status, V_OCSP_CERTSTATUS_GOOD);
		break;
	case OCSP_CERT_REVOKED:
		assert_int_equal(status, V_OCSP_CERTSTATUS_REVOKED);
		assert_int_equal(why, reason);
		assert_int_equal(ASN1_TIME_cmp_time_t(rev, T0 - 3600), 0);
		break;
	case OCSP_CERT_UNKNOWN:
	case OCSP_CERT__MAX:
	default:
		assert_int_equal(status, V_OCSP_CERTSTATUS_UNKNOWN);
		break;
	}
	assert_int_equal(ASN1_TIME_cmp_time_t(tu, T0), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(nu, T0 + 4 * 86400), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(OCSP_resp_get0_produced_at(bs),
	    T0), 0);
	assert_int_equal(OCSP_check_validity(tu, nu, 300, -1), 0);
	assert_int_equal(OCSP_check_nonce(req, bs), with_nonce ? 1 : 2);

	OCSP_CERTID_free(id);
	X509_STORE_free(store);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OPENSSL_free(rder);
	OPENSSL_free(der);
	OCSP_REQUEST_free(req);
	ERR_clear_error();
}

static void
test_resp(void **state)
{
	(void)state;
	check_resp(OCSP_HASH_SHA1, OCSP_CERT_GOOD, -1, false);
	check_resp(OCSP_HASH_SHA256, OCSP_CERT_GOOD, -1, true);
	check_resp(OCSP_HASH_SHA1, OCSP_CERT_REVOKED, 1, true);
	check_resp(OCSP_HASH_SHA256, OCSP_CERT_REVOKED, -1, false);
	check_resp(OCSP_HASH_SHA256, OCSP_CERT_UNKNOWN, -1, true);
}

static void
test_resp_refused(void **state)
{
	struct ocsp_single s;
	struct fe_err err;
	uint8_t *der = NULL, nonce[33] = { 0 };
	size_t len;
	static const uint8_t serial[] = { 7 };

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(ocsp_certid_from_issuer(ca, OCSP_HASH_SHA256, serial,
	    1, &s.id, &err), 0);
	s.this_update = T0;
	s.next_update = T0 + 86400;
	s.status = OCSP_CERT_REVOKED;
	s.reason = 7;
	assert_int_equal(ocsp_resp_build(&s, ca, responder, resp_key, NULL, 0,
	    &der, &len, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "7 is not a CRLReason"));
	s.status = OCSP_CERT_GOOD;
	assert_int_equal(ocsp_resp_build(&s, ca, responder, resp_key, nonce,
	    33, &der, &len, &err), FE_EINVAL);
	s.next_update = T0 - 1;
	assert_int_equal(ocsp_resp_build(&s, ca, responder, resp_key, NULL, 0,
	    &der, &len, &err), FE_EINVAL);
	s.next_update = 0;
	/* a CertID of another issuer */
	assert_int_equal(ocsp_resp_build(&s, responder, responder, resp_key,
	    NULL, 0, &der, &len, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "not those of the issuer"));
	assert_null(der);
	/* no nextUpdate is fine */
	assert_int_equal(ocsp_resp_build(&s, ca, responder, resp_key, NULL, 0,
	    &der, &len, &err), 0);
	OPENSSL_free(der);
}

/* With an RSA responder key (deterministic PKCS#1 v1.5), the same inputs
 * give the same bytes: pre-signed responses can be compared. */
static void
test_resp_stable(void **state)
{
	EVP_PKEY *rk = EVP_RSA_gen(2048);
	X509 *rc;
	struct ocsp_single s;
	struct fe_err err;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;
	static const uint8_t serial[] = { 0x01, 0x23, 0x45, 0x67 };
	static const uint8_t nonce[] = { 1, 2, 3 };

	(void)state;
	assert_non_null(rk);
	rc = mk_cert("foureyes test OCSP RSA", rk, ca, ca_key, 3, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(ocsp_certid_from_issuer(ca, OCSP_HASH_SHA1, serial,
	    4, &s.id, &err), 0);
	s.status = OCSP_CERT_REVOKED;
	s.reason = 4;
	s.revoked_at = T0 - 5;
	s.this_update = T0;
	s.next_update = T0 + 86400;
	assert_int_equal(ocsp_resp_build(&s, ca, rc, rk, nonce, 3, &a, &alen,
	    &err), 0);
	assert_int_equal(ocsp_resp_build(&s, ca, rc, rk, nonce, 3, &b, &blen,
	    &err), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_free(rc);
	EVP_PKEY_free(rk);
}

static void
test_error_responses(void **state)
{
	static const int st[] = { 1, 2, 3, 5, 6 };
	const uint8_t *p;
	const unsigned char *q;
	unsigned char *ref = NULL;
	OCSP_RESPONSE *resp;
	size_t len, i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		p = ocsp_error_response(st[i], &len);
		assert_non_null(p);
		q = p;
		resp = d2i_OCSP_RESPONSE(NULL, &q, (long)len);
		assert_non_null(resp);
		assert_ptr_equal(q, p + len);
		assert_int_equal(OCSP_response_status(resp), st[i]);
		OCSP_RESPONSE_free(resp);
		resp = OCSP_response_create(st[i], NULL);
		n = i2d_OCSP_RESPONSE(resp, &ref);
		assert_int_equal((size_t)n, len);
		assert_memory_equal(ref, p, len);
		OPENSSL_free(ref);
		ref = NULL;
		OCSP_RESPONSE_free(resp);
	}
	assert_null(ocsp_error_response(0, &len));
	assert_null(ocsp_error_response(4, &len));
	assert_int_equal(ocsp_rc_status(FE_ECRYPTO), OCSP_ST_INTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_caps),
		cmocka_unit_test(test_parse_requests),
		cmocka_unit_test(test_parse_serial),
		cmocka_unit_test(test_parse_fast),
		cmocka_unit_test(test_parse_exts),
		cmocka_unit_test(test_get_path),
		cmocka_unit_test(test_resp),
		cmocka_unit_test(test_resp_refused),
		cmocka_unit_test(test_resp_stable),
		cmocka_unit_test(test_error_responses),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
