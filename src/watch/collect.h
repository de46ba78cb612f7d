/*
 * collect.h - the collectors of fe-watch for what is not a plain file tree:
 * installed packages, listening sockets, local accounts and groups, loaded
 * kernel modules and systemd units.  Files (including sudoers, cron and SSH
 * authorized keys, which are files) are collected by scan.c.
 *
 * Every collector reads from ROOT, a directory standing in for "/" (tests
 * point it at a fixture tree; the daemon passes "/"), and adds items to out
 * with the key prefixes listed in item.h.  A collector that cannot read its
 * source returns a negative code with a message naming the file; it never
 * adds a partial set (an unreadable source must not look like "everything
 * was removed").  The parsers of those files take (name, bytes, len) and
 * are fuzzed.
 */
#ifndef FE_WATCH_COLLECT_H
#define FE_WATCH_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "watch/item.h"

/* ROOT/var/lib/dpkg/status: "pkg:NAME[:ARCH]" for each package that is not
 * "not-installed"; value "version=V arch=A status=WANT/STATUS". */
int collect_packages(const char *root, struct wset *out, struct fe_err *err);
int dpkg_status_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);

/* ROOT/proc/net/{tcp,tcp6,udp,udp6}: listening TCP sockets and bound UDP
 * sockets: "listen:tcp:127.0.0.1:22", "listen:tcp6:[::1]:631",
 * "listen:udp:0.0.0.0:53"; value "listening". */
int collect_sockets(const char *root, struct wset *out, struct fe_err *err);
int proc_net_parse(const char *name, const char *proto, const uint8_t *p,
    size_t len, struct wset *out, struct fe_err *err);

/* ROOT/etc/passwd, group, shadow, gshadow: "user:NAME" with uid, gid, gecos
 * hash, home, shell and a SHA-256 of the shadow entry (never the password
 * hash itself); "group:NAME" with gid and members. */
int collect_accounts(const char *root, struct wset *out, struct fe_err *err);
int passwd_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);
int group_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);

/* ROOT/proc/modules: "module:NAME", value "size=N". */
int collect_modules(const char *root, struct wset *out, struct fe_err *err);
int proc_modules_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);

/* systemd unit files under ROOT/etc/systemd/system, ROOT/lib/systemd/system,
 * ROOT/usr/lib/systemd/system (the first found wins, as systemd does) and
 * the targets that pull each in (*.wants/ and *.requires/ links):
 * "unit:NAME", value "sha256=HEX from=DIR wanted-by=a.target,b.target"
 * (masked units: "masked"). */
int collect_units(const char *root, struct wset *out, struct fe_err *err);

#endif
