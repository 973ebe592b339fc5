/*
 * flow.h - the flow table: one record per TCP connection, UDP flow or
 * ICMP exchange, found in O(1) from either direction.
 *
 * The key is canonical (the lower address/port first) so both directions
 * hash alike; a flow remembers which side is its originator.  The hash is
 * SipHash-1-3 with a per-run random key, so crafted traffic cannot aim at
 * one chain.  Records live in a bounded pool (--max-flows); when it is full
 * the least recently seen flow of the cheapest class (half-open first) is
 * evicted and counted.  Idle timeouts run on packet time, per class, from
 * one LRU list per class so that expiry costs O(1) per packet.
 */
#ifndef SYNSCOPE_FLOW_H
#define SYNSCOPE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synscope/decode.h"
#include "synscope/tcp.h"

#define SS_NIL UINT32_MAX	/* "no record" in index links */
#define SS_FC_FREE 0xff	/* fclass of a free pool slot */

/* Canonical flow key: 40 bytes, no padding holes (compared whole). */
struct ss_flow_key {
	struct ss_addr	lo;	/* the lower (address, port) endpoint */
	struct ss_addr	hi;
	uint16_t	lo_port;
	uint16_t	hi_port;
	uint8_t		proto;	/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6) */
	uint8_t		family;	/* 4 or 6 */
	uint8_t		pad[2];
};

/*
 * Timeout classes: each has its own LRU list and idle timeout.  Under
 * memory pressure the classes are evicted in this order.
 */
enum ss_flow_class {
	SS_FC_TCP_HALFOPEN = 0,	/* a SYN seen, no answer yet */
	SS_FC_TCP_CLOSED,	/* reset, or both ends CLOSED: lingers briefly */
	SS_FC_TCP_TIMEWAIT,	/* an end in TIME-WAIT: 2MSL on packet time */
	SS_FC_ICMP,
	SS_FC_UDP,
	SS_FC_TCP_OPEN,		/* everything else TCP */
	SS_FC_COUNT
};

/* Per-direction counters; [0] is the originator's, [1] the responder's. */
struct ss_flow_dir {
	uint64_t	pkts;
	uint64_t	bytes;		/* transport payload bytes */
	uint64_t	ip_bytes;	/* IP bytes (headers included) */
};

/* UDP (and ICMP) pseudo-state. */
enum ss_udp_state {
	SS_UDP_NEW = 0,		/* only the originator has sent */
	SS_UDP_REPLIED,		/* both sides have sent */
	SS_UDP_REJECTED,	/* answered by an ICMP unreachable */
	SS_UDP_CLOSED,		/* idle timeout passed */
};

/*
 * What a bare SYN that opened a flow leaves of itself when the flow is
 * kept as its head only (ss_flow.lazy): the packet's fields its effects
 * on the TCP state are made from (ss_tcp_materialize), in the place of
 * that state.
 */
struct ss_syn_memo {
	uint32_t	seq;
	uint32_t	seg_fp;
	uint32_t	ts_val;
	uint16_t	win;
	uint16_t	flags;
	uint16_t	opt_has;
	uint8_t		wscale;
};

struct ss_udp_flow {
	uint8_t		state;		/* enum ss_udp_state */
	uint8_t		icmp_errors;	/* ICMP errors quoting this flow (saturating) */
	uint8_t		hist_seen[2];	/* Zeek history letters recorded */
	uint8_t		hist_len;
	char		history[7];	/* Zeek history: '^', 'D', 'd' */
};

/* Why a flow left the table (for the record and the stats). */
enum ss_flow_end {
	SS_END_NONE = 0,
	SS_END_CLOSED,		/* closed, TIME-WAIT over, or reset */
	SS_END_IDLE,		/* idle timeout */
	SS_END_EVICTED,		/* table full */
	SS_END_REUSED,		/* a new connection took its 4-tuple */
	SS_END_EXIT,		/* end of capture or program */
};

/* A Zeek-style connection uid: "C" and 17 base-62 digits. */
#define SS_UID_LEN 18

struct ss_flow {
	struct ss_flow_key key;
	uint32_t	lru_prev;	/* per-class LRU list, newest at head */
	uint32_t	lru_next;
	uint8_t		fclass;		/* enum ss_flow_class */
	uint8_t		orig_is_lo;	/* the originator is key.lo */
	uint8_t		end;		/* enum ss_flow_end, when ending */
	uint8_t		flipped;	/* originator changed after creation */
	uint32_t	self;		/* own pool index */
	uint32_t	hash_lo;	/* the low half of its hash: its bucket
					   (unlinking rehashes nothing) */
	uint8_t		uid_made;	/* its uid was made ahead: see
					   ss_flow_uid_place() */
	uint8_t		lazy;		/* only its head is kept: see
					   SS_FLOW_HEAD */
	uint64_t	id;		/* stream number, per protocol, from 0 */
	uint64_t	first_ns;
	uint64_t	last_ns;
	struct ss_flow_dir d[2];
	union {
		struct ss_tcp_conn tcp;
		struct ss_udp_flow udp;
		struct ss_syn_memo syn;	/* lazy */
	} u;
};

/*
 * A flow opened by a bare SYN, when nothing but connection records reads
 * flows, is kept as its head only, the first SS_FLOW_HEAD bytes: the key,
 * links, times and counters, and in the place of the TCP state the few
 * fields of the SYN it is made from (lazy set, u.syn).  A SYN flood's
 * flows never get a second packet, and each is made and evicted touching
 * three of the record's lines instead of eight.  Any other reader of the
 * record makes the whole of it first (ss_tcp_materialize); a verifying
 * build checks it against the record the SYN makes at once.
 */
#define SS_FLOW_HEAD	192
_Static_assert(offsetof(struct ss_flow, u) + sizeof(struct ss_syn_memo) <=
    SS_FLOW_HEAD, "a lazy flow's memo is in its head");

/* Endpoint of a flow as seen from the originator: 0 orig, 1 resp. */
static inline const struct ss_addr *
ss_flow_addr(const struct ss_flow *f, int side)
{
	return (side == 0) == (f->orig_is_lo != 0) ? &f->key.lo : &f->key.hi;
}

static inline uint16_t
ss_flow_port(const struct ss_flow *f, int side)
{
	return (side == 0) == (f->orig_is_lo != 0) ? f->key.lo_port :
	    f->key.hi_port;
}

/*
 * A flow's uid, stable: the same key, start time and stream number always
 * give the same uid.  ss_uid_text writes the SS_UID_LEN characters of the
 * uid of those three (no NUL).
 */
void		 ss_uid_text(const struct ss_flow_key *, uint64_t first_ns,
		    uint64_t id, char buf[SS_UID_LEN]);
/* The same with its vector hash (AVX-512) allowed or not, for tests. */
void		 ss_uid_text_hash(const struct ss_flow_key *, uint64_t first_ns,
		    uint64_t id, char buf[SS_UID_LEN], bool vector);

/*
 * Uids made several at a time: ss_uid_batch_add() queues one (its text
 * is written to out later), ss_uid_batch_run() makes the queued ones, as
 * add does itself when SS_UID_BATCH wait.  With AVX-512 the hashes of
 * four uids take one pass, in the eight 64-bit lanes of a register;
 * without it each is made when added.  The texts are ss_uid_text()'s.
 */
#define SS_UID_BATCH	4
struct ss_uid_batch {
	/* a pass's words: block i of uid j in lanes 2j and 2j + 1 */
	_Alignas(64) uint64_t m[7][2 * SS_UID_BATCH];
	char		*out[SS_UID_BATCH];
	unsigned	 n;
};
void		 ss_uid_batch_add(struct ss_uid_batch *,
		    const struct ss_flow_key *, uint64_t first_ns, uint64_t id,
		    char *out);
void		 ss_uid_batch_run(struct ss_uid_batch *);

/* Which side of a flow sent a packet of it: 0 originator, 1 responder. */
int		 ss_packet_side(const struct ss_flow *, const struct ss_packet *);

/* "client" (originator) or "server" (responder) of a TCP flow. */
const char	*ss_role_name(const struct ss_flow *, int side);

struct ss_flow_table;

/* Called with each flow about to be freed (expired, evicted, reused). */
typedef void	(*ss_flow_end_fn)(void *ctx, struct ss_flow *f);

struct ss_flow_table_config {
	uint32_t	max_flows;		/* pool bound */
	uint64_t	timeout_ns[SS_FC_COUNT];/* idle timeout per class */
	uint64_t	seed[2];		/* hash key; zero: random */
};

struct ss_flow_table *ss_flow_table_new(const struct ss_flow_table_config *);
void		 ss_flow_table_free(struct ss_flow_table *);
void		 ss_flow_table_set_end_cb(struct ss_flow_table *,
		    ss_flow_end_fn, void *ctx);

/*
 * Build the canonical key of a packet's flow; *from_lo is set when the
 * packet was sent by key.lo.  Returns false for packets that are not
 * tracked as flows (not TCP/UDP/ICMP, later fragments, undecoded).
 */
bool		 ss_flow_key_of(const struct ss_packet *, struct ss_flow_key *,
		    bool *from_lo);

/* Hash of a key under the table's secret. */
uint64_t	 ss_flow_hash(const struct ss_flow_table *,
		    const struct ss_flow_key *);
/* The same hash under a copy of the table's key (ss_flow_seed), for a
   thread that must not read the table while another one changes it. */
uint64_t	 ss_flow_key_hash(const uint64_t seed[2],
		    const struct ss_flow_key *);
const uint64_t	*ss_flow_seed(const struct ss_flow_table *);

/* Ask the memory system for a key's bucket, then for its first flow. */
void		 ss_flow_prefetch_bucket(const struct ss_flow_table *,
		    uint64_t hash);
void		 ss_flow_prefetch_flow(const struct ss_flow_table *,
		    uint64_t hash);

/*
 * The table's place for a flow's uid made ahead (SS_UID_LEN characters,
 * no NUL), beside its record; meaningful once f->uid_made is set.
 */
char		*ss_flow_uid_place(struct ss_flow_table *,
		    const struct ss_flow *);

/* Find a flow; NULL when absent.  Does not touch its LRU position. */
struct ss_flow	*ss_flow_lookup(struct ss_flow_table *,
		    const struct ss_flow_key *, uint64_t hash);

/*
 * Create a flow (the key must be absent).  Evicts the least recently seen
 * flow of the cheapest class when the table is full.  The new record is
 * zeroed but for its key, class, timestamps and id.
 */
struct ss_flow	*ss_flow_create(struct ss_flow_table *,
		    const struct ss_flow_key *, uint64_t hash, uint64_t now_ns,
		    uint8_t fclass);
/*
 * The same for a bare SYN's flow (class SS_FC_TCP_HALFOPEN) kept as its
 * head only: only the first SS_FLOW_HEAD bytes are zeroed, and lazy is
 * set (see SS_FLOW_HEAD).
 */
struct ss_flow	*ss_flow_create_head(struct ss_flow_table *,
		    const struct ss_flow_key *, uint64_t hash, uint64_t now_ns);
/*
 * Half-open flows are mostly kept as heads: ask the memory system only
 * for their heads when they are about to be evicted.
 */
void		 ss_flow_table_set_heads(struct ss_flow_table *, bool);
/*
 * Do half-open connections hold at least 1/16 of the table?  That many
 * unanswered SYNs is a flood: its oldest goes first when room is needed,
 * and new ones may be kept as heads.
 */
bool		 ss_flow_syn_flood(const struct ss_flow_table *);

/* Mark a flow seen at now_ns and move it to the head of class fclass. */
void		 ss_flow_touch(struct ss_flow_table *, struct ss_flow *,
		    uint64_t now_ns, uint8_t fclass);

/* Remove a flow now, calling the end callback with reason why. */
void		 ss_flow_remove(struct ss_flow_table *, struct ss_flow *,
		    enum ss_flow_end why);

/*
 * Expire flows idle for longer than their class timeout at now_ns.  At
 * most limit flows are expired per call (0: no limit).  Returns how many.
 */
size_t		 ss_flow_expire(struct ss_flow_table *, uint64_t now_ns,
		    size_t limit);

/* Remove every flow (end of capture), oldest first. */
void		 ss_flow_flush(struct ss_flow_table *, enum ss_flow_end why);

/* Number of flows in the table, in all and per class. */
size_t		 ss_flow_count(const struct ss_flow_table *);
size_t		 ss_flow_class_count(const struct ss_flow_table *,
		    enum ss_flow_class);

/* Flows evicted: the table was full, or half-open ones at their cap. */
uint64_t	 ss_flow_evictions(const struct ss_flow_table *);

/* Next stream number for a protocol (tcp.stream / udp.stream style). */
uint64_t	 ss_flow_next_id(struct ss_flow_table *, uint8_t proto);

/*
 * Iterate over live flows: start with *cursor = 0; returns NULL at the end.
 * The order is the pool order.  Safe while no flow is created or removed.
 */
struct ss_flow	*ss_flow_iter(struct ss_flow_table *, uint32_t *cursor);

/* Bytes of memory held by the table (pool and buckets). */
size_t		 ss_flow_table_memory(const struct ss_flow_table *);

#endif /* SYNSCOPE_FLOW_H */
