/*
 * der.c - DER tags and lengths by hand (der.h).
 */
#include "pki/der.h"

size_t
der_tl_size(size_t len)
{
	size_t k = 0;

	if (len < 0x80)
		return 2;
	while (k < sizeof(size_t) && (len >> (8 * k)) != 0)
		k++;
	return 2 + k;
}

size_t
der_put_tl(uint8_t *p, uint8_t tag, size_t len)
{
	size_t n = der_tl_size(len), k;

	p[0] = tag;
	if (n == 2) {
		p[1] = (uint8_t)len;
		return 2;
	}
	p[1] = (uint8_t)(0x80 | (n - 2));
	for (k = 2; k < n; k++)
		p[k] = (uint8_t)(len >> (8 * (n - 1 - k)));
	return n;
}

bool
der_take(const uint8_t **p, const uint8_t *end, uint8_t tag,
    const uint8_t **v, size_t *vlen)
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2 || q[0] != tag)
		return false;
	n = q[1];
	q += 2;
	if (n == 0x81) {
		if (end - q < 1 || q[0] < 0x80)
			return false;
		n = q[0];
		q++;
	} else if (n == 0x82) {
		if (end - q < 2 || q[0] == 0)
			return false;
		n = (size_t)q[0] << 8 | q[1];
		q += 2;
	} else if (n >= 0x80) {
		return false;
	}
	if ((size_t)(end - q) < n)
		return false;
	*v = q;
	*vlen = n;
	*p = q + n;
	return true;
}
