"""The client API's review fields and filters (SPEC §3d): `next_review_at`, `risk_level`,
`review_due_before` (soonest first, cursor-paged)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Client, ReviewCadence
from cases.reviews.services import open_due_reviews
from cases.workflow.commands import ApproveDecision, ProposeDecision
from cases.workflow.services import approve_decision, propose_decision
from tests.integration.helpers import open_case, settle_documents
from tests.integration.reviews.test_periodic_review import KYC, to_review

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules", "risk_model", "cadences", "team"),
]

CLIENTS = "/api/v1/clients"


def approved_days_ago(client_id: str, days: int) -> Client:
    case = open_case({**KYC, "client_id": client_id})
    to_review(case.id)
    settle_documents(case.id)
    propose_decision(ProposeDecision(case.id, "APPROVED", "checked", "ana"))
    at = timezone.now() - timedelta(days=days)
    approve_decision(ApproveDecision(case.id, "bob", occurred_at=at))
    return Client.objects.get(client_id=client_id)


def test_clients_show_their_next_review_and_filter_on_it_soonest_first(make_caller):
    ReviewCadence.objects.update(months=12)
    late = approved_days_ago("late", 400)  # due about a month ago
    soon = approved_days_ago("soon", 350)  # due in about two weeks
    approved_days_ago("later", 10)
    open_case({**KYC, "client_id": "never-approved"})
    caller = make_caller("cases.view_client")

    body = caller.get(f"{CLIENTS}/soon").json()
    assert body["next_review_at"].startswith(soon.next_review_at.isoformat()[:19])
    assert body["risk_level"] == "LOW" and body["last_review_case_id"] is None
    assert {c["client_id"] for c in caller.get(CLIENTS, risk_level="LOW").json()["items"]} == {
        "late",
        "soon",
        "later",
        "never-approved",
    }
    assert caller.get(CLIENTS, risk_level="HIGH").json()["items"] == []

    cutoff = (timezone.now() + timedelta(days=30)).isoformat()  # with its offset
    first = caller.get(CLIENTS, review_due_before=cutoff, limit=1).json()
    rest = caller.get(CLIENTS, review_due_before=cutoff, limit=1, cursor=first["next_cursor"])
    assert [c["client_id"] for c in first["items"] + rest.json()["items"]] == ["late", "soon"]
    assert rest.json()["next_cursor"] is None

    [review_id] = open_due_reviews()
    late_now = caller.get(f"{CLIENTS}/late").json()
    assert late_now["last_review_case_id"] == str(review_id)
    assert late_now["next_review_at"] is None and late_now["open_case_id"] == str(review_id)
    due = caller.get(CLIENTS, review_due_before=cutoff).json()["items"]
    assert [c["client_id"] for c in due] == ["soon"]
    assert late.client_id == "late"


@pytest.mark.parametrize("value", ["next tuesday", "0.5", "2027-01-01T00:00:00"])
def test_review_due_before_needs_an_iso_date_time_with_offset(make_caller, value):
    answer = make_caller("cases.view_client").get(CLIENTS, review_due_before=value)
    assert answer.status_code == 422
