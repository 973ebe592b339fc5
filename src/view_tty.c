/*
 * view_tty.c - the terminal of the live view: the only file with curses
 * calls.  It maps semantic roles to attributes, draws composed lines,
 * reads keys and hooks the view into the capture loop.
 *
 * The loop drains the capture before it reads the keyboard and calls
 * on_tick every 100 ms: a screen is composed and drawn there (or at once
 * after a key, at most every 50 ms) only when something changed, so the
 * frame rate stays near 10/s whatever the packet rate.  The terminal is
 * restored by ss_view_tty_stop(), which the program calls on every way
 * out; an atexit() handler covers exit() from anywhere else.  Nothing is
 * written to stderr while curses owns the screen.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "synscope/capture.h"
#include "synscope/view.h"

#define TICK_MS		100
#define KEY_DRAW_NS	50000000ULL	/* a key redraws at once after this */
#define FULL_DRAW_NS	1000000000ULL	/* status refresh when idle */

struct ss_view_tty {
	struct ss_view		*m;
	struct ss_loop		*loop;
	SCREEN			*scr;
	FILE			*in;
	bool			 own_in;
	bool			 active;
	bool			 color;
	int			 width, height;
	struct ss_view_line	*lines;
	size_t			 nlines;
	attr_t			 attr[SS_ROLE_COUNT];
	short			 pair[SS_ROLE_COUNT];
	uint64_t		 last_draw;
	bool			 key_dirty;
	/* packets per second */
	uint64_t		 rate_at, rate_pkts;
	double			 pps;
};

static struct ss_view_tty *active_tty;

/* Monotonic wall clock in ns. */
static uint64_t
tty_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Is the locale's character set UTF-8? */
bool
ss_view_tty_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
	    strcmp(cs, "utf8") == 0);
}

/* Attributes and colours of each role (colour when the terminal has it). */
static void
tty_roles(struct ss_view_tty *t)
{
	static const struct {
		attr_t	mono;
		attr_t	col;	/* attributes added to the colour */
		short	fg, bg;
	} map[SS_ROLE_COUNT] = {
		[SS_ROLE_NORMAL] = { A_NORMAL, A_NORMAL, -1, -1 },
		[SS_ROLE_STATUS] = { A_REVERSE, A_NORMAL, COLOR_WHITE,
		    COLOR_BLUE },
		[SS_ROLE_HEADER] = { A_BOLD, A_BOLD, COLOR_BLACK, COLOR_WHITE },
		[SS_ROLE_HEADER_FOCUS] = { A_REVERSE | A_BOLD, A_BOLD,
		    COLOR_BLACK, COLOR_GREEN },
		[SS_ROLE_SELECTED] = { A_REVERSE, A_REVERSE, -1, -1 },
		[SS_ROLE_OPENING] = { A_BOLD, A_BOLD, COLOR_YELLOW, -1 },
		[SS_ROLE_ESTABLISHED] = { A_NORMAL, A_NORMAL, COLOR_GREEN, -1 },
		[SS_ROLE_CLOSING] = { A_UNDERLINE, A_NORMAL, COLOR_MAGENTA,
		    -1 },
		[SS_ROLE_CLOSED] = { A_DIM, A_DIM, -1, -1 },
		[SS_ROLE_RESET] = { A_BOLD | A_UNDERLINE, A_BOLD, COLOR_RED,
		    -1 },
		[SS_ROLE_NEW] = { A_BOLD, A_BOLD, COLOR_CYAN, -1 },
		[SS_ROLE_TOMB] = { A_DIM, A_DIM, -1, -1 },
		[SS_ROLE_ARROW] = { A_NORMAL, A_NORMAL, COLOR_CYAN, -1 },
		[SS_ROLE_EXPLAIN] = { A_NORMAL, A_NORMAL, COLOR_YELLOW, -1 },
		[SS_ROLE_ANOMALY] = { A_BOLD, A_BOLD, COLOR_RED, -1 },
		[SS_ROLE_HINT] = { A_REVERSE, A_NORMAL, COLOR_BLACK,
		    COLOR_CYAN },
		[SS_ROLE_PROMPT] = { A_BOLD, A_BOLD, COLOR_YELLOW, -1 },
	};
	bool defaults = false;
	int i;

	if (t->color) {
		start_color();
		defaults = use_default_colors() == OK;
	}
	for (i = 0; i < SS_ROLE_COUNT; i++) {
		t->pair[i] = 0;
		if (!t->color) {
			t->attr[i] = map[i].mono;
			continue;
		}
		t->attr[i] = map[i].col;
		if (map[i].fg == -1 && map[i].bg == -1)
			continue;
		if (i < COLOR_PAIRS) {
			short fg = map[i].fg, bg = map[i].bg;

			if (!defaults) {
				fg = fg < 0 ? COLOR_WHITE : fg;
				bg = bg < 0 ? COLOR_BLACK : bg;
			}
			if (init_pair((short)i, fg, bg) == OK)
				t->pair[i] = (short)i;
		}
	}
}

/* Curses attributes of a role. */
static attr_t
role_attr(const struct ss_view_tty *t, uint8_t role)
{
	if (role >= SS_ROLE_COUNT)
		role = SS_ROLE_NORMAL;
	return t->attr[role] | (attr_t)COLOR_PAIR(t->pair[role]);
}

/* Size the line buffer to the screen. */
static int
tty_size(struct ss_view_tty *t)
{
	struct winsize ws;
	struct ss_view_line *l;

	if (ioctl(fileno(stdout), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	t->height = LINES;
	t->width = COLS;
	if ((size_t)t->height > t->nlines) {
		l = realloc(t->lines, (size_t)t->height * sizeof(*l));
		if (l == NULL)
			return -1;
		t->lines = l;
		t->nlines = (size_t)t->height;
	}
	return 0;
}

/* Compose and draw a whole screen. */
static void
tty_draw(struct ss_view_tty *t)
{
	struct ss_view_status st;
	struct ss_loop *l = t->loop;
	struct ss_engine *e = l->eng;
	int y, n, cursor = -1;
	size_t i;

	if (t->lines == NULL || t->height < 1 || t->width < 1)
		return;
	memset(&st, 0, sizeof(st));
	st.source = ss_capture_source(l->cap);
	st.live = ss_capture_is_live(l->cap);
	st.paused = l->paused;
	st.eof = l->eof;
	st.speed = l->speed;
	st.packets = ss_capture_packets(l->cap);
	st.first_ns = e->stats.first_ns;
	st.pkt_ns = l->pkt_ns;
	st.drops = e->stats.drops;
	st.ifdrops = e->stats.ifdrops;
	st.pps = t->pps;
	n = ss_view_compose(t->m, &st, t->width, t->height, t->lines, &cursor);
	for (y = 0; y < n; y++) {
		const struct ss_view_line *ln = &t->lines[y];
		attr_t base = role_attr(t, ln->role);

		attrset(base);
		mvaddnstr(y, 0, ln->text, (int)ln->len);
		for (i = 0; i < ln->nspans; i++) {
			const struct ss_view_span *s = &ln->span[i];
			attr_t a = role_attr(t, s->role);

			if (s->len == 0 || s->off >= ln->len)
				continue;
			if (ln->role == SS_ROLE_SELECTED)
				a |= A_REVERSE;
			attrset(a);
			mvaddnstr(y, ss_view_cols(ln->text, s->off),
			    ln->text + s->off, (int)s->len);
		}
	}
	attrset(A_NORMAL);
	if (cursor >= 0) {
		curs_set(1);
		move(t->height - 1, cursor);
	} else {
		curs_set(0);
		move(t->height - 1, 0);
	}
	refresh();
	t->last_draw = tty_now();
	t->key_dirty = false;
}

/* Write the opened connection's ladder to a file. */
static void
tty_write_ladder(struct ss_view_tty *t)
{
	struct ss_view_ui *ui = ss_view_ui(t->m);
	const struct ss_view_rec *recs;
	struct ss_view_row row;
	char name[64];
	bool have;
	size_t n;
	FILE *fp;

	n = ss_view_history(t->m, &recs, &row, &have);
	snprintf(name, sizeof(name), "synscope-%s-%llu.txt",
	    ui->d_proto == 17 ? "udp" : "tcp", (unsigned long long)ui->d_id);
	fp = fopen(name, "w");
	if (fp == NULL) {
		snprintf(ui->msg, sizeof(ui->msg), "cannot write %s: %s", name,
		    strerror(errno));
		return;
	}
	if (ss_view_ladder_write(fp, &row, have, recs, n,
	    ss_view_history_lost(t->m), ss_view_ascii(t->m)) != 0 ||
	    fclose(fp) != 0) {
		snprintf(ui->msg, sizeof(ui->msg), "cannot write %s: %s", name,
		    strerror(errno));
		return;
	}
	snprintf(ui->msg, sizeof(ui->msg), "wrote %s", name);
}

/* Carry out what a key asks of the loop. */
static void
tty_action(struct ss_view_tty *t, enum ss_view_action a)
{
	struct ss_loop *l = t->loop;
	bool live = ss_capture_is_live(l->cap);

	switch (a) {
	case SS_ACT_QUIT:
		l->stop = true;
		break;
	case SS_ACT_PAUSE:
		if (live)
			ss_view_ui(t->m)->frozen = !ss_view_ui(t->m)->frozen;
		else {
			l->paused = !l->paused;
			l->step_packets = 0;
			l->step_state = false;
		}
		break;
	case SS_ACT_FASTER:
		if (!live && l->speed > 0)
			l->speed = l->speed * 2 >= 1024 ? 0 : l->speed * 2;
		break;
	case SS_ACT_SLOWER:
		if (!live)
			l->speed = l->speed == 0 ? 512 : l->speed / 2 < 1.0 /
			    64 ? 1.0 / 64 : l->speed / 2;
		break;
	case SS_ACT_STEP:
		if (!live) {
			l->paused = true;
			l->step_state = false;
			l->step_packets++;
		}
		break;
	case SS_ACT_STEP_STATE:
		if (!live) {
			l->paused = true;
			l->step_packets = 0;
			l->step_state = true;
		}
		break;
	case SS_ACT_WRITE:
		tty_write_ladder(t);
		break;
	default:
		break;
	}
}

/* Curses key code to a model key. */
static int
tty_key(int c)
{
	switch (c) {
	case KEY_UP:
		return SS_KEY_UP;
	case KEY_DOWN:
		return SS_KEY_DOWN;
	case KEY_PPAGE:
		return SS_KEY_PGUP;
	case KEY_NPAGE:
		return SS_KEY_PGDN;
	case KEY_HOME:
		return SS_KEY_HOME;
	case KEY_END:
		return SS_KEY_END;
	case KEY_ENTER:
	case '\n':
	case '\r':
		return SS_KEY_ENTER;
	case 27:
		return SS_KEY_ESC;
	case '\t':
		return SS_KEY_TAB;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		return SS_KEY_BACKSPACE;
	case 3:
		return SS_KEY_INTR;
	default:
		return c >= 0 && c < 256 ? c : -1;
	}
}

/* Loop hook: keys are waiting. */
static void
tty_on_key(void *ctx)
{
	struct ss_view_tty *t = ctx;
	int c, k;

	while ((c = getch()) != ERR) {
		if (c == KEY_RESIZE) {
			tty_size(t);
			clear();
			t->key_dirty = true;
			continue;
		}
		k = tty_key(c);
		if (k < 0)
			continue;
		tty_action(t, ss_view_key(t->m, k));
		t->key_dirty = true;
		if (t->loop->stop)
			return;
	}
	if (t->key_dirty && tty_now() - t->last_draw >= KEY_DRAW_NS)
		tty_draw(t);
}

/* Loop hook: every tick. */
static void
tty_on_tick(void *ctx)
{
	struct ss_view_tty *t = ctx;
	uint64_t now = tty_now();
	struct ss_loop *l = t->loop;
	uint64_t pk = ss_capture_packets(l->cap);
	bool frozen = ss_view_ui(t->m)->frozen;

	if (ss_winch_pending()) {
		tty_size(t);
		clear();
		t->key_dirty = true;
	}
	if (now - t->rate_at >= FULL_DRAW_NS) {
		t->pps = t->rate_at == 0 ? 0 : (double)(pk - t->rate_pkts) *
		    1e9 / (double)(now - t->rate_at);
		t->rate_at = now;
		t->rate_pkts = pk;
		if (ss_capture_is_live(l->cap))
			ss_capture_drops(l->cap, &l->eng->stats);
	}
	ss_view_expire(t->m);
	if (t->key_dirty || (!frozen && (ss_view_dirty(t->m) ||
	    now - t->last_draw >= FULL_DRAW_NS)))
		tty_draw(t);
}

/* Loop hook: after a batch of packets. */
static bool
tty_on_batch(void *ctx)
{
	struct ss_view_tty *t = ctx;

	return !t->loop->stop;
}

/* atexit: never leave the terminal in curses mode. */
static void
tty_atexit(void)
{
	if (active_tty != NULL)
		ss_view_tty_stop(active_tty);
}

/* Take over the terminal and hook into the loop. */
struct ss_view_tty *
ss_view_tty_start(struct ss_view *m, struct ss_loop *l,
    const struct ss_view_tty_opts *o, char *err, size_t errlen)
{
	static bool atexit_done;
	struct ss_view_tty *t;
	const char *nc;

	if (!isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the view needs a terminal on standard "
		    "output (use -o events, json, conn or zeek)");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->m = m;
	t->loop = l;
	if (!o->use_tty && isatty(STDIN_FILENO))
		t->in = stdin;
	else {
		t->in = fopen("/dev/tty", "r");
		if (t->in == NULL) {
			snprintf(err, errlen, "/dev/tty: %s (the view needs "
			    "a keyboard)", strerror(errno));
			free(t);
			return NULL;
		}
		t->own_in = true;
	}
	t->scr = newterm(NULL, stdout, t->in);
	if (t->scr == NULL) {
		snprintf(err, errlen, "cannot set up the terminal (TERM=%s)",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		if (t->own_in)
			fclose(t->in);
		free(t);
		return NULL;
	}
	t->active = true;
	active_tty = t;
	if (!atexit_done) {
		atexit(tty_atexit);
		atexit_done = true;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	leaveok(stdscr, FALSE);
	nc = getenv("NO_COLOR");
	t->color = has_colors() && (nc == NULL || nc[0] == '\0');
	tty_roles(t);
	curs_set(0);
	if (tty_size(t) != 0) {
		ss_view_tty_free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	clear();
	l->key_fd = fileno(t->in);
	l->tick_ms = TICK_MS;
	l->on_key = tty_on_key;
	l->on_tick = tty_on_tick;
	l->on_batch = tty_on_batch;
	l->ctx = t;
	tty_draw(t);
	return t;
}

/* Give the terminal back (again: nothing to do). */
void
ss_view_tty_stop(struct ss_view_tty *t)
{
	if (t == NULL || !t->active)
		return;
	t->active = false;
	curs_set(1);
	endwin();
	fflush(stdout);
}

/* Restore the terminal and free. */
void
ss_view_tty_free(struct ss_view_tty *t)
{
	if (t == NULL)
		return;
	ss_view_tty_stop(t);
	if (active_tty == t)
		active_tty = NULL;
	if (t->scr != NULL)
		delscreen(t->scr);
	if (t->own_in)
		fclose(t->in);
	free(t->lines);
	free(t);
}
