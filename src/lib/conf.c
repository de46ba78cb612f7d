/*
 * conf.c - INI configuration through libinih.
 *
 * The whole file is read (bounded by CONF_MAX_BYTES) and handed to
 * ini_parse_string, which calls us back once per key.  We keep every entry,
 * refuse duplicates, and let typed getters interpret values on demand so that
 * each error can quote the exact value it refused.  Multi-line continuation
 * and inline comments are turned off: a value is the whole rest of its line,
 * so a ';' inside a URL or a subject is never cut off silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "conf.h"
#include "file.h"

struct entry {
	char *sec;
	char *key;
	char *val;
	bool used;
};

struct conf {
	char *name;
	struct entry *e;
	size_t n;
	char **secs;
	size_t nsecs;
	char dup[512];   /* first problem seen by the handler */
};

static void
setup_inih(void)
{
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = CONF_MAX_LINE;
	ini_initial_alloc = CONF_MAX_LINE;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
}

static int
handler(void *user, const char *sec, const char *key, const char *val)
{
	struct conf *c = user;
	size_t i;

	if (c->dup[0] != '\0')
		return 0;
	if (c->n >= CONF_MAX_ENTRIES) {
		fe_snprintf(c->dup, sizeof(c->dup), "more than %d keys",
		    CONF_MAX_ENTRIES);
		return 0;
	}
	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].sec, sec) == 0 &&
		    strcmp(c->e[i].key, key) == 0) {
			(void)fe_snprintf_ok(c->dup, sizeof(c->dup),
			    "[%.100s] %.100s is given twice", sec, key);
			return 0;
		}
	}
	c->e = fe_realloc(c->e, (c->n + 1) * sizeof(*c->e));
	c->e[c->n].sec = fe_strdup(sec);
	c->e[c->n].key = fe_strdup(key);
	c->e[c->n].val = fe_strdup(val);
	c->e[c->n].used = false;
	c->n++;
	for (i = 0; i < c->nsecs; i++)
		if (strcmp(c->secs[i], sec) == 0)
			return 1;
	c->secs = fe_realloc(c->secs, (c->nsecs + 1) * sizeof(*c->secs));
	c->secs[c->nsecs++] = fe_strdup(sec);
	return 1;
}

int
conf_load_string(const char *name, const char *text, struct conf **out,
    struct fe_err *err)
{
	const char *p;
	struct conf *c;
	size_t line, len;
	int rc;

	if (strlen(text) > CONF_MAX_BYTES)
		return fe_err_set(err, "%s: larger than %d bytes", name,
		    CONF_MAX_BYTES);
	/* libinih reads a longer line in pieces of ini_max_line - 1 bytes
	 * and parses each piece as a line: the value would be cut and the
	 * rest taken as a key of its own. */
	for (p = text, line = 1; *p != '\0'; line++) {
		len = strcspn(p, "\n");
		if (len > CONF_MAX_LINE - 3)
			return fe_err_set(err, "%s: line %zu: longer than %d "
			    "bytes", name, line, CONF_MAX_LINE - 3);
		p += len;
		if (*p == '\n')
			p++;
	}
	setup_inih();
	c = fe_calloc(1, sizeof(*c));
	c->name = fe_strdup(name);
	rc = ini_parse_string(text, handler, c);
	if (c->dup[0] != '\0') {
		fe_err_set(err, "%s: %s", name, c->dup);
		conf_free(c);
		return FE_EINVAL;
	}
	if (rc != 0) {
		if (rc > 0)
			fe_err_set(err, "%s: line %d: not a valid INI line "
			    "(expected [section], key = value, or a comment; "
			    "at most %d bytes)", name, rc, CONF_MAX_LINE - 3);
		else
			fe_err_set(err, "%s: cannot be parsed", name);
		conf_free(c);
		return FE_EINVAL;
	}
	*out = c;
	return 0;
}

int
conf_load(const char *path, struct conf **out, struct fe_err *err)
{
	uint8_t *p;
	size_t len;
	int rc;

	if ((rc = fe_read_file(path, CONF_MAX_BYTES, &p, &len, err)) != 0) {
		fe_err_prefix(err, "configuration");
		return rc;
	}
	if (memchr(p, '\0', len) != NULL) {
		free(p);
		return fe_err_set(err, "%s: contains a NUL byte", path);
	}
	rc = conf_load_string(path, (char *)p, out, err);
	free(p);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->e[i].sec);
		free(c->e[i].key);
		free(c->e[i].val);
	}
	for (i = 0; i < c->nsecs; i++)
		free(c->secs[i]);
	free(c->e);
	free(c->secs);
	free(c->name);
	free(c);
}

const char *
conf_name(const struct conf *c)
{
	return c->name;
}

size_t
conf_nsections(const struct conf *c)
{
	return c->nsecs;
}

const char *
conf_section(const struct conf *c, size_t i)
{
	return i < c->nsecs ? c->secs[i] : NULL;
}

bool
conf_has_section(const struct conf *c, const char *sec)
{
	size_t i;

	for (i = 0; i < c->nsecs; i++)
		if (strcmp(c->secs[i], sec) == 0)
			return true;
	return false;
}

const char *
conf_str(struct conf *c, const char *sec, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].sec, sec) == 0 &&
		    strcmp(c->e[i].key, key) == 0) {
			c->e[i].used = true;
			return c->e[i].val;
		}
	}
	return NULL;
}

int
conf_req_str(struct conf *c, const char *sec, const char *key,
    const char **out, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);

	if (v == NULL || *v == '\0')
		return fe_err_set(err, "%s: [%s] %s is required", c->name, sec,
		    key);
	*out = v;
	return 0;
}

int
conf_uint(struct conf *c, const char *sec, const char *key, uint64_t min,
    uint64_t max, uint64_t def, uint64_t *out, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);
	char *end;
	unsigned long long x;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	if (*v < '0' || *v > '9')
		goto bad;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	return fe_err_set(err, "%s: [%s] %s = '%.64s': not a whole number "
	    "from %llu to %llu", c->name, sec, key, v,
	    (unsigned long long)min, (unsigned long long)max);
}

int
conf_bool(struct conf *c, const char *sec, const char *key, bool def,
    bool *out, struct fe_err *err)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	const char *v = conf_str(c, sec, key);
	size_t i;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fe_err_set(err, "%s: [%s] %s = '%.64s': expected yes or no",
	    c->name, sec, key, v);
}

int
conf_enum(struct conf *c, const char *sec, const char *key,
    const char *const *names, size_t n, int def, int *out, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);
	char list[512];
	size_t i, used = 0;

	if (v == NULL) {
		if (def < 0)
			return fe_err_set(err, "%s: [%s] %s is required",
			    c->name, sec, key);
		*out = def;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof(list) - 1; i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s",
		    i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return fe_err_set(err, "%s: [%s] %s = '%.64s': expected one of: %s",
	    c->name, sec, key, v, list);
}

int
conf_list(struct conf *c, const char *sec, const char *key, char ***items,
    size_t *n, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key), *p, *q, *a, *b;
	char **out = NULL;
	size_t cnt = 0;

	*items = NULL;
	*n = 0;
	if (v == NULL || *v == '\0')
		return 0;
	for (p = v;; p = q + 1) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		a = p;
		b = q;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (a == b) {
			conf_list_free(out, cnt);
			return fe_err_set(err, "%s: [%s] %s = '%.64s': empty "
			    "item in list", c->name, sec, key, v);
		}
		out = fe_realloc(out, (cnt + 1) * sizeof(*out));
		out[cnt++] = fe_strndup(a, (size_t)(b - a));
		if (*q == '\0')
			break;
	}
	*items = out;
	*n = cnt;
	return 0;
}

void
conf_list_free(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int
conf_check_unused(struct conf *c, struct fe_err *err)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!c->e[i].used)
			return fe_err_set(err, "%s: [%s] %s: unknown key "
			    "(misspelt, or not valid in this section)",
			    c->name, c->e[i].sec, c->e[i].key);
	return 0;
}
