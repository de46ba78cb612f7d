/*
 * collect_acct.c - local accounts and groups from ROOT/etc/passwd and
 * ROOT/etc/group, with ROOT/etc/shadow and ROOT/etc/gshadow folded in when
 * they can be read.
 *
 * A password hash never becomes part of an item: the shadow line of a user
 * (and the gshadow line of a group) is reduced to the first 16 hex digits
 * of its SHA-256, enough to show that a password, an expiry or a lock
 * changed.  The GECOS field, free text with blanks, is hashed the same way;
 * home, shell and member names are percent-encoded so a value stays one
 * line of "name=value" words.
 *
 * What the files say is data: a second "root", a uid 0 for another name or
 * a group with a stranger in it are recorded as they are (a name seen again
 * gets the key "user:NAME#2", '#' being encoded in names) and judged by
 * whoever reads the changes.  A line that is not an entry at all - the
 * wrong number of fields, an empty name, a uid that is not a number - is an
 * error naming the file and the line, and the collector adds nothing.
 * Blank lines and lines starting with '#' are skipped, as glibc does.
 * NIS compatibility entries ("+name", "-name", "+") may leave uid and gid
 * empty; they are recorded with "uid=-".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "watch/collect.h"
#include "watch/collect_util.h"

#define ACCT_MAX_FILE ((size_t)64 << 20)
#define ACCT_MAX_LINE 262144
#define ACCT_MAX_ENTRIES 1000000
#define ACCT_MAX_FIELD 1024     /* name, home, shell */
#define ACCT_MAX_MEMBERS 65536
#define ACCT_MEMBERS_TEXT 4096  /* longer member lists are hashed */

#define ACCT_MAX_FIELDS 10

struct fields {
	const char *v[ACCT_MAX_FIELDS];
	size_t n[ACCT_MAX_FIELDS];
	size_t count;
};

/* Split s at ':' into exactly want fields. */
static int
split(const char *s, size_t n, size_t want, struct fields *f)
{
	size_t i, start = 0;

	f->count = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ':')
			continue;
		if (f->count == want)
			return -1;
		f->v[f->count] = s + start;
		f->n[f->count] = i - start;
		f->count++;
		start = i + 1;
	}
	return f->count == want ? 0 : -1;
}

/* Next entry line (blank and '#' lines skipped): 1, 0 at the end, <0. */
static int
entry_next(struct lines *l, const char **s, size_t *n, struct fe_err *err)
{
	int more;

	while ((more = lines_next(l, s, n, err)) > 0)
		if (*n > 0 && (*s)[0] != '#')
			break;
	if (more > 0 && l->lineno > ACCT_MAX_ENTRIES)
		return fe_err_set(err, "%s line %zu: more than %d lines",
		    l->name, l->lineno, ACCT_MAX_ENTRIES);
	return more;
}

static int
name_key(struct buf *k, const char *prefix, const struct lines *l,
    const char *s, size_t n, struct fe_err *err)
{
	if (n == 0)
		return fe_err_set(err, "%s line %zu: empty name", l->name,
		    l->lineno);
	if (n > ACCT_MAX_FIELD)
		return fe_err_set(err, "%s line %zu: name longer than %d "
		    "bytes", l->name, l->lineno, ACCT_MAX_FIELD);
	buf_init(k, ITEM_MAX_KEY);
	buf_add_str(k, prefix);
	penc(k, s, n, PENC_NAME);       /* bounded by ACCT_MAX_FIELD */
	buf_cstr(k);
	return 0;
}

static bool
nis_compat(const char *s, size_t n)
{
	return n > 0 && (s[0] == '+' || s[0] == '-');
}

/* "uid=N" from a decimal id; NIS entries may leave it empty ("uid=-"). */
static int
id_put(struct buf *b, const char *attr, const struct lines *l,
    const struct fields *f, size_t i, struct fe_err *err)
{
	uint64_t id;

	if (f->n[i] == 0 && nis_compat(f->v[0], f->n[0])) {
		buf_printf(b, "%s=-", attr);
		return 0;
	}
	if (span_u64(f->v[i], f->n[i], 10, UINT32_MAX, &id) != 0)
		return fe_err_set(err, "%s line %zu: %s is not a number up "
		    "to %u", l->name, l->lineno, attr, UINT32_MAX);
	buf_printf(b, "%s=%llu", attr, (unsigned long long)id);
	return 0;
}

/* pw=x (in the shadow file), pw=empty (no password!) or a short hash. */
static int
pw_put(struct buf *b, const char *s, size_t n, struct fe_err *err)
{
	char hx[HASH_SHORT + 1];

	if (span_eq(s, n, "x"))
		buf_add_str(b, "pw=x");
	else if (n == 0)
		buf_add_str(b, "pw=empty");
	else {
		if (sha256_hex(s, n, hx, HASH_SHORT, err) != 0)
			return FE_ECRYPTO;
		buf_printf(b, "pw=sha256:%s", hx);
	}
	return 0;
}

static int
path_put(struct buf *b, const char *attr, const struct lines *l,
    const char *s, size_t n, struct fe_err *err)
{
	if (n > ACCT_MAX_FIELD)
		return fe_err_set(err, "%s line %zu: %s longer than %d bytes",
		    l->name, l->lineno, attr, ACCT_MAX_FIELD);
	buf_printf(b, " %s=", attr);
	penc(b, s, n, PENC_VAL);
	return 0;
}

/* Indices into a set by key, then by position (file order). */
static int
idx_cmp(const void *a, const void *b, void *arg)
{
	const struct wset *set = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(set->v[i].key, set->v[j].key);

	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

/* Give the second and later of equal keys the suffix "#2", "#3"... in
 * file order. */
static void
dedupe_keys(struct wset *s)
{
	const char *first;
	size_t *idx, i, run = 1;

	if (s->n < 2)
		return;
	idx = fe_calloc(s->n, sizeof(*idx));
	for (i = 0; i < s->n; i++)
		idx[i] = i;
	/* qsort_r: collectors may run in several threads at once. */
	qsort_r(idx, s->n, sizeof(*idx), idx_cmp, s);
	/* The first of a run keeps its key, so first stays valid. */
	first = s->v[idx[0]].key;
	for (i = 1; i < s->n; i++) {
		struct witem *it = &s->v[idx[i]];
		char *k;

		if (strcmp(first, it->key) != 0) {
			first = it->key;
			run = 1;
			continue;
		}
		if (asprintf(&k, "%s#%zu", it->key, ++run) < 0)
			fe_fatal("out of memory");
		free(it->key);
		it->key = k;
	}
	free(idx);
	s->sorted = false;
}

/* "uid=U gid=G home=H shell=S gecos-sha256=X pw=P" */
static int
passwd_value(struct buf *b, const struct lines *l, const struct fields *f,
    struct fe_err *err)
{
	char hx[HASH_SHORT + 1];
	int rc;

	if ((rc = id_put(b, "uid", l, f, 2, err)) != 0)
		return rc;
	buf_add_u8(b, ' ');
	if ((rc = id_put(b, "gid", l, f, 3, err)) != 0 ||
	    (rc = path_put(b, "home", l, f->v[5], f->n[5], err)) != 0 ||
	    (rc = path_put(b, "shell", l, f->v[6], f->n[6], err)) != 0 ||
	    (rc = sha256_hex(f->v[4], f->n[4], hx, HASH_SHORT, err)) != 0)
		return rc;
	buf_printf(b, " gecos-sha256=%s ", hx);
	return pw_put(b, f->v[1], f->n[1], err);
}

static int members_put(struct buf *b, const struct lines *l, const char *s,
    size_t n, struct fe_err *err);

/* "gid=G pw=P members=a,b" */
static int
group_value(struct buf *b, const struct lines *l, const struct fields *f,
    struct fe_err *err)
{
	int rc;

	if ((rc = id_put(b, "gid", l, f, 2, err)) != 0)
		return rc;
	buf_add_u8(b, ' ');
	if ((rc = pw_put(b, f->v[1], f->n[1], err)) != 0)
		return rc;
	return members_put(b, l, f->v[3], f->n[3], err);
}

int
passwd_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct lines l;
	struct fields f;
	struct buf k, b;
	const char *s;
	size_t n;
	int rc, more;

	lines_init(&l, name, p, len, ACCT_MAX_LINE);
	while ((more = entry_next(&l, &s, &n, err)) > 0) {
		if (split(s, n, 7, &f) != 0) {
			rc = fe_err_set(err, "%s line %zu: not 7 fields "
			    "name:pw:uid:gid:gecos:home:shell", name, l.lineno);
			goto fail;
		}
		if ((rc = name_key(&k, "user:", &l, f.v[0], f.n[0], err)) != 0)
			goto fail;
		buf_init(&b, ITEM_MAX_VAL);
		if ((rc = passwd_value(&b, &l, &f, err)) != 0 ||
		    (rc = item_put(&tmp, (char *)k.p, &b, name, err)) != 0) {
			buf_free(&b);
			buf_free(&k);
			goto fail;
		}
		buf_free(&k);
	}
	if (more < 0) {
		rc = more;
		goto fail;
	}
	dedupe_keys(&tmp);
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
strs_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* " members=a,b,c" sorted ("-" when none), or a count and a hash when
 * the list would not fit in a value. */
static int
members_put(struct buf *b, const struct lines *l, const char *s, size_t n,
    struct fe_err *err)
{
	char **v = NULL, hx[HASH_SHORT + 1];
	size_t nv = 0, i, start = 0;
	struct buf m;
	int rc = 0;

	for (i = 0; i <= n; i++) {
		struct buf e;

		if (i < n && s[i] != ',')
			continue;
		if (i > start) {
			if (nv == ACCT_MAX_MEMBERS) {
				rc = fe_err_set(err, "%s line %zu: more than "
				    "%d members", l->name, l->lineno,
				    ACCT_MAX_MEMBERS);
				goto out;
			}
			if (i - start > ACCT_MAX_FIELD) {
				rc = fe_err_set(err, "%s line %zu: member "
				    "name longer than %d bytes", l->name,
				    l->lineno, ACCT_MAX_FIELD);
				goto out;
			}
			buf_init(&e, 3 * ACCT_MAX_FIELD);
			penc(&e, s + start, i - start, PENC_NAME);
			buf_cstr(&e);
			if (nv % 64 == 0)
				v = fe_realloc(v, (nv + 64) * sizeof(*v));
			v[nv++] = (char *)e.p;
		}
		start = i + 1;
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), str_cmp);
	buf_init(&m, ACCT_MEMBERS_TEXT);
	for (i = 0; i < nv; i++)
		if ((i > 0 && buf_add_u8(&m, ',') != 0) ||
		    buf_add_str(&m, v[i]) != 0)
			break;
	if (nv == 0) {
		buf_add_str(b, " members=-");
	} else if (i == nv) {
		buf_add_str(b, " members=");
		buf_add(b, m.p, m.len);
	} else {
		/* Hash the whole sorted list, not the part that fit. */
		struct buf all;

		buf_init(&all, SIZE_MAX);
		for (i = 0; i < nv; i++) {
			buf_add_str(&all, v[i]);
			buf_add_u8(&all, ',');
		}
		rc = sha256_hex(all.p, all.len, hx, HASH_SHORT, err);
		buf_free(&all);
		if (rc == 0)
			buf_printf(b, " members-count=%zu members-sha256=%s",
			    nv, hx);
	}
	buf_free(&m);
out:
	strs_free(v, nv);
	return rc;
}

int
group_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct lines l;
	struct fields f;
	struct buf k, b;
	const char *s;
	size_t n;
	int rc, more;

	lines_init(&l, name, p, len, ACCT_MAX_LINE);
	while ((more = entry_next(&l, &s, &n, err)) > 0) {
		if (split(s, n, 4, &f) != 0) {
			rc = fe_err_set(err, "%s line %zu: not 4 fields "
			    "name:pw:gid:members", name, l.lineno);
			goto fail;
		}
		if ((rc = name_key(&k, "group:", &l, f.v[0], f.n[0],
		    err)) != 0)
			goto fail;
		buf_init(&b, ITEM_MAX_VAL);
		if ((rc = group_value(&b, &l, &f, err)) != 0 ||
		    (rc = item_put(&tmp, (char *)k.p, &b, name, err)) != 0) {
			buf_free(&b);
			buf_free(&k);
			goto fail;
		}
		buf_free(&k);
	}
	if (more < 0) {
		rc = more;
		goto fail;
	}
	dedupe_keys(&tmp);
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}

/* shadow (9 fields) or gshadow (4 fields): key PREFIX+NAME, value the
 * short SHA-256 of the whole line. */
int
shadow_parse(const char *name, const char *prefix, size_t nfields,
    const uint8_t *p, size_t len, struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct lines l;
	struct fields f;
	struct buf k;
	const char *s;
	size_t n;
	char hx[HASH_SHORT + 1];
	int rc, more;

	if (nfields < 1 || nfields > ACCT_MAX_FIELDS)
		fe_fatal("shadow_parse: %zu fields", nfields);
	lines_init(&l, name, p, len, ACCT_MAX_LINE);
	while ((more = entry_next(&l, &s, &n, err)) > 0) {
		if (split(s, n, nfields, &f) != 0) {
			rc = fe_err_set(err, "%s line %zu: not %zu fields",
			    name, l.lineno, nfields);
			goto fail;
		}
		if ((rc = name_key(&k, prefix, &l, f.v[0], f.n[0], err)) != 0)
			goto fail;
		rc = sha256_hex(s, n, hx, HASH_SHORT, err);
		if (rc == 0)
			wset_add(&tmp, (char *)k.p, hx);
		buf_free(&k);
		if (rc != 0)
			goto fail;
	}
	if (more < 0) {
		rc = more;
		goto fail;
	}
	dedupe_keys(&tmp);
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}

/* Fold "shadow-sha256=H" (attr) from sh into the items of set; a name only
 * in sh becomes an item of its own, "passwd=none shadow-sha256=H". */
static int
fold_shadow(struct wset *set, struct wset *sh, const char *attr,
    const char *none, const char *name, struct fe_err *err)
{
	struct wset extra = { 0 };
	size_t i;

	wset_sort(set);
	wset_sort(sh);
	for (i = 0; i < sh->n; i++) {
		struct witem *it = (struct witem *)wset_find(set, sh->v[i].key);
		char *v;

		if (it == NULL) {
			wset_addf(&extra, sh->v[i].key, "%s %s=%s", none, attr,
			    sh->v[i].val);
			continue;
		}
		if (asprintf(&v, "%s %s=%s", it->val, attr, sh->v[i].val) < 0)
			fe_fatal("out of memory");
		if (strlen(v) > ITEM_MAX_VAL) {
			free(v);
			wset_free(&extra);
			return fe_err_set(err, "%s: %s: value longer than %d "
			    "bytes", name, it->key, ITEM_MAX_VAL);
		}
		free(it->val);
		it->val = v;
	}
	wset_move(set, &extra);
	return 0;
}

/* Read ROOT+rel if it is there and readable: 1 read, 0 absent or not
 * readable (shadow files as a non-root user), <0 error. */
static int
read_optional(const char *root, const char *rel, char *path, size_t pathn,
    uint8_t **p, size_t *len, struct fe_err *err)
{
	int rc = cread(root, rel, ACCT_MAX_FILE, path, pathn, p, len, err);

	if (rc == FE_ENOENT || (rc == FE_EIO && errno == EACCES))
		return 0;
	return rc == 0 ? 1 : rc;
}

struct acct_src {
	const char *rel, *shadow_rel, *prefix, *attr, *none;
	size_t shadow_fields;
	int (*parse)(const char *, const uint8_t *, size_t, struct wset *,
	    struct fe_err *);
};

static const struct acct_src acct_srcs[] = {
	{ "/etc/passwd", "/etc/shadow", "user:", "shadow-sha256",
	  "passwd=none", 9, passwd_parse },
	{ "/etc/group", "/etc/gshadow", "group:", "gshadow-sha256",
	  "group=none", 4, group_parse },
};

int
collect_accounts(const char *root, struct wset *out, struct fe_err *err)
{
	struct wset all = { 0 };
	char path[CPATH_MAX];
	uint8_t *p;
	size_t len, i;
	int rc;

	for (i = 0; i < sizeof(acct_srcs) / sizeof(acct_srcs[0]); i++) {
		const struct acct_src *a = &acct_srcs[i];
		struct wset set = { 0 }, sh = { 0 };

		if ((rc = cread(root, a->rel, ACCT_MAX_FILE, path,
		    sizeof(path), &p, &len, err)) != 0)
			goto fail;
		rc = a->parse(path, p, len, &set, err);
		free(p);
		if (rc != 0)
			goto fail;
		rc = read_optional(root, a->shadow_rel, path, sizeof(path), &p,
		    &len, err);
		if (rc > 0) {
			rc = shadow_parse(path, a->prefix, a->shadow_fields, p,
			    len, &sh, err);
			OPENSSL_cleanse(p, len);
			free(p);
			if (rc == 0)
				rc = fold_shadow(&set, &sh, a->attr, a->none,
				    path, err);
			wset_free(&sh);
		}
		if (rc < 0) {
			wset_free(&set);
			goto fail;
		}
		wset_move(&all, &set);
	}
	wset_move(out, &all);
	return 0;
fail:
	wset_free(&all);
	return rc;
}
