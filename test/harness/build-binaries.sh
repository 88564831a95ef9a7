#!/usr/bin/env bash
# Builds the real control plane used by the tests from Go modules, once, into a cache:
#   kube-apiserver, kube-scheduler, kube-controller-manager (k8s.io/kubernetes), etcd 3.5, kwok.
# If KUBEBUILDER_ASSETS names a folder that already has all of them, nothing is built.
# Needs: the Go toolchain (https://go.dev/dl) and access to the Go module proxy.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
BINARIES=(etcd kube-apiserver kube-scheduler kube-controller-manager kwok)

has_all() {
  local dir="$1"
  for b in "${BINARIES[@]}"; do [ -x "$dir/$b" ] || return 1; done
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && has_all "$KUBEBUILDER_ASSETS"; then
  echo "harness: using binaries from KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
  exit 0
fi

CACHE_ROOT="${VPSIE_AUTOSCALER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpsie-autoscaler}"
OUT="$CACHE_ROOT/k8s-$K8S_VERSION"
if has_all "$OUT"; then
  echo "harness: binaries already built in $OUT"
  exit 0
fi

command -v go >/dev/null || { echo "harness: the Go toolchain is required (install Go >= 1.25 from https://go.dev/dl)" >&2; exit 1; }
go_minor="$(go env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
if [ -n "$go_minor" ] && [ "$go_minor" -lt 25 ]; then
  echo "harness: Kubernetes $K8S_VERSION needs Go >= 1.25, found $(go env GOVERSION) (install a newer Go from https://go.dev/dl)" >&2
  exit 1
fi
mkdir -p "$OUT"
# Several test runs may start on a fresh machine at once: one builds, the others wait for it.
if command -v flock >/dev/null; then
  exec 9>"$CACHE_ROOT/.build-$K8S_VERSION.lock"
  if ! flock -n 9; then
    echo "harness: another build into $OUT is running; waiting for it"
    flock 9
  fi
  if has_all "$OUT"; then
    echo "harness: binaries built by the other run in $OUT"
    exit 0
  fi
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CGO_ENABLED=0 GOFLAGS="-mod=mod" GOTOOLCHAIN=local
# Linking kube-apiserver takes a few GiB; two packages at a time keeps a 2-core machine responsive.
PAR="${HARNESS_BUILD_PARALLELISM:-2}"
start=$(date +%s)
step() { echo "harness: [$(( $(date +%s) - start ))s] $*"; }

if [ ! -x "$OUT/etcd" ]; then
  step "building etcd $ETCD_VERSION"
  mkdir -p "$WORK/etcd" && cd "$WORK/etcd"
  cat > go.mod <<MOD
module vpsie-autoscaler/harness/etcd

go 1.23
MOD
  cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
  go mod tidy >/dev/null
  go build -p "$PAR" -trimpath -o "$OUT/etcd.tmp" . && mv "$OUT/etcd.tmp" "$OUT/etcd"
fi

if [ ! -x "$OUT/kwok" ]; then
  step "building kwok $KWOK_VERSION"
  GOBIN="$WORK/kwok-bin" go install -p "$PAR" -trimpath "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$WORK/kwok-bin/kwok" "$OUT/kwok"
fi

if [ ! -x "$OUT/kube-apiserver" ] || [ ! -x "$OUT/kube-scheduler" ] || [ ! -x "$OUT/kube-controller-manager" ]; then
  step "building kube-apiserver, kube-scheduler, kube-controller-manager $K8S_VERSION"
  mkdir -p "$WORK/k8s" && cd "$WORK/k8s"
  # k8s.io/kubernetes points at its staging modules with local replace directives, which
  # `go install pkg@version` refuses; a wrapper module replaces each with its published v0.Y.Z.
  staging_version="v0.${K8S_VERSION#v1.}"
  staging=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' | xargs grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' | awk '{print $1}')
  {
    echo "module vpsie-autoscaler/harness/k8s"
    echo
    echo "go 1.25.0"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $staging_version"; done
    echo ")"
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  go mod tidy >/dev/null 2>&1 || true
  step "downloading modules"
  go mod download >/dev/null
  minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  for cmd in kube-apiserver kube-scheduler kube-controller-manager; do
    step "compiling $cmd"
    go build -p "$PAR" -trimpath -tags tools -ldflags "$ldflags" -o "$OUT/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$OUT/$cmd.tmp" "$OUT/$cmd"
  done
fi
step "done: $OUT"
