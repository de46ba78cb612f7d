/*
 * testx509.h - helpers the unit tests share to build certificates: add an
 * extension by its OpenSSL config text, and the common start of a test
 * certificate (cmocka asserts on failure).
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

/*
 * The start of a test certificate: v3, serial, subject CN=cn, issuer iss's
 * subject (iss NULL: self-issued), validity [not_before, not_after], pk,
 * subjectKeyIdentifier and authorityKeyIdentifier.  The caller adds its
 * extensions and signs.
 */
static X509 *
tx_cert_begin(const char *cn, EVP_PKEY *pk, X509 *iss, long serial,
    time_t not_before, time_t not_after)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	assert_non_null(n);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial),
	    1);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, iss != NULL ?
	    X509_get_subject_name(iss) : n), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), not_before));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), not_after));
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	add_ext(x, iss != NULL ? iss : x, NID_subject_key_identifier, "hash");
	add_ext(x, iss != NULL ? iss : x, NID_authority_key_identifier,
	    "keyid");
	X509_NAME_free(n);
	return x;
}

#endif
