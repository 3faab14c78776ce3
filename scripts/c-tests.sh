#!/usr/bin/env bash
# c-tests.sh — build and run the C tests of libnet_websocket.
#
# usage: scripts/c-tests.sh [--valgrind]
#
#   LIB_DIR      where libnet_websocket.so is (default target/release)
#   INCLUDE_DIR  the public headers (default crates/capi/include)
#   ECHO_SERVER  the echo server binary (default target/release/ws-echo-server)
#   (relative paths are taken from the repository root)
#
# Builds every crates/capi/tests/c/test_*.c as strict C99 (plus test_cpp.c and test_abi.c as
# C++11, and the example echo_demo.c) into build/c-tests/, checks the library's export list,
# starts one echo server and runs each test against it with WS_ECHO_URL set. Prints
# `ok NAME` or `FAILED NAME` per test and ends with `c-tests: N passed, M failed`; exits
# non-zero if anything failed. --valgrind runs each test under valgrind (definite leaks and
# memory errors fail the test).
set -euo pipefail

usage() {
    echo "usage: $0 [--valgrind]" >&2
    exit 2
}

valgrind=0
case $# in
0) ;;
1) [[ $1 == --valgrind ]] || usage; valgrind=1 ;;
*) usage ;;
esac

cd "$(dirname "$0")/.."
export LC_ALL=C # byte order for sort/comm
LIB_DIR=${LIB_DIR:-target/release}
INCLUDE_DIR=${INCLUDE_DIR:-crates/capi/include}
ECHO_SERVER=${ECHO_SERVER:-target/release/ws-echo-server}
TEST_DIR=crates/capi/tests/c
EXAMPLE=crates/capi/examples/echo_demo.c
BUILD_DIR=build/c-tests

lib=$LIB_DIR/libnet_websocket.so
if [[ ! -f $lib ]]; then
    echo "c-tests: $lib not found (run cargo build --release first)" >&2
    exit 2
fi
LIB_DIR=$(cd "$LIB_DIR" && pwd) # absolute, for the rpath
lib=$LIB_DIR/libnet_websocket.so
mkdir -p "$BUILD_DIR"

CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -pthread "-I$INCLUDE_DIR")
CXXFLAGS=(-std=c++11 -Wall -Wextra -Werror -pthread "-I$INCLUDE_DIR")
LDFLAGS=("-L$LIB_DIR" -lnet_websocket "-Wl,-rpath,$LIB_DIR")

if ((valgrind)); then
    runner=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite -q "--suppressions=$TEST_DIR/valgrind.supp")
    time_limit=600
    export WS_TEST_TIMEOUT_SCALE=10
else
    runner=()
    time_limit=60
fi

passed=0
failed=0
report() { # report NAME STATUS [LOG]
    if [[ $2 == 0 ]]; then
        echo "ok $1"
        passed=$((passed + 1))
    else
        echo "FAILED $1"
        failed=$((failed + 1))
        if [[ -n ${3:-} && -s $3 ]]; then sed 's/^/    /' "$3" | tail -n 40; fi
    fi
}

# ---- exports: the six standard functions plus WebSocketEx_* and nothing else ---------------

check_exports() {
    local expected names unexpected missing
    expected=$(printf '%s\n' OH_WebSocketClient_AddHeader OH_WebSocketClient_Close \
        OH_WebSocketClient_Connect OH_WebSocketClient_Constructor OH_WebSocketClient_Destroy \
        OH_WebSocketClient_Send)
    names=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed '/^$/d' | sort -u)
    unexpected=$(comm -13 <(echo "$expected") <(echo "$names") | grep -v '^WebSocketEx_' || true)
    missing=$(comm -23 <(echo "$expected") <(echo "$names"))
    [[ -z $unexpected ]] || echo "unexpected exports:" $unexpected
    [[ -z $missing ]] || echo "missing exports:" $missing
    [[ -z $unexpected && -z $missing ]]
}
status=0
check_exports >"$BUILD_DIR/exports.log" 2>&1 || status=$?
report exports "$status" "$BUILD_DIR/exports.log"

# ---- build ---------------------------------------------------------------------------------

tests=()    # NAME:BINARY of every test that built
build() {   # build NAME LOG COMMAND...
    local name=$1 log=$2 status=0
    shift 2
    "$@" >"$log" 2>&1 || status=$?
    if ((status != 0)); then report "$name" "$status" "$log"; fi
    return "$status"
}

common_obj=$BUILD_DIR/common.o
build common "$BUILD_DIR/common.build.log" \
    cc "${CFLAGS[@]}" -c "$TEST_DIR/common.c" -o "$common_obj" || true

for src in "$TEST_DIR"/test_*.c; do
    name=$(basename "$src" .c)
    if build "$name" "$BUILD_DIR/$name.build.log" \
        cc "${CFLAGS[@]}" -o "$BUILD_DIR/$name" "$src" "$common_obj" "${LDFLAGS[@]}"; then
        tests+=("$name:$BUILD_DIR/$name")
    fi
done

# The headers from C++: test_cpp.c uses the names without `struct`, test_abi.c pins the layout.
for name in test_cpp test_abi; do
    if build "$name.cxx" "$BUILD_DIR/$name.cxx.build.log" \
        c++ "${CXXFLAGS[@]}" -o "$BUILD_DIR/$name.cxx" -x c++ "$TEST_DIR/$name.c" -x none \
        "$common_obj" "${LDFLAGS[@]}"; then
        tests+=("$name.cxx:$BUILD_DIR/$name.cxx")
    fi
done

demo_built=0
if build echo_demo "$BUILD_DIR/echo_demo.build.log" \
    cc "${CFLAGS[@]}" -o "$BUILD_DIR/echo_demo" "$EXAMPLE" "${LDFLAGS[@]}"; then
    demo_built=1
fi

# ---- echo server ---------------------------------------------------------------------------

server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

start_server() {
    local out=$BUILD_DIR/echo-server.out line="" i
    [[ -x $ECHO_SERVER ]] || { echo "$ECHO_SERVER not found"; return 1; }
    # The child truncates $out only after the fork: without this, the loop below could read
    # the previous run's LISTENING line and its stale port.
    rm -f "$out"
    "$ECHO_SERVER" --addr 127.0.0.1:0 >"$out" 2>"$BUILD_DIR/echo-server.err" &
    server_pid=$!
    for ((i = 0; i < 100; i++)); do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        [[ $line == "LISTENING "* ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $line != "LISTENING 127.0.0.1:"* ]]; then
        echo "the echo server did not print LISTENING (first line: '$line')"
        cat "$BUILD_DIR/echo-server.err"
        return 1
    fi
    export WS_ECHO_URL="ws://${line#LISTENING }"
}
status=0
start_server >"$BUILD_DIR/echo-server.log" 2>&1 || status=$?
if ((status != 0)); then report echo-server "$status" "$BUILD_DIR/echo-server.log"; fi

# ---- run -----------------------------------------------------------------------------------

run() { # run NAME COMMAND...; output in $BUILD_DIR/NAME.log
    local name=$1 log=$BUILD_DIR/$1.log status=0
    shift
    timeout "$time_limit" "${runner[@]}" "$@" >"$log" 2>&1 || status=$?
    if ((status == 124)); then echo "timed out after ${time_limit} s" >>"$log"; fi
    if [[ -n ${server_pid:-} ]] && ! kill -0 "$server_pid" 2>/dev/null; then
        { echo "the echo server is gone; its stderr:"; cat "$BUILD_DIR/echo-server.err"; } >>"$log"
    fi
    report "$name" "$status" "$log"
}

for entry in "${tests[@]}"; do
    run "${entry%%:*}" "./${entry#*:}"
done

if ((demo_built)); then
    run echo_demo "./$BUILD_DIR/echo_demo" "${WS_ECHO_URL:-}/demo"
    # Its output is part of its contract.
    status=0
    for line in "sent: Hello, WebSocket!" "received: Hello, WebSocket!" \
        "received: 4 bytes of binary: 00 01 fe ff" "closed: 1000"; do
        grep -q -F -- "$line" "$BUILD_DIR/echo_demo.log" || { echo "missing output: $line"; status=1; }
    done >"$BUILD_DIR/echo_demo.output.log"
    report echo_demo.output "$status" "$BUILD_DIR/echo_demo.output.log"
fi

echo "c-tests: $passed passed, $failed failed"
((failed == 0))
