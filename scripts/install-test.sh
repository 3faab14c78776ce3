#!/usr/bin/env bash
# install-test.sh — `make install` as a C user meets it.
#
# usage: scripts/install-test.sh   (after `cargo build --release`; `make test-install` does both)
#
# Everything happens under build/install-test/:
#   staged     make install with DESTDIR, a PREFIX outside the tree and LIBDIR=.../lib64: exactly
#              the expected files, a pkg-config file naming PREFIX (not DESTDIR); then
#              make uninstall with the same variables leaves no file behind
#   installed  make install PREFIX=build/install-test/prefix, which the rest uses
#   soname     the installed library is the release build, has SONAME libnet_websocket.so.0,
#              the two symlinks resolve to it, and it exports only OH_WebSocketClient_* and
#              WebSocketEx_*
#   pkg-config version, cflags, libs and static libs of net_websocket.pc
#   build.c99, build.c++17   roundtrip.c and roundtrip.cpp with `pkg-config --cflags --libs`
#   build.cmake              a CMake project finding it with pkg_check_modules(IMPORTED_TARGET)
#   build.static             roundtrip.c against libnet_websocket.a with `pkg-config --static`
#   run.*      each program (found through its rpath, no LD_LIBRARY_PATH) against the bundled
#              echo server on 127.0.0.1: connect, send, echo, close, onClose
# Prints `ok NAME` or `FAILED NAME` (with the end of its log) per check and ends with
# `install-test: N passed, M failed`; exits non-zero if anything failed.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C
ROOT=$PWD
WORK=$ROOT/build/install-test
SRC=$ROOT/crates/capi/tests/install
RELEASE=$ROOT/target/release
MAKE=${MAKE:-make}
TIME_LIMIT=30 # per program; each of its waits is bounded at 10 s

for file in "$RELEASE/libnet_websocket.so" "$RELEASE/libnet_websocket.a" \
    "$RELEASE/ws-echo-server"; do
    if [[ ! -f $file ]]; then
        echo "install-test: $file not found (run cargo build --release first)" >&2
        exit 2
    fi
done
VERSION=$(sed -n '/^version = /{s/^version = "\(.*\)"$/\1/p;q;}' Cargo.toml)

# Nothing of the caller's environment may steer the build or the traffic elsewhere.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
    PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR CMAKE_PREFIX_PATH LD_LIBRARY_PATH \
    DESTDIR PREFIX LIBDIR INCLUDEDIR PKGCONFIGDIR
rm -rf "$WORK"
mkdir -p "$WORK"

passed=0
failed=0
# report NAME STATUS LOG
report() {
    if (($2 == 0)); then
        echo "ok $1"
        passed=$((passed + 1))
    else
        echo "FAILED $1"
        failed=$((failed + 1))
        sed 's/^/    /' "$3" | tail -n 40
    fi
}

# check NAME COMMAND...: runs COMMAND in a subshell that stops at its first failing command
# (set -e holds there because check itself is never called as a condition), with its output
# in $WORK/NAME.log; reports it and sets $last to its status.
check() {
    local name=$1 log=$WORK/$1.log
    shift
    set +e
    (
        set -e
        "$@"
    ) >"$log" 2>&1
    last=$?
    set -e
    report "$name" "$last" "$log"
}

# expect WHAT ACTUAL EXPECTED: fails, saying so, unless the two are equal.
expect() {
    if [[ $2 != "$3" ]]; then
        printf '%s:\n  expected: %s\n  got:      %s\n' "$1" "$3" "$2"
        return 1
    fi
}

# ---- staged install and uninstall -----------------------------------------------------------

STAGE=$WORK/stage
STAGED_PREFIX=/opt/net_websocket
staged() {
    local vars=(DESTDIR="$STAGE" PREFIX="$STAGED_PREFIX" LIBDIR="$STAGED_PREFIX/lib64")
    "$MAKE" -s --no-print-directory install "${vars[@]}"
    local lib=$STAGE$STAGED_PREFIX/lib64 expected
    expected=$(printf '%s\n' \
        "$STAGED_PREFIX/include/network/netstack/net_websocket.h" \
        "$STAGED_PREFIX/include/network/netstack/net_websocket_ext.h" \
        "$STAGED_PREFIX/include/network/netstack/net_websocket_type.h" \
        "$STAGED_PREFIX/lib64/libnet_websocket.a" \
        "$STAGED_PREFIX/lib64/libnet_websocket.so" \
        "$STAGED_PREFIX/lib64/libnet_websocket.so.0" \
        "$STAGED_PREFIX/lib64/libnet_websocket.so.$VERSION" \
        "$STAGED_PREFIX/lib64/pkgconfig/net_websocket.pc")
    expect "files under DESTDIR" "$(cd "$STAGE" && find . ! -type d | sed 's|^\.||' | sort)" \
        "$expected"
    expect "prefix= of the pkg-config file" "$(grep '^prefix=' "$lib/pkgconfig/net_websocket.pc")" \
        "prefix=$STAGED_PREFIX"
    expect "libdir= of the pkg-config file" "$(grep '^libdir=' "$lib/pkgconfig/net_websocket.pc")" \
        'libdir=${prefix}/lib64'
    "$MAKE" -s --no-print-directory uninstall "${vars[@]}"
    expect "files left after uninstall" "$(cd "$STAGE" && find . ! -type d)" ""
    expect "header directories left" "$(find "$STAGE" -name network)" ""
}
check staged staged

# ---- the install the programs use -----------------------------------------------------------

PREFIX=$WORK/prefix
LIB=$PREFIX/lib
check installed "$MAKE" -s --no-print-directory install PREFIX="$PREFIX"

soname() {
    local real=$LIB/libnet_websocket.so.$VERSION
    cmp "$RELEASE/libnet_websocket.so" "$real" # the release build, not another one
    readelf -d "$real" | grep -F 'Library soname: [libnet_websocket.so.0]'
    expect "libnet_websocket.so.0 ->" "$(readlink "$LIB/libnet_websocket.so.0")" \
        "libnet_websocket.so.$VERSION"
    expect "libnet_websocket.so ->" "$(readlink "$LIB/libnet_websocket.so")" \
        "libnet_websocket.so.0"
    expect "libnet_websocket.so resolves to" "$(readlink -f "$LIB/libnet_websocket.so")" "$real"
    local names
    names=$(nm -D --defined-only "$real" | awk '{print $3}' | sort)
    echo "$names"
    expect "exports other than OH_WebSocketClient_* and WebSocketEx_*" \
        "$(grep -v -e '^OH_WebSocketClient_' -e '^WebSocketEx_' <<<"$names" || true)" ""
    expect "standard functions exported" "$(grep -c '^OH_WebSocketClient_' <<<"$names")" 6
}
check soname soname

export PKG_CONFIG_PATH=$LIB/pkgconfig
pkgconfig() {
    pkg-config --validate net_websocket
    expect "--modversion" "$(pkg-config --modversion net_websocket)" "$VERSION"
    expect "--cflags" "$(pkg-config --cflags net_websocket | xargs)" "-I$PREFIX/include"
    expect "--libs" "$(pkg-config --libs net_websocket | xargs)" "-L$LIB -lnet_websocket"
    local static
    static=$(pkg-config --static --libs net_websocket | xargs)
    [[ $static == "-L$LIB -lnet_websocket -l"* ]] || { echo "--static --libs: $static"; return 1; }
}
check pkg-config pkgconfig

# ---- builds ---------------------------------------------------------------------------------

WARNINGS=(-Wall -Wextra -Wpedantic -Werror)
# needs_installed_so PROGRAM: it asks the loader for libnet_websocket.so.0 (the SONAME).
needs_installed_so() {
    readelf -d "$1" | grep -F 'Shared library: [libnet_websocket.so.0]'
}

build_c99() {
    # shellcheck disable=SC2046 # pkg-config's words are separate arguments
    cc -std=c99 "${WARNINGS[@]}" -pthread -o "$WORK/roundtrip-c99" "$SRC/roundtrip.c" \
        $(pkg-config --cflags --libs net_websocket) -Wl,-rpath,"$LIB"
    needs_installed_so "$WORK/roundtrip-c99"
}
build_cxx17() {
    # shellcheck disable=SC2046
    c++ -std=c++17 "${WARNINGS[@]}" -pthread -o "$WORK/roundtrip-c++17" "$SRC/roundtrip.cpp" \
        $(pkg-config --cflags --libs net_websocket) -Wl,-rpath,"$LIB"
    needs_installed_so "$WORK/roundtrip-c++17"
}
build_cmake() {
    # CMake finds the pkg-config file through CMAKE_PREFIX_PATH, as a user's project would.
    env -u PKG_CONFIG_PATH cmake -S "$SRC/cmake" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX"
    cmake --build "$WORK/cmake" --verbose
    needs_installed_so "$WORK/cmake/roundtrip-cmake"
}
build_static() {
    # `pkg-config --static` adds what the archive needs from the system (Libs.private);
    # -l:libnet_websocket.a picks the archive where -lnet_websocket would pick the .so.
    local libs
    libs=$(pkg-config --static --libs net_websocket)
    # shellcheck disable=SC2046,SC2086
    cc -std=c99 "${WARNINGS[@]}" -pthread -o "$WORK/roundtrip-static" "$SRC/roundtrip.c" \
        $(pkg-config --cflags net_websocket) ${libs/-lnet_websocket/-l:libnet_websocket.a}
    if readelf -d "$WORK/roundtrip-static" | grep -F libnet_websocket; then
        echo "the static build still needs the shared library"
        return 1
    fi
}
programs=() # NAME:BINARY of every program that built
for build in c99:roundtrip-c99 c++17:roundtrip-c++17 cmake:cmake/roundtrip-cmake \
    static:roundtrip-static; do
    name=${build%%:*}
    check "build.$name" "build_${name//+/x}"
    if ((last == 0)); then programs+=("$name:$WORK/${build#*:}"); fi
done

# ---- runs against the echo server -----------------------------------------------------------

server_pid=""
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# Starts ws-echo-server on an ephemeral port; sets $echo_url from the LISTENING line it prints.
start_echo_server() {
    local out=$WORK/echo-server.out line="" i
    "$RELEASE/ws-echo-server" --addr 127.0.0.1:0 >"$out" 2>"$WORK/echo-server.err" &
    server_pid=$!
    for ((i = 0; i < 100; i++)); do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        [[ $line == "LISTENING "* ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $line != "LISTENING 127.0.0.1:"* ]]; then
        echo "ws-echo-server did not print LISTENING (first line: '$line')"
        cat "$WORK/echo-server.err"
        return 1
    fi
    echo_url="ws://${line#LISTENING }/install-test"
}

# run_program BINARY: the installed library is the one loaded (through the rpath, or none
# at all for the static build) and the round trip succeeds within the time limit.
run_program() {
    local binary=$1 status=0
    if needs_installed_so "$binary" >/dev/null; then
        ldd "$binary" | grep -F "libnet_websocket.so.0 => $LIB/libnet_websocket.so.0"
    fi
    timeout "$TIME_LIMIT" "$binary" "$echo_url" || status=$?
    if ((status == 124)); then echo "timed out after $TIME_LIMIT s"; fi
    return "$status"
}

# Started in this shell (not through check): the runs need its pid and address.
status=0
start_echo_server >"$WORK/echo-server.log" 2>&1 || status=$?
report echo-server "$status" "$WORK/echo-server.log"
if ((status == 0)); then
    for entry in "${programs[@]}"; do
        check "run.${entry%%:*}" run_program "${entry#*:}"
    done
fi

echo "install-test: $passed passed, $failed failed"
((failed == 0))
