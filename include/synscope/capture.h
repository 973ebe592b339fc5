/*
 * capture.h - the capture layer: live interfaces and saved captures
 * through libpcap (a classic pcap file's records read here, after
 * libpcap has checked its header), the -w savefile, replay pacing on the
 * packets' own clock, and the poll() loop the view sits on.
 */
#ifndef SYNSCOPE_CAPTURE_H
#define SYNSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synscope/engine.h"

/* Exit statuses of the program (documented in synscope(1)). */
enum ss_exit {
	SS_EXIT_OK = 0,
	SS_EXIT_ERROR = 1,	/* cannot open or read input, capture error */
	SS_EXIT_USAGE = 2,	/* bad option, value or filter expression */
	SS_EXIT_TRUNCATED = 3,	/* input ended in a truncated or corrupt record */
};

/* Live snapshot length without -w: every header the decoder reads. */
#define SS_LIVE_SNAPLEN 2048

struct ss_capture_opts {
	const char	*iface;		/* -i; NULL for a file */
	const char	*file;		/* -r; "-" for standard input */
	const char	*filter;	/* BPF expression, NULL for none */
	const char	*write_file;	/* -w; "-" for standard output */
	int		 snaplen;	/* -s; 0 for the default */
	bool		 promisc;	/* false with -p */
	bool		 immediate;	/* deliver packets at once (live) */
	int		 buffer_kib;	/* -B; 0 for libpcap's default */
	uint64_t	 count;		/* -c; 0 for no limit */
	bool		 libpcap_records; /* a pcap file's records read by
					   libpcap too, not here (the tests
					   compare the two) */
};

struct ss_capture;

/*
 * Open a capture.  On failure returns NULL, writes one line (without the
 * program name) to err, and sets *status to the exit status to use.
 * Warnings from pcap_activate go to warn (empty when none).
 */
struct ss_capture *ss_capture_open(const struct ss_capture_opts *,
		    char *err, size_t errlen, char *warn, size_t warnlen,
		    int *status);
void		 ss_capture_close(struct ss_capture *);

bool		 ss_capture_is_live(const struct ss_capture *);
int		 ss_capture_linktype(const struct ss_capture *);
/* The snapshot length (pcap_snapshot()). */
int		 ss_capture_snaplen(const struct ss_capture *);
const char	*ss_capture_source(const struct ss_capture *);
/* Packets read so far. */
uint64_t	 ss_capture_packets(const struct ss_capture *);
/* Kernel and interface drops into st (live captures). */
void		 ss_capture_drops(struct ss_capture *, struct ss_stats *st);
/* Flush the -w file. */
void		 ss_capture_flush(struct ss_capture *);

struct pcap_pkthdr;
/*
 * The next record of a savefile, as the loop reads them: 1 with *h and
 * *data (valid until the next call), 0 at the end of the file, -1 on an
 * error (ss_capture_read_error()).  A record whose captured length
 * exceeds the file's snapshot length is corrupt: when the records are
 * read here it is not read, and comes with a caplen of 0 and its own in
 * *cut (else *cut is 0).
 */
int		 ss_capture_next(struct ss_capture *, struct pcap_pkthdr *h,
		    const unsigned char **data, uint32_t *cut);
const char	*ss_capture_read_error(struct ss_capture *);
/* Are the savefile's records read here (a regular classic pcap file)? */
bool		 ss_capture_reads_records(const struct ss_capture *);

/* How the loop runs. */
struct ss_loop {
	struct ss_capture *cap;
	struct ss_engine  *eng;
	double		 speed;		/* replay: 0 as fast as possible */
	bool		 paused;	/* replay: hold packets */
	uint64_t	 step_packets;	/* replay while paused: apply n */
	bool		 step_state;	/* ... or up to the next state change */
	int		 key_fd;	/* -1: no keyboard */
	int		 tick_ms;	/* on_tick period; 0 none */
	void		(*on_key)(void *ctx);
	void		(*on_tick)(void *ctx);
	/* after each batch; returns false to stop (e.g. output closed) */
	bool		(*on_batch)(void *ctx);
	void		*ctx;
	bool		 stop;		/* set by hooks to end the loop */
	bool		 batch;		/* reading a file in batches (pipelined) */
	int		 threads;	/* 2: read and decode a file in a
					   thread of its own when batching */
	bool		 threads_auto;	/* 2 unless the probe finds no other
					   CPU free (ss_cpu_round_trip_ns()) */
	unsigned	 ring;		/* with 2: batches in flight between
					   the threads; 0: 32, the slots
					   streamed in where they can be */
	bool		 stream;	/* with ring set: the reader streams
					   its slots in (non-temporal
					   stores), or writes them in place */
	bool		 eof;		/* input is finished */
	/* status after the run */
	int		 status;	/* enum ss_exit */
	char		 err[512];	/* why status is not OK */
	/* replay position */
	uint64_t	 pkt_ns;	/* packet time of the last packet */
};

/* Install SIGINT/SIGTERM/SIGHUP handlers writing to a self-pipe. */
int		 ss_signals_init(void);
/* Has a terminating signal arrived? */
bool		 ss_signal_pending(void);
/* SIGWINCH seen since the last call? */
bool		 ss_winch_pending(void);

/*
 * The round trip of a cache line between this thread and another one, in
 * nanoseconds (the median of five runs of 200 exchanges); UINT64_MAX when
 * the other thread did not start within 100 ms or the exchanges did not
 * end within 20 ms of its start (it got no CPU, or too little: one thread
 * reads and tracks then).
 */
uint64_t	 ss_cpu_round_trip_ns(void);
/*
 * If the calling thread runs on CPU cpu, move it to another CPU of its
 * mask, leaving the mask as it was (the probe's answering thread uses it
 * to leave the prober's CPU).  Nothing where CPUs cannot be chosen.
 */
void		 ss_leave_cpu(int cpu);

/* Run until the input ends, -c is reached, a signal, or stop is set. */
int		 ss_loop_run(struct ss_loop *);

#endif
