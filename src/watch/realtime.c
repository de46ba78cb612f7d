/*
 * realtime.c - fanotify (whole-filesystem marks) or inotify (one watch per
 * directory) turned into a stream of changed paths; see realtime.h.
 * Events name a directory (by file handle or watch descriptor) and an
 * entry; we turn them into paths and filter by the watch rules.  Paths are
 * only hints: the caller looks at the file itself before believing
 * anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <glob.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "watch/realtime.h"

#define RT_MAX_FS 16
#define RT_BUF (256 * 1024)

struct rt {
	const struct scan_rules *rules;
	bool fan;
	int fd;
	/* fanotify: a directory fd per marked filesystem */
	struct { fsid_t fsid; int mfd; } fs[RT_MAX_FS];
	size_t nfs;
	/* inotify: watch descriptor -> directory path */
	char **wd_path;
	size_t nwd;
	bool limit;
	char limit_msg[256];
	/* fanotify: last resolved directory handle */
	unsigned char last_handle[MAX_HANDLE_SZ + sizeof(struct file_handle)];
	size_t last_len;
	char last_path[PATH_MAX];
	uint8_t *buf;
};

static int
rt_roots(const struct scan_rules *r, glob_t *g)
{
	size_t i;
	int flags = GLOB_NOSORT;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < r->npaths; i++) {
		int rc = glob(r->paths[i], flags, NULL, g);

		if (rc != 0 && rc != GLOB_NOMATCH)
			return -1;
		if (rc == 0)
			flags |= GLOB_APPEND;
	}
	return 0;
}

/* --- fanotify ------------------------------------------------------------ */

static int
fan_open(struct rt *rt, struct fe_err *err)
{
	glob_t g;
	size_t i, j;
	uint64_t mask = FAN_MODIFY | FAN_ATTRIB | FAN_CREATE | FAN_DELETE |
	    FAN_MOVED_FROM | FAN_MOVED_TO | FAN_DELETE_SELF | FAN_MOVE_SELF |
	    FAN_ONDIR;

	rt->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
	    FAN_REPORT_DFID_NAME, O_RDONLY | O_LARGEFILE);
	if (rt->fd < 0)
		return fe_err_sys(err, "fanotify_init");
	if (rt_roots(rt->rules, &g) < 0) {
		globfree(&g);
		return fe_err_set(err, "watched paths: glob failed");
	}
	for (i = 0; i < g.gl_pathc; i++) {
		struct statfs sf;
		int mfd;

		/* mark the filesystem of each root (or of its parent, for a
		 * root that is a file) */
		mfd = open(g.gl_pathv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0) {
			char *parent = fe_strdup(g.gl_pathv[i]);
			char *sl = strrchr(parent, '/');

			if (sl != NULL && sl != parent)
				*sl = '\0';
			else if (sl != NULL)
				sl[1] = '\0';
			mfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			free(parent);
			if (mfd < 0)
				continue;
		}
		if (fstatfs(mfd, &sf) != 0) {
			close(mfd);
			continue;
		}
		for (j = 0; j < rt->nfs; j++)
			if (memcmp(&rt->fs[j].fsid, &sf.f_fsid,
			    sizeof(fsid_t)) == 0)
				break;
		if (j < rt->nfs) {
			close(mfd);
			continue;
		}
		if (rt->nfs == RT_MAX_FS ||
		    fanotify_mark(rt->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
		    mask, mfd, NULL) != 0) {
			fe_err_sys(err, "fanotify_mark %s", g.gl_pathv[i]);
			close(mfd);
			globfree(&g);
			return -1;
		}
		rt->fs[rt->nfs].fsid = sf.f_fsid;
		rt->fs[rt->nfs].mfd = mfd;
		rt->nfs++;
	}
	globfree(&g);
	return 0;
}

static void
emit(struct rt *rt, const char *path, rt_path_cb cb, void *arg)
{
	if (scan_watched(rt->rules, path) && !scan_ignored(rt->rules, path))
		cb(arg, path);
}

/* The directory a handle names, as a path (or -1: gone, or not ours).
 * fh is an aligned copy of the event's handle. */
static int
fan_dir_path(struct rt *rt, const fsid_t *fsid, struct file_handle *fh,
    char *out)
{
	size_t hl = sizeof(*fh) + fh->handle_bytes, j;
	char proc[64];
	ssize_t l;
	int fd;

	if (hl <= sizeof(rt->last_handle) && hl == rt->last_len &&
	    memcmp(rt->last_handle, fh, hl) == 0) {
		memcpy(out, rt->last_path, PATH_MAX);
		return 0;
	}
	for (j = 0; j < rt->nfs; j++)
		if (memcmp(&rt->fs[j].fsid, fsid, sizeof(fsid_t)) == 0)
			break;
	if (j == rt->nfs)
		return -1;
	fd = open_by_handle_at(rt->fs[j].mfd, fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;          /* gone: its parent's event names it */
	fe_snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	l = readlink(proc, out, PATH_MAX - 1);
	close(fd);
	if (l <= 0)
		return -1;
	out[l] = '\0';
	if (l > 10 && strcmp(out + l - 10, " (deleted)") == 0)
		return -1;
	if (hl <= sizeof(rt->last_handle)) {
		memcpy(rt->last_handle, fh, hl);
		rt->last_len = hl;
		memcpy(rt->last_path, out, PATH_MAX);
	}
	return 0;
}

/*
 * Events are packed by the kernel with no promise of alignment beyond the
 * first, so every structure is copied out with memcpy before it is read.
 * Layout: metadata, then info records; a DFID_NAME record is a header, an
 * fsid, a struct file_handle with its bytes, and a NUL-terminated name.
 */
static int
fan_read(struct rt *rt, rt_path_cb cb, void *arg, struct rt_events *ev,
    struct fe_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	union {
		struct file_handle fh;
		unsigned char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	int rounds;

	/* a bounded number of reads per call, so a flood never starves the
	 * caller's other work; what is left is read on the next call */
	for (rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(rt->fd, rt->buf, RT_BUF);
		size_t off = 0;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return fe_err_sys(err, "reading fanotify events");
		}
		while ((size_t)n - off >= sizeof(struct fanotify_event_metadata)) {
			struct fanotify_event_metadata m;
			struct fanotify_event_info_header ih;
			size_t ioff, hb;
			fsid_t fsid;
			const char *name = NULL;

			memcpy(&m, rt->buf + off, sizeof(m));
			if (m.event_len < sizeof(m) ||
			    m.event_len > (size_t)n - off)
				break;
			ioff = off + m.metadata_len;
			off += m.event_len;
			if (m.vers != FANOTIFY_METADATA_VERSION)
				return fe_err_set(err, "fanotify: metadata "
				    "version %u, expected %u", m.vers,
				    FANOTIFY_METADATA_VERSION);
			if (m.fd >= 0)
				close(m.fd);
			if (m.mask & FAN_Q_OVERFLOW) {
				ev->overflow = true;
				continue;
			}
			if (ioff + sizeof(ih) + sizeof(fsid) +
			    sizeof(struct file_handle) > off)
				continue;
			memcpy(&ih, rt->buf + ioff, sizeof(ih));
			if (ih.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME &&
			    ih.info_type != FAN_EVENT_INFO_TYPE_DFID &&
			    ih.info_type != FAN_EVENT_INFO_TYPE_FID)
				continue;
			memcpy(&fsid, rt->buf + ioff + sizeof(ih),
			    sizeof(fsid));
			ioff += sizeof(ih) + sizeof(fsid);
			memcpy(&h.fh, rt->buf + ioff, sizeof(h.fh));
			hb = h.fh.handle_bytes;
			if (hb > MAX_HANDLE_SZ ||
			    ioff + sizeof(h.fh) + hb > off)
				continue;
			memcpy(h.b, rt->buf + ioff, sizeof(h.fh) + hb);
			if (ih.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
				const char *nm = (const char *)rt->buf + ioff +
				    sizeof(h.fh) + hb;

				if (memchr(nm, '\0', off - (size_t)((const
				    uint8_t *)nm - rt->buf)) == NULL)
					continue;
				name = nm;
			}
			if (fan_dir_path(rt, &fsid, &h.fh, dir) < 0)
				continue;
			if (name == NULL || name[0] == '\0' ||
			    strcmp(name, ".") == 0) {
				emit(rt, dir, cb, arg);
				continue;
			}
			if (fe_snprintf_ok(path, sizeof(path), "%s/%s",
			    strcmp(dir, "/") == 0 ? "" : dir, name) < 0)
				continue;
			emit(rt, path, cb, arg);
		}
	}
	return 0;
}

/* --- inotify ------------------------------------------------------------- */

#define IN_MASK (IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | \
    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
    IN_CLOSE_WRITE | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

static void
in_add(struct rt *rt, const char *dir)
{
	int wd = inotify_add_watch(rt->fd, dir, IN_MASK | IN_ONLYDIR);

	if (wd < 0) {
		if (errno == ENOSPC && !rt->limit) {
			rt->limit = true;
			fe_snprintf_ok(rt->limit_msg, sizeof(rt->limit_msg),
			    "%s: inotify watch limit reached "
			    "(fs.inotify.max_user_watches): changes below it "
			    "are seen only by rescans", dir);
		}
		return;
	}
	if ((size_t)wd >= rt->nwd) {
		size_t nn = (size_t)wd * 2 + 64;

		rt->wd_path = fe_realloc(rt->wd_path, nn * sizeof(char *));
		memset(rt->wd_path + rt->nwd, 0, (nn - rt->nwd) *
		    sizeof(char *));
		rt->nwd = nn;
	}
	free(rt->wd_path[wd]);
	rt->wd_path[wd] = fe_strdup(dir);
}

/* Watch dir and every directory below it. */
static void
in_add_tree(struct rt *rt, const char *top)
{
	char **stack = NULL;
	size_t n = 0, cap = 0;

	stack = fe_realloc(stack, (cap = 64) * sizeof(char *));
	stack[n++] = fe_strdup(top);
	while (n > 0) {
		char *dir = stack[--n];
		DIR *d;
		struct dirent *de;

		if (scan_ignored(rt->rules, dir)) {
			free(dir);
			continue;
		}
		in_add(rt, dir);
		if ((d = opendir(dir)) != NULL) {
			while ((de = readdir(d)) != NULL) {
				char *p;

				if (de->d_type != DT_DIR ||
				    strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0)
					continue;
				if (asprintf(&p, "%s/%s", strcmp(dir, "/") ?
				    dir : "", de->d_name) < 0)
					fe_fatal("out of memory");
				if (n == cap)
					stack = fe_realloc(stack, (cap *= 2) *
					    sizeof(char *));
				stack[n++] = p;
			}
			closedir(d);
		}
		free(dir);
	}
	free(stack);
}

static int
in_open(struct rt *rt, struct fe_err *err)
{
	glob_t g;
	size_t i;

	rt->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rt->fd < 0)
		return fe_err_sys(err, "inotify_init1");
	if (rt_roots(rt->rules, &g) < 0) {
		globfree(&g);
		return fe_err_set(err, "watched paths: glob failed");
	}
	for (i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		if (lstat(g.gl_pathv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			in_add_tree(rt, g.gl_pathv[i]);
		} else {
			/* a file root: watch its directory */
			char *parent = fe_strdup(g.gl_pathv[i]);
			char *sl = strrchr(parent, '/');

			if (sl != NULL && sl != parent) {
				*sl = '\0';
				in_add(rt, parent);
			}
			free(parent);
		}
	}
	globfree(&g);
	return 0;
}

static int
in_read(struct rt *rt, rt_path_cb cb, void *arg, struct rt_events *ev,
    struct fe_err *err)
{
	char path[PATH_MAX + NAME_MAX + 2];
	int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		ssize_t n = read(rt->fd, rt->buf, RT_BUF), off;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return fe_err_sys(err, "reading inotify events");
		}
		for (off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			struct inotify_event e;
			const char *dir, *name;

			/* copied out: no alignment is assumed */
			memcpy(&e, rt->buf + off, sizeof(e));
			name = (const char *)rt->buf + off + sizeof(e);
			if (e.len > (size_t)(n - off) - sizeof(e))
				break;
			off += (ssize_t)sizeof(e) + e.len;
			if (e.mask & IN_Q_OVERFLOW) {
				ev->overflow = true;
				continue;
			}
			if (e.wd < 0 || (size_t)e.wd >= rt->nwd ||
			    (dir = rt->wd_path[e.wd]) == NULL)
				continue;
			if (e.mask & IN_IGNORED) {
				free(rt->wd_path[e.wd]);
				rt->wd_path[e.wd] = NULL;
				continue;
			}
			if (e.len == 0 || name[0] == '\0' ||
			    memchr(name, '\0', e.len) == NULL) {
				emit(rt, dir, cb, arg);
				continue;
			}
			if (fe_snprintf_ok(path, sizeof(path), "%s/%s",
			    strcmp(dir, "/") == 0 ? "" : dir, name) < 0)
				continue;
			if ((e.mask & IN_ISDIR) &&
			    (e.mask & (IN_CREATE | IN_MOVED_TO)))
				in_add_tree(rt, path);
			emit(rt, path, cb, arg);
		}
	}
	if (rt->limit) {
		ev->limit = true;
		memcpy(ev->limit_msg, rt->limit_msg, sizeof(ev->limit_msg));
		rt->limit = false;
	}
	return 0;
}

/* --- both ---------------------------------------------------------------- */

int
rt_open(int mode, const struct scan_rules *r, struct rt **out,
    const char **used, struct fe_err *err)
{
	struct rt *rt = fe_calloc(1, sizeof(*rt));
	struct fe_err fe;

	rt->rules = r;
	rt->fd = -1;
	rt->buf = fe_malloc(RT_BUF);
	if (mode == RT_AUTO || mode == RT_FANOTIFY) {
		if (fan_open(rt, mode == RT_FANOTIFY ? err : &fe) == 0) {
			rt->fan = true;
			*used = "fanotify";
			*out = rt;
			return 0;
		}
		if (mode == RT_FANOTIFY) {
			rt_close(rt);
			return -1;
		}
		if (rt->fd >= 0)
			close(rt->fd);
		while (rt->nfs > 0)
			close(rt->fs[--rt->nfs].mfd);
		rt->fd = -1;
	}
	if (in_open(rt, err) < 0) {
		rt_close(rt);
		return -1;
	}
	*used = "inotify";
	*out = rt;
	return 0;
}

int
rt_fd(const struct rt *rt)
{
	return rt->fd;
}

int
rt_read(struct rt *rt, rt_path_cb cb, void *arg, struct rt_events *ev,
    struct fe_err *err)
{
	memset(ev, 0, sizeof(*ev));
	return rt->fan ? fan_read(rt, cb, arg, ev, err) :
	    in_read(rt, cb, arg, ev, err);
}

void
rt_close(struct rt *rt)
{
	size_t i;

	if (rt == NULL)
		return;
	if (rt->fd >= 0)
		close(rt->fd);
	for (i = 0; i < rt->nfs; i++)
		close(rt->fs[i].mfd);
	for (i = 0; i < rt->nwd; i++)
		free(rt->wd_path[i]);
	free(rt->wd_path);
	free(rt->buf);
	free(rt);
}
