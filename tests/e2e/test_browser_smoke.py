"""The browser fixtures themselves: Chromium reaches the live server on the test database."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.integration]


def test_a_user_created_in_the_test_can_log_in_through_the_browser(live_server_url, chromium_page):
    get_user_model().objects.create_superuser("smoke", "smoke@example.com", "smoke-pass-1")
    chromium_page.goto(f"{live_server_url}/admin/login/")
    chromium_page.fill("input[name=username]", "smoke")
    chromium_page.fill("input[name=password]", "smoke-pass-1")
    chromium_page.click("input[type=submit]")
    chromium_page.wait_for_url(f"{live_server_url}/admin/")
    assert chromium_page.locator("#user-tools").is_visible()
