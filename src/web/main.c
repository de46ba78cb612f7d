/*
 * main.c - fe-web: the registration application (docs/web.md).
 * (The server lands in the following commits.)
 */
#include <stdio.h>

int
main(void)
{
	fputs("fe-web: not built yet\n", stderr);
	return 1;
}
