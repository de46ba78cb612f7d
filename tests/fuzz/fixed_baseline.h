/*
 * fixed_baseline.h - the Ed25519 key the fuzz_baseline seeds are signed
 * with (tests/fuzz/gen-baseline-seeds.c) and that fuzz_baseline verifies
 * them with, so that inputs reach the code past the signature check.
 * Test values only: never a real host's baseline key.
 */
#ifndef FE_FUZZ_FIXED_BASELINE_H
#define FE_FUZZ_FIXED_BASELINE_H

#include <stdint.h>

/* The private key's 32-byte seed (RFC 8032). */
static const uint8_t fuzz_baseline_seed[32] =
    "foureyes fuzz baseline key 32 b!";
/* Its public key (openssl pkey -pubout of the seed's PKCS#8). */
static const uint8_t fuzz_baseline_pub[32] = {
	0xef, 0xa2, 0x02, 0xaf, 0xdf, 0x58, 0xda, 0xd2, 0xc9, 0x21, 0x1d, 0x39,
	0xc4, 0xd2, 0xc5, 0xea, 0x06, 0xeb, 0x84, 0xdf, 0x51, 0x59, 0x04, 0x0f,
	0xb4, 0xe7, 0xa3, 0x9c, 0x8e, 0x30, 0xbd, 0xa8,
};

#endif
