#!/usr/bin/env bash
# The main job, on a fresh machine with no cluster: installs what it needs (as the tests do), builds the
# application, then runs a real kube-apiserver, the packaged operator and its relays on loopback
# (io.mailrelay.demo.LocalDemo). Pass --keep to leave everything running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
./mvnw -B -q --no-transfer-progress package -DskipTests
./mvnw -B -q --no-transfer-progress dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/demo.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/demo.classpath)" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  io.mailrelay.demo.LocalDemo "$@"
