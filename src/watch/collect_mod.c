/*
 * collect_mod.c - loaded kernel modules from ROOT/proc/modules.
 *
 * Each line is "NAME SIZE REFCOUNT DEPS STATE ADDRESS [TAINTS]".  We keep
 * the name and the size, and the taint letters when there are any ("(OE)":
 * out of tree, unsigned), which is how a module nobody packaged shows
 * itself.  The reference count, dependants, state and address change with
 * use and are not watched.
 *
 * A kernel built without loadable modules has no /proc/modules; then
 * nothing can be loaded and the collector adds nothing and succeeds
 * (when ROOT/proc/version shows that procfs is there).  A
 * module listed twice is an error: the kernel cannot do that.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch/collect.h"
#include "watch/collect_util.h"

#define MOD_MAX_FILE ((size_t)16 << 20)
#define MOD_MAX_LINE 8192
#define MOD_MAX_COUNT 100000
#define MOD_MAX_NAME 64         /* MODULE_NAME_LEN is 56 */
#define MOD_MAX_TAINT 32

static bool
mod_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > MOD_MAX_NAME)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return false;
	return true;
}

/* Split at single blanks into at most max words; returns the count. */
static size_t
mod_words(const char *s, size_t n, const char **w, size_t *wn, size_t max)
{
	size_t i, start = 0, count = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ')
			continue;
		if (count == max)
			return max + 1;
		w[count] = s + start;
		wn[count] = i - start;
		count++;
		start = i + 1;
	}
	return count;
}

int
proc_modules_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct lines l;
	const char *s, *w[7];
	size_t n, wn[7], nw, i;
	int rc, more;

	lines_init(&l, name, p, len, MOD_MAX_LINE);
	while ((more = lines_next(&l, &s, &n, err)) > 0) {
		char key[8 + MOD_MAX_NAME + 1];
		uint64_t size;

		if (l.lineno > MOD_MAX_COUNT) {
			rc = fe_err_set(err, "%s line %zu: more than %d "
			    "modules", name, l.lineno, MOD_MAX_COUNT);
			goto fail;
		}
		nw = mod_words(s, n, w, wn, 7);
		if (nw < 6 || nw > 7) {
			rc = fe_err_set(err, "%s line %zu: not 6 or 7 words "
			    "\"NAME SIZE REFS DEPS STATE ADDR [TAINT]\"", name,
			    l.lineno);
			goto fail;
		}
		for (i = 0; i < nw; i++)
			if (wn[i] == 0) {
				rc = fe_err_set(err, "%s line %zu: empty word "
				    "%zu", name, l.lineno, i + 1);
				goto fail;
			}
		if (!mod_name_ok(w[0], wn[0])) {
			rc = fe_err_set(err, "%s line %zu: module name is not "
			    "1 to %d of A-Za-z0-9_-", name, l.lineno,
			    MOD_MAX_NAME);
			goto fail;
		}
		if (span_u64(w[1], wn[1], 10, UINT64_MAX, &size) != 0) {
			rc = fe_err_set(err, "%s line %zu: size is not a "
			    "number", name, l.lineno);
			goto fail;
		}
		fe_snprintf(key, sizeof(key), "module:%.*s", (int)wn[0], w[0]);
		if (nw == 6) {
			wset_addf(&tmp, key, "size=%llu",
			    (unsigned long long)size);
			continue;
		}
		/* "(OE)": letters in parentheses. */
		if (wn[6] < 3 || wn[6] > MOD_MAX_TAINT || w[6][0] != '(' ||
		    w[6][wn[6] - 1] != ')') {
			rc = fe_err_set(err, "%s line %zu: taint is not "
			    "\"(LETTERS)\"", name, l.lineno);
			goto fail;
		}
		for (i = 1; i + 1 < wn[6]; i++)
			if (w[6][i] < 'A' || w[6][i] > 'Z') {
				rc = fe_err_set(err, "%s line %zu: taint is "
				    "not \"(LETTERS)\"", name, l.lineno);
				goto fail;
			}
		wset_addf(&tmp, key, "size=%llu taint=%.*s",
		    (unsigned long long)size, (int)(wn[6] - 2), w[6] + 1);
	}
	if (more < 0) {
		rc = more;
		goto fail;
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
collect_modules(const char *root, struct wset *out, struct fe_err *err)
{
	char path[CPATH_MAX];
	uint8_t *p;
	size_t len;
	int rc;

	rc = cread(root, "/proc/modules", MOD_MAX_FILE, path, sizeof(path), &p,
	    &len, err);
	if (rc == FE_ENOENT) {
		/* No module support, if procfs is there at all. */
		char ver[CPATH_MAX];

		if (cpath(ver, sizeof(ver), root, "/proc/version", err) != 0)
			return FE_EINVAL;
		if (access(ver, F_OK) == 0)
			return 0;
		return fe_err_code(err, FE_ENOENT, "%s: no such file, and "
		    "no %s either: is procfs mounted?", path, ver);
	}
	if (rc != 0)
		return rc;
	rc = proc_modules_parse(path, p, len, out, err);
	free(p);
	return rc;
}
