#!/usr/bin/env bash
# `make bench`: the API in production mode on a fresh PostgreSQL database, driven by an open-loop, constant-rate
# load from this machine. Everything it starts it stops, and the database is dropped, however the run ends.
#
# Settings (environment):
#   BENCH_RATES=500,1000,2000   requests per second, one stage each
#   BENCH_DURATION=30           seconds per stage
#   BENCH_WORKERS=2             API worker processes
#   BENCH_POOL_SIZE=10          database pool size per worker (the pool may overflow by as much again)
#   BENCH_PORT=8765             the API's port on 127.0.0.1
#   BENCH_MIX=create=20,list=50,get=20,transition=10   the request mix, by weight
#   BENCH_PRECREATE=1000        alerts raised before the stages, as targets for gets and transitions
#   BENCH_WRITE_DOC=1           0 leaves docs/benchmarks.md alone (for trying settings)
#   BENCH_PROFILE=0             1 samples the server with py-spy during each stage and prints where the time goes
#                               (the sampler costs CPU too: keep those numbers out of the docs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
BACKEND="$ROOT/apps/backend"
RATES="${BENCH_RATES:-500,1000,2000}"
DURATION="${BENCH_DURATION:-30}"
WORKERS="${BENCH_WORKERS:-2}"
POOL_SIZE="${BENCH_POOL_SIZE:-10}"
PORT="${BENCH_PORT:-8765}"
PRECREATE="${BENCH_PRECREATE:-1000}"
MIX="${BENCH_MIX:-create=20,list=50,get=20,transition=10}"
WRITE_DOC="${BENCH_WRITE_DOC:-1}"
PROFILE="${BENCH_PROFILE:-0}"
PROFILE_DIR="$BACKEND/var/bench-profile"
PG="postgresql://postgres@127.0.0.1:5432"
DATABASE="sos_bench_$(date +%s)_$$"
WORK="$(mktemp -d)"
SERVER_PID=""
EMAIL="bench@example.org"
PASSWORD="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$PG/postgres" -qAtc "DROP DATABASE IF EXISTS \"$DATABASE\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$BACKEND"
SOS="$BACKEND/.venv/bin/sos"
PYTHON="$BACKEND/.venv/bin/python"
[ -x "$SOS" ] || { echo "run 'make setup' first: $SOS is missing" >&2; exit 1; }

psql "$PG/postgres" -qAtc "CREATE DATABASE \"$DATABASE\""
export SOS_ENVIRONMENT=production
export SOS_DATABASE_URL="$PG/$DATABASE"
export SOS_DATABASE_POOL_SIZE="$POOL_SIZE"
export SOS_DATA_DIR="$WORK"
export SOS_JWT_PRIVATE_KEY_FILE="$WORK/jwt-ed25519.pem"
openssl genpkey -algorithm ed25519 -out "$SOS_JWT_PRIVATE_KEY_FILE" 2>/dev/null
export SOS_LOG_LEVEL=WARNING

"$SOS" migrate >/dev/null
SOS_ADMIN_PASSWORD="$PASSWORD" "$SOS" create-admin --email "$EMAIL" --organization "Bench" >/dev/null

SERVE=("$SOS" serve --port "$PORT" --workers "$WORKERS")
"${SERVE[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "the API never became ready" >&2; exit 1; }

SETUP="API: \`${SERVE[*]##*/}\` (uvloop, httptools), SOS_ENVIRONMENT=production, \
SOS_DATABASE_POOL_SIZE=$POOL_SIZE (overflow as much again), PostgreSQL $(psql "$PG/postgres" -qAtc 'SHOW server_version') \
on 127.0.0.1. Mix $MIX. Stages of $DURATION s at $RATES req/s. Machine: $(nproc) cores \
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load generator on the same machine. \
Run $(date -u '+%Y-%m-%d %H:%M UTC')."
DOC_ARGS=()
[ "$WRITE_DOC" = "1" ] && DOC_ARGS+=(--doc "$ROOT/docs/benchmarks.md")
if [ "$PROFILE" = "1" ]; then
  PY_SPY="$("$(bash "$ROOT/scripts/ensure-uv.sh")" run --frozen --with py-spy==0.4.3 bash -c 'command -v py-spy')"
  rm -rf "$PROFILE_DIR"
  DOC_ARGS+=(--py-spy "$PY_SPY" --profile-dir "$PROFILE_DIR")
fi

echo "$SETUP"
"$PYTHON" -m bench \
  --base-url "http://127.0.0.1:$PORT" \
  --email "$EMAIL" --password "$PASSWORD" \
  --rates "$RATES" --duration "$DURATION" --precreate "$PRECREATE" --mix "$MIX" \
  --server-pid "$SERVER_PID" --setup "$SETUP" "${DOC_ARGS[@]}"

if [ "$PROFILE" = "1" ]; then
  "$PYTHON" -m bench.stacks "$PROFILE_DIR"/stage-*.txt
  echo "collapsed stacks kept in $PROFILE_DIR"
fi

mkdir -p "$BACKEND/var"
cp "$WORK/server.log" "$BACKEND/var/bench-server.log"
if grep -q "Traceback" "$WORK/server.log"; then
  echo "the server logged errors (full log: apps/backend/var/bench-server.log):" >&2
  grep -E "^[A-Za-z_.]+(Error|Exception|Timeout)[A-Za-z_.]*:" "$WORK/server.log" | cut -c1-200 | sort | uniq -c | sort -rn | head >&2
fi
