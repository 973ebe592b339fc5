/*
 * view.h - the live view: a model fed as an engine sink, screens composed
 * into lines of text, and (in view_tty.c only) the curses terminal.
 *
 * Layers talk downward: the model (view_model.c) keeps rows, tombs,
 * highlights, the filter, the sort order, the packet history and the
 * interface state (pane, selection, mode); the formatter (view_fmt.c)
 * turns them into struct ss_view_line, text plus colour spans naming
 * semantic roles; the terminal layer (view_tty.c) maps roles to curses
 * attributes and draws lines.  Everything above the terminal is tested
 * without one (tests/check_view.c).  doc/view.md describes the screen.
 */
#ifndef SYNSCOPE_VIEW_H
#define SYNSCOPE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "synscope/engine.h"
#include "synscope/flow.h"

/* Semantic colour roles: the only colour vocabulary of the view. */
enum ss_view_role {
	SS_ROLE_NORMAL = 0,
	SS_ROLE_STATUS,		/* the status line */
	SS_ROLE_HEADER,		/* column titles of a pane */
	SS_ROLE_HEADER_FOCUS,	/* ... of the pane with the focus */
	SS_ROLE_SELECTED,	/* the selected row */
	SS_ROLE_OPENING,	/* phases of a connection or flow */
	SS_ROLE_ESTABLISHED,
	SS_ROLE_CLOSING,
	SS_ROLE_CLOSED,
	SS_ROLE_RESET,
	SS_ROLE_NEW,		/* new or just changed (brief) */
	SS_ROLE_TOMB,		/* closed or gone, lingering (dimmed) */
	SS_ROLE_ARROW,		/* ladder arrows */
	SS_ROLE_EXPLAIN,	/* ladder transition explanations */
	SS_ROLE_ANOMALY,	/* anomaly marks */
	SS_ROLE_HINT,		/* key hints, the bottom line */
	SS_ROLE_PROMPT,		/* the filter prompt, messages */
	SS_ROLE_COUNT
};

/* Phases, for colours and filters. */
enum ss_view_phase {
	SS_PH_OPENING = 0,
	SS_PH_ESTABLISHED,
	SS_PH_CLOSING,
	SS_PH_CLOSED,
	SS_PH_RESET,
	SS_PH_COUNT
};

const char	*ss_view_phase_name(enum ss_view_phase);
/* Phase of one TCP endpoint state; rst: that connection was reset. */
enum ss_view_phase ss_view_state_phase(uint8_t tcp_state, bool rst);

/*
 * One TCP connection or UDP flow as the view shows it: a copy, so that
 * tombs and the screen never point into the flow table.
 */
struct ss_view_row {
	struct ss_flow_key key;		/* to find the live flow again */
	uint64_t	id;		/* stream number (tcp#N, udp#N) */
	uint8_t		proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t		family;		/* 4 or 6 */
	uint8_t		state[2];	/* TCP: per endpoint; UDP: [0] */
	uint8_t		flags[2];	/* last TCP flags sent, per side */
	uint8_t		phase;		/* enum ss_view_phase */
	uint8_t		tomb : 1,	/* gone or closed, lingering */
			highlight : 1,	/* new or changed recently */
			inferred : 1,	/* a state was inferred */
			rst : 1;	/* reset */
	uint8_t		end;		/* tombs: enum ss_flow_end */
	uint16_t	port[2];	/* [0] originator, [1] responder */
	struct ss_addr	addr[2];
	uint64_t	pkts[2];
	uint64_t	bytes[2];
	uint64_t	first_ns, last_ns;	/* packet time */
	uint64_t	rtt_ns;		/* handshake RTT; 0 unknown */
	uint64_t	syn_ns, synack_ns, ack_ns;
	uint32_t	anomalies;	/* vocabulary words seen (bit set) */
};

/* Copy what the view shows of a live flow. */
void		 ss_view_row_from_flow(struct ss_view_row *,
		    const struct ss_flow *);

/*
 * One packet (or timer or ICMP error) of a connection, as the ladder
 * draws it: 64 bytes, whatever the packet carried.
 */
enum ss_view_rec_kind {
	SS_REC_PACKET = 0,
	SS_REC_TIMER,		/* a state change no packet caused */
	SS_REC_ICMP,		/* an ICMP error quoting the flow */
};

#define SS_VIEW_REC_TRANS 4

struct ss_view_rec {
	uint64_t	ts_ns;
	uint64_t	id;		/* stream number of its flow */
	uint32_t	seq, ack;	/* relative (RFC 9293 §3.4 from the ISNs) */
	uint32_t	len;		/* payload bytes */
	uint32_t	win;		/* window, scaled when known */
	uint32_t	anomalies;	/* 1 << enum ss_anomaly */
	uint32_t	pktno;		/* packets of the flow including it */
	uint16_t	flags;		/* SS_TH_*; ICMP: type << 8 | code */
	uint8_t		proto;
	uint8_t		side;		/* sender: 0 originator, 1 responder */
	uint8_t		kind;		/* enum ss_view_rec_kind */
	uint8_t		ntrans;
	uint8_t		state[2];	/* states after it */
	struct {
		uint8_t	side, old_state, new_state, rule;
	}		trans[SS_VIEW_REC_TRANS];
};

/* Sort columns. */
enum ss_view_sort {
	SS_SORT_ID = 0,		/* connection number (arrival order) */
	SS_SORT_STATE,
	SS_SORT_AGE,
	SS_SORT_BYTES,
	SS_SORT_PACKETS,
	SS_SORT_RTT,
	SS_SORT_IDLE,
	SS_SORT_COUNT
};

const char	*ss_view_sort_name(enum ss_view_sort);

/* A display filter: terms, all of which must match. */
#define SS_FILTER_TERMS 8

struct ss_view_filter {
	size_t		 nterms;
	struct ss_view_term {
		uint8_t		kind;	/* internal */
		uint8_t		neg;	/* "!" or "not" before it */
		uint8_t		plen;	/* prefix length (addresses) */
		uint8_t		family;
		uint16_t	port;
		int		value;	/* state, phase or protocol */
		struct ss_addr	addr;
		char		text[48];	/* substring terms */
	}		 term[SS_FILTER_TERMS];
	char		 src[128];	/* as typed */
};

/*
 * Parse a filter ("port 80", "10.0.0.0/8", "syn-sent", "closing",
 * "!reset", "udp", "2001:db8::1", "[::1]:443", a text fragment of an
 * address...).  Returns 0, or -1 with a reason in err.
 */
int		 ss_view_filter_parse(struct ss_view_filter *, const char *,
		    char *err, size_t errlen);
bool		 ss_view_filter_match(const struct ss_view_filter *,
		    const struct ss_view_row *);

/* Panes and modes. */
enum ss_view_pane { SS_PANE_TCP = 0, SS_PANE_UDP, SS_PANE_COUNT };
enum ss_view_mode {
	SS_MODE_LIST = 0,	/* the two panes */
	SS_MODE_DETAIL,		/* one connection's ladder */
	SS_MODE_HELP,
	SS_MODE_FILTER,		/* the list, with the filter prompt open */
};

/* Keys the model understands; printable characters stand for themselves. */
enum ss_view_key {
	SS_KEY_UP = 0x110000,
	SS_KEY_DOWN,
	SS_KEY_PGUP,
	SS_KEY_PGDN,
	SS_KEY_HOME,
	SS_KEY_END,
	SS_KEY_ENTER,
	SS_KEY_ESC,
	SS_KEY_TAB,
	SS_KEY_BACKSPACE,
	SS_KEY_INTR,		/* Ctrl-C read as a key (raw terminals) */
};

/* What a key asks of the layers that own the capture loop and files. */
enum ss_view_action {
	SS_ACT_NONE = 0,
	SS_ACT_QUIT,
	SS_ACT_PAUSE,		/* space: toggle pause */
	SS_ACT_FASTER,		/* + */
	SS_ACT_SLOWER,		/* - */
	SS_ACT_STEP,		/* n: apply one packet */
	SS_ACT_STEP_STATE,	/* N: apply packets up to a state change */
	SS_ACT_WRITE,		/* w: write the ladder to a file */
};

/* Options of the model. */
struct ss_view_opts {
	uint64_t	linger_ns;	/* wall-clock life of tombs (--linger) */
	uint64_t	highlight_ns;	/* how long new/changed rows stand out */
	uint32_t	ring_cap;	/* packet records, all flows (0: default) */
	uint32_t	tomb_cap;	/* tombs at once (0: default) */
	uint32_t	pin_cap;	/* records kept for the opened connection */
	bool		ascii;		/* no UTF-8 line drawing */
	/* record every packet of TCP connection pin_id from the start */
	bool		pin_from_start;
	uint64_t	pin_id;
	/* flows visited per page() when an order is refreshed (0: default) */
	uint32_t	scan_step;
	/* wall clock (monotonic ns); NULL for CLOCK_MONOTONIC */
	uint64_t	(*clock)(void *);
	void		*clock_ctx;
};

#define SS_VIEW_RING_DEFAULT	65536	/* 4 MiB of packet records */
#define SS_VIEW_TOMBS_DEFAULT	4096
#define SS_VIEW_PIN_DEFAULT	8192
#define SS_VIEW_FIRST_SLOTS	256	/* connections whose start is kept */
#define SS_VIEW_FIRST_RECS	24	/* ... packets of each */
#define SS_VIEW_HL_SLOTS	4096	/* highlight cache (direct-mapped) */
#define SS_VIEW_SCAN_STEP	8192	/* flows visited per page refresh */

struct ss_view;

struct ss_view	*ss_view_new(const struct ss_view_opts *,
		    struct ss_engine *eng);
void		 ss_view_free(struct ss_view *);
/* The engine sink feeding the model. */
void		 ss_view_sink(struct ss_view *, struct ss_sink *);

/* Wall clock of the model. */
uint64_t	 ss_view_now(const struct ss_view *);
/* Has anything changed since the last compose? */
bool		 ss_view_dirty(const struct ss_view *);
void		 ss_view_set_dirty(struct ss_view *);
/* A screen was composed from the current data. */
void		 ss_view_clean(struct ss_view *);
/* The packet clock (engine time) for ages and idle times. */
uint64_t	 ss_view_packet_clock(const struct ss_view *);
/* ASCII line drawing in use? */
bool		 ss_view_ascii(const struct ss_view *);
/* Drop tombs and highlights whose time is over; true if any went. */
bool		 ss_view_expire(struct ss_view *);

/* Sort and filter. */
void		 ss_view_set_sort(struct ss_view *, enum ss_view_sort, bool desc);
int		 ss_view_set_filter(struct ss_view *, const char *,
		    char *err, size_t errlen);
const char	*ss_view_filter_text(const struct ss_view *);

/*
 * The rows of a pane in display order, from offset, at most n: a top-N
 * selection over the live flows and tombs that pass the filter, so only
 * the rows asked for are ever fully ordered.  *total gets how many pass.
 * The order is kept between calls and the rows are read afresh from their
 * flows; when the data changed, a call visits at most scan_step flows
 * towards the next order (a new sort, filter or scroll selects at once).
 */
size_t		 ss_view_page(struct ss_view *, enum ss_view_pane,
		    size_t offset, size_t n, struct ss_view_row *out,
		    size_t *total);
/* Flows visited by the last page() (tests, stats). */
size_t		 ss_view_scanned(const struct ss_view *);

/* Counts per phase of the last page() pass (unfiltered, tombs apart). */
struct ss_view_counts {
	uint64_t	phase[SS_PANE_COUNT][SS_PH_COUNT];
	uint64_t	tombs[SS_PANE_COUNT];
};
void		 ss_view_counts(const struct ss_view *, struct ss_view_counts *);

/* Tombs kept now; records in the ring; overflows (for tests, stats). */
size_t		 ss_view_tomb_count(const struct ss_view *);
size_t		 ss_view_memory(const struct ss_view *);

/*
 * Packet history.  ss_view_pin() starts keeping every further packet of
 * one flow and seeds that store from the first-packets store and the
 * ring.  ss_view_history() returns the pinned flow's records in order
 * (valid until the next call into the model); *row gets its last known
 * row (false when nothing is known of it).
 */
void		 ss_view_pin(struct ss_view *, uint8_t proto, uint64_t id);
size_t		 ss_view_history(struct ss_view *, const struct ss_view_rec **,
		    struct ss_view_row *row, bool *have_row);
/* Records of the pinned flow that were not kept (bounded store). */
uint64_t	 ss_view_history_lost(const struct ss_view *);

/* Interface state (the "screen" of the list widget). */
struct ss_view_ui {
	enum ss_view_mode mode;
	enum ss_view_mode back;		/* where Esc goes from help */
	enum ss_view_pane pane;		/* focus */
	size_t		 sel[SS_PANE_COUNT];	/* selected index */
	size_t		 top[SS_PANE_COUNT];	/* first visible index */
	size_t		 rows[SS_PANE_COUNT];	/* visible rows (layout) */
	size_t		 total[SS_PANE_COUNT];	/* rows passing the filter */
	struct ss_view_row selected[SS_PANE_COUNT];
	bool		 have_selected[SS_PANE_COUNT];
	/* detail */
	uint8_t		 d_proto;
	uint64_t	 d_id;
	size_t		 d_top;		/* first ladder line shown */
	size_t		 d_lines;	/* lines of the ladder (last compose) */
	size_t		 d_rows;	/* lines visible */
	bool		 d_follow;	/* stay at the bottom as packets come */
	/* filter prompt */
	char		 input[128];
	size_t		 input_len;
	char		 saved_filter[128];
	/* sort */
	enum ss_view_sort sort;
	bool		 desc;
	/* display frozen (space, live capture) */
	bool		 frozen;
	/* a one-line message for the status line */
	char		 msg[160];
};

struct ss_view_ui *ss_view_ui(struct ss_view *);

/* Apply a key to the interface state. */
enum ss_view_action ss_view_key(struct ss_view *, int key);

/* What the status line reports about the source and the loop. */
struct ss_view_status {
	const char	*source;	/* interface or file */
	bool		 live;
	bool		 paused;	/* replay held */
	bool		 eof;
	double		 speed;		/* replay: 0 as fast as possible */
	uint64_t	 packets;	/* read so far */
	uint64_t	 first_ns;	/* packet time of the first packet */
	uint64_t	 pkt_ns;	/* ... of the last one applied */
	uint64_t	 drops, ifdrops;
	double		 pps;		/* packets per second (wall clock) */
};

/* A line of the screen: text (UTF-8) and role spans by byte offset. */
#define SS_VIEW_LINE_MAX	2048
#define SS_VIEW_MAX_WIDTH	600
#define SS_VIEW_SPANS		12

struct ss_view_span {
	uint16_t	off;
	uint16_t	len;
	uint8_t		role;
};

struct ss_view_line {
	char		text[SS_VIEW_LINE_MAX];
	size_t		len;		/* bytes */
	int		cols;		/* columns */
	uint8_t		role;		/* of the whole line */
	uint8_t		nspans;
	struct ss_view_span span[SS_VIEW_SPANS];
};

/* Columns of UTF-8 text (one per code point: the view uses no wide ones). */
int		 ss_view_cols(const char *, size_t);

/*
 * Format an endpoint "addr:port" ("[v6]:port") into exactly width
 * columns or fewer, shortening the middle of a long IPv6 address with an
 * ellipsis.  Returns the bytes written (buf NUL-terminated).
 */
size_t		 ss_view_endpoint(char *buf, size_t len, int family,
		    const struct ss_addr *, uint16_t port, int width,
		    bool ascii);

/* Durations and sizes in at most 6 columns ("812us", "1.2ms", "3m05s"). */
void		 ss_view_dur(char *buf, size_t len, uint64_t ns);
void		 ss_view_size(char *buf, size_t len, uint64_t n);

/*
 * Format one row of a pane into line (width columns); now_ns is the
 * packet clock for age and idle.  The column set adapts to the width.
 */
struct ss_view_layout {
	int	width;
	int	addr_w;		/* columns of each endpoint */
	int	id_w;		/* columns of the flow number (5 or more) */
	bool	show[24];	/* internal: columns shown */
};
void		 ss_view_layout(struct ss_view_layout *, enum ss_view_pane,
		    int width, int addr_w);
/* The same, with room for flow numbers of id_w digits (5 at least). */
void		 ss_view_layout_ids(struct ss_view_layout *, enum ss_view_pane,
		    int width, int addr_w, int id_w);
void		 ss_view_header(struct ss_view_line *, enum ss_view_pane,
		    const struct ss_view_layout *, enum ss_view_sort, bool desc,
		    bool focus);
void		 ss_view_format_row(struct ss_view_line *, enum ss_view_pane,
		    const struct ss_view_layout *, const struct ss_view_row *,
		    uint64_t now_ns, bool ascii);
void		 ss_view_format_status(struct ss_view_line *, int width,
		    const struct ss_view_status *, const struct ss_view_counts *);
/* Help text: the number of lines; line i into l. */
size_t		 ss_view_help_lines(void);
void		 ss_view_help_line(struct ss_view_line *, size_t i, int width);

/*
 * The ladder of a connection: header lines, then an arrow per record with
 * both endpoints' states and the explanations of their transitions.
 * Lines [from, from + max) go to out (out may be NULL to count); returns
 * the total number of lines.  width 0: as wide as needed (files).
 */
size_t		 ss_view_ladder(const struct ss_view_row *row, bool have_row,
		    const struct ss_view_rec *recs, size_t n, uint64_t lost,
		    int width, bool ascii, size_t from,
		    struct ss_view_line *out, size_t max);
/* The whole ladder as text to a stream (w key, --ladder). */
int		 ss_view_ladder_write(FILE *, const struct ss_view_row *row,
		    bool have_row, const struct ss_view_rec *recs, size_t n,
		    uint64_t lost, bool ascii);

/*
 * Compose a whole screen of height lines of width columns from the model
 * and the status; returns the number of lines written (height) and sets
 * *cursor_col to where the terminal cursor goes (-1: hidden).
 */
int		 ss_view_compose(struct ss_view *, const struct ss_view_status *,
		    int width, int height, struct ss_view_line *lines,
		    int *cursor_col);

/* The terminal (view_tty.c, the program only). */
struct ss_loop;
struct ss_view_tty;
struct ss_view_tty_opts {
	bool		 ascii;		/* force ASCII line drawing */
	bool		 use_tty;	/* read keys from /dev/tty, not stdin */
};
struct ss_view_tty *ss_view_tty_start(struct ss_view *, struct ss_loop *,
		    const struct ss_view_tty_opts *, char *err, size_t errlen);
/* Restore the terminal; safe to call more than once and from atexit. */
void		 ss_view_tty_stop(struct ss_view_tty *);
/* Restore the terminal and free. */
void		 ss_view_tty_free(struct ss_view_tty *);
/* Is UTF-8 line drawing usable (locale)? */
bool		 ss_view_tty_utf8(void);

#endif /* SYNSCOPE_VIEW_H */
