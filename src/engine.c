/*
 * engine.c - the core pipeline: decode a frame, count it, find or create
 * its flow, hand it to its tracker, then give the frame and the events it
 * caused to every sink.  Timers (idle timeouts, TIME-WAIT) run on packet
 * time: the clock is the newest packet timestamp seen.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "synscope/engine.h"
#include "synscope/track.h"
#include "synscope/zeek.h"

#define NS_PER_SEC 1000000000ULL

/* Defaults: a table for over a million flows, Linux's 60 s TIME-WAIT. */
void
ss_engine_config_defaults(struct ss_engine_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_flows = 2u << 20;
	c->tcp_timeout_ns = 3600 * NS_PER_SEC;
	c->halfopen_timeout_ns = 130 * NS_PER_SEC;
	c->time_wait_ns = 60 * NS_PER_SEC;
	c->close_linger_ns = 5 * NS_PER_SEC;
	c->udp_timeout_ns = 60 * NS_PER_SEC;
	c->icmp_timeout_ns = 60 * NS_PER_SEC;
}

/* Deliver an event no frame carries to every sink. */
void
ss_engine_broadcast(struct ss_engine *e, const struct ss_event *ev)
{
	size_t i;

	for (i = 0; i < e->nsinks; i++)
		if (e->sinks[i].event != NULL)
			e->sinks[i].event(e->sinks[i].ctx, ev);
}

/* A flow leaves the table: let its tracker finish, then tell the sinks. */
static void
engine_flow_end(void *ctx, struct ss_flow *f)
{
	struct ss_engine *e = ctx;
	struct ss_event ev;

	if (f->key.proto == IPPROTO_TCP)
		ss_tcp_end(e, f);
	else if (f->end == SS_END_IDLE && f->u.udp.state != SS_UDP_REJECTED)
		f->u.udp.state = SS_UDP_CLOSED;	/* the idle timeout passed */
	if (f->end == SS_END_IDLE)
		e->stats.expired++;
	memset(&ev, 0, sizeof(ev));
	ev.type = SS_EV_FLOW_END;
	ev.ts_ns = e->now_ns > f->last_ns ? e->now_ns : f->last_ns;
	if (f->end == SS_END_EXIT)
		ev.ts_ns = f->last_ns;
	ev.flow = f;
	if (f->uid_made)
		ev.uid = ss_flow_uid_place(e->ft, f);
	ss_engine_broadcast(e, &ev);
}

/*
 * Are each frame's events read: by a sink's packet(), or by the caller?
 * A verifying build makes them always, to compare the predicted paths'
 * with the full ones'.
 */
static void
events_read(struct ss_engine *e)
{
	size_t i;

	e->pkt_events = e->keep_events;
	for (i = 0; i < e->nsinks; i++)
		e->pkt_events = e->pkt_events || e->sinks[i].packet != NULL;
#ifdef SS_VERIFY_PREDICTION
	e->pkt_events = true;
#endif
}

/* Create an engine. */
struct ss_engine *
ss_engine_new(const struct ss_engine_config *cfg)
{
	struct ss_flow_table_config fc;
	struct ss_engine *e;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->cfg = *cfg;
	memset(&fc, 0, sizeof(fc));
	fc.max_flows = cfg->max_flows;
	fc.timeout_ns[SS_FC_TCP_HALFOPEN] = cfg->halfopen_timeout_ns;
	fc.timeout_ns[SS_FC_TCP_CLOSED] = cfg->close_linger_ns;
	fc.timeout_ns[SS_FC_TCP_TIMEWAIT] = cfg->time_wait_ns;
	fc.timeout_ns[SS_FC_ICMP] = cfg->icmp_timeout_ns;
	fc.timeout_ns[SS_FC_UDP] = cfg->udp_timeout_ns;
	fc.timeout_ns[SS_FC_TCP_OPEN] = cfg->tcp_timeout_ns;
	fc.seed[0] = cfg->seed[0];
	fc.seed[1] = cfg->seed[1];
	e->ft = ss_flow_table_new(&fc);
	if (e->ft == NULL) {
		free(e);
		return NULL;
	}
	ss_flow_table_set_end_cb(e->ft, engine_flow_end, e);
	events_read(e);
	return e;
}

/* Free an engine (flows still in the table are dropped silently). */
void
ss_engine_free(struct ss_engine *e)
{
	if (e == NULL)
		return;
	ss_flow_table_free(e->ft);
	free(e);
}

/* Add a sink; -1 when there are too many. */
int
ss_engine_add_sink(struct ss_engine *e, const struct ss_sink *s)
{
	size_t i;

	if (e->nsinks >= SS_MAX_SINKS)
		return -1;
	e->sinks[e->nsinks++] = *s;
	e->heads_ok = true;
	for (i = 0; i < e->nsinks; i++)
		e->heads_ok = e->heads_ok && e->sinks[i].ends_only;
	ss_flow_table_set_heads(e->ft, e->heads_ok);
	events_read(e);
	return 0;
}

/* Record an event of the current frame. */
void
ss_engine_emit(struct ss_engine *e, const struct ss_event *ev)
{
	if (e->pkt_events && e->nevs < SS_MAX_PKT_EVENTS)
		e->evs[e->nevs++] = *ev;
}

void
ss_engine_keep_events(struct ss_engine *e)
{
	e->keep_events = true;
	events_read(e);
}

/* Count a decoded frame in the run's statistics. */
static void
engine_count(struct ss_stats *st, const struct ss_packet *p)
{
	st->packets++;
	st->bytes += p->wirelen;
	if (st->first_ns == 0 || p->ts_ns < st->first_ns)
		st->first_ns = p->ts_ns;
	if (p->ts_ns > st->last_ns)
		st->last_ns = p->ts_ns;
	if (p->family == 4)
		st->ipv4++;
	else if (p->family == 6)
		st->ipv6++;
	if (p->outcome == SS_DEC_TRUNCATED)
		st->truncated++;
	else if (p->outcome == SS_DEC_MALFORMED)
		st->malformed++;
	if (p->outcome >= SS_DEC_TRUNCATED && p->reason < SS_R_COUNT)
		st->reason[p->reason]++;
	if (p->frag_offset != 0) {
		st->fragments++;
		st->other++;
		return;
	}
	switch (p->family != 0 ? p->proto : 0) {
	case IPPROTO_TCP:
		st->tcp++;
		break;
	case IPPROTO_UDP:
		st->udp++;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		st->icmp++;
		break;
	default:
		st->other++;
		break;
	}
}

/* Stats index of a flow protocol. */
static int
proto_index(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : 2;
}

/* Tie an ICMP error to the flow whose header it quotes. */
static void
engine_icmp_error(struct ss_engine *e, const struct ss_packet *p)
{
	struct ss_packet q;
	struct ss_flow_key k;
	struct ss_flow *f;
	struct ss_event ev;
	bool from_lo;

	if (p->inner.family == 0 || !p->inner.has_ports)
		return;
	if (p->inner.proto != IPPROTO_TCP && p->inner.proto != IPPROTO_UDP)
		return;
	memset(&q, 0, sizeof(q));
	q.family = p->inner.family;
	q.proto = p->inner.proto;
	q.src = p->inner.src;
	q.dst = p->inner.dst;
	q.sport = p->inner.sport;
	q.dport = p->inner.dport;
	if (!ss_flow_key_of(&q, &k, &from_lo))
		return;
	f = ss_flow_lookup(e->ft, &k, ss_flow_hash(e->ft, &k));
	if (f == NULL)
		return;
	if (f->lazy)
		ss_tcp_materialize(f);
	memset(&ev, 0, sizeof(ev));
	ev.type = SS_EV_ICMP_ERROR;
	ev.ts_ns = p->ts_ns;
	ev.flow = f;
	ev.pkt = p;
	/* the quoted packet was sent by the side that gets the error */
	ev.side = (uint8_t)((from_lo == (f->orig_is_lo != 0)) ? 0 : 1);
	ss_engine_emit(e, &ev);
	if (f->key.proto == IPPROTO_UDP)
		ss_udp_icmp_error(e, f, p);
}

/* A flow key's hash under seed: the memo's when it is the last key hashed. */
static inline uint64_t
key_hash_memo(const uint64_t seed[2], struct ss_key_memo *m,
    const struct ss_flow_key *k)
{
	if (m->ok && memcmp(&m->key, k, sizeof(*k)) == 0)
		return m->hash;
	m->key = *k;
	m->hash = ss_flow_key_hash(seed, k);
	m->ok = true;
	return m->hash;
}

/*
 * Decode a frame into a slot and, when memo is not NULL, hash its flow
 * key under seed.
 */
static void
slot_decode(const uint64_t seed[2], struct ss_key_memo *memo,
    struct ss_pipe_slot *s, int linktype, uint64_t ts_ns, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen)
{
	s->pkt.ts_ns = ts_ns;
	ss_decode(linktype, data, caplen, wirelen, &s->pkt);
	s->from_lo = false;
	s->hash = 0;
	s->ahead = SS_AHEAD_NONE;
	s->keyed = ss_flow_key_of(&s->pkt, &s->key, &s->from_lo);
	if (s->keyed && memo != NULL)
		s->hash = key_hash_memo(seed, memo, &s->key);
}

/* Decode a frame into a pipeline slot (the table's own hash key). */
static void
engine_decode(struct ss_engine *e, struct ss_pipe_slot *s,
    int linktype, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen)
{
	slot_decode(ss_flow_seed(e->ft), &e->memo, s, linktype, ts_ns, data,
	    caplen, wirelen);
}

/*
 * A numbered bare SYN opened a flow: learn how its stream number and the
 * SYN's number differ, and keep the uid the reader made if it guessed the
 * stream number (the key and the time are the flow's by construction).
 */
static void
uid_made_ahead(struct ss_engine *e, const struct ss_pipe_slot *s,
    const struct ss_uid_ahead *ua, struct ss_flow *f)
{
	e->uid_off = (int64_t)(f->id - s->syn_no);
	if (s->ahead == SS_AHEAD_UID && ua != NULL && s->uid_id == f->id) {
		memcpy(ss_flow_uid_place(e->ft, f), ua->text, SS_UID_LEN);
		f->uid_made = 1;
	}
}

/*
 * Process a decoded frame: count, timers, flow, tracker, sinks.  ua: the
 * slot's uid made ahead, or NULL.
 */
static void
engine_process(struct ss_engine *e, struct ss_pipe_slot *s,
    const struct ss_uid_ahead *ua)
{
	struct ss_packet *pp = &s->pkt;
	struct ss_flow_key *kp = &s->key;
	struct ss_flow *f = NULL;
	struct ss_event *ev;
	uint64_t h = s->hash, ts_ns = pp->ts_ns;
	bool from_lo = s->from_lo, reused = false;
	int side = 0;
	size_t i;
	uint8_t fc;

	engine_count(&e->stats, pp);
	if (ts_ns > e->now_ns)
		e->now_ns = ts_ns;
	ss_flow_expire(e->ft, e->now_ns, 0);
	e->nevs = 0;

	if (s->keyed) {
		f = ss_flow_lookup(e->ft, kp, h);
		if (f != NULL) {
			if (__builtin_expect(f->lazy, 0))
				ss_tcp_materialize(f);	/* a second packet */
			side = (from_lo == (f->orig_is_lo != 0)) ? 0 : 1;
			if (kp->proto == IPPROTO_TCP &&
			    ss_tcp_starts_new(e, f, pp, side)) {
				ss_flow_remove(e->ft, f, SS_END_REUSED);
				f = NULL;
				reused = true;
			}
		}
		if (f == NULL) {
			bool orig;

			if (kp->proto == IPPROTO_TCP)
				orig = ss_tcp_sender_is_orig(pp);
			else
				orig = ss_udp_sender_is_orig(pp);
			/*
			 * A bare SYN is a connection attempt, subject to the
			 * table's cap on half-open ones; a TCP flow first seen
			 * otherwise (mid-stream, a SYN-ACK, a RST) is not, and
			 * gets its class from its first segment below.
			 */
			if (kp->proto == IPPROTO_TCP)
				fc = ss_bare_syn(pp) ? SS_FC_TCP_HALFOPEN :
				    SS_FC_TCP_OPEN;
			else
				fc = kp->proto == IPPROTO_UDP ? SS_FC_UDP :
				    SS_FC_ICMP;
			/*
			 * Under a SYN flood, with nothing but connection
			 * records to write, a bare SYN's flow is kept as
			 * its head (SS_FLOW_HEAD); outside one its answer
			 * usually follows, and the record is made once.
			 */
			if (fc == SS_FC_TCP_HALFOPEN && orig && !reused &&
			    e->heads_ok && ss_flow_syn_flood(e->ft)) {
				f = ss_flow_create_head(e->ft, kp, h, ts_ns);
				e->heads += f != NULL;
			} else
				f = ss_flow_create(e->ft, kp, h, ts_ns, fc);
			if (f != NULL) {
				f->orig_is_lo = (uint8_t)(orig == from_lo);
				side = orig ? 0 : 1;
				e->stats.flows[proto_index(kp->proto)]++;
				if ((ev = ss_engine_event(e)) != NULL) {
					ev->type = SS_EV_FLOW_NEW;
					ev->ts_ns = ts_ns;
					ev->flow = f;
					ev->pkt = pp;
					ev->side = (uint8_t)side;
				}
				if (!orig)
					ss_zeek_created_flipped(f);
				if (reused)
					ss_tcp_mark_reuse(e, f, pp, side);
				if (s->ahead != SS_AHEAD_NONE &&
				    fc == SS_FC_TCP_HALFOPEN)
					uid_made_ahead(e, s, ua, f);
			}
		}
		if (f != NULL) {
			f->d[side].pkts++;
			f->d[side].ip_bytes += pp->ip_len;
			if (kp->proto == IPPROTO_TCP)
				fc = ss_tcp_segment(e, f, pp, side);
			else if (kp->proto == IPPROTO_UDP)
				fc = ss_udp_packet(e, f, pp, side);
			else
				fc = ss_icmp_packet(e, f, pp, side);
			if (f->flipped)
				side = ss_packet_side(f, pp);
			ss_flow_touch(e->ft, f, ts_ns, fc);
		}
	}
	if ((pp->proto == IPPROTO_ICMP || pp->proto == IPPROTO_ICMPV6) &&
	    pp->icmp_is_error && pp->outcome == SS_DEC_OK)
		engine_icmp_error(e, pp);

	e->stats.evictions = ss_flow_evictions(e->ft);
	for (i = 0; i < e->nsinks; i++)
		if (e->sinks[i].packet != NULL)
			e->sinks[i].packet(e->sinks[i].ctx, pp, f, side,
			    e->evs, e->nevs);
}

/* Feed one captured frame through the pipeline, at once. */
void
ss_engine_frame(struct ss_engine *e, int linktype, uint64_t ts_ns,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct ss_pipe_slot s;

	ss_engine_drain(e);
	engine_decode(e, &s, linktype, ts_ns, data, caplen, wirelen);
	engine_process(e, &s, NULL);
}

/* Process the oldest frame of the pipeline. */
static void
engine_pop(struct ss_engine *e)
{
	engine_process(e, &e->pipe[e->pipe_head], NULL);
	e->pipe_head = (e->pipe_head + 1) % SS_PIPE_DEPTH;
	e->pipe_n--;
}

/* Decode a frame now, process it two frames later (see engine.h). */
void
ss_engine_push(struct ss_engine *e, int linktype, uint64_t ts_ns,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct ss_pipe_slot *s;

	s = &e->pipe[(e->pipe_head + e->pipe_n) % SS_PIPE_DEPTH];
	engine_decode(e, s, linktype, ts_ns, data, caplen, wirelen);
	s->pkt.payload = NULL;	/* the frame's buffer is reused */
	if (s->keyed)
		ss_flow_prefetch_bucket(e->ft, s->hash);
	e->pipe_n++;
	if (e->pipe_n < SS_PIPE_DEPTH)
		return;
	/* the next frame's bucket arrived: fetch its flow record */
	s = &e->pipe[(e->pipe_head + 1) % SS_PIPE_DEPTH];
	if (s->keyed)
		ss_flow_prefetch_flow(e->ft, s->hash);
	engine_pop(e);
}

/* Process every frame still in the pipeline. */
void
ss_engine_drain(struct ss_engine *e)
{
	while (e->pipe_n > 0)
		engine_pop(e);
}

/* What a reader thread needs to decode into slots. */
void
ss_engine_slot_decoder(const struct ss_engine *e, struct ss_slot_decoder *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->seed, ss_flow_seed(e->ft), sizeof(d->seed));
	d->hash = true;
	d->number = true;
	d->uid_off = e->uid_off;
}

/*
 * Number a bare SYN and, when asked, make the uid of the flow it may
 * open.  Out of line: in real traffic a bare SYN is a frame in thirty,
 * and the reader's loop (real traffic's slower side) stays as it was.
 * Not "cold", though: in a flood it is every frame, and a cold function
 * is compiled for size, the uid inlined into it too (10% of the flood).
 */
__attribute__((noinline))
static void
number_syn(struct ss_slot_decoder *d, struct ss_pipe_slot *s,
    struct ss_uid_ahead *ua, uint64_t ts_ns)
{
	s->ahead = SS_AHEAD_NUMBERED;
	s->syn_no = ++d->syn_no;
	if (d->uid) {
		s->uid_id = s->syn_no + (uint64_t)d->uid_off;
		ss_uid_batch_add(&d->uids, &s->key, ts_ns, s->uid_id,
		    ua->text);
		s->ahead = SS_AHEAD_UID;
	}
}

/* Make the uids the decoder has left to make. */
void
ss_engine_decode_flush(struct ss_slot_decoder *d)
{
	ss_uid_batch_run(&d->uids);
}

/*
 * Decode a frame into a slot of a reader thread's batch; number a bare
 * SYN and, when asked, make the uid of the flow it may open.
 */
void
ss_engine_decode_slot(struct ss_slot_decoder *d, struct ss_pipe_slot *s,
    struct ss_uid_ahead *ua, int linktype, uint64_t ts_ns,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	slot_decode(d->seed, d->hash ? &d->memo : NULL, s, linktype, ts_ns,
	    data, caplen, wirelen);
	s->pkt.payload = NULL;	/* the frame's buffer is reused */
	if (__builtin_expect(s->keyed && s->pkt.proto == IPPROTO_TCP &&
	    ss_bare_syn(&s->pkt) && d->number, 0))
		number_syn(d, s, ua, ts_ns);
}

/* How stream numbers and bare SYNs' numbers differ, lately. */
int64_t
ss_engine_uid_offset(const struct ss_engine *e)
{
	return e->uid_off;
}

/* Hash the flow keys of a run of slots decoded without. */
void
ss_engine_hash_slots(const struct ss_engine *e, struct ss_pipe_slot *s,
    size_t n)
{
	const uint64_t *seed = ss_flow_seed(e->ft);
	struct ss_key_memo memo;
	size_t i;

	memo.ok = false;
	for (i = 0; i < n; i++)
		if (s[i].keyed)
			s[i].hash = key_hash_memo(seed, &memo, &s[i].key);
}

/*
 * Process a run of decoded slots in order, prefetching ahead: the slot
 * eight on (written by the reader thread, so its lines are on the other
 * core or further), the bucket of the one two on, the flow of the next.
 */
void
ss_engine_process_slots(struct ss_engine *e, struct ss_pipe_slot *s,
    const struct ss_uid_ahead *ua, size_t n)
{
	size_t i, off;

	ss_engine_drain(e);
	for (i = 0; i < n; i++) {
		if (i + 8 < n)
			for (off = 0; off < sizeof(*s); off += 64)
				__builtin_prefetch((const char *)&s[i + 8] +
				    off);
		if (i + 2 < n && s[i + 2].keyed)
			ss_flow_prefetch_bucket(e->ft, s[i + 2].hash);
		if (i + 1 < n && s[i + 1].keyed)
			ss_flow_prefetch_flow(e->ft, s[i + 1].hash);
		engine_process(e, &s[i], ua != NULL ? &ua[i] : NULL);
	}
}


/* Move the packet clock on without a frame. */
void
ss_engine_advance(struct ss_engine *e, uint64_t now_ns)
{
	ss_engine_drain(e);
	if (now_ns > e->now_ns)
		e->now_ns = now_ns;
	ss_flow_expire(e->ft, e->now_ns, 0);
	e->stats.evictions = ss_flow_evictions(e->ft);
}

/* End of input: every flow still open is written out, then finish. */
void
ss_engine_finish(struct ss_engine *e)
{
	size_t i;

	ss_engine_drain(e);
	ss_flow_flush(e->ft, SS_END_EXIT);
	e->stats.evictions = ss_flow_evictions(e->ft);
	for (i = 0; i < e->nsinks; i++)
		if (e->sinks[i].finish != NULL)
			e->sinks[i].finish(e->sinks[i].ctx, &e->stats);
}
