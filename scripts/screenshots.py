"""Refresh docs/screenshots/ from the browser suite: run it, copy the main pages' screenshots.

    .venv/bin/python scripts/screenshots.py            # run the browser suite, then copy
    .venv/bin/python scripts/screenshots.py --copy-only  # after a full pytest run

Needs the local services (scripts/services.sh up) and Chromium at /usr/bin/chromium. The
browser tests save every page they check under var/e2e-screenshots/; the ones named in PAGES
are the README's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "var" / "e2e-screenshots"
TARGET = ROOT / "docs" / "screenshots"
PAGES = (
    "dashboard",
    "case-list",
    "case-page",
    "document-requirement",
    "raw-event",
    "notifications",
)


def main() -> int:
    command = [sys.executable, "-m", "pytest", "tests/e2e/test_admin_back_office.py", "-q"]
    if "--copy-only" not in sys.argv[1:] and subprocess.call(command, cwd=ROOT) != 0:
        print("browser suite failed; screenshots left unchanged", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        shutil.copyfile(SOURCE / f"{name}.png", TARGET / f"{name}.png")
        print(f"docs/screenshots/{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
