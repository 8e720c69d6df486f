#!/usr/bin/env bash
# Sourced by scripts/dev and scripts/test: make sure uv exists, then install the locked workspace.
# Needs only python3 (with venv) on the machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION="0.13.9"
if command -v uv >/dev/null 2>&1; then
  UV="$(command -v uv)"
else
  TOOLS="$ROOT/.tools"
  if [ ! -x "$TOOLS/bin/uv" ]; then
    echo "==> installing uv $UV_VERSION into .tools/" >&2
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  UV="$TOOLS/bin/uv"
fi
export UV
cd "$ROOT"
echo "==> installing the locked workspace (uv sync --frozen)" >&2
"$UV" sync --frozen --all-packages --quiet
