"""The event store: append with optimistic concurrency, read a stream, iterate everything.

Appends are idempotent: an event whose id is already stored is the same event delivered again
(ids derive from the command's source) and is skipped. A *different* event claiming an
(aggregate, version) that is taken means someone else wrote first: ConcurrencyConflict.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from cases import bulk
from cases.errors import ConcurrencyConflict
from cases.events import DomainEvent
from cases.models import StoredEvent


@dataclass(frozen=True)
class AppendResult:
    recorded_at: datetime
    new_event_ids: frozenset[uuid.UUID]


def case_of(payload: dict) -> uuid.UUID | None:
    """The case an event belongs to: every payload names it, notifications in their recipient."""
    case_id = payload.get("case_id") or (payload.get("recipient_details") or {}).get("case_id")
    return uuid.UUID(str(case_id)) if case_id else None


def to_stored(event: DomainEvent, recorded_at: datetime) -> StoredEvent:
    return StoredEvent(
        event_id=event.event_id,
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        version=event.version,
        occurred_at=event.occurred_at,
        recorded_at=recorded_at,
        payload=event.payload,
        metadata=event.metadata.as_dict(),
        correlation_id=event.metadata.correlation_id,
        sequence=event.sequence,
        case_id=case_of(event.payload),
    )


def append(events: list[DomainEvent]) -> AppendResult:
    recorded_at = timezone.now()
    if not events:
        return AppendResult(recorded_at, frozenset())
    duplicates = bulk.insert_missing([to_stored(event, recorded_at) for event in events])
    if duplicates:
        claimed = [events[index] for index in sorted(duplicates)]
        stored = set(
            StoredEvent.objects.filter(event_id__in=[e.event_id for e in claimed]).values_list(
                "event_id", flat=True
            )
        )
        conflicting = [e.aggregate_id for e in claimed if e.event_id not in stored]
        if conflicting:
            raise ConcurrencyConflict(conflicting)
    new_ids = frozenset(e.event_id for i, e in enumerate(events) if i not in duplicates)
    return AppendResult(recorded_at, new_ids)


def current_version(aggregate_id: uuid.UUID) -> int:
    last = (
        StoredEvent.objects.filter(aggregate_id=aggregate_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return last or 0


def iterate_all(chunk_size: int = 2000) -> Iterator[list[StoredEvent]]:
    """Every event, each aggregate's stream in version order, in chunks (keyset pagination).

    Per-aggregate order is what projections need: each event changes only its own aggregate's
    read model (and creates that aggregate's child documents), so streams replay independently,
    and two commands recorded in the same millisecond cannot swap places.
    """
    queryset = StoredEvent.objects.order_by("aggregate_id", "version")
    last = None
    while True:
        page = queryset
        if last is not None:
            aggregate_id, version = last
            page = page.filter(aggregate_id__gte=aggregate_id).exclude(
                aggregate_id=aggregate_id, version__lte=version
            )
        chunk = list(page[:chunk_size])
        if not chunk:
            return
        yield chunk
        tail = chunk[-1]
        last = (tail.aggregate_id, tail.version)
