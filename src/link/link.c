/*
 * link.c - the session layer of the serial link (docs/link-protocol.md).
 *
 * Trusts nothing from the line: frames are decoded by frame.c, and here a
 * frame is acted on only after its session number and MAC check out.  The
 * line is a FIFO (a serial cable never reorders), which makes loss
 * detection exact: when the peer acknowledges a later frame selectively,
 * every earlier unacknowledged frame was lost and is sent again at once.
 *
 * State per direction: the sender keeps up to `window` DATA frames in a
 * ring indexed by seq % LINK_WINDOW_MAX until they are acknowledged; the
 * receiver delivers in order, buffers up to 32 frames ahead, and reports
 * them in `sack`.  Whole messages are resent by the client after a new
 * session; frames never cross sessions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/buf.h"
#include "lib/seam.h"
#include "link/link.h"

enum state { ST_DOWN, ST_HELLO_SENT, ST_UP };

struct txseg {
	bool used;
	bool acked;
	bool resent;             /* no RTT sample from it (Karn) */
	uint64_t order;          /* tx_order of its last transmission */
	uint64_t first;          /* tx_order of its first transmission */
	uint32_t seq;
	uint16_t len;
	int64_t sent_ms;
	int64_t rto_ms;
	uint8_t data[LINK_MAX_PAYLOAD];
};

struct link {
	enum link_role role;
	uint8_t dir_out, dir_in;
	uint8_t key[LINK_KEY_LEN];
	uint8_t skey[LINK_KEY_LEN];
	struct link_params p;
	struct link_hooks h;
	int fd;
	enum state st;
	uint32_t session;
	uint8_t cnonce[16];        /* client: ours; signer: current session's */
	uint8_t snonce[16];
	int64_t hello_ms, last_rx_ms, last_tx_ms, ack_due_ms;
	bool ack_now;

	/* Sending. */
	struct buf txq;            /* message bytes not yet put into frames */
	size_t txq_off;
	struct txseg win[LINK_WINDOW_MAX];
	uint64_t tx_order;         /* counts DATA transmissions */
	int64_t srtt_ms, rttvar_ms, rto_ms;  /* RFC 6298 estimator */
	int64_t probe_ms;          /* when the last stall probe was sent */
	int64_t last_data_ms;      /* when the last DATA frame was sent */
	uint32_t next_seq;         /* seq of the next new DATA frame */
	uint32_t base_seq;         /* lowest unacknowledged seq */

	/* Receiving. */
	uint32_t rx_ack;
	uint32_t rx_sack;
	uint8_t rxbuf[32][LINK_MAX_PAYLOAD];
	uint16_t rxlen[32];
	struct buf rxq;            /* delivered bytes not yet parsed */
	size_t rxq_off;

	/* Bytes for the line. */
	struct buf wire;
	size_t wire_off;
	struct deframer df;
	struct link_stats stats;
};

int64_t
link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
link_params_default(struct link_params *p)
{
	p->window = 8;
	p->baud = 115200;
	p->frame_payload = LINK_MAX_PAYLOAD;
	p->t_ack_ms = 20;
	p->t_idle_ms = 1000;
	p->t_dead_ms = 5000;
	p->t_hello_ms = 2000;
}

/* Time a full frame takes on the line, in ms (10 bits per byte). */
static int64_t
frame_ms(const struct link *l)
{
	int64_t wire = l->p.frame_payload + LINK_HDR + LINK_MAC + LINK_CRC +
	    l->p.frame_payload / 254 + 2;

	return wire * 10 * 1000 / (l->p.baud ? l->p.baud : 115200) + 1;
}

/*
 * The retransmission timeout (RFC 6298): before any round trip has been
 * measured, the time the window takes on the line in both directions (the
 * answers queue behind requests on a busy line); afterwards SRTT + 4 RTTVAR.
 * Samples come only from frames sent once (Karn's rule).
 */
static int64_t
rto_initial(const struct link *l)
{
	if (l->rto_ms > 0)
		return l->rto_ms;
	return 2 * frame_ms(l) * (int64_t)(l->p.window + 1) + 200;
}

static void
rtt_sample(struct link *l, int64_t r)
{
	if (l->srtt_ms == 0) {
		l->srtt_ms = r;
		l->rttvar_ms = r / 2;
	} else {
		int64_t d = l->srtt_ms > r ? l->srtt_ms - r : r - l->srtt_ms;
		l->rttvar_ms = (3 * l->rttvar_ms + d) / 4;
		l->srtt_ms = (7 * l->srtt_ms + r) / 8;
	}
	l->rto_ms = l->srtt_ms + 4 * l->rttvar_ms + 2 * frame_ms(l);
	if (l->rto_ms < 200)
		l->rto_ms = 200;
	if (l->rto_ms > 10000)
		l->rto_ms = 10000;
}

struct link *
link_new(enum link_role role, const uint8_t key[LINK_KEY_LEN],
    const struct link_params *p, const struct link_hooks *h)
{
	struct link *l = fe_calloc(1, sizeof(*l));

	l->role = role;
	l->dir_out = role == LINK_CLIENT ? LINK_FROM_CLIENT : LINK_FROM_SIGNER;
	l->dir_in = role == LINK_CLIENT ? LINK_FROM_SIGNER : LINK_FROM_CLIENT;
	memcpy(l->key, key, LINK_KEY_LEN);
	l->p = *p;
	if (l->p.window < 1)
		l->p.window = 1;
	if (l->p.window > LINK_WINDOW_MAX)
		l->p.window = LINK_WINDOW_MAX;
	if (l->p.frame_payload < 16 || l->p.frame_payload > LINK_MAX_PAYLOAD)
		l->p.frame_payload = LINK_MAX_PAYLOAD;
	if (h != NULL)
		l->h = *h;
	l->fd = -1;
	l->st = ST_DOWN;
	buf_init(&l->txq, LINK_TXQ_MAX + LINK_MSG_MAX);
	buf_init(&l->rxq, 2 * LINK_MSG_MAX);
	buf_init(&l->wire, 64 * LINK_MAX_WIRE);
	deframer_init(&l->df);
	return l;
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	buf_free(&l->txq);
	buf_free(&l->rxq);
	buf_free(&l->wire);
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

void
link_attach(struct link *l, int fd)
{
	l->fd = fd;
	deframer_init(&l->df);
	buf_reset(&l->wire);
	l->wire_off = 0;
}

bool
link_up(const struct link *l)
{
	return l->st == ST_UP;
}

uint32_t
link_session(const struct link *l)
{
	return l->session;
}

const struct link_stats *
link_get_stats(const struct link *l)
{
	return &l->stats;
}

void
link_stats_format(const struct link_stats *st, char *out, size_t n)
{
	(void)fe_snprintf_ok(out, n, "frames_in=%llu frames_out=%llu "
	    "bytes_in=%llu bytes_out=%llu noise=%llu bad_mac=%llu stale=%llu "
	    "duplicates=%llu retransmits=%llu fast_retransmits=%llu "
	    "sessions=%llu",
	    (unsigned long long)st->frames_in,
	    (unsigned long long)st->frames_out,
	    (unsigned long long)st->bytes_in,
	    (unsigned long long)st->bytes_out,
	    (unsigned long long)st->noise,
	    (unsigned long long)st->bad_mac,
	    (unsigned long long)st->stale_session,
	    (unsigned long long)st->duplicates,
	    (unsigned long long)st->retransmits,
	    (unsigned long long)st->fast_retransmits,
	    (unsigned long long)st->sessions);
}

/* Drop all per-session transfer state (not the message queues). */
static void
reset_transfer(struct link *l)
{
	memset(l->win, 0, sizeof(l->win));
	l->srtt_ms = l->rttvar_ms = l->rto_ms = 0;
	l->next_seq = 1;
	l->base_seq = 1;
	l->rx_ack = 0;
	l->rx_sack = 0;
	l->ack_due_ms = 0;
	l->ack_now = false;
	/* Messages half-sent or half-received in the old session are gone
	 * for good: the client resends whole messages in the new one. */
	buf_reset(&l->rxq);
	l->rxq_off = 0;
	buf_reset(&l->txq);
	l->txq_off = 0;
}

static void
derive_session_key(struct link *l)
{
	static const char label[] = "foureyes-link-v1 session";
	uint8_t in[sizeof(label) - 1 + 16 + 16 + 4];
	unsigned int n = LINK_KEY_LEN;

	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, l->cnonce, 16);
	memcpy(in + sizeof(label) - 1 + 16, l->snonce, 16);
	in[sizeof(in) - 4] = (uint8_t)(l->session >> 24);
	in[sizeof(in) - 3] = (uint8_t)(l->session >> 16);
	in[sizeof(in) - 2] = (uint8_t)(l->session >> 8);
	in[sizeof(in) - 1] = (uint8_t)l->session;
	if (HMAC(EVP_sha256(), l->key, LINK_KEY_LEN, in, sizeof(in), l->skey,
	    &n) == NULL)
		fe_fatal("HMAC failed");
}

static void
emit(struct link *l, struct frame *f, bool link_key)
{
	uint8_t w[LINK_MAX_WIRE];
	size_t n;

	f->ack = l->rx_ack;
	f->sack = l->rx_sack;
	if (f->type != FT_HELLO)
		f->session = l->session;
	n = frame_encode(f, link_key ? l->key : l->skey, l->dir_out, w);
	if (buf_add(&l->wire, w, n) != 0) {
		/* The line is not draining: the peer will ask again. */
		return;
	}
	l->stats.frames_out++;
	l->last_tx_ms = link_now_ms();
	if (f->type == FT_DATA || f->type == FT_ACK || f->type == FT_PING ||
	    f->type == FT_PONG) {
		l->ack_due_ms = 0;
		l->ack_now = false;
	}
}

static void
send_simple(struct link *l, uint8_t type)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	f.type = type;
	emit(l, &f, false);
}

static void
send_hello(struct link *l)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	fe_random(l->cnonce, 16);
	f.type = FT_HELLO;
	f.session = 0;
	f.len = 16;
	memcpy(f.payload, l->cnonce, 16);
	emit(l, &f, true);
	l->st = ST_HELLO_SENT;
	l->hello_ms = link_now_ms();
}

static void
send_hello_ack(struct link *l)
{
	struct frame f;
	int64_t t = fe_now_sec();
	int i;

	memset(&f, 0, sizeof(f));
	f.type = FT_HELLO_ACK;
	f.session = l->session;
	f.len = 40;
	memcpy(f.payload, l->cnonce, 16);
	memcpy(f.payload + 16, l->snonce, 16);
	for (i = 0; i < 8; i++)
		f.payload[32 + i] = (uint8_t)((uint64_t)t >> (56 - 8 * i));
	emit(l, &f, true);
}

void
link_reset(struct link *l)
{
	reset_transfer(l);
	l->st = ST_DOWN;
	l->session = 0;
	OPENSSL_cleanse(l->skey, sizeof(l->skey));
}

static void
send_data(struct link *l, struct txseg *s)
{
	struct frame f;

	memset(&f, 0, sizeof(f));
	f.type = FT_DATA;
	f.seq = s->seq;
	f.len = s->len;
	memcpy(f.payload, s->data, s->len);
	if (s->order != 0)
		s->resent = true;
	emit(l, &f, false);
	s->sent_ms = link_now_ms();
	l->last_data_ms = s->sent_ms;
	s->order = ++l->tx_order;
	if (s->first == 0)
		s->first = s->order;
}

/* Put queued message bytes into new DATA frames while the window allows
 * and the line is keeping up. */
static void
fill_window(struct link *l)
{
	struct txseg *s;
	size_t left, n;

	while (l->st == ST_UP && l->next_seq - l->base_seq < l->p.window &&
	    l->txq.len > l->txq_off &&
	    l->wire.len - l->wire_off < 2 * LINK_MAX_WIRE) {
		left = l->txq.len - l->txq_off;
		n = left < l->p.frame_payload ? left : l->p.frame_payload;
		s = &l->win[l->next_seq % LINK_WINDOW_MAX];
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->seq = l->next_seq++;
		s->len = (uint16_t)n;
		memcpy(s->data, l->txq.p + l->txq_off, n);
		s->rto_ms = rto_initial(l);
		l->txq_off += n;
		send_data(l, s);
	}
	if (l->txq_off == l->txq.len) {
		buf_reset(&l->txq);
		l->txq_off = 0;
	} else if (l->txq_off > (1u << 20)) {
		memmove(l->txq.p, l->txq.p + l->txq_off, l->txq.len - l->txq_off);
		l->txq.len -= l->txq_off;
		l->txq_off = 0;
	}
}

/* Every unacknowledged frame whose last transmission went out before the
 * transmission numbered `newest` (known to have arrived) was lost. */
static void
resend_before(struct link *l, uint64_t newest)
{
	struct txseg *t;
	uint32_t s;

	if (newest == 0)
		return;
	for (s = l->base_seq; s != l->next_seq; s++) {
		t = &l->win[s % LINK_WINDOW_MAX];
		if (t->used && !t->acked && t->order < newest) {
			send_data(l, t);
			l->stats.fast_retransmits++;
		}
	}
}

/*
 * A stall probe: a PING whose payload is its own place in the
 * transmission order.  The peer echoes it in the PONG; since the line
 * keeps order, every frame sent before the PING that the PONG's
 * acknowledgement does not cover was lost.  Sent when frames wait for an
 * acknowledgement and nothing newer can be sent to bring the evidence.
 */
static void
send_probe(struct link *l)
{
	struct frame f;
	uint64_t o = ++l->tx_order;
	int i;

	memset(&f, 0, sizeof(f));
	f.type = FT_PING;
	f.len = 8;
	for (i = 0; i < 8; i++)
		f.payload[i] = (uint8_t)(o >> (56 - 8 * i));
	emit(l, &f, false);
	l->probe_ms = link_now_ms();
}

static void
handle_acks(struct link *l, uint32_t ack, uint32_t sack)
{
	uint32_t s;
	uint64_t newest = 0;       /* latest transmission known to arrive */
	int64_t now = link_now_ms();
	struct txseg *t;
	int i;

	for (s = l->base_seq; s != l->next_seq; s++) {
		t = &l->win[s % LINK_WINDOW_MAX];
		if (t->used && !t->acked && s <= ack) {
			t->acked = true;
			if (!t->resent)
				rtt_sample(l, now - t->sent_ms);
			if (t->first > newest)
				newest = t->first;
		}
	}
	for (i = 0; i < 32; i++) {
		if (!(sack & (1u << i)))
			continue;
		s = ack + 2 + (uint32_t)i;
		if (s - l->base_seq >= l->next_seq - l->base_seq)
			continue;            /* not in flight */
		t = &l->win[s % LINK_WINDOW_MAX];
		if (t->used && t->seq == s && !t->acked) {
			t->acked = true;
			if (!t->resent)
				rtt_sample(l, now - t->sent_ms);
			if (t->first > newest)
				newest = t->first;
		}
	}
	/*
	 * The line keeps order: a frame whose last transmission went out
	 * before one that is now known to have arrived was lost.  Send it
	 * again at once.  Of a frame sent more than once we cannot tell
	 * which copy arrived, so only its first transmission counts as
	 * evidence (the earliest any copy can have left).
	 */
	resend_before(l, newest);
	while (l->base_seq != l->next_seq &&
	    l->win[l->base_seq % LINK_WINDOW_MAX].acked) {
		l->win[l->base_seq % LINK_WINDOW_MAX].used = false;
		l->base_seq++;
	}
}

static void reject(struct link *l, const char *why, const struct frame *f);

static void
deliver(struct link *l, const uint8_t *p, size_t n)
{
	if (buf_add(&l->rxq, p, n) != 0)
		fe_fatal("link receive queue over its limit");
}

static void
handle_data(struct link *l, const struct frame *f)
{
	uint32_t off;

	if (f->seq == l->rx_ack + 1) {
		deliver(l, f->payload, f->len);
		l->rx_ack++;
		while (l->rx_sack & 1u) {
			uint32_t idx = (l->rx_ack + 1) % 32;
			deliver(l, l->rxbuf[idx], l->rxlen[idx]);
			l->rx_ack++;
			l->rx_sack >>= 1;
		}
		l->rx_sack >>= 1;
		if (l->ack_due_ms == 0)
			l->ack_due_ms = link_now_ms() + l->p.t_ack_ms;
		/* Out-of-order data still buffered: say so at once. */
		if (l->rx_sack != 0)
			l->ack_now = true;
		return;
	}
	if (f->seq <= l->rx_ack) {
		/* A retransmission, or a replay: acknowledged again, never
		 * delivered twice. */
		l->stats.duplicates++;
		l->ack_now = true;
		reject(l, "duplicate frame (retransmitted or replayed): not "
		    "delivered again", f);
		return;
	}
	off = f->seq - l->rx_ack - 2;
	if (off < 32) {
		uint32_t idx = f->seq % 32;
		if (!(l->rx_sack & (1u << off))) {
			memcpy(l->rxbuf[idx], f->payload, f->len);
			l->rxlen[idx] = f->len;
			l->rx_sack |= 1u << off;
			l->stats.out_of_order++;
		}
	}
	l->ack_now = true;
}

/*
 * A note on the sack bookkeeping above: bit i of rx_sack stands for seq
 * rx_ack + 2 + i.  When rx_ack advances by one, every bit moves down by
 * one; bit 0 (seq rx_ack + 2 before the advance) becomes "the next in
 * order" and is tested by the loop.
 */

static void
reject(struct link *l, const char *why, const struct frame *f)
{
	if (l->h.reject != NULL)
		l->h.reject(l->h.arg, why, f);
}

static void
on_hello(struct link *l, const struct frame *f)
{
	struct fe_err err;
	uint32_t s;

	if (l->role != LINK_SIGNER || f->len != 16) {
		reject(l, "HELLO with a bad length or to the client", f);
		return;
	}
	if (l->st == ST_UP && CRYPTO_memcmp(f->payload, l->cnonce, 16) == 0) {
		/* The same HELLO again (duplicated or resent): same answer. */
		send_hello_ack(l);
		return;
	}
	if (l->h.next_session == NULL || l->h.next_session(l->h.arg, &s,
	    &err) != 0) {
		reject(l, "cannot store a new session number", f);
		return;
	}
	reset_transfer(l);
	l->session = s;
	memcpy(l->cnonce, f->payload, 16);
	fe_random(l->snonce, 16);
	derive_session_key(l);
	l->st = ST_UP;
	l->stats.sessions++;
	send_hello_ack(l);
	if (l->h.session != NULL)
		l->h.session(l->h.arg, s);
}

static void
on_hello_ack(struct link *l, const struct frame *f)
{
	if (l->role != LINK_CLIENT || f->len != 40) {
		reject(l, "HELLO_ACK with a bad length or to the signer", f);
		return;
	}
	if (l->st != ST_HELLO_SENT ||
	    CRYPTO_memcmp(f->payload, l->cnonce, 16) != 0) {
		if (!(l->st == ST_UP && f->session == l->session))
			reject(l, "HELLO_ACK that answers no HELLO of ours "
			    "(replayed)", f);
		return;
	}
	reset_transfer(l);
	l->session = f->session;
	memcpy(l->snonce, f->payload + 16, 16);
	derive_session_key(l);
	l->st = ST_UP;
	l->stats.sessions++;
	if (l->h.session != NULL)
		l->h.session(l->h.arg, l->session);
}

static void
on_wire_frame(const uint8_t *wire, size_t len, void *arg)
{
	struct link *l = arg;
	struct frame f;
	struct fe_err err;

	if (len == 0)
		return;                  /* back-to-back delimiters */
	switch (frame_decode(wire, len, &f, &err)) {
	case FV_OK:
		break;
	case FV_NOISE:
		l->stats.noise++;
		return;
	case FV_BAD_VERSION:
		l->stats.bad_version++;
		reject(l, "frame of another protocol version", NULL);
		return;
	case FV_BAD_TYPE:
		l->stats.bad_type++;
		reject(l, "frame of an unknown type", NULL);
		return;
	default:
		return;
	}
	l->stats.frames_in++;
	if (f.type == FT_HELLO || f.type == FT_HELLO_ACK) {
		if (!frame_mac_ok(&f, l->key, l->dir_in)) {
			l->stats.bad_mac++;
			reject(l, "forged frame: bad MAC (link key)", &f);
			return;
		}
		l->last_rx_ms = link_now_ms();
		if (f.type == FT_HELLO)
			on_hello(l, &f);
		else
			on_hello_ack(l, &f);
		return;
	}
	if (l->st != ST_UP || f.session != l->session) {
		l->stats.stale_session++;
		reject(l, l->st != ST_UP || f.session < l->session ?
		    "frame from before a restart or of an earlier session" :
		    "frame of an unknown session", &f);
		return;
	}
	if (!frame_mac_ok(&f, l->skey, l->dir_in)) {
		l->stats.bad_mac++;
		reject(l, "forged frame: bad MAC", &f);
		return;
	}
	l->last_rx_ms = link_now_ms();
	handle_acks(l, f.ack, f.sack);
	switch (f.type) {
	case FT_DATA:
		handle_data(l, &f);
		break;
	case FT_PING: {
		struct frame pong;
		l->stats.pings++;
		memset(&pong, 0, sizeof(pong));
		pong.type = FT_PONG;
		if (f.len == 8) {
			pong.len = 8;
			memcpy(pong.payload, f.payload, 8);
		}
		emit(l, &pong, false);
		break;
	}
	case FT_PONG:
		if (f.len == 8) {
			uint64_t o = 0;
			int i;
			for (i = 0; i < 8; i++)
				o = o << 8 | f.payload[i];
			if (o <= l->tx_order)
				resend_before(l, o);
		}
		break;
	case FT_ACK:
		break;
	default:
		reject(l, "unexpected frame type", &f);
		break;
	}
}

static void
timers(struct link *l)
{
	int64_t now = link_now_ms();
	uint32_t s;
	struct txseg *t;

	if (l->role == LINK_CLIENT) {
		if (l->st == ST_DOWN ||
		    (l->st == ST_HELLO_SENT &&
		    now - l->hello_ms >= l->p.t_hello_ms)) {
			send_hello(l);
			return;
		}
		if (l->st == ST_UP && now - l->last_rx_ms >= l->p.t_dead_ms) {
			/* The signer is gone or restarted: new session. */
			link_reset(l);
			send_hello(l);
			return;
		}
	}
	if (l->st != ST_UP)
		return;
	for (s = l->base_seq; s != l->next_seq; s++) {
		t = &l->win[s % LINK_WINDOW_MAX];
		if (t->used && !t->acked && now - t->sent_ms >= t->rto_ms) {
			send_data(l, t);
			/* Back off only while the peer is silent (cable pulled,
			 * peer restarting): losses to noise are not congestion
			 * and waiting longer would only slow recovery. */
			if (now - l->last_rx_ms >= t->rto_ms)
				t->rto_ms = t->rto_ms * 2 > 10000 ? 10000 :
				    t->rto_ms * 2;
			else
				t->rto_ms = rto_initial(l);
			l->stats.retransmits++;
		}
	}
	fill_window(l);
	/* Stalled: frames wait for acknowledgement, nothing new can go out,
	 * and the last frame has had time to arrive and be acknowledged. */
	if (l->base_seq != l->next_seq && l->wire_off == l->wire.len &&
	    (l->next_seq - l->base_seq >= l->p.window ||
	    l->txq.len == l->txq_off) &&
	    now - l->last_data_ms >= 2 * frame_ms(l) + l->p.t_ack_ms + 20 &&
	    now - l->probe_ms >= 4 * frame_ms(l) + l->p.t_ack_ms + 80)
		send_probe(l);
	if (l->ack_now || (l->ack_due_ms != 0 && now >= l->ack_due_ms))
		send_simple(l, FT_ACK);
	if (now - l->last_tx_ms >= l->p.t_idle_ms)
		send_simple(l, FT_PING);
}

static int
flush_wire(struct link *l, struct fe_err *err)
{
	ssize_t w;

	while (l->fd >= 0 && l->wire_off < l->wire.len) {
		w = write(l->fd, l->wire.p + l->wire_off,
		    l->wire.len - l->wire_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0)
			return fe_err_sys(err, "writing to the line");
		l->wire_off += (size_t)w;
		l->stats.bytes_out += (uint64_t)w;
	}
	if (l->wire_off == l->wire.len) {
		buf_reset(&l->wire);
		l->wire_off = 0;
	}
	return 0;
}

int
link_step(struct link *l, int timeout_ms, struct fe_err *err)
{
	struct pollfd pfd;
	uint8_t in[4096];
	ssize_t r;
	int n;

	timers(l);
	if (l->fd < 0) {
		/* No line: nothing to read or write; drop what waits. */
		buf_reset(&l->wire);
		l->wire_off = 0;
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return 0;
	}
	if (flush_wire(l, err) != 0)
		return FE_EIO;
	pfd.fd = l->fd;
	pfd.events = POLLIN | (l->wire_off < l->wire.len ? POLLOUT : 0);
	pfd.revents = 0;
	/* Wake for the nearest timer: acks and retransmissions. */
	if (l->ack_due_ms != 0 || l->ack_now || l->next_seq != l->base_seq ||
	    l->st != ST_UP) {
		int64_t d = l->ack_now ? 0 : l->p.t_ack_ms;
		if (timeout_ms < 0 || d < timeout_ms)
			timeout_ms = (int)d;
	}
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		return fe_err_sys(err, "waiting for the line");
	if (n > 0 && (pfd.revents & POLLIN)) {
		for (;;) {
			r = read(l->fd, in, sizeof(in));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r < 0)
				return fe_err_sys(err, "reading the line");
			if (r == 0)
				break;
			l->stats.bytes_in += (uint64_t)r;
			deframer_feed(&l->df, in, (size_t)r, on_wire_frame, l);
			if ((size_t)r < sizeof(in))
				break;
		}
	} else if (n > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		return fe_err_code(err, FE_EIO, "the line hung up");
	}
	timers(l);
	if (flush_wire(l, err) != 0)
		return FE_EIO;
	return 0;
}

int
link_send(struct link *l, uint8_t kind, uint32_t tag, const uint8_t *body,
    size_t len, struct fe_err *err)
{
	size_t before = l->txq.len;

	if (len > LINK_MSG_MAX)
		return fe_err_set(err, "message of %zu bytes is over the %d "
		    "byte limit", len, LINK_MSG_MAX);
	if (l->txq.len - l->txq_off + len + 9 > LINK_TXQ_MAX)
		return fe_err_code(err, FE_EBUSY, "link send queue is full");
	if (buf_add_u8(&l->txq, kind) != 0 || buf_add_u32be(&l->txq, tag) != 0 ||
	    buf_add_u32be(&l->txq, (uint32_t)len) != 0 ||
	    buf_add(&l->txq, body, len) != 0) {
		l->txq.len = before;
		return fe_err_code(err, FE_EBUSY, "link send queue is full");
	}
	fill_window(l);
	return 0;
}

int
link_recv(struct link *l, uint8_t *kind, uint32_t *tag, uint8_t **body,
    size_t *len, struct fe_err *err)
{
	struct rd r;
	uint8_t k;
	uint32_t t, n;

	rd_init(&r, l->rxq.p + l->rxq_off, l->rxq.len - l->rxq_off);
	if (rd_u8(&r, &k) != 0 || rd_u32be(&r, &t) != 0 ||
	    rd_u32be(&r, &n) != 0)
		return 0;
	if (n > LINK_MSG_MAX)
		return fe_err_set(err, "peer sent a message of %u bytes, over "
		    "the %d byte limit", n, LINK_MSG_MAX);
	if (rd_left(&r) < n)
		return 0;
	*kind = k;
	*tag = t;
	*len = n;
	*body = fe_malloc(n + 1);
	memcpy(*body, r.p + r.off, n);
	(*body)[n] = '\0';
	l->rxq_off += 9 + n;
	if (l->rxq_off == l->rxq.len) {
		buf_reset(&l->rxq);
		l->rxq_off = 0;
	} else if (l->rxq_off > (1u << 20)) {
		memmove(l->rxq.p, l->rxq.p + l->rxq_off, l->rxq.len - l->rxq_off);
		l->rxq.len -= l->rxq_off;
		l->rxq_off = 0;
	}
	return 1;
}

int
link_key_read(const char *path, uint8_t key[LINK_KEY_LEN], struct fe_err *err)
{
	struct stat st;
	char text[LINK_KEY_LEN * 2 + 2];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fe_err_sys(err, "%s: cannot open the link key", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fe_err_set(err, "%s: the link key is not a regular file",
		    path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return fe_err_set(err, "%s: the link key is readable by group "
		    "or others (mode %03o): chmod 600", path,
		    (unsigned)(st.st_mode & 0777));
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n != LINK_KEY_LEN * 2 + 1 || text[LINK_KEY_LEN * 2] != '\n' ||
	    hex_decode(text, LINK_KEY_LEN * 2, key, LINK_KEY_LEN) != 0) {
		OPENSSL_cleanse(text, sizeof(text));
		return fe_err_set(err, "%s: not a link key (64 hex digits and a "
		    "newline)", path);
	}
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}
