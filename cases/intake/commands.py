"""Commands: what a caller (the Kafka consumer, the REST API, the admin) can ask of the domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cases.core.requests import RequestFields, as_uuid
from cases.intake.contract import ClientRecord


@dataclass(frozen=True)
class CreateCase:
    """Open a case from a validated client event.

    `source` identifies the input (a Kafka record or an API idempotency key); every id the case
    produces derives from it, so the same input always lands on the same documents.
    """

    source: str
    message: ClientRecord
    occurred_at: datetime
    raw_event_id: uuid.UUID | None = None
    actor: str = "system"
    trace_id: str = ""


# --- Commands on existing aggregates (SPEC §3): request-style, see cases.core.requests ------


@dataclass(frozen=True)
class ChangeCaseStatus(RequestFields):
    """Move a case along its lifecycle (cases.core.lifecycle.CASE_TRANSITIONS)."""

    case_id: uuid.UUID
    new_status: str
    actor: str
    reason: str = ""
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")


@dataclass(frozen=True)
class AddCaseNote(RequestFields):
    """Append an analyst's note to a case; notes are never edited or removed."""

    case_id: uuid.UUID
    text: str
    actor: str
    expected_version: int | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "case_id")
