/*
 * view_model.c - the model of the live view: rows, tombs, highlights,
 * filter, sort, packet history and interface state.  No curses here.
 *
 * Rows of live flows are read from the engine's flow table when a screen
 * is composed (at most about ten times a second), never copied per
 * packet.  Per packet the model only appends a 64-byte record to a ring
 * and, for the few flows that need it, to two small stores.
 *
 * Memory is bounded whatever the traffic:
 *   - ring: ring_cap records of every TCP/UDP flow (default 65536,
 *     4 MiB); the oldest are overwritten.
 *   - first store: the first SS_VIEW_FIRST_RECS records of the last
 *     SS_VIEW_FIRST_SLOTS new flows (384 KiB), so a handshake can be
 *     shown after the ring has moved on.
 *   - pin store: every record of the one flow opened in the detail view
 *     (or named by --ladder), up to pin_cap: the first quarter is kept
 *     and the rest is a ring, with a count of the records lost between.
 *   - tombs: tomb_cap snapshots of flows that closed or left the table,
 *     each kept linger_ns of wall-clock time (FIFO; when more close within
 *     that time the oldest go early), found through an exact hash index.
 *   - highlights: a direct-mapped cache of SS_VIEW_HL_SLOTS entries; a
 *     collision only shortens a highlight.
 * A page of rows is a top-N selection: a pass over the flows and tombs
 * with a bounded heap of candidates, then only those are sorted.  The
 * order so found is kept per pane (flow keys, never pointers) and the rows
 * shown are read again from their flows at every page; the pass runs again
 * only when something changed, and then at most scan_step flows per page
 * (a large table is covered over several pages, the old order showing
 * meanwhile).  A new sort, filter or a scroll past the kept rows selects
 * at once.  Rows near the end are selected from the end.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "synscope/fmt.h"
#include "synscope/track.h"
#include "synscope/view.h"

#define HL_MASK		(SS_VIEW_HL_SLOTS - 1)
#define FIRST_MASK	(SS_VIEW_FIRST_SLOTS * 4 - 1)
#define NO_SLOT		UINT32_MAX

/* A tomb: the last copy of a flow that closed or left the table. */
struct vm_tomb {
	struct ss_view_row row;
	uint64_t	died;		/* wall clock */
	bool		dead;		/* removed out of order */
};

/* The first packets of a flow. */
struct vm_first {
	uint8_t		proto;
	bool		used;
	uint64_t	id;
	uint32_t	n;
	struct ss_view_rec rec[SS_VIEW_FIRST_RECS];
};

/* Highlight cache entry. */
struct vm_hl {
	uint64_t	id;
	uint64_t	until;
	uint8_t		proto;
};

/* A candidate row of a page. */
struct vm_cand {
	uint64_t		 k;
	uint64_t		 id;
	uint64_t		 hash;	/* of key, once selected */
	struct ss_flow_key	 key;	/* live flow, to look it up again */
	uint32_t		 tomb;	/* tomb slot, or NO_SLOT: live flow */
};

/* The order of a pane: the last selection, and the one under way. */
struct vm_sel {
	/* parameters of both */
	enum ss_view_sort	 sort;
	bool			 desc;	/* effective: reversed when rev */
	bool			 rev;	/* selected from the end */
	uint64_t		 fgen;	/* filter generation */
	size_t			 k;	/* candidates kept */
	/* the last selection, best first */
	bool			 valid;
	struct vm_cand		*list;
	size_t			 n, list_cap;
	size_t			 total;
	uint64_t		 gen, now, wall;	/* data it saw */
	/* the pass under way */
	bool			 scanning;
	uint32_t		 cursor;
	struct vm_cand		*heap;
	size_t			 hn, heap_cap;
	size_t			 cnt;
	uint64_t		 phase[SS_PH_COUNT];
	uint64_t		 sgen, snow;	/* data when it began */
	uint64_t		 swall;		/* wall clock when it ended */
};

struct ss_view {
	struct ss_view_opts	 o;
	struct ss_engine	*eng;
	struct ss_view_ui	 ui;
	struct ss_view_filter	 filter;
	bool			 dirty;

	struct vm_hl		 hl[SS_VIEW_HL_SLOTS];
	uint64_t		 hl_latest;

	struct vm_tomb		*tombs;
	size_t			 tomb_head, tomb_n;
	uint32_t		*tix;		/* slot + 1; 0 empty */
	size_t			 tix_cap;

	struct vm_first		*first;
	uint32_t		 first_ix[FIRST_MASK + 1];	/* slot + 1 */
	size_t			 first_next;

	struct ss_view_rec	*ring;
	uint64_t		 ring_n;	/* records ever written */

	/* pin store */
	bool			 pin_on;
	uint8_t			 pin_proto;
	uint64_t		 pin_id;
	struct ss_view_rec	*pin_head;
	size_t			 pin_head_cap, pin_head_n;
	struct ss_view_rec	*pin_tail;
	size_t			 pin_tail_cap, pin_tail_alloc;
	uint64_t		 pin_tail_n;	/* ever appended to the tail */
	struct ss_view_row	 pin_row;
	bool			 pin_have_row;
	struct ss_view_rec	*scratch;
	size_t			 scratch_cap;

	/* page selection */
	struct vm_sel		 sel[SS_PANE_COUNT];
	uint64_t		 gen;		/* data changes */
	uint64_t		 fgen;		/* filter changes */
	size_t			 scanned;	/* flows visited by page() */
	struct ss_view_counts	 counts;
};

/* Phase names, also the filter words. */
static const char *const phase_names[SS_PH_COUNT] = {
	[SS_PH_OPENING] = "opening",
	[SS_PH_ESTABLISHED] = "established",
	[SS_PH_CLOSING] = "closing",
	[SS_PH_CLOSED] = "closed",
	[SS_PH_RESET] = "reset",
};

static const char *const sort_names[SS_SORT_COUNT] = {
	[SS_SORT_ID] = "number",
	[SS_SORT_STATE] = "state",
	[SS_SORT_AGE] = "age",
	[SS_SORT_BYTES] = "bytes",
	[SS_SORT_PACKETS] = "packets",
	[SS_SORT_RTT] = "rtt",
	[SS_SORT_IDLE] = "idle",
};

/* Name of a phase. */
const char *
ss_view_phase_name(enum ss_view_phase p)
{
	return (unsigned)p < SS_PH_COUNT ? phase_names[p] : "?";
}

/* Name of a sort column. */
const char *
ss_view_sort_name(enum ss_view_sort s)
{
	return (unsigned)s < SS_SORT_COUNT ? sort_names[s] : "?";
}

/* Phase of one endpoint state (RFC 9293 §3.3.2 groups). */
enum ss_view_phase
ss_view_state_phase(uint8_t st, bool rst)
{
	switch (st) {
	case SS_TCP_CLOSED:
		return rst ? SS_PH_RESET : SS_PH_CLOSED;
	case SS_TCP_LISTEN:
	case SS_TCP_SYN_SENT:
	case SS_TCP_SYN_RECEIVED:
		return SS_PH_OPENING;
	case SS_TCP_ESTABLISHED:
		return SS_PH_ESTABLISHED;
	default:
		return SS_PH_CLOSING;
	}
}

/* Phase of a whole connection or flow from its states. */
static uint8_t
phase_of(uint8_t proto, uint8_t st0, uint8_t st1, bool rst)
{
	enum ss_view_phase a, b;

	if (proto == IPPROTO_UDP) {
		switch (st0) {
		case SS_UDP_NEW:
			return SS_PH_OPENING;
		case SS_UDP_REPLIED:
			return SS_PH_ESTABLISHED;
		case SS_UDP_REJECTED:
			return SS_PH_RESET;
		default:
			return SS_PH_CLOSED;
		}
	}
	if (rst)
		return SS_PH_RESET;
	a = ss_view_state_phase(st0, false);
	b = ss_view_state_phase(st1, false);
	if (a == SS_PH_CLOSED && b == SS_PH_CLOSED)
		return SS_PH_CLOSED;
	if (a == SS_PH_CLOSING || b == SS_PH_CLOSING ||
	    (a == SS_PH_CLOSED) != (b == SS_PH_CLOSED))
		return a == SS_PH_OPENING || b == SS_PH_OPENING ?
		    SS_PH_OPENING : SS_PH_CLOSING;
	if (a == SS_PH_ESTABLISHED && b == SS_PH_ESTABLISHED)
		return SS_PH_ESTABLISHED;
	return SS_PH_OPENING;
}

/* Phase of a whole connection or flow. */
static uint8_t
row_phase(const struct ss_view_row *r)
{
	return phase_of(r->proto, r->state[0], r->state[1], r->rst != 0);
}

/* Phase of a live flow, without a row. */
static uint8_t
flow_phase(const struct ss_flow *f)
{
	const struct ss_tcp_conn *c = &f->u.tcp;

	if (f->key.proto != IPPROTO_TCP)
		return phase_of(f->key.proto, f->u.udp.state, 0, false);
	return phase_of(IPPROTO_TCP, c->dir[0].state, c->dir[1].state,
	    c->dir[0].rst || c->dir[1].rst);
}

/* Copy what the view shows of a live flow. */
void
ss_view_row_from_flow(struct ss_view_row *r, const struct ss_flow *f)
{
	int s;

	memset(r, 0, sizeof(*r));
	r->key = f->key;
	r->id = f->id;
	r->proto = f->key.proto;
	r->family = f->key.family;
	for (s = 0; s < 2; s++) {
		r->addr[s] = *ss_flow_addr(f, s);
		r->port[s] = ss_flow_port(f, s);
		r->pkts[s] = f->d[s].pkts;
		r->bytes[s] = f->d[s].bytes;
	}
	r->first_ns = f->first_ns;
	r->last_ns = f->last_ns;
	if (r->proto == IPPROTO_TCP) {
		const struct ss_tcp_conn *c = &f->u.tcp;

		for (s = 0; s < 2; s++) {
			r->state[s] = c->dir[s].state;
			r->flags[s] = c->dir[s].last_flags;
			if (c->dir[s].rst)
				r->rst = 1;
			if (c->dir[s].inferred)
				r->inferred = 1;
		}
		r->syn_ns = c->syn_ns;
		r->synack_ns = c->synack_ns;
		r->ack_ns = c->irtt_done ? c->ack_ns : 0;
		r->rtt_ns = ss_tcp_irtt_ns(f);
		r->anomalies = c->anomalies;
	} else
		r->state[0] = f->u.udp.state;
	r->phase = row_phase(r);
}

/* Both ends of a TCP connection are CLOSED. */
static bool
flow_closed(const struct ss_flow *f)
{
	return f->key.proto == IPPROTO_TCP &&
	    f->u.tcp.dir[0].state == SS_TCP_CLOSED &&
	    f->u.tcp.dir[1].state == SS_TCP_CLOSED;
}

/* A 64-bit mix of a flow identity. */
static uint64_t
id_hash(uint8_t proto, uint64_t id)
{
	uint64_t x = id * 2 + (proto == IPPROTO_TCP ? 1 : 0);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* Default wall clock: CLOCK_MONOTONIC in ns. */
static uint64_t
mono_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wall clock of the model. */
uint64_t
ss_view_now(const struct ss_view *m)
{
	return m->o.clock(m->o.clock_ctx);
}

/* ------------------------------------------------------------ highlights */

/* Mark a flow new or changed now. */
static void
hl_mark(struct ss_view *m, uint8_t proto, uint64_t id)
{
	struct vm_hl *h = &m->hl[id_hash(proto, id) & HL_MASK];

	h->id = id;
	h->proto = proto;
	h->until = ss_view_now(m) + m->o.highlight_ns;
	if (h->until > m->hl_latest)
		m->hl_latest = h->until;
}

/* Is a flow highlighted at wall time now? */
static bool
hl_on(const struct ss_view *m, uint8_t proto, uint64_t id, uint64_t now)
{
	const struct vm_hl *h = &m->hl[id_hash(proto, id) & HL_MASK];

	return h->until > now && h->id == id && h->proto == proto;
}

/* ----------------------------------------------------------------- tombs */

/* Index position of a tomb, or the empty position where it would go. */
static size_t
tix_pos(const struct ss_view *m, uint8_t proto, uint64_t id, bool *found)
{
	size_t mask = m->tix_cap - 1;
	size_t i = id_hash(proto, id) & mask;

	for (;;) {
		uint32_t v = m->tix[i];

		if (v == 0) {
			*found = false;
			return i;
		}
		if (m->tombs[v - 1].row.id == id &&
		    m->tombs[v - 1].row.proto == proto) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* Delete index position pos (linear probing, backward shift). */
static void
tix_del(struct ss_view *m, size_t pos)
{
	size_t mask = m->tix_cap - 1, i = pos, j = pos, k;
	const struct ss_view_row *r;

	m->tix[i] = 0;
	for (;;) {
		j = (j + 1) & mask;
		if (m->tix[j] == 0)
			return;
		r = &m->tombs[m->tix[j] - 1].row;
		k = id_hash(r->proto, r->id) & mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->tix[i] = m->tix[j];
		m->tix[j] = 0;
		i = j;
	}
}

/* Slot of a flow's tomb, or -1. */
static long
tomb_find(const struct ss_view *m, uint8_t proto, uint64_t id)
{
	bool found;
	size_t pos = tix_pos(m, proto, id, &found);

	return found ? (long)m->tix[pos] - 1 : -1;
}

/* Remove a tomb from the index (its slot stays until the ring passes). */
static void
tomb_unindex(struct ss_view *m, size_t slot)
{
	struct vm_tomb *t = &m->tombs[slot];
	bool found;
	size_t pos;

	if (t->dead)
		return;
	pos = tix_pos(m, t->row.proto, t->row.id, &found);
	if (found)
		tix_del(m, pos);
	t->dead = true;
}

/* Drop the oldest tomb. */
static void
tomb_drop_oldest(struct ss_view *m)
{
	size_t slot = (m->tomb_head + m->o.tomb_cap - m->tomb_n) %
	    m->o.tomb_cap;

	tomb_unindex(m, slot);
	m->tomb_n--;
}

/* Make or refresh the tomb of a flow. */
static void
tomb_put(struct ss_view *m, const struct ss_flow *f, bool refresh_only)
{
	long slot = tomb_find(m, f->key.proto, f->id);
	struct vm_tomb *t;
	bool found;
	size_t pos;

	if (slot >= 0) {
		t = &m->tombs[slot];
		ss_view_row_from_flow(&t->row, f);
		t->row.tomb = 1;
		t->row.end = f->end;
		return;
	}
	if (refresh_only)
		return;
	if (m->tomb_n == m->o.tomb_cap)
		tomb_drop_oldest(m);
	t = &m->tombs[m->tomb_head];
	ss_view_row_from_flow(&t->row, f);
	t->row.tomb = 1;
	t->row.end = f->end;
	t->died = ss_view_now(m);
	t->dead = false;
	pos = tix_pos(m, f->key.proto, f->id, &found);
	m->tix[pos] = (uint32_t)m->tomb_head + 1;
	m->tomb_head = (m->tomb_head + 1) % m->o.tomb_cap;
	m->tomb_n++;
}

/* Remove a flow's tomb (it opened again). */
static void
tomb_remove(struct ss_view *m, const struct ss_flow *f)
{
	long slot = tomb_find(m, f->key.proto, f->id);

	if (slot >= 0)
		tomb_unindex(m, (size_t)slot);
}

/* Tombs kept now. */
size_t
ss_view_tomb_count(const struct ss_view *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->tomb_n; i++)
		if (!m->tombs[(m->tomb_head + m->o.tomb_cap - 1 - i) %
		    m->o.tomb_cap].dead)
			n++;
	return n;
}

/* Drop tombs and highlights whose time is over. */
bool
ss_view_expire(struct ss_view *m)
{
	uint64_t now = ss_view_now(m);
	bool changed = false;

	while (m->tomb_n > 0) {
		size_t slot = (m->tomb_head + m->o.tomb_cap - m->tomb_n) %
		    m->o.tomb_cap;
		struct vm_tomb *t = &m->tombs[slot];

		if (!t->dead && now - t->died < m->o.linger_ns)
			break;
		if (!t->dead)
			changed = true;
		tomb_drop_oldest(m);
	}
	/* highlights fade on their own: redraw while any is on */
	if (m->hl_latest != 0) {
		changed = true;
		if (now >= m->hl_latest)
			m->hl_latest = 0;
	}
	if (changed)
		m->dirty = true;
	return changed;
}

/* --------------------------------------------------------------- history */

/* Slot of a flow in the first store, or NO_SLOT. */
static uint32_t
first_find(const struct ss_view *m, uint8_t proto, uint64_t id)
{
	uint32_t v = m->first_ix[id_hash(proto, id) & FIRST_MASK];
	const struct vm_first *s;

	if (v == 0)
		return NO_SLOT;
	s = &m->first[v - 1];
	return s->used && s->id == id && s->proto == proto ? v - 1 : NO_SLOT;
}

/* Give a new flow a slot of the first store (the oldest one). */
static void
first_assign(struct ss_view *m, uint8_t proto, uint64_t id)
{
	size_t slot = m->first_next;
	struct vm_first *s = &m->first[slot];

	m->first_next = (m->first_next + 1) % SS_VIEW_FIRST_SLOTS;
	if (s->used) {
		uint32_t *ix = &m->first_ix[id_hash(s->proto, s->id) &
		    FIRST_MASK];

		if (*ix == slot + 1)
			*ix = 0;
	}
	s->used = true;
	s->proto = proto;
	s->id = id;
	s->n = 0;
	m->first_ix[id_hash(proto, id) & FIRST_MASK] = (uint32_t)slot + 1;
}

/* Append a record to the pin store. */
static void
pin_add(struct ss_view *m, const struct ss_view_rec *r)
{
	if (m->pin_head_n < m->pin_head_cap) {
		m->pin_head[m->pin_head_n++] = *r;
		return;
	}
	if (m->pin_tail_cap == 0)
		return;
	if (m->pin_tail_n < m->pin_tail_cap &&
	    m->pin_tail_n >= m->pin_tail_alloc) {
		size_t n = m->pin_tail_alloc == 0 ? 256 : m->pin_tail_alloc * 2;
		struct ss_view_rec *p;

		if (n > m->pin_tail_cap)
			n = m->pin_tail_cap;
		p = realloc(m->pin_tail, n * sizeof(*p));
		if (p == NULL)
			return;		/* keep what we have */
		m->pin_tail = p;
		m->pin_tail_alloc = n;
	}
	m->pin_tail[m->pin_tail_n % m->pin_tail_cap] = *r;
	m->pin_tail_n++;
}

/* Keep a record: ring, first store, pin store. */
static void
rec_store(struct ss_view *m, const struct ss_view_rec *r)
{
	uint32_t slot;

	m->ring[m->ring_n % m->o.ring_cap] = *r;
	m->ring_n++;
	slot = first_find(m, r->proto, r->id);
	if (slot != NO_SLOT && m->first[slot].n < SS_VIEW_FIRST_RECS)
		m->first[slot].rec[m->first[slot].n++] = *r;
	if (m->pin_on && r->id == m->pin_id && r->proto == m->pin_proto)
		pin_add(m, r);
}

/* The common part of a record. */
static void
rec_init(struct ss_view_rec *r, const struct ss_flow *f, uint64_t ts,
    uint8_t kind, int side)
{
	uint64_t n = f->d[0].pkts + f->d[1].pkts;

	memset(r, 0, sizeof(*r));
	r->ts_ns = ts;
	r->id = f->id;
	r->proto = f->key.proto;
	r->kind = kind;
	r->side = (uint8_t)side;
	r->pktno = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	if (f->key.proto == IPPROTO_TCP) {
		r->state[0] = f->u.tcp.dir[0].state;
		r->state[1] = f->u.tcp.dir[1].state;
	} else {
		r->state[0] = f->u.udp.state;
		r->state[1] = f->u.udp.state;
	}
}

/* Add a state change to a record. */
static void
rec_trans(struct ss_view_rec *r, const struct ss_event *ev)
{
	if (r->ntrans >= SS_VIEW_REC_TRANS)
		return;
	r->trans[r->ntrans].side = ev->side;
	r->trans[r->ntrans].old_state = ev->old_state;
	r->trans[r->ntrans].new_state = ev->new_state;
	r->trans[r->ntrans].rule = ev->rule < 256 ? (uint8_t)ev->rule : 0;
	r->ntrans++;
}

/* Update the pinned flow's row. */
static void
pin_touch(struct ss_view *m, const struct ss_flow *f)
{
	if (m->pin_on && f->id == m->pin_id && f->key.proto == m->pin_proto) {
		ss_view_row_from_flow(&m->pin_row, f);
		if (f->end != SS_END_NONE) {
			m->pin_row.tomb = 1;
			m->pin_row.end = f->end;
		}
		m->pin_have_row = true;
	}
}

/* ------------------------------------------------------------------ sink */

/* Record an ICMP error quoting a flow. */
static void
model_icmp(struct ss_view *m, const struct ss_event *ev)
{
	const struct ss_flow *f = ev->flow;
	struct ss_view_rec r;

	if (f == NULL || ev->pkt == NULL || (f->key.proto != IPPROTO_TCP &&
	    f->key.proto != IPPROTO_UDP))
		return;
	rec_init(&r, f, ev->ts_ns, SS_REC_ICMP, 1 - ev->side);
	r.flags = (uint16_t)(ev->pkt->icmp_type << 8 | ev->pkt->icmp_code);
	r.len = ev->pkt->payload_len;
	rec_store(m, &r);
	hl_mark(m, f->key.proto, f->id);
}

/* Sink: one frame and the events it caused. */
static void
model_packet(void *ctx, const struct ss_packet *p, const struct ss_flow *f,
    int side, const struct ss_event *evs, size_t nevs)
{
	struct ss_view *m = ctx;
	struct ss_view_rec r;
	bool changed = false, created = false;
	size_t i;

	m->dirty = true;
	m->gen++;
	for (i = 0; i < nevs; i++)
		if (evs[i].type == SS_EV_ICMP_ERROR)
			model_icmp(m, &evs[i]);
	if (f == NULL || (f->key.proto != IPPROTO_TCP &&
	    f->key.proto != IPPROTO_UDP))
		return;
	rec_init(&r, f, p->ts_ns, SS_REC_PACKET, side);
	if (f->key.proto == IPPROTO_TCP) {
		int64_t w = ss_tcp_window(f, side);

		r.flags = p->flags;
		r.seq = ss_tcp_rel_known(f, side) ? ss_tcp_rel(f, side, p->seq) :
		    p->seq;
		if (p->flags & SS_TH_ACK)
			r.ack = ss_tcp_rel_known(f, 1 - side) ?
			    ss_tcp_rel(f, 1 - side, p->ack) : p->ack;
		r.len = p->payload_len;
		r.win = w >= 0 && w <= UINT32_MAX ? (uint32_t)w : p->win;
	} else
		r.len = p->udp_len >= 8 ? (uint32_t)p->udp_len - 8 :
		    p->payload_len;
	for (i = 0; i < nevs; i++) {
		const struct ss_event *ev = &evs[i];

		if (ev->flow != f)
			continue;
		switch (ev->type) {
		case SS_EV_FLOW_NEW:
			created = true;
			first_assign(m, f->key.proto, f->id);
			break;
		case SS_EV_STATE:
			changed = true;
			rec_trans(&r, ev);
			break;
		case SS_EV_ANOMALY:
			if (ev->anomaly < 32)
				r.anomalies |= 1u << ev->anomaly;
			break;
		default:
			break;
		}
	}
	rec_store(m, &r);
	if (created || changed)
		hl_mark(m, f->key.proto, f->id);
	if (f->key.proto == IPPROTO_TCP) {
		if (flow_closed(f))
			tomb_put(m, f, !(created || changed));
		else if (changed)
			tomb_remove(m, f);
	}
	pin_touch(m, f);
}

/* Sink: events no frame caused (timers, flow ends). */
static void
model_event(void *ctx, const struct ss_event *ev)
{
	struct ss_view *m = ctx;
	const struct ss_flow *f = ev->flow;
	struct ss_view_rec r;

	if (f == NULL || (f->key.proto != IPPROTO_TCP &&
	    f->key.proto != IPPROTO_UDP))
		return;
	m->dirty = true;
	m->gen++;
	switch (ev->type) {
	case SS_EV_STATE:
		rec_init(&r, f, ev->ts_ns, SS_REC_TIMER, ev->side);
		rec_trans(&r, ev);
		rec_store(m, &r);
		hl_mark(m, f->key.proto, f->id);
		if (flow_closed(f))
			tomb_put(m, f, false);
		break;
	case SS_EV_FLOW_END:
		/* a closed connection has its tomb since it closed */
		tomb_put(m, f, flow_closed(f));
		break;
	case SS_EV_ICMP_ERROR:
		model_icmp(m, ev);
		break;
	default:
		break;
	}
	pin_touch(m, f);
}

/* The engine sink of the model. */
void
ss_view_sink(struct ss_view *m, struct ss_sink *s)
{
	memset(s, 0, sizeof(*s));
	s->packet = model_packet;
	s->event = model_event;
	s->ctx = m;
}

/* ------------------------------------------------------------- lifecycle */

/* Create a model over an engine. */
struct ss_view *
ss_view_new(const struct ss_view_opts *o, struct ss_engine *eng)
{
	struct ss_view *m;
	size_t cap;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->o = *o;
	m->eng = eng;
	if (m->o.clock == NULL)
		m->o.clock = mono_ns;
	if (m->o.ring_cap == 0)
		m->o.ring_cap = SS_VIEW_RING_DEFAULT;
	if (m->o.tomb_cap == 0)
		m->o.tomb_cap = SS_VIEW_TOMBS_DEFAULT;
	if (m->o.pin_cap == 0)
		m->o.pin_cap = SS_VIEW_PIN_DEFAULT;
	if (m->o.highlight_ns == 0)
		m->o.highlight_ns = 1500000000ULL;
	if (m->o.scan_step == 0)
		m->o.scan_step = SS_VIEW_SCAN_STEP;
	for (cap = 2; cap < (size_t)m->o.tomb_cap * 2; cap *= 2)
		;
	m->tix_cap = cap;
	m->tombs = calloc(m->o.tomb_cap, sizeof(*m->tombs));
	m->tix = calloc(m->tix_cap, sizeof(*m->tix));
	m->first = calloc(SS_VIEW_FIRST_SLOTS, sizeof(*m->first));
	m->ring = calloc(m->o.ring_cap, sizeof(*m->ring));
	m->pin_head_cap = m->o.pin_cap / 4 > 0 ? m->o.pin_cap / 4 : 1;
	m->pin_tail_cap = m->o.pin_cap - m->pin_head_cap;
	m->pin_head = calloc(m->pin_head_cap, sizeof(*m->pin_head));
	if (m->tombs == NULL || m->tix == NULL || m->first == NULL ||
	    m->ring == NULL || m->pin_head == NULL) {
		ss_view_free(m);
		return NULL;
	}
	m->ui.sort = SS_SORT_ID;
	m->dirty = true;
	if (o->pin_from_start) {
		m->pin_on = true;
		m->pin_proto = IPPROTO_TCP;
		m->pin_id = o->pin_id;
	}
	return m;
}

/* Free a model. */
void
ss_view_free(struct ss_view *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->tombs);
	free(m->tix);
	free(m->first);
	free(m->ring);
	free(m->pin_head);
	free(m->pin_tail);
	free(m->scratch);
	for (i = 0; i < SS_PANE_COUNT; i++) {
		free(m->sel[i].list);
		free(m->sel[i].heap);
	}
	free(m);
}

/* Bytes held by the model. */
size_t
ss_view_memory(const struct ss_view *m)
{
	return sizeof(*m) + m->o.tomb_cap * sizeof(*m->tombs) +
	    m->tix_cap * sizeof(*m->tix) +
	    SS_VIEW_FIRST_SLOTS * sizeof(*m->first) +
	    m->o.ring_cap * sizeof(*m->ring) +
	    m->pin_head_cap * sizeof(*m->pin_head) +
	    m->pin_tail_alloc * sizeof(*m->pin_tail) +
	    m->scratch_cap * sizeof(*m->scratch) +
	    (m->sel[0].list_cap + m->sel[0].heap_cap + m->sel[1].list_cap +
	    m->sel[1].heap_cap) * sizeof(struct vm_cand);
}

/* Anything to redraw? */
bool
ss_view_dirty(const struct ss_view *m)
{
	return m->dirty;
}

/* Ask for a redraw. */
void
ss_view_set_dirty(struct ss_view *m)
{
	m->dirty = true;
}

/* A screen was composed. */
void
ss_view_clean(struct ss_view *m)
{
	m->dirty = false;
}

/* The engine's packet clock. */
uint64_t
ss_view_packet_clock(const struct ss_view *m)
{
	return m->eng->now_ns;
}

/* ASCII line drawing? */
bool
ss_view_ascii(const struct ss_view *m)
{
	return m->o.ascii;
}

/* The interface state. */
struct ss_view_ui *
ss_view_ui(struct ss_view *m)
{
	return &m->ui;
}

/* ------------------------------------------------------------------- pin */

/* Start keeping every packet of one flow, seeded from what is kept. */
void
ss_view_pin(struct ss_view *m, uint8_t proto, uint64_t id)
{
	uint32_t slot, last = 0;
	uint64_t last_ts = 0, i, start;
	bool have_last = false;
	struct ss_flow *f;
	uint32_t cur = 0;
	long t;

	if (m->pin_on && m->pin_proto == proto && m->pin_id == id)
		return;
	m->pin_on = true;
	m->pin_proto = proto;
	m->pin_id = id;
	m->pin_head_n = 0;
	m->pin_tail_n = 0;
	m->pin_have_row = false;
	slot = first_find(m, proto, id);
	if (slot != NO_SLOT) {
		for (i = 0; i < m->first[slot].n; i++) {
			const struct ss_view_rec *r = &m->first[slot].rec[i];

			pin_add(m, r);
			last = r->pktno;
			last_ts = r->ts_ns;
			have_last = true;
		}
	}
	start = m->ring_n > m->o.ring_cap ? m->ring_n - m->o.ring_cap : 0;
	for (i = start; i < m->ring_n; i++) {
		const struct ss_view_rec *r = &m->ring[i % m->o.ring_cap];

		if (r->id != id || r->proto != proto)
			continue;
		if (have_last && (r->pktno < last || (r->pktno == last &&
		    (r->kind == SS_REC_PACKET || r->ts_ns <= last_ts))))
			continue;
		pin_add(m, r);
	}
	t = tomb_find(m, proto, id);
	if (t >= 0) {
		m->pin_row = m->tombs[t].row;
		m->pin_have_row = true;
	}
	while ((f = ss_flow_iter(m->eng->ft, &cur)) != NULL)
		if (f->id == id && f->key.proto == proto) {
			ss_view_row_from_flow(&m->pin_row, f);
			m->pin_have_row = true;
			break;
		}
	m->dirty = true;
}

/* Records of the pinned flow lost from the middle of its store. */
uint64_t
ss_view_history_lost(const struct ss_view *m)
{
	return m->pin_tail_n > m->pin_tail_cap ?
	    m->pin_tail_n - m->pin_tail_cap : 0;
}

/* The pinned flow's records in order, and its row. */
size_t
ss_view_history(struct ss_view *m, const struct ss_view_rec **out,
    struct ss_view_row *row, bool *have_row)
{
	size_t n, i, tn, start;
	struct ss_flow *f;

	*out = NULL;
	*have_row = false;
	if (!m->pin_on)
		return 0;
	tn = m->pin_tail_n < m->pin_tail_cap ? (size_t)m->pin_tail_n :
	    m->pin_tail_cap;
	n = m->pin_head_n + tn;
	if (n > m->scratch_cap) {
		struct ss_view_rec *p = realloc(m->scratch, n * sizeof(*p));

		if (p == NULL)
			return 0;
		m->scratch = p;
		m->scratch_cap = n;
	}
	if (m->pin_head_n > 0)
		memcpy(m->scratch, m->pin_head,
		    m->pin_head_n * sizeof(*m->scratch));
	start = (size_t)(m->pin_tail_n - tn);
	for (i = 0; i < tn; i++)
		m->scratch[m->pin_head_n + i] =
		    m->pin_tail[(start + i) % m->pin_tail_cap];
	*out = m->scratch;
	/* a live flow is read fresh; a gone one from its last copy */
	if (m->pin_have_row && !m->pin_row.tomb) {
		f = ss_flow_lookup(m->eng->ft, &m->pin_row.key,
		    ss_flow_hash(m->eng->ft, &m->pin_row.key));
		if (f != NULL && f->id == m->pin_id)
			ss_view_row_from_flow(&m->pin_row, f);
	}
	if (m->pin_have_row) {
		*row = m->pin_row;
		*have_row = true;
	}
	return n;
}

/* ---------------------------------------------------------------- filter */

enum term_kind {
	T_PHASE = 1, T_TCPSTATE, T_UDPSTATE, T_PROTO, T_PORT, T_ADDR,
	T_ENDPOINT, T_ID, T_TEXT,
};

/* Parse an address with an optional /prefix; false if it is none. */
static bool
parse_addr(const char *s, struct ss_view_term *t)
{
	char buf[64], *slash;
	unsigned long plen;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(&t->addr, 0, sizeof(t->addr));
	if (inet_pton(AF_INET, buf, t->addr.a) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, buf, t->addr.a) == 1)
		t->family = 6;
	else
		return false;
	t->plen = t->family == 4 ? 32 : 128;
	if (slash != NULL) {
		plen = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || plen > t->plen)
			return false;
		t->plen = (uint8_t)plen;
	}
	return true;
}

/* Parse a port number; false if s is not one. */
static bool
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* Parse an endpoint "a.b.c.d:port" or "[v6]:port". */
static bool
parse_endpoint(const char *s, struct ss_view_term *t)
{
	char buf[64];
	const char *colon;
	size_t n;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >=
		    sizeof(buf))
			return false;
		n = (size_t)(rb - s - 1);
		memcpy(buf, s + 1, n);
		buf[n] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon ||
		    (size_t)(colon - s) >= sizeof(buf))
			return false;
		n = (size_t)(colon - s);
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return parse_addr(buf, t) && parse_port(colon + 1, &t->port);
}

/* Parse one word of a filter into t. */
static int
parse_term(struct ss_view_term *t, const char *w, const char *kw,
    char *err, size_t errlen)
{
	int i;

	if (kw != NULL && strcmp(kw, "port") == 0) {
		if (!parse_port(w, &t->port)) {
			snprintf(err, errlen, "port: '%.40s' is not a port", w);
			return -1;
		}
		t->kind = T_PORT;
		return 0;
	}
	if (kw != NULL) {	/* host, net, src, dst */
		if (!parse_addr(w, t)) {
			snprintf(err, errlen, "%s: '%.40s' is not an address",
			    kw, w);
			return -1;
		}
		t->kind = T_ADDR;
		return 0;
	}
	for (i = 0; i < SS_PH_COUNT; i++)
		if (strcasecmp(w, phase_names[i]) == 0) {
			t->kind = T_PHASE;
			t->value = i;
			return 0;
		}
	if (strcasecmp(w, "tcp") == 0 || strcasecmp(w, "udp") == 0) {
		t->kind = T_PROTO;
		t->value = tolower((unsigned char)w[0]) == 't' ? IPPROTO_TCP :
		    IPPROTO_UDP;
		return 0;
	}
	if ((i = ss_tcp_state_parse(w)) >= 0) {
		t->kind = T_TCPSTATE;
		t->value = i;
		return 0;
	}
	for (i = SS_UDP_NEW; i <= SS_UDP_REJECTED; i++)
		if (strcasecmp(w, ss_udp_state_name((uint8_t)i)) == 0) {
			t->kind = T_UDPSTATE;
			t->value = i;
			return 0;
		}
	if (w[0] == '#' && w[1] >= '0' && w[1] <= '9') {
		char *end;

		t->kind = T_ID;
		t->value = (int)strtol(w + 1, &end, 10);
		if (*end != '\0') {
			snprintf(err, errlen, "'%.40s' is not a number", w);
			return -1;
		}
		return 0;
	}
	if (parse_port(w, &t->port)) {
		t->kind = T_PORT;
		return 0;
	}
	if (w[0] == ':' && parse_port(w + 1, &t->port)) {
		t->kind = T_PORT;
		return 0;
	}
	if (parse_addr(w, t)) {
		t->kind = T_ADDR;
		return 0;
	}
	if (parse_endpoint(w, t)) {
		t->kind = T_ENDPOINT;
		return 0;
	}
	if (strchr(w, '/') != NULL) {
		snprintf(err, errlen, "'%.40s' is not an address/length", w);
		return -1;
	}
	if (strlen(w) >= sizeof(t->text)) {
		snprintf(err, errlen, "'%.20s...' is too long", w);
		return -1;
	}
	t->kind = T_TEXT;
	for (i = 0; w[i] != '\0'; i++)
		t->text[i] = (char)tolower((unsigned char)w[i]);
	t->text[i] = '\0';
	return 0;
}

/* Parse a display filter. */
int
ss_view_filter_parse(struct ss_view_filter *fl, const char *s, char *err,
    size_t errlen)
{
	char buf[sizeof(fl->src)], *w, *save = NULL;
	const char *kw = NULL;
	bool neg = false;

	memset(fl, 0, sizeof(*fl));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "filter too long");
		return -1;
	}
	strcpy(fl->src, s);
	strcpy(buf, s);
	for (w = strtok_r(buf, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		struct ss_view_term *t;

		if (strcasecmp(w, "and") == 0 || strcmp(w, "&&") == 0)
			continue;
		if (strcasecmp(w, "not") == 0 || strcmp(w, "!") == 0) {
			neg = !neg;
			continue;
		}
		if (kw == NULL && (strcasecmp(w, "port") == 0 ||
		    strcasecmp(w, "host") == 0 || strcasecmp(w, "net") == 0 ||
		    strcasecmp(w, "src") == 0 || strcasecmp(w, "dst") == 0)) {
			kw = strcasecmp(w, "port") == 0 ? "port" : "host";
			continue;
		}
		while (w[0] == '!') {
			neg = !neg;
			w++;
		}
		if (w[0] == '\0')
			continue;
		if (fl->nterms == SS_FILTER_TERMS) {
			snprintf(err, errlen, "at most %d terms",
			    SS_FILTER_TERMS);
			return -1;
		}
		t = &fl->term[fl->nterms];
		if (parse_term(t, w, kw, err, errlen) != 0)
			return -1;
		t->neg = neg;
		fl->nterms++;
		neg = false;
		kw = NULL;
	}
	if (kw != NULL) {
		snprintf(err, errlen, "%s: a value is missing", kw);
		return -1;
	}
	return 0;
}

/* Does an address match a prefix? */
static bool
addr_match(const struct ss_view_term *t, int family, const struct ss_addr *a)
{
	unsigned bits = t->plen, i;

	if (family != t->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->a[i] != t->addr.a[i])
			return false;
	if (bits > 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((a->a[i] & mask) != (t->addr.a[i] & mask))
			return false;
	}
	return true;
}

/* Does one term match a row? */
static bool
term_match(const struct ss_view_term *t, const struct ss_view_row *r)
{
	char buf[SS_ADDRSTRLEN + 16], tmp[SS_ADDRSTRLEN];
	size_t i, j;
	int s;

	switch (t->kind) {
	case T_PHASE:
		return r->phase == t->value;
	case T_TCPSTATE:
		return r->proto == IPPROTO_TCP && (r->state[0] == t->value ||
		    r->state[1] == t->value);
	case T_UDPSTATE:
		return r->proto == IPPROTO_UDP && r->state[0] == t->value;
	case T_PROTO:
		return r->proto == t->value;
	case T_PORT:
		return r->port[0] == t->port || r->port[1] == t->port;
	case T_ID:
		return r->id == (uint64_t)t->value;
	case T_ADDR:
	case T_ENDPOINT:
		for (s = 0; s < 2; s++)
			if (addr_match(t, r->family, &r->addr[s]) &&
			    (t->kind == T_ADDR || r->port[s] == t->port))
				return true;
		return false;
	case T_TEXT:
		for (s = 0; s < 2; s++) {
			ss_addr_str(r->family, &r->addr[s], tmp, sizeof(tmp));
			snprintf(buf, sizeof(buf), r->family == 6 ? "[%s]:%u" :
			    "%s:%u", tmp, r->port[s]);
			for (i = 0; buf[i] != '\0'; i++) {
				for (j = 0; t->text[j] != '\0' &&
				    tolower((unsigned char)buf[i + j]) ==
				    t->text[j]; j++)
					;
				if (t->text[j] == '\0')
					return true;
			}
		}
		return false;
	default:
		return true;
	}
}

/* Does a row pass the filter (all terms)? */
bool
ss_view_filter_match(const struct ss_view_filter *fl,
    const struct ss_view_row *r)
{
	size_t i;

	for (i = 0; i < fl->nterms; i++)
		if (term_match(&fl->term[i], r) == (fl->term[i].neg != 0))
			return false;
	return true;
}

/* Set the display filter; the old one stays on error. */
int
ss_view_set_filter(struct ss_view *m, const char *s, char *err,
    size_t errlen)
{
	struct ss_view_filter fl;

	if (ss_view_filter_parse(&fl, s, err, errlen) != 0)
		return -1;
	m->filter = fl;
	m->fgen++;
	m->dirty = true;
	return 0;
}

/* The filter as typed. */
const char *
ss_view_filter_text(const struct ss_view *m)
{
	return m->filter.src;
}

/* ------------------------------------------------------------------ sort */

/* Set the sort column and direction. */
void
ss_view_set_sort(struct ss_view *m, enum ss_view_sort s, bool desc)
{
	m->ui.sort = s;
	m->ui.desc = desc;
	m->dirty = true;
}

/* The sort key of a row at packet time now. */
static uint64_t
sort_key(enum ss_view_sort s, const struct ss_view_row *r, uint64_t now)
{
	switch (s) {
	case SS_SORT_STATE:
		return (uint64_t)r->phase << 16 | (uint64_t)r->state[0] << 8 |
		    r->state[1];
	case SS_SORT_AGE:
		return now > r->first_ns ? now - r->first_ns : 0;
	case SS_SORT_BYTES:
		return r->bytes[0] + r->bytes[1];
	case SS_SORT_PACKETS:
		return r->pkts[0] + r->pkts[1];
	case SS_SORT_RTT:
		return r->rtt_ns != 0 ? r->rtt_ns : UINT64_MAX;
	case SS_SORT_IDLE:
		return now > r->last_ns ? now - r->last_ns : 0;
	default:
		return r->id;
	}
}

/* The same key read from a live flow of phase ph (no row built). */
static uint64_t
flow_sort_key(enum ss_view_sort s, const struct ss_flow *f, uint8_t ph,
    uint64_t now)
{
	uint64_t rtt;

	switch (s) {
	case SS_SORT_STATE:
		if (f->key.proto != IPPROTO_TCP)
			return (uint64_t)ph << 16 |
			    (uint64_t)f->u.udp.state << 8;
		return (uint64_t)ph << 16 |
		    (uint64_t)f->u.tcp.dir[0].state << 8 |
		    f->u.tcp.dir[1].state;
	case SS_SORT_AGE:
		return now > f->first_ns ? now - f->first_ns : 0;
	case SS_SORT_BYTES:
		return f->d[0].bytes + f->d[1].bytes;
	case SS_SORT_PACKETS:
		return f->d[0].pkts + f->d[1].pkts;
	case SS_SORT_RTT:
		rtt = f->key.proto == IPPROTO_TCP ? ss_tcp_irtt_ns(f) : 0;
		return rtt != 0 ? rtt : UINT64_MAX;
	case SS_SORT_IDLE:
		return now > f->last_ns ? now - f->last_ns : 0;
	default:
		return f->id;
	}
}

/* Display order: <0 when a comes before b. */
static int
cand_cmp(const struct vm_cand *a, const struct vm_cand *b, bool desc)
{
	int c;

	if (a->k != b->k)
		c = a->k < b->k ? -1 : 1;
	else if (a->id != b->id)
		c = a->id < b->id ? -1 : 1;
	else
		c = 0;
	return desc ? -c : c;
}

static bool qsort_desc;

/* qsort adapter. */
static int
cand_qcmp(const void *a, const void *b)
{
	return cand_cmp(a, b, qsort_desc);
}

/* Sift the heap's worst candidate into place (max-heap on order). */
static void
heap_down(struct vm_cand *h, size_t n, size_t i, bool desc)
{
	struct vm_cand tmp;
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			return;
		if (c + 1 < n && cand_cmp(&h[c + 1], &h[c], desc) > 0)
			c++;
		if (cand_cmp(&h[c], &h[i], desc) <= 0)
			return;
		tmp = h[c];
		h[c] = h[i];
		h[i] = tmp;
		i = c;
	}
}

/* Sift a new candidate up. */
static void
heap_up(struct vm_cand *h, size_t i, bool desc)
{
	struct vm_cand tmp;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (cand_cmp(&h[i], &h[p], desc) <= 0)
			return;
		tmp = h[p];
		h[p] = h[i];
		h[i] = tmp;
		i = p;
	}
}

/* Would a candidate of key k and id enter the heap of a pass? */
static bool
heap_wants(const struct vm_sel *s, uint64_t k, uint64_t id)
{
	struct vm_cand c;

	if (s->hn < s->k)
		return true;
	if (s->k == 0)
		return false;
	c.k = k;
	c.id = id;
	return cand_cmp(&c, &s->heap[0], s->desc) < 0;
}

/* Put a candidate into the heap of a pass (heap_wants() said yes). */
static void
heap_put(struct vm_sel *s, const struct vm_cand *c)
{
	if (s->hn < s->k) {
		s->heap[s->hn] = *c;
		heap_up(s->heap, s->hn, s->desc);
		s->hn++;
	} else {
		s->heap[0] = *c;
		heap_down(s->heap, s->hn, 0, s->desc);
	}
}

/* Start a pass of a pane with its current parameters. */
static bool
scan_start(struct ss_view *m, struct vm_sel *s)
{
	if (s->k > s->heap_cap) {
		size_t cap = s->k < 64 ? 64 : s->k;
		struct vm_cand *h = realloc(s->heap, cap * sizeof(*h));

		if (h == NULL)
			return false;
		s->heap = h;
		s->heap_cap = cap;
	}
	s->scanning = true;
	s->cursor = 0;
	s->hn = 0;
	s->cnt = 0;
	memset(s->phase, 0, sizeof(s->phase));
	s->sgen = m->gen;
	s->snow = m->eng->now_ns;
	return true;
}

/* End a pass: add the tombs, order the candidates, make them the list. */
static void
scan_finish(struct ss_view *m, struct vm_sel *s, enum ss_view_pane pane)
{
	uint8_t proto = pane == SS_PANE_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	struct vm_cand c, *tmp;
	size_t i, cap;
	uint64_t tombs = 0;

	/* tombs are read now, not as they were when the pass began */
	s->swall = ss_view_now(m);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < m->tomb_n; i++) {
		size_t slot = (m->tomb_head + m->o.tomb_cap - 1 - i) %
		    m->o.tomb_cap;
		const struct vm_tomb *t = &m->tombs[slot];

		if (t->dead || t->row.proto != proto ||
		    s->swall - t->died >= m->o.linger_ns)
			continue;
		tombs++;
		if (!ss_view_filter_match(&m->filter, &t->row))
			continue;
		s->cnt++;
		c.k = sort_key(s->sort, &t->row, s->snow);
		c.id = t->row.id;
		if (!heap_wants(s, c.k, c.id))
			continue;
		c.key = t->row.key;
		c.tomb = (uint32_t)slot;
		heap_put(s, &c);
	}
	qsort_desc = s->desc;
	qsort(s->heap, s->hn, sizeof(*s->heap), cand_qcmp);
	for (i = 0; i < s->hn; i++)
		if (s->heap[i].tomb == NO_SLOT)
			s->heap[i].hash = ss_flow_hash(m->eng->ft,
			    &s->heap[i].key);
	tmp = s->list;
	cap = s->list_cap;
	s->list = s->heap;
	s->list_cap = s->heap_cap;
	s->n = s->hn;
	s->heap = tmp;
	s->heap_cap = cap;
	s->hn = 0;
	s->total = s->cnt;
	s->gen = s->sgen;
	s->now = s->snow;
	s->wall = s->swall;
	s->valid = true;
	s->scanning = false;
	memcpy(m->counts.phase[pane], s->phase, sizeof(s->phase));
	m->counts.tombs[pane] = tombs;
}

/*
 * Go on with a pass: visit at most budget flows (0: all); true when the
 * pass is over and its order is the list.
 */
static bool
scan_step(struct ss_view *m, struct vm_sel *s, enum ss_view_pane pane,
    size_t budget)
{
	uint8_t proto = pane == SS_PANE_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	bool filter = m->filter.nterms > 0;
	struct ss_view_row r;
	struct vm_cand c;
	struct ss_flow *f;
	uint32_t start = s->cursor;
	uint64_t k;
	uint8_t ph;

	memset(&c, 0, sizeof(c));
	c.tomb = NO_SLOT;
	for (;;) {
		if (budget > 0 && s->cursor - start >= budget) {
			m->scanned += s->cursor - start;
			return false;
		}
		if ((f = ss_flow_iter(m->eng->ft, &s->cursor)) == NULL)
			break;
		if (f->key.proto != proto || flow_closed(f))
			continue;
		ph = flow_phase(f);
		s->phase[ph]++;
		if (filter) {
			ss_view_row_from_flow(&r, f);
			if (!ss_view_filter_match(&m->filter, &r))
				continue;
		}
		s->cnt++;
		k = flow_sort_key(s->sort, f, ph, s->snow);
		if (!heap_wants(s, k, f->id))
			continue;
		c.k = k;
		c.id = f->id;
		c.key = f->key;
		heap_put(s, &c);
	}
	m->scanned += s->cursor - start;
	scan_finish(m, s, pane);
	return true;
}

/* Did a tomb of the list outlive its linger since the last pass? */
static bool
tombs_lapsed(const struct ss_view *m, const struct vm_sel *s, uint64_t wall)
{
	size_t i;

	for (i = 0; i < m->tomb_n; i++) {
		const struct vm_tomb *t = &m->tombs[(m->tomb_head +
		    m->o.tomb_cap - m->tomb_n + i) % m->o.tomb_cap];

		if (wall - t->died < m->o.linger_ns)
			return false;		/* FIFO: the rest are younger */
		if (!t->dead && s->wall - t->died < m->o.linger_ns)
			return true;
	}
	return false;
}

/* The row of a candidate now; false when it is gone or fails the filter. */
static bool
cand_row(struct ss_view *m, const struct vm_cand *c, uint64_t wall,
    struct ss_view_row *o)
{
	const struct vm_tomb *t = NULL;
	struct ss_flow *f;
	long slot;

	if (c->tomb == NO_SLOT) {
		f = ss_flow_lookup(m->eng->ft, &c->key, c->hash);
		if (f != NULL && f->id == c->id && !flow_closed(f))
			ss_view_row_from_flow(o, f);
		else if ((slot = tomb_find(m, c->key.proto, c->id)) >= 0)
			t = &m->tombs[slot];
		else
			return false;
	} else {
		t = &m->tombs[c->tomb];
		if (t->dead || t->row.id != c->id ||
		    t->row.proto != c->key.proto)
			return false;
	}
	if (t != NULL) {
		if (wall - t->died >= m->o.linger_ns)
			return false;
		*o = t->row;
	}
	if (!ss_view_filter_match(&m->filter, o))
		return false;
	o->highlight = hl_on(m, o->proto, o->id, wall) ? 1 : 0;
	return true;
}

/*
 * Is out[n] already among out[0..n)?  A flow that closed while a pass
 * was under way can be in the list twice, live and as its tomb.
 */
static bool
row_dup(const struct ss_view_row *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (out[i].id == out[n].id && out[i].proto == out[n].proto)
			return true;
	return false;
}

/* Candidates a page needs of a list of total rows. */
static size_t
page_need(bool rev, size_t total, size_t offset, size_t n)
{
	if (!rev)
		return offset + n;
	return total > offset ? total - offset : 0;
}

/* Does the pane's list serve a page? */
static bool
sel_serves(const struct ss_view *m, const struct vm_sel *s, bool rev,
    bool desc, size_t offset, size_t n)
{
	if (!s->valid || s->sort != m->ui.sort || s->desc != desc ||
	    s->rev != rev || s->fgen != m->fgen)
		return false;
	return s->n == s->total || s->n >= page_need(rev, s->total, offset, n);
}

/* The rows of a pane in display order (top-N selection). */
size_t
ss_view_page(struct ss_view *m, enum ss_view_pane pane, size_t offset,
    size_t n, struct ss_view_row *out, size_t *total)
{
	struct vm_sel *s = &m->sel[pane];
	uint64_t wall = ss_view_now(m);
	size_t t = s->total, got = 0, j, tries;
	bool rev, desc;

	m->scanned = 0;
	/* near the end, select the last rows in reverse order */
	rev = t > 0 && offset > t / 2;
	desc = m->ui.desc != rev;
	for (tries = 0; !sel_serves(m, s, rev, desc, offset, n); tries++) {
		if (tries == 2) {
			*total = s->total;
			return 0;
		}
		s->sort = m->ui.sort;
		s->desc = desc;
		s->rev = rev;
		s->fgen = m->fgen;
		s->valid = false;
		/* a page of slack: scrolling a little selects nothing */
		s->k = page_need(rev, tries == 0 ? t : s->total, offset, n) +
		    n + 16;
		if (!scan_start(m, s)) {
			*total = 0;
			return 0;
		}
		scan_step(m, s, pane, 0);
	}
	if (s->scanning || s->gen != m->gen || s->now != m->eng->now_ns ||
	    tombs_lapsed(m, s, wall)) {
		if (s->scanning || scan_start(m, s))
			scan_step(m, s, pane, m->o.scan_step);
		if (!sel_serves(m, s, rev, desc, offset, n)) {
			/* the new order is longer than what was kept */
			s->valid = false;
			return ss_view_page(m, pane, offset, n, out, total);
		}
	}
	*total = s->total;
	if (!rev) {
		for (j = offset; j < s->n && got < n; j++)
			if (cand_row(m, &s->list[j], wall, &out[got]) &&
			    !row_dup(out, got))
				got++;
		return got;
	}
	if (offset >= s->total)
		return 0;
	for (j = s->total - offset; j > 0 && got < n; j--)
		if (j - 1 < s->n && cand_row(m, &s->list[j - 1], wall,
		    &out[got]) && !row_dup(out, got))
			got++;
	return got;
}

/* Flows visited by the last page(). */
size_t
ss_view_scanned(const struct ss_view *m)
{
	return m->scanned;
}

/* Counts of the last page() pass. */
void
ss_view_counts(const struct ss_view *m, struct ss_view_counts *c)
{
	*c = m->counts;
}

/* ------------------------------------------------------------------ keys */

/* Clamp a pane's selection and scroll to its rows. */
static void
ui_clamp(struct ss_view_ui *ui, enum ss_view_pane p)
{
	size_t rows = ui->rows[p] > 0 ? ui->rows[p] : 1;

	if (ui->total[p] == 0)
		ui->sel[p] = 0;
	else if (ui->sel[p] >= ui->total[p])
		ui->sel[p] = ui->total[p] - 1;
	if (ui->sel[p] < ui->top[p])
		ui->top[p] = ui->sel[p];
	if (ui->sel[p] >= ui->top[p] + rows)
		ui->top[p] = ui->sel[p] - rows + 1;
	if (ui->total[p] <= rows)
		ui->top[p] = 0;
	else if (ui->top[p] > ui->total[p] - rows)
		ui->top[p] = ui->total[p] - rows;
}

/* Move in the list. */
static void
key_move(struct ss_view_ui *ui, int key)
{
	enum ss_view_pane p = ui->pane;
	size_t rows = ui->rows[p] > 1 ? ui->rows[p] - 1 : 1;

	switch (key) {
	case SS_KEY_UP:
		if (ui->sel[p] > 0)
			ui->sel[p]--;
		break;
	case SS_KEY_DOWN:
		ui->sel[p]++;
		break;
	case SS_KEY_PGUP:
		ui->sel[p] = ui->sel[p] > rows ? ui->sel[p] - rows : 0;
		break;
	case SS_KEY_PGDN:
		ui->sel[p] += rows;
		break;
	case SS_KEY_HOME:
		ui->sel[p] = 0;
		break;
	case SS_KEY_END:
		ui->sel[p] = ui->total[p] > 0 ? ui->total[p] - 1 : 0;
		break;
	}
	ui_clamp(ui, p);
}

/* Scroll the ladder. */
static void
key_scroll(struct ss_view_ui *ui, int key)
{
	size_t rows = ui->d_rows > 1 ? ui->d_rows - 1 : 1;
	size_t max = ui->d_lines > ui->d_rows ? ui->d_lines - ui->d_rows : 0;

	switch (key) {
	case SS_KEY_UP:
		if (ui->d_top > 0)
			ui->d_top--;
		break;
	case SS_KEY_DOWN:
		ui->d_top++;
		break;
	case SS_KEY_PGUP:
		ui->d_top = ui->d_top > rows ? ui->d_top - rows : 0;
		break;
	case SS_KEY_PGDN:
		ui->d_top += rows;
		break;
	case SS_KEY_HOME:
		ui->d_top = 0;
		break;
	case SS_KEY_END:
		ui->d_top = max;
		break;
	}
	if (ui->d_top > max)
		ui->d_top = max;
	ui->d_follow = ui->d_top == max && key != SS_KEY_HOME;
}

/* Keys of the filter prompt. */
static enum ss_view_action
key_filter(struct ss_view *m, int key)
{
	struct ss_view_ui *ui = &m->ui;
	char err[128];

	switch (key) {
	case SS_KEY_ENTER:
		if (ss_view_set_filter(m, ui->input, err, sizeof(err)) != 0) {
			snprintf(ui->msg, sizeof(ui->msg), "filter: %s", err);
			return SS_ACT_NONE;
		}
		ui->mode = SS_MODE_LIST;
		ui->sel[0] = ui->sel[1] = 0;
		return SS_ACT_NONE;
	case SS_KEY_ESC:
		ss_view_set_filter(m, ui->saved_filter, err, sizeof(err));
		ui->mode = SS_MODE_LIST;
		return SS_ACT_NONE;
	case SS_KEY_BACKSPACE:
		if (ui->input_len > 0)
			ui->input[--ui->input_len] = '\0';
		break;
	case SS_KEY_INTR:
		return SS_ACT_QUIT;
	default:
		if (key >= 0x20 && key < 0x7f &&
		    ui->input_len + 1 < sizeof(ui->input)) {
			ui->input[ui->input_len++] = (char)key;
			ui->input[ui->input_len] = '\0';
		} else
			return SS_ACT_NONE;
		break;
	}
	/* filter as the user types; a partial word may not parse yet */
	ui->msg[0] = '\0';
	if (ss_view_set_filter(m, ui->input, err, sizeof(err)) == 0)
		ui->sel[0] = ui->sel[1] = 0;
	return SS_ACT_NONE;
}

/* Open the detail view on the selected row. */
static void
open_detail(struct ss_view *m)
{
	struct ss_view_ui *ui = &m->ui;
	const struct ss_view_row *r = &ui->selected[ui->pane];

	if (!ui->have_selected[ui->pane])
		return;
	ui->mode = SS_MODE_DETAIL;
	ui->d_proto = r->proto;
	ui->d_id = r->id;
	ui->d_top = 0;
	ui->d_follow = false;
	ss_view_pin(m, r->proto, r->id);
}

/* Apply a key. */
enum ss_view_action
ss_view_key(struct ss_view *m, int key)
{
	struct ss_view_ui *ui = &m->ui;

	m->dirty = true;
	if (ui->mode == SS_MODE_FILTER)
		return key_filter(m, key);
	ui->msg[0] = '\0';
	if (ui->mode == SS_MODE_HELP) {
		if (key == 'q' || key == SS_KEY_INTR)
			return SS_ACT_QUIT;
		ui->mode = ui->back;
		return SS_ACT_NONE;
	}
	switch (key) {
	case 'q':
	case 'Q':
	case SS_KEY_INTR:
		return SS_ACT_QUIT;
	case ' ':
		return SS_ACT_PAUSE;
	case '+':
	case '=':
		return SS_ACT_FASTER;
	case '-':
		return SS_ACT_SLOWER;
	case 'n':
		return SS_ACT_STEP;
	case 'N':
		return SS_ACT_STEP_STATE;
	case '?':
	case 'h':
		ui->back = ui->mode;
		ui->mode = SS_MODE_HELP;
		return SS_ACT_NONE;
	}
	if (ui->mode == SS_MODE_DETAIL) {
		switch (key) {
		case SS_KEY_ESC:
		case SS_KEY_BACKSPACE:
			ui->mode = SS_MODE_LIST;
			break;
		case 'w':
			return SS_ACT_WRITE;
		default:
			key_scroll(ui, key);
			break;
		}
		return SS_ACT_NONE;
	}
	switch (key) {
	case SS_KEY_TAB:
		ui->pane = ui->pane == SS_PANE_TCP ? SS_PANE_UDP : SS_PANE_TCP;
		break;
	case SS_KEY_ENTER:
		open_detail(m);
		break;
	case 's':
		ui->sort = (ui->sort + 1) % SS_SORT_COUNT;
		ui->desc = ui->sort == SS_SORT_BYTES ||
		    ui->sort == SS_SORT_PACKETS;
		break;
	case 'S':
		ui->desc = !ui->desc;
		break;
	case '/':
		ui->mode = SS_MODE_FILTER;
		snprintf(ui->saved_filter, sizeof(ui->saved_filter), "%s",
		    m->filter.src);
		snprintf(ui->input, sizeof(ui->input), "%s", m->filter.src);
		ui->input_len = strlen(ui->input);
		break;
	case SS_KEY_ESC:
		break;
	default:
		key_move(ui, key);
		break;
	}
	return SS_ACT_NONE;
}
