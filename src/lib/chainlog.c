/*
 * chainlog.c - the hash-chained append-only log (see chainlog.h).
 *
 * Trusts nothing in the file it opens: every line is parsed with caps and
 * re-hashed, and the chain is checked before the first append.  Writes go
 * through O_APPEND and are made durable with fdatasync before the append
 * reports success; a log whose write failed half way is marked broken and
 * takes no more appends until it is reopened (which cuts the torn line).
 * Records appended without a sync wait in memory (up to PEND_MAX bytes)
 * and go out in one write with the next clog_sync() or clog_close(): one
 * system call per group instead of one per record.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "buf.h"
#include "chainlog.h"
#include "digest.h"
#include "file.h"

#define DOMAIN "foureyes-log-v1\n"
#define PEND_MAX (256 * 1024)

struct clog {
	char *path;
	int fd;
	uint64_t seq;
	uint8_t head[32];
	bool broken;
	struct buf line;
	struct buf pend;             /* records not yet written */
};

static bool
type_ok(const char *t, size_t n)
{
	size_t i;

	if (n == 0 || n > CLOG_MAX_TYPE)
		return false;
	for (i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool
plain(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '%';
}

static void
line_hash(const char *line, size_t len, uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;

	if (ctx == NULL ||
	    EVP_DigestInit_ex(ctx, fe_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, DOMAIN, sizeof(DOMAIN) - 1) != 1 ||
	    EVP_DigestUpdate(ctx, line, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1)
		fe_fatal("SHA-256 failed");
	EVP_MD_CTX_free(ctx);
}

void
clog_rec_clear(struct clog_rec *r)
{
	free(r->payload);
	memset(r, 0, sizeof(*r));
}

/* Split at tabs: exactly 6 fields. */
int
clog_parse_line(const char *line, size_t len, struct clog_rec *r,
    struct fe_err *err)
{
	const char *f[6];
	size_t flen[6], i, k, nf = 0, start = 0;
	uint64_t seq = 0;
	struct buf pl;
	int64_t t;
	char tbuf[FE_TIME_STR];

	memset(r, 0, sizeof(*r));
	if (len > CLOG_MAX_LINE)
		return fe_err_set(err, "record longer than %d bytes",
		    CLOG_MAX_LINE);
	for (i = 0; i <= len; i++) {
		if (i == len || line[i] == '\t') {
			if (nf == 6)
				return fe_err_set(err, "more than 6 fields");
			f[nf] = line + start;
			flen[nf] = i - start;
			nf++;
			start = i + 1;
		}
	}
	if (nf != 6)
		return fe_err_set(err, "%zu fields instead of 6", nf);
	/* seq: 1..20 digits, no leading zero */
	if (flen[0] == 0 || flen[0] > 20 || f[0][0] == '0')
		return fe_err_set(err, "sequence number is not a positive "
		    "number");
	for (i = 0; i < flen[0]; i++) {
		unsigned d = (unsigned)(f[0][i] - '0');
		if (d > 9 || seq > (UINT64_MAX - d) / 10)
			return fe_err_set(err, "sequence number is not a "
			    "positive number");
		seq = seq * 10 + d;
	}
	/* time: YYYY-MM-DDTHH:MM:SS.uuuuuuZ.  A NUL would make
	 * fe_time_parse() see only "YYYY-MM-DD" and pass what follows. */
	if (flen[1] != 27 || memchr(f[1], '\0', 27) != NULL ||
	    f[1][19] != '.' || f[1][26] != 'Z')
		return fe_err_set(err, "time is not RFC 3339 UTC with "
		    "microseconds");
	memcpy(tbuf, f[1], 19);
	tbuf[19] = 'Z';
	tbuf[20] = '\0';
	if (fe_time_parse(tbuf, &t) != 0)
		return fe_err_set(err, "time is not a valid date");
	for (i = 20; i < 26; i++)
		if (f[1][i] < '0' || f[1][i] > '9')
			return fe_err_set(err, "time has bad microseconds");
	if (!type_ok(f[2], flen[2]))
		return fe_err_set(err, "type is not [a-z0-9._-]{1,%d}",
		    CLOG_MAX_TYPE);
	if (hex_decode(f[4], flen[4], r->prev, 32) != 0)
		return fe_err_set(err, "previous hash is not 64 hex digits");
	if (hex_decode(f[5], flen[5], r->hash, 32) != 0)
		return fe_err_set(err, "hash is not 64 hex digits");
	buf_init(&pl, CLOG_MAX_PAYLOAD);
	for (k = 0; k < flen[3]; k++) {
		uint8_t c = (uint8_t)f[3][k], v;
		if (c == '%') {
			if (k + 2 >= flen[3]) {
				buf_free(&pl);
				return fe_err_set(err, "payload has a cut "
				    "%%XX escape");
			}
			if (hex_decode(f[3] + k + 1, 2, &v, 1) != 0) {
				buf_free(&pl);
				return fe_err_set(err, "payload has a bad "
				    "%%XX escape");
			}
			if (plain(v)) {
				buf_free(&pl);
				return fe_err_set(err, "payload escapes a "
				    "byte that must be written plain");
			}
			k += 2;
		} else if (plain(c)) {
			v = c;
		} else {
			buf_free(&pl);
			return fe_err_set(err, "payload has an unescaped "
			    "byte 0x%02x", c);
		}
		if (buf_add_u8(&pl, v) != 0) {
			buf_free(&pl);
			return fe_err_set(err, "payload longer than %d bytes",
			    CLOG_MAX_PAYLOAD);
		}
	}
	buf_cstr(&pl);
	r->seq = seq;
	memcpy(r->time, f[1], flen[1]);
	r->time[flen[1]] = '\0';
	memcpy(r->type, f[2], flen[2]);
	r->type[flen[2]] = '\0';
	r->payload = pl.p;
	r->len = pl.len;
	line_hash(line, (size_t)(f[5] - line) - 1, r->computed);
	return 0;
}

/* One parsed line plus where it was. */
struct pline {
	struct clog_rec r;
	size_t lineno;
};

static void
plines_free(struct pline *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		clog_rec_clear(&v[i].r);
	free(v);
}

static long
find_seq(const struct pline *v, size_t from, size_t n, uint64_t seq)
{
	size_t i;

	for (i = from; i < n; i++)
		if (v[i].r.seq == seq)
			return (long)i;
	return -1;
}

int
clog_verify_mem(const char *name, const uint8_t *p, size_t len,
    const uint8_t *expect_head, struct clog_summary *out, struct fe_err *err)
{
	struct pline *v = NULL;
	size_t n = 0, cap = 0, i, lineno = 0;
	struct rd r;
	const char *line;
	size_t llen;
	uint8_t last[32] = { 0 };
	uint64_t expect = 1;
	struct fe_err perr;
	struct clog_summary sum;
	char hx[65], hy[65];
	int rc = FE_EINVAL;
	long j;

	memset(&sum, 0, sizeof(sum));
	if (len > 0 && p[len - 1] != '\n')
		sum.torn_tail = true;
	rd_init(&r, p, len);
	while (rd_left(&r) > 0) {
		lineno++;
		if (rd_line(&r, CLOG_MAX_LINE, &line, &llen) != 0) {
			fe_err_set(err, "%s: line %zu: longer than %d bytes: "
			    "not a log record", name, lineno, CLOG_MAX_LINE);
			goto out;
		}
		if (n == cap) {
			/* geometric growth: one realloc per record made
			 * reading a 40,000-record log take minutes under ASan */
			cap = cap ? cap * 2 : 256;
			v = fe_realloc(v, cap * sizeof(*v));
		}
		v[n].lineno = lineno;
		if (clog_parse_line(line, llen, &v[n].r, &perr) != 0) {
			fe_err_set(err, "%s: line %zu: record is malformed "
			    "(%s): changed or inserted by hand", name, lineno,
			    perr.msg);
			goto out;
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		struct clog_rec *c = &v[i].r;
		size_t ln = v[i].lineno;

		if (CRYPTO_memcmp(c->hash, c->computed, 32) != 0) {
			fe_err_set(err, "%s: record %llu (line %zu) was "
			    "changed: its hash does not match its content",
			    name, (unsigned long long)c->seq, ln);
			goto out;
		}
		if (c->seq == expect) {
			if (CRYPTO_memcmp(c->prev, last, 32) != 0) {
				fe_err_set(err, "%s: record %llu (line %zu) "
				    "does not chain to the record before it: "
				    "changed, replaced or inserted", name,
				    (unsigned long long)c->seq, ln);
				goto out;
			}
			memcpy(last, c->hash, 32);
			expect++;
			continue;
		}
		/* Out of sequence: tell insertion, reordering, removal apart. */
		if (c->seq < expect && (j = find_seq(v, 0, i, c->seq)) >= 0) {
			fe_err_set(err, "%s: record %llu appears twice (lines "
			    "%zu and %zu): a record was inserted", name,
			    (unsigned long long)c->seq, v[j].lineno, ln);
			goto out;
		}
		j = find_seq(v, i + 1, n, expect);
		if (j >= 0) {
			fe_err_set(err, "%s: records were reordered: record "
			    "%llu (line %zu) comes before record %llu "
			    "(line %zu)", name, (unsigned long long)c->seq,
			    ln, (unsigned long long)expect, v[j].lineno);
			goto out;
		}
		if (c->seq < expect) {
			fe_err_set(err, "%s: record %llu (line %zu) is out of "
			    "place after record %llu: inserted or reordered",
			    name, (unsigned long long)c->seq, ln,
			    (unsigned long long)(expect - 1));
			goto out;
		}
		if (c->seq == expect + 1)
			fe_err_set(err, "%s: record %llu is missing (before "
			    "line %zu): removed", name,
			    (unsigned long long)expect, ln);
		else
			fe_err_set(err, "%s: records %llu to %llu are missing "
			    "(before line %zu): removed", name,
			    (unsigned long long)expect,
			    (unsigned long long)(c->seq - 1), ln);
		goto out;
	}
	if (expect_head != NULL && CRYPTO_memcmp(expect_head, last, 32) != 0) {
		hex_encode(expect_head, 32, hx);
		hex_encode(last, 32, hy);
		fe_err_set(err, "%s: the log ends at record %llu with hash %s, "
		    "not at the expected head %s: records were removed from "
		    "the end or the log was rewritten", name,
		    (unsigned long long)(expect - 1), hy, hx);
		goto out;
	}
	sum.records = n;
	sum.last_seq = expect - 1;
	memcpy(sum.head, last, 32);
	if (out != NULL)
		*out = sum;
	rc = 0;
out:
	plines_free(v, n);
	return rc;
}

int
clog_verify_file(const char *path, const uint8_t *expect_head,
    struct clog_summary *out, struct fe_err *err)
{
	uint8_t *p;
	size_t len;
	int rc;

	if ((rc = fe_read_file(path, CLOG_MAX_FILE, &p, &len, err)) != 0)
		return rc;
	rc = clog_verify_mem(path, p, len, expect_head, out, err);
	free(p);
	return rc;
}

int
clog_read_file(const char *path, uint64_t from, clog_cb cb, void *arg,
    struct fe_err *err)
{
	uint8_t *p;
	size_t len, llen;
	const char *line;
	struct rd r;
	struct clog_rec rec;
	int rc;

	/* One read: the bytes handed out are the bytes that were verified. */
	if ((rc = fe_read_file(path, CLOG_MAX_FILE, &p, &len, err)) != 0)
		return rc;
	if ((rc = clog_verify_mem(path, p, len, NULL, NULL, err)) != 0) {
		free(p);
		return rc;
	}
	rd_init(&r, p, len);
	rc = 0;
	while (rc == 0 && rd_line(&r, CLOG_MAX_LINE, &line, &llen) == 0) {
		if (clog_parse_line(line, llen, &rec, err) != 0) {
			rc = FE_EINVAL;
			break;
		}
		if (rec.seq >= from)
			rc = cb(&rec, arg);
		clog_rec_clear(&rec);
	}
	free(p);
	return rc;
}

static int
sync_dir(const char *path, struct fe_err *err)
{
	char *copy = fe_strdup(path), *dir;
	int fd, rc = 0;

	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = fe_err_sys(err, "%s: cannot sync directory", dir);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int
clog_open(const char *path, struct clog **out, struct fe_err *err)
{
	struct clog *l;
	struct clog_summary sum;
	struct stat st;
	uint8_t *p = NULL;
	size_t len = 0, keep;
	bool created = false;
	int rc;

	l = fe_calloc(1, sizeof(*l));
	l->path = fe_strdup(path);
	buf_init(&l->line, CLOG_MAX_LINE + 1);
	buf_init(&l->pend, PEND_MAX + CLOG_MAX_LINE + 1);
	l->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (l->fd < 0 && errno == ENOENT) {
		l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0640);
		created = true;
	}
	if (l->fd < 0) {
		rc = fe_err_sys(err, "%s: cannot open log", path);
		goto fail;
	}
	if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
		rc = fe_err_code(err, FE_EBUSY, "%s: log is in use by another "
		    "process", path);
		goto fail;
	}
	if (created && (rc = sync_dir(path, err)) != 0)
		goto fail;
	if (fstat(l->fd, &st) != 0) {
		rc = fe_err_sys(err, "%s: cannot stat", path);
		goto fail;
	}
	if (st.st_size > 0) {
		if ((rc = fe_read_file(path, CLOG_MAX_FILE, &p, &len, err)) != 0)
			goto fail;
		keep = len;
		if (len > 0 && p[len - 1] != '\n') {
			/* Torn tail: keep up to the last complete line. */
			while (keep > 0 && p[keep - 1] != '\n')
				keep--;
		}
		if ((rc = clog_verify_mem(path, p, keep, NULL, &sum, err)) != 0) {
			fe_err_prefix(err, "log is damaged and will not be "
			    "appended to");
			goto fail;
		}
		if (keep != len) {
			if (ftruncate(l->fd, (off_t)keep) != 0 ||
			    fdatasync(l->fd) != 0) {
				rc = fe_err_sys(err, "%s: cannot cut torn last "
				    "record", path);
				goto fail;
			}
		}
		l->seq = sum.last_seq;
		memcpy(l->head, sum.head, 32);
		if (keep != len) {
			char note[128];
			fe_snprintf(note, sizeof(note), "cut %zu bytes of an "
			    "unfinished record at offset %zu", len - keep,
			    keep);
			if ((rc = clog_append(l, "log.torn-tail", note,
			    strlen(note), err)) != 0)
				goto fail;
		}
	}
	free(p);
	*out = l;
	return 0;
fail:
	free(p);
	clog_close(l);
	return rc;
}

static void
line_add(struct clog *l, const void *p, size_t n)
{
	if (buf_add(&l->line, p, n) != 0)
		fe_fatal("log line buffer");
}

/* Write the pending records; on failure the log is broken. */
static int
pend_write(struct clog *l, struct fe_err *err)
{
	size_t off;
	ssize_t w;

	for (off = 0; off < l->pend.len; off += (size_t)w) {
		w = write(l->fd, l->pend.p + off, l->pend.len - off);
		if (w < 0 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			l->broken = true;
			buf_reset(&l->pend);
			return fe_err_sys(err, "%s: cannot write log record",
			    l->path);
		}
	}
	buf_reset(&l->pend);
	return 0;
}

int
clog_append_nosync(struct clog *l, const char *type, const void *payload,
    size_t len, struct fe_err *err)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *pl = payload;
	char tbuf[FE_TIME_STR], hx[67], num[20], esc[3] = { '%', 0, 0 };
	uint8_t hash[32];
	size_t i, n, run, hashlen;
	uint64_t v;
	int rc;

	if (l->broken)
		return fe_err_code(err, FE_EIO, "%s: an earlier write failed; "
		    "reopen the log", l->path);
	if (!type_ok(type, strlen(type)))
		return fe_err_set(err, "log record type '%.40s' is not "
		    "[a-z0-9._-]{1,%d}", type, CLOG_MAX_TYPE);
	if (len > CLOG_MAX_PAYLOAD)
		return fe_err_set(err, "log record of %zu bytes is over the "
		    "%d byte limit", len, CLOG_MAX_PAYLOAD);
	/* Written piece by piece: this runs once per signed certificate,
	 * and a printf per field costs more than the rest. */
	buf_reset(&l->line);
	fe_time_format(fe_now(), tbuf);
	n = sizeof(num);
	v = l->seq + 1;
	do
		num[--n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	line_add(l, num + n, sizeof(num) - n);
	line_add(l, "\t", 1);
	line_add(l, tbuf, strlen(tbuf));
	line_add(l, "\t", 1);
	line_add(l, type, strlen(type));
	line_add(l, "\t", 1);
	for (i = 0; i < len; i += run) {
		for (run = 0; i + run < len && plain(pl[i + run]); run++)
			;
		if (run == 0) {
			esc[1] = digits[pl[i] >> 4];
			esc[2] = digits[pl[i] & 15];
			line_add(l, esc, 3);
			run = 1;
		} else {
			line_add(l, pl + i, run);
		}
	}
	hx[0] = '\t';
	hex_encode(l->head, 32, hx + 1);
	line_add(l, hx, 65);
	hashlen = l->line.len;
	line_hash((const char *)l->line.p, hashlen, hash);
	hex_encode(hash, 32, hx + 1);
	hx[65] = '\n';
	line_add(l, hx, 66);
	if (l->pend.len + l->line.len > PEND_MAX &&
	    (rc = pend_write(l, err)) != 0)
		return rc;
	if (buf_add(&l->pend, l->line.p, l->line.len) != 0)
		fe_fatal("log pending buffer");
	l->seq++;
	memcpy(l->head, hash, 32);
	return 0;
}

/* The pending records written, unless the log is broken. */
static int
pend_out(struct clog *l, struct fe_err *err)
{
	if (l->broken)
		return fe_err_code(err, FE_EIO, "%s: an earlier write failed",
		    l->path);
	return pend_write(l, err);
}

int
clog_start(struct clog *l, struct fe_err *err)
{
	int rc;

	if ((rc = pend_out(l, err)) != 0)
		return rc;
	/* only a head start: clog_sync() reports what this would */
	(void)sync_file_range(l->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

int
clog_sync(struct clog *l, struct fe_err *err)
{
	int rc;

	if ((rc = pend_out(l, err)) != 0)
		return rc;
	if (fdatasync(l->fd) != 0) {
		l->broken = true;
		return fe_err_sys(err, "%s: cannot sync log", l->path);
	}
	return 0;
}

int
clog_append(struct clog *l, const char *type, const void *payload,
    size_t len, struct fe_err *err)
{
	int rc;

	if ((rc = clog_append_nosync(l, type, payload, len, err)) != 0)
		return rc;
	return clog_sync(l, err);
}

uint64_t
clog_seq(const struct clog *l)
{
	return l->seq;
}

void
clog_head(const struct clog *l, uint8_t out[32])
{
	memcpy(out, l->head, 32);
}

const char *
clog_path(const struct clog *l)
{
	return l->path;
}

void
clog_close(struct clog *l)
{
	struct fe_err err;

	if (l == NULL)
		return;
	if (l->fd >= 0) {
		if (!l->broken)
			(void)pend_write(l, &err);
		close(l->fd);
	}
	buf_free(&l->line);
	buf_free(&l->pend);
	free(l->path);
	free(l);
}
