# Where scripts/testbin.sh puts what it builds, and for which versions; sourced by testbin.sh and node.sh.
K8S_VERSION="${K8S_VERSION:-1.36.3}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
TESTBIN_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64|arm64) ARCH=arm64 ;;
  *) echo "$0: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
# kube-apiserver, etcd, kubectl: the layout io.fabric8:kube-api-test reads
KUBE_BIN="$TESTBIN_DIR/k8s/${K8S_VERSION}-linux-${ARCH}"
# what scripts/node.sh runs besides (testbin.sh --node)
NODE_BIN="$TESTBIN_DIR/node/${K8S_VERSION}-linux-${ARCH}"
HELM_BIN="$TESTBIN_DIR/tools/helm-${HELM_VERSION}/helm"
