#!/usr/bin/env bash
# Debian's jemalloc for the server's builds, in place of the copy tikv-jemalloc-sys compiles
# from C (~110 s of one core in every cold build, `make test`'s too). Linked statically, so the
# server binary needs no package at run time; the same jemalloc, 5.3.0 (Debian 12's and the
# crate's).
#
# SQLite stays the crate's own (3.46, compiled from C): Debian 12's library (3.40, built without
# SQLite's lookaside allocator) was tried in its place and cost acknowledged submissions a fifth
# of their rate (`make bench` on SQLite, 64 residents: ~1 250/s against ~1 500/s; stop 63).
#
# Installs libjemalloc-dev when missing (saying so, on stderr) and prints the environment that
# makes cargo use it, NAME=VALUE; the Makefile exports it to every build. Prints nothing when it
# cannot be installed: the crate's own C build is used then, as before.
#
# Building outside make (a bare `cargo test`) without this environment compiles jemalloc and
# everything above it again; `export $(scripts/native-libs.sh)` in your shell shares make's
# builds. DOUDI_BUNDLED_C=1 prints nothing (the crate's own copy).
set -uo pipefail
[ -n "${DOUDI_BUNDLED_C:-}" ] && exit 0
say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

jemalloc() { ls /usr/lib/*/libjemalloc_pic.a 2>/dev/null | head -n1; }

if [ -z "$(jemalloc)" ] && command -v apt-get >/dev/null; then
  sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo -n)
  say "installing the Debian package libjemalloc-dev (the server links Debian's jemalloc instead of compiling it: ~2 CPU-minutes less of a first build)"
  { "${sudo_[@]}" apt-get install -y -qq libjemalloc-dev \
      || { "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" apt-get install -y -qq libjemalloc-dev; }
  } >&2 || say "could not install it; the server's build compiles jemalloc itself"
fi

lib="$(jemalloc)"
[ -n "$lib" ] && echo "JEMALLOC_OVERRIDE=$lib"
exit 0
