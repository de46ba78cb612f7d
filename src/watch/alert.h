/*
 * alert.h - how fe-watch tells people (POLICY.md M3: more than one channel).
 *
 * Channels, chosen in the configuration:
 *   smtp     an email over real SMTP through libcurl (smtp:// or smtps://)
 *   command  a program run without a shell, the alert as one JSON object on
 *            its standard input (a pager gateway, a chat hook, a test)
 *   syslog   syslog(3), facility authpriv, priority alert
 *
 * Configuration (INI, section [alert] of the watch configuration):
 *
 *   [alert]
 *   channels = smtp, command, syslog     ; at least two (M3)
 *   smtp_url = smtp://127.0.0.1:25
 *   smtp_from = fe-watch@signer1.example
 *   smtp_to = admins@example, ...
 *   escalate_to = board@example, ...    ; escalations go here as well
 *   command = /usr/local/bin/page-admins --urgent   ; split on spaces, no shell,
 *                                       ; the program an absolute path
 *   timeout = 10                        ; seconds per delivery attempt (1-300)
 *
 * Settings of a channel not named in channels are refused (a smtp_url
 * without smtp in channels would look like mail goes out).
 *
 * Delivery runs on its own threads, one per configured channel, so that a
 * slow mail server never delays detection nor the other channels:
 * alerter_send() only queues a copy.  Each channel's queue holds at most 256
 * deliveries; when it is full the oldest ordinary (non-escalation) delivery
 * is dropped and reported as failed.  A failed delivery is retried (three
 * attempts, 1 s apart) and every (alert, channel) gets exactly one report,
 * handed back to the caller's thread through alerter_poll(), so the daemon
 * logs it in its own hash-chained log.  Nothing here trusts the alert's text: it is
 * JSON-encoded for the command, header-safe for mail (no CR/LF in the
 * subject) and passed as an argument to syslog with a "%s" format.
 */
#ifndef FE_WATCH_ALERT_H
#define FE_WATCH_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conf.h"
#include "lib/err.h"

enum alert_channel { ALERT_SMTP, ALERT_COMMAND, ALERT_SYSLOG, ALERT__MAX };
extern const char *const alert_channel_names[ALERT__MAX];

struct alert_conf {
	bool use[ALERT__MAX];
	char *smtp_url, *smtp_from;
	char **smtp_to;
	size_t nsmtp_to;
	char **escalate_to;
	size_t nescalate_to;
	char **command;          /* argv, NULL-terminated */
	unsigned timeout;        /* seconds */
};

/* Read section [alert] of c.  Fewer than two channels, a channel without
 * its settings (smtp without smtp_url/smtp_from/smtp_to, command without
 * command) or an unknown channel name is an error naming the key. */
int alert_conf_load(struct conf *c, struct alert_conf *ac, struct fe_err *err);
void alert_conf_clear(struct alert_conf *ac);

struct alert {
	uint64_t id;             /* the alert's number (fe alert ack N) */
	const char *host;
	const char *kind;        /* "change", "blind-spot", "gap", "baseline",
	                            "port", "emergency", "escalation", ... */
	int64_t time;            /* when the change was seen (seconds) */
	int64_t respond_by;      /* the 24-hour clock's end (seconds) */
	const char *summary;     /* one line */
	const char *detail;      /* more lines, may be NULL */
	bool escalation;         /* also to escalate_to */
};

/* The alert as one JSON object (jansson), malloc'ed (free()), one line;
 * text that is not valid UTF-8 has U+FFFD in place of the bad bytes;
 * a time out of range and a NULL detail are null:
 * {"id":N,"host":..,"kind":..,"time":"RFC 3339","respond_by":"RFC 3339",
 *  "summary":..,"detail":..,"escalation":bool} */
char *alert_json(const struct alert *a);

struct alerter;
int alerter_start(const struct alert_conf *ac, struct alerter **out,
    struct fe_err *err);
/* Queue a copy of a for every configured channel.  Never blocks on I/O. */
void alerter_send(struct alerter *al, const struct alert *a);
/* Report finished deliveries: cb(arg, alert id, channel, ok, message). */
typedef void (*alerter_report_cb)(void *arg, uint64_t id,
    enum alert_channel ch, bool ok, const char *msg);
void alerter_poll(struct alerter *al, alerter_report_cb cb, void *arg);
/* Deliver what is queued (up to timeout seconds; a delivery under way then
 * is cut short), stop the threads and free al.  Reports not polled yet are
 * lost: alerter_finish() hands them to cb first (what is still queued at
 * the deadline is reported as not delivered). */
void alerter_stop(struct alerter *al, unsigned timeout);
void alerter_finish(struct alerter *al, unsigned timeout, alerter_report_cb cb,
    void *arg);

/* One delivery, synchronously, no retry (used by the threads and by tests).
 * On success err, if not NULL, holds a one-line note ("smtp ...: sent to 2
 * recipients"); on failure the reason (curl's message, the exit status). */
int alert_deliver(const struct alert_conf *ac, enum alert_channel ch,
    const struct alert *a, struct fe_err *err);

#endif
