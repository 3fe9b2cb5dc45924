#!/usr/bin/env bash
# Builds the web console's static export (apps/frontend/out) when it is missing or older than any of its sources:
# the app, the design tokens and the API client. `--force` always rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-web-deps.sh

stamp=apps/frontend/out/index.html
sources=(apps/frontend/src apps/frontend/public apps/frontend/next.config.ts apps/frontend/package-lock.json
  apps/frontend/postcss.config.mjs packages/design-system/tokens packages/contracts/src)
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ -z "$(find "${sources[@]}" -newer "$stamp" -print -quit)" ]; then
  echo "web console is up to date ($stamp)"
  exit 0
fi
echo "building the web console..."
cd apps/frontend
NEXT_TELEMETRY_DISABLED=1 npm run --silent build
