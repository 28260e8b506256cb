#!/usr/bin/env bash
# Server-only crates must never reach the WASM build.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
# Both WASMs: the whole application's (feature hydrate) and the portal's (feature portal).
for features in hydrate portal; do
  cargo tree -p app --no-default-features --features "$features" --target wasm32-unknown-unknown -e normal >/dev/null \
    || { echo "cannot read the WASM dependency tree (features $features)" >&2; exit 1; }
  for crate in tokio sqlx axum argon2 tower-sessions axum-login; do
    if [ -n "$(cargo tree -p app --no-default-features --features "$features" --target wasm32-unknown-unknown -e normal -i "$crate" 2>/dev/null)" ]; then
      echo "server-only crate $crate is in the WASM dependency tree (features $features)" >&2; bad=1
    fi
  done
done
[ $bad = 0 ] && echo "WASM build is free of server-only crates"
exit $bad
