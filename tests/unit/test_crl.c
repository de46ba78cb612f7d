/*
 * test_crl.c - src/pki/crl.c for partitioned CRLs (docs/crl.md): the parts'
 * URLs and their refusals, and a part's issuingDistributionPoint (critical,
 * one fullName URI, onlyContainsUserCerts encoded as DER TRUE, nothing
 * else) next to an unpartitioned CRL that has none; fe-status's store
 * accepts such a part as a partition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/crl.h"
#include "store/statusdb.h"

static struct issuer iss;
static X509 *root;
static EVP_PKEY *root_key;

static int
add_ext(X509 *x, X509 *by, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, by, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e != NULL && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

/* A CA certificate for key named cn, issued by (by, by_key); NULL:
 * self-signed. */
static X509 *
mk_ca(const char *cn, EVP_PKEY *key, X509 *by, EVP_PKEY *by_key, long sn)
{
	X509_NAME *n = X509_NAME_new();
	X509 *x = X509_new();

	if (x == NULL || n == NULL)
		return NULL;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), sn);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, by ? X509_get_subject_name(by) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_free(n);
	if (add_ext(x, by ? by : x, NID_subject_key_identifier, "hash") != 0 ||
	    add_ext(x, by ? by : x, NID_authority_key_identifier,
	    "keyid") != 0 ||
	    add_ext(x, by ? by : x, NID_basic_constraints,
	    "critical,CA:TRUE") != 0 ||
	    add_ext(x, by ? by : x, NID_key_usage,
	    "critical,keyCertSign,cRLSign") != 0 ||
	    X509_sign(x, by_key ? by_key : key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
setup(void **state)
{
	(void)state;
	root_key = EVP_EC_gen("P-256");
	iss.key = EVP_EC_gen("P-256");
	if (root_key == NULL || iss.key == NULL)
		return -1;
	snprintf(iss.label, sizeof(iss.label), "server");
	root = mk_ca("test root", root_key, NULL, NULL, 1);
	iss.cert = root ? mk_ca("test sub-root", iss.key, root, root_key, 7) :
	    NULL;
	return iss.cert != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(iss.cert);
	EVP_PKEY_free(iss.key);
	X509_free(root);
	EVP_PKEY_free(root_key);
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

static int
on_url(const char *issuer, const char *url, void *arg)
{
	(void)issuer;
	snprintf(arg, URL_MAX, "%s", url);
	return 0;
}

/* What the signer signs as a part, fe-status's store takes as one. */
static void
test_statusdb_accepts(void **state)
{
	struct crl_scope scope = { "http://crl.example.org/server/3.crl",
	    true };
	char dir[] = "/tmp/test_crl.XXXXXX", path[64], url[URL_MAX] = "";
	unsigned char *der = NULL;
	struct statusdb *db;
	struct fe_err err;
	X509_CRL *c;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status.db", dir);
	if (statusdb_open(path, &db, &err) != 0 ||
	    statusdb_add_issuer(db, iss.cert, root, &err) != 0)
		fail_msg("%s", err.msg);
	c = build(&scope);
	n = i2d_X509_CRL(c, &der);
	assert_true(n > 0);
	if (statusdb_add_crl(db, der, (size_t)n, 1767225600 + 60, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(statusdb_crl_urls(db, on_url, url, &err), 1);
	assert_string_equal(url, scope.url);
	OPENSSL_free(der);
	X509_CRL_free(c);
	statusdb_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/status.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/status.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_part_url),
		cmocka_unit_test(test_part_idp),
		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_statusdb_accepts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
