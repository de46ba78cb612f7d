/*
 * passwd.h - fe-web's password hashes (argon2id) and random tokens.
 *
 * Passwords are kept only as argon2id encoded strings (RFC 9106; the OWASP
 * parameters t=2, m=19456 KiB, p=1, a 16-byte salt from fe_random).  Tokens
 * (session cookies, CSRF tokens, mailed links) are 32 random bytes in
 * base64url without padding and are stored only as their SHA-256.
 */
#ifndef FE_WEB_PASSWD_H
#define FE_WEB_PASSWD_H

#include <stdbool.h>

#include "lib/err.h"

#define PASSWD_MIN 10            /* bytes */
#define PASSWD_MAX 256           /* bytes */
#define PASSWD_ENCODED_MAX 128

/* The rule for a new password: PASSWD_MIN..PASSWD_MAX bytes of valid UTF-8
 * (no NUL).  The message is the rule broken, without a subject ("at least
 * 10 bytes are required"), never the password. */
int passwd_check(const char *pw, struct fe_err *err);

/* argon2id of pw (after passwd_check, its message prefixed "password: ");
 * out is the encoded string
 * ("$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH"), set only on success. */
int passwd_hash(const char *pw, char out[PASSWD_ENCODED_MAX],
    struct fe_err *err);

/*
 * 0 match, 1 no match, < 0 error (a malformed encoded string, or one whose
 * costs are over the defensive caps: m 262144 KiB, t 16, p 8).  Constant
 * time through argon2id_verify.  A password over PASSWD_MAX bytes never
 * matches (and is not hashed).
 */
int passwd_verify(const char *encoded, const char *pw);

#define TOKEN_LEN 43   /* 32 random bytes, base64url without padding */
void token_new(char out[TOKEN_LEN + 1]);
/* SHA-256 of the token text, for storing (tokens are never stored in
 * clear). */
void token_hash(const char *tok, unsigned char out[32]);
/* Exactly TOKEN_LEN base64url characters (A-Z a-z 0-9 - _). */
bool token_syntax_ok(const char *tok);

#endif
