/*
 * check_engine.c - the TCP state engine, table-driven: each scenario is a
 * list of segments with the states both endpoints must be in after each
 * one, and the final conn_state and history.  Every scenario runs over
 * IPv4 and IPv6, with ordinary initial sequence numbers and with ones
 * that wrap around 2^32 during the connection.
 */
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "frames.h"
#include "synscope/capture.h"
#include "synscope/engine.h"
#include "synscope/output.h"
#include "synscope/tcp.h"
#include "synscope/zeek.h"

#define MAX_STEPS 16

struct step {
	char		 dir;		/* 'c' client to server, 's' back */
	const char	*flags;		/* S A F R P U E W, "" for none */
	uint32_t	 seq;		/* relative to the sender's ISN */
	uint32_t	 ack;		/* relative to the receiver's ISN */
	uint32_t	 len;
	int		 orig;		/* expected states after it; -1: any */
	int		 resp;
	uint32_t	 dt_ms;		/* time since the previous step; 0: 1 ms */
	uint16_t	 win;		/* 0: 64000 */
};

struct scenario {
	const char	*name;
	struct step	 steps[MAX_STEPS];
	const char	*conn_state;	/* of the last connection; NULL: unchecked */
	const char	*history;
	uint32_t	 anomalies;	/* vocabulary words expected (bit set) */
	int		 conns;		/* connections created (0: 1) */
	uint32_t	 dups;		/* duplicate frames expected */
};

#define A(x)	(1u << SS_AN_##x)
#define CLOSED	SS_TCP_CLOSED
#define LISTEN	SS_TCP_LISTEN
#define SYNSENT	SS_TCP_SYN_SENT
#define SYNRCVD	SS_TCP_SYN_RECEIVED
#define ESTAB	SS_TCP_ESTABLISHED
#define FW1	SS_TCP_FIN_WAIT_1
#define FW2	SS_TCP_FIN_WAIT_2
#define CWAIT	SS_TCP_CLOSE_WAIT
#define CLOSING	SS_TCP_CLOSING
#define LASTACK	SS_TCP_LAST_ACK
#define TWAIT	SS_TCP_TIME_WAIT
#define ANY	(-1)

static const struct scenario scenarios[] = {
	{ "close-client-first", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "PA", 1, 1, 100, ESTAB, ESTAB },
		{ 's', "A", 1, 101, 0, ESTAB, ESTAB },
		{ 's', "PA", 1, 101, 200, ESTAB, ESTAB },
		{ 'c', "A", 101, 201, 0, ESTAB, ESTAB },
		{ 'c', "FA", 101, 201, 0, FW1, CWAIT },
		{ 's', "A", 201, 102, 0, FW2, CWAIT },
		{ 's', "FA", 201, 102, 0, TWAIT, LASTACK },
		{ 'c', "A", 102, 202, 0, TWAIT, CLOSED },
	}, "SF", "ShADadFf", 0, 0 },
	{ "close-server-first", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 's', "FA", 1, 1, 0, CWAIT, FW1 },
		{ 'c', "A", 1, 2, 0, CWAIT, FW2 },
		{ 'c', "FA", 1, 2, 0, LASTACK, TWAIT },
		{ 's', "A", 2, 2, 0, CLOSED, TWAIT },
	}, "SF", "ShAfFa", 0, 0 },
	{ "close-combined-fin-ack", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 's', "FA", 1, 2, 0, TWAIT, LASTACK },
		{ 'c', "A", 2, 2, 0, TWAIT, CLOSED },
	}, "SF", "ShAFf", 0, 0 },
	{ "half-close", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 's', "A", 1, 2, 0, FW2, CWAIT },
		{ 's', "PA", 1, 2, 500, FW2, CWAIT },
		{ 'c', "A", 2, 501, 0, FW2, CWAIT },
		{ 's', "PA", 501, 2, 500, FW2, CWAIT },
		{ 'c', "A", 2, 1001, 0, FW2, CWAIT },
		{ 's', "FA", 1001, 2, 0, TWAIT, LASTACK },
		{ 'c', "A", 2, 1002, 0, TWAIT, CLOSED },
	}, "SF", NULL, 0, 0 },
	{ "simultaneous-open", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "S", 0, 0, 0, SYNRCVD, SYNRCVD },
		{ 'c', "SA", 0, 1, 0, SYNRCVD, ESTAB },
		{ 's', "SA", 0, 1, 0, ESTAB, ESTAB },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
	}, NULL, NULL, 0, 0 },
	{ "simultaneous-close", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		/* the server's FIN does not ack the client's: they crossed */
		{ 's', "FA", 1, 1, 0, CLOSING, CLOSING },
		{ 'c', "A", 2, 2, 0, CLOSING, TWAIT },
		{ 's', "A", 2, 2, 0, TWAIT, TWAIT },
	}, "SF", NULL, 0, 0 },
	{ "syn-retransmission", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED, 1000 },
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED, 2000 },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD, 1000 },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
	}, "S1", NULL, 0, 1 },
	{ "syn-unanswered", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED, 1000 },
	}, "S0", "S", 0, 0 },
	{ "refused", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "RA", 0, 1, 0, CLOSED, CLOSED },
	}, "REJ", "Sr", 0, 0 },
	{ "rst-with-bad-ack-in-syn-sent", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "RA", 0, 77, 0, SYNSENT, CLOSED },
	}, NULL, NULL, 0, 0 },
	{ "reset-by-client", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "PA", 1, 1, 10, ESTAB, ESTAB },
		{ 'c', "RA", 11, 1, 0, CLOSED, CLOSED },
	}, "RSTO", NULL, 0, 0 },
	{ "reset-by-server", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 's', "R", 1, 0, 0, CLOSED, CLOSED },
	}, "RSTR", NULL, 0, 0 },
	{ "reset-in-syn-received", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "R", 1, 0, 0, CLOSED, CLOSED },
	}, NULL, NULL, 0, 0 },
	{ "reset-in-close-wait", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 's', "A", 1, 2, 0, FW2, CWAIT },
		{ 's', "RA", 1, 2, 0, CLOSED, CLOSED },
	}, NULL, NULL, 0, 0 },
	{ "rst-after-fin-with-fin-seq", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 'c', "RA", 1, 1, 0, CLOSED, CLOSED },
	}, NULL, NULL, 0, 0 },
	{ "rst-in-window-not-exact", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 's', "R", 1000, 0, 0, ESTAB, ESTAB },
	}, "RSTR", NULL, 0, 0 },
	{ "rst-out-of-window", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 's', "R", 0x40000000, 0, 0, ESTAB, ESTAB },
		{ 'c', "PA", 1, 1, 10, ESTAB, ESTAB },
	}, "RSTR", NULL, A(RST_OUT_OF_WINDOW), 0 },
	{ "rst-in-time-wait", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 's', "FA", 1, 2, 0, TWAIT, LASTACK },
		{ 's', "RA", 2, 2, 0, CLOSED, CLOSED },
	}, NULL, NULL, 0, 0 },
	{ "midstream-data", {
		{ 'c', "PA", 100, 200, 10, ESTAB, ESTAB },
		{ 's', "A", 200, 110, 0, ESTAB, ESTAB },
		{ 's', "FA", 200, 110, 0, CWAIT, FW1 },
		{ 'c', "FA", 110, 201, 0, LASTACK, TWAIT },
		{ 's', "A", 201, 111, 0, CLOSED, TWAIT },
	}, NULL, NULL, 0, 0 },
	{ "synack-first", {
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
	}, NULL, NULL, 0, 0 },
	{ "tcp-fast-open", {
		{ 'c', "S", 0, 0, 100, SYNSENT, CLOSED },
		{ 's', "SA", 0, 101, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 101, 1, 0, ESTAB, ESTAB },
	}, "S1", NULL, 0, 0 },
	{ "syn-in-established", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		/* RFC 5961 §4: answered with a challenge ACK, no change */
		{ 's', "S", 77777, 0, 0, ESTAB, ESTAB },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
	}, NULL, NULL, 0, 0 },
	{ "invalid-flags", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "SF", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FPU", 1, 1, 0, ESTAB, ESTAB },
		{ 's', "SR", 1, 1, 0, ESTAB, ESTAB },
	}, NULL, NULL, A(INVALID_FLAGS), 0 },
	{ "duplicate-frames", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED, 0 },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT, 0 },
	}, NULL, NULL, 0, 0, 2 },
	{ "port-reuse-in-time-wait", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "SA", 0, 1, 0, ESTAB, SYNRCVD },
		{ 'c', "A", 1, 1, 0, ESTAB, ESTAB },
		{ 'c', "FA", 1, 1, 0, FW1, CWAIT },
		{ 's', "FA", 1, 2, 0, TWAIT, LASTACK },
		{ 'c', "A", 2, 2, 0, TWAIT, CLOSED },
		/* a new SYN, further on in sequence space: a new connection */
		{ 'c', "S", 100000, 0, 0, SYNSENT, CLOSED, 5000 },
	}, "S0", "S", A(PORT_REUSE), 2 },
	{ "port-reuse-after-reset", {
		{ 'c', "S", 0, 0, 0, SYNSENT, CLOSED },
		{ 's', "RA", 0, 1, 0, CLOSED, CLOSED },
		{ 'c', "S", 5000, 0, 0, SYNSENT, CLOSED, 1000 },
	}, "S0", "S", A(PORT_REUSE), 2 },
};

#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

/* What the sink saw. */
struct seen {
	int		 orig, resp;		/* states after the last packet */
	uint64_t	 last_id;
	int		 conns;
	char		 conn_state[8];
	char		 history[32];
	uint32_t	 anomalies;
	uint32_t	 dups;
	int		 state_events;
};

/* Sink: states after each packet. */
static void
seen_packet(void *ctx, const struct ss_packet *p, const struct ss_flow *f,
    int side, const struct ss_event *evs, size_t nevs)
{
	struct seen *s = ctx;
	size_t i;

	(void)p;
	(void)side;
	for (i = 0; i < nevs; i++) {
		if (evs[i].type == SS_EV_STATE) {
			s->state_events++;
			/* every reported change starts from the state it left */
			ck_assert_int_ne(evs[i].old_state, evs[i].new_state);
		}
		if (evs[i].type == SS_EV_FLOW_NEW)
			s->conns++;
	}
	if (f == NULL)
		return;
	s->orig = f->u.tcp.dir[0].state;
	s->resp = f->u.tcp.dir[1].state;
	s->last_id = f->id;
}

/* Sink: the record of each connection as it ends. */
static void
seen_event(void *ctx, const struct ss_event *ev)
{
	struct seen *s = ctx;

	if (ev->type != SS_EV_FLOW_END || ev->flow->id != s->last_id)
		return;
	snprintf(s->conn_state, sizeof(s->conn_state), "%s",
	    ss_zeek_conn_state(ev->flow));
	snprintf(s->history, sizeof(s->history), "%s",
	    ss_zeek_history(ev->flow));
	s->anomalies = ev->flow->u.tcp.anomalies;
	s->dups = ev->flow->u.tcp.dup_frames;
}

/* An engine with max_flows slots whose packets and events go to seen. */
static struct ss_engine *
seen_engine(uint32_t max_flows, struct seen *seen)
{
	struct ss_engine_config cfg;
	struct ss_engine *e;
	struct ss_sink sink;

	ss_engine_config_defaults(&cfg);
	cfg.max_flows = max_flows;
	e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	memset(seen, 0, sizeof(*seen));
	memset(&sink, 0, sizeof(sink));
	sink.packet = seen_packet;
	sink.event = seen_event;
	sink.ctx = seen;
	ss_engine_add_sink(e, &sink);
	return e;
}

/* Turn "SA" into flag bits. */
static uint16_t
parse_flags(const char *s)
{
	uint16_t f = 0;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'S': f |= SS_TH_SYN; break;
		case 'A': f |= SS_TH_ACK; break;
		case 'F': f |= SS_TH_FIN; break;
		case 'R': f |= SS_TH_RST; break;
		case 'P': f |= SS_TH_PUSH; break;
		case 'U': f |= SS_TH_URG; break;
		case 'E': f |= SS_TH_ECE; break;
		case 'W': f |= SS_TH_CWR; break;
		default: ck_abort_msg("bad flag %c", *s);
		}
	}
	return f;
}

/* Variants: _i bit 0 = IPv6, bit 1 = wrapping sequence numbers. */
static void
run_scenario(const struct scenario *sc, int variant)
{
	static const char *st[] = { "CLOSED", "LISTEN", "SYN-SENT",
	    "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
	    "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT" };
	bool v6 = variant & 1, wrap = variant & 2;
	uint32_t isn_c = wrap ? 0xffffff00u : 1000, isn_s = wrap ? 0xfffffff0u :
	    500000;
	struct ss_engine *e;
	struct seen seen;
	uint8_t buf[2048];
	uint64_t t = 1000000000000ULL;
	size_t i, n;

	e = seen_engine(64, &seen);

	for (i = 0; i < MAX_STEPS && sc->steps[i].dir != 0; i++) {
		const struct step *s = &sc->steps[i];
		bool c2s = s->dir == 'c';
		struct tf_pkt tp;

		memset(&tp, 0, sizeof(tp));
		tp.src = c2s ? (v6 ? "2001:db8::1" : "10.0.0.1") :
		    (v6 ? "2001:db8::2" : "10.0.0.2");
		tp.dst = c2s ? (v6 ? "2001:db8::2" : "10.0.0.2") :
		    (v6 ? "2001:db8::1" : "10.0.0.1");
		tp.proto = IPPROTO_TCP;
		tp.sport = c2s ? 40000 : 80;
		tp.dport = c2s ? 80 : 40000;
		tp.flags = parse_flags(s->flags);
		tp.seq = (c2s ? isn_c : isn_s) + s->seq;
		tp.ack = (tp.flags & SS_TH_ACK) ? (c2s ? isn_s : isn_c) + s->ack :
		    0;
		tp.win = s->win != 0 ? s->win : 64000;
		tp.paylen = s->len;
		n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
		ck_assert_uint_gt(n, 0);
		t += (uint64_t)(s->dt_ms != 0 || i == 0 ? s->dt_ms : 1) * 1000000;
		if (i > 0 && s->dt_ms == 0 && sc->steps[i - 1].dir == s->dir &&
		    strcmp(sc->steps[i - 1].flags, s->flags) == 0 &&
		    sc->steps[i - 1].seq == s->seq && s->len == 0)
			t -= 1000000;	/* a duplicate frame: same time */
		ss_engine_frame(e, DLT_EN10MB, t, buf, (uint32_t)n, (uint32_t)n);
		if (s->orig >= 0)
			ck_assert_msg(seen.orig == s->orig,
			    "%s step %zu: client is %s, expected %s", sc->name,
			    i, st[seen.orig], st[s->orig]);
		if (s->resp >= 0)
			ck_assert_msg(seen.resp == s->resp,
			    "%s step %zu: server is %s, expected %s", sc->name,
			    i, st[seen.resp], st[s->resp]);
	}
	ss_engine_finish(e);
	ck_assert_int_eq(seen.conns, sc->conns != 0 ? sc->conns : 1);
	if (sc->conn_state != NULL)
		ck_assert_str_eq(seen.conn_state, sc->conn_state);
	if (sc->history != NULL)
		ck_assert_str_eq(seen.history, sc->history);
	ck_assert_uint_eq(seen.dups, sc->dups);
	ck_assert_msg((seen.anomalies & sc->anomalies) == sc->anomalies,
	    "%s: anomalies 0x%x lack 0x%x", sc->name, seen.anomalies,
	    sc->anomalies);
	ss_engine_free(e);
}

START_TEST(test_scenario)
{
	run_scenario(&scenarios[_i / 4], _i % 4);
}
END_TEST

/* TIME-WAIT ends after 2MSL of packet time, then the record is written. */
START_TEST(test_time_wait_expiry)
{
	static const struct step close[] = {
		{ 'c', "S", 0, 0, 0, 0, 0, 0, 0 }, { 's', "SA", 0, 1, 0, 0, 0, 0, 0 },
		{ 'c', "A", 1, 1, 0, 0, 0, 0, 0 }, { 'c', "FA", 1, 1, 0, 0, 0, 0, 0 },
		{ 's', "FA", 1, 2, 0, 0, 0, 0, 0 }, { 'c', "A", 2, 2, 0, 0, 0, 0, 0 },
	};
	struct ss_engine_config cfg;
	struct ss_engine *e;
	struct ss_sink sink;
	struct seen seen;
	uint8_t buf[256];
	uint64_t t = 5000000000ULL;
	size_t i, n;

	ss_engine_config_defaults(&cfg);
	cfg.time_wait_ns = 30ULL * 1000000000ULL;
	e = ss_engine_new(&cfg);
	memset(&seen, 0, sizeof(seen));
	memset(&sink, 0, sizeof(sink));
	sink.packet = seen_packet;
	sink.event = seen_event;
	sink.ctx = &seen;
	ss_engine_add_sink(e, &sink);
	for (i = 0; i < 6; i++) {
		struct tf_pkt tp;
		bool c2s = close[i].dir == 'c';

		memset(&tp, 0, sizeof(tp));
		tp.src = c2s ? "10.0.0.1" : "10.0.0.2";
		tp.dst = c2s ? "10.0.0.2" : "10.0.0.1";
		tp.proto = IPPROTO_TCP;
		tp.sport = c2s ? 1234 : 80;
		tp.dport = c2s ? 80 : 1234;
		tp.flags = parse_flags(close[i].flags);
		tp.seq = (c2s ? 100 : 900) + close[i].seq;
		tp.ack = (c2s ? 900 : 100) + close[i].ack;
		tp.win = 1000;
		n = tf_frame(buf, sizeof(buf), DLT_RAW, &tp);
		t += 1000000;
		ss_engine_frame(e, DLT_RAW, t, buf, (uint32_t)n, (uint32_t)n);
	}
	ck_assert_int_eq(seen.orig, SS_TCP_TIME_WAIT);
	ss_engine_advance(e, t + 29ULL * 1000000000ULL);
	ck_assert_str_eq(seen.conn_state, "");		/* not yet */
	ss_engine_advance(e, t + 31ULL * 1000000000ULL);
	ck_assert_str_eq(seen.conn_state, "SF");	/* written */
	ss_engine_free(e);
}
END_TEST

/* State names: RFC spellings, ss(8) spellings, any case, '_' for '-'. */
START_TEST(test_state_names)
{
	ck_assert_str_eq(ss_tcp_state_name(SS_TCP_SYN_RECEIVED), "SYN-RECEIVED");
	ck_assert_str_eq(ss_tcp_state_ss_name(SS_TCP_SYN_RECEIVED), "SYN-RECV");
	ck_assert_str_eq(ss_tcp_state_ss_name(SS_TCP_ESTABLISHED), "ESTAB");
	ck_assert_int_eq(ss_tcp_state_parse("ESTAB"), SS_TCP_ESTABLISHED);
	ck_assert_int_eq(ss_tcp_state_parse("established"), SS_TCP_ESTABLISHED);
	ck_assert_int_eq(ss_tcp_state_parse("syn_recv"), SS_TCP_SYN_RECEIVED);
	ck_assert_int_eq(ss_tcp_state_parse("TIME-WAIT"), SS_TCP_TIME_WAIT);
	ck_assert_int_eq(ss_tcp_state_parse("fin-wait-2"), SS_TCP_FIN_WAIT_2);
	ck_assert_int_eq(ss_tcp_state_parse("nonsense"), -1);
	ck_assert_int_eq(ss_tcp_state_parse(""), -1);
}
END_TEST

/*
 * The probe that decides whether a file is read with two threads: it
 * ends (a hang would hit Check's timeout) and gives a round trip inside
 * its own 20 ms limit, or UINT64_MAX; never 0.
 */
START_TEST(test_cpu_round_trip)
{
	uint64_t ns = ss_cpu_round_trip_ns();

	ck_assert_uint_gt(ns, 0);
	if (ns != UINT64_MAX)
		ck_assert_uint_lt(ns, 20000000);
}
END_TEST

/*
 * With one CPU to run on, the answering thread gets no CPU while the
 * prober spins: the probe gives up (one thread reads and tracks then),
 * and it does not hang.
 */
START_TEST(test_cpu_round_trip_one_cpu)
{
	cpu_set_t all, one;
	int cpu;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	for (cpu = 0; !CPU_ISSET(cpu, &all); cpu++)
		continue;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	ck_assert_uint_eq(ss_cpu_round_trip_ns(), UINT64_MAX);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(all), &all), 0);
}
END_TEST

struct leaver {
	int		 from, after;
	cpu_set_t	 mask;
};

static void *
leaver_main(void *arg)
{
	struct leaver *lv = arg;

	lv->from = sched_getcpu();
	ss_leave_cpu(lv->from);
	lv->after = sched_getcpu();
	(void)pthread_getaffinity_np(pthread_self(), sizeof(lv->mask),
	    &lv->mask);
	return NULL;
}

/*
 * A thread leaving its CPU runs on another one at once, and its CPU mask
 * is the one it had (taskset's is kept), as is the mask of a thread told
 * to leave a CPU it may not be on.
 */
START_TEST(test_leave_cpu)
{
	struct leaver lv;
	cpu_set_t all;
	pthread_t t;
	int before;

	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	if (CPU_COUNT(&all) < 2)
		return;		/* no other CPU to go to */
	memset(&lv, 0, sizeof(lv));
	ck_assert_int_eq(pthread_create(&t, NULL, leaver_main, &lv), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_ge(lv.from, 0);
	ck_assert_int_ne(lv.after, lv.from);
	ck_assert(CPU_ISSET(lv.after, &all));
	ck_assert(CPU_EQUAL(&lv.mask, &all));
	before = sched_getcpu();
	ss_leave_cpu(before == 0 ? 1 : 0);
	ck_assert(CPU_ISSET(sched_getcpu(), &all));
	ck_assert_int_eq(sched_getaffinity(0, sizeof(lv.mask), &lv.mask), 0);
	ck_assert(CPU_EQUAL(&lv.mask, &all));
}
END_TEST

/* A frame of one TCP segment from 10.9.0.<host>:<port> to 10.9.9.9:80. */
static void
cap_frame(struct ss_engine *e, uint64_t t, int host, const char *flags)
{
	char src[32];
	uint8_t buf[256];
	struct tf_pkt tp;
	size_t n;

	snprintf(src, sizeof(src), "10.9.0.%d", host);
	memset(&tp, 0, sizeof(tp));
	tp.src = src;
	tp.dst = "10.9.9.9";
	tp.proto = IPPROTO_TCP;
	tp.sport = (uint16_t)(40000 + host);
	tp.dport = 80;
	tp.flags = parse_flags(flags);
	tp.seq = 1000;
	tp.ack = (tp.flags & SS_TH_ACK) ? 5000 : 0;
	tp.win = 64000;
	n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
	ck_assert_uint_gt(n, 0);
	ss_engine_frame(e, DLT_EN10MB, t, buf, (uint32_t)n, (uint32_t)n);
}

/*
 * Half-open connections hold at most an eighth of the table (2 of 16):
 * a third bare SYN evicts the oldest attempt although the table is far
 * from full; flows first seen mid-stream or from a SYN-ACK are not
 * connection attempts and evict nothing.
 */
START_TEST(test_halfopen_cap)
{
	struct ss_engine *e;
	struct seen seen;
	uint64_t t = 1000000000000ULL;

	e = seen_engine(16, &seen);

	cap_frame(e, t += 1000, 1, "S");	/* attempts 0 and 1 */
	cap_frame(e, t += 1000, 2, "S");
	ck_assert_uint_eq(ss_flow_class_count(e->ft, SS_FC_TCP_HALFOPEN), 2);
	cap_frame(e, t += 1000, 3, "A");	/* mid-stream: not an attempt */
	cap_frame(e, t += 1000, 4, "SA");	/* a SYN-ACK: not an attempt */
	ck_assert_uint_eq(ss_flow_class_count(e->ft, SS_FC_TCP_HALFOPEN), 2);
	ck_assert_uint_eq(ss_flow_class_count(e->ft, SS_FC_TCP_OPEN), 2);
	ck_assert_uint_eq(e->stats.evictions, 0);
	ck_assert_uint_eq(ss_flow_count(e->ft), 4);
	seen.last_id = 0;			/* watch attempt 0's record */
	cap_frame(e, t += 1000, 5, "S");	/* a third attempt: 0 goes */
	ck_assert_uint_eq(e->stats.evictions, 1);
	ck_assert_uint_eq(ss_flow_count(e->ft), 4);
	ck_assert_str_eq(seen.conn_state, "S0");
	ck_assert_str_eq(seen.history, "S");
	ss_engine_finish(e);
	ck_assert_int_eq(seen.conns, 5);
	ss_engine_free(e);
}
END_TEST

/* An engine of max_flows flows writing conn (or Zeek) records into w. */
static struct ss_engine *
records_engine(uint32_t max_flows, bool tsv, struct ss_wbuf *w,
    struct ss_sink *conn)
{
	struct ss_engine_config cfg;
	struct ss_output_opts oo;
	struct ss_engine *e;

	ss_engine_config_defaults(&cfg);
	cfg.max_flows = max_flows;
	e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	memset(&oo, 0, sizeof(oo));
	ck_assert_int_eq(wbuf_init(w, -1, 4096), 0);
	ck_assert_int_eq(ss_output_sink(tsv ? SS_FMT_ZEEK : SS_FMT_CONN, w,
	    &oo, conn), 0);
	ss_engine_add_sink(e, conn);
	return e;
}

/* End records_engine()'s input and free it: the records written. */
static char *
records_end(struct ss_engine *e, struct ss_wbuf *w, struct ss_sink *conn)
{
	char *out;

	ss_engine_finish(e);
	out = strdup(wbuf_cstr(w));
	ck_assert_ptr_nonnull(out);
	ss_output_free(conn);
	wbuf_free(w);
	ss_engine_free(e);
	return out;
}

/* The state changes among the events of the engine's last frame. */
static int
state_events(const struct ss_engine *e)
{
	size_t i;
	int n = 0;

	for (i = 0; i < e->nevs; i++)
		n += e->evs[i].type == SS_EV_STATE;
	return n;
}

/*
 * A frame's events are made only when someone reads them: a sink's
 * packet(), or the caller, once it said so (ss_engine_keep_events, as the
 * loop that steps to the next state change).  A verifying build makes
 * them always, to compare the predicted paths' with the full ones'.  The
 * records are the same either way.
 */
START_TEST(test_events_when_read)
{
	struct ss_engine *e;
	struct ss_wbuf w;
	struct ss_sink conn;
	struct seen seen;
	const uint64_t t0 = 1000000000000ULL;
	char *quiet, *kept;
	bool verify = false;

#ifdef SS_VERIFY_PREDICTION
	verify = true;
#endif
	/* connection records alone: no events */
	e = records_engine(64, false, &w, &conn);
	cap_frame(e, t0 + 1000, 1, "S");
	ck_assert_uint_eq(e->nevs, verify ? 2 : 0);
	cap_frame(e, t0 + 2000, 1, "R");
	ck_assert_int_eq(state_events(e), verify ? 1 : 0);
	quiet = records_end(e, &w, &conn);

	/* ... and with the caller reading them */
	e = records_engine(64, false, &w, &conn);
	ss_engine_keep_events(e);
	cap_frame(e, t0 + 1000, 1, "S");
	ck_assert_uint_eq(e->nevs, 2);		/* new flow, SYN-SENT */
	ck_assert_int_eq(e->evs[0].type, SS_EV_FLOW_NEW);
	ck_assert_int_eq(state_events(e), 1);
	cap_frame(e, t0 + 2000, 1, "R");
	ck_assert_int_eq(state_events(e), 1);	/* CLOSED */
	kept = records_end(e, &w, &conn);

	/* the same record either way */
	ck_assert_ptr_nonnull(strstr(quiet, "\"orig_state\":\"CLOSED\""));
	ck_assert_str_eq(quiet, kept);
	free(quiet);
	free(kept);

	/* a sink taking each frame's events gets them */
	e = seen_engine(64, &seen);
	cap_frame(e, t0 + 1000, 1, "S");
	ck_assert_uint_eq(e->nevs, 2);
	ck_assert_int_eq(seen.state_events, 1);
	ck_assert_int_eq(seen.conns, 1);
	ss_engine_finish(e);
	ss_engine_free(e);
}
END_TEST

/*
 * One frame of connection attempt <host>: 10.8.0.<host>:<30000 + host>
 * to 10.8.255.1:443, from the client or (c2s false) the server; odd hosts'
 * SYNs carry Linux's options (MSS, SACK permitted, timestamps, scale 7).
 */
static void
heads_frame(struct ss_engine *e, uint64_t t, int host, bool c2s,
    const char *flags, uint32_t seq, uint32_t ack, uint32_t paylen)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
	    0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7 };
	char client[32];
	uint8_t buf[512];
	struct tf_pkt tp;
	size_t n;

	snprintf(client, sizeof(client), "10.8.0.%d", host);
	memset(&tp, 0, sizeof(tp));
	tp.src = c2s ? client : "10.8.255.1";
	tp.dst = c2s ? "10.8.255.1" : client;
	tp.proto = IPPROTO_TCP;
	tp.sport = c2s ? (uint16_t)(30000 + host) : 443;
	tp.dport = c2s ? 443 : (uint16_t)(30000 + host);
	tp.flags = parse_flags(flags);
	tp.seq = seq;
	tp.ack = ack;
	tp.win = (uint16_t)(29200 + host);
	tp.paylen = paylen;
	if ((tp.flags & SS_TH_SYN) && (host & 1)) {
		tp.tcpopt = syn_opts;
		tp.tcpoptlen = sizeof(syn_opts);
	}
	n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
	ck_assert_uint_gt(n, 0);
	ss_engine_frame(e, DLT_EN10MB, t, buf, (uint32_t)n, (uint32_t)n);
}

/* An ICMP port unreachable from the server quoting <host>'s SYN. */
static void
heads_icmp(struct ss_engine *e, uint64_t t, int host, uint32_t seq)
{
	char client[32];
	uint8_t buf[256];
	struct tf_pkt tp;
	size_t n;

	snprintf(client, sizeof(client), "10.8.0.%d", host);
	memset(&tp, 0, sizeof(tp));
	tp.src = "10.8.255.1";
	tp.dst = client;
	tp.proto = IPPROTO_ICMP;
	tp.icmp_type = 3;
	tp.icmp_code = 3;
	tp.inner_proto = IPPROTO_TCP;
	tp.sport = (uint16_t)(30000 + host);
	tp.dport = 443;
	tp.seq = seq;
	n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
	ck_assert_uint_gt(n, 0);
	ss_engine_frame(e, DLT_EN10MB, t, buf, (uint32_t)n, (uint32_t)n);
}

/* Sink: reads each packet's flow, as the view and the events do. */
static void
heads_packet(void *ctx, const struct ss_packet *p, const struct ss_flow *f,
    int side, const struct ss_event *evs, size_t nevs)
{
	(void)ctx;
	(void)p;
	(void)side;
	(void)evs;
	(void)nevs;
	if (f != NULL) {
		ck_assert_int_eq(f->lazy, 0);
		if (f->key.proto == IPPROTO_TCP)
			ck_assert_uint_lt(f->u.tcp.dir[0].state,
			    SS_TCP_STATE_COUNT);
	}
}

/*
 * A SYN flood in a table of 64 (half-open cap 8, a flood from 4) with
 * conn records written, and what may follow a flood's SYN: a handshake,
 * a retransmitted SYN, a reset, an ICMP error, a new SYN on the 4-tuple;
 * and a SYN with data.  With eager set a second sink reads every packet's
 * flow, so no flow may be kept as its head.  Returns the records; *heads
 * counts the flows created as heads.
 */
static char *
heads_run(bool eager, bool tsv, uint64_t *heads)
{
	struct ss_sink conn, sink;
	struct ss_wbuf w;
	struct ss_engine *e;
	uint64_t t = 1700000000ULL * 1000000000ULL;
	int h;

	e = records_engine(64, tsv, &w, &conn);
	if (eager) {
		memset(&sink, 0, sizeof(sink));
		sink.packet = heads_packet;
		ss_engine_add_sink(e, &sink);
	}
	for (h = 1; h <= 40; h++)
		heads_frame(e, t += 1000000, h, true, "S", 1000u * (uint32_t)h,
		    0, 0);
	/* the last eight are still in the table */
	heads_frame(e, t += 1000000, 33, false, "SA", 7000, 33001, 0);
	heads_frame(e, t += 1000000, 33, true, "A", 33001, 7001, 0);
	heads_frame(e, t += 1000000, 33, true, "PA", 33001, 7001, 100);
	heads_frame(e, t += 1000000, 34, true, "S", 34000, 0, 0);
	heads_frame(e, t += 1000000, 35, false, "RA", 0, 35001, 0);
	heads_icmp(e, t += 1000000, 36, 36000);
	heads_frame(e, t += 1000000, 37, true, "S", 99999, 0, 0);
	heads_frame(e, t += 1000000, 41, true, "S", 41000, 0, 20);
	heads_frame(e, t += 1000000, 38, true, "F", 38001, 0, 0);
	*heads = e->heads;	/* the end of input makes none */
	return records_end(e, &w, &conn);
}

/* The same records, or the first line that differs. */
static void
heads_same(const char *a, const char *b)
{
	size_t i = 0, l = 0;

	while (a[i] != '\0' && a[i] == b[i])
		if (a[i++] == '\n')
			l = i;
	ck_assert_msg(a[i] == b[i], "records differ from line start %zu:\n"
	    "%.300s\n%.300s", l, a + l, b + l);
}

/*
 * A flood's flows kept as heads write the records the whole flows write,
 * whatever comes next; and none is kept so when a sink reads packets.
 */
START_TEST(test_syn_heads)
{
	uint64_t nh, ne;
	char *lazy, *whole;
	int tsv;

	for (tsv = 0; tsv < 2; tsv++) {
		lazy = heads_run(false, tsv, &nh);
		whole = heads_run(true, tsv, &ne);
		ck_assert_uint_ge(nh, 30);
		ck_assert_uint_eq(ne, 0);
		heads_same(lazy, whole);
		if (!tsv) {
			ck_assert_ptr_nonnull(strstr(lazy,
			    "\"conn_state\":\"REJ\""));
			ck_assert_ptr_nonnull(strstr(lazy,
			    "\"history\":\"ShAD\""));
			ck_assert_ptr_nonnull(strstr(lazy,
			    "\"end\":\"reused\""));
		}
		free(lazy);
		free(whole);
	}
}
END_TEST

/* Sink: the flow ends that came with a uid made ahead, each checked. */
static void
ahead_event(void *ctx, const struct ss_event *ev)
{
	int *made = ctx;
	char want[SS_UID_LEN + 1];

	if (ev->type != SS_EV_FLOW_END || ev->uid == NULL)
		return;
	ss_flow_uid(ev->flow, want);
	ck_assert_int_eq(memcmp(ev->uid, want, SS_UID_LEN), 0);
	(*made)++;
}

/*
 * Run frames through an engine writing conn records into memory, either
 * one at a time or, as the reader thread hands them over, decoded into
 * slots by a decoder that numbers bare SYNs and makes their uids for the
 * stream numbers that uid_off predicts.  Returns the records; *made
 * counts the flows that ended with a uid made ahead, *off is the
 * engine's offset at the end.
 */
static char *
ahead_run(const uint8_t (*frames)[256], const size_t *len, size_t n,
    uint32_t max_flows, bool slots, int64_t uid_off, int *made,
    int64_t *off)
{
	struct ss_slot_decoder d;
	struct ss_pipe_slot s[16];
	struct ss_uid_ahead ua[16];
	struct ss_sink conn, sink;
	struct ss_wbuf w;
	struct ss_engine *e;
	uint64_t t = 1700000000ULL * 1000000000ULL;
	size_t i;

	ck_assert_uint_le(n, 16);
	e = records_engine(max_flows, false, &w, &conn);
	memset(&sink, 0, sizeof(sink));
	sink.event = ahead_event;
	sink.ctx = made;
	ss_engine_add_sink(e, &sink);
	*made = 0;
	ss_engine_slot_decoder(e, &d);
	d.number = d.uid = true;
	d.uid_off = uid_off;
	for (i = 0; i < n; i++) {
		t += 1000000;
		if (slots)
			ss_engine_decode_slot(&d, &s[i], &ua[i], DLT_EN10MB, t,
			    frames[i], (uint32_t)len[i], (uint32_t)len[i]);
		else
			ss_engine_frame(e, DLT_EN10MB, t, frames[i],
			    (uint32_t)len[i], (uint32_t)len[i]);
	}
	if (slots) {
		ss_engine_decode_flush(&d);
		ss_engine_process_slots(e, s, ua, n);
	}
	*off = ss_engine_uid_offset(e);
	return records_end(e, &w, &conn);
}

/*
 * Uids made ahead for bare SYNs: kept only for the flows whose stream
 * number was guessed, and the records are those of frames fed one by one.
 * Seven bare SYNs, host 1's sent twice, a mid-stream segment and a
 * SYN-ACK, which open flows too; runs[] says which guesses are right.
 */
START_TEST(test_uid_ahead)
{
	static const struct { int host; const char *flags; } seq[] = {
		{ 1, "S" }, { 2, "S" }, { 3, "A" }, { 4, "S" }, { 1, "S" },
		{ 5, "S" }, { 6, "SA" }, { 7, "S" }, { 8, "S" },
	};
	uint8_t frames[16][256];
	size_t len[16], n = sizeof(seq) / sizeof(seq[0]), i;
	char *want, *got;
	size_t r;
	int made;
	int64_t off;

	for (i = 0; i < n; i++) {
		char src[32];
		struct tf_pkt tp;

		snprintf(src, sizeof(src), "10.9.0.%d", seq[i].host);
		memset(&tp, 0, sizeof(tp));
		tp.src = src;
		tp.dst = "10.9.9.9";
		tp.proto = IPPROTO_TCP;
		tp.sport = (uint16_t)(40000 + seq[i].host);
		tp.dport = 80;
		tp.flags = parse_flags(seq[i].flags);
		tp.seq = 1000;
		tp.ack = (tp.flags & SS_TH_ACK) ? 5000 : 0;
		tp.win = 64000;
		len[i] = tf_frame(frames[i], sizeof(frames[i]), DLT_EN10MB,
		    &tp);
		ck_assert_uint_gt(len[i], 0);
	}
	/*
	 * With 64 flows nothing is evicted: SYNs 1 to 7 open flows 0, 1,
	 * 3, none (sent again), 4, 6 and 7.  With 16, half-open flows are
	 * capped at 2, so the attempts evict each other and their records'
	 * slots (and uid places) are taken again: the fourth SYN, its flow
	 * 0 gone, opens flow 4, and SYNs 5 to 7 flows 5, 7 and 8.
	 */
	static const struct {
		uint32_t max;
		int64_t off;		/* the reader's offset */
		int made;		/* flows that end with its uid */
		int64_t end_off;	/* the engine's offset at the end */
	} runs[] = {
		{ 64, -1, 3, 0 },	/* ids 0, 1 and 4 */
		{ 64, 0, 3, 0 },	/* ids 3, 6 and 7 */
		{ 64, 5, 0, 0 },
		{ 16, -1, 2, 1 },	/* ids 0 and 1 */
		{ 16, 0, 3, 1 },	/* ids 3, 4 and 5 */
		{ 16, 5, 0, 1 },
	};

	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		want = ahead_run(frames, len, n, runs[r].max, false, 0, &made,
		    &off);
		ck_assert_int_eq(made, 0);
		ck_assert_ptr_nonnull(strstr(want, "\"uid\":\"C"));
		got = ahead_run(frames, len, n, runs[r].max, true, runs[r].off,
		    &made, &off);
		ck_assert_str_eq(got, want);
		ck_assert_int_eq(made, runs[r].made);
		ck_assert_int_eq(off, runs[r].end_off);
		free(got);
		free(want);
	}
}
END_TEST

/*
 * The hash memo: a reader decoding frames of flows A, A, B (the reverse
 * direction), A, C, C, B, hashing in some runs and not in others, and the
 * engine hashing the runs it did not.  Every keyed slot must carry its
 * key's own hash, whichever key was hashed before it.
 */
START_TEST(test_hash_memo)
{
	static const struct { int a, b; uint16_t sport, dport; } fl[] = {
		{ 1, 2, 40000, 80 }, { 1, 2, 40000, 80 }, { 2, 1, 80, 40000 },
		{ 1, 2, 40000, 80 }, { 3, 2, 40001, 80 }, { 3, 2, 40001, 80 },
		{ 2, 1, 80, 40000 }, { 1, 2, 40000, 81 },
	};
	enum { N = sizeof(fl) / sizeof(fl[0]) };
	struct ss_engine_config cfg;
	struct ss_engine *e;
	struct ss_slot_decoder d;
	struct ss_pipe_slot s[N];
	struct ss_uid_ahead ua[N];
	uint8_t frame[256];
	size_t len, i, j, run;

	ss_engine_config_defaults(&cfg);
	e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	ss_engine_slot_decoder(e, &d);
	for (run = 0; run < 4; run++) {
		for (i = 0; i < N; i++) {
			char src[32], dst[32];
			struct tf_pkt tp;

			snprintf(src, sizeof(src), "10.7.0.%d", fl[i].a);
			snprintf(dst, sizeof(dst), "10.7.0.%d", fl[i].b);
			memset(&tp, 0, sizeof(tp));
			tp.src = src;
			tp.dst = dst;
			tp.proto = IPPROTO_TCP;
			tp.sport = fl[i].sport;
			tp.dport = fl[i].dport;
			tp.flags = SS_TH_ACK;
			tp.seq = 1000 + (uint32_t)i;
			tp.ack = 5000;
			tp.win = 64000;
			len = tf_frame(frame, sizeof(frame), DLT_EN10MB, &tp);
			ck_assert_uint_gt(len, 0);
			/* runs 0 and 2 hashed by the reader; 1 and 3 half */
			d.hash = run % 2 == 0 || i % 2 == 0;
			ss_engine_decode_slot(&d, &s[i], &ua[i], DLT_EN10MB,
			    1700000000ULL * 1000000000ULL + i, frame,
			    (uint32_t)len, (uint32_t)len);
			ck_assert(s[i].keyed);
			if (!d.hash)
				ck_assert_uint_eq(s[i].hash, 0);
		}
		ss_engine_hash_slots(e, s, N);
		for (i = 0; i < N; i++) {
			ck_assert_uint_eq(s[i].hash,
			    ss_flow_hash(e->ft, &s[i].key));
			for (j = 0; j < N; j++)
				if (memcmp(&s[i].key, &s[j].key,
				    sizeof(s[i].key)) != 0)
					ck_assert_uint_ne(s[i].hash,
					    s[j].hash);
		}
		/* A both ways is one key; the port 81 one is not */
		ck_assert_uint_eq(s[0].hash, s[2].hash);
		ck_assert_uint_ne(s[0].hash, s[7].hash);
		ss_engine_decode_flush(&d);
		ss_engine_process_slots(e, s, ua, N);
	}
	ss_engine_finish(e);
	ss_engine_free(e);
}
END_TEST

/*
 * A file of 82,600 frames: connections with a handshake, data and a
 * close, bare SYNs in runs (a flood's, so that a reader makes uids
 * ahead) and UDP exchanges, each beside the close of the one three
 * before, through a table of 4,096 flows (evictions).
 */
#define RINGS_CONNS	14000
#define RINGS_FRAMES	82600

static void
rings_capture(const char *path)
{
	/* step: flags, from the server, seq, ack, payload */
	static const struct {
		const char	*flags;
		bool		 server;
		uint32_t	 seq, ack, len;
	} step[] = {
		{ "S", false, 100, 0, 0 }, { "SA", true, 9000, 101, 0 },
		{ "A", false, 101, 9001, 0 }, { "PA", false, 101, 9001, 20 },
		{ "A", true, 9001, 121, 0 }, { "FA", false, 121, 9001, 0 },
		{ "FA", true, 9001, 122, 0 }, { "A", false, 122, 9002, 0 },
	};
	uint8_t buf[256];
	struct pcap_pkthdr h;
	struct tf_pkt tp;
	pcap_dumper_t *d;
	pcap_t *p;
	uint64_t t = 1700000000ULL * 1000000;	/* microseconds */
	char cli[32], srv[32];
	int c, k, conn, frames = 0;
	size_t n;

	p = pcap_open_dead(DLT_EN10MB, 65535);
	ck_assert_ptr_nonnull(p);
	d = pcap_dump_open(p, path);
	ck_assert_ptr_nonnull(d);
	for (c = 0; c < RINGS_CONNS; c++) {
		for (k = 0; k < 8; k++) {
			conn = k < 5 ? c : c - 3;
			if (conn < 0 || (conn % 10 >= 7 && k > 0))
				continue;	/* bare SYNs: a run of three */
			snprintf(cli, sizeof(cli), "10.%d.%d.%d",
			    conn >> 16 & 255, conn >> 8 & 255, conn & 255);
			snprintf(srv, sizeof(srv), "192.0.2.%d", conn % 7);
			memset(&tp, 0, sizeof(tp));
			tp.proto = conn % 10 == 6 ? IPPROTO_UDP : IPPROTO_TCP;
			tp.src = step[k].server ? srv : cli;
			tp.dst = step[k].server ? cli : srv;
			tp.sport = step[k].server ? 443 :
			    (uint16_t)(1024 + conn % 50000);
			tp.dport = step[k].server ?
			    (uint16_t)(1024 + conn % 50000) : 443;
			tp.flags = parse_flags(step[k].flags);
			tp.seq = step[k].seq;
			tp.ack = step[k].ack;
			tp.win = 29200;
			tp.paylen = step[k].len;
			n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
			ck_assert_uint_gt(n, 0);
			t += 37 + (uint64_t)(c % 5);
			h.ts.tv_sec = (time_t)(t / 1000000);
			h.ts.tv_usec = (suseconds_t)(t % 1000000);
			h.caplen = h.len = (bpf_u_int32)n;
			pcap_dump((u_char *)d, &h, buf);
			frames++;
		}
	}
	pcap_dump_close(d);
	pcap_close(p);
	ck_assert_int_eq(frames, RINGS_FRAMES);
}

/* Append what fp holds to the string *out (of *len bytes). */
static void
rings_slurp(FILE *fp, char **out, size_t *len)
{
	long n;

	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	ck_assert_int_gt(n, 0);
	rewind(fp);
	*out = realloc(*out, *len + (size_t)n + 1);
	ck_assert_ptr_nonnull(*out);
	ck_assert_uint_eq(fread(*out + *len, 1, (size_t)n, fp), (size_t)n);
	*len += (size_t)n;
	(*out)[*len] = '\0';
	fclose(fp);
}

/*
 * Read path with threads (and ring) into JSON Lines and conn records;
 * returns the two, one after the other, and counts in *made the records
 * whose uid was made ahead (each checked).
 */
static char *
rings_run(const char *path, int threads, unsigned ring, bool stream,
    int *made)
{
	static const enum ss_format fmt[2] = { SS_FMT_JSON, SS_FMT_CONN };
	struct ss_capture_opts co;
	struct ss_engine_config cfg;
	struct ss_output_opts oo;
	struct ss_capture *cap;
	struct ss_engine *e;
	struct ss_sink sink[2], ahead;
	struct ss_wbuf w[2];
	struct ss_loop l;
	char err[256], warn[256], *out = NULL;
	size_t len = 0;
	FILE *fp[2];
	int i, status;

	memset(&co, 0, sizeof(co));
	co.file = path;
	cap = ss_capture_open(&co, err, sizeof(err), warn, sizeof(warn),
	    &status);
	ck_assert_msg(cap != NULL, "%s", err);
	ss_engine_config_defaults(&cfg);
	cfg.max_flows = 4096;
	e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	memset(&oo, 0, sizeof(oo));
	for (i = 0; i < 2; i++) {
		fp[i] = tmpfile();
		ck_assert_ptr_nonnull(fp[i]);
		ck_assert_int_eq(wbuf_init(&w[i], fileno(fp[i]), 1 << 16), 0);
		ck_assert_int_eq(ss_output_sink(fmt[i], &w[i], &oo, &sink[i]),
		    0);
		ck_assert_int_eq(ss_engine_add_sink(e, &sink[i]), 0);
	}
	memset(&ahead, 0, sizeof(ahead));
	ahead.event = ahead_event;
	ahead.ctx = made;
	*made = 0;
	ck_assert_int_eq(ss_engine_add_sink(e, &ahead), 0);
	memset(&l, 0, sizeof(l));
	l.cap = cap;
	l.eng = e;
	l.threads = threads;
	l.ring = ring;
	l.stream = stream;
	l.key_fd = -1;
	ck_assert_int_eq(ss_loop_run(&l), SS_EXIT_OK);
	ss_engine_finish(e);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(wbuf_flush(&w[i]), 0);
		rings_slurp(fp[i], &out, &len);
		ss_output_free(&sink[i]);
		wbuf_free(&w[i]);
	}
	ss_engine_free(e);
	ss_capture_close(cap);
	return out;
}

/*
 * Two threads give what one gives through rings of every depth, the
 * slots streamed in (as on x86) or written in place (elsewhere): the
 * usual ring (32 batches of 512 frames), one the file wraps
 * four times over (8), and one of 2 batches (the reader waits on almost
 * every batch, and hashes and makes uids ahead whenever one waits).
 */
START_TEST(test_loop_rings)
{
	static const unsigned rings[] = { 32, 8, 2 };
	char path[] = "/tmp/check-rings-XXXXXX";
	char *one, *two;
	size_t i;
	int fd, made;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	rings_capture(path);
	one = rings_run(path, 1, 0, false, &made);
	ck_assert_int_eq(made, 0);	/* one thread makes none ahead */
	ck_assert_ptr_nonnull(strstr(one, "\"packets\":82600,"));
	ck_assert_ptr_nonnull(strstr(one, "\"reason\":\"evicted\""));
	ck_assert_ptr_null(strstr(one, "\"evictions\":0,"));
	ck_assert_ptr_nonnull(strstr(one,
	    "\"conn_state\":\"S0\",\"history\":\"S\","));
	ck_assert_ptr_nonnull(strstr(one,
	    "\"conn_state\":\"SF\",\"history\":\"ShADaFf\","));
	ck_assert_ptr_nonnull(strstr(one, "\"proto\":\"udp\""));
	ck_assert_ptr_nonnull(strstr(one, "\"history\":\"Dd\""));
	for (i = 0; i < 6; i++) {
		two = rings_run(path, 2, rings[i / 2], i % 2 == 1, &made);
		ck_assert_msg(strcmp(one, two) == 0, "two threads, a ring of "
		    "%u, slots %s: the output differs", rings[i / 2],
		    i % 2 == 1 ? "streamed" : "in place");
		/* with the reader waiting, uids made ahead reach the records */
		if (rings[i / 2] == 2)
			ck_assert_msg(made > 0, "a ring of 2, slots %s: no uid "
			    "made ahead was used", i % 2 == 1 ? "streamed" :
			    "in place");
		free(two);
	}
	unlink(path);
	free(one);
}
END_TEST

Suite *
make_engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("tcp");

	tcase_add_loop_test(tc, test_scenario, 0, (int)NSCEN * 4);
	tcase_add_test(tc, test_time_wait_expiry);
	tcase_add_test(tc, test_halfopen_cap);
	tcase_add_test(tc, test_events_when_read);
	tcase_add_test(tc, test_syn_heads);
	tcase_add_test(tc, test_uid_ahead);
	tcase_add_test(tc, test_hash_memo);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_cpu_round_trip);
	tcase_add_test(tc, test_cpu_round_trip_one_cpu);
	tcase_add_test(tc, test_leave_cpu);
	suite_add_tcase(s, tc);

	/* 82,600 frames read four times: slow under the sanitizers */
	tc = tcase_create("loop");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_loop_rings);
	suite_add_tcase(s, tc);
	return s;
}
