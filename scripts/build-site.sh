#!/usr/bin/env bash
# Builds the server and the site under target/site: the whole application's WASM (cargo-leptos
# project `doudi`) and the residents' portal's own (project `portal`: the same `app` crate with
# feature `portal`, front end only), whose package is copied to target/site/pkg/portal.
# Usage: build-site.sh [--release]
#
# Skipped when nothing it reads has changed since the last build of the same kind: a stamp holds
# a hash over the sources, Cargo.lock, the tools' versions, and the size and time of the server
# binary and the site it produced (`cargo test` rebuilds target/debug/server without the flags
# cargo-leptos gives it, so a changed binary means building again). DOUDI_FORCE_BUILD=1 builds
# anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=debug; [ "${1:-}" = --release ] && kind=release
stamp="target/.site-stamp-$kind"

outputs() {
  # What the build leaves: the server binary and the two WASMs' packages.
  stat -c '%n %s %Y' "target/$kind/server" target/site/pkg/*.wasm target/site/pkg/portal/*.wasm \
    2>/dev/null || echo missing
}
inputs() {
  {
    git ls-files -co --exclude-standard -- app app-wasm server vendor locales style public migrations assets end2end/package-lock.json \
      Cargo.toml Cargo.lock .cargo scripts/build-site.sh scripts/native-libs.sh scripts/bundle-chunks.mjs scripts/compress-assets.mjs | LC_ALL=C sort | xargs -d '\n' sha256sum 2>/dev/null
    rustc --version; cargo leptos --version; wasm-bindgen --version; wasm-opt --version 2>/dev/null || true
    end2end/node_modules/.bin/wasm-opt --version 2>/dev/null || true
    # Which jemalloc the server links (scripts/native-libs.sh, exported by the Makefile).
    echo "jemalloc ${JEMALLOC_OVERRIDE:-crate}"
    echo "$kind"
  } | sha256sum | cut -d' ' -f1
}

# The inputs are hashed before building: a source edited while the build runs must not be
# recorded as built.
before="$(inputs)"
if [ -z "${DOUDI_FORCE_BUILD:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$before $(outputs | sha256sum | cut -d' ' -f1)" ]; then
  echo "[build-site] $kind build is up to date (inputs unchanged since $(date -r "$stamp" '+%F %T')); skipping"
  exit 0
fi
rm -f "$stamp"
# The server builds beside the two WASMs, not between them: the whole application's WASM first,
# then the portal's (both in target/front, one after the other), while the server's own build
# (target/<kind>, a separate cargo) goes on. On 2 cores the server is the longest part; building
# the portal's WASM after it left one core idle (a cold release build, measured: 963 -> 898 s).
# DOUDI_TIMINGS=1: cargo's --timings reports of the three builds (target/cargo-timings and
# target/front/cargo-timings), to see where a build's time goes.
timings=()
[ -n "${DOUDI_TIMINGS:-}" ] && timings=(--bin-cargo-args=--timings --lib-cargo-args=--timings)
cargo leptos build "$@" "${timings[@]}" --server-only -p doudi &
server=$!
# Both WASMs go through the native wasm-opt (scripts/ensure-tools.sh; binaryen 116). npm's
# binaryen 132 (JavaScript) made the residents' WASM ~0.4 KB brotli smaller but took ~90 s more
# of a build's CPU (DOUDI_NPM_WASM_OPT=1 in the Makefile puts it first on PATH again).
status=0
{
  cargo leptos build "$@" "${timings[@]}" --split --frontend-only -p doudi &&
    cargo leptos build "$@" "${timings[@]}" --split --frontend-only -p portal
} || status=$?
# Whatever happened to the WASMs, the server's build is waited for (never left running).
wait "$server" || status=$?
[ "$status" = 0 ] || { echo "[build-site] $kind build failed" >&2; exit "$status"; }
rm -rf target/site/pkg/portal
cp -r target/site-portal/pkg/portal target/site/pkg/portal
# A page's lazily loaded code in one file rather than hundreds (scripts/bundle-chunks.mjs).
node scripts/bundle-chunks.mjs target/site/pkg
node scripts/bundle-chunks.mjs target/site/pkg/portal
# The dashboard's chart script and our copy of ECharts (npm, end2end/package.json): served from
# /pkg/charts/, never from a CDN.
mkdir -p target/site/pkg/charts
cp assets/charts.js target/site/pkg/charts/doudi-charts.js
cp end2end/node_modules/echarts/dist/echarts.min.js target/site/pkg/charts/echarts.min.js
# Brotli and gzip copies beside the WASMs, JavaScript and CSS, sent as they are (server/src/assets.rs);
# a debug build's are made quickly (its WASM is ~10 times larger, and nobody measures it).
node scripts/compress-assets.mjs target/site/pkg $([ "$kind" = debug ] && echo --fast)
echo "$before $(outputs | sha256sum | cut -d' ' -f1)" > "$stamp"
