#include "check_suites.h"

Suite *
make_fmt_suite(void)
{
	return suite_create("fmt");
}
