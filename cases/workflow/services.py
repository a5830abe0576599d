"""Workflow services (SPEC §3a): resolve the actor, load, decide, append, project, signal.

Every entry point (API, admin, management commands) comes through here. Roles come from
django.contrib.auth groups and are handed to the pure checks as plain data.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from django.contrib.auth import get_user_model

from cases import bulk, projections, selectors
from cases.errors import CaseNotActive, NoCaseAvailable, NotAllowed, VersionConflict
from cases.lifecycle import CLAIMABLE_CASE_STATUSES
from cases.models import Case
from cases.services import _announce, _append, _execute, _load, _request_events
from cases.workflow import handlers
from cases.workflow.authorisation import Actor, check_may_claim
from cases.workflow.commands import (
    ApproveDecision,
    AssignCase,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.rules import approval_group_for, load_approval_rules

__all__ = [
    "approve_decision",
    "assign_case",
    "claim_next_case",
    "propose_decision",
    "resolve_actor",
    "return_decision",
    "workflow_state",
]


def resolve_actor(username: str) -> Actor | None:
    """The user's roles as plain data; None for an unknown or inactive user."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    groups = frozenset(user.groups.values_list("name", flat=True))
    return Actor(username=user.get_username(), groups=groups, is_superuser=user.is_superuser)


def _actor(username: str) -> Actor:
    actor = resolve_actor(username)
    if actor is None:
        raise NotAllowed(f"{username!r} is not an active user")
    return actor


def workflow_state(case: Case) -> handlers.WorkflowState:
    return handlers.WorkflowState(
        case_id=case.pk,
        status=case.status,
        version=case.version,
        traitement_type=case.traitement_type,
        case_type=case.case_type,
        assignee=case.assignee,
        pending_decision=case.pending_decision,
        due_at=case.due_at,
        overdue_at=case.overdue_at,
    )


def assign_case(command: AssignCase) -> Case:
    """Give the case to someone or nobody; analysts take or release, leads assign anyone."""
    actor = _actor(command.actor)
    assignee = resolve_actor(command.assignee) if command.assignee else None
    case, _ = _execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_assign_case(command, workflow_state(case), actor, assignee),
    )
    return case


def _outstanding(case: Case) -> list[str]:
    """Required documents not yet verified or waived, named by party for the error message."""
    detail = selectors.get_case_detail(case.pk)
    names = {p.id: f"{p.firstname} {p.lastname}" for p in detail.persons}
    names |= {o.id: f"{o.person.firstname} {o.person.lastname}" for o in detail.owners}
    if detail.company:
        names[detail.company.id] = detail.company.registered_name
    return handlers.outstanding_documents(
        [
            (f"{r.document_type} of {names.get(r.entity_id, r.entity_id)}", r.status, r.is_required)
            for r in detail.requirements
        ]
    )


def propose_decision(command: ProposeDecision) -> Case:
    """IN_REVIEW → PENDING_APPROVAL by the assignee; approval is refused with the outstanding
    documents listed."""
    actor = _actor(command.actor)
    rules = load_approval_rules()

    def decide(case: Case):
        return handlers.handle_propose_decision(
            command,
            workflow_state(case),
            actor,
            approval_group=approval_group_for(rules, case.traitement_type, case.case_type),
            outstanding=_outstanding(case)
            if command.decision.strip().upper() == "APPROVED"
            else [],
        )

    case, _ = _execute(Case, command.case_id, command, decide)
    return case


def approve_decision(command: ApproveDecision) -> Case:
    """The second pair of eyes: the case takes the proposed status (CaseStatusChanged fires the
    status-change notification like any other)."""
    actor = _actor(command.actor)
    case, events = _execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_approve_decision(command, workflow_state(case), actor),
    )
    _announce(events)
    return case


def return_decision(command: ReturnDecision) -> Case:
    actor = _actor(command.actor)
    case, _ = _execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_return_decision(command, workflow_state(case), actor),
    )
    return case


# --- Claim next -------------------------------------------------------------------------------
# Two guards, no lock. (1) A conditional update on the read model reserves a candidate: it sets
# the assignee only where it is still null at the version read, so of two claimers one matches
# and the other moves to the next candidate. (2) CaseAssigned is appended at version+1, so the
# event store's unique (aggregate, version) index refuses a second claim even if (1) were
# bypassed. If another command appended to the case in between, the claimer waits for that
# event's projection and re-decides on the same case, which it has reserved.

CANDIDATES_PER_QUERY = 20
ATTEMPTS_PER_CASE = 5
PROJECTION_WAIT_SECONDS = 2.0


def _reserve(case: Case, username: str, at: datetime) -> bool:
    result = bulk.collection(Case).update_one(
        {
            "_id": bulk.prepared_pk(Case, case.pk),
            "assignee": None,
            "version": case.version,
            "status": {"$in": list(CLAIMABLE_CASE_STATUSES)},
        },
        {"$set": bulk.prepared(Case, assignee=username, assigned_at=at)},
    )
    return result.matched_count == 1


def _release(case_id: uuid.UUID, username: str, at: datetime) -> None:
    """Undo a reservation that did not become a CaseAssigned event (only our own)."""
    bulk.collection(Case).update_one(
        {
            "_id": bulk.prepared_pk(Case, case_id),
            **bulk.prepared(Case, assignee=username, assigned_at=at),
        },
        {"$set": bulk.prepared(Case, assignee=None, assigned_at=None)},
    )


def _same_moment(stored: datetime | None, at: datetime) -> bool:
    """MongoDB keeps milliseconds."""
    return stored is not None and abs((stored - at).total_seconds()) < 0.001


def _wait_past(case_id: uuid.UUID, version: int) -> None:
    deadline = time.monotonic() + PROJECTION_WAIT_SECONDS
    while time.monotonic() < deadline:
        if Case.objects.filter(pk=case_id, version__gt=version).exists():
            return
        time.sleep(0.02)


def _claim(command: ClaimNextCase, actor: Actor, case_id: uuid.UUID) -> Case | None:
    at = command.occurred_at
    for _ in range(ATTEMPTS_PER_CASE):
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            return None
        mine = case.assignee == actor.username and _same_moment(case.assigned_at, at)
        if not mine and not _reserve(case, actor.username, at):
            return None  # someone else was quicker, or the case moved on
        try:
            events = handlers.handle_claim_case(command, workflow_state(case), actor, reserved=True)
            _append(events, based_on=case.version)
        except CaseNotActive:
            break
        except VersionConflict:
            _wait_past(case_id, case.version)
            continue
        projections.project(events)
        case.refresh_from_db()
        return case
    _release(case_id, actor.username, at)
    return None


def claim_next_case(command: ClaimNextCase) -> Case:
    """Assign the oldest matching unassigned OPEN/IN_REVIEW case to the caller, atomically;
    NoCaseAvailable when none is left. A retried request returns the case it claimed."""
    earlier = _request_events(command.request_id)
    if earlier:
        projections.project(earlier)
        return _load(Case, earlier[0].aggregate_id)
    actor = _actor(command.actor)
    check_may_claim(actor)
    tried: set[uuid.UUID] = set()
    while True:
        queue = selectors.list_claimable_cases(
            traitement_type=command.traitement_type, case_type=command.case_type
        )
        if tried:
            queue = queue.exclude(pk__in=list(tried))
        candidates = list(queue.values_list("pk", flat=True)[:CANDIDATES_PER_QUERY])
        if not candidates:
            break
        for case_id in candidates:
            tried.add(case_id)
            claimed = _claim(command, actor, case_id)
            if claimed is not None:
                return claimed
    filters = ", ".join(
        f"{name}={value}"
        for name, value in (
            ("traitement_type", command.traitement_type),
            ("case_type", command.case_type),
        )
        if value
    )
    raise NoCaseAvailable(
        "no unassigned OPEN or IN_REVIEW case to claim" + (f" for {filters}" if filters else "")
    )
