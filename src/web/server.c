/*
 * server.c - fe-web's HTTP transport (libmicrohttpd): request bodies with a
 * cap, the checks every POST passes (JSON content type, same origin), the
 * security headers of every answer, the static UI, and the hand-over to
 * the JSON API (api.c).
 *
 * TLS is not built in: fe-web listens on loopback or an internal address
 * behind a TLS-terminating reverse proxy (docs/web.md, "Deployment").
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "web/api.h"
#include "web/input.h"
#include "web/web.h"

#define STATIC_MAX 16
#define STATIC_FILE_MAX (1u << 20)

static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'";

struct sfile {
	char path[64];             /* "/", "/app.js", ... */
	const char *ctype;
	struct MHD_Response *resp;
};

struct websrv {
	struct web *w;
	struct MHD_Daemon *d;
	struct sfile files[STATIC_MAX];
	size_t nfiles;
};

/* One connection's request in progress. */
struct rctx {
	struct buf body;
	bool too_big;
};

static void
secure_headers(struct MHD_Response *r, bool api)
{
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy",
	    "same-origin");
	if (api)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	else
		MHD_add_response_header(r, "Cache-Control", "no-cache");
}

static enum MHD_Result
send_resp(struct MHD_Connection *conn, struct api_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (rs->json != NULL) {
		char *s = json_dumps(rs->json, JSON_COMPACT | JSON_ENSURE_ASCII);

		if (s == NULL)
			return MHD_NO;
		r = MHD_create_response_from_buffer(strlen(s), s,
		    MHD_RESPMEM_MUST_FREE);
		if (r == NULL) {
			free(s);
			return MHD_NO;
		}
		MHD_add_response_header(r, "Content-Type",
		    "application/json; charset=utf-8");
	} else {
		r = MHD_create_response_from_buffer(rs->rawlen, rs->raw,
		    MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			return MHD_NO;
		rs->raw = NULL;
		MHD_add_response_header(r, "Content-Type", rs->ctype);
		if (rs->disposition[0] != '\0')
			MHD_add_response_header(r, "Content-Disposition",
			    rs->disposition);
	}
	secure_headers(r, true);
	if (rs->cookie[0] != '\0')
		MHD_add_response_header(r, "Set-Cookie", rs->cookie);
	ret = MHD_queue_response(conn, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	struct api_resp rs;
	enum MHD_Result ret;

	memset(&rs, 0, sizeof(rs));
	api_error(&rs, status, "%s", msg);
	ret = send_resp(conn, &rs);
	api_resp_clear(&rs);
	return ret;
}

static void
peer_text(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	fe_snprintf(out, n, "?");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)n);
}

/* POST must be JSON from our own origin (docs/web.md, "Sessions and
 * CSRF"); NULL when it is, else the refusal. */
static const char *
post_refusal(struct websrv *s, struct MHD_Connection *conn)
{
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Type");
	const char *origin = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-Fetch-Site");
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';'))
		return "Content-Type must be application/json";
	if (origin != NULL && strcmp(origin, s->w->c->origin) != 0)
		return "cross-origin request refused (Origin)";
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0)
		return "cross-site request refused (Sec-Fetch-Site)";
	return NULL;
}

static enum MHD_Result
serve_static(struct websrv *s, struct MHD_Connection *conn, const char *url)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, url) == 0)
			return MHD_queue_response(conn, MHD_HTTP_OK,
			    s->files[i].resp);
	return send_error(conn, MHD_HTTP_NOT_FOUND, "no such page");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **con_cls)
{
	struct websrv *s = cls;
	struct rctx *rc = *con_cls;
	struct api_req rq;
	struct api_resp rs;
	char peer[INET6_ADDRSTRLEN + 1];
	const char *why;
	enum MHD_Result ret;
	bool post = strcmp(method, "POST") == 0;

	(void)version;
	if (rc == NULL) {
		if (!post && strcmp(method, "GET") != 0 &&
		    strcmp(method, "HEAD") != 0)
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed (GET, POST)");
		rc = fe_calloc(1, sizeof(*rc));
		buf_init(&rc->body, INPUT_BODY_MAX);
		*con_cls = rc;
		if (post)
			return MHD_YES;
	}
	if (post && *upload_len != 0) {
		if (!rc->too_big && buf_add(&rc->body, upload, *upload_len) != 0)
			rc->too_big = true;
		*upload_len = 0;
		return MHD_YES;
	}
	if (strncmp(url, "/api/", 5) != 0) {
		if (post)
			return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed");
		return serve_static(s, conn, url);
	}
	if (post && rc->too_big)
		return send_error(conn, 413,
		    "request body over 65536 bytes");
	if (post && (why = post_refusal(s, conn)) != NULL)
		return send_error(conn, MHD_HTTP_FORBIDDEN, why);
	peer_text(conn, peer, sizeof(peer));
	memset(&rq, 0, sizeof(rq));
	rq.method = post ? "POST" : "GET";
	rq.path = url;
	rq.body = (const char *)rc->body.p;
	rq.len = rc->body.len;
	rq.cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    "fe_session");
	rq.csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-CSRF-Token");
	rq.peer = peer;
	memset(&rs, 0, sizeof(rs));
	api_handle(s->w, &rq, &rs);
	ret = send_resp(conn, &rs);
	api_resp_clear(&rs);
	return ret;
}

static void
done_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct rctx *rc = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rc != NULL) {
		buf_free(&rc->body);
		free(rc);
		*con_cls = NULL;
	}
}

static const char *
ctype_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL)
		return NULL;
	if (strcmp(dot, ".html") == 0)
		return "text/html; charset=utf-8";
	if (strcmp(dot, ".js") == 0)
		return "text/javascript; charset=utf-8";
	if (strcmp(dot, ".css") == 0)
		return "text/css; charset=utf-8";
	if (strcmp(dot, ".svg") == 0)
		return "image/svg+xml";
	if (strcmp(dot, ".png") == 0)
		return "image/png";
	return NULL;
}

/* Load the UI: every regular file of static_dir with a known type, read
 * once at start (the UI is small and never changes under a running
 * server). */
static int
load_static(struct websrv *s, struct fe_err *err)
{
	DIR *dir = opendir(s->w->c->static_dir);
	struct dirent *de;
	int rc = 0;

	if (dir == NULL)
		return fe_err_sys(err, "%s: cannot open the UI directory",
		    s->w->c->static_dir);
	while ((de = readdir(dir)) != NULL && rc == 0) {
		const char *ct = ctype_of(de->d_name);
		char p[4096];
		uint8_t *data;
		size_t len;
		struct sfile *f;

		if (ct == NULL || de->d_name[0] == '.')
			continue;
		if (s->nfiles == STATIC_MAX) {
			rc = fe_err_set(err, "%s: more than %d UI files",
			    s->w->c->static_dir, STATIC_MAX);
			break;
		}
		if (fe_snprintf_ok(p, sizeof(p), "%s/%s", s->w->c->static_dir,
		    de->d_name) != 0 || strlen(de->d_name) > 60) {
			rc = fe_err_set(err, "%s: name too long", de->d_name);
			break;
		}
		if ((rc = fe_read_file(p, STATIC_FILE_MAX, &data, &len,
		    err)) != 0)
			break;
		f = &s->files[s->nfiles];
		if (strcmp(de->d_name, "index.html") == 0)
			fe_snprintf(f->path, sizeof(f->path), "/");
		else
			fe_snprintf(f->path, sizeof(f->path), "/%s",
			    de->d_name);
		f->ctype = ct;
		f->resp = MHD_create_response_from_buffer(len, data,
		    MHD_RESPMEM_MUST_FREE);
		if (f->resp == NULL) {
			free(data);
			rc = fe_err_set(err, "out of memory");
			break;
		}
		MHD_add_response_header(f->resp, "Content-Type", ct);
		secure_headers(f->resp, false);
		s->nfiles++;
	}
	closedir(dir);
	if (rc == 0) {
		size_t i;
		bool index = false;

		for (i = 0; i < s->nfiles; i++)
			index = index || strcmp(s->files[i].path, "/") == 0;
		if (!index)
			rc = fe_err_set(err, "%s: no index.html",
			    s->w->c->static_dir);
	}
	return rc;
}

int
websrv_start(struct web *w, struct websrv **out, struct fe_err *err)
{
	struct websrv *s = fe_calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG;
	size_t i;

	s->w = w;
	*out = NULL;
	if (load_static(s, err) != 0)
		goto fail;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, w->c->listen_host,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(w->c->listen_port);
	} else if (inet_pton(AF_INET6, w->c->listen_host,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons(w->c->listen_port);
		flags |= MHD_USE_IPv6;
	} else {
		fe_err_set(err, "listen: '%s' is not an IP address",
		    w->c->listen_host);
		goto fail;
	}
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, w->c->threads > 1 ? w->c->threads : 0u,
	    MHD_OPTION_CONNECTION_LIMIT, 1024u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, done_cb, NULL,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		fe_err_set(err, "%s:%u: cannot listen (in use, or not an "
		    "address of this host)", w->c->listen_host,
		    (unsigned)w->c->listen_port);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	for (i = 0; i < s->nfiles; i++)
		MHD_destroy_response(s->files[i].resp);
	free(s);
	return FE_EINVAL;
}

void
websrv_stop(struct websrv *s)
{
	size_t i;

	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	for (i = 0; i < s->nfiles; i++)
		MHD_destroy_response(s->files[i].resp);
	free(s);
}
