# Thin wrapper for C users: `make demo` builds everything and runs the C example against the
# bundled echo server; `make test` runs the whole test suite (what CI runs).
CARGO ?= cargo
CC ?= cc
RELEASE := target/release
INCLUDE := crates/capi/include

.PHONY: all build demo test test-rust test-c test-valgrind test-autobahn lint clean

all: build

build:
	$(CARGO) build --release --workspace

demo: build
	scripts/demo.sh

test: build lint test-rust test-c test-valgrind test-autobahn

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --release --workspace
	scripts/rust-example.sh

test-c:
	scripts/c-tests.sh

test-valgrind:
	scripts/c-tests.sh --valgrind

# The Autobahn TestSuite client cases (kosoku's fuzzingserver, installed into .venv-autobahn):
# every case through the extension API with permessage-deflate (fails on any FAILED or
# UNIMPLEMENTED case), then through the standard API alone (fails on any change from
# crates/capi/tests/autobahn/expected-standard.json).
test-autobahn:
	scripts/autobahn.sh
	scripts/autobahn.sh --standard

clean:
	$(CARGO) clean
	rm -rf build
