/*
 * crlset.c - a set of CRLs as one link answer, and as files.
 *
 * The reader trusts nothing but the link's MAC (the bytes came from the
 * signer): it checks every count and length against the body, and leaves
 * the DER itself to whoever verifies the CRLs (openssl, fe-status).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "link/crlset.h"

int
crlset_write(struct buf *b, const struct crlset_item *v, size_t n,
    struct fe_err *err)
{
	size_t i;

	if (n == 0 || n > CRLSET_MAX)
		return fe_err_set(err, "CRL answer of %zu CRLs (1 to %d)", n,
		    CRLSET_MAX);
	if (buf_add_u32be(b, (uint32_t)n) != 0)
		goto big;
	for (i = 0; i < n; i++) {
		if (v[i].len > UINT32_MAX ||
		    buf_add_u32be(b, v[i].part) != 0 ||
		    buf_add_u32be(b, (uint32_t)v[i].len) != 0 ||
		    buf_add(b, v[i].der, v[i].len) != 0)
			goto big;
	}
	return 0;
big:
	return fe_err_set(err, "CRL answer of %zu CRLs is larger than the "
	    "%zu bytes a link message may carry", n, b->max);
}

int
crlset_read(const uint8_t *p, size_t len, struct crlset_item **out,
    size_t *n, struct fe_err *err)
{
	struct crlset_item *v;
	struct rd r;
	uint32_t count, i, dlen;

	rd_init(&r, p, len);
	if (rd_u32be(&r, &count) != 0 || count == 0 || count > CRLSET_MAX)
		return fe_err_set(err, "CRL answer: count missing or not 1 "
		    "to %d", CRLSET_MAX);
	/* each entry takes at least 8 bytes: no allocation beyond the body */
	if ((size_t)count > rd_left(&r) / 8)
		return fe_err_set(err, "CRL answer: %u CRLs cannot fit in %zu "
		    "bytes", count, len);
	v = fe_calloc(count, sizeof(*v));
	for (i = 0; i < count; i++) {
		if (rd_u32be(&r, &v[i].part) != 0 ||
		    rd_u32be(&r, &dlen) != 0 || dlen == 0 ||
		    rd_bytes(&r, dlen, &v[i].der) != 0) {
			free(v);
			return fe_err_set(err, "CRL answer: CRL %u of %u is "
			    "truncated", i + 1, count);
		}
		v[i].len = dlen;
		if (i > 0 && v[i].part <= v[i - 1].part) {
			fe_err_set(err, "CRL answer: part %u follows part %u "
			    "(parts must increase)", v[i].part, v[i - 1].part);
			free(v);
			return FE_EINVAL;
		}
	}
	if (rd_left(&r) != 0) {
		free(v);
		return fe_err_set(err, "CRL answer: %zu trailing bytes",
		    rd_left(&r));
	}
	*out = v;
	*n = count;
	return 0;
}

static int
save_one(const char *path, const struct crlset_item *it, struct fe_err *err)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int ok;

	if (f == NULL)
		return fe_err_sys(err, "%s: cannot create", path);
	ok = PEM_write(f, "X509 CRL", "", it->der, (long)it->len) > 0;
	if (path != NULL && fclose(f) != 0)
		ok = 0;
	if (!ok)
		return fe_err_set(err, "%s: cannot write", path ? path :
		    "stdout");
	return 0;
}

int
crlset_save(const char *path, const char *label,
    const struct crlset_item *v, size_t n, struct fe_err *err)
{
	char file[4096];
	struct stat sb;
	size_t i;
	int rc;

	if (n == 1 && v[0].part == 0)
		return save_one(path, &v[0], err);
	for (i = 0; label[i] != '\0'; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') ||
		    (label[i] >= '0' && label[i] <= '9') || label[i] == '-'))
			return fe_err_set(err, "CA label '%.40s' is not "
			    "[a-z0-9-]: not used in a file name", label);
	if (path != NULL && mkdir(path, 0755) != 0 && (errno != EEXIST ||
	    stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		return fe_err_sys(err, "%s: cannot make the directory for the "
		    "parts of a partitioned CRL", path);
	for (i = 0; i < n; i++) {
		if (path == NULL) {
			rc = save_one(NULL, &v[i], err);
		} else if (v[i].part == 0 ? fe_snprintf_ok(file, sizeof(file),
		    "%s/%s.crl", path, label) != 0 :
		    fe_snprintf_ok(file, sizeof(file), "%s/%s-%u.crl", path,
		    label, v[i].part) != 0) {
			rc = fe_err_set(err, "%s: path too long", path);
		} else {
			rc = save_one(file, &v[i], err);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}
