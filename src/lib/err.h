/*
 * err.h - error reporting for foureyes.
 *
 * Library functions return 0 (or a pointer) on success and a negative value
 * (or NULL) on failure, and put a message that names the subject, the rule
 * and the reason into the caller's struct fe_err.  Messages never go to
 * stdout.  Out of memory and broken internal invariants end the process
 * through fe_fatal(); bad input never does.
 */
#ifndef FE_ERR_H
#define FE_ERR_H

#include <stddef.h>
#include <stdarg.h>

#define FE_ERR_MAX 1024

struct fe_err {
	char msg[FE_ERR_MAX];
};

/* Error codes; every failure is one of these (negative). */
enum fe_rc {
	FE_OK = 0,
	FE_EINVAL = -1,   /* the input is malformed or breaks a rule */
	FE_EIO = -2,      /* a file or device operation failed */
	FE_ECRYPTO = -3,  /* a libcrypto operation failed */
	FE_ENOENT = -4,   /* the named thing does not exist */
	FE_EEXIST = -5,   /* the thing exists already */
	FE_EPOLICY = -6,  /* well-formed but refused by policy */
	FE_EDB = -7,      /* the database failed */
	FE_EBUSY = -8,    /* locked by someone else */
};

/* Set the message (err may be NULL) and return FE_EINVAL. */
int fe_err_set(struct fe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same, returning the given code. */
int fe_err_code(struct fe_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the message, append the drained OpenSSL error queue, return FE_ECRYPTO. */
int fe_err_ssl(struct fe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set the message, append strerror(errno), return FE_EIO. */
int fe_err_sys(struct fe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Put "prefix: " in front of the current message. */
void fe_err_prefix(struct fe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

_Noreturn void fe_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Allocation that ends the process on failure (STYLE.md: OOM is fatal). */
void *fe_malloc(size_t n);
void *fe_calloc(size_t n, size_t size);
void *fe_realloc(void *p, size_t n);
char *fe_strdup(const char *s);
char *fe_strndup(const char *s, size_t n);

/* snprintf that ends the process on truncation: for internal formatting of
 * bounded values where truncation would be a bug. */
void fe_snprintf(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* snprintf that reports truncation: returns 0 or -1. */
int fe_snprintf_ok(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
