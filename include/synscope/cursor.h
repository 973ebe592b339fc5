/*
 * cursor.h - bounds-checked reading of untrusted packet bytes.
 *
 * Every byte of a packet is read through a cursor, never by casting a
 * structure onto the buffer.  A cursor knows two lengths:
 *
 *   cap   bytes that were captured and may be read;
 *   wire  bytes that existed on the wire (cap <= wire).
 *
 * A read that needs bytes beyond cap but within wire fails as TRUNCATED
 * (the snapshot length cut the packet); a read beyond wire fails as
 * MALFORMED (the packet claims bytes it never had).  This keeps the two
 * outcomes apart, as tcpdump does with its "truncated" and "invalid".
 */
#ifndef SYNSCOPE_CURSOR_H
#define SYNSCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ss_cur_err {
	SS_CUR_OK = 0,
	SS_CUR_TRUNCATED,	/* beyond the captured bytes */
	SS_CUR_MALFORMED,	/* beyond the bytes on the wire */
};

struct ss_cursor {
	const uint8_t	*p;	/* start of the view */
	size_t		 cap;	/* captured bytes in the view */
	size_t		 wire;	/* wire bytes in the view (>= cap) */
	size_t		 off;	/* read position */
};

/* Initialise a cursor over a buffer of cap captured and wire wire bytes. */
static inline void
cur_init(struct ss_cursor *c, const uint8_t *p, size_t cap, size_t wire)
{
	c->p = p;
	c->cap = cap;
	c->wire = wire < cap ? cap : wire;
	c->off = 0;
}

/* Captured bytes left to read. */
static inline size_t
cur_left(const struct ss_cursor *c)
{
	return c->cap - c->off;
}

/* Wire bytes left (some may not have been captured). */
static inline size_t
cur_wire_left(const struct ss_cursor *c)
{
	return c->wire - c->off;
}

/* Can n bytes be read at the position?  Says why not. */
static inline enum ss_cur_err
cur_need(const struct ss_cursor *c, size_t n)
{
	if (n <= c->cap - c->off)
		return SS_CUR_OK;
	if (n <= c->wire - c->off)
		return SS_CUR_TRUNCATED;
	return SS_CUR_MALFORMED;
}

/* Pointer to the current position; valid for cur_left() bytes. */
static inline const uint8_t *
cur_ptr(const struct ss_cursor *c)
{
	return c->p + c->off;
}

/*
 * Unchecked big-endian loads from q.  Only for the fields of a header whose
 * whole fixed length was first proved captured with one cur_need() (as
 * tcpdump's ND_TCHECK_LEN before its unchecked EXTRACT_ macros): one check
 * per header rather than one per field.
 */
static inline uint16_t
ld_be16(const uint8_t *q)
{
	return (uint16_t)((q[0] << 8) | q[1]);
}

static inline uint32_t
ld_be32(const uint8_t *q)
{
	return ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
	    ((uint32_t)q[2] << 8) | (uint32_t)q[3];
}

/* Skip n bytes. */
static inline enum ss_cur_err
cur_skip(struct ss_cursor *c, size_t n)
{
	enum ss_cur_err e = cur_need(c, n);

	if (e == SS_CUR_OK)
		c->off += n;
	return e;
}

/* Read one byte. */
static inline enum ss_cur_err
cur_u8(struct ss_cursor *c, uint8_t *v)
{
	enum ss_cur_err e = cur_need(c, 1);

	if (e != SS_CUR_OK)
		return e;
	*v = c->p[c->off];
	c->off += 1;
	return SS_CUR_OK;
}

/* Read a 16-bit big-endian value. */
static inline enum ss_cur_err
cur_be16(struct ss_cursor *c, uint16_t *v)
{
	enum ss_cur_err e = cur_need(c, 2);

	if (e != SS_CUR_OK)
		return e;
	*v = (uint16_t)((c->p[c->off] << 8) | c->p[c->off + 1]);
	c->off += 2;
	return SS_CUR_OK;
}

/* Read a 32-bit big-endian value. */
static inline enum ss_cur_err
cur_be32(struct ss_cursor *c, uint32_t *v)
{
	enum ss_cur_err e = cur_need(c, 4);
	const uint8_t *q;

	if (e != SS_CUR_OK)
		return e;
	q = c->p + c->off;
	*v = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
	    ((uint32_t)q[2] << 8) | (uint32_t)q[3];
	c->off += 4;
	return SS_CUR_OK;
}

/* Read a 16-bit little-endian value (link headers of some hosts). */
static inline enum ss_cur_err
cur_le16(struct ss_cursor *c, uint16_t *v)
{
	enum ss_cur_err e = cur_need(c, 2);

	if (e != SS_CUR_OK)
		return e;
	*v = (uint16_t)(c->p[c->off] | (c->p[c->off + 1] << 8));
	c->off += 2;
	return SS_CUR_OK;
}

/* Copy n bytes out. */
static inline enum ss_cur_err
cur_copy(struct ss_cursor *c, void *dst, size_t n)
{
	enum ss_cur_err e = cur_need(c, n);
	size_t i;

	if (e != SS_CUR_OK)
		return e;
	for (i = 0; i < n; i++)
		((uint8_t *)dst)[i] = c->p[c->off + i];
	c->off += n;
	return SS_CUR_OK;
}

/*
 * Make a sub-cursor of the next n wire bytes (for a header that states its
 * own length, or an IP packet cut to its total length).  The sub-cursor's
 * captured length is what is captured of those bytes.  Fails MALFORMED when
 * n exceeds the wire bytes left; the parent is advanced past the n bytes
 * (or to its captured end).
 */
static inline enum ss_cur_err
cur_sub(struct ss_cursor *c, size_t n, struct ss_cursor *sub)
{
	size_t capleft = c->cap - c->off;

	if (n > c->wire - c->off)
		return SS_CUR_MALFORMED;
	sub->p = c->p + c->off;
	sub->cap = n < capleft ? n : capleft;
	sub->wire = n;
	sub->off = 0;
	c->off += sub->cap;
	return SS_CUR_OK;
}

/* Cut the view to n wire bytes from its start (IP total length). */
static inline enum ss_cur_err
cur_limit(struct ss_cursor *c, size_t n)
{
	if (n > c->wire)
		return SS_CUR_MALFORMED;
	c->wire = n;
	if (c->cap > n)
		c->cap = n;
	if (c->off > c->cap)
		c->off = c->cap;
	return SS_CUR_OK;
}

#endif /* SYNSCOPE_CURSOR_H */
