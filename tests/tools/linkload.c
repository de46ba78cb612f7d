/*
 * linkload.c - drive fe-signer over the serial link with many signing
 * requests at once, for the link tests and the link benchmark.
 *
 *   linkload --device PATH --key FILE --csr CSR.pem [--baud N] [--window W]
 *            [-n COUNT] [--prefix ID] [--profile P] [--timeout SEC]
 *            [--results FILE]
 *
 * Each request i gets the id PREFIX-i and the name hostI.example.org.  All
 * are submitted at once (the client pipelines them); linkload waits until
 * every one is answered or the timeout passes, writes "id status serial
 * sha256" lines to --results, and prints a summary: answered, issued,
 * seconds, certificates per second, and the link's counters.  Exit 0 only
 * if every request was answered and issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "link/client.h"
#include "pki/issue.h"

struct item {
	uint32_t tag;
	int done;
	int status;
	char serial[41];
	char fp[65];
};

int
main(int argc, char **argv)
{
	const char *device = NULL, *keyfile = NULL, *csrfile = NULL,
	    *prefix = "load", *profile = "tls-server", *results = NULL;
	unsigned long n = 100, timeout = 600, baud = 115200, window = 8,
	    frame = LINK_MAX_PAYLOAD;
	struct sclient_cfg cfg;
	struct sclient *c;
	struct sclient_result res;
	struct fe_err err;
	struct item *it;
	uint8_t *csr;
	size_t csrlen, answered = 0, issued = 0, i, result_bytes = 0;
	int64_t t0, t1, end;
	struct buf req;
	FILE *out = NULL;
	int a, r;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--device") == 0) device = argv[a + 1];
		else if (strcmp(argv[a], "--key") == 0) keyfile = argv[a + 1];
		else if (strcmp(argv[a], "--csr") == 0) csrfile = argv[a + 1];
		else if (strcmp(argv[a], "--prefix") == 0) prefix = argv[a + 1];
		else if (strcmp(argv[a], "--profile") == 0) profile = argv[a + 1];
		else if (strcmp(argv[a], "--results") == 0) results = argv[a + 1];
		else if (strcmp(argv[a], "-n") == 0) n = strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--timeout") == 0) timeout = strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--baud") == 0) baud = strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--window") == 0) window = strtoul(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--frame") == 0) frame = strtoul(argv[a + 1], NULL, 10);
		else break;
	}
	if (a != argc || device == NULL || keyfile == NULL || csrfile == NULL ||
	    n == 0 || n > 1000000) {
		fprintf(stderr, "usage: linkload --device PATH --key FILE --csr "
		    "CSR [--baud N] [--window W] [-n N] [--prefix ID] "
		    "[--profile P] [--timeout SEC] [--results FILE]\n");
		return 2;
	}
	memset(&cfg, 0, sizeof(cfg));
	link_params_default(&cfg.params);
	cfg.params.window = (unsigned)window;
	cfg.params.frame_payload = (unsigned)frame;
	cfg.params.baud = (unsigned)baud;
	cfg.baud = (unsigned)baud;
	cfg.device = device;
	if (link_key_read(keyfile, cfg.key, &err) != 0 ||
	    fe_read_file(csrfile, 65536, &csr, &csrlen, &err) != 0 ||
	    sclient_open(&cfg, &c, &err) != 0) {
		fprintf(stderr, "linkload: %s\n", err.msg);
		return 1;
	}
	it = calloc(n, sizeof(*it));
	buf_init(&req, 70000);
	t0 = link_now_ms();
	for (i = 0; i < n; i++) {
		buf_reset(&req);
		(void)buf_printf(&req, "foureyes-request 1\nid: %s-%zu\nprofile: "
		    "%s\nsubject: CN=host%zu.example.org\ndns: host%zu.example."
		    "org\ndays: 30\n\n", prefix, i, profile, i, i);
		(void)buf_add(&req, csr, csrlen);
		if (sclient_submit(c, MSG_SIGN, req.p, req.len, &it[i].tag,
		    &err) != 0) {
			fprintf(stderr, "linkload: submit %zu: %s\n", i, err.msg);
			return 1;
		}
	}
	end = t0 + (int64_t)timeout * 1000;
	while (answered < n && link_now_ms() < end) {
		r = sclient_poll(c, 50, &res, &err);
		if (r != 1)
			continue;
		/* tags were given out 1..n in order */
		i = res.tag - it[0].tag;
		if (i < n && !it[i].done) {
			/* kind, tag, length, status: 10 bytes of message */
			result_bytes += 10 + res.len;
			it[i].done = 1;
			it[i].status = res.status;
			answered++;
			if (res.status == MSG_OK) {
				const unsigned char *p = res.body;
				X509 *x = d2i_X509(NULL, &p, (long)res.len);
				if (x != NULL) {
					const ASN1_INTEGER *ai =
					    X509_get0_serialNumber(x);
					BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
					char *h = BN_bn2hex(bn);
					fe_snprintf(it[i].serial,
					    sizeof(it[i].serial), "%s", h);
					OPENSSL_free(h);
					BN_free(bn);
					cert_fingerprint(x, it[i].fp);
					X509_free(x);
					issued++;
				}
			} else {
				fprintf(stderr, "linkload: %s-%zu: %s\n", prefix,
				    i, (char *)res.body);
			}
		}
		sclient_result_clear(&res);
	}
	t1 = link_now_ms();
	if (results != NULL && (out = fopen(results, "w")) != NULL) {
		for (i = 0; i < n; i++)
			fprintf(out, "%s-%zu %s %s %s\n", prefix, i,
			    !it[i].done ? "unanswered" : it[i].status == MSG_OK ?
			    "issued" : "refused", it[i].serial[0] ?
			    it[i].serial : "-", it[i].fp[0] ? it[i].fp : "-");
		fclose(out);
	}
	{
		const struct link_stats *s = sclient_stats(c);
		double secs = (double)(t1 - t0) / 1000.0;
		printf("requests %lu answered %zu issued %zu seconds %.2f "
		    "certs_per_sec %.2f result_bytes %zu\n", n, answered,
		    issued, secs, secs > 0 ? (double)issued / secs : 0.0,
		    result_bytes);
		char counts[512];
		link_stats_format(s, counts, sizeof(counts));
		printf("client %s\n", counts);
	}
	sclient_close(c);
	free(it);
	free(csr);
	buf_free(&req);
	return answered == n && issued == n ? 0 : 1;
}
