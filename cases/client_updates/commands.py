"""UpdateCaseFromClientEvent: apply a client record to the client's open case (SPEC §3b)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from cases.intake.commands import CreateCase
from cases.intake.contract import ClientRecord


@dataclass(frozen=True)
class UpdateCaseFromClientEvent:
    """What a `CreateCase` becomes when its client already has an open case.

    `source` (the Kafka record or API request) is the update's identity: every event id and
    every new party id derives from it, so a redelivered record lands on the same events.
    """

    case_id: uuid.UUID
    source: str
    message: ClientRecord
    occurred_at: datetime
    raw_event_id: uuid.UUID | None = None
    actor: str = "system"
    trace_id: str = ""

    @classmethod
    def routed(cls, command: CreateCase, case_id: uuid.UUID) -> UpdateCaseFromClientEvent:
        return cls(
            case_id=case_id,
            source=command.source,
            message=command.message,
            occurred_at=command.occurred_at,
            raw_event_id=command.raw_event_id,
            actor=command.actor,
            trace_id=command.trace_id,
        )
