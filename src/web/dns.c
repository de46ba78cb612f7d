/*
 * dns.c - fe-web's DNS lookups through libunbound (dns.h): TXT records for
 * domain control, A/AAAA for the HTTP check and CAA (RFC 8659) before each
 * issuance.
 *
 * It trusts the configured resolver to answer, and nothing in the answers:
 * TXT strings and CAA values are bytes from whoever runs the zone, so they
 * are parsed against their wire format, compared exactly and quoted before
 * they reach a message.  Below a configured trust anchor, libunbound
 * validates DNSSEC and a bogus answer is an error, never data.  What it
 * cannot tell: whether an unsigned zone's answers are genuine -- that is the
 * resolver's and the network's business, as the Baseline Requirements allow.
 *
 * Each lookup uses libunbound's asynchronous interface from the calling
 * thread (ub_resolve_async, poll on ub_fd, ub_process) so that it can be
 * cancelled after timeout_ms; ub_resolve alone would retry for minutes.
 *
 * Threads: libunbound's functions are thread-safe for one context, but
 * creating, configuring (at the first query) and deleting contexts sets
 * process-wide state inside libunbound (logging, config globals); those
 * steps are serialized here by one mutex, so each thread may have its own
 * struct dns.  A struct dns itself is not shared: its answers arrive on
 * ub_fd and are taken by whichever thread calls ub_process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <unbound.h>

#include "lib/buf.h"
#include "pki/names.h"
#include "web/dns.h"

#define RR_A 1
#define RR_TXT 16
#define RR_AAAA 28
#define RR_CAA 257
#define CLASS_IN 1

#define TIMEOUT_DEFAULT_MS 5000
#define LABEL_MAX 63
/* Records of one RRset we look at; a larger answer is refused. */
#define RRSET_MAX 256
/* Characters of a quoted name or record set in a message. */
#define QNAME_SIZE (NAME_DNS_MAX * 4 + 8)
#define RECORDS_SIZE 640
#define CAA_TAG_MAX 15
#define CAA_CRITICAL 0x80

struct dns {
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	bool private_addresses;
};

/* Around ub_ctx_create/ub_ctx_delete and ub_resolve_async (whose first
 * call applies the configuration): see above. */
static pthread_mutex_t ub_global = PTHREAD_MUTEX_INITIALIZER;

static void
ub_lock(void)
{
	if (pthread_mutex_lock(&ub_global) != 0)
		fe_fatal("dns: pthread_mutex_lock failed");
}

static void
ub_unlock(void)
{
	if (pthread_mutex_unlock(&ub_global) != 0)
		fe_fatal("dns: pthread_mutex_unlock failed");
}

/* One outstanding query: filled by the callback ub_process calls. */
struct query {
	int done;
	int err;
	struct ub_result *res;
};

char *
dns_quote(const char *p, size_t len, char *out, size_t outlen)
{
	return text_quote(p, len, SIZE_MAX, '"', out, outlen);
}

static const char *
qname(const char *name, char out[QNAME_SIZE])
{
	return dns_quote(name, strlen(name), out, QNAME_SIZE);
}

/* A name we may look up: LDH labels that may also hold '_' (as
 * _foureyes-challenge does), of 1..63 octets, 253 in all, no trailing dot.
 * Certificate names are checked more strictly by name_check_dns. */
static int
lookup_name_check(const char *name, struct fe_err *err)
{
	char q[QNAME_SIZE];
	size_t i, len, llen = 0;
	unsigned char c;

	if (name == NULL)
		return fe_err_set(err, "dns name: missing");
	len = strlen(name);
	if (len == 0 || len > NAME_DNS_MAX)
		return fe_err_set(err, "dns name '%s': RFC 1034 3.1: %zu "
		    "octets is not 1..%d", qname(name, q), len, NAME_DNS_MAX);
	for (i = 0; i <= len; i++) {
		c = (unsigned char)name[i];
		if (c == '.' || c == '\0') {
			if (llen == 0)
				return fe_err_set(err, "dns name '%s': RFC "
				    "1034 3.5: empty label", qname(name, q));
			llen = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return fe_err_set(err, "dns name '%s': byte 0x%02x is "
			    "not a letter, digit, hyphen, underscore or dot",
			    qname(name, q), c);
		if (++llen > LABEL_MAX)
			return fe_err_set(err, "dns name '%s': RFC 1034 3.1: "
			    "a label is longer than %d octets", qname(name, q),
			    LABEL_MAX);
	}
	return 0;
}

int
dns_open(const struct dns_conf *c, struct dns **out, struct fe_err *err)
{
	struct dns *d;
	FILE *f;
	int rc, ret;

	if (c == NULL)
		fe_fatal("dns_open without a configuration");
	d = fe_calloc(1, sizeof(*d));
	d->timeout_ms = c->timeout_ms != 0 ? c->timeout_ms :
	    TIMEOUT_DEFAULT_MS;
	ub_lock();
	d->ctx = ub_ctx_create();
	if (d->ctx == NULL) {
		ub_unlock();
		free(d);
		return fe_err_code(err, FE_EIO, "dns: libunbound: cannot "
		    "create a context");
	}
	/* The answer arrives on ub_fd from a libunbound thread, not from a
	 * forked process. */
	if ((rc = ub_ctx_async(d->ctx, 1)) != 0) {
		ret = fe_err_code(err, FE_EIO, "dns: libunbound: threads: %s",
		    ub_strerror(rc));
		goto fail;
	}
	/* The resolver may well be on loopback (a local unbound, or the test's
	 * nsd); RFC 8145 signalling only concerns the root anchor.  Domain
	 * control and CAA are evidence for an issuance: every lookup asks the
	 * resolver afresh, nothing is answered from this context's cache. */
	if ((rc = ub_ctx_set_option(d->ctx, "do-not-query-localhost:",
	    "no")) != 0 ||
	    (rc = ub_ctx_set_option(d->ctx, "trust-anchor-signaling:",
	    "no")) != 0 ||
	    (rc = ub_ctx_set_option(d->ctx, "cache-max-ttl:", "0")) != 0 ||
	    (rc = ub_ctx_set_option(d->ctx, "cache-max-negative-ttl:",
	    "0")) != 0) {
		ret = fe_err_code(err, FE_EIO, "dns: libunbound: option: %s",
		    ub_strerror(rc));
		goto fail;
	}
	if (c->resolver != NULL) {
		if ((rc = ub_ctx_set_fwd(d->ctx, c->resolver)) != 0) {
			ret = fe_err_code(err, FE_EINVAL, "dns: resolver "
			    "'%s': %s (want IP or IP@PORT)", c->resolver,
			    ub_strerror(rc));
			goto fail;
		}
	} else if ((rc = ub_ctx_resolvconf(d->ctx, NULL)) != 0) {
		ret = fe_err_code(err, FE_EIO, "dns: /etc/resolv.conf: %s",
		    rc == UB_READFILE ? strerror(errno) : ub_strerror(rc));
		goto fail;
	}
	if (c->trust_anchor != NULL) {
		/* libunbound reads the file at the first lookup; an unreadable
		 * one is reported now. */
		if ((f = fopen(c->trust_anchor, "r")) == NULL) {
			ret = fe_err_sys(err, "dns: trust anchor %s",
			    c->trust_anchor);
			goto fail;
		}
		fclose(f);
		if ((rc = ub_ctx_add_ta_file(d->ctx, c->trust_anchor)) != 0) {
			ret = fe_err_code(err, FE_EIO, "dns: trust anchor "
			    "%s: %s", c->trust_anchor, ub_strerror(rc));
			goto fail;
		}
	}
	/* Apply the configuration now (libunbound would at the first query)
	 * so that a trust anchor file that does not parse is reported here:
	 * adding a local zone finalizes the context, and "invalid." is one
	 * of libunbound's default local zones already, of this type. */
	if ((rc = ub_ctx_zone_add(d->ctx, "invalid.", "static")) != 0) {
		if (c->trust_anchor != NULL)
			ret = fe_err_code(err, FE_EIO, "dns: trust anchor %s: "
			    "libunbound: %s (its reason went to stderr)",
			    c->trust_anchor, ub_strerror(rc));
		else
			ret = fe_err_code(err, FE_EIO, "dns: libunbound: %s",
			    ub_strerror(rc));
		goto fail;
	}
	ub_unlock();
	*out = d;
	return 0;
fail:
	ub_ctx_delete(d->ctx);
	ub_unlock();
	free(d);
	return ret;
}

void
dns_close(struct dns *d)
{
	if (d == NULL)
		return;
	ub_lock();
	ub_ctx_delete(d->ctx);
	ub_unlock();
	free(d);
}

void
dns_set_private_addresses(struct dns *d, bool allow)
{
	d->private_addresses = allow;
}

bool
dns_private_addresses(const struct dns *d)
{
	return d != NULL && d->private_addresses;
}

void
dns_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
query_done(void *arg, int e, struct ub_result *res)
{
	struct query *q = arg;

	q->done = 1;
	q->err = e;
	q->res = res;
}

static const char *
rr_name(int type)
{
	switch (type) {
	case RR_A:
		return "A";
	case RR_TXT:
		return "TXT";
	case RR_AAAA:
		return "AAAA";
	case RR_CAA:
		return "CAA";
	default:
		return "?";
	}
}

static const char *
rcode_name(int rcode)
{
	switch (rcode) {
	case 1:
		return "FORMERR";
	case 2:
		return "SERVFAIL";
	case 4:
		return "NOTIMP";
	case 5:
		return "REFUSED";
	default:
		return "an error";
	}
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fe_fatal("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Look up name/type.  On 0, *out is the result (free with ub_resolve_free):
 * NOERROR or NXDOMAIN, validated or insecure; havedata says whether there
 * are records.  Everything else is FE_EIO naming the name and the reason.
 */
static int
lookup(struct dns *d, const char *name, int type, struct ub_result **out,
    struct fe_err *err)
{
	char q[QNAME_SIZE], why[256];
	struct query qy = { 0, 0, NULL };
	struct ub_result *res;
	struct pollfd pfd;
	int64_t deadline, left;
	int rc, id, n;

	if (d == NULL)
		fe_fatal("dns lookup without a context");
	qname(name, q);
	ub_lock();
	rc = ub_resolve_async(d->ctx, name, type, CLASS_IN, &qy, query_done,
	    &id);
	ub_unlock();
	if (rc != 0)
		return fe_err_code(err, FE_EIO, "DNS %s %s: %s", rr_name(type),
		    q, ub_strerror(rc));
	deadline = mono_ms() + d->timeout_ms;
	while (!qy.done) {
		left = deadline - mono_ms();
		if (left <= 0) {
			ub_cancel(d->ctx, id);
			return fe_err_code(err, FE_EIO, "DNS %s %s: no answer "
			    "within %u ms", rr_name(type), q, d->timeout_ms);
		}
		pfd.fd = ub_fd(d->ctx);
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR)
			fe_fatal("dns: poll: %s", strerror(errno));
		if (n > 0 && (rc = ub_process(d->ctx)) != 0) {
			if (qy.done)
				ub_resolve_free(qy.res);
			else
				ub_cancel(d->ctx, id);
			return fe_err_code(err, FE_EIO, "DNS %s %s: %s",
			    rr_name(type), q, ub_strerror(rc));
		}
	}
	if (qy.err != 0) {
		ub_resolve_free(qy.res);
		return fe_err_code(err, FE_EIO, "DNS %s %s: %s", rr_name(type),
		    q, ub_strerror(qy.err));
	}
	res = qy.res;
	if (res == NULL)
		return fe_err_code(err, FE_EIO, "DNS %s %s: no result",
		    rr_name(type), q);
	if (res->bogus) {
		if (res->why_bogus != NULL)
			dns_quote(res->why_bogus, strlen(res->why_bogus), why,
			    sizeof(why));
		else
			fe_snprintf(why, sizeof(why), "no reason given");
		ub_resolve_free(res);
		return fe_err_code(err, FE_EIO, "DNS %s %s: DNSSEC validation "
		    "failed (bogus): %s", rr_name(type), q, why);
	}
	if (res->rcode != 0 && res->rcode != 3) {
		rc = res->rcode;
		ub_resolve_free(res);
		return fe_err_code(err, FE_EIO, "DNS %s %s: the resolver "
		    "answered %s (rcode %d)", rr_name(type), q, rcode_name(rc),
		    rc);
	}
	for (n = 0; res->havedata && res->data[n] != NULL; n++)
		if (n == RRSET_MAX) {
			ub_resolve_free(res);
			return fe_err_code(err, FE_EIO, "DNS %s %s: more than "
			    "%d records", rr_name(type), q, RRSET_MAX);
		}
	*out = res;
	return 0;
}

/* The strings of one TXT record, concatenated; a 0 byte as "\000".  NULL
 * when the rdata does not parse. */
static char *
txt_join(const uint8_t *p, size_t len)
{
	char *s;
	size_t i, o = 0, l, n;

	/* each byte takes at most 4 characters */
	s = fe_malloc(len * 4 + 1);
	for (i = 0; i < len; i += l) {
		l = p[i++];
		if (l > len - i) {
			free(s);
			return NULL;
		}
		for (n = 0; n < l; n++) {
			if (p[i + n] == 0) {
				memcpy(s + o, "\\000", 4);
				o += 4;
			} else {
				s[o++] = (char)p[i + n];
			}
		}
	}
	s[o] = '\0';
	return s;
}

int
dns_txt(struct dns *d, const char *name, char ***out, size_t *n,
    struct fe_err *err)
{
	char q[QNAME_SIZE];
	struct ub_result *res;
	char **v;
	size_t i, count = 0;
	int rc;

	if ((rc = lookup_name_check(name, err)) != 0)
		return rc;
	if ((rc = lookup(d, name, RR_TXT, &res, err)) != 0)
		return rc;
	while (res->havedata && res->data[count] != NULL)
		count++;
	v = fe_calloc(count + 1, sizeof(*v));
	for (i = 0; i < count; i++) {
		v[i] = txt_join((const uint8_t *)res->data[i],
		    (size_t)res->len[i]);
		if (v[i] == NULL) {
			dns_strv_free(v, i);
			ub_resolve_free(res);
			return fe_err_code(err, FE_EIO, "DNS TXT %s: a record "
			    "does not parse", qname(name, q));
		}
	}
	ub_resolve_free(res);
	*out = v;
	*n = count;
	return 0;
}

int
dns_addr(struct dns *d, const char *name, char *out, size_t outlen,
    struct fe_err *err)
{
	static const int types[] = { RR_A, RR_AAAA };
	char q[QNAME_SIZE], text[INET6_ADDRSTRLEN];
	struct ub_result *res;
	size_t i;
	int rc, af;

	if ((rc = lookup_name_check(name, err)) != 0)
		return rc;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if ((rc = lookup(d, name, types[i], &res, err)) != 0)
			return rc;
		if (!res->havedata || res->data[0] == NULL) {
			ub_resolve_free(res);
			continue;
		}
		af = types[i] == RR_A ? AF_INET : AF_INET6;
		if (res->len[0] != (af == AF_INET ? 4 : 16) ||
		    inet_ntop(af, res->data[0], text, sizeof(text)) == NULL) {
			ub_resolve_free(res);
			return fe_err_code(err, FE_EIO, "DNS %s %s: a record "
			    "does not parse", rr_name(types[i]),
			    qname(name, q));
		}
		ub_resolve_free(res);
		if (fe_snprintf_ok(out, outlen, "%s", text) != 0)
			return fe_err_set(err, "DNS %s: address %s does not "
			    "fit in %zu bytes", qname(name, q), text, outlen);
		return 0;
	}
	return fe_err_code(err, FE_ENOENT, "DNS %s: no A or AAAA record",
	    qname(name, q));
}

/* ---- CAA, RFC 8659 ------------------------------------------------------ */

struct caa {
	uint8_t flags;
	char tag[CAA_TAG_MAX + 1];	/* lower case */
	const char *value;		/* not NUL-terminated */
	size_t vlen;
};

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 8659 4.1: flags, tag length, tag of 1..15 letters and digits, value.
 * -1 when the rdata does not parse. */
static int
caa_parse(const uint8_t *p, size_t len, struct caa *c)
{
	size_t tlen, i;

	if (len < 2)
		return -1;
	c->flags = p[0];
	tlen = p[1];
	if (tlen == 0 || tlen > CAA_TAG_MAX || tlen > len - 2)
		return -1;
	for (i = 0; i < tlen; i++) {
		if (!is_alnum(p[2 + i]))
			return -1;
		c->tag[i] = (char)(p[2 + i] | (p[2 + i] >= 'A' &&
		    p[2 + i] <= 'Z' ? 0x20 : 0));
	}
	c->tag[tlen] = '\0';
	c->value = (const char *)p + 2 + tlen;
	c->vlen = len - 2 - tlen;
	return 0;
}

static size_t
skip_wsp(const char *v, size_t len, size_t i)
{
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

/* label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT) ); the end of the
 * label at i, or i when there is none. */
static size_t
caa_label(const char *v, size_t len, size_t i)
{
	size_t end;

	if (i >= len || !is_alnum((unsigned char)v[i]))
		return i;
	end = ++i;
	while (i < len && (is_alnum((unsigned char)v[i]) || v[i] == '-')) {
		i++;
		if (is_alnum((unsigned char)v[i - 1]))
			end = i;
	}
	return end;
}

/*
 * RFC 8659 4.2:
 *   issue-value = *WSP [issuer-domain-name *WSP]
 *                 [";" *WSP [parameters *WSP]]
 *   issuer-domain-name = label *("." label)
 *   parameters = (parameter *WSP ";" *WSP parameters) / parameter
 *   parameter = tag *WSP "=" *WSP value
 *   value = *(%x21-3A / %x3C-7E)
 * On 0, the domain is v[*dom, *dom + *dlen) (*dlen 0: none).  -1 when the
 * value does not parse.
 */
static int
caa_issue_parse(const char *v, size_t len, size_t *dom, size_t *dlen)
{
	size_t i, e;
	unsigned char c;

	i = skip_wsp(v, len, 0);
	*dom = i;
	*dlen = 0;
	if ((e = caa_label(v, len, i)) != i) {
		i = e;
		while (i < len && v[i] == '.') {
			if ((e = caa_label(v, len, i + 1)) == i + 1)
				return -1;
			i = e;
		}
		*dlen = i - *dom;
		i = skip_wsp(v, len, i);
	}
	if (i == len)
		return 0;
	if (v[i] != ';')
		return -1;
	i = skip_wsp(v, len, i + 1);
	if (i == len)
		return 0;
	for (;;) {
		if ((e = caa_label(v, len, i)) == i)
			return -1;
		i = skip_wsp(v, len, e);
		if (i == len || v[i] != '=')
			return -1;
		i = skip_wsp(v, len, i + 1);
		while (i < len) {
			c = (unsigned char)v[i];
			if (c < 0x21 || c > 0x7e || c == ';')
				break;
			i++;
		}
		i = skip_wsp(v, len, i);
		if (i == len)
			return 0;
		if (v[i] != ';')
			return -1;
		i = skip_wsp(v, len, i + 1);
	}
}

static bool
caa_names_us(const struct caa *c, const char *const *identities)
{
	size_t dom, dlen, i;

	if (caa_issue_parse(c->value, c->vlen, &dom, &dlen) != 0 || dlen == 0)
		return false;
	for (i = 0; identities[i] != NULL; i++)
		if (strlen(identities[i]) == dlen &&
		    strncasecmp(identities[i], c->value + dom, dlen) == 0)
			return true;
	return false;
}

struct rdata {
	const uint8_t *p;
	size_t len;
};

/* DNSSEC canonical order (RFC 4034 6.3): bytewise, a prefix first. */
static int
rdata_cmp(const void *a, const void *b)
{
	const struct rdata *x = a, *y = b;
	int c;

	c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* The records of the set as text for the refusal, in canonical order (the
 * resolver's order changes from answer to answer):
 * FLAGS TAG "VALUE", ... */
static void
caa_records_text(const uint8_t *const *rdata, const size_t *len, size_t n,
    char out[RECORDS_SIZE])
{
	char v[RECORDS_SIZE], one[RECORDS_SIZE];
	struct rdata rd[RRSET_MAX];
	struct caa c;
	size_t o = 0, l, i;

	for (i = 0; i < n; i++) {
		rd[i].p = rdata[i];
		rd[i].len = len[i];
	}
	qsort(rd, n, sizeof(rd[0]), rdata_cmp);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (caa_parse(rd[i].p, rd[i].len, &c) != 0)
			fe_snprintf(one, sizeof(one), "%s(a record that does "
			    "not parse)", i > 0 ? ", " : "");
		else
			fe_snprintf(one, sizeof(one), "%s%u %s \"%s\"",
			    i > 0 ? ", " : "", c.flags, c.tag,
			    dns_quote(c.value, c.vlen, v, 256));
		l = strlen(one);
		if (o + l + 4 > RECORDS_SIZE) {
			memcpy(out + o, "...", 4);
			return;
		}
		memcpy(out + o, one, l + 1);
		o += l;
	}
}

int
caa_eval(const char *domain, const uint8_t *const *rdata, const size_t *len,
    size_t n, bool wildcard, const char *const *identities,
    struct fe_err *err)
{
	char q[QNAME_SIZE], text[RECORDS_SIZE];
	struct caa c;
	const char *prop;
	bool any_issue = false, any_wild = false, bad = false, ok = false;
	size_t i;

	if (identities == NULL)
		fe_fatal("caa_eval without identities");
	if (n > RRSET_MAX)
		return fe_err_code(err, FE_EPOLICY, "C4: CAA at %s: more than "
		    "%d records", qname(domain, q), RRSET_MAX);
	for (i = 0; i < n; i++) {
		if (caa_parse(rdata[i], len[i], &c) != 0) {
			/* it might have been anything, even critical */
			bad = true;
			continue;
		}
		if (strcmp(c.tag, "issue") == 0)
			any_issue = true;
		else if (strcmp(c.tag, "issuewild") == 0)
			any_wild = true;
		else if (strcmp(c.tag, "iodef") != 0 &&
		    (c.flags & CAA_CRITICAL) != 0)
			bad = true;	/* RFC 8659 4.1: unknown and critical */
	}
	/* RFC 8659 4.3: issuewild rules wildcards when there is any */
	prop = wildcard && any_wild ? "issuewild" : "issue";
	if (!bad && (wildcard ? !any_wild && !any_issue : !any_issue))
		return 0;
	for (i = 0; !bad && i < n; i++)
		if (caa_parse(rdata[i], len[i], &c) == 0 &&
		    strcmp(c.tag, prop) == 0 && caa_names_us(&c, identities))
			ok = true;
	if (ok)
		return 0;
	caa_records_text(rdata, len, n, text);
	return fe_err_code(err, FE_EPOLICY, "C4: CAA at %s forbids issuance: "
	    "%s", qname(domain, q), text);
}

int
caa_check(struct dns *d, const char *fqdn, bool wildcard,
    const char *const *identities, struct fe_err *err)
{
	const uint8_t *rdata[RRSET_MAX];
	size_t len[RRSET_MAX], n;
	char q[QNAME_SIZE];
	struct ub_result *res;
	const char *name, *dot;
	int rc;

	if (identities == NULL)
		fe_fatal("caa_check without identities");
	if (fqdn != NULL && strncmp(fqdn, "*.", 2) == 0) {
		wildcard = true;
		fqdn += 2;
	}
	if ((rc = name_check_dns(fqdn, false, false, err)) != 0)
		return rc;
	/* RFC 8659 3: climb to, not including, the root */
	for (name = fqdn; name != NULL; name = dot != NULL ? dot + 1 : NULL) {
		dot = strchr(name, '.');
		if ((rc = lookup(d, name, RR_CAA, &res, err)) != 0)
			return rc;
		if (res->havedata && res->data[0] != NULL) {
			for (n = 0; res->data[n] != NULL; n++) {
				/* a hostile zone can send thousands (TCP) */
				if (n == RRSET_MAX) {
					rc = fe_err_code(err, FE_EPOLICY,
					    "C4: CAA at %s: more than %d "
					    "records", qname(name, q),
					    RRSET_MAX);
					ub_resolve_free(res);
					return rc;
				}
				rdata[n] = (const uint8_t *)res->data[n];
				len[n] = (size_t)res->len[n];
			}
			rc = caa_eval(name, rdata, len, n, wildcard,
			    identities, err);
			ub_resolve_free(res);
			return rc;
		}
		ub_resolve_free(res);
	}
	return 0;
}
