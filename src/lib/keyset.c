/*
 * keyset.c - a set of strings kept as 64-bit keyed hashes (keyset.h).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "lib/err.h"
#include "lib/keyset.h"
#include "lib/seam.h"

struct sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;                  /* octets not yet in a block */
	size_t len;                     /* all octets so far */
};

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
sipround(struct sip *s, int n)
{
	while (n-- > 0) {
		s->v0 += s->v1;
		s->v1 = rotl(s->v1, 13);
		s->v1 ^= s->v0;
		s->v0 = rotl(s->v0, 32);
		s->v2 += s->v3;
		s->v3 = rotl(s->v3, 16);
		s->v3 ^= s->v2;
		s->v0 += s->v3;
		s->v3 = rotl(s->v3, 21);
		s->v3 ^= s->v0;
		s->v2 += s->v1;
		s->v1 = rotl(s->v1, 17);
		s->v1 ^= s->v2;
		s->v2 = rotl(s->v2, 32);
	}
}

static void
sip_init(struct sip *s, const uint8_t key[16])
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->len = 0;
}

static void
sip_block(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s, 2);
	s->v0 ^= m;
}

static void
sip_update(struct sip *s, const uint8_t *p, size_t n)
{
	while (n > 0) {
		s->tail |= (uint64_t)*p++ << (8 * (s->len % 8));
		s->len++;
		n--;
		if (s->len % 8 == 0) {
			sip_block(s, s->tail);
			s->tail = 0;
		}
		while (s->len % 8 == 0 && n >= 8) {
			sip_block(s, le64(p));
			p += 8;
			n -= 8;
			s->len += 8;
		}
	}
}

static uint64_t
sip_final(struct sip *s)
{
	sip_block(s, s->tail | (uint64_t)s->len << 56);
	s->v2 ^= 0xff;
	sipround(s, 4);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t
siphash24(const uint8_t key[16], const void *msg, size_t len)
{
	struct sip s;

	sip_init(&s, key);
	sip_update(&s, msg, len);
	return sip_final(&s);
}

void
keyset_init(struct keyset *s)
{
	memset(s, 0, sizeof(*s));
	fe_random(s->key, sizeof(s->key));
	s->cap = 1024;
	s->slot = fe_calloc(s->cap, sizeof(*s->slot));
}

void
keyset_free(struct keyset *s)
{
	free(s->slot);
	OPENSSL_cleanse(s, sizeof(*s));
}

uint64_t
keyset_hash(const struct keyset *s, const char *a, const char *b)
{
	struct sip st;
	uint64_t h;

	sip_init(&st, s->key);
	sip_update(&st, (const uint8_t *)a, strlen(a));
	if (b != NULL) {
		sip_update(&st, (const uint8_t *)"", 1);
		sip_update(&st, (const uint8_t *)b, strlen(b));
	}
	h = sip_final(&st);
	return h != 0 ? h : 1;          /* 0 marks an empty slot */
}

static size_t
find(const uint64_t *slot, size_t cap, uint64_t h)
{
	size_t i;

	for (i = (size_t)(h ^ (h >> 32)) & (cap - 1);
	    slot[i] != 0 && slot[i] != h; i = (i + 1) & (cap - 1))
		;
	return i;
}

int
keyset_has(const struct keyset *s, uint64_t h)
{
	return s->slot[find(s->slot, s->cap, h)] == h;
}

void
keyset_add(struct keyset *s, uint64_t h)
{
	size_t i = find(s->slot, s->cap, h);

	if (s->slot[i] == h)
		return;
	s->slot[i] = h;
	s->n++;
	if (2 * s->n > s->cap) {
		size_t cap = 2 * s->cap, j;
		uint64_t *slot = fe_calloc(cap, sizeof(*slot));

		for (j = 0; j < s->cap; j++)
			if (s->slot[j] != 0)
				slot[find(slot, cap, s->slot[j])] = s->slot[j];
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
}
