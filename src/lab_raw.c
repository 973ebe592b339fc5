/*
 * lab_raw.c - crafted TCP segments for the scenarios the kernel will not
 * play on demand (a SYN flood, an out-of-window RST), and a reader of the
 * segments on the client's veth.
 *
 * Segments are built whole (IPv4 or IPv6 header, TCP header, an MSS option
 * on SYNs, payload) with their checksums (RFC 791, RFC 8200 §8.1, RFC 9293
 * §3.1) and sent on an AF_PACKET SOCK_DGRAM socket of the client's veth to
 * the server's MAC: the kernel adds the Ethernet header, the frame goes
 * through the device's taps (so captures see it) and arrives in the server
 * namespace.  lab_raw_send refuses any address outside the lab's prefixes.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "synscope/lab.h"

#define IP4_HDR		20
#define IP6_HDR		40
#define TCP_HDR		20

/* Is an address inside the lab's prefix (10.203.0.0/24, fd00:203::/64)? */
bool
lab_raw_inside(int family, const uint8_t *a)
{
	static const uint8_t net4[3] = { 10, 203, 0 };
	static const uint8_t net6[8] = { 0xfd, 0x00, 0x02, 0x03, 0, 0, 0, 0 };

	if (family == AF_INET)
		return memcmp(a, net4, sizeof net4) == 0;
	if (family == AF_INET6)
		return memcmp(a, net6, sizeof net6) == 0;
	return false;
}

/* Add bytes to a ones' complement sum. */
static uint32_t
raw_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* Fold a ones' complement sum into a checksum. */
static uint16_t
raw_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Store a 16-bit or 32-bit value in network order. */
static void
raw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
raw_put32(uint8_t *p, uint32_t v)
{
	raw_put16(p, (uint16_t)(v >> 16));
	raw_put16(p + 2, (uint16_t)v);
}

/* Read a 16-bit or 32-bit value in network order. */
static uint16_t
raw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
raw_get32(const uint8_t *p)
{
	return (uint32_t)raw_get16(p) << 16 | raw_get16(p + 2);
}

/* Build an IP packet holding the segment; its length, 0 if too long. */
size_t
lab_raw_build(const struct lab_seg *s, const void *data, uint8_t *buf,
    size_t size)
{
	size_t iph = s->family == AF_INET6 ? IP6_HDR : IP4_HDR;
	size_t opt = s->mss != 0 ? 4 : 0;
	size_t tcpl = TCP_HDR + opt + s->len;
	size_t alen = s->family == AF_INET6 ? 16 : 4;
	uint8_t *th = buf + iph;
	uint32_t sum;

	if (iph + tcpl > size || tcpl > 65535)
		return 0;
	memset(buf, 0, iph + TCP_HDR + opt);
	if (s->family == AF_INET6) {
		buf[0] = 0x60;
		raw_put16(buf + 4, (uint16_t)tcpl);
		buf[6] = IPPROTO_TCP;
		buf[7] = 64;
		memcpy(buf + 8, s->src, 16);
		memcpy(buf + 24, s->dst, 16);
	} else {
		buf[0] = 0x45;
		raw_put16(buf + 2, (uint16_t)(iph + tcpl));
		raw_put16(buf + 6, 0x4000);		/* DF */
		buf[8] = 64;
		buf[9] = IPPROTO_TCP;
		memcpy(buf + 12, s->src, 4);
		memcpy(buf + 16, s->dst, 4);
		raw_put16(buf + 10, raw_fold(raw_sum(0, buf, IP4_HDR)));
	}
	raw_put16(th, s->sport);
	raw_put16(th + 2, s->dport);
	raw_put32(th + 4, s->seq);
	raw_put32(th + 8, s->ack);
	th[12] = (uint8_t)(((TCP_HDR + opt) / 4) << 4);
	th[13] = s->flags;
	raw_put16(th + 14, s->win);
	if (opt != 0) {
		th[20] = TCPOPT_MAXSEG;
		th[21] = 4;
		raw_put16(th + 22, s->mss);
	}
	if (s->len != 0)
		memcpy(th + TCP_HDR + opt, data, s->len);
	/* the pseudo-header: addresses, protocol, TCP length */
	sum = raw_sum(0, s->src, alen);
	sum = raw_sum(sum, s->dst, alen);
	sum += IPPROTO_TCP + (uint32_t)tcpl;
	sum = raw_sum(sum, th, tcpl);
	raw_put16(th + 16, raw_fold(sum));
	return iph + tcpl;
}

/*
 * Open a packet socket on the client's veth: for sending (bound to no
 * protocol, so it reads nothing) or, with sniff, reading every frame.
 */
int
lab_raw_open(struct lab *lab, bool sniff)
{
	struct sockaddr_ll sll;
	uint16_t proto = sniff ? htons(ETH_P_ALL) : 0;
	int fd, idx;

	if (lab_netns_enter(lab, LAB_CLIENT) == -1)
		return -1;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    proto);
	idx = (int)if_nametoindex(LAB_IFNAME);
	lab_netns_enter(lab, LAB_ROOT);
	if (fd == -1 || idx == 0) {
		lab_err("packet socket on %s: %s", LAB_IFNAME,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = proto;
	sll.sll_ifindex = idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) == -1) {
		lab_err("bind packet socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return lab_netns_track_fd(lab, fd);
}

/* Send a crafted segment from the client's veth to the server's MAC. */
int
lab_raw_send(struct lab *lab, int fd, const struct lab_seg *s,
    const void *data)
{
	uint8_t buf[2048];
	struct sockaddr_ll sll;
	size_t n;
	ssize_t w;

	if (!lab_raw_inside(s->family, s->src) ||
	    !lab_raw_inside(s->family, s->dst)) {
		lab_err("refusing to send outside the lab's addresses");
		return -1;
	}
	if ((n = lab_raw_build(s, data, buf, sizeof buf)) == 0) {
		lab_err("crafted segment too long");
		return -1;
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(s->family == AF_INET6 ? ETH_P_IPV6 :
	    ETH_P_IP);
	if (lab_netns_enter(lab, LAB_CLIENT) == -1)
		return -1;
	sll.sll_ifindex = (int)if_nametoindex(LAB_IFNAME);
	lab_netns_enter(lab, LAB_ROOT);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, lab->mac[LAB_SERVER], ETH_ALEN);
	for (;;) {
		w = sendto(fd, buf, n, 0, (struct sockaddr *)&sll, sizeof sll);
		if (w == (ssize_t)n)
			return 0;
		if (w == -1 && (errno == EAGAIN || errno == ENOBUFS)) {
			if (lab_sleep(1) == -1)
				return -1;
			continue;
		}
		lab_err("send crafted segment: %s", strerror(errno));
		return -1;
	}
}

/* Parse an IP packet into a segment; false when it is not TCP. */
static bool
raw_parse(const uint8_t *p, size_t n, struct lab_seg *s)
{
	size_t iph, tot, off;
	const uint8_t *th;

	memset(s, 0, sizeof *s);
	if (n < IP4_HDR)
		return false;
	if (p[0] >> 4 == 4) {
		iph = (size_t)(p[0] & 0x0f) * 4;
		tot = raw_get16(p + 2);
		if (iph < IP4_HDR || tot > n || tot < iph + TCP_HDR ||
		    p[9] != IPPROTO_TCP)
			return false;
		s->family = AF_INET;
		memcpy(s->src, p + 12, 4);
		memcpy(s->dst, p + 16, 4);
	} else if (p[0] >> 4 == 6 && n >= IP6_HDR) {
		iph = IP6_HDR;
		tot = IP6_HDR + raw_get16(p + 4);
		if (tot > n || tot < iph + TCP_HDR || p[6] != IPPROTO_TCP)
			return false;
		s->family = AF_INET6;
		memcpy(s->src, p + 8, 16);
		memcpy(s->dst, p + 24, 16);
	} else
		return false;
	th = p + iph;
	off = (size_t)(th[12] >> 4) * 4;
	if (off < TCP_HDR || iph + off > tot)
		return false;
	s->sport = raw_get16(th);
	s->dport = raw_get16(th + 2);
	s->seq = raw_get32(th + 4);
	s->ack = raw_get32(th + 8);
	s->flags = th[13];
	s->win = raw_get16(th + 14);
	s->len = (uint32_t)(tot - iph - off);
	return true;
}

/*
 * Read the next TCP segment seen on the client's veth, waiting at most ms
 * milliseconds: 1 with a segment, 0 on timeout, -1 on error.
 */
int
lab_raw_read(int fd, struct lab_seg *s, int ms)
{
	uint8_t buf[2048];
	struct sockaddr_ll sll;
	socklen_t sl;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		sl = sizeof sll;
		n = recvfrom(fd, buf, sizeof buf, MSG_TRUNC,
		    (struct sockaddr *)&sll, &sl);
		if (n == -1) {
			if (errno == EINTR)
				return lab_stop ? -1 : 0;
			if (errno != EAGAIN)
				return -1;
			if (ms <= 0)
				return 0;
			switch (poll(&pfd, 1, ms)) {
			case 0:
				return 0;
			case -1:
				return errno == EINTR && !lab_stop ? 0 : -1;
			}
			ms = 0;		/* one wait, then drain */
			continue;
		}
		if (raw_parse(buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf, s)) {
			s->outgoing = sll.sll_pkttype == PACKET_OUTGOING;
			return 1;
		}
	}
}
