/*
 * ocspresp.c - answer one DER OCSP request with src/pki/ocsp.c, for checks
 * with `openssl ocsp -respin`:
 *
 *   ocspresp ISSUER.pem RESPONDER.pem RESPONDER.key STATUS [REASON REVTIME]
 *       < request.der > response.der
 *
 * STATUS is good, revoked or unknown; REASON a CRLReason name or number or
 * "none"; REVTIME seconds since the epoch.  thisUpdate (and producedAt) is
 * now, nextUpdate four days later.  A request that does not parse gets the
 * malformedRequest response and exit status 1.  A test tool, not part of
 * the CA.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/crl.h"
#include "pki/ocsp.h"

static X509 *
load_cert(const char *fn)
{
	FILE *f = fopen(fn, "r");
	X509 *x;

	if (f == NULL) {
		fprintf(stderr, "ocspresp: %s: %s\n", fn, strerror(errno));
		exit(2);
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		fprintf(stderr, "ocspresp: %s: no PEM certificate\n", fn);
		exit(2);
	}
	return x;
}

static EVP_PKEY *
load_key(const char *fn)
{
	FILE *f = fopen(fn, "r");
	EVP_PKEY *k;

	if (f == NULL) {
		fprintf(stderr, "ocspresp: %s: %s\n", fn, strerror(errno));
		exit(2);
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		fprintf(stderr, "ocspresp: %s: no PEM private key\n", fn);
		exit(2);
	}
	return k;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ocspresp ISSUER.pem RESPONDER.pem "
	    "RESPONDER.key good|revoked|unknown [REASON REVTIME] "
	    "< req.der > resp.der\n");
	exit(2);
}

static int
write_all(const uint8_t *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0) {
		fprintf(stderr, "ocspresp: stdout: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t in[OCSP_MAX_REQUEST + 1];
	struct ocsp_single s;
	struct ocsp_req r;
	struct fe_err err;
	X509 *issuer, *rcert;
	EVP_PKEY *rkey;
	const uint8_t *e;
	uint8_t *der = NULL;
	size_t n, len, elen;
	char *end;
	int rc = 1;

	if (argc != 5 && argc != 7)
		usage();
	memset(&s, 0, sizeof(s));
	s.reason = -1;
	if (strcmp(argv[4], "good") == 0)
		s.status = OCSP_CERT_GOOD;
	else if (strcmp(argv[4], "revoked") == 0)
		s.status = OCSP_CERT_REVOKED;
	else if (strcmp(argv[4], "unknown") == 0)
		s.status = OCSP_CERT_UNKNOWN;
	else
		usage();
	if (argc == 7) {
		if (s.status != OCSP_CERT_REVOKED)
			usage();
		if (strcmp(argv[5], "none") != 0 &&
		    (s.reason = crl_reason_parse(argv[5])) < 0) {
			fprintf(stderr, "ocspresp: unknown reason %s\n",
			    argv[5]);
			return 2;
		}
		errno = 0;
		s.revoked_at = strtoll(argv[6], &end, 10);
		if (errno != 0 || *argv[6] == '\0' || *end != '\0' ||
		    s.revoked_at < 0) {
			fprintf(stderr, "ocspresp: bad REVTIME %s\n", argv[6]);
			return 2;
		}
	} else if (s.status == OCSP_CERT_REVOKED)
		usage();
	issuer = load_cert(argv[1]);
	rcert = load_cert(argv[2]);
	rkey = load_key(argv[3]);

	n = fread(in, 1, sizeof(in), stdin);
	if (ferror(stdin)) {
		fprintf(stderr, "ocspresp: stdin: %s\n", strerror(errno));
		goto out;
	}
	if (ocsp_req_parse("stdin", in, n, &r, &err) != 0) {
		fprintf(stderr, "ocspresp: %s\n", err.msg);
		e = ocsp_error_response(OCSP_ST_MALFORMED, &elen);
		(void)write_all(e, elen);
		goto out;
	}
	if (!ocsp_certid_matches_issuer(&r, issuer)) {
		fprintf(stderr, "ocspresp: the request is not for a "
		    "certificate of %s\n", argv[1]);
		e = ocsp_error_response(OCSP_ST_UNAUTHORIZED, &elen);
		(void)write_all(e, elen);
		goto out;
	}
	s.id = r.id;
	s.this_update = (int64_t)time(NULL);
	s.next_update = s.this_update + 4 * 86400;
	if (ocsp_resp_build(&s, issuer, rcert, rkey, r.nonce, r.nonce_len,
	    &der, &len, &err) != 0) {
		fprintf(stderr, "ocspresp: %s\n", err.msg);
		goto out;
	}
	if (write_all(der, len) == 0)
		rc = 0;
out:
	OPENSSL_free(der);
	EVP_PKEY_free(rkey);
	X509_free(rcert);
	X509_free(issuer);
	return rc;
}
