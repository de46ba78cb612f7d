/*
 * test_webinput.c - fe-web's JSON request bodies (src/web/input.c): every
 * kind accepted and refused with its exact message; unknown, duplicate and
 * missing keys; what is not one JSON object; the caps (body size, nesting,
 * list length, CSR size); ill-formed UTF-8 and NUL; CSRs made here with
 * OpenSSL (good, signature that does not verify, garbage, wrong PEM type,
 * text around the block).  The clock is fixed at 2026-11-22T12:00:00Z.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/seam.h"
#include "web/input.h"
#include "web/passwd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const profiles[] = {
	"email", "email-name", "server", "code-signing", NULL,
};

static const struct in_field signup[] = {
	{ "name", IN_NAME, true, 0, 0, NULL },
	{ "dob", IN_DOB, true, 0, 0, NULL },
	{ "email", IN_EMAIL, true, 0, 0, NULL },
	{ "password", IN_PASSWORD, true, 0, 0, NULL },
};

static const struct in_field request[] = {
	{ "profile", IN_ENUM, true, 0, 0, profiles },
	{ "csr", IN_CSR, true, 0, 0, NULL },
	{ "dns", IN_DNSLIST, false, 0, 0, NULL },
	{ "email", IN_EMAILLIST, false, 0, 0, NULL },
	{ "use_name", IN_BOOL, false, 0, 0, NULL },
	{ "days", IN_INT, false, 1, 825, NULL },
};

static const struct in_field assurance[] = {
	{ "member", IN_EMAIL, true, 0, 0, NULL },
	{ "points", IN_INT, true, 0, 35, NULL },
	{ "name", IN_NAME, true, 0, 0, NULL },
	{ "date", IN_DATE, true, 0, 0, NULL },
	{ "place", IN_TEXT, true, 0, 0, NULL },
};

static const struct in_field misc[] = {
	{ "token", IN_TOKEN, false, 0, 0, NULL },
	{ "domain", IN_DOMAIN, false, 0, 0, NULL },
	{ "reason", IN_ENUM, false, 0, 0, input_reasons },
	{ "dob", IN_DOB, false, 0, 0, NULL },
	{ "date", IN_DATE, false, 0, 0, NULL },
	{ "place", IN_TEXT, false, 0, 0, NULL },
	{ "n", IN_INT, false, -5, 5, NULL },
	{ "name", IN_NAME, false, 0, 0, NULL },
	{ "pw", IN_PASSWORD, false, 0, 0, NULL },
};

/* 2026-11-22T12:00:00Z */
static struct timespec
fixed_clock(void)
{
	struct timespec ts = { 1795348800, 0 };

	return ts;
}

static int
setup(void **state)
{
	(void)state;
	fe_seam_set_clock(fixed_clock);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fe_seam_set_clock(NULL);
	return 0;
}

static bool
all_zero(const struct in_value *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].present || v[i].s != NULL || v[i].list != NULL ||
		    v[i].nlist != 0 || v[i].i != 0 || v[i].b)
			return false;
	return true;
}

/* Parse len bytes from an exact-size heap copy (no NUL after it, so that
 * ASan sees any read past the end). */
static int
parse_n(const char *body, size_t len, const struct in_field *f, size_t nf,
    struct in_value *out, struct fe_err *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, body, len);
	err->msg[0] = '\0';
	rc = input_parse(copy, len, f, nf, out, err);
	free(copy);
	return rc;
}

#define ACCEPT(tab, body, out) do {					\
	struct fe_err e_;						\
	if (parse_n((body), strlen(body), (tab), N(tab), (out), &e_) != 0) \
		fail_msg("refused %s: %s", (body), e_.msg);		\
} while (0)

static void
refused_n(const struct in_field *tab, size_t nf, const char *body,
    size_t len, const char *msg)
{
	struct in_value out[16];
	struct fe_err err;
	int rc;

	assert_true(nf <= N(out));
	memset(out, 0xa5, sizeof(out));
	rc = parse_n(body, len, tab, nf, out, &err);
	if (rc != FE_EINVAL)
		fail_msg("%.200s: rc %d, want refused with \"%s\"", body, rc,
		    msg);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("%.200s:\n got  \"%s\"\n want \"%s\"", body, err.msg,
		    msg);
	assert_true(all_zero(out, nf));
}

#define REFUSED(tab, body, msg) \
	refused_n((tab), N(tab), (body), strlen(body), (msg))

/* Refused, the message beginning with prefix. */
static void
refused_prefix(const struct in_field *tab, size_t nf, const char *body,
    size_t len, const char *prefix)
{
	struct in_value out[16];
	struct fe_err err;

	assert_int_equal(parse_n(body, len, tab, nf, out, &err), FE_EINVAL);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
		fail_msg("%.200s:\n got  \"%s\"\n want \"%s...\"", body,
		    err.msg, prefix);
	assert_true(all_zero(out, nf));
}

/* --- CSRs ---------------------------------------------------------------- */

/* PEM of a P-256 CSR; bad_sig: signed by one key, carrying another. */
static char *
make_csr(bool bad_sig)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *k2;
	X509_REQ *r = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long len;

	assert_non_null(k);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"www.example.org", -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(r, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(r, k), 1);
	assert_true(X509_REQ_sign(r, k, EVP_sha256()) > 0);
	if (bad_sig) {
		k2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		assert_int_equal(X509_REQ_set_pubkey(r, k2), 1);
		EVP_PKEY_free(k2);
	}
	assert_int_equal(PEM_write_bio_X509_REQ(b, r), 1);
	len = BIO_get_mem_data(b, &p);
	s = strndup(p, (size_t)len);
	assert_non_null(s);
	BIO_free(b);
	X509_NAME_free(n);
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return s;
}

/* {"profile":"server","csr":CSR} with jansson doing the escaping. */
static char *
csr_body(const char *csr)
{
	json_t *o = json_pack("{s:s, s:s}", "profile", "server", "csr", csr);
	char *s;

	assert_non_null(o);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_non_null(s);
	return s;
}

static char *
cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* --- the tests ----------------------------------------------------------- */

static void
signup_accepted(void **state)
{
	struct in_value v[N(signup)];

	(void)state;
	ACCEPT(signup, "{\"name\":\"Zo\xc3\xab O'Brien-\xe6\x9d\x8e\","
	    "\"dob\":\"1990-02-28\",\"email\":\"Alice.B@Example.ORG\","
	    "\"password\":\"correct horse \xf0\x9f\x90\xb4\"}", v);
	assert_true(v[0].present);
	assert_string_equal(v[0].s, "Zo\xc3\xab O'Brien-\xe6\x9d\x8e");
	assert_string_equal(v[1].s, "1990-02-28");
	/* The domain part is lower-cased, the local part kept. */
	assert_string_equal(v[2].s, "Alice.B@example.org");
	assert_string_equal(v[3].s, "correct horse \xf0\x9f\x90\xb4");
	input_clear(v, N(v));
	assert_true(all_zero(v, N(v)));
	/* Order of keys and white space do not matter. */
	ACCEPT(signup, " {\n\"password\" : \"0123456789\", \"email\":"
	    "\"a@b.org\",\"dob\":\"2026-11-23\",\"name\":\"A\"}\r\n ", v);
	input_clear(v, N(v));
}

static void
name_and_text(void **state)
{
	struct in_value v[N(misc)];
	char body[1024], many[512];
	size_t i;

	(void)state;
	REFUSED(misc, "{\"name\":\"\"}", "field 'name': empty");
	REFUSED(misc, "{\"name\":\" Bob\"}",
	    "field 'name': leading or trailing space");
	REFUSED(misc, "{\"name\":\"Bob\\u00a0\"}",
	    "field 'name': leading or trailing space");
	REFUSED(misc, "{\"name\":\"a\\tb\"}", "field 'name': character "
	    "U+0009 is not allowed (a control, format, private-use or "
	    "non-character)");
	REFUSED(misc, "{\"name\":\"Bob\\u202egnihton\"}", "field 'name': "
	    "character U+202E is not allowed (a control, format, private-use "
	    "or non-character)");
	REFUSED(misc, "{\"name\":\"x\\u0085\"}", "field 'name': character "
	    "U+0085 is not allowed (a control, format, private-use or "
	    "non-character)");
	REFUSED(misc, "{\"name\":\"x\\uFEFF\"}", "field 'name': character "
	    "U+FEFF is not allowed (a control, format, private-use or "
	    "non-character)");
	REFUSED(misc, "{\"name\":\"x\\uDB80\\uDC00\"}", "field 'name': "
	    "character U+F0000 is not allowed (a control, format, private-use "
	    "or non-character)");
	REFUSED(misc, "{\"name\":42}", "field 'name': not a string");
	REFUSED(misc, "{\"name\":null}", "field 'name': not a string");
	/* ZWNJ inside a name is fine (Persian needs it). */
	ACCEPT(misc, "{\"name\":\"a\\u200cb\"}", v);
	input_clear(v, N(v));

	/* 100 characters of two bytes each pass; 101 ASCII do not. */
	for (i = 0; i < 100; i++)
		memcpy(many + 2 * i, "\xc3\xa9", 2);
	many[200] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", many);
	ACCEPT(misc, body, v);
	assert_int_equal(strlen(v[7].s), 200);
	input_clear(v, N(v));
	memset(many, 'x', 101);
	many[101] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", many);
	REFUSED(misc, body, "field 'name': 101 characters is more than 100");

	memset(many, 'p', 200);
	many[200] = '\0';
	snprintf(body, sizeof(body), "{\"place\":\"%s\"}", many);
	ACCEPT(misc, body, v);
	input_clear(v, N(v));
	memset(many, 'p', 201);
	many[201] = '\0';
	snprintf(body, sizeof(body), "{\"place\":\"%s\"}", many);
	REFUSED(misc, body, "field 'place': 201 characters is more than 200");
	REFUSED(misc, "{\"place\":\"Berlin \"}",
	    "field 'place': leading or trailing space");
}

static void
dates(void **state)
{
	struct in_value v[N(misc)];

	(void)state;
	ACCEPT(misc, "{\"dob\":\"1900-01-01\",\"date\":\"2026-11-22\"}", v);
	input_clear(v, N(v));
	ACCEPT(misc, "{\"dob\":\"2000-02-29\",\"date\":\"0001-01-01\"}", v);
	input_clear(v, N(v));
	/* Today in UTC+14 (the earliest time zone) is not the future. */
	ACCEPT(misc, "{\"dob\":\"2026-11-23\",\"date\":\"2026-11-23\"}", v);
	input_clear(v, N(v));
	REFUSED(misc, "{\"dob\":\"2026-11-24\"}", "field 'dob': in the future");
	REFUSED(misc, "{\"date\":\"2027-01-01\"}",
	    "field 'date': in the future");
	REFUSED(misc, "{\"dob\":\"1899-12-31\"}",
	    "field 'dob': before 1900-01-01");
	REFUSED(misc, "{\"dob\":\"1900-02-29\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-02-30\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-04-31\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-13-01\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-00-10\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-2-28\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990-02-28T00:00:00Z\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"+990-02-28\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":\"1990/02/28\"}",
	    "field 'dob': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"date\":\"0000-01-01\"}",
	    "field 'date': not a date (YYYY-MM-DD)");
	REFUSED(misc, "{\"dob\":19900228}", "field 'dob': not a string");
}

static void
emails(void **state)
{
	struct in_value v[N(assurance)];
	char local[70], body[600];

	(void)state;
	REFUSED(signup, "{\"name\":\"A\",\"dob\":\"1990-01-01\",\"email\":"
	    "\"nobody\",\"password\":\"0123456789\"}", "field 'email': not an "
	    "email address (email address 'nobody': no '@')");
	REFUSED(assurance, "{\"member\":\"a@b@c.org\"}", "field 'member': "
	    "not an email address (email address 'a@b@c.org': more than one "
	    "'@' (quoted local parts are not supported))");
	REFUSED(assurance, "{\"member\":\"bob@printer.local\"}",
	    "field 'member': not an email address (email address "
	    "'bob@printer.local': dns name 'printer.local': BR 7.1.2.7.12: "
	    "internal name (under .local, RFC 6762))");
	REFUSED(assurance, "{\"member\":\"b\\u00f6b@x.org\"}",
	    "field 'member': not an email address (email address 'b\\xc3\\xb6b"
	    "@x.org': not ASCII (internationalised addresses are not "
	    "supported))");
	/* 64 + 1 + 190 bytes: over 254. */
	memset(local, 'l', 64);
	local[64] = '\0';
	snprintf(body, sizeof(body), "{\"member\":\"%s@%0186d.org\"}", local,
	    0);
	memset(strchr(body, '@') + 1, 'd', 186);
	REFUSED(assurance, body, "field 'member': not an email address (255 "
	    "bytes is more than 254)");
	REFUSED(assurance, "{\"member\":[\"a@b.org\"]}",
	    "field 'member': not a string");
	ACCEPT(assurance, "{\"member\":\"x@EXAMPLE.com\",\"points\":35,"
	    "\"name\":\"Ann\",\"date\":\"2026-11-01\",\"place\":\"Berlin\"}", v);
	assert_string_equal(v[0].s, "x@example.com");
	assert_int_equal(v[1].i, 35);
	input_clear(v, N(v));
}

static void
passwords(void **state)
{
	struct in_value v[N(misc)];
	char body[400], pw[300];

	(void)state;
	REFUSED(misc, "{\"pw\":\"short\"}",
	    "field 'pw': at least 10 bytes are required");
	/* Ten bytes, fewer characters: bytes count. */
	ACCEPT(misc, "{\"pw\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}",
	    v);
	input_clear(v, N(v));
	memset(pw, 'p', 256);
	pw[256] = '\0';
	snprintf(body, sizeof(body), "{\"pw\":\"%s\"}", pw);
	ACCEPT(misc, body, v);
	input_clear(v, N(v));
	memset(pw, 'p', 257);
	pw[257] = '\0';
	snprintf(body, sizeof(body), "{\"pw\":\"%s\"}", pw);
	REFUSED(misc, body, "field 'pw': at most 256 bytes are allowed");
	REFUSED(misc, "{\"pw\":1234567890}", "field 'pw': not a string");
}

static void
domains_and_tokens(void **state)
{
	struct in_value v[N(misc)];
	char tok[TOKEN_LEN + 1], body[200];

	(void)state;
	ACCEPT(misc, "{\"domain\":\"WWW.Example.ORG\"}", v);
	assert_string_equal(v[1].s, "www.example.org");
	input_clear(v, N(v));
	REFUSED(misc, "{\"domain\":\"*.example.org\"}", "field 'domain': not "
	    "a domain name (dns name '*.example.org': wildcards are not "
	    "allowed in this profile)");
	REFUSED(misc, "{\"domain\":\"localhost\"}", "field 'domain': not a "
	    "domain name (dns name 'localhost': BR 7.1.2.7.12: internal name "
	    "(a single label))");
	REFUSED(misc, "{\"domain\":\"example.org.\"}", "field 'domain': not a "
	    "domain name (dns name 'example.org.': RFC 5280 4.2.1.6: a "
	    "trailing dot is not allowed)");
	REFUSED(misc, "{\"domain\":\"a_b.example.org\"}", "field 'domain': "
	    "not a domain name (dns name 'a_b.example.org': RFC 1034 3.5: "
	    "character '_' is not a letter, digit, hyphen or dot)");
	REFUSED(misc, "{\"domain\":\"\"}", "field 'domain': not a domain name "
	    "(dns name '': empty)");

	token_new(tok);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	ACCEPT(misc, body, v);
	assert_string_equal(v[0].s, tok);
	input_clear(v, N(v));
	tok[TOKEN_LEN - 1] = '\0';
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	REFUSED(misc, body, "field 'token': not a token (43 base64url "
	    "characters)");
	tok[TOKEN_LEN - 1] = '+';
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	REFUSED(misc, body, "field 'token': not a token (43 base64url "
	    "characters)");
	REFUSED(misc, "{\"token\":true}", "field 'token': not a string");
}

static void
ints_bools_enums(void **state)
{
	struct in_value v[N(misc)];
	struct in_value r[N(request)];
	char *csr = make_csr(false), *b;
	json_t *o;

	(void)state;
	ACCEPT(misc, "{\"n\":-5}", v);
	assert_int_equal(v[6].i, -5);
	input_clear(v, N(v));
	ACCEPT(misc, "{\"n\":5,\"reason\":\"keyCompromise\"}", v);
	assert_int_equal(v[6].i, 5);
	assert_string_equal(v[2].s, "keyCompromise");
	input_clear(v, N(v));
	REFUSED(misc, "{\"n\":6}", "field 'n': 6 is not within -5 to 5");
	REFUSED(misc, "{\"n\":-6}", "field 'n': -6 is not within -5 to 5");
	REFUSED(misc, "{\"n\":1.0}", "field 'n': not an integer");
	REFUSED(misc, "{\"n\":1e2}", "field 'n': not an integer");
	REFUSED(misc, "{\"n\":\"1\"}", "field 'n': not an integer");
	REFUSED(misc, "{\"n\":true}", "field 'n': not an integer");
	refused_prefix(misc, N(misc), "{\"n\":99999999999999999999}", 26,
	    "body is not a JSON object: too big integer");
	REFUSED(misc, "{\"reason\":\"KeyCompromise\"}", "field 'reason': "
	    "'KeyCompromise' is not one of unspecified, keyCompromise, "
	    "affiliationChanged, superseded, cessationOfOperation");
	REFUSED(misc, "{\"reason\":\"privilegeWithdrawn\"}", "field 'reason': "
	    "'privilegeWithdrawn' is not one of unspecified, keyCompromise, "
	    "affiliationChanged, superseded, cessationOfOperation");
	REFUSED(misc, "{\"reason\":\"it's\\n\"}", "field 'reason': 'it\\'s"
	    "\\x0a' is not one of unspecified, keyCompromise, "
	    "affiliationChanged, superseded, cessationOfOperation");
	REFUSED(misc, "{\"reason\":1}", "field 'reason': not a string");

	o = json_pack("{s:s, s:s, s:b, s:i}", "profile", "email", "csr", csr,
	    "use_name", 1, "days", 825);
	b = json_dumps(o, 0);
	ACCEPT(request, b, r);
	assert_true(r[4].present && r[4].b);
	assert_int_equal(r[5].i, 825);
	assert_false(r[2].present);
	assert_null(r[2].list);
	input_clear(r, N(r));
	free(b);
	json_object_set_new(o, "use_name", json_integer(1));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'use_name': not true or false");
	free(b);
	json_object_set_new(o, "use_name", json_false());
	json_object_set_new(o, "profile", json_string("smime"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'profile': 'smime' is not one of email, "
	    "email-name, server, code-signing");
	free(b);
	json_decref(o);
	free(csr);
}

static void
lists(void **state)
{
	struct in_value r[N(request)];
	char *csr = make_csr(false), *b;
	json_t *o, *a;
	int i;

	(void)state;
	o = json_pack("{s:s, s:s, s:[s,s,s], s:[s,s]}", "profile", "server",
	    "csr", csr, "dns", "WWW.example.org", "*.example.org",
	    "example.org", "email", "a@EXAMPLE.org", "b@example.org");
	b = json_dumps(o, 0);
	ACCEPT(request, b, r);
	assert_int_equal(r[2].nlist, 3);
	assert_string_equal(r[2].list[0], "www.example.org");
	assert_string_equal(r[2].list[1], "*.example.org");
	assert_null(r[2].list[3]);
	assert_int_equal(r[3].nlist, 2);
	assert_string_equal(r[3].list[0], "a@example.org");
	input_clear(r, N(r));
	free(b);

	/* Empty lists are lists. */
	json_object_set_new(o, "dns", json_array());
	json_object_set_new(o, "email", json_array());
	b = json_dumps(o, 0);
	ACCEPT(request, b, r);
	assert_true(r[2].present);
	assert_int_equal(r[2].nlist, 0);
	input_clear(r, N(r));
	free(b);

	/* Duplicates, after folding case. */
	json_object_set_new(o, "dns", json_pack("[s,s]", "a.example.org",
	    "A.example.ORG"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns': 'a.example.org' is named twice");
	free(b);
	json_object_set_new(o, "dns", json_array());
	json_object_set_new(o, "email", json_pack("[s,s]", "a@example.org",
	    "a@Example.org"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'email': 'a@example.org' is named twice");
	free(b);
	json_object_set_new(o, "email", json_pack("[s,s]", "a@example.org",
	    "b@"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'email' item 2: not an email address "
	    "(email address 'b@': dns name '': empty)");
	free(b);
	json_object_set_new(o, "email", json_array());

	json_object_set_new(o, "dns", json_pack("[s]", "*.*.example.org"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns' item 1: not a domain name (dns name "
	    "'*.*.example.org': a wildcard may only be the whole leftmost "
	    "label)");
	free(b);
	json_object_set_new(o, "dns", json_pack("[s]", "*.org"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns' item 1: not a domain name (dns name "
	    "'*.org': a wildcard must be followed by at least two labels)");
	free(b);
	json_object_set_new(o, "dns", json_pack("[i]", 1));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns' item 1: not a string");
	free(b);
	json_object_set_new(o, "dns", json_pack("[[s]]", "a.example.org"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns' item 1: not a string");
	free(b);
	json_object_set_new(o, "dns", json_string("a.example.org"));
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns': not a list");
	free(b);

	/* 100 items pass, 101 do not. */
	a = json_array();
	for (i = 0; i < 101; i++) {
		char n[64];

		snprintf(n, sizeof(n), "h%d.example.org", i);
		if (i < 100)
			json_array_append_new(a, json_string(n));
		else {
			json_object_set(o, "dns", a);
			b = json_dumps(o, 0);
			ACCEPT(request, b, r);
			assert_int_equal(r[2].nlist, 100);
			input_clear(r, N(r));
			free(b);
			json_array_append_new(a, json_string(n));
		}
	}
	json_object_set_new(o, "dns", a);
	b = json_dumps(o, 0);
	REFUSED(request, b, "field 'dns': 101 items is more than 100");
	free(b);
	json_decref(o);
	free(csr);
}

static void
csrs(void **state)
{
	struct in_value r[N(request)];
	char *good = make_csr(false), *bad = make_csr(true), *b, *t;
	char big[INPUT_CSR_MAX + 2];

	(void)state;
	b = csr_body(good);
	ACCEPT(request, b, r);
	assert_string_equal(r[1].s, good);
	input_clear(r, N(r));
	free(b);

	/* White space around the block is fine. */
	t = cat3("\n  ", good, "\n\n");
	b = csr_body(t);
	ACCEPT(request, b, r);
	input_clear(r, N(r));
	free(b);
	free(t);

	b = csr_body(bad);
	REFUSED(request, b,
	    "field 'csr': the CSR's signature does not verify");
	free(b);

	b = csr_body("hello");
	REFUSED(request, b, "field 'csr': not a PEM certificate request (it "
	    "does not begin with -----BEGIN CERTIFICATE REQUEST-----)");
	free(b);

	/* Something else first: PEM_read_bio_X509_REQ would skip it. */
	t = cat3("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
	    "\n", good, "");
	b = csr_body(t);
	REFUSED(request, b, "field 'csr': not a PEM certificate request (it "
	    "does not begin with -----BEGIN CERTIFICATE REQUEST-----)");
	free(b);
	free(t);
	t = cat3("junk\n", good, "");
	b = csr_body(t);
	REFUSED(request, b, "field 'csr': not a PEM certificate request (it "
	    "does not begin with -----BEGIN CERTIFICATE REQUEST-----)");
	free(b);
	free(t);

	t = cat3("", good, "trailing text\n");
	b = csr_body(t);
	REFUSED(request, b, "field 'csr': not a PEM certificate request (text "
	    "after the END line)");
	free(b);
	free(t);
	t = cat3("", good, good);
	b = csr_body(t);
	REFUSED(request, b, "field 'csr': not a PEM certificate request (text "
	    "after the END line)");
	free(b);
	free(t);

	b = csr_body("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n");
	REFUSED(request, b, "field 'csr': not a PEM certificate request (no "
	    "END line, or bad base64)");
	free(b);
	b = csr_body("-----BEGIN CERTIFICATE REQUEST-----\naGVsbG8K\n"
	    "-----END CERTIFICATE REQUEST-----\n");
	REFUSED(request, b, "field 'csr': not a PEM certificate request (not "
	    "a DER CertificationRequest)");
	free(b);
	b = csr_body("-----BEGIN CERTIFICATE REQUEST-----\nProc-Type: 4,"
	    "ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000"
	    "\n\naGVsbG8K\n-----END CERTIFICATE REQUEST-----\n");
	REFUSED(request, b, "field 'csr': not a PEM certificate request (PEM "
	    "headers)");
	free(b);

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, good, strlen(good));
	b = csr_body(big);
	REFUSED(request, b, "field 'csr': not a PEM certificate request (16385 "
	    "bytes is more than 16384)");
	free(b);

	REFUSED(request, "{\"profile\":\"server\",\"csr\":7}",
	    "field 'csr': not a string");
	free(good);
	free(bad);
}

static void
keys(void **state)
{
	struct in_value v[N(misc)];

	(void)state;
	REFUSED(misc, "{\"foo\":1}", "unknown field 'foo'");
	REFUSED(misc, "{\"token\":1,\"Token\":1}", "unknown field 'Token'");
	REFUSED(misc, "{\"a\\u0001'\\\\\":1}", "unknown field 'a\\x01\\'\\\\'");
	refused_prefix(misc, N(misc), "{\"n\":1,\"n\":2}", 13,
	    "body is not a JSON object: duplicate object key near '\"n\"'");
	REFUSED(signup, "{}", "field 'name' is missing");
	REFUSED(signup, "{\"name\":\"A\",\"dob\":\"1990-01-01\",\"email\":"
	    "\"a@b.org\"}", "field 'password' is missing");
	/* Optional fields may be absent. */
	ACCEPT(misc, "{}", v);
	assert_true(all_zero(v, N(v)));
}

static void
not_one_object(void **state)
{
	struct in_value v[N(misc)];
	char *big;

	(void)state;
	REFUSED(misc, "[]", "body is not a JSON object: it is an array");
	refused_prefix(misc, N(misc), "", 0, "body is not a JSON object: '[' "
	    "or '{' expected near end of file");
	refused_prefix(misc, N(misc), "\"x\"", 3, "body is not a JSON object: "
	    "'[' or '{' expected near '\"x\"'");
	refused_prefix(misc, N(misc), "null", 4, "body is not a JSON object: "
	    "'[' or '{' expected near 'null'");
	refused_prefix(misc, N(misc), "{} {}", 5, "body is not a JSON object: "
	    "end of file expected near '{'");
	refused_prefix(misc, N(misc), "{}x", 3, "body is not a JSON object: "
	    "end of file expected near 'x'");
	refused_prefix(misc, N(misc), "{\"n\":1", 6,
	    "body is not a JSON object: ");
	refused_prefix(misc, N(misc), "{'n':1}", 7,
	    "body is not a JSON object: string or '}' expected near ''' "
	    "(line 1, column 2)");

	/* Exactly the cap, then one more byte. */
	big = malloc(INPUT_BODY_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', INPUT_BODY_MAX + 1);
	memcpy(big, "{}", 2);
	assert_int_equal(parse_n(big, INPUT_BODY_MAX, misc, N(misc), v,
	    &(struct fe_err){ { 0 } }), 0);
	refused_n(misc, N(misc), big, INPUT_BODY_MAX + 1,
	    "request body over 65536 bytes");
	free(big);
	/* A NULL body of length 0 is an empty body; of length 5, refused. */
	assert_int_equal(input_parse(NULL, 0, misc, N(misc), v,
	    &(struct fe_err){ { 0 } }), FE_EINVAL);
	{
		struct fe_err e;

		assert_int_equal(input_parse(NULL, 5, misc, N(misc), v, &e),
		    FE_EINVAL);
		assert_string_equal(e.msg, "body is not a JSON object: no body");
	}
}

/* {"name": n arrays, one in the other}: n + 1 levels. */
static void
nested(char *out, size_t size, size_t n)
{
	size_t i, o = 0;

	assert_true(8 + 2 * n + 2 <= size);
	memcpy(out, "{\"name\":", 8);
	o = 8;
	for (i = 0; i < n; i++)
		out[o++] = '[';
	for (i = 0; i < n; i++)
		out[o++] = ']';
	out[o++] = '}';
	out[o] = '\0';
}

static void
bytes_and_nesting(void **state)
{
	static const char nul_raw[] = "{\"name\":\"a\0b\"}";
	static const char nul_out[] = "{\"name\":\"a\"}\0junk";
	struct in_value v[N(misc)];
	char deep[4100];

	(void)state;
	refused_prefix(misc, N(misc), "{\"name\":\"\xff\"}", 12,
	    "body is not a JSON object: unable to decode byte 0xff");
	refused_prefix(misc, N(misc), "{\"name\":\"\xc0\xaf\"}", 13,
	    "body is not a JSON object: unable to decode byte 0xc0");
	refused_prefix(misc, N(misc), "{\"name\":\"\xed\xa0\x80\"}", 14,
	    "body is not a JSON object: unable to decode byte 0xed");
	refused_prefix(misc, N(misc), "{\"name\":\"\\ud800\"}", 17,
	    "body is not a JSON object: invalid Unicode '\\uD800' near "
	    "'\"\\ud800\"' (line 1, column 16)");
	refused_prefix(misc, N(misc), "{\"name\":\"a\\u0000b\"}", 19,
	    "body is not a JSON object: \\u0000 is not allowed without "
	    "JSON_ALLOW_NUL");
	refused_prefix(misc, N(misc), nul_raw, sizeof(nul_raw) - 1,
	    "body is not a JSON object: control character 0x0");
	refused_prefix(misc, N(misc), nul_out, sizeof(nul_out) - 1,
	    "body is not a JSON object: end of file expected");

	/* 16 levels pass the depth cap (and are then refused as values);
	 * 17 are refused before jansson parses them. */
	nested(deep, sizeof(deep), 15);
	REFUSED(misc, deep, "field 'name': not a string");
	nested(deep, sizeof(deep), 16);
	REFUSED(misc, deep, "body is not a JSON object: nested more than 16 "
	    "deep");
	nested(deep, sizeof(deep), 2000);
	REFUSED(misc, deep, "body is not a JSON object: nested more than 16 "
	    "deep");
	/* Brackets inside strings are not nesting. */
	ACCEPT(misc, "{\"name\":\"[[[[[[[[[[[[[[[[[[[[{{{{{{{\\\"[[[[\"}", v);
	input_clear(v, N(v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signup_accepted),
		cmocka_unit_test(name_and_text),
		cmocka_unit_test(dates),
		cmocka_unit_test(emails),
		cmocka_unit_test(passwords),
		cmocka_unit_test(domains_and_tokens),
		cmocka_unit_test(ints_bools_enums),
		cmocka_unit_test(lists),
		cmocka_unit_test(csrs),
		cmocka_unit_test(keys),
		cmocka_unit_test(not_one_object),
		cmocka_unit_test(bytes_and_nesting),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
