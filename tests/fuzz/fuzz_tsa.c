/*
 * fuzz_tsa.c - libFuzzer target for the time-stamp request parser,
 * tsa_req_parse() (src/pki/tsa.c), and for every request that parses,
 * tsa_resp_build() with a fixed signer (a P-256 root, sub-root and TSA
 * certificate made once in LLVMFuzzerInitialize).
 *
 * Invariants (abort() when broken): a refusal names a PKIFailureInfo bit
 * and tsa_resp_reject() makes a response of it; a request that parses was
 * at most TSA_MAX_REQUEST bytes, has an accepted hash with a digest of its
 * length and a nonce of at most TSA_NONCE_MAX octets without a leading
 * zero; its response (unless it asked for another policy, which must be
 * refused as unacceptedPolicy) decodes with d2i_TS_RESP, is granted, and
 * its TSTInfo echoes the nonce and the messageImprint, has the fixed
 * genTime and the TSA's policy.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "pki/tsa.h"

#define POLICY "1.3.6.1.4.1.99999.7.1"
#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

static struct tsa_signer signer;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
ext(X509 *x, X509 *iss, int nid, const char *v)
{
	X509V3_CTX c;
	X509_EXTENSION *e;

	X509V3_set_ctx(&c, iss, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
	check(e != NULL && X509_add_ext(x, e, -1) == 1);
	X509_EXTENSION_free(e);
}

static X509 *
cert(const char *cn, EVP_PKEY *k, X509 *iss, EVP_PKEY *ik, long serial,
    int is_ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	check(x != NULL && n != NULL && X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_subject_name(x, n) == 1 &&
	    X509_set_issuer_name(x, iss ? X509_get_subject_name(iss) : n) ==
	    1 &&
	    ASN1_TIME_set(X509_getm_notBefore(x), 1700000000) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(x), 2100000000) != NULL &&
	    X509_set_pubkey(x, k) == 1);
	ext(x, iss ? iss : x, NID_subject_key_identifier, "hash");
	ext(x, iss ? iss : x, NID_authority_key_identifier, "keyid");
	if (is_ca) {
		ext(x, iss ? iss : x, NID_basic_constraints,
		    "critical,CA:TRUE");
		ext(x, iss ? iss : x, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
	} else {
		ext(x, iss, NID_key_usage, "critical,digitalSignature");
		ext(x, iss, NID_ext_key_usage, "critical,timeStamping");
	}
	check(X509_sign(x, ik, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

/* Kept for the life of the process (libFuzzer never tears down). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY *rk = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256");
	EVP_PKEY *tk = EVP_EC_gen("P-256");
	X509 *root, *sub;
	struct fe_err err;

	(void)argc;
	(void)argv;
	check(rk != NULL && sk != NULL && tk != NULL);
	root = cert("fuzz root", rk, NULL, rk, 1, 1);
	sub = cert("fuzz sub-root", sk, root, rk, 2, 1);
	signer.cert = cert("fuzz TSA", tk, sub, sk, 3, 0);
	signer.key = tk;
	signer.chain = sk_X509_new_null();
	check(signer.chain != NULL && sk_X509_push(signer.chain, sub) > 0);
	signer.policy = POLICY;
	signer.accuracy_ms = 1001;
	check(tsa_signer_check(signer.cert, signer.key, &err) == 0);
	X509_free(root);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(sk);
	return 0;
}

static bool
valid_bit(int fi)
{
	return strcmp(tsa_fail_name(fi), "unknown") != 0;
}

/* The response to r decodes, is granted and echoes r. */
static void
check_resp(const struct tsa_req *r, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)len);
	TS_TST_INFO *tst;
	TS_MSG_IMPRINT *mi;
	const ASN1_INTEGER *nonce;
	const ASN1_GENERALIZEDTIME *gt;
	BIGNUM *bn;
	uint8_t nb[TSA_NONCE_MAX];
	char pol[TSA_POLICY_MAX];

	check(resp != NULL && p == der + len);
	check(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
	    TS_RESP_get_status_info(resp))) == TS_STATUS_GRANTED);
	tst = TS_RESP_get_tst_info(resp);
	check(tst != NULL && TS_TST_INFO_get_version(tst) == 1);
	mi = TS_TST_INFO_get_msg_imprint(tst);
	check(OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm) ==
	    r->hash_nid);
	check((size_t)ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)) ==
	    r->digest_len && memcmp(ASN1_STRING_get0_data(
	    TS_MSG_IMPRINT_get_msg(mi)), r->digest, r->digest_len) == 0);
	nonce = TS_TST_INFO_get_nonce(tst);
	if (r->nonce_len == 0)
		check(nonce == NULL);
	else {
		check(nonce != NULL && ASN1_STRING_type(nonce) ==
		    V_ASN1_INTEGER);
		bn = ASN1_INTEGER_to_BN(nonce, NULL);
		check(bn != NULL && (size_t)BN_num_bytes(bn) == r->nonce_len &&
		    BN_bn2bin(bn, nb) == (int)r->nonce_len &&
		    memcmp(nb, r->nonce, r->nonce_len) == 0);
		BN_free(bn);
	}
	gt = TS_TST_INFO_get_time(tst);
	check(gt != NULL && ASN1_TIME_cmp_time_t(gt, NOW) == 0);
	check(OBJ_obj2txt(pol, sizeof(pol), TS_TST_INFO_get_policy_id(tst),
	    1) > 0 && strcmp(pol, POLICY) == 0);
	check(TS_TST_INFO_get_serial(tst) != NULL && ASN1_STRING_type(
	    TS_TST_INFO_get_serial(tst)) == V_ASN1_INTEGER);
	TS_RESP_free(resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsa_req r;
	struct fe_err err;
	uint8_t *der = NULL;
	size_t len;
	int fi = -1, rc;

	if (tsa_req_parse(data, size, &r, &fi, &err) != 0) {
		check(valid_bit(fi));
		check(tsa_resp_reject(fi, err.msg, &der, &len, &err) == 0);
		OPENSSL_free(der);
		return 0;
	}
	check(fi == -1 && size <= TSA_MAX_REQUEST);
	check(r.hash_nid == NID_sha256 || r.hash_nid == NID_sha384 ||
	    r.hash_nid == NID_sha512);
	check(r.digest_len == (size_t)EVP_MD_get_size(EVP_get_digestbynid(
	    r.hash_nid)));
	check(r.nonce_len <= TSA_NONCE_MAX);
	check(r.nonce_len == 0 || r.nonce[0] != 0);
	check(memchr(r.policy, '\0', sizeof(r.policy)) != NULL);
	rc = tsa_resp_build(&signer, &r, NOW, &der, &len, &fi, &err);
	if (r.policy[0] != '\0' && strcmp(r.policy, POLICY) != 0) {
		check(rc == FE_EPOLICY && fi == TSA_FAIL_UNACCEPTED_POLICY);
		return 0;
	}
	check(rc == 0);
	check_resp(&r, der, len);
	OPENSSL_free(der);
	ERR_clear_error();
	return 0;
}
