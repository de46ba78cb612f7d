/*
 * fuzz_collect.c - libFuzzer target for the parsers of the fe-watch
 * collectors (src/watch/collect_*.c).  The first byte picks the parser
 * (see below): 0 dpkg status, 1-4 /proc/net tcp, tcp6, udp, udp6,
 * 5 passwd, 6 group, 7 shadow, 8 gshadow, 9 /proc/modules; the rest is the
 * file.  The byte is read as (byte - '0') % 10, so the seeds in
 * tests/fuzz/corpus/fuzz_collect/ start with an ASCII digit.
 *
 * Invariants (abort() when broken): a parser that fails adds nothing to
 * the set it was given and leaves a message; one that succeeds adds only
 * items with its own key prefix, keys and values without tab, newline or
 * carriage return, within ITEM_MAX_KEY and ITEM_MAX_VAL; dpkg and module
 * keys are unique; dpkg values start "version=" and hold " status=";
 * sockets are "listening"; shadow values are 16 hex digits.
 */
#include <stdlib.h>
#include <string.h>

#include "watch/collect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		abort();
}

static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wset out = { 0 };
	struct fe_err err;
	const char *prefix;
	unsigned sel;
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	sel = (uint8_t)(data[0] - '0') % 10;
	data++;
	size--;
	/* One item is there before: a failing parser must leave it alone. */
	wset_add(&out, "sentinel", "x");
	err.msg[0] = '\0';
	switch (sel) {
	case 0:
		rc = dpkg_status_parse("status", data, size, &out, &err);
		prefix = "pkg:";
		break;
	case 1: case 2: case 3: case 4:
		rc = proc_net_parse("net", protos[sel - 1], data, size, &out,
		    &err);
		prefix = "listen:";
		break;
	case 5:
		rc = passwd_parse("passwd", data, size, &out, &err);
		prefix = "user:";
		break;
	case 6:
		rc = group_parse("group", data, size, &out, &err);
		prefix = "group:";
		break;
	case 7:
		rc = shadow_parse("shadow", "user:", 9, data, size, &out, &err);
		prefix = "user:";
		break;
	case 8:
		rc = shadow_parse("gshadow", "group:", 4, data, size, &out,
		    &err);
		prefix = "group:";
		break;
	default:
		rc = proc_modules_parse("modules", data, size, &out, &err);
		prefix = "module:";
		break;
	}
	if (rc != 0) {
		check(rc < 0);
		check(out.n == 1 && strcmp(out.v[0].key, "sentinel") == 0);
		check(err.msg[0] != '\0');
		wset_free(&out);
		return 0;
	}
	check(out.n >= 1 && strcmp(out.v[0].key, "sentinel") == 0);
	for (i = 1; i < out.n; i++) {
		const char *k = out.v[i].key, *v = out.v[i].val;

		check(strncmp(k, prefix, strlen(prefix)) == 0);
		check(strpbrk(k, "\t\n\r") == NULL);
		check(strpbrk(v, "\t\n\r") == NULL);
		check(strlen(k) <= ITEM_MAX_KEY && strlen(v) <= ITEM_MAX_VAL);
		switch (sel) {
		case 0:
			check(strncmp(v, "version=", 8) == 0);
			check(strstr(v, " status=") != NULL);
			check(strchr(v + 8, ' ') == strstr(v, " status="));
			break;
		case 1: case 2: case 3: case 4:
			check(strcmp(v, "listening") == 0);
			break;
		case 7: case 8:
			check(strlen(v) == 16 &&
			    strspn(v, "0123456789abcdef") == 16);
			break;
		case 9:
			check(strncmp(v, "size=", 5) == 0);
			break;
		default:
			break;
		}
	}
	/* Keys from one parse are distinct (after the sentinel). */
	{
		struct wset copy = { 0 };

		for (i = 1; i < out.n; i++)
			wset_add(&copy, out.v[i].key, out.v[i].val);
		if (copy.n > 0) {
			size_t before = copy.n;

			wset_sort(&copy);
			check(copy.n == before);
		}
		wset_free(&copy);
	}
	wset_free(&out);
	return 0;
}
