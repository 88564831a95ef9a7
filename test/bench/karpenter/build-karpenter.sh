#!/usr/bin/env bash
# Builds Karpenter's kwok cloud provider (module sigs.k8s.io/karpenter, package kwok/, its main.go) from the Go
# module proxy, once, into ${VPSIE_AUTOSCALER_CACHE:-~/.cache/vpsie-autoscaler}/karpenter-<version>/:
#   controller   the Karpenter binary with the kwok provider (Nodes it "launches" are kwok-managed fakes)
#   crds/        the CRDs of kwok/charts/crds (NodePool, NodeClaim, NodeOverlay, CapacityBuffer) and kwok/apis/crds
#                (KWOKNodeClass), copied from the same module version in the module cache
# Prints the folder on the last line of stdout. Karpenter v1.15 needs Go >= 1.26.9; the toolchain used here is
# GOTOOLCHAIN=go1.27.3, which the go command downloads from the module proxy on first use.
set -euo pipefail

KARPENTER_VERSION="${KARPENTER_VERSION:-v1.15.0}"
export GOTOOLCHAIN="${KARPENTER_GOTOOLCHAIN:-go1.27.3}"
CACHE_ROOT="${VPSIE_AUTOSCALER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpsie-autoscaler}"
OUT="$CACHE_ROOT/karpenter-$KARPENTER_VERSION"

done_already() { [ -x "$OUT/controller" ] && [ -f "$OUT/crds/karpenter.sh_nodepools.yaml" ] && [ -f "$OUT/crds/autoscaling.x-k8s.io_capacitybuffers.yaml" ]; }
if done_already; then echo "karpenter: already built in $OUT" >&2; echo "$OUT"; exit 0; fi

command -v go >/dev/null || { echo "karpenter: the go command is required (https://go.dev/dl); it fetches $GOTOOLCHAIN itself" >&2; exit 1; }
mkdir -p "$OUT"
# Two bench runs on a fresh machine: one builds, the other waits and reuses the result.
if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.build-karpenter-$KARPENTER_VERSION.lock"
  if ! flock -n 9; then echo "karpenter: another build into $OUT is running; waiting" >&2; flock 9; fi
  if done_already; then echo "$OUT"; exit 0; fi
fi
start=$(date +%s)
step() { echo "karpenter: [$(( $(date +%s) - start ))s] $*" >&2; }

step "downloading sigs.k8s.io/karpenter@$KARPENTER_VERSION with $GOTOOLCHAIN"
MOD_DIR="$(cd /tmp && go mod download -json "sigs.k8s.io/karpenter@$KARPENTER_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
[ -f "$MOD_DIR/kwok/main.go" ] || { echo "karpenter: kwok/main.go not found in $MOD_DIR" >&2; exit 1; }

# The module has no replace directives, so `go install pkg@version` builds it with its own go.sum.
if [ ! -x "$OUT/controller" ]; then
  step "building sigs.k8s.io/karpenter/kwok (parallelism ${KARPENTER_BUILD_PARALLELISM:-1})"
  BIN="$(mktemp -d)"
  trap 'rm -rf "$BIN"' EXIT
  CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOBIN="$BIN" \
    go install -p "${KARPENTER_BUILD_PARALLELISM:-1}" -trimpath "sigs.k8s.io/karpenter/kwok@$KARPENTER_VERSION" >&2
  mv "$BIN/kwok" "$OUT/controller"
fi
mkdir -p "$OUT/crds"
cp "$MOD_DIR"/kwok/charts/crds/*.yaml "$MOD_DIR"/kwok/apis/crds/*.yaml "$OUT/crds/"
chmod u+w "$OUT"/crds/*.yaml
step "done: $OUT"
echo "$OUT"
