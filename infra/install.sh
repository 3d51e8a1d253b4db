#!/usr/bin/env bash
# Installs the local Kafka (jars from Maven Central), MinIO (built with go install) and Jaeger (built with
# go build from the Go module proxy) into ${TUNEFORGE_CACHE:-~/.cache/tuneforge}, and Postgres (Debian's
# postgresql package, with apt-get: as root, or through sudo). Idempotent: does nothing for what is already installed.
# Usage: infra/install.sh [kafka] [minio] [jaeger] [postgres]      (default: all)
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
