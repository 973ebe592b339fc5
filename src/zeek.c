/*
 * zeek.c - Zeek-compatible summaries (placeholder while the rules land).
 */
#include <netinet/in.h>
#include <string.h>

#include "synscope/track.h"
#include "synscope/zeek.h"

/* The sender of a SYN-ACK answers; anyone else originates. */
bool
ss_zeek_tcp_sender_is_orig(const struct ss_packet *p)
{
	return (p->flags & (SS_TH_SYN | SS_TH_ACK)) != (SS_TH_SYN | SS_TH_ACK);
}

/* Zeek endpoint states and history of one segment. */
void
ss_zeek_tcp_packet(struct ss_engine *e, struct ss_flow *f,
    const struct ss_packet *p, int side)
{
	(void)e;
	(void)f;
	(void)p;
	(void)side;
}

/* History of a UDP flow. */
void
ss_zeek_udp_packet(struct ss_flow *f, const struct ss_packet *p, int side)
{
	(void)f;
	(void)p;
	(void)side;
}

/* conn_state of a flow. */
const char *
ss_zeek_conn_state(const struct ss_flow *f)
{
	(void)f;
	return "OTH";
}

/* History of a flow. */
const char *
ss_zeek_history(const struct ss_flow *f)
{
	return f->key.proto == IPPROTO_TCP ? f->u.tcp.history :
	    f->u.udp.history;
}

/* Bytes as Zeek counts them. */
uint64_t
ss_zeek_bytes(const struct ss_flow *f, int side)
{
	return f->d[side].bytes;
}
