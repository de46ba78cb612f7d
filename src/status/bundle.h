/*
 * bundle.h - the status bundle: what fe-web hands to every fe-status after
 * each change (docs/status.md).  A PEM file of CERTIFICATE and X509 CRL
 * blocks in any order: sub-roots, the certificates the signer issued
 * (delegated responder and TSA certificates among them) and the signer's
 * CRLs.  Nothing in it is taken on the carrier's word: every certificate
 * and CRL is verified against the root before it is stored, and a bundle is
 * applied all or nothing.
 */
#ifndef FE_BUNDLE_H
#define FE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "lib/err.h"
#include "store/statusdb.h"

#define BUNDLE_MAX_BYTES (256u << 20)  /* a whole bundle */
#define BUNDLE_MAX_ITEMS 1000000
#define BUNDLE_MAX_LINE 1024           /* one PEM line, bytes */

enum bundle_kind { BUNDLE_CERT, BUNDLE_CRL };

struct bundle_item {
	enum bundle_kind kind;
	uint8_t *der;
	size_t len;
	size_t line;                   /* of its BEGIN line, for messages */
};

struct bundle {
	struct bundle_item *items;
	size_t n;
};

/*
 * Split a PEM bundle (untrusted) into DER items.  Only blank lines may
 * stand between blocks; a block is "-----BEGIN CERTIFICATE-----" or
 * "-----BEGIN X509 CRL-----", base64 lines without headers, and the
 * matching END line.  Anything else is refused with its line number.
 */
int bundle_parse(const char *name, const uint8_t *p, size_t len,
    struct bundle *out, struct fe_err *err);
void bundle_free(struct bundle *b);

struct bundle_stats {
	size_t issuers, certs, crls;
};

/*
 * Apply a parsed bundle to db in one transaction: CA certificates as
 * issuers (verified against root), then certificates (each must verify
 * with a known issuer), then CRLs (signature, cRLNumber never backwards,
 * and not stale: a CRL whose nextUpdate has passed is refused).  On any
 * refusal nothing is changed and err names the item.
 */
int bundle_apply(struct statusdb *db, X509 *root, const struct bundle *b,
    int64_t now, struct bundle_stats *st, struct fe_err *err);

#endif
