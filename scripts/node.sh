#!/usr/bin/env bash
# A one-node Kubernetes cluster for the e2e tests, inside a network namespace of its own.
#
#   scripts/node.sh up       start it (idempotent: does nothing when it is up and healthy)
#   scripts/node.sh down     stop it, remove everything it made, and check that nothing is left
#   scripts/node.sh status   print whether it is up, the kubeconfig path and the host port of the apiserver
#   scripts/node.sh image    build the project's image from the Dockerfile (scripts/node-image.sh) and the
#                            e2e tools image, and import both into the node's containerd
#
# What runs: etcd, kube-apiserver (scripts/testbin.sh), kube-controller-manager, kube-scheduler, kubelet,
# kube-proxy (iptables mode), kube-router (firewall only: NetworkPolicy), CoreDNS (no forward plugin: it
# answers cluster names and nothing else), Debian's containerd + runc + CNI bridge plugin. All of them
# run in the network namespace $NETNS, started with `nsenter --net` (`ip netns exec` would remount /sys
# and hide the cgroup mounts). The namespace has NO default route: only the node subnet ($NODE_CIDR), the
# pod bridge ($POD_CIDR) and the Service range ($SERVICE_CIDR) are routed, so nothing in it can leave.
# The host reaches the apiserver through loopback only: socat from 127.0.0.1:$API_PORT to a unix socket,
# and socat in the namespace from that socket to the apiserver.
#
# Host-wide effects, kept as small as the components allow:
# - the br_netfilter kernel module is loaded and stays loaded (bridged pod traffic must pass iptables for
#   Services and NetworkPolicy); its sysctls are per network namespace and set only inside $NETNS;
# - the kubelet rewrites vm.overcommit_memory, kernel.panic and kernel.panic_on_oops at start: they are
#   saved before, restored once the node is Ready and again by `down`;
# - cgroups under /$CGROUP_ROOT in each cgroup v1 hierarchy (removed by `down`);
# - containerd 1.6 puts shim sockets in /run/containerd/s and the kubelet its device-plugin socket in
#   /var/lib/kubelet/device-plugins whatever their root directories: removed by `down` when this script
#   created them;
# - the lock file $LOCK: one cluster per machine.
# Everything else lives under $STATE_DIR (per run: $RUN_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
PROJECT_DIR=$(pwd)

source scripts/testbin-dirs.sh

STATE_DIR="${MAILRELAY_NODE_DIR:-$HOME/.cache/mailrelay-node}"
RUN_DIR="$STATE_DIR/run"
KUBECONFIG_HOST="$STATE_DIR/kubeconfig"
LOCK=/run/mailrelay-node.lock
NETNS=mailrelay-node
NODE_NAME=mailrelay-node
NODE_CIDR=10.251.0.0/24
NODE_IP=10.251.0.2
POD_CIDR=10.252.0.0/24
SERVICE_CIDR=10.253.0.0/24
KUBERNETES_SERVICE_IP=10.253.0.1
DNS_IP="$NODE_IP"
API_PORT="${MAILRELAY_NODE_API_PORT:-16443}"
CGROUP_ROOT=mailrelay-node
CONTAINERD_SOCK="$RUN_DIR/containerd/containerd.sock"
KUBELET_SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)
# every daemon, in start order; `down` stops them in the reverse order
DAEMONS=(etcd kube-apiserver api-socat-ns api-socat-host containerd kube-controller-manager kube-scheduler
  kubelet kube-proxy kube-router coredns)

step=""
log() { echo "node: $*"; }
fail() { echo "node: FAILED at step '${step}': $*" >&2; exit 1; }
trap 'rc=$?; [[ $rc -eq 0 ]] || echo "node: FAILED at step '"'"'${step}'"'"' (exit $rc); logs in $RUN_DIR/logs" >&2' EXIT

in_ns() { nsenter --net="/var/run/netns/$NETNS" "$@"; }
kubectl_host() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_HOST" "$@"; }
ctr_node() { ctr --address "$CONTAINERD_SOCK" -n k8s.io "$@"; }
pid_of() { [[ -f "$RUN_DIR/pids/$1" ]] && cat "$RUN_DIR/pids/$1"; }
alive() { local pid; pid=$(pid_of "$1") && [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND once a second until it succeeds
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what not reached within ${seconds}s"
    sleep 1
  done
}

# start NAME COMMAND...: a daemon in the namespace, in its own session, logging to logs/NAME.log
start() {
  local name=$1; shift
  if alive "$name"; then log "$name already running (pid $(pid_of "$name"))"; return; fi
  step="start $name"
  # not through in_ns: a function run in the background is a subshell, and $! would be its pid, not the
  # daemon's. 9>&-: the daemons must not inherit the lock.
  nsenter --net="/var/run/netns/$NETNS" setsid "$@" >"$RUN_DIR/logs/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$RUN_DIR/pids/$name"
  sleep 0.2
  alive "$name" || fail "$name exited at once: $(tail -5 "$RUN_DIR/logs/$name.log")"
  log "started $name (pid $(pid_of "$name"))"
}

require() {
  step="check prerequisites"
  local missing=()
  local bin
  for bin in "$KUBE_BIN/etcd" "$KUBE_BIN/kube-apiserver" "$KUBE_BIN/kubectl" "$NODE_BIN/kubelet" \
      "$NODE_BIN/kube-proxy" "$NODE_BIN/kube-scheduler" "$NODE_BIN/kube-controller-manager" \
      "$NODE_BIN/kube-router" "$NODE_BIN/coredns" "$NODE_BIN/pause"; do
    [[ -x "$bin" ]] || missing+=("$bin (scripts/testbin.sh --node)")
  done
  for bin in containerd ctr runc socat nsenter setsid ip iptables ipset conntrack openssl flock buildah; do
    command -v "$bin" >/dev/null || missing+=("$bin (scripts/test-deps.sh --node)")
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] \
    || missing+=("CNI plugins bridge, host-local, loopback in /usr/lib/cni (containernetworking-plugins)")
  ((${#missing[@]} == 0)) || fail "missing: ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || fail "must run as root (network namespace, containerd, kubelet)"
}

# ---------------------------------------------------------------------------------------------- up

certificates() {
  step="certificates"
  local pki="$STATE_DIR/pki"
  [[ -f "$pki/done" ]] && return
  rm -rf "$pki"; mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mailrelay-node-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    # the apiserver's serving certificate: every name and address a client uses for it
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:%s,IP:%s\nextendedKeyUsage=serverAuth\n' \
      "$NODE_IP" "$KUBERNETES_SERVICE_IP" > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # one client identity (system:masters) for every component and the tests: a throw-away cluster
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=mailrelay-node-admin" \
      -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    touch done
  )
}

kubeconfig() { # kubeconfig FILE SERVER
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mailrelay-node
  cluster:
    certificate-authority-data: $(base64 -w0 < "$STATE_DIR/pki/ca.crt")
    server: $2
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 < "$STATE_DIR/pki/admin.crt")
    client-key-data: $(base64 -w0 < "$STATE_DIR/pki/admin.key")
contexts:
- name: mailrelay-node
  context: {cluster: mailrelay-node, user: admin}
current-context: mailrelay-node
EOF
}

network() {
  step="network namespace"
  if ! ip netns list | grep -qx "$NETNS\( (id: [0-9]*)\)\?"; then
    ip netns add "$NETNS"
  fi
  in_ns ip link set lo up
  if ! in_ns ip link show mrnode0 >/dev/null 2>&1; then
    # no dummy netdev on this machine: a veth pair with both ends inside the namespace
    in_ns ip link add mrnode0 type veth peer name mrnode1
  fi
  in_ns ip link set mrnode1 up
  in_ns ip link set mrnode0 up
  in_ns ip addr replace "$NODE_IP/24" dev mrnode0
  # Service IPs are DNATed by kube-proxy; local processes need a route to them to get that far
  in_ns ip route replace "$SERVICE_CIDR" dev mrnode0 src "$NODE_IP"
  if in_ns ip route show default | grep -q .; then fail "the namespace has a default route"; fi
  step="br_netfilter"
  modprobe br_netfilter 2>/dev/null || [[ -d /proc/sys/net/bridge ]] || fail "cannot load br_netfilter"
  in_ns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 \
    net.bridge.bridge-nf-call-ip6tables=1 net.ipv4.conf.all.route_localnet=1
}

save_sysctls() {
  step="save sysctls"
  [[ -f "$STATE_DIR/sysctls.saved" ]] && return
  local name
  for name in "${KUBELET_SYSCTLS[@]}"; do echo "$name=$(sysctl -n "$name")"; done > "$STATE_DIR/sysctls.saved.tmp"
  mv "$STATE_DIR/sysctls.saved.tmp" "$STATE_DIR/sysctls.saved"
}

restore_sysctls() {
  [[ -f "$STATE_DIR/sysctls.saved" ]] || return 0
  local line
  while IFS= read -r line; do sysctl -qw "$line"; done < "$STATE_DIR/sysctls.saved"
}

control_plane() {
  local pki="$STATE_DIR/pki"
  start etcd "$KUBE_BIN/etcd" --data-dir "$RUN_DIR/etcd" --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster default=http://127.0.0.1:2380 \
    --unsafe-no-fsync --quota-backend-bytes 2147483648
  start kube-apiserver "$KUBE_BIN/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
    --bind-address 0.0.0.0 --secure-port 6443 --advertise-address "$NODE_IP" \
    --service-cluster-ip-range "$SERVICE_CIDR" --service-node-port-range 30000-32767 \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC,Node --anonymous-auth=false \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --kubelet-client-certificate "$pki/admin.crt" --kubelet-client-key "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP --allow-privileged=true \
    --cert-dir "$RUN_DIR/apiserver-certs" --profiling=false
  step="apiserver healthy"
  wait_for "apiserver /readyz" 120 in_ns "$KUBE_BIN/kubectl" --kubeconfig "$RUN_DIR/kubeconfig" get --raw /readyz
  start api-socat-ns socat "UNIX-LISTEN:$RUN_DIR/apiserver.sock,fork,unlink-early" TCP:127.0.0.1:6443
  wait_for "apiserver socket" 30 test -S "$RUN_DIR/apiserver.sock"
  # the host side: loopback only
  step="start api-socat-host"
  if ! alive api-socat-host; then
    setsid socat "TCP-LISTEN:$API_PORT,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$RUN_DIR/apiserver.sock" \
      >"$RUN_DIR/logs/api-socat-host.log" 2>&1 < /dev/null 9>&- &
    echo $! > "$RUN_DIR/pids/api-socat-host"
    sleep 0.2
    alive api-socat-host || fail "socat on 127.0.0.1:$API_PORT: $(cat "$RUN_DIR/logs/api-socat-host.log")"
  fi
  wait_for "apiserver through 127.0.0.1:$API_PORT" 30 kubectl_host get --raw /readyz
  start kube-controller-manager "$NODE_BIN/kube-controller-manager" --kubeconfig "$RUN_DIR/kubeconfig" \
    --authentication-kubeconfig "$RUN_DIR/kubeconfig" --authorization-kubeconfig "$RUN_DIR/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=true --cluster-cidr "$POD_CIDR" \
    --node-cidr-mask-size 24 --use-service-account-credentials=false
  start kube-scheduler "$NODE_BIN/kube-scheduler" --kubeconfig "$RUN_DIR/kubeconfig" \
    --authentication-kubeconfig "$RUN_DIR/kubeconfig" --authorization-kubeconfig "$RUN_DIR/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false
}

containerd_up() {
  step="containerd config"
  mkdir -p "$RUN_DIR/containerd" "$RUN_DIR/cni/net.d" "$RUN_DIR/cni/ipam"
  [[ -d /run/containerd ]] || touch "$STATE_DIR/created-run-containerd"
  cat > "$RUN_DIR/containerd/config.toml" <<EOF
version = 2
root = "$RUN_DIR/containerd/root"
state = "$RUN_DIR/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$RUN_DIR/containerd/containerd.sock.ttrpc"
[debug]
  address = "$RUN_DIR/containerd/debug.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "mailrelay.local/pause:1"
  # the VM lacks CAP_SYS_RESOURCE: without this every sandbox fails with "can't get final child's PID"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$RUN_DIR/cni/net.d"
EOF
  cat > "$RUN_DIR/cni/net.d/10-mailrelay-node.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "mailrelay-node",
  "plugins": [
    {
      "type": "bridge", "bridge": "mrcni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {"type": "host-local", "dataDir": "$RUN_DIR/cni/ipam",
               "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  start containerd containerd --config "$RUN_DIR/containerd/config.toml"
  step="containerd ready"
  wait_for "containerd socket" 60 ctr_node version
  step="pause image"
  if ! ctr_node images check "name==mailrelay.local/pause:1" 2>/dev/null | grep -q pause; then
    pause_image "$RUN_DIR/pause.tar"
    ctr_node images import "$RUN_DIR/pause.tar" >/dev/null
    ctr_node images check "name==mailrelay.local/pause:1" | grep -q pause || fail "pause image not imported"
  fi
}

# pause_image FILE: a docker-archive of the pause binary alone (buildah, no registry)
pause_image() {
  local storage=(--root "$STATE_DIR/buildah/root" --runroot "$RUN_DIR/buildah-runroot" --storage-driver vfs)
  local ctr
  ctr=$(buildah "${storage[@]}" from scratch)
  buildah "${storage[@]}" copy "$ctr" "$NODE_BIN/pause" /pause >/dev/null
  buildah "${storage[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$ctr"
  buildah "${storage[@]}" commit -q --rm "$ctr" mailrelay.local/pause:1 >/dev/null
  rm -f "$1"
  buildah "${storage[@]}" push -q mailrelay.local/pause:1 "docker-archive:$1:mailrelay.local/pause:1"
}

node_up() {
  step="kubelet config"
  mkdir -p "$RUN_DIR/kubelet"
  [[ -d /var/lib/kubelet ]] || touch "$STATE_DIR/created-var-lib-kubelet"
  echo "nameserver $DNS_IP" > "$RUN_DIR/resolv.conf"
  cat > "$RUN_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $STATE_DIR/pki/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $RUN_DIR/resolv.conf
failSwapOn: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
registerNode: true
maxPods: 60
EOF
  # the kubelet wants its cgroup root to exist in every hierarchy (cgroup v1)
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -L "${hierarchy%/}" ]] && continue
    mkdir -p "$hierarchy$CGROUP_ROOT"
    if [[ -f "${hierarchy}cpuset.cpus" ]]; then
      cat "${hierarchy}cpuset.cpus" > "$hierarchy$CGROUP_ROOT/cpuset.cpus"
      cat "${hierarchy}cpuset.mems" > "$hierarchy$CGROUP_ROOT/cpuset.mems"
    fi
  done
  start kubelet "$NODE_BIN/kubelet" --config "$RUN_DIR/kubelet.yaml" --kubeconfig "$RUN_DIR/kubeconfig" \
    --root-dir "$RUN_DIR/kubelet" --cert-dir "$RUN_DIR/kubelet/pki" --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP"
  step="node registered"
  wait_for "Node $NODE_NAME registered" 120 kubectl_host get node "$NODE_NAME"
  cat > "$RUN_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $RUN_DIR/kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $POD_CIDR
nodePortAddresses: [$NODE_CIDR]
# 0: leave nf_conntrack_max (host-wide) alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start kube-proxy "$NODE_BIN/kube-proxy" --config "$RUN_DIR/kube-proxy.yaml"
  step="pod CIDR"
  wait_for "the Node's pod CIDR (kube-controller-manager)" 120 node_pod_cidr
  # kube-router must start after the Node exists (it reads its pod CIDR and address from it)
  start kube-router "$NODE_BIN/kube-router" --kubeconfig "$RUN_DIR/kubeconfig" --hostname-override "$NODE_NAME" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --enable-ipv4=true --enable-ipv6=false --metrics-port 0 --health-port 20244
  cat > "$RUN_DIR/Corefile" <<EOF
.:53 {
    bind $DNS_IP
    errors
    kubernetes cluster.local in-addr.arpa {
        kubeconfig $RUN_DIR/kubeconfig
        pods insecure
        fallthrough in-addr.arpa
    }
    # no forward plugin: any other name gets REFUSED/SERVFAIL, never asked outside
    cache 5
}
EOF
  start coredns "$NODE_BIN/coredns" -conf "$RUN_DIR/Corefile"
  step="node Ready"
  wait_for "Node $NODE_NAME Ready" 180 node_ready
  restore_sysctls
  persistent_volumes
  wait_for "default ServiceAccount" 120 kubectl_host -n default get serviceaccount default
}

node_pod_cidr() { [[ $(kubectl_host get node "$NODE_NAME" -o jsonpath='{.spec.podCIDR}') == "$POD_CIDR" ]]; }

node_ready() {
  [[ $(kubectl_host get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

# Static hostPath PersistentVolumes for StatefulSet spools (storage class "" binds to them)
persistent_volumes() {
  step="persistent volumes"
  local i
  for i in 1 2 3 4; do
    mkdir -p "$RUN_DIR/volumes/pv$i"
    chmod 0777 "$RUN_DIR/volumes/pv$i"
    kubectl_host apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: mailrelay-node-pv$i, labels: {mailrelay-node: "true"}}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: $RUN_DIR/volumes/pv$i, type: Directory}
EOF
  done
}

healthy() {
  local name
  for name in "${DAEMONS[@]}"; do alive "$name" || return 1; done
  kubectl_host get --raw /readyz >/dev/null 2>&1 && node_ready
}

refuse_foreign_runtimes() {
  step="no other containerd or kubelet"
  local name pid ours
  for name in containerd kubelet; do
    ours=$(pid_of "$name" || true)
    for pid in $(pgrep -x "$name" || true); do
      [[ "$pid" == "$ours" ]] || fail "another $name runs (pid $pid): one cluster per machine"
    done
  done
}

up() {
  require
  mkdir -p "$STATE_DIR"
  step="lock"
  exec 9> "$LOCK"
  flock -n 9 || fail "another node.sh holds $LOCK"
  if [[ -d "$RUN_DIR" ]] && healthy; then log "already up"; status; return; fi
  refuse_foreign_runtimes
  if [[ -d "$RUN_DIR" ]]; then
    log "a previous run left state behind: tearing it down first"
    teardown
  fi
  local t0=$SECONDS
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids"
  certificates
  kubeconfig "$RUN_DIR/kubeconfig" https://127.0.0.1:6443
  kubeconfig "$KUBECONFIG_HOST" "https://127.0.0.1:$API_PORT"
  save_sysctls
  network
  control_plane
  containerd_up
  node_up
  step="done"
  log "up in $((SECONDS - t0))s"
  status
}

# -------------------------------------------------------------------------------------------- down

stop_daemon() { # stop_daemon NAME SECONDS
  local name=$1 pid
  pid=$(pid_of "$name" || true)
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored SIGTERM for $2s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$RUN_DIR/pids/$name"
}

# processes started from this run's files: shims (their -address is our socket), containers' processes
# (their cgroup is under ours), daemons. Found by that, never by a name alone.
our_processes() {
  local pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$pid" == "$$" ]] && continue
    if { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$RUN_DIR/"; then echo "$pid"; continue; fi
    if grep -q ":/$CGROUP_ROOT/" "/proc/$pid/cgroup" 2>/dev/null; then echo "$pid"; continue; fi
  done
}

our_mounts() { awk -v run="$RUN_DIR/" 'index($5, run) == 1 {print $5}' /proc/self/mountinfo; }

our_cgroups() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    [[ -d "$hierarchy$CGROUP_ROOT" ]] && find "$hierarchy$CGROUP_ROOT" -depth -type d
  done
  return 0
}

teardown() {
  step="teardown: pods"
  if alive kube-apiserver && alive kubelet; then
    # no controller may recreate what is deleted, then every pod gets its real SIGTERM from the kubelet
    stop_daemon kube-controller-manager 20
    stop_daemon kube-scheduler 20
    kubectl_host delete pods --all -A --grace-period=10 --timeout=90s --wait=true >/dev/null 2>&1 \
      || log "some pods did not go within 90s: their containers are removed below"
  fi
  step="teardown: kubelet"
  stop_daemon kube-router 20
  stop_daemon kube-proxy 20
  stop_daemon coredns 20
  stop_daemon kubelet 30
  step="teardown: containers"
  if alive containerd; then
    local task
    for task in $(ctr_node tasks list -q 2>/dev/null); do ctr_node tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true; done
    sleep 1
    for task in $(ctr_node tasks list -q 2>/dev/null); do ctr_node tasks delete -f "$task" >/dev/null 2>&1 || true; done
    for task in $(ctr_node containers list -q 2>/dev/null); do ctr_node containers delete "$task" >/dev/null 2>&1 || true; done
  fi
  stop_daemon containerd 30
  step="teardown: control plane"
  stop_daemon api-socat-host 10
  stop_daemon api-socat-ns 10
  stop_daemon kube-controller-manager 20
  stop_daemon kube-scheduler 20
  stop_daemon kube-apiserver 30
  stop_daemon etcd 30
  step="teardown: leftover processes"
  local pid
  for pid in $(our_processes); do log "leftover process $pid: $(tr '\0' ' ' < /proc/$pid/cmdline | cut -c1-120)"; kill -KILL "$pid" 2>/dev/null || true; done
  sleep 0.5
  step="teardown: mounts"
  local mount
  for mount in $(our_mounts | sort -r); do umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true; done
  step="teardown: cgroups"
  local cg
  for cg in $(our_cgroups); do rmdir "$cg" 2>/dev/null || true; done
  step="teardown: network namespace"
  if ip netns list | grep -q "^$NETNS\b"; then ip netns delete "$NETNS"; fi
  step="teardown: files"
  rm -rf /run/containerd/s 2>/dev/null || true
  if [[ -f "$STATE_DIR/created-run-containerd" ]]; then rm -rf /run/containerd; rm -f "$STATE_DIR/created-run-containerd"; fi
  if [[ -f "$STATE_DIR/created-var-lib-kubelet" ]]; then rm -rf /var/lib/kubelet; rm -f "$STATE_DIR/created-var-lib-kubelet"; fi
  rm -rf "$RUN_DIR"
  step="teardown: sysctls"
  restore_sysctls
  rm -f "$STATE_DIR/sysctls.saved"
}

# every leftover is named, and any leftover fails `down`
verify_clean() {
  step="check nothing is left"
  local left=()
  local pid
  for pid in $(our_processes); do left+=("process $pid"); done
  [[ -z "$(our_mounts)" ]] || left+=("mounts: $(our_mounts | tr '\n' ' ')")
  [[ -z "$(our_cgroups)" ]] || left+=("cgroups: $(our_cgroups | tr '\n' ' ')")
  ! ip netns list | grep -q "^$NETNS\b" || left+=("network namespace $NETNS")
  [[ ! -e "$RUN_DIR" ]] || left+=("$RUN_DIR")
  if [[ -f "$STATE_DIR/sysctls.before-down" ]]; then
    local line
    while IFS= read -r line; do
      [[ "$(sysctl -n "${line%%=*}")" == "${line#*=}" ]] || left+=("sysctl ${line%%=*}=$(sysctl -n "${line%%=*}"), was ${line#*=}")
    done < "$STATE_DIR/sysctls.before-down"
    rm -f "$STATE_DIR/sysctls.before-down"
  fi
  ((${#left[@]} == 0)) || fail "left behind: ${left[*]}"
  log "down: no process, mount, cgroup, network namespace or changed sysctl left"
}

down() {
  require
  mkdir -p "$STATE_DIR"
  step="lock"
  exec 9> "$LOCK"
  flock -w 60 9 || fail "another node.sh holds $LOCK"
  local t0=$SECONDS
  [[ -f "$STATE_DIR/sysctls.saved" ]] && cp "$STATE_DIR/sysctls.saved" "$STATE_DIR/sysctls.before-down"
  teardown
  verify_clean
  step="done"
  log "down in $((SECONDS - t0))s"
}

status() {
  step="status"
  if [[ -d "$RUN_DIR" ]] && healthy; then
    echo "node: up"
  else
    echo "node: down"
    [[ -d "$RUN_DIR" ]] && echo "node: (state of a broken run in $RUN_DIR: scripts/node.sh down)"
  fi
  echo "kubeconfig: $KUBECONFIG_HOST"
  echo "apiserver: https://127.0.0.1:$API_PORT"
  echo "kubectl: $KUBE_BIN/kubectl"
  echo "helm: $HELM_BIN"
  echo "containerd: $CONTAINERD_SOCK"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  image) shift; exec "$PROJECT_DIR/scripts/node-image.sh" "$@" ;;
  *) echo "usage: $0 up|down|status|image" >&2; exit 2 ;;
esac
