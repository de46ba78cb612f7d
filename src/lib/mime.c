/*
 * mime.c - Date, quoted-printable and the upload reader of a mail message
 * (see mime.h), shared by src/web/mail.c and src/watch/alert.c.
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "lib/mime.h"
#include "lib/err.h"

void
mime_date(int64_t when, char *out, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec",
	};
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		fe_fatal("mime_date: time %lld out of range", (long long)when);
	fe_snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
mime_qp_add(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char tok[4];
	size_t col = 0, tn;
	bool eol;

	for (; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			if (buf_add(b, "\r\n", 2) != 0)
				return -1;
			col = 0;
			continue;
		}
		eol = p[1] == '\0' || p[1] == '\n' ||
		    (p[1] == '\r' && p[2] == '\n');
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && !eol)) {
			tok[0] = (char)*p;
			tn = 1;
		} else {
			fe_snprintf(tok, sizeof(tok), "=%02X", *p);
			tn = 3;
		}
		if (col + tn > 75) {
			if (buf_add(b, "=\r\n", 3) != 0)
				return -1;
			col = 0;
		}
		if (buf_add(b, tok, tn) != 0)
			return -1;
		col += tn;
	}
	if (col > 0 && buf_add(b, "\r\n", 2) != 0)
		return -1;
	return 0;
}

size_t
mime_read(char *dst, size_t size, size_t nitems, void *arg)
{
	struct mime_reader *r = arg;
	size_t n = size * nitems;

	if (n > r->len - r->off)
		n = r->len - r->off;
	memcpy(dst, r->p + r->off, n);
	r->off += n;
	return n;
}
