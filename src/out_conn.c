/*
 * out_conn.c - connection records, one per flow when it leaves the table
 * (closed, idle, evicted, reused, or at the end of input), with Zeek's
 * conn.log field names: as JSON Lines ("conn") or as a Zeek TSV log with
 * #separator/#fields/#types headers ("zeek").
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	struct fmt_memo		 ts_sec;	/* see conn_ts() */
	const char		*uid;		/* the record's uid made ahead */
	/* a lone SYN's stream number and IP bytes: see fmt_u64_memo() */
	struct fmt_memo		 stream;
	struct fmt_memo		 syn_bytes;
};

/*
 * A record's start time, as fmt_ts(): records come in time order, more
 * or less, so the text of the whole seconds is kept from one record to
 * the next (fmt_u64_memo()).
 */
static char *
conn_ts(struct conn_ctx *c, char *p, uint64_t ns)
{
	char *e;

	e = fmt_u64_memo(p, &c->ts_sec, ns / 1000000000ULL);
	e = fmt_us6(e, (uint32_t)(ns % 1000000000ULL / 1000));
#ifdef SS_VERIFY_PREDICTION
	{
		char want[FMT_TS_MAX];
		size_t n = (size_t)(fmt_ts(want, ns) - want);

		if ((size_t)(e - p) != n || memcmp(want, p, n) != 0) {
			fprintf(stderr, "synscope: a record's time differs "
			    "from fmt_ts()\n");
			abort();
		}
	}
#endif
	return e;
}

/*
 * A record's uid: the one made ahead when there is one (a verifying build
 * makes it again and compares), else made now.
 */
static char *
conn_uid(const struct conn_ctx *c, char *p, const struct ss_flow *f)
{
	if (c->uid == NULL) {
		ss_uid_text(&f->key, f->first_ns, f->id, p);
		return p + SS_UID_LEN;
	}
	memcpy(p, c->uid, SS_UID_LEN);
#ifdef SS_VERIFY_PREDICTION
	{
		char want[SS_UID_LEN];

		ss_uid_text(&f->key, f->first_ns, f->id, want);
		if (memcmp(want, p, SS_UID_LEN) != 0) {
			fprintf(stderr, "synscope: the uid made ahead for "
			    "flow %llu differs: %.*s, not %.*s\n",
			    (unsigned long long)f->id, SS_UID_LEN, p,
			    SS_UID_LEN, want);
			abort();
		}
	}
#endif
	return p + SS_UID_LEN;
}

/* Zeek writes duration and byte counts only for a non-zero duration. */
static bool
has_duration(const struct ss_flow *f)
{
	return ss_zeek_duration(f) > 0;
}

/*
 * Did the flow see nothing but the bare SYN that opened it?  Its record
 * then has one shape (conn_state S0, history S, SYN-SENT and CLOSED, no
 * duration, anomaly or timing), the record of every SYN of a flood or a
 * scan, and is written from literals: only the times, addresses, ports,
 * IP bytes, stream number and end are filled in, the IP bytes and the
 * stream number from the last such record's text when they repeat or
 * count up (fmt_u64_memo()).  A verifying build writes the record both
 * ways and aborts on any difference.
 */
static bool
lone_syn(const struct ss_flow *f)
{
	const struct ss_tcp_conn *t = &f->u.tcp;

	if (f->lazy)		/* a head: its SYN made it, nothing since */
		return true;
	return f->key.proto == IPPROTO_TCP && f->d[0].pkts == 1 &&
	    f->d[1].pkts == 0 && !f->flipped && t->hist_len == 1 &&
	    t->history[0] == 'S' && t->dir[0].state == SS_TCP_SYN_SENT &&
	    t->dir[1].state == SS_TCP_CLOSED &&
	    t->dir[0].z.state == SS_Z_SYN_SENT &&
	    t->dir[1].z.state == SS_Z_INACTIVE && t->zlast_ns <= f->first_ns &&
	    !t->dir[0].inferred && !t->dir[1].inferred && t->anomalies == 0 &&
	    t->dup_frames == 0 && !t->irtt_done && t->rtt_n == 0;
}

#ifdef SS_VERIFY_PREDICTION
/* A record written from its shape differs from the full writer's. */
_Noreturn static void
shape_failed(const struct ss_flow *f, const char *a, size_t na,
    const char *b, size_t nb)
{
	fprintf(stderr, "synscope: the S0 record of flow %llu differs from "
	    "the full writer's:\n%.*s\n%.*s\n", (unsigned long long)f->id,
	    (int)na, a, (int)nb, b);
	abort();
}
#endif

/* A member holding one of the program's own names: no escaping. */
static inline char *
json_name(char *p, const char *s)
{
	*p++ = '"';
	p = fmt_str(p, s);
	*p++ = '"';
	return p;
}

/* Handshake timing and RTT members (present only when measured). */
static char *
conn_json_timing(char *p, const struct ss_flow *f)
{
	const struct ss_tcp_conn *t = &f->u.tcp;

	if (t->irtt_done && t->synack_ns > t->syn_ns &&
	    t->ack_ns >= t->synack_ns) {
		p = FMT_LIT(p, ",\"syn_synack_rtt\":");
		p = fmt_ts(p, t->synack_ns - t->syn_ns);
		p = FMT_LIT(p, ",\"synack_ack_rtt\":");
		p = fmt_ts(p, t->ack_ns - t->synack_ns);
	}
	if (t->irtt_done && t->ack_ns >= t->syn_ns) {
		p = FMT_LIT(p, ",\"handshake_rtt\":");
		p = fmt_ts(p, ss_tcp_irtt_ns(f));
	}
	if (t->rtt_n > 0) {
		p = FMT_LIT(p, ",\"rtt_min\":");
		p = fmt_ts(p, (uint64_t)t->rtt_min_us * 1000);
		p = FMT_LIT(p, ",\"rtt_avg\":");
		p = fmt_ts(p, t->rtt_sum_us * 1000 / t->rtt_n);
		p = FMT_LIT(p, ",\"rtt_max\":");
		p = fmt_ts(p, (uint64_t)t->rtt_max_us * 1000);
	}
	return p;
}

/* The TCP members of a JSON record. */
static char *
conn_json_tcp(char *p, const struct ss_flow *f)
{
	const struct ss_tcp_conn *t = &f->u.tcp;
	uint32_t all, m;
	int i;

	p = FMT_LIT(p, ",\"orig_state\":");
	p = json_name(p, ss_tcp_state_name(t->dir[0].state));
	p = FMT_LIT(p, ",\"resp_state\":");
	p = json_name(p, ss_tcp_state_name(t->dir[1].state));
	if (t->dir[0].inferred || t->dir[1].inferred)
		p = FMT_LIT(p, ",\"inferred\":true,\"anomalies\":[");
	else
		p = FMT_LIT(p, ",\"inferred\":false,\"anomalies\":[");
	/* a word's bit is set exactly when its count is not zero */
	all = t->anomalies & ((1u << SS_AN_WORDS) - 1);
	for (m = all; m != 0; m &= m - 1) {
		if (m != all)
			*p++ = ',';
		p = json_name(p, ss_anomaly_name(
		    (enum ss_anomaly)__builtin_ctz(m)));
	}
	p = FMT_LIT(p, "],\"anomaly_counts\":{");
	for (m = all; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		if (m != all)
			*p++ = ',';
		p = json_name(p, ss_anomaly_name((enum ss_anomaly)i));
		*p++ = ':';
		p = fmt_u64(p, t->an_count[i]);
	}
	*p++ = '}';
	if (t->dup_frames != 0) {
		p = FMT_LIT(p, ",\"duplicate_frames\":");
		p = fmt_u64(p, t->dup_frames);
	}
	return conn_json_timing(p, f);
}

/*
 * A lone SYN's record ends with its end member and the closing brace, as
 * one copy of 32 bytes (the text and scratch after it): the full writer
 * quotes ss_flow_end_name(), and a verifying build compares the two.
 */
#define END_JSON(s)	{ ",\"end\":\"" s "\"}", \
			    sizeof(",\"end\":\"" s "\"}") - 1 }
static const struct {
	char	 text[32];
	uint8_t	 len;
} end_json[] = {
	[SS_END_NONE] = END_JSON("none"),
	[SS_END_CLOSED] = END_JSON("closed"),
	[SS_END_IDLE] = END_JSON("idle"),
	[SS_END_EVICTED] = END_JSON("evicted"),
	[SS_END_REUSED] = END_JSON("reused"),
	[SS_END_EXIT] = END_JSON("end_of_input"),
};
#undef END_JSON

static inline char *
end_json_text(char *p, uint8_t end)
{
	if (end >= sizeof(end_json) / sizeof(end_json[0]))
		end = SS_END_NONE;
	memcpy(p, end_json[end].text, sizeof(end_json[end].text));
	return p + end_json[end].len;
}

/*
 * One record as a JSON line.  Records are the bulk of the output when
 * flows are short (a scan, a SYN flood: one record per packet), so the
 * line is written through a cursor into room taken once; a lone SYN's
 * from its shape when shaped is true.  Returns the end of the line.
 */
static char *
conn_json_line(struct conn_ctx *c, char *p, const struct ss_flow *f,
    bool shaped)
{
	const char *h;

	p = FMT_LIT(p, "{\"ts\":");
	p = conn_ts(c, p, f->first_ns);
	p = FMT_LIT(p, ",\"uid\":\"");
	p = conn_uid(c, p, f);
	p = FMT_LIT(p, "\",\"id.orig_h\":\"");
	p = fmt_addr(p, f->key.family, ss_flow_addr(f, 0));
	p = FMT_LIT(p, "\",\"id.orig_p\":");
	p = fmt_u16(p, ss_flow_port(f, 0));
	p = FMT_LIT(p, ",\"id.resp_h\":\"");
	p = fmt_addr(p, f->key.family, ss_flow_addr(f, 1));
	p = FMT_LIT(p, "\",\"id.resp_p\":");
	p = fmt_u16(p, ss_flow_port(f, 1));
	if (shaped) {
		p = FMT_LIT(p, ",\"proto\":\"tcp\",\"conn_state\":\"S0\","
		    "\"history\":\"S\",\"orig_pkts\":1,\"orig_ip_bytes\":");
		p = fmt_u64_memo(p, &c->syn_bytes, f->d[0].ip_bytes);
		p = FMT_LIT(p, ",\"resp_pkts\":0,\"resp_ip_bytes\":0,"
		    "\"stream\":");
		p = fmt_u64_memo(p, &c->stream, f->id);
		p = FMT_LIT(p, ",\"orig_state\":\"SYN-SENT\",\"resp_state\":"
		    "\"CLOSED\",\"inferred\":false,\"anomalies\":[],"
		    "\"anomaly_counts\":{}");
		return end_json_text(p, f->end);
	}
	p = FMT_LIT(p, ",\"proto\":");
	p = json_name(p, ss_proto_name(f->key.proto));
	if (has_duration(f)) {
		p = FMT_LIT(p, ",\"duration\":");
		p = fmt_ts(p, ss_zeek_duration(f));
		p = FMT_LIT(p, ",\"orig_bytes\":");
		p = fmt_u64(p, ss_zeek_bytes(f, 0));
		p = FMT_LIT(p, ",\"resp_bytes\":");
		p = fmt_u64(p, ss_zeek_bytes(f, 1));
	}
	p = FMT_LIT(p, ",\"conn_state\":");
	p = json_name(p, ss_zeek_conn_state(f));
	h = ss_zeek_history(f);
	if (h[0] != '\0') {
		p = FMT_LIT(p, ",\"history\":");
		p = json_name(p, h);
	}
	p = FMT_LIT(p, ",\"orig_pkts\":");
	p = fmt_u64(p, f->d[0].pkts);
	p = FMT_LIT(p, ",\"orig_ip_bytes\":");
	p = fmt_u64(p, f->d[0].ip_bytes);
	p = FMT_LIT(p, ",\"resp_pkts\":");
	p = fmt_u64(p, f->d[1].pkts);
	p = FMT_LIT(p, ",\"resp_ip_bytes\":");
	p = fmt_u64(p, f->d[1].ip_bytes);
	p = FMT_LIT(p, ",\"stream\":");
	p = fmt_u64(p, f->id);
	if (f->key.proto == IPPROTO_TCP)
		p = conn_json_tcp(p, f);
	else {
		p = FMT_LIT(p, ",\"state\":");
		p = json_name(p, ss_udp_state_name(f->u.udp.state));
	}
	p = FMT_LIT(p, ",\"end\":");
	p = json_name(p, ss_flow_end_name(f->end));
	*p++ = '}';
	return p;
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

/* One record as a Zeek TSV line, as conn_json_line(). */
static char *
conn_tsv_line(struct conn_ctx *c, char *p, const struct ss_flow *f,
    bool shaped)
{
	const char *h;

	p = conn_ts(c, p, f->first_ns);
	*p++ = '\t';
	p = conn_uid(c, p, f);
	*p++ = '\t';
	p = fmt_addr(p, f->key.family, ss_flow_addr(f, 0));
	*p++ = '\t';
	p = fmt_u16(p, ss_flow_port(f, 0));
	*p++ = '\t';
	p = fmt_addr(p, f->key.family, ss_flow_addr(f, 1));
	*p++ = '\t';
	p = fmt_u16(p, ss_flow_port(f, 1));
	if (shaped) {
		p = FMT_LIT(p, "\ttcp\t-\t-\t-\tS0\tS\t1\t");
		p = fmt_u64_memo(p, &c->syn_bytes, f->d[0].ip_bytes);
		p = FMT_LIT(p, "\t0\t0\t");
		p = fmt_u64_memo(p, &c->stream, f->id);
		return FMT_LIT(p, "\tSYN-SENT\tCLOSED\tF\t(empty)");
	}
	*p++ = '\t';
	p = fmt_str(p, ss_proto_name(f->key.proto));
	*p++ = '\t';
	if (has_duration(f)) {
		p = fmt_ts(p, ss_zeek_duration(f));
		*p++ = '\t';
		p = fmt_u64(p, ss_zeek_bytes(f, 0));
		*p++ = '\t';
		p = fmt_u64(p, ss_zeek_bytes(f, 1));
	} else
		p = FMT_LIT(p, "-\t-\t-");
	*p++ = '\t';
	p = fmt_str(p, ss_zeek_conn_state(f));
	*p++ = '\t';
	h = ss_zeek_history(f);
	p = fmt_str(p, h[0] != '\0' ? h : "-");
	*p++ = '\t';
	p = fmt_u64(p, f->d[0].pkts);
	*p++ = '\t';
	p = fmt_u64(p, f->d[0].ip_bytes);
	*p++ = '\t';
	p = fmt_u64(p, f->d[1].pkts);
	*p++ = '\t';
	p = fmt_u64(p, f->d[1].ip_bytes);
	*p++ = '\t';
	p = fmt_u64(p, f->id);
	*p++ = '\t';
	if (f->key.proto == IPPROTO_TCP) {
		const struct ss_tcp_conn *t = &f->u.tcp;
		uint32_t all = t->anomalies & ((1u << SS_AN_WORDS) - 1), m;

		p = fmt_str(p, ss_tcp_state_name(t->dir[0].state));
		*p++ = '\t';
		p = fmt_str(p, ss_tcp_state_name(t->dir[1].state));
		*p++ = '\t';
		*p++ = t->dir[0].inferred || t->dir[1].inferred ? 'T' : 'F';
		*p++ = '\t';
		for (m = all; m != 0; m &= m - 1) {
			if (m != all)
				*p++ = ',';
			p = fmt_str(p, ss_anomaly_name(
			    (enum ss_anomaly)__builtin_ctz(m)));
		}
		if (all == 0)
			p = FMT_LIT(p, "(empty)");
	} else
		p = FMT_LIT(p, "-\t-\t-\t-");
	return p;
}

/* A record's writer: conn_json_line() or conn_tsv_line(). */
typedef char	*(*conn_line_fn)(struct conn_ctx *, char *,
		    const struct ss_flow *, bool);

/*
 * One record, into the output: a lone SYN's from its shape, which a
 * verifying build compares with the full writer's.
 */
static void
conn_write(struct conn_ctx *c, const struct ss_flow *f, conn_line_fn line)
{
	bool shaped = lone_syn(f);
	char *p, *q;

	if ((p = wbuf_room(c->w, SS_CONN_ROOM)) == NULL)
		return;
	q = line(c, p, f, shaped);
#ifdef SS_VERIFY_PREDICTION
	if (shaped) {
		struct ss_flow whole = *f;
		char full[SS_CONN_ROOM], *e;

		ss_tcp_materialize(&whole);	/* a head made whole */
		if (f->lazy && !lone_syn(&whole))
			shape_failed(f, p, (size_t)(q - p), "", 0);
		e = line(c, full, &whole, false);
		if (e - full != q - p || memcmp(full, p, (size_t)(q - p)) != 0)
			shape_failed(f, p, (size_t)(q - p), full,
			    (size_t)(e - full));
	}
#endif
	*q++ = '\n';
	wbuf_commit(c->w, q);
	if (c->w->line_flush)
		wbuf_flush(c->w);
}

/* Sink: flow ends become records. */
static void
conn_event(void *ctx, const struct ss_event *ev)
{
	struct conn_ctx *c = ctx;

	if (ev->type != SS_EV_FLOW_END)
		return;
	c->uid = ev->uid;
	if (!c->tsv)
		conn_write(c, ev->flow, conn_json_line);
	else {
		if (!c->header_done)
			tsv_header(c, ev->flow->first_ns);
		conn_write(c, ev->flow, conn_tsv_line);
	}
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
	s->ends_only = true;
	return 0;
}
