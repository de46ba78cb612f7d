/*
 * cobs.c - the byte layer under the link's frames (docs/link-protocol.md,
 * section 2): Consistent Overhead Byte Stuffing (Cheshire and Baker 1999),
 * which takes every 0x00 out of a frame body so that 0x00 only ever
 * delimits frames, and the deframer, which cuts the byte stream from the
 * line into runs at each 0x00.
 *
 * Trusts nothing it reads: the deframer never holds more than LINK_MAX_WIRE
 * bytes (a longer run is dropped up to the next 0x00 and counted) and
 * cobs_decode() checks every code against the end of its input and the room
 * in its output.  It knows nothing of the body: length, CRC and MAC are
 * frame.c's.
 *
 * The encoder writes the short form of a final block of 254 non-zero bytes
 * (0xFF and the bytes, with no empty 0x01 block after it), as most COBS
 * libraries do; the decoder also accepts the long form of the 1999 paper.
 * Both decode to the same body, which the CRC and the MAC cover, so the
 * choice has no bearing on what is accepted.
 */
#include <limits.h>
#include <string.h>

#include "link/frame.h"

/* A block: a code byte c (1..255), then c - 1 non-zero bytes; a block with
 * c < 255 that is not the last stands for its bytes followed by 0x00. */
#define COBS_FULL 0xFF

size_t
cobs_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t code_at = 0, o = 1, i;
	uint8_t code = 1;

	for (i = 0; i < n; i++) {
		if (in[i] == 0) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
			continue;
		}
		out[o++] = in[i];
		/* A full block ends without a 0x00; the next starts only if
		 * there is more input (the short form). */
		if (++code == COBS_FULL && i + 1 < n) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = code;
	return o;
}

long
cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t outmax)
{
	size_t i = 0, o = 0, run;
	uint8_t code;

	/* Even an empty body encodes as one block (0x01). */
	if (n == 0 || n > LONG_MAX)
		return -1;
	while (i < n) {
		code = in[i++];
		if (code == 0)
			return -1;
		run = (size_t)code - 1;
		if (run > n - i || run > outmax - o)
			return -1;
		if (memchr(in + i, 0, run) != NULL)
			return -1;
		memcpy(out + o, in + i, run);
		i += run;
		o += run;
		if (code != COBS_FULL && i < n) {
			if (o == outmax)
				return -1;
			out[o++] = 0;
		}
	}
	return (long)o;
}

void
deframer_init(struct deframer *d)
{
	memset(d, 0, sizeof(*d));
}

/*
 * Runs of no bytes (two 0x00 in a row, or a 0x00 a sender puts first to end
 * any noise before its frame) are not passed on.  cb gets d->buf, which is
 * reused after it returns; it must not feed or reset d itself.
 */
void
deframer_feed(struct deframer *d, const uint8_t *p, size_t n, deframer_cb cb,
    void *arg)
{
	const uint8_t *z;
	size_t run;

	while (n > 0) {
		z = memchr(p, 0, n);
		run = z != NULL ? (size_t)(z - p) : n;
		if (!d->overflow) {
			if (run > sizeof(d->buf) - d->len) {
				/* Longer than any frame: noise up to the next
				 * 0x00, counted once. */
				d->overflow = true;
				d->overflows++;
				d->len = 0;
			} else {
				memcpy(d->buf + d->len, p, run);
				d->len += run;
			}
		}
		if (z == NULL)
			return;
		if (!d->overflow && d->len > 0)
			cb(d->buf, d->len, arg);
		d->overflow = false;
		d->len = 0;
		p = z + 1;
		n -= run + 1;
	}
}
