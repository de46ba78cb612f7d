/*
 * smap.h - a string-keyed hash map (open addressing, linear probing,
 * tombstones), for fe-watch's baseline and pending changes, which may hold
 * millions of keys and change one key at a time.
 */
#ifndef FE_WATCH_SMAP_H
#define FE_WATCH_SMAP_H

#include <stddef.h>

struct smap_ent {
	char *key;               /* NULL: empty; SMAP_TOMB: deleted */
	void *val;
};

struct smap {
	struct smap_ent *t;
	size_t cap, n, used;     /* used counts tombstones too */
	void (*free_val)(void *);
};

void smap_init(struct smap *m, void (*free_val)(void *));
void *smap_get(const struct smap *m, const char *key);
/* Insert or replace; takes key (malloc'ed) and val.  A replaced value is
 * freed with free_val, and the new key freed. */
void smap_put_take(struct smap *m, char *key, void *val);
/* Remove; frees key and value.  Returns 1 if it was there. */
int smap_del(struct smap *m, const char *key);
/* Iterate: for (i = 0; smap_next(m, &i, &e); ) */
int smap_next(const struct smap *m, size_t *i, const struct smap_ent **e);
void smap_free(struct smap *m);

#endif
