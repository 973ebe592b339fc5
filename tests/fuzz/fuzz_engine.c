/*
 * fuzz_engine.c - libFuzzer harness over the whole core: decode, flow
 * table, TCP state engine and analyses, UDP/ICMP tracking, and every
 * output format (written into memory).
 *
 * Input: one control byte, then frames, each a 2-byte big-endian length,
 * a 1-byte time step (milliseconds) and the frame bytes.  The control
 * byte's bits 0-2 choose the link type, bit 3 turns on the per-packet
 * event lines and bit 4 the JSON Lines (the conn and Zeek records are
 * always written), bit 5 feeds the frames the way the reader thread does
 * (decoded into slots, processed in batches of up to eight, with uids of
 * bare SYNs made ahead in some batches) to the view's model as well,
 * whose pages and ladder of connection 0 are then built, bit 6 makes
 * every frame look cut by the snaplen and bit 7 turns on --explain.
 * Choosing the per-packet formats per input keeps every writer exercised
 * across the corpus while an input runs several times faster than with
 * all four.  A small flow table makes eviction and expiry run too.
 *
 *   ./configure CC=clang --enable-fuzzing && make fuzz FUZZ_TIME=60
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "synscope/engine.h"
#include "synscope/output.h"
#include "synscope/view.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define SLOT_BATCH 8

/* The view model's wall clock: a step per call, no real time. */
static uint64_t
fake_clock(void *ctx)
{
	uint64_t *t = ctx;

	return *t += 1000000;
}

/*
 * Build what the screen would show, into nothing: the pages of every pane
 * and eight lines of connection 0's ladder, 80 columns wide, from its
 * middle (into a buffer kept across inputs, as the screen keeps its own).
 * At the end of an input the whole ladder is built as --ladder builds it
 * (no width), eight lines at a time; with --explain it is also written by
 * ss_view_ladder_write(), which allocates 64 lines (137 KB) that the
 * allocator maps and unmaps: doing that for every input cost a fifth of
 * the harness's speed.
 */
static void
view_pages(struct ss_view *m, bool final, bool write)
{
	static FILE *null;
	static struct ss_view_line lines[8];
	struct ss_view_row rows[8], row;
	const struct ss_view_rec *recs;
	size_t total, n, at;
	bool have;
	int pane;

	for (pane = 0; pane < SS_PANE_COUNT; pane++)
		ss_view_page(m, (enum ss_view_pane)pane, 0, 8, rows, &total);
	ss_view_expire(m);
	n = ss_view_history(m, &recs, &row, &have);
	if (!final) {
		ss_view_ladder(&row, have, recs, n, ss_view_history_lost(m),
		    80, false, n / 2, lines, 8);
		return;
	}
	total = ss_view_ladder(&row, have, recs, n, ss_view_history_lost(m),
	    0, false, 0, NULL, 0);
	for (at = 0; at < total; at += 8)
		ss_view_ladder(&row, have, recs, n, ss_view_history_lost(m),
		    0, false, at, lines, 8);
	if (!write)
		return;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (null != NULL)
		ss_view_ladder_write(null, &row, have, recs, n,
		    ss_view_history_lost(m), false);
}

/*
 * How a batch's bare SYNs are treated, as a reader thread may: in turn
 * not numbered, numbered, given uids made for the stream numbers the
 * engine's offset predicts, and uids made for wrong ones (which the
 * engine must not keep; a verifying build checks every uid kept).
 */
static void
uid_ahead_plan(struct ss_slot_decoder *d, const struct ss_engine *e,
    unsigned batch)
{
	d->number = batch % 4 != 0;
	d->uid = batch % 4 >= 2;
	d->uid_off = ss_engine_uid_offset(e) + (batch % 4 == 3 ? 1 : 0);
}

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
	struct ss_view *m = NULL;
	struct ss_view_opts vo;
	struct ss_sink vsink;
	struct ss_slot_decoder dec;
	struct ss_pipe_slot slots[SLOT_BATCH];
	struct ss_uid_ahead ua[SLOT_BATCH];
	unsigned batches = 0;
	size_t nslots = 0;
	bool slot_path;
	uint64_t wall = 0;
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
	slot_path = (data[0] & 0x20) != 0;
	if (slot_path) {
		memset(&vo, 0, sizeof(vo));
		vo.linger_ns = 5000000;
		vo.ring_cap = 64;
		vo.tomb_cap = 8;
		vo.pin_cap = 64;
		vo.pin_from_start = true;
		vo.pin_id = 0;
		vo.scan_step = 4;
		vo.clock = fake_clock;
		vo.clock_ctx = &wall;
		m = ss_view_new(&vo, e);
		if (m != NULL) {
			ss_view_sink(m, &vsink);
			ss_engine_add_sink(e, &vsink);
		}
		ss_engine_slot_decoder(e, &dec);
	}
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
		if (slot_path) {
			if (nslots == 0)
				uid_ahead_plan(&dec, e, batches);
			ss_engine_decode_slot(&dec, &slots[nslots], &ua[nslots],
			    lt, t, data + off, (uint32_t)n,
			    (uint32_t)n + (data[0] & 0x40 ? 64 : 0));
			nslots++;
			if (nslots == SLOT_BATCH || off + n + 3 > size) {
				/* every other batch hashed by the engine */
				if (!dec.hash)
					ss_engine_hash_slots(e, slots, nslots);
				ss_engine_decode_flush(&dec);
				ss_engine_process_slots(e, slots, ua, nslots);
				nslots = 0;
				batches++;
				dec.hash = !dec.hash;
				if (m != NULL)
					view_pages(m, false, false);
			}
		} else
			ss_engine_frame(e, lt, t, data + off, (uint32_t)n,
			    (uint32_t)n + (data[0] & 0x40 ? 64 : 0));
		off += n;
		for (i = 0; i < 4; i++)
			if (w[i].len > 65536)
				wbuf_reset(&w[i]);
	}
	if (nslots > 0) {
		if (!dec.hash)
			ss_engine_hash_slots(e, slots, nslots);
		ss_engine_decode_flush(&dec);
		ss_engine_process_slots(e, slots, ua, nslots);
	}
	ss_engine_finish(e);
	if (m != NULL) {
		view_pages(m, true, oo.explain);
		ss_view_free(m);
	}
	for (i = 0; i < 4; i++) {
		if (on[i])
			ss_output_free(&sink[i]);
		wbuf_free(&w[i]);
	}
	ss_engine_free(e);
	return 0;
}
