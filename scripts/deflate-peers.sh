#!/usr/bin/env bash
# The per-message opt-out (WEBSOCKET_EX_NO_COMPRESS) against other implementations' servers:
# python websockets and Node ws, each with permessage-deflate and context takeover. A message
# sent uncompressed mid-stream must stay out of our compressor's window, or the server fails
# to inflate the next one (crates/capi/tests/peers/deflate_peer_client.c says what is checked).
#
#   scripts/deflate-peers.sh
#
# Needs target/release/libnet_websocket.so (cargo build --release), python3 with venv, node and
# npm. Installs websockets (PyPI) into .venv-deflate-peers and ws (npm) into
# build/deflate-peers/ once, at pinned versions. Prints `ok NAME` / `FAILED NAME` per server
# and `deflate-peers: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

WEBSOCKETS_VERSION=17.4
WS_VERSION=8.23.1
VENV=.venv-deflate-peers
OUT=build/deflate-peers
PEERS=crates/capi/tests/peers
LIB_DIR=target/release

if [[ ! -f "$LIB_DIR/libnet_websocket.so" ]]; then
    echo "deflate-peers: $LIB_DIR/libnet_websocket.so is missing; run 'cargo build --release' first" >&2
    exit 1
fi
mkdir -p "$OUT"
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('websockets') != '$WEBSOCKETS_VERSION')" \
        >/dev/null 2>&1; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "websockets==$WEBSOCKETS_VERSION"
fi
if [[ "$(node -p "require('./$OUT/node_modules/ws/package.json').version" 2>/dev/null)" != "$WS_VERSION" ]]; then
    npm install --silent --no-audit --no-fund --prefix "$OUT" "ws@$WS_VERSION" >/dev/null
fi

${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -Icrates/capi/include \
    "$PEERS/deflate_peer_client.c" -o "$OUT/deflate_peer_client" \
    -L"$LIB_DIR" -lnet_websocket -Wl,-rpath,"$PWD/$LIB_DIR"

passed=0 failed=0
server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

# check NAME COMMAND...: starts the server (it prints its port first), runs the client.
check() {
    local name=$1 port=
    shift
    coproc SERVER { "$@" 2>"$OUT/$name.err"; }
    server_pid=$SERVER_PID
    read -r -t 20 port <&"${SERVER[0]}" || true
    if [[ -n $port ]] && timeout 60 "$OUT/deflate_peer_client" "ws://127.0.0.1:$port/" \
            >"$OUT/$name.log" 2>&1; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "FAILED $name"
        sed 's/^/    /' "$OUT/$name.log" "$OUT/$name.err" 2>/dev/null | tail -n 20
        failed=$((failed + 1))
    fi
    stop_server
}

check python-websockets "$VENV/bin/python" "$PEERS/deflate_echo.py"
check node-ws env NODE_PATH="$PWD/$OUT/node_modules" node "$PEERS/deflate_echo.js"

echo "deflate-peers: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
