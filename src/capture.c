/*
 * capture.c - libpcap capture and replay, and the poll() loop.
 *
 * Live: pcap_create -> options -> pcap_activate (a positive status is a
 * warning, a negative one an error), non-blocking, its selectable fd in
 * one poll() with the keyboard and a signal self-pipe, drained with
 * pcap_dispatch (as libpcap's selpolltest does).
 *
 * Files: pcap and pcapng (nanosecond too) from a path or standard input;
 * a regular classic pcap file's records are read here (rr_next), once
 * libpcap has checked its header.  Replay is paced on the packets' own
 * clock at any speed; at speed 0 and with nothing interactive, packets
 * are read in large batches, and with two threads a reader thread reads
 * and decodes batches of frames ahead of the thread that tracks them (as
 * a capture thread feeds workers).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#ifdef HAVE_STDIO_EXT_H
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "synscope/capture.h"

/* stdio buffer of a savefile libpcap reads (pcapng, a pipe) */
#define SS_READ_BUFFER	(64 * 1024)
/* a classic pcap savefile's records are read here in reads of about this */
#define SS_REC_CHUNK	(128 * 1024)
/*
 * The longest record libpcap reads for every link type synscope decodes
 * (its MAXIMUM_SNAPLEN): a file's snapshot length may claim more, up to
 * INT_MAX, but a longer record is an error.
 */
#define SS_REC_MAX	262144

/*
 * A classic pcap savefile's records, read here from the file libpcap has
 * read the file header of (see rr_open).
 */
struct rec_reader {
	int		 fd;		/* the FILE's */
	off_t		 off;		/* where the next read starts */
	u_char		*buf;
	size_t		 size;		/* of buf */
	size_t		 pos;		/* the unread bytes: buf[pos, end) */
	size_t		 end;
	unsigned	 hdrsize;	/* 16, or 24 in the modified format */
	uint32_t	 snaplen;	/* pcap_snapshot() */
	bool		 swapped;	/* written in the other byte order */
	enum { RR_NOT_SWAPPED, RR_MAYBE_SWAPPED, RR_SWAPPED } lengths;
	enum { RR_PASS, RR_SCALE_UP, RR_SCALE_DOWN } scale;
	int		 can_swap;	/* 0, or the SLL header's length */
	char		 err[PCAP_ERRBUF_SIZE];
};

struct ss_capture {
	pcap_t		*p;
	char		*rbuf;		/* the savefile's stdio buffer */
	pcap_dumper_t	*dumper;
	int		 linktype;
	int		 snaplen;	/* pcap_snapshot(): fixed once opened */
	bool		 live;
	bool		 nano;
	uint64_t	 count;
	uint64_t	 npkts;
	char		 source[256];
	/* a classic pcap savefile's records, read here; NULL: by libpcap */
	struct rec_reader *rr;
	/* a savefile's filter, run here (rec_wanted) */
	bool		 filtered;
	struct bpf_program prog;
	/* replay: a packet read but not yet applied */
	bool		 have_pending;
	struct pcap_pkthdr pending_hdr;
	const u_char	*pending_data;
	uint32_t	 pending_cut;
};

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_term;
static volatile sig_atomic_t sig_winch;

/* Signal handler: note the signal, wake poll(). */
static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGWINCH)
		sig_winch = 1;
	else
		sig_term = sig;
	if (sig_pipe[1] >= 0)
		(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

/* Install the handlers and the self-pipe. */
int
ss_signals_init(void)
{
	struct sigaction sa;
	int i;

	if (sig_pipe[0] < 0) {
		if (pipe(sig_pipe) != 0)
			return -1;
		for (i = 0; i < 2; i++) {
			fcntl(sig_pipe[i], F_SETFL,
			    fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* Has SIGINT, SIGTERM or SIGHUP arrived? */
bool
ss_signal_pending(void)
{
	return sig_term != 0;
}

/* Has the window size changed since the last call? */
bool
ss_winch_pending(void)
{
	if (!sig_winch)
		return false;
	sig_winch = 0;
	return true;
}

/* Drain the self-pipe. */
static void
drain_sig_pipe(void)
{
	char buf[64];

	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* Open a live interface. */
static pcap_t *
open_live(const struct ss_capture_opts *o, char *err, size_t errlen,
    char *warn, size_t warnlen, int *status)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc;

	p = pcap_create(o->iface, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "%s: %s", o->iface, ebuf);
		*status = SS_EXIT_ERROR;
		return NULL;
	}
	/*
	 * In immediate mode libpcap gives every ring slot the snapshot
	 * length: with 256 KiB slots a 2 MiB buffer holds 8 packets and a
	 * burst overflows it.  The tracer reads headers only, so without -w
	 * it captures the first SS_LIVE_SNAPLEN bytes; with -w, whole
	 * packets (as tcpdump) into a larger buffer.
	 */
	pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen :
	    o->write_file != NULL ? 262144 : SS_LIVE_SNAPLEN);
	if (o->buffer_kib == 0)
		pcap_set_buffer_size(p, 16 * 1024 * 1024);
	pcap_set_promisc(p, o->promisc ? 1 : 0);
	pcap_set_timeout(p, 100);
#ifdef HAVE_PCAP_SET_IMMEDIATE_MODE
	if (o->immediate)
		pcap_set_immediate_mode(p, 1);
#endif
	else
		pcap_set_buffer_size(p, o->buffer_kib * 1024);
#ifdef HAVE_PCAP_SET_TSTAMP_PRECISION
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
#endif
	rc = pcap_activate(p);
	if (rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "%s: no such device", o->iface);
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "%s: permission denied: capturing "
			    "needs root or CAP_NET_RAW (setcap "
			    "cap_net_raw,cap_net_admin+eip synscope)", o->iface);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "%s: interface is down", o->iface);
			break;
		default:
			snprintf(err, errlen, "%s: %s", o->iface,
			    rc == PCAP_ERROR ? pcap_geterr(p) :
			    pcap_statustostr(rc));
			break;
		}
		/* strip a trailing newline libpcap sometimes leaves */
		err[strcspn(err, "\n")] = '\0';
		pcap_close(p);
		*status = SS_EXIT_ERROR;
		return NULL;
	}
	if (rc > 0) {
		snprintf(warn, warnlen, "%s: %s%s%s", o->iface,
		    pcap_statustostr(rc),
		    rc == PCAP_WARNING ? ": " : "",
		    rc == PCAP_WARNING ? pcap_geterr(p) : "");
		warn[strcspn(warn, "\n")] = '\0';
	}
	return p;
}

/* A savefile's first 24 bytes, read before libpcap reads them. */
struct file_head {
	bool		 ok;
	off_t		 at;		/* where they are in the file */
	unsigned char	 b[24];
};

/* Open a saved capture (or standard input). */
static pcap_t *
open_file(const struct ss_capture_opts *o, char *err, size_t errlen,
    int *status, char **bufp, struct file_head *fh)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	FILE *fp;
	pcap_t *p;
	off_t at;

	if (strcmp(o->file, "-") != 0) {
		if (stat(o->file, &st) != 0) {
			snprintf(err, errlen, "%s: %s", o->file,
			    strerror(errno));
			*status = SS_EXIT_ERROR;
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a "
			    "capture file", o->file);
			*status = SS_EXIT_ERROR;
			return NULL;
		}
		if (S_ISREG(st.st_mode) && st.st_size == 0) {
			snprintf(err, errlen, "%s: empty file, not a capture "
			    "file", o->file);
			*status = SS_EXIT_ERROR;
			return NULL;
		}
	}
	/*
	 * libpcap reads every record with fread(): with stdio's default
	 * buffer of a page that is a read() per few dozen packets.  Give it
	 * a FILE with a large buffer of our own (pcap_close closes the FILE;
	 * the buffer is freed after it).
	 */
	if (strcmp(o->file, "-") == 0) {
		/* a FILE of our own on standard input, closed with the pcap */
		int fd = dup(STDIN_FILENO);

		fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (fp == NULL && fd >= 0)
			close(fd);
	} else
		fp = fopen(o->file, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot read capture: %s",
		    strcmp(o->file, "-") == 0 ? "standard input" : o->file,
		    strerror(errno));
		*status = SS_EXIT_ERROR;
		return NULL;
	}
	/*
	 * The file header, read where libpcap will read it from, for
	 * reading the records here (rr_open).  Only from a regular file:
	 * from a pipe it cannot be read twice.
	 */
	fh->ok = false;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
	    (at = lseek(fileno(fp), 0, SEEK_CUR)) >= 0 &&
	    pread(fileno(fp), fh->b, sizeof(fh->b), at) ==
	    (ssize_t)sizeof(fh->b)) {
		fh->ok = true;
		fh->at = at;
	}
	if ((*bufp = malloc(SS_READ_BUFFER)) != NULL)
		setvbuf(fp, *bufp, _IOFBF, SS_READ_BUFFER);
#if defined(HAVE_STDIO_EXT_H) && defined(HAVE___FSETLOCKING)
	/*
	 * glibc locks the FILE in each of libpcap's two fread() calls per
	 * record, an atomic instruction each (with a reader thread, on a
	 * line the other core may hold): a third of a bare read loop's time
	 * (tests/bench/pcap_floor -s).  Only one thread at a time reads the
	 * capture (the reader thread, or the main thread before and after
	 * it), so stdio's lock is not needed.
	 */
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
#ifdef HAVE_PCAP_OPEN_OFFLINE_WITH_TSTAMP_PRECISION
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
#else
	p = pcap_fopen_offline(fp, ebuf);
#endif
	if (p == NULL) {
		fclose(fp);
		free(*bufp);
		*bufp = NULL;
	}
	if (p == NULL) {
		ebuf[strcspn(ebuf, "\n")] = '\0';
		snprintf(err, errlen, "%s: cannot read capture: %s",
		    strcmp(o->file, "-") == 0 ? "standard input" : o->file,
		    ebuf);
		*status = SS_EXIT_ERROR;
	}
	return p;
}

/*
 * A classic pcap savefile's records are read here, not by libpcap: libpcap
 * opens the file and checks its header (and reads pcapng, and files that
 * are not regular), then this reads the records that follow as libpcap's
 * pcap_next_packet() does, with the same checks, byte swaps and time
 * stamp scaling, but with large pread() calls into a buffer of its own
 * instead of two fread() calls and a copy per record: a bare libpcap read
 * loop spends some 40 ns per record there, more than the rest of the
 * reader thread's work on a packet (doc/performance.md, "Records read
 * here").
 *
 * It also sees a record longer than the file's snapshot length, which
 * libpcap cuts down to it and skips the rest of without a word: such a
 * record is corrupt and must stop the reading (bad_record).
 */
/* Read the records of c's file here, if it is a classic pcap file. */
static void
rr_open(struct ss_capture *c, const struct file_head *fh)
{
	struct rec_reader *rr;
	FILE *fp = pcap_file(c->p);
	uint32_t magic;
	uint16_t ver[2];
	unsigned major, minor, hdrsize = 16;
	bool swapped, nano = false;

	if (!fh->ok || fp == NULL || c->snaplen <= 0)
		return;
	memcpy(&magic, fh->b, sizeof(magic));
	switch (magic) {
	case 0xa1b23c4d:		/* nanoseconds */
		nano = true;
		/* FALLTHROUGH */
	case 0xa1b2c3d4:		/* microseconds */
		swapped = false;
		break;
	case 0x4d3cb2a1:
		nano = true;
		/* FALLTHROUGH */
	case 0xd4c3b2a1:
		swapped = true;
		break;
	case 0xa1b2cd34:		/* the modified format */
		swapped = false;
		hdrsize = 24;
		break;
	case 0x34cdb2a1:
		swapped = true;
		hdrsize = 24;
		break;
	default:
		return;			/* pcapng: libpcap reads it */
	}
	memcpy(ver, fh->b + 4, sizeof(ver));
	major = swapped ? __builtin_bswap16(ver[0]) : ver[0];
	minor = swapped ? __builtin_bswap16(ver[1]) : ver[1];
	/* what libpcap made of the same header, and it read nothing more */
	if (swapped != (pcap_is_swapped(c->p) == 1) ||
	    (int)major != pcap_major_version(c->p) ||
	    (int)minor != pcap_minor_version(c->p) ||
	    ftello(fp) != fh->at + 24)
		return;
	rr = calloc(1, sizeof(*rr));
	if (rr == NULL)
		return;
	/* a whole record always fits: its caplen is at most SS_REC_MAX */
	rr->size = SS_REC_CHUNK + hdrsize + (c->snaplen < SS_REC_MAX ?
	    (size_t)c->snaplen : SS_REC_MAX);
	rr->buf = malloc(rr->size);
	if (rr->buf == NULL) {
		free(rr);
		return;
	}
	rr->fd = fileno(fp);
	rr->off = fh->at + 24;
	rr->hdrsize = hdrsize;
	rr->snaplen = (uint32_t)c->snaplen;
	rr->swapped = swapped;
	/* as libpcap: 2.0-2.2 and 543.0 swapped caplen and len, 2.3 maybe */
	rr->lengths = major == 543 || (major == 2 && minor < 3) ? RR_SWAPPED :
	    major == 2 && minor == 3 ? RR_MAYBE_SWAPPED : RR_NOT_SWAPPED;
	rr->scale = c->nano == nano ? RR_PASS :
	    c->nano ? RR_SCALE_UP : RR_SCALE_DOWN;
	/* libpcap swaps a SocketCAN id in these when the file is swapped */
	rr->can_swap = !swapped ? 0 : c->linktype == DLT_LINUX_SLL ? 16 :
	    c->linktype == DLT_LINUX_SLL2 ? 20 : 0;
	c->rr = rr;
}

static void
rr_close(struct rec_reader *rr)
{
	if (rr == NULL)
		return;
	free(rr->buf);
	free(rr);
}

/*
 * Have at least need unread bytes in the buffer (need <= rr->size);
 * false at the end of the file or on an error (rr->err set).
 */
static bool
rr_fill(struct rec_reader *rr, size_t need)
{
	size_t have = rr->end - rr->pos;
	ssize_t n;

	if (need > rr->size) {		/* cannot be: caplen <= snaplen */
		snprintf(rr->err, sizeof(rr->err), "record of %zu bytes "
		    "larger than the read buffer", need);
		return false;
	}
	if (rr->pos != 0) {
		memmove(rr->buf, rr->buf + rr->pos, have);
		rr->pos = 0;
		rr->end = have;
	}
	while (rr->end < need) {
		n = pread(rr->fd, rr->buf + rr->end, rr->size - rr->end,
		    rr->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				snprintf(rr->err, sizeof(rr->err),
				    "error reading dump file: %s",
				    strerror(errno));
			return false;
		}
		rr->end += (size_t)n;
		rr->off += n;
	}
	return true;
}

/* The SocketCAN id of a swapped file's SLL frame, as libpcap swaps it. */
static void
rr_can_swap(const struct rec_reader *rr, const struct pcap_pkthdr *h,
    u_char *data)
{
	unsigned hl = (unsigned)rr->can_swap;
	unsigned po = hl == 16 ? 14 : 0;	/* the protocol field */
	unsigned proto;
	uint32_t id;

	if (h->caplen < hl + 4 || h->len < hl + 4)
		return;
	proto = (unsigned)data[po] << 8 | data[po + 1];
	if (proto != 0x000c && proto != 0x000d)	/* CAN, CAN FD */
		return;
	memcpy(&id, data + hl, sizeof(id));
	id = __builtin_bswap32(id);
	memcpy(data + hl, &id, sizeof(id));
}

/*
 * The next record: 1, 0 at the end of the file, -1 on an error (rr->err).
 * A record longer than the snapshot length is not read: it comes with a
 * caplen of 0 and its own in *cut, for bad_record to stop at, and every
 * call after it, as after an error, returns -1.
 */
static inline int
rr_next(struct rec_reader *rr, struct pcap_pkthdr *h, const u_char **data,
    uint32_t *cut)
{
	uint32_t w[4], t;
	u_char *p;

	*cut = 0;
	if (rr->end - rr->pos < rr->hdrsize &&
	    (rr->err[0] != '\0' || !rr_fill(rr, rr->hdrsize))) {
		if (rr->err[0] != '\0')	/* this time, or once before */
			return -1;
		if (rr->end == rr->pos)
			return 0;
		snprintf(rr->err, sizeof(rr->err), "truncated dump file; "
		    "tried to read %u header bytes, only got %zu",
		    rr->hdrsize, rr->end - rr->pos);
		rr->pos = rr->end;
		return -1;
	}
	memcpy(w, rr->buf + rr->pos, sizeof(w));
	if (rr->swapped) {
		w[0] = __builtin_bswap32(w[0]);
		w[1] = __builtin_bswap32(w[1]);
		w[2] = __builtin_bswap32(w[2]);
		w[3] = __builtin_bswap32(w[3]);
	}
	if (rr->lengths != RR_NOT_SWAPPED &&
	    (rr->lengths == RR_SWAPPED || w[2] > w[3])) {
		t = w[2];
		w[2] = w[3];
		w[3] = t;
	}
	/* as libpcap: signed as written, unsigned once swapped */
	if (rr->swapped) {
		h->ts.tv_sec = (time_t)w[0];
		h->ts.tv_usec = (suseconds_t)w[1];
	} else {
		h->ts.tv_sec = (int32_t)w[0];
		h->ts.tv_usec = (int32_t)w[1];
	}
	if (rr->scale == RR_SCALE_UP)
		h->ts.tv_usec *= 1000;
	else if (rr->scale == RR_SCALE_DOWN)
		h->ts.tv_usec /= 1000;
	h->len = w[3];
	if (w[2] > rr->snaplen) {
		*cut = w[2];
		h->caplen = 0;
		*data = rr->buf + rr->pos;
		/* the reading stops here: nothing after it is read */
		snprintf(rr->err, sizeof(rr->err), "captured length %u "
		    "exceeds the snapshot length %u", w[2], rr->snaplen);
		rr->pos = rr->end;
		return 1;
	}
	if (w[2] > SS_REC_MAX) {
		snprintf(rr->err, sizeof(rr->err), "invalid packet capture "
		    "length %u, bigger than maximum of %u", w[2], SS_REC_MAX);
		rr->pos = rr->end;
		return -1;
	}
	h->caplen = w[2];
	if (rr->end - rr->pos < rr->hdrsize + (size_t)h->caplen &&
	    !rr_fill(rr, rr->hdrsize + (size_t)h->caplen)) {
		if (rr->err[0] == '\0')
			snprintf(rr->err, sizeof(rr->err), "truncated dump "
			    "file; tried to read %u captured bytes, only got "
			    "%zu", h->caplen, rr->end - rr->pos - rr->hdrsize);
		rr->pos = rr->end;
		return -1;
	}
	p = rr->buf + rr->pos + rr->hdrsize;
	rr->pos += rr->hdrsize + (size_t)h->caplen;
	if (rr->can_swap != 0)
		rr_can_swap(rr, h, p);
	*data = p;
	return 1;
}

/*
 * The next record of a savefile, read here or by libpcap: 1, 0 at the end
 * of the file, -1 on an error (read_error).  *cut: see rr_next.
 */
static inline int
cap_next(struct ss_capture *c, struct pcap_pkthdr *h, const u_char **data,
    uint32_t *cut)
{
	struct pcap_pkthdr *ph;
	int rc;

	if (c->rr != NULL)
		return rr_next(c->rr, h, data, cut);
	*cut = 0;
	rc = pcap_next_ex(c->p, &ph, data);
	if (rc == 1) {
		*h = *ph;
		return 1;
	}
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

int
ss_capture_next(struct ss_capture *c, struct pcap_pkthdr *h,
    const u_char **data, uint32_t *cut)
{
	return cap_next(c, h, data, cut);
}

const char *
ss_capture_read_error(struct ss_capture *c)
{
	return c->rr != NULL ? c->rr->err : pcap_geterr(c->p);
}

bool
ss_capture_reads_records(const struct ss_capture *c)
{
	return c->rr != NULL;
}

/* Does a savefile's record pass the filter (run here, not by libpcap)? */
static inline bool
rec_wanted(const struct ss_capture *c, const struct pcap_pkthdr *h,
    const u_char *data)
{
	return !c->filtered || pcap_offline_filter(&c->prog, h, data) != 0;
}

/* Open a capture (live or file), its filter and its -w file. */
struct ss_capture *
ss_capture_open(const struct ss_capture_opts *o, char *err, size_t errlen,
    char *warn, size_t warnlen, int *status)
{
	struct ss_capture *c;
	struct bpf_program prog;
	struct file_head fh = { .ok = false };
	char *rbuf = NULL;
	pcap_t *p;

	err[0] = '\0';
	warn[0] = '\0';
	*status = SS_EXIT_OK;
	if (o->iface != NULL)
		p = open_live(o, err, errlen, warn, warnlen, status);
	else
		p = open_file(o, err, errlen, status, &rbuf, &fh);
	if (p == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		pcap_close(p);
		free(rbuf);
		snprintf(err, errlen, "out of memory");
		*status = SS_EXIT_ERROR;
		return NULL;
	}
	c->p = p;
	c->rbuf = rbuf;
	c->live = o->iface != NULL;
	c->count = o->count;
	c->linktype = pcap_datalink(p);
	c->snaplen = pcap_snapshot(p);
#ifdef HAVE_PCAP_SET_TSTAMP_PRECISION
	c->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
#endif
	if (!c->live && !o->libpcap_records)
		rr_open(c, &fh);
	snprintf(c->source, sizeof(c->source), "%s",
	    o->iface != NULL ? o->iface :
	    strcmp(o->file, "-") == 0 ? "standard input" : o->file);
	if (!ss_decode_linktype_supported(c->linktype)) {
		const char *name = pcap_datalink_val_to_name(c->linktype);

		if (name != NULL)
			snprintf(err, errlen, "%s: unsupported link type %s (%d)",
			    c->source, name, c->linktype);
		else
			snprintf(err, errlen, "%s: unsupported link type %d",
			    c->source, c->linktype);
		*status = SS_EXIT_ERROR;
		ss_capture_close(c);
		return NULL;
	}
	if (o->filter != NULL && o->filter[0] != '\0') {
		if (pcap_compile(p, &prog, o->filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "bad filter expression: %s",
			    pcap_geterr(p));
			*status = SS_EXIT_USAGE;
			ss_capture_close(c);
			return NULL;
		}
		if (!c->live) {
			/* run on every record read, after bad_record */
			c->prog = prog;
			c->filtered = true;
		} else if (pcap_setfilter(p, &prog) != 0) {
			snprintf(err, errlen, "cannot set filter: %s",
			    pcap_geterr(p));
			pcap_freecode(&prog);
			*status = SS_EXIT_ERROR;
			ss_capture_close(c);
			return NULL;
		} else
			pcap_freecode(&prog);
	}
	if (o->write_file != NULL) {
		c->dumper = pcap_dump_open(p, o->write_file);
		if (c->dumper == NULL) {
			/* libpcap's message already names the file */
			snprintf(err, errlen, "-w: %s", pcap_geterr(p));
			*status = SS_EXIT_ERROR;
			ss_capture_close(c);
			return NULL;
		}
	}
	if (c->live && pcap_setnonblock(p, 1, err) != 0) {
		*status = SS_EXIT_ERROR;
		ss_capture_close(c);
		return NULL;
	}
	return c;
}

/* Close a capture; the -w file is flushed and closed complete. */
void
ss_capture_close(struct ss_capture *c)
{
	if (c == NULL)
		return;
	if (c->dumper != NULL) {
		pcap_dump_flush(c->dumper);
		pcap_dump_close(c->dumper);
	}
	if (c->filtered)
		pcap_freecode(&c->prog);
	pcap_close(c->p);
	free(c->rbuf);		/* after pcap_close closed its FILE */
	rr_close(c->rr);
	free(c);
}

/* Is the capture a live interface? */
bool
ss_capture_is_live(const struct ss_capture *c)
{
	return c->live;
}

/* DLT_* of the capture. */
int
ss_capture_linktype(const struct ss_capture *c)
{
	return c->linktype;
}

/* The snapshot length. */
int
ss_capture_snaplen(const struct ss_capture *c)
{
	return c->snaplen;
}

/* Interface or file name. */
const char *
ss_capture_source(const struct ss_capture *c)
{
	return c->source;
}

/* Packets read so far. */
uint64_t
ss_capture_packets(const struct ss_capture *c)
{
	return c->npkts;
}

/* Kernel drop counters of a live capture. */
void
ss_capture_drops(struct ss_capture *c, struct ss_stats *st)
{
	struct pcap_stat ps;

	if (!c->live)
		return;
	if (pcap_stats(c->p, &ps) == 0) {
		st->drops = ps.ps_drop;
		st->ifdrops = ps.ps_ifdrop;
	}
}

/* Flush the -w file. */
void
ss_capture_flush(struct ss_capture *c)
{
	if (c->dumper != NULL)
		pcap_dump_flush(c->dumper);
}

/* Packet time of a header in nanoseconds (negative times as 0). */
static uint64_t
hdr_ns(const struct ss_capture *c, const struct pcap_pkthdr *h)
{
	uint64_t sec, frac;

	if (h->ts.tv_sec < 0)
		return 0;
	sec = (uint64_t)h->ts.tv_sec;
	frac = h->ts.tv_usec < 0 ? 0 : (uint64_t)h->ts.tv_usec;
	return sec * 1000000000ULL + (c->nano ? frac : frac * 1000ULL);
}

/* Does the engine's last frame hold a state change? */
static bool
frame_changed_state(const struct ss_engine *e)
{
	size_t i;

	for (i = 0; i < e->nevs; i++)
		if (e->evs[i].type == SS_EV_STATE)
			return true;
	return false;
}

/* Apply one packet: save it, feed the engine (pipelined when batch). */
static void
apply(struct ss_loop *l, const struct pcap_pkthdr *h, const u_char *data)
{
	struct ss_capture *c = l->cap;
	uint64_t ns = hdr_ns(c, h);
	uint32_t caplen = h->caplen;

	if (c->dumper != NULL)
		pcap_dump((u_char *)c->dumper, h, data);
	if (l->batch)
		ss_engine_push(l->eng, c->linktype, ns, data, caplen,
		    h->len > caplen ? h->len : caplen);
	else
		ss_engine_frame(l->eng, c->linktype, ns, data, caplen,
		    h->len > caplen ? h->len : caplen);
	c->npkts++;
	l->pkt_ns = ns;
	if (c->count != 0 && c->npkts >= c->count) {
		l->stop = true;
		l->eof = true;
		pcap_breakloop(c->p);
	}
}

/*
 * A saved record whose captured length exceeds the file's snapshot length
 * or the packet's own length is corrupt: stop there, keeping everything
 * before it.  cut: its captured length in the file when it exceeds the
 * snapshot length and was not read (rr_next), else 0.  Returns true when
 * the record is bad.
 */
static bool
bad_record(struct ss_loop *l, const struct pcap_pkthdr *h, uint32_t cut,
    uint64_t npkts)
{
	struct ss_capture *c = l->cap;
	int snap = c->snaplen;
	uint32_t caplen = cut != 0 ? cut : h->caplen;

	if (c->live)
		return false;
	if (caplen > h->len || (snap > 0 && caplen > (bpf_u_int32)snap)) {
		snprintf(l->err, sizeof(l->err), "%.200s: corrupt record after "
		    "%llu packets: captured length %u exceeds %s %u",
		    c->source, (unsigned long long)npkts, caplen,
		    caplen > h->len ? "the packet length" :
		    "the snapshot length", caplen > h->len ? h->len :
		    (unsigned)snap);
		l->status = SS_EXIT_TRUNCATED;
		l->eof = true;
		l->stop = true;
		return true;
	}
	return false;
}

/* pcap_dispatch callback (a live capture). */
static void
dispatch_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct ss_loop *l = (struct ss_loop *)(void *)user;

	if (l->stop)
		return;
	apply(l, h, data);
	if (sig_term)
		pcap_breakloop(l->cap->p);
}

/* A read error: truncated or corrupt input. */
static void
read_error(struct ss_loop *l)
{
	const char *msg = ss_capture_read_error(l->cap);

	snprintf(l->err, sizeof(l->err), "%.200s: %s after %llu packets: %.200s",
	    l->cap->source, l->cap->live ? "capture failed" :
	    "truncated or corrupt capture",
	    (unsigned long long)l->cap->npkts, msg);
	l->err[strcspn(l->err, "\n")] = '\0';
	l->status = l->cap->live ? SS_EXIT_ERROR : SS_EXIT_TRUNCATED;
	l->eof = true;
}

/*
 * The reader thread.  It owns the capture while it runs: it reads
 * records (cap_next), decodes each into a slot of a batch (the slot
 * keeps no pointer into the read buffer) and hands full batches
 * over through a ring; the main thread processes the batches in order
 * and runs every sink, so nothing else is shared.  Each side waits for
 * the other by spinning briefly, then on a condition variable.
 *
 * 32 batches (16,384 frames, 4.5 MiB) in flight let the reader run on
 * through the tracking thread's slow spells (a pool chunk faulted in, a
 * flush of records, a burst of expiries), which 6 passed back to it.
 * Deeper rings speed real traffic further but not a SYN flood, whose
 * cost per packet is held to within 1.5x real traffic's (see the
 * proposal "A deeper ring" in doc/performance.md).
 *
 * When the two CPUs are far apart every slot line the tracking thread
 * has read costs the reader a trip to the other CPU when it writes the
 * line again, and every line the reader has written costs the tracking
 * thread one when it reads it.  So the reader streams its slots in
 * (rd_stream): it decodes a frame into a slot of its own and copies it
 * into the batch with non-temporal stores, which take no line from the
 * other CPU and leave none in the reader's caches, and the tracking
 * thread reads them from memory ("Far apart" in doc/performance.md).
 * With the CPUs near that costs 0-2% against writing the slots in
 * place; written in place when the CPUs are far apart, or move apart
 * during the run (virtual CPUs do, within seconds), a run takes twice
 * as long.  So the slots are streamed in wherever there are such stores
 * (RD_STREAMS), and written in place only elsewhere ("Always streamed"
 * in doc/performance.md).
 */
#define RD_BATCH	512	/* frames per batch */
#if defined(__SSE2__)
#define RD_STREAMS	true	/* non-temporal stores: rd_stream */
#else
#define RD_STREAMS	false	/* rd_stream would be a plain copy */
#endif
#define RD_RING		32	/* batches in flight */
#define RD_SPIN		4000	/* polls before sleeping */
/*
 * The reader asks for the lines of the slot it will fill RD_AHEAD frames
 * on, for writing: the tracking thread read them last, so without asking
 * each of the slot's four lines is a stall on a cross-core round trip
 * (300-800 ns on the benchmark's host, against some 90 ns per frame).
 */
#define RD_AHEAD	8
/* The lines of a batch's uids made ahead (rd_stream_uids) */
#define RD_UA_LINES	(RD_BATCH * sizeof(struct ss_uid_ahead) / RD_LINE)

struct rd_batch {
	size_t			n;
	bool			hashed;	/* the reader hashed the keys */
	_Alignas(64) struct ss_pipe_slot slot[RD_BATCH]; /* whole lines */
	_Alignas(64) struct ss_uid_ahead ua[RD_BATCH];	/* uids made ahead */
};

/*
 * What each side writes often lives on cache lines of its own: the reader
 * writes its fields for every frame, and a line shared with anything the
 * other side writes (counters it polls, its stack, its output buffers)
 * would move between the cores at every write.  The reader's state is
 * allocated on lines of its own for the same reason.
 */
#define RD_LINE		64

struct reader {
	/* the reader's own, written for every frame */
	_Alignas(RD_LINE) struct ss_slot_decoder dec;	/* the hash key, copied */
	struct ss_loop		*l;
	struct rd_batch		*ring;
	uint64_t		 depth;		/* batches in the ring */
	struct rd_batch		*cur;		/* being filled */
	bool			 end;		/* no more input */
	uint64_t		 pkt_ns;	/* last frame's time */
	uint64_t		 npkts;		/* frames read; to the capture's
						   count once per batch */
	bool			 stream;	/* slots streamed in (rd_stream) */
	_Alignas(RD_LINE) struct ss_pipe_slot tmp;	/* ... decoded here */
	/* ... and its uids made ahead here, the lines that hold one marked */
	_Alignas(RD_LINE) struct ss_uid_ahead ua[RD_BATCH];
	uint64_t		 ua_lines[RD_UA_LINES / 64];
	/* written once per batch by one side, read by the other */
	_Alignas(RD_LINE) _Atomic uint64_t produced;	/* batches handed over */
	_Alignas(RD_LINE) _Atomic uint64_t consumed;	/* batches processed */
	_Atomic int64_t		 uid_off;	/* ss_engine_uid_offset() */
	_Alignas(RD_LINE) _Atomic bool quit;	/* the main thread stops */
	_Atomic bool		 done;		/* the reader has ended */
	_Atomic int		 sleepers;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
};

/* One poll of a spin: the x86 PAUSE hint, nothing elsewhere. */
static void
rd_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Has the main thread a batch to process, or is the reader done? */
static bool
rd_can_consume(struct reader *r)
{
	return atomic_load(&r->produced) != atomic_load(&r->consumed) ||
	    atomic_load(&r->done);
}

/* Has the reader a free batch to fill, or must it stop? */
static bool
rd_can_produce(struct reader *r)
{
	return atomic_load(&r->produced) - atomic_load(&r->consumed) <
	    r->depth || atomic_load(&r->quit);
}

/* Wait until ready(r): spin a little, then sleep until woken. */
static void
rd_wait(struct reader *r, bool (*ready)(struct reader *))
{
	int i;

	for (i = 0; i < RD_SPIN; i++) {
		if (ready(r))
			return;
		rd_relax();
	}
	pthread_mutex_lock(&r->mu);
	atomic_fetch_add(&r->sleepers, 1);
	while (!ready(r))
		pthread_cond_wait(&r->cv, &r->mu);
	atomic_fetch_sub(&r->sleepers, 1);
	pthread_mutex_unlock(&r->mu);
}

/* After changing a counter or flag: wake the other side if it sleeps. */
static void
rd_wake(struct reader *r)
{
	if (atomic_load(&r->sleepers) == 0)
		return;
	pthread_mutex_lock(&r->mu);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Ask for all lines of a slot, for writing. */
static inline void
rd_prefetch_slot(const struct ss_pipe_slot *s)
{
	size_t off;

	for (off = 0; off < sizeof(*s); off += RD_LINE)
		__builtin_prefetch((const char *)s + off, 1);
}

/*
 * Copy a slot decoded into the reader's own into the batch with
 * non-temporal stores, whole lines (the slot is a whole number of them,
 * and the batch's slots start on a line).  Made visible to the other
 * thread by the store fence before the batch is handed over (rd_main).
 * Where there are no such stores, a plain copy.
 */
static inline void
rd_stream(struct ss_pipe_slot *dst, const struct ss_pipe_slot *src)
{
#if defined(__SSE2__)
	const __m128i *s = (const __m128i *)(const void *)src;
	__m128i *d = (__m128i *)(void *)dst;
	size_t i;

	for (i = 0; i < sizeof(*src) / sizeof(*s); i++)
		_mm_stream_si128(d + i, _mm_load_si128(s + i));
#else
	*dst = *src;
#endif
}

/*
 * Streamed, a batch's uids made ahead are made in the reader's own array
 * and their lines copied over once they are made (after the decoder's
 * flush), with non-temporal stores as the slots: in a flood each bare
 * SYN has one, and lines written in place would cross between the CPUs
 * twice each, as the slots' did ("Uids streamed in" in
 * doc/performance.md).  The tracking thread reads a uid made ahead only
 * where its slot says so (SS_AHEAD_UID), so the lines not marked keep
 * what they held.
 */
_Static_assert(RD_LINE % sizeof(struct ss_uid_ahead) == 0 &&
    RD_UA_LINES % 64 == 0, "uids made ahead: whole lines, whole words");

static inline void
rd_mark_uid(struct reader *r, size_t i)
{
	size_t line = i * sizeof(r->ua[0]) / RD_LINE;

	r->ua_lines[line / 64] |= 1ULL << (line % 64);
}

static void
rd_stream_uids(struct reader *r, struct rd_batch *b)
{
	size_t w, line;
	uint64_t m;

	for (w = 0; w < RD_UA_LINES / 64; w++) {
		for (m = r->ua_lines[w]; m != 0; m &= m - 1) {
			line = w * 64 + (size_t)__builtin_ctzll(m);
#if defined(__SSE2__)
			{
				const __m128i *s = (const __m128i *)(const void *)
				    ((const char *)r->ua + line * RD_LINE);
				__m128i *d = (__m128i *)(void *)
				    ((char *)b->ua + line * RD_LINE);
				size_t k;

				for (k = 0; k < RD_LINE / sizeof(*s); k++)
					_mm_stream_si128(d + k,
					    _mm_load_si128(s + k));
			}
#else
			memcpy((char *)b->ua + line * RD_LINE,
			    (const char *)r->ua + line * RD_LINE, RD_LINE);
#endif
		}
		r->ua_lines[w] = 0;
	}
}

/* After streaming: the slots reach memory before the batch is handed on. */
static inline void
rd_stream_fence(void)
{
#if defined(__SSE2__)
	_mm_sfence();
#endif
}

/* A record the reader thread has read; false: the reading ends here. */
static inline bool
rd_frame(struct reader *r, const struct pcap_pkthdr *h, const u_char *data,
    uint32_t cut)
{
	struct ss_loop *l = r->l;
	struct ss_capture *c = l->cap;
	struct rd_batch *b = r->cur;
	uint64_t ns;
	size_t i;

	if (bad_record(l, h, cut, r->npkts))
		return false;
	if (!rec_wanted(c, h, data))
		return true;
	ns = hdr_ns(c, h);
	i = b->n++;
	if (!r->stream && i + RD_AHEAD < RD_BATCH)
		rd_prefetch_slot(&b->slot[i + RD_AHEAD]);
	/* streamed: decoded into the reader's own slot, then copied over */
	ss_engine_decode_slot(&r->dec, r->stream ? &r->tmp : &b->slot[i],
	    r->stream ? &r->ua[i] : &b->ua[i], c->linktype, ns, data,
	    h->caplen, h->len > h->caplen ? h->len : h->caplen);
	if (r->stream) {
		if (r->tmp.ahead == SS_AHEAD_UID)
			rd_mark_uid(r, i);
		rd_stream(&b->slot[i], &r->tmp);
	}
	r->npkts++;
	r->pkt_ns = ns;
	if (c->count != 0 && r->npkts >= c->count) {
		l->eof = true;
		return false;
	}
	return true;
}

static void *
rd_main(void *arg)
{
	struct reader *r = arg;
	struct ss_loop *l = r->l;
	struct ss_capture *c = l->cap;
	struct pcap_pkthdr h;
	const u_char *data;
	struct rd_batch *b;
	uint64_t waiting;
	int64_t off;
	uint32_t syn_no = r->dec.syn_no, cut;
	bool synny;
	size_t i;
	int rc;

	while (!r->end) {
		rd_wait(r, rd_can_produce);
		if (atomic_load(&r->quit))
			break;
		b = r->cur = &r->ring[atomic_load(&r->produced) % r->depth];
		b->n = 0;
		for (i = 0; i < RD_AHEAD && !r->stream; i++)
			rd_prefetch_slot(&b->slot[i]);
		/*
		 * Who hashes the flow keys: the reader when batches wait
		 * for the main thread (tracking is the slower side: a
		 * flood, a scan), the main thread when it waits for
		 * batches (reading is: real traffic on some hosts).
		 */
		waiting = atomic_load(&r->produced) -
		    atomic_load(&r->consumed);
		r->dec.hash = waiting >= r->depth / 2;
		b->hashed = r->dec.hash;
		/*
		 * The uids of bare SYNs (see ss_uid_ahead, every one is
		 * numbered) only when every other batch waits, so that the
		 * reader would wait for the next one anyway, or half of them
		 * when bare SYNs were most of the last batch (a flood: the
		 * tracking thread is the slower side, and each of its flows
		 * needs a uid), and once the stream numbers kept in step
		 * with the SYNs over the last batch.
		 */
		off = atomic_load_explicit(&r->uid_off, memory_order_relaxed);
		synny = (r->dec.syn_no - syn_no) * 2 > RD_BATCH;
		syn_no = r->dec.syn_no;
		r->dec.uid = (waiting >= r->depth - 1 ||
		    (synny && waiting >= r->depth / 2)) &&
		    off == r->dec.uid_off;
		r->dec.uid_off = off;
		while (b->n < RD_BATCH &&
		    !atomic_load_explicit(&r->quit, memory_order_relaxed)) {
			rc = cap_next(c, &h, &data, &cut);
			if (rc <= 0) {
				c->npkts = r->npkts;	/* for the message */
				if (rc == 0)
					l->eof = true;
				else
					read_error(l);
				r->end = true;
				break;
			}
			if (!rd_frame(r, &h, data, cut)) {
				r->end = true;
				break;
			}
		}
		ss_engine_decode_flush(&r->dec);
		c->npkts = r->npkts;
		if (r->stream) {
			rd_stream_uids(r, b);
			rd_stream_fence();
		}
		atomic_fetch_add(&r->produced, 1);
		rd_wake(r);
	}
	atomic_store(&r->done, true);
	rd_wake(r);
	return NULL;
}

/*
 * Read a file as fast as possible with a reader thread, through a ring of
 * depth batches, the slots streamed in or not (rd_stream).  Returns false
 * when the thread cannot be started (nothing was read then).
 */
static bool
run_threaded(struct ss_loop *l, unsigned depth, bool stream)
{
	struct reader *r;
	struct rd_batch *b;
	sigset_t all, old;
	pthread_t th;
	int rc;

	/* lines of its own, not the main thread's stack (see RD_LINE) */
	r = aligned_alloc(RD_LINE, sizeof(*r));
	if (r == NULL)
		return false;
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->npkts = l->cap->npkts;
	ss_engine_slot_decoder(l->eng, &r->dec);
	r->depth = depth;
	r->stream = stream;
	r->ring = aligned_alloc(RD_LINE, depth * sizeof(*r->ring));
	if (r->ring == NULL) {
		free(r);
		return false;
	}
	atomic_init(&r->produced, 0);
	atomic_init(&r->consumed, 0);
	atomic_init(&r->uid_off, r->dec.uid_off);
	atomic_init(&r->quit, false);
	atomic_init(&r->done, false);
	atomic_init(&r->sleepers, 0);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* signals stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&th, NULL, rd_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r->ring);
		free(r);
		return false;
	}
	ss_engine_drain(l->eng);
	for (;;) {
		rd_wait(r, rd_can_consume);
		if (atomic_load(&r->produced) == atomic_load(&r->consumed))
			break;		/* done, and everything processed */
		b = &r->ring[atomic_load(&r->consumed) % r->depth];
		if (!b->hashed)
			ss_engine_hash_slots(l->eng, b->slot, b->n);
		ss_engine_process_slots(l->eng, b->slot, b->ua, b->n);
		atomic_store_explicit(&r->uid_off,
		    ss_engine_uid_offset(l->eng), memory_order_relaxed);
		atomic_fetch_add(&r->consumed, 1);
		rd_wake(r);
		if ((l->on_batch != NULL && !l->on_batch(l->ctx)) || sig_term)
			break;
	}
	atomic_store(&r->quit, true);
	rd_wake(r);
	pthread_join(th, NULL);
	if (r->pkt_ns != 0)
		l->pkt_ns = r->pkt_ns;
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r->ring);
	free(r);
	return true;
}

/*
 * The probe's answering thread starts on the prober's CPU as often as not
 * (an idle virtual CPU is slow to be given work), and a spinning prober
 * keeps it waiting there for a time slice, 4 ms and more: the probe's
 * limit ran out in one run in ten on a machine with a CPU to spare.  The
 * new thread therefore leaves the prober's CPU itself, by narrowing its
 * CPU mask to the others for a moment: the kernel moves it at once, and
 * the whole mask is given back (one given with taskset is kept).  -1:
 * the prober's CPU is unknown, nothing is done.
 */
static int
this_cpu(void)
{
#ifdef __linux__
	return sched_getcpu();
#else
	return -1;
#endif
}

void
ss_leave_cpu(int cpu)
{
#if defined(__linux__) && defined(CPU_COUNT)
	cpu_set_t all, others;

	if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getcpu() != cpu ||
	    pthread_getaffinity_np(pthread_self(), sizeof(all), &all) != 0)
		return;
	others = all;
	CPU_CLR(cpu, &others);
	if (CPU_COUNT(&others) == 0)
		return;
	if (pthread_setaffinity_np(pthread_self(), sizeof(others),
	    &others) == 0)
		(void)pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
#else
	(void)cpu;
#endif
}

/*
 * The cache lines the CPU round-trip probe passes between two threads.
 * Sequentially consistent stores, as tests/bench/corelat measures: each
 * waits for its line, so a run measures the line's trips and not the
 * store buffer.
 */
struct rt_probe {
	_Alignas(64) _Atomic uint32_t ping;
	_Alignas(64) _Atomic uint32_t pong;
	_Atomic bool	 quit;
	_Atomic bool	 started;	/* the answering thread runs */
	int		 main_cpu;	/* this_cpu() of the probing one */
};

#define RT_EXCHANGES	200
#define RT_RUNS		5
#define RT_START_NS	100000000ULL	/* for the other thread to start */
#define RT_LIMIT_NS	20000000ULL	/* for the exchanges, from then */

static uint64_t
mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The other side of the probe: leave the prober's CPU, then answer. */
static void *
rt_answer(void *arg)
{
	struct rt_probe *p = arg;
	uint32_t i, n = RT_EXCHANGES * RT_RUNS;

	ss_leave_cpu(p->main_cpu);
	atomic_store(&p->started, true);
	for (i = 1; i <= n; i++) {
		while (atomic_load(&p->ping) != i)
			if (atomic_load_explicit(&p->quit,
			    memory_order_relaxed))
				return NULL;
		atomic_store(&p->pong, i);
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t
ss_cpu_round_trip_ns(void)
{
	struct rt_probe probe;	/* the other thread is joined before return */
	uint64_t runs[RT_RUNS], start, t0, rtt = UINT64_MAX;
	uint32_t i = 0, spins;
	sigset_t all, old;
	pthread_t t;
	int r, rc;

	atomic_init(&probe.ping, 0);
	atomic_init(&probe.pong, 0);
	atomic_init(&probe.quit, false);
	atomic_init(&probe.started, false);
	probe.main_cpu = this_cpu();
	/* signals stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, NULL, rt_answer, &probe);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return UINT64_MAX;
	/*
	 * Until it runs, give the CPU away rather than spin: the new thread
	 * may wait on this very CPU (see ss_leave_cpu).  Not asleep: a thread
	 * the other one wakes is often put on the other one's CPU.
	 */
	start = mono_now_ns();
	while (!atomic_load(&probe.started)) {
		if (mono_now_ns() - start > RT_START_NS)
			goto out;
		sched_yield();
	}
	start = mono_now_ns();
	for (r = 0; r < RT_RUNS; r++) {
		t0 = mono_now_ns();
		for (; i < (uint32_t)(r + 1) * RT_EXCHANGES; i++) {
			atomic_store(&probe.ping, i + 1);
			spins = 0;
			while (atomic_load(&probe.pong) != i + 1)
				if (++spins % 1024 == 0 &&
				    mono_now_ns() - start > RT_LIMIT_NS)
					goto out;
		}
		runs[r] = (mono_now_ns() - t0) / RT_EXCHANGES;
	}
	qsort(runs, RT_RUNS, sizeof(runs[0]), cmp_u64);
	rtt = runs[RT_RUNS / 2];
out:
	atomic_store(&probe.quit, true);
	pthread_join(t, NULL);
	return rtt;
}

/*
 * With two threads: how deep the ring between them is, and whether the
 * reader streams its slots in.  l->ring and l->stream when a ring is
 * given (tests); else a ring of RD_RING, the slots streamed in where
 * they can be (RD_STREAMS), and with threads_auto one thread (0) when
 * the probe's other thread gets no CPU in time.
 */
static unsigned
handoff(const struct ss_loop *l, bool *stream)
{
	*stream = l->stream;
	if (l->ring != 0)
		return l->ring;
	*stream = RD_STREAMS;
	if (l->threads_auto && ss_cpu_round_trip_ns() == UINT64_MAX)
		return 0;
	return RD_RING;
}

/* Read a file as fast as possible, in batches. */
static void
run_fast(struct ss_loop *l)
{
	struct ss_capture *c = l->cap;
	struct pcap_pkthdr h;
	const u_char *data;
	unsigned depth;
	uint32_t cut;
	bool end, stream;
	int n, rc;

	if (l->threads >= 2 && l->cap->dumper == NULL &&
	    (depth = handoff(l, &stream)) != 0 &&
	    run_threaded(l, depth, stream))
		return;
	l->batch = true;
	while (!l->stop && !sig_term) {
		end = false;
		for (n = 0; n < 4096 && !l->stop && !sig_term; n++) {
			rc = cap_next(c, &h, &data, &cut);
			if (rc <= 0) {
				if (rc == 0)
					l->eof = true;
				else
					read_error(l);
				end = true;
				break;
			}
			if (bad_record(l, &h, cut, c->npkts))
				break;
			if (rec_wanted(c, &h, data))
				apply(l, &h, data);
		}
		if (n > 0 && l->on_batch != NULL && !l->on_batch(l->ctx))
			break;
		if (end)
			break;
	}
	ss_engine_drain(l->eng);
	l->batch = false;
}

/* Monotonic wall clock in nanoseconds. */
static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Fetch the next packet of a file into the pending slot. */
static void
fetch_pending(struct ss_loop *l)
{
	struct ss_capture *c = l->cap;
	const u_char *data;
	uint32_t cut;
	int rc;

	if (c->have_pending || l->eof)
		return;
	/* a bad record stops the reading even where the filter drops it */
	while ((rc = cap_next(c, &c->pending_hdr, &data, &cut)) == 1 &&
	    cut == 0 && c->pending_hdr.caplen <= c->pending_hdr.len &&
	    !rec_wanted(c, &c->pending_hdr, data))
		;
	if (rc == 1) {
		c->pending_data = data;
		c->pending_cut = cut;
		c->have_pending = true;
	} else if (rc == 0)
		l->eof = true;
	else
		read_error(l);
}

/* Move the engine's clock to the wall clock (live captures only). */
static void
advance_live_clock(struct ss_loop *l)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	/* only once packets have set the clock, and never backwards */
	if (l->eng->now_ns != 0 && now > l->eng->now_ns)
		ss_engine_advance(l->eng, now);
}

/* The general loop: pacing, pause and step, keyboard, ticks, live. */
static void
run_poll(struct ss_loop *l)
{
	struct ss_capture *c = l->cap;
	struct pollfd pfd[3];
	uint64_t anchor_wall = 0, anchor_pkt = 0, next_tick = 0, now;
	double anchor_speed = -1;
	bool was_paused = true;
	int nfd, timeout, n, cap_i = -1, key_i = -1;

	ss_engine_keep_events(l->eng);	/* stepping to a state change */
	if (l->tick_ms > 0)
		next_tick = wall_ns();
	while (!l->stop && !sig_term) {
		now = wall_ns();
		timeout = -1;
		if (!c->live) {
			/* apply every packet that is due */
			for (;;) {
				bool stepping = l->paused &&
				    (l->step_packets > 0 || l->step_state);
				uint64_t due, pns;

				if (l->stop || sig_term)
					break;
				if (l->paused && !stepping) {
					was_paused = true;
					break;
				}
				fetch_pending(l);
				if (!c->have_pending)
					break;
				pns = hdr_ns(c, &c->pending_hdr);
				if (!stepping && l->speed > 0) {
					if (was_paused ||
					    anchor_speed != l->speed) {
						anchor_wall = now;
						anchor_pkt = pns;
						anchor_speed = l->speed;
						was_paused = false;
					}
					due = anchor_wall + (pns > anchor_pkt ?
					    (uint64_t)((double)(pns -
					    anchor_pkt) / l->speed) : 0);
					if (due > now) {
						uint64_t ms = (due - now +
						    999999) / 1000000;

						timeout = ms > 1000 ? 1000 :
						    (int)ms;
						break;
					}
				}
				c->have_pending = false;
				if (bad_record(l, &c->pending_hdr,
				    c->pending_cut, c->npkts))
					break;
				apply(l, &c->pending_hdr, c->pending_data);
				if (stepping) {
					if (l->step_state) {
						if (frame_changed_state(l->eng))
							l->step_state = false;
					} else
						l->step_packets--;
				}
				if (l->speed == 0 && !stepping && l->key_fd >= 0 &&
				    (c->npkts & 1023) == 0) {
					timeout = 0;
					break;	/* stay responsive */
				}
			}
			if (l->on_batch != NULL && !l->on_batch(l->ctx))
				break;
			if (l->eof && l->key_fd < 0)
				break;
		}
		nfd = 0;
		pfd[nfd].fd = sig_pipe[0];
		pfd[nfd++].events = POLLIN;
		if (c->live) {
			cap_i = nfd;
			pfd[nfd].fd = pcap_get_selectable_fd(c->p);
			pfd[nfd++].events = POLLIN;
			timeout = 100;	/* pcap buffer timeout */
		}
		if (l->key_fd >= 0) {
			key_i = nfd;
			pfd[nfd].fd = l->key_fd;
			pfd[nfd++].events = POLLIN;
		}
		if (l->tick_ms > 0) {
			int t = next_tick > now ?
			    (int)((next_tick - now) / 1000000) : 0;

			if (timeout < 0 || t < timeout)
				timeout = t;
		}
		n = poll(pfd, (nfds_t)nfd, timeout);
		if (n < 0 && errno != EINTR) {
			snprintf(l->err, sizeof(l->err), "poll: %s",
			    strerror(errno));
			l->status = SS_EXIT_ERROR;
			break;
		}
		if (n > 0 && (pfd[0].revents & POLLIN))
			drain_sig_pipe();
		if (c->live) {
			/* drain the capture first, then the keyboard */
			int rc = pcap_dispatch(c->p, -1, dispatch_cb,
			    (u_char *)l);

			if (rc == PCAP_ERROR) {
				read_error(l);
				break;
			}
			if (rc > 0)
				ss_capture_flush(c);
			/*
			 * Live packet times are the wall clock: let timers
			 * (TIME-WAIT, idle flows) run while the wire is quiet.
			 */
			advance_live_clock(l);
			if (rc > 0 && l->on_batch != NULL &&
			    !l->on_batch(l->ctx))
				break;
			(void)cap_i;
		}
		if (key_i >= 0 && n > 0 && (pfd[key_i].revents &
		    (POLLIN | POLLHUP | POLLERR)) && l->on_key != NULL)
			l->on_key(l->ctx);
		if (l->tick_ms > 0 && wall_ns() >= next_tick) {
			next_tick = wall_ns() + (uint64_t)l->tick_ms * 1000000;
			if (l->on_tick != NULL)
				l->on_tick(l->ctx);
		}
	}
}

/* Run the capture until it ends. */
int
ss_loop_run(struct ss_loop *l)
{
	l->status = SS_EXIT_OK;
	l->err[0] = '\0';
	if (!l->cap->live && l->speed == 0 && l->key_fd < 0 &&
	    l->tick_ms == 0 && !l->paused)
		run_fast(l);
	else
		run_poll(l);
	ss_capture_flush(l->cap);
	return l->status;
}
