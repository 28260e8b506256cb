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
# The engine's share of the portal WASM: twiggy on the un-optimised release WASM (it still has
# function names), summing the policy modules; scaled to the shipped brotli size.
twiggy top -n 1000000 --format csv target/front/wasm32-unknown-unknown/wasm-release/app.wasm | node -e '
const fs = require("fs"), zlib = require("zlib");
const rows = fs.readFileSync(0, "utf8").trim().split("\n").slice(1);
let code = 0, engine = 0, views = 0;
for (const line of rows) {
  const m = line.match(/^(".*"|[^,]*),(\d+),/);
  if (!m) continue;
  const name = m[1], size = Number(m[2]);
  if (/function names|custom section/.test(name)) continue;
  code += size;
  if (name.includes("domain::policy")) engine += size;
  else if (/ui::policy|api::policy/.test(name)) views += size;
}
const shipped = zlib.brotliCompressSync(fs.readFileSync(process.argv[1]), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.log(`Policy engine in the portal WASM: ${kb(engine)} of ${kb(code)} code before wasm-opt (${(100 * engine / code).toFixed(1)}%), about ${kb(shipped * engine / code)} of the shipped brotli size; its views (estimate, explanation, admin) add ${kb(views)} (about ${kb(shipped * views / code)} brotli)`);
' "$wasm"
cargo run --release --locked -p server --example bench
