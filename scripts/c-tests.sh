#!/usr/bin/env bash
# c-tests.sh — build and run the C tests of libnet_websocket.
#
# usage: scripts/c-tests.sh [--valgrind]
#
#   LIB_DIR      where libnet_websocket.so is (default target/release)
#   INCLUDE_DIR  the public headers (default crates/capi/include)
#   TOOLS_DIR    ws-echo-server, ws-hostile-server, ws-test-proxy and ws-test-pki (default
#                target/release)
#   (relative paths are taken from the repository root)
#   C_TESTS_ONLY comma-separated test names to run (default: all), e.g. test_hostile
#
# Builds every crates/capi/tests/c/test_*.c as strict C99 (plus test_cpp.c and test_abi.c as
# C++11, every test_*.cpp as C++17, and the example echo_demo.c) into build/c-tests/, checks
# the library's export list,
# generates a test PKI (ws-test-pki, plus an RSA client certificate and an encrypted key made by
# openssl), starts the local servers every test may use and runs each test with their
# addresses in the environment:
#   WS_ECHO_URL              ws:// echo server
#   WS_ECHO_SERVER           the ws-echo-server binary (absolute path), for a test that starts
#                            and stops a server of its own
#   WS_TLS_URL               wss://localhost:PORT echo server with a certificate of the test CA
#   WS_TLS_WRONG_NAME_URL    ... whose certificate is for other.example
#   WS_TLS_EXPIRED_URL       ... whose certificate expired in 2020
#   WS_TLS_CLIENT_AUTH_URL   ... that requires a client certificate of the test CA
#   WS_TLS_LOG               the log of the WS_TLS_URL server: one line per TLS handshake,
#                            `TLS <version> full` or `TLS <version> resumed`
#   WS_TLS12_URL             wss://localhost:PORT echo server that speaks TLS 1.2 only
#   WS_TLS_SELF_SIGNED_URL   wss://localhost:PORT echo server with a self-signed certificate
#                            (self-signed.pem; its pin is self-signed.pin)
#   WS_PKI_DIR               the certificates, keys and pins (server.pin, checked against
#                            openssl's computation of the same pin)
#   WS_HOSTILE_URL           ws:// server that breaks the protocol on purpose, one scenario per
#                            path (ws-hostile-server; --list prints them)
#   WS_HOSTILE_LOG           its log: one line `SCENARIO <name> <outcome>` per connection
#   WS_HOSTILE_SERVER        the ws-hostile-server binary (absolute path), for its --list
#   WS_HOSTILE_TLS_URL, WS_HOSTILE_TLS_LOG: the same server over TLS (wss://localhost:PORT,
#                            a certificate of the test CA) and its log
#   WS_UNIX_SOCKET, WS_UNIX_TLS_SOCKET: the echo server on Unix domain sockets (paths), plain
#                            and with TLS (a certificate of the test CA for localhost)
#   WS_HTTP_PROXY, WS_HTTP_AUTH_PROXY, WS_HTTP_DENY_PROXY: HTTP CONNECT proxies (plain; user
#                            "user" and password "p@ss word"; answering 403)
#   WS_SOCKS_PROXY, WS_SOCKS_AUTH_PROXY, WS_SOCKS_DENY_PROXY: SOCKS5 proxies (the same three)
#   WS_HTTPS_PROXY, WS_HTTPS_UNTRUSTED_PROXY: HTTP CONNECT proxies over TLS (certificates of
#                            the test CA, and of another CA)
#   WS_DIGEST_PROXY, WS_DIGEST_MD5_PROXY: HTTP CONNECT proxies asking for Digest (SHA-256 and
#                            MD5 offered, the connection kept after a 407; MD5 only, the
#                            connection closed), user "user", password "p@ss word"
#   WS_NTLM_PROXY            an HTTP CONNECT proxy that offers only NTLM and Negotiate
#   WS_..._PROXY_LOG         each proxy's log: one line per tunnel request
# The proxy variables are host:port; the tests add the scheme and credentials. Proxy and
# trust-store variables of the caller's environment are cleared first, so they cannot send
# the tests' traffic elsewhere, and NET_WEBSOCKET_COMPAT is cleared: the tests that check both
# modes (test_compat, test_xts.cxx) run twice, the second time as NAME.openharmony with
# NET_WEBSOCKET_COMPAT=openharmony. Prints `ok NAME` or `FAILED NAME` per test and ends with
# `c-tests: N passed, M failed`; exits non-zero if anything failed. --valgrind runs each test
# under valgrind (definite leaks and memory errors fail the test), with every deadline of the
# tests ten times longer (WS_TEST_TIMEOUT_SCALE=10) and the messages of the streaming tests
# (test_streaming, test_streaming_send: 512 MiB, 256 MiB and 64 MiB at full size) 64 times
# smaller (WS_STREAM_SCALE=64).
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
TOOLS_DIR=${TOOLS_DIR:-target/release}
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
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
    ws_proxy WS_PROXY wss_proxy WSS_PROXY SSL_CERT_FILE SSL_CERT_DIR SSLKEYLOGFILE \
    NET_WEBSOCKET_COMPAT

# -Werror=implicit-function-declaration: test_includes.c relies on what net_websocket.h
# includes, as OpenHarmony code does (C++ has no implicit declarations at all).
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -Werror=implicit-function-declaration -pthread
    "-I$INCLUDE_DIR")
CXXFLAGS=(-std=c++11 -Wall -Wextra -Werror -pthread "-I$INCLUDE_DIR")
CXX17FLAGS=(-std=c++17 -Wall -Wextra -Wpedantic -Werror -pthread "-I$INCLUDE_DIR")
LDFLAGS=("-L$LIB_DIR" -lnet_websocket "-Wl,-rpath,$LIB_DIR")

if ((valgrind)); then
    # See valgrind.supp: ring's AES-GCM tags, once per slice index of sendmsg.
    sendmsg_supp=$BUILD_DIR/valgrind-sendmsg.supp
    for ((i = 0; i < 64; i++)); do
        printf '{\n   ring-aes-gcm-tag-sent-%d\n   Memcheck:Param\n   sendmsg(msg.msg_iov[%d])\n   ...\n   fun:_ZN6rustls6vecbuf14ChunkVecBuffer8write_to*\n}\n' \
            "$i" "$i"
    done >"$sendmsg_supp"
    runner=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite -q "--suppressions=$TEST_DIR/valgrind.supp"
        "--suppressions=$sendmsg_supp")
    time_limit=600
    export WS_TEST_TIMEOUT_SCALE=10 WS_STREAM_SCALE=64
else
    runner=()
    time_limit=60
    export WS_STREAM_SCALE=1
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

# C++17 programs: OpenHarmony's conformance expectations (test_xts.cpp, written in C++ as
# its suites are) and the includes from C++ (test_includes.cpp).
for src in "$TEST_DIR"/test_*.cpp; do
    name=$(basename "$src" .cpp).cxx
    if build "$name" "$BUILD_DIR/$name.build.log" \
        c++ "${CXX17FLAGS[@]}" -o "$BUILD_DIR/$name" "$src" "$common_obj" "${LDFLAGS[@]}"; then
        tests+=("$name:$BUILD_DIR/$name")
    fi
done

demo_built=0
if build echo_demo "$BUILD_DIR/echo_demo.build.log" \
    cc "${CFLAGS[@]}" -o "$BUILD_DIR/echo_demo" "$EXAMPLE" "${LDFLAGS[@]}"; then
    demo_built=1
fi

# ---- test PKI ------------------------------------------------------------------------------

pki=$BUILD_DIR/pki
make_pki() {
    rm -rf "$pki"
    "$TOOLS_DIR/ws-test-pki" "$pki"
    # Keys as other tools write them: an RSA key in PKCS#1 ("RSA PRIVATE KEY") with its own
    # certificate from the test CA, and the P-256 client key encrypted by openssl's defaults.
    openssl genrsa -traditional -out "$pki/client-rsa-key.pem" 2048 2>/dev/null
    openssl req -new -key "$pki/client-rsa-key.pem" -subj /CN=ws-test-rsa-client \
        -out "$pki/client-rsa.csr"
    printf 'extendedKeyUsage=clientAuth\n' >"$pki/client-ext.cnf"
    openssl x509 -req -in "$pki/client-rsa.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca-key.pem" \
        -CAcreateserial -days 30 -extfile "$pki/client-ext.cnf" -out "$pki/client-rsa.pem" \
        2>/dev/null
    openssl pkcs8 -topk8 -in "$pki/client-key.pem" -passout pass:openssl-password \
        -out "$pki/client-key-openssl-encrypted.pem"
    grep -q 'BEGIN RSA PRIVATE KEY' "$pki/client-rsa-key.pem"
    grep -q 'BEGIN ENCRYPTED PRIVATE KEY' "$pki/client-key-openssl-encrypted.pem"
    # The pins, as curl's documentation computes them with openssl.
    local cert pin
    for cert in server self-signed; do
        pin=sha256//$(openssl x509 -in "$pki/$cert.pem" -pubkey -noout |
            openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
        [[ $pin == "$(cat "$pki/$cert.pin")" ]] ||
            { echo "$cert.pin is $(cat "$pki/$cert.pin"), openssl computes $pin"; return 1; }
    done
}
status=0
make_pki >"$BUILD_DIR/pki.log" 2>&1 || status=$?
if ((status != 0)); then report pki "$status" "$BUILD_DIR/pki.log"; fi
export WS_PKI_DIR=$pki

# ---- servers -------------------------------------------------------------------------------

server_pids=()
cleanup() {
    local pid
    for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# start NAME COMMAND...: runs a server whose first stdout line is `LISTENING 127.0.0.1:PORT`
# (the rest of its stdout is its log, in $BUILD_DIR/NAME.out); sets $listening to host:port.
start() {
    local name=$1 out=$BUILD_DIR/$1.out line="" i
    shift
    # The child truncates $out only after the fork: without this, the loop below could read
    # the previous run's LISTENING line and its stale port.
    rm -f "$out"
    "$@" >"$out" 2>"$BUILD_DIR/$name.err" &
    server_pids+=($!)
    for ((i = 0; i < 100; i++)); do
        line=$(head -n 1 "$out" 2>/dev/null || true)
        [[ $line == "LISTENING "* ]] && break
        kill -0 "${server_pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $line != "LISTENING 127.0.0.1:"* && $line != "LISTENING unix:"* ]]; then
        echo "$name did not print LISTENING (first line: '$line')"
        cat "$BUILD_DIR/$name.err"
        return 1
    fi
    listening=${line#LISTENING }
}

start_servers() {
    local echo=$TOOLS_DIR/ws-echo-server proxy=$TOOLS_DIR/ws-test-proxy
    local auth=(--user user --password 'p@ss word')
    start echo-server "$echo" --addr 127.0.0.1:0 || return
    export WS_ECHO_URL="ws://$listening"
    WS_ECHO_SERVER=$(cd "$(dirname "$echo")" && pwd)/$(basename "$echo")
    export WS_ECHO_SERVER
    start hostile-server "$TOOLS_DIR/ws-hostile-server" --addr 127.0.0.1:0 || return
    export WS_HOSTILE_URL="ws://$listening" WS_HOSTILE_LOG=$BUILD_DIR/hostile-server.out
    WS_HOSTILE_SERVER=$(cd "$TOOLS_DIR" && pwd)/ws-hostile-server
    export WS_HOSTILE_SERVER
    start hostile-tls-server "$TOOLS_DIR/ws-hostile-server" --tls-cert "$pki/server.pem" \
        --tls-key "$pki/server-key.pem" || return
    export WS_HOSTILE_TLS_URL="wss://localhost:${listening##*:}"
    export WS_HOSTILE_TLS_LOG=$BUILD_DIR/hostile-tls-server.out
    start unix-echo-server "$echo" --unix "$PWD/$BUILD_DIR/echo.sock" || return
    export WS_UNIX_SOCKET=${listening#unix:}
    start unix-tls-server "$echo" --unix "$PWD/$BUILD_DIR/echo-tls.sock" \
        --tls-cert "$pki/server.pem" --tls-key "$pki/server-key.pem" || return
    export WS_UNIX_TLS_SOCKET=${listening#unix:}
    start tls-server "$echo" --tls-cert "$pki/server.pem" --tls-key "$pki/server-key.pem" || return
    export WS_TLS_URL="wss://localhost:${listening##*:}" WS_TLS_LOG=$BUILD_DIR/tls-server.out
    start tls12-server "$echo" --tls-cert "$pki/server.pem" --tls-key "$pki/server-key.pem" \
        --tls-versions 1.2 || return
    export WS_TLS12_URL="wss://localhost:${listening##*:}"
    start tls-self-signed "$echo" --tls-cert "$pki/self-signed.pem" \
        --tls-key "$pki/self-signed-key.pem" || return
    export WS_TLS_SELF_SIGNED_URL="wss://localhost:${listening##*:}"
    start tls-wrong-name "$echo" --tls-cert "$pki/wrong-name.pem" \
        --tls-key "$pki/wrong-name-key.pem" || return
    export WS_TLS_WRONG_NAME_URL="wss://localhost:${listening##*:}"
    start tls-expired "$echo" --tls-cert "$pki/expired.pem" --tls-key "$pki/expired-key.pem" ||
        return
    export WS_TLS_EXPIRED_URL="wss://localhost:${listening##*:}"
    start tls-client-auth "$echo" --tls-cert "$pki/server.pem" --tls-key "$pki/server-key.pem" \
        --client-ca "$pki/ca.pem" || return
    export WS_TLS_CLIENT_AUTH_URL="wss://localhost:${listening##*:}"
    start http-proxy "$proxy" --protocol http || return
    export WS_HTTP_PROXY=$listening WS_HTTP_PROXY_LOG=$BUILD_DIR/http-proxy.out
    start http-auth-proxy "$proxy" --protocol http "${auth[@]}" || return
    export WS_HTTP_AUTH_PROXY=$listening WS_HTTP_AUTH_PROXY_LOG=$BUILD_DIR/http-auth-proxy.out
    start http-deny-proxy "$proxy" --protocol http --status "403 Forbidden" || return
    export WS_HTTP_DENY_PROXY=$listening WS_HTTP_DENY_PROXY_LOG=$BUILD_DIR/http-deny-proxy.out
    start https-proxy "$proxy" --protocol http --tls-cert "$pki/server.pem" \
        --tls-key "$pki/server-key.pem" || return
    export WS_HTTPS_PROXY=$listening WS_HTTPS_PROXY_LOG=$BUILD_DIR/https-proxy.out
    start https-untrusted-proxy "$proxy" --protocol http --tls-cert "$pki/other-server.pem" \
        --tls-key "$pki/other-server-key.pem" || return
    export WS_HTTPS_UNTRUSTED_PROXY=$listening
    export WS_HTTPS_UNTRUSTED_PROXY_LOG=$BUILD_DIR/https-untrusted-proxy.out
    start digest-proxy "$proxy" --protocol http --auth digest "${auth[@]}" || return
    export WS_DIGEST_PROXY=$listening WS_DIGEST_PROXY_LOG=$BUILD_DIR/digest-proxy.out
    start digest-md5-proxy "$proxy" --protocol http --auth digest-md5 "${auth[@]}" || return
    export WS_DIGEST_MD5_PROXY=$listening WS_DIGEST_MD5_PROXY_LOG=$BUILD_DIR/digest-md5-proxy.out
    start ntlm-proxy "$proxy" --protocol http --auth ntlm || return
    export WS_NTLM_PROXY=$listening WS_NTLM_PROXY_LOG=$BUILD_DIR/ntlm-proxy.out
    start socks-proxy "$proxy" --protocol socks5 || return
    export WS_SOCKS_PROXY=$listening WS_SOCKS_PROXY_LOG=$BUILD_DIR/socks-proxy.out
    start socks-auth-proxy "$proxy" --protocol socks5 "${auth[@]}" || return
    export WS_SOCKS_AUTH_PROXY=$listening WS_SOCKS_AUTH_PROXY_LOG=$BUILD_DIR/socks-auth-proxy.out
    start socks-deny-proxy "$proxy" --protocol socks5 --reply 2 || return
    export WS_SOCKS_DENY_PROXY=$listening WS_SOCKS_DENY_PROXY_LOG=$BUILD_DIR/socks-deny-proxy.out
}
status=0
start_servers >"$BUILD_DIR/servers.log" 2>&1 || status=$?
if ((status != 0)); then report servers "$status" "$BUILD_DIR/servers.log"; fi

# ---- run -----------------------------------------------------------------------------------

run() { # run NAME COMMAND...; output in $BUILD_DIR/NAME.log
    local name=$1 log=$BUILD_DIR/$1.log status=0
    shift
    timeout "$time_limit" "${runner[@]}" "$@" >"$log" 2>&1 || status=$?
    if ((status == 124)); then
        echo "timed out after ${time_limit} s" >>"$log"
    elif ((status > 128)); then
        echo "killed by signal $((status - 128)) (exit status $status)" >>"$log"
    fi
    local pid
    for pid in "${server_pids[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "a test server (pid $pid) is gone; see $BUILD_DIR/*.err" >>"$log"
        fi
    done
    report "$name" "$status" "$log"
}

for entry in "${tests[@]}"; do
    if [[ -n ${C_TESTS_ONLY:-} && ,$C_TESTS_ONLY, != *",${entry%%:*},"* ]]; then continue; fi
    run "${entry%%:*}" "./${entry#*:}"
    # With two workers a callback runs inline on one while the other stays free.
    if [[ ${entry%%:*} == test_blocking_callback ]]; then
        WS_TEST_THREADS=2 run test_blocking_callback.2workers "./${entry#*:}"
    fi
    # Both modes: OpenHarmony's return values with the switch, ours without.
    if [[ ${entry%%:*} == test_compat || ${entry%%:*} == test_xts.cxx ]]; then
        NET_WEBSOCKET_COMPAT=openharmony run "${entry%%:*}.openharmony" "./${entry#*:}"
    fi
done

if ((demo_built)) && [[ -z ${C_TESTS_ONLY:-} ]]; then
    run echo_demo "./$BUILD_DIR/echo_demo" "${WS_ECHO_URL:-}/demo"
    # Its output is part of its contract.
    status=0
    for line in "sent: Hello, WebSocket!" "received: Hello, WebSocket!" \
        "received: 4 bytes of binary: 00 01 fe ff" "closed: 1000"; do
        grep -q -F -- "$line" "$BUILD_DIR/echo_demo.log" || { echo "missing output: $line"; status=1; }
    done >"$BUILD_DIR/echo_demo.output.log"
    report echo_demo.output "$status" "$BUILD_DIR/echo_demo.output.log"
    # The README's wss:// quick start: the same program (it exits 0 only after a clean close),
    # the test CA as the system store.
    SSL_CERT_FILE=$pki/ca.pem SSL_CERT_DIR= run echo_demo.wss "./$BUILD_DIR/echo_demo" \
        "${WS_TLS_URL:-}/demo"
fi

echo "c-tests: $passed passed, $failed failed"
((failed == 0))
