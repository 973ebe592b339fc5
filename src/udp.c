/*
 * udp.c - UDP flows and ICMP exchanges: who spoke first, whether the
 * other side answered, and ICMP errors that reject a flow.
 */
#include <netinet/in.h>
#include <string.h>

#include "synscope/track.h"
#include "synscope/zeek.h"

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

/* The sender of the first datagram originates, as Zeek decides it. */
bool
ss_udp_sender_is_orig(const struct ss_packet *p)
{
	return ss_zeek_udp_sender_is_orig(p);
}

/* Track one UDP datagram. */
uint8_t
ss_udp_packet(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	(void)e;
	/* Zeek counts the UDP length field less the header */
	f->d[side].bytes += p->udp_len >= 8 ? (uint32_t)p->udp_len - 8 :
	    p->payload_len;
	ss_zeek_udp_packet(f, p, side);
	if (f->u.udp.state == SS_UDP_NEW && f->d[0].pkts > 0 &&
	    f->d[1].pkts > 0)
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
	if (f->u.udp.state == SS_UDP_NEW && f->d[0].pkts > 0 &&
	    f->d[1].pkts > 0)
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
