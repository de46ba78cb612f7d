/*
 * fuzz_statusdb.c - the status store's parsers of untrusted DER: a
 * certificate or a CRL handed to fe-status by the online host.  The first
 * byte picks which (even: certificate, odd: CRL); the rest is the DER.
 * A sub-root is stored once at start (keys made then), so inputs that
 * name it reach the signature check; everything else is refused by the
 * parser.  Invariants: no crash, no leak, and a refused input leaves the
 * store unchanged (the status of a fixed serial stays "unknown").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "pki/ocsp.h"
#include "store/statusdb.h"

static struct statusdb *db;
static X509 *sub;

static void
ext(X509 *x, X509 *iss, int nid, const char *v)
{
	X509V3_CTX c;
	X509_EXTENSION *e;

	X509V3_set_ctx(&c, iss, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
	if (e == NULL || X509_add_ext(x, e, -1) != 1)
		abort();
	X509_EXTENSION_free(e);
}

static X509 *
ca(const char *cn, EVP_PKEY *k, X509 *iss, EVP_PKEY *ik, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	if (x == NULL || n == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, n) != 1 ||
	    X509_set_issuer_name(x, iss ? X509_get_subject_name(iss) : n) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), 1700000000) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), 2100000000) == NULL ||
	    X509_set_pubkey(x, k) != 1)
		abort();
	ext(x, iss ? iss : x, NID_subject_key_identifier, "hash");
	ext(x, iss ? iss : x, NID_authority_key_identifier, "keyid");
	ext(x, iss ? iss : x, NID_basic_constraints, "critical,CA:TRUE");
	ext(x, iss ? iss : x, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (X509_sign(x, ik, EVP_sha256()) <= 0)
		abort();
	X509_NAME_free(n);
	return x;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY *rk = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256");
	X509 *root;
	struct fe_err err;

	(void)argc;
	(void)argv;
	if (rk == NULL || sk == NULL)
		abort();
	root = ca("fuzz root", rk, NULL, rk, 1);
	sub = ca("fuzz sub-root", sk, root, rk, 2);
	if (statusdb_open(":memory:", &db, &err) != 0 ||
	    statusdb_add_issuer(db, sub, root, &err) != 0)
		abort();
	X509_free(root);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(sk);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe_err err;
	struct statusdb_answer a;
	struct ocsp_certid id;
	static const uint8_t serial[] = { 0x7f, 0x01 };
	int rc;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		rc = statusdb_add_crl(db, data + 1, size - 1, 1800000000, &err);
	else
		rc = statusdb_add_cert(db, data + 1, size - 1, &err);
	if (rc != 0 && err.msg[0] == '\0')
		abort();                /* a refusal always says why */
	/* a serial nobody issued is never good, whatever was fed */
	if (ocsp_certid_from_issuer(sub, OCSP_HASH_SHA256, serial,
	    sizeof(serial), &id, &err) != 0)
		abort();
	memset(&a, 0, sizeof(a));
	rc = statusdb_status(db, &id, &a, &err);
	if (rc == 0 && a.status == OCSP_CERT_GOOD)
		abort();
	return 0;
}
