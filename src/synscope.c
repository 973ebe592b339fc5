/*
 * synscope.c - command line, set-up and tear-down of the tracer.
 *
 *   synscope [-pnq] [-i iface | -r file] [-w file] [-o format] [-c count]
 *            [-s snaplen] [-B kib] [-Z user] [--speed x] [expression]
 *
 * See synscope(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "synscope/capture.h"
#include "synscope/engine.h"
#include "synscope/output.h"
#include "synscope/view.h"

#define NS_PER_SEC 1000000000ULL

static const char *progname = "synscope";
static int nthreads;		/* --threads; 0 until decided */
static bool threads_auto;	/* not given: the probe decides (handoff()) */

/* Threads for reading a file: 2 when two CPUs can run this process. */
static int
default_threads(void)
{
#ifdef CPU_COUNT
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set) >= 2 ? 2 : 1;
#endif
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
}

/* One error line on stderr. */
static void
errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print the usage summary. */
static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: %s [-hnpq] [-i interface | -r file] [-w file] [-o format]\n"
"                [-c count] [-s snaplen] [-B kib] [-Z user] [--speed x]\n"
"                [--max-flows n] [--time-wait s] [--udp-timeout s]\n"
"                [--tcp-timeout s] [--paused] [--linger s] [--ascii]\n"
"                [--ladder n] [--threads n] [expression]\n"
"\n"
"  -i interface    capture live from interface (\"any\" for all)\n"
"  -r file         read a pcap or pcapng file (\"-\" for standard input)\n"
"  -w file         also save every packet read to a pcap file\n"
"  -o format       view (default on a terminal), events (default\n"
"                  otherwise), json, conn or zeek\n"
"  -c count        stop after count packets\n"
"  -s snaplen      bytes to capture per packet (live default 2048, or\n"
"                  262144 with -w)\n"
"  -p              do not put the interface in promiscuous mode\n"
"  -B kib          capture buffer size in KiB (default 16384)\n"
"  -Z user         drop privileges to user after opening the capture\n"
"  -q              events: flow events only, no packet lines\n"
"  --explain       events: the RFC rule under each state change\n"
"  -n              accepted for tcpdump compatibility (names are never resolved)\n"
"  --speed x       replay speed: 1 as recorded, 10 ten times faster,\n"
"                  0 as fast as possible (the default)\n"
"  --max-flows n   flows tracked at once (default 2097152)\n"
"  --time-wait s   TIME-WAIT (2MSL) in seconds of packet time (default 60)\n"
"  --udp-timeout s UDP flow idle timeout (default 60)\n"
"  --tcp-timeout s idle timeout of open TCP connections (default 3600)\n"
"  --threads n     reading a file as fast as possible: 2 reads and decodes\n"
"                  in a thread of its own, 1 in one thread (default 2 with\n"
"                  two usable CPUs that pass data quickly, else 1)\n"
"  --paused        view: start a replay paused, the first packet not applied\n"
"  --linger s      view: wall-clock seconds closed rows stay (default 3)\n"
"  --ascii         view and --ladder: ASCII line drawing, no UTF-8\n"
"  --ladder n      print the packet ladder of TCP connection n (its tcp\n"
"                  stream number) after reading the input, then exit\n"
"  -h, --help      this help\n"
"  --version       version of synscope and libpcap\n"
"  expression      a BPF filter, as for tcpdump\n",
	    progname);
}

enum {
	OPT_SPEED = 256, OPT_MAX_FLOWS, OPT_TIME_WAIT, OPT_UDP_TIMEOUT,
	OPT_TCP_TIMEOUT, OPT_VERSION, OPT_PAUSED, OPT_EXPLAIN,
	OPT_LINGER, OPT_LADDER, OPT_ASCII, OPT_THREADS,
};

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "speed", required_argument, NULL, OPT_SPEED },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
	{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
	{ "tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "paused", no_argument, NULL, OPT_PAUSED },
	{ "linger", required_argument, NULL, OPT_LINGER },
	{ "ladder", required_argument, NULL, OPT_LADDER },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ NULL, 0, NULL, 0 }
};

/* Parse an unsigned integer option value in [lo, hi]. */
static bool
parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi,
    uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-' || *s == '+')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = v;
	return true;
bad:
	errmsg("invalid value '%s' for %s (a whole number from %llu to %llu)",
	    s, opt, (unsigned long long)lo, (unsigned long long)hi);
	return false;
}

/* Parse a non-negative number of seconds (fractions allowed) into ns. */
static bool
parse_secs(const char *opt, const char *s, uint64_t *ns)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(v >= 0) ||
	    v > 1e9) {
		errmsg("invalid value '%s' for %s (seconds, 0 or more)", s, opt);
		return false;
	}
	*ns = (uint64_t)(v * 1e9);
	return true;
}

/* Drop root for user, with its groups (as tcpdump -Z does). */
static bool
drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		errmsg("-Z %s: no such user", user);
		return false;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		errmsg("-Z %s: cannot drop privileges: %s", user,
		    strerror(errno));
		return false;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		errmsg("-Z %s: privileges could be regained; stopping", user);
		return false;
	}
	return true;
}

/* Join the trailing arguments into one filter expression. */
static char *
join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (s == NULL)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

struct run_ctx {
	struct ss_wbuf	*out;
};

/* After each batch: stop quietly once the output is gone (EPIPE). */
static bool
on_batch(void *ctx)
{
	struct run_ctx *r = ctx;

	if (r->out->len > 0 && r->out->line_flush)
		wbuf_flush(r->out);
	return r->out->err == 0;
}

/* ------------------------------------------------------------ live view */

/* Options of the view and of --ladder. */
struct view_args {
	bool		 paused;	/* --paused */
	uint64_t	 linger_ns;	/* --linger */
	bool		 ascii;		/* --ascii, or a locale without UTF-8 */
	bool		 ladder;	/* --ladder n */
	uint64_t	 ladder_id;
};

/* Run the live view until q, a signal or an error; the exit status. */
static int
run_view(struct ss_capture *cap, struct ss_engine *eng, double speed,
    const struct view_args *va, const char *file)
{
	struct ss_view_tty_opts to;
	struct ss_view_opts vo;
	struct ss_view_tty *t;
	struct ss_view *m;
	struct ss_sink sink;
	struct ss_loop loop;
	char err[256];
	int status;

	memset(&vo, 0, sizeof(vo));
	vo.linger_ns = va->linger_ns;
	vo.ascii = va->ascii;
	m = ss_view_new(&vo, eng);
	if (m == NULL) {
		errmsg("out of memory");
		return SS_EXIT_ERROR;
	}
	ss_view_sink(m, &sink);
	if (ss_engine_add_sink(eng, &sink) != 0) {
		errmsg("out of memory");
		ss_view_free(m);
		return SS_EXIT_ERROR;
	}
	memset(&loop, 0, sizeof(loop));
	loop.cap = cap;
	loop.eng = eng;
	loop.threads = nthreads;
	loop.threads_auto = threads_auto;
	loop.speed = speed;
	loop.paused = va->paused && !ss_capture_is_live(cap);
	loop.key_fd = -1;
	memset(&to, 0, sizeof(to));
	to.use_tty = file != NULL && strcmp(file, "-") == 0;
	t = ss_view_tty_start(m, &loop, &to, err, sizeof(err));
	if (t == NULL) {
		errmsg("%s", err);
		ss_view_free(m);
		return SS_EXIT_ERROR;
	}
	status = ss_loop_run(&loop);
	/* the terminal is ours again before anything reaches stderr */
	ss_view_tty_free(t);
	if (status != SS_EXIT_OK)
		errmsg("%s", loop.err);
	ss_view_free(m);
	return status;
}

/* --ladder n: read the input, then print connection n's ladder. */
static int
run_ladder(struct ss_capture *cap, struct ss_engine *eng,
    const struct view_args *va)
{
	const struct ss_view_rec *recs;
	struct ss_view_row row;
	struct ss_view_opts vo;
	struct ss_view *m;
	struct ss_sink sink;
	struct ss_loop loop;
	bool have;
	size_t n;
	int status;

	memset(&vo, 0, sizeof(vo));
	vo.linger_ns = 1;
	vo.ascii = va->ascii;
	vo.ring_cap = 16;
	vo.tomb_cap = 16;
	vo.pin_cap = 1u << 20;
	vo.pin_from_start = true;
	vo.pin_id = va->ladder_id;
	m = ss_view_new(&vo, eng);
	if (m == NULL) {
		errmsg("out of memory");
		return SS_EXIT_ERROR;
	}
	ss_view_sink(m, &sink);
	ss_engine_add_sink(eng, &sink);
	memset(&loop, 0, sizeof(loop));
	loop.cap = cap;
	loop.eng = eng;
	loop.threads = nthreads;
	loop.threads_auto = threads_auto;
	loop.key_fd = -1;
	status = ss_loop_run(&loop);
	if (status != SS_EXIT_OK)
		errmsg("%s", loop.err);
	ss_engine_finish(eng);
	if (eng->stats.flows[0] <= va->ladder_id) {
		errmsg("--ladder %llu: no such TCP connection (the input has "
		    "%llu, numbered from 0)",
		    (unsigned long long)va->ladder_id,
		    (unsigned long long)eng->stats.flows[0]);
		ss_view_free(m);
		return SS_EXIT_ERROR;
	}
	n = ss_view_history(m, &recs, &row, &have);
	if (ss_view_ladder_write(stdout, &row, have, recs, n,
	    ss_view_history_lost(m), va->ascii) != 0 || fflush(stdout) != 0) {
		if (errno != EPIPE)
			errmsg("writing output: %s", strerror(errno));
		if (status == SS_EXIT_OK)
			status = SS_EXIT_ERROR;
	}
	ss_view_free(m);
	return status;
}

/* ------------------------------------------------------------------ main */

int
main(int argc, char **argv)
{
	struct view_args va = { .linger_ns = 3 * NS_PER_SEC };
	struct ss_capture_opts co;
	struct ss_engine_config ec;
	struct ss_output_opts oo;
	struct ss_capture *cap;
	struct ss_engine *eng;
	struct ss_sink sink;
	struct ss_wbuf out;
	struct ss_loop loop;
	struct run_ctx rc;
	enum ss_format fmt;
	const char *user = NULL, *fmt_name = NULL;
	char err[512], warn[512];
	char *filter = NULL;
	double speed = 0;
	uint64_t v;
	int c, status;

	if (argv[0] != NULL && strrchr(argv[0], '/') != NULL)
		progname = strrchr(argv[0], '/') + 1;
	else if (argv[0] != NULL)
		progname = argv[0];
	memset(&co, 0, sizeof(co));
	co.promisc = true;
	co.immediate = true;
	memset(&oo, 0, sizeof(oo));
	ss_engine_config_defaults(&ec);

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hi:r:w:o:c:s:pB:Z:nq", long_opts,
	    NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return SS_EXIT_OK;
		case OPT_VERSION:
			printf("synscope %s\n%s\n", PACKAGE_VERSION,
			    pcap_lib_version());
			return SS_EXIT_OK;
		case 'i':
			co.iface = optarg;
			break;
		case 'r':
			co.file = optarg;
			break;
		case 'w':
			co.write_file = optarg;
			break;
		case 'o':
			fmt_name = optarg;
			break;
		case 'c':
			if (!parse_u64("-c", optarg, 1, UINT64_MAX, &v))
				return SS_EXIT_USAGE;
			co.count = v;
			break;
		case 's':
			if (!parse_u64("-s", optarg, 0, 262144, &v))
				return SS_EXIT_USAGE;
			co.snaplen = (int)v;
			break;
		case 'p':
			co.promisc = false;
			break;
		case 'B':
			if (!parse_u64("-B", optarg, 1, INT_MAX / 1024, &v))
				return SS_EXIT_USAGE;
			co.buffer_kib = (int)v;
			break;
		case 'Z':
			user = optarg;
			break;
		case 'n':
			break;
		case 'q':
			oo.quiet_packets = true;
			break;
		case OPT_SPEED: {
			char *end;

			errno = 0;
			speed = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    !(speed >= 0) || speed > 1e6) {
				errmsg("invalid value '%s' for --speed (a "
				    "number from 0 to 1000000)", optarg);
				return SS_EXIT_USAGE;
			}
			break;
		}
		case OPT_EXPLAIN:
			oo.explain = true;
			break;
		case OPT_PAUSED:
			va.paused = true;
			break;
		case OPT_LINGER:
			if (!parse_secs("--linger", optarg, &va.linger_ns))
				return SS_EXIT_USAGE;
			break;
		case OPT_ASCII:
			va.ascii = true;
			break;
		case OPT_LADDER:
			if (!parse_u64("--ladder", optarg, 0, UINT64_MAX - 1,
			    &v))
				return SS_EXIT_USAGE;
			va.ladder = true;
			va.ladder_id = v;
			break;
		case OPT_MAX_FLOWS:
			if (!parse_u64("--max-flows", optarg, 1, 1u << 30, &v))
				return SS_EXIT_USAGE;
			ec.max_flows = (uint32_t)v;
			break;
		case OPT_TIME_WAIT:
			if (!parse_secs("--time-wait", optarg, &ec.time_wait_ns))
				return SS_EXIT_USAGE;
			break;
		case OPT_UDP_TIMEOUT:
			if (!parse_secs("--udp-timeout", optarg,
			    &ec.udp_timeout_ns))
				return SS_EXIT_USAGE;
			break;
		case OPT_TCP_TIMEOUT:
			if (!parse_secs("--tcp-timeout", optarg,
			    &ec.tcp_timeout_ns))
				return SS_EXIT_USAGE;
			break;
		case OPT_THREADS:
			if (!parse_u64("--threads", optarg, 1, 2, &v))
				return SS_EXIT_USAGE;
			nthreads = (int)v;
			break;
		case ':':
			errmsg("option %s needs a value", argv[optind - 1]);
			return SS_EXIT_USAGE;
		case '?':
		default:
			if (optopt != 0 && optopt < 256)
				errmsg("unknown option -%c (see %s -h)", optopt,
				    progname);
			else
				errmsg("unknown option %s (see %s -h)",
				    argv[optind - 1], progname);
			return SS_EXIT_USAGE;
		}
	}
	if (co.iface != NULL && co.file != NULL) {
		errmsg("-i and -r cannot be used together");
		return SS_EXIT_USAGE;
	}
	if (co.iface == NULL && co.file == NULL) {
		errmsg("no input: give -i interface or -r file (see %s -h)",
		    progname);
		return SS_EXIT_USAGE;
	}
	if (fmt_name == NULL)
		fmt = isatty(STDOUT_FILENO) && !va.ladder ? SS_FMT_VIEW :
		    SS_FMT_EVENTS;
	else {
		int f = ss_format_parse(fmt_name);

		if (f < 0) {
			errmsg("unknown output format '%s' (view, events, json, "
			    "conn or zeek)", fmt_name);
			return SS_EXIT_USAGE;
		}
		fmt = (enum ss_format)f;
	}
	/* the view and --ladder draw lines in UTF-8 when the locale has it */
	if (fmt == SS_FMT_VIEW || va.ladder) {
		setlocale(LC_CTYPE, "");
		if (!ss_view_tty_utf8())
			va.ascii = true;
	}
	if (fmt == SS_FMT_VIEW && !va.ladder && !isatty(STDOUT_FILENO)) {
		errmsg("-o view needs a terminal on standard output");
		return SS_EXIT_USAGE;
	}
	if (co.write_file != NULL && strcmp(co.write_file, "-") == 0) {
		errmsg("-w -: standard output carries the %s output; give "
		    "-w a file name", fmt_name != NULL ? fmt_name : "events");
		return SS_EXIT_USAGE;
	}
	if (optind < argc) {
		filter = join_args(argc - optind, argv + optind);
		if (filter == NULL) {
			errmsg("out of memory");
			return SS_EXIT_ERROR;
		}
	}
	co.filter = filter;

	if (nthreads == 0) {
		nthreads = default_threads();
		threads_auto = true;
	}
	if (ss_signals_init() != 0) {
		errmsg("cannot set up signal handling: %s", strerror(errno));
		free(filter);
		return SS_EXIT_ERROR;
	}
	cap = ss_capture_open(&co, err, sizeof(err), warn, sizeof(warn),
	    &status);
	if (cap == NULL) {
		errmsg("%s", err);
		free(filter);
		return status;
	}
	if (warn[0] != '\0')
		errmsg("warning: %s", warn);
	if (user != NULL && !drop_privileges(user)) {
		ss_capture_close(cap);
		free(filter);
		return SS_EXIT_ERROR;
	}

	eng = ss_engine_new(&ec);
	if (eng != NULL && (va.ladder || fmt == SS_FMT_VIEW)) {
		status = va.ladder ? run_ladder(cap, eng, &va) :
		    run_view(cap, eng, speed, &va, co.file);
		ss_capture_close(cap);
		ss_engine_free(eng);
		free(filter);
		return status;
	}
	if (eng == NULL || wbuf_init(&out, STDOUT_FILENO, 1 << 16) != 0) {
		errmsg("out of memory");
		ss_capture_close(cap);
		free(filter);
		return SS_EXIT_ERROR;
	}
	out.line_flush = ss_capture_is_live(cap) || speed > 0;
	if (ss_output_sink(fmt, &out, &oo, &sink) != 0 ||
	    ss_engine_add_sink(eng, &sink) != 0) {
		errmsg("out of memory");
		return SS_EXIT_ERROR;
	}

	memset(&rc, 0, sizeof(rc));
	rc.out = &out;
	memset(&loop, 0, sizeof(loop));
	loop.cap = cap;
	loop.eng = eng;
	loop.threads = nthreads;
	loop.threads_auto = threads_auto;
	loop.speed = speed;
	loop.key_fd = -1;
	loop.on_batch = on_batch;
	loop.ctx = &rc;
	status = ss_loop_run(&loop);
	if (status != SS_EXIT_OK)
		errmsg("%s", loop.err);

	ss_capture_drops(cap, &eng->stats);
	if (out.err == 0)
		ss_engine_finish(eng);
	wbuf_flush(&out);
	if (ss_capture_is_live(cap) && out.err != EPIPE)
		fprintf(stderr, "%s: %llu packets captured, %llu dropped by "
		    "kernel, %llu dropped by interface\n", progname,
		    (unsigned long long)ss_capture_packets(cap),
		    (unsigned long long)eng->stats.drops,
		    (unsigned long long)eng->stats.ifdrops);
	if (out.err != 0 && out.err != EPIPE) {
		errmsg("writing output: %s", strerror(out.err));
		if (status == SS_EXIT_OK)
			status = SS_EXIT_ERROR;
	}
	ss_capture_close(cap);
	ss_output_free(&sink);
	ss_engine_free(eng);
	wbuf_free(&out);
	free(filter);
	return status;
}
