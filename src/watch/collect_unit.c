/*
 * collect_unit.c - systemd units: which unit files exist, what they hold,
 * what enables them and what drop-ins change them (see collect_units() in
 * collect.h for the items).
 *
 * The directories are read in systemd's order of precedence, so the file
 * that wins for a name is the one systemd would load; a symlink to
 * /dev/null masks.  Links in *.wants/, *.requires/ and *.upholds/ are what
 * "systemctl enable" creates: they are read by name only, as systemd
 * does.  NAME.d/ *.conf drop-ins of every directory are merged, the first
 * directory winning for each file name.
 *
 * Nothing under ROOT is trusted to be a regular file: only regular files
 * are opened (O_NONBLOCK, then fstat, so a FIFO planted as a unit cannot
 * stall the daemon), their size is capped, and a symlink's target is
 * taken under ROOT, not under the host's "/".  Targets that are not
 * regular files are recorded as "sha256=special".  Units in /run are not
 * watched: it is a tmpfs rebuilt by generators at each boot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "watch/collect.h"
#include "watch/collect_util.h"

#define UNIT_MAX_FILE ((size_t)4 << 20)
#define UNIT_MAX_RECS 200000    /* files, links and drop-ins in all dirs */
#define UNIT_MAX_LINK 4096

static const char *const unit_dirs[] = {
	"/etc/systemd/system",
	"/usr/local/lib/systemd/system",
	"/lib/systemd/system",
	"/usr/lib/systemd/system",
};
#define UNIT_NDIRS (sizeof(unit_dirs) / sizeof(unit_dirs[0]))

/* What one directory entry says about a unit name.  Sorted by name,
 * kind, a, dir: for each name the file of the first directory, then the
 * drop-ins by file name (first directory first), then the wanters. */
enum urec_kind { UR_FILE, UR_DROPIN, UR_WANT, UR__MAX };

struct urec {
	char *name;             /* unit name, percent-encoded */
	enum urec_kind kind;
	char *a;                /* DROPIN: conf file name; WANT: the wanter */
	char *v;                /* FILE: its attributes; DROPIN: content */
	size_t dir;
};

struct units {
	struct urec *r;
	size_t n;
	const char *root;
	struct fe_err *err;
};

static void
urecs_free(struct units *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		free(u->r[i].name);
		free(u->r[i].a);
		free(u->r[i].v);
	}
	free(u->r);
	u->r = NULL;
	u->n = 0;
}

static int
urec_add(struct units *u, const char *name, size_t namelen,
    enum urec_kind kind, const char *a, char *v_take, size_t dir)
{
	struct buf b;
	struct urec *r;

	if (u->n == UNIT_MAX_RECS) {
		free(v_take);
		return fe_err_set(u->err, "%s%s: more than %d unit files, "
		    "links and drop-ins", u->root, unit_dirs[dir],
		    UNIT_MAX_RECS);
	}
	if (u->n % 256 == 0)
		u->r = fe_realloc(u->r, (u->n + 256) * sizeof(*u->r));
	buf_init(&b, SIZE_MAX);
	penc(&b, name, namelen, PENC_NAME);
	buf_cstr(&b);
	r = &u->r[u->n++];
	r->name = (char *)b.p;
	r->kind = kind;
	r->a = a ? fe_strdup(a) : NULL;
	r->v = v_take;
	r->dir = dir;
	return 0;
}

static int
urec_cmp(const void *pa, const void *pb)
{
	const struct urec *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->a ? a->a : "", b->a ? b->a : "")) != 0)
		return c;
	return a->dir < b->dir ? -1 : a->dir > b->dir;
}

/* Read a regular file at path without following it into a FIFO or a
 * device: FE_ENOENT missing, FE_EPOLICY not a regular file. */
static int
read_regular(const char *path, size_t max, uint8_t **p, size_t *len,
    struct fe_err *err)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ELOOP))
		return FE_ENOENT;
	if (fd < 0)
		return fe_err_sys(err, "%s: cannot open", path);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return fe_err_sys(err, "%s: cannot stat", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return FE_EPOLICY;
	}
	rc = fe_read_fd(fd, path, max, p, len, err);
	close(fd);
	return rc;
}

/*
 * The contents of dir/name into b: "sha256=HEX" (HASH_FULL digits, or
 * "dangling", "special") or "masked"; for a symlink also " link=TARGET".
 * dir is ROOT-joined; a symlink's target is taken under ROOT.
 */
static int
entry_digest(const struct units *u, const char *dir, const char *name,
    size_t hexlen, struct buf *b)
{
	char path[CPATH_MAX], target[UNIT_MAX_LINK], rpath[CPATH_MAX];
	char hx[HASH_FULL + 1];
	const char *open_path = path;
	struct stat st;
	uint8_t *p = NULL;
	size_t len = 0;
	ssize_t tl = -1;
	int rc;

	if (fe_snprintf_ok(path, sizeof(path), "%s/%s", dir, name) != 0)
		return fe_err_set(u->err, "%s/%s: path too long", dir, name);
	if (lstat(path, &st) != 0)
		return fe_err_sys(u->err, "%s: cannot lstat", path);
	if (S_ISLNK(st.st_mode)) {
		tl = readlink(path, target, sizeof(target));
		if (tl < 0)
			return fe_err_sys(u->err, "%s: cannot read link", path);
		if ((size_t)tl >= sizeof(target))
			return fe_err_set(u->err, "%s: link longer than %zu "
			    "bytes", path, sizeof(target) - 1);
		target[tl] = '\0';
		if (strcmp(target, "/dev/null") == 0) {
			buf_add_str(b, "masked");
			return 0;
		}
		if (target[0] == '/')
			rc = cpath(rpath, sizeof(rpath), u->root, target,
			    u->err);
		else
			rc = fe_snprintf_ok(rpath, sizeof(rpath), "%s/%s", dir,
			    target) != 0 ? fe_err_set(u->err, "%s: link "
			    "target path too long", path) : 0;
		if (rc != 0)
			return rc;
		open_path = rpath;
	} else if (!S_ISREG(st.st_mode)) {
		/* Not even opened: a device could act on open(). */
		buf_add_str(b, "sha256=special");
		return 0;
	}
	rc = read_regular(open_path, UNIT_MAX_FILE, &p, &len, u->err);
	if (rc == FE_ENOENT) {
		buf_add_str(b, "sha256=dangling");
	} else if (rc == FE_EPOLICY) {
		buf_add_str(b, "sha256=special");
	} else if (rc != 0) {
		return rc;
	} else {
		rc = sha256_hex(p, len, hx, hexlen, u->err);
		free(p);
		if (rc != 0)
			return rc;
		buf_printf(b, "sha256=%s", hx);
	}
	if (tl >= 0) {
		buf_add_str(b, " link=");
		penc(b, target, (size_t)tl, PENC_VAL);
	}
	return 0;
}

static bool
has_suffix(const char *s, const char *suf, size_t *stem)
{
	size_t n = strlen(s), k = strlen(suf);

	if (n <= k || strcmp(s + n - k, suf) != 0)
		return false;
	*stem = n - k;
	return true;
}

typedef int (*entry_fn)(struct units *u, const char *dirpath,
    const char *name, const void *arg);

/* Call fn for every entry of dirpath but "." and ".."; a missing directory
 * has no entries. */
static int
each_entry(struct units *u, const char *dirpath, entry_fn fn,
    const void *arg)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	d = opendir(dirpath);
	if (d == NULL && errno == ENOENT)
		return 0;
	if (d == NULL)
		return fe_err_sys(u->err, "%s: cannot open directory", dirpath);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				rc = fe_err_sys(u->err, "%s: cannot read "
				    "directory", dirpath);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((rc = fn(u, dirpath, de->d_name, arg)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

struct sub {
	size_t dir;
	const char *owner;      /* the wanter, or the unit of the drop-ins */
	size_t ownerlen;
};

static int
want_entry(struct units *u, const char *dirpath, const char *name,
    const void *arg)
{
	const struct sub *s = arg;
	struct buf w;
	int rc;

	(void)dirpath;
	if (strchr(name, '.') == NULL)
		return 0;
	buf_init(&w, SIZE_MAX);
	penc(&w, s->owner, s->ownerlen, PENC_NAME);
	buf_cstr(&w);
	rc = urec_add(u, name, strlen(name), UR_WANT, (char *)w.p, NULL,
	    s->dir);
	buf_free(&w);
	return rc;
}

static int
dropin_entry(struct units *u, const char *dirpath, const char *name,
    const void *arg)
{
	const struct sub *s = arg;
	struct buf v;
	size_t stem;
	int rc;

	if (!has_suffix(name, ".conf", &stem))
		return 0;
	buf_init(&v, SIZE_MAX);
	if ((rc = entry_digest(u, dirpath, name, HASH_FULL, &v)) != 0) {
		buf_free(&v);
		return rc;
	}
	buf_cstr(&v);
	return urec_add(u, s->owner, s->ownerlen, UR_DROPIN, name,
	    (char *)v.p, s->dir);
}

static int
top_entry(struct units *u, const char *dirpath, const char *name,
    const void *arg)
{
	static const char *const wants[] = { ".wants", ".requires",
	    ".upholds" };
	const size_t *dir = arg;
	char sub[CPATH_MAX];
	struct stat st;
	struct sub s = { *dir, name, 0 };
	struct buf v;
	size_t i;
	int rc;

	if (strchr(name, '.') == NULL)
		return 0;
	if (fe_snprintf_ok(sub, sizeof(sub), "%s/%s", dirpath, name) != 0)
		return fe_err_set(u->err, "%s/%s: path too long", dirpath,
		    name);
	/* stat, not lstat: a .wants directory may be a link to one. */
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		for (i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
			if (has_suffix(name, wants[i], &s.ownerlen))
				return each_entry(u, sub, want_entry, &s);
		if (has_suffix(name, ".d", &s.ownerlen))
			return each_entry(u, sub, dropin_entry, &s);
		return 0;
	}
	buf_init(&v, SIZE_MAX);
	if ((rc = entry_digest(u, dirpath, name, HASH_FULL, &v)) != 0) {
		buf_free(&v);
		return rc;
	}
	buf_printf(&v, " from=%s", unit_dirs[*dir]);
	buf_cstr(&v);
	return urec_add(u, name, strlen(name), UR_FILE, NULL, (char *)v.p,
	    *dir);
}

/* One item from the records r[0..n) of one name. */
static int
unit_item(const struct units *u, const struct urec *r, size_t n,
    struct wset *out)
{
	struct buf b, d;
	char key[ITEM_MAX_KEY + 1], hx[HASH_SHORT + 1];
	const char *last = NULL;
	size_t i, nw = 0;
	int rc;

	if (fe_snprintf_ok(key, sizeof(key), "unit:%s", r[0].name) != 0)
		return fe_err_set(u->err, "unit %s: name too long", r[0].name);
	/* Bounded by UNIT_MAX_RECS; item_put() enforces ITEM_MAX_VAL. */
	buf_init(&b, SIZE_MAX);
	i = 0;
	if (r[0].kind == UR_FILE) {
		buf_add_str(&b, r[0].v);
		while (i < n && r[i].kind == UR_FILE)
			i++;
	} else {
		buf_add_str(&b, "file=none");
	}
	if (i < n && r[i].kind == UR_DROPIN) {
		buf_init(&d, SIZE_MAX);
		for (; i < n && r[i].kind == UR_DROPIN; i++) {
			if (last != NULL && strcmp(last, r[i].a) == 0)
				continue;       /* an earlier dir has it */
			last = r[i].a;
			buf_printf(&d, "%s/%s %s\n", unit_dirs[r[i].dir],
			    r[i].a, r[i].v);
		}
		rc = sha256_hex(d.p, d.len, hx, HASH_SHORT, u->err);
		buf_free(&d);
		if (rc != 0) {
			buf_free(&b);
			return rc;
		}
		buf_printf(&b, " dropins=%s", hx);
	}
	buf_add_str(&b, " wanted-by=");
	for (last = NULL; i < n; i++) {
		if (last != NULL && strcmp(last, r[i].a) == 0)
			continue;
		last = r[i].a;
		if (nw++ > 0)
			buf_add_u8(&b, ',');
		buf_add_str(&b, r[i].a);
	}
	if (nw == 0)
		buf_add_str(&b, "-");
	return item_put(out, key, &b, key, u->err);
}

int
collect_units(const char *root, struct wset *out, struct fe_err *err)
{
	struct units u = { NULL, 0, root, err };
	struct wset tmp = { 0 };
	struct stat seen[UNIT_NDIRS];
	char dirpath[CPATH_MAX];
	size_t i, j, start;
	int rc = 0;

	for (i = 0; i < UNIT_NDIRS; i++) {
		bool dup = false;

		if ((rc = cpath(dirpath, sizeof(dirpath), root, unit_dirs[i],
		    err)) != 0)
			goto out;
		if (stat(dirpath, &seen[i]) != 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				seen[i].st_ino = 0;
				continue;
			}
			rc = fe_err_sys(err, "%s: cannot stat", dirpath);
			goto out;
		}
		/* /lib is a link to /usr/lib on merged-/usr systems: read
		 * the directory once, under its first name. */
		for (j = 0; j < i; j++)
			if (seen[j].st_ino != 0 &&
			    seen[j].st_dev == seen[i].st_dev &&
			    seen[j].st_ino == seen[i].st_ino)
				dup = true;
		if (dup)
			continue;
		if ((rc = each_entry(&u, dirpath, top_entry, &i)) != 0)
			goto out;
	}
	if (u.n > 1)
		qsort(u.r, u.n, sizeof(*u.r), urec_cmp);
	for (start = 0; start < u.n; start = i) {
		for (i = start + 1; i < u.n; i++)
			if (strcmp(u.r[i].name, u.r[start].name) != 0)
				break;
		if ((rc = unit_item(&u, u.r + start, i - start, &tmp)) != 0)
			goto out;
	}
	wset_move(out, &tmp);
out:
	wset_free(&tmp);
	urecs_free(&u);
	return rc;
}
