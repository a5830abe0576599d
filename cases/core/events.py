"""Domain events: names, the envelope, and the deterministic ids that make replays land in place.

Every id is a UUIDv5 of where the data came from (a Kafka record's topic/partition/offset, or an
API request's idempotency key), so processing the same input twice yields the same ids and the
unique indexes turn the second write into a no-op.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Fixed namespace for every id casemgmt derives; changing it would orphan all existing data.
ID_NAMESPACE = uuid.UUID("3f7c2a52-8d0e-4c59-9a51-7f3b0c6e2d14")

# Aggregate types
CASE = "Case"
COMPANY = "Company"
DOCUMENT_REQUIREMENT = "DocumentRequirement"

# Event types
COMPANY_PROFILE_CREATED = "CompanyProfileCreated"
CASE_CREATED = "CaseCreated"
PERSON_LINKED_TO_COMPANY = "PersonLinkedToCompany"
PERSON_ADDED_TO_CASE = "PersonAddedToCase"
BENEFICIAL_OWNER_ADDED = "BeneficialOwnerAdded"
DOCUMENT_REQUIREMENT_DETERMINED = "DocumentRequirementDetermined"
NOTIFICATION_REQUIRED = "NotificationRequired"
CASE_STATUS_CHANGED = "CaseStatusChanged"
DOCUMENT_STATUS_UPDATED = "DocumentStatusUpdated"
CASE_NOTE_ADDED = "CaseNoteAdded"
# Analyst workflow (SPEC §3a)
CASE_ASSIGNED = "CaseAssigned"
DECISION_PROPOSED = "DecisionProposed"
DECISION_APPROVED = "DecisionApproved"
DECISION_RETURNED = "DecisionReturned"
CASE_BECAME_OVERDUE = "CaseBecameOverdue"
# Document evidence (SPEC §5a), on the requirement's stream
DOCUMENT_FILE_UPLOADED = "DocumentFileUploaded"
DOCUMENT_EXPIRED = "DocumentExpired"
EVIDENCE_FILE_DELETED = "EvidenceFileDeleted"


def derive_id(*parts: object) -> uuid.UUID:
    """A stable UUID for the given parts (joined unambiguously)."""
    return uuid.uuid5(ID_NAMESPACE, "\x1f".join(str(part) for part in parts))


def kafka_source(topic: str, partition: int, offset: int) -> str:
    """The identity of a Kafka record; everything it produces derives its ids from this."""
    return f"kafka:{topic}:{partition}:{offset}"


@dataclass(frozen=True)
class Metadata:
    correlation_id: str
    causation_id: str
    trace_id: str = ""
    actor: str = "system"

    def as_dict(self) -> dict[str, str]:
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "trace_id": self.trace_id,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class DomainEvent:
    """One event as the handlers decide it; the event store adds `recorded_at`."""

    event_id: uuid.UUID
    event_type: str
    aggregate_type: str
    aggregate_id: uuid.UUID
    version: int
    occurred_at: datetime
    payload: dict[str, Any]
    metadata: Metadata
    sequence: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def envelope(self, recorded_at: datetime) -> dict[str, Any]:
        """The JSON shape published to Kafka and returned by the API."""
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "aggregate_type": self.aggregate_type,
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": recorded_at.isoformat(),
            "payload": self.payload,
            "metadata": self.metadata.as_dict(),
        }


class EventSequence:
    """Builds the ordered events of one command, numbering versions per aggregate."""

    def __init__(self, metadata: Metadata, occurred_at: datetime, start_versions=None):
        self.metadata = metadata
        self.occurred_at = occurred_at
        self.events: list[DomainEvent] = []
        self._versions: dict[uuid.UUID, int] = dict(start_versions or {})

    def add(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, payload: dict
    ) -> DomainEvent:
        version = self._versions.get(aggregate_id, 0) + 1
        self._versions[aggregate_id] = version
        sequence = len(self.events)
        event = DomainEvent(
            event_id=derive_id(self.metadata.causation_id, "event", sequence),
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            version=version,
            occurred_at=self.occurred_at,
            payload=payload,
            metadata=self.metadata,
            sequence=sequence,
        )
        self.events.append(event)
        return event
