/*
 * dns.h - the DNS lookups fe-web makes (TXT for domain control, A/AAAA for
 * the HTTP check, CAA before each issuance), through libunbound against one
 * configured resolver, validating DNSSEC below the configured trust anchors.
 *
 * A struct dns is used by one thread at a time (the caller keeps one per
 * thread; dns_open and dns_close may run in several threads at once): each
 * lookup drives libunbound's asynchronous interface from the calling thread
 * so that it can be cut off after timeout_ms.  libunbound itself runs one
 * background thread per struct dns.  Answers are cached per struct dns for
 * their TTL (a re-check that must see fresh data uses a fresh one or waits
 * the TTL out).
 *
 * Every failure names the DNS name and why; a failed lookup (SERVFAIL,
 * timeout, bogus DNSSEC) is FE_EIO and never looks like "no record".
 */
#ifndef FE_WEB_DNS_H
#define FE_WEB_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct dns_conf {
	/* "IP" or "IP@PORT": every query is forwarded there (ub_ctx_set_fwd);
	 * NULL: the name servers of /etc/resolv.conf. */
	const char *resolver;
	/* NULL, or a file of DS/DNSKEY records (ub_ctx_add_ta_file): zones
	 * under them are DNSSEC-validated, a bogus answer is an error. */
	const char *trust_anchor;
	/* per query; 0: 5000.  caa_check makes one query per label climbed,
	 * dns_addr up to two. */
	unsigned timeout_ms;
};

struct dns;

int dns_open(const struct dns_conf *c, struct dns **out, struct fe_err *err);
void dns_close(struct dns *d);		/* NULL is a no-op */
/* By default dcv_http refuses to connect to an address that is not public
 * (loopback, private, link-local, ...: name_check_ip), so an applicant's
 * DNS cannot point fe-web at its own network.  true allows them: for tests
 * and labs only. */
void dns_set_private_addresses(struct dns *d, bool allow);
bool dns_private_addresses(const struct dns *d);

/* TXT records at name, each record's strings concatenated.  *out is a
 * malloc'd array of malloc'd strings (free with dns_strv_free); a byte 0
 * inside a record comes back as the four characters "\000".  NXDOMAIN or
 * NODATA: 0 with *n = 0.  SERVFAIL, timeout, bogus DNSSEC: FE_EIO. */
int dns_txt(struct dns *d, const char *name, char ***out, size_t *n,
    struct fe_err *err);
void dns_strv_free(char **v, size_t n);

/* First address of name (A, then AAAA) as text.  No address: FE_ENOENT;
 * a failed lookup: FE_EIO; outlen too small: FE_EINVAL. */
int dns_addr(struct dns *d, const char *name, char *out, size_t outlen,
    struct fe_err *err);

/*
 * CAA, RFC 8659.  The relevant RRset is found by climbing from fqdn towards
 * the root (not included; CNAMEs are followed by the resolver); with no CAA
 * anywhere: 0 (permitted).  fqdn may start with "*." (then wildcard is
 * implied).  Otherwise issuance is permitted only when an "issue" property
 * (for a wildcard: "issuewild" when the set has any, else "issue") names
 * one of identities (NULL-terminated, compared case-insensitively);
 * parameters after ';' must parse (RFC 8659 4.2) and are ignored; a value
 * without a domain (";") forbids everybody; an unknown tag with the critical
 * flag forbids issuance; a set with neither issue nor issuewild permits.
 * Forbidden: FE_EPOLICY "C4: CAA at DOMAIN forbids issuance: RECORDS"
 * (the set's records in canonical order, quoted).  A failed lookup: FE_EIO
 * (issuance must not go ahead).  fqdn must pass name_check_dns (lower
 * case, two labels at least), else FE_EINVAL.
 */
int caa_check(struct dns *d, const char *fqdn, bool wildcard,
    const char *const *identities, struct fe_err *err);

/* The decision of caa_check on one relevant RRset found at domain: n CAA
 * RDATAs in wire form (RFC 8659 4.1), at most 256.  For tests and fuzzing;
 * domain only goes into the message. */
int caa_eval(const char *domain, const uint8_t *const *rdata,
    const size_t *len, size_t n, bool wildcard,
    const char *const *identities, struct fe_err *err);

/* Bytes from the network for a message: printable ASCII as is, '"' and '\'
 * escaped with '\', anything else as \xNN; cut with "..." to fit outlen
 * (at least 8).  Returns out. */
char *dns_quote(const char *p, size_t len, char *out, size_t outlen);

#endif
