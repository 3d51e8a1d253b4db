#!/usr/bin/env bash
# Builds the images: one per service (docker/Dockerfile.service), and those of the services that load the native
# engine (docker/Dockerfile.train-pod): the training pod, the inference service and the evaluator, which generates
# through libs/serving (tools/ci/test/engine-images.spec.ts keeps this list true). Usage: docker/build.sh [TAG] [service...]
# (default: dev, all)
# Extra `docker build` flags through DOCKER_BUILD_FLAGS (e.g. "--push --platform linux/amd64").
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-dev}"
shift || true
services=("$@")
[[ ${#services[@]} -gt 0 ]] || services=(gateway orchestrator datagen retrieval trainer evaluator debugger train-pod inference)
engine_services=" train-pod inference evaluator "
for service in "${services[@]}"; do
  if [[ "$engine_services" == *" $service "* ]]; then
    # shellcheck disable=SC2086 # word splitting of the extra flags is intended
    docker build ${DOCKER_BUILD_FLAGS:-} -f docker/Dockerfile.train-pod --build-arg "SERVICE=$service" -t "tuneforge/$service:$tag" .
  else
    # shellcheck disable=SC2086
    docker build ${DOCKER_BUILD_FLAGS:-} -f docker/Dockerfile.service --build-arg "SERVICE=$service" -t "tuneforge/$service:$tag" .
  fi
done
