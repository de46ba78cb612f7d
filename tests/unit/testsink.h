/*
 * testsink.h - what the unit tests that send mail share: start the real
 * SMTP sink (scripts/smtp-sink), wait for its files, and read a stored
 * message with Python's email package (not with our code).
 *
 * Include after cmocka, jansson and the POSIX headers the including test
 * already has (spawn.h, sys/wait.h, sys/socket.h, netinet/in.h, ...).
 */
#ifndef FE_TEST_TESTSINK_H
#define FE_TEST_TESTSINK_H

extern char **environ;

__attribute__((unused)) static const char *
root(void)
{
	const char *r = getenv("FE_ROOT");

	return r != NULL && *r != '\0' ? r : ".";
}

__attribute__((unused)) static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((unused)) static char *
tmpdir(void)
{
	char *d = strdup("/tmp/fe-test-mail.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

__attribute__((unused)) static void
rmtree(const char *d)
{
	char *argv[] = { "/bin/rm", "-rf", (char *)d, NULL };
	pid_t pid;
	int st;

	assert_int_equal(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ),
	    0);
	waitpid(pid, &st, 0);
}

__attribute__((unused)) static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return p;
}

__attribute__((unused)) static bool
wait_file(const char *path, double seconds)
{
	double end = now_s() + seconds;
	struct stat st;

	while (now_s() < end) {
		if (stat(path, &st) == 0)
			return true;
		usleep(10000);
	}
	return false;
}

/* Run argv, return its standard output (malloc'ed) and exit status. */
__attribute__((unused)) static char *
run_capture(char *const *argv, int *status)
{
	posix_spawn_file_actions_t fa;
	char *out = NULL;
	size_t len = 0;
	char tmp[4096];
	int p[2];
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ),
	    0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while ((k = read(p[0], tmp, sizeof(tmp))) > 0) {
		out = realloc(out, len + (size_t)k + 1);
		assert_non_null(out);
		memcpy(out + len, tmp, (size_t)k);
		len += (size_t)k;
		out[len] = '\0';
	}
	close(p[0]);
	waitpid(pid, status, 0);
	return out != NULL ? out : strdup("");
}

/* --- the SMTP sink -------------------------------------------------------- */

struct sink {
	pid_t pid;
	unsigned port;
	char *dir;
};

__attribute__((unused)) static void
sink_start(struct sink *s)
{
	posix_spawn_file_actions_t fa;
	char script[4096], line[256], *argv[4];
	size_t len = 0;
	struct pollfd pf;
	double end;
	ssize_t k;
	int p[2];

	s->dir = tmpdir();
	snprintf(script, sizeof(script), "%s/scripts/smtp-sink", root());
	argv[0] = script;
	argv[1] = "0";
	argv[2] = s->dir;
	argv[3] = NULL;
	assert_int_equal(pipe(p), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	assert_int_equal(posix_spawn(&s->pid, script, &fa, NULL, argv,
	    environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	/* "smtp-sink: listening on 127.0.0.1:PORT\n", within 20 s. */
	end = now_s() + 20;
	while (memchr(line, '\n', len) == NULL && now_s() < end) {
		pf.fd = p[0];
		pf.events = POLLIN;
		if (poll(&pf, 1, 100) <= 0)
			continue;
		k = read(p[0], line + len, sizeof(line) - 1 - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(p[0]);
	line[len] = '\0';
	assert_non_null(strstr(line, "smtp-sink: listening on 127.0.0.1:"));
	s->port = (unsigned)strtoul(strrchr(line, ':') + 1, NULL, 10);
	assert_true(s->port > 0 && s->port < 65536);
}

__attribute__((unused)) static void
sink_stop(struct sink *s)
{
	int st;

	kill(s->pid, SIGTERM);
	waitpid(s->pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rmtree(s->dir);
	free(s->dir);
}

/* A port nothing listens on (bound, then closed). */
__attribute__((unused)) static unsigned
closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/*
 * The stored message read with Python's email package (not with our code):
 * a JSON object with the headers that matter and the decoded body.
 */
__attribute__((unused)) static json_t *
parse_mail(const char *path)
{
	static const char py[] =
	    "import sys, json, email\n"
	    "from email import policy\n"
	    "from email.utils import parsedate_to_datetime\n"
	    "m = email.message_from_binary_file(open(sys.argv[1], 'rb'),\n"
	    "    policy=policy.default)\n"
	    "print(json.dumps({\n"
	    "  'subject': str(m['Subject']), 'to': str(m['To']),\n"
	    "  'from': str(m['From']), 'msgid': str(m['Message-ID']),\n"
	    "  'rcpt': m.get_all('X-Sink-Rcpt-To'),\n"
	    "  'date': parsedate_to_datetime(m['Date']).isoformat(),\n"
	    "  'ctype': m.get_content_type(),\n"
	    "  'charset': m.get_content_charset(),\n"
	    "  'keys': m.keys(), 'defects': len(m.defects),\n"
	    "  'cte': str(m['Content-Transfer-Encoding']),\n"
	    "  'auto': str(m['Auto-Submitted']),\n"
	    "  'mime': str(m['MIME-Version']),\n"
	    "  'body': m.get_content()}))\n";
	char *argv[] = { "/usr/bin/python3", "-c", (char *)py, (char *)path,
	    NULL };
	json_error_t je;
	json_t *j;
	char *out;
	int st;

	out = run_capture(argv, &st);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	j = json_loads(out, 0, &je);
	if (j == NULL)
		fail_msg("python output not JSON: %s: %s", je.text, out);
	free(out);
	return j;
}

__attribute__((unused)) static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || !json_is_string(v))
		fail_msg("no string '%s' in the parsed mail", key);
	return json_string_value(v);
}

#endif
