/*
 * testkeys.h - RSA keys built from chosen numbers, for tests only: public
 * keys with any modulus and exponent, full private keys from two primes,
 * primes of the ROCA form (CVE-2017-15361) and pairs of primes close enough
 * for Fermat's method.
 *
 * Included by tests/tools/mkcsr.c and tests/unit/test_keycheck.c (the
 * Makefile builds every .c file in tests/tools as a tool, so shared test code
 * lives in a header).  Never part of the CA.  Randomness is OpenSSL's.
 */
#ifndef FE_TESTKEYS_H
#define FE_TESTKEYS_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

/* The ROCA detector's primes; RSALib's M for small keys is their product
 * times 2. */
#define TESTKEYS_ROCA_LAST_PRIME 167

/* Public RSA key with exactly this n and e; NULL on failure. */
static inline EVP_PKEY *
testkeys_rsa_public(const BIGNUM *n, const BIGNUM *e)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

/*
 * Full RSA private key from primes p and q and exponent e (which must be
 * invertible mod p-1 and q-1): d = e^-1 mod lcm(p-1, q-1) and the CRT
 * values.  NULL on failure.
 */
static inline EVP_PKEY *
testkeys_rsa_private(const BIGNUM *p, const BIGNUM *q, const BIGNUM *e)
{
	BN_CTX *bctx = NULL;
	BIGNUM *n, *d, *p1, *q1, *lcm, *g, *dmp1, *dmq1, *iqmp;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;

	if ((bctx = BN_CTX_secure_new()) == NULL)
		return NULL;
	BN_CTX_start(bctx);
	n = BN_CTX_get(bctx);
	d = BN_CTX_get(bctx);
	p1 = BN_CTX_get(bctx);
	q1 = BN_CTX_get(bctx);
	lcm = BN_CTX_get(bctx);
	g = BN_CTX_get(bctx);
	dmp1 = BN_CTX_get(bctx);
	dmq1 = BN_CTX_get(bctx);
	iqmp = BN_CTX_get(bctx);
	if (iqmp == NULL ||
	    BN_mul(n, p, q, bctx) != 1 ||
	    BN_sub(p1, p, BN_value_one()) != 1 ||
	    BN_sub(q1, q, BN_value_one()) != 1 ||
	    BN_mul(lcm, p1, q1, bctx) != 1 ||
	    BN_gcd(g, p1, q1, bctx) != 1 ||
	    BN_div(lcm, NULL, lcm, g, bctx) != 1 ||
	    BN_mod_inverse(d, e, lcm, bctx) == NULL ||
	    BN_mod(dmp1, d, p1, bctx) != 1 ||
	    BN_mod(dmq1, d, q1, bctx) != 1 ||
	    BN_mod_inverse(iqmp, q, p, bctx) == NULL)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    dmp1) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2,
	    dmq1) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    iqmp) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) != 1)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_end(bctx);
	BN_CTX_free(bctx);
	return pk;
}

/* 1 if p is prime and p - 1 is prime to e (e prime, as 65537 is). */
static inline int
testkeys_usable_prime(const BIGNUM *p, const BIGNUM *e, BN_CTX *ctx)
{
	BN_ULONG ew = BN_get_word(e);

	if (ew > 2 && ew != (BN_ULONG)-1 && BN_mod_word(p, ew) == 1)
		return 0;
	return BN_check_prime(p, ctx, NULL) == 1;
}

/*
 * A 1024-bit prime of the form RSALib used: p = k*M + (65537^a mod M),
 * with M the product of the primes 2..167 and random k and a, and the top
 * two bits set (so that two of them make a 2048-bit modulus).  Returns 0,
 * or -1 on failure.
 */
static inline int
testkeys_roca_prime(BIGNUM *p, const BIGNUM *e, BN_CTX *ctx)
{
	BIGNUM *m, *g, *a, *r, *k, *lo, *hi;
	BN_ULONG i, j;
	int tries, rc = -1;

	BN_CTX_start(ctx);
	m = BN_CTX_get(ctx);
	g = BN_CTX_get(ctx);
	a = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	k = BN_CTX_get(ctx);
	lo = BN_CTX_get(ctx);
	hi = BN_CTX_get(ctx);
	if (hi == NULL || BN_one(m) != 1 || BN_set_word(g, 65537) != 1)
		goto out;
	for (i = 2; i <= TESTKEYS_ROCA_LAST_PRIME; i++) {
		for (j = 2; j * j <= i && i % j != 0; j++)
			;
		if (j * j > i && BN_mul_word(m, i) != 1)
			goto out;
	}
	/* k in [ceil(3*2^1022 / M), floor((2^1024 - M) / M)] */
	if (BN_set_word(lo, 3) != 1 || BN_lshift(lo, lo, 1022) != 1 ||
	    BN_add(lo, lo, m) != 1 || BN_sub_word(lo, 1) != 1 ||
	    BN_div(lo, NULL, lo, m, ctx) != 1 ||
	    BN_set_bit(hi, 1024) != 1 || BN_sub(hi, hi, m) != 1 ||
	    BN_div(hi, NULL, hi, m, ctx) != 1 || BN_sub(hi, hi, lo) != 1)
		goto out;
	for (tries = 0; tries < 100000; tries++) {
		if (BN_rand(a, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
		    BN_mod_exp(r, g, a, m, ctx) != 1 ||
		    BN_rand_range(k, hi) != 1 || BN_add(k, k, lo) != 1 ||
		    BN_mul(p, k, m, ctx) != 1 || BN_add(p, p, r) != 1)
			goto out;
		if (testkeys_usable_prime(p, e, ctx)) {
			rc = 0;
			break;
		}
	}
out:
	BN_CTX_end(ctx);
	return rc;
}

/*
 * p a random 1024-bit prime and q the first usable prime after
 * p + 2^gap_bits (gap_bits >= 1).  Fermat's method needs about
 * 2^(2*gap_bits - 1027) rounds: 1 for gap_bits up to about 512, some
 * thousands for 520.  Returns 0, or -1 on failure.
 */
static inline int
testkeys_close_primes(BIGNUM *p, BIGNUM *q, const BIGNUM *e,
    unsigned gap_bits, BN_CTX *ctx)
{
	BIGNUM *gap;
	int tries, rc = -1;

	BN_CTX_start(ctx);
	if ((gap = BN_CTX_get(ctx)) == NULL || gap_bits < 1 ||
	    BN_set_bit(gap, (int)gap_bits) != 1)
		goto out;
	for (tries = 0; tries < 100; tries++) {
		if (BN_generate_prime_ex2(p, 1024, 0, NULL, NULL, NULL,
		    ctx) != 1)
			goto out;
		if (!testkeys_usable_prime(p, e, ctx))
			continue;
		/* p is odd, so q starts odd */
		if (BN_add(q, p, gap) != 1)
			goto out;
		while (!testkeys_usable_prime(q, e, ctx))
			if (BN_add_word(q, 2) != 1)
				goto out;
		if (BN_num_bits(q) == 1024) {
			rc = 0;
			break;
		}
	}
out:
	BN_CTX_end(ctx);
	return rc;
}

#endif
