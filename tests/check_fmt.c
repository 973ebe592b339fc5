/*
 * check_fmt.c - output formatting: numbers, times, addresses, escaping of
 * untrusted bytes for terminals and for JSON, TCP flag letters, the JSON
 * writer.
 */
#include <arpa/inet.h>
#include <string.h>

#include "check_suites.h"
#include "synscope/fmt.h"
#include "synscope/jsonw.h"

static struct ss_wbuf w;

static void
setup(void)
{
	ck_assert_int_eq(wbuf_init(&w, -1, 16), 0);
}

static void
teardown(void)
{
	wbuf_free(&w);
}

START_TEST(test_numbers)
{
	wbuf_u64(&w, 0);
	wbuf_char(&w, ' ');
	wbuf_u64(&w, UINT64_MAX);
	wbuf_char(&w, ' ');
	wbuf_i64(&w, INT64_MIN);
	wbuf_char(&w, ' ');
	wbuf_ts(&w, 1331904000123456789ULL);
	wbuf_char(&w, ' ');
	wbuf_dur(&w, 1000);
	ck_assert_str_eq(wbuf_cstr(&w), "0 18446744073709551615 "
	    "-9223372036854775808 1331904000.123456 0.000001");
}
END_TEST

START_TEST(test_addresses)
{
	struct ss_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "192.0.2.255", a.a);
	wbuf_addr(&w, 4, &a);
	wbuf_char(&w, ' ');
	inet_pton(AF_INET6, "2001:db8:0:0:0:0:0:1", a.a);
	wbuf_addr(&w, 6, &a);
	wbuf_char(&w, ' ');
	inet_pton(AF_INET6, "::ffff:1.2.3.4", a.a);
	wbuf_addr(&w, 6, &a);
	ck_assert_str_eq(wbuf_cstr(&w), "192.0.2.255 2001:db8::1 ::ffff:1.2.3.4");
}
END_TEST

START_TEST(test_text_escaping)
{
	static const char in[] = "ok \x1b[2J\\ \x7f\xff\n";

	wbuf_text(&w, in, sizeof(in) - 1);
	ck_assert_str_eq(wbuf_cstr(&w), "ok \\x1b[2J\\\\ \\x7f\\xff\\x0a");
}
END_TEST

START_TEST(test_json_escaping)
{
	static const char in[] = "a\"b\\c\x01\x1b \xc2\xa7 \xe2\x86\x92 \xff\xc3(";

	wbuf_json_str(&w, in, sizeof(in) - 1);
	ck_assert_str_eq(wbuf_cstr(&w), "\"a\\\"b\\\\c\\u0001\\u001b \xc2\xa7 "
	    "\xe2\x86\x92 \\u00ff\\u00c3(\"");
}
END_TEST

START_TEST(test_tcp_flags)
{
	char b[16];

	ck_assert_str_eq(ss_tcp_flags_str(SS_TH_SYN, b, sizeof(b)), "S");
	ck_assert_str_eq(ss_tcp_flags_str(SS_TH_SYN | SS_TH_ACK, b, sizeof(b)),
	    "S.");
	ck_assert_str_eq(ss_tcp_flags_str(SS_TH_FIN | SS_TH_PUSH | SS_TH_ACK, b,
	    sizeof(b)), "FP.");
	ck_assert_str_eq(ss_tcp_flags_str(SS_TH_SYN | SS_TH_ECE | SS_TH_CWR, b,
	    sizeof(b)), "SEW");
	ck_assert_str_eq(ss_tcp_flags_str(0x1ff, b, sizeof(b)), "FSRP.UEWe");
	ck_assert_str_eq(ss_tcp_flags_str(0, b, sizeof(b)), "none");
}
END_TEST

START_TEST(test_json_writer)
{
	struct ss_jsonw j;
	struct ss_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "10.0.0.1", a.a);
	jw_begin(&j, &w);
	jw_str(&j, "type", "x\"y");
	jw_u64(&j, "n", 7);
	jw_bool(&j, "b", true);
	jw_arr_begin(&j, "list");
	jw_str(&j, NULL, "a");
	jw_str(&j, NULL, "b");
	jw_arr_end(&j);
	jw_obj_begin(&j, "o");
	jw_obj_end(&j);
	jw_addr(&j, "h", 4, &a);
	jw_secs(&j, "ts", 1500000000ULL);
	jw_end(&j);
	ck_assert_str_eq(wbuf_cstr(&w), "{\"type\":\"x\\\"y\",\"n\":7,\"b\":true,"
	    "\"list\":[\"a\",\"b\"],\"o\":{},\"h\":\"10.0.0.1\",\"ts\":1.500000}\n");
}
END_TEST

/* Every digit-count branch of the IPv4 and time writers. */
START_TEST(test_digit_branches)
{
	struct ss_addr a;
	static const char *const v4[] = {
		"0.0.0.0", "9.10.99.100", "255.255.255.255", "1.20.200.2",
	};
	size_t i;

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		wbuf_reset(&w);
		memset(&a, 0, sizeof(a));
		inet_pton(AF_INET, v4[i], a.a);
		wbuf_addr(&w, 4, &a);
		ck_assert_str_eq(wbuf_cstr(&w), v4[i]);
	}
	wbuf_reset(&w);
	wbuf_ts(&w, 5000009000ULL);
	wbuf_char(&w, ' ');
	wbuf_ts(&w, 5090900999ULL);
	wbuf_char(&w, ' ');
	wbuf_ts(&w, 999999999ULL);
	ck_assert_str_eq(wbuf_cstr(&w), "5.000009 5.090900 0.999999");
}
END_TEST

/* Our own text goes out as it is; a buffer of 1 byte grows for it. */
START_TEST(test_json_writer_lit)
{
	struct ss_wbuf small;
	struct ss_jsonw j;

	ck_assert_int_eq(wbuf_init(&small, -1, 1), 0);
	jw_begin(&j, &small);
	jw_lit(&j, "conn_state", "SF");
	jw_lit(&j, "history", "ShADadFf");
	jw_arr_begin(&j, "anomalies");
	jw_lit(&j, NULL, "dup_ack");
	jw_lit(&j, NULL, "retransmission");
	jw_arr_end(&j);
	jw_obj_begin(&j, "anomaly_counts");
	jw_u64(&j, "dup_ack", 12);
	jw_obj_end(&j);
	jw_bool(&j, "inferred", false);
	jw_null(&j, "x");
	jw_lit(&j, "empty", "");
	jw_end(&j);
	ck_assert_str_eq(wbuf_cstr(&small), "{\"conn_state\":\"SF\","
	    "\"history\":\"ShADadFf\",\"anomalies\":[\"dup_ack\","
	    "\"retransmission\"],\"anomaly_counts\":{\"dup_ack\":12},"
	    "\"inferred\":false,\"x\":null,\"empty\":\"\"}\n");
	wbuf_free(&small);
}
END_TEST

Suite *
make_fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("fmt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_digit_branches);
	tcase_add_test(tc, test_json_writer_lit);
	tcase_add_test(tc, test_text_escaping);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_tcp_flags);
	tcase_add_test(tc, test_json_writer);
	suite_add_tcase(s, tc);
	return s;
}
