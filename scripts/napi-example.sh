#!/usr/bin/env bash
# napi-example.sh — the OpenHarmony-style N-API module of crates/capi/examples/napi, built as a
# Node addon through the porting kit (crates/capi/compat/openharmony) and driven by Node against
# the bundled echo server (make test-napi).
#
# Checks what the driver prints (open, the echo, close) and the module's hilog lines on stderr
# (a {public} value shown, a value without a flag printed as <private>). Prints `ok napi
# example`, or `SKIP napi example: WHY` and exits 0 when Node or a node_api.h cannot be found or
# installed; anything else that fails exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE_DIR=target/release
BUILD_DIR=build/napi
if [[ ! -f $RELEASE_DIR/libnet_websocket.so ]]; then
    echo "napi-example: $RELEASE_DIR/libnet_websocket.so not found (run cargo build --release first)" >&2
    exit 2
fi
if ! command -v node >/dev/null; then
    echo "SKIP napi example: no node (Debian: apt-get install nodejs libnode-dev)"
    exit 0
fi
mkdir -p "$BUILD_DIR"
status=0
LIB_DIR=$RELEASE_DIR crates/capi/examples/napi/build.sh "$BUILD_DIR/websocket.node" \
    2>"$BUILD_DIR/build.log" || status=$?
if ((status == 77)); then
    echo "SKIP napi example: $(tail -n 1 "$BUILD_DIR/build.log")"
    exit 0
elif ((status != 0)); then
    echo "FAILED napi example: the addon did not build" >&2
    cat "$BUILD_DIR/build.log" >&2
    exit 1
fi

# The loopback server must not be reached through a proxy of the environment.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
source scripts/echo-server.sh
start_echo_server
expected="open: 101 Switching Protocols
message: hello from Node-API
close: 1000 done"
status=0
actual=$(timeout 30 node crates/capi/examples/napi/ws_echo.js "$BUILD_DIR/websocket.node" \
    "ws://127.0.0.1:$ECHO_PORT/" 2>"$BUILD_DIR/stderr.log") || status=$?
problems=()
((status == 0)) || problems+=("node exited with $status")
[[ $actual == "$expected" ]] || problems+=("its output differs")
for line in "I 0301/WebSocketNapi: onOpen: 101 Switching Protocols" \
    "I 0301/WebSocketNapi: onMessage: 19 bytes: <private>" \
    "I 0301/WebSocketNapi: Destroy: 0"; do
    grep -qxF -- "$line" "$BUILD_DIR/stderr.log" || problems+=("no log line \"$line\"")
done
if ((${#problems[@]} > 0)); then
    echo "FAILED napi example: ${problems[*]}; expected:" >&2
    echo "$expected" >&2
    echo "got:" >&2
    echo "$actual" >&2
    echo "stderr:" >&2
    cat "$BUILD_DIR/stderr.log" >&2
    exit 1
fi
echo "ok napi example"
