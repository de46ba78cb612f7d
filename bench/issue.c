/*
 * issue.c - the engine's issuance rate, durable, on one core.
 *
 *   issue CONFIG SHARE1 SHARE2 CSRFILE PROFILE N BATCH [HEADER...]
 *
 * Opens the signer engine on CONFIG (a signer.ini), unlocks it with two
 * custodians' share files, builds N requests that differ only in their id
 * (the same CSR: the engine parses it, checks the key and verifies its
 * signature every time), and times them through the engine in batches of
 * BATCH, each started while the one before is made durable
 * (engine_sign_start, as fe-signer serve does when requests queue).  Every
 * batch is durable before its results are read: one fdatasync of the
 * request log and one SQLite commit per batch (synchronous=NORMAL: the
 * log holds every certificate, and the engine stores again at its next
 * start any that the store lost).
 * One batch is run first, untimed, to warm up the caches and the store.
 * The timed run starts with the store's WAL checkpointed and ends with a
 * checkpoint of its own (final_checkpoint_seconds, counted in the rate):
 * the store checkpoints every 10,000 WAL pages, more than a run of 5,000
 * writes, and the copy it defers is part of the work.
 *
 * BENCH_BREAKDOWN=0 leaves out the breakdown below; BENCH_PERF_CTL=FIFO
 * writes "enable" and "disable" to the control FIFO of `perf record
 * --control=fifo:FIFO -D -1` around the timed run, so that a profile
 * holds it alone.
 *
 * HEADER lines replace the default names and validity (a TLS server
 * certificate for bench.example.org, 90 days).
 *
 * The machine may be shared: besides the wall-clock rate it prints the
 * rate without the time this process spent waiting for its core while
 * another process had it (/proc/thread-self/schedstat, less the CPU time
 * of the engine's own durable-half thread), which is what the engine would
 * do with the core to itself; syncs are waits for the disk and stay in
 * both.
 *
 * Then a second, cheaper pass over a sample of the same requests times the
 * stages one by one (thread CPU time) with the library functions the
 * engine calls (parse, checks, key check, CSR verification, build and
 * sign with issue_der(), the signature alone, the fingerprint), so that the rest of the engine's
 * time per issuance -- serial look-ups, store, log, sync -- is the
 * difference.  A last probe times
 * fdatasync of a file beside the store, to show whether syncs are real.
 *
 * Output is one "key: value" per line for bench/run to read; the process
 * ends non-zero if any request is not issued.  Not part of `make check`.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/seam.h"
#include "pki/custody.h"
#include "pki/issue.h"
#include "pki/keycheck.h"
#include "pki/profile.h"
#include "pki/request.h"
#include "signer/engine.h"

#define N_MAX 1000000
#define BATCH_MAX 4096
#define SAMPLE_MAX 300
#define CSR_MAX REQ_MAX_BYTES
#define SYNC_PROBES 50

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		fe_fatal("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * With BENCH_PERF_CTL naming the control FIFO of `perf record
 * --control=fifo:FIFO -D -1`, only the timed run is recorded: "enable"
 * is written to it before and "disable" after.
 */
static void
perf_ctl(const char *cmd)
{
	const char *path = getenv("BENCH_PERF_CTL");
	int fd;

	if (path == NULL || *path == '\0')
		return;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		fe_fatal("%s: %s", path, strerror(errno));
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		fe_fatal("%s: cannot write", path);
	(void)close(fd);
}

static double
now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this thread: the stages of the breakdown do no I/O, and
 * on a shared machine their wall time would count other processes. */
static double
thread_s(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* This (the main) thread's seconds on a CPU and seconds waiting on a run
 * queue, runnable but with another task on its core
 * (/proc/thread-self/schedstat); 0 if the kernel does not say. */
static void
sched_s(double *run_s, double *wait_s)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	unsigned long long run, wait;
	int n = 0;

	if (f != NULL) {
		n = fscanf(f, "%llu %llu", &run, &wait);
		fclose(f);
	}
	*run_s = n == 2 ? (double)run / 1e9 : 0;
	*wait_s = n == 2 ? (double)wait / 1e9 : 0;
}

/* User and system CPU seconds of this process so far. */
static double
cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		fe_fatal("getrusage: %s", strerror(errno));
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static unsigned long
arg_ul(const char *s, const char *what, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "issue: %s '%s' is not a number from %lu to "
		    "%lu\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static void
read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	uint8_t tmp[4096];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "issue: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(out, tmp, n) != 0) {
			fprintf(stderr, "issue: %s: over %d bytes\n", path,
			    CSR_MAX);
			exit(2);
		}
	if (ferror(f)) {
		fprintf(stderr, "issue: %s: read error\n", path);
		exit(2);
	}
	fclose(f);
}

/* Request i: headers, blank line, CSR. */
static void
make_request(struct buf *b, const char *run, size_t i, const char *profile,
    char *const *hdr, size_t nhdr, const struct buf *csr)
{
	static const char *const def[] = { "subject: CN=bench.example.org",
	    "dns: bench.example.org", "days: 90" };
	size_t k;
	int rc;

	rc = buf_printf(b, "foureyes-request 1\nid: bench-%s-%zu\nprofile: %s\n",
	    run, i, profile);
	for (k = 0; rc == 0 && k < (nhdr ? nhdr : sizeof(def) / sizeof(*def));
	    k++)
		rc = buf_printf(b, "%s\n", nhdr ? hdr[k] : def[k]);
	if (rc != 0 || buf_add(b, "\n", 1) != 0 ||
	    buf_add(b, csr->p, csr->len) != 0)
		fe_fatal("request %zu does not fit", i);
}

/* Check and clear the m results of a landed batch that began at request
 * first; 0 if every one was issued. */
static int
landed(struct sign_result *res, size_t m, size_t first, int bad)
{
	size_t k;

	for (k = 0; k < m; k++) {
		if (res[k].status != SIGN_ISSUED || res[k].replayed) {
			if (!bad)
				fprintf(stderr, "issue: request %zu not "
				    "issued: %s\n", first + k, res[k].reason);
			bad = 1;
		}
		sign_result_clear(&res[k]);
	}
	return bad;
}

/*
 * Run n requests through the engine in batches, as fe-signer serve does
 * when requests queue: each batch is started (checked and signed) while
 * the one before is stored, logged and synced (engine_sign_start), so
 * res holds two batches' results, used in turn.  0 if all were issued.
 */
static int
run_engine(struct engine *e, uint8_t *const *reqs, const size_t *lens,
    size_t n, size_t batch, struct sign_result *res)
{
	size_t i, m, prev_i = 0, prev_m = 0;
	struct sign_result *cur = res, *prev = NULL;
	int bad = 0;

	for (i = 0; i < n; i += m) {
		m = n - i < batch ? n - i : batch;
		if (engine_sign_start(e, (const uint8_t *const *)&reqs[i],
		    &lens[i], m, cur) != 0)
			bad = 1;
		if (prev != NULL)
			bad = landed(prev, prev_m, prev_i, bad);
		prev = cur;
		prev_i = i;
		prev_m = m;
		cur = cur == res ? res + batch : res;
	}
	if (engine_sign_finish(e) != 0)
		bad = 1;
	if (prev != NULL)
		bad = landed(prev, prev_m, prev_i, bad);
	return bad;
}

struct stages {
	double parse, check, keycheck, verify, build, sign, encode;
};

/* The engine's stages one at a time over the first m requests, in
 * microseconds per request. */
static int
breakdown(struct engine *e, const char *conf_path, uint8_t *const *reqs,
    const size_t *lens, size_t m, struct stages *st)
{
	struct conf *c = NULL;
	struct profiles *ps = fe_calloc(1, sizeof(*ps));
	struct sign_request **r = fe_calloc(m, sizeof(*r));
	struct issue_plan *plan = fe_calloc(m, sizeof(*plan));
	uint8_t **der = fe_calloc(m, sizeof(*der));
	size_t *derlen = fe_calloc(m, sizeof(*derlen));
	struct issue_cache *tc = issue_cache_new();
	char subj[512];
	const struct profile *p;
	const struct issuer *iss;
	struct fe_err err;
	uint8_t serial[SERIAL_MAX];
	size_t i, slen;
	double t;
	int rc = 1;

	if (conf_load(conf_path, &c, &err) != 0 ||
	    profiles_load(c, ps, &err) != 0) {
		fprintf(stderr, "issue: %s\n", err.msg);
		goto out;
	}
	/* The plans are written by issue_check(): their first touch would
	 * put page faults in the checks' time (the engine's is on its
	 * stack). */
	memset(plan, 0xff, m * sizeof(*plan));
	/* Parsed and freed one at a time: m requests alive at once would
	 * put page faults in the time (about 30 kB each, fresh memory),
	 * which the engine, freeing each batch, mostly does not see. */
	t = thread_s();
	for (i = 0; i < m; i++) {
		if (request_parse(reqs[i], lens[i], &r[i], &err) != 0) {
			fprintf(stderr, "issue: breakdown: %s\n", err.msg);
			goto out;
		}
		request_free(r[i]);
		r[i] = NULL;
	}
	st->parse = (thread_s() - t) / (double)m * 1e6;
	for (i = 0; i < m; i++)
		if (request_parse(reqs[i], lens[i], &r[i], &err) != 0)
			goto out;
	if ((p = profile_find(ps, r[0]->profile)) == NULL ||
	    (iss = engine_issuer(e, r[0]->issuer[0] ? r[0]->issuer :
	    p->issuers[0])) == NULL) {
		fprintf(stderr, "issue: breakdown: no profile or issuer\n");
		goto out;
	}
	t = thread_s();
	for (i = 0; i < m; i++)
		if (issue_check(p, iss, r[i], fe_now_sec(), &plan[i],
		    &err) != 0) {
			fprintf(stderr, "issue: breakdown: %s\n", err.msg);
			goto out;
		}
	st->check = (thread_s() - t) / (double)m * 1e6;
	t = thread_s();
	for (i = 0; i < m; i++)
		if ((r[i]->spki != NULL ? keycheck_ec_valid(r[i]->spki_nid,
		    &p->keys, &err) : keycheck(plan[i].pub, &p->keys,
		    &err)) != 0)
			goto out;
	st->keycheck = (thread_s() - t) / (double)m * 1e6;
	t = thread_s();
	for (i = 0; i < m; i++)
		if (request_verify(r[i]) != 1)
			goto out;
	st->verify = (thread_s() - t) / (double)m * 1e6;
	/* Built as the engine builds them (issue_der: template, encoding
	 * and signature); the template is made before the clock starts. */
	serial_random(serial, &slen);
	if (issue_der(tc, p, iss, r[0], &plan[0], serial, slen, &der[0],
	    &derlen[0], subj, sizeof(subj), &err) != 0) {
		fprintf(stderr, "issue: breakdown: %s\n", err.msg);
		goto out;
	}
	free(der[0]);
	t = thread_s();
	for (i = 0; i < m; i++) {
		serial_random(serial, &slen);
		if (issue_der(tc, p, iss, r[i], &plan[i], serial, slen,
		    &der[i], &derlen[i], subj, sizeof(subj), &err) != 0) {
			fprintf(stderr, "issue: breakdown: %s\n", err.msg);
			goto out;
		}
	}
	st->build = (thread_s() - t) / (double)m * 1e6;
	/* The signature alone, over each certificate's own TBS bytes, as
	 * issue_der() makes it: SHA-2 of the TBS, then EVP_PKEY_sign() on a
	 * context made once. */
	{
		EVP_PKEY_CTX *sc = EVP_PKEY_CTX_new_from_pkey(NULL, iss->key,
		    NULL);
		EVP_MD *md = EVP_MD_fetch(NULL,
		    EVP_MD_get0_name(issue_md(iss->key)), NULL);
		X509 **x = fe_calloc(m, sizeof(*x));
		unsigned char **tbs = fe_calloc(m, sizeof(*tbs));
		int *tlen = fe_calloc(m, sizeof(*tlen));

		if (sc == NULL || md == NULL || EVP_PKEY_sign_init(sc) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(sc, md) != 1)
			fe_fatal("breakdown: signing context");
		for (i = 0; i < m; i++) {
			const unsigned char *q = der[i];

			if ((x[i] = d2i_X509(NULL, &q, (long)derlen[i])) ==
			    NULL || (tlen[i] = i2d_re_X509_tbs(x[i],
			    &tbs[i])) <= 0)
				fe_fatal("breakdown: re-reading the TBS");
		}
		t = thread_s();
		for (i = 0; i < m; i++) {
			unsigned char sig[1024], dg[EVP_MAX_MD_SIZE];
			unsigned int dlen;
			size_t siglen = sizeof(sig);

			if (EVP_Digest(tbs[i], (size_t)tlen[i], dg, &dlen, md,
			    NULL) != 1 ||
			    EVP_PKEY_sign(sc, sig, &siglen, dg, dlen) != 1)
				fe_fatal("breakdown: signing the TBS failed");
		}
		st->sign = (thread_s() - t) / (double)m * 1e6;
		for (i = 0; i < m; i++) {
			X509_free(x[i]);
			OPENSSL_free(tbs[i]);
		}
		free(x);
		free(tbs);
		free(tlen);
		EVP_MD_free(md);
		EVP_PKEY_CTX_free(sc);
	}
	/* What the engine does with the DER after that: its fingerprint. */
	t = thread_s();
	for (i = 0; i < m; i++) {
		unsigned char d[32];
		char fp[65];

		if (EVP_Digest(der[i], derlen[i], d, NULL, EVP_sha256(),
		    NULL) != 1)
			fe_fatal("breakdown: SHA-256");
		hex_encode(d, 32, fp);
	}
	st->encode = (thread_s() - t) / (double)m * 1e6;
	rc = 0;
out:
	for (i = 0; i < m; i++) {
		free(der[i]);
		request_free(r[i]);
	}
	free(der);
	free(derlen);
	issue_cache_free(tc);
	free(plan);
	free(r);
	free(ps);
	conf_free(c);
	return rc;
}

/* Microseconds per append-and-fdatasync of `bytes` to a file in dir. */
static double
sync_probe(const char *dir, size_t bytes)
{
	char path[1024];
	char *blk = fe_calloc(1, bytes);
	double t, total = 0;
	int fd, i;

	fe_snprintf(path, sizeof(path), "%s/.bench-sync-probe.%ld", dir,
	    (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd < 0)
		fe_fatal("%s: %s", path, strerror(errno));
	for (i = 0; i < SYNC_PROBES; i++) {
		t = now_s();
		if (write(fd, blk, bytes) != (ssize_t)bytes ||
		    fdatasync(fd) != 0)
			fe_fatal("%s: %s", path, strerror(errno));
		total += now_s() - t;
	}
	close(fd);
	unlink(path);
	free(blk);
	return total / SYNC_PROBES * 1e6;
}

int
main(int argc, char **argv)
{
	struct engine *e = NULL;
	struct share sh[2];
	struct fe_err err;
	struct buf csr, *rb;
	uint8_t **reqs;
	size_t *lens, n, batch, i, warm, sample;
	struct sign_result *res;
	struct stages st;
	char run[32], *copy;
	double t0, c0, r0, w0, r1, w1, el, cpu, wait, us, ck;
	int rc;

	if (argc < 8) {
		fprintf(stderr, "usage: issue CONFIG SHARE1 SHARE2 CSRFILE "
		    "PROFILE N BATCH [HEADER...]\n");
		return 2;
	}
	n = arg_ul(argv[6], "N", 1, N_MAX);
	batch = arg_ul(argv[7], "BATCH", 1, BATCH_MAX);
	buf_init(&csr, CSR_MAX);
	read_file(argv[4], &csr);
	if (share_read_file(argv[2], &sh[0], &err) != 0 ||
	    share_read_file(argv[3], &sh[1], &err) != 0 ||
	    engine_open(argv[1], &e, &err) != 0 ||
	    engine_unlock(e, sh, 2, &err) != 0) {
		fprintf(stderr, "issue: %s\n", err.msg);
		return 1;
	}
	share_wipe(&sh[0]);
	share_wipe(&sh[1]);

	/* Ids unique across runs on the same store. */
	fe_snprintf(run, sizeof(run), "%lld-%ld", (long long)fe_now_sec(),
	    (long)getpid());
	warm = batch;
	reqs = fe_calloc(warm + n, sizeof(*reqs));
	lens = fe_calloc(warm + n, sizeof(*lens));
	rb = fe_calloc(warm + n, sizeof(*rb));
	for (i = 0; i < warm + n; i++) {
		buf_init(&rb[i], REQ_MAX_BYTES);
		make_request(&rb[i], run, i, argv[5], &argv[8],
		    (size_t)(argc - 8), &csr);
		reqs[i] = rb[i].p;
		lens[i] = rb[i].len;
	}
	res = fe_calloc(2 * batch, sizeof(*res));

	if (run_engine(e, reqs, lens, warm, batch, res) != 0)
		return 1;
	/* The timed run starts with the store's WAL empty and ends with it
	 * copied into the database: checkpoints it deferred are counted. */
	if (engine_checkpoint(e, &err) != 0)
		fe_fatal("%s", err.msg);
	perf_ctl("enable\n");
	c0 = cpu_s();
	sched_s(&r0, &w0);
	t0 = now_s();
	rc = run_engine(e, reqs + warm, lens + warm, n, batch, res);
	ck = now_s();
	if (engine_checkpoint(e, &err) != 0)
		fe_fatal("%s", err.msg);
	el = now_s() - t0;
	ck = t0 + el - ck;
	sched_s(&r1, &w1);
	cpu = cpu_s() - c0;
	perf_ctl("disable\n");
	if (rc != 0)
		return 1;
	/*
	 * Wall time is CPU time, waits for the disk (syncs), and waits for
	 * the core while another process has it.  The last is not the
	 * engine's: rate_own_core leaves it out.  The main thread also waits
	 * for its core while the engine's own durable half (a second thread,
	 * pinned to the same core) runs: that part of its wait is the
	 * engine's and stays in.  It is at most the other threads' CPU time
	 * (all CPU time less the main thread's), so the wait left out is
	 * the main thread's wait less that -- an estimate that can only
	 * leave too little out, never too much.
	 */
	wait = (w1 - w0) - (cpu - (r1 - r0));
	if (wait < 0)
		wait = 0;
	us = (el - wait) / (double)n * 1e6;
	printf("issued: %zu\n", n);
	printf("batch: %zu\n", batch);
	printf("seconds: %.3f\n", el);
	printf("cpu_seconds: %.3f\n", cpu);
	printf("final_checkpoint_seconds: %.3f\n", ck);
	printf("runqueue_wait_seconds: %.3f\n", wait);
	printf("rate: %.1f\n", (double)n / el);
	printf("rate_own_core: %.1f\n", (double)n / (el - wait));
	printf("us_per_issue_own_core: %.1f\n", us);

	/* BENCH_BREAKDOWN=0: the engine alone, for a profiler. */
	if (getenv("BENCH_BREAKDOWN") != NULL &&
	    strcmp(getenv("BENCH_BREAKDOWN"), "0") == 0)
		return 0;
	sample = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	if (breakdown(e, argv[1], reqs + warm, lens + warm, sample, &st) != 0)
		return 1;
	printf("us_parse: %.1f\n", st.parse);
	printf("us_check: %.1f\n", st.check);
	printf("us_check_keycheck: %.1f\n", st.keycheck);
	printf("us_check_csr_verify: %.1f\n", st.verify);
	printf("us_build_and_sign: %.1f\n", st.build);
	printf("us_build_sign_only: %.1f\n", st.sign);
	printf("us_encode_fingerprint: %.1f\n", st.encode);
	printf("us_store_log_rest: %.1f\n", us - st.parse - st.check -
	    st.build - st.encode);

	copy = fe_strdup(argv[1]);
	printf("us_fdatasync_per_batch: %.1f\n", sync_probe(dirname(copy),
	    batch * 300));
	free(copy);

	for (i = 0; i < warm + n; i++)
		buf_free(&rb[i]);
	free(rb);
	free(reqs);
	free(lens);
	free(res);
	buf_free(&csr);
	engine_close(e);
	return 0;
}
