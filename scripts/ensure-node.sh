#!/usr/bin/env bash
# Makes sure node and npm are on the PATH, installing Debian's packages when they are missing.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "node and npm are missing; install them (Debian: apt-get install nodejs npm) and run again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq nodejs npm >&2
