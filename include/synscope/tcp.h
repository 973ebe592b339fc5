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

/*
 * Anomalies.  The first ten are the vocabulary of the conn records'
 * "anomalies" and "anomaly_counts"; the others are finer marks carried by
 * events and packet annotations, each folded into a vocabulary word or
 * into a counter of its own (ss_anomaly_word).
 */
#define SS_ANOMALIES(X)						\
	X(RETRANSMISSION,	"retransmission",	RETRANSMISSION)	\
	X(OUT_OF_ORDER,		"out_of_order",		OUT_OF_ORDER)	\
	X(DUP_ACK,		"dup_ack",		DUP_ACK)	\
	X(ZERO_WINDOW,		"zero_window",		ZERO_WINDOW)	\
	X(WINDOW_PROBE,		"window_probe",		WINDOW_PROBE)	\
	X(KEEPALIVE,		"keepalive",		KEEPALIVE)	\
	X(RST_OUT_OF_WINDOW,	"rst_out_of_window",	RST_OUT_OF_WINDOW) \
	X(INVALID_FLAGS,	"invalid_flags",	INVALID_FLAGS)	\
	X(ACK_UNSEEN,		"ack_unseen",		ACK_UNSEEN)	\
	X(PORT_REUSE,		"port_reuse",		PORT_REUSE)	\
	X(FAST_RETRANSMISSION,	"fast_retransmission",	RETRANSMISSION)	\
	X(SPURIOUS_RETRANSMISSION, "spurious_retransmission", RETRANSMISSION) \
	X(LOST_SEGMENT,		"previous_segment_not_captured", COUNT)	\
	X(WINDOW_PROBE_ACK,	"window_probe_ack",	COUNT)		\
	X(KEEPALIVE_ACK,	"keepalive_ack",	COUNT)		\
	X(WINDOW_FULL,		"window_full",		COUNT)		\
	X(WINDOW_UPDATE,	"window_update",	COUNT)		\
	X(DUPLICATE,		"duplicate_frame",	COUNT)		\
	X(RST_CHALLENGE,	"rst_in_window",	COUNT)		\
	X(SYN_CHALLENGE,	"syn_in_window",	COUNT)		\
	X(RST_IGNORED,		"rst_ignored",		COUNT)

enum ss_anomaly {
#define SS_ANOMALY_ENUM(id, name, word) SS_AN_##id,
	SS_ANOMALIES(SS_ANOMALY_ENUM)
#undef SS_ANOMALY_ENUM
	SS_AN_COUNT
};

#define SS_AN_WORDS 10		/* the conn-record vocabulary: [0, 10) */

const char	*ss_anomaly_name(enum ss_anomaly);
/* The vocabulary word an anomaly counts as; SS_AN_COUNT for none. */
enum ss_anomaly	 ss_anomaly_word(enum ss_anomaly);

/* Why an endpoint changed state (see ss_tcp_rule_text). */
#define SS_TCP_RULES(X)							\
	X(NONE,			"")						\
	X(SEND_SYN,		"sent SYN (active open)")				\
	X(INFER_SYN,		"sent a SYN that was not captured (inferred from the SYN-ACK)") \
	X(LISTEN,		"answered a SYN, so it was listening (passive open, inferred)") \
	X(GOT_SYN_LISTEN,	"got SYN in LISTEN: answers SYN-ACK")		\
	X(GOT_SYN_SYNSENT,	"got SYN in SYN-SENT that does not acknowledge its own SYN (simultaneous open)") \
	X(GOT_SYNACK,		"got SYN-ACK acknowledging its SYN: answers ACK")	\
	X(SYN_ACKED,		"got ACK of its SYN")				\
	X(MIDSTREAM,		"was already connected when the capture started (handshake not seen, inferred)") \
	X(SEND_FIN,		"sent FIN (active close)")				\
	X(SEND_FIN_PASSIVE,	"sent FIN after receiving the peer's FIN (passive close)") \
	X(FIN_CROSSED,		"sent FIN whose ACK does not cover the peer's FIN: the FINs crossed, so the peer's FIN reached it in FIN-WAIT-1") \
	X(GOT_FIN,		"got FIN: the peer will send no more data")	\
	X(GOT_FIN_FW1,		"got FIN before the ACK of its own FIN (simultaneous close)") \
	X(GOT_FIN_FW2,		"got FIN in FIN-WAIT-2: starts the 2MSL timer")	\
	X(FIN_ACKED,		"got ACK of its FIN")				\
	X(SEND_RST,		"sent RST: aborts the connection")		\
	X(GOT_RST,		"got RST with the exact expected sequence number")	\
	X(GOT_RST_FIN,		"got RST with the sequence number of the peer's FIN (accepted after a FIN, as Linux does)") \
	X(GOT_RST_SYNSENT,	"got RST acknowledging its SYN: connection refused")	\
	X(GOT_RST_SYNRCVD,	"got RST in SYN-RECEIVED: the half-open connection is dropped") \
	X(GOT_RST_TW,		"got RST in TIME-WAIT: the TIME-WAIT state is cut short") \
	X(TW_EXPIRED,		"2MSL timer expired")

enum ss_tcp_rule {
#define SS_TCP_RULE_ENUM(id, text) SS_RULE_##id,
	SS_TCP_RULES(SS_TCP_RULE_ENUM)
#undef SS_TCP_RULE_ENUM
	SS_RULE_COUNT
};

/* The rule in words ("got SYN in LISTEN: answers SYN-ACK"). */
const char	*ss_tcp_rule_text(uint16_t rule);
/* The RFC 9293 (or RFC 5961) rule behind it, in one sentence with its section. */
const char	*ss_tcp_rule_rfc(uint16_t rule);

/* Zeek's own endpoint states (its conn_state is computed from them). */
enum ss_zeek_state {
	SS_Z_INACTIVE = 0,
	SS_Z_SYN_SENT,
	SS_Z_SYN_ACK_SENT,
	SS_Z_PARTIAL,
	SS_Z_ESTABLISHED,
	SS_Z_CLOSED,
	SS_Z_RESET,
};

/*
 * What Zeek's TCP analyzer keeps per endpoint (its own sequence
 * bookkeeping, states and history counters), so that conn_state, history
 * and the byte counts come out as Zeek writes them.
 */
struct ss_zeek_dir {
	uint32_t	start;		/* start_seq */
	uint32_t	last;		/* last_seq: one past the highest segment */
	uint32_t	ack;		/* ack_seq: highest ACK from the peer */
	uint16_t	last_wraps;	/* 32-bit wraps of last */
	uint16_t	ack_wraps;	/* 32-bit wraps of ack */
	uint32_t	hist_syn;	/* relative seq of its last SYN, FIN, RST */
	uint32_t	hist_fin;
	uint32_t	hist_rst;
	uint32_t	rxmt;		/* retransmissions ('T'), zero windows ('W') */
	uint32_t	win0;
	uint8_t		state;		/* enum ss_zeek_state */
	uint8_t		prev;		/* its state before the last change */
	uint8_t		fin : 1,	/* sent a FIN (FIN_cnt > 0) */
			did_close : 1;	/* its FIN or RST closed it */
	uint8_t		pad;
};

/* Per-sender sequence tracking (RFC 9293 §3.4 sequence space). */
struct ss_tcp_dir {
	uint32_t	isn;		/* base of relative sequence numbers */
	uint32_t	nxt;		/* highest seq + len (+SYN/FIN) sent */
	uint32_t	ack;		/* highest ACK this side sent */
	uint32_t	fin_seq;	/* sequence number of its FIN */
	uint32_t	win;		/* last window field (unscaled) */
	uint32_t	ts_val;		/* last TSval sent */
	uint32_t	fp;		/* fingerprint of its last segment */
	uint32_t	fp_us;		/* its capture time, microseconds mod 2^32 */
	uint8_t		state;		/* enum ss_tcp_state of this endpoint */
	uint8_t		wscale;		/* shift from its SYN; 0xff none */
	uint8_t		last_flags;	/* flags of its last segment (low 8) */
	uint8_t		flags_seen;	/* union of the flags it sent */
	uint16_t	have : 1,	/* isn/nxt valid */
			have_ack : 1,	/* ack valid */
			syn : 1,	/* sent a SYN (no ACK) */
			synack : 1,	/* sent a SYN-ACK */
			syn_acked : 1,	/* the peer acknowledged its SYN */
			got_syn : 1,	/* the peer's SYN reached it */
			fin : 1,	/* sent a FIN */
			fin_acked : 1,	/* the peer acknowledged its FIN */
			got_fin : 1,	/* the peer's FIN reached it */
			rst : 1,	/* sent an accepted RST */
			inferred : 1,	/* state guessed (handshake not seen) */
			fp_valid : 1;
	/* analysis (tcp_analysis.c); times are microseconds mod 2^32 */
	uint32_t	maxseq;		/* highest sequence seen contiguously */
	uint32_t	nxt_us;		/* when nxt last advanced */
	uint32_t	ack_us;		/* when it last sent an ACK */
	uint32_t	timed_end;	/* Karn: end of the segment being timed */
	uint32_t	timed_us;	/* ... and when it was sent */
	uint32_t	tsval_us;	/* when ts_val was first seen */
	int16_t		dupacks;	/* duplicate ACKs in a row (-1: reset) */
	uint8_t		segflags;	/* analysis marks of its last segment */
	uint8_t		timing : 1,	/* a segment is being timed */
			ts_echoed : 1,	/* ts_val was echoed already */
			have_maxseq : 1,
			win_syn : 1,	/* win came from a SYN (never scaled) */
			have_win : 1;
	struct ss_zeek_dir z;
};

struct ss_tcp_conn {
	struct ss_tcp_dir dir[2];	/* [0] originator, [1] responder */
	uint64_t	syn_ns;		/* the latest SYN before the handshake's ACK */
	uint64_t	synack_ns;	/* the latest SYN-ACK before it */
	uint64_t	ack_ns;		/* the ACK that completed the handshake */
	uint64_t	zlast_ns;	/* Zeek's last_time (for its duration) */
	uint64_t	rtt_sum_us;	/* RTT samples: sum, count, min, max */
	uint32_t	rtt_n;
	uint32_t	rtt_min_us;
	uint32_t	rtt_max_us;
	uint8_t		irtt_done : 1,	/* ack_ns is set */
			use_ts_rtt : 1,	/* both SYNs carried timestamps */
			last_side : 1;	/* the side that sent the last segment */
	uint32_t	anomalies;	/* bit set of vocabulary words */
	uint32_t	an_count[SS_AN_WORDS];	/* per word, both directions */
	uint32_t	dup_frames;	/* duplicate frames seen */
	uint16_t	hist_seen;	/* Zeek's letter mask: orig low, resp high */
	uint8_t		hist_len;
	char		history[21];	/* Zeek conn history */
};

#endif /* SYNSCOPE_TCP_H */
