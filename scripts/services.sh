#!/usr/bin/env bash
# Local infrastructure without Docker: a single-node Apache Kafka 4 broker (KRaft) and FerretDB v1
# (MongoDB wire protocol, SQLite storage), both on loopback.
#
#   scripts/services.sh up       provision (first time) and start; waits until both answer
#   scripts/services.sh down     stop what `up` started (by pid file)
#   scripts/services.sh status   say what runs
#   scripts/services.sh reset    down, then delete broker and database data (keeps the caches)
#
# KAFKA_SASL=1 adds a SASL_PLAINTEXT listener on KAFKA_SASL_PORT (9094) for the user
# KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (default casemgmt / casemgmt-local), offering PLAIN
# and SCRAM-SHA-512; clients then set KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT and
# KAFKA_SASL_MECHANISM=PLAIN or SCRAM-SHA-512. The SCRAM credential is written when the storage
# is formatted (KRaft), so a broker formatted without it needs `reset` once. Opt-in: the
# PLAINTEXT listener stays, for the test suite.
#
# Downloads and builds are cached under .cache/ so a second `up` takes seconds. Runtime data,
# logs and pid files live in .cache/run/. Ports: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# FERRETDB_PORT (27017).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
RUN="$CACHE/run"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
FERRETDB_PORT="${FERRETDB_PORT:-27017}"
KAFKA_SASL="${KAFKA_SASL:-0}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-9094}"
KAFKA_SASL_USERNAME="${KAFKA_SASL_USERNAME:-casemgmt}"
KAFKA_SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-casemgmt-local}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"

KAFKA_LIBS="$CACHE/kafka/libs"
KAFKA_POM="$ROOT/infra/kafka/pom.xml"
FERRETDB_BIN="$CACHE/bin/ferretdb"
FERRETDB_SRC="$ROOT/infra/ferretdb"

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$(( $(date +%s) + $1 )) what=$2; shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
  log "$what is ready"
}

# --- Kafka -----------------------------------------------------------------------------------
kafka_provision() {
  local stamp="$KAFKA_LIBS/.pom.sha256" want
  want=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  command -v mvn >/dev/null || die "mvn not found (Maven resolves the Kafka jars)"
  command -v java >/dev/null || die "java not found (Kafka needs Java 17+)"
  log "resolving Kafka jars from Maven Central (first run only)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B --no-transfer-progress -Dstyle.color=never -f "$KAFKA_POM" -Dmaven.repo.local="$CACHE/m2" \
    dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime
  echo "$want" > "$stamp"
}

kafka_config() {
  local dir="$RUN/kafka" listeners advertised protocols
  mkdir -p "$dir/data" "$dir/logs"
  listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
  advertised="PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [ "$KAFKA_SASL" = 1 ]; then
    listeners="$listeners,SASL://127.0.0.1:$KAFKA_SASL_PORT"
    advertised="$advertised,SASL://127.0.0.1:$KAFKA_SASL_PORT"
    protocols="$protocols,SASL:SASL_PLAINTEXT"
  fi
  cat > "$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
EOF
  if [ "$KAFKA_SASL" = 1 ]; then
    # The file holds a local-only password; keep it private to this user.
    chmod 600 "$dir/server.properties"
    cat >> "$dir/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USERNAME="$KAFKA_SASL_PASSWORD";
listener.name.sasl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
    log "SASL listener (PLAIN, SCRAM-SHA-512) on 127.0.0.1:$KAFKA_SASL_PORT (user $KAFKA_SASL_USERNAME)"
  fi
  sed "s#@LOG_DIR@#$dir/logs#" "$ROOT/infra/kafka/log4j2.properties" > "$dir/log4j2.properties"
}

kafka_java() {  # runs in a subshell at every call site, so `exec` keeps the pid file exact
  # shellcheck disable=SC2086
  exec java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$RUN/kafka/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_up() {
  if pid_alive "$RUN/kafka.pid"; then log "Kafka already running (pid $(cat "$RUN/kafka.pid"))"; return; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process"
  kafka_provision
  kafka_config
  if [ ! -f "$RUN/kafka/data/meta.properties" ]; then
    log "formatting Kafka storage (KRaft)"
    local scram=()  # KRaft keeps SCRAM credentials in its metadata log: written at format time
    if [ "$KAFKA_SASL" = 1 ]; then
      scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SASL_USERNAME,password=$KAFKA_SASL_PASSWORD]")
    fi
    (kafka_java kafka.tools.StorageTool format --ignore-formatted "${scram[@]}" \
      -t "$(cat "$RUN/kafka/cluster.id" 2>/dev/null || (kafka_java kafka.tools.StorageTool random-uuid) | tee "$RUN/kafka/cluster.id")" \
      -c "$RUN/kafka/server.properties") >"$RUN/kafka/logs/format.log" 2>&1 \
      || { cat "$RUN/kafka/logs/format.log" >&2; die "Kafka storage format failed"; }
  fi
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT"
  (kafka_java kafka.Kafka "$RUN/kafka/server.properties") >"$RUN/kafka/logs/stdout.log" 2>&1 &
  echo $! > "$RUN/kafka.pid"
  wait_for 90 "Kafka" kafka_ready || { tail -n 40 "$RUN/kafka/logs/"*.log >&2; die "Kafka did not start"; }
}

kafka_ready() {
  pid_alive "$RUN/kafka.pid" || return 1
  port_open "$KAFKA_PORT" && grep -qs "Kafka Server started" "$RUN/kafka/logs/server.log"
}

# --- FerretDB --------------------------------------------------------------------------------
ferretdb_provision() {
  local stamp="$CACHE/bin/.ferretdb.sha256" want
  want=$(cat "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_SRC/main.go" | sha256sum | cut -d' ' -f1)
  if [ -x "$FERRETDB_BIN" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  command -v go >/dev/null || die "go not found (FerretDB is built from source)"
  log "building FerretDB v1.24.2 (first run only)"
  mkdir -p "$CACHE/bin"
  (cd "$FERRETDB_SRC" && GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" \
    GOFLAGS=-modcacherw go build -trimpath -o "$FERRETDB_BIN" .)
  echo "$want" > "$stamp"
}

ferretdb_up() {
  if pid_alive "$RUN/ferretdb.pid"; then log "FerretDB already running (pid $(cat "$RUN/ferretdb.pid"))"; return; fi
  port_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by another process"
  ferretdb_provision
  mkdir -p "$RUN/ferretdb/data"
  log "starting FerretDB on 127.0.0.1:$FERRETDB_PORT"
  nohup "$FERRETDB_BIN" -listen-addr "127.0.0.1:$FERRETDB_PORT" -handler sqlite \
    -sqlite-url "file:$RUN/ferretdb/data/" >"$RUN/ferretdb/ferretdb.log" 2>&1 &
  echo $! > "$RUN/ferretdb.pid"
  wait_for 30 "FerretDB" ferretdb_ready || { tail -n 40 "$RUN/ferretdb/ferretdb.log" >&2; die "FerretDB did not start"; }
}

ferretdb_ready() { pid_alive "$RUN/ferretdb.pid" && port_open "$FERRETDB_PORT"; }

# --- Commands --------------------------------------------------------------------------------
stop_pid() {  # stop_pid NAME
  local file="$RUN/$1.pid" pid
  if ! pid_alive "$file"; then rm -f "$file"; return; fi
  pid=$(cat "$file")
  log "stopping $1 (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

status() {
  for name in kafka ferretdb; do
    if pid_alive "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"
    else echo "$name: stopped"; fi
  done
}

mkdir -p "$RUN"
case "${1:-}" in
  up) ferretdb_up; kafka_up ;;
  down) stop_pid kafka; stop_pid ferretdb ;;
  status) status ;;
  reset) stop_pid kafka; stop_pid ferretdb; rm -rf "$RUN/kafka" "$RUN/ferretdb"; log "data removed" ;;
  *) echo "usage: $0 up|down|status|reset" >&2; exit 2 ;;
esac
