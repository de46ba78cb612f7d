/*
 * realtime.h - being told of file changes as they happen.
 *
 * fanotify with whole-filesystem marks (FAN_MARK_FILESYSTEM and
 * FAN_REPORT_DFID_NAME, Linux 5.1+, CAP_SYS_ADMIN) sees every change on the
 * filesystems that hold the watched trees, including directories created
 * after the start, with one mark per filesystem and no watch limit.  Where
 * fanotify is not allowed, inotify watches every directory of the trees
 * (limited by fs.inotify.max_user_watches; hitting the limit is reported).
 * Either way the kernel queue is bounded: an overflow is reported so the
 * caller can raise a blind-spot alert and rescan.
 */
#ifndef FE_WATCH_REALTIME_H
#define FE_WATCH_REALTIME_H

#include <stdbool.h>

#include "lib/err.h"
#include "watch/scan.h"
#include "watch/watchconf.h"

struct rt;

struct rt_events {
	bool overflow;           /* the kernel dropped events */
	bool limit;              /* a directory could not be watched */
	char limit_msg[256];
};

/* mode: RT_AUTO tries fanotify, then inotify.  *used names what runs. */
int rt_open(int mode, const struct scan_rules *r, struct rt **out,
    const char **used, struct fe_err *err);
int rt_fd(const struct rt *rt);
/* Read what is queued (non-blocking); cb gets every changed path that is
 * watched and not ignored (a path may come several times). */
typedef void (*rt_path_cb)(void *arg, const char *path);
int rt_read(struct rt *rt, rt_path_cb cb, void *arg, struct rt_events *ev,
    struct fe_err *err);
void rt_close(struct rt *rt);

#endif
