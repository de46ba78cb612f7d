/*
 * watchconf.c - reads the fe-watch configuration (format in watchconf.h).
 * Every value goes through one typed getter that names the file, section,
 * key and value it refused; keys nobody reads are errors, so a misspelt
 * "ignore" never silently watches less than the operator thinks.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "watch/watchconf.h"

const char *const rt_mode_names[RT__MAX] = { "auto", "fanotify", "inotify" };

static int
abs_paths(const char *name, const char *key, char **v, size_t n,
    struct fe_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i][0] != '/' && strcmp(key, "ignore") != 0)
			return fe_err_set(err, "%s: [files] %s = '%s': not an "
			    "absolute path", name, key, v[i]);
		if (strlen(v[i]) > 4000)
			return fe_err_set(err, "%s: [files] %s: a pattern over "
			    "4000 bytes", name, key);
	}
	return 0;
}

static int
load(struct conf *c, struct watchconf *wc, struct fe_err *err)
{
	const char *s;
	const char *name = conf_name(c);
	size_t i;

	if (conf_req_str(c, "watch", "host", &s, err) < 0)
		return -1;
	wc->host = fe_strdup(s);
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.' || s[i] == '_') || i >= 64)
			return fe_err_set(err, "%s: [watch] host = '%.80s': "
			    "letters, digits, '-', '.', '_' only, at most 64",
			    name, s);
	if (conf_req_str(c, "watch", "state", &s, err) < 0)
		return -1;
	wc->state = fe_strdup(s);
	if (conf_req_str(c, "watch", "tickets", &s, err) < 0)
		return -1;
	wc->tickets = fe_strdup(s);
	if (conf_req_str(c, "watch", "allowed_signers", &s, err) < 0)
		return -1;
	wc->allowed_signers = fe_strdup(s);
	if (conf_uint(c, "watch", "rescan", 10, 7 * 86400, 3600, &wc->rescan,
	    err) < 0 ||
	    conf_uint(c, "watch", "poll", 1, 60, 1, &wc->poll, err) < 0 ||
	    conf_uint(c, "watch", "emergency_grace", 1, 30 * 86400, 86400,
	    &wc->emergency_grace, err) < 0 ||
	    conf_uint(c, "watch", "respond_within", 1, 7 * 86400, 86400,
	    &wc->respond_within, err) < 0 ||
	    conf_uint(c, "watch", "threads", 1, 64, 2, &wc->threads, err) < 0 ||
	    conf_enum(c, "watch", "realtime", rt_mode_names, RT__MAX, RT_AUTO,
	    &wc->realtime, err) < 0)
		return -1;
	if (conf_list(c, "files", "paths", &wc->paths, &wc->npaths, err) < 0 ||
	    conf_list(c, "files", "ignore", &wc->ignore, &wc->nignore,
	    err) < 0)
		return -1;
	if (abs_paths(name, "paths", wc->paths, wc->npaths, err) < 0 ||
	    abs_paths(name, "ignore", wc->ignore, wc->nignore, err) < 0)
		return -1;
	if (conf_bool(c, "collect", "packages", true, &wc->packages, err) < 0 ||
	    conf_bool(c, "collect", "sockets", true, &wc->sockets, err) < 0 ||
	    conf_bool(c, "collect", "accounts", true, &wc->accounts, err) < 0 ||
	    conf_bool(c, "collect", "modules", true, &wc->modules, err) < 0 ||
	    conf_bool(c, "collect", "units", true, &wc->units, err) < 0)
		return -1;
	s = conf_str(c, "collect", "root");
	wc->root = fe_strdup(s != NULL && *s != '\0' ? s : "/");
	if (wc->root[0] != '/')
		return fe_err_set(err, "%s: [collect] root = '%s': not an "
		    "absolute path", name, wc->root);
	if (conf_list(c, "ports", "documented", &wc->ports, &wc->nports,
	    err) < 0)
		return -1;
	for (i = 0; i < wc->nports; i++)
		if (strncmp(wc->ports[i], "tcp:", 4) != 0 &&
		    strncmp(wc->ports[i], "tcp6:", 5) != 0 &&
		    strncmp(wc->ports[i], "udp:", 4) != 0 &&
		    strncmp(wc->ports[i], "udp6:", 5) != 0)
			return fe_err_set(err, "%s: [ports] documented = '%s': "
			    "expected PROTO:ADDRESS:PORT with PROTO tcp, tcp6, "
			    "udp or udp6", name, wc->ports[i]);
	wc->have_alert = conf_has_section(c, "alert");
	if (wc->have_alert && alert_conf_load(c, &wc->alert, err) < 0)
		return -1;
	return conf_check_unused(c, err);
}

/* Interpret a loaded file; frees c. */
static int
finish(struct conf *c, struct watchconf *wc, struct fe_err *err)
{
	int rc = load(c, wc, err);

	conf_free(c);
	if (rc < 0) {
		watchconf_clear(wc);
		return FE_EINVAL;
	}
	return 0;
}

int
watchconf_load_string(const char *name, const char *text,
    struct watchconf *wc, struct fe_err *err)
{
	struct conf *c;

	memset(wc, 0, sizeof(*wc));
	if (conf_load_string(name, text, &c, err) < 0)
		return FE_EINVAL;
	return finish(c, wc, err);
}

int
watchconf_load(const char *path, struct watchconf *wc, struct fe_err *err)
{
	struct conf *c;

	memset(wc, 0, sizeof(*wc));
	if (conf_load(path, &c, err) < 0)
		return FE_EINVAL;
	return finish(c, wc, err);
}

void
watchconf_clear(struct watchconf *wc)
{
	free(wc->host);
	free(wc->state);
	free(wc->tickets);
	free(wc->allowed_signers);
	free(wc->root);
	conf_list_free(wc->paths, wc->npaths);
	conf_list_free(wc->ignore, wc->nignore);
	conf_list_free(wc->ports, wc->nports);
	if (wc->have_alert)
		alert_conf_clear(&wc->alert);
	memset(wc, 0, sizeof(*wc));
}
