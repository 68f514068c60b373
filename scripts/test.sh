#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs the test peers and the Kubernetes
# test binaries (cached after the first run), then builds and runs all tests with the Maven Wrapper.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-deps.sh
exec ./mvnw -B --no-transfer-progress verify "$@"
