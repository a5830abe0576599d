"""Date-driven checks run as one round: due dates, expiring evidence, reviews that fall due.

A capability registers its check with `@periodic_check("name")` (imported from `cases.apps`);
`manage.py check_overdue` and the consumer's group leader run every registered check, in the
order they registered. A check takes (now, limit) and returns the ids it acted on. It must be
safe to run twice and from two processes at once: derive event ids from what it decides on, so
a second writer stores nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from cases.core import event_store
from cases.core.errors import ConcurrencyConflict
from cases.core.events import DomainEvent
from cases.models import StoredEvent

__all__ = [
    "PeriodicChecks",
    "periodic_check",
    "registered_checks",
    "run_periodic_checks",
    "store_once",
]

Check = Callable[[datetime, int], list]
_checks: dict[str, Check] = {}


def periodic_check(name: str) -> Callable[[Check], Check]:
    """Register `check` under `name`; registering a name again replaces the earlier check."""

    def register(check: Check) -> Check:
        _checks[name] = check
        return check

    return register


def store_once(events: list[DomainEvent]) -> StoredEvent | None:
    """Append a check's decision, whose ids derive from what it decided on; returns its first
    event as stored (maybe by another process, at another moment), or None when the aggregate
    moved on since it was read (the next run decides again)."""
    try:
        event_store.append(events)
    except ConcurrencyConflict:
        return None
    return StoredEvent.objects.get(pk=events[0].event_id)


def registered_checks() -> list[str]:
    return list(_checks)


def run_periodic_checks(*, now: datetime | None = None, limit: int = 500) -> dict[str, list]:
    """Run every registered check once at the same `now`; returns the ids each acted on."""
    now = now or timezone.now()
    return {name: check(now, limit) for name, check in _checks.items()}


class PeriodicChecks:
    """A consumer background hook: runs every check at most once per `interval` seconds."""

    __name__ = "periodic_checks"

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._last: float | None = None

    def __call__(self) -> list:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return []
        self._last = now
        return [acted for ids in run_periodic_checks().values() for acted in ids]
