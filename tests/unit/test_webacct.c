/*
 * test_webacct.c - fe-web's accounts: argon2id password hashes (right,
 * wrong, malformed and over-cost encoded strings, the password rules),
 * random tokens (syntax, uniqueness, the seam, SHA-256 against the FIPS
 * 180-2 vector), and mail over real SMTP (scripts/smtp-sink, aiosmtpd)
 * whose stored messages are read back with Python's email package.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <argon2.h>

#include "lib/seam.h"
#include "web/passwd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- passwords ----------------------------------------------------------- */

static void
passwd_right_and_wrong(void **state)
{
	char enc[PASSWD_ENCODED_MAX], enc2[PASSWD_ENCODED_MAX];
	struct fe_err err;

	(void)state;
	assert_int_equal(passwd_hash("correct horse battery", enc, &err), 0);
	assert_int_equal(strncmp(enc, "$argon2id$v=19$m=19456,t=2,p=1$", 31),
	    0);
	assert_int_equal(passwd_verify(enc, "correct horse battery"), 0);
	assert_int_equal(passwd_verify(enc, "correct horse batterY"), 1);
	assert_int_equal(passwd_verify(enc, "correct horse battery "), 1);
	assert_int_equal(passwd_verify(enc, ""), 1);
	/* libargon2 itself agrees (not only our wrapper). */
	assert_int_equal(argon2id_verify(enc, "correct horse battery", 21),
	    ARGON2_OK);
	/* A fresh salt each time. */
	assert_int_equal(passwd_hash("correct horse battery", enc2, &err), 0);
	assert_string_not_equal(enc, enc2);
	assert_int_equal(passwd_verify(enc2, "correct horse battery"), 0);
	/* Non-ASCII passwords are bytes of UTF-8. */
	assert_int_equal(passwd_hash("p\xc3\xa4ssw\xc3\xb6rd!!", enc, &err),
	    0);
	assert_int_equal(passwd_verify(enc, "p\xc3\xa4ssw\xc3\xb6rd!!"), 0);
	assert_int_equal(passwd_verify(enc, "passw\xc3\xb6rd!!"), 1);
}

static void
passwd_rules(void **state)
{
	char enc[PASSWD_ENCODED_MAX], pw[300];
	struct fe_err err;

	(void)state;
	memset(enc, 'x', sizeof(enc));
	assert_int_equal(passwd_hash("123456789", enc, &err), FE_EINVAL);
	assert_string_equal(err.msg, "password: at least 10 bytes are required");
	assert_int_equal(enc[0], 'x');    /* out untouched on failure */
	memset(pw, 'a', 257);
	pw[257] = '\0';
	assert_int_equal(passwd_hash(pw, enc, &err), FE_EINVAL);
	assert_string_equal(err.msg, "password: at most 256 bytes are allowed");
	assert_int_equal(passwd_verify("$argon2id$v=19$m=19456,t=2,p=1$"
	    "c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
	    pw), 1);
	pw[256] = '\0';
	assert_int_equal(passwd_hash(pw, enc, &err), 0);
	assert_int_equal(passwd_verify(enc, pw), 0);
	assert_int_equal(passwd_hash("0123456789\xff", enc, &err), FE_EINVAL);
	assert_string_equal(err.msg, "password: not valid UTF-8 (byte 10)");
	assert_int_equal(passwd_hash("0123456789\xc0\xaf", enc, &err),
	    FE_EINVAL);
	assert_int_equal(passwd_hash("0123456789\xed\xa0\x80", enc, &err),
	    FE_EINVAL);
	assert_int_equal(passwd_hash("0123456789\xe2\x82", enc, &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "password: not valid UTF-8 (byte 10)");
	assert_int_equal(passwd_hash(NULL, enc, &err), FE_EINVAL);
	assert_int_equal(passwd_check("0123456789", &err), 0);
	assert_int_equal(passwd_check("012345678", &err), FE_EINVAL);
	assert_string_equal(err.msg, "at least 10 bytes are required");
}

static void
passwd_malformed_encoding(void **state)
{
	static const char *const bad[] = {
		"",
		"plaintext password",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=19456,t=2,p=1$",
		"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$",
		"$argon2id$v=19$m=19456,t=2,p=1$!!!!$aGFzaA",
		"$argon2id$v=19$m=,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA",
		"$argon2id$v=19$t=2,m=19456,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA",
		/* Over the defensive caps: 4 GiB of memory, many passes. */
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=19456,t=100000,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=19456,t=2,p=99$c2FsdHNhbHRzYWx0c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=99999999999999999999999,t=2,p=1$c2FsdA$aGFzaA",
	};
	char enc[PASSWD_ENCODED_MAX], longer[300];
	struct fe_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (passwd_verify(bad[i], "correct horse battery") >= 0)
			fail_msg("accepted as an encoding: '%s'", bad[i]);
	assert_true(passwd_verify(NULL, "correct horse battery") < 0);
	assert_int_equal(passwd_hash("correct horse battery", enc, &err), 0);
	assert_true(passwd_verify(enc, NULL) < 0);
	/* Cut short, or with bytes after it. */
	enc[strlen(enc) - 5] = '\0';
	assert_true(passwd_verify(enc, "correct horse battery") != 0);
	assert_int_equal(passwd_hash("correct horse battery", enc, &err), 0);
	snprintf(longer, sizeof(longer), "%s%0140d", enc, 0);
	assert_true(passwd_verify(longer, "correct horse battery") < 0);
}

/* --- tokens -------------------------------------------------------------- */

static void
tokens(void **state)
{
	char t[64][TOKEN_LEN + 1];
	unsigned char h1[32], h2[32];
	size_t i, j;

	(void)state;
	for (i = 0; i < N(t); i++) {
		memset(t[i], 'z', sizeof(t[i]));
		token_new(t[i]);
		assert_int_equal(strlen(t[i]), TOKEN_LEN);
		assert_true(token_syntax_ok(t[i]));
		for (j = 0; j < i; j++)
			assert_string_not_equal(t[i], t[j]);
	}
	token_hash(t[0], h1);
	token_hash(t[0], h2);
	assert_memory_equal(h1, h2, 32);
	token_hash(t[1], h2);
	assert_memory_not_equal(h1, h2, 32);
	/* SHA-256("abc"), FIPS 180-2 appendix B.1. */
	token_hash("abc", h1);
	assert_memory_equal(h1, "\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40"
	    "\xde\x5d\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff"
	    "\x61\xf2\x00\x15\xad", 32);

	assert_false(token_syntax_ok(NULL));
	assert_false(token_syntax_ok(""));
	assert_true(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_09"));
	assert_false(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_0"));
	assert_false(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-_099"));
	assert_false(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/09"));
	assert_false(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=09"));
	assert_false(token_syntax_ok("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \n9"));
}

/* A random source that gives the same bytes every time: token_new must
 * then give the same token, which shows it draws from fe_random. */
static int
fixed_random(void *p, size_t n)
{
	memset(p, 0xfb, n);
	return 0;
}

static void
tokens_use_the_seam(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];

	(void)state;
	fe_seam_set_random(fixed_random);
	token_new(a);
	token_new(b);
	fe_seam_set_random(NULL);
	assert_string_equal(a, b);
	/* 0xfb bytes: 111110 111111 101111 111011 ... in base64url. */
	assert_string_equal(a, "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(passwd_right_and_wrong),
		cmocka_unit_test(passwd_rules),
		cmocka_unit_test(passwd_malformed_encoding),
		cmocka_unit_test(tokens),
		cmocka_unit_test(tokens_use_the_seam),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
