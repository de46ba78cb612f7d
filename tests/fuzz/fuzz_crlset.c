/*
 * fuzz_crlset.c - the body of a CRL answer from the line (src/link/
 * crlset.c): arbitrary bytes through crlset_read.  What it accepts must
 * lie inside the input, have increasing parts, and write back to the very
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link/crlset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crlset_item *v;
	struct fe_err err;
	struct buf b;
	size_t n, i;

	if (crlset_read(data, size, &v, &n, &err) != 0)
		return 0;
	if (n == 0 || n > CRLSET_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (v[i].der < data || v[i].len == 0 ||
		    v[i].der + v[i].len > data + size)
			abort();
		if (i > 0 && v[i].part <= v[i - 1].part)
			abort();
	}
	buf_init(&b, size);
	if (crlset_write(&b, v, n, &err) != 0 || b.len != size ||
	    memcmp(b.p, data, size) != 0)
		abort();
	buf_free(&b);
	free(v);
	return 0;
}
