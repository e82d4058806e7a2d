#!/usr/bin/env bash
# Installs everything sixpn needs on a fresh Debian machine with Node 20, as root: the system packages
# (WireGuard userspace + tools, nftables, iproute2, DNS tools, unbound, PostgreSQL) and the npm dependencies.
# Safe to run again. It never changes the machine's own interfaces, routes, firewall or resolver.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(wireguard-go wireguard-tools nftables iproute2 iputils-ping dnsutils dnsperf unbound postgresql procps util-linux)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
echo "setup: ok"
