"""Phase timings of the batch path (handle, append, project), for per-record spans.

`open_cases` serves a whole batch with one append and one projection pass, so no record owns
those steps. The edge that traces records opens `collect_phases()` around the call and gets
each phase's name and wall-clock bounds, to draw them under every record's processing span.
Without a collector a phase costs one context-variable read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Phase", "collect_phases", "phase"]


@dataclass(frozen=True)
class Phase:
    name: str
    start_ns: int
    end_ns: int
    failed: bool = False


_sink: ContextVar[list[Phase] | None] = ContextVar("casemgmt_phases", default=None)


@contextmanager
def collect_phases() -> Iterator[list[Phase]]:
    """Gather the phases run inside the block (nested collectors see only their own)."""
    phases: list[Phase] = []
    token = _sink.set(phases)
    try:
        yield phases
    finally:
        _sink.reset(token)


@contextmanager
def phase(name: str) -> Iterator[None]:
    sink = _sink.get()
    if sink is None:
        yield
        return
    start = time.time_ns()
    try:
        yield
    except BaseException:
        sink.append(Phase(name, start, time.time_ns(), failed=True))
        raise
    sink.append(Phase(name, start, time.time_ns()))
