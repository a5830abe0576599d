"""Open one case on request (`POST /api/v1/cases`): the consumer's path, plus the signal.

The same `open_cases` service as the Kafka ingest runs the same handler, so the events, the read
models, the requirements and (through `case_opened`) the notification are those of a Kafka
record with the same content. The command's `source` (derived by the caller from who asks and
their idempotency key) fixes every id, so a retry lands on the documents the first try wrote.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from opentelemetry import propagate

from cases.core import events as ev
from cases.core.errors import InvalidCommand
from cases.core.events import DomainEvent
from cases.core.signals import case_opened
from cases.documents.rules import load_document_rules
from cases.intake.commands import CreateCase
from cases.intake.handlers import handle_create_case
from cases.intake.services import open_cases
from cases.models import Case, StoredEvent

__all__ = ["CreatedCase", "create_case"]

# What the client sent; requirements follow the rules of the day, so they are not compared.
_CONTENT_EVENTS = frozenset(
    {
        ev.COMPANY_PROFILE_CREATED,
        ev.CASE_CREATED,
        ev.PERSON_LINKED_TO_COMPANY,
        ev.PERSON_ADDED_TO_CASE,
        ev.BENEFICIAL_OWNER_ADDED,
    }
)


@dataclass(frozen=True)
class CreatedCase:
    """The new case and the ids of everything it produced, in message order."""

    case: Case
    company_id: uuid.UUID | None
    person_ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    requirement_ids: list[uuid.UUID]


def _content(events: list) -> list[tuple[str, str, dict]]:
    return [
        (e.event_type, str(e.aggregate_id), e.payload)
        for e in events
        if e.event_type in _CONTENT_EVENTS
    ]


def _check_same_request(command: CreateCase, decided: list[DomainEvent]) -> None:
    """A source already used must carry the same content; otherwise the key was reused."""
    stored = list(StoredEvent.objects.filter(correlation_id=command.source).order_by("sequence"))
    if stored and _content(stored) != _content(decided):
        raise InvalidCommand(
            "this Idempotency-Key was already used for a different case; send a new key"
        )


def _ids(events: list[DomainEvent], event_types: set[str], key: str) -> list[uuid.UUID]:
    return [uuid.UUID(e.payload[key]) for e in events if e.event_type in event_types]


def _current_traceparent() -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def create_case(command: CreateCase, generation: int | None = None) -> CreatedCase:
    """Open the case (idempotent on `command.source`) and announce it. With `generation`, the
    case also claims its client (cases.client_updates.claims; ConcurrencyConflict if taken).

    `case_opened` fires on every successful call, retries included: its receivers are
    idempotent (cases.core.signals), and a first try that died between projecting and announcing
    would otherwise never notify.
    """
    rules = load_document_rules()
    _check_same_request(command, handle_create_case(command, rules))
    opened = open_cases([command], rules, generations=None if generation is None else [generation])
    case_id = opened.case_ids[0]
    case_opened.send(
        sender=create_case,
        case_ids=[case_id],
        trace_context={case_id: _current_traceparent()},
    )
    events = opened.events
    companies = _ids(events, {ev.COMPANY_PROFILE_CREATED}, "company_id")
    return CreatedCase(
        case=Case.objects.get(pk=case_id),
        company_id=companies[0] if companies else None,
        person_ids=_ids(
            events, {ev.PERSON_ADDED_TO_CASE, ev.PERSON_LINKED_TO_COMPANY}, "person_id"
        ),
        owner_ids=_ids(events, {ev.BENEFICIAL_OWNER_ADDED}, "owner_id"),
        requirement_ids=_ids(events, {ev.DOCUMENT_REQUIREMENT_DETERMINED}, "requirement_id"),
    )
