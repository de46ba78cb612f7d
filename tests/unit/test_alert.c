/*
 * test_alert.c - fe-watch's alert channels: [alert] configuration errors,
 * the JSON form, delivery to a real program, to a real SMTP server
 * (scripts/smtp-sink, aiosmtpd) whose stored mail is read back with
 * Python's email package, and the alerter's threads, retries, queue caps
 * and stop deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "lib/conf.h"
#include "watch/alert.h"


#include "testsink.h"

/* A server that accepts connections (in the kernel) and never speaks. */
static int
mute_server(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}


/* --- configuration -------------------------------------------------------- */

static int
load(const char *text, struct alert_conf *ac, struct fe_err *err)
{
	struct conf *c;
	int rc;

	assert_int_equal(conf_load_string("w.ini", text, &c, err), 0);
	rc = alert_conf_load(c, ac, err);
	if (rc == 0)
		assert_int_equal(conf_check_unused(c, err), 0);
	conf_free(c);
	return rc;
}

#define SMTP_OK "smtp_url = smtp://127.0.0.1:25\n" \
    "smtp_from = fe-watch@signer1.example\nsmtp_to = admins@example.org\n"

static void
conf_errors_name_key_and_value(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[alert]\nchannels = smtp\n" SMTP_OK,
		  "w.ini: [alert] channels = 'smtp': POLICY.md M3 requires "
		  "alerts by more than one channel" },
		{ "[alert]\nchannels = syslog, syslog\n",
		  "w.ini: [alert] channels = 'syslog, syslog': channel "
		  "'syslog' named twice" },
		{ "[alert]\nx = 1\n",
		  "w.ini: [alert] channels is required" },
		{ "[alert]\nchannels = smtp, pager\n" SMTP_OK,
		  "w.ini: [alert] channels = 'smtp, pager': unknown channel "
		  "'pager'" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_url = smtp://h\n"
		  "smtp_from = a@b.example\n",
		  "w.ini: [alert] smtp_to is required" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_url = smtp://h\n"
		  "smtp_to = a@b.example\n",
		  "w.ini: [alert] smtp_from is required" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_from = a@b.example\n"
		  "smtp_to = a@b.example\n",
		  "w.ini: [alert] smtp_url is required" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_url = http://h\n"
		  "smtp_from = a@b.example\nsmtp_to = a@b.example\n",
		  "w.ini: [alert] smtp_url = 'http://h': must begin with "
		  "smtp:// or smtps://" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_url = smtp://h\n"
		  "smtp_from = a@b.example\n"
		  "smtp_to = ok@b.example, x>@y.example\n",
		  "w.ini: [alert] smtp_to = 'ok@b.example, x>@y.example': "
		  "'x>@y.example' is not a mail address" },
		{ "[alert]\nchannels = smtp, syslog\nsmtp_url = smtp://h\n"
		  "smtp_from = nobody\nsmtp_to = a@b.example\n",
		  "w.ini: [alert] smtp_from = 'nobody': not a mail address" },
		{ "[alert]\nchannels = command, syslog\ncommand =\n",
		  "w.ini: [alert] command is required" },
		{ "[alert]\nchannels = command, syslog\n",
		  "w.ini: [alert] command is required" },
		{ "[alert]\nchannels = command, syslog\ncommand = page --now\n",
		  "w.ini: [alert] command = 'page --now': the program must be "
		  "an absolute path" },
		{ "[alert]\nchannels = command, syslog\ncommand = /bin/true\n"
		  "timeout = 0\n",
		  "w.ini: [alert] timeout = '0': not a whole number from 1 to "
		  "300" },
		{ "[alert]\nchannels = command, syslog\ncommand = /bin/true\n"
		  "smtp_url = smtp://h\n",
		  "w.ini: [alert] smtp_url = 'smtp://h': set, but channel smtp "
		  "is not in channels" },
		{ "[alert]\nchannels = smtp, syslog\n" SMTP_OK
		  "command = /bin/true\n",
		  "w.ini: [alert] command = '/bin/true': set, but channel "
		  "command is not in channels" },
	};
	struct alert_conf ac;
	struct fe_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ac, 0x5a, sizeof(ac));
		err.msg[0] = '\0';
		if (load(cases[i].text, &ac, &err) == 0)
			fail_msg("case %zu accepted", i);
		if (strstr(err.msg, cases[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
			    cases[i].want);
		/* Output untouched on failure. */
		assert_int_equal(((unsigned char *)&ac)[0], 0x5a);
	}
}

static void
conf_good_is_read(void **state)
{
	struct alert_conf ac;
	struct fe_err err;

	(void)state;
	assert_int_equal(load("[alert]\nchannels = smtp, command, syslog\n"
	    "smtp_url = smtps://mail.example:465\n"
	    "smtp_from = fe-watch@signer1.example\n"
	    "smtp_to = a@example.org, b@example.org\n"
	    "escalate_to = board@example.org\n"
	    "command = /usr/local/bin/page-admins  --urgent\t-x\n"
	    "timeout = 7\n", &ac, &err), 0);
	assert_true(ac.use[ALERT_SMTP] && ac.use[ALERT_COMMAND] &&
	    ac.use[ALERT_SYSLOG]);
	assert_string_equal(ac.smtp_url, "smtps://mail.example:465");
	assert_int_equal(ac.nsmtp_to, 2);
	assert_string_equal(ac.smtp_to[1], "b@example.org");
	assert_int_equal(ac.nescalate_to, 1);
	assert_string_equal(ac.command[0], "/usr/local/bin/page-admins");
	assert_string_equal(ac.command[1], "--urgent");
	assert_string_equal(ac.command[2], "-x");
	assert_null(ac.command[3]);
	assert_int_equal(ac.timeout, 7);
	alert_conf_clear(&ac);

	assert_int_equal(load("[alert]\nchannels = command, syslog\n"
	    "command = /bin/true\n", &ac, &err), 0);
	assert_false(ac.use[ALERT_SMTP]);
	assert_int_equal(ac.timeout, 10);
	alert_conf_clear(&ac);
}

/* --- JSON ----------------------------------------------------------------- */

#define HOSTILE "he said \"hi\"\r\nBcc: victim@example.org\n\x01\x1b[31m " \
    "\\ bad:\xff end"
#define HOSTILE_CLEAN "he said \"hi\"\r\nBcc: victim@example.org\n\x01\x1b[31m " \
    "\\ bad:\xef\xbf\xbd end"

static struct alert
sample(uint64_t id, bool escalation)
{
	struct alert a = {
		.id = id, .host = "signer1", .kind = "change",
		.time = 1795384680,          /* 2026-11-22T21:58:00Z */
		.respond_by = 1795384680 + 86400,
		.summary = "/etc/ssh/sshd_config changed",
		.detail = "sha256 was abc\nnow def\n.\n.hidden line",
		.escalation = escalation,
	};
	return a;
}

static void
json_roundtrip_and_escapes(void **state)
{
	struct alert a = sample(42, false);
	json_error_t je;
	json_t *j;
	char *s;
	const char *p;

	(void)state;
	a.summary = HOSTILE;
	a.detail = NULL;
	s = alert_json(&a);
	for (p = s; *p != '\0'; p++)
		assert_true((unsigned char)*p >= 0x20);   /* one line */
	j = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL)
		fail_msg("%s: %s", je.text, s);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
	assert_string_equal(jstr(j, "host"), "signer1");
	assert_string_equal(jstr(j, "kind"), "change");
	assert_string_equal(jstr(j, "time"), "2026-11-22T21:58:00Z");
	assert_string_equal(jstr(j, "respond_by"), "2026-11-23T21:58:00Z");
	assert_string_equal(jstr(j, "summary"), HOSTILE_CLEAN);
	assert_true(json_is_null(json_object_get(j, "detail")));
	assert_true(json_is_false(json_object_get(j, "escalation")));
	assert_int_equal(json_object_size(j), 8);
	json_decref(j);
	free(s);
}

/* --- command -------------------------------------------------------------- */

static struct alert_conf
command_conf(char **argv, unsigned timeout)
{
	struct alert_conf ac;

	memset(&ac, 0, sizeof(ac));
	ac.use[ALERT_COMMAND] = ac.use[ALERT_SYSLOG] = true;
	ac.command = argv;
	ac.timeout = timeout;
	return ac;
}

static void
command_gets_json_on_stdin(void **state)
{
	char *d = tmpdir(), path[512], script[600], *txt;
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct alert_conf ac = command_conf(argv, 5);
	struct alert a = sample(7, true);
	struct fe_err err;
	json_t *j;

	(void)state;
	snprintf(path, sizeof(path), "%s/alert.json", d);
	snprintf(script, sizeof(script), "cat > '%s'", path);
	a.summary = HOSTILE;
	assert_int_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	assert_string_equal(err.msg, "command /bin/sh: exit status 0");
	txt = slurp(path);
	assert_non_null(txt);
	assert_int_equal(txt[strlen(txt) - 1], '\n');
	j = json_loads(txt, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
	assert_string_equal(jstr(j, "summary"), HOSTILE_CLEAN);
	assert_string_equal(jstr(j, "detail"), a.detail);
	assert_true(json_is_true(json_object_get(j, "escalation")));
	json_decref(j);
	free(txt);
	rmtree(d);
	free(d);
}

static void
command_failures_are_reported(void **state)
{
	char *fail3[] = { "/bin/sh", "-c", "echo 'no route\nto pager' >&2; "
	    "exit 3", NULL };
	char *hang[] = { "/bin/sleep", "30", NULL };
	char *missing[] = { "/nonexistent/page-admins", NULL };
	char *bg[] = { "/bin/sh", "-c", "sleep 5 & exit 0", NULL };
	struct alert a = sample(9, false);
	struct alert_conf ac;
	struct fe_err err;
	double t0;

	(void)state;
	ac = command_conf(fail3, 5);
	assert_int_not_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	assert_string_equal(err.msg, "command /bin/sh: exit status 3: no "
	    "route to pager");

	ac = command_conf(hang, 1);
	t0 = now_s();
	assert_int_not_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	assert_string_equal(err.msg, "command /bin/sleep: did not finish "
	    "within 1 s (killed)");
	assert_true(now_s() - t0 < 2.5);

	ac = command_conf(missing, 1);
	assert_int_not_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	assert_string_equal(err.msg, "command /nonexistent/page-admins: No "
	    "such file or directory");

	/* A child left holding the output does not hold up the delivery. */
	ac = command_conf(bg, 10);
	t0 = now_s();
	assert_int_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	assert_true(now_s() - t0 < 2);

	/* A daemon that ignores SIGCHLD loses the status: said so. */
	ac = command_conf(fail3, 5);
	signal(SIGCHLD, SIG_IGN);
	assert_int_not_equal(alert_deliver(&ac, ALERT_COMMAND, &a, &err), 0);
	signal(SIGCHLD, SIG_DFL);
	assert_string_equal(err.msg, "command /bin/sh: exit status lost "
	    "(SIGCHLD ignored or reaped elsewhere)");

	/* A channel that is not configured. */
	assert_int_not_equal(alert_deliver(&ac, ALERT_SMTP, &a, &err), 0);
}

static void
syslog_takes_hostile_text(void **state)
{
	struct alert_conf ac = command_conf(NULL, 1);
	struct alert a = sample(11, false);
	struct fe_err err;

	(void)state;
	a.summary = HOSTILE;
	assert_int_equal(alert_deliver(&ac, ALERT_SYSLOG, &a, &err), 0);
	assert_string_equal(err.msg, "syslog: logged (authpriv.alert)");
}

/* --- smtp ----------------------------------------------------------------- */

static char url_buf[64];
static char *to_list[] = { "admins@example.org", "oncall@example.org" };
static char *esc_list[] = { "board@example.org", "admins@example.org" };

static struct alert_conf
smtp_conf(unsigned port, char **argv)
{
	struct alert_conf ac;

	memset(&ac, 0, sizeof(ac));
	snprintf(url_buf, sizeof(url_buf), "smtp://127.0.0.1:%u", port);
	ac.use[ALERT_SMTP] = true;
	ac.use[ALERT_COMMAND] = argv != NULL;
	ac.use[ALERT_SYSLOG] = argv == NULL;
	ac.smtp_url = url_buf;
	ac.smtp_from = "fe-watch@signer1.example";
	ac.smtp_to = to_list;
	ac.nsmtp_to = 2;
	ac.escalate_to = esc_list;
	ac.nescalate_to = 2;
	ac.command = argv;
	ac.timeout = 5;
	return ac;
}

static void
smtp_delivers_a_real_mail(void **state)
{
	struct sink s;
	struct alert_conf ac;
	struct alert a = sample(42, true);
	struct fe_err err;
	char path[512];
	const char *body, *js;
	json_t *m, *j, *rc;
	size_t i;

	(void)state;
	sink_start(&s);
	ac = smtp_conf(s.port, NULL);
	a.summary = HOSTILE;
	assert_int_equal(alert_deliver(&ac, ALERT_SMTP, &a, &err), 0);
	assert_non_null(strstr(err.msg, "sent to 3 recipients"));
	snprintf(path, sizeof(path), "%s/1.eml", s.dir);
	assert_true(wait_file(path, 5));
	m = parse_mail(path);
	assert_int_equal(json_integer_value(json_object_get(m, "defects")), 0);
	/* Control characters gone, the rest kept, non-ASCII as '?'. */
	assert_string_equal(jstr(m, "subject"), "[fe-watch] ESCALATION "
	    "signer1 alert 42: he said \"hi\" Bcc: victim@example.org [31m "
	    "\\ bad:? end");
	assert_string_equal(jstr(m, "from"), "fe-watch@signer1.example");
	assert_string_equal(jstr(m, "to"), "admins@example.org, "
	    "oncall@example.org, board@example.org");
	assert_string_equal(jstr(m, "ctype"), "text/plain");
	assert_string_equal(jstr(m, "charset"), "utf-8");
	assert_non_null(strstr(jstr(m, "msgid"), "@signer1.example>"));
	assert_int_equal(strncmp(jstr(m, "date"), "20", 2), 0);
	rc = json_object_get(m, "rcpt");
	assert_int_equal(json_array_size(rc), 3);
	assert_string_equal(json_string_value(json_array_get(rc, 2)),
	    "<board@example.org>");
	for (i = 0; i < json_array_size(json_object_get(m, "keys")); i++)
		assert_true(strcasecmp(json_string_value(json_array_get(
		    json_object_get(m, "keys"), i)), "Bcc") != 0);
	body = jstr(m, "body");
	assert_non_null(strstr(body, "ESCALATION"));
	assert_non_null(strstr(body, "Respond by: 2026-11-23T21:58:00Z"));
	/* Lines "." and ".hidden" survive SMTP (libcurl dot-stuffs). */
	assert_non_null(strstr(body, "now def\n.\n.hidden line\n"));
	assert_non_null(strstr(body, "fe alert ack 42"));
	js = strstr(body, "The alert as JSON:\n");
	assert_non_null(js);
	j = json_loads(js + strlen("The alert as JSON:\n"),
	    JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
	assert_string_equal(jstr(j, "summary"), HOSTILE_CLEAN);
	json_decref(j);
	json_decref(m);

	/* Not an escalation: smtp_to only, no ESCALATION in the subject. */
	a = sample(43, false);
	assert_int_equal(alert_deliver(&ac, ALERT_SMTP, &a, &err), 0);
	snprintf(path, sizeof(path), "%s/2.eml", s.dir);
	assert_true(wait_file(path, 5));
	m = parse_mail(path);
	assert_string_equal(jstr(m, "subject"), "[fe-watch] signer1 alert 43: "
	    "/etc/ssh/sshd_config changed");
	assert_int_equal(json_array_size(json_object_get(m, "rcpt")), 2);
	json_decref(m);
	sink_stop(&s);
}

static void
smtp_refused_reports_curl_message(void **state)
{
	struct alert_conf ac = smtp_conf(closed_port(), NULL);
	struct alert a = sample(5, false);
	struct fe_err err;

	(void)state;
	assert_int_not_equal(alert_deliver(&ac, ALERT_SMTP, &a, &err), 0);
	assert_non_null(strstr(err.msg, url_buf));
	assert_non_null(strstr(err.msg, "Couldn't connect to server"));
}

/* --- the alerter ---------------------------------------------------------- */

struct seen {
	size_t n, nok, nbad[ALERT__MAX], nall[ALERT__MAX];
	char msg[ALERT__MAX][FE_ERR_MAX];
	bool esc_dropped;
	uint64_t esc_id;
};

static void
collect(void *arg, uint64_t id, enum alert_channel ch, bool ok,
    const char *msg)
{
	struct seen *s = arg;

	s->n++;
	s->nall[ch]++;
	if (ok)
		s->nok++;
	else
		s->nbad[ch]++;
	if (!ok && id == s->esc_id && strstr(msg, "queue full") != NULL)
		s->esc_dropped = true;
	snprintf(s->msg[ch], sizeof(s->msg[ch]), "%s", msg);
}

static void
alerter_delivers_both_channels_fast(void **state)
{
	char *d = tmpdir(), path[512], script[600];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct alerter *al;
	struct alert_conf ac;
	struct alert a = sample(77, false);
	struct seen seen;
	struct fe_err err;
	struct sink s;
	double t0, dt;

	(void)state;
	sink_start(&s);
	snprintf(path, sizeof(path), "%s/alert.json", d);
	snprintf(script, sizeof(script), "cat > '%s'", path);
	ac = smtp_conf(s.port, argv);
	assert_int_equal(alerter_start(&ac, &al, &err), 0);
	memset(&seen, 0, sizeof(seen));
	t0 = now_s();
	alerter_send(al, &a);
	while (seen.n < 2 && now_s() - t0 < 10) {
		alerter_poll(al, collect, &seen);
		usleep(5000);
	}
	dt = now_s() - t0;
	print_message("alert 77: smtp and command delivered in %.3f s\n", dt);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.nok, 2);
	assert_true(dt < 2.0);
	assert_non_null(strstr(seen.msg[ALERT_SMTP], "sent to 2 recipients"));
	alerter_stop(al, 5);
	snprintf(path, sizeof(path), "%s/1.eml", s.dir);
	assert_true(wait_file(path, 1));
	sink_stop(&s);
	rmtree(d);
	free(d);
}

static void
alerter_retries_a_failed_delivery(void **state)
{
	char *d = tmpdir(), script[600];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct alert_conf ac = command_conf(argv, 5);
	struct alert a = sample(78, false);
	struct alerter *al;
	struct seen seen;
	struct fe_err err;
	double t0;

	(void)state;
	/* Fails the first time, then works. */
	snprintf(script, sizeof(script), "test -e '%s/flag' && exit 0; "
	    "touch '%s/flag'; echo busy; exit 1", d, d);
	ac.use[ALERT_SYSLOG] = false;
	ac.use[ALERT_SMTP] = true;      /* pointed at a closed port */
	snprintf(url_buf, sizeof(url_buf), "smtp://127.0.0.1:%u",
	    closed_port());
	ac.smtp_url = url_buf;
	ac.smtp_from = "fe-watch@signer1.example";
	ac.smtp_to = to_list;
	ac.nsmtp_to = 1;
	assert_int_equal(alerter_start(&ac, &al, &err), 0);
	memset(&seen, 0, sizeof(seen));
	t0 = now_s();
	alerter_send(al, &a);
	while (seen.n < 2 && now_s() - t0 < 10) {
		alerter_poll(al, collect, &seen);
		usleep(10000);
	}
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.nok, 1);
	assert_string_equal(seen.msg[ALERT_COMMAND], "command /bin/sh: exit "
	    "status 0 (attempt 2 of 3; the first failed: command /bin/sh: exit "
	    "status 1: busy)");
	assert_int_equal(seen.nbad[ALERT_SMTP], 1);
	assert_non_null(strstr(seen.msg[ALERT_SMTP], "(3 attempts 1 s apart; "
	    "the first failed: smtp "));
	/* Three attempts 1 s apart take at least 2 s. */
	assert_true(now_s() - t0 >= 1.9);
	alerter_stop(al, 1);
	rmtree(d);
	free(d);
}

static void
alerter_queue_is_bounded_and_stop_keeps_its_deadline(void **state)
{
	char *hang[] = { "/bin/sleep", "30", NULL };
	struct alert_conf ac = command_conf(hang, 20);
	struct alert a;
	struct alerter *al;
	struct seen seen;
	struct fe_err err;
	unsigned port;
	int mute = mute_server(&port);
	uint64_t id;
	double t0;

	(void)state;
	/* Both channels stuck: a program that never ends and a mail server
	 * that never greets. */
	ac.use[ALERT_SYSLOG] = false;
	ac.use[ALERT_SMTP] = true;
	snprintf(url_buf, sizeof(url_buf), "smtp://127.0.0.1:%u", port);
	ac.smtp_url = url_buf;
	ac.smtp_from = "fe-watch@signer1.example";
	ac.smtp_to = to_list;
	ac.nsmtp_to = 1;
	assert_int_equal(alerter_start(&ac, &al, &err), 0);
	memset(&seen, 0, sizeof(seen));
	seen.esc_id = 2;
	t0 = now_s();
	for (id = 1; id <= 400; id++) {
		a = sample(id, id == 2);
		alerter_send(al, &a);
	}
	/* Never blocks the caller. */
	assert_true(now_s() - t0 < 1);
	alerter_poll(al, collect, &seen);
	/* At most 256 waiting plus one under way per channel. */
	assert_true(seen.nbad[ALERT_COMMAND] >= 400 - 257);
	assert_true(seen.nbad[ALERT_SMTP] >= 400 - 257);
	assert_false(seen.esc_dropped);
	t0 = now_s();
	alerter_finish(al, 1, collect, &seen);
	print_message("alerter_finish(1 s) with both channels stuck: %.3f s\n",
	    now_s() - t0);
	assert_true(now_s() - t0 < 2.5);
	/* Exactly one report for every (alert, channel). */
	assert_int_equal(seen.nall[ALERT_COMMAND], 400);
	assert_int_equal(seen.nall[ALERT_SMTP], 400);
	assert_int_equal(seen.nok, 0);
	close(mute);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_errors_name_key_and_value),
		cmocka_unit_test(conf_good_is_read),
		cmocka_unit_test(json_roundtrip_and_escapes),
		cmocka_unit_test(command_gets_json_on_stdin),
		cmocka_unit_test(command_failures_are_reported),
		cmocka_unit_test(syslog_takes_hostile_text),
		cmocka_unit_test(smtp_delivers_a_real_mail),
		cmocka_unit_test(smtp_refused_reports_curl_message),
		cmocka_unit_test(alerter_delivers_both_channels_fast),
		cmocka_unit_test(alerter_retries_a_failed_delivery),
		cmocka_unit_test(alerter_queue_is_bounded_and_stop_keeps_its_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
