#!/usr/bin/env bash
# Runs the async Rust API's example (built by `cargo test --release`) against the bundled echo
# server and checks what it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE_DIR=target/release
example=$RELEASE_DIR/examples/async_chat
if [[ ! -x $example ]]; then
    echo "rust-example: $example not found (run cargo test --release first)" >&2
    exit 2
fi
# The loopback server must not be reached through a proxy of the environment.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
source scripts/echo-server.sh
start_echo_server
expected="connected to ws://127.0.0.1:$ECHO_PORT (101)
received: one
received: two words
closed: 1000 done"
actual=$(timeout 20 "$example" "ws://127.0.0.1:$ECHO_PORT/" one "two words")
if [[ $actual != "$expected" ]]; then
    echo "FAILED async_chat example; expected:" >&2
    echo "$expected" >&2
    echo "got:" >&2
    echo "$actual" >&2
    exit 1
fi
echo "ok async_chat example"
