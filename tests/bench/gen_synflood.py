#!/usr/bin/env python3
"""gen_synflood.py - write hostile-traffic captures for the benchmark.

Python 3 standard library only; the pcap file (Ethernet, nanosecond
timestamps) is written directly with struct.  Every kind is seeded, so the
same arguments always give the same file.

Kinds:
  synflood  COUNT SYNs (default 2,000,000), each from its own random source
            (random IPv4 address and port, --v6 share from random IPv6
            addresses) to one server, at --rate packets per second of packet
            time.  With --answer F, that share of the SYNs is answered by a
            SYN-ACK (as a server with SYN cookies would), which the spoofed
            sources never acknowledge.
  garbage   COUNT random packets: random bytes, Ethernet + IPv4/IPv6 headers
            with random fields and bogus lengths, 802.1Q stacks, and
            well-formed TCP/IPv4 headers with random flags, offsets and
            option bytes on a small set of 4-tuples (so they land on live
            flows); 5% cut short by the snaplen (caplen < len, even 0).
  collide   COUNT flows (default 1,000,000) that differ in one field only:
            first every source port of one IPv4 address pair (64,512 flows),
            then IPv6 flows whose source addresses differ only in their low
            32 bits.  Each flow is a SYN, SYN-ACK, ACK handshake, interleaved
            so that lookups do not all hit the newest flow.  With --tail S,
            S seconds of one-byte segments on random flows follow (to keep
            a live view busy with a full table).
            synscope hashes flows with SipHash under a random key chosen per
            run, so true collisions cannot be crafted offline; near-identical
            keys are what an attacker without the key can do, and what a
            weak hash (one that ignores or barely mixes some key bytes) would
            chain together.

Usage: gen_synflood.py [--kind K] [--count N] [--seed S] [--rate PPS] -o FILE
"""

import argparse
import random
import struct
import sys

LINKTYPE_ETHERNET = 1
PCAP_MAGIC_NS = 0xA1B23C4D
START_NS = 1767225600 * 10**9          # 2026-01-01T00:00:00Z

SERVER_MAC = bytes.fromhex('02000000aa01')
ROUTER_MAC = bytes.fromhex('02000000bb01')
SERVER4 = bytes([10, 77, 2, 10])
SERVER6 = bytes.fromhex('fd770002000000000000000000000010')
ETH_IP4 = ROUTER_MAC + SERVER_MAC + b'\x08\x00'   # towards the server
ETH_IP4_R = SERVER_MAC + ROUTER_MAC + b'\x08\x00'
ETH_IP6 = ROUTER_MAC + SERVER_MAC + b'\x86\xdd'
ETH_IP6_R = SERVER_MAC + ROUTER_MAC + b'\x86\xdd'

# Linux-like SYN options: MSS 1460, SACK permitted, timestamps, NOP, wscale 7
SYN_OPTS_HEAD = b'\x02\x04\x05\xb4\x04\x02\x08\x0a'
SYN_OPTS_TAIL = b'\x01\x03\x03\x07'

SYN, RST, ACK, FIN, PSH = 0x02, 0x04, 0x10, 0x01, 0x08


def csum(data, start=0):
    """Internet checksum of data (even or odd length) plus start."""
    if len(data) & 1:
        data += b'\x00'
    s = start + sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class PcapWriter:
    """Buffered pcap writer, nanosecond timestamps."""

    def __init__(self, path, snaplen=262144):
        self.f = open(path, 'wb')
        self.f.write(struct.pack('<IHHiIII', PCAP_MAGIC_NS, 2, 4, 0, 0,
                                 snaplen, LINKTYPE_ETHERNET))
        self.buf = []
        self.n = 0
        self.rec = struct.Struct('<IIII')

    def add(self, ts_ns, data, orig_len=None):
        if orig_len is None:
            orig_len = len(data)
        self.buf.append(self.rec.pack(ts_ns // 10**9, ts_ns % 10**9,
                                      len(data), orig_len))
        self.buf.append(data)
        self.n += 1
        if len(self.buf) >= 65536:
            self.f.write(b''.join(self.buf))
            self.buf = []

    def close(self):
        self.f.write(b''.join(self.buf))
        self.f.close()


def ip4(src, dst, proto, payload, ident, ttl=64):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident,
                      0x4000, ttl, proto, 0, src, dst)
    c = csum(hdr)
    return hdr[:10] + struct.pack('!H', c) + hdr[12:] + payload


def ip6(src, dst, nxt, payload, hlim=64):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nxt, hlim,
                       src, dst) + payload


def tcp(src, dst, sport, dport, seq, ack, flags, win, opts=b'', data=b''):
    """TCP segment with a correct checksum; src/dst 4 or 16 bytes."""
    off = (20 + len(opts)) // 4
    seg = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags,
                      win, 0, 0) + opts + data
    if len(src) == 4:
        pseudo = src + dst + struct.pack('!BBH', 0, 6, len(seg))
    else:
        pseudo = src + dst + struct.pack('!IxxxB', len(seg), 6)
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack('!H', c) + seg[18:]


def syn_opts(tsval, tsecr=0):
    return SYN_OPTS_HEAD + struct.pack('!II', tsval, tsecr) + SYN_OPTS_TAIL


def random_v4(rnd):
    """A random unicast-looking IPv4 address other than the server's."""
    while True:
        a = rnd.getrandbits(32)
        first = a >> 24
        if first in (0, 10, 127) or first >= 224:
            continue
        return a.to_bytes(4, 'big')


def gen_synflood(w, rnd, count, rate, v6_share, answer):
    gap = max(1, 10**9 // rate)
    ts = START_NS
    for i in range(count):
        sport = rnd.randrange(1024, 65536)
        dport = 80 if rnd.random() < 0.8 else 443
        seq = rnd.getrandbits(32)
        tsval = rnd.getrandbits(32)
        ttl = rnd.randrange(32, 129)
        if v6_share and rnd.random() < v6_share:
            src = b'\x20\x01' + rnd.getrandbits(112).to_bytes(14, 'big')
            seg = tcp(src, SERVER6, sport, dport, seq, 0, SYN, 64800,
                      syn_opts(tsval))
            w.add(ts, ETH_IP6 + ip6(src, SERVER6, 6, seg, ttl))
            rsrc, reth = SERVER6, ETH_IP6_R
        else:
            src = random_v4(rnd)
            seg = tcp(src, SERVER4, sport, dport, seq, 0, SYN, 64240,
                      syn_opts(tsval))
            w.add(ts, ETH_IP4 + ip4(src, SERVER4, 6, seg, i & 0xFFFF, ttl))
            rsrc, reth = SERVER4, ETH_IP4_R
        ts += gap
        if answer and rnd.random() < answer:
            seg = tcp(rsrc, src, dport, sport, rnd.getrandbits(32),
                      (seq + 1) & 0xFFFFFFFF, SYN | ACK, 65160,
                      syn_opts(rnd.getrandbits(32), tsval))
            if len(rsrc) == 4:
                w.add(ts, reth + ip4(rsrc, src, 6, seg, 0))
            else:
                w.add(ts, reth + ip6(rsrc, src, 6, seg))
            ts += gap


def gen_garbage(w, rnd, count, rate):
    gap = max(1, 10**9 // rate)
    ts = START_NS
    rb = rnd.randbytes
    # a small set of 4-tuples so that random TCP segments hit live flows
    tuples = [(random_v4(rnd), SERVER4, rnd.randrange(1024, 65536),
               rnd.choice((22, 80, 443))) for _ in range(256)]
    for _ in range(count):
        r = rnd.random()
        if r < 0.20:                       # random bytes, random link header
            pkt = rb(rnd.randrange(0, 129))
        elif r < 0.40:                     # IPv4 header with random fields
            ver_ihl = 0x40 | rnd.randrange(0, 16)
            hdr = struct.pack('!BBHHHBB', ver_ihl, rnd.getrandbits(8),
                              rnd.getrandbits(16), rnd.getrandbits(16),
                              rnd.getrandbits(16), rnd.getrandbits(8),
                              rnd.choice((1, 4, 6, 17, 41, 47, 50, 58,
                                          132, rnd.getrandbits(8))))
            hdr += rb(2) + random_v4(rnd) + SERVER4
            pkt = ETH_IP4 + hdr + rb(rnd.randrange(0, 80))
        elif r < 0.55:                     # IPv6 with random extension chain
            nxt = rnd.choice((0, 43, 44, 60, 6, 17, 58, 59,
                              rnd.getrandbits(8)))
            body = rb(rnd.randrange(0, 80))
            plen = rnd.choice((len(body), rnd.getrandbits(16)))
            pkt = ETH_IP6 + struct.pack(
                '!IHBB16s16s', 0x60000000 | rnd.getrandbits(20), plen, nxt,
                64, b'\x20\x01' + rb(14), SERVER6) + body
        elif r < 0.65:                     # 802.1Q / QinQ stacks
            depth = rnd.randrange(1, 6)
            tags = b''.join(rnd.choice((b'\x81\x00', b'\x88\xa8', b'\x91\x00'))
                            + rb(2) for _ in range(depth))
            inner = rnd.choice((b'\x08\x00', b'\x86\xdd', b'\x88\x47', rb(2)))
            pkt = ROUTER_MAC + SERVER_MAC + tags + inner + \
                rb(rnd.randrange(0, 80))
        else:                              # TCP/IPv4 with random flags/options
            src, dst, sport, dport = rnd.choice(tuples)
            if rnd.random() < 0.5:
                src, dst, sport, dport = dst, src, dport, sport
            opts = rb(rnd.randrange(0, 11) * 4)
            data = rb(rnd.choice((0, 0, 1, rnd.randrange(0, 60))))
            seg = tcp(src, dst, sport, dport, rnd.getrandbits(32),
                      rnd.getrandbits(32), rnd.getrandbits(8),
                      rnd.getrandbits(16), opts, data)
            if rnd.random() < 0.2:         # a lying data offset
                seg = seg[:12] + bytes([rnd.getrandbits(8)]) + seg[13:]
            eth = ETH_IP4 if dst == SERVER4 else ETH_IP4_R
            pkt = eth + ip4(src, dst, 6, seg, rnd.getrandbits(16))
        orig = len(pkt)
        if rnd.random() < 0.05:            # cut short by the snaplen
            pkt = pkt[:rnd.randrange(0, len(pkt) + 1)]
        # (caplen > len cannot come off a wire: that is a corrupt file,
        # not hostile traffic, and is not generated)
        w.add(ts, pkt, orig)
        ts += gap


def gen_collide(w, rnd, count, rate, window=2000, tail=0, tail_rate=1000):
    """count flows differing in one field; SYN, SYN-ACK, ACK each; then
    tail seconds of one-byte segments on random flows at tail_rate pps."""
    gap = max(1, 10**9 // rate)
    client4 = bytes([10, 66, 0, 1])
    v6_prefix = bytes.fromhex('fd660000000000000000aaaa')   # 12 bytes

    def flow(i):
        if i < 64512:
            return client4, SERVER4, 1024 + i, 80
        return v6_prefix + (i - 64512).to_bytes(4, 'big'), SERVER6, 40000, 80

    def isn(i, side):
        return (i * 2654435761 + side * 0x9E3779B9) & 0xFFFFFFFF

    def emit(ts, src, dst, sport, dport, seq, ack, flags, opts, data=b''):
        seg = tcp(src, dst, sport, dport, seq, ack, flags, 64240, opts, data)
        if len(src) == 4:
            eth = ETH_IP4 if dst == SERVER4 else ETH_IP4_R
            w.add(ts, eth + ip4(src, dst, 6, seg, 0))
        else:
            eth = ETH_IP6 if dst == SERVER6 else ETH_IP6_R
            w.add(ts, eth + ip6(src, dst, 6, seg))

    ts = START_NS
    half = window // 2
    for step in range(count + window):
        i = step                         # SYN of flow i
        if i < count:
            c, s, cp, sp = flow(i)
            emit(ts, c, s, cp, sp, isn(i, 0), 0, SYN, syn_opts(i))
            ts += gap
        i = step - half                  # SYN-ACK of an older flow
        if 0 <= i < count:
            c, s, cp, sp = flow(i)
            emit(ts, s, c, sp, cp, isn(i, 1), (isn(i, 0) + 1) & 0xFFFFFFFF,
                 SYN | ACK, syn_opts(i + 7, i))
            ts += gap
        i = step - window                # ACK of an even older one
        if 0 <= i < count:
            c, s, cp, sp = flow(i)
            emit(ts, c, s, cp, sp, (isn(i, 0) + 1) & 0xFFFFFFFF,
                 (isn(i, 1) + 1) & 0xFFFFFFFF, ACK, b'')
            ts += gap
    # keep the table live: a trickle of data on random flows
    sent = {}
    tgap = max(1, 10**9 // tail_rate)
    for _ in range(int(tail * tail_rate)):
        i = rnd.randrange(count)
        c, s, cp, sp = flow(i)
        k = sent.get(i, 0)
        emit(ts, c, s, cp, sp, (isn(i, 0) + 1 + k) & 0xFFFFFFFF,
             (isn(i, 1) + 1) & 0xFFFFFFFF, ACK | PSH, b'', b'x')
        sent[i] = k + 1
        ts += tgap


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kind', choices=('synflood', 'garbage', 'collide'),
                    default='synflood')
    ap.add_argument('--count', type=int, default=None,
                    help='SYNs (synflood), packets (garbage) or flows '
                         '(collide)')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--rate', type=int, default=200000,
                    help='packets per second of packet time')
    ap.add_argument('--v6', type=float, default=0.0,
                    help='synflood: share of IPv6 sources')
    ap.add_argument('--answer', type=float, default=0.0,
                    help='synflood: share of SYNs answered by a SYN-ACK')
    ap.add_argument('--tail', type=float, default=0,
                    help='collide: seconds of one-byte segments on random '
                         'flows after the handshakes')
    ap.add_argument('--tail-rate', type=int, default=1000,
                    help='collide: packets per second of the tail')
    ap.add_argument('-o', '--output', required=True)
    a = ap.parse_args()
    defaults = {'synflood': 2000000, 'garbage': 1000000, 'collide': 1000000}
    count = a.count if a.count is not None else defaults[a.kind]
    rnd = random.Random(a.seed)
    w = PcapWriter(a.output)
    if a.kind == 'synflood':
        gen_synflood(w, rnd, count, a.rate, a.v6, a.answer)
    elif a.kind == 'garbage':
        gen_garbage(w, rnd, count, a.rate)
    else:
        gen_collide(w, rnd, count, a.rate, tail=a.tail, tail_rate=a.tail_rate)
    w.close()
    print('%s: %d packets (%s)' % (a.output, w.n, a.kind), file=sys.stderr)


if __name__ == '__main__':
    main()
