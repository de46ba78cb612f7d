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
#include "lib/seam.h"
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
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, k, need;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return -1;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07;
		} else {
			return -1;
		}
		if (need >= n - i)
			return -1;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
		    (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return -1;
		i += need + 1;
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
 * One CSR from p: DER (exactly one, nothing after it) or PEM (one block,
 * its BEGIN line first, no headers, exactly one DER request inside, then
 * nothing but white space).  PEM is read with PEM_read_bio, not
 * PEM_read_bio_X509_REQ: that one skips blocks of other types, decrypts a
 * block with a Proc-Type header (asking for a pass phrase on the terminal
 * when given no callback), and ignores bytes after the DER inside the
 * block.  NULL with the reason in err.
 */
static X509_REQ *
csr_read(const uint8_t *p, size_t len, struct fe_err *err)
{
	X509_REQ *req = NULL;
	const uint8_t *q = p;
	char *name = NULL, *header = NULL, rest[64];
	unsigned char *der = NULL;
	const unsigned char *dq;
	long derlen = 0;
	BIO *bio;
	int n;

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
	if (!pem_begins_csr(p, len)) {
		fe_err_set(err, "CSR: the first line is not '-----BEGIN "
		    "CERTIFICATE REQUEST-----' (RFC 2986, RFC 7468 section 7)");
		return NULL;
	}
	bio = BIO_new_mem_buf(p, (int)len);
	if (bio == NULL)
		fe_fatal("BIO_new_mem_buf");
	if (PEM_read_bio(bio, &name, &header, &der, &derlen) != 1) {
		fe_err_ssl(err, "CSR is not a valid PEM certificate request "
		    "(RFC 2986, RFC 7468)");
		goto out;
	}
	if (strcmp(name, "CERTIFICATE REQUEST") != 0 &&
	    strcmp(name, "NEW CERTIFICATE REQUEST") != 0) {
		/* Defensive: pem_begins_csr() made this the first block. */
		fe_err_set(err, "CSR: a PEM block of type '%.40s', not a "
		    "CERTIFICATE REQUEST", name);
		goto out;
	}
	if (header[0] != '\0') {
		fe_err_set(err, "CSR: the PEM block has headers (Proc-Type, "
		    "an encrypted block?): RFC 7468 section 2 permits none");
		goto out;
	}
	dq = der;
	req = d2i_X509_REQ(NULL, &dq, derlen);
	if (req == NULL) {
		fe_err_ssl(err, "CSR: the PEM block is not a DER certificate "
		    "request (RFC 2986)");
		goto out;
	}
	if (dq != der + derlen) {
		fe_err_set(err, "CSR: %ld bytes after the DER certificate "
		    "request inside the PEM block", (long)(der + derlen - dq));
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
	X509_REQ_free(req);
	req = NULL;
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
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

static struct {
	OSSL_LIB_CTX *none;          /* no decoders */
	OSSL_PROVIDER *null;
	struct fast_decoder dec[2];
	struct fast_ec ec[2];
	bool ready;
	pthread_mutex_t lock;
} fast = {
	.ec = { { "P-256", p256_prefix, sizeof(p256_prefix), 65, NULL },
	    { "P-384", p384_prefix, sizeof(p384_prefix), 97, NULL } },
	.dec = { { .nid = NID_rsaEncryption },
	    { .nid = NID_X9_62_id_ecPublicKey } },
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
static pthread_once_t fast_once = PTHREAD_ONCE_INIT;

static void
fast_free(void)
{
	size_t i;

	for (i = 0; i < sizeof(fast.dec) / sizeof(fast.dec[0]); i++)
		OSSL_DECODER_CTX_free(fast.dec[i].ctx);
	for (i = 0; i < sizeof(fast.ec) / sizeof(fast.ec[0]); i++) {
		EVP_PKEY_free(fast.ec[i].tmpl);
		fast.ec[i].tmpl = NULL;
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

/* The key of spki when it is one of fast.ec's encodings; NULL if not,
 * or if the point is not on the curve. */
static EVP_PKEY *
fast_ec_key(const uint8_t *spki, size_t slen)
{
	const struct fast_ec *f;
	EVP_PKEY *k;
	size_t i;

	for (i = 0; i < sizeof(fast.ec) / sizeof(fast.ec[0]); i++) {
		f = &fast.ec[i];
		if (slen != f->prefix_len + f->point_len ||
		    memcmp(spki, f->prefix, f->prefix_len) != 0 ||
		    spki[f->prefix_len] != 0x04)
			continue;
		if ((k = EVP_PKEY_dup(f->tmpl)) == NULL)
			return NULL;
		if (EVP_PKEY_set1_encoded_public_key(k, spki + f->prefix_len,
		    f->point_len) != 1) {
			EVP_PKEY_free(k);
			return NULL;
		}
		return k;
	}
	return NULL;
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

/* The CSR's key through a decoder made once; NULL if anything is not as
 * expected. */
static EVP_PKEY *
fast_key(X509_REQ *req)
{
	ASN1_OBJECT *alg;
	struct fast_decoder *d = NULL;
	unsigned char *der = NULL;
	const unsigned char *q;
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
	q = spki;
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
set_value(char *dst, const char *v, size_t n, size_t max, const char *what,
    size_t lineno, struct fe_err *err)
{
	if (n == 0)
		return fe_err_set(err, "request line %zu: %s is empty", lineno,
		    what);
	if (n > max || n >= REQ_VALUE_MAX)
		return fe_err_set(err, "request line %zu: %s is longer than "
		    "%zu bytes", lineno, what, max);
	if (utf8_ok(v, n) != 0)
		return fe_err_set(err, "request line %zu: %s is not printable "
		    "UTF-8", lineno, what);
	memcpy(dst, v, n);
	dst[n] = '\0';
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
		if (set_value(a->value, eq + 1, vlen - alen - 1,
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
		if (set_value(r->names[r->nnames].value, v, vlen,
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
	r->csr = csr_parse(rd.p + rd.off, rd_left(&rd), &r->pub, err);
	if (r->csr == NULL) {
		fe_err_prefix(err, "request %s", r->id);
		goto fail;
	}
	if (EVP_Digest(p, len, r->digest, NULL, EVP_sha256(), NULL) != 1)
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
	free(r->spki);
	free(r);
}
