/*
 * custody.c - dual control of the CA keys (POLICY.md K2): the key-encryption
 * key (KEK) split M-of-N, the custodians' printable shares, the custody
 * record, and CA private keys sealed under the KEK.  The formats are in
 * docs/key-custody.md.
 *
 * Trusts libgfshare for the arithmetic of Shamir's scheme, libcrypto for
 * SHA-256, HMAC-SHA-256 and AES-256-GCM, and fe_random() for every random
 * byte: libgfshare's random() default is never used.  Trusts nothing it
 * reads: share texts, custody records and key files are parsed with caps,
 * and every rejection names the file, the line or the share, and the reason.
 * The custody record is not secret and carries no authentication of its
 * own: a forged record can at most make forged shares rebuild a forged KEK,
 * which then fails the AES-GCM tag of every key file.  Secrets (the KEK,
 * share data, a key's PKCS#8 DER) are kept in fixed buffers and wiped with
 * OPENSSL_cleanse on every path; the copies that stdio or a caller's buffer
 * make of a typed or formatted share are the caller's to wipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libgfshare.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/seam.h"
#include "pki/custody.h"

#define COMMIT_DOMAIN "foureyes-share-commit-v1"
#define KEKCHECK_DOMAIN "foureyes-kek-check-v1"
#define LINE_DOMAIN "foureyes-share-line-v1"
#define END_DOMAIN "foureyes-share-end-v1"

#define SHARE_MAGIC "foureyes key share v1"
#define CUSTODY_MAGIC "foureyes custody v1"
#define LINE_MAX_LEN 200       /* bytes of one line of a share or record */
#define DATA_LINES 2           /* KEK_LEN bytes as 2 lines of 16 */
#define DATA_PER_LINE (KEK_LEN / DATA_LINES)
#define LINE_CHECK_LEN 2       /* 4 hex digits */
#define END_CHECK_LEN 4        /* 8 hex digits */
#define TTY_TRIES 3

#define NONCE_LEN 12
#define TAG_LEN 16
static const uint8_t keyfile_magic[8] = { 'F', 'E', 'K', 'E', 'Y', 0, 0, 1 };

_Static_assert(CUSTODIAN_MAX == 64, "messages say 63 bytes");
_Static_assert(KEK_LEN == DATA_LINES * DATA_PER_LINE, "data lines");

/* ---------------------------------------------------------------- hashes */

struct part {
	const void *p;
	size_t n;
};

/*
 * SHA-256 over the concatenation of parts.  A failure of SHA-256 on memory
 * we own is a broken invariant, not bad input: it ends the process.
 */
static void
sha256(const struct part *parts, size_t nparts, uint8_t out[32])
{
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	size_t i;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		fe_fatal("out of memory (EVP_MD_CTX)");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fe_fatal("internal: SHA-256 is not available");
	for (i = 0; i < nparts; i++)
		if (EVP_DigestUpdate(ctx, parts[i].p, parts[i].n) != 1)
			fe_fatal("internal: SHA-256 failed");
	if (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32)
		fe_fatal("internal: SHA-256 failed");
	/* EVP_MD_CTX_free cleanses the digest state. */
	EVP_MD_CTX_free(ctx);
}

#define STR_PART(s) { (s), sizeof(s) - 1 }

/* SHA-256(domain || ceremony || nr || data): binds a share to its number. */
static void
share_commit(const uint8_t ceremony[CEREMONY_ID_LEN], uint8_t nr,
    const uint8_t data[KEK_LEN], uint8_t out[32])
{
	const struct part parts[] = { STR_PART(COMMIT_DOMAIN),
	    { ceremony, CEREMONY_ID_LEN }, { &nr, 1 }, { data, KEK_LEN } };

	sha256(parts, sizeof(parts) / sizeof(parts[0]), out);
}

/* HMAC-SHA-256(key = KEK, domain || ceremony). */
static void
kek_check(const uint8_t kek[KEK_LEN], const uint8_t ceremony[CEREMONY_ID_LEN],
    uint8_t out[32])
{
	uint8_t msg[sizeof(KEKCHECK_DOMAIN) - 1 + CEREMONY_ID_LEN];
	size_t outlen = 0;

	memcpy(msg, KEKCHECK_DOMAIN, sizeof(KEKCHECK_DOMAIN) - 1);
	memcpy(msg + sizeof(KEKCHECK_DOMAIN) - 1, ceremony, CEREMONY_ID_LEN);
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, kek, KEK_LEN, msg,
	    sizeof(msg), out, 32, &outlen) == NULL || outlen != 32)
		fe_fatal("internal: HMAC-SHA-256 failed");
}

/* The check of data line lineno (1 or 2) of share nr: 2 bytes. */
static void
line_check(const uint8_t ceremony[CEREMONY_ID_LEN], uint8_t nr,
    unsigned lineno, const uint8_t bytes[DATA_PER_LINE],
    uint8_t out[LINE_CHECK_LEN])
{
	uint8_t ln = (uint8_t)lineno, md[32];
	const struct part parts[] = { STR_PART(LINE_DOMAIN),
	    { ceremony, CEREMONY_ID_LEN }, { &nr, 1 }, { &ln, 1 },
	    { bytes, DATA_PER_LINE } };

	sha256(parts, sizeof(parts) / sizeof(parts[0]), md);
	memcpy(out, md, LINE_CHECK_LEN);
	OPENSSL_cleanse(md, sizeof(md));
}

/* The check on the "end" line: every field of the share, 4 bytes. */
static void
end_check(const struct share *s, uint8_t out[END_CHECK_LEN])
{
	uint8_t namelen = (uint8_t)strlen(s->custodian), md[32];
	const struct part parts[] = { STR_PART(END_DOMAIN),
	    { s->ceremony, CEREMONY_ID_LEN }, { &s->nr, 1 }, { &s->m, 1 },
	    { &s->n, 1 }, { &namelen, 1 }, { s->custodian, namelen },
	    { s->data, KEK_LEN } };

	sha256(parts, sizeof(parts) / sizeof(parts[0]), md);
	memcpy(out, md, END_CHECK_LEN);
	OPENSSL_cleanse(md, sizeof(md));
}

/* ---------------------------------------------------------------- names */

/*
 * NULL if s (len bytes) may be a custodian's name, else why not.  A name is
 * printed on the share and typed back, so it must be visible: UTF-8 without
 * control characters (C0, DEL, C1, U+2028/9) and without spaces at its ends.
 */
static const char *
name_problem(const char *s, size_t len)
{
	static const char *const bad_utf8 = "is not valid UTF-8";
	static const char *const control = "has a control character "
	    "(a newline, a tab or another)";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, more;
	uint32_t cp, min;

	if (len == 0)
		return "is empty";
	if (len > CUSTODIAN_MAX - 1)
		return "is longer than 63 bytes";
	if (u[0] == ' ' || u[len - 1] == ' ')
		return "begins or ends with a space";
	while (i < len) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return control;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xc2 && u[i] <= 0xdf) {
			more = 1;
			cp = u[i] & 0x1f;
			min = 0x80;
		} else if (u[i] >= 0xe0 && u[i] <= 0xef) {
			more = 2;
			cp = u[i] & 0x0f;
			min = 0x800;
		} else if (u[i] >= 0xf0 && u[i] <= 0xf4) {
			more = 3;
			cp = u[i] & 0x07;
			min = 0x10000;
		} else
			return bad_utf8;
		if (len - i - 1 < more)
			return bad_utf8;
		for (k = 1; k <= more; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return bad_utf8;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return bad_utf8;
		if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029)
			return control;
		i += more + 1;
	}
	return NULL;
}

/* Names compared without regard to ASCII case: "alice" is "Alice". */
static bool
same_name(const char *a, const char *b)
{
	unsigned char x, y;

	for (;; a++, b++) {
		x = (unsigned char)*a;
		y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
		if (x == '\0')
			return true;
	}
}

/* NULL if s may be a key's label, else why not. */
static const char *
label_problem(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return "is empty";
	if (len > KEY_LABEL_MAX)
		return "is longer than 64 bytes";
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return "has a character other than A-Z a-z 0-9 . _ -";
	return NULL;
}

/* ---------------------------------------------------------------- helpers */

static void
gf_rand(unsigned char *p, unsigned int n)
{
	fe_random(p, n);
}

/*
 * libgfshare draws the polynomial coefficients, and the bytes it overwrites
 * its buffers with on free, from this global, which is NULL by default.
 * Set before every context, encoding or decoding.
 */
static void
gf_use_fe_random(void)
{
	gfshare_fill_rand = gf_rand;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t
rstrip(const char *s, size_t len)
{
	while (len > 0 && (is_blank(s[len - 1]) || s[len - 1] == '\r'))
		len--;
	return len;
}

/* If s (len bytes) begins with word, move past it. */
static bool
eat(const char **s, const char *end, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(end - *s) < n || memcmp(*s, word, n) != 0)
		return false;
	*s += n;
	return true;
}

/* A decimal number of 1 to 3 digits without a leading zero. */
static bool
eat_num(const char **s, const char *end, unsigned *v)
{
	const char *p = *s;
	unsigned x = 0;

	if (p == end || *p < '1' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9' && p - *s < 3)
		x = x * 10 + (unsigned)(*p++ - '0');
	if (p < end && *p >= '0' && *p <= '9')
		return false;
	*s = p;
	*v = x;
	return true;
}

/* Exactly 2*n hex digits up to end; lower_only for machine-written files. */
static bool
eat_hex(const char *s, const char *end, uint8_t *out, size_t n,
    bool lower_only)
{
	size_t i, len = (size_t)(end - s);

	if (len != 2 * n)
		return false;
	for (i = 0; i < len; i++)
		if (lower_only && s[i] >= 'A' && s[i] <= 'F')
			return false;
	return hex_decode(s, len, out, n) == 0;
}

/* A printable rendering of a byte for "'x' is not a hex digit". */
static void
show_char(char c, char out[8])
{
	if (c > 0x20 && c < 0x7f)
		fe_snprintf(out, 8, "'%c'", c);
	else
		fe_snprintf(out, 8, "0x%02x", (unsigned char)c);
}

/*
 * A fixed-size text for secrets: no realloc leaves a copy behind.  The
 * contents are validated before formatting, so an overflow is a bug.
 */
struct tb {
	char p[SHARE_TEXT_MAX];
	size_t len;
};

static void tb_printf(struct tb *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tb_printf(struct tb *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, sizeof(t->p) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->p) - t->len)
		fe_fatal("internal: share text over %d bytes", SHARE_TEXT_MAX);
	t->len += (size_t)n;
}

/* Append len bytes and a newline. */
static void
tb_line(struct tb *t, const char *s, size_t len)
{
	if (len + 1 > sizeof(t->p) - t->len)
		fe_fatal("internal: share text over %d bytes", SHARE_TEXT_MAX);
	memcpy(t->p + t->len, s, len);
	t->p[t->len + len] = '\n';
	t->len += len + 1;
}

/*
 * Read all of path into p, which has room for max + 1 bytes, so that a file
 * over max bytes is seen and refused.  Only regular files.
 */
static int
read_capped(const char *what, const char *path, uint8_t *p, size_t max,
    size_t *len, struct fe_err *err)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO given by mistake is refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = fe_err_sys(err, "%s %s: cannot open", what, path);
		return errno == ENOENT ? FE_ENOENT : rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = fe_err_sys(err, "%s %s: cannot stat", what, path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fe_err_code(err, FE_EIO, "%s %s: not a regular file",
		    what, path);
		goto out;
	}
	while (got < max + 1) {
		n = read(fd, p + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fe_err_sys(err, "%s %s: cannot read", what, path);
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		rc = fe_err_set(err, "%s %s: over the limit of %zu bytes",
		    what, path, max);
		goto out;
	}
	*len = got;
out:
	close(fd);
	return rc;
}

static int
sync_dir_of(const char *path, struct fe_err *err)
{
	char *copy = fe_strdup(path), *dir;
	int fd, rc = 0;

	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = fe_err_sys(err, "%s: cannot sync the directory", dir);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/*
 * Write a new file atomically: PATH.tmp (created exclusively with mode),
 * fsync, then moved to PATH without replacing anything there, then the
 * directory synced.  A CA key file or custody record is never overwritten:
 * losing the old one would lose the CA key.  renameat2(RENAME_NOREPLACE)
 * where the file system has it, else link() and unlink().
 */
static int
write_new_file(const char *what, const char *path, const uint8_t *p,
    size_t len, mode_t mode, struct fe_err *err)
{
	char tmp[PATH_MAX];
	bool made = false;
	size_t off = 0;
	ssize_t n;
	int fd = -1, rc;

	if (fe_snprintf_ok(tmp, sizeof(tmp), "%s.tmp", path) != 0)
		return fe_err_set(err, "%s %s: the path is too long", what,
		    path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return fe_err_code(err, FE_EEXIST, "%s %s: %s exists: "
			    "an earlier write was cut short or another is "
			    "under way; remove it once you know which", what,
			    path, tmp);
		return fe_err_sys(err, "%s %s: cannot create %s", what, path,
		    tmp);
	}
	made = true;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = fe_err_sys(err, "%s %s: cannot write", what, path);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = fe_err_sys(err, "%s %s: cannot sync", what, path);
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n != 0) {
		rc = fe_err_sys(err, "%s %s: cannot close", what, path);
		goto out;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		made = false;
	else if (errno == EINVAL || errno == ENOSYS) {
		if (link(tmp, path) != 0)
			goto move_failed;
		/* The tmp name goes at out:. */
	} else
		goto move_failed;
	rc = sync_dir_of(path, err);
	goto out;
move_failed:
	if (errno == EEXIST)
		rc = fe_err_code(err, FE_EEXIST, "%s %s exists already: "
		    "refusing to replace it", what, path);
	else
		rc = fe_err_sys(err, "%s %s: cannot move %s into place", what,
		    path, tmp);
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	return rc;
}

/* A share's custodian as a bounded string, for messages. */
#define CUST_FMT "%.*s"
#define CUST_ARG(s) (int)strnlen((s)->custodian, CUSTODIAN_MAX - 1), \
	(s)->custodian

/* ---------------------------------------------------------------- split */

/*
 * Check a custody record's own consistency; subject begins the messages.
 * 0, FE_EPOLICY for a custodian named twice (K2), FE_EINVAL otherwise.
 */
static int
custody_check(const struct custody *c, const char *subject,
    struct fe_err *err)
{
	const char *why;
	unsigned i, j;

	if (c->m < 2 || c->m > c->n || c->n > SHARES_MAX)
		return fe_err_set(err, "%s: threshold %u of %u: must be at "
		    "least 2 and at most the number of shares, itself at most "
		    "%d", subject, c->m, c->n, SHARES_MAX);
	for (i = 0; i < c->n; i++) {
		if (c->share[i].nr != i + 1)
			return fe_err_set(err, "%s: entry %u is share %u: "
			    "shares must be numbered 1 to %u in order",
			    subject, i + 1, c->share[i].nr, c->n);
		why = name_problem(c->share[i].custodian,
		    strnlen(c->share[i].custodian, CUSTODIAN_MAX));
		if (why != NULL)
			return fe_err_set(err, "%s: share %u: the custodian's "
			    "name %s", subject, i + 1, why);
		for (j = 0; j < i; j++)
			if (same_name(c->share[i].custodian,
			    c->share[j].custodian))
				return fe_err_code(err, FE_EPOLICY, "%s: shares "
				    "%u and %u both go to %s: K2: one person "
				    "holding two shares needs fewer others to "
				    "unlock", subject, j + 1, i + 1,
				    c->share[i].custodian);
	}
	return 0;
}

int
custody_split(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], unsigned m, unsigned n,
    const char *const *custodians, struct share *out, struct custody *rec,
    struct fe_err *err)
{
	struct share sh[SHARES_MAX];
	struct custody c;
	uint8_t nrs[SHARES_MAX], secret[KEK_LEN], back[KEK_LEN];
	gfshare_ctx *gf = NULL;
	size_t len;
	unsigned i;
	int rc;

	memset(sh, 0, sizeof(sh));
	memset(&c, 0, sizeof(c));
	if (m < 2) {
		rc = fe_err_code(err, FE_EPOLICY, "split %u of %u: K2: a "
		    "threshold under 2 lets one custodian unlock alone", m, n);
		goto out;
	}
	if (m > n) {
		rc = fe_err_set(err, "split %u of %u: the threshold is more "
		    "than the number of shares: the key could never be "
		    "rebuilt", m, n);
		goto out;
	}
	if (n > SHARES_MAX) {
		rc = fe_err_set(err, "split %u of %u: at most %d shares are "
		    "supported", m, n, SHARES_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (custodians[i] == NULL) {
			rc = fe_err_set(err, "split: share %u: no custodian "
			    "named", i + 1);
			goto out;
		}
		len = strnlen(custodians[i], CUSTODIAN_MAX);
		if (len == CUSTODIAN_MAX) {
			rc = fe_err_set(err, "split: share %u: the custodian's "
			    "name is longer than 63 bytes", i + 1);
			goto out;
		}
		memcpy(c.share[i].custodian, custodians[i], len);
		c.share[i].nr = (uint8_t)(i + 1);
	}
	memcpy(c.ceremony, ceremony, CEREMONY_ID_LEN);
	c.m = m;
	c.n = n;
	if ((rc = custody_check(&c, "split", err)) != 0)
		goto out;

	for (i = 0; i < n; i++)
		nrs[i] = (uint8_t)(i + 1);
	gf_use_fe_random();
	gf = gfshare_ctx_init_enc(nrs, n, (unsigned char)m, KEK_LEN);
	if (gf == NULL)
		fe_fatal("out of memory (gfshare)");
	memcpy(secret, kek, KEK_LEN);
	gfshare_ctx_enc_setsecret(gf, secret);
	for (i = 0; i < n; i++) {
		memcpy(sh[i].ceremony, ceremony, CEREMONY_ID_LEN);
		sh[i].nr = (uint8_t)(i + 1);
		sh[i].m = (uint8_t)m;
		sh[i].n = (uint8_t)n;
		memcpy(sh[i].custodian, c.share[i].custodian, CUSTODIAN_MAX);
		gfshare_ctx_enc_getshare(gf, (unsigned char)i, sh[i].data);
		share_commit(ceremony, sh[i].nr, sh[i].data, c.share[i].commit);
	}
	kek_check(kek, ceremony, c.kek_check);

	/* Defensive: the first m and the last m shares must give the KEK back
	 * before anyone is handed a share. */
	if (custody_combine(&c, sh, m, back, err) != 0 ||
	    CRYPTO_memcmp(back, kek, KEK_LEN) != 0 ||
	    custody_combine(&c, sh + (n - m), m, back, err) != 0 ||
	    CRYPTO_memcmp(back, kek, KEK_LEN) != 0)
		fe_fatal("internal: the shares just made do not rebuild the "
		    "key-encryption key");

	memcpy(out, sh, n * sizeof(sh[0]));
	memcpy(rec, &c, sizeof(c));
	rc = 0;
out:
	if (gf != NULL)
		gfshare_ctx_free(gf);
	OPENSSL_cleanse(sh, sizeof(sh));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(back, sizeof(back));
	return rc;
}

void
share_wipe(struct share *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, sizeof(*s));
}

/* ---------------------------------------------------------------- text */

/* 0 if s is a share that can be written out; its why otherwise. */
static const char *
share_problem(const struct share *s)
{
	size_t len = strnlen(s->custodian, CUSTODIAN_MAX);

	if (s->m < 2 || s->m > s->n || s->n > SHARES_MAX)
		return "threshold out of range";
	if (s->nr < 1 || s->nr > s->n)
		return "share number out of range";
	if (len == CUSTODIAN_MAX || name_problem(s->custodian, len) != NULL)
		return "custodian name not acceptable";
	return NULL;
}

int
share_format(const struct share *s, struct buf *out)
{
	struct tb t;
	uint8_t check[END_CHECK_LEN];
	char hex[2 * CEREMONY_ID_LEN + 1];
	const uint8_t *d;
	unsigned l, g;
	int rc;

	if (share_problem(s) != NULL)
		return FE_EINVAL;
	t.len = 0;
	hex_encode(s->ceremony, CEREMONY_ID_LEN, hex);
	tb_printf(&t, "%s\nceremony %s\ncustodian %s\n"
	    "share %u of %u, any %u unlock\n", SHARE_MAGIC, hex,
	    s->custodian, s->nr, s->n, s->m);
	for (l = 1; l <= DATA_LINES; l++) {
		d = s->data + (l - 1) * DATA_PER_LINE;
		tb_printf(&t, "%u:", l);
		for (g = 0; g < DATA_PER_LINE; g += 2)
			tb_printf(&t, " %02x%02x", d[g], d[g + 1]);
		line_check(s->ceremony, s->nr, l, d, check);
		tb_printf(&t, "  %02x%02x\n", check[0], check[1]);
	}
	end_check(s, check);
	tb_printf(&t, "end %02x%02x%02x%02x\n", check[0], check[1], check[2],
	    check[3]);
	rc = buf_add(out, t.p, t.len) == 0 ? 0 : FE_EINVAL;
	OPENSSL_cleanse(&t, sizeof(t));
	OPENSSL_cleanse(check, sizeof(check));
	return rc;
}

/* What a share text holds, in order.  The string table names each. */
enum sp_state {
	SP_MAGIC,
	SP_CEREMONY,
	SP_CUSTODIAN,
	SP_SHARE,
	SP_DATA1,
	SP_DATA2,
	SP_END,
	SP_DONE,
	SP__MAX
};

static const char *const sp_what[SP__MAX] = {
	[SP_MAGIC] = "first line",
	[SP_CEREMONY] = "'ceremony' line",
	[SP_CUSTODIAN] = "'custodian' line",
	[SP_SHARE] = "'share' line",
	[SP_DATA1] = "data line 1",
	[SP_DATA2] = "data line 2",
	[SP_END] = "'end' line",
	[SP_DONE] = "end of the share",
};

/* The reader of a share text, fed one non-blank line at a time. */
struct sp {
	enum sp_state st;
	struct share sh;
};

#define SP_BADCHECK 1  /* a data line whose check does not match */

/* A data line: "N:" then 36 hex digits, spaces anywhere between them. */
static int
sp_data(struct sp *p, unsigned want, const char *s, size_t len,
    struct fe_err *err)
{
	uint8_t bytes[DATA_PER_LINE + LINE_CHECK_LEN], check[LINE_CHECK_LEN];
	const char *q = s, *end = s + len;
	char shown[8];
	size_t i, digits = 0;
	unsigned label;
	int v, rc;

	while (q < end && is_blank(*q))
		q++;
	if (!eat_num(&q, end, &label))
		return fe_err_set(err, "%s expected: '%u:' and 36 hex digits",
		    sp_what[p->st], want);
	while (q < end && is_blank(*q))
		q++;
	if (!eat(&q, end, ":"))
		return fe_err_set(err, "%s expected: '%u:' and 36 hex digits",
		    sp_what[p->st], want);
	if (label != want)
		return fe_err_set(err, "data line %u found where data line %u "
		    "is expected: data lines swapped or one left out", label,
		    want);
	for (i = 0; q + i < end; i++) {
		if (is_blank(q[i]))
			continue;
		if (OPENSSL_hexchar2int((unsigned char)q[i]) < 0) {
			show_char(q[i], shown);
			return fe_err_set(err, "%s is not a hex digit", shown);
		}
		digits++;
	}
	if (digits != 2 * sizeof(bytes))
		return fe_err_set(err, "%zu hex digits, %zu expected (%d for "
		    "the data and %d for the check)", digits,
		    2 * sizeof(bytes), 2 * DATA_PER_LINE, 2 * LINE_CHECK_LEN);
	for (i = 0, digits = 0; q + i < end; i++) {
		if (is_blank(q[i]))
			continue;
		v = OPENSSL_hexchar2int((unsigned char)q[i]);
		if (digits % 2 == 0)
			bytes[digits / 2] = (uint8_t)(v << 4);
		else
			bytes[digits / 2] |= (uint8_t)v;
		digits++;
	}
	line_check(p->sh.ceremony, p->sh.nr, want, bytes, check);
	if (CRYPTO_memcmp(check, bytes + DATA_PER_LINE, LINE_CHECK_LEN) != 0) {
		fe_err_set(err, "check %02x%02x does not match: a typing error "
		    "in this line", bytes[DATA_PER_LINE],
		    bytes[DATA_PER_LINE + 1]);
		rc = SP_BADCHECK;
	} else {
		memcpy(p->sh.data + (want - 1) * DATA_PER_LINE, bytes,
		    DATA_PER_LINE);
		rc = 0;
	}
	OPENSSL_cleanse(bytes, sizeof(bytes));
	OPENSSL_cleanse(check, sizeof(check));
	return rc;
}

/* "share NR of N, any M unlock" */
static int
sp_numbers(struct sp *p, const char *s, const char *end, struct fe_err *err)
{
	unsigned nr, n, m;

	if (!eat(&s, end, "share ") || !eat_num(&s, end, &nr) ||
	    !eat(&s, end, " of ") || !eat_num(&s, end, &n) ||
	    !eat(&s, end, ", any ") || !eat_num(&s, end, &m) ||
	    !eat(&s, end, " unlock") || s != end)
		return fe_err_set(err, "'share NR of N, any M unlock' "
		    "expected");
	if (n > SHARES_MAX)
		return fe_err_set(err, "%u shares: at most %d are supported",
		    n, SHARES_MAX);
	if (m < 2 || m > n)
		return fe_err_set(err, "any %u of %u: the threshold must be "
		    "between 2 and the number of shares", m, n);
	if (nr > n)
		return fe_err_set(err, "share %u of %u: the share number must "
		    "be between 1 and %u", nr, n, n);
	p->sh.nr = (uint8_t)nr;
	p->sh.n = (uint8_t)n;
	p->sh.m = (uint8_t)m;
	return 0;
}

/*
 * Take the next non-blank line (trailing blanks removed).  0 and the state
 * moves on; SP_BADCHECK for a data line whose check fails; a negative code
 * otherwise.  Messages do not name the line: the caller does.
 */
static int
sp_line(struct sp *p, const char *s, size_t len, struct fe_err *err)
{
	const char *q = s, *end = s + len;
	uint8_t check[END_CHECK_LEN], typed[END_CHECK_LEN];
	const char *why;
	int rc = 0;

	switch (p->st) {
	case SP_MAGIC:
		if (len == strlen(SHARE_MAGIC) && eat(&q, end, SHARE_MAGIC))
			break;
		if (eat(&q, end, "foureyes key share v"))
			return fe_err_set(err, "this share format version is "
			    "not supported: this program reads '%s'",
			    SHARE_MAGIC);
		return fe_err_set(err, "not a foureyes key share (first line)");
	case SP_CEREMONY:
		if (!eat(&q, end, "ceremony "))
			return fe_err_set(err, "'ceremony' line expected");
		if (!eat_hex(q, end, p->sh.ceremony, CEREMONY_ID_LEN, false))
			return fe_err_set(err, "the ceremony id must be %d hex "
			    "digits", 2 * CEREMONY_ID_LEN);
		break;
	case SP_CUSTODIAN:
		if (!eat(&q, end, "custodian "))
			return fe_err_set(err, "'custodian' line expected");
		if ((why = name_problem(q, (size_t)(end - q))) != NULL)
			return fe_err_set(err, "the custodian's name %s", why);
		memcpy(p->sh.custodian, q, (size_t)(end - q));
		p->sh.custodian[end - q] = '\0';
		break;
	case SP_SHARE:
		if ((rc = sp_numbers(p, q, end, err)) != 0)
			return rc;
		break;
	case SP_DATA1:
	case SP_DATA2:
		rc = sp_data(p, p->st == SP_DATA1 ? 1 : 2, s, len, err);
		if (rc != 0)
			return rc;
		break;
	case SP_END:
		if (!eat(&q, end, "end "))
			return fe_err_set(err, "'end' line expected");
		if (!eat_hex(q, end, typed, END_CHECK_LEN, false))
			return fe_err_set(err, "the share check must be %d hex "
			    "digits", 2 * END_CHECK_LEN);
		end_check(&p->sh, check);
		rc = CRYPTO_memcmp(check, typed, END_CHECK_LEN);
		OPENSSL_cleanse(check, sizeof(check));
		if (rc != 0)
			return fe_err_set(err, "share check %02x%02x%02x%02x "
			    "does not match: the header was changed (or a "
			    "header line or the 'end' line was mistyped)",
			    typed[0], typed[1], typed[2], typed[3]);
		break;
	case SP_DONE:
		return fe_err_set(err, "text after the 'end' line");
	default:
		fe_fatal("internal: share reader in state %d", (int)p->st);
	}
	p->st++;
	return 0;
}

int
share_parse(const char *name, const uint8_t *text, size_t len,
    struct share *out, struct fe_err *err)
{
	struct sp p;
	struct rd r;
	struct fe_err first, scratch;
	const char *line;
	size_t ll;
	unsigned lineno = 0, bad_line = 0;
	int rc;

	if (err == NULL)
		err = &scratch;      /* the deferred message is copied below */
	memset(&p, 0, sizeof(p));
	if (len > SHARE_TEXT_MAX) {
		rc = fe_err_set(err, "%s: %zu bytes: a share is at most %d",
		    name, len, SHARE_TEXT_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		rc = fe_err_set(err, "%s: has a NUL byte: not a share text",
		    name);
		goto out;
	}
	rd_init(&r, text, len);
	while (rd_line(&r, SHARE_TEXT_MAX, &line, &ll) == 0) {
		if (++lineno > SHARE_LINES_MAX) {
			rc = fe_err_set(err, "%s: more than %d lines: a share "
			    "has 7 and a few blank ones", name,
			    SHARE_LINES_MAX);
			goto out;
		}
		if ((ll = rstrip(line, ll)) == 0)
			continue;       /* a blank line */
		if (ll > LINE_MAX_LEN) {
			rc = fe_err_set(err, "%s: line %u: longer than %d "
			    "bytes", name, lineno, LINE_MAX_LEN);
			goto out;
		}
		rc = sp_line(&p, line, ll, err);
		if (bad_line != 0) {
			/* Data line 1 did not match its check.  If data line
			 * 2 does not either, the likelier cause is the header
			 * that both checks cover. */
			if (rc == SP_BADCHECK) {
				rc = fe_err_set(err, "%s: lines %u and %u: "
				    "neither data line matches its check: the "
				    "ceremony id or the share number was "
				    "changed or mistyped (or both data lines "
				    "were)", name, bad_line, lineno);
				goto out;
			}
			lineno = bad_line;
			*err = first;
			rc = SP_BADCHECK;
		} else if (rc == SP_BADCHECK && p.st == SP_DATA1) {
			bad_line = lineno;
			first = *err;
			p.st = SP_DATA2;
			continue;
		}
		if (rc != 0) {
			if (p.st == SP_MAGIC)
				fe_err_prefix(err, "%s", name);
			else
				fe_err_prefix(err, "%s: line %u", name, lineno);
			rc = FE_EINVAL;
			goto out;
		}
	}
	if (bad_line != 0) {
		*err = first;
		fe_err_prefix(err, "%s: line %u", name, bad_line);
		rc = FE_EINVAL;
		goto out;
	}
	if (p.st == SP_MAGIC) {
		rc = fe_err_set(err, "%s: not a foureyes key share (it is "
		    "empty)", name);
		goto out;
	}
	if (p.st != SP_DONE) {
		rc = fe_err_set(err, "%s: the text ends before the %s: the "
		    "share is incomplete", name, sp_what[p.st]);
		goto out;
	}
	memcpy(out, &p.sh, sizeof(p.sh));
	rc = 0;
out:
	OPENSSL_cleanse(&p, sizeof(p));
	OPENSSL_cleanse(&first, sizeof(first));
	OPENSSL_cleanse(&scratch, sizeof(scratch));
	return rc;
}

int
share_read_file(const char *path, struct share *out, struct fe_err *err)
{
	uint8_t text[SHARE_TEXT_MAX + 1];
	size_t len = 0;
	int rc;

	rc = read_capped("share file", path, text, SHARE_TEXT_MAX, &len, err);
	if (rc == 0)
		rc = share_parse(path, text, len, out, err);
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

static void say(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(FILE *out, const char *fmt, ...)
{
	va_list ap;

	if (out == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
}

/*
 * One line from in, without its newline: 1 read, 0 end of input, -1 longer
 * than size (the rest of it is read and dropped).  getc() rather than
 * fgets() so that a NUL typed in a line is seen, not taken for its end.
 */
static int
tty_line(FILE *in, char *line, size_t size, size_t *len)
{
	size_t n = 0;
	bool over = false;
	int c;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (n < size)
			line[n++] = (char)c;
		else
			over = true;
	}
	if (c == EOF && n == 0)
		return 0;
	if (over)
		return -1;
	*len = n;
	return 1;
}

int
share_read_tty(FILE *in, FILE *out, struct share *s, struct fe_err *err)
{
	struct sp p;
	struct tb text;    /* the accepted lines, parsed again as a whole */
	struct fe_err why;
	char line[LINE_MAX_LEN + 1];
	const char *what;
	size_t ll = 0;
	int tries, got, rc;

	memset(&p, 0, sizeof(p));
	text.len = 0;
	say(out, "Type the key share as it is printed, one line at a time.\n"
	    "A line with a typing error is asked again.\n");
	while (p.st != SP_DONE) {
		what = sp_what[p.st];
		for (tries = 1;; tries++) {
			do {
				say(out, "%s> ", what);
				got = tty_line(in, line, sizeof(line), &ll);
				if (got == 1)
					ll = rstrip(line, ll);
			} while (got == 1 && ll == 0);
			if (got == 0) {
				rc = fe_err_set(err, "typed share: the input "
				    "ended before the %s", what);
				goto out;
			}
			if (got < 0 || ll > LINE_MAX_LEN)
				rc = fe_err_set(&why, "longer than %d bytes",
				    LINE_MAX_LEN);
			else if (memchr(line, '\0', ll) != NULL)
				rc = fe_err_set(&why, "has a NUL byte");
			else
				rc = sp_line(&p, line, ll, &why);
			if (rc == 0)
				break;
			if (tries == TTY_TRIES) {
				fe_err_set(err, "typed share: %s: %s (%d "
				    "tries)%s", what, why.msg, TTY_TRIES,
				    rc == SP_BADCHECK ? "; if the line is as "
				    "printed, the ceremony or share line was "
				    "mistyped" : "");
				rc = FE_EINVAL;
				goto out;
			}
			say(out, "  %s: %s; type it again (try %d of %d)\n",
			    what, why.msg, tries + 1, TTY_TRIES);
		}
		tb_line(&text, line, ll);
	}
	rc = share_parse("typed share", (const uint8_t *)text.p, text.len, s,
	    err);
	if (rc == 0)
		say(out, "Share %u of %u (%s) accepted.\n", s->nr, s->n,
		    s->custodian);
out:
	OPENSSL_cleanse(&p, sizeof(p));
	OPENSSL_cleanse(&text, sizeof(text));
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(&why, sizeof(why));
	return rc;
}

/* ---------------------------------------------------------------- record */

static int
custody_format(const struct custody *c, struct buf *b, struct fe_err *err)
{
	char hex[2 * 32 + 1];
	unsigned i;
	int rc;

	if ((rc = custody_check(c, "custody record", err)) != 0)
		return rc;
	hex_encode(c->ceremony, CEREMONY_ID_LEN, hex);
	if (buf_printf(b, "%s\nceremony %s\nthreshold %u of %u\n",
	    CUSTODY_MAGIC, hex, c->m, c->n) != 0)
		goto toolong;
	for (i = 0; i < c->n; i++) {
		hex_encode(c->share[i].commit, 32, hex);
		if (buf_printf(b, "share %u %s %s\n", c->share[i].nr, hex,
		    c->share[i].custodian) != 0)
			goto toolong;
	}
	hex_encode(c->kek_check, 32, hex);
	if (buf_printf(b, "kek-check %s\n", hex) != 0)
		goto toolong;
	return 0;
toolong:
	return fe_err_set(err, "custody record: over %d bytes",
	    CUSTODY_TEXT_MAX);
}

int
custody_write(const char *path, const struct custody *c,
    struct fe_err *err)
{
	struct buf b;
	int rc;

	buf_init(&b, CUSTODY_TEXT_MAX);
	rc = custody_format(c, &b, err);
	if (rc == 0)
		rc = write_new_file("custody record", path, b.p, b.len, 0644,
		    err);
	buf_free(&b);
	return rc;
}

/* One line of a custody record, without its newline. */
static int
cr_line(const char *name, struct rd *r, unsigned *lineno, const char *want,
    const char **s, const char **end, struct fe_err *err)
{
	size_t len;

	(*lineno)++;
	if (rd_line(r, CUSTODY_TEXT_MAX, s, &len) != 0)
		return fe_err_set(err, "%s: line %u: the record ends before "
		    "the %s", name, *lineno, want);
	if (len > LINE_MAX_LEN)
		return fe_err_set(err, "%s: line %u: longer than %d bytes",
		    name, *lineno, LINE_MAX_LEN);
	*end = *s + len;
	return 0;
}

int
custody_parse(const char *name, const uint8_t *text, size_t len,
    struct custody *out, struct fe_err *err)
{
	struct custody c;
	struct rd r;
	const char *s, *end, *why;
	unsigned lineno = 0, i, v;
	int rc;

	memset(&c, 0, sizeof(c));
	if (len > CUSTODY_TEXT_MAX)
		return fe_err_set(err, "%s: %zu bytes: a custody record is at "
		    "most %d", name, len, CUSTODY_TEXT_MAX);
	if (memchr(text, '\0', len) != NULL)
		return fe_err_set(err, "%s: has a NUL byte: not a custody "
		    "record", name);
	if (len > 0 && text[len - 1] != '\n')
		return fe_err_set(err, "%s: the last line has no newline: the "
		    "record was cut short", name);
	rd_init(&r, text, len);

	if ((rc = cr_line(name, &r, &lineno, "first line", &s, &end, err)))
		return rc;
	if ((size_t)(end - s) != strlen(CUSTODY_MAGIC) ||
	    !eat(&s, end, CUSTODY_MAGIC))
		return fe_err_set(err, "%s: not a foureyes custody record "
		    "(first line)", name);

	if ((rc = cr_line(name, &r, &lineno, "'ceremony' line", &s, &end,
	    err)))
		return rc;
	if (!eat(&s, end, "ceremony ") ||
	    !eat_hex(s, end, c.ceremony, CEREMONY_ID_LEN, true))
		return fe_err_set(err, "%s: line %u: 'ceremony' and %d "
		    "lower-case hex digits expected", name, lineno,
		    2 * CEREMONY_ID_LEN);

	if ((rc = cr_line(name, &r, &lineno, "'threshold' line", &s, &end,
	    err)))
		return rc;
	if (!eat(&s, end, "threshold ") || !eat_num(&s, end, &c.m) ||
	    !eat(&s, end, " of ") || !eat_num(&s, end, &c.n) || s != end)
		return fe_err_set(err, "%s: line %u: 'threshold M of N' "
		    "expected", name, lineno);
	if (c.m < 2 || c.m > c.n || c.n > SHARES_MAX)
		return fe_err_set(err, "%s: line %u: threshold %u of %u: must "
		    "be at least 2 and at most the number of shares, itself at "
		    "most %d", name, lineno, c.m, c.n, SHARES_MAX);

	for (i = 0; i < c.n; i++) {
		if ((rc = cr_line(name, &r, &lineno, "'share' lines", &s, &end,
		    err)))
			return rc;
		if (!eat(&s, end, "share ") || !eat_num(&s, end, &v) ||
		    !eat(&s, end, " ") || end - s < 65 || s[64] != ' ' ||
		    !eat_hex(s, s + 64, c.share[i].commit, 32, true))
			return fe_err_set(err, "%s: line %u: 'share NR "
			    "COMMITMENT CUSTODIAN' expected", name, lineno);
		if (v != i + 1)
			return fe_err_set(err, "%s: line %u: share %u where "
			    "share %u is expected: shares are listed 1 to %u "
			    "in order", name, lineno, v, i + 1, c.n);
		s += 65;
		if ((why = name_problem(s, (size_t)(end - s))) != NULL)
			return fe_err_set(err, "%s: line %u: the custodian's "
			    "name %s", name, lineno, why);
		c.share[i].nr = (uint8_t)v;
		memcpy(c.share[i].custodian, s, (size_t)(end - s));
	}

	if ((rc = cr_line(name, &r, &lineno, "'kek-check' line", &s, &end,
	    err)))
		return rc;
	if (!eat(&s, end, "kek-check ") ||
	    !eat_hex(s, end, c.kek_check, 32, true))
		return fe_err_set(err, "%s: line %u: 'kek-check' and 64 "
		    "lower-case hex digits expected", name, lineno);
	if (rd_left(&r) != 0)
		return fe_err_set(err, "%s: line %u: text after the "
		    "'kek-check' line", name, lineno + 1);
	/* What is left to check: the same custodian twice. */
	if ((rc = custody_check(&c, name, err)) != 0)
		return rc;
	memcpy(out, &c, sizeof(c));
	return 0;
}

int
custody_read(const char *path, struct custody *c, struct fe_err *err)
{
	uint8_t text[CUSTODY_TEXT_MAX + 1];
	size_t len = 0;
	int rc;

	rc = read_capped("custody record", path, text, CUSTODY_TEXT_MAX, &len,
	    err);
	if (rc == 0)
		rc = custody_parse(path, text, len, c, err);
	return rc;
}

/* ---------------------------------------------------------------- combine */

int
custody_combine(const struct custody *c, const struct share *shares,
    size_t k, uint8_t kek[KEK_LEN], struct fe_err *err)
{
	uint8_t nrs[SHARES_MAX], data[SHARES_MAX][KEK_LEN], got[KEK_LEN];
	uint8_t check[32], commit[32];
	char have[2 * CEREMONY_ID_LEN + 1], want[2 * CEREMONY_ID_LEN + 1];
	gfshare_ctx *gf = NULL;
	const struct share *s;
	size_t i, j, used = 0;
	int rc;

	if ((rc = custody_check(c, "custody record", err)) != 0)
		goto out;
	if (k < c->m) {
		rc = fe_err_code(err, FE_EPOLICY, "%u shares are needed to "
		    "unlock, %zu given", c->m, k);
		goto out;
	}
	/* Every share given must pass; none is skipped in silence.  At most
	 * n pass (a further one repeats a number or has none), so data[]
	 * never overflows. */
	for (i = 0; i < k; i++) {
		s = &shares[i];
		if (CRYPTO_memcmp(s->ceremony, c->ceremony,
		    CEREMONY_ID_LEN) != 0) {
			hex_encode(s->ceremony, CEREMONY_ID_LEN, have);
			hex_encode(c->ceremony, CEREMONY_ID_LEN, want);
			rc = fe_err_set(err, "share %u (" CUST_FMT ") belongs to "
			    "ceremony %s, not to this CA's ceremony %s: a "
			    "share of another ceremony", s->nr, CUST_ARG(s),
			    have, want);
			goto out;
		}
		if (s->nr < 1 || s->nr > c->n) {
			rc = fe_err_set(err, "share %u (" CUST_FMT ") is not the "
			    "share handed out at the ceremony: wrong share "
			    "(the ceremony made shares 1 to %u)", s->nr,
			    CUST_ARG(s), c->n);
			goto out;
		}
		share_commit(s->ceremony, s->nr, s->data, commit);
		if (CRYPTO_memcmp(commit, c->share[s->nr - 1].commit,
		    sizeof(commit)) != 0) {
			rc = fe_err_set(err, "share %u (" CUST_FMT ") is not the "
			    "share handed out at the ceremony: wrong share",
			    s->nr, CUST_ARG(s));
			goto out;
		}
		for (j = 0; j < i; j++)
			if (shares[j].nr == s->nr) {
				rc = fe_err_set(err, "share %u (" CUST_FMT ") is "
				    "given twice", s->nr, CUST_ARG(s));
				goto out;
			}
		if (s->m != c->m || s->n != c->n) {
			rc = fe_err_set(err, "share %u (" CUST_FMT ") says %u "
			    "of %u but the custody record says %u of %u: the "
			    "share's header was changed", s->nr, CUST_ARG(s),
			    s->m, s->n, c->m, c->n);
			goto out;
		}
		if (strncmp(s->custodian, c->share[s->nr - 1].custodian,
		    CUSTODIAN_MAX) != 0) {
			rc = fe_err_set(err, "share %u (" CUST_FMT ") was handed "
			    "out to %s: the name on the share was changed",
			    s->nr, CUST_ARG(s), c->share[s->nr - 1].custodian);
			goto out;
		}
		if (used == SHARES_MAX)
			fe_fatal("internal: more than %d distinct shares",
			    SHARES_MAX);
		nrs[used] = s->nr;
		memcpy(data[used], s->data, KEK_LEN);
		used++;
	}

	gf_use_fe_random();
	gf = gfshare_ctx_init_dec(nrs, (unsigned)used, KEK_LEN);
	if (gf == NULL)
		fe_fatal("out of memory (gfshare)");
	for (i = 0; i < used; i++)
		gfshare_ctx_dec_giveshare(gf, (unsigned char)i, data[i]);
	gfshare_ctx_dec_extract(gf, got);
	kek_check(got, c->ceremony, check);
	if (CRYPTO_memcmp(check, c->kek_check, sizeof(check)) != 0) {
		rc = fe_err_set(err, "the shares do not rebuild the "
		    "key-encryption key: the custody record's kek-check does "
		    "not match what its own shares give (the record was "
		    "changed)");
		goto out;
	}
	memcpy(kek, got, KEK_LEN);
	rc = 0;
out:
	if (gf != NULL)
		gfshare_ctx_free(gf);
	OPENSSL_cleanse(data, sizeof(data));
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(check, sizeof(check));
	if (rc != 0)
		OPENSSL_cleanse(kek, KEK_LEN);
	return rc;
}

/* ---------------------------------------------------------------- keys */

int
keyfile_seal(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    EVP_PKEY *pk, const char *path, struct fe_err *err)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_CIPHER_CTX *cx = NULL;
	unsigned char *der = NULL;
	uint8_t nonce[NONCE_LEN], tag[TAG_LEN], *ct = NULL;
	struct buf f;
	const char *why;
	size_t head;
	int derlen = 0, outl = 0, rc;

	buf_init(&f, KEYFILE_MAX);
	if ((why = label_problem(label, strlen(label))) != NULL) {
		rc = fe_err_set(err, "key file %s: the label %s", path, why);
		goto out;
	}
	if (pk == NULL || (p8 = EVP_PKEY2PKCS8(pk)) == NULL) {
		rc = fe_err_ssl(err, "key file %s: key %s cannot be encoded "
		    "as PKCS#8 (is it a private key?)", path, label);
		goto out;
	}
	if ((derlen = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0) {
		rc = fe_err_ssl(err, "key file %s: key %s cannot be encoded "
		    "as PKCS#8", path, label);
		derlen = 0;
		goto out;
	}
	fe_random(nonce, sizeof(nonce));
	if (buf_add(&f, keyfile_magic, sizeof(keyfile_magic)) != 0 ||
	    buf_add(&f, ceremony, CEREMONY_ID_LEN) != 0 ||
	    buf_add_u8(&f, (uint8_t)strlen(label)) != 0 ||
	    buf_add_str(&f, label) != 0 ||
	    buf_add(&f, nonce, sizeof(nonce)) != 0 ||
	    buf_add_u32be(&f, (uint32_t)derlen) != 0 ||
	    f.len + (size_t)derlen + TAG_LEN > KEYFILE_MAX) {
		rc = fe_err_set(err, "key file %s: key %s of %d bytes would "
		    "make a file over the limit of %d bytes", path, label,
		    derlen, KEYFILE_MAX);
		goto out;
	}
	head = f.len;
	ct = fe_malloc((size_t)derlen);
	if ((cx = EVP_CIPHER_CTX_new()) == NULL)
		fe_fatal("out of memory (EVP_CIPHER_CTX)");
	if (EVP_EncryptInit_ex2(cx, EVP_aes_256_gcm(), kek, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(cx, NULL, &outl, f.p, (int)head) != 1 ||
	    EVP_EncryptUpdate(cx, ct, &outl, der, derlen) != 1 ||
	    outl != derlen ||
	    EVP_EncryptFinal_ex(cx, ct + outl, &outl) != 1 || outl != 0 ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) != 1) {
		rc = fe_err_ssl(err, "key file %s: AES-256-GCM encryption of "
		    "key %s failed", path, label);
		goto out;
	}
	if (buf_add(&f, ct, (size_t)derlen) != 0 ||
	    buf_add(&f, tag, sizeof(tag)) != 0)
		fe_fatal("internal: key file over its checked size");
	rc = write_new_file("key file", path, f.p, f.len, 0600, err);
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)derlen);
	PKCS8_PRIV_KEY_INFO_free(p8);   /* clears the key octets */
	EVP_CIPHER_CTX_free(cx);        /* clears the key schedule */
	free(ct);
	buf_free(&f);
	return rc;
}

EVP_PKEY *
keyfile_decode(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    const char *name, const uint8_t *p, size_t len, struct fe_err *err)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_CIPHER_CTX *cx = NULL;
	EVP_PKEY *pk = NULL;
	const uint8_t *magic, *cer, *lab, *nonce, *ct, *tag;
	const unsigned char *q;
	uint8_t lablen, tagbuf[TAG_LEN], *pt = NULL;
	char have[2 * CEREMONY_ID_LEN + 1], want[2 * CEREMONY_ID_LEN + 1];
	uint32_t ctlen = 0;
	struct rd r;
	size_t head;
	int outl = 0;

	if (len > KEYFILE_MAX) {
		fe_err_set(err, "key file %s: %zu bytes: a key file is at most "
		    "%d", name, len, KEYFILE_MAX);
		goto out;
	}
	rd_init(&r, p, len);
	if (rd_bytes(&r, sizeof(keyfile_magic), &magic) != 0 ||
	    memcmp(magic, keyfile_magic, sizeof(keyfile_magic) - 1) != 0) {
		fe_err_set(err, "key file %s: not a foureyes key file (no "
		    "FEKEY magic)", name);
		goto out;
	}
	if (magic[7] != keyfile_magic[7]) {
		fe_err_set(err, "key file %s: format version %u is not "
		    "supported: this program reads version %u", name, magic[7],
		    keyfile_magic[7]);
		goto out;
	}
	if (rd_bytes(&r, CEREMONY_ID_LEN, &cer) != 0 ||
	    rd_u8(&r, &lablen) != 0 || rd_bytes(&r, lablen, &lab) != 0 ||
	    rd_bytes(&r, NONCE_LEN, &nonce) != 0 ||
	    rd_u32be(&r, &ctlen) != 0) {
		fe_err_set(err, "key file %s: truncated: the file ends inside "
		    "its header", name);
		goto out;
	}
	head = r.off;
	if (rd_left(&r) < TAG_LEN || rd_left(&r) - TAG_LEN < ctlen) {
		fe_err_set(err, "key file %s: truncated: the header announces "
		    "%u bytes of key and a %d-byte tag, %zu bytes follow", name,
		    ctlen, TAG_LEN, rd_left(&r));
		goto out;
	}
	if (rd_left(&r) - TAG_LEN > ctlen) {
		fe_err_set(err, "key file %s: trailing data after the key (%zu "
		    "bytes): the file was changed", name,
		    rd_left(&r) - TAG_LEN - ctlen);
		goto out;
	}
	if (rd_bytes(&r, ctlen, &ct) != 0 || rd_bytes(&r, TAG_LEN, &tag) != 0)
		fe_fatal("internal: key file lengths");
	if (memcmp(cer, ceremony, CEREMONY_ID_LEN) != 0) {
		hex_encode(cer, CEREMONY_ID_LEN, have);
		hex_encode(ceremony, CEREMONY_ID_LEN, want);
		fe_err_set(err, "key file %s belongs to ceremony %s, not %s",
		    name, have, want);
		goto out;
	}
	if (label_problem((const char *)lab, lablen) != NULL) {
		fe_err_set(err, "key file %s: the label in the file is not a "
		    "valid label: the file was changed", name);
		goto out;
	}
	if (lablen != strlen(label) || memcmp(lab, label, lablen) != 0) {
		fe_err_set(err, "key file %s holds the key labelled '%.*s', "
		    "not '%s'", name, (int)lablen, (const char *)lab, label);
		goto out;
	}
	if (ctlen == 0) {
		fe_err_set(err, "key file %s: holds no key", name);
		goto out;
	}

	pt = fe_malloc(ctlen);
	memcpy(tagbuf, tag, TAG_LEN);
	if ((cx = EVP_CIPHER_CTX_new()) == NULL)
		fe_fatal("out of memory (EVP_CIPHER_CTX)");
	if (EVP_DecryptInit_ex2(cx, EVP_aes_256_gcm(), kek, nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(cx, NULL, &outl, p, (int)head) != 1 ||
	    EVP_DecryptUpdate(cx, pt, &outl, ct, (int)ctlen) != 1 ||
	    (uint32_t)outl != ctlen ||
	    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
	    tagbuf) != 1) {
		fe_err_ssl(err, "key file %s: AES-256-GCM decryption failed",
		    name);
		goto out;
	}
	if (EVP_DecryptFinal_ex(cx, pt + outl, &outl) != 1) {
		ERR_clear_error();
		fe_err_set(err, "key file %s: authentication failed: wrong "
		    "key-encryption key or the file was changed", name);
		goto out;
	}
	q = pt;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)ctlen);
	if (p8 == NULL || q != pt + ctlen) {
		fe_err_ssl(err, "key file %s: the decrypted key is not one "
		    "PKCS#8 DER structure", name);
		goto out;
	}
	if ((pk = EVP_PKCS82PKEY(p8)) == NULL) {
		fe_err_ssl(err, "key file %s: the PKCS#8 key cannot be loaded",
		    name);
		goto out;
	}
	/* libcrypto loads some malformed keys it cannot write again (an EC
	 * private key longer than the group order, fuzz_keyfile found):
	 * such a key is not one a ceremony sealed. */
	PKCS8_PRIV_KEY_INFO_free(p8);
	if ((p8 = EVP_PKEY2PKCS8(pk)) == NULL) {
		fe_err_ssl(err, "key file %s: the decrypted key does not encode "
		    "again as PKCS#8: it is malformed", name);
		EVP_PKEY_free(pk);
		pk = NULL;
	}
out:
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ctlen);
		free(pt);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_CIPHER_CTX_free(cx);
	return pk;
}

EVP_PKEY *
keyfile_open(const uint8_t kek[KEK_LEN],
    const uint8_t ceremony[CEREMONY_ID_LEN], const char *label,
    const char *path, struct fe_err *err)
{
	uint8_t *p = fe_malloc(KEYFILE_MAX + 1);
	EVP_PKEY *pk = NULL;
	size_t len = 0;

	if (read_capped("key file", path, p, KEYFILE_MAX, &len, err) == 0)
		pk = keyfile_decode(kek, ceremony, label, path, p, len, err);
	free(p);
	return pk;
}
