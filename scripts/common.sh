#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: find Python 3.10, create the
# virtual environment from requirements.lock, train the model when it is
# missing or older than the data. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
MODEL="$ROOT/models/assistant.tar.gz"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# TensorFlow is imported by Rasa even though our pipeline does not use it:
# keep it quiet and small on a 2-core machine.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-1}"
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-1}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10 \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha" want
  want="$(cat "$ROOT/requirements.lock" "$ROOT/requirements.in" | sha256sum | cut -d' ' -f1)"
  if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  local py310
  py310="$(find_python310)" || die "Python 3.10 was not found (looked on PATH and under pyenv).
Rasa 3.6 needs Python 3.10 exactly. Install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10."
  if [ ! -x "$PY" ]; then
    say "Creating the virtual environment in .venv with $py310"
    "$py310" -m venv "$VENV" || die "could not create .venv with $py310 (is the venv module installed?)"
  fi
  say "Installing pinned dependencies from requirements.lock (a few minutes the first time)"
  "$PY" -m pip install --quiet --disable-pip-version-check 'pip==24.2' \
    || die "pip could not be upgraded: is the package index reachable?"
  "$PY" -m pip install --quiet --disable-pip-version-check \
      -r "$ROOT/requirements.in" -c "$ROOT/requirements.lock" \
    || die "installing requirements failed (see the pip output above)"
  echo "$want" > "$stamp"
}

model_is_stale() {
  [ -f "$MODEL" ] || return 0
  local newer
  newer="$(find "$ROOT/config.yml" "$ROOT/domain.yml" "$ROOT/data" -newer "$MODEL" -type f | head -n 1)"
  [ -n "$newer" ]
}

ensure_model() {
  if model_is_stale; then
    say "Training the model (the data changed or there is no model yet)"
    (cd "$ROOT" && "$VENV/bin/rasa" train --fixed-model-name assistant --out models --quiet) \
      || die "training failed (see above); 'make validate' explains data problems"
  fi
}

check_policy() {
  "$PY" -m housing.cli check-policy "${LANDLORD_POLICY:-$ROOT/policies/default.yml}" \
    || die "the landlord policy file has an error (see above); fix it before starting"
}

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  say "Installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
      || die "could not install chromium with apt-get (see above)"
  elif command -v sudo >/dev/null 2>&1; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
      || die "could not install chromium with sudo apt-get"
  else
    die "the browser tests need Debian's chromium at /usr/bin/chromium: install it with 'apt-get install chromium'"
  fi
}

# A throwaway PostgreSQL for the database tests, unless TEST_POSTGRES_URL names
# one: its own folder and a free port, so runs side by side never touch each
# other's cluster; stopped and removed when the calling script exits.
ensure_test_postgres() {
  [ -z "${TEST_POSTGRES_URL:-}" ] || return 0
  say "Starting a throwaway PostgreSQL server for the database tests"
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/cases-pg-test.XXXXXX")"
  trap 'bash "$ROOT/scripts/postgres-test-server.sh" stop "$pg_dir" >/dev/null 2>&1 || true; rmdir "$pg_dir" 2>/dev/null || true' EXIT
  TEST_POSTGRES_URL="$(bash "$ROOT/scripts/postgres-test-server.sh" start "$pg_dir")" \
    || die "could not start PostgreSQL (see above)"
  export TEST_POSTGRES_URL
}
