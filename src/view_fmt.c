/*
 * view_fmt.c - the live view's text: rows, headers, status line, help,
 * the packet ladder and whole screens, as struct ss_view_line (UTF-8
 * text with colour spans naming roles).  No curses here: every line is
 * built in memory, so the screen is tested without a terminal.
 *
 * Only addresses, numbers and fixed words reach a line: nothing a packet
 * carries is ever copied into one.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synscope/fmt.h"
#include "synscope/track.h"
#include "synscope/view.h"

#define NS_PER_SEC	1000000000ULL

/* Glyphs, UTF-8 and ASCII. */
struct glyphs {
	const char *bar, *dash, *rhead, *lhead, *ell, *up, *down, *to, *gap;
};

static const struct glyphs utf8_glyphs = {
	"\u2502", "\u2500", "\u25b6", "\u25c0", "\u2026", "\u25b2", "\u25bc",
	"\u2192", "\u22ee",
};
static const struct glyphs ascii_glyphs = {
	"|", "-", ">", "<", "~", "^", "v", "->", ":",
};

/* Glyph set for a mode. */
static const struct glyphs *
glyphs(bool ascii)
{
	return ascii ? &ascii_glyphs : &utf8_glyphs;
}

/* Columns of UTF-8 text: one per code point. */
int
ss_view_cols(const char *s, size_t n)
{
	int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* ---------------------------------------------------------- line builder */

/* Start a line. */
static void
ln_reset(struct ss_view_line *l, uint8_t role)
{
	l->len = 0;
	l->cols = 0;
	l->role = role;
	l->nspans = 0;
	l->text[0] = '\0';
}

/* Append n bytes of text, whole code points only, while they fit. */
static void
ln_mem(struct ss_view_line *l, const char *s, size_t n)
{
	size_t i, room = sizeof(l->text) - 1 - l->len;

	if (n > room)
		n = room;
	/* never cut a code point */
	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(l->text + l->len, s, n);
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			l->cols++;
	l->len += n;
	l->text[l->len] = '\0';
}

/* Append a string. */
static void
ln_str(struct ss_view_line *l, const char *s)
{
	ln_mem(l, s, strlen(s));
}

/* Append a glyph n times, each time whole while it fits. */
static void
ln_rep(struct ss_view_line *l, const char *g, int n)
{
	size_t k = strlen(g);
	int cols = ss_view_cols(g, k);

	if (k == 0 || n <= 0)
		return;
	for (; n > 0 && k <= sizeof(l->text) - 1 - l->len; n--) {
		memcpy(l->text + l->len, g, k);
		l->len += k;
		l->cols += cols;
	}
	l->text[l->len] = '\0';
}

/* Spaces up to column col, while they fit. */
static void
ln_pad(struct ss_view_line *l, int col)
{
	size_t n, room = sizeof(l->text) - 1 - l->len;

	if (l->cols >= col)
		return;
	n = (size_t)(col - l->cols);
	if (n > room)
		n = room;
	memset(l->text + l->len, ' ', n);
	l->len += n;
	l->cols += (int)n;
	l->text[l->len] = '\0';
}

/* Append s in exactly w columns: cut, or padded left or right. */
static void
ln_field(struct ss_view_line *l, const char *s, int w, bool right)
{
	int c = ss_view_cols(s, strlen(s));
	size_t i, n;

	if (w <= 0)
		return;
	if (c > w) {
		/* cut after w code points */
		for (i = 0, n = 0; s[i] != '\0'; i++) {
			if (((unsigned char)s[i] & 0xc0) != 0x80) {
				if ((int)n == w)
					break;
				n++;
			}
		}
		ln_mem(l, s, i);
		return;
	}
	if (right)
		ln_pad(l, l->cols + w - c);
	ln_str(l, s);
	if (!right)
		ln_pad(l, l->cols + w - c);
}

/* Colour the bytes from off to the end of the line. */
static void
ln_span(struct ss_view_line *l, size_t off, uint8_t role)
{
	if (l->nspans >= SS_VIEW_SPANS || off >= l->len)
		return;
	l->span[l->nspans].off = (uint16_t)off;
	l->span[l->nspans].len = (uint16_t)(l->len - off);
	l->span[l->nspans].role = role;
	l->nspans++;
}

/* Cut a line to width columns and pad it to width. */
static void
ln_fit(struct ss_view_line *l, int width)
{
	size_t i;
	int c = 0;

	if (l->cols > width) {
		for (i = 0; i < l->len; i++) {
			if (((unsigned char)l->text[i] & 0xc0) != 0x80) {
				if (c == width)
					break;
				c++;
			}
		}
		l->len = i;
		l->cols = width;
		l->text[i] = '\0';
		for (i = 0; i < l->nspans; i++) {
			if (l->span[i].off >= l->len)
				l->span[i].len = 0;
			else if (l->span[i].off + l->span[i].len > l->len)
				l->span[i].len = (uint16_t)(l->len -
				    l->span[i].off);
		}
	}
	ln_pad(l, width);
}

/* -------------------------------------------------------- small formats */

/* A duration in at most 6 columns. */
void
ss_view_dur(char *buf, size_t len, uint64_t ns)
{
	uint64_t us = ns / 1000, s = ns / NS_PER_SEC;

	if (us < 1000)
		snprintf(buf, len, "%uus", (unsigned)us);
	else if (us < 10000)
		snprintf(buf, len, "%.1fms", (double)us / 1000);
	else if (us < 1000000)
		snprintf(buf, len, "%ums", (unsigned)(us / 1000));
	else if (s < 10)
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned)(s / 60),
		    (unsigned)(s % 60));
	else if (s < 86400 * 10)
		snprintf(buf, len, "%uh%02um", (unsigned)(s / 3600),
		    (unsigned)(s / 60 % 60));
	else
		snprintf(buf, len, "%ud", (unsigned)(s / 86400 > 99999 ?
		    99999 : s / 86400));
}

/* A count in at most 6 columns. */
void
ss_view_size(char *buf, size_t len, uint64_t n)
{
	static const char unit[] = "kMGTPE";
	double v = (double)n;
	int u = -1;

	if (n < 100000) {
		snprintf(buf, len, "%u", (unsigned)n);
		return;
	}
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.2f%c" : v < 100 ? "%.1f%c" : "%.0f%c",
	    v, unit[u]);
}

/* An endpoint in at most width columns, eliding the middle of a v6. */
size_t
ss_view_endpoint(char *buf, size_t len, int family, const struct ss_addr *a,
    uint16_t port, int width, bool ascii)
{
	char addr[SS_ADDRSTRLEN], ps[8];
	const char *ell = glyphs(ascii)->ell;
	int alen, plen, avail, head, tail;

	ss_addr_str(family, a, addr, sizeof(addr));
	snprintf(ps, sizeof(ps), "%u", port);
	alen = (int)strlen(addr);
	plen = (int)strlen(ps);
	if (family != 6) {
		snprintf(buf, len, "%s:%s", addr, ps);
		if ((int)strlen(buf) > width && width > plen + 2) {
			/* IPv4 never needs it at the widths used; be safe */
			avail = width - plen - 1;
			snprintf(buf, len, "%.*s%s:%s", avail - 1, addr, ell, ps);
		}
		return strlen(buf);
	}
	avail = width - plen - 3;	/* "[" "]:" */
	if (alen <= avail || avail < 5) {
		snprintf(buf, len, "[%s]:%s", addr, ps);
		return strlen(buf);
	}
	/* keep the network (head) and the host part (tail), cut at colons */
	tail = (avail - 1) / 2;
	while (tail > 2 && addr[alen - tail] != ':')
		tail--;
	if (addr[alen - tail] != ':')
		tail = (avail - 1) / 2;
	head = avail - 1 - tail;
	while (head > 2 && addr[head] != ':')
		head--;
	if (addr[head] != ':')
		head = avail - 1 - tail;
	/* give what the head left over back to the tail */
	tail = avail - 1 - head;
	snprintf(buf, len, "[%.*s%s%s]:%s", head, addr, ell,
	    addr + alen - tail, ps);
	return strlen(buf);
}

/* ---------------------------------------------------------------- panes */

enum col_id {
	C_ID = 0, C_ORIG, C_RESP, C_OST, C_RST, C_FLAGS, C_PKTS, C_BYTES,
	C_RTT, C_AGE, C_IDLE,
	/* UDP */
	C_USTATE, C_PKTS_O, C_PKTS_R, C_BYTES_O, C_BYTES_R, C_LAST,
	C_COUNT
};

struct col_def {
	const char	*title;
	int		 w;
	int		 prio;	/* dropped first: the highest */
	bool		 right;
	int		 sort;	/* enum ss_view_sort, -1 none */
};

_Static_assert(C_COUNT <= sizeof(((struct ss_view_layout *)0)->show),
    "ss_view_layout.show has a flag per column");

static const struct col_def cols[C_COUNT] = {
	[C_ID] = { "#", 5, 0, true, SS_SORT_ID },
	[C_ORIG] = { "ORIGINATOR", 0, 0, false, -1 },
	[C_RESP] = { "RESPONDER", 0, 0, false, -1 },
	[C_OST] = { "ORIG", 10, 0, false, SS_SORT_STATE },
	[C_RST] = { "RESP", 10, 0, false, -1 },
	[C_FLAGS] = { "FLAGS", 11, 1, false, -1 },
	[C_PKTS] = { "PKTS", 6, 2, true, SS_SORT_PACKETS },
	[C_BYTES] = { "BYTES", 6, 4, true, SS_SORT_BYTES },
	[C_RTT] = { "RTT", 6, 3, true, SS_SORT_RTT },
	[C_AGE] = { "AGE", 6, 5, true, SS_SORT_AGE },
	[C_IDLE] = { "IDLE", 6, 6, true, SS_SORT_IDLE },
	[C_USTATE] = { "STATE", 8, 0, false, SS_SORT_STATE },
	[C_PKTS_O] = { "PKTS>", 6, 1, true, SS_SORT_PACKETS },
	[C_PKTS_R] = { "<PKTS", 6, 1, true, -1 },
	[C_BYTES_O] = { "BYTES>", 6, 3, true, SS_SORT_BYTES },
	[C_BYTES_R] = { "<BYTES", 6, 3, true, -1 },
	[C_LAST] = { "LAST", 6, 2, true, SS_SORT_IDLE },
};

static const enum col_id tcp_cols[] = { C_ID, C_ORIG, C_RESP, C_OST, C_RST,
    C_FLAGS, C_PKTS, C_BYTES, C_RTT, C_AGE, C_IDLE };
static const enum col_id udp_cols[] = { C_ID, C_ORIG, C_RESP, C_USTATE,
    C_PKTS_O, C_PKTS_R, C_BYTES_O, C_BYTES_R, C_LAST };

/* Columns of a pane. */
static const enum col_id *
pane_cols(enum ss_view_pane p, size_t *n)
{
	if (p == SS_PANE_TCP) {
		*n = sizeof(tcp_cols) / sizeof(tcp_cols[0]);
		return tcp_cols;
	}
	*n = sizeof(udp_cols) / sizeof(udp_cols[0]);
	return udp_cols;
}

/*
 * Choose the columns for a width: the endpoints get up to addr_w
 * columns each; optional columns go, least useful first, until the
 * endpoints have at least what the rows need (or 21, an IPv4 endpoint).
 */
void
ss_view_layout(struct ss_view_layout *l, enum ss_view_pane p, int width,
    int addr_w)
{
	ss_view_layout_ids(l, p, width, addr_w, 5);
}

/* Choose the columns, with room for flow numbers of id_w digits. */
void
ss_view_layout_ids(struct ss_view_layout *l, enum ss_view_pane p, int width,
    int addr_w, int id_w)
{
	const enum col_id *cs;
	size_t n, i;
	int fixed, need, prio, worst;

	cs = pane_cols(p, &n);
	memset(l, 0, sizeof(*l));
	l->width = width;
	l->id_w = id_w < cols[C_ID].w ? cols[C_ID].w : id_w > 20 ? 20 : id_w;
	for (i = 0; i < n; i++)
		l->show[cs[i]] = true;
	need = addr_w < 21 ? addr_w : 21;
	for (;;) {
		fixed = 0;
		for (i = 0; i < n; i++)
			if (l->show[cs[i]])
				fixed += (cs[i] == C_ID ? l->id_w :
				    cols[cs[i]].w) + 1;
		fixed -= 1;	/* no separator before the first column */
		if ((width - fixed) / 2 >= need)
			break;
		worst = -1;
		prio = 0;
		for (i = 0; i < n; i++)
			if (l->show[cs[i]] && cols[cs[i]].prio > prio) {
				prio = cols[cs[i]].prio;
				worst = (int)cs[i];
			}
		if (worst < 0)
			break;
		l->show[worst] = false;
	}
	l->addr_w = (width - fixed) / 2;
	if (l->addr_w > addr_w)
		l->addr_w = addr_w;
	if (l->addr_w < 9)
		l->addr_w = 9;
}

/* Width of a column in a layout. */
static int
col_w(const struct ss_view_layout *l, enum col_id c)
{
	if (c == C_ID)
		return l->id_w > 0 ? l->id_w : cols[c].w;
	return c == C_ORIG || c == C_RESP ? l->addr_w : cols[c].w;
}

/* The column titles of a pane. */
void
ss_view_header(struct ss_view_line *ln, enum ss_view_pane p,
    const struct ss_view_layout *l, enum ss_view_sort sort, bool desc,
    bool focus)
{
	const enum col_id *cs;
	char t[32];
	size_t n, i;

	cs = pane_cols(p, &n);
	ln_reset(ln, focus ? SS_ROLE_HEADER_FOCUS : SS_ROLE_HEADER);
	for (i = 0; i < n; i++) {
		enum col_id c = cs[i];

		if (!l->show[c])
			continue;
		if (c != C_ID)
			ln_str(ln, " ");
		if (cols[c].sort == (int)sort && sort != SS_SORT_ID)
			snprintf(t, sizeof(t), "%s%s", cols[c].title,
			    desc ? "v" : "^");
		else if (c == C_ORIG && p == SS_PANE_TCP)
			snprintf(t, sizeof(t), "%s", "TCP ORIGINATOR");
		else if (c == C_ORIG)
			snprintf(t, sizeof(t), "%s", "UDP ORIGINATOR");
		else
			snprintf(t, sizeof(t), "%s", cols[c].title);
		if (c == C_ID && sort == SS_SORT_ID)
			snprintf(t, sizeof(t), "%s", desc ? "#v" : "#");
		ln_field(ln, t, col_w(l, c), cols[c].right);
	}
	ln_fit(ln, l->width);
}

/* Role of a phase. */
static uint8_t
phase_role(uint8_t ph)
{
	switch (ph) {
	case SS_PH_OPENING:
		return SS_ROLE_OPENING;
	case SS_PH_ESTABLISHED:
		return SS_ROLE_ESTABLISHED;
	case SS_PH_CLOSING:
		return SS_ROLE_CLOSING;
	case SS_PH_CLOSED:
		return SS_ROLE_CLOSED;
	default:
		return SS_ROLE_RESET;
	}
}

/* "[S.]" of a side's last flags, "" when it sent nothing. */
static void
flags_br(char *buf, size_t len, const struct ss_view_row *r, int s)
{
	char f[12];

	if (r->pkts[s] == 0) {
		snprintf(buf, len, "-");
		return;
	}
	ss_tcp_flags_str(r->flags[s], f, sizeof(f));
	snprintf(buf, len, "[%s]", f);
}

/* One row of a pane. */
void
ss_view_format_row(struct ss_view_line *ln, enum ss_view_pane p,
    const struct ss_view_layout *l, const struct ss_view_row *r,
    uint64_t now, bool ascii)
{
	const enum col_id *cs;
	char t[SS_ADDRSTRLEN + 16], a[20], b[20];
	size_t n, i, off;

	cs = pane_cols(p, &n);
	ln_reset(ln, r->tomb ? SS_ROLE_TOMB : r->highlight ? SS_ROLE_NEW :
	    SS_ROLE_NORMAL);
	for (i = 0; i < n; i++) {
		enum col_id c = cs[i];
		uint8_t role = 0;

		if (c >= C_COUNT || !l->show[c])
			continue;
		if (c != C_ID)
			ln_str(ln, " ");
		off = ln->len;
		t[0] = '\0';
		switch (c) {
		case C_ID:
			snprintf(t, sizeof(t), "%llu", (unsigned long long)r->id);
			break;
		case C_ORIG:
		case C_RESP:
			ss_view_endpoint(t, sizeof(t), r->family,
			    &r->addr[c == C_RESP], r->port[c == C_RESP],
			    l->addr_w, ascii);
			break;
		case C_OST:
		case C_RST:
			snprintf(t, sizeof(t), "%s",
			    ss_tcp_state_ss_name(r->state[c == C_RST]));
			role = phase_role(ss_view_state_phase(
			    r->state[c == C_RST], r->rst));
			break;
		case C_FLAGS:
			flags_br(a, sizeof(a), r, 0);
			flags_br(b, sizeof(b), r, 1);
			snprintf(t, sizeof(t), "%s %s", a, b);
			break;
		case C_PKTS:
			ss_view_size(t, sizeof(t), r->pkts[0] + r->pkts[1]);
			break;
		case C_BYTES:
			ss_view_size(t, sizeof(t), r->bytes[0] + r->bytes[1]);
			break;
		case C_RTT:
			if (r->rtt_ns != 0)
				ss_view_dur(t, sizeof(t), r->rtt_ns);
			else
				snprintf(t, sizeof(t), "-");
			break;
		case C_AGE:
			ss_view_dur(t, sizeof(t), now > r->first_ns ?
			    now - r->first_ns : 0);
			break;
		case C_IDLE:
		case C_LAST:
			ss_view_dur(t, sizeof(t), now > r->last_ns ?
			    now - r->last_ns : 0);
			break;
		case C_USTATE:
			snprintf(t, sizeof(t), "%s",
			    ss_udp_state_name(r->state[0]));
			role = phase_role(r->phase);
			break;
		case C_PKTS_O:
		case C_PKTS_R:
			ss_view_size(t, sizeof(t), r->pkts[c == C_PKTS_R]);
			break;
		case C_BYTES_O:
		case C_BYTES_R:
			ss_view_size(t, sizeof(t), r->bytes[c == C_BYTES_R]);
			break;
		default:
			break;
		}
		ln_field(ln, t, col_w(l, c), cols[c].right);
		if (role != 0 && !r->tomb) {
			size_t end = ln->len;

			/* colour the word, not its padding */
			while (end > off && ln->text[end - 1] == ' ')
				end--;
			if (ln->nspans < SS_VIEW_SPANS && end > off) {
				ln->span[ln->nspans].off = (uint16_t)off;
				ln->span[ln->nspans].len = (uint16_t)(end - off);
				ln->span[ln->nspans].role = role;
				ln->nspans++;
			}
		}
	}
	ln_fit(ln, l->width);
}

/* ---------------------------------------------------------------- status */

/* Append a phase summary "3 opening 1 estab". */
static void
phase_summary(struct ss_view_line *ln, const char *proto,
    const uint64_t *ph, uint64_t tombs)
{
	static const char *const shortn[SS_PH_COUNT] = { "opening", "estab",
	    "closing", "closed", "reset" };
	uint64_t all = 0;
	char t[64];
	int i;

	for (i = 0; i < SS_PH_COUNT; i++)
		all += ph[i];
	snprintf(t, sizeof(t), " %s %llu", proto, (unsigned long long)all);
	ln_str(ln, t);
	if (all == 0 && tombs == 0)
		return;
	ln_str(ln, " (");
	for (i = 0; i < SS_PH_COUNT; i++) {
		if (ph[i] == 0)
			continue;
		snprintf(t, sizeof(t), "%llu %s ", (unsigned long long)ph[i],
		    shortn[i]);
		ln_str(ln, t);
	}
	if (tombs > 0) {
		snprintf(t, sizeof(t), "%llu gone ", (unsigned long long)tombs);
		ln_str(ln, t);
	}
	ln->len--;
	ln->cols--;
	ln->text[ln->len] = '\0';
	ln_str(ln, ")");
}

/* The status line. */
void
ss_view_format_status(struct ss_view_line *ln, int width,
    const struct ss_view_status *st, const struct ss_view_counts *c)
{
	char t[256];
	const char *src = st->source != NULL ? st->source : "?";

	ln_reset(ln, SS_ROLE_STATUS);
	if (st->live)
		snprintf(t, sizeof(t), " %.60s |", src);
	else {
		const char *base = strrchr(src, '/');

		snprintf(t, sizeof(t), " %.60s | pkt %llu", base != NULL ?
		    base + 1 : src, (unsigned long long)st->packets);
	}
	ln_str(ln, t);
	if (!st->live) {
		uint64_t rel = st->pkt_ns > st->first_ns ? st->pkt_ns -
		    st->first_ns : 0;
		time_t sec = (time_t)(st->pkt_ns / NS_PER_SEC);
		struct tm tm;

		if (st->packets > 0 && gmtime_r(&sec, &tm) != NULL) {
			snprintf(t, sizeof(t), " +%llu.%06llus %02d:%02d:%02d."
			    "%06lluZ", (unsigned long long)(rel / NS_PER_SEC),
			    (unsigned long long)(rel % NS_PER_SEC / 1000),
			    tm.tm_hour, tm.tm_min, tm.tm_sec,
			    (unsigned long long)(st->pkt_ns % NS_PER_SEC /
			    1000));
			ln_str(ln, t);
		}
		if (st->speed > 0)
			snprintf(t, sizeof(t), " x%g", st->speed);
		else
			snprintf(t, sizeof(t), " max");
		ln_str(ln, t);
		if (st->eof)
			ln_str(ln, " END");
		if (st->paused) {
			size_t off = ln->len + 1;

			ln_str(ln, " PAUSED");
			ln_span(ln, off, SS_ROLE_PROMPT);
		}
		ln_str(ln, " |");
	}
	snprintf(t, sizeof(t), " %.0f pkt/s", st->pps);
	ln_str(ln, t);
	if (st->live) {
		snprintf(t, sizeof(t), " drops %llu/%llu",
		    (unsigned long long)st->drops,
		    (unsigned long long)st->ifdrops);
		ln_str(ln, t);
	}
	ln_str(ln, " |");
	phase_summary(ln, "tcp", c->phase[SS_PANE_TCP], c->tombs[SS_PANE_TCP]);
	phase_summary(ln, "udp", c->phase[SS_PANE_UDP], c->tombs[SS_PANE_UDP]);
	ln_fit(ln, width);
}

/* ------------------------------------------------------------------ help */

static const char *const help_text[] = {
	"synscope live view - keys",
	"",
	"  Up/Down PgUp/PgDn Home/End   move in the list, scroll the ladder",
	"  Tab                          switch between the TCP and UDP panes",
	"  Enter                        open the selected connection (ladder)",
	"  Esc                          back to the list",
	"  s / S                        sort column (number, state, age, bytes,",
	"                               packets, rtt, idle) / reverse order",
	"  /                            display filter, applied as you type:",
	"                               address, net/len, port N, :N, [v6]:port,",
	"                               state names (SYN-SENT, ESTAB, TIME-WAIT),",
	"                               opening established closing closed reset,",
	"                               tcp udp, #N, !term; terms are ANDed",
	"  space                        replay: pause / resume; live: freeze the",
	"                               screen (capture and tracking go on)",
	"  + / -                        replay speed x2 / /2",
	"  n                            replay: apply one packet (pauses)",
	"  N                            replay: apply packets up to the next",
	"                               state change (pauses)",
	"  w                            ladder: write it to synscope-<proto>-<N>.txt",
	"  ?                            this help",
	"  q, Ctrl-C                    quit",
	"",
	"Colours: opening, established, closing, closed, reset phases; new or",
	"changed rows stand out briefly; closed ones stay dimmed, then leave.",
	"",
	"Press any key to go back.",
};

/* Lines of help. */
size_t
ss_view_help_lines(void)
{
	return sizeof(help_text) / sizeof(help_text[0]);
}

/* One help line. */
void
ss_view_help_line(struct ss_view_line *ln, size_t i, int width)
{
	ln_reset(ln, i == 0 ? SS_ROLE_HEADER : SS_ROLE_NORMAL);
	if (i < ss_view_help_lines())
		ln_str(ln, help_text[i]);
	ln_fit(ln, width);
}

/* ---------------------------------------------------------------- ladder */

#define L_TIME	11	/* "   0.000123" */
#define L_STATE	12	/* "SYN-RECEIVED" */
#define L_LEFT	(L_TIME + 2 + L_STATE + 1)	/* up to the left bar */
#define L_FIXED	(L_LEFT + 1 + 1 + 1 + L_STATE)	/* all but the arrow */
#define L_MINMID 20
#define L_HEAD	7	/* header lines before the first record */

/* State name of a record's side. */
static const char *
rec_state(const struct ss_view_rec *r, int s)
{
	if (r->proto == IPPROTO_UDP)
		return ss_udp_state_name(r->state[s]);
	return ss_tcp_state_name(r->state[s]);
}

/* The label of an arrow. */
static void
rec_label(char *buf, size_t len, const struct ss_view_rec *r)
{
	char fl[16];
	int n = 0;

	if (r->kind == SS_REC_TIMER) {
		snprintf(buf, len, "timer");
		return;
	}
	if (r->kind == SS_REC_ICMP) {
		snprintf(buf, len, "ICMP error type %u code %u",
		    r->flags >> 8, r->flags & 0xff);
		return;
	}
	if (r->proto == IPPROTO_UDP) {
		snprintf(buf, len, "len %u", r->len);
		return;
	}
	ss_tcp_flags_str(r->flags, fl, sizeof(fl));
	n = snprintf(buf, len, "[%s] seq %u", fl, r->seq);
	if ((r->flags & SS_TH_ACK) && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " ack %u", r->ack);
	if (r->len > 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " len %u", r->len);
	if (n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " win %u", r->win);
	if (r->anomalies != 0 && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " !");
}

/* Width of the arrow part for a set of records (files: fit all). */
static int
ladder_mid(const struct ss_view_rec *recs, size_t n, int width)
{
	char lab[128];
	int mid = L_MINMID;
	size_t i;

	if (width > 0) {
		mid = width - L_FIXED > L_MINMID ? width - L_FIXED : L_MINMID;
		return mid > 64 ? 64 : mid;
	}
	for (i = 0; i < n; i++) {
		int w;

		rec_label(lab, sizeof(lab), &recs[i]);
		w = (int)strlen(lab) + 6;
		if (i == 0 && w < 2 * 47 + 4)
			w = 2 * 47 + 4 < 60 ? 2 * 47 + 4 : 60;
		if (w > mid)
			mid = w;
	}
	return mid;
}

/* Text of the explanation lines of a record (without indent). */
static size_t
rec_explain(const struct ss_view_rec *r, size_t i, char *buf, size_t len,
    bool ascii)
{
	const struct glyphs *g = glyphs(ascii);
	size_t nexp = r->ntrans;

	if (r->anomalies != 0)
		nexp++;
	if (i >= nexp || buf == NULL)
		return nexp;
	if (i < r->ntrans) {
		const char *who = r->trans[i].side == 0 ? "client" : "server";

		snprintf(buf, len, "%s %s %s %s: %s", who,
		    ss_tcp_state_name(r->trans[i].old_state), g->to,
		    ss_tcp_state_name(r->trans[i].new_state),
		    ss_tcp_rule_text(r->trans[i].rule));
	} else {
		size_t o;
		int a;

		o = (size_t)snprintf(buf, len, "! anomaly:");
		for (a = 0; a < 32 && o < len; a++)
			if (r->anomalies & (1u << a))
				o += (size_t)snprintf(buf + o, len - o, " %s",
				    ss_anomaly_name((enum ss_anomaly)a));
	}
	return nexp;
}

/* Lines of wrapped text of c columns into avail columns. */
static size_t
wrap_lines(int c, int avail)
{
	if (avail <= 0 || c <= avail)
		return 1;
	return 1 + (size_t)((c - avail + (avail - 3) - 1) / (avail - 3));
}

struct ladder_ctx {
	size_t			 from, max, line;
	struct ss_view_line	*out;
	size_t			 nout;
	int			 width;		/* 0: natural */
	int			 mid;
	bool			 ascii;
	const struct glyphs	*g;
};

/* Is the current line wanted?  Returns the line to fill or NULL. */
static struct ss_view_line *
lc_next(struct ladder_ctx *c, uint8_t role)
{
	struct ss_view_line *l = NULL;

	if (c->out != NULL && c->line >= c->from &&
	    c->line < c->from + c->max) {
		l = &c->out[c->line - c->from];
		ln_reset(l, role);
		c->nout++;
	}
	c->line++;
	return l;
}

/* Finish a line to the width. */
static void
lc_done(struct ladder_ctx *c, struct ss_view_line *l)
{
	if (c->width > 0)
		ln_fit(l, c->width);
}

/* A header text line. */
static void
lc_text(struct ladder_ctx *c, uint8_t role, const char *s)
{
	struct ss_view_line *l = lc_next(c, role);

	if (l == NULL)
		return;
	ln_str(l, s);
	lc_done(c, l);
}

/* The lines before the arrows: who, states, handshake, counters. */
static void
ladder_header(struct ladder_ctx *c, const struct ss_view_row *r,
    bool have_row, const struct ss_view_rec *recs, size_t n)
{
	char t[512], a[SS_ADDRSTRLEN + 16], b[SS_ADDRSTRLEN + 16];
	char d1[16], d2[16], d3[16];
	struct ss_view_line *l;
	bool tcp = have_row ? r->proto == IPPROTO_TCP :
	    n > 0 && recs[0].proto == IPPROTO_TCP;

	if (!have_row) {
		snprintf(t, sizeof(t), "%s %llu: no longer known; %zu records "
		    "kept", tcp ? "TCP connection" : "UDP flow",
		    (unsigned long long)(n > 0 ? recs[0].id : 0), n);
		lc_text(c, SS_ROLE_HEADER, t);
		while (c->line < L_HEAD)
			lc_text(c, SS_ROLE_NORMAL, "");
		return;
	}
	ss_view_endpoint(a, sizeof(a), r->family, &r->addr[0], r->port[0], 60,
	    c->ascii);
	ss_view_endpoint(b, sizeof(b), r->family, &r->addr[1], r->port[1], 60,
	    c->ascii);
	snprintf(t, sizeof(t), "%s %llu: %s %s %s%s", tcp ? "TCP connection" :
	    "UDP flow", (unsigned long long)r->id, a, c->g->to, b,
	    r->tomb ? "  (gone)" : "");
	lc_text(c, SS_ROLE_HEADER, t);
	if (tcp) {
		l = lc_next(c, SS_ROLE_NORMAL);
		if (l != NULL) {
			snprintf(t, sizeof(t), "states: client %s, server %s; "
			    "phase ", ss_tcp_state_name(r->state[0]),
			    ss_tcp_state_name(r->state[1]));
			ln_str(l, t);
			ln_str(l, ss_view_phase_name(r->phase));
			ln_span(l, l->len - strlen(ss_view_phase_name(r->phase)),
			    phase_role(r->phase));
			if (r->inferred)
				ln_str(l, " (some states inferred)");
			lc_done(c, l);
		}
		if (r->ack_ns != 0 && r->synack_ns >= r->syn_ns &&
		    r->ack_ns >= r->synack_ns) {
			ss_view_dur(d1, sizeof(d1), r->synack_ns - r->syn_ns);
			ss_view_dur(d2, sizeof(d2), r->ack_ns - r->synack_ns);
			ss_view_dur(d3, sizeof(d3), r->ack_ns - r->syn_ns);
			snprintf(t, sizeof(t), "handshake: SYN %s SYN-ACK %s, "
			    "SYN-ACK %s ACK %s, RTT %s", c->g->to, d1, c->g->to,
			    d2, d3);
		} else if (r->syn_ns != 0)
			snprintf(t, sizeof(t), "handshake: not completed");
		else
			snprintf(t, sizeof(t), "handshake: not seen");
		lc_text(c, SS_ROLE_NORMAL, t);
	} else {
		snprintf(t, sizeof(t), "state: %s",
		    ss_udp_state_name(r->state[0]));
		lc_text(c, SS_ROLE_NORMAL, t);
		lc_text(c, SS_ROLE_NORMAL, "");
	}
	ss_view_dur(d1, sizeof(d1), r->last_ns > r->first_ns ?
	    r->last_ns - r->first_ns : 0);
	snprintf(t, sizeof(t), "packets %llu %s %llu %s, bytes %llu %s %llu "
	    "%s, duration %s", (unsigned long long)r->pkts[0], c->g->to,
	    (unsigned long long)r->pkts[1], c->ascii ? "<-" : "\u2190",
	    (unsigned long long)r->bytes[0], c->g->to,
	    (unsigned long long)r->bytes[1], c->ascii ? "<-" : "\u2190", d1);
	lc_text(c, SS_ROLE_NORMAL, t);
	if (tcp && r->anomalies != 0) {
		size_t o = (size_t)snprintf(t, sizeof(t), "anomalies:");
		int i;

		for (i = 0; i < SS_AN_WORDS && o < sizeof(t); i++)
			if (r->anomalies & (1u << i))
				o += (size_t)snprintf(t + o, sizeof(t) - o,
				    " %s", ss_anomaly_name((enum ss_anomaly)i));
		lc_text(c, SS_ROLE_ANOMALY, t);
	} else
		lc_text(c, SS_ROLE_NORMAL, "");
	/* column titles: who is where */
	l = lc_next(c, SS_ROLE_HEADER);
	if (l != NULL) {
		int bw = ss_view_cols(b, strlen(b));

		ln_field(l, "time", L_TIME, true);
		ln_str(l, "  ");
		ln_field(l, tcp ? "client" : "originator", L_STATE, false);
		ln_str(l, " ");
		ln_str(l, c->g->bar);
		ln_str(l, " ");
		ln_field(l, a, c->mid - 2, false);
		if (l->cols < L_LEFT + c->mid - bw)
			ln_pad(l, L_LEFT + c->mid - bw);
		else
			ln_str(l, " ");
		ln_str(l, b);
		ln_str(l, " ");
		ln_str(l, c->g->bar);
		ln_str(l, tcp ? " server" : " responder");
		lc_done(c, l);
	}
}

/* One arrow line. */
static void
ladder_arrow(struct ladder_ctx *c, const struct ss_view_rec *r, uint64_t t0,
    const struct ss_view_rec *prev)
{
	struct ss_view_line *l = lc_next(c, SS_ROLE_NORMAL);
	char t[128], lab[128];
	uint64_t rel = r->ts_ns > t0 ? r->ts_ns - t0 : 0;
	int lw, fill, s;
	size_t off;

	if (l == NULL)
		return;
	snprintf(t, sizeof(t), "%llu.%06llu",
	    (unsigned long long)(rel / NS_PER_SEC),
	    (unsigned long long)(rel % NS_PER_SEC / 1000));
	ln_field(l, t, L_TIME, true);
	ln_str(l, "  ");
	for (s = 0; s < 2; s++) {
		bool changed = prev == NULL || prev->state[s] != r->state[s];
		size_t i;

		for (i = 0; i < r->ntrans; i++)
			if (r->trans[i].side == s)
				changed = true;
		if (s == 1) {
			ln_str(l, " ");
		}
		off = l->len;
		ln_field(l, rec_state(r, s), s == 0 ? L_STATE : 0, false);
		if (s == 1)
			ln_str(l, rec_state(r, s));
		if (changed)
			ln_span(l, off, SS_ROLE_NEW);
		if (s == 0) {
			ln_str(l, " ");
			ln_str(l, c->g->bar);
			/* the arrow */
			rec_label(lab, sizeof(lab), r);
			lw = (int)strlen(lab);
			if (lw > c->mid - 6)
				lw = c->mid - 6 > 0 ? c->mid - 6 : 0;
			fill = c->mid - 5 - lw;
			off = l->len;
			if (r->kind == SS_REC_TIMER) {
				ln_pad(l, l->cols + (c->mid - lw) / 2);
				ln_mem(l, lab, (size_t)lw);
				ln_pad(l, L_LEFT + 1 + c->mid);
			} else if (r->side == 0) {
				ln_rep(l, c->g->dash, 2);
				ln_str(l, " ");
				ln_mem(l, lab, (size_t)lw);
				ln_str(l, " ");
				ln_rep(l, c->g->dash, fill);
				ln_str(l, c->g->rhead);
			} else {
				ln_str(l, c->g->lhead);
				ln_rep(l, c->g->dash, fill);
				ln_str(l, " ");
				ln_mem(l, lab, (size_t)lw);
				ln_str(l, " ");
				ln_rep(l, c->g->dash, 2);
			}
			ln_span(l, off, r->anomalies != 0 ? SS_ROLE_ANOMALY :
			    SS_ROLE_ARROW);
			ln_str(l, c->g->bar);
		}
	}
	/* the spans run to the end of the line when made; trim them */
	for (s = 0; s < l->nspans; s++)
		if (l->span[s].role == SS_ROLE_NEW && l->span[s].off < L_LEFT)
			l->span[s].len = L_STATE < l->span[s].len ?
			    L_STATE : l->span[s].len;
	if (l->nspans >= 2) {
		size_t i;

		for (i = 0; i < l->nspans; i++)
			if (l->span[i].role == SS_ROLE_ARROW ||
			    l->span[i].role == SS_ROLE_ANOMALY) {
				/* up to the right bar */
				size_t end = l->span[i].off;
				int cc = 0;

				while (end < l->len && cc < c->mid) {
					end++;
					while (end < l->len &&
					    ((unsigned char)l->text[end] & 0xc0)
					    == 0x80)
						end++;
					cc++;
				}
				l->span[i].len = (uint16_t)(end -
				    l->span[i].off);
			}
	}
	lc_done(c, l);
}

/* The explanation lines under an arrow. */
static void
ladder_explain(struct ladder_ctx *c, const struct ss_view_rec *r)
{
	char t[512];
	size_t i, n = rec_explain(r, 0, NULL, 0, c->ascii);
	int avail = c->width > 0 ? c->width - L_LEFT - 2 : 0;

	for (i = 0; i < n; i++) {
		uint8_t role;
		size_t nl, k, pos = 0, len;

		rec_explain(r, i, t, sizeof(t), c->ascii);
		role = i < r->ntrans ? SS_ROLE_EXPLAIN : SS_ROLE_ANOMALY;
		len = strlen(t);
		nl = avail > 0 ? wrap_lines(ss_view_cols(t, len), avail) : 1;
		for (k = 0; k < nl; k++) {
			struct ss_view_line *l = lc_next(c, role);
			int take = k == 0 ? avail : avail - 3;
			size_t e;
			int cc;

			if (l == NULL) {
				/* still advance through the text */
				for (cc = 0; pos < len && (avail == 0 ||
				    cc < take); cc++) {
					pos++;
					while (pos < len && ((unsigned char)
					    t[pos] & 0xc0) == 0x80)
						pos++;
				}
				continue;
			}
			ln_pad(l, L_LEFT);
			ln_str(l, c->g->bar);
			ln_str(l, k == 0 ? " " : "    ");
			for (e = pos, cc = 0; e < len && (avail == 0 ||
			    cc < take); cc++) {
				e++;
				while (e < len && ((unsigned char)t[e] & 0xc0) ==
				    0x80)
					e++;
			}
			ln_mem(l, t + pos, e - pos);
			pos = e;
			lc_done(c, l);
		}
	}
}

/* A line for records that were not kept. */
static void
ladder_gap(struct ladder_ctx *c, uint64_t n, bool before)
{
	struct ss_view_line *l = lc_next(c, SS_ROLE_TOMB);
	char t[96];

	if (l == NULL)
		return;
	ln_pad(l, L_LEFT);
	ln_str(l, c->g->gap);
	snprintf(t, sizeof(t), " %llu %s packet%s not kept %s",
	    (unsigned long long)n, before ? "earlier" : "more",
	    n == 1 ? "" : "s", c->g->gap);
	ln_str(l, t);
	lc_done(c, l);
}

/* The ladder of a connection, lines [from, from + max). */
size_t
ss_view_ladder(const struct ss_view_row *row, bool have_row,
    const struct ss_view_rec *recs, size_t n, uint64_t lost, int width,
    bool ascii, size_t from, struct ss_view_line *out, size_t max)
{
	struct ladder_ctx c;
	uint64_t t0, prevno = 0;
	const struct ss_view_rec *prev = NULL;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.from = from;
	c.max = max;
	c.out = out;
	c.width = width > SS_VIEW_MAX_WIDTH ? SS_VIEW_MAX_WIDTH : width;
	c.ascii = ascii;
	c.g = glyphs(ascii);
	c.mid = ladder_mid(recs, n, c.width);
	if (c.mid > 300)
		c.mid = 300;
	ladder_header(&c, row, have_row, recs, n);
	t0 = have_row && row->first_ns != 0 ? row->first_ns :
	    n > 0 ? recs[0].ts_ns : 0;
	for (i = 0; i < n; i++) {
		const struct ss_view_rec *r = &recs[i];

		if (r->kind == SS_REC_PACKET) {
			if (r->pktno > prevno + 1)
				ladder_gap(&c, r->pktno - prevno - 1,
				    prevno == 0);
			prevno = r->pktno;
		}
		ladder_arrow(&c, r, t0, prev);
		ladder_explain(&c, r);
		prev = r;
	}
	if (have_row && row->pkts[0] + row->pkts[1] > prevno && n > 0)
		ladder_gap(&c, row->pkts[0] + row->pkts[1] - prevno, false);
	else if (lost > 0 && n == 0)
		ladder_gap(&c, lost, false);
	if (n == 0)
		lc_text(&c, SS_ROLE_TOMB, "  (no packets of it are kept)");
	return c.line;
}

/* The whole ladder as text. */
int
ss_view_ladder_write(FILE *fp, const struct ss_view_row *row, bool have_row,
    const struct ss_view_rec *recs, size_t n, uint64_t lost, bool ascii)
{
	struct ss_view_line *l;
	size_t total, i, at;

	l = malloc(sizeof(*l) * 64);
	if (l == NULL)
		return -1;
	total = ss_view_ladder(row, have_row, recs, n, lost, 0, ascii, 0, NULL,
	    0);
	for (at = 0; at < total; at += 64) {
		size_t got = total - at < 64 ? total - at : 64;

		ss_view_ladder(row, have_row, recs, n, lost, 0, ascii, at, l,
		    got);
		for (i = 0; i < got; i++) {
			size_t e = l[i].len;

			while (e > 0 && l[i].text[e - 1] == ' ')
				e--;
			fwrite(l[i].text, 1, e, fp);
			fputc('\n', fp);
		}
	}
	free(l);
	return ferror(fp) ? -1 : 0;
}

/* --------------------------------------------------------------- screens */

/* The bottom line: hints, the filter prompt or a message. */
static void
compose_bottom(struct ss_view *m, const struct ss_view_status *st,
    struct ss_view_line *ln, int width, int *cursor)
{
	struct ss_view_ui *ui = ss_view_ui(m);
	const char *f = ss_view_filter_text(m);

	*cursor = -1;
	if (ui->mode == SS_MODE_FILTER) {
		ln_reset(ln, SS_ROLE_PROMPT);
		ln_str(ln, "filter: ");
		ln_str(ln, ui->input);
		*cursor = ln->cols < width ? ln->cols : width - 1;
		if (ui->msg[0] != '\0') {
			ln_str(ln, "   ");
			ln_str(ln, ui->msg);
		}
		ln_fit(ln, width);
		return;
	}
	if (ui->msg[0] != '\0') {
		ln_reset(ln, SS_ROLE_PROMPT);
		ln_str(ln, ui->msg);
		ln_fit(ln, width);
		return;
	}
	ln_reset(ln, SS_ROLE_HINT);
	if (f[0] != '\0') {
		size_t off = ln->len;

		ln_str(ln, "[filter: ");
		ln_str(ln, f);
		ln_str(ln, "] ");
		ln_span(ln, off, SS_ROLE_PROMPT);
		ln->span[ln->nspans - 1].len = (uint16_t)(ln->len - off);
	}
	switch (ui->mode) {
	case SS_MODE_DETAIL:
		ln_str(ln, "Esc back  arrows/PgUp/PgDn scroll  w write");
		break;
	case SS_MODE_HELP:
		ln_str(ln, "any key: back  q quit");
		break;
	default:
		ln_str(ln, "Enter ladder  Tab pane  / filter  s/S sort");
		break;
	}
	ln_str(ln, st->live ? "  space freeze" :
	    "  space pause  n/N step  +/- speed");
	ln_str(ln, "  ? help  q quit");
	if (ui->frozen) {
		size_t off = ln->len + 2;

		ln_str(ln, "  FROZEN");
		ln_span(ln, off, SS_ROLE_PROMPT);
	}
	ln_fit(ln, width);
}

/* The longest endpoint among rows. */
static int
rows_addr_w(const struct ss_view_row *r, size_t n, bool ascii)
{
	char t[SS_ADDRSTRLEN + 16];
	int w = 14, s;
	size_t i;

	for (i = 0; i < n; i++)
		for (s = 0; s < 2; s++) {
			int c = (int)ss_view_endpoint(t, sizeof(t), r[i].family,
			    &r[i].addr[s], r[i].port[s], 64, ascii);

			if (c > w)
				w = c;
		}
	return w;
}

/* Digits of the largest flow number among rows. */
static int
rows_id_w(const struct ss_view_row *r, size_t n)
{
	uint64_t max = 0;
	size_t i;
	int w = 1;

	for (i = 0; i < n; i++)
		if (r[i].id > max)
			max = r[i].id;
	while (max >= 10) {
		max /= 10;
		w++;
	}
	return w;
}

/* One pane: header and rows from line y, h lines in all. */
static void
compose_pane(struct ss_view *m, enum ss_view_pane p, int width, int h,
    struct ss_view_line *lines, struct ss_view_row *rows, bool ascii)
{
	struct ss_view_ui *ui = ss_view_ui(m);
	struct ss_view_layout lay;
	uint64_t now;
	size_t n, total, i;
	bool focus = ui->pane == p;

	if (h <= 0)
		return;
	ui->rows[p] = h > 1 ? (size_t)(h - 1) : 0;
	/* keep the selection visible with the newest total */
	n = ss_view_page(m, p, ui->top[p], ui->rows[p], rows, &total);
	ui->total[p] = total;
	if (ui->sel[p] >= total || ui->sel[p] < ui->top[p] ||
	    ui->sel[p] >= ui->top[p] + ui->rows[p] ||
	    ui->top[p] + ui->rows[p] > total) {
		size_t top = ui->top[p];

		if (total == 0)
			ui->sel[p] = 0;
		else if (ui->sel[p] >= total)
			ui->sel[p] = total - 1;
		if (ui->sel[p] < top)
			top = ui->sel[p];
		if (ui->rows[p] > 0 && ui->sel[p] >= top + ui->rows[p])
			top = ui->sel[p] - ui->rows[p] + 1;
		if (total <= ui->rows[p])
			top = 0;
		else if (top > total - ui->rows[p])
			top = total - ui->rows[p];
		if (top != ui->top[p]) {
			ui->top[p] = top;
			n = ss_view_page(m, p, top, ui->rows[p], rows, &total);
		}
	}
	now = ss_view_packet_clock(m);
	ss_view_layout_ids(&lay, p, width, rows_addr_w(rows, n, ascii),
	    rows_id_w(rows, n));
	ss_view_header(&lines[0], p, &lay, ui->sort, ui->desc, focus);
	ui->have_selected[p] = false;
	for (i = 0; i < (size_t)(h - 1); i++) {
		struct ss_view_line *l = &lines[1 + i];

		if (i >= n) {
			ln_reset(l, SS_ROLE_NORMAL);
			if (i == 0 && total == 0)
				ln_str(l, ss_view_filter_text(m)[0] != '\0' ?
				    "  (none match the filter)" :
				    p == SS_PANE_TCP ? "  (no TCP connections)" :
				    "  (no UDP flows)");
			ln_fit(l, width);
			continue;
		}
		ss_view_format_row(l, p, &lay, &rows[i], now, ascii);
		if (ui->top[p] + i == ui->sel[p]) {
			ui->selected[p] = rows[i];
			ui->have_selected[p] = true;
			if (focus)
				l->role = SS_ROLE_SELECTED;
		}
	}
}

/* Compose a whole screen. */
int
ss_view_compose(struct ss_view *m, const struct ss_view_status *st,
    int width, int height, struct ss_view_line *lines, int *cursor)
{
	struct ss_view_ui *ui = ss_view_ui(m);
	struct ss_view_counts cnt;
	struct ss_view_row *rows;
	bool ascii = ss_view_ascii(m);
	int body, y, i;

	if (width > SS_VIEW_MAX_WIDTH)
		width = SS_VIEW_MAX_WIDTH;
	if (width < 1 || height < 1)
		return 0;
	ss_view_expire(m);
	body = height - 2;
	rows = calloc((size_t)(height > 0 ? height : 1), sizeof(*rows));
	if (rows == NULL)
		return 0;
	y = 1;
	if (body > 0 && (ui->mode == SS_MODE_LIST ||
	    ui->mode == SS_MODE_FILTER)) {
		int uh, th;
		size_t ut = ui->total[SS_PANE_UDP];

		uh = body / 3;
		if ((int)ut + 1 < uh)
			uh = (int)ut + 1 < 3 ? 3 : (int)ut + 1;
		if (body < 8)
			uh = ui->pane == SS_PANE_UDP ? body : 0;
		th = body - uh;
		compose_pane(m, SS_PANE_TCP, width, th, &lines[y], rows, ascii);
		compose_pane(m, SS_PANE_UDP, width, uh, &lines[y + th], rows,
		    ascii);
	} else if (body > 0 && ui->mode == SS_MODE_DETAIL) {
		const struct ss_view_rec *recs;
		struct ss_view_row row;
		bool have;
		size_t n, total, max;

		n = ss_view_history(m, &recs, &row, &have);
		total = ss_view_ladder(&row, have, recs, n,
		    ss_view_history_lost(m), width, ascii, 0, NULL, 0);
		ui->d_lines = total;
		ui->d_rows = (size_t)body;
		max = total > (size_t)body ? total - (size_t)body : 0;
		if (ui->d_follow || ui->d_top > max)
			ui->d_top = max;
		n = ss_view_ladder(&row, have, recs, n,
		    ss_view_history_lost(m), width, ascii, ui->d_top,
		    &lines[y], (size_t)body);
		for (i = (int)n; i < body; i++) {
			ln_reset(&lines[y + i], SS_ROLE_NORMAL);
			ln_fit(&lines[y + i], width);
		}
	} else if (body > 0) {
		for (i = 0; i < body; i++)
			ss_view_help_line(&lines[y + i], (size_t)i, width);
	}
	free(rows);
	ss_view_counts(m, &cnt);
	ss_view_format_status(&lines[0], width, st, &cnt);
	if (height > 1)
		compose_bottom(m, st, &lines[height - 1], width, cursor);
	else
		*cursor = -1;
	ss_view_clean(m);
	return height;
}
