#!/usr/bin/env bash
# The main job, for a fresh clone: install, start Kafka and FerretDB, migrate, create the local
# admin user, publish demo client events and run the consumer that ingests them, then serve the
# admin on http://127.0.0.1:8000 until Ctrl-C (which also stops the consumer).
#
# Local settings come from .env (created from .env.example on first run; never commit it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/bootstrap.sh requirements.txt
scripts/services.sh up
if [ ! -f .env ]; then
  sed "s/^SECRET_KEY=.*/SECRET_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')/" .env.example > .env
  echo "[run] wrote .env from .env.example" >&2
fi

PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py ensure_local_admin

DEMO_EVENTS="${DEMO_EVENTS:-200}"
# A fixed seed: re-running the demo re-publishes the same clients, which updates (or leaves
# unchanged) their open cases instead of opening new ones (SPEC §3b).
$PY manage.py produce_sample_events --count "$DEMO_EVENTS" --invalid-ratio 0.05 \
  --updates 0.1 --seed "${DEMO_SEED:-42}"

mkdir -p .cache/run
$PY manage.py consume_kafka > .cache/run/consumer.log 2>&1 &
consumer=$!
trap 'kill -TERM $consumer 2>/dev/null; wait $consumer 2>/dev/null || true' EXIT
echo "[run] consumer running (pid $consumer, log .cache/run/consumer.log)" >&2
echo "[run] admin: http://127.0.0.1:8000/admin/ (user and password in .env: LOCAL_ADMIN_*)" >&2
$PY manage.py runserver 127.0.0.1:8000
