/*
 * test_keycheck.c - the public-key checks: every refusal with its exact
 * message, the keys that must pass, and the ROCA and Fermat detectors on
 * moduli built to have the weakness and on ordinary random moduli.
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
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "pki/keycheck.h"
#include "../tools/testkeys.h"

static const struct key_policy pol_all = {
	.rsa = true, .rsa_min_bits = 2048, .rsa_max_bits = 8192,
	.p256 = true, .p384 = true,
};

static EVP_PKEY *
gen_rsa(unsigned bits)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	assert_non_null(pk);
	return pk;
}

static EVP_PKEY *
gen_ec(const char *curve)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	assert_non_null(pk);
	return pk;
}

static BIGNUM *
bn_word(BN_ULONG w)
{
	BIGNUM *b = BN_new();

	assert_non_null(b);
	assert_int_equal(BN_set_word(b, w), 1);
	return b;
}

/* A random odd number of exactly `bits` bits with the top two set. */
static BIGNUM *
rand_odd(int bits)
{
	BIGNUM *n = BN_new();

	assert_non_null(n);
	assert_int_equal(BN_rand(n, bits, BN_RAND_TOP_TWO,
	    BN_RAND_BOTTOM_ODD), 1);
	return n;
}

static BIGNUM *
rsa_n(EVP_PKEY *pk)
{
	BIGNUM *n = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n),
	    1);
	return n;
}

static void
expect_ok(EVP_PKEY *pk, const struct key_policy *pol)
{
	struct fe_err err;

	err.msg[0] = '\0';
	if (keycheck(pk, pol, &err) != 0)
		fail_msg("refused: %s", err.msg);
}

/* Refused with exactly msg (or, with prefix, a message starting with it). */
static void
expect_refused(EVP_PKEY *pk, const struct key_policy *pol, const char *msg,
    bool prefix)
{
	struct fe_err err;

	err.msg[0] = '\0';
	assert_int_equal(keycheck(pk, pol, &err), FE_EPOLICY);
	if (prefix)
		assert_memory_equal(err.msg, msg, strlen(msg));
	else
		assert_string_equal(err.msg, msg);
}

/* Refusal of the public key (n, e); frees both. */
static void
expect_refused_ne(BIGNUM *n, BIGNUM *e, const struct key_policy *pol,
    const char *msg)
{
	EVP_PKEY *pk = testkeys_rsa_public(n, e);

	assert_non_null(pk);
	expect_refused(pk, pol, msg, false);
	EVP_PKEY_free(pk);
	BN_free(n);
	BN_free(e);
}

/* Acceptance of the public key (n, e) under pol_all; frees both. */
static void
expect_ok_ne(BIGNUM *n, BIGNUM *e)
{
	EVP_PKEY *pk = testkeys_rsa_public(n, e);

	assert_non_null(pk);
	expect_ok(pk, &pol_all);
	EVP_PKEY_free(pk);
	BN_free(n);
	BN_free(e);
}

static void
rsa2048_e65537_accepted(void **state)
{
	EVP_PKEY *pk = gen_rsa(2048);
	(void)state;
	expect_ok(pk, &pol_all);
	EVP_PKEY_free(pk);
}

static void
ec_p256_p384_accepted(void **state)
{
	EVP_PKEY *pk;
	(void)state;
	pk = gen_ec("P-256");
	expect_ok(pk, &pol_all);
	EVP_PKEY_free(pk);
	pk = gen_ec("P-384");
	expect_ok(pk, &pol_all);
	EVP_PKEY_free(pk);
}

static void
rsa_size_refused(void **state)
{
	struct key_policy pol = pol_all;
	EVP_PKEY *pk;
	(void)state;
	expect_refused_ne(rand_odd(1024), bn_word(65537), &pol_all,
	    "BR 6.1.5: RSA modulus of 1024 bits is under the 2048-bit "
	    "minimum");
	expect_refused_ne(rand_odd(2047), bn_word(65537), &pol_all,
	    "BR 6.1.5: RSA modulus of 2047 bits is not a multiple of 8");
	expect_refused_ne(rand_odd(2052), bn_word(65537), &pol_all,
	    "BR 6.1.5: RSA modulus of 2052 bits is not a multiple of 8");
	expect_refused_ne(rand_odd(16384), bn_word(65537), &pol_all,
	    "RSA modulus of 16384 bits is over the 8192-bit maximum of this "
	    "profile");
	expect_refused_ne(rand_odd(8200), bn_word(65537), &pol_all,
	    "RSA modulus of 8200 bits is over the 8192-bit maximum of this "
	    "profile");
	/* A profile cannot lower the BR floor, nor raise the work ceiling. */
	pol.rsa_min_bits = 1024;
	pol.rsa_max_bits = 1u << 20;
	expect_refused_ne(rand_odd(1536), bn_word(65537), &pol,
	    "BR 6.1.5: RSA modulus of 1536 bits is under the 2048-bit "
	    "minimum");
	expect_refused_ne(rand_odd(16392), bn_word(65537), &pol,
	    "RSA modulus of 16392 bits is over the 16384-bit maximum of this "
	    "profile");
	pol = pol_all;
	pol.rsa_min_bits = 3072;
	pk = gen_rsa(2048);
	expect_refused(pk, &pol, "RSA modulus of 2048 bits is under the "
	    "3072-bit minimum of this profile", false);
	EVP_PKEY_free(pk);
}

static void
rsa_exponent_rules(void **state)
{
	EVP_PKEY *key = gen_rsa(2048);
	BIGNUM *e;
	(void)state;
	expect_refused_ne(rsa_n(key), bn_word(1), &pol_all,
	    "BR 6.1.6: RSA public exponent 1 is under the minimum of 3");
	expect_refused_ne(rsa_n(key), bn_word(2), &pol_all,
	    "BR 6.1.6: RSA public exponent 2 is under the minimum of 3");
	expect_refused_ne(rsa_n(key), bn_word(65536), &pol_all,
	    "BR 6.1.6: RSA public exponent 65536 is even");
	e = BN_new();
	assert_non_null(e);
	assert_int_equal(BN_set_bit(e, 256), 1);
	assert_int_equal(BN_add_word(e, 1), 1);
	expect_refused_ne(rsa_n(key), e, &pol_all,
	    "BR 6.1.6: RSA public exponent of 257 bits is over 2^256-1");

	/* 3 and 2^256-1 are at the ends of the allowed range. */
	expect_ok_ne(rsa_n(key), bn_word(3));
	e = BN_new();
	assert_non_null(e);
	assert_int_equal(BN_set_bit(e, 256), 1);
	assert_int_equal(BN_sub_word(e, 1), 1);
	expect_ok_ne(rsa_n(key), e);
	EVP_PKEY_free(key);
}

/* n: a random 2048-bit odd multiple of the prime f with no smaller odd
 * prime factor. */
static BIGNUM *
multiple_of(BN_ULONG f)
{
	BIGNUM *n = NULL;
	BN_ULONG q, d;
	bool smaller;

	do {
		BN_free(n);
		n = rand_odd(2048);
		assert_int_equal(BN_sub_word(n, BN_mod_word(n, f)), 1);
		if (!BN_is_odd(n))
			assert_int_equal(BN_sub_word(n, f), 1);
		assert_int_equal(BN_num_bits(n), 2048);
		smaller = false;
		for (q = 3; q < f && !smaller; q += 2) {
			for (d = 3; d * d <= q && q % d != 0; d += 2)
				;
			if (d * d > q && BN_mod_word(n, q) == 0)
				smaller = true;
		}
	} while (smaller);
	return n;
}

static void
rsa_small_factors_refused(void **state)
{
	BIGNUM *n;
	(void)state;
	n = rand_odd(2048);
	assert_int_equal(BN_clear_bit(n, 0), 1);
	expect_refused_ne(n, bn_word(65537), &pol_all,
	    "BR 6.1.6: RSA modulus is even");
	expect_refused_ne(multiple_of(3), bn_word(65537), &pol_all,
	    "BR 6.1.6: RSA modulus has the small factor 3");
	expect_refused_ne(multiple_of(167), bn_word(65537), &pol_all,
	    "BR 6.1.6: RSA modulus has the small factor 167");
	expect_refused_ne(multiple_of(173), bn_word(65537), &pol_all,
	    "BR 6.1.6: RSA modulus has the small factor 173");
	expect_refused_ne(multiple_of(751), bn_word(65537), &pol_all,
	    "BR 6.1.6: RSA modulus has the small factor 751");
}

static void
rsa_not_in_profile(void **state)
{
	struct key_policy pol = pol_all;
	EVP_PKEY *pk = gen_rsa(2048);
	(void)state;
	pol.rsa = false;
	expect_refused(pk, &pol, "RSA keys are not allowed in this profile",
	    false);
	EVP_PKEY_free(pk);
}

static const char roca_msg[] = "BR 6.1.1.3: RSA modulus has the ROCA "
    "fingerprint (CVE-2017-15361, Infineon RSALib): the private key can "
    "be computed";

static void
roca_key_refused(void **state)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = BN_new(), *q = BN_new(), *n = BN_new(), *e = bn_word(65537);
	EVP_PKEY *pk;
	(void)state;
	assert_non_null(ctx);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(n);
	assert_int_equal(testkeys_roca_prime(p, e, ctx), 0);
	assert_int_equal(testkeys_roca_prime(q, e, ctx), 0);
	assert_int_equal(BN_mul(n, p, q, ctx), 1);
	assert_int_equal(BN_num_bits(n), 2048);
	assert_int_equal(keycheck_roca(n), 1);
	assert_int_equal(keycheck_fermat(n, KEYCHECK_FERMAT_ROUNDS), 0);
	/* The full private key, as a request would carry its public half. */
	pk = testkeys_rsa_private(p, q, e);
	assert_non_null(pk);
	expect_refused(pk, &pol_all, roca_msg, false);
	EVP_PKEY_free(pk);
	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_free(e);
	BN_CTX_free(ctx);
}

static void
fermat_key_refused(void **state)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = BN_new(), *q = BN_new(), *n = BN_new(), *e = bn_word(65537);
	EVP_PKEY *pk;
	(void)state;
	assert_non_null(ctx);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(n);

	/* q the next prime after p + 2^20: factored in the first round. */
	assert_int_equal(testkeys_close_primes(p, q, e, 20, ctx), 0);
	assert_int_equal(BN_mul(n, p, q, ctx), 1);
	assert_int_equal(BN_num_bits(n), 2048);
	assert_int_equal(keycheck_fermat(n, 1), 1);
	assert_int_equal(keycheck_roca(n), 0);
	pk = testkeys_rsa_private(p, q, e);
	assert_non_null(pk);
	expect_refused(pk, &pol_all, "BR 6.1.1.3: RSA modulus is factored by "
	    "Fermat's method in 1 round (p and q too close)", false);
	EVP_PKEY_free(pk);

	/* A gap of 2^516: some tens of rounds, inside the default 100. */
	assert_int_equal(testkeys_close_primes(p, q, e, 516, ctx), 0);
	assert_int_equal(BN_mul(n, p, q, ctx), 1);
	assert_int_equal(keycheck_fermat(n, 1), 0);
	assert_int_equal(keycheck_fermat(n, KEYCHECK_FERMAT_ROUNDS), 1);
	pk = testkeys_rsa_public(n, e);
	assert_non_null(pk);
	expect_refused(pk, &pol_all, "BR 6.1.1.3: RSA modulus is factored by "
	    "Fermat's method in ", true);
	EVP_PKEY_free(pk);

	/* A gap of 2^520: thousands of rounds; beyond 100, within 50000.
	 * This walks the incremental residues far. */
	assert_int_equal(testkeys_close_primes(p, q, e, 520, ctx), 0);
	assert_int_equal(BN_mul(n, p, q, ctx), 1);
	assert_int_equal(keycheck_fermat(n, KEYCHECK_FERMAT_ROUNDS), 0);
	assert_int_equal(keycheck_fermat(n, 50000), 1);
	pk = testkeys_rsa_public(n, e);
	assert_non_null(pk);
	expect_ok(pk, &pol_all);
	EVP_PKEY_free(pk);

	/* A square is its own factorisation, at once. */
	assert_int_equal(BN_sqr(n, p, ctx), 1);
	assert_int_equal(keycheck_fermat(n, 1), 1);

	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_free(e);
	BN_CTX_free(ctx);
}

static void
fermat_small_numbers(void **state)
{
	static const struct {
		BN_ULONG n;
		unsigned rounds;
		int found;
	} cases[] = {
		{ 91, 1, 1 },		/* 7 * 13: a = 10, 100 - 91 = 9 */
		{ 15, 1, 1 },		/* 3 * 5: a = 4, 16 - 15 = 1 */
		{ 49, 1, 1 },		/* 7^2 */
		{ 1, 1, 1 },		/* 1^2 */
		{ 3 * 101, 1, 0 },	/* a from 18 to 52 */
		{ 3 * 101, 34, 0 },
		{ 3 * 101, 35, 1 },
		{ 1000003ULL * 1000033ULL, 1, 1 },
		{ 3ULL * 1000003ULL, 1000, 0 },
	};
	BIGNUM *n;
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = bn_word(cases[i].n);
		if (keycheck_fermat(n, cases[i].rounds) != cases[i].found)
			fail_msg("keycheck_fermat(%lu, %u) != %d",
			    (unsigned long)cases[i].n, cases[i].rounds,
			    cases[i].found);
		BN_free(n);
	}
}

/* Ordinary keys are not flagged: 20 RSA-2048 keys from OpenSSL, and many
 * random odd 2048-bit numbers for the ROCA test alone. */
static void
ordinary_moduli_not_flagged(void **state)
{
	EVP_PKEY *pk;
	BIGNUM *n;
	int i;
	(void)state;
	for (i = 0; i < 20; i++) {
		pk = gen_rsa(2048);
		n = rsa_n(pk);
		assert_int_equal(keycheck_roca(n), 0);
		assert_int_equal(keycheck_fermat(n, KEYCHECK_FERMAT_ROUNDS), 0);
		expect_ok(pk, &pol_all);
		BN_free(n);
		EVP_PKEY_free(pk);
	}
	for (i = 0; i < 2000; i++) {
		n = rand_odd(2048);
		assert_int_equal(keycheck_roca(n), 0);
		BN_free(n);
	}
}

static void
ec_curves_refused(void **state)
{
	struct key_policy pol = pol_all;
	EVP_PKEY *pk;
	(void)state;
	pk = gen_ec("P-521");
	expect_refused(pk, &pol_all, "Mozilla Root Store Policy 5.1: elliptic "
	    "curve secp521r1 is not allowed (P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
	pk = gen_ec("secp256k1");
	expect_refused(pk, &pol_all, "BR 6.1.5: elliptic curve secp256k1 is "
	    "not allowed (P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
	pk = gen_ec("brainpoolP256r1");
	expect_refused(pk, &pol_all, "BR 6.1.5: elliptic curve brainpoolP256r1 "
	    "is not allowed (P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);

	pk = gen_ec("P-256");
	pol.p256 = false;
	expect_refused(pk, &pol, "elliptic curve P-256 is not allowed in this "
	    "profile", false);
	EVP_PKEY_free(pk);
	pol = pol_all;
	pol.p384 = false;
	pk = gen_ec("P-384");
	expect_refused(pk, &pol, "elliptic curve P-384 is not allowed in this "
	    "profile", false);
	EVP_PKEY_free(pk);
}

/* A P-256 key as a request with explicit curve parameters carries it. */
static void
ec_explicit_parameters_refused(void **state)
{
	EVP_PKEY *pk = gen_ec("P-256"), *dec;
	unsigned char *der = NULL;
	const unsigned char *p;
	int len;
	(void)state;
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
	len = i2d_PUBKEY(pk, &der);
	assert_true(len > 0);
	p = der;
	dec = d2i_PUBKEY(NULL, &p, len);
	assert_non_null(dec);
	expect_refused(dec, &pol_all, "BR 6.1.5: elliptic curve with explicit "
	    "parameters is not allowed", false);
	expect_refused(pk, &pol_all, "BR 6.1.5: elliptic curve with explicit "
	    "parameters is not allowed", false);
	EVP_PKEY_free(dec);
	EVP_PKEY_free(pk);
	OPENSSL_free(der);
}

/* The point at infinity is the one invalid point OpenSSL will import. */
static void
ec_invalid_point_refused(void **state)
{
	static unsigned char infinity[] = { 0x00 };
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	(void)state;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)"prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    infinity, sizeof(infinity));
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		skip();
	expect_refused(pk, &pol_all, "BR 6.1.6: EC public key is not a valid "
	    "point on P-256", true);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
}

static void
other_key_types_refused(void **state)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk;
	(void)state;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	expect_refused(pk, &pol_all, "key type ED25519 is not allowed (RSA, "
	    "P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	assert_non_null(pk);
	expect_refused(pk, &pol_all, "key type ED448 is not allowed (RSA, "
	    "P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(pk);
	expect_refused(pk, &pol_all, "key type X25519 is not allowed (RSA, "
	    "P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
	/* EVP_PKEY_Q_keygen takes no size for RSA-PSS */
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	pk = NULL;
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);
	expect_refused(pk, &pol_all, "key type RSA-PSS is not allowed (RSA, "
	    "P-256 and P-384 only)", false);
	EVP_PKEY_free(pk);
}

static void
no_key_refused(void **state)
{
	struct fe_err err;
	(void)state;
	assert_int_equal(keycheck(NULL, &pol_all, &err), FE_EINVAL);
}

/* keycheck_ec_valid() answers as keycheck() does for a valid P-256 and
 * P-384 key, under every combination of the two curves' policy bits. */
static void
ec_valid_same_answers(void **state)
{
	static const char *const curves[] = { "P-256", "P-384" };
	static const int nids[] = { NID_X9_62_prime256v1, NID_secp384r1 };
	struct key_policy pol = pol_all;
	struct fe_err e1, e2;
	EVP_PKEY *pk;
	unsigned bits;
	size_t i;
	int r1, r2;
	(void)state;

	for (i = 0; i < 2; i++) {
		pk = gen_ec(curves[i]);
		for (bits = 0; bits < 4; bits++) {
			pol.p256 = (bits & 1) != 0;
			pol.p384 = (bits & 2) != 0;
			memset(&e1, 0, sizeof(e1));
			memset(&e2, 0, sizeof(e2));
			r1 = keycheck(pk, &pol, &e1);
			r2 = keycheck_ec_valid(nids[i], &pol, &e2);
			assert_int_equal(r1, r2);
			assert_int_equal(r1 == 0, (bits >> i) & 1);
			if (r1 != 0)
				assert_string_equal(e1.msg, e2.msg);
		}
		EVP_PKEY_free(pk);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa2048_e65537_accepted),
		cmocka_unit_test(ec_p256_p384_accepted),
		cmocka_unit_test(ec_valid_same_answers),
		cmocka_unit_test(rsa_size_refused),
		cmocka_unit_test(rsa_exponent_rules),
		cmocka_unit_test(rsa_small_factors_refused),
		cmocka_unit_test(rsa_not_in_profile),
		cmocka_unit_test(roca_key_refused),
		cmocka_unit_test(fermat_key_refused),
		cmocka_unit_test(fermat_small_numbers),
		cmocka_unit_test(ordinary_moduli_not_flagged),
		cmocka_unit_test(ec_curves_refused),
		cmocka_unit_test(ec_explicit_parameters_refused),
		cmocka_unit_test(ec_invalid_point_refused),
		cmocka_unit_test(other_key_types_refused),
		cmocka_unit_test(no_key_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
