/*
 * main.c - fe-watch, the continuous change monitor of one host (CA/B Forum
 * SC29; POLICY.md M1-M5).  Runs in the foreground (systemd or a
 * supervisor keeps it alive); SIGTERM and SIGINT stop it cleanly, which is
 * still reported as a monitoring gap at the next start.  See fe-watch(8).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "lib/version.h"
#include "watch/watcher.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: fe-watch -c CONFIG\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	struct watcher *w;
	struct fe_err err;
	struct sigaction sa;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("fe-watch %s\n", FE_VERSION);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "-c") != 0)
		return usage();
	conf = argv[2];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (watcher_open(conf, &w, &err) < 0) {
		fprintf(stderr, "fe-watch: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "fe-watch: watching\n");
	rc = watcher_run(w, &stop);
	watcher_close(w);
	fprintf(stderr, "fe-watch: stopped\n");
	return rc == 0 ? 0 : 1;
}
