"""The API's part of one trace (SPEC §8): a request's trace reaches the events it stores and the
notification it causes."""

import pytest

from cases.models import Case, Notification, StoredEvent
from tests.integration.api.payloads import KYC

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

TRACE_ID = "5b8efff798038103d269b633813fc60c"
TRACEPARENT = f"00-{TRACE_ID}-eee19b7ec3c1b174-01"


def test_case_created_over_the_api_stores_the_request_trace_on_its_events_and_notification(
    spans, make_caller, case_created_rule
):
    caller = make_caller("cases.add_case")

    response = caller.post("/api/v1/cases", KYC, headers={"traceparent": TRACEPARENT})

    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["case_id"])
    events = StoredEvent.objects.filter(case_id=case.pk)
    assert events and {event.metadata["trace_id"] for event in events} == {TRACE_ID}
    assert Notification.objects.get(case_id=case.pk).traceparent.split("-")[1] == TRACE_ID
    (server,) = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert format(server.parent.span_id, "016x") == "eee19b7ec3c1b174"


def test_without_tracing_the_api_still_stores_the_callers_trace_id(make_caller):
    caller = make_caller("cases.add_case")

    response = caller.post("/api/v1/cases", KYC, headers={"traceparent": TRACEPARENT})

    events = StoredEvent.objects.filter(case_id=response.json()["case_id"])
    assert {event.metadata["trace_id"] for event in events} == {TRACE_ID}
