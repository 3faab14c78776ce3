# Sourced by the scripts that need the bundled echo server: starts it on a free loopback port,
# exports ECHO_PORT and ECHO_PID, and stops it when the calling shell exits.
start_echo_server() {
    local fifo
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    "${RELEASE_DIR:-target/release}/ws-echo-server" --addr 127.0.0.1:0 >"$fifo" &
    ECHO_PID=$!
    trap 'kill "$ECHO_PID" 2>/dev/null || true' EXIT
    local line
    if ! read -r -t 10 line <"$fifo"; then
        echo "echo server did not start" >&2
        rm -f "$fifo"
        return 1
    fi
    rm -f "$fifo"
    ECHO_PORT=${line##*:}
    export ECHO_PORT ECHO_PID
}
