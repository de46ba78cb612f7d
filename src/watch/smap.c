/*
 * smap.c - string-keyed hash map (see smap.h).  FNV-1a hashing; at 70 %
 * load (tombstones included) the table is rebuilt at under 50 % load of
 * its live keys, so lookups stay short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "watch/smap.h"

static char tomb;
#define SMAP_TOMB (&tomb)

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

void
smap_init(struct smap *m, void (*free_val)(void *))
{
	memset(m, 0, sizeof(*m));
	m->free_val = free_val;
}

static struct smap_ent *
find(const struct smap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct smap_ent *e = &m->t[i];

		if (e->key == NULL)
			return NULL;
		if (e->key != SMAP_TOMB && strcmp(e->key, key) == 0)
			return e;
	}
}

void *
smap_get(const struct smap *m, const char *key)
{
	struct smap_ent *e = find(m, key);

	return e != NULL ? e->val : NULL;
}

static void
grow(struct smap *m)
{
	struct smap_ent *old = m->t;
	size_t oldcap = m->cap, i;

	/* Sized by the live keys: when tombstones filled the table, this
	 * rehashes at the same size (or smaller) instead of doubling, so keys
	 * that come and go never grow it without bound. */
	m->cap = 64;
	while ((m->n + 1) * 10 >= m->cap * 5)
		m->cap *= 2;
	m->t = fe_calloc(m->cap, sizeof(*m->t));
	m->used = m->n;
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].key == NULL || old[i].key == SMAP_TOMB)
			continue;
		for (j = hash(old[i].key) & (m->cap - 1); m->t[j].key != NULL;
		    j = (j + 1) & (m->cap - 1))
			;
		m->t[j] = old[i];
	}
	free(old);
}

void
smap_put_take(struct smap *m, char *key, void *val)
{
	struct smap_ent *e = find(m, key);
	size_t i;

	if (e != NULL) {
		if (m->free_val != NULL && e->val != val)
			m->free_val(e->val);
		e->val = val;
		free(key);
		return;
	}
	if ((m->used + 1) * 10 >= m->cap * 7)
		grow(m);
	for (i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (m->t[i].key == NULL || m->t[i].key == SMAP_TOMB)
			break;
	if (m->t[i].key == NULL)
		m->used++;
	m->t[i].key = key;
	m->t[i].val = val;
	m->n++;
}

int
smap_del(struct smap *m, const char *key)
{
	struct smap_ent *e = find(m, key);

	if (e == NULL)
		return 0;
	free(e->key);
	if (m->free_val != NULL)
		m->free_val(e->val);
	e->key = SMAP_TOMB;
	e->val = NULL;
	m->n--;
	return 1;
}

int
smap_next(const struct smap *m, size_t *i, const struct smap_ent **e)
{
	while (*i < m->cap) {
		const struct smap_ent *x = &m->t[(*i)++];

		if (x->key != NULL && x->key != SMAP_TOMB) {
			*e = x;
			return 1;
		}
	}
	return 0;
}

void
smap_free(struct smap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		if (m->t[i].key == NULL || m->t[i].key == SMAP_TOMB)
			continue;
		free(m->t[i].key);
		if (m->free_val != NULL)
			m->free_val(m->t[i].val);
	}
	free(m->t);
	memset(m, 0, sizeof(*m));
}
