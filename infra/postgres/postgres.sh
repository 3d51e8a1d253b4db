# shellcheck shell=bash disable=SC2153 # POSTGRES_HOST etc. come from lib/common.sh, sourced first
# Postgres: install Debian's `postgresql` package, start / stop / check a server of our own (not Debian's
# clusters: our data directory, configuration and socket live under TUNEFORGE_RUN).
# Sourced by infra/*.sh after lib/common.sh; defines postgres_* functions, runs nothing by itself.
#
# Postgres refuses to run as root (initdb and postgres exit with "cannot be run as root"). As root, the server
# runs in a user namespace in which root is mapped to the `postgres` user (`unshare --user`): the process sees
# itself as `postgres`, the files it writes are root's, and the data stays under TUNEFORGE_RUN (usually in
# /root, which no other user may enter). Where user namespaces are refused (a container without
# CAP_SYS_ADMIN), it runs as the `postgres` system user itself (setpriv), with the state directory handed to
# that user; then TUNEFORGE_RUN must be a directory that user can reach. As any other user, it runs as that user.

POSTGRES_RUN="$TUNEFORGE_RUN/postgres"
POSTGRES_DATA="$POSTGRES_RUN/data"
POSTGRES_LOG="$POSTGRES_RUN/postgres.log"
POSTGRES_PIDFILE="$POSTGRES_RUN/postgres.pid"
POSTGRES_CONF="$POSTGRES_RUN/postgresql.conf"
POSTGRES_HBA="$POSTGRES_RUN/pg_hba.conf"
# The postmaster keeps its command line (only its children rename themselves "postgres: ...").
POSTGRES_PID_PATTERN="bin/postgres -D $POSTGRES_DATA"
# initdb's bootstrap superuser; reachable only through the unix socket (pg_hba.conf), no password.
POSTGRES_SUPERUSER="postgres"

# Prints the directory holding initdb, postgres, pg_isready and psql: TF_POSTGRES_BINDIR if set, else the newest
# /usr/lib/postgresql/<major>/bin (Debian installs one directory per major version; none is hard-coded here),
# else the directory of an initdb on PATH (Homebrew, other distributions). Sets POSTGRES_BIN.
postgres_find() {
  local dir candidates=()
  if [[ -n "${TF_POSTGRES_BINDIR:-}" ]]; then
    candidates=("$TF_POSTGRES_BINDIR")
  else
    # sort -V: 9.6 < 15 < 16, whatever the shell's glob order.
    while IFS= read -r dir; do candidates+=("$dir"); done < <(
      find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V -r
    )
    command -v initdb >/dev/null 2>&1 && candidates+=("$(dirname "$(command -v initdb)")")
  fi
  for dir in ${candidates[@]+"${candidates[@]}"}; do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" && -x "$dir/pg_isready" && -x "$dir/psql" ]]; then
      POSTGRES_BIN="$dir"
      echo "$dir"
      return 0
    fi
  done
  return 1
}

# The server's major version ("15"), from its --version line ("postgres (PostgreSQL) 15.18 (Debian ...)").
postgres_major() {
  "$POSTGRES_BIN/postgres" --version | awk '{ split($3, v, "."); print v[1] }'
}

postgres_install() {
  if postgres_find >/dev/null; then
    info "postgres: $("$POSTGRES_BIN/postgres" --version | awk '{ print $3 }') already installed ($POSTGRES_BIN)"
    return 0
  fi
  [[ -z "${TF_POSTGRES_BINDIR:-}" ]] || die "postgres: TF_POSTGRES_BINDIR=$TF_POSTGRES_BINDIR lacks initdb, postgres, pg_isready or psql"
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
    die "postgres: not installed, and this is not Debian or Ubuntu (no apt-get). Install PostgreSQL 14 or newer" \
      "(e.g. brew install postgresql@16) and set TF_POSTGRES_BINDIR to the directory of its initdb if it is not on PATH."
  fi
  # Root as in tools/ci/install-system-packages.sh: apt-get directly as root, through sudo otherwise.
  local as_root=() start=$SECONDS
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || die "postgres: installing the Debian package needs root. As root, run:" \
      "apt-get update && apt-get install -y --no-install-recommends postgresql"
    info "postgres: installing the Debian package needs root: running apt-get through sudo (it may ask for your password)"
    as_root=(sudo)
  fi
  mkdir -p "$TUNEFORGE_CACHE"
  local log="$TUNEFORGE_CACHE/postgres-install.log"
  info "postgres: installing Debian's postgresql package (apt-get update, then apt-get install; log: $log)"
  # Only now, with the package missing, is the package index refreshed: an installed machine never waits for it.
  if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; } \
    >"$log" 2>&1; then
    show_log_tail "$log"
    die "postgres: apt-get could not install postgresql (is the Debian mirror reachable?)"
  fi
  postgres_find >/dev/null || die "postgres: the postgresql package is installed but no /usr/lib/postgresql/<version>/bin has initdb, postgres, pg_isready and psql"
  info "postgres: installed $("$POSTGRES_BIN/postgres" --version | awk '{ print $3 }') in $((SECONDS - start))s ($POSTGRES_BIN)"
}

# Sets POSTGRES_AS (the command prefix initdb and postgres run under) and POSTGRES_OWNER (uid:gid the state
# directory must belong to). See the header for why root needs either.
postgres_identity() {
  [[ -n "${POSTGRES_OWNER:-}" ]] && return 0
  POSTGRES_AS=()
  if ((EUID != 0)); then
    POSTGRES_OWNER="$(id -u):$(id -g)"
    return 0
  fi
  local uid gid
  uid="$(id -u postgres 2>/dev/null)" && gid="$(id -g postgres 2>/dev/null)" ||
    die "postgres: Postgres does not run as root, and there is no 'postgres' user to run it as (Debian's postgresql package creates one)"
  # TF_POSTGRES_AS_ROOT=user skips the user namespace (to test the other way, or where it misbehaves).
  if [[ "${TF_POSTGRES_AS_ROOT:-userns}" != user ]] && command -v unshare >/dev/null 2>&1 &&
    unshare --user --map-user="$uid" --map-group="$gid" true 2>/dev/null; then
    POSTGRES_AS=(unshare --user --map-user="$uid" --map-group="$gid" --)
    POSTGRES_OWNER="0:0"
  else
    # setpriv, not runuser or su: it execs the server in place, so the pid infra/ records is the postmaster's
    # (runuser stays behind as its parent, and turns our SIGINT into a SIGTERM and a SIGKILL 2 s later).
    require_cmd setpriv "util-linux's setpriv runs Postgres as the postgres user when root"
    POSTGRES_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    POSTGRES_OWNER="$uid:$gid"
  fi
}

# Makes the state directory the server's: a no-op unless the identity changed (root's two ways differ).
postgres_own() {
  ((EUID == 0)) || return 0
  if [[ "$(stat -c '%u:%g' "$POSTGRES_RUN")" != "$POSTGRES_OWNER" ]] ||
    { [[ -d "$POSTGRES_DATA" ]] && [[ "$(stat -c '%u:%g' "$POSTGRES_DATA")" != "$POSTGRES_OWNER" ]]; }; then
    chown -R "$POSTGRES_OWNER" "$POSTGRES_RUN" || die "postgres: cannot hand $POSTGRES_RUN to $POSTGRES_OWNER"
  fi
  if ((${#POSTGRES_AS[@]})) && ! "${POSTGRES_AS[@]}" test -w "$POSTGRES_RUN" 2>/dev/null; then
    die "postgres: as root without a user namespace (this machine refuses them, or TF_POSTGRES_AS_ROOT=user)," \
      "the server runs as the postgres user, which cannot reach $POSTGRES_RUN (a parent directory is closed to it," \
      "e.g. /root with mode 0700). Set TUNEFORGE_RUN to a directory it can reach, or run infra/ as another user."
  fi
}

# Accepting connections on the TCP address the services use (any Postgres answers this, ours or not).
postgres_ready() {
  postgres_find >/dev/null || return 1
  "$POSTGRES_BIN/pg_isready" -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2
}

# psql as the bootstrap superuser through our unix socket (trusted, see pg_hba.conf). SQL on stdin.
postgres_admin_psql() {
  "$POSTGRES_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_RUN" -p "$POSTGRES_PORT" -U "$POSTGRES_SUPERUSER" -d postgres "$@"
}

# psql as the services connect: TCP, TF_POSTGRES_USER with its password (in the environment, not argv, where
# ps would show it). Prints the output of the SQL given as arguments (-c ...) or on stdin.
postgres_client_psql() {
  PGPASSWORD="$TF_POSTGRES_PASSWORD" PGCONNECT_TIMEOUT=5 "$POSTGRES_BIN/psql" -X -q -w -t -A -v ON_ERROR_STOP=1 \
    -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$TF_POSTGRES_USER" -d "$TF_POSTGRES_DB" "$@"
}

# A value for psql's \set between single quotes (psql reads \\ and '' there).
postgres_psql_quote() {
  local value="${1//\\/\\\\}"
  printf "'%s'" "${value//\'/\'\'}"
}

# The role and database the services use (TF_POSTGRES_USER / _PASSWORD / _DB). Idempotent; the password is
# set again on every start, so changing TF_POSTGRES_PASSWORD takes effect at the next up.sh. The role is a
# superuser, as POSTGRES_USER is in the postgres image that docker-compose.yml and k8s/ run: migrations behave
# the same on all three.
postgres_ensure_database() {
  postgres_admin_psql >>"$POSTGRES_LOG" 2>&1 <<EOF || { show_log_tail "$POSTGRES_LOG" 20; die "postgres: creating role '$TF_POSTGRES_USER' and database '$TF_POSTGRES_DB' failed"; }
\\set role $(postgres_psql_quote "$TF_POSTGRES_USER")
\\set password $(postgres_psql_quote "$TF_POSTGRES_PASSWORD")
\\set db $(postgres_psql_quote "$TF_POSTGRES_DB")
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
ALTER ROLE :"role" WITH LOGIN SUPERUSER PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
EOF
}

postgres_wipe() {
  info "postgres: wiping data in $POSTGRES_DATA"
  rm -rf "$POSTGRES_DATA" "$POSTGRES_DATA.partial"
}

# Starts the server in the background if it is not running (initialising the data directory the first time);
# postgres_wait waits for it.
postgres_start() {
  local pid
  mkdir -p "$POSTGRES_RUN"
  if pid="$(live_pid "$POSTGRES_PIDFILE" "$POSTGRES_PID_PATTERN")"; then
    info "postgres: already running (pid $pid)"
    return 0
  fi
  if use_external_if_present postgres "$POSTGRES_HOST" "$POSTGRES_PORT" postgres_ready; then
    POSTGRES_EXTERNAL=1
    return 0
  fi
  postgres_find >/dev/null || die "postgres: not installed; run infra/install.sh"
  postgres_identity
  postgres_own

  if [[ ! -f "$POSTGRES_DATA/PG_VERSION" ]]; then
    info "postgres: initialising $POSTGRES_DATA (initdb, UTF-8, C locale)"
    local start=$SECONDS
    rm -rf "$POSTGRES_DATA" "$POSTGRES_DATA.partial"
    # Into a temporary name, renamed when complete: an interrupted initdb is redone, never started.
    # C collation, as PGlite (embedded mode) has: the same ORDER BY results in both modes.
    if ! ${POSTGRES_AS[@]+"${POSTGRES_AS[@]}"} "$POSTGRES_BIN/initdb" -D "$POSTGRES_DATA.partial" \
      -U "$POSTGRES_SUPERUSER" --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --no-locale \
      --no-instructions >>"$POSTGRES_LOG" 2>&1; then
      show_log_tail "$POSTGRES_LOG"
      die "postgres: initdb failed"
    fi
    mv "$POSTGRES_DATA.partial" "$POSTGRES_DATA"
    info "postgres: initialised in $((SECONDS - start))s"
  fi
  local data_major server_major
  data_major="$(cat "$POSTGRES_DATA/PG_VERSION")"
  server_major="$(postgres_major)"
  [[ "$data_major" == "$server_major" ]] || die "postgres: $POSTGRES_DATA was made by Postgres $data_major," \
    "the server found is $server_major ($POSTGRES_BIN). \`infra/up.sh --fresh postgres\` starts over (its data is lost)."

  # Regenerated on every start, so edits to infra/postgres/*.conf apply.
  local template
  for template in postgresql.conf pg_hba.conf; do
    sed -e "s#@HOST@#$POSTGRES_HOST#g" -e "s#@PORT@#$POSTGRES_PORT#g" -e "s#@SOCKET_DIR@#$POSTGRES_RUN#g" \
      -e "s#@HBA_FILE@#$POSTGRES_HBA#g" "$INFRA_DIR/postgres/$template" >"$POSTGRES_RUN/$template"
  done
  # No server of ours runs (live_pid) and nothing answers on the port: lock files left by a crash are stale. The
  # server would clear them itself unless their pid now belongs to another process, and then refuse to start.
  rm -f "$POSTGRES_DATA/postmaster.pid" "$POSTGRES_RUN/.s.PGSQL.$POSTGRES_PORT.lock"

  info "postgres: starting $("$POSTGRES_BIN/postgres" --version | awk '{ print $3 }') on $POSTGRES_HOST:$POSTGRES_PORT"
  start_detached "$POSTGRES_PIDFILE" "$POSTGRES_LOG" ${POSTGRES_AS[@]+"${POSTGRES_AS[@]}"} \
    "$POSTGRES_BIN/postgres" -D "$POSTGRES_DATA" -c "config_file=$POSTGRES_CONF"
}

postgres_wait() {
  if ! ((${POSTGRES_EXTERNAL:-0})); then
    wait_ready postgres "$POSTGRES_PIDFILE" "$POSTGRES_PID_PATTERN" postgres_ready "$POSTGRES_LOG"
    postgres_ensure_database
  fi
  # What the services do: log in over TCP with the password. For a server infra/ did not start, this is where a
  # stranger (Debian's own cluster on the same port, say) is told apart from a compose stack.
  local answer
  if ! answer="$(postgres_client_psql -c 'SELECT 1' 2>&1)" || [[ "$answer" != 1 ]]; then
    die "postgres: $TF_POSTGRES_USER cannot log in to database '$TF_POSTGRES_DB' on $POSTGRES_HOST:$POSTGRES_PORT:" \
      "${answer:-no answer}. If that is a Postgres infra/ did not start (Debian's own cluster: pg_lsclusters," \
      "pg_ctlcluster <version> main stop), stop it or move ours with TF_POSTGRES_PORT; otherwise" \
      "TF_POSTGRES_USER / TF_POSTGRES_PASSWORD / TF_POSTGRES_DB must match it."
  fi
}

postgres_stop() {
  local pid
  # SIGINT is Postgres' fast shutdown (clients disconnected, a clean checkpoint); SIGTERM, which stop_pid sends,
  # would wait for every client to leave first. stop_pid then waits, and kills only what is still there.
  if pid="$(live_pid "$POSTGRES_PIDFILE" "$POSTGRES_PID_PATTERN")"; then
    kill -INT "$pid" 2>/dev/null || true
  fi
  stop_pid postgres "$POSTGRES_PIDFILE" "$POSTGRES_PID_PATTERN" 30
}

# Prints one line; returns 0 only when the server accepts connections.
postgres_status() {
  local pid
  if ! pid="$(live_pid "$POSTGRES_PIDFILE" "$POSTGRES_PID_PATTERN")"; then
    if postgres_ready; then
      info "postgres: ready on $POSTGRES_HOST:$POSTGRES_PORT, served by a process infra/ did not start"
      return 0
    fi
    if port_open "$POSTGRES_HOST" "$POSTGRES_PORT"; then
      info "postgres: stopped, and something that is not Postgres listens on $POSTGRES_HOST:$POSTGRES_PORT"
    else
      info "postgres: stopped"
    fi
    return 1
  fi
  if postgres_ready; then
    info "postgres: running (pid $pid), ready on $POSTGRES_HOST:$POSTGRES_PORT, database '$TF_POSTGRES_DB'; log $POSTGRES_LOG"
  else
    info "postgres: running (pid $pid) but not accepting connections on $POSTGRES_HOST:$POSTGRES_PORT; see $POSTGRES_LOG"
    return 1
  fi
}
