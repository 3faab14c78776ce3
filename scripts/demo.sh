#!/usr/bin/env bash
# Builds the C example against the installed-layout headers and the release library, starts the
# bundled echo server and runs the example against it.
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE_DIR=target/release
mkdir -p build
${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -Icrates/capi/include \
    crates/capi/examples/echo_demo.c -o build/echo_demo \
    -L"$RELEASE_DIR" -lnet_websocket -Wl,-rpath,"$PWD/$RELEASE_DIR"
source scripts/echo-server.sh
start_echo_server
echo "echo server listening on 127.0.0.1:$ECHO_PORT"
build/echo_demo "ws://127.0.0.1:$ECHO_PORT/"
