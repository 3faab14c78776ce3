#!/usr/bin/env bash
# build.sh — builds websocket_napi.cpp as a Node addon: the system C++ compiler, Node's
# node_api.h, the OpenHarmony porting kit (crates/capi/compat/openharmony) and
# libnet_websocket. A Node addon is a shared object named *.node; the Node-API functions stay
# undefined in it and come from the node executable when it is loaded.
#
# usage: crates/capi/examples/napi/build.sh OUTPUT.node
#   LIB_DIR           where libnet_websocket.so is (default target/release, from the
#                     repository root; the addon gets it as its rpath)
#   NODE_API_INCLUDE  a directory with node_api.h (default: the first of /usr/include/node,
#                     /usr/local/include/node, the include/node directory beside the node
#                     executable, and build/node-api-headers, where the npm package
#                     node-api-headers is installed when npm is there and none of the others
#                     has node_api.h)
# Exits 77, saying why on stderr, when no node_api.h can be found or installed.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
out=${1:?usage: $0 OUTPUT.node}
LIB_DIR=$(cd "${LIB_DIR:-target/release}" && pwd)
npm_headers=build/node-api-headers/node_modules/node-api-headers/include

node_api_dir() {
    local dir candidates=()
    [[ -n ${NODE_API_INCLUDE:-} ]] && candidates+=("$NODE_API_INCLUDE")
    candidates+=(/usr/include/node /usr/local/include/node)
    if command -v node >/dev/null; then
        candidates+=("$(dirname "$(readlink -f "$(command -v node)")")/../include/node")
    fi
    candidates+=("$npm_headers")
    for dir in "${candidates[@]}"; do
        if [[ -f $dir/node_api.h ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if ! include=$(node_api_dir); then
    if command -v npm >/dev/null; then
        echo "build.sh: no node_api.h found; installing the npm package node-api-headers" >&2
        npm install --silent --no-audit --no-fund --prefix build/node-api-headers \
            node-api-headers >&2 || true
    fi
    if ! include=$(node_api_dir); then
        echo "no node_api.h: install Node's headers (Debian: apt-get install libnode-dev) or npm" >&2
        exit 77
    fi
fi

mkdir -p "$(dirname "$out")"
${CXX:-c++} -std=c++17 -Wall -Wextra -Werror -shared -fPIC \
    -Icrates/capi/include -Icrates/capi/compat/openharmony "-I$include" \
    crates/capi/examples/napi/websocket_napi.cpp -o "$out" \
    "-L$LIB_DIR" -lnet_websocket "-Wl,-rpath,$LIB_DIR"
