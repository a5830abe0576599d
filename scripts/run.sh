#!/usr/bin/env bash
# The main job, for a fresh clone: install, start (or reuse) Kafka and the database (FerretDB v2
# over PostgreSQL), migrate, load the demo watchlist, create the local admin and analyst, publish
# demo client events, run the consumer and the notification relay, work a few demo cases through
# the workflow (and show risk levels, an override awaiting a lead, a review that fell due), then
# serve the back office until Ctrl-C.
#
# The terminal shows progress and one summary; every process logs to $RUN_LOGS (.cache/run/).
# Ctrl-C stops the server, the consumer and the relay. Kafka, FerretDB and PostgreSQL run in
# their own sessions, so they keep running until `scripts/services.sh down`. A second run reuses
# everything: the demo records are published only into an empty topic, and every workflow step
# has a fixed request id.
#
# Local settings come from .env (written on the first run, with generated passwords; never
# commit it). Environment variables win over .env. PORT (8000) moves the server, DEMO_EVENTS
# (200) and DEMO_SEED (42) change the demo records, RUN_LOGS the log directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${PORT:-8000}"
RUN_LOGS="${RUN_LOGS:-.cache/run}"
DEMO_EVENTS="${DEMO_EVENTS:-200}"
DEMO_SEED="${DEMO_SEED:-42}"
PY=.venv/bin/python
started=$(date +%s)

say() { printf '[run] %s\n' "$*" >&2; }
fail() { say "error: $1 (see $2)"; tail -n 20 "$2" >&2; exit 1; }
secret() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
# A setting as Django will see it: the environment first, then .env.
setting() {
  local name=$1
  if [ -n "${!name:-}" ]; then printf '%s' "${!name}"; return; fi
  sed -n "s/^$name=//p" .env | tail -n 1
}

scripts/bootstrap.sh requirements.txt
mkdir -p "$RUN_LOGS"
SETUP_LOG="$RUN_LOGS/setup.log"
: > "$SETUP_LOG"

# --- .env: created once; passwords are generated and shown on the run that made them --------
# A .env that scripts/services.sh (or scripts/test.sh) started holds only MONGODB_URI: kept.
new_logins=""
if ! grep -qs '^SECRET_KEY=' .env; then
  database_uri=$(grep -s '^MONGODB_URI=' .env || true)
  (umask 077 && sed -e "s/^SECRET_KEY=.*/SECRET_KEY=$(secret)/" \
    -e "s/^LOCAL_ADMIN_PASSWORD=.*/LOCAL_ADMIN_PASSWORD=$(secret)/" \
    -e "s/^LOCAL_ANALYST_PASSWORD=.*/LOCAL_ANALYST_PASSWORD=$(secret)/" .env.example > .env.new)
  if [ -n "$database_uri" ]; then sed -i '/^MONGODB_URI=/d' .env.new && echo "$database_uri" >> .env.new; fi
  mv .env.new .env
  chmod 600 .env
  new_logins=1
  say "wrote .env from .env.example (fresh SECRET_KEY and passwords)"
fi
if ! grep -q '^LOCAL_ANALYST_PASSWORD=.' .env; then  # .env of an older clone
  sed -i '/^LOCAL_ANALYST_/d' .env
  printf 'LOCAL_ANALYST_USERNAME=analyst\nLOCAL_ANALYST_PASSWORD=%s\n' "$(secret)" >> .env
  new_logins=1
fi
ADMIN_USER=$(setting LOCAL_ADMIN_USERNAME)
ANALYST_USER=$(setting LOCAL_ANALYST_USERNAME)
TOPIC=$(setting KAFKA_TOPIC_NAME)
NOTIFICATION_TOPIC=$(setting NOTIFICATION_KAFKA_TOPIC)

# --- services, database, users ---------------------------------------------------------------
say "starting Kafka, PostgreSQL and FerretDB (log $SETUP_LOG)"
scripts/services.sh up >>"$SETUP_LOG" 2>&1 || fail "services did not start" "$SETUP_LOG"
state_of() { if grep -q "$1 already running" "$SETUP_LOG"; then echo reused; else echo started; fi; }
services_note="Kafka $(state_of Kafka), PostgreSQL $(state_of PostgreSQL), FerretDB $(state_of FerretDB)"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if port_open "$PORT"; then say "error: port $PORT is taken; set PORT to a free one"; exit 1; fi

$PY manage.py migrate --noinput >>"$SETUP_LOG" 2>&1 || fail "migrate failed" "$SETUP_LOG"
applied=$(grep -c "Applying " "$SETUP_LOG" || true)
# The fictional demo watchlist (screening/demo.py); a second run finds it already loaded.
$PY manage.py load_watchlist --dataset demo_watchlist --file screening/fixtures/demo_watchlist.ftm.json \
  >>"$SETUP_LOG" 2>&1 || fail "loading the demo watchlist failed" "$SETUP_LOG"
$PY manage.py ensure_local_admin >>"$SETUP_LOG" 2>&1 || fail "no local admin" "$SETUP_LOG"
$PY manage.py ensure_local_user "$ANALYST_USER" --role analyst \
  --password "$(setting LOCAL_ANALYST_PASSWORD)" >>"$SETUP_LOG" 2>&1 || fail "no analyst" "$SETUP_LOG"

# --- the three processes Ctrl-C stops ---------------------------------------------------------
pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -eq 0 ] && exit "${1:-0}"
  echo >&2
  say "stopping the server, the consumer and the relay"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  say "stopped; Kafka, FerretDB and PostgreSQL keep running (scripts/services.sh down stops them)"
  exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop 1' EXIT

# The dedicated relay delivers notifications, so the consumer does not run its own.
NOTIFICATION_RELAY_IN_CONSUMER=false $PY manage.py consume_kafka >"$RUN_LOGS/consumer.log" 2>&1 &
pids+=($!)
# A stable name: after a crash, the next run reconciles the relay's last pass at once.
NOTIFICATION_RELAY_ID=local-relay $PY manage.py relay_notifications >"$RUN_LOGS/relay.log" 2>&1 &
pids+=($!)
# Screens the parties of new and updated cases against the loaded watchlists (SPEC §3c).
$PY manage.py run_screening >"$RUN_LOGS/screening.log" 2>&1 &
pids+=($!)
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$RUN_LOGS/server.log" 2>&1 &
pids+=($!)

# --- demo data: publish, wait for the consumer, work the workflow, wait for the relay -------
# Quiet commands: only their progress bars (stderr) and one result line (stdout) are shown.
quiet() { LOG_LEVEL=WARNING "$PY" manage.py "$@"; }
produced=$(quiet produce_sample_events --count "$DEMO_EVENTS" --invalid-ratio 0.05 \
  --updates 0.1 --seed "$DEMO_SEED" --if-empty) || fail "publishing the demo failed" "$SETUP_LOG"
say "waiting for the consumer to catch up"
quiet wait_for_consumer >/dev/null || fail "the consumer did not catch up" "$RUN_LOGS/consumer.log"
workflow=$(quiet seed_demo_workflow) || fail "the demo workflow failed" "$RUN_LOGS/consumer.log"
outcome=$(quiet wait_for_consumer --notifications) || fail "notifications not delivered" "$RUN_LOGS/relay.log"

for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" || fail "the server did not answer" "$RUN_LOGS/server.log"

# --- the summary -----------------------------------------------------------------------------
if [ -n "$new_logins" ]; then
  logins="$ADMIN_USER / $(setting LOCAL_ADMIN_PASSWORD) (superuser), $ANALYST_USER / $(setting LOCAL_ANALYST_PASSWORD) (Compliance analyst)
             shown once; kept in .env (LOCAL_ADMIN_PASSWORD, LOCAL_ANALYST_PASSWORD)"
else
  logins="$ADMIN_USER (superuser), $ANALYST_USER (Compliance analyst); passwords in .env (LOCAL_ADMIN_PASSWORD, LOCAL_ANALYST_PASSWORD)"
fi
url="http://127.0.0.1:$PORT"
cat <<EOF

casemgmt is running ($(( $(date +%s) - started ))s). Ctrl-C stops the server, the consumer and the relay.

  services   Kafka $(setting KAFKA_BOOTSTRAP_SERVERS), FerretDB $(setting MONGODB_URI | sed 's#//[^@/]*@#//#'): $services_note
  database   $(setting DB_NAME): $applied migration(s) applied
  demo       $produced
  ingest     $(printf '%s\n' "$outcome" | sed -n 1p)
  workflow   $(printf '%s\n' "$workflow" | sed '2,$s/^/             /')
  relay      $(printf '%s\n' "$outcome" | sed -n 2p) to $NOTIFICATION_TOPIC
  admin      $url/admin/
  API docs   $url/api/v1/docs
  health     $url/health   ready: $url/ready
  logins     $logins
  logs       $RUN_LOGS/server.log, consumer.log, relay.log, setup.log

EOF
# The server runs until Ctrl-C (the trap stops all three) or until it dies.
wait "${pids[2]}" || true
say "the server stopped by itself (see $RUN_LOGS/server.log)"
stop 1
