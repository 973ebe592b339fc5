/* lab.c - placeholder */
#include <stdio.h>
int
main(void)
{
	fprintf(stderr, "synscope-lab: not built yet\n");
	return 1;
}
