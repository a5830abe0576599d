#!/usr/bin/env bash
# Dependency vulnerability audit: pip-audit on the pinned requirements (runtime and dev).
#
#   scripts/audit_dependencies.sh            # exits 1 if a pinned version has a known CVE
#   scripts/audit_dependencies.sh --vulnerability-service osv
#
# Needs network access to a vulnerability service (PyPI's JSON API by default, or OSV), which
# the CI machines of this project do not have; that is why it is not part of .ci/run. Run it
# in a pipeline that has the network (nightly, and on every requirements change); see
# docs/operations.md. pip-audit runs in a throw-away venv so the audited set is exactly the
# pinned one, not whatever else is installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIP_AUDIT_VERSION="2.10.1"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "pip-audit==$PIP_AUDIT_VERSION"
"$work/venv/bin/pip-audit" --strict --progress-spinner off \
  -r "$ROOT/requirements.txt" -r "$ROOT/requirements-dev.txt" "$@"
