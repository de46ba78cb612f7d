/*
 * gen-seeds.c - seeds that need the library to make: key files sealed with
 * keyfile_seal() under the fixed test KEK of fixed.h, the PKCS#8 plaintexts
 * fuzz_keyfile seals itself, and a custody record with its shares split from
 * that KEK by custody_split().  Run by tests/fuzz/make-corpus.sh; not part
 * of the build or of any test.
 *
 *   gen-seeds KEYFILE_DIR SHARE_DIR
 *
 * Randomness (nonces, the share polynomial) comes from a counter through the
 * seam so that only the generated keys differ from run to run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "pki/custody.h"
#include "fixed.h"

static int
counter_random(void *p, size_t n)
{
	static uint8_t ctr;
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(0x5a ^ ctr++ * 37);
	return 0;
}

static void
die(const char *what, const struct fe_err *err)
{
	fprintf(stderr, "gen-seeds: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static void
put(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0)
		die(path, NULL);
}

static EVP_PKEY *
newkey(const char *kind)
{
	EVP_PKEY *pk;

	if (strcmp(kind, "rsa2048") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else if (strcmp(kind, "ed25519") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    strcmp(kind, "p256") == 0 ? "P-256" : "P-384");
	if (pk == NULL)
		die(kind, NULL);
	return pk;
}

static void
keyfiles(const char *dir)
{
	static const char *const kinds[] = { "p256", "p384", "rsa2048",
		"ed25519" };
	struct fe_err err;
	char path[4096], name[64];
	unsigned char *der = NULL;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *pk;
	size_t i;
	int n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		pk = newkey(kinds[i]);
		/* Sealed as "root" (the label fuzz_keyfile asks for) and,
		 * for P-256, as "server" too. */
		snprintf(path, sizeof(path), "%s/sealed-%s-root.fek", dir,
		    kinds[i]);
		if (keyfile_seal(fuzz_kek, fuzz_ceremony, FUZZ_LABEL, pk, path,
		    &err) != 0)
			die(path, &err);
		if (i == 0) {
			snprintf(path, sizeof(path), "%s/sealed-%s-server.fek",
			    dir, kinds[i]);
			if (keyfile_seal(fuzz_kek, fuzz_ceremony, "server", pk,
			    path, &err) != 0)
				die(path, &err);
		}
		/* The plaintext, for the sealing half of fuzz_keyfile. */
		if ((p8 = EVP_PKEY2PKCS8(pk)) == NULL ||
		    (n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0)
			die("PKCS#8", NULL);
		snprintf(name, sizeof(name), "plain-%s.p8", kinds[i]);
		put(dir, name, der, (size_t)n);
		OPENSSL_free(der);
		der = NULL;
		PKCS8_PRIV_KEY_INFO_free(p8);
		EVP_PKEY_free(pk);
	}
}

static void
shares(const char *dir)
{
	static const char *const who[] = { "Alice Custodian", "Bob Custodian",
		"Carol Custodian", "Dave Custodian", "Émile Custodian" };
	struct share sh[5];
	struct custody rec;
	struct fe_err err;
	struct buf b, text[5];
	char path[4096], name[64];
	uint8_t *p;
	size_t len, i;

	if (custody_split(fuzz_kek, fuzz_ceremony, 3, 5, who, sh, &rec,
	    &err) != 0)
		die("custody_split", &err);
	snprintf(path, sizeof(path), "%s/fixed-custody", dir);
	if (custody_write(path, &rec, &err) != 0)
		die(path, &err);
	if (fe_read_file(path, CUSTODY_TEXT_MAX, &p, &len, &err) != 0)
		die(path, &err);
	for (i = 0; i < 5; i++) {
		buf_init(&text[i], SHARE_TEXT_MAX);
		if (share_format(&sh[i], &text[i]) != 0)
			die("share_format", NULL);
		snprintf(name, sizeof(name), "fixed-share-%zu.txt", i + 1);
		put(dir, name, text[i].p, text[i].len);
	}
	/* Bundles for custody_combine: the record, then shares. */
	buf_init(&b, 65536);
	if (buf_add(&b, p, len) != 0)
		die("bundle", NULL);
	for (i = 0; i < 3; i++)
		if (buf_add_str(&b, "=====\n") != 0 ||
		    buf_add(&b, text[i * 2 % 5].p, text[i * 2 % 5].len) != 0)
			die("bundle", NULL);
	put(dir, "fixed-bundle-1-3-5", b.p, b.len);
	if (buf_add_str(&b, "=====\n") != 0 ||
	    buf_add(&b, text[1].p, text[1].len) != 0)
		die("bundle", NULL);
	put(dir, "fixed-bundle-1-3-5-2", b.p, b.len);
	buf_free(&b);
	for (i = 0; i < 5; i++)
		buf_free(&text[i]);
	free(p);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen-seeds KEYFILE_DIR SHARE_DIR\n");
		return 2;
	}
	fe_seam_set_random(counter_random);
	keyfiles(argv[1]);
	shares(argv[2]);
	return 0;
}
