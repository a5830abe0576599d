"""Workflow decisions (SPEC §3a): command + case state + actor in, events out. Pure.

Events continue the case aggregate's versions from the state's version, so the event store's
unique (aggregate, version) index refuses a decision taken on a stale read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.core import events as ev
from cases.core import lifecycle
from cases.core.errors import CaseNotActive, DecisionRefused, IllegalTransition, InvalidCommand
from cases.core.requests import iso_ms, note_payload, request_sequence
from cases.reviews.cadence import ReviewSchedule
from cases.reviews.handlers import add_review_scheduled
from cases.workflow import authorisation as auth
from cases.workflow.commands import (
    AddCaseNote,
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)

__all__ = [
    "OVERDUE",
    "CaseState",
    "WorkflowState",
    "add_status_changed",
    "check_screening_allows_approval",
    "handle_add_case_note",
    "handle_approve_decision",
    "handle_assign_case",
    "handle_change_case_status",
    "handle_claim_case",
    "handle_mark_overdue",
    "handle_propose_decision",
    "handle_return_decision",
    "outstanding_documents",
]

DECISIONS = ("APPROVED", "REJECTED")
# A document no longer holds up an approval once verified or waived (SPEC §3a).
SETTLED_DOCUMENT_STATUSES = frozenset({"VERIFIED_SYSTEM", "VERIFIED_MANUAL", "NOT_APPLICABLE"})
OVERDUE = "overdue"


@dataclass(frozen=True)
class WorkflowState:
    case_id: uuid.UUID
    status: str
    version: int
    traitement_type: str
    case_type: str
    assignee: str | None = None
    pending_decision: dict[str, Any] | None = None
    due_at: datetime | None = None
    overdue_at: datetime | None = None


def _check_active(state: WorkflowState) -> None:
    if lifecycle.is_final_case_status(state.status):
        raise CaseNotActive(f"case {state.case_id} is {state.status}: its workflow is over")


def _assigned(
    sequence: ev.EventSequence, state: WorkflowState, assignee: str | None, by: str, previous=None
) -> ev.DomainEvent:
    payload = {"case_id": str(state.case_id), "assignee": assignee, "previous": previous, "by": by}
    return sequence.add(ev.CASE_ASSIGNED, ev.CASE, state.case_id, payload)


def handle_assign_case(
    command: AssignCase, state: WorkflowState, actor: auth.Actor, assignee: auth.Actor | None
) -> list[ev.DomainEvent]:
    """CaseAssigned, or nothing when the case already has that assignee."""
    _check_active(state)
    wanted = auth.username_of(command.assignee) if command.assignee else None
    auth.check_may_assign(actor, current=state.assignee, assignee=assignee, assignee_name=wanted)
    if wanted == state.assignee:
        return []
    sequence = request_sequence(command, actor.event_actor, {state.case_id: state.version})
    _assigned(sequence, state, wanted, actor.username, previous=state.assignee)
    return sequence.events


def handle_claim_case(
    command: ClaimNextCase, state: WorkflowState, actor: auth.Actor
) -> list[ev.DomainEvent]:
    """CaseAssigned to the claimer, for an unassigned OPEN or IN_REVIEW case."""
    auth.check_may_claim(actor)
    _check_active(state)
    if state.status not in lifecycle.CLAIMABLE_CASE_STATUSES:
        raise CaseNotActive(f"case {state.case_id} is {state.status}: not claimable")
    if state.assignee is not None:
        raise CaseNotActive(f"case {state.case_id} is already assigned to {state.assignee}")
    sequence = request_sequence(command, actor.event_actor, {state.case_id: state.version})
    _assigned(sequence, state, actor.username, actor.username, previous=None)
    return sequence.events


def outstanding_documents(requirements: list[tuple[str, str, bool]]) -> list[str]:
    """ "<document type> (<status>)" for each required (type, status, is_required) not settled."""
    return sorted(
        f"{document_type} ({status})"
        for document_type, status, is_required in requirements
        if is_required and status not in SETTLED_DOCUMENT_STATUSES
    )


def handle_propose_decision(
    command: ProposeDecision,
    state: WorkflowState,
    actor: auth.Actor,
    *,
    approval_group: str,
    outstanding: list[str],
    unresolved_hits: Sequence[str] = (),
    sanction_matches: Sequence[str] = (),
    risk_level: str | None = None,
) -> list[ev.DomainEvent]:
    """DecisionProposed (IN_REVIEW → PENDING_APPROVAL); the approving group is fixed now, from
    the ApprovalRule in force, so who may approve never changes under a pending proposal.

    APPROVED is refused while a required document is outstanding, while a screening hit is
    unresolved, always once a sanctions match is confirmed (SPEC §3c), and always for a
    PROHIBITED risk level (SPEC §3d), naming what stands in the way."""
    _check_active(state)
    decision = lifecycle.normalise_status(command.decision)
    if decision not in DECISIONS:
        raise InvalidCommand(f"decision must be APPROVED or REJECTED, not {command.decision!r}")
    rationale = command.rationale.strip()
    if not rationale:
        raise InvalidCommand("a proposed decision needs a rationale")
    auth.check_may_propose(actor, assignee=state.assignee)
    if state.status != "IN_REVIEW":
        raise IllegalTransition(
            "case", state.status, "PENDING_APPROVAL", lifecycle.direct_case_moves(state.status)
        )
    if decision == "APPROVED" and outstanding:
        raise DecisionRefused(
            "approval needs every required document verified or not applicable; outstanding",
            outstanding,
        )
    if decision == "APPROVED":
        check_risk_allows_approval(risk_level)
        check_screening_allows_approval(unresolved_hits, sanction_matches)
    sequence = request_sequence(command, actor.event_actor, {state.case_id: state.version})
    sequence.add(
        ev.DECISION_PROPOSED,
        ev.CASE,
        state.case_id,
        {
            "case_id": str(state.case_id),
            "decision": decision,
            "rationale": rationale,
            "proposed_by": actor.username,
            "proposed_at": iso_ms(command.occurred_at),
            "approval_group": approval_group,
        },
    )
    return sequence.events


PROHIBITED_RISK = "PROHIBITED"


def check_risk_allows_approval(risk_level: str | None) -> None:
    """A PROHIBITED risk level allows only REJECTED (SPEC §3d)."""
    if risk_level == PROHIBITED_RISK:
        raise DecisionRefused(
            "a PROHIBITED risk level allows only REJECTED; risk level",
            [PROHIBITED_RISK],
            kind="risk",
        )


def check_screening_allows_approval(
    unresolved_hits: Sequence[str], sanction_matches: Sequence[str]
) -> None:
    """DecisionRefused naming the hits that stand in the way of an approval (SPEC §3c)."""
    if sanction_matches:
        raise DecisionRefused(
            "a confirmed sanctions match allows only REJECTED; confirmed",
            list(sanction_matches),
            kind="screening_hits",
        )
    if unresolved_hits:
        raise DecisionRefused(
            "approval needs every screening hit resolved; unresolved",
            list(unresolved_hits),
            kind="screening_hits",
        )


def _pending(state: WorkflowState, actor: auth.Actor) -> dict[str, Any]:
    _check_active(state)
    pending = state.pending_decision
    if state.status != "PENDING_APPROVAL" or not pending:
        raise IllegalTransition(
            "case", state.status, "a decision", lifecycle.direct_case_moves(state.status)
        )
    auth.check_may_approve(
        actor, proposed_by=pending["proposed_by"], approval_group=pending["approval_group"]
    )
    return pending


def handle_approve_decision(
    command: ApproveDecision,
    state: WorkflowState,
    actor: auth.Actor,
    *,
    unresolved_hits: Sequence[str] = (),
    sanction_matches: Sequence[str] = (),
    risk_level: str | None = None,
    review: ReviewSchedule | None = None,
) -> list[ev.DomainEvent]:
    """DecisionApproved, then CaseStatusChanged to the proposed status; an APPROVED proposal
    is refused like its proposal would be now (a hit raised since, SPEC §3c; a PROHIBITED
    rating since, SPEC §3d). An approval also appends `review` as ReviewScheduled: the
    client's next review date (SPEC §3d)."""
    pending = _pending(state, actor)
    decision = pending["decision"]
    if decision == "APPROVED":
        check_risk_allows_approval(risk_level)
        check_screening_allows_approval(unresolved_hits, sanction_matches)
    sequence = request_sequence(command, actor.event_actor, {state.case_id: state.version})
    sequence.add(
        ev.DECISION_APPROVED,
        ev.CASE,
        state.case_id,
        {
            "case_id": str(state.case_id),
            "decision": decision,
            "proposed_by": pending["proposed_by"],
            "approved_by": actor.username,
            "comment": command.comment.strip(),
        },
    )
    reason = f"four-eyes: proposed by {pending['proposed_by']}, approved by {actor.username}"
    add_status_changed(sequence, state.case_id, state.status, decision, reason)
    if decision == "APPROVED" and review is not None:
        add_review_scheduled(sequence, state.case_id, review)
    return sequence.events


def handle_return_decision(
    command: ReturnDecision, state: WorkflowState, actor: auth.Actor
) -> list[ev.DomainEvent]:
    """DecisionReturned: back to IN_REVIEW with the reason, for the assignee to rework."""
    reason = command.reason.strip()
    if not reason:
        raise InvalidCommand("returning a decision needs a reason")
    pending = _pending(state, actor)
    sequence = request_sequence(command, actor.event_actor, {state.case_id: state.version})
    sequence.add(
        ev.DECISION_RETURNED,
        ev.CASE,
        state.case_id,
        {
            "case_id": str(state.case_id),
            "decision": pending["decision"],
            "proposed_by": pending["proposed_by"],
            "returned_by": actor.username,
            "reason": reason,
        },
    )
    return sequence.events


def handle_mark_overdue(state: WorkflowState, now: datetime) -> list[ev.DomainEvent]:
    """CaseBecameOverdue once per case: its id derives from the case alone, so a second check
    (or a second consumer) produces the very same event, which the store keeps once."""
    if (
        state.status not in lifecycle.ACTIVE_CASE_STATUSES
        or state.due_at is None
        or state.due_at > now
        or state.overdue_at is not None
    ):
        return []
    metadata = ev.Metadata(
        correlation_id=str(state.case_id),
        causation_id=f"{OVERDUE}:{state.case_id}",
        actor="system",
    )
    sequence = ev.EventSequence(metadata, now, start_versions={state.case_id: state.version})
    sequence.add(
        ev.CASE_BECAME_OVERDUE,
        ev.CASE,
        state.case_id,
        {
            "case_id": str(state.case_id),
            "due_at": iso_ms(state.due_at),
            "status": state.status,
        },
    )
    return sequence.events


# --- Direct status changes and notes (SPEC §3) ------------------------------------------------
# The caller (cases.workflow.services) loads the read model and passes its status and version;
# events continue that aggregate's versions contiguously, and the event store's unique
# (aggregate, version) index turns a stale read into ConcurrencyConflict.


@dataclass(frozen=True)
class CaseState:
    case_id: uuid.UUID
    status: str
    version: int


def handle_change_case_status(command: ChangeCaseStatus, state: CaseState) -> list[ev.DomainEvent]:
    """One CaseStatusChanged, or IllegalTransition naming the allowed moves (DecisionRequired
    for the statuses only the four-eyes decision reaches, SPEC §3a)."""
    new_status = lifecycle.check_direct_status_change(state.status, command.new_status)
    sequence = request_sequence(command, command.actor, {state.case_id: state.version})
    add_status_changed(sequence, state.case_id, state.status, new_status, command.reason)
    return sequence.events


def add_status_changed(
    sequence: ev.EventSequence, case_id: uuid.UUID, old: str, new: str, reason: str
) -> ev.DomainEvent:
    """CaseStatusChanged, whichever command moves the case (status change or decision)."""
    payload = {"case_id": str(case_id), "old_status": old, "new_status": new, "reason": reason}
    return sequence.add(ev.CASE_STATUS_CHANGED, ev.CASE, case_id, payload)


def handle_add_case_note(command: AddCaseNote, state: CaseState) -> list[ev.DomainEvent]:
    """One CaseNoteAdded; the note's time is in the payload so rebuilds reproduce it exactly."""
    sequence = request_sequence(command, command.actor, {state.case_id: state.version})
    note = note_payload(command.actor, iso_ms(command.occurred_at), command.text.strip())
    sequence.add(
        ev.CASE_NOTE_ADDED, ev.CASE, state.case_id, {"case_id": str(state.case_id), "note": note}
    )
    return sequence.events
