#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir, free
# port), exporting DOUDI_TEST_PG_URL; the cluster is removed afterwards. As root, the cluster
# runs as the `postgres` user (initdb refuses root). When CI=true and PostgreSQL cannot
# start, the run fails instead of skipping the PostgreSQL tests. DOUDI_PG_SETTINGS adds server
# settings (e.g. "-c shared_buffers=4GB" for the province bench).
set -euo pipefail
PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"

fail_or_skip() {
  if [ "${CI:-}" = true ]; then echo "PostgreSQL could not start: $*" >&2; exit 1; fi
  echo "WARNING: PostgreSQL could not start ($*); PostgreSQL tests will be skipped." >&2
  exec "$@"
}

command -v initdb >/dev/null && command -v pg_ctl >/dev/null || fail_or_skip "initdb/pg_ctl not found"

as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
dir=$(mktemp -d /tmp/doudi-pg.XXXXXX)
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  "${as_pg[@]}" pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

if ! "${as_pg[@]}" initdb -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2; trap - EXIT; cleanup; fail_or_skip "initdb failed"
fi
if ! "${as_pg[@]}" pg_ctl -D "$dir/data" -l "$dir/pg.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 ${DOUDI_PG_SETTINGS:-}" start >/dev/null; then
  cat "$dir/pg.log" >&2; trap - EXIT; cleanup; fail_or_skip "pg_ctl start failed"
fi
export DOUDI_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL test cluster on port $port"
"$@"
