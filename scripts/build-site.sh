#!/usr/bin/env bash
# Builds the server and the site under target/site: the whole application's WASM (cargo-leptos
# project `doudi`) and the residents' portal's own (project `portal`: the same `app` crate with
# feature `portal`, front end only), whose package is copied to target/site/pkg/portal.
# Usage: build-site.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo leptos build "$@" --split -p doudi
cargo leptos build "$@" --split --frontend-only -p portal
rm -rf target/site/pkg/portal
cp -r target/site-portal/pkg/portal target/site/pkg/portal
