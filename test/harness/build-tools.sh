#!/usr/bin/env bash
# Builds the chart and alert-rule tools the tests run, from Go modules, once, into the same cache as
# the control plane (build-binaries.sh): helm (helm lint / helm template of infra/helm/) and promtool
# (promtool test rules of infra/prometheus/) and kustomize (renders the base infra/forwarder/ that the
# chart is compared with). Only what is missing is built; the Go build and module
# caches are reused, so a second machine state costs nothing and a rebuild after a version bump
# recompiles only what changed.
# Needs: the Go toolchain (https://go.dev/dl) and access to the Go module proxy.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
# Prometheus publishes its Go module as v0.<major*100+minor>.<patch>: v0.316.0 is Prometheus 3.16.0.
PROMETHEUS_MODULE_VERSION="${PROMETHEUS_MODULE_VERSION:-v0.316.0}"
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.2}"

CACHE_ROOT="${VPSIE_AUTOSCALER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpsie-autoscaler}"
OUT="$CACHE_ROOT/tools"
HELM="$OUT/helm-$HELM_VERSION"
PROMTOOL="$OUT/promtool-$PROMETHEUS_MODULE_VERSION"
KUSTOMIZE="$OUT/kustomize-$KUSTOMIZE_VERSION"

if [ -x "$HELM" ] && [ -x "$PROMTOOL" ] && [ -x "$KUSTOMIZE" ]; then
  echo "tools: helm, promtool and kustomize already built in $OUT"
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
  if [ -x "$HELM" ] && [ -x "$PROMTOOL" ] && [ -x "$KUSTOMIZE" ]; then
    echo "tools: built by the other run in $OUT"
    exit 0
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
  # The Kubernetes version helm assumes without a cluster (helm template, lint, kubeVersion checks):
  # its Makefile sets it from the client-go it links; without it helm says v1.20.0.
  kminor="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' | xargs sed -n 's/^\s*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p')"
  kv="-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor"
  GOBIN="$WORK/bin" go install -p "$PAR" -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION $kv" \
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
if [ ! -x "$KUSTOMIZE" ]; then
  step "building kustomize $KUSTOMIZE_VERSION"
  GOBIN="$WORK/bin" go install -p "$PAR" -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  mv "$WORK/bin/kustomize" "$KUSTOMIZE"
fi
step "done: $HELM $PROMTOOL $KUSTOMIZE"
