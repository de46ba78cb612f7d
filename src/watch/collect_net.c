/*
 * collect_net.c - listening TCP and bound UDP sockets from
 * ROOT/proc/net/{tcp,tcp6,udp,udp6}.
 *
 * The kernel writes these tables; we still parse them as untrusted text
 * (tests and fuzzing feed them from elsewhere): a header line, then one
 * line per socket whose first four columns we read: "N:", the local and
 * remote address as HEX:PORT, and the state in two hex digits.  The
 * address is the kernel's in-memory network-order bytes printed as 32-bit
 * words in host order (so 127.0.0.1 reads "0100007F" on x86 and arm64);
 * we decode it the same way on the host that printed it.  The port is
 * printed as a number.
 *
 * TCP sockets count in state 0A (LISTEN); UDP sockets in state 07 (the
 * kernel's TCP_CLOSE, i.e. bound and not connected: a server).  Connected
 * sockets come and go with traffic and are not watched.  Several sockets
 * on one address and port (SO_REUSEPORT, one per worker) are one item.
 *
 * A missing tcp6 or udp6 means IPv6 is disabled and is not an error; a
 * missing tcp or udp is (procfs not mounted in ROOT, or not Linux).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "watch/collect.h"
#include "watch/collect_util.h"

#define NET_MAX_FILE ((size_t)256 << 20)
#define NET_MAX_LINE 1024
#define NET_MAX_SOCKETS 4000000 /* lines read, listening or not */

#define TCP_LISTEN 0x0A
#define UDP_UNCONNECTED 0x07

/* Next blank-separated word of s[*off..n); false at the end. */
static bool
word(const char *s, size_t n, size_t *off, const char **w, size_t *wn)
{
	size_t i = *off;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return false;
	*w = s + i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	*wn = i - (size_t)(*w - s);
	*off = i;
	return true;
}

/* "0100007F:0016" (v4) or 32 hex digits ":PORT" (v6) into addr/port. */
static int
addr_parse(const char *w, size_t wn, bool v6, uint8_t *addr,
    uint16_t *port)
{
	size_t hexlen = v6 ? 32 : 8, i;
	uint64_t v;

	if (wn != hexlen + 5 || w[hexlen] != ':')
		return -1;
	for (i = 0; i < hexlen / 8; i++) {
		uint32_t word32;

		if (span_u64(w + 8 * i, 8, 16, UINT32_MAX, &v) != 0)
			return -1;
		word32 = (uint32_t)v;
		memcpy(addr + 4 * i, &word32, 4);
	}
	if (span_u64(w + hexlen + 1, 4, 16, UINT16_MAX, &v) != 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
proc_net_parse(const char *name, const char *proto, const uint8_t *p,
    size_t len, struct wset *out, struct fe_err *err)
{
	struct wset tmp = { 0 };
	struct lines l;
	const char *s, *w;
	size_t n, wn, off;
	bool v6, tcp;
	int rc, more;

	if (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0)
		v6 = false;
	else if (strcmp(proto, "tcp6") == 0 || strcmp(proto, "udp6") == 0)
		v6 = true;
	else
		return fe_err_set(err, "%s: unknown protocol %s", name, proto);
	tcp = proto[0] == 't';

	lines_init(&l, name, p, len, NET_MAX_LINE);
	if ((more = lines_next(&l, &s, &n, err)) < 0)
		return more;
	off = 0;
	if (more == 0 || !word(s, n, &off, &w, &wn) || !span_eq(w, wn, "sl"))
		return fe_err_set(err, "%s line 1: not the header \"sl "
		    "local_address ...\"", name);
	while ((more = lines_next(&l, &s, &n, err)) > 0) {
		uint8_t addr[16], raddr[16];
		char text[INET6_ADDRSTRLEN], key[64];
		uint16_t port, rport;
		uint64_t v;

		if (l.lineno > NET_MAX_SOCKETS) {
			rc = fe_err_set(err, "%s line %zu: more than %d "
			    "sockets", name, l.lineno, NET_MAX_SOCKETS);
			goto fail;
		}
		off = 0;
		if (!word(s, n, &off, &w, &wn) || wn < 2 ||
		    w[wn - 1] != ':' ||
		    span_u64(w, wn - 1, 10, UINT32_MAX, &v) != 0) {
			rc = fe_err_set(err, "%s line %zu: slot is not "
			    "\"N:\"", name, l.lineno);
			goto fail;
		}
		if (!word(s, n, &off, &w, &wn) ||
		    addr_parse(w, wn, v6, addr, &port) != 0) {
			rc = fe_err_set(err, "%s line %zu: local address is "
			    "not %s:PORT in hex", name, l.lineno,
			    v6 ? "32 digits" : "8 digits");
			goto fail;
		}
		if (!word(s, n, &off, &w, &wn) ||
		    addr_parse(w, wn, v6, raddr, &rport) != 0) {
			rc = fe_err_set(err, "%s line %zu: remote address is "
			    "not %s:PORT in hex", name, l.lineno,
			    v6 ? "32 digits" : "8 digits");
			goto fail;
		}
		if (!word(s, n, &off, &w, &wn) || wn != 2 ||
		    span_u64(w, wn, 16, 0xff, &v) != 0) {
			rc = fe_err_set(err, "%s line %zu: state is not two "
			    "hex digits", name, l.lineno);
			goto fail;
		}
		if (v != (tcp ? TCP_LISTEN : UDP_UNCONNECTED))
			continue;
		if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr, text,
		    sizeof(text)) == NULL)
			fe_fatal("inet_ntop failed on a valid address");
		if (v6)
			fe_snprintf(key, sizeof(key), "listen:%s:[%s]:%u",
			    proto, text, (unsigned)port);
		else
			fe_snprintf(key, sizeof(key), "listen:%s:%s:%u",
			    proto, text, (unsigned)port);
		wset_add(&tmp, key, "listening");
	}
	if (more < 0) {
		rc = more;
		goto fail;
	}
	/* Sockets sharing a port are one thing listening. */
	wset_sort(&tmp);
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}

int
collect_sockets(const char *root, struct wset *out, struct fe_err *err)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6" };
	struct wset tmp = { 0 };
	char rel[32], path[CPATH_MAX];
	uint8_t *p;
	size_t len, i;
	int rc;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		fe_snprintf(rel, sizeof(rel), "/proc/net/%s", protos[i]);
		rc = cread(root, rel, NET_MAX_FILE, path, sizeof(path), &p,
		    &len, err);
		if (rc == FE_ENOENT && strchr(protos[i], '6') != NULL)
			continue;
		if (rc != 0)
			goto fail;
		rc = proc_net_parse(path, protos[i], p, len, &tmp, err);
		free(p);
		if (rc != 0)
			goto fail;
	}
	wset_move(out, &tmp);
	return 0;
fail:
	wset_free(&tmp);
	return rc;
}
