/* test_lib.c - bounded buffers, cursors, hex, time parsing, INI config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/seam.h"

static void
buf_max_is_enforced(void **state)
{
	struct buf b;
	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_add(&b, "12345678", 8), 0);
	assert_int_equal(buf_add(&b, "9", 1), -1);
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_printf(&b, "%s", ""), -1); /* needs NUL room */
	buf_free(&b);
}

static void
rd_fails_on_short_input(void **state)
{
	struct rd r;
	uint32_t v32;
	uint64_t v64;
	uint8_t x[4] = { 1, 2, 3, 4 };
	(void)state;
	rd_init(&r, x, 4);
	assert_int_equal(rd_u64be(&r, &v64), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(rd_u32be(&r, &v32), 0);
	assert_int_equal(v32, 0x01020304);
	assert_int_equal(rd_u32be(&r, &v32), -1);
}

static void
rd_line_splits_and_caps(void **state)
{
	struct rd r;
	const char *l;
	size_t n;
	const char *text = "ab\r\ncd\nlonglongline";
	(void)state;
	rd_init(&r, text, strlen(text));
	assert_int_equal(rd_line(&r, 10, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(l, "ab", 2);
	assert_int_equal(rd_line(&r, 10, &l, &n), 0);
	assert_memory_equal(l, "cd", 2);
	assert_int_equal(rd_line(&r, 10, &l, &n), -1);   /* 12 > 10 */
}

static void
text_quote_escapes_and_cuts(void **state)
{
	char out[32];

	(void)state;
	/* the chosen quote and backslash escaped, others as they are */
	assert_string_equal(text_quote("a'b\"c\\", 6, 64, '\'', out,
	    sizeof(out)), "a\\'b\"c\\\\");
	assert_string_equal(text_quote("a'b\"c", 5, 64, '"', out,
	    sizeof(out)), "a'b\\\"c");
	/* controls and bytes past ASCII, NUL included */
	assert_string_equal(text_quote("\0x\n\xff", 4, 64, '"', out,
	    sizeof(out)), "\\x00x\\x0a\\xff");
	/* cut after max_in bytes, or before out would overflow */
	assert_string_equal(text_quote("abcdef", 6, 3, '"', out, sizeof(out)),
	    "abc...");
	assert_string_equal(text_quote("0123456789", 10, 64, '"', out, 12),
	    "01234...");
}

static void
hex_roundtrip_and_rejects(void **state)
{
	uint8_t in[3] = { 0x00, 0xab, 0xff }, out[3];
	char hx[7];
	(void)state;
	hex_encode(in, 3, hx);
	assert_string_equal(hx, "00abff");
	assert_int_equal(hex_decode("00ABff", 6, out, 3), 0);
	assert_memory_equal(in, out, 3);
	assert_int_equal(hex_decode("00abf", 5, out, 3), -1);
	assert_int_equal(hex_decode("00abfg", 6, out, 3), -1);
}

static void
time_parse_rejects_bad_dates(void **state)
{
	int64_t t;
	char s[FE_TIME_STR];
	(void)state;
	assert_int_equal(fe_time_parse("2026-03-15T00:00:00Z", &t), 0);
	assert_int_equal(t, 1773532800);
	assert_int_equal(fe_time_format_sec(t, s), 0);
	assert_string_equal(s, "2026-03-15T00:00:00Z");
	assert_int_equal(fe_time_parse("2026-03-15", &t), 0);
	assert_int_equal(fe_time_parse("2025-02-29", &t), -1);
	assert_int_equal(fe_time_parse("2024-02-29", &t), 0);
	assert_int_equal(fe_time_parse("2026-13-01", &t), -1);
	assert_int_equal(fe_time_parse("2026-01-01T24:00:00Z", &t), -1);
	assert_int_equal(fe_time_parse("2026-01-01 00:00:00", &t), -1);
}

/* One second t: fe_utc against gmtime_r, the formats against strftime. */
static void
utc_matches_gmtime(int64_t t)
{
	struct fe_utc u;
	struct tm tm;
	time_t tt = (time_t)t;
	char want[64], got[FE_TIME_STR];
	struct timespec ts = { .tv_sec = tt, .tv_nsec = 123456789 };

	assert_non_null(gmtime_r(&tt, &tm));
	fe_utc(t, &u);
	if (u.year != tm.tm_year + 1900 || u.mon != (unsigned)tm.tm_mon + 1 ||
	    u.mday != (unsigned)tm.tm_mday || u.hour != (unsigned)tm.tm_hour ||
	    u.min != (unsigned)tm.tm_min || u.sec != (unsigned)tm.tm_sec)
		fail_msg("fe_utc(%lld): %lld-%u-%u %u:%u:%u, gmtime_r says "
		    "%d-%d-%d %d:%d:%d", (long long)t, (long long)u.year,
		    u.mon, u.mday, u.hour, u.min, u.sec, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		assert_int_equal(fe_time_format_sec(t, got), -1);
		return;
	}
	assert_int_equal(fe_time_format_sec(t, got), 0);
	/* %Y would not pad a year before 1000 to four digits */
	snprintf(want, sizeof(want), "%04d", tm.tm_year + 1900);
	strftime(want + 4, sizeof(want) - 4, "-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(got, want);
	fe_time_format(ts, got);
	want[19] = '\0';
	assert_int_equal(strncmp(got, want, 19), 0);
	assert_string_equal(got + 19, ".123456Z");
}

static void
utc_by_arithmetic_is_gmtime(void **state)
{
	/* 0000-01-01, 1899-12-31 23:59:59, 1900-03-01 (not a leap year),
	 * the epoch and the second before, 2000-02-29, 2024-02-29
	 * 23:59:59, 2100-03-01, the last second of 9999 and the first
	 * of 10000 */
	static const int64_t edge[] = { -62167219200LL, -2208988801LL,
	    -2203891200LL, -1, 0, 951782400LL, 1709251199LL, 4107542400LL,
	    253402300799LL, 253402300800LL, -62167219201LL };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		utc_matches_gmtime(edge[i]);
	for (i = 0; i < 200000; i++) {          /* years -100 to 10100 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		utc_matches_gmtime(-65322000000LL +
		    (int64_t)(x % 321930000000ULL));
	}
}

static void
conf_typed_getters_name_bad_values(void **state)
{
	struct conf *c;
	struct fe_err err;
	uint64_t u;
	bool b;
	int e;
	char **items;
	size_t n;
	static const char *const names[] = { "rsa-4096", "ec-p384" };
	(void)state;
	assert_int_equal(conf_load_string("t.ini",
	    "[a]\nnum = 12x\nok = 7\nflag = maybe\nalg = dsa\n"
	    "list = x, y ,z\nempty = x,,y\nurl = http://h/a;b\n", &c, &err), 0);
	assert_int_not_equal(conf_uint(c, "a", "num", 1, 100, 0, &u, &err), 0);
	assert_non_null(strstr(err.msg, "[a] num = '12x'"));
	assert_int_equal(conf_uint(c, "a", "ok", 1, 100, 0, &u, &err), 0);
	assert_int_equal(u, 7);
	assert_int_not_equal(conf_uint(c, "a", "ok", 8, 100, 0, &u, &err), 0);
	assert_non_null(strstr(err.msg, "from 8 to 100"));
	assert_int_not_equal(conf_bool(c, "a", "flag", false, &b, &err), 0);
	assert_non_null(strstr(err.msg, "'maybe'"));
	assert_int_not_equal(conf_enum(c, "a", "alg", names, 2, -1, &e, &err),
	    0);
	assert_non_null(strstr(err.msg, "rsa-4096, ec-p384"));
	assert_int_equal(conf_list(c, "a", "list", &items, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[1], "y");
	conf_list_free(items, n);
	assert_int_not_equal(conf_list(c, "a", "empty", &items, &n, &err), 0);
	/* inline comments are off: the ';' stays in the value */
	assert_string_equal(conf_str(c, "a", "url"), "http://h/a;b");
	assert_int_equal(conf_check_unused(c, &err), 0);
	assert_int_equal(conf_uint(c, "a", "absent", 1, 9, 5, &u, &err), 0);
	assert_int_equal(u, 5);
	conf_free(c);
}

static void
conf_rejects_duplicates_unknown_and_garbage(void **state)
{
	struct conf *c;
	struct fe_err err;
	(void)state;
	assert_int_not_equal(conf_load_string("d.ini", "[s]\nk=1\nk=2\n", &c,
	    &err), 0);
	assert_non_null(strstr(err.msg, "[s] k is given twice"));
	assert_int_not_equal(conf_load_string("g.ini", "[s]\nk=1\nnonsense\n",
	    &c, &err), 0);
	assert_non_null(strstr(err.msg, "line 3"));
	assert_int_equal(conf_load_string("u.ini", "[s]\nk=1\ntypo=2\n", &c,
	    &err), 0);
	(void)conf_str(c, "s", "k");
	assert_int_not_equal(conf_check_unused(c, &err), 0);
	assert_non_null(strstr(err.msg, "[s] typo: unknown key"));
	conf_free(c);
}

/* libinih would read a longer line in two pieces: "k = AAA...", then the
 * rest of the line as a key of its own. */
static void
conf_rejects_long_lines(void **state)
{
	char text[2 * CONF_MAX_LINE];
	struct conf *c;
	struct fe_err err;
	int n;
	(void)state;
	n = snprintf(text, sizeof(text), "[s]\nk = %0*d\n",
	    CONF_MAX_LINE - 3 - 4, 0);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(conf_load_string("l.ini", text, &c, &err), 0);
	assert_int_equal(strlen(conf_str(c, "s", "k")), CONF_MAX_LINE - 7);
	conf_free(c);
	snprintf(text, sizeof(text), "[s]\nk = %0*dz = evil\n",
	    CONF_MAX_LINE - 3 - 4 - 8 + 1, 0);
	assert_int_not_equal(conf_load_string("l.ini", text, &c, &err), 0);
	assert_string_equal(err.msg, "l.ini: line 2: longer than 4093 bytes");
	snprintf(text, sizeof(text), "[s]\nk = %0*d", CONF_MAX_LINE, 0);
	assert_int_not_equal(conf_load_string("l.ini", text, &c, &err), 0);
	assert_string_equal(err.msg, "l.ini: line 2: longer than 4093 bytes");
}

/* utf8_next(): one to four octets; overlongs, surrogates, code points
 * over U+10FFFF, stray continuation octets and cut sequences refused. */
static void
utf8_next_rfc3629(void **state)
{
	static const struct {
		const char *s;
		long cp;                  /* -1: refused */
	} cases[] = {
		{ "A", 0x41 }, { "\xc3\xab", 0xeb }, { "\xe2\x82\xac", 0x20ac },
		{ "\xf0\x9f\x98\x80", 0x1f600 }, { "\xf4\x8f\xbf\xbf", 0x10ffff },
		{ "\xc0\xaf", -1 }, { "\xe0\x80\xaf", -1 },
		{ "\xf0\x80\x80\xaf", -1 }, { "\xed\xa0\x80", -1 },
		{ "\xf4\x90\x80\x80", -1 }, { "\x80", -1 }, { "\xc3", -1 },
		{ "\xe2\x82", -1 }, { "\xf8\x88\x80\x80\x80", -1 },
	};
	size_t k, i;
	uint32_t cp;
	int rc;
	(void)state;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		i = 0;
		cp = 0;
		rc = utf8_next((const uint8_t *)cases[k].s,
		    strlen(cases[k].s), &i, &cp);
		if (cases[k].cp < 0) {
			assert_int_equal(rc, -1);
			assert_int_equal(i, 0);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(cp, (uint32_t)cases[k].cp);
			assert_int_equal(i, strlen(cases[k].s));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_max_is_enforced),
		cmocka_unit_test(text_quote_escapes_and_cuts),
		cmocka_unit_test(rd_fails_on_short_input),
		cmocka_unit_test(rd_line_splits_and_caps),
		cmocka_unit_test(hex_roundtrip_and_rejects),
		cmocka_unit_test(time_parse_rejects_bad_dates),
		cmocka_unit_test(utc_by_arithmetic_is_gmtime),
		cmocka_unit_test(conf_typed_getters_name_bad_values),
		cmocka_unit_test(conf_rejects_duplicates_unknown_and_garbage),
		cmocka_unit_test(conf_rejects_long_lines),
		cmocka_unit_test(utf8_next_rfc3629),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
