#!/usr/bin/env bash
# Installs Debian's Chromium (and a basic font) for the end-to-end tests and the UI benchmark, only when
# /usr/bin/chromium is missing. Non-interactive; needs root (as in CI) or passwordless sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-chromium: /usr/bin/chromium is missing and this user cannot install packages (no root, no sudo)." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: installing Debian's chromium and fonts-dejavu-core" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
/usr/bin/chromium --version >&2
