#include "check_suites.h"

Suite *
make_view_suite(void)
{
	return suite_create("view");
}
