/*
 * change.c - `fe change`: change tickets under four eyes (POLICY.md M1, M2,
 * M4; docs/change-tickets.md).
 *
 *   open       write TICKETS/ID/ticket and open.sig (signed by the opener)
 *   approve    add approve.sig, signed by someone other than the opener
 *   review     add review and review.sig, by someone other than the opener
 *   statement  print the exact bytes an admin signs on another machine
 *   show/list  load and verify tickets, refused ones with the reason
 *
 * Every new signature is verified (ssh-keygen, allowed signers, four eyes)
 * before it is moved into the ticket directory, so a refused action leaves
 * nothing behind.  Writers hold TICKETS/.lock; every event and refusal goes
 * to the hash-chained TICKETS/log.  What is in the directory is never
 * trusted: show and list verify it all again (ticket_load).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cli.h"
#include "lib/buf.h"
#include "lib/chainlog.h"
#include "lib/file.h"
#include "lib/seam.h"
#include "watch/ticket.h"

#define ARG_MAX_LEN 4096    /* any one argument */

enum opt {
	O_DIR, O_BY, O_KEY, O_HOST, O_CHANGE, O_START, O_END, O_REASON,
	O_EMERGENCY, O_ALLOWED, O_SIG, O_NOTE, O__MAX
};
static const char *const opt_names[O__MAX] = {
	"--dir", "--by", "--key", "--host", "--change", "--start", "--end",
	"--reason", "--emergency", "--allowed-signers", "--sig", "--note",
};

struct opts {
	const char *v[O__MAX];
	const char *changes[TICKET_MAX_PATTERNS];
	size_t nchanges;
	bool emergency;
	const char *pos[2];
	int npos;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: fe change open --dir TICKETS --by NAME --key SSHKEY "
	    "--host H[,H..]\n"
	    "           --change PATTERN [--change ...] --start TIME --end TIME\n"
	    "           --reason TEXT [--emergency] --allowed-signers FILE\n"
	    "       fe change approve ID --dir TICKETS --allowed-signers FILE "
	    "(--key SSHKEY | --sig FILE)\n"
	    "       fe change review ID --dir TICKETS --note TEXT "
	    "--allowed-signers FILE\n"
	    "           (--key SSHKEY | --sig FILE)\n"
	    "       fe change statement ID open|approve|review --dir TICKETS "
	    "[--note TEXT]\n"
	    "       fe change show ID --dir TICKETS --allowed-signers FILE\n"
	    "       fe change list --dir TICKETS --allowed-signers FILE\n"
	    "TIME: YYYY-MM-DDTHH:MM:SSZ, now, +Nd, +Nh, +Nm\n");
	return 2;
}

/* Parse argv[2..] allowing the options in mask and up to maxpos
 * positional arguments. */
static int
parse_opts(int argc, char **argv, unsigned mask, int maxpos, struct opts *o)
{
	int i, k;

	memset(o, 0, sizeof(*o));
	for (i = 2; i < argc; i++) {
		if (strlen(argv[i]) > ARG_MAX_LEN) {
			cli_error("change: an argument is longer than %d bytes",
			    ARG_MAX_LEN);
			return 2;
		}
		if (argv[i][0] != '-') {
			if (o->npos == maxpos) {
				cli_error("change %s: unexpected argument '%s'",
				    argv[1], argv[i]);
				return 2;
			}
			o->pos[o->npos++] = argv[i];
			continue;
		}
		for (k = 0; k < O__MAX; k++)
			if ((mask & (1u << k)) && strcmp(argv[i],
			    opt_names[k]) == 0)
				break;
		if (k == O__MAX) {
			cli_error("change %s: unknown option '%s'", argv[1],
			    argv[i]);
			return 2;
		}
		if (k == O_EMERGENCY) {
			o->emergency = true;
			continue;
		}
		if (i + 1 >= argc || strlen(argv[i + 1]) > ARG_MAX_LEN) {
			cli_error("change %s: %s needs a value", argv[1],
			    argv[i]);
			return 2;
		}
		i++;
		if (k == O_CHANGE) {
			if (o->nchanges == TICKET_MAX_PATTERNS) {
				cli_error("change %s: more than %d --change",
				    argv[1], TICKET_MAX_PATTERNS);
				return 2;
			}
			o->changes[o->nchanges++] = argv[i];
			continue;
		}
		if (o->v[k] != NULL) {
			cli_error("change %s: %s given twice", argv[1],
			    opt_names[k]);
			return 2;
		}
		o->v[k] = argv[i];
	}
	return 0;
}

/* Every option in need must be there. */
static int
require(const struct opts *o, const char *verb, unsigned need)
{
	int k;

	for (k = 0; k < O__MAX; k++)
		if ((need & (1u << k)) && k != O_CHANGE && k != O_EMERGENCY &&
		    o->v[k] == NULL) {
			cli_error("change %s: %s is required", verb,
			    opt_names[k]);
			return 2;
		}
	if ((need & (1u << O_CHANGE)) && o->nchanges == 0) {
		cli_error("change %s: at least one --change is required", verb);
		return 2;
	}
	return 0;
}

static int
parse_id(const char *s, uint64_t *id)
{
	size_t i, len = s ? strlen(s) : 0;

	if (len < 1 || len > 9 || s[0] == '0')
		return -1;
	*id = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*id = *id * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* TIME: RFC 3339 UTC to the second, "now", or "+N" with d, h or m. */
static int
parse_when(const char *s, int64_t now, int64_t *out)
{
	size_t i, len = strlen(s);
	int64_t n = 0, unit;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (s[0] != '+')
		return ticket_time_parse(s, out);
	if (len < 3 || len > 7)
		return -1;
	switch (s[len - 1]) {
	case 'd': unit = 86400; break;
	case 'h': unit = 3600; break;
	case 'm': unit = 60; break;
	default: return -1;
	}
	for (i = 1; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	*out = now + n * unit;
	return 0;
}

static int
write_file(const char *path, const void *p, size_t len, struct fe_err *err)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fe_err_sys(err, "%s: cannot create", path);
	while (off < len) {
		n = write(fd, (const uint8_t *)p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fe_err_sys(err, "%s: cannot write", path);
			close(fd);
			return FE_EIO;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		fe_err_sys(err, "%s: cannot write", path);
		close(fd);
		return FE_EIO;
	}
	if (close(fd) != 0)
		return fe_err_sys(err, "%s: cannot write", path);
	return 0;
}

static void
sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* The writers' session: the lock and the log. */
struct session {
	const char *dir;
	int lockfd;
	struct clog *log;
};

static int
session_open(struct session *s, const char *dir, bool create)
{
	char path[PATH_MAX];
	struct fe_err err;

	s->dir = dir;
	s->lockfd = -1;
	s->log = NULL;
	if (create && mkdir(dir, 0755) != 0 && errno != EEXIST) {
		cli_error("%s: cannot create: %s", dir, strerror(errno));
		return 1;
	}
	fe_snprintf(path, sizeof(path), "%s/.lock", dir);
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lockfd < 0) {
		cli_error("%s: cannot open: %s", path, strerror(errno));
		return 1;
	}
	if (flock(s->lockfd, LOCK_EX) != 0) {
		cli_error("%s: cannot lock: %s", path, strerror(errno));
		return 1;
	}
	fe_snprintf(path, sizeof(path), "%s/log", dir);
	if (clog_open(path, &s->log, &err) != 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	return 0;
}

static void
session_close(struct session *s)
{
	if (s->log != NULL)
		clog_close(s->log);
	if (s->lockfd >= 0)
		close(s->lockfd);
}

/* Append a record; a failure is reported and makes the command fail. */
static int
logf_(struct session *s, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
logf_(struct session *s, const char *type, const char *fmt, ...)
{
	struct fe_err err;
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		fe_fatal("out of memory");
	if (clog_append(s->log, type, msg, (size_t)n, &err) != 0) {
		cli_error("%s", err.msg);
		free(msg);
		return 1;
	}
	free(msg);
	return 0;
}

/* Report a refusal and log it as change.refused. */
static int
refuse(struct session *s, const char *action, uint64_t id, const char *msg)
{
	if (id != 0) {
		cli_error("ticket %llu: %s refused: %s",
		    (unsigned long long)id, action, msg);
		(void)logf_(s, "change.refused", "ticket=%llu action=%s "
		    "reason=%s", (unsigned long long)id, action, msg);
	} else {
		cli_error("%s refused: %s", action, msg);
		(void)logf_(s, "change.refused", "action=%s reason=%s", action,
		    msg);
	}
	return 1;
}

static void
sha256_note(const char *note, uint8_t out[32])
{
	unsigned int n = 32;

	if (EVP_Digest(note, strlen(note), out, &n, EVP_sha256(), NULL) != 1)
		fe_fatal("SHA-256 failed");
}

/* ---- open --------------------------------------------------------------- */

static int
split_hosts(const char *arg, struct ticket *t)
{
	const char *p = arg, *q, *a, *b;

	t->hosts = fe_calloc(TICKET_MAX_HOSTS, sizeof(char *));
	for (;;) {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		for (a = p; a < q && *a == ' '; a++)
			;
		for (b = q; b > a && b[-1] == ' '; b--)
			;
		if (t->nhosts == TICKET_MAX_HOSTS) {
			cli_error("change open: more than %d hosts",
			    TICKET_MAX_HOSTS);
			return 2;
		}
		t->hosts[t->nhosts++] = fe_strndup(a, (size_t)(b - a));
		if (*q == '\0')
			return 0;
		p = q + 1;
	}
}

/* "a,b,c" (malloc'ed). */
static char *
join(char *const *v, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, SIZE_MAX / 2);
	for (i = 0; i < n; i++)
		if (buf_printf(&b, "%s%s", i ? "," : "", v[i]) != 0)
			fe_fatal("join");
	if (buf_cstr(&b) != 0)
		fe_fatal("join");
	return (char *)b.p;
}

/* The next id: one past the highest ever given (TICKETS/.last-id) or
 * present, so that an id is never used twice. */
static int
next_id(const char *dir, uint64_t *id, struct fe_err *err)
{
	char path[PATH_MAX];
	uint64_t *ids, last = 0;
	uint8_t *p;
	size_t n, len;
	int rc;

	fe_snprintf(path, sizeof(path), "%s/.last-id", dir);
	if (access(path, F_OK) == 0) {
		if (fe_read_file(path, 32, &p, &len, err) != 0)
			return FE_EIO;
		if (len < 2 || p[len - 1] != '\n')
			rc = -1;
		else {
			p[len - 1] = '\0';
			rc = parse_id((char *)p, &last);
		}
		free(p);
		if (rc != 0)
			return fe_err_set(err, "%s: not a ticket number", path);
	}
	if ((rc = ticket_list_ids(dir, &ids, &n, err)) != 0)
		return rc;
	if (n > 0 && ids[n - 1] > last)
		last = ids[n - 1];
	free(ids);
	if (last >= 999999999)
		return fe_err_set(err, "%s: ticket numbers exhausted", dir);
	*id = last + 1;
	return 0;
}

static void
rm_new(const char *tmp)
{
	char path[PATH_MAX];

	fe_snprintf(path, sizeof(path), "%s/ticket", tmp);
	(void)unlink(path);
	fe_snprintf(path, sizeof(path), "%s/open.sig", tmp);
	(void)unlink(path);
	(void)rmdir(tmp);
}

static int
cmd_open(int argc, char **argv)
{
	const unsigned need = 1u << O_DIR | 1u << O_BY | 1u << O_KEY |
	    1u << O_HOST | 1u << O_CHANGE | 1u << O_START | 1u << O_END |
	    1u << O_REASON | 1u << O_ALLOWED;
	struct opts o;
	struct session s;
	struct ticket t, chk;
	struct fe_err err;
	char tmp[PATH_MAX], final[PATH_MAX], path[PATH_MAX], idtext[16];
	char *body = NULL, *stmt = NULL, *who = NULL, *hosts = NULL;
	char hx[65], ws[FE_TIME_STR], we[FE_TIME_STR];
	int64_t now = fe_now_sec();
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&chk, 0, sizeof(chk));
	if ((rc = parse_opts(argc, argv, need | 1u << O_EMERGENCY, 0, &o)) != 0
	    || (rc = require(&o, "open", need)) != 0)
		return rc;
	if (!ticket_name_ok(o.v[O_BY], strlen(o.v[O_BY]))) {
		cli_error("change open: --by '%s': not a principal name "
		    "(letters, digits, '.', '_', '@', '+', '-')", o.v[O_BY]);
		return 2;
	}
	if (parse_when(o.v[O_START], now, &t.window_start) != 0 ||
	    parse_when(o.v[O_END], now, &t.window_end) != 0) {
		cli_error("change open: --start/--end '%s', '%s': a time is "
		    "YYYY-MM-DDTHH:MM:SSZ, now, +Nd, +Nh or +Nm", o.v[O_START],
		    o.v[O_END]);
		return 2;
	}
	if ((rc = split_hosts(o.v[O_HOST], &t)) != 0)
		goto out;
	t.patterns = fe_calloc(TICKET_MAX_PATTERNS, sizeof(char *));
	for (i = 0; i < o.nchanges; i++)
		t.patterns[t.npatterns++] =
		    ticket_pattern_normalise(o.changes[i]);
	t.opened_by = fe_strdup(o.v[O_BY]);
	t.opened_at = now;
	t.emergency = o.emergency;
	t.reason = fe_strdup(o.v[O_REASON]);
	t.id = 1;   /* checked with a stand-in id before taking the lock */
	body = ticket_format(&t);
	if (ticket_parse("change open", (uint8_t *)body, strlen(body), &chk,
	    &err) != 0) {
		cli_error("%s", err.msg);
		rc = 2;
		goto out;
	}
	ticket_clear(&chk);
	free(body);
	body = NULL;

	if ((rc = session_open(&s, o.v[O_DIR], true)) != 0) {
		session_close(&s);
		goto out;
	}
	rc = 1;
	if (next_id(s.dir, &t.id, &err) != 0) {
		cli_error("%s", err.msg);
		goto closed;
	}
	body = ticket_format(&t);
	if (ticket_parse("change open", (uint8_t *)body, strlen(body), &chk,
	    &err) != 0) {
		cli_error("%s", err.msg);
		goto closed;
	}
	fe_snprintf(tmp, sizeof(tmp), "%s/.new", s.dir);
	fe_snprintf(final, sizeof(final), "%s/%llu", s.dir,
	    (unsigned long long)t.id);
	rm_new(tmp);   /* left by a crash: we hold the lock */
	if (mkdir(tmp, 0755) != 0) {
		cli_error("%s: cannot create: %s", tmp, strerror(errno));
		goto closed;
	}
	fe_snprintf(path, sizeof(path), "%s/ticket", tmp);
	if (write_file(path, body, strlen(body), &err) != 0) {
		cli_error("%s", err.msg);
		goto fail;
	}
	stmt = ticket_statement("open", &chk, NULL);
	fe_snprintf(path, sizeof(path), "%s/open.sig", tmp);
	if (sshsig_sign(o.v[O_KEY], stmt, strlen(stmt), path, &err) != 0) {
		refuse(&s, "open", 0, err.msg);
		goto fail;
	}
	if (sshsig_verify(o.v[O_ALLOWED], path, stmt, strlen(stmt), &who,
	    &err) != 0) {
		refuse(&s, "open", 0, err.msg);
		goto fail;
	}
	if (strcmp(who, t.opened_by) != 0) {
		char m[256];
		fe_snprintf(m, sizeof(m), "--key %.80s is %s's key in %.80s, "
		    "not %s's", o.v[O_KEY], who, o.v[O_ALLOWED], t.opened_by);
		refuse(&s, "open", 0, m);
		goto fail;
	}
	sync_dir(tmp);
	if (rename(tmp, final) != 0) {
		cli_error("%s: cannot rename to %s: %s", tmp, final,
		    strerror(errno));
		goto fail;
	}
	sync_dir(s.dir);
	fe_snprintf(path, sizeof(path), "%s/.last-id", s.dir);
	fe_snprintf(idtext, sizeof(idtext), "%llu\n",
	    (unsigned long long)t.id);
	if (write_file(path, idtext, strlen(idtext), &err) != 0) {
		cli_error("%s", err.msg);
		goto closed;
	}
	hosts = join(t.hosts, t.nhosts);
	hex_encode(chk.body_sha256, 32, hx);
	(void)fe_time_format_sec(t.window_start, ws);
	(void)fe_time_format_sec(t.window_end, we);
	if (logf_(&s, "change.open", "ticket=%llu by=%s hosts=%s window=%s/%s "
	    "emergency=%s body-sha256=%s", (unsigned long long)t.id,
	    t.opened_by, hosts, ws, we, t.emergency ? "yes" : "no", hx) != 0)
		goto closed;
	printf("%llu\n", (unsigned long long)t.id);
	rc = 0;
	goto closed;
fail:
	rm_new(tmp);
closed:
	session_close(&s);
out:
	ticket_clear(&t);
	ticket_clear(&chk);
	free(body);
	free(stmt);
	free(who);
	free(hosts);
	return rc;
}

/* ---- approve and review ------------------------------------------------ */

/* Copy a signature made elsewhere (--sig) to path. */
static int
copy_sig(const char *from, const char *path, struct fe_err *err)
{
	uint8_t *p;
	size_t len;
	int rc;

	if (fe_read_file(from, SSHSIG_MAX_FILE, &p, &len, err) != 0)
		return FE_EIO;
	rc = write_file(path, p, len, err);
	free(p);
	return rc;
}

/*
 * approve (note NULL) or review: load and check the ticket, make or take
 * the signature into a temporary file outside the ticket directory, verify
 * it and apply four eyes, and only then move it (and the note) in.
 */
static int
sign_action(int argc, char **argv, bool review)
{
	const char *action = review ? "review" : "approve";
	const unsigned need = 1u << O_DIR | 1u << O_ALLOWED |
	    (review ? 1u << O_NOTE : 0);
	struct opts o;
	struct session s;
	struct ticket t, again;
	struct fe_err err;
	char tdir[PATH_MAX], tmpsig[PATH_MAX], tmpnote[PATH_MAX];
	char sigpath[PATH_MAX], notepath[PATH_MAX], opensig[PATH_MAX];
	char *stmt = NULL, *who = NULL, *okey = NULL, *key = NULL;
	char *note = NULL;
	uint8_t note_sha[32];
	uint64_t id;
	bool note_in = false;
	int rc;

	memset(&t, 0, sizeof(t));
	memset(&again, 0, sizeof(again));
	if ((rc = parse_opts(argc, argv, need | 1u << O_KEY | 1u << O_SIG, 1,
	    &o)) != 0 || (rc = require(&o, action, need)) != 0)
		return rc;
	if (o.npos != 1 || parse_id(o.pos[0], &id) != 0) {
		cli_error("change %s: give the ticket number (1 to 999999999)",
		    action);
		return 2;
	}
	if ((o.v[O_KEY] == NULL) == (o.v[O_SIG] == NULL)) {
		cli_error("change %s: give either --key (sign here) or --sig "
		    "(a signature made elsewhere over `fe change statement`)",
		    action);
		return 2;
	}
	if (review) {
		if (asprintf(&note, "%s\n", o.v[O_NOTE]) < 0)
			fe_fatal("out of memory");
		if (ticket_note_check("change review: --note",
		    (uint8_t *)note, strlen(note), &err) != 0) {
			cli_error("%s", err.msg);
			free(note);
			return 2;
		}
	}
	if ((rc = session_open(&s, o.v[O_DIR], false)) != 0)
		goto closed;
	rc = 1;
	if (ticket_load(s.dir, id, o.v[O_ALLOWED], &t, &err) != 0) {
		refuse(&s, action, id, err.msg);
		goto closed;
	}
	if (!review && t.state != TICKET_OPEN) {
		char m[128];
		fe_snprintf(m, sizeof(m), "already approved by %s",
		    t.approved_by);
		refuse(&s, action, id, m);
		goto closed;
	}
	if (review && t.state != TICKET_APPROVED) {
		refuse(&s, action, id, t.state == TICKET_OPEN ?
		    "not approved yet (a review comes after the approval, "
		    "for emergency tickets too)" : "already reviewed");
		goto closed;
	}
	fe_snprintf(tdir, sizeof(tdir), "%s/%llu", s.dir,
	    (unsigned long long)id);
	fe_snprintf(tmpsig, sizeof(tmpsig), "%s/.%s.sig.tmp", s.dir, action);
	fe_snprintf(tmpnote, sizeof(tmpnote), "%s/.review.tmp", s.dir);
	fe_snprintf(sigpath, sizeof(sigpath), "%s/%s.sig", tdir, action);
	fe_snprintf(notepath, sizeof(notepath), "%s/review", tdir);
	fe_snprintf(opensig, sizeof(opensig), "%s/open.sig", tdir);
	(void)unlink(tmpsig);
	(void)unlink(tmpnote);
	if (review) {
		sha256_note(note, note_sha);
		stmt = ticket_statement("review", &t, note_sha);
	} else {
		stmt = ticket_statement("approve", &t, NULL);
	}
	if (o.v[O_KEY] != NULL)
		rc = sshsig_sign(o.v[O_KEY], stmt, strlen(stmt), tmpsig, &err);
	else
		rc = copy_sig(o.v[O_SIG], tmpsig, &err);
	if (rc != 0) {
		rc = 1;
		refuse(&s, action, id, err.msg);
		goto fail;
	}
	rc = 1;
	if (sshsig_pubkey(opensig, &okey, &err) != 0 ||
	    sshsig_pubkey(tmpsig, &key, &err) != 0) {
		refuse(&s, action, id, err.msg);
		goto fail;
	}
	if (sshsig_verify(o.v[O_ALLOWED], tmpsig, stmt, strlen(stmt), &who,
	    &err) != 0) {
		refuse(&s, action, id, err.msg);
		goto fail;
	}
	if (ticket_four_eyes(&t, action, who, okey, key, &err) != 0) {
		refuse(&s, action, id, err.msg);
		goto fail;
	}
	if (review) {
		if (write_file(tmpnote, note, strlen(note), &err) != 0) {
			cli_error("%s", err.msg);
			goto fail;
		}
		if (rename(tmpnote, notepath) != 0) {
			cli_error("%s: cannot rename: %s", tmpnote,
			    strerror(errno));
			goto fail;
		}
		note_in = true;
	}
	if (rename(tmpsig, sigpath) != 0) {
		cli_error("%s: cannot rename: %s", tmpsig, strerror(errno));
		goto fail;
	}
	sync_dir(tdir);
	/* What is on disk now must load as the new state. */
	if (ticket_load(s.dir, id, o.v[O_ALLOWED], &again, &err) != 0 ||
	    again.state != (review ? TICKET_REVIEWED : TICKET_APPROVED)) {
		(void)unlink(sigpath);
		refuse(&s, action, id, err.msg);
		goto fail;
	}
	if (review) {
		char hx[65];
		hex_encode(note_sha, 32, hx);
		rc = logf_(&s, "change.review", "ticket=%llu by=%s "
		    "note-sha256=%s", (unsigned long long)id, who, hx);
	} else {
		rc = logf_(&s, "change.approve", "ticket=%llu by=%s",
		    (unsigned long long)id, who);
	}
	if (rc == 0)
		printf("ticket %llu %s by %s\n", (unsigned long long)id,
		    review ? "reviewed" : "approved", who);
	goto closed;
fail:
	(void)unlink(tmpsig);
	(void)unlink(tmpnote);
	if (note_in)
		(void)unlink(notepath);
closed:
	session_close(&s);
	ticket_clear(&t);
	ticket_clear(&again);
	free(stmt);
	free(who);
	free(okey);
	free(key);
	free(note);
	return rc;
}

/* ---- statement, show, list ---------------------------------------------- */

static int
cmd_statement(int argc, char **argv)
{
	struct opts o;
	struct ticket t;
	struct fe_err err;
	char path[PATH_MAX], name[32], *stmt, *note = NULL;
	uint8_t *body, note_sha[32];
	size_t len;
	uint64_t id;
	int rc;

	if ((rc = parse_opts(argc, argv, 1u << O_DIR | 1u << O_NOTE, 2,
	    &o)) != 0 || (rc = require(&o, "statement", 1u << O_DIR)) != 0)
		return rc;
	if (o.npos != 2 || parse_id(o.pos[0], &id) != 0 ||
	    (strcmp(o.pos[1], "open") != 0 && strcmp(o.pos[1], "approve") != 0
	    && strcmp(o.pos[1], "review") != 0))
		return usage();
	if ((strcmp(o.pos[1], "review") == 0) != (o.v[O_NOTE] != NULL)) {
		cli_error("change statement: --note goes with review, and only "
		    "there");
		return 2;
	}
	fe_snprintf(name, sizeof(name), "ticket %llu", (unsigned long long)id);
	fe_snprintf(path, sizeof(path), "%s/%llu/ticket", o.v[O_DIR],
	    (unsigned long long)id);
	if (fe_read_file(path, TICKET_MAX_BODY, &body, &len, &err) != 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	rc = ticket_parse(name, body, len, &t, &err);
	free(body);
	if (rc != 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	if (t.id != id) {
		cli_error("%s: the body says id %llu", name,
		    (unsigned long long)t.id);
		ticket_clear(&t);
		return 1;
	}
	if (o.v[O_NOTE] != NULL) {
		if (asprintf(&note, "%s\n", o.v[O_NOTE]) < 0)
			fe_fatal("out of memory");
		if (ticket_note_check("--note", (uint8_t *)note, strlen(note),
		    &err) != 0) {
			cli_error("%s", err.msg);
			free(note);
			ticket_clear(&t);
			return 2;
		}
		sha256_note(note, note_sha);
	}
	stmt = ticket_statement(o.pos[1], &t, note ? note_sha : NULL);
	fwrite(stmt, 1, strlen(stmt), stdout);
	free(stmt);
	free(note);
	ticket_clear(&t);
	return fflush(stdout) == 0 ? 0 : 1;
}

static void
print_window(const struct ticket *t, char *out, size_t n)
{
	char a[FE_TIME_STR], b[FE_TIME_STR];

	(void)fe_time_format_sec(t->window_start, a);
	(void)fe_time_format_sec(t->window_end, b);
	fe_snprintf(out, n, "%s..%s", a, b);
}

static int
cmd_show(int argc, char **argv)
{
	struct opts o;
	struct ticket t;
	struct fe_err err;
	char at[FE_TIME_STR], win[2 * FE_TIME_STR + 4], hx[65], *hosts;
	uint64_t id;
	size_t i;
	int rc;

	if ((rc = parse_opts(argc, argv, 1u << O_DIR | 1u << O_ALLOWED, 1,
	    &o)) != 0 || (rc = require(&o, "show", 1u << O_DIR |
	    1u << O_ALLOWED)) != 0)
		return rc;
	if (o.npos != 1 || parse_id(o.pos[0], &id) != 0)
		return usage();
	if (ticket_load(o.v[O_DIR], id, o.v[O_ALLOWED], &t, &err) != 0) {
		printf("ticket %llu: REFUSED: %s\n", (unsigned long long)id,
		    err.msg);
		return 1;
	}
	(void)fe_time_format_sec(t.opened_at, at);
	print_window(&t, win, sizeof(win));
	hex_encode(t.body_sha256, 32, hx);
	hosts = join(t.hosts, t.nhosts);
	printf("ticket: %llu\nstate: %s\nopened-by: %s\nopened-at: %s\n"
	    "approved-by: %s\nreviewed-by: %s\nhosts: %s\n",
	    (unsigned long long)t.id, ticket_state_names[t.state],
	    t.opened_by, at, t.approved_by ? t.approved_by : "-",
	    t.reviewed_by ? t.reviewed_by : "-", hosts);
	for (i = 0; i < t.npatterns; i++)
		printf("change: %s\n", t.patterns[i]);
	printf("window: %s\nemergency: %s\nreason: %s\nbody-sha256: %s\n",
	    win, t.emergency ? "yes" : "no", t.reason, hx);
	if (t.review_note != NULL)
		printf("review-note: %s", t.review_note);
	free(hosts);
	ticket_clear(&t);
	return 0;
}

static int
cmd_list(int argc, char **argv)
{
	struct opts o;
	struct ticket t;
	struct fe_err err;
	char win[2 * FE_TIME_STR + 4], *pats;
	uint64_t *ids;
	size_t n, i;
	int rc, bad = 0;

	if ((rc = parse_opts(argc, argv, 1u << O_DIR | 1u << O_ALLOWED, 0,
	    &o)) != 0 || (rc = require(&o, "list", 1u << O_DIR |
	    1u << O_ALLOWED)) != 0)
		return rc;
	if (ticket_list_ids(o.v[O_DIR], &ids, &n, &err) != 0) {
		cli_error("%s", err.msg);
		return 1;
	}
	printf("%-6s %-9s %-12s %-12s %-41s %-9s %s\n", "ID", "STATE",
	    "OPENER", "APPROVER", "WINDOW", "EMERGENCY", "CHANGES");
	for (i = 0; i < n; i++) {
		if (ticket_load(o.v[O_DIR], ids[i], o.v[O_ALLOWED], &t,
		    &err) != 0) {
			printf("%-6llu REFUSED   %s\n",
			    (unsigned long long)ids[i], err.msg);
			bad = 1;
			continue;
		}
		print_window(&t, win, sizeof(win));
		pats = join(t.patterns, t.npatterns);
		printf("%-6llu %-9s %-12s %-12s %-41s %-9s %s\n",
		    (unsigned long long)t.id, ticket_state_names[t.state],
		    t.opened_by, t.approved_by ? t.approved_by : "-", win,
		    t.emergency ? "yes" : "no", pats);
		free(pats);
		ticket_clear(&t);
	}
	free(ids);
	return bad;
}

int
cmd_change(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "open") == 0)
		return cmd_open(argc, argv);
	if (strcmp(argv[1], "approve") == 0)
		return sign_action(argc, argv, false);
	if (strcmp(argv[1], "review") == 0)
		return sign_action(argc, argv, true);
	if (strcmp(argv[1], "statement") == 0)
		return cmd_statement(argc, argv);
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc, argv);
	cli_error("change: unknown verb '%s'", argv[1]);
	return usage();
}
