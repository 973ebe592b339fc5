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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>

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
