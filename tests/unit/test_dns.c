/*
 * test_dns.c - fe-web's DNS lookups and domain control validation (dns.c,
 * dcv.c) against a real authoritative server: Debian's nsd, started on a
 * free loopback port by scripts/nsd-run with zones this test writes, and
 * libunbound forwarding to it.  No mock resolver.  The HTTP check fetches
 * from a tiny HTTP server in a thread of this test.  DNSSEC: zones signed
 * with ldns-keygen and ldns-signzone, their DS records as trust anchors; a
 * zone changed after signing must give an error, not data.
 *
 * The zones are under the TLD "example" (RFC 2606), which nsd also serves,
 * so that every name up to the TLD has an answer (CAA climbs that far):
 * not under "test", which libunbound answers itself as a default local
 * zone (NXDOMAIN) without asking the resolver.
 *
 * The test makes itself a child subreaper so that nsd's processes, which
 * leave their parent when nsd daemonizes, are reaped here and none is left
 * behind (not even a zombie) when the test ends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "web/dcv.h"
#include "web/dns.h"

#define TOKEN "tok_0123456789abcdefXYZ"
#define CA "ca.foureyes.example"

static const char *const ids[] = { "other-name.example", CA, NULL };

static struct {
	char root[PATH_MAX];	/* the repository */
	char dir[PATH_MAX];	/* temp dir: zones, nsd.conf, keys */
	char resolver[64];	/* 127.0.0.1@PORT */
	char ta[PATH_MAX + 16];	/* trust anchor file */
	unsigned port;
	bool nsd_up;
	unsigned serial;
	/* the HTTP server */
	int http_fd;
	unsigned http_port;
	pthread_t http_thread;
	volatile int http_stop;
} g;

/* ---- helpers ------------------------------------------------------------ */

static void
assert_msg(const struct fe_err *err, const char *want)
{
	if (strstr(err->msg, want) == NULL)
		fail_msg("message '%s' does not contain '%s'", err->msg, want);
}

static int
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
write_file(const char *name, const char *text)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 80];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g.dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* The repository: FE_ROOT, or the nearest directory above this executable
 * (build/X/tests/test_dns) that has scripts/nsd-run. */
static int
find_root(void)
{
	char probe[PATH_MAX + 32];
	const char *env = getenv("FE_ROOT");
	ssize_t n;
	char *s;

	if (env != NULL && env[0] != '\0') {
		snprintf(g.root, sizeof(g.root), "%s", env);
		snprintf(probe, sizeof(probe), "%s/scripts/nsd-run", g.root);
		return access(probe, X_OK);
	}
	n = readlink("/proc/self/exe", g.root, sizeof(g.root) - 1);
	if (n <= 0)
		return -1;
	g.root[n] = '\0';
	while ((s = strrchr(g.root, '/')) != NULL && s != g.root) {
		*s = '\0';
		snprintf(probe, sizeof(probe), "%s/scripts/nsd-run", g.root);
		if (access(probe, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* A port free for both UDP and TCP on 127.0.0.1 right now. */
static unsigned
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int u, t;
	unsigned port;

	for (;;) {
		u = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(u >= 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(u, (struct sockaddr *)&a, &len),
		    0);
		port = ntohs(a.sin_port);
		t = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(t >= 0);
		if (bind(t, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(t);
			close(u);
			return port;
		}
		close(t);
		close(u);
	}
}

/* Reap every descendant re-parented to us (nsd's processes, nsd-run's
 * watcher, which ends within 0.5 s of nsd), waiting at most 10 s. */
static void
reap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pid_t p;
	int i;

	for (i = 0; i < 200; i++) {
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			return;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "test_dns: a child process did not end\n");
}

static struct dns *
open_dns(bool anchored, unsigned timeout_ms)
{
	struct dns_conf c = { g.resolver, anchored ? g.ta : NULL, timeout_ms };
	struct fe_err err = { "" };
	struct dns *d = NULL;

	if (dns_open(&c, &d, &err) != 0)
		fail_msg("dns_open: %s", err.msg);
	/* the test's web server is on 127.0.0.1 */
	dns_set_private_addresses(d, true);
	return d;
}

/* ---- zones -------------------------------------------------------------- */

#define SOA(origin) \
	"$ORIGIN " origin ".\n$TTL 1\n" \
	"@ IN SOA ns.example. hostmaster.example. @SERIAL@ 3600 600 86400 1\n" \
	"@ IN NS ns.example.\n"

static const char zone_tld[] =
    SOA("example")
    "ns IN A 127.0.0.1\n";

static const char zone_example[] =
    SOA("dcv.example")
    "@ IN A 127.0.0.1\n"
    "v6only IN AAAA ::1\n"
    "noaddr IN TXT \"no address here\"\n"
    "_foureyes-challenge IN TXT \"" TOKEN "\"\n"
    "_foureyes-challenge.multi IN TXT \"first\"\n"
    "_foureyes-challenge.multi IN TXT \"tok_0123456789\" \"abcdefXYZ\"\n"
    "_foureyes-challenge.multi IN TXT \"third\"\n"
    "_foureyes-challenge.wrong IN TXT \"not-the-token\"\n"
    "_foureyes-challenge.wrong IN TXT \"" TOKEN "x\"\n"
    "_foureyes-challenge.nul IN TXT \"" TOKEN "\\000junk\"\n"
    "wrong IN A 127.0.0.1\n"
    "issue IN CAA 0 issue \"" CA "\"\n"
    "other IN CAA 0 issue \"letsencrypt.org\"\n"
    "empty IN CAA 0 issue \";\"\n"
    "emptystr IN CAA 0 issue \"\"\n"
    "wild IN CAA 0 issue \"letsencrypt.org\"\n"
    "wild IN CAA 0 issuewild \"" CA "\"\n"
    "wildfallback IN CAA 0 issue \"" CA "\"\n"
    "wildno IN CAA 0 issue \"" CA "\"\n"
    "wildno IN CAA 0 issuewild \";\"\n"
    "wildonly IN CAA 0 issuewild \"letsencrypt.org\"\n"
    "crit IN CAA 0 issue \"" CA "\"\n"
    "crit IN CAA 128 tbs \"unknown\"\n"
    "noncrit IN CAA 0 issue \"" CA "\"\n"
    "noncrit IN CAA 0 tbs \"unknown\"\n"
    "iodef IN CAA 0 iodef \"mailto:security@dcv.example\"\n"
    "critiodef IN CAA 128 iodef \"mailto:security@dcv.example\"\n"
    "critiodef IN CAA 0 issue \"" CA "\"\n"
    "parent IN CAA 0 issue \"" CA "\"\n"
    "x.parent IN TXT \"a name without CAA under parent\"\n"
    "own.parent IN CAA 0 issue \"letsencrypt.org\"\n"
    "deny IN CAA 0 issue \"letsencrypt.org\"\n"
    "allow.deny IN CAA 0 issue \"" CA "\"\n"
    "params IN CAA 0 issue \"" CA "; account=12345 ;policy=ev\"\n"
    "params2 IN CAA 0 issue \"  " CA " ;\"\n"
    "badparams IN CAA 0 issue \"" CA "; account\"\n"
    "badparams2 IN CAA 0 issue \"" CA "; a=b;\"\n"
    "baddomain IN CAA 0 issue \"" CA ".\"\n"
    /* upper case tags in RFC 3597 form (nsd's parser wants lower case):
     * 0 ISSUE "Ca.FourEyes.Example", 0 IssueWild "CA.FOUREYES.EXAMPLE",
     * 128 TBS "x", and a record with a tag of length 0 */
    "case IN TYPE257 \\# 26 0005495353554543612e466f7572457965732e4578"
    "616d706c65\n"
    "casewild IN TYPE257 \\# 30 0009497373756557696c6443412e464f55524559"
    "45532e4558414d504c45\n"
    "critupper IN CAA 0 issue \"" CA "\"\n"
    "critupper IN TYPE257 \\# 6 800354425378\n"
    "malformed IN CAA 0 issue \"" CA "\"\n"
    "malformed IN TYPE257 \\# 3 000078\n"
    "several IN CAA 0 issue \"letsencrypt.org\"\n"
    "several IN CAA 0 issue \"" CA "\"\n"
    "cname IN CNAME other\n"
    "cnameok IN CNAME issue\n";

/* Signed with a key whose DS is a trust anchor. */
static const char zone_signed[] =
    SOA("signed.example")
    "@ IN A 127.0.0.1\n"
    "_foureyes-challenge IN TXT \"" TOKEN "\"\n"
    "@ IN CAA 0 issue \"" CA "\"\n";

/* Signed, then a TXT record changed: bogus. */
static const char zone_tampered[] =
    SOA("tampered.example")
    "_foureyes-challenge IN TXT \"original\"\n"
    "@ IN CAA 0 issue \"letsencrypt.org\"\n";

/* Under a trust anchor but served without signatures: bogus. */
static const char zone_unsigned[] =
    SOA("unsigned.example")
    "_foureyes-challenge IN TXT \"" TOKEN "\"\n";

/* The zone text with its serial put in for @SERIAL@. */
static void
write_zone(const char *file, const char *zone)
{
	char text[8192];
	const char *at = strstr(zone, "@SERIAL@");
	int n;

	assert_non_null(at);
	n = snprintf(text, sizeof(text), "%.*s%u%s", (int)(at - zone), zone,
	    g.serial, at + strlen("@SERIAL@"));
	assert_true(n > 0 && (size_t)n < sizeof(text));
	write_file(file, text);
}

/* A key for zone in g.dir; its DS goes to the trust anchor file. */
static void
make_key(const char *zone, char *base, size_t baselen)
{
	char cmd[PATH_MAX + 128];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "cd '%s' && ldns-keygen -r /dev/urandom "
	    "-a ECDSAP256SHA256 -k %s", g.dir, zone);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(base, (int)baselen, p));
	assert_int_equal(pclose(p), 0);
	n = strlen(base);
	while (n > 0 && (base[n - 1] == '\n' || base[n - 1] == '\r'))
		base[--n] = '\0';
	assert_int_equal(run("cat '%s/%s.ds' >>'%s'", g.dir, base, g.ta), 0);
}

static void
write_zones(void)
{
	char key[256];

	g.serial++;
	write_zone("example.zone", zone_tld);
	write_zone("dcv.example.zone", zone_example);
	/* more CAA records than caa_check takes (the answer comes by TCP) */
	assert_int_equal(run("cd '%s' && for i in $(seq 300); do echo \"many IN "
	    "CAA 0 issue \\\"ca$i.example\\\"\"; done >>dcv.example.zone",
	    g.dir), 0);
	write_zone("signed.example.in", zone_signed);
	write_zone("tampered.example.in", zone_tampered);
	write_zone("unsigned.example.zone", zone_unsigned);
	if (g.serial == 1) {
		snprintf(g.ta, sizeof(g.ta), "%s/anchors", g.dir);
		write_file("anchors", "");
		make_key("signed.example", key, sizeof(key));
		assert_int_equal(run("cd '%s' && ldns-signzone -f "
		    "signed.example.zone signed.example.in %s", g.dir, key), 0);
		make_key("tampered.example", key, sizeof(key));
		assert_int_equal(run("cd '%s' && ldns-signzone -f "
		    "tampered.example.zone tampered.example.in %s && sed -i "
		    "'s/\"original\"/\"" TOKEN "\"/' tampered.example.zone && "
		    "grep -q '" TOKEN "' tampered.example.zone", g.dir, key),
		    0);
		/* a key never used: unsigned.example must be signed by it */
		make_key("unsigned.example", key, sizeof(key));
	}
}

/* ---- the HTTP server ---------------------------------------------------- */

/* Answers by token: TOKEN the token, "...wrongbody" another text,
 * "...notfound" 404, "...redirect" a redirect to the TOKEN URL,
 * "...bigbody" 5000 bytes. */
/* The request line's path is the check's file for token (and the token
 * itself is not in the request: BR 3.2.2.4.18). */
static bool
path_is(const char *reqpath, const char *token)
{
	char p[DCV_HTTP_PATH_MAX];
	size_t n;

	dcv_http_path(token, p);
	n = strlen(p);
	assert_null(strstr(reqpath, TOKEN));
	return strncmp(reqpath, p, n) == 0 && reqpath[n] == ' ';
}

static void
http_answer(int c)
{
	char req[4096], resp[8192], big[5001];
	size_t len = 0;
	ssize_t n;
	const char *path, *status = "200 OK", *body = "", *extra = "";
	char loc[256];

	while (len < sizeof(req) - 1) {
		n = read(c, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			return;
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	path = strchr(req, ' ');
	if (path == NULL)
		return;
	path++;
	if (path_is(path, TOKEN)) {
		body = "  \r\n" TOKEN "\n\n";
	} else if (path_is(path, TOKEN "wrongbody")) {
		body = "<html>parked domain</html>";
	} else if (path_is(path, TOKEN "redirect")) {
		char p2[DCV_HTTP_PATH_MAX];

		dcv_http_path(TOKEN, p2);
		status = "302 Found";
		snprintf(loc, sizeof(loc), "Location: http://dcv.example:%u"
		    "%s\r\n", g.http_port, p2);
		extra = loc;
		body = TOKEN;
	} else if (path_is(path, TOKEN "bigbody")) {
		memset(big, 'a', 5000);
		big[5000] = '\0';
		body = big;
	} else {
		status = "404 Not Found";
		body = "not found";
	}
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\nContent-Type: "
	    "text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n"
	    "%s", status, strlen(body), extra, body);
	if (n > 0 && write(c, resp, (size_t)n) != n)
		return;
}

static void *
http_main(void *arg)
{
	struct pollfd p;
	int c;

	(void)arg;
	while (!g.http_stop) {
		p.fd = g.http_fd;
		p.events = POLLIN;
		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(g.http_fd, NULL, NULL);
		if (c < 0)
			continue;
		http_answer(c);
		close(c);
	}
	return NULL;
}

static void
http_start(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;

	g.http_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(g.http_fd >= 0);
	setsockopt(g.http_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(g.http_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(g.http_fd, 16), 0);
	assert_int_equal(getsockname(g.http_fd, (struct sockaddr *)&a, &len),
	    0);
	g.http_port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&g.http_thread, NULL, http_main, NULL),
	    0);
}

/* ---- setup -------------------------------------------------------------- */

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
group_setup(void **state)
{
	int i;

	(void)state;
	/* nsd's processes are re-parented to us, to be reaped at the end */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) != 0)
		return -1;
	if (find_root() != 0) {
		fprintf(stderr, "test_dns: no scripts/nsd-run under %s (set "
		    "FE_ROOT)\n", g.root);
		return -1;
	}
	snprintf(g.dir, sizeof(g.dir), "/tmp/fe-dns.XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		return -1;
	write_zones();
	for (i = 0; i < 5; i++) {
		g.port = free_port();
		if (run("NSD_RUN_OWNER=%ld '%s/scripts/nsd-run' start '%s' %u "
		    "example.zone dcv.example.zone signed.example.zone "
		    "tampered.example.zone unsigned.example.zone >/dev/null",
		    (long)getpid(), g.root, g.dir, g.port) == 0) {
			g.nsd_up = true;
			break;
		}
	}
	if (!g.nsd_up)
		return -1;
	snprintf(g.resolver, sizeof(g.resolver), "127.0.0.1@%u", g.port);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	http_start();
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (g.http_thread) {
		g.http_stop = 1;
		pthread_join(g.http_thread, NULL);
		close(g.http_fd);
	}
	if (g.nsd_up)
		run("'%s/scripts/nsd-run' stop '%s'", g.root, g.dir);
	reap();
	curl_global_cleanup();
	if (getenv("FE_TEST_KEEP") != NULL)
		fprintf(stderr, "test_dns: kept %s\n", g.dir);
	else if (g.dir[0] != '\0')
		nftw(g.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- TXT, addresses, failures ------------------------------------------- */

static void
txt_found_absent_several(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(false, 0);
	char **v = NULL;
	size_t n = 99, i;
	bool first = false, joined = false, third = false;

	(void)state;
	assert_int_equal(dns_txt(d, "_foureyes-challenge.dcv.example", &v, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], TOKEN);
	dns_strv_free(v, n);

	/* several records, one of two strings joined */
	assert_int_equal(dns_txt(d, "_foureyes-challenge.multi.dcv.example",
	    &v, &n, &err), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		first |= strcmp(v[i], "first") == 0;
		joined |= strcmp(v[i], TOKEN) == 0;
		third |= strcmp(v[i], "third") == 0;
	}
	assert_true(first && joined && third);
	dns_strv_free(v, n);

	/* a 0 byte comes back as text, never ends the string */
	assert_int_equal(dns_txt(d, "_foureyes-challenge.nul.dcv.example",
	    &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], TOKEN "\\000junk");
	dns_strv_free(v, n);

	/* NXDOMAIN and NODATA */
	n = 99;
	assert_int_equal(dns_txt(d, "nothing.dcv.example", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	dns_strv_free(v, n);
	n = 99;
	assert_int_equal(dns_txt(d, "dcv.example", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	dns_strv_free(v, n);

	/* names that are not names */
	assert_int_equal(dns_txt(d, "a..dcv.example", &v, &n, &err),
	    FE_EINVAL);
	assert_msg(&err, "empty label");
	assert_int_equal(dns_txt(d, "a b.dcv.example", &v, &n, &err),
	    FE_EINVAL);
	assert_msg(&err, "byte 0x20");
	dns_close(d);
}

static void
txt_servfail_and_timeout(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(false, 0);
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct dns_conf c = { NULL, NULL, 300 };
	char resolver[64], bad[PATH_MAX + 16];
	char **v = NULL;
	size_t n = 99;
	int hole;

	(void)state;
	/* nsd refuses a zone it does not serve; unbound says SERVFAIL */
	assert_int_equal(dns_txt(d, "elsewhere.org", &v, &n, &err),
	    FE_EIO);
	assert_msg(&err, "DNS TXT elsewhere.org: ");
	assert_msg(&err, "SERVFAIL");
	assert_int_equal(n, 99);
	dns_close(d);

	/* a resolver that never answers */
	hole = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(hole >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(hole, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(hole, (struct sockaddr *)&a, &len), 0);
	snprintf(resolver, sizeof(resolver), "127.0.0.1@%u",
	    ntohs(a.sin_port));
	c.resolver = resolver;
	assert_int_equal(dns_open(&c, &d, &err), 0);
	assert_int_equal(dns_txt(d, "dcv.example", &v, &n, &err), FE_EIO);
	assert_msg(&err, "DNS TXT dcv.example: no answer within 300 ms");
	assert_int_equal(caa_check(d, "dcv.example", false, ids, &err),
	    FE_EIO);
	assert_msg(&err, "DNS CAA dcv.example: no answer within 300 ms");
	dns_close(d);
	close(hole);

	/* configuration errors */
	c.resolver = "not-an-address";
	d = NULL;
	assert_int_equal(dns_open(&c, &d, &err), FE_EINVAL);
	assert_msg(&err, "resolver 'not-an-address'");
	assert_null(d);
	/* /etc/resolv.conf: opens (no lookup made: CI may have no DNS) */
	c.resolver = NULL;
	if (access("/etc/resolv.conf", R_OK) == 0) {
		assert_int_equal(dns_open(&c, &d, &err), 0);
		dns_close(d);
		d = NULL;
	}
	c.resolver = g.resolver;
	c.trust_anchor = "/nonexistent/anchors";
	assert_int_equal(dns_open(&c, &d, &err), FE_EIO);
	assert_msg(&err, "trust anchor /nonexistent/anchors");
	assert_null(d);
	write_file("bad-anchors", "signed.example. IN DS 1 2 3 not-hex\n");
	snprintf(bad, sizeof(bad), "%s/bad-anchors", g.dir);
	c.trust_anchor = bad;
	assert_int_equal(dns_open(&c, &d, &err), FE_EIO);
	assert_msg(&err, "bad-anchors: libunbound: ");
	assert_null(d);
}

static void
addr_a_aaaa_none(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(false, 0);
	char out[64], small[4];

	(void)state;
	assert_int_equal(dns_addr(d, "dcv.example", out, sizeof(out), &err),
	    0);
	assert_string_equal(out, "127.0.0.1");
	assert_int_equal(dns_addr(d, "v6only.dcv.example", out, sizeof(out),
	    &err), 0);
	assert_string_equal(out, "::1");
	assert_int_equal(dns_addr(d, "noaddr.dcv.example", out, sizeof(out),
	    &err), FE_ENOENT);
	assert_msg(&err, "noaddr.dcv.example: no A or AAAA record");
	assert_int_equal(dns_addr(d, "dcv.example", small, sizeof(small),
	    &err), FE_EINVAL);
	assert_int_equal(dns_addr(d, "elsewhere.org", out, sizeof(out),
	    &err), FE_EIO);
	dns_close(d);
}

/* ---- domain control ----------------------------------------------------- */

static void
dcv_dns_ok_and_refused(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(false, 0);

	(void)state;
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN, &err), 0);
	assert_int_equal(dcv_dns(d, "multi.dcv.example", TOKEN, &err), 0);

	assert_int_equal(dcv_dns(d, "wrong.dcv.example", TOKEN, &err),
	    FE_EPOLICY);
	assert_msg(&err, "DNS: no TXT record at "
	    "_foureyes-challenge.wrong.dcv.example equals the token (found: ");
	assert_msg(&err, "\"not-the-token\"");
	assert_msg(&err, "\"" TOKEN "x\"");

	/* the token followed by a 0 byte and more is not the token */
	assert_int_equal(dcv_dns(d, "nul.dcv.example", TOKEN, &err),
	    FE_EPOLICY);

	assert_int_equal(dcv_dns(d, "nothing.dcv.example", TOKEN, &err),
	    FE_EPOLICY);
	assert_msg(&err, "(found: none)");

	assert_int_equal(dcv_dns(d, "example.org", TOKEN, &err), FE_EIO);

	/* bad input never reaches the resolver */
	assert_int_equal(dcv_dns(d, "Dcv.example", TOKEN, &err), FE_EINVAL);
	assert_msg(&err, "lower case");
	assert_int_equal(dcv_dns(d, "dcv.example", "short", &err), FE_EINVAL);
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN "/../x", &err),
	    FE_EINVAL);
	assert_msg(&err, "byte 0x2f");
	dns_close(d);
}

static void
dcv_http_cases(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(false, 0);
	struct dns_conf c = { NULL, NULL, 0 };
	unsigned p = g.http_port;
	char want[256], hp[DCV_HTTP_PATH_MAX];

	(void)state;
	assert_int_equal(dcv_http(d, "dcv.example", TOKEN, p, &err), 0);

	assert_int_equal(dcv_http(d, "dcv.example", TOKEN "wrongbody", p,
	    &err), FE_EPOLICY);
	dcv_http_path(TOKEN "wrongbody", hp);
	snprintf(want, sizeof(want), "HTTP: GET http://dcv.example:%u"
	    "%s (127.0.0.1): the body is not the "
	    "token (found: \"<html>parked domain</html>\")", p, hp);
	assert_string_equal(err.msg, want);

	assert_int_equal(dcv_http(d, "dcv.example", TOKEN "notfound", p,
	    &err), FE_EPOLICY);
	assert_msg(&err, "answered 404, not 200");

	/* the redirect target would pass: it must not be followed */
	assert_int_equal(dcv_http(d, "dcv.example", TOKEN "redirect", p,
	    &err), FE_EPOLICY);
	assert_msg(&err, "answered 302, a redirect to http://dcv.example:");
	assert_msg(&err, "redirects are not followed");

	assert_int_equal(dcv_http(d, "dcv.example", TOKEN "bigbody", p,
	    &err), FE_EPOLICY);
	assert_msg(&err, "longer than 4096 bytes");

	assert_int_equal(dcv_http(d, "noaddr.dcv.example", TOKEN, p, &err),
	    FE_EPOLICY);
	assert_msg(&err, "HTTP: noaddr.dcv.example has no A or AAAA record");

	assert_int_equal(dcv_http(d, "example.org", TOKEN, p, &err),
	    FE_EIO);

	/* a port nothing listens on: the connection is refused */
	assert_int_equal(dcv_http(d, "dcv.example", TOKEN, free_port(),
	    &err), FE_EPOLICY);
	assert_msg(&err, "HTTP: GET http://dcv.example:");

	/* an AAAA only: curl is pinned to [::1] (nothing listens there, or
	 * no IPv6 at all); it never resolves the name itself */
	assert_int_equal(dcv_http(d, "v6only.dcv.example", TOKEN, p, &err),
	    FE_EPOLICY);
	assert_msg(&err, "(::1): ");
	if (strstr(err.msg, "resolve") != NULL)
		fail_msg("curl resolved a name: %s", err.msg);

	assert_int_equal(dcv_http(d, "dcv.example", TOKEN, 70000, &err),
	    FE_EINVAL);
	dns_close(d);

	/* by default only public addresses: 127.0.0.1 and ::1 are not */
	c.resolver = g.resolver;
	assert_int_equal(dns_open(&c, &d, &err), 0);
	assert_false(dns_private_addresses(d));
	assert_int_equal(dcv_http(d, "dcv.example", TOKEN, p, &err),
	    FE_EPOLICY);
	assert_msg(&err, "HTTP: dcv.example: will not connect to a non-public "
	    "address: ip address '127.0.0.1': BR 7.1.2.7.12");
	assert_int_equal(dcv_http(d, "v6only.dcv.example", TOKEN, p, &err),
	    FE_EPOLICY);
	assert_msg(&err, "'::1'");
	dns_close(d);
}

static void
dcv_mailboxes_listed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; dcv_mailboxes[i] != NULL; i++)
		assert_true(dcv_mailbox_ok(dcv_mailboxes[i]));
	assert_int_equal(i, 5);
	assert_true(dcv_mailbox_ok("admin"));
	assert_true(dcv_mailbox_ok("administrator"));
	assert_true(dcv_mailbox_ok("hostmaster"));
	assert_true(dcv_mailbox_ok("postmaster"));
	assert_true(dcv_mailbox_ok("webmaster"));
	assert_false(dcv_mailbox_ok("root"));
	assert_false(dcv_mailbox_ok("Admin"));
	assert_false(dcv_mailbox_ok("admin "));
	assert_false(dcv_mailbox_ok(""));
	assert_false(dcv_mailbox_ok(NULL));
}

/* ---- CAA ---------------------------------------------------------------- */

struct caa_case {
	const char *name;
	bool wildcard;
	int rc;
	const char *msg;	/* part of the message, or NULL */
};

static void
caa_cases(void **state)
{
	static const struct caa_case cases[] = {
		/* no CAA from the name up to example. */
		{ "dcv.example", false, 0, NULL },
		{ "www.none.dcv.example", false, 0, NULL },
		{ "www.none.dcv.example", true, 0, NULL },
		{ "issue.dcv.example", false, 0, NULL },
		{ "other.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at other.dcv.example forbids issuance: "
		  "0 issue \"letsencrypt.org\"" },
		{ "empty.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at empty.dcv.example forbids issuance: "
		  "0 issue \";\"" },
		{ "emptystr.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at emptystr.dcv.example forbids issuance: "
		  "0 issue \"\"" },
		/* issuewild for wildcards, issue for the rest */
		{ "wild.dcv.example", true, 0, NULL },
		{ "*.wild.dcv.example", false, 0, NULL },
		{ "wild.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at wild.dcv.example forbids issuance" },
		{ "wildfallback.dcv.example", true, 0, NULL },
		{ "wildno.dcv.example", false, 0, NULL },
		{ "wildno.dcv.example", true, FE_EPOLICY,
		  "C4: CAA at wildno.dcv.example forbids issuance" },
		{ "wildonly.dcv.example", false, 0, NULL },
		{ "wildonly.dcv.example", true, FE_EPOLICY,
		  "0 issuewild \"letsencrypt.org\"" },
		/* unknown tags */
		{ "crit.dcv.example", false, FE_EPOLICY,
		  "128 tbs \"unknown\"" },
		{ "noncrit.dcv.example", false, 0, NULL },
		{ "iodef.dcv.example", false, 0, NULL },
		{ "critiodef.dcv.example", false, 0, NULL },
		/* climbing: the parent's set applies, the child's overrides */
		{ "parent.dcv.example", false, 0, NULL },
		{ "x.parent.dcv.example", false, 0, NULL },
		{ "a.b.c.parent.dcv.example", false, 0, NULL },
		{ "own.parent.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at own.parent.dcv.example forbids" },
		{ "www.own.parent.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at own.parent.dcv.example forbids" },
		{ "deny.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at deny.dcv.example forbids" },
		{ "www.deny.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at deny.dcv.example forbids" },
		{ "allow.deny.dcv.example", false, 0, NULL },
		{ "www.allow.deny.dcv.example", false, 0, NULL },
		/* parameters */
		{ "params.dcv.example", false, 0, NULL },
		{ "params2.dcv.example", false, 0, NULL },
		{ "badparams.dcv.example", false, FE_EPOLICY,
		  "account\"" },
		{ "badparams2.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at badparams2.dcv.example" },
		{ "baddomain.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at baddomain.dcv.example" },
		/* case */
		{ "case.dcv.example", false, 0, NULL },
		{ "casewild.dcv.example", true, 0, NULL },
		{ "casewild.dcv.example", false, 0, NULL },
		{ "critupper.dcv.example", false, FE_EPOLICY,
		  "128 tbs \"x\"" },
		{ "malformed.dcv.example", false, FE_EPOLICY,
		  "(a record that does not parse)" },
		{ "several.dcv.example", false, 0, NULL },
		/* more records than the cap: refused, not overflowed */
		{ "many.dcv.example", false, FE_EIO,
		  "DNS CAA many.dcv.example: more than 256 records" },
		/* CNAME: the target's set */
		{ "cname.dcv.example", false, FE_EPOLICY,
		  "C4: CAA at cname.dcv.example forbids issuance: "
		  "0 issue \"letsencrypt.org\"" },
		{ "cnameok.dcv.example", false, 0, NULL },
		/* a failed lookup is no permission */
		{ "example.org", false, FE_EIO, "DNS CAA example.org" },
		{ "Dcv.example", false, FE_EINVAL, "lower case" },
	};
	static const char *const only_other[] = { "letsencrypt.org", NULL };
	static const char *const none[] = { NULL };
	struct fe_err err;
	struct dns *d = open_dns(false, 0);
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		rc = caa_check(d, cases[i].name, cases[i].wildcard, ids, &err);
		if (rc != cases[i].rc)
			fail_msg("%s%s: rc %d, want %d (%s)",
			    cases[i].wildcard ? "wildcard " : "",
			    cases[i].name, rc, cases[i].rc, err.msg);
		if (cases[i].msg != NULL && strstr(err.msg, cases[i].msg) ==
		    NULL)
			fail_msg("%s:\n got  %s\n want %s", cases[i].name,
			    err.msg, cases[i].msg);
	}
	/* the other CA's identity, and nobody's */
	assert_int_equal(caa_check(d, "other.dcv.example", false, only_other,
	    &err), 0);
	assert_int_equal(caa_check(d, "issue.dcv.example", false, only_other,
	    &err), FE_EPOLICY);
	assert_int_equal(caa_check(d, "issue.dcv.example", false, none, &err),
	    FE_EPOLICY);
	assert_int_equal(caa_check(d, "dcv.example", false, none, &err), 0);
	/* both records listed in the refusal */
	assert_int_equal(caa_check(d, "crit.dcv.example", false, ids, &err),
	    FE_EPOLICY);
	assert_string_equal(err.msg, "C4: CAA at crit.dcv.example forbids "
	    "issuance: 0 issue \"" CA "\", 128 tbs \"unknown\"");
	dns_close(d);
}

/* ---- CAA decisions on hostile RDATA, no DNS ---------------------------- */

struct rr {
	uint8_t b[512];
	size_t len;
};

static void
rr_make(struct rr *r, uint8_t flags, const char *tag, const char *value,
    size_t vlen)
{
	size_t tlen = strlen(tag);

	assert_true(2 + tlen + vlen <= sizeof(r->b));
	r->b[0] = flags;
	r->b[1] = (uint8_t)tlen;
	memcpy(r->b + 2, tag, tlen);
	memcpy(r->b + 2 + tlen, value, vlen);
	r->len = 2 + tlen + vlen;
}

static int
eval1(uint8_t flags, const char *tag, const char *value, size_t vlen,
    bool wildcard, struct fe_err *err)
{
	struct rr r;
	const uint8_t *p[1];
	size_t l[1];

	rr_make(&r, flags, tag, value, vlen);
	p[0] = r.b;
	l[0] = r.len;
	return caa_eval("x.example", p, l, 1, wildcard, ids, err);
}

static void
caa_eval_issue_values(void **state)
{
	static const struct {
		const char *value;
		int rc;
	} cases[] = {
		{ CA, 0 },
		{ " " CA " ", 0 },
		{ "\t" CA ";", 0 },
		{ CA ";a=b", 0 },
		{ CA "; a = b ; c=d", 0 },
		{ CA "; a=", 0 },
		{ CA "; a--b=c", 0 },
		{ CA "; account=https://acme.example/acct/1", 0 },
		{ CA "; a=b;", FE_EPOLICY },
		{ CA "; =b", FE_EPOLICY },
		{ CA "; a", FE_EPOLICY },
		{ CA "; a=b c=d", FE_EPOLICY },
		{ CA "; -a=b", FE_EPOLICY },
		{ CA "; a-=b", FE_EPOLICY },
		{ CA "; a=b\x80", FE_EPOLICY },
		{ CA "; a=b;;c=d", FE_EPOLICY },
		{ CA ".", FE_EPOLICY },
		{ "ca..foureyes.example", FE_EPOLICY },
		{ "-ca.foureyes.example", FE_EPOLICY },
		{ "ca-.foureyes.example", FE_EPOLICY },
		{ "ca_.foureyes.example", FE_EPOLICY },
		{ CA "x", FE_EPOLICY },
		{ "x" CA, FE_EPOLICY },
		{ "foureyes.example", FE_EPOLICY },
		{ CA " other.example", FE_EPOLICY },
		{ "CA.FOUREYES.EXAMPLE", 0 },
		{ "other-name.example", 0 },
		{ ";", FE_EPOLICY },
		{ "", FE_EPOLICY },
		{ " ; ", FE_EPOLICY },
	};
	struct fe_err err;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		rc = eval1(0, "issue", cases[i].value, strlen(cases[i].value),
		    false, &err);
		if (rc != cases[i].rc)
			fail_msg("issue \"%s\": rc %d, want %d (%s)",
			    cases[i].value, rc, cases[i].rc, err.msg);
	}
	/* a 0 byte after the name */
	assert_int_equal(eval1(0, "issue", CA "\0", strlen(CA) + 1, false,
	    &err), FE_EPOLICY);
	assert_string_equal(err.msg, "C4: CAA at x.example forbids issuance: "
	    "0 issue \"" CA "\\x00\"");
	/* hostile bytes are quoted */
	assert_int_equal(eval1(0, "issue", "a\"b\n", 4, false, &err),
	    FE_EPOLICY);
	assert_string_equal(err.msg, "C4: CAA at x.example forbids issuance: "
	    "0 issue \"a\\\"b\\x0a\"");
}

static void
caa_eval_records(void **state)
{
	struct fe_err err;
	struct rr r[300];
	const uint8_t *p[300];
	size_t l[300], i;

	(void)state;
	for (i = 0; i < 300; i++) {
		p[i] = r[i].b;
		l[i] = 0;
	}
	/* no records: nothing restricts */
	assert_int_equal(caa_eval("x.example", p, l, 0, false, ids, &err), 0);

	/* RDATA that does not parse forbids: too short, tag length 0, 16,
	 * past the end, a tag that is not letters and digits */
	memcpy(r[0].b, "\x00", 1);
	l[0] = 1;
	assert_int_equal(caa_eval("x.example", p, l, 1, false, ids, &err),
	    FE_EPOLICY);
	assert_msg(&err, "(a record that does not parse)");
	rr_make(&r[0], 0, "", CA, strlen(CA));
	l[0] = r[0].len;
	assert_int_equal(caa_eval("x.example", p, l, 1, false, ids, &err),
	    FE_EPOLICY);
	rr_make(&r[0], 0, "issueissueissues", CA, strlen(CA));
	l[0] = r[0].len;
	assert_int_equal(caa_eval("x.example", p, l, 1, false, ids, &err),
	    FE_EPOLICY);
	rr_make(&r[0], 0, "issue", "", 0);
	r[0].b[1] = 9;
	l[0] = r[0].len;
	assert_int_equal(caa_eval("x.example", p, l, 1, false, ids, &err),
	    FE_EPOLICY);
	rr_make(&r[0], 0, "is-sue", CA, strlen(CA));
	l[0] = r[0].len;
	assert_int_equal(caa_eval("x.example", p, l, 1, false, ids, &err),
	    FE_EPOLICY);

	/* flags: critical on a known tag is fine, other bits are not
	 * critical */
	assert_int_equal(eval1(128, "issue", CA, strlen(CA), false, &err), 0);
	assert_int_equal(eval1(0x7f, "whatever", "x", 1, false, &err), 0);
	assert_int_equal(eval1(0x80, "whatever", "x", 1, false, &err),
	    FE_EPOLICY);
	assert_int_equal(eval1(0x80, "issuewild", CA, strlen(CA), true, &err),
	    0);
	/* issuewild alone does not restrict other names */
	assert_int_equal(eval1(0, "issuewild", ";", 1, false, &err), 0);
	assert_int_equal(eval1(0, "issuewild", ";", 1, true, &err),
	    FE_EPOLICY);
	assert_int_equal(eval1(0, "iodef", "mailto:a@b.example", 18, true,
	    &err), 0);

	/* more records than a set may have */
	assert_int_equal(caa_eval("x.example", p, l, 257, false, ids, &err),
	    FE_EPOLICY);
	assert_msg(&err, "more than 256 records");

	/* a long refusal is cut, not overflowed */
	for (i = 0; i < 256; i++) {
		rr_make(&r[i], 0, "issue", "letsencrypt.org",
		    strlen("letsencrypt.org"));
		l[i] = r[i].len;
	}
	assert_int_equal(caa_eval("x.example", p, l, 256, false, ids, &err),
	    FE_EPOLICY);
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_non_null(strstr(err.msg, "..."));
	/* one matching record among them is enough */
	rr_make(&r[200], 0, "issue", CA "; x=y", strlen(CA "; x=y"));
	l[200] = r[200].len;
	assert_int_equal(caa_eval("x.example", p, l, 256, false, ids, &err),
	    0);
}

/* ---- DNSSEC ------------------------------------------------------------- */

static void
dnssec_valid_and_bogus(void **state)
{
	struct fe_err err = { "" };
	struct dns *d = open_dns(true, 0);
	char **v = NULL;
	size_t n = 99;

	(void)state;
	/* signed and anchored: validated data */
	assert_int_equal(dns_txt(d, "_foureyes-challenge.signed.example", &v,
	    &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], TOKEN);
	dns_strv_free(v, n);
	assert_int_equal(dcv_dns(d, "signed.example", TOKEN, &err), 0);
	assert_int_equal(caa_check(d, "www.signed.example", false, ids, &err),
	    0);
	/* a validated denial of existence */
	n = 99;
	assert_int_equal(dns_txt(d, "nothing.signed.example", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	dns_strv_free(v, n);

	/* changed after signing: an error, not data */
	n = 99;
	assert_int_equal(dns_txt(d, "_foureyes-challenge.tampered.example", &v,
	    &n, &err), FE_EIO);
	assert_msg(&err, "DNS TXT _foureyes-challenge.tampered.example: DNSSEC "
	    "validation failed (bogus)");
	assert_int_equal(n, 99);
	assert_int_equal(dcv_dns(d, "tampered.example", TOKEN, &err), FE_EIO);
	assert_msg(&err, "bogus");

	/* anchored but served without signatures */
	assert_int_equal(dcv_dns(d, "unsigned.example", TOKEN, &err), FE_EIO);
	assert_msg(&err, "bogus");
	assert_int_equal(caa_check(d, "unsigned.example", false, ids, &err),
	    FE_EIO);
	assert_msg(&err, "DNS CAA unsigned.example: DNSSEC validation failed");

	/* unsigned zones outside the anchors are insecure, not bogus */
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN, &err), 0);
	dns_close(d);

	/* without the anchors the same data is just data */
	d = open_dns(false, 0);
	assert_int_equal(dcv_dns(d, "tampered.example", TOKEN, &err), 0);
	dns_close(d);
}

/* ---- threads: one struct dns each, all at once ------------------------- */

#define NTHREADS 4

static void *
thread_main(void *arg)
{
	struct fe_err err;
	struct dns_conf c = { g.resolver, g.ta, 0 };
	struct dns *d = NULL;
	char **v;
	size_t n;
	long bad = 0;
	int i;

	(void)arg;
	if (dns_open(&c, &d, &err) != 0)
		return (void *)1L;
	dns_set_private_addresses(d, true);
	for (i = 0; i < 10; i++) {
		bad += dcv_dns(d, "dcv.example", TOKEN, &err) != 0;
		bad += dcv_dns(d, "signed.example", TOKEN, &err) != 0;
		bad += caa_check(d, "www.issue.dcv.example", false, ids,
		    &err) != 0;
		bad += caa_check(d, "other.dcv.example", false, ids, &err) !=
		    FE_EPOLICY;
		bad += dns_txt(d, "_foureyes-challenge.tampered.example", &v,
		    &n, &err) != FE_EIO;
	}
	dns_close(d);
	return (void *)bad;
}

static void
threads_each_their_own(void **state)
{
	pthread_t t[NTHREADS];
	void *bad;
	int i;

	(void)state;
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main,
		    NULL), 0);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

/* ---- a record removed: re-checks fail ----------------------------------- */

static void
recheck_after_removal(void **state)
{
	struct fe_err err = { "" };
	struct dns *d;
	char *z, *p;
	size_t l;

	(void)state;
	d = open_dns(false, 0);
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN, &err), 0);
	assert_int_equal(caa_check(d, "issue.dcv.example", false, ids, &err),
	    0);
	dns_close(d);

	/* the zone without the TXT record and with issue.dcv.example's CAA
	 * naming another CA */
	z = strdup(zone_example);
	assert_non_null(z);
	p = strstr(z, "_foureyes-challenge IN TXT");
	assert_non_null(p);
	*p = ';';
	p = strstr(z, "issue IN CAA 0 issue \"" CA "\"");
	assert_non_null(p);
	l = strlen("issue IN CAA 0 issue \"");
	memcpy(p + l, "xx", 2);
	g.serial++;
	write_zone("dcv.example.zone", z);
	free(z);
	assert_int_equal(run("'%s/scripts/nsd-run' reload '%s'", g.root,
	    g.dir), 0);

	d = open_dns(false, 0);
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN, &err), FE_EPOLICY);
	assert_msg(&err, "(found: none)");
	assert_int_equal(caa_check(d, "issue.dcv.example", false, ids, &err),
	    FE_EPOLICY);
	assert_msg(&err, "0 issue \"xx.foureyes.example\"");
	dns_close(d);

	/* and back */
	write_zone("dcv.example.zone", zone_example);
	assert_int_equal(run("'%s/scripts/nsd-run' reload '%s'", g.root,
	    g.dir), 0);
	d = open_dns(false, 0);
	assert_int_equal(dcv_dns(d, "dcv.example", TOKEN, &err), 0);
	dns_close(d);
}

/* ---- quoting ------------------------------------------------------------ */

static void
quote_escapes_and_cuts(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(dns_quote("a\"b\\c\n", 6, out, sizeof(out)),
	    "a\\\"b\\\\c\\x0a");
	assert_string_equal(dns_quote("\0x", 2, out, sizeof(out)), "\\x00x");
	assert_string_equal(dns_quote("0123456789abcdefghij", 20, out,
	    sizeof(out)), "012345678...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_escapes_and_cuts),
		cmocka_unit_test(dcv_mailboxes_listed),
		cmocka_unit_test(txt_found_absent_several),
		cmocka_unit_test(txt_servfail_and_timeout),
		cmocka_unit_test(addr_a_aaaa_none),
		cmocka_unit_test(dcv_dns_ok_and_refused),
		cmocka_unit_test(dcv_http_cases),
		cmocka_unit_test(caa_cases),
		cmocka_unit_test(caa_eval_issue_values),
		cmocka_unit_test(caa_eval_records),
		cmocka_unit_test(dnssec_valid_and_bogus),
		cmocka_unit_test(threads_each_their_own),
		cmocka_unit_test(recheck_after_removal),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
