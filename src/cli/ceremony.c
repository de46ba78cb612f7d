/* ceremony.c - placeholder replaced below in this session */
#include "cli.h"
int
cmd_ceremony(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("ceremony: not built yet");
	return 1;
}
