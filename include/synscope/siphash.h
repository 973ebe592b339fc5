/*
 * siphash.h - SipHash-1-3 (Aumasson and Bernstein), the keyed hash of the
 * flow table: cheap on short keys and resistant to hash flooding.
 */
#ifndef SYNSCOPE_SIPHASH_H
#define SYNSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t	ss_siphash13(const uint64_t key[2], const void *data, size_t len);
/* The same for exactly 40 bytes (a flow key). */
uint64_t	ss_siphash13_40(const uint64_t key[2], const void *data);

#endif
