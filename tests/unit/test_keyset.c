/* test_keyset.c - lib/keyset: SipHash-2-4 against the published vectors of
 * its authors (key 00..0f, messages 00..(n-1)), a pair hashed as one
 * string with a NUL between, and the set: never a miss for what was added
 * (across growth), and each set's key is its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/keyset.h"

static void
siphash_matches_published_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
		{ 7, 0xab0200f58b01d137ULL }, { 8, 0x93f5f5799a932462ULL },
		{ 15, 0xa129ca6149be45e5ULL }, { 16, 0x3f2acc7f57c29bdbULL },
		{ 63, 0x958a324ceb064572ULL },
	};
	uint8_t key[16], msg[64];
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_true(siphash24(key, msg, v[i].len) == v[i].want);
}

static void
pair_is_hashed_with_a_nul_between(void **state)
{
	struct keyset s;
	const char joined[] = "server\0" "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
	uint64_t one;

	(void)state;
	keyset_init(&s);
	one = siphash24(s.key, joined, sizeof(joined) - 1);
	assert_true(keyset_hash(&s, "server",
	    "0a1b2c3d4e5f60718293a4b5c6d7e8f9") == (one != 0 ? one : 1));
	/* the NUL keeps ("ab", "c") apart from ("a", "bc") */
	assert_true(keyset_hash(&s, "ab", "c") != keyset_hash(&s, "a", "bc"));
	assert_true(keyset_hash(&s, "abc", NULL) !=
	    keyset_hash(&s, "ab", "c"));
	keyset_free(&s);
}

static void
added_keys_are_never_missed(void **state)
{
	struct keyset s;
	char id[32];
	size_t i, stray = 0;

	(void)state;
	keyset_init(&s);
	for (i = 0; i < 100000; i += 2) {
		snprintf(id, sizeof(id), "req-%zu", i);
		keyset_add(&s, keyset_hash(&s, id, NULL));
	}
	assert_int_equal(s.n, 50000);
	assert_true(s.cap >= 2 * s.n);
	keyset_add(&s, keyset_hash(&s, "req-0", NULL));       /* again */
	assert_int_equal(s.n, 50000);
	for (i = 0; i < 100000; i++) {
		snprintf(id, sizeof(id), "req-%zu", i);
		if (i % 2 == 0)
			assert_true(keyset_has(&s, keyset_hash(&s, id, NULL)));
		else
			stray += (size_t)keyset_has(&s, keyset_hash(&s, id,
			    NULL));
	}
	/* 64-bit hashes: a stray yes among 50,000 would be a broken hash */
	assert_int_equal(stray, 0);
	keyset_free(&s);
}

static void
each_set_has_its_own_key(void **state)
{
	struct keyset a, b;

	(void)state;
	keyset_init(&a);
	keyset_init(&b);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
	assert_true(keyset_hash(&a, "req-1", NULL) !=
	    keyset_hash(&b, "req-1", NULL));
	keyset_free(&a);
	keyset_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_matches_published_vectors),
		cmocka_unit_test(pair_is_hashed_with_a_nul_between),
		cmocka_unit_test(added_keys_are_never_missed),
		cmocka_unit_test(each_set_has_its_own_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
