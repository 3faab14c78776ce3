#!/usr/bin/env bash
# fuzz.sh — coverage-guided fuzzing of the parsers (libFuzzer, stable Rust).
#
# usage: scripts/fuzz.sh [--seconds N | --runs R] [--jobs J] [--asan] [--max-len B] [TARGET...]
#
#   --seconds N   how long each target runs (default 45)
#   --runs R      run each target for R executions instead (the long runs: --runs 10000000)
#   --jobs J      how many targets run at once (default 1; the machine has 2 cores)
#   --asan        AddressSanitizer as well (RUSTC_BOOTSTRAP=1 -Zsanitizer=address on stable;
#                 about half the speed, a separate build in fuzz/target/asan)
#   --max-len B   largest input libFuzzer makes (default 4096)
#   TARGET        frame_decoder frame_decoder_deflate handshake_response url proxy_replies
#                 (default: all five)
#
# Builds the targets of fuzz/ (a crate outside the main workspace) with sanitizer-coverage
# flags on the stable toolchain: libFuzzer comes from the libfuzzer-sys crate, compiled from
# its C++ source with the system's C++ compiler, so nothing is installed but crates (a first
# build takes about 1.5 minutes on 2 cores; later ones reuse fuzz/target). Each target runs
# for N seconds on a scratch copy of its seed corpus fuzz/corpus/<target>/ (the committed
# corpus is never modified). Crashing inputs go to fuzz/artifacts/<target>/, with the command
# that replays one. Prints one line per target (executions, coverage, corpus growth, crashes)
# and ends with `fuzz: N passed, M failed`; exits non-zero if any target crashed, timed out,
# ran out of memory or did not run.
#
#   FUZZ_SCRATCH  where the corpus copies and logs go (default: a fresh mktemp -d, removed
#                 at the end unless a target failed)
#   FUZZ_KEEP     set to keep the grown corpora: e.g. `FUZZ_KEEP=1 FUZZ_SCRATCH=/tmp/f ...`
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

ALL_TARGETS=(frame_decoder frame_decoder_deflate frame_decoder_pieces handshake_response url proxy_replies)
seconds=45
runs=0
jobs=1
asan=0
max_len=4096
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="${2:?}"; shift 2 ;;
        --seconds=*) seconds="${1#*=}"; shift ;;
        --runs) runs="${2:?}"; shift 2 ;;
        --runs=*) runs="${1#*=}"; shift ;;
        --jobs) jobs="${2:?}"; shift 2 ;;
        --jobs=*) jobs="${1#*=}"; shift ;;
        --max-len) max_len="${2:?}"; shift 2 ;;
        --max-len=*) max_len="${1#*=}"; shift ;;
        --asan) asan=1; shift ;;
        -h|--help) usage ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t" >&2; usage; }
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "fuzz.sh: --seconds needs a positive number" >&2; exit 2; }
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || { echo "fuzz.sh: --jobs needs a positive number" >&2; exit 2; }
[[ "$runs" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --runs needs a number" >&2; exit 2; }
if [ "$runs" -gt 0 ]; then
    limit=(-runs="$runs")
else
    limit=(-max_total_time="$seconds")
fi

cd "$(dirname "$0")/.."
root=$(pwd)
fuzz="$root/fuzz"

# libfuzzer-sys compiles libFuzzer (C++) with the cc crate.
command -v c++ >/dev/null || command -v g++ >/dev/null || {
    echo "fuzz.sh: no C++ compiler (apt-get install g++): libFuzzer is built from source" >&2
    exit 1
}

host=$(rustc -vV | sed -n 's/^host: //p')
flags=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0
    --cfg fuzzing
    -Cdebug-assertions
    -Coverflow-checks
)
target_dir="$fuzz/target"
if [ "$asan" = 1 ]; then
    # -Z flags on the stable compiler; its asan runtime ships with the standard library.
    export RUSTC_BOOTSTRAP=1
    flags+=(-Zsanitizer=address)
    target_dir="$fuzz/target/asan"
fi
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
export RUSTFLAGS="${flags[*]}"

build_start=$(date +%s)
bin_args=()
for t in "${targets[@]}"; do bin_args+=(--bin "$t"); done
# --target: the flags apply to the fuzzed code only, not to build scripts and proc macros.
cargo build --manifest-path "$fuzz/Cargo.toml" --locked --release \
    --target "$host" --target-dir "$target_dir" "${bin_args[@]}"
bin_dir="$target_dir/$host/release"
echo "fuzz: built ${#targets[@]} target(s) in $(( $(date +%s) - build_start )) s"

scratch="${FUZZ_SCRATCH:-$(mktemp -d /tmp/fuzz.XXXXXX)}"
mkdir -p "$scratch"

# Runs one target; its summary line goes to $scratch/<target>.summary, 0/1 to .status.
run_target() {
    local t="$1"
    local corpus="$scratch/$t/corpus" log="$scratch/$t/log" artifacts="$fuzz/artifacts/$t"
    rm -rf "$scratch/$t"
    mkdir -p "$corpus" "$artifacts"
    cp "$fuzz/corpus/$t"/* "$corpus/"
    local seeds
    seeds=$(ls "$corpus" | wc -l)
    local before
    before=$(ls "$artifacts" | wc -l)
    local rc=0 start
    start=$(date +%s)
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: memory blowups fail.
    "$bin_dir/$t" "${limit[@]}" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" >"$log" 2>&1 || rc=$?
    local took=$(( $(date +%s) - start ))
    [ "$took" -gt 0 ] || took=1
    local execs cov grown
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    grown=$(ls "$corpus" | wc -l)
    local found=$(( $(ls "$artifacts" | wc -l) - before ))
    local line="$t: ${execs:-0} execs in $took s ($(( ${execs:-0} / took ))/s), ${cov:-cov: ?}, corpus $seeds -> $grown, crashes $found"
    if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ] || [ -z "$execs" ]; then
        {
            echo "fuzz: FAILED $line (exit $rc)"
            { grep -E "panicked at|ERROR: libFuzzer|SUMMARY" -A3 "$log" || true; } | head -30 | sed 's/^/    /'
            for a in $(ls -t "$artifacts" | head -3); do
                echo "    replay: $bin_dir/$t $artifacts/$a"
            done
            echo "    log: $log"
        } >"$scratch/$t.summary"
        echo 1 >"$scratch/$t.status"
    else
        echo "fuzz: ok $line" >"$scratch/$t.summary"
        echo 0 >"$scratch/$t.status"
    fi
}

run_start=$(date +%s)
running=0
for t in "${targets[@]}"; do
    run_target "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

passed=0
failed=0
for t in "${targets[@]}"; do
    cat "$scratch/$t.summary" 2>/dev/null || echo "fuzz: FAILED $t: did not run"
    if [ "$(cat "$scratch/$t.status" 2>/dev/null)" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "fuzz: ran ${#targets[@]} target(s) in $(( $(date +%s) - run_start )) s"
if [ "$failed" -eq 0 ] && [ -z "${FUZZ_SCRATCH:-}" ] && [ -z "${FUZZ_KEEP:-}" ]; then
    rm -rf "$scratch"
elif [ "$failed" -ne 0 ] || [ -n "${FUZZ_KEEP:-}" ]; then
    echo "fuzz: corpora and logs in $scratch"
fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
