/*
 * fuzz_watchconf.c - libFuzzer target for the fe-watch configuration
 * (watchconf_load_string, src/watch/watchconf.c, with the [alert] section
 * read by alert_conf_load, src/watch/alert.c).  The input is copied and
 * NUL-terminated, as conf_load() does with a file.
 *
 * Invariants (abort() when broken): a refusal names the file ("fuzz.ini")
 * and leaves nothing to free; what loads has a host of 1 to 64 letters,
 * digits, '-', '.', '_'; state, tickets and allowed_signers non-empty;
 * every number within its documented range and realtime one of the
 * modes; paths and the collectors' root absolute; documented ports
 * beginning with tcp or udp; and with [alert], at least two distinct
 * channels, each with its settings (smtp: url, from and at least one
 * recipient; command: an absolute program, argv NULL-terminated), none of
 * an unused channel's, and a timeout of 1 to 300 seconds.  Loading the
 * same text twice gives the same result.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "watch/watchconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_alert(const struct alert_conf *ac)
{
	size_t i, nuse = 0;

	for (i = 0; i < ALERT__MAX; i++)
		nuse += ac->use[i];
	check(nuse >= 2);
	check(ac->timeout >= 1 && ac->timeout <= 300);
	if (ac->use[ALERT_SMTP]) {
		check(ac->smtp_url != NULL && ac->smtp_from != NULL);
		check(ac->nsmtp_to >= 1 && ac->smtp_to != NULL);
		for (i = 0; i < ac->nsmtp_to; i++)
			check(strchr(ac->smtp_to[i], '@') != NULL);
	} else {
		check(ac->smtp_url == NULL && ac->smtp_from == NULL &&
		    ac->nsmtp_to == 0 && ac->nescalate_to == 0);
	}
	if (ac->use[ALERT_COMMAND]) {
		check(ac->command != NULL && ac->command[0] != NULL);
		check(ac->command[0][0] == '/');
		for (i = 0; ac->command[i] != NULL; i++)
			check(ac->command[i][0] != '\0');
	} else {
		check(ac->command == NULL);
	}
}

static void
check_conf(const struct watchconf *wc)
{
	size_t i, hl = strlen(wc->host);

	check(hl >= 1 && hl <= 64);
	for (i = 0; i < hl; i++)
		check(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-._", wc->host[i]) != NULL);
	check(wc->state[0] != '\0' && wc->tickets[0] != '\0' &&
	    wc->allowed_signers[0] != '\0');
	check(wc->rescan >= 10 && wc->rescan <= 7 * 86400);
	check(wc->poll >= 1 && wc->poll <= 60);
	check(wc->emergency_grace >= 1 && wc->emergency_grace <= 30 * 86400);
	check(wc->respond_within >= 1 && wc->respond_within <= 7 * 86400);
	check(wc->threads >= 1 && wc->threads <= 64);
	check(wc->realtime >= 0 && wc->realtime < RT__MAX);
	check((wc->npaths == 0) == (wc->paths == NULL));
	for (i = 0; i < wc->npaths; i++)
		check(wc->paths[i][0] == '/' && strlen(wc->paths[i]) <= 4000);
	for (i = 0; i < wc->nignore; i++)
		check(wc->ignore[i][0] != '\0' &&
		    strlen(wc->ignore[i]) <= 4000);
	check(wc->root != NULL && wc->root[0] == '/');
	for (i = 0; i < wc->nports; i++)
		check(strncmp(wc->ports[i], "tcp", 3) == 0 ||
		    strncmp(wc->ports[i], "udp", 3) == 0);
	if (wc->have_alert)
		check_alert(&wc->alert);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct watchconf wc, again;
	struct fe_err err, err2;
	char *text;
	int rc;

	if (size > CONF_MAX_BYTES + 1)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	rc = watchconf_load_string("fuzz.ini", text, &wc, &err);
	if (rc != 0) {
		check(strncmp(err.msg, "fuzz.ini", 8) == 0);
		check(wc.host == NULL && wc.paths == NULL && !wc.have_alert);
	} else {
		check_conf(&wc);
	}
	check(watchconf_load_string("fuzz.ini", text, &again, &err2) == rc);
	if (rc != 0) {
		check(strcmp(err.msg, err2.msg) == 0);
	} else {
		check(strcmp(wc.host, again.host) == 0 &&
		    wc.npaths == again.npaths && wc.nports == again.nports &&
		    wc.have_alert == again.have_alert);
		watchconf_clear(&again);
		watchconf_clear(&wc);
	}
	free(text);
	return 0;
}
