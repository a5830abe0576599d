"""No personal data leaves through the side channels (issue #12, SPEC §8).

Every shared sample, valid and invalid, goes through the real consumer while the real
OpenTelemetry SDK records into its in-memory exporter and every log record (all loggers, at
DEBUG) is formatted as the service writes it; then the API answers bad requests carrying a
person. The personal values are collected from the sample JSON by field name, and none may
appear in a log line, a span (name, attributes, events, status, links), a dead-letter header,
an API error body or an exception text.
"""

import json
import re
from collections.abc import Iterable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from opentelemetry.trace import StatusCode
from pymongo.errors import OperationFailure

from cases.api import cases as cases_api
from cases.api.tokens import issue_token
from cases.core.errors import MessageRejected
from cases.intake import services
from kafka_integration.schemas import parse_message
from tests.integration.helpers import read_topic
from tests.integration.test_telemetry import SAMPLES, consume, produce

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

#: Field names (or parts of them) that hold data about a person or a company's identity.
PERSONAL_KEY = re.compile(
    r"name|birth|date|email|mail|phone|mobile|street|city|postal|zip|address|tax|national"
    r"|passport|registration|iban|ssn|identity",
    re.IGNORECASE,
)
#: Shorter values ("A", "X", "1") would match anywhere; the samples' real ones are longer.
MIN_LENGTH = 3


def personal_values(value: object, personal: bool = False) -> set[str]:
    """String leaves under a personal-looking key (at any depth: an address's street)."""
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            found |= personal_values(item, personal or bool(PERSONAL_KEY.search(str(key))))
        return found
    if isinstance(value, list):
        return set().union(*(personal_values(item, personal) for item in value))
    if personal and isinstance(value, str | int) and len(str(value)) >= MIN_LENGTH:
        return {str(value)}
    return set()


def sample_values() -> tuple[list[bytes], set[str]]:
    paths = sorted(SAMPLES.glob("valid/*.json")) + sorted(SAMPLES.glob("invalid/*.json"))
    raws = [path.read_bytes() for path in paths]
    found: set[str] = set()
    for raw in raws:
        try:
            found |= personal_values(json.loads(raw))
        except ValueError:  # the truncated sample: nothing to collect, still pushed
            continue
    return raws, found


def leaks(secrets: Iterable[str], text: str) -> set[str]:
    """Values found in `text`, raw or as JSON escapes them (`Amélie` → `Am\\u00e9lie`)."""
    return {s for s in secrets if s in text or json.dumps(s)[1:-1] in text}


def span_text(spans) -> str:
    """Everything a span exporter sends per span, as text (not the resource: ours, static)."""
    parts: list[str] = []
    for span in spans:
        parts += [span.name, str(span.status.description or "")]
        parts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
        for event in span.events:
            parts += [event.name, *(f"{k}={v}" for k, v in (event.attributes or {}).items())]
        for link in span.links:
            parts += [f"{k}={v}" for k, v in (link.attributes or {}).items()]
    return "\n".join(parts)


def test_the_samples_hold_the_kinds_of_personal_data_the_check_looks_for():
    _, secrets = sample_values()

    assert {"John", "Doe", "1990-01-15", "Test Corp Ltd", "1 Business Park", "E14 5HQ"} <= secrets
    assert "kyc-client-001" not in secrets and "INDIVIDUAL_STANDARD" not in secrets


def test_no_sample_value_reaches_logs_spans_dead_letter_headers_or_exception_texts(
    spans, make_topic, debug_logs, document_rules, monkeypatch
):
    raws, secrets = sample_values()
    invalid = len(list(SAMPLES.glob("invalid/*.json")))
    victim = json.loads((SAMPLES / "valid" / "kyc_individual.json").read_bytes())
    real = services.handle_create_case

    def handle(command, *args):  # a driver error quotes the document it refused, like this
        if command.message.client_id == victim["client_id"]:
            raise ValueError(f"refused {victim['persons'][0]} for {command.message.client_id}")
        return real(command, *args)

    monkeypatch.setattr(services, "handle_create_case", handle)
    topic = make_topic("personal")
    produce(topic, raws)

    consume(topic, len(raws))

    dead_letters = read_topic(f"{topic}.dlq", expected=invalid + 1, seconds=20)
    assert len(dead_letters) == invalid + 1  # the rejected samples and the failed one
    headers = "\n".join(
        f"{name}={(value or b'').decode('utf-8', 'replace')}"
        for message in dead_letters
        for name, value in message.headers()
    )
    exceptions = []
    for raw in raws:
        try:
            parse_message(raw)
        except MessageRejected as exc:
            exceptions.append(f"{exc}\n{exc!r}")
    finished = spans.get_finished_spans()
    assert any(span.name == "casemgmt.ingest.process" for span in finished)
    assert len(exceptions) == invalid and debug_logs.getvalue()

    assert not leaks(secrets, debug_logs.getvalue()), "log lines"
    assert not leaks(secrets, span_text(finished)), "span attributes"
    assert not leaks(secrets, headers), "dead-letter headers"
    assert not leaks(secrets, "\n".join(exceptions)), "exception texts"


@pytest.fixture
def case_writer() -> dict[str, str]:
    user = get_user_model().objects.create_user("intake-robot", "", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="cases", codename="add_case")
    )
    return {"Authorization": f"Bearer {issue_token(user, 'intake').secret}"}


def bad_person() -> dict:
    """A KYC record whose person is refused (future birthdate, bad country) but fully named."""
    return {
        "client_id": "api-client-9",
        "version": "1.0",
        "type": "INDIVIDUAL_STANDARD",
        "traitement_type": "KYC",
        "persons": [
            {
                "firstname": "Héloïse",
                "lastname": "Vandermeersch",
                "birthdate": "2999-02-30",
                "nationality": "Vandermeersch-land",
                "email": "heloise.vandermeersch@example.org",
                "address": {"street": "12 Quai Valmy", "city": "Dunkerque"},
            }
        ],
    }


def test_api_error_bodies_and_logs_of_bad_requests_never_quote_the_person(
    spans, debug_logs, case_writer, monkeypatch
):
    payload = bad_person()
    secrets = personal_values(payload)
    client = Client(raise_request_exception=False)
    url = "/api/v1/cases"

    refused = client.post(url, payload, content_type="application/json", headers=case_writer)
    broken = json.dumps(payload)[:-7]  # cut inside the person: not JSON any more
    malformed = client.post(url, broken, content_type="application/json", headers=case_writer)
    payload["persons"][0]["birthdate"] = "1984-05-06"
    payload["persons"][0].pop("nationality")

    def fail(command):  # an internal error whose text quotes the person it was working on
        raise ValueError(f"cannot open a case for {command.message.persons[0].firstname}")

    monkeypatch.setattr(cases_api, "open_or_update", fail)
    crashed = client.post(url, payload, content_type="application/json", headers=case_writer)

    assert (refused.status_code, malformed.status_code, crashed.status_code) == (422, 400, 500)
    bodies = [response.content.decode() for response in (refused, malformed, crashed)]
    assert "persons.0.birthdate" in bodies[0]
    assert not leaks(secrets, "\n".join(bodies)), "API error bodies"
    assert '"unhandled API error"' in debug_logs.getvalue()
    assert not leaks(secrets, debug_logs.getvalue()), "log lines"
    assert not leaks(secrets, span_text(spans.get_finished_spans())), "request spans"


def test_a_refused_database_command_leaves_the_server_message_out_of_its_span(spans):
    from django.db import connection

    connection.ensure_connection()
    probe = connection.database["personal_data_probe"]
    probe.insert_one({"status": "OPEN"})
    try:
        with pytest.raises(OperationFailure) as refused:  # the server quotes the operand back
            probe.find_one({"status": {"$type": "Vandermeersch"}})
    finally:
        probe.drop()
    assert "Vandermeersch" in str(refused.value)

    (span,) = [s for s in spans.get_finished_spans() if s.name.endswith(".find")]
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == refused.value.details["codeName"]
    assert not leaks({"Vandermeersch"}, span_text([span]))


def test_a_crashing_admin_page_leaves_the_exception_text_out_of_its_span(
    spans, debug_logs, monkeypatch
):
    from django.contrib.auth.forms import AuthenticationForm

    def clean(form):  # a view error that quotes what it was given
        raise ValueError(f"cannot log in {form.data['username']}")

    monkeypatch.setattr(AuthenticationForm, "clean", clean)
    client = Client(raise_request_exception=False)

    crashed = client.post("/admin/login/", {"username": "Vandermeersch", "password": "x"})

    assert crashed.status_code == 500
    request_spans = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    assert request_spans and request_spans[0].status.status_code is StatusCode.ERROR
    (event,) = [e for s in request_spans for e in s.events if e.name == "exception"]
    assert event.attributes["exception.type"] == "ValueError"
    assert "test_personal_data.py" in event.attributes["exception.stacktrace"]  # frames kept
    assert not leaks({"Vandermeersch"}, span_text(request_spans)), "request span"
    assert not leaks({"Vandermeersch"}, debug_logs.getvalue()), "log lines"
