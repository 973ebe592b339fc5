/*
 * check_flow.c - the flow table: canonical keys, lookup from both
 * directions, the bound and its eviction order, idle timeouts per class.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check_suites.h"
#include "synscope/flow.h"
#include "synscope/siphash.h"

#define SEC 1000000000ULL

/* A decoded TCP/UDP packet between two literal addresses. */
static struct ss_packet
mkpkt(const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t proto)
{
	struct ss_packet p;
	int af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;

	memset(&p, 0, sizeof(p));
	p.family = af == AF_INET6 ? 6 : 4;
	p.proto = proto;
	ck_assert_int_eq(inet_pton(af, src, p.src.a), 1);
	ck_assert_int_eq(inet_pton(af, dst, p.dst.a), 1);
	p.sport = sport;
	p.dport = dport;
	p.outcome = SS_DEC_OK;
	return p;
}

struct ended {
	int		n;
	uint8_t		last_end;
	uint64_t	last_id;
};

/* End callback: count. */
static void
on_end(void *ctx, struct ss_flow *f)
{
	struct ended *e = ctx;

	e->n++;
	e->last_end = f->end;
	e->last_id = f->id;
}

/* A table with fixed timeouts and seed. */
static struct ss_flow_table *
mktable(uint32_t max, struct ended *e)
{
	struct ss_flow_table_config c;
	struct ss_flow_table *ft;
	int i;

	memset(&c, 0, sizeof(c));
	c.max_flows = max;
	for (i = 0; i < SS_FC_COUNT; i++)
		c.timeout_ns[i] = 60 * SEC;
	c.timeout_ns[SS_FC_TCP_CLOSED] = 5 * SEC;
	c.seed[0] = 1;
	c.seed[1] = 2;
	ft = ss_flow_table_new(&c);
	ck_assert_ptr_nonnull(ft);
	memset(e, 0, sizeof(*e));
	ss_flow_table_set_end_cb(ft, on_end, e);
	return ft;
}

START_TEST(test_key_symmetry)
{
	static const char *addrs[][2] = {
		{ "10.0.0.1", "10.0.0.2" }, { "10.0.0.2", "10.0.0.1" },
		{ "192.168.1.1", "192.168.1.1" }, { "::1", "2001:db8::7" },
		{ "fe80::1", "fe80::1" },
	};
	struct ss_flow_key a, b;
	struct ss_packet p, q;
	bool la, lb;
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		p = mkpkt(addrs[i][0], 1234, addrs[i][1], 80, IPPROTO_TCP);
		q = mkpkt(addrs[i][1], 80, addrs[i][0], 1234, IPPROTO_TCP);
		ck_assert(ss_flow_key_of(&p, &a, &la));
		ck_assert(ss_flow_key_of(&q, &b, &lb));
		ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
		ck_assert(la != lb);
	}
	/* same addresses, ports swapped: the same flow */
	p = mkpkt("10.0.0.1", 5000, "10.0.0.1", 6000, IPPROTO_UDP);
	q = mkpkt("10.0.0.1", 6000, "10.0.0.1", 5000, IPPROTO_UDP);
	ck_assert(ss_flow_key_of(&p, &a, &la));
	ck_assert(ss_flow_key_of(&q, &b, &lb));
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	ck_assert(la != lb);
	/* TCP and UDP on the same ports are different flows */
	p = mkpkt("10.0.0.1", 53, "10.0.0.2", 53, IPPROTO_TCP);
	q = mkpkt("10.0.0.1", 53, "10.0.0.2", 53, IPPROTO_UDP);
	ck_assert(ss_flow_key_of(&p, &a, &la));
	ck_assert(ss_flow_key_of(&q, &b, &lb));
	ck_assert(memcmp(&a, &b, sizeof(a)) != 0);
	/* later fragments and undecoded packets are not flows */
	p = mkpkt("10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_TCP);
	p.frag_offset = 1480;
	ck_assert(!ss_flow_key_of(&p, &a, &la));
	p = mkpkt("10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_TCP);
	p.outcome = SS_DEC_MALFORMED;
	ck_assert(!ss_flow_key_of(&p, &a, &la));
	p = mkpkt("10.0.0.1", 1, "10.0.0.2", 2, 132);
	ck_assert(!ss_flow_key_of(&p, &a, &la));
}
END_TEST

START_TEST(test_icmp_echo_pairs)
{
	struct ss_flow_key a, b;
	struct ss_packet p, q;
	bool la, lb;

	p = mkpkt("10.0.0.1", 0, "10.0.0.2", 0, IPPROTO_ICMP);
	p.icmp_type = 8;
	q = mkpkt("10.0.0.2", 0, "10.0.0.1", 0, IPPROTO_ICMP);
	q.icmp_type = 0;
	ck_assert(ss_flow_key_of(&p, &a, &la));
	ck_assert(ss_flow_key_of(&q, &b, &lb));
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
	p = mkpkt("2001:db8::1", 0, "2001:db8::2", 0, IPPROTO_ICMPV6);
	p.icmp_type = 128;
	q = mkpkt("2001:db8::2", 0, "2001:db8::1", 0, IPPROTO_ICMPV6);
	q.icmp_type = 129;
	ck_assert(ss_flow_key_of(&p, &a, &la));
	ck_assert(ss_flow_key_of(&q, &b, &lb));
	ck_assert(memcmp(&a, &b, sizeof(a)) == 0);
}
END_TEST

START_TEST(test_lookup_both_directions)
{
	struct ss_flow_key k, k2;
	struct ss_flow_table *ft;
	struct ss_flow *f;
	struct ss_packet p;
	struct ended e;
	bool lo;
	char a[32], b[32];
	int i;

	ft = mktable(1000, &e);
	for (i = 0; i < 500; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		snprintf(b, sizeof(b), "10.2.%d.%d", i / 250, i % 250 + 1);
		p = mkpkt(a, (uint16_t)(1000 + i), b, 80, IPPROTO_TCP);
		ck_assert(ss_flow_key_of(&p, &k, &lo));
		ck_assert_ptr_null(ss_flow_lookup(ft, &k, ss_flow_hash(ft, &k)));
		f = ss_flow_create(ft, &k, ss_flow_hash(ft, &k), SEC, SS_FC_TCP_OPEN);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->id, (uint64_t)i);
	}
	ck_assert_uint_eq(ss_flow_count(ft), 500);
	for (i = 0; i < 500; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250 + 1);
		snprintf(b, sizeof(b), "10.2.%d.%d", i / 250, i % 250 + 1);
		p = mkpkt(b, 80, a, (uint16_t)(1000 + i), IPPROTO_TCP);
		ck_assert(ss_flow_key_of(&p, &k2, &lo));
		f = ss_flow_lookup(ft, &k2, ss_flow_hash(ft, &k2));
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->id, (uint64_t)i);
	}
	ck_assert_int_eq(e.n, 0);
	ss_flow_flush(ft, SS_END_EXIT);
	ck_assert_int_eq(e.n, 500);
	ck_assert_uint_eq(ss_flow_count(ft), 0);
	ss_flow_table_free(ft);
}
END_TEST

/* The key of 10.9.x.y:40000 -> 10.8.0.1:80 (TCP), x.y from i. */
static struct ss_flow_key
mkkey(int i)
{
	struct ss_flow_key k;
	struct ss_packet p;
	char a[32];
	bool lo;

	snprintf(a, sizeof(a), "10.9.%d.%d", (i >> 8) & 255, i & 255);
	p = mkpkt(a, 40000, "10.8.0.1", 80, IPPROTO_TCP);
	ck_assert(ss_flow_key_of(&p, &k, &lo));
	return k;
}

/* Create the flow of mkkey(i) at time t. */
static struct ss_flow *
mkflow(struct ss_flow_table *ft, int i, uint64_t t, uint8_t fc)
{
	struct ss_flow_key k = mkkey(i);

	return ss_flow_create(ft, &k, ss_flow_hash(ft, &k), t, fc);
}

START_TEST(test_eviction_at_limit)
{
	struct ss_flow_table *ft;
	struct ss_flow *f;
	struct ended e;
	int i;

	ft = mktable(100, &e);
	/* 50 open flows, then 12 half-open ones (1/8 of the table), younger */
	for (i = 0; i < 50; i++)
		ck_assert_ptr_nonnull(mkflow(ft, i, SEC + (uint64_t)i,
		    SS_FC_TCP_OPEN));
	for (i = 50; i < 62; i++)
		ck_assert_ptr_nonnull(mkflow(ft, i, 2 * SEC + (uint64_t)i,
		    SS_FC_TCP_HALFOPEN));
	ck_assert_uint_eq(ss_flow_count(ft), 62);
	ck_assert_uint_eq(ss_flow_evictions(ft), 0);
	/* a 13th half-open one takes the oldest one's place, table not full */
	ck_assert_ptr_nonnull(mkflow(ft, 62, 2 * SEC + 62, SS_FC_TCP_HALFOPEN));
	ck_assert_uint_eq(ss_flow_count(ft), 62);
	ck_assert_uint_eq(ss_flow_evictions(ft), 1);
	ck_assert_uint_eq(ss_flow_class_count(ft, SS_FC_TCP_HALFOPEN), 12);
	ck_assert_int_eq(e.last_end, SS_END_EVICTED);
	ck_assert_uint_eq(e.last_id, 50);
	/* other flows fill the table without evicting anything */
	for (i = 63; i < 101; i++)
		ck_assert_ptr_nonnull(mkflow(ft, i, 3 * SEC, SS_FC_TCP_OPEN));
	ck_assert_uint_eq(ss_flow_count(ft), 100);
	ck_assert_uint_eq(ss_flow_evictions(ft), 1);
	/* a new flow evicts the oldest half-open one, not an older open one */
	f = mkflow(ft, 101, 3 * SEC, SS_FC_TCP_OPEN);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(ss_flow_count(ft), 100);
	ck_assert_uint_eq(ss_flow_evictions(ft), 2);
	ck_assert_uint_eq(e.last_id, 51);
	/*
	 * 10 more: half-open flows go first while they hold 1/16 of the
	 * table (6 of 100): 6 more (52..57); the 5 left are taken for
	 * handshakes in flight, and the 4 least recently seen open flows go
	 * instead.
	 */
	for (i = 102; i < 112; i++)
		ck_assert_ptr_nonnull(mkflow(ft, i, 4 * SEC, SS_FC_TCP_OPEN));
	ck_assert_uint_eq(ss_flow_count(ft), 100);
	ck_assert_uint_eq(ss_flow_evictions(ft), 12);
	ck_assert_uint_eq(ss_flow_class_count(ft, SS_FC_TCP_HALFOPEN), 5);
	ck_assert_uint_eq(e.last_id, 3);	/* open flows 0..3 evicted */
	ck_assert_uint_le(ss_flow_table_memory(ft), 100 * sizeof(struct ss_flow) +
	    64 * 1024 * sizeof(struct ss_flow));
	ss_flow_table_free(ft);
}
END_TEST

/*
 * A table full of established connections and one handshake in flight: a
 * new SYN evicts the least recently seen connection, not the handshake;
 * closed and TIME-WAIT connections go before anything else.
 */
START_TEST(test_eviction_keeps_handshakes)
{
	struct ss_flow_table *ft;
	struct ended e;
	int i;

	ft = mktable(100, &e);
	for (i = 0; i < 98; i++)
		ck_assert_ptr_nonnull(mkflow(ft, i, SEC + (uint64_t)i,
		    SS_FC_TCP_OPEN));
	ck_assert_ptr_nonnull(mkflow(ft, 98, 200 * SEC, SS_FC_TCP_HALFOPEN));
	ck_assert_ptr_nonnull(mkflow(ft, 99, 201 * SEC, SS_FC_TCP_TIMEWAIT));
	/* the TIME-WAIT connection goes first, young as it is */
	ck_assert_ptr_nonnull(mkflow(ft, 100, 202 * SEC, SS_FC_TCP_HALFOPEN));
	ck_assert_uint_eq(e.last_id, 99);
	/* then the oldest established one, not a handshake in flight */
	ck_assert_ptr_nonnull(mkflow(ft, 101, 203 * SEC, SS_FC_TCP_HALFOPEN));
	ck_assert_uint_eq(e.last_id, 0);
	ck_assert_uint_eq(ss_flow_class_count(ft, SS_FC_TCP_HALFOPEN), 3);
	ck_assert_uint_eq(ss_flow_evictions(ft), 2);
	ss_flow_table_free(ft);
}
END_TEST

START_TEST(test_timeouts)
{
	struct ss_flow_table *ft;
	struct ss_flow *a, *b;
	struct ended e;

	ft = mktable(10, &e);
	a = mkflow(ft, 1, 10 * SEC, SS_FC_TCP_OPEN);
	b = mkflow(ft, 2, 10 * SEC, SS_FC_TCP_CLOSED);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(ss_flow_expire(ft, 14 * SEC, 0), 0);
	ck_assert_uint_eq(ss_flow_expire(ft, 16 * SEC, 0), 1);	/* closed: 5 s */
	ck_assert_int_eq(e.last_end, SS_END_IDLE);
	ck_assert_uint_eq(ss_flow_count(ft), 1);
	/* touching renews the idle time */
	ss_flow_touch(ft, a, 60 * SEC, SS_FC_TCP_OPEN);
	ck_assert_uint_eq(ss_flow_expire(ft, 110 * SEC, 0), 0);
	ck_assert_uint_eq(ss_flow_expire(ft, 121 * SEC, 0), 1);
	ck_assert_uint_eq(ss_flow_count(ft), 0);
	/* a clock that goes backwards expires nothing */
	a = mkflow(ft, 3, 500 * SEC, SS_FC_UDP);
	ck_assert_uint_eq(ss_flow_expire(ft, 100 * SEC, 0), 0);
	ss_flow_table_free(ft);
}
END_TEST

START_TEST(test_iter_and_reuse_slots)
{
	struct ss_flow_table *ft;
	struct ss_flow *f;
	struct ended e;
	uint32_t cur = 0;
	int i, n = 0;

	ft = mktable(8, &e);
	for (i = 0; i < 8; i++)
		mkflow(ft, i, SEC, SS_FC_UDP);
	ss_flow_expire(ft, 100 * SEC, 0);
	ck_assert_uint_eq(ss_flow_count(ft), 0);
	for (i = 0; i < 8; i++)
		mkflow(ft, 100 + i, 200 * SEC, SS_FC_UDP);
	ck_assert_uint_eq(ss_flow_evictions(ft), 0);
	while ((f = ss_flow_iter(ft, &cur)) != NULL)
		n++;
	ck_assert_int_eq(n, 8);
	ss_flow_table_free(ft);
}
END_TEST

/*
 * Every record has its own place for a uid made ahead, across chunks
 * (10,000 flows: three chunks of 4096): each place written with its
 * flow's number reads back unchanged after all are written, and no
 * place is another's or overlaps a record.
 */
START_TEST(test_uid_places)
{
	struct ss_flow_table *ft;
	static struct ss_flow *f[10000];
	struct ss_flow_key k;
	struct ended e;
	char want[SS_UID_LEN + 1];
	int i;

	ft = mktable(10000, &e);
	for (i = 0; i < 10000; i++) {
		f[i] = mkflow(ft, i, SEC, SS_FC_UDP);
		ck_assert_ptr_nonnull(f[i]);
		ck_assert_int_eq(f[i]->uid_made, 0);
	}
	for (i = 0; i < 10000; i++) {
		char *p = ss_flow_uid_place(ft, f[i]);

		/* not inside any record */
		ck_assert(p + SS_UID_LEN <= (char *)f[i] ||
		    p >= (char *)(f[i] + 1));
		snprintf(want, sizeof(want), "C%017d", i);
		memcpy(p, want, SS_UID_LEN);
	}
	for (i = 0; i < 10000; i++) {
		snprintf(want, sizeof(want), "C%017d", i);
		ck_assert_int_eq(memcmp(ss_flow_uid_place(ft, f[i]), want,
		    SS_UID_LEN), 0);
		/* the records are untouched */
		k = mkkey(i);
		ck_assert_int_eq(memcmp(&f[i]->key, &k, sizeof(k)), 0);
		ck_assert_uint_eq(f[i]->id, (uint64_t)i);
		ck_assert_uint_eq(f[i]->first_ns, SEC);
	}
	ss_flow_table_free(ft);
}
END_TEST

/*
 * Hash chains: flows whose hashes share a bucket, some also the tag (the
 * hash's upper half), some not; taken out at the head, in the middle and
 * at the tail of their chain, by removal, eviction and expiry, and their
 * slots reused.  Every lookup must find exactly the live flows.
 */
START_TEST(test_hash_chains)
{
	const uint64_t bucket = 0x2a;
	struct ss_flow_table *ft;
	struct ss_flow_key k;
	struct ss_flow *f;
	struct ended e;
	bool live[96];
	int i, j;

	/* even: all the same hash; odd: the same bucket, a tag of its own */
#define CHAIN_HASH(i) ((i) % 2 == 0 ? bucket | (7ULL << 32) : \
	bucket | ((uint64_t)(i) << 40))
	ft = mktable(48, &e);
	memset(live, 0, sizeof(live));
	for (i = 0; i < 48; i++) {
		k = mkkey(i);
		f = ss_flow_create(ft, &k, CHAIN_HASH(i), SEC + (uint64_t)i,
		    SS_FC_UDP);
		ck_assert_ptr_nonnull(f);
		live[i] = true;
	}
	/* out of the chain: the newest (its head), middle ones, the oldest */
	for (i = 47; i >= 0; i -= 5) {
		k = mkkey(i);
		f = ss_flow_lookup(ft, &k, CHAIN_HASH(i));
		ck_assert_ptr_nonnull(f);
		ck_assert_mem_eq(&f->key, &k, sizeof(k));
		ss_flow_remove(ft, f, SS_END_CLOSED);
		live[i] = false;
	}
	ck_assert_int_eq(e.n, 10);
	/* refill: the freed slots are reused, then the oldest are evicted */
	for (i = 48; i < 96; i++) {
		k = mkkey(i);
		ck_assert_ptr_nonnull(ss_flow_create(ft, &k, CHAIN_HASH(i),
		    SEC + (uint64_t)i, SS_FC_UDP));
		live[i] = true;
	}
	ck_assert_uint_eq(ss_flow_evictions(ft), 38);
	for (i = 0, j = 0; i < 96; i++)
		if (live[i] && j++ < 38)
			live[i] = false;	/* the 38 oldest went */
	for (i = 0; i < 96; i++) {
		k = mkkey(i);
		f = ss_flow_lookup(ft, &k, CHAIN_HASH(i));
		if (!live[i]) {
			ck_assert_msg(f == NULL, "flow %d should be gone", i);
			continue;
		}
		ck_assert_msg(f != NULL, "flow %d lost", i);
		ck_assert_mem_eq(&f->key, &k, sizeof(k));
		ck_assert_uint_eq(f->first_ns, SEC + (uint64_t)i);
	}
	ck_assert_uint_eq(ss_flow_count(ft), 48);
	/* all expire: the chain empties */
	ss_flow_expire(ft, 1000 * SEC, 0);
	ck_assert_uint_eq(ss_flow_count(ft), 0);
	for (i = 0; i < 96; i++) {
		k = mkkey(i);
		ck_assert_ptr_null(ss_flow_lookup(ft, &k, CHAIN_HASH(i)));
	}
#undef CHAIN_HASH
	ss_flow_table_free(ft);
}
END_TEST

/* The key of 10.x.y.z:40000 -> 10.0.0.1:80 (TCP), x.y.z from i. */
static struct ss_flow_key
mkkey_wide(int i)
{
	struct ss_flow_key k;
	struct ss_packet p;
	char a[32];
	bool lo;

	snprintf(a, sizeof(a), "10.%d.%d.%d", 1 + ((i >> 16) & 127),
	    (i >> 8) & 255, i & 255);
	p = mkpkt(a, 40000, "10.0.0.1", 80, IPPROTO_TCP);
	ck_assert(ss_flow_key_of(&p, &k, &lo));
	return k;
}

/*
 * The bucket array starts small and doubles as the flows outnumber its
 * buckets: 140,000 flows in a table for 150,000 take it from 65,536 to
 * 262,144 buckets, the second time with freed slots in the pool.  Every
 * live flow must still be found, and no removed one.
 */
START_TEST(test_bucket_growth)
{
	enum { N = 140000 };
	static bool live[N];
	struct ss_flow_table *ft;
	struct ss_flow_key k;
	struct ss_flow *f;
	struct ended e;
	int i;

	ft = mktable(150000, &e);
	/* 65,536 buckets at first (256 KiB), not the 262,144 (1 MiB) of
	   max_flows */
	ck_assert_uint_lt(ss_flow_table_memory(ft), 512 * 1024);
	for (i = 0; i < N; i++) {
		k = mkkey_wide(i);
		f = ss_flow_create(ft, &k, ss_flow_hash(ft, &k), SEC,
		    SS_FC_TCP_OPEN);
		ck_assert_ptr_nonnull(f);
		live[i] = true;
		if (i == 100000) {
			/* one grown: free every seventh slot before the next */
			int j;

			for (j = 0; j < 100000; j += 7) {
				k = mkkey_wide(j);
				f = ss_flow_lookup(ft, &k, ss_flow_hash(ft, &k));
				ck_assert_ptr_nonnull(f);
				ss_flow_remove(ft, f, SS_END_CLOSED);
				live[j] = false;
			}
		}
	}
	ck_assert_uint_eq(ss_flow_evictions(ft), 0);
	ck_assert_uint_eq(ss_flow_count(ft), N - (100000 + 6) / 7);
	ck_assert_uint_gt(ss_flow_table_memory(ft), 1024 * 1024);
	for (i = 0; i < N; i++) {
		k = mkkey_wide(i);
		f = ss_flow_lookup(ft, &k, ss_flow_hash(ft, &k));
		if (!live[i]) {
			ck_assert_msg(f == NULL, "flow %d should be gone", i);
			continue;
		}
		ck_assert_msg(f != NULL, "flow %d lost", i);
		ck_assert_mem_eq(&f->key, &k, sizeof(k));
	}
	/* removal after growth finds each flow in its new chain */
	for (i = 1; i < N; i += 7) {
		k = mkkey_wide(i);
		f = ss_flow_lookup(ft, &k, ss_flow_hash(ft, &k));
		ck_assert_ptr_nonnull(f);
		ss_flow_remove(ft, f, SS_END_CLOSED);
		ck_assert_ptr_null(ss_flow_lookup(ft, &k, ss_flow_hash(ft, &k)));
	}
	ss_flow_expire(ft, 1000 * SEC, 0);
	ck_assert_uint_eq(ss_flow_count(ft), 0);
	for (i = 0; i < N; i += 97) {
		k = mkkey_wide(i);
		ck_assert_ptr_null(ss_flow_lookup(ft, &k,
		    ss_flow_hash(ft, &k)));
	}
	ss_flow_table_free(ft);
}
END_TEST

/* The lower endpoint is the lower address in byte order, then port. */
START_TEST(test_key_order)
{
	static const char *lo_first[][2] = {
		{ "10.0.0.1", "10.0.0.2" }, { "9.255.255.255", "10.0.0.0" },
		{ "1.2.3.4", "255.0.0.0" }, { "::1", "::2" },
		{ "::ffff:ffff", "1::" }, { "2001:db8::1:0", "2001:db8::2:0" },
		{ "fe80::ff", "fe80::100" }, { "2001:db8::2", "2001:db8:0:0:1::" },
	};
	struct ss_flow_key k;
	struct ss_packet p;
	bool lo;
	size_t i;

	for (i = 0; i < sizeof(lo_first) / sizeof(lo_first[0]); i++) {
		p = mkpkt(lo_first[i][0], 9, lo_first[i][1], 1, IPPROTO_TCP);
		ck_assert(ss_flow_key_of(&p, &k, &lo));
		ck_assert_msg(lo, "%s < %s", lo_first[i][0], lo_first[i][1]);
		ck_assert(memcmp(k.lo.a, p.src.a, 16) == 0);
		ck_assert_uint_eq(k.lo_port, 9);
		p = mkpkt(lo_first[i][1], 1, lo_first[i][0], 9, IPPROTO_TCP);
		ck_assert(ss_flow_key_of(&p, &k, &lo));
		ck_assert(!lo);
		ck_assert(memcmp(k.lo.a, p.dst.a, 16) == 0);
		ck_assert_uint_eq(k.pad[0] | k.pad[1], 0);
	}
	/* same address: the lower port; equal endpoints: from lo */
	p = mkpkt("2001:db8::1", 80, "2001:db8::1", 79, IPPROTO_UDP);
	ck_assert(ss_flow_key_of(&p, &k, &lo));
	ck_assert(!lo);
	ck_assert_uint_eq(k.lo_port, 79);
	p = mkpkt("10.0.0.1", 80, "10.0.0.1", 80, IPPROTO_UDP);
	ck_assert(ss_flow_key_of(&p, &k, &lo));
	ck_assert(lo);
}
END_TEST

/* ss_siphash13_words() is SipHash-1-3 of the bytes it is handed. */
START_TEST(test_siphash_words)
{
	static const uint64_t key[2] = { 0x0706050403020100ULL,
	    0x0f0e0d0c0b0a0908ULL };
	uint8_t in[64];
	uint64_t w[8], tail;
	size_t len, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len <= sizeof(in); len++) {
		/* whole words little-endian, the rest in the tail */
		memset(w, 0, sizeof(w));
		tail = 0;
		for (i = 0; i < len; i++) {
			if (i < (len & ~(size_t)7))
				w[i / 8] |= (uint64_t)in[i] << (8 * (i & 7));
			else
				tail |= (uint64_t)in[i] << (8 * (i & 7));
		}
		ck_assert_uint_eq(ss_siphash13_words(key, w, len / 8, tail, len),
		    ss_siphash13(key, in, len));
	}
}
END_TEST

Suite *
make_flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_key_symmetry);
	tcase_add_test(tc, test_key_order);
	tcase_add_test(tc, test_siphash_words);
	tcase_add_test(tc, test_icmp_echo_pairs);
	tcase_add_test(tc, test_lookup_both_directions);
	tcase_add_test(tc, test_eviction_at_limit);
	tcase_add_test(tc, test_eviction_keeps_handshakes);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_iter_and_reuse_slots);
	tcase_add_test(tc, test_hash_chains);
	tcase_add_test(tc, test_uid_places);
	tcase_add_test(tc, test_bucket_growth);
	suite_add_tcase(s, tc);
	return s;
}
