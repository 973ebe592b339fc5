/*
 * check_analysis.c - per-packet TCP analysis (tcp_analysis.c and the
 * state engine's own marks), table-driven: each case is a crafted list
 * of segments with the exact set of marks every packet must carry.  Each
 * mark has a positive case and a near miss that must not carry it.  Every
 * case runs over IPv4 and IPv6, with ordinary initial sequence numbers
 * and with ones that wrap around 2^32 during the connection.
 *
 * Then: handshake timing (its two legs), RTT samples (Karn's rule and
 * timestamps), the scaled window and bytes in flight.
 */
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "frames.h"
#include "synscope/engine.h"
#include "synscope/tcp.h"
#include "synscope/track.h"

#define MAX_STEPS	24
#define W0		(-1)	/* a zero window (0 means the default) */
#define NOTDUP		(-1)	/* dupn: no duplicate ACK counted */

struct astep {
	char		 dir;		/* 'c' client to server, 's' back */
	const char	*flags;		/* S A F R P, "" for none */
	uint32_t	 seq;		/* relative to the sender's ISN */
	uint32_t	 ack;		/* relative to the receiver's ISN */
	uint32_t	 len;
	uint32_t	 expect;	/* exactly these marks on the packet */
	uint32_t	 dt_us;		/* since the previous step; 0: 1 ms */
	int		 win;		/* 0: 64000; W0: zero */
	uint32_t	 tsv;		/* timestamps cases: TSval; 0: next */
	uint32_t	 sl, sr;	/* SACK block (the peer's relative seq) */
	int		 dupn;		/* its sender's dup ACK count after it
					   (0: unchecked) */
	uint32_t	 isn_off;	/* SYN: added to the ISN (a new one) */
};

struct acase {
	const char	*name;
	int		 ts;		/* every segment carries timestamps */
	struct astep	 steps[MAX_STEPS];
};

#define M(x)	(1u << SS_AN_##x)
/* The three-way handshake, 1 ms apart: iRTT 2 ms, both legs 1 ms. */
#define HS \
	{ 'c', "S", 0, 0, 0, 0 }, \
	{ 's', "SA", 0, 1, 0, 0 }, \
	{ 'c', "A", 1, 1, 0, 0 }

static const struct acase cases[] = {
	/* ---- retransmissions */
	{ "data-retransmission", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 1, 1, 100, M(RETRANSMISSION), .dt_us = 300000 },
	} },
	{ "data-no-retransmission", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 101, 1, 100, 0, .dt_us = 300000 },
	} },
	{ "syn-retransmission", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 'c', "S", 0, 0, 0, M(RETRANSMISSION), .dt_us = 1000000 },
		{ 's', "SA", 0, 1, 0, 0 },
	} },
	{ "syn-first-copy-after-synack", 0, {
		/* the SYN captured after the SYN-ACK answering it */
		{ 's', "SA", 0, 1, 0, 0 },
		{ 'c', "S", 0, 0, 0, 0, .dt_us = 100 },
		{ 'c', "A", 1, 1, 0, 0 },
	} },
	{ "synack-retransmission", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 's', "SA", 0, 1, 0, 0 },
		{ 's', "SA", 0, 1, 0, M(RETRANSMISSION), .dt_us = 1000000 },
		{ 'c', "A", 1, 1, 0, 0 },
	} },
	{ "simultaneous-open-synacks", 0, {
		/* each SYN-ACK answers the peer's SYN: no retransmission */
		{ 'c', "S", 0, 0, 0, 0 },
		{ 's', "S", 0, 0, 0, 0 },
		{ 'c', "SA", 0, 1, 0, 0 },
		{ 's', "SA", 0, 1, 0, 0 },
		/* repeats the ACK its SYN-ACK carried: Wireshark's rule */
		{ 'c', "A", 1, 1, 0, M(DUP_ACK) },
	} },
	{ "fin-retransmission", 0, { HS,
		{ 'c', "FA", 1, 1, 0, 0 },
		{ 'c', "FA", 1, 1, 0, M(RETRANSMISSION), .dt_us = 300000 },
	} },
	{ "fin-once", 0, { HS,
		{ 'c', "FA", 1, 1, 0, 0 },
		{ 's', "A", 1, 2, 0, 0 },
	} },
	{ "spurious-retransmission", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 'c', "PA", 1, 1, 100, M(SPURIOUS_RETRANSMISSION),
		    .dt_us = 300000 },
	} },
	{ "retransmission-not-yet-acked", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 51, 0, 0 },	/* half of it */
		{ 'c', "PA", 1, 1, 100, M(RETRANSMISSION), .dt_us = 300000 },
	} },
	{ "fast-retransmission", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		/* 101:201 lost before the capture point */
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT) },
		{ 'c', "PA", 301, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 1 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 2 },
		{ 'c', "PA", 101, 1, 100, M(FAST_RETRANSMISSION),
		    .dt_us = 5000 },
	} },
	{ "one-dup-ack-is-not-fast", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT) },
		{ 's', "A", 1, 101, 0, 0 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 1 },
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 5000 },
	} },
	{ "late-after-dup-acks-is-not-fast", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT) },
		{ 's', "A", 1, 101, 0, 0 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 1 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 2 },
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 25000 },
	} },
	/* ---- reordering */
	{ "out-of-order", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT) },
		{ 'c', "PA", 101, 1, 100, M(OUT_OF_ORDER), .dt_us = 500 },
	} },
	{ "hole-filled-after-irtt", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT) },
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 5000 },
	} },
	{ "sack-hole-filled-after-report", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 200 },
		/* the receiver reports the hole 101:201 */
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100, .sl = 201, .sr = 301 },
		/* 1.1 ms later: the sender's leg is 1 ms, so an answer */
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 1100 },
	} },
	{ "sack-hole-filled-before-answer-possible", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 200 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100, .sl = 201, .sr = 301 },
		/* 0.3 ms: too soon to answer the report: reordered */
		{ 'c', "PA", 101, 1, 100, M(OUT_OF_ORDER), .dt_us = 300 },
	} },
	{ "ts-sack-hole-filled-by-newer-segment", 1, { HS,
		{ 'c', "PA", 1, 1, 100, 0, .tsv = 10 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 200,
		    .tsv = 10 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100, .sl = 201, .sr = 301 },
		/* a fresh TSval: sent after the report */
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 300,
		    .tsv = 11 },
	} },
	{ "ts-sack-hole-filled-by-older-segment", 1, { HS,
		{ 'c', "PA", 1, 1, 100, 0, .tsv = 10 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 200,
		    .tsv = 11 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100, .sl = 201, .sr = 301 },
		/* an older TSval: the original, delayed */
		{ 'c', "PA", 101, 1, 100, M(OUT_OF_ORDER), .dt_us = 1500,
		    .tsv = 10 },
	} },
	{ "ts-dup-ack-hole-filled-after-report", 1, { HS,
		{ 'c', "PA", 1, 1, 100, 0, .tsv = 10 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 100,
		    .tsv = 10 },
		{ 'c', "PA", 301, 1, 100, 0, .dt_us = 100, .tsv = 10 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 100, .dupn = 1 },
		{ 'c', "PA", 101, 1, 100, M(RETRANSMISSION), .dt_us = 200,
		    .tsv = 11 },
	} },
	{ "ts-dup-ack-hole-filled-by-original", 1, { HS,
		{ 'c', "PA", 1, 1, 100, 0, .tsv = 10 },
		{ 'c', "PA", 201, 1, 100, M(LOST_SEGMENT), .dt_us = 100,
		    .tsv = 10 },
		{ 'c', "PA", 301, 1, 100, 0, .dt_us = 100, .tsv = 10 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 100 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 100, .dupn = 1 },
		/* the same TSval: nothing shows it was sent again */
		{ 'c', "PA", 101, 1, 100, M(OUT_OF_ORDER), .dt_us = 200,
		    .tsv = 10 },
	} },
	/* ---- duplicate ACKs */
	{ "dup-ack", 0, { HS,
		{ 'c', "A", 1, 1, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 1 },
		{ 'c', "A", 1, 1, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 2 },
	} },
	{ "window-change-is-no-dup-ack", 0, { HS,
		{ 'c', "A", 1, 1, 0, M(WINDOW_UPDATE), .dt_us = 6000,
		    .win = 65000, .dupn = NOTDUP },
	} },
	{ "data-is-no-dup-ack", 0, { HS,
		{ 'c', "PA", 1, 1, 10, 0, .dt_us = 6000, .dupn = NOTDUP },
	} },
	{ "new-ack-restarts-count", 0, { HS,
		{ 's', "PA", 1, 1, 10, 0 },
		{ 'c', "A", 1, 11, 0, 0, .dupn = NOTDUP },
		{ 'c', "A", 1, 11, 0, M(DUP_ACK), .dt_us = 6000, .dupn = 1 },
	} },
	/* ---- windows */
	{ "zero-window", 0, { HS,
		{ 's', "A", 1, 1, 0, M(ZERO_WINDOW), .win = W0 },
	} },
	{ "zero-window-with-fin", 0, { HS,
		{ 's', "FA", 1, 1, 0, 0, .win = W0 },
	} },
	{ "window-probe-one-byte", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, M(ZERO_WINDOW), .win = W0 },
		{ 'c', "PA", 101, 1, 1, M(WINDOW_PROBE), .dt_us = 200000 },
		{ 's', "A", 1, 101, 0, M(ZERO_WINDOW) | M(WINDOW_PROBE_ACK),
		    .win = W0 },
		{ 's', "A", 1, 101, 0, M(WINDOW_UPDATE), .dt_us = 50000 },
		/* the probe byte again, then data: neither retransmitted */
		{ 'c', "PA", 101, 1, 100, 0 },
	} },
	{ "one-byte-into-open-window", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 'c', "PA", 101, 1, 1, 0, .dt_us = 200000 },
	} },
	{ "window-probe-linux", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, M(ZERO_WINDOW), .win = W0 },
		/* Linux: no data, seq = nxt - 1 */
		{ 'c', "A", 100, 1, 0, M(WINDOW_PROBE), .dt_us = 200000 },
		{ 's', "A", 1, 101, 0, M(ZERO_WINDOW) | M(WINDOW_PROBE_ACK),
		    .win = W0 },
	} },
	{ "keepalive", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 'c', "A", 100, 1, 0, M(KEEPALIVE), .dt_us = 7200000 },
		{ 's', "A", 1, 101, 0, M(KEEPALIVE_ACK) },
	} },
	{ "keepalive-one-byte", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 'c', "A", 100, 1, 1, M(KEEPALIVE), .dt_us = 7200000 },
	} },
	{ "keepalive-near-miss-at-nxt", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		/* at nxt, not nxt - 1: a duplicate ACK */
		{ 'c', "A", 101, 1, 0, M(DUP_ACK), .dt_us = 7200000 },
		{ 's', "A", 1, 101, 0, M(DUP_ACK), .dt_us = 6000 },
	} },
	{ "window-full", 0, { HS,
		{ 's', "A", 1, 1, 0, M(WINDOW_UPDATE), .win = 300 },
		{ 'c', "PA", 1, 1, 300, M(WINDOW_FULL) },
	} },
	{ "window-not-full", 0, { HS,
		{ 's', "A", 1, 1, 0, M(WINDOW_UPDATE), .win = 300 },
		{ 'c', "PA", 1, 1, 299, 0 },
	} },
	{ "window-update", 0, { HS,
		{ 's', "A", 1, 1, 0, M(WINDOW_UPDATE), .win = 1000 },
	} },
	{ "window-change-with-new-ack", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0, .win = 1000 },
	} },
	/* ---- what the other side was never seen sending */
	{ "ack-unseen", 0, { HS,
		{ 's', "A", 1, 501, 0, M(ACK_UNSEEN) },
	} },
	{ "ack-seen", 0, { HS,
		{ 'c', "PA", 1, 1, 500, 0 },
		{ 's', "A", 1, 501, 0, 0 },
	} },
	{ "gap-not-captured", 0, { HS,
		{ 'c', "PA", 101, 1, 100, M(LOST_SEGMENT) },
	} },
	{ "no-gap", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 101, 1, 100, 0 },
	} },
	/* ---- the state engine's marks */
	{ "duplicate-frame", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 1, 1, 100, M(DUPLICATE), .dt_us = 1 },
	} },
	{ "same-segment-later-is-retransmission", 0, { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 1, 1, 100, M(RETRANSMISSION), .dt_us = 6000 },
	} },
	{ "invalid-flags", 0, { HS,
		{ 'c', "F", 1, 0, 0, M(INVALID_FLAGS) },
	} },
	{ "valid-fin", 0, { HS,
		{ 'c', "FA", 1, 1, 0, 0 },
	} },
	{ "rst-out-of-window", 0, { HS,
		{ 's', "R", 1000001, 0, 0, M(RST_OUT_OF_WINDOW) },
	} },
	{ "rst-in-window", 0, { HS,
		{ 's', "R", 101, 0, 0, M(RST_CHALLENGE) },
	} },
	{ "rst-exact", 0, { HS,
		{ 's', "R", 1, 0, 0, 0 },
	} },
	{ "rst-ignored-in-syn-sent", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 's', "RA", 0, 0, 0, M(RST_IGNORED) },	/* acks nothing */
	} },
	{ "rst-refusing", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 's', "RA", 0, 1, 0, 0 },
	} },
	{ "port-reuse", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 's', "RA", 0, 1, 0, 0 },
		{ 'c', "S", 0, 0, 0, M(PORT_REUSE), .dt_us = 1000000,
		    .isn_off = 100000 },
	} },
	{ "syn-again-same-isn", 0, {
		{ 'c', "S", 0, 0, 0, 0 },
		{ 'c', "S", 0, 0, 0, M(RETRANSMISSION), .dt_us = 1000000 },
	} },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* What the sink saw. */
struct aseen {
	uint32_t	 marks;		/* of the last packet */
	int		 dupn[2];	/* dup ACK counters after it */
	const struct ss_flow *flow;
	/* the record of the connection as it ended */
	int		 ended;
	uint64_t	 syn_ns, synack_ns, ack_ns, irtt_ns;
	uint32_t	 rtt_n, rtt_min_us, rtt_max_us;
	uint64_t	 rtt_sum_us;
	uint32_t	 an_count[SS_AN_WORDS];
	int64_t		 win[2];
	uint32_t	 inflight[2];
};

static void
aseen_packet(void *ctx, const struct ss_packet *p, const struct ss_flow *f,
    int side, const struct ss_event *evs, size_t nevs)
{
	struct aseen *s = ctx;
	size_t i;

	(void)p;
	(void)side;
	s->marks = 0;
	for (i = 0; i < nevs; i++)
		if (evs[i].type == SS_EV_ANOMALY)
			s->marks |= 1u << evs[i].anomaly;
	s->flow = f;
	if (f != NULL && f->key.proto == IPPROTO_TCP) {
		s->dupn[0] = f->u.tcp.dir[0].dupacks;
		s->dupn[1] = f->u.tcp.dir[1].dupacks;
		s->win[0] = ss_tcp_window(f, 0);
		s->win[1] = ss_tcp_window(f, 1);
		s->inflight[0] = ss_tcp_in_flight(f, 0);
		s->inflight[1] = ss_tcp_in_flight(f, 1);
	}
}

static void
aseen_event(void *ctx, const struct ss_event *ev)
{
	struct aseen *s = ctx;
	const struct ss_tcp_conn *c;

	if (ev->type != SS_EV_FLOW_END || ev->flow->key.proto != IPPROTO_TCP)
		return;
	c = &ev->flow->u.tcp;
	s->ended++;
	s->syn_ns = c->syn_ns;
	s->synack_ns = c->synack_ns;
	s->ack_ns = c->ack_ns;
	s->irtt_ns = ss_tcp_irtt_ns(ev->flow);
	s->rtt_n = c->rtt_n;
	s->rtt_min_us = c->rtt_min_us;
	s->rtt_max_us = c->rtt_max_us;
	s->rtt_sum_us = c->rtt_sum_us;
	memcpy(s->an_count, c->an_count, sizeof(s->an_count));
}

static uint16_t
aparse_flags(const char *s)
{
	uint16_t f = 0;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case 'S': f |= SS_TH_SYN; break;
		case 'A': f |= SS_TH_ACK; break;
		case 'F': f |= SS_TH_FIN; break;
		case 'R': f |= SS_TH_RST; break;
		case 'P': f |= SS_TH_PUSH; break;
		default: ck_abort_msg("bad flag %c", *s);
		}
	}
	return f;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Names of the marks in a bit set, for failure messages. */
static const char *
mark_names(uint32_t m, char *buf, size_t len)
{
	int a;

	buf[0] = '\0';
	for (a = 0; a < SS_AN_COUNT; a++)
		if (m & (1u << a)) {
			strncat(buf, ss_anomaly_name((enum ss_anomaly)a),
			    len - strlen(buf) - 1);
			strncat(buf, " ", len - strlen(buf) - 1);
		}
	return m != 0 ? buf : "(none)";
}

/* A test engine whose sink fills *seen. */
static struct ss_engine *
new_engine(struct aseen *seen, struct ss_sink *sink)
{
	struct ss_engine_config cfg;
	struct ss_engine *e;

	ss_engine_config_defaults(&cfg);
	cfg.max_flows = 64;
	e = ss_engine_new(&cfg);
	ck_assert_ptr_nonnull(e);
	memset(seen, 0, sizeof(*seen));
	memset(sink, 0, sizeof(*sink));
	sink->packet = aseen_packet;
	sink->event = aseen_event;
	sink->ctx = seen;
	ss_engine_add_sink(e, sink);
	return e;
}

/* Variants: bit 0 = IPv6, bit 1 = wrapping sequence numbers. */
static void
run_case(const struct acase *ac, int variant)
{
	bool v6 = variant & 1, wrap = variant & 2;
	uint32_t isn[2] = { wrap ? 0xffffff00u : 1000,
	    wrap ? 0xfffffff0u : 500000 };
	uint32_t tsv_next[2] = { 1000, 900000 }, tsv_last[2] = { 0, 0 };
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint8_t buf[2048], opt[40];
	uint64_t t = 1000000000000ULL;
	char got[256], want[256];
	size_t i, n, ol;

	e = new_engine(&seen, &sink);
	for (i = 0; i < MAX_STEPS && ac->steps[i].dir != 0; i++) {
		const struct astep *s = &ac->steps[i];
		int tx = s->dir == 'c' ? 0 : 1;
		struct tf_pkt tp;

		memset(&tp, 0, sizeof(tp));
		tp.src = tx == 0 ? (v6 ? "2001:db8::1" : "10.0.0.1") :
		    (v6 ? "2001:db8::2" : "10.0.0.2");
		tp.dst = tx == 0 ? (v6 ? "2001:db8::2" : "10.0.0.2") :
		    (v6 ? "2001:db8::1" : "10.0.0.1");
		tp.proto = IPPROTO_TCP;
		tp.sport = tx == 0 ? 40000 : 80;
		tp.dport = tx == 0 ? 80 : 40000;
		tp.flags = aparse_flags(s->flags);
		if (s->isn_off != 0)
			isn[tx] += s->isn_off;
		tp.seq = isn[tx] + s->seq;
		tp.ack = (tp.flags & SS_TH_ACK) ? isn[1 - tx] + s->ack : 0;
		tp.win = s->win == W0 ? 0 : s->win != 0 ? (uint16_t)s->win :
		    64000;
		tp.paylen = s->len;
		ol = 0;
		if (ac->ts) {
			uint32_t v = s->tsv != 0 ? s->tsv + (tx ? 900000 : 0) :
			    tsv_next[tx]++;

			opt[ol++] = 1;
			opt[ol++] = 1;
			opt[ol++] = 8;
			opt[ol++] = 10;
			put32(opt + ol, v);
			put32(opt + ol + 4, tsv_last[1 - tx]);
			ol += 8;
			tsv_last[tx] = v;
		}
		if (s->sr != 0) {
			opt[ol++] = 1;
			opt[ol++] = 1;
			opt[ol++] = 5;
			opt[ol++] = 10;
			put32(opt + ol, isn[1 - tx] + s->sl);
			put32(opt + ol + 4, isn[1 - tx] + s->sr);
			ol += 8;
		}
		tp.tcpopt = ol != 0 ? opt : NULL;
		tp.tcpoptlen = ol;
		n = tf_frame(buf, sizeof(buf), DLT_EN10MB, &tp);
		ck_assert_uint_gt(n, 0);
		if (i > 0)
			t += (uint64_t)(s->dt_us != 0 ? s->dt_us : 1000) * 1000;
		ss_engine_frame(e, DLT_EN10MB, t, buf, (uint32_t)n, (uint32_t)n);
		ck_assert_msg(seen.marks == s->expect,
		    "%s (variant %d) step %zu: marks %s, expected %s", ac->name,
		    variant, i, mark_names(seen.marks, got, sizeof(got)),
		    mark_names(s->expect, want, sizeof(want)));
		if (s->dupn != 0)
			ck_assert_msg(s->dupn == NOTDUP ? seen.dupn[tx] <= 0 :
			    seen.dupn[tx] == s->dupn,
			    "%s step %zu: dup ACK #%d, expected #%d", ac->name,
			    i, seen.dupn[tx], s->dupn);
	}
	ss_engine_free(e);
}

START_TEST(test_marks)
{
	run_case(&cases[_i / 4], _i % 4);
}
END_TEST

/* Every vocabulary word counts its finer marks (fast, spurious...). */
START_TEST(test_counts)
{
	/* fast-retransmission then a spurious one: 2 retransmissions */
	static const struct astep steps[] = { HS,
		{ 'c', "PA", 1, 1, 100, 0 },
		{ 'c', "PA", 201, 1, 100, 0 },
		{ 's', "A", 1, 101, 0, 0 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 6000 },
		{ 's', "A", 1, 101, 0, 0, .dt_us = 6000 },
		{ 'c', "PA", 101, 1, 100, 0, .dt_us = 5000 },
		{ 's', "A", 1, 301, 0, 0 },
		{ 'c', "PA", 101, 1, 100, 0, .dt_us = 300000 },
		{ 's', "A", 1, 301, 0, 0, .win = W0 },
	};
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint8_t buf[512];
	uint64_t t = 2000000000000ULL;
	size_t i, n;

	e = new_engine(&seen, &sink);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct astep *s = &steps[i];
		int tx = s->dir == 'c' ? 0 : 1;
		struct tf_pkt tp;

		memset(&tp, 0, sizeof(tp));
		tp.src = tx == 0 ? "10.0.0.1" : "10.0.0.2";
		tp.dst = tx == 0 ? "10.0.0.2" : "10.0.0.1";
		tp.proto = IPPROTO_TCP;
		tp.sport = tx == 0 ? 40000 : 80;
		tp.dport = tx == 0 ? 80 : 40000;
		tp.flags = aparse_flags(s->flags);
		tp.seq = (tx == 0 ? 1000u : 500000u) + s->seq;
		tp.ack = (tp.flags & SS_TH_ACK) ?
		    (tx == 0 ? 500000u : 1000u) + s->ack : 0;
		tp.win = s->win == W0 ? 0 : 64000;
		tp.paylen = s->len;
		n = tf_frame(buf, sizeof(buf), DLT_RAW, &tp);
		ck_assert_uint_gt(n, 0);
		t += (uint64_t)(s->dt_us != 0 ? s->dt_us : 1000) * 1000;
		ss_engine_frame(e, DLT_RAW, t, buf, (uint32_t)n, (uint32_t)n);
	}
	ss_engine_finish(e);
	ck_assert_int_eq(seen.ended, 1);
	ck_assert_uint_eq(seen.an_count[SS_AN_RETRANSMISSION], 2);
	ck_assert_uint_eq(seen.an_count[SS_AN_DUP_ACK], 2);
	ck_assert_uint_eq(seen.an_count[SS_AN_ZERO_WINDOW], 1);
	ck_assert_uint_eq(seen.an_count[SS_AN_OUT_OF_ORDER], 0);
	ck_assert_int_eq(ss_anomaly_word(SS_AN_FAST_RETRANSMISSION),
	    SS_AN_RETRANSMISSION);
	ck_assert_int_eq(ss_anomaly_word(SS_AN_SPURIOUS_RETRANSMISSION),
	    SS_AN_RETRANSMISSION);
	ck_assert_int_eq(ss_anomaly_word(SS_AN_LOST_SEGMENT), SS_AN_COUNT);
	ss_engine_free(e);
}
END_TEST

/* A segment with options; ts: TSval/TSecr (0: none); ws: shift + 1. */
static void
feed(struct ss_engine *e, uint64_t t_us, int tx, const char *flags,
    uint32_t seq, uint32_t ack, uint32_t len, uint16_t win, uint32_t tsv,
    uint32_t tse, int ws)
{
	uint8_t buf[2048], opt[20];
	struct tf_pkt tp;
	size_t n, ol = 0;

	memset(&tp, 0, sizeof(tp));
	tp.src = tx == 0 ? "192.0.2.1" : "192.0.2.2";
	tp.dst = tx == 0 ? "192.0.2.2" : "192.0.2.1";
	tp.proto = IPPROTO_TCP;
	tp.sport = tx == 0 ? 50000 : 443;
	tp.dport = tx == 0 ? 443 : 50000;
	tp.flags = aparse_flags(flags);
	tp.seq = (tx == 0 ? 7000u : 9000000u) + seq;
	tp.ack = (tp.flags & SS_TH_ACK) ? (tx == 0 ? 9000000u : 7000u) + ack :
	    0;
	tp.win = win;
	tp.paylen = len;
	if (tsv != 0) {
		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 8;
		opt[ol++] = 10;
		put32(opt + ol, tsv);
		put32(opt + ol + 4, tse);
		ol += 8;
	}
	if (ws != 0) {
		opt[ol++] = 1;
		opt[ol++] = 3;
		opt[ol++] = 3;
		opt[ol++] = (uint8_t)(ws - 1);
	}
	tp.tcpopt = ol != 0 ? opt : NULL;
	tp.tcpoptlen = ol;
	n = tf_frame(buf, sizeof(buf), DLT_RAW, &tp);
	ck_assert_uint_gt(n, 0);
	ss_engine_frame(e, DLT_RAW, t_us * 1000, buf, (uint32_t)n, (uint32_t)n);
}

/*
 * Handshake timing: SYN -> SYN-ACK is the leg beyond the capture point
 * on the server's side, SYN-ACK -> ACK the client's; iRTT is their sum,
 * from the latest SYN (as Wireshark's tcp.analysis.initial_rtt).
 */
START_TEST(test_handshake_timing)
{
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint64_t t0 = 1700000000000000ULL;

	e = new_engine(&seen, &sink);
	feed(e, t0, 0, "S", 0, 0, 0, 64000, 0, 0, 0);
	feed(e, t0 + 1000000, 0, "S", 0, 0, 0, 64000, 0, 0, 0); /* again */
	feed(e, t0 + 1030000, 1, "SA", 0, 1, 0, 64000, 0, 0, 0);
	feed(e, t0 + 1030250, 0, "A", 1, 1, 0, 64000, 0, 0, 0);
	ss_engine_finish(e);
	ck_assert_int_eq(seen.ended, 1);
	ck_assert_uint_eq(seen.synack_ns - seen.syn_ns, 30000000);
	ck_assert_uint_eq(seen.ack_ns - seen.synack_ns, 250000);
	ck_assert_uint_eq(seen.irtt_ns, 30250000);
	ss_engine_free(e);

	/* no SYN seen: no handshake time */
	e = new_engine(&seen, &sink);
	feed(e, t0, 1, "SA", 0, 1, 0, 64000, 0, 0, 0);
	feed(e, t0 + 500, 0, "A", 1, 1, 0, 64000, 0, 0, 0);
	ss_engine_finish(e);
	ck_assert_uint_eq(seen.irtt_ns, 0);
	ss_engine_free(e);
}
END_TEST

/* Karn's rule: data/ACK pairs give samples, retransmitted data none. */
START_TEST(test_rtt_karn)
{
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint64_t t = 1700000000000000ULL;

	e = new_engine(&seen, &sink);
	feed(e, t, 0, "S", 0, 0, 0, 64000, 0, 0, 0);
	feed(e, t + 10000, 1, "SA", 0, 1, 0, 64000, 0, 0, 0);	/* 10 ms */
	feed(e, t + 10500, 0, "A", 1, 1, 0, 64000, 0, 0, 0);
	feed(e, t + 11000, 0, "PA", 1, 1, 100, 64000, 0, 0, 0);
	feed(e, t + 31000, 1, "A", 1, 101, 0, 64000, 0, 0, 0);	/* 20 ms */
	/* sent twice: the ACK is ambiguous and gives no sample */
	feed(e, t + 32000, 0, "PA", 101, 1, 100, 64000, 0, 0, 0);
	feed(e, t + 332000, 0, "PA", 101, 1, 100, 64000, 0, 0, 0);
	feed(e, t + 333000, 1, "A", 1, 201, 0, 64000, 0, 0, 0);
	ss_engine_finish(e);
	/* SYN / SYN-ACK 10 ms, SYN-ACK / ACK 0.5 ms, data / ACK 20 ms */
	ck_assert_uint_eq(seen.rtt_n, 3);
	ck_assert_uint_eq(seen.rtt_min_us, 500);
	ck_assert_uint_eq(seen.rtt_max_us, 20000);
	ck_assert_uint_eq(seen.rtt_sum_us, 30500);
	ss_engine_free(e);
}
END_TEST

/* Timestamps: each new TSval's first echo is a sample, the SYN's too. */
START_TEST(test_rtt_timestamps)
{
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint64_t t = 1700000000000000ULL;

	e = new_engine(&seen, &sink);
	feed(e, t, 0, "S", 0, 0, 0, 64000, 100, 0, 0);
	feed(e, t + 4000, 1, "SA", 0, 1, 0, 64000, 5000, 100, 0); /* 4 ms */
	feed(e, t + 4300, 0, "A", 1, 1, 0, 64000, 101, 5000, 0); /* 0.3 ms */
	feed(e, t + 5000, 0, "PA", 1, 1, 100, 64000, 102, 5000, 0);
	/* a retransmission: its fresh TSval is echoed, 6 ms */
	feed(e, t + 300000, 0, "PA", 1, 1, 100, 64000, 400, 5000, 0);
	feed(e, t + 306000, 1, "A", 1, 101, 0, 64000, 5300, 400, 0);
	/* echoing an old TSval again gives nothing */
	feed(e, t + 400000, 1, "A", 1, 101, 0, 64001, 5400, 400, 0);
	ss_engine_finish(e);
	ck_assert_uint_eq(seen.rtt_n, 3);
	ck_assert_uint_eq(seen.rtt_min_us, 300);
	ck_assert_uint_eq(seen.rtt_max_us, 6000);
	ck_assert_uint_eq(seen.rtt_sum_us, 10300);
	ss_engine_free(e);
}
END_TEST

/*
 * The scaled window (RFC 7323 §2.2: only when both SYNs carried the
 * option; a SYN's own window is never scaled) and bytes in flight.
 */
START_TEST(test_window_and_flight)
{
	struct ss_engine *e;
	struct ss_sink sink;
	struct aseen seen;
	uint64_t t = 1700000000000000ULL;

	e = new_engine(&seen, &sink);
	feed(e, t, 0, "S", 0, 0, 0, 64240, 0, 0, 8);		/* shift 7 */
	ck_assert_int_eq(seen.win[0], 64240);
	feed(e, t + 100, 1, "SA", 0, 1, 0, 65160, 0, 0, 11);	/* shift 10 */
	ck_assert_int_eq(seen.win[1], 65160);
	feed(e, t + 200, 0, "A", 1, 1, 0, 502, 0, 0, 0);
	ck_assert_int_eq(seen.win[0], 502 << 7);
	feed(e, t + 300, 0, "PA", 1, 1, 1000, 502, 0, 0, 0);
	feed(e, t + 301, 0, "PA", 1001, 1, 1000, 502, 0, 0, 0);
	ck_assert_uint_eq(seen.inflight[0], 2000);
	feed(e, t + 400, 1, "A", 1, 1001, 0, 64, 0, 0, 0);
	ck_assert_int_eq(seen.win[1], 64 << 10);
	ck_assert_uint_eq(seen.inflight[0], 1000);
	ck_assert_uint_eq(seen.inflight[1], 0);
	ss_engine_free(e);

	/* only one SYN with the option: no scaling either way */
	e = new_engine(&seen, &sink);
	feed(e, t, 0, "S", 0, 0, 0, 64240, 0, 0, 8);
	feed(e, t + 100, 1, "SA", 0, 1, 0, 65160, 0, 0, 0);
	feed(e, t + 200, 0, "A", 1, 1, 0, 502, 0, 0, 0);
	ck_assert_int_eq(seen.win[0], 502);
	ss_engine_free(e);

	/* picked up mid-stream: the scale is unknown */
	e = new_engine(&seen, &sink);
	feed(e, t, 0, "A", 1, 1, 0, 502, 0, 0, 0);
	ck_assert_int_eq(seen.win[0], -1);
	ss_engine_free(e);
}
END_TEST

Suite *
make_analysis_suite(void)
{
	Suite *s = suite_create("analysis");
	TCase *tc = tcase_create("marks");
	TCase *tm = tcase_create("timing");

	tcase_add_loop_test(tc, test_marks, 0, (int)NCASES * 4);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);
	tcase_add_test(tm, test_handshake_timing);
	tcase_add_test(tm, test_rtt_karn);
	tcase_add_test(tm, test_rtt_timestamps);
	tcase_add_test(tm, test_window_and_flight);
	suite_add_tcase(s, tm);
	return s;
}
