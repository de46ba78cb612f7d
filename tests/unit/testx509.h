/*
 * testx509.h - a helper the unit tests share to build certificates: add an
 * extension by its OpenSSL config text (cmocka asserts on failure).
 * Include after <cmocka.h> and <openssl/x509v3.h>.
 */
#ifndef FE_TESTX509_H
#define FE_TESTX509_H

static void
add_ext(X509 *x, X509 *iss, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, iss, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

#endif
