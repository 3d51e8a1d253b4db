#!/usr/bin/env bash
# Installs the pinned kustomize and kubeconform with `go install` (Go module proxy) into
# ${TUNEFORGE_CACHE:-~/.cache/tuneforge}/bin/<tool>-<version>/, outside the repository, like infra/ does.
# Idempotent: a second run does nothing. Needs Go (the CI already has it for MinIO).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/versions.env"
cache="${TUNEFORGE_CACHE:-$HOME/.cache/tuneforge}/bin"

install() {
  local name="$1" module="$2" version="$3" dir="$cache/$1-$3"
  [[ -x "$dir/$name" ]] && return 0
  command -v go >/dev/null 2>&1 || { echo "[k8s] go is required to install $name" >&2; exit 1; }
  echo "[k8s] installing $name $version" >&2
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS=-buildvcs=false go install "$module@$version"
}

install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
