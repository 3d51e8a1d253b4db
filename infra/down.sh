#!/usr/bin/env bash
# Stops the Kafka, MinIO and Jaeger started by infra/up.sh (SIGTERM, then SIGKILL after a grace period).
# Data is kept (Jaeger keeps traces in memory: they go with it); `infra/up.sh --fresh` wipes it. Fine to run when nothing is running.
# Usage: infra/down.sh [kafka] [minio] [jaeger]
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$INFRA/lib/common.sh"
source "$INFRA/kafka/kafka.sh"
source "$INFRA/minio/minio.sh"
source "$INFRA/jaeger/jaeger.sh"

parse_args "$@"
take_lock
for component in "${COMPONENTS[@]}"; do
  "${component}_stop"
done
