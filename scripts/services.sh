#!/usr/bin/env bash
# Local infrastructure without Docker, all on loopback: a single-node Apache Kafka 4 broker
# (KRaft), and FerretDB v2.7.0 (MongoDB wire protocol) over PostgreSQL 15 with the DocumentDB
# extension, the engine that builds real indexes.
#
#   scripts/services.sh up       provision (first time) and start; waits until all three answer
#                                (`up postgres ferretdb` starts only those)
#   scripts/services.sh down     stop what `up` started (by pid file)
#   scripts/services.sh status   say what runs
#   scripts/services.sh reset    down, then delete broker and database data (keeps the caches)
#   scripts/services.sh install  root only: the Debian packages and the PostgreSQL extensions
#                                (`up` does it by itself when run as root)
#
# KAFKA_SASL=1 adds a SASL_PLAINTEXT listener on KAFKA_SASL_PORT (9094) for the user
# KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD (default casemgmt / casemgmt-local), offering PLAIN
# and SCRAM-SHA-512; clients then set KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT and
# KAFKA_SASL_MECHANISM=PLAIN or SCRAM-SHA-512. The SCRAM credential is written when the storage
# is formatted (KRaft), so a broker formatted without it needs `reset` once. Opt-in: the
# PLAINTEXT listener stays, for the test suite.
#
# The database: DocumentDB, pgvector and pg_cron are built from pinned sources (the archives in
# VENDOR_DIR, default ../shared/vendor, else downloaded from upstream), every file checked
# against infra/documentdb/MANIFEST.sha256, then installed into PostgreSQL's system
# directories. FerretDB is built through the Go module proxy (checked by go.sum's database).
# FerretDB authenticates clients against the PostgreSQL role `postgres`, whose password is
# generated on the first `up` and written into .env as part of MONGODB_URI. PostgreSQL refuses
# to run as root: under root its cluster belongs to POSTGRES_OS_USER (default postgres).
#
# Downloads and builds are cached under .cache/ so a second `up` takes seconds. Runtime data,
# logs and pid files live in .cache/run/. Every service starts in its own session, so a
# Ctrl-C in the terminal that ran `up` does not reach it. Ports: KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), FERRETDB_PORT (27017), FERRETDB_DEBUG_PORT (28017),
# POSTGRES_PORT (54320).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
RUN="${SERVICES_RUN_DIR:-$CACHE/run}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
FERRETDB_PORT="${FERRETDB_PORT:-27017}"
FERRETDB_DEBUG_PORT="${FERRETDB_DEBUG_PORT:-$((FERRETDB_PORT + 1000))}"
POSTGRES_PORT="${POSTGRES_PORT:-54320}"
KAFKA_SASL="${KAFKA_SASL:-0}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-9094}"
KAFKA_SASL_USERNAME="${KAFKA_SASL_USERNAME:-casemgmt}"
KAFKA_SASL_PASSWORD="${KAFKA_SASL_PASSWORD:-casemgmt-local}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"

KAFKA_LIBS="$CACHE/kafka/libs"
KAFKA_POM="$ROOT/infra/kafka/pom.xml"

FERRETDB_VERSION=v2.7.0
FERRETDB_BIN="$CACHE/bin/ferretdb"
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_OS_USER="${POSTGRES_OS_USER:-postgres}"
[ "$(id -u)" = 0 ] || PG_OS_USER="$(id -un)"
DOCDB_META="$ROOT/infra/documentdb"
VENDOR_DIR="${VENDOR_DIR:-$ROOT/../shared/vendor}"
EXT_CACHE="$CACHE/documentdb"
# Written beside the extensions by the install: which sources those files were built from.
EXT_STAMP="/usr/share/postgresql/$PG_MAJOR/extension/casemgmt-documentdb.sources.sha256"
DEBIAN_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-rum
  postgresql-$PG_MAJOR-postgis-3 libbson-dev libintelrdfpmath-dev libpcre2-dev libkrb5-dev
  pkg-config build-essential)
# name|archive in VENDOR_DIR|upstream tarball (GitHub) at the same pinned commit or tag
EXT_SOURCES=(
  "pgvector|pgvector-0.8.0.tar.xz|https://github.com/pgvector/pgvector/archive/refs/tags/v0.8.0.tar.gz"
  "pg_cron|pg_cron-1.6.3.tar.xz|https://github.com/citusdata/pg_cron/archive/refs/tags/v1.6.3.tar.gz"
  "documentdb|documentdb-3f80da90.tar.xz|https://github.com/FerretDB/documentdb/archive/3f80da90a9e0b04f214183aa656c4fb0b4bc31e4.tar.gz"
)
# Why the flags (see docs/ferretdb.md): Debian's libbson 1.23 lacks a constant of upstream's
# pinned 1.28; the JIT bitcode step would not see COPT.
DOCDB_MAKE_FLAGS=(with_llvm=no "COPT=-DBSON_SUBTYPE_SENSITIVE=0x08 -Wno-error=switch")

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
  local launcher=()
  [ "${KAFKA_NEW_SESSION:-0}" = 1 ] && launcher=(setsid)  # not a group leader: no fork
  # shellcheck disable=SC2086
  exec "${launcher[@]}" java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
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
  # A new session: a Ctrl-C in the terminal that ran `up` must not reach the broker.
  (KAFKA_NEW_SESSION=1 kafka_java kafka.Kafka "$RUN/kafka/server.properties") \
    >"$RUN/kafka/logs/stdout.log" 2>&1 </dev/null &
  echo $! > "$RUN/kafka.pid"
  wait_for 90 "Kafka" kafka_ready || { tail -n 40 "$RUN/kafka/logs/"*.log >&2; die "Kafka did not start"; }
}

kafka_ready() {
  pid_alive "$RUN/kafka.pid" || return 1
  port_open "$KAFKA_PORT" && grep -qs "Kafka Server started" "$RUN/kafka/logs/server.log"
}

# --- PostgreSQL + DocumentDB -----------------------------------------------------------------
as_pg() {  # run a command as the cluster's OS user (PostgreSQL refuses root)
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$PG_OS_USER" --regid="$(id -g "$PG_OS_USER")" \
    --init-groups env HOME="$(getent passwd "$PG_OS_USER" | cut -d: -f6)" "$@"
  else "$@"; fi
}

debian_packages() {
  local missing=() pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    die "missing Debian packages; install them once with:
  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"; } >"$CACHE/apt.log" 2>&1 || { tail -n 30 "$CACHE/apt.log" >&2; die "apt-get install failed"; }
}

ext_fetch() {  # ext_fetch NAME ARCHIVE URL DEST: the pinned sources of one extension into DEST/NAME
  local name=$1 archive=$2 url=$3 dest=$4 tmp
  tmp=$(mktemp -d "$EXT_CACHE/fetch.XXXXXX")
  if [ -f "$VENDOR_DIR/$archive" ]; then
    (cd "$VENDOR_DIR" && grep " $archive\$" "$DOCDB_META/SHA256SUMS" | sha256sum --quiet -c -) \
      || die "$VENDOR_DIR/$archive does not match infra/documentdb/SHA256SUMS"
    tar -xJf "$VENDOR_DIR/$archive" -C "$tmp"
  else
    log "downloading $name from $url"
    curl -fsSL --retry 3 -o "$tmp/src.tar.gz" "$url" || die "download of $url failed (or put $archive into $VENDOR_DIR)"
    tar -xzf "$tmp/src.tar.gz" -C "$tmp" && rm "$tmp/src.tar.gz"
    mv "$tmp"/*/ "$tmp/$name.unpacked" && mv "$tmp/$name.unpacked" "$tmp/$name"
  fi
  # Only the files the manifest names are built, and each must have its pinned checksum.
  (cd "$tmp" && grep " $name/" "$DOCDB_META/MANIFEST.sha256" | sha256sum --quiet --strict -c -) \
    || die "$name sources differ from infra/documentdb/MANIFEST.sha256"
  (cd "$tmp" && grep " $name/" "$DOCDB_META/MANIFEST.sha256" | cut -d' ' -f3- | tar -cf - -T -) | tar -xf - -C "$dest"
  rm -rf "$tmp"
}

ext_sources_sum() {  # what a build depends on: the pinned sources, our flags, the server
  (cat "$DOCDB_META/MANIFEST.sha256" "$DOCDB_META/intelmathlib.pc"; echo "${DOCDB_MAKE_FLAGS[*]}"
    "$PG_BIN/postgres" --version) | sha256sum | cut -d' ' -f1
}

ext_build() {  # builds into $EXT_CACHE/stage (a DESTDIR tree), once per source checksum
  local stamp="$EXT_CACHE/stage/.sources.sha256" want entry name archive url src
  want=$(ext_sources_sum)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "building DocumentDB, pgvector and pg_cron (first run only, about a minute)"
  rm -rf "$EXT_CACHE" && mkdir -p "$EXT_CACHE/src" "$EXT_CACHE/stage"
  for entry in "${EXT_SOURCES[@]}"; do
    IFS='|' read -r name archive url <<<"$entry"
    ext_fetch "$name" "$archive" "$url" "$EXT_CACHE/src"
  done
  src="$EXT_CACHE/src"
  {
    # Debian ships the Intel decimal library without a pkg-config file: ours names it.
    export PKG_CONFIG_PATH="$DOCDB_META"
    make -C "$src/pgvector" -j2 with_llvm=no && make -C "$src/pgvector" with_llvm=no install DESTDIR="$EXT_CACHE/stage"
    make -C "$src/pg_cron" -j2 with_llvm=no && make -C "$src/pg_cron" with_llvm=no install DESTDIR="$EXT_CACHE/stage"
    for dir in pg_documentdb_core pg_documentdb; do
      make -C "$src/documentdb/$dir" -j2 "${DOCDB_MAKE_FLAGS[@]}"
      make -C "$src/documentdb/$dir" "${DOCDB_MAKE_FLAGS[@]}" install DESTDIR="$EXT_CACHE/stage"
    done
  } >"$EXT_CACHE/build.log" 2>&1 || { tail -n 30 "$EXT_CACHE/build.log" >&2; die "extension build failed (log $EXT_CACHE/build.log)"; }
  echo "$want" > "$stamp"
}

ext_installed() {  # every built file is in place in PostgreSQL's directories
  local f
  while IFS= read -r -d '' f; do
    cmp -s "$EXT_CACHE/stage/$f" "/$f" || return 1
  done < <(cd "$EXT_CACHE/stage" && find . -type f ! -name .sources.sha256 -printf '%P\0')
}

ext_install() {
  if ext_installed; then
    [ "$(id -u)" = 0 ] && ext_sources_sum > "$EXT_STAMP"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "the PostgreSQL extensions go into PostgreSQL's system directories (PostgreSQL 15 has no
  per-user extension path); install them once with: sudo scripts/services.sh install"
  log "installing the extensions into PostgreSQL's directories"
  # --remove-destination: a running server keeps its mapped copy of a library, never a torn one.
  cp -r --remove-destination --no-preserve=ownership "$EXT_CACHE/stage/usr" /
  ext_sources_sum > "$EXT_STAMP"
}

extensions() {  # built and installed; a machine that has this very build needs no sources
  if [ "$(cat "$EXT_STAMP" 2>/dev/null)" = "$(ext_sources_sum)" ]; then return; fi
  ext_build
  ext_install
}

pg_data_dir() {  # the cluster's directory; under root, one its OS user can reach
  local link="$RUN/postgres" home target
  if [ -L "$link" ]; then readlink -f "$link"; return; fi  # PostgreSQL is given the real path
  if [ "$(id -u)" != 0 ] || as_pg test -x "$RUN"; then echo "$link"; return; fi
  getent passwd "$PG_OS_USER" >/dev/null || die "no OS user $PG_OS_USER to own the PostgreSQL cluster (set POSTGRES_OS_USER)"
  home=$(getent passwd "$PG_OS_USER" | cut -d: -f6)
  target="$home/casemgmt-$(printf '%s' "$RUN" | sha256sum | cut -c1-12)"
  log "$PG_OS_USER cannot reach $RUN (a parent folder is closed to it): the cluster lives in $target, linked from $link"
  mkdir -p "$target" && chown "$PG_OS_USER:" "$target" && chmod 700 "$target"
  ln -sfn "$target" "$link"
  echo "$target"
}

pg_password() {  # generated once per cluster; the copy in .cache/run is what `up` trusts
  local file="$RUN/postgres.password"
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$file")
  fi
  cat "$file"
}

pg_init() {
  local data=$1 pwfile
  [ -f "$data/PG_VERSION" ] && return
  log "creating the PostgreSQL cluster in $data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER:" "$data"
  chmod 700 "$data"
  pwfile=$(mktemp) && pg_password > "$pwfile"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER:" "$pwfile"
  # Every connection, socket or TCP, proves the password (scram-sha-256): none is trusted.
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$RUN/postgres-initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$RUN/postgres-initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  echo "include = 'casemgmt.conf'  # written by scripts/services.sh at every start" >> "$data/postgresql.conf"
}

pg_socket_dir() {  # sockets have a short path limit: the data dir, or a private folder in /tmp
  local data=$1 dir
  if [ ${#data} -le 80 ]; then echo "$data"; return; fi
  dir="/tmp/casemgmt-pg-$(printf '%s' "$data" | sha256sum | cut -c1-12)"
  mkdir -p "$dir" && chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER:" "$dir"
  echo "$dir"
}

pg_configure() {  # rewritten at every start, so a changed setting reaches an existing cluster
  local data=$1 socket
  socket=$(pg_socket_dir "$data")
  cat > "$data/casemgmt.conf" <<CONF
# What DocumentDB needs (scripts/services.sh; edits are overwritten at the next start).
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket'
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb'
cron.database_name = 'postgres'
# pg_cron (DocumentDB's index builds) and DocumentDB itself connect back over the socket.
cron.host = '$socket'
documentdb.localhost_connection_string = 'host=$socket'
documentdb.enableCompact = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableSortbyIdPushDownToPrimaryKey = true
documentdb.enableSchemaValidation = true
documentdb.enableBypassDocumentValidation = true
documentdb.enableUserCrud = true
documentdb.maxUserLimit = 100
max_connections = 200
max_wal_size = 256MB
CONF
  # TCP (FerretDB, psql) proves the password. The socket admits only the cluster's own OS user,
  # as the role postgres: that is how the server's background jobs reach it.
  cat > "$data/pg_hba.conf" <<CONF
# TYPE  DATABASE  USER      ADDRESS        METHOD (scripts/services.sh)
local   all       postgres                 peer map=casemgmt
host    all       all       127.0.0.1/32   scram-sha-256
host    all       all       ::1/128        scram-sha-256
CONF
  printf 'casemgmt  %s  postgres\n' "$PG_OS_USER" > "$data/pg_ident.conf"
  if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER:" "$data/casemgmt.conf" "$data/pg_hba.conf" "$data/pg_ident.conf"; fi
}

postgres_up() {
  local data
  if pid_alive "$RUN/postgres.pid"; then log "PostgreSQL already running (pid $(cat "$RUN/postgres.pid"))"; return; fi
  port_open "$POSTGRES_PORT" && die "port $POSTGRES_PORT is taken by another process"
  debian_packages
  extensions
  data=$(pg_data_dir)
  pg_init "$data"
  pg_configure "$data"
  log "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  # pg_ctl -w waits for the postmaster; setsid keeps the terminal's Ctrl-C away from it.
  setsid "$0" __as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 120 \
    -o "-c port=$POSTGRES_PORT" start >"$RUN/postgres-start.log" 2>&1 </dev/null \
    || { cat "$RUN/postgres-start.log" >&2; tail -n 30 "$data/server.log" >&2 || true; die "PostgreSQL did not start"; }
  head -n 1 "$data/postmaster.pid" > "$RUN/postgres.pid"
  ln -sfn "$data/server.log" "$RUN/postgres.log"
  PGPASSWORD=$(pg_password) "$PG_BIN/psql" -qAt -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres \
    -c "CREATE EXTENSION IF NOT EXISTS documentdb CASCADE" >/dev/null 2>"$RUN/postgres-extension.log" \
    || { cat "$RUN/postgres-extension.log" >&2; die "CREATE EXTENSION documentdb failed"; }
  log "PostgreSQL is ready"
}

# --- FerretDB v2 ------------------------------------------------------------------------------
ferretdb_provision() {
  local stamp="$CACHE/bin/.ferretdb.version"
  if [ -x "$FERRETDB_BIN" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$FERRETDB_VERSION" ]; then return; fi
  command -v go >/dev/null || die "go not found (FerretDB is built from source; Go 1.24 or newer)"
  log "building FerretDB $FERRETDB_VERSION through the Go module proxy (first run only)"
  mkdir -p "$CACHE/bin"
  GOBIN="$CACHE/bin" GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" \
    GOFLAGS="-modcacherw -trimpath" go install "github.com/FerretDB/FerretDB/v2/cmd/ferretdb@$FERRETDB_VERSION" \
    >"$CACHE/bin/ferretdb-build.log" 2>&1 || { tail -n 30 "$CACHE/bin/ferretdb-build.log" >&2; die "FerretDB build failed"; }
  rm -rf "$CACHE/go/build"  # 300+ MB of compiler cache that no later `up` needs
  echo "$FERRETDB_VERSION" > "$stamp"
}

ferretdb_up() {
  if pid_alive "$RUN/ferretdb.pid"; then log "FerretDB already running (pid $(cat "$RUN/ferretdb.pid"))"; return; fi
  port_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by another process"
  ferretdb_provision
  mkdir -p "$RUN/ferretdb"
  log "starting FerretDB $FERRETDB_VERSION on 127.0.0.1:$FERRETDB_PORT"
  # The URL carries the password: passed in the environment, not on the command line (ps).
  FERRETDB_POSTGRESQL_URL="postgres://postgres:$(pg_password)@127.0.0.1:$POSTGRES_PORT/postgres" \
    setsid "$FERRETDB_BIN" --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT" --state-dir="$RUN/ferretdb" --telemetry=disable \
    >"$RUN/ferretdb/ferretdb.log" 2>&1 </dev/null &
  echo $! > "$RUN/ferretdb.pid"
  wait_for 30 "FerretDB" ferretdb_ready || { tail -n 40 "$RUN/ferretdb/ferretdb.log" >&2; die "FerretDB did not start"; }
}

ferretdb_ready() {
  pid_alive "$RUN/ferretdb.pid" && port_open "$FERRETDB_PORT" \
    && curl -fsS -o /dev/null "http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/readyz"
}

write_env_uri() {  # MONGODB_URI with the generated password, unless .env points elsewhere
  local env="$ROOT/.env" uri current
  uri="mongodb://postgres:$(pg_password)@127.0.0.1:$FERRETDB_PORT/"
  current=""
  [ -f "$env" ] && current=$(sed -n 's/^MONGODB_URI=//p' "$env" | tail -n 1)
  [ "$current" = "$uri" ] && return
  case "$current" in
    ""|*@127.0.0.1:*|*//127.0.0.1:*|*@localhost:*|*//localhost:*) ;;
    *) log "keeping MONGODB_URI of .env (not a local server); the local one is $uri"; return ;;
  esac
  [ -f "$env" ] || (umask 077 && : > "$env")
  sed -i '/^MONGODB_URI=/d' "$env"
  echo "MONGODB_URI=$uri" >> "$env"
  log "MONGODB_URI (with the local password) written to .env"
}

# --- Commands --------------------------------------------------------------------------------
stop_pid() {  # stop_pid NAME
  local file="$RUN/$1.pid" pid
  if ! pid_alive "$file"; then rm -f "$file"; return; fi
  pid=$(cat "$file")
  log "stopping $1 (pid $pid)"
  kill -"${STOP_SIGNAL:-TERM}" "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

status() {
  for name in kafka ferretdb postgres; do
    if pid_alive "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"
    else echo "$name: stopped"; fi
  done
}

down() {
  stop_pid kafka
  stop_pid ferretdb
  STOP_SIGNAL=INT stop_pid postgres  # fast shutdown: open sessions must not hold it up
}

reset() {
  local data
  down
  data=$(readlink -f "$RUN/postgres" 2>/dev/null || true)
  [ -n "$data" ] && [ "$data" != "$RUN/postgres" ] && rm -rf "$data"
  rm -rf "$RUN/kafka" "$RUN/ferretdb" "$RUN/postgres" "$RUN/postgres.password" "$RUN"/postgres-*.log "$RUN/postgres.log"
  log "data removed (the next up generates a new database password and writes it to .env)"
}

# Autovacuum refreshes PostgreSQL's planner statistics about a minute after a bulk load; until
# then the planner may cost a table by what it held earlier (a collection of 1 row that now has
# thousands). `analyze DATABASE` does it at once for every collection of that database: after a
# bulk import, or before reading query plans (tests/integration/test_query_plans.py).
analyze() {
  local database=${1:?usage: $0 analyze DATABASE}
  [ -s "$RUN/postgres.pid" ] || die "PostgreSQL is not running (scripts/services.sh up)"
  PGPASSWORD=$(pg_password) "$PG_BIN/psql" -qAt -v ON_ERROR_STOP=1 -v db="$database" \
    -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres >/dev/null <<'SQL'
SELECT format('ANALYZE documentdb_data.documents_%s', collection_id)
  FROM documentdb_api_catalog.collections WHERE database_name = :'db' \gexec
SQL
}

mkdir -p "$RUN" "$CACHE"
case "${1:-}" in
  up)  # up [postgres] [ferretdb] [kafka]: all three unless named (tests start a private pair)
    shift; wanted=" ${*:-postgres ferretdb kafka} "
    case "$wanted" in *" postgres "*) postgres_up ;; esac
    case "$wanted" in *" ferretdb "*) ferretdb_up ;; esac
    # A private run folder (SERVICES_RUN_DIR) keeps its password to itself, never in .env.
    [ -n "${SERVICES_RUN_DIR:-}" ] || write_env_uri
    case "$wanted" in *" kafka "*) kafka_up ;; esac ;;
  down) down ;;
  status) status ;;
  reset) reset ;;
  analyze) shift; analyze "$@" ;;
  install) debian_packages; ext_build; ext_install ;;  # always compares the files
  __as_pg) shift; as_pg "$@" ;;  # internal: pg_ctl under setsid, as the cluster's user
  *) echo "usage: $0 up|down|status|reset|analyze DATABASE|install" >&2; exit 2 ;;
esac
