/*
 * collect_util.c - the small tools every collector of collect.h uses (see
 * collect_util.h).  Nothing here trusts the bytes it is handed: spans are
 * read within their lengths, numbers are parsed digit by digit with an
 * overflow check, and whatever goes into an item is percent-encoded so a
 * value can never break the "key\tvalue\n" lines of the baseline.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/file.h"
#include "watch/collect_util.h"

int
cpath(char *out, size_t n, const char *root, const char *rel,
    struct fe_err *err)
{
	size_t rl = strlen(root);

	/* "/" and "/tmp/x/" both end up without the slash. */
	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	if (fe_snprintf_ok(out, n, "%.*s%s", (int)rl, root, rel) != 0)
		return fe_err_set(err, "%s%s: path longer than %zu bytes",
		    root, rel, n - 1);
	return 0;
}

int
cread(const char *root, const char *rel, size_t max, char *path,
    size_t pathn, uint8_t **p, size_t *len, struct fe_err *err)
{
	int rc;

	if ((rc = cpath(path, pathn, root, rel, err)) != 0)
		return rc;
	rc = fe_read_file(path, max, p, len, err);
	/* fe_err_sys keeps errno: ENOENT can only come from open(). */
	if (rc != 0 && errno == ENOENT)
		return FE_ENOENT;
	return rc;
}

void
lines_init(struct lines *l, const char *name, const uint8_t *p, size_t len,
    size_t max)
{
	rd_init(&l->rd, p, len);
	l->name = name;
	l->lineno = 0;
	l->max = max;
}

int
lines_next(struct lines *l, const char **s, size_t *n, struct fe_err *err)
{
	if (rd_left(&l->rd) == 0)
		return 0;
	l->lineno++;
	if (rd_line(&l->rd, l->max, s, n) != 0)
		return fe_err_set(err, "%s line %zu: longer than %zu bytes",
		    l->name, l->lineno, l->max);
	if (memchr(*s, '\0', *n) != NULL)
		return fe_err_set(err, "%s line %zu: NUL byte", l->name,
		    l->lineno);
	return 1;
}

int
span_u64(const char *s, size_t n, int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (v > (max - d) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + d;
	}
	*out = v;
	return 0;
}

bool
span_ieq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

bool
span_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

int
penc(struct buf *b, const char *s, size_t n, const char *extra)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '%' ||
		    (extra != NULL && strchr(extra, c) != NULL)) {
			char e[3] = { '%', hx[c >> 4], hx[c & 15] };

			if (buf_add(b, e, 3) != 0)
				return -1;
		} else if (buf_add_u8(b, c) != 0) {
			return -1;
		}
	}
	return 0;
}

int
sha256_hex(const void *p, size_t n, char *hex, size_t nhex,
    struct fe_err *err)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char full[2 * EVP_MAX_MD_SIZE + 1];

	if (nhex > 64 || nhex % 2 != 0)
		fe_fatal("sha256_hex: %zu digits", nhex);
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return fe_err_ssl(err, "SHA-256");
	hex_encode(md, nhex / 2, full);
	memcpy(hex, full, nhex + 1);
	return 0;
}

int
item_put(struct wset *out, const char *key, struct buf *b, const char *what,
    struct fe_err *err)
{
	if (strlen(key) > ITEM_MAX_KEY) {
		buf_free(b);
		return fe_err_set(err, "%s: key longer than %d bytes", what,
		    ITEM_MAX_KEY);
	}
	if (b->len > ITEM_MAX_VAL) {
		buf_free(b);
		return fe_err_set(err, "%s: value longer than %d bytes", what,
		    ITEM_MAX_VAL);
	}
	buf_cstr(b);
	wset_add_take(out, fe_strdup(key), (char *)b->p);
	memset(b, 0, sizeof(*b));
	return 0;
}

static int
witem_cmp(const void *a, const void *b)
{
	return strcmp(((const struct witem *)a)->key,
	    ((const struct witem *)b)->key);
}

int
wset_check_unique(struct wset *tmp, const char *name, struct fe_err *err)
{
	size_t i;

	if (tmp->n > 1)
		qsort(tmp->v, tmp->n, sizeof(*tmp->v), witem_cmp);
	tmp->sorted = true;
	for (i = 1; i < tmp->n; i++)
		if (strcmp(tmp->v[i - 1].key, tmp->v[i].key) == 0)
			return fe_err_set(err, "%s: duplicate %s", name,
			    tmp->v[i].key);
	return 0;
}
