#!/usr/bin/env bash
# Installs the npm packages of the web console and of the two packages it is built from, when their lock file changed,
# and builds the design tokens. Browsers are never downloaded here: the e2e tests use Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 NEXT_TELEMETRY_DISABLED=1

install() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install packages/design-system
install packages/contracts
install apps/frontend
if [ ! -f packages/design-system/dist/css/tokens.css ] || [ -n "$(find packages/design-system/tokens packages/design-system/build.mjs -newer packages/design-system/dist/css/tokens.css -print -quit)" ]; then
  (cd packages/design-system && npm run --silent build)
fi
