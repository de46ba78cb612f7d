/*
 * webworker.c - fe-web's queue worker alone, for tests/e2e/webqueue.sh:
 *
 *   webworker [--ca PEM] [--once SEC] DB DEVICE KEYFILE [ADMIN_URL...]
 *
 * Runs worker_start() on web.db DB over the serial line DEVICE with the
 * link key in KEYFILE (read like `fe signer --key`), logging to
 * requests.log beside DB, until SIGTERM or SIGINT.  Prints "ready" once
 * started.  --ca: the root and sub-roots sent in every bundle.  --once
 * SEC: worker_run_once() with that timeout instead, exit 0 when nothing
 * is left.  The status poll and push retry are 1 s (tests want it now).
 */
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lib/chainlog.h"
#include "web/worker.h"

static int
usage(void)
{
	fprintf(stderr, "usage: webworker [--ca PEM] [--once SEC] DB DEVICE "
	    "KEYFILE [ADMIN_URL...]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct worker_conf c;
	struct worker *w = NULL;
	struct clog *log = NULL;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct fe_err err;
	char logpath[4096], *dbcopy;
	long once = -1;
	sigset_t set;
	int i = 1, sig, rc = 1;

	memset(&c, 0, sizeof(c));
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--ca") == 0)
			c.ca_certs = argv[i + 1];
		else if (strcmp(argv[i], "--once") == 0) {
			char *end;

			once = strtol(argv[i + 1], &end, 10);
			if (*end != '\0' || once < 1 || once > 86400)
				return usage();
		} else
			return usage();
	}
	if (argc - i < 3)
		return usage();
	c.db_path = argv[i];
	link_params_default(&c.link.params);
	c.link.baud = 115200;
	c.link.params.baud = 115200;
	c.link.params.window = 16;
	c.link.device = argv[i + 1];
	if (link_key_read(argv[i + 2], c.link.key, &err) != 0) {
		fprintf(stderr, "webworker: %s\n", err.msg);
		return 1;
	}
	c.status_admin = (const char *const *)&argv[i + 3];
	c.push_retry_s = 1;
	c.status_poll_s = 1;
	dbcopy = strdup(c.db_path);
	if (dbcopy == NULL ||
	    fe_snprintf_ok(logpath, sizeof(logpath), "%s/requests.log",
	    dirname(dbcopy)) != 0) {
		fprintf(stderr, "webworker: %s: path too long\n", c.db_path);
		free(dbcopy);
		return 1;
	}
	free(dbcopy);
	if (clog_open(logpath, &log, &err) != 0) {
		fprintf(stderr, "webworker: %s\n", err.msg);
		goto out;
	}
	c.log = log;
	c.log_mu = &mu;
	if (once > 0) {
		if (worker_run_once(&c, (int)once * 1000, &err) != 0) {
			fprintf(stderr, "webworker: %s\n", err.msg);
			goto out;
		}
		rc = 0;
		goto out;
	}
	/* the worker's threads inherit the mask: signals come to sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (worker_start(&c, &w, &err) != 0) {
		fprintf(stderr, "webworker: %s\n", err.msg);
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	(void)sigwait(&set, &sig);
	worker_stop(w);
	rc = 0;
out:
	clog_close(log);
	OPENSSL_cleanse(c.link.key, sizeof(c.link.key));
	return rc;
}
