/*
 * test_request.c - csr_parse(): the fast path (request.c) gives the key
 * OpenSSL's ordinary parse gives, for RSA and EC keys in PEM and DER,
 * compressed points and explicit curve parameters; keys it does not take
 * (Ed25519, RSA-PSS) and keys OpenSSL cannot decode (a point off the
 * curve) come out of the ordinary parse as before, and the decoder it
 * reuses still works after such a failure.  Refusals keep their messages.
 * request_parse()'s own CSR reader: see own_reader below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/request.h"

/* A CSR for pk, signed by it, as DER (pem false) or PEM. */
static unsigned char *
make_csr(EVP_PKEY *pk, bool pem, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *out = NULL;
	BIO *b;
	char *p;
	long l;
	int dl;

	assert_non_null(req);
	assert_non_null(n);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"test.example.org", -1, -1, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pk), 1);
	assert_true(X509_REQ_sign(req, pk, EVP_PKEY_is_a(pk, "ED25519") ?
	    NULL : EVP_sha256()) > 0);
	if (pem) {
		assert_non_null(b = BIO_new(BIO_s_mem()));
		assert_int_equal(PEM_write_bio_X509_REQ(b, req), 1);
		l = BIO_get_mem_data(b, &p);
		assert_true(l > 0);
		out = malloc((size_t)l);
		assert_non_null(out);
		memcpy(out, p, (size_t)l);
		*len = (size_t)l;
		BIO_free(b);
	} else {
		dl = i2d_X509_REQ(req, &out);
		assert_true(dl > 0);
		*len = (size_t)dl;
	}
	X509_NAME_free(n);
	X509_REQ_free(req);
	return out;
}

static void
free_csr(unsigned char *p, bool pem)
{
	if (pem)
		free(p);
	else
		OPENSSL_free(p);
}

/* The ordinary parse: d2i or PEM with OpenSSL's own key decoding. */
static EVP_PKEY *
ordinary_key(const unsigned char *p, size_t len, bool pem)
{
	X509_REQ *req;
	EVP_PKEY *pk;
	BIO *b;

	if (pem) {
		assert_non_null(b = BIO_new_mem_buf(p, (int)len));
		req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		req = d2i_X509_REQ(NULL, &p, (long)len);
	}
	assert_non_null(req);
	pk = X509_REQ_get0_pubkey(req);
	if (pk != NULL)
		assert_int_equal(EVP_PKEY_up_ref(pk), 1);
	X509_REQ_free(req);
	ERR_clear_error();
	return pk;
}

/* fast: csr_parse() decoded the key itself (RSA and EC keys), so the
 * request holds none. */
static void
expect_same_key(EVP_PKEY *pk, bool pem, bool fast)
{
	struct fe_err err;
	unsigned char *csr, *a = NULL, *b = NULL;
	size_t len;
	int al, bl;
	EVP_PKEY *pub = NULL, *want;
	X509_REQ *req;

	csr = make_csr(pk, pem, &len);
	want = ordinary_key(csr, len, pem);
	assert_non_null(want);
	req = csr_parse(csr, len, &pub, &err);
	assert_non_null(req);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_eq(pub, want), 1);
	/* Same key, same encoding (point format, parameters). */
	al = i2d_PUBKEY(pub, &a);
	bl = i2d_PUBKEY(want, &b);
	assert_true(al > 0);
	assert_int_equal(al, bl);
	assert_memory_equal(a, b, (size_t)al);
	assert_int_equal(X509_REQ_verify(req, pub), 1);
	assert_int_equal(ERR_peek_error(), 0);
	assert_int_equal(X509_PUBKEY_get0(X509_REQ_get_X509_PUBKEY(req)) ==
	    NULL, fast);
	ERR_clear_error();
	OPENSSL_free(a);
	OPENSSL_free(b);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(want);
	X509_REQ_free(req);
	free_csr(csr, pem);
}

static void
keys_both_forms(EVP_PKEY *pk, bool fast)
{
	expect_same_key(pk, false, fast);
	expect_same_key(pk, true, fast);
}

static void
rsa_and_ec(void **state)
{
	static const char *const curves[] = { "P-256", "P-384", "P-521" };
	EVP_PKEY *pk;
	size_t i;
	(void)state;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(pk);
	keys_both_forms(pk, true);
	EVP_PKEY_free(pk);
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
		assert_non_null(pk);
		keys_both_forms(pk, true);
		assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED), 1);
		keys_both_forms(pk, true);
		assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_ENCODING,
		    OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
		keys_both_forms(pk, true);
		EVP_PKEY_free(pk);
	}
}

/* The fixed-prefix EC path (P-256 and P-384, named curve, uncompressed):
 * many keys, each the key and encoding the ordinary parse gives. */
static void
ec_many(void **state)
{
	static const char *const curves[] = { "P-256", "P-384" };
	EVP_PKEY *pk;
	size_t i, k;
	(void)state;
	for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
		for (k = 0; k < 40; k++) {
			pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
			assert_non_null(pk);
			expect_same_key(pk, false, true);
			EVP_PKEY_free(pk);
		}
	}
}

static void
other_types(void **state)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	(void)state;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	keys_both_forms(pk, false);
	EVP_PKEY_free(pk);
	pk = NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);
	keys_both_forms(pk, false);
	EVP_PKEY_free(pk);
}

/* A P-256 CSR whose point is moved off the curve: it parses, its key does
 * not decode (pub NULL, X509_REQ_get0_pubkey NULL with a reason), and the
 * next good CSR decodes. */
static void
undecodable_key(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char pt[65], *csr;
	size_t len, ptlen, i;
	EVP_PKEY *pub = (EVP_PKEY *)1;
	struct fe_err err;
	X509_REQ *req;
	(void)state;
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_octet_string_param(pk,
	    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen), 1);
	assert_int_equal(ptlen, 65);
	csr = make_csr(pk, false, &len);
	for (i = 0; i + ptlen <= len; i++)
		if (memcmp(csr + i, pt, ptlen) == 0)
			break;
	assert_true(i + ptlen <= len);
	csr[i + 64] ^= 0x01;             /* last byte of y */
	req = csr_parse(csr, len, &pub, &err);
	assert_non_null(req);
	assert_null(pub);
	assert_null(X509_REQ_get0_pubkey(req));
	assert_int_not_equal(ERR_peek_error(), 0);
	ERR_clear_error();
	X509_REQ_free(req);
	OPENSSL_free(csr);
	expect_same_key(pk, false, true);
	EVP_PKEY_free(pk);
}

/* req wrapped in a signing request, parsed. */
static struct sign_request *
parse_wrapped(const unsigned char *csr, size_t len)
{
	static const char head[] = "foureyes-request 1\nid: t\nprofile: p\n"
	    "days: 1\n\n";
	struct sign_request *r = NULL;
	struct fe_err err;
	uint8_t *b = malloc(sizeof(head) - 1 + len);

	assert_non_null(b);
	memcpy(b, head, sizeof(head) - 1);
	memcpy(b + sizeof(head) - 1, csr, len);
	if (request_parse(b, sizeof(head) - 1 + len, &r, &err) != 0)
		fail_msg("request_parse: %s", err.msg);
	free(b);
	return r;
}

/* The CSR of make_csr() with its subject's CN as a BMPString (md NULL) or
 * signed with md. */
static unsigned char *
odd_csr(EVP_PKEY *pk, const EVP_MD *md, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	unsigned char *out = NULL;
	int dl;

	assert_non_null(req);
	assert_non_null(n);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", md != NULL ?
	    MBSTRING_UTF8 : V_ASN1_BMPSTRING, (const unsigned char *)
	    (md != NULL ? "test.example.org" : "\0t\0e\0s\0t"),
	    md != NULL ? -1 : 8, -1, 0), 1);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(req, pk), 1);
	assert_true(X509_REQ_sign(req, pk, md != NULL ? md : EVP_sha256()) >
	    0);
	dl = i2d_X509_REQ(req, &out);
	assert_true(dl > 0);
	*len = (size_t)dl;
	X509_NAME_free(n);
	X509_REQ_free(req);
	return out;
}

/* The DER OpenSSL's PEM reader finds in a PEM CSR. */
static unsigned char *
pem_to_der(const unsigned char *pem, size_t len, size_t *dlen)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509_REQ *req;
	unsigned char *der = NULL;
	int n;

	assert_non_null(b);
	req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	assert_non_null(req);
	n = i2d_X509_REQ(req, &der);
	assert_true(n > 0);
	*dlen = (size_t)n;
	X509_REQ_free(req);
	BIO_free(b);
	return der;
}

/* The PEM of make_csr() with CRLF line ends (request.c's strict PEM
 * reading takes it) and then as one line of base64 (left to OpenSSL's PEM
 * reader): the own DER reader takes the CSR either way, with the same key
 * and verdict. */
static void
crlf_and_long_lines(EVP_PKEY *pk)
{
	struct sign_request *r;
	unsigned char *csr, *out, *der;
	uint8_t *sder;
	size_t len, i, k = 0, slen, dlen;
	int pass;

	csr = make_csr(pk, true, &len);
	der = pem_to_der(csr, len, &dlen);
	sder = csr_pem_strict(csr, len, &slen);
	assert_non_null(sder);
	free(sder);
	out = malloc(2 * len);
	assert_non_null(out);
	for (pass = 0; pass < 2; pass++) {
		k = 0;
		for (i = 0; i < len; i++) {
			if (csr[i] == '\n' && pass == 0)
				out[k++] = '\r';
			/* pass 1: newlines only around BEGIN and END */
			if (csr[i] == '\n' && pass == 1 && i + 1 < len &&
			    csr[i + 1] != '-' && csr[i - 1] != '-')
				continue;
			out[k++] = csr[i];
		}
		/* the strict reading takes pass 0, and gives OpenSSL's DER */
		sder = csr_pem_strict(out, k, &slen);
		if (pass == 0) {
			assert_non_null(sder);
			assert_int_equal(slen, dlen);
			assert_memory_equal(sder, der, dlen);
		} else {
			assert_null(sder);
		}
		free(sder);
		r = parse_wrapped(out, k);
		assert_null(r->csr);
		assert_int_equal(request_verify(r), 1);
		assert_non_null(request_pub(r));
		assert_int_equal(EVP_PKEY_eq(request_pub(r), pk), 1);
		request_free(r);
	}
	free(out);
	free(csr);
	OPENSSL_free(der);
}

/*
 * The own CSR reader (request.c): it takes P-256, P-384 and RSA CSRs in
 * PEM and DER with the key OpenSSL gives, keeps an EC key's SPKI as
 * OpenSSL writes it, and request_verify() checks the signature; a changed
 * signature does not verify and leaves OpenSSL's reason; a subject string
 * it does not know (BMPString) and a signature algorithm it does not take
 * (SHA-1) go to OpenSSL's parse, and still verify.
 */
static void
own_reader(void **state)
{
	static const char *const kinds[] = { "P-256", "P-384", "RSA" };
	struct sign_request *r;
	unsigned char *csr, *spki;
	EVP_PKEY *pk, *want;
	size_t len, k;
	int pem, n;
	(void)state;

	for (k = 0; k < 3; k++) {
		pk = k < 2 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", kinds[k]) :
		    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		assert_non_null(pk);
		for (pem = 0; pem < 2; pem++) {
			csr = make_csr(pk, pem, &len);
			want = ordinary_key(csr, len, pem);
			r = parse_wrapped(csr, len);
			assert_null(r->csr);
			assert_non_null(r->der);
			/* an EC key is made only when asked for */
			if (k < 2)
				assert_null(r->pub);
			assert_int_equal(EVP_PKEY_eq(request_pub(r), want), 1);
			assert_int_equal(request_verify(r), 1);
			if (k < 2) {
				spki = NULL;
				n = i2d_PUBKEY(pk, &spki);
				assert_true(n > 0);
				assert_int_equal(r->spki_len, n);
				assert_memory_equal(r->spki, spki, (size_t)n);
				OPENSSL_free(spki);
			} else {
				assert_null(r->spki);
			}
			/* the signature's last octet changed */
			r->der[r->der_len - 1] ^= 0x01;
			ERR_clear_error();
			assert_int_equal(request_verify(r), 0);
			assert_int_not_equal(ERR_peek_error(), 0);
			ERR_clear_error();
			request_free(r);
			EVP_PKEY_free(want);
			free_csr(csr, pem);
		}
		crlf_and_long_lines(pk);
		csr = odd_csr(pk, NULL, &len);
		r = parse_wrapped(csr, len);
		assert_non_null(r->csr);
		assert_int_equal(request_verify(r), 1);
		request_free(r);
		OPENSSL_free(csr);
		csr = odd_csr(pk, EVP_sha1(), &len);
		r = parse_wrapped(csr, len);
		assert_non_null(r->csr);
		assert_int_equal(request_verify(r), 1);
		request_free(r);
		OPENSSL_free(csr);
		EVP_PKEY_free(pk);
	}
}

static void
refusals(void **state)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char *csr, *more;
	EVP_PKEY *pub = NULL;
	struct fe_err err;
	size_t len;
	(void)state;
	assert_non_null(pk);
	assert_null(csr_parse((const uint8_t *)"", 0, &pub, &err));
	assert_string_equal(err.msg, "no CSR after the request headers");
	csr = make_csr(pk, false, &len);
	more = malloc(len + 3);
	assert_non_null(more);
	memcpy(more, csr, len);
	memcpy(more + len, "abc", 3);
	assert_null(csr_parse(more, len + 3, &pub, &err));
	assert_string_equal(err.msg,
	    "CSR: 3 bytes after the DER certificate request");
	assert_null(csr_parse(more, len - 1, &pub, &err));
	assert_memory_equal(err.msg, "CSR is not a valid DER certificate "
	    "request (RFC 2986)", 47);
	free(more);
	OPENSSL_free(csr);
	csr = make_csr(pk, true, &len);
	more = malloc(len + 3);
	assert_non_null(more);
	memcpy(more, csr, len);
	memcpy(more + len, "\n x", 3);
	assert_null(csr_parse(more, len + 3, &pub, &err));
	assert_string_equal(err.msg,
	    "CSR: bytes after the END CERTIFICATE REQUEST line");
	more[30] = '*';      /* inside the BEGIN line */
	assert_null(csr_parse(more, len, &pub, &err));
	assert_non_null(strstr(err.msg, "the first line is not"));
	more[30] = '-';
	more[45] = '*';      /* inside the base64 */
	assert_null(csr_parse(more, len, &pub, &err));
	if (strstr(err.msg, "CSR is not a valid PEM certificate request") ==
	    NULL)
		fail_msg("got: %s", err.msg);
	assert_null(pub);
	free(more);
	free(csr);
	EVP_PKEY_free(pk);
	ERR_clear_error();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_and_ec),
		cmocka_unit_test(ec_many),
		cmocka_unit_test(own_reader),
		cmocka_unit_test(other_types),
		cmocka_unit_test(undecodable_key),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
