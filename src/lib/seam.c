/*
 * seam.c - time and randomness behind replaceable function pointers.
 *
 * gmtime/localtime are not used (STYLE.md): gmtime_r only, and parsing is
 * done by hand with timegm so the local timezone never matters.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "err.h"
#include "seam.h"

static fe_clock_fn clock_fn;
static fe_random_fn random_fn;

void
fe_seam_set_clock(fe_clock_fn fn)
{
	clock_fn = fn;
}

void
fe_seam_set_random(fe_random_fn fn)
{
	random_fn = fn;
}

struct timespec
fe_now(void)
{
	struct timespec ts;

	if (clock_fn != NULL)
		return clock_fn();
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		fe_fatal("clock_gettime failed");
	return ts;
}

int64_t
fe_now_sec(void)
{
	return (int64_t)fe_now().tv_sec;
}

void
fe_random(void *p, size_t n)
{
	if (random_fn != NULL) {
		if (random_fn(p, n) != 0)
			fe_fatal("random source failed");
		return;
	}
	if (n > (size_t)INT32_MAX || RAND_priv_bytes(p, (int)n) != 1)
		fe_fatal("RAND_priv_bytes failed: no randomness");
}

void
fe_time_format(struct timespec ts, char out[FE_TIME_STR])
{
	struct tm tm;
	time_t t = ts.tv_sec;

	if (gmtime_r(&t, &tm) == NULL)
		fe_fatal("gmtime_r failed");
	fe_snprintf(out, FE_TIME_STR, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000));
}

int
fe_time_format_sec(int64_t sec, char out[FE_TIME_STR])
{
	struct tm tm;
	time_t t = (time_t)sec;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0)
		return -1;
	fe_snprintf(out, FE_TIME_STR, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return 0;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
fe_time_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t len = strlen(s);
	time_t t;

	if (len != 10 && len != 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (len == 20 && (s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &se) || s[19] != 'Z'))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || se > 59)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}
