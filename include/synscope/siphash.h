/*
 * siphash.h - SipHash-1-3 (Aumasson and Bernstein), the keyed hash of the
 * flow table: cheap on short keys and resistant to hash flooding.
 */
#ifndef SYNSCOPE_SIPHASH_H
#define SYNSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t	ss_siphash13(const uint64_t key[2], const void *data, size_t len);

#define SS_ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound on the state v[4]. */
static inline void
ss_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = SS_ROTL64(v[1], 13); v[1] ^= v[0];
	v[0] = SS_ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = SS_ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = SS_ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = SS_ROTL64(v[1], 17); v[1] ^= v[2];
	v[2] = SS_ROTL64(v[2], 32);
}

/* The state before the first block. */
static inline void
ss_sipinit(uint64_t v[4], const uint64_t key[2])
{
	v[0] = 0x736f6d6570736575ULL ^ key[0];
	v[1] = 0x646f72616e646f6dULL ^ key[1];
	v[2] = 0x6c7967656e657261ULL ^ key[0];
	v[3] = 0x7465646279746573ULL ^ key[1];
}

/* One compression round of an eight-byte block m. */
static inline void
ss_sipblock(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	ss_sipround(v);
	v[0] ^= m;
}

/* The last block b (length in the top byte), then the finalization. */
static inline uint64_t
ss_sipfinal(uint64_t v[4], uint64_t b)
{
	ss_sipblock(v, b);
	v[2] ^= 0xff;
	ss_sipround(v);
	ss_sipround(v);
	ss_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * SipHash-1-3 of a len-byte input handed over as words: its first
 * nw = len / 8 eight-byte blocks as the little-endian values w[0..nw-1],
 * its last len % 8 bytes as the low bytes of tail (the other bytes of
 * tail zero).  The value is ss_siphash13() of those bytes; a caller can
 * hash a packed key without building a buffer, and with nw constant the
 * compiler unrolls it.
 */
static inline uint64_t
ss_siphash13_words(const uint64_t key[2], const uint64_t *w, size_t nw,
    uint64_t tail, size_t len)
{
	uint64_t v[4];
	size_t i;

	ss_sipinit(v, key);
	for (i = 0; i < nw; i++)
		ss_sipblock(v, w[i]);
	return ss_sipfinal(v, ((uint64_t)len << 56) | tail);
}

#endif
