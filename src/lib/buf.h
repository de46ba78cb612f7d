/*
 * buf.h - bounded growable buffers and read cursors.
 *
 * Every growable buffer has a maximum size fixed at init; appends past it fail
 * instead of growing without bound.  Untrusted bytes are read through a
 * struct rd cursor whose every read fails on short input and never moves the
 * cursor on failure.
 */
#ifndef FE_BUF_H
#define FE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
/* Append n bytes; -1 (buffer unchanged) if that passes the maximum. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_add_u8(struct buf *b, uint8_t v);
int buf_add_u16be(struct buf *b, uint16_t v);
int buf_add_u32be(struct buf *b, uint32_t v);
int buf_add_u64be(struct buf *b, uint64_t v);
int buf_add_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make sure a NUL follows the content (not counted in len). */
int buf_cstr(struct buf *b);
void buf_reset(struct buf *b);
/* Free; buf_wipe also clears the bytes first (for secrets). */
void buf_free(struct buf *b);
void buf_wipe(struct buf *b);

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void rd_init(struct rd *r, const void *p, size_t len);
size_t rd_left(const struct rd *r);
int rd_u8(struct rd *r, uint8_t *v);
int rd_u16be(struct rd *r, uint16_t *v);
int rd_u32be(struct rd *r, uint32_t *v);
int rd_u64be(struct rd *r, uint64_t *v);
/* Point *out at the next n bytes. */
int rd_bytes(struct rd *r, size_t n, const uint8_t **out);
int rd_copy(struct rd *r, void *dst, size_t n);
/*
 * Next line without its "\n" (and without a "\r" before it).  A last line
 * without "\n" is returned too.  Fails at the end of input and for a line
 * longer than max bytes.
 */
int rd_line(struct rd *r, size_t max, const char **line, size_t *len);

/* Hex helpers: lower-case, out must hold 2*n+1 bytes. */
void hex_encode(const uint8_t *p, size_t n, char *out);

/* The code point of the UTF-8 sequence at s[*i] (s has len bytes), *i
 * moved past it; -1 if it is not UTF-8 as RFC 3629 defines it (shortest
 * form, no surrogates, at most U+10FFFF). */
int utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp);
/* Decode exactly 2*n hex digits into n bytes; -1 on anything else. */
int hex_decode(const char *s, size_t slen, uint8_t *out, size_t n);

/*
 * s[0..len) for a message: printable ASCII as is, the quote character q
 * and '\\' escaped with '\\', any other byte as \\xNN; cut with "..."
 * after max_in bytes of s, or before out (outlen >= 8) would overflow.
 * Returns out.
 */
char *text_quote(const char *s, size_t len, size_t max_in, char q,
    char *out, size_t outlen);

#endif
