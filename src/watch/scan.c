/*
 * scan.c - files as items (format in scan.h) and full scans.
 *
 * A full scan first walks the trees (readdir only: cheap) into a list of
 * paths, then hands the list to worker threads that take the next path
 * with an atomic counter, so a few large files never leave a thread idle
 * while another has a queue.  Each worker has its own read buffer and
 * hashes with OpenSSL's SHA-256.  Files are opened with O_NOFOLLOW and
 * O_NONBLOCK and checked again with fstat(), so a file swapped for a link
 * or a FIFO between the walk and the open is never followed or blocked on.
 * Nothing read from the files is interpreted: only hashed.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "watch/scan.h"

#define SCAN_BUF (1024 * 1024)
#define SCAN_MAX_XATTR_LIST 65536
#define SCAN_MAX_XATTR_VAL 65536
#define SCAN_MAX_PATH 4096

static const char hexd[] = "0123456789abcdef";

/* Escape for keys and values: '%', space, controls, DEL and non-ASCII as
 * %XX (the baseline is line- and space-separated; alerts are JSON, which
 * needs valid UTF-8). */
static char *
esc(const char *s)
{
	size_t n = 0, i;
	const unsigned char *p = (const unsigned char *)s;
	char *out, *q;

	for (i = 0; p[i] != '\0'; i++)
		n += (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '%') ? 3 : 1;
	out = q = fe_malloc(n + 1);
	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '%') {
			*q++ = '%';
			*q++ = hexd[p[i] >> 4];
			*q++ = hexd[p[i] & 15];
		} else {
			*q++ = (char)p[i];
		}
	}
	*q = '\0';
	return out;
}

char *
scan_key(const char *path)
{
	char *e = esc(path), *k;
	size_t l = strlen(e);

	k = fe_malloc(l + 6);
	memcpy(k, "file:", 5);
	memcpy(k + 5, e, l + 1);
	free(e);
	return k;
}

char *
scan_key_path(const char *key)
{
	const char *p;
	char *out, *q;

	if (strncmp(key, "file:", 5) != 0)
		return NULL;
	p = key + 5;
	out = q = fe_malloc(strlen(p) + 1);
	while (*p != '\0') {
		uint8_t v;

		if (*p == '%' && p[1] != '\0' && p[2] != '\0' &&
		    hex_decode(p + 1, 2, &v, 1) == 0) {
			if (v == 0) {     /* never produced by esc() */
				free(out);
				return NULL;
			}
			*q++ = (char)v;
			p += 3;
		} else {
			*q++ = *p++;
		}
	}
	*q = '\0';
	return out;
}

bool
scan_ignored(const struct scan_rules *r, const char *path)
{
	size_t i;

	if (r->skip_dir != NULL) {
		size_t l = strlen(r->skip_dir);

		if (strncmp(path, r->skip_dir, l) == 0 &&
		    (path[l] == '\0' || path[l] == '/'))
			return true;
	}
	for (i = 0; i < r->nignore; i++)
		if (fnmatch(r->ignore[i], path, FNM_LEADING_DIR) == 0)
			return true;
	return false;
}

bool
scan_watched(const struct scan_rules *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->npaths; i++)
		if (fnmatch(r->paths[i], path, FNM_PATHNAME |
		    FNM_LEADING_DIR) == 0)
			return true;
	return false;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "xattrs=HEX" over the sorted names and values, or "" when none.
 * fd >= 0: through the descriptor; else through the path (links). */
static int
xattrs_attr(int fd, const char *path, char out[48], struct fe_err *err)
{
	char list[SCAN_MAX_XATTR_LIST];
	char *names[1024];
	uint8_t *val = NULL, md[32];
	ssize_t ln;
	size_t nn = 0, i;
	EVP_MD_CTX *ctx = NULL;
	int rc = -1;

	out[0] = '\0';
	ln = fd >= 0 ? flistxattr(fd, list, sizeof(list)) :
	    llistxattr(path, list, sizeof(list));
	if (ln < 0) {
		if (errno == ENOTSUP)
			return 0;
		return fe_err_sys(err, "%s: listing extended attributes",
		    path);
	}
	if (ln == 0)
		return 0;
	for (i = 0; i < (size_t)ln && nn < 1024; i += strlen(list + i) + 1)
		names[nn++] = list + i;
	qsort(names, nn, sizeof(names[0]), namecmp);
	val = fe_malloc(SCAN_MAX_XATTR_VAL);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fe_fatal("SHA-256 unavailable");
	for (i = 0; i < nn; i++) {
		ssize_t vl = fd >= 0 ?
		    fgetxattr(fd, names[i], val, SCAN_MAX_XATTR_VAL) :
		    lgetxattr(path, names[i], val, SCAN_MAX_XATTR_VAL);
		uint8_t len8[8];
		size_t k;

		if (vl < 0) {
			if (errno == ENODATA)   /* removed meanwhile */
				continue;
			fe_err_sys(err, "%s: reading extended attribute %s",
			    path, names[i]);
			goto out;
		}
		for (k = 0; k < 8; k++)
			len8[k] = (uint8_t)((uint64_t)vl >> (56 - 8 * k));
		EVP_DigestUpdate(ctx, names[i], strlen(names[i]) + 1);
		EVP_DigestUpdate(ctx, len8, 8);
		EVP_DigestUpdate(ctx, val, (size_t)vl);
	}
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		fe_fatal("SHA-256 failed");
	memcpy(out, " xattrs=", 8);
	hex_encode(md, 16, out + 8);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	free(val);
	return rc;
}

static char
type_char(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

/* Open a regular file for hashing without following links or blocking
 * on a FIFO swapped in; -1 with errno on failure. */
static int
open_reg(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOATIME);

	if (fd < 0 && errno == EPERM)   /* O_NOATIME needs ownership */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	return fd;
}

/*
 * The value of one path; buf is a SCAN_BUF scratch buffer.  reg_hint says
 * the walk saw a regular file: then the file is opened first and only
 * fstat()ed (one path lookup instead of two); anything else, or a file
 * that turns out not to be regular, goes through lstat().
 */
static int
value_of(const char *path, bool reg_hint, uint8_t *buf, EVP_MD_CTX *ctx,
    char **val, struct fe_err *err)
{
	struct stat st;
	char xa[48], md_hex[65], *target = NULL, *etarget = NULL;
	uint8_t md[32];
	int fd = -1, rc = -1;
	off_t left;

	if (reg_hint) {
		fd = open_reg(path);
		if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
			return FE_ENOENT;
		if (fd >= 0 && (fstat(fd, &st) != 0 ||
		    !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		if (lstat(path, &st) != 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				return FE_ENOENT;
			return fe_err_sys(err, "%s", path);
		}
		if (S_ISREG(st.st_mode)) {
			if ((fd = open_reg(path)) < 0) {
				if (errno == ENOENT)
					return FE_ENOENT;
				return fe_err_sys(err, "%s", path);
			}
			if (fstat(fd, &st) != 0) {
				fe_err_sys(err, "%s", path);
				goto out;
			}
			if (!S_ISREG(st.st_mode)) {
				/* swapped since lstat: look again */
				close(fd);
				return value_of(path, false, buf, ctx, val,
				    err);
			}
		}
	}
	if (fd >= 0) {
		if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
			fe_fatal("SHA-256 unavailable");
		/* exactly the size fstat() gave, so hash and size describe
		 * the same bytes even while someone appends (the append is
		 * an event of its own) */
		for (left = st.st_size; left > 0;) {
			ssize_t r = read(fd, buf, left < SCAN_BUF ?
			    (size_t)left : SCAN_BUF);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				fe_err_sys(err, "%s: reading", path);
				goto out;
			}
			if (r == 0)
				break;      /* shrunk meanwhile */
			EVP_DigestUpdate(ctx, buf, (size_t)r);
			left -= r;
		}
		if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
			fe_fatal("SHA-256 failed");
		hex_encode(md, 32, md_hex);
		if (xattrs_attr(fd, path, xa, err) < 0)
			goto out;
		if (asprintf(val, "type=f mode=%04o uid=%u gid=%u size=%lld "
		    "mtime=%lld.%09ld ctime=%lld.%09ld ino=%llu sha256=%s%s",
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		    (unsigned)st.st_gid, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)st.st_ino, md_hex, xa) < 0)
			fe_fatal("out of memory");
		rc = 0;
		goto out;
	}
	if (xattrs_attr(-1, path, xa, err) < 0) {
		if (errno == ENOENT)
			return FE_ENOENT;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (asprintf(val, "type=d mode=%04o uid=%u gid=%u ino=%llu%s",
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		    (unsigned)st.st_gid, (unsigned long long)st.st_ino,
		    xa) < 0)
			fe_fatal("out of memory");
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t l;

		target = fe_malloc(SCAN_MAX_PATH + 1);
		l = readlink(path, target, SCAN_MAX_PATH);
		if (l < 0) {
			free(target);
			if (errno == ENOENT)
				return FE_ENOENT;
			return fe_err_sys(err, "%s: reading the link", path);
		}
		target[l] = '\0';
		etarget = esc(target);
		if (asprintf(val, "type=l mode=%04o uid=%u gid=%u "
		    "mtime=%lld.%09ld ctime=%lld.%09ld ino=%llu link=%s%s",
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		    (unsigned)st.st_gid,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)st.st_ino, etarget, xa) < 0)
			fe_fatal("out of memory");
		free(target);
		free(etarget);
		return 0;
	}
	if (asprintf(val, "type=%c mode=%04o uid=%u gid=%u mtime=%lld.%09ld "
	    "ctime=%lld.%09ld ino=%llu rdev=%u:%u%s", type_char(st.st_mode),
	    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
	    (unsigned)st.st_gid,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
	    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
	    (unsigned long long)st.st_ino, major(st.st_rdev),
	    minor(st.st_rdev), xa) < 0)
		fe_fatal("out of memory");
	return 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One read buffer and digest context per thread, kept for its life: the
 * daemon looks at paths one by one, thousands of them in a burst. */
static _Thread_local uint8_t *one_buf;
static _Thread_local EVP_MD_CTX *one_ctx;

int
scan_one(const char *path, char **val, struct fe_err *err)
{
	if (one_buf == NULL) {
		one_buf = fe_malloc(SCAN_BUF);
		if ((one_ctx = EVP_MD_CTX_new()) == NULL)
			fe_fatal("out of memory");
	}
	return value_of(path, false, one_buf, one_ctx, val, err);
}

void
scan_one_release(void)
{
	free(one_buf);
	EVP_MD_CTX_free(one_ctx);
	one_buf = NULL;
	one_ctx = NULL;
}

/* --- full scans ----------------------------------------------------------- */

struct plist {
	char **v;
	bool *reg;               /* the walk saw a regular file (a hint) */
	size_t n, cap;
};

static void
plist_add_hint(struct plist *l, char *p, bool reg)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = fe_realloc(l->v, l->cap * sizeof(*l->v));
		l->reg = fe_realloc(l->reg, l->cap * sizeof(*l->reg));
	}
	l->reg[l->n] = reg;
	l->v[l->n++] = p;
}

static void
plist_add(struct plist *l, char *p)
{
	plist_add_hint(l, p, false);
}

static char *
join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p;

	if (a == 1 && dir[0] == '/')
		a = 0;
	p = fe_malloc(a + b + 2);
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* Walk dir (already in the list) depth-first with an explicit stack. */
static void
walk(const struct scan_rules *r, const char *top, struct plist *out,
    struct scan_stats *st, struct fe_err *err)
{
	struct plist stack = { 0 };

	plist_add(&stack, fe_strdup(top));
	while (stack.n > 0) {
		char *dir = stack.v[--stack.n];
		DIR *d = opendir(dir);
		struct dirent *de;

		if (d == NULL) {
			if (errno != ENOENT && errno != ENOTDIR) {
				fe_err_sys(err, "%s: opening the directory",
				    dir);
				st->errors++;
			}
			free(dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char *p;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			p = join(dir, de->d_name);
			if (strlen(p) > SCAN_MAX_PATH || scan_ignored(r, p)) {
				free(p);
				continue;
			}
			plist_add_hint(out, p, de->d_type == DT_REG);
			if (de->d_type == DT_DIR) {
				plist_add(&stack, fe_strdup(p));
			} else if (de->d_type == DT_UNKNOWN) {
				struct stat sb;

				if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
					plist_add(&stack, fe_strdup(p));
			}
		}
		closedir(d);
		free(dir);
	}
	free(stack.v);
	free(stack.reg);
}

struct work {
	struct plist *paths;
	char **vals;
	atomic_size_t next;
	atomic_uint_fast64_t errors, bytes;
	pthread_mutex_t mu;
	struct fe_err *err;
};

static void *
worker(void *arg)
{
	struct work *w = arg;
	uint8_t *buf = fe_malloc(SCAN_BUF);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct fe_err e;

	if (ctx == NULL)
		fe_fatal("out of memory");
	for (;;) {
		size_t i = atomic_fetch_add(&w->next, 1);
		int rc;

		if (i >= w->paths->n)
			break;
		e.msg[0] = '\0';
		rc = value_of(w->paths->v[i], w->paths->reg[i], buf, ctx,
		    &w->vals[i], &e);
		if (rc == FE_ENOENT) {
			w->vals[i] = NULL;
		} else if (rc < 0) {
			/* not "absent": an unreadable file must not look
			 * removed, and must not hide a change either */
			w->vals[i] = fe_strdup("type=? unreadable=yes");
			atomic_fetch_add(&w->errors, 1);
			pthread_mutex_lock(&w->mu);
			if (w->err != NULL)
				memcpy(w->err->msg, e.msg, sizeof(e.msg));
			pthread_mutex_unlock(&w->mu);
		}
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	return NULL;
}

static int
hash_all(const struct scan_rules *r, struct plist *paths, struct wset *out,
    struct scan_stats *st, struct fe_err *err)
{
	struct work w;
	pthread_t th[64];
	unsigned nt = r->threads ? r->threads : 1, started = 0, i;
	size_t k;

	if (nt > 64)
		nt = 64;
	memset(&w, 0, sizeof(w));
	w.paths = paths;
	w.vals = fe_calloc(paths->n ? paths->n : 1, sizeof(char *));
	atomic_init(&w.next, 0);
	pthread_mutex_init(&w.mu, NULL);
	w.err = err;
	for (i = 1; i < nt; i++) {
		if (pthread_create(&th[started], NULL, worker, &w) != 0)
			break;
		started++;
	}
	worker(&w);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&w.mu);
	st->errors += atomic_load(&w.errors);
	for (k = 0; k < paths->n; k++) {
		const char *v = w.vals[k];

		if (v == NULL) {
			free(paths->v[k]);
			continue;
		}
		switch (v[5]) {
		case 'f': {
			const char *s = strstr(v, " size=");

			st->files++;
			if (s != NULL)
				st->bytes += strtoull(s + 6, NULL, 10);
			break;
		}
		case 'd':
			st->dirs++;
			break;
		default:
			st->other++;
			break;
		}
		wset_add_take(out, scan_key(paths->v[k]), w.vals[k]);
		free(paths->v[k]);
	}
	free(w.vals);
	free(paths->v);
	free(paths->reg);
	memset(paths, 0, sizeof(*paths));
	wset_sort(out);
	return 0;
}

int
scan_full(const struct scan_rules *r, struct wset *out, struct scan_stats *st,
    struct fe_err *err)
{
	struct plist paths = { 0 };
	size_t i, j;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < r->npaths; i++) {
		glob_t g;
		int grc = glob(r->paths[i], GLOB_NOSORT, NULL, &g);

		if (grc == GLOB_NOMATCH)
			continue;
		if (grc != 0) {
			st->errors++;
			fe_err_set(err, "%s: glob failed", r->paths[i]);
			continue;
		}
		for (j = 0; j < g.gl_pathc; j++) {
			struct stat sb;
			const char *p = g.gl_pathv[j];

			if (scan_ignored(r, p))
				continue;
			plist_add(&paths, fe_strdup(p));
			if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
				walk(r, p, &paths, st, err);
		}
		globfree(&g);
	}
	return hash_all(r, &paths, out, st, err);
}

int
scan_subtree(const struct scan_rules *r, const char *dir, struct wset *out,
    struct fe_err *err)
{
	struct plist paths = { 0 };
	struct scan_stats st = { 0 };

	walk(r, dir, &paths, &st, err);
	return hash_all(r, &paths, out, &st, err);
}
