/*
 * frames.c - build test frames of every supported link type.
 *
 * The frames are what a sender would put on the wire: correct IP lengths,
 * the IPv4 header checksum and the TCP, UDP, ICMP and ICMPv6 checksums
 * (with the pseudo-header of RFC 9293 section 3.1, RFC 768 and RFC 8200
 * section 8.1).  Ethernet frames are not padded to 60 bytes; a test that
 * wants padding appends it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synscope/decode.h"
#include "frames.h"


/* Store a 16-bit big-endian value. */
static void
tf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Store a 32-bit big-endian value. */
static void
tf_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Add bytes to a one's complement sum (RFC 1071). */
static uint32_t
tf_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return (sum);
}

/* Fold a one's complement sum into a checksum. */
static uint16_t
tf_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/* Sum of the pseudo-header of an upper-layer checksum. */
static uint32_t
tf_pseudo(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    uint32_t len)
{
	uint8_t b[8];
	uint32_t sum;
	size_t alen = v6 ? 16 : 4;

	sum = tf_sum(0, src, alen);
	sum = tf_sum(sum, dst, alen);
	tf_put32(b, len);
	b[4] = b[5] = b[6] = 0;
	b[7] = proto;
	return (tf_sum(sum, b, 8));
}

/* Parse an address literal; returns 4 or 6, 0 if it is neither. */
static int
tf_addr(const char *s, uint8_t *a)
{
	memset(a, 0, 16);
	if (s == NULL)
		return (0);
	if (inet_pton(AF_INET6, s, a) == 1)
		return (6);
	if (inet_pton(AF_INET, s, a) == 1)
		return (4);
	return (0);
}

/* Write an IP header; returns its length. */
static size_t
tf_ip(uint8_t *p, int v6, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, size_t paylen)
{
	if (v6) {
		tf_put32(p, 0x60000000);
		tf_put16(p + 4, (uint16_t)paylen);
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		return (40);
	}
	p[0] = 0x45;
	p[1] = 0;
	tf_put16(p + 2, (uint16_t)(20 + paylen));
	tf_put16(p + 4, 0x1234);
	tf_put16(p + 6, 0x4000);	/* DF */
	p[8] = 64;
	p[9] = proto;
	tf_put16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	tf_put16(p + 10, tf_fold(tf_sum(0, p, 20)));
	return (20);
}

/* Is this ICMP type an error that quotes a packet? */
static int
tf_icmp_error(int v6, uint8_t type)
{
	if (v6)
		return (type >= 1 && type <= 4);
	return (type == 3 || type == 4 || type == 5 || type == 11 ||
	    type == 12);
}

/* Write the quote of an ICMP error: IP header and 8 transport bytes. */
static size_t
tf_quote(uint8_t *p, int v6, const uint8_t *src, const uint8_t *dst,
    const struct tf_pkt *t)
{
	uint8_t proto = t->inner_proto != 0 ? t->inner_proto : IPPROTO_UDP;
	size_t n, l4 = proto == IPPROTO_TCP ? 20 : 8;

	/* The quoted packet went the other way, from dst to src. */
	n = tf_ip(p, v6, dst, src, proto, l4);
	tf_put16(p + n, t->sport);
	tf_put16(p + n + 2, t->dport);
	if (proto == IPPROTO_TCP)
		tf_put32(p + n + 4, t->seq);
	else {
		tf_put16(p + n + 4, (uint16_t)l4);
		tf_put16(p + n + 6, 0);
	}
	return (n + 8);
}

/* Write the transport header and payload; returns their length. */
static size_t
tf_l4(uint8_t *p, size_t room, int v6, const uint8_t *src,
    const uint8_t *dst, const struct tf_pkt *t)
{
	size_t hl, optlen, len, ck;
	uint32_t sum;

	switch (t->proto) {
	case IPPROTO_TCP:
		optlen = (t->tcpoptlen + 3) & ~(size_t)3;
		if (optlen > 40)
			return (0);
		hl = 20 + optlen;
		len = hl + t->paylen;
		if (len > room)
			return (0);
		tf_put16(p, t->sport);
		tf_put16(p + 2, t->dport);
		tf_put32(p + 4, t->seq);
		tf_put32(p + 8, t->ack);
		p[12] = (uint8_t)(((hl / 4) << 4) |
		    ((t->flags & SS_TH_AE) ? 1 : 0));
		p[13] = (uint8_t)t->flags;
		tf_put16(p + 14, t->win);
		tf_put16(p + 16, 0);
		tf_put16(p + 18, 0);
		if (t->tcpoptlen != 0)
			memcpy(p + 20, t->tcpopt, t->tcpoptlen);
		/* Pad with EOL and zeros (RFC 9293 section 3.1). */
		memset(p + 20 + t->tcpoptlen, 0, optlen - t->tcpoptlen);
		ck = 16;
		break;
	case IPPROTO_UDP:
		hl = 8;
		len = hl + t->paylen;
		if (len > room || len > 0xffff)
			return (0);
		tf_put16(p, t->sport);
		tf_put16(p + 2, t->dport);
		tf_put16(p + 4, (uint16_t)len);
		tf_put16(p + 6, 0);
		ck = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		hl = 8;
		if (hl + 48 + t->paylen > room)
			return (0);
		p[0] = t->icmp_type;
		p[1] = t->icmp_code;
		tf_put16(p + 2, 0);
		tf_put16(p + 4, t->sport);	/* identifier, or unused */
		tf_put16(p + 6, t->dport);	/* sequence, or unused */
		if (tf_icmp_error(t->proto == IPPROTO_ICMPV6, t->icmp_type)) {
			tf_put32(p + 4, 0);
			hl += tf_quote(p + 8, v6, src, dst, t);
		}
		len = hl + t->paylen;
		ck = 2;
		break;
	default:
		return (0);
	}
	memset(p + hl, 'x', t->paylen);

	if (t->proto == IPPROTO_ICMP)
		sum = 0;
	else
		sum = tf_pseudo(v6, src, dst, t->proto, (uint32_t)len);
	sum = tf_fold(tf_sum(sum, p, len));
	if (t->proto == IPPROTO_UDP && sum == 0)
		sum = 0xffff;		/* RFC 768: 0 means no checksum */
	tf_put16(p + ck, (uint16_t)sum);
	return (len);
}

/* Write the link header for an IP packet; returns its length. */
static size_t
tf_link(uint8_t *p, int linktype, int v6, uint16_t vlan)
{
	static const uint8_t mac_dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t mac_src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint16_t type = v6 ? 0x86dd : 0x0800;
	uint32_t af;
	size_t n;

	switch (linktype) {
	case DLT_EN10MB:
		memcpy(p, mac_dst, 6);
		memcpy(p + 6, mac_src, 6);
		n = 12;
		if (vlan != 0) {
			tf_put16(p + n, 0x8100);
			tf_put16(p + n + 2, vlan & 0x0fff);
			n += 4;
		}
		tf_put16(p + n, type);
		return (n + 2);
	case DLT_LINUX_SLL:
		tf_put16(p, 0);			/* to us */
		tf_put16(p + 2, 1);		/* ARPHRD_ETHER */
		tf_put16(p + 4, 6);
		memcpy(p + 6, mac_src, 6);
		tf_put16(p + 12, 0);
		tf_put16(p + 14, type);
		return (16);
	case DLT_LINUX_SLL2:
		tf_put16(p, type);
		tf_put16(p + 2, 0);
		tf_put32(p + 4, 1);		/* interface index */
		tf_put16(p + 8, 1);		/* ARPHRD_ETHER */
		p[10] = 0;			/* to us */
		p[11] = 6;
		memcpy(p + 12, mac_src, 6);
		tf_put16(p + 18, 0);
		return (20);
	case DLT_NULL:
		/* Host byte order; 24 is AF_INET6 on NetBSD and OpenBSD. */
		af = v6 ? 24 : 2;
		memcpy(p, &af, 4);
		return (4);
	case DLT_LOOP:
		tf_put32(p, v6 ? 24 : 2);
		return (4);
	case 12:
	case 14:
	case 101:
	case 228:
	case 229:
		return (0);
	}
	return ((size_t)-1);
}

/* Write one frame; returns its length, 0 if it does not fit. */
size_t
tf_frame(uint8_t *buf, size_t cap, int linktype, const struct tf_pkt *t)
{
	uint8_t src[16], dst[16], hdr[64];
	size_t ll, il, l4, iplen;
	int f;

	f = tf_addr(t->src, src);
	if (f == 0 || tf_addr(t->dst, dst) != f)
		return (0);
	if ((linktype == 228 && f != 4) || (linktype == 229 && f != 6))
		return (0);
	ll = tf_link(hdr, linktype, f == 6, t->vlan);
	if (ll == (size_t)-1)
		return (0);
	il = f == 6 ? 40 : 20;
	if (cap < ll + il)
		return (0);
	l4 = tf_l4(buf + ll + il, cap - ll - il, f == 6, src, dst, t);
	if (l4 == 0 || (f == 4 && l4 + il > 0xffff) || l4 > 0xffff)
		return (0);
	iplen = tf_ip(buf + ll, f == 6, src, dst, t->proto, l4);
	memcpy(buf, hdr, ll);
	return (ll + iplen + l4);
}
