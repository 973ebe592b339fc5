/*
 * corelat.c - the benchmark's probe of the machine: the round-trip time
 * of a cache line between two threads (one writes a counter, the other
 * answers on a second line).  On a virtual machine this varies with where
 * the host runs the two virtual CPUs, and synscope's reader thread hands
 * every packet to the other core: the benchmark prints it with its
 * figures so that two runs can be compared.  Each run starts timing once
 * the answering thread runs, off this thread's CPU (ss_leave_cpu(), as
 * synscope's own probe does): a thread that starts late, or beside the
 * spinning one, would add its wait to the round trips.
 *
 *   corelat [ROUNDS]     prints "rtt NS ns" (median of 5 runs of ROUNDS)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "synscope/capture.h"

static _Alignas(64) _Atomic uint64_t ping;
static _Alignas(64) _Atomic uint64_t pong;
static uint64_t rounds = 100000;
static _Atomic int started;
static int main_cpu;

static void *
answer(void *arg)
{
	uint64_t i;

	ss_leave_cpu(main_cpu);
	atomic_store(&started, 1);
	for (i = 1; i <= rounds; i++) {
		while (atomic_load(&ping) != i)
			;
		atomic_store(&pong, i);
	}
	return arg;
}

static double
one_run(void)
{
	struct timespec a, b;
	pthread_t t;
	uint64_t i;

	atomic_store(&ping, 0);
	atomic_store(&pong, 0);
	atomic_store(&started, 0);
	main_cpu = sched_getcpu();
	if (pthread_create(&t, NULL, answer, NULL) != 0) {
		fprintf(stderr, "corelat: cannot start a thread\n");
		exit(1);
	}
	while (!atomic_load(&started))
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 1; i <= rounds; i++) {
		atomic_store(&ping, i);
		while (atomic_load(&pong) != i)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
	    (double)(b.tv_nsec - a.tv_nsec)) / (double)rounds;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double r[5];
	int i;

	if (argc > 1 && (rounds = strtoull(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: corelat [ROUNDS]\n");
		return 2;
	}
	for (i = 0; i < 5; i++)
		r[i] = one_run();
	qsort(r, 5, sizeof(r[0]), cmp);
	printf("rtt %.0f ns\n", r[2]);
	return 0;
}
