/*
 * ocsp.c - the OCSP core of fe-status: request parsing, CertID matching,
 * response signing (RFC 6960 with the RFC 5019 lightweight profile).
 *
 * Trusts nothing in a request: its bytes come from the network, by POST or
 * in a GET path, and go through named caps before and after OpenSSL's
 * decoder.  Trusts its caller for the status of a certificate and for the
 * responder key and certificate (a delegated responder whose certificate
 * the issuer signed with id-kp-OCSPSigning); checks only that the CertID
 * it signs for belongs to the issuer, so that no response is signed that
 * a client would throw away.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "pki/der.h"
#include "pki/ocsp.h"

static const char *const hash_names[OCSP_HASH__MAX] = {
	"SHA-1", "SHA-256",
};

const char *
ocsp_hash_name(enum ocsp_hash h)
{
	if ((unsigned)h >= OCSP_HASH__MAX)
		return NULL;
	return hash_names[h];
}

size_t
ocsp_hash_len(enum ocsp_hash h)
{
	switch (h) {
	case OCSP_HASH_SHA1:
		return 20;
	case OCSP_HASH_SHA256:
		return 32;
	case OCSP_HASH__MAX:
	default:
		return 0;
	}
}

static const EVP_MD *
hash_md(enum ocsp_hash h)
{
	switch (h) {
	case OCSP_HASH_SHA1:
		return EVP_sha1();
	case OCSP_HASH_SHA256:
		return EVP_sha256();
	case OCSP_HASH__MAX:
	default:
		return NULL;
	}
}

int
ocsp_rc_status(int rc)
{
	if (rc == 0)
		return OCSP_ST_SUCCESSFUL;
	if (rc == FE_EINVAL)
		return OCSP_ST_MALFORMED;
	return OCSP_ST_INTERNAL;
}

/* The OID of o in dotted form, for messages. */
static void
oid_text(const ASN1_OBJECT *o, char *buf, size_t size)
{
	if (o == NULL || OBJ_obj2txt(buf, (int)size, o, 1) <= 0)
		fe_snprintf(buf, size, "(unprintable OID)");
}

/*
 * Extensions of the request or of its one Request: no duplicate (RFC 5280
 * 4.2, which RFC 6960 4.4 builds on), no unknown critical one.  The nonce
 * is known only among the request extensions (RFC 8954 2.1); *nonce_ext is
 * set to it, or NULL.
 */
static int
check_exts(const char *name, const char *where,
    int (*count)(void *), X509_EXTENSION *(*get)(void *, int), void *x,
    bool nonce_known, X509_EXTENSION **nonce_ext, struct fe_err *err)
{
	char oid[80];
	int i, j, n = count(x);

	if (nonce_ext != NULL)
		*nonce_ext = NULL;
	if (n < 0 || n > 16)
		return fe_err_set(err, "%s: RFC 6960 4.1.1: %d %s extensions "
		    "(at most 16)", name, n, where);
	for (i = 0; i < n; i++) {
		X509_EXTENSION *e = get(x, i);
		const ASN1_OBJECT *o = X509_EXTENSION_get_object(e);

		for (j = 0; j < i; j++)
			if (OBJ_cmp(o, X509_EXTENSION_get_object(get(x,
			    j))) == 0) {
				oid_text(o, oid, sizeof(oid));
				return fe_err_set(err, "%s: RFC 5280 4.2: "
				    "duplicate %s extension %s", name, where,
				    oid);
			}
		if (nonce_known && OBJ_obj2nid(o) == NID_id_pkix_OCSP_Nonce) {
			*nonce_ext = e;
			continue;
		}
		if (X509_EXTENSION_get_critical(e) != 0) {
			oid_text(o, oid, sizeof(oid));
			return fe_err_set(err, "%s: RFC 6960 4.4: unknown "
			    "critical %s extension %s", name, where, oid);
		}
	}
	return 0;
}

static int
req_ext_count(void *x)
{
	return OCSP_REQUEST_get_ext_count(x);
}

static X509_EXTENSION *
req_ext_get(void *x, int i)
{
	return OCSP_REQUEST_get_ext(x, i);
}

static int
onereq_ext_count(void *x)
{
	return OCSP_ONEREQ_get_ext_count(x);
}

static X509_EXTENSION *
onereq_ext_get(void *x, int i)
{
	return OCSP_ONEREQ_get_ext(x, i);
}

/* RFC 8954 2.1: extnValue holds Nonce ::= OCTET STRING (SIZE(1..32)). */
static int
parse_nonce(const char *name, X509_EXTENSION *e, struct ocsp_req *r,
    struct fe_err *err)
{
	const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(e);
	const unsigned char *p = ASN1_STRING_get0_data(v);
	const unsigned char *q = p;
	long vlen = ASN1_STRING_length(v);
	ASN1_OCTET_STRING *inner;
	int n, rc;

	inner = d2i_ASN1_OCTET_STRING(NULL, &q, vlen);
	if (inner == NULL || q != p + vlen) {
		ASN1_OCTET_STRING_free(inner);
		ERR_clear_error();
		return fe_err_set(err, "%s: RFC 8954 2.1: nonce is not "
		    "exactly one OCTET STRING", name);
	}
	n = ASN1_STRING_length(inner);
	if (n < 1 || n > OCSP_NONCE_MAX) {
		rc = fe_err_set(err, "%s: RFC 8954 2.1: nonce of %d octets "
		    "(1 to %d)", name, n, OCSP_NONCE_MAX);
	} else {
		memcpy(r->nonce, ASN1_STRING_get0_data(inner), (size_t)n);
		r->nonce_len = (size_t)n;
		rc = 0;
	}
	ASN1_OCTET_STRING_free(inner);
	return rc;
}

static int
parse_certid(const char *name, OCSP_CERTID *cid, struct ocsp_certid *id,
    struct fe_err *err)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *alg = NULL;
	ASN1_INTEGER *serial = NULL;
	const unsigned char *s;
	char oid[80];
	size_t hl;
	int n;

	if (OCSP_id_get0_info(&nh, &alg, &kh, &serial, cid) != 1 ||
	    nh == NULL || alg == NULL || kh == NULL || serial == NULL)
		return fe_err_set(err, "%s: RFC 6960 4.1.1: incomplete CertID",
		    name);
	switch (OBJ_obj2nid(alg)) {
	case NID_sha1:
		id->hash = OCSP_HASH_SHA1;
		break;
	case NID_sha256:
		id->hash = OCSP_HASH_SHA256;
		break;
	default:
		oid_text(alg, oid, sizeof(oid));
		return fe_err_set(err, "%s: RFC 5019 2.1.1: CertID hash "
		    "algorithm %s is neither SHA-1 nor SHA-256", name, oid);
	}
	hl = ocsp_hash_len(id->hash);
	if ((size_t)ASN1_STRING_length(nh) != hl ||
	    (size_t)ASN1_STRING_length(kh) != hl)
		return fe_err_set(err, "%s: RFC 6960 4.1.1: CertID hashes of "
		    "%d and %d octets, %s needs %zu", name,
		    ASN1_STRING_length(nh), ASN1_STRING_length(kh),
		    hash_names[id->hash], hl);
	memcpy(id->name_hash, ASN1_STRING_get0_data(nh), hl);
	memcpy(id->key_hash, ASN1_STRING_get0_data(kh), hl);

	/* OpenSSL keeps the magnitude and the sign apart. */
	if (ASN1_STRING_type(serial) != V_ASN1_INTEGER)
		return fe_err_set(err, "%s: RFC 5280 4.1.2.2: negative serial "
		    "number", name);
	s = ASN1_STRING_get0_data(serial);
	n = ASN1_STRING_length(serial);
	while (n > 0 && s[0] == 0) {
		s++;
		n--;
	}
	if (n == 0)
		return fe_err_set(err, "%s: RFC 5280 4.1.2.2: serial number "
		    "zero", name);
	if (n > OCSP_SERIAL_MAX)
		return fe_err_set(err, "%s: RFC 5280 4.1.2.2: serial number "
		    "of %d octets (at most %d)", name, n, OCSP_SERIAL_MAX);
	memcpy(id->serial, s, (size_t)n);
	id->serial_len = (size_t)n;
	return 0;
}

/* The content of a SEQUENCE that must fill [*p, end) exactly. */
static bool
der_seq_all(const uint8_t *p, const uint8_t *end, const uint8_t **v,
    const uint8_t **vend)
{
	size_t n;

	if (!der_take(&p, end, 0x30, v, &n) || p != end)
		return false;
	*vend = *v + n;
	return true;
}

int
ocsp_req_parse_fast(const uint8_t *der, size_t len, struct ocsp_req *out)
{
	static const uint8_t sha1[] = { 0x2b, 0x0e, 0x03, 0x02, 0x1a };
	static const uint8_t sha256[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
	    0x04, 0x02, 0x01 };
	const uint8_t *p, *end, *v, *oid, *nh, *kh, *ser;
	size_t n, oidlen, nhl, khl, serl, hl;
	enum ocsp_hash h;

	if (der == NULL || len == 0 || len > OCSP_MAX_REQUEST)
		return 1;
	/* OCSPRequest, TBSRequest, requestList, Request, CertID: each the
	 * only thing inside the one before */
	if (!der_seq_all(der, der + len, &p, &end) ||
	    !der_seq_all(p, end, &p, &end) ||
	    !der_seq_all(p, end, &p, &end) ||
	    !der_seq_all(p, end, &p, &end) ||
	    !der_seq_all(p, end, &p, &end))
		return 1;
	/* AlgorithmIdentifier: the OID, then NULL or nothing */
	if (!der_take(&p, end, 0x30, &v, &n))
		return 1;
	{
		const uint8_t *a = v, *aend = v + n, *nul;
		size_t nl;

		if (!der_take(&a, aend, 0x06, &oid, &oidlen))
			return 1;
		if (a != aend && (!der_take(&a, aend, 0x05, &nul, &nl) ||
		    nl != 0 || a != aend))
			return 1;
	}
	if (oidlen == sizeof(sha1) && memcmp(oid, sha1, oidlen) == 0)
		h = OCSP_HASH_SHA1;
	else if (oidlen == sizeof(sha256) && memcmp(oid, sha256, oidlen) == 0)
		h = OCSP_HASH_SHA256;
	else
		return 1;
	hl = ocsp_hash_len(h);
	if (!der_take(&p, end, 0x04, &nh, &nhl) || nhl != hl ||
	    !der_take(&p, end, 0x04, &kh, &khl) || khl != hl ||
	    !der_take(&p, end, 0x02, &ser, &serl) || p != end)
		return 1;
	/* positive, minimal, not zero, at most OCSP_SERIAL_MAX octets of
	 * magnitude */
	if (serl == 0 || ser[0] >= 0x80)
		return 1;
	if (ser[0] == 0) {
		if (serl == 1 || ser[1] < 0x80)
			return 1;
		ser++;
		serl--;
	}
	if (serl > OCSP_SERIAL_MAX)
		return 1;
	memset(out, 0, sizeof(*out));
	out->id.hash = h;
	memcpy(out->id.name_hash, nh, hl);
	memcpy(out->id.key_hash, kh, hl);
	memcpy(out->id.serial, ser, serl);
	out->id.serial_len = serl;
	return 0;
}

int
ocsp_req_parse(const char *name, const uint8_t *der, size_t len,
    struct ocsp_req *out, struct fe_err *err)
{
	if (ocsp_req_parse_fast(der, len, out) == 0)
		return 0;
	return ocsp_req_parse_full(name, der, len, out, err);
}

int
ocsp_req_parse_full(const char *name, const uint8_t *der, size_t len,
    struct ocsp_req *out, struct fe_err *err)
{
	OCSP_REQUEST *req = NULL;
	OCSP_ONEREQ *one;
	X509_EXTENSION *nonce_ext = NULL;
	const unsigned char *p = der;
	struct ocsp_req r;
	int n, rc = FE_EINVAL;

	memset(&r, 0, sizeof(r));
	if (len == 0 || len > OCSP_MAX_REQUEST) {
		fe_err_set(err, "%s: request of %zu bytes (1 to %d)", name, len,
		    OCSP_MAX_REQUEST);
		goto out;
	}
	req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
	if (req == NULL) {
		fe_err_set(err, "%s: RFC 6960 4.1.1: not a DER OCSPRequest",
		    name);
		goto out;
	}
	if (p != der + len) {
		fe_err_set(err, "%s: RFC 6960 4.1.1: %zu trailing bytes after "
		    "the OCSPRequest", name, len - (size_t)(p - der));
		goto out;
	}
	n = OCSP_request_onereq_count(req);
	if (n != 1) {
		fe_err_set(err, "%s: RFC 5019 2.1.1: %d Requests in "
		    "requestList (exactly one)", name, n);
		goto out;
	}
	one = OCSP_request_onereq_get0(req, 0);
	if (one == NULL) {
		fe_err_set(err, "%s: RFC 6960 4.1.1: no Request", name);
		goto out;
	}
	if (check_exts(name, "request", req_ext_count, req_ext_get, req, true,
	    &nonce_ext, err) != 0 ||
	    check_exts(name, "singleRequest", onereq_ext_count,
	    onereq_ext_get, one, false, NULL, err) != 0)
		goto out;
	if (parse_certid(name, OCSP_onereq_get0_id(one), &r.id, err) != 0)
		goto out;
	if (nonce_ext != NULL && parse_nonce(name, nonce_ext, &r, err) != 0)
		goto out;
	*out = r;
	rc = 0;
out:
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return rc;
}

/* Value of a hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of a base64 character in either alphabet; *kind 1 for one only in
 * the standard alphabet, 2 only in the URL-safe one, 0 in both. */
static int
b64val(char c, int *kind)
{
	*kind = 0;
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	switch (c) {
	case '+':
		*kind = 1;
		return 62;
	case '/':
		*kind = 1;
		return 63;
	case '-':
		*kind = 2;
		return 62;
	case '_':
		*kind = 2;
		return 63;
	default:
		return -1;
	}
}

int
ocsp_req_from_path(const char *path, uint8_t **der, size_t *len,
    struct fe_err *err)
{
	const char *slash = strrchr(path, '/');

	return ocsp_req_from_b64(slash != NULL ? slash + 1 : path, der, len,
	    err);
}

int
ocsp_req_from_b64(const char *seg, uint8_t **der, size_t *len,
    struct fe_err *err)
{
	char *txt = NULL;
	uint8_t *bin = NULL;
	size_t seglen, n = 0, i, pad = 0, blen = 0;
	uint32_t acc = 0;
	int rc = FE_EINVAL, kind, alphabet = 0, v, bits = 0;

	seglen = strnlen(seg, OCSP_MAX_GET_PATH + 1);
	if (seglen == 0 || seglen > OCSP_MAX_GET_PATH)
		return fe_err_set(err, "GET request: RFC 6960 A.1: request "
		    "of %zu characters in the path (1 to %d)", seglen,
		    OCSP_MAX_GET_PATH);
	/* Percent-decoding never grows the text. */
	txt = fe_malloc(seglen + 1);
	for (i = 0; i < seglen; i++) {
		if (seg[i] == '%') {
			int hi, lo;

			if (i + 2 >= seglen) {
				fe_err_set(err, "GET request: RFC 3986 2.1: "
				    "'%%' at %zu without two hex digits", i);
				goto out;
			}
			hi = hexval(seg[i + 1]);
			lo = hexval(seg[i + 2]);
			if (hi < 0 || lo < 0) {
				fe_err_set(err, "GET request: RFC 3986 2.1: "
				    "'%%' at %zu without two hex digits", i);
				goto out;
			}
			txt[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			txt[n++] = seg[i];
	}
	while (n > 0 && txt[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if ((pad > 0 && (n + pad) % 4 != 0) || n % 4 == 1 || n == 0) {
		fe_err_set(err, "GET request: RFC 4648 4: base64 of %zu "
		    "characters and %zu '=' is not a whole number of bytes", n,
		    pad);
		goto out;
	}
	if (n / 4 * 3 + 2 > OCSP_MAX_REQUEST + 2) {
		fe_err_set(err, "GET request: request of more than %d bytes",
		    OCSP_MAX_REQUEST);
		goto out;
	}
	bin = fe_malloc(n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		v = b64val(txt[i], &kind);
		if (v < 0) {
			fe_err_set(err, "GET request: RFC 4648 4: byte 0x%02x "
			    "at %zu is not base64", (unsigned char)txt[i], i);
			goto out;
		}
		if (kind != 0) {
			if (alphabet != 0 && alphabet != kind) {
				fe_err_set(err, "GET request: RFC 4648 5: "
				    "standard and URL-safe base64 mixed");
				goto out;
			}
			alphabet = kind;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bin[blen++] = (uint8_t)(acc >> bits);
		}
	}
	/* RFC 4648 3.5: the bits left over must be zero (canonical). */
	if ((acc & ((1u << bits) - 1)) != 0) {
		fe_err_set(err, "GET request: RFC 4648 3.5: non-zero pad bits "
		    "in the last base64 character");
		goto out;
	}
	if (blen > OCSP_MAX_REQUEST) {
		fe_err_set(err, "GET request: request of %zu bytes (at most "
		    "%d)", blen, OCSP_MAX_REQUEST);
		goto out;
	}
	*der = bin;
	*len = blen;
	bin = NULL;
	rc = 0;
out:
	free(txt);
	free(bin);
	return rc;
}

int
ocsp_certid_from_issuer(X509 *issuer, enum ocsp_hash h,
    const uint8_t *serial, size_t serial_len, struct ocsp_certid *out,
    struct fe_err *err)
{
	struct ocsp_certid id;
	const EVP_MD *md = hash_md(h);
	unsigned int nl = 0, kl = 0;

	memset(&id, 0, sizeof(id));
	if (md == NULL)
		return fe_err_set(err, "CertID: hash %d is not SHA-1 or "
		    "SHA-256", (int)h);
	while (serial_len > 0 && serial[0] == 0) {
		serial++;
		serial_len--;
	}
	if (serial_len == 0 || serial_len > OCSP_SERIAL_MAX)
		return fe_err_set(err, "CertID: RFC 5280 4.1.2.2: serial "
		    "number of %zu octets (1 to %d)", serial_len,
		    OCSP_SERIAL_MAX);
	if (X509_NAME_digest(X509_get_subject_name(issuer), md, id.name_hash,
	    &nl) != 1 ||
	    X509_pubkey_digest(issuer, md, id.key_hash, &kl) != 1 ||
	    nl != ocsp_hash_len(h) || kl != ocsp_hash_len(h))
		return fe_err_ssl(err, "CertID: cannot hash the issuer");
	id.hash = h;
	memcpy(id.serial, serial, serial_len);
	id.serial_len = serial_len;
	*out = id;
	return 0;
}

bool
ocsp_certid_matches_issuer_id(const struct ocsp_certid *id, X509 *issuer)
{
	uint8_t nh[EVP_MAX_MD_SIZE], kh[EVP_MAX_MD_SIZE];
	const EVP_MD *md = hash_md(id->hash);
	unsigned int nl = 0, kl = 0;
	size_t hl = ocsp_hash_len(id->hash);

	if (md == NULL || issuer == NULL)
		return false;
	if (X509_NAME_digest(X509_get_subject_name(issuer), md, nh,
	    &nl) != 1 || X509_pubkey_digest(issuer, md, kh, &kl) != 1 ||
	    nl != hl || kl != hl) {
		ERR_clear_error();
		return false;
	}
	return CRYPTO_memcmp(nh, id->name_hash, hl) == 0 &&
	    CRYPTO_memcmp(kh, id->key_hash, hl) == 0;
}

bool
ocsp_certid_matches_issuer(const struct ocsp_req *r, X509 *issuer)
{
	return ocsp_certid_matches_issuer_id(&r->id, issuer);
}

/*
 * OCSP_basic_sign() sets producedAt to the current time and has no way to
 * choose it.  So sign once (which fills in the responderID, the
 * certificate and the algorithm), set producedAt in place, and sign the
 * ResponseData again.  The const casts are to objects bs owns.
 */
static int
sign_basic(OCSP_BASICRESP *bs, X509 *rcert, EVP_PKEY *rkey, int64_t produced,
    struct fe_err *err)
{
	ASN1_GENERALIZEDTIME *pa;

	if (OCSP_basic_sign(bs, rcert, rkey, EVP_sha256(), NULL,
	    OCSP_RESPID_KEY) != 1)
		return fe_err_ssl(err, "OCSP: cannot sign the response");
	pa = (ASN1_GENERALIZEDTIME *)OCSP_resp_get0_produced_at(bs);
	if (pa == NULL || ASN1_GENERALIZEDTIME_set(pa, (time_t)produced) ==
	    NULL)
		return fe_err_ssl(err, "OCSP: cannot set producedAt");
	if (ASN1_item_sign(ASN1_ITEM_rptr(OCSP_RESPDATA),
	    (X509_ALGOR *)OCSP_resp_get0_tbs_sigalg(bs), NULL,
	    (ASN1_BIT_STRING *)OCSP_resp_get0_signature(bs),
	    (void *)OCSP_resp_get0_respdata(bs), rkey, EVP_sha256()) <= 0)
		return fe_err_ssl(err, "OCSP: cannot sign the response");
	return 0;
}

int
ocsp_resp_build(const struct ocsp_single *s, X509 *issuer,
    X509 *responder_cert, EVP_PKEY *responder_key, const uint8_t *nonce,
    size_t nonce_len, uint8_t **der, size_t *len, struct fe_err *err)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_CERTID *cid = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_GENERALIZEDTIME *tu = NULL, *nu = NULL, *rt = NULL;
	unsigned char *out = NULL;
	int n, reason = OCSP_REVOKED_STATUS_NOSTATUS, st, rc = FE_EINVAL;

	switch (s->status) {
	case OCSP_CERT_GOOD:
		st = V_OCSP_CERTSTATUS_GOOD;
		break;
	case OCSP_CERT_REVOKED:
		st = V_OCSP_CERTSTATUS_REVOKED;
		if (s->reason != -1 && (s->reason < 0 || s->reason > 10 ||
		    s->reason == 7)) {
			fe_err_set(err, "OCSP: RFC 5280 5.3.1: %d is not a "
			    "CRLReason", s->reason);
			goto out;
		}
		if (s->reason != -1)
			reason = s->reason;
		break;
	case OCSP_CERT_UNKNOWN:
		st = V_OCSP_CERTSTATUS_UNKNOWN;
		break;
	case OCSP_CERT__MAX:
	default:
		fe_err_set(err, "OCSP: certificate status %d", (int)s->status);
		goto out;
	}
	if (nonce_len > OCSP_NONCE_MAX || (nonce_len > 0 && nonce == NULL)) {
		fe_err_set(err, "OCSP: RFC 8954 2.1: nonce of %zu octets",
		    nonce_len);
		goto out;
	}
	if (s->next_update != 0 && s->next_update < s->this_update) {
		fe_err_set(err, "OCSP: RFC 6960 4.2.2.1: nextUpdate before "
		    "thisUpdate");
		goto out;
	}
	if (!ocsp_certid_matches_issuer_id(&s->id, issuer)) {
		fe_err_set(err, "OCSP: RFC 6960 4.1.1: CertID hashes are not "
		    "those of the issuer");
		goto out;
	}
	if (s->id.serial_len == 0 || s->id.serial_len > OCSP_SERIAL_MAX) {
		fe_err_set(err, "OCSP: serial of %zu octets", s->id.serial_len);
		goto out;
	}
	rc = FE_ECRYPTO;
	/* The same CertID as in the request: hashes of the issuer. */
	if ((bn = BN_bin2bn(s->id.serial, (int)s->id.serial_len, NULL)) ==
	    NULL || (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (cid = OCSP_cert_id_new(hash_md(s->id.hash),
	    X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
	    serial)) == NULL ||
	    (tu = ASN1_GENERALIZEDTIME_set(NULL, (time_t)s->this_update)) ==
	    NULL ||
	    (s->next_update != 0 && (nu = ASN1_GENERALIZEDTIME_set(NULL,
	    (time_t)s->next_update)) == NULL) ||
	    (st == V_OCSP_CERTSTATUS_REVOKED && (rt =
	    ASN1_GENERALIZEDTIME_set(NULL, (time_t)s->revoked_at)) == NULL) ||
	    (bs = OCSP_BASICRESP_new()) == NULL) {
		fe_err_ssl(err, "OCSP: cannot build the response");
		goto out;
	}
	if (OCSP_basic_add1_status(bs, cid, st, reason, rt, tu, nu) == NULL ||
	    (nonce_len > 0 && OCSP_basic_add1_nonce(bs,
	    (unsigned char *)nonce, (int)nonce_len) != 1)) {
		fe_err_ssl(err, "OCSP: cannot build the response");
		goto out;
	}
	if (sign_basic(bs, responder_cert, responder_key, s->this_update,
	    err) != 0)
		goto out;
	if ((resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
	    bs)) == NULL || (n = i2d_OCSP_RESPONSE(resp, &out)) <= 0) {
		fe_err_ssl(err, "OCSP: cannot encode the response");
		goto out;
	}
	*der = out;
	*len = (size_t)n;
	out = NULL;
	rc = 0;
out:
	OPENSSL_free(out);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(cid);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	ASN1_GENERALIZEDTIME_free(tu);
	ASN1_GENERALIZEDTIME_free(nu);
	ASN1_GENERALIZEDTIME_free(rt);
	return rc;
}

/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } with no
 * responseBytes (RFC 6960 4.2.1): 30 03 0a 01 XX. */
static const uint8_t err_malformed[] = { 0x30, 0x03, 0x0a, 0x01, 0x01 };
static const uint8_t err_internal[] = { 0x30, 0x03, 0x0a, 0x01, 0x02 };
static const uint8_t err_trylater[] = { 0x30, 0x03, 0x0a, 0x01, 0x03 };
static const uint8_t err_sigrequired[] = { 0x30, 0x03, 0x0a, 0x01, 0x05 };
static const uint8_t err_unauthorized[] = { 0x30, 0x03, 0x0a, 0x01, 0x06 };

const uint8_t *
ocsp_error_response(int status, size_t *len)
{
	const uint8_t *p;

	switch (status) {
	case OCSP_ST_MALFORMED:
		p = err_malformed;
		break;
	case OCSP_ST_INTERNAL:
		p = err_internal;
		break;
	case OCSP_ST_TRYLATER:
		p = err_trylater;
		break;
	case OCSP_ST_SIGREQUIRED:
		p = err_sigrequired;
		break;
	case OCSP_ST_UNAUTHORIZED:
		p = err_unauthorized;
		break;
	default:
		return NULL;
	}
	*len = 5;
	return p;
}
