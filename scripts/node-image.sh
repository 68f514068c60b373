#!/usr/bin/env bash
# Builds the images the e2e tests run on scripts/node.sh's cluster, without any registry, and imports
# them into the node's containerd:
# - the project's image, from the Dockerfile itself (`buildah bud`), on a base built here:
#   `debootstrap --variant=minbase bookworm` + openjdk-17-jre-headless, passed as the BASE_IMAGE build-arg;
# - mailrelay.local/e2e-tools:1, the same base with Postfix (smtp-sink, the in-cluster mail sink) and
#   swaks (the SMTP client of client and outsider pods).
# The base root filesystems are cached in $STATE_DIR/base (delete it to rebuild them); buildah's storage
# (vfs driver: no mounts left behind) in $STATE_DIR/buildah. The application must be packaged first
# (./mvnw package: target/quarkus-app).
#
#   scripts/node-image.sh [IMAGE]   default IMAGE: mailrelay/mailrelay-operator:e2e
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${1:-mailrelay/mailrelay-operator:e2e}"
TOOLS_IMAGE=mailrelay.local/e2e-tools:1
BASE_IMAGE=mailrelay.local/base:bookworm-jre17
STATE_DIR="${MAILRELAY_NODE_DIR:-$HOME/.cache/mailrelay-node}"
BASE_DIR="$STATE_DIR/base"
CONTAINERD_SOCK="$STATE_DIR/run/containerd/containerd.sock"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
STORAGE=(--root "$STATE_DIR/buildah/root" --runroot "$STATE_DIR/buildah/runroot" --storage-driver vfs)

step=""
trap 'rc=$?; [[ $rc -eq 0 ]] || echo "node-image: FAILED at step '"'"'${step}'"'"' (exit $rc)" >&2' EXIT
log() { echo "node-image: $*"; }
bah() { buildah "${STORAGE[@]}" "$@"; }


# chroot_run ROOT COMMAND...: with /proc and /dev mounted for package scripts, always unmounted again
chroot_run() {
  local root=$1; shift
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  local rc=0
  chroot "$root" "$@" || rc=$?
  umount "$root/dev"; umount "$root/proc"
  return $rc
}

pack() { # pack ROOT TARBALL
  tar -C "$1" --numeric-owner --exclude='./proc/*' --exclude='./dev/*' --exclude='./sys/*' \
    --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*' -cf "$2.tmp" .
  mv "$2.tmp" "$2"
}

base_rootfs() {
  [[ -f "$BASE_DIR/base.tar" && -f "$BASE_DIR/tools.tar" ]] && { log "base root filesystems cached in $BASE_DIR"; return; }
  step="debootstrap"
  local root="$BASE_DIR/rootfs"
  local t0=$SECONDS
  # a finished debootstrap is kept until both tarballs exist (a failed package step then resumes from it)
  if [[ ! -f "$BASE_DIR/rootfs.done" ]]; then
    rm -rf "$root"; mkdir -p "$root"
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" > "$BASE_DIR/debootstrap.log" 2>&1 \
      || { tail -20 "$BASE_DIR/debootstrap.log" >&2; exit 1; }
    touch "$BASE_DIR/rootfs.done"
    log "debootstrap in $((SECONDS - t0))s"
  fi
  # package scripts must not start services in the chroot
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
  step="openjdk-17-jre-headless"
  chroot_run "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    openjdk-17-jre-headless > "$BASE_DIR/jre.log" 2>&1 || { tail -20 "$BASE_DIR/jre.log" >&2; exit 1; }
  # java finds its libraries through /proc/self/exe
  chroot_run "$root" java -version 2>&1 | head -1
  step="pack base"
  chroot_run "$root" apt-get clean
  pack "$root" "$BASE_DIR/base.tar"
  step="postfix and swaks (tools)"
  echo "postfix postfix/main_mailer_type select No configuration" | chroot "$root" debconf-set-selections
  chroot_run "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postfix swaks > "$BASE_DIR/tools.log" 2>&1 || { tail -20 "$BASE_DIR/tools.log" >&2; exit 1; }
  chroot_run "$root" apt-get clean
  step="pack tools"
  pack "$root" "$BASE_DIR/tools.tar"
  rm -rf "$root" "$BASE_DIR/rootfs.done"
  log "base root filesystems built in $((SECONDS - t0))s"
}

# image_from_tar TARBALL NAME: an image of one layer, the unpacked tarball (buildah add unpacks archives)
image_from_tar() {
  local stamp="$BASE_DIR/$(basename "$1").image"
  if [[ "$stamp" -nt "$1" ]] && bah inspect --type image "$2" >/dev/null 2>&1; then return; fi
  step="image $2"
  local ctr
  ctr=$(bah from scratch)
  bah add "$ctr" "$1" / >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  bah commit -q --rm "$ctr" "$2" >/dev/null
  touch "$stamp"
}

import() { # import NAME (skipped when the node has this very image from this run already)
  step="import $1"
  local id stamp
  id=$(bah inspect --type image --format '{{.FromImageID}}' "$1")
  stamp="$STATE_DIR/run/images/$(echo "$1" | tr '/:' '__')"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$id" ]]; then log "$1 already in the node's containerd"; return; fi
  local archive="$STATE_DIR/buildah/$(echo "$1" | tr '/:' '__').tar"
  rm -f "$archive"
  bah push -q "$1" "docker-archive:$archive:$1"
  ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$archive" >/dev/null
  rm -f "$archive"
  mkdir -p "$(dirname "$stamp")"; echo "$id" > "$stamp"
  log "imported $1 into the node's containerd"
}

mkdir -p "$BASE_DIR" "$STATE_DIR/buildah"
t0=$SECONDS
base_rootfs
image_from_tar "$BASE_DIR/base.tar" "$BASE_IMAGE"
image_from_tar "$BASE_DIR/tools.tar" "$TOOLS_IMAGE"
step="packaged application"
[[ -f target/quarkus-app/quarkus-run.jar ]] || { echo "node-image: target/quarkus-app missing: ./mvnw package first" >&2; exit 1; }
step="buildah bud"
# The Dockerfile as it is, its base image given as a build-arg. RUN steps in chroot isolation (buildah then
# allows only the "host" network), and that host network is a new, empty network namespace (unshare -n):
# no interface but a loopback that is down, so no RUN step can reach anything.
unshare --net buildah "${STORAGE[@]}" bud --pull=never --isolation chroot --network host --layers --format docker \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" -f Dockerfile . > "$STATE_DIR/buildah/bud.log" 2>&1 \
  || { tail -30 "$STATE_DIR/buildah/bud.log" >&2; exit 1; }
step="node"
[[ -S "$CONTAINERD_SOCK" ]] || { echo "node-image: the node is not up (scripts/node.sh up)" >&2; exit 1; }
import "$IMAGE"
import "$TOOLS_IMAGE"
step="done"
log "images built and imported in $((SECONDS - t0))s"
