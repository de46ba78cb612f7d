/*
 * mime.h - the parts of an Internet mail message that fe-web's mail and
 * fe-watch's alerts both write: the Date (RFC 5322 3.3), a quoted-printable
 * body (RFC 2045 6.7), and a reader that hands the message to libcurl's
 * SMTP upload (CURLOPT_READFUNCTION) without this header needing libcurl.
 */
#ifndef FE_LIB_MIME_H
#define FE_LIB_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* when as an RFC 5322 date in UTC ("Mon, 23 Nov 2026 08:00:00 +0000");
 * day and month names from tables, not the locale. */
void mime_date(int64_t when, char *out, size_t size);

/*
 * s as quoted-printable with CRLF line ends: lines of at most 76
 * characters, '=' and every byte outside printable ASCII encoded, white
 * space at a line end encoded.  Input lines end with LF or CRLF (a lone CR
 * is encoded); the output ends with a line end.  -1 if b is full.
 */
int mime_qp_add(struct buf *b, const char *s);

/* A message being read out by mime_read (a CURLOPT_READFUNCTION; arg is
 * the struct mime_reader). */
struct mime_reader {
	const uint8_t *p;
	size_t len, off;
};

size_t mime_read(char *dst, size_t size, size_t nitems, void *arg);

#endif
