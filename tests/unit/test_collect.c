/*
 * test_collect.c - the collectors of fe-watch (src/watch/collect*.c):
 * exact items from fixture texts and fixture trees built in a temporary
 * directory, every rejection of every parser, a run against this
 * machine's "/", and a socket the test opens itself that must show up in
 * collect_sockets() and go away when closed.  Expected hashes were
 * computed with Python's hashlib, not with the code under test.
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
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "watch/collect.h"

#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_A "06f961b802bc46ee168555f066d28f4f0e9afdf3f88174c1ee6f9de004fc30a0"
#define SHA_B "c0cde77fa8fef97d476c10aad3d2d54fcc2f336140d073651c2dcccf1e379fd6"
#define SHA_C "12f37a8a84034d3e623d726fe10e5031f4df997ac13f4d5571b5a90c41fb84fe"
#define SHA_G "a536732cfc6d708c2a7cf7827f7837d97f24ecef862582eb9d7da2746861150f"

/* ---- helpers ---- */

static char root[256];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int
setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_collect.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	return 0;
}

static int
teardown_root(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
mkdirs(const char *path)
{
	char tmp[512];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (i = 1; tmp[i] != '\0'; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", tmp, strerror(errno));
		tmp[i] = '/';
	}
}

/* ROOT + rel with its parent directories. */
static void
put(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	mkdirs(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f),
	    strlen(content));
	assert_int_equal(fclose(f), 0);
}

static void
link_at(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	mkdirs(path);
	assert_int_equal(symlink(target, path), 0);
}

static void
rm_at(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(unlink(path), 0);
}

/* The set, sorted, must be exactly want ("key\tvalue" each). */
static void
expect(struct wset *s, const char *const *want, size_t n)
{
	size_t i;
	char line[9000];

	wset_sort(s);
	for (i = 0; i < s->n && i < n; i++) {
		snprintf(line, sizeof(line), "%s\t%s", s->v[i].key,
		    s->v[i].val);
		assert_string_equal(line, want[i]);
	}
	if (s->n != n) {
		for (i = 0; i < s->n; i++)
			print_message("got %s\t%s\n", s->v[i].key, s->v[i].val);
		fail_msg("%zu items, want %zu", s->n, n);
	}
}
#define EXPECT(s, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	expect((s), want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

typedef int (*parse_fn)(const char *, const uint8_t *, size_t,
    struct wset *, struct fe_err *);

struct bad {
	const char *in;
	const char *msg;        /* expected substring of the error */
};

/* Every input must fail with its message and leave out as it was. */
static void
expect_rejects(parse_fn fn, const char *name, const struct bad *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct wset out = { 0 };
		struct fe_err err = { { 0 } };
		int rc;

		wset_add(&out, "sentinel", "x");
		rc = fn(name, (const uint8_t *)b[i].in, strlen(b[i].in), &out,
		    &err);
		if (rc >= 0 || strstr(err.msg, b[i].msg) == NULL)
			fail_msg("case %zu: rc %d, message \"%s\", want \"%s\"",
			    i, rc, err.msg, b[i].msg);
		assert_int_equal(out.n, 1);
		wset_free(&out);
	}
}

static int
parse_str(parse_fn fn, const char *text, struct wset *out)
{
	struct fe_err err = { { 0 } };
	int rc = fn("t", (const uint8_t *)text, strlen(text), out, &err);

	if (rc != 0)
		print_message("error: %s\n", err.msg);
	return rc;
}

/* ---- dpkg ---- */

static const char dpkg_sample[] =
    "Package: acl\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Multi-Arch: foreign\n"
    "Version: 2.3.1-3\n"
    "Description: access control list - utilities\n"
    " This package contains the getfacl and setfacl utilities.\n"
    " .\n"
    " More.\n"
    "\n"
    "Package: oldpkg\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 1.0-1\n"
    "Conffiles:\n"
    " /etc/oldpkg.conf 0123456789abcdef0123456789abcdef\n"
    "\n\n"
    "package: gone\n"
    "status: purge ok not-installed\n"
    "architecture: all\n"
    "\n"
    "Package: libc6\r\n"
    "Status: install ok installed\r\n"
    "Architecture: i386\r\n"
    "Version:   2.36-9+deb12u14  \r\n"
    "\r\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 2.36-9+deb12u14\n"
    "\n"
    "Package: ancient\n"
    "Status: deinstall ok config-files\n"
    "Version: 0.9 beta\n";

static void
dpkg_items(void **state)
{
	struct wset s = { 0 };
	(void)state;

	assert_int_equal(parse_str(dpkg_status_parse, dpkg_sample, &s), 0);
	EXPECT(&s,
	    "pkg:acl:amd64\tversion=2.3.1-3 status=install/ok/installed",
	    "pkg:ancient:-\tversion=0.9%20beta status=deinstall/ok/config-files",
	    "pkg:libc6:amd64\tversion=2.36-9+deb12u14 status=install/ok/installed",
	    "pkg:libc6:i386\tversion=2.36-9+deb12u14 status=install/ok/installed",
	    "pkg:oldpkg:amd64\tversion=1.0-1 status=deinstall/ok/config-files");
	wset_free(&s);

	/* An empty database is no packages; so is only not-installed. */
	assert_int_equal(parse_str(dpkg_status_parse, "", &s), 0);
	assert_int_equal(parse_str(dpkg_status_parse,
	    "Package: x\nStatus: purge ok not-installed\n", &s), 0);
	assert_int_equal(s.n, 0);
	wset_free(&s);
}

static void
dpkg_rejects(void **state)
{
	static char longline[70000], longver[400], manyfields[20000];
	static const struct bad bad[] = {
		{ " continued\n", "line 1: continuation line without a field" },
		{ "Package: a\nno colon here\n", "line 2: not \"Field: value\"" },
		{ "Package: a\n: empty name\n", "line 2: not \"Field: value\"" },
		{ "Package: a\nBad Field: x\n", "line 2: blank or control" },
		{ "Package: a\nPackage: b\n", "line 2: second Package field" },
		{ "Package: a\nstatus: install ok installed\nSTATUS: x\n",
		  "line 3: second Status field" },
		{ "Package: a\n b\n", "line 2: Package continued" },
		{ "Version: 1\nStatus: install ok installed\n",
		  "line 1: stanza without Package" },
		{ "Package: a\nVersion: 1\n", "line 1: package a without Status" },
		{ "Package: a b\nStatus: install ok installed\n",
		  "line 1: package name is not" },
		{ "Package: -a\nStatus: install ok installed\n",
		  "line 1: package name is not" },
		{ "Package: a\nStatus: install ok installed\nArchitecture: x_y\n",
		  "line 1: architecture is not" },
		{ "\n\nPackage: a\nStatus: install ok\n",
		  "line 3: Status is not three words" },
		{ "Package: a\nStatus: install  ok installed\n",
		  "Status is not three words" },
		{ "Package: a\nStatus: install ok Installed\n",
		  "Status is not three words" },
		{ "Package: a\nStatus: install ok installed x\n",
		  "Status is not three words" },
		{ "Package:\nStatus: install ok installed\n",
		  "line 1: empty Package field" },
		{ "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
		  "Package: a\nStatus: install ok installed\nVersion: 2\n",
		  "duplicate pkg:a:-" },
		{ "Package: a\nStatus: install ok installed\nVersion: 1\0\n",
		  "line 3: NUL byte" },
		{ longline, "line 2: longer than 65536 bytes" },
		{ longver, "line 3: Version longer than 256 bytes" },
		{ manyfields, "line 1001: more than 1000 fields" },
	};
	size_t i, o;
	(void)state;

	o = (size_t)snprintf(longline, sizeof(longline), "Package: a\nX: ");
	memset(longline + o, 'x', 65540);
	longline[o + 65540] = '\0';
	o = (size_t)snprintf(longver, sizeof(longver),
	    "Package: a\nStatus: install ok installed\nVersion: ");
	memset(longver + o, '1', 257);
	longver[o + 257] = '\0';
	for (i = 0, o = 0; i < 1001; i++)
		o += (size_t)snprintf(manyfields + o, sizeof(manyfields) - o,
		    "F%zu: x\n", i);
	/* The NUL case needs its real length: strlen would stop there. */
	expect_rejects(dpkg_status_parse, "status", bad, 18);
	{
		struct wset out = { 0 };
		struct fe_err err;
		const char *t = bad[18].in;
		size_t n = strlen(t) + 2;   /* through "\0\n" */

		assert_true(dpkg_status_parse("status", (const uint8_t *)t, n,
		    &out, &err) < 0);
		assert_non_null(strstr(err.msg, bad[18].msg));
	}
	expect_rejects(dpkg_status_parse, "status", bad + 19, 3);
}

/* ---- /proc/net ---- */

static const char tcp_sample[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1235 1 0000000000000000 100 0 0 10 0\n"
    "   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1236 1 0000000000000000 100 0 0 10 0\n"
    "   3: 0100007F:0016 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1237 1 0000000000000000 20 4 30 10 -1\n";

static const char tcp6_sample[] =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0\n"
    "   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2223 1 0000000000000000 100 0 0 10 0\n"
    "   2: 000080FE00000000FF020000E00F03FE:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2224 1 0000000000000000 100 0 0 10 0\n";

static const char udp_sample[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  123: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   104        0 3333 2 0000000000000000 0\n"
    "  124: 0F02000A:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000  1000        0 3334 2 0000000000000000 0\n";

static int
net_tcp(const char *n, const uint8_t *p, size_t l, struct wset *o,
    struct fe_err *e)
{
	return proc_net_parse(n, "tcp", p, l, o, e);
}

static void
net_items(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	(void)state;

	assert_int_equal(proc_net_parse("tcp", "tcp",
	    (const uint8_t *)tcp_sample, strlen(tcp_sample), &s, &err), 0);
	assert_int_equal(proc_net_parse("tcp6", "tcp6",
	    (const uint8_t *)tcp6_sample, strlen(tcp6_sample), &s, &err), 0);
	assert_int_equal(proc_net_parse("udp", "udp",
	    (const uint8_t *)udp_sample, strlen(udp_sample), &s, &err), 0);
	EXPECT(&s,
	    "listen:tcp6:[::1]:631\tlistening",
	    "listen:tcp6:[::]:22\tlistening",
	    "listen:tcp6:[fe80::2ff:fe03:fe0]:8080\tlistening",
	    "listen:tcp:0.0.0.0:80\tlistening",
	    "listen:tcp:127.0.0.1:22\tlistening",
	    "listen:udp:0.0.0.0:5353\tlistening");
	wset_free(&s);

	/* Header only: nothing listens. */
	assert_int_equal(proc_net_parse("udp6", "udp6",
	    (const uint8_t *)"  sl  local_address\n", 20, &s, &err), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(proc_net_parse("x", "sctp", (const uint8_t *)"", 0,
	    &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "unknown protocol sctp"));
}

static void
net_rejects(void **state)
{
#define H "  sl  local_address rem_address   st\n"
	static char longline[1200];
	static const struct bad bad[] = {
		{ "", "line 1: not the header" },
		{ "   0: 0100007F:0016 00000000:0000 0A\n", "line 1: not the header" },
		{ H "   x: 0100007F:0016 00000000:0000 0A\n", "line 2: slot is not" },
		{ H "   0 0100007F:0016 00000000:0000 0A\n", "line 2: slot is not" },
		{ H "   :\n", "line 2: slot is not" },
		{ H "   0: 0100007F:016 00000000:0000 0A\n",
		  "line 2: local address is not 8 digits" },
		{ H "   0: 0100007G:0016 00000000:0000 0A\n",
		  "line 2: local address" },
		{ H "   0: 0100007F-0016 00000000:0000 0A\n",
		  "line 2: local address" },
		{ H "   0:\n", "line 2: local address" },
		{ H "   0: 0100007F:0016 00000000:00000 0A\n",
		  "line 2: remote address" },
		{ H "   0: 0100007F:0016 00000000:0000 A\n",
		  "line 2: state is not two hex digits" },
		{ H "   0: 0100007F:0016 00000000:0000 0Z\n", "state is not" },
		{ H "   0: 0100007F:0016 00000000:0000\n", "state is not" },
		{ longline, "line 2: longer than 1024 bytes" },
	};
	(void)state;

	snprintf(longline, sizeof(longline), H "   0: %01100d\n", 0);
	expect_rejects(net_tcp, "tcp", bad, sizeof(bad) / sizeof(bad[0]));
#undef H
}

/* ---- passwd, group, shadow ---- */

static void
passwd_items(void **state)
{
	struct wset s = { 0 };
	(void)state;

	assert_int_equal(parse_str(passwd_parse,
	    "root:x:0:0:Root User,,,:/root:/bin/bash\n"
	    "# a comment\n"
	    "\n"
	    "alice:!:1000:1000:Alice Liddell,Room 1,,:/home/alice smith:/bin/sh\n"
	    "toor::0:0::/root:/bin/bash\n"
	    "root:x:0:0::/:/bin/sh\n"
	    "a#b:x:7:7::/%:/bin/sh\n"
	    "+::::::\n"
	    "root:x:4294967295:0::/:\n", &s), 0);
	EXPECT(&s,
	    "user:+\tuid=- gid=- home= shell= gecos-sha256=e3b0c44298fc1c14 pw=empty",
	    "user:a%23b\tuid=7 gid=7 home=/%25 shell=/bin/sh gecos-sha256=e3b0c44298fc1c14 pw=x",
	    "user:alice\tuid=1000 gid=1000 home=/home/alice%20smith shell=/bin/sh gecos-sha256=3217c34d470a1d67 pw=sha256:bb7208bc9b5d7c04",
	    "user:root\tuid=0 gid=0 home=/root shell=/bin/bash gecos-sha256=0645e8a2a6053d4b pw=x",
	    "user:root#2\tuid=0 gid=0 home=/ shell=/bin/sh gecos-sha256=e3b0c44298fc1c14 pw=x",
	    "user:root#3\tuid=4294967295 gid=0 home=/ shell= gecos-sha256=e3b0c44298fc1c14 pw=x",
	    "user:toor\tuid=0 gid=0 home=/root shell=/bin/bash gecos-sha256=e3b0c44298fc1c14 pw=empty");
	wset_free(&s);
}

static void
passwd_rejects(void **state)
{
	static char longhome[1200], longname[1200];
	static const struct bad bad[] = {
		{ "root:x:0:0:/root:/bin/bash\n", "line 1: not 7 fields" },
		{ "root:x:0:0::/root:/bin/bash:\n", "line 1: not 7 fields" },
		{ "\n#\nroot\n", "line 3: not 7 fields" },
		{ ":x:0:0::/:/bin/sh\n", "line 1: empty name" },
		{ "a:x:zero:0::/:/bin/sh\n", "line 1: uid is not a number" },
		{ "a:x:-1:0::/:/bin/sh\n", "uid is not a number" },
		{ "a:x: 1:0::/:/bin/sh\n", "uid is not a number" },
		{ "a:x::0::/:/bin/sh\n", "uid is not a number" },
		{ "a:x:1:4294967296::/:/bin/sh\n", "line 1: gid is not a number" },
		{ longhome, "line 1: home longer than 1024" },
		{ longname, "line 1: name longer than 1024" },
		{ "a:x:1:1::/:/bin/sh\nb:x:1:1::/:/bin/s\0h\n", "line 2: NUL" },
	};
	(void)state;

	snprintf(longhome, sizeof(longhome), "a:x:1:1::/%01100d:/bin/sh\n", 0);
	snprintf(longname, sizeof(longname), "%01100d:x:1:1::/:/bin/sh\n", 0);
	expect_rejects(passwd_parse, "passwd", bad, 11);
	{
		struct wset out = { 0 };
		struct fe_err err;
		const char *t = bad[11].in;

		assert_true(passwd_parse("passwd", (const uint8_t *)t,
		    strlen(t) + 3, &out, &err) < 0);
		assert_non_null(strstr(err.msg, bad[11].msg));
		assert_int_equal(out.n, 0);
	}
}

static void
group_items(void **state)
{
	struct wset s = { 0 };
	struct buf b;
	char *text;
	size_t i;
	(void)state;

	assert_int_equal(parse_str(group_parse,
	    "root:x:0:\n"
	    "sudo:x:27:zed,alice,,bob\n"
	    "wheel::10:a b\n", &s), 0);
	EXPECT(&s,
	    "group:root\tgid=0 pw=x members=-",
	    "group:sudo\tgid=27 pw=x members=alice,bob,zed",
	    "group:wheel\tgid=10 pw=empty members=a%20b");
	wset_free(&s);

	/* A list too long for a value becomes a count and a hash. */
	buf_init(&b, SIZE_MAX);
	buf_add_str(&b, "big:x:5:");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%suser%04zu", i ? "," : "", i);
	buf_add_str(&b, "\n");
	buf_cstr(&b);
	text = (char *)b.p;
	assert_int_equal(parse_str(group_parse, text, &s), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.v[0].val, "members-count=1000 "
	    "members-sha256="));
	assert_int_equal(strlen(s.v[0].val),
	    strlen("gid=5 pw=x members-count=1000 members-sha256=") + 16);
	wset_free(&s);
	buf_free(&b);
}

static void
group_rejects(void **state)
{
	static char longmember[1200];
	static const struct bad bad[] = {
		{ "root:x:0\n", "line 1: not 4 fields" },
		{ "root:x:0::\n", "line 1: not 4 fields" },
		{ "root:x:g:\n", "line 1: gid is not a number" },
		{ ":x:0:\n", "line 1: empty name" },
		{ longmember, "line 1: member name longer than 1024" },
	};
	(void)state;

	snprintf(longmember, sizeof(longmember), "g:x:1:a,%01100d\n", 0);
	expect_rejects(group_parse, "group", bad, sizeof(bad) / sizeof(bad[0]));
}

static int
shadow9(const char *n, const uint8_t *p, size_t l, struct wset *o,
    struct fe_err *e)
{
	return shadow_parse(n, "user:", 9, p, l, o, e);
}

static void
shadow_items_and_rejects(void **state)
{
	static const struct bad bad[] = {
		{ "root:x:1\n", "line 1: not 9 fields" },
		{ ":x:1::::::\n", "line 1: empty name" },
	};
	struct wset s = { 0 };
	(void)state;

	assert_int_equal(parse_str(shadow9,
	    "root:$y$j9T$abc:19000:0:99999:7:::\n"
	    "alice:!:19000:0:99999:7:::\n", &s), 0);
	EXPECT(&s, "user:alice\t7efe1675fc264436",
	    "user:root\ta0d0ffa8c896c547");
	wset_free(&s);
	expect_rejects(shadow9, "shadow", bad, 2);
}

/* ---- modules ---- */

static void
modules_items_and_rejects(void **state)
{
	static const struct bad bad[] = {
		{ "ext4 737280 1 - Live\n", "line 1: not 6 or 7 words" },
		{ "ext4 737280 1 - Live 0x0 (OE) x\n", "line 1: not 6 or 7" },
		{ "ext4  737280 1 - Live 0x0\n", "line 1: empty word 2" },
		{ "ext/4 737280 1 - Live 0x0\n", "line 1: module name is not" },
		{ "ext4 73a 1 - Live 0x0\n", "line 1: size is not a number" },
		{ "ext4 1 1 - Live 0x0 OE\n", "line 1: taint is not" },
		{ "ext4 1 1 - Live 0x0 (oe)\n", "line 1: taint is not" },
		{ "ext4 1 1 - Live 0x0 ()\n", "line 1: taint is not" },
		{ "ext4 1 1 - Live 0x0\next4 2 1 - Live 0x0\n",
		  "duplicate module:ext4" },
	};
	struct wset s = { 0 };
	(void)state;

	assert_int_equal(parse_str(proc_modules_parse,
	    "ext4 737280 1 - Live 0xffffffffc0a00000\n"
	    "vboxdrv 696320 2 vboxnetadp,vboxnetflt, Live 0x0000000000000000 (OE)\n"
	    "crc16 16384 1 ext4, Loading 0x0000000000000000\n", &s), 0);
	EXPECT(&s, "module:crc16\tsize=16384", "module:ext4\tsize=737280",
	    "module:vboxdrv\tsize=696320 taint=OE");
	wset_free(&s);
	expect_rejects(proc_modules_parse, "modules", bad,
	    sizeof(bad) / sizeof(bad[0]));
}

/* ---- collectors on fixture trees ---- */

static void
tree_packages_sockets_modules(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	(void)state;

	/* Nothing there yet: every source is missing. */
	assert_int_equal(collect_packages(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "/var/lib/dpkg/status"));
	assert_int_equal(collect_sockets(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "/proc/net/tcp"));
	assert_int_equal(collect_modules(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "is procfs mounted"));

	put("/var/lib/dpkg/status", dpkg_sample);
	assert_int_equal(collect_packages(root, &s, &err), 0);
	assert_int_equal(s.n, 5);
	wset_free(&s);
	put("/var/lib/dpkg/status", "Package: a\n");
	assert_int_equal(collect_packages(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "/var/lib/dpkg/status line 1: "
	    "package a without Status"));

	/* tcp6 and udp6 may be missing, udp may not. */
	put("/proc/net/tcp", tcp_sample);
	assert_int_equal(collect_sockets(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "/proc/net/udp"));
	assert_int_equal(s.n, 0);
	put("/proc/net/udp", udp_sample);
	assert_int_equal(collect_sockets(root, &s, &err), 0);
	assert_int_equal(s.n, 3);
	wset_free(&s);
	put("/proc/net/tcp6", tcp6_sample);
	put("/proc/net/udp6", "garbage\n");
	wset_add(&s, "sentinel", "x");
	assert_int_equal(collect_sockets(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "/proc/net/udp6 line 1: not the "
	    "header"));
	assert_int_equal(s.n, 1);       /* nothing half-collected added */
	wset_free(&s);
	put("/proc/net/udp6", "  sl  local_address\n");
	assert_int_equal(collect_sockets(root, &s, &err), 0);
	assert_int_equal(s.n, 6);
	wset_free(&s);

	/* procfs without /proc/modules: no module support, no items. */
	put("/proc/version", "Linux version 6.1\n");
	assert_int_equal(collect_modules(root, &s, &err), 0);
	assert_int_equal(s.n, 0);
	put("/proc/modules", "ext4 737280 1 - Live 0x0\n");
	assert_int_equal(collect_modules(root, &s, &err), 0);
	EXPECT(&s, "module:ext4\tsize=737280");
	wset_free(&s);
	put("/proc/modules", "ext4\n");
	assert_int_equal(collect_modules(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "/proc/modules line 1: not 6 or 7"));
}

static void
tree_accounts(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	(void)state;

	assert_int_equal(collect_accounts(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "/etc/passwd"));
	put("/etc/passwd", "root:x:0:0:Root User,,,:/root:/bin/bash\n"
	    "alice:!:1000:1000:Alice Liddell,Room 1,,:/home/alice:/bin/sh\n");
	assert_int_equal(collect_accounts(root, &s, &err), FE_ENOENT);
	assert_non_null(strstr(err.msg, "/etc/group"));
	put("/etc/group", "root:x:0:\nsudo:x:27:alice\n");

	/* Without shadow files: no shadow hashes, no error. */
	assert_int_equal(collect_accounts(root, &s, &err), 0);
	EXPECT(&s,
	    "group:root\tgid=0 pw=x members=-",
	    "group:sudo\tgid=27 pw=x members=alice",
	    "user:alice\tuid=1000 gid=1000 home=/home/alice shell=/bin/sh gecos-sha256=3217c34d470a1d67 pw=sha256:bb7208bc9b5d7c04",
	    "user:root\tuid=0 gid=0 home=/root shell=/bin/bash gecos-sha256=0645e8a2a6053d4b pw=x");
	wset_free(&s);

	put("/etc/shadow", "root:$y$j9T$abc:19000:0:99999:7:::\n"
	    "alice:!:19000:0:99999:7:::\n"
	    "ghost:*:19000::::::\n");
	put("/etc/gshadow", "sudo:*::alice\n");
	assert_int_equal(collect_accounts(root, &s, &err), 0);
	EXPECT(&s,
	    "group:root\tgid=0 pw=x members=-",
	    "group:sudo\tgid=27 pw=x members=alice gshadow-sha256=00aca1b608e6a62a",
	    "user:alice\tuid=1000 gid=1000 home=/home/alice shell=/bin/sh gecos-sha256=3217c34d470a1d67 pw=sha256:bb7208bc9b5d7c04 shadow-sha256=7efe1675fc264436",
	    "user:ghost\tpasswd=none shadow-sha256=4e0db0f6432d3e35",
	    "user:root\tuid=0 gid=0 home=/root shell=/bin/bash gecos-sha256=0645e8a2a6053d4b pw=x shadow-sha256=a0d0ffa8c896c547");
	wset_free(&s);

	/* A bad later file: nothing at all is added. */
	put("/etc/gshadow", "sudo:*:alice\n");
	wset_add(&s, "sentinel", "x");
	assert_int_equal(collect_accounts(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "/etc/gshadow line 1: not 4 fields"));
	assert_int_equal(s.n, 1);
	wset_free(&s);
	put("/etc/gshadow", "");
	put("/etc/shadow", "root:x\n");
	assert_int_equal(collect_accounts(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "/etc/shadow line 1: not 9 fields"));
	assert_int_equal(s.n, 0);
}

static void
tree_units(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	char path[512];
	(void)state;

	/* No unit directories at all: no units. */
	assert_int_equal(collect_units(root, &s, &err), 0);
	assert_int_equal(s.n, 0);

	put("/lib/systemd/system/ssh.service", "B\n");
	put("/lib/systemd/system/cron.service", "C\n");
	put("/lib/systemd/system/getty@.service", "G\n");
	put("/lib/systemd/system/empty.target", "");
	put("/lib/systemd/system/ssh.service.d/override.conf", "Y\n");
	put("/lib/systemd/system/ssh.service.d/extra.conf", "Z\n");
	put("/lib/systemd/system/ssh.service.d/notes.txt", "ignored\n");
	put("/lib/systemd/system/orphan.service.d/x.conf", "Q\n");
	link_at("/lib/systemd/system/graphical.target.wants/cron.service",
	    "../cron.service");
	put("/usr/lib/systemd/system/ssh.service", "lowest\n");
	put("/usr/lib/systemd/system/late.service", "A\n");
	put("/etc/systemd/system/ssh.service", "A\n");
	put("/etc/systemd/system/README", "no dot: not a unit\n");
	put("/etc/systemd/system/other.dir/x.service", "not read\n");
	put("/etc/systemd/system/ssh.service.d/override.conf", "X\n");
	link_at("/etc/systemd/system/multi-user.target.wants/ssh.service",
	    "/lib/systemd/system/ssh.service");
	link_at("/etc/systemd/system/multi-user.target.wants/cron.service",
	    "/lib/systemd/system/cron.service");
	link_at("/etc/systemd/system/getty.target.wants/getty@tty1.service",
	    "/lib/systemd/system/getty@.service");
	link_at("/etc/systemd/system/sockets.target.requires/cron.service",
	    "/lib/systemd/system/cron.service");
	link_at("/etc/systemd/system/bad.service", "/dev/null");
	link_at("/etc/systemd/system/rel.service",
	    "../../../lib/systemd/system/cron.service");
	link_at("/etc/systemd/system/abs.service",
	    "/lib/systemd/system/cron.service");
	link_at("/etc/systemd/system/gone.service", "/nonexistent.service");
	snprintf(path, sizeof(path), "%s/etc/systemd/system/fifo.service",
	    root);
	assert_int_equal(mkfifo(path, 0600), 0);

	assert_int_equal(collect_units(root, &s, &err), 0);
	EXPECT(&s,
	    "unit:abs.service\tsha256=" SHA_C " link=/lib/systemd/system/cron.service from=/etc/systemd/system wanted-by=-",
	    "unit:bad.service\tmasked from=/etc/systemd/system wanted-by=-",
	    "unit:cron.service\tsha256=" SHA_C " from=/lib/systemd/system wanted-by=graphical.target,multi-user.target,sockets.target",
	    "unit:empty.target\tsha256=" SHA_EMPTY " from=/lib/systemd/system wanted-by=-",
	    "unit:fifo.service\tsha256=special from=/etc/systemd/system wanted-by=-",
	    "unit:getty@.service\tsha256=" SHA_G " from=/lib/systemd/system wanted-by=-",
	    "unit:getty@tty1.service\tfile=none wanted-by=getty.target",
	    "unit:gone.service\tsha256=dangling link=/nonexistent.service from=/etc/systemd/system wanted-by=-",
	    "unit:late.service\tsha256=" SHA_A " from=/usr/lib/systemd/system wanted-by=-",
	    "unit:orphan.service\tfile=none dropins=87ca80f2b9ece75c wanted-by=-",
	    "unit:rel.service\tsha256=" SHA_C " link=../../../lib/systemd/system/cron.service from=/etc/systemd/system wanted-by=-",
	    "unit:ssh.service\tsha256=" SHA_A " from=/etc/systemd/system dropins=15b13f8b24832cfd wanted-by=multi-user.target");
	wset_free(&s);

	/* A drop-in hidden by one of the same name in /etc changes nothing;
	 * the one that wins does. */
	put("/lib/systemd/system/ssh.service.d/override.conf", "Y2\n");
	assert_int_equal(collect_units(root, &s, &err), 0);
	assert_non_null(strstr(wset_find(&s, "unit:ssh.service")->val,
	    "dropins=15b13f8b24832cfd"));
	wset_free(&s);
	put("/etc/systemd/system/ssh.service.d/override.conf", "X2\n");
	assert_int_equal(collect_units(root, &s, &err), 0);
	assert_null(strstr(wset_find(&s, "unit:ssh.service")->val,
	    "dropins=15b13f8b24832cfd"));
	wset_free(&s);

	/* Removing the override in /etc exposes the one in /lib. */
	rm_at("/etc/systemd/system/ssh.service");
	assert_int_equal(collect_units(root, &s, &err), 0);
	assert_non_null(strstr(wset_find(&s, "unit:ssh.service")->val,
	    "sha256=" SHA_B " from=/lib/systemd/system "));
	wset_free(&s);

	/* /lib as a link to usr/lib (merged /usr) is read once. */
	snprintf(path, sizeof(path), "%s/lib", root);
	assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	link_at("/lib", "usr/lib");
	assert_int_equal(collect_units(root, &s, &err), 0);
	assert_string_equal(wset_find(&s, "unit:late.service")->val,
	    "sha256=" SHA_A " from=/lib/systemd/system wanted-by=-");
	assert_string_equal(wset_find(&s, "unit:ssh.service")->val,
	    "sha256=bd0103933a6fa6960c6f8980fb27f470b6f8704cac0cf14d974f74d2be761317"
	    " from=/lib/systemd/system dropins=100a22aff88241cd"
	    " wanted-by=multi-user.target");
	assert_string_equal(wset_find(&s, "unit:cron.service")->val,
	    "file=none wanted-by=multi-user.target,sockets.target");
	wset_free(&s);
}

/* ---- caps ---- */

static void
caps_are_enforced(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	struct buf b;
	size_t i;
	(void)state;

	buf_init(&b, SIZE_MAX);
	for (i = 0; i <= 200000; i++)
		buf_printf(&b, "Package: p%zu\nStatus: install ok installed\n\n",
		    i);
	assert_true(dpkg_status_parse("status", b.p, b.len, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "more than 200000 packages"));
	assert_int_equal(s.n, 0);
	buf_free(&b);

	buf_init(&b, SIZE_MAX);
	for (i = 0; i < 1000000; i++)
		buf_add_str(&b, "\n");
	buf_add_str(&b, "root:x:0:0::/:/bin/sh\n");
	assert_true(passwd_parse("passwd", b.p, b.len, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "line 1000001: more than 1000000 "
	    "lines"));
	buf_free(&b);

	buf_init(&b, SIZE_MAX);
	buf_add_str(&b, "g:x:1:");
	for (i = 0; i <= 65536; i++)
		buf_add_str(&b, "a,");
	assert_true(group_parse("group", b.p, b.len, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "line 1: more than 65536 members"));
	buf_free(&b);

	buf_init(&b, SIZE_MAX);
	for (i = 0; i <= 100000; i++)
		buf_printf(&b, "m%zu 1 1 - Live 0x0\n", i);
	assert_true(proc_modules_parse("modules", b.p, b.len, &s, &err) < 0);
	assert_non_null(strstr(err.msg, "line 100001: more than 100000 "
	    "modules"));
	assert_int_equal(s.n, 0);
	buf_free(&b);
}

static void
tree_unit_caps(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	char rel[256];
	char *big;
	size_t i;
	(void)state;

	/* A value over ITEM_MAX_VAL fails the collection. */
	put("/lib/systemd/system/x.service", "x\n");
	for (i = 0; i < 150; i++) {
		snprintf(rel, sizeof(rel), "/etc/systemd/system/"
		    "a-target-with-a-rather-long-name-to-fill-the-value-"
		    "quickly-%03zu.target.wants/x.service", i);
		link_at(rel, "/lib/systemd/system/x.service");
	}
	wset_add(&s, "sentinel", "x");
	assert_int_equal(collect_units(root, &s, &err), FE_EINVAL);
	assert_non_null(strstr(err.msg, "unit:x.service: value longer than "
	    "8192 bytes"));
	assert_int_equal(s.n, 1);
	wset_free(&s);

	/* A unit file over 4 MiB. */
	big = malloc(((size_t)4 << 20) + 2);
	assert_non_null(big);
	memset(big, 'x', ((size_t)4 << 20) + 1);
	big[((size_t)4 << 20) + 1] = '\0';
	put("/usr/lib/systemd/system/big.service", big);
	free(big);
	assert_int_equal(collect_units(root, &s, &err), FE_EIO);
	assert_non_null(strstr(err.msg, "big.service: larger than 4194304 "
	    "bytes"));
	assert_int_equal(s.n, 0);
}

/* ---- this machine ---- */

static void
values_are_one_line(const struct wset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		assert_null(strpbrk(s->v[i].key, "\t\n\r"));
		assert_null(strpbrk(s->v[i].val, "\t\n\r"));
		assert_true(strlen(s->v[i].val) <= ITEM_MAX_VAL);
	}
}

static void
real_root(void **state)
{
	struct wset s = { 0 };
	struct fe_err err;
	(void)state;

	assert_int_equal(collect_packages("/", &s, &err), 0);
	wset_sort(&s);
	assert_non_null(wset_find(&s, "pkg:libc6:amd64"));
	assert_non_null(strstr(wset_find(&s, "pkg:libc6:amd64")->val,
	    "status=install/ok/installed"));
	values_are_one_line(&s);
	wset_free(&s);

	assert_int_equal(collect_accounts("/", &s, &err), 0);
	wset_sort(&s);
	assert_non_null(wset_find(&s, "user:root"));
	assert_non_null(strstr(wset_find(&s, "user:root")->val, "uid=0 "));
	assert_non_null(wset_find(&s, "group:root"));
	values_are_one_line(&s);
	wset_free(&s);

	assert_int_equal(collect_sockets("/", &s, &err), 0);
	values_are_one_line(&s);
	wset_free(&s);
	if (collect_modules("/", &s, &err) != 0)
		fail_msg("collect_modules: %s", err.msg);
	values_are_one_line(&s);
	wset_free(&s);
	if (collect_units("/", &s, &err) != 0)
		fail_msg("collect_units: %s", err.msg);
	values_are_one_line(&s);
	wset_free(&s);
}

static bool
socket_listed(const char *key)
{
	struct wset s = { 0 };
	struct fe_err err;
	bool found;

	if (collect_sockets("/", &s, &err) != 0)
		fail_msg("collect_sockets: %s", err.msg);
	wset_sort(&s);
	found = wset_find(&s, key) != NULL;
	wset_free(&s);
	return found;
}

static void
own_sockets_come_and_go(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char key[64];
	int types[2] = { SOCK_STREAM, SOCK_DGRAM };
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		int fd = socket(AF_INET, types[i], 0);

		assert_true(fd >= 0);
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)),
		    0);
		if (types[i] == SOCK_STREAM)
			assert_int_equal(listen(fd, 1), 0);
		sl = sizeof(sa);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl),
		    0);
		snprintf(key, sizeof(key), "listen:%s:127.0.0.1:%u",
		    i == 0 ? "tcp" : "udp", (unsigned)ntohs(sa.sin_port));
		assert_true(socket_listed(key));
		close(fd);
		assert_false(socket_listed(key));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dpkg_items),
		cmocka_unit_test(dpkg_rejects),
		cmocka_unit_test(net_items),
		cmocka_unit_test(net_rejects),
		cmocka_unit_test(passwd_items),
		cmocka_unit_test(passwd_rejects),
		cmocka_unit_test(group_items),
		cmocka_unit_test(group_rejects),
		cmocka_unit_test(shadow_items_and_rejects),
		cmocka_unit_test(modules_items_and_rejects),
		cmocka_unit_test_setup_teardown(tree_packages_sockets_modules,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(tree_accounts, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(tree_units, setup_root,
		    teardown_root),
		cmocka_unit_test(caps_are_enforced),
		cmocka_unit_test_setup_teardown(tree_unit_caps, setup_root,
		    teardown_root),
		cmocka_unit_test(real_root),
		cmocka_unit_test(own_sockets_come_and_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
