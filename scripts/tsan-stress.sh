#!/usr/bin/env bash
# tsan-stress.sh — test_stress.c under ThreadSanitizer (optional; not part of `make test`).
#
# usage: scripts/tsan-stress.sh
#
# Builds libnet_websocket.so with rustc's ThreadSanitizer (-Zsanitizer=thread, allowed on the
# stable toolchain by RUSTC_BOOTSTRAP=1) into target/tsan/, builds test_stress.c with gcc's
# -fsanitize=thread against it, starts an echo server and runs the test once (its valgrind
# settings: 8 s, fewer sends), then sorts the reports:
#   - a race where at least one of the two accesses is in the C test's own code (the test's
#     threads, its callbacks, or data it hands to the library) is a finding: printed, and the
#     script fails;
#   - a race where both accesses are inside the Rust library is counted but not judged: Rust's
#     standard library comes precompiled without instrumentation (instrumenting it needs
#     -Zbuild-std and the rust-src component, which this toolchain lacks), so ThreadSanitizer
#     does not see the acquire and release of std's Mutex and RwLock when they wait, nor the
#     fences of Arc's drop, and reports every structure they protect (the registry, the
#     outbox, tokio's queues): about 70-110 reports per run, false positives as far as could be
#     told from their stacks.
# gcc 12's libtsan lacks the __tsan_memcpy/memmove/memset entry points that newer LLVM
# instrumentation calls; a three-line shim forwards them to the intercepted functions.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-gnu
LIB_DIR=$PWD/target/tsan/$TARGET/release
OUT=build/tsan
mkdir -p "$OUT"

# --target keeps build scripts and proc macros uninstrumented.
RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
    CARGO_TARGET_DIR=target/tsan cargo build --release -p net_websocket --target "$TARGET"
cargo build --release -p net_websocket_tools --bin ws-echo-server

cat >"$OUT/shim.c" <<'EOF'
#include <string.h>
void *__tsan_memcpy(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
void *__tsan_memmove(void *d, const void *s, size_t n) { return memmove(d, s, n); }
void *__tsan_memset(void *d, int c, size_t n) { return memset(d, c, n); }
EOF
gcc -O1 -g -std=c99 -Wall -Wextra -Werror -pthread -fsanitize=thread -Icrates/capi/include \
    -o "$OUT/test_stress" crates/capi/tests/c/test_stress.c crates/capi/tests/c/common.c \
    "$OUT/shim.c" -rdynamic "-L$LIB_DIR" -lnet_websocket "-Wl,-rpath,$LIB_DIR"

rm -f "$OUT"/report.* "$OUT/echo.out" "$OUT/findings.txt"
target/release/ws-echo-server --addr 127.0.0.1:0 >"$OUT/echo.out" &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    [[ -s $OUT/echo.out ]] && break
    sleep 0.1
done
line=$(head -n 1 "$OUT/echo.out")
[[ $line == "LISTENING "* ]] || { echo "tsan-stress: the echo server did not start" >&2; exit 2; }
export WS_ECHO_URL="ws://${line#LISTENING }"

status=0
WS_TEST_TIMEOUT_SCALE=3 TSAN_OPTIONS="history_size=4 exitcode=0 log_path=$OUT/report" \
    timeout 600 "$OUT/test_stress" >"$OUT/test_stress.log" 2>&1 || status=$?
tail -n 3 "$OUT/test_stress.log"
if ((status != 0)); then
    echo "tsan-stress: test_stress failed (exit $status); see $OUT/test_stress.log"
    exit 1
fi

# Each report: the first frame of each access that is not ThreadSanitizer's own (an
# interceptor such as memcpy, or the shim); a report is a finding if one of them is in C test
# code.
shopt -s nullglob
reports=("$OUT"/report.*)
awk -v findings="$OUT/findings.txt" '
    function flush() { if (text != "" && in_c) { print text > findings; found++ } ; text = ""; in_c = 0 }
    /^WARNING: ThreadSanitizer/ { flush(); total++; text = $0 "\n"; next }
    { if (text != "") text = text $0 "\n" }
    /^  (Write|Read|Atomic|Previous)/ { looking = 1; next }
    looking && /^    #[0-9]+ / {
        if ($0 ~ /libtsan|sanitizer_common|tsan_interceptors|shim\.c/) next
        if ($0 ~ /crates\/capi\/tests\/c\//) in_c = 1
        looking = 0
    }
    END { flush(); printf "%d reports, %d with an access in the C test code\n", total, found }
' /dev/null "${reports[@]}" | tee "$OUT/summary.txt"
if [[ -s $OUT/findings.txt ]]; then
    cat "$OUT/findings.txt"
    exit 1
fi
echo "tsan-stress: no race in the C test code (the rest is inside the uninstrumented Rust std)"
