/*
 * test_watch.c - the core of fe-watch (issue #7): item sets and their
 * differences (item.c), the string map (smap.c), files as items and full
 * scans (scan.c), the signed baseline (baseline.c), the configuration
 * (watchconf.c), the state database (wstate.c), and `fe watch init` /
 * `fe watch check` with the baseline checked against the watch log
 * (watcher.c).  File trees are built in a temporary directory; expected
 * digests come from OpenSSL's EVP_Digest and expected attributes from
 * lstat(2), not from the code under test.  Every rejection path of the
 * baseline parser and of the configuration has a hostile case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "watch/baseline.h"
#include "watch/item.h"
#include "watch/scan.h"
#include "watch/smap.h"
#include "watch/watchconf.h"
#include "watch/watcher.h"
#include "watch/wstate.h"

/* ---- helpers ------------------------------------------------------------ */

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
	snprintf(root, sizeof(root), "/tmp/test_watch.XXXXXX");
	return mkdtemp(root) == NULL ? -1 : 0;
}

static int
teardown_root(void **state)
{
	(void)state;
	scan_one_release();
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ROOT/rel, in a static ring of buffers (a few live at once). */
static const char *
at(const char *fmt, ...)
{
	static char ring[8][4096];
	static unsigned k;
	char rel[2048];
	char *out = ring[k++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(out, 4096, "%s/%s", root, rel);
	return out;
}

static void
put_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
put_str(const char *path, const char *s)
{
	put_file(path, s, strlen(s));
}

static void
mkdir_ok(const char *path)
{
	assert_int_equal(mkdir(path, 0755), 0);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct fe_err err;
	uint8_t *p;

	assert_int_equal(fe_read_file(path, 1 << 24, &p, len, &err), 0);
	return p;
}

static void
assert_msg(const struct fe_err *err, const char *want)
{
	if (strstr(err->msg, want) == NULL)
		fail_msg("message '%s' does not contain '%s'", err->msg, want);
}

/* The value of attribute name in "a=1 b=2", malloc'ed, or NULL. */
static char *
attr(const char *val, const char *name)
{
	size_t nl = strlen(name);
	const char *p = val;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l > nl && memcmp(p, name, nl) == 0 && p[nl] == '=')
			return fe_strndup(p + nl + 1, l - nl - 1);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static void
assert_attr(const char *val, const char *name, const char *want)
{
	char *v = attr(val, name);

	if (v == NULL)
		fail_msg("'%s': no %s=", val, name);
	if (strcmp(v, want) != 0)
		fail_msg("'%s': %s=%s, expected %s", val, name, v, want);
	free(v);
}

static void
assert_no_attr(const char *val, const char *name)
{
	char *v = attr(val, name);

	if (v != NULL)
		fail_msg("'%s': unexpected %s=%s", val, name, v);
}

/* ---- item.c ------------------------------------------------------------- */

static void
wset_sort_drops_duplicates_and_finds(void **state)
{
	struct wset s = { 0 };
	(void)state;

	assert_null(wset_find(&s, "a"));
	wset_add(&s, "file:/b", "2");
	wset_add(&s, "file:/a", "1");
	wset_add(&s, "pkg:z", "");
	wset_add(&s, "file:/a", "1");
	wset_addf(&s, "file:/c", "n=%d", 3);
	wset_add(&s, "pkg:z", "");
	assert_false(s.sorted);
	wset_sort(&s);
	assert_true(s.sorted);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[0].key, "file:/a");
	assert_string_equal(s.v[1].key, "file:/b");
	assert_string_equal(s.v[2].key, "file:/c");
	assert_string_equal(s.v[2].val, "n=3");
	assert_string_equal(s.v[3].key, "pkg:z");
	assert_string_equal(s.v[3].val, "");
	assert_string_equal(wset_find(&s, "file:/b")->val, "2");
	assert_non_null(wset_find(&s, "file:/a"));
	assert_non_null(wset_find(&s, "pkg:z"));
	assert_null(wset_find(&s, "file:/"));        /* before the first */
	assert_null(wset_find(&s, "file:/bb"));      /* between */
	assert_null(wset_find(&s, "zzz"));           /* after the last */
	/* already sorted: sort keeps it, and still drops a repeat */
	wset_free(&s);
	wset_add(&s, "a", "1");
	wset_add(&s, "b", "2");
	assert_true(s.sorted);
	wset_add(&s, "b", "3");
	assert_false(s.sorted);
	wset_sort(&s);
	assert_int_equal(s.n, 2);
	wset_free(&s);
	assert_int_equal(s.n, 0);
}

static void
wset_drop_prefix_and_move(void **state)
{
	struct wset s = { 0 }, d = { 0 };
	(void)state;

	wset_add(&s, "file:/etc", "x");
	wset_add(&s, "listen:tcp:1.2.3.4:22", "listening");
	wset_add(&s, "pkg:a", "v=1");
	wset_add(&s, "pkg:b", "v=2");
	wset_add(&s, "pk:c", "v=3");
	wset_sort(&s);
	wset_drop_prefix(&s, "pkg:");
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].key, "file:/etc");
	assert_string_equal(s.v[1].key, "listen:tcp:1.2.3.4:22");
	assert_string_equal(s.v[2].key, "pk:c");
	assert_non_null(wset_find(&s, "pk:c"));      /* still sorted */
	wset_drop_prefix(&s, "nothing:");
	assert_int_equal(s.n, 3);
	wset_drop_prefix(&s, "listen:");
	assert_int_equal(s.n, 2);
	wset_add(&d, "zz", "1");
	wset_move(&d, &s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	assert_int_equal(d.n, 3);
	wset_sort(&d);
	assert_string_equal(d.v[0].key, "file:/etc");
	assert_string_equal(d.v[2].key, "zz");
	wset_drop_prefix(&d, "");                    /* everything */
	assert_int_equal(d.n, 0);
	wset_free(&d);
}

struct diffrec {
	char got[16][64];
	size_t n;
	size_t stop_at;          /* 1-based call that returns 7; 0: never */
};

static int
diff_cb(enum wchange_kind k, const char *key, const char *old_val,
    const char *new_val, void *arg)
{
	struct diffrec *d = arg;

	assert_true(d->n < 16);
	switch (k) {
	case WCHANGE_ADDED:
		assert_null(old_val);
		assert_non_null(new_val);
		break;
	case WCHANGE_REMOVED:
		assert_non_null(old_val);
		assert_null(new_val);
		break;
	case WCHANGE_CHANGED:
		assert_string_not_equal(old_val, new_val);
		break;
	default:
		fail();
	}
	snprintf(d->got[d->n], sizeof(d->got[0]), "%s %s %s>%s",
	    wchange_kind_names[k], key, old_val ? old_val : "-",
	    new_val ? new_val : "-");
	d->n++;
	return d->n == d->stop_at ? 7 : 0;
}

static void
wset_diff_in_order_and_stops(void **state)
{
	struct wset a = { 0 }, b = { 0 }, e = { 0 };
	struct diffrec d;
	(void)state;

	wset_add(&a, "a", "1");
	wset_add(&a, "b", "1");
	wset_add(&a, "c", "1");
	wset_add(&a, "e", "1");
	wset_add(&a, "g", "1");
	wset_add(&b, "b", "1");
	wset_add(&b, "c", "2");
	wset_add(&b, "d", "1");
	wset_add(&b, "e", "1");
	wset_add(&b, "f", "1");
	wset_add(&b, "h", "1");
	wset_sort(&a);
	wset_sort(&b);

	memset(&d, 0, sizeof(d));
	assert_int_equal(wset_diff(&a, &b, diff_cb, &d), 0);
	assert_int_equal(d.n, 6);
	assert_string_equal(d.got[0], "removed a 1>-");
	assert_string_equal(d.got[1], "changed c 1>2");
	assert_string_equal(d.got[2], "added d ->1");
	assert_string_equal(d.got[3], "added f ->1");
	assert_string_equal(d.got[4], "removed g 1>-");
	assert_string_equal(d.got[5], "added h ->1");

	/* the callback's non-zero return stops the walk and is returned */
	memset(&d, 0, sizeof(d));
	d.stop_at = 2;
	assert_int_equal(wset_diff(&a, &b, diff_cb, &d), 7);
	assert_int_equal(d.n, 2);

	/* against the empty set: all removed / all added; equal: nothing */
	memset(&d, 0, sizeof(d));
	assert_int_equal(wset_diff(&a, &e, diff_cb, &d), 0);
	assert_int_equal(d.n, 5);
	assert_string_equal(d.got[4], "removed g 1>-");
	memset(&d, 0, sizeof(d));
	assert_int_equal(wset_diff(&e, &b, diff_cb, &d), 0);
	assert_int_equal(d.n, 6);
	memset(&d, 0, sizeof(d));
	assert_int_equal(wset_diff(&a, &a, diff_cb, &d), 0);
	assert_int_equal(d.n, 0);
	wset_free(&a);
	wset_free(&b);
}

static void
item_changed_attrs_names(void **state)
{
	char out[256], small[12];
	(void)state;

	item_changed_attrs("type=f mode=0644 size=1 mtime=1.0 ctime=1.0 "
	    "ino=5 sha256=aa", "type=f mode=0644 size=2 mtime=2.0 ctime=2.0 "
	    "ino=5 sha256=bb", out, sizeof(out));
	assert_string_equal(out, "size mtime ctime sha256");
	/* added and removed attributes; a value that is a prefix */
	item_changed_attrs("type=f mode=0644 xattrs=ab", "type=f mode=06440 "
	    "link=x", out, sizeof(out));
	assert_string_equal(out, "mode xattrs link");
	item_changed_attrs("a=1", "a=1", out, sizeof(out));
	assert_string_equal(out, "");
	item_changed_attrs("a=1 bb=2", "a=1 b=2", out, sizeof(out));
	assert_string_equal(out, "bb b");
	item_changed_attrs(NULL, "a=1", out, sizeof(out));
	assert_string_equal(out, "");
	/* a word without '=' present on both sides is not a difference */
	item_changed_attrs("listening a=1", "listening a=2", out,
	    sizeof(out));
	assert_string_equal(out, "a");
	item_changed_attrs("x y=1", "x=1 y=1", out, sizeof(out));
	assert_string_equal(out, "x");
	/* cut short, always terminated, never past n */
	memset(small, 'X', sizeof(small));
	item_changed_attrs("aaaa=1 bbbb=1 cccc=1", "aaaa=2 bbbb=2 cccc=2",
	    small, 10);
	assert_string_equal(small, "aaaa bbbb");
	assert_int_equal(small[10], 'X');
	small[0] = 'Y';
	item_changed_attrs("a=1", "a=2", small, 0);
	assert_int_equal(small[0], 'Y');
}

/* ---- smap.c ------------------------------------------------------------- */

#define NKEYS 100000

static char *
keyn(size_t i)
{
	char *k;

	if (asprintf(&k, "file:/k/%zu", i) < 0)
		abort();
	return k;
}

static char *
valn(size_t i, int gen)
{
	char *v;

	if (asprintf(&v, "v%zu.%d", i, gen) < 0)
		abort();
	return v;
}

static size_t
keyidx(const char *k)
{
	return (size_t)strtoull(k + 8, NULL, 10);
}

static void
smap_many_keys(void **state)
{
	struct smap m;
	const struct smap_ent *e;
	uint8_t *seen;
	size_t i, it, cnt;
	char want[64];
	(void)state;

	smap_init(&m, free);
	assert_null(smap_get(&m, "x"));
	assert_int_equal(smap_del(&m, "x"), 0);
	it = 0;
	assert_int_equal(smap_next(&m, &it, &e), 0);
	for (i = 0; i < NKEYS; i++)
		smap_put_take(&m, keyn(i), valn(i, 0));
	assert_int_equal(m.n, NKEYS);
	assert_true(m.cap >= NKEYS);
	assert_int_equal(m.cap & (m.cap - 1), 0);
	assert_true(m.used * 10 < m.cap * 7);
	for (i = 0; i < NKEYS; i++) {
		char *k = keyn(i);

		snprintf(want, sizeof(want), "v%zu.0", i);
		assert_string_equal(smap_get(&m, k), want);
		free(k);
	}
	/* replace every other key: the old value goes through free_val */
	for (i = 0; i < NKEYS; i += 2)
		smap_put_take(&m, keyn(i), valn(i, 1));
	assert_int_equal(m.n, NKEYS);
	/* delete every third, twice (the second finds nothing) */
	for (i = 0; i < NKEYS; i += 3) {
		char *k = keyn(i);

		assert_int_equal(smap_del(&m, k), 1);
		assert_int_equal(smap_del(&m, k), 0);
		assert_null(smap_get(&m, k));
		free(k);
	}
	assert_int_equal(m.n, NKEYS - (NKEYS + 2) / 3);
	/* the keys after a tombstone in a probe run are still found */
	for (i = 0; i < NKEYS; i++) {
		char *k = keyn(i);

		if (i % 3 == 0) {
			assert_null(smap_get(&m, k));
		} else {
			snprintf(want, sizeof(want), "v%zu.%d", i,
			    i % 2 == 0 ? 1 : 0);
			assert_string_equal(smap_get(&m, k), want);
		}
		free(k);
	}
	/* re-insert the deleted ones (into tombstones) */
	for (i = 0; i < NKEYS; i += 3)
		smap_put_take(&m, keyn(i), valn(i, 2));
	assert_int_equal(m.n, NKEYS);
	/* iteration visits each live key exactly once */
	seen = fe_calloc(NKEYS, 1);
	for (it = 0, cnt = 0; smap_next(&m, &it, &e); cnt++) {
		size_t k = keyidx(e->key);

		assert_true(k < NKEYS);
		assert_int_equal(seen[k], 0);
		seen[k] = 1;
		snprintf(want, sizeof(want), "v%zu.%d", k,
		    k % 3 == 0 ? 2 : k % 2 == 0 ? 1 : 0);
		assert_string_equal(e->val, want);
	}
	assert_int_equal(cnt, NKEYS);
	free(seen);
	smap_free(&m);
	assert_int_equal(m.cap, 0);
	assert_null(m.t);
	/* same pointer put again: not freed under the caller */
	smap_init(&m, free);
	{
		char *v = valn(1, 1);

		smap_put_take(&m, keyn(1), v);
		smap_put_take(&m, keyn(1), v);
		assert_ptr_equal(smap_get(&m, "file:/k/1"), v);
	}
	smap_free(&m);
}

/* Keys that come and go (the daemon's dirty paths and pending changes):
 * the table must stay sized by the live keys, not by every key it ever
 * held. */
static void
smap_churn_stays_small(void **state)
{
	struct smap m;
	const struct smap_ent *e;
	size_t i, it, cnt;
	(void)state;

	smap_init(&m, NULL);
	for (i = 0; i < 200000; i++) {
		char *k = keyn(i);

		smap_put_take(&m, k, (void *)(uintptr_t)(i + 1));
		if (i >= 10) {
			char *old = keyn(i - 10);

			assert_int_equal(smap_del(&m, old), 1);
			free(old);
		}
	}
	assert_int_equal(m.n, 10);
	assert_true(m.cap <= 1024);
	for (it = 0, cnt = 0; smap_next(&m, &it, &e); cnt++)
		assert_int_equal((uintptr_t)e->val, keyidx(e->key) + 1);
	assert_int_equal(cnt, 10);
	smap_free(&m);
}

/* ---- scan.c: keys ------------------------------------------------------- */

static void
scan_key_round_trip(void **state)
{
	static const char *const names[] = {
		"/etc/passwd",
		"/tmp/a b",
		"/tmp/100%",
		"/tmp/%41%zz%",
		"/tmp/new\nline",
		"/tmp/tab\there",
		"/tmp/\x80\xff\xc3\xa9",
		"/tmp/\x01\x1f\x7f=x",
		"/",
	};
	size_t i, j;
	(void)state;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *k = scan_key(names[i]), *p;

		assert_memory_equal(k, "file:", 5);
		for (j = 0; k[j] != '\0'; j++)
			if ((unsigned char)k[j] <= 0x20 ||
			    (unsigned char)k[j] >= 0x7f)
				fail_msg("key of name %zu has byte %02x", i,
				    (unsigned char)k[j]);
		p = scan_key_path(k);
		assert_non_null(p);
		assert_string_equal(p, names[i]);
		free(p);
		free(k);
	}
	{
		char *k = scan_key("/a b%");

		assert_string_equal(k, "file:/a%20b%25");
		free(k);
	}
	assert_null(scan_key_path("pkg:openssl"));
	assert_null(scan_key_path("fil:/x"));
	assert_null(scan_key_path("file:/x%00y"));
	{
		/* not from esc(), but harmless: kept literally */
		char *p = scan_key_path("file:/x%4");

		assert_string_equal(p, "/x%4");
		free(p);
	}
}

/* ---- scan.c: one path --------------------------------------------------- */

static void
sha256_hex_of(const void *p, size_t n, char out[65])
{
	uint8_t md[32];

	assert_int_equal(EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL), 1);
	hex_encode(md, 32, out);
}

static void
assert_stat_attrs(const char *path, const char *val)
{
	struct stat st;
	char b[64];

	assert_int_equal(lstat(path, &st), 0);
	snprintf(b, sizeof(b), "%04o", (unsigned)(st.st_mode & 07777));
	assert_attr(val, "mode", b);
	snprintf(b, sizeof(b), "%u", (unsigned)st.st_uid);
	assert_attr(val, "uid", b);
	snprintf(b, sizeof(b), "%u", (unsigned)st.st_gid);
	assert_attr(val, "gid", b);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)st.st_ino);
	assert_attr(val, "ino", b);
	if (S_ISDIR(st.st_mode))
		return;
	snprintf(b, sizeof(b), "%lld.%09ld", (long long)st.st_mtim.tv_sec,
	    st.st_mtim.tv_nsec);
	assert_attr(val, "mtime", b);
	snprintf(b, sizeof(b), "%lld.%09ld", (long long)st.st_ctim.tv_sec,
	    st.st_ctim.tv_nsec);
	assert_attr(val, "ctime", b);
}

static void
scan_one_regular_link_dir(void **state)
{
	struct fe_err err;
	char *v, *v2, sha[65], b[32];
	static const char content[] = "the content\nof a file\n";
	uint8_t big[300000];
	size_t i;
	(void)state;

	put_str(at("f"), content);
	assert_int_equal(scan_one(at("f"), &v, &err), 0);
	assert_memory_equal(v, "type=f ", 7);
	assert_stat_attrs(at("f"), v);
	snprintf(b, sizeof(b), "%zu", strlen(content));
	assert_attr(v, "size", b);
	sha256_hex_of(content, strlen(content), sha);
	assert_attr(v, "sha256", sha);
	if (llistxattr(at("f"), NULL, 0) == 0)
		assert_no_attr(v, "xattrs");
	free(v);

	/* larger than one read: still the digest of the whole */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	put_file(at("big"), big, sizeof(big));
	assert_int_equal(scan_one(at("big"), &v, &err), 0);
	sha256_hex_of(big, sizeof(big), sha);
	assert_attr(v, "sha256", sha);
	assert_attr(v, "size", "300000");
	free(v);

	/* chmod changes mode (and ctime) */
	assert_int_equal(scan_one(at("f"), &v, &err), 0);
	assert_int_equal(chmod(at("f"), 0640), 0);
	assert_int_equal(scan_one(at("f"), &v2, &err), 0);
	assert_attr(v2, "mode", "0640");
	assert_string_not_equal(v, v2);
	assert_stat_attrs(at("f"), v2);
	free(v);
	free(v2);

	/* a symbolic link: its target (escaped), never followed */
	assert_int_equal(symlink("../some where/100%", at("l")), 0);
	assert_int_equal(scan_one(at("l"), &v, &err), 0);
	assert_memory_equal(v, "type=l ", 7);
	assert_attr(v, "link", "../some%20where/100%25");
	assert_no_attr(v, "sha256");
	assert_no_attr(v, "size");
	assert_stat_attrs(at("l"), v);
	free(v);

	/* a directory: no size, mtime or ctime */
	mkdir_ok(at("d"));
	assert_int_equal(scan_one(at("d"), &v, &err), 0);
	assert_memory_equal(v, "type=d ", 7);
	assert_stat_attrs(at("d"), v);
	assert_no_attr(v, "size");
	assert_no_attr(v, "mtime");
	assert_no_attr(v, "ctime");
	assert_no_attr(v, "sha256");
	/* adding a file to it leaves its value alone */
	put_str(at("d/new"), "x");
	assert_int_equal(scan_one(at("d"), &v2, &err), 0);
	assert_string_equal(v, v2);
	free(v);
	free(v2);

	/* a FIFO: described, never opened (would block) */
	assert_int_equal(mkfifo(at("p"), 0600), 0);
	assert_int_equal(scan_one(at("p"), &v, &err), 0);
	assert_memory_equal(v, "type=p ", 7);
	assert_attr(v, "rdev", "0:0");
	assert_attr(v, "mode", "0600");
	free(v);

	/* gone, or never there */
	v = NULL;
	assert_int_equal(scan_one(at("missing"), &v, &err), FE_ENOENT);
	assert_null(v);
	assert_int_equal(scan_one(at("f/below"), &v, &err), FE_ENOENT);
	assert_null(v);
	scan_one_release();
}

static void
scan_one_xattrs(void **state)
{
	struct fe_err err;
	char *v0, *v1, *v2, *v3, *d0, *d1, *x1, *x2;
	(void)state;

	put_str(at("x"), "data");
	mkdir_ok(at("xd"));
	assert_int_equal(scan_one(at("x"), &v0, &err), 0);
	assert_int_equal(scan_one(at("xd"), &d0, &err), 0);
	if (setxattr(at("x"), "user.test", "one", 3, 0) != 0) {
		free(v0);
		free(d0);
		skip();
	}
	assert_int_equal(scan_one(at("x"), &v1, &err), 0);
	x1 = attr(v1, "xattrs");
	assert_non_null(x1);
	assert_int_equal(strlen(x1), 32);
	assert_string_not_equal(v0, v1);
	/* the same size, another value: another digest */
	assert_int_equal(setxattr(at("x"), "user.test", "two", 3, 0), 0);
	assert_int_equal(scan_one(at("x"), &v2, &err), 0);
	x2 = attr(v2, "xattrs");
	assert_non_null(x2);
	assert_string_not_equal(x1, x2);
	/* the content's digest did not move */
	{
		char *s1 = attr(v1, "sha256"), *s2 = attr(v2, "sha256");

		assert_string_equal(s1, s2);
		free(s1);
		free(s2);
	}
	assert_int_equal(removexattr(at("x"), "user.test"), 0);
	assert_int_equal(scan_one(at("x"), &v3, &err), 0);
	if (llistxattr(at("x"), NULL, 0) == 0)
		assert_no_attr(v3, "xattrs");
	/* directories are covered through the path */
	assert_int_equal(setxattr(at("xd"), "user.test", "1", 1, 0), 0);
	assert_int_equal(scan_one(at("xd"), &d1, &err), 0);
	assert_string_not_equal(d0, d1);
	free(x1);
	free(x2);
	free(v0);
	free(v1);
	free(v2);
	free(v3);
	free(d0);
	free(d1);
	scan_one_release();
}

/* ---- scan.c: full scans ------------------------------------------------- */

static struct wset *walk_set;

static int
walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	struct fe_err err;
	char *v;

	(void)st;
	(void)flag;
	(void)ftw;
	assert_int_equal(scan_one(path, &v, &err), 0);
	wset_add_take(walk_set, scan_key(path), v);
	return 0;
}

static void
assert_sets_equal(const struct wset *a, const struct wset *b)
{
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++) {
		assert_string_equal(a->v[i].key, b->v[i].key);
		assert_string_equal(a->v[i].val, b->v[i].val);
	}
	assert_int_equal(a->n, b->n);
}

static void
make_tree(void)
{
	char name[64];
	int i, j;

	mkdir_ok(at("t"));
	for (i = 0; i < 6; i++) {
		mkdir_ok(at("t/d%d", i));
		for (j = 0; j < 8; j++) {
			snprintf(name, sizeof(name), "content %d %d\n", i, j);
			put_str(at("t/d%d/f%d", i, j), name);
		}
		mkdir_ok(at("t/d%d/sub", i));
		put_str(at("t/d%d/sub/deep", i), "deep");
	}
	put_str(at("t/odd name %%\t\xe9"), "odd");
	assert_int_equal(symlink("d0/f0", at("t/link")), 0);
	assert_int_equal(symlink("/nonexistent", at("t/dangling")), 0);
	assert_int_equal(mkfifo(at("t/fifo"), 0600), 0);
	put_str(at("t/empty"), "");
}

static void
scan_full_equals_scan_one(void **state)
{
	struct wset got = { 0 }, want = { 0 };
	struct scan_rules r;
	struct scan_stats st;
	struct fe_err err;
	char *paths[1];
	size_t i;
	(void)state;

	make_tree();
	walk_set = &want;
	assert_int_equal(nftw(at("t"), walk_one, 16, FTW_PHYS), 0);
	wset_sort(&want);
	assert_int_equal(want.n, 1 + 6 * 11 + 5);

	paths[0] = fe_strdup(at("t"));
	memset(&r, 0, sizeof(r));
	r.paths = paths;
	r.npaths = 1;
	r.threads = 4;
	err.msg[0] = '\0';
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_true(got.sorted);
	assert_sets_equal(&got, &want);
	assert_int_equal(st.files, 6 * 9 + 2);
	assert_int_equal(st.dirs, 1 + 6 * 2);
	assert_int_equal(st.other, 3);
	assert_int_equal(st.errors, 0);
	for (i = 1; i < got.n; i++)
		assert_true(strcmp(got.v[i - 1].key, got.v[i].key) < 0);
	wset_free(&got);

	/* one thread, and more threads than paths: the same */
	r.threads = 1;
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_sets_equal(&got, &want);
	wset_free(&got);
	r.threads = 64;
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_sets_equal(&got, &want);
	wset_free(&got);
	wset_free(&want);

	/* a root that does not exist: nothing, no error */
	free(paths[0]);
	paths[0] = fe_strdup(at("nothing/here"));
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(st.errors, 0);
	wset_free(&got);
	free(paths[0]);
	scan_one_release();
}

static bool
has_key_of(const struct wset *s, const char *path)
{
	char *k = scan_key(path);
	bool r = wset_find(s, k) != NULL;

	free(k);
	return r;
}

static void
scan_full_ignore_skip_glob(void **state)
{
	struct wset got = { 0 };
	struct scan_rules r;
	struct scan_stats st;
	struct fe_err err;
	char *paths[2], *ign[2], *skip;
	size_t i;
	(void)state;

	mkdir_ok(at("t"));
	mkdir_ok(at("t/keep"));
	put_str(at("t/keep/a"), "a");
	put_str(at("t/keep/a.swp"), "swap");
	put_str(at("t/keep/a.swpx"), "not swap");
	mkdir_ok(at("t/keep/dir.swp"));
	put_str(at("t/keep/dir.swp/inner"), "hidden too");
	mkdir_ok(at("t/cache"));
	mkdir_ok(at("t/cache/sub"));
	put_str(at("t/cache/sub/x"), "x");
	put_str(at("t/cache-not"), "kept: only a prefix of the name");
	mkdir_ok(at("t/state"));
	put_str(at("t/state/baseline"), "b");
	put_str(at("t/statefile"), "kept");

	paths[0] = fe_strdup(at("t"));
	ign[0] = fe_strdup(at("t/cache"));
	ign[1] = "*.swp";
	memset(&r, 0, sizeof(r));
	r.paths = paths;
	r.npaths = 1;
	r.ignore = ign;
	r.nignore = 2;
	r.skip_dir = skip = fe_strdup(at("t/state"));
	r.threads = 2;
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_true(has_key_of(&got, at("t")));
	assert_true(has_key_of(&got, at("t/keep")));
	assert_true(has_key_of(&got, at("t/keep/a")));
	assert_true(has_key_of(&got, at("t/keep/a.swpx")));
	assert_true(has_key_of(&got, at("t/cache-not")));
	assert_true(has_key_of(&got, at("t/statefile")));
	assert_false(has_key_of(&got, at("t/keep/a.swp")));
	assert_false(has_key_of(&got, at("t/keep/dir.swp")));
	assert_false(has_key_of(&got, at("t/keep/dir.swp/inner")));
	assert_false(has_key_of(&got, at("t/cache")));
	assert_false(has_key_of(&got, at("t/cache/sub")));
	assert_false(has_key_of(&got, at("t/cache/sub/x")));
	assert_false(has_key_of(&got, at("t/state")));
	assert_false(has_key_of(&got, at("t/state/baseline")));
	assert_int_equal(got.n, 6);
	for (i = 0; i < got.n; i++) {
		char *p = scan_key_path(got.v[i].key);

		assert_false(scan_ignored(&r, p));
		assert_true(scan_watched(&r, p));
		free(p);
	}
	assert_true(scan_ignored(&r, at("t/state")));
	assert_true(scan_ignored(&r, at("t/cache/any/depth")));
	assert_false(scan_ignored(&r, at("t/statefile")));
	assert_false(scan_watched(&r, at("other")));
	wset_free(&got);

	/* an ignored root is not scanned at all */
	free(ign[0]);
	ign[0] = fe_strdup(at("t"));
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_int_equal(got.n, 0);
	wset_free(&got);

	/* glob roots: DIR/ * /sub, and a plain file as a root */
	mkdir_ok(at("home"));
	mkdir_ok(at("home/alice"));
	mkdir_ok(at("home/alice/sub"));
	put_str(at("home/alice/sub/key"), "a");
	put_str(at("home/alice/other"), "not under a root");
	mkdir_ok(at("home/bob"));
	mkdir_ok(at("home/bob/sub"));
	put_str(at("home/bob/sub/key"), "b");
	mkdir_ok(at("home/carol"));
	put_str(at("home/carol/sub"), "a file named sub");
	mkdir_ok(at("home/dave"));
	put_str(at("single"), "s");
	free(paths[0]);
	paths[0] = fe_strdup(at("home/*/sub"));
	paths[1] = fe_strdup(at("single"));
	r.npaths = 2;
	r.nignore = 0;
	r.skip_dir = NULL;
	assert_int_equal(scan_full(&r, &got, &st, &err), 0);
	assert_true(has_key_of(&got, at("home/alice/sub")));
	assert_true(has_key_of(&got, at("home/alice/sub/key")));
	assert_true(has_key_of(&got, at("home/bob/sub")));
	assert_true(has_key_of(&got, at("home/bob/sub/key")));
	assert_true(has_key_of(&got, at("home/carol/sub")));
	assert_true(has_key_of(&got, at("single")));
	assert_false(has_key_of(&got, at("home")));
	assert_false(has_key_of(&got, at("home/alice")));
	assert_false(has_key_of(&got, at("home/alice/other")));
	assert_int_equal(got.n, 6);
	assert_true(scan_watched(&r, at("home/dave/sub/later")));
	assert_false(scan_watched(&r, at("home/dave/other")));
	wset_free(&got);

	/* a subtree (a directory that appeared) */
	r.npaths = 1;
	assert_int_equal(scan_subtree(&r, at("home/alice"), &got, &err), 0);
	assert_true(has_key_of(&got, at("home/alice/sub/key")));
	assert_true(has_key_of(&got, at("home/alice/other")));
	assert_false(has_key_of(&got, at("home/alice")));
	assert_int_equal(got.n, 3);
	wset_free(&got);
	free(paths[0]);
	free(paths[1]);
	free(ign[0]);
	free(skip);
	scan_one_release();
}

/* ---- baseline.c --------------------------------------------------------- */

static void
state_with_key(const char *dir)
{
	struct fe_err err;

	mkdir_ok(dir);
	if (baseline_keygen(dir, &err) != 0)
		fail_msg("%s", err.msg);
}

static void
pub_of(const char *dir, uint8_t pub[32])
{
	char path[4096];
	FILE *f;
	EVP_PKEY *k;
	size_t l = 32;

	snprintf(path, sizeof(path), "%s/baseline.pub", dir);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(k = PEM_read_PUBKEY(f, NULL, NULL, NULL));
	fclose(f);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &l), 1);
	assert_int_equal(l, 32);
	EVP_PKEY_free(k);
}

static void
fill(struct baseline *b, const char *host, size_t n)
{
	size_t i;

	memset(b, 0, sizeof(*b));
	b->host = fe_strdup(host);
	for (i = n; i > 0; i--) {
		char k[64];

		snprintf(k, sizeof(k), "file:/etc/f%03zu", i);
		wset_addf(&b->items, k, "type=f size=%zu sha256=%064zx", i, i);
	}
	wset_add(&b->items, "pkg:openssl", "version=3.0 arch=amd64");
}

static void
baseline_round_trip(void **state)
{
	struct baseline b, r;
	struct fe_err err;
	char sa[300];
	uint8_t pub[32], *p;
	size_t len, i;
	(void)state;

	snprintf(sa, sizeof(sa), "%s/a", root);
	state_with_key(sa);
	/* a second keygen refuses to overwrite the key */
	assert_int_not_equal(baseline_keygen(sa, &err), 0);
	{
		struct stat st;

		assert_int_equal(stat(at("a/baseline.key"), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	fill(&b, "signer1", 5);
	assert_int_equal(baseline_write(sa, &b, "init", &err), 0);
	assert_int_equal(b.generation, 1);
	assert_true(b.items.sorted);
	assert_int_equal(baseline_read(sa, &r, &err), 0);
	assert_string_equal(r.host, "signer1");
	assert_string_equal(r.reason, "init");
	assert_int_equal(r.generation, 1);
	assert_int_equal(r.written, b.written);
	assert_memory_equal(r.digest, b.digest, 32);
	assert_sets_equal(&r.items, &b.items);
	assert_string_equal(r.items.v[0].key, "file:/etc/f001");
	/* the digest is of every byte above the sha256 line */
	{
		char hex[65];
		uint8_t md[32], *file = slurp(at("a/baseline"), &len);
		const uint8_t *line = memmem(file, len, "\nsha256: ", 9);
		size_t body;

		assert_non_null(line);
		body = (size_t)(line - file) + 1;
		assert_int_equal(EVP_Digest(file, body, md, NULL, EVP_sha256(),
		    NULL), 1);
		assert_memory_equal(md, r.digest, 32);
		hex_encode(md, 32, hex);
		assert_memory_equal(file + body + 8, hex, 64);
		free(file);
	}
	baseline_clear(&r);

	/* generation goes up at every write */
	wset_add(&b.items, "file:/etc/zz", "type=f");
	assert_int_equal(baseline_write(sa, &b, "ticket 42", &err), 0);
	assert_int_equal(b.generation, 2);
	assert_int_equal(baseline_read(sa, &r, &err), 0);
	assert_int_equal(r.generation, 2);
	assert_string_equal(r.reason, "ticket 42");
	assert_int_equal(r.items.n, 7);
	baseline_clear(&r);

	/* parse with the raw key, and without */
	pub_of(sa, pub);
	p = slurp(at("a/baseline"), &len);
	assert_int_equal(baseline_parse("x", p, len, pub, &r, &err), 0);
	baseline_clear(&r);
	assert_int_equal(baseline_parse("x", p, len, NULL, &r, &err), 0);
	baseline_clear(&r);
	/* every cut short is refused */
	for (i = 0; i < len; i++)
		if (baseline_parse("cut", p, i, pub, &r, &err) == 0)
			fail_msg("a baseline cut at %zu of %zu parsed", i, len);
	free(p);

	/* an empty baseline is fine */
	baseline_clear(&b);
	memset(&b, 0, sizeof(b));
	b.host = fe_strdup("h");
	assert_int_equal(baseline_write(sa, &b, "empty", &err), 0);
	assert_int_equal(baseline_read(sa, &r, &err), 0);
	assert_int_equal(r.items.n, 0);
	baseline_clear(&r);
	baseline_clear(&b);

	/* no key: read and write say so */
	fill(&b, "h", 1);
	assert_int_not_equal(baseline_write(at("nokey"), &b, "x", &err), 0);
	assert_msg(&err, "baseline.key");
	assert_int_not_equal(baseline_read(at("nokey"), &r, &err), 0);
	assert_msg(&err, "baseline.pub");
	baseline_clear(&b);
}

/* text with the first "from" replaced by "to", malloc'ed */
static char *
subst(const char *text, const char *from, const char *to)
{
	const char *s = strstr(text, from);
	size_t a, fl = strlen(from), tl = strlen(to), n = strlen(text);
	char *o;

	if (s == NULL)
		fail_msg("'%s' not in the baseline", from);
	a = (size_t)(s - text);
	o = fe_malloc(n - fl + tl + 1);
	memcpy(o, text, a);
	memcpy(o + a, to, tl);
	memcpy(o + a + tl, s + fl, n - a - fl + 1);
	return o;
}

/* Put the right sha256 line back after an edit of the body (what an
 * attacker without the key can do). */
static char *
redigest(const char *text)
{
	const char *s = strstr(text, "\nsha256: ");
	char hex[65], *o;

	assert_non_null(s);
	sha256_hex_of(text, (size_t)(s + 1 - text), hex);
	o = fe_strdup(text);
	memcpy(o + (s - text) + 9, hex, 64);
	return o;
}

static void
parse_refused(const char *text, const uint8_t *pub, const char *want)
{
	struct baseline b;
	struct fe_err err;

	memset(&b, 0x5a, sizeof(b));
	if (baseline_parse("bl", (const uint8_t *)text, strlen(text), pub, &b,
	    &err) == 0) {
		baseline_clear(&b);
		fail_msg("parsed, expected '%s'", want);
	}
	assert_msg(&err, want);
	assert_memory_equal(err.msg, "bl", 2);
	/* output set only on success */
	assert_int_equal(((uint8_t *)&b)[0], 0x5a);
}

static void
edit_refused(const char *text, const char *from, const char *to,
    bool fix_digest, const uint8_t *pub, const char *want)
{
	char *t = subst(text, from, to);

	if (fix_digest) {
		char *u = redigest(t);

		free(t);
		t = u;
	}
	parse_refused(t, pub, want);
	free(t);
}

static void
baseline_tampering_refused(void **state)
{
	struct baseline b;
	struct fe_err err;
	char sa[300], sb[300];
	uint8_t pub_a[32], pub_b[32], *p;
	size_t len;
	char *text, *t, line[128];
	(void)state;

	snprintf(sa, sizeof(sa), "%s/a", root);
	snprintf(sb, sizeof(sb), "%s/b", root);
	state_with_key(sa);
	state_with_key(sb);
	fill(&b, "signer1", 3);
	assert_int_equal(baseline_write(sa, &b, "init", &err), 0);
	baseline_clear(&b);
	pub_of(sa, pub_a);
	pub_of(sb, pub_b);
	p = slurp(at("a/baseline"), &len);
	text = fe_strndup((const char *)p, len);
	free(p);

	/* the untouched text parses with A's key */
	assert_int_equal(baseline_parse("bl", (const uint8_t *)text,
	    strlen(text), pub_a, &b, &err), 0);
	baseline_clear(&b);

	/* one byte of an item */
	edit_refused(text, "size=2", "size=3", false, pub_a,
	    "does not match its sha256");
	edit_refused(text, "size=2", "size=3", false, NULL,
	    "does not match its sha256");
	/* digest recomputed, no new signature */
	edit_refused(text, "size=2", "size=3", true, pub_a,
	    "signature does not verify");
	/* a different key's signature */
	parse_refused(text, pub_b, "signature does not verify");
	/* items out of order, or repeated (digest made to match) */
	edit_refused(text, "file:/etc/f002", "file:/etc/f009", true, pub_a,
	    "line 10: items out of order or repeated");
	edit_refused(text, "file:/etc/f002", "file:/etc/f001", true, pub_a,
	    "line 9: items out of order or repeated");
	/* wrong item count, both ways */
	edit_refused(text, "items: 4\n", "items: 3\n", true, pub_a,
	    "line 11: expected 'sha256: ...'");
	edit_refused(text, "items: 4\n", "items: 5\n", true, pub_a,
	    "line 12: expected KEY<tab>VALUE");
	/* truncated: in the signature, before it, in the middle */
	{
		size_t l = strlen(text);

		text[l - 2] = '\0';
		parse_refused(text, pub_a, "bad signature encoding");
		text[l - 2] = '=';
		text[l - 1] = '\0';
		parse_refused(text, pub_a, "line 13: cut short");
		text[l - 1] = '\n';
		t = fe_strndup(text, (size_t)(strstr(text, "\nsig: ") -
		    text) + 1);
		parse_refused(t, pub_a, "expected 'sig: ...'");
		free(t);
		t = fe_strndup(text, (size_t)(strstr(text, "\nsha256: ") -
		    text) + 1);
		parse_refused(t, pub_a, "expected 'sha256: ...'");
		free(t);
		t = fe_strndup(text, (size_t)(strstr(text, "pkg:") - text));
		parse_refused(t, pub_a, "item 4 of 4 is missing");
		free(t);
	}
	/* trailing bytes after sig */
	if (asprintf(&t, "%s\n", text) < 0)
		abort();
	parse_refused(t, pub_a, "bytes after the signature");
	free(t);
	if (asprintf(&t, "%sx", text) < 0)
		abort();
	parse_refused(t, pub_a, "bytes after the signature");
	free(t);

	/* every other rejection of the parser */
	parse_refused("", NULL, "line 1: not a foureyes baseline");
	edit_refused(text, "foureyes-baseline v1", "foureyes-baseline v2",
	    false, NULL, "line 1: not a foureyes baseline");
	edit_refused(text, "host: ", "hots: ", false, NULL,
	    "line 2: expected 'host: ...'");
	edit_refused(text, "host: signer1", "host: ", false, NULL,
	    "line 2: bad host");
	edit_refused(text, "host: signer1", "host: sig\x7fner1", false, NULL,
	    "line 2: bad host");
	memset(line, 'h', 65);
	line[65] = '\0';
	{
		char h[160];

		snprintf(h, sizeof(h), "host: %s", line);
		edit_refused(text, "host: signer1", h, false, NULL,
		    "line 2: bad host");
	}
	edit_refused(text, "generation: 1\n", "generation: 01\n", false, NULL,
	    "line 3: bad generation");
	edit_refused(text, "generation: 1\n", "generation: -1\n", false, NULL,
	    "line 3: bad generation");
	edit_refused(text, "generation: 1\n", "generation: \n", false, NULL,
	    "line 3: bad generation");
	edit_refused(text, "generation: 1\n",
	    "generation: 99999999999999999999\n", false, NULL,
	    "line 3: bad generation");
	edit_refused(text, "generation: 1\n", "generation: 9223372036854775808\n",
	    false, NULL, "line 3: bad generation");
	edit_refused(text, "written: ", "written: x", false, NULL,
	    "line 4: bad time");
	edit_refused(text, "written: ", "written: 2026-13-01T00:00:00Z ", false,
	    NULL, "line 4: bad time");
	{
		const char *w = strstr(text, "written: ");
		char *wl = fe_strndup(w, (size_t)(strchr(w, '\n') - w));

		edit_refused(text, wl, "written: 2026-13-01T00:00:00Z", false,
		    NULL, "line 4: bad time '2026-13-01T00:00:00Z'");
		edit_refused(text, wl, "written: 2026-01-01 00:00:00Z", false,
		    NULL, "line 4: bad time");
		free(wl);
	}
	edit_refused(text, "written:", "writen:", false, NULL,
	    "line 4: expected 'written: ...'");
	edit_refused(text, "reason: init", "reason: in\033it", false, NULL,
	    "line 5: bad reason");
	edit_refused(text, "reason: init", "reason: in\tit", false, NULL,
	    "line 5: bad reason");
	edit_refused(text, "items: 4", "items: 10000001", false, NULL,
	    "line 6: bad item count");
	edit_refused(text, "items: 4", "items: 4x", false, NULL,
	    "line 6: bad item count");
	edit_refused(text, "items: 4", "count: 4", false, NULL,
	    "line 6: expected 'items: ...'");
	edit_refused(text, "items: 4\n\n", "items: 4\n \n", false, NULL,
	    "line 7: expected an empty line");
	edit_refused(text, "\tversion=3.0", " version=3.0", false, NULL,
	    "line 11: expected KEY<tab>VALUE");
	edit_refused(text, "pkg:openssl\t", "\t", false, NULL,
	    "line 11: expected KEY<tab>VALUE");
	edit_refused(text, "version=3.0", "version=3.0\tx", false, NULL,
	    "line 11: expected KEY<tab>VALUE");
	edit_refused(text, "version=3.0", "version=3\0330", false, NULL,
	    "line 11: expected KEY<tab>VALUE");
	edit_refused(text, "version=3.0", "version=3\r0", false, NULL,
	    "a carriage return");
	edit_refused(text, "items: 4\n", "items: 4\r\n", false, NULL,
	    "a carriage return");
	{
		/* a key over ITEM_MAX_KEY */
		char *longkey = fe_malloc(ITEM_MAX_KEY + 16);

		memcpy(longkey, "pkg:", 4);
		memset(longkey + 4, 'k', ITEM_MAX_KEY);
		longkey[ITEM_MAX_KEY + 4] = '\0';
		edit_refused(text, "pkg:openssl", longkey, false, NULL,
		    "line 11: expected KEY<tab>VALUE");
		free(longkey);
	}
	edit_refused(text, "sha256: ", "sha256: 0", false, NULL,
	    "bad digest");
	edit_refused(text, "sha256: ", "sha256: zz", false, NULL,
	    "bad digest");
	{
		const char *s = strstr(text, "\nsha256: ") + 9;
		char bad[80];

		memcpy(bad, s, 64);
		bad[64] = '\0';
		t = subst(text, bad, "g000000000000000000000000000000000000000"
		    "000000000000000000000000");
		parse_refused(t, NULL, "bad digest");
		free(t);
	}
	edit_refused(text, "sig: ", "sig: A", false, NULL,
	    "bad signature encoding");
	{
		char *u = fe_strdup(text);

		strstr(u, "\nsig: ")[6] = '!';
		parse_refused(u, NULL, "bad signature encoding");
		free(u);
	}
	edit_refused(text, "\nsig: ", "\nsgi: ", false, NULL,
	    "expected 'sig: ...'");
	/* a base64 signature of the right length but 64 zero bytes */
	{
		const char *s = strstr(text, "\nsig: ") + 6;
		char sig[89];

		memcpy(sig, s, 88);
		sig[88] = '\0';
		t = subst(text, sig, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==");
		parse_refused(t, pub_a, "signature does not verify");
		free(t);
	}
	free(text);
}

/* ---- watchconf.c -------------------------------------------------------- */

static const char full_conf[] =
    "[watch]\n"
    "host = signer-1.example_x\n"
    "state = /var/lib/foureyes/watch\n"
    "tickets = /var/lib/foureyes/tickets\n"
    "allowed_signers = /etc/foureyes/allowed_signers\n"
    "rescan = 600\n"
    "poll = 2\n"
    "emergency_grace = 3\n"
    "respond_within = 8\n"
    "threads = 4\n"
    "realtime = inotify\n"
    "\n"
    "[files]\n"
    "paths = /etc, /usr/bin, /home/*/.ssh\n"
    "ignore = /etc/mtab, *.swp\n"
    "\n"
    "[collect]\n"
    "packages = no\n"
    "sockets = yes\n"
    "accounts = no\n"
    "modules = yes\n"
    "units = no\n"
    "root = /srv/root\n"
    "\n"
    "[ports]\n"
    "documented = tcp:127.0.0.1:22, udp6:*:53\n"
    "\n"
    "[alert]\n"
    "channels = smtp, command\n"
    "smtp_url = smtp://127.0.0.1:2525\n"
    "smtp_from = fe-watch@host1.example\n"
    "smtp_to = admins@example.org, ops@example.org\n"
    "escalate_to = board@example.org\n"
    "command = /usr/local/bin/page --urgent\n"
    "timeout = 5\n";

static const char min_conf[] =
    "[watch]\n"
    "host = h\n"
    "state = /s\n"
    "tickets = /t\n"
    "allowed_signers = /a\n";

static void
watchconf_full_and_defaults(void **state)
{
	struct watchconf wc;
	struct fe_err err;
	(void)state;

	if (watchconf_load_string("w.ini", full_conf, &wc, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(wc.host, "signer-1.example_x");
	assert_string_equal(wc.state, "/var/lib/foureyes/watch");
	assert_string_equal(wc.tickets, "/var/lib/foureyes/tickets");
	assert_string_equal(wc.allowed_signers,
	    "/etc/foureyes/allowed_signers");
	assert_int_equal(wc.rescan, 600);
	assert_int_equal(wc.poll, 2);
	assert_int_equal(wc.emergency_grace, 3);
	assert_int_equal(wc.respond_within, 8);
	assert_int_equal(wc.threads, 4);
	assert_int_equal(wc.realtime, RT_INOTIFY);
	assert_int_equal(wc.npaths, 3);
	assert_string_equal(wc.paths[0], "/etc");
	assert_string_equal(wc.paths[2], "/home/*/.ssh");
	assert_int_equal(wc.nignore, 2);
	assert_string_equal(wc.ignore[1], "*.swp");
	assert_false(wc.packages);
	assert_true(wc.sockets);
	assert_false(wc.accounts);
	assert_true(wc.modules);
	assert_false(wc.units);
	assert_string_equal(wc.root, "/srv/root");
	assert_int_equal(wc.nports, 2);
	assert_string_equal(wc.ports[1], "udp6:*:53");
	assert_true(wc.have_alert);
	assert_true(wc.alert.use[ALERT_SMTP]);
	assert_true(wc.alert.use[ALERT_COMMAND]);
	assert_false(wc.alert.use[ALERT_SYSLOG]);
	assert_string_equal(wc.alert.smtp_url, "smtp://127.0.0.1:2525");
	assert_string_equal(wc.alert.smtp_from, "fe-watch@host1.example");
	assert_int_equal(wc.alert.nsmtp_to, 2);
	assert_string_equal(wc.alert.smtp_to[1], "ops@example.org");
	assert_int_equal(wc.alert.nescalate_to, 1);
	assert_string_equal(wc.alert.command[0], "/usr/local/bin/page");
	assert_string_equal(wc.alert.command[1], "--urgent");
	assert_null(wc.alert.command[2]);
	assert_int_equal(wc.alert.timeout, 5);
	watchconf_clear(&wc);

	assert_int_equal(watchconf_load_string("m.ini", min_conf, &wc, &err),
	    0);
	assert_int_equal(wc.rescan, 3600);
	assert_int_equal(wc.poll, 1);
	assert_int_equal(wc.emergency_grace, 86400);
	assert_int_equal(wc.respond_within, 86400);
	assert_int_equal(wc.threads, 2);
	assert_int_equal(wc.realtime, RT_AUTO);
	assert_int_equal(wc.npaths, 0);
	assert_true(wc.packages && wc.sockets && wc.accounts && wc.modules &&
	    wc.units);
	assert_string_equal(wc.root, "/");
	assert_false(wc.have_alert);
	watchconf_clear(&wc);

	/* from a file too */
	put_str(at("w.ini"), full_conf);
	assert_int_equal(watchconf_load(at("w.ini"), &wc, &err), 0);
	assert_int_equal(wc.nports, 2);
	watchconf_clear(&wc);
	assert_int_not_equal(watchconf_load(at("none.ini"), &wc, &err), 0);
}

static void
conf_refused(const char *text, const char *want1, const char *want2)
{
	struct watchconf wc;
	struct fe_err err;

	if (watchconf_load_string("w.ini", text, &wc, &err) == 0) {
		watchconf_clear(&wc);
		fail_msg("accepted, expected '%s'", want1);
	}
	assert_msg(&err, "w.ini");
	assert_msg(&err, want1);
	if (want2 != NULL)
		assert_msg(&err, want2);
	/* nothing left behind to free */
	assert_null(wc.host);
	assert_null(wc.paths);
}

/* min_conf plus extra lines */
static void
min_refused(const char *extra, const char *want1, const char *want2)
{
	char *t;

	if (asprintf(&t, "%s%s", min_conf, extra) < 0)
		abort();
	conf_refused(t, want1, want2);
	free(t);
}

static void
watchconf_errors_name_key_and_value(void **state)
{
	char *t;
	(void)state;

	t = subst(full_conf, "ignore =", "ignroe =");
	conf_refused(t, "ignroe", "unknown key");
	free(t);
	min_refused("extra = 1\n", "[watch] extra: unknown key", NULL);
	min_refused("[files]\npaths = /etc, etc/x\n",
	    "[files] paths = 'etc/x'", "not an absolute path");
	min_refused("[files]\nignore = relative/ok, *.swp\n[bogus]\nk = v\n",
	    "[bogus] k", "unknown key");
	t = subst(full_conf, "host = signer-1.example_x", "host = bad host!");
	conf_refused(t, "host = 'bad host!'", "letters, digits");
	free(t);
	t = subst(min_conf, "host = h", "host = "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	conf_refused(t, "[watch] host = 'aaaa", "at most 64");
	free(t);
	t = subst(min_conf, "host = h\n", "");
	conf_refused(t, "[watch] host is required", NULL);
	free(t);
	t = subst(min_conf, "state = /s\n", "");
	conf_refused(t, "[watch] state is required", NULL);
	free(t);
	t = subst(min_conf, "tickets = /t\n", "");
	conf_refused(t, "[watch] tickets is required", NULL);
	free(t);
	t = subst(min_conf, "allowed_signers = /a\n", "");
	conf_refused(t, "[watch] allowed_signers is required", NULL);
	free(t);
	min_refused("rescan = 5\n", "rescan = '5'", "from 10 to 604800");
	min_refused("rescan = 604801\n", "rescan = '604801'", NULL);
	min_refused("poll = 0\n", "poll = '0'", NULL);
	min_refused("emergency_grace = 2592001\n", "emergency_grace = "
	    "'2592001'", NULL);
	min_refused("respond_within = -1\n", "respond_within = '-1'", NULL);
	min_refused("threads = 65\n", "threads = '65'", NULL);
	min_refused("realtime = poll\n", "realtime = 'poll'",
	    "auto, fanotify, inotify");
	min_refused("[collect]\npackages = maybe\n", "packages = 'maybe'",
	    "yes or no");
	min_refused("[collect]\nroot = srv\n", "[collect] root = 'srv'",
	    "not an absolute path");
	min_refused("[ports]\ndocumented = tcp:*:22, sctp:*:9\n",
	    "[ports] documented = 'sctp:*:9'", "PROTO");
	min_refused("[alert]\nchannels = smtp\nsmtp_url = smtp://h\n"
	    "smtp_from = a@b\nsmtp_to = c@d\n", "channels = 'smtp'",
	    "more than one channel");
	min_refused("[alert]\ntimeout = 5\n", "[alert] channels is required",
	    NULL);
	min_refused("[alert]\nchannels = syslog, pager\n", "unknown channel "
	    "'pager'", NULL);
	min_refused("[alert]\nchannels = syslog, syslog\n", "named twice",
	    NULL);
	min_refused("[alert]\nchannels = syslog, command\n",
	    "[alert] command is required", NULL);
	min_refused("[alert]\nchannels = syslog, command\ncommand = page\n",
	    "command = 'page'", NULL);
	min_refused("[alert]\nchannels = syslog, command\ncommand = /bin/x\n"
	    "smtp_url = smtp://h\n", "smtp_url", NULL);
	min_refused("[alert]\nchannels = syslog, smtp\nsmtp_url = http://h\n"
	    "smtp_from = a@b\nsmtp_to = c@d\n", "smtp_url = 'http://h'", NULL);
	min_refused("[alert]\nchannels = syslog, smtp\nsmtp_url = smtp://h\n"
	    "smtp_from = a b\nsmtp_to = c@d\n", "smtp_from = 'a b'", NULL);
	min_refused("[alert]\nchannels = syslog, smtp\nsmtp_url = smtp://h\n"
	    "smtp_from = a@b\n", "smtp_to is required", NULL);
	min_refused("[alert]\nchannels = syslog, command\ncommand = /bin/x\n"
	    "timeout = 301\n", "timeout = '301'", NULL);
	conf_refused("[watch\nhost = x\n", "w.ini", NULL);
}

/* ---- wstate.c ----------------------------------------------------------- */

static void
wstate_alerts_pending_meta(void **state)
{
	struct wstate *s;
	struct walert *a;
	struct wpending p, *pv;
	struct fe_err err;
	uint64_t id1, id2, id3;
	int64_t v;
	size_t n;
	(void)state;

	assert_int_equal(wstate_open(root, &s, &err), 0);

	/* meta */
	assert_int_equal(wstate_get(s, "heartbeat", -5, &v, &err), 0);
	assert_int_equal(v, -5);
	assert_int_equal(wstate_set(s, "heartbeat", 100, &err), 0);
	assert_int_equal(wstate_set(s, "clean_stop", 1, &err), 0);
	assert_int_equal(wstate_get(s, "heartbeat", -5, &v, &err), 0);
	assert_int_equal(v, 100);
	assert_int_equal(wstate_set(s, "heartbeat", INT64_MIN, &err), 0);
	assert_int_equal(wstate_get(s, "heartbeat", -5, &v, &err), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(wstate_get(s, "clean_stop", 0, &v, &err), 0);
	assert_int_equal(v, 1);

	/* alerts */
	assert_int_equal(wstate_alert_new(s, "change", "one", "d1", 1000, 2000,
	    &id1, &err), 0);
	assert_int_equal(wstate_alert_new(s, "port", "two", NULL, 1001, 2001,
	    &id2, &err), 0);
	assert_int_equal(wstate_alert_new(s, "gap", "three", "d3", 1002, 2002,
	    &id3, &err), 0);
	assert_true(id1 < id2 && id2 < id3);
	assert_int_equal(wstate_alerts(s, false, &a, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(a[0].id, id1);
	assert_string_equal(a[0].kind, "change");
	assert_string_equal(a[0].summary, "one");
	assert_string_equal(a[0].detail, "d1");
	assert_int_equal(a[0].time, 1000);
	assert_int_equal(a[0].respond_by, 2000);
	assert_int_equal(a[0].acked_at, 0);
	assert_null(a[0].acked_by);
	assert_false(a[0].ack_logged);
	assert_null(a[1].detail);
	assert_int_equal(a[2].id, id3);
	walert_free_all(a, n);

	assert_int_equal(wstate_alert_ack(s, id2, "alice", "revert it", 1500,
	    &err), 0);
	assert_int_equal(wstate_alert_ack(s, 999, "alice", "x", 1500, &err),
	    FE_ENOENT);
	assert_msg(&err, "alert 999: no such alert");
	assert_true(wstate_alert_ack(s, id2, "bob", "other", 1600, &err) < 0);
	assert_msg(&err, "already acknowledged");
	/* the refused ack left no transaction open, nor changed anything */
	assert_int_equal(wstate_alert_escalated(s, id3, 1700, &err), 0);
	assert_int_equal(wstate_alert_ack_logged(s, id2, &err), 0);
	assert_int_equal(wstate_alerts(s, true, &a, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(a[0].id, id1);
	assert_int_equal(a[1].id, id3);
	assert_int_equal(a[1].escalated_at, 1700);
	assert_int_equal(a[0].escalated_at, 0);
	walert_free_all(a, n);
	assert_int_equal(wstate_alerts(s, false, &a, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(a[1].acked_by, "alice");
	assert_string_equal(a[1].plan, "revert it");
	assert_int_equal(a[1].acked_at, 1500);
	assert_true(a[1].ack_logged);
	assert_false(a[0].ack_logged);
	walert_free_all(a, n);

	/* pending */
	assert_int_equal(wstate_pending_all(s, &pv, &n, &err), 0);
	assert_int_equal(n, 0);
	free(pv);
	memset(&p, 0, sizeof(p));
	p.key = "file:/etc/b";
	p.val = "type=f";
	p.seen = 10;
	p.alert_id = id1;
	p.ticket = 0;
	p.deadline = 0;
	assert_int_equal(wstate_pending_put(s, &p, &err), 0);
	p.key = "file:/etc/a";
	p.val = NULL;             /* removed */
	p.seen = 11;
	p.alert_id = 0;
	p.ticket = 42;
	p.deadline = 99;
	assert_int_equal(wstate_pending_put(s, &p, &err), 0);
	assert_int_equal(wstate_pending_all(s, &pv, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pv[0].key, "file:/etc/a");
	assert_null(pv[0].val);
	assert_int_equal(pv[0].ticket, 42);
	assert_int_equal(pv[0].deadline, 99);
	assert_string_equal(pv[1].val, "type=f");
	assert_int_equal(pv[1].alert_id, id1);
	assert_int_equal(pv[1].seen, 10);
	wpending_free_all(pv, n);
	/* replace */
	p.val = "type=d";
	p.seen = 12;
	assert_int_equal(wstate_pending_put(s, &p, &err), 0);
	assert_int_equal(wstate_pending_all(s, &pv, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pv[0].val, "type=d");
	assert_int_equal(pv[0].seen, 12);
	wpending_free_all(pv, n);
	assert_int_equal(wstate_pending_del(s, "file:/etc/a", &err), 0);
	assert_int_equal(wstate_pending_del(s, "file:/nothing", &err), 0);
	assert_int_equal(wstate_pending_all(s, &pv, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pv[0].key, "file:/etc/b");
	wpending_free_all(pv, n);

	/* transactions, and everything survives a reopen */
	assert_int_equal(wstate_begin(s, &err), 0);
	assert_int_equal(wstate_set(s, "k", 7, &err), 0);
	assert_int_equal(wstate_commit(s, &err), 0);
	assert_int_not_equal(wstate_commit(s, &err), 0);  /* none open */
	wstate_close(s);
	assert_int_equal(wstate_open(root, &s, &err), 0);
	assert_int_equal(wstate_get(s, "k", 0, &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(wstate_alerts(s, false, &a, &n, &err), 0);
	assert_int_equal(n, 3);
	walert_free_all(a, n);
	wstate_close(s);
	wstate_close(NULL);

	assert_int_not_equal(wstate_open(at("no/such/dir"), &s, &err), 0);
	assert_msg(&err, "state.db");
}

/* ---- watcher.c: init, check, the baseline against the watch log ---------- */

static char *
run_report(int (*fn)(FILE *, void *), void *arg, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	*rc = fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return text;
}

struct wargs {
	const char *conf;
	size_t changes;
	struct fe_err err;
};

static int
do_init(FILE *f, void *arg)
{
	struct wargs *a = arg;

	return watch_init(a->conf, "tester", f, &a->err);
}

static int
do_check(FILE *f, void *arg)
{
	struct wargs *a = arg;

	a->changes = 99;
	return watch_check(a->conf, f, &a->changes, &a->err);
}

static void
assert_contains(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("report:\n%s\ndoes not contain '%s'", text, want);
}

static void
watch_init_check_and_rollback(void **state)
{
	struct wargs a;
	struct baseline b;
	struct clog *log;
	struct fe_err err;
	char *rep, *conf, *p, hex[65], line[512];
	uint8_t *old;
	size_t oldlen;
	int rc, n;
	(void)state;

	mkdir_ok(at("tree"));
	mkdir_ok(at("tree/etc"));
	put_str(at("tree/etc/one"), "one\n");
	put_str(at("tree/etc/two"), "two\n");
	put_str(at("tree/etc/x.swp"), "swap\n");
	assert_int_equal(symlink("one", at("tree/etc/link")), 0);
	mkdir_ok(at("tickets"));
	put_str(at("allowed_signers"), "");
	if (asprintf(&conf, "[watch]\nhost = host1\nstate = %s\n"
	    "tickets = %s\nallowed_signers = %s\nthreads = 3\n\n"
	    "[files]\npaths = %s\nignore = *.swp\n\n"
	    "[collect]\npackages = no\nsockets = no\naccounts = no\n"
	    "modules = no\nunits = no\n", at("state"), at("tickets"),
	    at("allowed_signers"), at("tree")) < 0)
		abort();
	put_str(at("watch.ini"), conf);
	free(conf);
	conf = NULL;
	memset(&a, 0, sizeof(a));
	a.conf = conf = fe_strdup(at("watch.ini"));

	/* check before init: no baseline */
	rep = run_report(do_check, &a, &rc);
	assert_int_not_equal(rc, 0);
	free(rep);

	rep = run_report(do_init, &a, &rc);
	if (rc != 0)
		fail_msg("%s", a.err.msg);
	assert_contains(rep, "baseline of host1: 5 items");
	assert_contains(rep, "generation 1");
	free(rep);
	{
		struct stat st;

		assert_int_equal(stat(at("state"), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* a second init refuses */
	rep = run_report(do_init, &a, &rc);
	assert_true(rc < 0);
	assert_msg(&a.err, "exists");
	free(rep);

	rep = run_report(do_check, &a, &rc);
	if (rc != 0)
		fail_msg("%s", a.err.msg);
	assert_int_equal(a.changes, 0);
	assert_contains(rep, "0 added, 0 removed, 0 changed");
	free(rep);

	/* one modified file: one change, named (later than the kernel's
	 * timestamp granularity, so that mtime moves too) */
	usleep(30000);
	put_str(at("tree/etc/two"), "two, changed\n");
	rep = run_report(do_check, &a, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(a.changes, 1);
	if (asprintf(&p, "changed:  file:%s (size mtime ctime sha256)",
	    at("tree/etc/two")) < 0)
		abort();
	assert_contains(rep, p);
	free(p);
	assert_contains(rep, "0 added, 0 removed, 1 changed");
	free(rep);
	/* an added and a removed file; an ignored one is not a change */
	put_str(at("tree/etc/three"), "3\n");
	put_str(at("tree/etc/y.swp"), "swap\n");
	assert_int_equal(unlink(at("tree/etc/one")), 0);
	rep = run_report(do_check, &a, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(a.changes, 3);
	if (asprintf(&p, "added:    file:%s", at("tree/etc/three")) < 0)
		abort();
	assert_contains(rep, p);
	free(p);
	if (asprintf(&p, "removed:  file:%s", at("tree/etc/one")) < 0)
		abort();
	assert_contains(rep, p);
	free(p);
	free(rep);

	/* the baseline agrees with the watch log */
	assert_int_equal(watch_verify_baseline(at("state"), &b, &err), 0);
	assert_int_equal(b.generation, 1);
	assert_int_equal(b.items.n, 5);

	/* save generation 1, write generation 2 the way fe-watch does */
	old = slurp(at("state/baseline"), &oldlen);
	wset_add(&b.items, "file:/new", "type=f");
	assert_int_equal(baseline_write(at("state"), &b, "ticket 7", &err), 0);
	assert_int_equal(b.generation, 2);
	hex_encode(b.digest, 32, hex);
	n = snprintf(line, sizeof(line), "generation=%llu items=%zu sha256=%s "
	    "reason=ticket 7", (unsigned long long)b.generation, b.items.n,
	    hex);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(clog_open(at("state/watch.log"), &log, &err), 0);
	assert_int_equal(clog_append(log, "baseline.write", line, (size_t)n,
	    &err), 0);
	clog_close(log);
	baseline_clear(&b);
	assert_int_equal(watch_verify_baseline(at("state"), &b, &err), 0);
	assert_int_equal(b.generation, 2);
	baseline_clear(&b);

	/* put the older, validly signed one back */
	put_file(at("state/baseline"), old, oldlen);
	free(old);
	memset(&b, 0, sizeof(b));
	assert_int_not_equal(watch_verify_baseline(at("state"), &b, &err), 0);
	assert_msg(&err, "not the last one fe-watch wrote");
	assert_msg(&err, "generation 1");
	assert_msg(&err, "watch.log: generation 2");
	assert_null(b.host);
	rep = run_report(do_check, &a, &rc);
	assert_int_not_equal(rc, 0);
	assert_msg(&a.err, "not the last one fe-watch wrote");
	free(rep);

	/* edited by hand: the digest says so before the log is read */
	{
		uint8_t *q;
		size_t ql;
		char *e;

		q = slurp(at("state/baseline"), &ql);
		e = memmem(q, ql, "size=4", 6);
		assert_non_null(e);
		e[5] = '5';
		put_file(at("state/baseline"), q, ql);
		free(q);
		assert_int_not_equal(watch_verify_baseline(at("state"), &b,
		    &err), 0);
		assert_msg(&err, "does not match its sha256");
	}
	/* a watch log without any baseline.write: refused too */
	{
		assert_int_equal(unlink(at("state/watch.log")), 0);
		assert_int_equal(clog_open(at("state/watch.log"), &log, &err),
		    0);
		assert_int_equal(clog_append(log, "watch.start", "x", 1, &err),
		    0);
		clog_close(log);
		fill(&b, "host1", 2);
		assert_int_equal(baseline_write(at("state"), &b, "x", &err), 0);
		baseline_clear(&b);
		assert_int_not_equal(watch_verify_baseline(at("state"), &b,
		    &err), 0);
		assert_msg(&err, "not the last one fe-watch wrote");
		assert_msg(&err, "none");
	}
	free(conf);
	scan_one_release();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wset_sort_drops_duplicates_and_finds),
		cmocka_unit_test(wset_drop_prefix_and_move),
		cmocka_unit_test(wset_diff_in_order_and_stops),
		cmocka_unit_test(item_changed_attrs_names),
		cmocka_unit_test(smap_many_keys),
		cmocka_unit_test(smap_churn_stays_small),
		cmocka_unit_test(scan_key_round_trip),
		cmocka_unit_test_setup_teardown(scan_one_regular_link_dir,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(scan_one_xattrs, setup_root,
		    teardown_root),
		cmocka_unit_test_setup_teardown(scan_full_equals_scan_one,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(scan_full_ignore_skip_glob,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(baseline_round_trip,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(baseline_tampering_refused,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(watchconf_full_and_defaults,
		    setup_root, teardown_root),
		cmocka_unit_test(watchconf_errors_name_key_and_value),
		cmocka_unit_test_setup_teardown(wstate_alerts_pending_meta,
		    setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(watch_init_check_and_rollback,
		    setup_root, teardown_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
