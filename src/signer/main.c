/*
 * main.c - fe-signer, the offline signing server (command-line mode).
 *
 *   fe-signer -c signer.ini [--share FILE]... [--shares-tty] COMMAND ...
 *
 * Commands: status, unlock, sign, revoke, crl.  Keys are unlocked only from
 * custodians' shares (files given with --share, or typed at the terminal);
 * the key-encryption key never touches the disk.  This binary opens no
 * socket and links no network library (POLICY.md K4); the serial daemon
 * mode comes with the link.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "link/crlset.h"
#include "pki/crl.h"
#include "signer/engine.h"
#include "signer/serve.h"

#define MAX_SHARE_ARGS SHARES_MAX

static volatile sig_atomic_t stop_flag;

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
	    "usage: fe-signer [-c signer.ini] [--share FILE]... [--shares-tty] "
	    "COMMAND\n\n"
	    "  status                  CAs, profiles, lock state, log head\n"
	    "  unlock                  unlock the keys with the shares, report\n"
	    "  sign [-o OUT] REQUEST   sign a request file ('-': stdin)\n"
	    "  revoke SERIAL REASON    revoke (RFC 5280 reason name or code)\n"
	    "  crl [-o OUT] CA         issue a CRL for CA ('root': the CRL over "
	    "the sub-roots)\n"
	    "  serve [--device PATH]   unlock, then serve the serial line until "
	    "SIGTERM\n\nSee fe-signer(8).\n");
}

static int
write_out(const char *path, const void *p, size_t n)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (fwrite(p, 1, n, f) != n || (path && fclose(f) != 0)) {
		perror(path ? path : "stdout");
		return -1;
	}
	return 0;
}

static int
write_pem(const char *path, const char *type, const uint8_t *der, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;
	int rc;

	if (b == NULL || PEM_write_bio(b, type, "", der, (long)n) <= 0)
		return -1;
	len = BIO_get_mem_data(b, &p);
	rc = write_out(path, p, (size_t)len);
	BIO_free(b);
	return rc;
}

/* One CRL to OUT as before; the parts of a partitioned one into directory
 * OUT (docs/crl.md). */
static int
cmd_crl(struct engine *e, const char *label, const char *out)
{
	struct engine_crls set = { NULL, 0 };
	struct crlset_item *it;
	struct fe_err err;
	size_t i;
	int rc = 0;

	if (engine_crl(e, label, &set, &err) != 0) {
		fprintf(stderr, "fe-signer: crl: %s\n", err.msg);
		return 1;
	}
	it = fe_calloc(set.n, sizeof(*it));
	for (i = 0; i < set.n; i++) {
		it[i].part = set.v[i].part;
		it[i].der = set.v[i].der;
		it[i].len = set.v[i].len;
	}
	if (crlset_save(out, label, it, set.n, &err) != 0) {
		fprintf(stderr, "fe-signer: crl: %s\n", err.msg);
		rc = 1;
	}
	free(it);
	engine_crls_clear(&set);
	return rc;
}

static int
unlock(struct engine *e, char **files, size_t nfiles, bool tty)
{
	struct share sh[MAX_SHARE_ARGS];
	struct fe_err err;
	size_t n = 0, i, need;
	int rc = 1;

	memset(sh, 0, sizeof(sh));
	for (i = 0; i < nfiles; i++) {
		if (share_read_file(files[i], &sh[n], &err) != 0) {
			fprintf(stderr, "fe-signer: %s\n", err.msg);
			goto out;
		}
		n++;
	}
	if (tty) {
		need = 2;
		for (i = 0; n < MAX_SHARE_ARGS; i++) {
			fprintf(stderr, "\nCustodian %zu: type your share "
			    "(or an empty line when all custodians have "
			    "entered theirs)\n", n + 1);
			if (n >= need) {
				int c = getc(stdin);
				if (c == '\n' || c == EOF)
					break;
				ungetc(c, stdin);
			}
			if (share_read_tty(stdin, stderr, &sh[n], &err) != 0) {
				fprintf(stderr, "fe-signer: %s\n", err.msg);
				goto out;
			}
			need = sh[n].m;
			n++;
		}
	}
	if (engine_unlock(e, sh, n, &err) != 0) {
		fprintf(stderr, "fe-signer: unlock refused: %s\n", err.msg);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < MAX_SHARE_ARGS; i++)
		share_wipe(&sh[i]);
	return rc;
}

static int
cmd_status(struct engine *e)
{
	uint64_t seq;
	uint8_t h[32];
	char hx[65], fp[65];
	size_t i;

	engine_log_head(e, &seq, h);
	hex_encode(h, 32, hx);
	printf("keys: %s\n", engine_unlocked(e) ? "unlocked" : "locked");
	printf("request log: %s, %llu records, head %s\n", engine_log_path(e),
	    (unsigned long long)seq, hx);
	for (i = 0; i < engine_nissuers(e); i++) {
		const struct issuer *is = engine_issuer_at(e, i);
		char subj[256];
		cert_fingerprint(is->cert, fp);
		X509_NAME_oneline(X509_get_subject_name(is->cert), subj,
		    sizeof(subj));
		printf("ca %-10s %s sha256=%s\n", is->label, subj, fp);
	}
	return 0;
}

static int
cmd_sign(struct engine *e, const char *in, const char *out)
{
	uint8_t *p = NULL;
	size_t len = 0;
	struct fe_err err;
	struct sign_result res;
	struct buf b;
	uint8_t chunk[4096];
	size_t n;
	int rc = 1;

	if (strcmp(in, "-") == 0) {
		buf_init(&b, REQ_MAX_BYTES + 1);
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
			if (buf_add(&b, chunk, n) != 0) {
				fprintf(stderr, "fe-signer: request on stdin "
				    "is over the %d byte limit\n",
				    REQ_MAX_BYTES);
				buf_free(&b);
				return 1;
			}
		}
		p = b.p;
		len = b.len;
	} else if (fe_read_file(in, REQ_MAX_BYTES + 1, &p, &len, &err) != 0) {
		if (strstr(err.msg, "larger than") != NULL)
			fprintf(stderr, "fe-signer: %s: request is over the %d "
			    "byte limit\n", in, REQ_MAX_BYTES);
		else
			fprintf(stderr, "fe-signer: %s\n", err.msg);
		return 1;
	}
	engine_sign(e, p, len, &res);
	switch (res.status) {
	case SIGN_ISSUED:
		fprintf(stderr, "%s: serial %s issuer %s sha256 %s\n",
		    res.replayed ? "already issued" : "issued", res.serial,
		    res.issuer, res.fingerprint);
		rc = write_pem(out, "CERTIFICATE", res.der, res.derlen) ? 1 : 0;
		break;
	case SIGN_REFUSED:
		fprintf(stderr, "refused: %s\n", res.reason);
		break;
	case SIGN_FAILED:
	default:
		fprintf(stderr, "failed: %s\n", res.reason);
		break;
	}
	sign_result_clear(&res);
	free(p);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *conf = getenv("FE_SIGNER_CONF");
	char *shares[MAX_SHARE_ARGS];
	size_t nshares = 0;
	bool tty = false;
	struct engine *e = NULL;
	struct fe_err err;
	const char *out = NULL, *cmd;
	int i, rc = 1;

	if (conf == NULL)
		conf = "/etc/foureyes/signer.ini";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf = argv[++i];
		} else if (strcmp(argv[i], "--share") == 0 && i + 1 < argc) {
			if (nshares == MAX_SHARE_ARGS) {
				fprintf(stderr, "fe-signer: too many shares\n");
				return 2;
			}
			shares[nshares++] = argv[++i];
		} else if (strcmp(argv[i], "--shares-tty") == 0) {
			tty = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "fe-signer: unknown option '%s'\n",
			    argv[i]);
			usage();
			return 2;
		}
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	cmd = argv[i++];
	if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
		out = argv[i + 1];
		i += 2;
	}
	if (engine_open(conf, &e, &err) != 0) {
		fprintf(stderr, "fe-signer: %s\n", err.msg);
		return 1;
	}
	if (strcmp(cmd, "status") == 0 && i == argc) {
		rc = cmd_status(e);
	} else if (strcmp(cmd, "unlock") == 0 && i == argc) {
		rc = unlock(e, shares, nshares, tty);
		if (rc == 0)
			printf("unlocked: %zu CA keys\n", engine_nissuers(e));
	} else if (strcmp(cmd, "sign") == 0 && i + 1 == argc) {
		rc = unlock(e, shares, nshares, tty);
		if (rc == 0)
			rc = cmd_sign(e, argv[i], out);
	} else if (strcmp(cmd, "revoke") == 0 && i + 2 == argc) {
		int reason = crl_reason_parse(argv[i + 1]);
		if (reason < 0) {
			fprintf(stderr, "fe-signer: '%s' is not an RFC 5280 "
			    "reason (keyCompromise, affiliationChanged, "
			    "superseded, cessationOfOperation, "
			    "privilegeWithdrawn, ...)\n", argv[i + 1]);
		} else if (engine_revoke(e, argv[i], reason, &err) != 0) {
			fprintf(stderr, "fe-signer: revoke refused: %s\n",
			    err.msg);
		} else {
			printf("revoked %s (%s)\n", argv[i],
			    crl_reason_name(reason));
			rc = 0;
		}
	} else if (strcmp(cmd, "crl") == 0 && i + 1 == argc) {
		rc = unlock(e, shares, nshares, tty);
		if (rc == 0)
			rc = cmd_crl(e, argv[i], out);
	} else if (strcmp(cmd, "serve") == 0 && (i == argc || (i + 2 == argc &&
	    strcmp(argv[i], "--device") == 0))) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = unlock(e, shares, nshares, tty);
		if (rc != 0) {
			fprintf(stderr, "fe-signer: not serving: the keys stay "
			    "locked\n");
		} else if (signer_serve(e, i < argc ? argv[i + 1] : NULL,
		    &stop_flag, &err) != 0) {
			fprintf(stderr, "fe-signer: serve: %s\n", err.msg);
			rc = 1;
		}
	} else {
		usage();
		rc = 2;
	}
	engine_close(e);
	return rc;
}
