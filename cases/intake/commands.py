"""Commands: what a caller (the Kafka consumer, the REST API, the admin) can ask of the domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

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
