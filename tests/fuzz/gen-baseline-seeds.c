/*
 * gen-baseline-seeds.c - seeds for fuzz_baseline: real baselines written by
 * baseline_write() and signed with the fixed test key of fixed_baseline.h,
 * and near misses of them (each under 4 KB).  Run by
 * tests/fuzz/make-corpus.sh; not part of the build or of any test.
 *
 *   gen-baseline-seeds OUT_DIR
 *
 * The clock comes through the seam and Ed25519 signatures are
 * deterministic, so the seeds are the same at every run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/file.h"
#include "lib/seam.h"
#include "watch/baseline.h"
#include "fixed_baseline.h"

static const char *out_dir;

static struct timespec
fixed_clock(void)
{
	struct timespec ts = { 1795000000, 0 };   /* 2026-11-18 */

	return ts;
}

static void
die(const char *what, const struct fe_err *err)
{
	fprintf(stderr, "gen-baseline-seeds: %s: %s\n", what,
	    err ? err->msg : "failed");
	exit(1);
}

static void
put(const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	if (len >= 4096)
		die(name, NULL);
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0)
		die(path, NULL);
}

/* put() with the first "from" replaced by "to" */
static void
put_subst(const char *name, const char *text, const char *from,
    const char *to)
{
	const char *s = strstr(text, from);
	char buf[8192];
	size_t a;

	if (s == NULL)
		die(name, NULL);
	a = (size_t)(s - text);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)a, text, to,
	    s + strlen(from));
	put(name, buf, strlen(buf));
}

static char *
write_one(const char *state, struct baseline *b, const char *reason)
{
	char path[4096];
	struct fe_err err;
	uint8_t *p;
	size_t len;

	if (baseline_write(state, b, reason, &err) != 0)
		die("baseline_write", &err);
	snprintf(path, sizeof(path), "%s/baseline", state);
	if (fe_read_file(path, 1 << 20, &p, &len, &err) != 0)
		die(path, &err);
	p = realloc(p, len + 1);
	if (p == NULL)
		die("realloc", NULL);
	p[len] = '\0';
	return (char *)p;
}

int
main(int argc, char **argv)
{
	char state[] = "/tmp/gen-baseline.XXXXXX", path[4096];
	struct baseline b;
	EVP_PKEY *k;
	FILE *f;
	char *t1, *t2, *t3;
	size_t l;

	if (argc != 2) {
		fprintf(stderr, "usage: gen-baseline-seeds OUT_DIR\n");
		return 2;
	}
	out_dir = argv[1];
	fe_seam_set_clock(fixed_clock);
	if (mkdtemp(state) == NULL)
		die(state, NULL);
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    fuzz_baseline_seed, 32);
	snprintf(path, sizeof(path), "%s/baseline.key", state);
	if (k == NULL || (f = fopen(path, "wx")) == NULL ||
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(f) != 0)
		die(path, NULL);
	EVP_PKEY_free(k);

	/* the files a small host has, at generation 1 and 2 */
	memset(&b, 0, sizeof(b));
	b.host = strdup("signer1");
	wset_add(&b.items, "file:/etc", "type=d mode=0755 uid=0 gid=0 "
	    "ino=2");
	wset_add(&b.items, "file:/etc/passwd", "type=f mode=0644 uid=0 gid=0 "
	    "size=1203 mtime=1795000000.000000000 ctime=1795000000.000000000 "
	    "ino=3 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca49"
	    "5991b7852b855");
	wset_add(&b.items, "file:/etc/link%20name", "type=l mode=0777 uid=0 "
	    "gid=0 mtime=1.000000001 ctime=1.000000001 ino=4 link=passwd");
	wset_add(&b.items, "module:ext4", "size=1064960");
	wset_add(&b.items, "pkg:openssl", "version=3.0.19-1~deb12u1 "
	    "arch=amd64 status=installed");
	wset_add(&b.items, "unit:ssh.service", "file=/lib/systemd/system/"
	    "ssh.service sha256=00 enabled=multi-user.target");
	wset_add(&b.items, "user:root", "uid=0 gid=0 home=/root "
	    "shell=/bin/bash gecos-sha256=ab pw=sha256:cd");
	t1 = write_one(state, &b, "init");
	put("valid-gen1", t1, strlen(t1));
	wset_add(&b.items, "file:/etc/x\xc3\xa9", "type=f xattrs=0011");
	t2 = write_one(state, &b, "ticket 42");
	put("valid-gen2", t2, strlen(t2));
	baseline_clear(&b);
	memset(&b, 0, sizeof(b));
	b.host = strdup("h");
	t3 = write_one(state, &b, "");
	put("valid-empty", t3, strlen(t3));
	free(t3);
	baseline_clear(&b);

	/* near misses */
	l = strlen(t1);
	put("near-cut-newline", t1, l - 1);
	put("near-cut-sig", t1, l - 10);
	put("near-cut-items", t1, (size_t)(strstr(t1, "module:") - t1));
	{
		char buf[8192];

		snprintf(buf, sizeof(buf), "%sx", t1);
		put("near-trailing", buf, strlen(buf));
	}
	put_subst("near-item-edited", t1, "size=1203", "size=1204");
	put_subst("near-count-low", t1, "items: 7", "items: 6");
	put_subst("near-count-high", t1, "items: 7", "items: 8");
	put_subst("near-order", t1, "module:ext4", "mod:ext4");
	put_subst("near-repeated", t1, "file:/etc/link%20name",
	    "file:/etc/passwd");
	put_subst("near-version", t1, "baseline v1", "baseline v2");
	put_subst("near-generation-zero", t1, "generation: 1",
	    "generation: 01");
	put_subst("near-time", t1, "2026-11-18T", "2026-13-18T");
	put_subst("near-no-blank", t1, "items: 7\n\n", "items: 7\n");
	put_subst("near-no-tab", t1, "pkg:openssl\t", "pkg:openssl ");
	put_subst("near-sig-of-gen2", t1, strstr(t1, "\nsig: ") + 1,
	    strstr(t2, "\nsig: ") + 1);
	put_subst("near-crlf", t1, "host: signer1\n", "host: signer1\r\n");
	free(t1);
	free(t2);
	snprintf(path, sizeof(path), "%s/baseline.key", state);
	unlink(path);
	snprintf(path, sizeof(path), "%s/baseline", state);
	unlink(path);
	rmdir(state);
	return 0;
}
