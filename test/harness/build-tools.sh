#!/usr/bin/env bash
# Builds the chart and alert-rule tools the tests run, from Go modules, once, into the same cache as
# the control plane (build-binaries.sh): helm (helm lint / helm template of infra/helm/) and promtool
# (promtool test rules of infra/prometheus/). Only what is missing is built; the Go build and module
# caches are reused, so a second machine state costs nothing and a rebuild after a version bump
# recompiles only what changed.
# Needs: the Go toolchain (https://go.dev/dl) and access to the Go module proxy.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
# Prometheus publishes its Go module as v0.<major*100+minor>.<patch>: v0.316.0 is Prometheus 3.16.0.
PROMETHEUS_MODULE_VERSION="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"

CACHE_ROOT="${VPSIE_AUTOSCALER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpsie-autoscaler}"
OUT="$CACHE_ROOT/tools"
HELM="$OUT/helm-$HELM_VERSION"
PROMTOOL="$OUT/promtool-$PROMETHEUS_MODULE_VERSION"

if [ -x "$HELM" ] && [ -x "$PROMTOOL" ]; then
  echo "tools: helm and promtool already built in $OUT"
  exit 0
fi
command -v go >/dev/null || { echo "tools: the Go toolchain is required (install Go >= 1.25 from https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$OUT"
# Several test runs may start at once on a fresh machine: one builds, the others wait for it.
if command -v flock >/dev/null; then
  exec 9>"$OUT/.build.lock"
  if ! flock -n 9; then
    echo "tools: another build into $OUT is running; waiting for it"
    flock 9
  fi
fi
export CGO_ENABLED=0 GOFLAGS="-mod=mod" GOTOOLCHAIN=local
PAR="${HARNESS_BUILD_PARALLELISM:-2}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
step() { echo "tools: [$(( $(date +%s) - start ))s] $*"; }

if [ ! -x "$HELM" ]; then
  step "building helm $HELM_VERSION"
  GOBIN="$WORK/bin" go install -p "$PAR" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$WORK/bin/helm" "$HELM"
fi

if [ ! -x "$PROMTOOL" ]; then
  step "building promtool (prometheus module $PROMETHEUS_MODULE_VERSION)"
  GOBIN="$WORK/bin" go install -p "$PAR" -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_MODULE_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"
  mv "$WORK/bin/promtool" "$PROMTOOL"
fi
step "done: $HELM $PROMTOOL"
