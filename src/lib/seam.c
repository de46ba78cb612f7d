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

/*
 * Days since 1970-01-01 to a date: the days are counted from 0000-03-01 in
 * 400-year eras of 146,097 days, so that the leap day ends each year of
 * the count (years from March; January and February belong to the next).
 */
void
fe_utc(int64_t t, struct fe_utc *out)
{
	int64_t days = t / 86400, secs = t % 86400, z, era;
	unsigned doe, yoe, doy, mp;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;              /* days from 0000-03-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);                /* 0 to 146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);    /* from March 1 */
	mp = (5 * doy + 2) / 153;                          /* March is 0 */
	out->mday = doy - (153 * mp + 2) / 5 + 1;
	out->mon = mp < 10 ? mp + 3 : mp - 9;
	out->year = (int64_t)yoe + era * 400 + (out->mon <= 2);
	out->hour = (unsigned)(secs / 3600);
	out->min = (unsigned)(secs / 60 % 60);
	out->sec = (unsigned)(secs % 60);
}

/* v as n decimal digits at p (leading zeros). */
static void
put_dec(char *p, unsigned long v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* "YYYY-MM-DDTHH:MM:SS" at out (19 characters); -1 outside years 0-9999. */
static int
put_utc(int64_t t, char *out)
{
	struct fe_utc u;

	fe_utc(t, &u);
	if (u.year < 0 || u.year > 9999)
		return -1;
	put_dec(out, (unsigned long)u.year, 4);
	out[4] = '-';
	put_dec(out + 5, u.mon, 2);
	out[7] = '-';
	put_dec(out + 8, u.mday, 2);
	out[10] = 'T';
	put_dec(out + 11, u.hour, 2);
	out[13] = ':';
	put_dec(out + 14, u.min, 2);
	out[16] = ':';
	put_dec(out + 17, u.sec, 2);
	return 0;
}

void
fe_time_format(struct timespec ts, char out[FE_TIME_STR])
{
	if (put_utc((int64_t)ts.tv_sec, out) != 0)
		fe_fatal("time %lld is outside the years 0 to 9999",
		    (long long)ts.tv_sec);
	out[19] = '.';
	put_dec(out + 20, (unsigned long)(ts.tv_nsec / 1000), 6);
	memcpy(out + 26, "Z", 2);
}

int
fe_time_format_sec(int64_t sec, char out[FE_TIME_STR])
{
	if (put_utc(sec, out) != 0)
		return -1;
	memcpy(out + 19, "Z", 2);
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
