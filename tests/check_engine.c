#include "check_suites.h"

Suite *
make_engine_suite(void)
{
	return suite_create("engine");
}
