#!/bin/sh
# tests/corpus.sh - synscope reads every capture of the shared corpus
# without crashing, and counts TCP and UDP packets as tshark does.
#
# For every *.pcap and *.pcapng of the corpus:
#   - "synscope -r FILE -o json" ends with status 0, 1 or 3 (never a
#     signal), with no sanitizer report; an error is one stderr line;
#   - a file synscope cannot read (status 1) must be listed "unreadable"
#     in tests/corpus-exceptions.tsv;
#   - for a file it reads (status 0 or 3) the stats record's tcp and udp
#     counts equal
#       tshark -n -r FILE -Y 'tcp and not icmp and not icmpv6' ... | wc -l
#       tshark -n -r FILE -Y 'udp and not icmp and not icmpv6' ... | wc -l
#     unless tests/corpus-exceptions.tsv lists the file for that count.
# An exception that no longer applies (the counts now match, the file is
# now readable, or the file is gone) fails the test, so the list stays
# honest.
#
# The corpus is $SYNSCOPE_CORPUS if set, else tests/corpus (a copy of the
# shared corpus; MANIFEST.tsv there says where each file comes from).
# Without a corpus or without tshark the test is skipped (77), but fails
# when CI=true.
set -u

name=corpus.sh
. "${top_srcdir:-.}/tests/common.sh"

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"
exceptions="$top_srcdir/tests/corpus-exceptions.tsv"


need_synscope
if [ ! -r "$exceptions" ]; then
	echo "corpus.sh: $exceptions not found" >&2
	exit 99
fi

# ---------------------------------------------------------------- corpus
find_corpus
command -v tshark >/dev/null 2>&1 || skip "tshark not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-corpus.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# tshark with its default preferences, whatever the user's profile says
mkdir "$tmp/wireshark"
WIRESHARK_CONFIG_DIR="$tmp/wireshark"
export WIRESHARK_CONFIG_DIR
LC_ALL=C
export LC_ALL

nfiles=0
nexc=0
# The exception of a file: tcp, udp, both, unreadable or nothing.
exception_of() {
	awk -F '\t' -v f="$1" '$1 == f && $0 !~ /^#/ { print $2; exit }' \
	    "$exceptions"
}

# Check the exceptions file itself.
awk -F '\t' '
	/^#/ || /^[[:space:]]*$/ { next }
	NF < 3 || $3 == "" {
		printf "FAIL: corpus-exceptions.tsv line %d: needs three " \
		    "tab-separated columns (file, count, reason)\n", NR
		bad = 1; next
	}
	$2 != "tcp" && $2 != "udp" && $2 != "both" && $2 != "unreadable" {
		printf "FAIL: corpus-exceptions.tsv line %d: count \"%s\" is " \
		    "not tcp, udp, both or unreadable\n", NR, $2
		bad = 1
	}
	seen[$1]++ == 1 {
		printf "FAIL: corpus-exceptions.tsv line %d: %s listed twice\n",
		    NR, $1
		bad = 1
	}
	END { exit bad }
' "$exceptions" >&2 || fails=$((fails + 1))
awk -F '\t' '!/^#/ && NF >= 1 && $1 != "" { print $1 }' "$exceptions" |
while read -r f; do
	[ -f "$corpus/$f" ] || echo "$f"
done >"$tmp/gone"
while read -r f; do
	fail "corpus-exceptions.tsv: $f is not in the corpus $corpus" \
	    "(stale exception: remove it)"
done <"$tmp/gone"

tshark_count() {
	# $1 = file, $2 = display filter
	tshark -n -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null |
	    wc -l | tr -d ' '
}

for f in "$corpus"/*.pcap "$corpus"/*.pcapng; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	nfiles=$((nfiles + 1))
	exc=$(exception_of "$b")
	[ -n "$exc" ] && nexc=$((nexc + 1))

	"$SYNSCOPE" -r "$f" -o json >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" -gt 128 ]; then
		fail "$b: synscope killed by signal $((rc - 128))"
		continue
	fi
	if grep -E 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation' \
	    "$tmp/err" >/dev/null; then
		fail "$b: sanitizer or crash report on stderr:"
		head -20 "$tmp/err" >&2
	fi
	case $rc in
	0)
		if [ -s "$tmp/err" ]; then
			fail "$b: exit 0 but stderr: $(head -c 300 "$tmp/err")"
		fi ;;
	1|3)
		if [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
		    ! grep '^synscope: ' "$tmp/err" >/dev/null; then
			fail "$b: exit $rc without exactly one 'synscope: '" \
			    "error line: $(head -c 300 "$tmp/err")"
		fi ;;
	*)
		fail "$b: exit status $rc (expected 0, 1 or 3):" \
		    "$(head -c 300 "$tmp/err")"
		continue ;;
	esac

	if [ "$rc" = 1 ]; then
		[ "$exc" = unreadable ] || fail "$b: synscope cannot read it" \
		    "and it is not listed as unreadable in" \
		    "corpus-exceptions.tsv: $(cat "$tmp/err")"
		continue
	fi
	if [ "$exc" = unreadable ]; then
		fail "$b: listed as unreadable but synscope reads it (exit" \
		    "$rc): stale exception"
	fi

	stats=$(tail -1 "$tmp/out")
	case $stats in
	*'"type":"stats"'*) ;;
	*)	fail "$b: the json output does not end with a stats record"
		continue ;;
	esac
	ss_tcp=$(printf '%s\n' "$stats" | sed -n 's/.*"tcp":\([0-9]*\).*/\1/p')
	ss_udp=$(printf '%s\n' "$stats" | sed -n 's/.*"udp":\([0-9]*\).*/\1/p')

	tshark_count "$f" 'tcp and not icmp and not icmpv6' >"$tmp/ts_tcp" &
	tshark_count "$f" 'udp and not icmp and not icmpv6' >"$tmp/ts_udp" &
	wait
	ts_tcp=$(cat "$tmp/ts_tcp")
	ts_udp=$(cat "$tmp/ts_udp")

	tcp_ok=true udp_ok=true
	[ "$ss_tcp" = "$ts_tcp" ] || tcp_ok=false
	[ "$ss_udp" = "$ts_udp" ] || udp_ok=false
	counts="synscope tcp=$ss_tcp udp=$ss_udp, tshark tcp=$ts_tcp udp=$ts_udp"
	case $exc in
	"")
		$tcp_ok && $udp_ok ||
		    fail "$b: counts differ: $counts" ;;
	tcp)
		$tcp_ok && fail "$b: listed as a tcp exception but the tcp" \
		    "counts match ($counts): stale exception"
		$udp_ok || fail "$b: udp counts differ ($counts) and only" \
		    "tcp is excepted" ;;
	udp)
		$udp_ok && fail "$b: listed as a udp exception but the udp" \
		    "counts match ($counts): stale exception"
		$tcp_ok || fail "$b: tcp counts differ ($counts) and only" \
		    "udp is excepted" ;;
	both)
		$tcp_ok && fail "$b: listed for both counts but tcp matches" \
		    "($counts): narrow or remove the exception"
		$udp_ok && fail "$b: listed for both counts but udp matches" \
		    "($counts): narrow or remove the exception" ;;
	esac
	[ -n "$exc" ] && echo "excepted ($exc): $b: $counts"
done

if [ "$nfiles" -eq 0 ]; then
	fail "no *.pcap or *.pcapng file in $corpus"
fi
echo "corpus.sh: $nfiles files from $corpus, $nexc excepted, $fails failures"
[ "$fails" -eq 0 ] || exit 1
exit 0
