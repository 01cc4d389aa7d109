#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 cluster on 127.0.0.1 for the test suite and prints its URL.
# Idempotent: a cluster already running on the port is reused. PostgreSQL refuses to run as root, so the
# cluster belongs to the `postgres` system user that Debian's package creates.
# track_commit_timestamp: the revocation bench (bench/revocation-load.ts) times propagation from each revoking
# transaction's commit, which PostgreSQL records only with it on; it costs a few bytes per transaction.
set -euo pipefail
PORT="${TESSERA_PG_PORT:-55432}"
DIR="${TESSERA_PG_DIR:-/tmp/tessera-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    # Byte order for text, whatever LANG says (docs/postgresql.md, "Collation"): the suites compare with SQLite.
    # libc named where initdb knows providers (15+; 16 may default to ICU).
    provider=()
    "$BIN/initdb" --help | grep -q -- --locale-provider && provider=(--locale-provider=libc)
    as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 "${provider[@]}" >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -o "-h 127.0.0.1 -p $PORT -k /tmp -c fsync=on -c track_commit_timestamp=on" start >/dev/null
fi
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "select 1 from pg_database where datname='tessera_test'" | grep -q 1 \
  || as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres tessera_test
echo "postgres://postgres@127.0.0.1:$PORT/tessera_test"
