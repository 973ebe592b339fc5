# tests/common.sh - what the shell tests share.  Sourced, never run:
#
#	name=corpus.sh
#	. "${top_srcdir:-.}/tests/common.sh"
#
# skip MESSAGE    exit 77, or fail (exit 1) when CI=true: in CI every
#                 prerequisite is there, so a skip would hide a failure
# need_synscope   exit 99 unless $SYNSCOPE is an executable
# find_corpus     set $corpus to $SYNSCOPE_CORPUS, else to tests/corpus
#                 (a copy of the shared corpus, see its MANIFEST.tsv)
# fail MESSAGE    report a failed check on stderr and count it in $fails
#                 (the test ends with [ $fails -eq 0 ])

fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $name: $* (CI=true: not skipping)" >&2
		exit 1
	fi
	echo "SKIP: $name: $*"
	exit 77
}

need_synscope() {
	if [ ! -x "${SYNSCOPE:-}" ]; then
		echo "$name: SYNSCOPE=${SYNSCOPE:-} is not an executable" >&2
		exit 99
	fi
}

find_corpus() {
	if [ -n "${SYNSCOPE_CORPUS:-}" ]; then
		[ -d "$SYNSCOPE_CORPUS" ] ||
		    skip "SYNSCOPE_CORPUS=$SYNSCOPE_CORPUS is not a directory"
		corpus=$SYNSCOPE_CORPUS
	else
		corpus=${top_srcdir:-.}/tests/corpus
		[ -d "$corpus" ] || skip "$corpus not found"
	fi
}

# netns_pair NSA NSB IFA IFB A4 B4 [A6 B6]: two namespaces joined by a veth
# pair, addressed and up (skip when namespaces cannot be made, as non-root).
# The namespaces made are added to $ns_made for netns_del.
netns_pair() {
	_err=$(ip netns add "$1" 2>&1) ||
	    skip "cannot create a network namespace: $_err"
	ns_made="${ns_made:-} $1"
	ip netns add "$2" || die "ip netns add $2 failed"
	ns_made="$ns_made $2"
	ip -n "$1" link add "$3" type veth peer name "$4" netns "$2" ||
	    die "cannot create the veth pair"
	ip -n "$1" addr add "$5/24" dev "$3" &&
	ip -n "$2" addr add "$6/24" dev "$4" &&
	ip -n "$1" link set lo up &&
	ip -n "$2" link set lo up &&
	ip -n "$1" link set "$3" up &&
	ip -n "$2" link set "$4" up || die "cannot configure the namespaces"
	if [ $# -ge 8 ]; then
		ip -n "$1" -6 addr add "$7/64" dev "$3" nodad &&
		ip -n "$2" -6 addr add "$8/64" dev "$4" nodad ||
		    die "cannot add the IPv6 addresses"
	fi
	_i=0
	until ip -n "$1" link show "$3" | grep -q 'state UP' &&
	    ip -n "$2" link show "$4" | grep -q 'state UP'; do
		_i=$((_i + 1))
		[ "$_i" -le 100 ] || die "veth pair did not come up"
		sleep 0.1
	done
}

# netns_del: kill what runs in the namespaces of $ns_made, delete them.
netns_del() {
	for _ns in ${ns_made:-}; do
		ip netns pids "$_ns" 2>/dev/null | while read -r _p; do
			kill -KILL "$_p" 2>/dev/null
		done
		ip netns del "$_ns" 2>/dev/null
	done
	ns_made=""
}

# die MESSAGE: fail the test at once.
die() {
	echo "FAIL: $name: $*" >&2
	exit 1
}
