/*
 * watchconf.h - the configuration of fe-watch and `fe watch` (INI).
 *
 *   [watch]
 *   host = signer1                 ; the name tickets use for this host
 *   state = /var/lib/foureyes/watch ; baseline, its key, state.db, watch.log
 *   tickets = /var/lib/foureyes/tickets
 *   allowed_signers = /etc/foureyes/allowed_signers
 *   rescan = 3600                  ; seconds between full rescans (safety net)
 *   poll = 1                       ; seconds between polls (sockets, modules,
 *                                  ; tickets, acks, deadlines)
 *   emergency_grace = 86400        ; an emergency change must be approved or
 *                                  ; reverted within this many seconds
 *   respond_within = 86400         ; the 24-hour clock (SC29 3(a))
 *   threads = 2                    ; hashing threads of a full scan
 *   realtime = auto                ; auto | fanotify | inotify
 *
 *   [files]
 *   paths = /etc, /usr/bin, /root/.ssh, /home/ * /.ssh   ; glob(7) patterns
 *   ignore = /etc/mtab, *.swp      ; fnmatch(3); a match ignores what is below
 *
 *   [collect]
 *   packages = yes                 ; each collector can be turned off
 *   sockets = yes
 *   accounts = yes
 *   modules = yes
 *   units = yes
 *   root = /                       ; where the collectors read (tests only)
 *
 *   [ports]
 *   documented = tcp:127.0.0.1:22, tcp:*:443   ; fnmatch over "listen:" keys
 *
 *   [alert]                        ; see alert.h
 */
#ifndef FE_WATCH_WATCHCONF_H
#define FE_WATCH_WATCHCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"
#include "watch/alert.h"

enum rt_mode { RT_AUTO, RT_FANOTIFY, RT_INOTIFY, RT__MAX };
extern const char *const rt_mode_names[RT__MAX];

struct watchconf {
	char *host, *state, *tickets, *allowed_signers;
	uint64_t rescan, poll, emergency_grace, respond_within, threads;
	int realtime;
	char **paths;
	size_t npaths;
	char **ignore;
	size_t nignore;
	bool packages, sockets, accounts, modules, units;
	char *root;
	char **ports;
	size_t nports;
	struct alert_conf alert;
	bool have_alert;        /* [alert] present (the daemon requires it) */
};

/* Parse; every key is checked (unknown keys are errors). */
int watchconf_load_string(const char *name, const char *text,
    struct watchconf *wc, struct fe_err *err);
int watchconf_load(const char *path, struct watchconf *wc, struct fe_err *err);
void watchconf_clear(struct watchconf *wc);

#endif
