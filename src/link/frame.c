/*
 * frame.c - the frames of the serial link (docs/link-protocol.md, sections 2
 * and 3): the body layout, its MAC (HMAC-SHA-256 truncated to 16 bytes, over
 * a direction byte and the header and payload) and its CRC-32, and the
 * encoder and decoder that put a body on the wire with COBS (cobs.c).
 *
 * Trusts libcrypto for HMAC-SHA-256 and CRYPTO_memcmp.  Trusts nothing it
 * decodes: frame_decode() checks, in the order of section 2, the COBS, the
 * length against the header's and against MAX_BODY, the CRC, then the
 * version and the type; it reads the body with a cursor in the order of the
 * table.  It does not check the MAC (the caller picks the key and checks the
 * session number first: frame_mac_ok()) nor the rules of one type (session
 * 0 in HELLO, seq 0 outside DATA, the payload of HELLO and HELLO_ACK): those
 * are the session layer's.  Keys are the caller's; the full HMAC output is
 * wiped here.  This file allocates nothing (bodies live on the stack);
 * libcrypto's one-shot EVP_Q_mac() does allocate and free its own context
 * on each call, some 7 us a frame, far inside the line's 11.5 kB/s.
 *
 * CRC-32 is table-driven here because none of the libraries we link exposes
 * one (libcrypto has none, and zlib is not a dependency); the table is the
 * usual one for the reflected polynomial 0xEDB88320.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lib/buf.h"
#include "link/frame.h"

#define HMAC_SHA256_LEN 32
#define FRAME_MIN_BODY (LINK_HDR + LINK_MAC + LINK_CRC)
/* The longest COBS form of the longest body, without the two 0x00. */
#define FRAME_MAX_COBS (LINK_MAX_WIRE - 2)

_Static_assert(LINK_MAX_PAYLOAD <= UINT16_MAX, "len is 16 bits");
_Static_assert(FRAME_MAX_COBS >= LINK_MAX_BODY + LINK_MAX_BODY / 254 + 1,
    "LINK_MAX_WIRE holds the COBS form of the largest body and its 0x00");

const char *const frame_type_names[FT__MAX] = {
	[0] = "invalid",
	[FT_HELLO] = "HELLO",
	[FT_HELLO_ACK] = "HELLO_ACK",
	[FT_DATA] = "DATA",
	[FT_ACK] = "ACK",
	[FT_PING] = "PING",
	[FT_PONG] = "PONG",
};

/* ---------------------------------------------------------------- CRC-32 */

static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t
crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	size_t i;

	for (i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* ------------------------------------------------------------------ body */

static void
put_u16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put_u32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
type_known(uint8_t type)
{
	switch (type) {
	case FT_HELLO:
	case FT_HELLO_ACK:
	case FT_DATA:
	case FT_ACK:
	case FT_PING:
	case FT_PONG:
		return true;
	default:
		return false;
	}
}

static void
check_dir(uint8_t dir)
{
	switch (dir) {
	case LINK_FROM_CLIENT:
	case LINK_FROM_SIGNER:
		return;
	default:
		fe_fatal("internal: link direction byte 0x%02x", dir);
	}
}

/*
 * m = dir || body[0 .. 20+len-1]: the bytes the MAC covers, with the body
 * from m + 1 on.  Returns the number of bytes of m.
 */
static size_t
mac_input_put(const struct frame *f, uint8_t dir,
    uint8_t m[static 1 + LINK_HDR + LINK_MAX_PAYLOAD])
{
	uint8_t *b = m + 1;

	m[0] = dir;
	b[0] = LINK_VERSION;
	b[1] = f->type;
	put_u32be(b + 2, f->session);
	put_u32be(b + 6, f->seq);
	put_u32be(b + 10, f->ack);
	put_u32be(b + 14, f->sack);
	put_u16be(b + 18, f->len);
	memcpy(b + LINK_HDR, f->payload, f->len);
	return 1 + LINK_HDR + (size_t)f->len;
}

/* HMAC-SHA-256 truncated to LINK_MAC bytes.  A failure on memory we own is
 * a broken invariant: it ends the process. */
static void
mac_compute(const uint8_t key[LINK_KEY_LEN], const uint8_t *m, size_t n,
    uint8_t out[LINK_MAC])
{
	uint8_t full[HMAC_SHA256_LEN];
	size_t outlen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, LINK_KEY_LEN, m,
	    n, full, sizeof(full), &outlen) == NULL || outlen != sizeof(full))
		fe_fatal("internal: HMAC-SHA-256 failed");
	memcpy(out, full, LINK_MAC);
	OPENSSL_cleanse(full, sizeof(full));
}

size_t
frame_encode(const struct frame *f, const uint8_t key[LINK_KEY_LEN],
    uint8_t dir, uint8_t out[LINK_MAX_WIRE])
{
	uint8_t m[1 + LINK_MAX_BODY];
	uint8_t *body = m + 1;
	size_t n, w;

	if (f->len > LINK_MAX_PAYLOAD)
		fe_fatal("internal: frame payload of %u bytes is over %d",
		    (unsigned)f->len, LINK_MAX_PAYLOAD);
	if (!type_known(f->type))
		fe_fatal("internal: frame type %u", (unsigned)f->type);
	check_dir(dir);

	n = mac_input_put(f, dir, m) - 1;
	mac_compute(key, m, n + 1, body + n);
	n += LINK_MAC;
	put_u32be(body + n, crc32_ieee(body, n));
	n += LINK_CRC;

	/* A 0x00 before the frame too: noise on an idle line then ends at
	 * that delimiter instead of merging into this frame. */
	out[0] = 0x00;
	w = 1 + cobs_encode(body, n, out + 1);
	out[w++] = 0x00;
	return w;
}

enum frame_verdict
frame_decode(const uint8_t *wire, size_t len, struct frame *f,
    struct fe_err *err)
{
	uint8_t body[LINK_MAX_BODY];
	const uint8_t *payload, *mac;
	uint8_t version, type;
	uint32_t session, seq, ack, sack, crc, want;
	uint16_t plen;
	struct rd r;
	long n;

	if (len > FRAME_MAX_COBS) {
		fe_err_set(err, "frame of %zu bytes on the wire: link protocol "
		    "section 2: longer than the %d of the largest frame", len,
		    FRAME_MAX_COBS);
		return FV_NOISE;
	}
	if ((n = cobs_decode(wire, len, body, sizeof(body))) < 0) {
		fe_err_set(err, "frame of %zu bytes on the wire: link protocol "
		    "section 2: malformed COBS", len);
		return FV_NOISE;
	}

	/* The body, in the order of the table in section 2. */
	rd_init(&r, body, (size_t)n);
	if (rd_u8(&r, &version) != 0 || rd_u8(&r, &type) != 0 ||
	    rd_u32be(&r, &session) != 0 || rd_u32be(&r, &seq) != 0 ||
	    rd_u32be(&r, &ack) != 0 || rd_u32be(&r, &sack) != 0 ||
	    rd_u16be(&r, &plen) != 0) {
		fe_err_set(err, "frame body of %ld bytes: link protocol "
		    "section 2: shorter than the %d-byte header", n, LINK_HDR);
		return FV_NOISE;
	}
	if (plen > LINK_MAX_PAYLOAD) {
		fe_err_set(err, "frame body of %ld bytes: link protocol "
		    "section 2: payload length %u is over MAX_PAYLOAD %d", n,
		    (unsigned)plen, LINK_MAX_PAYLOAD);
		return FV_NOISE;
	}
	if (rd_bytes(&r, plen, &payload) != 0 ||
	    rd_bytes(&r, LINK_MAC, &mac) != 0 || rd_u32be(&r, &crc) != 0 ||
	    rd_left(&r) != 0) {
		fe_err_set(err, "frame body of %ld bytes: link protocol "
		    "section 2: payload length %u makes it %d bytes", n,
		    (unsigned)plen, FRAME_MIN_BODY + plen);
		return FV_NOISE;
	}
	want = crc32_ieee(body, (size_t)n - LINK_CRC);
	if (crc != want) {
		fe_err_set(err, "frame body of %ld bytes: link protocol "
		    "section 2: CRC-32 is 0x%08x, computed 0x%08x", n,
		    (unsigned)crc, (unsigned)want);
		return FV_NOISE;
	}
	if (version != LINK_VERSION) {
		fe_err_set(err, "frame: link protocol section 2: version %u, "
		    "expected %d", (unsigned)version, LINK_VERSION);
		return FV_BAD_VERSION;
	}
	if (!type_known(type)) {
		fe_err_set(err, "frame: link protocol section 2: unknown type "
		    "%u", (unsigned)type);
		return FV_BAD_TYPE;
	}

	f->type = type;
	f->session = session;
	f->seq = seq;
	f->ack = ack;
	f->sack = sack;
	f->len = plen;
	memcpy(f->payload, payload, plen);
	memcpy(f->mac, mac, LINK_MAC);
	return FV_OK;
}

bool
frame_mac_ok(const struct frame *f, const uint8_t key[LINK_KEY_LEN],
    uint8_t dir)
{
	uint8_t m[1 + LINK_HDR + LINK_MAX_PAYLOAD];
	uint8_t mac[LINK_MAC];
	bool ok;

	check_dir(dir);
	/* Defensive: frame_decode never gives such a frame. */
	if (f->len > LINK_MAX_PAYLOAD)
		return false;
	mac_compute(key, m, mac_input_put(f, dir, m), mac);
	ok = CRYPTO_memcmp(mac, f->mac, LINK_MAC) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}
