#!/bin/sh
# tests/fuzz.sh - replay the fuzzing harness's seeds and regression inputs.
#
# tests/fuzz_replay links tests/fuzz/fuzz_engine.c (decode, flow table,
# TCP state, analyses, every output format) with a plain main(), so every
# build, the sanitizer one included, runs the harness over
# tests/fuzz/seeds (made from captures by make-seeds.py) and
# tests/fuzz/regressions/*.bin (inputs a fuzzing run found crashing, kept
# for good once fixed).  Then tests/fuzz_records_replay, the record
# reader's harness (tests/fuzz/fuzz_records.c), over the shipped captures.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
# replay PROGRAM WHAT BAD INPUT...: run the inputs through a harness; a
# crash, a sanitizer report or (BAD not empty) a line matching the
# pattern BAD fails the test.
replay() {
	prog=$1 what=$2 bad=$3
	shift 3
	out=$("$prog" "$@" 2>&1)
	rc=$?
	echo "$out" | tail -5
	if [ "$rc" -ne 0 ] || echo "$out" | grep -E "AddressSanitizer|runtime error|LeakSanitizer${bad:+|$bad}" >/dev/null; then
		echo "FAIL: $what" >&2
		exit 1
	fi
}

prog="$top_builddir/tests/fuzz_replay"
[ -x "$prog" ] || { echo "fuzz.sh: $prog not built" >&2; exit 99; }
set -- "$top_srcdir"/tests/fuzz/seeds/*
for f in "$top_srcdir"/tests/fuzz/regressions/*.bin; do
	[ -f "$f" ] && set -- "$@" "$f"
done
[ -f "$1" ] || { echo "fuzz.sh: no seed inputs found" >&2; exit 99; }
replay "$prog" "the harness crashed or a sanitizer reported on a saved input" \
    "" "$@"

# The record reader against libpcap's (tests/fuzz/fuzz_records.c) over
# every shipped capture and its regression inputs: any difference aborts.
prog="$top_builddir/tests/fuzz_records_replay"
[ -x "$prog" ] || { echo "fuzz.sh: $prog not built" >&2; exit 99; }
set --
for f in "$top_srcdir"/tests/corpus/*.pcap* "$top_srcdir"/tests/pcap/*.pcap* \
    "$top_srcdir"/captures/*.pcap* "$top_srcdir"/tests/fuzz/records-regressions/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
[ $# -gt 80 ] || { echo "fuzz.sh: only $# captures found" >&2; exit 99; }
replay "$prog" "the record readers differ, or a sanitizer reported" \
    "fuzz_records:" "$@"
exit 0
