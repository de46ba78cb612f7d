/*
 * err.c - error messages and fatal allocation helpers.
 *
 * Messages are formatted into a fixed buffer owned by the caller; a message
 * that does not fit is cut with "..." rather than lost.  The OpenSSL error
 * queue is drained into the message so that a failure of libcrypto says why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

static void
mark_truncated(struct fe_err *err)
{
	size_t n = sizeof(err->msg);
	memcpy(err->msg + n - 4, "...", 4);
}

static void
vset(struct fe_err *err, const char *fmt, va_list ap)
{
	int n;

	if (err == NULL)
		return;
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		fe_snprintf(err->msg, sizeof(err->msg), "(unformattable message)");
	else if ((size_t)n >= sizeof(err->msg))
		mark_truncated(err);
}

static void
append(struct fe_err *err, const char *s)
{
	size_t used, room;

	if (err == NULL)
		return;
	used = strlen(err->msg);
	room = sizeof(err->msg) - used;
	if ((size_t)snprintf(err->msg + used, room, "%s", s) >= room)
		mark_truncated(err);
}

int
fe_err_set(struct fe_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	return FE_EINVAL;
}

int
fe_err_code(struct fe_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	return code;
}

int
fe_err_ssl(struct fe_err *err, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	char line[256];
	int first = 1;

	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof(line));
		append(err, first ? ": " : "; ");
		append(err, line);
		first = 0;
	}
	return FE_ECRYPTO;
}

int
fe_err_sys(struct fe_err *err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	append(err, ": ");
	append(err, strerror(saved));
	errno = saved;
	return FE_EIO;
}

void
fe_err_prefix(struct fe_err *err, const char *fmt, ...)
{
	char old[FE_ERR_MAX];
	va_list ap;

	if (err == NULL)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vset(err, fmt, ap);
	va_end(ap);
	append(err, ": ");
	append(err, old);
}

void
fe_fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *
fe_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fe_fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
fe_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fe_fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
fe_realloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL)
		fe_fatal("out of memory (%zu bytes)", n);
	return p;
}

char *
fe_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fe_fatal("out of memory (strdup)");
	return p;
}

char *
fe_strndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fe_fatal("out of memory (strndup)");
	return p;
}

void
fe_snprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		fe_fatal("internal: formatted text longer than %zu bytes", size);
}

int
fe_snprintf_ok(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}
