#!/bin/sh
# captures/regenerate.sh - record captures/<scenario>.pcap again, one per
# scenario, each played for real by synscope-lab (needs root).
#
#	sudo captures/regenerate.sh [scenario ...]
#
# SYNSCOPE_LAB names the synscope-lab binary (default: ../src/synscope-lab
# next to this directory, else the one on PATH).  The sequence numbers,
# ports of the kernel's choosing and timestamps change from one recording
# to the next; the final states do not: tests/lab.sh checks them against
# the table in captures/README, which must equal `synscope-lab list --table`.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
lab=${SYNSCOPE_LAB:-$dir/../src/synscope-lab}
[ -x "$lab" ] || lab=$(command -v synscope-lab) || {
	echo "regenerate.sh: synscope-lab not found (build it, or set SYNSCOPE_LAB)" >&2
	exit 1
}
if [ "$(id -u)" != 0 ]; then
	echo "regenerate.sh: needs root (synscope-lab creates network namespaces)" >&2
	exit 1
fi

if [ $# -eq 0 ]; then
	set -- $("$lab" list | awk '{ print $1 }')
fi
for name in "$@"; do
	printf '%-20s ' "$name"
	"$lab" run "$name" --no-wait -w "$dir/$name.pcap" >/dev/null
	ls -l "$dir/$name.pcap" | awk '{ print $5 " bytes" }'
done

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$lab" list --table > "$tmp"
if ! grep '^|' "$dir/README" | cmp -s - "$tmp"; then
	echo "regenerate.sh: the table in captures/README is not" \
	    "\`synscope-lab list --table\`; put this one in:" >&2
	cat "$tmp" >&2
	exit 1
fi
