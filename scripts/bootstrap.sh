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
# PyICU (screening's transliteration) has no wheels: pip builds it against the system ICU,
# which needs libicu-dev, pkg-config and g++. Installed here when missing and run as root (CI,
# containers), as scripts/test.sh installs chromium; otherwise pip's error names what is missing.
build_needs() {
  local missing=()
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  command -v g++ >/dev/null || missing+=(g++)
  pkg-config --exists icu-i18n 2>/dev/null || missing+=(libicu-dev)
  [ ${#missing[@]} -eq 0 ] && return
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "[bootstrap] installing ${missing[*]} (to build PyICU)" >&2
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2
  else
    echo "[bootstrap] PyICU needs ${missing[*]}: install them (e.g. apt-get install ${missing[*]})" >&2
  fi
}

if [ ! -f "$stamp" ]; then
  build_needs
  echo "[bootstrap] installing Python dependencies from $REQUIREMENTS" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
