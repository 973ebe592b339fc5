/*
 * jsonw.h - a small streaming JSON writer (one object per line) that
 * handles commas, nesting and escaping.
 */
#ifndef SYNSCOPE_JSONW_H
#define SYNSCOPE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synscope/fmt.h"

#define JW_MAX_DEPTH 8

struct ss_jsonw {
	struct ss_wbuf	*w;
	int		 depth;
	bool		 first[JW_MAX_DEPTH];
};

/* Start a top-level object. */
void	jw_begin(struct ss_jsonw *, struct ss_wbuf *);
/* Close the top-level object and end the line. */
void	jw_end(struct ss_jsonw *);

/* Members of the current object (key NULL inside an array). */
void	jw_str(struct ss_jsonw *, const char *key, const char *val);
void	jw_strn(struct ss_jsonw *, const char *key, const char *, size_t);
void	jw_u64(struct ss_jsonw *, const char *key, uint64_t);
void	jw_i64(struct ss_jsonw *, const char *key, int64_t);
void	jw_bool(struct ss_jsonw *, const char *key, bool);
void	jw_null(struct ss_jsonw *, const char *key);
/* Seconds with six decimals, from nanoseconds. */
void	jw_secs(struct ss_jsonw *, const char *key, uint64_t ns);
void	jw_addr(struct ss_jsonw *, const char *key, int family,
	    const struct ss_addr *);

void	jw_obj_begin(struct ss_jsonw *, const char *key);
void	jw_obj_end(struct ss_jsonw *);
void	jw_arr_begin(struct ss_jsonw *, const char *key);
void	jw_arr_end(struct ss_jsonw *);

#endif
