#!/usr/bin/env bash
# The operator at scale: the packaged operator, with the JVM options, environment and memory limit of its Deployment
# in deploy/20-operator.yaml, against a real kube-apiserver (a second Service range, 10.96.0.0/16, as a ServiceCIDR
# object, so that 1,000 relays get their ClusterIPs), 100 then 1,000 MailRelays created at once, timed until every one
# has its dependents with ConfigValid and Applied True; then a spec change to all of them, timed until every ConfigMap
# has it. Prints the operator's peak resident set and heap, the API requests per MailRelay by verb and resource, the
# reconciliations per MailRelay and the CPU seconds per process, beside the targets of issue "Fast and small" (1,000
# in < 60 s, peak RSS < 200 MB). Loopback only; no relay pods run (no kubelet).
#   bench/operator-scale.sh [COUNT...]      # default: 100 1000
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q --no-transfer-progress package -DskipTests
./mvnw -B -q --no-transfer-progress dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  io.mailrelay.operator.OperatorScaleBench "$@"
