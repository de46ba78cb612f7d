/*
 * main.c - fe-web: the registration application (docs/web.md, fe-web(8)).
 *
 *   fe-web -c web.ini serve                 HTTP, the queue worker, re-checks
 *   fe-web -c web.ini recheck               one re-check pass now
 *   fe-web -c web.ini unlock EMAIL          unlock an account (A5)
 *   fe-web -c web.ini assurer-test EMAIL    record a passed assurer test
 *   fe-web -c web.ini assure EMAIL POINTS NAME DATE PLACE
 *                                           an assurance by an administrator
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lib/seam.h"
#include "lib/version.h"
#include "web/web.h"
#include "web/webdb.h"
#include "web/worker.h"

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int
usage(void)
{
	fputs("usage: fe-web -c web.ini serve\n"
	    "       fe-web -c web.ini recheck\n"
	    "       fe-web -c web.ini unlock EMAIL\n"
	    "       fe-web -c web.ini assurer-test EMAIL\n"
	    "       fe-web -c web.ini assure EMAIL POINTS NAME DATE PLACE\n",
	    stderr);
	return 2;
}

static int
serve(struct web *w, const struct web_conf *c, struct fe_err *err)
{
	struct worker_conf wc;
	struct websrv *srv = NULL;
	struct recheck *rk = NULL;
	struct sigaction sa;
	int rc;

	memset(&wc, 0, sizeof(wc));
	if (c->have_link) {
		wc.db_path = c->db_path;
		wc.link = c->link;
		wc.log = w->log;
		wc.log_mu = &w->log_mu;
		wc.status_admin = (const char *const *)c->status_admin;
		wc.ca_certs = c->status_ca_certs;
		if ((rc = worker_start(&wc, &w->worker, err)) != 0)
			return rc;
	}
	if ((rc = recheck_start(w, &rk, err)) != 0 ||
	    (rc = websrv_start(w, &srv, err)) != 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	(void)web_log(w, "web.start", NULL, "version", json_string(FE_VERSION),
	    "listen", json_string(c->listen_host), "port",
	    json_integer(c->listen_port), NULL);
	printf("fe-web: listening on %s (%s:%u)%s\n", c->base_url,
	    c->listen_host, (unsigned)c->listen_port, c->have_link ? "" :
	    "; no [link]: requests wait in the queue");
	fflush(stdout);
	while (!stop_flag)
		pause();
	(void)web_log(w, "web.stop", NULL, NULL);
out:
	websrv_stop(srv);
	recheck_stop(rk);
	if (w->worker != NULL)
		worker_stop(w->worker);
	w->worker = NULL;
	return rc;
}

static int
admin(struct web *w, const char *cmd, int argc, char **argv,
    struct fe_err *err)
{
	sqlite3 *db = web_db(w, err);
	const char *who = getenv("SUDO_USER") ? getenv("SUDO_USER") :
	    getenv("USER") ? getenv("USER") : "?";
	int64_t id;
	int rc;

	if (db == NULL)
		return FE_EDB;
	if ((rc = webdb_int(db, err, &id, 0, "SELECT id FROM account WHERE "
	    "email = ?", "t", argv[0])) != 0)
		return rc;
	if (id == 0)
		return fe_err_code(err, FE_ENOENT, "no account with address %s",
		    argv[0]);
	if (strcmp(cmd, "unlock") == 0 && argc == 1) {
		if ((rc = webdb_exec(db, err, "UPDATE account SET locked = 0, "
		    "failed = 0 WHERE id = ?", "i", id)) < 0)
			return rc;
		rc = web_log(w, "account.unlocked", err, "account",
		    json_integer(id), "by", json_string(who), NULL);
	} else if (strcmp(cmd, "assurer-test") == 0 && argc == 1) {
		if ((rc = webdb_exec(db, err, "UPDATE account SET assurer_test = "
		    "1 WHERE id = ?", "i", id)) < 0)
			return rc;
		rc = web_log(w, "assurer.test-passed", err, "account",
		    json_integer(id), "by", json_string(who), NULL);
	} else if (strcmp(cmd, "assure") == 0 && argc == 5) {
		char *end;
		long pts = strtol(argv[1], &end, 10);

		if (*end != '\0' || pts < 1 || pts > 100)
			return fe_err_set(err, "POINTS '%.16s': give 1 to 100",
			    argv[1]);
		if ((rc = webdb_exec(db, err, "INSERT INTO assurance (assurer, "
		    "member, points, name, date, place, created) VALUES (NULL, "
		    "?, ?, ?, ?, ?, ?)", "iittti", id, (int64_t)pts, argv[2],
		    argv[3], argv[4], fe_now_sec())) < 0)
			return rc;
		rc = web_log(w, "assurance", err, "assurer",
		    json_string("administrator"), "by", json_string(who),
		    "member", json_integer(id), "points", json_integer(pts),
		    "name", json_string(argv[2]), "date", json_string(argv[3]),
		    "place", json_string(argv[4]), NULL);
	} else {
		return usage();
	}
	if (rc == 0)
		printf("fe-web: %s %s: done\n", cmd, argv[0]);
	return rc;
}

int
main(int argc, char **argv)
{
	struct web_conf c;
	struct web w;
	struct fe_err err;
	const char *conf = NULL, *cmd;
	int rc, i = 1;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		conf = argv[2];
		i = 3;
	}
	if (conf == NULL || i >= argc)
		return usage();
	cmd = argv[i++];
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (web_conf_load(conf, &c, &err) != 0) {
		fprintf(stderr, "fe-web: %s\n", err.msg);
		return 1;
	}
	if (web_init(&w, &c, strcmp(cmd, "serve") != 0, &err) != 0) {
		fprintf(stderr, "fe-web: %s\n", err.msg);
		web_conf_clear(&c);
		return 1;
	}
	if (strcmp(cmd, "serve") == 0 && i == argc) {
		rc = serve(&w, &c, &err);
	} else if (strcmp(cmd, "recheck") == 0 && i == argc) {
		unsigned n, l;

		rc = recheck_pass(&w, &n, &l, &err);
		if (rc == 0)
			printf("fe-web: recheck: %u due, %u lapsed\n", n, l);
	} else if (i < argc) {
		rc = admin(&w, cmd, argc - i, argv + i, &err);
		if (rc == 2) {
			web_fini(&w);
			web_conf_clear(&c);
			return 2;
		}
	} else {
		web_fini(&w);
		web_conf_clear(&c);
		return usage();
	}
	if (rc != 0)
		fprintf(stderr, "fe-web: %s\n", err.msg);
	web_fini(&w);
	web_conf_clear(&c);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
