#!/usr/bin/env bash
# Starts Kafka (127.0.0.1:9092), MinIO (127.0.0.1:9000), Jaeger (OTLP 127.0.0.1:4318, UI/API
# 127.0.0.1:16686) and Postgres (127.0.0.1:5432) without Docker, installing them first if needed, and waits until
# all serve requests. Idempotent: services already running are left alone.
# Prints the environment for the services and tests on stdout (`eval "$(infra/up.sh)"` works).
# Usage: infra/up.sh [--fresh] [kafka] [minio] [jaeger] [postgres]
#   --fresh (or TF_INFRA_FRESH=1)  stop and wipe the data before starting: a clean slate, e.g. for CI
#   TF_INFRA_WAIT_S=90             how long to wait for readiness before failing
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$INFRA/lib/common.sh"
source "$INFRA/kafka/kafka.sh"
source "$INFRA/minio/minio.sh"
source "$INFRA/jaeger/jaeger.sh"
source "$INFRA/postgres/postgres.sh"

parse_args "$@"
take_lock

for component in "${COMPONENTS[@]}"; do
  "${component}_install"
done

if ((FRESH)); then
  for component in "${COMPONENTS[@]}"; do
    "${component}_stop"
    "${component}_wipe"
  done
fi

# Start everything first and only then wait, so the slow Kafka start-up overlaps with the others'.
for component in "${COMPONENTS[@]}"; do
  "${component}_start"
done
for component in "${COMPONENTS[@]}"; do
  "${component}_wait"
done

info "up. Environment for the services and tests:"
print_env
