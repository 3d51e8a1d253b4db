#!/usr/bin/env bash
# End-to-end check of a running infra (infra/up.sh first): creates a throw-away Kafka topic, produces a
# message and consumes it back with the Kafka console clients, then writes, reads and deletes an object
# in the MinIO bucket, then logs in to Postgres as the services do (TCP, password) and runs SELECT 1 and a
# round trip through a temporary table. Cleans up after itself. Exit status 0 only if everything round-tripped.
# Usage: infra/smoke-test.sh [kafka] [minio] [postgres]      (default: all; Jaeger has no check here)
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$INFRA/lib/common.sh"
source "$INFRA/kafka/kafka.sh"
source "$INFRA/minio/minio.sh"
source "$INFRA/postgres/postgres.sh"

parse_args "$@"
checks() { [[ " ${COMPONENTS[*]} " == *" $1 "* ]]; }

bootstrap="$KAFKA_HOST:$KAFKA_PORT"
# Unique per run, so a left-over topic or object from an earlier run can never make this pass.
run_id="$(date +%s)-$$-$RANDOM"
topic="infra.smoke.checked.v1.$run_id"
payload="hello from infra smoke test $run_id"
object_url="$MINIO_URL/$TF_S3_BUCKET/infra-smoke/$run_id.txt"

kafka_tool() { "${KAFKA_TOOL_JAVA[@]}" "$@"; }

cleanup() {
  if checks kafka; then
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --delete --topic "$topic" \
      >/dev/null 2>&1 || true
  fi
  if checks minio; then minio_s3 -X DELETE "$object_url" >/dev/null || true; fi
}
trap cleanup EXIT

if checks kafka; then
  info "kafka: creating topic $topic"
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
    --create --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null

  info "kafka: producing one message"
  printf 'smoke-key\t%s\n' "$payload" |
    kafka_tool kafka.tools.ConsoleProducer --bootstrap-server "$bootstrap" --topic "$topic" \
      --property parse.key=true --property 'key.separator=	'

  info "kafka: consuming it back"
  consumed="$(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$bootstrap" \
    --topic "$topic" --from-beginning --max-messages 1 --timeout-ms 30000 \
    --property print.key=true 2>/dev/null)" || true
  [[ "$consumed" == "smoke-key"$'\t'"$payload" ]] || die "kafka: consumed '$consumed', expected key smoke-key and '$payload'"
  info "kafka: OK (round trip through $bootstrap)"
fi

if checks minio; then
  info "minio: health"
  minio_ready || die "minio: $MINIO_URL/minio/health/ready does not answer"
  info "minio: put / get / delete an object in bucket '$TF_S3_BUCKET'"
  # curl signs the body hash but does not send it; MinIO then rejects the signature unless told the payload
  # is unsigned (fine on loopback).
  code="$(minio_s3 -X PUT -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -H 'Content-Type: text/plain' \
    --data-binary "$payload" "$object_url")"
  [[ "$code" == 200 ]] || die "minio: PUT $object_url failed (HTTP $code)"
  got="$(curl -s --max-time 10 --aws-sigv4 "aws:amz:us-east-1:s3" -K - "$object_url" \
    <<<"user = \"$TF_S3_ACCESS_KEY:$TF_S3_SECRET_KEY\"")"
  [[ "$got" == "$payload" ]] || die "minio: GET returned '$got', expected '$payload'"
  code="$(minio_s3 -X DELETE "$object_url")"
  [[ "$code" == 204 ]] || die "minio: DELETE $object_url failed (HTTP $code)"
  info "minio: OK (round trip through $MINIO_URL)"
fi

if checks postgres; then
  postgres_find >/dev/null || die "postgres: not installed (infra/up.sh postgres)"
  info "postgres: SELECT 1 and a temporary table's round trip, as $TF_POSTGRES_USER over TCP with its password"
  # A temporary table goes with the session: nothing to clean up.
  got="$(postgres_client_psql <<EOF
SELECT 1;
CREATE TEMP TABLE infra_smoke (payload text);
INSERT INTO infra_smoke VALUES ('$payload');
SELECT payload FROM infra_smoke;
EOF
)" || die "postgres: the queries failed: $got"
  [[ "$got" == "1"$'\n'"$payload" ]] || die "postgres: got '$got', expected 1 and '$payload'"
  info "postgres: OK (round trip through $POSTGRES_HOST:$POSTGRES_PORT, database '$TF_POSTGRES_DB')"
fi
info "smoke test passed"
