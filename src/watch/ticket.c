/*
 * ticket.c - change tickets under four eyes (ticket.h, docs/change-tickets.md).
 *
 * Everything in a ticket directory is untrusted until it verifies: the body
 * is parsed strictly (exact key order, named caps, canonical text only, so
 * that ticket_format(ticket_parse(body)) gives back the same bytes), and
 * each signature is checked by ssh-keygen, run without a shell, against the
 * allowed-signers file.  The principal ssh-keygen names is who signed;
 * nothing else in the directory says who did what.  Four eyes is enforced
 * on the principals and, independently, on the public keys inside the
 * signatures, so the same key listed under two names cannot approve its own
 * ticket.  A key listed more than once in the allowed-signers file is
 * refused as ambiguous (ssh-keygen would silently take the first line).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "watch/ticket.h"

extern char **environ;

const char *const ticket_state_names[TICKET__MAX] = {
	"open", "approved", "reviewed",
};

/* ---- small helpers -------------------------------------------------- */

static void
sha256(const void *p, size_t len, uint8_t out[32])
{
	unsigned int n = 32;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		fe_fatal("SHA-256 failed");
}

/* A value shown in a message: printable ASCII, others as \xNN, cut at
 * 80 bytes ("..." appended). */
static void
show(const char *p, size_t len, char *out, size_t outlen)
{
	size_t o = 0, i;

	for (i = 0; i < len && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];
		if (i == 80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			fe_snprintf(out + o, outlen - o, "\\x%02x", c);
			o += 4;
		}
	}
	out[o] = '\0';
}

static bool
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

bool
ticket_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > TICKET_MAX_NAME || !is_alnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && strchr("._@+-", s[i]) ==
		    NULL)
			return false;
	return true;
}

bool
ticket_host_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > TICKET_MAX_HOST || !is_alnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && strchr("._-", s[i]) ==
		    NULL)
			return false;
	return true;
}

/* Printable ASCII (space allowed), no blank at either end, 1..max bytes. */
static bool
text_ok(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len < 1 || len > max || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Length of a "kind:" prefix ([a-z][a-z0-9]{0,15}":"), or 0. */
static size_t
kind_len(const char *s, size_t len)
{
	size_t i;

	if (len < 2 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (i = 1; i < len && i <= 16; i++) {
		if (s[i] == ':')
			return i + 1;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9')))
			return 0;
	}
	return 0;
}

char *
ticket_pattern_normalise(const char *pat)
{
	size_t len = strlen(pat);
	char *out;

	if (kind_len(pat, len) > 0)
		return fe_strdup(pat);
	out = fe_malloc(len + 6);
	memcpy(out, "file:", 5);
	memcpy(out + 5, pat, len + 1);
	return out;
}

int
ticket_time_parse(const char *s, int64_t *out)
{
	if (strlen(s) != 20)
		return -1;
	return fe_time_parse(s, out);
}

/* ---- the body ------------------------------------------------------- */

struct lines {
	const char *name;
	const char *p;
	size_t len, off;
	unsigned lineno;
	const char *key;         /* the key of the current line */
	struct fe_err *err;
};

/* Error about the current line's value. */
static int
bad(struct lines *L, const char *v, size_t vlen, const char *why)
{
	char s[400];

	show(v, vlen, s, sizeof(s));
	return fe_err_set(L->err, "%s: line %u: %s: '%s': %s", L->name,
	    L->lineno, L->key, s, why);
}

/* Next line, which must be "KEY: VALUE"; *v and *vlen are the value. */
static int
next_kv(struct lines *L, const char *key, const char **v, size_t *vlen)
{
	const char *line, *nl;
	size_t klen = strlen(key), len, i;
	char s[400];

	L->lineno++;
	L->key = key;
	if (L->off >= L->len)
		return fe_err_set(L->err, "%s: line %u: %s: missing (the body "
		    "ends early)", L->name, L->lineno, key);
	line = L->p + L->off;
	nl = memchr(line, '\n', L->len - L->off);
	if (nl == NULL)
		return fe_err_set(L->err, "%s: line %u: %s: the line does not "
		    "end with a newline", L->name, L->lineno, key);
	len = (size_t)(nl - line);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 ||
		    (unsigned char)line[i] > 0x7e) {
			show(line, len, s, sizeof(s));
			return fe_err_set(L->err, "%s: line %u: %s: '%s': byte "
			    "0x%02x at column %zu is not printable ASCII",
			    L->name, L->lineno, key, s,
			    (unsigned char)line[i], i + 1);
		}
	if (len < klen + 2 || memcmp(line, key, klen) != 0 ||
	    line[klen] != ':' || line[klen + 1] != ' ') {
		show(line, len, s, sizeof(s));
		return fe_err_set(L->err, "%s: line %u: %s: '%s': expected "
		    "\"%s: VALUE\" here (keys in the fixed order, each once)",
		    L->name, L->lineno, key, s, key);
	}
	*v = line + klen + 2;
	*vlen = len - klen - 2;
	L->off += len + 1;
	return 0;
}

/* Does the next line start with "KEY: "? */
static bool
peek_key(const struct lines *L, const char *key)
{
	size_t klen = strlen(key);

	return L->len - L->off >= klen + 2 &&
	    memcmp(L->p + L->off, key, klen) == 0 &&
	    L->p[L->off + klen] == ':' && L->p[L->off + klen + 1] == ' ';
}

static int
parse_time(struct lines *L, const char *key, int64_t *out)
{
	const char *v;
	size_t vlen;
	char s[FE_TIME_STR];

	if (next_kv(L, key, &v, &vlen) != 0)
		return -1;
	if (vlen != 20)
		return bad(L, v, vlen, "not an RFC 3339 UTC time "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
	memcpy(s, v, vlen);
	s[vlen] = '\0';
	if (fe_time_parse(s, out) != 0)
		return bad(L, v, vlen, "not a valid RFC 3339 UTC time "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
	return 0;
}

static int
parse_hosts(struct lines *L, struct ticket *t)
{
	const char *v, *h, *end, *comma;
	size_t vlen, hlen, i;

	if (next_kv(L, "hosts", &v, &vlen) != 0)
		return -1;
	if (vlen == 1 && v[0] == '*') {
		t->hosts = fe_calloc(1, sizeof(char *));
		t->hosts[0] = fe_strdup("*");
		t->nhosts = 1;
		return 0;
	}
	t->hosts = fe_calloc(TICKET_MAX_HOSTS, sizeof(char *));
	h = v;
	end = v + vlen;
	for (;;) {
		comma = memchr(h, ',', (size_t)(end - h));
		hlen = comma ? (size_t)(comma - h) : (size_t)(end - h);
		if (hlen == 1 && h[0] == '*')
			return bad(L, v, vlen, "\"*\" (every host) must be the "
			    "only entry");
		if (!ticket_host_ok(h, hlen))
			return bad(L, h, hlen, "not a host name (letters, "
			    "digits, '.', '_', '-', 1 to 253 bytes; hosts "
			    "separated by \", \")");
		for (i = 0; i < t->nhosts; i++)
			if (strlen(t->hosts[i]) == hlen &&
			    memcmp(t->hosts[i], h, hlen) == 0)
				return bad(L, h, hlen, "host listed twice");
		if (t->nhosts == TICKET_MAX_HOSTS)
			return bad(L, v, vlen, "more than TICKET_MAX_HOSTS (64) "
			    "hosts");
		t->hosts[t->nhosts++] = fe_strndup(h, hlen);
		if (comma == NULL)
			break;
		if (end - comma < 2 || comma[1] != ' ')
			return bad(L, v, vlen, "hosts are separated by \", \" "
			    "(comma and one space) and none is empty");
		h = comma + 2;
	}
	return 0;
}

static int
parse_patterns(struct lines *L, struct ticket *t)
{
	const char *v;
	size_t vlen, i;

	t->patterns = fe_calloc(TICKET_MAX_PATTERNS, sizeof(char *));
	do {
		if (next_kv(L, "change", &v, &vlen) != 0)
			return -1;
		if (!text_ok(v, vlen, TICKET_MAX_PATTERN))
			return bad(L, v, vlen, "not a pattern (printable "
			    "ASCII, 1 to 1024 bytes, no blank at either end)");
		if (kind_len(v, vlen) == 0)
			return bad(L, v, vlen, "no \"kind:\" prefix (the "
			    "canonical form writes paths as \"file:PATH\")");
		if (kind_len(v, vlen) == vlen)
			return bad(L, v, vlen, "nothing after the kind");
		for (i = 0; i < t->npatterns; i++)
			if (strlen(t->patterns[i]) == vlen &&
			    memcmp(t->patterns[i], v, vlen) == 0)
				return bad(L, v, vlen, "pattern listed twice");
		if (t->npatterns == TICKET_MAX_PATTERNS)
			return bad(L, v, vlen, "more than TICKET_MAX_PATTERNS "
			    "(64) change lines");
		t->patterns[t->npatterns++] = fe_strndup(v, vlen);
	} while (peek_key(L, "change"));
	return 0;
}

static int
parse_body(struct lines *L, struct ticket *t)
{
	static const char magic[] = "foureyes-ticket v1\n";
	const char *v;
	size_t vlen, i;

	L->lineno = 1;
	L->key = "header";
	if (L->len < sizeof(magic) - 1 ||
	    memcmp(L->p, magic, sizeof(magic) - 1) != 0)
		return fe_err_set(L->err, "%s: line 1: not a ticket body (it "
		    "must start with \"foureyes-ticket v1\")", L->name);
	L->off = sizeof(magic) - 1;

	if (next_kv(L, "id", &v, &vlen) != 0)
		return -1;
	if (vlen < 1 || vlen > 9 || v[0] == '0')
		return bad(L, v, vlen, "not a ticket number (1 to 999999999, "
		    "no leading zeros)");
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return bad(L, v, vlen, "not a ticket number (decimal "
			    "digits only)");
		t->id = t->id * 10 + (uint64_t)(v[i] - '0');
	}

	if (next_kv(L, "opened-by", &v, &vlen) != 0)
		return -1;
	if (!ticket_name_ok(v, vlen))
		return bad(L, v, vlen, "not a principal name (letters, digits, "
		    "'.', '_', '@', '+', '-', starting with a letter or "
		    "digit, 1 to 64 bytes)");
	t->opened_by = fe_strndup(v, vlen);

	if (parse_time(L, "opened-at", &t->opened_at) != 0 ||
	    parse_hosts(L, t) != 0 || parse_patterns(L, t) != 0 ||
	    parse_time(L, "window-start", &t->window_start) != 0 ||
	    parse_time(L, "window-end", &t->window_end) != 0)
		return -1;
	if (t->window_end <= t->window_start)
		return fe_err_set(L->err, "%s: line %u: window-end: the window "
		    "must end after it starts", L->name, L->lineno);
	if (t->window_end - t->window_start > TICKET_MAX_WINDOW)
		return fe_err_set(L->err, "%s: line %u: window-end: the window "
		    "is longer than TICKET_MAX_WINDOW (%d days)", L->name,
		    L->lineno, TICKET_MAX_WINDOW / 86400);

	if (next_kv(L, "emergency", &v, &vlen) != 0)
		return -1;
	if (vlen == 3 && memcmp(v, "yes", 3) == 0)
		t->emergency = true;
	else if (!(vlen == 2 && memcmp(v, "no", 2) == 0))
		return bad(L, v, vlen, "must be \"yes\" or \"no\"");

	if (next_kv(L, "reason", &v, &vlen) != 0)
		return -1;
	if (!text_ok(v, vlen, TICKET_MAX_REASON))
		return bad(L, v, vlen, "not a reason (printable ASCII, 1 to "
		    "1024 bytes, no blank at either end)");
	t->reason = fe_strndup(v, vlen);

	if (L->off != L->len)
		return fe_err_set(L->err, "%s: line %u: %zu bytes after the "
		    "reason line (the body ends there)", L->name,
		    L->lineno + 1, L->len - L->off);
	return 0;
}

int
ticket_parse(const char *name, const uint8_t *p, size_t len,
    struct ticket *out, struct fe_err *err)
{
	struct lines L;
	struct ticket t;

	if (len > TICKET_MAX_BODY)
		return fe_err_set(err, "%s: the body is %zu bytes, over "
		    "TICKET_MAX_BODY (%d)", name, len, TICKET_MAX_BODY);
	memset(&t, 0, sizeof(t));
	memset(&L, 0, sizeof(L));
	L.name = name;
	L.p = (const char *)p;
	L.len = len;
	L.err = err;
	if (parse_body(&L, &t) != 0) {
		ticket_clear(&t);
		return FE_EINVAL;
	}
	sha256(p, len, t.body_sha256);
	t.state = TICKET_OPEN;
	*out = t;
	return 0;
}

static void
add_time(struct buf *b, const char *key, int64_t v)
{
	char s[FE_TIME_STR];

	if (fe_time_format_sec(v, s) != 0)
		fe_fatal("ticket_format: %s out of range", key);
	if (buf_printf(b, "%s: %s\n", key, s) != 0)
		fe_fatal("ticket_format: too long");
}

char *
ticket_format(const struct ticket *t)
{
	struct buf b;
	size_t i;
	int rc = 0;

	buf_init(&b, 4 * 1024 * 1024);
	rc |= buf_printf(&b, "foureyes-ticket v1\nid: %llu\nopened-by: %s\n",
	    (unsigned long long)t->id, t->opened_by);
	add_time(&b, "opened-at", t->opened_at);
	rc |= buf_add_str(&b, "hosts: ");
	for (i = 0; i < t->nhosts; i++)
		rc |= buf_printf(&b, "%s%s", i ? ", " : "", t->hosts[i]);
	rc |= buf_add_str(&b, "\n");
	for (i = 0; i < t->npatterns; i++)
		rc |= buf_printf(&b, "change: %s\n", t->patterns[i]);
	add_time(&b, "window-start", t->window_start);
	add_time(&b, "window-end", t->window_end);
	rc |= buf_printf(&b, "emergency: %s\nreason: %s\n",
	    t->emergency ? "yes" : "no", t->reason);
	if (rc != 0 || buf_cstr(&b) != 0)
		fe_fatal("ticket_format: too long");
	return (char *)b.p;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
ticket_clear(struct ticket *t)
{
	if (t == NULL)
		return;
	free(t->opened_by);
	free_strv(t->hosts, t->nhosts);
	free_strv(t->patterns, t->npatterns);
	free(t->reason);
	free(t->approved_by);
	free(t->reviewed_by);
	free(t->review_note);
	memset(t, 0, sizeof(*t));
}

char *
ticket_statement(const char *action, const struct ticket *t,
    const uint8_t *note_sha256)
{
	char body[65], note[65], *s;
	bool review = strcmp(action, "review") == 0;

	if (strcmp(action, "open") != 0 && strcmp(action, "approve") != 0 &&
	    !review)
		fe_fatal("ticket_statement: unknown action '%s'", action);
	if (review != (note_sha256 != NULL))
		fe_fatal("ticket_statement: note_sha256 is for review only, "
		    "and review needs it");
	hex_encode(t->body_sha256, 32, body);
	if (review)
		hex_encode(note_sha256, 32, note);
	if (asprintf(&s, "foureyes change %s\nticket: %llu\nbody-sha256: %s\n"
	    "%s%s%s", action, (unsigned long long)t->id, body,
	    review ? "note-sha256: " : "", review ? note : "",
	    review ? "\n" : "") < 0)
		fe_fatal("out of memory");
	return s;
}

int
ticket_note_check(const char *name, const uint8_t *p, size_t len,
    struct fe_err *err)
{
	size_t i;

	if (len < 2 || len > TICKET_MAX_NOTE)
		return fe_err_set(err, "%s: the review note is %zu bytes; it "
		    "must be 2 to TICKET_MAX_NOTE (%d) bytes", name, len,
		    TICKET_MAX_NOTE);
	if (p[len - 1] != '\n')
		return fe_err_set(err, "%s: the review note does not end with "
		    "a newline", name);
	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\n') || p[i] > 0x7e)
			return fe_err_set(err, "%s: the review note has byte "
			    "0x%02x at offset %zu (printable ASCII and "
			    "newlines only)", name, p[i], i);
	return 0;
}

bool
ticket_covers(const struct ticket *t, const char *host, const char *key,
    int64_t when)
{
	size_t i;
	bool hit = false;

	if (when < t->window_start || when > t->window_end)
		return false;
	if (t->nhosts == 1 && strcmp(t->hosts[0], "*") == 0)
		hit = true;
	for (i = 0; i < t->nhosts && !hit; i++)
		hit = strcmp(t->hosts[i], host) == 0;
	if (!hit)
		return false;
	for (i = 0; i < t->npatterns; i++)
		if (fnmatch(t->patterns[i], key, 0) == 0)
			return true;
	return false;
}

/* ---- running ssh-keygen --------------------------------------------- */

#define RUN_MAX_OUT (64 * 1024)
#define RUN_MAX_ERR 2048
#define RUN_TIMEOUT_MS 30000

struct run {
	struct buf out;          /* stdout, at most RUN_MAX_OUT bytes */
	char errtext[RUN_MAX_ERR];   /* stderr, cut, one line */
	int status;              /* from waitpid */
};

static void
run_free(struct run *r)
{
	buf_free(&r->out);
}

/* stderr as one line: control bytes become spaces, the end trimmed. */
static void
errtext_add(struct run *r, size_t *elen, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && *elen + 1 < sizeof(r->errtext); i++) {
		char c = (p[i] < 0x20 || p[i] > 0x7e) ? ' ' : (char)p[i];
		if (c == ' ' && (*elen == 0 || r->errtext[*elen - 1] == ' '))
			continue;
		r->errtext[(*elen)++] = c;
	}
	r->errtext[*elen] = '\0';
}

/*
 * Run argv[0] (an absolute path; no PATH search, no shell) with in on its
 * standard input; collect its output.  timeout_ms 0 waits as long as it
 * takes (signing may ask for a passphrase on the terminal).  SIGPIPE is
 * held back while writing so that a child that exits early cannot kill us.
 */
static int
run(char *const argv[], const void *in, size_t inlen, int timeout_ms,
    struct run *r, struct fe_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, pipeset, old;
	struct pollfd pfd[3];
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	size_t inoff = 0, elen = 0;
	uint8_t chunk[4096];
	int64_t deadline = 0;
	struct timespec ts;
	pid_t pid;
	ssize_t n;
	int rc, nfd, i, timedout = 0, spawned;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out, RUN_MAX_OUT);
	if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 ||
	    pipe2(perr, O_CLOEXEC) != 0) {
		rc = fe_err_sys(err, "%s: cannot make pipes", argv[0]);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &pipeset);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	spawned = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (spawned != 0) {
		errno = spawned;
		rc = fe_err_sys(err, "cannot run %s", argv[0]);
		goto out;
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (inlen == 0) {
		close(pin[1]);
		pin[1] = -1;
	} else {
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
	}
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
		    timeout_ms;
	}

	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	while (pout[0] >= 0 || perr[0] >= 0) {
		int wait_ms = -1;

		nfd = 0;
		pfd[nfd].fd = pout[0];
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = perr[0];
		pfd[nfd++].events = POLLIN;
		pfd[nfd].fd = pin[1];
		pfd[nfd++].events = POLLOUT;
		if (deadline) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			wait_ms = (int)(deadline - ((int64_t)ts.tv_sec * 1000 +
			    ts.tv_nsec / 1000000));
			if (wait_ms <= 0) {
				kill(pid, SIGKILL);
				timedout = 1;
				break;
			}
		}
		if (poll(pfd, (nfds_t)nfd, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			kill(pid, SIGKILL);
			break;
		}
		if (pin[1] >= 0 && (pfd[2].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			n = write(pin[1], (const uint8_t *)in + inoff,
			    inlen - inoff);
			if (n > 0)
				inoff += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    inoff == inlen) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
		for (i = 0; i < 2; i++) {
			int *fd = i == 0 ? &pout[0] : &perr[0];
			if (*fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			n = read(*fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(*fd);
				*fd = -1;
			} else if (i == 0) {
				/* Past the cap: kept reading so the child
				 * does not block, but refused below. */
				if (buf_add(&r->out, chunk, (size_t)n) != 0)
					r->out.max = 0;
			} else {
				errtext_add(r, &elen, chunk, (size_t)n);
			}
		}
	}
	/* A SIGPIPE raised by a write to a child that had exited is
	 * pending now: take it before unblocking. */
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	while (sigtimedwait(&pipeset, NULL, &ts) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (elen > 0 && r->errtext[elen - 1] == ' ')
		r->errtext[--elen] = '\0';

	while (waitpid(pid, &r->status, 0) < 0) {
		if (errno != EINTR) {
			rc = fe_err_sys(err, "%s: waitpid", argv[0]);
			goto out;
		}
	}
	if (timedout) {
		rc = fe_err_code(err, FE_EIO, "%s: no answer within %d s, "
		    "killed", argv[0], timeout_ms / 1000);
		goto out;
	}
	if (r->out.max == 0) {
		rc = fe_err_code(err, FE_EIO, "%s: more than %d bytes of "
		    "output", argv[0], RUN_MAX_OUT);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	if (rc != 0)
		run_free(r);
	return rc;
}

static bool
exited_ok(const struct run *r)
{
	return WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

/* ---- sshsig --------------------------------------------------------- */

/*
 * The public key inside an armored sshsig file (PROTOCOL.sshsig), base64
 * as in allowed-signers and .pub files.  The file is untrusted: every
 * length is checked against what is left.
 */
int
sshsig_pubkey(const char *sigfile, char **b64, struct fe_err *err)
{
	static const char begin[] = "-----BEGIN SSH SIGNATURE-----\n";
	static const char end[] = "-----END SSH SIGNATURE-----";
	uint8_t *file = NULL, *raw = NULL;
	const uint8_t *magic, *key;
	char *text = NULL, *e;
	size_t len, i, o = 0;
	uint32_t ver, klen;
	struct rd r;
	int n, rc = FE_EINVAL;

	if (fe_read_file(sigfile, SSHSIG_MAX_FILE, &file, &len, err) != 0)
		return FE_EIO;
	if (len < sizeof(begin) - 1 || memcmp(file, begin,
	    sizeof(begin) - 1) != 0 || (e = strstr((char *)file, end)) ==
	    NULL) {
		fe_err_set(err, "%s: not an SSH signature (no BEGIN/END SSH "
		    "SIGNATURE lines)", sigfile);
		goto out;
	}
	text = fe_malloc(len + 1);
	for (i = sizeof(begin) - 1; file + i < (uint8_t *)e; i++)
		if (file[i] != '\n' && file[i] != '\r')
			text[o++] = (char)file[i];
	text[o] = '\0';
	if (o == 0 || o % 4 != 0) {
		fe_err_set(err, "%s: not an SSH signature (bad base64)",
		    sigfile);
		goto out;
	}
	raw = fe_malloc(o);
	n = EVP_DecodeBlock(raw, (const unsigned char *)text, (int)o);
	if (n < 0) {
		fe_err_set(err, "%s: not an SSH signature (bad base64)",
		    sigfile);
		goto out;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (o >= 1 && text[o - 1] == '=')
		n--;
	if (o >= 2 && text[o - 2] == '=')
		n--;
	rd_init(&r, raw, (size_t)n);
	if (rd_bytes(&r, 6, &magic) != 0 || memcmp(magic, "SSHSIG", 6) != 0 ||
	    rd_u32be(&r, &ver) != 0 || ver != 1 || rd_u32be(&r, &klen) != 0 ||
	    klen == 0 || klen > 8192 || rd_bytes(&r, klen, &key) != 0) {
		fe_err_set(err, "%s: not an SSH signature (no SSHSIG v1 "
		    "header with a public key)", sigfile);
		goto out;
	}
	*b64 = fe_malloc(4 * ((klen + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)*b64, key, (int)klen);
	rc = 0;
out:
	free(file);
	free(text);
	free(raw);
	return rc;
}

/* How many lines of the allowed-signers file carry the key b64 (as a
 * whitespace-separated field), and whether one of them lists several
 * principals. */
static int
count_key_lines(const char *allowed, const char *b64, size_t *count,
    bool *multi, struct fe_err *err)
{
	uint8_t *p;
	size_t len, klen = strlen(b64), i, ls, le, f, fend;
	bool first;

	if (fe_read_file(allowed, SSHSIG_MAX_ALLOWED, &p, &len, err) != 0)
		return FE_EIO;
	*count = 0;
	*multi = false;
	for (ls = 0; ls < len; ls = le + 1) {
		for (le = ls; le < len && p[le] != '\n'; le++)
			;
		first = true;
		for (i = ls; i < le; i = fend) {
			while (i < le && (p[i] == ' ' || p[i] == '\t'))
				i++;
			if (i >= le)
				break;
			f = i;
			for (fend = f; fend < le && p[fend] != ' ' &&
			    p[fend] != '\t'; fend++)
				;
			if (first && p[f] == '#')
				break;
			if (fend - f == klen && memcmp(p + f, b64, klen) == 0) {
				(*count)++;
				/* The principals are the first field. */
				for (f = ls; f < le && (p[f] == ' ' ||
				    p[f] == '\t'); f++)
					;
				for (; f < le && p[f] != ' ' && p[f] != '\t';
				    f++)
					if (p[f] == ',')
						*multi = true;
				break;
			}
			first = false;
		}
	}
	free(p);
	return 0;
}

int
sshsig_verify(const char *allowed_signers, const char *sigfile,
    const void *msg, size_t len, char **principal, struct fe_err *err)
{
	char *fp_argv[] = { SSHSIG_KEYGEN, "-Y", "find-principals", "-s",
		(char *)sigfile, "-f", (char *)allowed_signers, NULL };
	struct run r;
	char *name = NULL, *b64 = NULL, *nl;
	size_t count, nlen;
	bool multi;
	int rc;

	if (access(allowed_signers, R_OK) != 0)
		return fe_err_sys(err, "allowed signers %s", allowed_signers);
	if ((rc = sshsig_pubkey(sigfile, &b64, err)) != 0)
		return rc;
	rc = count_key_lines(allowed_signers, b64, &count, &multi, err);
	free(b64);
	if (rc != 0)
		return rc;
	if (count > 1 || multi)
		return fe_err_code(err, FE_EPOLICY, "%s: the signing key is "
		    "listed for more than one principal in %s: ambiguous, "
		    "refused (list each key once, for one person)", sigfile,
		    allowed_signers);
	if (run(fp_argv, NULL, 0, RUN_TIMEOUT_MS, &r, err) != 0)
		return FE_EIO;
	if (!exited_ok(&r)) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: signed by a key that is "
		    "not in the allowed signers %s (ssh-keygen -Y "
		    "find-principals: %s)", sigfile, allowed_signers,
		    r.errtext[0] ? r.errtext : "no principal");
		goto out;
	}
	if (buf_cstr(&r.out) != 0)
		fe_fatal("buf_cstr");
	nl = memchr(r.out.p, '\n', r.out.len);
	nlen = nl ? (size_t)(nl - (char *)r.out.p) : r.out.len;
	if (nl != NULL && (size_t)(nl - (char *)r.out.p) + 1 != r.out.len) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: the signing key matches "
		    "more than one principal in %s: ambiguous, refused",
		    sigfile, allowed_signers);
		goto out;
	}
	if (!ticket_name_ok((char *)r.out.p, nlen)) {
		char s[400];
		show((char *)r.out.p, nlen, s, sizeof(s));
		rc = fe_err_code(err, FE_EPOLICY, "%s: principal '%s' from %s "
		    "is not a usable name (letters, digits, '.', '_', '@', "
		    "'+', '-')", sigfile, s, allowed_signers);
		goto out;
	}
	name = fe_strndup((char *)r.out.p, nlen);
	run_free(&r);
	{
		char *v_argv[] = { SSHSIG_KEYGEN, "-Y", "verify", "-f",
			(char *)allowed_signers, "-I", name, "-n",
			TICKET_NAMESPACE, "-s", (char *)sigfile, NULL };
		if (run(v_argv, msg, len, RUN_TIMEOUT_MS, &r, err) != 0) {
			free(name);
			return FE_EIO;
		}
	}
	if (!exited_ok(&r)) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: the signature by %s does "
		    "not verify over this statement: the ticket changed after "
		    "it was signed, or it was made for another ticket, action "
		    "or note (ssh-keygen -Y verify: %s)", sigfile, name,
		    r.errtext[0] ? r.errtext : "failed");
		free(name);
		goto out;
	}
	*principal = name;
	rc = 0;
out:
	run_free(&r);
	return rc;
}

int
sshsig_sign(const char *keyfile, const void *msg, size_t len,
    const char *sigfile, struct fe_err *err)
{
	char *argv[] = { SSHSIG_KEYGEN, "-Y", "sign", "-q", "-f",
		(char *)keyfile, "-n", TICKET_NAMESPACE, NULL };
	struct run r;
	size_t off = 0;
	ssize_t n;
	int fd, rc;

	/* No timeout: ssh-keygen may ask for the key's passphrase. */
	if (run(argv, msg, len, 0, &r, err) != 0)
		return FE_EIO;
	if (!exited_ok(&r) || r.out.len == 0) {
		rc = fe_err_code(err, FE_EIO, "%s: ssh-keygen -Y sign failed: "
		    "%s", keyfile, r.errtext[0] ? r.errtext : "no signature");
		goto out;
	}
	fd = open(sigfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = fe_err_sys(err, "%s: cannot create", sigfile);
		goto out;
	}
	while (off < r.out.len) {
		n = write(fd, r.out.p + off, r.out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = fe_err_sys(err, "%s: cannot write", sigfile);
			close(fd);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		rc = fe_err_sys(err, "%s: cannot write", sigfile);
		goto out;
	}
	rc = 0;
out:
	run_free(&r);
	return rc;
}

/* ---- loading -------------------------------------------------------- */

/* Verify DIR/ID/FILE over stmt: *who and *key (base64) on success. */
static int
verify_file(const char *tdir, uint64_t id, const char *file,
    const char *allowed, const char *stmt, char **who, char **key,
    struct fe_err *err)
{
	char path[PATH_MAX];
	int rc;

	if (fe_snprintf_ok(path, sizeof(path), "%s/%s", tdir, file) != 0)
		return fe_err_set(err, "ticket %llu: path too long",
		    (unsigned long long)id);
	rc = sshsig_pubkey(path, key, err);
	if (rc == 0) {
		rc = sshsig_verify(allowed, path, stmt, strlen(stmt), who, err);
		if (rc != 0) {
			free(*key);
			*key = NULL;
		}
	}
	if (rc != 0)
		fe_err_prefix(err, "ticket %llu: %s", (unsigned long long)id,
		    file);
	return rc;
}

static bool
exists(const char *tdir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	if (fe_snprintf_ok(path, sizeof(path), "%s/%s", tdir, file) != 0)
		return false;
	return lstat(path, &st) == 0;
}

int
ticket_load(const char *dir, uint64_t id, const char *allowed_signers,
    struct ticket *out, struct fe_err *err)
{
	struct ticket t;
	char tdir[PATH_MAX], path[PATH_MAX], name[64];
	char *stmt = NULL, *who = NULL, *okey = NULL, *key = NULL;
	uint8_t *body = NULL, *note = NULL, note_sha[32];
	size_t len, nlen;
	struct stat st;
	int rc;

	memset(&t, 0, sizeof(t));
	fe_snprintf(name, sizeof(name), "ticket %llu", (unsigned long long)id);
	if (fe_snprintf_ok(tdir, sizeof(tdir), "%s/%llu", dir,
	    (unsigned long long)id) != 0 ||
	    fe_snprintf_ok(path, sizeof(path), "%s/ticket", tdir) != 0)
		return fe_err_set(err, "%s: path too long", name);
	if (stat(tdir, &st) != 0)
		return fe_err_code(err, FE_ENOENT, "%s: no such ticket in %s",
		    name, dir);
	if (fe_read_file(path, TICKET_MAX_BODY, &body, &len, err) != 0) {
		fe_err_prefix(err, "%s", name);
		return FE_EIO;
	}
	if ((rc = ticket_parse(name, body, len, &t, err)) != 0)
		goto out;
	if (t.id != id) {
		rc = fe_err_set(err, "%s: the body says id %llu (a body copied "
		    "from another ticket?)", name, (unsigned long long)t.id);
		goto out;
	}

	/* open.sig: the opener named in the body. */
	stmt = ticket_statement("open", &t, NULL);
	if ((rc = verify_file(tdir, id, "open.sig", allowed_signers, stmt,
	    &who, &okey, err)) != 0)
		goto out;
	if (strcmp(who, t.opened_by) != 0) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: open.sig: signed by %s, "
		    "but the body names %s as the opener", name, who,
		    t.opened_by);
		goto out;
	}
	free(who);
	who = NULL;
	free(stmt);
	stmt = NULL;

	/* approve.sig: anyone else in allowed signers. */
	if (exists(tdir, "approve.sig")) {
		stmt = ticket_statement("approve", &t, NULL);
		if ((rc = verify_file(tdir, id, "approve.sig", allowed_signers,
		    stmt, &who, &key, err)) != 0)
			goto out;
		if ((rc = ticket_four_eyes(&t, "approve.sig", who, okey, key,
		    err)) != 0)
			goto out;
		t.approved_by = who;
		who = NULL;
		t.state = TICKET_APPROVED;
		free(stmt);
		stmt = NULL;
		free(key);
		key = NULL;
	}

	/* review and review.sig: both or neither, only after approval. */
	if (exists(tdir, "review") != exists(tdir, "review.sig")) {
		rc = fe_err_code(err, FE_EPOLICY, "%s: %s without %s", name,
		    exists(tdir, "review") ? "review" : "review.sig",
		    exists(tdir, "review") ? "review.sig" : "review");
		goto out;
	}
	if (exists(tdir, "review")) {
		if (t.state != TICKET_APPROVED) {
			rc = fe_err_code(err, FE_EPOLICY, "%s: reviewed but not "
			    "approved (a review needs an approval first, "
			    "POLICY.md M2)", name);
			goto out;
		}
		if (fe_snprintf_ok(path, sizeof(path), "%s/review", tdir) != 0) {
			rc = fe_err_set(err, "%s: path too long", name);
			goto out;
		}
		if ((rc = fe_read_file(path, TICKET_MAX_NOTE, &note, &nlen,
		    err)) != 0) {
			fe_err_prefix(err, "%s", name);
			goto out;
		}
		if ((rc = ticket_note_check(name, note, nlen, err)) != 0)
			goto out;
		sha256(note, nlen, note_sha);
		stmt = ticket_statement("review", &t, note_sha);
		if ((rc = verify_file(tdir, id, "review.sig", allowed_signers,
		    stmt, &who, &key, err)) != 0)
			goto out;
		if ((rc = ticket_four_eyes(&t, "review.sig", who, okey, key,
		    err)) != 0)
			goto out;
		t.reviewed_by = who;
		who = NULL;
		t.review_note = (char *)note;
		note = NULL;
		t.state = TICKET_REVIEWED;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
	rc = 0;
out:
	ticket_clear(&t);
	free(body);
	free(note);
	free(stmt);
	free(who);
	free(okey);
	free(key);
	return rc;
}

int
ticket_four_eyes(const struct ticket *t, const char *what, const char *who,
    const char *opener_key, const char *key, struct fe_err *err)
{
	if (strcmp(who, t->opened_by) == 0)
		return fe_err_code(err, FE_EPOLICY, "ticket %llu: %s: signed by "
		    "%s, who opened the ticket: four eyes (POLICY.md M4)",
		    (unsigned long long)t->id, what, who);
	if (opener_key != NULL && key != NULL && strcmp(opener_key, key) == 0)
		return fe_err_code(err, FE_EPOLICY, "ticket %llu: %s: signed "
		    "as %s but with the key that opened the ticket (as %s): "
		    "four eyes (POLICY.md M4)", (unsigned long long)t->id,
		    what, who, t->opened_by);
	return 0;
}

/* A directory name that is a ticket id: decimal, no leading zero. */
static bool
id_name(const char *s, uint64_t *id)
{
	size_t i, len = strlen(s);

	if (len < 1 || len > 9 || s[0] == '0')
		return false;
	*id = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*id = *id * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
ticket_list_ids(const char *dir, uint64_t **ids, size_t *n,
    struct fe_err *err)
{
	DIR *d;
	struct dirent *de;
	uint64_t *v = NULL, id;
	size_t cnt = 0, cap = 0;

	d = opendir(dir);
	if (d == NULL) {
		int code = errno == ENOENT ? FE_ENOENT : FE_EIO;
		fe_err_sys(err, "tickets %s: cannot open", dir);
		return code;
	}
	while ((de = readdir(d)) != NULL) {
		if (!id_name(de->d_name, &id))
			continue;
		if (cnt == TICKET_MAX_TICKETS) {
			closedir(d);
			free(v);
			return fe_err_set(err, "tickets %s: more than "
			    "TICKET_MAX_TICKETS (%d) tickets", dir,
			    TICKET_MAX_TICKETS);
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			v = fe_realloc(v, cap * sizeof(*v));
		}
		v[cnt++] = id;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), u64_cmp);
	*ids = v;
	*n = cnt;
	return 0;
}

int
ticket_load_all(const char *dir, const char *allowed_signers,
    struct ticket **v, size_t *n, ticket_bad_cb badcb, void *arg,
    struct fe_err *err)
{
	struct ticket *out = NULL;
	struct fe_err e;
	uint64_t *ids;
	size_t nids, i, cnt = 0;
	int rc;

	if ((rc = ticket_list_ids(dir, &ids, &nids, err)) != 0)
		return rc;
	if (nids > 0)
		out = fe_calloc(nids, sizeof(*out));
	for (i = 0; i < nids; i++) {
		if (ticket_load(dir, ids[i], allowed_signers, &out[cnt], &e) ==
		    0)
			cnt++;
		else if (badcb != NULL)
			badcb(ids[i], e.msg, arg);
	}
	free(ids);
	*v = out;
	*n = cnt;
	return 0;
}

void
ticket_free_all(struct ticket *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ticket_clear(&v[i]);
	free(v);
}
