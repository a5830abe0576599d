"""Authentication and errors at the API's edge: tokens, sessions with CSRF, docs, JSON 500."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cases import selectors
from cases.api.tokens import revoke_token
from cases.models import ApiToken, StoredEvent
from tests.integration.api.payloads import KYC
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

CASES = "/api/v1/cases"


def test_a_request_without_credentials_is_401_with_a_json_error(client):
    response = client.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "authentication required: a Bearer token or a logged-in session",
        "errors": [],
    }


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["detail"] == "no API endpoint at /api/v1/no-such-thing"


def test_an_unknown_or_malformed_token_is_401(client):
    for value in ("Bearer nope", "Bearer abc.def", "Basic dXNlcjpwdw=="):
        assert client.get(CASES, headers={"Authorization": value}).status_code == 401


def test_a_revoked_token_is_401(make_caller):
    caller = make_caller("cases.view_case")
    assert caller.get(CASES).status_code == 200
    revoke_token(ApiToken.objects.get(owner=caller.user).key_id)
    assert caller.get(CASES).status_code == 401


def test_an_expired_token_is_401(make_caller):
    caller = make_caller("cases.view_case")
    ApiToken.objects.filter(owner=caller.user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert caller.get(CASES).status_code == 401


def test_the_token_of_a_deactivated_user_is_401(make_caller):
    caller = make_caller("cases.view_case")
    caller.user.is_active = False
    caller.user.save()
    assert caller.get(CASES).status_code == 401


def test_a_token_without_the_permission_is_403_before_its_body_is_read(make_caller):
    case = open_case(KYC)
    response = make_caller("cases.view_case").post(f"{CASES}/{case.pk}/status", {"bad": 1})
    assert response.status_code == 403
    assert response.json()["detail"] == "permission cases.change_case required"


def test_a_used_token_records_when_it_was_last_used(make_caller):
    caller = make_caller("cases.view_case")
    caller.get(CASES)
    assert ApiToken.objects.get(owner=caller.user).last_used_at is not None


def _session(make_caller, *permissions: str):
    caller = make_caller(*permissions)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(caller.user)
    browser.get("/admin/login/")  # sets the csrftoken cookie, as the admin pages do
    return caller.user, browser


def test_a_session_reads_without_a_csrf_token(make_caller):
    _, browser = _session(make_caller, "cases.view_case")
    assert browser.get(CASES).status_code == 200


def test_a_session_write_needs_the_csrf_token_and_records_the_user(make_caller):
    user, browser = _session(make_caller, "cases.change_case")
    case = open_case(KYC)
    path = f"{CASES}/{case.pk}/notes"
    refused = browser.post(path, {"text": "hi"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        path, {"text": "hi"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201
    note = StoredEvent.objects.get(case_id=case.pk, event_type="CaseNoteAdded")
    assert note.metadata["actor"] == f"USER:{user.username}"


def test_schema_and_docs_need_no_login_and_the_docs_load_only_local_assets(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/cases" in schema.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
    assert all(url.startswith("/") for url in urls), urls


def test_an_unexpected_error_is_a_json_500_with_a_request_id_and_is_logged(
    make_caller, monkeypatch, caplog
):
    def broken(**_):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(selectors, "list_cases", broken)
    response = make_caller("cases.view_case").get(CASES)
    assert response.status_code == 500
    body = response.json()
    assert body["detail"].startswith("internal error")
    assert "fire" not in response.content.decode()
    assert response["X-Request-ID"] == body["request_id"]
    logged = [r for r in caplog.records if r.getMessage() == "unhandled API error"]
    assert logged and logged[0].request_id == body["request_id"] and logged[0].exc_info
