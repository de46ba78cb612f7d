/*
 * scan.h - files as items: one file's attributes, and full scans of the
 * configured trees on several threads.
 *
 * A file's item is "file:PATH" with the value
 *
 *   type=f mode=0644 uid=0 gid=0 size=N mtime=S.NS ctime=S.NS ino=N
 *   sha256=HEX [xattrs=HEX]                       (regular files)
 *   type=l ... link=TARGET                        (symbolic links)
 *   type=d mode uid gid ino [xattrs]              (directories: no size,
 *        mtime or ctime, because adding a file changes them and the added
 *        file is reported as its own item)
 *   type=c|b|p|s mode uid gid ino rdev=MAJ:MIN    (others)
 *
 * xattrs is the SHA-256 (first 16 bytes) of every extended attribute's
 * name and value in name order, so POSIX ACLs (system.posix_acl_*),
 * SELinux labels and file capabilities (security.capability) are covered.
 * Paths and link targets are escaped (%XX for '%', space, controls and
 * DEL) so that keys and values stay one line.
 */
#ifndef FE_WATCH_SCAN_H
#define FE_WATCH_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "watch/item.h"

struct scan_rules {
	char **paths;            /* glob patterns of roots */
	size_t npaths;
	char **ignore;           /* fnmatch patterns, FNM_LEADING_DIR */
	size_t nignore;
	const char *skip_dir;    /* fe-watch's own state directory, or NULL */
	unsigned threads;
};

struct scan_stats {
	uint64_t files, dirs, other, bytes, errors;
};

/* Is path ignored (by a pattern, or inside skip_dir)? */
bool scan_ignored(const struct scan_rules *r, const char *path);
/* Is path under one of the roots (after glob expansion)? */
bool scan_watched(const struct scan_rules *r, const char *path);

/* One path's item value; FE_ENOENT if it does not exist (any more).
 * *val is malloc'ed. */
int scan_one(const char *path, char **val, struct fe_err *err);
/* Free the calling thread's scan_one() buffer. */
void scan_one_release(void);

/* The key of a path ("file:" + escaped path), malloc'ed. */
char *scan_key(const char *path);
/* The path of a "file:" key, unescaped, malloc'ed; NULL if not a file key. */
char *scan_key_path(const char *key);

/* Everything under the roots (the roots included) into out, sorted.
 * Files that vanish during the scan are skipped; other errors are counted
 * in st->errors and reported through the last message in err (the scan
 * goes on: one unreadable file must not hide the rest).  Returns 0, or a
 * negative code when nothing could be scanned. */
int scan_full(const struct scan_rules *r, struct wset *out,
    struct scan_stats *st, struct fe_err *err);
/* Everything under one directory (for a directory that appeared). */
int scan_subtree(const struct scan_rules *r, const char *dir,
    struct wset *out, struct fe_err *err);

#endif
