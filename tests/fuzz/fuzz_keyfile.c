/*
 * fuzz_keyfile.c - keyfile_decode on arbitrary bytes, with the KEK,
 * ceremony and label that made the seed (bytes 0..31, ceremony
 * 0f1e2d...f0, label "root"), so that changed seeds reach the AES-GCM
 * check and past it only when the tag holds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pki/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cer[CEREMONY_ID_LEN] = { 0x0f, 0x1e, 0x2d, 0x3c,
	    0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1,
	    0xf0 };
	uint8_t kek[KEK_LEN];
	struct fe_err err;
	EVP_PKEY *pk;
	size_t i;

	for (i = 0; i < KEK_LEN; i++)
		kek[i] = (uint8_t)i;
	pk = keyfile_decode(kek, cer, "root", "fuzz", data, size, &err);
	EVP_PKEY_free(pk);
	return 0;
}
