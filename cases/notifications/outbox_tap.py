"""Hand freshly queued outbox rows to a relay in the same process, so it needs no query.

The consumer's relay opens a tap; `cases.notifications.services` offers every outbox row it inserted
(not the duplicates of a re-run). The tap is bounded: rows it drops stay PENDING in the outbox
and the relay's periodic sweep delivers them, so the tap only ever makes delivery sooner.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterable

from cases.models import Notification

DEFAULT_LIMIT = 10_000


class OutboxTap:
    """Rows queued by this process since the last `take`, oldest first, at most `limit`."""

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self._rows: deque[Notification] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def offer(self, rows: Iterable[Notification]) -> None:
        with self._lock:
            self._rows.extend(rows)

    def take(self) -> list[Notification]:
        with self._lock:
            rows = list(self._rows)
            self._rows.clear()
        return rows

    def discard(self) -> None:
        """Forget what was offered (another process relays it now, via its sweep)."""
        with self._lock:
            self._rows.clear()


# Weak: a tap lives as long as the relay holding it, with no explicit close.
_taps: weakref.WeakSet[OutboxTap] = weakref.WeakSet()


def open_tap(limit: int = DEFAULT_LIMIT) -> OutboxTap:
    tap = OutboxTap(limit)
    _taps.add(tap)
    return tap


def offer(rows: list[Notification]) -> None:
    """Called by the outbox writer; costs nothing when no relay listens."""
    if rows:
        for tap in list(_taps):
            tap.offer(rows)
