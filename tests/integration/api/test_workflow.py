"""The workflow over the REST API (SPEC §3a): claim-next, assignment, four-eyes decisions and the
list filters, with the domain's refusals as 403/404/409 JSON bodies."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from cases.models import Case
from cases.workflow.commands import ChangeCaseStatus
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import change_case_status
from tests.integration.api.payloads import KYC
from tests.integration.helpers import open_case, settle_documents

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

CASES = "/api/v1/cases"


@pytest.fixture
def member(make_caller):
    """`member(group)`: an API caller who may change cases and belongs to `group`."""

    def make(*groups: str):
        caller = make_caller("cases.change_case", "cases.view_case")
        for name in groups:
            caller.user.groups.add(Group.objects.get_or_create(name=name)[0])
        return caller

    return make


def test_claim_next_assigns_the_oldest_case_then_answers_404_when_none_is_left(member):
    ana = member(ANALYST_GROUP)
    oldest = open_case({**KYC, "client_id": "first"})
    open_case({**KYB_LIKE, "client_id": "kyb"})

    claimed = ana.post(f"{CASES}/claim-next", {"traitement_type": "KYC"})

    assert claimed.status_code == 200, claimed.json()
    body = claimed.json()
    assert (body["id"], body["assignee"]) == (str(oldest.pk), ana.user.username)
    assert body["due_at"] is not None and body["pending_decision"] is None
    none_left = ana.post(f"{CASES}/claim-next", {"traitement_type": "KYC"})
    assert none_left.status_code == 404
    assert none_left.json()["detail"] == (
        "no unassigned OPEN or IN_REVIEW case to claim for traitement_type=KYC"
    )


KYB_LIKE = {**KYC, "traitement_type": "KYB", "type": "COMPANY_STANDARD", "persons": []}
KYB_LIKE["company_profile"] = {
    "registered_name": "Queue SA",
    "registration_number": "LU-7",
    "country_of_incorporation": "LU",
    "registered_address": {"country": "LU"},
}


def test_a_caller_without_a_workflow_role_gets_403_with_the_reason(member):
    outsider = member()
    response = outsider.post(f"{CASES}/claim-next", {})
    assert response.status_code == 403
    assert "only analysts take cases" in response.json()["detail"]


def test_analysts_take_and_release_while_only_leads_give_cases_to_others(member):
    ana, bob, lea = member(ANALYST_GROUP), member(ANALYST_GROUP), member(LEAD_GROUP)
    case = open_case(KYC)
    url = f"{CASES}/{case.pk}/assign"

    assert ana.post(url, {"assignee": ana.user.username}).json()["assignee"] == ana.user.username
    refused = bob.post(url, {"assignee": bob.user.username})
    assert refused.status_code == 403 and "Compliance lead" in refused.json()["detail"]
    assert lea.post(url, {"assignee": bob.user.username}).json()["assignee"] == bob.user.username
    released = bob.post(url, {"assignee": None})
    assert (released.status_code, released.json()["assignee"]) == (200, None)
    assert ana.post(url, {}).status_code == 422  # assignee must be given, even if null


def test_four_eyes_over_the_api_proposer_refused_second_analyst_approves(member):
    ana, bob = member(ANALYST_GROUP), member(ANALYST_GROUP)
    case = open_case(KYC)
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ana"))
    ana.post(f"{CASES}/{case.pk}/assign", {"assignee": ana.user.username})

    outstanding = ana.post(
        f"{CASES}/{case.pk}/decision", {"decision": "APPROVED", "rationale": "ok"}
    )
    assert outstanding.status_code == 409
    assert outstanding.json()["errors"] == [
        {"loc": "documents", "msg": "PASSPORT of Grace Hopper (AWAITING_UPLOAD)"},
        {"loc": "documents", "msg": "PROOF_OF_ADDRESS of Grace Hopper (AWAITING_UPLOAD)"},
    ]
    settle_documents(case.pk)
    proposed = ana.post(f"{CASES}/{case.pk}/decision", {"decision": "APPROVED", "rationale": "ok"})
    assert proposed.status_code == 200
    assert proposed.json()["status"] == "PENDING_APPROVAL"
    assert proposed.json()["pending_decision"]["proposed_by"] == ana.user.username

    own = ana.post(f"{CASES}/{case.pk}/decision/approve", {})
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]
    awaiting = bob.get(CASES, status="PENDING_APPROVAL")
    assert [item["id"] for item in awaiting.json()["items"]] == [str(case.pk)]
    approved = bob.post(f"{CASES}/{case.pk}/decision/approve", {"comment": "agreed"})

    assert (approved.status_code, approved.json()["status"]) == (200, "APPROVED")
    again = bob.post(f"{CASES}/{case.pk}/decision/approve", {})
    assert again.status_code == 409  # APPROVED is final


def test_a_returned_proposal_and_a_direct_approval_are_409_with_the_way_forward(member):
    ana, bob = member(ANALYST_GROUP), member(ANALYST_GROUP)
    case = open_case(KYC)
    change_case_status(ChangeCaseStatus(case.pk, "IN_REVIEW", "USER:ana"))
    ana.post(f"{CASES}/{case.pk}/assign", {"assignee": ana.user.username})

    direct = ana.post(f"{CASES}/{case.pk}/status", {"new_status": "APPROVED"})
    assert direct.status_code == 409
    assert "ProposeDecision, then ApproveDecision" in direct.json()["detail"]
    ana.post(f"{CASES}/{case.pk}/decision", {"decision": "REJECTED", "rationale": "sanctions"})
    no_reason = bob.post(f"{CASES}/{case.pk}/decision/return", {"reason": ""})
    assert no_reason.status_code == 422
    returned = bob.post(f"{CASES}/{case.pk}/decision/return", {"reason": "check the name"})
    assert (returned.status_code, returned.json()["status"]) == (200, "IN_REVIEW")
    assert returned.json()["pending_decision"] is None


def test_list_filters_assignee_me_and_overdue(member):
    ana = member(ANALYST_GROUP)
    mine = open_case({**KYC, "client_id": "mine"})
    late = open_case({**KYC, "client_id": "late"})
    ana.post(f"{CASES}/{mine.pk}/assign", {"assignee": ana.user.username})
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))

    assigned = ana.get(CASES, assignee="me").json()["items"]
    overdue = ana.get(CASES, overdue="true").json()["items"]

    assert [item["id"] for item in assigned] == [str(mine.pk)]
    assert [item["id"] for item in overdue] == [str(late.pk)]
