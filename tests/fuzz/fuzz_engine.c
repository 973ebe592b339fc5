/*
 * fuzz_engine.c - libFuzzer harness over the whole core: decode, flow
 * table, TCP state engine and analyses, UDP/ICMP tracking, and every
 * output format (written into memory).
 *
 * Input: one control byte, then frames, each a 2-byte big-endian length,
 * a 1-byte time step (milliseconds) and the frame bytes.  The control
 * byte's bits 0-2 choose the link type, bit 3 turns on the per-packet
 * event lines and bit 4 the JSON Lines (the conn and Zeek records are
 * always written), bit 6 makes every frame look cut by the snaplen and
 * bit 7 turns on --explain.  Choosing the per-packet formats per input
 * keeps every writer exercised across the corpus while an input runs
 * several times faster than with all four.  A small flow table makes
 * eviction and expiry run too.
 *
 *   ./configure CC=clang --enable-fuzzing && make fuzz FUZZ_TIME=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synscope/engine.h"
#include "synscope/output.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL,
	DLT_LOOP, 228, 229,
};

/* Run one input through the engine and all formats. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ss_engine_config cfg;
	struct ss_output_opts oo;
	struct ss_wbuf w[4];
	struct ss_sink sink[4];
	bool on[4];
	struct ss_engine *e;
	uint64_t t = 1000000000ULL * 1600000000ULL / 1000000000ULL;
	size_t off = 1, n;
	int lt, i;

	if (size < 1)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	ss_engine_config_defaults(&cfg);
	cfg.max_flows = 16;
	cfg.seed[0] = 1;
	cfg.seed[1] = 2;
	cfg.time_wait_ns = 2000000000ULL;
	cfg.close_linger_ns = 1000000000ULL;
	e = ss_engine_new(&cfg);
	if (e == NULL)
		return 0;
	memset(&oo, 0, sizeof(oo));
	oo.explain = (data[0] & 0x80) != 0;
	on[SS_FMT_EVENTS] = (data[0] & 0x08) != 0;
	on[SS_FMT_JSON] = (data[0] & 0x10) != 0;
	on[SS_FMT_CONN] = on[SS_FMT_ZEEK] = true;
	for (i = 0; i < 4; i++) {
		wbuf_init(&w[i], -1, 4096);
		if (!on[i])
			continue;
		ss_output_sink((enum ss_format)i, &w[i], &oo, &sink[i]);
		ss_engine_add_sink(e, &sink[i]);
	}
	t = 1600000000ULL * 1000000000ULL;
	while (off + 3 <= size) {
		n = ((size_t)data[off] << 8) | data[off + 1];
		t += (uint64_t)data[off + 2] * 1000000ULL;
		off += 3;
		if (n > size - off)
			n = size - off;
		ss_engine_frame(e, lt, t, data + off, (uint32_t)n,
		    (uint32_t)n + (data[0] & 0x40 ? 64 : 0));
		off += n;
		for (i = 0; i < 4; i++)
			if (w[i].len > 65536)
				wbuf_reset(&w[i]);
	}
	ss_engine_finish(e);
	for (i = 0; i < 4; i++) {
		if (on[i])
			ss_output_free(&sink[i]);
		wbuf_free(&w[i]);
	}
	ss_engine_free(e);
	return 0;
}
