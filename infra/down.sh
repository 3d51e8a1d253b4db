#!/usr/bin/env bash
# Stops the Kafka, MinIO, Jaeger and Postgres started by infra/up.sh (SIGTERM, or SIGINT for Postgres: its fast
# shutdown; SIGKILL after a grace period).
# Data is kept (Jaeger keeps traces in memory: they go with it); `infra/up.sh --fresh` wipes it. Fine to run when nothing is running.
# Usage: infra/down.sh [kafka] [minio] [jaeger] [postgres]
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
  "${component}_stop"
done
