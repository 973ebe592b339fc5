#!/bin/sh
# tests/loss.sh - loss, zero windows and reordering made by the kernel:
# real TCP between two network namespaces, captured live by synscope.
#
# Namespace A (10.204.0.1, the sender) and namespace B (10.204.0.2, the
# receiver) are joined by a veth pair; "synscope -i <veth in A> -w FILE"
# captures on A's side while three transfers run, one after the other:
#   (a) port 5101, 2 MB: B's INPUT drops the 30th full-sized data segment
#       once (iptables statistic nth).  Seen at A's side: the original and
#       its retransmission, and B's duplicate ACKs.
#       Expect the segment flagged as sent again (retransmission, fast or
#       spurious retransmission, or out_of_order when the resend follows
#       within one handshake RTT, as Wireshark rules) and dup_ack >= 1.
#       On a slow host the kernel has been seen to resend the segment
#       before any later one reached B: no duplicate ACK then, and the
#       resend is out_of_order (tshark agreeing); that case is accepted.
#       On a loaded one it resent on its timer, several times, with no
#       duplicate ACK in the capture: accepted when tshark counts none.
#   (b) port 5102, 300 kB to a receiver with a 4 kB SO_RCVBUF that does
#       not read for 2 s: its window closes and Linux probes it (seq - 1,
#       no data).  Expect zero_window >= 1 and window_probe >= 1.
#   (c) port 5103, 200 kB: B's answers pass a 20 ms delay line (a
#       netfilter queue, tests/loss_peer.py nfq) so the path has a 20 ms
#       round trip, and A's 2nd data packet (1000 bytes or more) is held 5 ms in
#       A's OUTPUT, so the next ones overtake it before the capture point.
#       Expect out_of_order >= 1.
# Only what the kernel guarantees is asserted (lower bounds, never
# timing).  With tshark present the capture is also compared with
# tshark's tcp.analysis (tests/analysis_compare.py), for information.
#
# No packet leaves the two namespaces.  Needs root, ip(8), iptables with
# the statistic, length and NFQUEUE matches, python3 and timeout(1):
# without them the test is skipped (77), except that with CI=true it
# fails instead.  Every wait is bounded.
set -u

name=loss.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"


need_synscope
case $SYNSCOPE in
/*) ;;
*) SYNSCOPE="$(pwd)/$SYNSCOPE" ;;
esac
peer="$top_srcdir/tests/loss_peer.py"
compare="$top_srcdir/tests/analysis_compare.py"
[ -r "$peer" ] || { echo "loss.sh: $peer not found" >&2; exit 99; }
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
for tool in ip python3 timeout; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
IPT=$(command -v iptables-legacy || command -v iptables || true)
[ -n "$IPT" ] || skip "iptables not found"

NSA="ssLa$$"
NSB="ssLb$$"
IFA="sslA$$"
IFB="sslB$$"
A4=10.204.0.1
B4=10.204.0.2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-loss.XXXXXX") || exit 99
pids=""
ss_pid=""
ns_made=""

cleanup() {
	for p in $ss_pid $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	netns_del
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_file FILE: until FILE exists, at most 10 s.
wait_file() {
	i=0
	until [ -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -le 100 ] || return 1
		sleep 0.1
	done
	return 0
}

# ---------------------------------------------------------------- network
netns_pair "$NSA" "$NSB" "$IFA" "$IFB" "$A4" "$B4"
# one segment per packet: no TSO/GSO super-packets on the veth
if command -v ethtool >/dev/null 2>&1; then
	ip netns exec "$NSA" ethtool -K "$IFA" tso off gso off gro off \
	    >/dev/null 2>&1
	ip netns exec "$NSB" ethtool -K "$IFB" tso off gso off gro off \
	    >/dev/null 2>&1
fi

# the chosen segments: (a) dropped, (c) held; (c) B's answers delayed
ipt() {
	ns=$1
	shift
	ip netns exec "$ns" "$IPT" -w 5 "$@" 2>>"$tmp/ipt.err"
}
ipt "$NSB" -A INPUT -p tcp --dport 5101 -m length --length 1000:65535 \
    -m statistic --mode nth --every 1000000 --packet 29 -j DROP ||
    skip "iptables statistic/length matches unusable: $(cat "$tmp/ipt.err")"
ipt "$NSA" -A OUTPUT -p tcp --dport 5103 -m length --length 1000:65535 \
    -m statistic --mode nth --every 1000000 --packet 1 \
    -j NFQUEUE --queue-num 4 --queue-bypass ||
    skip "iptables NFQUEUE unusable: $(cat "$tmp/ipt.err")"
ipt "$NSB" -A OUTPUT -p tcp --sport 5103 \
    -j NFQUEUE --queue-num 3 --queue-bypass ||
    skip "iptables NFQUEUE unusable: $(cat "$tmp/ipt.err")"

ip netns exec "$NSA" timeout 60 python3 "$peer" nfq 4 5 "$tmp/qa.ready" \
    --for 50 >"$tmp/qa.out" 2>&1 &
pids="$pids $!"
ip netns exec "$NSB" timeout 60 python3 "$peer" nfq 3 20 "$tmp/qb.ready" \
    --for 50 >"$tmp/qb.out" 2>&1 &
pids="$pids $!"
wait_file "$tmp/qa.ready" && wait_file "$tmp/qb.ready" ||
    skip "cannot bind a netfilter queue: $(cat "$tmp/qa.out" "$tmp/qb.out")"

# ---------------------------------------------------------------- capture
ip netns exec "$NSA" "$SYNSCOPE" -i "$IFA" -o conn -w "$tmp/cap.pcap" \
    >"$tmp/live.conn" 2>"$tmp/live.err" &
ss_pid=$!
# bounded: until the capture is open (the pcap file has its header)
wait_file "$tmp/cap.pcap" || sleep 1
sleep 0.5
kill -0 "$ss_pid" 2>/dev/null ||
    die "synscope -i $IFA did not start: $(cat "$tmp/live.err")"

# transfer PORT BYTES [recv options]: one connection from A to B.
transfer() {
	port=$1
	bytes=$2
	shift 2
	rm -f "$tmp/r$port.ready"
	ip netns exec "$NSB" timeout 30 python3 "$peer" recv "$port" \
	    "$tmp/r$port.ready" --for 25 "$@" >"$tmp/r$port.out" 2>&1 &
	rp=$!
	pids="$pids $rp"
	wait_file "$tmp/r$port.ready" || { fail "receiver $port not ready"; return; }
	ip netns exec "$NSA" timeout 30 python3 "$peer" send "$B4" "$port" \
	    "$bytes" --for 25 >"$tmp/s$port.out" 2>&1 ||
	    fail "sender $port: $(cat "$tmp/s$port.out")"
	wait "$rp" || fail "receiver $port: $(cat "$tmp/r$port.out")"
	got=$(tail -n 1 "$tmp/r$port.out")
	[ "$got" = "$bytes" ] || fail "port $port: received $got of $bytes bytes"
}

t0=$(date +%s)
transfer 5101 2000000
transfer 5102 300000 --rcvbuf 4096 --pause-after 1 --pause 2
transfer 5103 200000
sleep 0.5
kill -INT "$ss_pid" 2>/dev/null
i=0
while kill -0 "$ss_pid" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 100 ] || { kill -KILL "$ss_pid"; break; }
	sleep 0.1
done
wait "$ss_pid" 2>/dev/null
ss_pid=""
echo "loss.sh: transfers took $(($(date +%s) - t0)) s"

# ---------------------------------------------------------------- checks
"$SYNSCOPE" -r "$tmp/cap.pcap" -o conn >"$tmp/conn" 2>"$tmp/conn.err" ||
    die "synscope -r on the capture failed: $(cat "$tmp/conn.err")"
"$SYNSCOPE" -r "$tmp/cap.pcap" -o events >"$tmp/events" 2>/dev/null
# Duplicate ACKs of (a) as tshark counts them (-1: no tshark), for the
# case where the network made none.
tshark_dupacks=-1
if command -v tshark >/dev/null 2>&1 &&
    tshark -n -r "$tmp/cap.pcap" \
    -Y 'tcp.port == 5101 && tcp.analysis.duplicate_ack' \
    >"$tmp/dupacks" 2>"$tmp/dupacks.err"; then
	tshark_dupacks=$(wc -l <"$tmp/dupacks")
fi
TSHARK_DUPACKS=$tshark_dupacks python3 - "$tmp/conn" "$tmp/live.conn" <<'EOF' || fails=$((fails + 1))
import json, os, sys

RESENT = ("retransmission", "fast_retransmission",
          "spurious_retransmission", "out_of_order")
want = {
    5101: {"resent": 1, "dup_ack": 1},
    5102: {"zero_window": 1, "window_probe": 1},
    5103: {"out_of_order": 1},
}
ok = True
for path, what in ((sys.argv[1], "replay"), (sys.argv[2], "live")):
    conns = {}
    for line in open(path):
        r = json.loads(line)
        if r.get("proto") == "tcp" and r.get("id.resp_p") in want:
            conns.setdefault(r["id.resp_p"], []).append(r)
    for port, need in sorted(want.items()):
        rs = conns.get(port, [])
        if len(rs) != 1:
            print("FAIL: %s: %d connections to port %d, want 1"
                  % (what, len(rs), port))
            ok = False
            continue
        seen = rs[0].get("anomaly_counts", {})
        ac = dict(seen)
        ac["resent"] = sum(ac.get(k, 0) for k in RESENT)
        if port == 5101 and ac.get("out_of_order", 0) > 0 and \
                ac.get("dup_ack", 0) == 0 and \
                ac.get("retransmission", 0) == 0:
            ac["dup_ack"] = 1  # resent before any later segment arrived
        if port == 5101 and ac.get("dup_ack", 0) == 0 and \
                ac["resent"] > 0 and \
                int(os.environ.get("TSHARK_DUPACKS", "-1")) == 0:
            # resent on a timer before B saw a later segment (a loaded
            # host): the capture holds no duplicate ACK, tshark agrees
            print("loss.sh: %s port 5101: no duplicate ACK in the "
                  "capture, tshark counts none either" % what)
            ac["dup_ack"] = 1
        print("loss.sh: %s port %d: %s, handshake_rtt %s" %
              (what, port, json.dumps(seen, sort_keys=True),
               rs[0].get("handshake_rtt")))
        for k, lo in need.items():
            if ac.get(k, 0) < lo:
                print("FAIL: %s port %d: %s = %d, want >= %d"
                      % (what, port, k, ac.get(k, 0), lo))
                ok = False
sys.exit(0 if ok else 1)
EOF
for m in fast_retransmission 'dup_ack #2' out_of_order window_probe \
    window_probe_ack window_update; do
	n=$(grep -c "\[$m" "$tmp/events")
	echo "loss.sh: packets marked [$m: $n"
done
if command -v tshark >/dev/null 2>&1; then
	python3 "$compare" --synscope "$SYNSCOPE" --threshold 0 "$tmp/cap.pcap" |
	    sed 's/^/loss.sh: tshark comparison: /'
fi

[ "$fails" -eq 0 ] || { echo "loss.sh: $fails failures" >&2; exit 1; }
echo "PASS: loss.sh"
exit 0
