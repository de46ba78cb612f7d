/*
 * item.c - sets of watched items and their differences (see item.h).
 * Keys and values are compared as plain strings; nothing is interpreted
 * here except the "name=value" attribute lists item_changed_attrs() walks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "watch/item.h"

const char *const wchange_kind_names[WCHANGE__MAX] = {
	"added", "removed", "changed",
};

void
wset_add_take(struct wset *s, char *key, char *val)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = fe_realloc(s->v, s->cap * sizeof(*s->v));
	}
	if (s->n > 0 && s->sorted && strcmp(s->v[s->n - 1].key, key) >= 0)
		s->sorted = false;
	else if (s->n == 0)
		s->sorted = true;
	s->v[s->n].key = key;
	s->v[s->n].val = val;
	s->n++;
}

void
wset_add(struct wset *s, const char *key, const char *val)
{
	wset_add_take(s, fe_strdup(key), fe_strdup(val));
}

void
wset_addf(struct wset *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *val;

	va_start(ap, fmt);
	if (vasprintf(&val, fmt, ap) < 0)
		fe_fatal("out of memory");
	va_end(ap);
	wset_add_take(s, fe_strdup(key), val);
}

static int
item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct witem *)a)->key,
	    ((const struct witem *)b)->key);
}

void
wset_sort(struct wset *s)
{
	size_t i, j;

	/* Equal keys come from one collector reporting a thing twice; which
	 * copy survives does not matter, only that one does. */
	if (!s->sorted && s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), item_cmp);
	for (i = 0, j = 0; i < s->n; i++) {
		if (j > 0 && strcmp(s->v[j - 1].key, s->v[i].key) == 0) {
			free(s->v[i].key);
			free(s->v[i].val);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
	s->sorted = true;
}

const struct witem *
wset_find(const struct wset *s, const char *key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, s->v[mid].key);

		if (c == 0)
			return &s->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
wset_drop_prefix(struct wset *s, const char *prefix)
{
	size_t i, j, pl = strlen(prefix);

	for (i = 0, j = 0; i < s->n; i++) {
		if (strncmp(s->v[i].key, prefix, pl) == 0) {
			free(s->v[i].key);
			free(s->v[i].val);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
}

void
wset_move(struct wset *dst, struct wset *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		wset_add_take(dst, src->v[i].key, src->v[i].val);
	free(src->v);
	memset(src, 0, sizeof(*src));
}

void
wset_free(struct wset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].val);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int
wset_diff(const struct wset *a, const struct wset *b, wset_diff_cb cb,
    void *arg)
{
	size_t i = 0, j = 0;
	int rc;

	while (i < a->n || j < b->n) {
		int c;

		if (i == a->n)
			c = 1;
		else if (j == b->n)
			c = -1;
		else
			c = strcmp(a->v[i].key, b->v[j].key);
		if (c < 0) {
			rc = cb(WCHANGE_REMOVED, a->v[i].key, a->v[i].val,
			    NULL, arg);
			i++;
		} else if (c > 0) {
			rc = cb(WCHANGE_ADDED, b->v[j].key, NULL, b->v[j].val,
			    arg);
			j++;
		} else {
			rc = 0;
			if (strcmp(a->v[i].val, b->v[j].val) != 0)
				rc = cb(WCHANGE_CHANGED, a->v[i].key,
				    a->v[i].val, b->v[j].val, arg);
			i++;
			j++;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Find the attribute called name (the word up to its '=', or the whole
 * word when it has none) in a "a=1 b=2" list; returns the word and its
 * length in *wl, or NULL. */
static const char *
attr_find(const char *val, const char *name, size_t nl, size_t *wl)
{
	const char *p = val;

	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		const char *eq;
		size_t l;

		l = end ? (size_t)(end - p) : strlen(p);
		eq = memchr(p, '=', l);
		if ((eq != NULL ? (size_t)(eq - p) : l) == nl &&
		    memcmp(p, name, nl) == 0) {
			*wl = l;
			return p;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return NULL;
}

static void
attrs_add(char *out, size_t n, size_t *used, const char *name, size_t nl)
{
	if (*used + nl + 2 > n)
		return;
	if (*used > 0)
		out[(*used)++] = ' ';
	memcpy(out + *used, name, nl);
	*used += nl;
	out[*used] = '\0';
}

static void
attrs_walk(const char *from, const char *other, bool both, char *out,
    size_t n, size_t *used)
{
	const char *p = from;

	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', l);
		size_t nl = eq ? (size_t)(eq - p) : l;
		size_t ol = 0;
		const char *ow = attr_find(other, p, nl, &ol);

		if (ow == NULL)
			attrs_add(out, n, used, p, nl);
		else if (both && (ol != l || memcmp(ow, p, l) != 0))
			attrs_add(out, n, used, p, nl);
		if (end == NULL)
			break;
		p = end + 1;
	}
}

void
item_changed_attrs(const char *old_val, const char *new_val, char *out,
    size_t n)
{
	size_t used = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	if (old_val == NULL || new_val == NULL)
		return;
	attrs_walk(old_val, new_val, true, out, n, &used);
	attrs_walk(new_val, old_val, false, out, n, &used);
}
