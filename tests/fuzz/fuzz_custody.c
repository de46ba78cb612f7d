/*
 * fuzz_custody.c - custody_parse on arbitrary text.  A record it accepts
 * must be one custody_combine takes as a record (it then asks for shares).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pki/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct custody c;
	struct fe_err err;
	uint8_t kek[KEK_LEN];

	if (custody_parse("fuzz", data, size, &c, &err) != 0)
		return 0;
	if (custody_combine(&c, NULL, 0, kek, &err) != FE_EPOLICY ||
	    strstr(err.msg, "shares are needed to unlock") == NULL)
		abort();
	return 0;
}
