/*
 * check_main.c - runs every unit-test suite of synscope.
 *
 * One binary, one suite per module (make_<module>_suite()), fork mode so a
 * crash fails one test rather than the run.  CK_RUN_SUITE / CK_RUN_CASE
 * select a part, as with any Check program.
 */
#include <stdlib.h>

#include "check_suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(make_cursor_suite());
	srunner_add_suite(sr, make_decode_suite());
	srunner_add_suite(sr, make_flow_suite());
	srunner_add_suite(sr, make_fmt_suite());
	srunner_add_suite(sr, make_engine_suite());
	srunner_add_suite(sr, make_view_suite());
	srunner_add_suite(sr, make_analysis_suite());
	srunner_add_suite(sr, make_capture_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
