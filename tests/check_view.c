/*
 * check_view.c - the live view without a terminal: row formatting and
 * column layout, IPv6 shortening, filters, top-N sorting, tombs and their
 * linger on a fake wall clock, highlights, the order kept between pages
 * and refreshed a bounded step at a time, bounded packet history, ladder
 * rendering, keys and whole composed screens.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "frames.h"
#include "synscope/engine.h"
#include "synscope/tcp.h"
#include "synscope/view.h"

#define MS	1000000ULL
#define SEC	1000000000ULL

/* A fake wall clock. */
static uint64_t fake_wall;

/* Clock hook of the model. */
static uint64_t
fake_clock(void *ctx)
{
	(void)ctx;
	return fake_wall;
}

/* An engine and a view on the fake clock. */
struct fx {
	struct ss_engine	*e;
	struct ss_view		*v;
	uint64_t		 t;	/* packet time */
};

/* Set up an engine and a model. */
static void
fx_init(struct fx *x, const struct ss_view_opts *o)
{
	struct ss_engine_config cfg;
	struct ss_view_opts vo;
	struct ss_sink sink;

	ss_engine_config_defaults(&cfg);
	cfg.max_flows = 4096;
	x->e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(x->e);
	if (o != NULL)
		vo = *o;
	else
		memset(&vo, 0, sizeof(vo));
	vo.clock = fake_clock;
	if (vo.linger_ns == 0)
		vo.linger_ns = 3 * SEC;
	vo.ascii = true;
	fake_wall = 1000 * SEC;
	x->v = ss_view_new(&vo, x->e);
	ck_assert_ptr_nonnull(x->v);
	ss_view_sink(x->v, &sink);
	ck_assert_int_eq(ss_engine_add_sink(x->e, &sink), 0);
	x->t = 1700000000 * SEC;
}

/* Tear down. */
static void
fx_free(struct fx *x)
{
	ss_view_free(x->v);
	ss_engine_free(x->e);
}

/* Send one TCP segment of connection (cport) from client (c2s) or server. */
static void
fx_tcp(struct fx *x, uint16_t cport, bool c2s, const char *flags,
    uint32_t seq, uint32_t ack, uint32_t len)
{
	struct tf_pkt p;
	uint8_t buf[4096];
	size_t n;
	uint16_t fl = 0;

	for (; *flags != '\0'; flags++)
		switch (*flags) {
		case 'S': fl |= SS_TH_SYN; break;
		case 'A': fl |= SS_TH_ACK; break;
		case 'F': fl |= SS_TH_FIN; break;
		case 'R': fl |= SS_TH_RST; break;
		case 'P': fl |= SS_TH_PUSH; break;
		}
	memset(&p, 0, sizeof(p));
	p.src = c2s ? "10.0.0.1" : "10.0.0.2";
	p.dst = c2s ? "10.0.0.2" : "10.0.0.1";
	p.proto = IPPROTO_TCP;
	p.sport = c2s ? cport : 80;
	p.dport = c2s ? 80 : cport;
	p.seq = (c2s ? 1000 : 50000) + seq;
	p.ack = (fl & SS_TH_ACK) ? (c2s ? 50000 : 1000) + ack : 0;
	p.flags = fl;
	p.win = 1000;
	p.paylen = len;
	n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &p);
	ck_assert_uint_gt(n, 0);
	x->t += MS;
	ss_engine_frame(x->e, DLT_EN10MB, x->t, buf, (uint32_t)n, (uint32_t)n);
}

/* A UDP datagram. */
static void
fx_udp(struct fx *x, uint16_t sport, bool fwd, uint32_t len)
{
	struct tf_pkt p;
	uint8_t buf[4096];
	size_t n;

	memset(&p, 0, sizeof(p));
	p.src = fwd ? "10.0.0.1" : "10.0.0.53";
	p.dst = fwd ? "10.0.0.53" : "10.0.0.1";
	p.proto = IPPROTO_UDP;
	p.sport = fwd ? sport : 53;
	p.dport = fwd ? 53 : sport;
	p.paylen = len;
	n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &p);
	ck_assert_uint_gt(n, 0);
	x->t += MS;
	ss_engine_frame(x->e, DLT_EN10MB, x->t, buf, (uint32_t)n, (uint32_t)n);
}

/* A handshake, data of len bytes from the client, and an open end. */
static void
fx_conn(struct fx *x, uint16_t cport, uint32_t len)
{
	fx_tcp(x, cport, true, "S", 0, 0, 0);
	fx_tcp(x, cport, false, "SA", 0, 1, 0);
	fx_tcp(x, cport, true, "A", 1, 1, 0);
	if (len > 0) {
		fx_tcp(x, cport, true, "PA", 1, 1, len);
		fx_tcp(x, cport, false, "A", 1, 1 + len, 0);
	}
}

/* A row of test data. */
static void
mk_row(struct ss_view_row *r, int family, const char *a, const char *b)
{
	memset(r, 0, sizeof(*r));
	r->proto = IPPROTO_TCP;
	r->family = (uint8_t)family;
	r->id = 42;
	ck_assert_int_eq(inet_pton(family == 6 ? AF_INET6 : AF_INET, a,
	    r->addr[0].a), 1);
	ck_assert_int_eq(inet_pton(family == 6 ? AF_INET6 : AF_INET, b,
	    r->addr[1].a), 1);
	r->port[0] = 51234;
	r->port[1] = 443;
	r->state[0] = SS_TCP_FIN_WAIT_1;
	r->state[1] = SS_TCP_CLOSE_WAIT;
	r->flags[0] = SS_TH_FIN | SS_TH_ACK;
	r->flags[1] = SS_TH_ACK;
	r->pkts[0] = 10;
	r->pkts[1] = 7;
	r->bytes[0] = 1234;
	r->bytes[1] = 2000000;
	r->first_ns = 100 * SEC;
	r->last_ns = 161 * SEC;
	r->rtt_ns = 1500 * 1000;
	r->phase = SS_PH_CLOSING;
}

/* ----------------------------------------------------------- formatting */

START_TEST(test_row_format)
{
	static const int widths[] = { 80, 100, 120, 200 };
	struct ss_view_layout lay;
	struct ss_view_line ln;
	struct ss_view_row r;
	int w = widths[_i];
	size_t i;

	mk_row(&r, 4, "192.168.100.200", "10.1.2.3");
	ss_view_layout(&lay, SS_PANE_TCP, w, 21);
	ss_view_format_row(&ln, SS_PANE_TCP, &lay, &r, 162 * SEC, true);
	ck_assert_int_eq(ln.cols, w);
	ck_assert_int_eq((int)strlen(ln.text), w);
	ck_assert_ptr_nonnull(strstr(ln.text, "   42 192.168.100.200:51234 "));
	ck_assert_ptr_nonnull(strstr(ln.text, "10.1.2.3:443"));
	ck_assert_ptr_nonnull(strstr(ln.text, "FIN-WAIT-1 CLOSE-WAIT"));
	/* the state words carry the closing role */
	ck_assert_uint_ge(ln.nspans, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(ln.span[i].role, SS_ROLE_CLOSING);
		ck_assert(ln.text[ln.span[i].off] == 'F' ||
		    ln.text[ln.span[i].off] == 'C');
	}
	if (w >= 100)
		ck_assert_ptr_nonnull(strstr(ln.text, "[F.] [.]"));
	if (w >= 200) {
		ck_assert_ptr_nonnull(strstr(ln.text, "2.00M"));	/* bytes */
		ck_assert_ptr_nonnull(strstr(ln.text, "1.5ms"));	/* rtt */
		ck_assert_ptr_nonnull(strstr(ln.text, "1m02s"));	/* age */
		ck_assert_ptr_nonnull(strstr(ln.text, "1.00s"));	/* idle */
	}
	/* the header lines up with the row */
	ss_view_header(&ln, SS_PANE_TCP, &lay, SS_SORT_BYTES, true, true);
	ck_assert_int_eq(ln.cols, w);
	ck_assert_int_eq(ln.role, SS_ROLE_HEADER_FOCUS);
	if (w >= 200)
		ck_assert_ptr_nonnull(strstr(ln.text, "BYTESv"));
}
END_TEST

START_TEST(test_small_formats)
{
	char b[16];

	ss_view_dur(b, sizeof(b), 812 * 1000);
	ck_assert_str_eq(b, "812us");
	ss_view_dur(b, sizeof(b), 1500 * 1000);
	ck_assert_str_eq(b, "1.5ms");
	ss_view_dur(b, sizeof(b), 185 * SEC);
	ck_assert_str_eq(b, "3m05s");
	ss_view_dur(b, sizeof(b), 7300 * SEC);
	ck_assert_str_eq(b, "2h01m");
	ss_view_size(b, sizeof(b), 99999);
	ck_assert_str_eq(b, "99999");
	ss_view_size(b, sizeof(b), 123456);
	ck_assert_str_eq(b, "123k");
	ss_view_size(b, sizeof(b), UINT64_MAX);
	ck_assert_int_le((int)strlen(b), 6);
}
END_TEST

/* Long IPv6 endpoints fit any width and keep the port. */
START_TEST(test_ipv6_shorten)
{
	struct ss_addr a;
	char buf[128];
	int w = 14 + _i;
	size_t n;

	ck_assert_int_eq(inet_pton(AF_INET6,
	    "2001:db8:1234:5678:9abc:def0:1234:5678", a.a), 1);
	n = ss_view_endpoint(buf, sizeof(buf), 6, &a, 65535, w, false);
	ck_assert_int_le(ss_view_cols(buf, n), w < 16 ? 47 : w);
	ck_assert_int_eq(buf[0], '[');
	ck_assert_ptr_nonnull(strstr(buf, "]:65535"));
	if (w >= 46)
		ck_assert_str_eq(buf,
		    "[2001:db8:1234:5678:9abc:def0:1234:5678]:65535");
	else if (w >= 16) {
		ck_assert_ptr_nonnull(strstr(buf, "\u2026"));
		ck_assert(strncmp(buf, "[2001", 5) == 0);
		if (w >= 20)
			ck_assert_ptr_nonnull(strstr(buf, "5678]"));
	}
	/* ASCII mode: one byte per column */
	n = ss_view_endpoint(buf, sizeof(buf), 6, &a, 443, w, true);
	if (w >= 16)
		ck_assert_int_le((int)n, w);
	ck_assert_ptr_null(strstr(buf, "\u2026"));
}
END_TEST

/* A formatted IPv6 row never breaks its columns. */
START_TEST(test_ipv6_row_columns)
{
	struct ss_view_layout lay;
	struct ss_view_line l4, l6;
	struct ss_view_row r4, r6;
	const char *p4, *p6;

	mk_row(&r4, 4, "10.0.0.1", "10.0.0.2");
	mk_row(&r6, 6, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff",
	    "fe80::1234:5678:9abc:def0");
	ss_view_layout(&lay, SS_PANE_TCP, 80, 47);
	ss_view_format_row(&l4, SS_PANE_TCP, &lay, &r4, 0, false);
	ss_view_format_row(&l6, SS_PANE_TCP, &lay, &r6, 0, false);
	ck_assert_int_eq(l4.cols, 80);
	ck_assert_int_eq(l6.cols, 80);
	p4 = strstr(l4.text, "FIN-WAIT-1");
	p6 = strstr(l6.text, "FIN-WAIT-1");
	ck_assert_ptr_nonnull(p4);
	ck_assert_ptr_nonnull(p6);
	/* same column, counted in code points */
	ck_assert_int_eq(ss_view_cols(l4.text, (size_t)(p4 - l4.text)),
	    ss_view_cols(l6.text, (size_t)(p6 - l6.text)));
}
END_TEST

/* ---------------------------------------------------------------- filter */

START_TEST(test_filter)
{
	struct ss_view_filter f;
	struct ss_view_row r, r6;
	char err[128];

	mk_row(&r, 4, "192.168.1.10", "10.1.2.3");
	mk_row(&r6, 6, "2001:db8::1", "2001:db8::2");
#define M(s, row, want) do {						\
	ck_assert_msg(ss_view_filter_parse(&f, s, err, sizeof(err)) == 0,	\
	    "%s: %s", s, err);						\
	ck_assert_msg(ss_view_filter_match(&f, row) == (want), "%s", s);	\
} while (0)
	M("", &r, true);
	M("443", &r, true);
	M("port 443", &r, true);
	M(":51234", &r, true);
	M("port 80", &r, false);
	M("10.1.2.3", &r, true);
	M("host 10.1.2.4", &r, false);
	M("192.168.0.0/16", &r, true);
	M("192.169.0.0/16", &r, false);
	M("10.1.2.3:443", &r, true);
	M("10.1.2.3:80", &r, false);
	M("fin-wait-1", &r, true);
	M("CLOSE_WAIT", &r, true);
	M("estab", &r, false);
	M("closing", &r, true);
	M("opening", &r, false);
	M("!reset", &r, true);
	M("not closing", &r, false);
	M("tcp closing port 443", &r, true);
	M("udp", &r, false);
	M("168.1", &r, true);		/* a fragment of an address */
	M("#42", &r, true);
	M("2001:db8::/32", &r6, true);
	M("2001:db8::/32", &r, false);
	M("[2001:db8::2]:443", &r6, true);
	M("db8:", &r6, true);
#undef M
	ck_assert_int_ne(ss_view_filter_parse(&f, "port x", err, sizeof(err)),
	    0);
	ck_assert_int_ne(ss_view_filter_parse(&f, "host nope", err,
	    sizeof(err)), 0);
	ck_assert_int_ne(ss_view_filter_parse(&f, "port", err, sizeof(err)),
	    0);
	ck_assert_int_ne(ss_view_filter_parse(&f, "10.0.0.0/33", err,
	    sizeof(err)), 0);
}
END_TEST

/* --------------------------------------------------------- model, sorting */

START_TEST(test_sort_topn)
{
	struct ss_view_row rows[8];
	struct fx x;
	size_t n, total, i;

	fx_init(&x, NULL);
	/* connection i sends 100 * ((i * 7) % 20 + 1) bytes */
	for (i = 0; i < 20; i++)
		fx_conn(&x, (uint16_t)(40000 + i),
		    (uint32_t)(100 * ((i * 7) % 20 + 1)));
	ss_view_set_sort(x.v, SS_SORT_ID, false);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(total, 20);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].id, i);
	/* bytes, largest first: 2000, 1900, ... from offset 3 */
	ss_view_set_sort(x.v, SS_SORT_BYTES, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 3, 8, rows, &total);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].bytes[0], 100 * (20 - 3 - i));
	/* the last page is short */
	n = ss_view_page(x.v, SS_PANE_TCP, 16, 8, rows, &total);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(rows[3].bytes[0], 100);
	/* ascending */
	ss_view_set_sort(x.v, SS_SORT_BYTES, false);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 2, rows, &total);
	ck_assert_uint_eq(rows[0].bytes[0], 100);
	ck_assert_uint_eq(rows[1].bytes[0], 200);
	/* age: the oldest has the largest age */
	ss_view_set_sort(x.v, SS_SORT_AGE, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 1, rows, &total);
	ck_assert_uint_eq(rows[0].id, 0);
	/* a filter applies before the selection */
	ck_assert_int_eq(ss_view_set_filter(x.v, "port 40005", NULL, 0), 0);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(total, 1);
	ck_assert_uint_eq(rows[0].port[0], 40005);
	fx_free(&x);
}
END_TEST

START_TEST(test_udp_pane)
{
	struct ss_view_row rows[4];
	struct fx x;
	size_t n, total;

	fx_init(&x, NULL);
	fx_udp(&x, 5000, true, 30);
	fx_udp(&x, 5000, false, 90);
	fx_udp(&x, 5001, true, 30);
	n = ss_view_page(x.v, SS_PANE_UDP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rows[0].state[0], SS_UDP_REPLIED);
	ck_assert_uint_eq(rows[0].phase, SS_PH_ESTABLISHED);
	ck_assert_uint_eq(rows[1].phase, SS_PH_OPENING);
	ck_assert_uint_eq(rows[0].bytes[1], 90);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(ss_view_set_filter(x.v, "replied", NULL, 0), 0);
	n = ss_view_page(x.v, SS_PANE_UDP, 0, 4, rows, &total);
	ck_assert_uint_eq(total, 1);
	fx_free(&x);
}
END_TEST

/* --------------------------------------------------------- tombs, linger */

START_TEST(test_tombs_linger)
{
	struct ss_view_row rows[4];
	struct fx x;
	size_t n, total;

	fx_init(&x, NULL);
	fx_conn(&x, 40000, 10);
	fx_conn(&x, 40001, 0);
	/* connection 1 is reset: both ends CLOSED at once */
	fx_tcp(&x, 40001, true, "R", 1, 0, 0);
	ck_assert_uint_eq(ss_view_tomb_count(x.v), 1);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rows[1].id, 1);
	ck_assert(rows[1].tomb);
	ck_assert_uint_eq(rows[1].phase, SS_PH_RESET);
	ck_assert(rows[1].highlight);
	ck_assert(!rows[0].tomb);
	/* filters see tombs too */
	ck_assert_int_eq(ss_view_set_filter(x.v, "reset", NULL, 0), 0);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ss_view_set_filter(x.v, "", NULL, 0), 0);
	/* still there just before the linger ends, gone after */
	fake_wall += 3 * SEC - 1;
	ss_view_expire(x.v);
	ck_assert_uint_eq(ss_view_tomb_count(x.v), 1);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 2);
	ck_assert(!rows[1].highlight);
	fake_wall += 2;
	ck_assert(ss_view_expire(x.v));
	ck_assert_uint_eq(ss_view_tomb_count(x.v), 0);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(rows[0].id, 0);
	/* a flow leaving the table (end of input) leaves a tomb */
	ss_engine_finish(x.e);
	ck_assert_uint_eq(ss_view_tomb_count(x.v), 1);
	fx_free(&x);
}
END_TEST

/* More tombs than the store holds: the oldest go early, memory is fixed. */
START_TEST(test_tombs_bounded)
{
	struct ss_view_opts o;
	struct ss_view_row rows[4];
	struct fx x;
	size_t mem, total, i;

	memset(&o, 0, sizeof(o));
	o.tomb_cap = 8;
	fx_init(&x, &o);
	mem = ss_view_memory(x.v);
	for (i = 0; i < 50; i++) {
		fx_tcp(&x, (uint16_t)(30000 + i), true, "S", 0, 0, 0);
		fx_tcp(&x, (uint16_t)(30000 + i), false, "RA", 0, 1, 0);
	}
	ck_assert_uint_eq(ss_view_tomb_count(x.v), 8);
	ss_view_page(x.v, SS_PANE_TCP, 0, 4, rows, &total);
	ck_assert_uint_eq(total, 8);
	ck_assert_uint_eq(rows[0].id, 42);	/* the newest eight */
	ck_assert_uint_le(ss_view_memory(x.v), mem + 64 * sizeof(rows[0]));
	fx_free(&x);
}
END_TEST

/* ---------------------------------------------------- incremental order */

/* The connection of client port 20000 + i sends 1 + (i * 37) % 1000 bytes. */
static void
fx_many(struct fx *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fx_conn(x, (uint16_t)(20000 + i),
		    (uint32_t)(1 + (i * 37) % 1000));
}

/* A pass over a large table is spread over calls and converges. */
START_TEST(test_scan_incremental)
{
	struct ss_view_opts o;
	struct ss_view_row rows[8], conv[8];
	struct fx x;
	size_t n, total, i, calls;

	memset(&o, 0, sizeof(o));
	o.scan_step = 100;
	fx_init(&x, &o);
	fx_many(&x, 1000);
	/* a new sort selects at once, over the whole table */
	ss_view_set_sort(x.v, SS_SORT_BYTES, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(total, 1000);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_ge(ss_view_scanned(x.v), 1000);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].bytes[0], 1000 - i);
	/* nothing changed: no pass */
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(ss_view_scanned(x.v), 0);
	/* connection 3 (112 bytes) sends 3000 more: a bounded step per call */
	fx_tcp(&x, 20003, true, "PA", 113, 1, 3000);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_gt(ss_view_scanned(x.v), 0);
	ck_assert_uint_le(ss_view_scanned(x.v), 100);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_ne(rows[0].id, 3);	/* the old order meanwhile */
	ck_assert_uint_eq(rows[0].bytes[0], 1000);
	for (calls = 1; rows[0].id != 3; calls++) {
		ck_assert_uint_le(calls, 12);
		n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
		ck_assert_uint_le(ss_view_scanned(x.v), 100);
	}
	ck_assert_uint_eq(rows[0].bytes[0], 3112);
	memcpy(conv, rows, sizeof(conv));
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(ss_view_scanned(x.v), 0);
	/* the same rows as a selection over the whole table */
	ss_view_set_sort(x.v, SS_SORT_ID, false);
	ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ss_view_set_sort(x.v, SS_SORT_BYTES, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_ge(ss_view_scanned(x.v), 1000);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].id, conv[i].id);
	fx_free(&x);
}
END_TEST

/* A flow that leaves the table leaves the page before the next order. */
START_TEST(test_scan_removed)
{
	struct ss_view_opts o;
	struct ss_view_row rows[8];
	struct ss_flow *f;
	struct fx x;
	size_t n, total, i;
	uint32_t cur = 0;
	uint64_t top;

	memset(&o, 0, sizeof(o));
	o.scan_step = 100;
	fx_init(&x, &o);
	fx_many(&x, 1000);
	ss_view_set_sort(x.v, SS_SORT_BYTES, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(n, 8);
	top = rows[0].id;
	while ((f = ss_flow_iter(x.e->ft, &cur)) != NULL)
		if (f->key.proto == IPPROTO_TCP && f->id == top)
			break;
	ck_assert_ptr_nonnull(f);
	ss_flow_remove(x.e->ft, f, SS_END_EVICTED);
	/* its tomb takes its place while it lingers */
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_le(ss_view_scanned(x.v), 100);
	ck_assert_uint_eq(rows[0].id, top);
	ck_assert(rows[0].tomb);
	/* then it is gone at once, with the pass still under way */
	fake_wall += 4 * SEC;
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_le(ss_view_scanned(x.v), 100);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		ck_assert_uint_ne(rows[i].id, top);
		ck_assert(!rows[i].tomb);
		ck_assert_uint_eq(rows[i].bytes[0], 999 - i);
	}
	fx_free(&x);
}
END_TEST

/* The last page is selected from the end: a small heap, the right rows. */
START_TEST(test_scan_end)
{
	struct ss_view_row rows[8];
	struct fx x;
	size_t n, total, i, mem;

	fx_init(&x, NULL);
	fx_many(&x, 1000);
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(total, 1000);
	mem = ss_view_memory(x.v);
	n = ss_view_page(x.v, SS_PANE_TCP, 992, 8, rows, &total);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].id, 992 + i);
	/* a heap of the whole table would be 1000 candidates */
	ck_assert_uint_le(ss_view_memory(x.v), mem + 16384);
	ss_view_set_sort(x.v, SS_SORT_BYTES, true);
	n = ss_view_page(x.v, SS_PANE_TCP, 995, 8, rows, &total);
	ck_assert_uint_eq(n, 5);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(rows[i].bytes[0], 5 - i);
	/* and back to the top */
	n = ss_view_page(x.v, SS_PANE_TCP, 0, 8, rows, &total);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(rows[0].bytes[0], 1000);
	ck_assert_uint_le(ss_view_memory(x.v), mem + 16384);
	fx_free(&x);
}
END_TEST

/* --------------------------------------------------------------- history */

START_TEST(test_history_bounded)
{
	const struct ss_view_rec *recs;
	struct ss_view_opts o;
	struct ss_view_row row;
	struct ss_view_line *lines;
	struct fx x;
	size_t mem, n, i, nl;
	bool have, gap = false;

	memset(&o, 0, sizeof(o));
	o.ring_cap = 256;
	o.pin_cap = 64;
	fx_init(&x, &o);
	fx_conn(&x, 40000, 0);
	mem = ss_view_memory(x.v);
	/* 5000 data segments: far more than any store */
	for (i = 0; i < 5000; i++)
		fx_tcp(&x, 40000, true, "PA", 1 + (uint32_t)i * 10, 1, 10);
	ck_assert_uint_eq(ss_view_memory(x.v), mem);
	/* opening it later: the handshake from the first store, then the ring */
	ss_view_pin(x.v, IPPROTO_TCP, 0);
	n = ss_view_history(x.v, &recs, &row, &have);
	ck_assert(have);
	ck_assert_uint_le(n, 64);
	ck_assert_uint_eq(recs[0].flags, SS_TH_SYN);
	ck_assert_uint_eq(recs[0].pktno, 1);
	ck_assert_uint_eq(recs[1].pktno, 2);
	ck_assert_uint_eq(recs[n - 1].pktno, 5003);
	/* more packets once pinned: the store stays bounded */
	for (i = 0; i < 1000; i++)
		fx_tcp(&x, 40000, false, "A", 1, 1 + (uint32_t)i, 0);
	n = ss_view_history(x.v, &recs, &row, &have);
	ck_assert_uint_le(n, 64);
	ck_assert_uint_gt(ss_view_history_lost(x.v), 0);
	ck_assert_uint_eq(recs[0].pktno, 1);
	ck_assert_uint_eq(recs[n - 1].pktno, 6003);
	ck_assert_uint_le(ss_view_memory(x.v), mem + 128 * sizeof(*recs));
	/* the ladder says what was not kept */
	nl = ss_view_ladder(&row, have, recs, n, ss_view_history_lost(x.v), 80,
	    true, 0, NULL, 0);
	lines = calloc(nl, sizeof(*lines));
	ck_assert_ptr_nonnull(lines);
	ss_view_ladder(&row, have, recs, n, ss_view_history_lost(x.v), 80,
	    true, 0, lines, nl);
	for (i = 0; i < nl; i++)
		if (strstr(lines[i].text, "packets not kept") != NULL)
			gap = true;
	ck_assert(gap);
	free(lines);
	fx_free(&x);
}
END_TEST

/* ---------------------------------------------------------------- ladder */

/* Find a line containing s; its index or -1. */
static int
find_line(struct ss_view_line *l, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(l[i].text, s) != NULL)
			return (int)i;
	return -1;
}

START_TEST(test_ladder)
{
	const struct ss_view_rec *recs;
	struct ss_view_opts o;
	struct ss_view_row row;
	struct ss_view_line *lines;
	struct fx x;
	size_t n, nl, i, part;
	bool have, ascii = _i == 0;
	int w = 80, syn, synack, fin;

	memset(&o, 0, sizeof(o));
	o.pin_from_start = true;
	o.pin_id = 0;
	fx_init(&x, &o);
	fx_conn(&x, 40000, 100);
	fx_tcp(&x, 40000, true, "FA", 101, 1, 0);
	fx_tcp(&x, 40000, false, "FA", 1, 102, 0);
	fx_tcp(&x, 40000, true, "A", 102, 2, 0);
	n = ss_view_history(x.v, &recs, &row, &have);
	ck_assert(have);
	ck_assert_uint_eq(n, 8);
	nl = ss_view_ladder(&row, have, recs, n, 0, w, ascii, 0, NULL, 0);
	lines = calloc(nl, sizeof(*lines));
	ck_assert_ptr_nonnull(lines);
	ck_assert_uint_eq(ss_view_ladder(&row, have, recs, n, 0, w, ascii, 0,
	    lines, nl), nl);
	for (i = 0; i < nl; i++) {
		ck_assert_int_eq(lines[i].cols, w);
		if (ascii)
			ck_assert_uint_eq(lines[i].len, (size_t)w);
	}
	ck_assert_int_ge(find_line(lines, nl, "TCP connection 0: 10.0.0.1:40000"),
	    0);
	ck_assert_int_ge(find_line(lines, nl, "handshake: SYN"), 0);
	syn = find_line(lines, nl, "[S] seq 0 win 1000");
	synack = find_line(lines, nl, "[S.] seq 0 ack 1 win 1000");
	fin = find_line(lines, nl, "[F.] seq 101 ack 1 win 1000");
	ck_assert_int_ge(syn, 0);
	ck_assert_int_gt(synack, syn);
	ck_assert_int_gt(fin, synack);
	ck_assert_int_ge(find_line(lines, nl, "len 100"), 0);
	/* left to right and right to left, states on their sides */
	if (ascii) {
		ck_assert_ptr_nonnull(strstr(lines[syn].text, "SYN-SENT     |-- [S]"));
		ck_assert_ptr_nonnull(strstr(lines[syn].text, "->| CLOSED"));
		ck_assert_ptr_nonnull(strstr(lines[synack].text, "|<---"));
		ck_assert_ptr_nonnull(strstr(lines[synack].text, "--| SYN-RECEIVED"));
		ck_assert_ptr_nonnull(strstr(lines[fin].text, "FIN-WAIT-1"));
		ck_assert_ptr_nonnull(strstr(lines[fin].text, "| CLOSE-WAIT"));
		ck_assert_ptr_nonnull(strstr(lines[syn + 1].text,
		    "| client CLOSED -> SYN-SENT: sent SYN (active open)"));
	} else {
		ck_assert_ptr_nonnull(strstr(lines[syn].text, "\u2500\u25b6\u2502"));
		ck_assert_ptr_nonnull(strstr(lines[synack].text, "\u2502\u25c0\u2500"));
	}
	ck_assert_int_ge(find_line(lines, nl, "got SYN in LISTEN"), 0);
	ck_assert_int_ge(find_line(lines, nl, "LAST-ACK"), 0);
	/* a window of lines is the same as the whole */
	part = ss_view_ladder(&row, have, recs, n, 0, w, ascii, 5, lines, 3);
	ck_assert_uint_eq(part, nl);
	free(lines);
	fx_free(&x);
}
END_TEST

START_TEST(test_ladder_file)
{
	const struct ss_view_rec *recs;
	struct ss_view_opts o;
	struct ss_view_row row;
	struct fx x;
	char *buf = NULL;
	size_t len = 0, n;
	FILE *fp;
	bool have;

	memset(&o, 0, sizeof(o));
	o.pin_from_start = true;
	o.pin_id = 1;
	fx_init(&x, &o);
	fx_conn(&x, 40000, 0);
	fx_tcp(&x, 40001, true, "S", 0, 0, 0);
	fx_tcp(&x, 40001, false, "RA", 0, 1, 0);
	n = ss_view_history(x.v, &recs, &row, &have);
	ck_assert_uint_eq(n, 2);
	fp = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(ss_view_ladder_write(fp, &row, have, recs, n, 0,
	    true), 0);
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(buf, "TCP connection 1: 10.0.0.1:40001"));
	ck_assert_ptr_nonnull(strstr(buf, "phase reset"));
	ck_assert_ptr_nonnull(strstr(buf, "[R.] seq "));
	ck_assert_ptr_nonnull(strstr(buf, "connection refused"));
	/* no trailing blanks, one line per newline */
	ck_assert_ptr_null(strstr(buf, " \n"));
	free(buf);
	fx_free(&x);
}
END_TEST

/* -------------------------------------------------------- keys, screens */

START_TEST(test_keys_and_screen)
{
	static const int sizes[][2] = { { 80, 24 }, { 200, 60 }, { 40, 6 } };
	struct ss_view_status st;
	struct ss_view_line *lines;
	struct ss_view_ui *ui;
	struct fx x;
	int w = sizes[_i][0], h = sizes[_i][1], cur, y, i;
	bool found = false;

	fx_init(&x, NULL);
	for (i = 0; i < 30; i++)
		fx_conn(&x, (uint16_t)(41000 + i), 0);
	fx_udp(&x, 5353, true, 20);
	memset(&st, 0, sizeof(st));
	st.source = "dir/some.pcap";
	st.packets = 91;
	st.speed = 1;
	lines = calloc((size_t)h, sizeof(*lines));
	ck_assert_ptr_nonnull(lines);
	ck_assert_int_eq(ss_view_compose(x.v, &st, w, h, lines, &cur), h);
	ck_assert(!ss_view_dirty(x.v));
	for (y = 0; y < h; y++)
		ck_assert_int_eq(lines[y].cols, w);
	ck_assert_ptr_nonnull(strstr(lines[0].text, "some.pcap | pkt 91"));
	ck_assert_int_eq(cur, -1);
	ui = ss_view_ui(x.v);
	/* moving: End selects the last, the page follows */
	ss_view_key(x.v, SS_KEY_END);
	ss_view_compose(x.v, &st, w, h, lines, &cur);
	if (ui->rows[SS_PANE_TCP] > 0) {
		ck_assert_uint_eq(ui->sel[SS_PANE_TCP], 29);
		ck_assert(ui->have_selected[SS_PANE_TCP]);
		ck_assert_uint_eq(ui->selected[SS_PANE_TCP].id, 29);
		for (y = 0; y < h; y++)
			if (lines[y].role == SS_ROLE_SELECTED &&
			    strstr(lines[y].text, ":41029 ") != NULL)
				found = true;
		ck_assert(found);
	}
	ss_view_key(x.v, SS_KEY_HOME);
	ss_view_key(x.v, SS_KEY_DOWN);
	ss_view_compose(x.v, &st, w, h, lines, &cur);
	if (ui->rows[SS_PANE_TCP] > 1)
		ck_assert_uint_eq(ui->selected[SS_PANE_TCP].id, 1);
	/* Enter opens the ladder, Esc goes back */
	ss_view_key(x.v, SS_KEY_ENTER);
	ck_assert_int_eq(ui->mode, SS_MODE_DETAIL);
	ss_view_compose(x.v, &st, w, h, lines, &cur);
	if (h > 3)
		ck_assert_ptr_nonnull(strstr(lines[1].text, "TCP connection"));
	ck_assert_int_eq(ss_view_key(x.v, 'w'), SS_ACT_WRITE);
	ss_view_key(x.v, SS_KEY_ESC);
	ck_assert_int_eq(ui->mode, SS_MODE_LIST);
	/* the filter prompt: typed text filters at once, Esc restores */
	ss_view_key(x.v, '/');
	ss_view_key(x.v, '4');
	ss_view_key(x.v, '1');
	ss_view_key(x.v, '0');
	ss_view_key(x.v, '0');
	ss_view_key(x.v, '3');
	ss_view_compose(x.v, &st, w, h, lines, &cur);
	ck_assert_int_gt(cur, 0);
	ck_assert_ptr_nonnull(strstr(lines[h - 1].text, "filter: 41003"));
	ck_assert_uint_eq(ui->total[SS_PANE_TCP], ui->rows[SS_PANE_TCP] > 0 ?
	    1 : ui->total[SS_PANE_TCP]);
	ss_view_key(x.v, SS_KEY_ESC);
	ck_assert_str_eq(ss_view_filter_text(x.v), "");
	/* sort keys cycle; actions go up */
	ss_view_key(x.v, 's');
	ck_assert_int_eq(ui->sort, SS_SORT_STATE);
	ss_view_key(x.v, 'S');
	ck_assert(ui->desc);
	ck_assert_int_eq(ss_view_key(x.v, ' '), SS_ACT_PAUSE);
	ck_assert_int_eq(ss_view_key(x.v, 'n'), SS_ACT_STEP);
	ck_assert_int_eq(ss_view_key(x.v, 'N'), SS_ACT_STEP_STATE);
	ck_assert_int_eq(ss_view_key(x.v, '+'), SS_ACT_FASTER);
	ck_assert_int_eq(ss_view_key(x.v, '-'), SS_ACT_SLOWER);
	ss_view_key(x.v, '?');
	ck_assert_int_eq(ui->mode, SS_MODE_HELP);
	ss_view_key(x.v, 'x');
	ck_assert_int_eq(ui->mode, SS_MODE_LIST);
	ck_assert_int_eq(ss_view_key(x.v, 'q'), SS_ACT_QUIT);
	free(lines);
	fx_free(&x);
}
END_TEST

/* A suite of its own for the view. */
Suite *
make_view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_row_format, 0, 4);
	tcase_add_test(tc, test_small_formats);
	tcase_add_loop_test(tc, test_ipv6_shorten, 0, 40);
	tcase_add_test(tc, test_ipv6_row_columns);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_add_test(tc, test_filter);
	tcase_add_test(tc, test_sort_topn);
	tcase_add_test(tc, test_udp_pane);
	tcase_add_test(tc, test_tombs_linger);
	tcase_add_test(tc, test_tombs_bounded);
	tcase_add_test(tc, test_history_bounded);
	tcase_add_test(tc, test_scan_incremental);
	tcase_add_test(tc, test_scan_removed);
	tcase_add_test(tc, test_scan_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("ladder");
	tcase_add_loop_test(tc, test_ladder, 0, 2);
	tcase_add_test(tc, test_ladder_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("screen");
	tcase_add_loop_test(tc, test_keys_and_screen, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
