# shellcheck shell=bash disable=SC2034 # the variables here are used by the scripts that source this file
# Shared settings and helpers for the infra scripts. Sourced, never executed.
# Everything downloaded or built lives under TUNEFORGE_CACHE and everything a running service writes lives
# under TUNEFORGE_RUN, both outside the repository, so a `git clean` never loses a 150 MB MinIO build and
# a service never dirties the working tree.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

TUNEFORGE_CACHE="${TUNEFORGE_CACHE:-$HOME/.cache/tuneforge}"
TUNEFORGE_RUN="${TUNEFORGE_RUN:-$HOME/.cache/tuneforge/run}"

# Pinned versions. Change them here only (the pom takes the Kafka version from install).
KAFKA_VERSION="3.9.1"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
# Jaeger v2 is released from the same module as v1: v1.76.0 is Jaeger v2.13.0 (see infra/jaeger/jaeger.sh).
JAEGER_VERSION="v1.76.0"

# Loopback only: these are development services with well-known credentials. The ports can be moved
# (a second checkout, a port taken by something else); the defaults match docker-compose.yml.
KAFKA_HOST="127.0.0.1"
KAFKA_PORT="${TF_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${TF_KAFKA_CONTROLLER_PORT:-9093}"
MINIO_HOST="127.0.0.1"
MINIO_PORT="${TF_MINIO_PORT:-9000}"
MINIO_CONSOLE_PORT="${TF_MINIO_CONSOLE_PORT:-9001}"
JAEGER_HOST="127.0.0.1"
JAEGER_OTLP_HTTP_PORT="${TF_JAEGER_OTLP_HTTP_PORT:-4318}"
JAEGER_OTLP_GRPC_PORT="${TF_JAEGER_OTLP_GRPC_PORT:-4317}"
JAEGER_QUERY_PORT="${TF_JAEGER_QUERY_PORT:-16686}"
JAEGER_QUERY_GRPC_PORT="${TF_JAEGER_QUERY_GRPC_PORT:-16685}"
JAEGER_PROMETHEUS_PORT="${TF_JAEGER_PROMETHEUS_PORT:-8889}"
POSTGRES_HOST="127.0.0.1"
POSTGRES_PORT="${TF_POSTGRES_PORT:-5432}"

TF_S3_ACCESS_KEY="${TF_S3_ACCESS_KEY:-tuneforge}"
TF_S3_SECRET_KEY="${TF_S3_SECRET_KEY:-tuneforge-dev-secret}"
TF_S3_BUCKET="${TF_S3_BUCKET:-tuneforge}"

# The Postgres role, password and database up.sh creates (the metadata store, TF_DATABASE_URL).
TF_POSTGRES_USER="${TF_POSTGRES_USER:-tuneforge}"
TF_POSTGRES_PASSWORD="${TF_POSTGRES_PASSWORD:-tuneforge-dev-secret}"
TF_POSTGRES_DB="${TF_POSTGRES_DB:-tuneforge}"

# How long up.sh waits for a service to become ready before giving up (seconds).
TF_INFRA_WAIT_S="${TF_INFRA_WAIT_S:-90}"

info() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"
}

# Serialise infra commands: two `up.sh` started at once (e.g. by parallel test runners) must not both
# format Kafka storage or start a second broker. flock is Linux-only; elsewhere we simply go without.
take_lock() {
  mkdir -p "$TUNEFORGE_RUN"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$TUNEFORGE_RUN/.infra.lock"
  flock -w 300 9 || die "another infra command has held $TUNEFORGE_RUN/.infra.lock for 5 minutes"
}

# Prints the pid recorded in PIDFILE if that process is alive AND its command line contains PATTERN.
# The pattern check matters: after a reboot or a crash the recorded pid may belong to an unrelated process,
# which we must neither report as our service nor kill. A pid file that fails the check is stale: removed.
live_pid() {
  local pidfile="$1" pattern="$2" pid args
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  if [[ -n "$pid" ]] && args="$(ps -p "$pid" -o args= 2>/dev/null)" && [[ "$args" == *"$pattern"* ]]; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile"
  return 1
}

# Starts a command detached from this shell (own session, stdin closed, output appended to LOGFILE) and
# records its pid. The child writes its own pid before exec'ing, so the pid file is right whether or not
# setsid had to fork. It must not inherit the lock descriptor (9, see take_lock): a long-lived service
# holding it would block every later infra command.
start_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  rm -f "$pidfile"
  # A dated marker, so that the tail shown after a failed start is visibly about this start.
  printf '===== %s: starting %s =====\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >>"$logfile"
  # shellcheck disable=SC2016 # $$ and $@ are expanded by the inner shell on purpose.
  nohup ${detach[@]+"${detach[@]}"} bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "process did not start (no pid file $pidfile); see $logfile"
}

# Graceful stop: SIGTERM, wait up to GRACE seconds, then SIGKILL. Kafka needs the grace period to flush and
# close its logs cleanly; a killed broker recovers, but its next start is slower.
stop_pid() {
  local name="$1" pidfile="$2" pattern="$3" grace="$4" pid i
  if ! pid="$(live_pid "$pidfile" "$pattern")"; then
    info "$name: not running"
    return 0
  fi
  info "$name: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    info "$name: still running after ${grace}s, killing"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  info "$name: stopped"
}

# Runs a command with a time limit where coreutils' timeout exists (not on stock macOS).
with_timeout() {
  local seconds="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$seconds" "$@"
  else
    "$@"
  fi
}

# True if something accepts TCP connections on HOST:PORT (bash's /dev/tcp: no nc/ss dependency).
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Fails early when a port we are about to bind is held by some other process: otherwise the service
# would die with a bind error deep in its log.
ensure_port_free() {
  local name="$1" host="$2" port="$3"
  if port_open "$host" "$port"; then
    die "$name: $host:$port is already in use by another process. Stop it, or move ours (see infra/README.md)."
  fi
}

# Called when our pid file names no live process. Returns 1 if HOST:PORT is free (the caller starts its
# own service). If something else listens there and passes CHECK, it is a compatible service (a Docker
# Compose stack, a server started by hand): use it instead of failing, and say so. Anything else: fail.
use_external_if_present() {
  local name="$1" host="$2" port="$3" check="$4"
  port_open "$host" "$port" || return 1
  if "$check" >/dev/null 2>&1; then
    info "$name: $host:$port is served by a process infra/ did not start; using it (down.sh will not stop it)"
    return 0
  fi
  die "$name: $host:$port is in use by another process that does not answer like $name." \
    "Stop it, or move ours (see infra/README.md)."
}

# Prints the last lines of a log to stderr, for failure messages.
show_log_tail() {
  local logfile="$1" lines="${2:-40}"
  [[ -f "$logfile" ]] || return 0
  printf '[infra] ---- last %s lines of %s ----\n' "$lines" "$logfile" >&2
  tail -n "$lines" "$logfile" >&2
  printf '[infra] ----\n' >&2
}

# Bounded wait: runs the CHECK function every second until it succeeds. Gives up, showing the tail of the
# LOGFILEs, when the deadline passes or when the process behind PIDFILE dies (no point waiting 90 s for a
# broker that crashed on start-up).
# Usage: wait_ready NAME PIDFILE PATTERN CHECK LOGFILE...
wait_ready() {
  local name="$1" pidfile="$2" pattern="$3" check="$4"
  shift 4
  local start=$SECONDS logfile
  until "$check" >/dev/null 2>&1; do
    if ! live_pid "$pidfile" "$pattern" >/dev/null; then
      for logfile in "$@"; do show_log_tail "$logfile"; done
      die "$name: process exited during start-up (logs: $*)"
    fi
    if ((SECONDS - start >= TF_INFRA_WAIT_S)); then
      for logfile in "$@"; do show_log_tail "$logfile"; done
      die "$name: not ready after ${TF_INFRA_WAIT_S}s (logs: $*; raise TF_INFRA_WAIT_S to wait longer)"
    fi
    sleep 1
  done
  info "$name: ready after $((SECONDS - start))s"
}

# Parses the options shared by up/down/status/install: --fresh and component names.
# Sets FRESH (0/1) and COMPONENTS (array, default all four).
parse_args() {
  FRESH="${TF_INFRA_FRESH:-0}"
  COMPONENTS=()
  local arg
  for arg in "$@"; do
    case "$arg" in
      --fresh) FRESH=1 ;;
      kafka | minio | jaeger | postgres) COMPONENTS+=("$arg") ;;
      -h | --help)
        # The usage is the script's header comment.
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 0
        ;;
      *) die "unknown argument '$arg' (expected --fresh, kafka, minio, jaeger, postgres)" ;;
    esac
  done
  # Postgres last: its first start runs initdb in the foreground, while the others boot in the background.
  ((${#COMPONENTS[@]})) || COMPONENTS=(kafka minio jaeger postgres)
}

# Percent-encodes a URL's user or password part (RFC 3986 unreserved characters stay as they are).
url_encode() {
  local LC_ALL=C value="$1" i char out=""
  for ((i = 0; i < ${#value}; i++)); do
    char="${value:i:1}"
    case "$char" in
      [A-Za-z0-9._~-]) out+="$char" ;;
      *) out+="$(printf '%%%02X' "'$char")" ;;
    esac
  done
  printf '%s' "$out"
}

# The environment the services and tests read (see libs/messaging, libs/storage and libs/database). The Jaeger addresses
# are not OTEL_* variables on purpose: exporting traces is the user's choice
# (`export OTEL_EXPORTER_OTLP_ENDPOINT=$TF_JAEGER_OTLP_ENDPOINT`, see docs/deploy.md).
print_env() {
  cat <<EOF
export TF_KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT
export TF_S3_ENDPOINT=http://$MINIO_HOST:$MINIO_PORT
export TF_S3_ACCESS_KEY=$TF_S3_ACCESS_KEY
export TF_S3_SECRET_KEY=$TF_S3_SECRET_KEY
export TF_S3_BUCKET=$TF_S3_BUCKET
export TF_JAEGER_OTLP_ENDPOINT=http://$JAEGER_HOST:$JAEGER_OTLP_HTTP_PORT
export TF_JAEGER_QUERY_URL=http://$JAEGER_HOST:$JAEGER_QUERY_PORT
export TF_JAEGER_PROMETHEUS_URL=http://$JAEGER_HOST:$JAEGER_PROMETHEUS_PORT/metrics
export TF_DATABASE_URL=postgres://$(url_encode "$TF_POSTGRES_USER"):$(url_encode "$TF_POSTGRES_PASSWORD")@$POSTGRES_HOST:$POSTGRES_PORT/$(url_encode "$TF_POSTGRES_DB")
EOF
}
