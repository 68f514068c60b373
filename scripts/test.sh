#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs the test peers, the Kubernetes test
# binaries and the e2e node's packages and binaries (cached after the first run), builds and runs every
# tier with the Maven Wrapper, then the e2e tier on the one-node cluster of scripts/node.sh.
# Arguments go to the first Maven run (e.g. -Dtest=...); MAILRELAY_SKIP_E2E=true leaves out the e2e tier.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
scripts/test-deps.sh --node
echo "test.sh: dependencies in $((SECONDS - t0))s"
t1=$SECONDS
./mvnw -B --no-transfer-progress verify "$@"
echo "test.sh: unit, smtp, kube and packaged tiers in $((SECONDS - t1))s"
[[ "${MAILRELAY_SKIP_E2E:-false}" == true ]] && exit 0
# The e2e test brings the node up and down itself; this trap takes it down however the run ends (a failing
# test, a killed JVM, Ctrl-C), and `down` fails when anything is left behind.
down() {
  local rc=$?
  trap - EXIT INT TERM
  bash scripts/node.sh down || rc=1
  exit "$rc"
}
trap down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
t2=$SECONDS
./mvnw -B --no-transfer-progress verify -Pe2e
echo "test.sh: e2e tier in $((SECONDS - t2))s; whole run $((SECONDS - t0))s"
