/*
 * main.c - `fe`, the administrators' tool: dispatches to one verb group per
 * file (ceremony.c, log.c, ...).  Nothing here trusts its arguments beyond
 * what each group checks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} groups[] = {
	{ "alert", cmd_alert, "list and acknowledge fe-watch alerts" },
	{ "ceremony", cmd_ceremony, "run a key ceremony from a ceremony file" },
	{ "change", cmd_change, "change tickets under four eyes (open, approve, "
	    "review, show, list)" },
	{ "log", cmd_log, "verify or show a hash-chained log" },
	{ "signer", cmd_signer, "talk to fe-signer over the serial link" },
	{ "watch", cmd_watch, "baseline and check this host (fe-watch)" },
};

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: fe COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		fprintf(stderr, "  %-10s %s\n", groups[i].name, groups[i].help);
	fprintf(stderr, "\nSee fe(1).\n");
	return 2;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage();
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(argv[1], groups[i].name) == 0)
			return groups[i].fn(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage();
		return 0;
	}
	cli_error("unknown command '%s'", argv[1]);
	return usage();
}
