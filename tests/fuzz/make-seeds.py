#!/usr/bin/env python3
"""make-seeds.py - turn pcap files into seed inputs of fuzz_engine.

    tests/fuzz/make-seeds.py OUTDIR FILE.pcap ...

An input of tests/fuzz/fuzz_engine.c is one control byte, then frames,
each a 2-byte big-endian length, a 1-byte time step in milliseconds and
the frame's bytes.  The control byte's bits 0-2 index the harness's link
types (below), bits 3 and 4 turn on the event lines and the JSON Lines,
bit 5 the reader thread's slot path and the view's model: every other
seed (in the order of the arguments) has it.
Each seed keeps the file's frames in order, up to SEED_MAX bytes (the
length the fuzzer is run with), with the gaps between packets in whole
milliseconds (at most 255).  From a pcapng file, the packets of its
first section's first interface.  Files that are neither (broken
headers) or whose link type the harness does not take are skipped with
a note.  Python standard library only.
"""
import os
import struct
import sys

# the harness's table, in its order: index -> LINKTYPE_ value in files
LINKTYPES = [1, 113, 276, 101, 0, 108, 228, 229]
SEED_MAX = 4096
PER_PACKET_OUTPUTS = 0x08 | 0x10
SLOT_PATH = 0x20


def frames_pcapng(data):
    """(linktype, [(time_ns, bytes)]) of a pcapng file: the packets of
    its first section's first interface (enhanced, simple and obsolete
    packet blocks), or None."""
    if len(data) < 28 or data[:4] != b'\x0a\x0d\x0d\x0a':
        return None
    bom = data[8:12]
    if bom == b'\x4d\x3c\x2b\x1a':
        e = '<'
    elif bom == b'\x1a\x2b\x3c\x4d':
        e = '>'
    else:
        return None
    ifaces, out, off = [], [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(e + 'II', data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        off += blen
        if btype == 0x0a0d0d0a and ifaces:
            break                           # a second section
        if btype == 1 and len(body) >= 8:   # interface description
            linktype, _, snaplen = struct.unpack(e + 'HHI', body[:8])
            unit = 1000                     # microseconds by default
            o = 8
            while o + 4 <= len(body):
                code, olen = struct.unpack(e + 'HH', body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and olen >= 1:     # if_tsresol
                    r = body[o + 4]
                    # nanoseconds per unit: 10^-r or 2^-r seconds
                    per = 10 ** (r & 0x7f) if r & 0x80 == 0 else \
                        2 ** (r & 0x7f)
                    unit = 10 ** 9 / per
                o += 4 + (olen + 3) // 4 * 4
            ifaces.append((linktype, unit, snaplen))
        elif btype in (6, 2) and len(body) >= 20 and ifaces:
            if btype == 6:
                iface, hi, lo, caplen = struct.unpack(e + 'IIII', body[:16])
            else:
                iface, _, hi, lo, caplen = struct.unpack(e + 'HHIII',
                                                         body[:16])
            if iface != 0 or caplen > len(body) - 20:
                continue
            out.append((int(((hi << 32) | lo) * ifaces[0][1]),
                        body[20:20 + caplen]))
        elif btype == 3 and len(body) >= 4 and ifaces:
            # a simple packet block: its original length, then the packet
            # up to the interface's snapshot length, then padding
            n = struct.unpack(e + 'I', body[:4])[0]
            if ifaces[0][2]:
                n = min(n, ifaces[0][2])
            out.append((out[-1][0] if out else 0, body[4:4 + n]))
    if not ifaces:
        return None
    return ifaces[0][0], out


def frames(path):
    """(linktype, [(time_ns, bytes)]) of a classic pcap or pcapng file,
    or None."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] == b'\x0a\x0d\x0d\x0a':
        return frames_pcapng(data)
    if len(data) < 24:
        return None
    magic = data[:4]
    order = {b'\xd4\xc3\xb2\xa1': ('<', 1000), b'\xa1\xb2\xc3\xd4': ('>', 1000),
             b'\x4d\x3c\xb2\xa1': ('<', 1), b'\xa1\xb2\x3c\x4d': ('>', 1)}
    if magic not in order:
        return None
    e, mult = order[magic]
    linktype = struct.unpack(e + 'I', data[20:24])[0] & 0x0fffffff
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if caplen > len(data) - off:
            break
        out.append((sec * 1000000000 + frac * mult, data[off:off + caplen]))
        off += caplen
    return linktype, out


def seed(linktype, pkts, slots):
    body = bytearray([LINKTYPES.index(linktype) | PER_PACKET_OUTPUTS |
                      (SLOT_PATH if slots else 0)])
    last = pkts[0][0] if pkts else 0
    for t, frame in pkts:
        step = max(0, min(255, (t - last) // 1000000))
        last = t
        rec = struct.pack('>HB', min(len(frame), 0xffff), step) + frame[:0xffff]
        if len(body) + len(rec) > SEED_MAX:
            break
        body += rec
    return bytes(body)


def main(argv):
    if len(argv) < 3:
        print('usage: make-seeds.py OUTDIR FILE.pcap ...', file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    made = 0
    for path in argv[2:]:
        got = frames(path)
        name = os.path.basename(path)
        if got is None:
            print('skipped (not a pcap or pcapng file): %s' % name)
            continue
        linktype, pkts = got
        if linktype not in LINKTYPES or not pkts:
            print('skipped (link type %d or no packets): %s' % (linktype, name))
            continue
        with open(os.path.join(outdir, name + '.bin'), 'wb') as f:
            f.write(seed(linktype, pkts, made % 2 == 1))
        made += 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
