#!/usr/bin/env bash
# Starts the built server on a temporary SQLite database and a free port, runs the browser
# tests against it, and stops it. Usage: e2e.sh path/to/server
set -euo pipefail
cd "$(dirname "$0")/.."
server_bin=$1
dir=$(mktemp -d /tmp/doudi-e2e.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# JSON logs, scanned after the tests (scripts/scan-logs.py): request ids, no personal data.
# Every request is logged (tower-http at debug), so the scan sees what a busy day writes.
RUST_LOG="${RUST_LOG:-info,tower_http=debug,server=debug,app=debug,sqlx=warn,tower_sessions=warn}" \
DATABASE_URL="sqlite://$dir/e2e.db" DOUDI_DATA_DIR="$dir/data" DOUDI_DEMO=true DOUDI_LOG_FORMAT=json \
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" "$server_bin" >"$dir/server.log" 2>"$dir/server.err" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" "$dir/server.err"; exit 1; }
  sleep 0.2
done
mkdir -p end2end/output
# How the tests read a downloaded XLSX (calamine): built here unless `cargo test` already did.
[ -x target/debug/examples/xlsx_rows ] || RUSTFLAGS="--cfg erase_components" cargo build -q --locked -p server --example xlsx_rows
# E2E_SCRIPT: a plain script instead of the tests (make bench's end2end/bench-pages.mjs).
if [ -n "${E2E_SCRIPT:-}" ]; then
  run=(node "$E2E_SCRIPT")
else
  run=(node --test --test-concurrency=1 ${E2E_TESTS:-tests/})
fi
if ! (cd end2end && BASE_URL="http://127.0.0.1:$port" "${run[@]}"); then
  echo "---- server log ----"; tail -n 100 "$dir/server.log"; tail -n 30 "$dir/server.err"; exit 1
fi
# After the browser tests (not a benchmark's page loads): what the server logged meanwhile.
if [ -z "${E2E_SCRIPT:-}" ]; then
  python3 scripts/scan-logs.py "$dir/server.log"
fi
