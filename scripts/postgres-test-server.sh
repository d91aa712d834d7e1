#!/usr/bin/env bash
# A throwaway PostgreSQL server for the case-store tests.
#
#   scripts/postgres-test-server.sh [start] [DIR]   start it; prints the database URL
#   scripts/postgres-test-server.sh stop [DIR]      stop it and delete the cluster
#
# DIR defaults to /tmp/cases-pg-test. The server listens on 127.0.0.1:55432
# only, trusts local connections (tests only!) and has a database cases_test:
#
#   export TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh)"
#   .venv/bin/python -m pytest tests/test_case_store.py
#   scripts/postgres-test-server.sh stop
#
# Installs Debian's postgresql package if no initdb is found (needs root).
# As root the cluster is owned by the "postgres" user.
set -euo pipefail

PORT=55432
HOST=127.0.0.1
DB=cases_test
MARKER=.cases-postgres-test-cluster

cmd=start
case "${1:-}" in
  start|stop|status) cmd=$1; shift ;;
  -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
esac
DIR=${1:-/tmp/cases-pg-test}
DATA="$DIR/data"
LOG="$DIR/server.log"

say() { echo "postgres-test-server: $*" >&2; }

pg_bindir() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$initdb" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
      say "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
      exit 1
    fi
    say "installing PostgreSQL (apt-get install postgresql)..."
    apt-get update >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  fi
  dirname "$initdb"
}

# Run a PostgreSQL program as the cluster owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

BIN=$(pg_bindir)

case "$cmd" in
  status)
    as_owner "$BIN/pg_ctl" -D "$DATA" status >&2
    ;;

  stop)
    if [[ ! -f "$DIR/$MARKER" ]]; then
      say "no test cluster in $DIR (nothing to stop)"
      exit 0
    fi
    if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    fi
    # Only what this script created: never rm -rf a directory it did not make.
    rm -rf "$DATA" "$LOG" "$DIR/$MARKER" "$DIR/.s.PGSQL.$PORT" "$DIR/.s.PGSQL.$PORT.lock"
    rmdir "$DIR" 2>/dev/null || true
    say "stopped and removed the test cluster in $DIR"
    ;;

  start)
    if [[ -e "$DIR" && ! -f "$DIR/$MARKER" && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
      say "$DIR exists and is not a test cluster made by this script; choose another DIR"
      exit 1
    fi
    mkdir -p "$DIR"
    touch "$DIR/$MARKER"
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres:postgres "$DIR"
    fi
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
      say "initialising a cluster in $DATA"
      as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2 \
        || as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >&2
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-p $PORT -h $HOST -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2 || { say "server did not start; log:"; tail -n 20 "$LOG" >&2; exit 1; }
    fi
    exists=$("$BIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB'")
    if [[ "$exists" != 1 ]]; then
      "$BIN/createdb" -h "$HOST" -p "$PORT" -U postgres "$DB"
    fi
    echo "postgresql://postgres@$HOST:$PORT/$DB"
    ;;
esac
