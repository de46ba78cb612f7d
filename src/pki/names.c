/*
 * names.c - syntax and public-ness of the names that go into certificates
 * (names.h): DNS names, email addresses and IP addresses.
 *
 * The names come from requests and operators and are trusted in nothing:
 * each is checked byte by byte against the preferred syntax, and every
 * message echoes the rejected value with anything unprintable escaped, so a
 * hostile name cannot forge a log line.  What this file cannot know: whether
 * a top-level domain is delegated in the root zone, where the public
 * suffixes are (a wildcard over one is not caught here), and whether the
 * applicant controls the name -- that is domain validation, elsewhere.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "names.h"

/* Bytes of a name echoed in a message before it is cut with "...". */
#define QUOTE_IN 256
/* Each byte takes at most 4 characters ("\xff"), plus "..." and NUL. */
#define QUOTE_SIZE (QUOTE_IN * 4 + 4)

#define LABEL_MAX 63
#define EMAIL_LOCAL_MAX 64

/* The text of s for a message: printable ASCII as is, except that ' and \
 * are escaped with \; anything else as \xNN; long input is cut. */
static const char *
quote(const char *s, char out[QUOTE_SIZE])
{
	return text_quote(s, strlen(s), QUOTE_IN, '\'', out, QUOTE_SIZE);
}

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Special-use suffixes (RFC 6761 and later) and the ones ICANN keeps for
 * private use; a name equal to one or under one is internal. */
static const struct {
	const char *suffix;
	const char *why;
} reserved_suffixes[] = {
	{ "home.arpa", "RFC 8375" },
	{ "arpa", "RFC 3172, infrastructure" },
	{ "local", "RFC 6762" },
	{ "internal", "ICANN, private use" },
	{ "localhost", "RFC 6761" },
	{ "test", "RFC 6761" },
	{ "example", "RFC 6761" },
	{ "invalid", "RFC 6761" },
	{ "onion", "RFC 7686" },
	{ "alt", "RFC 9476" },
};

static int
under_suffix(const char *name, size_t len, const char *suffix)
{
	size_t slen = strlen(suffix);

	if (len == slen)
		return memcmp(name, suffix, len) == 0;
	return len > slen && name[len - slen - 1] == '.' &&
	    memcmp(name + len - slen, suffix, slen) == 0;
}

int
name_check_dns(const char *name, bool allow_wildcard, bool public_only,
    struct fe_err *err)
{
	char q[QUOTE_SIZE];
	size_t len, i, start, llen, nlabels, top;
	unsigned char c;
	const char *label;
	bool wildcard, digits;

	if (name == NULL)
		return fe_err_set(err, "dns name: missing");
	quote(name, q);
	len = strlen(name);
	if (len == 0)
		return fe_err_set(err, "dns name '': empty");
	if (len > NAME_DNS_MAX)
		return fe_err_set(err, "dns name '%s': RFC 1034 3.1: %zu octets "
		    "is longer than %d", q, len, NAME_DNS_MAX);
	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c >= 'A' && c <= 'Z')
			return fe_err_set(err, "dns name '%s': must be lower "
			    "case", q);
		if (is_ldh(c) || c == '.' || c == '*')
			continue;
		if (c >= 0x21 && c < 0x7f && c != '\'' && c != '\\')
			return fe_err_set(err, "dns name '%s': RFC 1034 3.5: "
			    "character '%c' is not a letter, digit, hyphen or "
			    "dot", q, c);
		return fe_err_set(err, "dns name '%s': RFC 1034 3.5: byte "
		    "0x%02x is not a letter, digit, hyphen or dot (IDNs go in "
		    "as xn-- A-labels)", q, c);
	}
	if (name[len - 1] == '.')
		return fe_err_set(err, "dns name '%s': RFC 5280 4.2.1.6: a "
		    "trailing dot is not allowed", q);

	nlabels = 0;
	top = 0;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		label = name + start;
		llen = i - start;
		if (llen == 0)
			return fe_err_set(err, "dns name '%s': RFC 1034 3.5: "
			    "empty label", q);
		if (memchr(label, '*', llen) != NULL) {
			if (start != 0 || llen != 1)
				return fe_err_set(err, "dns name '%s': a "
				    "wildcard may only be the whole leftmost "
				    "label", q);
			if (!allow_wildcard)
				return fe_err_code(err, FE_EPOLICY, "dns name "
				    "'%s': wildcards are not allowed in this "
				    "profile", q);
		} else if (llen > LABEL_MAX) {
			return fe_err_set(err, "dns name '%s': RFC 1034 3.5: "
			    "label of %zu octets is longer than %d", q, llen,
			    LABEL_MAX);
		} else if (label[0] == '-') {
			return fe_err_set(err, "dns name '%s': RFC 1034 3.5: "
			    "a label starts with a hyphen", q);
		} else if (label[llen - 1] == '-') {
			return fe_err_set(err, "dns name '%s': RFC 1034 3.5: "
			    "a label ends with a hyphen", q);
		}
		nlabels++;
		top = start;
		start = i + 1;
	}

	wildcard = name[0] == '*';
	if (wildcard && nlabels < 3)
		return fe_err_set(err, "dns name '%s': a wildcard must be "
		    "followed by at least two labels", q);
	if (nlabels < 2)
		return fe_err_code(err, FE_EPOLICY, "dns name '%s': BR "
		    "7.1.2.7.12: internal name (a single label)", q);
	digits = true;
	for (i = top; i < len; i++)
		if (name[i] < '0' || name[i] > '9')
			digits = false;
	if (digits)
		return fe_err_set(err, "dns name '%s': RFC 3696 2: the "
		    "top-level label is all digits (an IP address is not a "
		    "DNS name)", q);
	if (!public_only)
		return 0;
	for (i = 0; i < sizeof(reserved_suffixes) /
	    sizeof(reserved_suffixes[0]); i++) {
		if (under_suffix(name, len, reserved_suffixes[i].suffix))
			return fe_err_code(err, FE_EPOLICY, "dns name '%s': BR "
			    "7.1.2.7.12: internal name (under .%s, %s)", q,
			    reserved_suffixes[i].suffix,
			    reserved_suffixes[i].why);
	}
	return 0;
}

/* RFC 5322 3.2.3 atext, without the dot. */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

int
name_check_email(const char *addr, struct fe_err *err)
{
	char q[QUOTE_SIZE];
	const char *at;
	size_t len, llen, i;
	unsigned char c;
	int rc;

	if (addr == NULL)
		return fe_err_set(err, "email address: missing");
	quote(addr, q);
	len = strlen(addr);
	if (len == 0)
		return fe_err_set(err, "email address '': empty");
	for (i = 0; i < len; i++)
		if ((unsigned char)addr[i] >= 0x80)
			return fe_err_set(err, "email address '%s': not ASCII "
			    "(internationalised addresses are not supported)",
			    q);
	if (len > NAME_EMAIL_MAX)
		return fe_err_set(err, "email address '%s': RFC 5321 4.5.3.1: "
		    "%zu octets is longer than %d", q, len, NAME_EMAIL_MAX);
	if ((at = strchr(addr, '@')) == NULL)
		return fe_err_set(err, "email address '%s': no '@'", q);
	if (strchr(at + 1, '@') != NULL)
		return fe_err_set(err, "email address '%s': more than one '@' "
		    "(quoted local parts are not supported)", q);
	llen = (size_t)(at - addr);
	if (llen == 0)
		return fe_err_set(err, "email address '%s': empty local part",
		    q);
	if (llen > EMAIL_LOCAL_MAX)
		return fe_err_set(err, "email address '%s': RFC 5321 4.5.3.1.1: "
		    "local part of %zu octets is longer than %d", q, llen,
		    EMAIL_LOCAL_MAX);
	if (addr[0] == '.' || addr[llen - 1] == '.')
		return fe_err_set(err, "email address '%s': RFC 5322 3.2.3: "
		    "the local part starts or ends with a dot", q);
	for (i = 0; i < llen; i++) {
		c = (unsigned char)addr[i];
		if (c == '.' && addr[i + 1] == '.')
			return fe_err_set(err, "email address '%s': RFC 5322 "
			    "3.2.3: two dots in a row in the local part", q);
		if (c != '.' && !is_atext(c)) {
			if (c >= 0x21 && c < 0x7f && c != '\\')
				return fe_err_set(err, "email address '%s': "
				    "RFC 5322 3.2.3: character '%c' is not "
				    "allowed in a local part", q, c);
			return fe_err_set(err, "email address '%s': RFC 5322 "
			    "3.2.3: byte 0x%02x is not allowed in a local part",
			    q, c);
		}
	}
	if ((rc = name_check_dns(at + 1, false, true, err)) != 0) {
		fe_err_prefix(err, "email address '%s'", q);
		return rc;
	}
	return 0;
}

/* IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890). */
struct block {
	const char *net;
	unsigned plen;
	const char *what;
};

static const struct block blocks4[] = {
	{ "0.0.0.0", 8, "\"this network\", RFC 791" },
	{ "10.0.0.0", 8, "private use, RFC 1918" },
	{ "100.64.0.0", 10, "shared address space, RFC 6598" },
	{ "127.0.0.0", 8, "loopback, RFC 1122" },
	{ "169.254.0.0", 16, "link local, RFC 3927" },
	{ "172.16.0.0", 12, "private use, RFC 1918" },
	{ "192.0.0.0", 24, "IETF protocol assignments, RFC 6890" },
	{ "192.0.2.0", 24, "documentation (TEST-NET-1), RFC 5737" },
	{ "192.88.99.0", 24, "6to4 relay anycast, RFC 7526" },
	{ "192.168.0.0", 16, "private use, RFC 1918" },
	{ "198.18.0.0", 15, "benchmarking, RFC 2544" },
	{ "198.51.100.0", 24, "documentation (TEST-NET-2), RFC 5737" },
	{ "203.0.113.0", 24, "documentation (TEST-NET-3), RFC 5737" },
	{ "224.0.0.0", 4, "multicast, RFC 5771" },
	{ "255.255.255.255", 32, "limited broadcast, RFC 919" },
	{ "240.0.0.0", 4, "reserved, RFC 1112" },
};

static const struct block blocks6[] = {
	{ "::", 128, "unspecified address, RFC 4291" },
	{ "::1", 128, "loopback, RFC 4291" },
	{ "::ffff:0:0", 96, "IPv4-mapped address, RFC 4291" },
	{ "64:ff9b::", 96, "IPv4-IPv6 translation, RFC 6052" },
	{ "64:ff9b:1::", 48, "local-use IPv4-IPv6 translation, RFC 8215" },
	{ "100::", 64, "discard-only, RFC 6666" },
	{ "2001::", 23, "IETF protocol assignments, RFC 2928" },
	{ "2001:db8::", 32, "documentation, RFC 3849" },
	{ "2002::", 16, "6to4, RFC 3056" },
	{ "3fff::", 20, "documentation, RFC 9637" },
	{ "fc00::", 7, "unique local, RFC 4193" },
	{ "fe80::", 10, "link-local unicast, RFC 4291" },
	{ "ff00::", 8, "multicast, RFC 4291" },
	/* Not in the registry, but not assigned to anyone either: all
	 * global unicast space is under 2000::/3 (RFC 4291 2.4). */
	{ "2000::", 3, NULL },
};

static int
in_block(const uint8_t *a, const uint8_t *net, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

/* The block of the address, or NULL; for IPv6 the last entry (2000::/3)
 * matches in reverse: an address outside it is returned as reserved. */
static const struct block *
special_block(int af, const uint8_t *a)
{
	const struct block *t = af == AF_INET ? blocks4 : blocks6;
	size_t i, n = af == AF_INET ? sizeof(blocks4) / sizeof(blocks4[0]) :
	    sizeof(blocks6) / sizeof(blocks6[0]);
	uint8_t net[16];

	for (i = 0; i < n; i++) {
		if (inet_pton(af, t[i].net, net) != 1)
			fe_fatal("names: internal: bad block %s", t[i].net);
		if (t[i].what == NULL) {
			if (!in_block(a, net, t[i].plen))
				return &t[i];
		} else if (in_block(a, net, t[i].plen)) {
			return &t[i];
		}
	}
	return NULL;
}

int
name_check_ip(const char *text, bool public_only, uint8_t out[16],
    size_t *outlen, struct fe_err *err)
{
	char q[QUOTE_SIZE], canon[INET6_ADDRSTRLEN];
	uint8_t a[16];
	const struct block *b;
	int af;

	if (text == NULL)
		return fe_err_set(err, "ip address: missing");
	quote(text, q);
	af = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, text, a) != 1)
		return fe_err_set(err, "ip address '%s': not an %s address in "
		    "text form", q, af == AF_INET ? "IPv4" : "IPv6");
	if (inet_ntop(af, a, canon, sizeof(canon)) == NULL)
		return fe_err_sys(err, "ip address '%s': inet_ntop", q);
	if (strcmp(canon, text) != 0)
		return fe_err_set(err, "ip address '%s': not in canonical form "
		    "(RFC 5952 for IPv6): write '%s'", q, canon);
	if (public_only && (b = special_block(af, a)) != NULL) {
		if (b->what == NULL)
			return fe_err_code(err, FE_EPOLICY, "ip address '%s': "
			    "BR 7.1.2.7.12: reserved IP address (outside "
			    "global unicast 2000::/3, RFC 4291)", q);
		return fe_err_code(err, FE_EPOLICY, "ip address '%s': BR "
		    "7.1.2.7.12: reserved IP address (%s)", q, b->what);
	}
	memcpy(out, a, af == AF_INET ? 4 : 16);
	*outlen = af == AF_INET ? 4 : 16;
	return 0;
}
