#!/bin/sh
# tests/analysis.sh - synscope's per-connection TCP analysis agrees with
# tshark's tcp.analysis flags.
#
#   tests/analysis.sh              every capture of tests/corpus
#   tests/analysis.sh FILE...      the given captures (a big real one too)
#
# For every readable capture with TCP in it, tshark runs once (fields
# tcp.stream, the retransmission, fast and spurious retransmission,
# out-of-order, duplicate-ACK and zero-window flags, and initial_rtt) and
# synscope once (-o conn); tests/analysis_compare.py matches the
# connections (stream number, checked against the 4-tuple and the first
# packet time) and compares, for every connection either tool flags:
#   retransmission (tshark: retransmission, fast or spurious), out_of_order,
#   dup_ack and zero_window counts; and handshake_rtt with initial_rtt
#   (within 2 us) wherever both measured it.
# It prints the agreement per file and overall and every disagreeing
# connection with both tools' counts.  The test fails when fewer than 95%
# of the flagged connections agree on all four counts, or when a
# handshake time differs by more than 2 us, unless that connection is
# listed in tests/analysis-exceptions.tsv (file, stream, reason: the
# deliberate differences of doc/analysis.md).
#
# The corpus is $SYNSCOPE_CORPUS if set, else tests/corpus (a copy of the
# shared corpus; MANIFEST.tsv there says where each file comes from).
# Without a corpus, tshark
# or python3 the test is skipped (77), but fails when CI=true.
set -u

name=analysis.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"
exceptions="$top_srcdir/tests/analysis-exceptions.tsv"
compare="$top_srcdir/tests/analysis_compare.py"


need_synscope
for f in "$exceptions" "$compare"; do
	if [ ! -r "$f" ]; then
		echo "analysis.sh: $f not found" >&2
		exit 99
	fi
done
command -v tshark >/dev/null 2>&1 || skip "tshark not found"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

if [ $# -eq 0 ]; then
	find_corpus
	set --
	for f in "$corpus"/*.pcap "$corpus"/*.pcapng; do
		[ -f "$f" ] && [ -r "$f" ] && set -- "$@" "$f"
	done
	[ $# -gt 0 ] || skip "no capture in $corpus"
fi

# tshark keeps its profile and temporary files away from the source tree
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-analysis.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
HOME=$tmp TMPDIR=$tmp python3 "$compare" --synscope "$SYNSCOPE" \
    --exceptions "$exceptions" "$@"
rc=$?
case $rc in
0) echo "PASS: analysis.sh" ;;
77) skip "no capture with TCP connections" ;;
*) echo "FAIL: analysis.sh" >&2 ;;
esac
exit "$rc"
