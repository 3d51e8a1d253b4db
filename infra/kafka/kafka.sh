# shellcheck shell=bash disable=SC2153 # KAFKA_HOST etc. come from lib/common.sh, sourced first
# Kafka: install from Maven Central, start / stop / check a single-node KRaft broker+controller.
# Sourced by infra/*.sh after lib/common.sh; defines kafka_* functions, runs nothing by itself.

KAFKA_HOME="$TUNEFORGE_CACHE/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_RUN="$TUNEFORGE_RUN/kafka"
KAFKA_DATA="$KAFKA_RUN/data"
KAFKA_LOGS="$KAFKA_RUN/logs"
KAFKA_PIDFILE="$KAFKA_RUN/kafka.pid"
# JVM stdout/stderr: only what happens before log4j is up (bad flags, crashes). Broker logs: server.log.
KAFKA_OUT="$KAFKA_LOGS/kafka.out"
KAFKA_PID_PATTERN="kafka.Kafka"
# The authenticated listener (SASL/SCRAM, ACLs per service: security.properties, docs/security.md).
KAFKA_SASL_PORT="${TF_KAFKA_SASL_PORT:-9094}"
# Development passwords: service X logs in as user X with password tuneforge-dev-X (loopback only).
KAFKA_DEV_PASSWORD_PREFIX="tuneforge-dev-"
KAFKA_ACL_FILE="$INFRA_DIR/kafka/acls.generated.tsv"

# A fixed cluster id (base64url of "tuneforge-dev-11") instead of a random one: storage formatted by any
# checkout or by docker-compose.yml is interchangeable, and formatting needs no extra JVM start.
TF_KAFKA_CLUSTER_ID="${TF_KAFKA_CLUSTER_ID:-dHVuZWZvcmdlLWRldi0xMQ}"
# Small heap: this broker serves one developer's tests, and the machine also runs the services.
read -r -a KAFKA_HEAP_OPTS <<<"${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

# Short-lived tool JVMs (storage format, readiness check, console clients): a C1-only, serial-GC JVM
# starts noticeably faster, and the tools' logging goes to stderr at WARN.
KAFKA_TOOL_JAVA=(java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  "-Dlog4j.configuration=file:$INFRA_DIR/kafka/tools-log4j.properties" -cp "$KAFKA_LIBS/*")

kafka_installed() {
  [[ -f "$KAFKA_HOME/.complete" ]]
}

kafka_install() {
  if kafka_installed; then
    info "kafka: $KAFKA_VERSION already installed ($KAFKA_HOME)"
    return 0
  fi
  require_cmd java "Java 11+ runs the broker"
  require_cmd mvn "Maven resolves the Kafka jars from Maven Central"
  info "kafka: resolving kafka_2.13:$KAFKA_VERSION and its runtime dependencies from Maven Central"
  local partial="$KAFKA_HOME/libs.partial"
  rm -rf "$partial"
  mkdir -p "$partial"
  # A private local repository under the cache keeps ~/.m2 untouched and makes the cache self-contained.
  # Maven's output goes to a log (it prints stray colour codes even with -q), shown only on failure.
  if ! mvn -q -B -Dstyle.color=never -f "$INFRA_DIR/kafka/pom.xml" \
    -Dmaven.repo.local="$TUNEFORGE_CACHE/maven-repo" \
    -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$partial" \
    >"$KAFKA_HOME/install.log" 2>&1; then
    show_log_tail "$KAFKA_HOME/install.log"
    die "kafka: Maven could not resolve the Kafka jars (is Maven Central reachable?)"
  fi
  # Only a complete copy is moved into place and marked, so an interrupted install is redone, not used.
  rm -rf "$KAFKA_LIBS"
  mv "$partial" "$KAFKA_LIBS"
  touch "$KAFKA_HOME/.complete"
  info "kafka: installed $(find "$KAFKA_LIBS" -name '*.jar' | wc -l | tr -d ' ') jars into $KAFKA_LIBS"
}

# One metadata round trip through the real client path: the broker is up, the controller has elected
# itself, and the PLAINTEXT listener serves requests. The port check first avoids a JVM start per second
# while the broker is still booting.
kafka_ready() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" &&
    with_timeout 30 "${KAFKA_TOOL_JAVA[@]}" org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --list
}

kafka_wipe() {
  info "kafka: wiping data in $KAFKA_DATA"
  rm -rf "$KAFKA_DATA"
}

# Starts the broker in the background if it is not running; kafka_wait waits for it.
kafka_start() {
  local pid
  mkdir -p "$KAFKA_DATA" "$KAFKA_LOGS"
  if pid="$(live_pid "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN")"; then
    info "kafka: already running (pid $pid)"
    return 0
  fi
  if use_external_if_present kafka "$KAFKA_HOST" "$KAFKA_PORT" kafka_ready; then
    KAFKA_EXTERNAL=1
    return 0
  fi
  kafka_installed || die "kafka: not installed; run infra/install.sh"
  require_cmd java "Java 11+ runs the broker"
  ensure_port_free kafka-controller "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"
  ensure_port_free kafka-sasl "$KAFKA_HOST" "$KAFKA_SASL_PORT"

  # The properties are regenerated on every start, so edits to infra/kafka/server.properties apply. The
  # security settings follow the rest (later keys win): listeners, SASL/SCRAM, the authorizer.
  cat "$INFRA_DIR/kafka/server.properties" "$INFRA_DIR/kafka/security.properties" |
    sed -e "s#@DATA_DIR@#$KAFKA_DATA#" -e "s#@HOST@#$KAFKA_HOST#g" -e "s#@PORT@#$KAFKA_PORT#g" \
      -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@SASL_PORT@#$KAFKA_SASL_PORT#g" \
      >"$KAFKA_RUN/server.properties"

  # KRaft refuses to start on unformatted storage. Format once; afterwards meta.properties exists.
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    info "kafka: formatting storage in $KAFKA_DATA (cluster id $TF_KAFKA_CLUSTER_ID)"
    if ! "${KAFKA_TOOL_JAVA[@]}" kafka.tools.StorageTool format --ignore-formatted \
      -t "$TF_KAFKA_CLUSTER_ID" -c "$KAFKA_RUN/server.properties" >>"$KAFKA_OUT" 2>&1; then
      show_log_tail "$KAFKA_OUT"
      die "kafka: formatting storage failed"
    fi
  fi

  info "kafka: starting on $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)"
  # GC flags are the ones bin/kafka-server-start.sh uses.
  start_detached "$KAFKA_PIDFILE" "$KAFKA_OUT" \
    java "${KAFKA_HEAP_OPTS[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    "-Dkafka.logs.dir=$KAFKA_LOGS" "-Dlog4j.configuration=file:$INFRA_DIR/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_RUN/server.properties"
}

kafka_wait() {
  # A broker infra/ did not start has already answered in kafka_start.
  if ! ((${KAFKA_EXTERNAL:-0})); then
    wait_ready kafka "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN" kafka_ready "$KAFKA_OUT" "$KAFKA_LOGS/server.log"
    kafka_provision_principals
  fi
}

# The services' SCRAM users and ACLs (acls.generated.tsv), through the Admin API once per data directory and ACL
# file: a marker named after the file's hash records it (wiped with the data, so --fresh provisions again). SCRAM
# users live in the cluster metadata, so they can be added to storage formatted before they existed.
kafka_provision_principals() {
  if ! grep -q '^authorizer.class.name=' "$KAFKA_RUN/server.properties" 2>/dev/null; then
    info "kafka: this broker was started without SASL and ACLs (before they existed); restart it to get them (infra/down.sh kafka; infra/up.sh kafka)"
    return 0
  fi
  local hash marker
  hash="$(cat "$KAFKA_ACL_FILE" "$INFRA_DIR/kafka/ProvisionPrincipals.java" | cksum | cut -d" " -f1)"
  marker="$KAFKA_DATA/.tuneforge-principals-$hash"
  [[ -f "$marker" ]] && return 0
  info "kafka: creating the services' SCRAM users and ACLs (SASL listener $KAFKA_HOST:$KAFKA_SASL_PORT)"
  if ! with_timeout 120 "${KAFKA_TOOL_JAVA[@]}" "$INFRA_DIR/kafka/ProvisionPrincipals.java" \
    "$KAFKA_HOST:$KAFKA_PORT" "$KAFKA_ACL_FILE" "$KAFKA_DEV_PASSWORD_PREFIX" >>"$KAFKA_OUT" 2>&1; then
    show_log_tail "$KAFKA_OUT"
    die "kafka: creating the SCRAM users and ACLs failed"
  fi
  touch "$marker"
}

kafka_stop() {
  # Controlled shutdown of a single node takes a few seconds; 30 s before SIGKILL is generous.
  stop_pid kafka "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN" 30
}

# Prints one line; returns 0 only when the broker answers.
kafka_status() {
  local pid
  if ! pid="$(live_pid "$KAFKA_PIDFILE" "$KAFKA_PID_PATTERN")"; then
    if kafka_ready >/dev/null 2>&1; then
      info "kafka: ready on $KAFKA_HOST:$KAFKA_PORT, served by a process infra/ did not start"
      return 0
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      info "kafka: stopped, and something that is not Kafka listens on $KAFKA_HOST:$KAFKA_PORT"
    else
      info "kafka: stopped"
    fi
    return 1
  fi
  if kafka_ready >/dev/null 2>&1; then
    info "kafka: running (pid $pid), ready on $KAFKA_HOST:$KAFKA_PORT; logs in $KAFKA_LOGS"
  else
    info "kafka: running (pid $pid) but not answering on $KAFKA_HOST:$KAFKA_PORT; see $KAFKA_LOGS/server.log"
    return 1
  fi
}
