#!/usr/bin/env bash
# Prints the environment that points the services and tests at the local Kafka, MinIO, Jaeger and Postgres.
# Usage: eval "$(infra/env.sh)"
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$INFRA/lib/common.sh"
print_env
