/*
 * test_names.c - DNS names, email addresses and IP addresses: every
 * refusal with its message, the boundaries of every special-purpose block,
 * and the names that must pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pki/names.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

struct dns_case {
	const char *name;
	bool wildcard;
	bool public_only;
	int rc;
	const char *msg;	/* exact message, or NULL when accepted */
};

static void
run_dns(const struct dns_case *c, size_t n)
{
	struct fe_err err;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		err.msg[0] = '\0';
		rc = name_check_dns(c[i].name, c[i].wildcard, c[i].public_only,
		    &err);
		if (rc != c[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", c[i].name, rc,
			    c[i].rc, err.msg);
		if (c[i].msg != NULL && strcmp(err.msg, c[i].msg) != 0)
			fail_msg("'%s':\n got  %s\n want %s", c[i].name,
			    err.msg, c[i].msg);
	}
}

static void
dns_accepted(void **state)
{
	static const struct dns_case cases[] = {
		{ "example.org", false, true, 0, NULL },
		{ "example.com", false, true, 0, NULL },
		{ "www.example.org", false, true, 0, NULL },
		{ "*.example.org", true, true, 0, NULL },
		{ "a-b.c0.example.org", false, true, 0, NULL },
		{ "xn--bcher-kva.de", false, true, 0, NULL },
		{ "1.2.3.example.org", false, true, 0, NULL },
		{ "test.example.org", false, true, 0, NULL },
		{ "foo.contest", false, true, 0, NULL },
		{ "foo.arpanet", false, true, 0, NULL },
		{ "printer.local", false, false, 0, NULL },
		{ "x.home.arpa", false, false, 0, NULL },
	};
	(void)state;
	run_dns(cases, NCASES(cases));
}

static void
dns_length_limits(void **state)
{
	struct fe_err err;
	char name[300];
	(void)state;

	/* a label of 63 octets passes, 64 does not */
	memset(name, 'a', 63);
	memcpy(name + 63, ".example.org", 13);
	assert_int_equal(name_check_dns(name, false, true, &err), 0);
	memset(name, 'a', 64);
	memcpy(name + 64, ".example.org", 13);
	assert_int_equal(name_check_dns(name, false, true, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "': RFC 1034 3.5: label of 64 octets "
	    "is longer than 63"));

	/* 253 octets pass, 254 do not: labels of 63, 63, 63 and 61 or 62 */
	memset(name, 'a', 254);
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	assert_int_equal(name_check_dns(name, false, true, &err), 0);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(name_check_dns(name, false, true, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "': RFC 1034 3.1: 254 octets is longer "
	    "than 253"));
}

static void
dns_syntax_refused(void **state)
{
	static const struct dns_case cases[] = {
		{ "", true, false, FE_EINVAL, "dns name '': empty" },
		{ "Www.example.org", true, false, FE_EINVAL,
		  "dns name 'Www.example.org': must be lower case" },
		{ "a_b.example.org", true, false, FE_EINVAL,
		  "dns name 'a_b.example.org': RFC 1034 3.5: character '_' is "
		  "not a letter, digit, hyphen or dot" },
		{ "a b.example.org", true, false, FE_EINVAL,
		  "dns name 'a b.example.org': RFC 1034 3.5: byte 0x20 is not "
		  "a letter, digit, hyphen or dot (IDNs go in as xn-- "
		  "A-labels)" },
		{ "b\xc3\xbc" "cher.de", true, false, FE_EINVAL,
		  "dns name 'b\\xc3\\xbccher.de': RFC 1034 3.5: byte 0xc3 is "
		  "not a letter, digit, hyphen or dot (IDNs go in as xn-- "
		  "A-labels)" },
		{ "evil.org\nINFO: forged", true, false, FE_EINVAL,
		  "dns name 'evil.org\\x0aINFO: forged': RFC 1034 3.5: byte "
		  "0x0a is not a letter, digit, hyphen or dot (IDNs go in as "
		  "xn-- A-labels)" },
		{ "it's.example.org", true, false, FE_EINVAL,
		  "dns name 'it\\'s.example.org': RFC 1034 3.5: byte 0x27 is "
		  "not a letter, digit, hyphen or dot (IDNs go in as xn-- "
		  "A-labels)" },
		{ "example.org.", true, false, FE_EINVAL,
		  "dns name 'example.org.': RFC 5280 4.2.1.6: a trailing dot "
		  "is not allowed" },
		{ "a..b", true, false, FE_EINVAL,
		  "dns name 'a..b': RFC 1034 3.5: empty label" },
		{ ".example.org", true, false, FE_EINVAL,
		  "dns name '.example.org': RFC 1034 3.5: empty label" },
		{ ".", true, false, FE_EINVAL,
		  "dns name '.': RFC 5280 4.2.1.6: a trailing dot is not "
		  "allowed" },
		{ "-a.example.org", true, false, FE_EINVAL,
		  "dns name '-a.example.org': RFC 1034 3.5: a label starts "
		  "with a hyphen" },
		{ "www.a-.example.org", true, false, FE_EINVAL,
		  "dns name 'www.a-.example.org': RFC 1034 3.5: a label ends "
		  "with a hyphen" },
		{ "10.1.2.3", true, false, FE_EINVAL,
		  "dns name '10.1.2.3': RFC 3696 2: the top-level label is all "
		  "digits (an IP address is not a DNS name)" },
		{ "printer", true, false, FE_EPOLICY,
		  "dns name 'printer': BR 7.1.2.7.12: internal name (a single "
		  "label)" },
	};
	(void)state;
	run_dns(cases, NCASES(cases));
	assert_int_equal(name_check_dns(NULL, false, false, NULL), FE_EINVAL);
}

static void
dns_wildcards(void **state)
{
	static const struct dns_case cases[] = {
		{ "*.example.org", false, true, FE_EPOLICY,
		  "dns name '*.example.org': wildcards are not allowed in this "
		  "profile" },
		{ "www.*.example.org", true, true, FE_EINVAL,
		  "dns name 'www.*.example.org': a wildcard may only be the "
		  "whole leftmost label" },
		{ "w*.example.org", true, true, FE_EINVAL,
		  "dns name 'w*.example.org': a wildcard may only be the whole "
		  "leftmost label" },
		{ "**.example.org", true, true, FE_EINVAL,
		  "dns name '**.example.org': a wildcard may only be the whole "
		  "leftmost label" },
		{ "*.*.example.org", true, true, FE_EINVAL,
		  "dns name '*.*.example.org': a wildcard may only be the "
		  "whole leftmost label" },
		{ "*.org", true, true, FE_EINVAL,
		  "dns name '*.org': a wildcard must be followed by at least "
		  "two labels" },
		{ "*", true, true, FE_EINVAL,
		  "dns name '*': a wildcard must be followed by at least two "
		  "labels" },
		{ "*.printer.local", true, true, FE_EPOLICY,
		  "dns name '*.printer.local': BR 7.1.2.7.12: internal name "
		  "(under .local, RFC 6762)" },
	};
	(void)state;
	run_dns(cases, NCASES(cases));
}

static void
dns_internal_names_refused(void **state)
{
	static const struct dns_case cases[] = {
		{ "printer.local", false, true, FE_EPOLICY,
		  "dns name 'printer.local': BR 7.1.2.7.12: internal name "
		  "(under .local, RFC 6762)" },
		{ "db.corp.internal", false, true, FE_EPOLICY,
		  "dns name 'db.corp.internal': BR 7.1.2.7.12: internal name "
		  "(under .internal, ICANN, private use)" },
		{ "foo.localhost", false, true, FE_EPOLICY,
		  "dns name 'foo.localhost': BR 7.1.2.7.12: internal name "
		  "(under .localhost, RFC 6761)" },
		{ "x.test", false, true, FE_EPOLICY,
		  "dns name 'x.test': BR 7.1.2.7.12: internal name (under "
		  ".test, RFC 6761)" },
		{ "www.example", false, true, FE_EPOLICY,
		  "dns name 'www.example': BR 7.1.2.7.12: internal name (under "
		  ".example, RFC 6761)" },
		{ "a.invalid", false, true, FE_EPOLICY,
		  "dns name 'a.invalid': BR 7.1.2.7.12: internal name (under "
		  ".invalid, RFC 6761)" },
		{ "abcdefghijklmnop.onion", false, true, FE_EPOLICY,
		  "dns name 'abcdefghijklmnop.onion': BR 7.1.2.7.12: internal "
		  "name (under .onion, RFC 7686)" },
		{ "x.alt", false, true, FE_EPOLICY,
		  "dns name 'x.alt': BR 7.1.2.7.12: internal name (under .alt, "
		  "RFC 9476)" },
		{ "router.home.arpa", false, true, FE_EPOLICY,
		  "dns name 'router.home.arpa': BR 7.1.2.7.12: internal name "
		  "(under .home.arpa, RFC 8375)" },
		{ "home.arpa", false, true, FE_EPOLICY,
		  "dns name 'home.arpa': BR 7.1.2.7.12: internal name (under "
		  ".home.arpa, RFC 8375)" },
		{ "4.3.2.1.in-addr.arpa", false, true, FE_EPOLICY,
		  "dns name '4.3.2.1.in-addr.arpa': BR 7.1.2.7.12: internal "
		  "name (under .arpa, RFC 3172, infrastructure)" },
		{ "localhost", false, true, FE_EPOLICY,
		  "dns name 'localhost': BR 7.1.2.7.12: internal name (a "
		  "single label)" },
	};
	(void)state;
	run_dns(cases, NCASES(cases));
}

struct ip_case {
	const char *text;
	bool public_only;
	int rc;
	const char *msg;	/* exact message; NULL: accepted, or any */
};

static void
run_ip(const struct ip_case *c, size_t n)
{
	struct fe_err err;
	uint8_t out[16];
	size_t i, outlen;
	int rc;

	for (i = 0; i < n; i++) {
		err.msg[0] = '\0';
		outlen = 99;
		rc = name_check_ip(c[i].text, c[i].public_only, out, &outlen,
		    &err);
		if (rc != c[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", c[i].text, rc,
			    c[i].rc, err.msg);
		if (c[i].msg != NULL && strcmp(err.msg, c[i].msg) != 0)
			fail_msg("'%s':\n got  %s\n want %s", c[i].text,
			    err.msg, c[i].msg);
		if (rc != 0 && outlen != 99)
			fail_msg("'%s': outlen set on failure", c[i].text);
	}
}

static void
ip_accepted(void **state)
{
	static const uint8_t google6[16] = { 0x20, 0x01, 0x48, 0x60, 0x48,
	    0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x88 };
	static const struct ip_case cases[] = {
		{ "8.8.8.8", true, 0, NULL },
		{ "1.1.1.1", true, 0, NULL },
		{ "2001:4860:4860::8888", true, 0, NULL },
		{ "2606:4700:4700::1111", true, 0, NULL },
		/* just outside the blocks */
		{ "9.255.255.255", true, 0, NULL },
		{ "11.0.0.0", true, 0, NULL },
		{ "100.63.255.255", true, 0, NULL },
		{ "100.128.0.0", true, 0, NULL },
		{ "169.253.255.255", true, 0, NULL },
		{ "172.15.255.255", true, 0, NULL },
		{ "172.32.0.0", true, 0, NULL },
		{ "192.0.1.0", true, 0, NULL },
		{ "192.167.255.255", true, 0, NULL },
		{ "198.17.255.255", true, 0, NULL },
		{ "198.20.0.0", true, 0, NULL },
		{ "223.255.255.255", true, 0, NULL },
		{ "2001:200::1", true, 0, NULL },
		{ "2001:db9::1", true, 0, NULL },
		{ "2003::1", true, 0, NULL },
		{ "3fff:1000::1", true, 0, NULL },
		{ "3ffe:ffff::1", true, 0, NULL },
		/* anything goes without public_only */
		{ "10.1.2.3", false, 0, NULL },
		{ "::1", false, 0, NULL },
		{ "fe80::1", false, 0, NULL },
	};
	struct fe_err err;
	uint8_t out[16];
	size_t outlen;
	(void)state;
	run_ip(cases, NCASES(cases));
	assert_int_equal(name_check_ip("8.8.4.4", true, out, &outlen, &err), 0);
	assert_int_equal(outlen, 4);
	assert_memory_equal(out, "\x08\x08\x04\x04", 4);
	assert_int_equal(name_check_ip("2001:4860:4860::8888", true, out,
	    &outlen, &err), 0);
	assert_int_equal(outlen, 16);
	assert_memory_equal(out, google6, 16);
}

static void
ip_syntax_refused(void **state)
{
	static const struct ip_case cases[] = {
		{ "010.1.1.1", false, FE_EINVAL,
		  "ip address '010.1.1.1': not an IPv4 address in text form" },
		{ "1.2.3", false, FE_EINVAL,
		  "ip address '1.2.3': not an IPv4 address in text form" },
		{ "1.2.3.256", false, FE_EINVAL, NULL },
		{ "0x7f.0.0.1", false, FE_EINVAL, NULL },
		{ " 8.8.8.8", false, FE_EINVAL, NULL },
		{ "8.8.8.8\n", false, FE_EINVAL,
		  "ip address '8.8.8.8\\x0a': not an IPv4 address in text "
		  "form" },
		{ "", false, FE_EINVAL, NULL },
		{ "example.org", false, FE_EINVAL, NULL },
		{ "fe80::1%eth0", false, FE_EINVAL,
		  "ip address 'fe80::1%eth0': not an IPv6 address in text "
		  "form" },
		{ "1:2:3:4:5:6:7:8:9", false, FE_EINVAL, NULL },
		{ "2001:DB8::1", false, FE_EINVAL,
		  "ip address '2001:DB8::1': not in canonical form (RFC 5952 "
		  "for IPv6): write '2001:db8::1'" },
		{ "2001:4860:4860:0:0:0:0:8888", false, FE_EINVAL,
		  "ip address '2001:4860:4860:0:0:0:0:8888': not in canonical "
		  "form (RFC 5952 for IPv6): write '2001:4860:4860::8888'" },
		{ "2001:0db8::1", false, FE_EINVAL, NULL },
		{ "2001:db8:0:1:1:1:1:1", false, 0, NULL },
		{ "2001:db8::1:1:1:1:1", false, FE_EINVAL, NULL },
	};
	struct fe_err err;
	uint8_t out[16];
	size_t outlen;
	(void)state;
	run_ip(cases, NCASES(cases));
	assert_int_equal(name_check_ip(NULL, true, out, &outlen, &err),
	    FE_EINVAL);
}

#define RES(ip, what) { ip, true, FE_EPOLICY, "ip address '" ip "': BR " \
    "7.1.2.7.12: reserved IP address (" what ")" }

static void
ip_reserved_refused(void **state)
{
	static const struct ip_case cases[] = {
		RES("0.1.2.3", "\"this network\", RFC 791"),
		RES("0.0.0.0", "\"this network\", RFC 791"),
		RES("10.1.2.3", "private use, RFC 1918"),
		RES("10.255.255.255", "private use, RFC 1918"),
		RES("100.64.0.1", "shared address space, RFC 6598"),
		RES("100.127.255.255", "shared address space, RFC 6598"),
		RES("127.0.0.1", "loopback, RFC 1122"),
		RES("169.254.1.1", "link local, RFC 3927"),
		RES("172.16.0.1", "private use, RFC 1918"),
		RES("172.31.255.255", "private use, RFC 1918"),
		RES("192.0.0.9", "IETF protocol assignments, RFC 6890"),
		RES("192.0.2.1", "documentation (TEST-NET-1), RFC 5737"),
		RES("192.88.99.1", "6to4 relay anycast, RFC 7526"),
		RES("192.168.1.1", "private use, RFC 1918"),
		RES("198.18.0.1", "benchmarking, RFC 2544"),
		RES("198.19.255.255", "benchmarking, RFC 2544"),
		RES("198.51.100.7", "documentation (TEST-NET-2), RFC 5737"),
		RES("203.0.113.9", "documentation (TEST-NET-3), RFC 5737"),
		RES("224.0.0.1", "multicast, RFC 5771"),
		RES("239.255.255.255", "multicast, RFC 5771"),
		RES("240.0.0.1", "reserved, RFC 1112"),
		RES("255.255.255.254", "reserved, RFC 1112"),
		RES("255.255.255.255", "limited broadcast, RFC 919"),
		RES("::", "unspecified address, RFC 4291"),
		RES("::1", "loopback, RFC 4291"),
		RES("::ffff:8.8.8.8", "IPv4-mapped address, RFC 4291"),
		RES("64:ff9b::808:808", "IPv4-IPv6 translation, RFC 6052"),
		RES("64:ff9b:1::1", "local-use IPv4-IPv6 translation, RFC 8215"),
		RES("100::1", "discard-only, RFC 6666"),
		RES("2001::1", "IETF protocol assignments, RFC 2928"),
		RES("2001:1ff:ffff::1", "IETF protocol assignments, RFC 2928"),
		RES("2001:db8::1", "documentation, RFC 3849"),
		RES("2001:db8:ffff::1", "documentation, RFC 3849"),
		RES("2002:808:808::1", "6to4, RFC 3056"),
		RES("3fff::1", "documentation, RFC 9637"),
		RES("3fff:fff::1", "documentation, RFC 9637"),
		RES("fc00::1", "unique local, RFC 4193"),
		RES("fdff::1", "unique local, RFC 4193"),
		RES("fe80::1", "link-local unicast, RFC 4291"),
		RES("febf::1", "link-local unicast, RFC 4291"),
		RES("ff02::1", "multicast, RFC 4291"),
		RES("::8.8.8.8", "outside global unicast 2000::/3, RFC 4291"),
		RES("fec0::1", "outside global unicast 2000::/3, RFC 4291"),
		RES("4000::1", "outside global unicast 2000::/3, RFC 4291"),
		RES("1fff:ffff::1", "outside global unicast 2000::/3, RFC 4291"),
	};
	(void)state;
	run_ip(cases, NCASES(cases));
}

struct email_case {
	const char *addr;
	int rc;
	const char *msg;	/* exact message, or NULL */
};

static void
run_email(const struct email_case *c, size_t n)
{
	struct fe_err err;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		err.msg[0] = '\0';
		rc = name_check_email(c[i].addr, &err);
		if (rc != c[i].rc)
			fail_msg("'%s': rc %d, want %d (%s)", c[i].addr, rc,
			    c[i].rc, err.msg);
		if (c[i].msg != NULL && strcmp(err.msg, c[i].msg) != 0)
			fail_msg("'%s':\n got  %s\n want %s", c[i].addr,
			    err.msg, c[i].msg);
	}
}

static void
email_accepted(void **state)
{
	static const struct email_case cases[] = {
		{ "alice@example.org", 0, NULL },
		{ "Alice.Smith+tag@mail.example.com", 0, NULL },
		{ "o'brien@example.org", 0, NULL },
		{ "!#$%&'*+-/=?^_`{|}~@example.org", 0, NULL },
	};
	(void)state;
	run_email(cases, NCASES(cases));
}

static void
email_refused(void **state)
{
	static const struct email_case cases[] = {
		{ "", FE_EINVAL, "email address '': empty" },
		{ "alice.example.org", FE_EINVAL,
		  "email address 'alice.example.org': no '@'" },
		{ "a@b@c.org", FE_EINVAL,
		  "email address 'a@b@c.org': more than one '@' (quoted local "
		  "parts are not supported)" },
		{ "\"a@b\"@c.org", FE_EINVAL, NULL },
		{ "@example.org", FE_EINVAL,
		  "email address '@example.org': empty local part" },
		{ ".a@example.org", FE_EINVAL,
		  "email address '.a@example.org': RFC 5322 3.2.3: the local "
		  "part starts or ends with a dot" },
		{ "a.@example.org", FE_EINVAL,
		  "email address 'a.@example.org': RFC 5322 3.2.3: the local "
		  "part starts or ends with a dot" },
		{ "a..b@example.org", FE_EINVAL,
		  "email address 'a..b@example.org': RFC 5322 3.2.3: two dots "
		  "in a row in the local part" },
		{ "a(b)@example.org", FE_EINVAL,
		  "email address 'a(b)@example.org': RFC 5322 3.2.3: character "
		  "'(' is not allowed in a local part" },
		{ "a b@example.org", FE_EINVAL,
		  "email address 'a b@example.org': RFC 5322 3.2.3: byte 0x20 "
		  "is not allowed in a local part" },
		{ "a\\b@example.org", FE_EINVAL,
		  "email address 'a\\\\b@example.org': RFC 5322 3.2.3: byte "
		  "0x5c is not allowed in a local part" },
		{ "j\xc3\xb6rg@example.org", FE_EINVAL,
		  "email address 'j\\xc3\\xb6rg@example.org': not ASCII "
		  "(internationalised addresses are not supported)" },
		{ "a@", FE_EINVAL,
		  "email address 'a@': dns name '': empty" },
		{ "a@printer", FE_EPOLICY,
		  "email address 'a@printer': dns name 'printer': BR "
		  "7.1.2.7.12: internal name (a single label)" },
		{ "a@x.local", FE_EPOLICY,
		  "email address 'a@x.local': dns name 'x.local': BR "
		  "7.1.2.7.12: internal name (under .local, RFC 6762)" },
		{ "a@Example.org", FE_EINVAL,
		  "email address 'a@Example.org': dns name 'Example.org': must "
		  "be lower case" },
		{ "a@*.example.org", FE_EPOLICY,
		  "email address 'a@*.example.org': dns name '*.example.org': "
		  "wildcards are not allowed in this profile" },
		{ "a@[192.0.2.1]", FE_EINVAL, NULL },
	};
	struct fe_err err;
	char addr[300];
	(void)state;
	run_email(cases, NCASES(cases));
	assert_int_equal(name_check_email(NULL, &err), FE_EINVAL);

	/* a local part of 64 octets passes, 65 does not */
	memset(addr, 'a', 64);
	memcpy(addr + 64, "@example.org", 13);
	assert_int_equal(name_check_email(addr, &err), 0);
	memset(addr, 'a', 65);
	memcpy(addr + 65, "@example.org", 13);
	assert_int_equal(name_check_email(addr, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "': RFC 5321 4.5.3.1.1: local part of "
	    "65 octets is longer than 64"));

	/* 254 octets in all pass, 255 do not */
	memset(addr, 'a', 255);
	addr[64] = '@';
	addr[65 + 61] = addr[65 + 123] = '.';
	memcpy(addr + 250, ".org", 5);
	assert_int_equal(strlen(addr), 254);
	assert_int_equal(name_check_email(addr, &err), 0);
	memcpy(addr + 250, "a.org", 6);
	assert_int_equal(name_check_email(addr, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "': RFC 5321 4.5.3.1: 255 octets is "
	    "longer than 254"));
}

/* A hostile name of any length is echoed cut and escaped, never raw. */
static void
hostile_name_quoted(void **state)
{
	struct fe_err err;
	char name[4096];
	(void)state;
	memset(name, '\n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(name_check_dns(name, false, true, &err), FE_EINVAL);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(name_check_email(name, &err), FE_EINVAL);
	assert_null(strchr(err.msg, '\n'));
	assert_int_not_equal(name_check_ip(name, true, (uint8_t[16]){ 0 },
	    (size_t[1]){ 0 }, &err), 0);
	assert_null(strchr(err.msg, '\n'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dns_accepted),
		cmocka_unit_test(dns_length_limits),
		cmocka_unit_test(dns_syntax_refused),
		cmocka_unit_test(dns_wildcards),
		cmocka_unit_test(dns_internal_names_refused),
		cmocka_unit_test(ip_accepted),
		cmocka_unit_test(ip_syntax_refused),
		cmocka_unit_test(ip_reserved_refused),
		cmocka_unit_test(email_accepted),
		cmocka_unit_test(email_refused),
		cmocka_unit_test(hostile_name_quoted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
