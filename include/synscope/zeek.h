/*
 * zeek.h - Zeek-compatible connection summaries: the originator choice,
 * Zeek's endpoint states, the history string and conn_state.
 */
#ifndef SYNSCOPE_ZEEK_H
#define SYNSCOPE_ZEEK_H

#include <stdbool.h>
#include <stdint.h>

#include "synscope/engine.h"

/* Does the sender of a new TCP flow's first packet originate it? */
bool		 ss_zeek_tcp_sender_is_orig(const struct ss_packet *);
/* Does the sender of a new UDP flow's first packet originate it? */
bool		 ss_zeek_udp_sender_is_orig(const struct ss_packet *);
/* A new flow whose first packet's sender is not its originator. */
void		 ss_zeek_created_flipped(struct ss_flow *);
/*
 * Update Zeek's endpoint states and history with one segment.  Zeek may
 * swap the roles (a SYN answering an earlier SYN-ACK): then the flow's
 * sides are swapped too.
 */
void		 ss_zeek_tcp_packet(struct ss_engine *, struct ss_flow *,
		    const struct ss_packet *, int side);
/*
 * The effects of a flow's first segment on Zeek's bookkeeping when it is a
 * bare SYN from the originator with a non-zero window (ss_tcp_segment's
 * open prediction; the TCP part of the flow is all zero before).
 */
struct ss_tcp_conn;
void		 ss_zeek_first_syn(struct ss_tcp_conn *, const struct ss_packet *);
/* Update a UDP or ICMP flow's history with one packet. */
void		 ss_zeek_udp_packet(struct ss_flow *, const struct ss_packet *,
		    int side);
/* conn_state of a flow ("S0", "SF", ...). */
const char	*ss_zeek_conn_state(const struct ss_flow *);
/* History of a flow ("ShADadFf"). */
const char	*ss_zeek_history(const struct ss_flow *);
/* orig_bytes / resp_bytes as Zeek counts them. */
uint64_t	 ss_zeek_bytes(const struct ss_flow *, int side);
/* Zeek's duration in nanoseconds (0: unset in Zeek's log). */
uint64_t	 ss_zeek_duration(const struct ss_flow *);

#endif
