"""Review events on the Case read model (SPEC §3d): they move the case's version like any of
its events; their meaning for the client (the next review date, the last review case) is
folded into the Client row by `cases.client_updates.projections`, which owns it."""

from __future__ import annotations

from typing import Any

from cases.core import events as ev
from cases.core import projections
from cases.models import Case

__all__: list[str] = []


def _touched(uow: Any, event: projections.ProjectableEvent, case: Case) -> Case:
    case.updated_at = max(case.updated_at, event.occurred_at)
    return case


projections.register(ev.REVIEW_SCHEDULED, Case, _touched, creates=False)
projections.register(ev.REVIEW_CASE_OPENED, Case, _touched, creates=False)
