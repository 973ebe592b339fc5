/*
 * flow.c - the flow table: a bounded pool of flow records, a seeded hash
 * over canonical keys, and one LRU list per timeout class.
 *
 * Records are allocated in chunks as the table grows and never move, so a
 * flow pointer stays valid until the flow is removed.  Links (hash chain,
 * LRU) are 32-bit pool indices to keep the record small.  The hash chains
 * and a 32-bit tag of each record's hash live apart from the records, in
 * a dense array at the head of each chunk: a lookup compares tags and
 * reads a record only when its tag matches, and unlinking a record from
 * its chain walks that array, not the (cold) records before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "synscope/flow.h"
#include "synscope/siphash.h"

/* AVX-512 for the uids' hash where the compiler can target it */
#if defined(__x86_64__) && !defined(SS_NO_SIMD) && \
    (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 5))
#include <immintrin.h>
#define SS_UID_AVX512 1
#endif

#define CHUNK_SHIFT_MAX 12	/* up to 4096 records per chunk */
#define BUCKETS_FIRST	(1u << 16)	/* the bucket array at first */

struct lru {
	uint32_t	head;	/* most recently seen */
	uint32_t	tail;	/* least recently seen */
	size_t		count;
};

/* A record's place in its hash chain (or the free list). */
struct link {
	uint32_t	next;
	uint32_t	tag;	/* the upper half of its hash */
};

struct chunk {
	struct link	*links;	/* 1 << shift each, records follow */
	struct ss_flow	*recs;
	char		(*uids)[SS_UID_LEN];	/* after the records */
};

struct ss_flow_table {
	struct ss_flow_table_config cfg;
	struct chunk	*chunks;	/* pool, 1 << shift records each */
	uint32_t	 shift;
	uint32_t	 nchunks;
	uint32_t	 maxchunks;
	uint32_t	 used;		/* slots ever handed out (high water) */
	uint32_t	 free_head;	/* free list through the links */
	uint32_t	*buckets;
	uint32_t	 nbuckets;	/* power of two */
	uint32_t	 max_nbuckets;	/* what max_flows needs: the array
					   grows to it (table_grow) */
	struct lru	 lru[SS_FC_COUNT];
	size_t		 count;
	uint64_t	 deadline;	/* no flow expires before this time */
	uint64_t	 evictions;
	uint64_t	 next_id[3];	/* tcp, udp, icmp */
	ss_flow_end_fn	 end_cb;
	void		*end_ctx;
	bool		 heads;		/* half-open flows kept as heads */
};

#define HUGE_PAGE	((size_t)2 << 20)

/*
 * Memory for the pool and the bucket array, which are read at random:
 * allocations of a megabyte or more are rounded up to whole 2 MiB pages,
 * aligned, and offered to the kernel for transparent huge pages, so that
 * a lookup or an eviction costs a cache miss and not also a TLB miss.
 * Smaller ones come from malloc.  Free with free().
 */
static size_t
table_size(size_t size)
{
	if (size < HUGE_PAGE / 2)
		return size;
	return (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

static void *
table_alloc(size_t size)
{
	void *p;

	if (size < HUGE_PAGE / 2)
		return malloc(size);
	size = table_size(size);
	p = aligned_alloc(HUGE_PAGE, size);
#ifdef MADV_HUGEPAGE
	if (p != NULL)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

/*
 * A chunk: its links, then its records from a cache line boundary, then
 * a place for each record's uid made ahead (touched only when one is).
 * The largest chunk must fit in one huge page, or it would take two.
 */
static size_t
links_bytes(uint32_t shift)
{
	return (((size_t)sizeof(struct link) << shift) + 63) & ~(size_t)63;
}

static size_t
chunk_bytes(uint32_t shift)
{
	return links_bytes(shift) + ((size_t)1 << shift) *
	    (sizeof(struct ss_flow) + SS_UID_LEN);
}

_Static_assert(((sizeof(struct link) << CHUNK_SHIFT_MAX) + 63) / 64 * 64 +
    ((size_t)1 << CHUNK_SHIFT_MAX) * (sizeof(struct ss_flow) + SS_UID_LEN) <=
    HUGE_PAGE, "the largest chunk fits in one huge page");

/* The record at pool index i. */
static inline struct ss_flow *
slot(const struct ss_flow_table *ft, uint32_t i)
{
	return &ft->chunks[i >> ft->shift].recs[i & ((1u << ft->shift) - 1)];
}

/* The chain link of pool index i. */
static inline struct link *
link_of(const struct ss_flow_table *ft, uint32_t i)
{
	return &ft->chunks[i >> ft->shift].links[i & ((1u << ft->shift) - 1)];
}

static inline uint32_t
tag_of(uint64_t hash)
{
	return (uint32_t)(hash >> 32);
}

/* Fill a 128-bit key from the system's random source. */
static void
random_seed(uint64_t seed[2])
{
	int fd;
	ssize_t n = -1;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, seed, 2 * sizeof(uint64_t));
		close(fd);
	}
	if (n != (ssize_t)(2 * sizeof(uint64_t))) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed[0] ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		    (uint64_t)getpid();
		seed[1] ^= (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4fULL ^
		    (uint64_t)(uintptr_t)&ts;
	}
}

/* Create a table. */
struct ss_flow_table *
ss_flow_table_new(const struct ss_flow_table_config *cfg)
{
	struct ss_flow_table *ft;
	uint32_t nb = 64;
	int i;

	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	if (ft->cfg.max_flows < 1)
		ft->cfg.max_flows = 1;
	if (ft->cfg.max_flows > (UINT32_MAX >> 1))
		ft->cfg.max_flows = UINT32_MAX >> 1;
	if (ft->cfg.seed[0] == 0 && ft->cfg.seed[1] == 0)
		random_seed(ft->cfg.seed);
	while (nb < ft->cfg.max_flows && nb < (1u << 30))
		nb <<= 1;
	ft->max_nbuckets = nb;
	if (nb > BUCKETS_FIRST)
		nb = BUCKETS_FIRST;
	ft->nbuckets = nb;
	ft->buckets = table_alloc((size_t)nb * sizeof(*ft->buckets));
	/* small tables get one small chunk */
	ft->shift = 0;
	while (ft->shift < CHUNK_SHIFT_MAX &&
	    (1u << ft->shift) < ft->cfg.max_flows)
		ft->shift++;
	ft->maxchunks = (ft->cfg.max_flows + (1u << ft->shift) - 1) >>
	    ft->shift;
	ft->chunks = calloc(ft->maxchunks, sizeof(*ft->chunks));
	if (ft->buckets == NULL || ft->chunks == NULL) {
		free(ft->buckets);
		free(ft->chunks);
		free(ft);
		return NULL;
	}
	memset(ft->buckets, 0xff, (size_t)nb * sizeof(*ft->buckets));
	ft->free_head = SS_NIL;
	ft->deadline = UINT64_MAX;
	for (i = 0; i < SS_FC_COUNT; i++)
		ft->lru[i].head = ft->lru[i].tail = SS_NIL;
	return ft;
}

/* Free a table without calling the end callback. */
void
ss_flow_table_free(struct ss_flow_table *ft)
{
	uint32_t i;

	if (ft == NULL)
		return;
	for (i = 0; i < ft->nchunks; i++)
		free(ft->chunks[i].links);
	free(ft->chunks);
	free(ft->buckets);
	free(ft);
}

/* Set the function told of every flow that leaves the table. */
void
ss_flow_table_set_end_cb(struct ss_flow_table *ft, ss_flow_end_fn fn,
    void *ctx)
{
	ft->end_cb = fn;
	ft->end_ctx = ctx;
}

/* Eight bytes as a big-endian number: integer order is memcmp() order. */
static inline uint64_t
be64_at(const uint8_t *q)
{
	return ((uint64_t)q[0] << 56) | ((uint64_t)q[1] << 48) |
	    ((uint64_t)q[2] << 40) | ((uint64_t)q[3] << 32) |
	    ((uint64_t)q[4] << 24) | ((uint64_t)q[5] << 16) |
	    ((uint64_t)q[6] << 8) | (uint64_t)q[7];
}

/* Eight bytes as a little-endian number (SipHash's reading of them). */
static inline uint64_t
le64_at(const uint8_t *q)
{
	return (uint64_t)q[0] | ((uint64_t)q[1] << 8) |
	    ((uint64_t)q[2] << 16) | ((uint64_t)q[3] << 24) |
	    ((uint64_t)q[4] << 32) | ((uint64_t)q[5] << 40) |
	    ((uint64_t)q[6] << 48) | ((uint64_t)q[7] << 56);
}

/* Four bytes as a little-endian number. */
static inline uint64_t
le32_at(const uint8_t *q)
{
	return (uint64_t)q[0] | ((uint64_t)q[1] << 8) |
	    ((uint64_t)q[2] << 16) | ((uint64_t)q[3] << 24);
}

/*
 * Is endpoint (a, ap) at or below (b, bp)?  Addresses in memcmp() order,
 * compared as two big-endian words, then ports.
 */
static inline bool
ep_le(const struct ss_addr *a, uint16_t ap, const struct ss_addr *b,
    uint16_t bp)
{
	uint64_t x = be64_at(a->a), y = be64_at(b->a);

	if (x != y)
		return x < y;
	x = be64_at(a->a + 8);
	y = be64_at(b->a + 8);
	if (x != y)
		return x < y;
	return ap <= bp;
}

/* ICMP type that answers (or is answered by) t; Zeek's "counterpart". */
static uint16_t
icmp_counterpart(uint8_t family, uint8_t type, uint8_t code)
{
	if (family == 4) {
		switch (type) {
		case 8: return 0;	/* echo */
		case 0: return 8;
		case 13: return 14;	/* timestamp */
		case 14: return 13;
		case 15: return 16;	/* information */
		case 16: return 15;
		case 17: return 18;	/* address mask */
		case 18: return 17;
		case 10: return 9;	/* router solicitation */
		case 9: return 10;
		default: return code;
		}
	}
	switch (type) {
	case 128: return 129;	/* echo */
	case 129: return 128;
	case 133: return 134;	/* router solicitation / advertisement */
	case 134: return 133;
	case 135: return 136;	/* neighbour solicitation / advertisement */
	case 136: return 135;
	case 130: return 131;	/* multicast listener query / report */
	case 131: return 130;
	default: return code;
	}
}

/*
 * A key's last eight bytes (ports, protocol, family, padding), on a
 * little-endian machine in one store: a hash or a uid made at once from
 * the new key reads them as one word, and a load that spans several
 * smaller stores waits until they reach the cache.
 */
static inline void
key_tail(struct ss_flow_key *k, uint16_t lo_port, uint16_t hi_port,
    uint8_t proto, uint8_t family)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t t = (uint64_t)lo_port | ((uint64_t)hi_port << 16) |
	    ((uint64_t)proto << 32) | ((uint64_t)family << 40);

	_Static_assert(offsetof(struct ss_flow_key, lo_port) == 32 &&
	    offsetof(struct ss_flow_key, hi_port) == 34 &&
	    offsetof(struct ss_flow_key, proto) == 36 &&
	    offsetof(struct ss_flow_key, family) == 37 &&
	    offsetof(struct ss_flow_key, pad) == 38, "the key's last word");
	memcpy((char *)k + offsetof(struct ss_flow_key, lo_port), &t,
	    sizeof(t));
#else
	k->lo_port = lo_port;
	k->hi_port = hi_port;
	k->proto = proto;
	k->family = family;
	k->pad[0] = k->pad[1] = 0;
#endif
}

/* Build the canonical key of a packet's flow. */
bool
ss_flow_key_of(const struct ss_packet *p, struct ss_flow_key *k,
    bool *from_lo)
{
	uint16_t sp, dp;
	uint8_t proto;

	if (p->family == 0 || p->frag_offset != 0)
		return false;
	if (p->outcome != SS_DEC_OK && p->outcome != SS_DEC_TRUNCATED)
		return false;
	switch (p->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		/* a header cut before its ports is not tracked */
		if (p->outcome == SS_DEC_TRUNCATED && p->l4_len != 0 &&
		    p->caplen != 0 && p->sport == 0 && p->dport == 0)
			return false;
		sp = p->sport;
		dp = p->dport;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (p->outcome != SS_DEC_OK)
			return false;
		sp = p->icmp_type;
		dp = icmp_counterpart(p->family, p->icmp_type, p->icmp_code);
		break;
	default:
		return false;
	}
	proto = p->proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : p->proto;
	if (ep_le(&p->src, sp, &p->dst, dp)) {
		k->lo = p->src;
		k->hi = p->dst;
		key_tail(k, sp, dp, proto, p->family);
		*from_lo = true;
	} else {
		k->lo = p->dst;
		k->hi = p->src;
		key_tail(k, dp, sp, proto, p->family);
		*from_lo = false;
	}
	return true;
}

/*
 * Hash a key under the table's secret: SipHash-1-3 of its significant
 * bytes only.  An IPv4 key is 13 bytes (the two addresses, the two ports,
 * the protocol: one compression round and the final block), an IPv6 key
 * 37; the family follows from the length, and the rest of the 40 bytes
 * is zero.  The input is formed from the fields, not the memory layout.
 */
uint64_t
ss_flow_hash(const struct ss_flow_table *ft, const struct ss_flow_key *k)
{
	return ss_flow_key_hash(ft->cfg.seed, k);
}

/* The table's hash key. */
const uint64_t *
ss_flow_seed(const struct ss_flow_table *ft)
{
	return ft->cfg.seed;
}

/* The flow hash under a given key. */
uint64_t
ss_flow_key_hash(const uint64_t seed[2], const struct ss_flow_key *k)
{
	uint64_t w[4], tail;

	_Static_assert(sizeof(*k) == 40, "flow key is 40 bytes");
	tail = (uint64_t)k->lo_port | ((uint64_t)k->hi_port << 16) |
	    ((uint64_t)k->proto << 32);
	if (k->family == 4) {
		w[0] = le32_at(k->lo.a) | (le32_at(k->hi.a) << 32);
		return ss_siphash13_words(seed, w, 1, tail, 13);
	}
	w[0] = le64_at(k->lo.a);
	w[1] = le64_at(k->lo.a + 8);
	w[2] = le64_at(k->hi.a);
	w[3] = le64_at(k->hi.a + 8);
	return ss_siphash13_words(seed, w, 4, tail, 37);
}

/* Prefetch the bucket of a hash. */
void
ss_flow_prefetch_bucket(const struct ss_flow_table *ft, uint64_t hash)
{
	__builtin_prefetch(&ft->buckets[hash & (ft->nbuckets - 1)]);
}

/* Ask the memory system for the first n bytes' lines of a flow record. */
static inline void
prefetch_span(const struct ss_flow *f, size_t n)
{
	const char *p = (const char *)f;
	size_t off;

	for (off = 0; off < n; off += 64)
		__builtin_prefetch(p + off);
}

/* ... for all of them. */
static inline void
prefetch_lines(const struct ss_flow *f)
{
	prefetch_span(f, sizeof(*f));
}

/*
 * ... for those of a flow of class fclass about to be evicted: its head,
 * when its class's flows are mostly kept as heads.
 */
static inline void
prefetch_victim(const struct ss_flow_table *ft, const struct ss_flow *f,
    uint8_t fclass)
{
	prefetch_span(f, ft->heads && fclass == SS_FC_TCP_HALFOPEN ?
	    SS_FLOW_HEAD : sizeof(*f));
}

/* Prefetch the record of a hash's chain whose tag matches, all its lines. */
void
ss_flow_prefetch_flow(const struct ss_flow_table *ft, uint64_t hash)
{
	uint32_t i = ft->buckets[hash & (ft->nbuckets - 1)];
	uint32_t tag = tag_of(hash);
	const struct link *l;

	for (; i != SS_NIL; i = l->next) {
		l = link_of(ft, i);
		if (l->tag == tag) {
			prefetch_lines(slot(ft, i));
			return;
		}
	}
}

/* The place for a flow's uid made ahead, beside its record. */
char *
ss_flow_uid_place(struct ss_flow_table *ft, const struct ss_flow *f)
{
	return ft->chunks[f->self >> ft->shift].uids[f->self &
	    ((1u << ft->shift) - 1)];
}

/* Find a flow by key. */
struct ss_flow *
ss_flow_lookup(struct ss_flow_table *ft, const struct ss_flow_key *k,
    uint64_t hash)
{
	uint32_t i = ft->buckets[hash & (ft->nbuckets - 1)];
	uint32_t tag = tag_of(hash);
	const struct link *l;
	struct ss_flow *f;

	for (; i != SS_NIL; i = l->next) {
		l = link_of(ft, i);
		if (l->tag != tag)
			continue;
		f = slot(ft, i);
		if (memcmp(&f->key, k, sizeof(*k)) == 0)
			return f;
	}
	return NULL;
}

/* Time at which a flow last seen at t expires in class c. */
static inline uint64_t
expiry_of(const struct ss_flow_table *ft, uint64_t t, uint8_t c)
{
	uint64_t to = ft->cfg.timeout_ns[c];

	return t > UINT64_MAX - to ? UINT64_MAX : t + to;
}

/* Put a flow at the head of its class list. */
static void
lru_link(struct ss_flow_table *ft, struct ss_flow *f)
{
	struct lru *l = &ft->lru[f->fclass];
	uint64_t dl = expiry_of(ft, f->last_ns, f->fclass);

	/* keep the earliest possible expiry: the check per packet is O(1) */
	if (dl < ft->deadline)
		ft->deadline = dl;

	f->lru_prev = SS_NIL;
	f->lru_next = l->head;
	if (l->head != SS_NIL)
		slot(ft, l->head)->lru_prev = f->self;
	else
		l->tail = f->self;
	l->head = f->self;
	l->count++;
}

/* Take a flow out of its class list. */
static void
lru_unlink(struct ss_flow_table *ft, struct ss_flow *f)
{
	struct lru *l = &ft->lru[f->fclass];

	if (f->lru_prev != SS_NIL)
		slot(ft, f->lru_prev)->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next != SS_NIL)
		slot(ft, f->lru_next)->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	l->count--;
}

/* Take a flow out of its hash chain. */
static void
hash_unlink(struct ss_flow_table *ft, struct ss_flow *f)
{
	uint32_t *pi = &ft->buckets[f->hash_lo & (ft->nbuckets - 1)];

	while (*pi != SS_NIL) {
		if (*pi == f->self) {
			*pi = link_of(ft, f->self)->next;
			return;
		}
		pi = &link_of(ft, *pi)->next;
	}
}

/* Remove a flow, telling the end callback first. */
void
ss_flow_remove(struct ss_flow_table *ft, struct ss_flow *f,
    enum ss_flow_end why)
{
	f->end = (uint8_t)why;
	/*
	 * An expiring flow's bucket and LRU neighbours are cold: ask for
	 * them now, so that they arrive while its record is written.  The
	 * newer neighbour is the next to expire in its class: all of it.
	 */
	__builtin_prefetch(&ft->buckets[f->hash_lo & (ft->nbuckets - 1)], 1);
	if (f->lru_prev != SS_NIL)
		prefetch_victim(ft, slot(ft, f->lru_prev), f->fclass);
	if (f->lru_next != SS_NIL)
		__builtin_prefetch(&slot(ft, f->lru_next)->lru_prev, 1);
	if (ft->end_cb != NULL)
		ft->end_cb(ft->end_ctx, f);
	hash_unlink(ft, f);
	lru_unlink(ft, f);
	f->fclass = SS_FC_FREE;
	link_of(ft, f->self)->next = ft->free_head;
	ft->free_head = f->self;
	ft->count--;
}

/*
 * When one eviction comes, more follow (a flood, a scan): the next
 * victims are the LRU neighbours of this one, old and cold.  Ask for the
 * next one's bucket (its record was asked for at the last eviction, so
 * reading where its bucket is costs nothing) and for the record of the
 * one after it, so that each eviction finds its victim in the cache.
 */
static void
prefetch_victims(const struct ss_flow_table *ft, const struct ss_flow *f)
{
	const struct ss_flow *next;

	if (f->lru_prev == SS_NIL)
		return;
	next = slot(ft, f->lru_prev);
	__builtin_prefetch(&ft->buckets[next->hash_lo & (ft->nbuckets - 1)]);
	if (next->lru_prev != SS_NIL)
		prefetch_victim(ft, slot(ft, next->lru_prev), f->fclass);
}

/* Do half-open connections hold at least 1/16 of the table (a flood)? */
bool
ss_flow_syn_flood(const struct ss_flow_table *ft)
{
	size_t flood = ft->cfg.max_flows / 16;

	return ft->lru[SS_FC_TCP_HALFOPEN].count >= (flood > 0 ? flood : 1);
}

/* Evict a flow to make room. */
static void
evict(struct ss_flow_table *ft, struct ss_flow *f)
{
	ft->evictions++;
	prefetch_victims(ft, f);
	ss_flow_remove(ft, f, SS_END_EVICTED);
}

/*
 * Evict one flow to make room.  Closed and TIME-WAIT connections go
 * first, oldest first: their story is complete.  Half-open ones go next,
 * but only while they hold at least 1/16 of the table: that many
 * unanswered SYNs is a flood, and its oldest SYN goes.  Fewer are
 * handshakes in flight; then the least recently seen flow of any class
 * goes, so that a table full of established connections does not evict
 * every new connection attempt before its SYN-ACK arrives.
 */
static void
evict_one(struct ss_flow_table *ft)
{
	static const uint8_t done[] = { SS_FC_TCP_CLOSED, SS_FC_TCP_TIMEWAIT };
	struct ss_flow *f, *best = NULL;
	size_t i;

	for (i = 0; best == NULL && i < sizeof(done); i++)
		if (ft->lru[done[i]].tail != SS_NIL)
			best = slot(ft, ft->lru[done[i]].tail);
	if (best == NULL && ft->lru[SS_FC_TCP_HALFOPEN].tail != SS_NIL &&
	    ss_flow_syn_flood(ft))
		best = slot(ft, ft->lru[SS_FC_TCP_HALFOPEN].tail);
	if (best == NULL) {
		/* the least recently seen: the oldest of the classes' tails */
		for (i = 0; i < SS_FC_COUNT; i++) {
			if (ft->lru[i].tail == SS_NIL)
				continue;
			f = slot(ft, ft->lru[i].tail);
			if (best == NULL || f->last_ns < best->last_ns)
				best = f;
		}
	}
	if (best != NULL)
		evict(ft, best);
}

/*
 * Half-open connections may hold at most an eighth of the table, as a SYN
 * cache keeps them apart from established connections (FreeBSD's
 * syncache, Linux's SYN backlog): past that, a new connection attempt
 * (a flow created in that class: the engine creates a bare SYN's flow
 * so) takes the place of the oldest one, whether the table is full or
 * not.  A SYN flood then uses an eighth of the table's memory and cache,
 * and the rest stays for connections that were answered.
 */
static size_t
halfopen_max(const struct ss_flow_table *ft)
{
	size_t m = ft->cfg.max_flows / 8;

	return m > 0 ? m : 1;
}

/* Take a free slot, growing the pool by a chunk when needed. */
static struct ss_flow *
alloc_slot(struct ss_flow_table *ft)
{
	struct ss_flow *f;
	struct chunk *c;
	uint32_t i;

	if (ft->free_head != SS_NIL) {
		f = slot(ft, ft->free_head);
		ft->free_head = link_of(ft, ft->free_head)->next;
		return f;
	}
	if (ft->used >= ft->cfg.max_flows)
		return NULL;
	if ((ft->used >> ft->shift) >= ft->nchunks) {
		if (ft->nchunks >= ft->maxchunks)
			return NULL;
		c = &ft->chunks[ft->nchunks];
		c->links = table_alloc(chunk_bytes(ft->shift));
		if (c->links == NULL)
			return NULL;
		c->recs = (struct ss_flow *)(void *)((char *)c->links +
		    links_bytes(ft->shift));
		c->uids = (char (*)[SS_UID_LEN])(void *)(c->recs +
		    ((size_t)1 << ft->shift));
		ft->nchunks++;
	}
	i = ft->used++;
	f = slot(ft, i);
	f->self = i;
	return f;
}

/*
 * Double the bucket array, once there are more flows than buckets.  It
 * starts at BUCKETS_FIRST (256 KiB), not at what max_flows needs: a
 * capture of a few thousand flows then never touches megabytes of it,
 * and its buckets stay in the cache.  Each flow keeps the low half of its
 * hash, so the new array is filled in one pass over the pool, in order,
 * without hashing a key again.  Out of memory, the array stays as it is
 * (its chains only grow longer).
 */
static void
table_grow(struct ss_flow_table *ft)
{
	uint32_t nb = ft->nbuckets * 2, i, b, *nbk;
	struct ss_flow *f;

	nbk = table_alloc((size_t)nb * sizeof(*nbk));
	if (nbk == NULL)
		return;
	memset(nbk, 0xff, (size_t)nb * sizeof(*nbk));
	for (i = 0; i < ft->used; i++) {
		f = slot(ft, i);
		if (f->fclass == SS_FC_FREE)
			continue;
		b = f->hash_lo & (nb - 1);
		link_of(ft, i)->next = nbk[b];
		nbk[b] = i;
	}
	free(ft->buckets);
	ft->buckets = nbk;
	ft->nbuckets = nb;
}

/*
 * Zero a record with plain vector stores, a line at a time: as one
 * memset() of its 480 bytes the compiler emits "rep stos", whose start-up
 * costs more than the stores, and the key written right after it waits
 * for it (a third of engine_process's samples in a SYN flood).
 */
static inline void
zero_record(struct ss_flow *f, size_t n)
{
	char *p = (char *)f;
	size_t i;

	_Static_assert(sizeof(*f) % 32 == 0, "a record is whole 32-byte runs");
	_Static_assert(SS_FLOW_HEAD % 64 == 0, "a head is whole lines");
	for (i = 0; i + 64 <= n; i += 64) {
		memset(p + i, 0, 32);
		memset(p + i + 32, 0, 32);
		__asm__("" : : "r"(p) : "memory");
	}
	if (i < n)
		memset(p + i, 0, 32);
}

/* Create a flow for an absent key: the whole record, or its head only. */
static inline struct ss_flow *
flow_create(struct ss_flow_table *ft, const struct ss_flow_key *k,
    uint64_t hash, uint64_t now_ns, uint8_t fclass, bool head)
{
	struct ss_flow *f;
	uint32_t self, b;

	if (fclass == SS_FC_TCP_HALFOPEN &&
	    ft->lru[SS_FC_TCP_HALFOPEN].count >= halfopen_max(ft))
		evict(ft, slot(ft, ft->lru[SS_FC_TCP_HALFOPEN].tail));
	else if (ft->count >= ft->cfg.max_flows)
		evict_one(ft);
	f = alloc_slot(ft);
	if (f == NULL) {
		/* out of memory: make room rather than fail */
		if (ft->count == 0)
			return NULL;
		evict_one(ft);
		if ((f = alloc_slot(ft)) == NULL)
			return NULL;
	}
	self = f->self;
	zero_record(f, head ? SS_FLOW_HEAD : sizeof(*f));
	f->self = self;
	f->lazy = head;
	f->key = *k;
	f->fclass = fclass;
	f->first_ns = f->last_ns = now_ns;
	f->id = ss_flow_next_id(ft, k->proto);
	f->hash_lo = (uint32_t)hash;
	b = (uint32_t)(hash & (ft->nbuckets - 1));
	link_of(ft, self)->next = ft->buckets[b];
	link_of(ft, self)->tag = tag_of(hash);
	ft->buckets[b] = self;
	lru_link(ft, f);
	ft->count++;
	if (ft->count > ft->nbuckets && ft->nbuckets < ft->max_nbuckets)
		table_grow(ft);
	return f;
}

struct ss_flow *
ss_flow_create(struct ss_flow_table *ft, const struct ss_flow_key *k,
    uint64_t hash, uint64_t now_ns, uint8_t fclass)
{
	return flow_create(ft, k, hash, now_ns, fclass, false);
}

struct ss_flow *
ss_flow_create_head(struct ss_flow_table *ft, const struct ss_flow_key *k,
    uint64_t hash, uint64_t now_ns)
{
	return flow_create(ft, k, hash, now_ns, SS_FC_TCP_HALFOPEN, true);
}

void
ss_flow_table_set_heads(struct ss_flow_table *ft, bool on)
{
	ft->heads = on;
}

/* Mark a flow seen and move it to the head of its (new) class. */
void
ss_flow_touch(struct ss_flow_table *ft, struct ss_flow *f, uint64_t now_ns,
    uint8_t fclass)
{
	if (now_ns > f->last_ns)
		f->last_ns = now_ns;
	if (ft->lru[f->fclass].head == f->self && f->fclass == fclass) {
		if (f->lru_next == SS_NIL) {	/* the only one: also the tail */
			uint64_t dl = expiry_of(ft, f->last_ns, fclass);

			if (dl < ft->deadline)
				ft->deadline = dl;
		}
		return;
	}
	lru_unlink(ft, f);
	f->fclass = fclass;
	lru_link(ft, f);
}

/* Expire flows whose class timeout has passed. */
size_t
ss_flow_expire(struct ss_flow_table *ft, uint64_t now_ns, size_t limit)
{
	size_t n = 0;
	struct ss_flow *f;
	uint64_t next = UINT64_MAX, dl;
	int c;

	if (now_ns <= ft->deadline)
		return 0;
	for (c = 0; c < SS_FC_COUNT; c++) {
		uint64_t to = ft->cfg.timeout_ns[c];

		while (ft->lru[c].tail != SS_NIL) {
			f = slot(ft, ft->lru[c].tail);
			if (now_ns <= f->last_ns || now_ns - f->last_ns <= to)
				break;
			ss_flow_remove(ft, f, SS_END_IDLE);
			n++;
			if (limit != 0 && n >= limit) {
				ft->deadline = 0;	/* more may be due */
				return n;
			}
		}
	}
	/* the earliest expiry left: the tails of the classes */
	for (c = 0; c < SS_FC_COUNT; c++) {
		if (ft->lru[c].tail == SS_NIL)
			continue;
		dl = expiry_of(ft, slot(ft, ft->lru[c].tail)->last_ns,
		    (uint8_t)c);
		if (dl < next)
			next = dl;
	}
	ft->deadline = next;
	return n;
}

/* Remove every flow, the least recently seen first. */
void
ss_flow_flush(struct ss_flow_table *ft, enum ss_flow_end why)
{
	struct ss_flow *best, *f;
	int c;

	for (;;) {
		best = NULL;
		for (c = 0; c < SS_FC_COUNT; c++) {
			if (ft->lru[c].tail == SS_NIL)
				continue;
			f = slot(ft, ft->lru[c].tail);
			if (best == NULL || f->last_ns < best->last_ns ||
			    (f->last_ns == best->last_ns &&
			    f->first_ns < best->first_ns))
				best = f;
		}
		if (best == NULL)
			return;
		ss_flow_remove(ft, best, why);
	}
}

/* Flows in the table. */
size_t
ss_flow_count(const struct ss_flow_table *ft)
{
	return ft->count;
}

/* Flows in one class. */
size_t
ss_flow_class_count(const struct ss_flow_table *ft, enum ss_flow_class c)
{
	return c < SS_FC_COUNT ? ft->lru[c].count : 0;
}

/* Flows evicted because the table was full. */
uint64_t
ss_flow_evictions(const struct ss_flow_table *ft)
{
	return ft->evictions;
}

/* Next stream number of a protocol. */
uint64_t
ss_flow_next_id(struct ss_flow_table *ft, uint8_t proto)
{
	int i = proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : 2;

	return ft->next_id[i]++;
}

/* Iterate over live flows in pool order. */
struct ss_flow *
ss_flow_iter(struct ss_flow_table *ft, uint32_t *cursor)
{
	struct ss_flow *f;

	while (*cursor < ft->used) {
		f = slot(ft, (*cursor)++);
		if (f->fclass != SS_FC_FREE)
			return f;
	}
	return NULL;
}

/* Memory held by the table. */
size_t
ss_flow_table_memory(const struct ss_flow_table *ft)
{
	return sizeof(*ft) +
	    table_size((size_t)ft->nbuckets * sizeof(*ft->buckets)) +
	    (size_t)ft->maxchunks * sizeof(*ft->chunks) +
	    ft->nchunks * table_size(chunk_bytes(ft->shift));
}

/* Which side of a flow sent a packet of it. */
int
ss_packet_side(const struct ss_flow *f, const struct ss_packet *p)
{
	const struct ss_addr *o = ss_flow_addr(f, 0);

	if (memcmp(p->src.a, o->a, sizeof(o->a)) != 0)
		return 1;
	if (f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP)
		return p->sport == ss_flow_port(f, 0) ? 0 : 1;
	return 0;
}

/*
 * Role name of a side: for TCP the end that sent (or was inferred to
 * send) the SYN is the client, the one that answered it the server;
 * otherwise the originator is the client.
 */
const char *
ss_role_name(const struct ss_flow *f, int side)
{
	const struct ss_tcp_dir *d;

	if (f->key.proto == IPPROTO_TCP) {
		/* a simultaneous open: both sent a SYN, the originator leads */
		if (f->u.tcp.dir[0].syn && f->u.tcp.dir[1].syn)
			return side == 0 ? "client" : "server";
		d = &f->u.tcp.dir[side];
		if (d->syn && !d->synack)
			return "client";
		if (d->synack && !d->syn)
			return "server";
		d = &f->u.tcp.dir[1 - side];
		if (d->syn && !d->synack)
			return "server";
		if (d->synack && !d->syn)
			return "client";
	}
	return side == 0 ? "client" : "server";
}

/* The key of the uids' hash. */
static const uint64_t uid_key[2] = { 0x73796e73636f7065ULL,
    0x636f6e6e2d756964ULL };

#ifdef SS_UID_AVX512
/*
 * A SipHash round in every 64-bit lane of v0..v3, with the intrinsics of
 * one register width: P the prefix (_mm, _mm512), XOR its xor.  With
 * AVX-512's rotates a round is fourteen instructions for all the lanes,
 * where one scalar run takes fourteen for one.
 */
#define UID_ROUND(P, XOR, v0, v1, v2, v3) do {				\
	v0 = P##_add_epi64(v0, v1); v1 = P##_rol_epi64(v1, 13);		\
	v1 = XOR(v1, v0); v0 = P##_shuffle_epi32(v0, (_MM_PERM_ENUM)0xb1); \
	v2 = P##_add_epi64(v2, v3); v3 = P##_rol_epi64(v3, 16);		\
	v3 = XOR(v3, v2);						\
	v0 = P##_add_epi64(v0, v3); v3 = P##_rol_epi64(v3, 21);		\
	v3 = XOR(v3, v0);						\
	v2 = P##_add_epi64(v2, v1); v1 = P##_rol_epi64(v1, 17);		\
	v1 = XOR(v1, v2); v2 = P##_shuffle_epi32(v2, (_MM_PERM_ENUM)0xb1); \
} while (0)
#define UID_ROUND2(v0, v1, v2, v3)	UID_ROUND(_mm, _mm_xor_si128, \
					    v0, v1, v2, v3)
#define UID_ROUND8(v0, v1, v2, v3)	UID_ROUND(_mm512, _mm512_xor_si512, \
					    v0, v1, v2, v3)

/*
 * The uid's two SipHash-1-3 values at once, one in each 64-bit lane of
 * the state: the same values as two runs of ss_siphash13_words().
 */
__attribute__((target("avx512f,avx512vl")))
static void
uid_hashes_avx512(const uint64_t w[7], uint64_t *h1, uint64_t *h2)
{
	__m128i v0, v1, v2, v3, m;
	int i;

	v0 = _mm_set1_epi64x((long long)(0x736f6d6570736575ULL ^ uid_key[0]));
	v1 = _mm_set1_epi64x((long long)(0x646f72616e646f6dULL ^ uid_key[1]));
	v2 = _mm_set1_epi64x((long long)(0x6c7967656e657261ULL ^ uid_key[0]));
	v3 = _mm_set1_epi64x((long long)(0x7465646279746573ULL ^ uid_key[1]));
	for (i = 0; i < 8; i++) {
		if (i == 0)		/* the second value's first byte differs */
			m = _mm_set_epi64x((long long)(w[0] ^ 0x5a),
			    (long long)w[0]);
		else if (i < 7)
			m = _mm_set1_epi64x((long long)w[i]);
		else			/* the last block: the length, 56 */
			m = _mm_set1_epi64x((long long)(56ULL << 56));
		v3 = _mm_xor_si128(v3, m);
		UID_ROUND2(v0, v1, v2, v3);
		v0 = _mm_xor_si128(v0, m);
	}
	v2 = _mm_xor_si128(v2, _mm_set1_epi64x(0xff));
	UID_ROUND2(v0, v1, v2, v3);
	UID_ROUND2(v0, v1, v2, v3);
	UID_ROUND2(v0, v1, v2, v3);
	v0 = _mm_xor_si128(_mm_xor_si128(v0, v1), _mm_xor_si128(v2, v3));
	*h1 = (uint64_t)_mm_cvtsi128_si64(v0);
	*h2 = (uint64_t)_mm_extract_epi64(v0, 1);
}
#endif

/*
 * The uid's two hashes of the words w (the second with w[0] ^ 0x5a),
 * with AVX-512 when vector is true and the CPU has it.
 */
static inline void
uid_hashes(uint64_t w[7], uint64_t *h1, uint64_t *h2, bool vector)
{
#ifdef SS_UID_AVX512
	if (vector && __builtin_cpu_supports("avx512f") &&
	    __builtin_cpu_supports("avx512vl")) {
		uid_hashes_avx512(w, h1, h2);
		return;
	}
#else
	(void)vector;
#endif
	/* inline and independent, so the two run side by side */
	*h1 = ss_siphash13_words(uid_key, w, 7, 0, 56);
	w[0] ^= 0x5a;
	*h2 = ss_siphash13_words(uid_key, w, 7, 0, 56);
}

#ifdef SS_UID_AVX512
/*
 * The two hashes of SS_UID_BATCH uids in one pass: lane 2j holds uid j's
 * first SipHash-1-3 state, lane 2j + 1 its second, as uid_hashes_avx512()
 * holds one uid's in two lanes.  A round's instructions are as many for
 * four uids as for one, and its chain of dependent steps as long.
 */
__attribute__((target("avx512f")))
static void
uid_hashes4_avx512(const uint64_t m[7][2 * SS_UID_BATCH],
    uint64_t h[2 * SS_UID_BATCH])
{
	__m512i v0, v1, v2, v3, w;
	int i;

	_Static_assert(SS_UID_BATCH == 4, "eight 64-bit lanes");
	v0 = _mm512_set1_epi64((long long)(0x736f6d6570736575ULL ^ uid_key[0]));
	v1 = _mm512_set1_epi64((long long)(0x646f72616e646f6dULL ^ uid_key[1]));
	v2 = _mm512_set1_epi64((long long)(0x6c7967656e657261ULL ^ uid_key[0]));
	v3 = _mm512_set1_epi64((long long)(0x7465646279746573ULL ^ uid_key[1]));
	for (i = 0; i < 8; i++) {
		if (i < 7)
			w = _mm512_loadu_si512(m[i]);
		else			/* the last block: the length, 56 */
			w = _mm512_set1_epi64((long long)(56ULL << 56));
		v3 = _mm512_xor_si512(v3, w);
		UID_ROUND8(v0, v1, v2, v3);
		v0 = _mm512_xor_si512(v0, w);
	}
	v2 = _mm512_xor_si512(v2, _mm512_set1_epi64(0xff));
	UID_ROUND8(v0, v1, v2, v3);
	UID_ROUND8(v0, v1, v2, v3);
	UID_ROUND8(v0, v1, v2, v3);
	v0 = _mm512_xor_si512(_mm512_xor_si512(v0, v1),
	    _mm512_xor_si512(v2, v3));
	_mm512_storeu_si512(h, v0);
}
#endif

static const char uid_digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * Every number below 62^2 as two base-62 digits, the lower one first,
 * made by the compiler: entry i of 4096 (those from 3844 on unused).
 */
#define UID_D(d)	(char)((d) < 10 ? '0' + (d) : (d) < 36 ? \
			    'A' + (d) - 10 : 'a' + (d) - 36)
#define UID_P1(i)	{ UID_D((i) % 62), UID_D((i) / 62 % 62) }
#define UID_P2(i)	UID_P1(i), UID_P1((i) + 1)
#define UID_P4(i)	UID_P2(i), UID_P2((i) + 2)
#define UID_P8(i)	UID_P4(i), UID_P4((i) + 4)
#define UID_P16(i)	UID_P8(i), UID_P8((i) + 8)
#define UID_P32(i)	UID_P16(i), UID_P16((i) + 16)
#define UID_P64(i)	UID_P32(i), UID_P32((i) + 32)
#define UID_P128(i)	UID_P64(i), UID_P64((i) + 64)
#define UID_P256(i)	UID_P128(i), UID_P128((i) + 128)
#define UID_P512(i)	UID_P256(i), UID_P256((i) + 256)
#define UID_P1024(i)	UID_P512(i), UID_P512((i) + 512)
#define UID_P2048(i)	UID_P1024(i), UID_P1024((i) + 1024)
static const char uid_pairs[4096][2] = {
	UID_P2048(0), UID_P2048(2048)
};

/* The five base-62 digits of x < 62^5, the lowest first. */
static inline void
uid_five(char *p, uint32_t x)
{
	uint32_t q = x / (62 * 62), r = q / (62 * 62);

	memcpy(p, uid_pairs[x - q * (62 * 62)], 2);
	memcpy(p + 2, uid_pairs[q - r * (62 * 62)], 2);
	p[4] = uid_digits[r];
}

/*
 * The uid's text from its two hashes: the low ten base-62 digits of h1
 * and the low seven of h2, least significant first, in independent runs
 * of five (or two) digits, each over 32 bits and two digits at a time.
 */
static inline void
uid_digits62(char buf[SS_UID_LEN], uint64_t h1, uint64_t h2)
{
	const uint32_t p5 = 62u * 62 * 62 * 62 * 62;

	buf[0] = 'C';
	uid_five(buf + 1, (uint32_t)(h1 % p5));
	uid_five(buf + 6, (uint32_t)(h1 / p5 % p5));
	uid_five(buf + 11, (uint32_t)(h2 % p5));
	memcpy(buf + 16, uid_pairs[h2 / p5 % (62 * 62)], 2);
}

/*
 * A uid in Zeek's form: "C" and 17 base-62 digits.  It is derived from
 * a flow's key, start time and number under a fixed key, so the same
 * capture always gives the same uids (Zeek's are random per run).
 */
static inline void
uid_text(const struct ss_flow_key *k, uint64_t first_ns, uint64_t id,
    char buf[SS_UID_LEN], bool vector)
{
	uint64_t w[7], h1, h2;

	/*
	 * Two SipHash-1-3 values of the key, start time and number (56
	 * bytes), the second with the first byte changed.
	 */
	_Static_assert(sizeof(*k) == 40, "flow key is 40 bytes");
	memcpy(w, k, sizeof(*k));
	w[5] = first_ns;
	w[6] = id;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (int i = 0; i < 7; i++)	/* SipHash reads little-endian words */
		w[i] = __builtin_bswap64(w[i]);
#endif
	uid_hashes(w, &h1, &h2, vector);
	uid_digits62(buf, h1, h2);
}

void
ss_uid_text(const struct ss_flow_key *k, uint64_t first_ns, uint64_t id,
    char buf[SS_UID_LEN])
{
	uid_text(k, first_ns, id, buf, true);
}

/* The same with the vector hash allowed or not (tests compare both). */
void
ss_uid_text_hash(const struct ss_flow_key *k, uint64_t first_ns, uint64_t id,
    char buf[SS_UID_LEN], bool vector)
{
	uid_text(k, first_ns, id, buf, vector);
}

/* Can this CPU hash four uids at once? */
static inline bool
uid_batch_vector(void)
{
#ifdef SS_UID_AVX512
	return __builtin_cpu_supports("avx512f");
#else
	return false;
#endif
}

/* Queue a uid, its text for out (made at once without AVX-512). */
void
ss_uid_batch_add(struct ss_uid_batch *b, const struct ss_flow_key *k,
    uint64_t first_ns, uint64_t id, char *out)
{
	uint64_t w[7];
	unsigned j = b->n, i;

	if (!uid_batch_vector()) {
		uid_text(k, first_ns, id, out, false);
		return;
	}
	memcpy(w, k, sizeof(*k));	/* x86: the words as SipHash reads */
	w[5] = first_ns;
	w[6] = id;
	for (i = 0; i < 7; i++) {
		b->m[i][2 * j] = w[i];
		b->m[i][2 * j + 1] = w[i];
	}
	b->m[0][2 * j + 1] ^= 0x5a;	/* the second hash's first byte */
	b->out[j] = out;
	if (++b->n == SS_UID_BATCH)
		ss_uid_batch_run(b);
}

/* Make the queued uids. */
void
ss_uid_batch_run(struct ss_uid_batch *b)
{
#ifdef SS_UID_AVX512
	uint64_t h[2 * SS_UID_BATCH];
	unsigned j;

	if (b->n == 0)
		return;
	/* lanes not queued hash what they hold: their results are unused */
	uid_hashes4_avx512((const uint64_t (*)[2 * SS_UID_BATCH])b->m, h);
	for (j = 0; j < b->n; j++)
		uid_digits62(b->out[j], h[2 * j], h[2 * j + 1]);
#endif
	b->n = 0;
}
