/*
 * siphash.c - SipHash-1-3: one compression round per 8-byte word, three
 * finalisation rounds (the reduced-round variant used by Rust's and
 * CPython's hash tables).  Written from the SipHash paper.  The round and
 * the word-wise form for packed keys are inline in siphash.h.
 */
#include "synscope/siphash.h"

/* Read a little-endian 64-bit word. */
static inline uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | ((uint64_t)p[1] << 8) |
	    ((uint64_t)p[2] << 16) | ((uint64_t)p[3] << 24) |
	    ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
	    ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

/* Hash len bytes of data under a 128-bit key. */
uint64_t
ss_siphash13(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4], b = (uint64_t)len << 56;
	size_t i, left = len & 7;

	ss_sipinit(v, key);
	for (i = 0; i + 8 <= len; i += 8)
		ss_sipblock(v, le64(p + i));
	while (left > 0) {
		left--;
		b |= (uint64_t)p[i + left] << (8 * left);
	}
	return ss_sipfinal(v, b);
}
