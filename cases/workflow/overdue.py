"""The due-date check (SPEC §3a), one of the periodic checks (`cases.core.periodic`).

Once per case, however often and by however many processes it runs: CaseBecameOverdue has an
id derived from the case, so a second writer stores nothing new, and the notification id
derives from the case too. The order (append, notify, project) means a crash at any point is
finished by the next run: a case leaves the "becoming overdue" list only once projected.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone

from cases import selectors
from cases.core import projections
from cases.core.periodic import periodic_check, store_once
from cases.notifications.services import notify_case_overdue
from cases.workflow.handlers import handle_mark_overdue
from cases.workflow.services import workflow_state

__all__ = ["check_overdue"]


def check_overdue(*, now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Mark open cases past their due date; returns the ids this run found overdue."""
    now = now or timezone.now()
    marked = []
    for case in selectors.list_cases_becoming_overdue(now=now)[:limit]:
        events = handle_mark_overdue(workflow_state(case), now)
        if not events:
            continue
        stored = store_once(events)
        if stored is None:
            continue  # the case moved on since it was read; the next run decides again
        notify_case_overdue(case.pk)
        projections.project([stored])
        marked.append(case.pk)
    return marked


@periodic_check("overdue")
def _overdue(now: datetime, limit: int) -> list[uuid.UUID]:
    return check_overdue(now=now, limit=limit)
