"""Risk projections (SPEC §3d): the Case's risk fields, version-gated like every Case projection.

The Client's level and history are folded with the rest of the Client row in
`cases.client_updates.projections` (one read and one write per batch for both).
"""

from __future__ import annotations

from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.core.projections import ProjectableEvent
from cases.models import Case


def _touch(case: Case, event: ProjectableEvent) -> Case:
    case.updated_at = event.occurred_at
    return case


def _assessed(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    p = event.payload
    case.risk_level = p["effective_level"]
    case.risk_score = p["score"]
    case.risk_factors = list(p["factors"])
    case.risk_model_version = p["model_version"]
    case.risk_assessed_at = event.occurred_at
    if p.get("override_cleared"):
        case.risk_overridden = None
    return _touch(case, event)


def _level_changed(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    return _touch(case, event)


def _override_proposed(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    p = event.payload
    case.risk_override = {
        "level": p["level"],
        "rationale": p["rationale"],
        "proposed_by": p["by"],
        "proposed_at": p["proposed_at"],
        "approval_group": p["approval_group"],
    }
    return _touch(case, event)


def _override_approved(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    p = event.payload
    case.risk_overridden = {
        "level": p["level"],
        "rationale": p["rationale"],
        "proposed_by": p["proposed_by"],
        "approved_by": p["by"],
        "computed_level": p["computed_level"],
    }
    case.risk_override = None
    case.risk_level = p["level"]
    return _touch(case, event)


def _override_returned(uow: Any, event: ProjectableEvent, case: Case) -> Case:
    case.risk_override = None
    return _touch(case, event)


projections.register(ev.RISK_ASSESSED, Case, _assessed, creates=False)
projections.register(ev.RISK_LEVEL_CHANGED, Case, _level_changed, creates=False)
projections.register(ev.RISK_OVERRIDE_PROPOSED, Case, _override_proposed, creates=False)
projections.register(ev.RISK_OVERRIDE_APPROVED, Case, _override_approved, creates=False)
projections.register(ev.RISK_OVERRIDE_RETURNED, Case, _override_returned, creates=False)
