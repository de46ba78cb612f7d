/*
 * serve.c - fe-signer as a daemon on its serial line (POLICY.md K4).
 *
 * The only input is the serial device; the only network this code knows is
 * that line.  Every message from the online host is parsed and checked again
 * by the engine; answers go back over the link.  The line may disappear
 * (cable pulled, the far end restarted, the simulator restarted): the device
 * is reopened every second until it is back, and the link's own protocol
 * recovers the session.  Rejected frames (forged, replayed, from before a
 * restart) are logged in the request log, at most one record per reason per
 * second with a count, so that a flood cannot fill the disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/buf.h"
#include "link/crlset.h"
#include "link/link.h"
#include "link/tty.h"
#include "pki/crl.h"
#include "signer/serve.h"

#define REASONS_MAX 16

struct server {
	struct engine *e;
	struct link *l;
	struct {
		const char *why;
		uint64_t count;         /* not yet logged */
		int64_t last_ms;
	} rej[REASONS_MAX];
};

static void
log_event(struct server *s, const char *type, const char *text)
{
	struct fe_err err;

	if (engine_log_event(s->e, type, text, &err) != 0)
		fprintf(stderr, "fe-signer: cannot log %s: %s\n", type, err.msg);
}

static void
flush_rejects(struct server *s, bool force)
{
	int64_t now = link_now_ms();
	char text[256];
	size_t i;

	for (i = 0; i < REASONS_MAX; i++) {
		if (s->rej[i].why == NULL || s->rej[i].count == 0)
			continue;
		if (!force && now - s->rej[i].last_ms < 1000)
			continue;
		fe_snprintf(text, sizeof(text), "count=%llu reason=%s",
		    (unsigned long long)s->rej[i].count, s->rej[i].why);
		log_event(s, "link.reject", text);
		s->rej[i].count = 0;
		s->rej[i].last_ms = now;
	}
}

static void
hook_reject(void *arg, const char *why, const struct frame *f)
{
	struct server *s = arg;
	size_t i;

	(void)f;
	for (i = 0; i < REASONS_MAX; i++) {
		if (s->rej[i].why == why || s->rej[i].why == NULL) {
			s->rej[i].why = why;
			s->rej[i].count++;
			break;
		}
	}
	flush_rejects(s, false);
}

static int
hook_next_session(void *arg, uint32_t *out, struct fe_err *err)
{
	struct server *s = arg;

	return engine_next_session(s->e, out, err);
}

static void
hook_session(void *arg, uint32_t session)
{
	struct server *s = arg;
	char text[64];

	fe_snprintf(text, sizeof(text), "session=%u", session);
	log_event(s, "link.session", text);
}

static void
answer(struct server *s, uint32_t tag, uint8_t status, const void *p,
    size_t n)
{
	struct buf b;
	struct fe_err err;

	buf_init(&b, LINK_MSG_MAX);
	if (buf_add_u8(&b, status) != 0 || buf_add(&b, p, n) != 0) {
		buf_reset(&b);
		(void)buf_add_u8(&b, MSG_FAILED);
		(void)buf_add_str(&b, "answer too large");
	}
	if (link_send(s->l, MSG_RESULT, tag, b.p, b.len, &err) != 0)
		fprintf(stderr, "fe-signer: cannot answer: %s\n", err.msg);
	buf_free(&b);
}

static void
answer_text(struct server *s, uint32_t tag, uint8_t status, const char *text)
{
	answer(s, tag, status, text, strlen(text));
}

/* Every CRL of the issuer (docs/link-protocol.md section 5). */
static void
answer_crl(struct server *s, uint32_t tag, const char *label)
{
	struct engine_crls set = { NULL, 0 };
	struct crlset_item *it;
	struct fe_err err;
	struct buf b;
	size_t i;

	if (engine_crl(s->e, label, &set, &err) != 0) {
		answer_text(s, tag, MSG_REFUSED, err.msg);
		return;
	}
	it = fe_calloc(set.n, sizeof(*it));
	for (i = 0; i < set.n; i++) {
		it[i].part = set.v[i].part;
		it[i].der = set.v[i].der;
		it[i].len = set.v[i].len;
	}
	/* one byte of the answer is its status */
	buf_init(&b, LINK_MSG_MAX - 1);
	if (crlset_write(&b, it, set.n, &err) != 0)
		answer_text(s, tag, MSG_FAILED, err.msg);
	else
		answer(s, tag, MSG_OK, b.p, b.len);
	buf_free(&b);
	free(it);
	engine_crls_clear(&set);
}

/*
 * Signing requests that arrive together are signed as one batch: one log
 * sync and one store commit for all of them (group commit), each answered
 * after both.  The link's window bounds how many arrive together;
 * SIGN_BATCH_MAX bounds a batch.  Batches overlap (engine_sign_start):
 * while one is stored, logged and synced, the server goes on reading the
 * line, and a batch that arrives meanwhile is checked and signed at once;
 * a batch in flight is answered as soon as its durable half is done
 * (land_signs), or when the next one has started, and before any other
 * message is handled, so answers keep the order of the requests.
 */
#define SIGN_BATCH_MAX 64

struct pending {
	size_t n;
	uint32_t tag[SIGN_BATCH_MAX];
	uint8_t *body[SIGN_BATCH_MAX];
	size_t len[SIGN_BATCH_MAX];
	struct sign_result res[SIGN_BATCH_MAX];
};

/* The batch being gathered, and the one in flight (if any). */
struct signing {
	struct pending p[2];
	int cur;                        /* p[cur] gathers */
	bool flying;                    /* p[!cur] is in flight */
};

static void
answer_sign(struct server *s, uint32_t tag, struct sign_result *res)
{
	if (res->status == SIGN_ISSUED)
		answer(s, tag, MSG_OK, res->der, res->derlen);
	else
		answer_text(s, tag, res->status == SIGN_REFUSED ?
		    MSG_REFUSED : MSG_FAILED, res->reason);
	sign_result_clear(res);
}

/* Answer the landed batch in p, in the order its requests came. */
static void
answer_batch(struct server *s, struct pending *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		answer_sign(s, p->tag[i], &p->res[i]);
	p->n = 0;
}

/* Wait for the batch in flight and answer it. */
static void
land_signs(struct server *s, struct signing *sg)
{
	if (!sg->flying)
		return;
	(void)engine_sign_finish(s->e);
	answer_batch(s, &sg->p[!sg->cur]);
	sg->flying = false;
}

/* Start the gathered batch; the one before, landed by that, is answered. */
static void
start_signs(struct server *s, struct signing *sg)
{
	struct pending *p = &sg->p[sg->cur];
	size_t i;

	if (p->n == 0)
		return;
	(void)engine_sign_start(s->e, (const uint8_t *const *)p->body,
	    p->len, p->n, p->res);
	for (i = 0; i < p->n; i++) {
		free(p->body[i]);
		p->body[i] = NULL;
	}
	if (sg->flying)
		answer_batch(s, &sg->p[!sg->cur]);
	sg->flying = true;
	sg->cur = !sg->cur;
}

/* Every message but MSG_SIGN (start_signs()). */
static void
handle(struct server *s, uint8_t kind, uint32_t tag, uint8_t *body,
    size_t len)
{
	struct fe_err err;
	struct buf b;
	char *sp;
	int reason, rc;

	switch (kind) {
	case MSG_REVOKE:
		sp = memchr(body, ' ', len);
		if (sp == NULL || memchr(body, '\0', len) != NULL) {
			answer_text(s, tag, MSG_REFUSED, "REVOKE: expected "
			    "'SERIAL REASON'");
			break;
		}
		*sp = '\0';
		reason = crl_reason_parse(sp + 1);
		if (reason < 0) {
			fe_err_set(&err, "'%.40s' is not an RFC 5280 reason",
			    sp + 1);
			answer_text(s, tag, MSG_REFUSED, err.msg);
			break;
		}
		rc = engine_revoke(s->e, (char *)body, reason, &err);
		if (rc == 0)
			answer_text(s, tag, MSG_OK, "revoked");
		else
			answer_text(s, tag, rc == FE_EDB || rc == FE_EIO ? MSG_FAILED :
			    MSG_REFUSED, err.msg);
		break;
	case MSG_CRL:
		answer_crl(s, tag, (char *)body);
		break;
	case MSG_STATUS:
		buf_init(&b, 4096);
		if (engine_status_text(s->e, &b, &err) != 0) {
			answer_text(s, tag, MSG_FAILED, err.msg);
		} else {
			(void)buf_printf(&b, "session: %u\n",
			    link_session(s->l));
			answer(s, tag, MSG_OK, b.p, b.len);
		}
		buf_free(&b);
		break;
	case MSG_LOGS: {
		struct rd r;
		uint64_t from;
		uint32_t max;

		rd_init(&r, body, len);
		if (rd_u64be(&r, &from) != 0 || rd_u32be(&r, &max) != 0 ||
		    rd_left(&r) != 0) {
			answer_text(s, tag, MSG_REFUSED, "LOGS: expected 12 bytes "
			    "(8-byte first record, 4-byte count)");
			break;
		}
		buf_init(&b, LINK_MSG_MAX - 16);
		if (engine_logs(s->e, from, max, &b, &err) != 0)
			answer_text(s, tag, MSG_FAILED, err.msg);
		else
			answer(s, tag, MSG_OK, b.p, b.len);
		buf_free(&b);
		break;
	}
	default:
		answer_text(s, tag, MSG_FAILED, "unknown message kind");
		break;
	}
}

int
signer_serve(struct engine *e, const char *device,
    volatile sig_atomic_t *stop, struct fe_err *err)
{
	const struct engine_link *lc = engine_link_config(e);
	struct server s;
	struct signing *sg = fe_calloc(1, sizeof(*sg));
	struct link_params p;
	struct link_hooks h;
	uint8_t key[LINK_KEY_LEN];
	struct fe_err lerr;
	uint8_t kind, *body;
	uint32_t tag;
	size_t len;
	int64_t next_open = 0;
	bool down_logged = false;
	char text[1200];
	int fd = -1, r;

	memset(&s, 0, sizeof(s));
	s.e = e;
	if (device == NULL || *device == '\0')
		device = lc->device;
	if (*device == '\0')
		return fe_err_set(err, "no serial device: set [link] device in "
		    "the configuration or give --device");
	if (lc->key[0] == '\0')
		return fe_err_set(err, "no link key: set [link] key in the "
		    "configuration");
	if (!engine_unlocked(e))
		return fe_err_set(err, "the keys are locked: custodians must "
		    "unlock them at the console first");
	if (link_key_read(lc->key, key, err) != 0)
		return FE_EINVAL;
	link_params_default(&p);
	p.window = (unsigned)lc->window;
	p.baud = (unsigned)lc->baud;
	p.frame_payload = (unsigned)lc->frame_payload;
	memset(&h, 0, sizeof(h));
	h.next_session = hook_next_session;
	h.reject = hook_reject;
	h.session = hook_session;
	h.arg = &s;
	s.l = link_new(LINK_SIGNER, key, &p, &h);
	OPENSSL_cleanse(key, sizeof(key));
	fe_snprintf(text, sizeof(text), "device=%.1000s baud=%llu window=%llu",
	    device, (unsigned long long)lc->baud,
	    (unsigned long long)lc->window);
	log_event(&s, "signer.serve", text);
	while (!*stop) {
		if (fd < 0 && link_now_ms() >= next_open) {
			fd = tty_open(device, (unsigned)lc->baud, lc->rtscts,
			    &lerr);
			if (fd < 0) {
				if (!down_logged) {
					log_event(&s, "link.line-down", lerr.msg);
					down_logged = true;
				}
				next_open = link_now_ms() + 1000;
			} else {
				link_attach(s.l, fd);
				log_event(&s, "link.line-up", device);
				down_logged = false;
			}
		}
		/* with a batch in flight, look at the line every millisecond
		 * until it has landed */
		if (link_step(s.l, sg->flying ? 1 : 100, &lerr) != 0) {
			close(fd);
			fd = -1;
			link_attach(s.l, -1);
			log_event(&s, "link.line-down", lerr.msg);
			down_logged = true;
			next_open = link_now_ms() + 200;
		}
		while ((r = link_recv(s.l, &kind, &tag, &body, &len,
		    &lerr)) == 1) {
			if (kind == MSG_SIGN) {
				struct pending *pd = &sg->p[sg->cur];
				if (pd->n == SIGN_BATCH_MAX) {
					start_signs(&s, sg);
					pd = &sg->p[sg->cur];
				}
				pd->tag[pd->n] = tag;
				pd->body[pd->n] = body;
				pd->len[pd->n++] = len;
				continue;
			}
			start_signs(&s, sg);
			land_signs(&s, sg);
			handle(&s, kind, tag, body, len);
			free(body);
		}
		if (sg->p[sg->cur].n > 0)
			start_signs(&s, sg);
		else if (!engine_sign_busy(s.e))
			land_signs(&s, sg);
		if (r < 0) {
			log_event(&s, "link.reject", lerr.msg);
			link_reset(s.l);
		}
		flush_rejects(&s, false);
	}
	start_signs(&s, sg);
	land_signs(&s, sg);
	free(sg);
	flush_rejects(&s, true);
	{
		char counts[512];
		link_stats_format(link_get_stats(s.l), counts, sizeof(counts));
		fe_snprintf(text, sizeof(text), "signal %s", counts);
		log_event(&s, "signer.stop", text);
	}
	if (fd >= 0)
		close(fd);
	link_free(s.l);
	return 0;
}
