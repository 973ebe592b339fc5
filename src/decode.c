/*
 * decode.c - link, network and transport decoding of one frame.
 *
 * Every byte is read through a cursor (cursor.h); nothing is ever cast onto
 * the buffer and nothing past caplen is touched.  The IP view is cut to the
 * IP total length, so Ethernet padding never becomes payload.  A header of
 * fixed length is checked once (cur_need) and its fields then read with the
 * unchecked loads ld_be16/ld_be32 from the checked bytes, as tcpdump does
 * after ND_TCHECK_LEN.  A failed check gives the same outcome and reason
 * as reading field by field would have (TCP then still keeps the fields
 * that were captured).
 *
 * Outcomes, as in tcpdump's "truncated" versus "invalid":
 *
 *   OK         decoded as far as there is something to decode.  reason may
 *              still hold a note: TCP_OPTIONS (an option whose length byte
 *              is below 2 or that runs past the TCP header: SS_OPT_BAD is
 *              set and option parsing stops, tcpdump's "[bad opt]"; a
 *              known option of the wrong size also sets SS_OPT_BAD but is
 *              skipped by its length), ICMP_INNER (the header quoted in an
 *              ICMP error is unusable; inner.family stays 0), or a
 *              transport reason in a first fragment (below).
 *   NOT_IP     a well-formed frame that carries no IP (ARP, LLDP, ...), or
 *              a link type that is not decoded.
 *   TRUNCATED  bytes that existed on the wire were not captured.
 *   MALFORMED  fields contradict each other or the frame length.
 *
 * The first problem met wins, and whatever was decoded before it (link
 * fields, addresses, ports, sequence numbers, flags) stays filled in, so a
 * flow can still be counted.  family and the addresses are set once the
 * fixed IP header is read; proto only once the IP header proved valid
 * (version, header length, total length, options, extension headers), so
 * "proto is TCP and frag_offset is 0" means a TCP header was reached, as
 * tcpdump and Wireshark count it.  In particular:
 *
 *   - a TCP header cut by the snapshot length is TRUNCATED: TCP_SHORT when
 *     the fixed 20 bytes are incomplete (the ports, seq and ack that were
 *     captured are filled in), TCP_OPTIONS when only the options are cut
 *     (the fixed header is filled in, and the options that were captured
 *     whole are parsed; SS_OPT_BAD is not set, the options are not bad);
 *   - a TCP, UDP or ICMP header that runs past the end of a first IP
 *     fragment (offset 0, MF set) is not an error: what the fragment holds
 *     is decoded and the reason is left as a note with outcome OK;
 *   - UDP: a length field below 8 is MALFORMED (unless 0 in an IPv6
 *     jumbogram), above the IP payload MALFORMED too (not in a first
 *     fragment); the ports are kept and payload_len always comes from the
 *     IP length;
 *   - an ICMP error whose quoted header was cut by the snapshot length is
 *     TRUNCATED ICMP_INNER (what was captured of it is filled in);
 *   - too many VLAN tags, MPLS labels, IPv6 extension headers or tunnel
 *     layers are MALFORMED (VLAN_DEPTH, MPLS_DEPTH, IPV6_EXT_CHAIN,
 *     TUNNEL_DEPTH).
 *
 * Tunnels (IP-in-IP 4 and 41, GRE 47, MPLS) are removed: the address and
 * transport fields describe the innermost IP packet decoded and ntunnel
 * counts the layers removed.  A tunnel is not entered inside an IP
 * fragment; a GRE packet whose payload is not IP (or uses GRE routing or
 * an unknown version) stays an OK packet of protocol 47.  UDP-encapsulated
 * tunnels (VXLAN, GENEVE, GTP-U, Teredo) are not entered: the outermost
 * transport header is the one a tracker follows.
 *
 * Linux BIG TCP: an IPv4 total length of 0 means "the rest of the frame"
 * (tcpdump's presumed TSO).  An IPv6 payload length of 0 followed by a
 * Hop-by-Hop header with a Jumbo Payload option (RFC 2675) uses the jumbo
 * length; without one (the kernel strips it from BIG TCP packets before
 * the capture tap) it too means the rest of the frame.
 *
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) are read like raw IP, by the
 * version nibble, as tcpdump and Wireshark do; behind an ethertype, a
 * version that does not match is MALFORMED (IPV4_VERSION, IPV6_VERSION).
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "synscope/cursor.h"
#include "synscope/decode.h"

#define DEC_VLAN_MAX	8	/* 802.1Q/802.1ad tags */
#define DEC_MPLS_MAX	8	/* MPLS labels */
#define DEC_TUNNEL_MAX	4	/* tunnel layers (GRE, IP-in-IP, MPLS) */
#define DEC_IPV6_EXT_MAX 8	/* IPv6 extension headers */

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_8021Q	0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ	0x9100
#define ETHERTYPE_MPLS	0x8847
#define ETHERTYPE_MPLSM	0x8848
#define ETHERTYPE_TEB	0x6558	/* transparent Ethernet bridging */
#define ETHERTYPE_PPP	0x880b

#define LINUX_SLL_P_802_2 0x0004	/* sll protocol: 802.2 LLC follows */
#define LINUX_ARPHRD_NETLINK 824	/* sll hatype of netlink captures */

#define PROTO_HOPOPTS	0
#define PROTO_ICMP	1
#define PROTO_IPIP	4
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_IPV6	41
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_GRE	47
#define PROTO_AH	51
#define PROTO_ICMPV6	58
#define PROTO_NONE	59
#define PROTO_DSTOPTS	60
#define PROTO_MOBILITY	135
#define PROTO_HIP	139
#define PROTO_SHIM6	140

/* Link types, whatever DLT_* value names them on this host. */
enum dec_link {
	DEC_LINK_NONE = 0,
	DEC_LINK_ETHER,
	DEC_LINK_SLL,
	DEC_LINK_SLL2,
	DEC_LINK_RAW,
	DEC_LINK_NULL,
	DEC_LINK_LOOP,
};

static int	dec_ethertype(struct ss_cursor *, struct ss_packet *,
		    uint16_t);
static int	dec_ip(struct ss_cursor *, struct ss_packet *, int);

static const char *const dec_reason_names[] = {
#define SS_REASON_NAME(id, name) [SS_R_##id] = name,
	SS_REASONS(SS_REASON_NAME)
#undef SS_REASON_NAME
};

/* Name of a reason, as it appears in the stats record. */
const char *
ss_reason_name(enum ss_reason r)
{
	if ((unsigned)r >= SS_R_COUNT)
		return ("unknown");
	return (dec_reason_names[r]);
}

/* Name of a transport protocol for output. */
const char *
ss_proto_name(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return ("tcp");
	case PROTO_UDP:
		return ("udp");
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return ("icmp");	/* as Zeek logs ICMPv6 too */
	case PROTO_GRE:
		return ("gre");
	case 132:
		return ("sctp");
	}
	return ("other");
}

/* Map a DLT_* value to the link decoder; DEC_LINK_NONE if unsupported. */
static enum dec_link
dec_link_of(int linktype)
{
	if (linktype == DLT_EN10MB)	/* the common case, first */
		return (DEC_LINK_ETHER);
	/* DLT_LOOP is 12 on OpenBSD, where DLT_RAW is 14: test it first. */
	if (linktype == DLT_LOOP)
		return (DEC_LINK_LOOP);
	switch (linktype) {
	case DLT_NULL:
		return (DEC_LINK_NULL);
	case DLT_EN10MB:
		return (DEC_LINK_ETHER);
	case DLT_LINUX_SLL:
		return (DEC_LINK_SLL);
	case DLT_LINUX_SLL2:
		return (DEC_LINK_SLL2);
	case 12:	/* DLT_RAW on most hosts */
	case 14:	/* DLT_RAW on OpenBSD and BSD/OS */
	case 101:	/* LINKTYPE_RAW, as written in files */
	/*
	 * LINKTYPE_IPV4 and LINKTYPE_IPV6 go by the version nibble too, as
	 * libpcap, tcpdump and Wireshark read them.
	 */
	case 228:
	case 229:
		return (DEC_LINK_RAW);
	}
	return (DEC_LINK_NONE);
}

/* Is this DLT_* link type decoded? */
bool
ss_decode_linktype_supported(int linktype)
{
	return (dec_link_of(linktype) != DEC_LINK_NONE);
}

/* Record a problem; the first one met wins over later ones and notes. */
static int
dec_fail(struct ss_packet *pkt, enum ss_outcome o, enum ss_reason r)
{
	if (pkt->outcome == SS_DEC_OK) {
		pkt->outcome = o;
		pkt->reason = r;
	}
	return (-1);
}

/* Record a cursor error as TRUNCATED or MALFORMED. */
static int
dec_err(struct ss_packet *pkt, enum ss_cur_err e, enum ss_reason r)
{
	return (dec_fail(pkt, e == SS_CUR_TRUNCATED ? SS_DEC_TRUNCATED :
	    SS_DEC_MALFORMED, r));
}

/* Note a reason on a frame that still decodes OK. */
static void
dec_note(struct ss_packet *pkt, enum ss_reason r)
{
	if (pkt->outcome == SS_DEC_OK && pkt->reason == SS_R_NONE)
		pkt->reason = r;
}

/*
 * A transport header error: past the end of a first fragment it is only a
 * note (the rest is in the next fragment), otherwise an error.
 */
static int
dec_l4_err(struct ss_packet *pkt, enum ss_cur_err e, enum ss_reason r,
    int first_frag)
{
	if (first_frag && e == SS_CUR_MALFORMED) {
		dec_note(pkt, r);
		return (-1);
	}
	return (dec_err(pkt, e, r));
}

/* Set the transport payload fields from the cursor position. */
static void
dec_payload(struct ss_cursor *c, struct ss_packet *pkt)
{
	pkt->payload_len = (uint32_t)cur_wire_left(c);
	pkt->payload_cap = (uint32_t)cur_left(c);
	pkt->payload = pkt->payload_cap != 0 ? cur_ptr(c) : NULL;
}

/*
 * Set an IPv4 address from 4 bytes the caller proved captured.  With SSE2
 * the address and its zeros are one 16-byte store: the flow key reads the
 * address back at once, eight or sixteen bytes at a time, and a load
 * that spans several smaller stores waits until they reach the cache.
 */
static inline void
dec_addr4(struct ss_addr *a, const uint8_t *q)
{
#ifdef __SSE2__
	uint32_t v;

	memcpy(&v, q, 4);
	_mm_storeu_si128((__m128i *)(void *)a->a, _mm_cvtsi32_si128((int)v));
#else
	memcpy(a->a, q, 4);
	memset(a->a + 4, 0, sizeof a->a - 4);
#endif
}

/*
 * Read an address of n (4 or 16) bytes, the rest zero.  The caller has
 * checked the bytes are there (cur_need); a short read leaves zeros.
 */
static inline void
dec_addr(struct ss_cursor *c, struct ss_addr *a, size_t n)
{
	if (cur_need(c, n) == SS_CUR_OK) {
		memcpy(a->a, cur_ptr(c), n);
		(void)cur_skip(c, n);
	} else
		memset(a->a, 0, n);
	if (n < sizeof a->a)
		memset(a->a + n, 0, sizeof a->a - n);
}

/* Forget an outer tunnel layer's payload when an inner IP header starts. */
static inline void
dec_payload_clear(struct ss_packet *pkt)
{
	pkt->l4_len = 0;
	pkt->payload_len = 0;
	pkt->payload_cap = 0;
	pkt->payload = NULL;
}

/* Keep a TCP option kind for printing. */
static inline void
dec_tcp_kind(struct ss_tcp_opts *o, uint8_t kind)
{
	if (o->nopts < sizeof o->kinds)
		o->kinds[o->nopts++] = kind;
}

/*
 * Parse TCP options (RFC 9293 section 3.1, RFC 7323, RFC 2018, RFC 7413,
 * RFC 8684, RFC 5925, RFC 2385).  oc covers the option bytes of the header
 * on the wire; a cut by the snapshot length just stops the loop.  Returns
 * -1 when an option was bad.
 */
static int
dec_tcp_options(struct ss_cursor *oc, struct ss_tcp_opts *o)
{
	const uint8_t *q;
	enum ss_cur_err e;
	uint8_t kind, len;
	size_t body, i, n;

	while (cur_wire_left(oc) != 0) {
		if (cur_u8(oc, &kind) != SS_CUR_OK)
			return (0);	/* cut by the snapshot length */
		dec_tcp_kind(o, kind);
		if (kind == 0) {	/* EOL */
			o->has |= SS_OPT_EOL;
			return (0);
		}
		if (kind == 1)		/* NOP */
			continue;
		if ((e = cur_u8(oc, &len)) != SS_CUR_OK)
			goto cut;
		if (len < 2)
			goto bad;
		body = (size_t)len - 2;
		if ((e = cur_need(oc, body)) != SS_CUR_OK)
			goto cut;
		/* The body is captured whole: read it unchecked from q. */
		q = cur_ptr(oc);
		oc->off += body;
		switch (kind) {
		case 2:		/* MSS */
			if (len != 4)
				goto wrong;
			o->mss = ld_be16(q);
			o->has |= SS_OPT_MSS;
			break;
		case 3:		/* window scale */
			if (len != 3)
				goto wrong;
			o->wscale = q[0];
			o->has |= SS_OPT_WSCALE;
			break;
		case 4:		/* SACK permitted */
			if (len != 2)
				goto wrong;
			o->has |= SS_OPT_SACKOK;
			break;
		case 5:		/* SACK: blocks past SS_MAX_SACK are skipped */
			if (body == 0 || body % 8 != 0)
				goto wrong;
			o->has |= SS_OPT_SACK;
			n = body / 8 < SS_MAX_SACK ? body / 8 : SS_MAX_SACK;
			for (i = 0; i < n; i++) {
				o->sack[i][0] = ld_be32(q + 8 * i);
				o->sack[i][1] = ld_be32(q + 8 * i + 4);
			}
			o->nsack = (uint8_t)n;
			break;
		case 8:		/* timestamps */
			if (len != 10)
				goto wrong;
			o->ts_val = ld_be32(q);
			o->ts_ecr = ld_be32(q + 4);
			o->has |= SS_OPT_TS;
			break;
		case 19:	/* MD5 signature */
			o->has |= SS_OPT_MD5;
			break;
		case 29:	/* TCP-AO */
			o->has |= SS_OPT_AO;
			break;
		case 30:	/* MPTCP */
			o->has |= SS_OPT_MPTCP;
			break;
		case 34:	/* TFO: cookie, or a request when empty */
			o->has |= SS_OPT_TFO;
			o->tfo_len = (uint8_t)body;
			break;
		case 254:	/* experimental; TFO uses magic 0xF989 */
			if (body >= 2 && ld_be16(q) == 0xf989) {
				o->has |= SS_OPT_TFO;
				o->tfo_len = (uint8_t)(body - 2);
			} else
				o->has |= SS_OPT_UNKNOWN;
			break;
		default:
			o->has |= SS_OPT_UNKNOWN;
			break;
		}
		continue;
	wrong:
		/* A known kind of the wrong size: skipped, it is framed. */
		o->has |= SS_OPT_BAD;
		continue;
	cut:
		if (e == SS_CUR_TRUNCATED)
			return (0);
	bad:
		o->has |= SS_OPT_BAD;
		return (-1);
	}
	return (o->has & SS_OPT_BAD ? -1 : 0);
}

/* Option kinds of the usual NOP, NOP, timestamps block. */
static const uint8_t tcp_kinds_nnt[3] = { 1, 1, 8 };
/* ... and of Linux's SYN and SYN-ACK: MSS, SACK permitted, timestamps, NOP, window scale. */
static const uint8_t tcp_kinds_syn[5] = { 2, 4, 8, 1, 3 };

#ifdef SS_VERIFY_PREDICTION
/* A block of options taken at once must read as dec_tcp_options() reads it. */
static void
verify_options(struct ss_cursor c, size_t optlen, const struct ss_tcp_opts *got)
{
	struct ss_tcp_opts full;
	struct ss_cursor oc;

	memset(&full, 0, sizeof(full));
	if (cur_sub(&c, optlen, &oc) != SS_CUR_OK ||
	    dec_tcp_options(&oc, &full) != 0 ||
	    memcmp(&full, got, sizeof(full)) != 0) {
		fprintf(stderr, "synscope: a TCP option block taken at once "
		    "differs from the full parse\n");
		abort();
	}
}
#endif

/* Decode a TCP header (RFC 9293 section 3.1). */
static int
dec_tcp(struct ss_cursor *c, struct ss_packet *pkt, int first_frag)
{
	struct ss_cursor oc = { .p = NULL };
	enum ss_cur_err e;
	size_t seglen = cur_wire_left(c), optlen;
	const uint8_t *q;

	pkt->l4_len = (uint32_t)seglen;
	if ((e = cur_need(c, 20)) != SS_CUR_OK) {
		/* Keep what was captured, so the flow can be counted. */
		if (cur_be16(c, &pkt->sport) == SS_CUR_OK &&
		    cur_be16(c, &pkt->dport) == SS_CUR_OK &&
		    cur_be32(c, &pkt->seq) == SS_CUR_OK)
			(void)cur_be32(c, &pkt->ack);
		return (dec_l4_err(pkt, e, SS_R_TCP_SHORT, first_frag));
	}
	/* The fixed 20 bytes are captured: read them unchecked. */
	q = cur_ptr(c);
	c->off += 20;
	pkt->sport = ld_be16(q);
	pkt->dport = ld_be16(q + 2);
	pkt->seq = ld_be32(q + 4);
	pkt->ack = ld_be32(q + 8);
	pkt->flags = (uint16_t)(((q[12] & 0x01) << 8) | q[13]);
	pkt->thlen = (uint8_t)((q[12] >> 4) * 4);
	pkt->win = ld_be16(q + 14);
	/* q + 16: checksum */
	pkt->urp = ld_be16(q + 18);

	if (pkt->thlen < 20)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_TCP_DOFF));
	if (pkt->thlen > seglen) {
		if (!first_frag)
			return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_TCP_DOFF));
		dec_note(pkt, SS_R_TCP_DOFF);
		optlen = seglen - 20;
	} else
		optlen = (size_t)pkt->thlen - 20;

#ifdef SS_VERIFY_PREDICTION
	struct ss_cursor c0 = *c;
#endif
	q = cur_ptr(c);
	if (optlen == 12 && cur_left(c) >= 12 && ld_be32(q) == 0x0101080a) {
		/*
		 * NOP, NOP, timestamps (RFC 7323 appendix A), all captured:
		 * the options of most segments of a connection that agreed
		 * on timestamps.  Taken at once, as dec_tcp_options() would
		 * record them; pkt->opt is still zero (one TCP header is
		 * decoded per frame).
		 */
		q = cur_ptr(c);
		c->off += 12;
		memcpy(pkt->opt.kinds, tcp_kinds_nnt, sizeof tcp_kinds_nnt);
		pkt->opt.nopts = sizeof tcp_kinds_nnt;
		pkt->opt.has = SS_OPT_TS;
		pkt->opt.ts_val = ld_be32(q + 4);
		pkt->opt.ts_ecr = ld_be32(q + 8);
#ifdef SS_VERIFY_PREDICTION
		verify_options(c0, optlen, &pkt->opt);
#endif
	} else if (optlen == 20 && cur_left(c) >= 20 &&
	    ld_be16(q) == 0x0204 && ld_be32(q + 4) == 0x0402080a &&
	    ld_be32(q + 16) >> 8 == 0x010303) {
		/*
		 * MSS, SACK permitted, timestamps, NOP, window scale: the
		 * options of every SYN and SYN-ACK Linux sends with its
		 * defaults, all captured; taken at once as above.
		 */
		c->off += 20;
		memcpy(pkt->opt.kinds, tcp_kinds_syn, sizeof tcp_kinds_syn);
		pkt->opt.nopts = sizeof tcp_kinds_syn;
		pkt->opt.has = SS_OPT_MSS | SS_OPT_SACKOK | SS_OPT_TS |
		    SS_OPT_WSCALE;
		pkt->opt.mss = ld_be16(q + 2);
		pkt->opt.ts_val = ld_be32(q + 8);
		pkt->opt.ts_ecr = ld_be32(q + 12);
		pkt->opt.wscale = q[19];
#ifdef SS_VERIFY_PREDICTION
		verify_options(c0, optlen, &pkt->opt);
#endif
	} else if (optlen != 0) {
		(void)cur_sub(c, optlen, &oc);
		if (dec_tcp_options(&oc, &pkt->opt) != 0)
			dec_note(pkt, SS_R_TCP_OPTIONS);
		if (oc.cap < optlen)
			return (dec_fail(pkt, SS_DEC_TRUNCATED,
			    SS_R_TCP_OPTIONS));
	}
	dec_payload(c, pkt);
	return (0);
}

/* Decode a UDP header (RFC 768). */
static int
dec_udp(struct ss_cursor *c, struct ss_packet *pkt, int first_frag)
{
	enum ss_cur_err e;
	size_t seglen = cur_wire_left(c);

	pkt->l4_len = (uint32_t)seglen;
	if ((e = cur_need(c, 8)) != SS_CUR_OK) {
		if (cur_be16(c, &pkt->sport) == SS_CUR_OK)
			(void)cur_be16(c, &pkt->dport);
		return (dec_l4_err(pkt, e, SS_R_UDP_SHORT, first_frag));
	}
	(void)cur_be16(c, &pkt->sport);
	(void)cur_be16(c, &pkt->dport);
	(void)cur_be16(c, &pkt->udp_len);
	(void)cur_skip(c, 2);		/* checksum */
	dec_payload(c, pkt);

	if (pkt->udp_len < 8) {
		/* RFC 2675 section 4: 0 in a jumbogram. */
		if (pkt->udp_len == 0 && pkt->family == 6 && seglen > 0xffff)
			return (0);
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_UDP_LENGTH));
	}
	if (pkt->udp_len > seglen && !first_frag)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_UDP_LENGTH));
	return (0);
}

/*
 * Decode the IP header and the first 8 transport bytes quoted by an ICMP
 * error (RFC 792, RFC 4443 section 3).  The quote is usually cut, so its
 * lengths are not checked.  Returns a cursor error; on anything but a cut
 * by the snapshot length, an unusable quote leaves inner.family 0.
 */
static enum ss_cur_err
dec_icmp_quote(struct ss_cursor *q, struct ss_icmp_inner *in)
{
	enum ss_cur_err e;
	uint8_t b, ihl = 0, nh = 0, len = 0;
	uint16_t frag = 0;
	int n, later = 0;

	if ((e = cur_need(q, 1)) != SS_CUR_OK)
		return (e);
	b = cur_ptr(q)[0] >> 4;
	if (b == 4) {
		if ((e = cur_need(q, 20)) != SS_CUR_OK)
			return (e);
		(void)cur_u8(q, &ihl);
		ihl = (uint8_t)((ihl & 0x0f) * 4);
		if (ihl < 20)
			return (SS_CUR_MALFORMED);
		(void)cur_skip(q, 5);
		(void)cur_be16(q, &frag);
		(void)cur_skip(q, 1);
		(void)cur_u8(q, &in->proto);
		(void)cur_skip(q, 2);
		dec_addr(q, &in->src, 4);
		dec_addr(q, &in->dst, 4);
		in->family = 4;
		later = (frag & 0x1fff) != 0;
		if ((e = cur_skip(q, ihl - 20)) != SS_CUR_OK)
			return (e);
	} else if (b == 6) {
		if ((e = cur_need(q, 40)) != SS_CUR_OK)
			return (e);
		(void)cur_skip(q, 6);
		(void)cur_u8(q, &nh);
		(void)cur_skip(q, 1);
		dec_addr(q, &in->src, 16);
		dec_addr(q, &in->dst, 16);
		in->family = 6;
		in->proto = nh;
		for (n = 0; n < DEC_IPV6_EXT_MAX; n++) {
			if (nh == PROTO_FRAGMENT) {
				if ((e = cur_need(q, 8)) != SS_CUR_OK)
					return (e);
				(void)cur_u8(q, &nh);
				(void)cur_skip(q, 1);
				(void)cur_be16(q, &frag);
				(void)cur_skip(q, 4);
				later = (frag & 0xfff8) != 0;
			} else if (nh == PROTO_HOPOPTS || nh == PROTO_ROUTING ||
			    nh == PROTO_DSTOPTS) {
				if ((e = cur_u8(q, &nh)) != SS_CUR_OK ||
				    (e = cur_u8(q, &len)) != SS_CUR_OK ||
				    (e = cur_skip(q, (len + 1) * 8 - 2)) !=
				    SS_CUR_OK)
					return (e);
			} else
				break;
			in->proto = nh;
		}
	} else
		return (SS_CUR_MALFORMED);

	if (later || (in->proto != PROTO_TCP && in->proto != PROTO_UDP))
		return (SS_CUR_OK);
	if (cur_need(q, 4) == SS_CUR_MALFORMED)
		return (SS_CUR_OK);	/* quoted no ports: usable anyway */
	if ((e = cur_be16(q, &in->sport)) != SS_CUR_OK ||
	    (e = cur_be16(q, &in->dport)) != SS_CUR_OK)
		return (e);
	in->has_ports = 1;
	if (in->proto != PROTO_TCP || cur_need(q, 4) == SS_CUR_MALFORMED)
		return (SS_CUR_OK);
	if ((e = cur_be32(q, &in->seq)) != SS_CUR_OK)
		return (e);
	in->has_seq = 1;
	return (SS_CUR_OK);
}

/* Decode an ICMP (RFC 792) or ICMPv6 (RFC 4443) header. */
static int
dec_icmp(struct ss_cursor *c, struct ss_packet *pkt, int v6, int first_frag)
{
	struct ss_cursor q;
	enum ss_cur_err e;
	uint8_t t;

	pkt->l4_len = (uint32_t)cur_wire_left(c);
	if ((e = cur_need(c, 8)) != SS_CUR_OK) {
		if (cur_u8(c, &pkt->icmp_type) == SS_CUR_OK)
			(void)cur_u8(c, &pkt->icmp_code);
		return (dec_l4_err(pkt, e, SS_R_ICMP_SHORT, first_frag));
	}
	(void)cur_u8(c, &pkt->icmp_type);
	(void)cur_u8(c, &pkt->icmp_code);
	(void)cur_skip(c, 2);		/* checksum */
	t = pkt->icmp_type;
	if (v6 ? (t == 128 || t == 129) : (t == 8 || t == 0)) {
		(void)cur_be16(c, &pkt->icmp_id);
		(void)cur_be16(c, &pkt->icmp_seq);
		dec_payload(c, pkt);
		return (0);
	}
	(void)cur_skip(c, 4);		/* unused, pointer, MTU, gateway */
	dec_payload(c, pkt);
	if (v6 ? (t < 1 || t > 4) :
	    (t != 3 && t != 4 && t != 5 && t != 11 && t != 12))
		return (0);

	pkt->icmp_is_error = 1;
	q = *c;
	e = dec_icmp_quote(&q, &pkt->inner);
	if (e == SS_CUR_TRUNCATED)
		return (dec_fail(pkt, SS_DEC_TRUNCATED, SS_R_ICMP_INNER));
	if (e == SS_CUR_MALFORMED) {
		memset(&pkt->inner, 0, sizeof pkt->inner);
		dec_note(pkt, SS_R_ICMP_INNER);
	}
	return (0);
}

/* Enter one more tunnel layer, if the depth allows. */
static int
dec_tunnel_enter(struct ss_packet *pkt)
{
	if (pkt->ntunnel >= DEC_TUNNEL_MAX)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_TUNNEL_DEPTH));
	pkt->ntunnel++;
	return (0);
}

/*
 * Decode the PPP header carried by enhanced GRE (RFC 2637): optional
 * address and control, then a one or two byte protocol.
 */
static int
dec_gre_ppp(struct ss_cursor *c, struct ss_packet *pkt)
{
	struct ss_cursor save = *c;
	uint8_t a, b;
	uint16_t p;

	if (cur_u8(c, &a) != SS_CUR_OK)
		goto cut;
	if (a == 0xff) {
		if (cur_u8(c, &b) != SS_CUR_OK || b != 0x03)
			goto cut;
		if (cur_u8(c, &a) != SS_CUR_OK)
			goto cut;
	}
	p = a;
	if ((a & 1) == 0) {
		if (cur_u8(c, &b) != SS_CUR_OK)
			goto cut;
		p = (uint16_t)((a << 8) | b);
	}
	if (p == 0x21)
		return (dec_ip(c, pkt, 4));
	if (p == 0x57)
		return (dec_ip(c, pkt, 6));
cut:
	*c = save;
	return (1);		/* not IP: stay at the GRE layer */
}

/*
 * Decode a GRE header (RFC 2784, RFC 2890, RFC 1701 flags, RFC 2637
 * version 1) and what it carries.
 */
static int
dec_gre(struct ss_cursor *c, struct ss_packet *pkt)
{
	struct ss_cursor save;
	enum ss_cur_err e;
	uint16_t fl = 0, ptype = 0;
	size_t opt = 0;
	int r;

	pkt->l4_len = (uint32_t)cur_wire_left(c);
	if ((e = cur_need(c, 4)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_GRE_SHORT));
	(void)cur_be16(c, &fl);
	(void)cur_be16(c, &ptype);
	switch (fl & 0x0007) {
	case 0:
		if (fl & 0x4000)	/* RFC 1701 routing: not followed */
			return (0);
		if (fl & 0x8000)	/* checksum and reserved1 */
			opt += 4;
		if (fl & 0x2000)	/* key */
			opt += 4;
		if (fl & 0x1000)	/* sequence number */
			opt += 4;
		break;
	case 1:
		if (ptype != ETHERTYPE_PPP || (fl & 0x2000) == 0)
			return (0);
		opt = 4;		/* payload length, call id */
		if (fl & 0x1000)
			opt += 4;
		if (fl & 0x0080)	/* acknowledgment number */
			opt += 4;
		break;
	default:
		return (0);
	}
	if ((e = cur_skip(c, opt)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_GRE_SHORT));
	dec_payload(c, pkt);

	switch (ptype) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLSM:
	case ETHERTYPE_TEB:
	case ETHERTYPE_PPP:
		break;
	default:
		return (0);
	}
	if (dec_tunnel_enter(pkt) != 0)
		return (-1);
	save = *c;
	if (ptype == ETHERTYPE_PPP)
		r = dec_gre_ppp(c, pkt);
	else if (ptype == ETHERTYPE_TEB) {
		if ((e = cur_skip(c, 12)) != SS_CUR_OK ||
		    (e = cur_be16(c, &ptype)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_LINK_SHORT));
		r = dec_ethertype(c, pkt, ptype);
	} else
		r = dec_ethertype(c, pkt, ptype);
	if (r > 0 || pkt->outcome == SS_DEC_NOT_IP) {
		/* Carries no IP: the packet is the GRE packet. */
		pkt->outcome = SS_DEC_OK;
		pkt->ntunnel--;
		*c = save;
		return (0);
	}
	return (r);
}

/*
 * Decode the transport header of protocol proto, in an IP packet whose
 * view is c.  proto is only stored once the IP header(s) proved valid.
 */
static int
dec_l4(struct ss_cursor *c, struct ss_packet *pkt, uint8_t proto,
    int first_frag)
{
	pkt->proto = proto;
	if (proto == PROTO_TCP)		/* the common case, first */
		return (dec_tcp(c, pkt, first_frag));
	switch (proto) {
	case PROTO_UDP:
		return (dec_udp(c, pkt, first_frag));
	case PROTO_ICMP:
		return (dec_icmp(c, pkt, 0, first_frag));
	case PROTO_ICMPV6:
		return (dec_icmp(c, pkt, 1, first_frag));
	}
	pkt->l4_len = (uint32_t)cur_wire_left(c);
	if (first_frag)
		return (0);	/* never enter a tunnel in a fragment */
	switch (pkt->proto) {
	case PROTO_IPIP:
		if (dec_tunnel_enter(pkt) != 0)
			return (-1);
		return (dec_ip(c, pkt, 4));
	case PROTO_IPV6:
		if (dec_tunnel_enter(pkt) != 0)
			return (-1);
		return (dec_ip(c, pkt, 6));
	case PROTO_GRE:
		return (dec_gre(c, pkt));
	}
	return (0);
}

/* Decode an IPv4 header (RFC 791) and what it carries. */
static int
dec_ipv4(struct ss_cursor *c, struct ss_packet *pkt)
{
	enum ss_cur_err e;
	size_t start = c->off;
	const uint8_t *q;
	uint16_t totlen, frag;
	uint8_t ihl, proto;

	if ((e = cur_need(c, 20)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_IPV4_SHORT));
	/* The fixed 20 bytes are captured: read them unchecked. */
	q = cur_ptr(c);
	if ((q[0] >> 4) != 4)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV4_VERSION));
	c->off += 20;
	ihl = (uint8_t)((q[0] & 0x0f) * 4);
	pkt->family = 4;
	dec_payload_clear(pkt);
	pkt->tos = q[1];
	totlen = ld_be16(q + 2);
	pkt->ip_id = ld_be16(q + 4);
	frag = ld_be16(q + 6);
	pkt->ttl = q[8];
	proto = q[9];
	/* q + 10: checksum */
	dec_addr4(&pkt->src, q + 12);
	dec_addr4(&pkt->dst, q + 16);
	pkt->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
	pkt->more_frags = (frag & 0x2000) != 0;
	pkt->is_fragment = (frag & 0x3fff) != 0;

	if (ihl < 20)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV4_IHL));
	/* Total length 0: a TSO/BIG TCP capture, the rest of the frame. */
	pkt->ip_len = totlen != 0 ? totlen :
	    (uint32_t)(c->wire - start);
	if (pkt->ip_len < ihl)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV4_TOTLEN));
	if (cur_limit(c, start + pkt->ip_len) != SS_CUR_OK)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV4_TOTLEN));
	if (ihl > 20 && (e = cur_skip(c, (size_t)ihl - 20)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_IPV4_OPTIONS));
	if (pkt->frag_offset != 0) {
		pkt->proto = proto;
		pkt->l4_len = (uint32_t)cur_wire_left(c);
		return (0);	/* a later fragment: no transport header */
	}
	return (dec_l4(c, pkt, proto, pkt->more_frags));
}

/*
 * Find the Jumbo Payload option (RFC 2675) in the Hop-by-Hop header at
 * the cursor, without moving it.  Returns a cursor error; *jumbo is 0
 * when there is none.
 */
static enum ss_cur_err
dec_ipv6_jumbo(const struct ss_cursor *c, uint32_t *jumbo)
{
	struct ss_cursor h = *c, o;
	enum ss_cur_err e;
	uint8_t nh, len, t, olen;

	*jumbo = 0;
	if ((e = cur_u8(&h, &nh)) != SS_CUR_OK ||
	    (e = cur_u8(&h, &len)) != SS_CUR_OK)
		return (e);
	if ((e = cur_sub(&h, (size_t)(len + 1) * 8 - 2, &o)) != SS_CUR_OK)
		return (e);
	if (o.cap < o.wire)
		return (SS_CUR_TRUNCATED);
	while (cur_u8(&o, &t) == SS_CUR_OK) {
		if (t == 0)		/* Pad1 */
			continue;
		if (cur_u8(&o, &olen) != SS_CUR_OK)
			break;
		if (t == 0xc2 && olen == 4)
			return (cur_be32(&o, jumbo) == SS_CUR_OK ?
			    SS_CUR_OK : SS_CUR_MALFORMED);
		if (cur_skip(&o, olen) != SS_CUR_OK)
			break;
	}
	return (SS_CUR_OK);
}

/* Decode an IPv6 header (RFC 8200), its extension headers and payload. */
static int
dec_ipv6(struct ss_cursor *c, struct ss_packet *pkt)
{
	enum ss_cur_err e;
	size_t start = c->off;
	const uint8_t *q;
	uint32_t vtf, plen, jumbo;
	uint16_t offlg;
	size_t skip;
	uint8_t nh, len = 0, this;
	int n = 0, first_frag = 0;

	if ((e = cur_need(c, 40)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_IPV6_SHORT));
	/* The fixed 40 bytes are captured: read them unchecked. */
	q = cur_ptr(c);
	vtf = ld_be32(q);
	if ((vtf >> 28) != 6)
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV6_VERSION));
	c->off += 40;
	pkt->family = 6;
	dec_payload_clear(pkt);
	pkt->tos = (uint8_t)(vtf >> 20);
	pkt->ip_id = 0;
	plen = ld_be16(q + 4);
	nh = q[6];
	pkt->ttl = q[7];
	memcpy(pkt->src.a, q + 8, 16);
	memcpy(pkt->dst.a, q + 24, 16);
	pkt->frag_offset = 0;
	pkt->more_frags = 0;
	pkt->is_fragment = 0;

	if (plen == 0 && nh != PROTO_NONE) {
		/*
		 * A jumbogram (RFC 2675), or a Linux BIG TCP / TSO capture
		 * whose Hop-by-Hop header the kernel removed: the payload is
		 * then the rest of the frame, as for IPv4 total length 0.
		 */
		jumbo = 0;
		if (nh == PROTO_HOPOPTS &&
		    (e = dec_ipv6_jumbo(c, &jumbo)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_IPV6_EXT_SHORT));
		plen = jumbo != 0 ? jumbo : (uint32_t)cur_wire_left(c);
	}
	if (plen > cur_wire_left(c))
		return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IPV6_PAYLEN));
	pkt->ip_len = 40 + plen;
	(void)cur_limit(c, start + pkt->ip_len);

	for (;;) {
		switch (nh) {
		case PROTO_HOPOPTS:
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
		case PROTO_AH:
		case PROTO_MOBILITY:
		case PROTO_HIP:
		case PROTO_SHIM6:
		case PROTO_FRAGMENT:
			break;
		case PROTO_NONE:
			pkt->proto = nh;
			pkt->l4_len = (uint32_t)cur_wire_left(c);
			return (0);
		default:
			return (dec_l4(c, pkt, nh, first_frag));
		}
		if (++n > DEC_IPV6_EXT_MAX)
			return (dec_fail(pkt, SS_DEC_MALFORMED,
			    SS_R_IPV6_EXT_CHAIN));
		if (nh == PROTO_FRAGMENT) {
			if ((e = cur_need(c, 8)) != SS_CUR_OK)
				return (dec_err(pkt, e, SS_R_IPV6_EXT_SHORT));
			/* next header, reserved, offset and flags, id */
			q = cur_ptr(c);
			c->off += 8;
			nh = q[0];
			offlg = ld_be16(q + 2);
			pkt->frag_offset = offlg & 0xfff8;
			pkt->more_frags = offlg & 1;
			pkt->is_fragment = pkt->frag_offset != 0 ||
			    pkt->more_frags;
			if (pkt->frag_offset != 0) {
				pkt->proto = nh;
				pkt->l4_len = (uint32_t)cur_wire_left(c);
				return (0);
			}
			first_frag = pkt->more_frags;
			continue;
		}
		this = nh;
		if ((e = cur_need(c, 2)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_IPV6_EXT_SHORT));
		(void)cur_u8(c, &nh);
		(void)cur_u8(c, &len);
		/* AH counts 4-octet units minus 2, the others 8 minus 1. */
		if (this == PROTO_AH)
			skip = ((size_t)len + 2) * 4 - 2;
		else
			skip = ((size_t)len + 1) * 8 - 2;
		if ((e = cur_skip(c, skip)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_IPV6_EXT_SHORT));
	}
}

/* Decode an IP packet; want is 4 or 6, or 0 to go by the version. */
static int
dec_ip(struct ss_cursor *c, struct ss_packet *pkt, int want)
{
	enum ss_cur_err e;
	uint8_t v;

	if (want == 4)
		return (dec_ipv4(c, pkt));
	if (want == 6)
		return (dec_ipv6(c, pkt));
	if ((e = cur_need(c, 1)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_IP_VERSION));
	v = cur_ptr(c)[0] >> 4;
	if (v == 4)
		return (dec_ipv4(c, pkt));
	if (v == 6)
		return (dec_ipv6(c, pkt));
	return (dec_fail(pkt, SS_DEC_MALFORMED, SS_R_IP_VERSION));
}

/*
 * Decode an MPLS label stack (RFC 3032) and guess what it carries from the
 * first nibble, as tcpdump and Wireshark do: 4 IPv4, 6 IPv6, anything else
 * (pseudowires, ...) is not followed.
 */
static int
dec_mpls(struct ss_cursor *c, struct ss_packet *pkt)
{
	enum ss_cur_err e;
	uint32_t label;
	uint8_t v;
	int n;

	if (dec_tunnel_enter(pkt) != 0)
		return (-1);
	for (n = 0;; n++) {
		if (n == DEC_MPLS_MAX)
			return (dec_fail(pkt, SS_DEC_MALFORMED,
			    SS_R_MPLS_DEPTH));
		if ((e = cur_be32(c, &label)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_MPLS_SHORT));
		if (label & 0x100)	/* bottom of stack */
			break;
	}
	if ((e = cur_need(c, 1)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_MPLS_SHORT));
	v = cur_ptr(c)[0] >> 4;
	if (v == 4 || v == 6)
		return (dec_ip(c, pkt, v));
	pkt->ntunnel--;
	pkt->outcome = SS_DEC_NOT_IP;
	return (0);
}

/* Decode an 802.2 LLC header; only SNAP with an ethertype is followed. */
static int
dec_llc(struct ss_cursor *c, struct ss_packet *pkt)
{
	enum ss_cur_err e;
	uint8_t dsap = 0, ssap = 0, ctl = 0;
	uint16_t type = 0;

	if ((e = cur_need(c, 3)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_LINK_SHORT));
	(void)cur_u8(c, &dsap);
	(void)cur_u8(c, &ssap);
	(void)cur_u8(c, &ctl);
	if (dsap != 0xaa || ssap != 0xaa || ctl != 0x03) {
		pkt->outcome = SS_DEC_NOT_IP;
		return (0);
	}
	if ((e = cur_skip(c, 3)) != SS_CUR_OK ||	/* OUI */
	    (e = cur_be16(c, &type)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_LINK_SHORT));
	if (type <= 1500) {
		pkt->outcome = SS_DEC_NOT_IP;
		return (0);
	}
	return (dec_ethertype(c, pkt, type));
}

/* Decode what an ethertype announces, through VLAN tags (IEEE 802.1Q). */
static int
dec_ethertype(struct ss_cursor *c, struct ss_packet *pkt, uint16_t type)
{
	enum ss_cur_err e;
	uint16_t tci;

	if (type == ETHERTYPE_IPV4)	/* the common case, first */
		return (dec_ipv4(c, pkt));
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	    type == ETHERTYPE_QINQ) {
		if (pkt->nvlan == DEC_VLAN_MAX)
			return (dec_fail(pkt, SS_DEC_MALFORMED,
			    SS_R_VLAN_DEPTH));
		if ((e = cur_need(c, 4)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_VLAN_SHORT));
		tci = ld_be16(cur_ptr(c));
		type = ld_be16(cur_ptr(c) + 2);
		c->off += 4;
		if (pkt->nvlan++ == 0)
			pkt->vlan = tci & 0x0fff;
	}
	switch (type) {
	case ETHERTYPE_IPV4:
		return (dec_ip(c, pkt, 4));
	case ETHERTYPE_IPV6:
		return (dec_ip(c, pkt, 6));
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLSM:
		return (dec_mpls(c, pkt));
	}
	pkt->outcome = SS_DEC_NOT_IP;
	return (0);
}

/* Decode an Ethernet II or IEEE 802.3 header. */
static int
dec_link_ether(struct ss_cursor *c, struct ss_packet *pkt)
{
	enum ss_cur_err e;
	uint16_t type;

	if (cur_left(c) >= 14) {
		/* Both addresses and the type are captured. */
		type = ld_be16(cur_ptr(c) + 12);
		c->off += 14;
	} else if ((e = cur_skip(c, 12)) != SS_CUR_OK ||
	    (e = cur_be16(c, &type)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_LINK_SHORT));
	if (type <= 1500) {
		/* 802.3: a length, then LLC; what follows is padding. */
		if (c->off + type <= c->wire)
			(void)cur_limit(c, c->off + type);
		return (dec_llc(c, pkt));
	}
	if (type < 0x0600) {
		pkt->outcome = SS_DEC_NOT_IP;
		return (0);
	}
	return (dec_ethertype(c, pkt, type));
}

/* Decode a Linux cooked header, v1 (16 bytes) or v2 (20 bytes). */
static int
dec_link_sll(struct ss_cursor *c, struct ss_packet *pkt, int v2)
{
	enum ss_cur_err e;
	uint16_t type = 0, hatype = 0;

	if (v2) {
		if ((e = cur_need(c, 20)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_LINK_SHORT));
		(void)cur_be16(c, &type);
		(void)cur_skip(c, 6);		/* reserved, ifindex */
		(void)cur_be16(c, &hatype);
		(void)cur_skip(c, 10);	/* pkttype, addr len, addr */
	} else {
		if ((e = cur_need(c, 16)) != SS_CUR_OK)
			return (dec_err(pkt, e, SS_R_LINK_SHORT));
		(void)cur_skip(c, 2);		/* packet type */
		(void)cur_be16(c, &hatype);
		(void)cur_skip(c, 10);		/* addr len, addr */
		(void)cur_be16(c, &type);
	}
	if (hatype == LINUX_ARPHRD_NETLINK) {
		/* The protocol is a netlink family, not an ethertype. */
		pkt->outcome = SS_DEC_NOT_IP;
		return (0);
	}
	if (type == LINUX_SLL_P_802_2)
		return (dec_llc(c, pkt));
	return (dec_ethertype(c, pkt, type));
}

/* Is this a BSD address family value for IPv4 (4) or IPv6 (6)? */
static int
dec_af(uint32_t af)
{
	if (af == 2)
		return (4);
	/* NetBSD and OpenBSD, FreeBSD, Darwin. */
	if (af == 24 || af == 28 || af == 30)
		return (6);
	return (0);
}

/* Decode a DLT_NULL (host order) or DLT_LOOP (network order) header. */
static int
dec_link_null(struct ss_cursor *c, struct ss_packet *pkt, int loop)
{
	enum ss_cur_err e;
	uint8_t b[4];
	uint32_t be, le;
	int v;

	if ((e = cur_copy(c, b, 4)) != SS_CUR_OK)
		return (dec_err(pkt, e, SS_R_LINK_SHORT));
	be = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	le = ((uint32_t)b[3] << 24) | ((uint32_t)b[2] << 16) |
	    ((uint32_t)b[1] << 8) | b[0];
	/* The writer's byte order is unknown: try both for DLT_NULL. */
	v = dec_af(be);
	if (v == 0 && !loop)
		v = dec_af(le);
	if (v == 0) {
		pkt->outcome = SS_DEC_NOT_IP;
		return (0);
	}
	return (dec_ip(c, pkt, v));
}

/*
 * A zeroed packet to copy from: a constant-size structure copy becomes a
 * few vector stores, where memset() of it may become a slow "rep stos".
 */
static const struct ss_packet dec_zero;

/* Fingerprint of a TCP segment (ss_packet.seg_fp). */
static uint32_t
seg_fingerprint(const struct ss_packet *p)
{
	uint64_t a = ((uint64_t)p->seq << 32) | p->ack;
	uint64_t b = ((uint64_t)p->win << 48) | ((uint64_t)p->flags << 32) |
	    p->payload_len;
	uint64_t c = ((uint64_t)p->ip_id << 32) | p->opt.ts_val;
	uint64_t h;
	unsigned i;

	h = a * 0x9e3779b97f4a7c15ULL;
	h ^= (h >> 29) ^ b * 0xc2b2ae3d27d4eb4fULL;
	h ^= (h >> 31) ^ c * 0x165667b19e3779f9ULL;
	h ^= (h >> 27) ^ (uint64_t)p->opt.ts_ecr * 0x27d4eb2f165667c5ULL;
	/* duplicate ACKs of IPv6 differ only in their SACK blocks */
	for (i = 0; i < p->opt.nsack && i < SS_MAX_SACK; i++)
		h = (h ^ (((uint64_t)p->opt.sack[i][0] << 32) |
		    p->opt.sack[i][1])) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h ^ (h >> 32)) | 1;
}

/* Decode one frame. */
enum ss_outcome
ss_decode(int linktype, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, struct ss_packet *pkt)
{
	struct ss_cursor c;
	uint64_t ts = pkt->ts_ns;

	*pkt = dec_zero;
	pkt->ts_ns = ts;
	pkt->caplen = caplen;
	pkt->wirelen = wirelen;
	pkt->linktype = linktype;
	cur_init(&c, data, caplen, wirelen);

	switch (dec_link_of(linktype)) {
	case DEC_LINK_ETHER:
		(void)dec_link_ether(&c, pkt);
		break;
	case DEC_LINK_SLL:
		(void)dec_link_sll(&c, pkt, 0);
		break;
	case DEC_LINK_SLL2:
		(void)dec_link_sll(&c, pkt, 1);
		break;
	case DEC_LINK_RAW:
		(void)dec_ip(&c, pkt, 0);
		break;
	case DEC_LINK_NULL:
		(void)dec_link_null(&c, pkt, 0);
		break;
	case DEC_LINK_LOOP:
		(void)dec_link_null(&c, pkt, 1);
		break;
	case DEC_LINK_NONE:
		pkt->outcome = SS_DEC_NOT_IP;
		break;
	}
	if (pkt->proto == IPPROTO_TCP)
		pkt->seg_fp = seg_fingerprint(pkt);
	return ((enum ss_outcome)pkt->outcome);
}
