#!/usr/bin/env bash
# Prints: release portal WASM size raw/gzip/brotli, SSR latency of the landing page, and
# acknowledged submissions per second on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=target/site/pkg/doudi.wasm
node -e '
const fs = require("fs"), zlib = require("zlib");
const raw = fs.readFileSync(process.argv[1]);
const gz = zlib.gzipSync(raw, { level: 9 }).length;
const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.log(`Release portal WASM: raw ${kb(raw.length)}, gzip ${kb(gz)}, brotli ${kb(br)} (goal <= 150 KB brotli)`);
' "$wasm"
cargo run --release --locked -p server --example bench
