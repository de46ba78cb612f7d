/*
 * api.h - fe-web's JSON API (docs/web.md), between the HTTP transport
 * (server.c) and the handlers (api.c).
 */
#ifndef FE_WEB_API_H
#define FE_WEB_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "web/web.h"

/* One API request, as the transport read it. */
struct api_req {
	const char *method;        /* GET or POST */
	const char *path;          /* /api/... */
	const char *body;          /* POST body (not NUL-terminated) */
	size_t len;
	const char *cookie;        /* the fe_session cookie, or NULL */
	const char *csrf;          /* the X-CSRF-Token header, or NULL */
	const char *peer;          /* the client's address, for the log */
};

/* The answer: JSON (json != NULL) or raw bytes (a download). */
struct api_resp {
	unsigned status;
	json_t *json;
	unsigned char *raw;        /* malloc'd */
	size_t rawlen;
	const char *ctype;         /* for raw */
	char disposition[96];      /* Content-Disposition for raw, or "" */
	char cookie[160];          /* a Set-Cookie value, or "" */
};

/* Handle rq; always fills rs (an error is a JSON {"error": ...}). */
void api_handle(struct web *w, const struct api_req *rq, struct api_resp *rs);
void api_resp_clear(struct api_resp *rs);

/* The error body, and the status it goes with. */
void api_error(struct api_resp *rs, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
