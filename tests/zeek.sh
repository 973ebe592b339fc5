#!/bin/sh
# zeek.sh - compare synscope's conn records with Zeek's own conn.log
# verdicts for the captures of Zeek's test suite that are in the corpus.
#
# The expected values are in tests/zeek-oracle.tsv (copied from the
# baseline conn.log files of zeek/zeek testing/btest/Baseline; the source
# of every row is recorded in the file).  Every column must be equal,
# except on rows whose "expect" column names the columns that may differ
# and a reason that is written down in the same file.
#
# Environment: SYNSCOPE (the binary), top_srcdir, optionally
# SYNSCOPE_CORPUS (the directory holding the captures; tests/corpus by
# default).  Exit status 77 (skipped) when the corpus cannot be found,
# unless CI=true.

set -u

fail() {
	echo "zeek.sh: $*" >&2
	exit 1
}

skip() {
	echo "zeek.sh: $*" >&2
	if [ "${CI:-}" = true ]; then
		exit 1
	fi
	exit 77
}

srcdir=${top_srcdir:-.}
srcdir=$(cd "$srcdir" && pwd) || fail "cannot enter top_srcdir"
tsv=$srcdir/tests/zeek-oracle.tsv
[ -r "$tsv" ] || fail "missing $tsv"

[ -n "${SYNSCOPE:-}" ] || fail "SYNSCOPE is not set"
[ -x "$SYNSCOPE" ] || fail "SYNSCOPE=$SYNSCOPE is not executable"

command -v python3 >/dev/null 2>&1 || skip "python3 not found"

corpus=${SYNSCOPE_CORPUS:-$srcdir/tests/corpus}
[ -d "$corpus" ] || skip "$corpus not found"

tmp=$(mktemp -d) || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

cat >"$tmp/compare.py" <<'EOF'
import json
import os
import subprocess
import sys

tsv, corpus, synscope = sys.argv[1:4]

COLS = ["duration", "orig_bytes", "resp_bytes", "conn_state", "history",
        "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes"]
KEY = ["orig_h", "orig_p", "resp_h", "resp_p", "proto"]
# Columns of the other side when synscope chose the other originator.
SWAP = {"orig_bytes": "resp_bytes", "resp_bytes": "orig_bytes",
        "orig_pkts": "resp_pkts", "resp_pkts": "orig_pkts",
        "orig_ip_bytes": "resp_ip_bytes", "resp_ip_bytes": "orig_ip_bytes"}
# Tokens an "expect" column may name besides COLS.
SPECIAL = {"history~G", "originator", "merged"}

errors = []
notes = []
reasons = {}
rows = []
header = None

with open(tsv, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.startswith("#reason"):
            parts = line.split(None, 2)
            if len(parts) < 3 or not parts[2].strip():
                errors.append("line %d: #reason without a key and text" % n)
            else:
                reasons[parts[1]] = parts[2].strip()
            continue
        if line.startswith("#file"):
            header = line[1:].split("\t")
            continue
        if line.startswith("#"):
            continue
        if header is None:
            sys.exit("zeek-oracle.tsv: data before the #file header")
        v = line.split("\t")
        if len(v) != len(header):
            errors.append("line %d: %d columns, expected %d" %
                          (n, len(v), len(header)))
            continue
        r = dict(zip(header, v))
        r["line"] = n
        exp = r["expect"]
        r["allowed"] = set()
        r["reason"] = None
        if exp != "=":
            cols, sep, key = exp.partition(":")
            allowed = set(c for c in cols.split(",") if c)
            bad = allowed - set(COLS) - SPECIAL
            if not sep or not key or not allowed or bad:
                errors.append("line %d: bad expect %r" % (n, exp))
                continue
            r["allowed"] = allowed
            r["reason"] = key
        rows.append(r)

for r in rows:
    if r["reason"] is not None and r["reason"] not in reasons:
        errors.append("line %d: reason %r has no #reason line"
                      % (r["line"], r["reason"]))


def value(rec, col):
    if col == "duration":
        d = rec.get("duration")
        return "-" if d is None else "%.6f" % d
    if col == "history":
        h = rec.get("history")
        return h if h else "-"
    x = rec.get(col)
    return "-" if x is None else str(x)


def run(path):
    out = subprocess.run([synscope, "-r", path, "-o", "conn"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        errors.append("%s: synscope exited %d: %s" %
                      (os.path.basename(path), out.returncode,
                       out.stderr.decode(errors="replace").strip()))
    recs = []
    for line in out.stdout.decode().splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        if "id.orig_h" not in rec:
            continue
        rec["_key"] = (str(rec["id.orig_h"]), str(rec["id.orig_p"]),
                       str(rec["id.resp_h"]), str(rec["id.resp_p"]),
                       str(rec["proto"]))
        rec["_used"] = False
        recs.append(rec)
    return recs


def compare(z, rec, flipped):
    """Columns that differ; the value of history~G is folded in."""
    diff = set()
    for c in COLS:
        zv = z[c]
        if zv == "*":
            continue
        sv = value(rec, SWAP.get(c, c) if flipped else c)
        if zv == sv:
            continue
        if (c == "history" and "history~G" in z["allowed"] and
                zv.replace("G", "").replace("g", "") == sv):
            diff.add("history~G")
            continue
        diff.add(c)
    if flipped:
        diff.add("originator")
    return diff


def describe(z, rec, flipped, cols):
    out = []
    for c in sorted(cols):
        if c == "originator":
            out.append("originator: synscope chose %s:%s" %
                       (rec["id.orig_h"], rec["id.orig_p"]))
            continue
        c2 = "history" if c == "history~G" else c
        sc = SWAP.get(c2, c2) if flipped else c2
        out.append("%s: zeek %s synscope %s" % (c2, z[c2], value(rec, sc)))
    return "; ".join(out)


files = []
for r in rows:
    if r["file"] not in files:
        files.append(r["file"])

compared = exact = 0
expected = {}
for f in files:
    path = os.path.join(corpus, f)
    frows = [r for r in rows if r["file"] == f]
    if not os.path.exists(path):
        errors.append("%s: not in the corpus (%d rows)" % (f, len(frows)))
        continue
    recs = run(path)
    fwd = {}
    for rec in recs:
        fwd.setdefault(rec["_key"], []).append(rec)

    def candidates(z):
        k = tuple(z[x] for x in KEY)
        rk = (z["resp_h"], z["resp_p"], z["orig_h"], z["orig_p"], z["proto"])
        c = [(x, False) for x in fwd.get(k, []) if not x["_used"]]
        if not c:
            c = [(x, True) for x in fwd.get(rk, []) if not x["_used"]]
        return c

    for z in [r for r in frows if "merged" not in r["allowed"]]:
        where = "%s line %d (%s:%s > %s:%s %s)" % (
            f, z["line"], z["orig_h"], z["orig_p"], z["resp_h"],
            z["resp_p"], z["proto"])
        compared += 1
        cand = candidates(z)
        if not cand:
            errors.append("%s: no synscope record" % where)
            continue
        best = min(cand, key=lambda c: len(compare(z, c[0], c[1])))
        rec, flipped = best
        rec["_used"] = True
        diff = compare(z, rec, flipped)
        unexpected = diff - z["allowed"]
        if unexpected:
            errors.append("%s: %s" % (where,
                          describe(z, rec, flipped, unexpected)))
        elif z["reason"] is not None and not diff:
            errors.append("%s: marked %r but now equal to Zeek; remove "
                          "the stale exception" % (where, z["expect"]))
        elif z["reason"] is not None:
            expected[z["reason"]] = expected.get(z["reason"], 0) + 1
            left = z["allowed"] - diff - {"merged"}
            if left:
                notes.append("%s: allowed to differ but equal: %s" %
                             (where, ",".join(sorted(left))))
        else:
            exact += 1

    for z in [r for r in frows if "merged" in r["allowed"]]:
        where = "%s line %d (%s:%s > %s:%s %s)" % (
            f, z["line"], z["orig_h"], z["orig_p"], z["resp_h"],
            z["resp_p"], z["proto"])
        compared += 1
        cand = candidates(z)
        if cand:
            errors.append("%s: marked merged, but synscope wrote a record "
                          "of its own (stale exception?)" % where)
            for rec, _ in cand:
                rec["_used"] = True
        else:
            expected[z["reason"]] = expected.get(z["reason"], 0) + 1

    for rec in recs:
        if not rec["_used"]:
            errors.append("%s: synscope record %s:%s > %s:%s %s is not in "
                          "Zeek's baseline" % ((f,) + rec["_key"]))

print("zeek oracle: %d rows compared from %d captures, %d exact, "
      "%d expected differences" %
      (compared, len(files), exact, sum(expected.values())))
for k in sorted(expected):
    print("  %3d  %-12s %s" % (expected[k], k, reasons.get(k, "")))
for n in notes:
    print("note: " + n)
for e in errors:
    print("FAIL: " + e)
if errors:
    print("zeek oracle: %d failures" % len(errors))
    sys.exit(1)
EOF

python3 "$tmp/compare.py" "$tsv" "$corpus" "$SYNSCOPE"
