/*
 * crlset.h - the body of a RESULT to CRL (docs/link-protocol.md section 5):
 * one or more DER CRLs, each with its part number (0: an issuer's
 * unpartitioned CRL; 1..: the parts of a partitioned one, docs/crl.md).
 * The writer (fe-signer) and reader (fe) are side by side, and so is how
 * both command lines save a set of CRLs as PEM files.
 */
#ifndef FE_CRLSET_H
#define FE_CRLSET_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define CRLSET_MAX 100001          /* parts 0..100000 (CRL_PARTS_MAX) */

struct crlset_item {
	uint32_t part;
	const uint8_t *der;        /* borrowed */
	size_t len;
};

/* count (4), then per CRL: part (4), length (4), DER; big-endian.
 * FE_EINVAL when it does not fit in b's maximum. */
int crlset_write(struct buf *b, const struct crlset_item *v, size_t n,
    struct fe_err *err);
/* Parse a body; *out (malloc'd, items borrow p) and *n only on success.
 * Parts must be strictly increasing; no trailing bytes. */
int crlset_read(const uint8_t *p, size_t len, struct crlset_item **out,
    size_t *n, struct fe_err *err);

/*
 * Save as PEM.  One part-0 CRL: to path as before, or stdout when path is
 * NULL.  Parts of a partitioned CRL: into directory path (made if missing)
 * as LABEL-N.crl (and LABEL.crl for part 0), or all concatenated on stdout
 * when path is NULL.  label must be [a-z0-9-].
 */
int crlset_save(const char *path, const char *label,
    const struct crlset_item *v, size_t n, struct fe_err *err);

#endif
