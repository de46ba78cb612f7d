/*
 * keycheck.h - the public-key checks a CA must make before it certifies a
 * key (POLICY.md C4; Baseline Requirements 6.1.1.3, 6.1.5, 6.1.6).
 *
 * keycheck() accepts or refuses a subscriber public key against a profile's
 * key policy.  Every refusal names the rule and the reason, for example
 *   "BR 6.1.5: RSA modulus of 1024 bits is under the 2048-bit minimum".
 */
#ifndef FE_KEYCHECK_H
#define FE_KEYCHECK_H

#include <stdbool.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "lib/err.h"

struct key_policy {
	bool rsa;                /* RSA keys allowed */
	unsigned rsa_min_bits;   /* at least 2048 */
	unsigned rsa_max_bits;   /* at most 8192 */
	bool p256;               /* ECDSA on P-256 allowed */
	bool p384;               /* ECDSA on P-384 allowed */
};

#define KEYCHECK_FERMAT_ROUNDS 100

/* 0 if acceptable; FE_EPOLICY with the rule and reason in err otherwise. */
int keycheck(EVP_PKEY *pk, const struct key_policy *pol, struct fe_err *err);

/*
 * keycheck() of an EC key on the named curve nid whose point is already
 * known valid: SP 800-56A rev. 3 5.6.2.3.3 steps 1-3 (not the point at
 * infinity, coordinates in range, on the curve) -- as for a key made by
 * EVP_PKEY_set1_encoded_public_key() from an uncompressed point, which
 * refuses any other (request.c's reader).  Only the policy is left: the
 * same answers and messages as keycheck() for such a key.
 */
int keycheck_ec_valid(int nid, const struct key_policy *pol,
    struct fe_err *err);

/* 1 if the modulus has the ROCA fingerprint (CVE-2017-15361), else 0. */
int keycheck_roca(const BIGNUM *n);
/* 1 if Fermat's method factors n within `rounds` steps, else 0. */
int keycheck_fermat(const BIGNUM *n, unsigned rounds);

#endif
