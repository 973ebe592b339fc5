/*
 * frames.h - build test frames of every supported link type.
 */
#ifndef TESTS_FRAMES_H
#define TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct tf_pkt {
	const char	*src, *dst;	/* IPv4 or IPv6 literals */
	uint8_t		 proto;		/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint16_t	 sport, dport;	/* TCP/UDP ports */
	uint32_t	 seq, ack;	/* TCP */
	uint16_t	 flags;		/* SS_TH_* */
	uint16_t	 win;		/* TCP window field */
	const uint8_t	*tcpopt;	/* raw TCP option bytes (padded to 4 by the builder) */
	size_t		 tcpoptlen;
	uint32_t	 paylen;	/* payload bytes, filled with 'x' */
	uint8_t		 icmp_type, icmp_code;
	uint16_t	 vlan;		/* non-zero: one 802.1Q tag (Ethernet only) */
	uint8_t		 inner_proto;	/* ICMP errors: quoted TCP or UDP (0: UDP) */
};

/*
 * ICMP and ICMPv6: echo requests and replies carry sport as identifier and
 * dport as sequence number.  Error messages (v4 3, 4, 5, 11, 12; v6 1 to 4)
 * quote the packet that caused them: an IP header from dst to src (no
 * options) and the first 8 bytes of its inner_proto header with ports
 * sport, dport (and seq for TCP); paylen bytes of 'x' follow the quote.
 */

/*
 * Write one frame of link type linktype (DLT_EN10MB, DLT_LINUX_SLL,
 * DLT_LINUX_SLL2, DLT_RAW, DLT_NULL, DLT_LOOP, 228 LINKTYPE_IPV4,
 * 229 LINKTYPE_IPV6) into buf; returns its length, 0 if it does not fit.
 * Checksums are computed.
 */
size_t	tf_frame(uint8_t *buf, size_t cap, int linktype, const struct tf_pkt *);

#endif
