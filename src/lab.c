/*
 * lab.c - synscope-lab: plays textbook TCP scenarios for real between two
 * network namespaces, so that synscope can watch them live.
 *
 *	synscope-lab list			one line per scenario
 *	synscope-lab run [options] NAME		set up, play, clean up
 *	synscope-lab expect [NAME]		the expected final states
 *
 * The namespaces, their veth pair and everything in them are removed on
 * exit, on SIGINT/SIGTERM/SIGHUP and on errors; a run also removes what a
 * killed run left behind.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap.h>

#include "config.h"
#include "synscope/lab.h"

volatile sig_atomic_t lab_stop;
int lab_wait_ms = 5000;		/* any one step of a scenario */

static struct lab lab_run_state;
static bool lab_active;

/* Print an error on one line. */
void
lab_err(const char *fmt, ...)
{
	va_list ap;

	fputs("synscope-lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print a progress line (with -v only). */
void
lab_note(const struct lab *lab, const char *fmt, ...)
{
	va_list ap;

	if (!lab->verbose)
		return;
	fputs("synscope-lab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Sleep ms milliseconds; -1 at once when the lab is told to stop. */
int
lab_sleep(int ms)
{
	struct timespec ts, left;

	if (lab_stop)
		return -1;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &left) == -1) {
		if (errno != EINTR || lab_stop)
			return -1;
		ts = left;
	}
	return lab_stop ? -1 : 0;
}

/* SIGINT, SIGTERM, SIGHUP: stop at the next step and clean up. */
static void
lab_signal(int sig)
{
	(void)sig;
	lab_stop = 1;
}

/* atexit: whatever path leads out, the namespaces go. */
static void
lab_atexit(void)
{
	if (lab_active) {
		lab_active = false;
		lab_netns_cleanup(&lab_run_state);
	}
}

/* Usage on stderr (or stdout for -h), then exit. */
static void __attribute__((noreturn))
lab_usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
"usage: synscope-lab list [--table]\n"
"       synscope-lab run [-6v] [--slow[=seconds]] [-w file]\n"
"                        [--wait | --no-wait] [--exec command]\n"
"                        [--after command] name\n"
"       synscope-lab expect [name]\n"
"\n"
"  list            the scenarios, one line each (--table: the README table)\n"
"  run name        play a scenario between two network namespaces (root)\n"
"  expect [name]   the final states synscope must report, tab-separated\n"
"  -6              play it over IPv6 (fd00:203::/64) instead of IPv4\n"
"  --slow[=s]      space every packet s seconds apart (default 1) and\n"
"                  pause between steps, so a person can follow\n"
"  -w file         also save the scenario's packets to a pcap file\n"
"  --wait          wait until a capture is open on the interface\n"
"                  (the default on a terminal; Enter plays at once)\n"
"  --no-wait       play at once\n"
"  --exec command  run command (sh -c) in the client namespace first,\n"
"                  play once it captures, then stop it with SIGINT\n"
"  --after command run command (sh -c) after playing, before stopping,\n"
"                  with SYNSCOPE_LAB_CLIENT_NS and SYNSCOPE_LAB_SERVER_NS\n"
"  -v              show every command the lab runs\n"
"  -h, --help      this help\n"
"  --version       version\n");
	exit(status);
}

/* Is a program on PATH? */
static bool
lab_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];
	const char *p, *e;
	struct stat sb;

	if (path == NULL || *path == '\0')
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; ; p = e + 1) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(buf, sizeof buf, "%.*s/%s", (int)(e - p), p, prog);
		if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 0111) != 0)
			return true;
		if (*e == '\0')
			return false;
	}
}

/* A cell of the expect output: "-" for nothing. */
static const char *
lab_cell(const char *s)
{
	return s == NULL || *s == '\0' ? "-" : s;
}

/* synscope-lab list. */
static int
lab_list(bool table)
{
	const struct lab_scenario *sc;
	const struct lab_expect *x;
	size_t i;
	unsigned j;

	if (!table) {
		for (i = 0; i < lab_nscenarios; i++)
			printf("%-20s %s\n", lab_scenarios[i].name,
			    lab_scenarios[i].summary);
		return 0;
	}
	printf("| scenario | what to look for | orig_state | resp_state "
	    "| conn_state |\n|---|---|---|---|---|\n");
	for (i = 0; i < lab_nscenarios; i++) {
		sc = &lab_scenarios[i];
		for (j = 0; j < sc->nexpect; j++) {
			x = &sc->expect[j];
			if (sc->nexpect > 1)
				printf("| %s #%u |", sc->name, j + 1);
			else if (sc->conns > 1)
				printf("| %s (x%u) |", sc->name, sc->conns);
			else
				printf("| %s |", sc->name);
			printf(" %s | %s | %s | %s |\n", sc->look_for,
			    x->orig_state, x->resp_state, x->conn_state);
		}
	}
	return 0;
}

/*
 * synscope-lab expect: one line per expected connection, tab-separated:
 * name, connections, index ("*" for all), orig_state, resp_state,
 * conn_state, anomalies, later anomalies, kernel client, kernel server.
 */
static int
lab_expect(const char *name)
{
	const struct lab_scenario *sc;
	const struct lab_expect *x;
	size_t i;
	unsigned j;
	int found = 0;

	for (i = 0; i < lab_nscenarios; i++) {
		sc = &lab_scenarios[i];
		if (name != NULL && strcmp(name, sc->name) != 0)
			continue;
		found = 1;
		for (j = 0; j < sc->nexpect; j++) {
			x = &sc->expect[j];
			printf("%s\t%u\t", sc->name, sc->conns);
			if (sc->nexpect == 1)
				printf("*");
			else
				printf("%u", j + 1);
			printf("\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x->orig_state,
			    x->resp_state, x->conn_state,
			    lab_cell(x->anomalies), lab_cell(x->later),
			    x->kernel_client == NULL ? "n/a" :
			    x->kernel_client,
			    x->kernel_server == NULL ? "n/a" :
			    x->kernel_server);
		}
	}
	if (!found) {
		lab_err("no scenario named %s (see synscope-lab list)", name);
		return 1;
	}
	return 0;
}

/* synscope-lab run: set up, play, stop, clean up. */
static int
lab_play(const struct lab_scenario *sc, int family, int slow_ms, bool verbose,
    const char *wfile, int wait, const char *exec_cmd, const char *after)
{
	struct lab *lab = &lab_run_state;
	struct sigaction sa;
	int base, rc = 0, w;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = lab_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lab_netns_reap_stale();
	lab_netns_init(lab, family);
	lab->slow = slow_ms > 0;
	lab->slow_ms = slow_ms;
	lab->verbose = verbose;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	lab_active = true;
	atexit(lab_atexit);

	printf("scenario %s: %s\n", sc->name, sc->summary);
	printf("client %s port %u: namespace %s, interface %s\n",
	    lab->addr_text[LAB_CLIENT], LAB_CLIENT_PORT, lab->ns[LAB_CLIENT],
	    LAB_IFNAME);
	printf("server %s port %u: namespace %s, interface %s\n",
	    lab->addr_text[LAB_SERVER], LAB_SERVER_PORT, lab->ns[LAB_SERVER],
	    LAB_IFNAME);
	fflush(stdout);
	if (lab_netns_setup(lab) == -1)
		goto fail;
	if (lab->slow && sc->conns <= LAB_SPACE_CONNS) {
		if (!lab_netns_can_space())
			printf("--slow: packets are only spaced between steps: "
			    "synscope-lab was built without "
			    "libnetfilter_queue\n");
		else if (lab_netns_hold_start(lab) == -1)
			goto fail;
		else
			lab_wait_ms = 5000 + 20 * slow_ms;
	} else if (lab->slow)
		printf("--slow: %s sends too many packets to space them; "
		    "pausing between steps only\n", sc->name);
	if (wfile != NULL && lab_netns_capture_start(lab, wfile) == -1)
		goto fail;
	/* the only packet socket of the lab's own so far: its -w capture
	 * (a capture opened by hand this early is counted as well) */
	base = lab->cap_pid > 0 ? 1 : 0;
	if (lab_netns_taps(lab) == -1) {
		lab_err("cannot read the client namespace's packet sockets");
		goto fail;
	}
	printf("watch it live, in a second terminal (as root):\n"
	    "    ip netns exec %s synscope -i %s\n", lab->ns[LAB_CLIENT],
	    LAB_IFNAME);
	fflush(stdout);
	if (exec_cmd != NULL) {
		if (lab_netns_exec_start(lab, exec_cmd) == -1)
			goto fail;
		if (lab_netns_wait_tap(lab, base, 10000, false) != 0) {
			if (!lab_stop)
				lab_err("the --exec command opened no capture "
				    "on %s within 10 s", LAB_IFNAME);
			goto fail;
		}
	} else if (wait) {
		bool tty = isatty(STDIN_FILENO);

		printf("waiting for a capture on %s%s ...\n", LAB_IFNAME,
		    tty ? " (Enter plays without one)" : "");
		fflush(stdout);
		if ((w = lab_netns_wait_tap(lab, base, 600000, tty)) == -1) {
			if (!lab_stop)
				lab_err("no capture opened within 10 minutes");
			goto fail;
		}
	}
	if (lab->spaced)
		printf("playing %s slowly: one packet every %.2g s\n",
		    sc->name, slow_ms / 1000.0);
	else
		printf("playing %s%s\n", sc->name, lab->slow ? " slowly" : "");
	fflush(stdout);
	if (sc->play(lab) == -1) {
		if (!lab_stop)
			lab_err("scenario %s failed", sc->name);
		goto fail;
	}
	printf("done\n");
	lab_netns_kernel_view(lab);
	if (after != NULL && lab_netns_after(lab, after) == -1)
		rc = 1;
	if (wait && exec_cmd == NULL && isatty(STDIN_FILENO)) {
		printf("press Enter to end the lab and remove its namespaces\n");
		fflush(stdout);
		lab_netns_wait_tap(lab, INT_MAX, 600000, true);
		lab_stop = 0;
	}
	if (lab_netns_exec_stop(lab) == -1)
		rc = 1;
	if (lab_netns_capture_stop(lab) == -1)
		rc = 1;
	else if (wfile != NULL)
		printf("saved to %s\n", wfile);
	lab_active = false;
	lab_netns_cleanup(lab);
	return rc;

fail:
	lab_active = false;
	lab_netns_cleanup(lab);
	if (lab_stop) {
		lab_err("interrupted; namespaces removed");
		return 130;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "slow", optional_argument, NULL, 's' },
		{ "wait", no_argument, NULL, 'W' },
		{ "no-wait", no_argument, NULL, 'N' },
		{ "exec", required_argument, NULL, 'e' },
		{ "after", required_argument, NULL, 'a' },
		{ "table", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct lab_scenario *sc;
	const char *cmd, *wfile = NULL, *exec_cmd = NULL, *after = NULL;
	int family = AF_INET, wait = -1, ch, slow_ms = 0;
	bool verbose = false, table = false;
	double secs;
	char *end;

	if (argc < 2)
		lab_usage(2);
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		lab_usage(0);
	if (strcmp(cmd, "--version") == 0) {
		printf("synscope-lab %s (%s)\n", PACKAGE_VERSION,
		    pcap_lib_version());
		return 0;
	}
	optind = 2;
	while ((ch = getopt_long(argc, argv, "6hvw:", longopts, NULL)) != -1) {
		switch (ch) {
		case '6':
			family = AF_INET6;
			break;
		case 'v':
			verbose = true;
			break;
		case 'w':
			wfile = optarg;
			break;
		case 's':
			secs = 1;
			if (optarg != NULL) {
				errno = 0;
				secs = strtod(optarg, &end);
				if (errno != 0 || end == optarg ||
				    *end != '\0' || !(secs >= 0.05 &&
				    secs <= 60)) {
					lab_err("--slow=%s: seconds between "
					    "packets, 0.05 to 60", optarg);
					return 2;
				}
			}
			slow_ms = (int)(secs * 1000 + 0.5);
			break;
		case 'W':
			wait = 1;
			break;
		case 'N':
			wait = 0;
			break;
		case 'e':
			exec_cmd = optarg;
			break;
		case 'a':
			after = optarg;
			break;
		case 't':
			table = true;
			break;
		case 'h':
			lab_usage(0);
		case 'V':
			printf("synscope-lab %s (%s)\n", PACKAGE_VERSION,
			    pcap_lib_version());
			return 0;
		default:
			lab_usage(2);
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(cmd, "list") == 0) {
		if (argc != 0)
			lab_usage(2);
		return lab_list(table);
	}
	if (strcmp(cmd, "expect") == 0) {
		if (argc > 1)
			lab_usage(2);
		return lab_expect(argc == 1 ? argv[0] : NULL);
	}
	if (strcmp(cmd, "run") != 0 || argc != 1)
		lab_usage(2);
	if ((sc = lab_scenario_find(argv[0])) == NULL) {
		lab_err("no scenario named %s (see synscope-lab list)",
		    argv[0]);
		return 2;
	}
	if (geteuid() != 0) {
		lab_err("needs root: it creates network namespaces "
		    "(try: sudo synscope-lab run %s)", sc->name);
		return 1;
	}
	if (!lab_have("ip")) {
		lab_err("ip not found (install iproute2)");
		return 1;
	}
	if (!lab_have(family == AF_INET6 ? "ip6tables" : "iptables")) {
		lab_err("%s not found (install iptables)", family == AF_INET6 ?
		    "ip6tables" : "iptables");
		return 1;
	}
	if (wait == -1)
		wait = exec_cmd == NULL && isatty(STDIN_FILENO) &&
		    isatty(STDOUT_FILENO);
	return lab_play(sc, family, slow_ms, verbose, wfile, wait, exec_cmd,
	    after);
}
