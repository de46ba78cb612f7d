/*
 * test_crl.c - src/pki/crl.c for partitioned CRLs (docs/crl.md): the parts'
 * URLs and their refusals, and a part's issuingDistributionPoint (critical,
 * one fullName URI, onlyContainsUserCerts encoded as DER TRUE, nothing
 * else) next to an unpartitioned CRL that has none.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/crl.h"

static struct issuer iss;

static int
setup(void **state)
{
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	(void)state;
	iss.key = EVP_EC_gen("P-256");
	iss.cert = X509_new();
	if (iss.key == NULL || iss.cert == NULL || n == NULL)
		return -1;
	snprintf(iss.label, sizeof(iss.label), "server");
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"test sub-root", -1, -1, 0);
	X509_set_version(iss.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(iss.cert), 7);
	X509_set_subject_name(iss.cert, n);
	X509_set_issuer_name(iss.cert, n);
	X509_gmtime_adj(X509_getm_notBefore(iss.cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(iss.cert), 86400);
	X509_set_pubkey(iss.cert, iss.key);
	X509V3_set_ctx(&ctx, iss.cert, iss.cert, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
	    "hash");
	if (e == NULL || X509_add_ext(iss.cert, e, -1) != 1)
		return -1;
	X509_EXTENSION_free(e);
	X509_NAME_free(n);
	return X509_sign(iss.cert, iss.key, EVP_sha256()) > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(iss.cert);
	EVP_PKEY_free(iss.key);
	return 0;
}

static void
test_part_url(void **state)
{
	char out[URL_MAX], base[URL_MAX];
	struct fe_err err;

	(void)state;
	assert_int_equal(crl_part_url("http://crl.example.org/server.crl", 2,
	    out, &err), 0);
	assert_string_equal(out, "http://crl.example.org/server/2.crl");
	assert_int_equal(crl_part_url("http://crl.example.org/server.crl",
	    CRL_PARTS_MAX, out, &err), 0);
	assert_string_equal(out, "http://crl.example.org/server/100000.crl");
	assert_int_equal(crl_part_url("http://crl.example.org/server", 1, out,
	    &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "does not end in '.crl'"));
	assert_int_equal(crl_part_url(".crl", 1, out, &err), FE_EINVAL);
	assert_int_equal(crl_part_url("http://crl.example.org/server.crl", 0,
	    out, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "CRL part 0 is not 1 to 100000"));
	assert_int_equal(crl_part_url("http://crl.example.org/server.crl",
	    CRL_PARTS_MAX + 1, out, &err), FE_EINVAL);
	/* a base that fits in URL_MAX but whose parts do not */
	memset(base, 'a', sizeof(base));
	memcpy(base, "http://", 7);
	memcpy(base + URL_MAX - 5, ".crl", 5);
	assert_int_equal(crl_part_url(base, 10, out, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "part 10's URL is longer than 255"));
}

static X509_CRL *
build(const struct crl_scope *scope)
{
	struct crl_entry e = { { 0x10, 0x01 }, 2, 1767225600, 1 };
	struct fe_err err;
	X509_CRL *c = NULL;

	if (crl_build(&iss, 5, 1767225600, 1767225600 + 86400, &e, 1, scope,
	    &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(X509_CRL_verify(c, iss.key), 1);
	return c;
}

static void
test_part_idp(void **state)
{
	struct crl_scope scope = { "http://crl.example.org/server/3.crl",
	    true };
	static const unsigned char only_user_true[] = { 0x81, 0x01, 0xff };
	ISSUING_DIST_POINT *idp;
	const ASN1_OCTET_STRING *v;
	const GENERAL_NAME *g;
	X509_EXTENSION *e;
	X509_CRL *c;
	int crit = -1, i;

	(void)state;
	c = build(NULL);
	assert_null(X509_CRL_get_ext_d2i(c, NID_issuing_distribution_point,
	    &crit, NULL));
	assert_int_equal(crit, -1);
	X509_CRL_free(c);

	c = build(&scope);
	idp = X509_CRL_get_ext_d2i(c, NID_issuing_distribution_point, &crit,
	    NULL);
	assert_non_null(idp);
	assert_int_equal(crit, 1);
	assert_non_null(idp->distpoint);
	assert_int_equal(idp->distpoint->type, 0);
	assert_int_equal(sk_GENERAL_NAME_num(idp->distpoint->name.fullname),
	    1);
	g = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
	assert_int_equal(g->type, GEN_URI);
	assert_int_equal(g->d.uniformResourceIdentifier->length,
	    (int)strlen(scope.url));
	assert_memory_equal(g->d.uniformResourceIdentifier->data, scope.url,
	    strlen(scope.url));
	assert_true(idp->onlyuser);
	assert_false(idp->onlyCA || idp->onlyattr || idp->indirectCRL);
	assert_null(idp->onlysomereasons);
	ISSUING_DIST_POINT_free(idp);
	/* DER: onlyContainsUserCerts [1] BOOLEAN TRUE is 81 01 ff */
	i = X509_CRL_get_ext_by_NID(c, NID_issuing_distribution_point, -1);
	e = X509_CRL_get_ext(c, i);
	v = X509_EXTENSION_get_data(e);
	assert_true(v->length >= 3);
	assert_memory_equal(v->data + v->length - 3, only_user_true, 3);
	X509_CRL_free(c);

	/* without onlyContainsUserCerts it is absent (DEFAULT FALSE) */
	scope.only_user = false;
	c = build(&scope);
	idp = X509_CRL_get_ext_d2i(c, NID_issuing_distribution_point, &crit,
	    NULL);
	assert_non_null(idp);
	assert_false(idp->onlyuser);
	ISSUING_DIST_POINT_free(idp);
	X509_CRL_free(c);
}

static void
test_locked(void **state)
{
	struct issuer locked = iss;
	struct fe_err err;
	X509_CRL *c = NULL;

	(void)state;
	locked.key = NULL;
	assert_int_equal(crl_build(&locked, 1, 0, 1, NULL, 0, NULL, &c, &err),
	    FE_EPOLICY);
	assert_non_null(strstr(err.msg, "issuer server is locked"));
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_part_url),
		cmocka_unit_test(test_part_idp),
		cmocka_unit_test(test_locked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
