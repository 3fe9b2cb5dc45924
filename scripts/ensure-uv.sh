#!/usr/bin/env bash
# Prints the path of a working uv, installing it from PyPI when it is missing.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then
  command -v uv
  exit 0
fi
for candidate in "$HOME/.local/bin/uv" /usr/local/bin/uv; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
python3 -m pip install --quiet --disable-pip-version-check uv >&2 \
  || python3 -m pip install --quiet --disable-pip-version-check --user --break-system-packages uv >&2
command -v uv 2>/dev/null || echo "$HOME/.local/bin/uv"
