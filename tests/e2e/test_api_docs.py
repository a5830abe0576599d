"""The interactive API docs work offline: Swagger UI renders from our own static files, and
no request the page makes leaves the machine (SPEC §7, issue #7)."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.integration]


def test_api_docs_render_in_chromium_with_every_request_to_the_live_server(
    live_server_url, chromium_page
):
    server = urlsplit(live_server_url).netloc
    requested: list[str] = []

    def only_local(route):
        requested.append(route.request.url)
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            route.abort()  # recorded above, so the assertion below names it

    chromium_page.route("**/*", only_local)
    chromium_page.goto(f"{live_server_url}/api/v1/docs")
    chromium_page.wait_for_selector("text=casemgmt API")
    chromium_page.wait_for_selector('[data-path="/api/v1/cases/{case_id}/status"]')

    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
    assert any(url.endswith("swagger-ui-bundle.js") for url in requested)
    elsewhere = [url for url in requested if urlsplit(url).netloc != server]
    assert elsewhere == []
