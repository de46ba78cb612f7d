/*
 * fuzz_baseline.c - libFuzzer target for the stored baseline's parser
 * (baseline_parse, src/watch/baseline.c), run on each input twice: without
 * a key (signature not checked) and with the fixed test key the seeds are
 * signed with (fixed_baseline.h).
 *
 * Invariants (abort() when broken): a refusal names the input ("fuzz: " or
 * "fuzz line N: ") and leaves the output untouched; with the key it
 * parses only if it parses without, and then to the same baseline; what
 * parses has a printable host of 1 to 64 bytes, at most
 * BASELINE_MAX_ITEMS items in strictly increasing key order, each key
 * non-empty without tab or newline and at most ITEM_MAX_KEY bytes, each
 * value without tab or newline; the digest is the SHA-256 of every byte
 * before the "sha256: " line and that line carries it in hex (either
 * case); the input
 * ends with a newline, and the item count in the header is the one parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "watch/baseline.h"
#include "fixed_baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_refusal(const struct fe_err *err, const struct baseline *b)
{
	check(strncmp(err->msg, "fuzz: ", 6) == 0 ||
	    strncmp(err->msg, "fuzz line ", 10) == 0);
	check(b->host == NULL && b->items.v == NULL && b->generation == 0);
}

static void
check_parsed(const struct baseline *b, const uint8_t *data, size_t size)
{
	char want[96];
	const uint8_t *s;
	uint8_t md[32];
	size_t i, hl;

	hl = strlen(b->host);
	check(hl >= 1 && hl <= 64);
	for (i = 0; i < hl; i++)
		check((unsigned char)b->host[i] >= 0x20 &&
		    (unsigned char)b->host[i] != 0x7f);
	check(b->reason != NULL && strpbrk(b->reason, "\n\t") == NULL);
	check(b->items.n <= BASELINE_MAX_ITEMS && b->items.sorted);
	for (i = 0; i < b->items.n; i++) {
		const struct witem *it = &b->items.v[i];
		size_t kl = strlen(it->key);

		check(kl >= 1 && kl <= ITEM_MAX_KEY);
		check(strpbrk(it->key, "\t\n") == NULL);
		check(strpbrk(it->val, "\t\n") == NULL);
		if (i > 0)
			check(strcmp(b->items.v[i - 1].key, it->key) < 0);
		check(wset_find(&b->items, it->key) == it);
	}
	check(size > 0 && data[size - 1] == '\n');
	snprintf(want, sizeof(want), "\nitems: %zu\n\n", b->items.n);
	check(memmem(data, size, want, strlen(want)) != NULL);
	/* the last "sha256: " line (an item's value may hold the text) */
	s = NULL;
	for (i = 0; i + 9 + 64 <= size; i++)
		if (memcmp(data + i, "\nsha256: ", 9) == 0)
			s = data + i;
	check(s != NULL && s[9 + 64] == '\n');
	check(hex_decode((const char *)s + 9, 64, md, 32) == 0);
	check(memcmp(md, b->digest, 32) == 0);
	check(EVP_Digest(data, (size_t)(s + 1 - data), md, NULL, EVP_sha256(),
	    NULL) == 1);
	check(memcmp(md, b->digest, 32) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline a, k;
	struct fe_err err;
	int ra, rk;
	size_t i;

	if (size > 1 << 20)
		return 0;
	memset(&a, 0, sizeof(a));
	memset(&k, 0, sizeof(k));
	ra = baseline_parse("fuzz", data, size, NULL, &a, &err);
	if (ra != 0)
		check_refusal(&err, &a);
	else
		check_parsed(&a, data, size);
	rk = baseline_parse("fuzz", data, size, fuzz_baseline_pub, &k, &err);
	if (rk != 0) {
		check_refusal(&err, &k);
	} else {
		check(ra == 0);
		check(strcmp(a.host, k.host) == 0 &&
		    strcmp(a.reason, k.reason) == 0 &&
		    a.generation == k.generation && a.written == k.written &&
		    memcmp(a.digest, k.digest, 32) == 0 &&
		    a.items.n == k.items.n);
		for (i = 0; i < a.items.n; i++)
			check(strcmp(a.items.v[i].key, k.items.v[i].key) == 0 &&
			    strcmp(a.items.v[i].val, k.items.v[i].val) == 0);
	}
	baseline_clear(&a);
	baseline_clear(&k);
	return 0;
}
