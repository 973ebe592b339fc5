/*
 * tcp_state.c - TCP connection tracking.
 *
 * This first version keeps per-direction sequence bases (for relative
 * numbers), the flags each side sent and a coarse timeout class.
 */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "synscope/tcp.h"
#include "synscope/udp.h"

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

/* Compare a state name with '-' and '_' alike, any case. */
static bool
state_name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;

		if ((x | 0x20) != (y | 0x20) && !(x == '-' && y == '-'))
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
	if (state_name_eq(s, "ESTABLISHED") || state_name_eq(s, "SYN-RCVD"))
		return state_name_eq(s, "SYN-RCVD") ? SS_TCP_SYN_RECEIVED :
		    SS_TCP_ESTABLISHED;
	return -1;
}

/* Does the sender of a flow's first packet originate it? */
bool
ss_tcp_sender_is_orig(const struct ss_packet *p)
{
	/* a SYN-ACK answers a SYN from the other side */
	if ((p->flags & (SS_TH_SYN | SS_TH_ACK)) == (SS_TH_SYN | SS_TH_ACK))
		return false;
	return true;
}

/* Does this packet start a new connection on the flow's 4-tuple? */
bool
ss_tcp_starts_new(const struct ss_engine *e, const struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	const struct ss_tcp_conn *c = &f->u.tcp;

	if ((p->flags & (SS_TH_SYN | SS_TH_ACK | SS_TH_RST)) != SS_TH_SYN)
		return false;
	/* a SYN after a reset or after both sides closed */
	if (c->dir[0].rst_sent || c->dir[1].rst_sent)
		return c->dir[side].isn != p->seq;
	if (c->dir[0].fin_sent && c->dir[1].fin_sent)
		return c->dir[side].isn != p->seq;
	return false;
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

/* Track one segment; returns the flow's timeout class. */
uint8_t
ss_tcp_segment(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	struct ss_tcp_conn *c = &f->u.tcp;
	struct ss_tcp_dir *d = &c->dir[side];
	uint32_t end;

	(void)e;
	f->d[side].bytes += p->payload_len;
	if (!d->have) {
		d->have = 1;
		d->isn = p->seq;
		d->nxt = p->seq;
	}
	end = p->seq + p->payload_len + ((p->flags & SS_TH_SYN) ? 1 : 0) +
	    ((p->flags & SS_TH_FIN) ? 1 : 0);
	if ((int32_t)(end - d->nxt) > 0)
		d->nxt = end;
	if (p->flags & SS_TH_ACK) {
		if (!d->have_ack || (int32_t)(p->ack - d->ack) > 0)
			d->ack = p->ack;
		d->have_ack = 1;
	}
	if (p->flags & SS_TH_SYN)
		d->syn_sent = 1;
	if (p->flags & SS_TH_FIN) {
		d->fin_sent = 1;
		d->fin_seq = p->seq + p->payload_len;
	}
	if (p->flags & SS_TH_RST)
		d->rst_sent = 1;
	d->last_flags = (uint8_t)p->flags;
	d->flags_seen |= (uint8_t)p->flags;

	if (c->dir[0].rst_sent || c->dir[1].rst_sent)
		return SS_FC_TCP_CLOSED;
	if (c->dir[0].fin_sent && c->dir[1].fin_sent)
		return SS_FC_TCP_TIMEWAIT;
	if (!c->dir[1].have && (c->dir[0].flags_seen & SS_TH_SYN))
		return SS_FC_TCP_HALFOPEN;
	return SS_FC_TCP_OPEN;
}

/* A connection leaves the table. */
void
ss_tcp_end(struct ss_engine *e, struct ss_flow *f)
{
	(void)e;
	(void)f;
}
