# Thin wrapper for C users: `make demo` builds everything and runs the C example against the
# bundled echo server; `make test` runs the whole test suite (what CI runs).
CARGO ?= cargo
CC ?= cc
RELEASE := target/release
INCLUDE := crates/capi/include

# Installation: `make install PREFIX=/usr DESTDIR=/tmp/stage` (LIBDIR for lib64 and the like).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install
# The workspace's version (Cargo.toml); its major number is the SONAME's (crates/capi/build.rs).
VERSION := $(shell sed -n '/^version = /{s/^version = "\(.*\)"$$/\1/p;q;}' Cargo.toml)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
SO := libnet_websocket.so
HEADER_DIR := network/netstack
HEADERS := net_websocket.h net_websocket_type.h net_websocket_ext.h
# A directory under $(PREFIX) is written as ${prefix}/... in the pkg-config file.
pc_path = $(if $(filter $(PREFIX)/%,$(1)),$${prefix}/$(patsubst $(PREFIX)/%,%,$(1)),$(1))

.PHONY: all build demo test test-rust test-console test-c test-peers test-examples test-napi test-install \
	test-docs test-valgrind \
	test-autobahn test-fuzz lint clean install uninstall

all: build

build:
	$(CARGO) build --release --workspace

demo: build
	scripts/demo.sh

test: build lint test-docs test-rust test-console test-c test-peers test-examples test-napi test-install \
	test-valgrind \
	test-autobahn \
	test-fuzz

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --release --workspace
	scripts/rust-example.sh

# The netws console on a terminal: netws in tmux against the echo server, keys sent and the
# screen read back (typing while messages arrive, history across runs, /ping, /close).
test-console: build
	scripts/netws-console-test.sh

test-c:
	scripts/c-tests.sh

# The per-message compression opt-out against python websockets' and Node ws' servers.
test-peers: build
	scripts/deflate-peers.sh

# The dispatcher examples (callbacks on the application's thread): a poll() loop, a GLib main
# loop and a libuv loop, built with pkg-config and run against the echo server; a SKIP line for
# an event loop whose -dev package is missing.
test-examples: build
	scripts/examples-test.sh

# The OpenHarmony-style N-API module of crates/capi/examples/napi, built as a Node addon through
# the porting kit and driven by Node against the echo server; a SKIP line where no Node or
# node_api.h can be found or installed.
test-napi: build
	scripts/napi-example.sh

# `make install` into build/install-test/ (staged with DESTDIR too), then C99, C++17, CMake
# and static programs built against it through pkg-config, each run against the echo server.
test-install: build
	scripts/install-test.sh

# Doxygen over the public headers (docs/Doxyfile, HTML in build/docs/html): fails on any
# undocumented part or documentation error.
test-docs:
	scripts/docs-test.sh

test-valgrind:
	scripts/c-tests.sh --valgrind
	scripts/examples-test.sh --valgrind

# The Autobahn TestSuite client cases (kosoku's fuzzingserver, installed into .venv-autobahn):
# every case through the extension API with permessage-deflate (fails on any FAILED or
# UNIMPLEMENTED case), then the same with every message received and echoed in pieces (fails
# on any result other than the whole-message run's, expected-full.json), then through the
# standard API alone (fails on any change from crates/capi/tests/autobahn/expected-standard.json).
test-autobahn:
	scripts/autobahn.sh
	scripts/autobahn.sh --fragments
	scripts/autobahn.sh --standard

# A short coverage-guided run of each parser target (libFuzzer on stable Rust, fuzz/): its
# seed corpus first, then new inputs for FUZZ_SECONDS each; fails on any crash, hang or
# memory blowup. The long runs: scripts/fuzz.sh --runs 10000000.
FUZZ_SECONDS ?= 30
test-fuzz:
	scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

# The release build as it is (no rebuild when it is up to date), the headers and a pkg-config
# file; see README.md, Installing.
install: build
	@test -n "$(VERSION)" || { echo "install: no version = \"...\" line in Cargo.toml" >&2; exit 1; }
	$(INSTALL) -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" \
		"$(DESTDIR)$(INCLUDEDIR)/$(HEADER_DIR)"
	$(INSTALL) -m 755 $(RELEASE)/$(SO) "$(DESTDIR)$(LIBDIR)/$(SO).$(VERSION)"
	ln -sfn $(SO).$(VERSION) "$(DESTDIR)$(LIBDIR)/$(SO).$(MAJOR)"
	ln -sfn $(SO).$(MAJOR) "$(DESTDIR)$(LIBDIR)/$(SO)"
	$(INSTALL) -m 644 $(RELEASE)/libnet_websocket.a "$(DESTDIR)$(LIBDIR)/libnet_websocket.a"
	$(INSTALL) -m 644 $(addprefix $(INCLUDE)/$(HEADER_DIR)/,$(HEADERS)) \
		"$(DESTDIR)$(INCLUDEDIR)/$(HEADER_DIR)"
	mkdir -p build
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|' -e 's|@VERSION@|$(VERSION)|' \
		crates/capi/net_websocket.pc.in >build/net_websocket.pc
	$(INSTALL) -m 644 build/net_websocket.pc "$(DESTDIR)$(PKGCONFIGDIR)/net_websocket.pc"

# Removes what install wrote (same PREFIX, LIBDIR, ... and DESTDIR), and the header
# directories if nothing else is in them.
uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/$(SO).$(VERSION)" "$(DESTDIR)$(LIBDIR)/$(SO).$(MAJOR)" \
		"$(DESTDIR)$(LIBDIR)/$(SO)" "$(DESTDIR)$(LIBDIR)/libnet_websocket.a" \
		"$(DESTDIR)$(PKGCONFIGDIR)/net_websocket.pc" \
		$(addprefix "$(DESTDIR)$(INCLUDEDIR)/$(HEADER_DIR)/,$(addsuffix ",$(HEADERS)))
	rmdir "$(DESTDIR)$(INCLUDEDIR)/$(HEADER_DIR)" "$(DESTDIR)$(INCLUDEDIR)/network" \
		2>/dev/null || true

clean:
	$(CARGO) clean
	rm -rf build
