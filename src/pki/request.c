/*
 * request.c - parse a signing request (format in request.h).
 *
 * Trusts nothing: the bytes come from the online host over the serial link
 * or from a file.  Caps: REQ_MAX_BYTES in all, REQ_LINE_MAX per header line,
 * REQ_NAMES_MAX names, REQ_SUBJECT_MAX subject attributes, RFC 5280 upper
 * bounds on attribute values.  Values must be printable UTF-8 without
 * control characters.  A CSR is accepted as PEM (one block, nothing but
 * white space after it) or DER (exactly one SEQUENCE, no trailing bytes).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include "lib/buf.h"
#include "lib/digest.h"
#include "lib/seam.h"
#include "pki/der.h"
#include "pki/request.h"

size_t
subj_attr_max(enum subj_attr a)
{
	switch (a) {
	case SA_C:
		return 2;
	case SA_L:
	case SA_ST:
	case SA_PSEUDONYM:
		return 128;
	case SA_EMAIL_ADDRESS:
		return 254;
	case SA_CN:
	case SA_GIVEN_NAME:
	case SA_SURNAME:
	case SA_O:
	case SA_SERIAL_NUMBER:
	default:
		return 64;
	}
}

/* Printable UTF-8, no controls (C0, DEL, C1), no overlongs or surrogates. */
static int
utf8_ok(const char *s, size_t n)
{
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		if (utf8_next((const uint8_t *)s, n, &i, &cp) != 0 ||
		    cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return -1;
	}
	return 0;
}

static int
id_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > REQ_ID_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == ':'))
			return -1;
	}
	return 0;
}

static bool
is_pem(const uint8_t *p, size_t len)
{
	static const char begin[] = "-----BEGIN ";

	return len >= sizeof(begin) - 1 &&
	    memcmp(p, begin, sizeof(begin) - 1) == 0;
}

/* The first line of a PEM CSR must be its own BEGIN line (RFC 7468 section
 * 7): libcrypto would skip lines, and blocks of other types, before it. */
static bool
pem_begins_csr(const uint8_t *p, size_t len)
{
	static const char *const first[] = {
		"-----BEGIN CERTIFICATE REQUEST-----",
		"-----BEGIN NEW CERTIFICATE REQUEST-----",
	};
	const uint8_t *nl = memchr(p, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - p) : len, i;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	for (i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		if (n == strlen(first[i]) && memcmp(p, first[i], n) == 0)
			return true;
	return false;
}

/*
 * The DER of one PEM CSR at p: its BEGIN line first, no headers, then
 * nothing but white space after the block.  PEM is read with PEM_read_bio,
 * not PEM_read_bio_X509_REQ: that one skips blocks of other types,
 * decrypts a block with a Proc-Type header (asking for a pass phrase on the
 * terminal when given no callback), and ignores bytes after the DER inside
 * the block (csr_read() refuses those).  *der is the caller's to
 * OPENSSL_free(); NULL with the reason in err.
 */
static unsigned char *
pem_der(const uint8_t *p, size_t len, long *derlen, struct fe_err *err)
{
	char *name = NULL, *header = NULL, rest[64];
	unsigned char *der = NULL;
	BIO *bio;
	int n;

	if (!pem_begins_csr(p, len)) {
		fe_err_set(err, "CSR: the first line is not '-----BEGIN "
		    "CERTIFICATE REQUEST-----' (RFC 2986, RFC 7468 section 7)");
		return NULL;
	}
	bio = BIO_new_mem_buf(p, (int)len);
	if (bio == NULL)
		fe_fatal("BIO_new_mem_buf");
	if (PEM_read_bio(bio, &name, &header, &der, derlen) != 1) {
		fe_err_ssl(err, "CSR is not a valid PEM certificate request "
		    "(RFC 2986, RFC 7468)");
		goto out;
	}
	if (strcmp(name, "CERTIFICATE REQUEST") != 0 &&
	    strcmp(name, "NEW CERTIFICATE REQUEST") != 0) {
		/* Defensive: pem_begins_csr() made this the first block. */
		fe_err_set(err, "CSR: a PEM block of type '%.40s', not a "
		    "CERTIFICATE REQUEST", name);
		goto fail;
	}
	if (header[0] != '\0') {
		fe_err_set(err, "CSR: the PEM block has headers (Proc-Type, "
		    "an encrypted block?): RFC 7468 section 2 permits none");
		goto fail;
	}
	/* Only white space may follow the END line. */
	while ((n = BIO_read(bio, rest, sizeof(rest))) > 0) {
		for (int i = 0; i < n; i++) {
			if (rest[i] != '\n' && rest[i] != '\r' &&
			    rest[i] != ' ' && rest[i] != '\t') {
				fe_err_set(err, "CSR: bytes after the END "
				    "CERTIFICATE REQUEST line");
				goto fail;
			}
		}
	}
	goto out;
fail:
	OPENSSL_free(der);
	der = NULL;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	return der;
}

/*
 * One CSR from p: DER (exactly one, nothing after it) or PEM (pem_der(),
 * with exactly one DER request inside the block).  NULL with the reason in
 * err.
 */
static X509_REQ *
csr_read(const uint8_t *p, size_t len, struct fe_err *err)
{
	X509_REQ *req;
	const uint8_t *q = p;
	unsigned char *der;
	long derlen = 0;

	if (!is_pem(p, len)) {
		req = d2i_X509_REQ(NULL, &q, (long)len);
		if (req == NULL) {
			fe_err_ssl(err, "CSR is not a valid DER certificate "
			    "request (RFC 2986)");
			return NULL;
		}
		if ((size_t)(q - p) != len) {
			fe_err_set(err, "CSR: %zu bytes after the DER "
			    "certificate request", len - (size_t)(q - p));
			X509_REQ_free(req);
			return NULL;
		}
		return req;
	}
	if ((der = pem_der(p, len, &derlen, err)) == NULL)
		return NULL;
	q = der;
	req = d2i_X509_REQ(NULL, &q, derlen);
	if (req == NULL)
		fe_err_ssl(err, "CSR: the PEM block is not a DER certificate "
		    "request (RFC 2986)");
	else if (q != der + derlen) {
		fe_err_set(err, "CSR: %ld bytes after the DER certificate "
		    "request inside the PEM block", (long)(der + derlen - q));
		X509_REQ_free(req);
		req = NULL;
	}
	OPENSSL_free(der);
	return req;
}

/*
 * The fast path.  Parsing a CSR with OpenSSL 3.0 costs about 90 us, nearly
 * all of it in setting up an OSSL_DECODER for the public key, which
 * x_pubkey.c builds afresh for every SubjectPublicKeyInfo it parses (3.2
 * caches them).  Here the CSR is parsed while this thread's default
 * library context is one with only the "null" provider, so no decoder is
 * found and the key is left undecoded; then the SubjectPublicKeyInfo's
 * own bytes go through a decoder context made once, with the arguments
 * x_pubkey.c uses ("DER", "SubjectPublicKeyInfo", the algorithm's name,
 * EVP_PKEY_PUBLIC_KEY, default context).  Only RSA and EC keys take this
 * path.  Whenever it does not succeed in full, the CSR is parsed again the
 * ordinary way, so every refusal, and every key OpenSSL cannot decode, is
 * handled exactly as before.
 */
struct fast_decoder {
	int nid;
	char keytype[64];            /* OBJ_obj2txt(..., 0), as x_pubkey.c */
	OSSL_DECODER_CTX *ctx;
	EVP_PKEY *out;               /* where ctx puts the key */
};

/*
 * Faster still for the two EC keys a CSR nearly always has: a P-256 or
 * P-384 SubjectPublicKeyInfo in exactly the one encoding RFC 5480 and the
 * Mozilla Root Store Policy (5.1.2) allow -- named curve, uncompressed
 * point -- is its fixed prefix and the point.  The key is then a copy of
 * a public key on the same curve made once, given the point with
 * EVP_PKEY_set1_encoded_public_key(), which refuses a point that is not
 * on the curve: 6 us instead of the decoder's 29.  Every other encoding
 * goes through the decoder as before.
 */
struct fast_ec {
	const char *group;
	int nid;
	const uint8_t *prefix;
	size_t prefix_len, point_len;
	EVP_PKEY *tmpl;              /* public only: the curve's generator */
};

static const uint8_t p256_prefix[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00,
};
static const uint8_t p384_prefix[] = {
	0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
};

/*
 * The signature algorithms the own reader takes (RFC 5758 3.2, RFC 4055
 * 5), as AlgorithmIdentifier DER: ECDSA without parameters, RSA with NULL
 * ones.  Entries 0 to 2 are also the digests fast.md fetches.
 */
static const struct sig_alg {
	int md;
	bool rsa;
	uint8_t len;
	uint8_t der[15];
} sig_algs[] = {
	{ NID_sha256, false, 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x04, 0x03, 0x02 } },
	{ NID_sha384, false, 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x04, 0x03, 0x03 } },
	{ NID_sha512, false, 12, { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x04, 0x03, 0x04 } },
	{ NID_sha256, true, 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 } },
	{ NID_sha384, true, 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 } },
	{ NID_sha512, true, 15, { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48,
	    0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 } },
};

/* AlgorithmIdentifier of an RSA key: rsaEncryption, NULL parameters. */
static const uint8_t rsa_alg[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x01, 0x05, 0x00,
};

static struct {
	OSSL_LIB_CTX *none;          /* no decoders */
	OSSL_PROVIDER *null;
	struct fast_decoder dec[2];
	struct fast_ec ec[2];
	EVP_MD *md[3];               /* SHA-256, -384, -512 (own reader) */
	bool ready;
	pthread_mutex_t lock;
} fast = {
	.ec = { { "P-256", NID_X9_62_prime256v1, p256_prefix,
	    sizeof(p256_prefix), 65, NULL },
	    { "P-384", NID_secp384r1, p384_prefix, sizeof(p384_prefix), 97,
	    NULL } },
	.dec = { { .nid = NID_rsaEncryption },
	    { .nid = NID_X9_62_id_ecPublicKey } },
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;

/*
 * A P-256 or P-384 key the reader took is not made into an EVP_PKEY of its
 * own unless asked for (request_pub()): copying the curve's template costs
 * more than the rest of the reading.  Instead each thread keeps, per curve,
 * one key whose point is set afresh with EVP_PKEY_set1_encoded_public_key()
 * -- which checks it is on the curve -- and a verification context on that
 * key made once, as openssl speed does.  The context shares the key's
 * EC_KEY, so it verifies with the point last set.
 */
struct scratch {
	EVP_PKEY *k[2];
	EVP_PKEY_CTX *c[2];
	uint8_t last[2][97];         /* the point k[i] has (0: none yet) */
};
static pthread_key_t scratch_key;

static void
scratch_free(void *arg)
{
	struct scratch *sc = arg;
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < 2; i++) {
		EVP_PKEY_CTX_free(sc->c[i]);
		EVP_PKEY_free(sc->k[i]);
	}
	free(sc);
}

static void
fast_free(void)
{
	size_t i;

	/* The exiting thread's; other threads' go with them. */
	if (fast.ready) {
		scratch_free(pthread_getspecific(scratch_key));
		(void)pthread_setspecific(scratch_key, NULL);
	}

	for (i = 0; i < sizeof(fast.dec) / sizeof(fast.dec[0]); i++)
		OSSL_DECODER_CTX_free(fast.dec[i].ctx);
	for (i = 0; i < sizeof(fast.ec) / sizeof(fast.ec[0]); i++) {
		EVP_PKEY_free(fast.ec[i].tmpl);
		fast.ec[i].tmpl = NULL;
	}
	for (i = 0; i < sizeof(fast.md) / sizeof(fast.md[0]); i++) {
		EVP_MD_free(fast.md[i]);
		fast.md[i] = NULL;
	}
	OSSL_PROVIDER_unload(fast.null);
	OSSL_LIB_CTX_free(fast.none);
	fast.ready = false;
}

/* A public key on f's curve: its generator, which is on the curve. */
static EVP_PKEY *
ec_template(const struct fast_ec *f)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL, *pub = NULL;
	OSSL_PARAM p[2];
	uint8_t pt[97];
	size_t n;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)f->group, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (c == NULL || EVP_PKEY_paramgen_init(c) != 1 ||
	    EVP_PKEY_CTX_set_params(c, p) != 1 ||
	    EVP_PKEY_paramgen(c, &k) != 1)
		goto out;
	EVP_PKEY_CTX_free(c);
	c = NULL;
	/* the generator, uncompressed: from the parameters' encoding */
	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_EC_GENERATOR,
	    pt, sizeof(pt), &n) != 1 || n != f->point_len || pt[0] != 0x04 ||
	    (pub = EVP_PKEY_dup(k)) == NULL ||
	    EVP_PKEY_set1_encoded_public_key(pub, pt, n) != 1) {
		EVP_PKEY_free(pub);
		pub = NULL;
	}
out:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(k);
	return pub;
}

/* This thread's scratch (see struct scratch); NULL if it cannot be made. */
static struct scratch *
scratch_get(void)
{
	struct scratch *sc = pthread_getspecific(scratch_key);
	size_t i;

	if (sc != NULL)
		return sc;
	sc = fe_calloc(1, sizeof(*sc));
	for (i = 0; i < 2; i++)
		if ((sc->k[i] = EVP_PKEY_dup(fast.ec[i].tmpl)) == NULL ||
		    (sc->c[i] = EVP_PKEY_CTX_new_from_pkey(NULL, sc->k[i],
		    NULL)) == NULL || EVP_PKEY_verify_init(sc->c[i]) != 1) {
			scratch_free(sc);
			return NULL;
		}
	if (pthread_setspecific(scratch_key, sc) != 0) {
		scratch_free(sc);
		return NULL;
	}
	return sc;
}

/* The index in fast.ec of spki's encoding; -1 if none. */
static int
fast_ec_index(const uint8_t *spki, size_t slen)
{
	const struct fast_ec *f;
	size_t i;

	for (i = 0; i < sizeof(fast.ec) / sizeof(fast.ec[0]); i++) {
		f = &fast.ec[i];
		if (slen == f->prefix_len + f->point_len &&
		    memcmp(spki, f->prefix, f->prefix_len) == 0 &&
		    spki[f->prefix_len] == 0x04)
			return (int)i;
	}
	return -1;
}

/* This thread's scratch key of curve k given spki's point; NULL if the
 * point is not on the curve. */
static EVP_PKEY *
scratch_point(int k, const uint8_t *spki)
{
	struct scratch *sc = scratch_get();
	const struct fast_ec *f = &fast.ec[k];

	if (sc == NULL)
		return NULL;
	/* The engine reads a request and verifies it right after: the same
	 * point, already set and checked. */
	if (memcmp(sc->last[k], spki + f->prefix_len, f->point_len) == 0)
		return sc->k[k];
	sc->last[k][0] = 0;
	if (EVP_PKEY_set1_encoded_public_key(sc->k[k], spki + f->prefix_len,
	    f->point_len) != 1)
		return NULL;
	memcpy(sc->last[k], spki + f->prefix_len, f->point_len);
	return sc->k[k];
}

/* A key of its own for spki when it is one of fast.ec's encodings; NULL
 * if not, or if the point is not on the curve. */
static EVP_PKEY *
fast_ec_key(const uint8_t *spki, size_t slen)
{
	const struct fast_ec *f;
	EVP_PKEY *k;
	int i;

	if ((i = fast_ec_index(spki, slen)) < 0)
		return NULL;
	f = &fast.ec[i];
	if ((k = EVP_PKEY_dup(f->tmpl)) == NULL)
		return NULL;
	if (EVP_PKEY_set1_encoded_public_key(k, spki + f->prefix_len,
	    f->point_len) != 1) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

static void
fast_init(void)
{
	struct fast_decoder *d;
	size_t i;

	ERR_set_mark();
	if ((fast.none = OSSL_LIB_CTX_new()) == NULL ||
	    (fast.null = OSSL_PROVIDER_load(fast.none, "null")) == NULL)
		goto out;
	for (i = 0; i < sizeof(fast.dec) / sizeof(fast.dec[0]); i++) {
		d = &fast.dec[i];
		if (OBJ_obj2txt(d->keytype, sizeof(d->keytype),
		    OBJ_nid2obj(d->nid), 0) <= 0 ||
		    (d->ctx = OSSL_DECODER_CTX_new_for_pkey(&d->out, "DER",
		    "SubjectPublicKeyInfo", d->keytype, EVP_PKEY_PUBLIC_KEY,
		    NULL, NULL)) == NULL ||
		    OSSL_DECODER_CTX_get_num_decoders(d->ctx) == 0)
			goto out;
	}
	for (i = 0; i < sizeof(fast.ec) / sizeof(fast.ec[0]); i++)
		if ((fast.ec[i].tmpl = ec_template(&fast.ec[i])) == NULL)
			goto out;
	for (i = 0; i < sizeof(fast.md) / sizeof(fast.md[0]); i++)
		if ((fast.md[i] = EVP_MD_fetch(NULL, OBJ_nid2sn(sig_algs[i].md),
		    NULL)) == NULL)
			goto out;
	if (pthread_key_create(&scratch_key, scratch_free) != 0)
		goto out;
	/* Registered after OpenSSL's own handler, so it runs first. */
	if (atexit(fast_free) != 0)
		goto out;
	fast.ready = true;
out:
	if (!fast.ready)
		fast_free();
	ERR_pop_to_mark();
}

/* The SubjectPublicKeyInfo as it is in the request: the third element of
 * the CertificationRequestInfo's original encoding, which X509_REQ keeps
 * and i2d_X509_REQ() writes.  Definite lengths only. */
static bool
der_tlv(struct rd *r, uint8_t tag, const uint8_t **tlv, size_t *tlvlen,
    size_t *hdr)
{
	size_t start = r->off, n = 0;
	uint8_t t, b, k;

	if (rd_u8(r, &t) != 0 || t != tag || rd_u8(r, &b) != 0)
		return false;
	if (b & 0x80) {
		k = b & 0x7f;
		if (k == 0 || k > 4)
			return false;
		while (k-- > 0) {
			if (rd_u8(r, &b) != 0)
				return false;
			n = n << 8 | b;
		}
	} else {
		n = b;
	}
	*hdr = r->off - start;
	if (rd_left(r) < n)
		return false;
	*tlv = r->p + start;
	*tlvlen = *hdr + n;
	return true;
}

static bool
spki_bytes(const uint8_t *der, size_t len, const uint8_t **spki,
    size_t *slen)
{
	struct rd r;
	const uint8_t *t;
	size_t tl, h;

	rd_init(&r, der, len);
	if (!der_tlv(&r, 0x30, &t, &tl, &h) ||        /* CertificationRequest */
	    !der_tlv(&r, 0x30, &t, &tl, &h))          /* ...Info */
		return false;
	rd_init(&r, t + h, tl - h);
	if (!der_tlv(&r, 0x02, &t, &tl, &h) ||        /* version */
	    rd_bytes(&r, tl - h, &t) != 0 ||
	    !der_tlv(&r, 0x30, &t, &tl, &h) ||        /* subject */
	    rd_bytes(&r, tl - h, &t) != 0 ||
	    !der_tlv(&r, 0x30, spki, slen, &h))       /* subjectPKInfo */
		return false;
	return true;
}

/* The key of an SPKI through d, a decoder made once; NULL if it does not
 * take all of it. */
static EVP_PKEY *
decode_spki(struct fast_decoder *d, const uint8_t *spki, size_t slen)
{
	const unsigned char *q = spki;
	EVP_PKEY *pk = NULL;

	if (pthread_mutex_lock(&fast.lock) != 0)
		fe_fatal("pthread_mutex_lock");
	d->out = NULL;
	if (OSSL_DECODER_from_data(d->ctx, &q, &slen) == 1 && slen == 0)
		pk = d->out;
	else
		EVP_PKEY_free(d->out);
	d->out = NULL;
	if (pthread_mutex_unlock(&fast.lock) != 0)
		fe_fatal("pthread_mutex_unlock");
	return pk;
}

/* The CSR's key through a decoder made once; NULL if anything is not as
 * expected. */
static EVP_PKEY *
fast_key(X509_REQ *req)
{
	ASN1_OBJECT *alg;
	struct fast_decoder *d = NULL;
	unsigned char *der = NULL;
	const uint8_t *spki;
	size_t i, slen;
	EVP_PKEY *pk = NULL;
	int n, nid;

	if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL,
	    X509_REQ_get_X509_PUBKEY(req)) != 1)
		return NULL;
	nid = OBJ_obj2nid(alg);
	for (i = 0; i < sizeof(fast.dec) / sizeof(fast.dec[0]); i++)
		if (fast.dec[i].nid == nid)
			d = &fast.dec[i];
	if (d == NULL || (n = i2d_X509_REQ(req, &der)) <= 0)
		goto out;
	if (!spki_bytes(der, (size_t)n, &spki, &slen))
		goto out;
	if (nid == NID_X9_62_id_ecPublicKey &&
	    (pk = fast_ec_key(spki, slen)) != NULL)
		goto out;
	pk = decode_spki(d, spki, slen);
out:
	OPENSSL_free(der);
	return pk;
}

static X509_REQ *
csr_parse_fast(const uint8_t *p, size_t len, EVP_PKEY **pub)
{
	OSSL_LIB_CTX *prev;
	X509_REQ *req = NULL;
	struct fe_err scratch;

	if (pthread_once(&fast_once, fast_init) != 0)
		fe_fatal("pthread_once");
	if (!fast.ready || len == 0 || len > REQ_MAX_BYTES)
		return NULL;
	ERR_set_mark();
	if ((prev = OSSL_LIB_CTX_set0_default(fast.none)) == NULL)
		goto out;
	req = csr_read(p, len, &scratch);
	if (OSSL_LIB_CTX_set0_default(prev) == NULL)
		fe_fatal("OSSL_LIB_CTX_set0_default");
	if (req != NULL && (*pub = fast_key(req)) == NULL) {
		X509_REQ_free(req);
		req = NULL;
	}
out:
	ERR_pop_to_mark();
	return req;
}

/*
 * The CSR reader.  d2i_X509_REQ() costs more than everything else the
 * signer does to a request but the two signatures, and most of that goes
 * to the subject's canonical form, which the signer never uses (the
 * request's headers give the certificate's names).  The signer needs four
 * things of a CSR: that it is well formed, its key, the bytes its
 * signature covers, and the signature.  This reader takes a CSR only in a
 * plain DER form every part of which d2i_X509_REQ() takes too:
 *
 *   CertificationRequest: SEQUENCE {
 *     CertificationRequestInfo: SEQUENCE {
 *       version INTEGER 0,
 *       subject: SEQUENCE OF non-empty SET OF SEQUENCE { OBJECT IDENTIFIER,
 *         PrintableString | IA5String (ASCII) | UTF8String (utf8_ok()) },
 *       subjectPKInfo: a P-256 or P-384 key in fast.ec's one form, or an
 *         RSA key (rsaEncryption, NULL) the RSA decoder takes whole,
 *       [0] attributes, optional: SEQUENCE { OBJECT IDENTIFIER, non-empty
 *         SET OF (SEQUENCE | a string as above) } ... },
 *     sig_algs[] (ECDSA or PKCS #1 v1.5 with SHA-2),
 *     BIT STRING with no unused bits }
 *
 * with DER's definite lengths of at most two octets in their shortest form
 * (der_take()).  Anything else goes to csr_parse() as before, so every
 * refusal is OpenSSL's and worded as before.  request_verify() then checks
 * the signature over the CertificationRequestInfo's own bytes, as
 * X509_REQ_verify() does, and asks OpenSSL again when it does not verify.
 * tests/fuzz/fuzz_request.c checks that what this reader takes
 * d2i_X509_REQ() takes too, with the same key and the same verdict on the
 * signature.
 */

/* OBJECT IDENTIFIER contents as c2i_ASN1_OBJECT() takes them. */
static bool
oid_ok(const uint8_t *v, size_t n)
{
	size_t i;

	if (n == 0 || (v[n - 1] & 0x80))
		return false;
	for (i = 0; i < n; i++)
		if (v[i] == 0x80 && (i == 0 || !(v[i - 1] & 0x80)))
			return false;
	return true;
}

/* The next TLV when it is one of the strings the reader knows. */
static bool
take_str(const uint8_t **p, const uint8_t *end)
{
	static const char printable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?";
	const uint8_t *v;
	size_t n, i;
	uint8_t tag;

	if (*p >= end)
		return false;
	tag = **p;
	if ((tag != V_ASN1_PRINTABLESTRING && tag != V_ASN1_IA5STRING &&
	    tag != V_ASN1_UTF8STRING) || !der_take(p, end, tag, &v, &n))
		return false;
	if (tag == V_ASN1_UTF8STRING)
		return utf8_ok((const char *)v, n) == 0;
	for (i = 0; i < n; i++)
		if (v[i] == 0 || (tag == V_ASN1_PRINTABLESTRING ?
		    strchr(printable, v[i]) == NULL : v[i] >= 0x80))
			return false;
	return true;
}

/* SEQUENCE { OBJECT IDENTIFIER, ... } at *p: its contents after the OID
 * in *v, *vend. */
static bool
take_oid_seq(const uint8_t **p, const uint8_t *end, const uint8_t **v,
    const uint8_t **vend)
{
	const uint8_t *s, *o;
	size_t n, olen;

	if (!der_take(p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &s, &n))
		return false;
	*vend = s + n;
	if (!der_take(&s, *vend, V_ASN1_OBJECT, &o, &olen) ||
	    !oid_ok(o, olen))
		return false;
	*v = s;
	return true;
}

/* The contents of a subject Name. */
static bool
name_ok(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *rdn, *rend, *v, *vend;
	size_t n;

	while (p < end) {
		if (!der_take(&p, end, V_ASN1_SET | V_ASN1_CONSTRUCTED, &rdn,
		    &n) || n == 0)
			return false;
		for (rend = rdn + n; rdn < rend;)
			if (!take_oid_seq(&rdn, rend, &v, &vend) ||
			    !take_str(&v, vend) || v != vend)
				return false;
	}
	return true;
}

/* The contents of the [0] attributes. */
static bool
attrs_ok(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *v, *vend, *set, *send, *x;
	size_t n;

	while (p < end) {
		if (!take_oid_seq(&p, end, &v, &vend) ||
		    !der_take(&v, vend, V_ASN1_SET | V_ASN1_CONSTRUCTED, &set,
		    &n) || n == 0 || v != vend)
			return false;
		for (send = set + n; set < send;)
			if (!(*set == (V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED) ?
			    der_take(&set, send, *set, &x, &n) :
			    take_str(&set, send)))
				return false;
	}
	return true;
}

/* The key of an RSA SubjectPublicKeyInfo: rsa_alg, then a BIT STRING
 * with no unused bits that the RSA decoder takes whole. */
static EVP_PKEY *
rsa_key(const uint8_t *spki, size_t slen)
{
	const uint8_t *p = spki, *end = spki + slen, *v, *bits;
	size_t n;

	if (!der_take(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &v,
	    &n) || (size_t)(end - v) < sizeof(rsa_alg) ||
	    memcmp(v, rsa_alg, sizeof(rsa_alg)) != 0)
		return NULL;
	v += sizeof(rsa_alg);
	if (!der_take(&v, end, V_ASN1_BIT_STRING, &bits, &n) || v != end ||
	    n < 2 || bits[0] != 0)
		return NULL;
	return decode_spki(&fast.dec[0], spki, slen);
}

/* 0 when the reader took the CSR der (len bytes) into r; -1 if not, and r
 * is as it was. */
static int
own_read(struct sign_request *r, const uint8_t *der, size_t len)
{
	const uint8_t *p = der, *end = der + len, *c, *cend, *q, *info, *iend;
	const uint8_t *v, *spki, *sig;
	const struct sig_alg *sa = NULL;
	EVP_PKEY *pk;
	size_t n, slen, siglen, i;
	int nid = 0, k;

	if (!der_take(&p, end, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &c,
	    &n) || p != end)
		return -1;
	cend = c + n;
	q = c;
	if (!der_take(&q, cend, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &info,
	    &n))
		return -1;
	iend = info + n;
	if (iend - info < 3 || memcmp(info, "\x02\x01\x00", 3) != 0)
		return -1;
	info += 3;
	if (!der_take(&info, iend, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &v,
	    &n) || !name_ok(v, v + n))
		return -1;
	spki = info;
	if (!der_take(&info, iend, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, &v,
	    &n))
		return -1;
	slen = (size_t)(info - spki);
	if (info < iend && (!der_take(&info, iend, 0xa0, &v, &n) ||
	    !attrs_ok(v, v + n) || info != iend))
		return -1;
	for (i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
		if ((size_t)(cend - q) >= sig_algs[i].len &&
		    memcmp(q, sig_algs[i].der, sig_algs[i].len) == 0)
			sa = &sig_algs[i];
	if (sa == NULL)
		return -1;
	p = q + sa->len;
	if (!der_take(&p, cend, V_ASN1_BIT_STRING, &sig, &siglen) ||
	    p != cend || siglen < 2 || sig[0] != 0)
		return -1;
	if (sa->rsa) {
		if ((pk = rsa_key(spki, slen)) == NULL)
			return -1;
	} else {
		/* the point checked now; the key made if asked for */
		pk = NULL;
		ERR_set_mark();
		if ((k = fast_ec_index(spki, slen)) < 0 ||
		    scratch_point(k, spki) == NULL) {
			ERR_pop_to_mark();
			return -1;
		}
		ERR_pop_to_mark();
		nid = fast.ec[k].nid;
	}
	r->pub = pk;
	r->der = fe_malloc(len);
	memcpy(r->der, der, len);
	r->der_len = len;
	r->tbs_off = (size_t)(c - der);
	r->tbs_len = (size_t)(q - c);
	r->sig_off = (size_t)(sig + 1 - der);
	r->sig_len = siglen - 1;
	r->sig_md = sa->md;
	r->sig_rsa = sa->rsa;
	if (!sa->rsa) {
		r->spki = r->der + (spki - der);
		r->spki_len = slen;
		r->spki_nid = nid;
	}
	return 0;
}

/* The value of a base64 character; -1 for any other byte. */
static int
b64(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The line at *p (before end) without its LF or CRLF, *p moved past it;
 * false at the end or when a line has no LF. */
static bool
pem_line(const uint8_t **p, const uint8_t *end, const uint8_t **l,
    size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return false;
	*l = *p;
	*n = (size_t)(nl - *p) - (nl > *p && nl[-1] == '\r');
	*p = nl + 1;
	return true;
}

uint8_t *
csr_pem_strict(const uint8_t *p, size_t len, size_t *dlen)
{
	static const char *const label[] = { "CERTIFICATE REQUEST",
	    "NEW CERTIFICATE REQUEST" };
	const uint8_t *end = p + len, *l;
	uint8_t *der = NULL;
	size_t n, i, k = 0, pad = 0;
	char want[64];
	uint32_t acc;
	int v, which;

	if (!pem_line(&p, end, &l, &n))
		return NULL;
	for (which = 0; which < 2; which++)
		if (n == strlen(label[which]) + 16 &&
		    memcmp(l, "-----BEGIN ", 11) == 0 &&
		    memcmp(l + 11, label[which], n - 16) == 0 &&
		    memcmp(l + n - 5, "-----", 5) == 0)
			break;
	if (which == 2)
		return NULL;
	fe_snprintf(want, sizeof(want), "-----END %s-----", label[which]);
	der = fe_malloc(len / 4 * 3 + 3);
	for (;;) {
		if (!pem_line(&p, end, &l, &n))
			goto fail;
		if (n == strlen(want) && memcmp(l, want, n) == 0)
			break;
		if (n == 0 || n % 4 != 0 || n > 64 || pad != 0)
			goto fail;
		for (i = 0; i < n; i += 4) {
			acc = 0;
			for (v = 0; v < 4; v++) {
				int x = b64(l[i + (size_t)v]);
				if (x < 0) {
					/* '=' only as the last one or two */
					if (l[i + (size_t)v] != '=' ||
					    i + 4 != n || v < 2 ||
					    (v == 2 && l[i + 3] != '='))
						goto fail;
					pad++;
					x = 0;
				}
				acc = acc << 6 | (uint32_t)x;
			}
			der[k++] = (uint8_t)(acc >> 16);
			if (pad < 2)
				der[k++] = (uint8_t)(acc >> 8);
			if (pad < 1)
				der[k++] = (uint8_t)acc;
		}
	}
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			goto fail;
	if (k == 0)
		goto fail;
	*dlen = k;
	return der;
fail:
	free(der);
	return NULL;
}

/* own_read() of a CSR in PEM or DER; -1 if it is not taken. */
static int
own_csr(struct sign_request *r, const uint8_t *p, size_t len)
{
	struct fe_err scratch;
	unsigned char *der;
	uint8_t *sder;
	size_t slen;
	long dlen = 0;
	int rc;

	if (pthread_once(&fast_once, fast_init) != 0)
		fe_fatal("pthread_once");
	if (!fast.ready || len == 0 || len > REQ_MAX_BYTES)
		return -1;
	if (!is_pem(p, len))
		return own_read(r, p, len);
	if ((sder = csr_pem_strict(p, len, &slen)) != NULL) {
		rc = own_read(r, sder, slen);
		free(sder);
		return rc;
	}
	ERR_set_mark();
	der = pem_der(p, len, &dlen, &scratch);
	ERR_pop_to_mark();
	if (der == NULL)
		return -1;
	rc = own_read(r, der, (size_t)dlen);
	OPENSSL_free(der);
	return rc;
}

int
request_verify(const struct sign_request *r)
{
	const unsigned char *q;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	const EVP_MD *md = NULL;
	EVP_PKEY_CTX *c;
	X509_REQ *req;
	size_t i;
	int ok = 0, k;

	if (r->csr != NULL)
		return X509_REQ_verify(r->csr, r->pub != NULL ? r->pub :
		    X509_REQ_get0_pubkey(r->csr)) == 1;
	if (r->pub == NULL && r->spki == NULL)
		return 0;
	for (i = 0; i < sizeof(fast.md) / sizeof(fast.md[0]); i++)
		if (sig_algs[i].md == r->sig_md)
			md = fast.md[i];
	ERR_set_mark();
	if (md == NULL || EVP_Digest(r->der + r->tbs_off, r->tbs_len, dg,
	    &dlen, md, NULL) != 1)
		ok = 0;
	else if (r->spki != NULL)
		ok = (k = fast_ec_index(r->spki, r->spki_len)) >= 0 &&
		    scratch_point(k, r->spki) != NULL &&
		    EVP_PKEY_verify(scratch_get()->c[k], r->der + r->sig_off,
		    r->sig_len, dg, dlen) == 1;
	else if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, r->pub, NULL)) !=
	    NULL) {
		ok = EVP_PKEY_verify_init(c) == 1 && (!r->sig_rsa ||
		    (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(c, md) == 1)) &&
		    EVP_PKEY_verify(c, r->der + r->sig_off, r->sig_len, dg,
		    dlen) == 1;
		EVP_PKEY_CTX_free(c);
	}
	ERR_pop_to_mark();
	if (ok)
		return 1;
	/* Not verified: OpenSSL's own reading decides, and says why. */
	q = r->der;
	if ((req = d2i_X509_REQ(NULL, &q, (long)r->der_len)) == NULL)
		return 0;
	ok = X509_REQ_verify(req, r->pub != NULL ? r->pub :
	    X509_REQ_get0_pubkey(req)) == 1;
	X509_REQ_free(req);
	return ok;
}

EVP_PKEY *
request_pub(struct sign_request *r)
{
	if (r->pub == NULL && r->spki != NULL)
		r->pub = fast_ec_key(r->spki, r->spki_len);
	return r->pub;
}

X509_REQ *
csr_parse(const uint8_t *p, size_t len, EVP_PKEY **pub, struct fe_err *err)
{
	X509_REQ *req;

	if ((req = csr_parse_fast(p, len, pub)) != NULL)
		return req;
	if (len == 0) {
		fe_err_set(err, "no CSR after the request headers");
		return NULL;
	}
	if (len > REQ_MAX_BYTES) {
		fe_err_set(err, "CSR of %zu bytes is over the %d byte limit",
		    len, REQ_MAX_BYTES);
		return NULL;
	}
	if ((req = csr_read(p, len, err)) == NULL)
		return NULL;
	/* NULL if OpenSSL could not decode it; X509_REQ_get0_pubkey() then
	 * says why. */
	ERR_set_mark();
	if ((*pub = X509_REQ_get0_pubkey(req)) != NULL &&
	    EVP_PKEY_up_ref(*pub) != 1)
		fe_fatal("EVP_PKEY_up_ref");
	ERR_pop_to_mark();
	return req;
}

static int
set_value(struct sign_request *r, const char **dst, const char *v, size_t n,
    size_t max, const char *what, size_t lineno, struct fe_err *err)
{
	char *to;

	if (n == 0)
		return fe_err_set(err, "request line %zu: %s is empty", lineno,
		    what);
	if (n > max || n >= REQ_VALUE_MAX)
		return fe_err_set(err, "request line %zu: %s is longer than "
		    "%zu bytes", lineno, what, max);
	if (utf8_ok(v, n) != 0)
		return fe_err_set(err, "request line %zu: %s is not printable "
		    "UTF-8", lineno, what);
	/* r->text has room: each value is part of its own line, whose
	 * line end or ':' pays for the NUL (request_parse). */
	to = r->text + r->text_used;
	memcpy(to, v, n);
	to[n] = '\0';
	r->text_used += n + 1;
	*dst = to;
	return 0;
}

static int
parse_header(struct sign_request *r, const char *line, size_t len,
    size_t lineno, unsigned *seen, struct fe_err *err)
{
	const char *colon = memchr(line, ':', len), *v;
	size_t klen, vlen, i;
	char key[16];

	if (colon == NULL || colon == line)
		return fe_err_set(err, "request line %zu: expected 'field: "
		    "value'", lineno);
	klen = (size_t)(colon - line);
	if (klen >= sizeof(key))
		return fe_err_set(err, "request line %zu: unknown field",
		    lineno);
	memcpy(key, line, klen);
	key[klen] = '\0';
	v = colon + 1;
	vlen = len - klen - 1;
	if (vlen == 0 || *v != ' ')
		return fe_err_set(err, "request line %zu: '%s:' must be "
		    "followed by one space and a value", lineno, key);
	v++;
	vlen--;

#define ONCE(bit, name)							\
	do {								\
		if (*seen & (bit))					\
			return fe_err_set(err, "request line %zu: '%s' "	\
			    "is given twice", lineno, name);		\
		*seen |= (bit);						\
	} while (0)

	if (strcmp(key, "id") == 0) {
		ONCE(1u, "id");
		if (id_ok(v, vlen) != 0)
			return fe_err_set(err, "request line %zu: id must be "
			    "1 to %d of [A-Za-z0-9._:-]", lineno, REQ_ID_MAX);
		memcpy(r->id, v, vlen);
		r->id[vlen] = '\0';
		return 0;
	}
	if (strcmp(key, "profile") == 0 || strcmp(key, "issuer") == 0) {
		char *dst = key[0] == 'p' ? r->profile : r->issuer;
		ONCE(key[0] == 'p' ? 2u : 4u, key);
		if (id_ok(v, vlen) != 0 || vlen >= PROFILE_NAME_MAX)
			return fe_err_set(err, "request line %zu: %s must be "
			    "1 to %d of [A-Za-z0-9._:-]", lineno, key,
			    PROFILE_NAME_MAX - 1);
		memcpy(dst, v, vlen);
		dst[vlen] = '\0';
		return 0;
	}
	if (strcmp(key, "days") == 0 || strcmp(key, "not-after") == 0) {
		char tmp[32];
		ONCE(8u, "days or not-after");
		if (vlen >= sizeof(tmp))
			return fe_err_set(err, "request line %zu: %s is too "
			    "long", lineno, key);
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		if (key[0] == 'd') {
			uint64_t d = 0;
			if (vlen > 5 || tmp[0] == '0')
				goto baddays;
			for (i = 0; i < vlen; i++) {
				if (tmp[i] < '0' || tmp[i] > '9')
					goto baddays;
				d = d * 10 + (uint64_t)(tmp[i] - '0');
			}
			r->days = d;
			return 0;
baddays:
			return fe_err_set(err, "request line %zu: days '%s' is "
			    "not a number from 1 to 99999", lineno, tmp);
		}
		if (fe_time_parse(tmp, &r->not_after) != 0)
			return fe_err_set(err, "request line %zu: not-after "
			    "'%s' is not YYYY-MM-DDTHH:MM:SSZ", lineno, tmp);
		return 0;
	}
	if (strcmp(key, "subject") == 0) {
		const char *eq = memchr(v, '=', vlen);
		struct req_attr *a;
		size_t alen;
		int ai = -1;

		if (r->nsubject == REQ_SUBJECT_MAX)
			return fe_err_set(err, "request line %zu: more than %d "
			    "subject attributes", lineno, REQ_SUBJECT_MAX);
		if (eq == NULL)
			return fe_err_set(err, "request line %zu: subject must "
			    "be ATTR=value", lineno);
		alen = (size_t)(eq - v);
		for (i = 0; i < SA__MAX; i++)
			if (strlen(subj_attr_names[i]) == alen &&
			    memcmp(subj_attr_names[i], v, alen) == 0)
				ai = (int)i;
		if (ai < 0)
			return fe_err_set(err, "request line %zu: unknown "
			    "subject attribute '%.*s'", lineno,
			    (int)(alen > 20 ? 20 : alen), v);
		for (i = 0; i < r->nsubject; i++)
			if ((int)r->subject[i].attr == ai)
				return fe_err_set(err, "request line %zu: "
				    "subject %s is given twice", lineno,
				    subj_attr_names[ai]);
		a = &r->subject[r->nsubject];
		a->attr = (enum subj_attr)ai;
		if (set_value(r, &a->value, eq + 1, vlen - alen - 1,
		    subj_attr_max(a->attr), subj_attr_names[ai], lineno,
		    err) != 0)
			return FE_EINVAL;
		r->nsubject++;
		return 0;
	}
	for (i = 0; i < NT__MAX; i++) {
		if (strcmp(key, name_type_names[i]) != 0)
			continue;
		if (r->nnames == REQ_NAMES_MAX)
			return fe_err_set(err, "request line %zu: more than %d "
			    "names", lineno, REQ_NAMES_MAX);
		r->names[r->nnames].type = (enum name_type)i;
		if (set_value(r, &r->names[r->nnames].value, v, vlen,
		    REQ_VALUE_MAX - 1, key, lineno, err) != 0)
			return FE_EINVAL;
		r->nnames++;
		return 0;
	}
#undef ONCE
	return fe_err_set(err, "request line %zu: unknown field '%s'",
	    lineno, key);
}

int
request_parse(const uint8_t *p, size_t len, struct sign_request **out,
    struct fe_err *err)
{
	static const char magic[] = "foureyes-request 1";
	struct sign_request *r;
	struct rd rd;
	const char *line;
	size_t llen, lineno = 0;
	unsigned seen = 0;
	bool blank = false;

	if (len > REQ_MAX_BYTES)
		return fe_err_set(err, "request of %zu bytes is over the %d "
		    "byte limit", len, REQ_MAX_BYTES);
	r = fe_calloc(1, sizeof(*r));
	r->text = fe_malloc(len + 1);
	rd_init(&rd, p, len);
	if (rd_line(&rd, REQ_LINE_MAX, &line, &llen) != 0 ||
	    llen != sizeof(magic) - 1 || memcmp(line, magic, llen) != 0) {
		fe_err_set(err, "not a foureyes signing request: the first "
		    "line must be '%s'", magic);
		goto fail;
	}
	lineno = 1;
	while (rd_left(&rd) > 0) {
		lineno++;
		if (rd_line(&rd, REQ_LINE_MAX, &line, &llen) != 0) {
			fe_err_set(err, "request line %zu: longer than %d "
			    "bytes", lineno, REQ_LINE_MAX);
			goto fail;
		}
		if (llen == 0) {
			blank = true;
			break;
		}
		/* Keys are compared and not-after parsed as C strings: a NUL
		 * would hide what follows it ("id\0x:", a cut date). */
		if (memchr(line, '\0', llen) != NULL) {
			fe_err_set(err, "request line %zu: has a NUL byte",
			    lineno);
			goto fail;
		}
		if (parse_header(r, line, llen, lineno, &seen, err) != 0)
			goto fail;
	}
	if (!blank) {
		fe_err_set(err, "request has no blank line and CSR after its "
		    "headers (truncated?)");
		goto fail;
	}
	if (!(seen & 1u) || !(seen & 2u)) {
		fe_err_set(err, "request has no %s", !(seen & 1u) ? "id" :
		    "profile");
		goto fail;
	}
	if (!(seen & 8u)) {
		fe_err_set(err, "request gives neither days nor not-after");
		goto fail;
	}
	if (own_csr(r, rd.p + rd.off, rd_left(&rd)) != 0 &&
	    (r->csr = csr_parse(rd.p + rd.off, rd_left(&rd), &r->pub,
	    err)) == NULL) {
		fe_err_prefix(err, "request %s", r->id);
		goto fail;
	}
	if (EVP_Digest(p, len, r->digest, NULL, fe_sha256(), NULL) != 1)
		fe_fatal("SHA-256 failed");
	*out = r;
	return 0;
fail:
	request_free(r);
	return FE_EINVAL;
}

void
request_free(struct sign_request *r)
{
	if (r == NULL)
		return;
	X509_REQ_free(r->csr);
	EVP_PKEY_free(r->pub);
	free(r->der);
	free(r->text);
	free(r);
}
