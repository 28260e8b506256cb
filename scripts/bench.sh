#!/usr/bin/env bash
# Prints: release portal WASM size raw/gzip/brotli (main module, and what each lazily loaded page adds; and the whole application's WASM), SSR latency of the landing page, and
# acknowledged submissions per second on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
portal=target/site/pkg/portal/doudi-portal.wasm
wasm=target/site/pkg/doudi.wasm
node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
// What the server sends: the brotli copy the build wrote beside the file (scripts/compress-assets.mjs).
const br = (f) => fs.existsSync(f + ".br") ? fs.statSync(f + ".br").size
  : zlib.brotliCompressSync(fs.readFileSync(f), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KB";
// The main module of one WASM, then what each part split off (a lazy route, or a lazy island of the
// portal) loads on first visit.
const report = (main, title) => {
  const raw = fs.readFileSync(main), dir = path.dirname(main);
  console.log(`${title}: raw ${kb(raw.length)}, gzip ${kb(zlib.gzipSync(raw, { level: 9 }).length)}, brotli ${kb(br(main))}`);
  const manifest = path.join(dir, "__wasm_split_manifest.json");
  if (fs.existsSync(manifest)) {
    for (const [split, chunks] of Object.entries(JSON.parse(fs.readFileSync(manifest, "utf8")))) {
      const total = chunks.reduce((s, c) => s + br(path.join(dir, c + ".wasm")), 0);
      console.log(`  + lazily loaded for ${split.replace(/^__|_view_\d+$|_loader_\d+$/g, "")}: brotli ${kb(total)} (${chunks.length} file${chunks.length === 1 ? "" : "s"})`);
    }
  }
};
report(process.argv[1], "Release portal WASM (the residents\u0027 own; main module: all that the landing, sign-in, registration and my-applications pages load) (goal <= 150 KB brotli)");
report(process.argv[2], "For comparison, the whole application\u0027s WASM (staff and charity pages), main module");
' "$portal" "$wasm"
# The engine's share of the portal WASM: twiggy on the un-optimised release WASM (it still has
# function names), summing the policy modules; scaled to the shipped brotli size.
twiggy top -n 1000000 --format csv target/front/wasm32-unknown-unknown/wasm-release/app_wasm.wasm | node -e '
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
// Everything shipped: the main module and every lazily loaded chunk, each once.
const dir = require("path").dirname(process.argv[1]);
const shipped = fs.readdirSync(dir).filter((f) => f.endsWith(".wasm"))
  .reduce((s, f) => s + zlib.brotliCompressSync(fs.readFileSync(dir + "/" + f), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0);
const kb = (n) => (n / 1024).toFixed(1) + " KB";
console.log(`Policy engine in the portal WASM: ${kb(engine)} of ${kb(code)} code before wasm-opt (${(100 * engine / code).toFixed(1)}%), about ${kb(shipped * engine / code)} of the ${kb(shipped)} shipped brotli (main module and all chunks; the engine loads with the declaration and status pages); its views (estimate, explanation) add ${kb(views)} (about ${kb(shipped * views / code)} brotli)`);
' "$portal"
# The queue part seeds 100 000 households on SQLite and on a throwaway PostgreSQL cluster.
# With the flags cargo-leptos gives the server's release build (`always-erase-components`), so the
# bench is built from the same compiled crates as the server `make run` serves, and measures that
# code: without them a first `make bench` compiled every dependency a second time (~20 min).
RUSTFLAGS="--cfg erase_components" ./scripts/with-postgres.sh cargo run --release --locked -p server --example bench
# The load run (server/examples/load.rs): the release server with 100 000 households, a mixed
# open-loop load at 500 requests/s for 60 s, on SQLite and on a throwaway PostgreSQL cluster;
# p50/p99/max and errors per route. DOUDI_LOAD_RATE / DOUDI_LOAD_SECS change the rate and length.
RUSTFLAGS="--cfg erase_components" cargo build --release --locked -p server --example load
for backend in sqlite postgres; do
  ./scripts/with-postgres.sh target/release/examples/load --backend "$backend" \
    --rate "${DOUDI_LOAD_RATE:-500}" --secs "${DOUDI_LOAD_SECS:-60}" --cost 200
done
# Residents while a department imports a 1 000 000-row file on SQLite (goal: submissions p99
# <= 250 ms meanwhile): the mix at 200 requests/s, the import when the measured minute starts.
target/release/examples/load --backend sqlite --rate 200 --secs 60 --import-rows 1000000
# A province on PostgreSQL (server/examples/province.rs): 5 000 000 households seeded through
# COPY, then the lookup by ID number, the review queue's page and a 1 000 000-row import
# (DOUDI_PROVINCE_HOUSEHOLDS changes the count; the database takes ~12 GB in /tmp, ~15 min).
RUSTFLAGS="--cfg erase_components" cargo build --release --locked -p server --example province
DOUDI_PG_SETTINGS="-c shared_buffers=4GB -c effective_cache_size=12GB" ./scripts/with-postgres.sh target/release/examples/province
# What a phone receives for each resident page (bytes on the wire, counted by Chromium), and
# Lighthouse's mobile scores, from the release server on a temporary demo database.
E2E_SCRIPT=bench-pages.mjs ./scripts/e2e.sh target/release/server
