/*
 * collect_dpkg.c - installed Debian packages from ROOT/var/lib/dpkg/status.
 *
 * The file is dpkg's own database: stanzas of "Field: value" lines
 * separated by blank lines, continuation lines starting with a blank.  We
 * keep Package, Architecture, Version and Status and nothing else.  The
 * file is trusted no more than any other input: every line is capped,
 * field names must be well formed, the four fields we read may not repeat
 * or continue on a second line, names and architectures must use dpkg's
 * own characters, and a package that appears twice is an error (it would
 * hide the second copy).
 *
 * Packages whose status is "not-installed" are left out (dpkg keeps them
 * only for their selection state); every other state, "config-files"
 * included, is recorded so a removal that leaves its configuration behind
 * shows up as a change of status rather than as nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "watch/collect.h"
#include "watch/collect_util.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_MAX_FILE ((size_t)64 << 20)
#define DPKG_MAX_LINE 65536
#define DPKG_MAX_PKGS 200000
#define DPKG_MAX_FIELDS 1000    /* fields in one stanza */
#define DPKG_MAX_NAME 256
#define DPKG_MAX_ARCH 64
#define DPKG_MAX_VERSION 256
#define DPKG_MAX_STATUS 128

enum dfield { DF_PACKAGE, DF_ARCH, DF_VERSION, DF_STATUS, DF__MAX };
static const char *const dfield_names[DF__MAX] = {
	"Package", "Architecture", "Version", "Status",
};
static const size_t dfield_max[DF__MAX] = {
	DPKG_MAX_NAME, DPKG_MAX_ARCH, DPKG_MAX_VERSION, DPKG_MAX_STATUS,
};

struct stanza {
	const char *v[DF__MAX];
	size_t n[DF__MAX];
	size_t first;           /* line number of its first line */
	size_t nfields;
};

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* dpkg's pkg_name_is_illegal(): an alphanumeric, then alphanumerics and
 * "-+._". */
static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_alnum(s[i]) && strchr("-+._", s[i]) == NULL)
			return false;
	return true;
}

static bool
arch_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* "install ok installed" -> three words of [a-z-]; the last in *st. */
static bool
status_ok(const char *s, size_t n, const char **st, size_t *stn)
{
	size_t i, words = 0, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			continue;
		if (i < n && s[i] != ' ')
			return false;
		if (i == start)         /* empty word: "a  b", leading ' ' */
			return false;
		words++;
		*st = s + start;
		*stn = i - start;
		start = i + 1;
	}
	return words == 3;
}

static int
stanza_emit(const char *name, const struct stanza *z, struct wset *tmp,
    struct fe_err *err)
{
	char key[8 + DPKG_MAX_NAME + 1 + DPKG_MAX_ARCH + 1];
	const char *st;
	struct buf b;
	size_t stn, i;

	for (i = 0; i < DF__MAX; i++)
		if (z->v[i] != NULL && z->n[i] == 0)
			return fe_err_set(err, "%s line %zu: empty %s field",
			    name, z->first, dfield_names[i]);
	if (z->v[DF_PACKAGE] == NULL)
		return fe_err_set(err, "%s line %zu: stanza without Package",
		    name, z->first);
	if (z->v[DF_STATUS] == NULL)
		return fe_err_set(err, "%s line %zu: package %.*s without "
		    "Status", name, z->first, (int)z->n[DF_PACKAGE],
		    z->v[DF_PACKAGE]);
	if (!name_ok(z->v[DF_PACKAGE], z->n[DF_PACKAGE]))
		return fe_err_set(err, "%s line %zu: package name is not "
		    "alphanumerics and -+._", name, z->first);
	if (z->v[DF_ARCH] != NULL && !arch_ok(z->v[DF_ARCH], z->n[DF_ARCH]))
		return fe_err_set(err, "%s line %zu: architecture is not "
		    "alphanumerics and -", name, z->first);
	if (!status_ok(z->v[DF_STATUS], z->n[DF_STATUS], &st, &stn))
		return fe_err_set(err, "%s line %zu: Status is not three "
		    "words of a-z and -", name, z->first);
	if (span_eq(st, stn, "not-installed"))
		return 0;
	if (tmp->n >= DPKG_MAX_PKGS)
		return fe_err_set(err, "%s line %zu: more than %d packages",
		    name, z->first, DPKG_MAX_PKGS);

	/* A package in config-files state from before multi-arch may have
	 * no Architecture: "-" keeps the key unambiguous. */
	fe_snprintf(key, sizeof(key), "pkg:%.*s:%.*s", (int)z->n[DF_PACKAGE],
	    z->v[DF_PACKAGE], z->v[DF_ARCH] ? (int)z->n[DF_ARCH] : 1,
	    z->v[DF_ARCH] ? z->v[DF_ARCH] : "-");
	buf_init(&b, ITEM_MAX_VAL);
	buf_add_str(&b, "version=");
	if (z->v[DF_VERSION] == NULL)
		buf_add_str(&b, "-");
	else
		penc(&b, z->v[DF_VERSION], z->n[DF_VERSION], PENC_VAL);
	buf_add_str(&b, " status=");
	/* Bounded by the caps above: these cannot fill b. */
	for (i = 0; i < z->n[DF_STATUS]; i++)
		buf_add_u8(&b, z->v[DF_STATUS][i] == ' ' ? '/' :
		    (uint8_t)z->v[DF_STATUS][i]);
	return item_put(tmp, key, &b, name, err);
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

int
dpkg_status_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct stanza z;
	struct lines l;
	const char *s, *colon;
	size_t n, fl, i;
	int last = -1;          /* field of the previous line, -1: untracked */
	int more, rc;

	memset(&z, 0, sizeof(z));
	lines_init(&l, name, p, len, DPKG_MAX_LINE);
	for (;;) {
		more = lines_next(&l, &s, &n, err);
		if (more < 0) {
			rc = more;
			goto fail;
		}
		if (more == 0 || n == 0) {
			if (z.nfields > 0 &&
			    (rc = stanza_emit(name, &z, &tmp, err)) != 0)
				goto fail;
			memset(&z, 0, sizeof(z));
			last = -1;
			if (more == 0)
				break;
			continue;
		}
		if (z.nfields == 0)
			z.first = l.lineno;
		if (s[0] == ' ' || s[0] == '\t') {
			if (z.nfields == 0) {
				rc = fe_err_set(err, "%s line %zu: continuation "
				    "line without a field", name, l.lineno);
				goto fail;
			}
			if (last >= 0) {
				rc = fe_err_set(err, "%s line %zu: %s continued "
				    "on a second line", name, l.lineno,
				    dfield_names[last]);
				goto fail;
			}
			continue;
		}
		colon = memchr(s, ':', n);
		if (colon == NULL || colon == s) {
			rc = fe_err_set(err, "%s line %zu: not \"Field: value\"",
			    name, l.lineno);
			goto fail;
		}
		fl = (size_t)(colon - s);
		for (i = 0; i < fl; i++)
			if ((unsigned char)s[i] <= 0x20 ||
			    (unsigned char)s[i] >= 0x7f) {
				rc = fe_err_set(err, "%s line %zu: blank or "
				    "control character in a field name",
				    name, l.lineno);
				goto fail;
			}
		if (++z.nfields > DPKG_MAX_FIELDS) {
			rc = fe_err_set(err, "%s line %zu: more than %d fields "
			    "in one stanza", name, l.lineno, DPKG_MAX_FIELDS);
			goto fail;
		}
		last = -1;
		for (i = 0; i < DF__MAX; i++)
			if (span_ieq(s, fl, dfield_names[i]))
				last = (int)i;
		if (last < 0)
			continue;
		if (z.v[last] != NULL) {
			rc = fe_err_set(err, "%s line %zu: second %s field",
			    name, l.lineno, dfield_names[last]);
			goto fail;
		}
		z.v[last] = colon + 1;
		z.n[last] = n - fl - 1;
		trim(&z.v[last], &z.n[last]);
		if (z.n[last] > dfield_max[last]) {
			rc = fe_err_set(err, "%s line %zu: %s longer than %zu "
			    "bytes", name, l.lineno, dfield_names[last],
			    dfield_max[last]);
			goto fail;
		}
	}
	if ((rc = wset_check_unique(&tmp, name, err)) != 0)
		goto fail;
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}

int
collect_packages(const char *root, struct wset *out, struct fe_err *err)
{
	char path[CPATH_MAX];
	uint8_t *p;
	size_t len;
	int rc;

	if ((rc = cread(root, DPKG_STATUS, DPKG_MAX_FILE, path, sizeof(path),
	    &p, &len, err)) != 0)
		return rc;
	rc = dpkg_status_parse(path, p, len, out, err);
	free(p);
	return rc;
}
