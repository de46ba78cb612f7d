/*
 * delegate.c - fe-status's own delegated keys: made here, certified by the
 * signer through a signing request, installed from a status bundle.  See
 * delegate.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "pki/x509ext.h"
#include "status/delegate.h"

#define PATH_LEN 4096
#define PEM_MAX (64 * 1024)

static const char *
kind_name(enum delegate_kind k)
{
	return k == DELEGATE_TSA ? "tsa" : "ocsp";
}

static int
path_of(char out[PATH_LEN], struct fe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
path_of(char out[PATH_LEN], struct fe_err *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PATH_LEN, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_LEN)
		return fe_err_set(err, "path longer than %d bytes", PATH_LEN);
	return 0;
}

static void
current_path(char out[PATH_LEN], const char *state, enum delegate_kind k,
    const char *label)
{
	if (k == DELEGATE_TSA)
		fe_snprintf(out, PATH_LEN, "%s/keys/tsa.pem", state);
	else
		fe_snprintf(out, PATH_LEN, "%s/keys/ocsp-%s.pem", state, label);
}

int
delegate_init_dirs(const char *state, struct fe_err *err)
{
	static const char *const sub[] = { "", "/keys", "/keys/pending",
	    "/keys/outbox" };
	char p[PATH_LEN];
	size_t i;

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (path_of(p, err, "%s%s", state, sub[i]) != 0)
			return FE_EINVAL;
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return fe_err_sys(err, "%s", p);
	}
	return 0;
}

void
delegate_clear(struct delegate *d)
{
	X509_free(d->cert);
	EVP_PKEY_free(d->key);
	d->cert = NULL;
	d->key = NULL;
}

int
delegate_load(const char *state, enum delegate_kind kind, const char *label,
    struct delegate *out, struct fe_err *err)
{
	char p[PATH_LEN];
	uint8_t *buf = NULL;
	size_t len;
	BIO *b = NULL;
	struct delegate d;
	int rc;

	memset(&d, 0, sizeof(d));
	current_path(p, state, kind, label);
	if (access(p, F_OK) != 0)
		return fe_err_code(err, FE_ENOENT, "%s: no %s key yet", p,
		    kind_name(kind));
	if ((rc = fe_read_file(p, PEM_MAX, &buf, &len, err)) != 0)
		return rc;
	rc = FE_EINVAL;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (d.key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL ||
	    (d.cert = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		fe_err_ssl(err, "%s: expected a private key and a certificate",
		    p);
		goto out;
	}
	if (X509_check_private_key(d.cert, d.key) != 1) {
		fe_err_set(err, "%s: the key is not the certificate's", p);
		goto out;
	}
	d.kind = kind;
	fe_snprintf(d.label, sizeof(d.label), "%s", label);
	if (asn1_time_secs(X509_get0_notAfter(d.cert), &d.not_after) != 0)
		d.not_after = 0;     /* treated as expired */
	*out = d;
	memset(&d, 0, sizeof(d));
	rc = 0;
out:
	delegate_clear(&d);
	BIO_free(b);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

/* "KIND-LABEL-" prefix of a pending id. */
static void
id_prefix(char out[DELEGATE_ID_MAX], enum delegate_kind k, const char *label)
{
	fe_snprintf(out, DELEGATE_ID_MAX, "%s-%s-", kind_name(k), label);
}

bool
delegate_pending(const char *state, enum delegate_kind kind,
    const char *label)
{
	char p[PATH_LEN], pre[DELEGATE_ID_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	fe_snprintf(p, sizeof(p), "%s/keys/pending", state);
	id_prefix(pre, kind, label);
	if ((d = opendir(p)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		/* PREFIX, the request time in hex, ".key": "ocsp-server-"
		 * must not take "ocsp-server-2-6b23801c.key" */
		const char *rest = de->d_name + strlen(pre);
		size_t h;

		if (strncmp(de->d_name, pre, strlen(pre)) != 0)
			continue;
		h = strspn(rest, "0123456789abcdef");
		found = h > 0 && strcmp(rest + h, ".key") == 0;
	}
	closedir(d);
	return found;
}

static int
write_pem(const char *path, int (*emit)(BIO *, void *), void *arg,
    struct fe_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc;

	if (b == NULL || emit(b, arg) != 1) {
		BIO_free(b);
		return fe_err_ssl(err, "%s: encoding", path);
	}
	n = BIO_get_mem_data(b, &p);
	rc = fe_write_file_atomic(path, p, (size_t)n, 0600, err);
	OPENSSL_cleanse(p, (size_t)n);
	BIO_free(b);
	return rc;
}

static int
emit_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

int
delegate_request(const char *state, enum delegate_kind kind,
    const char *label, const char *server, const char *org,
    const char *country, unsigned days, int64_t now,
    char id[DELEGATE_ID_MAX], struct fe_err *err)
{
	char p[PATH_LEN], pre[DELEGATE_ID_MAX], cn[128];
	X509_REQ *req = NULL;
	X509_NAME *nm = NULL;
	EVP_PKEY *k = NULL;
	struct buf out;
	BIO *b = NULL;
	char *pem;
	long n;
	int rc = FE_ECRYPTO;

	buf_init(&out, 64 * 1024);
	id_prefix(pre, kind, label);
	if (fe_snprintf_ok(id, DELEGATE_ID_MAX, "%s%llx", pre,
	    (unsigned long long)now) != 0)
		return fe_err_set(err, "request id for %s longer than %d", label,
		    DELEGATE_ID_MAX - 1);
	if (kind == DELEGATE_TSA)
		fe_snprintf(cn, sizeof(cn), "%s TSA", server);
	else
		fe_snprintf(cn, sizeof(cn), "%s OCSP %s", server, label);
	if ((k = EVP_EC_gen("P-256")) == NULL ||
	    (req = X509_REQ_new()) == NULL ||
	    (nm = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, nm) != 1 ||
	    X509_REQ_set_pubkey(req, k) != 1 ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0 ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(b, req) != 1) {
		fe_err_ssl(err, "making the %s key for %s", kind_name(kind),
		    label);
		goto out;
	}
	/* the key first: a request whose key is lost is useless */
	if ((rc = path_of(p, err, "%s/keys/pending/%s.key", state, id)) != 0 ||
	    (rc = write_pem(p, emit_key, k, err)) != 0)
		goto out;
	n = BIO_get_mem_data(b, &pem);
	if (buf_printf(&out, "foureyes-request 1\nid: %s-%s\nprofile: %s\n"
	    "issuer: %s\nsubject: CN=%s\n", server, id,
	    kind == DELEGATE_TSA ? "timestamping" : "ocsp-responder",
	    label, cn) < 0 ||
	    (org != NULL && org[0] && buf_printf(&out, "subject: O=%s\n",
	    org) < 0) ||
	    (country != NULL && country[0] && buf_printf(&out,
	    "subject: C=%s\n", country) < 0) ||
	    buf_printf(&out, "days: %u\n\n", days) < 0 ||
	    buf_add(&out, pem, (size_t)n) < 0) {
		rc = fe_err_set(err, "signing request for %s too large", label);
		goto out;
	}
	if ((rc = path_of(p, err, "%s/keys/outbox/%s.req", state, id)) != 0 ||
	    (rc = fe_write_file_atomic(p, out.p, out.len, 0600, err)) != 0)
		goto out;
	rc = 0;
out:
	buf_free(&out);
	BIO_free(b);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	return rc;
}

static int
fit_for_use(X509 *cert, enum delegate_kind kind, X509 *issuer,
    struct fe_err *err)
{
	/* X509_get_extended_key_usage() answers UINT32_MAX (every purpose)
	 * when there is no extendedKeyUsage: only a present one counts */
	uint32_t xku = (X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) != 0 ?
	    X509_get_extended_key_usage(cert) : 0;
	EXTENDED_KEY_USAGE *eku;
	int crit = -1, n;

	if (issuer == NULL || X509_check_issued(issuer, cert) != X509_V_OK)
		return fe_err_code(err, FE_EPOLICY, "not issued by the sub-root "
		    "it is for; refused");
	/* a delegated key signs answers, never certificates */
	if ((X509_get_extension_flags(cert) & EXFLAG_CA) != 0)
		return fe_err_code(err, FE_EPOLICY, "RFC 5280 4.2.1.9: a CA "
		    "certificate (basicConstraints cA) as a delegated %s; "
		    "refused", kind == DELEGATE_OCSP ? "OCSP responder" :
		    "TSA");
	if (kind == DELEGATE_OCSP) {
		/* RFC 6960 4.2.2.2 and 4.2.2.2.1 */
		if ((xku & XKU_OCSP_SIGN) == 0)
			return fe_err_code(err, FE_EPOLICY, "RFC 6960 4.2.2.2: "
			    "no id-kp-OCSPSigning; refused");
		if (X509_get_ext_by_NID(cert, NID_id_pkix_OCSP_noCheck, -1) <
		    0)
			return fe_err_code(err, FE_EPOLICY, "RFC 6960 "
			    "4.2.2.2.1: no id-pkix-ocsp-nocheck; refused");
		return 0;
	}
	/* RFC 3161 2.3: exactly one key purpose, timeStamping, critical */
	eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
	n = eku != NULL ? sk_ASN1_OBJECT_num(eku) : 0;
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (crit != 1 || n != 1 || (xku & XKU_TIMESTAMP) == 0)
		return fe_err_code(err, FE_EPOLICY, "RFC 3161 2.3: "
		    "extendedKeyUsage must be timeStamping only, critical; "
		    "refused");
	return 0;
}

static int
emit_pair(BIO *b, void *arg)
{
	struct delegate *d = arg;

	return PEM_write_bio_PrivateKey(b, d->key, NULL, NULL, 0, NULL,
	    NULL) == 1 && PEM_write_bio_X509(b, d->cert) == 1;
}

int
delegate_install(const char *state, X509 *cert, delegate_issuer_fn issuer_of,
    void *arg, enum delegate_kind *kind, char label[DELEGATE_LABEL_MAX],
    struct fe_err *err)
{
	char dir[PATH_LEN], p[PATH_LEN], id[DELEGATE_ID_MAX];
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	struct delegate d;
	struct dirent *de;
	const char *dash;
	uint8_t *buf = NULL;
	size_t len = 0, n;
	BIO *b = NULL;
	DIR *dh;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	if (pub == NULL)
		return 0;
	fe_snprintf(dir, sizeof(dir), "%s/keys/pending", state);
	if ((dh = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(dh)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || n - 4 >= DELEGATE_ID_MAX ||
		    strcmp(de->d_name + n - 4, ".key") != 0)
			continue;
		fe_snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (fe_read_file(p, PEM_MAX, &buf, &len, err) != 0)
			continue;
		b = BIO_new_mem_buf(buf, (int)len);
		d.key = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL,
		    NULL) : NULL;
		BIO_free(b);
		b = NULL;
		OPENSSL_cleanse(buf, len);
		free(buf);
		buf = NULL;
		if (d.key != NULL && EVP_PKEY_eq(d.key, pub) == 1) {
			memcpy(id, de->d_name, n - 4);
			id[n - 4] = '\0';
			rc = 1;
			break;
		}
		EVP_PKEY_free(d.key);
		d.key = NULL;
	}
	closedir(dh);
	if (rc != 1)
		return 0;
	/* id is KIND-LABEL-TIME */
	d.kind = strncmp(id, "tsa-", 4) == 0 ? DELEGATE_TSA : DELEGATE_OCSP;
	dash = strrchr(id, '-');
	n = strlen(kind_name(d.kind)) + 1;
	if (dash == NULL || (size_t)(dash - id) <= n ||
	    (size_t)(dash - id) - n >= DELEGATE_LABEL_MAX) {
		rc = fe_err_set(err, "pending key %s: malformed name", id);
		goto out;
	}
	memcpy(d.label, id + n, (size_t)(dash - id) - n);
	d.label[(size_t)(dash - id) - n] = '\0';
	if ((rc = fit_for_use(cert, d.kind, issuer_of(d.label, arg), err)) !=
	    0) {
		fe_err_prefix(err, "%s certificate for %s",
		    kind_name(d.kind), d.label);
		goto out;
	}
	d.cert = cert;
	current_path(p, state, d.kind, d.label);
	rc = write_pem(p, emit_pair, &d, err);
	d.cert = NULL;
	if (rc != 0)
		goto out;
	fe_snprintf(p, sizeof(p), "%s/%s.key", dir, id);
	(void)unlink(p);
	fe_snprintf(p, sizeof(p), "%s/keys/outbox/%s.req", state, id);
	(void)unlink(p);
	*kind = d.kind;
	fe_snprintf(label, DELEGATE_LABEL_MAX, "%s", d.label);
	rc = 1;
out:
	delegate_clear(&d);
	return rc;
}

int
delegate_outbox(const char *state, delegate_outbox_cb cb, void *arg,
    struct fe_err *err)
{
	char dir[PATH_LEN], id[DELEGATE_ID_MAX];
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (path_of(dir, err, "%s/keys/outbox", state) != 0)
		return FE_EINVAL;
	if ((d = opendir(dir)) == NULL)
		return fe_err_sys(err, "%s", dir);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 5 || l - 4 >= DELEGATE_ID_MAX ||
		    strcmp(de->d_name + l - 4, ".req") != 0)
			continue;
		memcpy(id, de->d_name, l - 4);
		id[l - 4] = '\0';
		rc = cb(id, arg);
	}
	closedir(d);
	return rc;
}

int
delegate_outbox_read(const char *state, const char *id, uint8_t **p,
    size_t *len, struct fe_err *err)
{
	char path[PATH_LEN];
	size_t n = strlen(id);

	/* ids are ours (KIND-LABEL-HEX): nothing else names a file */
	if (n == 0 || n >= DELEGATE_ID_MAX || strspn(id,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != n)
		return fe_err_code(err, FE_ENOENT, "no signing request %.64s",
		    id);
	if (path_of(path, err, "%s/keys/outbox/%s.req", state, id) != 0)
		return FE_EINVAL;
	if (access(path, F_OK) != 0)
		return fe_err_code(err, FE_ENOENT, "no signing request %s", id);
	return fe_read_file(path, 1 << 20, p, len, err);
}
