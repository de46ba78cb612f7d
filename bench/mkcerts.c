/*
 * mkcerts.c - many real certificates and a CRL, fast, for bench/status.sh.
 *
 *   mkcerts CONFIG SHARE1 SHARE2 CSRFILE N BATCH REVOKE_EVERY OUTDIR
 *
 * Opens the signer engine on CONFIG (a signer.ini), unlocks it with two
 * custodians' share files and issues N tls-server certificates from the
 * "server" sub-root through engine_sign_batch (the same path as
 * fe-signer's sign and serve: every request parsed, checked, signed,
 * stored and logged durably, one sync per batch of BATCH).  Each request
 * names a different host (host-I.bench.example.org) and carries the same
 * CSR: only the serials matter to a status responder, so one key does.
 * (fe-signer's command-line mode would take about 55 ms a certificate,
 * a process and an unlock each: ten minutes for 10,000.)
 *
 * Then every REVOKE_EVERY-th certificate (0: none) is revoked through
 * engine_revoke with a reason taken in turn from keyCompromise,
 * superseded, cessationOfOperation, affiliationChanged, unspecified, and
 * the server sub-root's CRL is made with engine_crl.
 *
 * Writes OUTDIR/certs.pem (the N certificates, PEM, in issuance order),
 * OUTDIR/server.crl (PEM) and prints "key: value" lines (issued, revoked,
 * seconds, rate).  Not part of `make check`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "lib/buf.h"
#include "lib/seam.h"
#include "pki/crl.h"
#include "pki/custody.h"
#include "pki/request.h"
#include "signer/engine.h"

#define N_MAX 1000000
#define BATCH_MAX 4096

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long
arg_ul(const char *s, const char *what, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "mkcerts: %s '%s' is not a number from %lu to "
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
		fprintf(stderr, "mkcerts: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_add(out, tmp, n) != 0)
			fe_fatal("%s is too large", path);
	fclose(f);
}

static FILE *
open_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	fe_snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		fe_fatal("%s: %s", path, strerror(errno));
	return f;
}

int
main(int argc, char **argv)
{
	static const char *const reasons[] = { "keyCompromise", "superseded",
	    "cessationOfOperation", "affiliationChanged", "unspecified" };
	struct engine *e = NULL;
	struct share sh[2];
	struct fe_err err;
	struct buf csr, rb[BATCH_MAX];
	const uint8_t *reqs[BATCH_MAX];
	size_t lens[BATCH_MAX];
	struct sign_result *res;
	char run[32], (*serials)[2 * SERIAL_MAX + 1];
	size_t n, batch, every, i, k, m, nrev = 0;
	struct engine_crls crls = { NULL, 0 };
	double t0, t_issue, t_rev;
	FILE *certs, *crl;

	if (argc != 9) {
		fprintf(stderr, "usage: mkcerts CONFIG SHARE1 SHARE2 CSRFILE "
		    "N BATCH REVOKE_EVERY OUTDIR\n");
		return 2;
	}
	n = arg_ul(argv[5], "N", 1, N_MAX);
	batch = arg_ul(argv[6], "BATCH", 1, BATCH_MAX);
	every = arg_ul(argv[7], "REVOKE_EVERY", 0, N_MAX);
	buf_init(&csr, REQ_MAX_BYTES);
	read_file(argv[4], &csr);
	if (share_read_file(argv[2], &sh[0], &err) != 0 ||
	    share_read_file(argv[3], &sh[1], &err) != 0 ||
	    engine_open(argv[1], &e, &err) != 0 ||
	    engine_unlock(e, sh, 2, &err) != 0) {
		fprintf(stderr, "mkcerts: %s\n", err.msg);
		return 1;
	}
	share_wipe(&sh[0]);
	share_wipe(&sh[1]);
	certs = open_out(argv[8], "certs.pem");
	serials = fe_calloc(n, sizeof(*serials));
	res = fe_calloc(batch, sizeof(*res));
	for (k = 0; k < batch; k++)
		buf_init(&rb[k], REQ_MAX_BYTES);
	/* Ids unique across runs on the same store. */
	fe_snprintf(run, sizeof(run), "%lld-%ld", (long long)fe_now_sec(),
	    (long)getpid());

	t0 = now_s();
	for (i = 0; i < n; i += m) {
		m = n - i < batch ? n - i : batch;
		for (k = 0; k < m; k++) {
			buf_reset(&rb[k]);
			if (buf_printf(&rb[k], "foureyes-request 1\n"
			    "id: status-%s-%zu\nprofile: tls-server\n"
			    "issuer: server\n"
			    "subject: CN=host-%zu.bench.example.org\n"
			    "dns: host-%zu.bench.example.org\ndays: 90\n\n",
			    run, i + k, i + k, i + k) != 0 ||
			    buf_add(&rb[k], csr.p, csr.len) != 0)
				fe_fatal("request %zu does not fit", i + k);
			reqs[k] = rb[k].p;
			lens[k] = rb[k].len;
		}
		engine_sign_batch(e, reqs, lens, m, res);
		for (k = 0; k < m; k++) {
			if (res[k].status != SIGN_ISSUED) {
				fprintf(stderr, "mkcerts: request %zu: %s\n",
				    i + k, res[k].reason);
				return 1;
			}
			fe_snprintf(serials[i + k], sizeof(serials[i + k]),
			    "%s", res[k].serial);
			if (PEM_write(certs, "CERTIFICATE", "", res[k].der,
			    (long)res[k].derlen) <= 0)
				fe_fatal("certs.pem: write failed");
			sign_result_clear(&res[k]);
		}
	}
	t_issue = now_s() - t0;
	if (fclose(certs) != 0)
		fe_fatal("certs.pem: %s", strerror(errno));

	t0 = now_s();
	for (i = 0; every > 0 && i < n; i += every) {
		int reason = crl_reason_parse(reasons[nrev % 5]);

		if (engine_revoke(e, serials[i], reason, &err) != 0) {
			fprintf(stderr, "mkcerts: revoke %s: %s\n", serials[i],
			    err.msg);
			return 1;
		}
		nrev++;
	}
	if (engine_crl(e, "server", &crls, &err) != 0 || crls.n != 1) {
		fprintf(stderr, "mkcerts: crl: %s\n", crls.n > 1 ?
		    "the server sub-root is partitioned" : err.msg);
		return 1;
	}
	t_rev = now_s() - t0;
	crl = open_out(argv[8], "server.crl");
	if (PEM_write(crl, "X509 CRL", "", crls.v[0].der,
	    (long)crls.v[0].len) <= 0 || fclose(crl) != 0)
		fe_fatal("server.crl: write failed");
	engine_crls_clear(&crls);

	printf("issued: %zu\nseconds: %.3f\nrate: %.1f\n", n, t_issue,
	    (double)n / t_issue);
	printf("revoked: %zu\nrevoke_crl_seconds: %.3f\n", nrev, t_rev);
	engine_close(e);
	for (k = 0; k < batch; k++)
		buf_free(&rb[k]);
	buf_free(&csr);
	free(serials);
	free(res);
	return 0;
}
