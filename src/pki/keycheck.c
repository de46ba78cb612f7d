/*
 * keycheck.c - the public-key checks made before a key is certified
 * (keycheck.h; BR 6.1.1.3, 6.1.5, 6.1.6).
 *
 * Trusts nothing about the key: it comes from a certificate request.  It
 * refuses the weak keys that cheap tests recognise -- wrong sizes and
 * exponents, small factors, the ROCA fingerprint, primes close enough for
 * Fermat's method, EC points off their curve -- and is no factoring
 * service: a key that passes may still be weak in ways no quick test finds
 * (a prime shared with another key, a Debian weak key).  It runs on every
 * issuance, so each test is sized to cost microseconds on a 2048-bit
 * modulus: residues modulo small primes come from a few BN_mod_word calls
 * on products of primes, and Fermat's rounds are filtered with residues
 * before any big-number square root is taken.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include "keycheck.h"

/* The odd primes under 752 (BR 6.1.6: "SHOULD ... no factors smaller
 * than 752"). */
static const uint16_t small_primes[] = {
	3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41,
	43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
	101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157,
	163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227,
	229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283,
	293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367,
	373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439,
	443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
	521, 523, 541, 547, 557, 563, 569, 571, 577, 587, 593, 599,
	601, 607, 613, 617, 619, 631, 641, 643, 647, 653, 659, 661,
	673, 677, 683, 691, 701, 709, 719, 727, 733, 739, 743, 751,
};
#define NSMALL (sizeof(small_primes) / sizeof(small_primes[0]))

/*
 * The ROCA detector's primes are the first NROCA of the table: 3..167.  A
 * modulus is flagged if it is a power of 65537 modulo each of them; an
 * ordinary modulus is, by chance, with probability about 2^-28 (the product
 * of |<65537> mod p| / (p - 1)).
 */
#define NROCA 38
#define ROCA_GEN 65537

/* The BR floor, whatever the profile says; and a ceiling on the work done
 * for one key, whatever the profile says. */
#define RSA_BR_MIN_BITS 2048
#define RSA_HARD_MAX_BITS 16384

/* Moduli of the perfect-square filter, as in GMP's mpz_perfect_square_p;
 * FERMAT_MOD is their product, under 2^32 for BN_mod_word's fast path. */
#define FERMAT_MOD (64UL * 63 * 65 * 11)

/*
 * Consecutive primes whose product is under 2^32: one BN_mod_word per
 * group (its fast path on 64-bit limbs) gives the residues of the group.
 */
struct prime_group {
	BN_ULONG prod;
	unsigned first;
	unsigned count;
};

static struct prime_group groups[NSMALL];
static unsigned ngroups;
/* Bit r of roca_sub[i] is set if r is a power of 65537 mod small_primes[i]. */
static uint64_t roca_sub[NROCA][3];
/* sqmod_m[r] is 1 if r is a square mod m. */
static uint8_t sqmod64[64], sqmod63[63], sqmod65[65], sqmod11[11];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
cofactor_one(int nid)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);

	if (g == NULL || EC_GROUP_get0_cofactor(g) == NULL ||
	    !BN_is_one(EC_GROUP_get0_cofactor(g)))
		fe_fatal("keycheck: internal: the cofactor of %s is not 1",
		    OBJ_nid2sn(nid));
	EC_GROUP_free(g);
}

static void
tables_init(void)
{
	unsigned i, j, p, g, r;
	uint64_t prod;

	if (small_primes[NROCA - 1] != 167 || small_primes[NROCA] != 173)
		fe_fatal("keycheck: internal: ROCA prime set is not 3..167");
	for (i = 0; i < NSMALL; i = j) {
		prod = 1;
		for (j = i; j < NSMALL && prod * small_primes[j] < (1ULL << 32);
		    j++)
			prod *= small_primes[j];
		groups[ngroups].prod = (BN_ULONG)prod;
		groups[ngroups].first = i;
		groups[ngroups].count = j - i;
		ngroups++;
	}
	for (i = 0; i < NROCA; i++) {
		p = small_primes[i];
		g = ROCA_GEN % p;
		r = 1;
		do {
			roca_sub[i][r / 64] |= (uint64_t)1 << (r % 64);
			r = r * g % p;
		} while (r != 1);
	}
	for (i = 0; i < 64; i++)
		sqmod64[i * i % 64] = 1;
	for (i = 0; i < 63; i++)
		sqmod63[i * i % 63] = 1;
	for (i = 0; i < 65; i++)
		sqmod65[i * i % 65] = 1;
	for (i = 0; i < 11; i++)
		sqmod11[i * i % 11] = 1;
	/* Defensive: check_ec() relies on the cofactor of both curves being
	 * 1 (FIPS 186-4 D.1.2.3, D.1.2.4). */
	cofactor_one(NID_X9_62_prime256v1);
	cofactor_one(NID_secp384r1);
}

static void
tables(void)
{
	if (pthread_once(&tables_once, tables_init) != 0)
		fe_fatal("keycheck: pthread_once failed");
}

/* res[i] = n mod small_primes[i] for the first `count` primes (n >= 0). */
static void
small_residues(const BIGNUM *n, uint16_t res[NSMALL], unsigned count)
{
	unsigned g, i;
	BN_ULONG r;

	for (g = 0; g < ngroups && groups[g].first < count; g++) {
		r = BN_mod_word(n, groups[g].prod);
		for (i = 0; i < groups[g].count; i++)
			res[groups[g].first + i] = (uint16_t)(r %
			    small_primes[groups[g].first + i]);
	}
}

static int
roca_match(const uint16_t res[NSMALL])
{
	unsigned i;

	for (i = 0; i < NROCA; i++)
		if (((roca_sub[i][res[i] / 64] >> (res[i] % 64)) & 1) == 0)
			return 0;
	return 1;
}

int
keycheck_roca(const BIGNUM *n)
{
	uint16_t res[NSMALL];

	if (BN_is_negative(n) || BN_is_zero(n))
		return 0;
	tables();
	small_residues(n, res, NROCA);
	return roca_match(res);
}

/*
 * r = floor(sqrt(x)), x >= 0, by Newton's iteration from above.  The start
 * is the root of x's top 52 bits, rounded up, so a 2048-bit x takes about
 * six divisions.
 */
static int
bn_isqrt(BIGNUM *r, const BIGNUM *x, BN_CTX *ctx)
{
	BIGNUM *y, *t;
	uint64_t top;
	int bits, shift, ok = 0;

	if (BN_is_zero(x)) {
		BN_zero(r);
		return 1;
	}
	BN_CTX_start(ctx);
	y = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	if (t == NULL)
		goto out;
	bits = BN_num_bits(x);
	shift = bits > 52 ? (bits - 51) & ~1 : 0;
	if (BN_rshift(t, x, shift) != 1)
		goto out;
	top = BN_get_word(t);
	/* sqrt(top + 1) <= floor(sqrt(top)) + 1, and the double root of a
	 * 52-bit integer is off by less than one: + 2 stays above. */
	if (BN_set_word(r, (BN_ULONG)sqrt((double)top) + 2) != 1 ||
	    BN_lshift(r, r, shift / 2) != 1)
		goto out;
	for (;;) {
		if (BN_div(y, NULL, x, r, ctx) != 1 || BN_add(y, y, r) != 1 ||
		    BN_rshift1(y, y) != 1)
			goto out;
		if (BN_cmp(y, r) >= 0)
			break;
		if (BN_copy(r, y) == NULL)
			goto out;
	}
	ok = 1;
out:
	BN_CTX_end(ctx);
	return ok;
}

/*
 * Fermat's method: with a from ceil(sqrt(n)) upwards, n = a^2 - b^2 =
 * (a - b)(a + b) as soon as a^2 - n is a square.  *found is the round
 * (1-based) at which it is, or 0.  Returns 0, or -1 if libcrypto failed.
 * Rounds are screened with a and a^2 - n modulo FERMAT_MOD, kept up to date
 * as a^2 - n grows by 2a + 1; only the one round in about 120 whose residue
 * is a square mod 64, 63, 65 and 11 costs a square root.
 */
static int
fermat(const BIGNUM *n, unsigned rounds, BN_CTX *ctx, unsigned *found)
{
	BIGNUM *a0, *a, *b2, *r;
	uint64_t am, bm, nm;
	unsigned i;
	int rc = -1;

	*found = 0;
	if (BN_is_negative(n))
		return 0;
	BN_CTX_start(ctx);
	a0 = BN_CTX_get(ctx);
	a = BN_CTX_get(ctx);
	b2 = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	if (r == NULL)
		goto out;
	/* a0 = ceil(sqrt(n)) */
	if (bn_isqrt(a0, n, ctx) != 1 || BN_sqr(r, a0, ctx) != 1)
		goto out;
	if (BN_cmp(r, n) != 0 && BN_add_word(a0, 1) != 1)
		goto out;
	if ((am = BN_mod_word(a0, FERMAT_MOD)) == (BN_ULONG)-1 ||
	    (nm = BN_mod_word(n, FERMAT_MOD)) == (BN_ULONG)-1)
		goto out;
	bm = (am * am % FERMAT_MOD + FERMAT_MOD - nm) % FERMAT_MOD;
	for (i = 0; i < rounds; i++) {
		if (sqmod64[bm % 64] && sqmod63[bm % 63] && sqmod65[bm % 65] &&
		    sqmod11[bm % 11]) {
			if (BN_copy(a, a0) == NULL ||
			    BN_add_word(a, (BN_ULONG)i) != 1 ||
			    BN_sqr(b2, a, ctx) != 1 || BN_sub(b2, b2, n) != 1 ||
			    bn_isqrt(r, b2, ctx) != 1 || BN_sqr(r, r, ctx) != 1)
				goto out;
			if (BN_cmp(r, b2) == 0) {
				*found = i + 1;
				break;
			}
		}
		bm = (bm + 2 * am + 1) % FERMAT_MOD;
		am = (am + 1) % FERMAT_MOD;
	}
	rc = 0;
out:
	BN_CTX_end(ctx);
	return rc;
}

int
keycheck_fermat(const BIGNUM *n, unsigned rounds)
{
	BN_CTX *ctx;
	unsigned found;

	tables();
	if ((ctx = BN_CTX_new()) == NULL)
		fe_fatal("keycheck_fermat: out of memory");
	/* With n >= 0 only running out of memory makes libcrypto fail. */
	if (fermat(n, rounds, ctx, &found) != 0)
		fe_fatal("keycheck_fermat: libcrypto failed (out of memory)");
	BN_CTX_free(ctx);
	return found != 0;
}

static int
check_rsa_size(int bits, const struct key_policy *pol, struct fe_err *err)
{
	unsigned ubits = (unsigned)bits, max;

	max = pol->rsa_max_bits < RSA_HARD_MAX_BITS ? pol->rsa_max_bits :
	    RSA_HARD_MAX_BITS;
	if (ubits % 8 != 0)
		return fe_err_code(err, FE_EPOLICY, "BR 6.1.5: RSA modulus of "
		    "%u bits is not a multiple of 8", ubits);
	if (ubits < RSA_BR_MIN_BITS)
		return fe_err_code(err, FE_EPOLICY, "BR 6.1.5: RSA modulus of "
		    "%u bits is under the %u-bit minimum", ubits,
		    RSA_BR_MIN_BITS);
	if (ubits < pol->rsa_min_bits)
		return fe_err_code(err, FE_EPOLICY, "RSA modulus of %u bits is "
		    "under the %u-bit minimum of this profile", ubits,
		    pol->rsa_min_bits);
	if (ubits > max)
		return fe_err_code(err, FE_EPOLICY, "RSA modulus of %u bits is "
		    "over the %u-bit maximum of this profile", ubits, max);
	return 0;
}

static int
check_rsa_exponent(const BIGNUM *e, struct fe_err *err)
{
	char *dec;
	int under, rc;

	if (BN_num_bits(e) > 256)
		return fe_err_code(err, FE_EPOLICY, "BR 6.1.6: RSA public "
		    "exponent of %d bits is over 2^256-1", BN_num_bits(e));
	under = BN_is_negative(e) || BN_num_bits(e) < 2 || BN_is_word(e, 2);
	if (!under && BN_is_odd(e))
		return 0;
	if ((dec = BN_bn2dec(e)) == NULL)
		return fe_err_ssl(err, "RSA public exponent: BN_bn2dec");
	if (under)
		rc = fe_err_code(err, FE_EPOLICY, "BR 6.1.6: RSA public "
		    "exponent %s is under the minimum of 3", dec);
	else
		rc = fe_err_code(err, FE_EPOLICY, "BR 6.1.6: RSA public "
		    "exponent %s is even", dec);
	OPENSSL_free(dec);
	return rc;
}

static int
check_rsa(EVP_PKEY *pk, const struct key_policy *pol, struct fe_err *err)
{
	BIGNUM *n = NULL, *e = NULL;
	BN_CTX *ctx = NULL;
	uint16_t res[NSMALL];
	unsigned i, found;
	int rc;

	if (!pol->rsa)
		return fe_err_code(err, FE_EPOLICY,
		    "RSA keys are not allowed in this profile");
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		rc = fe_err_ssl(err, "RSA key: cannot read the modulus and "
		    "exponent");
		goto out;
	}
	if (BN_is_negative(n)) {
		rc = fe_err_code(err, FE_EPOLICY, "RSA modulus is negative");
		goto out;
	}
	if ((rc = check_rsa_size(BN_num_bits(n), pol, err)) != 0 ||
	    (rc = check_rsa_exponent(e, err)) != 0)
		goto out;
	if (!BN_is_odd(n)) {
		rc = fe_err_code(err, FE_EPOLICY,
		    "BR 6.1.6: RSA modulus is even");
		goto out;
	}
	small_residues(n, res, NSMALL);
	for (i = 0; i < NSMALL; i++) {
		if (res[i] == 0) {
			rc = fe_err_code(err, FE_EPOLICY, "BR 6.1.6: RSA modulus "
			    "has the small factor %u", small_primes[i]);
			goto out;
		}
	}
	if (roca_match(res)) {
		rc = fe_err_code(err, FE_EPOLICY, "BR 6.1.1.3: RSA modulus has "
		    "the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): "
		    "the private key can be computed");
		goto out;
	}
	if ((ctx = BN_CTX_new()) == NULL ||
	    fermat(n, KEYCHECK_FERMAT_ROUNDS, ctx, &found) != 0) {
		rc = fe_err_ssl(err, "RSA key: Fermat check");
		goto out;
	}
	if (found != 0) {
		rc = fe_err_code(err, FE_EPOLICY, "BR 6.1.1.3: RSA modulus is "
		    "factored by Fermat's method in %u round%s (p and q too "
		    "close)", found, found == 1 ? "" : "s");
		goto out;
	}
	rc = 0;
out:
	BN_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return rc;
}

/* 1 and the group's name in name[] if pk is on a named curve encoded by
 * name; 0 for explicit parameters. */
static int
ec_named_group(EVP_PKEY *pk, char *name, size_t size)
{
	char enc[32];
	int named = 1;

	/* A missing parameter is an answer here, not an error to report. */
	ERR_set_mark();
	if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING,
	    enc, sizeof(enc), NULL) == 1 &&
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0)
		named = 0;
	if (named && EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_GROUP_NAME, name, size, NULL) != 1)
		named = 0;
	ERR_pop_to_mark();
	return named;
}

/* Whether pol allows the named curve nid (name for messages); its NIST
 * name in *nist. */
static int
ec_curve_allowed(int nid, const char *name, const struct key_policy *pol,
    const char **nist, struct fe_err *err)
{
	*nist = "";
	if (nid == NID_X9_62_prime256v1)
		*nist = "P-256";
	else if (nid == NID_secp384r1)
		*nist = "P-384";
	else if (nid == NID_secp521r1)
		/* BR 6.1.5 allows P-521; Mozilla's root policy does not. */
		return fe_err_code(err, FE_EPOLICY, "Mozilla Root Store Policy "
		    "5.1: elliptic curve %s is not allowed (P-256 and P-384 "
		    "only)", name);
	else
		return fe_err_code(err, FE_EPOLICY, "BR 6.1.5: elliptic curve "
		    "%s is not allowed (P-256 and P-384 only)", name);
	if ((nid == NID_X9_62_prime256v1 && !pol->p256) ||
	    (nid == NID_secp384r1 && !pol->p384))
		return fe_err_code(err, FE_EPOLICY, "elliptic curve %s is not "
		    "allowed in this profile", *nist);
	return 0;
}

int
keycheck_ec_valid(int nid, const struct key_policy *pol, struct fe_err *err)
{
	const char *nist;

	if (pol == NULL)
		return fe_err_set(err, "keycheck: no policy");
	return ec_curve_allowed(nid, OBJ_nid2sn(nid), pol, &nist, err);
}

static int
check_ec(EVP_PKEY *pk, const struct key_policy *pol, struct fe_err *err)
{
	EVP_PKEY_CTX *pctx = NULL;
	char name[64];
	const char *nist;
	int nid, rc;

	if (!ec_named_group(pk, name, sizeof(name)))
		return fe_err_code(err, FE_EPOLICY, "BR 6.1.5: elliptic curve "
		    "with explicit parameters is not allowed");
	if ((nid = OBJ_sn2nid(name)) == NID_undef)
		nid = EC_curve_nist2nid(name);
	if ((rc = ec_curve_allowed(nid, name, pol, &nist, err)) != 0)
		return rc;
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL) {
		rc = fe_err_ssl(err, "EC key: EVP_PKEY_CTX_new_from_pkey");
		goto out;
	}
	/*
	 * SP 800-56A rev. 3 5.6.2.3.3 full public-key validation is steps 1-3
	 * (not the point at infinity, coordinates in range, on the curve) and
	 * step 4, nQ = O.  On a curve of cofactor 1 every point of steps 1-3
	 * has order n, so step 4 cannot fail; OpenSSL 3.0 still computes it
	 * (a scalar multiplication: 390 us on P-384, 40 us on P-256), later
	 * releases skip it for cofactor 1.  The quick check is steps 1-3,
	 * with the same errors.
	 */
	if (EVP_PKEY_public_check_quick(pctx) != 1) {
		fe_err_ssl(err, "BR 6.1.6: EC public key is not a valid point "
		    "on %s", nist);
		rc = FE_EPOLICY;
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc;
}

int
keycheck(EVP_PKEY *pk, const struct key_policy *pol, struct fe_err *err)
{
	const char *type;

	if (pk == NULL || pol == NULL)
		return fe_err_set(err, "keycheck: no key or no policy");
	tables();
	/* "RSA" is not "RSA-PSS", and "EC" is not "SM2". */
	if (EVP_PKEY_is_a(pk, "RSA"))
		return check_rsa(pk, pol, err);
	if (EVP_PKEY_is_a(pk, "EC"))
		return check_ec(pk, pol, err);
	if ((type = EVP_PKEY_get0_type_name(pk)) == NULL)
		type = OBJ_nid2sn(EVP_PKEY_get_base_id(pk));
	return fe_err_code(err, FE_EPOLICY, "key type %s is not allowed (RSA, "
	    "P-256 and P-384 only)", type != NULL ? type : "(unknown)");
}
