#!/bin/sh
# tests/hostile.sh - hostile traffic end to end, with the benchmark's
# generator (tests/bench/gen_synflood.py): a SYN flood from random
# sources, random garbage, and flows whose keys differ in one field only.
#
# With --max-flows 1000 each must end with status 0 and nothing on
# stderr, count every packet, write every flow out (a flow_end event
# each, the evicted ones too), count the evictions in the stats record,
# and keep its peak memory bounded: under 32 MiB, and the flood of
# 200,000 SYNs no more than 8 MiB over one of 20,000, both read with two
# threads (not checked in a sanitizer build).  The collisions are read
# with one thread, the others with two.  Asserts nothing about
# time.  Needs python3 and GNU time (skipped without them, failed with
# CI=true).
set -u

name=hostile.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"

need_synscope
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) not found"
GEN="$top_srcdir/tests/bench/gen_synflood.py"
[ -r "$GEN" ] || { echo "hostile.sh: $GEN not found" >&2; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-hostile.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

ncase=0

# run FILE ARGS...: synscope -r FILE -o json ARGS; prints "rc rss_kib
# packets flows evictions flow_ends bad stderr_bytes", where flows is
# tcp+udp+icmp flows and bad the truncated and malformed packets.  The
# peak RSS is synscope's own, from GNU time (a child's maxrss starts at
# its parent's size when it execs, so it is not measured from python).
run() {
	cap=$1
	shift
	{
		/usr/bin/time -f %M -o "$tmp/rss" "$SYNSCOPE" -r "$cap" -o json \
		    "$@" 2>"$tmp/err"
		echo $? >"$tmp/rc"
	} | python3 -c '
import json, sys
ends, stats = 0, None
for line in sys.stdin.buffer:
    if line.startswith(b"{\"type\":\"flow_end\""):
        ends += 1
    elif line.startswith(b"{\"type\":\"stats\""):
        stats = json.loads(line)
s = stats or {}
print(s.get("packets", -1),
      s.get("tcp_flows", 0) + s.get("udp_flows", 0) + s.get("icmp_flows", 0),
      s.get("evictions", -1), ends, s.get("truncated", 0) + s.get("malformed", 0))
' >"$tmp/counts"
	[ -s "$tmp/err" ] && head -c 300 "$tmp/err" >&2
	echo "$(cat "$tmp/rc") $(tail -1 "$tmp/rss") $(cat "$tmp/counts")" \
	    "$(wc -c <"$tmp/err" | tr -d ' ')"
}

# AddressSanitizer's shadow memory and quarantine make peak RSS say
# nothing of synscope's own: the bounds are checked in plain builds
sanitized=false
if grep -q -a -e __asan_init -e __tsan_init "$SYNSCOPE"; then
	sanitized=true
	echo "note: a sanitizer build: peak memory is not checked"
fi
rss_ok() {
	$sanitized || [ "$1" -le "$2" ]
}

gen() {
	python3 "$GEN" "$@" >"$tmp/gen.log" 2>&1 || {
		echo "hostile.sh: gen_synflood.py $*: $(cat "$tmp/gen.log")" >&2
		exit 99
	}
}
gen --kind synflood --count 20000 -o "$tmp/flood20k.pcap"
gen --kind synflood --count 200000 --v6 0.2 -o "$tmp/flood.pcap"
gen --kind garbage --count 100000 -o "$tmp/garbage.pcap"
gen --kind collide --count 100000 -o "$tmp/collide.pcap"

# ------------------------------------------------------------- the flood
ncase=$((ncase + 1))
set -- $(run "$tmp/flood20k.pcap" --max-flows 1000 --threads 2)
rss20k=$2
set -- $(run "$tmp/flood.pcap" --max-flows 1000 --threads 2)
[ "$1" = 0 ] || fail "flood: exit status $1"
[ "$8" = 0 ] || fail "flood: $8 bytes on stderr"
[ "$3" = 200000 ] || fail "flood: $3 packets counted, expected 200000"
[ "$4" = 200000 ] || fail "flood: $4 flows, expected one per SYN"
[ "$6" = "$4" ] || fail "flood: $6 flows written out of $4"
[ "$5" -ge 199000 ] || fail "flood: $5 evictions, expected at least 199000"
# bounded: ten times the SYNs, at most 8 MiB more at the peak
rss_ok "$2" $((rss20k + 8192)) ||
    fail "flood: peak RSS $2 KiB, $rss20k KiB with a tenth of the SYNs"
rss_ok "$2" 32768 || fail "flood: peak RSS $2 KiB, over 32 MiB"
echo "flood: 200000 SYNs, peak RSS $2 KiB (20000: $rss20k KiB), $5 evictions"

# --------------------------------------------------------------- garbage
ncase=$((ncase + 1))
set -- $(run "$tmp/garbage.pcap" --max-flows 1000 --threads 2)
[ "$1" = 0 ] || fail "garbage: exit status $1"
[ "$8" = 0 ] || fail "garbage: $8 bytes on stderr"
[ "$3" = 100000 ] || fail "garbage: $3 packets counted, expected 100000"
[ "$7" -gt 0 ] || fail "garbage: no truncated or malformed packet counted"
[ "$6" = "$4" ] || fail "garbage: $6 flows written out of $4"
rss_ok "$2" 32768 || fail "garbage: peak RSS $2 KiB, over 32 MiB"
echo "garbage: $4 flows, $7 truncated or malformed, peak RSS $2 KiB"

# ------------------------------------------------- near-colliding keys
ncase=$((ncase + 1))
set -- $(run "$tmp/collide.pcap" --max-flows 1000 --threads 1)
[ "$1" = 0 ] || fail "collide: exit status $1"
[ "$8" = 0 ] || fail "collide: $8 bytes on stderr"
[ "$3" = 300000 ] || fail "collide: $3 packets counted, expected 300000"
# 100,000 handshakes interleaved: a flow evicted before its SYN-ACK or
# ACK comes back as a new one
[ "$4" -ge 100000 ] && [ "$4" -le 300000 ] ||
    fail "collide: $4 flows, expected 100000 to 300000"
[ "$6" = "$4" ] || fail "collide: $6 flows written out of $4"
[ "$5" -ge $(($4 - 1000)) ] ||
    fail "collide: $5 evictions, expected at least $(($4 - 1000))"
rss_ok "$2" 32768 || fail "collide: peak RSS $2 KiB, over 32 MiB"
echo "collide: $4 flows, peak RSS $2 KiB, $5 evictions"

echo "hostile.sh: $ncase cases, $fails failures"
[ $fails -eq 0 ]
