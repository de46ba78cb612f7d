/*
 * item.h - what fe-watch watches, reduced to one shape.
 *
 * Every watched thing is an item: a key naming it and a value describing
 * it, both printable one-line strings without tabs.  Keys start with the
 * collector's kind:
 *
 *   file:/etc/passwd            value "type=f mode=0644 uid=0 gid=0 size=.. ..."
 *   pkg:openssl:amd64           value "version=3.0.19-1~deb12u1 status=install/ok/installed"
 *   listen:tcp:127.0.0.1:22     value "listening"
 *   user:root / group:sudo      value "uid=0 gid=0 home=/root shell=/bin/bash ..."
 *   module:ext4                 value "size=..."
 *   unit:ssh.service            value "sha256=... from=DIR wanted-by=multi-user.target"
 *
 * (scan.h and docs/watch-collectors.md give every format exactly.)
 *
 * A change is the difference between two sets of items: added, removed, or
 * the value changed.  Collectors fill a struct wset; the baseline stores one;
 * reconciliation compares them.  Nothing here trusts the values: they are
 * data, compared as strings.
 */
#ifndef FE_WATCH_ITEM_H
#define FE_WATCH_ITEM_H

#include <stdbool.h>
#include <stddef.h>

#define ITEM_MAX_KEY 4200   /* "file:" + PATH_MAX and some */
#define ITEM_MAX_VAL 8192

struct witem {
	char *key;
	char *val;
};

struct wset {
	struct witem *v;
	size_t n, cap;
	bool sorted;
};

/* Add copies of key and val (val may be "" but not NULL). */
void wset_add(struct wset *s, const char *key, const char *val);
/* Add, taking ownership of key and val (malloc'ed). */
void wset_add_take(struct wset *s, char *key, char *val);
/* Add with a printf-formatted value. */
void wset_addf(struct wset *s, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sort by key (strcmp order); later duplicates of a key are dropped. */
void wset_sort(struct wset *s);
/* Binary search; the set must be sorted. */
const struct witem *wset_find(const struct wset *s, const char *key);
/* Remove every item whose key starts with prefix (e.g. "pkg:"). */
void wset_drop_prefix(struct wset *s, const char *prefix);
/* Move every item of src into dst (src ends empty). */
void wset_move(struct wset *dst, struct wset *src);
void wset_free(struct wset *s);

enum wchange_kind { WCHANGE_ADDED, WCHANGE_REMOVED, WCHANGE_CHANGED,
	WCHANGE__MAX };
extern const char *const wchange_kind_names[WCHANGE__MAX];

/* Called for each difference between sorted sets a (old) and b (new):
 * old_val is NULL for ADDED, new_val NULL for REMOVED.  A non-zero return
 * stops the walk and is returned. */
typedef int (*wset_diff_cb)(enum wchange_kind k, const char *key,
    const char *old_val, const char *new_val, void *arg);
int wset_diff(const struct wset *a, const struct wset *b, wset_diff_cb cb,
    void *arg);

/* The names of the attributes that differ between two values
 * ("sha256 mtime"); writes at most n bytes, always terminated. */
void item_changed_attrs(const char *old_val, const char *new_val, char *out,
    size_t n);

#endif
