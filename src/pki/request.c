/*
 * request.c - parse a signing request (format in request.h).
 *
 * Trusts nothing: the bytes come from the online host over the serial link
 * or from a file.  Caps: REQ_MAX_BYTES in all, REQ_LINE_MAX per header line,
 * REQ_NAMES_MAX names, REQ_SUBJECT_MAX subject attributes, RFC 5280 upper
 * bounds on attribute values.  Values must be printable UTF-8 without
 * control characters.  A CSR is accepted as DER (exactly one SEQUENCE, no
 * trailing bytes) or as PEM (one block, its BEGIN line first, no headers,
 * the same DER inside, nothing but white space after it).
 */
#include <stdbool.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

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
 * One PEM block, read without libcrypto's PEM_read_bio_X509_REQ: that one
 * skips blocks of other types, decrypts a block with a Proc-Type header
 * (asking for a pass phrase on the terminal when given no callback), and
 * ignores bytes after the DER inside the block.
 */
static X509_REQ *
csr_parse_pem(const uint8_t *p, size_t len, struct fe_err *err)
{
	X509_REQ *req = NULL;
	char *name = NULL, *header = NULL, rest[64];
	unsigned char *der = NULL;
	const unsigned char *q;
	long derlen = 0;
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
	q = der;
	req = d2i_X509_REQ(NULL, &q, derlen);
	if (req == NULL) {
		fe_err_ssl(err, "CSR: the PEM block is not a DER certificate "
		    "request (RFC 2986)");
		goto out;
	}
	if (q != der + derlen) {
		fe_err_set(err, "CSR: %ld bytes after the DER certificate "
		    "request inside the PEM block", (long)(der + derlen - q));
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

X509_REQ *
csr_parse(const uint8_t *p, size_t len, struct fe_err *err)
{
	static const char begin[] = "-----BEGIN ";
	X509_REQ *req = NULL;
	const uint8_t *q = p;

	if (len == 0) {
		fe_err_set(err, "no CSR after the request headers");
		return NULL;
	}
	if (len > REQ_MAX_BYTES) {
		fe_err_set(err, "CSR of %zu bytes is over the %d byte limit",
		    len, REQ_MAX_BYTES);
		return NULL;
	}
	if (len >= sizeof(begin) - 1 && memcmp(p, begin, sizeof(begin) - 1) == 0)
		return csr_parse_pem(p, len, err);
	req = d2i_X509_REQ(NULL, &q, (long)len);
	if (req == NULL) {
		fe_err_ssl(err, "CSR is not a valid DER certificate request "
		    "(RFC 2986)");
		return NULL;
	}
	if ((size_t)(q - p) != len) {
		fe_err_set(err, "CSR: %zu bytes after the DER certificate "
		    "request", len - (size_t)(q - p));
		X509_REQ_free(req);
		return NULL;
	}
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
	r->csr = csr_parse(rd.p + rd.off, rd_left(&rd), err);
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
	free(r);
}
