/*
 * out_json.c - the "json" format (JSON Lines, one object per event and a
 * final stats record), the stats record itself, and what the formats
 * share: format names, flow uids and end reasons.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "synscope/jsonw.h"
#include "synscope/output.h"
#include "synscope/tcp.h"
#include "synscope/track.h"

/* Parse a format name. */
int
ss_format_parse(const char *s)
{
	static const struct { const char *name; enum ss_format f; } t[] = {
		{ "events", SS_FMT_EVENTS }, { "text", SS_FMT_EVENTS },
		{ "json", SS_FMT_JSON }, { "conn", SS_FMT_CONN },
		{ "zeek", SS_FMT_ZEEK }, { "view", SS_FMT_VIEW },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0)
			return (int)t[i].f;
	return -1;
}

/* Make the sink of a format. */
int
ss_output_sink(enum ss_format f, struct ss_wbuf *w,
    const struct ss_output_opts *o, struct ss_sink *s)
{
	switch (f) {
	case SS_FMT_EVENTS:
		return ss_output_events(w, o, s);
	case SS_FMT_JSON:
		return ss_output_json(w, o, s);
	case SS_FMT_CONN:
		return ss_output_conn(w, o, false, s);
	case SS_FMT_ZEEK:
		return ss_output_conn(w, o, true, s);
	default:
		return -1;
	}
}

/* Release a sink's context. */
void
ss_output_free(struct ss_sink *s)
{
	free(s->ctx);
	s->ctx = NULL;
}

/* A flow's uid and a NUL. */
void
ss_flow_uid(const struct ss_flow *f, char buf[SS_UID_LEN + 1])
{
	ss_uid_text(&f->key, f->first_ns, f->id, buf);
	buf[SS_UID_LEN] = '\0';
}

/* Why a flow ended, in words. */
const char *
ss_flow_end_name(uint8_t e)
{
	switch (e) {
	case SS_END_CLOSED: return "closed";
	case SS_END_IDLE: return "idle";
	case SS_END_EVICTED: return "evicted";
	case SS_END_REUSED: return "reused";
	case SS_END_EXIT: return "end_of_input";
	default: return "none";
	}
}

/* The stats record. */
void
ss_write_stats_json(struct ss_wbuf *w, const struct ss_stats *st)
{
	struct ss_jsonw j;
	int i;

	jw_begin(&j, w);
	jw_lit(&j, "type", "stats");
	jw_u64(&j, "packets", st->packets);
	jw_u64(&j, "tcp", st->tcp);
	jw_u64(&j, "udp", st->udp);
	jw_u64(&j, "icmp", st->icmp);
	jw_u64(&j, "other", st->other);
	jw_u64(&j, "truncated", st->truncated);
	jw_u64(&j, "malformed", st->malformed);
	jw_u64(&j, "drops", st->drops);
	jw_u64(&j, "ifdrops", st->ifdrops);
	jw_u64(&j, "bytes", st->bytes);
	jw_u64(&j, "ipv4", st->ipv4);
	jw_u64(&j, "ipv6", st->ipv6);
	jw_u64(&j, "fragments", st->fragments);
	jw_u64(&j, "tcp_flows", st->flows[0]);
	jw_u64(&j, "udp_flows", st->flows[1]);
	jw_u64(&j, "icmp_flows", st->flows[2]);
	jw_u64(&j, "evictions", st->evictions);
	jw_u64(&j, "expired", st->expired);
	if (st->packets > 0) {
		jw_secs(&j, "first_ts", st->first_ns);
		jw_secs(&j, "last_ts", st->last_ns);
	}
	jw_obj_begin(&j, "reasons");
	for (i = 1; i < SS_R_COUNT; i++)
		if (st->reason[i] != 0)
			jw_u64(&j, ss_reason_name((enum ss_reason)i),
			    st->reason[i]);
	jw_obj_end(&j);
	jw_end(&j);
}

/*
 * A connection's events come in runs (both ends change state on one
 * segment, and a handshake is three segments), and each names the
 * connection's uid: the last one is kept with what it was made from.
 */
struct uid_cache {
	struct ss_flow_key	key;
	uint64_t		first_ns;
	uint64_t		id;
	bool			valid;
	char			uid[SS_UID_LEN + 1];
};

struct js_ctx {
	struct ss_wbuf		*w;
	struct ss_output_opts	 opts;
	struct uid_cache	 uc;
	/* rule texts that JSON escaping leaves as they are: copied whole */
	bool			 plain_text[SS_RULE_COUNT];
	bool			 plain_rfc[SS_RULE_COUNT];
};

/* The uid of a flow, from the cache when it is the last one's. */
static const char *
js_uid(struct js_ctx *c, const struct ss_flow *f)
{
	struct uid_cache *u = &c->uc;

	if (!u->valid || u->id != f->id || u->first_ns != f->first_ns ||
	    memcmp(&u->key, &f->key, sizeof(u->key)) != 0) {
		ss_flow_uid(f, u->uid);
		u->key = f->key;
		u->first_ns = f->first_ns;
		u->id = f->id;
		u->valid = true;
	}
	return u->uid;
}

/* Would JSON escaping leave s as it is? */
static bool
json_plain(const char *s)
{
	struct ss_wbuf t;
	size_t n = strlen(s);
	bool same;

	if (wbuf_init(&t, -1, n + 3) != 0)
		return false;
	wbuf_json_str(&t, s, n);
	same = t.len == n + 2 && memcmp(t.buf + 1, s, n) == 0;
	wbuf_free(&t);
	return same;
}

/* A member of the program's text: copied whole when plain, else escaped. */
static void
js_text(struct ss_jsonw *j, const char *key, const char *s, bool plain)
{
	if (plain)
		jw_lit(j, key, s);
	else
		jw_str(j, key, s);
}

/* Members naming a flow: proto, stream, uid and its endpoints. */
static void
js_flow_id(struct js_ctx *c, struct ss_jsonw *j, const struct ss_flow *f)
{
	const char *uid = js_uid(c, f);

	jw_lit(j, "proto", ss_proto_name(f->key.proto));
	jw_u64(j, "stream", f->id);
	jw_lit(j, "uid", uid);
	jw_addr(j, "id.orig_h", f->key.family, ss_flow_addr(f, 0));
	jw_u64(j, "id.orig_p", ss_flow_port(f, 0));
	jw_addr(j, "id.resp_h", f->key.family, ss_flow_addr(f, 1));
	jw_u64(j, "id.resp_p", ss_flow_port(f, 1));
}

/* Members describing the packet behind an event. */
static void
js_packet(struct ss_jsonw *j, const struct ss_packet *p,
    const struct ss_flow *f, int side)
{
	char fl[16];

	jw_obj_begin(j, "packet");
	jw_lit(j, "from", side == 0 ? "orig" : "resp");
	if (p->proto == IPPROTO_TCP) {
		jw_lit(j, "flags", ss_tcp_flags_str(p->flags, fl, sizeof(fl)));
		jw_u64(j, "seq", ss_tcp_rel_known(f, side) ?
		    ss_tcp_rel(f, side, p->seq) : p->seq);
		if (p->flags & SS_TH_ACK)
			jw_u64(j, "ack", ss_tcp_rel_known(f, 1 - side) ?
			    ss_tcp_rel(f, 1 - side, p->ack) : p->ack);
		jw_u64(j, "win", p->win);
		/* the window in bytes (scale honoured only when both SYNs
		   carried it) and the sender's unacknowledged bytes */
		if (ss_tcp_window(f, side) >= 0)
			jw_u64(j, "wnd", (uint64_t)ss_tcp_window(f, side));
		jw_u64(j, "in_flight", ss_tcp_in_flight(f, side));
	} else if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		jw_u64(j, "icmp_type", p->icmp_type);
		jw_u64(j, "icmp_code", p->icmp_code);
	}
	jw_u64(j, "len", p->payload_len);
	jw_obj_end(j);
}

/* One event object. */
static void
js_event(struct js_ctx *c, const struct ss_event *ev)
{
	static const char *const names[SS_EV_COUNT] = {
		[SS_EV_FLOW_NEW] = "flow_new", [SS_EV_FLOW_END] = "flow_end",
		[SS_EV_STATE] = "state", [SS_EV_ANOMALY] = "anomaly",
		[SS_EV_ICMP_ERROR] = "icmp_error",
	};
	const struct ss_flow *f = ev->flow;
	struct ss_jsonw j;

	jw_begin(&j, c->w);
	jw_lit(&j, "type", ev->type < SS_EV_COUNT ? names[ev->type] : "?");
	jw_secs(&j, "ts", ev->ts_ns);
	js_flow_id(c, &j, f);
	switch (ev->type) {
	case SS_EV_STATE: {
		bool known = ev->rule < SS_RULE_COUNT;

		jw_lit(&j, "endpoint", ev->side == 0 ? "orig" : "resp");
		jw_lit(&j, "role", ss_role_name(f, ev->side));
		jw_lit(&j, "old", ss_tcp_state_name(ev->old_state));
		jw_lit(&j, "new", ss_tcp_state_name(ev->new_state));
		js_text(&j, "rule", ss_tcp_rule_text(ev->rule),
		    known && c->plain_text[ev->rule]);
		if (ss_tcp_rule_rfc(ev->rule)[0] != '\0')
			js_text(&j, "rfc", ss_tcp_rule_rfc(ev->rule),
			    known && c->plain_rfc[ev->rule]);
		break;
	}
	case SS_EV_ANOMALY:
		jw_lit(&j, "endpoint", ev->side == 0 ? "orig" : "resp");
		jw_lit(&j, "anomaly", ss_anomaly_name(ev->anomaly));
		break;
	case SS_EV_FLOW_END:
		jw_lit(&j, "reason", ss_flow_end_name(f->end));
		jw_secs(&j, "duration", f->last_ns - f->first_ns);
		jw_u64(&j, "orig_pkts", f->d[0].pkts);
		jw_u64(&j, "resp_pkts", f->d[1].pkts);
		jw_u64(&j, "orig_bytes", f->d[0].bytes);
		jw_u64(&j, "resp_bytes", f->d[1].bytes);
		break;
	case SS_EV_ICMP_ERROR:
		jw_lit(&j, "about", ev->side == 0 ? "orig" : "resp");
		if (ev->pkt != NULL) {
			jw_addr(&j, "icmp_from", ev->pkt->family,
			    &ev->pkt->src);
			jw_u64(&j, "icmp_type", ev->pkt->icmp_type);
			jw_u64(&j, "icmp_code", ev->pkt->icmp_code);
		}
		break;
	default:
		break;
	}
	if (ev->pkt != NULL && ev->type != SS_EV_ICMP_ERROR)
		js_packet(&j, ev->pkt, f, ss_packet_side(f, ev->pkt));
	jw_end(&j);
}

/* Sink: the events of a packet. */
static void
js_packet_events(void *ctx, const struct ss_packet *p,
    const struct ss_flow *f, int side, const struct ss_event *evs,
    size_t nevs)
{
	size_t i;

	(void)p;
	(void)f;
	(void)side;
	for (i = 0; i < nevs; i++)
		js_event(ctx, &evs[i]);
}

/* Sink: an event no packet carries. */
static void
js_event_cb(void *ctx, const struct ss_event *ev)
{
	js_event(ctx, ev);
}

/* Sink: the stats record ends the stream. */
static void
js_finish(void *ctx, const struct ss_stats *st)
{
	struct js_ctx *c = ctx;

	ss_write_stats_json(c->w, st);
	wbuf_flush(c->w);
}

/* Make a json sink. */
int
ss_output_json(struct ss_wbuf *w, const struct ss_output_opts *o,
    struct ss_sink *s)
{
	struct js_ctx *c = calloc(1, sizeof(*c));
	int r;

	if (c == NULL)
		return -1;
	c->w = w;
	c->opts = *o;
	for (r = 0; r < SS_RULE_COUNT; r++) {
		c->plain_text[r] = json_plain(ss_tcp_rule_text((uint16_t)r));
		c->plain_rfc[r] = json_plain(ss_tcp_rule_rfc((uint16_t)r));
	}
	memset(s, 0, sizeof(*s));
	s->packet = js_packet_events;
	s->event = js_event_cb;
	s->finish = js_finish;
	s->ctx = c;
	return 0;
}
