/*
 * check_fmt.c - output formatting: numbers, times, addresses, escaping of
 * untrusted bytes for terminals and for JSON, TCP flag letters, the JSON
 * writer, the cursor writers, conn records at their longest, flow uids.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "synscope/fmt.h"
#include "synscope/jsonw.h"
#include "synscope/output.h"
#include "synscope/siphash.h"

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

/*
 * IPv6 text, written by hand: RFC 5952's rules, and glibc's inet_ntop()
 * on every pattern of zero and non-zero groups (each group 1, 0x10,
 * 0x100, 0xffff or 0xabc by turns, so every digit count), the
 * IPv4-mapped and -compatible forms around their edges, and random
 * addresses with random zero runs.
 */
static void
check_v6(const struct ss_addr *a, const char *want)
{
	char buf[SS_ADDRSTRLEN], lib[INET6_ADDRSTRLEN];

	wbuf_reset(&w);
	wbuf_addr(&w, 6, a);
	ck_assert_str_eq(ss_addr_str(6, a, buf, sizeof(buf)), wbuf_cstr(&w));
	if (want != NULL)
		ck_assert_str_eq(wbuf_cstr(&w), want);
#ifdef __GLIBC__
	ck_assert_ptr_nonnull(inet_ntop(AF_INET6, a->a, lib, sizeof(lib)));
	ck_assert_msg(strcmp(wbuf_cstr(&w), lib) == 0, "%s, inet_ntop %s",
	    wbuf_cstr(&w), lib);
#else
	(void)lib;
#endif
}

START_TEST(test_ipv6_text)
{
	static const struct {
		const char *in, *out;
	} fixed[] = {
		{ "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
		{ "2001:DB8::ABCD", "2001:db8::abcd" },
		{ "0:0:0:0:0:0:0:0", "::" },
		{ "::1", "::1" },
		{ "1::", "1::" },
		{ "fe80:0:0:0:1:0:0:0", "fe80::1:0:0:0" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
		{ "::192.0.2.1", "::192.0.2.1" },
		{ "::fffe:c000:201", "::fffe:c000:201" },
		{ "0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201" },
		{ "64:ff9b::192.0.2.1", "64:ff9b::c000:201" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	static const unsigned vals[] = { 1, 0x10, 0x100, 0xffff, 0xabc };
	struct ss_addr a;
	unsigned mask, i, r, k;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		memset(&a, 0, sizeof(a));
		ck_assert_int_eq(inet_pton(AF_INET6, fixed[i].in, a.a), 1);
		check_v6(&a, fixed[i].out);
	}
	for (mask = 0; mask < 256; mask++) {
		for (r = 0; r < 5; r++) {
			for (i = 0; i < 8; i++) {
				unsigned v = mask & (1u << i) ?
				    vals[(i + r) % 5] : 0;

				a.a[2 * i] = (uint8_t)(v >> 8);
				a.a[2 * i + 1] = (uint8_t)v;
			}
			check_v6(&a, NULL);
			/* the same with the last two groups as IPv4 edges,
			   and group 5 as the mapped form's 0xffff */
			for (k = 0; k < 4; k++)
				a.a[12 + k] = (uint8_t)(k == r % 4 ? 0 : 255);
			if (mask & 0x20) {
				a.a[10] = 0xff;
				a.a[11] = 0xff;
			}
			check_v6(&a, NULL);
		}
	}
	for (r = 0; r < 20000; r++) {
		for (i = 0; i < 16; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			memcpy(a.a + i, &x, 8);
		}
		/* zero a random run of groups, sometimes */
		k = (unsigned)(x >> 40) % 8;
		for (i = k; i < 8 && i < k + (unsigned)(x >> 50) % 6; i++)
			a.a[2 * i] = a.a[2 * i + 1] = 0;
		if ((x >> 60) == 0)
			memset(a.a, 0, 10);
		check_v6(&a, NULL);
	}
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

/* fmt_u64 on each side of every power of ten, and on random values. */
START_TEST(test_u64_lengths)
{
	char want[32], got[32], *e;
	uint64_t v = 1, x = 0x9e3779b97f4a7c15ULL;
	int k, i;

	for (k = 0; k < 20; k++, v *= 10) {
		uint64_t t[3] = { v - 1, v, v + 1 };

		for (i = 0; i < 3; i++) {
			e = fmt_u64(got, t[i]);
			*e = '\0';
			snprintf(want, sizeof(want), "%" PRIu64, t[i]);
			ck_assert_str_eq(got, want);
		}
	}
	e = fmt_u64(got, UINT64_MAX);
	*e = '\0';
	ck_assert_str_eq(got, "18446744073709551615");
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		e = fmt_u64(got, x >> (i % 64));
		*e = '\0';
		snprintf(want, sizeof(want), "%" PRIu64, x >> (i % 64));
		ck_assert_str_eq(got, want);
	}
	/* every number below 100,100, and nothing written around it */
	for (v = 0; v < 100100; v++) {
		memset(got, '#', sizeof(got));
		e = fmt_u64(got + 1, v);
		ck_assert_int_eq(*e, '#');
		*e = '\0';
		snprintf(want, sizeof(want), "%" PRIu64, v);
		ck_assert_str_eq(got + 1, want);
		ck_assert_int_eq(got[0], '#');
		ck_assert_int_eq(e[1], '#');
	}
}
END_TEST

/* fmt_u16 on every value, within its room, nothing written before it. */
START_TEST(test_u16_all)
{
	char want[8], got[1 + FMT_U16_ROOM + 1], *e;
	uint32_t v;

	for (v = 0; v <= UINT16_MAX; v++) {
		memset(got, '#', sizeof(got));
		e = fmt_u16(got + 1, (uint16_t)v);
		ck_assert_int_eq(got[0], '#');
		ck_assert_int_eq(got[1 + FMT_U16_ROOM], '#');
		snprintf(want, sizeof(want), "%" PRIu32, v);
		ck_assert_uint_eq((size_t)(e - (got + 1)), strlen(want));
		*e = '\0';
		ck_assert_str_eq(got + 1, want);
	}
}
END_TEST

/* One fmt_u64_memo() call against fmt_u64, and its room. */
static void
memo_check(struct fmt_memo *m, uint64_t v)
{
	char want[32], got[1 + FMT_MEMO_ROOM + 1], *e;

	memset(got, '#', sizeof(got));
	e = fmt_u64_memo(got + 1, m, v);
	ck_assert_int_eq(got[0], '#');
	ck_assert_int_eq(got[1 + FMT_MEMO_ROOM], '#');
	*e = '\0';
	*fmt_u64(want, v) = '\0';
	ck_assert_str_eq(got + 1, want);
}

/*
 * fmt_u64_memo: a count up across every carry (9 -> 10, 199 -> 200, 9999
 * -> 10000), repeats, a step back, jumps, zero first and last, and the
 * wrap from UINT64_MAX to 0.
 */
START_TEST(test_u64_memo)
{
	struct fmt_memo m;
	uint64_t v, x = 0x9e3779b97f4a7c15ULL;
	int i;

	memset(&m, 0, sizeof(m));
	memo_check(&m, 0);		/* a zeroed memo holds no text yet */
	memo_check(&m, 0);
	for (v = 1; v < 100100; v++) {
		memo_check(&m, v);
		if (v % 997 == 0)
			memo_check(&m, v);	/* the same again */
	}
	memo_check(&m, 100098);		/* back */
	memo_check(&m, 100099);
	memo_check(&m, 999999999);
	memo_check(&m, 1000000000);	/* one more, a digit more */
	memo_check(&m, UINT64_MAX - 1);
	memo_check(&m, UINT64_MAX);
	memo_check(&m, 0);		/* "one more", wrapped */
	memo_check(&m, 1);
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memo_check(&m, x >> (i % 64));
		memo_check(&m, (x >> (i % 64)) + 1);
	}
}
END_TEST

/* The uid as first defined: two SipHashes of the bytes, digit by digit. */
static void
uid_reference(const struct ss_flow *f, char buf[SS_UID_LEN + 1])
{
	static const char digits[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	static const uint64_t key[2] = { 0x73796e73636f7065ULL,
	    0x636f6e6e2d756964ULL };
	uint8_t in[sizeof(f->key) + 16];
	uint64_t h1, h2;
	int i;

	memcpy(in, &f->key, sizeof(f->key));
	memcpy(in + sizeof(f->key), &f->first_ns, 8);
	memcpy(in + sizeof(f->key) + 8, &f->id, 8);
	h1 = ss_siphash13(key, in, sizeof(in));
	in[0] ^= 0x5a;
	h2 = ss_siphash13(key, in, sizeof(in));
	buf[0] = 'C';
	for (i = 1; i <= 10; i++) {
		buf[i] = digits[h1 % 62];
		h1 /= 62;
	}
	for (; i <= 17; i++) {
		buf[i] = digits[h2 % 62];
		h2 /= 62;
	}
	buf[18] = '\0';
}

/* Uids stay what they were: every published log keeps its uids. */
START_TEST(test_uid_stable)
{
	struct ss_flow f;
	char got[SS_UID_LEN + 1], want[SS_UID_LEN + 1];
	uint64_t x = 0x2545f4914f6cdd1dULL;
	size_t j;
	int i;

	for (i = 0; i < 20000; i++) {
		memset(&f, 0, sizeof(f));
		for (j = 0; j < sizeof(f.key.lo.a); j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			f.key.lo.a[j] = (uint8_t)x;
			f.key.hi.a[j] = (uint8_t)(x >> 8);
		}
		f.key.lo_port = (uint16_t)(x >> 16);
		f.key.hi_port = (uint16_t)(x >> 32);
		f.key.proto = i % 2 ? IPPROTO_TCP : IPPROTO_UDP;
		f.key.family = i % 3 ? 4 : 6;
		f.first_ns = x * 0x9e3779b97f4a7c15ULL;
		f.id = (uint64_t)i << (i % 40);
		ss_flow_uid(&f, got);
		uid_reference(&f, want);
		ck_assert_str_eq(got, want);
		/* both hashes, whichever this CPU uses */
		ss_uid_text_hash(&f.key, f.first_ns, f.id, got, false);
		ck_assert_int_eq(memcmp(got, want, SS_UID_LEN), 0);
		ss_uid_text_hash(&f.key, f.first_ns, f.id, got, true);
		ck_assert_int_eq(memcmp(got, want, SS_UID_LEN), 0);
	}
	/* one pinned value, so that the reference cannot drift with it */
	memset(&f, 0, sizeof(f));
	f.key.family = 4;
	f.key.proto = IPPROTO_TCP;
	ss_flow_uid(&f, got);
	uid_reference(&f, want);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(strlen(got), SS_UID_LEN);
	ck_assert_int_eq(got[0], 'C');
}
END_TEST

/*
 * Uids made in batches (four hashed at once with AVX-512) are the same
 * uids: every batch size, each text written only to its own place, and
 * none before the batch runs or fills.
 */
START_TEST(test_uid_batch)
{
	struct ss_uid_batch b;
	struct ss_flow f[SS_UID_BATCH + 1];
	char got[SS_UID_BATCH + 1][SS_UID_LEN + 1], want[SS_UID_LEN + 1];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned n, j, round;
	size_t k;

	memset(&b, 0, sizeof(b));
	for (round = 0; round < 2000; round++) {
		n = 1 + round % (SS_UID_BATCH + 1);	/* 1 .. BATCH + 1 */
		memset(got, '#', sizeof(got));
		for (j = 0; j < n; j++) {
			memset(&f[j], 0, sizeof(f[j]));
			for (k = 0; k < sizeof(f[j].key.lo.a); k++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				f[j].key.lo.a[k] = (uint8_t)x;
				f[j].key.hi.a[k] = (uint8_t)(x >> 24);
			}
			f[j].key.lo_port = (uint16_t)(x >> 8);
			f[j].key.hi_port = (uint16_t)(x >> 40);
			f[j].key.proto = j % 2 ? IPPROTO_TCP : IPPROTO_UDP;
			f[j].key.family = (x & 1) ? 4 : 6;
			f[j].first_ns = x * 0x2545f4914f6cdd1dULL;
			f[j].id = x >> (round % 64);
			ss_uid_batch_add(&b, &f[j].key, f[j].first_ns, f[j].id,
			    got[j]);
		}
		ss_uid_batch_run(&b);
		ck_assert_uint_eq(b.n, 0);
		for (j = 0; j < n; j++) {
			uid_reference(&f[j], want);
			got[j][SS_UID_LEN] = '\0';
			ck_assert_str_eq(got[j], want);
		}
		for (; j < SS_UID_BATCH + 1; j++)	/* untouched */
			ck_assert_int_eq(got[j][0], '#');
		ss_uid_batch_run(&b);			/* nothing queued */
	}
}
END_TEST

/* A TCP flow with every field at its longest. */
static void
longest_flow(struct ss_flow *f)
{
	struct ss_tcp_conn *t = &f->u.tcp;
	int i;

	memset(f, 0, sizeof(*f));
	memset(f->key.lo.a, 0xff, sizeof(f->key.lo.a));
	memset(f->key.hi.a, 0xfe, sizeof(f->key.hi.a));
	f->key.lo_port = f->key.hi_port = 65535;
	f->key.proto = IPPROTO_TCP;
	f->key.family = 6;
	f->end = SS_END_EXIT;
	f->id = UINT64_MAX;
	f->first_ns = 1;
	f->last_ns = UINT64_MAX;
	for (i = 0; i < 2; i++) {
		f->d[i].pkts = UINT64_MAX;
		f->d[i].bytes = UINT64_MAX;
		f->d[i].ip_bytes = UINT64_MAX;
		t->dir[i].state = SS_TCP_SYN_RECEIVED;
	}
	t->dir[1].inferred = 1;
	t->zlast_ns = UINT64_MAX;
	t->syn_ns = 0;
	t->synack_ns = UINT64_MAX / 2;
	t->ack_ns = UINT64_MAX;
	t->irtt_done = 1;
	t->rtt_n = 1;
	t->rtt_sum_us = UINT64_MAX / 1000;
	t->rtt_min_us = t->rtt_max_us = UINT32_MAX;
	t->anomalies = (1u << SS_AN_WORDS) - 1;
	for (i = 0; i < SS_AN_WORDS; i++)
		t->an_count[i] = UINT32_MAX;
	t->dup_frames = UINT32_MAX;
	memset(t->history, 'd', sizeof(t->history) - 1);
	t->hist_len = sizeof(t->history) - 1;
}

/* The longest conn and zeek records fit their room with a wide margin. */
START_TEST(test_conn_record_room)
{
	struct ss_output_opts o;
	struct ss_sink sink;
	struct ss_event ev;
	struct ss_flow f;
	const char *s;
	int tsv, i;

	for (i = 0; i < SS_AN_WORDS; i++)
		ck_assert_uint_lt(strlen(ss_anomaly_name((enum ss_anomaly)i)),
		    32);
	longest_flow(&f);
	memset(&o, 0, sizeof(o));
	memset(&ev, 0, sizeof(ev));
	ev.type = SS_EV_FLOW_END;
	ev.flow = &f;
	for (tsv = 0; tsv < 2; tsv++) {
		wbuf_reset(&w);
		ck_assert_int_eq(ss_output_conn(&w, &o, tsv, &sink), 0);
		if (tsv)	/* the header first, so that only the line is left */
			sink.event(sink.ctx, &ev);
		wbuf_reset(&w);
		sink.event(sink.ctx, &ev);
		s = wbuf_cstr(&w);
		ck_assert_uint_lt(strlen(s), SS_CONN_ROOM / 2);
		ck_assert_ptr_nonnull(strstr(s, "18446744073709551615"));
		ck_assert_ptr_nonnull(strstr(s,
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
		ck_assert_ptr_nonnull(strstr(s, "dddddddddddddddddddd"));
		ck_assert_ptr_nonnull(strstr(s, "port_reuse"));
		ck_assert_int_eq(s[strlen(s) - 1], '\n');
		if (!tsv) {
			ck_assert_ptr_nonnull(strstr(s,
			    "\"rtt_max\":4294.967295"));
			ck_assert_ptr_nonnull(strstr(s,
			    "\"anomaly_counts\":{\"retransmission\":4294967295,"));
			ck_assert_ptr_nonnull(strstr(s,
			    ",\"end\":\"end_of_input\"}\n"));
		}
		ss_output_free(&sink);
	}
}
END_TEST

/* The longest packet lines fit their room with a wide margin. */
START_TEST(test_packet_line_room)
{
	struct ss_packet p;
	size_t i, len;
	int r;

	for (r = 0; r < SS_R_COUNT; r++)
		ck_assert_uint_lt(strlen(ss_reason_name((enum ss_reason)r)), 64);
	memset(&p, 0, sizeof(p));
	p.ts_ns = UINT64_MAX;
	p.family = 6;
	memset(p.src.a, 0xff, sizeof(p.src.a));
	memset(p.dst.a, 0xfe, sizeof(p.dst.a));
	p.sport = p.dport = 65535;
	p.proto = IPPROTO_TCP;
	p.flags = 0x1ff;
	p.seq = p.ack = UINT32_MAX;
	p.win = p.urp = 65535;
	p.payload_len = UINT16_MAX;
	p.opt.nopts = sizeof(p.opt.kinds);
	memset(p.opt.kinds, 5, sizeof(p.opt.kinds));
	p.opt.nsack = SS_MAX_SACK;
	for (i = 0; i < SS_MAX_SACK; i++)
		p.opt.sack[i][0] = p.opt.sack[i][1] = UINT32_MAX;
	p.opt.has = SS_OPT_BAD;
	p.outcome = SS_DEC_TRUNCATED;
	for (r = 0; r < SS_R_COUNT; r++) {
		p.reason = (enum ss_reason)r;
		wbuf_reset(&w);
		ss_format_packet(&w, &p, NULL, 0);
		len = strlen(wbuf_cstr(&w));
		ck_assert_uint_lt(len, SS_PKT_ROOM / 2);
	}
	ck_assert_ptr_nonnull(strstr(wbuf_cstr(&w), "sack 4 {4294967295:"
	    "4294967295} {4294967295:4294967295} {4294967295:4294967295} "
	    "{4294967295:4294967295},sack 4"));
	ck_assert_ptr_nonnull(strstr(wbuf_cstr(&w), ",[bad opt]], length "
	    "65535 [truncated: "));
	/* an ICMPv6 error quoting an IPv6 segment */
	memset(&p, 0, sizeof(p));
	p.family = 6;
	p.proto = IPPROTO_ICMPV6;
	p.icmp_type = 1;
	p.icmp_is_error = true;
	p.inner.family = 6;
	p.inner.proto = IPPROTO_TCP;
	p.inner.has_ports = true;
	memset(p.inner.src.a, 0xff, sizeof(p.inner.src.a));
	memset(p.inner.dst.a, 0xff, sizeof(p.inner.dst.a));
	p.inner.sport = p.inner.dport = 65535;
	wbuf_reset(&w);
	ss_format_packet(&w, &p, NULL, 0);
	ck_assert_str_eq(wbuf_cstr(&w), "0.000000 - IP6 :: > ::: ICMP6 "
	    "unreachable code 0, quoting tcp ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:ffff.65535 > ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff.65535,"
	    " length 0");
}
END_TEST

/* The JSON events of flows that share a key name each its own uid. */
START_TEST(test_json_event_uids)
{
	struct ss_output_opts o;
	struct ss_sink sink;
	struct ss_event ev;
	struct ss_flow f[3];
	char uid[3][SS_UID_LEN + 1];
	const char *s, *at;
	int i, k;

	memset(f, 0, sizeof(f));
	for (i = 0; i < 3; i++) {
		f[i].key.family = 4;
		f[i].key.proto = IPPROTO_TCP;
		f[i].key.lo.a[0] = 10;
		f[i].key.hi.a[0] = 192;
		f[i].key.lo_port = 1000;
		f[i].key.hi_port = 80;
		f[i].first_ns = 1000000000;
		f[i].id = 7;
	}
	f[1].id = 8;			/* the same 4-tuple reused */
	f[2].first_ns++;		/* ... or started a nanosecond later */
	for (i = 0; i < 3; i++)
		ss_flow_uid(&f[i], uid[i]);
	ck_assert_str_ne(uid[0], uid[1]);
	ck_assert_str_ne(uid[0], uid[2]);
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(ss_output_json(&w, &o, &sink), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = SS_EV_FLOW_NEW;
	for (k = 0; k < 7; k++) {
		i = (int[]){ 0, 0, 1, 0, 2, 2, 1 }[k];
		wbuf_reset(&w);
		ev.flow = &f[i];
		sink.event(sink.ctx, &ev);
		s = wbuf_cstr(&w);
		at = strstr(s, "\"uid\":\"");
		ck_assert_ptr_nonnull(at);
		ck_assert_int_eq(strncmp(at + 7, uid[i], SS_UID_LEN), 0);
	}
	ss_output_free(&sink);
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
	tcase_add_test(tc, test_ipv6_text);
	tcase_add_test(tc, test_digit_branches);
	tcase_add_test(tc, test_json_writer_lit);
	tcase_add_test(tc, test_text_escaping);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_tcp_flags);
	tcase_add_test(tc, test_json_writer);
	tcase_add_test(tc, test_u64_lengths);
	tcase_add_test(tc, test_u16_all);
	tcase_add_test(tc, test_u64_memo);
	tcase_add_test(tc, test_uid_stable);
	tcase_add_test(tc, test_uid_batch);
	tcase_add_test(tc, test_conn_record_room);
	tcase_add_test(tc, test_packet_line_room);
	tcase_add_test(tc, test_json_event_uids);
	suite_add_tcase(s, tc);
	return s;
}
