#!/usr/bin/env bash
# Regenerates crds/ from the Java model (io.mailrelay.api) after a change to it.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test -Dtest=CrdsUpToDateTest -Dmailrelay.update-crds=true -Dsurefire.failIfNoSpecifiedTests=false "$@"
echo "crds/ regenerated:"
git status --short crds/
# the copies Helm and `kubectl apply -f deploy/` install (InstallManifestsKubeTest keeps them identical)
for crd in crds/*.yml; do
  cp "$crd" "helm/mailrelay-operator/crds/$(basename "$crd")"
done
cat crds/*.yml > deploy/10-crd.yaml
git status --short helm/mailrelay-operator/crds/ deploy/10-crd.yaml
