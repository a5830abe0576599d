#!/usr/bin/env bash
# The test command: install, start the local services (Kafka, FerretDB v2 over PostgreSQL),
# lint, run pytest. The database password reaches the tests through .env (MONGODB_URI).
# Services this script started are stopped again at the end; ones already running are left alone.
# Extra arguments go to pytest, e.g. scripts/test.sh tests/unit -k schema
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/bootstrap.sh requirements-dev.txt

started_here=0
status=$(scripts/services.sh status)
case "$status" in *": stopped"*) started_here=1 ;; esac
cleanup() { [ "$started_here" = 1 ] && scripts/services.sh down || true; }
trap cleanup EXIT
scripts/services.sh up

# The browser suite (tests/e2e) drives Debian's Chromium, never a downloaded browser.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && apt-get install -y -qq chromium; } >&2 \
    || echo "[test] chromium not installed: the browser tests will be skipped" >&2
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Security lint of the service code. Out of scope: tests (asserts are their job) and
# scripts/ (developer tools run by hand: benchmarks, chaos, screenshots; never by the
# service). Every accepted finding carries `# nosec <id>` with its reason on the line above.
.venv/bin/bandit -q -r cases kafka_integration screening casemgmt_project manage.py -x '*/migrations/*'
.venv/bin/python -m pytest "$@"
