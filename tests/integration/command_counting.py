"""Counting the database commands a piece of code sends, as pymongo sends them.

A per-record query in a loop, a read that always finds nothing or a reader that asks for its
rows a few at a time shows in these counts before anyone notices it in a benchmark.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connections
from pymongo import monitoring

__all__ = ["HOUSEKEEPING", "CommandCounter", "counter"]

HOUSEKEEPING = frozenset({"hello", "ismaster", "isMaster", "ping", "buildInfo", "endSessions"})


class CommandCounter(monitoring.CommandListener):
    """Counts (command, collection) pairs while active; registered once per process."""

    def __init__(self) -> None:
        self.active = False
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.active or event.command_name in HOUSEKEEPING:
            return
        # A getMore names its cursor first and its collection second.
        key = "collection" if event.command_name == "getMore" else event.command_name
        target = event.command.get(key)
        with self._lock:
            self.counts[(event.command_name, str(target))] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


_COUNTER = CommandCounter()
monitoring.register(_COUNTER)


@pytest.fixture
def counter() -> Iterator[CommandCounter]:
    """A fresh client (listeners attach when a client is made), counting for this test only."""
    connections["default"].close()
    try:
        yield _COUNTER
    finally:
        _COUNTER.active = False
        _COUNTER.counts.clear()
        connections["default"].close()
