/*
 * lab.h - synscope-lab: textbook TCP scenarios played for real between two
 * network namespaces joined by a veth pair.
 *
 * The lab process stays single-threaded and switches its own network
 * namespace (setns) before creating each socket: a socket lives in the
 * namespace it was created in, so one thread drives both endpoints.
 * Captures and commands run in forked children inside the client
 * namespace; with --slow, another child holds every packet of both
 * namespaces (NFQUEUE) and releases them one per interval.  Every address
 * used is inside LAB_NET4 or LAB_NET6.
 */
#ifndef SYNSCOPE_LAB_H
#define SYNSCOPE_LAB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define LAB_NS_PREFIX	"synlab-"	/* synlab-<pid>-client, -server */
#define LAB_IFNAME	"veth0"		/* the veth end in each namespace */
#define LAB_NET4	"10.203.0."	/* 10.203.0.0/24 */
#define LAB_NET6	"fd00:203::"	/* fd00:203::/64 */
#define LAB_SERVER_PORT	5000
#define LAB_CLIENT_PORT	40000
#define LAB_FLOOD_ADDRS	4		/* crafted sources .100 to .103 */
#define LAB_FLOOD_PORTS	32		/* source ports 50000 to 50031 */
#define LAB_MAXFD	64
#define LAB_QUEUE	203		/* NFQUEUE number, in each namespace */
#define LAB_SPACE_CONNS	8		/* --slow spaces runs this small */

enum lab_side {
	LAB_CLIENT,
	LAB_SERVER,
	LAB_ROOT
};

struct lab_hold;

/* One run of the lab: its namespaces, addresses, sockets and children. */
struct lab {
	int		 family;	/* AF_INET or AF_INET6 */
	bool		 slow;		/* --slow: pause between steps */
	int		 slow_ms;	/* --slow=SECONDS, in milliseconds */
	bool		 spaced;	/* every packet held slow_ms apart */
	pid_t		 hold_pid;	/* the NFQUEUE holder child */
	struct lab_hold	*hold;		/* its shared counters */
	bool		 verbose;
	char		 ns[2][40];	/* namespace names */
	int		 nsfd[3];	/* client, server, root (-1: not open) */
	bool		 made[2];	/* namespaces created */
	char		 addr_text[2][48];	/* client, server */
	uint8_t		 addr[2][16];	/* network order, 4 or 16 bytes */
	uint8_t		 mac[2][6];
	int		 fds[LAB_MAXFD];	/* sockets, closed at the end */
	int		 nfds;
	pid_t		 cap_pid;	/* -w capture child */
	int		 cap_ctl;	/* its control pipe */
	pid_t		 exec_pid;	/* --exec command (process group) */
};

/* What synscope must report for a connection a scenario makes. */
struct lab_expect {
	const char	*orig_state;
	const char	*resp_state;
	const char	*conn_state;	/* Zeek's */
	const char	*anomalies;	/* words asserted now ("" none) */
	const char	*later;		/* words expected once analyses land */
	const char	*kernel_client;	/* ss(8) state, "-" none, NULL n/a */
	const char	*kernel_server;
};

/* A scenario: one row of the one table that the tests and docs use. */
struct lab_scenario {
	const char	*name;
	const char	*summary;	/* one line for "list" */
	const char	*look_for;	/* what a student should watch */
	const char	*how;		/* "kernel" or "crafted" */
	int		(*play)(struct lab *);
	unsigned	 conns;		/* TCP connections it makes */
	unsigned	 nexpect;	/* 1: for every connection; else each */
	struct lab_expect expect[2];
};

extern const struct lab_scenario lab_scenarios[];
extern const size_t lab_nscenarios;

/* lab.c */
extern volatile sig_atomic_t lab_stop;
extern int lab_wait_ms;
void	 lab_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 lab_note(const struct lab *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 lab_sleep(int);

/* lab_scenarios.c */
const struct lab_scenario *lab_scenario_find(const char *);

/* lab_netns.c */
void	 lab_netns_init(struct lab *, int);
int	 lab_netns_reap_stale(void);
int	 lab_netns_setup(struct lab *);
void	 lab_netns_cleanup(struct lab *);
int	 lab_netns_enter(struct lab *, enum lab_side);
int	 lab_netns_run(struct lab *, enum lab_side, const char *const *,
	    bool);
int	 lab_netns_sysctl(struct lab *, enum lab_side, const char *,
	    const char *);
int	 lab_netns_capture_start(struct lab *, const char *);
int	 lab_netns_capture_stop(struct lab *);
int	 lab_netns_exec_start(struct lab *, const char *);
int	 lab_netns_exec_stop(struct lab *);
int	 lab_netns_taps(struct lab *);
int	 lab_netns_wait_tap(struct lab *, int, int, bool);
void	 lab_netns_kernel_view(struct lab *);
int	 lab_netns_after(struct lab *, const char *);
int	 lab_netns_track_fd(struct lab *, int);
void	 lab_netns_close_fd(struct lab *, int);
bool	 lab_netns_can_space(void);
int	 lab_netns_hold_start(struct lab *);
void	 lab_netns_hold_stop(struct lab *);
int	 lab_netns_hold_drain(struct lab *);
void	 lab_netns_hold_pause(struct lab *, bool);

/* A TCP segment to craft, or one read back from the wire. */
struct lab_seg {
	int		 family;
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint16_t	 sport;
	uint16_t	 dport;
	uint32_t	 seq;
	uint32_t	 ack;
	uint8_t		 flags;		/* TH_* of netinet/tcp.h */
	uint16_t	 win;
	uint16_t	 mss;		/* MSS option when non-zero */
	uint32_t	 len;		/* payload length */
	bool		 outgoing;	/* read back: sent by the client side */
};

/* lab_raw.c */
int	 lab_raw_open(struct lab *, bool);
int	 lab_raw_send(struct lab *, int, const struct lab_seg *,
	    const void *);
int	 lab_raw_read(int, struct lab_seg *, int);
size_t	 lab_raw_build(const struct lab_seg *, const void *, uint8_t *,
	    size_t);
bool	 lab_raw_inside(int, const uint8_t *);

#endif /* SYNSCOPE_LAB_H */
