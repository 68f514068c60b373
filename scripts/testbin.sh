#!/usr/bin/env bash
# Builds the binaries that io.fabric8:kube-api-test runs in offline mode (kube-apiserver, etcd, kubectl),
# and helm for the chart tests,
# from the Go module proxy, into the layout it reads: $KUBE_API_TEST_DIR/k8s/<version>-linux-<arch>/.
#
# Why build: the machine has no internet beyond package registries, so the envtest tarballs cannot be
# downloaded. k8s.io/kubernetes is consumed the way other projects do: a throw-away go.mod requiring
# it, with every k8s.io/* staging module pinned by `replace` to its matching v0.Y.Z release.
# etcd is built from the same module graph (the go.etcd.io/etcd/server/v3 version Kubernetes pins),
# because Debian bookworm's etcd 3.4 is older than what current Kubernetes supports.
#
# With --node it also builds what scripts/node.sh runs, into $KUBE_API_TEST_DIR/node/<version>-linux-<arch>/:
# kubelet, kube-proxy, kube-scheduler and kube-controller-manager from the same module graph,
# kube-router (NetworkPolicy, firewall-only) and CoreDNS (cluster DNS) with `go install pkg@version`,
# and pause, a tiny static Go program for the sandbox image.
#
# Cached: when the binaries for the pinned versions exist, this does nothing.
# Fails loudly (set -e, the build's own error) and never falls back to anything else.
set -euo pipefail

node=false
for arg in "$@"; do
  case "$arg" in
    --node) node=true ;;
    *) echo "usage: $0 [--node]" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/testbin-dirs.sh"
TARGET="$KUBE_BIN"
NODE_TARGET="$NODE_BIN"
KUBE_ROUTER_VERSION="${KUBE_ROUTER_VERSION:-2.1.0}"
COREDNS_VERSION="${COREDNS_VERSION:-1.15.0}"
NODE_COMMANDS=(kubelet kube-proxy kube-scheduler kube-controller-manager)

# Go is installed outside the default PATH on some machines
[[ -d /usr/local/go/bin ]] && export PATH="$PATH:/usr/local/go/bin"
# Never let Go download another toolchain behind our back: use the machine's, or fail.
export GOTOOLCHAIN=local
export CGO_ENABLED=0
require_go() {
  command -v go >/dev/null || { echo "testbin: Go toolchain not found on PATH (expected /usr/local/go/bin/go)" >&2; exit 1; }
}

# helm, for the chart tests (helm lint / helm template against the real API server)
if [[ -x "$HELM_BIN" ]]; then
  echo "testbin: helm cached in $HELM_BIN"
else
  require_go
  echo "testbin: building helm v${HELM_VERSION}"
  mkdir -p "$(dirname "$HELM_BIN")"
  GOBIN="$(dirname "$HELM_BIN")" go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}"
  "$HELM_BIN" version --short
fi

node_cached() {
  local cmd
  for cmd in "${NODE_COMMANDS[@]}" kube-router coredns pause; do [[ -x "$NODE_TARGET/$cmd" ]] || return 1; done
}
if [[ -x "$TARGET/kube-apiserver" && -x "$TARGET/etcd" && -x "$TARGET/kubectl" ]]; then
  echo "testbin: cached in $TARGET"
  if ! $node; then exit 0; fi
  if node_cached; then echo "testbin: node binaries cached in $NODE_TARGET"; exit 0; fi
  build_kube=false
else
  build_kube=true
fi

require_go
export GOFLAGS="${GOFLAGS:-} -mod=mod"

MINOR="${K8S_VERSION#*.}"; MINOR="${MINOR%%.*}"
STAGING_VERSION="v0.${K8S_VERSION#*.}"
BUILD_DIR="$TESTBIN_DIR/build-${K8S_VERSION}"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR/etcd" "$BUILD_DIR/tools"
$build_kube && mkdir -p "$TARGET.tmp"
cd "$BUILD_DIR"

echo "testbin: resolving k8s.io/kubernetes v${K8S_VERSION} (staging modules ${STAGING_VERSION})"
KUBE_GOMOD=$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
[[ -f "$KUBE_GOMOD" ]] || { echo "testbin: could not download k8s.io/kubernetes@v${K8S_VERSION}" >&2; exit 1; }
GO_DIRECTIVE=$(sed -n 's/^go \(.*\)$/\1/p' "$KUBE_GOMOD")

{
  echo "module mailrelay.io/testbin"
  echo
  echo "go ${GO_DIRECTIVE}"
  echo
  echo "require k8s.io/kubernetes v${K8S_VERSION}"
  echo
  echo "replace ("
  # every `k8s.io/x => ./staging/src/k8s.io/x` becomes `k8s.io/x => k8s.io/x v0.Y.Z`
  sed -n "s#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/k8s.io/.*#\t\1 => \1 ${STAGING_VERSION}#p" "$KUBE_GOMOD"
  echo ")"
} > go.mod

cat > tools/tools.go <<'GO'
//go:build tools

// Package tools pins the Kubernetes commands this module builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
if $node; then
  cat > tools/node.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
fi
cat > etcd/main.go <<'GO'
// etcd is the etcd server at the version Kubernetes itself requires.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO

echo "testbin: go mod tidy"
go mod tidy

LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=v${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${MINOR}"
  LDFLAGS+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done

if $build_kube; then
  echo "testbin: building kube-apiserver (this takes several minutes on a small machine)"
  go build -trimpath -ldflags "$LDFLAGS" -o "$TARGET.tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  echo "testbin: building kubectl"
  go build -trimpath -ldflags "$LDFLAGS" -o "$TARGET.tmp/kubectl" k8s.io/kubernetes/cmd/kubectl
  echo "testbin: building etcd"
  go build -trimpath -ldflags "-s -w" -o "$TARGET.tmp/etcd" ./etcd

  "$TARGET.tmp/kube-apiserver" --version
  # not `| head -1`: under pipefail, etcd's next line into the closed pipe kills it (SIGPIPE, exit 141)
  etcd_version=$("$TARGET.tmp/etcd" --version)
  echo "${etcd_version%%$'\n'*}"
  "$TARGET.tmp/kubectl" version --client

  rm -rf "$TARGET"
  mv "$TARGET.tmp" "$TARGET"
  echo "testbin: installed in $TARGET"
fi

if $node; then
  rm -rf "$NODE_TARGET.tmp"; mkdir -p "$NODE_TARGET.tmp" pause
  for cmd in "${NODE_COMMANDS[@]}"; do
    echo "testbin: building $cmd"
    go build -trimpath -ldflags "$LDFLAGS" -o "$NODE_TARGET.tmp/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  done
  # their own module graphs, neither with replace directives: `go install pkg@version` builds them as released
  echo "testbin: building kube-router v${KUBE_ROUTER_VERSION}"
  GOFLAGS= GOBIN="$NODE_TARGET.tmp" go install -trimpath -ldflags "-s -w" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@v${KUBE_ROUTER_VERSION}"
  echo "testbin: building CoreDNS v${COREDNS_VERSION}"
  GOFLAGS= GOBIN="$NODE_TARGET.tmp" go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v${COREDNS_VERSION}"
  cat > pause/main.go <<'GO'
// pause is the sandbox container: it sleeps until SIGTERM or SIGINT and then exits 0,
// reaping zombies meanwhile (it is PID 1 of the pod's shared PID namespace when there is one).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			if pid, _ := syscall.Wait4(-1, nil, syscall.WNOHANG, nil); pid <= 0 {
				break
			}
		}
	}
}
GO
  go build -trimpath -ldflags "-s -w" -o "$NODE_TARGET.tmp/pause" ./pause
  "$NODE_TARGET.tmp/kubelet" --version
  "$NODE_TARGET.tmp/kube-router" --version 2>&1 | head -3 || true
  "$NODE_TARGET.tmp/coredns" -version
  rm -rf "$NODE_TARGET"
  mv "$NODE_TARGET.tmp" "$NODE_TARGET"
  echo "testbin: node binaries installed in $NODE_TARGET"
fi
rm -rf "$BUILD_DIR"
