#!/bin/sh
# tests/view.sh - the live view end to end: the real program in a tmux
# pane of a fixed size, driven with send-keys and read with capture-pane.
#
# Covered: both panes show the expected rows and states (80x24 and
# 200x60), Enter opens the ladder and Esc goes back, --paused then n
# applies packets one at a time, N stops at the next state change, /
# filters, w writes the ladder, q, Ctrl-C and SIGTERM exit 0 with the
# terminal restored, a resize (SIGWINCH) redraws at the new size both
# ways, NO_COLOR, and the non-interactive --ladder N.
#
# A private tmux server (-L) is used and killed on exit, so a user's tmux
# is never touched.  Waits poll the pane with a generous bound and assert
# nothing about wall-clock time.  Skips (77) without tmux, unless CI=true.
#
# Environment (set by "make check"): SYNSCOPE (the binary), top_srcdir.
set -u

: "${top_srcdir:=.}"
: "${SYNSCOPE:=${top_builddir:-.}/src/synscope}"
CAP="$top_srcdir/captures/close-client-first.pcap"
MIX="$top_srcdir/tests/pcap/ppp-raw_ip.pcap"

if [ ! -x "$SYNSCOPE" ]; then
	echo "view.sh: SYNSCOPE=$SYNSCOPE is not an executable" >&2
	exit 99
fi
case $SYNSCOPE in
/*) ;;
*) SYNSCOPE=$(pwd)/$SYNSCOPE ;;
esac
case $CAP in
/*) ;;
*) CAP=$(pwd)/$CAP; MIX=$(pwd)/$MIX ;;
esac
for f in "$CAP" "$MIX"; do
	if [ ! -r "$f" ]; then
		echo "view.sh: $f: test capture not found" >&2
		exit 99
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/synscope-view.XXXXXX") || exit 99
# one private server per case (a new one never races an old one's exit)
sock="synscope-view-$$-0"
socks=""
cleanup() {
	if command -v tmux >/dev/null 2>&1; then
		for s in $socks; do
			tmux -L "$s" kill-server >/dev/null 2>&1
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fails=0
ncase=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# ---------------------------------------------------------------- --ladder
ncase=$((ncase + 1))
out=$("$SYNSCOPE" -r "$CAP" --ladder 0 --ascii 2>"$tmp/err")
rc=$?
if [ $rc -ne 0 ]; then
	fail "--ladder 0: exit $rc: $(cat "$tmp/err")"
fi
for want in "TCP connection 0:" "handshake: SYN -> SYN-ACK" \
    "[S] seq 0" "[S.] seq 0 ack 1" "client CLOSED -> SYN-SENT" \
    "server LAST-ACK -> CLOSED" "TIME-WAIT"; do
	case $out in
	*"$want"*) ;;
	*) fail "--ladder 0: no '$want' in output" ;;
	esac
done
if [ -s "$tmp/err" ]; then
	fail "--ladder 0 wrote to stderr: $(cat "$tmp/err")"
fi
ncase=$((ncase + 1))
"$SYNSCOPE" -r "$CAP" --ladder 7 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 1 ] || [ -s "$tmp/out" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
	fail "--ladder 7 (no such connection): exit $rc, want 1 and one line"
fi
ncase=$((ncase + 1))
"$SYNSCOPE" -r "$CAP" -o view >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
	fail "-o view without a terminal: exit $rc, want 2 and one line"
fi

# -------------------------------------------------------------------- tmux
if ! command -v tmux >/dev/null 2>&1; then
	if [ "${CI:-}" = true ]; then
		echo "view.sh: tmux is required under CI" >&2
		exit 1
	fi
	echo "view.sh: tmux not found; skipping the terminal tests"
	[ $fails -eq 0 ] && exit 77
	exit 1
fi

T() {
	tmux -L "$sock" "$@"
}

# Start synscope with args in a w x h pane; after it exits the pane shows
# its status and whether the terminal is back in canonical mode with echo.
start() {
	w=$1 h=$2
	shift 2
	T kill-server >/dev/null 2>&1
	sock="synscope-view-$$-$ncase"
	socks="$socks $sock"
	rm -f "$tmp/done"
	{
		printf '#!/bin/sh\n'
		printf 'cd "%s" || exit 1\n' "$tmp"
		# outlive the Ctrl-C sent to the program's process group
		printf "trap : INT\n"
		if [ -n "${run_env:-}" ]; then
			printf 'export %s\n' "$run_env"
		fi
		printf '"%s"' "$SYNSCOPE"
		for a in "$@"; do
			printf ' "%s"' "$a"
		done
		printf '\nrc=$?\n'
		printf 'modes=$(stty -a | tr " ;" "\\n\\n" | grep -x -e icanon -e echo | tr "\\n" " ")\n'
		printf 'echo "EXIT=$rc MODES=$modes"\n'
		printf ': > "%s/done"\n' "$tmp"
		printf 'sleep 600\n'
	} >"$tmp/run.sh"
	chmod +x "$tmp/run.sh"
	T -f /dev/null new-session -d -s v -x "$w" -y "$h" "$tmp/run.sh" ||
	    { fail "tmux new-session"; return 1; }
}

screen() {
	T capture-pane -p -t v 2>/dev/null
}

# Wait until the pane shows a fixed string (bounded polling).
wait_for() {
	i=0
	while [ $i -lt 300 ]; do
		if screen | grep -F -q -- "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# Wait for a string or fail with the screen shown.
expect() {
	if ! wait_for "$1"; then
		fail "$2: '$1' never appeared"
		screen | sed 's/^/    | /' >&2
		return 1
	fi
	return 0
}

# The pane must not show a string (checked after a wait_for succeeded).
absent() {
	if screen | grep -F -q -- "$1"; then
		fail "$2: '$1' is shown"
		screen | sed 's/^/    | /' >&2
	fi
}

keys() {
	T send-keys -t v "$@"
}

# Quit with q and check the exit status and terminal modes.
quit_ok() {
	keys q
	expect "EXIT=0 MODES=icanon echo" "$1: q exits 0, terminal restored"
}

# ------------------------------------------------- both panes at 80 x 24
ncase=$((ncase + 1))
if start 80 24 -r "$MIX"; then
	expect "END" "80x24 replay reaches the end"
	expect "10.0.0.1:55469" "80x24 TCP row"
	expect "SYN-SENT" "80x24 TCP state"
	expect "192.30.253.124:443" "80x24 TCP row"
	expect "UDP ORIGINATOR" "80x24 UDP pane"
	expect "10.0.0.138:53" "80x24 UDP row"
	expect "REPLIED" "80x24 UDP state"
	# every line fits the pane
	if screen | awk 'length($0) > 80 { bad = 1 } END { exit !bad }'; then
		fail "80x24: a line is wider than the pane"
	fi
	# the filter: port 443 keeps one TCP connection and no UDP flow
	keys / p o r t Space 4 4 3 Enter
	expect "[filter: port 443]" "filter shown"
	expect "(none match the filter)" "filter empties the UDP pane"
	absent "10.0.0.1:55469" "filter port 443"
	expect "192.30.253.124:443" "filter keeps port 443"
	# a state name in ss(8) spelling, then a phase word
	keys / C-u
	keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace \
	    s y n - s e n t Enter
	expect "[filter: syn-sent]" "filter syn-sent shown"
	absent "192.30.253.124:443" "filter syn-sent"
	expect "82.102.152.19:80" "filter syn-sent keeps"
	quit_ok "80x24"
fi

# ---------------------------------------------------- all columns at 200 x 60
ncase=$((ncase + 1))
if start 200 60 -r "$MIX"; then
	expect "END" "200x60 replay reaches the end"
	for col in FLAGS PKTS BYTES RTT AGE IDLE; do
		expect "$col" "200x60 column $col"
	done
	expect "[2001:618:400::5199:cc70]:35995" "200x60 full IPv6 endpoint"
	expect "<BYTES" "200x60 UDP columns"
	# Tab to the UDP pane and open a flow
	keys Tab Enter
	expect "UDP flow 0:" "Enter on a UDP flow"
	keys Escape
	expect "UDP ORIGINATOR" "Esc back to the list"
	quit_ok "200x60"
fi

# ------------------------------------------- Enter opens the ladder, w writes
ncase=$((ncase + 1))
if start 100 30 -r "$CAP"; then
	expect "TIME-WAIT" "ladder: list"
	keys Enter
	expect "TCP connection 0:" "Enter opens the ladder"
	expect "handshake: SYN" "ladder handshake timing"
	expect "[S] seq 0 win" "ladder SYN arrow"
	expect "sent SYN (active open)" "ladder explanation"
	keys w
	expect "wrote synscope-tcp-0.txt" "w writes the ladder"
	if ! grep -q "server LAST-ACK .* CLOSED" "$tmp/synscope-tcp-0.txt" \
	    2>/dev/null; then
		fail "w: the written ladder lacks the last transition"
	fi
	keys End
	expect "got ACK of its FIN" "ladder scrolls to the end"
	keys Escape
	expect "TCP ORIGINATOR" "Esc goes back"
	keys '?'
	expect "live view - keys" "? shows help"
	keys Escape
	expect "TCP ORIGINATOR" "any key leaves help"
	quit_ok "ladder"
fi

# ------------------------------------------------------ --paused, then n
ncase=$((ncase + 1))
if start 100 24 -r "$CAP" --paused; then
	expect "pkt 0 " "--paused applies nothing"
	expect "PAUSED" "--paused status"
	expect "(no TCP connections)" "--paused: no connection yet"
	keys n
	expect "pkt 1 " "n applies one packet"
	expect "SYN-SENT" "after the SYN"
	keys n
	expect "pkt 2 " "n applies the next"
	expect "SYN-RECV" "after the SYN-ACK"
	keys n
	expect "pkt 3 " "n: the third"
	absent "SYN-RECV" "after the ACK"
	quit_ok "--paused n"
fi

# ------------------------------------------ N stops at the next state change
ncase=$((ncase + 1))
if start 100 24 -r "$CAP" --paused; then
	expect "pkt 0 " "N: paused at start"
	keys N
	expect "pkt 1 " "N: the SYN changes the client"
	keys N
	expect "pkt 2 " "N: the SYN-ACK changes both"
	keys N
	expect "pkt 3 " "N: the ACK establishes the server"
	keys N
	expect "FIN-WAIT-1" "N: skips data to the FIN"
	expect "pkt 8 " "N: the FIN is packet 8"
	quit_ok "--paused N"
fi

# --------------------------------------------------------- Ctrl-C, NO_COLOR
ncase=$((ncase + 1))
if start 80 24 -r "$CAP" --speed 0.001; then
	expect "ESTAB" "Ctrl-C: running"
	keys C-c
	expect "EXIT=0 MODES=icanon echo" "Ctrl-C exits 0, terminal restored"
fi
# ------------------------------------------------------ SIGTERM, SIGWINCH
# synscope, the child of the pane's shell
view_pid() {
	pp=$(T display-message -p -t v '#{pane_pid}' 2>/dev/null)
	[ -n "$pp" ] && pgrep -P "$pp" -x synscope 2>/dev/null | head -1
}
ncase=$((ncase + 1))
if start 80 24 -r "$CAP" --speed 0.001; then
	expect "ESTAB" "SIGTERM: running"
	vp=$(view_pid)
	if [ -z "$vp" ]; then
		fail "SIGTERM: synscope's pid not found"
	else
		kill -TERM "$vp"
		expect "EXIT=0 MODES=icanon echo" \
		    "SIGTERM exits 0, terminal restored"
	fi
fi
ncase=$((ncase + 1))
if start 80 24 -r "$MIX"; then
	expect "END" "SIGWINCH: replay reaches the end"
	absent "IDLE" "80 columns"
	# tmux resizes the pane: the program gets SIGWINCH
	T resize-window -t v -x 200 -y 60
	expect "IDLE" "SIGWINCH: redrawn at 200 columns"
	expect "[2001:618:400::5199:cc70]:35995" "SIGWINCH: full IPv6 endpoint"
	if screen | awk 'length($0) > 200 { bad = 1 } END { exit !bad }'; then
		fail "SIGWINCH: a line is wider than the pane"
	fi
	T resize-window -t v -x 80 -y 24
	i=0
	while screen | grep -F -q IDLE && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	absent "IDLE" "SIGWINCH: back to 80 columns"
	if screen | awk 'length($0) > 80 { bad = 1 } END { exit !bad }'; then
		fail "SIGWINCH: a line is wider than the pane after shrinking"
	fi
	quit_ok "SIGWINCH"
fi
ncase=$((ncase + 1))
run_env="NO_COLOR=1"
if start 80 24 -r "$CAP"; then
	run_env=""
	expect "TIME-WAIT" "NO_COLOR: rows shown"
	quit_ok "NO_COLOR"
fi

echo "view.sh: $ncase cases, $fails failures"
[ $fails -eq 0 ]
