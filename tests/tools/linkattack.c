/*
 * linkattack.c - an attacker's (and a second implementer's) client for the
 * serial link, for tests/e2e/linkattack.sh:
 *
 *   linkattack --device P --key F sign --request REQ --save FRAMES
 *   linkattack --device P --key F replay --frames FRAMES [--new-session]
 *   linkattack --device P --key F dup --request REQ
 *   linkattack --device P --key F forge
 *   linkattack --device P --key F badkey
 *
 * The client side of the handshake and of the message stream is written
 * here a second time from docs/link-protocol.md alone: it does not use
 * link.c or client.c.  From frame.c it takes frame_encode (checked here
 * against a body built from the table in section 2), frame_decode, the
 * deframer and COBS; the MAC of every frame it receives and the session
 * key are computed here.  It is deliberately simple: one DATA frame per
 * message (a SIGN request must fit in 1,024 bytes), no window, no
 * retransmission (the tests use a clean line), and it sends ACK frames and
 * answers PING so that the signer has nothing to resend.
 *
 *   sign    one session; sends one SIGN, saves the exact wire bytes of its
 *           DATA frame and the session number to FRAMES, waits for the
 *           RESULT and prints "status N".
 *   replay  writes the saved bytes to the line as they are, after a fresh
 *           handshake with --new-session, then reads for 1.5 s.
 *   dup     one session; sends the SIGN DATA frame twice, byte for byte
 *           (a replay inside the session); exit 0 if exactly one RESULT
 *           for its tag comes (within 10 s, then 2 s more to be sure).
 *   forge   handshake with the real key, then (a) a DATA frame MACed under
 *           a random key, (b) a HELLO MACed under a random link key, (c) a
 *           DATA frame of another session number; waits 1.5 s; then checks
 *           that the session still works (a genuine STATUS as DATA seq 1
 *           is answered: the forged seq 1 was not taken).
 *   badkey  the handshake with a random link key: exit 0 if no HELLO_ACK
 *           that verifies under it comes within 3 s.
 *
 * Prints what it does on stdout ("session N", "status N", ...); errors on
 * stderr; exit 0 on the outcome described, 1 otherwise, 2 on usage.  A
 * test tool, never installed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lib/err.h"
#include "link/frame.h"
#include "link/tty.h"

#define KEYLEN 32
#define NONCE 16
#define HDR 20
#define MACLEN 16
#define DIR_C 0x43
#define DIR_S 0x53
#define T_HELLO_MS 2000
#define MSG_HDR 9
#define K_SIGN 1
#define K_STATUS 4
#define K_RESULT 129
#define STREAM_MAX (4 * 1024 * 1024)

struct att {
	int fd;
	uint8_t lkey[KEYLEN];       /* link key (maybe a random one) */
	uint8_t skey[KEYLEN];       /* session key */
	uint8_t cnonce[NONCE], snonce[NONCE];
	uint32_t session;
	bool hello_out;             /* waiting for HELLO_ACK */
	bool up;
	uint32_t tx_seq;            /* last DATA seq sent */
	uint32_t tx_acked;          /* highest cumulative ack seen */
	uint32_t rx_ack;            /* highest DATA seq from the signer in order */
	bool ack_due;
	struct deframer df;
	uint8_t *stream;            /* delivered bytes not yet parsed */
	size_t slen;
	/* Counters of what came in. */
	unsigned hello_acks, hello_acks_ok, bad_mac, other_session, dups;
	unsigned results;           /* RESULT messages parsed */
	uint32_t want_tag;
	unsigned want_results;      /* RESULTs for want_tag */
	int last_status;            /* status byte of the last one, or -1 */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
rnd(uint8_t *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1)
		fe_fatal("RAND_bytes failed");
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
hmac256(const uint8_t key[KEYLEN], const uint8_t *m, size_t n, uint8_t out[32])
{
	size_t ol = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, KEYLEN, m, n,
	    out, 32, &ol) == NULL || ol != 32)
		fe_fatal("HMAC-SHA-256 failed");
}

/* Section 2: the body's first 20 + len bytes, from the fields. */
static size_t
body_put(uint8_t *b, uint8_t type, uint32_t session, uint32_t seq,
    uint32_t ack, uint32_t sack, const uint8_t *payload, uint16_t len)
{
	b[0] = 1;
	b[1] = type;
	be32(b + 2, session);
	be32(b + 6, seq);
	be32(b + 10, ack);
	be32(b + 14, sack);
	b[18] = (uint8_t)(len >> 8);
	b[19] = (uint8_t)len;
	memcpy(b + HDR, payload, len);
	return HDR + (size_t)len;
}

/* MAC = HMAC-SHA-256(K, dir || body[0 .. 20+len-1]) truncated to 16. */
static void
mac_of(const uint8_t key[KEYLEN], uint8_t dir, const struct frame *f,
    uint8_t out[MACLEN])
{
	uint8_t m[1 + HDR + LINK_MAX_PAYLOAD], full[32];
	size_t n;

	m[0] = dir;
	n = body_put(m + 1, f->type, f->session, f->seq, f->ack, f->sack,
	    f->payload, f->len);
	hmac256(key, m, 1 + n, full);
	memcpy(out, full, MACLEN);
}

/*
 * Encode with frame.c, then check its bytes against the document: 0x00,
 * COBS of (body || MAC || CRC-32 of everything before), 0x00.
 */
static size_t
encode(const struct frame *f, const uint8_t key[KEYLEN], uint8_t dir,
    uint8_t out[LINK_MAX_WIRE])
{
	uint8_t want[LINK_MAX_BODY], got[LINK_MAX_BODY];
	size_t w, n;
	long d;

	w = frame_encode(f, key, dir, out);
	n = body_put(want, f->type, f->session, f->seq, f->ack, f->sack,
	    f->payload, f->len);
	mac_of(key, dir, f, want + n);
	n += MACLEN;
	be32(want + n, crc32_ieee(want, n));
	n += 4;
	if (w < 3 || out[0] != 0 || out[w - 1] != 0 ||
	    memchr(out + 1, 0, w - 2) != NULL ||
	    (d = cobs_decode(out + 1, w - 2, got, sizeof(got))) < 0 ||
	    (size_t)d != n || memcmp(got, want, n) != 0)
		fe_fatal("frame_encode disagrees with docs/link-protocol.md "
		    "section 2 (type %u)", f->type);
	return w;
}

static void
put(struct att *a, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(a->fd, p, n);
		if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd pfd = { .fd = a->fd, .events = POLLOUT };
			(void)poll(&pfd, 1, 50);
			continue;
		}
		if (w <= 0)
			fe_fatal("writing to the line: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void
send_frame(struct att *a, struct frame *f, const uint8_t key[KEYLEN])
{
	uint8_t w[LINK_MAX_WIRE];

	put(a, w, encode(f, key, DIR_C, w));
}

static void
send_simple(struct att *a, uint8_t type)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	f.type = type;
	f.session = a->session;
	f.ack = a->rx_ack;
	send_frame(a, &f, a->skey);
	a->ack_due = false;
}

static void
send_hello(struct att *a)
{
	struct frame f;

	rnd(a->cnonce, NONCE);
	memset(&f, 0, sizeof(f));
	f.type = FT_HELLO;
	f.len = NONCE;
	memcpy(f.payload, a->cnonce, NONCE);
	send_frame(a, &f, a->lkey);
	a->hello_out = true;
}

/* session_key = HMAC-SHA-256(link_key, "foureyes-link-v1 session" ||
 * client_nonce || signer_nonce || session as 4 bytes big-endian). */
static void
derive(struct att *a)
{
	static const char label[] = "foureyes-link-v1 session";
	uint8_t in[sizeof(label) - 1 + 2 * NONCE + 4];
	size_t n = sizeof(label) - 1;

	memcpy(in, label, n);
	memcpy(in + n, a->cnonce, NONCE);
	memcpy(in + n + NONCE, a->snonce, NONCE);
	be32(in + n + 2 * NONCE, a->session);
	hmac256(a->lkey, in, sizeof(in), a->skey);
}

static bool
mac_ok(const struct frame *f, const uint8_t key[KEYLEN])
{
	uint8_t m[MACLEN];

	mac_of(key, DIR_S, f, m);
	return CRYPTO_memcmp(m, f->mac, MACLEN) == 0;
}

/* Messages: kind (1), tag (4), length (4), body. */
static void
parse_stream(struct att *a)
{
	size_t off = 0;
	uint32_t tag, len;
	uint8_t kind;

	while (a->slen - off >= MSG_HDR) {
		kind = a->stream[off];
		tag = get32(a->stream + off + 1);
		len = get32(a->stream + off + 5);
		if (len > 1024 * 1024)
			fe_fatal("the signer sent a message of %u bytes", len);
		if (a->slen - off - MSG_HDR < len)
			break;
		if (kind == K_RESULT) {
			a->results++;
			printf("result tag %u length %u status %d\n", tag, len,
			    len > 0 ? a->stream[off + MSG_HDR] : -1);
			/* A refusal or failure carries its reason as text. */
			if (len > 1 && a->stream[off + MSG_HDR] != 0)
				printf("text %.*s\n", (int)(len - 1),
				    (const char *)a->stream + off + MSG_HDR + 1);
			if (tag == a->want_tag) {
				a->want_results++;
				a->last_status = len > 0 ?
				    a->stream[off + MSG_HDR] : -1;
			}
		} else {
			printf("message kind %u tag %u from the signer\n", kind,
			    tag);
		}
		off += MSG_HDR + len;
	}
	memmove(a->stream, a->stream + off, a->slen - off);
	a->slen -= off;
}

static void
on_frame(const uint8_t *wire, size_t len, void *arg)
{
	struct att *a = arg;
	struct frame f;
	struct fe_err err;

	if (len == 0 || frame_decode(wire, len, &f, &err) != FV_OK)
		return;
	if (f.type == FT_HELLO_ACK) {
		a->hello_acks++;
		if (!mac_ok(&f, a->lkey)) {
			a->bad_mac++;
			return;
		}
		a->hello_acks_ok++;
		if (!a->hello_out || f.len != 40 || f.session == 0 ||
		    CRYPTO_memcmp(f.payload, a->cnonce, NONCE) != 0)
			return;          /* stale or not ours */
		a->session = f.session;
		memcpy(a->snonce, f.payload + NONCE, NONCE);
		derive(a);
		a->hello_out = false;
		a->up = true;
		a->tx_seq = a->tx_acked = a->rx_ack = 0;
		return;
	}
	if (!a->up || f.session != a->session) {
		a->other_session++;
		return;
	}
	if (!mac_ok(&f, a->skey)) {
		a->bad_mac++;
		return;
	}
	if (f.ack > a->tx_acked && f.ack <= a->tx_seq)
		a->tx_acked = f.ack;
	switch (f.type) {
	case FT_DATA:
		if (f.seq == a->rx_ack + 1) {
			if (a->slen + f.len > STREAM_MAX)
				fe_fatal("receive stream over its limit");
			memcpy(a->stream + a->slen, f.payload, f.len);
			a->slen += f.len;
			a->rx_ack++;
			parse_stream(a);
		} else if (f.seq <= a->rx_ack) {
			a->dups++;
		}
		/* A gap: the signer resends on its timer; we say what we
		 * have (no sack). */
		a->ack_due = true;
		break;
	case FT_PING:
		send_simple(a, FT_PONG);
		break;
	default:
		break;
	}
}

/* Read and handle the line for up to ms; stop early when *until. */
static void
pump(struct att *a, int ms, const bool *until)
{
	int64_t end = now_ms() + ms;
	uint8_t in[4096];
	struct pollfd pfd;
	ssize_t r;
	int64_t left;

	while ((left = end - now_ms()) > 0 && !(until != NULL && *until)) {
		pfd.fd = a->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left > 50 ? 50 : (int)left) < 0 &&
		    errno != EINTR)
			fe_fatal("poll: %s", strerror(errno));
		if (pfd.revents & POLLIN) {
			while ((r = read(a->fd, in, sizeof(in))) > 0)
				deframer_feed(&a->df, in, (size_t)r, on_frame,
				    a);
		}
		if (a->ack_due && a->up)
			send_simple(a, FT_ACK);
	}
}

/* HELLO, and again with a new nonce every T_HELLO, until HELLO_ACK. */
static int
handshake(struct att *a, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms, left;

	a->up = false;
	while (!a->up && (left = end - now_ms()) > 0) {
		send_hello(a);
		pump(a, left < T_HELLO_MS ? (int)left : T_HELLO_MS, &a->up);
	}
	if (!a->up)
		return -1;
	printf("session %u\n", a->session);
	return 0;
}

/* One message in one DATA frame (seq = next); the wire bytes in w. */
static size_t
data_frame(struct att *a, uint8_t kind, uint32_t tag, const uint8_t *body,
    size_t len, const uint8_t key[KEYLEN], uint32_t session,
    uint8_t w[LINK_MAX_WIRE])
{
	struct frame f;

	if (len + MSG_HDR > LINK_MAX_PAYLOAD)
		fe_fatal("a message of %zu bytes does not fit in one frame",
		    len);
	memset(&f, 0, sizeof(f));
	f.type = FT_DATA;
	f.session = session;
	f.seq = a->tx_seq + 1;
	f.ack = a->rx_ack;
	f.len = (uint16_t)(len + MSG_HDR);
	f.payload[0] = kind;
	be32(f.payload + 1, tag);
	be32(f.payload + 5, (uint32_t)len);
	if (len > 0)
		memcpy(f.payload + MSG_HDR, body, len);
	return encode(&f, key, DIR_C, w);
}

static int
read_all(const char *path, uint8_t **p, size_t *n, size_t max)
{
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (fp == NULL) {
		fprintf(stderr, "linkattack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*p = fe_malloc(max + 1);
	got = fread(*p, 1, max + 1, fp);
	fclose(fp);
	if (got > max) {
		fprintf(stderr, "linkattack: %s: over %zu bytes\n", path, max);
		free(*p);
		return -1;
	}
	*n = got;
	return 0;
}

/* 64 hex digits and a newline (section 3: link.key). */
static int
read_key(const char *path, uint8_t key[KEYLEN])
{
	uint8_t *t;
	size_t n, i;
	int hi, lo;

	if (read_all(path, &t, &n, 200) != 0)
		return -1;
	if (n != 2 * KEYLEN + 1 || t[2 * KEYLEN] != '\n')
		goto bad;
	for (i = 0; i < KEYLEN; i++) {
		hi = OPENSSL_hexchar2int(t[2 * i]);
		lo = OPENSSL_hexchar2int(t[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	OPENSSL_cleanse(t, n);
	free(t);
	return 0;
bad:
	fprintf(stderr, "linkattack: %s: not 64 hex digits and a newline\n",
	    path);
	OPENSSL_cleanse(t, n);
	free(t);
	return -1;
}

/* FRAMES: "linkattack-frame 1", "session N", "tag T", "wire HEX". */
static int
save_frames(const char *path, uint32_t session, uint32_t tag,
    const uint8_t *w, size_t n)
{
	FILE *fp = fopen(path, "w");
	size_t i;

	if (fp == NULL) {
		fprintf(stderr, "linkattack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "linkattack-frame 1\nsession %u\ntag %u\nwire ", session,
	    tag);
	for (i = 0; i < n; i++)
		fprintf(fp, "%02x", w[i]);
	fprintf(fp, "\n");
	return fclose(fp) == 0 ? 0 : -1;
}

static int
load_frames(const char *path, uint32_t *session, uint8_t *w, size_t *n)
{
	char hex[2201];
	unsigned s, t;
	FILE *fp = fopen(path, "r");
	size_t i, l;
	int hi, lo;

	if (fp == NULL) {
		fprintf(stderr, "linkattack: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fscanf(fp, "linkattack-frame 1 session %u tag %u wire %2200s", &s,
	    &t, hex) != 3) {
		fclose(fp);
		fprintf(stderr, "linkattack: %s: not a frames file\n", path);
		return -1;
	}
	fclose(fp);
	l = strlen(hex);
	if (l % 2 != 0 || l / 2 > LINK_MAX_WIRE)
		return -1;
	for (i = 0; i < l / 2; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)hex[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		w[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = l / 2;
	*session = s;
	return 0;
}

/* Wait for the RESULT of want_tag, ACK everything, let the ACK leave. */
static void
await_result(struct att *a, int ms)
{
	bool got = false;
	int64_t end = now_ms() + ms;

	while (!got && now_ms() < end) {
		pump(a, 50, NULL);
		got = a->want_results > 0;
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: linkattack --device P --key F "
	    "sign --request REQ --save FRAMES | replay --frames FRAMES "
	    "[--new-session] | dup --request REQ | forge | badkey |\n"
	    "       raw --kind N [--body TEXT]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *device = NULL, *keyfile = NULL, *mode, *request = NULL,
	    *save = NULL, *frames = NULL, *body = "";
	long kind = -1;
	bool new_session = false;
	struct att *a = fe_calloc(1, sizeof(*a));
	struct fe_err err;
	uint8_t w[LINK_MAX_WIRE], w2[LINK_MAX_WIRE];
	uint8_t *req = NULL, rkey[KEYLEN];
	size_t reqlen = 0, n;
	uint32_t tag, s;
	int i, rc = 1;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--device") == 0)
			device = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyfile = argv[i + 1];
		else
			return usage();
	}
	if (i >= argc || device == NULL || keyfile == NULL)
		return usage();
	mode = argv[i++];
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--new-session") == 0)
			new_session = true;
		else if (i + 1 < argc && strcmp(argv[i], "--request") == 0)
			request = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--save") == 0)
			save = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--frames") == 0)
			frames = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--kind") == 0)
			kind = strtol(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--body") == 0)
			body = argv[++i];
		else
			return usage();
	}
	if ((strcmp(mode, "sign") == 0 && (request == NULL || save == NULL)) ||
	    (strcmp(mode, "dup") == 0 && request == NULL) ||
	    (strcmp(mode, "replay") == 0 && frames == NULL) ||
	    (strcmp(mode, "raw") == 0 && (kind < 0 || kind > 255 ||
	    strlen(body) > LINK_MAX_PAYLOAD - MSG_HDR)))
		return usage();
	if (read_key(keyfile, a->lkey) != 0)
		return 1;
	if (request != NULL && read_all(request, &req, &reqlen,
	    LINK_MAX_PAYLOAD - MSG_HDR) != 0)
		return 1;
	a->stream = fe_malloc(STREAM_MAX);
	a->last_status = -1;
	deframer_init(&a->df);
	if ((a->fd = tty_open(device, 115200, false, &err)) < 0) {
		fprintf(stderr, "linkattack: %s\n", err.msg);
		return 1;
	}
	rnd((uint8_t *)&tag, sizeof(tag));
	tag |= 1;
	a->want_tag = tag;

	if (strcmp(mode, "raw") == 0) {
		/* One message of any kind and body: for the signer's answers
		 * to malformed or unknown messages. */
		if (handshake(a, 10000) != 0) {
			fprintf(stderr, "linkattack: no HELLO_ACK\n");
			goto out;
		}
		n = data_frame(a, (uint8_t)kind, tag, (const uint8_t *)body,
		    strlen(body), a->skey, a->session, w);
		put(a, w, n);
		a->tx_seq++;
		await_result(a, 20000);
		pump(a, 200, NULL);
		rc = a->want_results == 1 ? 0 : 1;
	} else if (strcmp(mode, "sign") == 0) {
		if (handshake(a, 10000) != 0) {
			fprintf(stderr, "linkattack: no HELLO_ACK\n");
			goto out;
		}
		n = data_frame(a, K_SIGN, tag, req, reqlen, a->skey, a->session,
		    w);
		if (save_frames(save, a->session, tag, w, n) != 0)
			goto out;
		put(a, w, n);
		a->tx_seq++;
		await_result(a, 20000);
		pump(a, 200, NULL);        /* the ACK leaves; late repeats */
		if (a->want_results == 0) {
			fprintf(stderr, "linkattack: no RESULT in 20 s\n");
			goto out;
		}
		printf("status %d\n", a->last_status);
		rc = 0;
	} else if (strcmp(mode, "replay") == 0) {
		if (load_frames(frames, &s, w, &n) != 0)
			goto out;
		if (new_session) {
			if (handshake(a, 10000) != 0) {
				fprintf(stderr, "linkattack: no HELLO_ACK\n");
				goto out;
			}
			printf("saved frame of session %u, now session %u\n", s,
			    a->session);
		}
		put(a, w, n);
		pump(a, 1500, NULL);
		printf("results %u\n", a->results);
		rc = 0;
	} else if (strcmp(mode, "dup") == 0) {
		if (handshake(a, 10000) != 0) {
			fprintf(stderr, "linkattack: no HELLO_ACK\n");
			goto out;
		}
		n = data_frame(a, K_SIGN, tag, req, reqlen, a->skey, a->session,
		    w);
		memcpy(w2, w, n);
		memcpy(w2 + n, w, n);      /* the same bytes, back to back */
		put(a, w2, 2 * n);
		a->tx_seq++;
		await_result(a, 10000);
		pump(a, 2000, NULL);
		printf("results for tag %u: %u (duplicates from the signer %u)"
		    "\n", tag, a->want_results, a->dups);
		rc = a->want_results == 1 ? 0 : 1;
	} else if (strcmp(mode, "forge") == 0) {
		struct frame f;

		if (handshake(a, 10000) != 0) {
			fprintf(stderr, "linkattack: no HELLO_ACK\n");
			goto out;
		}
		/* (a) DATA under a random key: good CRC, bad MAC. */
		rnd(rkey, sizeof(rkey));
		put(a, w, data_frame(a, K_STATUS, tag ^ 2, NULL, 0, rkey,
		    a->session, w));
		/* (b) HELLO under a random link key. */
		memset(&f, 0, sizeof(f));
		f.type = FT_HELLO;
		f.len = NONCE;
		rnd(f.payload, NONCE);
		rnd(rkey, sizeof(rkey));
		send_frame(a, &f, rkey);
		/* (c) DATA of another session (MACed with our session key). */
		put(a, w, data_frame(a, K_STATUS, tag ^ 4, NULL, 0, a->skey,
		    a->session + 1, w));
		printf("sent a forged DATA, a forged HELLO and a DATA of "
		    "session %u\n", a->session + 1);
		pump(a, 1500, NULL);
		/* The session is still ours and seq 1 is still free. */
		put(a, w, data_frame(a, K_STATUS, tag, NULL, 0, a->skey,
		    a->session, w));
		a->tx_seq++;
		await_result(a, 10000);
		pump(a, 100, NULL);
		printf("genuine STATUS after the forgeries: results %u status "
		    "%d; answers to forged tags %u\n", a->want_results,
		    a->last_status, a->results - a->want_results);
		rc = a->want_results == 1 && a->last_status == 0 &&
		    a->results == 1 ? 0 : 1;
	} else if (strcmp(mode, "badkey") == 0) {
		rnd(a->lkey, sizeof(a->lkey));
		(void)handshake(a, 3000);
		printf("HELLO_ACK frames %u, verifying under our key %u\n",
		    a->hello_acks, a->hello_acks_ok);
		rc = a->hello_acks_ok == 0 && !a->up ? 0 : 1;
	} else {
		rc = usage();
	}
out:
	close(a->fd);
	free(a->stream);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
	free(req);
	return rc;
}
