/*
 * pcap_floor.c - the benchmark's floor: the cheapest way to read every
 * packet of a capture file with libpcap.
 *
 * It opens the file with nanosecond timestamps (as synscope does), reads
 * it with pcap_dispatch() in unbounded batches and, per packet, only adds
 * the header's caplen to a sum, so the compiler cannot drop the loop.  The
 * packet bytes are never touched: whatever synscope costs beyond this is
 * decoding, flow tracking and output.
 *
 *   pcap_floor FILE        prints "PACKETS packets CAPLEN_SUM bytes"
 */
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

struct floor_count {
	uint64_t	pkts;
	uint64_t	caplen;
};

static void
floor_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct floor_count *c = (struct floor_count *)user;

	(void)data;
	c->pkts++;
	c->caplen += h->caplen;
}

int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct floor_count c = { 0, 0 };
	pcap_t *p;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_floor FILE\n");
		return 2;
	}
	ebuf[0] = '\0';
	p = pcap_open_offline_with_tstamp_precision(argv[1],
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "pcap_floor: %s\n", ebuf);
		return 1;
	}
	while ((n = pcap_dispatch(p, -1, floor_cb, (u_char *)&c)) > 0)
		;
	if (n == -1) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%llu packets %llu bytes\n", (unsigned long long)c.pkts,
	    (unsigned long long)c.caplen);
	return 0;
}
