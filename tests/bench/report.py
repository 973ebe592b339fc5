#!/usr/bin/env python3
"""report.py - summarise the benchmark's raw results (tests/bench/run).

Input: a TSV file with one line per timed run:
  group  label  capture  packets  run  wall_s  rss_kib  cpu_s  rc  note
(the first line is a header).  Prints, per group, one row per command:
median wall time with the min-max range, packets per second, median peak
RSS, median CPU time (user+sys), the ratio of the median wall time to the
floor's (the bare libpcap loop) on the same capture and, where it ran, to
"floor -s" (the loop reading the file as synscope does), and the
nanoseconds per packet.  Then the targets of doc/performance.md, met or not;
the SYN flood's cost per packet against real.pcap's in the same rounds
(the hostile section runs both), round by round too, when it ran there.

With --corelat, the cross-core round trip measured before each round
(group, round, ns), the -o conn target is also given for the rounds with
the CPUs near (under 400 ns, where synscope's own probe drew the line
until it streamed its slots in always) and far apart.

Usage: report.py RESULTS.tsv [--markdown] [--view VIEW.tsv]
                 [--corelat CORELAT.tsv]
"""

import statistics
import sys


def fmt_rate(pps):
    if pps >= 1e6:
        return '%.2f M' % (pps / 1e6)
    if pps >= 1e3:
        return '%.0f k' % (pps / 1e3)
    return '%.0f' % pps


def fmt_rss(kib):
    if kib >= 1024 * 1024:
        return '%.2f GiB' % (kib / 1024 / 1024)
    return '%.1f MiB' % (kib / 1024)


def load(path):
    rows = []
    with open(path) as f:
        header = f.readline().rstrip('\n').split('\t')
        for line in f:
            v = line.rstrip('\n').split('\t')
            if len(v) < len(header):
                v += [''] * (len(header) - len(v))
            rows.append(dict(zip(header, v)))
    return rows


def summarise(rows):
    """{(group, label, capture): stats} in first-seen order."""
    out = {}
    for r in rows:
        k = (r['group'], r['label'], r['capture'])
        s = out.setdefault(k, {'walls': [], 'rss': [], 'cpu': [], 'rcs': [],
                               'packets': int(r['packets'] or 0),
                               'note': r.get('note', '')})
        s['rcs'].append(r['rc'])
        if r['rc'] != '0':
            continue
        s['walls'].append(float(r['wall_s']))
        s['rss'].append(int(r['rss_kib']))
        s['cpu'].append(float(r['cpu_s']))
    for s in out.values():
        if s['walls']:
            s['wall'] = statistics.median(s['walls'])
            s['rss_med'] = statistics.median(s['rss'])
            s['rss_max'] = max(s['rss'])
            s['cpu_med'] = statistics.median(s['cpu'])
    return out


def table(stats, md):
    floors, cfloors, sfloors = {}, {}, {}
    for (g, label, cap), s in stats.items():
        if label == 'floor' and 'wall' in s:
            floors[cap] = s['wall']
            cfloors[cap] = s['cpu_med']
        if label == 'floor -s' and 'wall' in s:
            sfloors[cap] = s['wall']
    cols = ('command', 'capture', 'runs', 'wall s: median (min-max)',
            'packets/s', 'peak RSS', 'CPU s', 'x floor', 'x floor (CPU)',
            'x floor -s', 'ns/packet')
    lines = []
    group = None
    for (g, label, cap), s in stats.items():
        if g != group:
            group = g
            lines.append(('#', g))
        bad = [rc for rc in s['rcs'] if rc not in ('0', 'skipped')]
        if 'wall' not in s:
            if not bad:
                lines.append((label, cap, '-', s['note'] or 'not measured',
                              '', '', '', '', '', '', ''))
                continue
            lines.append((label, cap, '0/%d' % len(s['rcs']),
                          'FAILED (exit %s)' % ','.join(bad) if bad else
                          (s['note'] or 'not measured'),
                          '', '', '', '', '', '', ''))
            continue
        runs = '%d' % len(s['walls'])
        if bad:
            runs += ' (%d FAILED: exit %s)' % (len(bad), ','.join(bad))
        pk = s['packets']
        ratio = ('%.2f' % (s['wall'] / floors[cap])) if cap in floors else '-'
        cratio = ('%.2f' % (s['cpu_med'] / cfloors[cap])) \
            if cfloors.get(cap) else '-'
        sratio = ('%.2f' % (s['wall'] / sfloors[cap])) \
            if cap in sfloors else '-'
        lines.append((label, cap, runs,
                      '%.3f (%.3f-%.3f)' % (s['wall'], min(s['walls']),
                                            max(s['walls'])),
                      fmt_rate(pk / s['wall']) if pk else '-',
                      fmt_rss(s['rss_med']),
                      '%.2f' % s['cpu_med'],
                      ratio, cratio, sratio,
                      '%.0f' % (s['wall'] * 1e9 / pk) if pk else '-'))
    if md:
        print('| ' + ' | '.join(cols) + ' |')
        print('|' + '|'.join('---' for _ in cols) + '|')
        for ln in lines:
            if ln[0] == '#':
                print('| **%s** |' % ln[1] + ' |' * (len(cols) - 1))
            else:
                print('| ' + ' | '.join('`%s`' % ln[0] if i == 0 else c
                                        for i, c in enumerate(ln)) + ' |')
    else:
        w = [max([len(c)] + [len(ln[i]) for ln in lines if ln[0] != '#'])
             for i, c in enumerate(cols)]
        print('  '.join(c.ljust(w[i]) for i, c in enumerate(cols)))
        for ln in lines:
            if ln[0] == '#':
                print('-- %s' % ln[1])
            else:
                print('  '.join(c.ljust(w[i]) for i, c in enumerate(ln)))
    return floors, sfloors


def get(stats, label, cap):
    for (g, l, c), s in stats.items():
        if l == label and c == cap and 'wall' in s:
            return s
    return None


NEAR_NS = 400    # near or far apart: "Far apart" in doc/performance.md


def by_state(rows, corelat, label, cap):
    """The wall times of label on cap split by the round's round trip:
    ([near], [far]); None without a round trip for the rounds."""
    near, far = [], []
    for r in rows:
        if r['label'] != label or r['capture'] != cap or r['rc'] != '0':
            continue
        ns = corelat.get((r['group'], r['run']))
        if ns is None:
            return None
        (near if ns < NEAR_NS else far).append(float(r['wall_s']))
    return near, far


def paired(rows, label, cap_a, cap_b):
    """Per round of label's group, cap_a's wall time per packet over
    cap_b's: the ratio of two runs seconds apart."""
    at = {}
    for r in rows:
        if r['label'] != label or r['rc'] != '0':
            continue
        if r['capture'] in (cap_a, cap_b) and int(r['packets'] or 0) > 0:
            at[(r['group'], r['run'], r['capture'])] = \
                float(r['wall_s']) / int(r['packets'])
    return [at[(g, n, cap_a)] / at[(g, n, c)]
            for (g, n, c) in at if c == cap_b and (g, n, cap_a) in at]


def targets(stats, floors, sfloors, md, view=None, rows=None,
            corelat=None):
    out = []

    def verdict(ok):
        return 'met' if ok else 'NOT met'

    conn = get(stats, 'synscope -o conn', 'real.pcap')
    if conn and 'real.pcap' in floors:
        r = conn['wall'] / floors['real.pcap']
        fl_cpu = get(stats, 'floor', 'real.pcap')['cpu_med']
        out.append('-o conn within 1.5x the floor on real.pcap: %.2fx '
                   '(CPU time: %.2fx) -> %s'
                   % (r, conn['cpu_med'] / fl_cpu if fl_cpu else 0,
                      verdict(r <= 1.5)))
        sfl = get(stats, 'floor -s', 'real.pcap')
        if sfl:
            r = conn['wall'] / sfl['wall']
            out.append('  (against "floor -s", the loop reading the file as '
                       'synscope does: %.2fx; the target is on the bare loop, '
                       'see doc/performance.md, "Two floors")' % r)
        split = by_state(rows or [], corelat or {}, 'synscope -o conn',
                         'real.pcap') if corelat else None
        if split:
            parts = []
            for name, walls in (('near', split[0]), ('far apart',
                                                     split[1])):
                if walls:
                    m = statistics.median(walls)
                    parts.append('CPUs %s (%d rounds): %.3f s = %.2fx'
                                 % (name, len(walls), m,
                                    m / floors['real.pcap']))
            out.append('  (%s; the round trip before each round, '
                       '%d ns the line)' % ('; '.join(parts), NEAR_NS))
    else:
        out.append('-o conn within 1.5x the floor: not measured')
    inf = get(stats, 'synscope -o conn', 'inflated.pcap')
    if inf:
        mib = inf['rss_max'] / 1024
        out.append('peak RSS under 300 MB on inflated.pcap (-o conn): '
                   '%.1f MiB (%.1f MB) -> %s'
                   % (mib, inf['rss_max'] * 1.024e-3,
                      verdict(inf['rss_max'] * 1024 < 300e6)))
    else:
        out.append('peak RSS on the 1M-connection capture: not measured')
    fl = get(stats, 'synscope --max-flows 100000 -o conn', 'synflood.pcap')
    # normal traffic: real.pcap in the flood's own rounds, with the same
    # table, when it ran there; else real.pcap's section
    same = get(stats, 'synscope --max-flows 100000 -o conn', 'real.pcap')
    norm = same or conn
    if fl and norm:
        ns_fl = fl['wall'] * 1e9 / fl['packets']
        ns_n = norm['wall'] * 1e9 / norm['packets']
        out.append('SYN flood, --max-flows 100000: peak RSS %.1f MiB '
                   '(%.1f MB) -> %s; per packet %.0f ns vs %.0f ns on '
                   'real.pcap%s = %.2fx -> %s'
                   % (fl['rss_max'] / 1024, fl['rss_max'] * 1.024e-3,
                      verdict(fl['rss_max'] * 1024 < 64e6),
                      ns_fl, ns_n,
                      ' in the same rounds' if same else '',
                      ns_fl / ns_n, verdict(ns_fl / ns_n <= 1.5)))
        pairs = paired(rows or [], 'synscope --max-flows 100000 -o conn',
                       'synflood.pcap', 'real.pcap') if same else []
        if pairs:
            out.append('  (round by round: %.2fx median, %.2f-%.2fx, %d '
                       'rounds)' % (statistics.median(pairs), min(pairs),
                                    max(pairs), len(pairs)))
        if same and conn:
            ns_c = conn['wall'] * 1e9 / conn['packets']
            out.append('  (against real.pcap\'s own section, minutes '
                       'apart: %.0f ns vs %.0f ns = %.2fx)'
                       % (ns_fl, ns_c, ns_fl / ns_c))
        c_fl = fl['cpu_med'] * 1e9 / fl['packets']
        c_n = norm['cpu_med'] * 1e9 / norm['packets']
        out.append('  (CPU time per packet: %.0f ns vs %.0f ns = %.2fx)'
                   % (c_fl, c_n, c_fl / c_n if c_n else 0))
        # what synscope adds to reading the file: over "floor -s" where
        # both captures have it (it reads as synscope does), else "floor"
        base, name = ((sfloors, '"floor -s"')
                      if 'synflood.pcap' in sfloors and
                      'real.pcap' in sfloors else (floors, 'the floor'))
        if 'synflood.pcap' in base and 'real.pcap' in base:
            own_fl = (fl['wall'] - base['synflood.pcap']) * 1e9 / \
                fl['packets']
            own_n = (norm['wall'] - base['real.pcap']) * 1e9 / \
                norm['packets']
            out.append('  (above %s: %.0f ns vs %.0f ns per packet '
                       '= %.2fx)' % (name, own_fl, own_n,
                                     own_fl / own_n if own_n > 0 else 0))
    else:
        out.append('SYN flood with --max-flows 100000: not measured')
    small = get(stats, 'synscope --max-flows 2000 -o conn', 'synflood.pcap')
    if fl and small:
        ns_fl = fl['wall'] * 1e9 / fl['packets']
        ns_s = small['wall'] * 1e9 / small['packets']
        vs = ' = %.2fx real.pcap' % (ns_s / (norm['wall'] * 1e9 /
                                             norm['packets'])) if norm else ''
        out.append('  (with --max-flows 2000, a table that fits in L2: '
                   '%.0f ns per packet%s; memory is %.0f%% of the '
                   'flood\'s cost)' % (ns_s, vs, 100 * (1 - ns_s / ns_fl)))
    for cap in ('garbage.pcap', 'collide.pcap'):
        s = get(stats, 'synscope --max-flows 100000 -o conn', cap)
        if s and norm:
            ns = s['wall'] * 1e9 / s['packets']
            ns_n = norm['wall'] * 1e9 / norm['packets']
            out.append('%s, --max-flows 100000: peak RSS %.1f MiB, '
                       '%.0f ns/packet = %.2fx real.pcap'
                       % (cap, s['rss_max'] / 1024, ns, ns / ns_n))
    if view:
        cpu = {int(r['flows']): float(r['cpu_s_per_s'])
               for r in view if r.get('cpu_s_per_s')}
        if 1000 in cpu and 1000000 in cpu:
            lo = max(cpu[1000], 0.001)
            r = cpu[1000000] / lo
            out.append('view CPU per second flat from 1k to 1M flows: '
                       '%s -> %.2fx from 1k to 1M -> %s'
                       % (', '.join('%d: %.3f' % (k, cpu[k])
                                    for k in sorted(cpu)), r,
                          verdict(r <= 1.5)))
        else:
            out.append('view CPU per second: incomplete (%s)'
                       % ', '.join('%d: %.3f' % kv for kv in
                                   sorted(cpu.items())))
    else:
        out.append('view CPU per second flat from 1k to 1M flows: '
                   'not measured yet')
    print()
    print('Targets:')
    for ln in out:
        if md:
            # a line indented under the one before: a nested item
            print(('  - ' + ln.lstrip()) if ln.startswith('  ') else
                  ('- ' + ln))
        else:
            print('  ' + ln)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    md = '--markdown' in sys.argv[2:]
    view = None
    if '--view' in sys.argv[2:]:
        vpath = sys.argv[sys.argv.index('--view') + 1]
        try:
            view = load(vpath)
        except OSError:
            view = None
    corelat = None
    if '--corelat' in sys.argv[2:]:
        cpath = sys.argv[sys.argv.index('--corelat') + 1]
        try:
            with open(cpath) as f:
                corelat = {}
                for line in f:
                    v = line.rstrip('\n').split('\t')
                    if len(v) >= 3 and v[2].isdigit():
                        corelat[(v[0], v[1])] = int(v[2])
        except OSError:
            corelat = None
    rows = load(sys.argv[1])
    stats = summarise(rows)
    floors, sfloors = table(stats, md)
    targets(stats, floors, sfloors, md, view, rows, corelat)


if __name__ == '__main__':
    main()
