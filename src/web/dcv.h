/*
 * dcv.h - domain control validation: BR 3.2.2.4.7 (DNS change),
 * 3.2.2.4.18 (agreed-upon change to website v2) and 3.2.2.4.4 (constructed
 * email to a domain contact; the mail itself is sent and confirmed by the
 * server, this module only says which mailboxes qualify).
 *
 * Tokens are the random tokens fe-web hands out: 16..128 characters of
 * [A-Za-z0-9_-]; anything else is FE_EINVAL before any lookup.
 */
#ifndef FE_WEB_DCV_H
#define FE_WEB_DCV_H

#include <stdbool.h>

#include "lib/err.h"
#include "web/dns.h"

#define DCV_TXT_LABEL "_foureyes-challenge"
/* BR 3.2.2.4.18: the file is under /.well-known/pki-validation/, and the
 * random value is its content, never part of the request: the file name
 * is "fe-" and the first 128 bits of SHA-256(token) in hex, ".txt". */
#define DCV_HTTP_DIR "/.well-known/pki-validation/"
#define DCV_HTTP_PATH_MAX (sizeof(DCV_HTTP_DIR) + 40)
void dcv_http_path(const char *token, char out[DCV_HTTP_PATH_MAX]);
#define DCV_HTTP_MAX 4096	/* bytes of the HTTP body read at most */
#define DCV_HTTP_TIMEOUT_MS 10000

/* "admin", "administrator", "hostmaster", "postmaster", "webmaster", NULL */
extern const char *const dcv_mailboxes[];

/* 0 when a TXT record at _foureyes-challenge.DOMAIN equals token;
 * FE_EPOLICY "DNS: no TXT record at NAME equals the token (found: ...)"
 * otherwise; a failed lookup FE_EIO. */
int dcv_dns(struct dns *d, const char *domain, const char *token,
    struct fe_err *err);

/* GET http://DOMAIN:PORT/.well-known/foureyes-challenge/TOKEN (libcurl),
 * connecting to the address dns_addr gives (curl never resolves names
 * itself, proxies from the environment are ignored), no redirects followed,
 * 10 s timeout, at most 4 KiB read; an address that is not public is
 * refused (FE_EPOLICY) unless dns_set_private_addresses(d, true).  0 when
 * the status is 200 and the body with surrounding white space trimmed
 * equals token; FE_EPOLICY naming the status or what was found; a failed
 * DNS lookup FE_EIO.  port 0 means 80 (BR 3.2.2.4.18 allows only 80 and
 * 443; other ports are for tests).  The caller calls curl_global_init()
 * once before the first use. */
int dcv_http(struct dns *d, const char *domain, const char *token,
    unsigned port, struct fe_err *err);

/* true when mailbox is one of dcv_mailboxes (exact, lower case) */
bool dcv_mailbox_ok(const char *mailbox);

#endif
