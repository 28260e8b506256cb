#!/usr/bin/env bash
# Server-only crates must never reach the WASM build.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for crate in tokio sqlx axum argon2 tower-sessions axum-login; do
  if cargo tree -p app --no-default-features --features hydrate --target wasm32-unknown-unknown -e normal -i "$crate" >/dev/null 2>&1 \
     && [ -n "$(cargo tree -p app --no-default-features --features hydrate --target wasm32-unknown-unknown -e normal -i "$crate" 2>/dev/null)" ]; then
    echo "server-only crate $crate is in the WASM dependency tree" >&2; bad=1
  fi
done
[ $bad = 0 ] && echo "WASM build is free of server-only crates"
exit $bad
