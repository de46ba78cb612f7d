/*
 * fuzz_bundle.c - libFuzzer target for the status bundle parser,
 * bundle_parse() (src/status/bundle.c): the PEM text fe-status takes from
 * whoever reaches its admin address.
 *
 * Invariants (abort() when broken) for a bundle that parses: at least one
 * item, at most BUNDLE_MAX_ITEMS; every item is a certificate or a CRL with
 * at least one byte, never more bytes than the input had; and writing the
 * items back as PEM and parsing that gives the same items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "status/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static size_t
emit(const struct bundle *b, char *out, size_t cap)
{
	size_t i, n = 0, j;

	for (i = 0; i < b->n; i++) {
		const char *kind = b->items[i].kind == BUNDLE_CERT ?
		    "CERTIFICATE" : "X509 CRL";

		n += (size_t)snprintf(out + n, cap - n, "-----BEGIN %s-----\n",
		    kind);
		/* 48 bytes per line: 64 characters */
		for (j = 0; j < b->items[i].len; j += 48) {
			size_t k = b->items[i].len - j < 48 ?
			    b->items[i].len - j : 48;

			n += (size_t)EVP_EncodeBlock((unsigned char *)out + n,
			    b->items[i].der + j, (int)k);
			out[n++] = '\n';
		}
		n += (size_t)snprintf(out + n, cap - n, "-----END %s-----\n\n",
		    kind);
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle b, again;
	struct fe_err err;
	size_t i, cap;
	char *txt;

	if (bundle_parse("fuzz", data, size, &b, &err) != 0)
		return 0;
	check(b.n >= 1 && b.n <= BUNDLE_MAX_ITEMS);
	cap = 64;
	for (i = 0; i < b.n; i++) {
		check(b.items[i].kind == BUNDLE_CERT ||
		    b.items[i].kind == BUNDLE_CRL);
		check(b.items[i].len >= 1 && b.items[i].len <= size);
		cap += b.items[i].len * 2 + 128;
	}
	txt = malloc(cap);
	check(txt != NULL);
	i = emit(&b, txt, cap);
	check(i < cap);
	check(bundle_parse("again", (uint8_t *)txt, i, &again, &err) == 0);
	check(again.n == b.n);
	for (i = 0; i < b.n; i++)
		check(again.items[i].kind == b.items[i].kind &&
		    again.items[i].len == b.items[i].len &&
		    memcmp(again.items[i].der, b.items[i].der,
		    b.items[i].len) == 0);
	bundle_free(&again);
	bundle_free(&b);
	free(txt);
	return 0;
}
