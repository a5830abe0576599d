"""The event store: append with optimistic concurrency, read a stream, iterate everything.

Appends are idempotent: an event whose id is already stored is the same event delivered again
(ids derive from the command's source) and is skipped. A *different* event claiming an
(aggregate, version) that is taken means someone else wrote first: ConcurrencyConflict. The
(aggregate, version) pair is unique through one field, `stream_key` (cases.models.event_log).

Appends are all-or-nothing for readers (issue #12). The events go in first, unordered; then
one `EventCommit` document per command (its causation) makes them visible together. A conflict
withdraws what the append inserted; a crash before the marker leaves the events invisible until
the same command is retried (same ids: it completes). Readers filter with `visible()`. Events
an abandoned command left holding a version are reaped by the next writer that conflicts with
them, once they are older than ABANDONED_AFTER. This needs no multi-document transaction, which
FerretDB lacks, and is the same on MongoDB.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from cases.core import bulk
from cases.core.errors import ConcurrencyConflict
from cases.core.events import DomainEvent, derive_id
from cases.models import EventCommit, StoredEvent
from cases.models.event_log import stream_key

logger = logging.getLogger(__name__)

# An append writes its events and its commit markers within milliseconds; uncommitted events
# this old belong to a writer that crashed, or conflicted and crashed before withdrawing.
ABANDONED_AFTER = timedelta(minutes=5)


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
        stream_key=stream_key(event.aggregate_id, event.version),
    )


def command_id_of(causation_id: str) -> uuid.UUID:
    """The commit marker's id: one per command, stable across retries."""
    return derive_id(causation_id, "commit")


def _causation(event: StoredEvent) -> str:
    return (event.metadata or {}).get("causation_id", "")


def append(events: list[DomainEvent]) -> AppendResult:
    """Store the events and commit them per command; nothing becomes visible on a conflict."""
    recorded_at = timezone.now()
    if not events:
        return AppendResult(recorded_at, frozenset())
    try:
        duplicates = bulk.insert_missing([to_stored(event, recorded_at) for event in events])
    except bulk.WriteDeadlock as exc:
        # Another writer was storing the same version at that instant: the same conflict as
        # when it had finished first (FerretDB v2 can report this; MongoDB says 11000).
        lost = exc.deadlocked | exc.duplicates
        _withdraw([e for i, e in enumerate(events) if i not in lost])
        raise ConcurrencyConflict([events[i].aggregate_id for i in sorted(exc.deadlocked)]) from exc
    new_events = [e for i, e in enumerate(events) if i not in duplicates]
    if duplicates:
        claimed = [events[index] for index in sorted(duplicates)]
        stored = set(
            StoredEvent.objects.filter(event_id__in=[e.event_id for e in claimed]).values_list(
                "event_id", flat=True
            )
        )
        conflicting = [e for e in claimed if e.event_id not in stored]
        if conflicting:
            _withdraw(new_events)
            _reap_abandoned(conflicting)
            raise ConcurrencyConflict([e.aggregate_id for e in conflicting])
    _commit(events, recorded_at)
    return AppendResult(recorded_at, frozenset(e.event_id for e in new_events))


def _commit(events: list[DomainEvent], recorded_at: datetime) -> None:
    causations = list(dict.fromkeys(event.metadata.causation_id for event in events))
    markers = [
        EventCommit(command_id=command_id_of(c), causation_id=c[:300], committed_at=recorded_at)
        for c in causations
    ]
    taken = bulk.insert_missing(markers)
    if (
        taken
        and EventCommit.objects.filter(pk__in=[markers[i].pk for i in taken], aborted=True).exists()
    ):
        # A reaper is deleting an earlier, abandoned run of this command: retry once it is done.
        raise ConcurrencyConflict([events[0].aggregate_id])


def _withdraw(events: list[DomainEvent]) -> None:
    """Delete what this append inserted (never committed, so never seen by a reader)."""
    if events:
        StoredEvent.objects.filter(event_id__in=[e.event_id for e in events]).delete()


def _reap_abandoned(conflicting: list[DomainEvent]) -> None:
    """Free versions held by old uncommitted events: claim their command, delete, release."""
    cutoff = timezone.now() - ABANDONED_AFTER
    for event in conflicting:
        holder = StoredEvent.objects.filter(
            aggregate_id=event.aggregate_id, version=event.version, recorded_at__lt=cutoff
        ).first()
        if holder is None or visible([holder]):
            continue
        causation = _causation(holder)
        claim = EventCommit(
            command_id=command_id_of(causation),
            causation_id=causation[:300],
            committed_at=timezone.now(),
            aborted=True,
        )
        if bulk.insert_missing([claim]):
            continue  # committed meanwhile, or another writer is reaping it
        doomed = [
            e.pk
            for e in StoredEvent.objects.filter(correlation_id=holder.correlation_id)
            if _causation(e) == causation
        ]
        StoredEvent.objects.filter(pk__in=doomed).delete()
        EventCommit.objects.filter(pk=claim.pk).delete()
        logger.warning("abandoned uncommitted events removed", extra={"count": len(doomed)})


def visible(events: Iterable[StoredEvent]) -> list[StoredEvent]:
    """Only the events of committed commands (one indexed lookup of their markers)."""
    events = list(events)
    if not events:
        return []
    wanted = {command_id_of(_causation(e)) for e in events}
    committed = set(
        EventCommit.objects.filter(pk__in=wanted, aborted=False).values_list("pk", flat=True)
    )
    return [e for e in events if command_id_of(_causation(e)) in committed]


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
        if shown := visible(chunk):
            yield shown
        tail = chunk[-1]
        last = (tail.aggregate_id, tail.version)
