/*
 * test_request.c - csr_parse(): the PEM and DER forms it accepts and every
 * refusal, in particular the ones libcrypto's PEM reader would let through
 * (a block of another type first, a Proc-Type header that makes it ask for a
 * pass phrase on the terminal, bytes after the DER inside the block); and
 * request_parse() on a request built around such a CSR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "pki/request.h"

static uint8_t der[1024];
static size_t derlen;

/* A P-256 CSR for CN=test, DER in der[]. */
static int
setup(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *p = der;
	int len;

	(void)state;
	assert_non_null(pk);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"test", -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pk), 1);
	assert_true(X509_REQ_sign(req, pk, EVP_sha256()) > 0);
	len = i2d_X509_REQ(req, NULL);
	assert_true(len > 0 && (size_t)len < sizeof(der));
	assert_int_equal(i2d_X509_REQ(req, &p), len);
	derlen = (size_t)len;
	X509_NAME_free(n);
	X509_REQ_free(req);
	EVP_PKEY_free(pk);
	return 0;
}

/* The PEM text of p under label, with headers (NULL for none) and extra
 * text before and after the block. */
static void
pem(struct buf *b, const char *before, const char *label,
    const char *headers, const uint8_t *p, size_t len, const char *after)
{
	unsigned char line[65];
	size_t i, n;

	buf_init(b, 65536);
	assert_int_equal(buf_printf(b, "%s-----BEGIN %s-----\n%s", before,
	    label, headers ? headers : ""), 0);
	for (i = 0; i < len; i += 48) {
		n = len - i < 48 ? len - i : 48;
		EVP_EncodeBlock(line, p + i, (int)n);
		assert_int_equal(buf_printf(b, "%s\n", line), 0);
	}
	assert_int_equal(buf_printf(b, "-----END %s-----\n%s", label, after),
	    0);
}

static void
expect(const struct buf *b, const char *msg)
{
	struct fe_err err;
	X509_REQ *req;
	EVP_PKEY *pub = NULL;

	err.msg[0] = '\0';
	req = csr_parse(b->p, b->len, &pub, &err);
	if (msg == NULL) {
		if (req == NULL)
			fail_msg("refused: %s", err.msg);
		X509_REQ_free(req);
		EVP_PKEY_free(pub);
		return;
	}
	if (req != NULL)
		fail_msg("accepted, want '%s'", msg);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("got  %s\nwant %s", err.msg, msg);
}

static void
accepted(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 65536);
	assert_int_equal(buf_add(&b, der, derlen), 0);
	expect(&b, NULL);
	buf_free(&b);
	pem(&b, "", "CERTIFICATE REQUEST", NULL, der, derlen, "");
	expect(&b, NULL);
	buf_free(&b);
	pem(&b, "", "NEW CERTIFICATE REQUEST", NULL, der, derlen, "\r\n \t\n");
	expect(&b, NULL);
	buf_free(&b);
}

static void
refused(void **state)
{
	uint8_t longer[sizeof(der) + 1];
	struct buf b, other;

	(void)state;
	memcpy(longer, der, derlen);
	longer[derlen] = 0;

	buf_init(&b, 65536);
	expect(&b, "no CSR");
	assert_int_equal(buf_add(&b, longer, derlen + 1), 0);
	expect(&b, "1 bytes after the DER certificate request");
	buf_free(&b);

	/* A block of another type first: libcrypto skips it. */
	pem(&other, "", "CERTIFICATE", NULL, der, derlen, "");
	pem(&b, (const char *)other.p, "CERTIFICATE REQUEST", NULL, der,
	    derlen, "");
	expect(&b, "the first line is not");
	buf_free(&b);
	buf_free(&other);
	pem(&b, "-----BEGIN junk\n", "CERTIFICATE REQUEST", NULL, der, derlen,
	    "");
	expect(&b, "the first line is not");
	buf_free(&b);
	pem(&b, "", "CERTIFICATE", NULL, der, derlen, "");
	expect(&b, "the first line is not");
	buf_free(&b);

	/* An encrypted block: libcrypto would ask for a pass phrase. */
	pem(&b, "", "CERTIFICATE REQUEST", "Proc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n", der,
	    derlen, "");
	expect(&b, "has headers");
	buf_free(&b);

	pem(&b, "", "CERTIFICATE REQUEST", NULL, longer, derlen + 1, "");
	expect(&b, "1 bytes after the DER certificate request inside");
	buf_free(&b);
	pem(&b, "", "CERTIFICATE REQUEST", NULL, der, derlen, "x");
	expect(&b, "bytes after the END");
	buf_free(&b);
	pem(&b, "", "CERTIFICATE REQUEST", NULL, der, derlen / 2, "");
	expect(&b, "not a DER certificate request");
	buf_free(&b);
}

static void
request_with_bad_csr(void **state)
{
	struct sign_request *r = NULL;
	struct fe_err err;
	struct buf b;

	(void)state;
	pem(&b, "foureyes-request 1\nid: t-1\nprofile: tls-server\n"
	    "dns: www.example.org\ndays: 30\n\n", "CERTIFICATE REQUEST", NULL,
	    der, derlen, "");
	assert_int_equal(request_parse(b.p, b.len, &r, &err), 0);
	assert_string_equal(r->id, "t-1");
	assert_int_equal(r->nnames, 1);
	request_free(r);
	buf_free(&b);
	pem(&b, "foureyes-request 1\nid: t-2\nprofile: tls-server\n"
	    "days: 30\n\n", "CERTIFICATE REQUEST", "Proc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n", der,
	    derlen, "");
	assert_int_equal(request_parse(b.p, b.len, &r, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "request t-2: CSR: the PEM block has "
	    "headers"));
	buf_free(&b);

	/* A NUL in a header line: "id\0x" compared as "id", a date cut. */
	pem(&b, "foureyes-request 1\nid\001x: t-3\nprofile: tls-server\n"
	    "days: 30\n\n", "CERTIFICATE REQUEST", NULL, der, derlen, "");
	*(uint8_t *)memchr(b.p, 1, b.len) = '\0';
	assert_int_equal(request_parse(b.p, b.len, &r, &err), FE_EINVAL);
	assert_string_equal(err.msg, "request line 2: has a NUL byte");
	buf_free(&b);
	pem(&b, "foureyes-request 1\nid: t-4\nprofile: tls-server\n"
	    "not-after: 2027-01-01\001T00:00:00Z\n\n", "CERTIFICATE REQUEST",
	    NULL, der, derlen, "");
	*(uint8_t *)memchr(b.p, 1, b.len) = '\0';
	assert_int_equal(request_parse(b.p, b.len, &r, &err), FE_EINVAL);
	assert_string_equal(err.msg, "request line 4: has a NUL byte");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(refused),
		cmocka_unit_test(request_with_bad_csr),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
