"""The due-date check (SPEC §3a): `manage.py check_overdue` and the consumer's leader run it.

Once per case, however often and by however many processes it runs: CaseBecameOverdue has an
id derived from the case, so a second writer stores nothing new, and the notification id
derives from the case too. The order (append, notify, project) means a crash at any point is
finished by the next run: a case leaves the "becoming overdue" list only once projected.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from cases import selectors
from cases.core import event_store, projections
from cases.core.errors import ConcurrencyConflict
from cases.models import StoredEvent
from cases.notifications.services import notify_case_overdue
from cases.workflow.handlers import handle_mark_overdue
from cases.workflow.services import workflow_state

__all__ = ["PeriodicOverdueCheck", "check_overdue"]


def check_overdue(*, now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Mark open cases past their due date; returns the ids this run found overdue."""
    now = now or timezone.now()
    marked = []
    for case in selectors.list_cases_becoming_overdue(now=now)[:limit]:
        events = handle_mark_overdue(workflow_state(case), now)
        if not events:
            continue
        try:
            event_store.append(events)
        except ConcurrencyConflict:
            continue  # the case moved on since it was read; the next run decides again
        # Whoever stored it first (maybe another process, at another version) wrote the event.
        stored = StoredEvent.objects.get(pk=events[0].event_id)
        notify_case_overdue(case.pk)
        projections.project([stored])
        marked.append(case.pk)
    return marked


class PeriodicOverdueCheck:
    """A consumer background hook: runs the check at most every `interval` seconds."""

    __name__ = "check_overdue"

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._last: float | None = None

    def __call__(self) -> list[uuid.UUID]:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return []
        self._last = now
        return check_overdue()
