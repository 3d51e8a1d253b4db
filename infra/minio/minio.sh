# shellcheck shell=bash disable=SC2153 # MINIO_HOST etc. come from lib/common.sh, sourced first
# MinIO: build from source with `go install`, start / stop / check a single-drive server.
# Sourced by infra/*.sh after lib/common.sh; defines minio_* functions, runs nothing by itself.

# One directory per version, so changing MINIO_VERSION never reuses a binary built from another commit.
MINIO_BIN_DIR="$TUNEFORGE_CACHE/bin/minio-$MINIO_VERSION"
MINIO_BIN="$MINIO_BIN_DIR/minio"
MINIO_RUN="$TUNEFORGE_RUN/minio"
MINIO_DATA="$MINIO_RUN/data"
MINIO_LOG="$MINIO_RUN/minio.log"
MINIO_PIDFILE="$MINIO_RUN/minio.pid"
MINIO_PID_PATTERN="minio server"
MINIO_URL="http://$MINIO_HOST:$MINIO_PORT"

minio_install() {
  if [[ -x "$MINIO_BIN" ]]; then
    info "minio: $MINIO_VERSION already installed ($MINIO_BIN)"
    return 0
  fi
  require_cmd go "MinIO is built from source with go install"
  info "minio: building github.com/minio/minio@$MINIO_VERSION (takes minutes the first time)"
  mkdir -p "$MINIO_BIN_DIR"
  # GOBIN puts the binary in the versioned directory; sources go to Go's own module cache.
  GOBIN="$MINIO_BIN_DIR" go install "github.com/minio/minio@$MINIO_VERSION" ||
    die "minio: go install failed (is the Go module proxy reachable?)"
  info "minio: installed $MINIO_BIN"
}

minio_ready() {
  curl -sf --max-time 2 "$MINIO_URL/minio/health/ready" >/dev/null
}

# S3 request signed with SigV4 by curl itself (no mc / aws CLI needed). Credentials go through a curl
# config on stdin rather than argv, where every user on the machine could read them with ps.
# Usage: minio_s3 CURL-ARGS... ; prints the HTTP status code.
minio_s3() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" -K - "$@" \
    <<<"user = \"$TF_S3_ACCESS_KEY:$TF_S3_SECRET_KEY\""
}

# The services expect the bucket to exist (they never create buckets). Idempotent.
minio_ensure_bucket() {
  local url="$MINIO_URL/$TF_S3_BUCKET" code
  code="$(minio_s3 -I "$url")"
  case "$code" in
    200) return 0 ;;
    404)
      code="$(minio_s3 -X PUT "$url")"
      [[ "$code" == 200 ]] || die "minio: creating bucket '$TF_S3_BUCKET' failed (HTTP $code)"
      info "minio: created bucket '$TF_S3_BUCKET'"
      ;;
    403) die "minio: access denied for '$TF_S3_ACCESS_KEY' (another MinIO on $MINIO_HOST:$MINIO_PORT?" \
      "credentials changed? TF_S3_ACCESS_KEY / TF_S3_SECRET_KEY must match the running server)" ;;
    *) die "minio: checking bucket '$TF_S3_BUCKET' failed (HTTP $code)" ;;
  esac
}

minio_wipe() {
  info "minio: wiping data in $MINIO_DATA"
  rm -rf "$MINIO_DATA"
}

# Starts the server in the background if it is not running; minio_wait waits for it.
minio_start() {
  local pid
  mkdir -p "$MINIO_DATA"
  if pid="$(live_pid "$MINIO_PIDFILE" "$MINIO_PID_PATTERN")"; then
    info "minio: already running (pid $pid)"
    return 0
  fi
  if use_external_if_present minio "$MINIO_HOST" "$MINIO_PORT" minio_ready; then
    MINIO_EXTERNAL=1
    return 0
  fi
  [[ -x "$MINIO_BIN" ]] || die "minio: not installed; run infra/install.sh"
  ensure_port_free minio-console "$MINIO_HOST" "$MINIO_CONSOLE_PORT"
  info "minio: starting on $MINIO_URL (console http://$MINIO_HOST:$MINIO_CONSOLE_PORT)"
  (
    # In the environment, not on the command line, so the secret does not show in ps.
    export MINIO_ROOT_USER="$TF_S3_ACCESS_KEY" MINIO_ROOT_PASSWORD="$TF_S3_SECRET_KEY"
    # No network here and no point in update checks or anonymous usage reports for a dev server.
    export MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off
    start_detached "$MINIO_PIDFILE" "$MINIO_LOG" "$MINIO_BIN" server \
      --address "$MINIO_HOST:$MINIO_PORT" --console-address "$MINIO_HOST:$MINIO_CONSOLE_PORT" "$MINIO_DATA"
  )
}

minio_wait() {
  if ! ((${MINIO_EXTERNAL:-0})); then
    wait_ready minio "$MINIO_PIDFILE" "$MINIO_PID_PATTERN" minio_ready "$MINIO_LOG"
  fi
  # Also proves that our credentials work, which matters most for a server infra/ did not start.
  minio_ensure_bucket
}

minio_stop() {
  stop_pid minio "$MINIO_PIDFILE" "$MINIO_PID_PATTERN" 10
}

# Prints one line; returns 0 only when the server reports ready.
minio_status() {
  local pid
  if ! pid="$(live_pid "$MINIO_PIDFILE" "$MINIO_PID_PATTERN")"; then
    if minio_ready; then
      info "minio: ready on $MINIO_URL, served by a process infra/ did not start"
      return 0
    fi
    if port_open "$MINIO_HOST" "$MINIO_PORT"; then
      info "minio: stopped, and something that is not MinIO listens on $MINIO_HOST:$MINIO_PORT"
    else
      info "minio: stopped"
    fi
    return 1
  fi
  if minio_ready; then
    info "minio: running (pid $pid), ready on $MINIO_URL, console http://$MINIO_HOST:$MINIO_CONSOLE_PORT"
  else
    info "minio: running (pid $pid) but not ready on $MINIO_URL; see $MINIO_LOG"
    return 1
  fi
}
