/*
 * test_issue.c - issue_set_pubkey() writes exactly the SubjectPublicKeyInfo
 * that X509_set_pubkey() writes: for RSA keys of several sizes and
 * exponents, EC keys on P-256 and P-384 in uncompressed and compressed
 * form (generated, and decoded from DER as a CSR's key is), and the keys
 * it leaves to X509_set_pubkey() (other curves and types, hybrid points,
 * explicit parameters, negative numbers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pki/issue.h"
#include "../tools/testkeys.h"

/* DER of x's SubjectPublicKeyInfo after setting pk the one way or the
 * other; *cached: whether x's X509_PUBKEY holds an EVP_PKEY (only
 * X509_set_pubkey() leaves one). */
static unsigned char *
spki_der(EVP_PKEY *pk, bool ours, int *len, bool *cached)
{
	X509 *x = X509_new();
	unsigned char *der = NULL;

	assert_non_null(x);
	if (ours)
		assert_int_equal(issue_set_pubkey(x, pk), 1);
	else
		assert_int_equal(X509_set_pubkey(x, pk), 1);
	*len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	assert_true(*len > 0);
	*cached = X509_get0_pubkey(x) != NULL;
	ERR_clear_error();
	X509_free(x);
	return der;
}

/* Both ways give the same bytes; fast: issue_set_pubkey() wrote them
 * itself rather than through X509_set_pubkey(). */
static void
expect_same(EVP_PKEY *pk, bool fast)
{
	unsigned char *a, *b, *c = NULL;
	int alen, blen, clen;
	bool cached;

	a = spki_der(pk, true, &alen, &cached);
	assert_int_equal(cached, !fast);
	b = spki_der(pk, false, &blen, &cached);
	assert_true(cached);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, (size_t)alen);
	/* And it is the key's SubjectPublicKeyInfo. */
	clen = i2d_PUBKEY(pk, &c);
	assert_int_equal(clen, alen);
	assert_memory_equal(a, c, (size_t)alen);
	OPENSSL_free(a);
	OPENSSL_free(b);
	OPENSSL_free(c);
}

/* pk as it comes out of a CSR: encoded, then decoded by OpenSSL. */
static EVP_PKEY *
reparsed(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *q;
	int n = i2d_PUBKEY(pk, &der);

	assert_true(n > 0);
	p = der;
	q = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(q);
	OPENSSL_free(der);
	return q;
}

static void
expect_same_both(EVP_PKEY *pk, bool fast)
{
	EVP_PKEY *q = reparsed(pk);

	expect_same(pk, fast);
	expect_same(q, fast);
	EVP_PKEY_free(q);
}

static EVP_PKEY *
gen_rsa_e(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *be = BN_new();
	EVP_PKEY *pk = NULL;

	assert_non_null(ctx);
	assert_non_null(be);
	assert_int_equal(BN_set_word(be, e), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, be), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	BN_free(be);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static void
rsa_keys(void **state)
{
	static const struct {
		unsigned bits;
		unsigned long e;
	} k[] = { { 2048, 65537 }, { 2048, 3 }, { 3072, 65537 },
	    { 4096, 65537 }, { 2048, 4294967311UL } };
	size_t i;
	EVP_PKEY *pk;
	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		pk = gen_rsa_e(k[i].bits, k[i].e);
		expect_same_both(pk, true);
		EVP_PKEY_free(pk);
	}
}

/* Public keys from chosen numbers: a modulus with a clear top bit (no
 * leading zero octet in its INTEGER), a large exponent, zero, and
 * negative numbers (left to X509_set_pubkey). */
static void
rsa_chosen_numbers(void **state)
{
	BIGNUM *n = BN_new(), *e = BN_new();
	EVP_PKEY *pk;
	(void)state;
	assert_non_null(n);
	assert_non_null(e);
	assert_int_equal(BN_rand(n, 2047, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD),
	    1);
	assert_int_equal(BN_rand(e, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD),
	    1);
	pk = testkeys_rsa_public(n, e);
	assert_non_null(pk);
	expect_same(pk, true);
	EVP_PKEY_free(pk);
	BN_zero(e);
	pk = testkeys_rsa_public(n, e);
	if (pk != NULL) {
		expect_same(pk, true);
		EVP_PKEY_free(pk);
	}
	assert_int_equal(BN_set_word(e, 65537), 1);
	BN_set_negative(n, 1);
	pk = testkeys_rsa_public(n, e);
	if (pk != NULL) {
		expect_same(pk, false);
		EVP_PKEY_free(pk);
	}
	BN_free(n);
	BN_free(e);
}

static void
ec_curve(const char *curve, const char *form, bool fast)
{
	EVP_PKEY *pk;
	int i;

	/* Several keys, so that compressed points of both parities occur. */
	for (i = 0; i < 8; i++) {
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
		assert_non_null(pk);
		if (form != NULL)
			assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			    form), 1);
		expect_same_both(pk, fast);
		EVP_PKEY_free(pk);
	}
}

static void
ec_keys(void **state)
{
	(void)state;
	ec_curve("P-256", NULL, true);
	ec_curve("P-384", NULL, true);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED,
	    true);
	ec_curve("P-384", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED,
	    true);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED,
	    true);
}

/* Keys issue_set_pubkey() leaves to X509_set_pubkey(). */
static void
other_keys(void **state)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk, *q;
	const unsigned char *p;
	unsigned char *der = NULL;
	int n;
	(void)state;
	ec_curve("P-521", NULL, false);
	ec_curve("secp256k1", NULL, false);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_HYBRID, false);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	expect_same_both(pk, false);
	EVP_PKEY_free(pk);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	pk = NULL;
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);
	expect_same_both(pk, false);
	EVP_PKEY_free(pk);
	/* P-256 with explicit curve parameters. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
	n = i2d_PUBKEY(pk, &der);
	assert_true(n > 0);
	p = der;
	q = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(q);
	expect_same(pk, false);
	expect_same(q, false);
	OPENSSL_free(der);
	EVP_PKEY_free(q);
	EVP_PKEY_free(pk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_keys),
		cmocka_unit_test(rsa_chosen_numbers),
		cmocka_unit_test(ec_keys),
		cmocka_unit_test(other_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
