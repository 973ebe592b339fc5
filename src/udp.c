/*
 * udp.c - UDP flows and ICMP exchanges: who spoke first, whether the
 * other side answered, and ICMP errors that reject a flow.
 */
#include <netinet/in.h>
#include <string.h>

#include "synscope/track.h"

static const char *const udp_state_names[] = {
	[SS_UDP_NEW] = "NEW",
	[SS_UDP_REPLIED] = "REPLIED",
	[SS_UDP_REJECTED] = "REJECTED",
	[SS_UDP_CLOSED] = "CLOSED",
};

/* Name of a UDP pseudo-state. */
const char *
ss_udp_state_name(uint8_t s)
{
	return s <= SS_UDP_CLOSED ? udp_state_names[s] : "?";
}

/* The sender of a flow's first datagram is its originator. */
bool
ss_udp_sender_is_orig(const struct ss_packet *p)
{
	(void)p;
	return true;
}

/* Track one UDP datagram. */
uint8_t
ss_udp_packet(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	(void)e;
	f->d[side].bytes += p->payload_len;
	if (side == 1 && f->u.udp.state == SS_UDP_NEW)
		f->u.udp.state = SS_UDP_REPLIED;
	return SS_FC_UDP;
}

/* Track one ICMP message of an ICMP exchange. */
uint8_t
ss_icmp_packet(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	(void)e;
	f->d[side].bytes += p->l4_len >= 8 ? p->l4_len - 8 : 0;
	if (side == 1 && f->u.udp.state == SS_UDP_NEW)
		f->u.udp.state = SS_UDP_REPLIED;
	return SS_FC_ICMP;
}

/* An ICMP error quoted a datagram of this flow. */
void
ss_udp_icmp_error(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p)
{
	(void)e;
	if (p->icmp_type == 3 || (p->family == 6 && p->icmp_type == 1))
		f->u.udp.state = SS_UDP_REJECTED;
	if (f->u.udp.icmp_errors < UINT8_MAX)
		f->u.udp.icmp_errors++;
}
