/* Compiled with -std=c99 -pedantic -Werror: heapcore.h must stand alone. */
#include "heapcore.h"

int header_c99_dummy(void);
int header_c99_dummy(void)
{
	return HC_ERROR_NO_MEMORY;
}
