"""Failures outside the API's own handlers still answer as SPEC §7 says, through the whole
middleware stack (Django's test client loads the settings' MIDDLEWARE, telemetry included)."""

import logging

import pytest
from django.test import Client, override_settings

from casemgmt_project.telemetry.django_middleware import GUARD, TRACING

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

#: A path parameter outside Latin-1 (U+10F650), as schemathesis sent it.
NON_LATIN1_ID = "%F4%8F%99%90"


class FailingMiddleware:
    """Stands for any middleware that raises (the trigger; the guard is under test)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("a middleware failed")


def test_tracing_runs_right_after_the_error_guard():
    from django.conf import settings

    assert settings.MIDDLEWARE[:2] == [GUARD, TRACING]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/companies/{NON_LATIN1_ID}",
        f"/api/v1/cases/{NON_LATIN1_ID}/events",
        f"/api/v1/events/raw/{NON_LATIN1_ID}/value",
    ],
)
def test_an_id_outside_latin1_is_an_invalid_id_not_an_error(make_caller, path):
    caller = make_caller(superuser=True)
    response = Client(raise_request_exception=False).get(path, headers=caller.auth)
    assert response.status_code == 422, response.content[:200]
    body = response.json()
    assert body["detail"] == "the request is not valid"
    assert [error["loc"].split(".")[0] for error in body["errors"]] == ["path"]


@override_settings(DEBUG=True)
def test_an_exception_in_a_middleware_is_the_json_500_with_a_request_id_even_in_debug(
    make_caller, settings, caplog
):
    settings.MIDDLEWARE = [
        GUARD,
        f"{__name__}.FailingMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    caller = make_caller(superuser=True)
    with caplog.at_level(logging.ERROR, logger="cases.api"):
        response = Client(raise_request_exception=False).get("/api/v1/cases", headers=caller.auth)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["detail"] == "internal error; quote the request id to support"
    assert body["request_id"] == response["X-Request-ID"]
    logged = [r for r in caplog.records if r.getMessage() == "unhandled API error"]
    assert [r.request_id for r in logged] == [body["request_id"]]
    assert logged[0].exc_info[0] is RuntimeError


def test_outside_the_api_django_keeps_its_own_error_page(settings):
    settings.MIDDLEWARE = [GUARD, f"{__name__}.FailingMiddleware", *settings.MIDDLEWARE[1:]]
    response = Client(raise_request_exception=False).get("/admin/login/")
    assert response.status_code == 500
    assert "X-Request-ID" not in response


def test_the_span_of_such_a_request_carries_the_url_as_sent(spans, make_caller):
    caller = make_caller(superuser=True)
    Client(raise_request_exception=False).get(
        f"/api/v1/companies/{NON_LATIN1_ID}", headers=caller.auth
    )
    (server,) = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    assert server.attributes["http.url"].endswith(f"/api/v1/companies/{NON_LATIN1_ID}")
    assert server.attributes["http.status_code"] == 422
