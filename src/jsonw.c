/*
 * jsonw.c - streaming JSON writer.  Keys are the program's own constant
 * names; values from packets are escaped by wbuf_json_str().
 */
#include <string.h>

#include "synscope/jsonw.h"

/* Start a top-level object. */
void
jw_begin(struct ss_jsonw *j, struct ss_wbuf *w)
{
	j->w = w;
	j->depth = 0;
	j->first[0] = true;
	wbuf_char(w, '{');
}

/* Close the top-level object and end the line. */
void
jw_end(struct ss_jsonw *j)
{
	while (j->depth > 0)
		jw_obj_end(j);
	wbuf_char(j->w, '}');
	wbuf_eol(j->w);
}

/* Comma and key before a member. */
static void
jw_member(struct ss_jsonw *j, const char *key)
{
	if (!j->first[j->depth])
		wbuf_char(j->w, ',');
	j->first[j->depth] = false;
	if (key != NULL) {
		wbuf_char(j->w, '"');
		wbuf_str(j->w, key);
		wbuf_mem(j->w, "\":", 2);
	}
}

/* A string member. */
void
jw_str(struct ss_jsonw *j, const char *key, const char *val)
{
	jw_strn(j, key, val, strlen(val));
}

/* A string member of n bytes. */
void
jw_strn(struct ss_jsonw *j, const char *key, const char *val, size_t n)
{
	jw_member(j, key);
	wbuf_json_str(j->w, val, n);
}

/* An unsigned integer member. */
void
jw_u64(struct ss_jsonw *j, const char *key, uint64_t v)
{
	jw_member(j, key);
	wbuf_u64(j->w, v);
}

/* A signed integer member. */
void
jw_i64(struct ss_jsonw *j, const char *key, int64_t v)
{
	jw_member(j, key);
	wbuf_i64(j->w, v);
}

/* A boolean member. */
void
jw_bool(struct ss_jsonw *j, const char *key, bool v)
{
	jw_member(j, key);
	wbuf_str(j->w, v ? "true" : "false");
}

/* A null member. */
void
jw_null(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_str(j->w, "null");
}

/* A time or duration in seconds. */
void
jw_secs(struct ss_jsonw *j, const char *key, uint64_t ns)
{
	jw_member(j, key);
	wbuf_ts(j->w, ns);
}

/* An address as a string. */
void
jw_addr(struct ss_jsonw *j, const char *key, int family,
    const struct ss_addr *a)
{
	jw_member(j, key);
	wbuf_char(j->w, '"');
	wbuf_addr(j->w, family, a);
	wbuf_char(j->w, '"');
}

/* Open a nested object. */
void
jw_obj_begin(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_char(j->w, '{');
	if (j->depth + 1 < JW_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

/* Close a nested object. */
void
jw_obj_end(struct ss_jsonw *j)
{
	wbuf_char(j->w, '}');
	if (j->depth > 0)
		j->depth--;
}

/* Open a nested array. */
void
jw_arr_begin(struct ss_jsonw *j, const char *key)
{
	jw_member(j, key);
	wbuf_char(j->w, '[');
	if (j->depth + 1 < JW_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

/* Close a nested array. */
void
jw_arr_end(struct ss_jsonw *j)
{
	wbuf_char(j->w, ']');
	if (j->depth > 0)
		j->depth--;
}
