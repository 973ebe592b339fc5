/*
 * fmt.c - output buffer and formatting of numbers, times, addresses and
 * untrusted bytes.  Hot output paths (one line per packet) avoid printf.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synscope/fmt.h"

/* Set up a buffer over fd (or in memory when fd is -1). */
int
wbuf_init(struct ss_wbuf *w, int fd, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->cap = cap < 256 ? 256 : cap;
	w->buf = malloc(w->cap);
	return w->buf == NULL ? -1 : 0;
}

/* Release a buffer (without flushing). */
void
wbuf_free(struct ss_wbuf *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* Write out what is buffered; -1 with w->err set on failure. */
int
wbuf_flush(struct ss_wbuf *w)
{
	size_t off = 0;
	ssize_t n;

	if (w->fd < 0)
		return 0;
	if (w->err != 0) {
		w->len = 0;
		return -1;
	}
	while (off < w->len) {
		n = write(w->fd, w->buf + off, w->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			w->len = 0;
			return -1;
		}
		off += (size_t)n;
	}
	w->len = 0;
	return 0;
}

/* Forget buffered bytes. */
void
wbuf_reset(struct ss_wbuf *w)
{
	w->len = 0;
}

/* Make room for n more bytes; false if that is impossible. */
bool
wbuf_reserve(struct ss_wbuf *w, size_t n)
{
	char *nb;
	size_t ncap;

	if (w->len + n <= w->cap)
		return true;
	if (w->fd >= 0) {
		wbuf_flush(w);
		if (n <= w->cap)
			return true;
	}
	ncap = w->cap;
	while (ncap < w->len + n)
		ncap *= 2;
	nb = realloc(w->buf, ncap);
	if (nb == NULL)
		return false;
	w->buf = nb;
	w->cap = ncap;
	return true;
}

/* NUL-terminated contents of an in-memory buffer. */
const char *
wbuf_cstr(struct ss_wbuf *w)
{
	if (!wbuf_reserve(w, 1))
		return "";
	w->buf[w->len] = '\0';
	return w->buf;
}

/* "00".."99": decimal digits two at a time. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* Number of decimal digits of v (v >= 10). */
static inline unsigned
dec_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	/* bits * log10(2), then one correction */
	unsigned t = ((unsigned)(64 - __builtin_clzll(v)) * 1233) >> 12;

	return t + 1 - (v < pow10[t]);
}

/* An unsigned decimal, written from its last digit, two at a time. */
char *
fmt_u64(char *p, uint64_t v)
{
	char *end, *q;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	end = q = p + dec_digits(v);
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + d, 2);
	}
	if (v >= 10)
		memcpy(q - 2, digit_pairs + v * 2, 2);
	else
		q[-1] = (char)('0' + v);
	return end;
}

/*
 * Five digits side by side in one word, the leading zeros shifted out:
 * a source port is random, and a loop's count of digits would be a
 * branch mispredicted one time in six.
 */
char *
fmt_u16(char *p, uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t x = v, a = x / 10000, r = x % 10000;
	uint16_t hi, lo;
	uint64_t w;
	unsigned n = 1u + (x >= 10) + (x >= 100) + (x >= 1000) + (x >= 10000);

	memcpy(&hi, digit_pairs + r / 100 * 2, 2);
	memcpy(&lo, digit_pairs + r % 100 * 2, 2);
	/* the first character in the lowest byte */
	w = (uint64_t)('0' + a) | (uint64_t)hi << 8 | (uint64_t)lo << 24;
	w >>= 8 * (5 - n);
	memcpy(p, &w, sizeof(w));
	return p + n;
#else
	return fmt_u64(p, v);
#endif
}

/* fmt_u64_memo() for a value the memo does not hold: its text anew. */
char *
fmt_u64_memo_new(char *p, struct fmt_memo *m, uint64_t v)
{
	size_t n = (size_t)(fmt_u64(m->text, v) - m->text);

	m->len = (uint8_t)n;
	m->v = v;
	memcpy(p, m->text, sizeof(m->text));
	return p + n;
}

/* Append an unsigned decimal. */
void
wbuf_u64(struct ss_wbuf *w, uint64_t v)
{
	char *p = wbuf_room(w, FMT_U64_MAX);

	if (p != NULL)
		wbuf_commit(w, fmt_u64(p, v));
}

/* Append a signed decimal. */
void
wbuf_i64(struct ss_wbuf *w, int64_t v)
{
	if (v < 0) {
		wbuf_char(w, '-');
		wbuf_u64(w, (uint64_t)0 - (uint64_t)v);
	} else
		wbuf_u64(w, (uint64_t)v);
}

/* End a line. */
void
wbuf_eol(struct ss_wbuf *w)
{
	wbuf_char(w, '\n');
	if (w->line_flush)
		wbuf_flush(w);
}

/* printf into the buffer. */
void
wbuf_printf(struct ss_wbuf *w, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		wbuf_mem(w, tmp, (size_t)n);
		return;
	}
	if (!wbuf_reserve(w, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(w->buf + w->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w->len += (size_t)n;
}

/* Seconds.microseconds of a packet time. */
char *
fmt_ts(char *p, uint64_t ns)
{
	p = fmt_u64(p, ns / 1000000000ULL);
	return fmt_us6(p, (uint32_t)((ns % 1000000000ULL) / 1000));
}

char *
fmt_us6(char *p, uint32_t us)
{
	p[0] = '.';
	memcpy(p + 1, digit_pairs + (us / 10000) * 2, 2);
	memcpy(p + 3, digit_pairs + (us / 100 % 100) * 2, 2);
	memcpy(p + 5, digit_pairs + (us % 100) * 2, 2);
	return p + 7;
}

void
wbuf_ts(struct ss_wbuf *w, uint64_t ns)
{
	char *p = wbuf_room(w, FMT_TS_MAX);

	if (p != NULL)
		wbuf_commit(w, fmt_ts(p, ns));
}

/* A duration in seconds with six decimals. */
void
wbuf_dur(struct ss_wbuf *w, uint64_t ns)
{
	wbuf_ts(w, ns);
}

/* Address to text in buf ("?" when it does not fit in len bytes). */
char *
ss_addr_str(int family, const struct ss_addr *a, char *buf, size_t len)
{
	/* fmt_addr's scratch: three bytes past the text at most */
	char tmp[SS_ADDRSTRLEN + 4];
	size_t n;

	n = (size_t)(fmt_addr(tmp, family, a) - tmp);
	if (n >= len) {
		snprintf(buf, len, "?");
		return buf;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

/* The decimal text of each byte value, its length in the last byte. */
static const char octet_text[256][4] = {
	{ '0', 0, 0, 1 }, { '1', 0, 0, 1 }, { '2', 0, 0, 1 }, { '3', 0, 0, 1 },
	{ '4', 0, 0, 1 }, { '5', 0, 0, 1 }, { '6', 0, 0, 1 }, { '7', 0, 0, 1 },
	{ '8', 0, 0, 1 }, { '9', 0, 0, 1 }, { '1', '0', 0, 2 },
	{ '1', '1', 0, 2 }, { '1', '2', 0, 2 }, { '1', '3', 0, 2 },
	{ '1', '4', 0, 2 }, { '1', '5', 0, 2 }, { '1', '6', 0, 2 },
	{ '1', '7', 0, 2 }, { '1', '8', 0, 2 }, { '1', '9', 0, 2 },
	{ '2', '0', 0, 2 }, { '2', '1', 0, 2 }, { '2', '2', 0, 2 },
	{ '2', '3', 0, 2 }, { '2', '4', 0, 2 }, { '2', '5', 0, 2 },
	{ '2', '6', 0, 2 }, { '2', '7', 0, 2 }, { '2', '8', 0, 2 },
	{ '2', '9', 0, 2 }, { '3', '0', 0, 2 }, { '3', '1', 0, 2 },
	{ '3', '2', 0, 2 }, { '3', '3', 0, 2 }, { '3', '4', 0, 2 },
	{ '3', '5', 0, 2 }, { '3', '6', 0, 2 }, { '3', '7', 0, 2 },
	{ '3', '8', 0, 2 }, { '3', '9', 0, 2 }, { '4', '0', 0, 2 },
	{ '4', '1', 0, 2 }, { '4', '2', 0, 2 }, { '4', '3', 0, 2 },
	{ '4', '4', 0, 2 }, { '4', '5', 0, 2 }, { '4', '6', 0, 2 },
	{ '4', '7', 0, 2 }, { '4', '8', 0, 2 }, { '4', '9', 0, 2 },
	{ '5', '0', 0, 2 }, { '5', '1', 0, 2 }, { '5', '2', 0, 2 },
	{ '5', '3', 0, 2 }, { '5', '4', 0, 2 }, { '5', '5', 0, 2 },
	{ '5', '6', 0, 2 }, { '5', '7', 0, 2 }, { '5', '8', 0, 2 },
	{ '5', '9', 0, 2 }, { '6', '0', 0, 2 }, { '6', '1', 0, 2 },
	{ '6', '2', 0, 2 }, { '6', '3', 0, 2 }, { '6', '4', 0, 2 },
	{ '6', '5', 0, 2 }, { '6', '6', 0, 2 }, { '6', '7', 0, 2 },
	{ '6', '8', 0, 2 }, { '6', '9', 0, 2 }, { '7', '0', 0, 2 },
	{ '7', '1', 0, 2 }, { '7', '2', 0, 2 }, { '7', '3', 0, 2 },
	{ '7', '4', 0, 2 }, { '7', '5', 0, 2 }, { '7', '6', 0, 2 },
	{ '7', '7', 0, 2 }, { '7', '8', 0, 2 }, { '7', '9', 0, 2 },
	{ '8', '0', 0, 2 }, { '8', '1', 0, 2 }, { '8', '2', 0, 2 },
	{ '8', '3', 0, 2 }, { '8', '4', 0, 2 }, { '8', '5', 0, 2 },
	{ '8', '6', 0, 2 }, { '8', '7', 0, 2 }, { '8', '8', 0, 2 },
	{ '8', '9', 0, 2 }, { '9', '0', 0, 2 }, { '9', '1', 0, 2 },
	{ '9', '2', 0, 2 }, { '9', '3', 0, 2 }, { '9', '4', 0, 2 },
	{ '9', '5', 0, 2 }, { '9', '6', 0, 2 }, { '9', '7', 0, 2 },
	{ '9', '8', 0, 2 }, { '9', '9', 0, 2 }, { '1', '0', '0', 3 },
	{ '1', '0', '1', 3 }, { '1', '0', '2', 3 }, { '1', '0', '3', 3 },
	{ '1', '0', '4', 3 }, { '1', '0', '5', 3 }, { '1', '0', '6', 3 },
	{ '1', '0', '7', 3 }, { '1', '0', '8', 3 }, { '1', '0', '9', 3 },
	{ '1', '1', '0', 3 }, { '1', '1', '1', 3 }, { '1', '1', '2', 3 },
	{ '1', '1', '3', 3 }, { '1', '1', '4', 3 }, { '1', '1', '5', 3 },
	{ '1', '1', '6', 3 }, { '1', '1', '7', 3 }, { '1', '1', '8', 3 },
	{ '1', '1', '9', 3 }, { '1', '2', '0', 3 }, { '1', '2', '1', 3 },
	{ '1', '2', '2', 3 }, { '1', '2', '3', 3 }, { '1', '2', '4', 3 },
	{ '1', '2', '5', 3 }, { '1', '2', '6', 3 }, { '1', '2', '7', 3 },
	{ '1', '2', '8', 3 }, { '1', '2', '9', 3 }, { '1', '3', '0', 3 },
	{ '1', '3', '1', 3 }, { '1', '3', '2', 3 }, { '1', '3', '3', 3 },
	{ '1', '3', '4', 3 }, { '1', '3', '5', 3 }, { '1', '3', '6', 3 },
	{ '1', '3', '7', 3 }, { '1', '3', '8', 3 }, { '1', '3', '9', 3 },
	{ '1', '4', '0', 3 }, { '1', '4', '1', 3 }, { '1', '4', '2', 3 },
	{ '1', '4', '3', 3 }, { '1', '4', '4', 3 }, { '1', '4', '5', 3 },
	{ '1', '4', '6', 3 }, { '1', '4', '7', 3 }, { '1', '4', '8', 3 },
	{ '1', '4', '9', 3 }, { '1', '5', '0', 3 }, { '1', '5', '1', 3 },
	{ '1', '5', '2', 3 }, { '1', '5', '3', 3 }, { '1', '5', '4', 3 },
	{ '1', '5', '5', 3 }, { '1', '5', '6', 3 }, { '1', '5', '7', 3 },
	{ '1', '5', '8', 3 }, { '1', '5', '9', 3 }, { '1', '6', '0', 3 },
	{ '1', '6', '1', 3 }, { '1', '6', '2', 3 }, { '1', '6', '3', 3 },
	{ '1', '6', '4', 3 }, { '1', '6', '5', 3 }, { '1', '6', '6', 3 },
	{ '1', '6', '7', 3 }, { '1', '6', '8', 3 }, { '1', '6', '9', 3 },
	{ '1', '7', '0', 3 }, { '1', '7', '1', 3 }, { '1', '7', '2', 3 },
	{ '1', '7', '3', 3 }, { '1', '7', '4', 3 }, { '1', '7', '5', 3 },
	{ '1', '7', '6', 3 }, { '1', '7', '7', 3 }, { '1', '7', '8', 3 },
	{ '1', '7', '9', 3 }, { '1', '8', '0', 3 }, { '1', '8', '1', 3 },
	{ '1', '8', '2', 3 }, { '1', '8', '3', 3 }, { '1', '8', '4', 3 },
	{ '1', '8', '5', 3 }, { '1', '8', '6', 3 }, { '1', '8', '7', 3 },
	{ '1', '8', '8', 3 }, { '1', '8', '9', 3 }, { '1', '9', '0', 3 },
	{ '1', '9', '1', 3 }, { '1', '9', '2', 3 }, { '1', '9', '3', 3 },
	{ '1', '9', '4', 3 }, { '1', '9', '5', 3 }, { '1', '9', '6', 3 },
	{ '1', '9', '7', 3 }, { '1', '9', '8', 3 }, { '1', '9', '9', 3 },
	{ '2', '0', '0', 3 }, { '2', '0', '1', 3 }, { '2', '0', '2', 3 },
	{ '2', '0', '3', 3 }, { '2', '0', '4', 3 }, { '2', '0', '5', 3 },
	{ '2', '0', '6', 3 }, { '2', '0', '7', 3 }, { '2', '0', '8', 3 },
	{ '2', '0', '9', 3 }, { '2', '1', '0', 3 }, { '2', '1', '1', 3 },
	{ '2', '1', '2', 3 }, { '2', '1', '3', 3 }, { '2', '1', '4', 3 },
	{ '2', '1', '5', 3 }, { '2', '1', '6', 3 }, { '2', '1', '7', 3 },
	{ '2', '1', '8', 3 }, { '2', '1', '9', 3 }, { '2', '2', '0', 3 },
	{ '2', '2', '1', 3 }, { '2', '2', '2', 3 }, { '2', '2', '3', 3 },
	{ '2', '2', '4', 3 }, { '2', '2', '5', 3 }, { '2', '2', '6', 3 },
	{ '2', '2', '7', 3 }, { '2', '2', '8', 3 }, { '2', '2', '9', 3 },
	{ '2', '3', '0', 3 }, { '2', '3', '1', 3 }, { '2', '3', '2', 3 },
	{ '2', '3', '3', 3 }, { '2', '3', '4', 3 }, { '2', '3', '5', 3 },
	{ '2', '3', '6', 3 }, { '2', '3', '7', 3 }, { '2', '3', '8', 3 },
	{ '2', '3', '9', 3 }, { '2', '4', '0', 3 }, { '2', '4', '1', 3 },
	{ '2', '4', '2', 3 }, { '2', '4', '3', 3 }, { '2', '4', '4', 3 },
	{ '2', '4', '5', 3 }, { '2', '4', '6', 3 }, { '2', '4', '7', 3 },
	{ '2', '4', '8', 3 }, { '2', '4', '9', 3 }, { '2', '5', '0', 3 },
	{ '2', '5', '1', 3 }, { '2', '5', '2', 3 }, { '2', '5', '3', 3 },
	{ '2', '5', '4', 3 }, { '2', '5', '5', 3 },
};

/* An IPv4 address from its four bytes; up to three bytes of scratch. */
static inline char *
fmt_ipv4(char *p, const uint8_t *b)
{
	const char *t;
	int i;

	for (i = 0; i < 4; i++) {
		t = octet_text[b[i]];
		memcpy(p, t, 4);
		p += t[3];
		*p++ = '.';
	}
	return p - 1;
}

/* A 16-bit group in lower-case hex without leading zeros. */
static inline char *
fmt_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int n = v >= 0x1000 ? 4 : v >= 0x100 ? 3 : v >= 0x10 ? 2 : 1;

	switch (n) {
	case 4:
		*p++ = hex[v >> 12];
		/* FALLTHROUGH */
	case 3:
		*p++ = hex[(v >> 8) & 0xf];
		/* FALLTHROUGH */
	case 2:
		*p++ = hex[(v >> 4) & 0xf];
		/* FALLTHROUGH */
	default:
		*p++ = hex[v & 0xf];
	}
	return p;
}

/*
 * An IPv6 address as inet_ntop() writes it (RFC 5952): lower-case hex
 * groups without leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) as "::", and an IPv4-mapped
 * (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) address with its last
 * 32 bits dotted.  The same text as glibc's, without its sprintf.
 */
static char *
fmt_ipv6(char *p, const uint8_t *b)
{
	unsigned g[8];
	int i, best = -1, blen = 0, cur = -1, clen = 0;

	for (i = 0; i < 8; i++) {
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (g[i] == 0) {
			if (cur < 0) {
				cur = i;
				clen = 0;
			}
			if (++clen > blen) {
				best = cur;
				blen = clen;
			}
		} else
			cur = -1;
	}
	if (blen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + blen) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (blen == 6 || (blen == 5 && g[5] == 0xffff)))
			return fmt_ipv4(p, b + 12);
		p = fmt_hex16(p, g[i]);
	}
	if (best >= 0 && best + blen == 8)
		*p++ = ':';
	return p;
}

/*
 * An address, formatted by hand: IPv4 (the common case) each byte from
 * its text without a branch on its number of digits (random addresses
 * make those unpredictable), IPv6 as inet_ntop() writes it.  Up to three
 * bytes past the end returned are written as scratch.
 */
char *
fmt_addr(char *p, int family, const struct ss_addr *a)
{
	if (family != 6)
		return fmt_ipv4(p, a->a);
	return fmt_ipv6(p, a->a);
}

/* Append an address. */
void
wbuf_addr(struct ss_wbuf *w, int family, const struct ss_addr *a)
{
	char *p = wbuf_room(w, SS_ADDRSTRLEN);

	if (p != NULL)
		wbuf_commit(w, fmt_addr(p, family, a));
}

/* Untrusted bytes as printable ASCII, the rest escaped. */
void
wbuf_text(struct ss_wbuf *w, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			wbuf_char(w, (char)s[i]);
		else if (s[i] == '\\')
			wbuf_mem(w, "\\\\", 2);
		else {
			char e[4] = { '\\', 'x', hex[s[i] >> 4], hex[s[i] & 15] };

			wbuf_mem(w, e, 4);
		}
	}
}

/* Length of a valid UTF-8 sequence at s (n bytes left); 0 if invalid. */
static size_t
utf8_len(const uint8_t *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A JSON string: quotes and backslashes escaped, control characters as
 * \u00XX, valid UTF-8 kept, and each byte of invalid UTF-8 as \u00XX.
 */
void
wbuf_json_str(struct ss_wbuf *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *u = (const uint8_t *)s;
	size_t i, l;
	uint8_t c;

	wbuf_char(w, '"');
	for (i = 0; i < n; i += l) {
		size_t run = i;

		/* a run of plain printable ASCII goes in one copy */
		while (run < n && u[run] >= 0x20 && u[run] < 0x7f &&
		    u[run] != '"' && u[run] != '\\')
			run++;
		if (run > i) {
			wbuf_mem(w, u + i, run - i);
			l = run - i;
			continue;
		}
		c = u[i];
		l = 1;
		if (c == '"' || c == '\\') {
			wbuf_char(w, '\\');
			wbuf_char(w, (char)c);
		} else if (c >= 0x20 && c < 0x7f)
			wbuf_char(w, (char)c);
		else if (c >= 0x80 && (l = utf8_len(u + i, n - i)) > 1)
			wbuf_mem(w, u + i, l);
		else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			l = 1;
			wbuf_mem(w, e, 6);
		}
	}
	wbuf_char(w, '"');
}

/* TCP flags in tcpdump's letters and order: F S R P . U E W e. */
char *
ss_tcp_flags_str(uint16_t fl, char *buf, size_t len)
{
	static const struct { uint16_t bit; char c; } tab[] = {
		{ SS_TH_FIN, 'F' }, { SS_TH_SYN, 'S' }, { SS_TH_RST, 'R' },
		{ SS_TH_PUSH, 'P' }, { SS_TH_ACK, '.' }, { SS_TH_URG, 'U' },
		{ SS_TH_ECE, 'E' }, { SS_TH_CWR, 'W' }, { SS_TH_AE, 'e' },
	};
	size_t i, n = 0;

	if (len < 11) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (fl & tab[i].bit)
			buf[n++] = tab[i].c;
	if (n == 0) {
		memcpy(buf, "none", 4);
		n = 4;
	}
	buf[n] = '\0';
	return buf;
}
