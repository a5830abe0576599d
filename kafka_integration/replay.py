"""Replay stored raw events through the live pipeline (`manage.py replay_raw_events`).

For records rejected before a fix, or after a rule change. The pipeline is idempotent, so a
replayed record that already produced its case changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from cases.models import RawEvent
from kafka_integration import ingest


@dataclass
class ReplayReport:
    replayed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def select_raw_events(
    *, status: str | None = None, ids: list[uuid.UUID] | None = None
) -> QuerySet[RawEvent]:
    queryset = RawEvent.objects.order_by("topic", "partition", "offset")
    if status:
        queryset = queryset.filter(status=status)
    if ids:
        queryset = queryset.filter(pk__in=ids)
    return queryset


def replay(
    raw_events: QuerySet[RawEvent],
    batch_size: int = 200,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplayReport:
    report = ReplayReport()
    total = raw_events.count()
    keys = list(raw_events.values_list("pk", flat=True))
    for start in range(0, len(keys), batch_size):
        chunk = list(RawEvent.objects.filter(pk__in=keys[start : start + batch_size]))
        chunk.sort(key=lambda raw: (raw.topic, raw.partition, raw.offset))
        outcomes = ingest.process_batch(
            [ingest.record_from_raw_event(raw) for raw in chunk], rerun_finished=True
        )
        ingest.record_outcomes(outcomes)
        for outcome in outcomes:
            report.by_status[outcome.status] = report.by_status.get(outcome.status, 0) + 1
        report.replayed += len(outcomes)
        if on_progress:
            on_progress(report.replayed, total)
    return report
