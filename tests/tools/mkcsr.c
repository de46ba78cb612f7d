/*
 * mkcsr.c - writes normal and hostile certificate requests for the
 * end-to-end tests: `mkcsr KIND OUT.csr.pem [KEY_OUT.pem]`.
 *
 * A test tool, never installed.  Every request carries a hostile subject
 * (CN=evil.example.com, O=Injected Org) and asks for basicConstraints
 * CA:TRUE (critical) and subjectAltName DNS:evil.example.com, so that tests
 * can show that nothing in a request is copied into a certificate.  Some
 * kinds carry a key that cannot be used with the signature on them (the
 * CA's key checks come before the signature check); for those there is no
 * private key to write.  Randomness is OpenSSL's; nothing is reproducible.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/err.h"
#include "testkeys.h"

static const struct {
	const char *name;
	const char *what;
} kinds[] = {
	{ "rsa2048", "RSA 2048, e=65537" },
	{ "rsa3072", "RSA 3072, e=65537" },
	{ "rsa4096", "RSA 4096, e=65537" },
	{ "p256", "ECDSA P-256" },
	{ "p384", "ECDSA P-384" },
	{ "p521", "ECDSA P-521 (curve not allowed)" },
	{ "secp256k1", "ECDSA secp256k1 (curve not allowed)" },
	{ "ed25519", "Ed25519 (key type not allowed)" },
	{ "rsa1024", "RSA 1024 (too small)" },
	{ "rsa-e3", "RSA 2048, e=3" },
	{ "rsa-e1", "RSA 2048 public key with e=1, signed by another key" },
	{ "rsa-e65536", "RSA 2048 public key with e=65536, signed by another "
	  "key" },
	{ "roca", "RSA 2048 from two ROCA-form primes (CVE-2017-15361)" },
	{ "close-primes", "RSA 2048 with |p - q| about 2^20 (Fermat)" },
	{ "badsig", "RSA 2048 with one byte of the signature flipped" },
	{ "p256-badpoint", "P-256 key whose point is off the curve" },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* What a kind makes. */
struct made {
	EVP_PKEY *pub;		/* the key the request carries */
	EVP_PKEY *signer;	/* the key that signs the request */
	EVP_PKEY *priv;		/* the private key of pub, or NULL */
	int flip_signature;
	int bad_point;
};

static void
made_free(struct made *m)
{
	EVP_PKEY_free(m->pub);
	EVP_PKEY_free(m->signer);
	EVP_PKEY_free(m->priv);
	memset(m, 0, sizeof(*m));
}

/* m takes one reference for each role; pk is consumed. */
static int
made_same(struct made *m, EVP_PKEY *pk)
{
	if (pk == NULL)
		return -1;
	if (EVP_PKEY_up_ref(pk) != 1 || EVP_PKEY_up_ref(pk) != 1) {
		EVP_PKEY_free(pk);
		return -1;
	}
	m->pub = m->signer = m->priv = pk;
	return 0;
}

static EVP_PKEY *
gen_rsa(unsigned bits, BN_ULONG e)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	BIGNUM *bn = BN_new();

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || bn == NULL || BN_set_word(bn, e) != 1 ||
	    EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn) != 1 ||
	    EVP_PKEY_generate(ctx, &pk) != 1)
		pk = NULL;
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* A public key with the modulus of a fresh RSA-2048 key and exponent e;
 * the fresh key (e = 65537) signs. */
static int
make_odd_exponent(struct made *m, BN_ULONG e)
{
	BIGNUM *n = NULL, *bne = BN_new();
	int rc = -1;

	if (bne == NULL || BN_set_word(bne, e) != 1 ||
	    (m->signer = gen_rsa(2048, 65537)) == NULL ||
	    EVP_PKEY_get_bn_param(m->signer, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    (m->pub = testkeys_rsa_public(n, bne)) == NULL)
		goto out;
	rc = 0;
out:
	BN_free(n);
	BN_free(bne);
	return rc;
}

/* Full key from p and q made by one of the testkeys constructions. */
static int
make_weak(struct made *m, int roca)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = BN_new(), *q = BN_new(), *e = BN_new();
	int rc = -1;

	if (ctx == NULL || p == NULL || q == NULL || e == NULL ||
	    BN_set_word(e, 65537) != 1)
		goto out;
	if (roca) {
		if (testkeys_roca_prime(p, e, ctx) != 0 ||
		    testkeys_roca_prime(q, e, ctx) != 0)
			goto out;
	} else if (testkeys_close_primes(p, q, e, 20, ctx) != 0) {
		goto out;
	}
	rc = made_same(m, testkeys_rsa_private(p, q, e));
out:
	BN_clear_free(p);
	BN_clear_free(q);
	BN_free(e);
	BN_CTX_free(ctx);
	return rc;
}

static int
make_key(const char *kind, struct made *m)
{
	if (strcmp(kind, "rsa2048") == 0 || strcmp(kind, "badsig") == 0) {
		m->flip_signature = strcmp(kind, "badsig") == 0;
		return made_same(m, gen_rsa(2048, 65537));
	}
	if (strcmp(kind, "rsa3072") == 0)
		return made_same(m, gen_rsa(3072, 65537));
	if (strcmp(kind, "rsa4096") == 0)
		return made_same(m, gen_rsa(4096, 65537));
	if (strcmp(kind, "rsa1024") == 0)
		return made_same(m, gen_rsa(1024, 65537));
	if (strcmp(kind, "rsa-e3") == 0)
		return made_same(m, gen_rsa(2048, 3));
	if (strcmp(kind, "p256") == 0)
		return made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-256"));
	if (strcmp(kind, "p384") == 0)
		return made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-384"));
	if (strcmp(kind, "p521") == 0)
		return made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-521"));
	if (strcmp(kind, "secp256k1") == 0)
		return made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "secp256k1"));
	if (strcmp(kind, "ed25519") == 0)
		return made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	if (strcmp(kind, "rsa-e1") == 0)
		return make_odd_exponent(m, 1);
	if (strcmp(kind, "rsa-e65536") == 0)
		return make_odd_exponent(m, 65536);
	if (strcmp(kind, "roca") == 0)
		return make_weak(m, 1);
	if (strcmp(kind, "close-primes") == 0)
		return make_weak(m, 0);
	if (strcmp(kind, "p256-badpoint") == 0) {
		if (made_same(m, EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    "P-256")) != 0)
			return -1;
		/* the private key does not go with the point in the request */
		EVP_PKEY_free(m->priv);
		m->priv = NULL;
		m->bad_point = 1;
		return 0;
	}
	return -1;
}

/* Replace the request's EC point by the same bytes with the last bit of y
 * flipped: off the curve (unless y ^ 1 == p - y, which it is not). */
static int
corrupt_point(X509_REQ *req)
{
	X509_PUBKEY *xpk = X509_REQ_get_X509_PUBKEY(req);
	const unsigned char *pt;
	unsigned char *copy;
	int len;

	if (xpk == NULL ||
	    X509_PUBKEY_get0_param(NULL, &pt, &len, NULL, xpk) != 1 ||
	    len < 2 || (copy = OPENSSL_memdup(pt, (size_t)len)) == NULL)
		return -1;
	copy[len - 1] ^= 0x01;
	if (X509_PUBKEY_set0_param(xpk, OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
	    V_ASN1_OBJECT, OBJ_nid2obj(NID_X9_62_prime256v1), copy,
	    len) != 1) {
		OPENSSL_free(copy);
		return -1;
	}
	return 0;
}

static int
add_ext(STACK_OF(X509_EXTENSION) *exts, int nid, const char *value)
{
	X509_EXTENSION *ext;

	if ((ext = X509V3_EXT_nconf_nid(NULL, NULL, nid, value)) == NULL)
		return -1;
	if (sk_X509_EXTENSION_push(exts, ext) <= 0) {
		X509_EXTENSION_free(ext);
		return -1;
	}
	return 0;
}

/* The DER of the request for m, with the hostile subject and extensions. */
static int
build_request(const struct made *m, unsigned char **der, int *derlen,
    struct fe_err *err)
{
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	const EVP_MD *md;
	int rc = -1;

	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    (name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"evil.example.com", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Injected Org", -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 ||
	    X509_REQ_set_pubkey(req, m->pub) != 1) {
		fe_err_ssl(err, "request: subject or key");
		goto out;
	}
	if (m->bad_point && corrupt_point(req) != 0) {
		fe_err_ssl(err, "request: cannot replace the EC point");
		goto out;
	}
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    add_ext(exts, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
	    add_ext(exts, NID_subject_alt_name, "DNS:evil.example.com") != 0 ||
	    X509_REQ_add_extensions(req, exts) != 1) {
		fe_err_ssl(err, "request: extensions");
		goto out;
	}
	/* Ed25519 signs the message itself: no digest. */
	if (EVP_PKEY_is_a(m->signer, "ED25519"))
		md = NULL;
	else if (EVP_PKEY_is_a(m->signer, "EC") &&
	    EVP_PKEY_get_bits(m->signer) > 256)
		md = EVP_sha384();
	else
		md = EVP_sha256();
	/* X509_REQ_sign returns the signature's length, 0 on failure. */
	if (X509_REQ_sign(req, m->signer, md) <= 0) {
		fe_err_ssl(err, "request: cannot sign");
		goto out;
	}
	if ((*derlen = i2d_X509_REQ(req, der)) <= 0) {
		fe_err_ssl(err, "request: cannot encode");
		goto out;
	}
	/* The signature BIT STRING is the last thing in the encoding. */
	if (m->flip_signature)
		(*der)[*derlen - 1] ^= 0xff;
	rc = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return rc;
}

static int
write_request(const char *path, const unsigned char *der, int len,
    struct fe_err *err)
{
	BIO *b;
	int rc = 0;

	if ((b = BIO_new_file(path, "w")) == NULL)
		return fe_err_ssl(err, "%s: cannot create", path);
	if (PEM_write_bio(b, PEM_STRING_X509_REQ, "", der, len) <= 0 ||
	    BIO_flush(b) != 1)
		rc = fe_err_ssl(err, "%s: cannot write", path);
	BIO_free(b);
	return rc;
}

/* The private key as unencrypted PKCS#8 PEM, readable by the owner only. */
static int
write_key(const char *path, EVP_PKEY *pk, struct fe_err *err)
{
	BIO *b;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fe_err_sys(err, "%s: cannot create", path);
	if ((b = BIO_new_fd(fd, BIO_CLOSE)) == NULL) {
		close(fd);
		return fe_err_ssl(err, "%s: BIO_new_fd", path);
	}
	if (PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    BIO_flush(b) != 1)
		rc = fe_err_ssl(err, "%s: cannot write", path);
	BIO_free(b);
	return rc;
}

static void
usage(void)
{
	size_t i;

	fputs("usage: mkcsr KIND OUT.csr.pem [KEY_OUT.pem]\nkinds:\n", stderr);
	for (i = 0; i < NKINDS; i++)
		fprintf(stderr, "  %-14s %s\n", kinds[i].name, kinds[i].what);
}

int
main(int argc, char **argv)
{
	struct made m;
	struct fe_err err;
	unsigned char *der = NULL;
	int derlen = 0, rc = 1;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (argc < 3 || argc > 4) {
		usage();
		return 2;
	}
	for (i = 0; i < NKINDS && strcmp(argv[1], kinds[i].name) != 0; i++)
		;
	if (i == NKINDS) {
		fprintf(stderr, "mkcsr: unknown kind '%s'\n", argv[1]);
		usage();
		return 2;
	}
	if (make_key(argv[1], &m) != 0) {
		fe_err_ssl(&err, "%s: cannot make the key", argv[1]);
		goto out;
	}
	if (argc == 4 && m.priv == NULL) {
		fe_err_set(&err, "%s: the request's key has no private key to "
		    "write", argv[1]);
		rc = 2;
		goto out;
	}
	/* The key first: a request on disk always has its key beside it. */
	if (build_request(&m, &der, &derlen, &err) != 0 ||
	    (argc == 4 && write_key(argv[3], m.priv, &err) != 0) ||
	    write_request(argv[2], der, derlen, &err) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "mkcsr: %s\n", err.msg);
	OPENSSL_free(der);
	made_free(&m);
	return rc;
}
