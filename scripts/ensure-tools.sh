#!/usr/bin/env bash
# Installs what `make run` / `make test` need and is missing; says what it installs.
# Idempotent: a second run installs nothing. Usage: ensure-tools.sh [run|test|bench]
set -euo pipefail
cd "$(dirname "$0")/.."
need_browser=${1:-run}

say() { printf '\033[1m[tools]\033[0m %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  say "installing Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    say "installing Rust component ${component} (make test checks formatting and lints)"
    rustup component add "${component}"
  fi
done

if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (takes ~25 min on 2 cores)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

wbg_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${wbg_version}\$"; then
  say "installing wasm-bindgen-cli ${wbg_version} (the version in Cargo.lock)"
  cargo install wasm-bindgen-cli --version "${wbg_version}"
fi

if ! command -v npm >/dev/null; then
  say "installing Node.js and npm (Debian)"
  apt-get install -y nodejs npm
fi

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ ! -d end2end/node_modules/playwright-core ] || [ ! -d end2end/node_modules/axe-core ] \
   || [ ! -f end2end/node_modules/echarts/dist/echarts.min.js ] \
   || ! end2end/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
  say "installing npm packages in end2end/ (binaryen@132 for wasm-opt, echarts for the dashboard, playwright-core, axe-core)"
  (cd end2end && npm ci --no-audit --no-fund)
fi

# Release builds (make run, make bench) run wasm-opt over the two WASMs and their ~450 split
# chunks: npm's binaryen (JavaScript) spends ~8 of a release build's ~13 minutes on it, a native
# build of binaryen 116 (the crate `wasm-opt`, compiled once: ~10 min here) well under one.
# Debian's binaryen 108 is not used: its output fails at hydration. DOUDI_NPM_WASM_OPT=1 keeps
# npm's. The Makefile puts ~/.cargo/bin first on PATH, so this one is found before npm's.
if [ "$need_browser" != test ] && [ -z "${DOUDI_NPM_WASM_OPT:-}" ] \
   && ! "$HOME/.cargo/bin/wasm-opt" --version 2>/dev/null | grep -q 'version 116'; then
  say "installing a native wasm-opt (binaryen 116, crate wasm-opt 0.116.1; ~10 min on 2 cores, then each release build ~8 min faster)"
  # It compiles C++: without a C++ compiler it fails, and release builds use npm's (slower).
  cargo install wasm-opt --version 0.116.1 --locked \
    || say "the native wasm-opt did not build (it needs a C++ compiler: apt-get install g++); release builds use npm's, ~8 min slower"
fi

if [ "$need_browser" = test ] || [ "$need_browser" = bench ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # A CJK font, so screenshots show Chinese rather than empty boxes.
  # (count, not grep -q: an early exit would SIGPIPE fc-list and fail the pipeline)
  [ "$(fc-list 2>/dev/null | grep -ci 'wqy\|noto sans cjk')" -gt 0 ] || missing+=(fonts-wqy-zenhei)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages for the browser tests: ${missing[*]}"
    sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo)
    "${sudo_[@]}" apt-get install -y "${missing[@]}" || { "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" apt-get install -y "${missing[@]}"; }
  fi
fi

if [ "$need_browser" = test ]; then
  if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing Python 3 and pip (Debian; the machine API's client test is written in Python)"
    sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo)
    "${sudo_[@]}" apt-get install -y python3 python3-pip || { "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" apt-get install -y python3 python3-pip; }
  fi
  # Reinstalled when the requirements change (their copy is kept beside the packages).
  if ! cmp -s end2end/api/requirements.txt end2end/pydeps/.requirements.txt; then
    say "installing Python packages in end2end/pydeps (openapi-spec-validator, jsonschema, requests)"
    rm -rf end2end/pydeps
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore --target end2end/pydeps -r end2end/api/requirements.txt \
      || python3 -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --root-user-action=ignore --break-system-packages --target end2end/pydeps -r end2end/api/requirements.txt
    cp end2end/api/requirements.txt end2end/pydeps/.requirements.txt
  fi
fi

# The local S3-compatible object store the two-process test starts (server/tests/it/cluster.rs).
# 0.14.1: later versions need rustc 1.96.
if [ "$need_browser" = test ] && ! s3s-fs --version 2>/dev/null | grep -q ' 0\.14\.1'; then
  say "installing s3s-fs 0.14.1 (a local S3-compatible server for the two-process test; ~3 min)"
  cargo install s3s-fs --version 0.14.1 --features binary --locked
fi

if [ "$need_browser" = bench ] && ! bench/node_modules/.bin/lighthouse --version 2>/dev/null | grep -q '^12\.'; then
  say "installing Lighthouse 12 in bench/ (npm; make bench prints the resident pages' scores)"
  (cd bench && npm ci --no-audit --no-fund)
fi

if [ "$need_browser" = bench ] && ! command -v twiggy >/dev/null; then
  say "installing twiggy (WASM size attribution for make bench)"
  cargo install twiggy --locked
fi
