/*
 * output.h - the non-interactive output formats, each a sink of the
 * engine writing to a descriptor:
 *
 *   events  one tcpdump-like line per packet, plus lines for flow events
 *   json    JSON Lines: one object per event, then a "stats" record
 *   conn    JSON Lines: one Zeek-style conn record per flow as it ends
 *   zeek    the same records as a Zeek conn.log (TSV with # headers)
 *
 * doc/output.md documents every line and field.
 */
#ifndef SYNSCOPE_OUTPUT_H
#define SYNSCOPE_OUTPUT_H

#include <stdbool.h>

#include "synscope/engine.h"
#include "synscope/fmt.h"

enum ss_format {
	SS_FMT_EVENTS = 0,
	SS_FMT_JSON,
	SS_FMT_CONN,
	SS_FMT_ZEEK,
	SS_FMT_VIEW,		/* the ncurses view (not a sink here) */
};

struct ss_output_opts {
	bool	explain;	/* --explain: RFC rule under state changes */
	bool	quiet_packets;	/* events: flow events only */
	bool	stats;		/* events/conn/zeek: stats at the end (stderr) */
};

/* Parse a format name; -1 if unknown. */
int	 ss_format_parse(const char *);

/* Make the sink of a format writing into w (which it does not own). */
int	 ss_output_sink(enum ss_format, struct ss_wbuf *w,
	    const struct ss_output_opts *, struct ss_sink *out);
/* The sinks of each format (ss_output_sink picks one). */
int	 ss_output_events(struct ss_wbuf *, const struct ss_output_opts *,
	    struct ss_sink *);
int	 ss_output_json(struct ss_wbuf *, const struct ss_output_opts *,
	    struct ss_sink *);
int	 ss_output_conn(struct ss_wbuf *, const struct ss_output_opts *,
	    bool zeek_tsv, struct ss_sink *);

/* Release what ss_output_sink allocated. */
void	 ss_output_free(struct ss_sink *);

/*
 * Room taken for one conn or zeek record, which is written without
 * further checks: the members' text is under 600 bytes, the numbers under
 * 20 digits, addresses under SS_ADDRSTRLEN, the history under 21 bytes,
 * and every anomaly word (each name under 32 bytes) may appear twice.
 * check_fmt.c formats a record with all of them at their longest.
 */
#define SS_CONN_ROOM	(2048 + SS_AN_WORDS * 2 * (32 + FMT_U64_MAX + 8))

/* A flow's Zeek-compatible uid (ss_uid_text): SS_UID_LEN characters and
   a NUL. */
void	 ss_flow_uid(const struct ss_flow *, char buf[SS_UID_LEN + 1]);

/* Text of a flow end reason ("idle", "evicted", ...). */
const char *ss_flow_end_name(uint8_t);

/*
 * Format one packet line (the events format) into w, without newline.
 * It takes SS_PKT_ROOM bytes of room, then writes unchecked.  Its longest
 * form (1,892 bytes): sixteen option kinds, each a SACK with four blocks,
 * two IPv6 addresses, every number at its widest, a decoding note;
 * check_fmt.c formats that line and checks that it fits half the room.
 */
#define SS_PKT_ROOM	4096
void	 ss_format_packet(struct ss_wbuf *w, const struct ss_packet *,
	    const struct ss_flow *, int side);

/* Write the stats record as one JSON line. */
void	 ss_write_stats_json(struct ss_wbuf *w, const struct ss_stats *);

#endif
