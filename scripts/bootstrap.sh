#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the pinned dependencies; quick when nothing changed.
# Usage: scripts/bootstrap.sh [requirements file, default requirements-dev.txt]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="${1:-requirements-dev.txt}"
cd "$ROOT"

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "[bootstrap] Python 3.11 is required ($PYTHON is $("$PYTHON" -V))" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=".venv/.installed-$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "[bootstrap] installing Python dependencies from $REQUIREMENTS" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
