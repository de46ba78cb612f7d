/*
 * buf.c - bounded buffers and failing-on-short-input cursors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "err.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
reserve(struct buf *b, size_t extra)
{
	size_t need, ncap;

	if (extra > b->max || b->len > b->max - extra)
		return -1;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap < need)
		ncap = need;
	b->p = fe_realloc(b->p, ncap + 1);
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (reserve(b, n) != 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int
buf_add_u8(struct buf *b, uint8_t v)
{
	return buf_add(b, &v, 1);
}

int
buf_add_u16be(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return buf_add(b, x, 2);
}

int
buf_add_u32be(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };
	return buf_add(b, x, 4);
}

int
buf_add_u64be(struct buf *b, uint64_t v)
{
	if (buf_add_u32be(b, (uint32_t)(v >> 32)) != 0)
		return -1;
	return buf_add_u32be(b, (uint32_t)v);
}

int
buf_add_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (reserve(b, (size_t)n + 1) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_cstr(struct buf *b)
{
	if (b->p == NULL) {
		b->p = fe_malloc(1);
		b->cap = 0;
	}
	/* reserve() always keeps one spare byte past cap. */
	b->p[b->len] = '\0';
	return 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
buf_wipe(struct buf *b)
{
	if (b->p != NULL)
		OPENSSL_cleanse(b->p, b->cap + 1);
	buf_free(b);
}

void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

int
rd_bytes(struct rd *r, size_t n, const uint8_t **out)
{
	if (rd_left(r) < n)
		return -1;
	*out = r->p + r->off;
	r->off += n;
	return 0;
}

int
rd_copy(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (rd_bytes(r, n, &p) != 0)
		return -1;
	memcpy(dst, p, n);
	return 0;
}

int
rd_u8(struct rd *r, uint8_t *v)
{
	return rd_copy(r, v, 1);
}

int
rd_u16be(struct rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, 2, &p) != 0)
		return -1;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return 0;
}

int
rd_u32be(struct rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (rd_bytes(r, 4, &p) != 0)
		return -1;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
	return 0;
}

int
rd_u64be(struct rd *r, uint64_t *v)
{
	uint32_t hi, lo;
	size_t save = r->off;

	if (rd_u32be(r, &hi) != 0)
		return -1;
	if (rd_u32be(r, &lo) != 0) {
		r->off = save;
		return -1;
	}
	*v = ((uint64_t)hi << 32) | lo;
	return 0;
}

int
rd_line(struct rd *r, size_t max, const char **line, size_t *len)
{
	const uint8_t *start, *nl;
	size_t n, left = rd_left(r);

	if (left == 0)
		return -1;
	start = r->p + r->off;
	nl = memchr(start, '\n', left);
	n = nl ? (size_t)(nl - start) : left;
	if (n > max)
		return -1;
	r->off += n + (nl ? 1 : 0);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	*line = (const char *)start;
	*len = n;
	return 0;
}

char *
text_quote(const char *s, size_t len, size_t max_in, char q, char *out,
    size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (outlen < 8)
		fe_fatal("text_quote: buffer of %zu bytes", outlen);
	for (i = 0; i < len; i++) {
		/* room for the longest escape, "..." and NUL */
		if (i == max_in || o + 4 + 4 > outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		c = (unsigned char)s[i];
		if (c == (unsigned char)q || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (slen != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	size_t n, j, at = *i;
	uint32_t v;

	if (at >= len)
		return -1;
	if (s[at] < 0x80) {
		*cp = s[at];
		*i = at + 1;
		return 0;
	}
	if ((s[at] & 0xe0) == 0xc0) {
		n = 1;
		v = s[at] & 0x1f;
	} else if ((s[at] & 0xf0) == 0xe0) {
		n = 2;
		v = s[at] & 0x0f;
	} else if ((s[at] & 0xf8) == 0xf0) {
		n = 3;
		v = s[at] & 0x07;
	} else {
		return -1;
	}
	if (len - at - 1 < n)
		return -1;
	for (j = 1; j <= n; j++) {
		if ((s[at + j] & 0xc0) != 0x80)
			return -1;
		v = v << 6 | (s[at + j] & 0x3f);
	}
	if ((n == 1 && v < 0x80) || (n == 2 && v < 0x800) ||
	    (n == 3 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i = at + n + 1;
	return 0;
}
