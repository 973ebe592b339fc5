/*
 * engine.h - the core pipeline: decode -> flow table -> trackers -> events
 * -> sinks.  No curses and no I/O here: sinks receive packets and events
 * and do their own output.  All timers run on packet time, so replaying a
 * capture gives the same events every time.
 */
#ifndef SYNSCOPE_ENGINE_H
#define SYNSCOPE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synscope/decode.h"
#include "synscope/flow.h"

/* Counters of the whole run (the "stats" record). */
struct ss_stats {
	uint64_t	packets;	/* frames handed to the engine */
	uint64_t	bytes;		/* their wire length */
	uint64_t	tcp;		/* outermost transport header is TCP */
	uint64_t	udp;
	uint64_t	icmp;		/* ICMP and ICMPv6 */
	uint64_t	other;		/* anything else (incl. non-IP) */
	uint64_t	ipv4, ipv6;
	uint64_t	fragments;	/* later IP fragments (never parsed) */
	uint64_t	truncated;
	uint64_t	malformed;
	uint64_t	reason[SS_R_COUNT];	/* per named reason */
	uint64_t	flows[3];	/* flows created: tcp, udp, icmp */
	uint64_t	evictions;	/* flows evicted: table full, half-open cap */
	uint64_t	expired;	/* flows ended by idle timeout */
	uint64_t	drops;		/* kernel drops (pcap_stats), set by capture */
	uint64_t	ifdrops;	/* interface drops, set by capture */
	uint64_t	first_ns, last_ns;
};

/* What an event reports. */
enum ss_event_type {
	SS_EV_FLOW_NEW = 0,	/* a flow was created */
	SS_EV_FLOW_END,		/* a flow left the table */
	SS_EV_STATE,		/* an endpoint changed state */
	SS_EV_ANOMALY,		/* an anomaly was noticed */
	SS_EV_ICMP_ERROR,	/* an ICMP error quoted a tracked flow */
	SS_EV_COUNT
};

struct ss_event {
	uint8_t		type;		/* enum ss_event_type */
	uint8_t		side;		/* 0 originator, 1 responder */
	uint8_t		old_state;	/* SS_EV_STATE */
	uint8_t		new_state;
	uint16_t	rule;		/* engine rule id (explanations) */
	uint16_t	anomaly;	/* SS_EV_ANOMALY: enum ss_anomaly */
	uint64_t	ts_ns;
	const struct ss_flow   *flow;
	const struct ss_packet *pkt;	/* NULL for timer events */
	const char     *uid;		/* SS_EV_FLOW_END: the flow's uid if
					   made ahead (SS_UID_LEN characters,
					   see ss_uid_ahead), else NULL */
};

/*
 * A sink: output formats and the view implement some of these; any may be
 * NULL.  packet() is called once per frame after the trackers ran, with
 * the events that frame caused; event() is called for events no frame
 * caused (timers, end of capture) and for flow starts and ends.
 */
struct ss_sink {
	void	 (*packet)(void *ctx, const struct ss_packet *,
		    const struct ss_flow *, int side,
		    const struct ss_event *evs, size_t nevs);
	void	 (*event)(void *ctx, const struct ss_event *);
	void	 (*finish)(void *ctx, const struct ss_stats *);
	void	 *ctx;
	/*
	 * The sink reads flows only as they end, and a lone SYN's only
	 * through its head (lazy flows, see SS_FLOW_HEAD): connection
	 * records.  When every sink does, a SYN flood's flows are kept as
	 * heads.
	 */
	bool	  ends_only;
};

struct ss_engine_config {
	uint32_t	max_flows;	/* --max-flows */
	uint64_t	tcp_timeout_ns;	/* idle established connections */
	uint64_t	halfopen_timeout_ns;
	uint64_t	time_wait_ns;	/* --time-wait (2MSL) */
	uint64_t	close_linger_ns;/* how long CLOSED/reset flows stay */
	uint64_t	udp_timeout_ns;	/* --udp-timeout */
	uint64_t	icmp_timeout_ns;
	uint64_t	seed[2];	/* flow hash key; zero: random */
};

/* Defaults: 1 M-flow table, Linux-like TIME-WAIT, Zeek-like UDP timeout. */
void		 ss_engine_config_defaults(struct ss_engine_config *);

#define SS_MAX_SINKS 6
#define SS_MAX_PKT_EVENTS 16
#define SS_PIPE_DEPTH 3

/*
 * The last flow key hashed and its hash.  Frames come in runs of one
 * flow (88% of those of the benchmark's real traffic follow one of the
 * same flow), so most keys are the last one again, and comparing 40
 * bytes costs a tenth of hashing them.
 */
struct ss_key_memo {
	struct ss_flow_key	key;
	uint64_t		hash;
	bool			ok;
};

/* A decoded frame waiting in the prefetch pipeline. */
struct ss_pipe_slot {
	struct ss_packet	pkt;
	struct ss_flow_key	key;
	uint64_t		hash;
	bool			keyed;
	bool			from_lo;
	uint8_t			ahead;		/* enum ss_ahead */
	uint32_t		syn_no;		/* a numbered SYN's number
						   (modulo 2^32) */
	uint64_t		uid_id;		/* SS_AHEAD_UID: the stream
						   number guessed */
};
/*
 * A whole number of cache lines: a reader thread may copy its slots in
 * with non-temporal stores, which want whole lines.
 */
_Static_assert(sizeof(struct ss_pipe_slot) == 256,
    "a slot is four whole cache lines");

enum ss_ahead {
	SS_AHEAD_NONE = 0,
	SS_AHEAD_NUMBERED,	/* a bare SYN a reader numbered: syn_no */
	SS_AHEAD_UID,		/* and made a uid for: its ss_uid_ahead */
};

/*
 * A bare SYN usually opens a flow, whose uid (ss_flow_uid) is a function
 * of its key, its first packet's time and its stream number, a counter
 * only the engine knows.  A reader thread numbers the bare SYNs it
 * decodes and, with time to spare (a SYN flood), guesses each one's
 * stream number from that and the difference the engine last saw
 * between the two, and makes the uid ahead, beside the slot.  The engine keeps it
 * only when the flow the SYN opens has the stream number guessed, which
 * the slot holds (uid_id): a wrong guess costs the reader the time it
 * had to spare, and nothing else, not even a look at the uid's line.
 */
struct ss_uid_ahead {
	_Alignas(32) char	text[SS_UID_LEN];
};

/* A bare SYN: a connection attempt (flow class SS_FC_TCP_HALFOPEN). */
static inline bool
ss_bare_syn(const struct ss_packet *p)
{
	return (p->flags & (SS_TH_SYN | SS_TH_ACK | SS_TH_RST | SS_TH_FIN)) ==
	    SS_TH_SYN;
}

struct ss_engine {
	struct ss_engine_config cfg;
	struct ss_flow_table   *ft;
	struct ss_stats		stats;
	struct ss_sink		sinks[SS_MAX_SINKS];
	size_t			nsinks;
	/*
	 * Events caused by the frame being processed, made only when they
	 * are read: a sink takes each frame's (packet()), or the caller
	 * looks at them (ss_engine_keep_events).  Flow ends and timer events
	 * go to the sinks' event() either way.
	 */
	struct ss_event		evs[SS_MAX_PKT_EVENTS];
	size_t			nevs;
	bool			pkt_events;	/* evs are made */
	bool			keep_events;	/* ... whatever the sinks */
	uint64_t		now_ns;	/* packet clock */
	/* frames decoded ahead (ss_engine_push) */
	struct ss_pipe_slot	pipe[SS_PIPE_DEPTH];
	unsigned		pipe_head;
	unsigned		pipe_n;
	/* a flow's stream number less its bare SYN's number, last seen */
	int64_t			uid_off;
	bool			heads_ok;	/* every sink is ends_only */
	uint64_t		heads;		/* flows created as heads */
	struct ss_key_memo	memo;	/* of engine_decode */
};

struct ss_engine *ss_engine_new(const struct ss_engine_config *);
void		 ss_engine_free(struct ss_engine *);
int		 ss_engine_add_sink(struct ss_engine *, const struct ss_sink *);

/* Feed one captured frame. */
void		 ss_engine_frame(struct ss_engine *, int linktype,
		    uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen);

/*
 * Feed one frame through a short pipeline: it is decoded now and its flow
 * prefetched, and it is processed two frames later, so that the memory
 * of the flows is fetched while other frames are processed.  The same
 * results as ss_engine_frame, in the same order, once ss_engine_drain()
 * ran.  Only for batch reading: sinks see a frame after later ones were
 * read.
 */
void		 ss_engine_push(struct ss_engine *, int linktype,
		    uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen);
/* Process every frame still in the pipeline. */
void		 ss_engine_drain(struct ss_engine *);

/*
 * The two halves of ss_engine_frame, for a reader thread: decoding a
 * frame into a slot needs only a copy of the flow hash's key (taken with
 * ss_engine_slot_decoder, kept by the reader), so it may run in another
 * thread while the engine processes earlier slots, without touching the
 * engine's memory.  The slot keeps no pointer into the
 * frame.  Processing a run of slots prefetches the flows of the next ones.
 */
struct ss_slot_decoder {
	uint64_t	seed[2];	/* a copy of the flow table's hash key */
	bool		hash;		/* hash the keys (false: leave hash 0
					   for ss_engine_hash_slots) */
	bool		number;		/* number bare SYNs (the default) */
	bool		uid;		/* and make their uids ahead */
	uint32_t	syn_no;		/* bare SYNs numbered */
	int64_t		uid_off;	/* ss_engine_uid_offset(), lately */
	struct ss_key_memo memo;	/* the last key hashed */
	struct ss_uid_batch uids;	/* uids to make: decode_flush */
};
void		 ss_engine_slot_decoder(const struct ss_engine *,
		    struct ss_slot_decoder *);
/*
 * ua: the slot's place for a uid made ahead (may be NULL when !d->uid).
 * Its text may be written later, by the next ss_engine_decode_flush(),
 * which must come before the slots are processed.
 */
void		 ss_engine_decode_slot(struct ss_slot_decoder *,
		    struct ss_pipe_slot *, struct ss_uid_ahead *ua,
		    int linktype, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t wirelen);
/* Make the uids the decoder has left to make (see ss_uid_batch). */
void		 ss_engine_decode_flush(struct ss_slot_decoder *);
/* ua: the slots' places for uids made ahead (ua[i] for s[i]), or NULL */
void		 ss_engine_process_slots(struct ss_engine *,
		    struct ss_pipe_slot *, const struct ss_uid_ahead *ua,
		    size_t n);
/* Hash the keys of slots decoded without (ss_slot_decoder.hash false). */
void		 ss_engine_hash_slots(const struct ss_engine *,
		    struct ss_pipe_slot *, size_t n);
/*
 * For guessing stream numbers (see ss_uid_ahead): a flow's stream number
 * less the number of the bare SYN that opened it, for the last flow a
 * numbered bare SYN opened.  The reader may read it between batches.
 */
int64_t		 ss_engine_uid_offset(const struct ss_engine *);

/* Advance the packet clock without a frame (expires timers). */
void		 ss_engine_advance(struct ss_engine *, uint64_t now_ns);

/* End of input: write out every remaining flow, then finish() sinks. */
void		 ss_engine_finish(struct ss_engine *);

/* Deliver an event no frame caused (timers) to every sink. */
void		 ss_engine_broadcast(struct ss_engine *, const struct ss_event *);

/* Record an event caused by the current frame (trackers use this). */
void		 ss_engine_emit(struct ss_engine *, const struct ss_event *);

/*
 * Make each frame's events (evs, nevs) for a caller that reads them after
 * ss_engine_frame(), whether or not a sink takes them.
 */
void		 ss_engine_keep_events(struct ss_engine *);

/*
 * The next event of the current frame, zeroed, to be filled in place (an
 * event built elsewhere and copied in is read back whole right after its
 * fields were stored one by one, which the CPU cannot forward); NULL when
 * the frame has SS_MAX_PKT_EVENTS already, as ss_engine_emit drops them,
 * or when no one reads them (ss_engine.pkt_events).
 */
static inline struct ss_event *
ss_engine_event(struct ss_engine *e)
{
	struct ss_event *ev;

	if (!e->pkt_events || e->nevs >= SS_MAX_PKT_EVENTS)
		return NULL;
	ev = &e->evs[e->nevs++];
	memset(ev, 0, sizeof(*ev));
	return ev;
}

#endif /* SYNSCOPE_ENGINE_H */
