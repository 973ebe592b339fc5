#!/bin/sh
# tests/signals.sh - signals and privileges, end to end.
#
# SIGTERM and SIGINT while a file is replayed on its own clock
# (--speed 1): exit status 0 and nothing on stderr, the connection still
# open written out (its conn record or flow_end event), the stats record
# last, and the -w file complete: synscope and tcpdump read back exactly
# the packets the stats record counts.
#
# As root: -Z nobody during a live capture on the loopback interface
# drops to nobody's user, group and supplementary groups with no
# capability left, while the -w file opened before still grows; -Z with
# an unknown user is one line and status 1; and a user without the
# capture capability gets one line naming it and status 1.
#
# Without root the second part is skipped (77), except that with CI=true
# it fails instead.  Waits poll with a generous bound and assert nothing
# about wall-clock time.
set -u

name=signals.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"

need_synscope
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-signals.XXXXXX") || exit 99
ss_pid=""
cleanup() {
	[ -n "$ss_pid" ] && kill -KILL "$ss_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ncase=0

# wait_until CMD...: poll a condition for up to 20 s
wait_until() {
	i=0
	while [ $i -lt 200 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stop PID SIGNAL: send it and wait (10 s at most) for the exit status
stop() {
	kill "-$2" "$1" 2>/dev/null || { fail "$2: process $1 already gone"; }
	i=0
	while kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			kill -KILL "$1" 2>/dev/null
			fail "$2: no exit within 10 s"
			break
		fi
	done
	wait "$1"
	rc=$?
	ss_pid=""
}

# A field of the json stats record (the last line).
stats_field() {
	tail -1 "$1" | sed -n 's/.*"type":"stats".*"'"$2"'":\([0-9]*\).*/\1/p'
}

# One TCP connection left open (a handshake, then 20 s of data and
# ACKs) and a UDP query every 2 s: 413 packets over 20 s.
python3 - "$tmp/slow.pcap" <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def ip4(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64,
                    proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def tcp(src, dst, sp, dp, seq, ack, flags, data=b''):
    t = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535,
                    0, 0) + data
    ph = struct.pack('!4s4sBBH', bytes(src), bytes(dst), 0, 6, len(t))
    t = t[:16] + struct.pack('!H', csum(ph + t)) + t[18:]
    return ip4(src, dst, 6, t)

def udp(src, dst, sp, dp, data):
    return ip4(src, dst, 17, struct.pack('!HHHH', sp, dp, 8 + len(data), 0)
               + data)

C, S = [10, 9, 0, 1], [10, 9, 0, 2]
pk, t = [], 1000.0
for p in (tcp(C, S, 40000, 80, 100, 0, 0x02),
          tcp(S, C, 80, 40000, 500, 101, 0x12),
          tcp(C, S, 40000, 80, 101, 501, 0x10)):
    pk.append((t, p))
    t += 0.01
seq = 101
for i in range(200):
    pk.append((t, tcp(C, S, 40000, 80, seq, 501, 0x18, b'x' * 10)))
    seq += 10
    t += 0.05
    pk.append((t, tcp(S, C, 80, 40000, 501, seq, 0x10)))
    t += 0.05
    if i % 20 == 0:
        pk.append((t, udp(C, S, 5353, 53, b'q' * 8)))
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    for ts, p in pk:
        fr = b'\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00' + p
        s = int(ts)
        us = int(round((ts - s) * 1e6))
        f.write(struct.pack('<IIII', s, us, len(fr), len(fr)) + fr)
EOF
[ -s "$tmp/slow.pcap" ] || { echo "signals.sh: cannot make the capture" >&2; exit 99; }

# ------------------------------------------- SIGTERM, SIGINT during replay
for sig in TERM INT; do
	for fmt in json conn; do
		ncase=$((ncase + 1))
		what="SIG$sig during replay (-o $fmt -w)"
		rm -f "$tmp/w.pcap"
		"$SYNSCOPE" -r "$tmp/slow.pcap" --speed 1 -o "$fmt" \
		    -w "$tmp/w.pcap" >"$tmp/out" 2>"$tmp/err" &
		ss_pid=$!
		# under way (the replay takes 20 s; the output may sit in
		# stdio's buffer until the end)
		sleep 1
		stop "$ss_pid" "$sig"
		[ "$rc" = 0 ] || fail "$what: exit status $rc, expected 0"
		[ -s "$tmp/err" ] && fail "$what: stderr: $(head -c 300 "$tmp/err")"
		# the open connection written out at the signal
		if [ "$fmt" = json ]; then
			grep -q '"type":"flow_end".*"proto":"tcp"' "$tmp/out" ||
			    fail "$what: no flow_end for the open connection"
			n=$(stats_field "$tmp/out" packets)
			case $n in
			''|0) fail "$what: no stats record last"; n=-1 ;;
			esac
			[ "$n" -lt 413 ] || fail "$what: all $n packets read:" \
			    "the signal came after the end"
		else
			grep -q '"id.orig_p":40000.*"proto":"tcp"' "$tmp/out" ||
			    fail "$what: no conn record for the open connection"
			n=""
		fi
		# the -w file: complete, every packet read
		"$SYNSCOPE" -r "$tmp/w.pcap" -o json >"$tmp/back" 2>"$tmp/err2"
		rc2=$?
		[ "$rc2" = 0 ] && [ ! -s "$tmp/err2" ] ||
		    fail "$what: -w file: exit $rc2: $(head -c 300 "$tmp/err2")"
		m=$(stats_field "$tmp/back" packets)
		[ -z "$n" ] || [ "$m" = "$n" ] ||
		    fail "$what: -w file holds $m packets, the stats said $n"
		if command -v tcpdump >/dev/null 2>&1; then
			k=$(tcpdump -n -r "$tmp/w.pcap" 2>"$tmp/err2" | wc -l)
			grep -qi 'truncated\|error' "$tmp/err2" &&
			    fail "$what: tcpdump: $(cat "$tmp/err2")"
			[ "$k" = "$m" ] || fail "$what: tcpdump reads $k" \
			    "packets, synscope $m"
		fi
	done
done

# ------------------------------------------------------------ as root only
if [ "$(id -u)" != 0 ]; then
	echo "signals.sh: $ncase cases, $fails failures"
	[ $fails -eq 0 ] || exit 1
	skip "not root: -Z and the missing capture permission need root"
fi
for tool in setpriv id; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done
id nobody >/dev/null 2>&1 || skip "no user nobody"
uid=$(id -u nobody)
gid=$(id -g nobody)
groups=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')

# ----------------------------------------- -Z nobody during a live capture
ncase=$((ncase + 1))
"$SYNSCOPE" -i lo -Z nobody -o json -w "$tmp/z.pcap" >"$tmp/out" \
    2>"$tmp/err" &
ss_pid=$!
status_has() {
	grep -q "^Uid:[[:space:]]*$uid[[:space:]]" "/proc/$ss_pid/status" \
	    2>/dev/null
}
if ! wait_until status_has; then
	fail "-Z nobody: the process never ran as uid $uid" \
	    "($(cat "$tmp/err"))"
else
	st=/proc/$ss_pid/status
	set -- $(sed -n 's/^Uid:[[:space:]]*//p' "$st")
	[ "$*" = "$uid $uid $uid $uid" ] || fail "-Z nobody: Uid: $*"
	set -- $(sed -n 's/^Gid:[[:space:]]*//p' "$st")
	[ "$*" = "$gid $gid $gid $gid" ] || fail "-Z nobody: Gid: $*"
	g=$(sed -n 's/^Groups:[[:space:]]*//p' "$st" | tr ' ' '\n' |
	    grep . | sort -n | tr '\n' ' ')
	[ "$g" = "$groups" ] || fail "-Z nobody: Groups: '$g', expected" \
	    "'$groups'"
	for c in CapPrm CapEff; do
		v=$(sed -n "s/^$c:[[:space:]]*//p" "$st")
		[ "$v" = 0000000000000000 ] || fail "-Z nobody: $c $v"
	done
	# packets still flow into the -w file opened before the drop
	if command -v ping >/dev/null 2>&1; then
		ping -c 3 -i 0.2 -W 1 127.0.0.1 >/dev/null 2>&1
	else
		python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"x", ("127.0.0.1", 9)) for i in range(3)]'
	fi
	wait_until grep -q '"type":"flow_new"' "$tmp/out" ||
	    fail "-Z nobody: no flow seen after the drop"
fi
stop "$ss_pid" TERM
[ "$rc" = 0 ] || fail "-Z nobody: exit status $rc after SIGTERM"
# a live capture's summary, as tcpdump's, and nothing else
[ "$(wc -l <"$tmp/err")" = 1 ] &&
    grep -q '^synscope: [0-9]* packets captured' "$tmp/err" ||
    fail "-Z nobody: stderr: $(head -c 300 "$tmp/err")"
"$SYNSCOPE" -r "$tmp/z.pcap" -o json >"$tmp/back" 2>"$tmp/err2" ||
    fail "-Z nobody: -w file unreadable: $(cat "$tmp/err2")"
m=$(stats_field "$tmp/back" packets)
[ "${m:-0}" -gt 0 ] || fail "-Z nobody: the -w file holds no packet"

ncase=$((ncase + 1))
"$SYNSCOPE" -r "$tmp/slow.pcap" -Z nobody -o conn -w "$tmp/z2.pcap" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/err" ] ||
    fail "-Z nobody -r: exit $rc: $(head -c 300 "$tmp/err")"
"$SYNSCOPE" -r "$tmp/z2.pcap" -o json >"$tmp/back" 2>/dev/null
[ "$(stats_field "$tmp/back" packets)" = 413 ] ||
    fail "-Z nobody -r: the -w file does not hold the 413 packets"

ncase=$((ncase + 1))
"$SYNSCOPE" -r "$tmp/slow.pcap" -Z no-such-user-$$ -o conn >"$tmp/out" \
    2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || fail "-Z unknown user: exit status $rc, expected 1"
[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q '^synscope: ' "$tmp/err" ||
    fail "-Z unknown user: stderr: $(head -c 300 "$tmp/err")"

# ------------------------------------------ no permission to capture live
ncase=$((ncase + 1))
setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all \
    --bounding-set=-all "$SYNSCOPE" -i lo -c 1 -o json >"$tmp/out" \
    2>"$tmp/err" </dev/null
rc=$?
[ "$rc" = 1 ] || fail "no permission: exit status $rc, expected 1"
if [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q '^synscope: ' "$tmp/err"; then
	fail "no permission: expected one line, got: $(head -c 300 "$tmp/err")"
fi
grep -qi 'permission\|CAP_NET_RAW' "$tmp/err" ||
    fail "no permission: the line does not say why: $(cat "$tmp/err")"

echo "signals.sh: $ncase cases, $fails failures"
[ $fails -eq 0 ]
