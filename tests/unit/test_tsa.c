/*
 * test_tsa.c - src/pki/tsa.c against OpenSSL's own time-stamp code and
 * the real `openssl ts` command: requests made by OpenSSL's TS_REQ parse
 * to the right fields; every rejection path is taken once, with its
 * message and PKIFailureInfo; a granted token verifies with
 * `openssl ts -verify` through a TSA certificate (EKU id-kp-timeStamping,
 * critical) issued by a sub-root under a root used as the only trust
 * anchor, and shows the policy, nonce, accuracy and genTime that went in;
 * serials differ between tokens, also from several threads at once; a
 * rejection prints as "Rejected" with its failure info.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/seam.h"
#include "pki/tsa.h"
#include "testx509.h"

extern char **environ;

#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define POLICY "1.3.6.1.4.1.99999.7.1"

static EVP_PKEY *root_key, *sub_key, *tsa_key, *other_key;
static X509 *root, *sub, *tsa, *tsa_noncrit, *tsa_twoeku, *tsa_noku, *tsa_ca,
    *tsa_noeku;
static STACK_OF(X509) *chain;
static char dir[] = "/tmp/fe-test-tsa.XXXXXX";


/* kind 0: CA; 1: TSA; 2: TSA, EKU not critical; 3: TSA with a second
 * EKU; 4: TSA without keyUsage; 5: TSA that is also a CA; 6: TSA without
 * extendedKeyUsage. */
static X509 *
mk_cert(const char *cn, EVP_PKEY *pk, X509 *iss, EVP_PKEY *iss_key,
    long serial, int kind)
{
	X509 *x = tx_cert_begin(cn, pk, iss, serial, T0 - 86400,
	    T0 + 3650L * 86400);

	if (iss == NULL)
		iss = x;
	switch (kind) {
	case 0:
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
		break;
	case 1:
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		add_ext(x, iss, NID_ext_key_usage, "critical,timeStamping");
		break;
	case 2:
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		add_ext(x, iss, NID_ext_key_usage, "timeStamping");
		break;
	case 3:
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		add_ext(x, iss, NID_ext_key_usage,
		    "critical,timeStamping,1.3.6.1.4.1.99999.3");
		break;
	case 5:
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		add_ext(x, iss, NID_ext_key_usage, "critical,timeStamping");
		break;
	case 6:
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
		break;
	default:
		add_ext(x, iss, NID_ext_key_usage, "critical,timeStamping");
		break;
	}
	assert_true(X509_sign(x, iss_key, EVP_sha256()) > 0);
	return x;
}

static void
write_file(const char *name, const void *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
write_pem(const char *name, X509 *const *certs, int n)
{
	char path[256];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_int_equal(PEM_write_X509(f, certs[i]), 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	X509 *certs[2];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	root_key = EVP_EC_gen("P-256");
	sub_key = EVP_EC_gen("P-256");
	tsa_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	if (root_key == NULL || sub_key == NULL || tsa_key == NULL ||
	    other_key == NULL)
		return -1;
	root = mk_cert("foureyes test root", root_key, NULL, root_key, 1, 0);
	sub = mk_cert("foureyes test sub-root", sub_key, root, root_key, 2, 0);
	tsa = mk_cert("foureyes test TSA", tsa_key, sub, sub_key, 3, 1);
	tsa_noncrit = mk_cert("TSA 2", tsa_key, sub, sub_key, 4, 2);
	tsa_twoeku = mk_cert("TSA 3", tsa_key, sub, sub_key, 5, 3);
	tsa_noku = mk_cert("TSA 4", tsa_key, sub, sub_key, 6, 4);
	tsa_ca = mk_cert("TSA 5", tsa_key, sub, sub_key, 7, 5);
	tsa_noeku = mk_cert("TSA 6", tsa_key, sub, sub_key, 8, 6);
	chain = sk_X509_new_null();
	if (chain == NULL || sk_X509_push(chain, sub) <= 0)
		return -1;
	certs[0] = root;
	write_pem("root.pem", certs, 1);
	certs[0] = sub;
	write_pem("chain.pem", certs, 1);
	certs[0] = sub;
	certs[1] = tsa;
	write_pem("chain-tsa.pem", certs, 2);
	return 0;
}

static int
teardown(void **state)
{
	char *argv[] = { "/bin/rm", "-rf", dir, NULL };
	pid_t pid;
	int st;

	(void)state;
	sk_X509_free(chain);
	X509_free(root);
	X509_free(sub);
	X509_free(tsa);
	X509_free(tsa_noncrit);
	X509_free(tsa_twoeku);
	X509_free(tsa_noku);
	X509_free(tsa_ca);
	X509_free(tsa_noeku);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(sub_key);
	EVP_PKEY_free(tsa_key);
	EVP_PKEY_free(other_key);
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
	return 0;
}

/* Run argv (found on PATH) in dir; its standard output and error
 * (malloc'ed) and exit status. */
static char *
run(char *const *argv, int *status)
{
	posix_spawn_file_actions_t fa;
	char *out = NULL;
	size_t len = 0;
	char tmp[4096];
	int p[2];
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	assert_int_equal(posix_spawnp(&pid, argv[0], &fa, NULL, argv,
	    environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while ((k = read(p[0], tmp, sizeof(tmp))) > 0) {
		out = realloc(out, len + (size_t)k + 1);
		assert_non_null(out);
		memcpy(out + len, tmp, (size_t)k);
		len += (size_t)k;
		out[len] = '\0';
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return out != NULL ? out : strdup("");
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in:\n%s", needle, hay);
}

struct req_opts {
	const EVP_MD *md;
	int digest_len;          /* 0: the md's size */
	int nonce_len;           /* octets; 0: none */
	bool cert_req;
	const char *policy;      /* NULL: none */
	int version;             /* 0: 1 */
	int param;               /* 0 absent, 1 NULL, 2 an OCTET STRING */
	bool ext;                /* add a non-critical extension */
	bool neg_nonce;
};

/* DER TimeStampReq made by OpenSSL; freed with OPENSSL_free(). */
static uint8_t *
mk_req(const struct req_opts *o, size_t *len)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char dig[128], nb[64], *der = NULL;
	int dl = o->digest_len ? o->digest_len : EVP_MD_get_size(o->md);
	ASN1_OCTET_STRING *os;
	int n;

	assert_non_null(req);
	assert_non_null(mi);
	assert_non_null(alg);
	memset(dig, 0xa5, sizeof(dig));
	assert_int_equal(TS_REQ_set_version(req, o->version ? o->version : 1),
	    1);
	switch (o->param) {
	case 0:
		X509_ALGOR_set_md(alg, o->md);
		break;
	case 1:
		assert_int_equal(X509_ALGOR_set0(alg,
		    OBJ_nid2obj(EVP_MD_get_type(o->md)), V_ASN1_NULL, NULL),
		    1);
		break;
	default:
		os = ASN1_OCTET_STRING_new();
		assert_int_equal(ASN1_OCTET_STRING_set(os, dig, 4), 1);
		assert_int_equal(X509_ALGOR_set0(alg,
		    OBJ_nid2obj(EVP_MD_get_type(o->md)), V_ASN1_OCTET_STRING,
		    os), 1);
		break;
	}
	assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, dig, dl), 1);
	assert_int_equal(TS_REQ_set_msg_imprint(req, mi), 1);
	if (o->nonce_len > 0) {
		BIGNUM *bn;
		ASN1_INTEGER *ai;

		memset(nb, 0x5a, sizeof(nb));
		nb[0] = 0x81; /* so the magnitude has nonce_len octets */
		bn = BN_bin2bn(nb, o->nonce_len, NULL);
		assert_non_null(bn);
		if (o->neg_nonce)
			BN_set_negative(bn, 1);
		ai = BN_to_ASN1_INTEGER(bn, NULL);
		assert_non_null(ai);
		assert_int_equal(TS_REQ_set_nonce(req, ai), 1);
		ASN1_INTEGER_free(ai);
		BN_free(bn);
	}
	if (o->cert_req)
		assert_int_equal(TS_REQ_set_cert_req(req, 1), 1);
	if (o->policy != NULL) {
		ASN1_OBJECT *pol = OBJ_txt2obj(o->policy, 1);

		assert_non_null(pol);
		assert_int_equal(TS_REQ_set_policy_id(req, pol), 1);
		ASN1_OBJECT_free(pol);
	}
	if (o->ext) {
		X509V3_CTX ctx;
		X509_EXTENSION *e;

		X509V3_set_ctx(&ctx, NULL, NULL, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
		    "CA:FALSE");
		assert_non_null(e);
		assert_int_equal(TS_REQ_add_ext(req, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	n = i2d_TS_REQ(req, &der);
	assert_true(n > 0);
	*len = (size_t)n;
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return der;
}

/* Parse der; for want == NULL expect success, else failure with want in
 * the message, and fail_info `bit`. */
static int
parse_der(const uint8_t *der, size_t len, struct tsa_req *r,
    const char *want, int bit)
{
	struct fe_err err;
	int rc, fi = -1;

	memset(&err, 0, sizeof(err));
	rc = tsa_req_parse(der, len, r, &fi, &err);
	if (want == NULL) {
		if (rc != 0)
			fail_msg("refused: %s", err.msg);
		assert_int_equal(fi, -1);
		return rc;
	}
	if (rc == 0)
		fail_msg("accepted, expected \"%s\"", want);
	assert_true(rc == FE_EINVAL || rc == FE_EPOLICY);
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" not in \"%s\"", want, err.msg);
	if (fi != bit)
		fail_msg("failure info %s, expected %s (%s)",
		    tsa_fail_name(fi), tsa_fail_name(bit), err.msg);
	return rc;
}

static int
parse_opts(const struct req_opts *o, struct tsa_req *r, const char *want,
    int bit)
{
	size_t len;
	uint8_t *der = mk_req(o, &len);
	int rc = parse_der(der, len, r, want, bit);

	OPENSSL_free(der);
	return rc;
}

static void
test_parse_good(void **state)
{
	struct tsa_req r;
	struct req_opts o = { .md = EVP_sha256(), .nonce_len = 8,
	    .cert_req = true, .policy = POLICY };
	uint8_t dig[64];

	(void)state;
	memset(dig, 0xa5, sizeof(dig));
	assert_int_equal(parse_opts(&o, &r, NULL, 0), 0);
	assert_int_equal(r.hash_nid, NID_sha256);
	assert_int_equal(r.digest_len, 32);
	assert_memory_equal(r.digest, dig, 32);
	assert_false(r.hash_param_null);
	assert_int_equal(r.nonce_len, 8);
	assert_int_equal(r.nonce[0], 0x81);
	assert_true(r.cert_req);
	assert_string_equal(r.policy, POLICY);

	o = (struct req_opts){ .md = EVP_sha384(), .param = 1 };
	assert_int_equal(parse_opts(&o, &r, NULL, 0), 0);
	assert_int_equal(r.hash_nid, NID_sha384);
	assert_int_equal(r.digest_len, 48);
	assert_true(r.hash_param_null);
	assert_int_equal(r.nonce_len, 0);
	assert_false(r.cert_req);
	assert_string_equal(r.policy, "");

	o = (struct req_opts){ .md = EVP_sha512(), .nonce_len = TSA_NONCE_MAX };
	assert_int_equal(parse_opts(&o, &r, NULL, 0), 0);
	assert_int_equal(r.hash_nid, NID_sha512);
	assert_int_equal(r.digest_len, 64);
	assert_int_equal(r.nonce_len, TSA_NONCE_MAX);
}

static void
test_parse_refused(void **state)
{
	struct tsa_req r;
	struct req_opts o;
	char longpol[200];
	size_t i;

	(void)state;
	o = (struct req_opts){ .md = EVP_sha1() };
	parse_opts(&o, &r, "SHA-1 refused: collision attacks",
	    TSA_FAIL_BAD_ALG);
	o = (struct req_opts){ .md = EVP_md5() };
	parse_opts(&o, &r, "MD5 refused: collision attacks", TSA_FAIL_BAD_ALG);
	o = (struct req_opts){ .md = EVP_sha224() };
	parse_opts(&o, &r, "hash algorithm 2.16.840.1.101.3.4.2.4 is not "
	    "SHA-256, SHA-384 or SHA-512", TSA_FAIL_BAD_ALG);
	o = (struct req_opts){ .md = EVP_sha256(), .param = 2 };
	parse_opts(&o, &r, "parameters are neither absent nor NULL",
	    TSA_FAIL_BAD_ALG);
	o = (struct req_opts){ .md = EVP_sha256(), .digest_len = 31 };
	parse_opts(&o, &r, "hashedMessage of 31 octets, SHA256 needs 32",
	    TSA_FAIL_BAD_DATA_FORMAT);
	o = (struct req_opts){ .md = EVP_sha512(), .digest_len = 32 };
	parse_opts(&o, &r, "hashedMessage of 32 octets, SHA512 needs 64",
	    TSA_FAIL_BAD_DATA_FORMAT);
	o = (struct req_opts){ .md = EVP_sha256(), .version = 2 };
	parse_opts(&o, &r, "version 2 (only 1)", TSA_FAIL_BAD_REQUEST);
	o = (struct req_opts){ .md = EVP_sha256(), .ext = true };
	parse_opts(&o, &r, "1 extensions, the first 2.5.29.19 (this TSA "
	    "supports none)", TSA_FAIL_UNACCEPTED_EXT);
	o = (struct req_opts){ .md = EVP_sha256(),
	    .nonce_len = TSA_NONCE_MAX + 1 };
	parse_opts(&o, &r, "nonce of 33 octets (at most 32)",
	    TSA_FAIL_BAD_DATA_FORMAT);
	o = (struct req_opts){ .md = EVP_sha256(), .nonce_len = 8,
	    .neg_nonce = true };
	parse_opts(&o, &r, "negative nonce", TSA_FAIL_BAD_DATA_FORMAT);
	memset(longpol, 0, sizeof(longpol));
	memcpy(longpol, "1.2", 3);
	for (i = 3; i + 2 < 150; i += 2)
		memcpy(longpol + i, ".5", 2);
	o = (struct req_opts){ .md = EVP_sha256(), .policy = longpol };
	parse_opts(&o, &r, "reqPolicy OID of 149 characters (at most 127)",
	    TSA_FAIL_UNACCEPTED_POLICY);
}

/* Size caps, trailing bytes, BER, a zero nonce: made by hand. */
static void
test_parse_bytes(void **state)
{
	struct req_opts o = { .md = EVP_sha256(), .nonce_len = 8 };
	struct tsa_req r;
	uint8_t *der, *big, ber[TSA_MAX_REQUEST];
	size_t len;
	/* TimeStampReq { 1, { { sha256 }, 32 x 00 }, nonce 0 } */
	static const uint8_t head[] = { 0x30, 0x37, 0x02, 0x01, 0x01, 0x30,
	    0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
	    0x04, 0x02, 0x01, 0x04, 0x20 };
	uint8_t zero[sizeof(head) + 32 + 3];

	(void)state;
	der = mk_req(&o, &len);
	assert_true(len < 0x80); /* so its outer length is short form */
	parse_der(der, len, &r, NULL, 0);
	parse_der(der, 0, &r, "request of 0 bytes (1 to 4096)",
	    TSA_FAIL_BAD_DATA_FORMAT);
	big = calloc(1, TSA_MAX_REQUEST + 1);
	assert_non_null(big);
	memcpy(big, der, len);
	parse_der(big, TSA_MAX_REQUEST + 1, &r,
	    "request of 4097 bytes (1 to 4096)", TSA_FAIL_BAD_DATA_FORMAT);
	parse_der(big, len + 1, &r, "1 trailing bytes after the TimeStampReq",
	    TSA_FAIL_BAD_DATA_FORMAT);
	free(big);
	parse_der(der, len - 1, &r, "not a DER TimeStampReq",
	    TSA_FAIL_BAD_DATA_FORMAT);

	/* BER: the outer length in long form (81 xx) for a short length. */
	ber[0] = 0x30;
	ber[1] = 0x81;
	ber[2] = der[1];
	memcpy(ber + 3, der + 2, len - 2);
	parse_der(ber, len + 1, &r, "not DER (BER encoding of",
	    TSA_FAIL_BAD_DATA_FORMAT);
	/* BER: certReq FALSE written out, though it is the DEFAULT. */
	memcpy(ber, der, len);
	ber[1] = (uint8_t)(der[1] + 3);
	ber[len] = 0x01;
	ber[len + 1] = 0x01;
	ber[len + 2] = 0x00;
	parse_der(ber, len + 3, &r, "not DER", TSA_FAIL_BAD_DATA_FORMAT);
	/* BER: the outer SEQUENCE with indefinite length. */
	ber[0] = 0x30;
	ber[1] = 0x80;
	memcpy(ber + 2, der + 2, len - 2);
	ber[len] = 0;
	ber[len + 1] = 0;
	parse_der(ber, len + 2, &r, "not DER", TSA_FAIL_BAD_DATA_FORMAT);
	/* An empty extensions [0]: DER, but SIZE (1..MAX). */
	memcpy(ber, der, len);
	ber[1] = (uint8_t)(der[1] + 2);
	ber[len] = 0xa0;
	ber[len + 1] = 0x00;
	parse_der(ber, len + 2, &r, "empty extensions field",
	    TSA_FAIL_UNACCEPTED_EXT);
	OPENSSL_free(der);

	memset(zero, 0, sizeof(zero));
	memcpy(zero, head, sizeof(head));
	memcpy(zero + sizeof(head) + 32, "\x02\x01\x00", 3);
	assert_int_equal(sizeof(zero), 2 + 0x37);
	parse_der(zero, sizeof(zero), &r, "nonce zero",
	    TSA_FAIL_BAD_DATA_FORMAT);
	zero[sizeof(zero) - 1] = 0x01;
	parse_der(zero, sizeof(zero), &r, NULL, 0);
	assert_int_equal(r.nonce_len, 1);
}

static int64_t fixed_now = T0 + 3661;

static int
build(const struct req_opts *o, const struct tsa_signer *s, uint8_t **req,
    size_t *req_len, uint8_t **resp, size_t *resp_len)
{
	struct tsa_req r;
	struct fe_err err;
	int fi = -1, rc;

	*req = mk_req(o, req_len);
	parse_der(*req, *req_len, &r, NULL, 0);
	rc = tsa_resp_build(s, &r, fixed_now, resp, resp_len, &fi, &err);
	if (rc != 0)
		fail_msg("tsa_resp_build: %s", err.msg);
	return rc;
}

/* The CMS signingTime is `now` too, not the system clock that OpenSSL
 * would put there. */
static void
assert_signing_time(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	TS_RESP *resp = d2i_TS_RESP(NULL, &p, (long)len);
	PKCS7_SIGNER_INFO *si;
	ASN1_TYPE *st;

	assert_non_null(resp);
	si = sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(
	    TS_RESP_get_token(resp)), 0);
	assert_non_null(si);
	st = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
	assert_non_null(st);
	assert_int_equal(ASN1_TYPE_get(st), V_ASN1_UTCTIME);
	assert_int_equal(ASN1_TIME_cmp_time_t(st->value.utctime,
	    (time_t)fixed_now), 0);
	TS_RESP_free(resp);
}

static void
test_resp_verifies(void **state)
{
	struct tsa_signer s = { .cert = tsa, .key = tsa_key, .chain = chain,
	    .policy = POLICY, .accuracy_ms = 1500 };
	struct req_opts o = { .md = EVP_sha256(), .nonce_len = 8,
	    .cert_req = true };
	char path_in[256], path_q[256], path_ca[256], path_un[256];
	char *verify[] = { "openssl", "ts", "-verify", "-in", path_in,
	    "-queryfile", path_q, "-CAfile", path_ca, "-untrusted", path_un,
	    NULL };
	char *text[] = { "openssl", "ts", "-reply", "-in", path_in, "-text",
	    NULL };
	uint8_t *req, *resp;
	size_t req_len, resp_len;
	char *out;
	int st;

	(void)state;
	snprintf(path_in, sizeof(path_in), "%s/resp.tsr", dir);
	snprintf(path_q, sizeof(path_q), "%s/req.tsq", dir);
	snprintf(path_ca, sizeof(path_ca), "%s/root.pem", dir);
	snprintf(path_un, sizeof(path_un), "%s/chain.pem", dir);

	/* certReq: the TSA certificate and the sub-root come in the token. */
	assert_int_equal(build(&o, &s, &req, &req_len, &resp, &resp_len), 0);
	write_file("req.tsq", req, req_len);
	write_file("resp.tsr", resp, resp_len);
	out = run(verify, &st);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("openssl ts -verify failed:\n%s", out);
	assert_contains(out, "Verification: OK");
	free(out);
	out = run(text, &st);
	assert_int_equal(st, 0);
	assert_contains(out, "Status: Granted.");
	assert_contains(out, "Version: 1");
	assert_contains(out, "Policy OID: " POLICY);
	assert_contains(out, "Hash Algorithm: sha256");
	assert_contains(out, "Time stamp: Jan  1 01:01:01 2026 GMT");
	assert_contains(out, "Accuracy: 0x01 seconds, 0x01F4 millis, "
	    "unspecified micros");
	assert_contains(out, "Ordering: no");
	assert_contains(out, "Nonce: 0x815A5A5A5A5A5A5A");
	assert_contains(out, "TSA: unspecified");
	free(out);
	assert_signing_time(resp, resp_len);
	OPENSSL_free(req);
	OPENSSL_free(resp);

	/* No certReq, SHA-512 with NULL parameters, no nonce, our policy
	 * asked for, no accuracy: the TSA certificate must come from
	 * -untrusted. */
	s.accuracy_ms = 0;
	s.chain = NULL;
	o = (struct req_opts){ .md = EVP_sha512(), .param = 1,
	    .policy = POLICY };
	assert_int_equal(build(&o, &s, &req, &req_len, &resp, &resp_len), 0);
	write_file("req.tsq", req, req_len);
	write_file("resp.tsr", resp, resp_len);
	snprintf(path_un, sizeof(path_un), "%s/chain-tsa.pem", dir);
	out = run(verify, &st);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("openssl ts -verify failed:\n%s", out);
	assert_contains(out, "Verification: OK");
	free(out);
	out = run(text, &st);
	assert_int_equal(st, 0);
	assert_contains(out, "Hash Algorithm: sha512");
	assert_contains(out, "Accuracy: unspecified");
	assert_contains(out, "Nonce: unspecified");
	free(out);
	/* ... and without it verification fails: no certificate in the
	 * token, as certReq was false. */
	snprintf(path_un, sizeof(path_un), "%s/chain.pem", dir);
	out = run(verify, &st);
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(out);
	OPENSSL_free(req);
	OPENSSL_free(resp);
}

/* The TSTInfo of a DER TimeStampResp; the caller frees the TS_RESP. */
static TS_TST_INFO *
tst_info(const uint8_t *der, size_t len, TS_RESP **resp)
{
	const unsigned char *p = der;

	*resp = d2i_TS_RESP(NULL, &p, (long)len);
	assert_non_null(*resp);
	assert_ptr_equal(p, der + len);
	assert_non_null(TS_RESP_get_tst_info(*resp));
	return TS_RESP_get_tst_info(*resp);
}

static void
test_resp_serials(void **state)
{
	struct tsa_signer s = { .cert = tsa, .key = tsa_key,
	    .policy = POLICY };
	struct req_opts o = { .md = EVP_sha256(), .nonce_len = 16 };
	uint8_t *req, *resp1, *resp2;
	size_t req_len, len1, len2;
	TS_RESP *r1, *r2;
	const ASN1_INTEGER *s1, *s2;
	struct tsa_req r;
	struct fe_err err;

	(void)state;
	assert_int_equal(build(&o, &s, &req, &req_len, &resp1, &len1), 0);
	parse_der(req, req_len, &r, NULL, 0);
	assert_int_equal(tsa_resp_build(&s, &r, fixed_now, &resp2, &len2,
	    NULL, &err), 0);
	s1 = TS_TST_INFO_get_serial(tst_info(resp1, len1, &r1));
	s2 = TS_TST_INFO_get_serial(tst_info(resp2, len2, &r2));
	assert_int_equal(ASN1_STRING_type(s1), V_ASN1_INTEGER);
	assert_true(ASN1_STRING_length(s1) <= 16);
	assert_true(ASN1_STRING_length(s1) >= 8); /* p = 2^-64 to fail */
	assert_int_not_equal(ASN1_INTEGER_cmp(s1, s2), 0);
	TS_RESP_free(r1);
	TS_RESP_free(r2);
	OPENSSL_free(req);
	OPENSSL_free(resp1);
	OPENSSL_free(resp2);
}

/* Randomness seam giving all ones: the largest serial. */
static int
all_ones(void *p, size_t n)
{
	memset(p, 0xff, n);
	return 0;
}

static int
all_zeros(void *p, size_t n)
{
	memset(p, 0, n);
	return 0;
}

static void
test_resp_serial_seam(void **state)
{
	struct tsa_signer s = { .cert = tsa, .key = tsa_key,
	    .policy = POLICY };
	struct req_opts o = { .md = EVP_sha256() };
	uint8_t *req, *resp, all[16];
	size_t req_len, len;
	TS_RESP *rs;
	const ASN1_INTEGER *sn;
	struct tsa_req r;
	struct fe_err err;
	int fi = -1;

	(void)state;
	fe_seam_set_random(all_ones);
	build(&o, &s, &req, &req_len, &resp, &len);
	fe_seam_set_random(NULL);
	sn = TS_TST_INFO_get_serial(tst_info(resp, len, &rs));
	memset(all, 0xff, sizeof(all));
	assert_int_equal(ASN1_STRING_type(sn), V_ASN1_INTEGER);
	assert_int_equal(ASN1_STRING_length(sn), 16);
	assert_memory_equal(ASN1_STRING_get0_data(sn), all, 16);
	TS_RESP_free(rs);
	OPENSSL_free(resp);

	/* A randomness source stuck at zero: no serial, no token. */
	parse_der(req, req_len, &r, NULL, 0);
	fe_seam_set_random(all_zeros);
	assert_int_equal(tsa_resp_build(&s, &r, fixed_now, &resp, &len, &fi,
	    &err), FE_ECRYPTO);
	fe_seam_set_random(NULL);
	assert_int_equal(fi, TSA_FAIL_SYSTEM_FAILURE);
	/* OpenSSL's status text; its serial failure is reported as one of
	 * TSTInfo generation. */
	assert_contains(err.msg, "did not grant the token: Error during "
	    "TSTInfo generation");
	OPENSSL_free(req);
}

static void
test_resp_refused(void **state)
{
	struct tsa_signer s = { .cert = tsa, .key = tsa_key,
	    .policy = POLICY };
	struct req_opts o = { .md = EVP_sha256(), .policy = "1.2.3.4" };
	struct tsa_req r;
	struct fe_err err;
	uint8_t *der, *resp = NULL;
	size_t len, rlen = 0;
	int fi = -1;

	(void)state;
	der = mk_req(&o, &len);
	parse_der(der, len, &r, NULL, 0);
	OPENSSL_free(der);
	assert_int_equal(tsa_resp_build(&s, &r, fixed_now, &resp, &rlen, &fi,
	    &err), FE_EPOLICY);
	assert_int_equal(fi, TSA_FAIL_UNACCEPTED_POLICY);
	assert_contains(err.msg, "reqPolicy 1.2.3.4 is not this TSA's policy "
	    POLICY);
	assert_null(resp);

	r.policy[0] = '\0';
	assert_int_not_equal(tsa_resp_build(&s, &r, -1, &resp, &rlen, &fi,
	    &err), 0);
	assert_int_equal(fi, TSA_FAIL_TIME_NOT_AVAILABLE);
	assert_contains(err.msg, "outside GeneralizedTime");
	assert_int_not_equal(tsa_resp_build(&s, &r, INT64_C(253402300800),
	    &resp, &rlen, &fi, &err), 0);

	/* A key that is not the certificate's: OpenSSL's answer is a
	 * rejection, which we report as an error. */
	s.key = other_key;
	assert_int_equal(tsa_resp_build(&s, &r, fixed_now, &resp, &rlen, &fi,
	    &err), FE_ECRYPTO);
	assert_int_equal(fi, TSA_FAIL_SYSTEM_FAILURE);
	assert_contains(err.msg, "did not grant");
	s.key = tsa_key;
	s.policy = "not an OID";
	assert_int_equal(tsa_resp_build(&s, &r, fixed_now, &resp, &rlen, &fi,
	    &err), FE_EINVAL);
	assert_int_equal(fi, TSA_FAIL_SYSTEM_FAILURE);
	assert_null(resp);
}

static void
test_signer_check(void **state)
{
	struct fe_err err;

	(void)state;
	if (tsa_signer_check(tsa, tsa_key, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(tsa_signer_check(tsa, other_key, &err), FE_EPOLICY);
	assert_contains(err.msg, "the key is not the certificate's private "
	    "key");
	assert_int_equal(tsa_signer_check(tsa_noncrit, tsa_key, &err),
	    FE_EPOLICY);
	assert_contains(err.msg, "RFC 3161 2.3: extendedKeyUsage is not "
	    "critical");
	assert_int_equal(tsa_signer_check(tsa_twoeku, tsa_key, &err),
	    FE_EPOLICY);
	assert_contains(err.msg, "extendedKeyUsage holds 1.3.6.1.4.1.99999.3 "
	    "besides id-kp-timeStamping");
	assert_int_equal(tsa_signer_check(tsa_noku, tsa_key, &err),
	    FE_EPOLICY);
	assert_contains(err.msg, "keyUsage without digitalSignature");
	assert_int_equal(tsa_signer_check(tsa_ca, tsa_key, &err),
	    FE_EPOLICY);
	assert_contains(err.msg, "a CA certificate (basicConstraints cA) "
	    "cannot sign time-stamps");
	assert_int_equal(tsa_signer_check(sub, sub_key, &err), FE_EPOLICY);
	assert_contains(err.msg, "a CA certificate");
	assert_int_equal(tsa_signer_check(tsa_noeku, tsa_key, &err),
	    FE_EPOLICY);
	assert_contains(err.msg, "RFC 3161 2.3: no extendedKeyUsage");
}

static void
test_reject(void **state)
{
	static const struct {
		int bit;
		const char *text;
	} bits[] = {
		{ TSA_FAIL_BAD_ALG, "unrecognized or unsupported algorithm "
		    "identifier" },
		{ TSA_FAIL_BAD_REQUEST, "transaction not permitted or "
		    "supported" },
		{ TSA_FAIL_BAD_DATA_FORMAT, "the data submitted has the "
		    "wrong format" },
		{ TSA_FAIL_TIME_NOT_AVAILABLE, "time source" },
		{ TSA_FAIL_UNACCEPTED_POLICY, "requested TSA policy is not "
		    "supported" },
		{ TSA_FAIL_UNACCEPTED_EXT, "requested extension is not "
		    "supported" },
		{ TSA_FAIL_ADD_INFO_NOT_AVAILABLE, "additional information" },
		{ TSA_FAIL_SYSTEM_FAILURE, "system failure" },
	};
	char path[256];
	char *text[] = { "openssl", "ts", "-reply", "-in", path, "-text",
	    NULL };
	char longtext[600];
	struct fe_err err;
	uint8_t *der;
	size_t len, i;
	TS_RESP *resp;
	const unsigned char *p;
	TS_STATUS_INFO *si;
	const STACK_OF(ASN1_UTF8STRING) *st;
	char *out;
	int status;

	(void)state;
	snprintf(path, sizeof(path), "%s/reject.tsr", dir);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		assert_int_equal(tsa_resp_reject(bits[i].bit,
		    "TimeStampReq: refused\n\xff", &der, &len, &err), 0);
		p = der;
		resp = d2i_TS_RESP(NULL, &p, (long)len);
		assert_non_null(resp);
		assert_ptr_equal(p, der + len);
		si = TS_RESP_get_status_info(resp);
		assert_int_equal(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(
		    si)), TS_STATUS_REJECTION);
		assert_int_equal(ASN1_BIT_STRING_get_bit(
		    TS_STATUS_INFO_get0_failure_info(si), bits[i].bit), 1);
		assert_null(TS_RESP_get_token(resp));
		TS_RESP_free(resp);
		write_file("reject.tsr", der, len);
		out = run(text, &status);
		assert_int_equal(status, 0);
		assert_contains(out, "Status: Rejected");
		assert_contains(out, "TimeStampReq: refused??");
		assert_contains(out, bits[i].text);
		free(out);
		OPENSSL_free(der);
	}
	/* A statusString long enough for two-octet lengths is cut. */
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(tsa_resp_reject(TSA_FAIL_SYSTEM_FAILURE, longtext,
	    &der, &len, &err), 0);
	p = der;
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	assert_non_null(resp);
	st = TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(resp));
	assert_int_equal(ASN1_STRING_length(sk_ASN1_UTF8STRING_value(st, 0)),
	    TSA_TEXT_MAX);
	TS_RESP_free(resp);
	OPENSSL_free(der);
	/* No text: no statusString. */
	assert_int_equal(tsa_resp_reject(TSA_FAIL_BAD_ALG, "", &der, &len,
	    &err), 0);
	p = der;
	resp = d2i_TS_RESP(NULL, &p, (long)len);
	assert_non_null(resp);
	assert_null(TS_STATUS_INFO_get0_text(TS_RESP_get_status_info(resp)));
	TS_RESP_free(resp);
	OPENSSL_free(der);
	assert_int_equal(tsa_resp_reject(1, "x", &der, &len, &err),
	    FE_EINVAL);
	assert_contains(err.msg, "1 is not a PKIFailureInfo bit");
	assert_string_equal(tsa_fail_name(TSA_FAIL_UNACCEPTED_EXT),
	    "unacceptedExtension");
}

/* fe-status calls tsa_resp_build() from several threads with one signer;
 * under ASan this shows any unguarded sharing, and all serials differ. */
#define NTHREADS 4
#define PER_THREAD 8

struct worker {
	const uint8_t *req;
	size_t req_len;
	ASN1_INTEGER *serial[PER_THREAD];
	int failed;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct tsa_signer s = { .cert = tsa, .key = tsa_key, .chain = chain,
	    .policy = POLICY, .accuracy_ms = 10 };
	struct tsa_req r;
	struct fe_err err;
	uint8_t *der;
	size_t len;
	const unsigned char *p;
	TS_RESP *resp;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		if (tsa_req_parse(w->req, w->req_len, &r, NULL, &err) != 0 ||
		    tsa_resp_build(&s, &r, fixed_now, &der, &len, NULL,
		    &err) != 0) {
			w->failed = 1;
			return NULL;
		}
		p = der;
		resp = d2i_TS_RESP(NULL, &p, (long)len);
		if (resp == NULL || TS_RESP_get_tst_info(resp) == NULL) {
			w->failed = 1;
			TS_RESP_free(resp);
			OPENSSL_free(der);
			return NULL;
		}
		w->serial[i] = ASN1_INTEGER_dup(TS_TST_INFO_get_serial(
		    TS_RESP_get_tst_info(resp)));
		TS_RESP_free(resp);
		OPENSSL_free(der);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct req_opts o = { .md = EVP_sha384(), .nonce_len = 12,
	    .cert_req = true };
	struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	uint8_t *req;
	size_t len;
	int i, j, k, l;

	(void)state;
	req = mk_req(&o, &len);
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].req = req;
		w[i].req_len = len;
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
		    &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(w[i].failed, 0);
		for (j = 0; j < PER_THREAD; j++) {
			assert_non_null(w[i].serial[j]);
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : PER_THREAD); l++)
					assert_int_not_equal(ASN1_INTEGER_cmp(
					    w[i].serial[j], w[k].serial[l]),
					    0);
		}
	}
	for (i = 0; i < NTHREADS; i++)
		for (j = 0; j < PER_THREAD; j++)
			ASN1_INTEGER_free(w[i].serial[j]);
	OPENSSL_free(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_bytes),
		cmocka_unit_test(test_resp_verifies),
		cmocka_unit_test(test_resp_serials),
		cmocka_unit_test(test_resp_serial_seam),
		cmocka_unit_test(test_resp_refused),
		cmocka_unit_test(test_signer_check),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
