/*
 * fmt.h - an output buffer over a file descriptor and the formatting of
 * numbers, times, addresses and untrusted text into it.
 *
 * Nothing from a packet reaches a terminal or a log unescaped: text goes
 * through wbuf_text() (printable ASCII only, the rest as \xNN) or
 * wbuf_json_str() (JSON escaping).
 */
#ifndef SYNSCOPE_FMT_H
#define SYNSCOPE_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synscope/decode.h"

struct ss_wbuf {
	int	 fd;
	int	 err;		/* errno of the first failed write; 0 */
	size_t	 len;
	size_t	 cap;
	char	*buf;
	bool	 line_flush;	/* flush at every line end (interactive) */
	size_t	 room;		/* what the last wbuf_room() took */
};

/* An in-memory buffer (fd -1) grows; one over a descriptor flushes. */
int	 wbuf_init(struct ss_wbuf *, int fd, size_t cap);
void	 wbuf_free(struct ss_wbuf *);
int	 wbuf_flush(struct ss_wbuf *);
/* Forget the buffered bytes (in-memory use). */
void	 wbuf_reset(struct ss_wbuf *);
/* NUL-terminated view of an in-memory buffer. */
const char *wbuf_cstr(struct ss_wbuf *);

/* Make room for n more bytes (flushing or growing); false if impossible. */
bool	 wbuf_reserve(struct ss_wbuf *, size_t n);

/* Append bytes; inline, as every line is built from them. */
static inline void
wbuf_mem(struct ss_wbuf *w, const void *p, size_t n)
{
	if (w->len + n > w->cap && !wbuf_reserve(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Append a C string. */
static inline void
wbuf_str(struct ss_wbuf *w, const char *s)
{
	wbuf_mem(w, s, strlen(s));
}

/* Append one character. */
static inline void
wbuf_char(struct ss_wbuf *w, char c)
{
	if (w->len < w->cap || wbuf_reserve(w, 1))
		w->buf[w->len++] = c;
}

/*
 * Cursor formatting, for a line whose length has a known bound: take the
 * room once with wbuf_room(), write through a char pointer that stays in
 * a register, then wbuf_commit() the end.  Each fmt_* writes at p and
 * returns the end of what it wrote; none checks room.
 */
static inline char *
wbuf_room(struct ss_wbuf *w, size_t n)
{
	if (w->len + n > w->cap && !wbuf_reserve(w, n))
		return NULL;
	w->room = n;
	return w->buf + w->len;
}

/*
 * A verifying build (--enable-verify-prediction, and every fuzzing
 * build) stops at once when a line outgrew the room it took.
 */
static inline void
wbuf_commit(struct ss_wbuf *w, const char *end)
{
#ifdef SS_VERIFY_ROOM
	if ((size_t)(end - (w->buf + w->len)) > w->room)
		abort();
#endif
	w->len = (size_t)(end - w->buf);
}

static inline char *
fmt_mem(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* A string literal: its length folds to a constant. */
#define FMT_LIT(p, lit) fmt_mem((p), (lit), sizeof(lit) - 1)

static inline char *
fmt_str(char *p, const char *s)
{
	return fmt_mem(p, s, strlen(s));
}

#define FMT_U64_MAX	20	/* 18446744073709551615 */
#define FMT_TS_MAX	27	/* 18446744073.709551 and room to spare */

/* An unsigned decimal. */
char	*fmt_u64(char *p, uint64_t v);

/*
 * A number below 65536 (a port): the text and scratch after it, up to
 * p + FMT_U16_ROOM, written in one store without a loop.
 */
#define FMT_U16_ROOM	8
char	*fmt_u16(char *p, uint16_t v);

/*
 * A number that a stream of lines writes again and again: a record's
 * stream number, one more than the last in a scan or a flood, or its IP
 * bytes, the same for every SYN of a kind.  The last value's text is kept
 * and copied whole, counted up in place when the value is one more.
 * Writes the text and scratch after it, up to p + FMT_MEMO_ROOM.  Start
 * from a zeroed memo.
 */
#define FMT_MEMO_ROOM	(FMT_U64_MAX + 4)
struct fmt_memo {
	uint64_t	 v;
	uint8_t		 len;		/* 0: none yet */
	char		 text[FMT_MEMO_ROOM];
};
char	*fmt_u64_memo_new(char *p, struct fmt_memo *m, uint64_t v);

/*
 * Inline, as a record's writer calls it for every record: the same value,
 * or one more without a carry out of the last digit.  The text is copied
 * out before its last digit is counted up, in the copy and in the memo
 * alike: a copy right after a byte store into what it reads would wait
 * for that store.
 */
static inline char *
fmt_u64_memo(char *p, struct fmt_memo *m, uint64_t v)
{
	size_t n = m->len;
	char last;

	if (n != 0 && v == m->v) {
		memcpy(p, m->text, sizeof(m->text));
		return p + n;
	}
	if (n != 0 && v == m->v + 1 && v != 0 && m->text[n - 1] != '9') {
		last = (char)(m->text[n - 1] + 1);
		memcpy(p, m->text, sizeof(m->text));
		p[n - 1] = last;
		m->text[n - 1] = last;
		m->v = v;
		return p + n;
	}
	return fmt_u64_memo_new(p, m, v);
}
/* Seconds with six decimals, from nanoseconds. */
char	*fmt_ts(char *p, uint64_t ns);
/* The fraction of fmt_ts(): '.' and six digits of us (< 1000000). */
char	*fmt_us6(char *p, uint32_t us);
/* An address in its usual text form: at most SS_ADDRSTRLEN - 1 bytes
   written, the text and scratch after it. */
char	*fmt_addr(char *p, int family, const struct ss_addr *a);

void	 wbuf_u64(struct ss_wbuf *, uint64_t);
void	 wbuf_i64(struct ss_wbuf *, int64_t);
/* End a line: newline, and a flush when line_flush is set. */
void	 wbuf_eol(struct ss_wbuf *);
/* printf into the buffer (not for hot paths). */
void	 wbuf_printf(struct ss_wbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Seconds with six decimals: "1331904000.123456". */
void	 wbuf_ts(struct ss_wbuf *, uint64_t ns);
/* A duration in seconds with six decimals: "0.000123". */
void	 wbuf_dur(struct ss_wbuf *, uint64_t ns);
/* An address in its usual text form (IPv6 compressed, RFC 5952). */
void	 wbuf_addr(struct ss_wbuf *, int family, const struct ss_addr *);
/* Untrusted bytes as printable ASCII, others as \xNN. */
void	 wbuf_text(struct ss_wbuf *, const void *, size_t);
/* A JSON string, quotes included, from UTF-8-agnostic bytes. */
void	 wbuf_json_str(struct ss_wbuf *, const char *, size_t);

/* Address to text in a caller buffer (SS_ADDRSTRLEN bytes hold any;
   "?" when it does not fit). */
char	*ss_addr_str(int family, const struct ss_addr *, char *, size_t);
/* Flags as tcpdump prints them: "S.", "F.", "R", "P.", "." */
char	*ss_tcp_flags_str(uint16_t flags, char *, size_t);

#define SS_ADDRSTRLEN 46

#endif
