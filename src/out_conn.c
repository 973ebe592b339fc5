/*
 * out_conn.c - connection records, one per flow when it leaves the table
 * (closed, idle, evicted, reused, or at the end of input), with Zeek's
 * conn.log field names: as JSON Lines ("conn") or as a Zeek TSV log with
 * #separator/#fields/#types headers ("zeek").
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synscope/jsonw.h"
#include "synscope/output.h"
#include "synscope/tcp.h"
#include "synscope/track.h"
#include "synscope/zeek.h"

struct conn_ctx {
	struct ss_wbuf		*w;
	struct ss_output_opts	 opts;
	bool			 tsv;
	bool			 header_done;
	uint64_t		 first_ns;	/* for #open */
};

/* Zeek writes duration and byte counts only for a non-zero duration. */
static bool
has_duration(const struct ss_flow *f)
{
	return ss_zeek_duration(f) > 0;
}

/* Handshake timing and RTT members (present only when measured). */
static void
conn_json_timing(struct ss_jsonw *j, const struct ss_flow *f)
{
	const struct ss_tcp_conn *t = &f->u.tcp;

	if (t->irtt_done && t->synack_ns > t->syn_ns &&
	    t->ack_ns >= t->synack_ns) {
		jw_secs(j, "syn_synack_rtt", t->synack_ns - t->syn_ns);
		jw_secs(j, "synack_ack_rtt", t->ack_ns - t->synack_ns);
	}
	if (t->irtt_done && t->ack_ns >= t->syn_ns)
		jw_secs(j, "handshake_rtt", ss_tcp_irtt_ns(f));
	if (t->rtt_n > 0) {
		jw_secs(j, "rtt_min", (uint64_t)t->rtt_min_us * 1000);
		jw_secs(j, "rtt_avg", t->rtt_sum_us * 1000 / t->rtt_n);
		jw_secs(j, "rtt_max", (uint64_t)t->rtt_max_us * 1000);
	}
}

/* One record as a JSON line. */
static void
conn_json(struct conn_ctx *c, const struct ss_flow *f)
{
	struct ss_jsonw j;
	char uid[20];
	int i;

	ss_flow_uid(f, uid);
	jw_begin(&j, c->w);
	jw_secs(&j, "ts", f->first_ns);
	jw_lit(&j, "uid", uid);
	jw_addr(&j, "id.orig_h", f->key.family, ss_flow_addr(f, 0));
	jw_u64(&j, "id.orig_p", ss_flow_port(f, 0));
	jw_addr(&j, "id.resp_h", f->key.family, ss_flow_addr(f, 1));
	jw_u64(&j, "id.resp_p", ss_flow_port(f, 1));
	jw_lit(&j, "proto", ss_proto_name(f->key.proto));
	if (has_duration(f)) {
		jw_secs(&j, "duration", ss_zeek_duration(f));
		jw_u64(&j, "orig_bytes", ss_zeek_bytes(f, 0));
		jw_u64(&j, "resp_bytes", ss_zeek_bytes(f, 1));
	}
	jw_lit(&j, "conn_state", ss_zeek_conn_state(f));
	if (ss_zeek_history(f)[0] != '\0')
		jw_lit(&j, "history", ss_zeek_history(f));
	jw_u64(&j, "orig_pkts", f->d[0].pkts);
	jw_u64(&j, "orig_ip_bytes", f->d[0].ip_bytes);
	jw_u64(&j, "resp_pkts", f->d[1].pkts);
	jw_u64(&j, "resp_ip_bytes", f->d[1].ip_bytes);
	jw_u64(&j, "stream", f->id);
	if (f->key.proto == IPPROTO_TCP) {
		const struct ss_tcp_conn *t = &f->u.tcp;

		jw_lit(&j, "orig_state", ss_tcp_state_name(t->dir[0].state));
		jw_lit(&j, "resp_state", ss_tcp_state_name(t->dir[1].state));
		jw_bool(&j, "inferred", t->dir[0].inferred || t->dir[1].inferred);
		jw_arr_begin(&j, "anomalies");
		for (i = 0; i < SS_AN_WORDS; i++)
			if (t->anomalies & (1u << i))
				jw_lit(&j, NULL, ss_anomaly_name((enum ss_anomaly)i));
		jw_arr_end(&j);
		jw_obj_begin(&j, "anomaly_counts");
		for (i = 0; i < SS_AN_WORDS; i++)
			if (t->an_count[i] != 0)
				jw_u64(&j, ss_anomaly_name((enum ss_anomaly)i),
				    t->an_count[i]);
		jw_obj_end(&j);
		if (t->dup_frames != 0)
			jw_u64(&j, "duplicate_frames", t->dup_frames);
		conn_json_timing(&j, f);
	} else
		jw_lit(&j, "state", ss_udp_state_name(f->u.udp.state));
	jw_lit(&j, "end", ss_flow_end_name(f->end));
	jw_end(&j);
}

/* A Zeek log time for #open/#close: UTC, "%Y-%m-%d-%H-%M-%S". */
static void
tsv_time(struct ss_wbuf *w, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm);
	wbuf_str(w, buf);
}

static const char *const tsv_fields[][2] = {
	{ "ts", "time" }, { "uid", "string" }, { "id.orig_h", "addr" },
	{ "id.orig_p", "port" }, { "id.resp_h", "addr" },
	{ "id.resp_p", "port" }, { "proto", "enum" },
	{ "duration", "interval" }, { "orig_bytes", "count" },
	{ "resp_bytes", "count" }, { "conn_state", "string" },
	{ "history", "string" }, { "orig_pkts", "count" },
	{ "orig_ip_bytes", "count" }, { "resp_pkts", "count" },
	{ "resp_ip_bytes", "count" }, { "stream", "count" },
	{ "orig_state", "string" }, { "resp_state", "string" },
	{ "inferred", "bool" }, { "anomalies", "set[string]" },
};

/* The Zeek log header. */
static void
tsv_header(struct conn_ctx *c, uint64_t open_ns)
{
	struct ss_wbuf *w = c->w;
	size_t i, n = sizeof(tsv_fields) / sizeof(tsv_fields[0]);

	wbuf_str(w, "#separator \\x09\n#set_separator\t,\n"
	    "#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t");
	tsv_time(w, open_ns);
	wbuf_str(w, "\n#fields");
	for (i = 0; i < n; i++) {
		wbuf_char(w, '\t');
		wbuf_str(w, tsv_fields[i][0]);
	}
	wbuf_str(w, "\n#types");
	for (i = 0; i < n; i++) {
		wbuf_char(w, '\t');
		wbuf_str(w, tsv_fields[i][1]);
	}
	wbuf_eol(w);
	c->header_done = true;
}

/* One record as a Zeek TSV line. */
static void
conn_tsv(struct conn_ctx *c, const struct ss_flow *f)
{
	struct ss_wbuf *w = c->w;
	char uid[20];

	if (!c->header_done)
		tsv_header(c, f->first_ns);
	ss_flow_uid(f, uid);
	wbuf_ts(w, f->first_ns);
	wbuf_char(w, '\t');
	wbuf_str(w, uid);
	wbuf_char(w, '\t');
	wbuf_addr(w, f->key.family, ss_flow_addr(f, 0));
	wbuf_char(w, '\t');
	wbuf_u64(w, ss_flow_port(f, 0));
	wbuf_char(w, '\t');
	wbuf_addr(w, f->key.family, ss_flow_addr(f, 1));
	wbuf_char(w, '\t');
	wbuf_u64(w, ss_flow_port(f, 1));
	wbuf_char(w, '\t');
	wbuf_str(w, ss_proto_name(f->key.proto));
	wbuf_char(w, '\t');
	if (has_duration(f)) {
		wbuf_dur(w, ss_zeek_duration(f));
		wbuf_char(w, '\t');
		wbuf_u64(w, ss_zeek_bytes(f, 0));
		wbuf_char(w, '\t');
		wbuf_u64(w, ss_zeek_bytes(f, 1));
	} else
		wbuf_str(w, "-\t-\t-");
	wbuf_char(w, '\t');
	wbuf_str(w, ss_zeek_conn_state(f));
	wbuf_char(w, '\t');
	wbuf_str(w, ss_zeek_history(f)[0] != '\0' ? ss_zeek_history(f) : "-");
	wbuf_char(w, '\t');
	wbuf_u64(w, f->d[0].pkts);
	wbuf_char(w, '\t');
	wbuf_u64(w, f->d[0].ip_bytes);
	wbuf_char(w, '\t');
	wbuf_u64(w, f->d[1].pkts);
	wbuf_char(w, '\t');
	wbuf_u64(w, f->d[1].ip_bytes);
	wbuf_char(w, '\t');
	wbuf_u64(w, f->id);
	wbuf_char(w, '\t');
	if (f->key.proto == IPPROTO_TCP) {
		const struct ss_tcp_conn *t = &f->u.tcp;
		bool any = false;
		int i;

		wbuf_str(w, ss_tcp_state_name(t->dir[0].state));
		wbuf_char(w, '\t');
		wbuf_str(w, ss_tcp_state_name(t->dir[1].state));
		wbuf_char(w, '\t');
		wbuf_char(w, t->dir[0].inferred || t->dir[1].inferred ?
		    'T' : 'F');
		wbuf_char(w, '\t');
		for (i = 0; i < SS_AN_WORDS; i++) {
			if (!(t->anomalies & (1u << i)))
				continue;
			if (any)
				wbuf_char(w, ',');
			wbuf_str(w, ss_anomaly_name((enum ss_anomaly)i));
			any = true;
		}
		if (!any)
			wbuf_str(w, "(empty)");
	} else
		wbuf_str(w, "-\t-\t-\t-");
	wbuf_eol(w);
}

/* Sink: flow ends become records. */
static void
conn_event(void *ctx, const struct ss_event *ev)
{
	struct conn_ctx *c = ctx;

	if (ev->type != SS_EV_FLOW_END)
		return;
	if (c->tsv)
		conn_tsv(c, ev->flow);
	else
		conn_json(c, ev->flow);
}

/* Sink: end of the run. */
static void
conn_finish(void *ctx, const struct ss_stats *st)
{
	struct conn_ctx *c = ctx;

	if (c->tsv) {
		if (!c->header_done)
			tsv_header(c, st->first_ns);
		wbuf_str(c->w, "#close\t");
		tsv_time(c->w, st->last_ns);
		wbuf_eol(c->w);
	}
	wbuf_flush(c->w);
}

/* Make a conn (JSON) or zeek (TSV) sink. */
int
ss_output_conn(struct ss_wbuf *w, const struct ss_output_opts *o,
    bool tsv, struct ss_sink *s)
{
	struct conn_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	c->w = w;
	c->opts = *o;
	c->tsv = tsv;
	memset(s, 0, sizeof(*s));
	s->event = conn_event;
	s->finish = conn_finish;
	s->ctx = c;
	return 0;
}
