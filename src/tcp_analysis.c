/*
 * tcp_analysis.c - per-segment TCP analysis: retransmissions, reordering,
 * lost segments, duplicate ACKs, windows, keep-alives, handshake timing
 * and round-trip times.
 *
 * The definitions follow Wireshark's tcp.analysis flags (packet-tcp.c,
 * tcp_analyze_sequence_number, 4.0), checked in the same order so that
 * the counts agree with tshark; doc/analysis.md gives each definition
 * next to Wireshark's.  Deliberate differences:
 *   - the same frame captured twice never reaches this code (the state
 *     engine recognises duplicates), so it is no retransmission;
 *   - the SYN-ACKs that cross in a simultaneous open answer the peer's SYN
 *     and are not retransmissions of the bare SYN sent before;
 *   - a segment with sequence number nxt - 1 and no data sent while the
 *     peer's window is zero is a window probe (Linux's zero-window probe),
 *     not a keep-alive (its own zero window still counts, as there);
 *   - a side's sequence space counts as seen only once it sent a segment
 *     (as Wireshark's nextseq): the SYN captured after the SYN-ACK that
 *     answers it is no retransmission;
 *   - SACK-aware separation: a segment Wireshark would call out of order
 *     is a retransmission when the receiver had reported the hole (dup
 *     ACK or SACK) and the segment was sent after the report could reach
 *     the sender (newer TSval; else the sender's handshake leg elapsed);
 *   - RTTs come from TCP timestamps when both SYNs carried them (every
 *     echo of a new TSval is a sample), otherwise from data/ACK pairs under
 *     Karn's rule (no sample across a retransmission).
 * Times are kept as microseconds modulo 2^32 (differences are exact up
 * to 71 minutes, far beyond every window used here).
 */
#include <string.h>

#include "synscope/tcp.h"
#include "synscope/track.h"

#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)

/* Marks kept in segflags for the next segment of the other side. */
#define MARK_KEEPALIVE	0x01
#define MARK_ZWP	0x02
#define MARK_SACK	0x04	/* it SACKed data above its ACK: a hole */

#define FAST_RETRANS_US	20000	/* Wireshark: within 20 ms of the dup ACKs */
#define OOO_DEFAULT_US	3000	/* out-of-order window without an iRTT */

/* Note one RTT sample. */
static void
rtt_sample(struct ss_tcp_conn *c, uint32_t us)
{
	if (c->rtt_n == 0 || us < c->rtt_min_us)
		c->rtt_min_us = us;
	if (us > c->rtt_max_us)
		c->rtt_max_us = us;
	c->rtt_sum_us += us;
	c->rtt_n++;
}

/* Shift of a side's window: -1 unknown (no SYN seen), else 0..14. */
static int
win_shift(const struct ss_tcp_conn *c, int side)
{
	const struct ss_tcp_dir *d = &c->dir[side];
	const struct ss_tcp_dir *o = &c->dir[1 - side];

	if (!(d->syn || d->synack) || d->inferred)
		return -1;
	if (d->wscale == 0xff || o->wscale == 0xff)
		return 0;	/* RFC 7323: only when both SYNs carried it */
	return d->wscale > 14 ? 14 : d->wscale;
}

/* The scaled window a side last advertised, in bytes; -1 if unknown. */
int64_t
ss_tcp_window(const struct ss_flow *f, int side)
{
	const struct ss_tcp_conn *c = &f->u.tcp;
	int sh = win_shift(c, side);

	if (!c->dir[side].have_win || sh < 0)
		return -1;
	return (int64_t)c->dir[side].win << (c->dir[side].win_syn ? 0 : sh);
}

/* Bytes a side has sent that the other has not acknowledged yet. */
uint32_t
ss_tcp_in_flight(const struct ss_flow *f, int side)
{
	const struct ss_tcp_dir *d = &f->u.tcp.dir[side];
	const struct ss_tcp_dir *o = &f->u.tcp.dir[1 - side];

	if (!d->have || !o->have_ack || SEQ_LT(d->nxt, o->ack))
		return 0;
	return d->nxt - o->ack;
}

/* Handshake timing (Wireshark's iRTT: latest SYN to the first ACK). */
static void
handshake_timing(struct ss_tcp_conn *c, const struct ss_packet *p)
{
	uint16_t fl = p->flags;

	if (c->irtt_done)
		return;
	if ((fl & (SS_TH_SYN | SS_TH_ACK)) == SS_TH_SYN)
		c->syn_ns = p->ts_ns;
	else if ((fl & (SS_TH_SYN | SS_TH_ACK)) == (SS_TH_SYN | SS_TH_ACK))
		c->synack_ns = p->ts_ns;
	else if ((fl & SS_TH_ACK) && c->syn_ns != 0) {
		c->ack_ns = p->ts_ns;
		c->irtt_done = 1;
	}
}

/* The handshake RTT in ns, when measured (0 otherwise). */
uint64_t
ss_tcp_irtt_ns(const struct ss_flow *f)
{
	const struct ss_tcp_conn *c = &f->u.tcp;

	if (!c->irtt_done || c->ack_ns < c->syn_ns)
		return 0;
	return c->ack_ns - c->syn_ns;
}

/*
 * RTT samples from timestamps or from data/ACK pairs (Karn's rule).  A
 * sample is the time from a segment passing the capture point to the
 * first answer to it passing back (as Wireshark's tcp.analysis.ack_rtt):
 * the round trip beyond the capture point on the answering side.
 */
static void
rtt_track(struct ss_tcp_conn *c, const struct ss_packet *p, int side,
    uint32_t now, bool retrans, uint32_t end)
{
	struct ss_tcp_dir *me = &c->dir[side], *peer = &c->dir[1 - side];
	bool ts = (p->opt.has & SS_OPT_TS) != 0;

	if (c->use_ts_rtt) {
		/* the peer's TSval echoed for the first time (RFC 7323 §4) */
		if (ts && (p->flags & SS_TH_ACK) && peer->have &&
		    peer->tsval_us != 0 && !peer->ts_echoed &&
		    p->opt.ts_ecr == peer->ts_val && p->opt.ts_ecr != 0) {
			rtt_sample(c, now - peer->tsval_us);
			peer->ts_echoed = 1;
		}
	} else {
		/* Karn: an ACK covering the timed segment gives a sample */
		if ((p->flags & SS_TH_ACK) && peer->timing &&
		    SEQ_LEQ(peer->timed_end, p->ack)) {
			rtt_sample(c, now - peer->timed_us);
			peer->timing = 0;
		}
		if (retrans)
			me->timing = 0;	/* ambiguous: no sample */
		else if (!me->timing && end != 0) {
			me->timing = 1;
			me->timed_end = end;
			me->timed_us = now;
		}
	}
	/* when each new TSval was first seen (the SYN's too) */
	if (ts && (p->opt.ts_val != me->ts_val || me->tsval_us == 0)) {
		me->tsval_us = now != 0 ? now : 1;	/* 0: unset */
		me->ts_echoed = 0;
	}
}

/*
 * How long after a loss signal (a duplicate ACK or SACK passing the
 * capture point) a side's answer to it can reach the capture point at
 * the earliest: the leg of the handshake on that side of the capture
 * point (SYN-ACK to ACK for the originator, SYN to SYN-ACK for the
 * responder).  0 when not measured.
 */
static uint64_t
reaction_ns(const struct ss_tcp_conn *c, int side)
{
	if (!c->irtt_done || c->synack_ns <= c->syn_ns ||
	    c->ack_ns < c->synack_ns)
		return 0;
	return side == 0 ? c->ack_ns - c->synack_ns :
	    c->synack_ns - c->syn_ns;
}

/* Does the segment carry SACK blocks above its cumulative ACK (RFC 2018)? */
static bool
sacks_above(const struct ss_packet *p)
{
	unsigned i;

	if (!(p->flags & SS_TH_ACK) || !(p->opt.has & SS_OPT_SACK))
		return false;
	for (i = 0; i < p->opt.nsack && i < SS_MAX_SACK; i++)
		if (SEQ_GT(p->opt.sack[i][1], p->ack))
			return true;	/* not a D-SACK (RFC 2883) */
	return false;
}

/*
 * A segment Wireshark's rule calls out of order (it fills a hole within
 * one iRTT of the segment that jumped ahead): was it rather sent again
 * because the receiver reported the hole?  Yes when the receiver's
 * latest ACK asked for data at or below the segment's start with
 * duplicate ACKs or SACK blocks above a hole, and the segment was sent
 * after that report could reach its sender: its TSval is newer than the
 * one of the sender's previous segment (RFC 7323 §3: a retransmission
 * carries a fresh TSval, a delayed original an old one), or, without
 * timestamps, the report passed the capture point at least the sender's
 * handshake leg ago.
 */
static bool
answers_loss_report(const struct ss_tcp_conn *c, const struct ss_packet *p,
    int side, uint32_t now)
{
	const struct ss_tcp_dir *fwd = &c->dir[side], *rev = &c->dir[1 - side];
	uint64_t leg;

	if (!rev->have_ack || SEQ_GT(rev->ack, p->seq))
		return false;
	if (rev->dupacks < 1 && !(rev->segflags & MARK_SACK))
		return false;
	if (c->use_ts_rtt && (p->opt.has & SS_OPT_TS) && fwd->ts_val != 0)
		return SEQ_GT(p->opt.ts_val, fwd->ts_val);
	leg = reaction_ns(c, side);
	return leg != 0 && (uint64_t)(uint32_t)(now - rev->ack_us) * 1000 >=
	    leg;
}

/*
 * Header prediction, as in BSD's tcp_input and Linux's fast path: most
 * segments of a connection are the next in order from one side, with an
 * ACK and no SYN, FIN or RST, while both windows are open.  For those no
 * rule of ss_tcp_analyze() can report anything once the checks below
 * pass, and only its bookkeeping is left.  Returns false, having changed
 * nothing, for any other segment.  The effects must be exactly the full
 * path's: a build configured with --enable-verify-prediction (the CI's
 * sanitizer build, every fuzzing build) runs both on every predicted
 * segment and aborts on any difference.
 */
static bool
analyze_predicted(struct ss_tcp_conn *c, const struct ss_packet *p, int side)
{
	struct ss_tcp_dir *fwd = &c->dir[side], *rev = &c->dir[1 - side];
	uint32_t seq = p->seq, ack = p->ack, len = p->payload_len;
	uint32_t now, nextseq, end = 0;
	bool same_ack;
	int sh;

	if ((p->flags & (SS_TH_SYN | SS_TH_FIN | SS_TH_RST | SS_TH_ACK)) !=
	    SS_TH_ACK)
		return false;
	/* in order from a side already seen; nothing for the window rules */
	if (!fwd->have || !fwd->have_win || seq != fwd->nxt || p->win == 0 ||
	    (rev->have_win && rev->win == 0))
		return false;
	/* no handshake time to take, no ACK of unseen data */
	if ((!c->irtt_done && c->syn_ns != 0) ||
	    (rev->have_maxseq && SEQ_GT(ack, rev->maxseq)))
		return false;
	same_ack = fwd->have_ack && ack == fwd->ack;
	if (len == 0) {
		if (same_ack)
			return false;	/* a duplicate ACK or window update */
	} else {
		if (rev->have_ack && SEQ_LEQ(seq + len, rev->ack))
			return false;	/* spurious retransmission */
		sh = win_shift(c, 1 - side);
		if (sh >= 0 && rev->have_ack && rev->have_win &&
		    seq + len == rev->ack + (rev->win << (rev->win_syn ? 0 :
		    sh)))
			return false;	/* window full */
	}

	now = (uint32_t)(p->ts_ns / 1000);
	if (!same_ack)
		fwd->dupacks = 0;
	nextseq = seq + len;
	if (SEQ_GT(nextseq, fwd->nxt)) {
		if (len > 0)
			end = nextseq;
		fwd->nxt_us = now;
	}
	rtt_track(c, p, side, now, false, end);
	if (!fwd->have_maxseq || seq == fwd->maxseq) {
		fwd->maxseq = SEQ_GT(fwd->nxt, nextseq) ? fwd->nxt : nextseq;
		fwd->have_maxseq = 1;
	}
	fwd->win = p->win;
	fwd->win_syn = 0;
	fwd->have_win = 1;
	fwd->ack_us = now;
	fwd->segflags = sacks_above(p) ? MARK_SACK : 0;
	return true;
}

/*
 * What ss_tcp_analyze() does with the first segment of a connection when
 * it is a bare SYN from the originator with no payload and a non-zero
 * window (ss_tcp_segment's open prediction): no rule applies; the SYN's
 * time, window and scale, and the SYN timed for an RTT sample.  The
 * flow's TCP part is all zero before, but for the window scales (0xff).
 */
void
ss_tcp_analyze_first_syn(struct ss_tcp_conn *c, const struct ss_packet *p)
{
	struct ss_tcp_dir *fwd = &c->dir[0];
	uint32_t now = (uint32_t)(p->ts_ns / 1000), end = p->seq + 1;

	c->syn_ns = p->ts_ns;
	if (p->opt.has & SS_OPT_WSCALE)
		fwd->wscale = p->opt.wscale;
	fwd->nxt_us = now;
	if (end != 0) {			/* rtt_track(): Karn's timing */
		fwd->timing = 1;
		fwd->timed_end = end;
		fwd->timed_us = now;
	}
	if (p->opt.has & SS_OPT_TS)
		fwd->tsval_us = now != 0 ? now : 1;
	fwd->maxseq = end;
	fwd->have_maxseq = 1;
	fwd->win = p->win;
	fwd->win_syn = 1;
	fwd->have_win = 1;
}

static bool	analyze_full(struct ss_engine *, struct ss_flow *,
		    const struct ss_packet *, int);

/*
 * Analyse one segment (before the state engine moves nxt on).  Reports
 * each finding as an anomaly of the packet.  Returns true for a
 * zero-window probe, which does not advance its sender's nxt.
 */
bool
ss_tcp_analyze(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
#ifdef SS_VERIFY_PREDICTION
	struct ss_flow pred = *f;
	size_t nevs = e->nevs;

	if (analyze_predicted(&pred.u.tcp, p, side)) {
		if (analyze_full(e, f, p, side) || e->nevs != nevs ||
		    memcmp(&pred, f, sizeof(pred)) != 0)
			ss_prediction_failed("ss_tcp_analyze", f, p);
		return false;
	}
#else
	if (analyze_predicted(&f->u.tcp, p, side))
		return false;
#endif
	return analyze_full(e, f, p, side);
}

/* Every rule, in Wireshark's order. */
static bool
analyze_full(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_tcp_dir *fwd = &c->dir[side], *rev = &c->dir[1 - side];
	uint16_t fl = p->flags, ctl = fl & (SS_TH_SYN | SS_TH_FIN | SS_TH_RST);
	uint32_t seq = p->seq, ack = p->ack, len = p->payload_len;
	uint32_t win = p->win, now = (uint32_t)(p->ts_ns / 1000), nextseq;
	uint32_t ooo_us, end = 0;
	bool zwp = false, ka = false, retrans = false, not_advanced;
	bool same_ack = fwd->have_ack && (fl & SS_TH_ACK) && ack == fwd->ack;
	/*
	 * Wireshark's nextseq exists once the side has sent a segment; nxt
	 * inferred from the peer's ACK (a SYN-ACK or a mid-stream packet
	 * seen first) does not count: the SYN a reordered SYN-ACK answers,
	 * captured after it, is no retransmission.
	 */
	bool seen = fwd->have && fwd->have_win;
	uint8_t marks = 0;
	int sh;

#define MARK(a) ss_tcp_anomaly(e, f, p, side, SS_AN_##a)
	handshake_timing(c, p);
	if (fl & SS_TH_SYN) {
		if (p->opt.has & SS_OPT_WSCALE)
			fwd->wscale = p->opt.wscale;
		if ((fl & SS_TH_ACK) && (p->opt.has & SS_OPT_TS) &&
		    rev->syn && rev->ts_val != 0)
			c->use_ts_rtt = 1;
	}

	/* zero-window probe: one byte at nxt, or Linux's nxt - 1, no data */
	if (seen && rev->have_win && rev->win == 0 && !ctl &&
	    ((len == 1 && seq == fwd->nxt) ||
	    (len == 0 && seq == fwd->nxt - 1))) {
		zwp = true;
		marks |= MARK_ZWP;
		MARK(WINDOW_PROBE);
		/*
		 * Wireshark takes Linux's probe for a keep-alive, whose own
		 * zero window it still reports; its one-byte probe skips it.
		 */
		if (len == 0 && win == 0)
			MARK(ZERO_WINDOW);
		goto finished_fwd;
	}
	if (win == 0 && !ctl)
		MARK(ZERO_WINDOW);
	if (seen && SEQ_GT(seq, fwd->nxt) && !(fl & SS_TH_RST))
		MARK(LOST_SEGMENT);
	if (seen && (len == 0 || len == 1) && seq == fwd->nxt - 1 && !ctl) {
		ka = true;
		marks |= MARK_KEEPALIVE;
		MARK(KEEPALIVE);
	}
	if (len == 0 && win != 0 && fwd->have_win && win != fwd->win &&
	    fwd->have && seq == fwd->nxt && same_ack && !ctl)
		MARK(WINDOW_UPDATE);
	sh = win_shift(c, 1 - side);
	if (len > 0 && sh >= 0 && rev->have_ack && rev->have_win && !ctl &&
	    seq + len == rev->ack + (rev->win << (rev->win_syn ? 0 : sh)))
		MARK(WINDOW_FULL);
	if (len == 0 && win != 0 && fwd->have_win && win == fwd->win &&
	    fwd->have && seq == fwd->nxt && same_ack && !ctl) {
		if (rev->segflags & MARK_KEEPALIVE) {
			MARK(KEEPALIVE_ACK);
			goto finished_fwd;
		}
	}
	if (len == 0 && win == 0 && fwd->have_win && fwd->win == 0 &&
	    fwd->have && seq == fwd->nxt && same_ack && !ctl &&
	    (rev->segflags & MARK_ZWP)) {
		MARK(WINDOW_PROBE_ACK);
		goto finished_fwd;
	}
	if (len == 0 && win != 0 && fwd->have_win && win == fwd->win &&
	    fwd->have && seq == fwd->nxt && same_ack && !ctl) {
		fwd->dupacks = fwd->dupacks < 0 ? 1 :
		    (int16_t)(fwd->dupacks < INT16_MAX ? fwd->dupacks + 1 :
		    INT16_MAX);
		MARK(DUP_ACK);
	}
finished_fwd:
	if ((fl & SS_TH_ACK) && !same_ack)
		fwd->dupacks = 0;

	/* an ACK of data the other side was never seen sending */
	if ((fl & SS_TH_ACK) && rev->have_maxseq && SEQ_GT(ack, rev->maxseq)) {
		if (SEQ_GT(rev->maxseq, rev->nxt)) {
			rev->maxseq = rev->nxt;
			MARK(ACK_UNSEEN);
		} else {
			if (rev->dupacks == 0)
				MARK(ACK_UNSEEN);
			rev->dupacks = -1;
		}
	}

	/* retransmission, fast or spurious, or out of order */
	if ((len > 0 || (fl & (SS_TH_SYN | SS_TH_FIN))) && !ka && !zwp) {
		not_advanced = seen && SEQ_LT(seq, fwd->nxt);
		if (len > 1 && fwd->nxt - 1 == seq)
			not_advanced = false;	/* data after a probe byte */
		/* the crossing SYN-ACK of a simultaneous open */
		if ((fl & (SS_TH_SYN | SS_TH_ACK)) == (SS_TH_SYN | SS_TH_ACK) &&
		    fwd->syn && !fwd->synack)
			not_advanced = false;
		/* one iRTT; 3 ms when none was measured (or it was 0) */
		ooo_us = ss_tcp_irtt_ns(f) / 1000 < UINT32_MAX ?
		    (uint32_t)(ss_tcp_irtt_ns(f) / 1000) : UINT32_MAX;
		if (ss_tcp_irtt_ns(f) == 0)
			ooo_us = OOO_DEFAULT_US;
		if (len > 0 && rev->have_ack && SEQ_LEQ(seq + len, rev->ack)) {
			MARK(SPURIOUS_RETRANSMISSION);
			retrans = true;
		} else if (not_advanced && rev->dupacks >= 2 &&
		    rev->have_ack && rev->ack == seq &&
		    now - rev->ack_us < FAST_RETRANS_US) {
			MARK(FAST_RETRANSMISSION);
			retrans = true;
		} else if (not_advanced && now - fwd->nxt_us < ooo_us &&
		    fwd->nxt != seq + len + ((fl & (SS_TH_SYN | SS_TH_FIN)) ?
		    1 : 0) && !answers_loss_report(c, p, side, now)) {
			MARK(OUT_OF_ORDER);
		} else if (not_advanced) {
			MARK(RETRANSMISSION);
			retrans = true;
		}
	}

	/* remember: nxt (not for probes), contiguous end, window, ACK */
	nextseq = seq + len + ((fl & (SS_TH_SYN | SS_TH_FIN)) ? 1 : 0);
	if (fl & SS_TH_RST)
		nextseq = seq;
	if (!zwp && !(fl & SS_TH_RST) && (!seen || SEQ_GT(nextseq,
	    fwd->nxt))) {
		if (len > 0 || (fl & (SS_TH_SYN | SS_TH_FIN)))
			end = nextseq;
		fwd->nxt_us = now;
	}
	rtt_track(c, p, side, now, retrans, end);
	if (!zwp && (!fwd->have_maxseq || seq == fwd->maxseq)) {
		/* the state engine sets nxt right after this */
		fwd->maxseq = seen && SEQ_GT(fwd->nxt, nextseq) ?
		    fwd->nxt : nextseq;
		fwd->have_maxseq = 1;
	}
	fwd->win = win;
	fwd->win_syn = (fl & SS_TH_SYN) != 0;
	fwd->have_win = 1;
	if ((fl & (SS_TH_ACK | SS_TH_RST)) == SS_TH_ACK)
		fwd->ack_us = now;
	if (sacks_above(p))
		marks |= MARK_SACK;
	fwd->segflags = marks;
	return zwp;
#undef MARK
}
