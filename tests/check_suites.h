/*
 * check_suites.h - the Check suites of the unit tests, one per module.
 */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

Suite	*make_cursor_suite(void);
Suite	*make_decode_suite(void);
Suite	*make_flow_suite(void);
Suite	*make_fmt_suite(void);
Suite	*make_engine_suite(void);
Suite	*make_view_suite(void);
Suite	*make_analysis_suite(void);
Suite	*make_capture_suite(void);

#endif
