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
	uint64_t v[4], b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;

	v[0] = 0x736f6d6570736575ULL ^ key[0];
	v[1] = 0x646f72616e646f6dULL ^ key[1];
	v[2] = 0x6c7967656e657261ULL ^ key[0];
	v[3] = 0x7465646279746573ULL ^ key[1];
	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v[3] ^= m;
		ss_sipround(v);
		v[0] ^= m;
	}
	while (left > 0) {
		left--;
		b |= (uint64_t)p[i + left] << (8 * left);
	}
	v[3] ^= b;
	ss_sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	ss_sipround(v);
	ss_sipround(v);
	ss_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
