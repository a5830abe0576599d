"""A Kafka record as plain data, and what ingesting it came to.

Shared by the ingest service, its spans, metrics and the dead-letter publisher; kept apart from
`ingest` so that none of them has to import another to name these types.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cases.core.events import derive_id, kafka_source
from cases.models import RawEventStatus


@dataclass(frozen=True)
class InboundRecord:
    """A Kafka record as plain data, independent of the client library."""

    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes | None], ...] = ()
    timestamp: datetime | None = None

    @property
    def source(self) -> str:
        return kafka_source(self.topic, self.partition, self.offset)

    @property
    def raw_event_id(self) -> uuid.UUID:
        return derive_id(self.source, "raw")

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name and value is not None:
                return value.decode("utf-8", errors="replace")
        return None


@dataclass
class RecordOutcome:
    record: InboundRecord
    status: str
    reason: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)
    case_id: uuid.UUID | None = None
    trace_id: str = ""
    already_finished: bool = False
    intake: str = ""  # created, updated or "no change" (SPEC §3b)

    @property
    def needs_dead_letter(self) -> bool:
        """Also when finished by an earlier run: its copy commits with its offset, not before."""
        return self.status in (RawEventStatus.REJECTED, RawEventStatus.FAILED)
