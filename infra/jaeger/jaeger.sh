# shellcheck shell=bash disable=SC2153 # JAEGER_HOST etc. come from lib/common.sh, sourced first
# Jaeger v2 (cmd/jaeger): build from the Go module proxy, start / stop / check an in-memory instance.
# Sourced by infra/*.sh after lib/common.sh; defines jaeger_* functions, runs nothing by itself.
#
# Why not `go install github.com/jaegertracing/jaeger/cmd/jaeger@<version>`: Jaeger's go.mod has replace
# directives, and `go install pkg@version` refuses such modules. Inside the module's own directory the
# replace directives apply, so we `go mod download` the pinned module (from the proxy, like any module)
# and `go build` there. The module cache directory is read-only; only the binary is written, to the cache.

JAEGER_BIN_DIR="$TUNEFORGE_CACHE/bin/jaeger-$JAEGER_VERSION"
JAEGER_BIN="$JAEGER_BIN_DIR/jaeger"
JAEGER_CONFIG="$INFRA_DIR/jaeger/config.yaml"
JAEGER_RUN="$TUNEFORGE_RUN/jaeger"
JAEGER_LOG="$JAEGER_RUN/jaeger.log"
JAEGER_PIDFILE="$JAEGER_RUN/jaeger.pid"
JAEGER_PID_PATTERN="jaeger-$JAEGER_VERSION/jaeger"
JAEGER_QUERY_URL="http://$JAEGER_HOST:$JAEGER_QUERY_PORT"
JAEGER_OTLP_HTTP_URL="http://$JAEGER_HOST:$JAEGER_OTLP_HTTP_PORT"
JAEGER_PROMETHEUS_URL="http://$JAEGER_HOST:$JAEGER_PROMETHEUS_PORT/metrics"

jaeger_install() {
  if [[ -x "$JAEGER_BIN" ]]; then
    info "jaeger: $JAEGER_VERSION already installed ($JAEGER_BIN)"
    return 0
  fi
  require_cmd go "Jaeger is built from source with go build"
  info "jaeger: building github.com/jaegertracing/jaeger@$JAEGER_VERSION ./cmd/jaeger (takes minutes the first time)"
  local module_dir start=$SECONDS
  module_dir="$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" ||
    die "jaeger: go mod download failed (is the Go module proxy reachable?)"
  [[ -n "$module_dir" && -f "$module_dir/go.mod" ]] || die "jaeger: go mod download gave no module directory"
  mkdir -p "$JAEGER_BIN_DIR"
  # Built to a temporary name and renamed: an interrupted build never leaves a binary that looks installed.
  # -s -w: no symbol tables, a shorter link and a smaller binary; nobody debugs this build.
  (cd "$module_dir" && go build -trimpath -ldflags='-s -w' -o "$JAEGER_BIN.partial" ./cmd/jaeger) ||
    die "jaeger: go build in $module_dir failed (are all modules reachable through the Go module proxy?)"
  mv "$JAEGER_BIN.partial" "$JAEGER_BIN"
  info "jaeger: installed $JAEGER_BIN (built in $((SECONDS - start))s)"
}

# The query API answers with a JSON object holding the list of services; anything else is not Jaeger.
jaeger_ready() {
  curl -sf --max-time 2 "$JAEGER_QUERY_URL/api/services" | grep -q '"data"' && port_open "$JAEGER_HOST" "$JAEGER_OTLP_HTTP_PORT"
}

# Traces are kept in memory only: stopping Jaeger is wiping it. Only the log is left to clear.
jaeger_wipe() {
  info "jaeger: wiping $JAEGER_LOG (traces live in memory and went with the process)"
  rm -f "$JAEGER_LOG"
}

jaeger_start() {
  local pid
  mkdir -p "$JAEGER_RUN"
  if pid="$(live_pid "$JAEGER_PIDFILE" "$JAEGER_PID_PATTERN")"; then
    info "jaeger: already running (pid $pid)"
    return 0
  fi
  if use_external_if_present jaeger "$JAEGER_HOST" "$JAEGER_QUERY_PORT" jaeger_ready; then
    JAEGER_EXTERNAL=1
    return 0
  fi
  [[ -x "$JAEGER_BIN" ]] || die "jaeger: not installed; run infra/install.sh jaeger"
  ensure_port_free jaeger-otlp-http "$JAEGER_HOST" "$JAEGER_OTLP_HTTP_PORT"
  ensure_port_free jaeger-otlp-grpc "$JAEGER_HOST" "$JAEGER_OTLP_GRPC_PORT"
  ensure_port_free jaeger-query-grpc "$JAEGER_HOST" "$JAEGER_QUERY_GRPC_PORT"
  ensure_port_free jaeger-prometheus "$JAEGER_HOST" "$JAEGER_PROMETHEUS_PORT"
  info "jaeger: starting, OTLP on $JAEGER_OTLP_HTTP_URL (HTTP) and $JAEGER_HOST:$JAEGER_OTLP_GRPC_PORT (gRPC)," \
    "UI and API on $JAEGER_QUERY_URL, OTLP metrics as Prometheus text on $JAEGER_PROMETHEUS_URL"
  (
    # config.yaml reads its addresses from these.
    export TF_JAEGER_HOST="$JAEGER_HOST" TF_JAEGER_OTLP_HTTP_PORT="$JAEGER_OTLP_HTTP_PORT" \
      TF_JAEGER_OTLP_GRPC_PORT="$JAEGER_OTLP_GRPC_PORT" TF_JAEGER_QUERY_PORT="$JAEGER_QUERY_PORT" \
      TF_JAEGER_QUERY_GRPC_PORT="$JAEGER_QUERY_GRPC_PORT" TF_JAEGER_PROMETHEUS_PORT="$JAEGER_PROMETHEUS_PORT"
    # Jaeger's own SDK must not export its traces anywhere an OTEL_* variable of this shell points.
    unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    start_detached "$JAEGER_PIDFILE" "$JAEGER_LOG" "$JAEGER_BIN" --config "$JAEGER_CONFIG"
  )
}

jaeger_wait() {
  ((${JAEGER_EXTERNAL:-0})) && return 0
  wait_ready jaeger "$JAEGER_PIDFILE" "$JAEGER_PID_PATTERN" jaeger_ready "$JAEGER_LOG"
}

jaeger_stop() {
  stop_pid jaeger "$JAEGER_PIDFILE" "$JAEGER_PID_PATTERN" 10
}

# Prints one line; returns 0 only when the query API answers.
jaeger_status() {
  local pid
  if ! pid="$(live_pid "$JAEGER_PIDFILE" "$JAEGER_PID_PATTERN")"; then
    if jaeger_ready; then
      info "jaeger: ready on $JAEGER_QUERY_URL, served by a process infra/ did not start"
      return 0
    fi
    info "jaeger: stopped"
    return 1
  fi
  if jaeger_ready; then
    info "jaeger: running (pid $pid), UI and API $JAEGER_QUERY_URL, OTLP HTTP $JAEGER_OTLP_HTTP_URL, metrics $JAEGER_PROMETHEUS_URL"
  else
    info "jaeger: running (pid $pid) but not ready on $JAEGER_QUERY_URL; see $JAEGER_LOG"
    return 1
  fi
}
