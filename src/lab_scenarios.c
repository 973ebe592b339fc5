/*
 * lab_scenarios.c - the textbook TCP scenarios, and the one table of what
 * synscope (and the kernel) must report at the end of each.
 *
 * Every scenario runs in the lab process: it creates each socket in its
 * side's namespace (lab_netns_enter), drives them non-blocking with
 * bounded waits, and leaves them open; they are closed only after the
 * captures stopped, so the final states are the ones of the table.
 *
 * Where the kernel would not play a scenario on demand, it is helped:
 *   - crossing SYNs or FINs: each side's first one is dropped in OUTPUT
 *     (never on the wire), so both sides retransmit from the same timer
 *     run and their segments cross on the veth;
 *     with --slow, both are held by the NFQUEUE holder until both are
 *     queued, then leave one after the other;
 *   - a silent host, a lost segment: iptables DROP in the server's INPUT;
 *   - a SYN flood and an out-of-window RST: crafted (lab_raw.c).
 * Client 10.203.0.1 (fd00:203::1) port 40000, server .2 (::2) port 5000.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "synscope/lab.h"

#define WAIT_MS		lab_wait_ms	/* any one step (longer with --slow) */

/*
 * Pause between the steps of a scenario: a person can follow with --slow.
 * When every packet is held, the held ones go out first.
 */
static int
sc_step(struct lab *lab)
{
	if (lab->spaced)
		return lab_netns_hold_drain(lab) == -1 ? -1 :
		    lab_sleep(lab->slow_ms);
	return lab_sleep(lab->slow ? lab->slow_ms * 3 / 2 : 50);
}

/* Let the last segments (ACKs, retransmissions) go before the end. */
static int
sc_settle(struct lab *lab)
{
	if (lab->spaced)
		return lab_netns_hold_drain(lab) == -1 ? -1 :
		    lab_sleep(lab->slow_ms);
	return lab_sleep(lab->slow ? lab->slow_ms * 3 / 2 : 300);
}

/* A non-blocking TCP socket in a side's namespace, bound to port if set. */
static int
sc_socket(struct lab *lab, enum lab_side side, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (lab_netns_enter(lab, side) == -1)
		return -1;
	fd = socket(lab->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	lab_netns_enter(lab, LAB_ROOT);
	if (fd == -1) {
		lab_err("socket: %s", strerror(errno));
		return -1;
	}
	if (lab_netns_track_fd(lab, fd) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (port == 0)
		return fd;
	memset(&ss, 0, sizeof ss);
	if (lab->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, lab->addr[side], 16);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, lab->addr[side], 4);
		sl = sizeof *s4;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1) {
		lab_err("bind %s port %u: %s", lab->addr_text[side], port,
		    strerror(errno));
		return -1;
	}
	return fd;
}

/* Start connecting a socket to a side's address and port. */
static int
sc_connect(struct lab *lab, int fd, enum lab_side to, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (lab->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, lab->addr[to], 16);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, lab->addr[to], 4);
		sl = sizeof *s4;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS) {
		lab_err("connect to %s port %u: %s", lab->addr_text[to], port,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Wait for events on a socket: its revents, 0 on timeout, -1 if stopped. */
static int
sc_poll(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		if (lab_stop)
			return -1;
		n = poll(&pfd, 1, ms);
		if (n == 1)
			return pfd.revents;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Wait until a connect ends: 0, or the error it ended with. */
static int
sc_connected(int fd, int ms)
{
	socklen_t sl = sizeof(int);
	int err = 0, r;

	if ((r = sc_poll(fd, POLLOUT, ms)) <= 0)
		return r == 0 ? ETIMEDOUT : EINTR;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		return errno;
	return err;
}

/* A listening socket on the server's port. */
static int
sc_listen(struct lab *lab, int rcvbuf, int backlog)
{
	int fd;

	if ((fd = sc_socket(lab, LAB_SERVER, LAB_SERVER_PORT)) == -1)
		return -1;
	if (rcvbuf != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (listen(fd, backlog) == -1) {
		lab_err("listen: %s", strerror(errno));
		return -1;
	}
	return fd;
}

/* Accept one connection (bounded wait). */
static int
sc_accept(struct lab *lab, int lfd)
{
	int fd;

	if (sc_poll(lfd, POLLIN, WAIT_MS) <= 0) {
		lab_err("no connection to accept");
		return -1;
	}
	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		lab_err("accept: %s", strerror(errno));
		return -1;
	}
	return lab_netns_track_fd(lab, fd);
}

/* Connect the client (port 40000) to a listening server: both sockets. */
static int
sc_open(struct lab *lab, int lfd, int *cfd, int *sfd)
{
	int err;

	if ((*cfd = sc_socket(lab, LAB_CLIENT, LAB_CLIENT_PORT)) == -1 ||
	    sc_connect(lab, *cfd, LAB_SERVER, LAB_SERVER_PORT) == -1)
		return -1;
	if ((err = sc_connected(*cfd, WAIT_MS)) != 0) {
		lab_err("connect: %s", strerror(err));
		return -1;
	}
	if ((*sfd = sc_accept(lab, lfd)) == -1)
		return -1;
	return 0;
}

/* Send all of a buffer (bounded). */
static int
sc_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			lab_err("send: %s", strerror(errno));
			return -1;
		}
		if (sc_poll(fd, POLLOUT, WAIT_MS) <= 0) {
			lab_err("send: timed out");
			return -1;
		}
	}
	return 0;
}

/* Receive want bytes, or until the end of the stream if want is 0. */
static int
sc_recv(int fd, size_t want)
{
	char buf[4096];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if (want != 0 && got >= want)
			return 0;
		n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			return want == 0 || got >= want ? 0 : -1;
		if (errno != EAGAIN && errno != EINTR) {
			lab_err("recv: %s", strerror(errno));
			return -1;
		}
		if (sc_poll(fd, POLLIN, WAIT_MS) <= 0) {
			lab_err("recv: timed out");
			return -1;
		}
	}
}

/* The client sends a request and the server answers it. */
static int
sc_exchange(struct lab *lab, int cfd, int sfd)
{
	static const char req[] = "GET /lesson HTTP/1.0\r\n\r\n";
	static const char rsp[] = "HTTP/1.0 200 OK\r\n\r\nhello\r\n";

	if (sc_send(cfd, req, sizeof req - 1) == -1 ||
	    sc_recv(sfd, sizeof req - 1) == -1 || sc_step(lab) == -1 ||
	    sc_send(sfd, rsp, sizeof rsp - 1) == -1 ||
	    sc_recv(cfd, sizeof rsp - 1) == -1)
		return -1;
	return sc_step(lab);
}

/* One side closes, the other sees the end and closes in turn. */
static int
sc_close_pair(struct lab *lab, int first, int second)
{
	lab_netns_close_fd(lab, first);
	if (sc_recv(second, 0) == -1 || sc_step(lab) == -1)
		return -1;
	lab_netns_close_fd(lab, second);
	return sc_settle(lab);
}

/* Add (-A) or delete (-D) an iptables rule in a side's namespace. */
static int
sc_ipt(struct lab *lab, enum lab_side side, const char *op,
    const char *const *rule)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = lab->family == AF_INET6 ? "ip6tables" : "iptables";
	argv[n++] = "-w";
	argv[n++] = op;
	while (*rule != NULL && n < 31)
		argv[n++] = *rule++;
	argv[n] = NULL;
	if (lab_netns_run(lab, side, argv, false) != 0) {
		lab_err("%s %s failed in a lab namespace", argv[0], op);
		return -1;
	}
	return 0;
}

/* Three-way handshake, then nothing: both ends stay ESTABLISHED. */
static int
play_handshake(struct lab *lab)
{
	int lfd, cfd, sfd;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1)
		return -1;
	return sc_settle(lab);
}

/* A request and an answer, then the client closes first. */
static int
play_close_client_first(struct lab *lab)
{
	int lfd, cfd, sfd;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	return sc_close_pair(lab, cfd, sfd);
}

/* A request and an answer, then the server closes first. */
static int
play_close_server_first(struct lab *lab)
{
	int lfd, cfd, sfd;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	return sc_close_pair(lab, sfd, cfd);
}

/* The client shuts its sending side; the server goes on sending. */
static int
play_half_close(struct lab *lab)
{
	static const char req[] = "SEND ME THREE PARTS\r\n";
	char part[64];
	int lfd, cfd, sfd, i;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_send(cfd, req, sizeof req - 1) == -1 || sc_step(lab) == -1)
		return -1;
	if (shutdown(cfd, SHUT_WR) == -1) {
		lab_err("shutdown: %s", strerror(errno));
		return -1;
	}
	if (sc_recv(sfd, 0) == -1 || sc_step(lab) == -1)
		return -1;
	for (i = 1; i <= 3; i++) {
		snprintf(part, sizeof part, "part %d of 3, sent after the "
		    "client's FIN\r\n", i);
		if (sc_send(sfd, part, strlen(part)) == -1 ||
		    sc_step(lab) == -1)
			return -1;
	}
	lab_netns_close_fd(lab, sfd);
	if (sc_recv(cfd, 0) == -1)
		return -1;
	lab_netns_close_fd(lab, cfd);
	return sc_settle(lab);
}

/* Both sides connect to each other at once; their SYNs cross. */
static int
play_simultaneous_open(struct lab *lab)
{
	static const char *const drop[] = { "OUTPUT", "-p", "tcp",
	    "--tcp-flags", "SYN,ACK,RST", "SYN", "-j", "DROP", NULL };
	int cfd, sfd, err;

	if ((cfd = sc_socket(lab, LAB_CLIENT, LAB_CLIENT_PORT)) == -1 ||
	    (sfd = sc_socket(lab, LAB_SERVER, LAB_SERVER_PORT)) == -1)
		return -1;
	if (lab->spaced) {
		/* --slow: both SYNs are held, then leave one after the other */
		lab_netns_hold_pause(lab, true);
		if (sc_connect(lab, cfd, LAB_SERVER, LAB_SERVER_PORT) == -1 ||
		    sc_connect(lab, sfd, LAB_CLIENT, LAB_CLIENT_PORT) == -1)
			return -1;
		lab_netns_hold_pause(lab, false);
	} else {
		/* both enter SYN-SENT; their first SYNs die in OUTPUT */
		if (sc_ipt(lab, LAB_CLIENT, "-A", drop) == -1 ||
		    sc_ipt(lab, LAB_SERVER, "-A", drop) == -1 ||
		    sc_connect(lab, cfd, LAB_SERVER, LAB_SERVER_PORT) == -1 ||
		    sc_connect(lab, sfd, LAB_CLIENT, LAB_CLIENT_PORT) == -1 ||
		    sc_ipt(lab, LAB_CLIENT, "-D", drop) == -1 ||
		    sc_ipt(lab, LAB_SERVER, "-D", drop) == -1)
			return -1;
	}
	/* the retransmissions, from the same timer run, cross */
	if ((err = sc_connected(cfd, WAIT_MS)) != 0 ||
	    (err = sc_connected(sfd, WAIT_MS)) != 0) {
		lab_err("simultaneous open: %s", strerror(err));
		return -1;
	}
	return sc_settle(lab);
}

/* Both sides close at once; their FINs cross. */
static int
play_simultaneous_close(struct lab *lab)
{
	static const char *const drop[] = { "OUTPUT", "-p", "tcp",
	    "--tcp-flags", "FIN", "FIN", "-j", "DROP", NULL };
	int lfd, cfd, sfd;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	/* --slow: both FINs are held, then leave one after the other */
	if (lab->spaced)
		lab_netns_hold_pause(lab, true);
	else if (sc_ipt(lab, LAB_CLIENT, "-A", drop) == -1 ||
	    sc_ipt(lab, LAB_SERVER, "-A", drop) == -1)
		return -1;
	if (shutdown(cfd, SHUT_WR) == -1 || shutdown(sfd, SHUT_WR) == -1) {
		lab_err("shutdown: %s", strerror(errno));
		return -1;
	}
	if (lab->spaced)
		lab_netns_hold_pause(lab, false);
	else if (sc_ipt(lab, LAB_CLIENT, "-D", drop) == -1 ||
	    sc_ipt(lab, LAB_SERVER, "-D", drop) == -1)
		return -1;
	if (sc_recv(cfd, 0) == -1 || sc_recv(sfd, 0) == -1)
		return -1;
	lab_netns_close_fd(lab, cfd);
	lab_netns_close_fd(lab, sfd);
	return sc_settle(lab);
}

/* A connection to a port where nothing listens: RST/ACK. */
static int
play_refused(struct lab *lab)
{
	int cfd, err;

	if ((cfd = sc_socket(lab, LAB_CLIENT, LAB_CLIENT_PORT)) == -1 ||
	    sc_connect(lab, cfd, LAB_SERVER, LAB_SERVER_PORT) == -1)
		return -1;
	if ((err = sc_connected(cfd, WAIT_MS)) != ECONNREFUSED) {
		lab_err("refused: connect ended with %s", strerror(err));
		return -1;
	}
	return sc_settle(lab);
}

/*
 * SYNs to a host that drops them: the client retransmits its SYN, after
 * 1 s and 2 s on Linux 6.5 and later (tcp_syn_linear_timeouts), after 1 s
 * and 3 s before.  The scenario ends 200 ms after the third SYN.
 */
static int
play_syn_unanswered(struct lab *lab)
{
	static const char *const drop[] = { "INPUT", "-p", "tcp", "--dport",
	    "5000", "-j", "DROP", NULL };
	struct lab_seg s;
	int cfd, sniff, syncnt = 4, syns = 0, r, waited = 0;

	if (sc_ipt(lab, LAB_SERVER, "-A", drop) == -1 ||
	    (sniff = lab_raw_open(lab, true)) == -1 ||
	    (cfd = sc_socket(lab, LAB_CLIENT, LAB_CLIENT_PORT)) == -1)
		return -1;
	setsockopt(cfd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt);
	if (sc_connect(lab, cfd, LAB_SERVER, LAB_SERVER_PORT) == -1)
		return -1;
	while (syns < 3) {
		if ((r = lab_raw_read(sniff, &s, 100)) == -1)
			return -1;
		if (r == 1 && s.outgoing && s.flags == TH_SYN)
			syns++;
		if (r == 0 && (waited += 100) > 8000) {
			lab_err("syn-unanswered: only %d SYNs in 8 s", syns);
			return -1;
		}
		if (lab_stop)
			return -1;
	}
	if (lab_sleep(200) == -1)
		return -1;
	if (sc_poll(cfd, POLLOUT, 0) != 0) {
		lab_err("syn-unanswered: the connection attempt ended");
		return -1;
	}
	return 0;
}

/* Hundreds of crafted SYNs from addresses that exist nowhere. */
static int
play_syn_flood(struct lab *lab)
{
	struct lab_seg s;
	char src[48];
	int lfd, rfd, a, p;

	if ((lfd = sc_listen(lab, 0, 1024)) == -1 ||
	    (rfd = lab_raw_open(lab, false)) == -1)
		return -1;
	(void)lfd;
	memset(&s, 0, sizeof s);
	s.family = lab->family;
	memcpy(s.dst, lab->addr[LAB_SERVER], 16);
	s.dport = LAB_SERVER_PORT;
	s.flags = TH_SYN;
	s.win = 64240;
	s.mss = lab->family == AF_INET6 ? 1440 : 1460;
	for (a = 0; a < LAB_FLOOD_ADDRS; a++) {
		snprintf(src, sizeof src, "%s%d", lab->family == AF_INET6 ?
		    LAB_NET6 : LAB_NET4, 100 + a);
		inet_pton(lab->family, src, s.src);
		for (p = 0; p < LAB_FLOOD_PORTS; p++) {
			s.sport = (uint16_t)(50000 + p);
			s.seq = (uint32_t)random() << 1 ^ (uint32_t)random();
			if (lab_raw_send(lab, rfd, &s, NULL) == -1)
				return -1;
			/* 1 ms apart: a live capture at its defaults keeps up */
			if (lab_sleep(lab->slow ? 40 : 1) == -1)
				return -1;
		}
	}
	return lab_sleep(lab->slow ? 1500 : 500);
}

/* The client aborts: SO_LINGER {1, 0} and close send an RST. */
static int
play_reset(struct lab *lab)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int lfd, cfd, sfd;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	lab_netns_close_fd(lab, cfd);
	return sc_settle(lab);
}

/* The next sequence number each side sends, from the segments seen. */
static void
sc_track(int sniff, uint32_t nxt[2])
{
	struct lab_seg s;
	uint32_t end;

	while (lab_raw_read(sniff, &s, 0) == 1) {
		if (s.sport != LAB_CLIENT_PORT && s.dport != LAB_CLIENT_PORT)
			continue;
		end = s.seq + s.len + ((s.flags & TH_SYN) != 0) +
		    ((s.flags & TH_FIN) != 0);
		nxt[s.outgoing ? 0 : 1] = end;
	}
}

/* A crafted RST far outside the receiver's window: it is ignored. */
static int
play_rst_out_of_window(struct lab *lab)
{
	static const char more[] = "still connected?\r\n";
	static const char yes[] = "yes\r\n";
	struct lab_seg s;
	uint32_t nxt[2] = { 0, 0 };
	int lfd, cfd, sfd, sniff, rfd;

	if ((sniff = lab_raw_open(lab, true)) == -1 ||
	    (rfd = lab_raw_open(lab, false)) == -1 ||
	    (lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	sc_track(sniff, nxt);
	if (nxt[0] == 0 && nxt[1] == 0) {
		lab_err("rst-out-of-window: no segment seen");
		return -1;
	}
	/* RFC 9293 §3.10.7.4 first check, RFC 5961 §3.2: dropped silently */
	memset(&s, 0, sizeof s);
	s.family = lab->family;
	memcpy(s.src, lab->addr[LAB_CLIENT], 16);
	memcpy(s.dst, lab->addr[LAB_SERVER], 16);
	s.sport = LAB_CLIENT_PORT;
	s.dport = LAB_SERVER_PORT;
	s.seq = nxt[0] + 0x40000000;
	s.ack = nxt[1];
	s.flags = TH_RST | TH_ACK;
	if (lab_raw_send(lab, rfd, &s, NULL) == -1 || sc_step(lab) == -1)
		return -1;
	if (sc_send(sfd, more, sizeof more - 1) == -1 ||
	    sc_recv(cfd, sizeof more - 1) == -1 || sc_step(lab) == -1 ||
	    sc_send(cfd, yes, sizeof yes - 1) == -1 ||
	    sc_recv(sfd, sizeof yes - 1) == -1)
		return -1;
	return sc_settle(lab);
}

/*
 * The server closes first (TIME-WAIT is on its side); the client connects
 * again from the same port: the server accepts the SYN in TIME-WAIT
 * (RFC 9293 §3.10.7.4, RFC 6191) and a new connection takes the 4-tuple.
 */
static int
play_port_reuse(struct lab *lab)
{
	int lfd, cfd, sfd, err;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1 ||
	    sc_close_pair(lab, sfd, cfd) == -1 || sc_step(lab) == -1)
		return -1;
	if ((cfd = sc_socket(lab, LAB_CLIENT, LAB_CLIENT_PORT)) == -1 ||
	    sc_connect(lab, cfd, LAB_SERVER, LAB_SERVER_PORT) == -1)
		return -1;
	if ((err = sc_connected(cfd, WAIT_MS)) != 0) {
		lab_err("port-reuse: second connect: %s", strerror(err));
		return -1;
	}
	if ((sfd = sc_accept(lab, lfd)) == -1 || sc_step(lab) == -1 ||
	    sc_exchange(lab, cfd, sfd) == -1)
		return -1;
	return sc_settle(lab);
}

/* A receiver that stops reading: zero window, the sender's probes. */
static int
play_zero_window(struct lab *lab)
{
	static char data[6000];
	char buf[4096];
	size_t off = 0, got = 0;
	ssize_t n;
	int lfd, cfd, sfd, nodelay = 1;

	memset(data, 'z', sizeof data);
	if ((lfd = sc_listen(lab, 1024, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 || sc_step(lab) == -1)
		return -1;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
	/* send what the kernel takes; the server reads nothing */
	while (off < sizeof data) {
		n = send(cfd, data + off, sizeof data - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	/* persist timer: probes after about 0.2, 0.6, 1.4 and 3 s */
	if (lab_sleep(3300) == -1)
		return -1;
	/* the server reads again: a window update, the rest flows */
	while (got < sizeof data) {
		if (off < sizeof data && (n = send(cfd, data + off,
		    sizeof data - off, MSG_NOSIGNAL)) > 0)
			off += (size_t)n;
		n = recv(sfd, buf, sizeof buf, 0);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR) ||
		    sc_poll(sfd, POLLIN, WAIT_MS) <= 0) {
			lab_err("zero-window: the data did not arrive");
			return -1;
		}
	}
	if (sc_step(lab) == -1)
		return -1;
	return sc_close_pair(lab, cfd, sfd);
}

/*
 * One data segment lost once (dropped by the server's INPUT, after the
 * capture point, as a router would), then retransmitted by the sender's
 * timer (tail loss probe or RTO) about 200 ms later.
 */
static int
play_retransmission(struct lab *lab)
{
	static const char *const drop[] = { "INPUT", "-p", "tcp", "-m",
	    "string", "--string", "segment 2/4", "--algo", "bm", "-m",
	    "statistic", "--mode", "nth", "--every", "1000000", "--packet",
	    "0", "-j", "DROP", NULL };
	char seg[200];
	int lfd, cfd, sfd, i, nodelay = 1;

	if ((lfd = sc_listen(lab, 0, 16)) == -1 ||
	    sc_open(lab, lfd, &cfd, &sfd) == -1 ||
	    sc_ipt(lab, LAB_SERVER, "-A", drop) == -1 || sc_step(lab) == -1)
		return -1;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
	for (i = 1; i <= 4; i++) {
		memset(seg, '.', sizeof seg);
		snprintf(seg, sizeof seg, "segment %d/4", i);
		seg[strlen(seg)] = ' ';
		seg[sizeof seg - 2] = '\r';
		seg[sizeof seg - 1] = '\n';
		/* one segment in flight: its loss is repaired by a timer */
		if (sc_send(cfd, seg, sizeof seg) == -1 ||
		    sc_recv(sfd, sizeof seg) == -1 || sc_step(lab) == -1)
			return -1;
	}
	if (sc_send(sfd, "ok\r\n", 4) == -1 || sc_recv(cfd, 4) == -1 ||
	    sc_step(lab) == -1)
		return -1;
	return sc_close_pair(lab, cfd, sfd);
}

#define K(c, s)	.kernel_client = c, .kernel_server = s

/*
 * The table.  States are what synscope must report at the end of the
 * capture (RFC 9293 spellings), conn_state is Zeek's, anomalies are the
 * words asserted now and "later" the ones the analyses will add; the
 * kernel columns are ss(8)'s view of the same 4-tuple just before the
 * lab stops ("-": no socket), NULL where a side is crafted.
 */
const struct lab_scenario lab_scenarios[] = {
	{ "handshake", "three-way handshake, then both ends stay open",
	  "SYN, SYN-ACK, ACK: each end's state after each segment",
	  "kernel", play_handshake, 1, 1,
	  { { "ESTABLISHED", "ESTABLISHED", "S1", "", "",
	      K("ESTAB", "ESTAB") } } },
	{ "close-client-first", "a request, an answer, the client closes "
	  "first", "the closer goes FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT",
	  "kernel", play_close_client_first, 1, 1,
	  { { "TIME-WAIT", "CLOSED", "SF", "", "", K("TIME-WAIT", "-") } } },
	{ "close-server-first", "a request, an answer, the server closes "
	  "first", "TIME-WAIT ends up on the server",
	  "kernel", play_close_server_first, 1, 1,
	  { { "CLOSED", "TIME-WAIT", "SF", "", "", K("-", "TIME-WAIT") } } },
	{ "half-close", "the client shuts down its side; the server keeps "
	  "sending", "data from the server while the client is in FIN-WAIT-2",
	  "kernel", play_half_close, 1, 1,
	  { { "TIME-WAIT", "CLOSED", "SF", "", "", K("TIME-WAIT", "-") } } },
	{ "simultaneous-open", "both ends connect to each other; the SYNs "
	  "cross", "SYN-SENT to SYN-RECEIVED on both sides, two SYN-ACKs",
	  "kernel", play_simultaneous_open, 1, 1,
	  { { "ESTABLISHED", "ESTABLISHED", "S1", "", "",
	      K("ESTAB", "ESTAB") } } },
	{ "simultaneous-close", "both ends close at once; the FINs cross",
	  "FIN-WAIT-1 to CLOSING on both sides, then TIME-WAIT on both",
	  "kernel", play_simultaneous_close, 1, 1,
	  { { "TIME-WAIT", "TIME-WAIT", "SF", "", "",
	      K("TIME-WAIT", "TIME-WAIT") } } },
	{ "refused", "a SYN to a closed port, answered by RST/ACK",
	  "the RST acknowledges the SYN: SYN-SENT to CLOSED",
	  "kernel", play_refused, 1, 1,
	  { { "CLOSED", "CLOSED", "REJ", "", "", K("-", "-") } } },
	{ "syn-unanswered", "SYNs to a host that drops them, retransmitted",
	  "the same SYN three times, 1 s apart (or 1 s then 2 s)",
	  "kernel", play_syn_unanswered, 1, 1,
	  { { "SYN-SENT", "CLOSED", "S0", "", "retransmission",
	      K("SYN-SENT", "-") } } },
	{ "syn-flood", "128 crafted SYNs from 4 addresses: half-open "
	  "connections", "every SYN answered, no ACK ever: SYN-RECEIVED "
	  "piles up", "crafted", play_syn_flood, 128, 1,
	  { { "ESTABLISHED", "SYN-RECEIVED", "S1", "", "",
	      K(NULL, "SYN-RECV") } } },
	{ "reset", "the client aborts with an RST (SO_LINGER 0)",
	  "an RST in ESTABLISHED closes both ends at once",
	  "kernel", play_reset, 1, 1,
	  { { "CLOSED", "CLOSED", "RSTO", "", "", K("-", "-") } } },
	{ "rst-out-of-window", "a crafted RST far outside the window, "
	  "ignored", "the RST changes nothing; data flows after it",
	  "crafted", play_rst_out_of_window, 1, 1,
	  { { "ESTABLISHED", "ESTABLISHED", "RSTO", "rst_out_of_window", "",
	      K("ESTAB", "ESTAB") } } },
	{ "port-reuse", "the client reconnects from the same port while "
	  "the server is in TIME-WAIT", "a SYN on a 4-tuple in TIME-WAIT "
	  "starts a new connection", "kernel", play_port_reuse, 2, 2,
	  { { "CLOSED", "TIME-WAIT", "SF", "", "", K(NULL, NULL) },
	    { "ESTABLISHED", "ESTABLISHED", "S1", "port_reuse", "",
	      K("ESTAB", "ESTAB") } } },
	{ "zero-window", "a receiver that stops reading; the sender's "
	  "window probes", "window 0 from the server, probes from the "
	  "client, then a window update", "kernel", play_zero_window, 1, 1,
	  { { "TIME-WAIT", "CLOSED", "SF", "", "zero_window window_probe",
	      K("TIME-WAIT", "-") } } },
	{ "retransmission", "one data segment lost once, then "
	  "retransmitted", "segment 2/4 twice, the second one about "
	  "200 ms later", "kernel", play_retransmission, 1, 1,
	  { { "TIME-WAIT", "CLOSED", "SF", "", "retransmission",
	      K("TIME-WAIT", "-") } } },
};

const size_t lab_nscenarios = sizeof lab_scenarios / sizeof lab_scenarios[0];

/* A scenario by name, or NULL. */
const struct lab_scenario *
lab_scenario_find(const char *name)
{
	size_t i;

	for (i = 0; i < lab_nscenarios; i++)
		if (strcmp(lab_scenarios[i].name, name) == 0)
			return &lab_scenarios[i];
	return NULL;
}
