/*
 * test_crlset.c - src/link/crlset.c: the CRL answer on the link
 * (docs/link-protocol.md section 5) round-trips, every malformed body is
 * refused with its reason, an answer too large for a message is refused,
 * and saving writes one file as before or one file per part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "link/crlset.h"

static const uint8_t d1[] = { 0x30, 0x00 }, d2[] = { 0x30, 0x01, 0x05 };

static void
refused(const uint8_t *p, size_t len, const char *want)
{
	struct crlset_item *v = NULL;
	struct fe_err err;
	size_t n = 99;

	assert_int_equal(crlset_read(p, len, &v, &n, &err), FE_EINVAL);
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" not in \"%s\"", want, err.msg);
	assert_null(v);
	assert_int_equal(n, 99);
}

static void
test_roundtrip(void **state)
{
	struct crlset_item in[2] = { { 1, d1, 2 }, { 2, d2, 3 } }, *v;
	static const uint8_t want[] = { 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2,
	    0x30, 0x00, 0, 0, 0, 2, 0, 0, 0, 3, 0x30, 0x01, 0x05 };
	struct fe_err err;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(crlset_write(&b, in, 2, &err), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.p, want, sizeof(want));
	assert_int_equal(crlset_read(b.p, b.len, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].part, 2);
	assert_int_equal(v[1].len, 3);
	assert_ptr_equal(v[1].der, b.p + 22);
	free(v);
	buf_free(&b);
}

static void
test_refused(void **state)
{
	static const uint8_t zero[] = { 0, 0, 0, 0 };
	static const uint8_t many[] = { 0, 0x01, 0x86, 0xa2, 0, 0, 0, 0 };
	static const uint8_t room[] = { 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1,
	    0x30 };
	static const uint8_t cut[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3,
	    0x30, 0x01 };
	static const uint8_t empty[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t order[] = { 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1,
	    0x30, 0, 0, 0, 2, 0, 0, 0, 1, 0x30 };
	static const uint8_t trail[] = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,
	    0x30, 0xff };
	struct crlset_item big = { 0, d1, 2 };
	struct fe_err err;
	struct buf b;

	(void)state;
	refused(zero, 3, "count missing");
	refused(zero, sizeof(zero), "count missing or not 1 to 100001");
	refused(many, sizeof(many), "count missing or not 1 to 100001");
	refused(room, sizeof(room), "2 CRLs cannot fit in 13 bytes");
	refused(cut, sizeof(cut), "CRL 1 of 1 is truncated");
	refused(empty, sizeof(empty), "CRL 1 of 1 is truncated");
	refused(order, sizeof(order), "part 2 follows part 2");
	refused(trail, sizeof(trail), "1 trailing bytes");
	buf_init(&b, 9);
	assert_int_equal(crlset_write(&b, &big, 1, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "larger than the 9 bytes"));
	assert_int_equal(crlset_write(&b, &big, 0, &err), FE_EINVAL);
	buf_free(&b);
}

static void
test_save(void **state)
{
	struct crlset_item one = { 0, d1, 2 };
	struct crlset_item parts[2] = { { 1, d1, 2 }, { 2, d2, 3 } };
	char dir[] = "/tmp/test_crlset.XXXXXX", p[128];
	struct fe_err err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/one.pem", dir);
	assert_int_equal(crlset_save(p, "server", &one, 1, &err), 0);
	assert_int_equal(access(p, R_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/parts", dir);
	assert_int_equal(crlset_save(p, "server", parts, 2, &err), 0);
	snprintf(p, sizeof(p), "%s/parts/server-2.crl", dir);
	assert_int_equal(access(p, R_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/parts/server-1.crl", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/parts", dir);
	assert_int_equal(crlset_save(p, "../x", parts, 2, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "is not [a-z0-9-]"));
	rmdir(p);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_save),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
