/*
 * flow_size.c - print the size and layout of synscope's flow record, for
 * doc/performance.md.  Not built by make; compile by hand:
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -I. tests/bench/flow_size.c -o /tmp/flow_size
 */
#include <stddef.h>
#include <stdio.h>

#include "synscope/flow.h"

#define SHOW(t, m) printf("  %-28s offset %3zu size %3zu\n", #m, \
	offsetof(t, m), sizeof(((t *)0)->m))

int
main(void)
{
	printf("struct ss_flow        %zu bytes (%zu cache lines of 64)\n",
	    sizeof(struct ss_flow), (sizeof(struct ss_flow) + 63) / 64);
	SHOW(struct ss_flow, key);
	SHOW(struct ss_flow, lru_prev);
	SHOW(struct ss_flow, fclass);
	SHOW(struct ss_flow, self);
	SHOW(struct ss_flow, id);
	SHOW(struct ss_flow, first_ns);
	SHOW(struct ss_flow, last_ns);
	SHOW(struct ss_flow, d);
	SHOW(struct ss_flow, u);
	printf("struct ss_flow_key    %zu bytes\n", sizeof(struct ss_flow_key));
	printf("struct ss_tcp_conn    %zu bytes\n", sizeof(struct ss_tcp_conn));
	printf("struct ss_tcp_dir     %zu bytes\n", sizeof(struct ss_tcp_dir));
	printf("struct ss_zeek_dir    %zu bytes\n", sizeof(struct ss_zeek_dir));
	printf("struct ss_udp_flow    %zu bytes\n", sizeof(struct ss_udp_flow));
	printf("struct ss_flow_dir    %zu bytes\n", sizeof(struct ss_flow_dir));
	printf("struct ss_packet      %zu bytes\n", sizeof(struct ss_packet));
	return 0;
}
