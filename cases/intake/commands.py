"""Commands: what a caller (the Kafka consumer, the REST API, the admin) can ask of the domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from cases.intake.contract import KafkaMessage


@dataclass(frozen=True)
class CreateCase:
    """Open a case from a validated client event.

    `source` identifies the input (a Kafka record or an API idempotency key); every id the case
    produces derives from it, so the same input always lands on the same documents.
    """

    source: str
    message: KafkaMessage
    occurred_at: datetime
    raw_event_id: uuid.UUID | None = None
    actor: str = "system"
    trace_id: str = ""


# --- Commands on existing aggregates (SPEC §3) -----------------------------------------------
# Each carries `request_id`: the caller's idempotency key and the events' correlation id. Event
# ids derive from it, so a retried request (same id) is recognised and not applied twice, while
# two different requests can never collide. Ids given as strings (API, admin) become UUIDs.


def new_request_id() -> str:
    return str(uuid.uuid4())


def _as_uuid(command: object, *names: str) -> None:
    """Frozen dataclasses cannot assign normally; coerce string ids once, at construction."""
    for name in names:
        value = getattr(command, name)
        if not isinstance(value, uuid.UUID):
            object.__setattr__(command, name, uuid.UUID(str(value)))


@dataclass(frozen=True, kw_only=True)
class RequestFields:
    """What every request-style command carries: its idempotency key, time and trace."""

    request_id: str = field(default_factory=new_request_id)
    occurred_at: datetime = field(default_factory=timezone.now)
    trace_id: str = ""


@dataclass(frozen=True)
class ChangeCaseStatus(RequestFields):
    """Move a case along its lifecycle (cases.core.lifecycle.CASE_TRANSITIONS)."""

    case_id: uuid.UUID
    new_status: str
    actor: str
    reason: str = ""
    expected_version: int | None = None

    def __post_init__(self) -> None:
        _as_uuid(self, "case_id")


@dataclass(frozen=True)
class AddCaseNote(RequestFields):
    """Append an analyst's note to a case; notes are never edited or removed."""

    case_id: uuid.UUID
    text: str
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        _as_uuid(self, "case_id")


@dataclass(frozen=True)
class DetermineDocumentRequirements(RequestFields):
    """Work out (again) which documents one party of a case owes; existing ones are kept."""

    case_id: uuid.UUID
    entity_id: uuid.UUID
    entity_type: str
    traitement_type: str
    case_type: str
    context_data: dict = field(default_factory=dict)
    actor: str = "system"

    def __post_init__(self) -> None:
        _as_uuid(self, "case_id", "entity_id")


@dataclass(frozen=True)
class UpdateDocumentStatus(RequestFields):
    """Record a decision on a required document (cases.core.lifecycle.DOCUMENT_TRANSITIONS)."""

    requirement_id: uuid.UUID
    new_status: str
    actor_type: str
    actor_id: str
    metadata_changes: dict = field(default_factory=dict)
    notes_to_add: list[str] = field(default_factory=list)
    expected_version: int | None = None

    def __post_init__(self) -> None:
        _as_uuid(self, "requirement_id")

    @property
    def actor(self) -> str:
        """The single-string actor of the event metadata, e.g. `USER:alice`."""
        return f"{self.actor_type}:{self.actor_id}"
