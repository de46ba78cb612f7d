/*
 * mail.h - fe-web's mail: one plain-text message over real SMTP (libcurl).
 *
 * Used for confirmation links, password resets and domain-control tokens.
 * The message has the RFC 5322 headers From, To, Subject, Date, Message-ID,
 * MIME-Version, Content-Type (text/plain; charset=utf-8),
 * Content-Transfer-Encoding (quoted-printable) and Auto-Submitted.
 */
#ifndef FE_WEB_MAIL_H
#define FE_WEB_MAIL_H

#include "lib/err.h"

#define MAIL_SUBJECT_MAX 256       /* bytes */
#define MAIL_BODY_MAX (256 * 1024) /* bytes */

struct mail_conf {
	const char *url;      /* smtp://HOST[:PORT] or smtps://HOST[:PORT];
	                         smtp:// to a host other than loopback must
	                         offer STARTTLS (the mail carries tokens) */
	const char *from;     /* the sender, local@domain */
	unsigned timeout;     /* seconds, 0: 10 */
};

/*
 * Send one plain-text message to one recipient.  Refuses, naming the field,
 * CR or LF (header injection), ill-formed UTF-8 or other control characters
 * in to and subject, a to or from that is not a plain local@domain, a body
 * that is not UTF-8.  Dot-stuffing is done by libcurl.  On failure err
 * names the server's last answer when there was one; on success err holds
 * the server's answer to the message (its queue id, for the log).
 * Thread-safe (curl_global_init once).
 */
int mail_send(const struct mail_conf *c, const char *to, const char *subject,
    const char *body, struct fe_err *err);

#endif
