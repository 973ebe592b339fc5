/*
 * check_cursor.c - tests of the bounds-checked cursor (cursor.h).
 *
 * Every accessor is tried at and one past the captured and the wire
 * boundaries: a read past cap but within wire is TRUNCATED, a read past
 * wire is MALFORMED, and a failed read never moves the cursor.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "synscope/cursor.h"
#include "check_suites.h"

static const uint8_t cur_bytes[16] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

/* A cursor of cap captured and wire wire bytes, positioned at off. */
static struct ss_cursor
cur_at(size_t cap, size_t wire, size_t off)
{
	struct ss_cursor c;

	cur_init(&c, cur_bytes, cap, wire);
	c.off = off;
	return (c);
}

/* cur_init never lets wire fall below cap. */
START_TEST(test_init)
{
	struct ss_cursor c;

	cur_init(&c, cur_bytes, 8, 4);
	ck_assert_uint_eq(c.cap, 8);
	ck_assert_uint_eq(c.wire, 8);
	ck_assert_uint_eq(c.off, 0);
	cur_init(&c, cur_bytes, 4, 10);
	ck_assert_uint_eq(cur_left(&c), 4);
	ck_assert_uint_eq(cur_wire_left(&c), 10);
	ck_assert_ptr_eq(cur_ptr(&c), cur_bytes);
}
END_TEST

/* cur_need at every length around the two boundaries. */
START_TEST(test_need)
{
	struct ss_cursor c = cur_at(6, 10, 2);

	ck_assert_int_eq(cur_need(&c, 0), SS_CUR_OK);
	ck_assert_int_eq(cur_need(&c, 4), SS_CUR_OK);
	ck_assert_int_eq(cur_need(&c, 5), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_need(&c, 8), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_need(&c, 9), SS_CUR_MALFORMED);
	ck_assert_int_eq(cur_need(&c, SIZE_MAX), SS_CUR_MALFORMED);

	c = cur_at(6, 6, 6);
	ck_assert_int_eq(cur_need(&c, 0), SS_CUR_OK);
	ck_assert_int_eq(cur_need(&c, 1), SS_CUR_MALFORMED);
	c = cur_at(0, 3, 0);
	ck_assert_int_eq(cur_need(&c, 1), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_need(&c, 4), SS_CUR_MALFORMED);
}
END_TEST

/* Each fixed-size reader: OK at the cap edge, then the two failures. */
START_TEST(test_readers)
{
	static const size_t sizes[] = { 1, 2, 4, 2 };
	struct ss_cursor c;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	enum ss_cur_err e;
	size_t i, n, cap;
	int k;

	for (k = 0; k < 4; k++) {
		n = sizes[k];
		for (cap = 0; cap <= 8; cap++) {
			for (i = 0; i <= 8; i++) {
				c = cur_at(cap, 8, i > cap ? cap : i);
				if (i > cap)
					continue;
				switch (k) {
				case 0:
					e = cur_u8(&c, &v8);
					break;
				case 1:
					e = cur_be16(&c, &v16);
					break;
				case 2:
					e = cur_be32(&c, &v32);
					break;
				default:
					e = cur_le16(&c, &v16);
					break;
				}
				if (i + n <= cap) {
					ck_assert_int_eq(e, SS_CUR_OK);
					ck_assert_uint_eq(c.off, i + n);
				} else if (i + n <= 8) {
					ck_assert_int_eq(e, SS_CUR_TRUNCATED);
					ck_assert_uint_eq(c.off, i);
				} else {
					ck_assert_int_eq(e, SS_CUR_MALFORMED);
					ck_assert_uint_eq(c.off, i);
				}
			}
		}
	}
}
END_TEST

/* Values come out in the right byte order. */
START_TEST(test_values)
{
	struct ss_cursor c = cur_at(16, 16, 0);
	uint8_t v8, buf[3];
	uint16_t v16;
	uint32_t v32;

	ck_assert_int_eq(cur_u8(&c, &v8), SS_CUR_OK);
	ck_assert_uint_eq(v8, 0x01);
	ck_assert_int_eq(cur_be16(&c, &v16), SS_CUR_OK);
	ck_assert_uint_eq(v16, 0x0203);
	ck_assert_int_eq(cur_le16(&c, &v16), SS_CUR_OK);
	ck_assert_uint_eq(v16, 0x0504);
	ck_assert_int_eq(cur_be32(&c, &v32), SS_CUR_OK);
	ck_assert_uint_eq(v32, 0x06070809);
	ck_assert_int_eq(cur_copy(&c, buf, 3), SS_CUR_OK);
	ck_assert_mem_eq(buf, cur_bytes + 9, 3);
	ck_assert_int_eq(cur_skip(&c, 4), SS_CUR_OK);
	ck_assert_uint_eq(cur_left(&c), 0);
	ck_assert_int_eq(cur_u8(&c, &v8), SS_CUR_MALFORMED);
	/* the unchecked loads read the same values */
	ck_assert_uint_eq(ld_be16(cur_bytes + 1), 0x0203);
	ck_assert_uint_eq(ld_be32(cur_bytes + 5), 0x06070809);
	ck_assert_uint_eq(ld_be32(cur_bytes + 12), 0x0d0e0f10);
}
END_TEST

/* cur_skip and cur_copy at the boundaries; failures leave dst alone. */
START_TEST(test_skip_copy)
{
	struct ss_cursor c = cur_at(4, 8, 0);
	uint8_t buf[8];

	ck_assert_int_eq(cur_skip(&c, 4), SS_CUR_OK);
	ck_assert_int_eq(cur_skip(&c, 1), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_skip(&c, 5), SS_CUR_MALFORMED);
	ck_assert_uint_eq(c.off, 4);
	ck_assert_int_eq(cur_skip(&c, 0), SS_CUR_OK);

	c = cur_at(4, 8, 1);
	memset(buf, 0xee, sizeof buf);
	ck_assert_int_eq(cur_copy(&c, buf, 4), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_copy(&c, buf, 8), SS_CUR_MALFORMED);
	ck_assert_uint_eq(buf[0], 0xee);
	ck_assert_int_eq(cur_copy(&c, buf, 3), SS_CUR_OK);
	ck_assert_mem_eq(buf, cur_bytes + 1, 3);
	ck_assert_uint_eq(c.off, 4);
}
END_TEST

/* cur_sub: captured part, wire part, parent advance, MALFORMED. */
START_TEST(test_sub)
{
	struct ss_cursor c, s;
	uint32_t v;

	/* Entirely captured. */
	c = cur_at(16, 16, 2);
	ck_assert_int_eq(cur_sub(&c, 4, &s), SS_CUR_OK);
	ck_assert_uint_eq(s.cap, 4);
	ck_assert_uint_eq(s.wire, 4);
	ck_assert_uint_eq(s.off, 0);
	ck_assert_ptr_eq(s.p, cur_bytes + 2);
	ck_assert_uint_eq(c.off, 6);
	ck_assert_int_eq(cur_be32(&s, &v), SS_CUR_OK);
	ck_assert_uint_eq(v, 0x03040506);
	ck_assert_int_eq(cur_need(&s, 1), SS_CUR_MALFORMED);

	/* Partly captured: the parent stops at its captured end. */
	c = cur_at(6, 12, 2);
	ck_assert_int_eq(cur_sub(&c, 8, &s), SS_CUR_OK);
	ck_assert_uint_eq(s.cap, 4);
	ck_assert_uint_eq(s.wire, 8);
	ck_assert_uint_eq(c.off, 6);
	ck_assert_int_eq(cur_need(&s, 5), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_need(&s, 9), SS_CUR_MALFORMED);

	/* Exactly the wire, then one more. */
	c = cur_at(6, 12, 2);
	ck_assert_int_eq(cur_sub(&c, 10, &s), SS_CUR_OK);
	c = cur_at(6, 12, 2);
	ck_assert_int_eq(cur_sub(&c, 11, &s), SS_CUR_MALFORMED);
	ck_assert_uint_eq(c.off, 2);

	/* Empty sub-cursor. */
	c = cur_at(6, 12, 6);
	ck_assert_int_eq(cur_sub(&c, 0, &s), SS_CUR_OK);
	ck_assert_uint_eq(s.cap, 0);
	ck_assert_uint_eq(s.wire, 0);
}
END_TEST

/* cur_limit: cut wire and cap, clamp the position, refuse growth. */
START_TEST(test_limit)
{
	struct ss_cursor c;

	c = cur_at(10, 16, 4);
	ck_assert_int_eq(cur_limit(&c, 12), SS_CUR_OK);
	ck_assert_uint_eq(c.wire, 12);
	ck_assert_uint_eq(c.cap, 10);
	ck_assert_uint_eq(c.off, 4);
	ck_assert_int_eq(cur_limit(&c, 8), SS_CUR_OK);
	ck_assert_uint_eq(c.wire, 8);
	ck_assert_uint_eq(c.cap, 8);
	ck_assert_int_eq(cur_need(&c, 4), SS_CUR_OK);
	ck_assert_int_eq(cur_need(&c, 5), SS_CUR_MALFORMED);
	ck_assert_int_eq(cur_limit(&c, 9), SS_CUR_MALFORMED);
	ck_assert_uint_eq(c.wire, 8);
	ck_assert_int_eq(cur_limit(&c, 2), SS_CUR_OK);
	ck_assert_uint_eq(c.off, 2);
	ck_assert_uint_eq(cur_left(&c), 0);

	/* A limit past the captured bytes: reads are TRUNCATED. */
	c = cur_at(4, 16, 0);
	ck_assert_int_eq(cur_limit(&c, 10), SS_CUR_OK);
	ck_assert_uint_eq(c.cap, 4);
	ck_assert_int_eq(cur_need(&c, 10), SS_CUR_TRUNCATED);
	ck_assert_int_eq(cur_need(&c, 11), SS_CUR_MALFORMED);
}
END_TEST

/* The cursor suite. */
Suite *
make_cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_need);
	tcase_add_test(tc, test_readers);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_skip_copy);
	tcase_add_test(tc, test_sub);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	return (s);
}
