/*
 * collect_util.h - pieces shared by the collectors of collect.h: paths
 * under ROOT, bounded reads of whole files, a line cursor that counts
 * lines, numbers from byte spans, percent-encoding of free text into item
 * keys and values, and truncated SHA-256 in hex.  Internal to src/watch.
 */
#ifndef FE_WATCH_COLLECT_UTIL_H
#define FE_WATCH_COLLECT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "watch/item.h"

#define CPATH_MAX 4096

/* Hex digits kept of a SHA-256 in values: 16 (64 bits) where the hash
 * only has to show that something changed, 64 for file contents. */
#define HASH_SHORT 16
#define HASH_FULL 64

/* out = ROOT + rel (rel starts with "/"; ROOT "/" adds nothing). */
int cpath(char *out, size_t n, const char *root, const char *rel,
    struct fe_err *err);

/* Read ROOT + rel whole, at most max bytes, NUL-terminated; path gets the
 * joined name (for messages).  FE_ENOENT when it does not exist (message
 * set all the same), FE_EIO for anything else. */
int cread(const char *root, const char *rel, size_t max, char *path,
    size_t pathn, uint8_t **p, size_t *len, struct fe_err *err);

/* A cursor over text lines that numbers them for messages. */
struct lines {
	struct rd rd;
	const char *name;
	size_t lineno;
	size_t max;
};

void lines_init(struct lines *l, const char *name, const uint8_t *p,
    size_t len, size_t max);
/* 1 and the next line (without "\n"), 0 at the end, or FE_EINVAL for a
 * line over the cap or one holding a NUL byte ("NAME line N: ..."). */
int lines_next(struct lines *l, const char **s, size_t *n,
    struct fe_err *err);

/* Digits only (base 10 or 16), no sign, no blanks, at most max: 0 or -1. */
int span_u64(const char *s, size_t n, int base, uint64_t max, uint64_t *out);
/* Case-insensitive equality of a span and a C string. */
bool span_ieq(const char *s, size_t n, const char *lit);
bool span_eq(const char *s, size_t n, const char *lit);

/* Append s[0..n) with every byte that is not printable ASCII, and every
 * byte of extra (plus '%' itself), written %XX: the result has no blanks,
 * tabs or newlines.  -1 when b is full. */
int penc(struct buf *b, const char *s, size_t n, const char *extra);
/* Characters encoded in names used in keys besides the defaults. */
#define PENC_NAME "#,="
/* ... and in values that are lists ("a,b") or attributes ("k=v"). */
#define PENC_VAL ",="

/* The first nhex (<= 64, even) hex digits of SHA-256(p, n) into hex
 * (nhex + 1 bytes).  FE_ECRYPTO on failure. */
int sha256_hex(const void *p, size_t n, char *hex, size_t nhex,
    struct fe_err *err);

/* Finish b as a C string and add (key, b) to out, checking the item caps;
 * b is freed either way.  FE_EINVAL with "what: value too long". */
int item_put(struct wset *out, const char *key, struct buf *b,
    const char *what, struct fe_err *err);


/* Sort tmp and fail on a key that occurs twice ("NAME: duplicate K"). */
int wset_check_unique(struct wset *tmp, const char *name, struct fe_err *err);

#endif
