#!/usr/bin/env python3
"""The endpoints and the delay line of tests/loss.sh (standard library only).

  loss_peer.py recv PORT READY [--rcvbuf N] [--pause-after BYTES]
                                 [--pause SECONDS] [--for SECONDS]
      accept one connection on 0.0.0.0:PORT (READY is written once
      listening), read it to the end, optionally stop reading for a while
      after BYTES (with a small SO_RCVBUF the window closes), and print
      the byte count.
  loss_peer.py send HOST PORT BYTES [--for SECONDS]
      connect, send BYTES, close, wait for the peer's close.
  loss_peer.py nfq QUEUE HOLD_MS READY [--for SECONDS]
      bind netfilter queue QUEUE (raw NETLINK_NETFILTER, no library) and
      accept every queued packet HOLD_MS after it arrived, in order.
      Packets queued there by an iptables rule are delayed; later packets
      that the rule does not select overtake them.

Every mode ends by itself after --for seconds (default 20).
"""

import argparse
import heapq
import os
import select
import socket
import struct
import sys
import time


def recv_mode(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.rcvbuf:
        # before listen(): the window scale is chosen from it
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)
    ls.bind(("0.0.0.0", a.port))
    ls.listen(1)
    ls.settimeout(a.limit)
    with open(a.ready, "w") as fh:
        fh.write("ready\n")
    c, _ = ls.accept()
    c.settimeout(a.limit)
    end = time.monotonic() + a.limit
    total, paused = 0, False
    while time.monotonic() < end:
        if a.pause and not paused and total >= a.pause_after:
            paused = True
            time.sleep(a.pause)
        d = c.recv(min(4096, a.rcvbuf or 4096))
        if not d:
            break
        total += len(d)
    c.close()
    print(total)


def send_mode(a):
    s = socket.create_connection((a.host, a.port), timeout=a.limit)
    s.settimeout(a.limit)
    chunk = b"x" * 65536
    left = a.bytes
    while left > 0:
        n = s.send(chunk[:min(left, len(chunk))])
        left -= n
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def nfq_mode(a):
    NETLINK_NETFILTER, SUBSYS_QUEUE = 12, 3
    T_PACKET = SUBSYS_QUEUE << 8
    T_VERDICT = (SUBSYS_QUEUE << 8) | 1
    T_CONFIG = (SUBSYS_QUEUE << 8) | 2
    F_REQUEST, F_ACK, NLMSG_ERROR = 1, 4, 2
    NF_ACCEPT = 1
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    nl.bind((0, 0))
    seq = [0]

    def msg(mtype, flags, attrs):
        body = struct.pack("!BBH", 0, 0, a.queue)     # nfgenmsg
        for atype, payload in attrs:
            alen = 4 + len(payload)
            body += struct.pack("=HH", alen, atype) + payload
            body += b"\0" * (-alen % 4)
        seq[0] += 1
        return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq[0],
                           0) + body

    def config(attrs):
        nl.send(msg(T_CONFIG, F_REQUEST | F_ACK, attrs))
        d = nl.recv(65536)
        _, ty = struct.unpack_from("=IH", d, 0)
        if ty == NLMSG_ERROR:
            err = struct.unpack_from("=i", d, 16)[0]
            if err:
                raise OSError(-err, "nfqueue config: " + os.strerror(-err))

    config([(1, struct.pack("!BBH", 1, 0, 0))])      # CMD_BIND
    config([(2, struct.pack("!IB", 0, 1))])          # PARAMS: copy meta
    with open(a.ready, "w") as fh:
        fh.write("ready\n")
    held = []
    end = time.monotonic() + a.limit
    n = 0
    while time.monotonic() < end:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, pid = heapq.heappop(held)
            nl.send(msg(T_VERDICT, F_REQUEST,
                        [(2, struct.pack("!II", NF_ACCEPT, pid))]))
        tmo = min(0.2, held[0][0] - now) if held else 0.2
        r, _, _ = select.select([nl], [], [], max(0.0, tmo))
        if not r:
            continue
        d = nl.recv(65536)
        off = 0
        while off + 16 <= len(d):
            ln, ty = struct.unpack_from("=IH", d, off)
            if ln < 16:
                break
            if ty == T_PACKET:
                p, stop = off + 20, off + ln
                while p + 4 <= stop:
                    alen, atype = struct.unpack_from("=HH", d, p)
                    if alen < 4:
                        break
                    if (atype & 0x3fff) == 1:        # PACKET_HDR
                        pid = struct.unpack_from("!I", d, p + 4)[0]
                        n += 1
                        heapq.heappush(held, (time.monotonic() +
                                              a.hold_ms / 1000.0, n, pid))
                        break
                    p += (alen + 3) & ~3
            off += (ln + 3) & ~3
    for _, _, pid in held:
        nl.send(msg(T_VERDICT, F_REQUEST,
                    [(2, struct.pack("!II", NF_ACCEPT, pid))]))
    print("held %d" % n)


def main():
    ap = argparse.ArgumentParser(description="endpoints for tests/loss.sh")
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("recv")
    r.add_argument("port", type=int)
    r.add_argument("ready")
    r.add_argument("--rcvbuf", type=int, default=0)
    r.add_argument("--pause-after", type=int, default=0)
    r.add_argument("--pause", type=float, default=0.0)
    s = sub.add_parser("send")
    s.add_argument("host")
    s.add_argument("port", type=int)
    s.add_argument("bytes", type=int)
    q = sub.add_parser("nfq")
    q.add_argument("queue", type=int)
    q.add_argument("hold_ms", type=float)
    q.add_argument("ready")
    for p in (r, s, q):
        p.add_argument("--for", dest="limit", type=float, default=20.0)
    a = ap.parse_args()
    {"recv": recv_mode, "send": send_mode, "nfq": nfq_mode}[a.mode](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
