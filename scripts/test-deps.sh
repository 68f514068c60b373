#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, and nothing when it is already there:
# - real SMTP peers from Debian: Postfix (and its smtp-sink / smtp-source) and swaks;
# - dnsmasq-base (the binary only, no system service): a loopback DNS server for MX-delivery tests;
# - kube-apiserver, etcd and kubectl for io.fabric8:kube-api-test, built by scripts/testbin.sh.
# Maven comes from the Maven Wrapper (./mvnw), which fetches it from Maven Central on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(postfix swaks iproute2 dnsmasq-base)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "test-deps: installing ${missing[*]}"
  # Postfix must not configure or start a system mail service: tests run their own instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "test-deps: ${PACKAGES[*]} already installed"
fi

scripts/testbin.sh
