/*
 * test_frame.c - the link's frames (docs/link-protocol.md, section 2): COBS
 * at its edges, CRC-32, the round trip of every type, a frame computed by
 * another implementation (Python's hmac and zlib), every rejection of
 * frame_decode, forged and reflected MACs, single bit errors on the wire,
 * and the deframer's cutting, resynchronisation and overflow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "link/frame.h"

static const uint8_t key_a[LINK_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t key_b[LINK_KEY_LEN] = { 0xb0, 0x0b };

/* A fixed pseudo-random sequence (xorshift64*), so that failures repeat. */
static uint64_t prng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
prng(void)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return (uint32_t)((prng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
fill_random(uint8_t *p, size_t n, unsigned zero_one_in)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)prng();
		if (zero_one_in != 0 && prng() % zero_one_in == 0)
			p[i] = 0;
	}
}

static void
make_frame(struct frame *f, uint8_t type, size_t len)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->type = type;
	f->session = 0x01020304u + type;
	f->seq = type == FT_DATA ? 7 : 0;
	f->ack = 0xfffffffeu;
	f->sack = 0x80000001u;
	f->len = (uint16_t)len;
	for (i = 0; i < len; i++)
		f->payload[i] = (uint8_t)(i * 7 + type);
}

static void
assert_same_frame(const struct frame *a, const struct frame *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->session, b->session);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_int_equal(a->sack, b->sack);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->payload, b->payload, a->len);
}

/*
 * frame_encode() puts a 0x00 before and after each frame.  Most tests work
 * on the old form "COBS(body) 0x00": enc() checks the leading 0x00 and
 * strips it.
 */
static size_t
enc(const struct frame *f, const uint8_t key[LINK_KEY_LEN], uint8_t dir,
    uint8_t *out)
{
	uint8_t tmp[LINK_MAX_WIRE];
	size_t n = frame_encode(f, key, dir, tmp);

	assert_true(n >= 2);
	assert_int_equal(tmp[0], 0);
	memcpy(out, tmp + 1, n - 1);
	return n - 1;
}

/* The decoded body of an encoded frame (wire with its 0x00). */
static size_t
body_of(const uint8_t *wire, size_t wlen, uint8_t body[LINK_MAX_BODY + 16])
{
	long n;

	assert_true(wlen >= 1);
	assert_int_equal(wire[wlen - 1], 0);
	n = cobs_decode(wire, wlen - 1, body, LINK_MAX_BODY + 16);
	assert_true(n >= 0);
	return (size_t)n;
}

/* Give body a correct CRC and encode it (without the 0x00): what a sender
 * with a good CRC and anything else in the body would put on the line. */
static size_t
wire_of(uint8_t *body, size_t n, uint8_t *wire)
{
	uint32_t c;

	assert_true(n >= LINK_CRC);
	c = crc32_ieee(body, n - LINK_CRC);
	body[n - 4] = (uint8_t)(c >> 24);
	body[n - 3] = (uint8_t)(c >> 16);
	body[n - 2] = (uint8_t)(c >> 8);
	body[n - 1] = (uint8_t)c;
	return cobs_encode(body, n, wire);
}

/* ------------------------------------------------------------------ COBS */

static void
cobs_roundtrip(const uint8_t *in, size_t n)
{
	uint8_t *enc = malloc(n + n / 254 + 2), *dec = malloc(n + 1);
	size_t e;

	assert_non_null(enc);
	assert_non_null(dec);
	e = cobs_encode(in, n, enc);
	assert_true(e >= n + 1);
	assert_true(e <= n + n / 254 + 1);
	assert_null(memchr(enc, 0, e));
	assert_int_equal(cobs_decode(enc, e, dec, n), (long)n);
	assert_memory_equal(dec, in, n);
	/* One byte less room is too little. */
	if (n > 0)
		assert_int_equal(cobs_decode(enc, e, dec, n - 1), -1);
	free(enc);
	free(dec);
}

static void
test_cobs_empty(void **state)
{
	uint8_t enc[4], dec[4];

	(void)state;
	assert_int_equal(cobs_encode(NULL, 0, enc), 1);
	assert_int_equal(enc[0], 0x01);
	assert_int_equal(cobs_decode(enc, 1, dec, 0), 0);
	/* No block at all is not an encoding. */
	assert_int_equal(cobs_decode(enc, 0, dec, sizeof(dec)), -1);
}

/* The examples of the COBS paper and of most implementations' tests. */
static void
test_cobs_vectors(void **state)
{
	static const struct {
		uint8_t in[8];
		size_t n;
		uint8_t out[8];
		size_t e;
	} v[] = {
		{ { 0x00 }, 1, { 0x01, 0x01 }, 2 },
		{ { 0x00, 0x00 }, 2, { 0x01, 0x01, 0x01 }, 3 },
		{ { 0x11, 0x22, 0x00, 0x33 }, 4,
		    { 0x03, 0x11, 0x22, 0x02, 0x33 }, 5 },
		{ { 0x11, 0x22, 0x33, 0x44 }, 4,
		    { 0x05, 0x11, 0x22, 0x33, 0x44 }, 5 },
		{ { 0x11, 0x00, 0x00, 0x00 }, 4,
		    { 0x02, 0x11, 0x01, 0x01, 0x01 }, 5 },
	};
	uint8_t out[16], dec[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(cobs_encode(v[i].in, v[i].n, out), v[i].e);
		assert_memory_equal(out, v[i].out, v[i].e);
		assert_int_equal(cobs_decode(v[i].out, v[i].e, dec,
		    sizeof(dec)), (long)v[i].n);
		assert_memory_equal(dec, v[i].in, v[i].n);
	}
}

/* Runs of non-zero bytes around the 254-byte block, alone and between
 * zeros, with the exact form of the ones at the edge. */
static void
test_cobs_runs(void **state)
{
	static const size_t runs[] = { 1, 2, 253, 254, 255, 256, 507, 508,
	    509, 762 };
	uint8_t in[1024], enc[1100];
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		for (k = 0; k < 4; k++) {
			/* k: bit 0 = a zero before, bit 1 = a zero after. */
			n = 0;
			if (k & 1)
				in[n++] = 0;
			memset(in + n, 0xa5, runs[i]);
			n += runs[i];
			if (k & 2)
				in[n++] = 0;
			cobs_roundtrip(in, n);
		}
	}

	/* 253: one block of code 0xFE. */
	memset(in, 0x42, 255);
	assert_int_equal(cobs_encode(in, 253, enc), 254);
	assert_int_equal(enc[0], 0xfe);
	/* 254: one full block, short form (no empty block after it). */
	assert_int_equal(cobs_encode(in, 254, enc), 255);
	assert_int_equal(enc[0], 0xff);
	/* 255: a full block, then a block of one byte. */
	assert_int_equal(cobs_encode(in, 255, enc), 257);
	assert_int_equal(enc[0], 0xff);
	assert_int_equal(enc[255], 0x02);
	/* 254 and a zero: full block, an empty block (the zero), the end. */
	in[254] = 0;
	assert_int_equal(cobs_encode(in, 255, enc), 257);
	assert_int_equal(enc[0], 0xff);
	assert_int_equal(enc[255], 0x01);
	assert_int_equal(enc[256], 0x01);
}

static void
test_cobs_zeros(void **state)
{
	uint8_t in[600], enc[700];
	size_t n, i;

	(void)state;
	memset(in, 0, sizeof(in));
	for (n = 1; n <= sizeof(in); n += (n < 10 ? 1 : 97)) {
		assert_int_equal(cobs_encode(in, n, enc), n + 1);
		for (i = 0; i < n + 1; i++)
			assert_int_equal(enc[i], 0x01);
		cobs_roundtrip(in, n);
	}
}

static void
test_cobs_long(void **state)
{
	static const unsigned density[] = { 0, 2, 50, 300, 1000 };
	uint8_t *in = malloc(70000);
	size_t i, n;

	(void)state;
	assert_non_null(in);
	for (i = 0; i < 40; i++) {
		n = i < 5 ? 70000 : prng() % 3000;
		fill_random(in, n, density[i % 5]);
		cobs_roundtrip(in, n);
	}
	free(in);
}

static void
test_cobs_malformed(void **state)
{
	static const uint8_t zero_code[] = { 0x02, 0x11, 0x00, 0x22 };
	static const uint8_t zero_data[] = { 0x03, 0x11, 0x00 };
	static const uint8_t past_end[] = { 0x05, 0x11, 0x22 };
	static const uint8_t past_end2[] = { 0x02, 0x11, 0x04, 0x22 };
	static const uint8_t only_zero[] = { 0x00 };
	uint8_t in[300], enc[310], dec[310];

	(void)state;
	assert_int_equal(cobs_decode(zero_code, sizeof(zero_code), dec,
	    sizeof(dec)), -1);
	assert_int_equal(cobs_decode(zero_data, sizeof(zero_data), dec,
	    sizeof(dec)), -1);
	assert_int_equal(cobs_decode(past_end, sizeof(past_end), dec,
	    sizeof(dec)), -1);
	assert_int_equal(cobs_decode(past_end2, sizeof(past_end2), dec,
	    sizeof(dec)), -1);
	assert_int_equal(cobs_decode(only_zero, sizeof(only_zero), dec,
	    sizeof(dec)), -1);

	/* Room for the bytes of a block but not for the zero after it. */
	assert_int_equal(cobs_decode((const uint8_t *)"\x02\x11\x01", 3, dec,
	    1), -1);
	assert_int_equal(cobs_decode((const uint8_t *)"\x02\x11\x01", 3, dec,
	    2), 2);

	/* The long form of a final full block (the 1999 paper's encoder)
	 * decodes to the same bytes as the short form. */
	memset(in, 0x77, 254);
	assert_int_equal(cobs_encode(in, 254, enc), 255);
	enc[255] = 0x01;
	assert_int_equal(cobs_decode(enc, 256, dec, sizeof(dec)), 254);
	assert_memory_equal(dec, in, 254);
}

/* ---------------------------------------------------------------- CRC-32 */

static void
test_crc32(void **state)
{
	uint8_t z[32];

	(void)state;
	assert_int_equal(crc32_ieee((const uint8_t *)"123456789", 9),
	    0xcbf43926u);
	assert_int_equal(crc32_ieee(NULL, 0), 0);
	/* zlib.crc32(b"The quick brown fox jumps over the lazy dog") */
	assert_int_equal(crc32_ieee((const uint8_t *)
	    "The quick brown fox jumps over the lazy dog", 43), 0x414fa339u);
	/* zlib.crc32(bytes(32)) */
	memset(z, 0, sizeof(z));
	assert_int_equal(crc32_ieee(z, sizeof(z)), 0x190a55adu);
}

/* ---------------------------------------------------------------- frames */

static void
test_type_names(void **state)
{
	(void)state;
	assert_string_equal(frame_type_names[FT_HELLO], "HELLO");
	assert_string_equal(frame_type_names[FT_HELLO_ACK], "HELLO_ACK");
	assert_string_equal(frame_type_names[FT_DATA], "DATA");
	assert_string_equal(frame_type_names[FT_ACK], "ACK");
	assert_string_equal(frame_type_names[FT_PING], "PING");
	assert_string_equal(frame_type_names[FT_PONG], "PONG");
	assert_non_null(frame_type_names[0]);
}

static void
test_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 16, 40, 253, 254, 255, 1023,
	    1024 };
	static const uint8_t dirs[] = { LINK_FROM_CLIENT, LINK_FROM_SIGNER };
	struct frame f, g;
	struct fe_err err;
	uint8_t wire[LINK_MAX_WIRE], again[LINK_MAX_WIRE];
	size_t w, i, d;
	uint8_t t;

	(void)state;
	for (t = FT_HELLO; t < FT__MAX; t++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
			for (d = 0; d < 2; d++) {
				make_frame(&f, t, lens[i]);
				w = enc(&f, key_a, dirs[d], wire);
				assert_true(w <= LINK_MAX_WIRE);
				assert_int_equal(wire[w - 1], 0);
				assert_null(memchr(wire, 0, w - 1));
				/* Deterministic. */
				assert_int_equal(enc(&f, key_a,
				    dirs[d], again), w);
				assert_memory_equal(wire, again, w);

				memset(&g, 0xee, sizeof(g));
				assert_int_equal(frame_decode(wire, w - 1, &g,
				    &err), FV_OK);
				assert_same_frame(&f, &g);
				assert_true(frame_mac_ok(&g, key_a, dirs[d]));
				assert_false(frame_mac_ok(&g, key_b, dirs[d]));
			}
}

/* A payload of non-zero bytes makes the longest wire form. */
static void
test_largest_frame(void **state)
{
	struct frame f, g;
	uint8_t wire[LINK_MAX_WIRE];
	size_t w;

	(void)state;
	make_frame(&f, FT_DATA, LINK_MAX_PAYLOAD);
	memset(f.payload, 0xff, LINK_MAX_PAYLOAD);
	f.session = f.seq = f.ack = f.sack = 0xffffffffu;
	w = enc(&f, key_a, LINK_FROM_SIGNER, wire);
	assert_true(w >= LINK_MAX_BODY + 2);
	assert_true(w <= LINK_MAX_WIRE);
	assert_int_equal(frame_decode(wire, w - 1, &g, NULL), FV_OK);
	assert_same_frame(&f, &g);
	assert_true(frame_mac_ok(&g, key_a, LINK_FROM_SIGNER));
}

/*
 * A frame computed with Python's hmac, hashlib and zlib and a COBS written
 * from the paper, not with this code:
 *   hdr = struct.pack(">BBIIIIH", 1, 3, 0x01020304, 5, 3, 0x80000001, 10)
 *   payload = b"foureyes\x00\x01"; key = bytes(range(32))
 *   mac = hmac.new(key, b"C" + hdr + payload, sha256).digest()[:16]
 *   body = hdr + payload + mac; body += struct.pack(">I", zlib.crc32(body))
 *   wire = cobs(body) + b"\x00"
 */
static void
test_known_answer(void **state)
{
	static const uint8_t want[] = {
		0x07, 0x01, 0x03, 0x01, 0x02, 0x03, 0x04, 0x01, 0x01, 0x02,
		0x05, 0x01, 0x01, 0x03, 0x03, 0x80, 0x01, 0x02, 0x01, 0x0a,
		0x0a, 0x66, 0x6f, 0x75, 0x72, 0x65, 0x79, 0x65, 0x73, 0x16,
		0x01, 0xd7, 0x20, 0x64, 0x2f, 0xc5, 0x75, 0x9f, 0x78, 0xb7,
		0xfa, 0x5e, 0x66, 0x30, 0x28, 0xac, 0xd6, 0x5b, 0xe8, 0xed,
		0x5b, 0x00,
	};
	struct frame f, g;
	uint8_t wire[LINK_MAX_WIRE];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.type = FT_DATA;
	f.session = 0x01020304u;
	f.seq = 5;
	f.ack = 3;
	f.sack = 0x80000001u;
	f.len = 10;
	memcpy(f.payload, "foureyes\0\1", 10);
	assert_int_equal(enc(&f, key_a, LINK_FROM_CLIENT, wire),
	    sizeof(want));
	assert_memory_equal(wire, want, sizeof(want));
	assert_int_equal(frame_decode(want, sizeof(want) - 1, &g, NULL),
	    FV_OK);
	assert_same_frame(&f, &g);
	assert_true(frame_mac_ok(&g, key_a, LINK_FROM_CLIENT));
}

static void
test_reflection(void **state)
{
	struct frame f, g;
	uint8_t wire[LINK_MAX_WIRE];
	size_t w;

	(void)state;
	make_frame(&f, FT_DATA, 32);
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
	assert_int_equal(frame_decode(wire, w - 1, &g, NULL), FV_OK);
	assert_true(frame_mac_ok(&g, key_a, LINK_FROM_CLIENT));
	assert_false(frame_mac_ok(&g, key_a, LINK_FROM_SIGNER));

	w = enc(&f, key_a, LINK_FROM_SIGNER, wire);
	assert_int_equal(frame_decode(wire, w - 1, &g, NULL), FV_OK);
	assert_true(frame_mac_ok(&g, key_a, LINK_FROM_SIGNER));
	assert_false(frame_mac_ok(&g, key_a, LINK_FROM_CLIENT));
}

/* A good CRC over a changed body: decodes, but the MAC fails.  Every byte
 * the MAC covers is tried: header, payload, and the MAC itself. */
static void
test_forged_mac(void **state)
{
	struct frame f, g;
	struct fe_err err;
	uint8_t wire[LINK_MAX_WIRE], body[LINK_MAX_BODY + 16];
	size_t w, n, i;

	(void)state;
	make_frame(&f, FT_DATA, 24);
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
	n = body_of(wire, w, body);
	assert_int_equal(n, LINK_HDR + 24 + LINK_MAC + LINK_CRC);
	for (i = 0; i < n - LINK_CRC; i++) {
		if (i == 0 || i == 1 || i == 18 || i == 19)
			continue;       /* version, type, len: other verdicts */
		n = body_of(wire, w, body);
		body[i] ^= 0x40;
		w = wire_of(body, n, wire);
		assert_int_equal(frame_decode(wire, w, &g, &err), FV_OK);
		assert_false(frame_mac_ok(&g, key_a, LINK_FROM_CLIENT));
		assert_false(frame_mac_ok(&g, key_a, LINK_FROM_SIGNER));
		/* Undo, for the next byte. */
		body[i] ^= 0x40;
		w = wire_of(body, n, wire);
		wire[w++] = 0;
		assert_int_equal(frame_decode(wire, w - 1, &g, &err), FV_OK);
		assert_true(frame_mac_ok(&g, key_a, LINK_FROM_CLIENT));
	}
}

struct runs {
	size_t n;             /* runs seen */
	size_t noise;         /* FV_NOISE */
	size_t ok;            /* FV_OK */
	size_t ok_mac;        /* FV_OK and the MAC verifies under key_a */
	size_t other;         /* FV_BAD_VERSION or FV_BAD_TYPE */
	struct frame got[64]; /* the FV_OK frames with a good MAC, in order */
	size_t ngot;
};

static void
collect(const uint8_t *wire, size_t len, void *arg)
{
	struct runs *r = arg;
	struct frame f;
	struct fe_err err;

	r->n++;
	switch (frame_decode(wire, len, &f, &err)) {
	case FV_OK:
		r->ok++;
		if (frame_mac_ok(&f, key_a, LINK_FROM_CLIENT)) {
			r->ok_mac++;
			if (r->ngot < 64)
				r->got[r->ngot++] = f;
		}
		break;
	case FV_NOISE:
		r->noise++;
		break;
	case FV_BAD_VERSION:
	case FV_BAD_TYPE:
	default:
		r->other++;
		break;
	}
}

/* Every single bit error on the wire, the delimiter included: what comes
 * out of the deframer never passes both the CRC and the MAC. */
static void
test_bit_flips(void **state)
{
	static const size_t lens[] = { 4, 300 };
	struct frame f;
	struct deframer d;
	struct runs *r = calloc(1, sizeof(*r));
	uint8_t wire[LINK_MAX_WIRE + 1];
	size_t w, bit, i, noise = 0, total = 0;
	static const uint8_t zero = 0;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		make_frame(&f, FT_DATA, lens[i]);
		w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
		for (bit = 0; bit < w * 8; bit++) {
			memset(r, 0, sizeof(*r));
			deframer_init(&d);
			wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			deframer_feed(&d, wire, w, collect, r);
			deframer_feed(&d, &zero, 1, collect, r);
			wire[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_equal(r->ok_mac, 0);
			total += r->n;
			noise += r->noise;
		}
	}
	/* In practice the CRC catches every one. */
	assert_int_equal(noise, total);
	free(r);
}

/* Build a body by hand: version, type and len as given, plen bytes of
 * payload, 0x5a everywhere else (MAC included), and a good CRC.  Returns the wire length (without the 0x00). */
static size_t
hand_frame(uint8_t version, uint8_t type, uint16_t len_field, size_t plen,
    uint8_t *wire)
{
	uint8_t body[LINK_MAX_BODY + 64];
	size_t n = LINK_HDR + plen + LINK_MAC + LINK_CRC;

	assert_true(n <= sizeof(body));
	memset(body, 0x5a, sizeof(body));
	body[0] = version;
	body[1] = type;
	body[18] = (uint8_t)(len_field >> 8);
	body[19] = (uint8_t)len_field;
	return wire_of(body, n, wire);
}

static void
test_bad_version(void **state)
{
	static const uint8_t versions[] = { 0, 2, 0x81, 0xff };
	uint8_t wire[LINK_MAX_WIRE + 64];
	struct frame f;
	struct fe_err err;
	size_t i, w;

	(void)state;
	w = hand_frame(1, FT_PING, 0, 0, wire);
	assert_int_equal(frame_decode(wire, w, &f, &err), FV_OK);
	for (i = 0; i < sizeof(versions); i++) {
		w = hand_frame(versions[i], FT_PING, 0, 0, wire);
		assert_int_equal(frame_decode(wire, w, &f, &err),
		    FV_BAD_VERSION);
		assert_non_null(strstr(err.msg, "version"));
	}
}

static void
test_bad_type(void **state)
{
	static const uint8_t types[] = { 0, FT__MAX, 0x80, 0xff };
	uint8_t wire[LINK_MAX_WIRE + 64];
	struct frame f;
	struct fe_err err;
	size_t i, w;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		w = hand_frame(1, types[i], 3, 3, wire);
		assert_int_equal(frame_decode(wire, w, &f, &err), FV_BAD_TYPE);
		assert_non_null(strstr(err.msg, "unknown type"));
	}
}

static void
test_len_over_max(void **state)
{
	uint8_t wire[LINK_MAX_WIRE + 64];
	struct frame f;
	struct fe_err err;
	size_t w;

	(void)state;
	/* As long as it says: one byte over MAX_BODY. */
	w = hand_frame(1, FT_DATA, LINK_MAX_PAYLOAD + 1, LINK_MAX_PAYLOAD + 1,
	    wire);
	assert_int_equal(frame_decode(wire, w, &f, &err), FV_NOISE);
	/* Short, with a header that says more than MAX_PAYLOAD. */
	w = hand_frame(1, FT_DATA, LINK_MAX_PAYLOAD + 1, 0, wire);
	assert_int_equal(frame_decode(wire, w, &f, &err), FV_NOISE);
	assert_non_null(strstr(err.msg, "MAX_PAYLOAD"));
	w = hand_frame(1, FT_DATA, 0xffff, 16, wire);
	assert_int_equal(frame_decode(wire, w, &f, &err), FV_NOISE);
	/* The largest that is allowed. */
	w = hand_frame(1, FT_DATA, LINK_MAX_PAYLOAD, LINK_MAX_PAYLOAD, wire);
	assert_int_equal(frame_decode(wire, w, &f, &err), FV_OK);
}

static void
test_trailing_missing(void **state)
{
	static const size_t plens[] = { 0, 1, 100, 1024 };
	uint8_t wire[LINK_MAX_WIRE + 64];
	struct frame f;
	struct fe_err err;
	size_t i, w, p;

	(void)state;
	for (i = 0; i < sizeof(plens) / sizeof(plens[0]); i++) {
		p = plens[i];
		w = hand_frame(1, FT_DATA, (uint16_t)p, p, wire);
		assert_int_equal(frame_decode(wire, w, &f, &err), FV_OK);
		/* One byte more than the header says (good CRC). */
		w = hand_frame(1, FT_DATA, (uint16_t)p, p + 1, wire);
		assert_int_equal(frame_decode(wire, w, &f, &err), FV_NOISE);
		if (p < LINK_MAX_PAYLOAD)
			assert_non_null(strstr(err.msg, "makes it"));
		/* One byte less. */
		if (p > 0) {
			w = hand_frame(1, FT_DATA, (uint16_t)p, p - 1, wire);
			assert_int_equal(frame_decode(wire, w, &f, &err),
			    FV_NOISE);
			assert_non_null(strstr(err.msg, "makes it"));
		}
	}
}

static void
test_short_bodies(void **state)
{
	uint8_t body[64], wire[80];
	struct frame f;
	struct fe_err err;
	size_t n, w;

	(void)state;
	/* Every body shorter than header, MAC and CRC, with a good CRC
	 * where there is room for one. */
	for (n = 0; n < LINK_HDR + LINK_MAC + LINK_CRC; n++) {
		memset(body, 0, sizeof(body));
		body[0] = LINK_VERSION;
		if (n > 1)
			body[1] = FT_PING;
		if (n >= LINK_CRC)
			w = wire_of(body, n, wire);
		else
			w = cobs_encode(body, n, wire);
		assert_int_equal(frame_decode(wire, w, &f, &err), FV_NOISE);
	}
}

static void
test_bad_wire(void **state)
{
	struct frame f, g;
	struct fe_err err;
	uint8_t wire[LINK_MAX_WIRE + 8];
	size_t w;

	(void)state;
	make_frame(&f, FT_ACK, 0);
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
	/* A 0x00 inside. */
	wire[5] = 0;
	assert_int_equal(frame_decode(wire, w - 1, &g, &err), FV_NOISE);
	assert_non_null(strstr(err.msg, "COBS"));
	/* A code past the end. */
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
	wire[0] = 0xfe;
	assert_int_equal(frame_decode(wire, w - 1, &g, &err), FV_NOISE);
	/* Nothing at all. */
	assert_int_equal(frame_decode(wire, 0, &g, &err), FV_NOISE);
	/* Longer on the wire than any frame. */
	memset(wire, 0x01, sizeof(wire));
	assert_int_equal(frame_decode(wire, LINK_MAX_WIRE, &g, &err),
	    FV_NOISE);
}

/* Output parameters are set only on success. */
static void
test_untouched_on_failure(void **state)
{
	struct frame f, g, before;
	uint8_t wire[LINK_MAX_WIRE + 64];
	size_t w;

	(void)state;
	make_frame(&f, FT_DATA, 8);
	memset(&g, 0xc3, sizeof(g));
	before = g;
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);
	wire[3] ^= 1;
	assert_int_equal(frame_decode(wire, w - 1, &g, NULL), FV_NOISE);
	assert_memory_equal(&g, &before, sizeof(g));
	w = hand_frame(2, FT_DATA, 0, 0, wire);
	assert_int_equal(frame_decode(wire, w, &g, NULL), FV_BAD_VERSION);
	assert_memory_equal(&g, &before, sizeof(g));
	w = hand_frame(1, 9, 0, 0, wire);
	assert_int_equal(frame_decode(wire, w, &g, NULL), FV_BAD_TYPE);
	assert_memory_equal(&g, &before, sizeof(g));
}

/* ------------------------------------------------------------- deframer */

#define NFRAMES 12

/* NFRAMES frames of every type and of assorted lengths, one after another;
 * returns the stream length. */
static size_t
make_stream(struct frame fs[NFRAMES], uint8_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < NFRAMES; i++) {
		make_frame(&fs[i], (uint8_t)(FT_HELLO + i % (FT__MAX - 1)),
		    (i * 131) % (LINK_MAX_PAYLOAD + 1));
		fs[i].seq = (uint32_t)i;
		n += enc(&fs[i], key_a, LINK_FROM_CLIENT, out + n);
	}
	return n;
}

static void
assert_all_frames(const struct runs *r, const struct frame fs[NFRAMES])
{
	size_t i;

	assert_int_equal(r->ngot, NFRAMES);
	for (i = 0; i < NFRAMES; i++)
		assert_same_frame(&r->got[i], &fs[i]);
}

static void
test_deframer_bytewise(void **state)
{
	struct frame fs[NFRAMES];
	struct deframer d;
	struct runs *r = calloc(1, sizeof(*r));
	uint8_t *s = malloc(NFRAMES * LINK_MAX_WIRE);
	size_t n, i;

	(void)state;
	assert_non_null(r);
	assert_non_null(s);
	n = make_stream(fs, s);
	deframer_init(&d);
	for (i = 0; i < n; i++)
		deframer_feed(&d, s + i, 1, collect, r);
	assert_int_equal(r->n, NFRAMES);
	assert_all_frames(r, fs);
	assert_int_equal(d.overflows, 0);

	/* All at once. */
	memset(r, 0, sizeof(*r));
	deframer_feed(&d, s, n, collect, r);
	assert_all_frames(r, fs);
	free(r);
	free(s);
}

static void
test_deframer_chunks(void **state)
{
	struct frame fs[NFRAMES];
	struct deframer d;
	struct runs *r = calloc(1, sizeof(*r));
	uint8_t *s = malloc(NFRAMES * LINK_MAX_WIRE);
	size_t n, i, k, c;

	(void)state;
	assert_non_null(r);
	assert_non_null(s);
	n = make_stream(fs, s);
	for (k = 0; k < 50; k++) {
		memset(r, 0, sizeof(*r));
		deframer_init(&d);
		for (i = 0; i < n; i += c) {
			c = prng() % (k < 25 ? 16 : 3000);
			if (c > n - i)
				c = n - i;
			deframer_feed(&d, s + i, c, collect, r);
		}
		assert_int_equal(r->n, NFRAMES);
		assert_all_frames(r, fs);
	}
	free(r);
	free(s);
}

/*
 * Garbage between frames.  Garbage that ends in 0x00 costs nothing; garbage
 * that does not runs into the next frame and costs that one frame only.
 * Garbage never yields a frame with a good MAC.
 */
static void
test_deframer_resync(void **state)
{
	struct frame fs[NFRAMES];
	struct deframer d;
	struct runs *r = calloc(1, sizeof(*r));
	uint8_t *s = malloc(NFRAMES * (LINK_MAX_WIRE + 2100));
	uint8_t one[LINK_MAX_WIRE];
	size_t n, i, k, g, w;
	bool lost[NFRAMES];

	(void)state;
	assert_non_null(r);
	assert_non_null(s);
	for (k = 0; k < 40; k++) {
		n = 0;
		for (i = 0; i < NFRAMES; i++) {
			make_frame(&fs[i], (uint8_t)(FT_HELLO + i % 6),
			    prng() % 200);
			/* garbage of up to 2000 bytes, a zero in 1 of 4 */
			g = prng() % 2000;
			fill_random(s + n, g, k % 2 == 0 ? 0 : 64);
			n += g;
			lost[i] = false;
			if (g > 0 && (k % 4) < 2)
				s[n++] = 0;
			else if (g > 0 && s[n - 1] != 0)
				lost[i] = true;
			w = enc(&fs[i], key_a, LINK_FROM_CLIENT, one);
			memcpy(s + n, one, w);
			n += w;
		}
		memset(r, 0, sizeof(*r));
		deframer_init(&d);
		for (i = 0; i < n; i += g) {
			g = 1 + prng() % 700;
			if (g > n - i)
				g = n - i;
			deframer_feed(&d, s + i, g, collect, r);
		}
		/* The frames that were not run into, in order. */
		for (i = 0, g = 0; i < NFRAMES; i++) {
			if (lost[i])
				continue;
			assert_true(g < r->ngot);
			assert_same_frame(&r->got[g], &fs[i]);
			g++;
		}
		assert_int_equal(r->ngot, g);
		assert_int_equal(r->ok, r->ok_mac);
	}
	free(r);
	free(s);
}

static void
test_deframer_oversize(void **state)
{
	struct frame f;
	struct deframer d;
	struct runs *r = calloc(1, sizeof(*r));
	uint8_t *junk = malloc(5000);
	uint8_t wire[LINK_MAX_WIRE];
	static const uint8_t zero = 0;
	size_t w, i;

	(void)state;
	assert_non_null(r);
	assert_non_null(junk);
	memset(junk, 0x33, 5000);
	make_frame(&f, FT_DATA, 100);
	w = enc(&f, key_a, LINK_FROM_CLIENT, wire);

	/* A run of LINK_MAX_WIRE bytes is handed on (and is noise); one
	 * byte more is dropped and counted. */
	deframer_init(&d);
	deframer_feed(&d, junk, LINK_MAX_WIRE, collect, r);
	deframer_feed(&d, &zero, 1, collect, r);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->noise, 1);
	assert_int_equal(d.overflows, 0);
	deframer_feed(&d, junk, LINK_MAX_WIRE + 1, collect, r);
	deframer_feed(&d, &zero, 1, collect, r);
	assert_int_equal(r->n, 1);
	assert_int_equal(d.overflows, 1);

	/* A long run fed in pieces counts once; the frame after its 0x00
	 * arrives. */
	memset(r, 0, sizeof(*r));
	deframer_init(&d);
	for (i = 0; i < 5000; i += 7)
		deframer_feed(&d, junk + i, 5000 - i < 7 ? 5000 - i : 7,
		    collect, r);
	deframer_feed(&d, junk, 5000, collect, r);
	assert_int_equal(d.overflows, 1);
	assert_int_equal(r->n, 0);
	deframer_feed(&d, &zero, 1, collect, r);
	deframer_feed(&d, wire, w, collect, r);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->ngot, 1);
	assert_same_frame(&r->got[0], &f);

	/* A frame that follows an oversize run without a 0x00 is lost with
	 * it, the next one is not. */
	deframer_feed(&d, junk, 5000, collect, r);
	deframer_feed(&d, wire, w, collect, r);
	deframer_feed(&d, wire, w, collect, r);
	assert_int_equal(d.overflows, 2);
	assert_int_equal(r->ngot, 2);

	/* Empty runs are not handed on. */
	memset(r, 0, sizeof(*r));
	deframer_feed(&d, junk, 0, collect, r);
	deframer_feed(&d, &zero, 1, collect, r);
	deframer_feed(&d, &zero, 1, collect, r);
	assert_int_equal(r->n, 0);
	free(r);
	free(junk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cobs_empty),
		cmocka_unit_test(test_cobs_vectors),
		cmocka_unit_test(test_cobs_runs),
		cmocka_unit_test(test_cobs_zeros),
		cmocka_unit_test(test_cobs_long),
		cmocka_unit_test(test_cobs_malformed),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_largest_frame),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_forged_mac),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_len_over_max),
		cmocka_unit_test(test_trailing_missing),
		cmocka_unit_test(test_short_bodies),
		cmocka_unit_test(test_bad_wire),
		cmocka_unit_test(test_untouched_on_failure),
		cmocka_unit_test(test_deframer_bytewise),
		cmocka_unit_test(test_deframer_chunks),
		cmocka_unit_test(test_deframer_resync),
		cmocka_unit_test(test_deframer_oversize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
