/*
 * test_custody.c - key custody (POLICY.md K2): the KEK split M-of-N and
 * rebuilt from any M shares; every refusal of custody_combine named; share
 * texts that catch and name typing errors, swapped lines, lines of another
 * share and edited headers; the interactive reader driven through a pipe;
 * the custody record; sealed key files and every way they are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lib/seam.h"
#include "pki/custody.h"

static char dir[] = "/tmp/fe-test-custody.XXXXXX";

static const uint8_t cer_a[CEREMONY_ID_LEN] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b,
    0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };
static const uint8_t cer_b[CEREMONY_ID_LEN] = { 0x1a, 0x2b, 0x3c, 0x4d, 0x5e,
    0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8, 0x09 };
#define HEX_A "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define HEX_B "1a2b3c4d5e6f708192a3b4c5d6e7f809"

static const char *const names3[] = { "Alice Example", "Bob Example",
    "Carol Example" };

struct fix {
	uint8_t kek[KEK_LEN];
	struct share sh[SHARES_MAX];
	struct custody rec;
};

static const char *
pth(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Copy a string into an array (STYLE.md: no strcpy). */
#define SET(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static void
expect(const struct fe_err *err, const char *what)
{
	if (strstr(err->msg, what) == NULL)
		fail_msg("expected '%s' in: %s", what, err->msg);
}

static void
make(struct fix *f, const uint8_t cer[CEREMONY_ID_LEN], unsigned m,
    unsigned n, const char *const *names)
{
	struct fe_err err;

	fe_random(f->kek, KEK_LEN);
	if (custody_split(f->kek, cer, m, n, names, f->sh, &f->rec, &err) != 0)
		fail_msg("split: %s", err.msg);
}

static void
make3(struct fix *f, const uint8_t cer[CEREMONY_ID_LEN])
{
	make(f, cer, 2, 3, names3);
}

/* Combine must fail with what in the message and leave kek wiped. */
static void
combine_fails(const struct custody *rec, const struct share *sh, size_t k,
    int code, const char *what)
{
	struct fe_err err;
	uint8_t kek[KEK_LEN], zero[KEK_LEN] = { 0 };

	memset(kek, 0xaa, sizeof(kek));
	assert_int_equal(custody_combine(rec, sh, k, kek, &err), code);
	expect(&err, what);
	assert_memory_equal(kek, zero, KEK_LEN);
}

/* ------------------------------------------------------------- split */

static void
every_pair_rebuilds_the_kek(void **state)
{
	struct fix f;
	struct share two[2];
	struct fe_err err;
	uint8_t kek[KEK_LEN];
	unsigned i, j;
	(void)state;
	make3(&f, cer_a);
	for (i = 0; i < 3; i++) {
		assert_int_equal(f.sh[i].nr, i + 1);
		assert_int_equal(f.sh[i].m, 2);
		assert_int_equal(f.sh[i].n, 3);
		assert_string_equal(f.sh[i].custodian, names3[i]);
		assert_memory_equal(f.sh[i].ceremony, cer_a, CEREMONY_ID_LEN);
		assert_memory_not_equal(f.sh[i].data, f.kek, KEK_LEN);
		assert_string_equal(f.rec.share[i].custodian, names3[i]);
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			if (i == j)
				continue;
			two[0] = f.sh[i];
			two[1] = f.sh[j];
			memset(kek, 0, sizeof(kek));
			if (custody_combine(&f.rec, two, 2, kek, &err) != 0)
				fail_msg("shares %u and %u: %s", i + 1, j + 1,
				    err.msg);
			assert_memory_equal(kek, f.kek, KEK_LEN);
		}
	/* All three: more than m is fine, every one is checked. */
	assert_int_equal(custody_combine(&f.rec, f.sh, 3, kek, &err), 0);
	assert_memory_equal(kek, f.kek, KEK_LEN);
}

static void
every_triple_of_five_rebuilds(void **state)
{
	static const char *const names5[] = { "A", "B", "C", "Dan \xf0\x9f\x94\x91",
	    "Zoë Ünal" };
	struct fix f;
	struct share three[3];
	struct fe_err err;
	uint8_t kek[KEK_LEN];
	unsigned a, b, c;
	(void)state;
	make(&f, cer_a, 3, 5, names5);
	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++) {
			three[0] = f.sh[a];
			three[1] = f.sh[b];
			combine_fails(&f.rec, three, 2, FE_EPOLICY,
			    "3 shares are needed to unlock, 2 given");
			for (c = b + 1; c < 5; c++) {
				three[2] = f.sh[c];
				assert_int_equal(custody_combine(&f.rec, three,
				    3, kek, &err), 0);
				assert_memory_equal(kek, f.kek, KEK_LEN);
			}
		}
}

static uint64_t rand_state;
static size_t rand_bytes;

static int
fixed_random(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		rand_state ^= rand_state << 13;
		rand_state ^= rand_state >> 7;
		rand_state ^= rand_state << 17;
		b[i] = (uint8_t)rand_state;
	}
	rand_bytes += n;
	return 0;
}

/* libgfshare takes its coefficients from fe_random(), not from random(). */
static void
split_draws_from_fe_random(void **state)
{
	static const uint8_t kek[KEK_LEN] = { 1, 2, 3 };
	struct share s1[3], s2[3];
	struct custody r1, r2;
	struct fe_err err;
	(void)state;
	fe_seam_set_random(fixed_random);
	rand_state = 42;
	rand_bytes = 0;
	srandom(1);
	assert_int_equal(custody_split(kek, cer_a, 2, 3, names3, s1, &r1,
	    &err), 0);
	assert_true(rand_bytes >= KEK_LEN);
	rand_state = 42;
	srandom(2);
	assert_int_equal(custody_split(kek, cer_a, 2, 3, names3, s2, &r2,
	    &err), 0);
	fe_seam_set_random(NULL);
	assert_memory_equal(s1, s2, sizeof(s1));
	assert_memory_equal(&r1, &r2, sizeof(r1));
	/* A different random source gives different shares of the same KEK. */
	assert_int_equal(custody_split(kek, cer_a, 2, 3, names3, s2, &r2,
	    &err), 0);
	assert_memory_not_equal(s1[0].data, s2[0].data, KEK_LEN);
	assert_memory_equal(r1.kek_check, r2.kek_check, 32);
}

static void
split_fails(unsigned m, unsigned n, const char *const *names, int code,
    const char *what)
{
	struct share sh[SHARES_MAX];
	struct custody rec;
	struct fe_err err;
	uint8_t kek[KEK_LEN] = { 9 };

	assert_int_equal(custody_split(kek, cer_a, m, n, names, sh, &rec,
	    &err), code);
	expect(&err, what);
}

static void
split_refuses_bad_parameters(void **state)
{
	const char *names17[17], *two[2];
	char long_name[80];
	unsigned i;
	(void)state;
	for (i = 0; i < 17; i++)
		names17[i] = "x";
	split_fails(1, 3, names3, FE_EPOLICY,
	    "split 1 of 3: K2: a threshold under 2 lets one custodian unlock "
	    "alone");
	split_fails(4, 3, names3, FE_EINVAL,
	    "split 4 of 3: the threshold is more than the number of shares");
	split_fails(2, 17, names17, FE_EINVAL, "at most 16 shares");

	two[0] = "Alice";
	two[1] = NULL;
	split_fails(2, 2, two, FE_EINVAL, "split: share 2: no custodian named");
	two[1] = "";
	split_fails(2, 2, two, FE_EINVAL, "split: share 2: the custodian's name is empty");
	two[1] = "Bob\nExample";
	split_fails(2, 2, two, FE_EINVAL, "split: share 2: the custodian's "
	    "name has a control character");
	two[1] = "Bob\tExample";
	split_fails(2, 2, two, FE_EINVAL, "has a control character");
	two[1] = "Bob\xc2\x85";          /* C1 NEL */
	split_fails(2, 2, two, FE_EINVAL, "has a control character");
	two[1] = "Bob\xc3\x28";          /* bad continuation */
	split_fails(2, 2, two, FE_EINVAL, "is not valid UTF-8");
	two[1] = "Bob\xc0\xaf";          /* overlong */
	split_fails(2, 2, two, FE_EINVAL, "is not valid UTF-8");
	two[1] = "Bob\xed\xa0\x80";      /* surrogate */
	split_fails(2, 2, two, FE_EINVAL, "is not valid UTF-8");
	two[1] = "Bob\xe2\x82";          /* cut short */
	split_fails(2, 2, two, FE_EINVAL, "is not valid UTF-8");
	two[1] = "Bob\xf5\x80\x80\x80";  /* beyond U+10FFFF */
	split_fails(2, 2, two, FE_EINVAL, "is not valid UTF-8");
	two[1] = " Bob";
	split_fails(2, 2, two, FE_EINVAL, "begins or ends with a space");
	memset(long_name, 'b', 64);
	long_name[64] = '\0';
	two[1] = long_name;
	split_fails(2, 2, two, FE_EINVAL, "is longer than 63 bytes");
	long_name[63] = '\0';
	two[1] = long_name;
	split_fails(3, 2, two, FE_EINVAL, "threshold is more");
	two[1] = "ALICE";
	split_fails(2, 2, two, FE_EPOLICY, "split: shares 1 and 2 both go to "
	    "ALICE: K2: one person holding two shares");
}

/* ------------------------------------------------------------- combine */

static void
one_share_is_not_enough(void **state)
{
	struct fix f;
	(void)state;
	make3(&f, cer_a);
	combine_fails(&f.rec, f.sh, 1, FE_EPOLICY,
	    "2 shares are needed to unlock, 1 given");
	combine_fails(&f.rec, f.sh, 0, FE_EPOLICY,
	    "2 shares are needed to unlock, 0 given");
}

static void
share_of_another_ceremony_is_named(void **state)
{
	struct fix a, b;
	struct share two[2];
	(void)state;
	make3(&a, cer_a);
	make3(&b, cer_b);
	two[0] = a.sh[0];
	two[1] = b.sh[1];
	combine_fails(&a.rec, two, 2, FE_EINVAL,
	    "share 2 (Bob Example) belongs to ceremony " HEX_B ", not to this "
	    "CA's ceremony " HEX_A ": a share of another ceremony");
}

static void
wrong_share_is_named(void **state)
{
	struct fix f;
	struct share two[2];
	(void)state;
	make3(&f, cer_a);
	two[0] = f.sh[0];
	two[1] = f.sh[1];
	two[1].data[7] ^= 0x10;
	combine_fails(&f.rec, two, 2, FE_EINVAL, "share 2 (Bob Example) is "
	    "not the share handed out at the ceremony: wrong share");
	two[1] = f.sh[1];
	two[1].nr = 7;
	combine_fails(&f.rec, two, 2, FE_EINVAL, "share 7 (Bob Example) is "
	    "not the share handed out at the ceremony: wrong share (the "
	    "ceremony made shares 1 to 3)");
	/* Share 2's data presented as share 3. */
	two[1] = f.sh[1];
	two[1].nr = 3;
	combine_fails(&f.rec, two, 2, FE_EINVAL, "share 3 (Bob Example) is "
	    "not the share handed out at the ceremony: wrong share");
}

static void
same_share_twice_is_named(void **state)
{
	struct fix f;
	struct share two[3];
	(void)state;
	make3(&f, cer_a);
	two[0] = f.sh[1];
	two[1] = f.sh[1];
	combine_fails(&f.rec, two, 2, FE_EINVAL,
	    "share 2 (Bob Example) is given twice");
	two[0] = f.sh[0];
	two[1] = f.sh[2];
	two[2] = f.sh[0];
	combine_fails(&f.rec, two, 3, FE_EINVAL,
	    "share 1 (Alice Example) is given twice");
}

static void
changed_header_fields_are_named(void **state)
{
	struct fix f;
	struct share two[2];
	(void)state;
	make3(&f, cer_a);
	two[0] = f.sh[0];
	two[1] = f.sh[1];
	two[1].m = 3;
	combine_fails(&f.rec, two, 2, FE_EINVAL, "share 2 (Bob Example) says "
	    "3 of 3 but the custody record says 2 of 3");
	two[1] = f.sh[1];
	snprintf(two[1].custodian, CUSTODIAN_MAX, "Mallory");
	combine_fails(&f.rec, two, 2, FE_EINVAL, "share 2 (Mallory) was "
	    "handed out to Bob Example: the name on the share was changed");
}

static void
record_that_does_not_match_is_named(void **state)
{
	struct fix f;
	struct custody bad;
	(void)state;
	make3(&f, cer_a);
	bad = f.rec;
	bad.kek_check[5] ^= 1;
	combine_fails(&bad, f.sh, 2, FE_EINVAL,
	    "the shares do not rebuild the key-encryption key");
	bad = f.rec;
	bad.m = 1;
	combine_fails(&bad, f.sh, 2, FE_EINVAL,
	    "custody record: threshold 1 of 3");
	bad = f.rec;
	bad.share[2].nr = 2;
	combine_fails(&bad, f.sh, 2, FE_EINVAL,
	    "custody record: entry 3 is share 2");
	bad = f.rec;
	snprintf(bad.share[2].custodian, CUSTODIAN_MAX, "alice example");
	combine_fails(&bad, f.sh, 2, FE_EPOLICY, "custody record: shares 1 "
	    "and 3 both go to alice example: K2");
	bad = f.rec;
	bad.share[2].custodian[0] = '\n';
	combine_fails(&bad, f.sh, 2, FE_EINVAL,
	    "custody record: share 3: the custodian's name has a control");
}

/* ------------------------------------------------------------- share text */

#define GOLDEN \
	"foureyes key share v1\n" \
	"ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n" \
	"custodian Alice Example\n" \
	"share 1 of 3, any 2 unlock\n" \
	"1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d\n" \
	"2: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b653\n" \
	"end e1e28f37\n"

#define GOLDEN_NO_NL \
	"foureyes key share v1\n" \
	"ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n" \
	"custodian Alice Example\n" \
	"share 1 of 3, any 2 unlock\n" \
	"1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d\n" \
	"2: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b653\n" \
	"end e1e28f37"

static void
golden_share(struct share *s)
{
	unsigned i;

	memset(s, 0, sizeof(*s));
	memcpy(s->ceremony, cer_a, CEREMONY_ID_LEN);
	s->nr = 1;
	s->m = 2;
	s->n = 3;
	snprintf(s->custodian, CUSTODIAN_MAX, "Alice Example");
	for (i = 0; i < KEK_LEN; i++)
		s->data[i] = (uint8_t)(i * 7 + 3);
}

/* The text of a share in text (room for SHARE_TEXT_MAX + 1). */
static void
format(const struct share *s, char *text)
{
	struct buf b;

	buf_init(&b, SHARE_TEXT_MAX);
	assert_int_equal(share_format(s, &b), 0);
	memcpy(text, b.p, b.len);
	text[b.len] = '\0';
	buf_wipe(&b);
}

static int
parse(const char *text, struct share *s, struct fe_err *err)
{
	return share_parse("alice.share", (const uint8_t *)text, strlen(text),
	    s, err);
}

static void
parse_fails(const char *text, const char *what)
{
	struct share s;
	struct fe_err err;

	assert_int_not_equal(parse(text, &s, &err), 0);
	expect(&err, what);
}

/* Replace line n (1-based) of text by repl (without newline). */
static void
set_line(char *text, unsigned n, const char *repl)
{
	char out[SHARE_TEXT_MAX + 1], *p = text, *nl;
	unsigned i;

	for (i = 1; i < n; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	nl = strchr(p, '\n');
	assert_non_null(nl);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - text), text, repl,
	    nl);
	memcpy(text, out, strlen(out) + 1);
}

/* Copy line n (1-based) of text, without newline, into line. */
static void
get_line(const char *text, unsigned n, char *line, size_t size)
{
	const char *p = text, *nl;
	unsigned i;

	for (i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	nl = strchr(p, '\n');
	snprintf(line, size, "%.*s", (int)(nl - p), p);
}

static void
share_text_is_as_documented(void **state)
{
	struct share s, back;
	struct fe_err err;
	char text[SHARE_TEXT_MAX + 1];
	(void)state;
	golden_share(&s);
	format(&s, text);
	assert_string_equal(text, GOLDEN);
	assert_int_equal(parse(text, &back, &err), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	share_wipe(&back);
	assert_int_equal(back.nr, 0);
}

static void
split_shares_survive_format_and_parse(void **state)
{
	struct fix f;
	struct share back[3];
	struct fe_err err;
	char text[SHARE_TEXT_MAX + 1];
	uint8_t kek[KEK_LEN];
	unsigned i;
	(void)state;
	make3(&f, cer_a);
	for (i = 0; i < 3; i++) {
		format(&f.sh[i], text);
		assert_int_equal(parse(text, &back[i], &err), 0);
		assert_memory_equal(&back[i], &f.sh[i], sizeof(back[i]));
	}
	assert_int_equal(custody_combine(&f.rec, back + 1, 2, kek, &err), 0);
	assert_memory_equal(kek, f.kek, KEK_LEN);
}

static void
typing_variants_are_accepted(void **state)
{
	struct share s, back;
	struct fe_err err;
	(void)state;
	golden_share(&s);
	/* Upper case, spaces anywhere in data lines, blank lines, CRLF,
	 * trailing blanks, no final newline. */
	assert_int_equal(parse(
	    "\n"
	    "foureyes key share v1\r\n"
	    "ceremony 0F1E2D3C4B5A69788796A5B4C3D2E1F0  \n"
	    "\n"
	    "custodian Alice Example\n"
	    "share 1 of 3, any 2 unlock\n"
	    "  1 :030A1118 1F26 2d34   3b42 4950 575e 656c 254D\n"
	    "\t\n"
	    "2:737a81888f969da4abb2b9c0c7ced5dcb653\n"
	    "end E1E28F37", &back, &err), 0);
	assert_memory_equal(&s, &back, sizeof(s));
}

static void
mistyped_digit_is_named_by_line(void **state)
{
	char text[SHARE_TEXT_MAX + 1];
	(void)state;
	SET(text, GOLDEN);
	set_line(text, 5, "1: 030a 1118 1f26 2d34 3b42 4950 575f 656c  254d");
	parse_fails(text, "alice.share: line 5: check 254d does not match: a "
	    "typing error in this line");
	SET(text, GOLDEN);
	set_line(text, 6, "2: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b654");
	parse_fails(text, "alice.share: line 6: check b654 does not match: a "
	    "typing error in this line");
	/* Line numbers count blank lines: what the custodian sees. */
	SET(text, "\n\n" GOLDEN);
	set_line(text, 7, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656d  254d");
	parse_fails(text, "alice.share: line 7: check 254d does not match");
	/* A digit dropped and another added elsewhere: same count. */
	SET(text, GOLDEN);
	set_line(text, 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 65c  2540d");
	parse_fails(text, "line 5: check 540d does not match");
}

static void
swapped_data_lines_are_caught(void **state)
{
	char text[SHARE_TEXT_MAX + 1], l5[128], l6[128];
	(void)state;
	SET(text, GOLDEN);
	get_line(text, 5, l5, sizeof(l5));
	get_line(text, 6, l6, sizeof(l6));
	set_line(text, 5, l6);
	set_line(text, 6, l5);
	parse_fails(text, "alice.share: line 5: data line 2 found where data "
	    "line 1 is expected: data lines swapped or one left out");
	/* Swapped contents, labels kept: each check covers its line number. */
	SET(text, GOLDEN);
	set_line(text, 5, "1: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b653");
	set_line(text, 6, "2: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d");
	parse_fails(text, "alice.share: lines 5 and 6: neither data line "
	    "matches its check");
	/* A data line left out. */
	SET(text, GOLDEN);
	set_line(text, 5, "");
	parse_fails(text, "alice.share: line 6: data line 2 found where data "
	    "line 1 is expected");
}

static void
line_of_another_share_is_named(void **state)
{
	struct fix f;
	char one[SHARE_TEXT_MAX + 1], two[SHARE_TEXT_MAX + 1], line[128];
	(void)state;
	make3(&f, cer_a);
	format(&f.sh[0], one);
	format(&f.sh[1], two);
	get_line(two, 6, line, sizeof(line));
	set_line(one, 6, line);
	parse_fails(one, "alice.share: line 6: check");
	parse_fails(one, "does not match: a typing error in this line");
}

static void
edited_header_is_caught(void **state)
{
	char text[SHARE_TEXT_MAX + 1];
	(void)state;
	/* Ceremony id and share number are in every line check. */
	SET(text, GOLDEN);
	set_line(text, 2, "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f1");
	parse_fails(text, "alice.share: lines 5 and 6: neither data line "
	    "matches its check: the ceremony id or the share number was "
	    "changed or mistyped");
	SET(text, GOLDEN);
	set_line(text, 4, "share 2 of 3, any 2 unlock");
	parse_fails(text, "lines 5 and 6: neither data line matches");
	/* The rest of the header is in the share check. */
	SET(text, GOLDEN);
	set_line(text, 3, "custodian Alice Exemple");
	parse_fails(text, "alice.share: line 7: share check e1e28f37 does not "
	    "match: the header was changed");
	SET(text, GOLDEN);
	set_line(text, 4, "share 1 of 3, any 3 unlock");
	parse_fails(text, "line 7: share check e1e28f37 does not match: the "
	    "header was changed");
	SET(text, GOLDEN);
	set_line(text, 4, "share 1 of 4, any 2 unlock");
	parse_fails(text, "line 7: share check e1e28f37 does not match");
	SET(text, GOLDEN);
	set_line(text, 7, "end e1e28f38");
	parse_fails(text, "line 7: share check e1e28f38 does not match");
}

static void
malformed_share_texts_are_refused(void **state)
{
	static const struct {
		unsigned line;
		const char *repl;
		const char *what;
	} cases[] = {
		{ 1, "foureyes key share", "alice.share: not a foureyes key "
		    "share (first line)" },
		{ 1, "Foureyes key share v1", "not a foureyes key share" },
		{ 1, "foureyes key share v2", "alice.share: this share format "
		    "version is not supported" },
		{ 2, "ceremony: 0f1e", "alice.share: line 2: 'ceremony' line "
		    "expected" },
		{ 2, "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f", "line 2: the "
		    "ceremony id must be 32 hex digits" },
		{ 2, "custodian Alice Example", "line 2: 'ceremony' line "
		    "expected" },
		{ 3, "Custodian Alice Example", "line 3: 'custodian' line "
		    "expected" },
		{ 3, "custodian Alice\001", "line 3: the custodian's name has "
		    "a control character" },
		{ 3, "custodian  Alice", "line 3: the custodian's name begins "
		    "or ends with a space" },
		{ 4, "share 1 of 3 any 2 unlock", "line 4: 'share NR of N, any "
		    "M unlock' expected" },
		{ 4, "share 01 of 3, any 2 unlock", "line 4: 'share NR of N" },
		{ 4, "share 0 of 3, any 2 unlock", "line 4: 'share NR of N" },
		{ 4, "share 4 of 3, any 2 unlock", "line 4: share 4 of 3: the "
		    "share number must be between 1 and 3" },
		{ 4, "share 1 of 3, any 1 unlock", "line 4: any 1 of 3: the "
		    "threshold must be between 2" },
		{ 4, "share 1 of 3, any 4 unlock", "line 4: any 4 of 3" },
		{ 4, "share 1 of 17, any 2 unlock", "line 4: 17 shares: at "
		    "most 16" },
		{ 4, "share 1 of 3000, any 2 unlock", "line 4: 'share NR of" },
		{ 5, "030a 1118 1f26 2d34 3b42 4950 575e 656c  254d", "line 5: "
		    "data line 1 expected: '1:' and 36 hex digits" },
		{ 5, "1 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d", "line "
		    "5: data line 1 expected" },
		{ 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656g  254d", "line "
		    "5: 'g' is not a hex digit" },
		{ 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656\001  254d",
		    "line 5: 0x01 is not a hex digit" },
		{ 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656  254d", "line "
		    "5: 35 hex digits, 36 expected (32 for the data and 4 for "
		    "the check)" },
		{ 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c", "line 5: 32 "
		    "hex digits, 36 expected" },
		{ 7, "end e1e2 8f37", "line 7: the share check must be 8 hex "
		    "digits" },
		{ 7, "fin e1e28f37", "line 7: 'end' line expected" },
		{ 7, "", "alice.share: the text ends before the 'end' line" },
	};
	char text[SHARE_TEXT_MAX + 2];
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SET(text, GOLDEN);
		set_line(text, cases[i].line, cases[i].repl);
		parse_fails(text, cases[i].what);
	}
	/* A mistyped data line 1 is named even when the text stops there. */
	SET(text, GOLDEN);
	*strstr(text, "2: ") = '\0';
	text[strlen(text) - 3] = '0';
	parse_fails(text, "alice.share: line 5: check 250d does not match");
	SET(text, GOLDEN);
	set_line(text, 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254e");
	set_line(text, 6, "2: 737a");
	parse_fails(text, "alice.share: line 5: check 254e does not match");
	parse_fails("", "alice.share: not a foureyes key share (it is empty)");
	parse_fails("\n \n", "not a foureyes key share (it is empty)");
	parse_fails(GOLDEN "extra\n", "alice.share: line 8: text after the "
	    "'end' line");
	parse_fails("foureyes key share v1\nceremony "
	    "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n", "the text ends before the "
	    "'custodian' line");

	/* Caps: bytes, lines, line length, NUL. */
	memset(text, '\n', SHARE_TEXT_MAX + 1);
	memcpy(text, GOLDEN, strlen(GOLDEN));
	text[SHARE_TEXT_MAX + 1] = '\0';
	parse_fails(text, "alice.share: 4097 bytes: a share is at most 4096");
	text[40] = '\0';
	SET(text, GOLDEN "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n");
	parse_fails(text, "alice.share: more than 32 lines");
	SET(text, GOLDEN);
	set_line(text, 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d"
	    "                                                            "
	    "                                                            "
	    "                                                            "
	    "x");
	parse_fails(text, "alice.share: line 5: longer than 200 bytes");
	{
		struct share s;
		struct fe_err err;
		assert_int_not_equal(share_parse("alice.share",
		    (const uint8_t *)GOLDEN, strlen(GOLDEN) + 1, &s, &err), 0);
		expect(&err, "alice.share: has a NUL byte");
	}
}

static void
format_refuses_a_broken_share(void **state)
{
	struct share s;
	struct buf b;
	(void)state;
	buf_init(&b, SHARE_TEXT_MAX);
	golden_share(&s);
	s.nr = 4;
	assert_int_not_equal(share_format(&s, &b), 0);
	golden_share(&s);
	s.m = 1;
	assert_int_not_equal(share_format(&s, &b), 0);
	golden_share(&s);
	s.custodian[2] = '\n';
	assert_int_not_equal(share_format(&s, &b), 0);
	golden_share(&s);
	memset(s.custodian, 'a', CUSTODIAN_MAX);
	assert_int_not_equal(share_format(&s, &b), 0);
	assert_int_equal(b.len, 0);
	/* A buffer too small for the text. */
	buf_free(&b);
	buf_init(&b, 100);
	golden_share(&s);
	assert_int_not_equal(share_format(&s, &b), 0);
	buf_wipe(&b);
}

static void
share_file_is_read(void **state)
{
	struct share s, back;
	struct fe_err err;
	FILE *f;
	char big[SHARE_TEXT_MAX + 2];
	(void)state;
	golden_share(&s);
	f = fopen(pth("alice.share"), "w");
	assert_non_null(f);
	fputs(GOLDEN, f);
	fclose(f);
	assert_int_equal(share_read_file(pth("alice.share"), &back, &err), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	assert_int_equal(share_read_file(pth("none.share"), &back, &err),
	    FE_ENOENT);
	expect(&err, "none.share: cannot open");
	assert_int_not_equal(share_read_file(dir, &back, &err), 0);
	expect(&err, "not a regular file");
	assert_int_equal(mkfifo(pth("fifo.share"), 0600), 0);
	assert_int_not_equal(share_read_file(pth("fifo.share"), &back, &err),
	    0);
	expect(&err, "fifo.share: not a regular file");
	/* No error buffer: still refused, and no crash on the deferred
	 * message of a bad data line 1. */
	assert_int_not_equal(share_parse("x", (const uint8_t *)"1", 1, &back,
	    NULL), 0);
	{
		char text[SHARE_TEXT_MAX + 1];
		SET(text, GOLDEN);
		set_line(text, 5, "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  "
		    "254e");
		assert_int_not_equal(parse(text, &back, NULL), 0);
	}
	memset(big, '\n', sizeof(big));
	f = fopen(pth("big.share"), "w");
	assert_non_null(f);
	fwrite(big, 1, sizeof(big), f);
	fclose(f);
	assert_int_not_equal(share_read_file(pth("big.share"), &back, &err),
	    0);
	expect(&err, "big.share: over the limit of 4096 bytes");
	f = fopen(pth("bad.share"), "w");
	assert_non_null(f);
	fputs("foureyes key share v1\nceremony x\n", f);
	fclose(f);
	assert_int_not_equal(share_read_file(pth("bad.share"), &back, &err),
	    0);
	expect(&err, "/bad.share: line 2: the ceremony id must be 32 hex");
}

/* ------------------------------------------------------------- tty */

/* Run share_read_tty over input given through a pipe; *out_text gets
 * what was printed (caller frees). */
static int
typed(const char *input, struct share *s, struct fe_err *err,
    char **out_text)
{
	FILE *in, *out;
	size_t outlen;
	int fds[2], rc;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], input, strlen(input)),
	    (ssize_t)strlen(input));
	close(fds[1]);
	in = fdopen(fds[0], "r");
	assert_non_null(in);
	out = open_memstream(out_text, &outlen);
	assert_non_null(out);
	rc = share_read_tty(in, out, s, err);
	fclose(in);
	fclose(out);
	return rc;
}

static void
tty_asks_a_mistyped_line_again(void **state)
{
	struct share s, back;
	struct fe_err err;
	char *said = NULL;
	(void)state;
	golden_share(&s);
	assert_int_equal(typed(
	    "foureyes key share v1\n"
	    "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n"
	    "\n"
	    "custodian Alice Example\n"
	    "share 1 of 3, any 2 unlock\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 665c  254d\n"
	    "1: 030A 1118 1F26 2D34 3B42 4950 575E 656C  254D\n"
	    "2: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b653\n"
	    "end e1e28f37\n", &back, &err, &said), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	if (strstr(said, "data line 1: check 254d does not match: a typing "
	    "error in this line; type it again (try 2 of 3)") == NULL ||
	    strstr(said, "Share 1 of 3 (Alice Example) accepted.") == NULL)
		fail_msg("unexpected prompts: %s", said);
	free(said);
}

static void
tty_gives_up_after_three_tries(void **state)
{
	struct share back;
	struct fe_err err;
	char *said = NULL;
	(void)state;
	assert_int_not_equal(typed(
	    "foureyes key share v1\n"
	    "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n"
	    "custodian Alice Example\n"
	    "share 1 of 3, any 2 unlock\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 665c  254d\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 665c  254d\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 665c  254d\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d\n",
	    &back, &err, &said), 0);
	expect(&err, "typed share: data line 1: check 254d does not match: a "
	    "typing error in this line (3 tries); if the line is as printed, "
	    "the ceremony or share line was mistyped");
	free(said);

	/* A header line mistyped three times. */
	assert_int_not_equal(typed(
	    "foureyes key share v1\nceremony 0f\nceremony 0f\nceremony 0f\n",
	    &back, &err, &said), 0);
	expect(&err, "typed share: 'ceremony' line: the ceremony id must be "
	    "32 hex digits (3 tries)");
	free(said);

	/* The end line checks the header typed above it. */
	assert_int_not_equal(typed(
	    "foureyes key share v1\n"
	    "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n"
	    "custodian Alice Exampel\n"
	    "share 1 of 3, any 2 unlock\n"
	    "1: 030a 1118 1f26 2d34 3b42 4950 575e 656c  254d\n"
	    "2: 737a 8188 8f96 9da4 abb2 b9c0 c7ce d5dc  b653\n"
	    "end e1e28f37\nend e1e28f37\nend e1e28f37\n",
	    &back, &err, &said), 0);
	expect(&err, "typed share: 'end' line: share check e1e28f37 does not "
	    "match: the header was changed");
	free(said);
}

static void
tty_input_that_ends_early_or_runs_long(void **state)
{
	struct share back;
	struct fe_err err;
	char *said = NULL, input[600];
	(void)state;
	assert_int_not_equal(typed("foureyes key share v1\n"
	    "ceremony 0f1e2d3c4b5a69788796a5b4c3d2e1f0\n", &back, &err,
	    &said), 0);
	expect(&err, "typed share: the input ended before the 'custodian' "
	    "line");
	free(said);
	assert_int_not_equal(typed("", &back, &err, &said), 0);
	expect(&err, "the input ended before the first line");
	free(said);
	/* The last line may lack its newline; a NUL in a line is refused. */
	assert_int_equal(typed(GOLDEN_NO_NL, &back, &err, &said), 0);
	free(said);
	memcpy(input, "foureyes key\0share v1\n", 23);
	{
		FILE *in = fmemopen(input, 23, "r");
		assert_non_null(in);
		assert_int_not_equal(share_read_tty(in, NULL, &back, &err), 0);
		fclose(in);
		expect(&err, "typed share: the input ended before the first "
		    "line");
	}
	memcpy(input, "foureyes key\0share v1\nfoureyes key share v1\n", 45);
	{
		FILE *in = fmemopen(input, 45, "r");
		char *out_text = NULL;
		size_t out_len;
		FILE *out = open_memstream(&out_text, &out_len);
		assert_non_null(in);
		assert_int_not_equal(share_read_tty(in, out, &back, &err), 0);
		fclose(in);
		fclose(out);
		if (strstr(out_text, "first line: has a NUL byte; type it "
		    "again") == NULL)
			fail_msg("unexpected prompts: %s", out_text);
		free(out_text);
	}
	memset(input, 'x', sizeof(input));
	memcpy(input + 300, "\nfoureyes key share v1\n", 23);
	input[323] = '\0';
	assert_int_not_equal(typed(input, &back, &err, &said), 0);
	expect(&err, "the input ended before the 'ceremony' line");
	if (strstr(said, "first line: longer than 200 bytes; type it again") ==
	    NULL)
		fail_msg("unexpected prompts: %s", said);
	free(said);
}

/* ------------------------------------------------------------- record */

static void
custody_record_round_trip(void **state)
{
	struct fix f;
	struct custody back;
	struct fe_err err;
	FILE *fp;
	char line[200];
	(void)state;
	make3(&f, cer_a);
	assert_int_equal(custody_write(pth("custody"), &f.rec, &err), 0);
	memset(&back, 0x55, sizeof(back));
	assert_int_equal(custody_read(pth("custody"), &back, &err), 0);
	assert_memory_equal(&back, &f.rec, sizeof(back));
	fp = fopen(pth("custody"), "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "foureyes custody v1\n");
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "ceremony " HEX_A "\n");
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "threshold 2 of 3\n");
	fclose(fp);
	assert_int_equal(access(pth("custody.tmp"), F_OK), -1);

	assert_int_equal(custody_write(pth("custody"), &f.rec, &err),
	    FE_EEXIST);
	expect(&err, "/custody exists already: refusing to replace it");
	assert_int_equal(access(pth("custody.tmp"), F_OK), -1);
	assert_int_equal(custody_read(pth("nothing"), &back, &err), FE_ENOENT);
	expect(&err, "custody record ");
	f.rec.m = 4;
	assert_int_not_equal(custody_write(pth("custody2"), &f.rec, &err), 0);
	expect(&err, "custody record: threshold 4 of 3");
}

static void
custody_record_garbage_is_refused(void **state)
{
	static const struct {
		unsigned line;
		const char *repl;
		const char *what;
	} cases[] = {
		{ 1, "foureyes custody v2", "rec: not a foureyes custody "
		    "record (first line)" },
		{ 2, "ceremony " HEX_B "0", "rec: line 2: 'ceremony' and 32 "
		    "lower-case hex digits expected" },
		{ 2, "ceremony 0F1E2D3C4B5A69788796A5B4C3D2E1F0", "line 2: "
		    "'ceremony' and 32 lower-case" },
		{ 3, "threshold 2 of 3 ", "rec: line 3: 'threshold M of N' "
		    "expected" },
		{ 3, "threshold 1 of 3", "line 3: threshold 1 of 3: must be "
		    "at least 2" },
		{ 3, "threshold 2 of 17", "line 3: threshold 2 of 17" },
		{ 3, "threshold 2 of 2", "line 6: 'kek-check' and 64" },
		{ 3, "threshold 2 of 4", "line 7: 'share NR COMMITMENT "
		    "CUSTODIAN' expected" },
		{ 4, "share 2 " "0000000000000000000000000000000000000000000000"
		    "000000000000000000 Alice Example", "line 4: share 2 where "
		    "share 1 is expected" },
		{ 4, "share 1 " "0000000000000000000000000000000000000000000000"
		    "000000000000000000Alice Example", "line 4: 'share NR "
		    "COMMITMENT CUSTODIAN' expected" },
		{ 4, "share 1 " "0000000000000000000000000000000000000000000000"
		    "00000000000000000g Alice Example", "line 4: 'share NR" },
		{ 4, "share 1 " "0000000000000000000000000000000000000000000000"
		    "000000000000000000 Alice\tExample", "line 4: the "
		    "custodian's name has a control character" },
		{ 4, "share 1 " "0000000000000000000000000000000000000000000000"
		    "000000000000000000 ", "line 4: the custodian's name is "
		    "empty" },
		{ 5, "share 2 " "0000000000000000000000000000000000000000000000"
		    "000000000000000000 ALICE EXAMPLE", "rec: shares 1 and 2 "
		    "both go to ALICE EXAMPLE" },
		{ 7, "kek-check 00", "line 7: 'kek-check' and 64 lower-case "
		    "hex digits expected" },
	};
	struct fix f;
	struct custody back;
	struct fe_err err;
	char good[CUSTODY_TEXT_MAX + 1], text[CUSTODY_TEXT_MAX + 2];
	size_t i, len = 0;
	FILE *fp;
	(void)state;
	make3(&f, cer_a);
	assert_int_equal(custody_write(pth("rec-good"), &f.rec, &err), 0);
	fp = fopen(pth("rec-good"), "r");
	assert_non_null(fp);
	len = fread(good, 1, sizeof(good) - 1, fp);
	good[len] = '\0';
	fclose(fp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SET(text, good);
		set_line(text, cases[i].line, cases[i].repl);
		assert_int_not_equal(custody_parse("rec", (uint8_t *)text,
		    strlen(text), &back, &err), 0);
		expect(&err, cases[i].what);
	}
#define REC_FAILS(t, l, w) do { \
	assert_int_not_equal(custody_parse("rec", (const uint8_t *)(t), (l), \
	    &back, &err), 0); \
	expect(&err, (w)); \
} while (0)
	REC_FAILS("", 0, "rec: line 1: the record ends before the first line");
	REC_FAILS(good, strlen(good) - 1, "rec: the last line has no newline: "
	    "the record was cut short");
	snprintf(text, sizeof(text), "%.*sshare 4\n", (int)strlen(good), good);
	REC_FAILS(text, strlen(text), "rec: line 8: text after the "
	    "'kek-check' line");
	REC_FAILS(good, strlen(good) + 1, "rec: has a NUL byte");
	SET(text, good);
	*strstr(text, "threshold") = '\0';
	REC_FAILS(text, strlen(text), "line 3: the record ends before the "
	    "'threshold' line");
	SET(text, good);
	*strstr(text, "kek-check") = '\0';
	REC_FAILS(text, strlen(text), "line 7: the record ends before the "
	    "'kek-check' line");
	SET(text, good);
	*strstr(text, "share 3") = '\0';
	REC_FAILS(text, strlen(text), "line 6: the record ends before the "
	    "'share' lines");
	memset(text, 'x', sizeof(text));
	REC_FAILS(text, CUSTODY_TEXT_MAX + 1, "rec: 4097 bytes: a custody "
	    "record is at most 4096");
	memcpy(text, "foureyes custody v1\n", 20);
	text[300] = '\n';
	REC_FAILS(text, 301, "rec: line 2: longer than 200 bytes");
#undef REC_FAILS
	/* The good text itself parses. */
	assert_int_equal(custody_parse("rec", (uint8_t *)good, strlen(good),
	    &back, &err), 0);
}

/* ------------------------------------------------------------- key files */

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = malloc(KEYFILE_MAX + 100);

	assert_non_null(f);
	assert_non_null(p);
	*len = fread(p, 1, KEYFILE_MAX + 100, f);
	fclose(f);
	return p;
}

static void
spit(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	fclose(f);
}

static void
seal_and_open(EVP_PKEY *pk, const char *file, const char *label)
{
	struct fe_err err;
	struct stat st;
	EVP_PKEY *back;
	uint8_t kek[KEK_LEN];

	fe_random(kek, sizeof(kek));
	if (keyfile_seal(kek, cer_a, label, pk, pth(file), &err) != 0)
		fail_msg("seal: %s", err.msg);
	assert_int_equal(stat(pth(file), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	back = keyfile_open(kek, cer_a, label, pth(file), &err);
	if (back == NULL)
		fail_msg("open: %s", err.msg);
	assert_int_equal(EVP_PKEY_eq(pk, back), 1);
	assert_int_equal(EVP_PKEY_get_bits(back), EVP_PKEY_get_bits(pk));
	EVP_PKEY_free(back);
}

static void
keyfile_round_trip_rsa_and_p384(void **state)
{
	EVP_PKEY *rsa, *ec;
	(void)state;
	rsa = EVP_RSA_gen(2048);
	ec = EVP_EC_gen("P-384");
	assert_non_null(rsa);
	assert_non_null(ec);
	seal_and_open(rsa, "root-rsa.key", "root-2026");
	seal_and_open(ec, "sub-ec.key", "sub.email_1");
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void
decode_fails(const uint8_t kek[KEK_LEN], const uint8_t *cer,
    const char *label, const uint8_t *p, size_t len, const char *what)
{
	struct fe_err err;
	EVP_PKEY *pk;

	pk = keyfile_decode(kek, cer, label, "k", p, len, &err);
	if (pk != NULL)
		fail_msg("accepted, expected: %s", what);
	expect(&err, what);
}

/* A key file with any plaintext, made the way keyfile_seal makes one. */
static size_t
forge(const uint8_t kek[KEK_LEN], const char *label, const uint8_t *pt,
    size_t ptlen, uint8_t *out)
{
	static const uint8_t magic[8] = { 'F', 'E', 'K', 'E', 'Y', 0, 0, 1 };
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	size_t n = 0, head;
	int outl;

	memcpy(out, magic, 8);
	n = 8;
	memcpy(out + n, cer_a, CEREMONY_ID_LEN);
	n += CEREMONY_ID_LEN;
	out[n++] = (uint8_t)strlen(label);
	memcpy(out + n, label, strlen(label));
	n += strlen(label);
	memset(out + n, 7, 12);
	n += 12;
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = (uint8_t)(ptlen >> 8);
	out[n++] = (uint8_t)ptlen;
	head = n;
	assert_int_equal(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), kek,
	    out + head - 16, NULL), 1);
	assert_int_equal(EVP_EncryptUpdate(cx, NULL, &outl, out, (int)head), 1);
	if (ptlen > 0)
		assert_int_equal(EVP_EncryptUpdate(cx, out + n, &outl, pt,
		    (int)ptlen), 1);
	n += ptlen;
	assert_int_equal(EVP_EncryptFinal_ex(cx, out + n, &outl), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, 16,
	    out + n), 1);
	n += 16;
	EVP_CIPHER_CTX_free(cx);
	return n;
}

static void
keyfile_rejections_are_named(void **state)
{
	EVP_PKEY *ec, *pk;
	struct fe_err err;
	uint8_t kek[KEK_LEN], other[KEK_LEN], *p, *q, forged[512];
	size_t len, n, head, i;
	(void)state;
	fe_random(kek, sizeof(kek));
	memcpy(other, kek, sizeof(other));
	other[31] ^= 1;
	ec = EVP_EC_gen("P-384");
	assert_non_null(ec);
	assert_int_equal(keyfile_seal(kek, cer_a, "root", ec, pth("r.key"),
	    &err), 0);
	p = slurp(pth("r.key"), &len);
	q = malloc(KEYFILE_MAX + 100);
	assert_non_null(q);
	head = 8 + 16 + 1 + 4 + 12 + 4;

	pk = keyfile_decode(kek, cer_a, "root", "k", p, len, &err);
	assert_non_null(pk);
	EVP_PKEY_free(pk);

	decode_fails(other, cer_a, "root", p, len, "key file k: authentication "
	    "failed: wrong key-encryption key or the file was changed");
	decode_fails(kek, cer_a, "sub", p, len, "key file k holds the key "
	    "labelled 'root', not 'sub'");
	decode_fails(kek, cer_b, "root", p, len, "key file k belongs to "
	    "ceremony " HEX_A ", not " HEX_B);
	/* A flipped byte anywhere in the nonce, ciphertext or tag. */
	for (i = head - 16; i < len; i += 7) {
		if (i >= head - 4 && i < head)
			continue;       /* the length field: see below */
		memcpy(q, p, len);
		q[i] ^= 0x01;
		decode_fails(kek, cer_a, "root", q, len, "authentication "
		    "failed");
	}
	memcpy(q, p, len);
	q[len - 1] ^= 0x80;
	decode_fails(kek, cer_a, "root", q, len, "authentication failed");
	memcpy(q, p, len);
	q[0] = 'f';
	decode_fails(kek, cer_a, "root", q, len, "key file k: not a foureyes "
	    "key file (no FEKEY magic)");
	memcpy(q, p, len);
	q[7] = 2;
	decode_fails(kek, cer_a, "root", q, len, "key file k: format version "
	    "2 is not supported: this program reads version 1");
	memcpy(q, p, len);
	q[8] ^= 1;
	decode_fails(kek, cer_a, "root", q, len, "belongs to ceremony");
	memcpy(q, p, len);
	q[25] = 'R';
	decode_fails(kek, cer_a, "root", q, len, "holds the key labelled "
	    "'Root'");
	memcpy(q, p, len);
	q[25] = '\n';
	decode_fails(kek, cer_a, "root", q, len, "key file k: the label in the "
	    "file is not a valid label");
	/* Truncated at every length, inside the header and after it. */
	for (n = 0; n < len; n++)
		decode_fails(kek, cer_a, "root", p, n, n < 8 ? "not a foureyes "
		    "key file" : "truncated");
	decode_fails(kek, cer_a, "root", p, 20, "truncated: the file ends "
	    "inside its header");
	decode_fails(kek, cer_a, "root", p, len - 1, "truncated: the header "
	    "announces");
	/* Trailing bytes. */
	memcpy(q, p, len);
	q[len] = 0;
	decode_fails(kek, cer_a, "root", q, len + 1, "key file k: trailing "
	    "data after the key (1 bytes): the file was changed");
	/* A length field that disagrees with the file. */
	memcpy(q, p, len);
	q[head - 1] ^= 1;
	decode_fails(kek, cer_a, "root", q, len, "key file k: ");
	/* Over the cap. */
	memset(q, 0, KEYFILE_MAX + 1);
	memcpy(q, p, len);
	decode_fails(kek, cer_a, "root", q, KEYFILE_MAX + 1, "key file k: "
	    "65537 bytes: a key file is at most 65536");
	spit(pth("big.key"), q, KEYFILE_MAX + 1);
	assert_null(keyfile_open(kek, cer_a, "root", pth("big.key"), &err));
	expect(&err, "big.key: over the limit of 65536 bytes");
	assert_null(keyfile_open(kek, cer_a, "root", pth("no.key"), &err));
	expect(&err, "key file ");
	expect(&err, "no.key: cannot open");

	/* Authentic but not a key: decrypts, then refused. */
	n = forge(kek, "root", (const uint8_t *)"not DER", 7, forged);
	decode_fails(kek, cer_a, "root", forged, n, "key file k: the decrypted "
	    "key is not one PKCS#8 DER structure");
	{
		/* PKCS#8 of an algorithm OpenSSL does not know (1.2.3.4). */
		static const uint8_t p8[] = { 0x30, 0x0d, 0x02, 0x01, 0x00,
		    0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x01,
		    0x00 };
		n = forge(kek, "root", p8, sizeof(p8), forged);
		decode_fails(kek, cer_a, "root", forged, n, "key file k: the "
		    "PKCS#8 key cannot be loaded");
		n = forge(kek, "root", p8, sizeof(p8) - 1, forged);
		decode_fails(kek, cer_a, "root", forged, n, "not one PKCS#8");
	}
	n = forge(kek, "root", NULL, 0, forged);
	decode_fails(kek, cer_a, "root", forged, n, "key file k: holds no "
	    "key");

	/* Seal: bad labels, an existing file, a stale temporary file. */
	assert_int_not_equal(keyfile_seal(kek, cer_a, "ro ot", ec,
	    pth("x.key"), &err), 0);
	expect(&err, "key file ");
	expect(&err, "x.key: the label has a character other than");
	assert_int_not_equal(keyfile_seal(kek, cer_a, "", ec, pth("x.key"),
	    &err), 0);
	expect(&err, "the label is empty");
	memset(forged, 'a', 65);
	forged[65] = '\0';
	assert_int_not_equal(keyfile_seal(kek, cer_a, (char *)forged, ec,
	    pth("x.key"), &err), 0);
	expect(&err, "the label is longer than 64 bytes");
	assert_int_equal(access(pth("x.key"), F_OK), -1);
	assert_int_equal(keyfile_seal(kek, cer_a, "root", ec, pth("r.key"),
	    &err), FE_EEXIST);
	expect(&err, "r.key exists already: refusing to replace it");
	spit(pth("s.key.tmp"), (const uint8_t *)"", 0);
	assert_int_equal(keyfile_seal(kek, cer_a, "root", ec, pth("s.key"),
	    &err), FE_EEXIST);
	expect(&err, "s.key.tmp exists: an earlier write was cut short");
	assert_int_equal(access(pth("s.key"), F_OK), -1);
	assert_int_equal(keyfile_seal(kek, cer_a, "root", ec,
	    pth("nodir/t.key"), &err), FE_EIO);
	expect(&err, "nodir/t.key: cannot create");
	{
		char longpath[5000];
		memset(longpath, 'a', sizeof(longpath) - 1);
		longpath[sizeof(longpath) - 1] = '\0';
		/* The message is cut at FE_ERR_MAX; the code says which. */
		assert_int_equal(keyfile_seal(kek, cer_a, "root", ec,
		    longpath, &err), FE_EINVAL);
		expect(&err, "key file aaaa");
	}

	free(p);
	free(q);
	EVP_PKEY_free(ec);
}

static void
public_key_alone_is_not_sealed(void **state)
{
	EVP_PKEY *ec, *pub = NULL;
	struct fe_err err;
	uint8_t kek[KEK_LEN] = { 1 };
	unsigned char *der = NULL;
	const unsigned char *dp;
	int n;
	(void)state;
	ec = EVP_EC_gen("P-384");
	assert_non_null(ec);
	n = i2d_PUBKEY(ec, &der);
	assert_true(n > 0);
	dp = der;
	pub = d2i_PUBKEY(NULL, &dp, n);
	assert_non_null(pub);
	assert_int_not_equal(keyfile_seal(kek, cer_a, "pub", pub,
	    pth("pub.key"), &err), 0);
	expect(&err, "cannot be encoded as PKCS#8");
	assert_int_not_equal(keyfile_seal(kek, cer_a, "pub", NULL,
	    pth("pub.key"), &err), 0);
	expect(&err, "key pub cannot be encoded as PKCS#8");
	assert_int_equal(access(pth("pub.key"), F_OK), -1);
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(ec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_pair_rebuilds_the_kek),
		cmocka_unit_test(every_triple_of_five_rebuilds),
		cmocka_unit_test(split_draws_from_fe_random),
		cmocka_unit_test(split_refuses_bad_parameters),
		cmocka_unit_test(one_share_is_not_enough),
		cmocka_unit_test(share_of_another_ceremony_is_named),
		cmocka_unit_test(wrong_share_is_named),
		cmocka_unit_test(same_share_twice_is_named),
		cmocka_unit_test(changed_header_fields_are_named),
		cmocka_unit_test(record_that_does_not_match_is_named),
		cmocka_unit_test(share_text_is_as_documented),
		cmocka_unit_test(split_shares_survive_format_and_parse),
		cmocka_unit_test(typing_variants_are_accepted),
		cmocka_unit_test(mistyped_digit_is_named_by_line),
		cmocka_unit_test(swapped_data_lines_are_caught),
		cmocka_unit_test(line_of_another_share_is_named),
		cmocka_unit_test(edited_header_is_caught),
		cmocka_unit_test(malformed_share_texts_are_refused),
		cmocka_unit_test(format_refuses_a_broken_share),
		cmocka_unit_test(share_file_is_read),
		cmocka_unit_test(tty_asks_a_mistyped_line_again),
		cmocka_unit_test(tty_gives_up_after_three_tries),
		cmocka_unit_test(tty_input_that_ends_early_or_runs_long),
		cmocka_unit_test(custody_record_round_trip),
		cmocka_unit_test(custody_record_garbage_is_refused),
		cmocka_unit_test(keyfile_round_trip_rsa_and_p384),
		cmocka_unit_test(keyfile_rejections_are_named),
		cmocka_unit_test(public_key_alone_is_not_sealed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
