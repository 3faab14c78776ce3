#!/usr/bin/env bash
# Autobahn TestSuite client cases against libnet_websocket, driven by kosoku's fuzzingserver.
#
#   scripts/autobahn.sh [--standard | --fragments] [autobahn_run.py options: --parallel N, --cases GLOB...,
#                        --write-expected, --verbose]
#
# Default ("full") mode drives the cases through the extension header (typed echo,
# permessage-deflate, raised send limit) and fails on any FAILED / UNIMPLEMENTED / ERROR case,
# a FAILED close behaviour, or a case count other than 517. --fragments is the full mode with
# every message received in pieces and echoed piece by piece (WebSocketEx_SetFragmentCallback,
# WebSocketEx_SendFragment) and fails on any difference from the full mode's expected results
# (crates/capi/tests/autobahn/expected-full.json). --standard drives them through the
# standard header only and fails on any difference from
# crates/capi/tests/autobahn/expected-standard.json. Needs target/release/libnet_websocket.so
# (cargo build --release); creates .venv-autobahn once (kosoku from PyPI); writes
# build/autobahn/ and reports/autobahn-<mode>.json (+ -driver.log).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-autobahn
KOSOKU_VERSION=0.1.0
LIB_DIR=target/release
OUT=build/autobahn

if [[ ! -f "$LIB_DIR/libnet_websocket.so" ]]; then
    echo "autobahn.sh: $LIB_DIR/libnet_websocket.so is missing; run 'cargo build --release' first" >&2
    exit 1
fi

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('kosoku') != '$KOSOKU_VERSION')" \
        >/dev/null 2>&1; then
    echo "autobahn.sh: setting up $VENV (kosoku==$KOSOKU_VERSION)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV" || { echo "autobahn.sh: python3 -m venv failed" >&2; exit 1; }
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "kosoku==$KOSOKU_VERSION" \
        || { echo "autobahn.sh: pip install kosoku==$KOSOKU_VERSION failed" >&2; exit 1; }
fi

mkdir -p "$OUT"
# The fuzzingserver is on 127.0.0.1: a proxy from the caller's environment must not get between.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
${CC:-cc} -std=c99 -Wall -Wextra -Wpedantic -Werror -pthread -O2 -Icrates/capi/include \
    crates/capi/tests/autobahn/autobahn_client.c -o "$OUT/autobahn_client" \
    -L"$LIB_DIR" -lnet_websocket -Wl,-rpath,"$PWD/$LIB_DIR"

rc=0
timeout --kill-after=15 900 "$VENV/bin/python" scripts/autobahn_run.py "$OUT/autobahn_client" "$@" || rc=$?
if [[ $rc -eq 124 || $rc -eq 137 ]]; then
    echo "autobahn.sh: run did not finish within 900 s" >&2
fi
exit "$rc"
