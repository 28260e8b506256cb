#!/usr/bin/env bash
# Debian's jemalloc and SQLite for the server's builds, in place of the copies their crates
# compile from C (tikv-jemalloc-sys: ~110 s of one core; libsqlite3-sys: ~80 s, and again for
# sqlx's macros): a cold release build does ~3 CPU-minutes less. Both are linked statically, so
# the server binary needs neither package at run time. Same versions' lines: jemalloc 5.3.0
# (Debian 12's and the crate's), SQLite 3.40 (Debian 12) rather than the crate's 3.46; the
# store's SQL needs 3.35 (RETURNING) at most.
#
# Installs libjemalloc-dev, libsqlite3-dev and pkg-config when missing (saying so, on stderr) and
# prints the environment that makes cargo use them, one NAME=VALUE per line; the Makefile exports
# it to every build. Prints nothing when they cannot be installed: the crates' own C builds are
# used then, as before.
#
# Building outside make (a bare `cargo test`) without this environment compiles those two crates
# and everything above them again; `export $(scripts/native-libs.sh)` in your shell shares make's
# builds. DOUDI_BUNDLED_C=1 prints nothing (the crates' own copies).
set -uo pipefail
[ -n "${DOUDI_BUNDLED_C:-}" ] && exit 0
say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

jemalloc() { ls /usr/lib/*/libjemalloc_pic.a 2>/dev/null | head -n1; }
# SQLite's pkg-config file asks for zlib when linking statically.
sqlite() {
  pkg-config --exists sqlite3 2>/dev/null && [ -n "$(ls /usr/lib/*/libsqlite3.a 2>/dev/null)" ] \
    && [ -n "$(ls /usr/lib/*/libz.so /usr/lib/*/libz.a 2>/dev/null)" ]
}

if { [ -z "$(jemalloc)" ] || ! sqlite; } && command -v apt-get >/dev/null; then
  sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  say "installing Debian packages libjemalloc-dev libsqlite3-dev zlib1g-dev pkg-config (the server links Debian's jemalloc and SQLite instead of compiling them: a first build ~1.5 min shorter)"
  { "${sudo_[@]}" apt-get install -y -qq libjemalloc-dev libsqlite3-dev zlib1g-dev pkg-config \
      || { "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" apt-get install -y -qq libjemalloc-dev libsqlite3-dev zlib1g-dev pkg-config; }
  } >&2 || say "could not install them; the server's build compiles jemalloc and SQLite itself"
fi

lib="$(jemalloc)"
[ -n "$lib" ] && echo "JEMALLOC_OVERRIDE=$lib"
if sqlite; then
  # libsqlite3-sys links what pkg-config says (the shared library: pkg-config's crate never links
  # a static one from /usr); with pkg-config off for it and the directory given, it links the
  # static library.
  a="$(ls /usr/lib/*/libsqlite3.a | head -n1)"
  echo "LIBSQLITE3_SYS_USE_PKG_CONFIG=1"
  echo "SQLITE3_NO_PKG_CONFIG=1"
  echo "SQLITE3_STATIC=1"
  echo "SQLITE3_LIB_DIR=${a%/*}"
  echo "SQLITE3_INCLUDE_DIR=$(pkg-config --variable=includedir sqlite3)"
fi
exit 0
