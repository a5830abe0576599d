"""Workflow services (SPEC §3a): resolve the actor, load, decide, append, project, signal.

Every entry point (API, admin, management commands) comes through here. Roles come from
django.contrib.auth groups and are handed to the pure checks as plain data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model

from cases import selectors
from cases.core import projections
from cases.core.command_bus import announce, append, execute, load, request_events
from cases.core.errors import (
    CaseNotActive,
    InvalidCommand,
    NoCaseAvailable,
    NotAllowed,
    VersionConflict,
)
from cases.core.events import DomainEvent
from cases.core.projections import ProjectableEvent
from cases.models import Case
from cases.reviews.cadence import load_cadences, schedule_review
from cases.workflow import handlers
from cases.workflow.authorisation import Actor, check_may_claim, username_of
from cases.workflow.commands import (
    AddCaseNote,
    ApproveDecision,
    AssignCase,
    ChangeCaseStatus,
    ClaimNextCase,
    ProposeDecision,
    ReturnDecision,
)
from cases.workflow.rules import approval_group_for, load_approval_rules

__all__ = [
    "add_case_note",
    "change_case_status",
    "approve_decision",
    "assign_case",
    "claim_next_case",
    "propose_decision",
    "resolve_actor",
    "return_decision",
    "workflow_state",
]


def resolve_actor(actor: str) -> Actor | None:
    """The user's roles as plain data (`alice` or `USER:alice`); None for an unknown or
    inactive user."""
    user = get_user_model().objects.filter(username=username_of(actor), is_active=True).first()
    if user is None:
        return None
    groups = frozenset(user.groups.values_list("name", flat=True))
    return Actor(username=user.get_username(), groups=groups, is_superuser=user.is_superuser)


def _actor(name: str) -> Actor:
    actor = resolve_actor(name)
    if actor is None:
        raise NotAllowed(f"{username_of(name)!r} is not an active user")
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


def _run(
    command: Any, decide: Callable[[handlers.WorkflowState, Actor], list[DomainEvent]]
) -> tuple[Case, list[ProjectableEvent]]:
    """Resolve the actor, then the usual load, decide, append, project (cases.core.command_bus)."""
    actor = _actor(command.actor)
    return execute(Case, command.case_id, command, lambda case: decide(workflow_state(case), actor))


def assign_case(command: AssignCase) -> Case:
    """Give the case to someone or nobody; analysts take or release, leads assign anyone."""
    assignee = resolve_actor(command.assignee) if command.assignee else None
    case, _ = _run(
        command, lambda state, actor: handlers.handle_assign_case(command, state, actor, assignee)
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


def _hit_label(hit) -> str:
    """The hit by id and list entity id, never by caption: the refusal becomes an API error body,
    and those carry no personal data (SPEC §8); the hit itself is one GET away."""
    return (
        f"hit {hit.id}: {hit.entity_id} ({hit.dataset} {hit.list_version}, "
        f"score {hit.score:.2f}, {hit.status})"
    )


def _screening_blockers(case: Case) -> dict[str, list[str]]:
    """Unresolved hits and confirmed sanctions matches, named for the refusal (SPEC §3c)."""
    unresolved = (
        [_hit_label(hit) for hit in selectors.list_unresolved_case_hits(case.pk)]
        if case.open_hits
        else []
    )
    sanctions = []
    if "sanction" in (case.confirmed_hit_topics or []):
        sanctions = [
            _hit_label(hit)
            for hit in selectors.list_case_hits(case.pk, status="TRUE_MATCH")
            if "sanction" in (hit.topics or [])
        ]
    return {"unresolved_hits": unresolved, "sanction_matches": sanctions}


def _approval_blockers(case: Case) -> dict[str, Any]:
    return {**_screening_blockers(case), "risk_level": case.risk_level}


def propose_decision(command: ProposeDecision) -> Case:
    """IN_REVIEW → PENDING_APPROVAL by the assignee; approval is refused with the outstanding
    documents listed."""
    actor = _actor(command.actor)
    rules = load_approval_rules()
    approving = command.decision.strip().upper() == "APPROVED"

    def decide(case: Case):
        return handlers.handle_propose_decision(
            command,
            workflow_state(case),
            actor,
            approval_group=approval_group_for(rules, case.traitement_type, case.case_type),
            outstanding=_outstanding(case) if approving else [],
            **(_approval_blockers(case) if approving else {}),
        )

    case, _ = execute(Case, command.case_id, command, decide)
    return case


def approve_decision(command: ApproveDecision) -> Case:
    """The second pair of eyes: the case takes the proposed status (CaseStatusChanged fires the
    status-change notification like any other). An approval schedules the client's next
    review from the case's risk level and the cadence in force (SPEC §3d)."""
    actor = _actor(command.actor)
    cadences = load_cadences()

    def decide(case: Case):
        # A case not rated (opened before the risk model) has no level: the UNRATED cadence.
        return handlers.handle_approve_decision(
            command,
            workflow_state(case),
            actor,
            **_approval_blockers(case),
            review=schedule_review(case.risk_level, cadences, command.occurred_at),
        )

    case, events = execute(Case, command.case_id, command, decide)
    announce(events)
    return case


def return_decision(command: ReturnDecision) -> Case:
    case, _ = _run(command, partial(handlers.handle_return_decision, command))
    return case


# --- Claim next -------------------------------------------------------------------------------
# No lock: CaseAssigned is appended at the version the claimer read plus one, and the event
# store's unique (aggregate, version) key lets exactly one claimer of a case win; the others
# get ConcurrencyConflict and move to the next candidate. A conditional update on the read model
# (`update_one({"_id": ..., "assignee": None}, ...)`) was tried as a first guard and dropped:
# FerretDB v1 applied it as read-then-write, so two claimers both "won" and one wrote a stale
# document back over the other's projection (docs/workflow.md). The unique index is atomic on
# every server.

CANDIDATES_PER_QUERY = 20


def _claim(command: ClaimNextCase, actor: Actor, case_id: uuid.UUID) -> Case | None:
    case = Case.objects.filter(pk=case_id).first()
    if case is None or case.assignee is not None:
        return None
    try:
        events = handlers.handle_claim_case(command, workflow_state(case), actor)
        append(events, based_on=case.version)
    except (CaseNotActive, VersionConflict):
        return None  # someone else was quicker, or the case moved on since the queue was read
    projections.project(events)
    case.refresh_from_db()
    return case


def claim_next_case(command: ClaimNextCase) -> Case:
    """Assign the oldest matching unassigned OPEN/IN_REVIEW case to the caller, atomically;
    NoCaseAvailable when none is left. A retried request returns the case it claimed."""
    earlier = request_events(command.request_id)
    if earlier:
        projections.project(earlier)
        return load(Case, earlier[0].aggregate_id)
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


# --- Direct status changes and notes (SPEC §3): no role check, any analyst may -----------------


def _case_state(case: Case) -> handlers.CaseState:
    return handlers.CaseState(case_id=case.pk, status=case.status, version=case.version)


def change_case_status(command: ChangeCaseStatus) -> Case:
    """Move a case along its lifecycle; IllegalTransition lists the allowed statuses."""
    case, events = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_change_case_status(command, _case_state(case)),
    )
    announce(events)
    return case


def add_case_note(command: AddCaseNote) -> Case:
    """Append a note to a case (allowed in every status: the audit trail never closes)."""
    if not command.text.strip():
        raise InvalidCommand("a note needs text")
    case, _ = execute(
        Case,
        command.case_id,
        command,
        lambda case: handlers.handle_add_case_note(command, _case_state(case)),
    )
    return case
