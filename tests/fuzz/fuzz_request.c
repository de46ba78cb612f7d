/*
 * fuzz_request.c - libFuzzer target for the signing request parser,
 * request_parse() (src/pki/request.c), and for csr_parse() on the same bytes
 * (the input is then a bare CSR, PEM or DER).  The names of a request that
 * parses are also run through name_check_dns/_email/_ip, as the signer does.
 *
 * Invariants (abort() when broken) for a request that parses: the id is 1 to
 * REQ_ID_MAX of [A-Za-z0-9._:-] and the profile is not empty; nnames <=
 * REQ_NAMES_MAX and nsubject <= REQ_SUBJECT_MAX; every value is non-empty,
 * shorter than REQ_VALUE_MAX, within its attribute's cap and without control
 * bytes; no subject attribute appears twice; days and not-after are never
 * both set and days is 1 to 99999 when set; no header line has a NUL byte
 * (the parser would see only what is before it); the CSR is there; the
 * digest is SHA-256 of the input.  A CSR that request.c's own reader took
 * (r->csr NULL) is one d2i_X509_REQ() takes too, whole, with the same
 * public key, the same bytes signed, and the same verdict of
 * X509_REQ_verify() as request_verify(); and the same input with its
 * signature's last octet changed verifies under neither.  The input is
 * also tried as the CSR of a fixed request, so that the reader sees every
 * input; what the reader takes there (its own PEM and DER reading)
 * csr_parse() takes too, to the same DER; and what csr_pem_strict()
 * decodes OpenSSL's PEM reader decodes too, to the same bytes.  For a CSR that csr_parse() accepts: it re-encodes
 * to DER that parses again, and a PEM one begins with its own BEGIN
 * CERTIFICATE REQUEST line (nothing of another type is skipped in front).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "pki/names.h"
#include "pki/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
value_ok(const char *v, size_t max)
{
	size_t n = strnlen(v, REQ_VALUE_MAX), i;

	if (n == 0 || n == REQ_VALUE_MAX || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return 1;
}

static void
check_request(const struct sign_request *r, const uint8_t *data, size_t size)
{
	const char *line;
	struct rd rd;
	uint8_t d[32];
	size_t i, j, n, len;

	n = strnlen(r->id, sizeof(r->id));
	check(n > 0 && n <= REQ_ID_MAX);
	for (i = 0; i < n; i++)
		check(strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", r->id[i]) !=
		    NULL);
	check(r->profile[0] != '\0' &&
	    strnlen(r->profile, PROFILE_NAME_MAX) < PROFILE_NAME_MAX);
	check(strnlen(r->issuer, PROFILE_NAME_MAX) < PROFILE_NAME_MAX);
	check(r->nnames <= REQ_NAMES_MAX);
	check(r->nsubject <= REQ_SUBJECT_MAX);
	for (i = 0; i < r->nsubject; i++) {
		check(r->subject[i].attr < SA__MAX);
		check(value_ok(r->subject[i].value,
		    subj_attr_max(r->subject[i].attr)));
		for (j = 0; j < i; j++)
			check(r->subject[i].attr != r->subject[j].attr);
	}
	for (i = 0; i < r->nnames; i++) {
		check(r->names[i].type < NT__MAX);
		check(value_ok(r->names[i].value, REQ_VALUE_MAX - 1));
	}
	check(r->days == 0 || r->not_after == 0);
	check(r->days <= 99999);
	check((r->csr != NULL) != (r->der != NULL));
	rd_init(&rd, data, size);
	while (rd_line(&rd, REQ_LINE_MAX, &line, &len) == 0 && len > 0)
		check(memchr(line, '\0', len) == NULL);
	check(EVP_Digest(data, size, d, NULL, EVP_sha256(), NULL) == 1);
	check(memcmp(d, r->digest, 32) == 0);
}

/* The own reader against OpenSSL's (see the top of the file). */
static void
check_reader(struct sign_request *r)
{
	const unsigned char *q = r->der;
	unsigned char *der = NULL;
	X509_REQ *req;
	int n, v1, v2;

	if (r->csr != NULL)
		return;
	check((r->pub != NULL) != (r->spki != NULL));
	check(request_pub(r) != NULL &&
	    r->tbs_off + r->tbs_len <= r->der_len &&
	    r->sig_off + r->sig_len == r->der_len);
	req = d2i_X509_REQ(NULL, &q, (long)r->der_len);
	check(req != NULL && q == r->der + r->der_len);
	check(X509_REQ_get0_pubkey(req) != NULL &&
	    EVP_PKEY_eq(X509_REQ_get0_pubkey(req), r->pub) == 1);
	/* i2d_X509_REQ() writes the CertificationRequestInfo's bytes as
	 * read, the ones X509_REQ_verify() checks. */
	n = i2d_X509_REQ(req, &der);
	check(n > 0 && (size_t)n == r->der_len &&
	    memcmp(der, r->der, r->der_len) == 0);
	OPENSSL_free(der);
	v1 = request_verify(r);
	v2 = X509_REQ_verify(req, r->pub) == 1;
	check(v1 == v2);
	X509_REQ_free(req);
	if (v1 && r->sig_len > 0) {
		r->der[r->der_len - 1] ^= 0x01;
		q = r->der;
		req = d2i_X509_REQ(NULL, &q, (long)r->der_len);
		check(req != NULL);
		check(request_verify(r) == 0 && X509_REQ_verify(req, r->pub) !=
		    1);
		X509_REQ_free(req);
		r->der[r->der_len - 1] ^= 0x01;
	}
	ERR_clear_error();
}

/* A CSR the reader took (PEM or DER, its own decoding) is one csr_parse()
 * takes too, to the same DER. */
static void
check_same_der(const struct sign_request *r, const uint8_t *data,
    size_t size)
{
	struct fe_err err;
	unsigned char *der = NULL;
	EVP_PKEY *pub = NULL;
	X509_REQ *req = csr_parse(data, size, &pub, &err);
	int n;

	check(req != NULL);
	n = i2d_X509_REQ(req, &der);
	check(n > 0 && (size_t)n == r->der_len &&
	    memcmp(der, r->der, r->der_len) == 0);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
}

/* OpenSSL's PEM reader finds a CERTIFICATE REQUEST block with no headers
 * first in data, with the bytes csr_pem_strict() decoded. */
static void
check_pem(const uint8_t *data, size_t size, const uint8_t *der, size_t len)
{
	BIO *b = BIO_new_mem_buf(data, (int)size);
	char *name = NULL, *header = NULL;
	unsigned char *d = NULL;
	long dlen = 0;

	check(b != NULL);
	check(PEM_read_bio(b, &name, &header, &d, &dlen) == 1);
	check(strcmp(name, "CERTIFICATE REQUEST") == 0 ||
	    strcmp(name, "NEW CERTIFICATE REQUEST") == 0);
	check(header[0] == '\0');
	check((size_t)dlen == len && memcmp(d, der, len) == 0);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(d);
	BIO_free(b);
}

/* What the signer does with the names next: none of it may crash. */
static void
check_names(const struct sign_request *r)
{
	struct fe_err err;
	uint8_t ip[16];
	size_t iplen, i;

	for (i = 0; i < r->nnames; i++) {
		const char *v = r->names[i].value;
		switch (r->names[i].type) {
		case NT_DNS:
			(void)name_check_dns(v, true, true, &err);
			(void)name_check_dns(v, false, false, &err);
			break;
		case NT_EMAIL:
			(void)name_check_email(v, &err);
			break;
		case NT_IP:
			if (name_check_ip(v, true, ip, &iplen, &err) == 0)
				check(iplen == 4 || iplen == 16);
			break;
		case NT__MAX:
		default:
			abort();
		}
	}
}

static void
check_csr(X509_REQ *req, const uint8_t *data, size_t size)
{
	static const char b1[] = "-----BEGIN CERTIFICATE REQUEST-----";
	static const char b2[] = "-----BEGIN NEW CERTIFICATE REQUEST-----";
	unsigned char *der = NULL;
	const unsigned char *q;
	X509_REQ *again;
	int n;

	if (size >= 11 && memcmp(data, "-----BEGIN ", 11) == 0)
		check((size >= sizeof(b1) - 1 &&
		    memcmp(data, b1, sizeof(b1) - 1) == 0) ||
		    (size >= sizeof(b2) - 1 &&
		    memcmp(data, b2, sizeof(b2) - 1) == 0));
	n = i2d_X509_REQ(req, &der);
	check(n > 0);
	q = der;
	again = d2i_X509_REQ(NULL, &q, n);
	check(again != NULL && q == der + n);
	X509_REQ_free(again);
	OPENSSL_free(der);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_request *r = NULL;
	struct fe_err err;
	X509_REQ *req;
	EVP_PKEY *pub;

	static const char head[] = "foureyes-request 1\nid: f\nprofile: p\n"
	    "days: 1\n\n";
	struct buf b;
	uint8_t *sder;
	size_t slen;

	if (request_parse(data, size, &r, &err) == 0) {
		check(r != NULL);
		check_request(r, data, size);
		check_names(r);
		check_reader(r);
		request_free(r);
	}
	buf_init(&b, REQ_MAX_BYTES);
	if (buf_add(&b, head, sizeof(head) - 1) == 0 &&
	    buf_add(&b, data, size) == 0 &&
	    request_parse(b.p, b.len, &r, &err) == 0) {
		check_reader(r);
		if (r->csr == NULL)
			check_same_der(r, data, size);
		request_free(r);
	}
	buf_free(&b);
	if ((sder = csr_pem_strict(data, size, &slen)) != NULL) {
		check_pem(data, size, sder, slen);
		free(sder);
	}
	pub = NULL;
	req = csr_parse(data, size, &pub, &err);
	if (req != NULL) {
		check_csr(req, data, size);
		X509_REQ_free(req);
		EVP_PKEY_free(pub);
	}
	ERR_clear_error();
	return 0;
}
