/*
 * fuzz_chainlog.c - libFuzzer target for the hash-chained log reader
 * (src/lib/chainlog.c): clog_parse_line() on the input as one line (up to
 * its first newline) and clog_verify_mem() on the input as a whole log,
 * with and without an expected head.
 *
 * Invariants (abort() when broken): a line that parses has seq > 0; a type
 * of 1 to CLOG_MAX_TYPE bytes of [a-z0-9._-]; a 27-byte time ending in 'Z';
 * a NUL-terminated payload of at most CLOG_MAX_PAYLOAD bytes; and writing
 * the record back out (payload escaped as the writer does, hashes in
 * lower-case hex) gives a line that parses to the same record.  A log that
 * verifies has as many records as lines, ends at last_seq == records, and
 * verifies again when its own head is given as the expected head, while a
 * different head is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/chainlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* The record written back the way clog_append_nosync() writes it. */
static void
roundtrip(const struct clog_rec *r)
{
	static const char digits[] = "0123456789abcdef";
	struct clog_rec again;
	struct fe_err err;
	struct buf b;
	char hx[65];
	size_t i;

	buf_init(&b, CLOG_MAX_LINE);
	check(buf_printf(&b, "%llu\t%s\t%s\t", (unsigned long long)r->seq,
	    r->time, r->type) == 0);
	for (i = 0; i < r->len; i++) {
		uint8_t c = r->payload[i];
		uint8_t esc[3] = { '%', (uint8_t)digits[c >> 4],
		    (uint8_t)digits[c & 15] };
		if (c >= 0x20 && c <= 0x7e && c != '%')
			check(buf_add_u8(&b, c) == 0);
		else
			check(buf_add(&b, esc, 3) == 0);
	}
	hex_encode(r->prev, 32, hx);
	check(buf_printf(&b, "\t%s", hx) == 0);
	hex_encode(r->hash, 32, hx);
	check(buf_printf(&b, "\t%s", hx) == 0);
	check(clog_parse_line((const char *)b.p, b.len, &again, &err) == 0);
	check(again.seq == r->seq && again.len == r->len &&
	    strcmp(again.time, r->time) == 0 &&
	    strcmp(again.type, r->type) == 0 &&
	    memcmp(again.payload, r->payload, r->len) == 0 &&
	    memcmp(again.prev, r->prev, 32) == 0 &&
	    memcmp(again.hash, r->hash, 32) == 0);
	clog_rec_clear(&again);
	buf_free(&b);
}

static void
one_line(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - data) : size, i, n;
	struct clog_rec r;
	struct fe_err err;

	if (clog_parse_line((const char *)data, len, &r, &err) != 0)
		return;
	check(r.seq > 0);
	n = strnlen(r.type, sizeof(r.type));
	check(n >= 1 && n <= CLOG_MAX_TYPE);
	for (i = 0; i < n; i++)
		check(strchr("abcdefghijklmnopqrstuvwxyz0123456789._-",
		    r.type[i]) != NULL);
	check(strnlen(r.time, sizeof(r.time)) == 27 && r.time[26] == 'Z');
	check(r.payload != NULL && r.len <= CLOG_MAX_PAYLOAD &&
	    r.payload[r.len] == '\0');
	roundtrip(&r);
	clog_rec_clear(&r);
}

static void
whole_log(const uint8_t *data, size_t size)
{
	struct clog_summary sum, again;
	struct fe_err err;
	uint8_t other[32];
	size_t lines = 0, i;

	if (clog_verify_mem("fuzz.log", data, size, NULL, &sum, &err) != 0)
		return;
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (size > 0 && data[size - 1] != '\n')
		lines++;
	check(sum.records == lines);
	check(sum.last_seq == sum.records);
	check(sum.torn_tail == (size > 0 && data[size - 1] != '\n'));
	check(clog_verify_mem("fuzz.log", data, size, sum.head, &again,
	    &err) == 0);
	check(again.records == sum.records &&
	    memcmp(again.head, sum.head, 32) == 0);
	memcpy(other, sum.head, 32);
	other[31] ^= 1;
	check(clog_verify_mem("fuzz.log", data, size, other, NULL, &err) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_line(data, size);
	whole_log(data, size);
	return 0;
}
