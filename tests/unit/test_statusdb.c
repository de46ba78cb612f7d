/*
 * test_statusdb.c - src/store/statusdb.c: the status store of fe-status
 * believes only what the signer signed.  A root, a sub-root under it and an
 * unrelated CA are made here with OpenSSL; leaves and CRLs are signed with
 * their keys (and with the wrong ones).  Covered: good, revoked (reason and
 * time), unknown for a serial never issued, unknown issuer, SHA-1 and
 * SHA-256 CertIDs; every refusal of a sub-root, a certificate and a CRL,
 * each with its message, and a refused CRL leaves the store as it was; a
 * newer CRL replaces the revoked set; the staleness alarm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "store/statusdb.h"
#include "testx509.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z */
#define NOW (T0 + 3600)

static EVP_PKEY *root_key, *sub_key, *other_key, *leaf_key;
static X509 *root, *sub, *other, *leaf1, *leaf2, *forged, *foreign, *dup1,
    *notca, *nocertsign, *samename, *negative, *sub2;

enum kind { K_CA, K_CA_CRLONLY, K_LEAF };


/* Certificate for pk named cn, issued by iss (NULL: self-signed) but
 * signed with iss_key, which need not be iss's key. */
static X509 *
mk_cert(const char *cn, EVP_PKEY *pk, X509 *iss, EVP_PKEY *iss_key,
    long serial, enum kind kind)
{
	X509 *x = tx_cert_begin(cn, pk, iss, serial, T0 - 86400,
	    T0 + 365 * 86400);

	if (iss == NULL)
		iss = x;
	if (kind == K_CA) {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else if (kind == K_CA_CRLONLY) {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, iss, NID_key_usage, "critical,cRLSign");
	} else {
		add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
	}
	assert_true(X509_sign(x, iss_key, EVP_sha256()) > 0);
	return x;
}

static int
setup(void **state)
{
	(void)state;
	root_key = EVP_EC_gen("P-256");
	sub_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	leaf_key = EVP_EC_gen("P-256");
	if (!root_key || !sub_key || !other_key || !leaf_key)
		return -1;
	root = mk_cert("foureyes test root", root_key, NULL, root_key, 1,
	    K_CA);
	sub = mk_cert("foureyes test sub-root", sub_key, root, root_key, 2,
	    K_CA);
	other = mk_cert("unrelated CA", other_key, NULL, other_key, 1, K_CA);
	leaf1 = mk_cert("a.example", leaf_key, sub, sub_key, 0x1001, K_LEAF);
	leaf2 = mk_cert("b.example", leaf_key, sub, sub_key, 0x1002, K_LEAF);
	/* names the sub-root (name and AKI) but signed by another key */
	forged = mk_cert("evil.example", leaf_key, sub, other_key, 0x1003,
	    K_LEAF);
	/* issued by the unrelated CA */
	foreign = mk_cert("c.example", leaf_key, other, other_key, 0x1001,
	    K_LEAF);
	/* a second, different certificate with leaf1's serial */
	dup1 = mk_cert("d.example", leaf_key, sub, sub_key, 0x1001, K_LEAF);
	/* signed by the root but not a CA */
	notca = mk_cert("not a CA", leaf_key, root, root_key, 3, K_LEAF);
	negative = mk_cert("e.example", leaf_key, sub, sub_key, -5, K_LEAF);
	nocertsign = mk_cert("CRL signer", other_key, root, root_key, 4,
	    K_CA_CRLONLY);
	/* a second sub-root under the root with the first one's name */
	samename = mk_cert("foureyes test sub-root", other_key, root, root_key,
	    5, K_CA);
	/* a second sub-root under the root, with its own name */
	sub2 = mk_cert("foureyes test sub-root two", other_key, root,
	    root_key, 6, K_CA);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(root);
	X509_free(sub);
	X509_free(other);
	X509_free(leaf1);
	X509_free(leaf2);
	X509_free(forged);
	X509_free(foreign);
	X509_free(dup1);
	X509_free(notca);
	X509_free(nocertsign);
	X509_free(samename);
	X509_free(negative);
	X509_free(sub2);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(sub_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

struct fix {
	char dir[64];
	char path[96];
	struct statusdb *db;
};

static struct statusdb *
fresh(struct fix *f)
{
	struct fe_err err;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_statusdb.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/status.db", f->dir);
	if (statusdb_open(f->path, &f->db, &err) != 0)
		fail_msg("%s", err.msg);
	return f->db;
}

static void
done(struct fix *f)
{
	char p[128];

	statusdb_close(f->db);
	f->db = NULL;
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
}

/* Expect rc from an operation, and for a failure a message with want. */
static void
expect(int got, int rc, struct fe_err *err, const char *want)
{
	if (got != rc)
		fail_msg("rc %d, expected %d: %s", got, rc, err->msg);
	if (want != NULL && strstr(err->msg, want) == NULL)
		fail_msg("\"%s\" not in \"%s\"", want, err->msg);
	/* so that the next check never sees this message */
	memset(err, 0, sizeof(*err));
}

static uint8_t *
cert_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static int
add_cert(struct statusdb *db, X509 *x, struct fe_err *err)
{
	size_t len;
	uint8_t *der = cert_der(x, &len);
	int rc;

	memset(err, 0, sizeof(*err));
	rc = statusdb_add_cert(db, der, len, err);
	OPENSSL_free(der);
	return rc;
}

struct entry {
	long serial;
	int64_t at;
	int reason;               /* -1: no reasonCode */
};

enum {
	CRL_NO_NUMBER = 1, CRL_NO_NEXT = 2, CRL_DELTA = 4, CRL_CRITICAL = 8,
	CRL_INDIRECT = 16, CRL_IDP = 32, CRL_IDP_CONF = 64, CRL_IDP_TWO = 128
};

/* CRL_IDP_CONF: the issuingDistributionPoint, in openssl.cnf's syntax */
static const char *idp_conf;

/* A critical issuingDistributionPoint with two fullName URIs (no config
 * syntax for it). */
static X509_EXTENSION *
idp_two_uris(void)
{
	ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
	const char *u[2] = { "http://crl.example.org/a.crl",
	    "http://crl.example.org/b.crl" };
	X509_EXTENSION *e;
	int i;

	assert_non_null(idp);
	idp->distpoint = DIST_POINT_NAME_new();
	assert_non_null(idp->distpoint);
	idp->distpoint->type = 0;
	idp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
	for (i = 0; i < 2; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();

		assert_int_equal(ASN1_STRING_set(s, u[i], -1), 1);
		GENERAL_NAME_set0_value(g, GEN_URI, s);
		assert_true(sk_GENERAL_NAME_push(idp->distpoint->name.fullname,
		    g) > 0);
	}
	e = X509V3_EXT_i2d(NID_issuing_distribution_point, 1, idp);
	assert_non_null(e);
	ISSUING_DIST_POINT_free(idp);
	return e;
}

/* DER CRL in the name of iss, signed with key; caller frees. */
static uint8_t *
mk_crl(X509 *iss, EVP_PKEY *key, long number, int64_t this_update,
    int64_t next_update, const struct entry *e, size_t n, int flags,
    size_t *len)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	unsigned char *der = NULL;
	size_t i;
	int l;

	assert_non_null(c);
	assert_int_equal(X509_CRL_set_version(c, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(c,
	    X509_get_subject_name(iss)), 1);
	assert_non_null(ASN1_TIME_set(t, (time_t)this_update));
	assert_int_equal(X509_CRL_set1_lastUpdate(c, t), 1);
	if (!(flags & CRL_NO_NEXT)) {
		assert_non_null(ASN1_TIME_set(t, (time_t)next_update));
		assert_int_equal(X509_CRL_set1_nextUpdate(c, t), 1);
	}
	for (i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();
		ASN1_ENUMERATED *why;

		assert_int_equal(ASN1_INTEGER_set(s, e[i].serial), 1);
		assert_int_equal(X509_REVOKED_set_serialNumber(r, s), 1);
		assert_non_null(ASN1_TIME_set(t, (time_t)e[i].at));
		assert_int_equal(X509_REVOKED_set_revocationDate(r, t), 1);
		if (e[i].reason >= 0) {
			why = ASN1_ENUMERATED_new();
			assert_int_equal(ASN1_ENUMERATED_set(why, e[i].reason),
			    1);
			assert_int_equal(X509_REVOKED_add1_ext_i2d(r,
			    NID_crl_reason, why, 0, 0), 1);
			ASN1_ENUMERATED_free(why);
		}
		if (flags & CRL_INDIRECT) {
			GENERAL_NAMES *gens = GENERAL_NAMES_new();
			GENERAL_NAME *g = GENERAL_NAME_new();

			g->type = GEN_DIRNAME;
			g->d.directoryName = X509_NAME_dup(
			    X509_get_subject_name(other));
			assert_int_equal(sk_GENERAL_NAME_push(gens, g), 1);
			assert_int_equal(X509_REVOKED_add1_ext_i2d(r,
			    NID_certificate_issuer, gens, 1, 0), 1);
			GENERAL_NAMES_free(gens);
		}
		assert_int_equal(X509_CRL_add0_revoked(c, r), 1);
		ASN1_INTEGER_free(s);
	}
	X509V3_set_ctx(&ctx, iss, NULL, NULL, c, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
	    "keyid");
	assert_non_null(ext);
	assert_int_equal(X509_CRL_add_ext(c, ext, -1), 1);
	X509_EXTENSION_free(ext);
	assert_int_equal(ASN1_INTEGER_set(num, number), 1);
	if (!(flags & CRL_NO_NUMBER))
		assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_crl_number, num,
		    0, 0), 1);
	if (flags & CRL_DELTA)
		assert_int_equal(X509_CRL_add1_ext_i2d(c, NID_delta_crl, num,
		    1, 0), 1);
	if (flags & CRL_IDP) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_issuing_distribution_point,
		    "critical,onlysomereasons:keyCompromise");
		assert_non_null(ext);
		assert_int_equal(X509_CRL_add_ext(c, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	if (flags & (CRL_IDP_CONF | CRL_IDP_TWO)) {
		ext = (flags & CRL_IDP_TWO) ? idp_two_uris() :
		    X509V3_EXT_conf_nid(NULL, &ctx,
		    NID_issuing_distribution_point, idp_conf);
		assert_non_null(ext);
		assert_int_equal(X509_CRL_add_ext(c, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	if (flags & CRL_CRITICAL) {
		static const unsigned char null_der[] = { 0x05, 0x00 };
		ASN1_OBJECT *o = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();

		assert_int_equal(ASN1_OCTET_STRING_set(os, null_der, 2), 1);
		ext = X509_EXTENSION_create_by_OBJ(NULL, o, 1, os);
		assert_non_null(ext);
		assert_int_equal(X509_CRL_add_ext(c, ext, -1), 1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(o);
	}
	assert_int_equal(X509_CRL_sort(c), 1);
	assert_true(X509_CRL_sign(c, key, EVP_sha256()) > 0);
	l = i2d_X509_CRL(c, &der);
	assert_true(l > 0);
	*len = (size_t)l;
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(c);
	return der;
}

static int
add_crl(struct statusdb *db, const uint8_t *der, size_t len,
    struct fe_err *err)
{
	memset(err, 0, sizeof(*err));
	return statusdb_add_crl(db, der, len, NOW, err);
}

/* Status of serial under iss with hash h. */
static int
status(struct statusdb *db, X509 *iss, enum ocsp_hash h, long serial,
    struct statusdb_answer *a, struct fe_err *err)
{
	struct ocsp_certid id;
	uint8_t s[8];
	size_t n = 0;
	long v;

	for (v = serial; v > 0; v >>= 8)
		n++;
	for (v = serial; v > 0; v >>= 8)
		s[--n] = (uint8_t)(v & 0xff);
	for (v = serial, n = 0; v > 0; v >>= 8)
		n++;
	assert_int_equal(ocsp_certid_from_issuer(iss, h, s, n, &id, err), 0);
	memset(err, 0, sizeof(*err));
	return statusdb_status(db, &id, a, err);
}

/* A store with the sub-root, leaf1 and leaf2, and CRL 1 revoking leaf2. */
static struct statusdb *
populated(struct fix *f)
{
	struct statusdb *db = fresh(f);
	struct entry e[] = { { 0x1002, T0 - 100, 1 } };
	struct fe_err err;
	uint8_t *der;
	size_t len;

	expect(statusdb_add_issuer(db, sub, root, &err), 0, &err, NULL);
	expect(add_cert(db, leaf1, &err), 0, &err, NULL);
	expect(add_cert(db, leaf2, &err), 0, &err, NULL);
	der = mk_crl(sub, sub_key, 1, T0, T0 + 86400, e, 1, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	return db;
}

static void
test_issuer(void **state)
{
	struct fix f;
	struct statusdb *db = fresh(&f);
	struct statusdb_answer a;
	struct fe_err err;

	(void)state;
	expect(statusdb_add_issuer(db, sub, root, &err), 0, &err, NULL);
	expect(statusdb_add_issuer(db, sub, root, &err), 0, &err, NULL);
	expect(statusdb_add_issuer(db, other, root, &err), FE_EPOLICY, &err,
	    "sub-root CN=unrelated CA: does not chain to the configured root");
	expect(statusdb_add_issuer(db, sub, other, &err), FE_EPOLICY, &err,
	    "does not chain to the configured root");
	expect(statusdb_add_issuer(db, notca, root, &err), FE_EPOLICY, &err,
	    "not a CA certificate");
	expect(statusdb_add_issuer(db, root, root, &err), FE_EPOLICY, &err,
	    "is the root itself");
	expect(statusdb_add_issuer(db, nocertsign, root, &err), FE_EPOLICY,
	    &err, "sub-root CN=CRL signer: RFC 5280 4.2.1.3: keyUsage lacks "
	    "keyCertSign or cRLSign");
	expect(statusdb_add_issuer(db, samename, root, &err), FE_EEXIST, &err,
	    "another certificate with this name is stored");
	expect(statusdb_add_issuer(db, NULL, root, &err), FE_EINVAL, &err,
	    "no certificate");
	/* the issuer survives a reopen; no CRL yet: tryLater */
	statusdb_close(db);
	expect(statusdb_open(f.path, &f.db, &err), 0, &err, NULL);
	db = f.db;
	expect(status(db, sub, OCSP_HASH_SHA1, 0x1001, &a, &err), FE_EBUSY,
	    &err, "no CRL accepted yet");
	expect(status(db, other, OCSP_HASH_SHA1, 0x1001, &a, &err), FE_ENOENT,
	    &err, "not a known sub-root");
	/* the reloaded sub-root still verifies certificates */
	expect(add_cert(db, leaf1, &err), 0, &err, NULL);
	expect(add_cert(db, forged, &err), FE_EPOLICY, &err,
	    "signature does not verify");
	done(&f);
}

static void
test_schema(void **state)
{
	struct fix f;
	struct statusdb *db;
	struct fe_err err;
	sqlite3 *raw;

	(void)state;
	fresh(&f);
	statusdb_close(f.db);
	f.db = NULL;
	assert_int_equal(sqlite3_open(f.path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	memset(&err, 0, sizeof(err));
	expect(statusdb_open(f.path, &db, &err), FE_EDB, &err,
	    "schema version 99 is newer than this fe-status knows (2)");
	done(&f);
}

static void
test_cert(void **state)
{
	struct fix f;
	struct statusdb *db = fresh(&f);
	struct fe_err err;
	uint8_t *der, *big;
	size_t len;

	(void)state;
	/* no issuer yet */
	expect(add_cert(db, leaf1, &err), FE_EPOLICY, &err,
	    "certificate serial 1001: issuer is not a known sub-root");
	expect(statusdb_add_issuer(db, sub, root, &err), 0, &err, NULL);
	expect(add_cert(db, leaf1, &err), 0, &err, NULL);
	expect(add_cert(db, leaf1, &err), 0, &err, NULL);
	expect(add_cert(db, forged, &err), FE_EPOLICY, &err,
	    "certificate serial 1003: signature does not verify with "
	    "sub-root CN=foureyes test sub-root: not signed by the signer; "
	    "refused");
	expect(add_cert(db, foreign, &err), FE_EPOLICY, &err,
	    "issuer is not a known sub-root: not signed by the signer");
	expect(add_cert(db, negative, &err), FE_EINVAL, &err,
	    "certificate: RFC 5280 4.1.2.2: serial number is negative");
	expect(add_cert(db, dup1, &err), FE_EEXIST, &err,
	    "certificate serial 1001: BR 7.1: another certificate from "
	    "sub-root CN=foureyes test sub-root has this serial");

	der = cert_der(leaf2, &len);
	big = malloc(len + 1);
	assert_non_null(big);
	memcpy(big, der, len);
	big[len] = 0;
	memset(&err, 0, sizeof(err));
	expect(statusdb_add_cert(db, big, len + 1, &err), FE_EINVAL, &err,
	    "1 trailing bytes");
	expect(statusdb_add_cert(db, der, len - 1, &err), FE_ECRYPTO, &err,
	    "does not parse");
	expect(statusdb_add_cert(db, der, 0, &err), FE_EINVAL, &err,
	    "certificate of 0 bytes");
	free(big);
	OPENSSL_free(der);
	done(&f);
}

static void
test_status(void **state)
{
	struct fix f;
	struct statusdb *db = populated(&f);
	struct statusdb_answer a;
	struct ocsp_certid id;
	struct fe_err err;
	enum ocsp_hash h;

	(void)state;
	for (h = OCSP_HASH_SHA1; h < OCSP_HASH__MAX; h++) {
		expect(status(db, sub, h, 0x1001, &a, &err), 0, &err, NULL);
		assert_int_equal(a.status, OCSP_CERT_GOOD);
		assert_int_equal(a.this_update, T0);
		assert_int_equal(a.next_update, T0 + 86400);
		assert_int_equal(X509_cmp(a.issuer_cert, sub), 0);
		assert_string_equal(a.issuer, "CN=foureyes test sub-root");

		expect(status(db, sub, h, 0x1002, &a, &err), 0, &err, NULL);
		assert_int_equal(a.status, OCSP_CERT_REVOKED);
		assert_int_equal(a.revoked_at, T0 - 100);
		assert_int_equal(a.reason, 1);

		/* never issued: unknown, never good (BR 4.9.10) */
		expect(status(db, sub, h, 0x1003, &a, &err), 0, &err, NULL);
		assert_int_equal(a.status, OCSP_CERT_UNKNOWN);
		expect(status(db, sub, h, 0x99999, &a, &err), 0, &err, NULL);
		assert_int_equal(a.status, OCSP_CERT_UNKNOWN);

		expect(status(db, other, h, 0x1001, &a, &err), FE_ENOENT,
		    &err, "issuer is not a known sub-root");
		expect(status(db, root, h, 0x2, &a, &err), FE_ENOENT, &err,
		    "issuer is not a known sub-root");
	}
	/* a CertID that ocsp_req_parse would never produce */
	assert_int_equal(ocsp_certid_from_issuer(sub, OCSP_HASH_SHA1,
	    (const uint8_t *)"\x10\x01", 2, &id, &err), 0);
	id.hash = OCSP_HASH__MAX;
	expect(statusdb_status(db, &id, &a, &err), FE_EINVAL, &err,
	    "is not SHA-1 or SHA-256");
	id.hash = OCSP_HASH_SHA1;
	id.serial_len = 0;
	expect(statusdb_status(db, &id, &a, &err), FE_EINVAL, &err,
	    "serial of 0 octets");
	done(&f);
}

/* The store answers as populated() left it. */
static void
unchanged(struct statusdb *db)
{
	struct statusdb_answer a;
	struct fe_err err;
	int64_t age;

	expect(status(db, sub, OCSP_HASH_SHA256, 0x1002, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	assert_int_equal(a.reason, 1);
	assert_int_equal(a.this_update, T0);
	expect(status(db, sub, OCSP_HASH_SHA256, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_GOOD);
	expect(statusdb_crl_age(db, "CN=foureyes test sub-root", NOW, &age,
	    &err), 0, &err, NULL);
	assert_int_equal(age, NOW - T0);
}

/* Try a CRL that must be refused with rc and want; nothing changes. */
static void
refuse(struct statusdb *db, uint8_t *der, size_t len, int rc,
    const char *want)
{
	struct fe_err err;

	expect(add_crl(db, der, len, &err), rc, &err, want);
	OPENSSL_free(der);
	unchanged(db);
}

static void
test_crl_refused(void **state)
{
	struct fix f;
	struct statusdb *db = populated(&f);
	struct entry all[] = { { 0x1001, T0, 1 }, { 0x1002, T0 - 100, 4 } };
	struct entry twice[] = { { 0x1001, T0, 1 }, { 0x1001, T0, 1 } };
	struct entry badreason[] = { { 0x1001, T0, 7 } };
	struct fe_err err;
	uint8_t *der, *big;
	size_t len;

	(void)state;
	/* signed by the other CA's key in the sub-root's name */
	der = mk_crl(sub, other_key, 2, T0 + 60, T0 + 86400, all, 2, 0, &len);
	refuse(db, der, len, FE_EPOLICY, "CRL from CN=foureyes test "
	    "sub-root: signature does not verify with sub-root CN=foureyes "
	    "test sub-root: not signed by the signer; refused");
	/* the other CA's own CRL */
	der = mk_crl(other, other_key, 2, T0 + 60, T0 + 86400, all, 2, 0,
	    &len);
	refuse(db, der, len, FE_EPOLICY, "CRL from CN=unrelated CA: issuer "
	    "is not a known sub-root");
	/* one byte of the signature changed */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2, 0, &len);
	der[len - 1] ^= 0x01;
	refuse(db, der, len, FE_EPOLICY, "signature does not verify");
	/* a number going backwards */
	der = mk_crl(sub, sub_key, 0, T0 + 60, T0 + 86400, all, 2, 0, &len);
	refuse(db, der, len, FE_EPOLICY, "CRL number 0 goes backwards from "
	    "1: refused");
	/* the same number with other contents */
	der = mk_crl(sub, sub_key, 1, T0 + 60, T0 + 86400, all, 2, 0, &len);
	refuse(db, der, len, FE_EPOLICY, "CRL number 1 is stored with other "
	    "contents");
	/* a higher number with an older thisUpdate */
	der = mk_crl(sub, sub_key, 2, T0 - 1, T0 + 86400, all, 2, 0, &len);
	refuse(db, der, len, FE_EPOLICY, "CRL 2 from CN=foureyes test "
	    "sub-root: thisUpdate goes backwards by 1 seconds from CRL 1");
	/* no cRLNumber */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2,
	    CRL_NO_NUMBER, &len);
	refuse(db, der, len, FE_EINVAL, "RFC 5280 5.2.3: cRLNumber is "
	    "missing");
	/* no nextUpdate */
	der = mk_crl(sub, sub_key, 2, T0 + 60, 0, all, 2, CRL_NO_NEXT, &len);
	refuse(db, der, len, FE_EINVAL, "CRL 2 from CN=foureyes test "
	    "sub-root: RFC 5280 5.1.2.5: nextUpdate is missing");
	/* nextUpdate before thisUpdate */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0, all, 2, 0, &len);
	refuse(db, der, len, FE_EINVAL, "nextUpdate is before thisUpdate");
	/* thisUpdate beyond the 5 minutes of skew */
	der = mk_crl(sub, sub_key, 2, NOW + 301, NOW + 86400, all, 2, 0,
	    &len);
	refuse(db, der, len, FE_EINVAL, "thisUpdate is 301 seconds in the "
	    "future");
	/* a delta CRL */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2, CRL_DELTA,
	    &len);
	refuse(db, der, len, FE_EINVAL, "delta CRLs are not accepted");
	/* a serial listed twice: the transaction is rolled back */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, twice, 2, 0, &len);
	refuse(db, der, len, FE_EINVAL, "serial 1001 is listed twice");
	/* reasonCode 7 is unused in CRLReason */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, badreason, 1, 0,
	    &len);
	refuse(db, der, len, FE_EINVAL, "reasonCode 7 is not a CRLReason");
	/* an unknown critical extension */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2,
	    CRL_CRITICAL, &len);
	refuse(db, der, len, FE_EINVAL, "RFC 5280 5.2: unknown critical "
	    "extension");
	/* a partial CRL (only some reasons) */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2, CRL_IDP,
	    &len);
	refuse(db, der, len, FE_EINVAL, "issuingDistributionPoint limits the "
	    "CRL's scope");
	/* a negative cRLNumber */
	der = mk_crl(sub, sub_key, -5, T0 + 60, T0 + 86400, all, 2, 0, &len);
	refuse(db, der, len, FE_EINVAL, "cRLNumber is negative or beyond");
	/* entries for another issuer (indirect CRL) */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2,
	    CRL_INDIRECT, &len);
	refuse(db, der, len, FE_EINVAL, "indirect CRL entries are not "
	    "accepted");
	/* trailing bytes, truncation, empty */
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, all, 2, 0, &len);
	big = OPENSSL_malloc(len + 2);
	assert_non_null(big);
	memcpy(big, der, len);
	big[len] = 0;
	big[len + 1] = 0;
	refuse(db, big, len + 2, FE_EINVAL, "CRL: 2 trailing bytes");
	expect(add_crl(db, der, len - 1, &err), FE_ECRYPTO, &err,
	    "CRL: does not parse");
	expect(add_crl(db, der, 0, &err), FE_EINVAL, &err, "CRL of 0 bytes");
	unchanged(db);
	/* and the genuine one goes in */
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	done(&f);
}

static void
test_crl_newer(void **state)
{
	struct fix f;
	struct statusdb *db = populated(&f);
	struct entry hold[] = { { 0x1001, T0 + 50, 6 }, { 0x1002, T0 - 100,
	    1 } };
	struct entry later[] = { { 0x1002, T0 - 100, 1 } };
	struct entry noreason[] = { { 0x1001, T0 + 70, -1 }, { 0x1002,
	    T0 - 100, 1 } };
	struct statusdb_answer a;
	struct fe_err err;
	uint8_t *der, *again;
	size_t len, len2;

	(void)state;
	der = mk_crl(sub, sub_key, 2, T0 + 60, T0 + 86400, hold, 2, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	/* the same CRL again is accepted and changes nothing */
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	expect(status(db, sub, OCSP_HASH_SHA1, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	assert_int_equal(a.reason, 6);
	assert_int_equal(a.revoked_at, T0 + 50);
	assert_int_equal(a.this_update, T0 + 60);

	/* CRL 3 no longer lists leaf1 (hold released): the newest rules */
	again = mk_crl(sub, sub_key, 3, T0 + 120, T0 + 2 * 86400, later, 1, 0,
	    &len2);
	expect(add_crl(db, again, len2, &err), 0, &err, NULL);
	expect(status(db, sub, OCSP_HASH_SHA256, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_GOOD);
	assert_int_equal(a.this_update, T0 + 120);
	assert_int_equal(a.next_update, T0 + 2 * 86400);
	/* CRL 2 again is now behind */
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err,
	    "CRL number 2 goes backwards from 3");
	OPENSSL_free(der);
	OPENSSL_free(again);

	/* an entry without reasonCode: reason -1 */
	der = mk_crl(sub, sub_key, 4, T0 + 180, T0 + 86400, noreason, 2, 0,
	    &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	expect(status(db, sub, OCSP_HASH_SHA1, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	assert_int_equal(a.reason, -1);
	assert_int_equal(a.revoked_at, T0 + 70);

	/* survives a reopen */
	statusdb_close(db);
	expect(statusdb_open(f.path, &f.db, &err), 0, &err, NULL);
	expect(status(f.db, sub, OCSP_HASH_SHA256, 0x1002, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	assert_int_equal(a.this_update, T0 + 180);
	done(&f);
}

struct seen {
	int n;
	char name[STATUSDB_NAME_MAX];
	int64_t age;
};

static int
on_stale(const char *issuer, int64_t age, void *arg)
{
	struct seen *s = arg;

	s->n++;
	snprintf(s->name, sizeof(s->name), "%s", issuer);
	s->age = age;
	return 0;
}

static int
stop(const char *issuer, int64_t age, void *arg)
{
	(void)issuer;
	(void)age;
	(void)arg;
	return 42;
}

static void
test_stale(void **state)
{
	struct fix f;
	struct statusdb *db = fresh(&f);
	struct entry none[1] = { { 0, 0, -1 } };
	struct seen s;
	struct fe_err err;
	int64_t age;
	uint8_t *der;
	size_t len;

	(void)state;
	expect(statusdb_add_issuer(db, sub, root, &err), 0, &err, NULL);
	/* no CRL at all is stale (age -1) */
	memset(&s, 0, sizeof(s));
	assert_int_equal(statusdb_stale(db, NOW, 86400, on_stale, &s, &err),
	    1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.age, -1);
	assert_string_equal(s.name, "CN=foureyes test sub-root");
	expect(statusdb_crl_age(db, "CN=foureyes test sub-root", NOW, &age,
	    &err), FE_ENOENT, &err, "no CRL accepted yet");
	expect(statusdb_crl_age(db, "CN=nobody", NOW, &age, &err), FE_ENOENT,
	    &err, "sub-root CN=nobody: not known");

	der = mk_crl(sub, sub_key, 1, T0, T0 + 86400, none, 0, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	expect(statusdb_crl_age(db, "CN=foureyes test sub-root", NOW, &age,
	    &err), 0, &err, NULL);
	assert_int_equal(age, 3600);
	memset(&s, 0, sizeof(s));
	assert_int_equal(statusdb_stale(db, NOW, 3600, on_stale, &s, &err),
	    0);
	assert_int_equal(s.n, 0);
	assert_int_equal(statusdb_stale(db, NOW, 3599, on_stale, &s, &err),
	    1);
	assert_int_equal(s.age, 3600);
	assert_int_equal(statusdb_stale(db, NOW, 3599, stop, NULL, &err), 42);
	assert_int_equal(statusdb_stale(db, NOW, 3599, NULL, NULL, &err), 1);
	done(&f);
}

#define URL1 "http://crl.example.org/server/1.crl"
#define URL2 "http://crl.example.org/server/2.crl"
#define PART1 "critical,fullname:URI:" URL1 ",onlyuser:TRUE"
#define PART2 "critical,fullname:URI:" URL2 ",onlyuser:TRUE"

/* A CRL of the sub-root with the issuingDistributionPoint conf. */
static uint8_t *
mk_part(const char *conf, long number, int64_t this_update,
    const struct entry *e, size_t n, size_t *len)
{
	idp_conf = conf;
	return mk_crl(sub, sub_key, number, this_update, this_update + 86400,
	    e, n, CRL_IDP_CONF, len);
}

struct urls {
	int n;
	char url[4][STATUSDB_URL_MAX];
};

static int
on_url(const char *issuer, const char *url, void *arg)
{
	struct urls *u = arg;

	assert_string_equal(issuer, "CN=foureyes test sub-root");
	if (u->n < 4)
		snprintf(u->url[u->n], sizeof(u->url[0]), "%s", url);
	u->n++;
	return 0;
}

static void
test_crl_partitions(void **state)
{
	struct fix f;
	struct statusdb *db = populated(&f);
	struct entry e1[] = { { 0x1001, T0 + 10, 1 } };
	struct entry e2[] = { { 0x1002, T0 - 100, 1 } };
	struct statusdb_answer a;
	struct seen s;
	struct urls u;
	struct fe_err err;
	uint8_t *der, *got;
	size_t len, glen;
	int64_t age;

	(void)state;
	/* part 1 revokes leaf1; its number 1 is also the complete CRL's:
	 * numbers go per partition */
	der = mk_part(PART1, 1, T0 + 20, e1, 1, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	expect(statusdb_crl_by_url(db, URL1, &got, &glen, &err), 0, &err,
	    NULL);
	assert_int_equal(glen, len);
	assert_memory_equal(got, der, len);
	free(got);
	OPENSSL_free(der);
	expect(status(db, sub, OCSP_HASH_SHA256, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	assert_int_equal(a.reason, 1);
	assert_int_equal(a.revoked_at, T0 + 10);
	/* the complete CRL's revocation stands beside it */
	expect(status(db, sub, OCSP_HASH_SHA1, 0x1002, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);

	/* part 2, twice: its sets and numbers leave part 1's alone */
	der = mk_part(PART2, 1, T0 + 30, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	der = mk_part(PART2, 2, T0 + 40, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	expect(status(db, sub, OCSP_HASH_SHA256, 0x1001, &a, &err), 0, &err,
	    NULL);
	assert_int_equal(a.status, OCSP_CERT_REVOKED);
	/* an answer is as fresh as the stalest partition */
	assert_int_equal(a.this_update, T0);
	assert_int_equal(a.next_update, T0 + 86400);

	/* monotonic per partition */
	der = mk_part(PART2, 1, T0 + 50, e1, 1, &len);
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err, "CRL 1 from "
	    "CN=foureyes test sub-root (partition " URL2 "): CRL number 1 "
	    "goes backwards from 2: refused");
	OPENSSL_free(der);
	der = mk_part(PART1, 1, T0 + 60, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err, "CRL number 1 "
	    "is stored with other contents");
	OPENSSL_free(der);
	der = mk_part(PART1, 2, T0 + 19, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err, "thisUpdate "
	    "goes backwards by 1 seconds from CRL 1");
	OPENSSL_free(der);

	/* scopes other than a partition by one URI are refused */
	der = mk_part("critical,fullname:URI:" URL1 ",onlysomereasons:"
	    "keyCompromise", 3, T0 + 70, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EINVAL, &err,
	    "issuingDistributionPoint limits the CRL's scope");
	OPENSSL_free(der);
	der = mk_part("critical,fullname:URI:" URL1 ",onlyCA:TRUE", 3,
	    T0 + 70, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EINVAL, &err,
	    "issuingDistributionPoint limits the CRL's scope");
	OPENSSL_free(der);
	der = mk_part("critical,onlyuser:TRUE", 3, T0 + 70, NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EINVAL, &err, "BR 7.2.2: "
	    "issuingDistributionPoint must name the partition by a "
	    "distributionPoint fullName of one URI");
	OPENSSL_free(der);
	der = mk_part("fullname:URI:" URL1 ",onlyuser:TRUE", 3, T0 + 70,
	    NULL, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EINVAL, &err,
	    "issuingDistributionPoint is not critical");
	OPENSSL_free(der);
	der = mk_crl(sub, sub_key, 3, T0 + 70, T0 + 86400, NULL, 0,
	    CRL_IDP_TWO, &len);
	expect(add_crl(db, der, len, &err), FE_EINVAL, &err, "fullName of "
	    "one URI");
	OPENSSL_free(der);
	/* another sub-root may not take over a partition's URI */
	expect(statusdb_add_issuer(db, sub2, root, &err), 0, &err, NULL);
	idp_conf = PART1;
	der = mk_crl(sub2, other_key, 5, T0 + 70, T0 + 86400, NULL, 0,
	    CRL_IDP_CONF, &len);
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err, "another "
	    "sub-root's CRL has this partition URI");
	OPENSSL_free(der);

	/* the URLs fe-status publishes, and the CRLs it serves by them */
	memset(&u, 0, sizeof(u));
	assert_int_equal(statusdb_crl_urls(db, on_url, &u, &err), 3);
	assert_int_equal(u.n, 3);
	assert_string_equal(u.url[0], "");
	assert_string_equal(u.url[1], URL1);
	assert_string_equal(u.url[2], URL2);
	expect(statusdb_crl_by_url(db, "http://crl.example.org/server/9.crl",
	    &got, &glen, &err), FE_ENOENT, &err, "no CRL partition");
	expect(statusdb_crl_by_url(db, "", &got, &glen, &err), FE_EINVAL,
	    &err, "partition URI of 0 bytes");

	/* staleness looks at every partition: the complete CRL (T0) is the
	 * stalest, then part 1 (T0 + 20) once the complete one is renewed */
	memset(&s, 0, sizeof(s));
	assert_int_equal(statusdb_stale(db, NOW, 3590, on_stale, &s, &err),
	    2);
	assert_int_equal(s.age, -1);    /* sub2: no CRL yet, listed last */
	memset(&s, 0, sizeof(s));
	der = mk_crl(sub, sub_key, 2, T0 + 100, T0 + 86400, e2, 1, 0, &len);
	expect(add_crl(db, der, len, &err), 0, &err, NULL);
	OPENSSL_free(der);
	expect(statusdb_crl_age(db, "CN=foureyes test sub-root", NOW, &age,
	    &err), 0, &err, NULL);
	assert_int_equal(age, NOW - (T0 + 20));
	done(&f);
}

/* A store made by schema 1 (one revoked set per issuer) keeps its CRL and
 * revocations through migration 2. */
static void
test_schema_v1(void **state)
{
	struct fix f;
	struct statusdb *db = populated(&f);
	struct fe_err err;
	struct entry none[1] = { { 0, 0, -1 } };
	uint8_t *der;
	size_t len;
	sqlite3 *raw;

	(void)state;
	statusdb_close(db);
	f.db = NULL;
	assert_int_equal(sqlite3_open(f.path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
	    "BEGIN;"
	    "CREATE TABLE crl1 (issuer INTEGER NOT NULL REFERENCES issuer(id),"
	    " number INTEGER NOT NULL, this_update INTEGER NOT NULL,"
	    " next_update INTEGER NOT NULL, der BLOB NOT NULL,"
	    " PRIMARY KEY (issuer, number));"
	    "INSERT INTO crl1 SELECT issuer, number, this_update, next_update,"
	    " der FROM crl;"
	    "DROP TABLE crl; ALTER TABLE crl1 RENAME TO crl;"
	    "CREATE TABLE revoked1 (issuer INTEGER NOT NULL REFERENCES"
	    " issuer(id), serial TEXT NOT NULL, revoked_at INTEGER NOT NULL,"
	    " reason INTEGER NOT NULL, PRIMARY KEY (issuer, serial));"
	    "INSERT INTO revoked1 SELECT issuer, serial, revoked_at, reason"
	    " FROM revoked;"
	    "DROP TABLE revoked; ALTER TABLE revoked1 RENAME TO revoked;"
	    "PRAGMA user_version = 1; COMMIT;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	memset(&err, 0, sizeof(err));
	if (statusdb_open(f.path, &f.db, &err) != 0)
		fail_msg("%s", err.msg);
	db = f.db;
	unchanged(db);
	der = mk_crl(sub, sub_key, 0, T0 + 60, T0 + 86400, none, 0, 0, &len);
	expect(add_crl(db, der, len, &err), FE_EPOLICY, &err, "CRL number 0 "
	    "goes backwards from 1");
	OPENSSL_free(der);
	done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_cert),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_crl_refused),
		cmocka_unit_test(test_crl_newer),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_crl_partitions),
		cmocka_unit_test(test_schema_v1),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
