#!/usr/bin/env bash
# The main job, for a fresh clone: install, start Kafka and FerretDB, migrate, create the local
# admin user, then serve the admin and API on http://127.0.0.1:8000 until Ctrl-C.
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

trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
echo "[run] admin: http://127.0.0.1:8000/admin/ (user and password in .env: LOCAL_ADMIN_*)" >&2
$PY manage.py runserver 127.0.0.1:8000
