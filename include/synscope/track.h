/*
 * track.h - trackers below the engine: TCP connections, UDP flows and ICMP
 * exchanges.  Each takes one packet of its flow and returns the flow's
 * timeout class.
 */
#ifndef SYNSCOPE_TRACK_H
#define SYNSCOPE_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "synscope/engine.h"
#include "synscope/tcp.h"

/* TCP (tcp_state.c) */
bool	 ss_tcp_sender_is_orig(const struct ss_packet *);
bool	 ss_tcp_starts_new(const struct ss_engine *, const struct ss_flow *,
	    const struct ss_packet *, int side);
uint8_t	 ss_tcp_segment(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side);
void	 ss_tcp_end(struct ss_engine *, struct ss_flow *);
void	 ss_tcp_materialize(struct ss_flow *);
void	 ss_tcp_mark_reuse(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side);
void	 ss_tcp_anomaly(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side, enum ss_anomaly);
uint32_t ss_tcp_rel(const struct ss_flow *, int side, uint32_t seq);
bool	 ss_tcp_rel_known(const struct ss_flow *, int side);

/* TCP analysis (tcp_analysis.c) */
bool	 ss_tcp_analyze(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side);
void	 ss_tcp_analyze_first_syn(struct ss_tcp_conn *,
	    const struct ss_packet *);
int64_t	 ss_tcp_window(const struct ss_flow *, int side);
uint32_t ss_tcp_in_flight(const struct ss_flow *, int side);
uint64_t ss_tcp_irtt_ns(const struct ss_flow *);

#ifdef SS_VERIFY_PREDICTION
/* A predicted segment's effects differed from the full path's: abort. */
_Noreturn void ss_prediction_failed(const char *where, const struct ss_flow *,
	    const struct ss_packet *);
#endif

/* UDP and ICMP (udp.c) */
bool	 ss_udp_sender_is_orig(const struct ss_packet *);
uint8_t	 ss_udp_packet(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side);
uint8_t	 ss_icmp_packet(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *, int side);
void	 ss_udp_icmp_error(struct ss_engine *, struct ss_flow *,
	    const struct ss_packet *);
const char *ss_udp_state_name(uint8_t);

#endif
