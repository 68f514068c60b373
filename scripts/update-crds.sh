#!/usr/bin/env bash
# Regenerates crds/ from the Java model (io.mailrelay.api) after a change to it.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test -Dtest=CrdsUpToDateTest -Dmailrelay.update-crds=true -Dsurefire.failIfNoSpecifiedTests=false "$@"
echo "crds/ regenerated:"
git status --short crds/
