/*
 * test_chainlog.c - the hash-chained log: durability of the chain across
 * reopen, torn tails, and that every kind of tampering is named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/chainlog.h"

static char dir[] = "/tmp/fe-test-chainlog.XXXXXX";
static char path[256];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/log", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
make_log(int n)
{
	struct clog *l;
	struct fe_err err;
	char p[64];
	int i;

	unlink(path);
	assert_int_equal(clog_open(path, &l, &err), 0);
	for (i = 1; i <= n; i++) {
		snprintf(p, sizeof(p), "record %d\twith tab %% and \n", i);
		assert_int_equal(clog_append(l, "test.rec", p, strlen(p), &err),
		    0);
	}
	assert_int_equal(clog_seq(l), (uint64_t)n);
	clog_close(l);
}

/* Read lines into an array (max 16). */
static int
read_lines(char lines[16][512])
{
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	while (n < 16 && fgets(lines[n], 512, f) != NULL)
		n++;
	fclose(f);
	return n;
}

static void
write_lines(char lines[16][512], const int *order, int n)
{
	FILE *f = fopen(path, "w");
	int i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		fputs(lines[order[i]], f);
	fclose(f);
}

static void
expect_fail(const char *what)
{
	struct fe_err err;

	assert_int_not_equal(clog_verify_file(path, NULL, NULL, &err), 0);
	if (strstr(err.msg, what) == NULL)
		fail_msg("expected '%s' in: %s", what, err.msg);
}

static void
chain_survives_reopen(void **state)
{
	struct clog *l;
	struct fe_err err;
	struct clog_summary s;
	(void)state;
	make_log(3);
	assert_int_equal(clog_open(path, &l, &err), 0);
	assert_int_equal(clog_seq(l), 3);
	assert_int_equal(clog_append(l, "test.rec", "four", 4, &err), 0);
	clog_close(l);
	assert_int_equal(clog_verify_file(path, NULL, &s, &err), 0);
	assert_int_equal(s.records, 4);
	assert_int_equal(s.last_seq, 4);
}

static void
second_writer_is_refused(void **state)
{
	struct clog *a, *b;
	struct fe_err err;
	(void)state;
	make_log(1);
	assert_int_equal(clog_open(path, &a, &err), 0);
	assert_int_equal(clog_open(path, &b, &err), FE_EBUSY);
	assert_non_null(strstr(err.msg, "in use"));
	clog_close(a);
}

static void
changed_byte_is_named(void **state)
{
	char lines[16][512];
	int order[5] = { 0, 1, 2, 3, 4 }, n;
	(void)state;
	make_log(5);
	n = read_lines(lines);
	assert_int_equal(n, 5);
	strstr(lines[2], "record 3")[7] = '9';
	write_lines(lines, order, 5);
	expect_fail("record 3 (line 3) was changed");
}

static void
removed_record_is_named(void **state)
{
	char lines[16][512];
	int order[4] = { 0, 1, 3, 4 };
	(void)state;
	make_log(5);
	read_lines(lines);
	write_lines(lines, order, 4);
	expect_fail("record 3 is missing");
}

static void
removed_first_record_is_named(void **state)
{
	char lines[16][512];
	int order[4] = { 1, 2, 3, 4 };
	(void)state;
	make_log(5);
	read_lines(lines);
	write_lines(lines, order, 4);
	expect_fail("record 1 is missing");
}

static void
swapped_records_are_named(void **state)
{
	char lines[16][512];
	int order[5] = { 0, 1, 3, 2, 4 };
	(void)state;
	make_log(5);
	read_lines(lines);
	write_lines(lines, order, 5);
	expect_fail("reordered: record 4 (line 3) comes before record 3");
}

static void
inserted_copy_is_named(void **state)
{
	char lines[16][512];
	int order[6] = { 0, 1, 1, 2, 3, 4 };
	(void)state;
	make_log(5);
	read_lines(lines);
	write_lines(lines, order, 6);
	expect_fail("record 2 appears twice (lines 2 and 3)");
}

static void
forged_line_is_named(void **state)
{
	char lines[16][512];
	int order[6] = { 0, 1, 5, 2, 3, 4 };
	(void)state;
	make_log(5);
	read_lines(lines);
	snprintf(lines[5], sizeof(lines[5]), "%s", "3\t2026-01-01T00:00:00."
	    "000000Z\ttest.rec\tforged\t"
	    "0000000000000000000000000000000000000000000000000000000000000000\t"
	    "0000000000000000000000000000000000000000000000000000000000000000\n");
	write_lines(lines, order, 6);
	expect_fail("record 3 (line 3) was changed");
}

static void
truncated_end_needs_head(void **state)
{
	char lines[16][512];
	int order[4] = { 0, 1, 2, 3 };
	struct clog *l;
	struct fe_err err;
	uint8_t head[32];
	(void)state;
	make_log(5);
	assert_int_equal(clog_open(path, &l, &err), 0);
	clog_head(l, head);
	clog_close(l);
	assert_int_equal(clog_verify_file(path, head, NULL, &err), 0);
	read_lines(lines);
	write_lines(lines, order, 4);
	assert_int_equal(clog_verify_file(path, NULL, NULL, &err), 0);
	assert_int_not_equal(clog_verify_file(path, head, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "ends at record 4"));
}

static void
torn_tail_is_cut_and_recorded(void **state)
{
	struct clog *l;
	struct fe_err err;
	struct clog_summary s;
	FILE *f;
	(void)state;
	make_log(2);
	f = fopen(path, "a");
	fputs("3\t2026-01-01T00:00", f);
	fclose(f);
	assert_int_equal(clog_verify_file(path, NULL, &s, &err), FE_EINVAL);
	assert_int_equal(clog_open(path, &l, &err), 0);
	assert_int_equal(clog_seq(l), 3);  /* torn-tail note is record 3 */
	clog_close(l);
	assert_int_equal(clog_verify_file(path, NULL, &s, &err), 0);
	assert_int_equal(s.records, 3);
}

static void
damaged_log_refuses_appends(void **state)
{
	char lines[16][512];
	int order[2] = { 0, 2 };
	struct clog *l;
	struct fe_err err;
	(void)state;
	make_log(3);
	read_lines(lines);
	write_lines(lines, order, 2);
	assert_int_not_equal(clog_open(path, &l, &err), 0);
	assert_non_null(strstr(err.msg, "damaged"));
}

static void
bad_type_and_oversize_refused(void **state)
{
	struct clog *l;
	struct fe_err err;
	char *big;
	(void)state;
	make_log(0);
	assert_int_equal(clog_open(path, &l, &err), 0);
	assert_int_not_equal(clog_append(l, "Bad Type", "x", 1, &err), 0);
	big = calloc(1, CLOG_MAX_PAYLOAD + 1);
	assert_int_not_equal(clog_append(l, "t", big, CLOG_MAX_PAYLOAD + 1,
	    &err), 0);
	assert_non_null(strstr(err.msg, "over the"));
	free(big);
	assert_int_equal(clog_seq(l), 0);
	clog_close(l);
}

static void
parse_rejects_malformed(void **state)
{
	struct clog_rec r;
	struct fe_err err;
	const char *z = "0000000000000000000000000000000000000000000000000000000000000000";
	char line[400];
	size_t n;
	(void)state;
	snprintf(line, sizeof(line), "01\t2026-01-01T00:00:00.000000Z\tt\tp\t%s\t%s", z, z);
	assert_int_not_equal(clog_parse_line(line, strlen(line), &r, &err), 0);
	snprintf(line, sizeof(line), "1\t2026-01-01T00:00:00.000000Z\tt\tp%%4\t%s\t%s", z, z);
	assert_int_not_equal(clog_parse_line(line, strlen(line), &r, &err), 0);
	snprintf(line, sizeof(line), "1\t2026-01-01T00:00:00.000000Z\tt\tp%%41\t%s\t%s", z, z);
	assert_int_not_equal(clog_parse_line(line, strlen(line), &r, &err), 0);
	assert_non_null(strstr(err.msg, "must be written plain"));
	/* A NUL after the date: the rest of the time was never checked. */
	snprintf(line, sizeof(line), "1\t2026-01-01Tzz:zz:zz.000000Z\tt\tp\t%s\t%s", z, z);
	n = strlen(line);
	line[12] = '\0';
	assert_int_not_equal(clog_parse_line(line, n, &r, &err), 0);
	assert_non_null(strstr(err.msg, "time is not RFC 3339"));
	snprintf(line, sizeof(line), "1\t2026-01-01T00:00:00.000000Z\tt\tp%%0a\t%s\t%s", z, z);
	assert_int_equal(clog_parse_line(line, strlen(line), &r, &err), 0);
	assert_int_equal(r.len, 2);
	clog_rec_clear(&r);
}

/* Writes to files may grow the log by `more` octets at most (EFBIG past
 * that); *old keeps the limit to put back with fsize_restore. */
static void
fsize_limit(off_t more, struct rlimit *old)
{
	struct rlimit lim;
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = *old;
	lim.rlim_cur = (rlim_t)(st.st_size + more);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void
fsize_restore(const struct rlimit *old)
{
	assert_int_equal(setrlimit(RLIMIT_FSIZE, old), 0);
	signal(SIGXFSZ, SIG_DFL);
}

/*
 * Records appended without a sync are written at clog_sync(): when that
 * write fails (here the file size limit, EFBIG), clog_sync() says so, the
 * log takes no more appends, and the file keeps the synced records, which
 * verify; the group whose write failed was never reported durable.
 */
static void
failed_group_write_breaks_the_log(void **state)
{
	struct clog *l;
	struct clog_summary sum;
	struct fe_err err;
	struct rlimit old;
	char p[200];
	int i;
	(void)state;

	make_log(3);
	assert_int_equal(clog_open(path, &l, &err), 0);
	fsize_limit(100, &old);
	memset(p, 'x', sizeof(p));
	for (i = 0; i < 4; i++)
		assert_int_equal(clog_append_nosync(l, "test.rec", p,
		    sizeof(p), &err), 0);
	assert_int_not_equal(clog_sync(l, &err), 0);
	assert_non_null(strstr(err.msg, "cannot write log record"));
	assert_int_not_equal(clog_append(l, "test.rec", "y", 1, &err), 0);
	assert_non_null(strstr(err.msg, "an earlier write failed"));
	clog_close(l);
	fsize_restore(&old);
	/* the write stopped inside the first record: reopening cuts that
	 * torn line and notes the cut as record 4 */
	assert_int_equal(clog_open(path, &l, &err), 0);
	assert_int_equal(clog_seq(l), 4);
	clog_close(l);
	assert_int_equal(clog_verify_file(path, NULL, &sum, &err), 0);
	assert_int_equal(sum.records, 4);
}

/*
 * clog_start() writes the records appended without a sync, so that other
 * readers see them and the disk can start on them; clog_sync() after it
 * has nothing left to write and makes them durable.  A log whose write
 * failed refuses clog_start() too.
 */
static void
start_writes_the_group(void **state)
{
	struct clog *l;
	struct clog_summary sum;
	struct fe_err err;
	struct stat st0, st1;
	char lines[16][512];
	(void)state;

	make_log(2);
	assert_int_equal(stat(path, &st0), 0);
	assert_int_equal(clog_open(path, &l, &err), 0);
	assert_int_equal(clog_append_nosync(l, "test.rec", "three", 5, &err),
	    0);
	assert_int_equal(clog_append_nosync(l, "test.rec", "four", 4, &err),
	    0);
	/* kept in memory until now */
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_size, st0.st_size);
	assert_int_equal(clog_start(l, &err), 0);
	assert_int_equal(read_lines(lines), 4);
	assert_non_null(strstr(lines[2], "\tthree\t"));
	assert_non_null(strstr(lines[3], "\tfour\t"));
	assert_int_equal(clog_verify_file(path, NULL, &sum, &err), 0);
	assert_int_equal(sum.records, 4);
	assert_int_equal(stat(path, &st0), 0);
	assert_int_equal(clog_sync(l, &err), 0);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_size, st0.st_size);
	assert_int_equal(clog_seq(l), 4);
	clog_close(l);
}

static void
start_refused_after_failed_write(void **state)
{
	struct clog *l;
	struct fe_err err;
	struct rlimit old;
	char p[200];
	(void)state;

	make_log(1);
	assert_int_equal(clog_open(path, &l, &err), 0);
	fsize_limit(50, &old);
	memset(p, 'x', sizeof(p));
	assert_int_equal(clog_append_nosync(l, "test.rec", p, sizeof(p),
	    &err), 0);
	assert_int_not_equal(clog_start(l, &err), 0);
	assert_non_null(strstr(err.msg, "cannot write log record"));
	fsize_restore(&old);
	assert_int_not_equal(clog_start(l, &err), 0);
	assert_non_null(strstr(err.msg, "an earlier write failed"));
	clog_close(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain_survives_reopen),
		cmocka_unit_test(second_writer_is_refused),
		cmocka_unit_test(changed_byte_is_named),
		cmocka_unit_test(removed_record_is_named),
		cmocka_unit_test(removed_first_record_is_named),
		cmocka_unit_test(swapped_records_are_named),
		cmocka_unit_test(inserted_copy_is_named),
		cmocka_unit_test(forged_line_is_named),
		cmocka_unit_test(truncated_end_needs_head),
		cmocka_unit_test(torn_tail_is_cut_and_recorded),
		cmocka_unit_test(damaged_log_refuses_appends),
		cmocka_unit_test(failed_group_write_breaks_the_log),
		cmocka_unit_test(start_writes_the_group),
		cmocka_unit_test(start_refused_after_failed_write),
		cmocka_unit_test(bad_type_and_oversize_refused),
		cmocka_unit_test(parse_rejects_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
