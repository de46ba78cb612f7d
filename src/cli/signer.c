/*
 * signer.c - `fe signer ...`: operators talk to fe-signer over the serial
 * link from the online host.
 *
 *   fe signer [--link link.ini] [--device PATH] [--key FILE] [--baud N]
 *             [--window N] [--timeout SEC]
 *             status | sign [-o OUT] REQUEST | revoke SERIAL REASON |
 *             crl [-o OUT] CA | logs [--from N] [--max N]
 *
 * The link settings come from link.ini's [link] section (FE_LINK_CONF or
 * /etc/foureyes/link.ini when it exists) and are overridden by flags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "cli.h"
#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "lib/conf.h"
#include "link/client.h"
#include "link/crlset.h"
#include "pki/request.h"

static int
usage(void)
{
	fprintf(stderr, "usage: fe signer [--link link.ini] [--device PATH] "
	    "[--key FILE] [--baud N] [--window N] [--timeout SEC]\n"
	    "                 status | sign [-o OUT] REQUEST | revoke SERIAL "
	    "REASON |\n"
	    "                 crl [-o OUT] CA | logs [--from N] [--max N]\n");
	return 2;
}

static int
write_pem(const char *path, const char *type, const uint8_t *der, size_t n)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int ok;

	if (f == NULL) {
		cli_error("%s: cannot create", path);
		return 1;
	}
	ok = PEM_write(f, type, "", der, (long)n) > 0;
	if (path != NULL && fclose(f) != 0)
		ok = 0;
	if (!ok)
		cli_error("%s: cannot write", path ? path : "stdout");
	return ok ? 0 : 1;
}

static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cmd_signer(int argc, char **argv)
{
	const char *linkconf = getenv("FE_LINK_CONF"), *device = NULL,
	    *keyfile = NULL, *out = NULL, *cmd;
	struct sclient_cfg cfg;
	struct sclient *c = NULL;
	struct sclient_result res;
	struct conf *conf = NULL;
	struct fe_err err;
	struct buf body;
	uint64_t baud = 0, window = 0, timeout = 60, from = 1, max = 1000;
	int i, rc = 1;
	uint8_t kind;

	memset(&cfg, 0, sizeof(cfg));
	memset(&res, 0, sizeof(res));
	buf_init(&body, LINK_MSG_MAX);
	for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (strcmp(argv[i], "--link") == 0)
			linkconf = argv[i + 1];
		else if (strcmp(argv[i], "--device") == 0)
			device = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyfile = argv[i + 1];
		else if (strcmp(argv[i], "--baud") == 0) {
			if (parse_uint(argv[i + 1], 4000000, &baud) != 0)
				return usage();
		} else if (strcmp(argv[i], "--window") == 0) {
			if (parse_uint(argv[i + 1], 32, &window) != 0 ||
			    window == 0)
				return usage();
		} else if (strcmp(argv[i], "--timeout") == 0) {
			if (parse_uint(argv[i + 1], 86400, &timeout) != 0)
				return usage();
		} else
			return usage();
	}
	if (i >= argc)
		return usage();
	cmd = argv[i++];
	if (linkconf == NULL && access("/etc/foureyes/link.ini", R_OK) == 0)
		linkconf = "/etc/foureyes/link.ini";
	link_params_default(&cfg.params);
	cfg.baud = 115200;
	if (linkconf != NULL) {
		uint64_t u;
		bool b;
		if (conf_load(linkconf, &conf, &err) != 0) {
			cli_error("%s", err.msg);
			return 1;
		}
		if (device == NULL)
			device = conf_str(conf, "link", "device");
		if (keyfile == NULL)
			keyfile = conf_str(conf, "link", "key");
		if (conf_uint(conf, "link", "baud", 1200, 4000000, 115200, &u,
		    &err) != 0)
			goto fail;
		cfg.baud = (unsigned)u;
		if (conf_uint(conf, "link", "window", 1, 32, 8, &u, &err) != 0)
			goto fail;
		cfg.params.window = (unsigned)u;
		if (conf_uint(conf, "link", "frame_payload", 16, 1024, 1024, &u,
		    &err) != 0)
			goto fail;
		cfg.params.frame_payload = (unsigned)u;
		if (conf_bool(conf, "link", "rtscts", false, &b, &err) != 0)
			goto fail;
		cfg.rtscts = b;
		if (conf_check_unused(conf, &err) != 0)
			goto fail;
	}
	if (baud != 0)
		cfg.baud = (unsigned)baud;
	if (window != 0)
		cfg.params.window = (unsigned)window;
	cfg.params.baud = cfg.baud;
	if (device == NULL || keyfile == NULL) {
		cli_error("signer: no %s: give --%s or a link.ini with [link] %s",
		    device == NULL ? "device" : "link key",
		    device == NULL ? "device" : "key",
		    device == NULL ? "device" : "key");
		goto out;
	}
	cfg.device = device;
	if (link_key_read(keyfile, cfg.key, &err) != 0)
		goto fail;

	if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
		out = argv[i + 1];
		i += 2;
	}
	if (strcmp(cmd, "status") == 0 && i == argc) {
		kind = MSG_STATUS;
	} else if (strcmp(cmd, "sign") == 0 && i + 1 == argc) {
		uint8_t *p;
		size_t len;
		if (fe_read_file(argv[i], REQ_MAX_BYTES, &p, &len, &err) != 0)
			goto fail;
		(void)buf_add(&body, p, len);
		free(p);
		kind = MSG_SIGN;
	} else if (strcmp(cmd, "revoke") == 0 && i + 2 == argc) {
		(void)buf_printf(&body, "%s %s", argv[i], argv[i + 1]);
		kind = MSG_REVOKE;
	} else if (strcmp(cmd, "crl") == 0 && i + 1 == argc) {
		(void)buf_add_str(&body, argv[i]);
		kind = MSG_CRL;
	} else if (strcmp(cmd, "logs") == 0) {
		for (; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--from") == 0 &&
			    parse_uint(argv[i + 1], UINT64_MAX, &from) == 0)
				continue;
			if (strcmp(argv[i], "--max") == 0 &&
			    parse_uint(argv[i + 1], 100000, &max) == 0)
				continue;
			break;
		}
		if (i != argc) {
			usage();
			goto out;
		}
		(void)buf_add_u64be(&body, from);
		(void)buf_add_u32be(&body, (uint32_t)max);
		kind = MSG_LOGS;
	} else {
		usage();
		rc = 2;
		goto out;
	}
	if (sclient_open(&cfg, &c, &err) != 0 ||
	    sclient_call(c, kind, body.p, body.len, (int)timeout * 1000, &res,
	    &err) != 0)
		goto fail;
	if (res.status != MSG_OK) {
		fprintf(stderr, "%s: %s\n", res.status == MSG_REFUSED ?
		    "refused" : "failed", (char *)res.body);
		goto out;
	}
	switch (kind) {
	case MSG_SIGN:
		rc = write_pem(out, "CERTIFICATE", res.body, res.len);
		break;
	case MSG_CRL: {
		struct crlset_item *v;
		size_t n;
		if (crlset_read(res.body, res.len, &v, &n, &err) != 0)
			goto fail;
		rc = crlset_save(out, argv[argc - 1], v, n, &err) != 0;
		free(v);
		if (rc != 0)
			goto fail;
		break;
	}
	case MSG_REVOKE:
		printf("%s %s: %s\n", argv[argc - 2], argv[argc - 1],
		    (char *)res.body);
		rc = 0;
		break;
	default:
		fwrite(res.body, 1, res.len, stdout);
		rc = 0;
		break;
	}
	goto out;
fail:
	cli_error("signer: %s", err.msg);
out:
	sclient_result_clear(&res);
	sclient_close(c);
	conf_free(conf);
	buf_free(&body);
	OPENSSL_cleanse(cfg.key, sizeof(cfg.key));
	return rc;
}
