/*
 * bench/mktree.c - the file tree of bench/watch.sh: deterministic (seeded),
 * shaped like a host's configuration and program directories.
 *
 *   mktree DIR [-n FILES] [-b TOTAL_BYTES] [-d DIRS] [-l SYMLINKS]
 *              [-x XATTR_FILES] [-a ACL_FILES] [-s SEED] [-m MANIFEST]
 *
 * DIR must not exist.  Defaults: 100,000 files totalling 2 GiB, 1,000
 * directories, 1,000 symlinks, 100 files with a user.* extended attribute,
 * 50 files with a POSIX access ACL.
 *
 * Sizes: log-normal (median 2.5 KiB, sigma 2.2: most files are small
 * config-like files, a few are tens of MiB), capped at 256 MiB, then scaled
 * so that the total is exactly TOTAL_BYTES (with the defaults: median 1.9
 * KB, p99 300 KB, largest 33 MB); 0.5 % of the files are empty.
 * Directories: each new directory hangs below a random earlier one of depth
 * at most 7, so the tree is several levels deep.  Files go to random
 * directories; modes are a mix of 0644, 0600, 0640 and 0755.  Symlinks are
 * absolute: 3 in 4 to files of the tree, most others to its directories,
 * 1 in 50 dangling.  ACLs are written
 * as system.posix_acl_access (user:1234:r--), which is what setfacl does.
 * Contents are pseudo-random bytes (incompressible, distinct per file).
 *
 * MANIFEST (optional) receives the paths of 200 regular files of at least
 * 64 bytes spread over the tree, one a line: the files that the latency
 * half of the benchmark modifies.
 *
 * Prints one summary line (files, dirs, symlinks, bytes, size quantiles).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static double unif(void)
{
	return ((double)(rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
	return sqrt(-2.0 * log(unif())) * cos(2.0 * M_PI * unif());
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "mktree: %s %s: %s\n", what, path ? path : "",
	    strerror(errno));
	exit(1);
}

static uint64_t arg_u64(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s) {
		fprintf(stderr, "mktree: bad number %s\n", s);
		exit(2);
	}
	return v;
}

#define BUF (1u << 20)

int main(int argc, char **argv)
{
	uint64_t nfiles = 100000, total = 2ULL << 30, ndirs = 1000,
	    nlinks = 1000, nxattr = 100, nacl = 50, seed = 20240607;
	const char *manifest = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "n:b:d:l:x:a:s:m:")) != -1) {
		switch (opt) {
		case 'n': nfiles = arg_u64(optarg); break;
		case 'b': total = arg_u64(optarg); break;
		case 'd': ndirs = arg_u64(optarg); break;
		case 'l': nlinks = arg_u64(optarg); break;
		case 'x': nxattr = arg_u64(optarg); break;
		case 'a': nacl = arg_u64(optarg); break;
		case 's': seed = arg_u64(optarg); break;
		case 'm': manifest = optarg; break;
		default:
			fprintf(stderr, "usage: mktree DIR [-n files] [-b bytes] "
			    "[-d dirs] [-l symlinks] [-x xattr files] "
			    "[-a acl files] [-s seed] [-m manifest]\n");
			return 2;
		}
	}
	if (optind + 1 != argc || nfiles == 0 || ndirs == 0) {
		fprintf(stderr, "mktree: need DIR, files > 0, dirs > 0\n");
		return 2;
	}
	rng_state = seed * 2 + 1;
	const char *root = argv[optind];
	char rootabs[4096];
	if (mkdir(root, 0755) != 0)
		die("mkdir", root);
	if (!realpath(root, rootabs))
		die("realpath", root);

	/* Directories: paths and depths. */
	char **dpath = calloc(ndirs, sizeof *dpath);
	int *depth = calloc(ndirs, sizeof *depth);
	if (!dpath || !depth)
		die("calloc", NULL);
	dpath[0] = strdup(rootabs);
	for (uint64_t i = 1; i < ndirs; i++) {
		uint64_t p;
		do
			p = rnd() % i;
		while (depth[p] >= 7);
		static const char *const stem[] = { "etc", "lib", "share",
		    "conf.d", "bin", "keys", "rules", "profile.d", "cache",
		    "plugins" };
		if (asprintf(&dpath[i], "%s/%s%" PRIu64, dpath[p],
		    stem[rnd() % 10], i) < 0)
			die("asprintf", NULL);
		depth[i] = depth[p] + 1;
		if (mkdir(dpath[i], (rnd() % 8) ? 0755 : 0750) != 0)
			die("mkdir", dpath[i]);
	}

	/* Sizes. */
	uint64_t *size = calloc(nfiles, sizeof *size);
	if (!size)
		die("calloc", NULL);
	double sum = 0;
	double *raw = calloc(nfiles, sizeof *raw);
	if (!raw)
		die("calloc", NULL);
	for (uint64_t i = 0; i < nfiles; i++) {
		double s = 2560.0 * exp(2.2 * gauss());
		if (s > 256.0 * 1048576)
			s = 256.0 * 1048576;
		if (rnd() % 200 == 0)
			s = 0;
		raw[i] = s;
		sum += s;
	}
	uint64_t got = 0;
	for (uint64_t i = 0; i < nfiles; i++) {
		size[i] = sum > 0 ? (uint64_t)(raw[i] * (double)total / sum) : 0;
		got += size[i];
	}
	/* Rounding: the remainder goes to the largest file. */
	uint64_t big = 0;
	for (uint64_t i = 1; i < nfiles; i++)
		if (size[i] > size[big])
			big = i;
	size[big] += total - got;
	free(raw);

	char **fpath = calloc(nfiles, sizeof *fpath);
	unsigned char *buf = malloc(BUF + 4096);
	if (!buf || !fpath)
		die("malloc", NULL);
	for (size_t i = 0; i < BUF + 4096; i += 8) {
		uint64_t r = rnd();
		memcpy(buf + i, &r, 8);
	}

	static const char *const ext[] = { ".conf", ".conf", ".conf", ".rules",
	    ".pem", ".so", ".d", "", ".list", ".json", ".py", ".sh" };
	static const mode_t modes[] = { 0644, 0644, 0644, 0644, 0644, 0600,
	    0640, 0755 };
	/* The ACL of setfacl -m u:1234:r-- on a 0644 file. */
	static const unsigned char acl[] = {
		2, 0, 0, 0,
		0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,     /* user:: rw- */
		0x02, 0, 4, 0, 0xd2, 0x04, 0, 0,           /* user:1234 r-- */
		0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,     /* group:: r-- */
		0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,     /* mask:: r-- */
		0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,     /* other:: r-- */
	};
	FILE *mf = NULL;
	if (manifest && !(mf = fopen(manifest, "w")))
		die("fopen", manifest);
	uint64_t nmanifest = 0, nx = 0, na = 0;
	uint64_t step_x = nxattr ? nfiles / nxattr : 0;
	uint64_t step_a = nacl ? nfiles / nacl : 0;
	uint64_t step_m = nfiles / 200 ? nfiles / 200 : 1;
	char path[8192];
	for (uint64_t i = 0; i < nfiles; i++) {
		uint64_t d = rnd() % ndirs;
		snprintf(path, sizeof path, "%s/f%06" PRIu64 "%s", dpath[d], i,
		    ext[rnd() % 12]);
		mode_t mode = modes[rnd() % 8];
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
		if (fd < 0)
			die("open", path);
		uint64_t left = size[i], off = i * 64 % 4096;
		/* Distinct contents: the file's number first. */
		char head[32];
		int hl = snprintf(head, sizeof head, "file %" PRIu64 "\n", i);
		if ((uint64_t)hl > left)
			hl = (int)left;
		if (hl > 0 && write(fd, head, (size_t)hl) != hl)
			die("write", path);
		left -= (uint64_t)hl;
		while (left > 0) {
			size_t n = left > BUF ? BUF : (size_t)left;
			ssize_t w = write(fd, buf + off, n);
			if (w <= 0)
				die("write", path);
			left -= (uint64_t)w;
		}
		if (step_x && i % step_x == step_x / 2 && nx < nxattr) {
			char v[32];
			int vl = snprintf(v, sizeof v, "bench-%" PRIu64, i);
			if (fsetxattr(fd, "user.fe.bench", v, (size_t)vl, 0) != 0)
				die("fsetxattr", path);
			nx++;
		}
		if (step_a && i % step_a == step_a / 3 && na < nacl) {
			if (fchmod(fd, 0644) != 0 ||
			    fsetxattr(fd, "system.posix_acl_access", acl,
			    sizeof acl, 0) != 0)
				die("acl", path);
			na++;
		}
		if (close(fd) != 0)
			die("close", path);
		if (!(fpath[i] = strdup(path)))
			die("strdup", NULL);
		if (mf && i % step_m == 0 && size[i] >= 64 && nmanifest < 200) {
			fprintf(mf, "%s\n", path);
			nmanifest++;
		}
	}
	if (mf && fclose(mf) != 0)
		die("fclose", manifest);

	/* Symlinks: absolute targets, 3 in 4 to files, most of the rest to
	 * directories, 1 in 50 dangling. */
	for (uint64_t i = 0; i < nlinks; i++) {
		uint64_t d = rnd() % ndirs, k = rnd() % 100;
		char target[8192];
		if (k < 75)
			snprintf(target, sizeof target, "%s", fpath[rnd() % nfiles]);
		else if (k < 98)
			snprintf(target, sizeof target, "%s", dpath[rnd() % ndirs]);
		else
			snprintf(target, sizeof target, "%s/gone%" PRIu64,
			    dpath[d], i);
		snprintf(path, sizeof path, "%s/link%05" PRIu64, dpath[d], i);
		if (symlink(target, path) != 0)
			die("symlink", path);
	}

	qsort(size, nfiles, sizeof *size, cmp_u64);
	uint64_t bytes = 0;
	for (uint64_t i = 0; i < nfiles; i++)
		bytes += size[i];
	printf("tree: %" PRIu64 " files, %" PRIu64 " directories, %" PRIu64
	    " symlinks, %" PRIu64 " bytes; file size median %" PRIu64
	    ", p90 %" PRIu64 ", p99 %" PRIu64 ", max %" PRIu64 "; %" PRIu64
	    " with xattrs, %" PRIu64 " with ACLs\n", nfiles, ndirs, nlinks,
	    bytes, size[nfiles / 2], size[nfiles * 9 / 10],
	    size[nfiles * 99 / 100], size[nfiles - 1], nx, na);
	return 0;
}
