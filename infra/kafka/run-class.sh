#!/usr/bin/env bash
# Runs a class from the installed Kafka jars, with quiet logging: the Kafka CLI tools without a Kafka
# distribution. Examples:
#   infra/kafka/run-class.sh org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   infra/kafka/run-class.sh org.apache.kafka.tools.consumer.ConsoleConsumer \
#     --bootstrap-server 127.0.0.1:9092 --topic some.topic.v1 --from-beginning
#   infra/kafka/run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
#     --bootstrap-server 127.0.0.1:9092 --describe --all-groups
set -euo pipefail
INFRA="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$INFRA/lib/common.sh"
source "$INFRA/kafka/kafka.sh"

(($#)) || die "usage: $0 CLASS [ARGS...]"
kafka_installed || die "kafka: not installed; run infra/install.sh"
exec "${KAFKA_TOOL_JAVA[@]}" "$@"
