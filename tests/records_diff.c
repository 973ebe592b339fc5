/*
 * records_diff.c - read a capture file through synscope's record reader
 * and through libpcap's, record by record, and say where they differ.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "records_diff.h"
#include "synscope/capture.h"

#define MAX_SANE	262144		/* libpcap's largest caplen */

static char why[1024];

static struct ss_capture *
open_capture(const char *path, bool libpcap_records, char *err,
    size_t errlen)
{
	struct ss_capture_opts co;
	char warn[256];
	int status;

	memset(&co, 0, sizeof(co));
	co.file = path;
	co.libpcap_records = libpcap_records;
	return ss_capture_open(&co, err, errlen, warn, sizeof(warn), &status);
}

static bool
same_header(const struct pcap_pkthdr *a, const struct pcap_pkthdr *b,
    bool caplen)
{
	return (!caplen || a->caplen == b->caplen) && a->len == b->len &&
	    a->ts.tv_sec == b->ts.tv_sec && a->ts.tv_usec == b->ts.tv_usec;
}

static const char *
headers_differ(const char *path, size_t n, const struct pcap_pkthdr *a,
    const struct pcap_pkthdr *b)
{
	snprintf(why, sizeof(why), "%.200s: record %zu: %u/%u at %lld.%09lld "
	    "here, %u/%u at %lld.%09lld by libpcap", path, n, a->caplen,
	    a->len, (long long)a->ts.tv_sec, (long long)a->ts.tv_usec,
	    b->caplen, b->len, (long long)b->ts.tv_sec,
	    (long long)b->ts.tv_usec);
	return why;
}

/* A record synscope found longer than the snapshot length (cut). */
static const char *
cut_record(const char *path, struct records_result *res,
    struct ss_capture *a, struct ss_capture *b,
    const struct pcap_pkthdr *ha, uint32_t cut)
{
	struct pcap_pkthdr hb;
	const unsigned char *db;
	uint32_t cutb;
	int rb;

	res->end = 1;
	if (ha->caplen != 0 || cut <= (uint32_t)ss_capture_snaplen(a)) {
		snprintf(why, sizeof(why), "%.200s: record %zu: cut at %u with "
		    "caplen %u, the snapshot length %d", path, res->records,
		    cut, ha->caplen, ss_capture_snaplen(a));
		return why;
	}
	rb = ss_capture_next(b, &hb, &db, &cutb);
	if (rb == 1) {
		/* libpcap read it, cut down to the snapshot length */
		if (cut > MAX_SANE + 14 || cutb != 0 ||
		    hb.caplen != (uint32_t)ss_capture_snaplen(b) ||
		    !same_header(ha, &hb, false))
			return headers_differ(path, res->records, ha, &hb);
		return NULL;
	}
	/* or failed: too long for it, or the file ends in the record */
	if (rb != -1 || (cut <= MAX_SANE &&
	    strstr(ss_capture_read_error(b), "truncated") == NULL)) {
		snprintf(why, sizeof(why), "%.200s: record %zu: cut at %u "
		    "here, %d by libpcap (%.300s)", path, res->records, cut, rb,
		    rb < 0 ? ss_capture_read_error(b) : "");
		return why;
	}
	return NULL;
}

const char *
records_diff(const char *path, struct records_result *res)
{
	struct ss_capture *a, *b;
	struct pcap_pkthdr ha = { { 0, 0 }, 0, 0 }, hb = ha;
	const unsigned char *da, *db;
	const char *bad = NULL;
	char ea[512], eb[512];
	uint32_t cut, cutb;
	int ra, rb;

	memset(res, 0, sizeof(*res));
	a = open_capture(path, false, ea, sizeof(ea));
	b = open_capture(path, true, eb, sizeof(eb));
	if (a == NULL || b == NULL) {
		res->end = -1;
		snprintf(res->err, sizeof(res->err), "%.500s", ea);
		if (a != NULL || b != NULL || strcmp(ea, eb) != 0) {
			snprintf(why, sizeof(why), "%.200s: opened one way "
			    "but not the other: '%.300s' / '%.300s'", path,
			    a == NULL ? ea : "", b == NULL ? eb : "");
			bad = why;
		}
		ss_capture_close(a);
		ss_capture_close(b);
		return bad;
	}
	if (ss_capture_reads_records(b)) {
		snprintf(why, sizeof(why), "%.200s: libpcap_records ignored",
		    path);
		bad = why;
	}
	res->ours = ss_capture_reads_records(a);
	while (bad == NULL) {
		ra = ss_capture_next(a, &ha, &da, &cut);
		if (ra == 1 && cut != 0) {
			bad = cut_record(path, res, a, b, &ha, cut);
			break;
		}
		rb = ss_capture_next(b, &hb, &db, &cutb);
		if (ra != rb || cutb != 0) {
			snprintf(why, sizeof(why), "%.200s: record %zu: %d "
			    "here, %d by libpcap (%.300s / %.300s)", path,
			    res->records, ra,
			    rb, ra < 0 ? ss_capture_read_error(a) : "",
			    rb < 0 ? ss_capture_read_error(b) : "");
			bad = why;
			break;
		}
		if (ra != 1) {
			res->end = ra;
			if (ra < 0) {
				snprintf(res->err, sizeof(res->err), "%.500s",
				    ss_capture_read_error(a));
				if (strcmp(res->err,
				    ss_capture_read_error(b)) != 0) {
					snprintf(why, sizeof(why), "%.200s: "
					    "'%.300s' here, '%.300s' by libpcap",
					    path,
					    res->err,
					    ss_capture_read_error(b));
					bad = why;
				}
			}
			break;
		}
		if (!same_header(&ha, &hb, true))
			bad = headers_differ(path, res->records, &ha, &hb);
		else if (memcmp(da, db, ha.caplen) != 0) {
			snprintf(why, sizeof(why), "%.200s: record %zu: the bytes "
			    "differ", path, res->records);
			bad = why;
		} else
			res->records++;
	}
	ss_capture_close(a);
	ss_capture_close(b);
	return bad;
}
