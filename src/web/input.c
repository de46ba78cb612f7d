/*
 * input.c - JSON request bodies of fe-web to checked fields (input.h).
 *
 * What it trusts: the field tables (compiled in) and jansson, which decodes
 * the JSON, refuses ill-formed UTF-8, "\u0000" and duplicate keys.  What it
 * does not trust: every byte of the body.  Before jansson sees the bytes
 * they are capped in length and in nesting depth (jansson's own limit is
 * 2048 levels of recursion); after, every key must be known and every value
 * passes the check of its kind.  Names and addresses are checked by
 * src/pki/names.c, the rules the signer applies too.  Every message that
 * echoes the client's text escapes what is not printable, so an error
 * cannot forge a log line or carry ill-formed UTF-8 into a JSON answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/seam.h"
#include "pki/names.h"
#include "web/input.h"
#include "web/passwd.h"

const char *const input_reasons[] = {
	"unspecified", "keyCompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", NULL,
};

/* Bytes of client text echoed in a message before it is cut with "...";
 * jansson's messages (which quote the client's text) are up to 160. */
#define QUOTE_IN 64
#define QUOTE_JSON_IN 160
#define QUOTE_SIZE (QUOTE_JSON_IN * 4 + 4)

/* Dates: the earliest time zone is UTC+14, so "today" is today there. */
#define DATE_SLACK_SEC (14 * 3600)

size_t
input_utf8_seq(const uint8_t *p, size_t left, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (left == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Client text for a message: printable ASCII and well-formed non-ASCII
 * UTF-8 as is, anything else \xNN; ' and \ escaped with \ when the text
 * goes between quotes (esc); at most max bytes of s. */
static const char *
quote_max(const char *s, size_t len, size_t max, bool esc,
    char out[QUOTE_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, o = 0, n;
	uint32_t cp;

	while (i < len) {
		if (i >= max) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		n = input_utf8_seq(p + i, len - i, &cp);
		if (n > 1 && cp >= 0xa0 && i + n <= max) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (esc && (p[i] == '\'' || p[i] == '\\')) {
			out[o++] = '\\';
			out[o++] = (char)p[i];
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
		i++;
	}
	out[o] = '\0';
	return out;
}

static const char *
quote(const char *s, size_t len, char out[QUOTE_SIZE])
{
	return quote_max(s, len, QUOTE_IN, true, out);
}

/* --- text ---------------------------------------------------------------- */

/* Characters a name or a place may not hold: controls, and the format,
 * separator, private-use and non-characters that are invisible or reorder
 * text (bidi overrides).  ZWJ and ZWNJ (U+200C, U+200D) are allowed: some
 * scripts need them. */
static bool
cp_refused(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad ||
	    c == 0x61c || c == 0x180e || c == 0x200b || c == 0x200e ||
	    c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
	    (c >= 0xfff9 && c <= 0xfffb) || (c >= 0xfdd0 && c <= 0xfdef) ||
	    (c & 0xfffe) == 0xfffe || (c >= 0xe000 && c <= 0xf8ff) ||
	    (c >= 0xe0000 && c <= 0xe007f) || c >= 0xf0000;
}

static bool
cp_space(uint32_t c)
{
	return c == 0x20 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

static int
text_check(const char *key, const char *s, size_t len, size_t max,
    struct fe_err *err)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t off, n, chars = 0;
	uint32_t cp = 0;

	if (len == 0)
		return fe_err_set(err, "field '%s': empty", key);
	for (off = 0; off < len; off += n, chars++) {
		/* Defensive: jansson hands over valid UTF-8 only. */
		if ((n = input_utf8_seq(p + off, len - off, &cp)) == 0)
			return fe_err_set(err, "field '%s': not valid UTF-8",
			    key);
		if (cp_refused(cp))
			return fe_err_set(err, "field '%s': character U+%04X "
			    "is not allowed (a control, format, private-use or "
			    "non-character)", key, (unsigned)cp);
		if (cp_space(cp) && (off == 0 || off + n == len))
			return fe_err_set(err, "field '%s': leading or "
			    "trailing space", key);
	}
	if (chars > max)
		return fe_err_set(err, "field '%s': %zu characters is more "
		    "than %zu", key, chars, max);
	return 0;
}

/* --- dates --------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
date_check(const char *key, const char *s, size_t len, bool dob,
    struct fe_err *err)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, m, d;
	int64_t day, today;

	if (len != 10 || digits(s, 4, &y) != 0 || s[4] != '-' ||
	    digits(s + 5, 2, &m) != 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) != 0 || y == 0 || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
		return fe_err_set(err, "field '%s': not a date (YYYY-MM-DD)",
		    key);
	if (dob && y < 1900)
		return fe_err_set(err, "field '%s': before 1900-01-01", key);
	day = days_from_civil(y, m, d);
	today = (fe_now_sec() + DATE_SLACK_SEC) / 86400;
	if (day > today)
		return fe_err_set(err, "field '%s': in the future", key);
	return 0;
}

/* --- names --------------------------------------------------------------- */

static void
lower_ascii(char *s, size_t from)
{
	for (s += from; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* s is malloc'ed and may be changed (folded). */
static int
email_check(const char *what, char *s, size_t len, struct fe_err *err)
{
	const char *at;
	struct fe_err e;

	if (len > NAME_EMAIL_MAX)
		return fe_err_set(err, "%s: not an email address (%zu bytes is "
		    "more than %d)", what, len, NAME_EMAIL_MAX);
	if ((at = strchr(s, '@')) != NULL)
		lower_ascii(s, (size_t)(at - s) + 1);
	if (name_check_email(s, &e) != 0)
		return fe_err_set(err, "%s: not an email address (%s)", what,
		    e.msg);
	return 0;
}

static int
domain_check(const char *what, char *s, bool wildcard, struct fe_err *err)
{
	struct fe_err e;

	lower_ascii(s, 0);
	if (name_check_dns(s, wildcard, true, &e) != 0)
		return fe_err_set(err, "%s: not a domain name (%s)", what,
		    e.msg);
	return 0;
}

/* --- CSR ----------------------------------------------------------------- */

static bool
all_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

/*
 * One "CERTIFICATE REQUEST" block and white space only: nothing of another
 * type skipped in front (PEM_read_bio_X509_REQ would skip it), no PEM
 * headers (Proc-Type, DEK-Info: PEM_read_bio never decrypts), no bytes
 * after the DER inside the block.  PEM_read_bio and d2i_X509_REQ rather
 * than PEM_read_bio_X509_REQ, which checks none of these.
 */
static int
csr_check(const char *key, const char *s, size_t len, struct fe_err *err)
{
	static const char begin[] = "-----BEGIN CERTIFICATE REQUEST-----";
	char *name = NULL, *hdr = NULL, *rest;
	unsigned char *der = NULL;
	const unsigned char *q;
	const char *why = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pk;
	long dlen = 0, rlen;
	size_t off = 0;
	BIO *b = NULL;
	int rc;

	if (len > INPUT_CSR_MAX)
		return fe_err_set(err, "field '%s': not a PEM certificate "
		    "request (%zu bytes is more than %d)", key, len,
		    INPUT_CSR_MAX);
	while (off < len && all_space(s + off, 1))
		off++;
	if (len - off < sizeof(begin) - 1 ||
	    memcmp(s + off, begin, sizeof(begin) - 1) != 0) {
		why = "it does not begin with -----BEGIN CERTIFICATE "
		    "REQUEST-----";
		goto bad;
	}
	if ((b = BIO_new_mem_buf(s + off, (int)(len - off))) == NULL)
		fe_fatal("out of memory");
	if (PEM_read_bio(b, &name, &hdr, &der, &dlen) != 1 ||
	    strcmp(name, PEM_STRING_X509_REQ) != 0) {
		why = "no END line, or bad base64";
		goto bad;
	}
	if (hdr[0] != '\0') {
		why = "PEM headers";
		goto bad;
	}
	rlen = BIO_get_mem_data(b, &rest);
	if (rlen > 0 && !all_space(rest, (size_t)rlen)) {
		why = "text after the END line";
		goto bad;
	}
	q = der;
	if ((req = d2i_X509_REQ(NULL, &q, dlen)) == NULL) {
		why = "not a DER CertificationRequest";
		goto bad;
	}
	if (q != der + dlen) {
		why = "bytes after the DER";
		goto bad;
	}
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL) {
		why = "its public key cannot be decoded";
		goto bad;
	}
	if (X509_REQ_verify(req, pk) != 1) {
		rc = fe_err_set(err, "field '%s': the CSR's signature does not "
		    "verify", key);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	rc = fe_err_set(err, "field '%s': not a PEM certificate request (%s)",
	    key, why);
out:
	ERR_clear_error();
	X509_REQ_free(req);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	OPENSSL_free(der);
	BIO_free(b);
	return rc;
}

/* --- values -------------------------------------------------------------- */

static int
enum_check(const struct in_field *f, const char *s, struct fe_err *err)
{
	char q[QUOTE_SIZE];
	struct buf b;
	size_t i;
	int rc;

	for (i = 0; f->choices != NULL && f->choices[i] != NULL; i++)
		if (strcmp(s, f->choices[i]) == 0)
			return 0;
	buf_init(&b, 512);
	for (i = 0; f->choices != NULL && f->choices[i] != NULL; i++)
		if (buf_printf(&b, "%s%s", i ? ", " : "", f->choices[i]) != 0)
			break;
	if (buf_cstr(&b) != 0)
		fe_fatal("enum_check: choices of '%s' too long", f->key);
	rc = fe_err_set(err, "field '%s': '%s' is not one of %s", f->key,
	    quote(s, strlen(s), q), (const char *)b.p);
	buf_free(&b);
	return rc;
}

static int
list_check(const struct in_field *f, json_t *v, struct in_value *out,
    struct fe_err *err)
{
	char what[128], q[QUOTE_SIZE];
	size_t n, i, j;
	json_t *it;
	int rc;

	if (!json_is_array(v))
		return fe_err_set(err, "field '%s': not a list", f->key);
	if ((n = json_array_size(v)) > INPUT_LIST_MAX)
		return fe_err_set(err, "field '%s': %zu items is more than %d",
		    f->key, n, INPUT_LIST_MAX);
	out->list = fe_calloc(n + 1, sizeof(*out->list));
	for (i = 0; i < n; i++) {
		it = json_array_get(v, i);
		fe_snprintf(what, sizeof(what), "field '%s' item %zu", f->key,
		    i + 1);
		if (!json_is_string(it))
			return fe_err_set(err, "%s: not a string", what);
		if (strlen(json_string_value(it)) != json_string_length(it))
			return fe_err_set(err, "%s: contains NUL", what);
		out->list[i] = fe_strdup(json_string_value(it));
		out->nlist = i + 1;
		rc = f->kind == IN_DNSLIST ?
		    domain_check(what, out->list[i], true, err) :
		    email_check(what, out->list[i], strlen(out->list[i]), err);
		if (rc != 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(out->list[j], out->list[i]) == 0)
				return fe_err_set(err, "field '%s': '%s' is "
				    "named twice", f->key, quote(out->list[i],
				    strlen(out->list[i]), q));
	}
	return 0;
}

/* One present value; out is filled as far as it got (the caller clears). */
static int
value_check(const struct in_field *f, json_t *v, struct in_value *out,
    struct fe_err *err)
{
	const char *s = NULL;
	size_t len = 0;
	int rc;

	out->present = true;
	switch (f->kind) {
	case IN_INT:
		if (!json_is_integer(v))
			return fe_err_set(err, "field '%s': not an integer",
			    f->key);
		out->i = json_integer_value(v);
		if (out->i < f->min || out->i > f->max)
			return fe_err_set(err, "field '%s': %lld is not within "
			    "%lld to %lld", f->key, out->i, f->min, f->max);
		return 0;
	case IN_BOOL:
		if (!json_is_boolean(v))
			return fe_err_set(err, "field '%s': not true or false",
			    f->key);
		out->b = json_is_true(v);
		return 0;
	case IN_DNSLIST:
	case IN_EMAILLIST:
		return list_check(f, v, out, err);
	case IN_NAME:
	case IN_DOB:
	case IN_DATE:
	case IN_EMAIL:
	case IN_PASSWORD:
	case IN_DOMAIN:
	case IN_TOKEN:
	case IN_CSR:
	case IN_TEXT:
	case IN_ENUM:
		if (!json_is_string(v))
			return fe_err_set(err, "field '%s': not a string",
			    f->key);
		s = json_string_value(v);
		len = json_string_length(v);
		/* Defensive: jansson refuses \u0000 without JSON_ALLOW_NUL. */
		if (strlen(s) != len)
			return fe_err_set(err, "field '%s': contains NUL",
			    f->key);
		out->s = fe_strndup(s, len);
		break;
	case IN__MAX:
	default:
		fe_fatal("input_parse: field '%s' has unknown kind %d", f->key,
		    (int)f->kind);
	}

	switch (f->kind) {
	case IN_NAME:
		return text_check(f->key, s, len, INPUT_NAME_MAX, err);
	case IN_TEXT:
		return text_check(f->key, s, len, INPUT_TEXT_MAX, err);
	case IN_DOB:
	case IN_DATE:
		return date_check(f->key, s, len, f->kind == IN_DOB, err);
	case IN_EMAIL:
		{
			char what[128];

			fe_snprintf(what, sizeof(what), "field '%s'", f->key);
			return email_check(what, out->s, len, err);
		}
	case IN_DOMAIN:
		{
			char what[128];

			fe_snprintf(what, sizeof(what), "field '%s'", f->key);
			return domain_check(what, out->s, false, err);
		}
	case IN_PASSWORD:
		if ((rc = passwd_check(s, err)) != 0)
			fe_err_prefix(err, "field '%s'", f->key);
		return rc;
	case IN_TOKEN:
		if (!token_syntax_ok(s))
			return fe_err_set(err, "field '%s': not a token (%d "
			    "base64url characters)", f->key, TOKEN_LEN);
		return 0;
	case IN_CSR:
		return csr_check(f->key, s, len, err);
	case IN_ENUM:
		return enum_check(f, s, err);
	default:
		fe_fatal("input_parse: unreachable kind %d", (int)f->kind);
	}
}

/* --- the body ------------------------------------------------------------ */

/* Deepest nesting of [ and { outside strings.  Exact for valid JSON; for
 * anything else jansson refuses the body anyway. */
static size_t
depth_of(const char *p, size_t len)
{
	size_t i, d = 0, maxd = 0;
	bool str = false;

	for (i = 0; i < len; i++) {
		if (str) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				str = false;
			continue;
		}
		switch (p[i]) {
		case '"':
			str = true;
			break;
		case '[':
		case '{':
			if (++d > maxd)
				maxd = d;
			break;
		case ']':
		case '}':
			if (d > 0)
				d--;
			break;
		default:
			break;
		}
	}
	return maxd;
}

int
input_parse(const char *body, size_t len, const struct in_field *fields,
    size_t nf, struct in_value *out, struct fe_err *err)
{
	char q[QUOTE_SIZE];
	struct in_value *tmp;
	json_error_t je;
	json_t *root, *v;
	const char *key;
	size_t i;
	int rc;

	memset(out, 0, nf * sizeof(*out));
	if (len > INPUT_BODY_MAX)
		return fe_err_set(err, "request body over %d bytes",
		    INPUT_BODY_MAX);
	if (body == NULL && len != 0)
		return fe_err_set(err, "body is not a JSON object: no body");
	if (body == NULL)
		body = "";
	if (depth_of(body, len) > INPUT_DEPTH_MAX)
		return fe_err_set(err, "body is not a JSON object: nested more "
		    "than %d deep", INPUT_DEPTH_MAX);
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL)
		return fe_err_set(err, "body is not a JSON object: %s (line "
		    "%d, column %d)", quote_max(je.text, strnlen(je.text,
		    sizeof(je.text)), QUOTE_JSON_IN, false, q), je.line,
		    je.column);
	if (!json_is_object(root)) {
		json_decref(root);
		return fe_err_set(err, "body is not a JSON object: it is an "
		    "array");
	}
	tmp = fe_calloc(nf + 1, sizeof(*tmp));
	json_object_foreach(root, key, v) {
		for (i = 0; i < nf; i++)
			if (strcmp(key, fields[i].key) == 0)
				break;
		if (i == nf) {
			rc = fe_err_set(err, "unknown field '%s'", quote(key,
			    strlen(key), q));
			goto out;
		}
	}
	for (i = 0; i < nf; i++) {
		if ((v = json_object_get(root, fields[i].key)) == NULL) {
			if (fields[i].required) {
				rc = fe_err_set(err, "field '%s' is missing",
				    fields[i].key);
				goto out;
			}
			continue;
		}
		if ((rc = value_check(&fields[i], v, &tmp[i], err)) != 0)
			goto out;
	}
	memcpy(out, tmp, nf * sizeof(*out));
	memset(tmp, 0, nf * sizeof(*tmp));
	rc = 0;
out:
	input_clear(tmp, nf);
	free(tmp);
	json_decref(root);
	return rc;
}

static void
str_wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
input_clear(struct in_value *out, size_t nf)
{
	size_t i, j;

	if (out == NULL)
		return;
	for (i = 0; i < nf; i++) {
		str_wipe_free(out[i].s);
		for (j = 0; j < out[i].nlist; j++)
			str_wipe_free(out[i].list[j]);
		free(out[i].list);
		memset(&out[i], 0, sizeof(out[i]));
	}
}
