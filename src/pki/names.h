/*
 * names.h - syntax and public-ness of the names that go into certificates:
 * DNS names, email addresses and IP addresses (RFC 5280 4.2.1.6, RFC 1034
 * 3.5 preferred name syntax, RFC 5321 4.1.2, BR 7.1.2.7.12 and 7.1.4.2).
 *
 * Each check returns 0 or FE_EINVAL/FE_EPOLICY with a message that quotes
 * the name and gives the rule, e.g.
 *   "dns name 'printer': BR 7.1.2.7.12: internal name (a single label)".
 */
#ifndef FE_NAMES_H
#define FE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define NAME_DNS_MAX 253
#define NAME_EMAIL_MAX 254

/*
 * A DNS name in preferred syntax: lower-case LDH labels of 1..63 octets,
 * no leading or trailing hyphen, at most 253 octets, no trailing dot, at
 * least two labels.  allow_wildcard: a leftmost label of exactly "*" is
 * allowed, followed by at least two labels.  public_only: internal names are
 * refused (a single label, or a name under a reserved or special-use
 * suffix such as .local, .internal, .localhost, .test, .example, .invalid,
 * .onion, .home.arpa, .arpa).
 */
int name_check_dns(const char *name, bool allow_wildcard, bool public_only,
    struct fe_err *err);

/* local@domain with an RFC 5322 dot-atom local part (at most 64 octets),
 * a public DNS domain (no wildcard), at most 254 octets in all. */
int name_check_email(const char *addr, struct fe_err *err);

/*
 * An IPv4 or IPv6 address in text form.  On success out holds 4 or 16 bytes
 * and *outlen says which.  public_only: addresses in the IANA IPv4 and IPv6
 * special-purpose registries (private, loopback, link-local, documentation,
 * multicast, reserved, ...) are refused (BR 7.1.2.7.12 "Reserved IP
 * Address").
 */
int name_check_ip(const char *text, bool public_only, uint8_t out[16],
    size_t *outlen, struct fe_err *err);

#endif
