#!/usr/bin/env bash
# Local Apache Kafka without Docker: jars from Maven Central, run with `java`.
# Usage: bash tools/kafka/kafka.sh <command> [args]   (see `help` below or README.md)
set -euo pipefail

readonly KAFKA_VERSION=4.3.1
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
readonly SCRIPT_DIR REPO_ROOT
readonly POM="$SCRIPT_DIR/pom.xml"

STATE_DIR="${NURT_KAFKA_HOME:-$REPO_ROOT/.kafka}"
JARS_DIR="${NURT_KAFKA_JARS:-${HOME:-/tmp}/.cache/nurt/kafka-$KAFKA_VERSION}"
HOST="${KAFKA_HOST:-127.0.0.1}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
SINGLE_HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
CLUSTER_HEAP="${KAFKA_HEAP_OPTS:--Xms384m -Xmx512m}"
readonly CLUSTER_NODES=(1 2 3)
# Node N's broker listens on CLUSTER_BASE_PORT + (N-1)*100, its controller one port above:
# 9192/9292/9392 (controllers 9193/9293/9393) by default; the secured cluster's on
# KAFKA_SECURE_CLUSTER_BASE_PORT, 9194/9294/9394 (controllers 9195/9295/9395) by default.
CLUSTER_BASE_PORT="${KAFKA_CLUSTER_BASE_PORT:-9192}"
CLUSTER_PORT_VAR=KAFKA_CLUSTER_BASE_PORT
SECURE_CLUSTER_BASE_PORT="${KAFKA_SECURE_CLUSTER_BASE_PORT:-9194}"
# Same GC settings as Kafka's own launch scripts.
JVM_OPTS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)

log() { printf 'kafka: %s\n' "$*"; }
err() { printf 'kafka: error: %s\n' "$*" >&2; }
die() { err "$@"; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { local ms=$(($(now_ms) - $1)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

# ---------------------------------------------------------------------------- fetch

jars_ready() {
  [[ -f "$JARS_DIR/.stamp" && "$(<"$JARS_DIR/.stamp")" == "$(pom_hash)" ]] &&
    [[ -f "$JARS_DIR/kafka_2.13-$KAFKA_VERSION.jar" && -f "$JARS_DIR/kafka-tools-$KAFKA_VERSION.jar" ]]
}
pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

# Copies the pom's runtime dependencies into $JARS_DIR. The stamp file holds the pom's
# hash: with a matching stamp this returns at once, without running Maven.
cmd_fetch() {
  local quiet="${1:-}"
  if jars_ready; then
    [[ -n "$quiet" ]] || log "jars for Kafka $KAFKA_VERSION already in $JARS_DIR"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: Maven is needed once to fetch the Kafka jars"
  command -v java >/dev/null || die "java not found: Kafka $KAFKA_VERSION needs JDK 17+"
  mkdir -p "$(dirname "$JARS_DIR")"
  # Several fetches at once (parallel CI jobs) take turns; the loser finds the jars ready.
  exec 8>"$JARS_DIR.lock"
  if command -v flock >/dev/null; then flock 8; fi
  if jars_ready; then exec 8>&-; return 0; fi
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $JARS_DIR ..."
  local t0 tmp mvn_log
  t0=$(now_ms)
  tmp="$(mktemp -d "$JARS_DIR.tmp.XXXXXX")"
  mvn_log="$tmp.maven.log"
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    err "Maven could not fetch the Kafka jars; its output:"
    tail -n 40 "$mvn_log" >&2
    rm -rf "$tmp" "$mvn_log"
    exit 1
  fi
  chmod 755 "$tmp"
  pom_hash >"$tmp/.stamp"
  rm -rf "$JARS_DIR" "$mvn_log"
  mv "$tmp" "$JARS_DIR"
  exec 8>&-
  log "fetched $(find "$JARS_DIR" -name '*.jar' | wc -l) jars in $(secs_since "$t0")s"
}

# ---------------------------------------------------------------------------- helpers

# Kafka ApiVersions v0 request (api key 18, correlation id "nurt"); a broker that is up
# answers with the same correlation id and error code 0. Takes ~30 ms. The broker opens
# its client port only once it has registered and been unfenced, so an answer here means
# it really serves requests. Returns 0 = Kafka answered, 1 = nothing listens,
# 2 = something listens but does not answer like Kafka.
probe() {
  local host="$1" port="$2" out
  # shellcheck disable=SC2016 # $0/$1 expand in the inner bash
  out="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x6e\x75\x72\x74\xff\xff" >&3
    head -c 10 <&3 | od -An -tx1' "$host" "$port" 2>/dev/null)" || {
    [[ $? -eq 1 ]] && return 1
    return 2
  }
  # od prints " 00 00 01 cc 6e 75 72 74 00 00": size, correlation id, error code
  [[ "${out//$'\n'/ }" == *" 6e 75 72 74 00 00"* ]] && return 0
  return 2
}
# shellcheck disable=SC2016 # $0/$1 expand in the inner bash
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; }

alive() {
  local pid="$1" state
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)"
  [[ "$state" != Z ]]
}

# Prints the PID from a PID file if that process is alive and is our broker
# (its command line names kafka.Kafka and this config file); guards against PID reuse.
our_pid() {
  local pidfile="$1" config="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $config" || return 1
  echo "$pid"
}

# Kafka's cluster ids are 16 random bytes, base64url without padding (never starting with '-').
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}
cluster_id() { # <file>: the stored id, created once
  [[ -s "$1" ]] || new_cluster_id >"$1"
  cat "$1"
}

# render <output> <template>... -- KEY=VALUE... : the templates one after the other (in a Kafka
# properties file a later key wins: an overlay template overrides the base), @KEY@ replaced by VALUE
render() {
  local out="$1" text="" kv
  shift
  while (($#)) && [[ "$1" != -- ]]; do
    text+="${text:+$'\n\n'}$(<"$1")"
    shift
  done
  shift
  for kv in "$@"; do text="${text//@${kv%%=*}@/"${kv#*=}"}"; done
  printf '%s\n' "$text" >"$out.tmp"
  mv "$out.tmp" "$out"
}

classpath() { echo "$JARS_DIR/*"; }

# Serialises start/stop/clean on one state dir (e.g. parallel test workers all calling start):
# the second caller waits, then finds the broker running. Brokers do not inherit the lock.
lock_state() { # [lock file]: default $STATE_DIR/.lock
  local lock="${1:-$STATE_DIR/.lock}"
  mkdir -p "$(dirname "$lock")"
  exec 9>"$lock"
  command -v flock >/dev/null || return 0
  flock -w $((START_TIMEOUT + 60)) 9 || die "another kafka.sh holds $lock"
}

format_storage() { # <config> <data dir> <cluster id> [more StorageTool format args, e.g. --add-scram]
  local config="$1" data="$2" id="$3"
  shift 3
  [[ -f "$data/meta.properties" ]] && return 0
  mkdir -p "$data"
  java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$SCRIPT_DIR/tools-log4j2.yaml" \
    -cp "$(classpath)" kafka.tools.StorageTool format -t "$id" -c "$config" --ignore-formatted "$@" >"$data.format.log" 2>&1 || {
    err "formatting $data failed:"
    cat "$data.format.log" >&2
    return 1
  }
}

# Class-data sharing: the broker loads ~9000 classes at startup, which costs ~1.5 s of CPU
# on this kind of machine. The first broker that starts without an archive dumps one when
# it exits after a clean stop (that stop takes ~5 s longer, once); later starts map it.
# The archive sits beside the jars and is keyed on the java binary; a stale archive is
# ignored by the JVM. KAFKA_CDS=0 turns this off.
cds_archive() { echo "$JARS_DIR/cds/broker-$(readlink -f "$(command -v java)" | sha256sum | cut -c1-12).jsa"; }
cds_opts() { # <node dir>
  [[ "${KAFKA_CDS:-1}" == 1 ]] || return 0
  local archive
  archive="$(cds_archive)"
  if [[ -s "$archive" ]]; then
    echo "-Xlog:cds*=off -XX:SharedArchiveFile=$archive"
  else
    echo "-Xlog:cds*=off -XX:ArchiveClassesAtExit=$1/broker.jsa"
  fi
}
# cds_keep <node dir> <clean: 1|0>: after the JVM exited, keep its dump if it exited cleanly
cds_keep() {
  local dump="$1/broker.jsa" archive
  [[ -f "$dump" ]] || return 0
  archive="$(cds_archive)"
  if [[ "$2" == 1 && -s "$dump" && ! -s "$archive" ]]; then
    mkdir -p "$(dirname "$archive")"
    mv -f "$dump" "$archive"
  else
    rm -f "$dump"
  fi
}

# launch <node dir> <heap opts> [kafka.Kafka args...]: starts the JVM detached, writes kafka.pid
launch() {
  local dir="$1" heap="$2"
  shift 2
  local -a heap_opts extra_opts cds
  read -r -a heap_opts <<<"$heap"
  read -r -a extra_opts <<<"${KAFKA_JVM_OPTS:-}"
  read -r -a cds <<<"$(cds_opts "$dir")"
  mkdir -p "$dir/logs"
  : >"$dir/logs/kafka.out"
  # A fresh server.log per start makes "what went wrong this time" obvious.
  [[ -f "$dir/logs/server.log" ]] && mv -f "$dir/logs/server.log" "$dir/logs/server.log.prev"
  # setsid: own session, so a Ctrl-C in the shell that ran `start` does not reach the broker.
  # No fork happens here (we are not a group leader), so $! is the JVM's PID. Only stdio reaches
  # the broker: any other inherited descriptor (our locks, or the lock of a `flock … kafka.sh
  # start` around us) would be held for as long as the broker runs.
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec setsid java "${heap_opts[@]}" "${JVM_OPTS[@]}" "${cds[@]}" "${extra_opts[@]}" \
      -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.yaml" -Dkafka.logs.dir="$dir/logs" \
      -cp "$(classpath)" kafka.Kafka "$dir/server.properties" "$@"
  ) </dev/null >>"$dir/logs/kafka.out" 2>&1 &
  echo $! >"$dir/kafka.pid"
}

log_tail() { # <node dir>
  local f
  for f in "$1/logs/server.log" "$1/logs/kafka.out"; do
    [[ -s "$f" ]] || continue
    echo "----- last lines of $f -----" >&2
    tail -n "${KAFKA_LOG_TAIL:-40}" "$f" >&2
  done
}

# terminate <pid> <label> <timeout s>: SIGTERM, wait, SIGKILL after the timeout.
# Returns 1 if SIGKILL was needed.
terminate() {
  local pid="$1" label="$2" timeout="$3" t0
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if (($(now_ms) - t0 > timeout * 1000)); then
      log "$label (pid $pid) still running after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
      return 1
    fi
    sleep 0.1
  done
  log "$label stopped (pid $pid) in $(secs_since "$t0")s"
}

# ---------------------------------------------------------------------------- single node

SINGLE_DIR="$STATE_DIR/single"
SINGLE_CONFIG="$SINGLE_DIR/server.properties"
SINGLE_PIDFILE="$SINGLE_DIR/kafka.pid"

cmd_start() {
  local t0 pid rc=0
  t0=$(now_ms)
  if pid="$(our_pid "$SINGLE_PIDFILE" "$SINGLE_CONFIG")"; then
    if probe "$HOST" "$PORT"; then
      log "already running (pid $pid) at $HOST:$PORT"
      return 0
    fi
    log "already starting (pid $pid), waiting for $HOST:$PORT ..."
  else
    rm -f "$SINGLE_PIDFILE"
    probe "$HOST" "$PORT" || rc=$?
    if ((rc == 0)); then
      log "reusing broker at $HOST:$PORT (a Kafka not started by this script answers there)"
      return 0
    elif ((rc == 2)); then
      die "port $HOST:$PORT is taken by something that does not answer like Kafka; free it or set KAFKA_PORT"
    fi
    port_open "$HOST" "$CONTROLLER_PORT" &&
      die "controller port $HOST:$CONTROLLER_PORT is already in use; free it or set KAFKA_CONTROLLER_PORT"
    cmd_fetch quiet
    mkdir -p "$SINGLE_DIR"
    render "$SINGLE_CONFIG" "$SCRIPT_DIR/server.properties" -- HOST="$HOST" BROKER_PORT="$PORT" \
      CONTROLLER_PORT="$CONTROLLER_PORT" LOG_DIRS="$SINGLE_DIR/data"
    if [[ ! -f "$SINGLE_DIR/data/meta.properties" ]]; then
      log "formatting storage in $SINGLE_DIR/data (first start)"
      format_storage "$SINGLE_CONFIG" "$SINGLE_DIR/data" "$(cluster_id "$SINGLE_DIR/cluster.id")"
    fi
    launch "$SINGLE_DIR" "$SINGLE_HEAP" "$@"
    pid="$(<"$SINGLE_PIDFILE")"
    log "starting broker (pid $pid) on $HOST:$PORT, controller $HOST:$CONTROLLER_PORT ..."
  fi
  while :; do
    if probe "$HOST" "$PORT"; then
      log "broker ready at $HOST:$PORT (pid $pid) after $(secs_since "$t0")s"
      return 0
    fi
    if ! alive "$pid"; then
      err "broker (pid $pid) exited during startup"
      log_tail "$SINGLE_DIR"
      cds_keep "$SINGLE_DIR" 0
      rm -f "$SINGLE_PIDFILE"
      exit 1
    fi
    if (($(now_ms) - t0 > START_TIMEOUT * 1000)); then
      err "broker did not answer at $HOST:$PORT within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT); stopping it"
      log_tail "$SINGLE_DIR"
      terminate "$pid" broker 10 >&2 || true
      cds_keep "$SINGLE_DIR" 0
      rm -f "$SINGLE_PIDFILE"
      exit 1
    fi
    sleep 0.2
  done
}

cmd_stop() {
  local pid
  if pid="$(our_pid "$SINGLE_PIDFILE" "$SINGLE_CONFIG")"; then
    [[ -f "$SINGLE_DIR/broker.jsa" || "${KAFKA_CDS:-1}" != 1 || -s "$(cds_archive)" ]] ||
      log "stopping; this first stop also writes a class-data archive (a few seconds, once)"
    if terminate "$pid" broker "$STOP_TIMEOUT"; then cds_keep "$SINGLE_DIR" 1; else cds_keep "$SINGLE_DIR" 0; fi
  else
    log "not running"
  fi
  rm -f "$SINGLE_PIDFILE"
}

cmd_status() {
  local pid rc=0
  if pid="$(our_pid "$SINGLE_PIDFILE" "$SINGLE_CONFIG")"; then
    if probe "$HOST" "$PORT"; then
      log "running: pid $pid, broker $HOST:$PORT, controller $HOST:$CONTROLLER_PORT, data $SINGLE_DIR/data"
    else
      log "running but not answering (yet): pid $pid, broker $HOST:$PORT, data $SINGLE_DIR/data"
    fi
    return 0
  fi
  probe "$HOST" "$PORT" || rc=$?
  if ((rc == 0)); then
    log "stopped (not started by this script, but a Kafka broker answers at $HOST:$PORT); data $SINGLE_DIR/data"
  else
    log "stopped; data $SINGLE_DIR/data"
  fi
  return 3
}

cmd_logs() { # logs [-f] [--secure] [node 1-3 of the cluster]
  local follow=() secure=0 node="" dir a
  for a in "$@"; do
    case "$a" in
      -f | --follow) follow=(-F) ;;
      [1-3]) node="$a" ;;
      --secure) secure=1 ;;
      *) die "usage: logs [-f] [--secure] [cluster node 1|2|3]" ;;
    esac
  done
  case "$secure${node:+n}" in
    0) dir="$SINGLE_DIR" ;;
    1) dir="$SECURE_DIR" ;;
    0n) dir="$STATE_DIR/cluster/node$node" ;;
    1n) dir="$STATE_DIR/cluster-secure/node$node" ;;
  esac
  [[ -f "$dir/logs/server.log" ]] || die "no log yet at $dir/logs/server.log"
  tail -n "${KAFKA_LOG_TAIL:-100}" "${follow[@]}" "$dir/logs/server.log"
}

# Deletes data, logs and generated configs (keeps the jar cache). Refuses while running.
cmd_clean() {
  local n
  our_pid "$SINGLE_PIDFILE" "$SINGLE_CONFIG" >/dev/null && die "broker is running; run stop first"
  for n in "${CLUSTER_NODES[@]}"; do
    our_pid "$(node_dir "$n")/kafka.pid" "$(node_dir "$n")/server.properties" >/dev/null &&
      die "cluster node $n is running; run cluster-stop first"
  done
  rm -rf "$SINGLE_DIR" "$STATE_DIR/cluster"
  log "removed data, logs and configs under $STATE_DIR (jar cache $JARS_DIR kept)"
}

# ---------------------------------------------------------------------------- secured brokers

# Two secured variants, each beside its plain counterpart, on its own ports and in its own state
# folder: the single node (start --secure, $SECURE_DIR) and the three-node cluster
# (cluster-start --secure, $STATE_DIR/cluster-secure). Both are a plain template plus the overlay
# secure.properties: SASL/SCRAM-SHA-512 over TLS for clients and between brokers, no plaintext
# client listener. Generated once into the state folder: random passwords (credentials), a CA and
# each node's certificate signed by it (tls/), and for clients client.properties (Kafka's tools)
# and nurt.env (nurt's KAFKA_* variables). Every secure command takes one lock, $SECURE_LOCK.
SECURE_DIR="$STATE_DIR/secure"
SECURE_CONFIG="$SECURE_DIR/server.properties"
SECURE_PIDFILE="$SECURE_DIR/kafka.pid"
SECURE_LOCK="$STATE_DIR/.secure.lock"
SECURE_PORT="${KAFKA_SECURE_PORT:-9094}"
SECURE_CONTROLLER_PORT="${KAFKA_SECURE_CONTROLLER_PORT:-9095}"
readonly SECURE_ADMIN_USER=admin SECURE_CLIENT_USER=nurt

random_secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
credential() { sed -n "s/^$2=//p" "$1/credentials"; } # <state folder> <name>

# secure_credentials <state folder>: the passwords (the admin user the brokers log in to each other
# as, the nurt client user, the key and trust stores), generated once into <folder>/credentials
# (0600). Sets ADMIN_PASSWORD, CLIENT_PASSWORD, STORE_PASSWORD and SCRAM_USERS, the arguments that
# create both users when the storage is formatted.
secure_credentials() {
  local dir="$1" file="$1/credentials"
  if [[ ! -s "$file" ]]; then
    [[ -z "$(find "$dir" -maxdepth 3 -name meta.properties -print -quit)" ]] ||
      die "$file is missing but $dir holds storage formatted with SCRAM users made with it; run 'kafka.sh clean --secure' to start over"
    (
      umask 077
      printf 'ADMIN_PASSWORD=%s\nCLIENT_PASSWORD=%s\nSTORE_PASSWORD=%s\n' \
        "$(random_secret)" "$(random_secret)" "$(random_secret)" >"$file.tmp"
    )
    mv "$file.tmp" "$file"
  fi
  ADMIN_PASSWORD="$(credential "$dir" ADMIN_PASSWORD)"
  CLIENT_PASSWORD="$(credential "$dir" CLIENT_PASSWORD)"
  STORE_PASSWORD="$(credential "$dir" STORE_PASSWORD)"
  [[ -n "$ADMIN_PASSWORD" && -n "$CLIENT_PASSWORD" && -n "$STORE_PASSWORD" ]] ||
    die "$file lacks a password; run 'kafka.sh clean --secure' to start over"
  SCRAM_USERS=(--add-scram "SCRAM-SHA-512=[name=$SECURE_ADMIN_USER,password=$ADMIN_PASSWORD]"
    --add-scram "SCRAM-SHA-512=[name=$SECURE_CLIENT_USER,password=$CLIENT_PASSWORD]")
}

# secure_tls <state folder> <node name>...: in <folder>/tls, once, a CA (ca.crt, ca.key) and for
# each node a key and certificate signed by it (CN the node's name, SAN IP:127.0.0.1, DNS:localhost
# and KAFKA_HOST; server and client use) as the PKCS12 keystore <name>.p12; the CA alone as the
# PKCS12 truststore truststore.p12 (Java) and ca.crt (PEM, for nurt's KAFKA_SSL_CA_FILE).
secure_tls() {
  local dir="$1" name ready=1
  shift
  local tls="$dir/tls"
  for name in ca.crt truststore.p12 "${@/%/.p12}"; do [[ -s "$tls/$name" ]] || ready=0; done
  ((ready)) && return 0
  command -v openssl >/dev/null || die "openssl not found: it creates the secure brokers' certificates (once)"
  command -v keytool >/dev/null || die "keytool not found: it comes with the JDK and creates the truststore (once)"
  local tmp san="IP:127.0.0.1,DNS:localhost"
  if [[ "$HOST" != 127.0.0.1 && "$HOST" != localhost ]]; then
    if [[ "$HOST" =~ ^[0-9.]+$ ]]; then san+=",IP:$HOST"; else san+=",DNS:$HOST"; fi
  fi
  tmp="$(mktemp -d "$dir/tls.tmp.XXXXXX")"
  if ! (
    cd "$tmp"
    export STORE_PASSWORD
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout ca.key -out ca.crt \
      -subj "/CN=nurt local Kafka CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$san" >node.ext
    for name in "$@"; do
      openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$name.key" -out "$name.csr" -subj "/O=nurt/CN=$name"
      openssl x509 -req -sha256 -days 825 -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
        -extfile node.ext -out "$name.crt"
      openssl pkcs12 -export -name "$name" -in "$name.crt" -inkey "$name.key" -certfile ca.crt \
        -out "$name.p12" -passout env:STORE_PASSWORD
    done
    keytool -importcert -noprompt -alias nurt-local-ca -file ca.crt -keystore truststore.p12 \
      -storetype PKCS12 -storepass:env STORE_PASSWORD
    rm -f ./*.csr node.ext ca.srl
    chmod 600 ./*
    chmod 644 ./*.crt
  ) >"$tmp.log" 2>&1; then
    err "creating the certificates in $tls failed:"
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    exit 1
  fi
  rm -rf "$tls" "$tmp.log"
  mv "$tmp" "$tls"
  log "created a CA and the certificates of $* in $tls (SAN $san)"
}

# secure_render <output> <base template> <state folder> <keystore name> <controller protocol> KEY=VALUE...:
# the base template plus the overlay secure.properties, readable only by the owner (it holds passwords).
secure_render() {
  local out="$1" base="$2" dir="$3" keystore="$4" controller_protocol="$5"
  shift 5
  (
    umask 077
    render "$out" "$base" "$SCRIPT_DIR/secure.properties" -- "$@" TLS_DIR="$dir/tls" KEYSTORE="$keystore" \
      CONTROLLER_PROTOCOL="$controller_protocol" ADMIN_USER="$SECURE_ADMIN_USER" \
      ADMIN_PASSWORD="$ADMIN_PASSWORD" STORE_PASSWORD="$STORE_PASSWORD"
  )
}

# secure_client_files <state folder> <bootstrap servers> <what runs there>: client.properties (Kafka's
# tools, --command-config) and nurt.env (nurt's KAFKA_* variables), both as the nurt user, both 0600.
secure_client_files() {
  local dir="$1" bootstrap="$2" what="$3"
  local props="$dir/client.properties" env="$dir/nurt.env"
  (
    umask 077
    cat >"$props.tmp" <<PROPS
# The $what for Kafka's own tools, as user $SECURE_CLIENT_USER:
#   bash tools/kafka/kafka.sh tool topics --bootstrap-server $bootstrap --command-config $props --list
# (console tools: --consumer.config / --producer.config / --command-property-file instead). Generated; do not edit.
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$SECURE_CLIENT_USER" password="$CLIENT_PASSWORD";
ssl.truststore.type=PKCS12
ssl.truststore.location=$dir/tls/truststore.p12
ssl.truststore.password=$STORE_PASSWORD
PROPS
    cat >"$env.tmp" <<ENV
# nurt against the $what, as user $SECURE_CLIENT_USER. Generated; do not edit.
# Use: set -a; . $env; set +a   (or copy the lines into .env)
KAFKA_BROKERS=$bootstrap
KAFKA_SSL=true
KAFKA_SSL_CA_FILE=$dir/tls/ca.crt
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=$SECURE_CLIENT_USER
KAFKA_SASL_PASSWORD=$CLIENT_PASSWORD
ENV
  )
  mv "$props.tmp" "$props"
  mv "$env.tmp" "$env"
}

# secure_tls_ok <state folder> <port>: a TLS handshake with the broker there, verifying its
# certificate against the folder's CA and our address.
secure_tls_ok() {
  local verify=(-verify_hostname "$HOST")
  [[ "$HOST" =~ ^[0-9.]+$ ]] && verify=(-verify_ip "$HOST")
  timeout 5 openssl s_client -connect "$HOST:$2" -CAfile "$1/tls/ca.crt" \
    -verify_return_error "${verify[@]}" </dev/null >"$1/tls-check.log" 2>&1
}
secure_tls_failed() { # <state folder> <port> <what>
  err "$3 answers at $HOST:$2 but its certificate does not verify against $1/tls/ca.crt:"
  cat "$1/tls-check.log" >&2
}

secure_paths() { # <state folder>
  log "client.properties (Kafka's tools, --command-config): $1/client.properties"
  log "nurt.env (nurt's KAFKA_* variables): $1/nurt.env"
}

# ---------------------------------------------------------------------------- secure single node

cmd_secure_start() {
  local t0 pid
  t0=$(now_ms)
  if pid="$(our_pid "$SECURE_PIDFILE" "$SECURE_CONFIG")"; then
    if port_open "$HOST" "$SECURE_PORT"; then
      log "secure broker already running (pid $pid) at $HOST:$SECURE_PORT (SASL_SSL, SCRAM-SHA-512)"
      secure_paths "$SECURE_DIR"
      return 0
    fi
    log "secure broker already starting (pid $pid), waiting for $HOST:$SECURE_PORT ..."
  else
    rm -f "$SECURE_PIDFILE"
    # Not ours, so its credentials are unknown: never adopted, unlike the plain broker.
    port_open "$HOST" "$SECURE_PORT" &&
      die "port $HOST:$SECURE_PORT is already in use (not by this script's secure broker); free it or set KAFKA_SECURE_PORT"
    port_open "$HOST" "$SECURE_CONTROLLER_PORT" &&
      die "controller port $HOST:$SECURE_CONTROLLER_PORT is already in use; free it or set KAFKA_SECURE_CONTROLLER_PORT"
    cmd_fetch quiet
    mkdir -p "$SECURE_DIR"
    chmod 700 "$SECURE_DIR"
    secure_credentials "$SECURE_DIR"
    secure_tls "$SECURE_DIR" broker
    # The controller listener stays plaintext on loopback: only this process connects to it.
    secure_render "$SECURE_CONFIG" "$SCRIPT_DIR/server.properties" "$SECURE_DIR" broker PLAINTEXT \
      HOST="$HOST" BROKER_PORT="$SECURE_PORT" CONTROLLER_PORT="$SECURE_CONTROLLER_PORT" LOG_DIRS="$SECURE_DIR/data"
    if [[ ! -f "$SECURE_DIR/data/meta.properties" ]]; then
      log "formatting storage in $SECURE_DIR/data with SCRAM users $SECURE_ADMIN_USER and $SECURE_CLIENT_USER (first start)"
      format_storage "$SECURE_CONFIG" "$SECURE_DIR/data" "$(cluster_id "$SECURE_DIR/cluster.id")" "${SCRAM_USERS[@]}"
    fi
    secure_client_files "$SECURE_DIR" "$HOST:$SECURE_PORT" "secure local broker (kafka.sh start --secure)"
    launch "$SECURE_DIR" "$SINGLE_HEAP" "$@"
    pid="$(<"$SECURE_PIDFILE")"
    log "starting secure broker (pid $pid) on $HOST:$SECURE_PORT (SASL_SSL), controller $HOST:$SECURE_CONTROLLER_PORT ..."
  fi
  # The broker opens its client port only once it serves requests; then the TLS handshake must
  # verify against our CA.
  while :; do
    if port_open "$HOST" "$SECURE_PORT"; then
      secure_tls_ok "$SECURE_DIR" "$SECURE_PORT" || { secure_tls_failed "$SECURE_DIR" "$SECURE_PORT" "the secure broker"; exit 1; }
      log "secure broker ready at $HOST:$SECURE_PORT (pid $pid; SASL_SSL, SCRAM-SHA-512, no plaintext listener) after $(secs_since "$t0")s"
      secure_paths "$SECURE_DIR"
      return 0
    fi
    if ! alive "$pid"; then
      err "secure broker (pid $pid) exited during startup"
      log_tail "$SECURE_DIR"
      cds_keep "$SECURE_DIR" 0
      rm -f "$SECURE_PIDFILE"
      exit 1
    fi
    if (($(now_ms) - t0 > START_TIMEOUT * 1000)); then
      err "secure broker did not open $HOST:$SECURE_PORT within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT); stopping it"
      log_tail "$SECURE_DIR"
      terminate "$pid" "secure broker" 10 >&2 || true
      cds_keep "$SECURE_DIR" 0
      rm -f "$SECURE_PIDFILE"
      exit 1
    fi
    sleep 0.2
  done
}

cmd_secure_stop() {
  local pid
  if pid="$(our_pid "$SECURE_PIDFILE" "$SECURE_CONFIG")"; then
    if terminate "$pid" "secure broker" "$STOP_TIMEOUT"; then cds_keep "$SECURE_DIR" 1; else cds_keep "$SECURE_DIR" 0; fi
  else
    log "secure broker not running"
  fi
  rm -f "$SECURE_PIDFILE"
}

cmd_secure_status() {
  local pid
  if pid="$(our_pid "$SECURE_PIDFILE" "$SECURE_CONFIG")"; then
    if port_open "$HOST" "$SECURE_PORT"; then
      log "secure broker running: pid $pid, $HOST:$SECURE_PORT (SASL_SSL, SCRAM-SHA-512), controller $HOST:$SECURE_CONTROLLER_PORT, data $SECURE_DIR/data"
      secure_paths "$SECURE_DIR"
    else
      log "secure broker running but not answering (yet): pid $pid, $HOST:$SECURE_PORT, data $SECURE_DIR/data"
    fi
    return 0
  fi
  log "secure broker stopped; data $SECURE_DIR/data"
  return 3
}

# clean --secure: both secured variants, as clean does both plain ones.
cmd_secure_clean() {
  local n
  our_pid "$SECURE_PIDFILE" "$SECURE_CONFIG" >/dev/null && die "secure broker is running; run stop --secure first"
  secure_cluster
  for n in "${CLUSTER_NODES[@]}"; do
    node_pid "$n" >/dev/null && die "secure cluster node $n is running; run cluster-stop --secure first"
  done
  rm -rf "$SECURE_DIR" "$CLUSTER_DIR"
  log "removed the secured brokers' data, logs, certificates and passwords ($SECURE_DIR, $CLUSTER_DIR)"
}

# ---------------------------------------------------------------------------- cluster

CLUSTER_DIR="$STATE_DIR/cluster"
CLUSTER_SECURE=0
CLUSTER_LABEL=cluster
# The cluster commands with --secure act on the secured cluster: the same three nodes, plus the
# overlay secure.properties, in their own state folder and on their own ports.
secure_cluster() {
  CLUSTER_SECURE=1
  CLUSTER_LABEL="secure cluster"
  CLUSTER_DIR="$STATE_DIR/cluster-secure"
  CLUSTER_BASE_PORT="$SECURE_CLUSTER_BASE_PORT"
  CLUSTER_PORT_VAR=KAFKA_SECURE_CLUSTER_BASE_PORT
}
node_dir() { echo "$CLUSTER_DIR/node$1"; }
node_port() { echo $((CLUSTER_BASE_PORT + ($1 - 1) * 100)); }
node_cport() { echo $(($(node_port "$1") + 1)); }
check_cluster_ports() {
  [[ "$CLUSTER_BASE_PORT" =~ ^[0-9]+$ ]] && ((CLUSTER_BASE_PORT >= 1024 && CLUSTER_BASE_PORT <= 65334)) ||
    die "$CLUSTER_PORT_VAR must be a port from 1024 to 65334 (nodes use it, +100 and +200, each with the next port for its controller); got '$CLUSTER_BASE_PORT'"
}
node_pid() { our_pid "$(node_dir "$1")/kafka.pid" "$(node_dir "$1")/server.properties"; }
check_node() { [[ "${1:-}" =~ ^[1-3]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"; }

prepare_node() { # <n>: render config, format storage once (secured: with the SCRAM users)
  local n="$1" dir voters="" m
  dir="$(node_dir "$n")"
  for m in "${CLUSTER_NODES[@]}"; do voters+="${voters:+,}$m@$HOST:$(node_cport "$m")"; done
  mkdir -p "$dir"
  local tpl="$SCRIPT_DIR/cluster-node.properties" id
  local kv=(NODE_ID="$n" HOST="$HOST" BROKER_PORT="$(node_port "$n")" CONTROLLER_PORT="$(node_cport "$n")"
    QUORUM_VOTERS="$voters" LOG_DIRS="$dir/data")
  id="$(cluster_id "$CLUSTER_DIR/cluster.id")"
  if ((CLUSTER_SECURE)); then
    # Controllers talk to each other over the controller listener, so it is secured too: TLS with
    # client certificates (SCRAM cannot authenticate there, see secure.properties).
    secure_render "$dir/server.properties" "$tpl" "$CLUSTER_DIR" "node$n" SSL "${kv[@]}"
    format_storage "$dir/server.properties" "$dir/data" "$id" "${SCRAM_USERS[@]}"
  else
    render "$dir/server.properties" "$tpl" -- "${kv[@]}"
    format_storage "$dir/server.properties" "$dir/data" "$id"
  fi
}

# node_answers <n>: 0 = node N's broker port serves clients (plain: answers ApiVersions; secured:
# open, and its TLS certificate verifies against the CA), 1 = not (yet), 2 = something else answers
# (secured: a certificate that does not verify).
node_answers() {
  local port
  port="$(node_port "$1")"
  if ((CLUSTER_SECURE)); then
    port_open "$HOST" "$port" || return 1
    secure_tls_ok "$CLUSTER_DIR" "$port" || return 2
  else
    probe "$HOST" "$port"
  fi
}

# cluster_up <nodes...>: starts the given nodes (those not already running) and waits
# until every one of them answers on its broker port.
cluster_up() {
  local t0 n pid rc pending=() started=() to_format=()
  t0=$(now_ms)
  mkdir -p "$CLUSTER_DIR"
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      log "node $n already running (pid $pid)"
      pending+=("$n")
      continue
    fi
    rm -f "$(node_dir "$n")/kafka.pid"
    # Never adopted: a broker this state dir did not start (another clone's cluster, a drill's, a
    # lab's) would be stopped, killed and restarted by commands that think it is ours.
    port_taken "$n" "$(node_port "$n")" "broker"
    port_taken "$n" "$(node_cport "$n")" "controller"
    to_format+=("$n")
  done
  if ((${#to_format[@]})); then
    cmd_fetch quiet
    cluster_id "$CLUSTER_DIR/cluster.id" >/dev/null
    if ((CLUSTER_SECURE)); then
      chmod 700 "$CLUSTER_DIR"
      secure_credentials "$CLUSTER_DIR"
      secure_tls "$CLUSTER_DIR" "${CLUSTER_NODES[@]/#/node}"
      secure_client_files "$CLUSTER_DIR" "$(cluster_bootstrap)" "secure local cluster (kafka.sh cluster-start --secure)"
      [[ -f "$(node_dir "${to_format[0]}")/data/meta.properties" ]] ||
        log "formatting storage with SCRAM users $SECURE_ADMIN_USER and $SECURE_CLIENT_USER (first start)"
    fi
    # first start: format the nodes in parallel (one JVM each)
    local fpids=()
    for n in "${to_format[@]}"; do
      prepare_node "$n" &
      fpids+=($!)
    done
    for pid in "${fpids[@]}"; do wait "$pid" || exit 1; done
    for n in "${to_format[@]}"; do
      launch "$(node_dir "$n")" "$CLUSTER_HEAP"
      started+=("$n")
      pending+=("$n")
      log "starting $CLUSTER_LABEL node $n (pid $(<"$(node_dir "$n")/kafka.pid")) on $HOST:$(node_port "$n"), controller $HOST:$(node_cport "$n")"
    done
  fi
  while ((${#pending[@]})); do
    local still=()
    for n in "${pending[@]}"; do
      rc=0
      node_answers "$n" || rc=$?
      if ((rc == 0)); then
        log "node $n ready at $HOST:$(node_port "$n") after $(secs_since "$t0")s"
        continue
      fi
      if ((rc == 2 && CLUSTER_SECURE)); then
        secure_tls_failed "$CLUSTER_DIR" "$(node_port "$n")" "node $n"
        cluster_abort "${started[@]}"
      fi
      pid="$(<"$(node_dir "$n")/kafka.pid")"
      if ! alive "$pid"; then
        err "node $n (pid $pid) exited during startup"
        log_tail "$(node_dir "$n")"
        rm -f "$(node_dir "$n")/kafka.pid"
        cds_keep "$(node_dir "$n")" 0
        cluster_abort "${started[@]}"
      fi
      still+=("$n")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    if (($(now_ms) - t0 > START_TIMEOUT * 1000)); then
      err "node(s) ${pending[*]} did not answer within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT)"
      for n in "${pending[@]}"; do log_tail "$(node_dir "$n")"; done
      cluster_abort "${started[@]}"
    fi
    sleep 0.3
  done
  if ((CLUSTER_SECURE)); then
    log "secure cluster ready: bootstrap $(cluster_bootstrap) (SASL_SSL, SCRAM-SHA-512, no plaintext listener; controllers over mutual TLS) ($(secs_since "$t0")s)"
    secure_paths "$CLUSTER_DIR"
  else
    log "cluster ready: bootstrap $(cluster_bootstrap) ($(secs_since "$t0")s)"
  fi
}

# port_taken <node> <port> <what>: dies, in one line, if something listens on a port node N needs
# while no PID file of this state dir names a node of ours (which cluster_up checked before).
port_taken() {
  local rc=0 who="not started by this script"
  port_open "$HOST" "$2" || return 0
  probe "$HOST" "$2" || rc=$?
  ((rc == 0)) && who="a Kafka broker not started from $STATE_DIR"
  die "$CLUSTER_LABEL node $1's $3 port $HOST:$2 is in use ($who); stop what listens there, or set $CLUSTER_PORT_VAR to free ports (or NURT_KAFKA_HOME to the state dir that started it)"
}

cluster_abort() { # stop the nodes this invocation started, then fail
  local n pid
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.05; done
      rm -f "$(node_dir "$n")/kafka.pid"
    fi
    cds_keep "$(node_dir "$n")" 0
  done
  (($#)) && err "stopped the node(s) started by this attempt: $*"
  exit 1
}

cluster_bootstrap() {
  local n s=""
  for n in "${CLUSTER_NODES[@]}"; do s+="${s:+,}$HOST:$(node_port "$n")"; done
  echo "$s"
}

# cluster_down <TERM|KILL> <nodes...>: stops nodes in parallel.
# A node's SIGTERM does a controlled shutdown that the active controller must acknowledge,
# so it cannot finish once fewer than 2 of the 3 controllers are alive (it would wait up to
# 5 minutes). Hence: as soon as the quorum is gone, the remaining nodes get
# KAFKA_NO_QUORUM_GRACE seconds (default 5, enough for a node whose shutdown was already
# acknowledged) and then SIGKILL; in any case SIGKILL after KAFKA_CLUSTER_STOP_TIMEOUT (20 s).
# A SIGKILLed node's next start takes ~10 s longer (its old registration must expire).
cluster_down() {
  local sig="$1" n pid t0 timeout="${KAFKA_CLUSTER_STOP_TIMEOUT:-20}" grace="${KAFKA_NO_QUORUM_GRACE:-5}"
  shift
  local -A pids=()
  for n in "$@"; do
    if pid="$(node_pid "$n")"; then
      pids[$n]="$pid"
    else
      log "node $n not running"
      rm -f "$(node_dir "$n")/kafka.pid"
    fi
  done
  # One kill for all: the brokers then ask for their controlled shutdown while every
  # controller is still up, which makes a clean stop of the whole cluster likely.
  if ((${#pids[@]})); then kill "-$sig" "${pids[@]}" 2>/dev/null || true; fi
  t0=$(now_ms)
  local no_quorum_since="" up elapsed
  while ((${#pids[@]})); do
    for n in "${!pids[@]}"; do
      if ! alive "${pids[$n]}"; then
        if [[ "$sig" == KILL ]]; then
          log "node $n killed (SIGKILL, pid ${pids[$n]})"
          cds_keep "$(node_dir "$n")" 0
        else
          log "node $n stopped (pid ${pids[$n]}) in $(secs_since "$t0")s"
          cds_keep "$(node_dir "$n")" 1
        fi
        rm -f "$(node_dir "$n")/kafka.pid"
        unset "pids[$n]"
      fi
    done
    ((${#pids[@]})) || break
    up=0
    for n in "${CLUSTER_NODES[@]}"; do node_pid "$n" >/dev/null && up=$((up + 1)); done
    if ((up < 2)); then no_quorum_since="${no_quorum_since:-$(now_ms)}"; else no_quorum_since=""; fi
    elapsed=$(($(now_ms) - t0))
    if ((elapsed > timeout * 1000)) || [[ -n "$no_quorum_since" && $(($(now_ms) - no_quorum_since)) -gt $((grace * 1000)) ]]; then
      for n in "${!pids[@]}"; do
        if [[ -n "$no_quorum_since" ]]; then
          log "node $n (pid ${pids[$n]}): controller quorum is gone, its controlled shutdown cannot finish; sending SIGKILL"
        else
          log "node $n (pid ${pids[$n]}) still running after ${timeout}s, sending SIGKILL"
        fi
        kill -KILL "${pids[$n]}" 2>/dev/null || true
      done
      sig=KILL
    fi
    sleep 0.1
  done
}

cmd_cluster_status() {
  local n pid up=0
  for n in "${CLUSTER_NODES[@]}"; do
    if pid="$(node_pid "$n")"; then
      if node_answers "$n"; then
        log "node $n: running, pid $pid, broker $HOST:$(node_port "$n"), controller $HOST:$(node_cport "$n"), data $(node_dir "$n")/data"
      else
        log "node $n: running but not answering, pid $pid, broker $HOST:$(node_port "$n"), data $(node_dir "$n")/data"
      fi
      up=$((up + 1))
    elif port_open "$HOST" "$(node_port "$n")"; then
      log "node $n: stopped, but something this script did not start listens on $HOST:$(node_port "$n"); data $(node_dir "$n")/data"
    else
      log "node $n: stopped, broker $HOST:$(node_port "$n"), data $(node_dir "$n")/data"
    fi
  done
  log "$up of ${#CLUSTER_NODES[@]} $CLUSTER_LABEL nodes running; bootstrap $(cluster_bootstrap)"
  ((CLUSTER_SECURE && up)) && secure_paths "$CLUSTER_DIR"
  ((up == ${#CLUSTER_NODES[@]})) && return 0
  ((up == 0)) && return 3
  return 4
}

# ---------------------------------------------------------------------------- tools

tool_class() {
  case "$1" in
    topics) echo org.apache.kafka.tools.TopicCommand ;;
    consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    producer-perf) echo org.apache.kafka.tools.ProducerPerformance ;;
    consumer-perf) echo org.apache.kafka.tools.ConsumerPerformance ;;
    quorum) echo org.apache.kafka.tools.MetadataQuorumCommand ;;
    console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    get-offsets) echo org.apache.kafka.tools.GetOffsetShell ;;
    configs) echo kafka.admin.ConfigCommand ;;
    log-dirs) echo org.apache.kafka.tools.LogDirsCommand ;;
    delete-records) echo org.apache.kafka.tools.DeleteRecordsCommand ;;
    transactions) echo org.apache.kafka.tools.TransactionsCommand ;;
    features) echo org.apache.kafka.tools.FeatureCommand ;;
    cluster) echo org.apache.kafka.tools.ClusterTool ;;
    dump-log) echo org.apache.kafka.tools.DumpLogSegments ;;
    storage) echo kafka.tools.StorageTool ;;
    *) return 1 ;;
  esac
}

cmd_tool() {
  (($#)) || die "usage: tool <name> [args...]; names: topics consumer-groups producer-perf consumer-perf quorum console-producer console-consumer get-offsets configs log-dirs delete-records transactions features cluster dump-log storage (or a main class)"
  local name="$1" class
  shift
  if ! class="$(tool_class "$name")"; then
    [[ "$name" == *.* ]] || die "unknown tool '$name' (see: kafka.sh tool)"
    class="$name"
  fi
  cmd_fetch quiet
  local args=("$@") a add=1
  # Default --bootstrap-server for client tools unless the caller named a server already.
  case "$name" in dump-log | storage | *.*) add=0 ;; esac
  for a in "$@"; do
    case "$a" in
      --bootstrap-server* | --bootstrap-controller* | --broker-list* | *bootstrap.servers=* | -h | --help | --version) add=0 ;;
    esac
  done
  ((add)) && args=(--bootstrap-server "${KAFKA_BROKERS:-$HOST:$PORT}" "${args[@]}")
  local -a tool_opts
  read -r -a tool_opts <<<"${KAFKA_TOOL_OPTS:--Xmx512m}"
  exec java "${tool_opts[@]}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$SCRIPT_DIR/tools-log4j2.yaml" \
    -cp "$(classpath)" "$class" "${args[@]}"
}

usage() {
  cat <<EOF
Local Apache Kafka $KAFKA_VERSION (KRaft, no Docker). Usage: bash tools/kafka/kafka.sh <command>

  fetch                   download the jars once (Maven) into \$NURT_KAFKA_JARS
  start [--override k=v]  start (or reuse) the single broker on $HOST:$PORT and wait until it answers
  stop | status | logs [-f]
  start --secure | stop --secure | status --secure | logs --secure
                          a second single node with SASL/SCRAM-SHA-512 over TLS only, on
                          $HOST:$SECURE_PORT (controller $SECURE_CONTROLLER_PORT); writes client.properties and
                          nurt.env into $SECURE_DIR
  cluster-start | cluster-stop | cluster-status
                          three broker+controller nodes, brokers on $(node_port 1), $(node_port 2), $(node_port 3)
                          (controllers one port above; KAFKA_CLUSTER_BASE_PORT moves all six);
                          a port held by anything this state dir did not start is refused
  cluster-start-node N | cluster-stop-node N | cluster-kill-node N (kill -9) | logs [-f] N
  cluster-start --secure | cluster-stop --secure | cluster-status --secure | logs --secure N ...
                          the three nodes with SASL/SCRAM-SHA-512 over TLS only (controllers over
                          mutual TLS), brokers on $SECURE_CLUSTER_BASE_PORT, $((SECURE_CLUSTER_BASE_PORT + 100)), $((SECURE_CLUSTER_BASE_PORT + 200))
                          (KAFKA_SECURE_CLUSTER_BASE_PORT); writes client.properties and nurt.env
                          into $STATE_DIR/cluster-secure; every cluster-* command takes --secure
  clean --secure          delete both secured variants, certificates and passwords included
  tool <name> [args]      Kafka CLI tools (topics, consumer-groups, producer-perf, consumer-perf,
                          quorum, console-producer, console-consumer, ...); --bootstrap-server
                          defaults to \$KAFKA_BROKERS or $HOST:$PORT
  clean                   delete data, logs and configs (not the jars); refuses while running

State: $STATE_DIR   Jars: $JARS_DIR
EOF
}

main() {
  local cmd="${1:-help}" secure=0 a
  (($#)) && shift
  # --secure, anywhere among the arguments, picks the secured variant of these commands.
  case "$cmd" in
    start | stop | status | clean | cluster-*)
      local args=()
      for a in "$@"; do
        if [[ "$a" == --secure ]]; then secure=1; else args+=("$a"); fi
      done
      set -- "${args[@]+"${args[@]}"}"
      ;;
  esac
  local lock="$STATE_DIR/.lock"
  ((secure)) && lock="$SECURE_LOCK"
  case "$cmd" in
    start | stop | clean) lock_state "$lock" ;;
    cluster-*)
      ((secure)) && secure_cluster
      check_cluster_ports
      [[ "$cmd" == cluster-status ]] || lock_state "$lock"
      ;;
  esac
  if ((secure)) && [[ "$cmd" != cluster-* ]]; then
    case "$cmd" in
      start) cmd_secure_start "$@" ;;
      stop) cmd_secure_stop ;;
      status) cmd_secure_status ;;
      clean) cmd_secure_clean ;;
    esac
    return
  fi
  case "$cmd" in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    clean) cmd_clean ;;
    cluster-start) cluster_up "${CLUSTER_NODES[@]}" ;;
    cluster-stop) cluster_down TERM "${CLUSTER_NODES[@]}" ;;
    cluster-status) cmd_cluster_status ;;
    cluster-start-node) check_node "${1:-}" && cluster_up "$1" ;;
    cluster-stop-node) check_node "${1:-}" && cluster_down TERM "$1" ;;
    cluster-kill-node) check_node "${1:-}" && cluster_down KILL "$1" ;;
    tool) cmd_tool "$@" ;;
    help | -h | --help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
