/*
 * tcp.h - per-connection TCP state as an observer on the wire infers it.
 *
 * Both endpoints carry an RFC 9293 §3.3.2 state.  The structure keeps what
 * the state engine and the analyses need per direction (sequence space,
 * acknowledgements, windows, timing), sized so a flow record stays small.
 */
#ifndef SYNSCOPE_TCP_H
#define SYNSCOPE_TCP_H

#include <stdbool.h>
#include <stdint.h>

/* RFC 9293 §3.3.2 states, with the hyphenated spellings of the RFC. */
#define SS_TCP_STATES(X)				\
	X(CLOSED,	"CLOSED",	"CLOSED")	\
	X(LISTEN,	"LISTEN",	"LISTEN")	\
	X(SYN_SENT,	"SYN-SENT",	"SYN-SENT")	\
	X(SYN_RECEIVED,	"SYN-RECEIVED",	"SYN-RECV")	\
	X(ESTABLISHED,	"ESTABLISHED",	"ESTAB")	\
	X(FIN_WAIT_1,	"FIN-WAIT-1",	"FIN-WAIT-1")	\
	X(FIN_WAIT_2,	"FIN-WAIT-2",	"FIN-WAIT-2")	\
	X(CLOSE_WAIT,	"CLOSE-WAIT",	"CLOSE-WAIT")	\
	X(CLOSING,	"CLOSING",	"CLOSING")	\
	X(LAST_ACK,	"LAST-ACK",	"LAST-ACK")	\
	X(TIME_WAIT,	"TIME-WAIT",	"TIME-WAIT")

enum ss_tcp_state {
#define SS_TCP_STATE_ENUM(id, rfc, ss) SS_TCP_##id,
	SS_TCP_STATES(SS_TCP_STATE_ENUM)
#undef SS_TCP_STATE_ENUM
	SS_TCP_STATE_COUNT
};

/* RFC 9293 spelling ("SYN-RECEIVED"). */
const char	*ss_tcp_state_name(enum ss_tcp_state);
/* ss(8) spelling ("SYN-RECV", "ESTAB"). */
const char	*ss_tcp_state_ss_name(enum ss_tcp_state);
/* Parse either spelling, any case, '_' for '-'; -1 when unknown. */
int		 ss_tcp_state_parse(const char *);

/* Per-sender sequence tracking (RFC 9293 §3.4 sequence space). */
struct ss_tcp_dir {
	uint32_t	isn;		/* base of relative sequence numbers */
	uint32_t	nxt;		/* highest seq + len (+SYN/FIN) sent */
	uint32_t	ack;		/* highest ACK this side sent */
	uint32_t	fin_seq;	/* sequence number of its FIN */
	uint32_t	win;		/* last window, scaled where known */
	uint32_t	ts_val;		/* last TSval sent */
	uint8_t		state;		/* enum ss_tcp_state of this endpoint */
	uint8_t		wscale;		/* shift from its SYN; 0xff none */
	uint8_t		last_flags;	/* flags of its last segment (low 8) */
	uint8_t		flags_seen;	/* union of the flags it sent */
	uint8_t		have : 1,	/* isn/nxt valid */
			have_ack : 1,	/* ack valid */
			fin_sent : 1,
			syn_sent : 1,
			rst_sent : 1,
			inferred : 1;	/* state guessed (mid-stream) */
	uint8_t		dupacks;	/* consecutive duplicate ACKs */
	uint8_t		hist;		/* Zeek history letters already recorded */
	uint8_t		pad;
};

struct ss_tcp_conn {
	struct ss_tcp_dir dir[2];	/* [0] originator, [1] responder */
	uint64_t	syn_ns;		/* first SYN */
	uint64_t	synack_ns;	/* first SYN-ACK */
	uint64_t	ack_ns;		/* first ACK completing the handshake */
	uint64_t	tw_ns;		/* time TIME-WAIT was entered */
	uint32_t	anomalies;	/* bit set of enum ss_anomaly */
	uint16_t	hist_len;
	char		history[22];	/* Zeek conn history */
};

#endif /* SYNSCOPE_TCP_H */
