#!/usr/bin/env bash
# examples-test.sh — builds the dispatcher examples of crates/capi/examples (callbacks on the
# application's thread, net_websocket_ext.h) and runs each against the bundled echo server
# (make test-examples; with --valgrind, under valgrind: make test-valgrind).
#
# usage: scripts/examples-test.sh [--valgrind]
#
#   dispatcher_poll.c  a poll() loop over standard input and the dispatcher's fd, one thread
#   dispatcher_glib.c  a GLib main loop (g_unix_fd_add), built with pkg-config glib-2.0
#   dispatcher_uv.c    a libuv loop (uv_poll_t), built with pkg-config libuv
#   stats_monitor.c    a line of WebSocketEx_GetStats every second, for 2 s (statistics)
#
# Each is built as strict C99 with -Werror against the headers of crates/capi/include and
# target/release/libnet_websocket.so, must exit 0 (after a clean close) within the time limit,
# and must print every message it sent as received. Prints `ok NAME`, `FAILED NAME` (with the
# output), or `SKIP NAME: WHY` where the -dev package of its event loop is not installed
# (.ci/run installs libglib2.0-dev and libuv1-dev), then `examples: N passed, M failed, K
# skipped`; exits non-zero if anything failed, or was skipped with CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

valgrind=0
case $# in
0) ;;
1) [[ $1 == --valgrind ]] || { echo "usage: $0 [--valgrind]" >&2; exit 2; }; valgrind=1 ;;
*) echo "usage: $0 [--valgrind]" >&2; exit 2 ;;
esac

RELEASE_DIR=target/release
EXAMPLES=crates/capi/examples
BUILD_DIR=build/examples
if [[ ! -f $RELEASE_DIR/libnet_websocket.so ]]; then
    echo "examples-test: $RELEASE_DIR/libnet_websocket.so not found (run cargo build --release first)" >&2
    exit 2
fi
LIB_DIR=$(cd "$RELEASE_DIR" && pwd)
mkdir -p "$BUILD_DIR"
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -Icrates/capi/include)
LDFLAGS=("-L$LIB_DIR" -lnet_websocket "-Wl,-rpath,$LIB_DIR")
if ((valgrind)); then
    runner=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite -q --suppressions=crates/capi/tests/c/valgrind.supp)
    time_limit=300
else
    runner=()
    time_limit=30
fi

# The loopback server must not be reached through a proxy of the environment.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
source scripts/echo-server.sh
start_echo_server
url="ws://127.0.0.1:$ECHO_PORT/examples"

passed=0 failed=0 skipped=0
report() { # report NAME STATUS LOG
    if [[ $2 == 0 ]]; then
        echo "ok $1"
        passed=$((passed + 1))
    else
        echo "FAILED $1"
        sed 's/^/    /' "$3" | tail -n 40
        failed=$((failed + 1))
    fi
}

# check NAME LOG EXPECTED-LINE...: every line is in the log.
check() {
    local name=$1 log=$2 line status=0
    shift 2
    for line in "$@"; do
        grep -qxF -- "$line" "$log" || { echo "missing output: $line" >>"$log"; status=1; }
    done
    return "$status"
}

# build NAME [PKG-CONFIG-MODULE DEBIAN-PACKAGE]: builds it (a SKIP line when the module is
# missing).
build() {
    local name=$1 module=${2:-} package=${3:-} flags=() status=0
    if [[ -n $module ]]; then
        if ! command -v pkg-config >/dev/null || ! pkg-config --exists "$module"; then
            echo "SKIP $name: pkg-config finds no $module (Debian: apt-get install $package)"
            skipped=$((skipped + 1))
            return 1
        fi
        read -r -a flags <<<"$(pkg-config --cflags --libs "$module")"
    fi
    cc "${CFLAGS[@]}" -o "$BUILD_DIR/$name" "$EXAMPLES/$name.c" "${flags[@]}" "${LDFLAGS[@]}" \
        >"$BUILD_DIR/$name.build.log" 2>&1 || status=$?
    if ((status != 0)); then
        report "$name.build" "$status" "$BUILD_DIR/$name.build.log"
        return 1
    fi
}

# run NAME [ARGS...] < input: runs the example, its output and errors in BUILD_DIR/NAME.log.
run() {
    local name=$1 status=0
    shift
    timeout "$time_limit" "${runner[@]}" "$BUILD_DIR/$name" "$@" >"$BUILD_DIR/$name.log" 2>&1 ||
        status=$?
    ((status != 124)) || echo "timed out after $time_limit s" >>"$BUILD_DIR/$name.log"
    return "$status"
}

name=dispatcher_poll
if build "$name"; then
    status=0
    printf 'first line\nsecond line\n\nthird line, no newline' | run "$name" "$url" || status=$?
    ((status != 0)) || check "$name" "$BUILD_DIR/$name.log" "open: 101 Switching Protocols" \
        "received: first line" "received: second line" "received: third line, no newline" \
        "closed: 1000 bye" || status=$?
    report "$name" "$status" "$BUILD_DIR/$name.log"
fi

name=stats_monitor
if build "$name"; then
    status=0
    run "$name" "$url" 2 </dev/null || status=$?
    ((status != 0)) || check "$name" "$BUILD_DIR/$name.log" "open: 101 Switching Protocols" \
        "closed: 1000 bye" || status=$?
    # A line a second while open, and the last one after the close: messages went both ways.
    lines=$(grep -c '^stats: sent [1-9][0-9]* msgs / [0-9]* B, received [1-9]' \
        "$BUILD_DIR/$name.log" || true)
    ((status != 0 || lines >= 2)) || { echo "$lines stats lines with traffic" >>"$BUILD_DIR/$name.log"; status=1; }
    report "$name" "$status" "$BUILD_DIR/$name.log"
fi

for example in "dispatcher_glib glib-2.0 libglib2.0-dev GLib" \
    "dispatcher_uv libuv libuv1-dev libuv"; do
    read -r name module package loop <<<"$example"
    if build "$name" "$module" "$package"; then
        status=0
        run "$name" "$url" </dev/null || status=$?
        ((status != 0)) || check "$name" "$BUILD_DIR/$name.log" "open: 101 Switching Protocols" \
            "received: one from $loop" "received: two from $loop" \
            "received: three from $loop" "closed: 1000 bye" || status=$?
        report "$name" "$status" "$BUILD_DIR/$name.log"
    fi
done

echo "examples: $passed passed, $failed failed, $skipped skipped"
# In CI every example must run: a missing -dev package is an install step that failed.
if [[ ${CI:-} == true ]] && ((skipped > 0)); then
    echo "examples-test: $skipped skipped with CI=true (.ci/run installs libglib2.0-dev and libuv1-dev)" >&2
    exit 1
fi
((failed == 0))
