/* test_mime.c - the shared mail pieces (src/lib/mime.c): RFC 5322 dates in
 * UTC, quoted-printable lines (encoding, soft breaks at 76, white space at
 * a line end, CRLF, the final line end) and the upload reader. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/mime.h"

static void
date_in_utc(void **state)
{
	char d[64];

	(void)state;
	mime_date(0, d, sizeof(d));
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mime_date(1795420800, d, sizeof(d));
	assert_string_equal(d, "Mon, 23 Nov 2026 08:00:00 +0000");
}

static void
qp(const char *in, const char *want)
{
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(mime_qp_add(&b, in), 0);
	assert_int_equal(buf_cstr(&b), 0);
	assert_string_equal((const char *)b.p, want);
	buf_free(&b);
}

static void
quoted_printable(void **state)
{
	char long_in[101], long_want[128];

	(void)state;
	qp("plain text\n", "plain text\r\n");
	qp("no end", "no end\r\n");
	qp("a=b caf\xc3\xa9\r\n", "a=3Db caf=C3=A9\r\n");
	qp("trailing \nspace\t\n", "trailing=20\r\nspace=09\r\n");
	qp("lone\rcr\n", "lone=0Dcr\r\n");
	memset(long_in, 'x', 100);
	long_in[100] = '\0';
	memset(long_want, 'x', 75);
	memcpy(long_want + 75, "=\r\n", 3);
	memset(long_want + 78, 'x', 25);
	memcpy(long_want + 103, "\r\n", 3);
	qp(long_in, long_want);
	/* an encoded byte is never split by a soft break */
	memset(long_in, 'x', 74);
	strcpy(long_in + 74, "=y");
	memset(long_want, 'x', 74);
	strcpy(long_want + 74, "=\r\n=3Dy\r\n");
	qp(long_in, long_want);
}

static void
reader_hands_out_everything_once(void **state)
{
	static const char msg[] = "0123456789";
	struct mime_reader r = { (const uint8_t *)msg, 10, 0 };
	char out[16];

	(void)state;
	assert_int_equal(mime_read(out, 1, 4, &r), 4);
	assert_int_equal(mime_read(out + 4, 2, 8, &r), 6);
	assert_memory_equal(out, msg, 10);
	assert_int_equal(mime_read(out, 1, 4, &r), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(date_in_utc),
		cmocka_unit_test(quoted_printable),
		cmocka_unit_test(reader_hands_out_everything_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
