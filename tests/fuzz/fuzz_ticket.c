/*
 * fuzz_ticket.c - libFuzzer target for the change ticket body parser
 * (ticket_parse, src/watch/ticket.c).
 *
 * Invariants (abort() when broken): a body that parses is canonical, so
 * ticket_format() gives back exactly the input bytes, and parsing that
 * again gives the same ticket (same hash); the fields are within their
 * caps (1 to TICKET_MAX_HOSTS hosts, "*" only alone; 1 to
 * TICKET_MAX_PATTERNS patterns, each with a "kind:" prefix; start < end,
 * the window at most TICKET_MAX_WINDOW); statements for the three actions
 * differ; ticket_covers() holds at both window edges for the first host
 * and pattern when the pattern is a literal key.
 */
#include <stdlib.h>
#include <string.h>

#include "watch/ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ticket t, u;
	struct fe_err err;
	uint8_t note[32] = { 0 };
	char *s, *o, *a, *r;
	size_t i;

	if (ticket_parse("fuzz", data, size, &t, &err) != 0) {
		check(strncmp(err.msg, "fuzz: ", 6) == 0);
		return 0;
	}
	check(t.nhosts >= 1 && t.nhosts <= TICKET_MAX_HOSTS);
	for (i = 0; i < t.nhosts; i++)
		check(strcmp(t.hosts[i], "*") != 0 || t.nhosts == 1);
	check(t.npatterns >= 1 && t.npatterns <= TICKET_MAX_PATTERNS);
	for (i = 0; i < t.npatterns; i++)
		check(strchr(t.patterns[i], ':') != NULL);
	check(t.window_start < t.window_end);
	check(t.window_end - t.window_start <= TICKET_MAX_WINDOW);

	s = ticket_format(&t);
	check(strlen(s) == size && memcmp(s, data, size) == 0);
	check(ticket_parse("fuzz", (const uint8_t *)s, strlen(s), &u,
	    &err) == 0);
	check(memcmp(t.body_sha256, u.body_sha256, 32) == 0);
	check(u.id == t.id && u.nhosts == t.nhosts &&
	    u.npatterns == t.npatterns && u.emergency == t.emergency &&
	    u.window_start == t.window_start && u.window_end == t.window_end &&
	    u.opened_at == t.opened_at);
	check(strcmp(u.opened_by, t.opened_by) == 0 &&
	    strcmp(u.reason, t.reason) == 0);

	o = ticket_statement("open", &t, NULL);
	a = ticket_statement("approve", &t, NULL);
	r = ticket_statement("review", &t, note);
	check(strcmp(o, a) != 0 && strcmp(a, r) != 0 && strcmp(o, r) != 0);

	if (strpbrk(t.patterns[0], "*?[\\") == NULL) {
		const char *h = strcmp(t.hosts[0], "*") == 0 ? "any" :
		    t.hosts[0];
		check(ticket_covers(&t, h, t.patterns[0], t.window_start));
		check(ticket_covers(&t, h, t.patterns[0], t.window_end));
		check(!ticket_covers(&t, h, t.patterns[0], t.window_end + 1));
	}
	free(o);
	free(a);
	free(r);
	free(s);
	ticket_clear(&u);
	ticket_clear(&t);
	return 0;
}
