"""Pure decisions on document evidence (SPEC §5a): ids, expiry and retention deletes.

Plain data in, events (or a `cases.core.errors` exception) out; no ORM, clock or storage. The
upload and the decisions naming a version are document-status decisions and live with them
(`cases.documents.handlers`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from cases.core import events as ev
from cases.core.errors import InvalidCommand
from cases.core.requests import iso_ms

__all__ = [
    "ExpiryState",
    "evidence_file_id",
    "handle_delete_evidence",
    "handle_expire_document",
    "upload_request_id",
    "verified_file_version",
]

VERIFIED = frozenset({"VERIFIED_MANUAL", "VERIFIED_SYSTEM"})
EXPIRY = "expiry"
RETENTION = "retention"
MAX_REASON = 2000


def evidence_file_id(requirement_id: uuid.UUID, version: int) -> uuid.UUID:
    """The EvidenceFile id: one per (requirement, version)."""
    return ev.derive_id(requirement_id, "evidence", version)


def upload_request_id(requirement_id: uuid.UUID, sha256: str, idempotency_key: str) -> str:
    """The request id of an upload with an idempotency key: the same key and the same bytes on
    the same requirement are the same request, so a retry lands on the first try's events."""
    return str(ev.derive_id("evidence-upload", requirement_id, sha256, idempotency_key))


def verified_file_version(history: Iterable[dict]) -> int | None:
    """The version the latest VERIFIED_* decision named (None: verified without a file)."""
    found = None
    for entry in history:
        if entry.get("new_status") in VERIFIED:
            found = entry.get("file_version")
    return found


@dataclass(frozen=True)
class ExpiryState:
    """A verified requirement as the expiry check reads it."""

    requirement_id: uuid.UUID
    case_id: uuid.UUID
    status: str
    version: int
    expires_on: date | None
    file_version: int | None


def handle_expire_document(state: ExpiryState, today: date, now: datetime) -> list[ev.DomainEvent]:
    """DocumentExpired (→ AWAITING_UPLOAD) once the verified version's date has passed.

    Once per (requirement, version): the event's causation, hence its id, derives from them,
    so a second check, or a second process at the same moment, produces the very same event,
    which the store keeps once. Nothing when not verified or not expired yet.
    """
    if state.status not in VERIFIED or state.expires_on is None or state.expires_on >= today:
        return []
    cause = f"{EXPIRY}:{state.requirement_id}:{state.file_version}"
    metadata = ev.Metadata(correlation_id=cause, causation_id=cause, actor="system")
    sequence = ev.EventSequence(metadata, now, start_versions={state.requirement_id: state.version})
    sequence.add(
        ev.DOCUMENT_EXPIRED,
        ev.DOCUMENT_REQUIREMENT,
        state.requirement_id,
        {
            "requirement_id": str(state.requirement_id),
            "case_id": str(state.case_id),
            "version": state.file_version,
            "expires_on": state.expires_on.isoformat(),
            "old_status": state.status,
            "new_status": "AWAITING_UPLOAD",
            "at": iso_ms(now),
        },
    )
    return sequence.events


@dataclass(frozen=True)
class DeletionState:
    """The requirement and the version a retention delete is about."""

    requirement_id: uuid.UUID
    case_id: uuid.UUID
    requirement_version: int
    file_version: int
    already_deleted: bool


def delete_request_id(requirement_id: uuid.UUID, version: int) -> str:
    """One delete per version: a retried delete is the same request (same events)."""
    return str(ev.derive_id(RETENTION, requirement_id, version))


def handle_delete_evidence(
    state: DeletionState, reason: str, actor: str, now: datetime
) -> list[ev.DomainEvent]:
    """EvidenceFileDeleted: the bytes go, the metadata stays with who deleted it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCommand("a deletion must say why (reason): it is kept with the metadata")
    if len(reason) > MAX_REASON:
        raise InvalidCommand(f"reason is longer than {MAX_REASON} characters")
    if not actor.strip():
        raise InvalidCommand("a deletion needs an actor (who deletes it)")
    if state.already_deleted:
        raise InvalidCommand(f"version {state.file_version} is already deleted")
    request_id = delete_request_id(state.requirement_id, state.file_version)
    metadata = ev.Metadata(
        correlation_id=request_id, causation_id=f"request:{request_id}", actor=actor
    )
    sequence = ev.EventSequence(
        metadata, now, start_versions={state.requirement_id: state.requirement_version}
    )
    sequence.add(
        ev.EVIDENCE_FILE_DELETED,
        ev.DOCUMENT_REQUIREMENT,
        state.requirement_id,
        {
            "requirement_id": str(state.requirement_id),
            "case_id": str(state.case_id),
            "version": state.file_version,
            "reason": reason,
            "by": actor,
            "at": iso_ms(now),
        },
    )
    return sequence.events
