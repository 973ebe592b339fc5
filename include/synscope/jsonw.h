/*
 * jsonw.h - a small streaming JSON writer (one object per line) that
 * handles commas, nesting and escaping.
 *
 * Everything is inline: keys are the program's own string literals, so
 * their lengths fold to constants and a member's comma, quotes, key and
 * colon go out in one room check and one copy.
 */
#ifndef SYNSCOPE_JSONW_H
#define SYNSCOPE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "synscope/fmt.h"

#define JW_MAX_DEPTH 8

/* Inlined at every call, so that a literal key's strlen() folds. */
#define JW_INLINE static inline __attribute__((always_inline))

struct ss_jsonw {
	struct ss_wbuf	*w;
	int		 depth;
	bool		 first[JW_MAX_DEPTH];
};

/* Comma and key before a member (key NULL inside an array). */
JW_INLINE void
jw_member(struct ss_jsonw *j, const char *key)
{
	struct ss_wbuf *w = j->w;
	size_t n = key != NULL ? strlen(key) : 0;
	char *p;

	if (w->len + n + 4 > w->cap && !wbuf_reserve(w, n + 4))
		return;
	p = w->buf + w->len;
	if (!j->first[j->depth])
		*p++ = ',';
	j->first[j->depth] = false;
	if (key != NULL) {
		*p++ = '"';
		memcpy(p, key, n);
		p += n;
		*p++ = '"';
		*p++ = ':';
	}
	w->len = (size_t)(p - w->buf);
}

/* Start a top-level object. */
JW_INLINE void
jw_begin(struct ss_jsonw *j, struct ss_wbuf *w)
{
	j->w = w;
	j->depth = 0;
	j->first[0] = true;
	wbuf_char(w, '{');
}

/* Close a nested object. */
JW_INLINE void
jw_obj_end(struct ss_jsonw *j)
{
	wbuf_char(j->w, '}');
	if (j->depth > 0)
		j->depth--;
}

/* Close the top-level object and end the line. */
JW_INLINE void
jw_end(struct ss_jsonw *j)
{
	while (j->depth > 0)
		jw_obj_end(j);
	wbuf_char(j->w, '}');
	wbuf_eol(j->w);
}

/* A string member of n bytes, escaped (for text that is not our own). */
JW_INLINE void
jw_strn(struct ss_jsonw *j, const char *key, const char *val, size_t n)
{
	jw_member(j, key);
	wbuf_json_str(j->w, val, n);
}

/* A string member, escaped. */
JW_INLINE void
jw_str(struct ss_jsonw *j, const char *key, const char *val)
{
	jw_strn(j, key, val, strlen(val));
}

/*
 * A string member whose value is the program's own text: names from its
 * tables, uids, history letters, and other text that JSON escaping would
 * leave as it is (printable ASCII without quotes or backslashes, valid
 * UTF-8), so it is copied as it is.  Never for bytes from a packet.
 */
JW_INLINE void
jw_lit(struct ss_jsonw *j, const char *key, const char *val)
{
	size_t n = strlen(val);
	struct ss_wbuf *w = j->w;

	jw_member(j, key);
	if (w->len + n + 2 > w->cap && !wbuf_reserve(w, n + 2))
		return;
	w->buf[w->len] = '"';
	memcpy(w->buf + w->len + 1, val, n);
	w->buf[w->len + n + 1] = '"';
	w->len += n + 2;
}

/* An unsigned integer member. */
JW_INLINE void
jw_u64(struct ss_jsonw *j, const char *key, uint64_t v)
{
	jw_member(j, key);
	wbuf_u64(j->w, v);
}

/* A signed integer member. */
JW_INLINE void
jw_i64(struct ss_jsonw *j, const char *key, int64_t v)
{
	jw_member(j, key);
	wbuf_i64(j->w, v);
}

/* A boolean member. */
JW_INLINE void
jw_bool(struct ss_jsonw *j, const char *key, bool v)
{
	jw_member(j, key);
	if (v)
		wbuf_mem(j->w, "true", 4);
	else
		wbuf_mem(j->w, "false", 5);
}

/* A null member. */
JW_INLINE void
jw_null(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_mem(j->w, "null", 4);
}

/* A time or duration in seconds with six decimals, from nanoseconds. */
JW_INLINE void
jw_secs(struct ss_jsonw *j, const char *key, uint64_t ns)
{
	jw_member(j, key);
	wbuf_ts(j->w, ns);
}

/* An address as a string. */
JW_INLINE void
jw_addr(struct ss_jsonw *j, const char *key, int family,
    const struct ss_addr *a)
{
	jw_member(j, key);
	wbuf_char(j->w, '"');
	wbuf_addr(j->w, family, a);
	wbuf_char(j->w, '"');
}

/* Open a nested object. */
JW_INLINE void
jw_obj_begin(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_char(j->w, '{');
	if (j->depth + 1 < JW_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

/* Open a nested array. */
JW_INLINE void
jw_arr_begin(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_char(j->w, '[');
	if (j->depth + 1 < JW_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

/* Close a nested array. */
JW_INLINE void
jw_arr_end(struct ss_jsonw *j)
{
	wbuf_char(j->w, ']');
	if (j->depth > 0)
		j->depth--;
}

#endif
