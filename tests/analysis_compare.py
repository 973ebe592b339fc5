#!/usr/bin/env python3
"""Compare synscope's per-connection TCP analysis with tshark's tcp.analysis.

For each capture, tshark is run once (single pass: Wireshark computes the
analysis flags on its first pass, so -2 would change nothing but the
number of packets that display the iRTT) and synscope once with -o conn.
Connections are matched by stream number after checking that both tools
saw the same 4-tuple and the same first packet time; when they do not,
by 4-tuple and first packet time.  For every connection where either tool
flags anything, the four counts are compared:

  retransmission  tshark: packets with tcp.analysis.retransmission,
                  .fast_retransmission or .spurious_retransmission
                  synscope: anomaly_counts.retransmission
  out_of_order    tcp.analysis.out_of_order    / anomaly_counts.out_of_order
  dup_ack         tcp.analysis.duplicate_ack   / anomaly_counts.dup_ack
  zero_window     tcp.analysis.zero_window     / anomaly_counts.zero_window

and handshake_rtt with tcp.analysis.initial_rtt (within 2 us) wherever
both tools measured it.  Exit status: 0 when agreement >= the threshold
and no handshake time differs (other than listed exceptions), 1
otherwise, 77 when no capture had a TCP connection to compare.

Exceptions (tab-separated: file, stream, reason; '#' comments) are
connections whose disagreement is understood and deliberate.  They are
reported as such; the agreement figure is given both raw and with them
set aside, and the threshold applies to the raw figure.
"""

import argparse
import json
import os
import subprocess
import sys

COUNTS = ("retransmission", "out_of_order", "dup_ack", "zero_window")

TSHARK_FIELDS = (
    "tcp.stream",
    "frame.time_epoch",
    "ip.src",
    "ipv6.src",
    "tcp.srcport",
    "ip.dst",
    "ipv6.dst",
    "tcp.dstport",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.zero_window",
    "tcp.analysis.initial_rtt",
)

RTT_TOLERANCE = 2e-6


def last(v):
    """Innermost value of a field that tunnels repeat ("a,b" -> "b")."""
    return v.split(",")[-1] if v else ""


def to_ns(text):
    """A decimal seconds string to integer nanoseconds (exact)."""
    if not text:
        return None
    whole, _, frac = text.partition(".")
    frac = (frac + "000000000")[:9]
    return int(whole) * 1000000000 + int(frac)


def run_tshark(tshark, path):
    """Per-stream flags and iRTT from tshark; None when unreadable."""
    cmd = [tshark, "-n", "-r", path,
           "-o", "tcp.analyze_sequence_numbers:TRUE",
           "-o", "tcp.relative_sequence_numbers:TRUE",
           "-o", "tcp.calculate_timestamps:TRUE",
           "-Y", "tcp", "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True,
                                errors="replace")
    except OSError:
        return None
    streams = {}
    for line in proc.stdout:
        col = line.rstrip("\n").split("\t")
        if len(col) < len(TSHARK_FIELDS) or not col[0]:
            continue
        try:
            sid = int(last(col[0]))
        except ValueError:
            continue
        s = streams.get(sid)
        if s is None:
            src = last(col[2]) or last(col[3])
            dst = last(col[5]) or last(col[6])
            s = {"first_ns": to_ns(col[1]),
                 "tuple": frozenset(((src, last(col[4])),
                                     (dst, last(col[7])))),
                 "retransmission": 0, "out_of_order": 0, "dup_ack": 0,
                 "zero_window": 0, "irtt": None}
            streams[sid] = s
        if col[8] or col[9] or col[10]:
            s["retransmission"] += 1
        if col[11]:
            s["out_of_order"] += 1
        if col[12]:
            s["dup_ack"] += 1
        if col[13]:
            s["zero_window"] += 1
        if col[14] and s["irtt"] is None:
            s["irtt"] = float(last(col[14]))
    proc.wait()
    return streams


def run_synscope(synscope, path):
    """TCP conn records of synscope, by stream; None when unreadable."""
    try:
        proc = subprocess.run([synscope, "-r", path, "-o", "conn"],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True,
                              errors="replace", check=False)
    except OSError:
        return None
    if proc.returncode not in (0, 3):
        return None
    conns = {}
    for line in proc.stdout.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("proto") != "tcp" or "stream" not in r:
            continue
        ac = r.get("anomaly_counts", {})
        conns[r["stream"]] = {
            "first_ns": to_ns("%.6f" % r["ts"]) if "ts" in r else None,
            "tuple": frozenset(((r.get("id.orig_h"), str(r.get("id.orig_p"))),
                                (r.get("id.resp_h"),
                                 str(r.get("id.resp_p"))))),
            "retransmission": ac.get("retransmission", 0),
            "out_of_order": ac.get("out_of_order", 0),
            "dup_ack": ac.get("dup_ack", 0),
            "zero_window": ac.get("zero_window", 0),
            "irtt": r.get("handshake_rtt"),
        }
    return conns


def same_conn(a, b):
    """Same 4-tuple and the same first packet (to the microsecond)."""
    if a["tuple"] != b["tuple"]:
        return False
    if a["first_ns"] is None or b["first_ns"] is None:
        return True
    return abs(a["first_ns"] - b["first_ns"]) < 1000


def match(ts, ss):
    """Pairs (tshark stream, synscope stream or None); unmatched synscope."""
    pairs, used = [], set()
    renumbered = 0
    by_key = {}
    for sid, c in ss.items():
        key = (c["tuple"], c["first_ns"] // 1000 if c["first_ns"] else None)
        by_key.setdefault(key, []).append(sid)
    for tid in sorted(ts):
        t = ts[tid]
        if tid in ss and tid not in used and same_conn(t, ss[tid]):
            pairs.append((tid, tid))
            used.add(tid)
            continue
        found = None
        key = (t["tuple"], t["first_ns"] // 1000 if t["first_ns"] else None)
        for sid in by_key.get(key, []):
            if sid not in used:
                found = sid
                break
        if found is not None:
            renumbered += 1
            used.add(found)
        pairs.append((tid, found))
    extra = [sid for sid in ss if sid not in used]
    return pairs, extra, renumbered


def load_exceptions(path):
    ex = {}
    if not path:
        return ex
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            col = line.split("\t")
            if len(col) < 3 or not col[2].strip():
                sys.exit("%s:%d: want file<TAB>stream<TAB>reason" % (path, n))
            ex[(col[0], col[1])] = col[2].strip()
    return ex


def flagged(c):
    return c is not None and any(c[k] for k in COUNTS)


def fmt_counts(c):
    if c is None:
        return "(no such connection)"
    return " ".join("%s=%d" % (k, c[k]) for k in COUNTS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--synscope", required=True)
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--exceptions")
    ap.add_argument("--threshold", type=float, default=95.0)
    ap.add_argument("--show", type=int, default=200,
                    help="disagreeing connections to list per file")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    exceptions = load_exceptions(a.exceptions)
    used_ex = set()
    tot_flag = tot_agree = tot_excused = 0
    tot_conns = tot_rtt = 0
    rtt_fail = []
    rtt_one = []
    files_used = 0

    for path in a.files:
        name = os.path.basename(path)
        ts = run_tshark(a.tshark, path)
        if not ts:
            continue
        ss = run_synscope(a.synscope, path)
        if ss is None:
            print("%s: synscope could not read it (tshark: %d streams)"
                  % (name, len(ts)))
            continue
        files_used += 1
        pairs, extra, renumbered = match(ts, ss)
        n_flag = n_agree = n_excused = n_rtt = 0
        bad = []
        for tid, sid in pairs:
            t = ts[tid]
            s = ss.get(sid) if sid is not None else None
            key = (name, str(tid))
            # handshake time, wherever both measured it
            if s is not None and (t["irtt"] is None) != (s["irtt"] is None):
                rtt_one.append((name, tid, t["irtt"], s["irtt"]))
            if s is not None and t["irtt"] is not None and \
                    s["irtt"] is not None:
                n_rtt += 1
                if abs(t["irtt"] - s["irtt"]) > RTT_TOLERANCE:
                    if key in exceptions:
                        used_ex.add(key)
                    else:
                        rtt_fail.append((name, tid, t["irtt"], s["irtt"]))
            if not (flagged(t) or flagged(s)):
                continue
            n_flag += 1
            if s is not None and all(t[k] == s[k] for k in COUNTS):
                n_agree += 1
                continue
            reason = exceptions.get(key)
            if reason is not None:
                used_ex.add(key)
                n_excused += 1
            bad.append((tid, sid, t, s, reason))
        for sid in extra:
            if flagged(ss[sid]):
                n_flag += 1
                bad.append((None, sid, None, ss[sid], None))
        tot_conns += len(pairs)
        tot_flag += n_flag
        tot_agree += n_agree
        tot_excused += n_excused
        tot_rtt += n_rtt
        note = ""
        if renumbered:
            note += ", %d matched by 4-tuple and time" % renumbered
        if extra:
            note += ", %d only in synscope" % len(extra)
        print("%s: %d connections, %d flagged, %d agree (%s)%s; "
              "%d handshake times compared"
              % (name, len(pairs), n_flag, n_agree,
                 "%.1f%%" % (100.0 * n_agree / n_flag) if n_flag else "-",
                 note, n_rtt))
        for tid, sid, t, s, reason in bad[:a.show]:
            print("  stream %s (synscope %s):" %
                  ("-" if tid is None else tid, "-" if sid is None else sid))
            print("    tshark:   %s" % fmt_counts(t))
            print("    synscope: %s" % fmt_counts(s))
            if reason:
                print("    listed: %s" % reason)
        if len(bad) > a.show:
            print("  ... and %d more" % (len(bad) - a.show))

    if files_used == 0:
        print("no capture with TCP connections to compare")
        return 77
    pct = 100.0 * tot_agree / tot_flag if tot_flag else 100.0
    pct_ex = (100.0 * (tot_agree + tot_excused) / tot_flag
              if tot_flag else 100.0)
    print("overall: %d files, %d connections, %d flagged by either tool, "
          "%d agree on all four counts: %.2f%% (%.2f%% with the %d listed "
          "deliberate differences)"
          % (files_used, tot_conns, tot_flag, tot_agree, pct, pct_ex,
             tot_excused))
    print("handshake_rtt: %d compared, %d differ by more than 2 us"
          % (tot_rtt, len(rtt_fail)))
    for name, tid, t, s in rtt_fail:
        print("  %s stream %d: tshark %.9f synscope %.6f" % (name, tid, t, s))
    # measured by one tool only (information: e.g. tshark shows the iRTT
    # only on packets with a SEQ/ACK analysis record after it was taken)
    print("handshake_rtt measured by one tool only: %d" % len(rtt_one))
    for name, tid, t, s in rtt_one[:a.show]:
        print("  %s stream %d: tshark %s synscope %s"
              % (name, tid, "-" if t is None else "%.9f" % t,
                 "-" if s is None else "%.6f" % s))
    names = {os.path.basename(p) for p in a.files}
    stale = [k for k in exceptions if k[0] in names and k not in used_ex]
    for k in stale:
        print("FAIL: exception %s stream %s no longer applies: remove it"
              % k)
    ok = pct >= a.threshold and not rtt_fail and not stale
    print("%s: agreement %.2f%% (threshold %.0f%%), %d handshake "
          "time failures" % ("PASS" if ok else "FAIL", pct, a.threshold,
                             len(rtt_fail)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
