#include "check_suites.h"

Suite *
make_analysis_suite(void)
{
	return suite_create("analysis");
}
