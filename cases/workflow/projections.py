"""Workflow projections (SPEC §3, §3a): status, notes, assignee, pending proposal, overdue marker.

Registered with `cases.core.projections` on import (see `cases.apps`), version-gated like every
projection; times come from the events, so `rebuild_projections` reproduces them exactly.
"""

from __future__ import annotations

from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.models import Case

__all__: list[str] = []


def _clear_pending(case: Case) -> None:
    case.pending_decision = case.approval_group = case.proposed_by = None


def _case_assigned(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    case.assignee = event.payload["assignee"]
    case.assigned_at = event.occurred_at if case.assignee else None
    case.updated_at = event.occurred_at
    return case


def _decision_proposed(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    p = event.payload
    case.status = "PENDING_APPROVAL"
    case.pending_decision = {
        key: p[key]
        for key in ("decision", "rationale", "proposed_by", "proposed_at", "approval_group")
    }
    case.approval_group = p["approval_group"]
    case.proposed_by = p["proposed_by"]
    case.updated_at = event.occurred_at
    return case


def _decision_approved(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    """The status follows in the CaseStatusChanged recorded right after."""
    _clear_pending(case)
    case.updated_at = event.occurred_at
    return case


def _decision_returned(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    _clear_pending(case)
    case.status = "IN_REVIEW"
    case.updated_at = event.occurred_at
    return case


def _case_became_overdue(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    case.overdue_at = event.occurred_at
    case.updated_at = event.occurred_at
    return case


def _case_status_changed(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    case.status = event.payload["new_status"]
    if case.status in ("APPROVED", "REJECTED", "CLOSED"):
        # A closed or decided case has no proposal waiting (SPEC §3a).
        case.pending_decision = case.approval_group = case.proposed_by = None
    case.updated_at = event.occurred_at
    return case


def _case_note_added(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    case.notes = [*(case.notes or []), dict(event.payload["note"])]
    case.updated_at = event.occurred_at
    return case


projections.register(ev.CASE_ASSIGNED, Case, _case_assigned, creates=False)
projections.register(ev.DECISION_PROPOSED, Case, _decision_proposed, creates=False)
projections.register(ev.DECISION_APPROVED, Case, _decision_approved, creates=False)
projections.register(ev.DECISION_RETURNED, Case, _decision_returned, creates=False)
projections.register(ev.CASE_BECAME_OVERDUE, Case, _case_became_overdue, creates=False)
projections.register(ev.CASE_STATUS_CHANGED, Case, _case_status_changed, creates=False)
projections.register(ev.CASE_NOTE_ADDED, Case, _case_note_added, creates=False)
