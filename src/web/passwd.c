/*
 * passwd.c - argon2id password hashes and random tokens (passwd.h).
 *
 * What it trusts: libargon2 for the hash and its constant-time comparison,
 * fe_random (OpenSSL's CSPRNG) for salts and tokens.  What it does not
 * trust: the password (any bytes; checked for length and UTF-8 before it is
 * hashed) and the encoded string handed to passwd_verify, which comes from
 * the database: its costs are capped before libargon2 sees it, so a
 * corrupted or planted row cannot make one login allocate gigabytes.
 * Copies of secrets made here are wiped with OPENSSL_cleanse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/seam.h"
#include "web/input.h"
#include "web/passwd.h"

/* OWASP Password Storage Cheat Sheet, argon2id, second option. */
#define PW_T 2
#define PW_M 19456
#define PW_P 1
#define PW_SALT 16
#define PW_HASHLEN 32

/* Defensive caps on an encoded string's costs (see the top). */
#define PW_M_CAP 262144
#define PW_T_CAP 16
#define PW_P_CAP 8

int
passwd_check(const char *pw, struct fe_err *err)
{
	size_t len, off, n;
	uint32_t cp;

	if (pw == NULL)
		return fe_err_set(err, "missing");
	len = strnlen(pw, PASSWD_MAX + 1);
	if (len < PASSWD_MIN)
		return fe_err_set(err, "at least %d bytes are required",
		    PASSWD_MIN);
	if (len > PASSWD_MAX)
		return fe_err_set(err, "at most %d bytes are allowed",
		    PASSWD_MAX);
	for (off = 0; off < len; off += n)
		if ((n = input_utf8_seq((const uint8_t *)pw + off, len - off,
		    &cp)) == 0)
			return fe_err_set(err, "not valid UTF-8 (byte %zu)",
			    off);
	return 0;
}

int
passwd_hash(const char *pw, char out[PASSWD_ENCODED_MAX], struct fe_err *err)
{
	char enc[PASSWD_ENCODED_MAX];
	uint8_t salt[PW_SALT];
	int rc;

	if ((rc = passwd_check(pw, err)) != 0) {
		fe_err_prefix(err, "password");
		return rc;
	}
	/* Defensive: the encoded form of these parameters is ~97 bytes. */
	if (argon2_encodedlen(PW_T, PW_M, PW_P, PW_SALT, PW_HASHLEN,
	    Argon2_id) > sizeof(enc))
		fe_fatal("passwd_hash: encoded argon2id over %d bytes",
		    PASSWD_ENCODED_MAX);
	fe_random(salt, sizeof(salt));
	rc = argon2id_hash_encoded(PW_T, PW_M, PW_P, pw, strlen(pw), salt,
	    sizeof(salt), PW_HASHLEN, enc, sizeof(enc));
	OPENSSL_cleanse(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		OPENSSL_cleanse(enc, sizeof(enc));
		return fe_err_code(err, FE_ECRYPTO, "password: argon2id: %s",
		    argon2_error_message(rc));
	}
	memcpy(out, enc, sizeof(enc));
	OPENSSL_cleanse(enc, sizeof(enc));
	return 0;
}

/* "NAME=DIGITS" at *p followed by term; the value capped. */
static int
cost(const char **p, const char *name, char term, unsigned long cap)
{
	size_t nl = strlen(name);
	unsigned long v = 0;
	const char *s = *p;

	if (strncmp(s, name, nl) != 0 || s[nl] != '=')
		return -1;
	s += nl + 1;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > cap)
			return -1;
	}
	if (*s != term)
		return -1;
	*p = s + 1;
	return 0;
}

int
passwd_verify(const char *encoded, const char *pw)
{
	static const char prefix[] = "$argon2id$v=19$";
	const char *p;
	size_t pwlen;
	int rc;

	if (encoded == NULL || pw == NULL ||
	    strnlen(encoded, PASSWD_ENCODED_MAX) >= PASSWD_ENCODED_MAX ||
	    strncmp(encoded, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	p = encoded + sizeof(prefix) - 1;
	if (cost(&p, "m", ',', PW_M_CAP) != 0 ||
	    cost(&p, "t", ',', PW_T_CAP) != 0 ||
	    cost(&p, "p", '$', PW_P_CAP) != 0)
		return -1;
	pwlen = strnlen(pw, PASSWD_MAX + 1);
	if (pwlen > PASSWD_MAX)
		return 1;
	rc = argon2id_verify(encoded, pw, pwlen);
	if (rc == ARGON2_OK)
		return 0;
	if (rc == ARGON2_VERIFY_MISMATCH)
		return 1;
	return -1;
}

void
token_new(char out[TOKEN_LEN + 1])
{
	uint8_t raw[32];
	unsigned char b64[4 * ((sizeof(raw) + 2) / 3) + 1];
	size_t i;

	fe_random(raw, sizeof(raw));
	/* Standard base64 (44 characters, the last '='), then the URL and
	 * filename safe alphabet of RFC 4648 section 5, without padding. */
	if (EVP_EncodeBlock(b64, raw, sizeof(raw)) != TOKEN_LEN + 1)
		fe_fatal("token_new: EVP_EncodeBlock");
	OPENSSL_cleanse(raw, sizeof(raw));
	for (i = 0; i < TOKEN_LEN; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	out[TOKEN_LEN] = '\0';
	OPENSSL_cleanse(b64, sizeof(b64));
}

void
token_hash(const char *tok, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(tok, strlen(tok), out, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		fe_fatal("token_hash: SHA-256 failed");
}

bool
token_syntax_ok(const char *tok)
{
	size_t i;
	char c;

	if (tok == NULL || strnlen(tok, TOKEN_LEN + 1) != TOKEN_LEN)
		return false;
	for (i = 0; i < TOKEN_LEN; i++) {
		c = tok[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return true;
}
