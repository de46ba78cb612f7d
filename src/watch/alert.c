/*
 * alert.c - the alert channels of fe-watch (alert.h): mail over SMTP through
 * libcurl, a program fed the alert as JSON on its standard input, syslog.
 *
 * What it trusts: the configuration (read through conf.h, checked here for
 * shape: mail addresses, URL scheme, an absolute program path).  What it does
 * not trust: the alert's text, which comes from watched hosts.  That text is
 * made valid UTF-8 before it reaches jansson, has its control characters
 * removed before it reaches a mail header or syslog, and is sent in mail
 * bodies quoted-printable, so that no line is too long and no byte is taken
 * for SMTP or MIME syntax.  The program is started with posix_spawn, without
 * a shell, in its own process group (so a timeout kills what it started),
 * with no descriptors of ours but its three pipes.
 *
 * Threads: one delivery thread per configured channel, each with its own
 * bounded queue, so a mail server that takes its full timeout never delays
 * the command or syslog copy of the same alert.  One mutex guards the queues
 * and the list of reports that alerter_poll() hands to the caller's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lib/buf.h"
#include "lib/mime.h"
#include "lib/seam.h"
#include "watch/alert.h"

extern char **environ;

const char *const alert_channel_names[ALERT__MAX] = {
	"smtp", "command", "syslog",
};

/* Caps on the configuration. */
#define ALERT_MAX_RCPT 32          /* smtp_to, escalate_to: addresses each */
#define ALERT_MAX_ADDR 254         /* RFC 5321 section 4.5.3.1.3 */
#define ALERT_MAX_URL 512
#define ALERT_MAX_ARGS 64          /* command: words */
#define ALERT_MAX_TIMEOUT 300      /* seconds */
#define ALERT_DEF_TIMEOUT 10

/* Caps on an alert's text (longer text is cut when the alert is queued). */
#define ALERT_MAX_NAME 256         /* host, kind */
#define ALERT_MAX_SUMMARY 1024
#define ALERT_MAX_DETAIL (64 * 1024)
#define ALERT_SUBJECT_SUMMARY 160  /* bytes of summary in a Subject */
#define ALERT_MAX_MAIL (1024 * 1024)
#define ALERT_CMD_OUTPUT 512       /* bytes of a program's output kept */

/* Delivery. */
#define ALERT_QUEUE_MAX 256        /* waiting deliveries per channel */
#define ALERT_ATTEMPTS 3
#define ALERT_RETRY_MS 1000

static const char *const sec = "alert";

/* --- configuration ------------------------------------------------------- */

/*
 * A mail address as the configuration may give it: local@domain, printable
 * ASCII, nothing that would end or extend an SMTP command or a header
 * (spaces, brackets, quotes, commas).  Deliberately narrower than RFC 5322.
 */
static bool
addr_ok(const char *s)
{
	const char *at = strrchr(s, '@'), *p;

	if (at == NULL || at == s || at[1] == '\0' ||
	    strlen(s) > ALERT_MAX_ADDR)
		return false;
	for (p = s; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>()[]\\,;:\"@", *p))
			return false;
	for (p = at + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			return false;
	return true;
}

static int
addr_list(struct conf *c, const char *key, bool required, char ***out,
    size_t *nout, struct fe_err *err)
{
	const char *v = conf_str(c, sec, key);
	char **items;
	size_t n, i;
	int rc;

	if ((rc = conf_list(c, sec, key, &items, &n, err)) != 0)
		return rc;
	if (n == 0 && required)
		return fe_err_set(err, "%s: [%s] %s is required (the addresses "
		    "alerts are mailed to)", conf_name(c), sec, key);
	if (n > ALERT_MAX_RCPT) {
		conf_list_free(items, n);
		return fe_err_set(err, "%s: [%s] %s = '%.64s': more than %d "
		    "addresses", conf_name(c), sec, key, v, ALERT_MAX_RCPT);
	}
	for (i = 0; i < n; i++)
		if (!addr_ok(items[i])) {
			rc = fe_err_set(err, "%s: [%s] %s = '%.64s': '%.64s' is "
			    "not a mail address (local@domain, no spaces, "
			    "brackets, quotes or commas)", conf_name(c), sec, key,
			    v, items[i]);
			conf_list_free(items, n);
			return rc;
		}
	*out = items;
	*nout = n;
	return 0;
}

static int
url_check(struct conf *c, const char *v, struct fe_err *err)
{
	const char *p, *host;

	if (strncasecmp(v, "smtp://", 7) == 0)
		host = v + 7;
	else if (strncasecmp(v, "smtps://", 8) == 0)
		host = v + 8;
	else
		return fe_err_set(err, "%s: [%s] smtp_url = '%.64s': must begin "
		    "with smtp:// or smtps://", conf_name(c), sec, v);
	if (*host == '\0' || *host == '/' || *host == ':')
		return fe_err_set(err, "%s: [%s] smtp_url = '%.64s': no host",
		    conf_name(c), sec, v);
	if (strlen(v) > ALERT_MAX_URL)
		return fe_err_set(err, "%s: [%s] smtp_url = '%.64s': longer than "
		    "%d bytes", conf_name(c), sec, v, ALERT_MAX_URL);
	for (p = v; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return fe_err_set(err, "%s: [%s] smtp_url = '%.64s': "
			    "spaces or control characters", conf_name(c), sec, v);
	return 0;
}

/* Split on spaces and tabs; no quoting, no shell. */
static int
command_split(struct conf *c, const char *v, char ***out, struct fe_err *err)
{
	char **argv = NULL;
	const char *p = v, *q;
	size_t n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t'; q++)
			;
		if (n == ALERT_MAX_ARGS) {
			conf_list_free(argv, n);
			return fe_err_set(err, "%s: [%s] command = '%.64s': more "
			    "than %d words", conf_name(c), sec, v,
			    ALERT_MAX_ARGS);
		}
		argv = fe_realloc(argv, (n + 2) * sizeof(*argv));
		argv[n++] = fe_strndup(p, (size_t)(q - p));
		argv[n] = NULL;
		p = q;
	}
	if (n == 0)
		return fe_err_set(err, "%s: [%s] command = '%.64s': empty",
		    conf_name(c), sec, v);
	if (argv[0][0] != '/') {
		fe_err_set(err, "%s: [%s] command = '%.64s': the program must be "
		    "an absolute path (no PATH search in a daemon)",
		    conf_name(c), sec, v);
		conf_list_free(argv, n);
		return FE_EINVAL;
	}
	*out = argv;
	return 0;
}

/* Settings of a channel that is not used are an error, not ignored: a
 * smtp_url without smtp in channels means someone thinks mail goes out. */
static int
unused_keys(struct conf *c, enum alert_channel ch, const char *const *keys,
    struct fe_err *err)
{
	const char *v;

	for (; *keys != NULL; keys++)
		if ((v = conf_str(c, sec, *keys)) != NULL)
			return fe_err_set(err, "%s: [%s] %s = '%.64s': set, but "
			    "channel %s is not in channels", conf_name(c), sec,
			    *keys, v, alert_channel_names[ch]);
	return 0;
}

int
alert_conf_load(struct conf *c, struct alert_conf *out, struct fe_err *err)
{
	static const char *const smtp_keys[] = {
		"smtp_url", "smtp_from", "smtp_to", "escalate_to", NULL,
	};
	static const char *const command_keys[] = { "command", NULL };
	struct alert_conf ac;
	char **names = NULL;
	size_t nnames = 0, i, nuse = 0;
	const char *v, *list;
	uint64_t t;
	int rc, ch;

	memset(&ac, 0, sizeof(ac));
	if ((rc = conf_list(c, sec, "channels", &names, &nnames, err)) != 0)
		goto out;
	list = conf_str(c, sec, "channels");
	if (nnames == 0) {
		rc = fe_err_set(err, "%s: [%s] channels is required (POLICY.md "
		    "M3: at least two of smtp, command, syslog)", conf_name(c),
		    sec);
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		for (ch = 0; ch < ALERT__MAX; ch++)
			if (strcmp(names[i], alert_channel_names[ch]) == 0)
				break;
		if (ch == ALERT__MAX) {
			rc = fe_err_set(err, "%s: [%s] channels = '%.64s': "
			    "unknown channel '%.32s' (smtp, command, syslog)",
			    conf_name(c), sec, list, names[i]);
			goto out;
		}
		if (ac.use[ch]) {
			rc = fe_err_set(err, "%s: [%s] channels = '%.64s': "
			    "channel '%s' named twice", conf_name(c), sec, list,
			    names[i]);
			goto out;
		}
		ac.use[ch] = true;
		nuse++;
	}
	if (nuse < 2) {
		rc = fe_err_set(err, "%s: [%s] channels = '%.64s': POLICY.md M3 "
		    "requires alerts by more than one channel", conf_name(c),
		    sec, list);
		goto out;
	}

	if (ac.use[ALERT_SMTP]) {
		if ((rc = conf_req_str(c, sec, "smtp_url", &v, err)) != 0 ||
		    (rc = url_check(c, v, err)) != 0)
			goto out;
		ac.smtp_url = fe_strdup(v);
		if ((rc = conf_req_str(c, sec, "smtp_from", &v, err)) != 0)
			goto out;
		if (!addr_ok(v)) {
			rc = fe_err_set(err, "%s: [%s] smtp_from = '%.64s': not a "
			    "mail address (local@domain, no spaces, brackets, "
			    "quotes or commas)", conf_name(c), sec, v);
			goto out;
		}
		ac.smtp_from = fe_strdup(v);
		if ((rc = addr_list(c, "smtp_to", true, &ac.smtp_to,
		    &ac.nsmtp_to, err)) != 0 ||
		    (rc = addr_list(c, "escalate_to", false, &ac.escalate_to,
		    &ac.nescalate_to, err)) != 0)
			goto out;
	} else if ((rc = unused_keys(c, ALERT_SMTP, smtp_keys, err)) != 0)
		goto out;

	if (ac.use[ALERT_COMMAND]) {
		if ((rc = conf_req_str(c, sec, "command", &v, err)) != 0 ||
		    (rc = command_split(c, v, &ac.command, err)) != 0)
			goto out;
	} else if ((rc = unused_keys(c, ALERT_COMMAND, command_keys, err)) != 0)
		goto out;

	if ((rc = conf_uint(c, sec, "timeout", 1, ALERT_MAX_TIMEOUT,
	    ALERT_DEF_TIMEOUT, &t, err)) != 0)
		goto out;
	ac.timeout = (unsigned)t;

	*out = ac;
	memset(&ac, 0, sizeof(ac));
	rc = 0;
out:
	conf_list_free(names, nnames);
	alert_conf_clear(&ac);
	return rc;
}

static size_t
argv_len(char **argv)
{
	size_t n = 0;

	while (argv != NULL && argv[n] != NULL)
		n++;
	return n;
}

void
alert_conf_clear(struct alert_conf *ac)
{
	if (ac == NULL)
		return;
	free(ac->smtp_url);
	free(ac->smtp_from);
	conf_list_free(ac->smtp_to, ac->nsmtp_to);
	conf_list_free(ac->escalate_to, ac->nescalate_to);
	conf_list_free(ac->command, argv_len(ac->command));
	memset(ac, 0, sizeof(*ac));
}

static char **
strv_copy(char *const *v, size_t n)
{
	char **o;
	size_t i;

	if (v == NULL)
		return NULL;
	o = fe_calloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++)
		o[i] = fe_strdup(v[i]);
	return o;
}

static void
alert_conf_copy(struct alert_conf *dst, const struct alert_conf *src)
{
	*dst = *src;
	dst->smtp_url = src->smtp_url ? fe_strdup(src->smtp_url) : NULL;
	dst->smtp_from = src->smtp_from ? fe_strdup(src->smtp_from) : NULL;
	dst->smtp_to = strv_copy(src->smtp_to, src->nsmtp_to);
	dst->escalate_to = strv_copy(src->escalate_to, src->nescalate_to);
	dst->command = strv_copy(src->command, argv_len(src->command));
}

/* --- untrusted text ------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 if there is none. */
static size_t
utf8_seq(const unsigned char *p, uint32_t *cp)
{
	uint32_t c = p[0];
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, c &= 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)   /* also stops at the NUL */
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

enum clean_mode {
	CLEAN_UTF8,     /* valid UTF-8, everything else kept (JSON, mail body) */
	CLEAN_LINE,     /* and runs of control characters become one space */
	CLEAN_ASCII,    /* and every non-ASCII character becomes '?' (headers) */
};

/*
 * A malloc'ed copy of s (NULL for NULL) that is valid UTF-8: an ill-formed
 * byte becomes U+FFFD.  At most max bytes of output; a cut is marked "...".
 */
static char *
text_clean(const char *s, size_t max, enum clean_mode mode)
{
	static const char repl[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	char *o, *w;
	const char *add;
	size_t n, addn;
	uint32_t cp;
	bool space = false;

	if (s == NULL)
		return NULL;
	o = fe_malloc(max + 4);
	w = o;
	while (*p != '\0') {
		n = utf8_seq(p, &cp);
		add = (const char *)p;
		addn = n;
		if (n == 0) {
			n = 1;
			add = repl;
			addn = 3;
			cp = 0xfffd;
		}
		if (mode != CLEAN_UTF8 && (cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0))) {
			p += n;
			space = true;
			continue;
		}
		if (space) {
			if (w != o && (size_t)(w - o) < max)
				*w++ = ' ';
			space = false;
		}
		if (mode == CLEAN_ASCII && cp >= 0x80) {
			add = "?";
			addn = 1;
		}
		if ((size_t)(w - o) + addn > max) {
			memcpy(w, "...", 3);
			w += 3;
			break;
		}
		memcpy(w, add, addn);
		w += addn;
		p += n;
	}
	*w = '\0';
	return o;
}

/* --- JSON ---------------------------------------------------------------- */

static char *
alert_json_flags(const struct alert *a, size_t flags)
{
	char t1[FE_TIME_STR], t2[FE_TIME_STR];
	char *host, *kind, *summary, *detail, *s;
	json_t *o;

	host = text_clean(a->host, ALERT_MAX_NAME, CLEAN_UTF8);
	kind = text_clean(a->kind, ALERT_MAX_NAME, CLEAN_UTF8);
	summary = text_clean(a->summary, ALERT_MAX_SUMMARY, CLEAN_UTF8);
	detail = text_clean(a->detail, ALERT_MAX_DETAIL, CLEAN_UTF8);
	/* json_int_t is signed: ids past 2^63 do not happen (defensive). */
	o = json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b}",
	    "id", (json_int_t)(a->id > INT64_MAX ? INT64_MAX : a->id),
	    "host", host, "kind", kind,
	    "time", fe_time_format_sec(a->time, t1) == 0 ? t1 : NULL,
	    "respond_by", fe_time_format_sec(a->respond_by, t2) == 0 ? t2 :
	    NULL,
	    "summary", summary, "detail", detail,
	    "escalation", a->escalation ? 1 : 0);
	free(host);
	free(kind);
	free(summary);
	free(detail);
	/* The strings are valid UTF-8 now, so only memory can fail. */
	if (o == NULL)
		fe_fatal("alert_json: json_pack failed");
	s = json_dumps(o, flags);
	json_decref(o);
	if (s == NULL)
		fe_fatal("alert_json: json_dumps failed");
	return s;
}

char *
alert_json(const struct alert *a)
{
	return alert_json_flags(a, JSON_COMPACT);
}

/* --- deadlines ----------------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fe_fatal("clock_gettime(CLOCK_MONOTONIC) failed");
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A delivery gives up when its own timeout passes or when *abort_at (a
 * CLOCK_MONOTONIC time in ms, 0 for none; set by alerter_stop) passes. */
struct stopper {
	const _Atomic int64_t *abort_at;
};

static bool
stopper_due(const struct stopper *s)
{
	int64_t t;

	if (s == NULL || s->abort_at == NULL)
		return false;
	t = atomic_load(s->abort_at);
	return t != 0 && mono_ms() >= t;
}

/* --- smtp ---------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Recipients: smtp_to, and escalate_to for an escalation, each once. */
static struct curl_slist *
mail_rcpts(const struct alert_conf *ac, bool escalation, size_t *n)
{
	struct curl_slist *l = NULL, *x, *y;
	size_t i, j;
	bool dup;

	*n = 0;
	for (j = 0; j < 2; j++) {
		char **v = j == 0 ? ac->smtp_to : ac->escalate_to;
		size_t nv = j == 0 ? ac->nsmtp_to : ac->nescalate_to;

		if (j == 1 && !escalation)
			break;
		for (i = 0; i < nv; i++) {
			dup = false;
			for (y = l; y != NULL; y = y->next)
				if (strcasecmp(y->data, v[i]) == 0)
					dup = true;
			if (dup)
				continue;
			if ((x = curl_slist_append(l, v[i])) == NULL)
				fe_fatal("out of memory");
			l = x;
			(*n)++;
		}
	}
	return l;
}

/* The whole message, headers and body, CRLF line ends (libcurl does the
 * dot-stuffing of the DATA phase itself). */
static int
mail_build(const struct alert_conf *ac, const struct alert *a,
    const struct curl_slist *rcpt, struct buf *m)
{
	char date[64], t1[FE_TIME_STR], t2[FE_TIME_STR], rnd_hex[17];
	char *host, *summary, *kind, *body_host, *body_kind, *body_summary;
	char *detail, *json;
	const char *domain = strrchr(ac->smtp_from, '@') + 1;
	const struct curl_slist *r;
	uint8_t rnd[8];
	int rc = -1;

	host = text_clean(a->host, 64, CLEAN_ASCII);
	kind = text_clean(a->kind, 64, CLEAN_ASCII);
	summary = text_clean(a->summary, ALERT_SUBJECT_SUMMARY, CLEAN_ASCII);
	body_host = text_clean(a->host, ALERT_MAX_NAME, CLEAN_LINE);
	body_kind = text_clean(a->kind, ALERT_MAX_NAME, CLEAN_LINE);
	body_summary = text_clean(a->summary, ALERT_MAX_SUMMARY, CLEAN_LINE);
	detail = text_clean(a->detail, ALERT_MAX_DETAIL, CLEAN_UTF8);
	json = alert_json_flags(a, JSON_INDENT(2));
	mime_date(fe_now_sec(), date, sizeof(date));
	fe_random(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), rnd_hex);
	if (fe_time_format_sec(a->time, t1) != 0)
		fe_snprintf(t1, sizeof(t1), "(unknown)");
	if (fe_time_format_sec(a->respond_by, t2) != 0)
		fe_snprintf(t2, sizeof(t2), "(unknown)");

	if (buf_printf(m, "Date: %s\r\nFrom: %s\r\nTo: ", date,
	    ac->smtp_from) != 0)
		goto out;
	for (r = rcpt; r != NULL; r = r->next)
		if (buf_printf(m, "%s%s", r->data,
		    r->next != NULL ? ",\r\n " : "\r\n") != 0)
			goto out;
	if (buf_printf(m, "Subject: [fe-watch] %s%s alert %llu: %s\r\n"
	    "Message-ID: <fe-watch.%llu.%lld.%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-FE-Watch-Alert: %llu\r\n\r\n",
	    a->escalation ? "ESCALATION " : "", host,
	    (unsigned long long)a->id, summary,
	    (unsigned long long)a->id, (long long)fe_now_sec(), rnd_hex,
	    domain, (unsigned long long)a->id) != 0)
		goto out;
	/* The body as text, then encoded. */
	{
		struct buf t;
		int trc;

		buf_init(&t, ALERT_MAX_MAIL);
		trc = buf_printf(&t, "%s"
		    "fe-watch on %s raised alert %llu.\n\n"
		    "Summary:    %s\n"
		    "Host:       %s\n"
		    "Kind:       %s\n"
		    "Seen:       %s\n"
		    "Respond by: %s (POLICY.md M3: a plan of action within "
		    "24 hours)\n"
		    "Escalation: %s\n\n",
		    a->escalation ? "ESCALATION: nobody has responded in "
		    "time.\n\n" : "",
		    body_host, (unsigned long long)a->id, body_summary,
		    body_host, body_kind, t1, t2,
		    a->escalation ? "yes" : "no");
		if (trc == 0 && detail != NULL)
			trc = buf_printf(&t, "Detail:\n%s\n\n", detail);
		if (trc == 0)
			trc = buf_printf(&t, "Acknowledge with: fe alert ack "
			    "%llu\n\nThe alert as JSON:\n%s\n",
			    (unsigned long long)a->id, json);
		if (trc == 0)
			trc = buf_cstr(&t);
		if (trc == 0)
			trc = mime_qp_add(m, (const char *)t.p);
		buf_free(&t);
		if (trc != 0)
			goto out;
	}
	rc = 0;
out:
	free(host);
	free(kind);
	free(summary);
	free(body_host);
	free(body_kind);
	free(body_summary);
	free(detail);
	free(json);
	return rc;
}

static int
mail_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stopper_due(arg) ? 1 : 0;
}

static int
deliver_smtp(const struct alert_conf *ac, const struct alert *a,
    const struct stopper *st, struct fe_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *rcpt;
	struct mime_reader rd;
	struct buf m;
	size_t nrcpt;
	CURL *h;
	CURLcode cc;
	int rc;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return fe_err_code(err, FE_EIO, "smtp: curl_global_init: %s",
		    curl_easy_strerror(curl_init_rc));
	rcpt = mail_rcpts(ac, a->escalation, &nrcpt);
	buf_init(&m, ALERT_MAX_MAIL);
	if (mail_build(ac, a, rcpt, &m) != 0) {
		rc = fe_err_code(err, FE_EINVAL, "smtp: alert %llu: the message "
		    "would pass %d bytes", (unsigned long long)a->id,
		    ALERT_MAX_MAIL);
		goto out_buf;
	}
	if ((h = curl_easy_init()) == NULL) {
		rc = fe_err_code(err, FE_EIO, "smtp: curl_easy_init failed");
		goto out_buf;
	}
	rd.p = m.p;
	rd.len = m.len;
	rd.off = 0;
	errbuf[0] = '\0';
	cc = CURLE_OK;
#define SET(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);          /* we are a thread */
	SET(CURLOPT_URL, ac->smtp_url);
	SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* smtp:// upgrades with STARTTLS when the server offers it; smtps://
	 * is TLS from the first byte.  Certificates are always verified. */
	SET(CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	SET(CURLOPT_MAIL_FROM, ac->smtp_from);
	SET(CURLOPT_MAIL_RCPT, rcpt);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, mime_read);
	SET(CURLOPT_READDATA, &rd);
	SET(CURLOPT_TIMEOUT, (long)ac->timeout);
	SET(CURLOPT_CONNECTTIMEOUT, (long)ac->timeout);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, mail_progress);
	SET(CURLOPT_XFERINFODATA, (void *)st);
#undef SET
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		/* curl's detailed message when it has one, else the code's. */
		rc = fe_err_code(err, FE_EIO, "smtp %s: %s", ac->smtp_url,
		    cc == CURLE_ABORTED_BY_CALLBACK ? "given up, fe-watch is "
		    "stopping" : errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc));
	} else {
		fe_err_set(err, "smtp %s: sent to %zu recipient%s",
		    ac->smtp_url, nrcpt, nrcpt == 1 ? "" : "s");
		rc = 0;
	}
	curl_easy_cleanup(h);
out_buf:
	buf_free(&m);
	curl_slist_free_all(rcpt);
	return rc;
}

/* --- command ------------------------------------------------------------- */

static int
spawn(char *const *argv, int in, int out, pid_t *pid)
{
	static const int sigs[] = {
		SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGCHLD,
		SIGUSR1, SIGUSR2,
	};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	size_t i;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&def, sigs[i]);
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawnattr_init(&at) != 0)
		fe_fatal("out of memory");
	if (posix_spawn_file_actions_adddup2(&fa, in, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, out, 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, out, 2) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(&fa, 3) != 0 ||
	    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0 ||
	    posix_spawnattr_setpgroup(&at, 0) != 0 ||
	    posix_spawnattr_setsigmask(&at, &none) != 0 ||
	    posix_spawnattr_setsigdefault(&at, &def) != 0)
		fe_fatal("posix_spawn attributes failed");
	rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc;
}

static int
deliver_command(const struct alert_conf *ac, const struct alert *a,
    const struct stopper *st, struct fe_err *err)
{
	char *json, *line, outb[ALERT_CMD_OUTPUT + 1], tmp[512];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = 0, rc, src;
	size_t jlen, off = 0, olen = 0;
	int64_t deadline, now, slice;
	struct pollfd pf[2];
	bool exited = false, stopped = false;
	ssize_t k;
	nfds_t np;
	pid_t pid;

	if (ac->command == NULL || ac->command[0] == NULL)
		return fe_err_set(err, "command: none configured");
	{
		char *j = alert_json(a);

		jlen = strlen(j);
		json = fe_malloc(jlen + 2);
		memcpy(json, j, jlen);
		json[jlen++] = '\n';
		json[jlen] = '\0';
		free(j);
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		rc = fe_err_sys(err, "command %s: pipe", ac->command[0]);
		goto out;
	}
	if ((src = spawn(ac->command, in[0], out[1], &pid)) != 0) {
		rc = fe_err_code(err, FE_EIO, "command %s: %s", ac->command[0],
		    strerror(src));
		goto out;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (fcntl(in[1], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) != 0)
		fe_fatal("fcntl O_NONBLOCK failed");

	/* Feed stdin, keep the first bytes of the output, until the program
	 * exits or the time is up.  The output's end is not waited for: a
	 * program may leave a child holding it. */
	deadline = mono_ms() + (int64_t)ac->timeout * 1000;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			exited = true;
			break;
		}
		if (w < 0 && errno == ECHILD) {
			/* Someone else reaped it: SIGCHLD ignored or a
			 * handler calling waitpid(-1) in the daemon. */
			rc = fe_err_code(err, FE_EIO, "command %s: exit status "
			    "lost (SIGCHLD ignored or reaped elsewhere)",
			    ac->command[0]);
			goto out;
		}
		now = mono_ms();
		if (now >= deadline)
			break;
		if (stopper_due(st)) {
			stopped = true;
			break;
		}
		np = 0;
		if (in[1] >= 0)
			pf[np++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (out[0] >= 0)
			pf[np++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		slice = deadline - now < 20 ? deadline - now : 20;
		if (poll(np ? pf : NULL, np, (int)slice) < 0 && errno != EINTR)
			fe_fatal("poll: %s", strerror(errno));
		if (in[1] >= 0) {
			k = write(in[1], json + off, jlen - off);
			if (k > 0)
				off += (size_t)k;
			/* EPIPE: the program does not read its input; fine. */
			if (off == jlen || (k < 0 && errno != EAGAIN &&
			    errno != EINTR)) {
				close(in[1]);
				in[1] = -1;
			}
		}
		while (out[0] >= 0) {
			k = read(out[0], tmp, sizeof(tmp));
			if (k > 0) {
				size_t take = (size_t)k;

				if (take > ALERT_CMD_OUTPUT - olen)
					take = ALERT_CMD_OUTPUT - olen;
				memcpy(outb + olen, tmp, take);
				olen += take;
				continue;
			}
			if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(out[0]);
				out[0] = -1;
			}
			break;
		}
	}
	if (exited && out[0] >= 0) {
		while ((k = read(out[0], tmp, sizeof(tmp))) > 0) {
			size_t take = (size_t)k;

			if (take > ALERT_CMD_OUTPUT - olen)
				take = ALERT_CMD_OUTPUT - olen;
			memcpy(outb + olen, tmp, take);
			olen += take;
		}
	}
	outb[olen] = '\0';
	if (!exited) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (stopped)
			rc = fe_err_code(err, FE_EIO, "command %s: given up, "
			    "fe-watch is stopping (killed)", ac->command[0]);
		else
			rc = fe_err_code(err, FE_EIO, "command %s: did not "
			    "finish within %u s (killed)", ac->command[0],
			    ac->timeout);
		goto out;
	}
	line = text_clean(outb, 200, CLEAN_LINE);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		fe_err_set(err, "command %s: exit status 0", ac->command[0]);
		rc = 0;
	} else if (WIFEXITED(status))
		rc = fe_err_code(err, FE_EIO, "command %s: exit status %d%s%s",
		    ac->command[0], WEXITSTATUS(status), *line ? ": " : "",
		    line);
	else
		rc = fe_err_code(err, FE_EIO, "command %s: killed by signal "
		    "%d%s%s", ac->command[0], WTERMSIG(status),
		    *line ? ": " : "", line);
	free(line);
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	free(json);
	return rc;
}

/* --- syslog -------------------------------------------------------------- */

/* syslog(3) reports nothing back: "ok" means handed to the C library. */
static int
deliver_syslog(const struct alert *a, struct fe_err *err)
{
	char t[FE_TIME_STR];
	char *host = text_clean(a->host, ALERT_MAX_NAME, CLEAN_LINE);
	char *kind = text_clean(a->kind, ALERT_MAX_NAME, CLEAN_LINE);
	char *summary = text_clean(a->summary, ALERT_MAX_SUMMARY, CLEAN_LINE);
	struct buf b;

	if (fe_time_format_sec(a->respond_by, t) != 0)
		fe_snprintf(t, sizeof(t), "(unknown)");
	buf_init(&b, 4096);
	if (buf_printf(&b, "%salert %llu host %s kind %s: %s (respond by %s; "
	    "fe alert ack %llu)", a->escalation ? "ESCALATION " : "",
	    (unsigned long long)a->id, host ? host : "-", kind ? kind : "-",
	    summary ? summary : "", t, (unsigned long long)a->id) != 0 ||
	    buf_cstr(&b) != 0)
		fe_fatal("deliver_syslog: line past its bound");
	openlog("fe-watch", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | LOG_ALERT, "%s", (const char *)b.p);
	buf_free(&b);
	free(host);
	free(kind);
	free(summary);
	fe_err_set(err, "syslog: logged (authpriv.alert)");
	return 0;
}

/* --- one delivery -------------------------------------------------------- */

/*
 * A peer that closes a pipe or socket early must not kill the daemon with
 * SIGPIPE: it is blocked for the delivery and a SIGPIPE it raised is taken
 * off the pending set before the old mask returns.
 */
static int
deliver(const struct alert_conf *ac, enum alert_channel ch,
    const struct alert *a, const struct stopper *st, struct fe_err *err)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old, pending;
	bool was_pending;
	int rc;

	if ((int)ch < 0 || ch >= ALERT__MAX || !ac->use[ch])
		return fe_err_set(err, "alert channel %d is not configured",
		    (int)ch);
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1;
	switch (ch) {
	case ALERT_SMTP:
		rc = deliver_smtp(ac, a, st, err);
		break;
	case ALERT_COMMAND:
		rc = deliver_command(ac, a, st, err);
		break;
	case ALERT_SYSLOG:
		rc = deliver_syslog(a, err);
		break;
	default:
		rc = fe_err_set(err, "alert channel %d unknown", (int)ch);
		break;
	}
	if (!was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int
alert_deliver(const struct alert_conf *ac, enum alert_channel ch,
    const struct alert *a, struct fe_err *err)
{
	struct fe_err local;

	return deliver(ac, ch, a, NULL, err != NULL ? err : &local);
}

/* --- the alerter --------------------------------------------------------- */

struct job {
	struct alert a;          /* its strings are the copies below */
	char *host, *kind, *summary, *detail;
	struct job *next;
};

struct report {
	uint64_t id;
	enum alert_channel ch;
	bool ok;
	char *msg;
	struct report *next;
};

struct chan {
	struct alerter *al;
	enum alert_channel ch;
	pthread_t thr;
	bool running;
	struct job *head, *tail;
	size_t n;
};

struct alerter {
	struct alert_conf ac;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* CLOCK_MONOTONIC */
	bool stopping;
	int64_t drain_until;     /* mono ms, valid when stopping */
	_Atomic int64_t abort_at;
	struct chan chans[ALERT__MAX];
	struct report *rhead, *rtail;
};

static void
lock(struct alerter *al)
{
	if (pthread_mutex_lock(&al->mu) != 0)
		fe_fatal("pthread_mutex_lock failed");
}

static void
unlock(struct alerter *al)
{
	if (pthread_mutex_unlock(&al->mu) != 0)
		fe_fatal("pthread_mutex_unlock failed");
}

/* With al->mu held. */
static void
report_add(struct alerter *al, uint64_t id, enum alert_channel ch, bool ok,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
report_add(struct alerter *al, uint64_t id, enum alert_channel ch, bool ok,
    const char *fmt, ...)
{
	struct report *r = fe_calloc(1, sizeof(*r));
	va_list ap;

	r->id = id;
	r->ch = ch;
	r->ok = ok;
	va_start(ap, fmt);
	if (vasprintf(&r->msg, fmt, ap) < 0)
		fe_fatal("out of memory");
	va_end(ap);
	if (al->rtail != NULL)
		al->rtail->next = r;
	else
		al->rhead = r;
	al->rtail = r;
}

static struct job *
job_new(const struct alert *a)
{
	struct job *j = fe_calloc(1, sizeof(*j));

	j->a = *a;
	j->a.host = j->host = a->host ? fe_strndup(a->host, ALERT_MAX_NAME) :
	    NULL;
	j->a.kind = j->kind = a->kind ? fe_strndup(a->kind, ALERT_MAX_NAME) :
	    NULL;
	j->a.summary = j->summary = a->summary ?
	    fe_strndup(a->summary, ALERT_MAX_SUMMARY) : NULL;
	j->a.detail = j->detail = a->detail ?
	    fe_strndup(a->detail, ALERT_MAX_DETAIL) : NULL;
	return j;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->host);
	free(j->kind);
	free(j->summary);
	free(j->detail);
	free(j);
}

static struct timespec
mono_ts(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	return ts;
}

static void *
chan_main(void *arg)
{
	struct chan *c = arg;
	struct alerter *al = c->al;
	struct stopper st = { .abort_at = &al->abort_at };
	char first[FE_ERR_MAX];
	struct fe_err err;
	struct job *j;
	struct timespec ts;
	int64_t retry_at;
	int attempt, rc;
	bool gave_up;

	for (;;) {
		lock(al);
		while (c->head == NULL && !al->stopping)
			pthread_cond_wait(&al->cv, &al->mu);
		if ((j = c->head) == NULL) {
			unlock(al);
			break;
		}
		c->head = j->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->n--;
		if (al->stopping && mono_ms() >= al->drain_until) {
			report_add(al, j->a.id, c->ch, false, "not delivered: "
			    "fe-watch stopped before its turn");
			unlock(al);
			job_free(j);
			continue;
		}
		unlock(al);

		first[0] = '\0';
		gave_up = false;
		for (attempt = 1;; attempt++) {
			err.msg[0] = '\0';
			rc = deliver(&al->ac, c->ch, &j->a, &st, &err);
			if (rc == 0 || attempt == ALERT_ATTEMPTS)
				break;
			if (attempt == 1)
				fe_snprintf(first, sizeof(first), "%s", err.msg);
			/* Wait before the next attempt; alerter_stop wakes us
			 * and its deadline cuts the wait short. */
			retry_at = mono_ms() + ALERT_RETRY_MS;
			lock(al);
			for (;;) {
				int64_t until = retry_at;

				if (al->stopping && al->drain_until < until)
					until = al->drain_until;
				if (mono_ms() >= until)
					break;
				ts = mono_ts(until);
				pthread_cond_timedwait(&al->cv, &al->mu, &ts);
			}
			gave_up = al->stopping && mono_ms() >= al->drain_until;
			unlock(al);
			if (gave_up)
				break;
		}
		lock(al);
		if (rc == 0 && attempt == 1)
			report_add(al, j->a.id, c->ch, true, "%s", err.msg);
		else if (rc == 0)
			report_add(al, j->a.id, c->ch, true, "%s (attempt %d of "
			    "%d; the first failed: %s)", err.msg, attempt,
			    ALERT_ATTEMPTS, first);
		else if (gave_up)
			report_add(al, j->a.id, c->ch, false, "%s (attempt %d of "
			    "%d; no retry, fe-watch is stopping)", err.msg,
			    attempt, ALERT_ATTEMPTS);
		else if (attempt == 1)
			report_add(al, j->a.id, c->ch, false, "%s", err.msg);
		else
			report_add(al, j->a.id, c->ch, false, "%s (%d attempts "
			    "%d s apart; the first failed: %s)", err.msg,
			    attempt, ALERT_RETRY_MS / 1000, first);
		unlock(al);
		job_free(j);
	}
	return NULL;
}

static void
alerter_free(struct alerter *al)
{
	struct report *r, *rn;
	struct job *j, *jn;
	int ch;

	for (ch = 0; ch < ALERT__MAX; ch++)
		for (j = al->chans[ch].head; j != NULL; j = jn) {
			jn = j->next;
			job_free(j);
		}
	for (r = al->rhead; r != NULL; r = rn) {
		rn = r->next;
		free(r->msg);
		free(r);
	}
	pthread_cond_destroy(&al->cv);
	pthread_mutex_destroy(&al->mu);
	alert_conf_clear(&al->ac);
	free(al);
}

static void
stop_threads(struct alerter *al, unsigned timeout)
{
	int ch;

	lock(al);
	al->stopping = true;
	al->drain_until = mono_ms() + (int64_t)timeout * 1000;
	atomic_store(&al->abort_at, al->drain_until);
	pthread_cond_broadcast(&al->cv);
	unlock(al);
	for (ch = 0; ch < ALERT__MAX; ch++)
		if (al->chans[ch].running) {
			pthread_join(al->chans[ch].thr, NULL);
			al->chans[ch].running = false;
		}
}

int
alerter_start(const struct alert_conf *ac, struct alerter **out,
    struct fe_err *err)
{
	struct alerter *al;
	pthread_condattr_t ca;
	int ch, rc;

	pthread_once(&curl_once, curl_init_once);
	if (ac->use[ALERT_SMTP] && curl_init_rc != CURLE_OK)
		return fe_err_code(err, FE_EIO, "alerter: curl_global_init: "
		    "%s", curl_easy_strerror(curl_init_rc));
	al = fe_calloc(1, sizeof(*al));
	alert_conf_copy(&al->ac, ac);
	atomic_init(&al->abort_at, 0);
	if (pthread_mutex_init(&al->mu, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&al->cv, &ca) != 0)
		fe_fatal("alerter: pthread init failed");
	pthread_condattr_destroy(&ca);
	for (ch = 0; ch < ALERT__MAX; ch++) {
		struct chan *c = &al->chans[ch];

		c->al = al;
		c->ch = (enum alert_channel)ch;
		if (!ac->use[ch])
			continue;
		if ((rc = pthread_create(&c->thr, NULL, chan_main, c)) != 0) {
			stop_threads(al, 0);
			alerter_free(al);
			return fe_err_code(err, FE_EIO, "alerter: thread for "
			    "%s: %s", alert_channel_names[ch], strerror(rc));
		}
		c->running = true;
	}
	*out = al;
	return 0;
}

void
alerter_send(struct alerter *al, const struct alert *a)
{
	struct job *j, *prev, *victim, *vprev;
	int ch;

	lock(al);
	for (ch = 0; ch < ALERT__MAX; ch++) {
		struct chan *c = &al->chans[ch];

		if (!c->running)
			continue;
		if (c->n >= ALERT_QUEUE_MAX) {
			/* Full: the oldest ordinary alert goes; escalations
			 * stay unless there is nothing else. */
			victim = vprev = NULL;
			for (prev = NULL, j = c->head; j != NULL;
			    prev = j, j = j->next)
				if (!j->a.escalation) {
					victim = j;
					vprev = prev;
					break;
				}
			if (victim == NULL && !a->escalation) {
				report_add(al, a->id, c->ch, false, "not "
				    "delivered: %d %s deliveries waiting, all "
				    "escalations (queue full)", ALERT_QUEUE_MAX,
				    alert_channel_names[ch]);
				continue;
			}
			if (victim == NULL) {
				victim = c->head;
				vprev = NULL;
			}
			if (vprev != NULL)
				vprev->next = victim->next;
			else
				c->head = victim->next;
			if (c->tail == victim)
				c->tail = vprev;
			c->n--;
			report_add(al, victim->a.id, c->ch, false, "not "
			    "delivered: dropped, %d %s deliveries waiting "
			    "(queue full)", ALERT_QUEUE_MAX,
			    alert_channel_names[ch]);
			job_free(victim);
		}
		j = job_new(a);
		if (c->tail != NULL)
			c->tail->next = j;
		else
			c->head = j;
		c->tail = j;
		c->n++;
	}
	pthread_cond_broadcast(&al->cv);
	unlock(al);
}

void
alerter_poll(struct alerter *al, alerter_report_cb cb, void *arg)
{
	struct report *r, *rn;

	lock(al);
	r = al->rhead;
	al->rhead = al->rtail = NULL;
	unlock(al);
	/* Called without the lock: cb may send another alert. */
	for (; r != NULL; r = rn) {
		rn = r->next;
		if (cb != NULL)
			cb(arg, r->id, r->ch, r->ok, r->msg);
		free(r->msg);
		free(r);
	}
}

void
alerter_finish(struct alerter *al, unsigned timeout, alerter_report_cb cb,
    void *arg)
{
	if (al == NULL)
		return;
	stop_threads(al, timeout);
	alerter_poll(al, cb, arg);
	alerter_free(al);
}

void
alerter_stop(struct alerter *al, unsigned timeout)
{
	alerter_finish(al, timeout, NULL, NULL);
}
