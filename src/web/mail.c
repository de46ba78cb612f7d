/*
 * mail.c - one plain-text message over SMTP with libcurl (mail.h).
 *
 * What it trusts: the configuration (checked for shape here all the same)
 * and libcurl, which speaks SMTP and dot-stuffs the DATA phase.  What it
 * does not trust: the recipient and the subject, which come from members
 * (an address they typed, a name in a subject).  Neither may hold CR, LF or
 * another control character, so nothing can end a header or an SMTP
 * command early; a subject that is not plain ASCII goes out as RFC 2047
 * encoded-words.  The body is sent quoted-printable (RFC 2045 6.7), so no
 * line is too long and no byte is taken for SMTP or MIME syntax.
 *
 * Transport security: smtps:// is TLS from the first byte; smtp:// must
 * upgrade with STARTTLS (CURLUSESSL_ALL), because the mail carries
 * password-reset and confirmation tokens, except to a relay on the loopback
 * interface.  Certificates are always verified.  This is stricter than
 * fe-watch's alerts (src/watch/alert.c), which only try STARTTLS.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/mime.h"
#include "lib/seam.h"
#include "web/input.h"
#include "web/mail.h"

#define MAIL_ADDR_MAX 254          /* RFC 5321 4.5.3.1.3 */
#define MAIL_URL_MAX 512
#define MAIL_DEF_TIMEOUT 10
#define MAIL_MAX (2 * MAIL_BODY_MAX)   /* the whole message, encoded */
#define MAIL_ANSWER_MAX 200        /* bytes of the server's answer kept */
#define MAIL_WORD_BYTES 42         /* bytes of subject per encoded-word */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- checks -------------------------------------------------------------- */

/*
 * A field from a member: valid UTF-8, no CR or LF, no other control
 * character (C0, DEL, C1), at most max bytes.
 */
static int
field_check(const char *field, const char *s, size_t max, struct fe_err *err)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len, off, n;
	uint32_t cp;

	if (s == NULL)
		return fe_err_set(err, "mail: field '%s' is missing", field);
	len = strlen(s);
	if (strpbrk(s, "\r\n") != NULL)
		return fe_err_set(err, "mail: field '%s': CR or LF (header "
		    "injection)", field);
	if (len > max)
		return fe_err_set(err, "mail: field '%s': %zu bytes is more "
		    "than %zu", field, len, max);
	for (off = 0; off < len; off += n) {
		if ((n = input_utf8_seq(p + off, len - off, &cp)) == 0)
			return fe_err_set(err, "mail: field '%s': not valid "
			    "UTF-8 (byte %zu)", field, off);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return fe_err_set(err, "mail: field '%s': control "
			    "character U+%04X", field, (unsigned)cp);
	}
	return 0;
}

/*
 * An address for the envelope and a header: local@domain of printable
 * ASCII without anything that ends or extends an SMTP command or an address
 * header (spaces, brackets, quotes, commas).  Narrower than RFC 5322, like
 * fe-watch's; whether the address is acceptable for fe-web is input.c's
 * business (src/pki/names).
 */
static bool
addr_ok(const char *s)
{
	const char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' ||
	    strlen(s) > MAIL_ADDR_MAX)
		return false;
	for (p = s; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"@", *p))
			return false;
	for (p = at + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return false;
	return true;
}

/* The URL's scheme and host; *loopback for a relay on this machine. */
static int
url_check(const char *url, char *host, size_t hsize, bool *tls,
    bool *loopback, struct fe_err *err)
{
	CURLU *u;
	char *h = NULL, *port = NULL;
	const char *p;
	int rc = 0;

	/* The URL is never echoed: it may hold a user name and password. */
	if (url == NULL)
		return fe_err_set(err, "mail: no smtp url configured");
	if (strncasecmp(url, "smtps://", 8) == 0)
		*tls = true;
	else if (strncasecmp(url, "smtp://", 7) == 0)
		*tls = false;
	else
		return fe_err_set(err, "mail: the smtp url must begin with "
		    "smtp:// or smtps://");
	if (strlen(url) > MAIL_URL_MAX)
		return fe_err_set(err, "mail: the smtp url is longer than %d "
		    "bytes", MAIL_URL_MAX);
	for (p = url; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return fe_err_set(err, "mail: the smtp url holds "
			    "spaces, control characters or non-ASCII bytes");
	if ((u = curl_url()) == NULL)
		fe_fatal("out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    h[0] == '\0') {
		rc = fe_err_set(err, "mail: the smtp url does not parse or has "
		    "no host");
		goto out;
	}
	(void)curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	fe_snprintf(host, hsize, "%.200s:%s", h, port != NULL ? port : "?");
	*loopback = strcasecmp(h, "localhost") == 0 ||
	    strncmp(h, "127.", 4) == 0 || strcmp(h, "[::1]") == 0;
out:
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* --- the message --------------------------------------------------------- */

/*
 * The Subject header's value: as is when it is printable ASCII without
 * "=?" (which a reader would take for an encoded-word), else RFC 2047
 * B encoded-words of whole UTF-8 characters, folded one word a line.
 */
static int
subject_add(struct buf *m, const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	unsigned char b64[4 * ((MAIL_WORD_BYTES + 2) / 3) + 1];
	size_t len = strlen(s), off, n, start;
	bool plain = strstr(s, "=?") == NULL;
	uint32_t cp;

	for (off = 0; off < len && plain; off++)
		if (p[off] < 0x20 || p[off] >= 0x7f)
			plain = false;
	if (plain)
		return buf_add_str(m, s);
	for (start = 0; start < len; start = off) {
		for (off = start; off < len; off += n) {
			/* field_check made sure every sequence is whole. */
			n = input_utf8_seq(p + off, len - off, &cp);
			if (n == 0 || off + n - start > MAIL_WORD_BYTES)
				break;
		}
		if (off == start)
			fe_fatal("mail: subject_add: no progress");
		EVP_EncodeBlock(b64, p + start, (int)(off - start));
		if (buf_printf(m, "%s=?utf-8?B?%s?=", start ? "\r\n " : "",
		    (const char *)b64) != 0)
			return -1;
	}
	return 0;
}

static int
mail_build(const struct mail_conf *c, const char *to, const char *subject,
    const char *body, struct buf *m)
{
	char date[64], rnd_hex[33];
	uint8_t rnd[16];

	mime_date(fe_now_sec(), date, sizeof(date));
	fe_random(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), rnd_hex);
	if (buf_printf(m, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date,
	    c->from, to) != 0 ||
	    subject_add(m, subject) != 0 ||
	    buf_printf(m, "\r\nMessage-ID: <%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n",
	    rnd_hex, strrchr(c->from, '@') + 1) != 0 ||
	    mime_qp_add(m, body) != 0)
		return -1;
	return 0;
}

/* --- SMTP ---------------------------------------------------------------- */

/* The server's last answer line, printable ASCII only, for messages. */
struct answer {
	char line[MAIL_ANSWER_MAX + 1];
};

static int
mail_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct answer *a = arg;
	size_t i, o = 0;

	(void)h;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (i = 0; i < size && o < MAIL_ANSWER_MAX; i++) {
		if (data[i] == '\r' || data[i] == '\n')
			break;
		a->line[o++] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] :
		    '?';
	}
	if (o > 0)
		a->line[o] = '\0';
	return 0;
}

int
mail_send(const struct mail_conf *c, const char *to, const char *subject,
    const char *body, struct fe_err *err)
{
	char errbuf[CURL_ERROR_SIZE], host[256];
	struct curl_slist *rcpt = NULL;
	struct mime_reader rd;
	struct answer ans;
	bool tls = false, loopback = false;
	struct buf m;
	CURL *h = NULL;
	CURLcode cc;
	int rc;

	if ((rc = field_check("to", to, MAIL_ADDR_MAX, err)) != 0 ||
	    (rc = field_check("subject", subject, MAIL_SUBJECT_MAX, err)) != 0)
		return rc;
	if (!addr_ok(to))
		return fe_err_set(err, "mail: field 'to': '%s' is not a plain "
		    "address (local@domain, no spaces, brackets, quotes or "
		    "commas)", to);
	if (body == NULL)
		return fe_err_set(err, "mail: field 'body' is missing");
	if (strlen(body) > MAIL_BODY_MAX)
		return fe_err_set(err, "mail: field 'body': more than %d bytes",
		    MAIL_BODY_MAX);
	{
		const uint8_t *p = (const uint8_t *)body;
		size_t len = strlen(body), off, n;
		uint32_t cp;

		for (off = 0; off < len; off += n)
			if ((n = input_utf8_seq(p + off, len - off, &cp)) == 0)
				return fe_err_set(err, "mail: field "
				    "'body': not valid UTF-8 (byte %zu)", off);
	}
	if (c == NULL || c->from == NULL || strpbrk(c->from, "\r\n") != NULL ||
	    !addr_ok(c->from))
		return fe_err_set(err, "mail: the from address is not a plain "
		    "address (local@domain, no spaces, brackets, quotes or "
		    "commas)");
	if ((rc = url_check(c->url, host, sizeof(host), &tls, &loopback,
	    err)) != 0)
		return rc;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return fe_err_code(err, FE_EIO, "mail: curl_global_init: %s",
		    curl_easy_strerror(curl_init_rc));
	buf_init(&m, MAIL_MAX);
	if (mail_build(c, to, subject, body, &m) != 0) {
		rc = fe_err_set(err, "mail to %s: the message would pass %d "
		    "bytes", to, MAIL_MAX);
		goto out;
	}
	if ((rcpt = curl_slist_append(NULL, to)) == NULL ||
	    (h = curl_easy_init()) == NULL)
		fe_fatal("out of memory");
	rd.p = m.p;
	rd.len = m.len;
	rd.off = 0;
	errbuf[0] = '\0';
	ans.line[0] = '\0';
	cc = CURLE_OK;
#define SET(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);          /* server threads */
	SET(CURLOPT_URL, c->url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SET(CURLOPT_USE_SSL, (long)(tls || !loopback ? CURLUSESSL_ALL :
	    CURLUSESSL_TRY));
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_MAIL_FROM, c->from);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, mime_read);
	SET(CURLOPT_READDATA, &rd);
	SET(CURLOPT_TIMEOUT, (long)(c->timeout ? c->timeout :
	    MAIL_DEF_TIMEOUT));
	SET(CURLOPT_CONNECTTIMEOUT, (long)(c->timeout ? c->timeout :
	    MAIL_DEF_TIMEOUT));
	/* The debug callback sees the server's answers; nothing is printed. */
	SET(CURLOPT_DEBUGFUNCTION, mail_debug);
	SET(CURLOPT_DEBUGDATA, &ans);
	SET(CURLOPT_VERBOSE, 1L);
#undef SET
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		rc = fe_err_code(err, FE_EIO, "mail to %s via %s: %s%s%s%s", to,
		    host, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc),
		    ans.line[0] != '\0' ? "; the server said '" : "",
		    ans.line, ans.line[0] != '\0' ? "'" : "");
		goto out;
	}
	fe_err_set(err, "mail to %s via %s: sent; the server said '%s'", to,
	    host, ans.line);
	rc = 0;
out:
	curl_easy_cleanup(h);
	curl_slist_free_all(rcpt);
	buf_wipe(&m);
	return rc;
}
