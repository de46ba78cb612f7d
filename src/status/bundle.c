/*
 * bundle.c - parse a status bundle (PEM, untrusted) and apply it to the
 * status store all or nothing.  See bundle.h and docs/status.md.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "lib/seam.h"
#include "pki/x509ext.h"
#include "status/bundle.h"

static const struct {
	const char *begin, *end;
	enum bundle_kind kind;
} pem_kinds[] = {
	{ "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
	  BUNDLE_CERT },
	{ "-----BEGIN X509 CRL-----", "-----END X509 CRL-----", BUNDLE_CRL },
};

static bool
line_is(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

static bool
blank(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

void
bundle_free(struct bundle *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		free(b->items[i].der);
	free(b->items);
	b->items = NULL;
	b->n = 0;
}

int
bundle_parse(const char *name, const uint8_t *p, size_t len,
    struct bundle *out, struct fe_err *err)
{
	struct bundle b = { NULL, 0 };
	struct bundle_item *it = NULL;
	EVP_ENCODE_CTX *ctx = NULL;
	size_t off = 0, lineno = 0, cap = 0, k, n;
	const char *end_line = NULL;
	int rc = FE_EINVAL, outl;

	if (len > BUNDLE_MAX_BYTES)
		return fe_err_set(err, "%s: bundle of %zu bytes (at most %u)",
		    name, len, BUNDLE_MAX_BYTES);
	if ((ctx = EVP_ENCODE_CTX_new()) == NULL)
		return fe_err_ssl(err, "%s: out of memory", name);
	while (off < len) {
		const uint8_t *l = p + off, *nl;

		nl = memchr(l, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - l) : len - off;
		off += n + (nl != NULL);
		lineno++;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n > BUNDLE_MAX_LINE) {
			fe_err_set(err, "%s: line %zu: longer than %d bytes",
			    name, lineno, BUNDLE_MAX_LINE);
			goto fail;
		}
		if (end_line == NULL) {
			if (blank(l, n))
				continue;
			for (k = 0; k < sizeof(pem_kinds) / sizeof(pem_kinds[0]);
			    k++)
				if (line_is(l, n, pem_kinds[k].begin))
					break;
			if (k == sizeof(pem_kinds) / sizeof(pem_kinds[0])) {
				fe_err_set(err, "%s: line %zu: expected "
				    "-----BEGIN CERTIFICATE----- or -----BEGIN "
				    "X509 CRL----- (nothing else may be in a "
				    "bundle)", name, lineno);
				goto fail;
			}
			if (b.n >= BUNDLE_MAX_ITEMS) {
				fe_err_set(err, "%s: line %zu: more than %d "
				    "items", name, lineno, BUNDLE_MAX_ITEMS);
				goto fail;
			}
			if (b.n == cap) {
				cap = cap ? cap * 2 : 64;
				b.items = fe_realloc(b.items,
				    cap * sizeof(*b.items));
			}
			it = &b.items[b.n++];
			memset(it, 0, sizeof(*it));
			it->kind = pem_kinds[k].kind;
			it->line = lineno;
			end_line = pem_kinds[k].end;
			EVP_DecodeInit(ctx);
			continue;
		}
		if (line_is(l, n, end_line)) {
			if (it->der == NULL) {
				fe_err_set(err, "%s: line %zu: empty block",
				    name, it->line);
				goto fail;
			}
			if (EVP_DecodeFinal(ctx, it->der + it->len, &outl) != 1) {
				fe_err_set(err, "%s: line %zu: the base64 of the "
				    "block starting at line %zu does not end "
				    "cleanly", name, lineno, it->line);
				goto fail;
			}
			it->len += (size_t)outl;
			if (it->len == 0) {
				fe_err_set(err, "%s: line %zu: empty block",
				    name, it->line);
				goto fail;
			}
			end_line = NULL;
			continue;
		}
		/* RFC 7468 strict: base64 lines only, no headers */
		for (k = 0; k < n; k++)
			if (!((l[k] >= 'A' && l[k] <= 'Z') ||
			    (l[k] >= 'a' && l[k] <= 'z') ||
			    (l[k] >= '0' && l[k] <= '9') || l[k] == '+' ||
			    l[k] == '/' || l[k] == '='))
				break;
		if (n == 0 || k < n) {
			fe_err_set(err, "%s: line %zu: not a base64 line inside "
			    "the block starting at line %zu", name, lineno,
			    it->line);
			goto fail;
		}
		it->der = fe_realloc(it->der, it->len + n / 4 * 3 + 3 + 64);
		if (EVP_DecodeUpdate(ctx, it->der + it->len, &outl, l,
		    (int)n) < 0) {
			fe_err_set(err, "%s: line %zu: base64 does not decode",
			    name, lineno);
			goto fail;
		}
		it->len += (size_t)outl;
	}
	if (end_line != NULL) {
		fe_err_set(err, "%s: the block starting at line %zu has no END "
		    "line", name, it->line);
		goto fail;
	}
	if (b.n == 0) {
		fe_err_set(err, "%s: no certificate or CRL in the bundle", name);
		goto fail;
	}
	EVP_ENCODE_CTX_free(ctx);
	*out = b;
	return 0;
fail:
	EVP_ENCODE_CTX_free(ctx);
	bundle_free(&b);
	return rc;
}

/* Refuse a CRL whose nextUpdate has passed: serving it would vouch for
 * statuses the signer no longer vouches for. */
static int
crl_not_stale(const struct bundle_item *it, int64_t now, struct fe_err *err)
{
	const unsigned char *q = it->der;
	X509_CRL *c = d2i_X509_CRL(NULL, &q, (long)it->len);
	int64_t nu;
	int rc = 0;

	if (c == NULL)
		return fe_err_ssl(err, "CRL: does not parse as DER");
	/* a missing nextUpdate is refused by the store with its rule */
	if (asn1_time_secs(X509_CRL_get0_nextUpdate(c), &nu) == 0 && nu < now)
		rc = fe_err_code(err, FE_EPOLICY, "CRL is stale: its "
		    "nextUpdate passed %lld seconds ago; refused",
		    (long long)(now - nu));
	X509_CRL_free(c);
	return rc;
}

static int
cert_kind(const struct bundle_item *it, X509 *root, int *is_ca,
    struct fe_err *err)
{
	const unsigned char *q = it->der;
	X509 *x = d2i_X509(NULL, &q, (long)it->len);

	if (x == NULL || q != it->der + it->len) {
		X509_free(x);
		return fe_err_ssl(err, "certificate: does not parse as DER");
	}
	*is_ca = X509_cmp(x, root) == 0 ? 2 : X509_check_ca(x) != 0;
	X509_free(x);
	return 0;
}

int
bundle_apply(struct statusdb *db, X509 *root, const struct bundle *b,
    int64_t now, struct bundle_stats *st, struct fe_err *err)
{
	struct bundle_stats s = { 0, 0, 0 };
	const struct bundle_item *it;
	int pass, rc = 0, ca = 0;
	size_t i;

	if ((rc = statusdb_batch_begin(db, err)) != 0)
		return rc;
	/* issuers first, then what they issued, then what they revoked */
	for (pass = 0; pass < 3 && rc == 0; pass++) {
		for (i = 0; i < b->n && rc == 0; i++) {
			it = &b->items[i];
			if (it->kind == BUNDLE_CRL) {
				if (pass != 2)
					continue;
				if ((rc = crl_not_stale(it, now, err)) == 0 &&
				    (rc = statusdb_add_crl(db, it->der, it->len,
				    now, err)) == 0)
					s.crls++;
			} else {
				if (pass == 2)
					continue;
				if ((rc = cert_kind(it, root, &ca, err)) != 0)
					;
				else if (ca == 2 || (ca == 1) != (pass == 0))
					continue;
				else if (ca) {
					X509 *x;
					const unsigned char *q = it->der;

					x = d2i_X509(NULL, &q, (long)it->len);
					rc = statusdb_add_issuer(db, x, root, err);
					X509_free(x);
					if (rc == 0)
						s.issuers++;
				} else if ((rc = statusdb_add_cert(db, it->der,
				    it->len, err)) == 0)
					s.certs++;
			}
			if (rc != 0)
				fe_err_prefix(err, "item %zu (line %zu, %s)",
				    i + 1, it->line, it->kind == BUNDLE_CRL ?
				    "CRL" : "certificate");
		}
	}
	if (rc == 0)
		rc = statusdb_batch_commit(db, err);
	else
		statusdb_batch_abort(db);
	if (rc == 0 && st != NULL)
		*st = s;
	return rc;
}
