/*
 * fuzz_webinput.c - libFuzzer target for fe-web's JSON request bodies,
 * input_parse() (src/web/input.c).  The same bytes are parsed with the
 * tables of sign-up, certificate request, assurance and one table holding
 * every other kind, so every kind of value is reached.
 *
 * Invariants (abort() when broken).  On success: every required field is
 * present; an absent field is all zeros; strings are NUL-free valid UTF-8
 * within their kind's cap; names and places have no control characters and
 * no space at either end; emails and domains have no ASCII upper case
 * after the '@' (resp. anywhere); tokens pass token_syntax_ok; an enum is
 * one of its choices; an integer is within its bounds; a list has at most
 * INPUT_LIST_MAX items, ends with NULL and holds no two equal items; a CSR
 * begins (after white space) with its BEGIN line.  On failure: out[] is all
 * zeros and the message is non-empty, valid UTF-8 without control
 * characters (fe-web puts it in a JSON answer and a log line).
 */
#include <stdlib.h>
#include <string.h>

#include "web/input.h"
#include "web/passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static const char *const profiles[] = {
	"email", "email-name", "server", "code-signing", NULL,
};
static const char *const methods[] = { "dns", "http", "email", NULL };

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
	{ "name", IN_DOMAIN, false, 0, 0, NULL },
	{ "reason", IN_ENUM, false, 0, 0, input_reasons },
	{ "method", IN_ENUM, false, 0, 0, methods },
	{ "password", IN_PASSWORD, false, 0, 0, NULL },
	{ "address", IN_EMAIL, false, 0, 0, NULL },
	{ "n", IN_INT, false, -9223372036854775807LL - 1,
	    9223372036854775807LL, NULL },
	{ "b", IN_BOOL, false, 0, 0, NULL },
};

static const struct {
	const struct in_field *f;
	size_t n;
} tables[] = {
	{ signup, sizeof(signup) / sizeof(signup[0]) },
	{ request, sizeof(request) / sizeof(request[0]) },
	{ assurance, sizeof(assurance) / sizeof(assurance[0]) },
	{ misc, sizeof(misc) / sizeof(misc[0]) },
};

/* Valid UTF-8; with no_ctl, no C0, DEL or C1 either. */
static int
utf8_ok(const char *s, size_t len, int no_ctl)
{
	size_t off, n;
	uint32_t cp;

	for (off = 0; off < len; off += n) {
		if ((n = input_utf8_seq((const uint8_t *)s + off, len - off,
		    &cp)) == 0)
			return 0;
		if (no_ctl && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
			return 0;
	}
	return 1;
}

static int
zero(const struct in_value *v)
{
	return !v->present && v->s == NULL && v->list == NULL &&
	    v->nlist == 0 && v->i == 0 && !v->b;
}

static int
no_upper(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			return 0;
	return 1;
}

static void
check_string(const struct in_field *f, const char *s)
{
	size_t len = strlen(s), i;

	check(utf8_ok(s, len, f->kind == IN_NAME || f->kind == IN_TEXT));
	switch (f->kind) {
	case IN_NAME:
	case IN_TEXT:
		check(len > 0 && s[0] != ' ' && s[len - 1] != ' ');
		check(len <= 4 * (f->kind == IN_NAME ? INPUT_NAME_MAX :
		    INPUT_TEXT_MAX));
		break;
	case IN_DOB:
	case IN_DATE:
		check(len == 10 && s[4] == '-' && s[7] == '-');
		break;
	case IN_EMAIL:
		check(len <= 254 && strchr(s, '@') != NULL &&
		    no_upper(strchr(s, '@')));
		break;
	case IN_PASSWORD:
		check(len >= 10 && len <= 256);
		break;
	case IN_DOMAIN:
		check(len <= 253 && no_upper(s) && strchr(s, '*') == NULL &&
		    strchr(s, '.') != NULL);
		break;
	case IN_TOKEN:
		check(token_syntax_ok(s));
		break;
	case IN_CSR:
		check(len <= INPUT_CSR_MAX);
		i = strspn(s, " \t\r\n");
		check(strncmp(s + i, "-----BEGIN CERTIFICATE REQUEST-----",
		    35) == 0);
		break;
	case IN_ENUM:
		for (i = 0; f->choices[i] != NULL; i++)
			if (strcmp(s, f->choices[i]) == 0)
				break;
		check(f->choices[i] != NULL);
		break;
	default:
		check(0);
	}
}

static void
check_value(const struct in_field *f, const struct in_value *v)
{
	size_t i, j;

	if (!v->present) {
		check(!f->required && zero(v));
		return;
	}
	switch (f->kind) {
	case IN_INT:
		check(v->s == NULL && v->list == NULL);
		check(v->i >= f->min && v->i <= f->max);
		break;
	case IN_BOOL:
		check(v->s == NULL && v->list == NULL);
		break;
	case IN_DNSLIST:
	case IN_EMAILLIST:
		check(v->s == NULL && v->list != NULL);
		check(v->nlist <= INPUT_LIST_MAX && v->list[v->nlist] == NULL);
		for (i = 0; i < v->nlist; i++) {
			check(v->list[i] != NULL);
			check(utf8_ok(v->list[i], strlen(v->list[i]), 1));
			if (f->kind == IN_DNSLIST)
				check(no_upper(v->list[i]));
			else
				check(no_upper(strchr(v->list[i], '@')));
			for (j = 0; j < i; j++)
				check(strcmp(v->list[i], v->list[j]) != 0);
		}
		break;
	default:
		check(v->s != NULL && v->list == NULL);
		check_string(f, v->s);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_value out[8];
	struct fe_err err;
	size_t t, i;
	char *copy;
	int rc;

	/* An exact-size copy, so ASan sees any read past len. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		memset(out, 0x5a, sizeof(out));
		err.msg[0] = '\0';
		rc = input_parse(copy, size, tables[t].f, tables[t].n, out,
		    &err);
		if (rc != 0) {
			check(rc == FE_EINVAL);
			check(err.msg[0] != '\0');
			check(utf8_ok(err.msg, strlen(err.msg), 1));
			for (i = 0; i < tables[t].n; i++)
				check(zero(&out[i]));
			continue;
		}
		for (i = 0; i < tables[t].n; i++)
			check_value(&tables[t].f[i], &out[i]);
		input_clear(out, tables[t].n);
		for (i = 0; i < tables[t].n; i++)
			check(zero(&out[i]));
	}
	free(copy);
	return 0;
}
