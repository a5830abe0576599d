"""What every request-style command shares: its idempotency key and what derives from it.

The request id is the events' correlation id and, as `request:<id>`, their causation, so a
retried request lands on the events its first try stored (see `cases.core.command_bus`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from cases.core.events import EventSequence, Metadata


def new_request_id() -> str:
    return str(uuid.uuid4())


def as_uuid(command: object, *names: str) -> None:
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


def request_metadata(request_id: str, actor: str, trace_id: str = "") -> Metadata:
    """`request:` keeps request causations apart from Kafka sources (`kafka:...`)."""
    return Metadata(
        correlation_id=request_id,
        causation_id=f"request:{request_id}",
        trace_id=trace_id,
        actor=actor,
    )


def request_sequence(
    command: Any, actor: str, start_versions: dict[uuid.UUID, int]
) -> EventSequence:
    """The numbering of a request's events, continuing the given aggregates' versions."""
    metadata = request_metadata(command.request_id, actor, command.trace_id)
    return EventSequence(metadata, command.occurred_at, start_versions=start_versions)


def note_payload(author: str, at: str, text: str) -> dict[str, str]:
    return {"author": author, "at": at, "text": text}


def iso_ms(moment: Any) -> str:
    """MongoDB keeps milliseconds; cut to them so a note's time equals its event's occurred_at."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat()
