/*
 * client.h - the online host's side of the link to fe-signer: submit
 * messages, get their results, and never lose one to a dropped line.
 *
 * Every submitted message is kept until its RESULT arrives; when a new
 * session begins (the line dropped for long, or the signer restarted) all
 * unanswered messages are sent again.  The signer answers a repeated SIGN
 * from its store (the request id), so a certificate is never issued twice.
 */
#ifndef FE_CLIENT_H
#define FE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

struct sclient_cfg {
	const char *device;
	unsigned baud;
	bool rtscts;
	uint8_t key[LINK_KEY_LEN];
	struct link_params params;
};

struct sclient_result {
	uint32_t tag;
	uint8_t kind;             /* the kind of the request it answers */
	uint8_t status;           /* enum msg_status */
	uint8_t *body;            /* malloc'd, NUL-terminated */
	size_t len;
};

struct sclient;

int sclient_open(const struct sclient_cfg *cfg, struct sclient **out,
    struct fe_err *err);
void sclient_close(struct sclient *c);
/* Queue a request; *tag identifies its result. */
int sclient_submit(struct sclient *c, uint8_t kind, const uint8_t *body,
    size_t len, uint32_t *tag, struct fe_err *err);
/* Run the link for up to timeout_ms; 1 and *res when a result came. */
int sclient_poll(struct sclient *c, int timeout_ms, struct sclient_result *res,
    struct fe_err *err);
void sclient_result_clear(struct sclient_result *r);
/* Submit and wait up to timeout_ms for that one result. */
int sclient_call(struct sclient *c, uint8_t kind, const uint8_t *body,
    size_t len, int timeout_ms, struct sclient_result *res,
    struct fe_err *err);
const struct link_stats *sclient_stats(const struct sclient *c);

struct conf;
/* Read the line's settings from section sec of c (link.ini's [link], or
 * fe-web's): device, key (the link key file, read into cfg->key), baud,
 * window, frame_payload, rtscts.  cfg->device points into c. */
int sclient_conf_load(struct conf *c, const char *sec,
    struct sclient_cfg *cfg, struct fe_err *err);

#endif
