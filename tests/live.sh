#!/bin/sh
# tests/live.sh - live capture: synscope -i on a veth pair between two
# network namespaces, stopped with SIGINT.
#
# Namespace A (10.201.0.1/24, fd00:201::1/64) talks to namespace B
# (10.201.0.2/24, fd00:201::2/64), where a TCP and a UDP echo server run.
# "synscope -i <veth in A> -o conn -w FILE" captures: 5 TCP connections
# over IPv4 and 2 over IPv6, 3 UDP exchanges over IPv4 and 1 over IPv6.
# Then SIGINT must stop it cleanly (status 0), every connection and UDP
# flow (identified by the client's port) must appear exactly once in the
# conn output with the right protocol, endpoints and packets both ways,
# and the -w file must be a valid capture holding every packet read.
#
# No packet leaves the two namespaces.  Needs root (network namespaces),
# ip(8), python3 and timeout(1): without them the test is skipped (77),
# except that with CI=true it fails instead.
set -u

name=live.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"


need_synscope
case $SYNSCOPE in
/*) ;;
*) SYNSCOPE="$(pwd)/$SYNSCOPE" ;;
esac
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
for tool in ip python3 timeout; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not found"
done

NSA="ssA$$"
NSB="ssB$$"
IFA="ssva$$"
IFB="ssvb$$"
A4=10.201.0.1
B4=10.201.0.2
A6=fd00:201::1
B6=fd00:201::2
TCP_PORT=5001
UDP_PORT=5002

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-live.XXXXXX") || exit 99
server_pid=""
ss_pid=""
ns_made=""

cleanup() {
	for p in $ss_pid $server_pid; do
		kill -KILL "$p" 2>/dev/null
	done
	netns_del
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- network
netns_pair "$NSA" "$NSB" "$IFA" "$IFB" "$A4" "$B4" "$A6" "$B6"

# ---------------------------------------------------------------- servers
cat >"$tmp/server.py" <<'EOF'
# TCP and UDP echo servers on every address (IPv4 and IPv6).
import socket, sys, threading
tcp_port, udp_port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def dual(kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s

def echo_tcp(c):
    with c:
        c.settimeout(20)
        while True:
            data = c.recv(4096)
            if not data:
                break
            c.sendall(data)

def tcp_server(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo_tcp, args=(c,), daemon=True).start()

t = dual(socket.SOCK_STREAM)
t.bind(('::', tcp_port))
t.listen(16)
u = dual(socket.SOCK_DGRAM)
u.bind(('::', udp_port))
threading.Thread(target=tcp_server, args=(t,), daemon=True).start()
open(ready, 'w').write('ready\n')
while True:
    data, peer = u.recvfrom(4096)
    u.sendto(data, peer)
EOF

cat >"$tmp/client.py" <<'EOF'
# The traffic: prints "proto family local-port" for every flow it made.
import socket, sys
b4, b6, tcp_port, udp_port = sys.argv[1:5]
tcp_port, udp_port = int(tcp_port), int(udp_port)
ok = True

def tcp(addr, fam, n):
    global ok
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((addr, tcp_port))
    port = s.getsockname()[1]
    msg = b'synscope live test tcp %d\n' % n
    s.sendall(msg)
    got = b''
    while len(got) < len(msg):
        d = s.recv(4096)
        if not d:
            break
        got += d
    if got != msg:
        print('client: tcp echo mismatch on port %d' % port, file=sys.stderr)
        ok = False
    s.shutdown(socket.SHUT_WR)
    s.recv(4096)            # the server's FIN
    s.close()
    print('tcp %s %d' % ('ip6' if fam == socket.AF_INET6 else 'ip4', port))

def udp(addr, fam, n):
    global ok
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect((addr, udp_port))
    port = s.getsockname()[1]
    msg = b'synscope live test udp %d' % n
    for _ in range(5):
        s.send(msg)
        try:
            if s.recv(4096) == msg:
                break
        except socket.timeout:
            continue
    else:
        print('client: no udp echo on port %d' % port, file=sys.stderr)
        ok = False
    s.close()
    print('udp %s %d' % ('ip6' if fam == socket.AF_INET6 else 'ip4', port))

for n in range(5):
    tcp(b4, socket.AF_INET, n)
for n in range(2):
    tcp(b6, socket.AF_INET6, n)
for n in range(3):
    udp(b4, socket.AF_INET, n)
udp(b6, socket.AF_INET6, 0)
sys.exit(0 if ok else 1)
EOF

timeout 120 ip netns exec "$NSB" python3 "$tmp/server.py" \
    "$TCP_PORT" "$UDP_PORT" "$tmp/server.ready" 2>"$tmp/server.err" &
server_pid=$!
i=0
until [ -f "$tmp/server.ready" ]; do
	i=$((i + 1))
	[ "$i" -le 100 ] || die "echo servers did not start:" \
	    "$(cat "$tmp/server.err")"
	sleep 0.1
done

# ---------------------------------------------------------------- capture
# "ip netns exec" execs the command, so $! is synscope itself.
ip netns exec "$NSA" "$SYNSCOPE" -i "$IFA" -o conn -w "$tmp/cap.pcap" \
    >"$tmp/conn.out" 2>"$tmp/ss.err" </dev/null &
ss_pid=$!

# Send a marker datagram (to the UDP echo server) until it shows up in
# the -w file, which synscope flushes after every batch it reads: then
# the capture is surely running.  $1 = marker text.
send_marker() {
	m=$1
	i=0
	while :; do
		timeout 5 ip netns exec "$NSA" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode(), (sys.argv[2], int(sys.argv[3])))
' "$m" "$B4" "$UDP_PORT"
		j=0
		while [ "$j" -lt 5 ]; do
			if [ -f "$tmp/cap.pcap" ] &&
			    grep -a -q "$m" "$tmp/cap.pcap"; then
				return 0
			fi
			kill -0 "$ss_pid" 2>/dev/null || return 1
			sleep 0.1
			j=$((j + 1))
		done
		i=$((i + 1))
		[ "$i" -lt 40 ] || return 1
	done
}

send_marker "synscope-live-start-$$" ||
    die "synscope did not capture the start marker (stderr:" \
	"$(cat "$tmp/ss.err"))"

timeout 60 ip netns exec "$NSA" python3 "$tmp/client.py" "$B4" "$B6" \
    "$TCP_PORT" "$UDP_PORT" >"$tmp/client.out" 2>"$tmp/client.err" ||
    fail "client traffic failed: $(cat "$tmp/client.err")"

# Everything sent before the end marker has been read once it is seen.
send_marker "synscope-live-end-$$" ||
    fail "synscope did not capture the end marker"

# ---------------------------------------------------------------- stop
kill -INT "$ss_pid" 2>/dev/null || fail "synscope exited before SIGINT"
i=0
while kill -0 "$ss_pid" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		kill -KILL "$ss_pid" 2>/dev/null
		die "synscope did not stop within 10 s of SIGINT"
	fi
	sleep 0.1
done
wait "$ss_pid"
rc=$?
ss_pid=""
[ "$rc" = 0 ] || fail "synscope exited with status $rc after SIGINT," \
    "expected 0 (stderr: $(cat "$tmp/ss.err"))"
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation' \
    "$tmp/ss.err" >/dev/null; then
	fail "sanitizer or crash report on stderr:"
	head -20 "$tmp/ss.err" >&2
fi
# The one line of a live run: the capture summary.
if [ "$(wc -l <"$tmp/ss.err")" -ne 1 ] ||
    ! grep -q '^synscope: [0-9]* packets captured' "$tmp/ss.err"; then
	fail "stderr should be the one summary line" \
	    "'synscope: N packets captured, ...', got: $(cat "$tmp/ss.err")"
fi
captured=$(sed -n 's/^synscope: \([0-9]*\) packets captured.*/\1/p' \
    "$tmp/ss.err")

kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=""

# ---------------------------------------------------------------- verify
ntcp=$(grep -c '^tcp ' "$tmp/client.out")
nudp=$(grep -c '^udp ' "$tmp/client.out")
[ "$ntcp" = 7 ] && [ "$nudp" = 4 ] ||
    fail "client made $ntcp TCP connections and $nudp UDP exchanges," \
	"expected 7 and 4"

python3 - "$tmp/conn.out" "$tmp/client.out" "$A4" "$B4" "$A6" "$B6" \
    "$TCP_PORT" "$UDP_PORT" <<'EOF' || fails=$((fails + 1))
import ipaddress, json, sys
conn, client, a4, b4, a6, b6, tport, uport = sys.argv[1:9]
tport, uport = int(tport), int(uport)
bad = 0
def fail(msg):
    global bad
    print('FAIL: conn output: ' + msg, file=sys.stderr)
    bad += 1

recs = []
for n, line in enumerate(open(conn), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        fail('line %d is not JSON (%s): %.200s' % (n, e, line))
if not recs:
    fail('no records at all')

def addr(s):
    try:
        return ipaddress.ip_address(s)
    except ValueError:
        return None

for line in open(client):
    proto, fam, port = line.split()
    port = int(port)
    cli, srv = (a6, b6) if fam == 'ip6' else (a4, b4)
    sport = tport if proto == 'tcp' else uport
    # every record that involves this client port and the server
    mine = [r for r in recs
            if r.get('proto') == proto and
            {r.get('id.orig_p'), r.get('id.resp_p')} == {port, sport} and
            {addr(r.get('id.orig_h')), addr(r.get('id.resp_h'))} ==
            {addr(cli), addr(srv)}]
    what = '%s %s client port %d' % (proto, fam, port)
    if len(mine) != 1:
        fail('%s: %d records, expected exactly 1' % (what, len(mine)))
        continue
    r = mine[0]
    if (addr(r['id.orig_h']), r['id.orig_p']) != (addr(cli), port) or \
       (addr(r['id.resp_h']), r['id.resp_p']) != (addr(srv), sport):
        fail('%s: endpoints %s:%s -> %s:%s, expected %s:%d -> %s:%d' %
             (what, r['id.orig_h'], r['id.orig_p'], r['id.resp_h'],
              r['id.resp_p'], cli, port, srv, sport))
    for k in ('orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes'):
        if not isinstance(r.get(k), int) or r[k] <= 0:
            fail('%s: %s is %r, expected > 0' % (what, k, r.get(k)))
    if proto == 'tcp' and r.get('orig_pkts', 0) < 3:
        fail('%s: only %r packets from the client (SYN, ACK, data and '
             'FIN expected)' % (what, r.get('orig_pkts')))
    for k in ('ts', 'uid', 'stream'):
        if k not in r:
            fail('%s: no "%s" field' % (what, k))
uids = [r.get('uid') for r in recs]
if len(uids) != len(set(uids)):
    fail('uids are not unique')
sys.exit(1 if bad else 0)
EOF

# The -w file: a valid pcap with every packet synscope read.
python3 - "$tmp/cap.pcap" "${captured:-?}" <<'EOF' || fails=$((fails + 1))
import struct, sys
path, captured = sys.argv[1], sys.argv[2]
d = open(path, 'rb').read()
def fail(msg):
    print('FAIL: -w file %s' % msg, file=sys.stderr)
    sys.exit(1)
if len(d) < 24:
    fail('is shorter than a pcap header (%d bytes)' % len(d))
magic = d[:4]
if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
    e = '<'
elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
    e = '>'
else:
    fail('has a bad magic number %s' % magic.hex())
vmaj, vmin, _, _, snap, link = struct.unpack(e + 'HHiIII', d[4:24])
if (vmaj, vmin) != (2, 4) or link != 1:
    fail('header: version %d.%d link type %d, expected 2.4 and 1 '
         '(Ethernet)' % (vmaj, vmin, link))
off, n = 24, 0
while off < len(d):
    if off + 16 > len(d):
        fail('ends inside a record header after %d records' % n)
    caplen, length = struct.unpack(e + 'II', d[off + 8:off + 16])
    if caplen > snap or caplen > length:
        fail('record %d: caplen %d, len %d, snaplen %d' %
             (n, caplen, length, snap))
    off += 16 + caplen
    n += 1
if off != len(d):
    fail('ends inside record %d' % n)
if captured != '?' and int(captured) != n:
    fail('holds %d packets, synscope reported %s captured' % (n, captured))
EOF
if command -v tcpdump >/dev/null 2>&1; then
	if ! tcpdump -n -r "$tmp/cap.pcap" >"$tmp/td.out" 2>"$tmp/td.err"; then
		fail "tcpdump cannot read the -w file: $(cat "$tmp/td.err")"
	fi
	n=$(wc -l <"$tmp/td.out")
	[ -z "$captured" ] || [ "$n" = "$captured" ] ||
	    fail "tcpdump reads $n packets from the -w file, synscope" \
		"reported $captured"
	# tcp[] only reaches IPv4; the IPv6 packets have no extension
	# headers, so their TCP flags are at ip6[40 + 13].
	syns=$(tcpdump -n -r "$tmp/cap.pcap" \
	    "tcp dst port $TCP_PORT and ((ip and tcp[tcpflags] & tcp-syn != 0)
	    or (ip6 and ip6[53] & 2 != 0))" 2>/dev/null | wc -l)
	[ "$syns" = 7 ] || fail "the -w file holds $syns SYNs to port" \
	    "$TCP_PORT, expected 7"
fi

echo "live.sh: $(wc -l <"$tmp/conn.out") conn records," \
    "${captured:-?} packets captured, $fails failures"
[ "$fails" -eq 0 ] || exit 1
exit 0
