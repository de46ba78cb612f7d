/*
 * fuzz_frame.c - the byte stream from the line: arbitrary bytes through the
 * deframer (all at once and byte by byte, which must cut the same runs) and
 * every run through cobs_decode and frame_decode, as it is and with its
 * CRC made good.
 *
 * What COBS decodes must encode back to the same bytes (but for the long
 * form of a final full block, section 2).  A frame that decodes must encode
 * again, under the key of the seeds (bytes 0..31, as made by
 * mkcorpus_frame.c), to a wire form that decodes to the same fields, has
 * the same header and payload bytes as what came in, and a MAC that
 * verifies for the client and not for the signer; a frame whose own MAC
 * verifies under that key must encode to the very bytes it came in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t key[LINK_KEY_LEN];

struct cuts {
	size_t n;
	uint32_t sum;
};

static void
same_fields(const struct frame *a, const struct frame *b)
{
	if (a->type != b->type || a->session != b->session ||
	    a->seq != b->seq || a->ack != b->ack || a->sack != b->sack ||
	    a->len != b->len || memcmp(a->payload, b->payload, a->len) != 0)
		abort();
}

/* The re-encoding differs from what came in only in MAC and CRC: no field
 * was lost or changed on the way through struct frame. */
static void
same_header_payload(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, size_t plen)
{
	static uint8_t ba[LINK_MAX_BODY], bb[LINK_MAX_BODY];

	if (cobs_decode(a, alen, ba, sizeof(ba)) < 0 ||
	    cobs_decode(b, blen, bb, sizeof(bb)) < 0 ||
	    memcmp(ba, bb, LINK_HDR + plen) != 0)
		abort();
}

static void
check_cobs(const uint8_t *wire, size_t len)
{
	static uint8_t body[LINK_MAX_WIRE], enc[LINK_MAX_WIRE + 8];
	long n;
	size_t e;

	if ((n = cobs_decode(wire, len, body, sizeof(body))) < 0)
		return;
	if ((size_t)n >= len)
		abort();
	e = cobs_encode(body, (size_t)n, enc);
	if (e > len || memcmp(enc, wire, e) != 0)
		abort();
	if (e != len && !(e + 1 == len && wire[e] == 0x01))
		abort();
}

/* What decodes must encode to what decodes the same. */
static void
check_frame(const uint8_t *wire, size_t len)
{
	static struct frame f, g;
	static uint8_t again[LINK_MAX_WIRE];
	struct fe_err err;
	size_t w;

	if (frame_decode(wire, len, &f, &err) != FV_OK)
		return;
	w = frame_encode(&f, key, LINK_FROM_CLIENT, again);
	/* 0x00, COBS(body), 0x00: no other 0x00 */
	if (w < 3 || w > LINK_MAX_WIRE || again[0] != 0 ||
	    again[w - 1] != 0 || memchr(again + 1, 0, w - 2) != NULL)
		abort();
	if (frame_decode(again + 1, w - 2, &g, &err) != FV_OK)
		abort();
	same_fields(&f, &g);
	same_header_payload(wire, len, again + 1, w - 2, f.len);
	if (!frame_mac_ok(&g, key, LINK_FROM_CLIENT) ||
	    frame_mac_ok(&g, key, LINK_FROM_SIGNER))
		abort();
	if (frame_mac_ok(&f, key, LINK_FROM_CLIENT) &&
	    (w - 2 > len || memcmp(again + 1, wire, w - 2) != 0))
		abort();
}

static void
check_run(const uint8_t *wire, size_t len, void *arg)
{
	static uint8_t body[LINK_MAX_WIRE], fixed[LINK_MAX_WIRE + 8];
	struct cuts *c = arg;
	uint32_t crc;
	size_t e;
	long n;

	c->n++;
	c->sum = c->sum * 31 + crc32_ieee(wire, len);
	check_cobs(wire, len);
	check_frame(wire, len);

	/* Almost every change the fuzzer makes breaks the CRC, and what lies
	 * behind it would go unexplored: decode each run a second time with
	 * its CRC made good. */
	if ((n = cobs_decode(wire, len, body, sizeof(body))) < LINK_CRC)
		return;
	crc = crc32_ieee(body, (size_t)n - LINK_CRC);
	body[n - 4] = (uint8_t)(crc >> 24);
	body[n - 3] = (uint8_t)(crc >> 16);
	body[n - 2] = (uint8_t)(crc >> 8);
	body[n - 1] = (uint8_t)crc;
	e = cobs_encode(body, (size_t)n, fixed);
	check_frame(fixed, e);
}

static void
noop_run(const uint8_t *wire, size_t len, void *arg)
{
	struct cuts *c = arg;

	c->n++;
	c->sum = c->sum * 31 + crc32_ieee(wire, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct deframer d;
	struct cuts whole = { 0, 0 }, bytes = { 0, 0 };
	size_t i;

	for (i = 0; i < LINK_KEY_LEN; i++)
		key[i] = (uint8_t)i;

	deframer_init(&d);
	deframer_feed(&d, data, size, check_run, &whole);

	deframer_init(&d);
	for (i = 0; i < size; i++)
		deframer_feed(&d, data + i, 1, noop_run, &bytes);
	if (whole.n != bytes.n || whole.sum != bytes.sum)
		abort();
	return 0;
}
