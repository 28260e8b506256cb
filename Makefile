# Doudi: the two commands of the README's Quick start are `make run` and `make test`.
SHELL := /bin/bash
# ~/.cargo/bin first: its native wasm-opt (scripts/ensure-tools.sh) before npm's JavaScript one,
# unless DOUDI_NPM_WASM_OPT is set.
ifdef DOUDI_NPM_WASM_OPT
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
else
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)
endif
DATABASE_URL ?= sqlite://data/doudi.db
# A clean CI clone builds once: incremental caches would only double the disk it needs.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif
# Debian's jemalloc, linked statically, instead of its crate's C build: a cold build does ~2
# CPU-minutes less (scripts/native-libs.sh installs it when missing and prints the environment
# exported here; a bare `cargo` outside make: `export $$(scripts/native-libs.sh)`).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
NATIVE_LIBS := $(shell ./scripts/native-libs.sh)
$(foreach v,$(NATIVE_LIBS),$(eval export $(v)))
endif

.PHONY: run test tools unit e2e bench fuzz crash crash-short build-release build-debug clean

## make run: build, migrate, seed labelled demo data, serve http://127.0.0.1:3000
run: tools build-release
	@mkdir -p data
	DATABASE_URL=$(DATABASE_URL) DOUDI_DEMO=true LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR=127.0.0.1:3000 \
	  ./target/release/server

# The flags cargo-leptos gives the server's builds (`always-erase-components` in Cargo.toml):
# cargo's own builds (lints, tests, the bench) use them too, so that they and cargo-leptos share
# compiled dependencies instead of each compiling its own copy.
LEPTOS_RUSTFLAGS = --cfg erase_components

## make test: formatting and lints, unit, store conformance (SQLite + throwaway PostgreSQL), HTTP and browser tests
test: tools
	./scripts/check-wasm-deps.sh
	cargo fmt --all --check
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo clippy --workspace --all-targets --locked -- -D warnings
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" ./scripts/with-postgres.sh cargo test --workspace --locked
	@# cargo-leptos builds the server too: its debug builds use `--cfg erase_components` on both
	@# sides, and a server built without it renders markup the WASM cannot hydrate.
	$(MAKE) e2e
	$(MAKE) crash-short

tools:
	@./scripts/ensure-tools.sh $(if $(filter test e2e,$(MAKECMDGOALS)),test,$(if $(filter bench,$(MAKECMDGOALS)),bench,run))

# Two WASMs: the whole application's and the residents' portal's own (scripts/build-site.sh).
build-release:
	./scripts/build-site.sh --release

build-debug:
	./scripts/build-site.sh

## Browser tests against a freshly built server on a temporary database.
e2e: build-debug
	./scripts/e2e.sh target/debug/server

## make bench: WASM size, SSR latency, submissions per second (release build).
bench: tools build-release
	./scripts/bench.sh

## make fuzz: every parser of outside bytes on 10^7 inputs each (server/examples/fuzz.rs)
FUZZ_RUNS ?= 10000000
fuzz: tools
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo run --release --locked -p server --example fuzz -- --runs $(FUZZ_RUNS)

## make crash: the release server killed with SIGKILL 1000 times under load, on SQLite and PostgreSQL
CRASH_CYCLES ?= 1000
crash: tools build-release
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo build --release --locked -p server --example crash
	./target/release/examples/crash --cycles $(CRASH_CYCLES) --backend sqlite --server target/release/server
	./scripts/with-postgres.sh ./target/release/examples/crash --cycles $(CRASH_CYCLES) --backend postgres --server target/release/server

# The short crash run of `make test`: 20 cycles per database against the debug server the
# browser tests built (the harness was compiled by `cargo test`).
crash-short: build-debug
	RUSTFLAGS="$(LEPTOS_RUSTFLAGS)" cargo build --locked -p server --example crash
	./target/debug/examples/crash --cycles 20 --backend sqlite --server target/debug/server
	./scripts/with-postgres.sh ./target/debug/examples/crash --cycles 20 --backend postgres --server target/debug/server

clean:
	cargo clean
