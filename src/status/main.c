/*
 * main.c - fe-status, the status tier: OCSP, CRLs and timestamps.
 *
 *   fe-status -c status.ini serve            serve until SIGTERM/SIGINT
 *   fe-status -c status.ini load BUNDLE...   apply status bundles (offline)
 *   fe-status -c status.ini request [-o DIR] delegated keys and requests
 *   fe-status -c status.ini status           issuers, CRL ages, delegations
 *
 * See fe-status(8) and docs/status.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "lib/conf.h"
#include "lib/file.h"
#include "status/bundle.h"
#include "status/server.h"

static volatile int stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fe-status [-c status.ini] COMMAND\n\n"
	    "  serve                 serve OCSP, CRLs and timestamps until "
	    "SIGTERM\n"
	    "  load BUNDLE...        apply status bundles (while not serving; "
	    "a running\n"
	    "                        server takes them at POST /bundle on its "
	    "admin address)\n"
	    "  request [-o DIR]      make delegated keys that are missing or "
	    "due, and\n"
	    "                        copy the pending signing requests to DIR\n"
	    "  status                issuers, CRL ages, delegated "
	    "certificates\n\nSee fe-status(8).\n");
}

static int
load_cert(const char *path, X509 **out, struct fe_err *err)
{
	uint8_t *buf;
	size_t len;
	BIO *b;
	int rc;

	if ((rc = fe_read_file(path, 1 << 20, &buf, &len, err)) != 0)
		return rc;
	b = BIO_new_mem_buf(buf, (int)len);
	*out = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(buf);
	if (*out == NULL)
		return fe_err_ssl(err, "%s: not a PEM certificate", path);
	return 0;
}

static int
copy_str(struct conf *c, const char *sec, const char *key, const char *def,
    char *out, size_t outsz, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);

	if (v == NULL)
		v = def;
	if (fe_snprintf_ok(out, outsz, "%s", v) != 0)
		return fe_err_set(err, "%s: [%s] %s: longer than %zu bytes",
		    conf_name(c), sec, key, outsz - 1);
	return 0;
}

static bool
label_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < DELEGATE_LABEL_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
	    == n;
}

void
status_conf_free(struct status_conf *c)
{
	size_t i;

	X509_free(c->root);
	for (i = 0; i < c->niss; i++)
		X509_free(c->iss[i].cert);
	memset(c, 0, sizeof(*c));
}

int
status_conf_load(const char *path, struct status_conf *out,
    struct fe_err *err)
{
	static const char *const roles[] = { "publish", "serve" };
	struct status_conf c;
	struct conf *f = NULL;
	const char *v;
	uint64_t hours;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	if ((rc = conf_load(path, &f, err)) != 0)
		return rc;
	if ((rc = conf_req_str(f, "status", "state", &v, err)) != 0 ||
	    (rc = copy_str(f, "status", "state", v, c.state, sizeof(c.state),
	    err)) != 0 ||
	    (rc = copy_str(f, "status", "name", "fe-status", c.name,
	    sizeof(c.name), err)) != 0 ||
	    (rc = copy_str(f, "status", "organization", "", c.org,
	    sizeof(c.org), err)) != 0 ||
	    (rc = copy_str(f, "status", "country", "", c.country,
	    sizeof(c.country), err)) != 0 ||
	    (rc = copy_str(f, "status", "listen", "127.0.0.1:8180", c.listen,
	    sizeof(c.listen), err)) != 0 ||
	    (rc = copy_str(f, "status", "admin", "", c.admin,
	    sizeof(c.admin), err)) != 0 ||
	    (rc = conf_uint(f, "status", "threads", 1, 64, 2, &c.threads,
	    err)) != 0 ||
	    (rc = conf_uint(f, "status", "nonce_rate", 0, 1000000, 200,
	    &c.nonce_rate, err)) != 0 ||
	    (rc = copy_str(f, "status", "ocsp_path", "/", c.ocsp_path,
	    sizeof(c.ocsp_path), err)) != 0 ||
	    (rc = copy_str(f, "status", "crl_list_path", "/crls.json",
	    c.crl_list_path, sizeof(c.crl_list_path), err)) != 0 ||
	    (rc = conf_uint(f, "status", "crl_max_age_hours", 1, 24 * 366, 26,
	    &hours, err)) != 0)
		goto fail;
	c.crl_max_age = hours * 3600;
	if ((rc = conf_uint(f, "status", "renew_days", 1, 365, 7, &hours,
	    err)) != 0 ||
	    (rc = conf_uint(f, "status", "delegate_days", 2, 30, 30,
	    &c.delegate_days, err)) != 0)
		goto fail;
	c.renew_before = hours * 86400;
	if (c.renew_before >= c.delegate_days * 86400) {
		rc = fe_err_set(err, "%s: [status] renew_days must be less than "
		    "delegate_days", path);
		goto fail;
	}
	if (c.ocsp_path[0] != '/' || c.crl_list_path[0] != '/') {
		rc = fe_err_set(err, "%s: [status] paths start with '/'", path);
		goto fail;
	}
	if ((rc = conf_req_str(f, "status", "root", &v, err)) != 0 ||
	    (rc = load_cert(v, &c.root, err)) != 0)
		goto fail;
	for (i = 0; i < conf_nsections(f); i++) {
		const char *sec = conf_section(f, i), *label;
		struct status_issuer *si;

		if (strncmp(sec, "issuer ", 7) != 0)
			continue;
		label = sec + 7;
		if (!label_ok(label)) {
			rc = fe_err_set(err, "%s: [%s]: a label is 1 to %d of "
			    "A-Z a-z 0-9 _", path, sec, DELEGATE_LABEL_MAX - 1);
			goto fail;
		}
		if (c.niss == STATUS_MAX_ISSUERS) {
			rc = fe_err_set(err, "%s: more than %d issuers", path,
			    STATUS_MAX_ISSUERS);
			goto fail;
		}
		si = &c.iss[c.niss++];
		fe_snprintf(si->label, sizeof(si->label), "%s", label);
		if ((rc = conf_req_str(f, sec, "cert", &v, err)) != 0 ||
		    (rc = load_cert(v, &si->cert, err)) != 0 ||
		    (rc = copy_str(f, sec, "crl_url", "", si->crl_url,
		    sizeof(si->crl_url), err)) != 0)
			goto fail;
	}
	if (c.niss == 0) {
		rc = fe_err_set(err, "%s: no [issuer LABEL] section: fe-status "
		    "must answer for at least one sub-root", path);
		goto fail;
	}
	if (conf_has_section(f, "tsa")) {
		c.tsa = true;
		if ((rc = conf_req_str(f, "tsa", "issuer", &v, err)) != 0 ||
		    (rc = copy_str(f, "tsa", "issuer", v, c.tsa_issuer,
		    sizeof(c.tsa_issuer), err)) != 0 ||
		    (rc = conf_req_str(f, "tsa", "policy", &v, err)) != 0 ||
		    (rc = copy_str(f, "tsa", "policy", v, c.tsa_policy,
		    sizeof(c.tsa_policy), err)) != 0 ||
		    (rc = copy_str(f, "tsa", "path", "/tsa", c.tsa_path,
		    sizeof(c.tsa_path), err)) != 0 ||
		    (rc = conf_uint(f, "tsa", "accuracy_ms", 1, 60000, 1000,
		    &c.tsa_accuracy_ms, err)) != 0 ||
		    (rc = conf_uint(f, "tsa", "days", 2, 460, 90, &c.tsa_days,
		    err)) != 0)
			goto fail;
		for (i = 0; i < c.niss; i++)
			if (strcmp(c.iss[i].label, c.tsa_issuer) == 0)
				break;
		if (i == c.niss) {
			rc = fe_err_set(err, "%s: [tsa] issuer %s: no [issuer "
			    "%s] section", path, c.tsa_issuer, c.tsa_issuer);
			goto fail;
		}
		{
			ASN1_OBJECT *o = OBJ_txt2obj(c.tsa_policy, 1);

			ASN1_OBJECT_free(o);
			if (o == NULL) {
				rc = fe_err_set(err, "%s: [tsa] policy %s: not "
				    "a dotted OID", path, c.tsa_policy);
				goto fail;
			}
		}
	}
	if (conf_has_section(f, "redis")) {
		int role;

		if ((rc = conf_req_str(f, "redis", "address", &v, err)) != 0 ||
		    (rc = copy_str(f, "redis", "address", v, c.redis,
		    sizeof(c.redis), err)) != 0 ||
		    (rc = conf_enum(f, "redis", "role", roles, 2, 0, &role,
		    err)) != 0)
			goto fail;
		c.redis_role = role;
	}
	if ((rc = conf_check_unused(f, err)) != 0)
		goto fail;
	conf_free(f);
	*out = c;
	return 0;
fail:
	conf_free(f);
	status_conf_free(&c);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *conf_path = "/etc/foureyes/status.ini", *cmd;
	struct status_conf c;
	struct status *s = NULL;
	struct fe_err err;
	struct sigaction sa;
	int i = 1, rc = 1, n;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		conf_path = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	cmd = argv[i++];
	if (status_conf_load(conf_path, &c, &err) != 0) {
		fprintf(stderr, "fe-status: %s\n", err.msg);
		return 1;
	}
	if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "load") != 0 &&
	    strcmp(cmd, "request") != 0 && strcmp(cmd, "status") != 0) {
		usage();
		status_conf_free(&c);
		return 2;
	}
	if (c.redis[0] != '\0' && c.redis_role == 1 &&
	    strcmp(cmd, "serve") != 0) {
		fprintf(stderr, "fe-status: %s: a [redis] role = serve copy "
		    "keeps no state; %s is for the publishing fe-status\n",
		    conf_path, cmd);
		status_conf_free(&c);
		return 1;
	}
	if (status_open(&c, &s, &err) != 0) {
		fprintf(stderr, "fe-status: %s\n", err.msg);
		goto out;
	}
	if (strcmp(cmd, "serve") == 0 && i == argc) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (status_serve(s, &stop_flag, &err) != 0)
			fprintf(stderr, "fe-status: %s\n", err.msg);
		else
			rc = 0;
	} else if (strcmp(cmd, "load") == 0 && i < argc) {
		for (rc = 0; i < argc && rc == 0; i++) {
			uint8_t *buf = NULL;
			size_t len;

			if (fe_read_file(argv[i], BUNDLE_MAX_BYTES, &buf, &len,
			    &err) != 0 ||
			    status_load_bundle(s, argv[i], buf, len, &err) != 0) {
				if (err.msg[0])
					fprintf(stderr, "fe-status: %s\n",
					    err.msg);
				rc = 1;
			}
			free(buf);
			buf = NULL;
		}
	} else if (strcmp(cmd, "request") == 0) {
		const char *outdir = NULL;

		if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
			outdir = argv[i + 1];
			i += 2;
		}
		if (i != argc) {
			usage();
			rc = 2;
		} else if ((n = status_requests(s, outdir, &err)) < 0)
			fprintf(stderr, "fe-status: %s\n", err.msg);
		else {
			printf("%d signing request%s pending\n", n,
			    n == 1 ? "" : "s");
			rc = 0;
		}
	} else if (strcmp(cmd, "status") == 0 && i == argc) {
		rc = status_summary(s, stdout, &err) == 0 ? 0 : 1;
	} else {
		usage();
		rc = 2;
	}
out:
	status_close(s);
	status_conf_free(&c);
	return rc;
}
