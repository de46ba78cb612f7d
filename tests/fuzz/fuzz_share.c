/*
 * fuzz_share.c - libFuzzer target for the custody texts (src/pki/custody.c):
 * share_parse() and custody_parse() (what share_read_file and custody_read
 * do after reading the file) on the whole input, then, when the input is a
 * bundle of parts separated by lines "=====", the first part as a custody
 * record and the others as shares handed to custody_combine().
 *
 * Invariants (abort() when broken): a share that parses has 2 <= m <= n <=
 * SHARES_MAX, 1 <= nr <= n and a non-empty custodian; share_format() writes
 * it and the text parses back to the same share.  A custody record that
 * parses has 2 <= m <= n <= SHARES_MAX, shares numbered 1 to n with
 * non-empty names; written back in the documented format it parses to the
 * same record.  When custody_combine() succeeds: at least m shares, all of
 * the record's ceremony, with distinct numbers, and the shares in reverse
 * order rebuild the same key.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/buf.h"
#include "pki/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "=====\n"

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_share(const struct share *s)
{
	struct share again;
	struct fe_err err;
	struct buf b;
	size_t n;

	check(s->m >= 2 && s->m <= s->n && s->n <= SHARES_MAX);
	check(s->nr >= 1 && s->nr <= s->n);
	n = strnlen(s->custodian, CUSTODIAN_MAX);
	check(n > 0 && n < CUSTODIAN_MAX);
	buf_init(&b, SHARE_TEXT_MAX);
	check(share_format(s, &b) == 0);
	check(share_parse("formatted", b.p, b.len, &again, &err) == 0);
	check(memcmp(&again, s, sizeof(again)) == 0);
	buf_wipe(&b);
}

/* The record written as custody_write() writes it (docs/key-custody.md). */
static void
check_custody(const struct custody *c)
{
	struct custody again;
	struct fe_err err;
	struct buf b;
	char hx[65];
	unsigned i;

	check(c->m >= 2 && c->m <= c->n && c->n <= SHARES_MAX);
	buf_init(&b, CUSTODY_TEXT_MAX);
	hex_encode(c->ceremony, CEREMONY_ID_LEN, hx);
	check(buf_printf(&b, "foureyes custody v1\nceremony %s\n"
	    "threshold %u of %u\n", hx, c->m, c->n) == 0);
	for (i = 0; i < c->n; i++) {
		check(c->share[i].nr == i + 1);
		check(c->share[i].custodian[0] != '\0' &&
		    strnlen(c->share[i].custodian, CUSTODIAN_MAX) <
		    CUSTODIAN_MAX);
		hex_encode(c->share[i].commit, 32, hx);
		check(buf_printf(&b, "share %u %s %s\n", c->share[i].nr, hx,
		    c->share[i].custodian) == 0);
	}
	hex_encode(c->kek_check, 32, hx);
	check(buf_printf(&b, "kek-check %s\n", hx) == 0);
	check(custody_parse("formatted", b.p, b.len, &again, &err) == 0);
	check(memcmp(&again, c, sizeof(again)) == 0);
	buf_free(&b);
}

static void
bundle(const uint8_t *data, size_t size)
{
	struct share sh[SHARES_MAX + 2], rev[SHARES_MAX + 2];
	uint8_t kek[KEK_LEN], kek2[KEK_LEN];
	const uint8_t *part[SHARES_MAX + 3];
	size_t plen[SHARES_MAX + 3], nparts = 0, i, j, k = 0, start = 0;
	struct custody c;
	struct fe_err err;

	/* Split at lines "=====". */
	for (i = 0; i + sizeof(SEP) - 1 <= size; i++) {
		if ((i == 0 || data[i - 1] == '\n') &&
		    memcmp(data + i, SEP, sizeof(SEP) - 1) == 0) {
			if (nparts == SHARES_MAX + 2)
				return;
			part[nparts] = data + start;
			plen[nparts++] = i - start;
			start = i + sizeof(SEP) - 1;
			i = start - 1;
		}
	}
	if (nparts == 0)
		return;
	part[nparts] = data + start;
	plen[nparts++] = size - start;
	if (custody_parse("bundle", part[0], plen[0], &c, &err) != 0)
		return;
	for (i = 1; i < nparts; i++)
		if (share_parse("bundle", part[i], plen[i], &sh[k], &err) == 0)
			k++;
	if (custody_combine(&c, sh, k, kek, &err) == 0) {
		check(k >= c.m);
		for (i = 0; i < k; i++) {
			check(memcmp(sh[i].ceremony, c.ceremony,
			    CEREMONY_ID_LEN) == 0);
			for (j = 0; j < i; j++)
				check(sh[i].nr != sh[j].nr);
			rev[k - 1 - i] = sh[i];
		}
		check(custody_combine(&c, rev, k, kek2, &err) == 0);
		check(CRYPTO_memcmp(kek, kek2, KEK_LEN) == 0);
	}
	OPENSSL_cleanse(sh, sizeof(sh));
	OPENSSL_cleanse(rev, sizeof(rev));
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(kek2, sizeof(kek2));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share s;
	struct custody c;
	struct fe_err err;

	if (share_parse("fuzz", data, size, &s, &err) == 0)
		check_share(&s);
	if (custody_parse("fuzz", data, size, &c, &err) == 0)
		check_custody(&c);
	bundle(data, size);
	return 0;
}
