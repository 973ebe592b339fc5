#!/bin/sh
# tests/golden.sh - golden output tests, in the style of tcpdump's.
#
# For each line "name capture options..." of tests/golden/TESTLIST, run
#     $SYNSCOPE -r $top_srcdir/capture options...
# and compare its standard output with tests/golden/name.out.  Every
# failure is reported (with the first 20 lines of the diff); the script
# exits 1 if any test failed.  The run itself must end with status 0, or
# 3 for a capture that ends in a truncated record, and must not crash.
#
#     tests/golden.sh            check
#     tests/golden.sh --update   rewrite the .out files (after an intended
#                                output change; review the diff before
#                                committing), as "make golden-update" does
#
# Environment (set by "make check"): SYNSCOPE, top_srcdir.
set -u

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"
golden="$top_srcdir/tests/golden"
list="$golden/TESTLIST"

update=false
case ${1-} in
--update) update=true ;;
"") ;;
*)	echo "usage: golden.sh [--update]" >&2
	exit 2 ;;
esac

if [ ! -x "$SYNSCOPE" ]; then
	echo "golden.sh: SYNSCOPE=$SYNSCOPE is not an executable" >&2
	exit 99
fi
if [ ! -r "$list" ]; then
	echo "golden.sh: $list not found" >&2
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Comparisons must not depend on the caller's locale or time zone.
LC_ALL=C
TZ=UTC
export LC_ALL TZ

passed=0
failed=0
updated=0
failures=""

while read -r name capture opts; do
	case $name in
	""|\#*) continue ;;
	esac
	if [ -z "$capture" ]; then
		echo "FAIL: $name: TESTLIST line has no capture" >&2
		failed=$((failed + 1))
		failures="$failures $name"
		continue
	fi
	cap="$top_srcdir/$capture"
	out="$tmp/$name.out"
	if [ ! -r "$cap" ]; then
		echo "FAIL: $name: capture $cap not found" >&2
		failed=$((failed + 1))
		failures="$failures $name"
		continue
	fi
	# shellcheck disable=SC2086 # the options are meant to be split
	"$SYNSCOPE" -r "$cap" $opts >"$out" 2>"$tmp/err" </dev/null
	rc=$?
	problem=""
	case $rc in
	0|3) ;;
	*) problem="exit status $rc (expected 0, or 3 for a truncated capture)" ;;
	esac
	if grep -E 'Segmentation|AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error' \
	    "$tmp/err" >/dev/null; then
		problem="${problem:+$problem; }crash or sanitizer report on stderr"
	fi
	if [ "$rc" = 3 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		problem="${problem:+$problem; }exit 3 without exactly one error line"
	fi
	if [ "$rc" = 0 ] && [ -s "$tmp/err" ]; then
		problem="${problem:+$problem; }unexpected stderr output"
	fi
	if [ -n "$problem" ]; then
		echo "FAIL: $name: synscope -r $capture $opts: $problem" >&2
		sed 's/^/    stderr: /' "$tmp/err" | head -20 >&2
		failed=$((failed + 1))
		failures="$failures $name"
		continue
	fi
	if $update; then
		if ! cmp -s "$out" "$golden/$name.out"; then
			cp "$out" "$golden/$name.out" || exit 99
			echo "updated: $name.out"
			updated=$((updated + 1))
		fi
		continue
	fi
	if [ ! -f "$golden/$name.out" ]; then
		echo "FAIL: $name: expected output $golden/$name.out is" \
		    "missing (run tests/golden.sh --update)" >&2
		failed=$((failed + 1))
		failures="$failures $name"
		continue
	fi
	if diff -u "$golden/$name.out" "$out" >"$tmp/diff" 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAIL: $name: synscope -r $capture $opts: output differs" \
		    "from tests/golden/$name.out (first 20 lines of diff):" >&2
		head -20 "$tmp/diff" >&2
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done <"$list"

if $update; then
	# .out files no test uses any more
	for f in "$golden"/*.out; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .out)
		if ! grep -E "^$n[[:space:]]" "$list" >/dev/null; then
			echo "note: $n.out is not in TESTLIST (remove it?)"
		fi
	done
	echo "golden.sh: $updated file(s) updated, $failed failure(s)"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
fi

echo "golden.sh: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
	echo "golden.sh: failed:$failures" >&2
	exit 1
fi
exit 0
