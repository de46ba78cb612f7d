/*
 * test_issue.c - issue_set_pubkey() writes exactly the SubjectPublicKeyInfo
 * that X509_set_pubkey() writes: for RSA keys of several sizes and
 * exponents, EC keys on P-256 and P-384 in uncompressed and compressed
 * form (generated, and decoded from DER as a CSR's key is), and the keys
 * it leaves to X509_set_pubkey() (other curves and types, hybrid points,
 * explicit parameters, negative numbers).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "lib/seam.h"
#include "pki/issue.h"
#include "../tools/testkeys.h"

/* DER of x's SubjectPublicKeyInfo after setting pk the one way or the
 * other; *cached: whether x's X509_PUBKEY holds an EVP_PKEY (only
 * X509_set_pubkey() leaves one). */
static unsigned char *
spki_der(EVP_PKEY *pk, bool ours, int *len, bool *cached)
{
	X509 *x = X509_new();
	unsigned char *der = NULL;

	assert_non_null(x);
	if (ours)
		assert_int_equal(issue_set_pubkey(x, pk), 1);
	else
		assert_int_equal(X509_set_pubkey(x, pk), 1);
	*len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	assert_true(*len > 0);
	*cached = X509_get0_pubkey(x) != NULL;
	ERR_clear_error();
	X509_free(x);
	return der;
}

/* Both ways give the same bytes; fast: issue_set_pubkey() wrote them
 * itself rather than through X509_set_pubkey(). */
static void
expect_same(EVP_PKEY *pk, bool fast)
{
	unsigned char *a, *b, *c = NULL;
	int alen, blen, clen;
	bool cached;

	a = spki_der(pk, true, &alen, &cached);
	assert_int_equal(cached, !fast);
	b = spki_der(pk, false, &blen, &cached);
	assert_true(cached);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, (size_t)alen);
	/* And it is the key's SubjectPublicKeyInfo. */
	clen = i2d_PUBKEY(pk, &c);
	assert_int_equal(clen, alen);
	assert_memory_equal(a, c, (size_t)alen);
	OPENSSL_free(a);
	OPENSSL_free(b);
	OPENSSL_free(c);
}

/* pk as it comes out of a CSR: encoded, then decoded by OpenSSL. */
static EVP_PKEY *
reparsed(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	EVP_PKEY *q;
	int n = i2d_PUBKEY(pk, &der);

	assert_true(n > 0);
	p = der;
	q = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(q);
	OPENSSL_free(der);
	return q;
}

static void
expect_same_both(EVP_PKEY *pk, bool fast)
{
	EVP_PKEY *q = reparsed(pk);

	expect_same(pk, fast);
	expect_same(q, fast);
	EVP_PKEY_free(q);
}

static EVP_PKEY *
gen_rsa_e(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *be = BN_new();
	EVP_PKEY *pk = NULL;

	assert_non_null(ctx);
	assert_non_null(be);
	assert_int_equal(BN_set_word(be, e), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, be), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	BN_free(be);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static void
rsa_keys(void **state)
{
	static const struct {
		unsigned bits;
		unsigned long e;
	} k[] = { { 2048, 65537 }, { 2048, 3 }, { 3072, 65537 },
	    { 4096, 65537 }, { 2048, 4294967311UL } };
	size_t i;
	EVP_PKEY *pk;
	(void)state;
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		pk = gen_rsa_e(k[i].bits, k[i].e);
		expect_same_both(pk, true);
		EVP_PKEY_free(pk);
	}
}

/* Public keys from chosen numbers: a modulus with a clear top bit (no
 * leading zero octet in its INTEGER), a large exponent, zero, and
 * negative numbers (left to X509_set_pubkey). */
static void
rsa_chosen_numbers(void **state)
{
	BIGNUM *n = BN_new(), *e = BN_new();
	EVP_PKEY *pk;
	(void)state;
	assert_non_null(n);
	assert_non_null(e);
	assert_int_equal(BN_rand(n, 2047, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD),
	    1);
	assert_int_equal(BN_rand(e, 256, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD),
	    1);
	pk = testkeys_rsa_public(n, e);
	assert_non_null(pk);
	expect_same(pk, true);
	EVP_PKEY_free(pk);
	BN_zero(e);
	pk = testkeys_rsa_public(n, e);
	if (pk != NULL) {
		expect_same(pk, true);
		EVP_PKEY_free(pk);
	}
	assert_int_equal(BN_set_word(e, 65537), 1);
	BN_set_negative(n, 1);
	pk = testkeys_rsa_public(n, e);
	if (pk != NULL) {
		expect_same(pk, false);
		EVP_PKEY_free(pk);
	}
	BN_free(n);
	BN_free(e);
}

static void
ec_curve(const char *curve, const char *form, bool fast)
{
	EVP_PKEY *pk;
	int i;

	/* Several keys, so that compressed points of both parities occur. */
	for (i = 0; i < 8; i++) {
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
		assert_non_null(pk);
		if (form != NULL)
			assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
			    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			    form), 1);
		expect_same_both(pk, fast);
		EVP_PKEY_free(pk);
	}
}

static void
ec_keys(void **state)
{
	(void)state;
	ec_curve("P-256", NULL, true);
	ec_curve("P-384", NULL, true);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED,
	    true);
	ec_curve("P-384", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED,
	    true);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED,
	    true);
}

/* Keys issue_set_pubkey() leaves to X509_set_pubkey(). */
static void
other_keys(void **state)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk, *q;
	const unsigned char *p;
	unsigned char *der = NULL;
	int n;
	(void)state;
	ec_curve("P-521", NULL, false);
	ec_curve("secp256k1", NULL, false);
	ec_curve("P-256", OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_HYBRID, false);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	expect_same_both(pk, false);
	EVP_PKEY_free(pk);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
	pk = NULL;
	assert_int_equal(EVP_PKEY_generate(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);
	expect_same_both(pk, false);
	EVP_PKEY_free(pk);
	/* P-256 with explicit curve parameters. */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
	n = i2d_PUBKEY(pk, &der);
	assert_true(n > 0);
	p = der;
	q = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(q);
	expect_same(pk, false);
	expect_same(q, false);
	OPENSSL_free(der);
	EVP_PKEY_free(q);
	EVP_PKEY_free(pk);
}

/*
 * issue_der() against issue_build(): the same TBSCertificate bytes for
 * every profile of etc/signer.ini, issuers on P-256, P-384, RSA and
 * RSA-PSS (which issue_der() leaves to issue_build()), subject keys of
 * every kind, serials with leading zero octets and high bits, times on
 * both sides of 2050 (UTCTime and GeneralizedTime), empty and full
 * subjects, and names whose lengths put the DER lengths of the
 * subjectAltName and of the whole around 127/128 and 255/256 octets;
 * EC keys given as the CSR's own SubjectPublicKeyInfo (plan->spki) and
 * not; then subjects(), times() and san_lengths() below.  The subject
 * text must match X509_NAME_oneline()'s at every buffer size, with
 * nothing written past it.
 */

/* The TBSCertificate TLV inside a Certificate's DER. */
static void
tbs_of(const uint8_t *der, size_t len, const uint8_t **tbs, size_t *tlen)
{
	const unsigned char *p = der, *q;
	long n;
	int tag, cls;

	assert_int_equal(ASN1_get_object(&p, &n, &tag, &cls, (long)len) &
	    0x80, 0);
	assert_int_equal(tag, V_ASN1_SEQUENCE);
	q = p;
	assert_int_equal(ASN1_get_object(&p, &n, &tag, &cls,
	    (long)(len - (size_t)(p - der))) & 0x80, 0);
	assert_int_equal(tag, V_ASN1_SEQUENCE);
	*tbs = q;
	*tlen = (size_t)(p - q) + (size_t)n;
}

/* Storage for the values of the requests the tests build by hand (the
 * parser keeps them in the request's own text). */
static char subj_store[REQ_SUBJECT_MAX][REQ_VALUE_MAX];
static char name_store[REQ_NAMES_MAX][REQ_VALUE_MAX];
static unsigned spki_turn;

/* The next subject attribute's value: room for REQ_VALUE_MAX bytes. */
static char *
subj_slot(struct sign_request *r)
{
	char *v = subj_store[r->nsubject];

	r->subject[r->nsubject++].value = v;
	return v;
}

/* Name i's value: room for REQ_VALUE_MAX bytes. */
static char *
name_slot(struct sign_request *r, size_t i)
{
	r->names[i].value = name_store[i];
	return name_store[i];
}

struct tiss {
	struct issuer iss;
	EVP_PKEY *key;
};

static void
tiss_make(struct tiss *t, const char *label, EVP_PKEY *key, int variant)
{
	struct ca_spec spec;
	struct fe_err err;

	memset(t, 0, sizeof(*t));
	memset(&spec, 0, sizeof(spec));
	spec.subject = X509_NAME_new();
	assert_non_null(spec.subject);
	assert_int_equal(X509_NAME_add_entry_by_txt(spec.subject, "CN",
	    MBSTRING_UTF8, (const unsigned char *)label, -1, -1, 0), 1);
	spec.not_before = 1700000000;
	spec.not_after = 4102444800LL + 86400LL * 365 * 20;
	spec.path_length = -1;
	assert_int_equal(issue_ca_cert(key, &spec, NULL, key, &t->iss.cert,
	    &err), 0);
	X509_NAME_free(spec.subject);
	fe_snprintf(t->iss.label, sizeof(t->iss.label), "%s", label);
	t->iss.key = key;
	t->key = key;
	if (variant != 1)
		fe_snprintf(t->iss.crl_url, sizeof(t->iss.crl_url),
		    "http://crl.example.org/%s.crl", label);
	if (variant != 2)
		fe_snprintf(t->iss.ocsp_url, sizeof(t->iss.ocsp_url),
		    "http://ocsp.example.org");
	if (variant != 0)
		fe_snprintf(t->iss.issuer_url, sizeof(t->iss.issuer_url),
		    "http://ca.example.org/%s.der", label);
}

/* A DNS name of exactly len octets (labels of up to 63). */
static void
dns_name(char *out, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (i % 60 == 59 && i + 1 < len) ? '.' :
		    (char)('a' + (seed + i) % 26);
	out[len] = '\0';
}

static void
compare_one(struct issue_cache *c, const struct profile *p,
    const struct tiss *ti, struct sign_request *r, struct issue_plan *plan,
    const uint8_t *serial, size_t slen, bool same_sig, size_t ssize)
{
	X509 *x = NULL, *y;
	unsigned char *xd = NULL;
	uint8_t *der = NULL;
	const uint8_t *t1, *t2;
	const unsigned char *q;
	size_t l1, l2, derlen;
	char s1[512], s2[512];
	struct fe_err e1, e2;
	int n, rc1, rc2;

	rc1 = issue_build(p, &ti->iss, r, plan, serial, slen, &x, &e1);
	assert_true(ssize <= sizeof(s1));
	memset(s1, 'x', sizeof(s1));
	memset(s2, 'x', sizeof(s2));
	rc2 = issue_der(c, p, &ti->iss, r, plan, serial, slen, &der,
	    &derlen, s2, ssize, &e2);
	assert_int_equal(rc1, rc2);
	if (rc1 != 0) {
		assert_string_equal(e1.msg, e2.msg);
		ERR_clear_error();
		return;
	}
	n = i2d_X509(x, &xd);
	assert_true(n > 0);
	tbs_of(xd, (size_t)n, &t1, &l1);
	tbs_of(der, derlen, &t2, &l2);
	if (l1 != l2 || memcmp(t1, t2, l1) != 0) {
		fprintf(stderr, "profile %s issuer %s: TBS differs (%zu, %zu "
		    "bytes)\n", p->name, ti->iss.label, l1, l2);
		fail();
	}
	if (same_sig) {
		assert_int_equal((size_t)n, derlen);
		assert_memory_equal(xd, der, derlen);
	}
	/* The subject text, also cut short, and nothing written past it. */
	X509_NAME_oneline(X509_get_subject_name(x), s1, (int)ssize);
	assert_memory_equal(s1, s2, sizeof(s1));
	/* The template's certificate parses, with nothing after it, and
	 * its signature verifies under the issuer's key. */
	q = der;
	y = d2i_X509(NULL, &q, (long)derlen);
	assert_non_null(y);
	assert_ptr_equal(q, der + derlen);
	assert_int_equal(X509_verify(y, ti->key), 1);
	X509_free(y);
	X509_free(x);
	OPENSSL_free(xd);
	free(der);
}

/* One request from ps->p[0] with subject a[0..n), names names[0..nn)
 * (dNSNames; "ip:" an IPv4 address, "@" in it an rfc822Name) and
 * validity nb..na, compared on the P-256 issuer (ti[0]) with key
 * kidx, and on the RSA one (ti[2], whole certificate) when rsa. */
struct attrv {
	enum subj_attr a;
	const char *v;
};

static void
one(struct issue_cache *c, const struct profiles *ps,
    const struct tiss *ti, EVP_PKEY *const *sk,
    unsigned char *const *spki, const size_t *spki_len, size_t kidx,
    const struct attrv *a, size_t n, const char *const *names, size_t nn,
    int64_t nb, int64_t na, size_t ssize, bool rsa)
{
	struct sign_request *r = calloc(1, sizeof(*r));
	struct issue_plan plan;
	uint8_t serial[SERIAL_MAX];
	size_t i, slen;

	assert_non_null(r);
	memset(&plan, 0, sizeof(plan));
	fe_snprintf(r->id, sizeof(r->id), "extra");
	for (i = 0; i < n; i++) {
		r->subject[r->nsubject].attr = a[i].a;
		fe_snprintf(subj_slot(r), REQ_VALUE_MAX,
		    "%s", a[i].v);
	}
	for (i = 0; i < nn; i++) {
		struct req_name *rn = &r->names[r->nnames++];

		fe_snprintf(name_slot(r, r->nnames - 1), REQ_VALUE_MAX, "%s", names[i]);
		if (strncmp(names[i], "ip:", 3) == 0) {
			rn->type = NT_IP;
			memcpy(plan.names.ip[plan.names.nip],
			    "\xc0\x00\x02\x01", 4);
			plan.names.iplen[plan.names.nip++] = 4;
		} else if (strchr(names[i], '@') != NULL) {
			rn->type = NT_EMAIL;
			plan.names.email[plan.names.nemail++] = rn->value;
		} else {
			plan.names.dns[plan.names.ndns++] = rn->value;
		}
	}
	plan.pub = sk[kidx];
	plan.spki = spki[kidx];
	plan.spki_len = spki_len[kidx];
	/* every other time, the key only as spki, as the CSR reader gives
	 * it (issue_build() reads it, issue_der() copies it) */
	if (plan.spki != NULL && (spki_turn++ & 1))
		plan.pub = NULL;
	plan.not_before = nb;
	plan.not_after = na;
	serial_random(serial, &slen);
	compare_one(c, &ps->p[0], &ti[0], r, &plan, serial, slen, false,
	    ssize);
	if (rsa)
		compare_one(c, &ps->p[0], &ti[2], r, &plan, serial, slen,
		    true, ssize);
	free(r);
}

/* count copies of unit, then tail. */
static const char *
rep(char *out, const char *unit, size_t count, const char *tail)
{
	size_t i, l = 0, ul = strlen(unit);

	for (i = 0; i < count; i++, l += ul)
		memcpy(out + l, unit, ul);
	memcpy(out + l, tail, strlen(tail) + 1);
	return out;
}

/*
 * Subjects: every attribute with ASCII, Latin and CJK UTF-8 values and
 * characters OpenSSL escapes in its one-line text; each attribute at its
 * ASN1_STRING_TABLE bounds (counted in characters) and one past them;
 * characters PrintableString (C, serialNumber) and IA5String
 * (emailAddress) cannot hold; malformed UTF-8; the text cut at every
 * length.  Values past a bound fail in both paths with OpenSSL's error.
 */
static void
subjects(struct issue_cache *c, const struct profiles *ps,
    const struct tiss *ti, EVP_PKEY *const *sk,
    unsigned char *const *spki, const size_t *spki_len)
{
	static const struct attrv all[] = {
		{ SA_CN, "Zo\xc3\xab M\xc3\xbcller" },
		{ SA_EMAIL_ADDRESS, "zoe@example.org" },
		{ SA_SURNAME, "M\xc3\xbcller" },
		{ SA_GIVEN_NAME, "Zo\xc3\xab" },
		{ SA_PSEUDONYM, "zm/2+1" }, { SA_O, "Example B.V." },
		{ SA_L, "\xe6\x9d\xb1\xe4\xba\xac" },       /* Tokyo */
		{ SA_ST, "\xf0\x9f\x98\x80 state" },         /* U+1F600 */
		{ SA_C, "NL" }, { SA_SERIAL_NUMBER, "ABC-123 (x)'+,./:=?" },
		{ SA_O, "Second O" }, { SA_CN, "\x01\x1f\x7f tab\there" },
	};
	static const char *const names[] = { "www.example.org" };
	/* C and serialNumber outside PrintableString (lower case is in
	 * it), C of other lengths; emailAddress outside IA5String (control
	 * characters are in it); the largest code point and those around
	 * the surrogates. */
	static const struct attrv singles[] = {
		{ SA_C, "N@" }, { SA_C, "N_" }, { SA_C, "N*" }, { SA_C, "N" },
		{ SA_C, "NLD" }, { SA_C, "\xc3\xab" "A" }, { SA_C, "N!" },
		{ SA_C, "N;" }, { SA_C, "" }, { SA_C, "nl" },
		{ SA_SERIAL_NUMBER, "12@3" }, { SA_SERIAL_NUMBER, "a_b" },
		{ SA_SERIAL_NUMBER, "x*y" }, { SA_SERIAL_NUMBER, "x\"y" },
		{ SA_SERIAL_NUMBER, "x&y~" }, { SA_SERIAL_NUMBER, "" },
		{ SA_SERIAL_NUMBER, "\xc3\xab" },
		{ SA_EMAIL_ADDRESS, "zo\xc3\xab@example.org" },
		{ SA_EMAIL_ADDRESS, "z\x01o\x7f@example.org" },
		{ SA_EMAIL_ADDRESS, "zo\xe9@example.org" },
		{ SA_EMAIL_ADDRESS, "z\x80@example.org" },
		{ SA_EMAIL_ADDRESS, "z\xc2\x80@example.org" },
		{ SA_O, "\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80 "
		    "\xef\xbf\xbf" },
	};
	static const char *const bad_utf8[] = { "\xc3", "\xc0\xaf", "a\x80",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
	    "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xff", "" };
	static const struct {
		enum subj_attr a;
		size_t max;
	} bounds[] = {
		{ SA_CN, 64 }, { SA_O, 64 }, { SA_L, 128 }, { SA_ST, 128 },
		{ SA_SERIAL_NUMBER, 64 }, { SA_EMAIL_ADDRESS, 128 },
	};
	char v[REQ_VALUE_MAX * 2];
	struct attrv a[REQ_SUBJECT_MAX];
	size_t i, n, len;

	/* Everything, both ways round, and its text at every length. */
	one(c, ps, ti, sk, spki, spki_len, 0, all, 12, names, 1, 1700000000,
	    1800000000, 512, true);
	for (len = 0; len < 200; len++)
		one(c, ps, ti, sk, spki, spki_len, len % 2 ? 0 : 1, all, 12,
		    names, 1, 1700000000, 1800000000, len, false);
	for (i = 0; i < 12; i++)
		a[i] = all[11 - i];
	one(c, ps, ti, sk, spki, spki_len, 4, a, 12, names, 1, 1700000000,
	    1800000000, 512, false);
	/* Sixteen attributes, the most a request has. */
	for (i = 0; i < REQ_SUBJECT_MAX; i++)
		a[i] = all[i % 12];
	one(c, ps, ti, sk, spki, spki_len, 0, a, REQ_SUBJECT_MAX, names, 1,
	    1700000000, 1800000000, 512, false);
	/* Each attribute alone, then at and past its bounds, in ASCII and
	 * (UTF8String ones) in three-octet characters. */
	for (i = 0; i < 12; i++)
		one(c, ps, ti, sk, spki, spki_len, 2, &all[i], 1, names, 1,
		    1700000000, 1800000000, 512, false);
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		for (n = bounds[i].max - 1; n <= bounds[i].max + 1; n++) {
			a[0].a = bounds[i].a;
			a[0].v = rep(v, "a", n, "");
			if (bounds[i].a == SA_EMAIL_ADDRESS)
				a[0].v = rep(v, "a", n - 12, "@example.org");
			one(c, ps, ti, sk, spki, spki_len, 0, a, 1, names, 1,
			    1700000000, 1800000000, 512, false);
			if (bounds[i].a == SA_SERIAL_NUMBER ||
			    bounds[i].a == SA_EMAIL_ADDRESS || 3 * n > 255)
				continue;
			a[0].v = rep(v, "\xe4\xb8\xad", n, "");
			one(c, ps, ti, sk, spki, spki_len, 0, a, 1, names, 1,
			    1700000000, 1800000000, 512, false);
		}
	}
	/* CN of 63 CJK characters and one of four octets: 64, at the
	 * bound in characters, 193 octets. */
	a[0].a = SA_CN;
	a[0].v = rep(v, "\xe4\xb8\xad", 63, "\xf0\x9f\x98\x80");
	one(c, ps, ti, sk, spki, spki_len, 0, a, 1, names, 1, 1700000000,
	    1800000000, 512, false);
	/* givenName and surname: long, no bound a request can reach. */
	a[0].a = SA_GIVEN_NAME;
	a[0].v = rep(v, "\xc3\xa9", 127, "");
	a[1].a = SA_SURNAME;
	a[1].v = "x";
	one(c, ps, ti, sk, spki, spki_len, 1, a, 2, names, 1, 1700000000,
	    1800000000, 512, false);
	for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
		one(c, ps, ti, sk, spki, spki_len, 0, &singles[i], 1, names, 1,
		    1700000000, 1800000000, 512, false);
	/* Malformed UTF-8 (and empty values) in a UTF8String attribute,
	 * and in pseudonym, which has no table entry and no bounds. */
	for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		a[0].a = SA_CN;
		a[0].v = bad_utf8[i];
		one(c, ps, ti, sk, spki, spki_len, 0, a, 1, names, 1,
		    1700000000, 1800000000, 512, false);
		a[0].a = SA_PSEUDONYM;
		one(c, ps, ti, sk, spki, spki_len, 0, a, 1, names, 1,
		    1700000000, 1800000000, 512, false);
	}
	/* An empty subject (subjectAltName critical). */
	one(c, ps, ti, sk, spki, spki_len, 0, a, 0, names, 1, 1700000000,
	    1800000000, 512, true);
}

/* Times at the edges of UTCTime, GeneralizedTime and of the hand
 * encoder's years (0 to 9999), leap days, and many at random. */
static void
times(struct issue_cache *c, const struct profiles *ps,
    const struct tiss *ti, EVP_PKEY *const *sk)
{
	static const int64_t t[] = {
		-631152001LL,          /* 1949-12-31T23:59:59Z */
		-631152000LL,          /* 1950-01-01T00:00:00Z */
		-1, 0, 951782400LL,    /* 2000-02-29 */
		2524607999LL,          /* 2049-12-31T23:59:59Z */
		2524608000LL,          /* 2050-01-01T00:00:00Z */
		4107542400LL,          /* 2100-03-01 */
		253402300799LL,        /* 9999-12-31T23:59:59Z */
		253402300800LL,        /* 10000-01-01: ASN1_TIME_set() */
		-62167219200LL,        /* 0000-01-01T00:00:00Z */
		-62167219201LL,        /* -0001-12-31: ASN1_TIME_set() */
		-2208988800LL,         /* 1900-01-01 */
		-2203891200LL,         /* 1900-03-01 */
	};
	static const struct attrv cn = { SA_CN, "t" };
	static const char *const names[] = { "t.example.org" };
	unsigned char *none[5] = { NULL };
	size_t none_len[5] = { 0 }, i, j;
	uint64_t u;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		for (j = 0; j < sizeof(t) / sizeof(t[0]); j++)
			one(c, ps, ti, sk, none, none_len, 0, &cn, 1, names, 1,
			    t[i], t[j], 512, i == j);
	for (i = 0; i < 1000; i++) {
		fe_random(&u, sizeof(u));
		one(c, ps, ti, sk, none, none_len, 0, &cn, 1, names, 1,
		    -62167219200LL + (int64_t)(u % 315537897600ULL),
		    (int64_t)(u >> 32), 512, false);
	}
}

/* subjectAltName contents whose lengths cross 127/128 and 255/256
 * (the GeneralNames, the OCTET STRING and the extension), with and
 * without a subject (critical), and a hundred long names (lengths in
 * two octets). */
static void
san_lengths(struct issue_cache *c, const struct profiles *ps,
    const struct tiss *ti, EVP_PKEY *const *sk)
{
	static const struct attrv cn = { SA_CN, "s" };
	unsigned char *none[5] = { NULL };
	size_t none_len[5] = { 0 };
	char d[REQ_NAMES_MAX][REQ_VALUE_MAX];
	const char *names[REQ_NAMES_MAX];
	size_t len, i;

	for (len = 100; len <= 255; len++) {
		if (len > 140 && len < 225)
			continue;
		dns_name(d[0], len, (unsigned)len);
		names[0] = d[0];
		names[1] = "ip:";
		names[2] = "a@b.example";
		for (i = 1; i <= 3; i++) {
			one(c, ps, ti, sk, none, none_len, 0, &cn, 1, names, i,
			    1700000000, 1800000000, 512, false);
			one(c, ps, ti, sk, none, none_len, 1, &cn, 0, names, i,
			    1700000000, 1800000000, 512, false);
		}
	}
	for (i = 0; i < REQ_NAMES_MAX; i++) {
		dns_name(d[i], i % 2 ? 250 : 120, (unsigned)i);
		names[i] = d[i];
	}
	names[7] = "ip:";
	names[9] = "b@example.org";
	one(c, ps, ti, sk, none, none_len, 0, &cn, 1, names, REQ_NAMES_MAX,
	    1700000000, 1800000000, 512, true);
}

static void
template_matches_x509(void **state)
{
	static const char *const dnsl[] = { "a.example.org",
	    "www.example.org" };
	static const size_t lens[] = { 1, 50, 60, 61, 62, 63, 64, 70, 90,
	    100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112,
	    113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125,
	    126, 127, 128, 129, 130, 180, 200, 220, 226, 227, 228, 229, 230,
	    231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243,
	    244, 245, 246, 247, 248, 249, 250, 251, 252, 253 };
	struct conf *conf = NULL;
	struct profiles *ps = calloc(1, sizeof(*ps));
	struct issue_cache *c = issue_cache_new();
	struct tiss ti[4];
	EVP_PKEY *sk[5];
	unsigned char *spki[5] = { NULL };
	size_t spki_len[5] = { 0 };
	EVP_PKEY_CTX *pctx;
	struct fe_err err;
	struct sign_request *r = calloc(1, sizeof(*r));
	struct issue_plan plan;
	uint8_t serial[SERIAL_MAX];
	size_t i, j, k, m, slen;
	unsigned seed = 0;
	(void)state;

	assert_non_null(ps);
	assert_non_null(r);
	assert_int_equal(conf_load("etc/signer.ini", &conf, &err), 0);
	assert_int_equal(profiles_load(conf, ps, &err), 0);
	assert_true(ps->n > 5);
	sk[0] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	sk[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	sk[2] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	assert_non_null(pctx);
	assert_int_equal(EVP_PKEY_keygen_init(pctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, 2048), 1);
	sk[3] = NULL;
	assert_int_equal(EVP_PKEY_generate(pctx, &sk[3]), 1);
	EVP_PKEY_CTX_free(pctx);
	sk[4] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	for (i = 0; i < 5; i++)
		assert_non_null(sk[i]);
	assert_int_equal(EVP_PKEY_set_utf8_string_param(sk[4],
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED), 1);
	/* The CSR's own SubjectPublicKeyInfo (plan->spki) for the EC keys
	 * on P-256 and P-384, as request.c would pass it. */
	for (i = 0; i < 5; i++) {
		int n;

		if (i == 2 || i == 3)
			continue;
		n = i2d_PUBKEY(sk[i], &spki[i]);
		assert_true(n > 0);
		spki_len[i] = (size_t)n;
	}
	tiss_make(&ti[0], "p256", sk[0], 0);
	tiss_make(&ti[1], "p384", sk[1], 1);
	tiss_make(&ti[2], "rsa", sk[2], 2);
	tiss_make(&ti[3], "rsa-pss", sk[3], 0);

	for (i = 0; i < ps->n; i++) {
		const struct profile *p = &ps->p[i];

		for (j = 0; j < 4; j++) {
			for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
				/* Every fourth request of a profile without
				 * SAN names: no names; some subjects empty. */
				memset(r, 0, sizeof(*r));
				memset(&plan, 0, sizeof(plan));
				fe_snprintf(r->id, sizeof(r->id), "t-%zu-%zu-%zu",
				    i, j, k);
				if (k % 3 != 0 || p->subject_required != 0) {
					r->subject[r->nsubject].attr = SA_CN;
					dns_name(subj_slot(r),
					    1 + (k * 7) % 64, seed);
				}
				if (k % 2 == 0) {
					r->subject[r->nsubject].attr = SA_C;
					fe_snprintf(subj_slot(r),
					    REQ_VALUE_MAX, "NL");
					r->subject[r->nsubject].attr = SA_O;
					fe_snprintf(subj_slot(r),
					    REQ_VALUE_MAX, "Ex\xc3\xa4mple %zu", k);
				}
				if (k % 5 == 1) {
					r->subject[r->nsubject].attr =
					    SA_EMAIL_ADDRESS;
					fe_snprintf(subj_slot(r),
					    REQ_VALUE_MAX, "m%zu@example.org", k);
				}
				if (k % 4 != 3 || p->require_names) {
					dns_name(name_slot(r, 0), lens[k], seed);
					plan.names.dns[plan.names.ndns++] =
					    r->names[0].value;
					r->nnames = 1;
					for (m = 0; m < k % 3; m++) {
						fe_snprintf(name_slot(r, r->nnames),
						    REQ_VALUE_MAX, "%s",
						    dnsl[m % 2]);
						plan.names.dns[plan.names.ndns++] =
						    r->names[r->nnames++].value;
					}
					if (k % 5 == 2) {
						r->names[r->nnames++].type = NT_IP;
						memcpy(plan.names.ip[0],
						    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0"
						    "\0\0\0\0\x01", 16);
						plan.names.iplen[0] =
						    k % 2 ? 16 : 4;
						plan.names.nip = 1;
					}
					if (k % 5 == 1) {
						fe_snprintf(name_slot(r, r->nnames),
						    REQ_VALUE_MAX,
						    "m%zu@example.org", k);
						r->names[r->nnames].type =
						    NT_EMAIL;
						plan.names.email[
						    plan.names.nemail++] =
						    r->names[r->nnames++].value;
					}
				}
				plan.pub = sk[(k + j) % 5];
				plan.not_before = 1700000000 + (int64_t)k * 977;
				plan.not_after = k % 7 == 0 ? 2600000000LL +
				    (int64_t)k : plan.not_before + 86400 * 90 - 1;
				if (k % 6 == 5)
					plan.crl_url = k % 12 == 5 ?
					    "http://crl.example.org/p/1.crl" :
					    "http://crl.example.org/p/2.crl";
				serial_random(serial, &slen);
				if (k % 4 == 1)
					serial[0] = 0;
				if (k % 4 == 2)
					serial[0] |= 0x80;
				if (k % 8 == 3)
					memset(serial, 0, 10);
				if (spki[(k + j) % 5] != NULL && k % 4 != 3) {
					plan.spki = spki[(k + j) % 5];
					plan.spki_len = spki_len[(k + j) % 5];
				}
				compare_one(c, p, &ti[j], r, &plan, serial,
				    slen, j == 2, 512);
				seed += 3;
			}
		}
	}
	/* A serial of zero and a locked issuer fail the same way. */
	memset(serial, 0, sizeof(serial));
	compare_one(c, &ps->p[0], &ti[0], r, &plan, serial, SERIAL_MAX,
	    false, 512);
	subjects(c, ps, ti, sk, spki, spki_len);
	times(c, ps, ti, sk);
	san_lengths(c, ps, ti, sk);
	ti[0].iss.key = NULL;
	compare_one(c, &ps->p[0], &ti[0], r, &plan, serial, SERIAL_MAX,
	    false, 512);
	for (i = 0; i < 4; i++)
		X509_free(ti[i].iss.cert);
	for (i = 0; i < 5; i++) {
		EVP_PKEY_free(sk[i]);
		OPENSSL_free(spki[i]);
	}
	issue_cache_free(c);
	conf_free(conf);
	free(ps);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsa_keys),
		cmocka_unit_test(rsa_chosen_numbers),
		cmocka_unit_test(ec_keys),
		cmocka_unit_test(other_keys),
		cmocka_unit_test(template_matches_x509),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
