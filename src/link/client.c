/*
 * client.c - the client side of the link (see client.h).
 *
 * Trusts the results only as far as the link authenticated them (a MAC
 * under the session key); what a result means is for the caller to check
 * (a certificate still gets verified by whoever stores it).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lib/conf.h"
#include "link/client.h"
#include "link/tty.h"

struct pending {
	uint32_t tag;
	uint8_t kind;
	uint8_t *body;
	size_t len;
};

struct sclient {
	struct sclient_cfg cfg;
	char *device;
	struct link *l;
	int fd;
	int64_t next_open;
	uint32_t next_tag;
	struct pending *pend;
	size_t npend;
	size_t cap;
};

static void
requeue_all(void *arg, uint32_t session)
{
	struct sclient *c = arg;
	struct fe_err err;
	size_t i;

	(void)session;
	for (i = 0; i < c->npend; i++)
		if (link_send(c->l, c->pend[i].kind, c->pend[i].tag,
		    c->pend[i].body, c->pend[i].len, &err) != 0)
			break;            /* the rest go with the next session */
}

int
sclient_open(const struct sclient_cfg *cfg, struct sclient **out,
    struct fe_err *err)
{
	struct sclient *c = fe_calloc(1, sizeof(*c));
	struct link_hooks h;

	c->cfg = *cfg;
	c->device = fe_strdup(cfg->device);
	c->cfg.device = c->device;
	memset(&h, 0, sizeof(h));
	h.session = requeue_all;
	h.arg = c;
	c->l = link_new(LINK_CLIENT, cfg->key, &cfg->params, &h);
	c->fd = tty_open(c->device, cfg->baud, cfg->rtscts, err);
	if (c->fd < 0) {
		sclient_close(c);
		return FE_EIO;
	}
	link_attach(c->l, c->fd);
	c->next_tag = 1;
	*out = c;
	return 0;
}

void
sclient_close(struct sclient *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	link_free(c->l);
	for (i = 0; i < c->npend; i++)
		free(c->pend[i].body);
	free(c->pend);
	free(c->device);
	OPENSSL_cleanse(&c->cfg, sizeof(c->cfg));
	free(c);
}

int
sclient_submit(struct sclient *c, uint8_t kind, const uint8_t *body,
    size_t len, uint32_t *tag, struct fe_err *err)
{
	struct pending *p;

	if (len > LINK_MSG_MAX)
		return fe_err_set(err, "request of %zu bytes is over the %d "
		    "byte limit", len, LINK_MSG_MAX);
	if (c->npend == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->pend = fe_realloc(c->pend, c->cap * sizeof(*c->pend));
	}
	p = &c->pend[c->npend];
	p->tag = c->next_tag++;
	p->kind = kind;
	p->body = fe_malloc(len ? len : 1);
	/* An empty body (STATUS) may come as NULL: memcpy must not see it. */
	if (len > 0)
		memcpy(p->body, body, len);
	p->len = len;
	if (link_up(c->l) && link_send(c->l, kind, p->tag, body, len,
	    err) != 0) {
		free(p->body);
		return FE_EBUSY;
	}
	c->npend++;
	*tag = p->tag;
	return 0;
}

static void
reopen(struct sclient *c)
{
	struct fe_err err;

	if (c->fd >= 0 || link_now_ms() < c->next_open)
		return;
	c->fd = tty_open(c->device, c->cfg.baud, c->cfg.rtscts, &err);
	if (c->fd < 0)
		c->next_open = link_now_ms() + 500;
	else
		link_attach(c->l, c->fd);
}

int
sclient_poll(struct sclient *c, int timeout_ms, struct sclient_result *res,
    struct fe_err *err)
{
	uint8_t kind;
	uint32_t tag;
	uint8_t *body;
	size_t len, i;
	int r;

	memset(res, 0, sizeof(*res));
	reopen(c);
	for (;;) {
		r = link_recv(c->l, &kind, &tag, &body, &len, err);
		if (r < 0) {
			link_reset(c->l);
			return FE_EIO;
		}
		if (r == 0)
			break;
		for (i = 0; i < c->npend; i++)
			if (c->pend[i].tag == tag)
				break;
		if (kind != MSG_RESULT || len < 1 || i == c->npend) {
			free(body);        /* an answer we no longer wait for */
			continue;
		}
		res->tag = tag;
		res->kind = c->pend[i].kind;
		res->status = body[0];
		res->len = len - 1;
		res->body = fe_malloc(len);
		memcpy(res->body, body + 1, len - 1);
		res->body[len - 1] = '\0';
		free(body);
		free(c->pend[i].body);
		c->pend[i] = c->pend[--c->npend];
		return 1;
	}
	if (link_step(c->l, timeout_ms, err) != 0) {
		close(c->fd);
		c->fd = -1;
		link_attach(c->l, -1);
		c->next_open = link_now_ms() + 200;
	}
	return 0;
}

void
sclient_result_clear(struct sclient_result *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int
sclient_call(struct sclient *c, uint8_t kind, const uint8_t *body,
    size_t len, int timeout_ms, struct sclient_result *res,
    struct fe_err *err)
{
	uint32_t tag;
	int64_t end = link_now_ms() + timeout_ms;
	int r;

	if (sclient_submit(c, kind, body, len, &tag, err) != 0)
		return FE_EBUSY;
	while (link_now_ms() < end) {
		r = sclient_poll(c, 50, res, err);
		if (r < 0)
			return r;
		if (r == 1 && res->tag == tag)
			return 0;
		if (r == 1)
			sclient_result_clear(res);
	}
	return fe_err_code(err, FE_EIO, "no answer from the signer within %d "
	    "ms (%s; session %s)", timeout_ms, c->device,
	    link_up(c->l) ? "up" : "not established");
}

const struct link_stats *
sclient_stats(const struct sclient *c)
{
	return link_get_stats(c->l);
}

int
sclient_conf_load(struct conf *c, const char *sec, struct sclient_cfg *cfg,
    struct fe_err *err)
{
	const char *keyfile;
	uint64_t u;
	bool b;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	link_params_default(&cfg->params);
	if ((rc = conf_req_str(c, sec, "device", &cfg->device, err)) != 0 ||
	    (rc = conf_req_str(c, sec, "key", &keyfile, err)) != 0)
		return rc;
	if ((rc = conf_uint(c, sec, "baud", 1200, 4000000, 115200, &u,
	    err)) != 0)
		return rc;
	cfg->baud = (unsigned)u;
	cfg->params.baud = cfg->baud;
	if ((rc = conf_uint(c, sec, "window", 1, 32, 8, &u, err)) != 0)
		return rc;
	cfg->params.window = (unsigned)u;
	if ((rc = conf_uint(c, sec, "frame_payload", 16, 1024, 1024, &u,
	    err)) != 0)
		return rc;
	cfg->params.frame_payload = (unsigned)u;
	if ((rc = conf_bool(c, sec, "rtscts", false, &b, err)) != 0)
		return rc;
	cfg->rtscts = b;
	return link_key_read(keyfile, cfg->key, err);
}
