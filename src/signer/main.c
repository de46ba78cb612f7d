#include <stdio.h>
int
main(void)
{
	fprintf(stderr, "fe-signer: not built yet\n");
	return 1;
}
