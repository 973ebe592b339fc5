/*
 * decode.h - link, network and transport decoding into a plain structure.
 *
 * ss_decode() turns one captured frame into a struct ss_packet.  It never
 * reads past the captured length, never allocates, and never fails hard:
 * a frame it cannot decode is reported with an outcome and a named reason
 * (counted by the engine) and skipped by the trackers.
 */
#ifndef SYNSCOPE_DECODE_H
#define SYNSCOPE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Outcome of decoding one frame. */
enum ss_outcome {
	SS_DEC_OK = 0,		/* decoded down to the transport header */
	SS_DEC_NOT_IP,		/* a valid frame carrying no IP (ARP, LLDP, ...) */
	SS_DEC_TRUNCATED,	/* cut by the snapshot length */
	SS_DEC_MALFORMED,	/* fields that contradict each other */
};

/*
 * Named reasons for TRUNCATED and MALFORMED outcomes, and notes on frames
 * that decoded.  The names (ss_reason_name) appear in the stats record.
 */
#define SS_REASONS(X)					\
	X(NONE,			"none")				\
	X(LINK_SHORT,		"link_header")			\
	X(VLAN_SHORT,		"vlan_header")			\
	X(MPLS_SHORT,		"mpls_header")			\
	X(MPLS_DEPTH,		"mpls_too_deep")		\
	X(VLAN_DEPTH,		"vlan_too_deep")		\
	X(IPV4_SHORT,		"ipv4_header")			\
	X(IPV4_VERSION,		"ipv4_version")			\
	X(IPV4_IHL,		"ipv4_header_length")		\
	X(IPV4_TOTLEN,		"ipv4_total_length")		\
	X(IPV4_OPTIONS,		"ipv4_options")			\
	X(IPV6_SHORT,		"ipv6_header")			\
	X(IPV6_VERSION,		"ipv6_version")			\
	X(IPV6_PAYLEN,		"ipv6_payload_length")		\
	X(IPV6_EXT_SHORT,	"ipv6_extension_header")	\
	X(IPV6_EXT_CHAIN,	"ipv6_extension_chain")		\
	X(IP_VERSION,		"ip_version")			\
	X(TCP_SHORT,		"tcp_header")			\
	X(TCP_DOFF,		"tcp_data_offset")		\
	X(TCP_OPTIONS,		"tcp_options")			\
	X(UDP_SHORT,		"udp_header")			\
	X(UDP_LENGTH,		"udp_length")			\
	X(ICMP_SHORT,		"icmp_header")			\
	X(ICMP_INNER,		"icmp_quoted_header")		\
	X(TUNNEL_DEPTH,		"tunnel_too_deep")		\
	X(GRE_SHORT,		"gre_header")

enum ss_reason {
#define SS_REASON_ENUM(id, name) SS_R_##id,
	SS_REASONS(SS_REASON_ENUM)
#undef SS_REASON_ENUM
	SS_R_COUNT
};

const char	*ss_reason_name(enum ss_reason);

/* TCP flag bits, with AE (formerly NS, RFC 3540/AccECN) as bit 8. */
#define SS_TH_FIN	0x001
#define SS_TH_SYN	0x002
#define SS_TH_RST	0x004
#define SS_TH_PUSH	0x008
#define SS_TH_ACK	0x010
#define SS_TH_URG	0x020
#define SS_TH_ECE	0x040
#define SS_TH_CWR	0x080
#define SS_TH_AE	0x100

/* Which TCP options a segment carried (ss_tcp_opts.has). */
#define SS_OPT_MSS	0x0001
#define SS_OPT_WSCALE	0x0002
#define SS_OPT_SACKOK	0x0004
#define SS_OPT_SACK	0x0008
#define SS_OPT_TS	0x0010
#define SS_OPT_TFO	0x0020	/* kind 34, or experimental 254/0xF989 */
#define SS_OPT_MPTCP	0x0040
#define SS_OPT_MD5	0x0080
#define SS_OPT_AO	0x0100
#define SS_OPT_EOL	0x0200
#define SS_OPT_UNKNOWN	0x0400
#define SS_OPT_BAD	0x8000	/* an option ran past the header or had
				   the wrong size for its kind */

#define SS_MAX_SACK	4

struct ss_tcp_opts {
	uint16_t	has;		/* SS_OPT_* */
	uint16_t	mss;
	uint8_t		wscale;		/* shift count as sent (not clamped) */
	uint8_t		nsack;		/* SACK blocks kept (<= SS_MAX_SACK) */
	uint8_t		tfo_len;	/* TFO cookie length (0: cookie request) */
	uint8_t		nopts;		/* options seen, for printing */
	uint32_t	ts_val;
	uint32_t	ts_ecr;
	uint32_t	sack[SS_MAX_SACK][2];	/* left, right edges */
	uint8_t		kinds[16];	/* option kinds in order, for printing */
};

/* An address of either family; IPv4 in the first four bytes, rest zero. */
struct ss_addr {
	uint8_t		a[16];
};

/* The header quoted inside an ICMP or ICMPv6 error message. */
struct ss_icmp_inner {
	uint8_t		family;		/* 4 or 6; 0 when nothing usable */
	uint8_t		proto;		/* IPPROTO_* of the quoted packet */
	uint8_t		has_ports;	/* ports were quoted */
	uint8_t		has_seq;	/* a TCP sequence number was quoted */
	struct ss_addr	src, dst;
	uint16_t	sport, dport;
	uint32_t	seq;
};

/* One decoded frame. */
struct ss_packet {
	uint64_t	ts_ns;		/* packet time, ns since the epoch */
	uint32_t	caplen;		/* captured bytes of the frame */
	uint32_t	wirelen;	/* bytes of the frame on the wire */
	int		linktype;	/* DLT_* the frame was read as */

	uint8_t		outcome;	/* enum ss_outcome */
	uint8_t		reason;		/* enum ss_reason: first problem met */
	uint8_t		family;		/* 4 or 6 of the innermost IP decoded; 0 none */
	uint8_t		proto;		/* IPPROTO_* of the transport header, set
					   only once the IP header proved valid */

	uint8_t		ttl;		/* TTL or hop limit */
	uint8_t		tos;		/* TOS or traffic class (ECN bits) */
	uint8_t		nvlan;		/* 802.1Q/802.1ad tags seen */
	uint8_t		ntunnel;	/* tunnel layers removed (GRE, IP-in-IP;
					   an MPLS label stack counts as one) */
	uint16_t	vlan;		/* outermost VLAN id */
	uint16_t	ip_id;		/* IPv4 identification (0 for IPv6) */

	/*
	 * Fragments: frag_offset != 0 means a later fragment (no transport
	 * header; counted, never parsed); more_frags on a first fragment.
	 */
	uint16_t	frag_offset;	/* in bytes */
	uint8_t		more_frags;
	uint8_t		is_fragment;

	uint32_t	ip_len;		/* IP bytes: header(s) + payload, from the header */
	uint32_t	l4_len;		/* transport bytes (header + payload) on the wire */

	struct ss_addr	src, dst;
	uint16_t	sport, dport;	/* TCP/UDP ports; ICMP: 0 */

	/* TCP */
	uint32_t	seq, ack;
	uint16_t	flags;		/* SS_TH_* */
	uint16_t	win;		/* raw window field */
	uint16_t	urp;
	uint8_t		thlen;		/* TCP header length in bytes */
	/*
	 * A TCP segment's options and an ICMP error's quoted header share
	 * their bytes: a frame's innermost transport header is one or the
	 * other, never both, and every reader of either asks the protocol
	 * first.  That keeps a packet, with its flow key and hash, in four
	 * cache lines as it goes from a reader thread to the tracking thread.
	 */
	union {
		struct ss_tcp_opts opt;		/* TCP */
		struct ss_icmp_inner inner;	/* ICMP errors */
	};

	/* Transport payload: length on the wire and captured part. */
	uint32_t	payload_len;
	uint32_t	payload_cap;
	const uint8_t	*payload;	/* payload_cap readable bytes */

	/* UDP */
	uint16_t	udp_len;	/* the UDP length field */

	/* ICMP / ICMPv6 */
	uint8_t		icmp_type;
	uint8_t		icmp_code;
	uint8_t		icmp_is_error;	/* carries a quoted header */
	uint8_t		pad0;
	uint16_t	icmp_id;	/* echo identifier */
	uint16_t	icmp_seq;	/* echo sequence */

	/*
	 * TCP: a fingerprint of the segment (sequence and acknowledgement
	 * numbers, window, flags, lengths, IP id, timestamps, SACK blocks),
	 * for the state engine to recognise the same frame captured twice;
	 * made by the decoder, which may run in a reader thread.
	 */
	uint32_t	seg_fp;
};

/*
 * Decode one frame of the given DLT_* link type.  Fills *pkt (ts_ns is
 * the caller's) and returns pkt->outcome.  Never reads more than caplen
 * bytes of data.  An OK outcome may still carry a note in pkt->reason
 * (a bad TCP option, an unusable ICMP quote, a header cut by the end of
 * a first fragment).
 */
enum ss_outcome ss_decode(int linktype, const uint8_t *data, uint32_t caplen,
		    uint32_t wirelen, struct ss_packet *pkt);

/* Is this DLT_* link type decoded?  (An unsupported one is an error.) */
bool		ss_decode_linktype_supported(int linktype);

/* Name of a transport protocol for output ("tcp", "udp", "icmp", ...). */
const char	*ss_proto_name(uint8_t proto);

#endif /* SYNSCOPE_DECODE_H */
