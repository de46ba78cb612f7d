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

/* ROOT/var/lib/dpkg/status: "pkg:NAME:ARCH" for each package whose status
 * is not "not-installed" (config-files included: a removal that leaves
 * configuration behind is a change of status); value
 * "version=V status=WANT/FLAG/STATUS", e.g. "status=install/ok/installed".
 * ARCH is "-" for an old entry without Architecture.  A package twice, a
 * repeated or continued Package/Architecture/Version/Status field, a
 * stanza without Package or Status, or any line over the caps is an error
 * "NAME line N: reason". */
int collect_packages(const char *root, struct wset *out, struct fe_err *err);
int dpkg_status_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);

/* ROOT/proc/net/{tcp,tcp6,udp,udp6}: listening TCP sockets (state 0A) and
 * bound unconnected UDP sockets (state 07): "listen:tcp:127.0.0.1:22",
 * "listen:tcp6:[::1]:631", "listen:udp:0.0.0.0:53"; value "listening".
 * tcp6 and udp6 may be missing (IPv6 off); tcp and udp may not.  proto is
 * one of "tcp", "tcp6", "udp", "udp6". */
int collect_sockets(const char *root, struct wset *out, struct fe_err *err);
int proc_net_parse(const char *name, const char *proto, const uint8_t *p,
    size_t len, struct wset *out, struct fe_err *err);

/* ROOT/etc/passwd and ROOT/etc/group, with ROOT/etc/shadow and
 * ROOT/etc/gshadow folded in when they exist and can be read:
 *   user:NAME   "uid=U gid=G home=H shell=S gecos-sha256=X pw=P
 *                shadow-sha256=Y"
 *   group:NAME  "gid=G pw=P members=a,b,c gshadow-sha256=Y"
 * X and Y are the first 16 hex digits of a SHA-256 (of the GECOS field and
 * of the whole shadow line: a password change shows, the hash is never
 * stored).  P is "x", "empty" or "sha256:16 hex digits".  members is
 * sorted, "-" when empty, "members-count=N members-sha256=X" when too long
 * for a value.  Home, shell and names are percent-encoded.  A name seen a
 * second time gets "#2" ("user:root#2"); a shadow entry without a passwd
 * entry is "user:NAME" "passwd=none shadow-sha256=Y" (groups: "group=none
 * gshadow-sha256=Y").  Wrong field counts, empty names and ids that are
 * not numbers are errors "FILE line N: reason". */
int collect_accounts(const char *root, struct wset *out, struct fe_err *err);
int passwd_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);
int group_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);
/* shadow (nfields 9) or gshadow (4): key PREFIX+NAME ("user:", "group:"),
 * value the 16 hex digits of the SHA-256 of the whole line. */
int shadow_parse(const char *name, const char *prefix, size_t nfields,
    const uint8_t *p, size_t len, struct wset *out, struct fe_err *err);

/* ROOT/proc/modules: "module:NAME", value "size=N" and " taint=OE" when the
 * kernel lists taint flags for it.  No ROOT/proc/modules while
 * ROOT/proc/version exists (a kernel without loadable modules): no items,
 * success. */
int collect_modules(const char *root, struct wset *out, struct fe_err *err);
int proc_modules_parse(const char *name, const uint8_t *p, size_t len,
    struct wset *out, struct fe_err *err);

/* systemd units in ROOT/etc/systemd/system, ROOT/usr/local/lib/systemd/
 * system, ROOT/lib/systemd/system and ROOT/usr/lib/systemd/system, in that
 * order (the first directory holding a name wins, as in systemd; /run is
 * not watched: it is rebuilt at boot).  Every name with a dot that is a
 * file or a symlink there, every name enabled by a link in a *.wants/,
 * *.requires/ or *.upholds/ directory of any of them, and every name with
 * a drop-in directory NAME.d/ gives one item "unit:NAME":
 *   "sha256=HEX from=DIR [link=TARGET] [dropins=X] wanted-by=a,b"
 *   "masked from=DIR [dropins=X] wanted-by=a,b" (a link to /dev/null)
 *   "file=none [dropins=X] wanted-by=a,b"  (template instances, names
 *                                          known only from links)
 *   "sha256=dangling ..."  (a symlink to nothing)
 * wanted-by lists the units whose .wants/.requires/.upholds directory
 * links NAME, sorted, "-" when none.  dropins is a short SHA-256 over the
 * NAME.d/ *.conf files of all directories (first directory wins per file
 * name, as in systemd): their names, directories and contents. */
int collect_units(const char *root, struct wset *out, struct fe_err *err);

#endif
