/*
 * fixed.h - the key-encryption key, ceremony id and label that the key file
 * seeds are sealed under (tests/fuzz/gen-seeds.c) and that fuzz_keyfile
 * opens them with.  Test values only: never a real CA's.
 */
#ifndef FE_FUZZ_FIXED_H
#define FE_FUZZ_FIXED_H

#include <stdint.h>

#include "pki/custody.h"

static const uint8_t fuzz_kek[KEK_LEN] = "foureyes fuzz key-encryption key";
static const uint8_t fuzz_ceremony[CEREMONY_ID_LEN] = "fuzz ceremony id";
#define FUZZ_LABEL "root"

#endif
