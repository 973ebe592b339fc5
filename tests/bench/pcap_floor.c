/*
 * pcap_floor.c - the benchmark's floor: a bare libpcap read loop that
 * reads every packet of a capture file and does nothing else.
 *
 * It opens the file with nanosecond timestamps (as synscope does), reads
 * it with pcap_dispatch() in unbounded batches and, per packet, only adds
 * the header's caplen to a sum, so the compiler cannot drop the loop.  The
 * packet bytes are never touched.
 *
 * By default it opens the file with pcap_open_offline(), as tcpdump and
 * most libpcap programs do: stdio's buffer of a page, and the FILE locked
 * in each of libpcap's two fread() calls per record.  With -s it reads
 * the file the way synscope does (src/capture.c): a FILE of 64 KiB
 * buffer, unlocked.  That is the cheaper read, by about a third on
 * Linux; whatever synscope costs beyond "pcap_floor -s" is decoding,
 * flow tracking and output.
 *
 *   pcap_floor [-s] FILE   prints "PACKETS packets CAPLEN_SUM bytes"
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(HAVE_STDIO_EXT_H) && defined(HAVE___FSETLOCKING)
#include <stdio_ext.h>
#endif

#include <pcap/pcap.h>

/* synscope's SS_READ_BUFFER (src/capture.c) */
#define FLOOR_READ_BUFFER	(64 * 1024)

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

/* Open FILE as synscope opens a capture file. */
static pcap_t *
open_as_synscope(const char *file, char *ebuf, char **bufp)
{
	FILE *fp;
	pcap_t *p;

	if ((fp = fopen(file, "rb")) == NULL) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", file,
		    strerror(errno));
		return NULL;
	}
	if ((*bufp = malloc(FLOOR_READ_BUFFER)) != NULL)
		setvbuf(fp, *bufp, _IOFBF, FLOOR_READ_BUFFER);
#if defined(HAVE_STDIO_EXT_H) && defined(HAVE___FSETLOCKING)
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL)
		fclose(fp);
	return p;
}

int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct floor_count c = { 0, 0 };
	char *buf = NULL;
	pcap_t *p;
	int n, as_synscope = 0;

	if (argc == 3 && strcmp(argv[1], "-s") == 0) {
		as_synscope = 1;
		argv++;
		argc--;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: pcap_floor [-s] FILE\n");
		return 2;
	}
	ebuf[0] = '\0';
	if (as_synscope)
		p = open_as_synscope(argv[1], ebuf, &buf);
	else
		p = pcap_open_offline_with_tstamp_precision(argv[1],
		    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (p == NULL) {
		fprintf(stderr, "pcap_floor: %s\n", ebuf);
		free(buf);
		return 1;
	}
	while ((n = pcap_dispatch(p, -1, floor_cb, (u_char *)&c)) > 0)
		;
	if (n == -1) {
		fprintf(stderr, "pcap_floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		free(buf);
		return 1;
	}
	pcap_close(p);
	free(buf);
	printf("%llu packets %llu bytes\n", (unsigned long long)c.pkts,
	    (unsigned long long)c.caplen);
	return 0;
}
