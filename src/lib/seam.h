/*
 * seam.h - the two things tests must be able to fix: time and randomness.
 *
 * Production code asks fe_now() for the time and fe_random() for random
 * bytes.  By default they are the system clock and OpenSSL's CSPRNG; a test
 * installs its own source with fe_seam_set_clock() / fe_seam_set_random().
 * There is no compile-time switch: the seam is a function pointer.
 */
#ifndef FE_SEAM_H
#define FE_SEAM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Current UTC time. */
struct timespec fe_now(void);
/* Seconds since the epoch. */
int64_t fe_now_sec(void);
/* Fill p with n bytes from the CSPRNG; ends the process if it fails. */
void fe_random(void *p, size_t n);

typedef struct timespec (*fe_clock_fn)(void);
typedef int (*fe_random_fn)(void *p, size_t n);   /* 0 on success */
void fe_seam_set_clock(fe_clock_fn fn);          /* NULL restores */
void fe_seam_set_random(fe_random_fn fn);        /* NULL restores */

/*
 * The UTC calendar date and time of t seconds since the epoch (proleptic
 * Gregorian, as gmtime_r gives it), by arithmetic alone: gmtime_r takes
 * glibc's time-zone lock each call, and the signer formats three times
 * for every certificate it logs.
 */
struct fe_utc {
	int64_t year;
	unsigned mon;                   /* 1 to 12 */
	unsigned mday, hour, min, sec;
};
void fe_utc(int64_t t, struct fe_utc *out);

/* RFC 3339 UTC with microseconds: "2026-11-22T21:58:00.123456Z". */
#define FE_TIME_STR 32
void fe_time_format(struct timespec ts, char out[FE_TIME_STR]);
/* Seconds, "2026-11-22T21:58:00Z"; -1 if out of range. */
int fe_time_format_sec(int64_t t, char out[FE_TIME_STR]);
/* Parse "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD" (midnight UTC). */
int fe_time_parse(const char *s, int64_t *out);

#endif
