#include "check_suites.h"

Suite *
make_flow_suite(void)
{
	return suite_create("flow");
}
