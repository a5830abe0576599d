"""Workflow decisions (SPEC §3a), pure: who may assign, propose, approve and return, and the
events each produces."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cases.core.errors import (
    CaseNotActive,
    DecisionRefused,
    IllegalTransition,
    InvalidCommand,
    NotAllowed,
)
from cases.workflow.authorisation import Actor
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.handlers import (
    WorkflowState,
    handle_approve_decision,
    handle_assign_case,
    handle_claim_case,
    handle_mark_overdue,
    handle_propose_decision,
    handle_return_decision,
    outstanding_documents,
)
from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP

CASE_ID = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANA = Actor("ana", frozenset({ANALYST_GROUP}))
BOB = Actor("bob", frozenset({ANALYST_GROUP}))
LEA = Actor("lea", frozenset({LEAD_GROUP}))
ROOT = Actor("root", is_superuser=True)
NOBODY = Actor("guest")
IN_REVIEW = WorkflowState(CASE_ID, "IN_REVIEW", 4, "KYC", "INDIVIDUAL_STANDARD", assignee="ana")


def pending(proposed_by: str = "ana", group: str = ANALYST_GROUP, decision: str = "APPROVED"):
    return replace(
        IN_REVIEW,
        status="PENDING_APPROVAL",
        pending_decision={
            "decision": decision,
            "rationale": "all verified",
            "proposed_by": proposed_by,
            "proposed_at": NOW.isoformat(),
            "approval_group": group,
        },
    )


def assign(actor: Actor, assignee: Actor | None, state: WorkflowState = IN_REVIEW):
    command = AssignCase(CASE_ID, assignee.username if assignee else None, actor.username)
    return handle_assign_case(command, state, actor, assignee)


def propose(state=IN_REVIEW, actor=ANA, decision="APPROVED", outstanding=(), rationale="ok"):
    command = ProposeDecision(CASE_ID, decision, rationale, actor.username, occurred_at=NOW)
    return handle_propose_decision(
        command, state, actor, approval_group=ANALYST_GROUP, outstanding=list(outstanding)
    )


# --- Assignment --------------------------------------------------------------------------------


def test_a_lead_assigns_a_case_to_anyone_and_the_event_names_who_did_it():
    [event] = assign(LEA, BOB)
    assert event.event_type == "CaseAssigned"
    assert event.payload == {
        "case_id": str(CASE_ID),
        "assignee": "bob",
        "previous": "ana",
        "by": "lea",
    }
    assert (event.version, event.metadata.actor) == (5, "USER:lea")


def test_an_analyst_takes_an_unassigned_case_and_releases_their_own():
    unassigned = replace(IN_REVIEW, assignee=None)
    assert assign(BOB, BOB, unassigned)[0].payload["assignee"] == "bob"
    assert assign(ANA, None)[0].payload == {
        "case_id": str(CASE_ID),
        "assignee": None,
        "previous": "ana",
        "by": "ana",
    }


def test_users_may_be_named_as_the_api_and_admin_write_actors():
    command = AssignCase(CASE_ID, "USER:bob", "USER:lea")
    [event] = handle_assign_case(command, IN_REVIEW, LEA, BOB)
    assert event.payload["assignee"] == "bob"


def test_an_analyst_cannot_take_someone_elses_case_or_give_cases_away():
    with pytest.raises(NotAllowed, match="Compliance lead"):
        assign(BOB, BOB)
    with pytest.raises(NotAllowed, match="Compliance lead"):
        assign(ANA, BOB)


def test_only_analysts_receive_cases_and_only_analysts_assign():
    with pytest.raises(NotAllowed, match="guest is not an active analyst"):
        assign(LEA, NOBODY)
    with pytest.raises(NotAllowed, match="only analysts take cases"):
        assign(NOBODY, None, replace(IN_REVIEW, assignee="guest"))


def test_assigning_the_current_assignee_again_changes_nothing():
    assert assign(LEA, ANA) == []


def test_a_decided_or_closed_case_cannot_be_assigned():
    for status in ("APPROVED", "REJECTED", "CLOSED"):
        with pytest.raises(CaseNotActive):
            assign(LEA, BOB, replace(IN_REVIEW, status=status))


def test_claiming_assigns_the_claimer_and_refuses_a_case_someone_holds():
    command = ClaimNextCase("bob")
    state = replace(IN_REVIEW, assignee=None, status="OPEN")
    [event] = handle_claim_case(command, state, BOB)
    assert (event.payload["assignee"], event.payload["previous"], event.version) == ("bob", None, 5)
    with pytest.raises(CaseNotActive, match="already assigned to ana"):
        handle_claim_case(command, IN_REVIEW, BOB)
    with pytest.raises(CaseNotActive, match="not claimable"):
        handle_claim_case(command, replace(state, status="PENDING_APPROVAL"), BOB)
    with pytest.raises(NotAllowed):
        handle_claim_case(ClaimNextCase("guest"), state, NOBODY)


# --- Four-eyes decisions -----------------------------------------------------------------------


def test_the_assignee_proposes_and_the_case_awaits_approval_by_the_rule_group():
    [event] = propose()
    assert event.event_type == "DecisionProposed"
    assert event.payload == {
        "case_id": str(CASE_ID),
        "decision": "APPROVED",
        "rationale": "ok",
        "proposed_by": "ana",
        "proposed_at": NOW.isoformat(),
        "approval_group": ANALYST_GROUP,
    }


def test_only_the_assignee_may_propose():
    with pytest.raises(NotAllowed, match="its assignee ana"):
        propose(actor=BOB)
    with pytest.raises(NotAllowed, match="claim it first"):
        propose(state=replace(IN_REVIEW, assignee=None))


def test_proposing_needs_a_review_a_known_decision_and_a_rationale():
    with pytest.raises(IllegalTransition):
        propose(state=replace(IN_REVIEW, status="OPEN"))
    with pytest.raises(InvalidCommand, match="APPROVED or REJECTED"):
        propose(decision="CLOSED")
    with pytest.raises(InvalidCommand, match="rationale"):
        propose(rationale="   ")


def test_approval_is_refused_while_documents_are_outstanding_and_the_error_lists_them():
    with pytest.raises(DecisionRefused) as caught:
        propose(outstanding=["PASSPORT of Ada Lovelace (UPLOADED)"])
    assert caught.value.outstanding == ["PASSPORT of Ada Lovelace (UPLOADED)"]
    assert "PASSPORT of Ada Lovelace (UPLOADED)" in str(caught.value)
    assert propose(decision="rejected", outstanding=["PASSPORT (AWAITING_UPLOAD)"])


def test_only_required_documents_not_verified_or_waived_are_outstanding():
    assert outstanding_documents(
        [
            ("PASSPORT", "VERIFIED_MANUAL", True),
            ("VISA", "NOT_APPLICABLE", True),
            ("PROOF_OF_ADDRESS", "UPLOADED", True),
            ("UTILITY_BILL", "AWAITING_UPLOAD", False),
            ("BANK_LETTER", "VERIFIED_SYSTEM", True),
        ]
    ) == ["PROOF_OF_ADDRESS (UPLOADED)"]


def test_a_second_analyst_approves_and_the_case_takes_the_proposed_status():
    approved, changed = handle_approve_decision(
        ApproveDecision(CASE_ID, "bob", comment="agreed"), pending(decision="REJECTED"), BOB
    )
    assert approved.event_type == "DecisionApproved"
    assert approved.payload == {
        "case_id": str(CASE_ID),
        "decision": "REJECTED",
        "proposed_by": "ana",
        "approved_by": "bob",
        "comment": "agreed",
    }
    assert changed.event_type == "CaseStatusChanged"
    assert (changed.payload["old_status"], changed.payload["new_status"]) == (
        "PENDING_APPROVAL",
        "REJECTED",
    )
    assert [approved.version, changed.version] == [5, 6]


@pytest.mark.parametrize("proposer", [ANA, LEA, ROOT], ids=lambda a: a.username)
def test_nobody_approves_or_returns_their_own_proposal_superusers_included(proposer):
    state = pending(proposed_by=proposer.username)
    with pytest.raises(NotAllowed, match="four eyes"):
        handle_approve_decision(ApproveDecision(CASE_ID, proposer.username), state, proposer)
    with pytest.raises(NotAllowed, match="four eyes"):
        handle_return_decision(ReturnDecision(CASE_ID, "no", proposer.username), state, proposer)


def test_approvers_outside_the_rule_group_are_refused_and_superusers_count_as_members():
    state = pending(group=LEAD_GROUP)
    with pytest.raises(NotAllowed, match="only members of 'Compliance lead'"):
        handle_approve_decision(ApproveDecision(CASE_ID, "bob"), state, BOB)
    assert handle_approve_decision(ApproveDecision(CASE_ID, "lea"), state, LEA)
    assert handle_approve_decision(ApproveDecision(CASE_ID, "root"), state, ROOT)


def test_a_lead_approves_what_analysts_may_approve():
    assert handle_approve_decision(ApproveDecision(CASE_ID, "lea"), pending(), LEA)


def test_a_returned_proposal_goes_back_to_review_with_the_reason():
    [event] = handle_return_decision(
        ReturnDecision(CASE_ID, " check the UBO ", "bob"), pending(), BOB
    )
    assert event.event_type == "DecisionReturned"
    assert event.payload == {
        "case_id": str(CASE_ID),
        "decision": "APPROVED",
        "proposed_by": "ana",
        "returned_by": "bob",
        "reason": "check the UBO",
    }
    with pytest.raises(InvalidCommand, match="reason"):
        handle_return_decision(ReturnDecision(CASE_ID, "", "bob"), pending(), BOB)


def test_approving_without_a_pending_proposal_is_an_illegal_transition():
    with pytest.raises(IllegalTransition):
        handle_approve_decision(ApproveDecision(CASE_ID, "bob"), IN_REVIEW, BOB)
    with pytest.raises(CaseNotActive):
        handle_approve_decision(
            ApproveDecision(CASE_ID, "bob"), replace(IN_REVIEW, status="CLOSED"), BOB
        )


# --- Due dates ---------------------------------------------------------------------------------


def test_an_open_case_past_its_due_date_becomes_overdue_with_an_id_from_the_case_alone():
    late = replace(IN_REVIEW, due_at=NOW - timedelta(hours=1))
    [first] = handle_mark_overdue(late, NOW)
    [again] = handle_mark_overdue(replace(late, version=9), NOW + timedelta(minutes=5))
    assert first.event_type == "CaseBecameOverdue"
    assert first.event_id == again.event_id
    assert first.payload["due_at"] == (NOW - timedelta(hours=1)).isoformat()


def test_cases_not_yet_due_already_marked_closed_or_decided_are_not_overdue():
    due = NOW - timedelta(hours=1)
    assert handle_mark_overdue(replace(IN_REVIEW, due_at=NOW + timedelta(seconds=1)), NOW) == []
    assert handle_mark_overdue(replace(IN_REVIEW, due_at=due, overdue_at=NOW), NOW) == []
    assert handle_mark_overdue(replace(IN_REVIEW, due_at=None), NOW) == []
    for status in ("APPROVED", "REJECTED", "CLOSED"):
        assert handle_mark_overdue(replace(IN_REVIEW, status=status, due_at=due), NOW) == []
