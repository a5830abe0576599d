"""The command bus: how a command on one existing aggregate runs, for every service.

Load the read model, decide (pure handler), append (optimistic concurrency), project, then
fire the domain signal: receivers see the change already in the read models. A request is
identified by its request_id: a retry of a request whose events are stored re-projects them
and re-fires its signals (receivers dedupe on event_id) instead of applying it twice, so a
caller that lost the answer, or hit a failing receiver, can simply retry. Used by
`cases.intake.services` and `cases.workflow.services`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models

from cases.core import event_store, projections, signals
from cases.core import events as ev
from cases.core.errors import ConcurrencyConflict, InvalidCommand, NotFound, VersionConflict
from cases.core.events import DomainEvent
from cases.core.projections import ProjectableEvent
from cases.core.requests import request_metadata
from cases.models import Case, DocumentRequirement, StoredEvent

__all__ = ["announce", "append", "check_replayed_ids", "execute", "load", "request_events"]

ModelT = TypeVar("ModelT", bound=models.Model)


def load(model: type[ModelT], pk: uuid.UUID) -> ModelT:
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        raise NotFound(f"{model.__name__} {pk} not found")
    return instance


def _check_expected_version(instance: models.Model, expected: int | None) -> None:
    if expected is not None and instance.version != expected:
        raise VersionConflict(instance.pk, expected, instance.version)


def request_events(request_id: str) -> list[StoredEvent]:
    """The events an earlier run of this request stored (oldest first); [] for a new request."""
    causation = request_metadata(request_id, "").causation_id
    if not StoredEvent.objects.filter(pk=ev.derive_id(causation, "event", 0)).exists():
        return []
    stored = StoredEvent.objects.filter(correlation_id=request_id).order_by("sequence")
    # Uncommitted (a crash before the commit marker): re-run, which lands on the same ids.
    return event_store.visible(
        event for event in stored if event.metadata.get("causation_id") == causation
    )


def append(events: list[DomainEvent], based_on: int) -> None:
    """Append; another writer holding the version becomes VersionConflict.

    Nothing is projected on a conflict: the winner is projecting its own events right now, and
    two writers replacing one read-model document race. A command projects only the events it
    wrote; a read model left behind by a crash is completed by retrying that request (same
    request_id), which re-projects.
    """
    try:
        result = event_store.append(events)
    except ConcurrencyConflict as exc:
        aggregate_id = exc.aggregate_ids[0]
        raise VersionConflict(
            aggregate_id, based_on, event_store.current_version(aggregate_id)
        ) from exc
    check_replayed_ids(events, result.new_event_ids)


def check_replayed_ids(events: list[DomainEvent], new_ids: frozenset[uuid.UUID]) -> None:
    """An id already stored must be this very event; otherwise a request_id was reused."""
    replayed = {e.event_id: e for e in events if e.event_id not in new_ids}
    if not replayed:
        return
    stored = StoredEvent.objects.filter(event_id__in=list(replayed)).values_list(
        "event_id", "aggregate_id", "version"
    )
    for event_id, aggregate_id, version in stored:
        event = replayed[event_id]
        if (event.aggregate_id, event.version) != (aggregate_id, version):
            raise InvalidCommand(
                f"request_id {event.metadata.correlation_id} was already used for another "
                "change; send a new request_id"
            )


def execute(
    model: type[ModelT],
    aggregate_id: uuid.UUID,
    command: Any,
    decide: Callable[[ModelT], list[DomainEvent]],
) -> tuple[ModelT, list[ProjectableEvent]]:
    """Run a one-aggregate command end to end; returns the fresh read model and its events."""
    earlier = request_events(command.request_id)
    if earlier:
        if any(event.aggregate_id != aggregate_id for event in earlier):
            raise InvalidCommand(
                f"request_id {command.request_id} was already used for another aggregate"
            )
        projections.project(earlier)
        return load(model, aggregate_id), [ProjectableEvent.of(e) for e in earlier]
    current = load(model, aggregate_id)
    _check_expected_version(current, command.expected_version)
    events = decide(current)
    append(events, based_on=current.version)
    projections.project(events)
    current.refresh_from_db()
    return current, [ProjectableEvent.of(e) for e in events]


def announce(events: Sequence[ProjectableEvent]) -> None:
    """Fire the domain signals of projected events (see cases.core.signals for the kwargs)."""
    for event in events:
        p = event.payload
        actor = event.metadata.get("actor", "")
        if event.event_type == ev.CASE_STATUS_CHANGED:
            signals.case_status_changed.send(
                sender=Case,
                case_id=uuid.UUID(p["case_id"]),
                old_status=p["old_status"],
                new_status=p["new_status"],
                event_id=event.event_id,
                actor=actor,
            )
        elif event.event_type == ev.DOCUMENT_STATUS_UPDATED:
            signals.document_status_changed.send(
                sender=DocumentRequirement,
                requirement_id=uuid.UUID(p["requirement_id"]),
                case_id=uuid.UUID(p["case_id"]),
                old_status=p["old_status"],
                new_status=p["new_status"],
                event_id=event.event_id,
                actor=actor,
                file_version=p.get("file_version"),
                request_new_upload=bool(p.get("request_new_upload")),
                reason=p.get("reason") or "",
            )
