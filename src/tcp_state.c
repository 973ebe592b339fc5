/*
 * tcp_state.c - the RFC 9293 state of both endpoints of a TCP connection,
 * as an observer on the wire can infer it.
 *
 * Reference: RFC 9293 §3.3.2 (states), §3.5 and §3.6 (opening, closing),
 * §3.10.7 (SEGMENT ARRIVES), RFC 5961 §3 and §4 (RST and SYN handling).
 *
 * The observer assumes that every segment it saw was delivered, at the
 * moment it saw it, and applies first what the segment means for its
 * sender (it sent a SYN, a FIN, an RST), then what it means for its
 * receiver (an ACK of its SYN or FIN, the peer's SYN or FIN, an RST).
 * Where the capture order and the sequence space disagree, the sequence
 * space wins: a FIN whose ACK field does not cover the peer's FIN was sent
 * before that FIN arrived, so the two FINs crossed (simultaneous close)
 * even if the capture point saw them one after the other.
 *
 * Deviations and inferences, all reported as such:
 *   - LISTEN is only inferred, when an endpoint answers a SYN with a
 *     SYN-ACK; until then an endpoint that only received a SYN is CLOSED.
 *   - A connection first seen without its SYN gets inferred states: from
 *     a SYN-ACK, the originator's SYN is inferred; from anything else both
 *     ends are taken to be ESTABLISHED.
 *   - RST acceptability (RFC 5961 §3.2) is judged against the receiver's
 *     RCV.NXT as the observer knows it (the sender's highest sequence
 *     number seen); Linux's acceptance of an RST carrying the sequence
 *     number of the FIN it follows is honoured.  An RST that is not
 *     acceptable changes no state on either side: a real stack's RST is
 *     always exact, so an unacceptable one is forged or stale.
 *   - Invalid flag combinations (SYN+FIN, SYN+RST, or none of SYN, ACK,
 *     RST) change no state.
 *   - The same frame captured twice (lo, "any", bridges) is recognised by
 *     its fingerprint and changes nothing.
 * Every state change goes through tcp_set_state(), which reports it.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "synscope/tcp.h"
#include "synscope/track.h"
#include "synscope/zeek.h"

/* Copies of one frame closer than this are duplicates, not resends. */
#define DUP_WINDOW_US	5000

/* Wrap-safe sequence comparisons (RFC 9293 §3.4). */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

static const char *const state_rfc[] = {
#define SS_TCP_STATE_RFC(id, rfc, ss) [SS_TCP_##id] = rfc,
	SS_TCP_STATES(SS_TCP_STATE_RFC)
#undef SS_TCP_STATE_RFC
};

static const char *const state_ss[] = {
#define SS_TCP_STATE_SS(id, rfc, ss) [SS_TCP_##id] = ss,
	SS_TCP_STATES(SS_TCP_STATE_SS)
#undef SS_TCP_STATE_SS
};

static const char *const rule_text[] = {
#define SS_TCP_RULE_TEXT(id, text) [SS_RULE_##id] = text,
	SS_TCP_RULES(SS_TCP_RULE_TEXT)
#undef SS_TCP_RULE_TEXT
};

/* The RFC rule behind each transition, for --explain. */
static const char *const rule_rfc[SS_RULE_COUNT] = {
	[SS_RULE_SEND_SYN] = "RFC 9293 §3.10.1: an active OPEN sends a SYN "
	    "and enters SYN-SENT.",
	[SS_RULE_INFER_SYN] = "RFC 9293 §3.5: a SYN-ACK answers a SYN, so "
	    "its receiver had sent one and was in SYN-SENT.",
	[SS_RULE_LISTEN] = "RFC 9293 §3.10.1: a passive OPEN enters LISTEN "
	    "and waits for a SYN.",
	[SS_RULE_GOT_SYN_LISTEN] = "RFC 9293 §3.10.7.2: in LISTEN a SYN is "
	    "answered with a SYN-ACK and the state becomes SYN-RECEIVED.",
	[SS_RULE_GOT_SYN_SYNSENT] = "RFC 9293 §3.10.7.3: in SYN-SENT a SYN "
	    "that does not acknowledge our SYN moves to SYN-RECEIVED and is "
	    "answered with a SYN-ACK.",
	[SS_RULE_GOT_SYNACK] = "RFC 9293 §3.10.7.3: in SYN-SENT a SYN whose "
	    "ACK covers our SYN enters ESTABLISHED and is acknowledged.",
	[SS_RULE_SYN_ACKED] = "RFC 9293 §3.10.7.4: in SYN-RECEIVED an "
	    "acceptable ACK enters ESTABLISHED.",
	[SS_RULE_MIDSTREAM] = "RFC 9293 §3.3.2: ESTABLISHED is the state of "
	    "data transfer; without a handshake in the capture it is assumed.",
	[SS_RULE_SEND_FIN] = "RFC 9293 §3.10.4: a CLOSE in ESTABLISHED sends "
	    "a FIN and enters FIN-WAIT-1.",
	[SS_RULE_SEND_FIN_PASSIVE] = "RFC 9293 §3.10.4: a CLOSE in CLOSE-WAIT "
	    "sends a FIN and enters LAST-ACK.",
	[SS_RULE_FIN_CROSSED] = "RFC 9293 §3.6: in a simultaneous close both "
	    "sides send a FIN first; a FIN arriving in FIN-WAIT-1 before the "
	    "ACK of our own enters CLOSING.",
	[SS_RULE_GOT_FIN] = "RFC 9293 §3.10.7.4 (eighth, the FIN bit): in "
	    "ESTABLISHED or SYN-RECEIVED a FIN enters CLOSE-WAIT.",
	[SS_RULE_GOT_FIN_FW1] = "RFC 9293 §3.10.7.4 (eighth, the FIN bit): in "
	    "FIN-WAIT-1 a FIN that does not acknowledge our FIN enters "
	    "CLOSING.",
	[SS_RULE_GOT_FIN_FW2] = "RFC 9293 §3.10.7.4 (eighth, the FIN bit): in "
	    "FIN-WAIT-2 a FIN enters TIME-WAIT and starts the time-wait "
	    "timer.",
	[SS_RULE_FIN_ACKED] = "RFC 9293 §3.10.7.4 (fifth, the ACK field): an "
	    "ACK of our FIN moves FIN-WAIT-1 to FIN-WAIT-2, CLOSING to "
	    "TIME-WAIT and LAST-ACK to CLOSED.",
	[SS_RULE_SEND_RST] = "RFC 9293 §3.10.5 and §3.10.7.1: sending a RST "
	    "aborts the connection (or answers a segment for no connection).",
	[SS_RULE_GOT_RST] = "RFC 9293 §3.10.7.4 with RFC 5961 §3.2: a RST "
	    "whose sequence number is exactly RCV.NXT resets the connection.",
	[SS_RULE_GOT_RST_FIN] = "RFC 5961 §3.2 as Linux applies it: after a "
	    "FIN, a RST with the FIN's sequence number (RCV.NXT - 1) is "
	    "accepted.",
	[SS_RULE_GOT_RST_SYNSENT] = "RFC 9293 §3.10.7.3: in SYN-SENT a RST "
	    "with an acceptable ACK closes the connection (refused).",
	[SS_RULE_GOT_RST_SYNRCVD] = "RFC 9293 §3.10.7.4: in SYN-RECEIVED an "
	    "acceptable RST returns a passive open to LISTEN and drops the "
	    "connection.",
	[SS_RULE_GOT_RST_TW] = "RFC 9293 §3.10.7.4 (RFC 1337 discusses it): a "
	    "RST in TIME-WAIT closes the connection before 2MSL (Linux "
	    "default).",
	[SS_RULE_TW_EXPIRED] = "RFC 9293 §3.10.8: when the time-wait timeout "
	    "of 2MSL expires the TCB is deleted and the state is CLOSED.",
};

static const char *const anomaly_names[] = {
#define SS_ANOMALY_NAME(id, name, word) [SS_AN_##id] = name,
	SS_ANOMALIES(SS_ANOMALY_NAME)
#undef SS_ANOMALY_NAME
};

static const uint8_t anomaly_words[] = {
#define SS_ANOMALY_WORD(id, name, word) [SS_AN_##id] = SS_AN_##word,
	SS_ANOMALIES(SS_ANOMALY_WORD)
#undef SS_ANOMALY_WORD
};

/* RFC 9293 name of a state. */
const char *
ss_tcp_state_name(enum ss_tcp_state s)
{
	return (unsigned)s < SS_TCP_STATE_COUNT ? state_rfc[s] : "?";
}

/* ss(8) name of a state. */
const char *
ss_tcp_state_ss_name(enum ss_tcp_state s)
{
	return (unsigned)s < SS_TCP_STATE_COUNT ? state_ss[s] : "?";
}

/* Compare state names, any case, '-' and '_' alike. */
static bool
state_name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;

		if ((x | 0x20) != (y | 0x20))
			return false;
	}
	return *a == '\0' && *b == '\0';
}

/* Parse an RFC 9293 or ss(8) state name; -1 if unknown. */
int
ss_tcp_state_parse(const char *s)
{
	int i;

	for (i = 0; i < SS_TCP_STATE_COUNT; i++)
		if (state_name_eq(s, state_rfc[i]) ||
		    state_name_eq(s, state_ss[i]))
			return i;
	if (state_name_eq(s, "SYN-RCVD"))
		return SS_TCP_SYN_RECEIVED;
	if (state_name_eq(s, "TIMEWAIT") || state_name_eq(s, "TIME-WAIT"))
		return SS_TCP_TIME_WAIT;
	return -1;
}

/* Text of a rule. */
const char *
ss_tcp_rule_text(uint16_t r)
{
	return r < SS_RULE_COUNT ? rule_text[r] : "";
}

/* RFC sentence of a rule ("" when none). */
const char *
ss_tcp_rule_rfc(uint16_t r)
{
	return r < SS_RULE_COUNT && rule_rfc[r] != NULL ? rule_rfc[r] : "";
}

/* Name of an anomaly. */
const char *
ss_anomaly_name(enum ss_anomaly a)
{
	return (unsigned)a < SS_AN_COUNT ? anomaly_names[a] : "?";
}

/* Vocabulary word of an anomaly. */
enum ss_anomaly
ss_anomaly_word(enum ss_anomaly a)
{
	return (unsigned)a < SS_AN_COUNT ? (enum ss_anomaly)anomaly_words[a] :
	    SS_AN_COUNT;
}

/* Packet context while a segment is processed. */
struct seg {
	struct ss_engine	*e;
	struct ss_flow		*f;
	const struct ss_packet	*p;	/* NULL for timer events */
	int			 side;	/* sender */
};

/* The one function that changes an endpoint's state; reports it. */
static void
tcp_set_state(struct seg *s, int who, uint8_t st, uint16_t rule)
{
	struct ss_tcp_dir *d = &s->f->u.tcp.dir[who];
	struct ss_event timer, *ev;

	if (d->state == st)
		return;
	if (s->p != NULL)
		ev = ss_engine_event(s->e);	/* filled in place */
	else {
		ev = &timer;
		memset(ev, 0, sizeof(*ev));
	}
	if (ev != NULL) {
		ev->type = SS_EV_STATE;
		ev->side = (uint8_t)who;
		ev->old_state = d->state;
		ev->new_state = st;
		ev->rule = rule;
		ev->flow = s->f;
		ev->pkt = s->p;
		ev->ts_ns = s->p != NULL ? s->p->ts_ns : s->e->now_ns;
	}
	d->state = st;
	if (s->p == NULL)
		ss_engine_broadcast(s->e, ev);
}

/* Note an anomaly on the connection and report it with the packet. */
void
ss_tcp_anomaly(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side, enum ss_anomaly a)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	enum ss_anomaly w = ss_anomaly_word(a);
	struct ss_event timer, *ev;

	if (a == SS_AN_DUPLICATE) {
		if (c->dup_frames < UINT32_MAX)
			c->dup_frames++;
	} else if (w < SS_AN_WORDS) {
		c->anomalies |= 1u << w;
		if (c->an_count[w] < UINT32_MAX)
			c->an_count[w]++;
	}
	if (p != NULL) {
		if ((ev = ss_engine_event(e)) == NULL)
			return;
	} else {
		ev = &timer;
		memset(ev, 0, sizeof(*ev));
	}
	ev->type = SS_EV_ANOMALY;
	ev->side = (uint8_t)side;
	ev->anomaly = (uint16_t)a;
	ev->flow = f;
	ev->pkt = p;
	ev->ts_ns = p != NULL ? p->ts_ns : e->now_ns;
	if (p == NULL)
		ss_engine_broadcast(e, ev);
}

/* Are the flags a combination no TCP sends (RFC 9293 §3.10.7.4)? */
static bool
invalid_flags(uint16_t fl)
{
	if ((fl & SS_TH_SYN) && (fl & (SS_TH_FIN | SS_TH_RST)))
		return true;
	return (fl & (SS_TH_SYN | SS_TH_ACK | SS_TH_RST)) == 0;
}

/* Does the sender of a flow's first packet originate it? */
bool
ss_tcp_sender_is_orig(const struct ss_packet *p)
{
	return ss_zeek_tcp_sender_is_orig(p);
}

/* Does this SYN start a new connection on an existing 4-tuple? */
bool
ss_tcp_starts_new(const struct ss_engine *e, const struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	const struct ss_tcp_conn *c = &f->u.tcp;
	const struct ss_tcp_dir *me = &c->dir[side];

	(void)e;
	if ((p->flags & (SS_TH_SYN | SS_TH_ACK | SS_TH_RST | SS_TH_FIN)) !=
	    SS_TH_SYN)
		return false;
	/* a retransmission of the SYN that opened this connection */
	if (me->syn && p->seq == me->isn)
		return false;
	if (c->dir[0].state == SS_TCP_TIME_WAIT ||
	    c->dir[1].state == SS_TCP_TIME_WAIT)
		return true;
	if (c->dir[0].state == SS_TCP_CLOSED &&
	    c->dir[1].state == SS_TCP_CLOSED &&
	    (c->dir[0].have || c->dir[1].have))
		return true;
	/* the sender had closed its end (reset, or LAST-ACK done) */
	if (me->state == SS_TCP_CLOSED && (me->rst || me->fin_acked))
		return true;
	/* a new attempt from a client still in SYN-SENT with another ISN */
	if (me->syn && me->state == SS_TCP_SYN_SENT && !me->got_syn)
		return true;
	return false;
}

/* A new connection took over the 4-tuple of an old one. */
void
ss_tcp_mark_reuse(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	ss_tcp_anomaly(e, f, p, side, SS_AN_PORT_REUSE);
}

/* Sequence number relative to a side's base. */
uint32_t
ss_tcp_rel(const struct ss_flow *f, int side, uint32_t seq)
{
	return seq - f->u.tcp.dir[side].isn;
}

/* Is a side's sequence base known? */
bool
ss_tcp_rel_known(const struct ss_flow *f, int side)
{
	return f->u.tcp.dir[side].have;
}

/* Set up the states of a connection from its first segment. */
static void
tcp_first_segment(struct seg *s)
{
	struct ss_tcp_conn *c = &s->f->u.tcp;
	const struct ss_packet *p = s->p;
	struct ss_tcp_dir *me = &c->dir[s->side], *peer = &c->dir[1 - s->side];
	uint16_t fl = p->flags;

	if ((fl & (SS_TH_SYN | SS_TH_ACK)) == SS_TH_SYN || invalid_flags(fl))
		return;		/* a plain open, handled as it comes */
	if ((fl & (SS_TH_SYN | SS_TH_ACK)) == (SS_TH_SYN | SS_TH_ACK)) {
		/* a SYN-ACK: the SYN it answers was not captured */
		peer->have = 1;
		peer->isn = p->ack - 1;
		peer->nxt = p->ack;
		peer->syn = 1;
		peer->inferred = 1;
		me->got_syn = 1;
		me->inferred = 1;
		tcp_set_state(s, 1 - s->side, SS_TCP_SYN_SENT, SS_RULE_INFER_SYN);
		return;
	}
	/* picked up mid-stream: both ends are taken as connected */
	me->have = 1;
	me->isn = p->seq - 1;
	me->nxt = p->seq;
	me->syn = 1;
	me->syn_acked = 1;
	me->got_syn = 1;
	me->inferred = 1;
	peer->syn_acked = 1;
	peer->got_syn = 1;
	peer->inferred = 1;
	if (fl & SS_TH_ACK) {
		peer->have = 1;
		peer->isn = p->ack - 1;
		peer->nxt = p->ack;
	}
	tcp_set_state(s, 0, SS_TCP_ESTABLISHED, SS_RULE_MIDSTREAM);
	tcp_set_state(s, 1, SS_TCP_ESTABLISHED, SS_RULE_MIDSTREAM);
}

/* The receiver's window in bytes as the observer knows it. */
static uint64_t
rcv_window(const struct ss_tcp_conn *c, int who)
{
	const struct ss_tcp_dir *d = &c->dir[who];
	unsigned shift;

	if (c->dir[0].wscale != 0xff && c->dir[1].wscale != 0xff)
		shift = d->wscale > 14 ? 14 : d->wscale;
	else if (d->wscale == 0xff && c->dir[1 - who].wscale == 0xff &&
	    d->inferred)
		shift = 14;	/* scale unknown: be generous */
	else
		shift = 0;
	return (uint64_t)d->win << shift;
}

/*
 * Handle a RST from the sender (RFC 9293 §3.10.7, RFC 5961 §3.2).
 * Returns true when it was accepted.
 */
static bool
tcp_rst(struct seg *s)
{
	struct ss_tcp_conn *c = &s->f->u.tcp;
	const struct ss_packet *p = s->p;
	int rx = 1 - s->side;
	struct ss_tcp_dir *me = &c->dir[s->side], *peer = &c->dir[rx];
	uint32_t rcv_nxt = me->nxt;
	uint16_t rule = SS_RULE_GOT_RST;
	bool ok = false;

	switch (peer->state) {
	case SS_TCP_SYN_SENT:
		/* acceptable only with an ACK of its SYN */
		ok = (p->flags & SS_TH_ACK) && peer->have &&
		    SEQ_GT(p->ack, peer->isn) && SEQ_LEQ(p->ack, peer->nxt);
		rule = SS_RULE_GOT_RST_SYNSENT;
		if (!ok) {
			ss_tcp_anomaly(s->e, s->f, p, s->side, SS_AN_RST_IGNORED);
			return false;
		}
		break;
	case SS_TCP_CLOSED:
	case SS_TCP_LISTEN:
		/* nothing to reset; the sender aborts its own end */
		ok = true;
		break;
	default:
		if (!me->have || p->seq == rcv_nxt ||
		    (peer->have_ack && p->seq == peer->ack))
			ok = true;
		else if (me->fin && p->seq == me->fin_seq) {
			ok = true;
			rule = SS_RULE_GOT_RST_FIN;
		} else if (SEQ_GEQ(p->seq, rcv_nxt) &&
		    (uint64_t)(p->seq - rcv_nxt) < rcv_window(c, rx)) {
			/* RFC 5961 §3.2: in window, not exact: challenge ACK */
			ss_tcp_anomaly(s->e, s->f, p, s->side,
			    SS_AN_RST_CHALLENGE);
			return false;
		} else {
			ss_tcp_anomaly(s->e, s->f, p, s->side,
			    SS_AN_RST_OUT_OF_WINDOW);
			return false;
		}
		if (peer->state == SS_TCP_SYN_RECEIVED)
			rule = SS_RULE_GOT_RST_SYNRCVD;
		else if (peer->state == SS_TCP_TIME_WAIT)
			rule = SS_RULE_GOT_RST_TW;
		break;
	}
	me->rst = 1;
	tcp_set_state(s, s->side, SS_TCP_CLOSED, SS_RULE_SEND_RST);
	tcp_set_state(s, rx, SS_TCP_CLOSED, rule);
	return true;
}

/* What sending a SYN or SYN-ACK means for its sender and receiver. */
static void
tcp_syn(struct seg *s)
{
	struct ss_tcp_conn *c = &s->f->u.tcp;
	const struct ss_packet *p = s->p;
	int tx = s->side, rx = 1 - s->side;
	struct ss_tcp_dir *me = &c->dir[tx], *peer = &c->dir[rx];
	bool ack = (p->flags & SS_TH_ACK) != 0;

	if (!ack) {
		if (me->syn)
			return;		/* retransmitted SYN */
		if (me->state != SS_TCP_CLOSED) {
			/*
			 * RFC 5961 §4: a SYN in a synchronized state is
			 * answered with a challenge ACK; nothing changes.
			 */
			ss_tcp_anomaly(s->e, s->f, p, tx, SS_AN_SYN_CHALLENGE);
			return;
		}
		me->syn = 1;
		tcp_set_state(s, tx, SS_TCP_SYN_SENT, SS_RULE_SEND_SYN);
		if (me->got_syn)	/* the peer's SYN crossed ours */
			tcp_set_state(s, tx, SS_TCP_SYN_RECEIVED,
			    SS_RULE_GOT_SYN_SYNSENT);
		peer->got_syn = 1;
		if (peer->state == SS_TCP_SYN_SENT && peer->syn)
			tcp_set_state(s, rx, SS_TCP_SYN_RECEIVED,
			    SS_RULE_GOT_SYN_SYNSENT);
		return;
	}
	/* SYN-ACK */
	if (!me->synack) {
		me->synack = 1;
		if (me->state == SS_TCP_CLOSED || me->state == SS_TCP_LISTEN) {
			me->got_syn = 1;
			tcp_set_state(s, tx, SS_TCP_LISTEN, SS_RULE_LISTEN);
			tcp_set_state(s, tx, SS_TCP_SYN_RECEIVED,
			    SS_RULE_GOT_SYN_LISTEN);
		} else if (me->state == SS_TCP_SYN_SENT) {
			me->got_syn = 1;
			tcp_set_state(s, tx, SS_TCP_SYN_RECEIVED,
			    SS_RULE_GOT_SYN_SYNSENT);
		}
	}
	peer->got_syn = 1;
	/* the receiver: an ACK of its SYN (RFC 9293 §3.10.7.3) */
	if (peer->syn && peer->have && SEQ_GT(p->ack, peer->isn) &&
	    SEQ_LEQ(p->ack, peer->nxt) && !peer->syn_acked) {
		peer->syn_acked = 1;
		if (peer->state == SS_TCP_SYN_SENT)
			tcp_set_state(s, rx, SS_TCP_ESTABLISHED,
			    SS_RULE_GOT_SYNACK);
		else if (peer->state == SS_TCP_SYN_RECEIVED)
			tcp_set_state(s, rx, SS_TCP_ESTABLISHED,
			    SS_RULE_SYN_ACKED);
	}
}

/* What the ACK field means for the receiver: its SYN or FIN acknowledged. */
static void
tcp_ack(struct seg *s)
{
	struct ss_tcp_conn *c = &s->f->u.tcp;
	const struct ss_packet *p = s->p;
	int rx = 1 - s->side;
	struct ss_tcp_dir *peer = &c->dir[rx];

	if (!peer->have)
		return;
	if (!peer->syn_acked && (peer->syn || peer->synack) &&
	    SEQ_GT(p->ack, peer->isn)) {
		peer->syn_acked = 1;
		if (peer->state == SS_TCP_SYN_RECEIVED) {
			tcp_set_state(s, rx, SS_TCP_ESTABLISHED,
			    SS_RULE_SYN_ACKED);
		}
	}
	/* a FIN is acknowledged only by an ACK covering FIN + 1 */
	if (peer->fin && !peer->fin_acked && SEQ_GEQ(p->ack, peer->fin_seq + 1)) {
		peer->fin_acked = 1;
		switch (peer->state) {
		case SS_TCP_FIN_WAIT_1:
			tcp_set_state(s, rx, SS_TCP_FIN_WAIT_2,
			    SS_RULE_FIN_ACKED);
			break;
		case SS_TCP_CLOSING:
			tcp_set_state(s, rx, SS_TCP_TIME_WAIT,
			    SS_RULE_FIN_ACKED);
			break;
		case SS_TCP_LAST_ACK:
			tcp_set_state(s, rx, SS_TCP_CLOSED, SS_RULE_FIN_ACKED);
			break;
		default:
			break;
		}
	}
}

/* What sending a FIN means for its sender. */
static void
tcp_fin_send(struct seg *s)
{
	struct ss_tcp_conn *c = &s->f->u.tcp;
	const struct ss_packet *p = s->p;
	int tx = s->side, rx = 1 - s->side;
	struct ss_tcp_dir *me = &c->dir[tx], *peer = &c->dir[rx];
	bool passive;

	if (!me->fin) {
		me->fin = 1;
		me->fin_seq = p->seq + p->payload_len;
		/* did it receive the peer's FIN before sending its own? */
		passive = peer->fin && (p->flags & SS_TH_ACK) &&
		    SEQ_GEQ(p->ack, peer->fin_seq + 1);
		switch (me->state) {
		case SS_TCP_ESTABLISHED:
		case SS_TCP_SYN_RECEIVED:
			tcp_set_state(s, tx, SS_TCP_FIN_WAIT_1,
			    SS_RULE_SEND_FIN);
			break;
		case SS_TCP_CLOSE_WAIT:
			if (passive)
				tcp_set_state(s, tx, SS_TCP_LAST_ACK,
				    SS_RULE_SEND_FIN_PASSIVE);
			else
				tcp_set_state(s, tx, SS_TCP_CLOSING,
				    SS_RULE_FIN_CROSSED);
			break;
		default:
			break;
		}
	}
}

/* What the FIN means for its receiver (after its ACK field was applied). */
static void
tcp_fin_recv(struct seg *s)
{
	struct ss_tcp_dir *peer = &s->f->u.tcp.dir[1 - s->side];
	int rx = 1 - s->side;

	if (peer->got_fin)
		return;
	switch (peer->state) {
	case SS_TCP_ESTABLISHED:
	case SS_TCP_SYN_RECEIVED:
		peer->got_fin = 1;
		tcp_set_state(s, rx, SS_TCP_CLOSE_WAIT, SS_RULE_GOT_FIN);
		break;
	case SS_TCP_FIN_WAIT_1:
		peer->got_fin = 1;
		tcp_set_state(s, rx, SS_TCP_CLOSING, SS_RULE_GOT_FIN_FW1);
		break;
	case SS_TCP_FIN_WAIT_2:
		peer->got_fin = 1;
		tcp_set_state(s, rx, SS_TCP_TIME_WAIT, SS_RULE_GOT_FIN_FW2);
		break;
	default:
		break;
	}
}

/* The timeout class of a connection, from its endpoints' states. */
static uint8_t
tcp_class(const struct ss_tcp_conn *c)
{
	uint8_t a = c->dir[0].state, b = c->dir[1].state;

	if (a == SS_TCP_CLOSED && b == SS_TCP_CLOSED)
		return SS_FC_TCP_CLOSED;
	if ((a == SS_TCP_TIME_WAIT || a == SS_TCP_CLOSED) &&
	    (b == SS_TCP_TIME_WAIT || b == SS_TCP_CLOSED))
		return SS_FC_TCP_TIMEWAIT;
	if (a != SS_TCP_ESTABLISHED && b != SS_TCP_ESTABLISHED &&
	    a <= SS_TCP_SYN_RECEIVED && b <= SS_TCP_SYN_RECEIVED)
		return SS_FC_TCP_HALFOPEN;
	return SS_FC_TCP_OPEN;
}

#ifdef SS_VERIFY_PREDICTION
/* A predicted segment's effects differed from the full path's. */
_Noreturn void
ss_prediction_failed(const char *where, const struct ss_flow *f,
    const struct ss_packet *p)
{
	fprintf(stderr, "synscope: %s: header prediction differs from the "
	    "full path: flow %llu, packet at %llu ns, flags 0x%x, seq %u, "
	    "ack %u, len %u\n", where, (unsigned long long)f->id,
	    (unsigned long long)p->ts_ns, p->flags, p->seq, p->ack,
	    p->payload_len);
	abort();
}
#endif

/* Can the open prediction (tcp_open_predicted) take this segment? */
static inline bool
open_predictable(const struct ss_flow *f, const struct ss_packet *p,
    int side)
{
	return (p->flags & (SS_TH_SYN | SS_TH_ACK | SS_TH_RST | SS_TH_FIN)) ==
	    SS_TH_SYN && side == 0 && !f->flipped && f->d[0].pkts == 1 &&
	    f->d[1].pkts == 0 && p->payload_len == 0 && p->win != 0;
}

/* The open prediction's effects on an all-zero state, but the transition. */
static void
open_fields(struct ss_tcp_conn *c, const struct ss_packet *p)
{
	struct ss_tcp_dir *me = &c->dir[0];
	uint16_t fl = p->flags;

	ss_zeek_first_syn(c, p);
	c->dir[0].wscale = c->dir[1].wscale = 0xff;
	me->last_flags = (uint8_t)fl;
	me->flags_seen = (uint8_t)fl;
	me->fp = p->seg_fp;
	me->fp_us = (uint32_t)(p->ts_ns / 1000);
	me->fp_valid = 1;
	ss_tcp_analyze_first_syn(c, p);
	me->have = 1;
	me->isn = p->seq;
	me->nxt = p->seq + 1;
	if (p->opt.has & SS_OPT_TS)
		me->ts_val = p->opt.ts_val;
	me->syn = 1;
	c->dir[1].got_syn = 1;
}

/*
 * Open prediction: the first segment of most connections, and every
 * segment of a SYN flood or a port scan, is a bare SYN from the
 * originator, and its effects on a new flow (all zero) are always the
 * same few fields: the sender's sequence space, its window, scale and
 * timestamp, Zeek's 'S' and SYN_SENT, and one transition, CLOSED ->
 * SYN-SENT.  Sets them without the full path's tests and returns true;
 * returns false, having changed nothing, for any other segment.  The
 * effects must be exactly the full path's: a verifying build runs both
 * and aborts on any difference (see ss_tcp_segment).
 */
static bool
tcp_open_predicted(struct seg *s)
{
	if (!open_predictable(s->f, s->p, s->side))
		return false;
	open_fields(&s->f->u.tcp, s->p);
	tcp_set_state(s, 0, SS_TCP_SYN_SENT, SS_RULE_SEND_SYN);
	return true;
}

/*
 * A lazy flow's memo (SS_FLOW_HEAD) and the transition's state are kept
 * apart: the SYN's event is made as tcp_set_state() makes it, with the
 * state in its place, and only the memo and that byte are written.
 */
_Static_assert(offsetof(struct ss_tcp_conn, dir[0].state) >=
    sizeof(struct ss_syn_memo), "the memo leaves the originator's state be");
_Static_assert(offsetof(struct ss_flow, u) +
    offsetof(struct ss_tcp_conn, dir[0].state) < SS_FLOW_HEAD,
    "the originator's state is in a lazy flow's head");

/* The packet a lazy flow's memo stands for, as open_fields() reads it. */
static void
memo_packet(const struct ss_flow *f, struct ss_packet *p)
{
	const struct ss_syn_memo *m = &f->u.syn;

	memset(p, 0, sizeof(*p));
	p->ts_ns = f->first_ns;
	p->seq = m->seq;
	p->seg_fp = m->seg_fp;
	p->win = m->win;
	p->flags = m->flags;
	p->opt.has = m->opt_has;
	p->opt.wscale = m->wscale;
	p->opt.ts_val = m->ts_val;
}

/* Make the whole record of a flow kept as its head (SS_FLOW_HEAD). */
void
ss_tcp_materialize(struct ss_flow *f)
{
	struct ss_packet p;

	if (!f->lazy)
		return;
	memo_packet(f, &p);
	memset(&f->u, 0, sizeof(f->u));
	open_fields(&f->u.tcp, &p);
	f->u.tcp.dir[0].state = SS_TCP_SYN_SENT;
	f->lazy = 0;
}

/*
 * The bare SYN that opened a flow created as its head: its memo, and the
 * transition the open prediction makes.  A verifying build makes the
 * record at once on a copy, through the verified path, and aborts unless
 * the head made whole and the events are the same.
 */
static void
tcp_syn_head(struct ss_engine *e, struct ss_flow *f, const struct ss_packet *p)
{
	struct ss_syn_memo *m = &f->u.syn;
	struct seg s = { e, f, p, 0 };
#ifdef SS_VERIFY_PREDICTION
	struct ss_flow full = *f, made;
	struct ss_event evs[SS_MAX_PKT_EVENTS];
	size_t nevs = e->nevs, n, i;

	full.lazy = 0;
	memset(&full.u, 0, sizeof(full.u));
	if (ss_tcp_segment(e, &full, p, 0) != SS_FC_TCP_HALFOPEN)
		ss_prediction_failed("tcp_syn_head", f, p);
	n = e->nevs - nevs;
	memcpy(evs, e->evs + nevs, n * sizeof(evs[0]));
	for (i = 0; i < n; i++)
		evs[i].flow = f;
	e->nevs = nevs;
#endif
	m->seq = p->seq;
	m->seg_fp = p->seg_fp;
	m->ts_val = p->opt.ts_val;
	m->win = p->win;
	m->flags = p->flags;
	m->opt_has = p->opt.has;
	m->wscale = p->opt.wscale;
	tcp_set_state(&s, 0, SS_TCP_SYN_SENT, SS_RULE_SEND_SYN);
#ifdef SS_VERIFY_PREDICTION
	made = *f;
	ss_tcp_materialize(&made);
	if (e->nevs != nevs + n ||
	    memcmp(evs, e->evs + nevs, n * sizeof(evs[0])) != 0 ||
	    memcmp(&made, &full, sizeof(made)) != 0)
		ss_prediction_failed("tcp_syn_head", f, p);
#endif
}

static uint8_t	tcp_segment_full(struct ss_engine *, struct ss_flow *,
		    const struct ss_packet *, int);

/* Track one segment; returns the flow's timeout class. */
uint8_t
ss_tcp_segment(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	if (f->lazy) {		/* created as its head for this SYN */
		if (open_predictable(f, p, side)) {
			tcp_syn_head(e, f, p);
			return SS_FC_TCP_HALFOPEN;
		}
		/* not a SYN the head can stand for: the whole record */
		memset(&f->u, 0, sizeof(f->u));
		f->lazy = 0;
	}
#ifdef SS_VERIFY_PREDICTION
	struct ss_flow pred = *f;
	struct seg ps = { e, &pred, p, side };
	struct ss_event evs[SS_MAX_PKT_EVENTS];
	size_t nevs = e->nevs, n, i;
	uint8_t fc;

	if (tcp_open_predicted(&ps)) {
		/* its events, as the full path would make them for f */
		n = e->nevs - nevs;
		memcpy(evs, e->evs + nevs, n * sizeof(evs[0]));
		for (i = 0; i < n; i++)
			evs[i].flow = f;
		e->nevs = nevs;
		fc = tcp_segment_full(e, f, p, side);
		if (fc != SS_FC_TCP_HALFOPEN || e->nevs != nevs + n ||
		    memcmp(evs, e->evs + nevs, n * sizeof(evs[0])) != 0 ||
		    memcmp(&pred, f, sizeof(pred)) != 0)
			ss_prediction_failed("ss_tcp_segment", f, p);
		return fc;
	}
#else
	struct seg s = { e, f, p, side };

	if (tcp_open_predicted(&s))
		return SS_FC_TCP_HALFOPEN;
#endif
	return tcp_segment_full(e, f, p, side);
}

/* Every step for one segment. */
static uint8_t
tcp_segment_full(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_tcp_dir *me = &c->dir[side];
	struct seg s = { e, f, p, side };
	uint16_t fl = p->flags;
	uint32_t fp, us, end;
	bool probe;

	/* Zeek's view first: every frame counts there, duplicates too */
	ss_zeek_tcp_packet(e, f, p, side);
	if (f->flipped && side != ss_packet_side(f, p)) {
		side = ss_packet_side(f, p);	/* Zeek swapped the roles */
		s.side = side;
		me = &c->dir[side];
	}
	if (f->d[0].pkts + f->d[1].pkts == 1) {
		c->dir[0].wscale = c->dir[1].wscale = 0xff;
		tcp_first_segment(&s);
	}
	me->last_flags = (uint8_t)fl;
	me->flags_seen |= (uint8_t)fl;
	f->d[side].bytes += p->payload_len;

	/*
	 * The same frame captured twice (lo, "any", bridges): identical to
	 * the connection's previous segment and within DUP_WINDOW_US of it.
	 * (A genuine resend, such as a duplicate ACK, follows a segment of
	 * the other side or comes later.)  Counted, changes nothing.
	 */
	fp = p->seg_fp;
	us = (uint32_t)(p->ts_ns / 1000);
	if (me->fp_valid && me->fp == fp && c->last_side == side &&
	    us - me->fp_us <= DUP_WINDOW_US) {
		ss_tcp_anomaly(e, f, p, side, SS_AN_DUPLICATE);
		return f->fclass;
	}
	me->fp = fp;
	me->fp_us = us;
	me->fp_valid = 1;
	c->last_side = (uint8_t)side;

	if (invalid_flags(fl)) {
		ss_tcp_anomaly(e, f, p, side, SS_AN_INVALID_FLAGS);
		return tcp_class(c);
	}
	probe = ss_tcp_analyze(e, f, p, side);

	/* the sender's sequence space */
	if (!me->have) {
		me->have = 1;
		me->isn = (fl & SS_TH_SYN) ? p->seq : p->seq - 1;
		me->nxt = p->seq;
	}
	if ((fl & SS_TH_SYN) && !me->syn && !me->synack)
		me->isn = p->seq;
	end = p->seq + p->payload_len + ((fl & SS_TH_SYN) ? 1 : 0) +
	    ((fl & SS_TH_FIN) ? 1 : 0);
	if ((fl & SS_TH_RST) == 0 && !probe && SEQ_GT(end, me->nxt))
		me->nxt = end;
	if (p->opt.has & SS_OPT_TS)
		me->ts_val = p->opt.ts_val;
	if ((fl & (SS_TH_ACK | SS_TH_RST)) == SS_TH_ACK) {
		me->ack = p->ack;	/* the last one, as Wireshark keeps it */
		me->have_ack = 1;
	}

	if (fl & SS_TH_RST) {
		tcp_rst(&s);
		return tcp_class(c);
	}
	/* the sender's side first, then the receiver's (ACK before FIN) */
	if (fl & SS_TH_SYN)
		tcp_syn(&s);
	if (fl & SS_TH_FIN)
		tcp_fin_send(&s);
	if (fl & SS_TH_ACK)
		tcp_ack(&s);
	if (fl & SS_TH_FIN)
		tcp_fin_recv(&s);
	return tcp_class(c);
}

/* A connection leaves the table: TIME-WAIT ends if 2MSL has passed. */
void
ss_tcp_end(struct ss_engine *e, struct ss_flow *f)
{
	struct seg s = { e, f, NULL, 0 };
	int i;

	if (f->end != SS_END_IDLE || f->fclass != SS_FC_TCP_TIMEWAIT)
		return;
	for (i = 0; i < 2; i++)
		if (f->u.tcp.dir[i].state == SS_TCP_TIME_WAIT)
			tcp_set_state(&s, i, SS_TCP_CLOSED, SS_RULE_TW_EXPIRED);
}
