/*
 * keyset.h - a set of strings kept as 64-bit keyed hashes (SipHash-2-4).
 *
 * For "have I seen this before?" over a store too large to keep in full:
 * a string's 64-bit SipHash under a key drawn at random when the set is
 * made.  keyset_has() never misses a string that was added; it may answer
 * yes for one that was not (about n / 2^64 for a set of n), so a yes is a
 * hint that the caller confirms against the store, and a no is final.
 * Without the key nobody can choose strings that collide, in the hash or
 * in the table (open addressing, kept under half full).
 */
#ifndef FE_KEYSET_H
#define FE_KEYSET_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of msg under a 16-octet key. */
uint64_t siphash24(const uint8_t key[16], const void *msg, size_t len);

struct keyset {
	uint8_t key[16];
	uint64_t *slot;                 /* 0: empty */
	size_t cap;                     /* a power of two */
	size_t n;
};

/* An empty set with a fresh random key (fe_random). */
void keyset_init(struct keyset *s);
void keyset_free(struct keyset *s);
/* The key of one string, or of a pair (a, NUL, b) when b is not NULL. */
uint64_t keyset_hash(const struct keyset *s, const char *a, const char *b);
/* 1 if h may have been added, 0 if it certainly was not. */
int keyset_has(const struct keyset *s, uint64_t h);
void keyset_add(struct keyset *s, uint64_t h);

#endif
