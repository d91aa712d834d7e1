#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests: its own free port and its own folder
# every time, so runs side by side never share or delete each other's cluster.
#
#   scripts/postgres-test-server.sh [start] [DIR] start one; prints its database URL
#   scripts/postgres-test-server.sh stop DIR      stop it and delete what start made in DIR
#   scripts/postgres-test-server.sh status DIR
#
# Without DIR, start makes a fresh folder with mktemp -d and says which on
# stderr; with DIR (for example one you made with mktemp -d), DIR must be
# missing or empty. The server listens on 127.0.0.1 on a free port only, trusts
# local connections (tests only!) and has a database cases_test:
#
#   pg_dir="$(mktemp -d)"
#   export TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh start "$pg_dir")"
#   .venv/bin/python -m pytest tests/test_case_store.py
#   scripts/postgres-test-server.sh stop "$pg_dir"
#
# Installs Debian's postgresql package if no initdb is found (needs root).
# As root the cluster is owned by the "postgres" user.
set -euo pipefail

HOST=127.0.0.1
DB=cases_test
MARKER=.cases-postgres-test-cluster   # says "start made a cluster here"; holds nothing
MADE_DIR=.made-by-postgres-test-server # present when start also created DIR itself

say() { echo "postgres-test-server: $*" >&2; }
usage() { sed -n '2,20p' "$0" >&2; exit "${1:-0}"; }

cmd=${1:-start}
case "$cmd" in
  start|stop|status) [[ $# -gt 0 ]] && shift ;;
  -h|--help) usage 0 ;;
  *) say "say start [DIR], stop DIR or status DIR"; usage 2 ;;
esac
DIR=${1:-}
if [[ "$cmd" != start && -z "$DIR" ]]; then
  say "$cmd needs the folder that start used (it printed it)"; exit 2
fi

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

# A port nobody listens on now: the kernel's choice for a socket bound to port 0.
free_port() {
  local py
  for py in python3 python; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
      return
    fi
  done
  # No Python: try random high ports until one refuses a connection.
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

BIN=$(pg_bindir)
DATA="$DIR/data"
LOG="$DIR/server.log"

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
    # Only what start created: never rm -rf a folder it did not make.
    port=$(cat "$DIR/port" 2>/dev/null || true)
    rm -rf "$DATA"
    rm -f "$LOG" "$DIR/port" "$DIR/.s.PGSQL.$port" "$DIR/.s.PGSQL.$port.lock" "$DIR/$MARKER"
    if [[ -f "$DIR/$MADE_DIR" ]]; then
      rm -f "$DIR/$MADE_DIR"
      rmdir "$DIR" 2>/dev/null || say "left $DIR: it holds files start did not make"
    fi
    say "stopped and removed the test cluster in $DIR"
    ;;

  start)
    if [[ -z "$DIR" ]]; then
      DIR=$(mktemp -d "${TMPDIR:-/tmp}/cases-pg-test.XXXXXX")
      touch "$DIR/$MADE_DIR"
      DATA="$DIR/data"; LOG="$DIR/server.log"
    elif [[ ! -e "$DIR" ]]; then
      mkdir -p "$DIR"
      touch "$DIR/$MADE_DIR"
    elif [[ -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
      say "$DIR is not empty: give start a new or empty folder (e.g. from mktemp -d)"
      exit 1
    fi
    touch "$DIR/$MARKER"
    if [[ $(id -u) -eq 0 ]]; then
      chown postgres:postgres "$DIR"
    fi
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null 2>&1 \
      || as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale >&2
    # Another program may take the chosen port before the server binds it: try a few.
    started=
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      echo "$port" > "$DIR/port"
      if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
          -o "-p $port -h $HOST -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
          start >/dev/null 2>&1; then
        started=1; break
      fi
    done
    if [[ -z "$started" ]]; then
      say "server did not start; log:"; tail -n 20 "$LOG" >&2; exit 1
    fi
    "$BIN/createdb" -h "$HOST" -p "$port" -U postgres "$DB"
    say "cluster in $DIR on port $port; stop it with: $0 stop $DIR"
    echo "postgresql://postgres@$HOST:$port/$DB"
    ;;
esac
