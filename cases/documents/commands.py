"""Commands on document requirements (SPEC §4-5): determine a party's documents, decide one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from cases.core.requests import RequestFields, as_uuid


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
        as_uuid(self, "case_id", "entity_id")


@dataclass(frozen=True)
class DocumentUpload:
    """An uploaded file's metadata (SPEC §5a), already in storage under `storage_name`; the
    bytes never travel in a command or an event. `content_type` is the sniffed type."""

    sha256: str
    size: int
    content_type: str
    original_name: str
    storage_name: str
    issued_on: date | None = None
    expires_on: date | None = None
    document_number: str = ""


@dataclass(frozen=True)
class UpdateDocumentStatus(RequestFields):
    """Record a decision on a required document (cases.core.lifecycle.DOCUMENT_TRANSITIONS).

    With `upload`, it is an upload (SPEC §5a): a new file version, and AWAITING_UPLOAD or
    REJECTED → UPLOADED (an UPLOADED requirement only gains the version). VERIFIED_MANUAL and
    REJECTED of a requirement holding files name the version decided on (`file_version`); a
    rejection may ask the client for a new upload (`request_new_upload`, with a `reason`).
    """

    requirement_id: uuid.UUID
    new_status: str
    actor_type: str
    actor_id: str
    metadata_changes: dict = field(default_factory=dict)
    notes_to_add: list[str] = field(default_factory=list)
    expected_version: int | None = None
    file_version: int | None = None
    request_new_upload: bool = False
    reason: str = ""
    upload: DocumentUpload | None = None

    def __post_init__(self) -> None:
        as_uuid(self, "requirement_id")

    @property
    def actor(self) -> str:
        """The single-string actor of the event metadata, e.g. `USER:alice`."""
        return f"{self.actor_type}:{self.actor_id}"
