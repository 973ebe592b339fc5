/*
 * check_decode.c - tests of ss_decode() (decode.c).
 *
 * Frames come from tf_frame() (frames.c) and from small hand-made edits of
 * them.  Every decode runs on a freshly allocated copy of exactly caplen
 * bytes, so that an over-read is caught by AddressSanitizer.  The central
 * test cuts every valid frame at every length and checks that the result
 * is TRUNCATED (or OK when only payload is missing), never MALFORMED.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synscope/cursor.h"
#include "synscope/decode.h"
#include "check_suites.h"
#include "frames.h"

#define T_BUFSZ		4096

#define T_SRC4		"192.0.2.1"
#define T_DST4		"198.51.100.2"
#define T_SRC6		"2001:db8::1"
#define T_DST6		"2001:db8:ffff::2"

/* Every link type tf_frame() builds. */
static const int t_links[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, 12, 14, 101,
	DLT_NULL, DLT_LOOP, 228, 229,
};
#define T_NLINKS	(sizeof t_links / sizeof t_links[0])

/* The base packets of the table-driven tests. */
enum t_case {
	T_TCP = 0,
	T_UDP,
	T_ECHO,
	T_ERR_TCP,
	T_ERR_UDP,
	T_NCASES
};

/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t t_synopts[] = {
	2, 4, 0x05, 0xb4,
	4, 2,
	8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	1,
	3, 3, 7,
};

/* Parse an address literal into an ss_addr. */
static struct ss_addr
t_addr(const char *s)
{
	struct ss_addr a;

	memset(&a, 0, sizeof a);
	if (inet_pton(AF_INET6, s, a.a) != 1)
		ck_assert_int_eq(inet_pton(AF_INET, s, a.a), 1);
	return (a);
}

/* Fill a tf_pkt for a family (4 or 6) and one of the base cases. */
static struct tf_pkt
t_pkt(int fam, enum t_case k)
{
	struct tf_pkt p;

	memset(&p, 0, sizeof p);
	p.src = fam == 6 ? T_SRC6 : T_SRC4;
	p.dst = fam == 6 ? T_DST6 : T_DST4;
	p.sport = 40000;
	p.dport = 443;
	p.seq = 0xfffffff0;
	p.ack = 0x01020304;
	p.win = 64240;
	switch (k) {
	case T_TCP:
		p.proto = IPPROTO_TCP;
		p.flags = SS_TH_SYN | SS_TH_ACK | SS_TH_ECE | SS_TH_CWR |
		    SS_TH_AE;
		p.tcpopt = t_synopts;
		p.tcpoptlen = sizeof t_synopts;
		p.paylen = 10;
		break;
	case T_UDP:
		p.proto = IPPROTO_UDP;
		p.dport = 53;
		p.paylen = 12;
		break;
	case T_ECHO:
		p.proto = fam == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		p.icmp_type = fam == 6 ? 128 : 8;
		p.sport = 0x1234;
		p.dport = 7;
		p.paylen = 16;
		break;
	case T_ERR_TCP:
	case T_ERR_UDP:
		p.proto = fam == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		p.icmp_type = fam == 6 ? 1 : 3;
		p.icmp_code = 3;
		p.inner_proto = k == T_ERR_TCP ? IPPROTO_TCP : IPPROTO_UDP;
		p.paylen = 4;
		break;
	default:
		break;
	}
	return (p);
}

/* An ICMP or ICMPv6 packet: its quote, not TCP options, in their bytes. */
static bool
t_icmp(const struct ss_packet *pkt)
{
	return pkt->proto == IPPROTO_ICMP || pkt->proto == IPPROTO_ICMPV6;
}

/*
 * Decode a copy of exactly caplen bytes of f (ASan sees any over-read);
 * the payload pointer is moved back into f.
 */
static enum ss_outcome
t_decode(int lt, const uint8_t *f, size_t caplen, size_t wirelen,
    struct ss_packet *pkt)
{
	static const uint8_t none[1];
	uint8_t *copy;
	const uint8_t *data;
	enum ss_outcome o;

	copy = malloc(caplen);
	ck_assert(copy != NULL || caplen == 0);
	if (caplen != 0)
		memcpy(copy, f, caplen);
	data = copy != NULL ? copy : none;
	pkt->ts_ns = 0x1122334455667788ULL;
	o = ss_decode(lt, data, (uint32_t)caplen, (uint32_t)wirelen, pkt);
	ck_assert_uint_eq(pkt->ts_ns, 0x1122334455667788ULL);
	ck_assert_int_eq(o, pkt->outcome);
	ck_assert_uint_eq(pkt->caplen, caplen);
	ck_assert_uint_eq(pkt->wirelen, wirelen);
	ck_assert_int_eq(pkt->linktype, lt);
	ck_assert_uint_lt(pkt->reason, SS_R_COUNT);
	ck_assert_uint_le(pkt->payload_cap, caplen);
	ck_assert_uint_le(pkt->payload_cap, pkt->payload_len);
	if (pkt->payload != NULL) {
		ck_assert_uint_gt(pkt->payload_cap, 0);
		ck_assert(pkt->payload >= data);
		ck_assert(pkt->payload + pkt->payload_cap <= data + caplen);
		pkt->payload = f + (pkt->payload - data);
	} else
		ck_assert_uint_eq(pkt->payload_cap, 0);
	free(copy);
	return (o);
}

/* Decode a whole frame. */
static enum ss_outcome
t_full(int lt, const uint8_t *f, size_t len, struct ss_packet *pkt)
{
	return (t_decode(lt, f, len, len, pkt));
}

/*
 * THE truncation check: cut a valid frame at every length.  Below hdr_end
 * (the end of all headers) the outcome is TRUNCATED; from there on it is
 * OK, with the captured part of the payload.  Never MALFORMED, and what
 * is filled in agrees with the whole frame.
 */
static void
t_truncations(int lt, const uint8_t *f, size_t len, size_t hdr_end)
{
	struct ss_packet full, pkt;
	size_t cap, poff = 0;

	ck_assert_int_eq(t_full(lt, f, len, &full), SS_DEC_OK);
	if (full.payload != NULL)
		poff = (size_t)(full.payload - f);
	for (cap = 0; cap < len; cap++) {
		t_decode(lt, f, cap, len, &pkt);
		ck_assert_msg(pkt.outcome != SS_DEC_MALFORMED,
		    "lt %d cap %zu/%zu: malformed (%s)", lt, cap, len,
		    ss_reason_name(pkt.reason));
		if (cap < hdr_end) {
			ck_assert_msg(pkt.outcome == SS_DEC_TRUNCATED,
			    "lt %d cap %zu/%zu (headers %zu): outcome %d",
			    lt, cap, len, hdr_end, pkt.outcome);
			ck_assert_uint_ne(pkt.reason, SS_R_NONE);
		} else {
			ck_assert_msg(pkt.outcome == SS_DEC_OK,
			    "lt %d cap %zu/%zu (headers %zu): outcome %d %s",
			    lt, cap, len, hdr_end, pkt.outcome,
			    ss_reason_name(pkt.reason));
			ck_assert_uint_eq(pkt.payload_len, full.payload_len);
			if (full.payload_len != 0) {
				ck_assert_uint_eq(pkt.payload_cap,
				    cap - poff < full.payload_len ?
				    cap - poff : full.payload_len);
				if (pkt.payload_cap != 0)
					ck_assert_ptr_eq(pkt.payload,
					    full.payload);
			}
			ck_assert_uint_eq(pkt.proto, full.proto);
			ck_assert_uint_eq(pkt.flags, full.flags);
			ck_assert_uint_eq(pkt.ip_len, full.ip_len);
			ck_assert_uint_eq(pkt.l4_len, full.l4_len);
		}
		/* Whatever was filled in agrees with the whole frame. */
		if (pkt.sport != 0)
			ck_assert_uint_eq(pkt.sport, full.sport);
		if (pkt.dport != 0)
			ck_assert_uint_eq(pkt.dport, full.dport);
		if (pkt.seq != 0)
			ck_assert_uint_eq(pkt.seq, full.seq);
		if (pkt.proto != 0 && full.ntunnel == 0)
			ck_assert_uint_eq(pkt.proto, full.proto);
		if (pkt.family != 0 && full.ntunnel == 0) {
			ck_assert_uint_eq(pkt.family, full.family);
			ck_assert_mem_eq(pkt.src.a, full.src.a, 16);
			ck_assert_mem_eq(pkt.dst.a, full.dst.a, 16);
		}
		/* the quote shares its bytes with TCP options: ICMP only */
		if (t_icmp(&pkt) && pkt.inner.family != 0) {
			ck_assert_uint_eq(pkt.inner.family, full.inner.family);
			ck_assert_mem_eq(pkt.inner.src.a, full.inner.src.a,
			    16);
		}
	}
}

/* Headers end of a decoded frame: the payload start, past an ICMP quote. */
static size_t
t_hdr_end(const uint8_t *f, size_t len, const struct ss_packet *pkt)
{
	size_t end;

	if (pkt->payload == NULL)
		return (len);
	end = (size_t)(pkt->payload - f);
	/* A quote is read up to the ports, or the TCP sequence number. */
	if (pkt->icmp_is_error)
		end += (pkt->inner.family == 6 ? 40 : 20) +
		    (pkt->inner.proto == IPPROTO_TCP ? 8 : 4);
	return (end);
}

/* Decode a valid frame whole, then at every truncation. */
static void
t_check_cuts(int lt, const uint8_t *f, size_t len)
{
	struct ss_packet full;

	ck_assert_int_eq(t_full(lt, f, len, &full), SS_DEC_OK);
	t_truncations(lt, f, len, t_hdr_end(f, len, &full));
}

/* Map a loop index to a link type, family and case; false to skip. */
static int
t_index(int i, int *lt, int *fam, enum t_case *k)
{
	*k = (enum t_case)(i % T_NCASES);
	i /= T_NCASES;
	*fam = i % 2 ? 6 : 4;
	*lt = t_links[i / 2];
	if ((*lt == 228 && *fam == 6) || (*lt == 229 && *fam == 4))
		return (0);
	return (1);
}

#define T_NLOOP	((int)(T_NLINKS * 2 * T_NCASES))

/* Every field of every base packet over every link type. */
START_TEST(test_fields)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p;
	struct ss_addr src, dst;
	enum t_case k;
	size_t len;
	int lt, fam;

	if (!t_index(_i, &lt, &fam, &k))
		return;
	p = t_pkt(fam, k);
	len = tf_frame(f, sizeof f, lt, &p);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(t_full(lt, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.reason, SS_R_NONE);
	ck_assert(ss_decode_linktype_supported(lt));

	src = t_addr(p.src);
	dst = t_addr(p.dst);
	ck_assert_uint_eq(pkt.family, fam);
	ck_assert_mem_eq(pkt.src.a, src.a, 16);
	ck_assert_mem_eq(pkt.dst.a, dst.a, 16);
	ck_assert_uint_eq(pkt.proto, p.proto);
	ck_assert_uint_eq(pkt.ttl, 64);
	ck_assert_uint_eq(pkt.ip_id, fam == 4 ? 0x1234 : 0);
	ck_assert_uint_eq(pkt.is_fragment, 0);
	ck_assert_uint_eq(pkt.nvlan, 0);
	ck_assert_uint_eq(pkt.ntunnel, 0);
	ck_assert_uint_eq(pkt.ip_len, pkt.l4_len + (fam == 4 ? 20 : 40));

	switch (k) {
	case T_TCP:
		ck_assert_uint_eq(pkt.sport, p.sport);
		ck_assert_uint_eq(pkt.dport, p.dport);
		ck_assert_uint_eq(pkt.seq, p.seq);
		ck_assert_uint_eq(pkt.ack, p.ack);
		ck_assert_uint_eq(pkt.flags, p.flags);
		ck_assert_uint_eq(pkt.win, p.win);
		ck_assert_uint_eq(pkt.urp, 0);
		ck_assert_uint_eq(pkt.thlen, 40);
		ck_assert_uint_eq(pkt.l4_len, 40 + p.paylen);
		ck_assert_uint_eq(pkt.opt.has, SS_OPT_MSS | SS_OPT_SACKOK |
		    SS_OPT_TS | SS_OPT_WSCALE);
		ck_assert_uint_eq(pkt.opt.mss, 1460);
		ck_assert_uint_eq(pkt.opt.wscale, 7);
		ck_assert_uint_eq(pkt.opt.ts_val, 0x11223344);
		ck_assert_uint_eq(pkt.opt.ts_ecr, 0x55667788);
		ck_assert_uint_eq(pkt.opt.nopts, 5);
		ck_assert_uint_eq(pkt.opt.kinds[0], 2);
		ck_assert_uint_eq(pkt.opt.kinds[4], 3);
		break;
	case T_UDP:
		ck_assert_uint_eq(pkt.sport, p.sport);
		ck_assert_uint_eq(pkt.dport, p.dport);
		ck_assert_uint_eq(pkt.udp_len, 8 + p.paylen);
		ck_assert_uint_eq(pkt.l4_len, 8 + p.paylen);
		break;
	case T_ECHO:
		ck_assert_uint_eq(pkt.sport, 0);
		ck_assert_uint_eq(pkt.dport, 0);
		ck_assert_uint_eq(pkt.icmp_type, p.icmp_type);
		ck_assert_uint_eq(pkt.icmp_code, 0);
		ck_assert_uint_eq(pkt.icmp_id, 0x1234);
		ck_assert_uint_eq(pkt.icmp_seq, 7);
		ck_assert_uint_eq(pkt.icmp_is_error, 0);
		ck_assert_uint_eq(pkt.inner.family, 0);
		break;
	case T_ERR_TCP:
	case T_ERR_UDP:
		ck_assert_uint_eq(pkt.sport, 0);
		ck_assert_uint_eq(pkt.icmp_type, p.icmp_type);
		ck_assert_uint_eq(pkt.icmp_code, 3);
		ck_assert_uint_eq(pkt.icmp_is_error, 1);
		ck_assert_uint_eq(pkt.inner.family, fam);
		ck_assert_uint_eq(pkt.inner.proto, p.inner_proto);
		ck_assert_mem_eq(pkt.inner.src.a, dst.a, 16);
		ck_assert_mem_eq(pkt.inner.dst.a, src.a, 16);
		ck_assert_uint_eq(pkt.inner.has_ports, 1);
		ck_assert_uint_eq(pkt.inner.sport, p.sport);
		ck_assert_uint_eq(pkt.inner.dport, p.dport);
		ck_assert_uint_eq(pkt.inner.has_seq, k == T_ERR_TCP);
		ck_assert_uint_eq(pkt.inner.seq, k == T_ERR_TCP ? p.seq : 0);
		ck_assert_uint_eq(pkt.payload_len,
		    (fam == 4 ? 28 : 48) + p.paylen);
		break;
	default:
		break;
	}
	if (k != T_ERR_TCP && k != T_ERR_UDP) {
		ck_assert_uint_eq(pkt.payload_len, p.paylen);
		ck_assert_uint_eq(pkt.payload_cap, p.paylen);
		ck_assert_ptr_eq(pkt.payload, f + len - p.paylen);
		ck_assert_int_eq(pkt.payload[0], 'x');
	}
}
END_TEST

/* Every base frame cut at every length. */
START_TEST(test_truncation)
{
	uint8_t f[T_BUFSZ];
	struct tf_pkt p;
	enum t_case k;
	size_t len;
	int lt, fam;

	if (!t_index(_i, &lt, &fam, &k))
		return;
	p = t_pkt(fam, k);
	len = tf_frame(f, sizeof f, lt, &p);
	ck_assert_uint_gt(len, 0);
	t_check_cuts(lt, f, len);

	/* The same without payload: every cut is in a header. */
	p.paylen = 0;
	len = tf_frame(f, sizeof f, lt, &p);
	t_check_cuts(lt, f, len);
}
END_TEST

/* One TCP flag at a time, then all of them. */
START_TEST(test_tcp_flags)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(_i % 2 ? 6 : 4, T_TCP);
	size_t len;
	int bit = _i / 2;

	p.flags = bit < 9 ? (uint16_t)(1 << bit) : 0x1ff;
	len = tf_frame(f, sizeof f, 12, &p);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.flags, p.flags);
	ck_assert_uint_eq((pkt.flags & SS_TH_AE) != 0, bit == 8 || bit == 9);
	ck_assert_uint_eq((pkt.flags & SS_TH_ECE) != 0, bit == 6 || bit == 9);
	ck_assert_uint_eq((pkt.flags & SS_TH_CWR) != 0, bit == 7 || bit == 9);
	ck_assert_uint_eq(pkt.thlen, 40);
}
END_TEST

/* TCP option cases: bytes, and what the decoder must find. */
struct t_opt_case {
	const char	*name;
	uint8_t		 bytes[40];
	size_t		 len;
	uint16_t	 has;
	uint8_t		 reason;	/* SS_R_TCP_OPTIONS when bad */
	uint16_t	 mss;
	uint8_t		 wscale;
	uint8_t		 nsack;
	uint32_t	 sack_last_right;
	uint8_t		 tfo_len;
	uint8_t		 nopts;
};

static const struct t_opt_case t_opt_cases[] = {
	{ "mss", { 2, 4, 0x05, 0xb4 }, 4, SS_OPT_MSS, 0, 1460, 0, 0, 0, 0,
	  1 },
	{ "wscale 14", { 1, 3, 3, 14 }, 4, SS_OPT_WSCALE, 0, 0, 14, 0, 0, 0,
	  2 },
	{ "sackok", { 4, 2 }, 2, SS_OPT_SACKOK | SS_OPT_EOL, 0, 0, 0, 0, 0,
	  0, 2 },
	{ "sack 1", { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 9 }, 12,
	  SS_OPT_SACK, 0, 0, 0, 1, 9, 0, 3 },
	{ "sack 4", { 1, 1, 5, 34,
	  0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4,
	  0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8 }, 36,
	  SS_OPT_SACK, 0, 0, 0, 4, 8, 0, 3 },
	{ "ts", { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 }, 12, SS_OPT_TS, 0,
	  0, 0, 0, 0, 0, 3 },
	{ "tfo cookie", { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, SS_OPT_TFO |
	  SS_OPT_EOL, 0, 0, 0, 0, 0, 8, 2 },
	{ "tfo request", { 34, 2, 1, 1 }, 4, SS_OPT_TFO, 0, 0, 0, 0, 0, 0,
	  3 },
	{ "tfo exp cookie", { 254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8 },
	  12, SS_OPT_TFO, 0, 0, 0, 0, 0, 8, 1 },
	{ "tfo exp request", { 254, 4, 0xf9, 0x89 }, 4, SS_OPT_TFO, 0, 0, 0,
	  0, 0, 0, 1 },
	{ "exp other", { 254, 4, 0x12, 0x34 }, 4, SS_OPT_UNKNOWN, 0, 0, 0,
	  0, 0, 0, 1 },
	{ "mptcp", { 30, 4, 0x00, 0x81 }, 4, SS_OPT_MPTCP, 0, 0, 0, 0, 0,
	  0, 1 },
	{ "md5", { 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	  16, 1, 1 }, 20, SS_OPT_MD5, 0, 0, 0, 0, 0, 0, 3 },
	{ "ao", { 29, 4, 1, 1 }, 4, SS_OPT_AO, 0, 0, 0, 0, 0, 0, 1 },
	{ "unknown", { 99, 3, 0, 1 }, 4, SS_OPT_UNKNOWN, 0, 0, 0, 0, 0, 0,
	  2 },
	{ "eol stops", { 2, 4, 0x05, 0xb4, 0, 2, 4, 1 }, 8,
	  SS_OPT_MSS | SS_OPT_EOL, 0, 1460, 0, 0, 0, 0, 2 },
	{ "len 0", { 1, 2, 0, 0 }, 4, SS_OPT_BAD, SS_R_TCP_OPTIONS, 0, 0, 0,
	  0, 0, 2 },
	{ "len 1", { 2, 4, 0x05, 0xb4, 8, 1, 0, 0 }, 8, SS_OPT_MSS |
	  SS_OPT_BAD, SS_R_TCP_OPTIONS, 1460, 0, 0, 0, 0, 2 },
	{ "past header", { 1, 8, 10, 0, 0, 0, 1, 0 }, 8, SS_OPT_BAD,
	  SS_R_TCP_OPTIONS, 0, 0, 0, 0, 0, 2 },
	{ "length byte missing", { 1, 1, 1, 2 }, 4, SS_OPT_BAD,
	  SS_R_TCP_OPTIONS, 0, 0, 0, 0, 0, 4 },
	{ "mss wrong size", { 2, 3, 5, 1 }, 4, SS_OPT_BAD, SS_R_TCP_OPTIONS,
	  0, 0, 0, 0, 0, 2 },
	/* Linux's SYN block (taken at once), then near misses of it */
	{ "linux syn", { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,
	  1, 3, 3, 14 }, 20, SS_OPT_MSS | SS_OPT_SACKOK | SS_OPT_TS |
	  SS_OPT_WSCALE, 0, 1460, 14, 0, 0, 0, 5 },
	{ "linux syn, eol last", { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
	  0, 0, 0, 2, 1, 1, 1, 0 }, 20, SS_OPT_MSS | SS_OPT_SACKOK | SS_OPT_TS |
	  SS_OPT_EOL, 0, 1460, 0, 0, 0, 0, 7 },
	{ "linux syn, wscale too long", { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
	  0, 1, 0, 0, 0, 2, 1, 3, 4, 14 }, 20, SS_OPT_MSS | SS_OPT_SACKOK |
	  SS_OPT_TS | SS_OPT_BAD, SS_R_TCP_OPTIONS, 1460, 0, 0, 0, 0, 5 },
};
#define T_NOPTS	((int)(sizeof t_opt_cases / sizeof t_opt_cases[0]))

/* TCP options, one case per loop index, and their truncations. */
START_TEST(test_tcp_options)
{
	const struct t_opt_case *oc = &t_opt_cases[_i];
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(4, T_TCP);
	size_t len;

	p.tcpopt = oc->bytes;
	p.tcpoptlen = oc->len;
	len = tf_frame(f, sizeof f, DLT_EN10MB, &p);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, len, &pkt), SS_DEC_OK);
	ck_assert_msg(pkt.opt.has == oc->has, "%s: has %#x, want %#x",
	    oc->name, pkt.opt.has, oc->has);
	ck_assert_uint_eq(pkt.reason, oc->reason);
	ck_assert_uint_eq(pkt.opt.mss, oc->mss);
	ck_assert_uint_eq(pkt.opt.wscale, oc->wscale);
	ck_assert_uint_eq(pkt.opt.nsack, oc->nsack);
	if (oc->nsack != 0)
		ck_assert_uint_eq(pkt.opt.sack[oc->nsack - 1][1],
		    oc->sack_last_right);
	ck_assert_uint_eq(pkt.opt.tfo_len, oc->tfo_len);
	ck_assert_msg(pkt.opt.nopts == oc->nopts, "%s: nopts %u, want %u",
	    oc->name, pkt.opt.nopts, oc->nopts);
	ck_assert_uint_eq(pkt.opt.kinds[0], oc->bytes[0]);
	ck_assert_uint_eq(pkt.sport, p.sport);
	ck_assert_uint_eq(pkt.payload_len, p.paylen);
	if (oc->has & SS_OPT_TS)
		ck_assert_uint_eq(pkt.opt.ts_ecr, 2);
	if (oc->reason == SS_R_NONE)
		t_check_cuts(DLT_EN10MB, f, len);
}
END_TEST

/* Options cut by the snapshot length: TRUNCATED, fixed header filled. */
START_TEST(test_tcp_options_cut)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(4, T_TCP);
	size_t len;

	len = tf_frame(f, sizeof f, 12, &p);
	/* Cut after MSS and SACK-permitted and 3 bytes of timestamps. */
	t_decode(12, f, 20 + 20 + 9, len, &pkt);
	ck_assert_int_eq(pkt.outcome, SS_DEC_TRUNCATED);
	ck_assert_uint_eq(pkt.reason, SS_R_TCP_OPTIONS);
	ck_assert_uint_eq(pkt.sport, p.sport);
	ck_assert_uint_eq(pkt.dport, p.dport);
	ck_assert_uint_eq(pkt.seq, p.seq);
	ck_assert_uint_eq(pkt.ack, p.ack);
	ck_assert_uint_eq(pkt.flags, p.flags);
	ck_assert_uint_eq(pkt.win, p.win);
	ck_assert_uint_eq(pkt.thlen, 40);
	ck_assert_uint_eq(pkt.opt.has, SS_OPT_MSS | SS_OPT_SACKOK);
	ck_assert_uint_eq(pkt.opt.mss, 1460);

	/* Fixed header cut: TCP_SHORT, ports and seq kept. */
	t_decode(12, f, 20 + 9, len, &pkt);
	ck_assert_int_eq(pkt.outcome, SS_DEC_TRUNCATED);
	ck_assert_uint_eq(pkt.reason, SS_R_TCP_SHORT);
	ck_assert_uint_eq(pkt.proto, IPPROTO_TCP);
	ck_assert_uint_eq(pkt.sport, p.sport);
	ck_assert_uint_eq(pkt.seq, p.seq);
	ck_assert_uint_eq(pkt.ack, 0);
}
END_TEST

/* Write an Ethernet header with tags (TPID, TCI pairs); returns length. */
static size_t
t_ether(uint8_t *f, const uint16_t *tags, size_t ntags, uint16_t type)
{
	size_t n = 12, i;

	memset(f, 0x02, 12);
	for (i = 0; i < ntags; i++) {
		f[n++] = (uint8_t)(tags[2 * i] >> 8);
		f[n++] = (uint8_t)tags[2 * i];
		f[n++] = (uint8_t)(tags[2 * i + 1] >> 8);
		f[n++] = (uint8_t)tags[2 * i + 1];
	}
	f[n++] = (uint8_t)(type >> 8);
	f[n++] = (uint8_t)type;
	return (n);
}

/* A raw IP frame of a base case. */
static size_t
t_raw(uint8_t *f, int fam, enum t_case k)
{
	struct tf_pkt p = t_pkt(fam, k);
	size_t len = tf_frame(f, T_BUFSZ, 12, &p);

	ck_assert_uint_gt(len, 0);
	return (len);
}

/* VLAN: one tag from the builder, QinQ, 0x9100, too many, cut. */
START_TEST(test_vlan)
{
	static const uint16_t qinq[] = { 0x88a8, 0x0064, 0x8100, 0x2123 };
	static const uint16_t old[] = { 0x9100, 0x0fff, 0x8100, 0x0001 };
	uint16_t many[18];
	uint8_t f[T_BUFSZ], ip[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(6, T_TCP);
	size_t len, iplen, n;
	int i;

	p.vlan = 0xabc;
	len = tf_frame(f, sizeof f, DLT_EN10MB, &p);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.nvlan, 1);
	ck_assert_uint_eq(pkt.vlan, 0xabc);
	ck_assert_uint_eq(pkt.sport, p.sport);
	t_check_cuts(DLT_EN10MB, f, len);

	iplen = t_raw(ip, 4, T_UDP);
	n = t_ether(f, qinq, 2, 0x0800);
	memcpy(f + n, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + iplen, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.nvlan, 2);
	ck_assert_uint_eq(pkt.vlan, 100);
	ck_assert_uint_eq(pkt.dport, 53);
	t_check_cuts(DLT_EN10MB, f, n + iplen);
	/* A cut inside the inner tag. */
	t_decode(DLT_EN10MB, f, 19, n + iplen, &pkt);
	ck_assert_int_eq(pkt.outcome, SS_DEC_TRUNCATED);
	ck_assert_uint_eq(pkt.reason, SS_R_VLAN_SHORT);

	n = t_ether(f, old, 2, 0x0800);
	memcpy(f + n, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + iplen, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.nvlan, 2);
	ck_assert_uint_eq(pkt.vlan, 0xfff);

	/* Eight tags decode, nine are too many. */
	for (i = 0; i < 9; i++) {
		many[2 * i] = 0x8100;
		many[2 * i + 1] = (uint16_t)(i + 1);
	}
	n = t_ether(f, many, 8, 0x0800);
	memcpy(f + n, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + iplen, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.nvlan, 8);
	ck_assert_uint_eq(pkt.vlan, 1);
	n = t_ether(f, many, 9, 0x0800);
	memcpy(f + n, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + iplen, &pkt),
	    SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_VLAN_DEPTH);
}
END_TEST

/* Ethernet padding is never payload. */
START_TEST(test_eth_padding)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(4, T_TCP);
	size_t len;

	p.tcpopt = NULL;
	p.tcpoptlen = 0;
	p.flags = SS_TH_ACK;
	p.paylen = 0;
	len = tf_frame(f, sizeof f, DLT_EN10MB, &p);
	ck_assert_uint_eq(len, 54);
	memset(f + len, 0xaa, 6);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, 60, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.payload_len, 0);
	ck_assert_uint_eq(pkt.payload_cap, 0);
	ck_assert_ptr_null(pkt.payload);
	ck_assert_uint_eq(pkt.ip_len, 40);
	ck_assert_uint_eq(pkt.l4_len, 20);
	t_truncations(DLT_EN10MB, f, 60, 54);

	/* Two payload bytes, then padding. */
	p.paylen = 2;
	len = tf_frame(f, sizeof f, DLT_EN10MB, &p);
	memset(f + len, 0, 60 - len);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, 60, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.payload_len, 2);
	ck_assert_uint_eq(pkt.payload_cap, 2);
	t_truncations(DLT_EN10MB, f, 60, 54);

	/* UDP likewise. */
	p = t_pkt(4, T_UDP);
	p.paylen = 1;
	len = tf_frame(f, sizeof f, DLT_EN10MB, &p);
	memset(f + len, 0, 60 - len);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, 60, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.payload_len, 1);
	ck_assert_uint_eq(pkt.udp_len, 9);
}
END_TEST

/* IPv4 options are skipped by the header length. */
START_TEST(test_ipv4_options)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	size_t len = t_raw(f, 4, T_TCP);

	/* Router alert (RFC 2113) and NOPs: IHL 7. */
	memmove(f + 28, f + 20, len - 20);
	memcpy(f + 20, "\x94\x04\x00\x00\x01\x01\x01\x00", 8);
	f[0] = 0x47;
	f[3] = (uint8_t)(f[3] + 8);
	len += 8;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.sport, 40000);
	ck_assert_uint_eq(pkt.ip_len, len);
	ck_assert_uint_eq(pkt.l4_len, len - 28);
	ck_assert_uint_eq(pkt.payload_len, 10);
	t_check_cuts(12, f, len);
	t_decode(12, f, 24, len, &pkt);
	ck_assert_int_eq(pkt.outcome, SS_DEC_TRUNCATED);
	ck_assert_uint_eq(pkt.reason, SS_R_IPV4_OPTIONS);
}
END_TEST

/* Set the IPv4 fragment field of a raw frame. */
static void
t_frag4(uint8_t *f, uint16_t off8, int mf)
{
	uint16_t v = (uint16_t)(off8 | (mf ? 0x2000 : 0));

	f[6] = (uint8_t)(v >> 8);
	f[7] = (uint8_t)v;
}

/* IPv4 first and later fragments. */
START_TEST(test_ipv4_fragments)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	size_t len = t_raw(f, 4, T_TCP);

	t_frag4(f, 0, 1);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.is_fragment, 1);
	ck_assert_uint_eq(pkt.more_frags, 1);
	ck_assert_uint_eq(pkt.frag_offset, 0);
	ck_assert_uint_eq(pkt.sport, 40000);
	ck_assert_uint_eq(pkt.thlen, 40);
	t_check_cuts(12, f, len);

	/* A tiny first fragment: the TCP header goes on elsewhere. */
	f[3] = 20 + 16;
	ck_assert_int_eq(t_full(12, f, 36, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.reason, SS_R_TCP_SHORT);
	ck_assert_uint_eq(pkt.sport, 40000);
	ck_assert_uint_eq(pkt.seq, 0xfffffff0);
	f[3] = 20 + 24;		/* the options go on elsewhere */
	ck_assert_int_eq(t_full(12, f, 44, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.flags, SS_TH_SYN | SS_TH_ACK | SS_TH_ECE |
	    SS_TH_CWR | SS_TH_AE);
	ck_assert_uint_eq(pkt.opt.mss, 1460);
	ck_assert_uint_eq(pkt.payload_len, 0);

	/* A later fragment: protocol known, no transport. */
	len = t_raw(f, 4, T_TCP);
	t_frag4(f, 185, 0);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.is_fragment, 1);
	ck_assert_uint_eq(pkt.more_frags, 0);
	ck_assert_uint_eq(pkt.frag_offset, 1480);
	ck_assert_uint_eq(pkt.proto, IPPROTO_TCP);
	ck_assert_uint_eq(pkt.sport, 0);
	ck_assert_uint_eq(pkt.dport, 0);
	ck_assert_uint_eq(pkt.thlen, 0);
	ck_assert_uint_eq(pkt.flags, 0);
	ck_assert_uint_eq(pkt.l4_len, len - 20);
	t_truncations(12, f, len, 20);

	/* A UDP first fragment: the UDP length exceeds it, and that is fine. */
	len = t_raw(f, 4, T_UDP);
	t_frag4(f, 0, 1);
	f[24] = 0x05;		/* UDP length 1280 */
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.udp_len, 0x0500 | f[25]);
	ck_assert_uint_eq(pkt.payload_len, 12);
}
END_TEST

/* An IPv6 extension header to splice in. */
struct t_ext {
	uint8_t		type;
	uint16_t	offlg;		/* fragment: offset | M */
};

/* Splice extension headers into a raw IPv6 frame; returns the length. */
static size_t
t_v6ext(uint8_t *f, size_t len, const struct t_ext *ext, size_t n)
{
	uint8_t hdr[512], last = f[6];
	size_t i, hl = 0, l;
	uint16_t plen;

	for (i = 0; i < n; i++) {
		l = ext[i].type == 51 ? 16 : 8;
		memset(hdr + hl, 0, l);
		hdr[hl] = i + 1 < n ? ext[i + 1].type : last;
		if (ext[i].type == 44) {
			hdr[hl + 2] = (uint8_t)(ext[i].offlg >> 8);
			hdr[hl + 3] = (uint8_t)ext[i].offlg;
			hdr[hl + 7] = 0x42;
		} else if (ext[i].type == 51)
			hdr[hl + 1] = 2;
		else if (ext[i].type == 0 || ext[i].type == 60)
			hdr[hl + 2] = 1;	/* PadN */
		hl += l;
	}
	memmove(f + 40 + hl, f + 40, len - 40);
	memcpy(f + 40, hdr, hl);
	f[6] = n ? ext[0].type : last;
	plen = (uint16_t)(((f[4] << 8) | f[5]) + hl);
	f[4] = (uint8_t)(plen >> 8);
	f[5] = (uint8_t)plen;
	return (len + hl);
}

/* IPv6 extension header chains. */
START_TEST(test_ipv6_ext)
{
	static const struct t_ext chain[] = {
		{ 0, 0 }, { 60, 0 }, { 43, 0 }, { 51, 0 }, { 44, 1 },
		{ 60, 0 },
	};
	static const struct t_ext later[] = { { 0, 0 }, { 44, 0x05c8 } };
	struct t_ext many[9];
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	size_t len, i;

	len = t_v6ext(f, t_raw(f, 6, T_TCP), chain, 6);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.proto, IPPROTO_TCP);
	ck_assert_uint_eq(pkt.sport, 40000);
	ck_assert_uint_eq(pkt.is_fragment, 1);
	ck_assert_uint_eq(pkt.more_frags, 1);
	ck_assert_uint_eq(pkt.frag_offset, 0);
	ck_assert_uint_eq(pkt.ip_len, len);
	ck_assert_uint_eq(pkt.payload_len, 10);
	t_check_cuts(12, f, len);

	len = t_v6ext(f, t_raw(f, 6, T_UDP), later, 2);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.proto, IPPROTO_UDP);
	ck_assert_uint_eq(pkt.frag_offset, 0x05c8);
	ck_assert_uint_eq(pkt.more_frags, 0);
	ck_assert_uint_eq(pkt.is_fragment, 1);
	ck_assert_uint_eq(pkt.sport, 0);
	t_truncations(12, f, len, 56);

	/* Eight headers decode, nine are too many. */
	for (i = 0; i < 9; i++) {
		many[i].type = 60;
		many[i].offlg = 0;
	}
	len = t_v6ext(f, t_raw(f, 6, T_UDP), many, 8);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.dport, 53);
	len = t_v6ext(f, t_raw(f, 6, T_UDP), many, 9);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_IPV6_EXT_CHAIN);

	/* No next header. */
	len = t_raw(f, 6, T_UDP);
	f[6] = 59;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.proto, 59);
	ck_assert_uint_eq(pkt.sport, 0);

	/* An extension header past the payload length. */
	len = t_v6ext(f, t_raw(f, 6, T_UDP), chain, 1);
	f[41] = 200;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_IPV6_EXT_SHORT);
}
END_TEST

/* Quotes of ICMP errors: unusable, other types, truncated. */
START_TEST(test_icmp_errors)
{
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p = t_pkt(4, T_ERR_TCP);
	size_t len;

	p.icmp_type = 11;
	p.icmp_code = 0;
	len = tf_frame(f, sizeof f, 12, &p);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.icmp_is_error, 1);
	ck_assert_uint_eq(pkt.inner.family, 4);
	ck_assert_uint_eq(pkt.inner.has_seq, 1);
	ck_assert_uint_eq(pkt.inner.seq, p.seq);

	/* A quote that is not IP: the ICMP message is still fine. */
	f[28] = 0x75;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.reason, SS_R_ICMP_INNER);
	ck_assert_uint_eq(pkt.icmp_is_error, 1);
	ck_assert_uint_eq(pkt.inner.family, 0);
	ck_assert_uint_eq(pkt.inner.has_ports, 0);

	/* A quote of the IP header only. */
	p.paylen = 0;
	len = tf_frame(f, sizeof f, 12, &p);
	f[3] = (uint8_t)(f[3] - 8);
	ck_assert_int_eq(t_full(12, f, len - 8, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.inner.family, 4);
	ck_assert_uint_eq(pkt.inner.has_ports, 0);

	/* ICMPv6 packet too big (2) and parameter problem (4). */
	p = t_pkt(6, T_ERR_UDP);
	p.icmp_type = 2;
	len = tf_frame(f, sizeof f, 12, &p);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.inner.family, 6);
	ck_assert_uint_eq(pkt.inner.proto, IPPROTO_UDP);
	ck_assert_uint_eq(pkt.inner.dport, p.dport);
	ck_assert_uint_eq(pkt.inner.has_seq, 0);

	/* Not an error: router advertisement. */
	p = t_pkt(6, T_ECHO);
	p.icmp_type = 134;
	len = tf_frame(f, sizeof f, 12, &p);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.icmp_is_error, 0);
	ck_assert_uint_eq(pkt.icmp_id, 0);

	/* ICMP header cut on the wire. */
	len = t_raw(f, 4, T_ECHO);
	f[3] = 24;
	ck_assert_int_eq(t_full(12, f, 24, &pkt), SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_ICMP_SHORT);
	ck_assert_uint_eq(pkt.icmp_type, 8);
}
END_TEST

/* A malformed variant of a base packet. */
struct t_bad {
	const char	*name;
	int		 fam;
	enum t_case	 k;
	int		 lt;		/* 12 raw, or DLT_EN10MB */
	size_t		 at;		/* IP packet byte to set */
	uint8_t		 val;
	uint8_t		 outcome;
	uint8_t		 reason;
	uint16_t	 sport;		/* still filled in */
};

static const struct t_bad t_bads[] = {
	{ "ihl 4", 4, T_TCP, 12, 0, 0x44, SS_DEC_MALFORMED, SS_R_IPV4_IHL,
	  0 },
	{ "ihl 0", 4, T_TCP, 12, 0, 0x40, SS_DEC_MALFORMED, SS_R_IPV4_IHL,
	  0 },
	{ "totlen < ihl", 4, T_TCP, 12, 3, 19, SS_DEC_MALFORMED,
	  SS_R_IPV4_TOTLEN, 0 },
	{ "totlen > wire", 4, T_TCP, 12, 2, 0x10, SS_DEC_MALFORMED,
	  SS_R_IPV4_TOTLEN, 0 },
	{ "ihl > totlen", 4, T_UDP, 12, 0, 0x4f, SS_DEC_MALFORMED,
	  SS_R_IPV4_TOTLEN, 0 },
	{ "doff 4", 4, T_TCP, 12, 32, 0x41, SS_DEC_MALFORMED, SS_R_TCP_DOFF,
	  40000 },
	{ "doff 0", 6, T_TCP, 12, 52, 0x00, SS_DEC_MALFORMED, SS_R_TCP_DOFF,
	  40000 },
	{ "doff past segment", 4, T_TCP, 12, 32, 0xf1, SS_DEC_MALFORMED,
	  SS_R_TCP_DOFF, 40000 },
	{ "udp length 7", 4, T_UDP, 12, 25, 7, SS_DEC_MALFORMED,
	  SS_R_UDP_LENGTH, 40000 },
	{ "udp length 0", 6, T_UDP, 12, 45, 0, SS_DEC_MALFORMED,
	  SS_R_UDP_LENGTH, 40000 },
	{ "udp length > ip", 4, T_UDP, 12, 25, 21, SS_DEC_MALFORMED,
	  SS_R_UDP_LENGTH, 40000 },
	{ "version 5", 4, T_TCP, 12, 0, 0x55, SS_DEC_MALFORMED,
	  SS_R_IP_VERSION, 0 },
	{ "version 0", 6, T_TCP, 12, 0, 0x00, SS_DEC_MALFORMED,
	  SS_R_IP_VERSION, 0 },
	{ "v6 in 0x0800", 6, T_TCP, DLT_EN10MB, 0, 0x60, SS_DEC_MALFORMED,
	  SS_R_IPV4_VERSION, 0 },
	{ "v4 in 0x86dd", 4, T_TCP, DLT_EN10MB, 0, 0x45, SS_DEC_MALFORMED,
	  SS_R_IPV6_VERSION, 0 },
	{ "v6 payload > wire", 6, T_TCP, 12, 4, 0x01, SS_DEC_MALFORMED,
	  SS_R_IPV6_PAYLEN, 0 },
	{ "v6 short payload", 6, T_TCP, 12, 5, 19, SS_DEC_MALFORMED,
	  SS_R_TCP_SHORT, 40000 },
};
#define T_NBADS	((int)(sizeof t_bads / sizeof t_bads[0]))

/* Malformed packets: named reason, and what came before is kept. */
START_TEST(test_malformed)
{
	const struct t_bad *b = &t_bads[_i];
	uint8_t f[T_BUFSZ], ip[T_BUFSZ];
	struct ss_packet pkt;
	size_t len, n = 0;

	len = t_raw(ip, b->fam, b->k);
	ip[b->at] = b->val;
	if (b->lt == DLT_EN10MB)
		/* The wrong ethertype for the packet's version. */
		n = t_ether(f, NULL, 0, b->fam == 6 ? 0x0800 : 0x86dd);
	memcpy(f + n, ip, len);
	len += n;
	ck_assert_msg(t_full(b->lt, f, len, &pkt) == b->outcome,
	    "%s: outcome %d %s", b->name, pkt.outcome,
	    ss_reason_name(pkt.reason));
	ck_assert_msg(pkt.reason == b->reason, "%s: reason %s", b->name,
	    ss_reason_name(pkt.reason));
	ck_assert_uint_eq(pkt.sport, b->sport);
	if (b->reason != SS_R_IP_VERSION && b->reason != SS_R_IPV4_VERSION &&
	    b->reason != SS_R_IPV6_VERSION)
		ck_assert_uint_eq(pkt.family, b->fam);
	if (b->k == T_UDP && b->sport != 0)
		ck_assert_uint_eq(pkt.payload_len, 12);
}
END_TEST

/* Linux BIG TCP and jumbograms. */
START_TEST(test_bigtcp)
{
	static const uint8_t jumbo_hbh[8] = { 6, 0, 0xc2, 4, 0, 0, 0, 0 };
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	size_t len;
	uint32_t j;

	/* IPv4 total length 0: the rest of the frame. */
	len = t_raw(f, 4, T_TCP);
	f[2] = f[3] = 0;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ip_len, len);
	ck_assert_uint_eq(pkt.payload_len, 10);

	/* IPv6 payload length 0, no Hop-by-Hop left by the kernel. */
	len = t_raw(f, 6, T_TCP);
	f[4] = f[5] = 0;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ip_len, len);
	ck_assert_uint_eq(pkt.payload_len, 10);

	/* IPv6 jumbogram (RFC 2675). */
	len = t_raw(f, 6, T_TCP);
	memmove(f + 48, f + 40, len - 40);
	memcpy(f + 40, jumbo_hbh, 8);
	j = (uint32_t)(len + 8 - 40);
	f[44] = (uint8_t)(j >> 24);
	f[45] = (uint8_t)(j >> 16);
	f[46] = (uint8_t)(j >> 8);
	f[47] = (uint8_t)j;
	f[4] = f[5] = 0;
	f[6] = 0;
	len += 8;
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ip_len, len);
	ck_assert_uint_eq(pkt.proto, IPPROTO_TCP);
	ck_assert_uint_eq(pkt.payload_len, 10);
	t_decode(12, f, 45, len, &pkt);
	ck_assert_int_eq(pkt.outcome, SS_DEC_TRUNCATED);
	f[47]++;		/* one byte more than the frame */
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_IPV6_PAYLEN);
}
END_TEST

/* Frames that carry no IP, and link types that are not decoded. */
START_TEST(test_not_ip)
{
	static const uint8_t stp[] = { 0x42, 0x42, 0x03, 0, 0, 0 };
	uint8_t f[T_BUFSZ], ip[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p;
	size_t n, iplen;

	n = t_ether(f, NULL, 0, 0x0806);	/* ARP */
	memset(f + n, 0, 28);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 28, &pkt), SS_DEC_NOT_IP);
	ck_assert_uint_eq(pkt.reason, SS_R_NONE);
	ck_assert_uint_eq(pkt.family, 0);

	n = t_ether(f, NULL, 0, 0x88cc);	/* LLDP */
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 20, &pkt), SS_DEC_NOT_IP);

	/* 802.3 with STP, then LLC/SNAP carrying IPv4. */
	n = t_ether(f, NULL, 0, sizeof stp);
	memcpy(f + n, stp, sizeof stp);
	memset(f + n + sizeof stp, 0, 40);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, 60, &pkt), SS_DEC_NOT_IP);
	iplen = t_raw(ip, 4, T_TCP);
	n = t_ether(f, NULL, 0, (uint16_t)(iplen + 8));
	memcpy(f + n, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
	memcpy(f + n + 8, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 8 + iplen, &pkt),
	    SS_DEC_OK);
	ck_assert_uint_eq(pkt.sport, 40000);
	t_check_cuts(DLT_EN10MB, f, n + 8 + iplen);

	/* DLT_NULL of an unknown family, and link type 160. */
	memset(f, 0, 4);
	f[0] = 7;
	memcpy(f + 4, ip, iplen);
	ck_assert_int_eq(t_full(DLT_NULL, f, 4 + iplen, &pkt), SS_DEC_NOT_IP);
	ck_assert(!ss_decode_linktype_supported(160));
	ck_assert(!ss_decode_linktype_supported(-1));
	ck_assert(!ss_decode_linktype_supported(DLT_IEEE802_11));
	ck_assert_int_eq(t_full(160, ip, iplen, &pkt), SS_DEC_NOT_IP);
	ck_assert_int_eq(pkt.linktype, 160);

	/* Linux cooked: a netlink frame is not IP, whatever its protocol. */
	p = t_pkt(4, T_TCP);
	n = tf_frame(f, sizeof f, DLT_LINUX_SLL, &p);
	ck_assert_int_eq(t_full(DLT_LINUX_SLL, f, n, &pkt), SS_DEC_OK);
	f[2] = 0x03;
	f[3] = 0x38;		/* ARPHRD_NETLINK */
	ck_assert_int_eq(t_full(DLT_LINUX_SLL, f, n, &pkt), SS_DEC_NOT_IP);
	n = tf_frame(f, sizeof f, DLT_LINUX_SLL2, &p);
	f[8] = 0x03;
	f[9] = 0x38;
	ck_assert_int_eq(t_full(DLT_LINUX_SLL2, f, n, &pkt), SS_DEC_NOT_IP);
	ck_assert_int_eq(t_decode(DLT_LINUX_SLL2, f, 12, n, &pkt),
	    SS_DEC_TRUNCATED);
	ck_assert_uint_eq(pkt.reason, SS_R_LINK_SHORT);
	ck_assert_int_eq(t_full(DLT_LINUX_SLL2, f, 12, &pkt),
	    SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_LINK_SHORT);
}
END_TEST

/* DLT_NULL in either byte order, every BSD's AF_INET6. */
START_TEST(test_null_families)
{
	static const uint32_t afs[] = { 2, 24, 28, 30 };
	uint8_t f[T_BUFSZ];
	struct ss_packet pkt;
	size_t len, i;
	int fam;

	for (i = 0; i < 4; i++) {
		fam = afs[i] == 2 ? 4 : 6;
		len = t_raw(f + 4, fam, T_UDP);
		memset(f, 0, 4);
		f[0] = (uint8_t)afs[i];	/* little-endian writer */
		ck_assert_int_eq(t_full(DLT_NULL, f, len + 4, &pkt),
		    SS_DEC_OK);
		ck_assert_uint_eq(pkt.family, fam);
		f[0] = 0;
		f[3] = (uint8_t)afs[i];		/* big-endian writer */
		ck_assert_int_eq(t_full(DLT_NULL, f, len + 4, &pkt),
		    SS_DEC_OK);
		ck_assert_uint_eq(pkt.family, fam);
		ck_assert_int_eq(t_full(DLT_LOOP, f, len + 4, &pkt),
		    SS_DEC_OK);
		ck_assert_uint_eq(pkt.family, fam);
		f[3] = 0;
		f[0] = (uint8_t)afs[i];	/* DLT_LOOP: big-endian */
		ck_assert_int_eq(t_full(DLT_LOOP, f, len + 4, &pkt),
		    SS_DEC_NOT_IP);
	}
}
END_TEST

/* Write an MPLS label stack entry. */
static void
t_label(uint8_t *p, uint32_t label, int bos)
{
	uint32_t v = (label << 12) | (bos ? 0x100 : 0) | 64;

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* MPLS label stacks. */
START_TEST(test_mpls)
{
	uint8_t f[T_BUFSZ], ip[T_BUFSZ];
	struct ss_packet pkt;
	size_t n, iplen;
	int i;

	iplen = t_raw(ip, 6, T_TCP);
	n = t_ether(f, NULL, 0, 0x8847);
	t_label(f + n, 100, 0);
	t_label(f + n + 4, 200, 1);
	memcpy(f + n + 8, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 8 + iplen, &pkt),
	    SS_DEC_OK);
	ck_assert_uint_eq(pkt.family, 6);
	ck_assert_uint_eq(pkt.ntunnel, 1);
	ck_assert_uint_eq(pkt.sport, 40000);
	t_check_cuts(DLT_EN10MB, f, n + 8 + iplen);
	t_decode(DLT_EN10MB, f, n + 6, n + 8 + iplen, &pkt);
	ck_assert_uint_eq(pkt.reason, SS_R_MPLS_SHORT);

	/* Too deep. */
	for (i = 0; i < 9; i++)
		t_label(f + n + 4 * i, (uint32_t)i, i == 8);
	memcpy(f + n + 36, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 36 + iplen, &pkt),
	    SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_MPLS_DEPTH);

	/* A pseudowire control word: not followed. */
	t_label(f + n, 100, 1);
	memset(f + n + 4, 0, 4);
	memcpy(f + n + 8, ip, iplen);
	ck_assert_int_eq(t_full(DLT_EN10MB, f, n + 8 + iplen, &pkt),
	    SS_DEC_NOT_IP);
	ck_assert_uint_eq(pkt.ntunnel, 0);
}
END_TEST

/* Write an outer IPv4 header of protocol proto around len bytes. */
static size_t
t_outer4(uint8_t *p, uint8_t proto, size_t len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((len + 20) >> 8);
	p[3] = (uint8_t)(len + 20);
	p[8] = 30;
	p[9] = proto;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	return (20);
}

/* Wrap a packet in an IPv4 header; returns the new length. */
static size_t
t_wrap4(uint8_t *f, size_t len, uint8_t proto, const uint8_t *gre,
    size_t grelen)
{
	memmove(f + 20 + grelen, f, len);
	if (grelen != 0)
		memcpy(f + 20, gre, grelen);
	return (t_outer4(f, proto, len + grelen) + grelen + len);
}

/* IP-in-IP and GRE tunnels: the innermost packet is described. */
START_TEST(test_tunnels)
{
	static const uint8_t gre_cks[] = {
		0xb0, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 9,
	};
	static const uint8_t gre_teb[] = { 0x20, 0x00, 0x65, 0x58, 0, 0, 0, 7 };
	static const uint8_t gre_erspan[] = { 0x10, 0x00, 0x88, 0xbe, 0, 0, 0,
	    1 };
	static const uint8_t gre_pptp[] = {
		0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 1, 0, 0, 0, 3, 0xff, 0x03,
		0x00, 0x21,
	};
	uint8_t f[T_BUFSZ], eth[T_BUFSZ];
	struct ss_packet pkt;
	struct ss_addr dst = t_addr(T_DST6);
	size_t len, n;
	int i;

	/* IPv6 in IPv4 (41). */
	len = t_wrap4(f, t_raw(f, 6, T_TCP), 41, NULL, 0);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.family, 6);
	ck_assert_uint_eq(pkt.ntunnel, 1);
	ck_assert_mem_eq(pkt.dst.a, dst.a, 16);
	ck_assert_uint_eq(pkt.sport, 40000);
	ck_assert_uint_eq(pkt.ip_len, len - 20);
	t_check_cuts(12, f, len);

	/* IPv4 in IPv4, four deep; a fifth is too deep. */
	len = t_raw(f, 4, T_UDP);
	for (i = 0; i < 4; i++)
		len = t_wrap4(f, len, 4, NULL, 0);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ntunnel, 4);
	ck_assert_uint_eq(pkt.dport, 53);
	ck_assert_uint_eq(pkt.ttl, 64);
	len = t_wrap4(f, len, 4, NULL, 0);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_MALFORMED);
	ck_assert_uint_eq(pkt.reason, SS_R_TUNNEL_DEPTH);

	/* GRE with checksum, key and sequence number. */
	len = t_wrap4(f, t_raw(f, 4, T_TCP), 47, gre_cks, sizeof gre_cks);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ntunnel, 1);
	ck_assert_uint_eq(pkt.proto, IPPROTO_TCP);
	ck_assert_uint_eq(pkt.payload_len, 10);
	ck_assert_uint_eq(pkt.ttl, 64);
	t_check_cuts(12, f, len);
	t_decode(12, f, 30, len, &pkt);
	ck_assert_uint_eq(pkt.reason, SS_R_GRE_SHORT);

	/* GRE transparent Ethernet bridging, IPv6 with a VLAN tag inside. */
	n = t_ether(eth, (const uint16_t[]){ 0x8100, 5 }, 1, 0x86dd);
	len = t_raw(eth + n, 6, T_UDP) + n;
	memcpy(f, eth, len);
	len = t_wrap4(f, len, 47, gre_teb, sizeof gre_teb);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.family, 6);
	ck_assert_uint_eq(pkt.nvlan, 1);
	ck_assert_uint_eq(pkt.vlan, 5);
	ck_assert_uint_eq(pkt.dport, 53);
	t_check_cuts(12, f, len);

	/* PPTP enhanced GRE carrying PPP IPv4. */
	len = t_wrap4(f, t_raw(f, 4, T_ECHO), 47, gre_pptp, sizeof gre_pptp);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ntunnel, 1);
	ck_assert_uint_eq(pkt.proto, IPPROTO_ICMP);
	ck_assert_uint_eq(pkt.icmp_id, 0x1234);

	/* GRE carrying something else stays a GRE packet. */
	len = t_wrap4(f, t_raw(f, 4, T_TCP), 47, gre_erspan,
	    sizeof gre_erspan);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ntunnel, 0);
	ck_assert_uint_eq(pkt.proto, 47);
	ck_assert_uint_eq(pkt.family, 4);
	ck_assert_uint_eq(pkt.sport, 0);

	/* No tunnel is entered inside a fragment. */
	len = t_wrap4(f, t_raw(f, 4, T_TCP), 4, NULL, 0);
	t_frag4(f, 0, 1);
	ck_assert_int_eq(t_full(12, f, len, &pkt), SS_DEC_OK);
	ck_assert_uint_eq(pkt.ntunnel, 0);
	ck_assert_uint_eq(pkt.proto, 4);
}
END_TEST

/* A small fixed-seed generator, so the random frames repeat. */
static uint32_t
t_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8);
}

/* Random bytes and random damage: no crash and a sane result. */
START_TEST(test_random)
{
	int lt = t_links[_i];
	uint8_t f[T_BUFSZ], base[T_BUFSZ];
	struct ss_packet pkt;
	struct tf_pkt p;
	uint32_t seed = 0x5eed0000u + (uint32_t)_i;
	size_t len, blen, cap, i, j, nflip;

	for (i = 0; i < 3000; i++) {
		if (i % 2 == 0) {
			/* Pure noise, sometimes with a plausible IP nibble. */
			len = t_rand(&seed) % 200;
			for (j = 0; j < len; j++)
				f[j] = (uint8_t)t_rand(&seed);
			if (len > 20 && (t_rand(&seed) & 1))
				f[t_rand(&seed) % 21] = (t_rand(&seed) & 1) ?
				    0x45 : 0x60;
		} else {
			/* A valid frame with a few bytes changed. */
			p = t_pkt(lt == 229 || (lt != 228 &&
			    (t_rand(&seed) & 1)) ? 6 : 4,
			    (enum t_case)(t_rand(&seed) % T_NCASES));
			blen = tf_frame(base, sizeof base, lt, &p);
			ck_assert_uint_gt(blen, 0);
			memcpy(f, base, blen);
			len = blen;
			nflip = 1 + t_rand(&seed) % 4;
			for (j = 0; j < nflip; j++)
				f[t_rand(&seed) % len] = (uint8_t)t_rand(&seed);
		}
		cap = len == 0 ? 0 : t_rand(&seed) % (len + 1);
		if (t_rand(&seed) & 1)
			cap = len;
		t_decode(lt, f, cap, len, &pkt);
		ck_assert_uint_le(pkt.outcome, SS_DEC_MALFORMED);
		ck_assert(pkt.family == 0 || pkt.family == 4 ||
		    pkt.family == 6);
		ck_assert_uint_le(pkt.ntunnel, 4);
		ck_assert_uint_le(pkt.nvlan, 8);
		if (pkt.proto == IPPROTO_TCP) {
			ck_assert_uint_le(pkt.opt.nsack, SS_MAX_SACK);
			ck_assert_uint_le(pkt.opt.nopts, 16);
		}
		if (t_icmp(&pkt))
			ck_assert(pkt.inner.family == 0 ||
			    pkt.inner.family == 4 || pkt.inner.family == 6);
		else if (pkt.proto != IPPROTO_TCP) {
			/* neither options nor a quote: both read as zero */
			ck_assert_uint_eq(pkt.opt.has, 0);
			ck_assert_uint_eq(pkt.opt.nopts, 0);
			ck_assert_uint_eq(pkt.inner.family, 0);
		}
		if (pkt.outcome == SS_DEC_OK && pkt.reason == SS_R_NONE &&
		    pkt.proto == IPPROTO_TCP && pkt.frag_offset == 0 &&
		    pkt.is_fragment == 0)
			ck_assert_uint_ge(pkt.thlen, 20);
		if (pkt.outcome == SS_DEC_OK && cap == len)
			ck_assert_uint_eq(pkt.payload_cap, pkt.payload_len);
	}
}
END_TEST

/* Names of reasons and protocols. */
START_TEST(test_names)
{
	int r;

	ck_assert_str_eq(ss_reason_name(SS_R_NONE), "none");
	ck_assert_str_eq(ss_reason_name(SS_R_TCP_DOFF), "tcp_data_offset");
	ck_assert_str_eq(ss_reason_name(SS_R_GRE_SHORT), "gre_header");
	ck_assert_str_eq(ss_reason_name(SS_R_COUNT), "unknown");
	for (r = 0; r < SS_R_COUNT; r++)
		ck_assert_ptr_nonnull(ss_reason_name((enum ss_reason)r));
	ck_assert_str_eq(ss_proto_name(6), "tcp");
	ck_assert_str_eq(ss_proto_name(17), "udp");
	ck_assert_str_eq(ss_proto_name(1), "icmp");
	ck_assert_str_eq(ss_proto_name(58), "icmp");
	ck_assert_str_eq(ss_proto_name(47), "gre");
	ck_assert_str_eq(ss_proto_name(132), "sctp");
	ck_assert_str_eq(ss_proto_name(89), "other");
}
END_TEST

/* The decode suite. */
Suite *
make_decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc;

	tc = tcase_create("fields");
	tcase_add_loop_test(tc, test_fields, 0, T_NLOOP);
	tcase_add_loop_test(tc, test_tcp_flags, 0, 20);
	tcase_add_loop_test(tc, test_tcp_options, 0, T_NOPTS);
	tcase_add_test(tc, test_tcp_options_cut);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncation");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_truncation, 0, T_NLOOP);
	suite_add_tcase(s, tc);

	tc = tcase_create("layers");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_vlan);
	tcase_add_test(tc, test_eth_padding);
	tcase_add_test(tc, test_ipv4_options);
	tcase_add_test(tc, test_ipv4_fragments);
	tcase_add_test(tc, test_ipv6_ext);
	tcase_add_test(tc, test_icmp_errors);
	tcase_add_test(tc, test_bigtcp);
	tcase_add_test(tc, test_not_ip);
	tcase_add_test(tc, test_null_families);
	tcase_add_test(tc, test_mpls);
	tcase_add_test(tc, test_tunnels);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_malformed, 0, T_NBADS);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_random, 0, (int)T_NLINKS);
	suite_add_tcase(s, tc);
	return (s);
}
