/*
 * ticket.h - change tickets under four eyes (POLICY.md M2, M4; SC29 1(h)).
 *
 * A ticket lives in its own directory TICKETS/ID/ (ID a decimal number
 * from 1, no leading zeros):
 *
 *   ticket        the body: what will change, written once when opened
 *   open.sig      sshsig (ssh-keygen -Y sign, namespace "foureyes-change")
 *                 by the opener over the "open" statement
 *   approve.sig   sshsig by the approver over the "approve" statement
 *   review        the reviewer's note (text)
 *   review.sig    sshsig by the reviewer over the "review" statement
 *
 * Statements are short texts that bind the action, the ticket number and
 * the SHA-256 of the body (and of the review note), so a signature copied
 * from another ticket or another action never verifies:
 *
 *   foureyes change approve\nticket: 42\nbody-sha256: HEX\n
 *
 * Signatures are verified with `ssh-keygen -Y find-principals` and
 * `ssh-keygen -Y verify` against an allowed-signers file: the principal is
 * who signed.  Nothing in the directory is trusted before it verifies; a
 * ticket whose files do not verify is refused as a whole, with the reason.
 * Rules: the approver differs from the opener; the reviewer differs from the
 * opener (who made the change).  TICKETS/log is the hash-chained log of
 * every ticket event and refusal.
 *
 * Body format (docs/change-tickets.md), one "key: value" per line, order
 * fixed, every key once:
 *
 *   foureyes-ticket v1
 *   id: 42
 *   opened-by: alice
 *   opened-at: 2026-11-23T10:00:00Z
 *   hosts: signer1, web1            (or "*")
 *   change: file:/etc/nginx/nginx.conf   (one line per pattern, at least one)
 *   change: pkg:nginx*
 *   window-start: 2026-11-23T10:00:00Z
 *   window-end: 2026-11-23T12:00:00Z
 *   emergency: no
 *   reason: free text, one line
 *
 * Patterns are fnmatch(3) globs (without FNM_PATHNAME: "*" crosses "/")
 * over item keys (item.h).  A pattern given to `fe change open` without a
 * "kind:" prefix is a path and gets "file:" (ticket_pattern_normalise);
 * the body holds only the normalised form.  The body is canonical:
 * ticket_parse() accepts exactly the bytes ticket_format() writes, so
 * format(parse(body)) == body and the body's hash names one meaning.
 *
 * Caps: body 16 KiB, 64 hosts of 253 bytes, 64 patterns of 1024 bytes,
 * names 64 bytes, reason 1024 bytes, review note 4 KiB, window 31 days,
 * ids 1 to 999999999, 100000 tickets per directory.
 */
#ifndef FE_WATCH_TICKET_H
#define FE_WATCH_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define TICKET_MAX_BODY 16384
#define TICKET_MAX_PATTERNS 64
#define TICKET_MAX_HOSTS 64
#define TICKET_MAX_NAME 64       /* principal names */
#define TICKET_MAX_HOST 253
#define TICKET_MAX_PATTERN 1024
#define TICKET_MAX_REASON 1024
#define TICKET_MAX_NOTE 4096
#define TICKET_MAX_WINDOW (31 * 86400)
#define TICKET_MAX_TICKETS 100000
#define TICKET_NAMESPACE "foureyes-change"
#define SSHSIG_KEYGEN "/usr/bin/ssh-keygen"
#define SSHSIG_MAX_FILE (64 * 1024)          /* a signature file */
#define SSHSIG_MAX_ALLOWED (1024 * 1024)     /* the allowed-signers file */

enum ticket_state {
	TICKET_OPEN,        /* opened, not approved */
	TICKET_APPROVED,    /* approved by a second person */
	TICKET_REVIEWED,    /* reviewed by someone other than the opener: closed */
	TICKET__MAX
};
extern const char *const ticket_state_names[TICKET__MAX];

struct ticket {
	uint64_t id;
	char *opened_by;
	int64_t opened_at;
	char **hosts;            /* "*" alone means every host */
	size_t nhosts;
	char **patterns;         /* normalised: always "kind:..." */
	size_t npatterns;
	int64_t window_start, window_end;   /* seconds; start < end */
	bool emergency;
	char *reason;
	uint8_t body_sha256[32];
	/* Set by ticket_load() from verified signatures only: */
	enum ticket_state state;
	char *approved_by;       /* NULL unless approved */
	char *reviewed_by;       /* NULL unless reviewed */
	char *review_note;       /* the review file's text, when reviewed */
};

/* Parse a body (untrusted bytes).  Strict: the exact key order above,
 * printable ASCII, caps on every field, trailing bytes rejected. */
int ticket_parse(const char *name, const uint8_t *p, size_t len,
    struct ticket *t, struct fe_err *err);
/* The canonical body text of t (malloc'ed, NUL-terminated). */
char *ticket_format(const struct ticket *t);
void ticket_clear(struct ticket *t);

/* The statement an action signs: action is "open", "approve" or "review";
 * note_sha256 only for "review" (else NULL).  Malloc'ed. */
char *ticket_statement(const char *action, const struct ticket *t,
    const uint8_t *note_sha256);

/* Helpers shared with `fe change` (src/cli/change.c). */
bool ticket_name_ok(const char *s, size_t len);     /* principal names */
bool ticket_host_ok(const char *s, size_t len);     /* host names */
/* "kind:..." kept as is, anything else gets "file:" (malloc'ed). */
char *ticket_pattern_normalise(const char *pat);
/* "YYYY-MM-DDTHH:MM:SSZ" only. */
int ticket_time_parse(const char *s, int64_t *out);
/* A review note: 2 to TICKET_MAX_NOTE bytes of printable ASCII lines,
 * ending with a newline. */
int ticket_note_check(const char *name, const uint8_t *p, size_t len,
    struct fe_err *err);
/* The four-eyes rule for an approval or a review of t signed by who with
 * key (base64 public key; opener_key that of open.sig; either may be NULL
 * to skip the key comparison): refused if who is the opener or the key is
 * the opener's key.  what names the file in the message. */
int ticket_four_eyes(const struct ticket *t, const char *what,
    const char *who, const char *opener_key, const char *key,
    struct fe_err *err);
/* The ids of the ticket directories under dir, ascending (malloc'ed;
 * FE_ENOENT when dir does not exist). */
int ticket_list_ids(const char *dir, uint64_t **ids, size_t *n,
    struct fe_err *err);

/* Load TICKETS/ID: parse the body, verify open.sig (principal must equal
 * opened-by), and approve.sig / review.sig when present, applying the
 * four-eyes rules.  A signature that fails makes the whole load fail with
 * the reason ("ticket 42: approve.sig: signed by alice, who opened the
 * ticket: four eyes (POLICY.md M4)"). */
int ticket_load(const char *dir, uint64_t id, const char *allowed_signers,
    struct ticket *t, struct fe_err *err);

/* Every ticket under dir that loads, ascending by id; those that do not
 * are reported through bad (called with the id and the message; may be
 * NULL) and skipped.  Only directory entries that are ids (decimal, no
 * leading zero) are looked at.  Returns FE_ENOENT when dir does not exist
 * and FE_EIO when it cannot be read; 0 otherwise, even if some tickets
 * were bad.  *v is malloc'ed (NULL when *n is 0); free with
 * ticket_free_all.  Each ticket runs ssh-keygen two to six times. */
typedef void (*ticket_bad_cb)(uint64_t id, const char *msg, void *arg);
int ticket_load_all(const char *dir, const char *allowed_signers,
    struct ticket **v, size_t *n, ticket_bad_cb bad, void *arg,
    struct fe_err *err);
void ticket_free_all(struct ticket *v, size_t n);

/* Does t cover a change of item key on host at time when (seconds)?  Host
 * and pattern match and when is within [window_start, window_end].  State
 * is not considered: the caller decides what an unapproved match means. */
bool ticket_covers(const struct ticket *t, const char *host, const char *key,
    int64_t when);

/* Verify one sshsig signature file over msg; on success *principal is the
 * signer (malloc'ed).  Runs ssh-keygen; never a shell.  A key listed on
 * more than one line of allowed_signers, or on a line naming several
 * principals, is refused as ambiguous (FE_EPOLICY). */
int sshsig_verify(const char *allowed_signers, const char *sigfile,
    const void *msg, size_t len, char **principal, struct fe_err *err);
/* Sign msg with the private key file, writing sigfile (ssh-keygen -Y sign). */
int sshsig_sign(const char *keyfile, const void *msg, size_t len,
    const char *sigfile, struct fe_err *err);
/* The public key inside a signature file, base64 as in allowed-signers
 * (malloc'ed).  Parses the untrusted file itself; verifies nothing. */
int sshsig_pubkey(const char *sigfile, char **b64, struct fe_err *err);

#endif
