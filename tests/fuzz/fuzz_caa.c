/*
 * fuzz_caa.c - libFuzzer target for the CAA decision, caa_eval()
 * (src/web/dns.c): the records of one CAA RRset are bytes from somebody
 * else's DNS, so every flags byte, tag length, tag and value is hostile.
 *
 * Input: records one after another, each a 2-byte big-endian length and
 * that many bytes of RDATA (RFC 8659 4.1: flags, tag length, tag, value);
 * a last record shorter than its length takes what is left.  Up to
 * RECORDS_MAX records are used (more than caa_eval's 256, so its cap is
 * reached too).  Each record is an exact-size copy, so ASan sees any read
 * past its length.
 *
 * Invariants (abort() when broken), for wildcard false and true:
 *   - the result is 0 or FE_EPOLICY (FE_EINVAL and FE_EIO are tolerated,
 *     as caa_check may return them); an empty set is 0;
 *   - a refusal has a non-empty, NUL-terminated message of printable ASCII
 *     (it goes into a JSON answer and a log line) that begins with
 *     "C4: CAA at example.org";
 *   - the decision and the message do not depend on the order of the
 *     records (resolvers shuffle them);
 *   - a set that permits nobody's identities permits ours too, and a set
 *     that refuses ours refuses an empty identity list as well.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORDS_MAX 300
#define DOMAIN "example.org"

static const char *const ours[] = { "ca.foureyes.test", "Foureyes.Example",
    NULL };
static const char *const nobody[] = { NULL };

static void
check(int ok)
{
	if (!ok)
		abort();
}

struct result {
	int rc;
	struct fe_err err;
};

static void
eval(const uint8_t *const *rdata, const size_t *len, size_t n,
    bool wildcard, const char *const *ids, struct result *r)
{
	size_t l;

	memset(r->err.msg, 0x5a, sizeof(r->err.msg));
	r->err.msg[0] = '\0';
	r->rc = caa_eval(DOMAIN, rdata, len, n, wildcard, ids, &r->err);
	check(r->rc == 0 || r->rc == FE_EPOLICY || r->rc == FE_EINVAL ||
	    r->rc == FE_EIO);
	if (r->rc == 0)
		return;
	l = strnlen(r->err.msg, sizeof(r->err.msg));
	check(l > 0 && l < sizeof(r->err.msg));
	for (size_t i = 0; i < l; i++)
		check(r->err.msg[i] >= 0x20 && r->err.msg[i] <= 0x7e);
	if (r->rc == FE_EPOLICY)
		check(strncmp(r->err.msg, "C4: CAA at " DOMAIN,
		    strlen("C4: CAA at " DOMAIN)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *rec[RECORDS_MAX];
	static const uint8_t *fwd[RECORDS_MAX], *rev[RECORDS_MAX];
	static size_t len[RECORDS_MAX], rlen[RECORDS_MAX];
	struct result a, b, c;
	size_t n = 0, off = 0, l, i;
	int w;

	while (off + 2 <= size && n < RECORDS_MAX) {
		l = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (l > size - off)
			l = size - off;
		/* exact size; malloc(0) may be NULL, caa_eval gets a
		 * valid pointer all the same */
		if ((rec[n] = malloc(l ? l : 1)) == NULL)
			abort();
		memcpy(rec[n], data + off, l);
		len[n] = l;
		n++;
		off += l;
	}
	for (i = 0; i < n; i++) {
		fwd[i] = rec[i];
		rev[n - 1 - i] = rec[i];
		rlen[n - 1 - i] = len[i];
	}

	for (w = 0; w < 2; w++) {
		eval(fwd, len, n, w, ours, &a);
		if (n == 0)
			check(a.rc == 0);
		/* resolvers shuffle records: same decision, same text */
		eval(rev, rlen, n, w, ours, &b);
		check(a.rc == b.rc);
		if (a.rc != 0)
			check(strcmp(a.err.msg, b.err.msg) == 0);
		/* naming identities can only add permission */
		eval(fwd, len, n, w, nobody, &c);
		if (c.rc == 0)
			check(a.rc == 0);
		if (a.rc != 0)
			check(c.rc != 0);
	}

	for (i = 0; i < n; i++)
		free(rec[i]);
	return 0;
}
