/*
 * baseline.c - reading, verifying and writing STATE/baseline (format in
 * baseline.h).  The reader treats the file as hostile: every line is
 * bounded, the item count and order are checked, and the signature is
 * verified before any item is believed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "watch/baseline.h"

#define SIG_CONTEXT "foureyes-baseline-v1 "

static char *
state_path(const char *state, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", state, name) < 0)
		fe_fatal("out of memory");
	return p;
}

int
baseline_keygen(const char *state, struct fe_err *err)
{
	EVP_PKEY *k = NULL;
	char *kp = state_path(state, "baseline.key");
	char *pp = state_path(state, "baseline.pub");
	FILE *f = NULL;
	int fd, rc = -1;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		fe_err_ssl(err, "baseline key: generating Ed25519");
		goto out;
	}
	fd = open(kp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fe_err_sys(err, "%s", kp);
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		fe_err_sys(err, "%s", kp);
		goto out;
	}
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1) {
		fe_err_ssl(err, "%s: writing", kp);
		goto out;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fe_err_sys(err, "%s", kp);
		goto out;
	}
	fclose(f);
	f = fopen(pp, "wx");
	if (f == NULL) {
		fe_err_sys(err, "%s", pp);
		goto out;
	}
	if (PEM_write_PUBKEY(f, k) != 1) {
		fe_err_ssl(err, "%s: writing", pp);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	EVP_PKEY_free(k);
	free(kp);
	free(pp);
	return rc;
}

static EVP_PKEY *
load_key(const char *state, bool priv, struct fe_err *err)
{
	char *p = state_path(state, priv ? "baseline.key" : "baseline.pub");
	FILE *f = fopen(p, "r");
	EVP_PKEY *k = NULL;

	if (f == NULL) {
		fe_err_sys(err, "%s", p);
		free(p);
		return NULL;
	}
	k = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) :
	    PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		fe_err_ssl(err, "%s: not an Ed25519 key", p);
		EVP_PKEY_free(k);
		k = NULL;
	}
	free(p);
	return k;
}

static void
sig_message(const uint8_t digest[32], char out[sizeof(SIG_CONTEXT) + 64])
{
	size_t l = strlen(SIG_CONTEXT);

	memcpy(out, SIG_CONTEXT, l);
	hex_encode(digest, 32, out + l);
}

int
baseline_write(const char *state, struct baseline *b, const char *reason,
    struct fe_err *err)
{
	EVP_PKEY *k = load_key(state, true, err);
	EVP_MD_CTX *ctx = NULL;
	char *path = state_path(state, "baseline");
	char *tmp = state_path(state, "baseline.tmp");
	char tstr[FE_TIME_STR], msg[sizeof(SIG_CONTEXT) + 64], hex[65];
	uint8_t sig[64], digest[32];
	size_t siglen = sizeof(sig), i;
	struct buf out;
	unsigned char b64[100];
	int fd = -1, rc = -1;

	buf_init(&out, BASELINE_MAX_BYTES);
	if (k == NULL)
		goto done;
	wset_sort(&b->items);
	b->written = fe_now_sec();
	fe_time_format_sec(b->written, tstr);
	if (buf_printf(&out, "foureyes-baseline v1\nhost: %s\ngeneration: %llu\n"
	    "written: %s\nreason: %s\nitems: %zu\n\n", b->host,
	    (unsigned long long)(b->generation + 1), tstr, reason,
	    b->items.n) < 0)
		goto toolarge;
	for (i = 0; i < b->items.n; i++)
		if (buf_add_str(&out, b->items.v[i].key) < 0 ||
		    buf_add_u8(&out, '\t') < 0 ||
		    buf_add_str(&out, b->items.v[i].val) < 0 ||
		    buf_add_u8(&out, '\n') < 0)
			goto toolarge;
	if (EVP_Digest(out.p, out.len, digest, NULL, EVP_sha256(), NULL) != 1)
		fe_fatal("SHA-256 failed");
	sig_message(digest, msg);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const uint8_t *)msg,
	    strlen(msg)) != 1) {
		fe_err_ssl(err, "baseline: signing");
		goto done;
	}
	EVP_EncodeBlock(b64, sig, (int)siglen);
	hex_encode(digest, 32, hex);
	if (buf_printf(&out, "sha256: %s\nsig: %s\n", hex, b64) < 0)
		goto toolarge;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fe_err_sys(err, "%s", tmp);
		goto done;
	}
	for (i = 0; i < out.len;) {
		ssize_t w = write(fd, out.p + i, out.len - i);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fe_err_sys(err, "%s: writing", tmp);
			goto done;
		}
		i += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		fe_err_sys(err, "%s: syncing", tmp);
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		fe_err_sys(err, "%s: renaming to %s", tmp, path);
		goto done;
	}
	if ((fd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
		fd = -1;
	}
	b->generation++;
	free(b->reason);
	b->reason = fe_strdup(reason);
	memcpy(b->digest, digest, 32);
	rc = 0;
	goto done;
toolarge:
	fe_err_set(err, "baseline: larger than %zu bytes", BASELINE_MAX_BYTES);
done:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	buf_free(&out);
	free(path);
	free(tmp);
	return rc;
}

/* "name: value" with the exact name; value up to the newline. */
static int
header(struct rd *r, const char *fname, const char *name, const char **v,
    size_t *vl, size_t *lineno, struct fe_err *err)
{
	const char *line;
	size_t len, nl = strlen(name);

	(*lineno)++;
	if (rd_line(r, 4096, &line, &len) < 0 || len < nl + 2 ||
	    memcmp(line, name, nl) != 0 || line[nl] != ':' ||
	    line[nl + 1] != ' ')
		return fe_err_set(err, "%s line %zu: expected '%s: ...'",
		    fname, *lineno, name);
	*v = line + nl + 2;
	*vl = len - nl - 2;
	return 0;
}

static int
parse_u64(const char *v, size_t vl, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (vl == 0 || vl > 19 || (vl > 1 && v[0] == '0'))
		return -1;
	for (i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

static bool
printable(const char *p, size_t n, bool tab_ok)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && !(tab_ok && p[i] == '\t')) ||
		    (unsigned char)p[i] == 0x7f)
			return false;
	return true;
}

int
baseline_parse(const char *name, const uint8_t *p, size_t len,
    const uint8_t *pub_raw, struct baseline *b, struct fe_err *err)
{
	struct rd r;
	const char *v, *line;
	size_t vl, lineno = 0, i, body_end;
	uint64_t n, gen;
	char tbuf[FE_TIME_STR];
	uint8_t digest[32], want[32], sig[66];
	struct baseline nb;
	int rc = FE_EINVAL;

	memset(&nb, 0, sizeof(nb));
	/* lines end in "\n" alone: the line reader would quietly drop a
	 * "\r" before it, which fe-watch never writes */
	if (memchr(p, '\r', len) != NULL) {
		fe_err_set(err, "%s: a carriage return (fe-watch writes lines "
		    "ending in a newline only)", name);
		goto out;
	}
	rd_init(&r, p, len);
	lineno++;
	if (rd_line(&r, 64, &line, &vl) < 0 || vl != 20 ||
	    memcmp(line, "foureyes-baseline v1", 20) != 0) {
		fe_err_set(err, "%s line 1: not a foureyes baseline (expected "
		    "'foureyes-baseline v1')", name);
		goto out;
	}
	if (header(&r, name, "host", &v, &vl, &lineno, err) < 0)
		goto out;
	if (vl == 0 || vl > 64 || !printable(v, vl, false)) {
		fe_err_set(err, "%s line %zu: bad host", name, lineno);
		goto out;
	}
	nb.host = fe_strndup(v, vl);
	if (header(&r, name, "generation", &v, &vl, &lineno, err) < 0)
		goto out;
	if (parse_u64(v, vl, UINT64_MAX / 2, &gen) < 0) {
		fe_err_set(err, "%s line %zu: bad generation", name, lineno);
		goto out;
	}
	nb.generation = gen;
	if (header(&r, name, "written", &v, &vl, &lineno, err) < 0)
		goto out;
	if (vl >= sizeof(tbuf)) {
		fe_err_set(err, "%s line %zu: bad time", name, lineno);
		goto out;
	}
	memcpy(tbuf, v, vl);
	tbuf[vl] = '\0';
	if (fe_time_parse(tbuf, &nb.written) < 0) {
		fe_err_set(err, "%s line %zu: bad time '%s'", name, lineno,
		    tbuf);
		goto out;
	}
	if (header(&r, name, "reason", &v, &vl, &lineno, err) < 0)
		goto out;
	if (!printable(v, vl, false)) {
		fe_err_set(err, "%s line %zu: bad reason", name, lineno);
		goto out;
	}
	nb.reason = fe_strndup(v, vl);
	if (header(&r, name, "items", &v, &vl, &lineno, err) < 0)
		goto out;
	if (parse_u64(v, vl, BASELINE_MAX_ITEMS, &n) < 0) {
		fe_err_set(err, "%s line %zu: bad item count (at most %d)",
		    name, lineno, BASELINE_MAX_ITEMS);
		goto out;
	}
	lineno++;
	if (rd_line(&r, 1, &line, &vl) < 0 || vl != 0) {
		fe_err_set(err, "%s line %zu: expected an empty line", name,
		    lineno);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *tab;

		lineno++;
		if (rd_line(&r, ITEM_MAX_KEY + ITEM_MAX_VAL + 2, &line,
		    &vl) < 0) {
			fe_err_set(err, "%s line %zu: item %zu of %llu is "
			    "missing or too long", name, lineno, i + 1,
			    (unsigned long long)n);
			goto out;
		}
		tab = memchr(line, '\t', vl);
		if (tab == NULL || tab == line ||
		    (size_t)(tab - line) > ITEM_MAX_KEY ||
		    memchr(tab + 1, '\t', vl - (size_t)(tab - line) - 1) ||
		    !printable(line, vl, true)) {
			fe_err_set(err, "%s line %zu: expected KEY<tab>VALUE",
			    name, lineno);
			goto out;
		}
		wset_add_take(&nb.items, fe_strndup(line,
		    (size_t)(tab - line)), fe_strndup(tab + 1,
		    vl - (size_t)(tab - line) - 1));
		if (nb.items.n > 1 && strcmp(nb.items.v[nb.items.n - 2].key,
		    nb.items.v[nb.items.n - 1].key) >= 0) {
			fe_err_set(err, "%s line %zu: items out of order or "
			    "repeated", name, lineno);
			goto out;
		}
	}
	body_end = len - rd_left(&r);
	if (header(&r, name, "sha256", &v, &vl, &lineno, err) < 0)
		goto out;
	if (vl != 64 || hex_decode(v, 64, want, 32) < 0) {
		fe_err_set(err, "%s line %zu: bad digest", name, lineno);
		goto out;
	}
	if (EVP_Digest(p, body_end, digest, NULL, EVP_sha256(), NULL) != 1)
		fe_fatal("SHA-256 failed");
	if (CRYPTO_memcmp(digest, want, 32) != 0) {
		fe_err_set(err, "%s: the content does not match its sha256 "
		    "line (edited after it was written)", name);
		goto out;
	}
	if (header(&r, name, "sig", &v, &vl, &lineno, err) < 0)
		goto out;
	if (vl != 88 || EVP_DecodeBlock(sig, (const uint8_t *)v, 88) != 66) {
		fe_err_set(err, "%s line %zu: bad signature encoding", name,
		    lineno);
		goto out;
	}
	if (rd_left(&r) != 0) {
		fe_err_set(err, "%s: bytes after the signature", name);
		goto out;
	}
	if (p[len - 1] != '\n') {
		/* rd_line() takes a last line without its newline; the
		 * writer always ends with one */
		fe_err_set(err, "%s line %zu: cut short (no newline after the "
		    "signature)", name, lineno);
		goto out;
	}
	if (pub_raw != NULL) {
		EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519,
		    NULL, pub_raw, 32);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		char msg[sizeof(SIG_CONTEXT) + 64];
		int ok;

		if (k == NULL || ctx == NULL)
			fe_fatal("Ed25519 unavailable");
		sig_message(digest, msg);
		ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
		    EVP_DigestVerify(ctx, sig, 64, (const uint8_t *)msg,
		    strlen(msg)) == 1;
		EVP_MD_CTX_free(ctx);
		EVP_PKEY_free(k);
		if (!ok) {
			fe_err_set(err, "%s: the signature does not verify "
			    "with baseline.pub (not written by fe-watch)",
			    name);
			goto out;
		}
	}
	memcpy(nb.digest, digest, 32);
	nb.items.sorted = true;
	*b = nb;
	return 0;
out:
	baseline_clear(&nb);
	return rc;
}

int
baseline_read(const char *state, struct baseline *b, struct fe_err *err)
{
	char *path = state_path(state, "baseline");
	uint8_t *p = NULL, pub[32];
	size_t len, publen = 32;
	EVP_PKEY *k = load_key(state, false, err);
	int rc = -1;

	if (k == NULL)
		goto out;
	if (EVP_PKEY_get_raw_public_key(k, pub, &publen) != 1 ||
	    publen != 32) {
		fe_err_ssl(err, "%s/baseline.pub", state);
		goto out;
	}
	if ((rc = fe_read_file(path, BASELINE_MAX_BYTES, &p, &len, err)) < 0)
		goto out;
	rc = baseline_parse(path, p, len, pub, b, err);
out:
	EVP_PKEY_free(k);
	free(p);
	free(path);
	return rc;
}

void
baseline_clear(struct baseline *b)
{
	wset_free(&b->items);
	free(b->host);
	free(b->reason);
	memset(b, 0, sizeof(*b));
}
