/* test_ticket.c - change ticket bodies (parse, format, caps, every
 * rejection), statements and ticket_covers (src/watch/ticket.c).
 * Signatures are exercised against real ssh-keygen in tests/e2e/change.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/seam.h"
#include "watch/ticket.h"

static const char good[] =
    "foureyes-ticket v1\n"
    "id: 42\n"
    "opened-by: alice\n"
    "opened-at: 2026-11-23T09:00:00Z\n"
    "hosts: signer1, web1\n"
    "change: file:/etc/nginx/*\n"
    "change: pkg:nginx\n"
    "window-start: 2026-11-23T10:00:00Z\n"
    "window-end: 2026-11-23T12:00:00Z\n"
    "emergency: no\n"
    "reason: nginx 1.24 for CVE-2026-0001\n";

static int64_t
T(const char *s)
{
	int64_t t;

	assert_int_equal(fe_time_parse(s, &t), 0);
	return t;
}

static void
parses_the_canonical_form(void **state)
{
	struct ticket t;
	struct fe_err err;
	(void)state;
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good), &t, &err), 0);
	assert_int_equal(t.id, 42);
	assert_string_equal(t.opened_by, "alice");
	assert_int_equal(t.opened_at, T("2026-11-23T09:00:00Z"));
	assert_int_equal(t.nhosts, 2);
	assert_string_equal(t.hosts[0], "signer1");
	assert_string_equal(t.hosts[1], "web1");
	assert_int_equal(t.npatterns, 2);
	assert_string_equal(t.patterns[0], "file:/etc/nginx/*");
	assert_string_equal(t.patterns[1], "pkg:nginx");
	assert_int_equal(t.window_start, T("2026-11-23T10:00:00Z"));
	assert_int_equal(t.window_end, T("2026-11-23T12:00:00Z"));
	assert_false(t.emergency);
	assert_string_equal(t.reason, "nginx 1.24 for CVE-2026-0001");
	assert_int_equal(t.state, TICKET_OPEN);
	assert_null(t.approved_by);
	ticket_clear(&t);
}

static void
format_round_trips(void **state)
{
	struct ticket t, u;
	struct fe_err err;
	char *s;
	(void)state;
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good), &t, &err), 0);
	s = ticket_format(&t);
	assert_string_equal(s, good);
	assert_int_equal(ticket_parse("t", (const uint8_t *)s, strlen(s), &u,
	    &err), 0);
	assert_memory_equal(t.body_sha256, u.body_sha256, 32);
	free(s);
	ticket_clear(&u);

	/* A ticket built in memory (as fe change open does). */
	free(t.hosts[0]);
	free(t.hosts[1]);
	t.hosts[0] = strdup("*");
	t.nhosts = 1;
	t.emergency = true;
	s = ticket_format(&t);
	assert_non_null(strstr(s, "hosts: *\n"));
	assert_non_null(strstr(s, "emergency: yes\n"));
	assert_int_equal(ticket_parse("t", (const uint8_t *)s, strlen(s), &u,
	    &err), 0);
	assert_int_equal(u.nhosts, 1);
	assert_string_equal(u.hosts[0], "*");
	assert_true(u.emergency);
	free(s);
	ticket_clear(&u);
	ticket_clear(&t);
}

/* Replace the first occurrence of from in good by to; expect a rejection
 * whose message contains want. */
static void
rejects(const char *from, const char *to, const char *want)
{
	struct ticket t;
	struct fe_err err;
	char body[TICKET_MAX_BODY + 64];
	const char *at = strstr(good, from);
	size_t pre;

	assert_non_null(at);
	pre = (size_t)(at - good);
	assert_true(strlen(good) - strlen(from) + strlen(to) < sizeof(body));
	memcpy(body, good, pre);
	memcpy(body + pre, to, strlen(to));
	memcpy(body + pre + strlen(to), at + strlen(from),
	    strlen(at + strlen(from)) + 1);
	memset(&t, 0x5a, sizeof(t));
	err.msg[0] = '\0';
	if (ticket_parse("ticket 42", (const uint8_t *)body, strlen(body), &t,
	    &err) == 0) {
		print_error("accepted: %s -> %s\n", from, to);
		ticket_clear(&t);
		fail();
	}
	if (strstr(err.msg, want) == NULL ||
	    strncmp(err.msg, "ticket 42: ", 11) != 0) {
		print_error("message '%s' lacks '%s'\n", err.msg, want);
		fail();
	}
}

static void
rejects_malformed_bodies(void **state)
{
	(void)state;
	rejects("foureyes-ticket v1", "foureyes-ticket v2", "line 1: not a "
	    "ticket body");
	rejects("id: 42", "id: 042", "line 2: id: '042': not a ticket number");
	rejects("id: 42", "id: 4x", "id: '4x': not a ticket number");
	rejects("id: 42", "id: 1234567890", "id: '1234567890'");
	rejects("id: 42", "id: ", "id: '': not a ticket number");
	rejects("id: 42\n", "", "line 2: id: 'opened-by: alice': expected");
	rejects("opened-by: alice", "opened-by: -alice", "opened-by: '-alice': "
	    "not a principal name");
	rejects("opened-by: alice", "opened-by: al ice", "opened-by: 'al ice'");
	rejects("opened-by: alice", "opened-by: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "not a principal name");
	rejects("opened-at: 2026-11-23T09:00:00Z", "opened-at: 2026-11-23",
	    "opened-at: '2026-11-23': not an RFC 3339");
	rejects("opened-at: 2026-11-23T09:00:00Z",
	    "opened-at: 2026-11-31T09:00:00Z", "not a valid RFC 3339");
	rejects("hosts: signer1, web1", "hosts: signer1,web1",
	    "hosts: 'signer1,web1': hosts are separated by \", \"");
	rejects("hosts: signer1, web1", "hosts: signer1,  web1",
	    "hosts: ' web1': not a host name");
	rejects("hosts: signer1, web1", "hosts: signer1, ", "hosts: '': not a "
	    "host name");
	rejects("hosts: signer1, web1", "hosts: signer1, *", "\"*\" (every "
	    "host) must be the only entry");
	rejects("hosts: signer1, web1", "hosts: web1, web1", "host listed "
	    "twice");
	rejects("hosts: signer1, web1", "hosts: ", "hosts: '': not a host");
	rejects("hosts: signer1, web1", "hosts: sign/er", "not a host name");
	rejects("change: file:/etc/nginx/*\nchange: pkg:nginx\n", "",
	    "line 6: change: "
	    "'window-start");
	rejects("change: file:/etc/nginx/*", "change: /etc/nginx/*",
	    "change: '/etc/nginx/*': no \"kind:\" prefix");
	rejects("change: file:/etc/nginx/*", "change: file:", "nothing after "
	    "the kind");
	rejects("change: file:/etc/nginx/*", "change: file:/x ", "not a "
	    "pattern");
	rejects("change: pkg:nginx", "change: file:/etc/nginx/*",
	    "pattern listed twice");
	rejects("change: pkg:nginx", "change: pkg:ng\tinx", "byte 0x09 at "
	    "column 15 is not printable ASCII");
	rejects("window-start: 2026-11-23T10:00:00Z",
	    "window-start: 2026-11-23T12:00:00Z", "window-end: the window "
	    "must end after it starts");
	rejects("window-end: 2026-11-23T12:00:00Z",
	    "window-end: 2027-11-23T12:00:00Z", "longer than "
	    "TICKET_MAX_WINDOW");
	rejects("window-end: 2026-11-23T12:00:00Z",
	    "window-end: 2026-11-23T12:00:00", "window-end: "
	    "'2026-11-23T12:00:00': not an RFC 3339");
	rejects("emergency: no", "emergency: No", "emergency: 'No': must be "
	    "\"yes\" or \"no\"");
	rejects("reason: nginx 1.24 for CVE-2026-0001", "reason: ",
	    "reason: '': not a reason");
	rejects("reason: nginx 1.24 for CVE-2026-0001\n",
	    "reason: nginx\nextra: 1\n", "after the reason line");
	rejects("reason: nginx 1.24 for CVE-2026-0001\n",
	    "reason: nginx", "reason: the line does not end with a newline");
	rejects("reason: nginx 1.24 for CVE-2026-0001\n",
	    "reason: nginx\r\n", "byte 0x0d");
	rejects("reason: nginx 1.24 for CVE-2026-0001\n",
	    "reason: caf\xc3\xa9\n", "reason: 'reason: caf\\xc3\\xa9': "
	    "byte 0xc3 at column 12");
	rejects("emergency: no\nreason: nginx 1.24 for CVE-2026-0001\n",
	    "emergency: no\n", "line 11: reason: missing");
	rejects("opened-by: alice\nopened-at: 2026-11-23T09:00:00Z\n",
	    "opened-at: 2026-11-23T09:00:00Z\nopened-by: alice\n",
	    "line 3: opened-by: 'opened-at: 2026-11-23T09:00:00Z': expected "
	    "\"opened-by: VALUE\"");
}

static void
rejects_over_the_caps(void **state)
{
	struct ticket t;
	struct fe_err err;
	char *big, *p;
	size_t i;
	(void)state;

	big = malloc(TICKET_MAX_BODY + 2);
	memset(big, 'a', TICKET_MAX_BODY + 1);
	assert_int_not_equal(ticket_parse("ticket 42", (uint8_t *)big,
	    TICKET_MAX_BODY + 1, &t, &err), 0);
	assert_non_null(strstr(err.msg, "over TICKET_MAX_BODY"));
	free(big);

	/* 65 change lines */
	big = malloc(TICKET_MAX_BODY);
	p = big;
	p += snprintf(p, 200, "foureyes-ticket v1\nid: 1\nopened-by: a\n"
	    "opened-at: 2026-11-23T09:00:00Z\nhosts: h\n");
	for (i = 0; i <= TICKET_MAX_PATTERNS; i++)
		p += snprintf(p, 40, "change: pkg:p%zu\n", i);
	p += snprintf(p, 200, "window-start: 2026-11-23T10:00:00Z\n"
	    "window-end: 2026-11-23T12:00:00Z\nemergency: no\nreason: r\n");
	assert_int_not_equal(ticket_parse("ticket 1", (uint8_t *)big,
	    (size_t)(p - big), &t, &err), 0);
	assert_non_null(strstr(err.msg, "line 70: change: 'pkg:p64': more "
	    "than TICKET_MAX_PATTERNS"));

	/* 65 hosts */
	p = big;
	p += snprintf(p, 200, "foureyes-ticket v1\nid: 1\nopened-by: a\n"
	    "opened-at: 2026-11-23T09:00:00Z\nhosts: h0");
	for (i = 1; i <= TICKET_MAX_HOSTS; i++)
		p += snprintf(p, 40, ", h%zu", i);
	p += snprintf(p, 200, "\nchange: pkg:x\nwindow-start: "
	    "2026-11-23T10:00:00Z\nwindow-end: 2026-11-23T12:00:00Z\n"
	    "emergency: no\nreason: r\n");
	assert_int_not_equal(ticket_parse("ticket 1", (uint8_t *)big,
	    (size_t)(p - big), &t, &err), 0);
	assert_non_null(strstr(err.msg, "more than TICKET_MAX_HOSTS"));

	/* A 1025-byte reason */
	p = big;
	p += snprintf(p, 300, "foureyes-ticket v1\nid: 1\nopened-by: a\n"
	    "opened-at: 2026-11-23T09:00:00Z\nhosts: h\nchange: pkg:x\n"
	    "window-start: 2026-11-23T10:00:00Z\n"
	    "window-end: 2026-11-23T12:00:00Z\nemergency: no\nreason: ");
	memset(p, 'r', TICKET_MAX_REASON + 1);
	p += TICKET_MAX_REASON + 1;
	*p++ = '\n';
	assert_int_not_equal(ticket_parse("ticket 1", (uint8_t *)big,
	    (size_t)(p - big), &t, &err), 0);
	assert_non_null(strstr(err.msg, "reason: 'rrrr"));
	assert_non_null(strstr(err.msg, "...': not a reason"));
	free(big);
}

static void
statements_bind_action_ticket_and_body(void **state)
{
	struct ticket t, u;
	struct fe_err err;
	uint8_t note[32], note2[32];
	char *o, *a, *r, *r2, *a2;
	(void)state;
	memset(note, 1, 32);
	memset(note2, 2, 32);
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good), &t, &err), 0);
	o = ticket_statement("open", &t, NULL);
	a = ticket_statement("approve", &t, NULL);
	r = ticket_statement("review", &t, note);
	r2 = ticket_statement("review", &t, note2);
	assert_non_null(strstr(a, "foureyes change approve\nticket: 42\n"
	    "body-sha256: "));
	assert_int_equal(strlen(a), strlen("foureyes change approve\n"
	    "ticket: 42\nbody-sha256: \n") + 64);
	assert_non_null(strstr(r, "\nnote-sha256: 0101"));
	assert_string_not_equal(o, a);
	assert_string_not_equal(a, r);
	assert_string_not_equal(r, r2);
	/* Another ticket (id or body) gives another statement. */
	t.id = 43;
	a2 = ticket_statement("approve", &t, NULL);
	assert_string_not_equal(a, a2);
	free(a2);
	t.id = 42;
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good) - 2, &u, &err), FE_EINVAL);   /* sanity */
	t.body_sha256[0] ^= 1;
	a2 = ticket_statement("approve", &t, NULL);
	assert_string_not_equal(a, a2);
	free(a2);
	free(o);
	free(a);
	free(r);
	free(r2);
	ticket_clear(&t);
}

static void
covers_host_pattern_and_window(void **state)
{
	struct ticket t;
	struct fe_err err;
	int64_t s = T("2026-11-23T10:00:00Z"), e = T("2026-11-23T12:00:00Z");
	(void)state;
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good), &t, &err), 0);
	/* hosts: exact */
	assert_true(ticket_covers(&t, "web1", "pkg:nginx", s));
	assert_true(ticket_covers(&t, "signer1", "pkg:nginx", s));
	assert_false(ticket_covers(&t, "web2", "pkg:nginx", s));
	assert_false(ticket_covers(&t, "web", "pkg:nginx", s));
	assert_false(ticket_covers(&t, "WEB1", "pkg:nginx", s));
	/* patterns: "*" crosses "/" (no FNM_PATHNAME) */
	assert_true(ticket_covers(&t, "web1", "file:/etc/nginx/nginx.conf", s));
	assert_true(ticket_covers(&t, "web1", "file:/etc/nginx/sites/a", s));
	assert_false(ticket_covers(&t, "web1", "file:/etc/nginx", s));
	assert_false(ticket_covers(&t, "web1", "file:/etc/passwd", s));
	assert_false(ticket_covers(&t, "web1", "pkg:nginx-common", s));
	assert_false(ticket_covers(&t, "web1", "unit:nginx", s));
	/* window: inclusive at both ends */
	assert_true(ticket_covers(&t, "web1", "pkg:nginx", e));
	assert_false(ticket_covers(&t, "web1", "pkg:nginx", s - 1));
	assert_false(ticket_covers(&t, "web1", "pkg:nginx", e + 1));
	/* "*" is every host */
	free(t.hosts[0]);
	free(t.hosts[1]);
	t.hosts[0] = strdup("*");
	t.nhosts = 1;
	assert_true(ticket_covers(&t, "anything", "pkg:nginx", s));
	ticket_clear(&t);
}

static void
helpers(void **state)
{
	struct fe_err err;
	int64_t t;
	char *p;
	(void)state;
	p = ticket_pattern_normalise("/etc/x*");
	assert_string_equal(p, "file:/etc/x*");
	free(p);
	p = ticket_pattern_normalise("unit:ssh*");
	assert_string_equal(p, "unit:ssh*");
	free(p);
	p = ticket_pattern_normalise("*");
	assert_string_equal(p, "file:*");
	free(p);
	assert_int_equal(ticket_time_parse("2026-11-23", &t), -1);
	assert_int_equal(ticket_time_parse("2026-11-23T10:00:00Z", &t), 0);
	assert_true(ticket_name_ok("alice@example.org", 17));
	assert_false(ticket_name_ok("alice,bob", 9));
	assert_int_equal(ticket_note_check("n", (const uint8_t *)"ok\n", 3,
	    &err), 0);
	assert_int_not_equal(ticket_note_check("n", (const uint8_t *)"ok", 2,
	    &err), 0);
	assert_non_null(strstr(err.msg, "does not end with a newline"));
	assert_int_not_equal(ticket_note_check("n", (const uint8_t *)"o\tk\n",
	    4, &err), 0);
	assert_non_null(strstr(err.msg, "byte 0x09"));
}

static void
four_eyes_rule(void **state)
{
	struct ticket t;
	struct fe_err err;
	(void)state;
	assert_int_equal(ticket_parse("t", (const uint8_t *)good,
	    strlen(good), &t, &err), 0);
	assert_int_equal(ticket_four_eyes(&t, "approve.sig", "alice", "K1",
	    "K2", &err), FE_EPOLICY);
	assert_string_equal(err.msg, "ticket 42: approve.sig: signed by "
	    "alice, who opened the ticket: four eyes (POLICY.md M4)");
	assert_int_equal(ticket_four_eyes(&t, "approve.sig", "bob", "K1",
	    "K1", &err), FE_EPOLICY);
	assert_non_null(strstr(err.msg, "with the key that opened the "
	    "ticket"));
	assert_int_equal(ticket_four_eyes(&t, "review.sig", "bob", "K1", "K2",
	    &err), 0);
	ticket_clear(&t);
}

static void
sshsig_pubkey_rejects_junk(void **state)
{
	struct fe_err err;
	char *b64;
	char path[] = "/tmp/test_ticket.XXXXXX";
	int fd;
	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "-----BEGIN SSH SIGNATURE-----\nQUJD\n"
	    "-----END SSH SIGNATURE-----\n", 63), 63);
	close(fd);
	assert_int_not_equal(sshsig_pubkey(path, &b64, &err), 0);
	assert_non_null(strstr(err.msg, "no SSHSIG v1 header"));
	unlink(path);
	assert_int_not_equal(sshsig_pubkey(path, &b64, &err), 0);
}

static void
load_all_on_missing_dir(void **state)
{
	struct ticket *v;
	struct fe_err err;
	size_t n;
	(void)state;
	assert_int_equal(ticket_load_all("/nonexistent/tickets", "/dev/null",
	    &v, &n, NULL, NULL, &err), FE_ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_canonical_form),
		cmocka_unit_test(format_round_trips),
		cmocka_unit_test(rejects_malformed_bodies),
		cmocka_unit_test(rejects_over_the_caps),
		cmocka_unit_test(statements_bind_action_ticket_and_body),
		cmocka_unit_test(covers_host_pattern_and_window),
		cmocka_unit_test(helpers),
		cmocka_unit_test(four_eyes_rule),
		cmocka_unit_test(sshsig_pubkey_rejects_junk),
		cmocka_unit_test(load_all_on_missing_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
