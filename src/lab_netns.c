/*
 * lab_netns.c - the lab's two network namespaces, their veth pair, and the
 * children that work inside them (a -w capture, an --exec command).
 *
 * Names are synlab-<pid>-client and synlab-<pid>-server; a namespace whose
 * pid is gone is stale and removed at the next start.  Addresses:
 * client 10.203.0.1 and fd00:203::1, server .2 and ::2, with fixed MACs
 * and permanent neighbour entries, so no ARP or neighbour discovery is
 * ever needed and the captures hold TCP only.  Nothing is routed out.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap.h>

#include "config.h"
#ifdef HAVE_NFQ
#include <stdatomic.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#endif

#include "synscope/lab.h"

#define NETNS_DIR	"/run/netns"
#define RUN_TIMEOUT_MS	10000	/* any ip/iptables/ss command */
#define STOP_TIMEOUT_MS	5000	/* a child asked to stop */

static const char *const side_name[] = { "client", "server", "root" };

/* Monotonic milliseconds. */
static long long
netns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Set up the names and addresses of a lab; nothing is created yet. */
void
lab_netns_init(struct lab *lab, int family)
{
	int i;

	memset(lab, 0, sizeof *lab);
	lab->family = family;
	for (i = 0; i < 3; i++)
		lab->nsfd[i] = -1;
	lab->cap_ctl = -1;
	snprintf(lab->ns[LAB_CLIENT], sizeof lab->ns[0], "%s%ld-client",
	    LAB_NS_PREFIX, (long)getpid());
	snprintf(lab->ns[LAB_SERVER], sizeof lab->ns[0], "%s%ld-server",
	    LAB_NS_PREFIX, (long)getpid());
	for (i = 0; i < 2; i++) {
		if (family == AF_INET6)
			snprintf(lab->addr_text[i], sizeof lab->addr_text[i],
			    "%s%d", LAB_NET6, i + 1);
		else
			snprintf(lab->addr_text[i], sizeof lab->addr_text[i],
			    "%s%d", LAB_NET4, i + 1);
		inet_pton(family, lab->addr_text[i], lab->addr[i]);
		memcpy(lab->mac[i], "\x02\x00\x0a\xcb\x00", 5);
		lab->mac[i][5] = (uint8_t)(i + 1);
	}
}

/* Wait for a child, at most ms milliseconds; its status, or -1. */
static int
netns_wait(pid_t pid, int ms, bool kill_late)
{
	long long end = netns_now_ms() + ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (netns_now_ms() >= end)
			break;
		usleep(2000);
	}
	if (kill_late) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return -1;
}

/* Move the calling process into a side's namespace. */
int
lab_netns_enter(struct lab *lab, enum lab_side side)
{
	if (lab->nsfd[side] == -1) {
		lab_err("namespace %s is not open", side_name[side]);
		return -1;
	}
	if (setns(lab->nsfd[side], CLONE_NEWNET) == -1) {
		lab_err("setns %s: %s", side_name[side], strerror(errno));
		return -1;
	}
	return 0;
}

/* Run a program in a side's namespace and wait (bounded): 0 on success. */
int
lab_netns_run(struct lab *lab, enum lab_side side, const char *const *argv,
    bool quiet)
{
	int status, fd;
	pid_t pid;

	if (lab->verbose) {
		fprintf(stderr, "synscope-lab: [%s]", side_name[side]);
		for (int i = 0; argv[i] != NULL; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1) {
		lab_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (lab->nsfd[side] != -1 &&
		    setns(lab->nsfd[side], CLONE_NEWNET) == -1)
			_exit(126);
		if (quiet && (fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	status = netns_wait(pid, RUN_TIMEOUT_MS, true);
	if (status == -1) {
		lab_err("%s took more than %d s, stopped", argv[0],
		    RUN_TIMEOUT_MS / 1000);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

/* Run a program in a namespace; a failure is an error with its name. */
static int
netns_must(struct lab *lab, enum lab_side side, const char *const *argv)
{
	if (lab_netns_run(lab, side, argv, false) == 0)
		return 0;
	lab_err("%s %s %s failed in the %s namespace", argv[0],
	    argv[1] != NULL ? argv[1] : "", argv[1] != NULL &&
	    argv[2] != NULL ? argv[2] : "", side_name[side]);
	return -1;
}

/* Write a sysctl (path under /proc/sys) inside a side's namespace. */
int
lab_netns_sysctl(struct lab *lab, enum lab_side side, const char *path,
    const char *value)
{
	char file[256];
	int fd, rc = -1;

	snprintf(file, sizeof file, "/proc/sys/%s", path);
	if (lab_netns_enter(lab, side) == -1)
		return -1;
	if ((fd = open(file, O_WRONLY)) != -1) {
		if (write(fd, value, strlen(value)) ==
		    (ssize_t)strlen(value))
			rc = 0;
		close(fd);
	}
	lab_netns_enter(lab, LAB_ROOT);
	return rc;
}

/* Remove the namespaces of lab runs whose process is gone; how many. */
int
lab_netns_reap_stale(void)
{
	DIR *d;
	struct dirent *de;
	char *end;
	long pid;
	int n = 0;

	if ((d = opendir(NETNS_DIR)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, LAB_NS_PREFIX,
		    strlen(LAB_NS_PREFIX)) != 0)
			continue;
		pid = strtol(de->d_name + strlen(LAB_NS_PREFIX), &end, 10);
		if (*end != '-' || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		{
			const char *argv[] = { "ip", "netns", "del",
			    de->d_name, NULL };
			struct lab tmp;

			lab_netns_init(&tmp, AF_INET);
			if (lab_netns_run(&tmp, LAB_ROOT, argv, true) == 0)
				n++;
		}
	}
	closedir(d);
	return n;
}

/* Open a namespace file. */
static int
netns_open(const char *name)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", NETNS_DIR, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Is the veth running (carrier) in a side's namespace?  1, 0 or -1. */
static int
netns_running(struct lab *lab, enum lab_side side)
{
	struct ifreq ifr;
	int fd, rc = -1;

	if (lab_netns_enter(lab, side) == -1)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	lab_netns_enter(lab, LAB_ROOT);
	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", LAB_IFNAME);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		rc = (ifr.ifr_flags & IFF_RUNNING) != 0;
	close(fd);
	return rc;
}

/* Create both namespaces, the veth pair, addresses and neighbours. */
int
lab_netns_setup(struct lab *lab)
{
	char mac[2][20], flood[48], cidr[2][64];
	const char *v6 = lab->family == AF_INET6 ? "0" : "1";
	int i, s;

	if ((lab->nsfd[LAB_ROOT] = open("/proc/self/ns/net",
	    O_RDONLY | O_CLOEXEC)) == -1) {
		lab_err("/proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *add[] = { "ip", "netns", "add", lab->ns[i], NULL };

		if (netns_must(lab, LAB_ROOT, add) == -1)
			return -1;
		lab->made[i] = true;
		if ((lab->nsfd[i] = netns_open(lab->ns[i])) == -1) {
			lab_err("%s: %s", lab->ns[i], strerror(errno));
			return -1;
		}
		snprintf(mac[i], sizeof mac[i],
		    "%02x:%02x:%02x:%02x:%02x:%02x", lab->mac[i][0],
		    lab->mac[i][1], lab->mac[i][2], lab->mac[i][3],
		    lab->mac[i][4], lab->mac[i][5]);
		snprintf(cidr[i], sizeof cidr[i], "%s/%d", lab->addr_text[i],
		    lab->family == AF_INET6 ? 64 : 24);
	}
	{
		const char *veth[] = { "ip", "link", "add", LAB_IFNAME,
		    "netns", lab->ns[LAB_CLIENT], "address", mac[LAB_CLIENT],
		    "gso_max_segs", "1", "type", "veth", "peer", "name",
		    LAB_IFNAME, "netns", lab->ns[LAB_SERVER], "address",
		    mac[LAB_SERVER], "gso_max_segs", "1", NULL };

		if (netns_must(lab, LAB_ROOT, veth) == -1)
			return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *lo[] = { "ip", "link", "set", "lo", "up", NULL };
		const char *addr[] = { "ip", "addr", "add", cidr[i], "dev",
		    LAB_IFNAME, "nodad", NULL };
		const char *neigh[] = { "ip", "neigh", "replace",
		    lab->addr_text[1 - i], "lladdr", mac[1 - i], "dev",
		    LAB_IFNAME, "nud", "permanent", NULL };
		const char *up[] = { "ip", "link", "set", LAB_IFNAME, "up",
		    NULL };

		if (lab->family == AF_INET)
			addr[6] = NULL;
		/* IPv6 off in IPv4 runs: no router or MLD chatter */
		lab_netns_sysctl(lab, i, "net/ipv6/conf/" LAB_IFNAME
		    "/disable_ipv6", v6);
		lab_netns_sysctl(lab, i, "net/ipv6/conf/" LAB_IFNAME
		    "/accept_ra", "0");
		lab_netns_sysctl(lab, i, "net/ipv6/conf/" LAB_IFNAME
		    "/router_solicitations", "0");
		lab_netns_sysctl(lab, i, "net/ipv4/ip_forward", "0");
		lab_netns_sysctl(lab, i, "net/ipv6/conf/all/forwarding", "0");
		if (netns_must(lab, i, lo) == -1 ||
		    netns_must(lab, i, addr) == -1 ||
		    netns_must(lab, i, up) == -1 ||
		    netns_must(lab, i, neigh) == -1)
			return -1;
	}
	/* the crafted syn-flood sources: answers go to the client's MAC */
	for (s = 0; s < LAB_FLOOD_ADDRS; s++) {
		const char *neigh[] = { "ip", "neigh", "replace", flood,
		    "lladdr", mac[LAB_CLIENT], "dev", LAB_IFNAME, "nud",
		    "permanent", NULL };

		snprintf(flood, sizeof flood, "%s%d", lab->family ==
		    AF_INET6 ? LAB_NET6 : LAB_NET4, 100 + s);
		if (netns_must(lab, LAB_SERVER, neigh) == -1)
			return -1;
	}
	/* a veth pair is up at once; check it (bounded) all the same */
	for (i = 0; i < 2; i++) {
		int tries = 0;

		while (netns_running(lab, i) != 1) {
			if (++tries > 100) {
				lab_err("%s did not come up in the %s namespace",
				    LAB_IFNAME, side_name[i]);
				return -1;
			}
			if (lab_sleep(20) == -1)
				return -1;
		}
	}
	return 0;
}

/* Register a socket to close at the end; -1 if the table is full. */
int
lab_netns_track_fd(struct lab *lab, int fd)
{
	if (lab->nfds == LAB_MAXFD) {
		close(fd);
		lab_err("too many sockets");
		return -1;
	}
	lab->fds[lab->nfds++] = fd;
	return fd;
}

/* Close a registered socket now. */
void
lab_netns_close_fd(struct lab *lab, int fd)
{
	int i;

	for (i = 0; i < lab->nfds; i++) {
		if (lab->fds[i] == fd) {
			lab->fds[i] = lab->fds[--lab->nfds];
			break;
		}
	}
	close(fd);
}

/* Remove everything the lab made; safe to call more than once. */
void
lab_netns_cleanup(struct lab *lab)
{
	int i;

	lab_netns_exec_stop(lab);
	lab_netns_capture_stop(lab);
	lab_netns_hold_stop(lab);
	/* the link goes first: closing the sockets must put nothing on a
	 * wire that a capture in another terminal still watches */
	if (lab->made[LAB_CLIENT] && lab->nsfd[LAB_CLIENT] != -1) {
		const char *del[] = { "ip", "link", "del", LAB_IFNAME, NULL };

		lab_netns_run(lab, LAB_CLIENT, del, true);
	}
	for (i = 0; i < lab->nfds; i++)
		close(lab->fds[i]);
	lab->nfds = 0;
	if (lab->nsfd[LAB_ROOT] != -1)
		setns(lab->nsfd[LAB_ROOT], CLONE_NEWNET);
	for (i = 0; i < 2; i++) {
		const char *del[] = { "ip", "netns", "del", lab->ns[i], NULL };

		if (lab->nsfd[i] != -1) {
			close(lab->nsfd[i]);
			lab->nsfd[i] = -1;
		}
		if (lab->made[i]) {
			if (lab_netns_run(lab, LAB_ROOT, del, true) != 0)
				lab_err("could not delete namespace %s",
				    lab->ns[i]);
			lab->made[i] = false;
		}
	}
	if (lab->nsfd[LAB_ROOT] != -1) {
		close(lab->nsfd[LAB_ROOT]);
		lab->nsfd[LAB_ROOT] = -1;
	}
}

/* Packet sockets bound to the client's veth, from /proc/net/packet. */
int
lab_netns_taps(struct lab *lab)
{
	char line[256];
	unsigned ifindex;
	FILE *f;
	int n = 0, idx;

	if (lab_netns_enter(lab, LAB_CLIENT) == -1)
		return -1;
	ifindex = if_nametoindex(LAB_IFNAME);
	f = fopen("/proc/self/net/packet", "r");
	lab_netns_enter(lab, LAB_ROOT);
	if (f == NULL || ifindex == 0) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* sk RefCnt Type Proto Iface R Rmem User Inode */
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%*s %*s %*s %*s %d", &idx) == 1 &&
		    idx == (int)ifindex)
			n++;
	}
	fclose(f);
	return n;
}

/*
 * Wait until a capture beyond the first base ones is open on the client's
 * veth, at most ms milliseconds (and, with enter, until Enter is pressed
 * on standard input).  0 when one appeared, 1 on Enter, -1 otherwise.
 */
int
lab_netns_wait_tap(struct lab *lab, int base, int ms, bool enter)
{
	long long end = netns_now_ms() + ms;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char buf[64];

	while (netns_now_ms() < end) {
		if (lab_stop)
			return -1;
		if (lab_netns_taps(lab) > base) {
			/* let libpcap finish setting up its ring */
			return lab_sleep(500) == -1 ? -1 : 0;
		}
		if (lab->exec_pid > 0 &&
		    waitpid(lab->exec_pid, NULL, WNOHANG) == lab->exec_pid) {
			lab->exec_pid = 0;
			lab_err("the --exec command ended before capturing");
			return -1;
		}
		if (enter && poll(&pfd, 1, 50) == 1) {
			if (read(STDIN_FILENO, buf, sizeof buf) <= 0)
				enter = false;
			else
				return 1;
		} else if (!enter)
			usleep(50000);
	}
	return -1;
}

static volatile sig_atomic_t cap_done;

/* SIGINT or SIGTERM in the capture child: finish the file. */
static void
netns_cap_signal(int sig)
{
	(void)sig;
	cap_done = 1;
}

/* The capture child: TCP on the client's veth into a pcap file. */
static void __attribute__((noreturn))
netns_capture_child(struct lab *lab, const char *file, int ready, int ctl)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_stat st;
	pcap_dumper_t *d;
	pcap_t *p;
	struct pollfd pfd[2];
	int rc;

	signal(SIGINT, netns_cap_signal);
	signal(SIGTERM, netns_cap_signal);
	if (setns(lab->nsfd[LAB_CLIENT], CLONE_NEWNET) == -1)
		_exit(2);
	if ((p = pcap_create(LAB_IFNAME, errbuf)) == NULL) {
		lab_err("pcap: %s", errbuf);
		_exit(2);
	}
	/* frames are at most 1514 bytes (no GSO on the lab's veth); a small
	 * snaplen keeps many frames in the ring, which a flood fills */
	pcap_set_snaplen(p, 2048);
	pcap_set_buffer_size(p, 8 << 20);
	pcap_set_immediate_mode(p, 1);
	pcap_set_promisc(p, 0);
	if ((rc = pcap_activate(p)) < 0) {
		lab_err("pcap on %s: %s", LAB_IFNAME, pcap_geterr(p));
		_exit(2);
	}
	if (pcap_compile(p, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN) == -1 ||
	    pcap_setfilter(p, &prog) == -1) {
		lab_err("pcap filter: %s", pcap_geterr(p));
		_exit(2);
	}
	pcap_freecode(&prog);
	if ((d = pcap_dump_open(p, file)) == NULL) {
		lab_err("%s", pcap_geterr(p));
		_exit(2);
	}
	pcap_setnonblock(p, 1, errbuf);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	pfd[0].fd = pcap_get_selectable_fd(p);
	pfd[0].events = POLLIN;
	pfd[1].fd = ctl;
	pfd[1].events = POLLIN;
	while (!cap_done) {
		if (poll(pfd, 2, 100) == -1 && errno != EINTR)
			break;
		if (pcap_dispatch(p, -1, pcap_dump, (u_char *)d) < 0)
			break;
		if (pfd[1].revents != 0)
			break;
	}
	/* drain what the kernel still holds */
	while (pcap_dispatch(p, -1, pcap_dump, (u_char *)d) > 0)
		;
	pcap_dump_close(d);
	if (pcap_stats(p, &st) == 0 && st.ps_drop != 0) {
		lab_err("the capture dropped %u packets", st.ps_drop);
		pcap_close(p);
		_exit(3);
	}
	pcap_close(p);
	_exit(0);
}

/* Start saving the client veth's TCP packets to file; wait until ready. */
int
lab_netns_capture_start(struct lab *lab, const char *file)
{
	int rp[2], cp[2];
	char c;
	pid_t pid;

	if (pipe2(rp, O_CLOEXEC) == -1 || pipe2(cp, O_CLOEXEC) == -1) {
		lab_err("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		lab_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(rp[0]);
		close(cp[1]);
		netns_capture_child(lab, file, rp[1], cp[0]);
	}
	close(rp[1]);
	close(cp[0]);
	lab->cap_pid = pid;
	lab->cap_ctl = cp[1];
	{
		struct pollfd pfd = { .fd = rp[0], .events = POLLIN };

		if (poll(&pfd, 1, RUN_TIMEOUT_MS) != 1 ||
		    read(rp[0], &c, 1) != 1) {
			close(rp[0]);
			lab_err("cannot capture to %s", file);
			lab_netns_capture_stop(lab);
			return -1;
		}
	}
	close(rp[0]);
	return 0;
}

/* Stop the capture child and let it write its last packets. */
int
lab_netns_capture_stop(struct lab *lab)
{
	int status;

	if (lab->cap_ctl != -1) {
		close(lab->cap_ctl);
		lab->cap_ctl = -1;
	}
	if (lab->cap_pid <= 0)
		return 0;
	status = netns_wait(lab->cap_pid, STOP_TIMEOUT_MS, true);
	lab->cap_pid = 0;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		lab_err("the capture did not end cleanly");
		return -1;
	}
	return 0;
}

/* Start a shell command in the client namespace, in its own group. */
int
lab_netns_exec_start(struct lab *lab, const char *cmd)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		lab_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (setns(lab->nsfd[LAB_CLIENT], CLONE_NEWNET) == -1)
			_exit(126);
		setenv("SYNSCOPE_LAB_IFACE", LAB_IFNAME, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	lab->exec_pid = pid;
	return 0;
}

/*
 * Stop the --exec command: SIGINT to its process group, then wait (bounded)
 * until every process of the group is gone; SIGKILL when late.
 */
int
lab_netns_exec_stop(struct lab *lab)
{
	long long end;
	pid_t pid = lab->exec_pid;
	int rc = 0;

	if (pid <= 0)
		return 0;
	lab->exec_pid = 0;
	kill(-pid, SIGINT);
	end = netns_now_ms() + STOP_TIMEOUT_MS;
	for (;;) {
		waitpid(pid, NULL, WNOHANG);
		if (kill(-pid, 0) == -1 && errno == ESRCH)
			break;
		if (netns_now_ms() >= end) {
			lab_err("the --exec command did not stop on SIGINT; "
			    "killed");
			kill(-pid, SIGKILL);
			rc = -1;
			break;
		}
		usleep(5000);
	}
	waitpid(pid, NULL, 0);
	return rc;
}

/* Print the kernel's own view (ss -tan) of both namespaces. */
void
lab_netns_kernel_view(struct lab *lab)
{
	const char *argv[] = { "ss", "-tanH", NULL };
	int i;

	for (i = 0; i < 2; i++) {
		printf("kernel view (ss -tan) in %s:\n", lab->ns[i]);
		fflush(stdout);
		if (lab_netns_run(lab, i, argv, false) != 0)
			printf("  (ss not available)\n");
	}
}

/* Run a shell command in the root namespace, told the namespaces. */
int
lab_netns_after(struct lab *lab, const char *cmd)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	setenv("SYNSCOPE_LAB_CLIENT_NS", lab->ns[LAB_CLIENT], 1);
	setenv("SYNSCOPE_LAB_SERVER_NS", lab->ns[LAB_SERVER], 1);
	setenv("SYNSCOPE_LAB_IFACE", LAB_IFNAME, 1);
	if (lab_netns_run(lab, LAB_ROOT, argv, false) != 0) {
		lab_err("the --after command failed");
		return -1;
	}
	return 0;
}

/*
 * --slow: every TCP packet either namespace puts on the veth is queued
 * (NFQUEUE in mangle POSTROUTING, after the filter rules the scenarios
 * add) and released by a holder child, first in first out, no sooner than
 * slow_ms after the previous release.  The routes get a large rto_min so
 * that held segments are not retransmitted; a segment the peer has
 * acknowledged before it could leave (a retransmission only the holding
 * caused, such as a SYN whose 1 s timer is not raised by rto_min) is
 * dropped at the head of the queue instead of being sent.
 */
#ifdef HAVE_NFQ
#define HOLD_MAX	4096	/* packets held at most */
#define HOLD_FLOWS	64
#define HOLD_COPY	128	/* bytes of each packet: the headers */

struct lab_hold {
	atomic_int	 held;		/* packets in the queue */
	atomic_llong	 last_ms;	/* last release or enqueue */
	atomic_int	 paused;	/* release nothing for now */
	atomic_int	 dropped;	/* repeats that were not sent */
};

struct hold_pkt {
	int		 q;		/* 0 client, 1 server */
	uint32_t	 id;
	int		 flow;		/* -1: not TCP over the lab */
	int		 dir;
	uint32_t	 end;		/* seq + len + SYN + FIN */
	bool		 space;		/* occupies sequence space */
	bool		 newack;	/* acknowledges more than before */
};

struct hold_flow {
	int		 family;
	uint8_t		 a[16], b[16];
	uint16_t	 pa, pb;
	bool		 synv[2], ackv[2];
	uint32_t	 syn[2], ack[2];
};

static struct hold_pkt hold_q[HOLD_MAX];
static size_t hold_head, hold_n;
static struct hold_flow hold_flows[HOLD_FLOWS];
static int hold_nflows, hold_next;
static struct nfq_q_handle *hold_qh[2];
static struct lab_hold *hold_shared;
static int hold_cur;

/* Monotonic microseconds. */
static long long
hold_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Find or add the flow of a packet; its direction in dir. */
static int
hold_flow(int family, const uint8_t *src, const uint8_t *dst, uint16_t sp,
    uint16_t dp, int *dir)
{
	struct hold_flow *f;
	size_t alen = family == AF_INET6 ? 16 : 4;
	int i;

	for (i = 0; i < hold_nflows; i++) {
		f = &hold_flows[i];
		if (f->family != family)
			continue;
		if (memcmp(f->a, src, alen) == 0 &&
		    memcmp(f->b, dst, alen) == 0 && f->pa == sp &&
		    f->pb == dp) {
			*dir = 0;
			return i;
		}
		if (memcmp(f->a, dst, alen) == 0 &&
		    memcmp(f->b, src, alen) == 0 && f->pa == dp &&
		    f->pb == sp) {
			*dir = 1;
			return i;
		}
	}
	if (hold_nflows < HOLD_FLOWS)
		i = hold_nflows++;
	else {
		i = hold_next;
		hold_next = (hold_next + 1) % HOLD_FLOWS;
	}
	f = &hold_flows[i];
	memset(f, 0, sizeof *f);
	f->family = family;
	memcpy(f->a, src, alen);
	memcpy(f->b, dst, alen);
	f->pa = sp;
	f->pb = dp;
	*dir = 0;
	return i;
}

/* Read the TCP header of a queued packet into its entry. */
static void
hold_parse(struct hold_pkt *p, const uint8_t *b, int n)
{
	const uint8_t *th;
	struct hold_flow *f;
	int family, ihl, plen, thl;
	uint32_t seq, ack;
	uint8_t flags;

	p->flow = -1;
	if (n < 20)
		return;
	if ((b[0] >> 4) == 4) {
		family = AF_INET;
		ihl = (b[0] & 0x0f) * 4;
		plen = (b[2] << 8 | b[3]) - ihl;
		if (b[9] != IPPROTO_TCP || ihl < 20)
			return;
	} else if ((b[0] >> 4) == 6 && n >= 40) {
		family = AF_INET6;
		ihl = 40;
		plen = b[4] << 8 | b[5];
		if (b[6] != IPPROTO_TCP)
			return;
	} else
		return;
	if (n < ihl + 20)
		return;
	th = b + ihl;
	thl = (th[12] >> 4) * 4;
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
	    (uint32_t)th[6] << 8 | th[7];
	ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 |
	    (uint32_t)th[10] << 8 | th[11];
	flags = th[13];
	if (family == AF_INET)
		p->flow = hold_flow(family, b + 12, b + 16,
		    (uint16_t)(th[0] << 8 | th[1]),
		    (uint16_t)(th[2] << 8 | th[3]), &p->dir);
	else
		p->flow = hold_flow(family, b + 8, b + 24,
		    (uint16_t)(th[0] << 8 | th[1]),
		    (uint16_t)(th[2] << 8 | th[3]), &p->dir);
	f = &hold_flows[p->flow];
	p->end = seq + (uint32_t)(plen > thl ? plen - thl : 0) +
	    ((flags & TH_SYN) != 0) + ((flags & TH_FIN) != 0);
	p->space = (flags & TH_RST) == 0 && p->end != seq;
	if (flags & TH_RST)
		return;
	if (flags & TH_SYN) {
		/* a new initial sequence number: a new connection */
		if (f->synv[p->dir] && f->syn[p->dir] != seq)
			f->ackv[0] = f->ackv[1] = false;
		f->synv[p->dir] = true;
		f->syn[p->dir] = seq;
	}
	if ((flags & TH_ACK) && (!f->ackv[p->dir] ||
	    (int32_t)(ack - f->ack[p->dir]) > 0)) {
		p->newack = true;
		f->ack[p->dir] = ack;
		f->ackv[p->dir] = true;
	}
}

/* nfq callback: a packet to hold. */
static int
hold_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
    struct nfq_data *nfa, void *arg)
{
	struct nfqnl_msg_packet_hdr *ph;
	struct hold_pkt *p;
	unsigned char *b;
	uint32_t id;
	int n;

	(void)msg;
	(void)arg;
	if ((ph = nfq_get_msg_packet_hdr(nfa)) == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	if (hold_n == HOLD_MAX)
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	p = &hold_q[(hold_head + hold_n) % HOLD_MAX];
	memset(p, 0, sizeof *p);
	p->q = hold_cur;
	p->id = id;
	n = nfq_get_payload(nfa, &b);
	hold_parse(p, b, n);
	hold_n++;
	atomic_store(&hold_shared->held, (int)hold_n);
	return 0;
}

/*
 * Is a held segment a repeat the peer has acknowledged already, carrying
 * no new acknowledgement itself?
 */
static bool
hold_spurious(const struct hold_pkt *p)
{
	const struct hold_flow *f;

	if (p->flow == -1 || !p->space || p->newack)
		return false;
	f = &hold_flows[p->flow];
	return f->ackv[1 - p->dir] &&
	    (int32_t)(f->ack[1 - p->dir] - p->end) >= 0;
}

static volatile sig_atomic_t hold_done;

/* SIGTERM in the holder: leave the loop. */
static void
hold_signal(int sig)
{
	(void)sig;
	hold_done = 1;
}

/* Open a queue in a namespace: the handle, or NULL. */
static struct nfq_handle *
hold_open(int nsfd, int side)
{
	struct nfq_handle *h;

	if (setns(nsfd, CLONE_NEWNET) == -1 || (h = nfq_open()) == NULL)
		return NULL;
	if ((hold_qh[side] = nfq_create_queue(h, LAB_QUEUE, hold_packet,
	    NULL)) == NULL ||
	    nfq_set_mode(hold_qh[side], NFQNL_COPY_PACKET, HOLD_COPY) < 0) {
		nfq_close(h);
		return NULL;
	}
	nfq_set_queue_maxlen(hold_qh[side], HOLD_MAX);
	nfq_set_queue_flags(hold_qh[side], NFQA_CFG_F_FAIL_OPEN,
	    NFQA_CFG_F_FAIL_OPEN);
	return h;
}

/* The holder child: release the packets of both queues, spaced. */
static void __attribute__((noreturn))
hold_child(struct lab *lab, pid_t parent, int ready)
{
	struct nfq_handle *h[2];
	struct pollfd pfd[2];
	char buf[4096] __attribute__((aligned));
	long long last = 0, gap = (long long)lab->slow_ms * 1000, now, wait;
	struct hold_pkt *p;
	ssize_t n;
	int i, fd, timeout;

	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, hold_signal);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	hold_shared = lab->hold;
	for (i = 0; i < 2; i++) {
		if ((h[i] = hold_open(lab->nsfd[i], i)) == NULL) {
			lab_err("cannot open NFQUEUE %d in %s: %s", LAB_QUEUE,
			    lab->ns[i], strerror(errno));
			_exit(2);
		}
		pfd[i].fd = nfq_fd(h[i]);
		pfd[i].events = POLLIN;
	}
	/* nothing else of the lab's: its sockets must close with it */
	for (fd = 3; fd < 1024; fd++)
		if (fd != ready && fd != pfd[0].fd && fd != pfd[1].fd)
			close(fd);
	if (write(ready, "r", 1) != 1)
		_exit(2);
	close(ready);
	while (!hold_done) {
		now = hold_now_us();
		while (hold_n > 0) {
			p = &hold_q[hold_head];
			if (atomic_load(&hold_shared->paused))
				break;
			if (hold_spurious(p)) {
				nfq_set_verdict(hold_qh[p->q], p->id, NF_DROP,
				    0, NULL);
				atomic_fetch_add(&hold_shared->dropped, 1);
			} else if (now - last >= gap) {
				nfq_set_verdict(hold_qh[p->q], p->id,
				    NF_ACCEPT, 0, NULL);
				last = now;
				atomic_store(&hold_shared->last_ms,
				    now / 1000);
			} else
				break;
			hold_head = (hold_head + 1) % HOLD_MAX;
			hold_n--;
			atomic_store(&hold_shared->held, (int)hold_n);
		}
		timeout = -1;
		if (atomic_load(&hold_shared->paused))
			timeout = 10;
		else if (hold_n > 0) {
			wait = last + gap - now;
			timeout = wait <= 0 ? 0 : (int)((wait + 999) / 1000);
		}
		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			while ((n = recv(pfd[i].fd, buf, sizeof buf,
			    MSG_DONTWAIT)) > 0) {
				hold_cur = i;
				nfq_handle_packet(h[i], buf, (int)n);
				atomic_store(&hold_shared->last_ms,
				    hold_now_us() / 1000);
			}
		}
	}
	/* what is still held goes out: the lab is ending */
	for (; hold_n > 0; hold_n--) {
		p = &hold_q[hold_head];
		nfq_set_verdict(hold_qh[p->q], p->id, NF_ACCEPT, 0, NULL);
		hold_head = (hold_head + 1) % HOLD_MAX;
	}
	for (i = 0; i < 2; i++) {
		nfq_destroy_queue(hold_qh[i]);
		nfq_close(h[i]);
	}
	_exit(0);
}

/* The NFQUEUE rule of a namespace: add (-A) or delete (-D) it. */
static int
hold_rule(struct lab *lab, enum lab_side side, const char *op, bool quiet)
{
	char num[16];
	const char *argv[] = { lab->family == AF_INET6 ? "ip6tables" :
	    "iptables", "-w", "-t", "mangle", op, "POSTROUTING", "-o",
	    LAB_IFNAME, "-p", "tcp", "-j", "NFQUEUE", "--queue-num", num,
	    "--queue-bypass", NULL };

	snprintf(num, sizeof num, "%d", LAB_QUEUE);
	if (quiet)
		return lab_netns_run(lab, side, argv, true);
	return netns_must(lab, side, argv);
}

/* Is the lab built with NFQUEUE support? */
bool
lab_netns_can_space(void)
{
	return true;
}

/*
 * Start spacing: rto_min on both namespaces' routes, the holder child
 * bound to a queue in each namespace, then the rules that feed it.
 */
int
lab_netns_hold_start(struct lab *lab)
{
	char rto[32], net[64];
	int rp[2], i;
	struct pollfd pfd;
	pid_t pid;
	char c;

	/* held segments must outlive the retransmission timer */
	snprintf(rto, sizeof rto, "%dms", lab->slow_ms * 5 < 1000 ? 1000 :
	    lab->slow_ms * 5);
	for (i = 0; i < 2; i++) {
		const char *v4[] = { "ip", "route", "change", net, "dev",
		    LAB_IFNAME, "proto", "kernel", "scope", "link", "src",
		    lab->addr_text[i], "rto_min", rto, NULL };
		const char *v6[] = { "ip", "-6", "route", "change", net,
		    "dev", LAB_IFNAME, "proto", "kernel", "metric", "256",
		    "rto_min", rto, NULL };

		snprintf(net, sizeof net, "%s0/%d", lab->family == AF_INET6 ?
		    LAB_NET6 : LAB_NET4, lab->family == AF_INET6 ? 64 : 24);
		if (netns_must(lab, i, lab->family == AF_INET6 ? v6 : v4) ==
		    -1)
			return -1;
	}
	lab->hold = mmap(NULL, sizeof *lab->hold, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lab->hold == MAP_FAILED) {
		lab->hold = NULL;
		lab_err("mmap: %s", strerror(errno));
		return -1;
	}
	atomic_init(&lab->hold->held, 0);
	atomic_init(&lab->hold->last_ms, 0);
	atomic_init(&lab->hold->paused, 0);
	atomic_init(&lab->hold->dropped, 0);
	if (pipe2(rp, O_CLOEXEC) == -1) {
		lab_err("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		lab_err("fork: %s", strerror(errno));
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	if (pid == 0) {
		close(rp[0]);
		hold_child(lab, getppid(), rp[1]);
	}
	close(rp[1]);
	lab->hold_pid = pid;
	pfd.fd = rp[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, RUN_TIMEOUT_MS) != 1 || read(rp[0], &c, 1) != 1) {
		close(rp[0]);
		lab_err("the packet holder did not start");
		return -1;
	}
	close(rp[0]);
	for (i = 0; i < 2; i++)
		if (hold_rule(lab, i, "-A", false) == -1)
			return -1;
	lab->spaced = true;
	lab_note(lab, "every packet held %d ms apart (NFQUEUE %d, rto_min %s)",
	    lab->slow_ms, LAB_QUEUE, rto);
	return 0;
}

/* Stop spacing: the rules first, then the holder; safe more than once. */
void
lab_netns_hold_stop(struct lab *lab)
{
	int i;

	if (lab->spaced) {
		lab->spaced = false;
		for (i = 0; i < 2; i++)
			if (lab->nsfd[i] != -1)
				hold_rule(lab, i, "-D", true);
	}
	if (lab->hold_pid > 0) {
		kill(lab->hold_pid, SIGTERM);
		if (netns_wait(lab->hold_pid, STOP_TIMEOUT_MS, true) == -1)
			lab_err("the packet holder did not stop; killed");
		lab->hold_pid = 0;
	}
	if (lab->hold != NULL) {
		lab_note(lab, "%d segments repeated while held were not sent",
		    atomic_load(&lab->hold->dropped));
		munmap(lab->hold, sizeof *lab->hold);
		lab->hold = NULL;
	}
}

/*
 * Wait until nothing is held and nothing was queued or released for one
 * interval (at least 250 ms): the answers to the last packet are out.
 * -1 if the lab is told to stop.
 */
int
lab_netns_hold_drain(struct lab *lab)
{
	long long end = netns_now_ms() + 60000, idle;

	if (!lab->spaced || lab->hold == NULL)
		return lab_stop ? -1 : 0;
	idle = lab->slow_ms < 250 ? 250 : lab->slow_ms;
	while (netns_now_ms() < end) {
		if (atomic_load(&lab->hold->held) == 0 &&
		    netns_now_ms() - atomic_load(&lab->hold->last_ms) >= idle)
			return 0;
		if (lab_sleep(20) == -1)
			return -1;
	}
	return 0;
}

/*
 * Hold everything (pause) or go on releasing: what both sides send while
 * paused leaves in the order it was sent, so the segments cross.
 */
void
lab_netns_hold_pause(struct lab *lab, bool pause)
{
	if (lab->hold != NULL)
		atomic_store(&lab->hold->paused, pause ? 1 : 0);
}
#else
/* Is the lab built with NFQUEUE support? */
bool
lab_netns_can_space(void)
{
	return false;
}

/* Without libnetfilter_queue, --slow only pauses between steps. */
int
lab_netns_hold_start(struct lab *lab)
{
	(void)lab;
	return 0;
}

/* Nothing to stop. */
void
lab_netns_hold_stop(struct lab *lab)
{
	(void)lab;
}

/* Nothing is ever held. */
int
lab_netns_hold_drain(struct lab *lab)
{
	(void)lab;
	return lab_stop ? -1 : 0;
}

/* Nothing to pause. */
void
lab_netns_hold_pause(struct lab *lab, bool pause)
{
	(void)lab;
	(void)pause;
}
#endif /* HAVE_NFQ */
