/*
 * link.h - one end of the serial link (docs/link-protocol.md sections 3-5):
 * the handshake, reliable pipelined delivery with a window, acknowledgement
 * and retransmission, keep-alives, and the message stream on top.
 *
 * Single-threaded and poll-driven: the owner calls link_step() in its loop;
 * link_send() queues a message, link_recv() hands out complete messages in
 * order.  The same code runs on the client (the online host) and on the
 * signer; the role decides who starts the handshake and which direction
 * byte goes into the MAC.
 */
#ifndef FE_LINK_H
#define FE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/frame.h"

#define LINK_WINDOW_MAX 32
#define LINK_MSG_MAX (1024 * 1024)
#define LINK_TXQ_MAX (8 * 1024 * 1024)

enum link_role { LINK_CLIENT, LINK_SIGNER };

enum msg_kind {
	MSG_SIGN = 1, MSG_REVOKE = 2, MSG_CRL = 3, MSG_STATUS = 4, MSG_LOGS = 5,
	MSG_RESULT = 129
};
enum msg_status { MSG_OK = 0, MSG_REFUSED = 1, MSG_FAILED = 2 };

struct link_params {
	unsigned window;         /* 1 .. LINK_WINDOW_MAX; 1 = stop-and-wait */
	unsigned baud;           /* to size the retransmission timeout */
	unsigned frame_payload;  /* largest DATA payload, 16 .. 1024: small
	                          * frames on a noisy line (1024) */
	unsigned t_ack_ms;       /* delayed acknowledgement (20) */
	unsigned t_idle_ms;      /* keep-alive after this much silence (1000) */
	unsigned t_dead_ms;      /* client: new handshake after this (5000) */
	unsigned t_hello_ms;     /* client: resend HELLO (2000) */
};
void link_params_default(struct link_params *p);

struct link_stats {
	uint64_t frames_in, frames_out, bytes_in, bytes_out;
	uint64_t noise, bad_version, bad_type, bad_mac, stale_session;
	uint64_t duplicates, out_of_order, retransmits, fast_retransmits;
	uint64_t sessions, pings;
};

struct link_hooks {
	/* Signer: the next session number, stored durably before it is used. */
	int (*next_session)(void *arg, uint32_t *out, struct fe_err *err);
	/* A frame was rejected (bad MAC, stale session, ...): reason text and
	 * the frame when it could be decoded. */
	void (*reject)(void *arg, const char *reason, const struct frame *f);
	/* A session began: the client resends what was not answered. */
	void (*session)(void *arg, uint32_t session);
	void *arg;
};

struct link;

struct link *link_new(enum link_role role, const uint8_t key[LINK_KEY_LEN],
    const struct link_params *p, const struct link_hooks *h);
void link_free(struct link *l);

/* The line's file descriptor (non-blocking); -1 when the line is gone. */
void link_attach(struct link *l, int fd);

/* Queue a message.  Fails when the body is over LINK_MSG_MAX or the queue
 * over LINK_TXQ_MAX. */
int link_send(struct link *l, uint8_t kind, uint32_t tag, const uint8_t *body,
    size_t len, struct fe_err *err);
/* The next complete message: 1 (body malloc'd, caller frees), 0 if none,
 * <0 if the peer sent a malformed message stream. */
int link_recv(struct link *l, uint8_t *kind, uint32_t *tag, uint8_t **body,
    size_t *len, struct fe_err *err);

/* Wait up to timeout_ms for the line, then read, handle frames, run timers
 * and write.  Returns 0, or FE_EIO when the line failed (the caller closes
 * the fd, attaches -1 and reopens the device later). */
int link_step(struct link *l, int timeout_ms, struct fe_err *err);

bool link_up(const struct link *l);
uint32_t link_session(const struct link *l);
/* Client: forget the session and start a new handshake. */
void link_reset(struct link *l);
const struct link_stats *link_get_stats(const struct link *l);
/* "frames_in=N frames_out=N ..." for logs and reports. */
void link_stats_format(const struct link_stats *st, char *out, size_t n);
/* Read a link key file: 64 hex digits and a newline, mode 0600 or
 * stricter (made at the ceremony, installed on both hosts). */
int link_key_read(const char *path, uint8_t key[LINK_KEY_LEN],
    struct fe_err *err);
/* Milliseconds on a monotonic clock (the link's timers). */
int64_t link_now_ms(void);

#endif
