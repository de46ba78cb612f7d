/*
 * mkcorpus_frame.c - writes the seed corpus of fuzz_frame: valid frames of
 * every type (under the key bytes 0..31 that fuzz_frame also uses, so that
 * the fuzzer starts past the CRC and the MAC), frames with a good CRC but a
 * bad version or type, and noisy streams.  Deterministic: running it again
 * writes the same files.
 *
 *   make O=build all
 *   cc -std=c17 -Isrc -o build/mkcorpus_frame tests/fuzz/mkcorpus_frame.c \
 *       build/libfe.a -lcrypto
 *   build/mkcorpus_frame tests/fuzz/corpus/fuzz_frame
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/frame.h"

static uint8_t key[LINK_KEY_LEN];
static const char *dir;
static uint32_t state = 0x2545f491u;

static uint8_t
next(void)
{
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return (uint8_t)state;
}

static void
put(const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		exit(1);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static size_t
frame(uint8_t type, size_t len, int fill, uint8_t dirb, uint8_t *out)
{
	struct frame f;
	size_t i;

	memset(&f, 0, sizeof(f));
	f.type = type;
	f.session = type == FT_HELLO ? 0 : 42;
	f.seq = type == FT_DATA ? 3 : 0;
	f.ack = 2;
	f.sack = 0x5;
	f.len = (uint16_t)len;
	for (i = 0; i < len; i++)
		f.payload[i] = fill >= 0 ? (uint8_t)fill : next();
	return frame_encode(&f, key, dirb, out);
}

/* A body with a good CRC and the given version and type. */
static size_t
hand(uint8_t version, uint8_t type, uint8_t *out)
{
	uint8_t body[LINK_HDR + 4 + LINK_MAC + LINK_CRC];
	uint32_t c;
	size_t n = sizeof(body), w;

	memset(body, 0x11, n);
	body[0] = version;
	body[1] = type;
	body[18] = 0;
	body[19] = 4;
	c = crc32_ieee(body, n - 4);
	body[n - 4] = (uint8_t)(c >> 24);
	body[n - 3] = (uint8_t)(c >> 16);
	body[n - 2] = (uint8_t)(c >> 8);
	body[n - 1] = (uint8_t)c;
	w = cobs_encode(body, n, out);
	out[w++] = 0;
	return w;
}

int
main(int argc, char **argv)
{
	static uint8_t s[16 * LINK_MAX_WIRE + 8192];
	uint8_t one[LINK_MAX_WIRE];
	size_t n, w, i;
	uint8_t t;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus_frame DIR\n");
		return 2;
	}
	dir = argv[1];
	for (i = 0; i < LINK_KEY_LEN; i++)
		key[i] = (uint8_t)i;

	for (t = FT_HELLO; t < FT__MAX; t++) {
		n = t == FT_HELLO ? 16 : t == FT_HELLO_ACK ? 40 :
		    t == FT_DATA ? 100 : 0;
		put(frame_type_names[t], one, frame(t, n, -1, LINK_FROM_CLIENT, one));
	}
	put("DATA-0", one, frame(FT_DATA, 0, -1, LINK_FROM_CLIENT, one));
	put("DATA-1", one, frame(FT_DATA, 1, 0, LINK_FROM_CLIENT, one));
	put("DATA-254", one, frame(FT_DATA, 254, 0x7f, LINK_FROM_CLIENT,
	    one));
	put("DATA-1024", one, frame(FT_DATA, 1024, -1, LINK_FROM_CLIENT, one));
	put("DATA-1024-ff", one, frame(FT_DATA, 1024, 0xff, LINK_FROM_CLIENT,
	    one));
	put("DATA-1024-00", one, frame(FT_DATA, 1024, 0, LINK_FROM_CLIENT,
	    one));
	put("DATA-signer", one, frame(FT_DATA, 30, -1, LINK_FROM_SIGNER, one));
	put("bad-version", one, hand(2, FT_DATA, one));
	put("bad-type", one, hand(1, 7, one));

	/* Every type in one stream. */
	for (n = 0, t = FT_HELLO; t < FT__MAX; t++)
		n += frame(t, 20u * t, -1, LINK_FROM_CLIENT, s + n);
	put("stream", s, n);

	/* Garbage, with and without 0x00, between frames. */
	for (n = 0, i = 0; i < 8; i++) {
		for (w = 0; w < 50 + 37 * i; w++)
			s[n++] = i % 2 == 0 ? (uint8_t)(next() | 1) : next();
		if (i % 3 == 0)
			s[n++] = 0;
		n += frame((uint8_t)(FT_HELLO + i % 6), 10 * i, -1,
		    LINK_FROM_CLIENT, s + n);
	}
	put("noisy", s, n);

	/* An oversize run, then a frame. */
	memset(s, 0x55, 3000);
	n = 3000;
	s[n++] = 0;
	n += frame(FT_PING, 0, -1, LINK_FROM_CLIENT, s + n);
	put("oversize", s, n);

	/* A frame with one bit flipped, then the same frame whole. */
	w = frame(FT_DATA, 64, -1, LINK_FROM_CLIENT, one);
	memcpy(s, one, w);
	s[w / 2] ^= 0x10;
	memcpy(s + w, one, w);
	put("bitflip", s, 2 * w);
	return 0;
}
