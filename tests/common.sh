# tests/common.sh - what the shell tests share.  Sourced, never run:
#
#	name=corpus.sh
#	. "${top_srcdir:-.}/tests/common.sh"
#
# skip MESSAGE    exit 77, or fail (exit 1) when CI=true: in CI every
#                 prerequisite is there, so a skip would hide a failure
# need_synscope   exit 99 unless $SYNSCOPE is an executable
# find_corpus     set $corpus to $SYNSCOPE_CORPUS or to the first
#                 shared/corpus above $top_srcdir; skip if there is none

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
	corpus=""
	if [ -n "${SYNSCOPE_CORPUS:-}" ]; then
		[ -d "$SYNSCOPE_CORPUS" ] ||
		    skip "SYNSCOPE_CORPUS=$SYNSCOPE_CORPUS is not a directory"
		corpus=$SYNSCOPE_CORPUS
		return 0
	fi
	_d=$(cd "${top_srcdir:-.}" && pwd -P) || exit 99
	while :; do
		if [ -d "$_d/shared/corpus" ]; then
			corpus="$_d/shared/corpus"
			return 0
		fi
		[ "$_d" = / ] && break
		_d=$(dirname "$_d")
	done
	skip "no shared/corpus directory above ${top_srcdir:-.} (set SYNSCOPE_CORPUS)"
}
