/*
 * out_events.c - the "events" format: one tcpdump-like line per packet,
 * with relative sequence numbers and the flow's number, followed by one
 * line per event the packet caused.  See doc/output.md.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "synscope/output.h"
#include "synscope/tcp.h"
#include "synscope/track.h"

struct ev_ctx {
	struct ss_wbuf		*w;
	struct ss_output_opts	 opts;
};

/* "IP" or "IP6", then source and destination with ports. */
static char *
put_endpoints(char *q, const struct ss_packet *p, bool ports)
{
	if (p->family == 6)
		q = FMT_LIT(q, "IP6 ");
	else
		q = FMT_LIT(q, "IP ");
	q = fmt_addr(q, p->family, &p->src);
	if (ports) {
		*q++ = '.';
		q = fmt_u64(q, p->sport);
	}
	q = FMT_LIT(q, " > ");
	q = fmt_addr(q, p->family, &p->dst);
	if (ports) {
		*q++ = '.';
		q = fmt_u64(q, p->dport);
	}
	return FMT_LIT(q, ": ");
}

/* TCP options as tcpdump prints them. */
static char *
put_tcp_options(char *q, const struct ss_packet *p, const struct ss_flow *f,
    int side)
{
	const struct ss_tcp_opts *o = &p->opt;
	size_t i, n = o->nopts < sizeof(o->kinds) ? o->nopts : sizeof(o->kinds);
	int peer = 1 - side;

	if (n == 0 && !(o->has & SS_OPT_BAD))
		return q;
	q = FMT_LIT(q, ", options [");
	for (i = 0; i < n; i++) {
		if (i > 0)
			*q++ = ',';
		switch (o->kinds[i]) {
		case 0:
			q = FMT_LIT(q, "eol");
			break;
		case 1:
			q = FMT_LIT(q, "nop");
			break;
		case 2:
			q = FMT_LIT(q, "mss ");
			q = fmt_u64(q, o->mss);
			break;
		case 3:
			q = FMT_LIT(q, "wscale ");
			q = fmt_u64(q, o->wscale);
			break;
		case 4:
			q = FMT_LIT(q, "sackOK");
			break;
		case 5: {
			uint8_t b;

			q = FMT_LIT(q, "sack ");
			q = fmt_u64(q, o->nsack);
			for (b = 0; b < o->nsack && b < SS_MAX_SACK; b++) {
				uint32_t l = o->sack[b][0], r = o->sack[b][1];

				if (f != NULL && ss_tcp_rel_known(f, peer)) {
					l = ss_tcp_rel(f, peer, l);
					r = ss_tcp_rel(f, peer, r);
				}
				q = FMT_LIT(q, " {");
				q = fmt_u64(q, l);
				*q++ = ':';
				q = fmt_u64(q, r);
				*q++ = '}';
			}
			break;
		}
		case 8:
			q = FMT_LIT(q, "TS val ");
			q = fmt_u64(q, o->ts_val);
			q = FMT_LIT(q, " ecr ");
			q = fmt_u64(q, o->ts_ecr);
			break;
		case 19:
			q = FMT_LIT(q, "md5");
			break;
		case 29:
			q = FMT_LIT(q, "tcp-ao");
			break;
		case 30:
			q = FMT_LIT(q, "mptcp");
			break;
		case 34:
			q = fmt_str(q, o->tfo_len == 0 ? "tfo cookiereq" :
			    "tfo cookie");
			break;
		case 254:
			if (o->has & SS_OPT_TFO)
				q = fmt_str(q, o->tfo_len == 0 ?
				    "tfo cookiereq" : "tfo cookie");
			else
				q = FMT_LIT(q, "exp");
			break;
		default:
			q = FMT_LIT(q, "opt-");
			q = fmt_u64(q, o->kinds[i]);
			break;
		}
	}
	if (o->has & SS_OPT_BAD)
		q = fmt_str(q, n > 0 ? ",[bad opt]" : "[bad opt]");
	*q++ = ']';
	return q;
}

/* Name of common ICMP and ICMPv6 types. */
static const char *
icmp_type_name(uint8_t family, uint8_t type)
{
	if (family == 4) {
		switch (type) {
		case 0: return "echo reply";
		case 3: return "unreachable";
		case 4: return "source quench";
		case 5: return "redirect";
		case 8: return "echo request";
		case 11: return "time exceeded";
		case 12: return "parameter problem";
		case 13: return "timestamp request";
		case 14: return "timestamp reply";
		default: return NULL;
		}
	}
	switch (type) {
	case 1: return "unreachable";
	case 2: return "packet too big";
	case 3: return "time exceeded";
	case 4: return "parameter problem";
	case 128: return "echo request";
	case 129: return "echo reply";
	case 133: return "router solicitation";
	case 134: return "router advertisement";
	case 135: return "neighbor solicitation";
	case 136: return "neighbor advertisement";
	default: return NULL;
	}
}

/* The transport part of a packet line. */
static char *
put_transport(char *q, const struct ss_packet *p, const struct ss_flow *f,
    int side)
{
	char fl[16];
	const char *name;

	switch (p->proto) {
	case IPPROTO_TCP:
		q = FMT_LIT(q, "Flags [");
		q = fmt_str(q, ss_tcp_flags_str(p->flags, fl, sizeof(fl)));
		q = FMT_LIT(q, "], seq ");
		if (f != NULL && ss_tcp_rel_known(f, side)) {
			uint32_t s = ss_tcp_rel(f, side, p->seq);

			q = fmt_u64(q, s);
			if (p->payload_len > 0) {
				*q++ = ':';
				q = fmt_u64(q, (uint32_t)(s + p->payload_len));
			}
		} else
			q = fmt_u64(q, p->seq);
		if (p->flags & SS_TH_ACK) {
			q = FMT_LIT(q, ", ack ");
			if (f != NULL && ss_tcp_rel_known(f, 1 - side))
				q = fmt_u64(q, ss_tcp_rel(f, 1 - side, p->ack));
			else
				q = fmt_u64(q, p->ack);
		}
		q = FMT_LIT(q, ", win ");
		q = fmt_u64(q, p->win);
		if (p->flags & SS_TH_URG) {
			q = FMT_LIT(q, ", urg ");
			q = fmt_u64(q, p->urp);
		}
		q = put_tcp_options(q, p, f, side);
		q = FMT_LIT(q, ", length ");
		q = fmt_u64(q, p->payload_len);
		break;
	case IPPROTO_UDP:
		q = FMT_LIT(q, "UDP, length ");
		q = fmt_u64(q, p->payload_len);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (p->proto == IPPROTO_ICMP)
			q = FMT_LIT(q, "ICMP ");
		else
			q = FMT_LIT(q, "ICMP6 ");
		name = icmp_type_name(p->family, p->icmp_type);
		if (name != NULL)
			q = fmt_str(q, name);
		else {
			q = FMT_LIT(q, "type ");
			q = fmt_u64(q, p->icmp_type);
		}
		q = FMT_LIT(q, " code ");
		q = fmt_u64(q, p->icmp_code);
		if ((p->family == 4 && (p->icmp_type == 0 || p->icmp_type == 8)) ||
		    (p->family == 6 && (p->icmp_type == 128 ||
		    p->icmp_type == 129))) {
			q = FMT_LIT(q, ", id ");
			q = fmt_u64(q, p->icmp_id);
			q = FMT_LIT(q, ", seq ");
			q = fmt_u64(q, p->icmp_seq);
		}
		if (p->icmp_is_error && p->inner.family != 0) {
			q = FMT_LIT(q, ", quoting ");
			q = fmt_str(q, ss_proto_name(p->inner.proto));
			*q++ = ' ';
			q = fmt_addr(q, p->inner.family, &p->inner.src);
			if (p->inner.has_ports) {
				*q++ = '.';
				q = fmt_u64(q, p->inner.sport);
			}
			q = FMT_LIT(q, " > ");
			q = fmt_addr(q, p->inner.family, &p->inner.dst);
			if (p->inner.has_ports) {
				*q++ = '.';
				q = fmt_u64(q, p->inner.dport);
			}
		}
		q = FMT_LIT(q, ", length ");
		q = fmt_u64(q, p->l4_len);
		break;
	default:
		name = ss_proto_name(p->proto);
		q = fmt_str(q, name);
		if (strcmp(name, "other") == 0) {
			q = FMT_LIT(q, " (ip-proto-");
			q = fmt_u64(q, p->proto);
			*q++ = ')';
		}
		q = FMT_LIT(q, ", length ");
		q = fmt_u64(q, p->l4_len);
		break;
	}
	return q;
}

/* One packet line, no newline, through a cursor (see fmt.h). */
void
ss_format_packet(struct ss_wbuf *w, const struct ss_packet *p,
    const struct ss_flow *f, int side)
{
	char *q;

	if ((q = wbuf_room(w, SS_PKT_ROOM)) == NULL)
		return;
	q = fmt_ts(q, p->ts_ns);
	*q++ = ' ';
	if (f != NULL) {
		q = fmt_str(q, ss_proto_name(f->key.proto));
		*q++ = '#';
		q = fmt_u64(q, f->id);
		*q++ = ' ';
	} else
		q = FMT_LIT(q, "- ");

	if (p->family == 0) {
		if (p->outcome == SS_DEC_NOT_IP)
			q = FMT_LIT(q, "non-IP frame");
		else
			q = FMT_LIT(q, "frame");
		q = FMT_LIT(q, ", length ");
		q = fmt_u64(q, p->wirelen);
	} else if (p->frag_offset != 0) {
		q = put_endpoints(q, p, false);
		q = FMT_LIT(q, "fragment of ");
		q = fmt_str(q, ss_proto_name(p->proto));
		q = FMT_LIT(q, ", offset ");
		q = fmt_u64(q, p->frag_offset);
		q = FMT_LIT(q, ", length ");
		q = fmt_u64(q, p->ip_len);
	} else {
		q = put_endpoints(q, p, p->proto == IPPROTO_TCP ||
		    p->proto == IPPROTO_UDP);
		q = put_transport(q, p, f, side);
	}
	if (p->outcome == SS_DEC_TRUNCATED) {
		q = FMT_LIT(q, " [truncated: ");
		q = fmt_str(q, ss_reason_name(p->reason));
		*q++ = ']';
	} else if (p->outcome == SS_DEC_MALFORMED) {
		q = FMT_LIT(q, " [malformed: ");
		q = fmt_str(q, ss_reason_name(p->reason));
		*q++ = ']';
	}
	wbuf_commit(w, q);
}

/* "tcp#3 " prefix of an event line. */
static void
fmt_event_head(struct ss_wbuf *w, const struct ss_event *ev)
{
	wbuf_ts(w, ev->ts_ns);
	wbuf_char(w, ' ');
	wbuf_str(w, ss_proto_name(ev->flow->key.proto));
	wbuf_char(w, '#');
	wbuf_u64(w, ev->flow->id);
	wbuf_char(w, ' ');
}

/* An endpoint "addr.port" (or "[v6].port" is not used: tcpdump style). */
static void
fmt_side(struct ss_wbuf *w, const struct ss_flow *f, int side)
{
	wbuf_addr(w, f->key.family, ss_flow_addr(f, side));
	if (f->key.proto != IPPROTO_ICMP) {
		wbuf_char(w, '.');
		wbuf_u64(w, ss_flow_port(f, side));
	}
}

/* " (packet [S.] seq 0, ack 1, len 0)" after a TCP event. */
static void
fmt_event_packet(struct ss_wbuf *w, const struct ss_event *ev)
{
	const struct ss_packet *p = ev->pkt;
	const struct ss_flow *f = ev->flow;
	char fl[16];
	int from;

	if (p == NULL || p->proto != IPPROTO_TCP)
		return;
	from = ss_packet_side(f, p);
	wbuf_str(w, " (packet [");
	wbuf_str(w, ss_tcp_flags_str(p->flags, fl, sizeof(fl)));
	wbuf_str(w, "] from ");
	wbuf_str(w, ss_role_name(f, from));
	wbuf_str(w, ", seq ");
	wbuf_u64(w, ss_tcp_rel_known(f, from) ? ss_tcp_rel(f, from, p->seq) :
	    p->seq);
	if (p->flags & SS_TH_ACK) {
		wbuf_str(w, ", ack ");
		wbuf_u64(w, ss_tcp_rel_known(f, 1 - from) ?
		    ss_tcp_rel(f, 1 - from, p->ack) : p->ack);
	}
	wbuf_str(w, ", len ");
	wbuf_u64(w, p->payload_len);
	wbuf_char(w, ')');
}

/* One event line. */
static void
fmt_event(struct ev_ctx *c, const struct ss_event *ev)
{
	struct ss_wbuf *w = c->w;
	const struct ss_flow *f = ev->flow;

	fmt_event_head(w, ev);
	switch (ev->type) {
	case SS_EV_FLOW_NEW:
		wbuf_str(w, "new: ");
		fmt_side(w, f, 0);
		wbuf_str(w, " > ");
		fmt_side(w, f, 1);
		break;
	case SS_EV_FLOW_END:
		wbuf_str(w, "end: ");
		wbuf_str(w, ss_flow_end_name(f->end));
		wbuf_str(w, ", ");
		wbuf_u64(w, f->d[0].pkts);
		wbuf_char(w, '/');
		wbuf_u64(w, f->d[1].pkts);
		wbuf_str(w, " packets, ");
		wbuf_u64(w, f->d[0].bytes);
		wbuf_char(w, '/');
		wbuf_u64(w, f->d[1].bytes);
		wbuf_str(w, " bytes, duration ");
		wbuf_dur(w, f->last_ns - f->first_ns);
		if (f->key.proto == IPPROTO_TCP) {
			wbuf_str(w, ", ");
			wbuf_str(w, ss_tcp_state_name(f->u.tcp.dir[0].state));
			wbuf_char(w, '/');
			wbuf_str(w, ss_tcp_state_name(f->u.tcp.dir[1].state));
		} else {
			wbuf_str(w, ", ");
			wbuf_str(w, ss_udp_state_name(f->u.udp.state));
		}
		break;
	case SS_EV_STATE:
		wbuf_str(w, "state: ");
		wbuf_str(w, ss_role_name(f, ev->side));
		wbuf_char(w, ' ');
		wbuf_str(w, ss_tcp_state_name(ev->old_state));
		wbuf_str(w, " -> ");
		wbuf_str(w, ss_tcp_state_name(ev->new_state));
		wbuf_str(w, ": ");
		wbuf_str(w, ss_role_name(f, ev->side));
		wbuf_char(w, ' ');
		wbuf_str(w, ss_tcp_rule_text(ev->rule));
		fmt_event_packet(w, ev);
		if (c->opts.explain && ss_tcp_rule_rfc(ev->rule)[0] != '\0') {
			wbuf_eol(w);
			fmt_event_head(w, ev);
			wbuf_str(w, "  explain: ");
			wbuf_str(w, ss_tcp_rule_rfc(ev->rule));
		}
		break;
	case SS_EV_ANOMALY:
		wbuf_str(w, "anomaly: ");
		wbuf_str(w, ss_role_name(f, ev->side));
		wbuf_char(w, ' ');
		wbuf_str(w, ss_anomaly_name(ev->anomaly));
		fmt_event_packet(w, ev);
		break;
	case SS_EV_ICMP_ERROR:
		wbuf_str(w, "icmp: ");
		if (ev->pkt != NULL) {
			wbuf_str(w, "type ");
			wbuf_u64(w, ev->pkt->icmp_type);
			wbuf_str(w, " code ");
			wbuf_u64(w, ev->pkt->icmp_code);
			wbuf_str(w, " from ");
			wbuf_addr(w, ev->pkt->family, &ev->pkt->src);
		}
		wbuf_str(w, " about a packet of the ");
		wbuf_str(w, ev->side == 0 ? "originator" : "responder");
		break;
	default:
		wbuf_str(w, "event ");
		wbuf_u64(w, ev->type);
		break;
	}
	wbuf_eol(w);
}

/* Sink: a packet and the events it caused. */
static void
ev_packet(void *ctx, const struct ss_packet *p, const struct ss_flow *f,
    int side, const struct ss_event *evs, size_t nevs)
{
	struct ev_ctx *c = ctx;
	size_t i;

	if (!c->opts.quiet_packets) {
		ss_format_packet(c->w, p, f, side);
		/* anomalies annotate the line, as Wireshark's expert info */
		for (i = 0; i < nevs; i++) {
			if (evs[i].type != SS_EV_ANOMALY)
				continue;
			wbuf_str(c->w, " [");
			wbuf_str(c->w, ss_anomaly_name(evs[i].anomaly));
			if (evs[i].anomaly == SS_AN_DUP_ACK && f != NULL) {
				wbuf_str(c->w, " #");
				wbuf_u64(c->w, (uint64_t)f->u.tcp.dir[
				    evs[i].side].dupacks);
			}
			wbuf_char(c->w, ']');
		}
		wbuf_eol(c->w);
	}
	for (i = 0; i < nevs; i++)
		if (evs[i].type != SS_EV_ANOMALY || c->opts.quiet_packets)
			fmt_event(c, &evs[i]);
}

/* Sink: an event no packet carries. */
static void
ev_event(void *ctx, const struct ss_event *ev)
{
	fmt_event(ctx, ev);
}

/* Sink: end of the run. */
static void
ev_finish(void *ctx, const struct ss_stats *st)
{
	struct ev_ctx *c = ctx;

	(void)st;
	wbuf_flush(c->w);
}

/* Make an events sink. */
int
ss_output_events(struct ss_wbuf *w, const struct ss_output_opts *o,
    struct ss_sink *s)
{
	struct ev_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	c->w = w;
	c->opts = *o;
	memset(s, 0, sizeof(*s));
	s->packet = ev_packet;
	s->event = ev_event;
	s->finish = ev_finish;
	s->ctx = c;
	return 0;
}
