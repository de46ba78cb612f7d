/*
 * bench/hashtree.c - the floor of a full check in bench/watch.sh: lstat
 * every entry of a tree, read every regular file once and SHA-256 it
 * (OpenSSL's EVP, which uses the CPU's SHA extensions where present), with
 * T threads.  No comparison, no database, no xattrs: only the work that
 * any tool computing the same content hash must do.
 *
 *   hashtree [-t THREADS] DIR
 *
 * Prints "entries N files N bytes N seconds S" (wall clock of the whole
 * walk and hashing) and a digest of all file digests, so that the work
 * cannot be optimised away.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

static char **files;
static size_t nfiles, capfiles, nentries;
static atomic_size_t next_file;
static atomic_uint_fast64_t total_bytes;
static unsigned char *digests;

static void add_file(const char *p)
{
	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 4096;
		files = realloc(files, capfiles * sizeof *files);
		if (!files) {
			perror("realloc");
			exit(1);
		}
	}
	if (!(files[nfiles++] = strdup(p))) {
		perror("strdup");
		exit(1);
	}
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "hashtree: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	struct dirent *e;
	char p[8192];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) != 0) {
			fprintf(stderr, "hashtree: %s: %s\n", p, strerror(errno));
			exit(1);
		}
		nentries++;
		if (S_ISDIR(st.st_mode))
			walk(p);
		else if (S_ISREG(st.st_mode))
			add_file(p);
	}
	closedir(d);
}

static void *worker(void *arg)
{
	(void)arg;
	unsigned char *buf = malloc(1 << 20);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!buf || !ctx)
		exit(1);
	for (;;) {
		size_t i = atomic_fetch_add(&next_file, 1);
		if (i >= nfiles)
			break;
		int fd = open(files[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "hashtree: %s: %s\n", files[i],
			    strerror(errno));
			exit(1);
		}
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		ssize_t n;
		uint64_t b = 0;
		while ((n = read(fd, buf, 1 << 20)) > 0) {
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			b += (uint64_t)n;
		}
		if (n < 0) {
			fprintf(stderr, "hashtree: read %s: %s\n", files[i],
			    strerror(errno));
			exit(1);
		}
		close(fd);
		EVP_DigestFinal_ex(ctx, digests + 32 * i, NULL);
		atomic_fetch_add(&total_bytes, b);
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 2, opt;
	long v;
	char *end;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't' && (v = strtol(optarg, &end, 10)) > 0 &&
		    v <= 256 && *end == '\0')
			threads = (int)v;
		else {
			fprintf(stderr, "usage: hashtree [-t threads] DIR\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: hashtree [-t threads] DIR\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	walk(argv[optind]);
	if (!(digests = calloc(nfiles ? nfiles : 1, 32)))
		return 1;
	pthread_t th[256];
	for (int i = 0; i < threads; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0)
			return 1;
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unsigned char all[32];
	unsigned int len;
	EVP_Digest(digests, 32 * nfiles, all, &len, EVP_sha256(), NULL);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("entries %zu files %zu bytes %" PRIu64 " seconds %.3f digest ",
	    nentries, nfiles, (uint64_t)atomic_load(&total_bytes), secs);
	for (int i = 0; i < 8; i++)
		printf("%02x", all[i]);
	printf("\n");
	return 0;
}
