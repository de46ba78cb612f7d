/*
 * fuzz_share.c - share_parse on arbitrary text.  A text it accepts must
 * format back to a text that parses to the same share.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pki/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share s, back;
	struct fe_err err;
	struct buf b;

	if (share_parse("fuzz", data, size, &s, &err) != 0)
		return 0;
	buf_init(&b, SHARE_TEXT_MAX);
	if (share_format(&s, &b) != 0)
		abort();
	if (share_parse("again", b.p, b.len, &back, &err) != 0 ||
	    memcmp(&s, &back, sizeof(s)) != 0)
		abort();
	buf_wipe(&b);
	return 0;
}
