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

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <argon2.h>
#include <jansson.h>

#include "lib/seam.h"
#include "web/mail.h"
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


/* --- mail ---------------------------------------------------------------- */

/* Test helpers from test_alert.c: the sink, a closed port, the stored
 * message read with Python's email package. */
#include "testsink.h"

static struct mail_conf
conf_at(const char *host, unsigned port, char *url, size_t size)
{
	struct mail_conf c;

	snprintf(url, size, "smtp://%s:%u", host, port);
	c.url = url;
	c.from = "fe-web@ca.example.org";
	c.timeout = 5;
	return c;
}

#define BODY \
	"Hello Zo\xc3\xab,\n\nopen https://ca.example.org/#confirm=TOKEN\n" \
	".\n.hidden line\nFrom the start\n" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=b\n" \
	"trailing space \n\xe6\x9d\x8e \xf0\x9f\x94\x91 end\n"

static void
mail_delivers(void **state)
{
	struct sink s;
	struct mail_conf c;
	struct fe_err err;
	char url[128], path[512], subj[256], *raw;
	json_t *m, *rc;
	size_t i;

	(void)state;
	sink_start(&s);
	c = conf_at("127.0.0.1", s.port, url, sizeof(url));
	assert_int_equal(mail_send(&c, "alice@example.org",
	    "Confirm your address, Zo\xc3\xab", BODY, &err), 0);
	assert_non_null(strstr(err.msg, "mail to alice@example.org via "
	    "127.0.0.1:"));
	assert_non_null(strstr(err.msg, "the server said '250 OK stored as "
	    "1.eml'"));
	snprintf(path, sizeof(path), "%s/1.eml", s.dir);
	assert_true(wait_file(path, 5));
	m = parse_mail(path);
	assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
	assert_string_equal(jstr(m, "subject"), "Confirm your address, "
	    "Zo\xc3\xab");
	assert_string_equal(jstr(m, "from"), "fe-web@ca.example.org");
	assert_string_equal(jstr(m, "to"), "alice@example.org");
	rc = json_object_get(m, "rcpt");
	assert_int_equal(json_array_size(rc), 1);
	assert_string_equal(json_string_value(json_array_get(rc, 0)),
	    "<alice@example.org>");
	assert_string_equal(jstr(m, "ctype"), "text/plain");
	assert_string_equal(jstr(m, "charset"), "utf-8");
	assert_string_equal(jstr(m, "cte"), "quoted-printable");
	assert_string_equal(jstr(m, "mime"), "1.0");
	assert_string_equal(jstr(m, "auto"), "auto-generated");
	assert_int_equal(strlen(jstr(m, "msgid")), 1 + 32 + 1 +
	    strlen("ca.example.org") + 1);
	assert_non_null(strstr(jstr(m, "msgid"), "@ca.example.org>"));
	assert_int_equal(strncmp(jstr(m, "date"), "20", 2), 0);
	/* The body exactly, dots, long line, trailing space and all. */
	assert_string_equal(jstr(m, "body"), BODY);
	json_decref(m);
	/* On the wire: envelope as given, no line over 76 in the body. */
	raw = slurp(path);
	assert_non_null(strstr(raw, "X-Sink-Mail-From: <fe-web@ca.example.org>"
	    "\r\n"));
	/* The sink has undone libcurl's dot-stuffing. */
	assert_non_null(strstr(raw, "\r\n.\r\n.hidden line\r\n"));
	for (i = 0; raw[i] != '\0'; ) {
		size_t n = strcspn(raw + i, "\n");

		assert_true(n <= 78);
		i += n + (raw[i + n] == '\n');
	}
	free(raw);

	/* A long non-ASCII subject: several encoded-words, read back whole;
	 * an ASCII one holding "=?" is encoded too. */
	for (i = 0; i < 60; i++)
		memcpy(subj + 2 * i, "\xc3\xa4", 2);
	subj[120] = '\0';
	assert_int_equal(mail_send(&c, "bob@example.org", subj, "x", &err), 0);
	snprintf(path, sizeof(path), "%s/2.eml", s.dir);
	assert_true(wait_file(path, 5));
	m = parse_mail(path);
	assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
	assert_string_equal(jstr(m, "subject"), subj);
	assert_string_equal(jstr(m, "body"), "x\n");
	json_decref(m);
	assert_int_equal(mail_send(&c, "bob@example.org",
	    "=?utf-8?B?SGk=?= plain", "", &err), 0);
	snprintf(path, sizeof(path), "%s/3.eml", s.dir);
	assert_true(wait_file(path, 5));
	m = parse_mail(path);
	assert_string_equal(jstr(m, "subject"), "=?utf-8?B?SGk=?= plain");
	json_decref(m);
	sink_stop(&s);
}

static void
mail_refuses_injection(void **state)
{
	static const struct {
		const char *to, *subject, *body, *msg;
	} bad[] = {
		{ "a@example.org", "Hi\r\nBcc: victim@example.org", "b",
		    "mail: field 'subject': CR or LF (header injection)" },
		{ "a@example.org", "Hi\nBcc: victim@example.org", "b",
		    "mail: field 'subject': CR or LF (header injection)" },
		{ "a@example.org", "Hi\r", "b",
		    "mail: field 'subject': CR or LF (header injection)" },
		{ "a@example.org\r\nBcc: victim@example.org", "Hi", "b",
		    "mail: field 'to': CR or LF (header injection)" },
		{ "a@example.org\n", "Hi", "b",
		    "mail: field 'to': CR or LF (header injection)" },
		{ "a@example.org", "Hi \xff", "b",
		    "mail: field 'subject': not valid UTF-8 (byte 3)" },
		{ "a@example.org", "Hi \xc3", "b",
		    "mail: field 'subject': not valid UTF-8 (byte 3)" },
		{ "a\xc3\xa4@example.org", "Hi", "b",
		    "mail: field 'to': 'a\xc3\xa4@example.org' is not a plain "
		    "address (local@domain, no spaces, brackets, quotes or "
		    "commas)" },
		{ "a@example.org", "\x1b[31mred", "b",
		    "mail: field 'subject': control character U+001B" },
		{ "a@example.org", "Hi\xc2\x85", "b",
		    "mail: field 'subject': control character U+0085" },
		{ "a@example.org, b@example.org", "Hi", "b",
		    "mail: field 'to': 'a@example.org, b@example.org' is not a "
		    "plain address (local@domain, no spaces, brackets, quotes "
		    "or commas)" },
		{ "<a@example.org>", "Hi", "b",
		    "mail: field 'to': '<a@example.org>' is not a plain address "
		    "(local@domain, no spaces, brackets, quotes or commas)" },
		{ "a@example.org", "Hi", "b\xff",
		    "mail: field 'body': not valid UTF-8 (byte 1)" },
		{ NULL, "Hi", "b", "mail: field 'to' is missing" },
		{ "a@example.org", NULL, "b",
		    "mail: field 'subject' is missing" },
		{ "a@example.org", "Hi", NULL, "mail: field 'body' is missing" },
	};
	struct sink s;
	struct mail_conf c;
	struct fe_err err;
	char url[128], path[512], subj[MAIL_SUBJECT_MAX + 2];
	size_t i;

	(void)state;
	sink_start(&s);
	c = conf_at("127.0.0.1", s.port, url, sizeof(url));
	for (i = 0; i < N(bad); i++) {
		err.msg[0] = '\0';
		assert_int_equal(mail_send(&c, bad[i].to, bad[i].subject,
		    bad[i].body, &err), FE_EINVAL);
		if (strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu:\n got  \"%s\"\n want \"%s\"", i,
			    err.msg, bad[i].msg);
	}
	memset(subj, 's', sizeof(subj) - 1);
	subj[sizeof(subj) - 1] = '\0';
	assert_int_equal(mail_send(&c, "a@example.org", subj, "b", &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "mail: field 'subject': 257 bytes is more "
	    "than 256");

	/* The configuration. */
	c.url = "http://127.0.0.1/";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "mail: the smtp url must begin with "
	    "smtp:// or smtps://");
	/* A URL is never echoed: it may hold a password. */
	c.url = "smtp//user:secret@127.0.0.1/";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_null(strstr(err.msg, "secret"));
	c.url = "smtp://user:secret@127.0.0.1/ x";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "mail: the smtp url holds spaces, control "
	    "characters or non-ASCII bytes");
	c.url = "smtp://";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "mail: the smtp url does not parse or has "
	    "no host");
	c.url = url;
	c.from = "fe-web@ca.example.org\r\nBcc: victim@example.org";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_null(strchr(err.msg, '\n'));
	c.from = "fe-web";
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EINVAL);
	assert_string_equal(err.msg, "mail: the from address is not a plain "
	    "address (local@domain, no spaces, brackets, quotes or commas)");

	/* Nothing reached the server. */
	snprintf(path, sizeof(path), "%s/1.eml", s.dir);
	assert_false(wait_file(path, 0.3));
	sink_stop(&s);
}

/* A server that greets with 554 and closes. */
struct refuser {
	int fd;
	unsigned port;
	pthread_t thr;
};

static void *
refuser_main(void *arg)
{
	static const char greet[] = "554 5.7.1 no mail from you today\r\n";
	struct refuser *r = arg;
	char tmp[256];
	int c;

	if ((c = accept(r->fd, NULL, NULL)) < 0)
		return NULL;
	if (write(c, greet, sizeof(greet) - 1) < 0)
		perror("refuser: write");
	/* Until the client closes (it may send QUIT first). */
	while (read(c, tmp, sizeof(tmp)) > 0)
		;
	close(c);
	return NULL;
}

static void
refuser_start(struct refuser *r)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(r->fd, 4), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sa, &sl), 0);
	r->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&r->thr, NULL, refuser_main, r), 0);
}

static void
mail_failures_name_the_server(void **state)
{
	struct refuser r;
	struct mail_conf c;
	struct fe_err err;
	char url[128], want[128];
	unsigned port;

	(void)state;
	refuser_start(&r);
	c = conf_at("127.0.0.1", r.port, url, sizeof(url));
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EIO);
	snprintf(want, sizeof(want), "mail to a@example.org via 127.0.0.1:%u: ",
	    r.port);
	if (strncmp(err.msg, want, strlen(want)) != 0 ||
	    strstr(err.msg, "; the server said '554 5.7.1 no mail from you "
	    "today'") == NULL)
		fail_msg("got \"%s\"", err.msg);
	pthread_join(r.thr, NULL);
	close(r.fd);

	port = closed_port();
	c = conf_at("127.0.0.1", port, url, sizeof(url));
	assert_int_equal(mail_send(&c, "a@example.org", "Hi", "b", &err),
	    FE_EIO);
	snprintf(want, sizeof(want), "mail to a@example.org via 127.0.0.1:%u: ",
	    port);
	assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
	assert_null(strstr(err.msg, "the server said"));
}

/* smtp:// to a host that is not loopback by name must do STARTTLS; the
 * sink offers none.  ::ffff:127.0.0.1 reaches the sink without being on
 * the loopback list. */
static void
mail_starttls_required(void **state)
{
	struct sink s;
	struct mail_conf c;
	struct fe_err err;
	char url[128], path[512];
	int rc;

	(void)state;
	sink_start(&s);
	c = conf_at("[::ffff:127.0.0.1]", s.port, url, sizeof(url));
	rc = mail_send(&c, "a@example.org", "Hi", "b", &err);
	assert_int_equal(rc, FE_EIO);
	if (strstr(err.msg, "STARTTLS") == NULL)
		fail_msg("got \"%s\"", err.msg);
	snprintf(path, sizeof(path), "%s/1.eml", s.dir);
	assert_false(wait_file(path, 0.3));
	sink_stop(&s);
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
		cmocka_unit_test(mail_delivers),
		cmocka_unit_test(mail_refuses_injection),
		cmocka_unit_test(mail_failures_name_the_server),
		cmocka_unit_test(mail_starttls_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
