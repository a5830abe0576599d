"""Browser fixtures: a live Django server on the real test database and a headless Chromium.

Shared by every browser suite (admin back office, API docs). Chromium comes from Debian's
package at /usr/bin/chromium; Playwright never downloads a browser. Screenshots of each test
land in `var/e2e-screenshots/` (see `screenshot`), so a failing run leaves evidence behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# between page steps are still synchronous, so Django's async guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is a browser test (`-m "not e2e"` skips them all)."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def live_server_url(live_server, transactional_db) -> str:
    """Base URL (no trailing slash) of a live server thread on this run's test database.

    pytest-django's `live_server` works with this backend: the thread opens its own MongoDB
    connection to the same database, and `transactional_db` empties it after the test.
    """
    return live_server.url


@pytest.fixture(scope="session")
def _chromium() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(_chromium, request: pytest.FixtureRequest) -> Iterator:
    """A fresh page in its own context (no shared cookies); a screenshot is saved at the end."""
    context = _chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
        finally:
            context.close()


@pytest.fixture
def screenshot(chromium_page) -> Iterator:
    """`screenshot("case-page")` saves the page as it is now under var/e2e-screenshots/."""

    def take(name: str) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        chromium_page.screenshot(path=str(path), full_page=True)
        return path

    yield take
