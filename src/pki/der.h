/*
 * der.h - the few DER primitives the project writes or reads by hand
 * (everything else goes through OpenSSL's encoders): a tag and definite
 * length, written in DER's minimal form, and read back strictly.
 */
#ifndef FE_PKI_DER_H
#define FE_PKI_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most octets der_put_tl writes. */
#define DER_TL_MAX (2 + sizeof(size_t))

/* Octets of a tag and the minimal definite length of len. */
size_t der_tl_size(size_t len);

/* Write tag and the minimal definite length of len at p (room for
 * DER_TL_MAX); returns the octets written. */
size_t der_put_tl(uint8_t *p, uint8_t tag, size_t len);

/*
 * Read one TLV with tag `tag` at *p (before end), strictly: a definite
 * length of at most two octets, in its shortest form.  Its value in *v,
 * *vlen, and *p moved past it; false for anything else.
 */
bool der_take(const uint8_t **p, const uint8_t *end, uint8_t tag,
    const uint8_t **v, size_t *vlen);

#endif
