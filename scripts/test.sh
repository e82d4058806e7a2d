#!/usr/bin/env bash
# The whole test suite, in CI order: lint/format → unused code → typecheck → build → unit → integration.
# Integration tests need root (network namespaces, nftables, wireguard-go) and skip themselves otherwise.
# It closes with one line `tests: N passed, N failed` summed over both runs.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 24 ]; then
  echo "sixpn needs Node.js 24 or newer (this is $(node --version 2>/dev/null || echo none)): run scripts/setup.sh" >&2
  exit 1
fi
out=$(mktemp -d /tmp/sixpn-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "== lint and format"
npx biome check . || exit 1
echo "== unused files, exports and dependencies (knip)"
npx knip --no-progress || exit 1
echo "== typecheck"
npx tsc -p . || exit 1
echo "== build"
npm run --silent build || exit 1
status=0
echo "== unit"
mapfile -t unit < <(find src -name '*.test.ts' | sort)
node --import tsx --test --test-reporter=spec --test-concurrency=2 "${unit[@]}" 2>&1 | tee "$out/unit" || status=1
mapfile -t integ < <(find test -name '*.test.ts' | sort)
if [ ${#integ[@]} -gt 0 ]; then
  echo "== integration"
  node --import tsx --test --test-reporter=spec --test-concurrency=1 "${integ[@]}" 2>&1 | tee "$out/integ" || status=1
fi
sum() { grep -hoE "^ℹ $1 [0-9]+" "$out"/* | awk '{s+=$3} END {print s+0}'; }
echo "tests: $(sum pass) passed, $(sum fail) failed, $(sum skipped) skipped"
exit $status
