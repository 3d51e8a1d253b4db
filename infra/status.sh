#!/usr/bin/env bash
# Reports whether Kafka, MinIO, Jaeger and Postgres are running and answering. Exit status 0 only if all are ready.
# Usage: infra/status.sh [kafka] [minio] [jaeger] [postgres]
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$INFRA/lib/common.sh"
source "$INFRA/kafka/kafka.sh"
source "$INFRA/minio/minio.sh"
source "$INFRA/jaeger/jaeger.sh"
source "$INFRA/postgres/postgres.sh"

parse_args "$@"
# No lock: status must answer even while an up.sh holds it waiting for a slow start.
failed=0
for component in "${COMPONENTS[@]}"; do
  "${component}_status" || failed=1
done
exit "$failed"
