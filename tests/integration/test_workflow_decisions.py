"""Four-eyes decisions against the real database (SPEC §3a): roles come from auth groups, the
approving group from ApprovalRule, and the timeline names every actor."""

from __future__ import annotations

import pytest

from cases.core.errors import DecisionRefused, DecisionRequired, NotAllowed
from cases.models import ApprovalRule, Notification, NotificationRule
from cases.selectors import count_workflow, get_case_timeline, list_awaiting_approval
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP
from cases.workflow.services import (
    approve_decision,
    assign_case,
    change_case_status,
    propose_decision,
    return_decision,
)
from tests.integration.helpers import make_user, open_case, settle_documents

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules", "workflow_rules"),
]

KYC = {
    "client_id": "four-eyes",
    "version": "1.0",
    "type": "INDIVIDUAL_STANDARD",
    "traitement_type": "KYC",
    "persons": [{"firstname": "Ada", "lastname": "Lovelace"}],
}
EDD = {**KYC, "client_id": "four-eyes-edd", "type": "ENHANCED_DUE_DILIGENCE"}


@pytest.fixture
def team() -> None:
    make_user("ana", ANALYST_GROUP)
    make_user("bob", ANALYST_GROUP)
    make_user("lea", LEAD_GROUP)
    make_user("root", superuser=True)


def in_review(payload: dict, assignee: str = "ana"):
    case = open_case(payload)
    change_case_status(ChangeCaseStatus(case.id, "IN_REVIEW", f"USER:{assignee}"))
    assign_case(AssignCase(case.id, assignee, f"USER:{assignee}"))
    return case


def propose(case_id, decision="APPROVED", actor="ana"):
    return propose_decision(ProposeDecision(case_id, decision, "documents verified", actor))


@pytest.mark.usefixtures("team")
def test_a_proposal_approved_by_a_second_analyst_decides_the_case_and_notifies():
    NotificationRule.objects.create(
        trigger="CASE_STATUS_CHANGED", notification_type="STATUS", template_id="status_v1"
    )
    case = in_review(KYC)
    settle_documents(case.id)

    pending = propose(case.id)
    assert pending.status == "PENDING_APPROVAL"
    assert pending.pending_decision["proposed_by"] == "ana"
    assert (pending.approval_group, pending.proposed_by) == (ANALYST_GROUP, "ana")
    assert [c.id for c in list_awaiting_approval(username="bob", groups=[ANALYST_GROUP])] == [
        case.id
    ]
    assert not list_awaiting_approval(username="ana", groups=[ANALYST_GROUP]).exists()
    with pytest.raises(NotAllowed, match="four eyes"):
        approve_decision(ApproveDecision(case.id, "ana"))
    with pytest.raises(NotAllowed, match="four eyes"):
        return_decision(ReturnDecision(case.id, "second thoughts", "ana"))
    counts = count_workflow(username="bob", groups=[ANALYST_GROUP])
    assert (counts.awaiting_approval, counts.awaiting_me, counts.overdue) == (1, 1, 0)
    assert count_workflow(username="ana", groups=[ANALYST_GROUP]).awaiting_me == 0

    approved = approve_decision(ApproveDecision(case.id, "bob", comment="agreed"))

    assert (approved.status, approved.pending_decision, approved.approval_group) == (
        "APPROVED",
        None,
        None,
    )
    workflow = [
        (e.event_type, e.metadata["actor"])
        for e in get_case_timeline(case.id)
        if e.event_type in ("CaseAssigned", "DecisionProposed", "DecisionApproved")
        or e.event_type == "CaseStatusChanged"
    ]
    assert workflow == [
        ("CaseStatusChanged", "USER:ana"),
        ("CaseAssigned", "USER:ana"),
        ("DecisionProposed", "USER:ana"),
        ("DecisionApproved", "USER:bob"),
        ("CaseStatusChanged", "USER:bob"),
    ]
    statuses = [
        n.envelope["payload"]["notification_type"]
        for n in Notification.objects.filter(case_id=case.id)
    ]
    assert statuses.count("STATUS") == 2  # OPEN → IN_REVIEW and PENDING_APPROVAL → APPROVED


@pytest.mark.usefixtures("team")
def test_a_superuser_cannot_approve_their_own_proposal():
    case = in_review(KYC, assignee="root")
    propose(case.id, "REJECTED", actor="root")
    with pytest.raises(NotAllowed, match="four eyes"):
        approve_decision(ApproveDecision(case.id, "root"))
    assert approve_decision(ApproveDecision(case.id, "lea")).status == "REJECTED"


@pytest.mark.usefixtures("team")
def test_enhanced_due_diligence_is_approved_by_a_lead_and_the_rule_is_data():
    case = in_review(EDD)
    propose(case.id, "REJECTED")
    with pytest.raises(NotAllowed, match="Compliance lead"):
        approve_decision(ApproveDecision(case.id, "bob"))
    assert approve_decision(ApproveDecision(case.id, "lea")).status == "REJECTED"

    ApprovalRule.objects.filter(case_type="ENHANCED_DUE_DILIGENCE").update(
        approver_group=ANALYST_GROUP
    )
    other = in_review({**EDD, "client_id": "edd-2"})
    propose(other.id, "REJECTED")
    assert approve_decision(ApproveDecision(other.id, "bob")).status == "REJECTED"


@pytest.mark.usefixtures("team")
def test_proposing_approval_with_outstanding_documents_lists_them_and_changes_nothing():
    case = in_review(KYC)
    with pytest.raises(DecisionRefused) as caught:
        propose(case.id)
    assert caught.value.outstanding == [
        "PASSPORT of Ada Lovelace (AWAITING_UPLOAD)",
        "PROOF_OF_ADDRESS of Ada Lovelace (AWAITING_UPLOAD)",
    ]
    assert case.__class__.objects.get(pk=case.id).status == "IN_REVIEW"
    with pytest.raises(NotAllowed, match="its assignee ana"):
        propose(case.id, "REJECTED", actor="bob")


@pytest.mark.usefixtures("team")
def test_a_returned_proposal_is_back_in_review_and_can_be_proposed_again():
    case = in_review(KYC)
    propose(case.id, "REJECTED")

    returned = return_decision(ReturnDecision(case.id, "check the address", "bob"))

    assert (returned.status, returned.pending_decision, returned.proposed_by) == (
        "IN_REVIEW",
        None,
        None,
    )
    returned_event = get_case_timeline(case.id)[-1]
    assert returned_event.event_type == "DecisionReturned"
    assert returned_event.payload["reason"] == "check the address"
    assert propose(case.id, "REJECTED").status == "PENDING_APPROVAL"


@pytest.mark.usefixtures("team")
def test_a_direct_status_change_to_approved_points_to_the_decision_commands():
    case = in_review(KYC)
    with pytest.raises(DecisionRequired, match="ProposeDecision, then ApproveDecision"):
        change_case_status(ChangeCaseStatus(case.id, "APPROVED", "lea"))
    propose(case.id, "REJECTED")
    closed = change_case_status(ChangeCaseStatus(case.id, "CLOSED", "lea", reason="withdrawn"))
    assert (closed.status, closed.pending_decision) == ("CLOSED", None)
