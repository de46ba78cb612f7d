/*
 * log.c - `fe log verify FILE [--head HASH]` and `fe log show FILE`.
 *
 * verify re-hashes every record of a hash-chained log and names the first
 * record that was changed, removed, inserted or reordered.  With --head, the
 * chain must end in that hash (taken from a ceremony printout, the signer's
 * status, or a signed checkpoint), which also catches records cut from the end
 * and a log rewritten from scratch.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lib/buf.h"
#include "lib/chainlog.h"

static int
show_one(const struct clog_rec *r, void *arg)
{
	(void)arg;
	printf("%llu %s %s ", (unsigned long long)r->seq, r->time, r->type);
	fwrite(r->payload, 1, r->len, stdout);
	putchar('\n');
	return 0;
}

int
cmd_log(int argc, char **argv)
{
	struct fe_err err;
	struct clog_summary sum;
	uint8_t head[32];
	const uint8_t *expect = NULL;
	char hx[65];
	const char *path = NULL;
	int i;

	if (argc < 3 || (strcmp(argv[1], "verify") != 0 &&
	    strcmp(argv[1], "show") != 0)) {
		fprintf(stderr, "usage: fe log verify FILE [--head HASH]\n"
		    "       fe log show FILE\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--head") == 0 && i + 1 < argc) {
			if (hex_decode(argv[i + 1], strlen(argv[i + 1]), head,
			    32) != 0) {
				cli_error("--head '%s': not a SHA-256 hash "
				    "(64 hex digits)", argv[i + 1]);
				return 2;
			}
			expect = head;
			i++;
		} else if (path == NULL && argv[i][0] != '-') {
			path = argv[i];
		} else {
			cli_error("log: unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	if (path == NULL) {
		cli_error("log: no FILE given");
		return 2;
	}
	if (strcmp(argv[1], "show") == 0) {
		if (clog_read_file(path, 1, show_one, NULL, &err) != 0) {
			cli_error("%s", err.msg);
			return 1;
		}
		return 0;
	}
	if (clog_verify_file(path, expect, &sum, &err) != 0) {
		printf("FAILED: %s\n", err.msg);
		return 1;
	}
	hex_encode(sum.head, 32, hx);
	printf("OK: %s: %llu records, chain intact, head %llu %s%s\n", path,
	    (unsigned long long)sum.records,
	    (unsigned long long)sum.last_seq, hx,
	    sum.torn_tail ? " (last line unfinished: a crash during an "
	    "append; it is cut when the log is next opened)" : "");
	return 0;
}
