/*
 * test_delegate.c - src/status/delegate.c: fe-status makes its delegated
 * OCSP-responder and TSA keys, writes signing requests the signer's own
 * parser (request_parse) accepts, and installs the certificate that comes
 * back only when it is fit for its use.  Every refusal of fit_for_use is
 * taken once with its exact message, and after a refusal nothing has
 * changed: the pending key and its request are still there, byte for byte,
 * and there is no current pair.  A certificate for a key that is not
 * pending is not ours (0).  Certificates are built with OpenSSL for the
 * public key read back from the request in keys/outbox, signed by a test
 * sub-root (P-256) that the issuer_of callback gives for the label.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/err.h"
#include "lib/file.h"
#include "pki/request.h"
#include "status/delegate.h"
#include "testx509.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define LABEL "server"
#define SERVER "fe1"
#define FILE_MAX (64 * 1024)

#define MSG_ISSUER "not issued by the sub-root it is for; refused"
#define MSG_CA_OCSP "RFC 5280 4.2.1.9: a CA certificate (basicConstraints " \
	"cA) as a delegated OCSP responder; refused"
#define MSG_CA_TSA "RFC 5280 4.2.1.9: a CA certificate (basicConstraints " \
	"cA) as a delegated TSA; refused"
#define MSG_OCSPSIGN "RFC 6960 4.2.2.2: no id-kp-OCSPSigning; refused"
#define MSG_NOCHECK "RFC 6960 4.2.2.2.1: no id-pkix-ocsp-nocheck; refused"
#define MSG_TSA_EKU "RFC 3161 2.3: extendedKeyUsage must be timeStamping " \
	"only, critical; refused"

static EVP_PKEY *root_key, *sub_key, *other_key, *stray_key;
static X509 *root, *sub, *other;

struct ext {
	int nid;
	const char *value;
};

#define EXTS_END { NID_undef, NULL }

static const struct ext ca_exts[] = {
	{ NID_basic_constraints, "critical,CA:TRUE" },
	{ NID_key_usage, "critical,keyCertSign,cRLSign" },
	EXTS_END
};
static const struct ext ocsp_good[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "OCSPSigning" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	EXTS_END
};
static const struct ext ocsp_server_auth[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "serverAuth" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	EXTS_END
};
static const struct ext ocsp_no_eku[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	EXTS_END
};
static const struct ext ocsp_no_nocheck[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "OCSPSigning" },
	EXTS_END
};
static const struct ext ocsp_ca[] = {
	{ NID_basic_constraints, "critical,CA:TRUE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "OCSPSigning" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	EXTS_END
};
static const struct ext ocsp_not_ca[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "OCSPSigning" },
	{ NID_id_pkix_OCSP_noCheck, "ignored" },
	EXTS_END
};
static const struct ext tsa_good[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "critical,timeStamping" },
	EXTS_END
};
static const struct ext tsa_noncrit[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "timeStamping" },
	EXTS_END
};
static const struct ext tsa_two[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "critical,timeStamping,OCSPSigning" },
	EXTS_END
};
static const struct ext tsa_ca[] = {
	{ NID_basic_constraints, "critical,CA:TRUE" },
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "critical,timeStamping" },
	EXTS_END
};
static const struct ext tsa_no_eku[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	EXTS_END
};
static const struct ext tsa_ocspsign[] = {
	{ NID_key_usage, "critical,digitalSignature" },
	{ NID_ext_key_usage, "critical,OCSPSigning" },
	EXTS_END
};

static X509 *
mk_cert(const char *cn, EVP_PKEY *pk, X509 *iss, EVP_PKEY *iss_key,
    long serial, const struct ext *exts)
{
	X509 *x = tx_cert_begin(cn, pk, iss, serial, T0 - 86400,
	    T0 + 3650L * 86400);

	if (iss == NULL)
		iss = x;
	for (; exts->nid != NID_undef; exts++)
		add_ext(x, iss, exts->nid, exts->value);
	assert_true(X509_sign(x, iss_key, EVP_sha256()) > 0);
	return x;
}

/* One state directory per test, with an OCSP request for LABEL and a TSA
 * request pending, and what they were on disk. */
struct fx {
	char dir[64];
	char id[2][DELEGATE_ID_MAX];     /* [DELEGATE_OCSP], [DELEGATE_TSA] */
	EVP_PKEY *pub[2];
	uint8_t *key[2], *req[2];
	size_t keylen[2], reqlen[2];
	const char *asked;                  /* the label issuer_of was asked */
	X509 *issuer;                       /* what issuer_of gives for LABEL */
};

static X509 *
issuer_of(const char *label, void *arg)
{
	struct fx *f = arg;

	f->asked = label;
	return strcmp(label, LABEL) == 0 ? f->issuer : NULL;
}

static void
path(char *out, size_t size, const struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
path(char *out, size_t size, const struct fx *f, const char *fmt, ...)
{
	char rel[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(rel));
	n = snprintf(out, size, "%s/%s", f->dir, rel);
	assert_true(n > 0 && (size_t)n < size);
}

/* w: 0 the pending key STATE/keys/pending/ID.key, 1 its request
 * STATE/keys/outbox/ID.req */
static bool
exists_id(const struct fx *f, int w, const char *id)
{
	char p[512];

	if (w == 0)
		path(p, sizeof(p), f, "keys/pending/%s.key", id);
	else
		path(p, sizeof(p), f, "keys/outbox/%s.req", id);
	return access(p, F_OK) == 0;
}

static bool
exists(const struct fx *f, const char *name)
{
	char p[512];

	path(p, sizeof(p), f, "keys/%s", name);
	return access(p, F_OK) == 0;
}

static void
slurp(const struct fx *f, int w, const char *id, uint8_t **buf, size_t *len)
{
	struct fe_err err;
	char p[512];

	if (w == 0)
		path(p, sizeof(p), f, "keys/pending/%s.key", id);
	else
		path(p, sizeof(p), f, "keys/outbox/%s.req", id);
	assert_int_equal(fe_read_file(p, FILE_MAX, buf, len, &err), 0);
}

static int
collect(const char *id, void *arg)
{
	int *n = arg;

	(*n)++;
	assert_true(strncmp(id, "ocsp-" LABEL "-", 5 + strlen(LABEL) + 1) ==
	    0 || strncmp(id, "tsa-" LABEL "-", 4 + strlen(LABEL) + 1) == 0);
	return 0;
}

static int
setup(void **state)
{
	static const enum delegate_kind kinds[] = { DELEGATE_OCSP,
	    DELEGATE_TSA };
	struct fe_err err;
	struct fx *f = calloc(1, sizeof(*f));
	int i, n = 0;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fe-test-delegate.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(delegate_init_dirs(f->dir, &err), 0);
	/* twice is fine */
	assert_int_equal(delegate_init_dirs(f->dir, &err), 0);
	f->issuer = sub;
	for (i = 0; i < 2; i++) {
		struct sign_request *r = NULL;
		uint8_t *p = NULL;
		size_t len = 0;
		char want[REQ_ID_MAX + 1];

		assert_int_equal(kinds[i], i);
		assert_false(delegate_pending(f->dir, kinds[i], LABEL));
		assert_int_equal(delegate_request(f->dir, kinds[i], LABEL,
		    SERVER, "Example Org", "DE", 30, T0, f->id[i], &err), 0);
		assert_true(delegate_pending(f->dir, kinds[i], LABEL));
		/* the request as fe-web carries it to the signer */
		assert_int_equal(delegate_outbox_read(f->dir, f->id[i], &p,
		    &len, &err), 0);
		assert_int_equal(request_parse(p, len, &r, &err), 0);
		snprintf(want, sizeof(want), "%s-%s", SERVER, f->id[i]);
		assert_string_equal(r->id, want);
		assert_string_equal(r->profile, i == DELEGATE_TSA ?
		    "timestamping" : "ocsp-responder");
		assert_string_equal(r->issuer, LABEL);
		assert_int_equal(r->nsubject, 3);
		assert_string_equal(r->subject[0].value, i == DELEGATE_TSA ?
		    SERVER " TSA" : SERVER " OCSP " LABEL);
		assert_string_equal(r->subject[1].value, "Example Org");
		assert_string_equal(r->subject[2].value, "DE");
		assert_int_equal(r->days, 30);
		assert_non_null(request_pub(r));
		assert_int_equal(EVP_PKEY_get_base_id(r->pub), EVP_PKEY_EC);
		assert_int_equal(EVP_PKEY_get_bits(r->pub), 256);
		assert_int_equal(EVP_PKEY_up_ref(r->pub), 1);
		f->pub[i] = r->pub;
		request_free(r);
		free(p);
		slurp(f, 0, f->id[i], &f->key[i],
		    &f->keylen[i]);
		slurp(f, 1, f->id[i], &f->req[i],
		    &f->reqlen[i]);
	}
	assert_string_not_equal(f->id[0], f->id[1]);
	assert_int_equal(delegate_outbox(f->dir, collect, &n, &err), 0);
	assert_int_equal(n, 2);
	*state = f;
	return 0;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int i;

	for (i = 0; i < 2; i++) {
		EVP_PKEY_free(f->pub[i]);
		OPENSSL_cleanse(f->key[i], f->keylen[i]);
		free(f->key[i]);
		free(f->req[i]);
	}
	assert_int_equal(nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f);
	return 0;
}

/* The pending key and request of kind k are there as they were made. */
static void
assert_pending(const struct fx *f, enum delegate_kind k)
{
	uint8_t *p;
	size_t len;

	assert_true(delegate_pending(f->dir, k, LABEL));
	slurp(f, 0, f->id[k], &p, &len);
	assert_int_equal(len, f->keylen[k]);
	assert_memory_equal(p, f->key[k], len);
	OPENSSL_cleanse(p, len);
	free(p);
	slurp(f, 1, f->id[k], &p, &len);
	assert_int_equal(len, f->reqlen[k]);
	assert_memory_equal(p, f->req[k], len);
	free(p);
}

/* Nothing installed, both requests still pending. */
static void
assert_unchanged(const struct fx *f)
{
	struct delegate d;
	struct fe_err err;

	memset(&d, 0, sizeof(d));
	assert_pending(f, DELEGATE_OCSP);
	assert_pending(f, DELEGATE_TSA);
	assert_false(exists(f, "ocsp-" LABEL ".pem"));
	assert_false(exists(f, "tsa.pem"));
	assert_int_equal(delegate_load(f->dir, DELEGATE_OCSP, LABEL, &d,
	    &err), FE_ENOENT);
	assert_int_equal(delegate_load(f->dir, DELEGATE_TSA, LABEL, &d,
	    &err), FE_ENOENT);
	assert_null(d.cert);
	assert_null(d.key);
}

/* Install x (freed here) and expect a refusal with exactly want. */
static void
refused(struct fx *f, X509 *x, const char *want)
{
	enum delegate_kind kind = (enum delegate_kind)99;
	char label[DELEGATE_LABEL_MAX] = "untouched";
	struct fe_err err;

	memset(&err, 0, sizeof(err));
	f->asked = NULL;
	assert_int_equal(delegate_install(f->dir, x, issuer_of, f, &kind,
	    label, &err), FE_EPOLICY);
	assert_string_equal(err.msg, want);
	/* output parameters are set only on success */
	assert_int_equal(kind, 99);
	assert_string_equal(label, "untouched");
	assert_non_null(f->asked);
	assert_string_equal(f->asked, LABEL);
	X509_free(x);
	assert_unchanged(f);
}

/* Install x (freed here) and expect it installed as kind k. */
static void
installed(struct fx *f, X509 *x, enum delegate_kind k)
{
	enum delegate_kind kind = (enum delegate_kind)99;
	char label[DELEGATE_LABEL_MAX] = "untouched";
	struct delegate d;
	struct fe_err err;
	struct stat st;
	char p[512];

	memset(&d, 0, sizeof(d));
	assert_int_equal(delegate_install(f->dir, x, issuer_of, f, &kind,
	    label, &err), 1);
	assert_int_equal(kind, k);
	assert_string_equal(label, LABEL);
	/* the pending key and its request are gone, the other kind's not */
	assert_false(exists_id(f, 0, f->id[k]));
	assert_false(exists_id(f, 1, f->id[k]));
	assert_false(delegate_pending(f->dir, k, LABEL));
	assert_pending(f, k == DELEGATE_OCSP ? DELEGATE_TSA : DELEGATE_OCSP);
	path(p, sizeof(p), f, "keys/%s", k == DELEGATE_OCSP ?
	    "ocsp-" LABEL ".pem" : "tsa.pem");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* and the pair loads: this certificate with the pending key */
	assert_int_equal(delegate_load(f->dir, k, LABEL, &d, &err), 0);
	assert_int_equal(d.kind, k);
	assert_string_equal(d.label, LABEL);
	assert_non_null(d.cert);
	assert_non_null(d.key);
	assert_int_equal(X509_cmp(d.cert, x), 0);
	assert_int_equal(EVP_PKEY_eq(d.key, f->pub[k]), 1);
	assert_int_equal(X509_check_private_key(d.cert, d.key), 1);
	assert_int_equal(d.not_after, T0 + 3650L * 86400);
	delegate_clear(&d);
	assert_null(d.cert);
	assert_null(d.key);
	/* the same certificate again: its key is no longer pending */
	assert_int_equal(delegate_install(f->dir, x, issuer_of, f, &kind,
	    label, &err), 0);
	X509_free(x);
}

static X509 *
ocsp_cert(struct fx *f, const struct ext *exts)
{
	return mk_cert(SERVER " OCSP " LABEL, f->pub[DELEGATE_OCSP], sub,
	    sub_key, 100, exts);
}

static X509 *
tsa_cert(struct fx *f, const struct ext *exts)
{
	return mk_cert(SERVER " TSA", f->pub[DELEGATE_TSA], sub, sub_key, 200,
	    exts);
}

static void
test_nothing_installed_yet(void **state)
{
	assert_unchanged(*state);
}

static void
test_ocsp_installs(void **state)
{
	struct fx *f = *state;

	installed(f, ocsp_cert(f, ocsp_good), DELEGATE_OCSP);
}

static void
test_ocsp_not_ca_installs(void **state)
{
	struct fx *f = *state;

	/* basicConstraints present with cA FALSE is not a CA */
	installed(f, ocsp_cert(f, ocsp_not_ca), DELEGATE_OCSP);
}

static void
test_ocsp_no_ocspsigning(void **state)
{
	struct fx *f = *state;

	refused(f, ocsp_cert(f, ocsp_server_auth),
	    "ocsp certificate for " LABEL ": " MSG_OCSPSIGN);
}

static void
test_ocsp_no_eku(void **state)
{
	struct fx *f = *state;

	/* no extendedKeyUsage at all is no id-kp-OCSPSigning either */
	refused(f, ocsp_cert(f, ocsp_no_eku),
	    "ocsp certificate for " LABEL ": " MSG_OCSPSIGN);
}

static void
test_ocsp_no_nocheck(void **state)
{
	struct fx *f = *state;

	refused(f, ocsp_cert(f, ocsp_no_nocheck),
	    "ocsp certificate for " LABEL ": " MSG_NOCHECK);
}

static void
test_ocsp_other_issuer(void **state)
{
	struct fx *f = *state;

	refused(f, mk_cert(SERVER " OCSP " LABEL, f->pub[DELEGATE_OCSP],
	    other, other_key, 101, ocsp_good),
	    "ocsp certificate for " LABEL ": " MSG_ISSUER);
}

static void
test_ocsp_other_sub_root_for_label(void **state)
{
	struct fx *f = *state;

	/* a good certificate from the sub-root, but the label stands for
	 * another one */
	f->issuer = other;
	refused(f, ocsp_cert(f, ocsp_good),
	    "ocsp certificate for " LABEL ": " MSG_ISSUER);
}

static void
test_ocsp_unknown_label(void **state)
{
	struct fx *f = *state;

	f->issuer = NULL;
	refused(f, ocsp_cert(f, ocsp_good),
	    "ocsp certificate for " LABEL ": " MSG_ISSUER);
}

static void
test_ocsp_ca(void **state)
{
	struct fx *f = *state;

	refused(f, ocsp_cert(f, ocsp_ca),
	    "ocsp certificate for " LABEL ": " MSG_CA_OCSP);
}

static void
test_tsa_installs(void **state)
{
	struct fx *f = *state;

	installed(f, tsa_cert(f, tsa_good), DELEGATE_TSA);
}

static void
test_tsa_noncritical(void **state)
{
	struct fx *f = *state;

	refused(f, tsa_cert(f, tsa_noncrit),
	    "tsa certificate for " LABEL ": " MSG_TSA_EKU);
}

static void
test_tsa_two_purposes(void **state)
{
	struct fx *f = *state;

	refused(f, tsa_cert(f, tsa_two),
	    "tsa certificate for " LABEL ": " MSG_TSA_EKU);
}

static void
test_tsa_no_eku(void **state)
{
	struct fx *f = *state;

	refused(f, tsa_cert(f, tsa_no_eku),
	    "tsa certificate for " LABEL ": " MSG_TSA_EKU);
}

static void
test_tsa_wrong_purpose(void **state)
{
	struct fx *f = *state;

	refused(f, tsa_cert(f, tsa_ocspsign),
	    "tsa certificate for " LABEL ": " MSG_TSA_EKU);
}

static void
test_tsa_ca(void **state)
{
	struct fx *f = *state;

	refused(f, tsa_cert(f, tsa_ca),
	    "tsa certificate for " LABEL ": " MSG_CA_TSA);
}

static void
test_tsa_other_issuer(void **state)
{
	struct fx *f = *state;

	refused(f, mk_cert(SERVER " TSA", f->pub[DELEGATE_TSA], other,
	    other_key, 201, tsa_good),
	    "tsa certificate for " LABEL ": " MSG_ISSUER);
}

static void
test_kind_from_pending_key(void **state)
{
	struct fx *f = *state;

	/* an OCSP responder certificate for the TSA key is judged as a TSA
	 * certificate, and the reverse */
	refused(f, mk_cert("x", f->pub[DELEGATE_TSA], sub, sub_key, 300,
	    ocsp_good), "tsa certificate for " LABEL ": " MSG_TSA_EKU);
	refused(f, mk_cert("x", f->pub[DELEGATE_OCSP], sub, sub_key, 301,
	    tsa_good), "ocsp certificate for " LABEL ": " MSG_OCSPSIGN);
}

static void
test_not_pending(void **state)
{
	struct fx *f = *state;
	enum delegate_kind kind = (enum delegate_kind)99;
	char label[DELEGATE_LABEL_MAX] = "untouched";
	struct fe_err err;
	X509 *x;

	/* a proper responder certificate, for a key this server never made */
	x = mk_cert(SERVER " OCSP " LABEL, stray_key, sub, sub_key, 400,
	    ocsp_good);
	f->asked = NULL;
	assert_int_equal(delegate_install(f->dir, x, issuer_of, f, &kind,
	    label, &err), 0);
	X509_free(x);
	/* the sub-root's own certificate is not ours either */
	assert_int_equal(delegate_install(f->dir, sub, issuer_of, f, &kind,
	    label, &err), 0);
	assert_null(f->asked);
	assert_int_equal(kind, 99);
	assert_string_equal(label, "untouched");
	assert_unchanged(f);
}

static void
test_outbox_read_bad_id(void **state)
{
	struct fx *f = *state;
	struct fe_err err;
	uint8_t *p = NULL;
	size_t len = 0;

	assert_int_equal(delegate_outbox_read(f->dir, "../pending/x", &p,
	    &len, &err), FE_ENOENT);
	assert_int_equal(delegate_outbox_read(f->dir, "", &p, &len, &err),
	    FE_ENOENT);
	assert_int_equal(delegate_outbox_read(f->dir, "ocsp-" LABEL "-0", &p,
	    &len, &err), FE_ENOENT);
	assert_null(p);
	assert_unchanged(f);
}

/* A pending key for label "server-2" is not one for "server". */
static void
test_pending_label_prefix(void **state)
{
	struct fx *f = *state;
	struct fe_err err;
	char id[DELEGATE_ID_MAX];
	char other_label[] = LABEL "-2";

	assert_false(delegate_pending(f->dir, DELEGATE_OCSP, other_label));
	assert_int_equal(delegate_request(f->dir, DELEGATE_OCSP, other_label,
	    SERVER, "Example Org", "DE", 30, T0 + 1, id, &err), 0);
	assert_true(delegate_pending(f->dir, DELEGATE_OCSP, other_label));
	/* LABEL's own pending key is there too: take it away, and LABEL
	 * has none even though LABEL-2 has one */
	assert_true(delegate_pending(f->dir, DELEGATE_OCSP, LABEL));
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/keys/pending/%s.key", f->dir,
		    f->id[DELEGATE_OCSP]);
		assert_int_equal(unlink(p), 0);
	}
	assert_false(delegate_pending(f->dir, DELEGATE_OCSP, LABEL));
	assert_true(delegate_pending(f->dir, DELEGATE_OCSP, other_label));
}

static int
group_setup(void **state)
{
	(void)state;
	root_key = EVP_EC_gen("P-256");
	sub_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	stray_key = EVP_EC_gen("P-256");
	if (root_key == NULL || sub_key == NULL || other_key == NULL ||
	    stray_key == NULL)
		return -1;
	root = mk_cert("foureyes test root", root_key, NULL, root_key, 1,
	    ca_exts);
	sub = mk_cert("foureyes test sub-root", sub_key, root, root_key, 2,
	    ca_exts);
	other = mk_cert("foureyes other sub-root", other_key, root, root_key,
	    3, ca_exts);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	X509_free(root);
	X509_free(sub);
	X509_free(other);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(sub_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(stray_key);
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nothing_installed_yet),
		T(test_ocsp_installs),
		T(test_ocsp_not_ca_installs),
		T(test_ocsp_no_ocspsigning),
		T(test_ocsp_no_eku),
		T(test_ocsp_no_nocheck),
		T(test_ocsp_other_issuer),
		T(test_ocsp_other_sub_root_for_label),
		T(test_ocsp_unknown_label),
		T(test_ocsp_ca),
		T(test_tsa_installs),
		T(test_tsa_noncritical),
		T(test_tsa_two_purposes),
		T(test_tsa_no_eku),
		T(test_tsa_wrong_purpose),
		T(test_tsa_ca),
		T(test_tsa_other_issuer),
		T(test_kind_from_pending_key),
		T(test_not_pending),
		T(test_outbox_read_bad_id),
		T(test_pending_label_prefix),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
