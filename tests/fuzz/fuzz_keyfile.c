/*
 * fuzz_keyfile.c - libFuzzer target for the sealed key file parser,
 * keyfile_decode() (src/pki/custody.c; keyfile_open reads the file and calls
 * it), with the fixed test KEK and ceremony id of fixed.h.
 *
 * Two uses of each input.  First as a key file, opened with the label
 * "root" and with the label the file itself names, so that mutations get
 * past the label check.  Mutated files almost never pass the AES-GCM tag, so
 * second the input is taken as the plaintext PKCS#8 DER, sealed here under
 * the test KEK the way keyfile_seal() does (a fixed nonce), and opened: that
 * drives the code after decryption with arbitrary bytes.
 *
 * Invariants (abort() when broken): a file that opens starts with the
 * FEKEY magic, is at most KEYFILE_MAX bytes, names the test ceremony, and
 * gives a private key that encodes as PKCS#8.  A plaintext sealed here opens
 * exactly when it is one PKCS#8 DER structure with nothing after it that
 * libcrypto loads as a key and writes again as PKCS#8.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "pki/custody.h"
#include "fixed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NONCE_LEN 12
#define TAG_LEN 16
#define HEAD_LEN (8 + CEREMONY_ID_LEN + 1 + sizeof(FUZZ_LABEL) - 1 + \
    NONCE_LEN + 4)

static const uint8_t magic[8] = { 'F', 'E', 'K', 'E', 'Y', 0, 0, 1 };

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
check_key(EVP_PKEY *pk)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);

	check(p8 != NULL);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
}

static void
as_file(const uint8_t *data, size_t size)
{
	struct fe_err err;
	EVP_PKEY *pk;
	char label[256];
	size_t n;

	pk = keyfile_decode(fuzz_kek, fuzz_ceremony, FUZZ_LABEL, "fuzz.fek",
	    data, size, &err);
	if (pk != NULL) {
		check(size <= KEYFILE_MAX && size > sizeof(magic) +
		    CEREMONY_ID_LEN && memcmp(data, magic, 8) == 0 &&
		    memcmp(data + 8, fuzz_ceremony, CEREMONY_ID_LEN) == 0);
		check_key(pk);
	}
	/* The label the file names, if it is not "root". */
	if (size < 25)
		return;
	n = data[24];
	if (size < 25 + n || (n == 4 && memcmp(data + 25, "root", 4) == 0))
		return;
	memcpy(label, data + 25, n);
	label[n] = '\0';
	pk = keyfile_decode(fuzz_kek, fuzz_ceremony, label, "fuzz.fek", data,
	    size, &err);
	if (pk != NULL)
		check_key(pk);
}

/* What libcrypto makes of the plaintext on its own. */
static int
loads(const uint8_t *p, size_t len)
{
	PKCS8_PRIV_KEY_INFO *p8;
	const unsigned char *q = p;
	EVP_PKEY *pk = NULL;
	int ok;

	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)len);
	if (p8 != NULL && q == p + len)
		pk = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	/* ...and can write again as PKCS#8 (keyfile_decode refuses what it
	 * cannot) */
	p8 = pk != NULL ? EVP_PKEY2PKCS8(pk) : NULL;
	ok = p8 != NULL;
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return ok;
}

static void
as_plaintext(const uint8_t *data, size_t size)
{
	static const uint8_t nonce[NONCE_LEN];
	EVP_CIPHER_CTX *cx;
	struct fe_err err;
	struct buf f;
	EVP_PKEY *pk;
	uint8_t *ct, tag[TAG_LEN];
	int outl = 0, want;

	if (size == 0 || size > KEYFILE_MAX - HEAD_LEN - TAG_LEN)
		return;
	buf_init(&f, KEYFILE_MAX);
	check(buf_add(&f, magic, sizeof(magic)) == 0 &&
	    buf_add(&f, fuzz_ceremony, CEREMONY_ID_LEN) == 0 &&
	    buf_add_u8(&f, sizeof(FUZZ_LABEL) - 1) == 0 &&
	    buf_add_str(&f, FUZZ_LABEL) == 0 &&
	    buf_add(&f, nonce, sizeof(nonce)) == 0 &&
	    buf_add_u32be(&f, (uint32_t)size) == 0);
	check(f.len == HEAD_LEN);
	ct = malloc(size);
	cx = EVP_CIPHER_CTX_new();
	check(ct != NULL && cx != NULL);
	check(EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), fuzz_kek, nonce,
	    NULL) == 1 &&
	    EVP_EncryptUpdate(cx, NULL, &outl, f.p, (int)f.len) == 1 &&
	    EVP_EncryptUpdate(cx, ct, &outl, data, (int)size) == 1 &&
	    (size_t)outl == size &&
	    EVP_EncryptFinal_ex(cx, ct + outl, &outl) == 1 &&
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(cx);
	check(buf_add(&f, ct, size) == 0 && buf_add(&f, tag, TAG_LEN) == 0);
	free(ct);

	want = loads(data, size);
	pk = keyfile_decode(fuzz_kek, fuzz_ceremony, FUZZ_LABEL, "sealed",
	    f.p, f.len, &err);
	check((pk != NULL) == (want != 0));
	if (pk != NULL)
		check_key(pk);
	buf_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_file(data, size);
	as_plaintext(data, size);
	ERR_clear_error();
	return 0;
}
