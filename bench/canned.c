/*
 * canned.c - the reference of bench/status.sh: libmicrohttpd answering
 * every request with the same bytes, no OCSP work at all.
 *
 *   canned PORT THREADS FILE
 *
 * Listens on 127.0.0.1:PORT with libmicrohttpd (epoll, a pool of THREADS
 * threads: the server library fe-status is built on) and answers every
 * GET or POST, whatever it asks, 200 with FILE's bytes (a DER OCSP
 * response, so that status.lua's checks pass) as
 * application/ocsp-response.  What wrk and status.lua reach against it
 * on the same cores is what the library gives when used plainly (the
 * issue's 88,000/s); fe-status, which steers each connection to the
 * thread of the CPU that received it, outruns it.  Prints "ready" on stderr when it listens; runs until
 * killed.  Not part of `make check`.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

static struct MHD_Response *canned;
static int marker;

static MHD_RESULT
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;
		return MHD_YES;
	}
	*con_cls = NULL;
	return MHD_queue_response(c, MHD_HTTP_OK, canned);
}

int
main(int argc, char **argv)
{
	static char body[65536];
	struct sockaddr_in sa;
	struct MHD_Daemon *d;
	FILE *f;
	size_t n;
	long port, threads;

	if (argc != 4) {
		fprintf(stderr, "usage: canned PORT THREADS FILE\n");
		return 2;
	}
	port = strtol(argv[1], NULL, 10);
	threads = strtol(argv[2], NULL, 10);
	if (port < 1 || port > 65535 || threads < 1 || threads > 64) {
		fprintf(stderr, "canned: bad port or threads\n");
		return 2;
	}
	if ((f = fopen(argv[3], "rb")) == NULL) {
		perror(argv[3]);
		return 1;
	}
	n = fread(body, 1, sizeof(body), f);
	fclose(f);
	canned = MHD_create_response_from_buffer(n, body,
	    MHD_RESPMEM_PERSISTENT);
	if (canned == NULL || MHD_add_response_header(canned,
	    MHD_HTTP_HEADER_CONTENT_TYPE, "application/ocsp-response") !=
	    MHD_YES)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
	    (uint16_t)port, NULL, NULL, answer, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "canned: MHD_start_daemon failed\n");
		return 1;
	}
	fprintf(stderr, "canned: ready on 127.0.0.1:%ld, %ld threads, %zu "
	    "bytes\n", port, threads, n);
	for (;;)
		pause();
}
