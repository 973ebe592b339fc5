/*
 * zeek.c - Zeek-compatible connection summaries.
 *
 * Reference: Zeek's scripts/base/protocols/conn/main.zeek (conn_state,
 * set_conn) and its TCP analyzer (TCPSessionAdapter.cc: Process,
 * update_history, update_window, init_endpoint, init_peer,
 * update_ack_seq, update_last_seq, UpdateStateMachine and its
 * Update*State helpers; TCP_Endpoint::Size and CheckHistory; the TCP and
 * UDP WantConnection heuristics; Session::ScaledHistoryEntry).
 *
 * Zeek's endpoint states are not RFC 9293 states: they are tracked here
 * beside the RFC states, only to compute conn_state, history, the byte
 * counts and the duration exactly as Zeek does.  Deviations, by design:
 *   - checksums are not verified (as "zeek -C"), so no 'C' letters;
 *   - 'G' (content gaps) needs Zeek's reassembler and is not produced;
 *   - an unanswered SYN stays one connection with its retransmissions
 *     (Zeek logs it after 5 s and makes later retries new connections);
 *   - records are written when synscope's own timers end a flow.
 * doc/zeek.md lists every case where Zeek's verdict and the RFC states
 * disagree, and why.
 */
#include <netinet/in.h>
#include <string.h>

#include "synscope/track.h"
#include "synscope/zeek.h"

#define TOO_LARGE_SEQ_DELTA 1048576

/* TCP_Endpoint history masks (shifted by 8 for the responder here). */
#define HIST_SYN_PKT	0x01
#define HIST_FIN_PKT	0x02
#define HIST_RST_PKT	0x04
#define HIST_FIN_RST	0x08
#define HIST_DATA_PKT	0x10
#define HIST_ACK_PKT	0x20
#define HIST_MULTI_FLAG	0x40

/*
 * Zeek's likely_server_ports (Zeek 6 and 7 defaults: the ports its base
 * scripts add with "redef likely_server_ports").
 */
static const uint16_t likely_tcp[] = {
	21, 22, 25, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 502, 563,
	585, 587, 614, 631, 636, 989, 990, 992, 993, 995, 1080, 1883, 2811,
	3128, 3268, 3389, 5222, 5223, 5269, 6666, 6667, 6668, 6669, 8000,
	8080, 8888, 20000, 53,
};
static const uint16_t likely_udp[] = {
	53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 1812, 2123, 2152,
	3544, 4789, 5060, 5072, 5353, 5355, 6081, 20000,
};

/* Is port in Zeek's likely_server_ports for the protocol? */
static bool
likely_server_port(uint8_t proto, uint16_t port)
{
	const uint16_t *t = proto == IPPROTO_TCP ? likely_tcp : likely_udp;
	size_t i, n = proto == IPPROTO_TCP ?
	    sizeof(likely_tcp) / sizeof(likely_tcp[0]) :
	    sizeof(likely_udp) / sizeof(likely_udp[0]);

	for (i = 0; i < n; i++)
		if (t[i] == port)
			return true;
	return false;
}

/*
 * IPBasedAnalyzer::NewConn never flips a connection whose first packet
 * went to the IPv4 limited broadcast address (IPAddr::IsBroadcast).
 */
static bool
dst_is_broadcast(const struct ss_packet *p)
{
	static const uint8_t bc[4] = { 0xff, 0xff, 0xff, 0xff };

	return p->family == 4 && memcmp(p->dst.a, bc, sizeof(bc)) == 0;
}

/* TCPAnalyzer::WantConnection: is the first packet's sender the orig? */
bool
ss_zeek_tcp_sender_is_orig(const struct ss_packet *p)
{
	uint16_t fl = p->flags;

	if (dst_is_broadcast(p))
		return true;
	if ((fl & SS_TH_SYN) && !(fl & SS_TH_ACK))
		return true;
	if (!likely_server_port(IPPROTO_TCP, p->sport))
		return true;
	if (likely_server_port(IPPROTO_TCP, p->dport))
		return !(!(fl & SS_TH_SYN) && p->sport < p->dport);
	return false;
}

/* UDPAnalyzer::WantConnection. */
bool
ss_zeek_udp_sender_is_orig(const struct ss_packet *p)
{
	if (p->proto != IPPROTO_UDP || dst_is_broadcast(p))
		return true;	/* ICMP and broadcasts never flip */
	return !(likely_server_port(IPPROTO_UDP, p->sport) &&
	    !likely_server_port(IPPROTO_UDP, p->dport));
}

/* Append a letter to a history buffer. */
static void
hist_add(char *h, uint8_t *len, size_t cap, char c)
{
	if (*len + 1u < cap) {
		h[(*len)++] = c;
		h[*len] = '\0';
	}
}

/* The responder's letter: ASCII lower case, no locale lookup. */
static inline char
hist_lower(char code)
{
	return code >= 'A' && code <= 'Z' ? (char)(code + ('a' - 'A')) : code;
}

/* Session::CheckHistory for a TCP endpoint: true if seen before. */
static bool
tcp_check_history(struct ss_tcp_conn *c, int side, uint16_t mask, char code)
{
	if (side != 0) {
		mask = (uint16_t)(mask << 8);
		code = hist_lower(code);
	}
	if ((c->hist_seen & mask) == 0) {
		c->hist_seen |= mask;
		hist_add(c->history, &c->hist_len, sizeof(c->history), code);
		return false;
	}
	return true;
}

/* TCP_Endpoint::AddHistory. */
static void
tcp_add_history(struct ss_tcp_conn *c, int side, char code)
{
	if (side != 0)
		code = hist_lower(code);
	hist_add(c->history, &c->hist_len, sizeof(c->history), code);
}

/* ScaledHistoryEntry: a letter at the 1st, 10th, 100th ... event. */
static void
tcp_scaled_history(struct ss_tcp_conn *c, int side, char code,
    uint32_t *counter)
{
	uint32_t n;

	if (*counter == UINT32_MAX)
		return;
	n = ++*counter;
	while (n % 10 == 0)
		n /= 10;
	if (n == 1)
		tcp_add_history(c, side, code);
}

/* update_history: one letter decision per packet. */
static void
update_history(struct ss_tcp_conn *c, int side, uint16_t fl, uint32_t rel_seq,
    uint32_t len)
{
	struct ss_zeek_dir *z = &c->dir[side].z;
	int bits = !!(fl & SS_TH_SYN) + !!(fl & SS_TH_FIN) + !!(fl & SS_TH_RST);

	if (bits > 1) {
		if ((fl & SS_TH_FIN) && (fl & SS_TH_RST))
			tcp_check_history(c, side, HIST_FIN_RST, 'I');
		else
			tcp_check_history(c, side, HIST_MULTI_FLAG, 'Q');
	} else if (bits == 1) {
		if (fl & SS_TH_SYN) {
			char code = (fl & SS_TH_ACK) ? 'H' : 'S';

			if (tcp_check_history(c, side, HIST_SYN_PKT, code) &&
			    rel_seq != z->hist_syn)
				tcp_add_history(c, side, code);
			z->hist_syn = rel_seq;
		}
		if (fl & SS_TH_FIN) {
			if (tcp_check_history(c, side, HIST_FIN_PKT, 'F') &&
			    rel_seq + len != z->hist_fin)
				tcp_add_history(c, side, 'F');
			z->hist_fin = rel_seq + len;
		}
		if (fl & SS_TH_RST) {
			if (tcp_check_history(c, side, HIST_RST_PKT, 'R') &&
			    rel_seq != z->hist_rst)
				tcp_add_history(c, side, 'R');
			z->hist_rst = rel_seq;
		}
	} else {
		if (len != 0)
			tcp_check_history(c, side, HIST_DATA_PKT, 'D');
		else if (fl & SS_TH_ACK)
			tcp_check_history(c, side, HIST_ACK_PKT, 'A');
	}
}

/* TCP_Endpoint::SetState. */
static void
zset(struct ss_zeek_dir *z, uint8_t st)
{
	if (z->state != st) {
		z->prev = z->state;
		z->state = st;
	}
}

/* Set a 32-bit sequence value that counts its wraps (UpdateLastSeq). */
static void
update_wrapping(uint32_t *v, uint16_t *wraps, uint32_t nv)
{
	if (nv < *v && *wraps < UINT16_MAX)
		(*wraps)++;
	*v = nv;
}

/* init_endpoint: Zeek's sequence bookkeeping of the sender. */
static void
init_endpoint(struct ss_zeek_dir *z, uint16_t fl, uint32_t seq,
    uint32_t one_past)
{
	switch (z->state) {
	case SS_Z_INACTIVE:
		if (fl & SS_TH_SYN) {
			z->ack = z->start = seq;
			z->last = one_past;
		} else {
			z->ack = z->start = seq - 1;
			z->last = seq;
		}
		z->last_wraps = z->ack_wraps = 0;
		break;
	case SS_Z_SYN_SENT:
	case SS_Z_SYN_ACK_SENT:
		if ((fl & SS_TH_SYN) && seq != z->start) {
			z->ack = z->start = z->last = seq;
			z->last_wraps = z->ack_wraps = 0;
		}
		break;
	case SS_Z_ESTABLISHED:
	case SS_Z_PARTIAL:
		if (fl & SS_TH_SYN) {
			z->ack = z->start = z->last = seq;
			z->last_wraps = z->ack_wraps = 0;
		}
		break;
	case SS_Z_RESET:
		if ((fl & SS_TH_SYN) && z->prev == SS_Z_INACTIVE) {
			z->ack = z->start = z->last = seq;
			z->last_wraps = z->ack_wraps = 0;
		}
		break;
	default:
		break;
	}
}

/* Swap the two sides of a flow (Zeek's Connection::FlipRoles). */
static void
flip_roles(struct ss_flow *f)
{
	struct ss_flow_dir d = f->d[0];
	struct ss_tcp_dir t;

	f->d[0] = f->d[1];
	f->d[1] = d;
	f->orig_is_lo = !f->orig_is_lo;
	f->flipped = 1;
	if (f->key.proto == IPPROTO_TCP) {
		t = f->u.tcp.dir[0];
		f->u.tcp.dir[0] = f->u.tcp.dir[1];
		f->u.tcp.dir[1] = t;
		hist_add(f->u.tcp.history, &f->u.tcp.hist_len,
		    sizeof(f->u.tcp.history), '^');
	} else
		hist_add(f->u.udp.history, &f->u.udp.hist_len,
		    sizeof(f->u.udp.history), '^');
}

/* The first packet of a flow was flipped: start its history with '^'. */
void
ss_zeek_created_flipped(struct ss_flow *f)
{
	f->flipped = 1;
	if (f->key.proto == IPPROTO_TCP)
		hist_add(f->u.tcp.history, &f->u.tcp.hist_len,
		    sizeof(f->u.tcp.history), '^');
	else
		hist_add(f->u.udp.history, &f->u.udp.hist_len,
		    sizeof(f->u.udp.history), '^');
}

/* UpdateInactiveState; returns true when the roles were flipped. */
static bool
update_inactive(struct ss_flow *f, int side, uint16_t fl, uint32_t seq,
    uint32_t len, bool *do_close)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_zeek_dir *e = &c->dir[side].z, *p = &c->dir[1 - side].z;
	bool is_orig = side == 0, flipped = false;

	if (fl & SS_TH_SYN) {
		if (is_orig)
			zset(e, (fl & SS_TH_ACK) ? SS_Z_SYN_ACK_SENT :
			    SS_Z_SYN_SENT);
		else {
			if (!(fl & SS_TH_ACK) && p->state == SS_Z_SYN_ACK_SENT &&
			    seq == e->start) {
				/* SYN/SYN-ACK reversal: flip, establish */
				flip_roles(f);
				/* e and p now name the same endpoints' new slots */
				e = &c->dir[1 - side].z;
				p = &c->dir[side].z;
				zset(p, SS_Z_ESTABLISHED);
				flipped = true;
			}
			if (p->state == SS_Z_SYN_SENT)
				zset(p, SS_Z_ESTABLISHED);
			zset(e, SS_Z_ESTABLISHED);
		}
	}
	if (fl & SS_TH_FIN) {
		zset(e, SS_Z_CLOSED);
		*do_close = true;
	}
	if (fl & SS_TH_RST) {
		zset(e, SS_Z_RESET);
		*do_close = true;
	}
	if (e->state == SS_Z_INACTIVE) {
		struct ss_zeek_dir *o = &c->dir[0].z;

		if (!is_orig && len == 0 && o->state == SS_Z_SYN_SENT)
			;	/* an ACK of the SYN before the SYN-ACK */
		else if ((fl & SS_TH_ACK) && p->state == SS_Z_ESTABLISHED)
			zset(e, SS_Z_ESTABLISHED);
		else
			zset(e, SS_Z_PARTIAL);
	}
	return flipped;
}

/* UpdateStateMachine; returns true when the roles were flipped. */
static bool
update_state_machine(struct ss_flow *f, int side, uint16_t fl, uint32_t seq,
    uint32_t len)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_zeek_dir *e = &c->dir[side].z, *p = &c->dir[1 - side].z;
	bool do_close = false, flipped = false;

	switch (e->state) {
	case SS_Z_INACTIVE:
		flipped = update_inactive(f, side, fl, seq, len, &do_close);
		if (flipped)
			e = &c->dir[1 - side].z;
		break;
	case SS_Z_SYN_SENT:
	case SS_Z_SYN_ACK_SENT:
		if (fl & SS_TH_FIN) {
			zset(e, SS_Z_CLOSED);
			do_close = true;
		}
		if (fl & SS_TH_RST) {
			zset(e, SS_Z_RESET);
			do_close = true;
		}
		break;
	case SS_Z_ESTABLISHED:
	case SS_Z_PARTIAL:
		if ((fl & SS_TH_SYN) && e->state == SS_Z_PARTIAL &&
		    p->state == SS_Z_INACTIVE && !(fl & SS_TH_ACK))
			zset(e, SS_Z_SYN_SENT);
		if ((fl & SS_TH_FIN) && !(fl & SS_TH_RST)) {
			zset(e, SS_Z_CLOSED);
			if (p->state == SS_Z_RESET && p->prev == SS_Z_CLOSED)
				zset(p, SS_Z_CLOSED);
			do_close = true;
		}
		if (fl & SS_TH_RST) {
			zset(e, SS_Z_RESET);
			do_close = true;
		}
		break;
	case SS_Z_CLOSED:
		if ((fl & SS_TH_RST) && p->state != SS_Z_CLOSED) {
			zset(e, SS_Z_RESET);
			if (!e->did_close)
				do_close = true;
		}
		break;
	default:
		break;
	}
	if (do_close)
		e->did_close = 1;
	return flipped;
}

/*
 * Header prediction for Zeek's bookkeeping: a segment with an ACK and no
 * SYN, FIN or RST, between two ESTABLISHED endpoints, with an open
 * window, changes no state and adds at most its 'D', 'A' or 'T' letter;
 * only the sequence fields move.  Returns false, having changed nothing,
 * for any other segment.  Exactly the full path's effects (checked with
 * -DSS_VERIFY_PREDICTION, see tcp_analysis.c).
 */
static bool
zeek_predicted(struct ss_tcp_conn *c, const struct ss_packet *p, int side)
{
	struct ss_zeek_dir *me = &c->dir[side].z, *peer = &c->dir[1 - side].z;
	uint32_t len = p->payload_len, one_past = p->seq + len;
	int32_t delta;

	if ((p->flags & (SS_TH_SYN | SS_TH_FIN | SS_TH_RST | SS_TH_ACK)) !=
	    SS_TH_ACK || me->state != SS_Z_ESTABLISHED ||
	    peer->state != SS_Z_ESTABLISHED || p->win == 0)
		return false;
	if (len != 0)
		tcp_check_history(c, side, HIST_DATA_PKT, 'D');
	else
		tcp_check_history(c, side, HIST_ACK_PKT, 'A');
	if (!c->dir[0].z.did_close || !c->dir[1].z.did_close)
		c->zlast_ns = p->ts_ns;
	delta = (int32_t)(p->ack - peer->ack);
	if (!(p->ack == 0 && delta > TOO_LARGE_SEQ_DELTA) && delta > 0)
		update_wrapping(&peer->ack, &peer->ack_wraps, p->ack);
	delta = (int32_t)(one_past - me->last);
	if (delta > 0)
		update_wrapping(&me->last, &me->last_wraps, one_past);
	else if (len > 0)
		tcp_scaled_history(c, side, 'T', &me->rxmt);
	return true;
}

/*
 * What zeek_tcp_full() does with the first segment of a connection when it
 * is a bare SYN from the originator with a non-zero window (see
 * ss_tcp_segment's open prediction): the originator's sequence base, its
 * 'S', its state SYN_SENT.  The flow's TCP part is all zero before.
 */
void
ss_zeek_first_syn(struct ss_tcp_conn *c, const struct ss_packet *p)
{
	struct ss_zeek_dir *z = &c->dir[0].z;

	z->ack = z->start = p->seq;
	z->last = p->seq + 1;
	c->hist_seen = HIST_SYN_PKT;
	c->history[0] = 'S';
	c->hist_len = 1;
	c->zlast_ns = p->ts_ns;
	z->state = SS_Z_SYN_SENT;
}

static void	zeek_tcp_full(struct ss_flow *, const struct ss_packet *, int);

/* Zeek's per-packet TCP processing, for one segment. */
void
ss_zeek_tcp_packet(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
#ifdef SS_VERIFY_PREDICTION
	struct ss_flow pred = *f;

	(void)e;
	if (zeek_predicted(&pred.u.tcp, p, side)) {
		zeek_tcp_full(f, p, side);
		if (memcmp(&pred, f, sizeof(pred)) != 0)
			ss_prediction_failed("ss_zeek_tcp_packet", f, p);
		return;
	}
#else
	(void)e;
	if (zeek_predicted(&f->u.tcp, p, side))
		return;
#endif
	zeek_tcp_full(f, p, side);
}

/* Every step of Zeek's TCP analyzer for a segment. */
static void
zeek_tcp_full(struct ss_flow *f, const struct ss_packet *p, int side)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_zeek_dir *me = &c->dir[side].z, *peer = &c->dir[1 - side].z;
	uint16_t fl = p->flags;
	uint32_t len = p->payload_len, seg_len, one_past, rel_seq;
	int32_t delta;

	seg_len = len + ((fl & SS_TH_SYN) ? 1 : 0) + ((fl & SS_TH_FIN) ? 1 : 0);
	if (fl & SS_TH_RST)
		seg_len -= len;
	one_past = p->seq + seg_len;
	init_endpoint(me, fl, p->seq, one_past);
	rel_seq = p->seq - me->start;
	update_history(c, side, fl, rel_seq, len);

	/* update_window: a zero window ('W'), not after close or reset */
	if (p->win == 0 && !(fl & SS_TH_RST) && peer->state != SS_Z_CLOSED &&
	    me->state != SS_Z_RESET)
		tcp_scaled_history(c, side, 'W', &me->win0);

	if (!c->dir[0].z.did_close || !c->dir[1].z.did_close)
		c->zlast_ns = p->ts_ns;
	if (fl & SS_TH_FIN)
		me->fin = 1;

	if (fl & SS_TH_ACK) {
		if (peer->state == SS_Z_INACTIVE) {
			peer->start = peer->ack = peer->last = p->ack - 1;
			peer->last_wraps = peer->ack_wraps = 0;
		} else if (!(fl & SS_TH_RST)) {
			delta = (int32_t)(p->ack - peer->ack);
			if (p->ack == 0 && delta > TOO_LARGE_SEQ_DELTA)
				;
			else if (delta > 0)
				update_wrapping(&peer->ack, &peer->ack_wraps,
				    p->ack);
		}
	}

	/* update_last_seq; a payload that does not advance it is 'T' */
	delta = (int32_t)(one_past - me->last);
	if ((fl & (SS_TH_SYN | SS_TH_RST)) &&
	    (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
		;
	else if ((fl & SS_TH_FIN) && me->last == me->start + 1)
		update_wrapping(&me->last, &me->last_wraps, one_past);
	else if (me->state == SS_Z_RESET)
		;
	else if (delta > 0)
		update_wrapping(&me->last, &me->last_wraps, one_past);
	else if (len > 0)
		tcp_scaled_history(c, side, 'T', &me->rxmt);

	update_state_machine(f, side, fl, p->seq, len);
}

/* History of a UDP flow: 'D' and 'd' once each. */
void
ss_zeek_udp_packet(struct ss_flow *f, const struct ss_packet *p, int side)
{
	struct ss_udp_flow *u = &f->u.udp;

	(void)p;
	if (f->key.proto != IPPROTO_UDP || u->hist_seen[side])
		return;
	u->hist_seen[side] = 1;
	hist_add(u->history, &u->hist_len, sizeof(u->history),
	    side == 0 ? 'D' : 'd');
}

/* 64-bit value of a wrapping 32-bit sequence number. */
static uint64_t
full_seq(uint32_t v, uint16_t wraps)
{
	return ((uint64_t)wraps << 32) | v;
}

/* TCP_Endpoint::Size. */
static uint64_t
tcp_size(const struct ss_tcp_conn *c, int side)
{
	const struct ss_zeek_dir *z = &c->dir[side].z;
	const struct ss_zeek_dir *peer = &c->dir[1 - side].z;
	uint64_t last = full_seq(z->last, z->last_wraps);
	uint64_t ack = full_seq(z->ack, z->ack_wraps);
	uint64_t start = z->start, size;

	if (z->prev == SS_Z_SYN_SENT && z->state == SS_Z_RESET &&
	    peer->state == SS_Z_INACTIVE && !(ack == start || ack == start + 1))
		return 0;
	size = last > ack ? last - start : ack - start;
	if (last < start && ack < start)
		size = 0;
	if (size != 0)
		size--;
	if (z->fin && size != 0)
		size--;
	return size;
}

/* orig_bytes / resp_bytes as Zeek counts them. */
uint64_t
ss_zeek_bytes(const struct ss_flow *f, int side)
{
	if (f->key.proto == IPPROTO_TCP)
		return tcp_size(&f->u.tcp, side);
	return f->d[side].bytes;
}

/* Zeek's duration: TCP stops at the second close; others at last_ns. */
uint64_t
ss_zeek_duration(const struct ss_flow *f)
{
	uint64_t last = f->key.proto == IPPROTO_TCP ? f->u.tcp.zlast_ns :
	    f->last_ns;

	return last > f->first_ns ? last - f->first_ns : 0;
}

/* Does the whole history match /^\^?S[^HAFGIQ]*R.* /? */
static bool
history_rstos0(const char *h)
{
	if (*h == '^')
		h++;
	if (*h++ != 'S')
		return false;
	for (; *h != '\0'; h++) {
		if (*h == 'R')
			return true;
		if (strchr("HAFGIQ", *h) != NULL)
			return false;
	}
	return false;
}

/* conn_state of a flow (main.zeek's conn_state). */
const char *
ss_zeek_conn_state(const struct ss_flow *f)
{
	const struct ss_tcp_conn *c = &f->u.tcp;
	uint8_t os, rs;
	bool oi, ri;

	if (f->key.proto == IPPROTO_UDP) {
		bool oa = f->d[0].pkts > 0, ra = f->d[1].pkts > 0;

		if (oa)
			return ra ? "SF" : "S0";
		return ra ? "SHR" : "OTH";
	}
	if (f->key.proto != IPPROTO_TCP)
		return "OTH";
	os = c->dir[0].z.state;
	rs = c->dir[1].z.state;
	oi = os == SS_Z_INACTIVE || os == SS_Z_PARTIAL;
	ri = rs == SS_Z_INACTIVE || rs == SS_Z_PARTIAL;
	if (rs == SS_Z_RESET) {
		if (os == SS_Z_SYN_SENT || os == SS_Z_SYN_ACK_SENT ||
		    (os == SS_Z_RESET && tcp_size(c, 0) == 0 &&
		    tcp_size(c, 1) == 0))
			return "REJ";
		return oi ? "RSTRH" : "RSTR";
	}
	if (os == SS_Z_RESET) {
		if (ri)
			return history_rstos0(c->history) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (rs == SS_Z_CLOSED && os == SS_Z_CLOSED)
		return "SF";
	if (os == SS_Z_CLOSED)
		return ri ? "SH" : "S2";
	if (rs == SS_Z_CLOSED)
		return oi ? "SHR" : "S3";
	if (os == SS_Z_SYN_SENT && rs == SS_Z_INACTIVE)
		return "S0";
	if (os == SS_Z_ESTABLISHED && rs == SS_Z_ESTABLISHED)
		return "S1";
	return "OTH";
}

/* History of a flow. */
const char *
ss_zeek_history(const struct ss_flow *f)
{
	if (f->key.proto == IPPROTO_TCP)
		return f->u.tcp.history;
	if (f->key.proto == IPPROTO_UDP)
		return f->u.udp.history;
	return "";
}
