#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, and nothing when it is already there:
# - real SMTP peers from Debian: Postfix (and its smtp-sink / smtp-source) and swaks, with the Perl
#   modules swaks needs for --tls and --auth (Debian only "recommends" or "suggests" them);
# - dnsmasq-base (the binary only, no system service): a loopback DNS server for MX-delivery tests;
# - iproute2 (`ip netns`) for tests that make their own network namespaces;
# - dkimpy (python3-dkim, with python3-nacl for ed25519 and python3-dnspython): the independent DKIM verifier;
# - nmap with its smtp-open-relay script: the most common open-relay tester, run against the relay;
# - kube-apiserver, etcd and kubectl for io.fabric8:kube-api-test, built by scripts/testbin.sh.
# With --node, also what scripts/node.sh (the one-node cluster of the e2e tier) runs: containerd, runc and
# the CNI plugins, iptables/ipset/conntrack (kube-proxy, kube-router), socat (the apiserver on loopback),
# buildah and debootstrap (images without a registry), and `scripts/testbin.sh --node` (kubelet,
# kube-proxy, kube-scheduler, kube-controller-manager, kube-router, CoreDNS, pause).
# Maven comes from the Maven Wrapper (./mvnw), which fetches it from Maven Central on first use.
#
# Then it asserts the capabilities the tests use, not package names: a package can be installed and still
# lack what a test needs (swaks without Net::SSLeay installs fine and then cannot do STARTTLS).
#
# Options: --check asserts the capabilities and installs nothing; --no-kube-binaries leaves out
# scripts/testbin.sh (used to prove the script on a new machine in a folder, a debootstrap chroot);
# --node adds the e2e node's packages and binaries (above).
set -euo pipefail
cd "$(dirname "$0")/.."

check_only=false
kube_binaries=true
node=false
for arg in "$@"; do
  case "$arg" in
    --check) check_only=true ;;
    --no-kube-binaries) kube_binaries=false ;;
    --node) node=true ;;
    *) echo "usage: $0 [--check] [--no-kube-binaries] [--node]" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  postfix swaks iproute2 dnsmasq-base procps nmap iptables openssl python3-dkim python3-nacl python3-dnspython
  libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl libnet-dns-perl libio-socket-inet6-perl
)
NODE_PACKAGES=(
  containerd runc containernetworking-plugins iptables ipset conntrack socat buildah debootstrap openssl
  util-linux
)
$node && PACKAGES+=("${NODE_PACKAGES[@]}")
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})) && ! $check_only; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "test-deps: installing ${missing[*]}"
  # Postfix must not configure or start a system mail service: tests run their own instances.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif ((${#missing[@]})); then
  echo "test-deps: not installed: ${missing[*]}"
else
  echo "test-deps: ${PACKAGES[*]} already installed"
fi

# Capabilities, each failure naming what is missing and why a test needs it.
failures=()
fail() { failures+=("$1"); }
support=$(swaks --support 2>&1 || true)
# TLS: STARTTLS tests; Basic AUTH and AUTH CRAM-MD5: AUTH tests; IPv6: tests on ::1.
for cap in "TLS" "Basic AUTH" "AUTH CRAM-MD5" "IPv6"; do
  grep -q "^=== ${cap} supported" <<<"$support" \
    || fail "swaks cannot do ${cap}: $(grep "^\*\*\* ${cap} " <<<"$support" | head -1)"
done
PATH="$PATH:/usr/sbin:/usr/lib/postfix/sbin"
for tool in postconf smtp-sink smtp-source; do
  command -v "$tool" >/dev/null || fail "$tool not found (Postfix test peers)"
done
# smtp-sink and smtp-source print their usage and exit non-zero without arguments: runnable means that
# usage came out, not "not found" or a loader error.
grep -q "usage: smtp-sink" <<<"$(smtp-sink 2>&1 || true)" || fail "smtp-sink is not runnable"
grep -q "usage: .*smtp-source" <<<"$(smtp-source 2>&1 || true)" || fail "smtp-source is not runnable"
[[ -x /usr/lib/postfix/sbin/master ]] || fail "the Postfix master daemon (/usr/lib/postfix/sbin/master) is missing"
postconf -d -h mail_version >/dev/null 2>&1 || fail "postconf does not run"
dnsmasq --version 2>/dev/null | grep -q '^Dnsmasq version' || fail "dnsmasq is not runnable (MX tests)"
ip -V >/dev/null 2>&1 || fail "ip (iproute2) is not runnable"
# dkimpy signs and verifies rsa-sha256 and ed25519-sha256 (RFC 8463, needs nacl), keys served by a dnsfunc: what
# the DKIM tests ask of it, with their dnspython resolver (dkimverify's) pointed at the test's dnsmasq.
/usr/bin/python3 - <<'PY' 2>/dev/null | grep -q '^dkim ok$' || fail "dkimpy cannot verify rsa-sha256 and ed25519-sha256 (python3-dkim, python3-nacl, python3-dnspython: RelayDkimSmtpTest)"
import base64, subprocess, dkim, dns.resolver, nacl.signing
msg = b"From: a@a.test\r\nSubject: x\r\n\r\nbody\r\n"
pem = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, check=True).stdout
der = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True).stdout
ed = nacl.signing.SigningKey.generate()
rsa_sig = dkim.sign(msg, b"r", b"a.test", pem)
ed_sig = dkim.sign(msg, b"e", b"a.test", base64.b64encode(bytes(ed)), signature_algorithm=b"ed25519-sha256")
txt = {b"r._domainkey.a.test.": b"v=DKIM1; k=rsa; p=" + base64.b64encode(der),
       b"e._domainkey.a.test.": b"v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(ed.verify_key))}
dns.resolver.Resolver(configure=False)
lookup = lambda name, timeout=5: txt.get(name)
ok = dkim.verify(rsa_sig + msg, dnsfunc=lookup) and dkim.verify(ed_sig + msg, dnsfunc=lookup)
print("dkim ok" if ok else "dkim failed")
PY
nmap --version 2>/dev/null | grep -q '^Nmap version' || fail "nmap is not runnable"
nmap --script-help smtp-open-relay 2>/dev/null | grep -q '^smtp-open-relay' \
  || fail "nmap has no smtp-open-relay script (NmapOpenRelaySmtpTest)"
iptables --version 2>/dev/null | grep -q '^iptables v' || fail "iptables is not runnable (SnatProbeIT: a real SNAT in network namespaces)"
# SnatProbeIT needs a network namespace with a nat rule; where the kernel or the sandbox cannot, the test skips
# naming why, so this is a notice, not a failure
snat_check="mrdepscheck$$"
if ip netns add "$snat_check" 2>/dev/null; then
  ip netns exec "$snat_check" iptables -t nat -A POSTROUTING -o lo -j MASQUERADE 2>/dev/null \
    || echo "test-deps: notice: no nat rule possible in a network namespace: SnatProbeIT will skip" >&2
  ip netns del "$snat_check"
else
  echo "test-deps: notice: cannot create a network namespace (needs root): SnatProbeIT will skip" >&2
fi
if $node; then
  containerd --version 2>/dev/null | grep -q '^containerd ' || fail "containerd is not runnable (e2e node)"
  runc --version 2>/dev/null | grep -q '^runc version' || fail "runc is not runnable (e2e node)"
  buildah --version 2>/dev/null | grep -q '^buildah version' || fail "buildah is not runnable (e2e images)"
  for plugin in bridge host-local loopback portmap; do
    [[ -x /usr/lib/cni/$plugin ]] || fail "CNI plugin $plugin missing in /usr/lib/cni (e2e node)"
  done
  iptables --version 2>/dev/null | grep -q '^iptables v' || fail "iptables is not runnable (kube-proxy, kube-router)"
  ipset --version 2>/dev/null | grep -q '^ipset v' || fail "ipset is not runnable (kube-router)"
  conntrack --version 2>/dev/null | grep -q '^conntrack v' || fail "conntrack is not runnable (kube-proxy)"
  socat -V 2>/dev/null | grep -q '^socat version' || fail "socat is not runnable (the node's apiserver on loopback)"
  [[ -x /usr/sbin/debootstrap ]] || fail "debootstrap missing (the e2e base image)"
  nsenter --version 2>/dev/null | grep -q 'nsenter from util-linux' || fail "nsenter is not runnable (e2e node)"
fi
if ((${#failures[@]})); then
  printf 'test-deps: missing capability: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "test-deps: capabilities present: swaks TLS/AUTH/IPv6, postfix, smtp-sink, smtp-source, dnsmasq, ip, dkimpy rsa/ed25519, nmap smtp-open-relay, iptables"

$node && echo "test-deps: node capabilities present: containerd, runc, CNI bridge/host-local/loopback/portmap, iptables, ipset, conntrack, socat, buildah, debootstrap, nsenter"

if $kube_binaries && ! $check_only; then
  if $node; then scripts/testbin.sh --node; else scripts/testbin.sh; fi
fi
