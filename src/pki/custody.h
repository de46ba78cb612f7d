/*
 * custody.h - dual control of the CA keys (POLICY.md K1, K2).
 *
 * At the ceremony a random 32-byte key-encryption key (KEK) encrypts every CA
 * private key at rest, and the KEK is split with Shamir's scheme (libgfshare)
 * into N shares of which any M rebuild it.  Each share is given to one
 * custodian as a printable text with a check on every line, so that a typo
 * made when typing it back is caught and the line named.
 *
 * The custody record (not secret) is stored with the CA: the ceremony id, M
 * and N, a SHA-256 commitment to every share and a check value of the KEK.
 * With it, unlocking names exactly what is wrong: too few shares, a share of
 * another ceremony, a share that is not the one handed out, a share given
 * twice, or shares that do not rebuild the key.
 */
#ifndef FE_CUSTODY_H
#define FE_CUSTODY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "lib/buf.h"
#include "lib/err.h"

#define KEK_LEN 32
#define CEREMONY_ID_LEN 16
#define CUSTODIAN_MAX 64       /* bytes of a custodian's name, with NUL */
#define SHARES_MAX 16          /* N at most */
#define SHARE_TEXT_MAX 4096    /* bytes of a share's text */
#define SHARE_LINES_MAX 32     /* lines of a share's text, blank ones too */
#define CUSTODY_TEXT_MAX 4096  /* bytes of a custody record */
#define KEY_LABEL_MAX 64       /* bytes of a key's label, without NUL */
#define KEYFILE_MAX 65536      /* bytes of a sealed key file */

struct share {
	uint8_t ceremony[CEREMONY_ID_LEN];
	uint8_t nr;                    /* share number, 1..255 (gfshare) */
	uint8_t m;                     /* threshold */
	uint8_t n;                     /* number of shares made */
	char custodian[CUSTODIAN_MAX];
	uint8_t data[KEK_LEN];
};

struct custody {
	uint8_t ceremony[CEREMONY_ID_LEN];
	unsigned m;
	unsigned n;
	struct {
		uint8_t nr;
		char custodian[CUSTODIAN_MAX];
		uint8_t commit[32];    /* SHA-256 commitment to the share */
	} share[SHARES_MAX];
	uint8_t kek_check[32];         /* HMAC-SHA-256(KEK, domain||ceremony) */
};

/* Split kek into n shares (2 <= m <= n <= SHARES_MAX), share i going to
 * custodians[i]; fills out[0..n-1] and the custody record. */
int custody_split(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], unsigned m, unsigned n,
    const char *const *custodians, struct share *out, struct custody *rec,
    struct fe_err *err);

/* The printable text of a share (see docs/key-custody.md). */
int share_format(const struct share *s, struct buf *out);
/* Parse a share text; name is used in messages (a file name or "typed").
 * A line whose check does not match is named: "share.txt: line 3: check
 * ... does not match: a typing error in this line". */
int share_parse(const char *name, const uint8_t *text, size_t len,
    struct share *out, struct fe_err *err);
int share_read_file(const char *path, struct share *out, struct fe_err *err);
/* Read a share typed at a terminal: each line is checked as it is entered
 * and a bad line is asked again. */
int share_read_tty(FILE *in, FILE *out, struct share *s, struct fe_err *err);
/* Wipe a share. */
void share_wipe(struct share *s);

int custody_write(const char *path, const struct custody *c,
    struct fe_err *err);
int custody_read(const char *path, struct custody *c, struct fe_err *err);
/* The parser custody_read uses; name is used in messages. */
int custody_parse(const char *name, const uint8_t *text, size_t len,
    struct custody *c, struct fe_err *err);

/* Rebuild the KEK from k shares.  Refuses, naming the share and the problem:
 * fewer than m shares, a share of another ceremony, a share number or
 * content not made at this ceremony, the same share twice, or a result that
 * does not match the KEK check.  The KEK is wiped on every error path. */
int custody_combine(const struct custody *c, const struct share *shares,
    size_t k, uint8_t kek[KEK_LEN], struct fe_err *err);

/* Private keys at rest: AES-256-GCM under the KEK, with the ceremony id and
 * the key's label bound as associated data (docs/key-custody.md). */
int keyfile_seal(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    EVP_PKEY *pk, const char *path, struct fe_err *err);
EVP_PKEY *keyfile_open(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    const char *path, struct fe_err *err);
/* The parser keyfile_open uses, on the bytes of a key file; name is used in
 * messages.  A label is 1 to KEY_LABEL_MAX bytes of A-Z a-z 0-9 . _ - */
EVP_PKEY *keyfile_decode(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    const char *name, const uint8_t *p, size_t len, struct fe_err *err);

#endif
