/*
 * frame.h - frames of the serial link protocol (docs/link-protocol.md,
 * sections 2 and 3): the body layout, HMAC-SHA-256-128 with a direction
 * byte, CRC-32, COBS and the 0x00 delimiter, and a deframer that cuts a
 * byte stream into frames and resynchronises after noise.
 *
 * Everything read from the line is untrusted: frame_decode() checks COBS,
 * length, CRC, version and type; the MAC is checked separately with
 * frame_mac_ok() because the caller chooses the key (the link key for
 * HELLO/HELLO_ACK, the session key otherwise) and checks the session number
 * before it.
 */
#ifndef FE_FRAME_H
#define FE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define LINK_KEY_LEN 32
#define LINK_MAX_PAYLOAD 1024
#define LINK_HDR 20
#define LINK_MAC 16
#define LINK_CRC 4
#define LINK_MAX_BODY (LINK_HDR + LINK_MAX_PAYLOAD + LINK_MAC + LINK_CRC)
/* COBS adds at most one byte per 254, plus one; a 0x00 before and after. */
#define LINK_MAX_WIRE (LINK_MAX_BODY + LINK_MAX_BODY / 254 + 3)
#define LINK_VERSION 1

enum frame_type {
	FT_HELLO = 1, FT_HELLO_ACK = 2, FT_DATA = 3, FT_ACK = 4, FT_PING = 5,
	FT_PONG = 6, FT__MAX
};
extern const char *const frame_type_names[FT__MAX];

/* The direction byte in the MAC: who sent the frame. */
enum link_dir { LINK_FROM_CLIENT = 0x43, LINK_FROM_SIGNER = 0x53 };

struct frame {
	uint8_t type;
	uint32_t session;
	uint32_t seq;
	uint32_t ack;
	uint32_t sack;
	uint16_t len;
	uint8_t payload[LINK_MAX_PAYLOAD];
	uint8_t mac[LINK_MAC];      /* as received (decode) */
};

/*
 * Encode f: body with MAC (key, dir) and CRC, COBS-encoded, followed by
 * 0x00.  Returns the number of bytes written to out (at most
 * LINK_MAX_WIRE).  f->len must be <= LINK_MAX_PAYLOAD, f->type a known
 * type and dir LINK_FROM_CLIENT or LINK_FROM_SIGNER (else fe_fatal).
 * Deterministic: the same frame, key and dir give the same bytes.
 */
size_t frame_encode(const struct frame *f, const uint8_t key[LINK_KEY_LEN],
    uint8_t dir, uint8_t out[LINK_MAX_WIRE]);

enum frame_verdict {
	FV_OK = 0,
	FV_NOISE = 1,        /* bad COBS, length or CRC: line noise */
	FV_BAD_VERSION = 2,  /* CRC good but not version 1 */
	FV_BAD_TYPE = 3,     /* CRC good but unknown type */
};

/*
 * Decode one frame as received between two 0x00 bytes (without them).
 * Fills f (including the received MAC) only when FV_OK; err says why not.
 */
enum frame_verdict frame_decode(const uint8_t *wire, size_t len,
    struct frame *f, struct fe_err *err);

/* Constant-time check of f->mac under key for a frame sent by dir (one of
 * enum link_dir, else fe_fatal). */
bool frame_mac_ok(const struct frame *f, const uint8_t key[LINK_KEY_LEN],
    uint8_t dir);

/* Cuts a byte stream into frames at 0x00.  A run longer than
 * LINK_MAX_WIRE is noise: dropped up to the next 0x00 and counted.  Empty
 * runs are skipped.  cb gets the deframer's own buffer and must not feed
 * or reset the deframer. */
struct deframer {
	uint8_t buf[LINK_MAX_WIRE];
	size_t len;
	bool overflow;
	uint64_t overflows;         /* oversize runs dropped */
};
typedef void (*deframer_cb)(const uint8_t *wire, size_t len, void *arg);
void deframer_init(struct deframer *d);
void deframer_feed(struct deframer *d, const uint8_t *p, size_t n,
    deframer_cb cb, void *arg);

/* COBS (exposed for tests and the fuzz target).  cobs_encode writes at most
 * n + n/254 + 1 bytes; cobs_decode returns the decoded length or -1 for
 * malformed input (empty, a 0x00 inside, or a code running past the end)
 * or output longer than outmax. */
size_t cobs_encode(const uint8_t *in, size_t n, uint8_t *out);
long cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t outmax);

/* CRC-32 (IEEE 802.3 polynomial 0xEDB88320 reflected, init and final xor
 * 0xFFFFFFFF, as zlib's crc32). */
uint32_t crc32_ieee(const uint8_t *p, size_t n);

#endif
