/*
 * dcv.c - domain control validation (dcv.h): the applicant proves control
 * of a domain by a TXT record at _foureyes-challenge.DOMAIN (BR 3.2.2.4.7),
 * by a file under /.well-known/foureyes-challenge/ served over HTTP (BR
 * 3.2.2.4.18), or by answering a token mailed to one of the five constructed
 * mailboxes (BR 3.2.2.4.4; the mail is the server's business).
 *
 * It trusts dns.c for the lookups and nothing that comes back: TXT strings
 * and HTTP bodies are compared with the token in constant time and quoted
 * before they go into a message.  The HTTP fetch goes to the address our
 * resolver gave (curl never resolves names itself) and only when it is a
 * public one (unless the configuration says otherwise, for tests), ignores
 * proxies from the environment, follows no redirect and reads at most
 * DCV_HTTP_MAX bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/buf.h"
#include "pki/names.h"
#include "web/dcv.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 128
#define FOUND_SIZE 512
#define URL_SIZE (NAME_DNS_MAX + DCV_HTTP_PATH_MAX + 32)

const char *const dcv_mailboxes[] = {
	"admin", "administrator", "hostmaster", "postmaster", "webmaster",
	NULL
};

bool
dcv_mailbox_ok(const char *mailbox)
{
	size_t i;

	if (mailbox == NULL)
		return false;
	for (i = 0; dcv_mailboxes[i] != NULL; i++)
		if (strcmp(mailbox, dcv_mailboxes[i]) == 0)
			return true;
	return false;
}

static int
token_check(const char *token, struct fe_err *err)
{
	size_t i, len;
	char c;

	if (token == NULL)
		return fe_err_set(err, "dcv: token missing");
	len = strlen(token);
	if (len < TOKEN_MIN || len > TOKEN_MAX)
		return fe_err_set(err, "dcv: token of %zu characters, want "
		    "%d..%d", len, TOKEN_MIN, TOKEN_MAX);
	for (i = 0; i < len; i++) {
		c = token[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return fe_err_set(err, "dcv: token: byte 0x%02x is not "
			    "in [A-Za-z0-9_-]", (unsigned char)c);
	}
	return 0;
}

static bool
token_equal(const char *token, const char *p, size_t len)
{
	return strlen(token) == len && CRYPTO_memcmp(token, p, len) == 0;
}

int
dcv_dns(struct dns *d, const char *domain, const char *token,
    struct fe_err *err)
{
	char name[NAME_DNS_MAX + sizeof(DCV_TXT_LABEL) + 1];
	char found[FOUND_SIZE], q[FOUND_SIZE];
	char **v;
	size_t n, i, o, l;
	int rc;

	if ((rc = name_check_dns(domain, false, false, err)) != 0 ||
	    (rc = token_check(token, err)) != 0)
		return rc;
	fe_snprintf(name, sizeof(name), "%s.%s", DCV_TXT_LABEL, domain);
	if ((rc = dns_txt(d, name, &v, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (token_equal(token, v[i], strlen(v[i]))) {
			dns_strv_free(v, n);
			return 0;
		}
	o = 0;
	found[0] = '\0';
	for (i = 0; i < n; i++) {
		dns_quote(v[i], strlen(v[i]), q, 160);
		l = strlen(q);
		if (o + l + 8 > sizeof(found)) {
			memcpy(found + o, "...", 4);
			break;
		}
		fe_snprintf(found + o, sizeof(found) - o, "%s\"%s\"",
		    i > 0 ? ", " : "", q);
		o += strlen(found + o);
	}
	dns_strv_free(v, n);
	return fe_err_code(err, FE_EPOLICY, "DNS: no TXT record at %s equals "
	    "the token (found: %s)", name, n == 0 ? "none" : found);
}

struct body {
	char buf[DCV_HTTP_MAX + 1];
	size_t len;
	bool over;
};

static size_t
body_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb;

	if (n > DCV_HTTP_MAX - b->len) {
		b->over = true;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* Set the options of the one GET; false when curl refuses one. */
static bool
http_setup(CURL *h, const char *url, struct curl_slist *resolve,
    struct body *b, char *ebuf)
{
	return curl_easy_setopt(h, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http") ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    (long)DCV_HTTP_TIMEOUT_MS) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE, (long)DCV_HTTP_MAX) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "foureyes-dcv") ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write) ==
	    CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, b) == CURLE_OK &&
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf) == CURLE_OK;
}

void
dcv_http_path(const char *token, char out[DCV_HTTP_PATH_MAX])
{
	unsigned char md[32];
	char hex[33];

	EVP_Digest(token, strlen(token), md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 16, hex);
	fe_snprintf(out, DCV_HTTP_PATH_MAX, "%sfe-%s.txt", DCV_HTTP_DIR, hex);
}

int
dcv_http(struct dns *d, const char *domain, const char *token,
    unsigned port, struct fe_err *err)
{
	char addr[64], url[URL_SIZE], pin[NAME_DNS_MAX + 96],
	    hpath[DCV_HTTP_PATH_MAX];
	uint8_t raw[16];
	size_t rawlen;
	char ebuf[CURL_ERROR_SIZE], q[FOUND_SIZE];
	struct curl_slist *resolve = NULL;
	struct body *b = NULL;
	CURL *h = NULL;
	CURLcode cc;
	char *loc = NULL, *ip = NULL;
	const char *to;
	long status = 0;
	size_t s, e;
	int rc;

	if ((rc = name_check_dns(domain, false, false, err)) != 0 ||
	    (rc = token_check(token, err)) != 0)
		return rc;
	if (port == 0)
		port = 80;
	if (port > 65535)
		return fe_err_set(err, "dcv: port %u is not 1..65535", port);
	rc = dns_addr(d, domain, addr, sizeof(addr), err);
	if (rc == FE_ENOENT)
		return fe_err_code(err, FE_EPOLICY, "HTTP: %s has no A or "
		    "AAAA record", domain);
	if (rc != 0)
		return rc;
	if (!dns_private_addresses(d) &&
	    name_check_ip(addr, true, raw, &rawlen, err) != 0) {
		fe_err_prefix(err, "HTTP: %s: will not connect to a non-public "
		    "address", domain);
		return FE_EPOLICY;
	}
	dcv_http_path(token, hpath);
	fe_snprintf(url, sizeof(url), "http://%s:%u%s", domain, port, hpath);
	fe_snprintf(pin, sizeof(pin), strchr(addr, ':') != NULL ?
	    "%s:%u:[%s]" : "%s:%u:%s", domain, port, addr);
	if ((resolve = curl_slist_append(NULL, pin)) == NULL)
		fe_fatal("curl_slist_append: out of memory");
	if ((h = curl_easy_init()) == NULL)
		fe_fatal("curl_easy_init failed");
	b = fe_calloc(1, sizeof(*b));
	ebuf[0] = '\0';
	if (!http_setup(h, url, resolve, b, ebuf)) {
		rc = fe_err_code(err, FE_EIO, "HTTP: GET %s: libcurl refused "
		    "an option", url);
		goto out;
	}
	cc = curl_easy_perform(h);
	if (b->over || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = fe_err_code(err, FE_EPOLICY, "HTTP: GET %s (%s): the body "
		    "is longer than %d bytes", url, addr, DCV_HTTP_MAX);
		goto out;
	}
	if (cc != CURLE_OK) {
		rc = fe_err_code(err, FE_EPOLICY, "HTTP: GET %s (%s): %s", url,
		    addr, ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc));
		goto out;
	}
	/* defensive: the connection went where our resolver said */
	if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK ||
	    ip == NULL || strcmp(ip, addr) != 0) {
		rc = fe_err_code(err, FE_EIO, "HTTP: GET %s: connected to %s, "
		    "not to %s", url, ip != NULL ? ip : "an unknown address",
		    addr);
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK)
		status = 0;
	if (status >= 300 && status < 400) {
		to = curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) ==
		    CURLE_OK && loc != NULL ? loc : "nowhere";
		rc = fe_err_code(err, FE_EPOLICY, "HTTP: GET %s (%s) answered "
		    "%ld, a redirect to %s: redirects are not followed", url,
		    addr, status, dns_quote(to, strlen(to), q, 256));
		goto out;
	}
	if (status != 200) {
		rc = fe_err_code(err, FE_EPOLICY, "HTTP: GET %s (%s) answered "
		    "%ld, not 200", url, addr, status);
		goto out;
	}
	for (s = 0; s < b->len && is_space(b->buf[s]); s++)
		;
	for (e = b->len; e > s && is_space(b->buf[e - 1]); e--)
		;
	if (!token_equal(token, b->buf + s, e - s)) {
		rc = fe_err_code(err, FE_EPOLICY, "HTTP: GET %s (%s): the body "
		    "is not the token (found: \"%s\")", url, addr,
		    dns_quote(b->buf + s, e - s, q, 160));
		goto out;
	}
	rc = 0;
out:
	free(b);
	curl_easy_cleanup(h);
	curl_slist_free_all(resolve);
	return rc;
}
