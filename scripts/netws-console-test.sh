#!/usr/bin/env bash
# The netws console on a real terminal (make test-console): netws runs in a detached tmux
# session of a fixed size against the bundled echo server on 127.0.0.1, keys go in with
# `tmux send-keys`, the screen comes back with `tmux capture-pane -p`, and every wait polls the
# screen for at most WAIT_SECONDS. HOME and XDG_STATE_HOME point into a temporary directory, so
# the user's history is never read or written.
#
# Prints `ok NAME` or `FAILED NAME` per check (a failure shows the screen), then
# `netws-console: N passed, M failed`; exits 1 if any check failed.
#
# The binaries: NETWS_RELEASE_DIR (default target/release), as
# `cargo build --release -p net_websocket_cli -p net_websocket_tools` leaves them.
set -euo pipefail
cd "$(dirname "$0")/.."

release=${NETWS_RELEASE_DIR:-target/release}
netws=$(realpath "$release/netws" 2>/dev/null || true)
echo_server=$(realpath "$release/ws-echo-server" 2>/dev/null || true)
if [ ! -x "$netws" ] || [ ! -x "$echo_server" ]; then
    echo "netws-console: no $release/netws or $release/ws-echo-server; build them first:" \
        "cargo build --release -p net_websocket_cli -p net_websocket_tools" >&2
    exit 2
fi
command -v tmux >/dev/null || { echo "netws-console: tmux is not installed" >&2; exit 2; }

WAIT_SECONDS=10
work=$(mktemp -d)
# A tmux server of our own: the user's sessions are never touched.
socket=netws-console-$$
server_pid=
cleanup() {
    tmux -L "$socket" kill-server 2>/dev/null || true
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

in_tmux() { tmux -L "$socket" -f /dev/null "$@"; }

# Polls until COMMAND succeeds, every 0.1 s, for at most WAIT_SECONDS.
eventually() {
    local tries=$((WAIT_SECONDS * 10))
    while [ "$tries" -gt 0 ]; do
        if "$@"; then return 0; fi
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

"$echo_server" --addr 127.0.0.1:0 >"$work/server.out" 2>&1 &
server_pid=$!
# -s: the file may not exist yet when the first poll comes.
listening() { grep -qs '^LISTENING ' "$work/server.out"; }
eventually listening || { echo "netws-console: the echo server did not start" >&2; exit 2; }
url="ws://$(sed -n 's/^LISTENING //p' "$work/server.out")"

# start NAME ARGS...: netws ARGS in a 100x30 window NAME; when it exits the window says
# "[netws exited STATUS]" and stays, to be read.
start() {
    local name=$1
    shift
    local command
    command=$(printf '%q ' env "HOME=$work/home" "XDG_STATE_HOME=$work/state" "$netws" "$@")
    in_tmux new-session -d -x 100 -y 30 -s "$name" \
        "$command; echo \"[netws exited \$?]\"; sleep $((WAIT_SECONDS * 30))"
}
screen() { in_tmux capture-pane -p -t "$1"; }
# The screen's lines without the empty ones below the text.
lines() { screen "$1" | sed '/^$/d'; }
shows() { screen "$1" | grep -qE -- "$2"; }
# The same with lines the window wrapped joined back (long lines such as /stats').
shows_joined() { in_tmux capture-pane -p -J -t "$1" | grep -qE -- "$2"; }
# Waits until window NAME shows a line matching the extended regex.
wait_for() { eventually shows "$1" "$2"; }
# Types TEXT key by key, as a person does (with a pause, so messages come in between).
type_slowly() {
    local name=$1 text=$2 i
    for ((i = 0; i < ${#text}; i++)); do
        in_tmux send-keys -t "$name" -l -- "${text:i:1}"
        sleep 0.05
    done
}
enter() { in_tmux send-keys -t "$1" -l -- "$2"; in_tmux send-keys -t "$1" Enter; }
last_tick() { lines "$1" | sed -n 's/^< tick \([0-9]*\)$/\1/p' | tail -n 1; }

passed=0
failed=0
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() {
    echo "FAILED $1: $2"
    echo "  the screen of $3:"
    lines "$3" | sed 's/^/  | /'
    failed=$((failed + 1))
}

# 1. Typing while messages arrive: /ticks/100 sends "tick N" every 100 ms.
check_typing_while_messages_arrive() {
    local name=typing
    start "$name" "$url/ticks/100"
    wait_for "$name" '^< tick 2$' || { fail "$name" "no ticks" "$name"; return; }
    local before during
    before=$(last_tick "$name")
    type_slowly "$name" "partial li"
    during=$(last_tick "$name")
    # A few more drawn above the line, after the typing too.
    if ! wait_for "$name" "^< tick $((during + 3))\$"; then
        fail "$name" "the ticks stopped" "$name"
        return
    fi
    local prompt above
    prompt=$(lines "$name" | tail -n 1)
    above=$(lines "$name" | tail -n 2 | head -n 1)
    if [ "$prompt" != "> partial li" ]; then
        fail "$name" "the prompt line is \"$prompt\", not \"> partial li\"" "$name"
    elif ! [[ "$above" =~ ^\<\ tick\ [0-9]+$ ]]; then
        fail "$name" "the line above the prompt is \"$above\", not a tick" "$name"
    elif [ "$(screen "$name" | grep -c 'partial')" != 1 ]; then
        fail "$name" "the typed text shows on more than one line" "$name"
    elif [ "$during" -le "$before" ]; then
        fail "$name" "no tick came while typing" "$name"
    else
        pass "typing_keeps_the_line_intact_while_messages_arrive"
    fi
    enter "$name" "ne"
    if wait_for "$name" '^< partial line$'; then
        pass "the_finished_line_is_sent_whole"
    else
        fail "the_finished_line_is_sent_whole" "no echo of \"partial line\"" "$name"
    fi
    enter "$name" "/quit"
    if wait_for "$name" '^\[netws exited 0\]$'; then
        pass "quit_closes_with_1000_and_exits_0"
    else
        fail "quit_closes_with_1000_and_exits_0" "no exit 0" "$name"
    fi
}

# 2. History across runs, /ping, /close CODE REASON.
check_history_ping_and_close() {
    local first=remember second=recall
    start "$first" "$url/"
    wait_for "$first" '^\* open: ' || { fail history "netws did not open" "$first"; return; }
    enter "$first" "remembered line"
    wait_for "$first" '^< remembered line$' || { fail history "no echo" "$first"; return; }
    in_tmux send-keys -t "$first" C-d
    if wait_for "$first" '^\[netws exited 0\]$'; then
        pass "ctrl_d_closes_with_1000_and_exits_0"
    else
        fail "ctrl_d_closes_with_1000_and_exits_0" "no exit 0" "$first"
    fi

    start "$second" "$url/"
    wait_for "$second" '^\* open: ' || { fail history "no second open" "$second"; return; }
    # The last entry is the first run's: Ctrl-D is not a line.
    in_tmux send-keys -t "$second" Up
    if wait_for "$second" '^> remembered line$'; then
        in_tmux send-keys -t "$second" Enter
        if wait_for "$second" '^< remembered line$' &&
            grep -qx 'remembered line' "$work/state/netws/history" &&
            [ ! -e "$work/home/.local/state/netws/history" ]; then
            pass "history_recalls_a_line_after_a_restart"
        else
            fail "history_recalls_a_line_after_a_restart" "the recalled line was not sent" "$second"
        fi
    else
        fail "history_recalls_a_line_after_a_restart" "Up did not bring the line back" "$second"
    fi

    enter "$second" "/ping hello"
    if wait_for "$second" '^\* pong "hello" after [0-9]+\.[0-9]{3} ms$'; then
        pass "ping_prints_the_round_trip_time"
    else
        fail "ping_prints_the_round_trip_time" "no pong line" "$second"
    fi

    # The pong above is counted; the line recalled from history was one message sent.
    enter "$second" "/stats"
    if eventually shows_joined "$second" '^\* stats: sent [1-9][0-9]* messages .* 1 pings, 1 pongs, rtt [1-9]'; then
        pass "stats_prints_the_connection_s_counters"
    else
        fail "stats_prints_the_connection_s_counters" "no stats line with the ping" "$second"
    fi

    enter "$second" "/close 4000 bye"
    # The echo server answers a close with its code and reason: 4000 came through.
    if wait_for "$second" '^\[netws exited 4\]$' && shows "$second" '^\* closed: 4000 bye$' &&
        shows "$second" 'closed with code 4000: bye, as netws asked$'; then
        pass "close_sends_its_code_and_reason"
    else
        fail "close_sends_its_code_and_reason" "no close 4000 \"bye\" with exit 4" "$second"
    fi
    if grep -qx '/close 4000 bye' "$work/state/netws/history"; then
        pass "commands_are_kept_in_the_history"
    else
        fail "commands_are_kept_in_the_history" "no /close line in the file" "$second"
    fi
}

# 3. --no-history neither reads nor writes the file; Ctrl-C twice leaves at once.
check_no_history_and_ctrl_c() {
    local name=private
    start "$name" --no-history "$url/"
    wait_for "$name" '^\* open: ' || { fail "$name" "netws did not open" "$name"; return; }
    in_tmux send-keys -t "$name" Up
    sleep 0.3
    enter "$name" "not kept"
    if wait_for "$name" '^< not kept$' && ! grep -q 'not kept' "$work/state/netws/history" &&
        ! shows "$name" 'remembered line'; then
        pass "no_history_neither_reads_nor_writes"
    else
        fail "no_history_neither_reads_nor_writes" "history was used" "$name"
    fi
    in_tmux send-keys -t "$name" C-c
    wait_for "$name" 'Ctrl-C again leaves at once' || { fail ctrl_c "no hint" "$name"; return; }
    in_tmux send-keys -t "$name" C-c
    if wait_for "$name" '^\[netws exited 0\]$'; then
        pass "ctrl_c_twice_leaves"
    else
        fail "ctrl_c_twice_leaves" "netws is still running" "$name"
    fi
}

check_typing_while_messages_arrive
check_history_ping_and_close
check_no_history_and_ctrl_c

echo "netws-console: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
